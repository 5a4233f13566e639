// The page's composition root: creates the parts, wires them together, and starts the engine.
// Each part does one job — loading (loader.js), playback (playback.js), what the canvas
// shows (view.js), the token inspector (inspector.js), draw mode (drawmode.js), the side
// panels' controls (controls.js), exports (exports.js), keys (keyboard.js), the URL
// (urlsync.js) and the automation hook (hook.js); model.js alone talks to the wasm engine.

import { PRESETS } from './state.js';
import { loadEngine } from './model.js';
import { Renderer } from './render.js';
import { Timeline, Filmstrip } from './timeline.js';
import { Draft } from './draft.js';
import { renderCaption, captionOf, ErrorBox } from './ui.js';
import { planOf } from './player.js';
import { Glossary } from './glossary.js';
import { Scaling } from './scaling.js';
import { UrlSync } from './urlsync.js';
import { Loader } from './loader.js';
import { Playback } from './playback.js';
import { View } from './view.js';
import { Inspector } from './inspector.js';
import { DrawMode } from './drawmode.js';
import { Controls } from './controls.js';
import { bindExports } from './exports.js';
import { bindKeys } from './keyboard.js';
import { installHook } from './hook.js';
import { Camera } from './camera.js';
import { Lesson } from './lesson.js';
import { Presenter } from './present.js';
import { HeldOut } from './heldout.js';
import { Trust } from './trust.js';
import { $, messageOf, canvasPoint } from './util.js';

const urlSync = new UrlSync(() => state);
const glossary = new Glossary({ panelHost: document.querySelector('.panel.keys') });
const state = urlSync.read();
const canvas = $('canvas');
const renderer = new Renderer(canvas);
const note = (text) => ($('link-note').textContent = text);
const errors = new ErrorBox($('error'), [
  { pattern: /positional/i, label: 'Enable positional encoding', apply: () => retryWith({ pos: true }).then(showFixed) },
  { pattern: /d = 1\b/, label: 'Lift to (x, t) and retry', apply: () => retryWith({ lift: true }).then(showFixed) },
]);
const showError = (message) => errors.show(message);

const loader = new Loader({
  state, errors, note,
  busy: { box: $('busy'), stage: $('busy-stage'), bar: $('busy-bar'), cancel: $('busy-cancel') },
  onBuilt: show,
  onFailed: () => controls.sync(),
  onLinked: () => urlSync.schedule(),
});
const playback = new Playback({
  els: { play: $('btn-play'), back: $('btn-back'), fwd: $('btn-fwd'), reset: $('btn-reset'), end: $('btn-end'), speed: $('speed'), skip: $('play-skip'), stagePause: $('play-stage') },
  draw: (fr) => view.draw(fr),
  canMove: () => Boolean(loader.model) && !draft.active,
  onSpeed: (speed) => {
    state.speed = speed;
    urlSync.schedule();
  },
});
playback.speed = state.speed;
const redraw = () => playback.drawNow();
const draft = new Draft({ label: $('draw-label'), status: $('draw-status') }, (d, change) => drawMode.onDraftChange(change));
const timeline = new Timeline($('timeline'), $('timeline-tip'), (k) => playback.seek(k));
const filmstrip = new Filmstrip($('filmstrip'), (k) => playback.seek(k));
const inspector = new Inspector({
  canvas, renderer, draft, redraw,
  els: { tooltip: $('tooltip'), pinned: $('pinned') },
  model: () => loader.model,
  layer: () => playback.layer,
});
const controls = new Controls({
  state, filmstrip,
  model: () => loader.model,
  drawing: () => draft.active,
  stride: () => renderer.overlayStride,
  act: {
    loadPreset: (name) => loadPreset(name),
    loadSeed: (seed) => loader.loadPreset(state.preset, seed),
    loadFile: (file) => loader.loadFile(file, () => drawMode.leave()),
    reconstruct: () => loader.reconstruct(playback.layer),
    redraw,
    requestDraw: () => playback.requestDraw(),
    wroteState: () => urlSync.schedule(),
    showError,
  },
});
const camera = new Camera({
  canvas, renderer, redraw,
  enabled: () => Boolean(loader.model) && !draft.active,
  wheel: !document.body.classList.contains('embed'),
  els: { zoomIn: $('cam-in'), zoomOut: $('cam-out'), reset: $('cam-reset'), lock: $('cam-lock') },
});
const view = new View({
  renderer, timeline, filmstrip, draft, camera,
  pointer: inspector,
  options: () => state,
  softmax: () => (state.softmax ? controls.softmax : null),
  els: { stats: $('stats'), legend: $('legend'), sample: $('badge-sample'), overlayLegend: overlayLegendBox(), softmaxNote: softmaxNoteBox() },
  onLayer: shownLayer,
});
const drawMode = new DrawMode({
  draft, renderer, playback, inspector, view,
  els: {
    toggle: $('draw-toggle'), panel: $('draw-panel'), badge: $('badge-draw'), auto: $('draw-auto'),
    newSeq: $('draw-new'), targets: $('draw-targets'), undo: $('draw-undo'), remove: $('draw-delete'), clear: $('draw-clear'),
    construct: $('draw-construct'), capStage: $('cap-stage'), capCounter: $('cap-counter'), capText: $('cap-text'),
  },
  model: () => loader.model,
  build: (dataset) => loader.loadDataset(dataset),
  say: { error: showError, note },
});
canvas.addEventListener('click', (e) => (draft.active ? drawMode.click(...canvasPoint(canvas, e), e.shiftKey) : inspector.click(e)));
const exportsApi = bindExports({
  els: { dataset: $('ex-dataset'), model: $('ex-model'), png: $('ex-png'), svg: $('ex-svg') },
  canvas, renderer, view, redraw, onError: showError,
  model: () => loader.model,
  layer: () => playback.layer,
  size: () => [renderer.cssW, renderer.cssH],
  name: () => (state.preset === 'custom' ? (loader.source?.name || 'custom').replace(/\.[^.]*$/, '') : state.preset),
});
bindKeys({
  ' ': () => playback.toggle(),
  ArrowLeft: () => lesson.key(-1) || playback.step(-1),
  ArrowRight: () => lesson.key(1) || playback.step(1),
  PageUp: () => lesson.key(-1) || playback.step(-1),
  PageDown: () => lesson.key(1) || playback.step(1),
  Home: () => playback.home(),
  End: () => playback.end(),
  Escape: () => glossary.close() || inspector.unpin() || lesson.leave() || (presenter.on && presenter.set(false)),
  p: () => presenter.set(!presenter.on),
  P: () => presenter.set(!presenter.on),
  b: () => presenter.blackout(),
  B: () => presenter.blackout(),
  '+': () => camera.zoomBy(1.5),
  '=': () => camera.zoomBy(1.5),
  '-': () => camera.zoomBy(1 / 1.5),
  '0': () => camera.reset(),
});

const scaling = new Scaling({
  host: $('seed-hint').parentElement,
  state,
  load: (dataset, { name, generatedN }) => {
    drawMode.leave();
    return loader.rebuild({ kind: 'dataset', dataset, name, generatedN }, { layer: 0 });
  },
  current: () => ({ model: loader.model, source: loader.source }),
});
$('seed-hint').after(scaling.root);

/** The legend of the marks on the canvas, under the caption (made here: one element, no markup). */
function overlayLegendBox() {
  const box = document.createElement('div');
  box.id = 'overlay-legend';
  box.className = 'overlay-legend';
  box.setAttribute('aria-label', 'what the marks on the canvas mean');
  box.hidden = true;
  $('cap-text').after(box);
  return box;
}

/** The line under the caption that says what softmax does (shown with the split view). */
function softmaxNoteBox() {
  const p = document.createElement('p');
  p.id = 'cap-softmax';
  p.className = 'caption-softmax';
  p.hidden = true;
  $('cap-text').after(p);
  return p;
}

const lesson = new Lesson({
  host: document.querySelector('.center .caption'),
  canvas,
  app: {
    state,
    renderer,
    model: () => loader.model,
    loadPreset: (name) => loadPreset(name),
    seek: (k) => playback.goto(k),
    mentioned: (k) => view.mentioned(k),
    pin: (token) => {
      inspector.pinned = token;
      inspector.renderPinned();
      redraw();
    },
    wroteState: () => urlSync.schedule(),
  },
});
$('tour-start').addEventListener('click', () => lesson.go());
const presenter = new Presenter({ button: $('present-toggle'), state, wroteState: () => urlSync.schedule() });
presenter.sync();
// β* on the softmax slider and the certificate badge in the Result panel.
const trust = new Trust({ state, model: () => loader.model, softmaxRun: () => (state.softmax ? controls.softmax : null) });

const heldOut = new HeldOut({
  els: { preset: $('ho-preset'), file: $('ho-file'), draw: $('ho-draw'), error: $('ho-error'), result: $('ho-result'), drawPanel: document.querySelector('#draw-panel .draw-controls') },
  app: { model: () => loader.model, state, playback, draft, drawMode, drawAuto: $('draw-auto'), redraw },
});
view.heldOut = heldOut;

/** A newly built model goes on screen at state `layer`. */
function show(model, layer) {
  // Answers the worker sends later (attention, a full position, softmax) are drawn when they come.
  model.onChange = (err, key) => {
    if (err) return showError(`${key.split(' ')[0]} failed: ${err.message}`);
    if (key.startsWith('trust')) return trust.update();
    if (key.startsWith('softmax')) controls.updateSoftmax();
    else inspector.renderPinned();
    redraw();
    if (key.startsWith('softmax')) trust.update();
  };
  inspector.reset();
  camera.forget();
  view.setModel(model);
  controls.updateOverlayBadge();
  playback.reset(model.L, layer, planOf(model, (k) => captionOf(model, k).text));
  controls.sync();
  controls.updateSoftmax();
  scaling.update();
  trust.update();
  app.ready = true;
  playback.drawNow();
}

/** Once per change of the state shown: caption, filmstrip mark, pinned token, URL. */
function shownLayer(layer) {
  const m = loader.model;
  renderCaption({ stage: $('cap-stage'), counter: $('cap-counter'), text: $('cap-text') }, m, layer);
  canvas.setAttribute('aria-label', `${$('cap-counter').textContent}: ${$('cap-text').textContent}`);
  filmstrip.setCurrent(m.stageOf(layer));
  state.layer = layer;
  inspector.renderPinned();
  playback.updatePlayButton();
  urlSync.schedule();
}

/** Brings the page to a (validated) state: rebuilds only if the data or options changed. */
async function applyState(next, { initial = false } = {}) {
  const build = initial || loader.needsBuild({ ...state }, next);
  Object.assign(state, next);
  playback.speed = state.speed;
  controls.sync();
  if (build) {
    await loader.rebuild(await loader.sourceOf(state), { layer: state.layer });
  } else {
    controls.updateSoftmax();
    trust.update();
    playback.seek(state.layer);
  }
}

/** After a fix built the drawing that had failed, its result is shown (draw mode ends). */
function showFixed() {
  if (!errors.message && drawMode.active) drawMode.leave();
}

/** Re-runs the construction that just failed (or the current one) with changed options. */
function retryWith(options) {
  Object.assign(state, options);
  controls.sync();
  return loader.retry();
}

function loadPreset(name) {
  if (PRESETS.includes(name)) drawMode.leave();
  return loader.loadPreset(name);
}

function loadDataset(dataset) {
  drawMode.leave();
  return loader.loadDataset(dataset);
}

async function start() {
  try {
    loader.engine = await loadEngine();
  } catch (err) {
    console.warn('hardmax: engine not loaded', err);
    showError('The engine (www/pkg/hardmax.js) could not be loaded. Build it with `bash scripts/build-wasm.sh`, then reload. ' + messageOf(err));
    $('cap-text').textContent = 'The engine is not available.';
    return;
  }
  controls.offerPresets(loader.engine.presetNames() ?? PRESETS);
  await applyState(state, { initial: true }).catch(() => {});
  if (!loader.model) {
    // The requested data failed (error shown); fall back to the default preset.
    state.preset = 'shared';
    state.data = null;
    await loader.rebuild({ kind: 'preset', name: 'shared' }, { layer: 0 }).catch(() => {});
  }
  if (state.lesson > 0) await lesson.go(state.lesson);
  urlSync.listen(async (next) => {
    await applyState(next).catch(() => {});
    presenter.sync();
    if (next.lesson > 0 && next.lesson !== lesson.step) await lesson.go(next.lesson);
    else if (!next.lesson && lesson.active) lesson.leave();
  });
}

function observeSize() {
  const wrap = $('stage');
  const apply = () => {
    const r = wrap.getBoundingClientRect();
    renderer.resize(r.width, r.height);
    // the camera's buttons, when they span most of the canvas's width (a phone): keep tokens above them
    const bar = wrap.querySelector('.camera')?.getBoundingClientRect();
    renderer.bottomFree = bar && bar.width > 0.4 * r.width ? Math.max(0, r.bottom - bar.top + 6) : 0;
    redraw();
  };
  new ResizeObserver(apply).observe(wrap);
  apply();
}

/** The page's parts, as the automation hook and the console see them. */
const app = {
  ready: false,
  state, renderer, camera, lesson, presenter, errors, draft, playback, player: playback.player, loader, view, inspector, controls, drawMode,
  get model() {
    return loader.model;
  },
  loadPreset,
  loadDataset,
  wasmMemoryBytes: () => loader.engine?.memoryBytes() ?? 0,
  get exports() {
    return exportsApi;
  },
  scaling,
  heldOut,
  trust,
};

controls.sync();
observeSize();
installHook(app);
start();
