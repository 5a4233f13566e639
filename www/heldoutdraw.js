// The held-out sequence shown on the main canvas (www/heldout.js owns the panel): hollow rings
// joined by a dashed line through the same layers, on the same playback clock, with a tag that
// names it and, once the layers are done, where it lands.

const INK = '#111';

/**
 * Draws held-out sequence `s` ({ name, label, predicted, predictedIndex, positions, n }) of model
 * `m` with renderer `r` for playback frame `spec` ({ a, b, f, legend? }); returns what it drew,
 * { a, b, f, tokens: [{ x, y }] } in view coordinates.
 */
export function drawHeldOut(r, spec, s, m) {
  const { a, b, f } = spec;
  const P = s.positions, n = s.n;
  const ctx = r.ctx;
  const tokens = [];
  const pts = [];
  for (let j = 0; j < n; j++) {
    const ia = 2 * (a * n + j), ib = 2 * (b * n + j);
    const x = f === 0 ? P[ia] : (1 - f) * P[ia] + f * P[ib];
    const y = f === 0 ? P[ia + 1] : (1 - f) * P[ia + 1] + f * P[ib + 1];
    tokens.push({ x, y });
    pts.push(r.toScreen(x, y));
  }
  const W = r.cssW, H = r.cssH, pad = 10;
  const inside = ([px, py]) => px >= 0 && px <= W && py >= 0 && py <= H;
  const clamp = ([px, py]) => [Math.min(W - pad, Math.max(pad, px)), Math.min(H - pad, Math.max(pad, py))];
  const classOf = s.label !== null && m.classes.includes(s.label) ? m.classes.indexOf(s.label) : s.predictedIndex;
  const color = m.classColors[classOf] || INK;
  const radius = r.tokenRadius() + 3;
  ctx.save();
  ctx.lineWidth = 1.5;
  ctx.strokeStyle = INK;
  ctx.setLineDash([5, 4]);
  ctx.beginPath();
  pts.map(clamp).forEach(([px, py], j) => (j ? ctx.lineTo(px, py) : ctx.moveTo(px, py)));
  ctx.stroke();
  ctx.setLineDash([]);
  for (const p of pts) {
    const [px, py] = clamp(p);
    const off = !inside(p);
    ctx.lineWidth = 4;
    ctx.strokeStyle = '#fff';
    ring(ctx, px, py, radius);
    ctx.lineWidth = 2.5;
    ctx.strokeStyle = color;
    if (off) ctx.setLineDash([2, 2]);
    ring(ctx, px, py, radius);
    ctx.setLineDash([]);
    ctx.lineWidth = 1;
    ctx.strokeStyle = INK;
    ring(ctx, px, py, radius + 2);
  }
  // a tag beside the sequence: its name, and where it lands once the layers are done
  let cx = 0, cy = 0;
  for (const p of pts.map(clamp)) (cx += p[0] / n), (cy += p[1] / n);
  const atEnd = b === m.L && (f === 0 || a === b);
  const offView = pts.some((p) => !inside(p));
  const tag = `held out «${s.name}»${atEnd ? ` → ${s.predicted}` : ''}${offView ? ' (partly outside the view)' : ''}`;
  ctx.font = 'bold 13px system-ui, sans-serif';
  const w = ctx.measureText(tag).width;
  // left of the sequence and above it (the counts of coincident tokens are written to the right)
  const tx = Math.min(W - w - 6, Math.max(6, cx - radius - 8 - w)), ty = Math.min(H - 8, Math.max(18, cy - radius - 8));
  ctx.fillStyle = 'rgba(255,255,255,0.85)';
  ctx.fillRect(tx - 3, ty - 14, w + 6, 19);
  ctx.fillStyle = INK;
  ctx.fillText(tag, tx, ty);
  ctx.restore();
  spec.legend?.push({
    key: 'heldout', mark: 'ring', color: INK,
    text: `hollow rings, dashed line: held-out «${s.name}» (not training data)${s.label !== null ? `, label ${s.label}` : ''}, predicted ${s.predicted}`,
  });
  return { a, b, f, tokens };
}

function ring(ctx, x, y, r) {
  ctx.beginPath();
  ctx.arc(x, y, r, 0, 2 * Math.PI);
  ctx.stroke();
}
