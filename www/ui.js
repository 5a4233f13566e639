// The panels around the canvas: caption, stats, legend, token tooltip, error box.
// Every string that comes from data or from the engine goes in with textContent.

import { markerSvg, STAGE_COLORS, sequenceColor } from './palette.js';
import { formatMargin } from './overlays.js';
import { renderCaptionText } from './glossary.js';
import { stageBlocks } from './util.js';

/** Creates an element with a class and text (textContent only). */
export function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}

/** "1 sequence", "3 sequences": a count with its noun in the right number. */
export function count(n, noun, plural = `${noun}s`) {
  return `${formatInt(n)} ${n === 1 ? noun : plural}`;
}

export function formatInt(n) {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–';
}

export function formatNumber(x, digits = 3) {
  if (x === Infinity) return '∞';
  if (!Number.isFinite(x)) return '–';
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a >= 1e5 || a < 1e-3 ? x.toExponential(2) : Number(x.toPrecision(digits)).toString();
}

/**
 * The words of a state: { stage, counter, text } — the stage chip, the layer counter and the
 * layer's plain-words caption (the same strings the caption bar shows).
 */
export function captionOf(model, layer) {
  const stage = model.stageOf(layer);
  if (layer === 0) {
    return {
      stage,
      counter: `state 0 of ${model.L} · input`,
      text:
        model.L > 0
          ? `The input: ${count(model.sequences.length, 'sequence')} of tokens${model.sequences.length <= 12 ? ', a line joining each sequence’s tokens in order' : ' (tick “lines joining each sequence” to see which tokens form one)'}; ${model.task === 'interpolate' ? 'each sequence has its own colour. The diamonds ◇ are the targets: each sequence’s last m tokens (drawn strong, the rest faint) must end on its m targets, in order.' : 'color and shape give its label.'} Press play (Space) to run the transformer layer by layer.`
          : 'Draw mode: click to add tokens.',
    };
  }
  const info = model.layers[layer];
  const kind = info.kind === 'sa' ? 'self-attention' : 'feed-forward';
  return { stage, counter: `layer ${layer} of ${model.L} · block ${info.block} · ${kind}`, text: info.caption };
}

/** The caption above the canvas: stage chip, layer counter, the layer's plain-words caption. */
export function renderCaption(els, model, layer) {
  const c = captionOf(model, layer);
  els.stage.textContent = c.stage;
  els.stage.style.background = STAGE_COLORS[c.stage] || '#ccc';
  els.counter.textContent = c.counter;
  renderCaptionText(els.text, c.text, model, sequenceColor);
}

const STAT_ROWS = [
  ['sequences', 'N sequences', (r) => formatInt(r.sequences)],
  ['classes', 'classes', (r) => formatInt(r.classes)],
  ['dim', 'd (dimension)', (r) => formatInt(r.dim)],
  ['max_len', 'max length', (r) => formatInt(r.max_len)],
  ['tokens', 'tokens', (r) => formatInt(r.tokens)],
  ['blocks', 'blocks', (r) => formatInt(r.blocks), (r, m) => `paper: 4N+1 = ${formatInt(r.paper_blocks)}${widthNote(m)}`],
  ['params', 'parameters', (r) => formatInt(r.params), (r) => `N·d = ${formatInt(r.n_times_d)} · nonzero ${formatInt(r.nonzero_params)}`],
  ['splits', 'splits (separate)', (r) => formatInt(r.splits), (r, m) => `in ${count(stageBlocks(m, 'separate'), 'block')}`],
  ['runs', 'label runs', (r) => formatInt(r.runs)],
  ['min_margin', 'smallest margin', (r) => formatNumber(r.min_margin), () => 'to the nearest wrong anchor'],
  ['min_attention_margin', 'smallest attention margin', (r) => formatNumber(r.min_attention_margin)],
  ['max_anchor_error', 'worst anchor error', (r) => formatNumber(r.max_anchor_error)],
  ['time', 'construct / verify', (r) => `${formatNumber(r.construct_ms, 3)} / ${formatNumber(r.verify_ms, 3)} ms`],
];

/** The stats panel of an interpolation (sequence to sequence): read tokens on target. */
const INTERPOLATION_ROWS = [
  ['task', 'task', () => 'interpolate', () => 'read at the last m tokens'],
  ['sequences', 'N sequences', (r) => formatInt(r.sequences)],
  ['sum_m', 'Σm read tokens', (r) => formatInt(r.sum_m)],
  ['read_points', 'read points', (r) => formatInt(r.read_points), () => 'one place tent each'],
  ['dim', 'd (dimension)', (r) => formatInt(r.dim)],
  ['tokens', 'tokens', (r) => formatInt(r.tokens)],
  ['blocks', 'blocks', (r) => formatInt(r.blocks), (r, m) => `paper: 2Σm+2N+1 = ${formatInt(r.paper_blocks)}${widthNote(m)}`],
  ['params', 'parameters', (r) => formatInt(r.params), (r) => `nonzero ${formatInt(r.nonzero_params)}`],
  ['splits', 'splits (separate)', (r) => formatInt(r.splits), (r, m) => `in ${count(stageBlocks(m, 'separate'), 'block')}`],
  ['max_target_error', 'worst target error', (r) => formatNumber(r.max_target_error), (r) => `relative ${formatNumber(r.max_target_error_rel)}`],
  ['min_attention_margin', 'smallest attention margin', (r) => formatNumber(r.min_attention_margin)],
  ['time', 'construct / verify', (r) => `${formatNumber(r.construct_ms, 3)} / ${formatNumber(r.verify_ms, 3)} ms`],
];

/** The width cap a model was built under, for the blocks row (none for a drawing shown as it is). */
const widthNote = (m) => (m.maxWidth ? ` · ${m.maxWidth} neurons per layer` : '');

function renderInterpolationStats(root, model) {
  const r = model.report;
  root.replaceChildren();
  const all = r.correct === r.total;
  const acc = el('div', `accuracy ${all ? 'ok' : 'bad'}`);
  acc.append(
    el('span', 'big', `${formatInt(r.correct)}/${formatInt(r.total)}`),
    el('span', 'small', `read tokens on target, worst error ${formatNumber(r.max_target_error)}`),
  );
  acc.setAttribute('data-testid', 'accuracy');
  root.appendChild(acc);
  const dl = el('dl', 'stats-list');
  for (const [key, name, value, note] of INTERPOLATION_ROWS) {
    const dd = el('dd', null, value(r));
    dd.dataset.key = key;
    dl.append(el('dt', null, name), dd);
    if (note) dl.appendChild(el('dd', 'sub', note(r, model)));
  }
  root.appendChild(dl);
  if (model.view && model.view.explained) {
    const [a, b] = model.view.explained;
    root.appendChild(el('p', 'note', `view: PCA of d = ${model.view.dim}; the two axes explain ${pct(a)} and ${pct(b)} of the variance (one projection for all layers).`));
  }
  if (model.sampled) root.appendChild(el('p', 'note warn', `showing a sample of ${formatInt(model.T)} tokens (of ${formatInt(r.tokens)})`));
  for (const n of r.notes || []) root.appendChild(el('p', 'note', n));
}

/** Fills the stats panel from s.report() and the model. */
export function renderStats(root, model) {
  if (model.task === 'interpolate') return renderInterpolationStats(root, model);
  const r = model.report;
  root.replaceChildren();
  const all = r.correct === r.total;
  const acc = el('div', `accuracy ${all ? 'ok' : 'bad'}`);
  acc.append(el('span', 'big', `${formatInt(r.correct)}/${formatInt(r.total)}`), el('span', 'small', all ? 'correct — every sequence classified exactly' : 'correct'));
  acc.setAttribute('data-testid', 'accuracy');
  root.appendChild(acc);
  const dl = el('dl', 'stats-list');
  for (const [key, name, value, note] of STAT_ROWS) {
    const dt = el('dt', null, name);
    const dd = el('dd', null, value(r));
    dd.dataset.key = key;
    dl.append(dt, dd);
    if (note) dl.appendChild(el('dd', 'sub', note(r, model)));
  }
  root.appendChild(dl);
  root.appendChild(el('p', 'note params-note', paramsNote(r)));
  if (model.view && model.view.explained) {
    const [a, b] = model.view.explained;
    root.appendChild(el('p', 'note', `view: PCA of d = ${model.view.dim}; the two axes explain ${pct(a)} and ${pct(b)} of the variance (one projection for all layers).`));
  }
  if (model.sampled) root.appendChild(el('p', 'note warn', `showing a sample of ${formatInt(model.T)} tokens (of ${formatInt(r.tokens)})`));
  for (const n of r.notes || []) root.appendChild(el('p', 'note', n));
}

/** One line on the constant in "parameters = O(N·d)". */
export function paramsNote(r) {
  const per = r.n_times_d > 0 ? r.params / r.n_times_d : NaN;
  const k = Number.isFinite(per) ? formatNumber(per, 2) : '–';
  return `Why ${formatInt(r.params)} parameters for N·d = ${formatInt(r.n_times_d)}: each block stores a few vectors of length d (tent directions and moves, w, c, u, e) and a handful of scalars, so the count is N·d times a small constant (here ${k}); it never depends on sequence length.`;
}

function pct(x) {
  return `${(100 * x).toFixed(1)}%`;
}

/** The legend: one marker per class, with its name. */
export function renderLegend(root, model) {
  root.replaceChildren();
  // (an interpolation's keys are its sequences: thousands of them would push the canvas off screen)
  model.classes.slice(0, LEGEND_MAX).forEach((name, k) => {
    const item = el('span', 'legend-item');
    item.append(markerSvg(k, model.classColors[k]), el('span', null, name));
    root.appendChild(item);
  });
  const more = model.classes.length - LEGEND_MAX;
  if (more > 0) root.appendChild(el('span', 'legend-item', `… and ${more} more ${model.task === 'interpolate' ? 'sequences' : 'classes'}`));
}
const LEGEND_MAX = 16;

/**
 * The token tooltip (hover or pinned): sequence, label, full-d position, leader and margin.
 * info = { model, token, state, attentionLayer, pinned }
 */
export function renderTooltip(root, info) {
  const { model, token: i, state, attentionLayer, pinned } = info;
  root.replaceChildren();
  const q = model.tokenSeq[i];
  const seq = model.sequences[q];
  const head = el('div', 'tt-head');
  const swatch = el('span', 'tt-seq');
  swatch.style.borderColor = sequenceColor(q);
  swatch.appendChild(markerSvg(seq.label, model.classColors[seq.label]));
  head.append(swatch, el('strong', null, seq.name), el('span', 'tt-label', `label ${model.classes[seq.label] ?? seq.label}`));
  if (pinned) head.appendChild(el('span', 'tt-pin', 'pinned'));
  root.appendChild(head);
  root.appendChild(el('div', 'tt-row', `token ${model.tokenIndex[i] + 1} of ${seq.length} · sequence ${q + 1} of ${model.sequences.length}`));
  let coords;
  try {
    coords = model.tokenPosition(state, i); // null while the worker is asked
    coords = coords ? Array.from(coords) : null;
  } catch (err) {
    console.warn('hardmax: tokenPosition failed', err);
    coords = [];
  }
  const where = state === 0 ? 'input' : `after layer ${state}`;
  if (coords) {
    const shown = coords.slice(0, 12).map((x) => formatNumber(x, 4));
    const more = coords.length > 12 ? ` … (${coords.length} coordinates)` : '';
    root.appendChild(el('div', 'tt-row mono', `x = (${shown.join(', ')})${more}`));
    root.appendChild(el('div', 'tt-row dim', `position ${where}, d = ${coords.length}`));
  } else {
    root.appendChild(el('div', 'tt-row dim', `position ${where}: reading…`));
  }
  const att = attentionLayer ? model.attention(attentionLayer) : null;
  if (att) {
    const l = att.leader[i];
    const m = att.margin[i];
    let text;
    if (l < 0) text = `layer ${attentionLayer} (attention): attends to a token that is not drawn`;
    else if (l === i) text = `layer ${attentionLayer} (attention): it is its own leader`;
    else {
      const lq = model.tokenSeq[l];
      text = `layer ${attentionLayer} (attention): attends to leader token ${model.tokenIndex[l] + 1} of ${model.sequences[lq].name}`;
    }
    root.appendChild(el('div', 'tt-row', text));
    root.appendChild(el('div', 'tt-row', `score margin ${formatMargin(m)}`));
  }
  const same = sharedWith(model, i, state);
  if (same.length) root.appendChild(el('div', 'tt-row dim', `also at this point: ${same.join(', ')}`));
  if (pinned) root.appendChild(el('div', 'tt-row dim', 'click empty space or press Escape to unpin'));
}

/** Names of other sequences with a token at exactly this token's (drawn) position in a state (a few). */
function sharedWith(model, i, state) {
  const p = model.at(Math.min(state, model.L));
  const base = 0;
  const x = p[base + 2 * i], y = p[base + 2 * i + 1];
  const out = new Set();
  for (let j = 0; j < model.T && out.size < 6; j++) {
    if (j !== i && p[base + 2 * j] === x && p[base + 2 * j + 1] === y && model.tokenSeq[j] !== model.tokenSeq[i]) {
      out.add(model.sequences[model.tokenSeq[j]].name);
    }
  }
  return [...out];
}

/** Command-line options an engine message may name, and the page's control for each. */
const PAGE_CONTROLS = {
  positional: 'the “positional encoding” option in the Construction panel, or the button here',
  lift: 'the “lift d = 1 series to (x, t)” option in the Construction panel, or the button here',
  collapse: 'the “collapse layers” menu in the Construction panel',
  labeling: 'the “labeling” menu in the Construction panel',
  seed: 'the construction “seed” in the Construction panel',
  'max-width': 'the “neurons per layer” menu in the Construction panel',
};

/** A message in the page's words: command-line flags become the names of the page's controls. */
export function pageWords(message) {
  return message
    .replace(/\(\s*`?--([a-z][a-z-]*)(?:[ =][^`)]*)?`?\s*\)/g, (m, flag) => (PAGE_CONTROLS[flag] ? `(${PAGE_CONTROLS[flag]})` : ''))
    .replace(/`?--([a-z][a-z-]*)`?/g, (m, flag) => PAGE_CONTROLS[flag] || `the ${flag.replace(/-/g, ' ')} option`)
    .replace(/\s+([.,;:])(?=\s|$)/g, '$1');
}

/**
 * The dismissible error box. When the message points at an option that would fix it
 * (positional encoding, lifting d = 1 series), a button applies that option.
 */
export class ErrorBox {
  constructor(root, fixes) {
    this.root = root;
    this.text = root.querySelector('.error-text');
    this.action = root.querySelector('.error-action');
    this.fixes = fixes; // [{ pattern, label, apply }]
    this.fix = null;
    this.message = null;
    root.querySelector('.error-close').addEventListener('click', () => this.hide());
    this.action.addEventListener('click', () => {
      const fix = this.fix;
      this.hide();
      fix?.apply();
    });
  }

  show(message) {
    this.message = pageWords(String(message));
    this.text.textContent = this.message;
    this.fix = this.fixes.find((f) => f.pattern.test(this.message)) || null;
    this.action.hidden = !this.fix;
    if (this.fix) this.action.textContent = this.fix.label;
    this.root.hidden = false;
  }

  hide() {
    this.message = null;
    this.fix = null;
    this.root.hidden = true;
  }
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** A small SVG picture of a legend mark ('line', 'dash', 'arrow', 'strip', 'ring', 'rings', 'dot'). */
function markSvg(mark, color) {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('width', '22');
  svg.setAttribute('height', '14');
  svg.setAttribute('viewBox', '0 0 22 14');
  svg.setAttribute('aria-hidden', 'true');
  const add = (tag, attrs) => {
    const e = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    svg.appendChild(e);
  };
  const stroke = { stroke: color, 'stroke-width': 2, fill: 'none' };
  if (mark === 'line') add('line', { x1: 1, y1: 7, x2: 21, y2: 7, ...stroke });
  else if (mark === 'dash') add('line', { x1: 1, y1: 7, x2: 21, y2: 7, ...stroke, 'stroke-dasharray': '5 3' });
  else if (mark === 'arrow') {
    add('line', { x1: 1, y1: 7, x2: 16, y2: 7, ...stroke });
    add('path', { d: 'M21 7 L14 3 L14 11 Z', fill: color });
  } else if (mark === 'strip') add('rect', { x: 1, y: 2, width: 20, height: 10, fill: color, 'fill-opacity': 0.25 });
  else if (mark === 'ring') add('circle', { cx: 11, cy: 7, r: 5, ...stroke });
  else if (mark === 'rings') {
    add('circle', { cx: 11, cy: 7, r: 6, ...stroke, 'stroke-width': 1.5 });
    add('circle', { cx: 11, cy: 7, r: 3, ...stroke, 'stroke-width': 1.5 });
  } else if (mark === 'dot') add('circle', { cx: 11, cy: 7, r: 3.5, fill: color, 'fill-opacity': 0.4 });
  else if (mark === 'diamond') add('path', { d: 'M11 1 L17 7 L11 13 L5 7 Z', ...stroke, fill: '#fff' });
  else if (mark === 'faint') add('circle', { cx: 11, cy: 7, r: 5, fill: color, 'fill-opacity': 0.3 });
  return svg;
}

/** The overlay legend beside the canvas: one entry per mark on screen ([{ key, mark, color, text }]). */
export function renderOverlayLegend(root, items) {
  const sig = items.map((it) => `${it.key}:${it.text}`).join('|');
  if (root.dataset.sig === sig) return;
  root.dataset.sig = sig;
  root.replaceChildren();
  root.hidden = !items.length;
  for (const it of items) {
    const item = el('span', 'ol-item');
    item.dataset.key = it.key;
    item.append(markSvg(it.mark, it.color), el('span', null, it.text));
    root.appendChild(item);
  }
}
