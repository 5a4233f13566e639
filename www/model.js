// The engine and its models; the only module that talks to the engine. Each model's wasm Session
// lives in its own Web Worker (worker.js), so construction, softmax and exports never block
// drawing. A build fetches what the renderer draws per frame once, as typed arrays; hover
// (full-d position), big models' attention, softmax and exports ask the worker again, through
// Model: answers arrive later and Model.onChange says so.

import { classColors } from './palette.js';
import { StatePositions } from './positions.js';
import { messageOf } from './util.js';
import { drawnFields, plainSource } from './datasets.js';
import { Remote, cancelled } from './remote.js';
import { groupBy, sequenceRuns, stateExtents, minimumSpan, widen, pointsExtent, unionInto } from './extents.js';

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

class Engine {
  constructor(module) {
    this.module = module;
    this.warm = null; // a started worker waiting for the next construction
    this.building = null; // the worker of the construction in progress
    this.lastMemory = 0;
    this.presets = null;
    this.tickets = 0; // builds asked so far: only the newest takes the worker
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
  presetNames() { return this.presets; }

  /** Bytes of wasm linear memory of the last construction (for memory measurements). */
  memoryBytes() { return this.lastMemory; }

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
   * the engine's own message when the data or options are refused, and with err.cancelled when
   * cancel() or a newer build stopped it (onProgress({ stage, fraction }) hears stages).
   */
  async build(source, options, { onProgress = null, softmaxBeta = null } = {}) {
    this.cancel();
    const ticket = ++this.tickets;
    const { remote } = await this.spare();
    if (ticket !== this.tickets) throw cancelled();
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

export class Model {
  /** A model whose session lives in a worker (owned from now on: ended by dispose()). */
  static fromWorker(remote, fields) {
    const { attention, full, softmax, memoryBytes, datasetJson, link, outline, ...rest } = fields;
    const { layers, sequences } = outline ? JSON.parse(outline) : {}; // a big model's (worker.js)
    if (outline) Object.assign(rest, { layers: [null, ...layers], sequences });
    const model = new Model({ session: remote, ...rest });
    for (const [k, a] of Object.entries(attention || {})) model.attentionCache.set(Number(k), a);
    model.full = full || null;
    if (softmax) model.softmaxCache = softmax;
    model.datasetText = datasetJson ?? null;
    model.linked = link ?? null;
    if (model.timing) model.timing.receivedAt = Date.now();
    return model;
  }

  /**
   * A one-state model of a 2D dataset {sequences:[{tokens, label, name}]} drawn as it is
   * (draw mode): no layers, no session. Classes are ordered as the engine orders them.
   */
  static fromDataset(dataset) {
    return new Model(drawnFields(dataset));
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
    this.readMask = readMask(this.targets, T);
    this.someUnread = Boolean(this.readMask?.includes(0)); // some drawn token is not read (drawn faint)
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

  /** The box a state should be viewed in: its tokens, plus the anchors in label/snap, the targets at the input and in place. */
  fitBox(state, extents = this.extents) {
    const e = extents;
    const box = [e[4 * state], e[4 * state + 1], e[4 * state + 2], e[4 * state + 3]];
    const stage = this.stageOf(state);
    if ((stage === 'label' || stage === 'snap') && this.anchorExtent) unionInto(box, this.anchorExtent);
    // the targets are in view at the input (where the tokens must go) and while they are placed
    if ((stage === 'place' || state === 0) && this.targetExtent) unionInto(box, this.targetExtent);
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
    if (this.linked) return Promise.resolve(this.linked);
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

  /** β* and the accuracy curve over [lo, hi], as a promise (for pages that wait for it). */
  softmaxOverview(lo, hi) {
    return this.requireSession().call('softmaxThreshold', [lo, hi]);
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

/** 1 for each drawn token that is read (one of the last m of its sequence), or null without targets. */
function readMask(targets, T) {
  if (!targets || !targets.seq.length) return null;
  const mask = new Uint8Array(T);
  for (const i of targets.token) if (i >= 0 && i < T) mask[i] = 1;
  return mask;
}
