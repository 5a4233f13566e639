// What the main canvas shows for a playback frame: the view box, the positions (hardmax or
// softmax), the overlays that are on, the anchors, hover and pin — composed into one frame
// for the Renderer. `frame(k)` reads state k back as drawn, in view coordinates, for tests.

import { renderStats, renderLegend, renderOverlayLegend, captionOf } from './ui.js';
import { mentionedSequences } from './glossary.js';
import { countText } from './overlays.js';
import { failingSequences, softmaxTitle, softmaxWords } from './softview.js';

/** At the input, lines join each sequence's tokens (overlay off or not) up to this many sequences. */
export const INPUT_LINES_MAX = 12;

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
   * @param camera    the Camera (camera.js): which box of the plane is shown
   */
  constructor({ renderer, timeline, filmstrip, draft, pointer, options, softmax, els, onLayer, camera }) {
    Object.assign(this, { renderer, timeline, filmstrip, draft, pointer, options, softmax, els, onLayer, camera });
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
    const extents = m.extents;
    const box = this.camera.box(m, a, b, f, extents); // holds per stage, glides between stages
    const stageTo = m.stageOf(b);
    const anchorsOn = stageTo === 'label' || stageTo === 'snap';
    const o = this.options();
    const pinned = this.pointer.pinned;
    const pinnedSeq = pinned >= 0 ? m.tokenSeq[pinned] : -1;
    const hover = this.pointer.hover;
    const focusSeqs = this.mentioned(b);
    const copies = f === 0 || a === b - 1 ? this.copies(b) : null;
    const tentLayer = b >= 1 && m.layers[b]?.kind === 'ff' ? b : 0;
    const attentionLayer = m.attentionLayerFor(b);
    const showAnchors = anchorsOn || m.stageOf(a) === 'label';
    // Faint through the label stage (where each class is heading), full once the snap lands.
    const anchorAlpha = stageTo === 'snap' ? 1 : 0.35;
    const chosen = pinnedSeq >= 0 ? [pinnedSeq] : hover >= 0 && hover < m.T ? [m.tokenSeq[hover]] : focusSeqs;
    const lines = o.lines || (b === 0 && m.sequences.length <= INPUT_LINES_MAX);
    const legend = [];
    if (showAnchors) legend.push({ key: 'anchors', mark: 'rings', color: '#555', text: 'anchor: where the snap sends each class' });
    if (m.targets?.seq.length) legend.push({ key: 'targets', mark: 'diamond', color: '#555', text: 'diamond: a target; dashes join it to the read token that must land on it' });
    // (when every token is read, as in reverse, nothing is faint and the key would mislead)
    if (m.someUnread) legend.push({ key: 'unread', mark: 'faint', color: '#555', text: 'faint: a token that is not read (only the last m are)' });
    if (focusSeqs.length && pinnedSeq < 0 && hover < 0) legend.push({ key: 'focus', mark: 'line', color: '#111', text: 'bold: the sequences the caption names' });
    if (copies?.length && pinnedSeq < 0 && hover < 0) legend.push({ key: 'copies', mark: 'ring', color: '#3b4450', text: 'their shared token: one copy per sequence now' });
    if (lines) legend.push({ key: 'lines', mark: 'line', color: '#8896a5', text: 'line: a sequence’s tokens in order' });
    if (o.edges && attentionLayer) {
      legend.push({ key: 'edges', mark: 'line', color: '#5a3c8c', text: 'edge: token → the leader it attends to' });
      legend.push({ key: 'leaders', mark: 'ring', color: '#5a3c8c', text: 'ring: a leader' });
    }
    if (o.tents && tentLayer) {
      legend.push({ key: 'tents', mark: 'strip', color: '#d95f02', text: 'strip: a tent’s slab (only tokens inside move)' });
      legend.push({ key: 'moves', mark: 'arrow', color: '#d95f02', text: 'arrow: a token moved by this layer' });
    }
    if (o.trails) {
      legend.push({ key: 'starts', mark: 'dot', color: '#505a64', text: 'dot: a token’s start position' });
      legend.push({
        key: 'trails', mark: 'dash', color: '#505a64',
        text: chosen.length ? 'dashes: the path so far of the sequences shown' : 'hover or pin a sequence to see its path',
      });
    }
    if (o.dirs && m.directions) legend.push({ key: 'dirs', mark: 'arrow', color: '#b3002d', text: 'compass (corner): w, c, u, e are directions' });
    return {
      a, b, f, box,
      positions: null,
      // The input shows which tokens make a sequence: lines join them even with that overlay off.
      overlays: { edges: o.edges, tents: o.tents, dirs: o.dirs, trails: o.trails, lines },
      focusSeqs, copies, legend,
      trailSeqs: chosen,
      attentionLayer,
      // Tents are drawn on the feed-forward layer they act on (not on the attention layer before it).
      tentLayer,
      showAnchors,
      anchorAlpha,
      hover,
      pinnedSeq,
      activeSeq: -1,
    };
  }

  /**
   * The softmax pane of a split view: the same state with the same weights run with softmax
   * attention, fitted to its own extent, sequences softmax gets wrong marked.
   */
  softSpec(hard, sm) {
    const m = this.model;
    const ba = m.fitBox(hard.a, sm.extents), bb = m.fitBox(hard.b, sm.extents);
    const box = [0, 1, 2, 3].map((j) => ba[j] + (bb[j] - ba[j]) * hard.f);
    return {
      ...hard,
      box,
      positions: sm.positions,
      overlays: { lines: hard.overlays.lines },
      copies: null,
      tentLayer: 0,
      attentionLayer: 0,
      legend: null,
      hover: -1,
      failing: this.failing(sm),
      title: softmaxTitle(sm),
    };
  }

  /** Sequences (drawn) whose softmax output is nearer another class's anchor (cached per run). */
  failing(sm) {
    return failingSequences(this.model, sm);
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

  /**
   * At a split's attention layer k: the shared token of the sequences the caption names,
   * one copy per sequence — [{ i, seq, name, x, y, from: [x, y] }] — where, before the slide,
   * they were one point and now are two. Empty elsewhere.
   */
  copies(k) {
    const m = this.model;
    if (!m || k < 1 || m.stageOf(k) !== 'separate' || m.layers[k]?.kind !== 'sa') return [];
    const named = this.mentioned(k);
    if (named.length < 2) return [];
    const T = m.T, pa = m.at(k - 1), pb = m.at(k);
    const first = named[0];
    for (let i = 0; i < T; i++) {
      if (m.tokenSeq[i] !== first) continue;
      const out = [i];
      for (const q of named.slice(1)) {
        for (let j = 0; j < T; j++) {
          if (m.tokenSeq[j] !== q) continue;
          const same = pa[2 * j] === pa[2 * i] && pa[2 * j + 1] === pa[2 * i + 1];
          const apart = pb[2 * j] !== pb[2 * i] || pb[2 * j + 1] !== pb[2 * i + 1];
          if (same && apart) {
            out.push(j);
            break;
          }
        }
      }
      if (out.length === named.length) {
        return out.map((t) => ({
          i: t, seq: m.tokenSeq[t], name: m.sequences[m.tokenSeq[t]].name,
          x: pb[2 * t], y: pb[2 * t + 1], from: [pa[2 * i], pa[2 * i + 1]],
        }));
      }
    }
    return [];
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
    const spec = this.spec(fr);
    this.lastSpec = spec;
    const sm = this.softmax();
    if (sm) r.drawSplit({ ...spec, title: 'hardmax (exact)' }, this.softSpec(spec, sm));
    else r.draw(spec);
    if (!sm) this.heldOut?.draw(r, spec); // held-out data (heldout.js), on top of the training tokens
    if (this.els.softmaxNote) {
      const text = sm ? softmaxWords(m, layer, sm, this.failing(sm)) : '';
      if (this.els.softmaxNote.textContent !== text) this.els.softmaxNote.textContent = text;
      this.els.softmaxNote.hidden = !text;
    }
    if (this.els.overlayLegend) renderOverlayLegend(this.els.overlayLegend, spec.legend);
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
    const pos = m.at(state);
    const sm = this.softmax();
    const base = 2 * state * m.T; // softmax positions keep every state
    const tokens = [];
    for (let i = 0; i < m.T; i++) {
      const q = m.tokenSeq[i];
      tokens.push({
        seq: q,
        name: m.sequences[q].name,
        index: m.tokenIndex[i],
        label: m.classes[m.tokenClass[i]],
        x: pos[2 * i],
        y: pos[2 * i + 1],
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
      softmax: Boolean(sm),
      // With softmax on, the canvas shows both: hardmax (tokens) and softmax side by side.
      softmaxTokens: sm
        ? tokens.map((t, i) => ({ ...t, x: sm.positions[base + 2 * i], y: sm.positions[base + 2 * i + 1] }))
        : null,
      failing: sm ? this.failing(sm).map((q) => m.sequences[q].name) : [],
      softmaxCaption: sm ? softmaxWords(m, state, sm, this.failing(sm)) : null,
      tokens,
      anchors,
      anchorsDrawn: spec.showAnchors,
      anchorsFaint: spec.showAnchors && spec.anchorAlpha < 1,
      highlighted: spec.focusSeqs.map((q) => m.sequences[q].name),
      legend: spec.legend.map(({ key, text }) => ({ key, text })),
      overlays: { ...spec.overlays, tents: Boolean(spec.overlays.tents && spec.tentLayer), edges: Boolean(spec.overlays.edges && spec.attentionLayer) },
      tentLayer: spec.tentLayer,
      copies: (spec.copies || []).map(({ seq, name, x, y, from }) => ({ seq, name, x, y, from })),
      counts: coincidences(m, pos),
      box: spec.box,
      // Interpolation: the task, and every target with its read token (drawn index `token`).
      task: m.task,
      targets: targetList(m),
    };
  }
}

/** Points where several drawn tokens coincide exactly in `pos` (one state): { x, y, tokens, sequences, text }. */
function coincidences(m, pos) {
  const base = 0;
  const spots = new Map();
  for (let i = 0; i < m.T; i++) {
    const x = pos[base + 2 * i], y = pos[base + 2 * i + 1];
    const key = `${x},${y}`;
    const s = spots.get(key) ?? { x, y, tokens: 0, seqs: new Set() };
    s.tokens++;
    s.seqs.add(m.tokenSeq[i]);
    spots.set(key, s);
  }
  return [...spots.values()].filter((s) => s.tokens > 1).map((s) => ({ x: s.x, y: s.y, tokens: s.tokens, sequences: s.seqs.size, text: countText(s.tokens, s.seqs.size) }));
}

/** Interpolation: every target as { seq, name, token (drawn index, -1 if not drawn), x, y }. */
function targetList(m) {
  const t = m.targets;
  if (!t) return [];
  const out = [];
  for (let k = 0; k < t.seq.length; k++) {
    out.push({ seq: t.seq[k], name: m.sequences[t.seq[k]].name, token: t.token[k], x: t.at[2 * k], y: t.at[2 * k + 1] });
  }
  return out;
}
