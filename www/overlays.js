// Everything drawn over or under the tokens: sequence lines, the pinned sequence, leader
// edges, tents, anchors, trails, the directions, counts of coincident tokens and the hover
// ring. Each function draws into a Renderer's context from its screen-coordinate buffers
// (sx, sy) of the current frame and its data-to-screen transform.

import { classShape, sequenceColor, shapePath, SEQUENCE_COLORS, TENT_COLORS, DIRECTION_COLORS } from './palette.js';

/** "×3" beside every spot where several tokens coincide (shared tokens, collapsed clusters). */
export function drawCounts(renderer) {
  const { ctx, sx, sy } = renderer;
  const spots = new Map();
  for (let i = 0; i < sx.length; i++) {
    const key = `${Math.round(sx[i] * 2)},${Math.round(sy[i] * 2)}`;
    const s = spots.get(key);
    if (s) s.n++;
    else spots.set(key, { n: 1, i });
  }
  const r = renderer.tokenRadius();
  for (const { n, i } of spots.values()) {
    if (n > 1) label(ctx, `×${n}`, sx[i] + r + 2, sy[i] - r - 3, '#3b4450', '10px');
  }
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
  ctx.strokeStyle = 'rgba(90, 60, 140, 0.35)';
  ctx.lineWidth = renderer.overlayWidth(1);
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
  ctx.strokeStyle = 'rgba(90, 60, 140, 0.8)';
  ctx.lineWidth = 1.3;
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

export function drawTentArrows(renderer, tents) {
  if (!tents || !tents.length) return;
  const { ctx } = renderer;
  for (const t of tents) {
    const color = TENT_COLORS[t.role] || '#888';
    const [x0, y0] = renderer.toScreen(t.center[0], t.center[1]);
    const [x1, y1] = renderer.toScreen(t.center[0] + t.shift[0], t.center[1] + t.shift[1]);
    arrow(ctx, x0, y0, x1, y1, color, 2);
    if (!renderer.thumbnail) label(ctx, t.role, x1 + 6, y1 - 6, color);
  }
}

export function drawAnchors(renderer) {
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

/** Faint start positions (state 0) and a short trail through the last few states. */
export function drawTrails(renderer, pos, a, b) {
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
  const first = Math.max(0, last - 3);
  if (last === 0 && a === b) return;
  ctx.beginPath();
  for (let i = 0; i < T; i += stride) {
    let s = first;
    ctx.moveTo(t.ox + pos[2 * (s * T + i)] * t.scale, t.oy - pos[2 * (s * T + i) + 1] * t.scale);
    for (s = first + 1; s <= last; s++) {
      ctx.lineTo(t.ox + pos[2 * (s * T + i)] * t.scale, t.oy - pos[2 * (s * T + i) + 1] * t.scale);
    }
    ctx.lineTo(sx[i], sy[i]);
  }
  ctx.strokeStyle = 'rgba(80, 90, 100, 0.3)';
  ctx.lineWidth = renderer.overlayWidth(1);
  ctx.stroke();
}

/**
 * The directions as arrows from directions().origin; when that point is out of view,
 * from a compass in the bottom-left corner instead (they are directions, not places).
 */
export function drawDirections(renderer, dirs) {
  const { ctx } = renderer;
  let [ox, oy] = renderer.toScreen(dirs.origin[0], dirs.origin[1]);
  const len = renderer.thumbnail ? 18 : 60;
  const margin = len + 24;
  if (!(ox > margin && ox < renderer.cssW - margin && oy > margin && oy < renderer.cssH - margin)) {
    ox = margin;
    oy = renderer.cssH - margin;
    ctx.beginPath();
    ctx.arc(ox, oy, len + 14, 0, 2 * Math.PI);
    ctx.fillStyle = 'rgba(255, 255, 255, 0.85)';
    ctx.fill();
    ctx.strokeStyle = '#d5dbe1';
    ctx.lineWidth = 1;
    ctx.stroke();
  }
  for (const name of ['w', 'c', 'u', 'e']) {
    const v = dirs[name];
    if (!v) continue;
    const x1 = ox + v[0] * len, y1 = oy - v[1] * len;
    arrow(ctx, ox, oy, x1, y1, DIRECTION_COLORS[name], 2.2);
    if (!renderer.thumbnail) {
      const n = Math.hypot(v[0], v[1]) || 1;
      label(ctx, name, x1 + (v[0] / n) * 9 - 4, y1 - (v[1] / n) * 9 - 6, DIRECTION_COLORS[name], 'bold 13px');
    }
  }
  ctx.beginPath();
  ctx.arc(ox, oy, 3, 0, 2 * Math.PI);
  ctx.fillStyle = '#333';
  ctx.fill();
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

/** Text with a white halo, left-aligned and vertically centred at (x, y). */
export function label(ctx, text, x, y, color, font = '12px') {
  ctx.font = `${font} system-ui, sans-serif`;
  ctx.textBaseline = 'middle';
  ctx.textAlign = 'left';
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
