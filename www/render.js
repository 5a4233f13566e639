// The canvas renderer. It knows models (plain typed arrays) and frames (which two states
// to blend, the view box, which overlays), nothing of playback, wasm or the DOM around it.
//
// Per frame it blends two states into preallocated screen-coordinate buffers, then draws
// tokens batched by style: one path per class for fills (shape = class), one per outline
// color for strokes — no per-token save/restore, no allocation, no wasm calls.

import {
  classShape, sequenceColor, shapePath, SEQUENCE_COLORS, MAX_SEQUENCE_OUTLINES,
  TENT_COLORS, DIRECTION_COLORS,
} from './palette.js';
import { groupBy } from './model.js';

const BACKGROUND = '#ffffff';
/** From this many drawn tokens on, markers are stamped from sprites instead of filled as paths. */
export const STAMP_MIN_TOKENS = 1500;
/** Trails, edges and sequence lines are drawn for at most about this many tokens (an even sample). */
export const OVERLAY_MAX_TOKENS = 3000;
/** Counts of coincident tokens are written while there are at most this many tokens. */
const COUNT_MAX_TOKENS = 400;
const PAD_PX = 40;

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

  /** Sets the data-to-screen transform so that box [x0, y0, x1, y1] fits, y pointing up. */
  fit(box) {
    const pad = this.thumbnail ? 6 : PAD_PX;
    const bw = Math.max(box[2] - box[0], 1e-9), bh = Math.max(box[3] - box[1], 1e-9);
    const scale = Math.min((this.cssW - 2 * pad) / bw, (this.cssH - 2 * pad) / bh);
    const cx = (box[0] + box[2]) / 2, cy = (box[1] + box[3]) / 2;
    this.transform = { scale, ox: this.cssW / 2 - cx * scale, oy: this.cssH / 2 + cy * scale };
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
   *           attentionLayer, tentLayer, showAnchors, hover, pinnedSeq, activeSeq }
   */
  draw(frame) {
    const { ctx, model } = this;
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.fillStyle = BACKGROUND;
    ctx.fillRect(0, 0, this.cssW, this.cssH);
    if (!model) return;
    this.fit(frame.box);
    const ov = frame.overlays || {};
    const pos = frame.positions || model.positions;
    this.blend(pos, frame.a, frame.b, frame.f);

    if (!this.thumbnail) this.drawGrid();
    if (ov.tents && frame.tentLayer) this.drawTentStrips(model.layers[frame.tentLayer].tents);
    if (frame.showAnchors) this.drawAnchors();
    if (ov.trails) this.drawTrails(pos, frame.a, frame.b);
    if (ov.lines) this.drawSequenceLines(-1);
    const attention = ov.edges && frame.attentionLayer ? model.attention(frame.attentionLayer) : null;
    if (attention) this.drawEdges(attention, frame.hover);
    this.drawTokens();
    if (frame.activeSeq >= 0) this.drawHighlight(frame.activeSeq, false);
    if (frame.pinnedSeq >= 0) this.drawHighlight(frame.pinnedSeq, true);
    if (ov.tents && frame.tentLayer) this.drawTentArrows(model.layers[frame.tentLayer].tents);
    if (ov.dirs && model.directions) this.drawDirections(model.directions);
    if (!this.thumbnail && model.T <= COUNT_MAX_TOKENS) this.drawCounts();
    if (frame.hover >= 0) this.drawHover(frame.hover, attention);
  }

  /** "×3" beside every spot where several tokens coincide (shared tokens, collapsed clusters). */
  drawCounts() {
    const { ctx, sx, sy } = this;
    const spots = new Map();
    for (let i = 0; i < sx.length; i++) {
      const key = `${Math.round(sx[i] * 2)},${Math.round(sy[i] * 2)}`;
      const s = spots.get(key);
      if (s) s.n++;
      else spots.set(key, { n: 1, i });
    }
    const r = this.tokenRadius();
    for (const { n, i } of spots.values()) {
      if (n > 1) label(ctx, `×${n}`, sx[i] + r + 2, sy[i] - r - 3, '#3b4450', '10px');
    }
  }

  blend(pos, a, b, f) {
    const { sx, sy, model } = this;
    const T = model.T, t = this.transform;
    const ba = 2 * a * T, bb = 2 * b * T;
    const g = f, h = 1 - f;
    for (let i = 0; i < T; i++) {
      const x = h * pos[ba + 2 * i] + g * pos[bb + 2 * i];
      const y = h * pos[ba + 2 * i + 1] + g * pos[bb + 2 * i + 1];
      sx[i] = t.ox + x * t.scale;
      sy[i] = t.oy - y * t.scale;
    }
  }

  drawGrid() {
    const { ctx } = this;
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

  drawTokens() {
    if (this.model.T >= STAMP_MIN_TOKENS) return this.drawTokensStamped();
    const { ctx, model, sx, sy } = this;
    const r = this.tokenRadius();
    const { order, start } = model.classOrder;
    const stroke = this.perSequenceOutline && !this.thumbnail;
    for (let k = 0; k + 1 < start.length; k++) {
      if (start[k] === start[k + 1]) continue;
      const shape = classShape(k);
      ctx.beginPath();
      for (let j = start[k]; j < start[k + 1]; j++) {
        const i = order[j];
        shapePath(ctx, shape, sx[i], sy[i], r);
      }
      ctx.fillStyle = model.classColors[k];
      ctx.fill();
      if (!stroke) {
        ctx.strokeStyle = 'rgba(20, 24, 28, 0.55)';
        ctx.lineWidth = this.thumbnail ? 0.5 : 0.8;
        ctx.stroke();
      }
    }
    if (!stroke) return;
    // A second pass outlines each token in its sequence's color (few sequences only).
    const g = this.outlineGroups;
    ctx.lineWidth = 1.6;
    for (let c = 0; c + 1 < g.start.length; c++) {
      if (g.start[c] === g.start[c + 1]) continue;
      ctx.beginPath();
      for (let j = g.start[c]; j < g.start[c + 1]; j++) {
        const i = g.order[j];
        shapePath(ctx, classShape(model.tokenClass[i]), sx[i], sy[i], r);
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
  drawTokensStamped() {
    const { model, sx, sy, dpr } = this;
    const W = this.canvas.width, H = this.canvas.height;
    const stamps = this.stampsFor(this.tokenRadius(), dpr, model.classColors);
    if (!this.crowd || this.crowd.image.width !== W || this.crowd.image.height !== H) {
      const canvas = document.createElement('canvas');
      canvas.width = W;
      canvas.height = H;
      const image = new ImageData(W, H);
      this.crowd = { canvas, ctx: canvas.getContext('2d'), image, px: new Uint32Array(image.data.buffer) };
    }
    const px = this.crowd.px;
    px.fill(0);
    const { order, start } = model.classOrder;
    for (let k = 0; k + 1 < start.length; k++) {
      const st = stamps[k];
      const size = st.size, half = st.half, sp = st.px;
      for (let j = start[k]; j < start[k + 1]; j++) {
        const i = order[j];
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
    this.crowd.ctx.putImageData(this.crowd.image, 0, 0);
    const { ctx } = this;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(this.crowd.canvas, 0, 0);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  }

  /** One RGBA sprite per class marker at this radius and pixel ratio (cached). */
  stampsFor(r, dpr, colors) {
    const key = `${r}|${dpr}|${colors.join()}|${this.thumbnail}`;
    if (this.stampKey === key) return this.stamps;
    const size = Math.ceil(2 * (r * 1.35 + 1.5) * dpr) | 1;
    const half = size >> 1;
    const stamps = [];
    for (let k = 0; k < Math.max(1, colors.length); k++) {
      const c = document.createElement('canvas');
      c.width = c.height = size;
      const g = c.getContext('2d');
      g.setTransform(dpr, 0, 0, dpr, 0, 0);
      g.beginPath();
      shapePath(g, classShape(k), (half + 0.5) / dpr, (half + 0.5) / dpr, r);
      g.fillStyle = colors[k] || '#888';
      g.fill();
      g.strokeStyle = 'rgba(20, 24, 28, 0.6)';
      g.lineWidth = this.thumbnail ? 0.5 : 0.8;
      g.stroke();
      const data = g.getImageData(0, 0, size, size).data;
      stamps.push({ size, half, px: new Uint32Array(data.buffer.slice(0)) });
    }
    this.stampKey = key;
    this.stamps = stamps;
    return stamps;
  }

  /** Lines joining each sequence's tokens in order (one path per outline color). */
  drawSequenceLines(onlySeq) {
    const { ctx, model, sx, sy } = this;
    const starts = model.seqStarts;
    const colored = this.perSequenceOutline;
    const n = colored ? SEQUENCE_COLORS.length : 1;
    const stride = onlySeq >= 0 ? 1 : this.overlayStride;
    ctx.lineWidth = onlySeq >= 0 ? 2 : this.overlayWidth(1.1);
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

  drawHighlight(q, veil) {
    const { ctx, model, sx, sy } = this;
    if (veil) {
      ctx.fillStyle = 'rgba(255,255,255,0.55)';
      ctx.fillRect(0, 0, this.cssW, this.cssH);
    }
    this.drawSequenceLines(q);
    const r = this.tokenRadius() + 1;
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

  drawEdges(att, hover) {
    const { ctx, sx, sy } = this;
    const leader = att.leader;
    ctx.beginPath();
    for (let i = 0; i < leader.length; i += this.overlayStride) {
      const l = leader[i];
      if (l < 0 || l === i) continue;
      ctx.moveTo(sx[i], sy[i]);
      ctx.lineTo(sx[l], sy[l]);
    }
    ctx.strokeStyle = 'rgba(90, 60, 140, 0.35)';
    ctx.lineWidth = this.overlayWidth(1);
    ctx.stroke();
    // Leaders: a ring around every token that some token attends to.
    if (!att.isLeader) {
      att.isLeader = new Uint8Array(leader.length);
      for (let i = 0; i < leader.length; i++) if (leader[i] >= 0) att.isLeader[leader[i]] = 1;
    }
    const rr = this.tokenRadius() + 3.5;
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

  drawTentStrips(tents) {
    if (!tents || !tents.length) return;
    const { ctx } = this;
    const far = 4 * Math.hypot(this.cssW, this.cssH) / this.transform.scale;
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
        const [px, py] = this.toScreen(x, y);
        if (j) ctx.lineTo(px, py);
        else ctx.moveTo(px, py);
      });
      ctx.closePath();
      ctx.fillStyle = withAlpha(color, 0.12);
      ctx.fill();
      // the tent's crest: the line where the displacement is full
      const [ax, ay] = this.toScreen(c[0] + far * tx, c[1] + far * ty);
      const [bx, by] = this.toScreen(c[0] - far * tx, c[1] - far * ty);
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

  drawTentArrows(tents) {
    if (!tents || !tents.length) return;
    const { ctx } = this;
    for (const t of tents) {
      const color = TENT_COLORS[t.role] || '#888';
      const [x0, y0] = this.toScreen(t.center[0], t.center[1]);
      const [x1, y1] = this.toScreen(t.center[0] + t.shift[0], t.center[1] + t.shift[1]);
      arrow(ctx, x0, y0, x1, y1, color, 2);
      if (!this.thumbnail) label(ctx, t.role, x1 + 6, y1 - 6, color);
    }
  }

  drawAnchors() {
    const { ctx, model } = this;
    const a = model.anchors;
    for (let k = 0; 2 * k + 1 < a.length; k++) {
      const [x, y] = this.toScreen(a[2 * k], a[2 * k + 1]);
      const color = model.classColors[k] || '#888';
      const radii = this.thumbnail ? [6, 3] : [17, 11, 5];
      for (const r of radii) {
        ctx.beginPath();
        ctx.arc(x, y, r, 0, 2 * Math.PI);
        ctx.strokeStyle = color;
        ctx.lineWidth = 1.5;
        ctx.stroke();
      }
      if (!this.thumbnail) {
        const name = model.classes[k] ?? `class ${k}`;
        ctx.font = 'bold 12px system-ui, sans-serif';
        const w = ctx.measureText(name).width;
        const lx = x + 22 + w > this.cssW - 4 ? x - 22 - w : x + 22;
        label(ctx, name, lx, y - 16, '#222', 'bold 12px');
      }
    }
  }

  /** Faint start positions (state 0) and a short trail through the last few states. */
  drawTrails(pos, a, b) {
    const { ctx, model, sx, sy } = this;
    const T = model.T, t = this.transform;
    const stride = this.overlayStride;
    const r = Math.max(1.2, this.tokenRadius() * 0.6);
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
    ctx.lineWidth = this.overlayWidth(1);
    ctx.stroke();
  }

  /**
   * The directions as arrows from directions().origin; when that point is out of view,
   * from a compass in the bottom-left corner instead (they are directions, not places).
   */
  drawDirections(dirs) {
    const { ctx } = this;
    let [ox, oy] = this.toScreen(dirs.origin[0], dirs.origin[1]);
    const len = this.thumbnail ? 18 : 60;
    const margin = len + 24;
    if (!(ox > margin && ox < this.cssW - margin && oy > margin && oy < this.cssH - margin)) {
      ox = margin;
      oy = this.cssH - margin;
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
      if (!this.thumbnail) {
        const n = Math.hypot(v[0], v[1]) || 1;
        label(ctx, name, x1 + (v[0] / n) * 9 - 4, y1 - (v[1] / n) * 9 - 6, DIRECTION_COLORS[name], 'bold 13px');
      }
    }
    ctx.beginPath();
    ctx.arc(ox, oy, 3, 0, 2 * Math.PI);
    ctx.fillStyle = '#333';
    ctx.fill();
  }

  drawHover(i, attention) {
    const { ctx, sx, sy } = this;
    const r = this.tokenRadius() + 4;
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

function label(ctx, text, x, y, color, font = '12px') {
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

export function niceStep(raw) {
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  const m = raw / p;
  return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}
