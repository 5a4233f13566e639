// Boxes and groupings of a model's typed arrays: per-state extents, the view-span floor, the
// box of a list of points, and index grouping (by class, by sequence run). Pure functions.

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
export function sequenceRuns(tokenSeq) {
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
export function minimumSpan(extents) {
  const spans = [];
  for (let s = 0; s + 3 < extents.length; s += 4) {
    const span = Math.max(extents[s + 2] - extents[s], extents[s + 3] - extents[s + 1]);
    if (span > 0) spans.push(span);
  }
  if (!spans.length) return 1;
  spans.sort((a, b) => a - b);
  return 0.25 * spans[spans.length >> 1];
}

/** Widens each side of box that is narrower than minSpan to minSpan, about its centre. */
export function widen(box, minSpan) {
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

/** [xmin, ymin, xmax, ymax] of flat xy pairs, or null when there are none. */
export function pointsExtent(xy) {
  if (!xy || xy.length < 2) return null;
  const box = [Infinity, Infinity, -Infinity, -Infinity];
  for (let i = 0; i + 1 < xy.length; i += 2) unionInto(box, [xy[i], xy[i + 1], xy[i], xy[i + 1]]);
  return box;
}

/** Grows box to hold other (both [xmin, ymin, xmax, ymax]); returns box. */
export function unionInto(box, other) {
  box[0] = Math.min(box[0], other[0]);
  box[1] = Math.min(box[1], other[1]);
  box[2] = Math.max(box[2], other[2]);
  box[3] = Math.max(box[3], other[3]);
  return box;
}
