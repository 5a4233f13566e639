// The companion article's tables, measured in the browser by the engine (in its worker):
// blocks against 4N+1, parameters against N·d and the softmax threshold β* on the presets and
// two real datasets; and, for sequence to sequence, blocks against 2Σm+2N+1 and how close
// every read token lands to its target on the interpolation presets.

import { loadEngine } from './model.js';
import { engineOptions, parseHash } from './state.js';

/** What the tables measure: presets by name, real datasets by file (shipped next to the page). */
const ROWS = [
  { label: 'shared tokens (preset)', source: { kind: 'preset', name: 'shared', seed: 0 } },
  { label: 'random (preset)', source: { kind: 'preset', name: 'random', seed: 0 } },
  { label: 'rings (preset)', source: { kind: 'preset', name: 'rings', seed: 0 } },
  { label: 'vowels (preset)', source: { kind: 'preset', name: 'vowels', seed: 0 } },
  { label: 'BasicMotions (train)', file: 'BasicMotions_TRAIN.ts' },
  { label: 'JapaneseVowels (train)', file: 'JapaneseVowels_TRAIN.ts' },
];
const INTERPOLATION_ROWS = ['paths', 'copy', 'reverse', 'translate'].map((name) => ({
  label: `${name} (preset)`,
  source: { kind: 'preset', name, seed: 0 },
}));
/** The accuracy curve's range: one point, since only β* is shown (the engine finds β* walking
 * down from its proven bound, whatever the range). */
const BETA_RANGE = [10, 10];

async function measure() {
  const engine = await loadEngine();
  const options = engineOptions(parseHash(''));
  await fill('counts', ROWS, async (row) => {
    const model = await engine.build(await sourceOf(row), options);
    try {
      const soft = await model.softmaxOverview(...BETA_RANGE);
      return classifyCells(model.report, soft);
    } finally {
      model.dispose();
    }
  });
  await fill('interp-counts', INTERPOLATION_ROWS, async (row) => {
    const model = await engine.build(row.source, options);
    const cells = interpolationCells(model.report);
    model.dispose();
    return cells;
  });
}

/** Measures each row in turn into table `id` (its cell `${id}-status` says which), then shows them. */
async function fill(id, rows, cellsOf) {
  const table = document.getElementById(id);
  const status = document.getElementById(`${id}-status`);
  const width = table.querySelectorAll('thead th').length;
  const out = [];
  for (const row of rows) {
    status.textContent = `measuring ${row.label}…`;
    try {
      out.push([row.label, ...(await cellsOf(row))]);
    } catch (err) {
      out.push([row.label, `not measured: ${err.message}`]);
    }
  }
  table.querySelector('tbody').replaceChildren(...out.map((r) => tr(r, width)));
}

async function sourceOf(row) {
  if (!row.file) return row.source;
  const dir = document.querySelector('meta[name="hardmax-data"]')?.content || 'data/';
  const response = await fetch(new URL(dir + row.file, document.baseURI));
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return { kind: 'text', text: await response.text(), format: 'ts' };
}

function classifyCells(r, soft) {
  const beta = soft.beta_star === null || soft.beta_star === undefined ? 'not found' : Number(soft.beta_star.toPrecision(3));
  return [r.sequences, r.dim, r.blocks, r.paper_blocks, r.params, r.n_times_d, `${r.correct}/${r.total}`, beta];
}

function interpolationCells(r) {
  return [r.sequences, r.sum_m, r.blocks, r.paper_blocks, `${r.correct}/${r.total}`, r.max_target_error.toExponential(1)];
}

function tr(values, width) {
  const row = document.createElement('tr');
  values.forEach((v, j) => {
    const td = document.createElement(j === 0 ? 'th' : 'td');
    if (j === 0) td.scope = 'row';
    td.textContent = typeof v === 'number' ? v.toLocaleString('en-US') : String(v);
    if (values.length === 2 && j === 1) td.colSpan = width - 1;
    row.append(td);
  });
  return row;
}

measure().catch((err) => {
  for (const id of ['counts-status', 'interp-counts-status']) {
    const status = document.getElementById(id);
    if (status) status.textContent = `The engine could not be loaded: ${err.message}`;
  }
});
