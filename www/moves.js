// What the feed-forward layers do, drawn on the layer: the tents' slabs and crests, an arrow
// for every move, and after a split's slide the copies of the shared token.

import { sequenceColor, TENT_COLORS } from './palette.js';
import { arrow, label, labelBeside, unit, withAlpha } from './drawkit.js';

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
  const several = new Map(); // split roles: role -> { tents, top (the move ending highest on screen) }
  for (const m of moves) {
    const tt = colorOf(m);
    const color = (tt && TENT_COLORS[tt.role]) || '#555';
    arrow(ctx, m.p0[0], m.p0[1], m.p1[0], m.p1[1], color, 2.5);
    renderer.arrowSegments?.push(m); // the counts keep clear of it
    ctx.beginPath();
    ctx.arc(m.p0[0], m.p0[1], renderer.tokenRadius() + 2, 0, 2 * Math.PI);
    ctx.setLineDash([3, 3]);
    ctx.lineWidth = 1.5;
    ctx.stroke();
    ctx.setLineDash([]);
    if (!tt || renderer.thumbnail) continue;
    if (SPLIT_ROLES[tt.role]) {
      const g = several.get(tt.role) ?? { tents: new Set(), top: m };
      const end = tt.role === 'jump-out' ? 1 : 0; // where the highest jump lands, where the highest move-back starts
      g.tents.add(tt);
      if (m[`p${end}`][1] < g.top[`p${end}`][1]) g.top = m;
      several.set(tt.role, g);
    } else if (!labelled.has(tt)) {
      labelled.add(tt);
      const r = renderer.tokenRadius();
      labelBeside(renderer, tt.role, m.p1[0], m.p1[1] + r + 8, r + 8, color, 'bold 12px', true);
    }
  }
  // A wide separate block jumps several tokens (and brings several back): one label says so.
  // (jump-outs named right of where the highest lands, several move-backs left of where the highest starts)
  // (a label that would leave the canvas goes on the other side)
  for (const [role, { tents, top }] of several) {
    const r = renderer.tokenRadius(), text = tents.size > 1 ? `${tents.size} ${SPLIT_ROLES[role]}` : role;
    const lands = role === 'jump-out' || tents.size === 1 || top.p0[1] < 2 * r + 16; // (a start above the canvas: name the landing)
    const [x, y] = lands ? [top.p1[0], top.p1[1] + r + 8] : [top.p0[0], top.p0[1] - r - 4];
    ctx.font = 'bold 12px system-ui, sans-serif';
    const textW = ctx.measureText(text).width, wide = textW + r + 8;
    const roomR = renderer.cssW - x, roomL = x; // the preferred side when it fits, else the roomier one
    const right = lands ? roomR >= wide || roomR >= roomL : !(roomL >= wide || roomL >= roomR);
    const at = right ? Math.min(x + r + 8, renderer.cssW - textW - 4) : Math.max(x - r - 8, textW + 4);
    label(ctx, text, at, y, TENT_COLORS[role], 'bold 12px', right ? 'left' : 'right');
    renderer.labelBoxes?.push([right ? at : at - textW, y, textW]);
  }
  return moves.length;
}

/** The separate stage's tent roles, and how several of one layer are named together. */
const SPLIT_ROLES = { 'jump-out': 'jump-outs, each to its own height', 'move-back': 'move-backs, each from its own height' };

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
  labelBeside(renderer, 'shared point before the slide', gx, gy - r - 6, r + 4, '#3b4450', '12px', !towardRight);
  const order = [...copies].sort((p, q) => sx[p.i] - sx[q.i]);
  order.forEach((c, j) => {
    ctx.beginPath();
    ctx.arc(sx[c.i], sy[c.i], r, 0, 2 * Math.PI);
    ctx.strokeStyle = sequenceColor(renderer.model.tokenSeq[c.i]);
    ctx.lineWidth = 2.5;
    ctx.stroke();
    const right = j === order.length - 1 && order.length > 1;
    const dy = j % 2 ? r + 12 : -r - 6;
    labelBeside(renderer, `«${c.name}»’s copy`, sx[c.i], sy[c.i] + dy, r + 4, '#111', 'bold 13px', right);
  });
}

