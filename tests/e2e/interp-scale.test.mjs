// The scale in the page: 5,000 sequences with Σm = 20,000 read tokens (scaleset.mjs,
// the same set `hardmax verify` measures natively) build in the worker and play to the end,
// where every read token is on its target. The clock is frozen and nothing is timed: the
// waits only bound how long a slow machine may take.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { screenshot, HANG_GUARD_MS } from './harness.mjs';
import { useBrowser } from './app.mjs';
import { interpolationSet } from './scaleset.mjs';

const ctx = useBrowser();

test('5,000 sequences, Σm = 20,000: built in the page, every read token on target at the end', { timeout: HANG_GUARD_MS }, async () => {
  const { page, context, consoleErrors } = await ctx.open();
  const data = interpolationSet();
  await page.evaluate((d) => {
    window.hardmax.clock.freeze();
    window.__built = window.hardmax.load(d);
  }, data);
  await page.waitForFunction(() => window.hardmax.state().preset === 'custom' && !window.hardmax.state().busy, null, { timeout: 540_000, polling: 500 });
  const s = await page.evaluate(() => window.__built);
  assert.equal(s.error, null);
  assert.equal(s.total, 20000, 'Σm read tokens');
  assert.equal(s.correct, 20000, 'every read token within 1e-9 of its target (the engine’s check)');
  const end = await page.evaluate((L) => window.hardmax.goto(L), s.layers);
  assert.equal(end.layer, s.layers);
  // what is drawn at the last state: every drawn read token on its target (f32 view numbers)
  const r = await page.evaluate((L) => {
    const f = window.hardmax.frame(L);
    let on = 0, drawn = 0, worst = 0;
    for (const t of f.targets) {
      if (t.token < 0) continue;
      drawn++;
      const p = f.tokens[t.token];
      const scale = Math.max(1, Math.abs(t.x), Math.abs(t.y));
      const e = Math.max(Math.abs(p.x - t.x), Math.abs(p.y - t.y)) / scale;
      worst = Math.max(worst, e);
      if (e <= 1e-5) on++;
    }
    return { task: f.task, targets: f.targets.length, drawn, on, worst };
  }, s.layers);
  assert.equal(r.task, 'interpolate');
  assert.equal(r.targets, 20000);
  assert.ok(r.drawn > 0, 'some read tokens are drawn');
  assert.equal(r.on, r.drawn, `worst drawn error ${r.worst}`);
  const acc = await page.textContent('[data-testid="accuracy"]');
  assert.match(acc, /20,?000\/20,?000/);
  assert.match(acc, /read tokens on target, worst error/);
  // the key above the canvas names a few sequences, not 5,000
  const keys = await page.$$eval('#legend .legend-item', (items) => items.map((i) => i.textContent));
  assert.ok(keys.length <= 17, `${keys.length} legend entries`);
  assert.match(keys[keys.length - 1], /and 4,?984 more sequences/);
  await screenshot(page, 'interp-scale-last');
  assert.deepEqual(consoleErrors, []);
  await context.close();
});
