// The token markers of big models on a WebGL2 layer under the 2D canvas. The 2D canvas
// (render.js) keeps everything else — overlays, labels, tents, anchors — with a transparent
// background; this layer paints one point sprite per token, over a third (2D) canvas that
// holds the background and the grid, so that the grid stays under the markers as before. Each class's sprite is the very marker the 2D crowd path stamps (tokens.js), and each
// point lands on the same device pixel as its stamp would: the center is rounded exactly as
// the stamp's corner is, so the two pictures match pixel for pixel up to blending.
//
// Playback tweens on the GPU: the layer holds two state buffers (states a and b, uploaded
// once each when they change) and blends them by f in the vertex shader, so a frame costs
// one draw call whatever the number of tokens.

import { markerSprite, spriteSize, tokenAlphas } from './tokens.js';

const VERTEX = `#version 300 es
in vec2 aA;
in vec2 aB;
in float aClass;
in float aAlpha;      // 1, or UNREAD_ALPHA for a token an interpolation does not read
uniform float uF;
uniform vec3 uT;      // scale, ox, oy: data to CSS pixels (y up)
uniform float uDpr;
uniform vec2 uView;   // drawing buffer, device pixels
uniform float uSize;  // sprite side, device pixels
flat out float vClass;
flat out float vAlpha;
void main() {
  vec2 p = mix(aA, aB, uF);
  vec2 s = vec2(uT.y + p.x * uT.x, uT.z - p.y * uT.x) * uDpr;
  vec2 d = floor(s + 0.5) + 0.5; // the stamp's center pixel: round(s) (its corner is round(s) - half)
  gl_Position = vec4(2.0 * d.x / uView.x - 1.0, 1.0 - 2.0 * d.y / uView.y, 0.0, 1.0);
  gl_PointSize = uSize;
  vClass = aClass;
  vAlpha = aAlpha;
}`;

const FRAGMENT = `#version 300 es
precision mediump float;
precision mediump sampler2DArray;
uniform sampler2DArray uSprites;
flat in float vClass;
flat in float vAlpha;
out vec4 color;
void main() {
  color = texture(uSprites, vec3(gl_PointCoord, vClass)) * vAlpha; // premultiplied: every channel
  if (color.a == 0.0) discard;
}`;

export class GlDots {
  /** A WebGL2 layer (and the grid's canvas) under `canvas`, or null when WebGL2 is unavailable. */
  static under(canvas) {
    if (!canvas.parentNode || typeof WebGL2RenderingContext === 'undefined') return null;
    const layer = behind('gl-dots');
    let gl = null;
    try {
      gl = layer.getContext('webgl2', { alpha: true, antialias: false, premultipliedAlpha: true, preserveDrawingBuffer: false });
    } catch {
      gl = null;
    }
    if (!gl) return null;
    const dots = new GlDots(layer, gl, behind('gl-grid'));
    if (!dots.program) return null;
    canvas.parentNode.insertBefore(dots.grid, canvas);
    canvas.parentNode.insertBefore(layer, canvas);
    return dots;
  }

  constructor(layer, gl, grid) {
    Object.assign(this, { layer, gl, grid });
    this.gridCtx = grid.getContext('2d');
    this.program = link(gl);
    if (!this.program) return;
    this.loc = {};
    for (const u of ['uF', 'uT', 'uDpr', 'uView', 'uSize', 'uSprites']) this.loc[u] = gl.getUniformLocation(this.program, u);
    this.vao = gl.createVertexArray();
    this.buf = { a: gl.createBuffer(), b: gl.createBuffer(), cls: gl.createBuffer(), alpha: gl.createBuffer(), order: gl.createBuffer() };
    this.texture = gl.createTexture();
    this.model = null;
    this.held = { a: -1, b: -1 }; // which state each buffer holds
    this.spriteKey = '';
    this.lost = false;
    layer.addEventListener('webglcontextlost', (e) => (e.preventDefault(), (this.lost = true)));
    this.shown = true;
    this.hide();
  }

  /** Whether the layer can draw now. */
  get ready() {
    return !this.lost && !this.gl.isContextLost();
  }

  show() {
    if (!this.shown) this.layer.style.visibility = this.grid.style.visibility = 'visible';
    this.shown = true;
  }

  /** Hides the layers (a frame the 2D canvas draws whole: small data, split view, fallback). */
  hide() {
    if (this.shown) this.layer.style.visibility = this.grid.style.visibility = 'hidden';
    this.shown = false;
  }

  /** Matches the layer to the 2D canvas (device pixels and CSS size). */
  resize(width, height, cssW, cssH) {
    for (const c of [this.layer, this.grid]) {
      if (c.width !== width) c.width = width;
      if (c.height !== height) c.height = height;
      c.style.width = `${cssW}px`;
      c.style.height = `${cssH}px`;
    }
  }

  /**
   * A new model: the class and opacity of every token and the draw order (class by class, as
   * the 2D path).
   */
  setModel(model) {
    const { gl } = this;
    this.model = model;
    this.held = { a: -1, b: -1 };
    gl.bindVertexArray(this.vao);
    const prog = this.program;
    const attr = (name, buffer, size, type) => {
      const at = gl.getAttribLocation(prog, name);
      gl.bindBuffer(gl.ARRAY_BUFFER, buffer);
      gl.enableVertexAttribArray(at);
      gl.vertexAttribPointer(at, size, type, false, 0, 0);
    };
    gl.bindBuffer(gl.ARRAY_BUFFER, this.buf.a);
    gl.bufferData(gl.ARRAY_BUFFER, 8 * model.T, gl.DYNAMIC_DRAW);
    gl.bindBuffer(gl.ARRAY_BUFFER, this.buf.b);
    gl.bufferData(gl.ARRAY_BUFFER, 8 * model.T, gl.DYNAMIC_DRAW);
    gl.bindBuffer(gl.ARRAY_BUFFER, this.buf.cls);
    gl.bufferData(gl.ARRAY_BUFFER, model.tokenClass, gl.STATIC_DRAW);
    attr('aA', this.buf.a, 2, gl.FLOAT);
    attr('aB', this.buf.b, 2, gl.FLOAT);
    attr('aClass', this.buf.cls, 1, gl.UNSIGNED_SHORT);
    gl.bindBuffer(gl.ARRAY_BUFFER, this.buf.alpha);
    gl.bufferData(gl.ARRAY_BUFFER, tokenAlphas(model), gl.STATIC_DRAW);
    attr('aAlpha', this.buf.alpha, 1, gl.FLOAT);
    gl.bindBuffer(gl.ELEMENT_ARRAY_BUFFER, this.buf.order);
    gl.bufferData(gl.ELEMENT_ARRAY_BUFFER, model.classOrder.order, gl.STATIC_DRAW);
    gl.bindVertexArray(null);
  }

  /** Puts state `state`'s positions into buffer `slot` ('a' or 'b') unless it holds them already. */
  hold(slot, state, positions) {
    if (this.held[slot] === state) return;
    const { gl } = this;
    gl.bindBuffer(gl.ARRAY_BUFFER, this.buf[slot]);
    gl.bufferSubData(gl.ARRAY_BUFFER, 0, positions());
    this.held[slot] = state;
  }

  /** The class sprites at radius r (CSS px) and pixel ratio dpr, as layers of a texture array. */
  sprites(colors, r, dpr) {
    const key = `${r}|${dpr}|${colors.join()}`;
    if (key === this.spriteKey) return;
    const { gl } = this;
    const size = spriteSize(r, dpr), n = Math.max(1, colors.length);
    gl.bindTexture(gl.TEXTURE_2D_ARRAY, this.texture);
    gl.pixelStorei(gl.UNPACK_PREMULTIPLY_ALPHA_WEBGL, true);
    gl.texImage3D(gl.TEXTURE_2D_ARRAY, 0, gl.RGBA8, size, size, n, 0, gl.RGBA, gl.UNSIGNED_BYTE, null);
    for (let k = 0; k < n; k++) {
      gl.texSubImage3D(gl.TEXTURE_2D_ARRAY, 0, 0, 0, k, size, size, 1, gl.RGBA, gl.UNSIGNED_BYTE, markerSprite(k, colors[k], r, dpr));
    }
    for (const p of [gl.TEXTURE_MIN_FILTER, gl.TEXTURE_MAG_FILTER]) gl.texParameteri(gl.TEXTURE_2D_ARRAY, p, gl.NEAREST);
    gl.texParameteri(gl.TEXTURE_2D_ARRAY, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
    gl.texParameteri(gl.TEXTURE_2D_ARRAY, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
    this.spriteKey = key;
    this.size = size;
  }

  /**
   * Paints the background and every token of state a blended toward state b by f, with the
   * renderer's transform and marker radius; positions(s) gives a state's 2T numbers (asked
   * only when that state is not on the GPU yet). Returns the number of tokens drawn.
   */
  draw(renderer, a, b, f, positions) {
    if (this.model !== renderer.model) this.setModel(renderer.model);
    const { gl, model } = this;
    // the buffer already holding a state keeps it (playback steps a -> b, then b -> c)
    if (this.held.b === a && this.held.a !== a) this.swap();
    this.hold('a', a, () => positions(a));
    this.hold('b', b, () => positions(b));
    this.sprites(model.classColors, renderer.tokenRadius(), renderer.dpr);
    const W = this.layer.width, H = this.layer.height;
    gl.viewport(0, 0, W, H);
    gl.clearColor(0, 0, 0, 0);
    gl.clear(gl.COLOR_BUFFER_BIT);
    gl.useProgram(this.program);
    const t = renderer.transform;
    gl.uniform1f(this.loc.uF, f);
    gl.uniform3f(this.loc.uT, t.scale, t.ox, t.oy);
    gl.uniform1f(this.loc.uDpr, renderer.dpr);
    gl.uniform2f(this.loc.uView, W, H);
    gl.uniform1f(this.loc.uSize, this.size);
    gl.activeTexture(gl.TEXTURE0);
    gl.bindTexture(gl.TEXTURE_2D_ARRAY, this.texture);
    gl.uniform1i(this.loc.uSprites, 0);
    gl.enable(gl.BLEND);
    gl.blendFunc(gl.ONE, gl.ONE_MINUS_SRC_ALPHA);
    gl.bindVertexArray(this.vao);
    gl.drawElements(gl.POINTS, model.T, gl.UNSIGNED_INT, 0);
    gl.bindVertexArray(null);
    this.show();
    return model.T;
  }

  /** Swaps the roles of the two state buffers (no upload). */
  swap() {
    [this.buf.a, this.buf.b] = [this.buf.b, this.buf.a];
    [this.held.a, this.held.b] = [this.held.b, this.held.a];
    const { gl } = this;
    gl.bindVertexArray(this.vao);
    for (const [name, buffer] of [['aA', this.buf.a], ['aB', this.buf.b]]) {
      const at = gl.getAttribLocation(this.program, name);
      gl.bindBuffer(gl.ARRAY_BUFFER, buffer);
      gl.vertexAttribPointer(at, 2, gl.FLOAT, false, 0, 0);
    }
    gl.bindVertexArray(null);
  }

  /**
   * The RGBA of device pixel (x, y) (from the top left) of the markers just drawn, alpha
   * premultiplied (tests).
   */
  pixel(x, y) {
    const out = new Uint8Array(4);
    this.gl.readPixels(x, this.layer.height - 1 - y, 1, 1, this.gl.RGBA, this.gl.UNSIGNED_BYTE, out);
    return Array.from(out);
  }
}

/** A canvas for the stack under the 2D one: no pointer events, hidden from assistive tech. */
function behind(className) {
  const c = document.createElement('canvas');
  c.className = className;
  c.setAttribute('aria-hidden', 'true');
  c.style.pointerEvents = 'none';
  return c;
}

function link(gl) {
  const shader = (type, text) => {
    const s = gl.createShader(type);
    gl.shaderSource(s, text);
    gl.compileShader(s);
    return gl.getShaderParameter(s, gl.COMPILE_STATUS) ? s : null;
  };
  const vs = shader(gl.VERTEX_SHADER, VERTEX), fs = shader(gl.FRAGMENT_SHADER, FRAGMENT);
  if (!vs || !fs) return null;
  const p = gl.createProgram();
  gl.attachShader(p, vs);
  gl.attachShader(p, fs);
  gl.linkProgram(p);
  return gl.getProgramParameter(p, gl.LINK_STATUS) ? p : null;
}
