// An SVG recorder: the subset of the Canvas 2D API the page's drawing code uses (paths, arcs,
// rectangles, text, dashes, alpha, transforms of scale and translation, save/restore, clip,
// drawImage of a canvas), writing SVG elements instead of pixels. The same code that paints
// the screen paints the SVG export, so the file shows what the screen shows.

const NUM = (x) => (Number.isFinite(x) ? String(Math.round(x * 100) / 100) : '0');

function esc(s) {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Splits a CSS font shorthand as the page writes it ("bold 12px system-ui, sans-serif"). */
function parseFont(font) {
  const m = /^\s*((?:(?:italic|bold|normal|[1-9]00)\s+)*)(\d+(?:\.\d+)?)px\s+(.+)$/.exec(font || '');
  if (!m) return { weight: 'normal', size: 10, family: 'sans-serif' };
  return { weight: /bold|[6-9]00/.test(m[1]) ? 'bold' : 'normal', size: Number(m[2]), family: m[3] };
}

export class SvgContext {
  /** @param width, height  the picture's size in CSS pixels */
  constructor(width, height) {
    this.width = width;
    this.height = height;
    this.parts = [];
    this.defs = [];
    this.clips = 0;
    this.stack = [];
    this.state = {
      fillStyle: '#000', strokeStyle: '#000', lineWidth: 1, font: '10px sans-serif', textAlign: 'start',
      textBaseline: 'alphabetic', globalAlpha: 1, lineJoin: 'miter', lineCap: 'butt', dash: [],
      m: [1, 0, 0, 1, 0, 0], clip: null,
    };
    this.path = [];
    this.cur = null;
    this.measurer = document.createElement('canvas').getContext('2d');
  }

  // --- state ---
  get fillStyle() { return this.state.fillStyle; }
  set fillStyle(v) { this.state.fillStyle = v; }
  get strokeStyle() { return this.state.strokeStyle; }
  set strokeStyle(v) { this.state.strokeStyle = v; }
  get lineWidth() { return this.state.lineWidth; }
  set lineWidth(v) { this.state.lineWidth = v; }
  get font() { return this.state.font; }
  set font(v) { this.state.font = v; }
  get textAlign() { return this.state.textAlign; }
  set textAlign(v) { this.state.textAlign = v; }
  get textBaseline() { return this.state.textBaseline; }
  set textBaseline(v) { this.state.textBaseline = v; }
  get globalAlpha() { return this.state.globalAlpha; }
  set globalAlpha(v) { this.state.globalAlpha = v; }
  get lineJoin() { return this.state.lineJoin; }
  set lineJoin(v) { this.state.lineJoin = v; }
  get lineCap() { return this.state.lineCap; }
  set lineCap(v) { this.state.lineCap = v; }

  save() {
    this.stack.push({ ...this.state, m: [...this.state.m], dash: [...this.state.dash] });
  }

  restore() {
    if (this.stack.length) this.state = this.stack.pop();
  }

  setTransform(a, b, c, d, e, f) {
    this.state.m = [a, b, c, d, e, f];
  }

  translate(x, y) {
    const m = this.state.m;
    m[4] += m[0] * x + m[2] * y;
    m[5] += m[1] * x + m[3] * y;
  }

  scale(sx, sy) {
    const m = this.state.m;
    m[0] *= sx;
    m[1] *= sx;
    m[2] *= sy;
    m[3] *= sy;
  }

  setLineDash(d) {
    this.state.dash = [...d];
  }

  getLineDash() {
    return [...this.state.dash];
  }

  /** Point (x, y) in picture coordinates. */
  pt(x, y) {
    const m = this.state.m;
    return [m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]];
  }

  get k() {
    const m = this.state.m;
    return Math.sqrt(Math.abs(m[0] * m[3] - m[1] * m[2])) || 1;
  }

  // --- paths ---
  beginPath() {
    this.path = [];
    this.cur = null;
  }

  moveTo(x, y) {
    const [px, py] = this.pt(x, y);
    this.path.push(`M${NUM(px)} ${NUM(py)}`);
    this.cur = [px, py];
    this.start = [px, py];
  }

  lineTo(x, y) {
    const [px, py] = this.pt(x, y);
    this.path.push(`${this.cur ? 'L' : 'M'}${NUM(px)} ${NUM(py)}`);
    if (!this.cur) this.start = [px, py];
    this.cur = [px, py];
  }

  closePath() {
    if (this.path.length) this.path.push('Z');
    if (this.start) this.cur = [...this.start];
  }

  rect(x, y, w, h) {
    this.moveTo(x, y);
    this.lineTo(x + w, y);
    this.lineTo(x + w, y + h);
    this.lineTo(x, y + h);
    this.closePath();
  }

  arc(x, y, r, a0, a1, ccw = false) {
    const k = this.k;
    const [cx, cy] = this.pt(x, y);
    const R = r * k;
    const p = (a) => [cx + R * Math.cos(a), cy + R * Math.sin(a)];
    let sweep = ccw ? a0 - a1 : a1 - a0;
    const [sx, sy] = p(a0);
    this.path.push(`${this.cur ? 'L' : 'M'}${NUM(sx)} ${NUM(sy)}`);
    if (!this.cur) this.start = [sx, sy];
    const flag = ccw ? 0 : 1;
    if (sweep >= 2 * Math.PI - 1e-9) {
      const mid = p(a0 + (ccw ? -Math.PI : Math.PI));
      this.path.push(`A${NUM(R)} ${NUM(R)} 0 0 ${flag} ${NUM(mid[0])} ${NUM(mid[1])}`);
      this.path.push(`A${NUM(R)} ${NUM(R)} 0 0 ${flag} ${NUM(sx)} ${NUM(sy)}`);
      this.cur = [sx, sy];
      return;
    }
    sweep = ((sweep % (2 * Math.PI)) + 2 * Math.PI) % (2 * Math.PI);
    const [ex, ey] = p(a1);
    this.path.push(`A${NUM(R)} ${NUM(R)} 0 ${sweep > Math.PI ? 1 : 0} ${flag} ${NUM(ex)} ${NUM(ey)}`);
    this.cur = [ex, ey];
  }

  // --- painting ---
  clipAttr() {
    return this.state.clip ? ` clip-path="url(#${this.state.clip})"` : '';
  }

  fill() {
    if (!this.path.length) return;
    const a = this.state.globalAlpha;
    this.parts.push(`<path d="${this.path.join('')}" fill="${esc(this.state.fillStyle)}"${a < 1 ? ` fill-opacity="${NUM(a)}"` : ''}${this.clipAttr()}/>`);
  }

  stroke() {
    if (!this.path.length) return;
    const s = this.state, a = s.globalAlpha, k = this.k;
    const dash = s.dash.length ? ` stroke-dasharray="${s.dash.map((d) => NUM(d * k)).join(' ')}"` : '';
    this.parts.push(
      `<path d="${this.path.join('')}" fill="none" stroke="${esc(s.strokeStyle)}" stroke-width="${NUM(s.lineWidth * k)}" stroke-linejoin="${s.lineJoin}" stroke-linecap="${s.lineCap}"${dash}${a < 1 ? ` stroke-opacity="${NUM(a)}"` : ''}${this.clipAttr()}/>`,
    );
  }

  clip() {
    const id = `clip${++this.clips}`;
    this.defs.push(`<clipPath id="${id}"><path d="${this.path.join('')}"/></clipPath>`);
    this.state.clip = id;
  }

  fillRect(x, y, w, h) {
    const keep = this.path;
    this.beginPath();
    this.rect(x, y, w, h);
    this.fill();
    this.path = keep;
  }

  strokeRect(x, y, w, h) {
    const keep = this.path;
    this.beginPath();
    this.rect(x, y, w, h);
    this.stroke();
    this.path = keep;
  }

  clearRect(x, y, w, h) {
    const keep = this.state.fillStyle;
    this.state.fillStyle = '#ffffff';
    this.fillRect(x, y, w, h);
    this.state.fillStyle = keep;
  }

  measureText(text) {
    this.measurer.font = this.state.font;
    return this.measurer.measureText(text);
  }

  text(text, x, y, paint) {
    const s = this.state, k = this.k;
    const f = parseFont(s.font);
    const [px, py] = this.pt(x, y);
    const anchor = { center: 'middle', right: 'end', end: 'end' }[s.textAlign] || 'start';
    const base = { middle: 'central', top: 'text-before-edge', hanging: 'hanging', bottom: 'text-after-edge' }[s.textBaseline] || 'alphabetic';
    this.parts.push(
      `<text x="${NUM(px)}" y="${NUM(py)}" font-family="${esc(f.family)}" font-size="${NUM(f.size * k)}"${f.weight === 'bold' ? ' font-weight="bold"' : ''} text-anchor="${anchor}" dominant-baseline="${base}" ${paint}${this.clipAttr()}>${esc(text)}</text>`,
    );
  }

  fillText(text, x, y) {
    const a = this.state.globalAlpha;
    this.text(text, x, y, `fill="${esc(this.state.fillStyle)}"${a < 1 ? ` fill-opacity="${NUM(a)}"` : ''}`);
  }

  strokeText(text, x, y) {
    this.text(text, x, y, `fill="none" stroke="${esc(this.state.strokeStyle)}" stroke-width="${NUM(this.state.lineWidth * this.k)}" stroke-linejoin="round"`);
  }

  /** Only whole canvases are drawn (the crowd of stamped tokens): embedded as a PNG. */
  drawImage(image, x = 0, y = 0, w = image.width, h = image.height) {
    if (!image.toDataURL) return;
    const [px, py] = this.pt(x, y);
    const m = this.state.m;
    this.parts.push(`<image x="${NUM(px)}" y="${NUM(py)}" width="${NUM(w * m[0])}" height="${NUM(h * m[3])}" href="${image.toDataURL('image/png')}"${this.clipAttr()}/>`);
  }

  /** The SVG document. */
  toString() {
    return [
      `<svg xmlns="http://www.w3.org/2000/svg" width="${NUM(this.width)}" height="${NUM(this.height)}" viewBox="0 0 ${NUM(this.width)} ${NUM(this.height)}">`,
      this.defs.length ? `<defs>${this.defs.join('')}</defs>` : '',
      ...this.parts,
      '</svg>',
      '',
    ].join('\n');
  }
}
