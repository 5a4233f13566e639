// Sequence to sequence on the page: the paths preset (targets read at the last m tokens of
// each sequence) ends with every read token on its target, the report says so, the controls
// that only concern classification are disabled with a reason, an imported targets file
// builds, and a malformed one gives a named error. Playback is frozen (window.hardmax.clock);
// nothing here depends on timing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { screenshot } from './harness.mjs';
import { useBrowser, appState } from './app.mjs';

const ctx = useBrowser();

/** Every read token's drawn position against its target's, at state k (view coordinates). */
async function readVsTarget(page, k) {
  return page.evaluate((k) => {
    const f = window.hardmax.frame(k);
    return {
      task: f.task,
      stage: f.stage,
      caption: f.caption,
      pairs: f.targets.map((t) => ({ name: t.name, token: f.tokens[t.token], target: { x: t.x, y: t.y } })),
      legend: f.legend.map((l) => l.key),
    };
  }, k);
}

test('the paths preset: every read token ends on its target; classification-only controls are disabled', async () => {
  const { page, context, consoleErrors } = await ctx.open('#preset=paths');
  await page.evaluate(() => window.hardmax.clock.freeze());
  let s = await appState(page);
  assert.equal(s.preset, 'paths');
  assert.equal(s.task, 'interpolate', 'state().task is the task of the model shown');
  const L = s.layers;
  assert.ok(L > 4, `layers: ${L}`);

  // at the last state every read token sits on its target (f32 view numbers)
  const last = await readVsTarget(page, L);
  assert.equal(last.task, 'interpolate');
  assert.equal(last.pairs.length, 12, 'the paths preset reads 12 tokens');
  for (const p of last.pairs) {
    const scale = Math.max(1, Math.abs(p.target.x), Math.abs(p.target.y));
    assert.ok(Math.abs(p.token.x - p.target.x) <= 1e-5 * scale && Math.abs(p.token.y - p.target.y) <= 1e-5 * scale,
      `${p.name}: token ${p.token.index} at (${p.token.x}, ${p.token.y}), target (${p.target.x}, ${p.target.y})`);
  }
  assert.ok(last.legend.includes('targets'), 'the legend explains the diamonds');
  // at the input, some read token is still away from its target
  const first = await readVsTarget(page, 0);
  assert.ok(first.pairs.some((p) => Math.hypot(p.token.x - p.target.x, p.token.y - p.target.y) > 0.1));

  // the report: read tokens on target, the paper's count, worst error
  s = await page.evaluate((L) => window.hardmax.goto(L), L);
  assert.equal(s.correct, 12);
  assert.equal(s.total, 12);
  const acc = await page.textContent('[data-testid="accuracy"]');
  assert.match(acc, /12\/12/);
  assert.match(acc, /read tokens on target, worst error/);
  const stat = (key) => page.textContent(`#stats dd[data-key="${key}"]`);
  assert.match(await stat('task'), /interpolate/);
  assert.equal((await stat('sum_m')).trim(), '12');
  assert.equal((await stat('read_points')).trim(), '12');
  assert.match(await page.textContent('#stats'), /2Σm\+2N\+1 = 39/);

  // classification-only controls: disabled, with the reason
  for (const id of ['collapse', 'labeling', 'lift', 'sm-on', 'sm-beta']) {
    assert.equal(await page.$eval(`#${id}`, (e) => e.disabled), true, `#${id} is disabled`);
    assert.match(await page.$eval(`#${id}`, (e) => e.title), /classification only/);
  }
  assert.match(await page.textContent('[data-testid="task-hint"]'), /targets \(interpolation\)/);

  await screenshot(page, 'interpolate-paths-last');
  assert.deepEqual(consoleErrors, []);

  // back to a classification preset: the controls come back
  await page.evaluate(() => window.hardmax.load('shared'));
  assert.equal(await page.$eval('#collapse', (e) => e.disabled), false);
  assert.equal(await page.$eval('#sm-on', (e) => e.disabled), false);
  await context.close();
});

test('an imported targets JSON builds and lands; a malformed one gives a named error', async () => {
  const { page, context, consoleErrors } = await ctx.open();
  const data = {
    sequences: [
      { name: 'p', tokens: [[0, 1], [2, 2]], target: [[5, -1]] },
      { name: 'q', tokens: [[1, 0], [2, 2]], target: [[0.5, 0.25], [7, 7]] },
      { name: 'r', tokens: [[3, 1], [1, 3], [0.5, 0.5]], target: [[-2, 4]] },
    ],
  };
  await page.setInputFiles('#file', { name: 'targets.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(data)) });
  await page.waitForFunction(() => window.hardmax.state().preset === 'custom', null, { timeout: 30_000 });
  await page.evaluate(() => window.hardmax.clock.freeze());
  const s = await page.evaluate(() => window.hardmax.goto(window.hardmax.state().layers));
  assert.equal(s.total, 4, 'four read tokens');
  assert.equal(s.correct, 4);
  const last = await readVsTarget(page, s.layers);
  assert.equal(last.task, 'interpolate');
  for (const p of last.pairs) {
    const scale = Math.max(1, Math.abs(p.target.x), Math.abs(p.target.y));
    assert.ok(Math.hypot(p.token.x - p.target.x, p.token.y - p.target.y) <= 1e-5 * scale, p.name);
  }

  // a target of the wrong dimension: the error names the sequence
  const bad = { sequences: [{ name: 'p', tokens: [[0, 1], [2, 2]], target: [[5, -1, 3]] }, { name: 'q', tokens: [[1, 0]], target: [[1, 1]] }] };
  await page.setInputFiles('#file', { name: 'bad.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(bad)) });
  await page.waitForSelector('#error:not([hidden])');
  const message = await page.textContent('#error .error-text');
  assert.match(message, /target/i);
  assert.match(message, /sequence 1|«p»|\bp\b/);
  const after = await appState(page);
  assert.ok(after.error);
  assert.equal(after.total, 4, 'the previous session stays');
  assert.deepEqual(consoleErrors, []);
  await context.close();
});
