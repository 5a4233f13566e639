// Frame time with about 10,000 tokens on screen while playing: a benchmark that prints its
// figures (the renderer batches tokens by style, no per-frame wasm calls or allocations).
// Nothing here asserts a duration: CI machines are shared and their speed varies.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser, appState, bigDataset } from './app.mjs';
import { HANG_GUARD_MS } from './harness.mjs';

const ctx = useBrowser();

test('playing with ~10,000 tokens: frame intervals printed, playback reaches the end exactly', { timeout: HANG_GUARD_MS }, async () => {
  const { page, context, consoleErrors } = await ctx.open();
  const dataset = bigDataset(100, 100);
  const built = await page.evaluate((ds) => window.hardmax.load(ds), dataset);
  assert.equal(built.total, 100);
  assert.ok(built.tokens >= 5000, `tokens on screen: ${built.tokens}`);
  await page.evaluate(() => window.hardmax.play());
  const frames = await page.evaluate(
    () =>
      new Promise((resolve) => {
        const out = [];
        let last = performance.now();
        const end = last + 2000;
        const tick = (now) => {
          out.push(now - last);
          last = now;
          if (now < end) requestAnimationFrame(tick);
          else resolve(out);
        };
        requestAnimationFrame(tick);
      }),
  );
  const s = await appState(page);
  await page.evaluate(() => window.hardmax.pause());
  frames.sort((a, b) => a - b);
  const median = frames[frames.length >> 1];
  const p95 = frames[Math.min(frames.length - 1, Math.floor(frames.length * 0.95))];
  console.log(
    `frame time with ${built.tokens} tokens on screen: median ${median.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms over ${frames.length} frames (reached layer ${s.layer})`,
  );
  assert.ok(frames.length > 0);
  // Whatever the frame rate, playback driven by a frozen clock reaches the last state.
  const end = await page.evaluate(() => {
    window.hardmax.clock.freeze();
    window.hardmax.play();
    for (let i = 0; i < 4 * window.hardmax.state().layers + 4; i++) window.hardmax.clock.advance(10_000);
    return window.hardmax.state();
  });
  assert.equal(end.layer, end.layers);
  assert.equal(end.playing, false, 'playback stops at the last state');
  assert.equal(end.correct, end.total);
  assert.deepEqual(consoleErrors, []);
  await context.close();
});
