// The page's state as one versioned schema that round-trips through the URL hash.
//
//   #v=1&preset=shared&seed=3&layer=12&edges=1&stats_hide=1
//   #v=1&preset=reverse&task=interpolate
//
// Every key has a type, a default and a validator; unknown keys and bad values are
// dropped with a console.warn (never an error). Only values that differ from the
// default are written, so links stay short. Custom (drawn or imported) data travels
// inline as deflated, base64url JSON up to DATA_CAP characters.

export const VERSION = 1;
export const PRESETS = ['shared', 'random', 'rings', 'vowels', 'paths', 'copy', 'reverse', 'translate'];
/** The presets of sequence to sequence (targets); the others classify (labels). */
export const INTERPOLATION_PRESETS = ['paths', 'copy', 'reverse', 'translate'];
/** The two tasks and the preset a switch to each loads. */
export const TASKS = { classify: 'shared', interpolate: 'paths' };
/** The task of a preset ('custom' data says its own: labels or targets). */
export const taskOfPreset = (name) => (INTERPOLATION_PRESETS.includes(name) ? 'interpolate' : 'classify');
/** The presets drawn from the data seed (the seed control is off for the others). */
export const SEEDED_PRESETS = ['random', 'rings'];
export const SPEEDS = [0.25, 0.5, 1, 2, 4, 8, 16];
export const BETA_MIN = 0.1;
export const BETA_MAX = 1000;
export const DATA_CAP = 8192;
export const COLLAPSE_MAX = 16;
/** Hidden neurons per feed-forward layer: the widths the menu offers, and the engine's bounds. */
export const WIDTHS = [6, 12, 24, 96];
export const WIDTH_MIN = 6;
export const WIDTH_MAX = 1_000_000;
export const PANELS = ['data', 'options', 'overlays', 'softmax', 'stats', 'export', 'filmstrip'];

const U32_MAX = 4294967295;

const bool = (dflt) => ({ dflt, parse: parseBool, write: (v) => (v ? '1' : '0') });
const int = (dflt, lo, hi) => ({ dflt, parse: (s) => parseIntIn(s, lo, hi), write: String });
const oneOf = (dflt, names) => ({ dflt, parse: (s) => (names.includes(s) ? s : undefined), write: String });

/** The schema: key -> { dflt, parse(string) -> value | undefined, write(value) -> string }. */
export const SCHEMA = {
  preset: oneOf('shared', [...PRESETS, 'custom']),
  task: oneOf('classify', Object.keys(TASKS)), // follows the preset; alone, it picks that task's first preset
  seed: int(0, 0, U32_MAX), // data seed of the generated presets (random, rings)
  cseed: int(0, 0, U32_MAX), // construction seed (random directions, jitter)
  pos: bool(false), // positional encoding
  lift: bool(false), // lift d = 1 series to (x, t)
  collapse: int(1, 1, COLLAPSE_MAX), // collapse layers
  labeling: oneOf('runs', ['runs', 'points']),
  width: { dflt: 6, parse: parseWidth, write: String }, // hidden neurons per feed-forward layer
  layer: int(0, 0, 1e9), // clamped to the layer count once the model is known
  speed: { dflt: 1, parse: (s) => nearest(SPEEDS, Number(s)), write: String },
  edges: bool(false),
  tents: bool(true),
  dirs: bool(false),
  trails: bool(false),
  lines: bool(false),
  softmax: bool(false),
  beta: {
    dflt: 10,
    parse: (s) => {
      const x = Number(s);
      return Number.isFinite(x) && x > 0 ? Math.min(BETA_MAX, Math.max(BETA_MIN, x)) : undefined;
    },
    write: (v) => String(Number(v.toPrecision(4))),
  },
  lesson: int(0, 0, 12), // the guided tour's step (0: not touring)
  present: bool(false), // presenter mode
  contrast: bool(false), // high-contrast palette
  data: { dflt: null, parse: (s) => (/^[zj]\.[A-Za-z0-9_-]+$/.test(s) ? s : undefined), write: String },
};
for (const p of PANELS) SCHEMA[`${p}_hide`] = bool(false);

export function defaults() {
  const out = {};
  for (const [k, spec] of Object.entries(SCHEMA)) out[k] = spec.dflt;
  return out;
}

/** Parses a location hash into a complete, validated state (defaults where absent or bad). */
export function parseHash(hash) {
  const state = defaults();
  state.refused = {}; // key -> the value the link gave and this page refused (not part of the link)
  const params = new URLSearchParams(String(hash || '').replace(/^#/, ''));
  const v = params.get('v');
  if (v !== null && v !== String(VERSION)) console.warn(`hardmax: URL state version ${v} is not ${VERSION}; reading it anyway`);
  for (const [key, raw] of params) {
    if (key === 'v') continue;
    const spec = SCHEMA[key];
    if (!spec) {
      console.warn(`hardmax: ignoring unknown URL key "${key}"`);
      continue;
    }
    const value = spec.parse(raw);
    if (value === undefined) {
      console.warn(`hardmax: ignoring bad URL value ${key}=${raw.slice(0, 40)}`);
      state.refused[key] = raw.slice(0, 40);
    } else state[key] = value;
  }
  if (!params.has('preset') && params.has('task')) state.preset = TASKS[state.task];
  if (state.preset === 'custom' && !state.data) {
    console.warn(`hardmax: preset=custom without data; using the ${TASKS[state.task]} preset`);
    state.preset = TASKS[state.task];
  }
  if (state.preset !== 'custom') {
    state.data = null;
    const task = taskOfPreset(state.preset);
    if (params.has('task') && state.task !== task) console.warn(`hardmax: the ${state.preset} preset's task is ${task}, not ${state.task}`);
    state.task = task;
  }
  return state;
}

/** Serializes a state to a hash, writing only non-default values (plus v and preset). */
export function toHash(state) {
  const parts = [`v=${VERSION}`, `preset=${state.preset}`];
  for (const [key, spec] of Object.entries(SCHEMA)) {
    if (key === 'preset') continue;
    const value = state[key];
    if (value === undefined || value === null || value === spec.dflt) continue;
    if (key === 'data' && state.preset !== 'custom') continue;
    parts.push(`${key}=${spec.write(value)}`);
  }
  return '#' + parts.join('&');
}

/** The construction options object of the wasm facade, from a state. */
export function engineOptions(state) {
  return {
    seed: state.cseed,
    positional: state.pos,
    lift: state.lift,
    collapse_layers: state.collapse,
    labeling: state.labeling,
    max_width: state.width,
  };
}

function parseBool(s) {
  if (s === '1' || s === 'true') return true;
  if (s === '0' || s === 'false') return false;
  return undefined;
}

function parseIntIn(s, lo, hi) {
  if (!/^\d+$/.test(s)) return undefined;
  const x = Number(s);
  return Number.isSafeInteger(x) ? Math.min(hi, Math.max(lo, x)) : undefined;
}

/** A width cap in the engine's bounds, written as a plain integer; anything else is refused. */
function parseWidth(s) {
  if (!/^\d+$/.test(s)) return undefined;
  const x = Number(s);
  return x >= WIDTH_MIN && x <= WIDTH_MAX ? x : undefined;
}

/** Why the link's width was refused, in words (the page shows it beside the width menu). */
export function widthRefusal(raw) {
  const x = Number(raw);
  const why = !/^\d+$/.test(raw) ? 'it is not a whole number' : x < WIDTH_MIN ? `at least ${WIDTH_MIN} neurons are needed (a split's jump-out and the previous move-back share a layer, three neurons each)` : `at most ${WIDTH_MAX.toLocaleString('en-US')} are allowed`;
  return `The link asked for width=${raw}: ${why}. Showing ${WIDTH_MIN} neurons per layer instead.`;
}

function nearest(options, x) {
  if (!Number.isFinite(x)) return undefined;
  return options.reduce((best, o) => (Math.abs(o - x) < Math.abs(best - x) ? o : best));
}

// ---- custom data inline in the URL -------------------------------------------------------

/** Encodes a dataset object as "z.<base64url deflate>" (or "j.<base64url json>"). */
export async function encodeData(dataset) {
  const json = JSON.stringify(compactDataset(dataset));
  const bytes = new TextEncoder().encode(json);
  if (typeof CompressionStream === 'function') {
    const deflated = await pipeBytes(bytes, new CompressionStream('deflate-raw'));
    return 'z.' + toBase64Url(deflated);
  }
  return 'j.' + toBase64Url(bytes);
}

/**
 * encodeData's text when it is at most `cap` characters long, else null — found without
 * reading or encoding all of a big dataset: `part(from, to)` gives sequences from..to (fewer
 * at the end, none past it), which are written and compressed a part at a time, and the
 * work stops as soon as the compressed text passes the cap.
 */
export async function encodeDataCapped(part, cap) {
  if (typeof CompressionStream !== 'function') {
    const text = await encodeData({ sequences: part(0, Infinity) });
    return text.length <= cap ? text : null;
  }
  const limit = Math.floor(((cap - 2) * 3) / 4); // base64 writes 4 characters per 3 bytes
  const stream = new CompressionStream('deflate-raw');
  const writer = stream.writable.getWriter(), reader = stream.readable.getReader();
  const chunks = [];
  let total = 0, over = false;
  const pump = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      chunks.push(value);
      total += value.length;
      if (total > limit) return (over = true), reader.cancel().catch(() => {});
    }
  })();
  const encoder = new TextEncoder();
  try {
    await writer.write(encoder.encode('{"sequences":['));
    for (let i = 0; !over; ) {
      const seqs = part(i, i + 64);
      if (!seqs.length) break;
      await writer.write(encoder.encode(seqs.map((s, j) => (i + j ? ',' : '') + JSON.stringify(compactSequence(s, i + j))).join('')));
      i += seqs.length;
    }
    if (!over) {
      await writer.write(encoder.encode(']}'));
      await writer.close();
    }
  } catch {
    // the stream was cancelled: the text passed the cap
  }
  await pump;
  if (over) return null;
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) bytes.set(c, (at += c.length) - c.length);
  const text = 'z.' + toBase64Url(bytes);
  return text.length <= cap ? text : null;
}

/** Decodes what encodeData wrote; throws with a plain message on garbage. */
export async function decodeData(text) {
  const kind = text.slice(0, 2);
  let bytes = fromBase64Url(text.slice(2));
  if (kind === 'z.') bytes = await pipeBytes(bytes, new DecompressionStream('deflate-raw'));
  else if (kind !== 'j.') throw new Error('unknown data encoding');
  const obj = JSON.parse(new TextDecoder().decode(bytes));
  if (!obj || !Array.isArray(obj.sequences)) throw new Error('the data in the link has no sequences');
  return obj;
}

/** Drops what the engine does not need and shortens numbers, to keep links small (targets stay). */
function compactDataset(dataset) {
  return { sequences: dataset.sequences.map(compactSequence) };
}

function compactSequence(s, i) {
  const out = { tokens: s.tokens.map((t) => t.map(shortNumber)) };
  if (Array.isArray(s.target)) out.target = s.target.map((t) => t.map(shortNumber));
  else out.label = String(s.label);
  if (s.name && s.name !== `seq ${i + 1}`) out.name = s.name;
  return out;
}

function shortNumber(x) {
  return Number(Number(x).toPrecision(12));
}

async function pipeBytes(bytes, stream) {
  const out = new Response(new Blob([bytes]).stream().pipeThrough(stream));
  return new Uint8Array(await out.arrayBuffer());
}

function toBase64Url(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text) {
  const s = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
