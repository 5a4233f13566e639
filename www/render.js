// The canvas renderer. It knows models (plain typed arrays) and frames (which two states
// to blend, the view box, which overlays), nothing of playback, wasm or the DOM around it.
//
// Per frame it blends two states into preallocated screen-coordinate buffers (sx, sy), then
// draws the grid, the overlays (overlays.js) and the tokens (tokens.js) from those buffers.

import { drawTargets } from './targets.js';
import { SEQUENCE_COLORS, MAX_SEQUENCE_OUTLINES } from './palette.js';
import { groupBy } from './extents.js';
import { drawTokens, drawOutlines, STAMP_MIN_TOKENS } from './tokens.js';
import { GlDots } from './gldots.js';
import { drawCounts, drawSequenceLines, drawHighlight, drawEdges, drawTrails, drawHover, drawFailing } from './overlays.js';
import { drawTentStrips, drawTentArrows, drawCopies } from './moves.js';
import { drawAnchors, drawDirections, drawLegend, COMPASS_WIDTH } from './keys.js';
import { label } from './drawkit.js';

const BACKGROUND = '#ffffff';
/** Trails, edges and sequence lines are drawn for at most about this many tokens (an even sample). */
export const OVERLAY_MAX_TOKENS = 3000;
/** Counts of coincident tokens are written while there are at most this many tokens. */
const COUNT_MAX_TOKENS = 400;
const PAD_PX = 40;
/** From this many tokens on, the screen's markers go to the WebGL2 layer (gldots.js) when there is one. */
export const GL_MIN_TOKENS = STAMP_MIN_TOKENS;

export class Renderer {
  /** @param canvas a <canvas>; `thumbnail` draws a lighter picture (no labels, no grid text). */
  constructor(canvas, { thumbnail = false } = {}) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d');
    this.thumbnail = thumbnail;
    this.cssW = canvas.width;
    this.cssH = canvas.height;
    this.dpr = 1;
    this.sx = new Float32Array(0);
    this.sy = new Float32Array(0);
    this.model = null;
    this.outlineGroups = null;
    this.transform = { scale: 1, ox: 0, oy: 0 };
    this.screenCtx = this.ctx;
    // WebGL2 markers: 'auto' (big models), 'on' (always, where possible) or 'off' (2D only)
    this.webgl = 'auto';
    this.glDots = undefined; // made on first use; null when WebGL2 is unavailable
    this.usedGl = false; // whether the last screen frame drew its markers with WebGL
    this.drawn = 0; // markers drawn in the last frame
    this.pairCache = null;
  }

  /** Matches the backing store to the CSS size times devicePixelRatio (HiDPI). */
  resize(cssW, cssH, dpr = window.devicePixelRatio || 1) {
    this.cssW = Math.max(1, Math.round(cssW));
    this.cssH = Math.max(1, Math.round(cssH));
    this.dpr = dpr;
    this.canvas.width = Math.round(this.cssW * dpr);
    this.canvas.height = Math.round(this.cssH * dpr);
    this.canvas.style.width = `${this.cssW}px`;
    this.canvas.style.height = `${this.cssH}px`;
    this.glDots?.resize(this.canvas.width, this.canvas.height, this.cssW, this.cssH);
  }

  /**
   * The WebGL2 layer if this frame's markers go there (the screen, not a pane of the split
   * view, an export or a thumbnail; webgl 'on', or 'auto' and a big model), else null.
   */
  glLayer() {
    const onScreen = !this.thumbnail && this.ctx === this.screenCtx && !this.inPane;
    if (!onScreen) return null;
    const want = this.model && (this.webgl === 'on' || (this.webgl === 'auto' && this.model.T >= GL_MIN_TOKENS));
    if (want && this.glDots === undefined) {
      this.glDots = GlDots.under(this.canvas);
      this.glDots?.resize(this.canvas.width, this.canvas.height, this.cssW, this.cssH);
    }
    const gl = want && this.glDots?.ready ? this.glDots : null;
    this.usedGl = Boolean(gl);
    if (!gl) this.glDots?.hide();
    return gl;
  }

  /** States k-1 and k one after the other (2 x 2T numbers): what the tent arrows read. */
  pairOf(k) {
    const c = this.pairCache;
    if (c && c.model === this.model && c.k === k) return c.pos;
    const n = 2 * this.model.T, pos = new Float32Array(2 * n);
    pos.set(this.model.at(k - 1));
    pos.set(this.model.at(k), n);
    this.pairCache = { model: this.model, k, pos };
    return pos;
  }

  setModel(model) {
    this.model = model;
    if (this.sx.length !== model.T) {
      this.sx = new Float32Array(model.T);
      this.sy = new Float32Array(model.T);
    }
    const n = SEQUENCE_COLORS.length;
    const keys = new Uint16Array(model.T);
    for (let i = 0; i < model.T; i++) keys[i] = model.tokenSeq[i] % n;
    this.outlineGroups = groupBy(keys, n);
    this.perSequenceOutline = model.sequences.length <= MAX_SEQUENCE_OUTLINES;
    this.overlayStride = Math.max(1, Math.ceil(model.T / OVERLAY_MAX_TOKENS));
  }

  /** Line width for crowd overlays: a device-pixel hairline once they are sampled. */
  overlayWidth(w) {
    return this.overlayStride > 1 ? 1 / this.dpr : w;
  }

  /** Token marker radius in CSS pixels: smaller as the crowd grows. */
  tokenRadius() {
    const T = Math.max(1, this.model ? this.model.T : 1);
    const r = 6.2 - 1.05 * Math.log10(T);
    return this.thumbnail ? Math.max(1.2, r * 0.5) : Math.min(6, Math.max(2, r));
  }

  /**
   * Sets the data-to-screen transform so that box [x0, y0, x1, y1] fits, y pointing up;
   * `left` CSS pixels on the left are kept free (the compass inset).
   */
  fit(box, left = 0) {
    const pad = this.thumbnail ? 6 : PAD_PX;
    const bw = Math.max(box[2] - box[0], 1e-9), bh = Math.max(box[3] - box[1], 1e-9);
    const free = Math.max(0, Math.min(left, this.cssW / 3));
    // bottomFree: CSS pixels at the bottom that buttons cover (set by the page; none in a thumbnail)
    const below = this.thumbnail ? pad : Math.max(pad, Math.min(this.bottomFree || 0, this.cssH / 3));
    const scale = Math.min((this.cssW - free - 2 * pad) / bw, (this.cssH - pad - below) / bh);
    const cx = (box[0] + box[2]) / 2, cy = (box[1] + box[3]) / 2;
    this.transform = { scale, ox: free + (this.cssW - free) / 2 - cx * scale, oy: (this.cssH + pad - below) / 2 + cy * scale };
  }

  toScreen(x, y) {
    const t = this.transform;
    return [t.ox + x * t.scale, t.oy - y * t.scale];
  }

  toData(px, py) {
    const t = this.transform;
    return [(px - t.ox) / t.scale, (t.oy - py) / t.scale];
  }

  /** The drawn token nearest to (px, py) within maxPx CSS pixels, or -1 (last frame's positions). */
  hitTest(px, py, maxPx = 8) {
    let best = -1, bestD = maxPx * maxPx;
    const { sx, sy } = this;
    for (let i = 0; i < sx.length; i++) {
      const dx = sx[i] - px, dy = sy[i] - py;
      const d = dx * dx + dy * dy;
      if (d <= bestD) (bestD = d), (best = i);
    }
    return best;
  }

  /** Screen position of token i in the last frame drawn. */
  screenOf(i) {
    return [this.sx[i], this.sy[i]];
  }

  /**
   * Draws one frame.
   * frame = { a, b, f, box, positions?, overlays: {edges, tents, dirs, trails, lines},
   *           attentionLayer, tentLayer, showAnchors, hover, pinnedSeq, activeSeq,
   *           focusSeqs: sequences the caption names (highlighted, the rest dimmed) }
   */
  draw(frame) {
    const { ctx, model } = this;
    ctx.setTransform(this.dpr, 0, 0, this.dpr, this.dpr * (this.originX || 0), this.dpr * (this.originY || 0));
    const gl = this.glLayer(); // background and grid go under its markers, this canvas is clear
    if (gl) ctx.clearRect(0, 0, this.cssW, this.cssH);
    const back = gl ? gl.gridCtx : ctx;
    if (gl) back.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    back.fillStyle = BACKGROUND;
    back.fillRect(0, 0, this.cssW, this.cssH);
    if (!model) return (this.drawn = 0), this.glDots?.hide();
    const compass = Boolean(frame.overlays?.dirs && model.directions);
    this.fit(frame.box, compass && !this.thumbnail ? COMPASS_WIDTH : 0);
    const ov = frame.overlays || {};
    const T = model.T;
    const at = frame.positions ? (s) => frame.positions.subarray(2 * s * T, 2 * (s + 1) * T) : (s) => model.at(s);
    // every state in one array (softmax, or a model kept flat): what trails and tent arrows read
    const pos = frame.positions || (model.store.flat ? model.positions : null);
    this.blend(at(frame.a), at(frame.b), frame.f);

    if (!this.thumbnail) this.drawGrid(back);
    // what lies under the markers goes under the WebGL layer too, as in the 2D path
    const top = this.ctx;
    this.ctx = back;
    if (ov.tents && frame.tentLayer) drawTentStrips(this, model.layers[frame.tentLayer].tents);
    if (frame.showAnchors) drawAnchors(this, frame.anchorAlpha ?? 1);
    if (model.targets?.seq.length) drawTargets(this);
    // kept as moves: the start positions only (a path through every state would replay them all)
    if (ov.trails) drawTrails(this, pos || model.at(0), pos ? frame.a : 0, pos ? frame.b : 0, frame.trailSeqs);
    if (ov.lines) drawSequenceLines(this, -1);
    const attention = ov.edges && frame.attentionLayer ? model.attention(frame.attentionLayer) : null;
    if (attention) drawEdges(this, attention, frame.hover);
    this.ctx = top;
    if (gl) {
      this.drawn = gl.draw(this, frame.a, frame.b, frame.f, at);
      if (this.perSequenceOutline) drawOutlines(this);
    } else {
      drawTokens(this);
      this.drawn = T;
    }
    this.labelBoxes = []; // labels and arrows drawn over the tokens, which the counts avoid
    this.arrowSegments = [];
    const focus = frame.pinnedSeq >= 0 || frame.hover >= 0 ? [] : frame.focusSeqs || [];
    focus.forEach((q, j) => drawHighlight(this, q, j === 0));
    if (focus.length && frame.copies) drawCopies(this, frame.copies);
    if (frame.activeSeq >= 0) drawHighlight(this, frame.activeSeq, false);
    if (frame.pinnedSeq >= 0) drawHighlight(this, frame.pinnedSeq, true);
    if (ov.tents && frame.tentLayer) {
      const k = frame.tentLayer;
      drawTentArrows(this, model.layers[k].tents, pos || this.pairOf(k), pos ? k : 1);
    }
    if (ov.dirs && model.directions) drawDirections(this, model.directions);
    const copies = focus.length && frame.copies?.length ? new Set(frame.copies.map((c) => c.i)) : null;
    this.counts = !this.thumbnail && model.T <= COUNT_MAX_TOKENS ? drawCounts(this, copies) : [];
    if (frame.failing?.length) drawFailing(this, frame.failing, frame.b === model.L);
    if (frame.title && !this.thumbnail) label(ctx, frame.title, 10, 14, '#111', 'bold 13px');
    if (frame.legend && frame.legendOnCanvas) drawLegend(this, frame.legend);
    if (frame.hover >= 0) drawHover(this, frame.hover, attention);
  }

  /**
   * Two frames side by side: `left` (hardmax) and `right` (softmax), each fitted to its half.
   * The left one is drawn last, so hit tests and screen positions refer to it.
   */
  drawSplit(left, right) {
    const { ctx } = this;
    const W = this.cssW, half = Math.floor(W / 2);
    this.pane(right, half, W - half);
    this.pane(left, 0, half);
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, this.dpr * (this.originY || 0));
    ctx.fillStyle = '#9aa5b1';
    ctx.fillRect(half - 1, 0, 2, this.cssH);
  }

  /**
   * Runs `paint` with the drawing sent to another context (an export), the picture's top-left
   * corner at (0, top) of that context, at pixel ratio `dpr`; the screen's context comes back after.
   */
  drawInto(ctx, { top = 0, dpr = 1 } = {}, paint) {
    const keep = { ctx: this.ctx, dpr: this.dpr, originY: this.originY };
    Object.assign(this, { ctx, dpr, originY: top });
    ctx.save();
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.beginPath();
    ctx.rect(0, top, this.cssW, this.cssH); // marks reaching past the picture stay in it
    ctx.clip();
    try {
      paint();
    } finally {
      ctx.restore();
      Object.assign(this, keep);
    }
  }

  /** Draws a frame into the vertical strip [x0, x0 + w) of the canvas, clipped to it. */
  pane(frame, x0, w) {
    const { ctx } = this;
    const keep = this.cssW;
    ctx.save();
    ctx.setTransform(this.dpr, 0, 0, this.dpr, this.dpr * x0, this.dpr * (this.originY || 0));
    ctx.beginPath();
    ctx.rect(0, 0, w, this.cssH);
    ctx.clip();
    this.cssW = w;
    this.originX = x0;
    this.inPane = true;
    try {
      this.draw(frame);
    } finally {
      this.inPane = false;
      this.cssW = keep;
      this.originX = 0;
      ctx.restore();
    }
  }

  /** Screen positions (sx, sy) of state pa blended toward pb by f (each 2T numbers). */
  blend(pa, pb, f) {
    const { sx, sy, model } = this;
    const T = model.T, t = this.transform;
    const g = f, h = 1 - f;
    for (let i = 0; i < T; i++) {
      const x = h * pa[2 * i] + g * pb[2 * i];
      const y = h * pa[2 * i + 1] + g * pb[2 * i + 1];
      sx[i] = t.ox + x * t.scale;
      sy[i] = t.oy - y * t.scale;
    }
  }

  drawGrid(ctx = this.ctx) {
    const [x0, y1] = this.toData(0, 0);
    const [x1, y0] = this.toData(this.cssW, this.cssH);
    const step = niceStep((x1 - x0) / 8);
    ctx.beginPath();
    for (let x = Math.ceil(x0 / step) * step; x <= x1; x += step) {
      const [px] = this.toScreen(x, 0);
      ctx.moveTo(Math.round(px) + 0.5, 0);
      ctx.lineTo(Math.round(px) + 0.5, this.cssH);
    }
    for (let y = Math.ceil(y0 / step) * step; y <= y1; y += step) {
      const [, py] = this.toScreen(0, y);
      ctx.moveTo(0, Math.round(py) + 0.5);
      ctx.lineTo(this.cssW, Math.round(py) + 0.5);
    }
    ctx.strokeStyle = '#eef1f4';
    ctx.lineWidth = 1;
    ctx.stroke();
    ctx.fillStyle = '#a4adb6';
    ctx.font = '10px system-ui, sans-serif';
    ctx.textBaseline = 'top';
    ctx.textAlign = 'left';
    const digits = Math.max(0, -Math.floor(Math.log10(step)));
    const tick = (v) => (Math.abs(v) < step * 1e-6 ? 0 : v).toFixed(digits);
    for (let x = Math.ceil(x0 / step) * step; x <= x1; x += step) {
      const [px] = this.toScreen(x, 0);
      ctx.fillText(tick(x), px + 2, this.cssH - 13);
    }
    for (let y = Math.ceil(y0 / step) * step; y <= y1; y += step) {
      const [, py] = this.toScreen(0, y);
      ctx.fillText(tick(y), 3, py + 2);
    }
  }
}

export function niceStep(raw) {
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  const m = raw / p;
  return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}
