// Sequence to sequence on the page, continued: the copy, reverse and translate presets end
// with every read token on its target (reverse needs a split first); the task switch loads a
// preset of the task chosen and the link records and restores the task, the preset and
// custom targets; draw mode adds targets and a drawn interpolation builds. Playback is
// frozen (window.hardmax.clock); nothing here depends on timing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { screenshot } from './harness.mjs';
import { useBrowser, appState } from './app.mjs';

const ctx = useBrowser();

/** Every target with its read token at state k, and what the page says about state k. */
function frameAt(page, k) {
  return page.evaluate((k) => {
    const f = window.hardmax.frame(k);
    return {
      task: f.task,
      caption: f.caption,
      legend: f.legend.map((l) => l.key),
      pairs: f.targets.map((t) => ({ name: t.name, token: f.tokens[t.token], target: { x: t.x, y: t.y } })),
      tokens: f.tokens.length,
    };
  }, k);
}

/** Whether a read token sits on its target (f32 view numbers: 1e-5 relative). */
const onTarget = (p) => {
  const scale = Math.max(1, Math.abs(p.target.x), Math.abs(p.target.y));
  return Math.abs(p.token.x - p.target.x) <= 1e-5 * scale && Math.abs(p.token.y - p.target.y) <= 1e-5 * scale;
};

/** The hash once the page has written it (it writes a few times a second at most). */
async function hashWith(page, pattern) {
  await page.waitForFunction((src) => new RegExp(src).test(location.hash), pattern.source);
  return page.evaluate(() => location.hash);
}

const SIZES = [
  ['phone', { width: 390, height: 844 }],
  ['laptop', { width: 1366, height: 768 }],
  ['desktop', { width: 1920, height: 1080 }],
];

for (const [name, readTokens] of [['copy', 8], ['reverse', 13], ['translate', 15]]) {
  test(`the ${name} preset: every read token ends on its target, the rest are dimmed`, async () => {
    const { page, context, consoleErrors } = await ctx.open(`#preset=${name}`);
    await page.evaluate(() => window.hardmax.clock.freeze());
    const s = await appState(page);
    assert.equal(s.preset, name);
    const first = await frameAt(page, 0);
    assert.equal(first.task, 'interpolate');
    assert.equal(first.pairs.length, readTokens, `${name} reads ${readTokens} tokens`);
    assert.ok(first.pairs.some((p) => !onTarget(p)), 'at the input some read token is away from its target');
    assert.ok(first.legend.includes('targets'));
    // only the read tokens are drawn at full strength
    const mask = await page.evaluate(() => Array.from(window.hardmax.app.model.readMask));
    assert.equal(mask.length, first.tokens);
    assert.equal(mask.filter(Boolean).length, readTokens);
    if (first.tokens > readTokens) assert.ok(first.legend.includes('unread'), 'the legend says what faint tokens are');
    else assert.ok(!first.legend.includes('unread'), 'every token is read: no key for faint tokens');
    for (const [size, viewport] of SIZES) {
      await page.setViewportSize(viewport);
      await page.evaluate(() => window.hardmax.goto(0));
      await screenshot(page, `interp-${name}-first-${size}`);
    }

    const last = await frameAt(page, s.layers);
    for (const p of last.pairs) assert.ok(onTarget(p), `${p.name}: (${p.token.x}, ${p.token.y}) vs (${p.target.x}, ${p.target.y})`);
    const end = await page.evaluate((L) => window.hardmax.goto(L), s.layers);
    assert.equal(end.correct, readTokens);
    assert.equal(end.total, readTokens);
    const acc = await page.textContent('[data-testid="accuracy"]');
    assert.match(acc, new RegExp(`${readTokens}/${readTokens}`));
    assert.match(acc, /read tokens on target, worst error/);
    const splits = Number((await page.textContent('#stats dd[data-key="splits"]')).trim());
    if (name === 'reverse') assert.ok(splits >= 1, 'reverse: the separate stage splits the paths through the shared corner');
    for (const [size, viewport] of SIZES) {
      await page.setViewportSize(viewport);
      await page.evaluate((L) => window.hardmax.goto(L), s.layers);
      await screenshot(page, `interp-${name}-last-${size}`);
    }
    assert.deepEqual(consoleErrors, []);
    await context.close();
  });
}

test('the task switch loads a preset of the task; the link records and restores it', async () => {
  const { page, context, consoleErrors } = await ctx.open();
  const pressed = (task) => page.$eval(`#task-${task}`, (e) => e.getAttribute('aria-pressed'));
  assert.equal(await pressed('classify'), 'true');
  assert.equal(await pressed('interpolate'), 'false');
  const visible = () => page.$$eval('#preset option', (os) => os.filter((o) => !o.hidden && !o.disabled).map((o) => o.value));
  assert.deepEqual(await visible(), ['shared', 'random', 'rings', 'vowels']);

  await page.click('#task-interpolate');
  await page.waitForFunction(() => window.hardmax.state().preset === 'paths' && !window.hardmax.state().busy);
  assert.equal(await pressed('interpolate'), 'true');
  assert.equal((await frameAt(page, 0)).task, 'interpolate');
  assert.deepEqual(await visible(), ['paths', 'copy', 'reverse', 'translate']);
  let hash = await hashWith(page, /preset=paths/);
  assert.match(hash, /task=interpolate/);

  await page.selectOption('#preset', 'reverse');
  await page.waitForFunction(() => window.hardmax.state().preset === 'reverse' && !window.hardmax.state().busy);
  await page.evaluate(() => window.hardmax.goto(3));
  hash = await hashWith(page, /preset=reverse.*layer=3|layer=3.*preset=reverse/);
  assert.match(hash, /task=interpolate/);

  // the link restores task, preset and state
  const again = await ctx.open(hash);
  const s = await appState(again.page);
  assert.equal(s.preset, 'reverse');
  assert.equal(s.layer, 3);
  assert.equal(await again.page.$eval('#task-interpolate', (e) => e.getAttribute('aria-pressed')), 'true');
  assert.equal((await frameAt(again.page, 0)).task, 'interpolate');
  await again.context.close();

  // a link with the task alone opens that task's first preset
  const bare = await ctx.open('#task=interpolate');
  assert.equal((await appState(bare.page)).preset, 'paths');
  await bare.context.close();

  // back to classify: its first preset, and the link no longer says interpolate
  await page.click('#task-classify');
  await page.waitForFunction(() => window.hardmax.state().preset === 'shared' && !window.hardmax.state().busy);
  assert.equal(await pressed('classify'), 'true');
  hash = await hashWith(page, /preset=shared/);
  assert.doesNotMatch(hash, /task=interpolate/);
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('custom targets travel in the link and come back as an interpolation', async () => {
  const { page, context, consoleErrors } = await ctx.open();
  const data = {
    sequences: [
      { name: 'p', tokens: [[0, 1], [2, 2], [1, 3]], target: [[5, -1], [4, 4]] },
      { name: 'q', tokens: [[1, 0], [2, 2]], target: [[0.5, 0.25]] },
    ],
  };
  const s = await page.evaluate((d) => window.hardmax.load(d), data);
  assert.equal(s.preset, 'custom');
  const hash = await hashWith(page, /data=/);
  assert.match(hash, /task=interpolate/);
  const again = await ctx.open(hash);
  await again.page.evaluate(() => window.hardmax.clock.freeze());
  const t = await appState(again.page);
  assert.equal(t.preset, 'custom');
  const end = await again.page.evaluate((L) => window.hardmax.goto(L), t.layers);
  assert.equal(end.total, 3, 'three read tokens, not two labels');
  assert.equal(end.correct, 3);
  const last = await frameAt(again.page, t.layers);
  assert.equal(last.task, 'interpolate');
  assert.deepEqual(last.pairs.map((p) => [p.name, p.target.x, p.target.y]), [['p', 5, -1], ['p', 4, 4], ['q', 0.5, 0.25]]);
  for (const p of last.pairs) assert.ok(onTarget(p), p.name);
  assert.deepEqual(again.consoleErrors, []);
  await again.context.close();
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('draw mode adds targets, and a drawn interpolation builds', async () => {
  const { page, context, consoleErrors } = await ctx.open('', { viewport: { width: 1366, height: 768 } });
  await page.click('#draw-panel > summary');
  await page.click('#draw-toggle');
  await page.click('#draw-clear');
  await page.uncheck('#draw-auto');
  const box = await page.$eval('#canvas', (c) => {
    const r = c.getBoundingClientRect();
    return { x: r.left, y: r.top, w: r.width, h: r.height };
  });
  const at = (fx, fy) => page.mouse.click(box.x + fx * box.w, box.y + fy * box.h);
  // sequence 1: three tokens, then two targets
  for (const [fx, fy] of [[0.2, 0.7], [0.35, 0.5], [0.3, 0.3]]) await at(fx, fy);
  await page.click('#draw-targets');
  assert.equal(await page.$eval('#draw-targets', (e) => e.getAttribute('aria-pressed')), 'true');
  assert.match(await page.textContent('#cap-text'), /target/);
  for (const [fx, fy] of [[0.7, 0.25], [0.8, 0.45]]) await at(fx, fy);
  assert.match(await page.textContent('#draw-status'), /2 targets/);
  // sequence 2: two tokens (targets off), then one target
  await page.click('#draw-targets');
  await page.click('#draw-new');
  for (const [fx, fy] of [[0.45, 0.75], [0.55, 0.6]]) await at(fx, fy);
  assert.match(await page.textContent('#draw-status'), /has no target yet/);
  await page.click('#draw-targets');
  await at(0.75, 0.7);
  // the drawing shows the targets before anything is built
  const drawn = await page.evaluate(() => window.hardmax.app.draft.model.targets.seq.length);
  assert.equal(drawn, 3);
  await page.screenshot({ path: 'out/screenshots/interp-draw-targets.png' });

  await page.click('#draw-construct');
  await page.waitForFunction(() => window.hardmax.state().preset === 'custom' && !window.hardmax.state().busy);
  await page.click('#draw-toggle'); // stop drawing: the built model plays
  await page.evaluate(() => window.hardmax.clock.freeze());
  const s = await appState(page);
  assert.equal(s.error, null);
  const end = await page.evaluate((L) => window.hardmax.goto(L), s.layers);
  assert.equal(end.total, 3);
  assert.equal(end.correct, 3);
  const last = await frameAt(page, s.layers);
  assert.equal(last.task, 'interpolate');
  for (const p of last.pairs) assert.ok(onTarget(p), p.name);
  assert.equal(await page.$eval('#task-interpolate', (e) => e.getAttribute('aria-pressed')), 'true');
  await screenshot(page, 'interp-drawn-last');
  assert.deepEqual(consoleErrors, []);
  await context.close();
});
