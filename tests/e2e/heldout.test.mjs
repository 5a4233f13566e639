// Held-out data on the page: the built model run on sequences it was not built from. The
// page's numbers are the engine's (a Session made in the test from the same preset and
// options), the drawn held-out tokens are the engine's positions at a frozen clock, bad input
// is a named error in the panel, and names are text, never markup.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { createRequire } from 'node:module';
import { useBrowser, appState } from './app.mjs';
import { screenshot } from './harness.mjs';

const ctx = useBrowser();

/** The engine's own answer for the page's model: a Session built in the page's main thread. */
function facade(page, run) {
  return page.evaluate(async (run) => {
    const engine = await import('./www/pkg/hardmax.js');
    await engine.default();
    const { engineOptions } = await import('./www/state.js');
    const st = window.hardmax.app.state;
    const s = engine.Session.fromPreset(st.preset, st.seed, engineOptions(st));
    try {
      let result;
      if (run.kind === 'preset') result = s.testPreset(st.preset, st.seed);
      else if (run.kind === 'dataset') result = s.testDataset(run.dataset);
      else result = s.testTokens(run.name, run.tokens);
      const positions = run.positionsOf >= 0 ? Array.from(s.heldOutPositions(run.positionsOf)) : null;
      return { result, positions, L: s.layerCount() };
    } finally {
      s.free();
    }
  }, run);
}

const heldOut = (page) => page.evaluate(() => window.hardmax.heldOut());

test('the preset’s held-out set: accuracy and the misclassified list are the engine’s', async () => {
  const { page, consoleErrors } = await ctx.open('#v=1&preset=rings&seed=0');
  await page.click('#ho-preset');
  await page.waitForFunction(() => window.hardmax.heldOut().result !== null);
  const shown = await heldOut(page);
  const { result } = await facade(page, { kind: 'preset' });
  assert.equal(shown.result.total, 18);
  assert.equal(shown.result.correct, result.correct);
  assert.equal(shown.result.labeled, result.labeled);
  assert.deepEqual(shown.result.wrong, result.wrong);
  assert.deepEqual(shown.result.predictions.map((p) => p.predicted), result.predictions.map((p) => p.predicted));
  assert.ok(result.wrong.length > 0, 'rings with another seed has misclassified sequences to show');
  // the panel says the same
  const acc = await page.textContent('#ho-result .ho-accuracy');
  assert.ok(acc.includes(`${result.correct}/${result.labeled} correct`), acc);
  const items = await page.$$eval('#ho-result .ho-item', (bs) => bs.map((b) => b.textContent));
  assert.equal(items.length, result.wrong.length);
  result.wrong.forEach((w, j) => assert.ok(items[j].startsWith(`«${w.name}»: label ${w.label}, predicted ${w.predicted}`), items[j]));
  // the page says the theorem covers the training data only
  const panel = await page.textContent('[data-panel="heldout"]');
  assert.match(panel, /guarantees exact answers on the training data only/);
  // clicking one draws it, with its legend entry
  await page.click('#ho-result .ho-item >> nth=0');
  await page.waitForFunction(() => window.hardmax.heldOut().drawn !== null);
  const after = await heldOut(page);
  assert.equal(after.shown.name, result.wrong[0].name);
  await page.waitForSelector('#overlay-legend [data-key="heldout"]');
  const legend = await page.textContent('#overlay-legend [data-key="heldout"]');
  assert.ok(legend.includes(`held-out «${result.wrong[0].name}»`), legend);
  assert.equal(await page.getAttribute('#ho-result .ho-item >> nth=0', 'aria-pressed'), 'true');
  assert.deepEqual(consoleErrors, []);
});

test('a held-out sequence is drawn at the engine’s positions, state by state, on a frozen clock', async () => {
  const { page, consoleErrors } = await ctx.open('#v=1&preset=rings&seed=0');
  await page.evaluate(() => window.hardmax.test({ sequences: [] }).catch(() => null)); // named error, nothing shown
  await page.click('#ho-preset');
  await page.waitForFunction(() => window.hardmax.heldOut().result !== null);
  const i = 3;
  const { positions, L } = await facade(page, { kind: 'preset', positionsOf: i });
  await page.evaluate(() => window.hardmax.clock.freeze());
  await page.evaluate((i) => window.hardmax.showHeldOut(i), i);
  const n = positions.length / (2 * (L + 1));
  for (const k of [0, 1, Math.floor(L / 2), L - 1, L]) {
    await page.evaluate((k) => window.hardmax.goto(k), k);
    const h = await heldOut(page);
    assert.equal(h.shown.index, i);
    assert.deepEqual([h.drawn.a, h.drawn.b, h.drawn.f], [k, k, 0], `state ${k}`);
    assert.equal(h.drawn.tokens.length, n);
    h.drawn.tokens.forEach((t, j) => {
      assert.equal(t.x, positions[2 * (k * n + j)], `state ${k}, token ${j}, x`);
      assert.equal(t.y, positions[2 * (k * n + j) + 1], `state ${k}, token ${j}, y`);
    });
  }

  // training sequences run as held-out data are drawn exactly on the training tokens
  const training = await page.evaluate(async () => {
    const ds = await window.hardmax.app.model.dataset();
    return window.hardmax.test(ds);
  });
  assert.equal(training.correct, training.total, 'the theorem: every training sequence is right');
  assert.equal(training.wrong.length, 0);
  const q = 5;
  await page.evaluate((q) => window.hardmax.showHeldOut(q), q);
  for (const k of [0, 7, L]) {
    await page.evaluate((k) => window.hardmax.goto(k), k);
    const [h, frame] = await page.evaluate((k) => [window.hardmax.heldOut(), window.hardmax.frame(k)], k);
    const scene = frame.tokens.filter((t) => t.seq === q).sort((a, b) => a.index - b.index);
    assert.equal(h.shown.name, scene[0].name);
    assert.deepEqual(h.drawn.tokens, scene.map(({ x, y }) => ({ x, y })), `state ${k}`);
  }
  assert.deepEqual(consoleErrors, []);
});

test('bad held-out files give named errors in the panel, and the page goes on', async () => {
  const { page, consoleErrors } = await ctx.open('#v=1&preset=shared');
  const wrongD = JSON.stringify({ sequences: [{ name: 'x', label: 'red', tokens: [[1, 2, 3]] }] });
  await page.setInputFiles('#ho-file', { name: 'three.json', mimeType: 'application/json', buffer: Buffer.from(wrongD) });
  await page.waitForSelector('#ho-error:not([hidden])');
  let error = await page.textContent('#ho-error');
  assert.match(error, /^three\.json: the data have d = 3 coordinates per token but the transformer takes d = 2$/);

  await page.setInputFiles('#ho-file', { name: 'broken.json', mimeType: 'application/json', buffer: Buffer.from('{"sequences": [{"tokens": [[1, 2]], "label": "red"},') });
  await page.waitForFunction(() => /broken\.json/.test(document.getElementById('ho-error').textContent));
  error = await page.textContent('#ho-error');
  assert.match(error, /^broken\.json: JSON input, line 1, column \d+: /);

  await page.setInputFiles('#ho-file', { name: 'missing.csv', mimeType: 'text/csv', buffer: Buffer.from('sequence,label,x,y\na,red,1,\n') });
  await page.waitForFunction(() => /missing\.csv/.test(document.getElementById('ho-error').textContent));
  error = await page.textContent('#ho-error');
  assert.match(error, /^missing\.csv: line 2, column 4: missing value$/);

  const rejected = await page.evaluate(() => window.hardmax.test({ text: 'x', format: 'xlsx' }).then(() => null, (e) => e.message));
  assert.match(rejected, /unknown format "xlsx"; expected json, csv or ts/);
  // the page still works: a good file runs, and the model on screen is the same
  const st = await appState(page);
  assert.equal(st.ready, true);
  assert.equal(st.correct, st.total);
  const good = await page.evaluate(() => window.hardmax.test({ sequences: [{ tokens: [[3.1, 3.2], [1, 2]] }, { tokens: [[4, 1]], label: 'blue' }] }));
  assert.equal(good.total, 2);
  assert.equal(good.labeled, 1);
  assert.equal(await page.isHidden('#ho-error'), true);
  assert.deepEqual(consoleErrors, []);
});

test('names in the held-out list are text, never markup', async () => {
  const { page, consoleErrors } = await ctx.open('#v=1&preset=shared');
  const evil = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">';
  const r = await page.evaluate((name) => window.hardmax.test({ sequences: [{ name, label: 'not a class <b>', tokens: [[3, 3.2], [1, 2.2]] }] }), evil);
  assert.equal(r.wrong.length, 1, 'an unknown label counts as wrong');
  assert.equal(r.unknownCount, 1);
  const item = await page.textContent('#ho-result .ho-item');
  assert.ok(item.startsWith(`«${evil}»: label not a class <b>`), item);
  assert.equal(await page.$$eval('#ho-result img, #ho-result script, #ho-result b', (e) => e.length), 0);
  assert.match(await page.textContent('#ho-result'), /the model never saw/);
  await page.click('#ho-result .ho-item');
  await page.waitForFunction(() => window.hardmax.heldOut().drawn !== null);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.deepEqual(consoleErrors, []);
});

test('where does my sequence go: a drawn sequence runs through the built model, which is not rebuilt', async () => {
  const { page, consoleErrors } = await ctx.open('#v=1&preset=shared');
  await page.evaluate(() => (window.__built = window.hardmax.app.model));
  await page.click('#ho-draw');
  assert.equal((await appState(page)).drawing, true);
  const box = await page.locator('#canvas').boundingBox();
  for (const [fx, fy] of [[0.3, 0.4], [0.55, 0.6], [0.7, 0.35]]) {
    await page.mouse.click(box.x + fx * box.width, box.y + fy * box.height);
  }
  const tokens = await page.evaluate(() => window.hardmax.app.draft.currentSequence.tokens.map((t) => [t[0], t[1]]));
  assert.equal(tokens.length, 3);
  await page.click('#ho-draw');
  await page.waitForFunction(() => window.hardmax.heldOut().drawn !== null);
  const h = await heldOut(page);
  const st = await appState(page);
  assert.equal(st.drawing, false);
  assert.equal(st.busy, false);
  assert.equal(await page.evaluate(() => window.hardmax.app.model === window.__built), true, 'the model was not rebuilt');
  const { result } = await facade(page, { kind: 'tokens', name: 'your sequence', tokens });
  assert.equal(h.result.total, 1);
  assert.equal(h.result.labeled, 0);
  assert.equal(h.result.accuracy, null);
  assert.equal(h.shown.name, 'your sequence');
  assert.equal(h.shown.predicted, result.predictions[0].predicted);
  assert.match(await page.textContent('#ho-result'), /predictions only/);

  // the draw panel offers the same for the sequence being drawn there
  await page.click('#draw-toggle');
  await page.uncheck('#draw-auto');
  await page.click('#draw-new');
  await page.mouse.click(box.x + 0.45 * box.width, box.y + 0.5 * box.height);
  const drawn = await page.evaluate(() => window.hardmax.app.draft.currentSequence.tokens.map((t) => [t[0], t[1]]));
  assert.equal(drawn.length, 1);
  await page.click('#draw-probe');
  await page.waitForFunction(() => window.hardmax.heldOut().drawn !== null && !window.hardmax.state().drawing);
  const again = await heldOut(page);
  const engine = await facade(page, { kind: 'tokens', name: 'your sequence', tokens: drawn });
  assert.equal(again.shown.predicted, engine.result.predictions[0].predicted);
  assert.equal(await page.evaluate(() => window.hardmax.app.model === window.__built), true, 'still not rebuilt');
  assert.deepEqual(consoleErrors, []);
});

for (const [w, hgt] of [[390, 844], [1366, 768]]) {
  test(`screenshot at ${w}x${hgt}: a held-out sequence on its way through the layers`, async () => {
    const { page, consoleErrors } = await ctx.open('#v=1&preset=rings&seed=0', { viewport: { width: w, height: hgt } });
    await page.click('#ho-preset');
    await page.waitForFunction(() => window.hardmax.heldOut().result !== null);
    await page.evaluate(() => window.hardmax.clock.freeze());
    await page.click('#ho-result .ho-item >> nth=0');
    await page.waitForFunction(() => window.hardmax.heldOut().drawn !== null);
    const L = (await appState(page)).layers;
    // half way through a tween in the middle of the layers (the clock is frozen, then moved)
    const mid = Math.floor(L / 2);
    await page.evaluate((k) => window.hardmax.goto(k), mid);
    await page.evaluate(() => window.hardmax.play());
    const t = await page.evaluate((k) => window.hardmax.clock.timing(k), mid);
    await page.evaluate((ms) => window.hardmax.clock.advance(ms), t.pause + t.tween / 2);
    const moving = await heldOut(page);
    assert.ok(moving.drawn.tokens.length > 0);
    await screenshot(page, `heldout-${w}x${hgt}-moving`, { fullPage: false });
    await page.evaluate((k) => window.hardmax.goto(k), L);
    const h = await heldOut(page);
    assert.equal(h.drawn.b, L);
    await screenshot(page, `heldout-${w}x${hgt}`, { fullPage: false });
    await page.locator('[data-panel="heldout"]').scrollIntoViewIfNeeded();
    await screenshot(page, `heldout-${w}x${hgt}-panel`, { fullPage: false });
    assert.deepEqual(consoleErrors, []);
  });
}

test('axe-core: the panel with results and with an error has no serious or critical violations', async () => {
  const AXE = path.join(path.dirname(createRequire(import.meta.url).resolve('axe-core/package.json')), 'axe.min.js');
  const { page, consoleErrors } = await ctx.open('#v=1&preset=rings&seed=0', { viewport: { width: 390, height: 844 } });
  await page.click('#ho-preset');
  await page.waitForFunction(() => window.hardmax.heldOut().result !== null);
  await page.click('#ho-result .ho-item >> nth=0');
  await page.evaluate(() => window.hardmax.test({ sequences: [{ tokens: [[1, 2, 3]] }] }).catch(() => null));
  await page.waitForSelector('#ho-error:not([hidden])');
  await page.addScriptTag({ path: AXE });
  const found = await page.evaluate(async () => {
    const r = await window.axe.run(document.querySelector('[data-panel="heldout"]'), { resultTypes: ['violations'] });
    return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => ({ id: v.id, targets: v.nodes.map((n) => n.target.join(' ')) }));
  });
  assert.deepEqual(found, []);
  assert.deepEqual(consoleErrors, []);
});
