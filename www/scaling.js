// The O(N) claim, shown: an N control for random data (drawn in the page, deterministically
// from the data seed) and a live chart of blocks against N — this construction's measured
// counts beside the paper's 4N + 1 — with a line on what the parameter count's constant is.

import { engineOptions } from './state.js';
import { loadEngine } from './model.js';
import { mulberry32 } from './random.js';

const SVG_NS = 'http://www.w3.org/2000/svg';
export const N_MIN = 2;
export const N_MAX = 64;
const LABELS = ['red', 'blue', 'green'];
/** N values measured in the background for the chart (besides every N the user builds). */
const SAMPLE_NS = [4, 8, 16, 32, 48, 64];

/** The generator of page-made data for a data seed. */
function rng(seed) {
  return mulberry32((Number(seed) >>> 0) ^ 0x9e3779b9);
}

/**
 * N random sequences in the plane like the random preset's: tokens drawn from a shared pool
 * (so sequences share tokens and the separate stage has work), 2 to 5 tokens each, three
 * labels; sequences with the same token set get the same label (else no transformer could
 * tell them apart). The same (N, seed) always gives the same data.
 */
export function randomDataset(N, seed) {
  const n = Math.max(N_MIN, Math.min(N_MAX, Math.round(Number(N)) || N_MIN));
  const rand = rng(seed);
  const poolSize = Math.max(8, Math.ceil(0.75 * n));
  const pool = Array.from({ length: poolSize }, () => [Number((rand() * 4).toFixed(4)), Number((rand() * 4).toFixed(4))]);
  const bySet = new Map();
  const sequences = [];
  for (let q = 0; q < n; q++) {
    const len = 2 + Math.floor(rand() * 4);
    const idx = Array.from({ length: len }, () => Math.floor(rand() * poolSize) % poolSize);
    const key = [...new Set(idx)].sort((x, y) => x - y).join(',');
    let label = LABELS[Math.floor(rand() * 3) % 3];
    if (bySet.has(key)) label = bySet.get(key);
    else bySet.set(key, label);
    sequences.push({ name: `s${q + 1}`, label, tokens: idx.map((i) => [...pool[i]]) });
  }
  // At least two labels, or there is nothing to classify.
  if (new Set(sequences.map((s) => s.label)).size < 2) sequences[sequences.length - 1].label = sequences[0].label === 'red' ? 'blue' : 'red';
  return { sequences };
}

export class Scaling {
  /**
   * @param host    where the control and the chart go (the Data panel)
   * @param state   the page state (seed, construction options)
   * @param engine  () => Promise of an engine of the chart's own for its samples, so they never
   *                share a worker with the constructions the page shows (default: a new one)
   * @param load    (dataset, name) => Promise: builds and shows page-made data
   * @param current () => { model, source } shown
   */
  constructor({ host, state, engine = () => loadEngine(), load, current }) {
    Object.assign(this, { state, load, current });
    this.engineFor = engine;
    this.engine = null;
    this.points = new Map(); // N -> blocks, for this.key
    this.key = '';
    this.sampling = false;
    this.root = document.createElement('div');
    this.root.className = 'scaling';
    this.root.id = 'scaling';
    this.root.hidden = true;
    this.root.innerHTML = `
      <div class="row"><label for="rand-n">N sequences</label>
        <input id="rand-n" type="range" min="${N_MIN}" max="${N_MAX}" step="1" value="12">
        <output id="rand-n-value" for="rand-n">12</output></div>
      <p class="hint">random data drawn in the page from the data seed (N = 12 is not the preset’s draw)</p>
      <figure class="scaling-chart"><figcaption>blocks against N: this construction (dots) and the paper’s 4N+1 (line)</figcaption></figure>`;
    host.appendChild(this.root);
    this.input = this.root.querySelector('#rand-n');
    this.output = this.root.querySelector('#rand-n-value');
    this.figure = this.root.querySelector('figure');
    this.svg = document.createElementNS(SVG_NS, 'svg');
    this.svg.setAttribute('viewBox', '0 0 240 130');
    this.svg.setAttribute('width', '100%');
    this.svg.setAttribute('role', 'img');
    this.figure.prepend(this.svg);
    let timer = 0;
    this.wanted = false; // the chart's samples are measured once someone uses the control
    this.input.addEventListener('input', () => {
      this.wanted = true;
      this.output.textContent = this.input.value;
      clearTimeout(timer);
      timer = setTimeout(() => this.build(Number(this.input.value)), 250);
    });
  }

  /** The N of the data shown when it was made here, else null. */
  shownN() {
    const src = this.current().source;
    return src && src.generatedN ? src.generatedN : null;
  }

  /** Builds and shows N random sequences. */
  build(N) {
    const dataset = randomDataset(N, this.state.seed);
    return this.load(dataset, { name: `random-N${N}`, generatedN: N }).catch(() => {});
  }

  /** After each construction: show the control for random data, record the point, redraw. */
  update() {
    const { model } = this.current();
    const n = this.shownN();
    const on = this.state.preset === 'random' || n !== null;
    this.root.hidden = !on;
    if (!on || !model?.report) return;
    const key = `${this.state.seed}|${JSON.stringify(engineOptions(this.state))}`;
    if (key !== this.key) {
      this.key = key;
      this.points.clear();
    }
    if (n !== null) {
      this.points.set(n, model.report.blocks);
      this.input.value = String(n);
      this.output.textContent = String(n);
    }
    else this.points.set(model.report.sequences, model.report.blocks);
    this.current_ = { N: model.report.sequences, blocks: model.report.blocks };
    this.draw();
    if (this.wanted) this.sample();
  }

  /**
   * Measures the chart's sample Ns one at a time, on the chart's own engine (started the first
   * time the N control is used, so a page that never touches it never starts that engine).
   */
  async sample() {
    if (this.sampling) return;
    this.sampling = true;
    try {
      for (const N of SAMPLE_NS) {
        const key = this.key;
        if (this.points.has(N)) continue;
        if (this.root.hidden) break;
        if (!this.engine) this.engine = this.engineFor();
        const engine = await this.engine;
        let m = null;
        try {
          m = await engine.build({ kind: 'dataset', dataset: randomDataset(N, this.state.seed) }, engineOptions(this.state));
          if (key === this.key) this.points.set(N, m.report.blocks);
        } catch {
          break; // refused or stopped: the chart keeps what it has
        } finally {
          try {
            m?.dispose?.();
          } catch {
            // already ended
          }
        }
        this.draw();
      }
    } finally {
      this.sampling = false;
    }
  }

  /** The chart: axes, 4N+1, measured points, the data shown highlighted. */
  draw() {
    const svg = this.svg;
    svg.replaceChildren();
    const W = 240, H = 130, L = 30, B = 20, T = 6, R = 8;
    const maxN = N_MAX, maxB = 4 * N_MAX + 1;
    const x = (n) => L + ((W - L - R) * n) / maxN;
    const y = (b) => H - B - ((H - B - T) * b) / maxB;
    const add = (tag, attrs, text) => {
      const e = document.createElementNS(SVG_NS, tag);
      for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
      if (text !== undefined) e.textContent = text;
      svg.appendChild(e);
      return e;
    };
    add('line', { x1: L, y1: H - B, x2: W - R, y2: H - B, stroke: '#889' });
    add('line', { x1: L, y1: T, x2: L, y2: H - B, stroke: '#889' });
    for (const n of [0, 16, 32, 48, 64]) add('text', { x: x(n), y: H - 6, 'font-size': 9, 'text-anchor': 'middle', fill: '#556' }, String(n));
    for (const b of [0, 100, 200]) add('text', { x: L - 4, y: y(b) + 3, 'font-size': 9, 'text-anchor': 'end', fill: '#556' }, String(b));
    add('text', { x: W - R, y: H - B - 4, 'font-size': 9, 'text-anchor': 'end', fill: '#556' }, 'N');
    add('line', { x1: x(0), y1: y(1), x2: x(maxN), y2: y(maxB), stroke: '#c0392b', 'stroke-width': 1.5, 'stroke-dasharray': '5 3', 'data-series': 'paper' });
    add('text', { x: x(40), y: y(4 * 40 + 1) - 4, 'font-size': 9, fill: '#c0392b', 'text-anchor': 'end' }, 'paper: 4N+1');
    const pts = [...this.points].sort((a, b) => a[0] - b[0]);
    if (pts.length > 1) add('polyline', { points: pts.map(([n, b]) => `${x(n)},${y(b)}`).join(' '), fill: 'none', stroke: '#1a6fb5', 'stroke-width': 1.5 });
    for (const [n, b] of pts) {
      const c = add('circle', { cx: x(n), cy: y(b), r: 3, fill: '#1a6fb5', 'data-n': n, 'data-blocks': b });
      c.appendChild(document.createElementNS(SVG_NS, 'title')).textContent = `N = ${n}: ${b} blocks (paper: ${4 * n + 1})`;
    }
    const cur = this.current_;
    if (cur && cur.N <= maxN) {
      add('circle', { cx: x(cur.N), cy: y(cur.blocks), r: 5, fill: 'none', stroke: '#111', 'stroke-width': 1.5, 'data-current': 1 });
      add('text', { x: x(cur.N) + 7, y: y(cur.blocks) - 6, 'font-size': 9, fill: '#111' }, `${cur.blocks} blocks`);
    }
  }

  /** What the chart shows, for tests: [{ N, blocks, paper }]. */
  series() {
    return [...this.points].sort((a, b) => a[0] - b[0]).map(([N, blocks]) => ({ N, blocks, paper: 4 * N + 1 }));
  }
}
