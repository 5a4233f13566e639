// The engine's worker: one wasm Session lives here, off the page's main thread, so that a
// long construction, a softmax run or an export never stops the page from drawing.
//
// One worker per built model: the page starts a worker, asks it to build, and from then on
// sends it that model's questions (attention of a layer, a token's full position, softmax at
// some β, exports). Cancelling a build ends its worker; the model on screen keeps its own.
//
// Messages in:  { id, op, args }      ops: init, build, attention, tokenPosition, softmax,
//                                      datasetJson, modelJson, svg, presetNames,
//                                      test (held-out data), heldOutPositions
// Messages out: { id, progress: { stage, fraction } }   while a build runs
//               { id, ok: true, value } | { id, ok: false, error }

import init, * as engine from './pkg/hardmax.js';
import { stateExtents } from './extents.js';
import { encodeDataCapped, DATA_CAP } from './state.js';

/** Attention of every layer is sent with the model while it stays under this many entries. */
const PREFETCH_ATTENTION = 2_000_000;
/** Full-d positions of every token and state are sent while they stay under this many numbers. */
const PREFETCH_FULL = 400_000;

let wasm = null;
let session = null;

// Requests are answered one after another, in the order they came: a request that waits
// (the link's compression) is not overtaken by a long one asked after it (the trust panel's).
let queue = Promise.resolve();
self.onmessage = ({ data }) => {
  queue = queue.then(() => answer(data || {}));
};

async function answer({ id, op, args = [] }) {
  try {
    const { value, transfer = [] } = await run(id, op, args);
    self.postMessage({ id, ok: true, value }, transfer);
  } catch (err) {
    self.postMessage({ id, ok: false, error: messageOf(err) });
  }
}

const progress = (id, stage, fraction) => self.postMessage({ id, progress: { stage, fraction } });

async function run(id, op, args) {
  if (op === 'init') {
    // args[0]: a compiled WebAssembly.Module (shared by the page's workers), or nothing.
    wasm = await init(args[0] ? { module_or_path: args[0] } : undefined);
    return { value: { presets: engine.presetNames ? Array.from(engine.presetNames(), String) : null } };
  }
  if (!wasm) throw new Error('the engine is not started in this worker');
  if (op === 'build') return build(id, args[0], args[1], args[2] || {});
  if (!session) throw new Error('nothing was constructed in this worker');
  if (op === 'test' || op === 'heldOutPositions') return heldOut(op, args);
  switch (op) {
    case 'attention': {
      const a = session.attention(args[0]);
      return { value: a, transfer: [a.leader.buffer, a.margin.buffer] };
    }
    case 'tokenPosition': {
      const p = session.tokenPosition(args[0], args[1]);
      return { value: p, transfer: [p.buffer] };
    }
    case 'softmax': {
      const value = softmax(args[0]);
      return { value, transfer: [value.positions.buffer, value.extents.buffer] };
    }
    case 'datasetJson':
      return { value: session.datasetJson() };
    case 'link':
      return { value: await linkData() };
    case 'modelJson':
      return { value: session.modelJson() };
    case 'svg':
      return { value: session.svg(args[0], args[1], args[2]) };
    // Trust (www/trust.js): beta* with the accuracy curve over [lo, hi], and the certificate;
    // both run the whole dataset (many softmax passes for beta*), so they may take a while.
    case 'softmaxThreshold':
      return { value: session.softmaxThreshold(args[0], args[1]) };
    case 'certify':
      return { value: session.certify() };
    default:
      throw new Error(`unknown request "${op}"`);
  }
}

/**
 * The dataset encoded for the link, when it fits: { data (or null: more than DATA_CAP) };
 * read out of wasm a part at a time, so a big dataset stops at its first parts.
 */
async function linkData() {
  const part = (from, to) => JSON.parse(session.datasetPartJson(from, Math.min(to, 2 ** 32 - 1)));
  const data = await encodeDataCapped(part, DATA_CAP);
  return { data, length: data ? data.length : null };
}

/**
 * Constructs, verifies and reads back everything the page draws; progress by stage. Data
 * that is not a preset comes with its link, so the page writes it without asking again.
 */
async function build(id, source, options, { softmaxBeta = null } = {}) {
  const { Session } = engine;
  progress(id, 'constructing and verifying', 0.1);
  const t0 = performance.now(), startedAt = Date.now();
  if (session) {
    session.free();
    session = null;
  }
  if (source.kind === 'preset') session = Session.fromPreset(source.name, source.seed, options);
  else if (source.kind === 'text') session = Session.fromText(source.text, source.format, options);
  else if (source.kind === 'packed') session = fromPacked(source, options);
  else session = Session.fromDataset(source.dataset, options);
  const t1 = performance.now();
  progress(id, 'reading the layers', 0.6);
  const L = session.layerCount();
  // Deep models of many tokens come as state 0 and each layer's moves (positions.js), and
  // their layers and sequences as one JSON text (parsed by the page: model.js).
  const moves = session.moves ? session.moves() : null;
  const outline = moves ? session.outlineJson() : undefined;
  const layers = [null];
  if (!outline) for (let k = 1; k <= L; k++) layers.push(session.layer(k));
  progress(id, 'reading the positions', 0.7);
  const tokenSeq = session.tokenSeq();
  const positions = session.positions();
  const T = tokenSeq.length;
  const fields = {
    report: session.report(),
    classes: Array.from(session.classes(), String),
    sequences: outline ? null : session.sequences(),
    L,
    layers: outline ? null : layers,
    outline: outline ?? null,
    stages: session.stages(),
    tokenSeq,
    tokenIndex: session.tokenIndex(),
    sampled: Boolean(session.sampled()),
    positions,
    moves,
    directions: session.directions(),
    anchors: session.anchors(),
    view: session.view(),
  };
  // Interpolation: the task and every target (view coordinates, the drawn read token of each).
  fields.task = session.task();
  fields.targets = session.targets();
  const t2 = performance.now();
  progress(id, 'framing the views', 0.8);
  fields.extents = moves ? moves.extents : stateExtents(positions, L, T);
  const transfer = [tokenSeq.buffer, fields.tokenIndex.buffer, positions.buffer, fields.extents.buffer, fields.anchors.buffer];
  if (moves) transfer.push(moves.start.buffer, moves.token.buffer, moves.at.buffer);
  transfer.push(fields.targets.seq.buffer, fields.targets.token.buffer, fields.targets.at.buffer);
  const sa = layers.filter((l) => l && l.kind === 'sa').length;
  if (!moves && T * sa <= PREFETCH_ATTENTION) {
    progress(id, 'reading the attention', 0.85);
    fields.attention = {};
    for (let k = 1; k <= L; k++) {
      if (layers[k].kind !== 'sa') continue;
      const a = session.attention(k);
      fields.attention[k] = a;
      transfer.push(a.leader.buffer, a.margin.buffer);
    }
  }
  const dim = fields.view?.dim ?? 2;
  if (T * (L + 1) * dim <= PREFETCH_FULL) {
    const full = new Float64Array(T * (L + 1) * dim);
    for (let s = 0; s <= L; s++) for (let i = 0; i < T; i++) full.set(session.tokenPosition(s, i), (s * T + i) * dim);
    fields.full = { dim, values: full };
    transfer.push(full.buffer);
  }
  if (softmaxBeta !== null) {
    progress(id, 'running softmax', 0.9);
    fields.softmax = softmax(softmaxBeta);
    transfer.push(fields.softmax.positions.buffer, fields.softmax.extents.buffer);
  }
  // A 2D dataset comes along (draw mode starts from it without waiting).
  if (dim === 2 && T <= 200_000) fields.datasetJson = session.datasetJson();
  const t3 = performance.now();
  if (source.kind !== 'preset') fields.link = await linkData();
  fields.memoryBytes = wasm.memory?.buffer?.byteLength ?? 0;
  // Where the worker's time went (ms): the session (construct + verify + scene), reading
  // layers and positions out of wasm, and the rest (extents, attention, exports).
  const r = fields.report || {};
  const session_ms = t1 - t0;
  fields.timing = {
    construct: r.construct_ms ?? 0, verify: r.verify_ms ?? 0,
    scene: session.sceneMs ? session.sceneMs() : 0,
    // reading and checking the data, and the report
    data: Math.max(0, session_ms - (r.construct_ms ?? 0) - (r.verify_ms ?? 0) - (session.sceneMs ? session.sceneMs() : 0)),
    read: t2 - t1, link: performance.now() - t3, rest: t3 - t2, startedAt, sentAt: Date.now(),
  };
  progress(id, 'drawing', 0.95);
  return { value: fields, transfer };
}

/** A session of a packed source (datasets.js: packDataset): no JSON text on the way. */
function fromPacked({ names, labels, lengths, dims, values }, options) {
  return engine.Session.fromPacked(values, lengths, dims, labels, names, options);
}

function softmax(beta) {
  const r = session.softmax(beta);
  const L = session.layerCount();
  const positions = r.positions;
  return { beta, correct: r.correct, total: r.total, positions, extents: stateExtents(positions, L, positions.length / (2 * (L + 1))) };
}

function messageOf(err) {
  if (err === null || err === undefined) return 'unknown error';
  if (typeof err === 'string') return err;
  if (typeof err.message === 'string' && err.message) return err.message;
  return String(err);
}

/**
 * Held-out data through the built transformer. test: args[0] is { kind: 'text', text, format }
 * | { kind: 'dataset', dataset } | { kind: 'preset', name, seed } | { kind: 'tokens', name,
 * tokens }; the answer is the engine's summary. heldOutPositions: args[0] is the index of a
 * sequence of the last test; the answer its view positions at every state (Float32Array).
 */
function heldOut(op, args) {
  if (op === 'heldOutPositions') {
    const p = session.heldOutPositions(args[0]);
    return { value: p, transfer: [p.buffer] };
  }
  const src = args[0] || {};
  if (src.kind === 'text') return { value: session.test(String(src.text ?? ''), String(src.format ?? '')) };
  if (src.kind === 'dataset') return { value: session.testDataset(src.dataset) };
  if (src.kind === 'preset') return { value: session.testPreset(String(src.name), src.seed >>> 0) };
  if (src.kind === 'tokens') return { value: session.testTokens(String(src.name ?? 'drawn'), src.tokens) };
  throw new Error('held-out data: expected a file text, a dataset, a preset or tokens');
}
