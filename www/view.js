// What the main canvas shows for a playback frame: the view box, the positions (hardmax or
// softmax), the overlays that are on, the anchors, hover and pin — composed into one frame
// for the Renderer. `frame(k)` reads state k back as drawn, in view coordinates, for tests.

import { renderStats, renderLegend, captionOf } from './ui.js';
import { mentionedSequences } from './glossary.js';

export class View {
  /**
   * @param renderer  the main canvas's Renderer
   * @param timeline  the Timeline (its thumb follows the frame)
   * @param filmstrip the Filmstrip (one picture per stage)
   * @param draft     the draw-mode Draft (while drawing, its dataset is shown instead)
   * @param pointer   { hover, pinned, place() }: the token inspector
   * @param options   () => { edges, tents, dirs, trails, lines }: the overlays that are on
   * @param softmax   () => the softmax comparison being shown ({ positions, extents }) or null
   * @param els       { stats, legend, sample }: panels filled once per model
   * @param onLayer   called once each time the shown state changes (caption, URL, …)
   */
  constructor({ renderer, timeline, filmstrip, draft, pointer, options, softmax, els, onLayer }) {
    Object.assign(this, { renderer, timeline, filmstrip, draft, pointer, options, softmax, els, onLayer });
    this.model = null;
    this.shownLayer = -1;
  }

  /** Shows a newly built model: the renderer, the timeline, the filmstrip and the panels. */
  setModel(model) {
    this.model = model;
    this.shownLayer = -1;
    this.renderer.setModel(model);
    this.timeline.setModel(model);
    this.filmstrip.setModel(model);
    renderStats(this.els.stats, model);
    renderLegend(this.els.legend, model);
    const sample = this.els.sample;
    sample.hidden = !model.sampled;
    sample.textContent = model.sampled ? `showing a sample of ${model.T.toLocaleString('en-US')} tokens` : '';
  }

  /** Forgets which state was last shown, so the next frame announces its state again. */
  invalidate() {
    this.shownLayer = -1;
  }

  /**
   * The Renderer frame for a playback frame { a, b, f } of the built model: state a blended
   * toward state b by f, in a view box blended the same way.
   */
  spec({ a, b, f }) {
    const m = this.model;
    const sm = this.softmax();
    const extents = sm ? sm.extents : m.extents;
    const ba = m.fitBox(a, extents), bb = m.fitBox(b, extents);
    const box = [0, 1, 2, 3].map((j) => ba[j] + (bb[j] - ba[j]) * f);
    const stageTo = m.stageOf(b);
    const anchorsOn = stageTo === 'label' || stageTo === 'snap';
    const o = this.options();
    const pinned = this.pointer.pinned;
    return {
      a, b, f, box,
      positions: sm ? sm.positions : null,
      // The input shows which tokens make a sequence: lines join them even with that overlay off.
      overlays: { edges: o.edges, tents: o.tents, dirs: o.dirs, trails: o.trails, lines: o.lines || b === 0 },
      focusSeqs: this.mentioned(b),
      attentionLayer: m.attentionLayerFor(b),
      tentLayer: m.tentLayerFor(b),
      showAnchors: anchorsOn || m.stageOf(a) === 'label',
      hover: this.pointer.hover,
      pinnedSeq: pinned >= 0 ? m.tokenSeq[pinned] : -1,
      activeSeq: -1,
    };
  }

  /** The sequences the caption of state k names (highlighted on the canvas, the rest dimmed). */
  mentioned(k) {
    const m = this.model;
    if (!m || k <= 0) return [];
    if (this.mentionCache?.model !== m) this.mentionCache = { model: m, byLayer: new Map() };
    const cache = this.mentionCache.byLayer;
    if (!cache.has(k)) cache.set(k, mentionedSequences(m, captionOf(m, k).text));
    return cache.get(k);
  }

  /** Draws a playback frame (or the drawing, in draw mode). */
  draw(fr) {
    const r = this.renderer;
    const d = this.draft;
    if (d.active) {
      if (r.model !== d.model) r.setModel(d.model);
      r.draw({
        a: 0, b: 0, f: 0, box: d.box, overlays: { lines: true }, hover: this.pointer.hover,
        pinnedSeq: -1, activeSeq: d.current, showAnchors: false,
      });
      return;
    }
    const m = this.model;
    if (!m) return;
    if (r.model !== m) r.setModel(m);
    const layer = fr.b; // the state shown, or being tweened to
    if (layer !== this.shownLayer) {
      this.shownLayer = layer;
      this.onLayer(layer);
    }
    r.draw(this.spec(fr));
    this.timeline.setPosition(fr.a + (fr.b - fr.a) * fr.f, layer);
    this.pointer.place();
  }

  /**
   * State k of the built model as the canvas draws it when it rests there: its caption and
   * stage, every drawn token and every class anchor in view coordinates (the numbers the
   * renderer maps to pixels), whether the anchors are drawn, and the view box.
   */
  frame(k) {
    const m = this.model;
    if (!m) return null;
    const state = Math.min(m.L, Math.max(0, Math.round(Number(k)) || 0));
    const spec = this.spec({ a: state, b: state, f: 0 });
    const pos = spec.positions || m.positions;
    const base = 2 * state * m.T;
    const tokens = [];
    for (let i = 0; i < m.T; i++) {
      const q = m.tokenSeq[i];
      tokens.push({
        seq: q,
        name: m.sequences[q].name,
        index: m.tokenIndex[i],
        label: m.classes[m.tokenClass[i]],
        x: pos[base + 2 * i],
        y: pos[base + 2 * i + 1],
      });
    }
    const anchors = [];
    for (let c = 0; 2 * c + 1 < m.anchors.length; c++) {
      anchors.push({ label: m.classes[c], x: m.anchors[2 * c], y: m.anchors[2 * c + 1] });
    }
    const words = captionOf(m, state);
    return {
      state,
      stage: words.stage,
      counter: words.counter,
      caption: words.text,
      softmax: Boolean(spec.positions),
      tokens,
      anchors,
      anchorsDrawn: spec.showAnchors,
      highlighted: spec.focusSeqs.map((q) => m.sequences[q].name),
      box: spec.box,
    };
  }
}
