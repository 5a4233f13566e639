// Token markers: one path per class for fills (shape = class) and one per outline color for
// strokes, or — for crowds — class sprites stamped into one image. No per-token
// save/restore, no allocation per frame, no wasm calls. Each function draws into a
// Renderer's context from its screen-coordinate buffers (sx, sy) of the current frame.
// Interpolation: tokens that are not read (all but the last m of each sequence) are dimmed,
// so the eye follows the read tokens onto their targets.

import { classShape, shapePath, SEQUENCE_COLORS } from './palette.js';

/** From this many drawn tokens on, markers are stamped from sprites instead of filled as paths. */
export const STAMP_MIN_TOKENS = 1500;
/** Opacity of the tokens an interpolation does not read (the 2D paths and the WebGL layer). */
export const UNREAD_ALPHA = 0.3;

/** The opacity of every drawn token: UNREAD_ALPHA for a token that is not read, else 1. */
export function tokenAlphas(model) {
  const read = model.readMask;
  const alpha = new Float32Array(model.T).fill(1);
  if (read) for (let i = 0; i < model.T; i++) if (!read[i]) alpha[i] = UNREAD_ALPHA;
  return alpha;
}

export function drawTokens(renderer) {
  if (renderer.model.T >= STAMP_MIN_TOKENS) return drawTokensStamped(renderer);
  const { ctx, model } = renderer;
  const read = model.readMask;
  if (!read) return drawTokenPass(renderer, null);
  // the tokens not read first and faint, then the read ones on top
  ctx.save();
  ctx.globalAlpha = UNREAD_ALPHA;
  try {
    drawTokenPass(renderer, 0);
  } finally {
    ctx.restore();
  }
  drawTokenPass(renderer, 1);
}

/** Markers of the tokens whose read flag is `only` (every token when null). */
function drawTokenPass(renderer, only) {
  const { ctx, model, sx, sy } = renderer;
  const read = model.readMask;
  const skip = (i) => only !== null && read[i] !== only;
  const r = renderer.tokenRadius();
  const { order, start } = model.classOrder;
  const stroke = renderer.perSequenceOutline && !renderer.thumbnail;
  for (let k = 0; k + 1 < start.length; k++) {
    if (start[k] === start[k + 1]) continue;
    const shape = classShape(k);
    ctx.beginPath();
    for (let j = start[k]; j < start[k + 1]; j++) {
      const i = order[j];
      if (!skip(i)) shapePath(ctx, shape, sx[i], sy[i], r);
    }
    ctx.fillStyle = model.classColors[k];
    ctx.fill();
    if (!stroke) {
      ctx.strokeStyle = 'rgba(20, 24, 28, 0.55)';
      ctx.lineWidth = renderer.thumbnail ? 0.5 : 0.8;
      ctx.stroke();
    }
  }
  if (stroke) drawOutlines(renderer, skip);
}

/**
 * Outlines each token in its sequence's color (few sequences only; over the WebGL dots too),
 * but not the tokens `skip` names (the other pass of a dimmed interpolation).
 */
export function drawOutlines(renderer, skip = () => false) {
  const { ctx, model, sx, sy } = renderer;
  const r = renderer.tokenRadius();
  const g = renderer.outlineGroups;
  ctx.lineWidth = 1.6;
  for (let c = 0; c + 1 < g.start.length; c++) {
    if (g.start[c] === g.start[c + 1]) continue;
    ctx.beginPath();
    for (let j = g.start[c]; j < g.start[c + 1]; j++) {
      const i = g.order[j];
      if (!skip(i)) shapePath(ctx, classShape(model.tokenClass[i]), sx[i], sy[i], r);
    }
    ctx.strokeStyle = SEQUENCE_COLORS[c];
    ctx.stroke();
  }
}

/**
 * The crowd path: every class marker is rendered once into a small sprite, then stamped
 * into an RGBA buffer at each token (device pixels) and composited in one drawImage.
 * Software-rasterized canvases fill ten thousand arcs in ~25 ms; stamping takes a few.
 */
function drawTokensStamped(renderer) {
  const { model, sx, sy, dpr } = renderer;
  const W = renderer.canvas.width, H = renderer.canvas.height;
  const stamps = stampsFor(renderer, renderer.tokenRadius(), dpr, model.classColors);
  const read = model.readMask;
  if (!renderer.crowd || renderer.crowd.image.width !== W || renderer.crowd.image.height !== H) {
    const canvas = document.createElement('canvas');
    canvas.width = W;
    canvas.height = H;
    const image = new ImageData(W, H);
    renderer.crowd = { canvas, ctx: canvas.getContext('2d'), image, px: new Uint32Array(image.data.buffer) };
  }
  const px = renderer.crowd.px;
  px.fill(0);
  const { order, start } = model.classOrder;
  for (let k = 0; k + 1 < start.length; k++) {
    const st = stamps[k];
    const size = st.size, half = st.half;
    for (let j = start[k]; j < start[k + 1]; j++) {
      const i = order[j];
      const sp = read && !read[i] ? st.faint : st.px;
      const x0 = Math.round(sx[i] * dpr) - half, y0 = Math.round(sy[i] * dpr) - half;
      if (x0 >= W || y0 >= H || x0 + size <= 0 || y0 + size <= 0 || x0 !== x0 || y0 !== y0) continue;
      const ya = Math.max(0, -y0), yb = Math.min(size, H - y0);
      const xa = Math.max(0, -x0), xb = Math.min(size, W - x0);
      for (let y = ya; y < yb; y++) {
        let o = (y0 + y) * W + x0 + xa;
        let q = y * size + xa;
        for (let x = xa; x < xb; x++, o++, q++) {
          const p = sp[q];
          const a = p >>> 24;
          if (a === 0) continue;
          const d = px[o];
          if (a === 255 || d === 0) {
            px[o] = p;
            continue;
          }
          const ia = 255 - a;
          const r = ((p & 255) * a + (d & 255) * ia) / 255;
          const g = (((p >>> 8) & 255) * a + ((d >>> 8) & 255) * ia) / 255;
          const b = (((p >>> 16) & 255) * a + ((d >>> 16) & 255) * ia) / 255;
          const oa = a + ((d >>> 24) * ia) / 255;
          px[o] = ((oa << 24) | (b << 16) | (g << 8) | r) >>> 0;
        }
      }
    }
  }
  renderer.crowd.ctx.putImageData(renderer.crowd.image, 0, 0);
  const { ctx } = renderer;
  // A pane of a split view starts at originX; an export's picture at originY.
  const ox = dpr * (renderer.originX || 0), oy = dpr * (renderer.originY || 0);
  ctx.setTransform(1, 0, 0, 1, ox, oy);
  ctx.drawImage(renderer.crowd.canvas, 0, 0);
  ctx.setTransform(dpr, 0, 0, dpr, ox, oy);
}

/** Side in device pixels (odd) of a class marker's sprite at radius r (CSS px) and pixel ratio dpr. */
export function spriteSize(r, dpr) {
  return Math.ceil(2 * (r * 1.35 + 1.5) * dpr) | 1;
}

/**
 * Class k's marker (shape and color, dark outline) centered in a canvas of spriteSize(r, dpr)
 * device pixels: what the crowd paths stamp and the WebGL layer (gldots.js) samples.
 */
export function markerSprite(k, color, r, dpr, thumbnail = false) {
  const size = spriteSize(r, dpr), half = size >> 1;
  const c = document.createElement('canvas');
  c.width = c.height = size;
  const g = c.getContext('2d');
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.beginPath();
  shapePath(g, classShape(k), (half + 0.5) / dpr, (half + 0.5) / dpr, r);
  g.fillStyle = color || '#888';
  g.fill();
  g.strokeStyle = 'rgba(20, 24, 28, 0.6)';
  g.lineWidth = thumbnail ? 0.5 : 0.8;
  g.stroke();
  return c;
}

/** One RGBA sprite per class marker at this radius and pixel ratio (cached). */
function stampsFor(renderer, r, dpr, colors) {
  const key = `${r}|${dpr}|${colors.join()}|${renderer.thumbnail}`;
  if (renderer.stampKey === key) return renderer.stamps;
  const size = spriteSize(r, dpr);
  const half = size >> 1;
  const stamps = [];
  for (let k = 0; k < Math.max(1, colors.length); k++) {
    const g = markerSprite(k, colors[k], r, dpr, renderer.thumbnail).getContext('2d');
    const data = g.getImageData(0, 0, size, size).data;
    const px = new Uint32Array(data.buffer.slice(0));
    // the same sprite at UNREAD_ALPHA (unpremultiplied RGBA: only the alpha byte changes)
    const faint = px.map((p) => (((Math.round((p >>> 24) * UNREAD_ALPHA) << 24) | (p & 0xffffff)) >>> 0));
    stamps.push({ size, half, px, faint });
  }
  renderer.stampKey = key;
  renderer.stamps = stamps;
  return stamps;
}
