// The width control (hidden neurons per feed-forward layer): a wider cap packs several splits
// into one separate block, each jumped token to its own height. Changing the menu rebuilds the
// model with fewer blocks, still exact; the width lives in the link and comes back on reload;
// a width the engine would refuse is refused in the link too, visibly, never with an error.
// States are driven through window.hardmax (goto, load): nothing here depends on timing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { screenshot, HANG_GUARD_MS } from './harness.mjs';
import { useBrowser, appState } from './app.mjs';
import { mulberry32 } from '../../www/random.js';

const ctx = useBrowser();

/**
 * N sequences that all hold one "hub" token, the highest along every positive direction, plus k
 * tokens drawn from a small shared pool; four classes. Every differently labeled pair shares its
 * leader, so the separate stage has many splits (N = 12, seed 5: 11).
 */
function hubSet({ N = 12, pool = 10, k = 3, seed = 5 } = {}) {
  const rand = mulberry32(seed);
  const shared = Array.from({ length: pool }, () => [Number((rand() * 2).toFixed(3)), Number((rand() * 2).toFixed(3))]);
  const sequences = [];
  for (let q = 0; q < N; q++) {
    const picks = new Set();
    while (picks.size < k) picks.add(Math.floor(rand() * pool));
    sequences.push({ name: `s${q + 1}`, label: `c${q % 4}`, tokens: [...[...picks].map((i) => shared[i]), [3, 3]] });
  }
  return { sequences };
}

/** Picks a width in the menu and waits until the model built with it is shown. */
async function chooseWidth(page, width) {
  await page.selectOption('#width', String(width));
  await page.waitForFunction((w) => {
    const s = window.hardmax.state();
    return s.ready && !s.busy && s.width === w;
  }, width, { timeout: HANG_GUARD_MS });
  return appState(page);
}

/** The layers of the separate stage, with their kind and caption. */
function separateLayers(page) {
  return page.evaluate(() => {
    const m = window.hardmax.app.model;
    const out = [];
    for (let k = 1; k <= m.L; k++) if (m.layers[k].stage === 'separate') out.push({ k, kind: m.layers[k].kind, caption: m.layers[k].caption });
    return out;
  });
}

test('the width menu rebuilds shared with fewer blocks, exact; the link holds the width and a reload restores it', { timeout: HANG_GUARD_MS }, async () => {
  const { page, context, consoleErrors } = await ctx.open('#v=1&preset=shared');
  let s = await appState(page);
  assert.equal(s.width, 6);
  assert.equal(await page.inputValue('#width'), '6');
  assert.equal(s.blocks, 9);
  assert.equal((await separateLayers(page)).filter((l) => l.kind === 'ff').length, 3, 'width 6: one split per block');

  s = await chooseWidth(page, 24);
  assert.equal(s.blocks, 5, 'width 24: the three splits share one block, the label tents one layer');
  assert.ok(s.blocks < 9);
  assert.equal(s.correct, s.total, 'still exact');
  assert.equal(s.error, null);
  assert.match(await page.textContent('#stats [data-testid="accuracy"]'), /every sequence classified exactly/);
  assert.equal(await page.textContent('#stats dd[data-key="blocks"]'), '5');
  assert.match(await page.textContent('#stats'), /paper: 4N\+1 = 25 · 24 neurons per layer/);
  assert.equal(await page.textContent('#stats dd[data-key="splits"] + dd.sub'), 'in 1 block', 'the splits row says the three splits took one block');
  const sep = await separateLayers(page);
  const ff = sep.filter((l) => l.kind === 'ff'), sa = sep.filter((l) => l.kind === 'sa');
  assert.equal(ff.length, 1);
  assert.match(ff[0].caption, /^Split 1–3\/3: 3 tokens .* jump out along w, each to its own height/);
  assert.match(sa[0].caption, /breaks into as many as 4 parts/);
  // the jump layer names its three jump-outs once (read from the SVG export of what is drawn)
  const words = await page.evaluate(async (k) => {
    await window.hardmax.goto(k);
    return [...window.hardmax.app.exports.svg().matchAll(/<text\b[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
  }, ff[0].k);
  assert.ok(words.includes('3 jump-outs, each to its own height'), words.join(' | '));
  assert.ok(!words.includes('jump-out'), 'not one label per jump');
  // the caption bar says the same at that layer
  await page.evaluate((k) => window.hardmax.goto(k), sa[0].k);
  assert.match(await page.textContent('#cap-text'), /each by its own jumped leader's height/);
  // the last state: every sequence on its own class's anchor (the drawn positions)
  const last = await page.evaluate(() => window.hardmax.goto(window.hardmax.state().layers).then(() => window.hardmax.frame(window.hardmax.state().layers)));
  const anchor = new Map(last.anchors.map((a) => [a.label, a]));
  for (const t of last.tokens) assert.ok(Math.hypot(t.x - anchor.get(t.label).x, t.y - anchor.get(t.label).y) < 1e-4, `${t.name} on its anchor`);

  await page.waitForFunction(() => /(^#|&)width=24(&|$)/.test(location.hash));
  await page.reload();
  await page.waitForFunction(() => window.hardmax?.state().ready === true, null, { timeout: HANG_GUARD_MS });
  s = await appState(page);
  assert.equal(s.width, 24);
  assert.equal(s.blocks, 5);
  assert.equal(await page.inputValue('#width'), '24');
  // back to 6: the default is not written into the link
  s = await chooseWidth(page, 6);
  assert.equal(s.blocks, 9);
  await page.waitForFunction(() => !/width=/.test(location.hash));
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('a data set with many splits: blocks fall with the width, every model exact (screenshots at a separate layer)', { timeout: HANG_GUARD_MS }, async () => {
  const views = [['desktop', { width: 1366, height: 768 }], ['phone', { width: 390, height: 844 }]];
  const blocks = {};
  for (const [name, viewport] of views) {
    const { page, context, consoleErrors } = await ctx.open('#v=1&preset=shared', { viewport });
    await page.evaluate(() => window.hardmax.clock.freeze());
    await page.evaluate((d) => window.hardmax.load(d), hubSet());
    for (const w of [6, 12, 24, 96]) {
      const s = await chooseWidth(page, w);
      assert.equal(s.preset, 'custom');
      assert.equal(s.correct, s.total, `width ${w}: exact`);
      assert.equal(s.total, 12);
      if (name === 'desktop') blocks[w] = s.blocks;
      else assert.equal(s.blocks, blocks[w], `width ${w}: the same model on a phone`);
      if (w === 6 || w === 24) {
        const sa = (await separateLayers(page)).find((l) => l.kind === 'sa');
        await page.evaluate((k) => window.hardmax.goto(k), sa.k);
        if (w === 24) assert.match(sa.caption, /^Split 1–4\/11: attention slides/, 'four splits in the first block');
        await page.evaluate(() => window.hardmax.clock.advance(0));
        await screenshot(page, `width-${w}-separate-${name}`, { fullPage: false });
      }
    }
    assert.deepEqual(consoleErrors, []);
    await context.close();
  }
  assert.deepEqual(blocks, { 6: 20, 12: 12, 24: 8, 96: 7 });
});

test('a width the engine refuses is refused in the link: named beside the menu, width 6 built, no error', { timeout: HANG_GUARD_MS }, async () => {
  for (const bad of ['0', '5', '-1', '1e9', 'abc', '1000001']) {
    const { page, context, consoleErrors } = await ctx.open(`#v=1&preset=shared&width=${bad}`);
    const s = await appState(page);
    assert.equal(s.width, 6, bad);
    assert.equal(s.blocks, 9, bad);
    assert.equal(s.error, null, bad);
    assert.equal(await page.inputValue('#width'), '6');
    const hint = await page.textContent('#width-hint');
    assert.ok(hint.startsWith(`The link asked for width=${bad}: `) && hint.endsWith('Showing 6 neurons per layer instead.'), hint);
    assert.match(hint, /^\d+$/.test(bad) ? (Number(bad) < 6 ? /at least 6 neurons are needed/ : /at most 1,000,000/) : /not a whole number/);
    assert.equal(await page.getAttribute('#width-hint', 'class'), 'hint warn');
    await page.waitForFunction(() => !/width=/.test(location.hash)); // the refused value leaves the link
    assert.deepEqual(consoleErrors, [], bad);
    if (bad === '5') {
      // choosing a width in the menu replaces the refusal with the plain hint
      await chooseWidth(page, 12);
      assert.match(await page.textContent('#width-hint'), /^hidden neurons in each feed-forward layer: at 12, one block jumps up to 2 tokens out/);
      assert.equal(await page.getAttribute('#width-hint', 'class'), 'hint');
    }
    await context.close();
  }
  // a width the menu does not list but the engine accepts: its own entry, built with it
  const { page, context } = await ctx.open('#v=1&preset=shared&width=18');
  const s = await appState(page);
  assert.equal(s.width, 18);
  assert.equal(s.correct, s.total);
  assert.ok(s.blocks < 9 && s.blocks >= 5, `width 18: ${s.blocks} blocks`);
  assert.equal(await page.inputValue('#width'), '18');
  assert.equal(await page.textContent('#width option[value="18"]'), '18 (from the link)');
  assert.match(await page.textContent('#width-hint'), /at 18, one block jumps up to 3 tokens out, each to its own height/);
  // and through the hash: a bad width there is refused the same way
  await page.evaluate(() => (location.hash = '#v=1&preset=shared&width=5'));
  await page.waitForFunction(() => window.hardmax.state().width === 6 && !window.hardmax.state().busy, null, { timeout: HANG_GUARD_MS });
  assert.match(await page.textContent('#width-hint'), /width=5: at least 6 neurons are needed/);
  await context.close();
});

test('the tour and the words stay true at a wider cap', { timeout: HANG_GUARD_MS }, async () => {
  const { page, context, consoleErrors } = await ctx.open('#v=1&preset=shared&width=24');
  let step = null;
  for (let k = 1; k <= 12; k++) {
    await page.evaluate((i) => window.hardmax.lesson(i), k);
    const title = await page.textContent('.lesson-title');
    if (/split/i.test(title)) {
      step = { title, text: await page.textContent('.lesson-text') };
      break;
    }
  }
  assert.ok(step, 'the tour has a split step');
  assert.equal(step.title.trim(), 'Several splits in one block');
  assert.match(step.text, /At 24 neurons per layer one block jumps up to 4 tokens: this data's 3 splits take 1 block\./);
  assert.doesNotMatch(step.text, /one split costs one block/i);
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('sequence to sequence takes the width too: reverse in fewer blocks, every read token on target', { timeout: HANG_GUARD_MS }, async () => {
  const { page, context, consoleErrors } = await ctx.open('#v=1&preset=reverse');
  let s = await appState(page);
  assert.equal(s.task, 'interpolate');
  assert.equal(s.blocks, 10);
  assert.equal(await page.isDisabled('#width'), false, 'the width is not a classification-only option');
  s = await chooseWidth(page, 24);
  assert.equal(s.blocks, 5);
  assert.equal(s.correct, s.total, 'every read token on its target');
  assert.match(await page.textContent('#stats'), /paper: 2Σm\+2N\+1 = \d+ · 24 neurons per layer/);
  assert.deepEqual(consoleErrors, []);
  await context.close();
});
