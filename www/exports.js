// The export buttons: the dataset and the constructed model as JSON, and what is on screen as
// PNG or SVG. The pictures are the screen: the caption (stage, layer, words, the softmax line),
// the class legend, the legend of the overlays that are on, and the canvas drawn by the same
// code that paints the screen (into a bigger canvas for PNG, into an SVG recorder for SVG).

import { downloadText, downloadBlob, fileStem } from './io.js';
import { messageOf } from './util.js';
import { SvgContext } from './svgcontext.js';
import { classShape, shapePath } from './palette.js';
import { legendMark } from './keys.js';

/**
 * @param els      { dataset, model, png, svg }: the export buttons
 * @param canvas   the main canvas
 * @param renderer the main canvas's Renderer (draws the picture into the export)
 * @param view     the View (its last frame's legend)
 * @param model    () => the built model, or null
 * @param layer    () => the state shown
 * @param size     () => [width, height] of the canvas in CSS pixels
 * @param name     () => what the data is called ("shared", or the imported file's name)
 * @param redraw   draws the current frame (into whatever context the renderer holds)
 * @param onError  shows a message
 */
export function bindExports({ els, canvas, renderer, view, model, layer, size, name, redraw, onError }) {
  const stem = () => fileStem(`hardmax-${name()}`);
  const text = async (what, suffix, type) => {
    const m = model();
    if (!m?.built) return;
    try {
      downloadText(await what(m), `${stem()}-${suffix}`, type);
    } catch (e) {
      onError(`export failed: ${messageOf(e)}`);
    }
  };
  const scene = { renderer, view, size, redraw };
  els.dataset.addEventListener('click', () => text((m) => m.datasetJson(), 'dataset.json', 'application/json'));
  els.model.addEventListener('click', () => text((m) => m.modelJson(), 'model.json', 'application/json'));
  els.png.addEventListener('click', () => {
    if (!model()) return;
    try {
      const picture = scenePng(scene, renderer.dpr || 1);
      picture.toBlob((blob) => {
        if (!blob) return onError('the browser could not encode the picture');
        downloadBlob(blob, `${stem()}-layer${layer()}.png`);
      }, 'image/png');
    } catch (e) {
      onError(`PNG export failed: ${messageOf(e)}`);
    }
  });
  els.svg.addEventListener('click', () => {
    if (!model()) return;
    try {
      downloadText(sceneSvg(scene), `${stem()}-layer${layer()}.svg`, 'image/svg+xml');
    } catch (e) {
      onError(`SVG export failed: ${messageOf(e)}`);
    }
  });
  return { png: (dpr) => scenePng(scene, dpr), svg: () => sceneSvg(scene) };
}

/** The words and marks above the picture, read from the page as shown. */
function headerInfo(view) {
  const get = (id) => document.getElementById(id);
  const m = view.model;
  const soft = get('cap-softmax');
  return {
    stage: get('cap-stage')?.textContent || '',
    stageColor: get('cap-stage')?.style.background || '#ccc',
    counter: get('cap-counter')?.textContent || '',
    caption: get('cap-text')?.textContent || '',
    softmax: soft && !soft.hidden ? soft.textContent : '',
    classes: m ? m.classes.map((c, k) => ({ name: String(c), color: m.classColors[k] || '#888', k })) : [],
    legend: view.lastSpec?.legend || [],
  };
}

/** Lines of `text` no wider than `width` at the context's current font. */
function wrap(ctx, text, width) {
  const lines = [];
  let line = '';
  for (const word of String(text).split(/\s+/).filter(Boolean)) {
    const next = line ? `${line} ${word}` : word;
    if (line && ctx.measureText(next).width > width) {
      lines.push(line);
      line = word;
    } else line = next;
  }
  if (line) lines.push(line);
  return lines;
}

const FONT = 'system-ui, sans-serif';
const PAD = 12;

/** Lays out the header for width W; returns { height, paint(ctx) }. */
function header(ctx, W, info) {
  const inner = W - 2 * PAD;
  ctx.font = `15px ${FONT}`;
  const caption = wrap(ctx, info.caption, inner);
  ctx.font = `13px ${FONT}`;
  const soft = info.softmax ? wrap(ctx, info.softmax, inner) : [];
  ctx.font = `12px ${FONT}`;
  const rows = [];
  let row = [], x = 0;
  for (const it of info.legend) {
    const w = 22 + 4 + ctx.measureText(it.text).width + 14;
    if (row.length && x + w > inner) {
      rows.push(row);
      (row = []), (x = 0);
    }
    row.push({ ...it, x });
    x += w;
  }
  if (row.length) rows.push(row);
  const top = PAD, line1 = 24;
  const capY = top + line1 + 6;
  const softY = capY + caption.length * 20;
  const legY = softY + soft.length * 17 + 4;
  const height = legY + rows.length * 18 + PAD;
  const paint = (g) => {
    g.fillStyle = '#ffffff';
    g.fillRect(0, 0, W, height);
    // stage chip and layer counter
    g.font = `bold 12px ${FONT}`;
    const chip = info.stage.toUpperCase();
    const cw = g.measureText(chip).width + 16;
    g.fillStyle = info.stageColor;
    g.fillRect(PAD, top, cw, 20);
    g.fillStyle = '#111';
    g.textBaseline = 'middle';
    g.textAlign = 'left';
    g.fillText(chip, PAD + 8, top + 10);
    g.font = `12px ${FONT}`;
    g.fillStyle = '#555';
    g.fillText(info.counter, PAD + cw + 10, top + 10);
    // class legend, right-aligned on the first line
    let cx = W - PAD;
    for (const c of [...info.classes].reverse()) {
      g.font = `12px ${FONT}`;
      const tw = g.measureText(c.name).width;
      cx -= tw;
      g.fillStyle = '#222';
      g.fillText(c.name, cx, top + 10);
      cx -= 14;
      g.beginPath();
      shapePath(g, classShape(c.k), cx + 5, top + 10, 5);
      g.fillStyle = c.color;
      g.fill();
      cx -= 12;
    }
    // the caption and the softmax line
    g.font = `15px ${FONT}`;
    g.fillStyle = '#111';
    g.textBaseline = 'top';
    caption.forEach((l, j) => g.fillText(l, PAD, capY + j * 20));
    g.font = `13px ${FONT}`;
    g.fillStyle = '#7a1f1f';
    soft.forEach((l, j) => g.fillText(l, PAD, softY + j * 17));
    // the overlay legend
    rows.forEach((r, j) => {
      const y = legY + j * 18 + 8;
      for (const it of r) {
        legendMark(g, it.mark, PAD + it.x, y, 22, it.color);
        g.font = `12px ${FONT}`;
        g.fillStyle = '#444';
        g.textBaseline = 'middle';
        g.textAlign = 'left';
        g.fillText(it.text, PAD + it.x + 26, y);
      }
    });
    g.fillStyle = '#d5dbe1';
    g.fillRect(0, height - 1, W, 1);
  };
  return { height, paint };
}

/** The screen as a canvas `dpr` times its CSS size: header, then the picture. */
function scenePng({ renderer, view, size, redraw }, dpr) {
  const [W, H] = size();
  const measure = document.createElement('canvas').getContext('2d');
  const head = header(measure, W, headerInfo(view));
  const out = document.createElement('canvas');
  out.width = Math.round(W * dpr);
  out.height = Math.round((head.height + H) * dpr);
  const g = out.getContext('2d');
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  head.paint(g);
  renderer.drawInto(g, { top: head.height, dpr }, redraw);
  redraw();
  return out;
}

/** The screen as SVG text: header, then the picture (same drawing code, recorded). */
function sceneSvg({ renderer, view, size, redraw }) {
  const [W, H] = size();
  const measure = document.createElement('canvas').getContext('2d');
  const head = header(measure, W, headerInfo(view));
  const g = new SvgContext(W, head.height + H);
  head.paint(g);
  renderer.drawInto(g, { top: head.height, dpr: 1 }, redraw);
  redraw();
  return g.toString();
}
