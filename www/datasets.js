// Datasets on the page's side of the worker: the class order of draw mode (the engine's order),
// the fields of a drawing shown as it is, and what of a source crosses to the worker (a big
// dataset of plain numbers as one packed array). Nothing here talks to the engine.

/** What of a source the worker needs (a File name and the like stay here). */
export function plainSource(source) {
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

/**
 * The fields of a one-state model of a 2D dataset {sequences:[{tokens, label, name}]} drawn as
 * it is (draw mode): no layers, no session. Classes are ordered as the engine orders them.
 * With targets ({tokens, target, name}: sequence to sequence) each sequence is its own colour,
 * as the engine shows it, and target j sits where token n - m + j must land (a target beyond
 * the tokens drawn so far has no read token: -1).
 */
export function drawnFields(dataset) {
  const interpolates = dataset.sequences.some((s) => Array.isArray(s.target));
  const classes = interpolates
    ? dataset.sequences.map((s, i) => s.name || `seq ${i + 1}`)
    : sortClasses(dataset.sequences.map((s) => String(s.label).trim()));
  const sequences = dataset.sequences.map((s, i) => ({
    name: s.name || `seq ${i + 1}`,
    label: interpolates ? i : classes.indexOf(String(s.label).trim()),
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
  return {
    task: interpolates ? 'interpolate' : 'classify',
    targets: interpolates ? drawnTargets(dataset) : null,
    session: null, report: null, classes, sequences, L: 0, layers: [null], stages: [],
    tokenSeq, tokenIndex, sampled: false, positions, directions: null, anchors: new Float32Array(0), view: null,
  };
}

/** The targets of a drawn dataset as the engine gives them: { seq, token (drawn index or -1), at }. */
function drawnTargets(dataset) {
  const seq = [], token = [], at = [];
  let start = 0;
  dataset.sequences.forEach((s, q) => {
    const n = s.tokens.length, m = (s.target || []).length;
    (s.target || []).forEach((t, j) => {
      seq.push(q);
      token.push(m <= n ? start + n - m + j : -1);
      at.push(t[0], t[1]);
    });
    start += n;
  });
  return { seq: Uint32Array.from(seq), token: Int32Array.from(token), at: Float32Array.from(at) };
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
