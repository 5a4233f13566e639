// What is drawn over or under the tokens: sequence lines, the pinned sequence, leader edges,
// the sequences softmax gets wrong, trails, counts of coincident tokens and the hover ring
// (tents and moves: moves.js; anchors, compass and legend: keys.js). Each function draws into
// a Renderer's context from its screen-coordinate buffers (sx, sy) of the current frame and
// its data-to-screen transform.

import { classShape, sequenceColor, shapePath, SEQUENCE_COLORS } from './palette.js';
import { label, withAlpha } from './drawkit.js';

/**
 * Beside every spot where several tokens coincide (shared tokens, collapsed clusters), how
 * many: "3 tokens" when they belong to one sequence, "2 sequences" when each belongs to a
 * different one, "5 tokens · 2 sequences" otherwise. Returns the labels drawn: { i, text, box:
 * [left, middle y, width] }.
 */
export function drawCounts(renderer, skip = null) {
  const { ctx, sx, sy, model } = renderer;
  const spots = new Map();
  for (let i = 0; i < sx.length; i++) {
    const key = `${Math.round(sx[i] * 2)},${Math.round(sy[i] * 2)}`;
    const s = spots.get(key);
    if (s) {
      if (skip?.has(i)) skip.add(s.i);
      s.n++;
      s.seqs.add(model.tokenSeq[i]);
    } else spots.set(key, { n: 1, i, seqs: new Set([model.tokenSeq[i]]) });
  }
  const r = renderer.tokenRadius();
  const out = [];
  const placed = [...(renderer.labelBoxes || [])]; // labels drawn: a count that would overlap one moves or waits
  ctx.font = '11px system-ui, sans-serif';
  // inside the canvas (a label cut by its edge is unreadable) and clear of the others
  const free = (x, y, w) => x >= 2 && x + w <= renderer.cssW - 2 && y >= 10 && y <= renderer.cssH - 2 && placed.every((b) => x + w < b[0] || x > b[0] + b[2] || y + 7 < b[1] - 7 || y - 7 > b[1] + 7) && !(renderer.arrowSegments || []).some((m) => crosses(m, x, y, w));
  const spotsBySize = [...spots.values()].filter((s) => s.n > 1 && !skip?.has(s.i)).sort((p, q) => q.n - p.n);
  for (const { n, i, seqs } of spotsBySize) {
    const text = countText(n, seqs.size);
    const w = ctx.measureText(text).width;
    const at = [
      [sx[i] + r + 3, sy[i] - r - 4],
      [sx[i] + r + 3, sy[i] + r + 6],
      [sx[i] - r - 3 - w, sy[i] - r - 4],
      [sx[i] - r - 3 - w, sy[i] + r + 6],
    ].find(([x, y]) => free(x, y, w));
    if (!at) continue;
    label(ctx, text, at[0], at[1], '#3b4450', '11px');
    placed.push([at[0], at[1], w]);
    out.push({ i, text, box: [at[0], at[1], w] });
  }
  return out;
}

/** Whether the segment m.p0 -> m.p1 passes through the label box [x, x + w] x [y - 7, y + 7] (sampled every 4 px). */
function crosses({ p0, p1 }, x, y, w) {
  const n = Math.max(1, Math.ceil(Math.hypot(p1[0] - p0[0], p1[1] - p0[1]) / 4));
  for (let j = 0; j <= n; j++) {
    const px = p0[0] + ((p1[0] - p0[0]) * j) / n, py = p0[1] + ((p1[1] - p0[1]) * j) / n;
    if (px >= x - 2 && px <= x + w + 2 && py >= y - 8 && py <= y + 8) return true;
  }
  return false;
}

/** The words of a coincidence count: n tokens of s sequences. */
export function countText(n, s) {
  if (s <= 1) return `${n} tokens`;
  if (s === n) return `${s} sequences`;
  return `${n} tokens · ${s} sequences`;
}

/** Lines joining each sequence's tokens in order (one path per outline color). */
export function drawSequenceLines(renderer, onlySeq) {
  const { ctx, model, sx, sy } = renderer;
  const starts = model.seqStarts;
  const colored = renderer.perSequenceOutline;
  const n = colored ? SEQUENCE_COLORS.length : 1;
  const stride = onlySeq >= 0 ? 1 : renderer.overlayStride;
  ctx.lineWidth = onlySeq >= 0 ? 2 : renderer.overlayWidth(1.1);
  ctx.lineJoin = 'round';
  for (let c = 0; c < n; c++) {
    ctx.beginPath();
    for (let r = 0; r + 1 < starts.length; r++) {
      const s0 = starts[r], s1 = starts[r + 1];
      const q = model.tokenSeq[s0];
      if (onlySeq >= 0 ? q !== onlySeq : (colored && q % n !== c) || r % stride) continue;
      ctx.moveTo(sx[s0], sy[s0]);
      for (let i = s0 + 1; i < s1; i++) ctx.lineTo(sx[i], sy[i]);
    }
    ctx.strokeStyle = onlySeq >= 0 ? sequenceColor(onlySeq) : colored ? withAlpha(SEQUENCE_COLORS[c], 0.55) : 'rgba(60,70,80,0.22)';
    ctx.stroke();
  }
}

export function drawHighlight(renderer, q, veil) {
  const { ctx, model, sx, sy } = renderer;
  if (veil) {
    ctx.fillStyle = 'rgba(255,255,255,0.55)';
    ctx.fillRect(0, 0, renderer.cssW, renderer.cssH);
  }
  drawSequenceLines(renderer, q);
  const r = renderer.tokenRadius() + 1;
  const starts = model.seqStarts;
  for (let k = 0; k + 1 < starts.length; k++) {
    const s0 = starts[k], s1 = starts[k + 1];
    if (model.tokenSeq[s0] !== q) continue;
    const cls = model.tokenClass[s0];
    ctx.beginPath();
    for (let i = s0; i < s1; i++) shapePath(ctx, classShape(cls), sx[i], sy[i], r);
    ctx.fillStyle = model.classColors[cls];
    ctx.fill();
    ctx.strokeStyle = '#111';
    ctx.lineWidth = 2;
    ctx.stroke();
  }
}

export function drawEdges(renderer, att, hover) {
  const { ctx, sx, sy } = renderer;
  const leader = att.leader;
  ctx.beginPath();
  for (let i = 0; i < leader.length; i += renderer.overlayStride) {
    const l = leader[i];
    if (l < 0 || l === i) continue;
    ctx.moveTo(sx[i], sy[i]);
    ctx.lineTo(sx[l], sy[l]);
  }
  ctx.strokeStyle = renderer.overlayStride > 1 ? 'rgba(90, 60, 140, 0.35)' : 'rgba(90, 60, 140, 0.7)';
  ctx.lineWidth = renderer.overlayWidth(2.2);
  ctx.stroke();
  // Leaders: a ring around every token that some token attends to.
  if (!att.isLeader) {
    att.isLeader = new Uint8Array(leader.length);
    for (let i = 0; i < leader.length; i++) if (leader[i] >= 0) att.isLeader[leader[i]] = 1;
  }
  const rr = renderer.tokenRadius() + 3.5;
  ctx.beginPath();
  for (let i = 0; i < leader.length; i++) {
    if (!att.isLeader[i]) continue;
    ctx.moveTo(sx[i] + rr, sy[i]);
    ctx.arc(sx[i], sy[i], rr, 0, 2 * Math.PI);
  }
  ctx.strokeStyle = 'rgba(90, 60, 140, 0.9)';
  ctx.lineWidth = 2.2;
  ctx.stroke();
  if (hover >= 0 && leader[hover] >= 0 && leader[hover] !== hover) {
    const l = leader[hover];
    ctx.beginPath();
    ctx.moveTo(sx[hover], sy[hover]);
    ctx.lineTo(sx[l], sy[l]);
    ctx.strokeStyle = 'rgba(90, 60, 140, 0.95)';
    ctx.lineWidth = 2.5;
    ctx.stroke();
  }
}

/**
 * Sequences softmax gets wrong: a red dashed ring around each of their tokens, and at the
 * last state a "✗ name" beside their mean token. failing = [sequence index].
 */
export function drawFailing(renderer, failing, last) {
  const { ctx, model, sx, sy } = renderer;
  const set = new Set(failing);
  const r = renderer.tokenRadius() + 4;
  ctx.beginPath();
  for (let i = 0; i < sx.length; i++) {
    if (!set.has(model.tokenSeq[i])) continue;
    ctx.moveTo(sx[i] + r, sy[i]);
    ctx.arc(sx[i], sy[i], r, 0, 2 * Math.PI);
  }
  ctx.setLineDash([3, 2]);
  ctx.strokeStyle = '#c62828';
  ctx.lineWidth = 2;
  ctx.stroke();
  ctx.setLineDash([]);
  if (!last || renderer.thumbnail) return;
  const starts = model.seqStarts;
  for (let k = 0; k + 1 < starts.length; k++) {
    const q = model.tokenSeq[starts[k]];
    if (!set.has(q)) continue;
    let mx = 0, my = 0;
    for (let i = starts[k]; i < starts[k + 1]; i++) (mx += sx[i]), (my += sy[i]);
    const n = starts[k + 1] - starts[k];
    label(ctx, `✗ «${model.sequences[q].name}»`, mx / n + r + 4, my / n + 4 + 14 * (k % 3), '#c62828', 'bold 12px');
  }
}

/**
 * Trails: faint start positions (state 0) of every token, and — for the sequences in `seqs`
 * only (hovered, pinned or named by the caption) — the path of each token through every
 * state up to the one shown. Drawing every path at once is a hairball; one sequence reads.
 */
export function drawTrails(renderer, pos, a, b, seqs) {
  const { ctx, model, sx, sy } = renderer;
  const T = model.T, t = renderer.transform;
  const stride = renderer.overlayStride;
  const r = Math.max(1.2, renderer.tokenRadius() * 0.6);
  ctx.beginPath();
  for (let i = 0; i < T; i += stride) {
    const x = t.ox + pos[2 * i] * t.scale, y = t.oy - pos[2 * i + 1] * t.scale;
    ctx.moveTo(x + r, y);
    ctx.arc(x, y, r, 0, 2 * Math.PI);
  }
  ctx.fillStyle = 'rgba(80, 90, 100, 0.16)';
  ctx.fill();
  const last = Math.min(a, b);
  if ((last === 0 && a === b) || !seqs || !seqs.length) return;
  const starts = model.seqStarts;
  for (let k = 0; k + 1 < starts.length; k++) {
    const q = model.tokenSeq[starts[k]];
    if (!seqs.includes(q)) continue;
    ctx.beginPath();
    for (let i = starts[k]; i < starts[k + 1]; i++) {
      ctx.moveTo(t.ox + pos[2 * i] * t.scale, t.oy - pos[2 * i + 1] * t.scale);
      for (let st = 1; st <= last; st++) ctx.lineTo(t.ox + pos[2 * (st * T + i)] * t.scale, t.oy - pos[2 * (st * T + i) + 1] * t.scale);
      ctx.lineTo(sx[i], sy[i]);
    }
    ctx.strokeStyle = withAlpha(sequenceColor(q), 0.8);
    ctx.lineWidth = 2;
    ctx.setLineDash([6, 3]);
    ctx.stroke();
    ctx.setLineDash([]);
  }
}

export function drawHover(renderer, i, attention) {
  const { ctx, sx, sy } = renderer;
  const r = renderer.tokenRadius() + 4;
  ctx.beginPath();
  ctx.arc(sx[i], sy[i], r, 0, 2 * Math.PI);
  ctx.strokeStyle = '#111';
  ctx.lineWidth = 2;
  ctx.stroke();
  if (!attention) return;
  const l = attention.leader[i];
  if (l < 0 || l === i) return;
  const m = attention.margin[i];
  const mx = (sx[i] + sx[l]) / 2, my = (sy[i] + sy[l]) / 2;
  label(ctx, `margin ${formatMargin(m)}`, mx + 6, my - 6, '#4b2c80', 'bold 12px');
}

export function formatMargin(m) {
  if (m === Infinity) return '∞ (all tie)';
  if (!Number.isFinite(m)) return '–';
  return Math.abs(m) >= 1e4 || (Math.abs(m) < 1e-3 && m !== 0) ? m.toExponential(2) : m.toPrecision(3);
}

