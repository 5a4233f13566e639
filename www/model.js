// The engine and the models it builds. This is the only module of the page that talks to the
// engine: the wasm Session lives in a Web Worker (worker.js), one per model, so construction,
// verification, softmax and exports never block drawing. A build fetches everything the
// renderer draws per frame once, as plain typed arrays, so no frame waits on the worker. Hover
// (full-d position), attention of big models, softmax and exports ask the worker again,
// through Model: answers arrive later and Model.onChange says so.

import { classColors } from './palette.js';
import { StatePositions } from './positions.js';
import { messageOf } from './util.js';

/** Loads the wasm engine (www/pkg) for the workers; rejects when it is missing or does not start. */
export async function loadEngine() {
  const url = new URL('./pkg/hardmax_bg.wasm', import.meta.url);
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url.pathname}: HTTP ${response.status}`);
  const module = await WebAssembly.compile(await response.arrayBuffer());
  const engine = new Engine(module);
  engine.presets = (await engine.spare()).presets;
  return engine;
}

/** The page's side of one worker (www/worker.js): numbered requests, answers as promises. */
class Remote {
  constructor() {
    this.worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    this.pending = new Map();
    this.nextId = 1;
    this.dead = null;
    this.worker.onmessage = ({ data }) => {
      const p = this.pending.get(data.id);
      if (!p) return;
      if (data.progress) return p.onProgress?.(data.progress);
      this.pending.delete(data.id);
      if (data.ok) p.resolve(data.value);
      else p.reject(new Error(data.error));
    };
    this.worker.onerror = (e) => {
      e.preventDefault?.();
      this.end(new Error(`the engine's worker failed: ${e.message || 'could not start'}`));
    };
  }

  /** Sends a request; resolves to its answer (progress reports go to onProgress). */
  call(op, args = [], onProgress = null, transfer = []) {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onProgress });
      this.worker.postMessage({ id, op, args }, transfer);
    });
  }

  /** Ends the worker; whatever was still asked of it rejects with `reason`. */
  end(reason = cancelled()) {
    if (this.dead) return;
    this.dead = reason;
    this.worker.terminate();
    for (const p of this.pending.values()) p.reject(reason);
    this.pending.clear();
  }
}

/** The error a cancelled construction rejects with (err.cancelled is true). */
function cancelled() {
  const err = new Error('cancelled');
  err.cancelled = true;
  return err;
}

class Engine {
  constructor(module) {
    this.module = module;
    this.warm = null; // a started worker waiting for the next construction
    this.building = null; // the worker of the construction in progress
    this.lastMemory = 0;
    this.presets = null;
  }

  /** A started worker (the one kept warm, else a new one): resolves to { remote, presets }. */
  spare() {
    if (!this.warm) {
      const remote = new Remote();
      this.warm = remote.call('init', [this.module]).then(({ presets }) => ({ remote, presets }));
      this.warm.catch(() => (this.warm = null));
    }
    return this.warm;
  }

  /** The preset names the engine knows, or null when it does not say. */
  presetNames() {
    return this.presets;
  }

  /** Bytes of wasm linear memory of the last construction (for memory measurements). */
  memoryBytes() {
    return this.lastMemory;
  }

  /** Whether a construction is running. */
  get busy() {
    return Boolean(this.building);
  }

  /** Stops the construction in progress (its promise rejects with err.cancelled). */
  cancel() {
    this.building?.end(cancelled());
    this.building = null;
  }

  /**
   * Constructs a model in a worker from a source — { kind: 'preset', name, seed }, { kind:
   * 'text', text, format } or { kind: 'dataset', dataset } — with engine options. Rejects with
   * the engine's own message when the data or options are refused, and with err.cancelled
   * when cancel() (or a newer build) stopped it. onProgress({ stage, fraction }) hears stages.
   */
  async build(source, options, { onProgress = null, softmaxBeta = null } = {}) {
    this.cancel();
    const { remote } = await this.spare();
    this.warm = null;
    this.building = remote;
    let fields;
    try {
      const plain = plainSource(source);
      const transfer = plain.kind === 'packed' ? [plain.values.buffer] : [];
      fields = await remote.call('build', [plain, options, { softmaxBeta }], onProgress, transfer);
    } catch (err) {
      remote.end(err.cancelled ? err : new Error('failed'));
      throw err;
    } finally {
      if (this.building === remote) this.building = null;
    }
    this.spare().catch(() => {}); // the next construction starts warm
    this.lastMemory = fields.memoryBytes || 0;
    try {
      return Model.fromWorker(remote, fields);
    } catch (err) {
      remote.end(new Error('dropped'));
      throw new Error(`The engine returned something this page cannot draw: ${messageOf(err)}`);
    }
  }
}

/** What of a source the worker needs (a File name and the like stay here). */
function plainSource(source) {
  if (source.kind === 'preset') return { kind: 'preset', name: source.name, seed: source.seed };
  if (source.kind === 'text') return { kind: 'text', text: source.text, format: source.format };
  return packDataset(source.dataset) || { kind: 'dataset', dataset: source.dataset };
}

/**
 * A big dataset of plain numbers crosses to the worker as one Float64Array (copying nested
 * arrays between threads is slow). Anything unusual — a missing field, a string where a
 * number belongs, extra keys — goes as it is, so that the engine names the problem.
 */
function packDataset(dataset) {
  const seqs = dataset?.sequences;
  if (!Array.isArray(seqs) || seqs.length < 200) return null;
  let n = 0;
  for (const s of seqs) {
    if (!s || !Array.isArray(s.tokens) || typeof s.label !== 'string' || (s.name !== undefined && typeof s.name !== 'string')) return null;
    if (Object.keys(s).some((k) => k !== 'tokens' && k !== 'label' && k !== 'name')) return null;
    for (const t of s.tokens) {
      if (!Array.isArray(t) || !t.every((v) => typeof v === 'number' && Number.isFinite(v))) return null;
      n += t.length;
    }
    if (!s.tokens.length || s.tokens.some((t) => t.length !== s.tokens[0].length)) return null;
  }
  if (Object.keys(dataset).some((k) => k !== 'sequences')) return null;
  const values = new Float64Array(n);
  const lengths = new Uint32Array(seqs.length), dims = new Uint32Array(seqs.length);
  let at = 0;
  seqs.forEach((s, q) => {
    lengths[q] = s.tokens.length;
    dims[q] = s.tokens[0].length;
    for (const t of s.tokens) for (const v of t) values[at++] = v;
  });
  return { kind: 'packed', names: seqs.map((s) => s.name ?? null), labels: seqs.map((s) => s.label), lengths, dims, values };
}

export class Model {
  /** A model whose session lives in a worker (owned from now on: ended by dispose()). */
  static fromWorker(remote, fields) {
    const { attention, full, softmax, memoryBytes, datasetJson, ...rest } = fields;
    const model = new Model({ session: remote, ...rest });
    for (const [k, a] of Object.entries(attention || {})) model.attentionCache.set(Number(k), a);
    model.full = full || null;
    if (softmax) model.softmaxCache = softmax;
    model.datasetText = datasetJson ?? null;
    if (model.timing) model.timing.receivedAt = Date.now();
    return model;
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
    this.store = new StatePositions(this.positions, this.moves || null, this.L, T);
    this.extents = fields.extents || stateExtents(this.positions, this.L, T);
    this.pending = new Set(); // requests to the worker still unanswered
    this.onChange = null; // called when an answer arrives (attention, a position, softmax)
    this.anchorExtent = pointsExtent(this.anchors);
    // Interpolation: the task, the targets (see worker.js) and the box they span.
    this.task = this.task || 'classify';
    this.targets = this.targets || null;
    this.targetExtent = this.targets ? pointsExtent(this.targets.at) : null;
    this.minSpan = minimumSpan(this.extents);
  }

  /** View positions of every drawn token at state s: 2T numbers, token i at [2i], [2i+1]. */
  at(s) {
    return this.store.at(s);
  }

  /** The stage a state belongs to ("input" for state 0). */
  stageOf(state) {
    return state <= 0 ? 'input' : this.layers[Math.min(state, this.L)].stage;
  }

  /** The attention of an "sa" layer (cached), or null for "ff" layers and out of range. */
  attention(k) {
    if (!this.session || k < 1 || k > this.L || this.layers[k].kind !== 'sa') return null;
    const a = this.attentionCache.get(k);
    if (!a) this.ask(`attention ${k}`, 'attention', [k], (v) => this.attentionCache.set(k, v));
    return a || null;
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
    if (stage === 'place' && this.targetExtent) unionInto(box, this.targetExtent);
    return widen(box, this.minSpan);
  }

  /**
   * The same weights run with softmax attention at inverse temperature beta, computed in the
   * worker: { beta, correct, total, positions, extents } once it is there, null while it runs.
   */
  softmax(beta) {
    if (!this.session) return null;
    if (this.softmaxCache && this.softmaxCache.beta === beta) return this.softmaxCache;
    this.ask(`softmax ${beta}`, 'softmax', [beta], (v) => (this.softmaxCache = v));
    return null;
  }

  /**
   * Asks the worker once per key; `keep` stores the answer, then onChange is told. A failure
   * is reported through onChange(error) (nothing is stored, so it can be asked again).
   */
  ask(key, op, args, keep) {
    if (this.pending.has(key) || !this.session) return;
    this.pending.add(key);
    this.session.call(op, args).then(
      (v) => {
        this.pending.delete(key);
        keep(v);
        this.onChange?.(null, key);
      },
      (err) => {
        this.pending.delete(key);
        if (this.session) this.onChange?.(err, key);
      },
    );
  }

  /** Whether a session stands behind this model (false for a drawing shown as it is). */
  get built() {
    return Boolean(this.session);
  }

  /** The full-d position of drawn token i in a state (f64), or null while the worker is asked. */
  tokenPosition(state, i) {
    if (!this.session) return Float64Array.of(this.positions[2 * i], this.positions[2 * i + 1]);
    if (this.full) {
      const d = this.full.dim, at = (state * this.T + i) * d;
      return this.full.values.slice(at, at + d);
    }
    this.positionCache ??= new Map();
    const key = `${state}:${i}`;
    const p = this.positionCache.get(key);
    if (!p) this.ask(`position ${key}`, 'tokenPosition', [state, i], (v) => this.positionCache.set(key, v));
    return p || null;
  }

  /** The dataset as the engine read it: resolves to { sequences: [{ name, label, tokens }] }. */
  async dataset() {
    return JSON.parse(await this.datasetJson());
  }

  /** The dataset as JSON text (for the link and the export); a promise. */
  async datasetJson() {
    if (this.datasetText === null || this.datasetText === undefined) this.datasetText = await this.requireSession().call('datasetJson');
    return this.datasetText;
  }

  /** The dataset encoded for the link, from the worker: resolves to { data (null: too big), length }. */
  linkData() {
    return this.requireSession().call('link');
  }

  /** The dataset when it came with the model (2D data), else null: no waiting. */
  datasetNow() {
    return typeof this.datasetText === 'string' ? JSON.parse(this.datasetText) : null;
  }

  /** The constructed transformer as JSON text; a promise. */
  modelJson() {
    return this.requireSession().call('modelJson');
  }

  /** An SVG picture of a state at width x height CSS pixels; a promise. */
  svg(state, width, height) {
    return this.requireSession().call('svg', [state, width, height]);
  }

  requireSession() {
    if (!this.session) throw new Error('this picture was not constructed (nothing to export yet)');
    return this.session;
  }

  /** Ends the worker (the model keeps its arrays for drawing, nothing more). */
  dispose() {
    if (!this.session) return;
    const s = this.session;
    this.session = null;
    s.end(new Error('this model was replaced'));
  }
  // Held-out data (heldout.js): the built transformer on sequences it was not built from.

  /**
   * Runs held-out data through this model in its worker — source { kind: 'text', text, format }
   * | { kind: 'dataset', dataset } | { kind: 'preset', name, seed } | { kind: 'tokens', name,
   * tokens } — resolving to the engine's summary { total, labeled, correct, accuracy,
   * predictions, wrong, unknownClasses, unknownCount }; rejects with the engine's named error.
   */
  testHeldOut(source) {
    return this.requireSession().call('test', [source]);
  }

  /** View positions (L+1) x n x 2 of sequence i of the last held-out run; a promise. */
  heldOutPositions(i) {
    return this.requireSession().call('heldOutPositions', [i]);
  }

  // Trust (www/trust.js): β* with the softmax accuracy curve, and the certificate. Each is
  // asked of the worker once per model; the answer is { pending: true } while it runs, then
  // { value } or { error } (a failure is kept, so it is not asked again in a loop), and
  // onChange(null, key) says it came.

  /** β* and the accuracy curve over [lo, hi] (Session.softmaxThreshold). */
  softmaxThreshold(lo, hi) {
    return this.trustAsk(`trust threshold ${lo} ${hi}`, 'softmaxThreshold', [lo, hi]);
  }

  /** The certificate of the forward pass (Session.certify). */
  certificate() {
    return this.trustAsk('trust certify', 'certify', []);
  }

  trustAsk(key, op, args) {
    this.trustAnswers ??= new Map();
    const have = this.trustAnswers.get(key);
    if (have) return have;
    if (!this.session) return { error: 'this picture was not constructed' };
    const entry = { pending: true };
    this.trustAnswers.set(key, entry);
    this.session.call(op, args).then(
      (value) => {
        this.trustAnswers.set(key, { value });
        this.onChange?.(null, key);
      },
      (err) => {
        if (!this.session) return;
        this.trustAnswers.set(key, { error: messageOf(err) });
        this.onChange?.(null, key);
      },
    );
    return entry;
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
  // the engine's order (dataset::class_order): by name, or numerically when every name is a
  // number as Rust reads numbers ("inf" and "1e3" are, "0x10" is not); equal numbers by name
  const names = [...new Set(labels)].sort();
  const num = (c) => {
    const t = c.trim();
    if (!/^[+-]?(inf|infinity|nan|(\d+\.?\d*|\.\d+)(e[+-]?\d+)?)$/i.test(t)) return null;
    const body = t.replace(/^[+-]/, '').toLowerCase();
    const sign = t.startsWith('-') ? -1 : 1;
    if (body === 'inf' || body === 'infinity') return sign * Infinity;
    if (body === 'nan') return NaN;
    return Number(t);
  };
  const values = names.map(num);
  if (names.length && values.every((v) => v !== null)) {
    const byName = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
    const pairs = names.map((n, i) => [n, values[i]]);
    pairs.sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : byName(a[0], b[0])));
    return pairs.map((p) => p[0]);
  }
  return names;
}
