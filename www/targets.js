// Interpolation targets on the canvas: a hollow diamond in its sequence's colour where each
// read token (one of the last m of its sequence) must end, and a faint line from the read
// token's current position to it, so the line shortens as the place layers play and is gone
// at the last state. Drawn under the tokens, from the renderer's blended screen buffers.

import { withAlpha } from './drawkit.js';

/** Half-diagonal of a target's diamond, in CSS pixels (thumbnails: smaller). */
const DIAMOND = 7;

/** Draws every target of `renderer.model` (a model with `targets`; see worker.js). */
export function drawTargets(renderer) {
  const { ctx, model, sx, sy } = renderer;
  const t = model.targets;
  if (!t || !t.seq.length) return;
  const r = renderer.thumbnail ? 3.5 : DIAMOND;
  ctx.save();
  try {
    // the lines first, so the diamonds sit on top of them
    ctx.lineWidth = 1;
    ctx.setLineDash([3, 3]);
    for (let k = 0; k < t.seq.length; k++) {
      const i = t.token[k];
      if (i < 0 || i >= model.T) continue;
      const [x, y] = renderer.toScreen(t.at[2 * k], t.at[2 * k + 1]);
      ctx.strokeStyle = withAlpha(colorOf(model, t.seq[k]), 0.45);
      ctx.beginPath();
      ctx.moveTo(sx[i], sy[i]);
      ctx.lineTo(x, y);
      ctx.stroke();
    }
    ctx.setLineDash([]);
    ctx.lineWidth = renderer.thumbnail ? 1.2 : 2;
    for (let k = 0; k < t.seq.length; k++) {
      const [x, y] = renderer.toScreen(t.at[2 * k], t.at[2 * k + 1]);
      ctx.strokeStyle = colorOf(model, t.seq[k]);
      ctx.fillStyle = '#ffffff';
      ctx.beginPath();
      ctx.moveTo(x, y - r);
      ctx.lineTo(x + r, y);
      ctx.lineTo(x, y + r);
      ctx.lineTo(x - r, y);
      ctx.closePath();
      ctx.globalAlpha = 0.6;
      ctx.fill();
      ctx.globalAlpha = 1;
      ctx.stroke();
    }
  } finally {
    ctx.restore();
  }
}

/** The read-token count of a model and how many of them sit on their targets at `state`. */
export function targetsOnAt(model, state, tolerance = 1e-6) {
  const t = model.targets;
  if (!t) return { on: 0, total: 0 };
  const p = model.at(state), base = 0;
  let on = 0;
  for (let k = 0; k < t.seq.length; k++) {
    const i = t.token[k];
    if (i < 0) continue;
    const dx = p[base + 2 * i] - t.at[2 * k], dy = p[base + 2 * i + 1] - t.at[2 * k + 1];
    const scale = Math.max(1, Math.abs(t.at[2 * k]), Math.abs(t.at[2 * k + 1]));
    if (Math.hypot(dx, dy) <= tolerance * scale) on++;
  }
  return { on, total: t.seq.length };
}

function colorOf(model, q) {
  const label = model.sequences[q]?.label ?? q;
  return model.classColors[label] || '#555555';
}
