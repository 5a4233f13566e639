// One small deterministic generator for data made in the page, the tests and the scripts.

/** mulberry32: floats in [0, 1) from a 32-bit state, exact in JS arithmetic (the same seed, the same floats). */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
