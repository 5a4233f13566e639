// Small helpers every part of the page uses: element lookup, error messages, timing, and
// clamping what a user typed.

/** The element with this id. */
export const $ = (id) => document.getElementById(id);

/** Turns whatever was thrown (Error, JsError, string) into one plain message. */
export function messageOf(err) {
  if (err === null || err === undefined) return 'unknown error';
  if (typeof err === 'string') return err;
  if (err instanceof Error) return err.message || String(err);
  if (typeof err.message === 'string') return err.message;
  return String(err);
}

/** Calls fn once, ms after the last of a burst of calls. */
export function debounce(fn, ms) {
  let t = 0;
  return (...args) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...args), ms);
  };
}

/** Resolves after the browser has painted once (so a "busy" note shows before heavy work). */
export function nextPaint() {
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}

/** An integer in [lo, hi] from what a user typed, or `fallback` when it is blank or not a number. */
export function clampInt(value, lo, hi, fallback) {
  if (String(value).trim() === '') return fallback;
  const x = Math.round(Number(value));
  return Number.isFinite(x) ? Math.min(hi, Math.max(lo, x)) : fallback;
}

/** The pointer position of an event in CSS pixels relative to the canvas. */
export function canvasPoint(canvas, ev) {
  const r = canvas.getBoundingClientRect();
  return [ev.clientX - r.left, ev.clientY - r.top];
}

/** Blocks of one stage of a built model (a block belongs to the stage of its feed-forward layer). */
export function stageBlocks(model, stage) {
  let n = 0;
  for (let k = 1; k <= model.L; k++) if (model.layers[k].kind === 'ff' && model.layers[k].stage === stage) n++;
  return n;
}
