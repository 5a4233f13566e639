// The keys on the canvas: the class anchors, the compass of directions (w, c, u, e) in the
// bottom-left inset, and the legend of the overlays that are on, with its marks (the SVG
// export draws the same marks).

import { DIRECTION_COLORS } from './palette.js';
import { arrow, label, panel } from './drawkit.js';

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

/** A legend's mark ('line', 'dash', 'arrow', 'strip', 'ring', 'rings', 'diamond', 'faint', 'dot') of width w at (x, y). */
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
  } else if (mark === 'faint') {
    ctx.globalAlpha = 0.3;
    ctx.beginPath();
    ctx.arc(x + w / 2, y, 5, 0, 2 * Math.PI);
    ctx.fill();
  } else if (mark === 'dot') {
    ctx.globalAlpha = 0.35;
    ctx.beginPath();
    ctx.arc(x + w / 2, y, 3.5, 0, 2 * Math.PI);
    ctx.fill();
  }
  ctx.restore();
}

