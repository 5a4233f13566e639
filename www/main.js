// The controller: owns the page state (one URL schema), the current model, playback,
// and wires the panels. It calls into wasm only to construct, on a layer change
// (attention), on hover (full-d position), for softmax and for exports — never per frame.

import {
  parseHash, toHash, engineOptions, encodeData, decodeData, PRESETS, SPEEDS, PANELS,
  BETA_MIN, BETA_MAX, DATA_CAP,
} from './state.js';
import { Model } from './model.js';
import { Renderer } from './render.js';
import { Player } from './player.js';
import { Timeline, Filmstrip } from './timeline.js';
import { DrawMode } from './draw.js';
import { readDataFile, enableDrop, downloadText, downloadCanvasPng, fileStem } from './io.js';
import {
  renderCaption, renderStats, renderLegend, renderTooltip, ErrorBox, messageOf, el,
} from './ui.js';

const $ = (id) => document.getElementById(id);
const SEEDED = ['random', 'rings']; // presets drawn from the data seed
const OVERLAYS = ['edges', 'tents', 'dirs', 'trails', 'lines'];

class App {
  constructor() {
    this.state = parseHash(location.hash);
    this.engine = null;
    this.model = null;
    this.source = null; // what the model was built from: {kind:'preset'|'dataset'|'text', ...}
    this.ready = false;
    this.hover = -1;
    this.pinned = -1;
    this.shownLayer = -1;
    this.rafPending = false;
    this.generation = 0;
    this.drawWaiters = [];
    this.urlTimer = 0;
    this.softmax = null;

    const reduced = window.matchMedia?.('(prefers-reduced-motion: reduce)');
    this.player = new Player({ reducedMotion: Boolean(reduced?.matches) });
    reduced?.addEventListener?.('change', (e) => (this.player.reducedMotion = e.matches));
    this.player.speed = this.state.speed;

    this.canvas = $('canvas');
    this.renderer = new Renderer(this.canvas);
    this.errorBox = new ErrorBox($('error'), [
      { pattern: /positional/i, label: 'Enable positional encoding', apply: () => this.retryWith({ pos: true }) },
      { pattern: /d = 1\b/, label: 'Lift to (x, t) and retry', apply: () => this.retryWith({ lift: true }) },
    ]);
    this.timeline = new Timeline($('timeline'), $('timeline-tip'), (k) => this.seek(k));
    this.filmstrip = new Filmstrip($('filmstrip'), (k) => this.seek(k));
    this.draw = new DrawMode({ label: $('draw-label'), status: $('draw-status') }, (draft, o) => this.onDraftChange(o));
    this.onFrame = this.onFrame.bind(this);

    this.bindControls();
    this.syncControls();
    this.observeSize();
  }

  // ---- start-up ---------------------------------------------------------------------------

  /** Bytes of wasm linear memory (for memory measurements). */
  wasmMemoryBytes() {
    return this.wasm?.memory?.buffer?.byteLength ?? 0;
  }

  async start() {
    try {
      const mod = await import('./pkg/hardmax.js');
      this.wasm = await mod.default();
      this.engine = mod;
    } catch (err) {
      console.warn('hardmax: engine not loaded', err);
      this.showError('The engine (www/pkg/hardmax.js) could not be loaded. Build it with `bash scripts/build-wasm.sh`, then reload. ' + messageOf(err));
      $('cap-text').textContent = 'The engine is not available.';
      return;
    }
    const names = this.engine.presetNames ? Array.from(this.engine.presetNames()) : PRESETS;
    for (const opt of $('preset').options) if (opt.value !== 'custom') opt.disabled = !names.includes(opt.value);
    await this.applyState(this.state, { initial: true }).catch(() => {});
    if (!this.model) {
      // The requested data failed (error shown); fall back to the default preset.
      this.state.preset = 'shared';
      this.state.data = null;
      await this.rebuild({ kind: 'preset', name: 'shared' }, { layer: 0 }).catch(() => {});
    }
    addEventListener('hashchange', () => this.applyState(parseHash(location.hash), {}).catch(() => {}));
  }

  /** Brings the page to a (validated) state: rebuilds only if data or options changed. */
  async applyState(next, { initial = false }) {
    const prev = this.state;
    const dataChanged =
      initial || !this.model || next.preset !== prev.preset || next.seed !== prev.seed || next.data !== prev.data;
    const optionsChanged = ['cseed', 'pos', 'lift', 'collapse', 'labeling'].some((k) => next[k] !== prev[k]);
    this.state = { ...next };
    this.player.speed = this.state.speed;
    this.syncControls();
    if (dataChanged || optionsChanged) {
      let source = { kind: 'preset', name: this.state.preset, seed: this.state.seed };
      if (this.state.preset === 'custom') {
        try {
          source = { kind: 'dataset', dataset: await decodeData(this.state.data) };
        } catch (err) {
          console.warn('hardmax: bad data in the link', err);
          this.showError(`The data in this link could not be read (${messageOf(err)}).`);
          throw err;
        }
      }
      await this.rebuild(source, { layer: this.state.layer });
    } else {
      this.updateSoftmax();
      this.seek(this.state.layer);
    }
  }

  // ---- construction -----------------------------------------------------------------------

  /**
   * Builds a new session from a source with the current options. On success the model is
   * replaced; on failure the error is shown, the previous model stays, and the promise
   * rejects with the message.
   */
  async rebuild(source, { layer = 0 } = {}) {
    if (!this.engine) throw new Error('the engine is not loaded');
    const generation = ++this.generation;
    $('busy').hidden = false;
    await nextPaint();
    if (generation !== this.generation) return null; // a newer request superseded this one
    let session;
    const opts = engineOptions(this.state);
    const preset = source.kind === 'preset' ? source.name ?? this.state.preset : 'custom';
    const seed = source.kind === 'preset' ? source.seed ?? this.state.seed : this.state.seed;
    try {
      const { Session } = this.engine;
      if (source.kind === 'preset') session = Session.fromPreset(preset, seed, opts);
      else if (source.kind === 'text') session = Session.fromText(source.text, source.format, opts);
      else session = Session.fromDataset(source.dataset, opts);
    } catch (err) {
      $('busy').hidden = true;
      const message = messageOf(err);
      this.pendingSource = source;
      this.showError(message);
      this.restoreControls();
      throw new Error(message);
    }
    let model;
    try {
      model = Model.fromSession(session);
    } catch (err) {
      $('busy').hidden = true;
      try { session.free(); } catch { /* already gone */ }
      const message = `The engine returned something this page cannot draw: ${messageOf(err)}`;
      this.showError(message);
      this.restoreControls();
      throw new Error(message);
    }
    $('busy').hidden = true;
    this.errorBox.hide();
    if (this.model) this.model.dispose();
    this.model = model;
    this.source = source;
    this.pendingSource = null;
    this.state.preset = preset;
    this.state.seed = seed;
    this.state.data = null; // custom data is encoded for the link below
    if (source.kind === 'preset') this.setLinkNote('');
    this.softmax = null;
    this.pinned = -1;
    this.hover = -1;
    $('tooltip').hidden = true;
    this.renderPinned();
    this.renderer.setModel(model);
    this.timeline.setModel(model);
    if (!this.state.filmstrip_hide) this.filmstrip.setModel(model);
    else this.filmstripStale = true;
    renderStats($('stats'), model);
    renderLegend($('legend'), model);
    const sample = $('badge-sample');
    sample.hidden = !model.sampled;
    sample.textContent = model.sampled ? `showing a sample of ${model.T.toLocaleString('en-US')} tokens` : '';
    this.updateOverlayBadge();
    this.player.pause();
    this.player.setLength(model.L);
    this.player.jump(Math.min(layer, model.L));
    this.shownLayer = -1;
    this.syncControls();
    this.updateSoftmax();
    this.ready = true;
    this.builtState = { ...this.state };
    this.drawNow();
    // Custom data goes into the link (asynchronously: it is compressed) once all is shown.
    if (source.kind !== 'preset') await this.encodeCustom(model, generation);
    if (generation === this.generation) this.builtState.data = this.state.data;
    this.scheduleUrl();
    return model;
  }

  /** Puts custom data into the URL when it fits, else says why it does not. */
  async encodeCustom(model, generation) {
    let dataset;
    try {
      dataset = JSON.parse(model.session.datasetJson());
    } catch (err) {
      console.warn('hardmax: datasetJson failed', err);
      this.state.data = null;
      return;
    }
    const encoded = await encodeData(dataset);
    if (generation !== this.generation) return;
    if (encoded.length <= DATA_CAP) {
      this.state.data = encoded;
      this.setLinkNote('The link in the address bar holds this dataset.');
    } else {
      this.state.data = null;
      this.setLinkNote(
        `This dataset is too big for the link (${Math.ceil(encoded.length / 1024)} KB > ${DATA_CAP / 1024} KB): use “dataset JSON” to export it and share the file instead.`,
      );
    }
  }

  setLinkNote(text) {
    $('link-note').textContent = text;
  }

  /** Re-runs the construction of the current data with the current options. */
  reconstruct() {
    const source = this.source || { kind: 'preset', name: this.state.preset, seed: this.state.seed };
    return this.rebuild(source, { layer: this.player.layer }).catch(() => {});
  }

  /** Re-runs the construction that just failed (or the current one) with changed options. */
  retryWith(options) {
    Object.assign(this.state, options);
    this.syncControls();
    return this.rebuild(this.pendingSource || this.source || { kind: 'preset' }, { layer: 0 }).catch(() => {});
  }

  loadPreset(name) {
    if (!PRESETS.includes(name)) return Promise.reject(new Error(`unknown preset "${name}"; expected one of ${PRESETS.join(', ')}`));
    this.leaveDraw();
    return this.rebuild({ kind: 'preset', name, seed: this.state.seed }, { layer: 0 });
  }

  loadDataset(dataset, { keepDraw = false } = {}) {
    if (!keepDraw) this.leaveDraw();
    return this.rebuild({ kind: 'dataset', dataset }, { layer: 0 });
  }

  async loadFile(file) {
    try {
      const { text, format } = await readDataFile(file);
      this.leaveDraw();
      await this.rebuild({ kind: 'text', text, format, name: file.name }, { layer: 0 });
    } catch (err) {
      this.showError(messageOf(err));
    }
  }

  showError(message) {
    this.errorBox.show(message);
  }

  /** After a failed rebuild, the controls go back to what the shown model was built with. */
  restoreControls() {
    const keep = this.builtState;
    if (!keep) return;
    for (const k of ['preset', 'seed', 'cseed', 'pos', 'lift', 'collapse', 'labeling', 'data']) this.state[k] = keep[k];
    this.syncControls();
  }

  // ---- playback and drawing ---------------------------------------------------------------

  seek(k) {
    if (this.model && !this.draw.active) this.player.jump(k);
    this.drawNow();
  }

  requestDraw() {
    if (this.rafPending) return;
    this.rafPending = true;
    requestAnimationFrame(this.onFrame);
  }

  onFrame() {
    this.rafPending = false;
    const fr = this.player.tick();
    this.drawFrame(fr);
    if (fr.active) this.requestDraw();
  }

  /** Draws the current state immediately (jumps, resizes) and resolves goto waiters. */
  drawNow() {
    const fr = this.player.tick();
    this.drawFrame(fr);
    if (fr.active) this.requestDraw();
  }

  drawFrame(fr) {
    const m = this.model;
    if (this.draw.active) {
      if (this.renderer.model !== this.draw.model) this.renderer.setModel(this.draw.model);
      this.renderer.draw({
        a: 0, b: 0, f: 0, box: this.draw.box, overlays: { lines: true }, hover: this.hover,
        pinnedSeq: -1, activeSeq: this.draw.current, showAnchors: false,
      });
      this.flushWaiters();
      return;
    }
    if (!m) return;
    if (this.renderer.model !== m) this.renderer.setModel(m);
    const layer = this.player.layer;
    if (layer !== this.shownLayer) this.onLayerShown(layer);
    const sm = this.state.softmax ? this.softmax : null;
    const extents = sm ? sm.extents : m.extents;
    const ba = m.fitBox(fr.a, extents), bb = m.fitBox(fr.b, extents);
    const f = fr.f;
    const box = [0, 1, 2, 3].map((j) => ba[j] + (bb[j] - ba[j]) * f);
    const stageTo = m.stageOf(fr.b);
    const anchorsOn = stageTo === 'label' || stageTo === 'snap';
    const o = this.state;
    this.renderer.draw({
      a: fr.a, b: fr.b, f, box,
      positions: sm ? sm.positions : null,
      overlays: { edges: o.edges, tents: o.tents, dirs: o.dirs, trails: o.trails, lines: o.lines },
      attentionLayer: m.attentionLayerFor(layer),
      tentLayer: m.tentLayerFor(layer),
      showAnchors: anchorsOn || m.stageOf(fr.a) === 'label',
      hover: this.hover,
      pinnedSeq: this.pinned >= 0 ? m.tokenSeq[this.pinned] : -1,
      activeSeq: -1,
    });
    this.timeline.setPosition(fr.a + (fr.b - fr.a) * f, layer);
    this.placeTooltip();
    this.flushWaiters();
  }

  flushWaiters() {
    const w = this.drawWaiters;
    this.drawWaiters = [];
    for (const resolve of w) resolve();
  }

  /** Once per layer change: caption, filmstrip mark, pinned info, URL. */
  onLayerShown(layer) {
    this.shownLayer = layer;
    const m = this.model;
    renderCaption({ stage: $('cap-stage'), counter: $('cap-counter'), text: $('cap-text') }, m, layer);
    this.canvas.setAttribute('aria-label', `${$('cap-counter').textContent}: ${$('cap-text').textContent}`);
    this.filmstrip.setCurrent(m.stageOf(layer));
    this.state.layer = layer;
    this.renderPinned();
    this.updatePlayButton();
    this.scheduleUrl();
  }

  updatePlayButton() {
    const b = $('btn-play');
    const playing = this.player.playing;
    b.querySelector('path').setAttribute('d', playing ? 'M3.5 2.5h3v11h-3zM9.5 2.5h3v11h-3z' : 'M4 2.5v11L13 8z');
    b.setAttribute('aria-label', playing ? 'pause (Space)' : 'play (Space)');
    b.classList.toggle('playing', playing);
  }

  play() {
    if (!this.model || this.draw.active) return;
    this.player.play();
    this.updatePlayButton();
    this.requestDraw();
  }

  pause() {
    this.player.pause();
    this.updatePlayButton();
    this.requestDraw();
  }

  step(dir) {
    if (!this.model || this.draw.active) return;
    this.player.pause();
    this.player.step(dir);
    this.updatePlayButton();
    this.requestDraw();
  }

  /** Says so when crowd overlays (trails, edges, lines) are drawn for a sample of tokens. */
  updateOverlayBadge() {
    const stride = this.renderer.overlayStride || 1;
    const on = stride > 1 && (this.state.edges || this.state.trails || this.state.lines) && !this.draw.active;
    const badge = $('badge-overlay');
    badge.hidden = !on;
    badge.textContent = on ? `edges, trails and lines drawn for 1 in ${stride} tokens` : '';
  }

  // ---- URL ----------------------------------------------------------------------------------

  /** Writes the hash with replaceState, at most twice a second (playback changes layers fast). */
  scheduleUrl() {
    if (this.urlTimer) return;
    this.urlTimer = setTimeout(() => {
      this.urlTimer = 0;
      this.writeUrl();
    }, 400);
  }

  writeUrl() {
    const hash = toHash(this.state);
    if (hash !== location.hash) history.replaceState(null, '', hash);
  }

  // ---- softmax ------------------------------------------------------------------------------

  updateSoftmax() {
    const on = this.state.softmax && this.model && this.model.session;
    $('sm-beta-value').textContent = formatBeta(this.state.beta);
    const badge = $('badge-softmax');
    if (!on) {
      this.softmax = null;
      $('sm-result').textContent = '';
      badge.hidden = true;
      this.requestDraw();
      return;
    }
    try {
      this.softmax = this.model.softmax(this.state.beta);
      const text = `softmax β=${formatBeta(this.state.beta)}: ${this.softmax.correct}/${this.softmax.total} correct`;
      $('sm-result').textContent = text;
      $('sm-result').classList.toggle('ok', this.softmax.correct === this.softmax.total);
      badge.textContent = text;
      badge.hidden = false;
    } catch (err) {
      this.softmax = null;
      this.showError(`softmax comparison failed: ${messageOf(err)}`);
    }
    this.requestDraw();
  }

  // ---- hover, pin, tooltip ------------------------------------------------------------------

  onPointerMove(ev) {
    const [px, py] = canvasPoint(this.canvas, ev);
    const hit = this.renderer.hitTest(px, py, 9);
    if (hit !== this.hover) {
      this.hover = hit;
      this.renderTooltip();
      this.drawNow();
    }
    this.placeTooltip();
  }

  renderTooltip() {
    const tip = $('tooltip');
    if (this.hover < 0 || this.draw.active || !this.model) {
      if (this.draw.active && this.hover >= 0) {
        const m = this.draw.model;
        const q = m.tokenSeq[this.hover];
        tip.replaceChildren(el('div', 'tt-row', `${m.sequences[q].name} · label ${m.classes[m.tokenClass[this.hover]]} · click to reuse this token`));
        tip.hidden = false;
        return;
      }
      tip.hidden = true;
      return;
    }
    const m = this.model;
    const layer = this.player.layer;
    renderTooltip(tip, { model: m, token: this.hover, state: layer, attentionLayer: m.attentionLayerFor(layer), pinned: false });
    tip.hidden = false;
  }

  placeTooltip() {
    const tip = $('tooltip');
    if (tip.hidden || this.hover < 0) return;
    const [x, y] = this.renderer.screenOf(this.hover);
    const w = this.renderer.cssW;
    const left = x + 14 + tip.offsetWidth > w ? x - 14 - tip.offsetWidth : x + 14;
    tip.style.left = `${Math.max(4, left)}px`;
    tip.style.top = `${Math.max(4, y - 10)}px`;
  }

  renderPinned() {
    const root = $('pinned');
    if (this.pinned < 0 || !this.model || this.pinned >= this.model.T) {
      root.replaceChildren(el('p', 'hint', 'hover a token for its sequence, position and leader; click to pin it.'));
      return;
    }
    const m = this.model;
    const layer = this.player.layer;
    renderTooltip(root, { model: m, token: this.pinned, state: layer, attentionLayer: m.attentionLayerFor(layer), pinned: true });
    if (this.hover >= 0) this.renderTooltip();
  }

  onCanvasClick(ev) {
    const [px, py] = canvasPoint(this.canvas, ev);
    if (this.draw.active) {
      const hit = this.renderer.hitTest(px, py, 8);
      if (ev.shiftKey && hit >= 0) this.draw.select(this.draw.model.tokenSeq[hit]);
      else this.draw.addAt(px, py, this.renderer);
      return;
    }
    const hit = this.renderer.hitTest(px, py, 9);
    this.pinned = hit === this.pinned ? -1 : hit;
    this.renderPinned();
    this.drawNow();
  }

  // ---- draw mode ----------------------------------------------------------------------------

  enterDraw() {
    if (this.draw.active) return;
    this.pause();
    let dataset = null, box = null;
    const m = this.model;
    if (m && m.report.dim === 2 && m.session) {
      try {
        const ds = JSON.parse(m.session.datasetJson());
        if (ds.sequences.every((s) => s.tokens.every((t) => t.length === 2))) {
          dataset = ds;
          box = m.fitBox(0);
        }
      } catch (err) {
        console.warn('hardmax: could not read the dataset for drawing', err);
      }
    }
    if (m && !dataset) this.setLinkNote(`The current data has d = ${m.report.dim}; drawing starts a new 2D dataset.`);
    if (m) this.player.jump(0);
    this.pinned = -1;
    this.renderPinned();
    this.draw.enter(dataset, box);
    if (box) this.draw.box = box; // the input's own view: nothing moves when drawing starts
    this.syncDrawUi();
    this.drawNow();
  }

  leaveDraw() {
    if (!this.draw.active) return;
    this.draw.leave();
    clearTimeout(this.drawTimer);
    this.syncDrawUi();
    if (this.model) this.renderer.setModel(this.model);
    this.hover = -1;
    $('tooltip').hidden = true;
    this.shownLayer = -1;
    this.drawNow();
  }

  syncDrawUi() {
    const on = this.draw.active;
    const b = $('draw-toggle');
    b.textContent = on ? 'stop drawing' : 'start drawing';
    b.setAttribute('aria-pressed', String(on));
    document.body.classList.toggle('drawing', on);
    $('badge-draw').hidden = !on;
    if (on) $('draw-panel').open = true;
    if (on) {
      $('cap-stage').textContent = 'draw';
      $('cap-stage').style.background = '#ddd';
      $('cap-counter').textContent = 'input coordinates';
      $('cap-text').textContent = 'Click to add a token to the current sequence; click near a token to share it. The construction re-runs as you draw; stop drawing to play it.';
    }
  }

  onDraftChange({ construct }) {
    this.drawNow();
    clearTimeout(this.drawTimer);
    if (construct && $('draw-auto').checked) this.drawTimer = setTimeout(() => this.constructDraft(), 400);
  }

  constructDraft() {
    clearTimeout(this.drawTimer);
    const hint = this.draw.readiness();
    if (hint) {
      this.showError(`Nothing to construct yet: ${hint}.`);
      return Promise.resolve();
    }
    const ds = JSON.parse(JSON.stringify(this.draw.dataset()));
    return this.loadDataset(ds, { keepDraw: true }).then(
      () => this.drawNow(),
      () => {},
    );
  }

  // ---- controls -----------------------------------------------------------------------------

  bindControls() {
    const s = this.state;
    $('preset').addEventListener('change', (e) => this.loadPreset(e.target.value).catch(() => {}));
    const seedChanged = debounce(() => {
      const seed = clampInt($('seed').value, 0, 4294967295, this.state.seed);
      if (!SEEDED.includes(this.state.preset)) return;
      this.rebuild({ kind: 'preset', name: this.state.preset, seed }, { layer: 0 }).catch(() => {});
    }, 300);
    $('seed').addEventListener('input', seedChanged);
    $('seed-next').addEventListener('click', () => {
      $('seed').value = String((clampInt($('seed').value, 0, 4294967295, 0) + 1) % 4294967296);
      seedChanged();
    });
    $('file').addEventListener('change', (e) => {
      const f = e.target.files[0];
      if (f) this.loadFile(f);
      e.target.value = '';
    });
    enableDrop($('stage'), (f) => this.loadFile(f));

    const optionChanged = debounce(() => {
      this.state.cseed = clampInt($('cseed').value, 0, 4294967295, this.state.cseed);
      this.state.collapse = clampInt($('collapse').value, 1, 8, 1);
      this.state.labeling = $('labeling').value === 'points' ? 'points' : 'runs';
      this.state.pos = $('pos').checked;
      this.state.lift = $('lift').checked;
      this.reconstruct();
    }, 250);
    for (const id of ['cseed', 'collapse', 'labeling', 'pos', 'lift']) $(id).addEventListener(id === 'cseed' ? 'input' : 'change', optionChanged);

    for (const k of OVERLAYS) {
      $(`ov-${k}`).addEventListener('change', (e) => {
        this.state[k] = e.target.checked;
        this.updateOverlayBadge();
        this.scheduleUrl();
        this.drawNow();
      });
    }
    $('sm-on').addEventListener('change', (e) => {
      this.state.softmax = e.target.checked;
      this.updateSoftmax();
      this.scheduleUrl();
    });
    const betaChanged = debounce(() => this.updateSoftmax(), 120);
    $('sm-beta').addEventListener('input', (e) => {
      this.state.beta = clampBeta(Math.pow(10, Number(e.target.value)));
      $('sm-beta-value').textContent = formatBeta(this.state.beta);
      betaChanged();
      this.scheduleUrl();
    });

    $('btn-play').addEventListener('click', () => (this.player.playing ? this.pause() : this.play()));
    $('btn-back').addEventListener('click', () => this.step(-1));
    $('btn-fwd').addEventListener('click', () => this.step(1));
    $('btn-reset').addEventListener('click', () => { this.pause(); this.seek(0); });
    $('btn-end').addEventListener('click', () => { this.pause(); this.seek(this.model ? this.model.L : 0); });
    $('speed').addEventListener('change', (e) => {
      const v = Number(e.target.value);
      this.state.speed = SPEEDS.includes(v) ? v : 1;
      this.player.speed = this.state.speed;
      this.scheduleUrl();
    });

    this.canvas.addEventListener('pointermove', (e) => this.onPointerMove(e));
    this.canvas.addEventListener('pointerleave', () => {
      this.hover = -1;
      $('tooltip').hidden = true;
      this.drawNow();
    });
    this.canvas.addEventListener('click', (e) => this.onCanvasClick(e));

    $('draw-toggle').addEventListener('click', () => (this.draw.active ? this.leaveDraw() : this.enterDraw()));
    $('draw-new').addEventListener('click', () => this.draw.newSequence());
    $('draw-undo').addEventListener('click', () => this.draw.deleteLastToken());
    $('draw-delete').addEventListener('click', () => this.draw.deleteSequence());
    $('draw-clear').addEventListener('click', () => this.draw.clear());
    $('draw-construct').addEventListener('click', () => this.constructDraft());

    $('ex-dataset').addEventListener('click', () => this.exportText('datasetJson', 'dataset.json', 'application/json'));
    $('ex-model').addEventListener('click', () => this.exportText('modelJson', 'model.json', 'application/json'));
    $('ex-png').addEventListener('click', () => {
      this.drawNow();
      downloadCanvasPng(this.canvas, `${this.exportStem()}-layer${this.player.layer}.png`).catch((e) => this.showError(messageOf(e)));
    });
    $('ex-svg').addEventListener('click', () => {
      if (!this.model?.session) return;
      try {
        const svg = this.model.session.svg(this.player.layer, this.renderer.cssW, this.renderer.cssH);
        downloadText(svg, `${this.exportStem()}-layer${this.player.layer}.svg`, 'image/svg+xml');
      } catch (e) {
        this.showError(`SVG export failed: ${messageOf(e)}`);
      }
    });

    addEventListener('keydown', (e) => this.onKey(e));
  }

  exportStem() {
    const name = this.state.preset === 'custom' ? (this.source?.name || 'custom').replace(/\.[^.]*$/, '') : this.state.preset;
    return fileStem(`hardmax-${name}`);
  }

  exportText(method, suffix, type) {
    if (!this.model?.session) return;
    try {
      downloadText(this.model.session[method](), `${this.exportStem()}-${suffix}`, type);
    } catch (e) {
      this.showError(`export failed: ${messageOf(e)}`);
    }
  }

  onKey(e) {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const t = e.target;
    if (t && t.closest && t.closest('input, select, textarea, button, summary, [contenteditable]')) return;
    switch (e.key) {
      case ' ':
        this.player.playing ? this.pause() : this.play();
        break;
      case 'ArrowLeft':
        this.step(-1);
        break;
      case 'ArrowRight':
        this.step(1);
        break;
      case 'Home':
        this.pause();
        this.seek(0);
        break;
      case 'End':
        this.pause();
        this.seek(this.model ? this.model.L : 0);
        break;
      case 'Escape':
        if (this.pinned < 0) return;
        this.pinned = -1;
        this.renderPinned();
        this.drawNow();
        break;
      default:
        return;
    }
    e.preventDefault();
  }

  /** Puts the state into the controls and shows/hides panels (*_hide flags). */
  syncControls() {
    const s = this.state;
    $('preset').value = s.preset;
    $('preset').options[4].disabled = s.preset !== 'custom';
    $('seed').value = String(s.seed);
    $('seed').disabled = $('seed-next').disabled = !SEEDED.includes(s.preset);
    $('cseed').value = String(s.cseed);
    $('collapse').value = String(s.collapse);
    $('labeling').value = s.labeling;
    $('pos').checked = s.pos;
    $('lift').checked = s.lift;
    for (const k of OVERLAYS) $(`ov-${k}`).checked = s[k];
    $('sm-on').checked = s.softmax;
    $('sm-beta').value = String(Math.log10(s.beta));
    $('sm-beta-value').textContent = formatBeta(s.beta);
    $('speed').value = String(s.speed);
    for (const p of PANELS) {
      for (const node of document.querySelectorAll(`[data-panel="${p}"]`)) node.hidden = Boolean(s[`${p}_hide`]);
    }
    if (!s.filmstrip_hide && this.filmstripStale && this.model) {
      this.filmstripStale = false;
      this.filmstrip.setModel(this.model);
    }
  }

  observeSize() {
    const wrap = $('stage');
    const apply = () => {
      const r = wrap.getBoundingClientRect();
      this.renderer.resize(r.width, r.height);
      this.drawNow();
    };
    new ResizeObserver(apply).observe(wrap);
    apply();
  }

  // ---- automation hook ----------------------------------------------------------------------

  snapshot() {
    const m = this.model;
    const r = m?.report;
    return {
      ready: this.ready,
      layer: this.player.layer,
      layers: m ? m.L : 0,
      stage: m ? m.stageOf(this.player.layer) : null,
      correct: r ? r.correct : 0,
      total: r ? r.total : 0,
      playing: this.player.playing,
      error: this.errorBox.message,
      preset: this.state.preset,
      drawing: this.draw.active,
      tokens: m ? m.T : 0,
      softmax: {
        on: Boolean(this.state.softmax),
        beta: this.state.beta,
        correct: this.softmax ? this.softmax.correct : null,
      },
    };
  }

  /** Jumps to a state; resolves once that state has been drawn. */
  goto(k) {
    if (!this.model) return Promise.reject(new Error('no model yet'));
    const done = new Promise((resolve) => this.drawWaiters.push(resolve));
    this.pause();
    this.seek(Number(k) || 0);
    return done.then(() => this.snapshot());
  }
}

// ---- helpers ------------------------------------------------------------------------------

function canvasPoint(canvas, ev) {
  const r = canvas.getBoundingClientRect();
  return [ev.clientX - r.left, ev.clientY - r.top];
}

function nextPaint() {
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}

function debounce(fn, ms) {
  let t = 0;
  return (...args) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...args), ms);
  };
}

function clampInt(value, lo, hi, fallback) {
  if (String(value).trim() === '') return fallback;
  const x = Math.round(Number(value));
  return Number.isFinite(x) ? Math.min(hi, Math.max(lo, x)) : fallback;
}

function clampBeta(b) {
  return Math.min(BETA_MAX, Math.max(BETA_MIN, Number(b.toPrecision(3))));
}

function formatBeta(b) {
  return b >= 100 ? String(Math.round(b)) : String(Number(b.toPrecision(2)));
}

// ---- boot ---------------------------------------------------------------------------------

const app = new App();
window.hardmax = {
  state: () => app.snapshot(),
  goto: (k) => app.goto(k),
  load: (x) => (typeof x === 'string' ? app.loadPreset(x) : app.loadDataset(x)).then(() => app.snapshot()),
  play: () => app.play(),
  pause: () => app.pause(),
  /** Playback time: `freeze()`, `advance(ms)` (draws, resolves to state()), `release()`. */
  clock: {
    freeze: () => app.player.clock.freeze(),
    advance: (ms) => {
      app.player.clock.advance(ms);
      app.drawNow();
      return app.snapshot();
    },
    release: () => {
      app.player.clock.release();
      app.requestDraw();
    },
    /** What the screen blends at the current (frozen) time: {a, b, f}. */
    frame: () => {
      const { a, b, f } = app.player.tick();
      return { a, b, f };
    },
  },
  /** Not part of the contract: the app itself, for debugging in the console. */
  app,
};
app.start();
