// The engine and the models it builds. This is the only module that touches wasm: it loads
// the engine, builds Sessions, and fetches everything the renderer draws per frame once, as
// plain typed arrays, so no frame calls into wasm. Only hover (full-d position), a layer
// change (attention, cached), softmax and exports ask the session again, through Model.

import { classColors } from './palette.js';
import { messageOf } from './util.js';

/** Loads the wasm engine (www/pkg); rejects when it is missing or does not instantiate. */
export async function loadEngine() {
  const mod = await import('./pkg/hardmax.js');
  const wasm = await mod.default();
  return new Engine(mod, wasm);
}

class Engine {
  constructor(mod, wasm) {
    this.mod = mod;
    this.wasm = wasm;
  }

  /** The preset names the engine knows, or null when it does not say. */
  presetNames() {
    return this.mod.presetNames ? Array.from(this.mod.presetNames(), String) : null;
  }

  /** Bytes of wasm linear memory (for memory measurements). */
  memoryBytes() {
    return this.wasm?.memory?.buffer?.byteLength ?? 0;
  }

  /**
   * Constructs a model from a source — { kind: 'preset', name, seed }, { kind: 'text', text,
   * format } or { kind: 'dataset', dataset } — with engine options. Throws an Error with the
   * engine's own message when the data or options are refused.
   */
  build(source, options) {
    const { Session } = this.mod;
    let session;
    try {
      if (source.kind === 'preset') session = Session.fromPreset(source.name, source.seed, options);
      else if (source.kind === 'text') session = Session.fromText(source.text, source.format, options);
      else session = Session.fromDataset(source.dataset, options);
    } catch (err) {
      throw new Error(messageOf(err));
    }
    try {
      return Model.fromSession(session);
    } catch (err) {
      try { session.free(); } catch { /* already gone */ }
      throw new Error(`The engine returned something this page cannot draw: ${messageOf(err)}`);
    }
  }
}

export class Model {
  /** Fetches everything from a wasm Session (owned from now on: freed by dispose()). */
  static fromSession(session) {
    const L = session.layerCount();
    const layers = [null];
    for (let k = 1; k <= L; k++) layers.push(session.layer(k));
    return new Model({
      session,
      report: session.report(),
      classes: Array.from(session.classes(), String),
      sequences: session.sequences(),
      L,
      layers,
      stages: session.stages(),
      tokenSeq: session.tokenSeq(),
      tokenIndex: session.tokenIndex(),
      sampled: Boolean(session.sampled()),
      positions: session.positions(),
      directions: session.directions(),
      anchors: session.anchors(),
      view: session.view(),
    });
  }

  /**
   * A one-state model of a 2D dataset {sequences:[{tokens, label, name}]} drawn as it is
   * (draw mode): no layers, no session. Classes are ordered as the engine orders them.
   */
  static fromDataset(dataset) {
    const classes = sortClasses(dataset.sequences.map((s) => String(s.label).trim()));
    const sequences = dataset.sequences.map((s, i) => ({
      name: s.name || `seq ${i + 1}`,
      label: classes.indexOf(String(s.label).trim()),
      length: s.tokens.length,
    }));
    const T = sequences.reduce((n, s) => n + s.length, 0);
    const tokenSeq = new Uint32Array(T), tokenIndex = new Uint32Array(T), positions = new Float32Array(2 * T);
    let i = 0;
    dataset.sequences.forEach((s, q) =>
      s.tokens.forEach((t, j) => {
        tokenSeq[i] = q;
        tokenIndex[i] = j;
        positions[2 * i] = t[0];
        positions[2 * i + 1] = t[1];
        i++;
      }),
    );
    return new Model({
      session: null, report: null, classes, sequences, L: 0, layers: [null], stages: [],
      tokenSeq, tokenIndex, sampled: false, positions, directions: null, anchors: new Float32Array(0), view: null,
    });
  }

  constructor(fields) {
    Object.assign(this, fields);
    this.T = this.tokenSeq.length;
    this.attentionCache = new Map();
    const T = this.T;
    this.tokenClass = new Uint16Array(T);
    for (let i = 0; i < T; i++) this.tokenClass[i] = this.sequences[this.tokenSeq[i]]?.label ?? 0;
    this.classColors = classColors(this.classes);
    this.classOrder = groupBy(this.tokenClass, Math.max(1, this.classes.length));
    this.seqStarts = sequenceRuns(this.tokenSeq);
    this.extents = stateExtents(this.positions, this.L, T);
    this.anchorExtent = pointsExtent(this.anchors);
    this.minSpan = minimumSpan(this.extents);
  }

  /** The stage a state belongs to ("input" for state 0). */
  stageOf(state) {
    return state <= 0 ? 'input' : this.layers[Math.min(state, this.L)].stage;
  }

  /** The attention of an "sa" layer (cached), or null for "ff" layers and out of range. */
  attention(k) {
    if (!this.session || k < 1 || k > this.L || this.layers[k].kind !== 'sa') return null;
    let a = this.attentionCache.get(k);
    if (!a) {
      a = this.session.attention(k);
      this.attentionCache.set(k, a);
    }
    return a;
  }

  /** The attention layer that explains a state: the one that made it, else the next one. */
  attentionLayerFor(state) {
    if (state >= 1 && this.layers[state]?.kind === 'sa') return state;
    if (state + 1 <= this.L && this.layers[state + 1]?.kind === 'sa') return state + 1;
    return 0;
  }

  /** The feed-forward layer whose tents explain a state: the one that made it, else the next. */
  tentLayerFor(state) {
    if (state >= 1 && this.layers[state]?.kind === 'ff') return state;
    if (state + 1 <= this.L && this.layers[state + 1]?.kind === 'ff') return state + 1;
    return 0;
  }

  /** The box a state should be viewed in: its tokens, plus the anchors in label/snap. */
  fitBox(state, extents = this.extents) {
    const e = extents;
    const box = [e[4 * state], e[4 * state + 1], e[4 * state + 2], e[4 * state + 3]];
    const stage = this.stageOf(state);
    if ((stage === 'label' || stage === 'snap') && this.anchorExtent) unionInto(box, this.anchorExtent);
    return widen(box, this.minSpan);
  }

  /**
   * The same weights run with softmax attention at inverse temperature beta (one wasm call
   * per beta, cached): { beta, correct, total, positions, extents }.
   */
  softmax(beta) {
    if (!this.session) return null;
    if (this.softmaxCache && this.softmaxCache.beta === beta) return this.softmaxCache;
    const r = this.session.softmax(beta);
    this.softmaxCache = {
      beta,
      correct: r.correct,
      total: r.total,
      positions: r.positions,
      extents: stateExtents(r.positions, this.L, this.T),
    };
    return this.softmaxCache;
  }

  /** Whether a session stands behind this model (false for a drawing shown as it is). */
  get built() {
    return Boolean(this.session);
  }

  /** The full-d position of drawn token i in a state (a copy, f64). */
  tokenPosition(state, i) {
    if (!this.session) return Float64Array.of(this.positions[2 * i], this.positions[2 * i + 1]);
    return this.session.tokenPosition(state, i);
  }

  /** The dataset as the engine read it: { sequences: [{ name, label, tokens }] }. */
  dataset() {
    return JSON.parse(this.datasetJson());
  }

  /** The dataset as JSON text (for the link and the export). */
  datasetJson() {
    return this.requireSession().datasetJson();
  }

  /** The constructed transformer as JSON text. */
  modelJson() {
    return this.requireSession().modelJson();
  }

  /** An SVG picture of a state at width x height CSS pixels. */
  svg(state, width, height) {
    return this.requireSession().svg(state, width, height);
  }

  requireSession() {
    if (!this.session) throw new Error('this picture was not constructed (nothing to export yet)');
    return this.session;
  }

  /** Frees the session (the model keeps its arrays for drawing, nothing more). */
  dispose() {
    if (!this.session) return;
    try {
      this.session.free();
    } catch (err) {
      console.warn('hardmax: could not free a session', err);
    }
    this.session = null;
  }
}

/** Indices 0..n-1 grouped by key: { order: Uint32Array, start: Uint32Array(groups+1) }. */
export function groupBy(keys, groups) {
  const start = new Uint32Array(groups + 1);
  for (let i = 0; i < keys.length; i++) start[Math.min(keys[i], groups - 1) + 1]++;
  for (let g = 0; g < groups; g++) start[g + 1] += start[g];
  const fill = start.slice(0, groups);
  const order = new Uint32Array(keys.length);
  for (let i = 0; i < keys.length; i++) order[fill[Math.min(keys[i], groups - 1)]++] = i;
  return { order, start };
}

/** Start offsets of runs of equal sequence index (drawn tokens come sequence by sequence). */
function sequenceRuns(tokenSeq) {
  const starts = [0];
  for (let i = 1; i < tokenSeq.length; i++) if (tokenSeq[i] !== tokenSeq[i - 1]) starts.push(i);
  starts.push(tokenSeq.length);
  return Uint32Array.from(starts);
}

/** [xmin, ymin, xmax, ymax] of every state, computed once. */
export function stateExtents(pos, L, T) {
  const out = new Float64Array(4 * (L + 1));
  for (let s = 0; s <= L; s++) {
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    const base = 2 * s * T;
    for (let i = 0; i < T; i++) {
      const x = pos[base + 2 * i], y = pos[base + 2 * i + 1];
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
    if (!(x0 <= x1)) (x0 = -1), (x1 = 1);
    if (!(y0 <= y1)) (y0 = -1), (y1 = 1);
    out.set([x0, y0, x1, y1], 4 * s);
  }
  return out;
}

/** A floor for view spans (a fraction of the typical state's span) so one point is not zoomed to infinity. */
function minimumSpan(extents) {
  const spans = [];
  for (let s = 0; s + 3 < extents.length; s += 4) {
    const span = Math.max(extents[s + 2] - extents[s], extents[s + 3] - extents[s + 1]);
    if (span > 0) spans.push(span);
  }
  if (!spans.length) return 1;
  spans.sort((a, b) => a - b);
  return 0.25 * spans[spans.length >> 1];
}

function widen(box, minSpan) {
  for (const [lo, hi] of [[0, 2], [1, 3]]) {
    const span = box[hi] - box[lo];
    if (span < minSpan) {
      const c = (box[lo] + box[hi]) / 2;
      box[lo] = c - minSpan / 2;
      box[hi] = c + minSpan / 2;
    }
  }
  return box;
}

function pointsExtent(xy) {
  if (!xy || xy.length < 2) return null;
  const box = [Infinity, Infinity, -Infinity, -Infinity];
  for (let i = 0; i + 1 < xy.length; i += 2) unionInto(box, [xy[i], xy[i + 1], xy[i], xy[i + 1]]);
  return box;
}

export function unionInto(box, other) {
  box[0] = Math.min(box[0], other[0]);
  box[1] = Math.min(box[1], other[1]);
  box[2] = Math.max(box[2], other[2]);
  box[3] = Math.max(box[3], other[3]);
  return box;
}

/** Class names sorted as the engine sorts them: by name, numerically when all are numbers. */
export function sortClasses(labels) {
  const names = [...new Set(labels)].sort();
  if (names.every((c) => c !== '' && Number.isFinite(Number(c)))) {
    names.sort((a, b) => Number(a) - Number(b) || (a < b ? -1 : a > b ? 1 : 0));
  }
  return names;
}
