// The companion article's table: blocks against 4N+1 and parameters against N·d, measured
// in the browser by the engine (in its worker) on the presets and on two real datasets.

import { loadEngine } from './model.js';
import { engineOptions, parseHash } from './state.js';

/** What the table measures: presets by name, real datasets by file (shipped next to the page). */
const ROWS = [
  { label: 'shared tokens (preset)', source: { kind: 'preset', name: 'shared', seed: 0 } },
  { label: 'random (preset)', source: { kind: 'preset', name: 'random', seed: 0 } },
  { label: 'rings (preset)', source: { kind: 'preset', name: 'rings', seed: 0 } },
  { label: 'vowels (preset)', source: { kind: 'preset', name: 'vowels', seed: 0 } },
  { label: 'BasicMotions (train)', file: 'BasicMotions_TRAIN.ts' },
  { label: 'JapaneseVowels (train)', file: 'JapaneseVowels_TRAIN.ts' },
];

const body = document.querySelector('#counts tbody');
const status = document.getElementById('counts-status');

async function measure() {
  const engine = await loadEngine();
  const options = engineOptions(parseHash(''));
  const rows = [];
  for (const row of ROWS) {
    status.textContent = `measuring ${row.label}…`;
    let source = row.source;
    try {
      if (row.file) {
        const dir = document.querySelector('meta[name="hardmax-data"]')?.content || 'data/';
        const response = await fetch(new URL(dir + row.file, document.baseURI));
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        source = { kind: 'text', text: await response.text(), format: 'ts' };
      }
      const model = await engine.build(source, options);
      rows.push(cells(row.label, model.report));
      model.dispose();
    } catch (err) {
      rows.push([row.label, `not measured: ${err.message}`]);
    }
  }
  body.replaceChildren(...rows.map((r) => tr(r)));
}

function cells(label, r) {
  return [label, r.sequences, r.dim, r.blocks, r.paper_blocks, r.params, r.n_times_d, `${r.correct}/${r.total}`];
}

function tr(values) {
  const row = document.createElement('tr');
  values.forEach((v, j) => {
    const td = document.createElement(j === 0 ? 'th' : 'td');
    if (j === 0) td.scope = 'row';
    td.textContent = typeof v === 'number' ? v.toLocaleString('en-US') : String(v);
    if (values.length === 2 && j === 1) td.colSpan = 7;
    row.append(td);
  });
  return row;
}

measure().catch((err) => {
  status.textContent = `The engine could not be loaded: ${err.message}`;
});
