// The camera: which part of the plane the canvas shows. The eye follows tokens, so the view
// never jumps: within a stage it holds still (one box for every state of the stage: the union
// of their tokens), and between stages it moves with the tokens (blended by the same tween).
// On top of that the user can zoom (wheel, pinch, buttons, + and -), pan (drag), lock the
// view where it is, and reset.

/** Pointer travel (CSS px) that makes a press a drag (pan) instead of a click (pin). */
const DRAG_PX = 5;
const ZOOM_MIN = 0.25, ZOOM_MAX = 64;

export class Camera {
  /**
   * @param canvas   the main canvas (wheel, drag and pinch are read on it)
   * @param renderer its Renderer (screen <-> data)
   * @param redraw   draws the current frame again
   * @param enabled  () => whether the camera may move now (not while drawing)
   * @param els      { zoomIn, zoomOut, reset, lock }: buttons (any may be missing)
   * @param wheel    whether the wheel zooms (not in a figure embedded in an article: it scrolls)
   */
  constructor({ canvas, renderer, redraw, enabled = () => true, els = {}, wheel = true }) {
    Object.assign(this, { canvas, renderer, redraw, enabled, els, wheel });
    this.zoom = 1;
    this.offset = [0, 0];
    this.locked = null; // the box the view was locked at
    this.last = null; // the automatic box of the last frame
    this.stageBoxes = null; // { model, extents, boxes: per state, the box of its stage }
    this.bindPointer();
    els.zoomIn?.addEventListener('click', () => this.zoomBy(1.5));
    els.zoomOut?.addEventListener('click', () => this.zoomBy(1 / 1.5));
    els.reset?.addEventListener('click', () => this.reset());
    els.lock?.addEventListener('click', () => this.setLocked(!this.locked));
  }

  /** What the hook and the tests read: { zoom, offset, locked }. */
  get state() {
    return { zoom: this.zoom, offset: [...this.offset], locked: Boolean(this.locked) };
  }

  /**
   * The box shown for a frame: the stage boxes of states a and b blended by f (the view holds
   * within a stage and glides across a stage boundary), or the locked box; then the user's
   * zoom and pan.
   */
  box(model, a, b, f, extents) {
    const auto = this.locked || blendBoxes(this.stageBox(model, a, extents), this.stageBox(model, b, extents), f);
    this.last = auto;
    return this.userBox(auto);
  }

  /** The box of state k's stage: the union of the view boxes of every state in it. */
  stageBox(model, k, extents) {
    const s = this.stageBoxes;
    if (!s || s.model !== model || s.extents !== extents) this.stageBoxes = { model, extents, boxes: stageBoxes(model, extents) };
    return this.stageBoxes.boxes[Math.min(model.L, Math.max(0, k))];
  }

  userBox(box) {
    if (this.zoom === 1 && !this.offset[0] && !this.offset[1]) return box.slice();
    const cx = (box[0] + box[2]) / 2 + this.offset[0], cy = (box[1] + box[3]) / 2 + this.offset[1];
    const hw = (box[2] - box[0]) / 2 / this.zoom, hh = (box[3] - box[1]) / 2 / this.zoom;
    return [cx - hw, cy - hh, cx + hw, cy + hh];
  }

  /** Zooms by factor k about a screen point (CSS px; the canvas center by default). */
  zoomBy(k, px = this.renderer.cssW / 2, py = this.renderer.cssH / 2) {
    if (!this.last || !this.enabled()) return;
    const zoom = Math.min(ZOOM_MAX, Math.max(ZOOM_MIN, this.zoom * k));
    k = zoom / this.zoom;
    if (k === 1) return;
    // The data point under (px, py) stays there: the view's center moves toward it.
    const [x, y] = this.renderer.toData(px, py);
    const box = this.userBox(this.last);
    const cx = (box[0] + box[2]) / 2, cy = (box[1] + box[3]) / 2;
    const nx = x + (cx - x) / k, ny = y + (cy - y) / k;
    this.zoom = zoom;
    this.offset = [nx - (this.last[0] + this.last[2]) / 2, ny - (this.last[1] + this.last[3]) / 2];
    this.changed();
  }

  /** Moves the view by (dx, dy) CSS pixels (the picture follows the pointer). */
  panBy(dx, dy) {
    if (!this.enabled()) return;
    const s = this.renderer.transform.scale || 1;
    this.offset = [this.offset[0] - dx / s, this.offset[1] + dy / s];
    this.changed();
  }

  /** Holds the view where it is now (or lets it follow the stages again). */
  setLocked(on) {
    this.locked = on && this.last ? this.userBox(this.last) : null;
    this.zoom = 1;
    this.offset = [0, 0];
    this.changed();
  }

  /** Back to the automatic view: no zoom, no pan, not locked. */
  reset() {
    this.zoom = 1;
    this.offset = [0, 0];
    this.locked = null;
    this.changed();
  }

  /** A new model: its own automatic view (a lock or zoom does not carry over to other data). */
  forget() {
    this.reset();
    this.stageBoxes = null;
    this.last = null;
  }

  changed() {
    const lock = this.els.lock;
    if (lock) {
      lock.setAttribute('aria-pressed', String(Boolean(this.locked)));
      lock.title = this.locked ? 'the view is locked: click to follow the stages again' : 'lock the view where it is';
    }
    const reset = this.els.reset;
    if (reset) reset.disabled = !this.locked && this.zoom === 1 && !this.offset[0] && !this.offset[1];
    this.redraw();
  }

  /** Wheel zooms about the pointer; a drag pans; two fingers pinch; a short press stays a click. */
  bindPointer() {
    const c = this.canvas;
    const points = new Map(); // pointerId -> [x, y]
    let press = null; // { x, y, dragging }
    let pinch = null; // distance between two pointers
    let swallowClick = false;
    const at = (e) => {
      const r = c.getBoundingClientRect();
      return [e.clientX - r.left, e.clientY - r.top];
    };
    c.addEventListener(
      'wheel',
      (e) => {
        if (!this.wheel || !this.enabled()) return;
        e.preventDefault();
        const [x, y] = at(e);
        this.zoomBy(Math.exp(-Math.max(-200, Math.min(200, e.deltaY)) * 0.002), x, y);
      },
      { passive: false },
    );
    c.addEventListener('pointerdown', (e) => {
      if (!this.enabled() || (e.pointerType === 'mouse' && e.button !== 0)) return;
      points.set(e.pointerId, at(e));
      if (points.size === 1) press = { x: e.clientX, y: e.clientY, dragging: false };
      if (points.size === 2) {
        const [p, q] = [...points.values()];
        pinch = Math.hypot(p[0] - q[0], p[1] - q[1]);
      }
    });
    c.addEventListener('pointermove', (e) => {
      if (!points.has(e.pointerId)) return;
      const prev = points.get(e.pointerId);
      const now = at(e);
      points.set(e.pointerId, now);
      if (points.size === 2 && pinch) {
        const [p, q] = [...points.values()];
        const d = Math.hypot(p[0] - q[0], p[1] - q[1]);
        if (d > 0) this.zoomBy(d / pinch, (p[0] + q[0]) / 2, (p[1] + q[1]) / 2);
        pinch = d;
        if (press) press.dragging = true;
        return;
      }
      if (!press) return;
      if (!press.dragging && Math.hypot(e.clientX - press.x, e.clientY - press.y) < DRAG_PX) return;
      if (!press.dragging) c.setPointerCapture?.(e.pointerId);
      press.dragging = true;
      this.panBy(now[0] - prev[0], now[1] - prev[1]);
    });
    const up = (e) => {
      points.delete(e.pointerId);
      if (points.size < 2) pinch = null;
      if (points.size === 0) {
        if (press?.dragging) swallowClick = true;
        press = null;
      }
    };
    c.addEventListener('pointerup', up);
    c.addEventListener('pointercancel', up);
    // A drag ends with a click event: it panned, so it must not also pin or unpin a token.
    c.addEventListener(
      'click',
      (e) => {
        if (!swallowClick) return;
        swallowClick = false;
        e.stopImmediatePropagation();
      },
      true,
    );
  }
}

/**
 * For every state, the box of its stage: the union of the stage's states' view boxes. Two
 * layers are framed with the state before them instead, so that their arrows start and end in
 * view: a stage's first layer when it brings the last split's tokens back down (the view then
 * glides in to the stage's own box), and the last layer of an interpolation, which rescales
 * every token out of the normalized box (the stage before it keeps its own, closer box).
 */
function stageBoxes(model, extents) {
  const boxes = new Array(model.L + 1);
  const fit = (j) => model.fitBox(j, extents);
  let start = 0;
  for (let k = 1; k <= model.L + 1; k++) {
    if (k <= model.L && model.stageOf(k) === model.stageOf(start)) continue;
    const rescale = model.task === 'interpolate' && k === model.L + 1 && k - start > 2;
    const end = rescale ? k - 1 : k; // the states framed together
    let box = fit(start).slice();
    for (let j = start + 1; j < end; j++) box = union(box, fit(j));
    for (let j = start; j < end; j++) boxes[j] = box;
    if (rescale) boxes[model.L] = union(fit(model.L - 1), fit(model.L));
    if (start > 0 && model.layers[start]?.tents?.some((t) => t.role === 'move-back') && model.stageOf(start - 1) === 'separate') {
      boxes[start] = union(box, fit(start - 1));
    }
    start = k;
  }
  return boxes;
}

function union(a, b) {
  return [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[2], b[2]), Math.max(a[3], b[3])];
}

function blendBoxes(a, b, f) {
  if (a === b || f === 0) return a.slice();
  return [0, 1, 2, 3].map((j) => a[j] + (b[j] - a[j]) * f);
}
