// Trust: what the engine proves about the model on screen, shown where it matters.
//
// - Under the softmax β slider: β*, the smallest β at which the same weights with softmax
//   attention classify every sequence (measured by the engine on a log grid and refined by
//   bisection), marked on the slider's own scale (a tick on the slider and a line on a small
//   accuracy-versus-β curve), with the current β. The engine also says from which β softmax is
//   proven to compute exactly what hardmax computes.
// - In the Result panel: the certificate badge (www/certificate.js).
//
// Both are computed in the model's worker (Model.softmaxThreshold, Model.certificate); this
// module only reads and draws them. Element ids and data-* attributes are read by the e2e
// tests (tests/e2e/trust.test.mjs).

import { $ } from './util.js';
import { el as html, formatInt } from './ui.js';
import { Certificate } from './certificate.js';

const SVG = 'http://www.w3.org/2000/svg';
/**
 * Half the width of the slider's thumb: the thumb's center runs from this many pixels after the
 * input's left edge to as many before its right edge (Chromium and Firefox draw a 16 px thumb).
 */
export const THUMB_INSET = 8;
/** Height of the curve, CSS pixels: top strip for the β* tag, plot, tick labels. */
const HEIGHT = 78;
const PLOT_TOP = 16;
const PLOT_BOTTOM = 56;

/** β in words: whole numbers from 100 on (with separators), three significant digits below. */
export function formatBeta(b) {
  if (!Number.isFinite(b)) return b === Infinity ? '∞' : '–';
  if (b >= 1e6) return b.toExponential(1).replace('e+', 'e');
  if (b >= 100) return formatInt(b);
  return String(Number(b.toPrecision(3)));
}

/** x to `digits` significant digits, trailing zeros kept, thousands separated ("93.0", "1,234.5"). */
function significant(x, digits) {
  const decimals = Math.max(0, Math.min(20, digits - 1 - Math.floor(Math.log10(Math.abs(x)))));
  return Number(x.toPrecision(digits)).toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

/** Two betas in words with enough digits to tell them apart (β* and the failing β below it). */
function formatPair(a, b) {
  for (let digits = 3; digits <= 8; digits++) {
    const fa = significant(a, digits), fb = significant(b, digits);
    if (fa !== fb) return [fa, fb];
  }
  return [String(a), String(b)];
}

function svg(tag, attrs = {}, text = null) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== null) e.textContent = text;
  return e;
}

export class Trust {
  /**
   * @param state  the page state (softmax, beta)
   * @param model  () => the built model, or null
   * @param softmaxRun () => the softmax comparison shown ({ beta, correct, total }) or null
   */
  constructor({ state, model, softmaxRun }) {
    Object.assign(this, { state, model, softmaxRun });
    this.slider = $('sm-beta');
    this.certificate = new Certificate();
    this.build();
    let later = 0;
    this.slider.addEventListener('input', () => {
      this.drawCurve();
      // the controls run softmax at the new β a little later (debounced): draw its dot then
      clearTimeout(later);
      later = setTimeout(() => this.drawCurve(), 200);
    });
    $('sm-on').addEventListener('change', () => this.update());
    new ResizeObserver(() => this.drawCurve()).observe(this.box);
  }

  /** The elements: the curve box under the slider and the slider's tick. */
  build() {
    // under the β slider
    this.box = html('div', 'sm-trust');
    this.box.id = 'sm-trust';
    this.box.hidden = true;
    this.curve = svg('svg', { id: 'sm-curve', class: 'sm-curve', height: HEIGHT, role: 'img' });
    this.star = html('p', 'sm-star');
    this.star.id = 'sm-star';
    this.star.setAttribute('aria-live', 'polite');
    const key = html('p', 'hint sm-key', 'The curve: how many sequences softmax classifies correctly at each β (log scale). Green dashes: β*; grey line: the β set above.');
    this.box.append(this.curve, key, this.star);
    this.row = this.slider.closest('.row');
    this.row.classList.add('sm-beta-row');
    this.row.after(this.box);
    // the mark on the slider's track at β*
    this.mark = html('span', 'sm-beta-mark');
    this.mark.id = 'sm-beta-mark';
    this.mark.hidden = true;
    this.mark.setAttribute('aria-hidden', 'true');
    this.row.append(this.mark);
    // the tick on the slider itself (a datalist mark at β*, where the thumb snaps)
    this.ticks = document.createElement('datalist');
    this.ticks.id = 'sm-beta-ticks';
    this.slider.after(this.ticks);
  }

  /** The slider's range in log10 β. */
  range() {
    const lo = Number(this.slider.min), hi = Number(this.slider.max);
    return Number.isFinite(lo) && Number.isFinite(hi) && lo < hi ? [lo, hi] : [-1, 3];
  }

  /** x (CSS px, relative to the curve box) of log10 β on the slider's scale. */
  xOf(log) {
    const [lo, hi] = this.range();
    const s = this.slider.getBoundingClientRect(), b = this.box.getBoundingClientRect();
    const f = Math.min(1, Math.max(0, (log - lo) / (hi - lo)));
    return s.left - b.left + THUMB_INSET + f * (s.width - 2 * THUMB_INSET);
  }

  /**
   * The slider value (log10 β, on its step) of the smallest β the slider can be set to that is
   * at least β* (the slider keeps three significant digits of β), or null beyond its range.
   */
  sliderValueAtLeast(beta) {
    const [lo, hi] = this.range();
    const step = Number(this.slider.step) || 0.01;
    // from a little below: a value under β* can still read (three digits) as at least β*
    let k = Math.max(0, Math.ceil((Math.log10(beta) - lo) / step - 1e-9) - 2);
    const valueOf = (k) => Number((lo + k * step).toFixed(6));
    while (valueOf(k) <= hi && Number(Math.pow(10, valueOf(k)).toPrecision(3)) < beta) k++;
    const v = valueOf(Math.max(0, k));
    return v <= hi + 1e-9 ? v : null;
  }

  /** Everything again: asks the worker for what is missing, redraws what is there. */
  update() {
    const m = this.model();
    this.certificate.update(m);
    const on = Boolean(this.state.softmax && m && m.built && m.task !== 'interpolate');
    this.box.hidden = !on;
    if (!on) {
      this.slider.removeAttribute('list');
      this.mark.hidden = true;
      return;
    }
    const [lo, hi] = this.range();
    this.threshold = m.softmaxThreshold(Math.pow(10, lo), Math.pow(10, hi));
    this.drawCurve();
    this.writeStar();
  }

  /** The answer of the worker for β*, or null while it runs. */
  value() {
    return this.threshold && this.threshold.value ? this.threshold.value : null;
  }

  /** The curve: accuracy against log β over the slider's range, β* and the current β marked. */
  drawCurve() {
    const g = this.curve;
    if (this.box.hidden) return;
    const w = Math.max(0, Math.round(this.box.getBoundingClientRect().width));
    if (!w) return;
    g.setAttribute('width', w);
    g.setAttribute('viewBox', `0 0 ${w} ${HEIGHT}`);
    g.replaceChildren();
    const [lo, hi] = this.range();
    const x0 = this.xOf(lo), x1 = this.xOf(hi);
    const yOf = (frac) => PLOT_BOTTOM - frac * (PLOT_BOTTOM - PLOT_TOP);
    const t = this.value();
    const total = t ? t.total : this.softmaxRun()?.total;
    // frame: the plot, the decades, the y labels
    g.append(svg('rect', { x: x0, y: PLOT_TOP, width: Math.max(0, x1 - x0), height: PLOT_BOTTOM - PLOT_TOP, class: 'plot' }));
    for (let d = Math.ceil(lo); d <= Math.floor(hi); d++) {
      const x = this.xOf(d);
      g.append(svg('line', { x1: x, x2: x, y1: PLOT_TOP, y2: PLOT_BOTTOM, class: 'grid' }));
      g.append(svg('text', { x, y: HEIGHT - 8, class: 'tick', 'text-anchor': 'middle' }, formatBeta(Math.pow(10, d))));
    }
    // the counts on the right, under the slider's value
    g.append(svg('text', { x: x1 + THUMB_INSET + 4, y: PLOT_TOP + 4, class: 'ylabel' }, total ? `${formatInt(total)}/${formatInt(total)}` : 'all'));
    g.append(svg('text', { x: x1 + THUMB_INSET + 4, y: PLOT_BOTTOM, class: 'ylabel' }, '0'));
    const label = [];
    if (!t) {
      g.append(svg('text', { x: (x0 + x1) / 2, y: (PLOT_TOP + PLOT_BOTTOM) / 2 + 4, class: 'wait', 'text-anchor': 'middle' },
        this.threshold && this.threshold.error ? 'β* unavailable' : 'finding β*…'));
    } else {
      // the accuracy curve: the engine's tested betas within the slider's range
      const pts = t.curve.filter((p) => p.beta >= Math.pow(10, lo) * (1 - 1e-9) && p.beta <= Math.pow(10, hi) * (1 + 1e-9));
      if (pts.length) {
        const d = pts.map((p, i) => `${i ? 'L' : 'M'}${this.xOf(Math.log10(p.beta)).toFixed(1)},${yOf(p.correct / p.total).toFixed(1)}`).join(' ');
        g.append(svg('path', { d, class: 'acc' }));
      }
      const b = t.beta_star;
      if (b !== null && b !== undefined) {
        const log = Math.log10(b);
        const inside = log >= lo && log <= hi;
        const x = this.xOf(log);
        g.append(svg('line', { x1: x, x2: x, y1: PLOT_TOP - 4, y2: PLOT_BOTTOM, class: 'star', id: 'sm-star-line', 'data-beta': b, 'data-x': x.toFixed(2) }));
        g.append(svg('path', { d: `M${x - 5},${PLOT_TOP - 8} L${x + 5},${PLOT_TOP - 8} L${x},${PLOT_TOP - 2} Z`, class: 'star-tip' }));
        const words = this.starWords(t);
        const tag = inside ? `β* ${words}` : log > hi ? `β* ${words} →` : `← β* ${words}`;
        const anchor = x > (x0 + x1) / 2 ? 'end' : 'start';
        g.append(svg('text', { x: anchor === 'end' ? x - 7 : x + 7, y: PLOT_TOP - 5, class: 'star-tag', 'text-anchor': anchor }, tag));
        label.push(tag);
      }
    }
    // the current β, and its accuracy once softmax has run there
    const beta = this.state.beta;
    const xb = this.xOf(Math.log10(beta));
    g.append(svg('line', { x1: xb, x2: xb, y1: PLOT_TOP, y2: PLOT_BOTTOM, class: 'now', id: 'sm-now-line', 'data-beta': beta }));
    const run = this.softmaxRun();
    if (run && run.beta === beta && run.total) {
      g.append(svg('circle', { cx: xb, cy: yOf(run.correct / run.total), r: 4, class: run.correct === run.total ? 'now-dot ok' : 'now-dot' }));
      label.push(`now β = ${formatBeta(beta)}: ${run.correct} of ${run.total} correct`);
    }
    g.setAttribute('aria-label', `softmax accuracy against β (log scale, ${formatBeta(Math.pow(10, lo))} to ${formatBeta(Math.pow(10, hi))})${label.length ? ': ' + label.join('; ') : ''}`);
    this.writeTick();
  }

  /** "≈ 39.13" (digits enough to tell β* from the failing β below it), or "≤ 0.1". */
  starWords(t) {
    const b = t.beta_star;
    if (t.beta_below === null || t.beta_below === undefined) return `≤ ${formatBeta(b)}`;
    return `≈ ${formatPair(b, t.beta_below)[0]}`;
  }

  /**
   * The marks on the slider at β*: a bar across its track, and a datalist option at the first
   * slider β at or above β* (the thumb snaps there in browsers that support it).
   */
  writeTick() {
    const t = this.value();
    const b = t ? t.beta_star : null;
    const [lo, hi] = this.range();
    const mark = this.mark;
    mark.hidden = !(b && Math.log10(b) >= lo && Math.log10(b) <= hi);
    if (!mark.hidden) {
      const s = this.slider.getBoundingClientRect(), r = this.row.getBoundingClientRect();
      const f = (Math.log10(b) - lo) / (hi - lo);
      mark.style.left = `${(s.left - r.left + THUMB_INSET + f * (s.width - 2 * THUMB_INSET)).toFixed(2)}px`;
      mark.dataset.beta = String(b);
      mark.title = `β* ${this.starWords(t)}`;
    }
    const v = b ? this.sliderValueAtLeast(b) : null;
    if (v === null) {
      this.ticks.replaceChildren();
      this.slider.removeAttribute('list');
      return;
    }
    const opt = document.createElement('option');
    opt.value = String(v);
    opt.label = 'β*';
    if (this.ticks.firstChild?.value !== opt.value) this.ticks.replaceChildren(opt);
    this.slider.setAttribute('list', this.ticks.id);
  }

  /** The words under the curve: what β* is, and what is proven. */
  writeStar() {
    const p = this.star;
    p.replaceChildren();
    const t = this.value();
    if (!t) {
      p.dataset.state = this.threshold && this.threshold.error ? 'error' : 'pending';
      p.textContent = this.threshold && this.threshold.error
        ? `β* could not be found: ${this.threshold.error}`
        : 'finding β*, the smallest β at which softmax classifies every sequence…';
      return;
    }
    const term = html('button', 'term', 'β*');
    term.type = 'button';
    term.dataset.term = 'βstar';
    term.setAttribute('aria-label', 'β*: the softmax threshold (glossary)');
    const n = `${formatInt(t.total)} ${t.total === 1 ? 'sequence' : 'sequences'}`;
    const b = t.beta_star;
    p.dataset.state = b === null || b === undefined ? 'none' : 'found';
    if (b === null || b === undefined) {
      p.append('No ', term, ': no β tested classifies all ' + n + (t.hardmax_correct < t.total ? ' (hardmax itself does not).' : '.'));
    } else if (t.beta_below !== null && t.beta_below !== undefined) {
      const [fs, fb] = formatPair(b, t.beta_below);
      p.append(term, ` ≈ ${fs}: at β* and every larger β tested, softmax classifies all ${n}, as hardmax does; at ${fb} it does not.`);
    } else {
      p.append(term, ` ≤ ${formatBeta(b)}: every β tested, down to ${formatBeta(b)}, classifies all ${n}.`);
    }
    if (t.beta_bound !== null && t.beta_bound !== undefined) {
      p.append(` Proven from β ≥ ${formatBeta(t.beta_bound)}: softmax computes exactly what hardmax computes.`);
    }
    const v = b ? this.sliderValueAtLeast(b) : null;
    if (v !== null) {
      const go = html('button', 'small sm-go', 'set β to β*');
      go.type = 'button';
      go.id = 'sm-go-star';
      go.addEventListener('click', () => {
        this.slider.value = String(v);
        this.slider.dispatchEvent(new Event('input', { bubbles: true }));
      });
      p.append(' ', go);
    }
  }
}
