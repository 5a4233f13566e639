// The form controls of the side panels — data (task, preset, seed, file), construction options,
// overlays, the softmax comparison — and the panel flags (*_hide). Controls write the page
// state and ask for what follows (a construction, a redraw, a URL write); sync() puts the
// state back into the controls.

import { SEEDED_PRESETS, PANELS, BETA_MIN, BETA_MAX, COLLAPSE_MAX, TASKS, taskOfPreset, WIDTH_MIN, WIDTH_MAX, widthRefusal } from './state.js';
import { enableDrop } from './io.js';
import { $, debounce, clampInt, messageOf } from './util.js';

export const OVERLAYS = ['edges', 'tents', 'dirs', 'trails', 'lines'];
const U32_MAX = 4294967295;

export class Controls {
  /**
   * @param state   the page state
   * @param model   () => the built model, or null
   * @param drawing () => whether draw mode is on
   * @param stride  () => 1 in how many tokens the crowd overlays are drawn for
   * @param act     { loadPreset(name), loadSeed(seed), loadFile(file), reconstruct(),
   *                  redraw(), requestDraw(), wroteState(), showError(message) }
   * @param filmstrip the Filmstrip (drawn late when its panel was hidden)
   */
  constructor({ state, model, drawing, stride, act, filmstrip }) {
    Object.assign(this, { state, model, drawing, stride, act, filmstrip });
    this.softmax = null; // the comparison shown: { beta, correct, total, positions, extents }
    this.bind();
  }

  bind() {
    const { state: s, act } = this;
    // The task switch loads the first preset of the task chosen; the preset list shows that task's.
    for (const task of Object.keys(TASKS)) {
      $(`task-${task}`).addEventListener('click', () => {
        if (s.task !== task || s.preset === 'custom') act.loadPreset(TASKS[task]).catch(() => {});
      });
    }
    $('preset').addEventListener('change', (e) => act.loadPreset(e.target.value).catch(() => {}));
    const seedChanged = debounce(() => {
      const seed = clampInt($('seed').value, 0, U32_MAX, s.seed);
      if (SEEDED_PRESETS.includes(s.preset)) act.loadSeed(seed).catch(() => {});
    }, 300);
    $('seed').addEventListener('input', seedChanged);
    $('seed-next').addEventListener('click', () => {
      $('seed').value = String((clampInt($('seed').value, 0, U32_MAX, 0) + 1) % (U32_MAX + 1));
      seedChanged();
    });
    $('file').addEventListener('change', (e) => {
      const f = e.target.files[0];
      if (f) act.loadFile(f);
      e.target.value = '';
    });
    enableDrop($('stage'), (f) => act.loadFile(f));

    // The controls are read into the state at once, and only the rebuild waits: a refresh of
    // the panel in between (the last build's link arriving) then shows the new values instead
    // of putting the old ones back before they were read.
    const rebuildSoon = debounce(() => act.reconstruct(), 250);
    const optionChanged = () => {
      s.cseed = clampInt($('cseed').value, 0, U32_MAX, s.cseed);
      s.collapse = clampInt($('collapse').value, 1, COLLAPSE_MAX, 1);
      s.labeling = $('labeling').value === 'points' ? 'points' : 'runs';
      s.pos = $('pos').checked;
      s.lift = $('lift').checked;
      s.width = clampInt($('width').value, WIDTH_MIN, WIDTH_MAX, s.width);
      delete s.refused?.width; // a width chosen here replaces the one the link was refused
      rebuildSoon();
    };
    for (const id of ['cseed', 'collapse', 'labeling', 'pos', 'lift', 'width']) $(id).addEventListener(id === 'cseed' ? 'input' : 'change', optionChanged);

    for (const k of OVERLAYS) {
      $(`ov-${k}`).addEventListener('change', (e) => {
        s[k] = e.target.checked;
        this.updateOverlayBadge();
        act.wroteState();
        act.redraw();
      });
    }
    $('sm-on').addEventListener('change', (e) => {
      s.softmax = e.target.checked;
      this.updateSoftmax();
      act.wroteState();
    });
    const betaChanged = debounce(() => this.updateSoftmax(), 120);
    $('sm-beta').addEventListener('input', (e) => {
      s.beta = clampBeta(Math.pow(10, Number(e.target.value)));
      $('sm-beta-value').textContent = formatBeta(s.beta);
      betaChanged();
      act.wroteState();
    });
  }

  /** Puts the state into the controls and shows/hides panels (*_hide flags). */
  sync() {
    const s = this.state;
    for (const task of Object.keys(TASKS)) $(`task-${task}`).setAttribute('aria-pressed', String(s.task === task));
    for (const opt of $('preset').options) opt.hidden = opt.value !== 'custom' && taskOfPreset(opt.value) !== s.task;
    $('preset').value = s.preset;
    $('preset').querySelector('option[value="custom"]').disabled = s.preset !== 'custom';
    $('seed').value = String(s.seed);
    $('seed').disabled = $('seed-next').disabled = !SEEDED_PRESETS.includes(s.preset);
    $('cseed').value = String(s.cseed);
    $('collapse').value = String(s.collapse);
    $('labeling').value = s.labeling;
    $('pos').checked = s.pos;
    $('lift').checked = s.lift;
    this.syncWidth();
    for (const k of OVERLAYS) $(`ov-${k}`).checked = s[k];
    $('sm-on').checked = s.softmax;
    $('sm-beta').value = String(Math.log10(s.beta));
    $('sm-beta-value').textContent = formatBeta(s.beta);
    $('speed').value = String(s.speed);
    this.syncTask();
    for (const p of PANELS) {
      for (const node of document.querySelectorAll(`[data-panel="${p}"]`)) node.hidden = Boolean(s[`${p}_hide`]);
    }
    this.filmstrip.catchUp();
  }

  /**
   * Interpolation (sequence to sequence) has no classes: the controls that only concern
   * classification (collapse layers, labeling, the d = 1 lift, softmax) are disabled, and
   * say why.
   */
  syncTask() {
    const interpolates = this.model()?.task === 'interpolate';
    const why = interpolates ? 'classification only: this dataset has targets (interpolation), which has no collapse, labels or anchors' : '';
    for (const id of ['collapse', 'labeling', 'lift', 'sm-on', 'sm-beta']) {
      const node = $(id);
      if (!node) continue;
      node.disabled = interpolates;
      if (interpolates) node.title = why;
      else node.removeAttribute('title');
    }
    let hint = $('task-hint');
    if (!hint) {
      hint = document.createElement('p');
      hint.id = 'task-hint';
      hint.className = 'hint';
      hint.setAttribute('data-testid', 'task-hint');
      $('pos').closest('label')?.before(hint);
    }
    hint.hidden = !interpolates;
    hint.textContent = interpolates ? 'collapse layers, labeling, lift and softmax: ' + why + '.' : '';
  }

  /**
   * The width menu shows the state's width (a width the link gave that the menu does not list
   * gets its own entry); the hint under it says what that width does, or, when the link's
   * width was refused, why.
   */
  syncWidth() {
    const s = this.state, menu = $('width');
    if (![...menu.options].some((o) => Number(o.value) === s.width)) menu.appendChild(new Option(`${s.width} (from the link)`, String(s.width)));
    menu.value = String(s.width);
    const refused = s.refused?.width;
    $('width-hint').textContent = refused === undefined ? widthWords(s.width) : widthRefusal(refused);
    $('width-hint').classList.toggle('warn', refused !== undefined);
  }

  /** Only the engine's presets can be chosen (the rest stay listed, disabled). */
  offerPresets(names) {
    for (const opt of $('preset').options) if (opt.value !== 'custom') opt.disabled = !names.includes(opt.value);
  }

  /** Runs (or drops) the softmax comparison for the current model and β, and says how it did. */
  updateSoftmax() {
    const s = this.state;
    const m = this.model();
    const on = s.softmax && m && m.built && m.task !== 'interpolate';
    $('sm-beta-value').textContent = formatBeta(s.beta);
    const badge = $('badge-softmax');
    if (!on) {
      this.softmax = null;
      $('sm-result').textContent = '';
      badge.hidden = true;
      this.act.requestDraw();
      return;
    }
    try {
      this.softmax = m.softmax(s.beta);
      if (!this.softmax) {
        // Running in the worker: this runs again when the answer comes.
        $('sm-result').textContent = `softmax β=${formatBeta(s.beta)}: running…`;
        $('sm-result').classList.remove('ok');
        return;
      }
      const text = `softmax β=${formatBeta(s.beta)}: ${this.softmax.correct}/${this.softmax.total} correct`;
      $('sm-result').textContent = text;
      $('sm-result').classList.toggle('ok', this.softmax.correct === this.softmax.total);
      badge.textContent = text;
      badge.hidden = true; // the split view's softmax pane carries this in its title
    } catch (err) {
      this.softmax = null;
      this.act.showError(`softmax comparison failed: ${messageOf(err)}`);
    }
    this.act.requestDraw();
  }

  /** Says so when crowd overlays (trails, edges, lines) are drawn for a sample of tokens. */
  updateOverlayBadge() {
    const s = this.state;
    const stride = this.stride() || 1;
    const on = stride > 1 && (s.edges || s.trails || s.lines) && !this.drawing();
    const badge = $('badge-overlay');
    badge.hidden = !on;
    badge.textContent = on ? `edges, trails and lines drawn for 1 in ${stride} tokens` : '';
  }
}

function clampBeta(b) {
  return Math.min(BETA_MAX, Math.max(BETA_MIN, Number(b.toPrecision(3))));
}

function formatBeta(b) {
  return b >= 100 ? String(Math.round(b)) : String(Number(b.toPrecision(2)));
}

/** What a width cap does, in one line under the width menu. */
function widthWords(width) {
  const k = Math.floor(width / 6);
  if (k <= 1) return `hidden neurons in each feed-forward layer: at ${width}, one split per block`;
  return `hidden neurons in each feed-forward layer: at ${width}, one block jumps up to ${k} tokens out, each to its own height, and a layer holds more label tents: fewer blocks`;
}
