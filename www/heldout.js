// Held-out data on the page: the built transformer run on sequences it was not built from —
// the preset's built-in held-out set, another file, or a sequence drawn by hand ("where does
// my sequence go?"). The panel shows the accuracy and the misclassified sequences; clicking one
// draws it on the canvas through the same layers, on the same playback clock, as hollow rings
// joined by a dashed line (a legend entry says so). The engine does the work (model.js ->
// worker); nothing here projects or classifies.

import { messageOf } from './util.js';
import { el } from './ui.js';
import { drawHeldOut } from './heldoutdraw.js';

/** At most this many sequences are listed (the counts above the list are always complete). */
export const LIST_MAX = 200;

export class HeldOut {
  /**
   * @param els      { panel, preset, file, draw, error, result } elements of the panel
   * @param app      { model(), state, playback, renderer, draft, drawMode, drawAuto, redraw }
   */
  constructor({ els, app }) {
    Object.assign(this, { els, app });
    this.model = null; // the model the result belongs to
    this.result = null; // the engine's summary of the last run
    this.source = null; // { kind, ..., label } what was run
    this.shown = null; // { index, name, predicted, label, positions, n }
    this.drawn = null; // what the last frame drew: { a, b, f, tokens: [{ x, y }] }
    this.probing = false; // drawing a sequence to test
    this.autoWas = null;
    els.preset.addEventListener('click', () => this.runPreset().catch(() => {}));
    els.file.addEventListener('change', () => {
      const f = els.file.files?.[0];
      els.file.value = '';
      if (f) this.runFile(f).catch(() => {});
    });
    els.draw.addEventListener('click', () => (this.probing || this.drewSomething() ? this.runDrawn() : this.startDrawing()).catch(() => {}));
    // the draw panel offers it too: the sequence being drawn, through the model on screen
    if (els.drawPanel) {
      const offer = el('button', null, 'where does it go? (no rebuild)');
      offer.type = 'button';
      offer.id = 'draw-probe';
      offer.title = 'run the sequence being drawn through the model built so far, without rebuilding';
      offer.addEventListener('click', () => this.runDrawn().catch(() => {}));
      const row = el('div', 'row wrap');
      row.append(offer);
      els.drawPanel.append(row);
    }
    els.result.addEventListener('click', (e) => {
      const b = e.target.closest('button[data-index]');
      if (b) this.show(Number(b.dataset.index), { play: true }).catch(() => {});
    });
  }

  /** Forgets results that belong to a model no longer on screen. */
  sync() {
    const m = this.app.model();
    if (m === this.model) return;
    this.model = m;
    this.result = this.shown = this.drawn = this.source = null;
    this.els.error.hidden = true;
    this.els.result.replaceChildren();
    this.els.preset.disabled = !m?.built;
  }

  /** The built model, or a named error. */
  built() {
    this.sync();
    const m = this.model;
    if (!m || !m.built) throw new Error('held-out data: build a model first (the held-out sequences run through it)');
    return m;
  }

  /**
   * Runs held-out data: x a dataset object, { text, format }, or a source as model.js takes
   * it. Resolves to the engine's summary (also shown in the panel); rejects with a named error
   * (also shown in the panel).
   */
  async run(x, label = null) {
    this.els.error.hidden = true;
    try {
      const m = this.built();
      const source = toSource(x);
      const result = await m.testHeldOut(source);
      if (this.app.model() !== m) throw new Error('held-out data: the model changed while the data ran');
      this.result = result;
      this.source = { ...source, label: label || describe(source) };
      this.shown = null;
      this.render();
      this.app.redraw();
      return result;
    } catch (err) {
      this.fail(err);
      throw err;
    }
  }

  runPreset() {
    const s = this.app.state;
    const name = s.preset;
    if (!['shared', 'random', 'rings', 'vowels'].includes(name)) {
      return Promise.reject(this.fail(new Error('held-out data: only the presets have a built-in held-out set; use “test on another file”')));
    }
    return this.run({ kind: 'preset', name, seed: Number(s.seed) || 0 }, `the built-in held-out set of «${name}»`);
  }

  async runFile(file) {
    const format = (file.name.split('.').pop() || '').toLowerCase();
    let text;
    try {
      text = await file.text();
    } catch (err) {
      this.fail(new Error(`${file.name}: could not be read (${messageOf(err)})`));
      throw err;
    }
    try {
      return await this.run({ text, format }, file.name);
    } catch (err) {
      this.fail(new Error(`${file.name}: ${messageOf(err)}`));
      throw err;
    }
  }

  /** Draw mode, to draw one sequence for the built model (no rebuilding while drawing). */
  async startDrawing() {
    const m = this.built();
    if (m.report?.dim !== 2) throw this.fail(new Error(`where does my sequence go: drawing makes 2D sequences, and this model takes d = ${m.report?.dim}`));
    const auto = this.app.drawAuto;
    this.autoWas = auto.checked;
    auto.checked = false; // no rebuilding: the drawn sequence is not training data
    this.app.drawMode.enter();
    this.app.draft.newSequence();
    this.probing = true;
    this.els.draw.textContent = 'run my sequence through the model';
    this.els.draw.classList.add('primary');
    this.note('Click on the canvas to add tokens to your sequence, then press “run my sequence through the model”. The model is not rebuilt.');
  }

  /** Whether draw mode is on with a sequence that has tokens. */
  drewSomething() {
    return this.app.draft.active && Boolean(this.app.draft.currentSequence?.tokens.length);
  }

  /**
   * The drawn sequence (the draft's current one) through the model on screen: the one built
   * before drawing when "auto" was off (as "where does my sequence go?" sets it), else the last
   * drawing that was built (then the sequence may be training data, and the panel says so).
   */
  async runDrawn() {
    const seq = this.app.draft.active ? this.app.draft.currentSequence : null;
    const tokens = seq ? seq.tokens.map((t) => [t[0], t[1]]) : [];
    if (!tokens.length) throw this.fail(new Error('where does my sequence go: draw at least one token first (click on the canvas)'));
    this.stopDrawing();
    this.app.drawMode.leave();
    const m = this.built();
    const name = 'your sequence';
    const inTraining = (m.datasetNow()?.sequences || []).some((s) => sameTokens(s.tokens, tokens));
    await this.run({ kind: 'tokens', name, tokens }, inTraining ? 'your drawn sequence (it is also in the training data)' : 'your drawn sequence');
    await this.show(0, { play: true });
  }

  stopDrawing() {
    if (!this.probing) return;
    this.probing = false;
    this.els.draw.textContent = 'where does my sequence go?';
    this.els.draw.classList.remove('primary');
    this.app.drawMode.leave();
    if (this.autoWas !== null) this.app.drawAuto.checked = this.autoWas;
    this.autoWas = null;
  }

  /** Fetches held-out sequence i's positions and draws it; `play` replays from the input. */
  async show(i, { play = false } = {}) {
    const m = this.built();
    const r = this.result;
    if (!r || !(i >= 0 && i < r.total)) throw new Error(`held-out sequence ${i} is not in the last run`);
    const positions = await m.heldOutPositions(i);
    if (this.app.model() !== m || this.result !== r) return this.snapshot();
    const p = r.predictions[i];
    this.shown = { index: i, name: p.name, label: p.label, predicted: p.predicted, predictedIndex: p.predictedIndex, positions, n: positions.length / (2 * (m.L + 1)) };
    for (const b of this.els.result.querySelectorAll('button[data-index]')) b.setAttribute('aria-pressed', String(Number(b.dataset.index) === i));
    // the canvas comes into view (on a phone the list sits below it)
    const stage = document.getElementById('stage');
    const box = stage?.getBoundingClientRect();
    if (box && (box.top < 0 || box.bottom > window.innerHeight)) stage.scrollIntoView({ block: 'nearest' });
    const pb = this.app.playback;
    if (play) {
      await pb.goto(0);
      pb.play();
    } else this.app.redraw();
    return this.snapshot();
  }

  /** What the panel and the canvas show, for the automation hook. */
  snapshot() {
    this.sync();
    const s = this.shown;
    return {
      result: this.result,
      source: this.source ? this.source.label : null,
      shown: s ? { index: s.index, name: s.name, label: s.label, predicted: s.predicted } : null,
      drawn: this.drawn,
      error: this.els.error.hidden ? null : this.els.error.textContent,
    };
  }

  fail(err) {
    const e = this.els.error;
    e.textContent = messageOf(err);
    e.hidden = false;
    return err;
  }

  note(text) {
    this.els.result.replaceChildren(el('p', 'hint', text));
  }

  /** The summary and the list, as text nodes (names never reach the DOM as markup). */
  render() {
    const r = this.result, root = this.els.result;
    root.replaceChildren();
    if (!r) return;
    root.append(el('p', 'ho-source', `Ran ${this.source.label}: ${r.total} sequence${r.total === 1 ? '' : 's'}.`));
    if (r.labeled > 0) {
      const pct = (100 * r.accuracy).toFixed(1);
      const acc = el('p', 'ho-accuracy');
      acc.append(el('strong', null, `${r.correct}/${r.labeled} correct (${pct}%)`), document.createTextNode(' on held-out data.'));
      root.append(acc);
    } else {
      root.append(el('p', 'ho-accuracy', 'No labels: predictions only.'));
    }
    if (r.unknownCount > 0) {
      root.append(el('p', 'note warn', `${r.unknownCount} sequence${r.unknownCount === 1 ? ' has a label' : 's have labels'} the model never saw (${r.unknownClasses.map((c) => `«${c}»`).join(', ')}): it cannot predict ${r.unknownClasses.length === 1 ? 'it' : 'them'}, so they count as wrong.`));
    }
    const labeled = r.labeled > 0;
    const items = labeled
      ? r.wrong.map((w) => ({ index: w.index, text: `«${w.name}»: label ${w.label}, predicted ${w.predicted}${w.known ? '' : ' (label unknown to the model)'}` }))
      : r.predictions.map((p, index) => ({ index, text: `«${p.name}» → ${p.predicted}` }));
    if (labeled) root.append(el('p', 'hint', r.wrong.length ? `Misclassified (${r.wrong.length}); click one to watch it go through the layers:` : 'None misclassified.'));
    else root.append(el('p', 'hint', 'Click one to watch it go through the layers:'));
    if (!items.length) return;
    const list = el('ul', 'ho-list');
    list.setAttribute('aria-label', labeled ? 'misclassified held-out sequences' : 'held-out sequences');
    for (const it of items.slice(0, LIST_MAX)) {
      const li = document.createElement('li');
      const b = el('button', 'ho-item', it.text);
      b.type = 'button';
      b.dataset.index = String(it.index);
      b.setAttribute('aria-pressed', 'false');
      li.append(b);
      list.append(li);
    }
    root.append(list);
    if (items.length > LIST_MAX) root.append(el('p', 'hint', `… and ${items.length - LIST_MAX} more (the first ${LIST_MAX} are listed).`));
  }

  /**
   * Draws the shown held-out sequence on the main canvas for playback frame { a, b, f } (the
   * view's hook, after the training tokens), and adds its legend entry.
   */
  draw(r, spec) {
    this.sync();
    const s = this.shown, m = this.model;
    this.drawn = null;
    if (!s || !m || r.model !== m) return;
    this.drawn = drawHeldOut(r, spec, s, m);
  }
}

/** The worker's source for what the hook or the panel gives. */
function toSource(x) {
  if (x === null || x === undefined || typeof x !== 'object') throw new Error('held-out data: expected a dataset object {sequences: [...]} or {text, format}');
  if (x.kind) return x;
  if (typeof x.text === 'string') return { kind: 'text', text: x.text, format: String(x.format ?? '') };
  return { kind: 'dataset', dataset: x };
}

function describe(source) {
  if (source.kind === 'text') return `a ${source.format} file`;
  if (source.kind === 'preset') return `the built-in held-out set of «${source.name}»`;
  if (source.kind === 'tokens') return `«${source.name}»`;
  return 'a dataset';
}

function sameTokens(a, b) {
  return a.length === b.length && a.every((t, j) => t.length === b[j].length && t.every((v, k) => v === b[j][k]));
}
