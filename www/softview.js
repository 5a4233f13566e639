// The softmax side of the split view in words and marks: which sequences softmax gets wrong,
// the pane's title, and the line under the caption (www/view.js composes them into frames).

/** Sequences (drawn) whose softmax output is nearer another class's anchor (cached per run). */
export function failingSequences(m, sm) {
  if (sm._failing) return sm._failing;
  const p = sm.positions, T = m.T, base = 2 * m.L * T;
  const A = m.anchors;
  const out = [];
  const starts = m.seqStarts;
  for (let k = 0; k + 1 < starts.length; k++) {
    let x = 0, y = 0;
    for (let i = starts[k]; i < starts[k + 1]; i++) (x += p[base + 2 * i]), (y += p[base + 2 * i + 1]);
    const n = starts[k + 1] - starts[k];
    (x /= n), (y /= n);
    let best = -1, bd = Infinity;
    for (let c = 0; 2 * c + 1 < A.length; c++) {
      const d = Math.hypot(x - A[2 * c], y - A[2 * c + 1]);
      if (d < bd) (bd = d), (best = c);
    }
    const q = m.tokenSeq[starts[k]];
    if (best !== m.sequences[q].label && !out.includes(q)) out.push(q);
  }
  sm._failing = out;
  return out;
}

/** The softmax pane's title. */
export function softmaxTitle(sm) {
  return `softmax, β = ${formatBeta(sm.beta)}: ${sm.correct}/${sm.total} correct`;
}

/** What softmax does at state k, in words (the line under the caption while the split view is on). */
export function softmaxWords(m, k, sm, failing) {
  const beta = formatBeta(sm.beta);
  const head = `Right, softmax with β = ${beta}: `;
  const wrong = failing.length
    ? ` Marked ✗: ${failing.length === 1 ? 'the sequence' : `the ${failing.length} sequences`} it gets wrong (${failing.slice(0, 6).map((q) => `«${m.sequences[q].name}»`).join(', ')}${failing.length > 6 ? ', …' : ''}).`
    : ' It gets every sequence right at this β.';
  if (k === 0) return `${head}the same input; every attention layer will average all tokens of a sequence with weights ∝ exp(β·score) instead of taking only the leader.${wrong}`;
  if (k === m.L) return `${head}${sm.correct} of ${sm.total} sequences end nearest their own anchor; a larger β makes the weights sharper and softmax closer to hardmax.${wrong}`;
  const info = m.layers[k];
  const stage = info.stage;
  if (info.kind === 'ff') {
    return `${head}this feed-forward layer is the same in both models; the pictures differ because earlier attention layers mixed tokens instead of picking the leader, so a tent can miss a token that drifted out of its slab.${wrong}`;
  }
  const moved = m.store.movedBy(k) > 0;
  if (!moved) return `${head}this attention layer does nothing in either model.${wrong}`;
  if (stage === 'separate') {
    return `${head}each sequence slides along c by λ times a weighted mean of w·x over its tokens, not by λ·(w·leader), so the slides that split sequences are smaller and may not split them.${wrong}`;
  }
  if (stage === 'collapse') {
    return `${head}each token moves to a weighted mean of its sequence’s tokens (weights ∝ exp(β·score)), not exactly onto the leader, so a sequence shrinks toward its leader without becoming one point.${wrong}`;
  }
  return `${head}attention averages with weights ∝ exp(β·score) instead of taking only the top score.${wrong}`;
}

function formatBeta(b) {
  return b >= 100 ? String(Math.round(b)) : String(Number(b.toPrecision(2)));
}
