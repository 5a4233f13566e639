// The export buttons: the dataset and the constructed model as JSON, and the state on screen
// as PNG (the canvas) or SVG (drawn by the engine). File names say what and which state.

import { downloadText, downloadCanvasPng, fileStem } from './io.js';
import { messageOf } from './util.js';

/**
 * @param els     { dataset, model, png, svg }: the export buttons
 * @param canvas  the main canvas (PNG)
 * @param model   () => the built model, or null
 * @param layer   () => the state shown
 * @param size    () => [width, height] of the canvas in CSS pixels (SVG)
 * @param name    () => what the data is called ("shared", or the imported file's name)
 * @param redraw  draws the current frame (so the PNG holds exactly what is shown)
 * @param onError shows a message
 */
export function bindExports({ els, canvas, model, layer, size, name, redraw, onError }) {
  const stem = () => fileStem(`hardmax-${name()}`);
  const text = (what, suffix, type) => {
    const m = model();
    if (!m?.built) return;
    try {
      downloadText(what(m), `${stem()}-${suffix}`, type);
    } catch (e) {
      onError(`export failed: ${messageOf(e)}`);
    }
  };
  els.dataset.addEventListener('click', () => text((m) => m.datasetJson(), 'dataset.json', 'application/json'));
  els.model.addEventListener('click', () => text((m) => m.modelJson(), 'model.json', 'application/json'));
  els.png.addEventListener('click', () => {
    redraw();
    downloadCanvasPng(canvas, `${stem()}-layer${layer()}.png`).catch((e) => onError(messageOf(e)));
  });
  els.svg.addEventListener('click', () => {
    const m = model();
    if (!m?.built) return;
    try {
      const [w, h] = size();
      downloadText(m.svg(layer(), w, h), `${stem()}-layer${layer()}.svg`, 'image/svg+xml');
    } catch (e) {
      onError(`SVG export failed: ${messageOf(e)}`);
    }
  });
}
