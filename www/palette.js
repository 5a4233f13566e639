// Colors and shapes shared by the canvas, the filmstrip, the legend and draw mode.
// Class colors are Okabe–Ito (safe for the common color-vision deficiencies); every class
// also gets its own marker shape, so color is never the only cue.
//
// The engine holds the same tables (src/figures/palette.rs, exported by the wasm facade as
// sharedConstants(), with classColors(names) for the assignment below): the SVG figures
// draw classes exactly as this page does. They are copied here so that drawing needs no
// engine; tests/parity.rs and tests/e2e/parity.test.mjs check that the copies agree.

export const CLASS_COLORS = [
  '#0072B2', // blue
  '#E69F00', // orange
  '#009E73', // bluish green
  '#D55E00', // vermillion
  '#CC79A7', // reddish purple
  '#56B4E9', // sky blue
  '#F0E442', // yellow
  '#000000', // black
];

export const SHAPES = ['circle', 'square', 'triangle', 'diamond', 'triangle-down', 'hexagon', 'star', 'cross'];

/** Outline colors that tell sequences apart (cycled; used while there are few sequences). */
export const SEQUENCE_COLORS = [
  '#1b2a49', '#7a2e0e', '#0b5d4b', '#5b2a86', '#6b5e00',
  '#004f7c', '#8c1c3a', '#3d5a1e', '#4a4a4a', '#7c3f00',
];

/** Outline per sequence only while they can still be told apart; beyond, one quiet outline. */
export const MAX_SEQUENCE_OUTLINES = 24;

export const STAGE_COLORS = {
  input: '#9aa3ad',
  normalize: '#8da0cb',
  separate: '#fc8d62',
  collapse: '#66c2a5',
  label: '#e78ac3',
  snap: '#a6d854',
  // sequence to sequence: the two stages after separate (no collapse, label or snap there)
  park: '#ffd92f',
  place: '#e5c494',
};

export const TENT_COLORS = {
  'jump-out': '#D55E00',
  'move-back': '#0072B2',
  label: '#009E73',
};

export const DIRECTION_COLORS = { w: '#b3002d', c: '#1a6fb5', u: '#6a3d9a', e: '#b35806' };

/** Class names that name a color get that color (a class called "red" is not drawn green). */
export const NAMED_COLORS = {
  blue: '#0072B2', orange: '#E69F00', green: '#009E73', red: '#D55E00', vermillion: '#D55E00',
  purple: '#CC79A7', pink: '#CC79A7', magenta: '#CC79A7', sky: '#56B4E9', cyan: '#56B4E9',
  'light blue': '#56B4E9', yellow: '#F0E442', black: '#000000',
};

/**
 * One color per class: names of colors keep their color, the others take the unused
 * Okabe–Ito colors in order (cycling past eight classes).
 */
export function classColors(classes) {
  const out = new Array(classes.length);
  const used = new Set();
  classes.forEach((name, k) => {
    const c = NAMED_COLORS[String(name).trim().toLowerCase()];
    if (c && !used.has(c)) {
      out[k] = c;
      used.add(c);
    }
  });
  const free = CLASS_COLORS.filter((c) => !used.has(c));
  let next = 0;
  for (let k = 0; k < classes.length; k++) {
    if (out[k]) continue;
    // Past one round the colors shift by one, so that (color, shape) never repeats.
    const pool = free.length ? free : CLASS_COLORS;
    out[k] = pool[(next + Math.floor(next / pool.length)) % pool.length];
    next++;
  }
  return out;
}

export function classShape(k) {
  return SHAPES[k % SHAPES.length];
}

export function sequenceColor(i) {
  return SEQUENCE_COLORS[i % SEQUENCE_COLORS.length];
}

/**
 * Adds the outline of a marker of the given shape centred at (x, y) with "radius" r to the
 * current path (no beginPath/fill here, so many markers share one path).
 */
export function shapePath(ctx, shape, x, y, r) {
  switch (shape) {
    case 'square': {
      const s = r * 0.88;
      ctx.rect(x - s, y - s, 2 * s, 2 * s);
      break;
    }
    case 'triangle': {
      const s = r * 1.2;
      ctx.moveTo(x, y - s);
      ctx.lineTo(x + s * 0.866, y + s * 0.5);
      ctx.lineTo(x - s * 0.866, y + s * 0.5);
      ctx.closePath();
      break;
    }
    case 'triangle-down': {
      const s = r * 1.2;
      ctx.moveTo(x, y + s);
      ctx.lineTo(x + s * 0.866, y - s * 0.5);
      ctx.lineTo(x - s * 0.866, y - s * 0.5);
      ctx.closePath();
      break;
    }
    case 'diamond': {
      const s = r * 1.2;
      ctx.moveTo(x, y - s);
      ctx.lineTo(x + s, y);
      ctx.lineTo(x, y + s);
      ctx.lineTo(x - s, y);
      ctx.closePath();
      break;
    }
    case 'hexagon': {
      const s = r * 1.05;
      ctx.moveTo(x + s, y);
      for (let k = 1; k < 6; k++) ctx.lineTo(x + s * HEX_COS[k], y + s * HEX_SIN[k]);
      ctx.closePath();
      break;
    }
    case 'star': {
      const s = r * 1.3;
      ctx.moveTo(x + s * STAR[0], y + s * STAR[1]);
      for (let k = 2; k < STAR.length; k += 2) ctx.lineTo(x + s * STAR[k], y + s * STAR[k + 1]);
      ctx.closePath();
      break;
    }
    case 'cross': {
      const s = r * 1.1, t = r * 0.38;
      ctx.moveTo(x - t, y - s);
      ctx.lineTo(x + t, y - s);
      ctx.lineTo(x + t, y - t);
      ctx.lineTo(x + s, y - t);
      ctx.lineTo(x + s, y + t);
      ctx.lineTo(x + t, y + t);
      ctx.lineTo(x + t, y + s);
      ctx.lineTo(x - t, y + s);
      ctx.lineTo(x - t, y + t);
      ctx.lineTo(x - s, y + t);
      ctx.lineTo(x - s, y - t);
      ctx.lineTo(x - t, y - t);
      ctx.closePath();
      break;
    }
    default:
      ctx.moveTo(x + r, y);
      ctx.arc(x, y, r, 0, 2 * Math.PI);
  }
}

const HEX_COS = [], HEX_SIN = [];
for (let k = 0; k < 6; k++) {
  HEX_COS.push(Math.cos((k * Math.PI) / 3));
  HEX_SIN.push(Math.sin((k * Math.PI) / 3));
}
const STAR = [];
for (let k = 0; k < 10; k++) {
  const a = -Math.PI / 2 + (k * Math.PI) / 5;
  const rr = k % 2 ? 0.45 : 1;
  STAR.push(rr * Math.cos(a), rr * Math.sin(a));
}

/** A small SVG of a marker, for legends (built with DOM calls, no markup strings). */
export function markerSvg(classIndex, color, size = 14) {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('width', size);
  svg.setAttribute('height', size);
  svg.setAttribute('viewBox', `0 0 ${size} ${size}`);
  svg.setAttribute('aria-hidden', 'true');
  const path = document.createElementNS(ns, 'path');
  path.setAttribute('d', shapeToSvgPath(classShape(classIndex), size / 2, size / 2, size * 0.32));
  path.setAttribute('fill', color);
  path.setAttribute('stroke', '#222');
  path.setAttribute('stroke-width', '1');
  svg.appendChild(path);
  return svg;
}

/** The same marker geometry as shapePath, as an SVG path string. */
function shapeToSvgPath(shape, x, y, r) {
  const parts = [];
  const rec = {
    moveTo: (a, b) => parts.push(`M${a.toFixed(2)} ${b.toFixed(2)}`),
    lineTo: (a, b) => parts.push(`L${a.toFixed(2)} ${b.toFixed(2)}`),
    closePath: () => parts.push('Z'),
    rect: (a, b, w, h) => parts.push(`M${a} ${b}h${w}v${h}h${-w}Z`),
    arc: (cx, cy, rr) =>
      parts.push(`M${cx - rr} ${cy}a${rr} ${rr} 0 1 0 ${2 * rr} 0a${rr} ${rr} 0 1 0 ${-2 * rr} 0`),
  };
  if (shape === 'circle') rec.arc(x, y, r);
  else shapePath(rec, shape, x, y, r);
  return parts.join('');
}
