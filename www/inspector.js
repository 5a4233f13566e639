// The token inspector: hover a token on the canvas for a tooltip (sequence, label, full-d
// position, leader and margin), click to pin it into the Token panel, Escape to unpin.
// While drawing, the tooltip names the drawn token instead.

import { renderTooltip, el } from './ui.js';
import { canvasPoint } from './util.js';

const HIT_PX = 9;
const PIN_HINT = 'hover a token for its sequence, position and leader; click to pin it.';

export class Inspector {
  /**
   * @param canvas   the main canvas (pointer events)
   * @param renderer its Renderer (hit tests and screen positions of the last frame)
   * @param els      { tooltip, pinned }: the floating tooltip and the Token panel
   * @param model    () => the built model, or null
   * @param layer    () => the state shown
   * @param draft    the draw-mode Draft (hover shows drawn tokens while it is active)
   * @param redraw   draws the frame again (hover and pin marks changed)
   */
  constructor({ canvas, renderer, els, model, layer, draft, redraw }) {
    Object.assign(this, { canvas, renderer, els, model, layer, draft, redraw });
    this.hover = -1;
    this.pinned = -1;
    canvas.addEventListener('pointermove', (e) => this.onPointerMove(e));
    canvas.addEventListener('pointerleave', () => {
      this.hover = -1;
      els.tooltip.hidden = true;
      redraw();
    });
  }

  /** A new model (or leaving draw mode): nothing hovered or pinned. */
  reset() {
    this.pinned = -1;
    this.hover = -1;
    this.els.tooltip.hidden = true;
    this.renderPinned();
  }

  /** Forgets the hovered token and hides the tooltip. */
  clearHover() {
    this.hover = -1;
    this.els.tooltip.hidden = true;
  }

  /** Pins the token under a click (or unpins it when it is the pinned one). */
  click(ev) {
    const [px, py] = canvasPoint(this.canvas, ev);
    const hit = this.renderer.hitTest(px, py, HIT_PX);
    this.pinned = hit === this.pinned ? -1 : hit;
    this.renderPinned();
    this.redraw();
  }

  /** Unpins; returns false when nothing was pinned. */
  unpin() {
    if (this.pinned < 0) return false;
    this.pinned = -1;
    this.renderPinned();
    this.redraw();
    return true;
  }

  onPointerMove(ev) {
    const [px, py] = canvasPoint(this.canvas, ev);
    const hit = this.renderer.hitTest(px, py, HIT_PX);
    if (hit !== this.hover) {
      this.hover = hit;
      this.renderTooltip();
      this.redraw();
    }
    this.place();
  }

  renderTooltip() {
    const tip = this.els.tooltip;
    const m = this.model();
    if (this.hover < 0 || this.draft.active || !m) {
      if (this.draft.active && this.hover >= 0) {
        const d = this.draft.model;
        const q = d.tokenSeq[this.hover];
        tip.replaceChildren(el('div', 'tt-row', `${d.sequences[q].name} · label ${d.classes[d.tokenClass[this.hover]]} · click to reuse this token`));
        tip.hidden = false;
        return;
      }
      tip.hidden = true;
      return;
    }
    const layer = this.layer();
    renderTooltip(tip, { model: m, token: this.hover, state: layer, attentionLayer: m.attentionLayerFor(layer), pinned: false });
    tip.hidden = false;
  }

  /** Keeps the tooltip beside the hovered token (after every frame: tokens move). */
  place() {
    const tip = this.els.tooltip;
    if (tip.hidden || this.hover < 0) return;
    const [x, y] = this.renderer.screenOf(this.hover);
    const w = this.renderer.cssW;
    const left = x + 14 + tip.offsetWidth > w ? x - 14 - tip.offsetWidth : x + 14;
    tip.style.left = `${Math.max(4, left)}px`;
    tip.style.top = `${Math.max(4, y - 10)}px`;
  }

  /** The Token panel: the pinned token at the state shown, or a hint. */
  renderPinned() {
    const root = this.els.pinned;
    const m = this.model();
    if (this.pinned < 0 || !m || this.pinned >= m.T) {
      root.replaceChildren(el('p', 'hint', PIN_HINT));
      return;
    }
    const layer = this.layer();
    renderTooltip(root, { model: m, token: this.pinned, state: layer, attentionLayer: m.attentionLayerFor(layer), pinned: true });
    if (this.hover >= 0) this.renderTooltip();
  }
}
