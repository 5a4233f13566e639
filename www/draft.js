// The draft of draw mode: a 2D dataset built by clicking on the canvas. It is a plain dataset
// object {sequences:[{tokens:[[x,y],..], label, name, target?}]} in input coordinates (with
// targets, clicked in targets mode, it is a sequence-to-sequence dataset); the canvas
// shows it with a view box that stays fixed while you draw (so points stay where you
// click). Clicking within SNAP_PX of an existing token reuses its exact coordinates, which
// makes shared tokens (the interesting case) easy to draw.

import { Model } from './model.js';

export const SNAP_PX = 8;
export const LABELS = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H'];

export class Draft {
  /**
   * @param els      { label: <select>, status: element }
   * @param onChange called after every edit with (draft, { construct: bool })
   */
  constructor(els, onChange) {
    this.els = els;
    this.onChange = onChange;
    this.active = false;
    this.targets = false; // whether clicks add targets (sequence to sequence) instead of tokens
    this.draft = { sequences: [] };
    this.current = -1;
    this.box = [-1, -1, 1, 1];
    this.model = null;
    els.label.addEventListener('change', () => this.setLabel(els.label.value));
  }

  /**
   * Starts drawing. `dataset` (optional) is the current 2D dataset to continue from and
   * `box` the view box of its input state, so the picture does not move.
   */
  enter(dataset, box) {
    this.active = true;
    this.draft = dataset
      ? { sequences: dataset.sequences.map((s, i) => copySequence(s, i)) }
      : { sequences: [] };
    this.box = box ? padBox(box, 0.12) : [-1, -1, 1, 1];
    if (!this.draft.sequences.length) {
      this.syncLabels();
      this.els.label.value = LABELS[0]; // a fresh drawing starts with its own labels
      this.newSequence(false);
    }
    this.current = this.draft.sequences.length - 1;
    this.refresh(false);
  }

  leave() {
    this.active = false;
    this.targets = false;
  }

  get currentSequence() {
    return this.draft.sequences[this.current];
  }

  /**
   * Adds a token — or in targets mode a target of the current sequence — at a canvas point
   * (CSS px), snapping to a token within SNAP_PX.
   */
  addAt(px, py, renderer) {
    const seq = this.currentSequence || this.newSequence(false);
    const hit = renderer.hitTest(px, py, SNAP_PX);
    let token;
    if (hit >= 0) {
      // the draft's own (f64) coordinates, not the f32 copy the canvas draws from
      const t = this.draft.sequences[this.model.tokenSeq[hit]].tokens[this.model.tokenIndex[hit]];
      token = [t[0], t[1]];
    } else {
      const [x, y] = renderer.toData(px, py);
      const step = Math.pow(10, Math.floor(Math.log10(Math.max(1e-12, this.box[2] - this.box[0]))) - 3);
      token = [roundTo(x, step), roundTo(y, step)];
    }
    if (this.targets) (seq.target ??= []).push(token);
    else seq.tokens.push(token);
    this.refresh(true);
    return { snapped: hit >= 0, token };
  }

  newSequence(notify = true) {
    const label = this.els.label.value || LABELS[0];
    const used = new Set(this.draft.sequences.map((s) => s.name));
    let n = this.draft.sequences.length + 1;
    while (used.has(`seq ${n}`)) n++;
    const seq = { name: `seq ${n}`, label, tokens: [] };
    // An empty sequence left behind is replaced rather than piled up.
    const last = this.draft.sequences[this.draft.sequences.length - 1];
    if (last && !last.tokens.length) this.draft.sequences.pop();
    this.draft.sequences.push(seq);
    this.current = this.draft.sequences.length - 1;
    if (notify) this.refresh(false);
    return seq;
  }

  setLabel(label) {
    const seq = this.currentSequence;
    if (seq) seq.label = label;
    this.refresh(Boolean(seq && seq.tokens.length));
  }

  /** Targets mode on or off (clicks add targets, or tokens). */
  setTargets(on) {
    this.targets = Boolean(on);
    this.refresh(false);
  }

  deleteLastToken() {
    const seq = this.currentSequence;
    if (!seq) return;
    if (this.targets && seq.target?.length) seq.target.pop();
    else if (seq.tokens.length) seq.tokens.pop();
    else if (this.draft.sequences.length > 1) {
      this.draft.sequences.splice(this.current, 1);
      this.current = this.draft.sequences.length - 1;
    }
    this.refresh(true);
  }

  deleteSequence() {
    if (this.current < 0) return;
    this.draft.sequences.splice(this.current, 1);
    this.current = this.draft.sequences.length - 1;
    if (!this.draft.sequences.length) this.newSequence(false);
    this.refresh(true);
  }

  clear() {
    this.draft = { sequences: [] };
    this.els.label.value = LABELS[0]; // a fresh drawing starts with its own labels, not the last data's
    this.newSequence(false);
    this.refresh(false);
  }

  /** Selects the sequence that holds a drawn token (click with Shift, or pin). */
  select(seqIndex) {
    if (seqIndex >= 0 && seqIndex < this.draft.sequences.length) {
      this.current = seqIndex;
      this.refresh(false);
    }
  }

  /** Whether some sequence has targets: the draft is then sequence to sequence. */
  get interpolates() {
    return this.draft.sequences.some((s) => s.target?.length);
  }

  /** The draft without empty sequences: what the engine is given (targets instead of labels once there are any). */
  dataset() {
    const seqs = this.draft.sequences.filter((s) => s.tokens.length);
    if (!this.interpolates) return { sequences: seqs.map(({ name, label, tokens }) => ({ name, label, tokens })) };
    return { sequences: seqs.map(({ name, tokens, target }) => ({ name, tokens, target: target ?? [] })) };
  }

  /** Whether the draft has enough to construct: two labels, or a target per read token of every sequence. */
  readiness() {
    const ds = this.dataset();
    if (!ds.sequences.length) return 'click on the canvas to add tokens to the sequence';
    if (this.interpolates) {
      const none = ds.sequences.find((s) => !s.target.length);
      if (none) return `${none.name} has no target yet (select it with Shift-click, then “add targets ◇” and click where its last token should land)`;
      const over = ds.sequences.find((s) => s.target.length > s.tokens.length);
      if (over) return `${over.name} has ${over.target.length} targets for ${over.tokens.length} tokens (at most one per token: its last m tokens land on its m targets)`;
      return null;
    }
    const labels = new Set(ds.sequences.map((s) => s.label));
    if (labels.size < 2) return 'add a sequence with another label (new sequence, then pick a label), or targets (“add targets ◇”)';
    return null;
  }

  refresh(construct) {
    this.model = Model.fromDataset(this.draft);
    this.syncLabels();
    const seq = this.currentSequence;
    const ds = this.dataset();
    const tokens = ds.sequences.reduce((n, s) => n + s.tokens.length, 0);
    const parts = [];
    const targets = seq?.target?.length ? `, ${count(seq.target.length, 'target')} (its last ${seq.target.length} tokens are read)` : '';
    if (seq) parts.push(`${this.targets ? 'targets for' : 'drawing'} ${seq.name}${this.interpolates ? '' : ` (label ${seq.label})`}: ${count(seq.tokens.length, 'token')}${targets}`);
    parts.push(`${ds.sequences.length} sequences, ${tokens} tokens`);
    const hint = this.readiness();
    if (hint) parts.push(hint);
    this.els.status.textContent = parts.join(' · ');
    this.onChange(this.draft, { construct: construct && !hint });
  }

  /** Keeps the label chooser listing A..H plus any label the draft uses. */
  syncLabels() {
    const sel = this.els.label;
    const names = [...new Set([...LABELS, ...this.draft.sequences.map((s) => s.label)])];
    const want = this.currentSequence ? this.currentSequence.label : sel.value || LABELS[0];
    if (sel.options.length !== names.length || [...sel.options].some((o, i) => o.value !== names[i])) {
      sel.replaceChildren(...names.map((n) => new Option(n, n)));
    }
    sel.value = want;
  }
}

/** A copy of a dataset's sequence for drawing (its targets too, when it has them). */
function copySequence(s, i) {
  const out = { name: s.name || `seq ${i + 1}`, label: String(s.label ?? LABELS[0]), tokens: s.tokens.map((t) => [t[0], t[1]]) };
  if (Array.isArray(s.target)) out.target = s.target.map((t) => [t[0], t[1]]);
  return out;
}

function count(n, word) {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function roundTo(x, step) {
  return Number((Math.round(x / step) * step).toPrecision(12));
}

function padBox(box, frac) {
  let [x0, y0, x1, y1] = box;
  const span = Math.max(x1 - x0, y1 - y0, 1e-6);
  const cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
  const h = (span / 2) * (1 + 2 * frac);
  return [cx - h, cy - h, cx + h, cy + h];
}
