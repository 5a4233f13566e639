// Drawing primitives every canvas layer shares: arrows, haloed labels, the boxed panel behind
// an on-canvas key, and two small helpers (unit vectors, colours with alpha).

/** A line from (x0, y0) to (x1, y1) with a filled head at its end. */
export function arrow(ctx, x0, y0, x1, y1, color, width) {
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

/**
 * A label beside the point (x, y), `gap` pixels to its right (or left), kept on the canvas
 * (renderer.cssW x cssH): on the other side when the preferred one has no room, else pushed in.
 * Its box joins renderer.labelBoxes (the frame's labels, which the coincidence counts avoid).
 */
export function labelBeside(renderer, text, x, y, gap, color, font, right) {
  const { ctx, cssW, cssH } = renderer;
  ctx.font = `${font} system-ui, sans-serif`;
  const w = ctx.measureText(text).width;
  const fitsR = x + gap + w <= cssW - 4, fitsL = x - gap - w >= 4;
  if (right ? !fitsR && fitsL : !fitsL && fitsR) right = !right;
  const at = right ? Math.min(x + gap, cssW - 4 - w) : Math.max(x - gap, w + 4);
  const yy = Math.min(cssH - 8, Math.max(8, y));
  label(ctx, text, at, yy, color, font, right ? 'left' : 'right');
  renderer.labelBoxes?.push([right ? at : at - w, yy, w]); // the counts keep clear of it
}

/** A light, bordered box behind an on-canvas key (the compass, the legend). */
export function panel(ctx, x, y, w, h) {
  ctx.fillStyle = 'rgba(255, 255, 255, 0.92)';
  ctx.strokeStyle = '#c9d1da';
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.rect(x, y, w, h);
  ctx.fill();
  ctx.stroke();
}

/** The 2D vector v scaled to length 1 (v itself when it is zero). */
export function unit(v) {
  const n = Math.hypot(v[0], v[1]) || 1;
  return [v[0] / n, v[1] / n];
}

/** A '#rrggbb' colour as rgba() with the given alpha. */
export function withAlpha(hex, alpha) {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

