// Big datasets, the same every time, for the scale tests and scripts/page-load-bench.mjs:
// - interpolationSet: N sequences of n tokens in the plane, each read at its last m tokens
//   (targets drawn in the same box); the defaults are the scale, 5,000 sequences,
//   Σm = 20,000 (interp-scale.test.mjs plays it; `node tests/e2e/scaleset.mjs > big.json`
//   writes it for `hardmax verify big.json`);
// - classificationSet: N sequences of n tokens in d dimensions, uniform in the unit cube,
//   labeled round robin (scale.test.mjs; the page-load bench).

import { mulberry32 as random } from '../../www/random.js';

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

/** { sequences: [{ name, label, tokens }] }: N sequences of n tokens in d dimensions, `classes` labels. */
export function classificationSet({ N = 5000, n = 20, d = 8, classes = 4, seed = 12345 } = {}) {
  const rand = random(seed);
  const sequences = [];
  for (let q = 0; q < N; q++) {
    const tokens = Array.from({ length: n }, () => Array.from({ length: d }, () => rand()));
    sequences.push({ name: `g${q + 1}`, label: `c${q % classes}`, tokens });
  }
  return { sequences };
}

if (import.meta.url === `file://${process.argv[1]}`) process.stdout.write(JSON.stringify(interpolationSet()));
