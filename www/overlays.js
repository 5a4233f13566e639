// Everything drawn over or under the tokens: sequence lines, the pinned sequence, leader
// edges, tents, anchors, trails, the directions, counts of coincident tokens and the hover
// ring. Each function draws into a Renderer's context from its screen-coordinate buffers
// (sx, sy) of the current frame and its data-to-screen transform.

import { classShape, sequenceColor, shapePath, SEQUENCE_COLORS, TENT_COLORS, DIRECTION_COLORS } from './palette.js';

/**
 * Beside every spot where several tokens coincide (shared tokens, collapsed clusters), how
 * many: "3 tokens" when they belong to one sequence, "2 sequences" when each belongs to a
 * different one, "5 tokens · 2 sequences" otherwise. Returns the labels drawn.
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
  const placed = []; // label boxes already drawn: a count that would overlap one moves or waits
  ctx.font = '11px system-ui, sans-serif';
  const free = (x, y, w) => placed.every((b) => x + w < b[0] || x > b[0] + b[2] || y + 7 < b[1] - 7 || y - 7 > b[1] + 7);
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
    out.push({ i, text });
  }
  return out;
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

export function drawTentStrips(renderer, tents) {
  if (!tents || !tents.length) return;
  const { ctx } = renderer;
  const far = 4 * Math.hypot(renderer.cssW, renderer.cssH) / renderer.transform.scale;
  for (const t of tents) {
    const [nx, ny] = unit(t.normal);
    const tx = -ny, ty = nx;
    const h = t.halfWidth;
    const c = t.center;
    const corners = [
      [c[0] + h * nx + far * tx, c[1] + h * ny + far * ty],
      [c[0] + h * nx - far * tx, c[1] + h * ny - far * ty],
      [c[0] - h * nx - far * tx, c[1] - h * ny - far * ty],
      [c[0] - h * nx + far * tx, c[1] - h * ny + far * ty],
    ];
    const color = TENT_COLORS[t.role] || '#888';
    ctx.beginPath();
    corners.forEach(([x, y], j) => {
      const [px, py] = renderer.toScreen(x, y);
      if (j) ctx.lineTo(px, py);
      else ctx.moveTo(px, py);
    });
    ctx.closePath();
    ctx.fillStyle = withAlpha(color, 0.12);
    ctx.fill();
    // the tent's crest: the line where the displacement is full
    const [ax, ay] = renderer.toScreen(c[0] + far * tx, c[1] + far * ty);
    const [bx, by] = renderer.toScreen(c[0] - far * tx, c[1] - far * ty);
    ctx.beginPath();
    ctx.moveTo(ax, ay);
    ctx.lineTo(bx, by);
    ctx.setLineDash([4, 4]);
    ctx.strokeStyle = withAlpha(color, 0.55);
    ctx.lineWidth = 1;
    ctx.stroke();
    ctx.setLineDash([]);
  }
}

/**
 * The moves of feed-forward layer k, drawn on that layer: an arrow from every token it moves
 * (where it was at state k-1) to where it lands (state k) — coincident moves drawn once —
 * and each tent's role written at the end of the move nearest to its crest.
 */
export function drawTentArrows(renderer, tents, pos, k) {
  const { ctx, model } = renderer;
  const T = model.T, t = renderer.transform;
  const a = 2 * (k - 1) * T, b = 2 * k * T;
  const seen = new Set();
  const moves = [];
  for (let i = 0; i < T; i++) {
    const x0 = pos[a + 2 * i], y0 = pos[a + 2 * i + 1], x1 = pos[b + 2 * i], y1 = pos[b + 2 * i + 1];
    if (x0 === x1 && y0 === y1) continue;
    const p0 = [t.ox + x0 * t.scale, t.oy - y0 * t.scale];
    const p1 = [t.ox + x1 * t.scale, t.oy - y1 * t.scale];
    const key = `${Math.round(p0[0])},${Math.round(p0[1])},${Math.round(p1[0])},${Math.round(p1[1])}`;
    if (seen.has(key)) continue;
    seen.add(key);
    moves.push({ i, p0, p1 });
  }
  const list = tents || [];
  const colorOf = (m) => {
    let best = null, bd = Infinity;
    for (const tt of list) {
      const [cx, cy] = renderer.toScreen(tt.center[0], tt.center[1]);
      const d = Math.hypot(cx - m.p0[0], cy - m.p0[1]);
      if (d < bd) (bd = d), (best = tt);
    }
    return best;
  };
  const labelled = new Set();
  for (const m of moves) {
    const tt = colorOf(m);
    const color = (tt && TENT_COLORS[tt.role]) || '#555';
    arrow(ctx, m.p0[0], m.p0[1], m.p1[0], m.p1[1], color, 2.5);
    ctx.beginPath();
    ctx.arc(m.p0[0], m.p0[1], renderer.tokenRadius() + 2, 0, 2 * Math.PI);
    ctx.setLineDash([3, 3]);
    ctx.lineWidth = 1.5;
    ctx.stroke();
    ctx.setLineDash([]);
    if (tt && !labelled.has(tt) && !renderer.thumbnail) {
      labelled.add(tt);
      const r = renderer.tokenRadius();
      label(ctx, tt.role, m.p1[0] + r + 8, m.p1[1] + r + 8, color, 'bold 12px');
    }
  }
  return moves.length;
}

/**
 * After a split's slide: the token the named sequences shared now sits at two places, one per
 * sequence. copies = [{ i, name, from: [x, y] }] (token, its sequence's name, the shared
 * position before the slide, in view coordinates).
 */
export function drawCopies(renderer, copies) {
  if (!copies || copies.length < 2) return;
  const { ctx, sx, sy } = renderer;
  const [gx, gy] = renderer.toScreen(copies[0].from[0], copies[0].from[1]);
  const r = renderer.tokenRadius() + 5;
  ctx.setLineDash([5, 4]);
  ctx.lineWidth = 1.5;
  ctx.strokeStyle = '#3b4450';
  ctx.beginPath();
  ctx.arc(gx, gy, r, 0, 2 * Math.PI);
  for (const c of copies) {
    ctx.moveTo(gx, gy);
    ctx.lineTo(sx[c.i], sy[c.i]);
  }
  ctx.stroke();
  ctx.setLineDash([]);
  const mx = copies.reduce((t, c) => t + sx[c.i], 0) / copies.length;
  const towardRight = mx >= gx;
  label(ctx, 'shared point before the slide', towardRight ? gx - r - 4 : gx + r + 4, gy - r - 6, '#3b4450', '12px', towardRight ? 'right' : 'left');
  const order = [...copies].sort((p, q) => sx[p.i] - sx[q.i]);
  order.forEach((c, j) => {
    ctx.beginPath();
    ctx.arc(sx[c.i], sy[c.i], r, 0, 2 * Math.PI);
    ctx.strokeStyle = sequenceColor(renderer.model.tokenSeq[c.i]);
    ctx.lineWidth = 2.5;
    ctx.stroke();
    const right = j === order.length - 1 && order.length > 1;
    const dy = j % 2 ? r + 12 : -r - 6;
    label(ctx, `«${c.name}»’s copy`, right ? sx[c.i] + r + 4 : sx[c.i] - r - 4, sy[c.i] + dy, '#111', 'bold 13px', right ? 'left' : 'right');
  });
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

/** The class anchors: three rings and the class name; `alpha` < 1 draws them faint (before the snap). */
export function drawAnchors(renderer, alpha = 1) {
  const { ctx, model } = renderer;
  ctx.save();
  ctx.globalAlpha = alpha;
  try {
    anchorMarks(renderer);
  } finally {
    ctx.restore();
  }
}

function anchorMarks(renderer) {
  const { ctx, model } = renderer;
  const a = model.anchors;
  for (let k = 0; 2 * k + 1 < a.length; k++) {
    const [x, y] = renderer.toScreen(a[2 * k], a[2 * k + 1]);
    const color = model.classColors[k] || '#888';
    const radii = renderer.thumbnail ? [6, 3] : [17, 11, 5];
    for (const r of radii) {
      ctx.beginPath();
      ctx.arc(x, y, r, 0, 2 * Math.PI);
      ctx.strokeStyle = color;
      ctx.lineWidth = 1.5;
      ctx.stroke();
    }
    if (!renderer.thumbnail) {
      const name = model.classes[k] ?? `class ${k}`;
      ctx.font = 'bold 12px system-ui, sans-serif';
      const w = ctx.measureText(name).width;
      const lx = x + 22 + w > renderer.cssW - 4 ? x - 22 - w : x + 22;
      label(ctx, name, lx, y - 16, '#222', 'bold 12px');
    }
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

const COMPASS_LEN = 28;
/** Width of the compass inset in CSS pixels (the view keeps data out of it). */
export const COMPASS_WIDTH = 4 * (COMPASS_LEN + 14) + 10 + 10;

/**
 * The directions w, c (the separate stage) and u, e (the label stage) as a compass in an inset
 * in the bottom-left corner — they are directions, not places, so they stay off the data.
 * Two small dials, one per pair, so labels of nearly parallel arrows never overlap.
 */
export function drawDirections(renderer, dirs) {
  const { ctx } = renderer;
  const len = renderer.thumbnail ? 14 : COMPASS_LEN;
  const pad = renderer.thumbnail ? 4 : 10;
  const dial = 2 * (len + 14);
  const w = 2 * dial + pad, h = dial + (renderer.thumbnail ? 0 : 16);
  const x0 = pad, y0 = renderer.cssH - h - pad - (renderer.thumbnail ? 0 : 14);
  panel(ctx, x0, y0, w, h);
  [['w', 'c'], ['u', 'e']].forEach((pair, j) => {
    const ox = x0 + dial / 2 + j * (dial + pad / 2), oy = y0 + dial / 2;
    for (const name of pair) {
      const v = dirs[name];
      if (!v) continue;
      const n = Math.hypot(v[0], v[1]) || 1;
      const x1 = ox + (v[0] / n) * len, y1 = oy - (v[1] / n) * len;
      arrow(ctx, ox, oy, x1, y1, DIRECTION_COLORS[name], 2.2);
      if (!renderer.thumbnail) label(ctx, name, x1 + (v[0] / n) * 10, y1 - (v[1] / n) * 10, DIRECTION_COLORS[name], 'bold 14px', 'center');
    }
    ctx.beginPath();
    ctx.arc(ox, oy, 2.5, 0, 2 * Math.PI);
    ctx.fillStyle = '#333';
    ctx.fill();
    if (!renderer.thumbnail) label(ctx, j ? 'label stage' : 'separate stage', ox, y0 + h - 8, '#5b6570', '11px', 'center');
  });
}

/** A light, bordered box behind an on-canvas key (the compass, the legend). */
function panel(ctx, x, y, w, h) {
  ctx.fillStyle = 'rgba(255, 255, 255, 0.92)';
  ctx.strokeStyle = '#c9d1da';
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.rect(x, y, w, h);
  ctx.fill();
  ctx.stroke();
}

/** What each mark on screen means: one line per overlay that is on. items = [{ mark, text, color }] */
export function drawLegend(renderer, items) {
  if (!items.length || renderer.thumbnail) return;
  const { ctx } = renderer;
  ctx.font = '12px system-ui, sans-serif';
  const lineH = 18, pad = 8, sw = 22;
  const width = Math.min(renderer.cssW * 0.45, pad * 2 + sw + 6 + Math.max(...items.map((it) => ctx.measureText(it.text).width)));
  const height = pad * 2 + items.length * lineH - 4;
  const x0 = renderer.cssW - width - 8, y0 = 8;
  panel(ctx, x0, y0, width, height);
  items.forEach((it, j) => {
    const y = y0 + pad + j * lineH + 6;
    const x = x0 + pad;
    legendMark(ctx, it.mark, x, y, sw, it.color || '#555');
    ctx.font = '12px system-ui, sans-serif';
    ctx.textAlign = 'left';
    ctx.textBaseline = 'middle';
    ctx.fillStyle = '#222';
    ctx.fillText(it.text, x + sw + 6, y, width - sw - 2 * pad - 6);
  });
}

/** A legend's mark ('line', 'dash', 'arrow', 'strip', 'ring', 'rings', 'dot') of width w at (x, y). */
export function legendMark(ctx, mark, x, y, w, color) {
  ctx.save();
  ctx.strokeStyle = color;
  ctx.fillStyle = color;
  ctx.lineWidth = 2;
  if (mark === 'line' || mark === 'dash') {
    if (mark === 'dash') ctx.setLineDash([5, 3]);
    ctx.beginPath();
    ctx.moveTo(x, y);
    ctx.lineTo(x + w, y);
    ctx.stroke();
  } else if (mark === 'arrow') {
    ctx.restore();
    arrow(ctx, x, y, x + w, y, color, 2.2);
    return;
  } else if (mark === 'strip') {
    ctx.globalAlpha = 0.25;
    ctx.fillRect(x, y - 6, w, 12);
  } else if (mark === 'ring') {
    ctx.beginPath();
    ctx.arc(x + w / 2, y, 6, 0, 2 * Math.PI);
    ctx.stroke();
  } else if (mark === 'rings') {
    for (const r of [7, 4]) {
      ctx.beginPath();
      ctx.arc(x + w / 2, y, r, 0, 2 * Math.PI);
      ctx.stroke();
    }
  } else if (mark === 'diamond') {
    const cx = x + w / 2;
    ctx.beginPath();
    ctx.moveTo(cx, y - 6);
    ctx.lineTo(cx + 6, y);
    ctx.lineTo(cx, y + 6);
    ctx.lineTo(cx - 6, y);
    ctx.closePath();
    ctx.stroke();
  } else if (mark === 'dot') {
    ctx.globalAlpha = 0.35;
    ctx.beginPath();
    ctx.arc(x + w / 2, y, 3.5, 0, 2 * Math.PI);
    ctx.fill();
  }
  ctx.restore();
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

function arrow(ctx, x0, y0, x1, y1, color, width) {
  const dx = x1 - x0, dy = y1 - y0;
  const n = Math.hypot(dx, dy);
  ctx.strokeStyle = color;
  ctx.fillStyle = color;
  ctx.lineWidth = width;
  ctx.beginPath();
  ctx.moveTo(x0, y0);
  ctx.lineTo(x1, y1);
  ctx.stroke();
  if (n < 1) return;
  const ux = dx / n, uy = dy / n, head = Math.min(10, n * 0.5);
  ctx.beginPath();
  ctx.moveTo(x1, y1);
  ctx.lineTo(x1 - head * ux - head * 0.45 * uy, y1 - head * uy + head * 0.45 * ux);
  ctx.lineTo(x1 - head * ux + head * 0.45 * uy, y1 - head * uy - head * 0.45 * ux);
  ctx.closePath();
  ctx.fill();
}

/** Text with a white halo, aligned at x (left by default) and vertically centred at y. */
export function label(ctx, text, x, y, color, font = '12px', align = 'left') {
  ctx.font = `${font} system-ui, sans-serif`;
  ctx.textBaseline = 'middle';
  ctx.textAlign = align;
  ctx.lineWidth = 3;
  ctx.strokeStyle = 'rgba(255,255,255,0.9)';
  ctx.strokeText(text, x, y);
  ctx.fillStyle = color;
  ctx.fillText(text, x, y);
}

function unit(v) {
  const n = Math.hypot(v[0], v[1]) || 1;
  return [v[0] / n, v[1] / n];
}

function withAlpha(hex, alpha) {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}
