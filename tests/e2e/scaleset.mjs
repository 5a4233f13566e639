// A big sequence-to-sequence dataset, the same every time: N sequences of n tokens in the
// plane, each read at its last m tokens (targets drawn in the same box). The defaults are the
// issue's scale: 5,000 sequences, Σm = 20,000. The browser test (interpolate-scale.test.mjs)
// plays it; `node tests/e2e/scaleset.mjs > big.json` writes it for `hardmax verify big.json`.

/** A small deterministic generator (mulberry32): floats in [0, 1). */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** { sequences: [{ name, tokens, target }] } with N sequences of n tokens, m read tokens each. */
export function interpolationSet({ N = 5000, n = 5, m = 4, seed = 1 } = {}) {
  const u = random(seed);
  const point = () => [Math.round(u() * 1e6) / 1e5, Math.round(u() * 1e6) / 1e5];
  const sequences = [];
  for (let q = 0; q < N; q++) {
    const tokens = Array.from({ length: n }, point);
    const target = Array.from({ length: m }, point);
    sequences.push({ name: `s${q + 1}`, tokens, target });
  }
  return { sequences };
}

if (import.meta.url === `file://${process.argv[1]}`) process.stdout.write(JSON.stringify(interpolationSet()));
