// The timeline scrubber (stage bands you can click or drag, described on hover) and the
// filmstrip (one small picture per stage, click to jump).

import { STAGE_COLORS } from './palette.js';
import { Renderer } from './render.js';

export class Timeline {
  /**
   * @param root  the .timeline element (role=slider)
   * @param onSeek called with a state index while clicking or dragging
   */
  constructor(root, tip, onSeek) {
    this.root = root;
    this.tip = tip;
    this.onSeek = onSeek;
    this.L = 0;
    this.bands = root.querySelector('.bands');
    this.fill = root.querySelector('.fill');
    this.thumb = root.querySelector('.thumb');
    this.dragging = false;
    root.addEventListener('pointerdown', (ev) => {
      if (ev.button !== 0) return;
      this.dragging = true;
      root.setPointerCapture?.(ev.pointerId);
      this.seekAt(ev.clientX);
      ev.preventDefault();
      root.focus();
    });
    root.addEventListener('pointermove', (ev) => {
      if (this.dragging) this.seekAt(ev.clientX);
      this.showTip(ev);
    });
    const stop = () => (this.dragging = false);
    root.addEventListener('pointerup', stop);
    root.addEventListener('pointercancel', stop);
    root.addEventListener('pointerleave', () => (this.tip.hidden = true));
  }

  stateAt(clientX) {
    const r = this.root.getBoundingClientRect();
    const x = Math.min(1, Math.max(0, (clientX - r.left) / Math.max(1, r.width)));
    return Math.round(x * this.L);
  }

  seekAt(clientX) {
    this.onSeek(this.stateAt(clientX));
  }

  /** Rebuilds the stage bands for a model. */
  setModel(model) {
    this.model = model;
    this.L = model.L;
    this.root.setAttribute('aria-valuemax', String(model.L));
    this.bands.replaceChildren();
    const L = Math.max(1, model.L);
    for (const st of model.stages) {
      const band = document.createElement('div');
      band.className = `band band-${st.stage}`;
      band.style.left = `${((st.first - 1) / L) * 100}%`;
      band.style.width = `${((st.last - st.first + 1) / L) * 100}%`;
      band.style.background = STAGE_COLORS[st.stage] || '#ccc';
      band.dataset.stage = st.stage;
      band.title = `${st.stage}: ${st.description}`;
      const name = document.createElement('span');
      name.textContent = st.stage;
      band.appendChild(name);
      this.bands.appendChild(band);
    }
  }

  /** Moves the thumb; `position` may be fractional while a tween runs. */
  setPosition(position, layer) {
    const p = this.L ? (position / this.L) * 100 : 0;
    this.fill.style.width = `${p}%`;
    this.thumb.style.left = `${p}%`;
    this.root.setAttribute('aria-valuenow', String(layer));
    const stage = this.model ? this.model.stageOf(layer) : 'input';
    this.root.setAttribute('aria-valuetext', `state ${layer} of ${this.L}, ${stage}`);
  }

  showTip(ev) {
    if (!this.model) return;
    const k = this.stateAt(ev.clientX);
    const layer = Math.max(1, k);
    const st = this.model.stages.find((s) => layer >= s.first && layer <= s.last);
    if (!st) {
      this.tip.hidden = true;
      return;
    }
    this.tip.replaceChildren();
    const head = document.createElement('strong');
    head.textContent = `${st.stage} · layers ${st.first}–${st.last}`;
    const body = document.createElement('div');
    body.textContent = st.description;
    this.tip.append(head, body);
    this.tip.hidden = false;
    const r = this.root.getBoundingClientRect();
    const x = Math.min(r.width - 10, Math.max(10, ev.clientX - r.left));
    this.tip.style.left = `${x}px`;
  }
}

export class Filmstrip {
  constructor(root, onSeek) {
    this.root = root;
    this.onSeek = onSeek;
    this.items = [];
    this.pending = null;
  }

  /**
   * One thumbnail per stage (its last state), plus the input; drawn once per model — or,
   * while the strip is hidden, once it is shown again (catchUp). The buttons come at once;
   * the pictures of a big model are drawn one per task after the model is on screen (each
   * stamps every token), so they hold up neither its first frame nor what comes next.
   */
  setModel(model) {
    this.pending = null;
    const generation = (this.generation = (this.generation || 0) + 1);
    if (this.root.hidden) {
      this.pending = model;
      return;
    }
    this.root.replaceChildren();
    this.items = [];
    const entries = [{ stage: 'input', state: 0, description: 'the sequences as given' }];
    for (const st of model.stages) entries.push({ stage: st.stage, state: st.last, description: st.description });
    const dpr = window.devicePixelRatio || 1;
    // as wide as the strip allows for this many pictures, within 80..160 px
    const room = (this.root.clientWidth || 700) - 8 * (entries.length - 1);
    const w = Math.max(80, Math.min(160, Math.floor(room / entries.length) - 10));
    const h = Math.round(w * 0.62);
    const pictures = [];
    for (const e of entries) {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'thumb-item';
      button.dataset.stage = e.stage;
      button.setAttribute('aria-label', `jump to the end of ${e.stage} (state ${e.state})`);
      button.title = `${e.stage}: ${e.description}`;
      const canvas = document.createElement('canvas');
      pictures.push(() => drawThumbnail(canvas, model, e, w, h, dpr));
      const caption = document.createElement('span');
      caption.textContent = e.stage;
      caption.style.borderColor = STAGE_COLORS[e.stage] || '#ccc';
      button.append(canvas, caption);
      button.addEventListener('click', () => this.onSeek(e.state));
      this.root.appendChild(button);
      this.items.push({ ...e, button });
    }
    if (model.T <= DRAW_AT_ONCE) return pictures.forEach((draw) => draw());
    const next = () => generation === this.generation && pictures.length && (pictures.shift()(), setTimeout(next, 0));
    requestAnimationFrame(() => setTimeout(next, 0));
  }

  /** Draws the thumbnails of a model that arrived while the strip was hidden. */
  catchUp() {
    if (this.pending && !this.root.hidden) this.setModel(this.pending);
  }

  /** Marks the thumbnail of the stage that holds `layer`. */
  setCurrent(stage) {
    for (const it of this.items) it.button.classList.toggle('current', it.stage === stage);
  }
}

/** Models of up to this many tokens get their thumbnails at once; bigger ones after the first frame. */
const DRAW_AT_ONCE = 20_000;

/** The picture of entry e (a stage's last state, or the input) on a w x h thumbnail canvas. */
function drawThumbnail(canvas, model, e, w, h, dpr) {
  const r = new Renderer(canvas, { thumbnail: true });
  r.resize(w, h, dpr);
  r.setModel(model);
  r.draw({
    a: e.state, b: e.state, f: 0, box: model.fitBox(e.state), overlays: {},
    showAnchors: e.stage === 'label' || e.stage === 'snap', hover: -1, pinnedSeq: -1, activeSeq: -1,
  });
}
