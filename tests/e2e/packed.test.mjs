// Big datasets handed to the page as objects cross to the engine as flat arrays (no JSON
// text on the way): the engine checks them as it checks a file, and names what is wrong and
// where; the page shows those messages as text and keeps the previous model.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser, appState } from './app.mjs';
import { mulberry32 } from '../../www/random.js';

const ctx = useBrowser();

/** N sequences of 3 tokens in the plane, labeled round robin over 3 classes. */
function planeSet(N = 240, seed = 3) {
  const u = mulberry32(seed);
  const sequences = [];
  for (let q = 0; q < N; q++) {
    const tokens = Array.from({ length: 3 }, () => [Math.round(u() * 1e6) / 1e5, Math.round(u() * 1e6) / 1e5]);
    sequences.push(q % 5 ? { label: `k${q % 3}`, tokens } : { name: `named ${q}`, label: `k${q % 3}`, tokens });
  }
  return { sequences };
}

test('the packed entry point names every problem with its place, as the file readers do', async () => {
  const { page, context, consoleErrors } = await ctx.open();
  const messages = await page.evaluate(async () => {
    const m = await import('./www/pkg/hardmax.js');
    await m.default();
    const v = Float64Array.of(0, 1, 2, 3, 4, 5);
    const L = (...x) => Uint32Array.from(x);
    const tryIt = (values, lengths, dims, labels, names) => {
      try {
        const s = m.Session.fromPacked(values, lengths, dims, labels, names, {});
        const r = s.report();
        s.free();
        return `built ${r.correct}/${r.total}`;
      } catch (e) {
        return e.message;
      }
    };
    return {
      ok: tryIt(v, L(2, 1), L(2, 2), ['a', 'b'], [null, 'x']),
      labels: tryIt(v, L(2, 1), L(2, 2), ['a'], [null, null]),
      names: tryIt(v, L(2, 1), L(2, 2), ['a', 'b'], [null]),
      dims: tryIt(v, L(2, 1), L(2), ['a', 'b'], [null, null]),
      count: tryIt(v, L(2, 2), L(2, 2), ['a', 'b'], [null, null]),
      nan: tryIt(Float64Array.of(0, 1, 2, 3, NaN, 5), L(2, 1), L(2, 2), ['a', 'b'], [null, null]),
      inf: tryIt(Float64Array.of(0, 1, -Infinity, 3, 4, 5), L(2, 1), L(2, 2), ['a', 'b'], [null, null]),
      empty: tryIt(v, L(3, 0), L(2, 2), ['a', 'b'], [null, null]),
      mixed: tryIt(Float64Array.of(0, 1, 2, 3, 4, 5, 6), L(2, 1), L(2, 3), ['a', 'b'], [null, null]),
      blank: tryIt(v, L(2, 1), L(2, 2), ['a', ' '], [null, null]),
      nothing: tryIt(new Float64Array(0), L(), L(), [], []),
      labelType: tryIt(v, L(2, 1), L(2, 2), ['a', 7], [null, null]),
      nameType: tryIt(v, L(2, 1), L(2, 2), ['a', 'b'], [null, 7]),
    };
  });
  assert.equal(messages.ok, 'built 2/2');
  assert.equal(messages.labels, 'packed dataset: 2 sequence lengths but 1 labels; every sequence needs one of each');
  assert.equal(messages.names, 'packed dataset: 2 sequence lengths but 1 names; every sequence needs one of each');
  assert.equal(messages.dims, 'packed dataset: 2 sequence lengths but 1 dimensions; every sequence needs one of each');
  assert.equal(messages.count, 'packed dataset: the lengths and dimensions call for 8 values, 6 were given');
  assert.equal(messages.nan, 'sequence 2, token 1, coordinate 1: value NaN is not a finite number');
  assert.equal(messages.inf, 'sequence 1, token 2, coordinate 1: value -inf is not a finite number');
  assert.equal(messages.empty, 'sequence 2: the sequence has no tokens (every sequence needs at least one)');
  assert.equal(messages.mixed, 'sequence 2, token 1: expected 2 coordinates per token (as in the first token of the dataset), found 3');
  assert.equal(messages.blank, 'sequence 2: the label is empty');
  assert.equal(messages.nothing, 'the dataset is empty: it has no sequences');
  assert.match(messages.labelType, /^labels: expected an array of strings/);
  assert.match(messages.nameType, /^names: expected an array of strings or nulls/);
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('a big dataset object is built from packed arrays: the same data, errors shown as text', async () => {
  const { page, context, consoleErrors } = await ctx.open();
  const set = planeSet();
  // the page packs it (the path a big dataset takes), and the engine reads back what it was given
  const packed = await page.evaluate(async (ds) => (await import('./www/datasets.js')).plainSource({ kind: 'dataset', dataset: ds }).kind, set);
  assert.equal(packed, 'packed');
  const st = await page.evaluate((ds) => window.hardmax.load(ds), set);
  assert.equal(st.preset, 'custom');
  assert.equal(st.total, 240);
  assert.equal(st.correct, 240);
  const back = await page.evaluate(() => window.hardmax.app.model.dataset());
  assert.equal(back.sequences.length, 240);
  back.sequences.forEach((s, q) => {
    assert.deepEqual(s.tokens, set.sequences[q].tokens);
    assert.equal(s.label, set.sequences[q].label);
    assert.equal(s.name, set.sequences[q].name ?? `seq ${q + 1}`);
  });
  assert.match(await page.textContent('#link-note'), /link/);

  // a sequence of another dimension, then a name holding markup in an engine message
  const mixed = planeSet();
  mixed.sequences[200].tokens[0] = [1, 2, 3];
  const m1 = await page.evaluate((ds) => window.hardmax.load(ds).then(() => null, (e) => e.message), mixed);
  assert.equal(m1, 'sequence 201, token 1: expected 2 coordinates per token (as in the first token of the dataset), found 3');
  assert.equal(await page.textContent('#error .error-text'), m1);
  const evil = '<img src=x onerror="window.__pwned=1">';
  const twins = planeSet();
  twins.sequences[7] = { name: evil, label: 'k0', tokens: [[0, 0], [50, 0]] };
  twins.sequences[8] = { name: 'twin', label: 'k1', tokens: [[50, 0], [0, 0]] };
  const m2 = await page.evaluate((ds) => window.hardmax.load(ds).then(() => null, (e) => e.message), twins);
  assert.match(m2, /^sequences 8 \(<img src=x onerror="window.__pwned=1">, label k0\) and 9 \(twin, label k1\)/);
  assert.ok((await page.textContent('#error .error-text')).includes('<img'), 'the name is shown as text');
  assert.equal(await page.locator('#error img').count(), 0, 'no markup from data');
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  const after = await appState(page);
  assert.deepEqual([after.preset, after.total, after.correct], ['custom', 240, 240], 'the previous model stays');
  assert.deepEqual(consoleErrors, []);
  await context.close();
});
