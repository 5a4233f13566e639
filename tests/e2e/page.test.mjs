// The default page: loads clean, draws, plays to an exact result, scrubs through every stage
// (one screenshot each), answers the keyboard, and restores its state from the URL.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { screenshot, startServer, openPage, waitForApp, repoRoot, HANG_GUARD_MS } from './harness.mjs';
import { useBrowser, appState, canvasInk } from './app.mjs';

const ctx = useBrowser();
const STAGES = ['normalize', 'separate', 'collapse', 'label', 'snap'];

test('default page loads the shared preset with no console errors and draws tokens', async () => {
  const { page, context, consoleErrors } = await ctx.open();
  const s = await appState(page);
  assert.equal(s.ready, true);
  assert.equal(s.preset, 'shared');
  assert.equal(s.task, 'classify');
  assert.equal(s.layer, 0);
  assert.equal(s.error, null);
  assert.ok(s.layers > 0, `expected layers, got ${s.layers}`);
  assert.ok((await canvasInk(page)) > 20, 'the canvas shows colored tokens');
  assert.ok(await page.isVisible('.timeline .band'), 'the timeline has stage bands');
  assert.equal(await page.locator('.thumb-item').count(), 1 + (await page.locator('.timeline .band').count()));
  assert.match(await page.textContent('#cap-text'), /\w/);
  const stats = await page.textContent('#stats');
  assert.match(stats, /paper: 4N\+1 = 25/, 'blocks next to the paper\'s 4N+1 (N = 6)');
  assert.match(stats, /N·d = 12/, 'parameters next to N·d');
  await page.waitForTimeout(300);
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

/**
 * Reads a drawn state (window.hardmax.frame): the tokens that are not within 1e-6 of their own
 * class's anchor or not nearer to it than to every other anchor, and how many sequences the
 * readout (mean drawn token -> nearest anchor) gets right from the drawn positions.
 */
function readDrawn(frame) {
  const anchorOf = new Map(frame.anchors.map((a) => [a.label, a]));
  const off = frame.tokens.filter((t) => {
    const own = anchorOf.get(t.label);
    if (!own) return true;
    const d = Math.hypot(t.x - own.x, t.y - own.y);
    return !(d <= 1e-6) || frame.anchors.some((a) => a !== own && Math.hypot(t.x - a.x, t.y - a.y) <= d);
  });
  const bySeq = new Map();
  for (const t of frame.tokens) {
    const s = bySeq.get(t.seq) ?? { label: t.label, x: 0, y: 0, n: 0 };
    s.x += t.x;
    s.y += t.y;
    s.n++;
    bySeq.set(t.seq, s);
  }
  let correct = 0;
  for (const s of bySeq.values()) {
    const [mx, my] = [s.x / s.n, s.y / s.n];
    const nearest = frame.anchors.reduce((best, a) => (Math.hypot(mx - a.x, my - a.y) < Math.hypot(mx - best.x, my - best.y) ? a : best));
    if (nearest.label === s.label) correct++;
  }
  return { off, correct, total: bySeq.size };
}

test('goto(layers) draws an exact classification: every token on its own class anchor; playing advances layers', async () => {
  const { page, context, consoleErrors } = await ctx.open();
  const end = await page.evaluate(async () => window.hardmax.goto(window.hardmax.state().layers));
  assert.equal(end.layer, end.layers);
  assert.equal(end.stage, 'snap');
  const last = await page.evaluate((k) => window.hardmax.frame(k), end.layers);
  assert.equal(last.stage, 'snap');
  assert.equal(last.softmax, false);
  assert.equal(last.anchorsDrawn, true, 'the anchors are on screen at the last state');
  assert.equal(last.tokens.length, end.tokens);
  assert.deepEqual(last.anchors.map((a) => a.label), ['blue', 'green', 'red']);
  const drawn = readDrawn(last);
  assert.deepEqual(drawn.off, [], 'every drawn token lies on its own class anchor, nearer to it than to any other');
  assert.equal(drawn.total, 6);
  assert.equal(drawn.correct, drawn.total, 'the drawn picture classifies every sequence');
  assert.deepEqual([end.correct, end.total], [drawn.correct, drawn.total], 'the report agrees with the picture');
  assert.match(await page.textContent('.accuracy .big'), new RegExp(`^${end.total}/${end.total}$`));
  assert.equal(await page.textContent('#cap-text'), last.caption);
  // frame() gives the numbers the canvas maps to pixels: the renderer's token positions at rest.
  const pixels = await page.evaluate(() => {
    const r = window.hardmax.app.renderer;
    return { sx: Array.from(r.sx), sy: Array.from(r.sy), ...r.transform };
  });
  last.tokens.forEach((t, i) => {
    assert.ok(Math.abs(pixels.ox + t.x * pixels.scale - pixels.sx[i]) < 1e-3, `token ${i} x on screen`);
    assert.ok(Math.abs(pixels.oy - t.y * pixels.scale - pixels.sy[i]) < 1e-3, `token ${i} y on screen`);
  });
  // The check tells states apart: the input is not classified by where its tokens are drawn.
  const input = readDrawn(await page.evaluate(() => window.hardmax.frame(0)));
  assert.equal(input.off.length, last.tokens.length, 'no input token sits on an anchor');

  await page.evaluate(() => window.hardmax.goto(0));
  await page.evaluate(() => window.hardmax.clock.freeze());
  await page.evaluate(() => window.hardmax.play());
  assert.equal((await appState(page)).playing, true);
  // Time moves only when the test says so: the first step starts at once; state 1 stays
  // through its tween and its reading pause, then the next state that moves follows.
  const run = await page.evaluate(() => {
    const c = window.hardmax.clock;
    const t1 = c.timing(1);
    const out = [c.advance(1).layer, c.advance(t1.tween + t1.pause - 2).layer, c.advance(2).layer];
    return { out, next: t1.next };
  });
  assert.deepEqual(run.out, [1, 1, run.next], 'each tween plus its pause holds a state; then the next one moves');
  await page.evaluate(() => window.hardmax.pause());
  assert.equal((await appState(page)).playing, false);
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('every preset ends drawn exactly: each token of the last state on its own class anchor', { timeout: HANG_GUARD_MS }, async () => {
  const { page, context, consoleErrors } = await ctx.open();
  for (const preset of ['random', 'rings', 'vowels']) {
    const built = await page.evaluate((p) => window.hardmax.load(p), preset);
    const last = await page.evaluate((k) => window.hardmax.frame(k), built.layers);
    assert.equal(last.stage, 'snap', preset);
    assert.equal(last.tokens.length, built.tokens, preset);
    const drawn = readDrawn(last);
    assert.deepEqual(drawn.off.slice(0, 3), [], `${preset}: every drawn token on its own anchor`);
    assert.equal(drawn.correct, drawn.total, `${preset}: the picture classifies every drawn sequence`);
    assert.equal(built.correct, built.total, `${preset}: the report says exact too`);
  }
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('every stage is reached by clicking the timeline; one screenshot per stage', async () => {
  const { page, context, consoleErrors } = await ctx.open('#v=1&preset=shared&edges=1&tents=1');
  const bands = await page.$$eval('.timeline .band', (els) =>
    els.map((e) => {
      const r = e.getBoundingClientRect();
      return { stage: e.dataset.stage, left: r.left, right: r.right, y: r.top + r.height / 2 };
    }),
  );
  assert.deepEqual(
    bands.map((b) => b.stage),
    STAGES,
    'one band per stage, in order (the shared preset needs the separate stage)',
  );
  await page.evaluate(() => window.hardmax.goto(0));
  await screenshot(page, 'input');
  for (const band of bands) {
    await page.mouse.click(band.right - 2, band.y);
    await page.waitForTimeout(50);
    const s = await appState(page);
    assert.equal(s.stage, band.stage, `clicking the ${band.stage} band shows layer ${s.layer} of stage ${s.stage}`);
    assert.match(await page.textContent('#cap-stage'), new RegExp(band.stage));
    await screenshot(page, band.stage);
  }
  // Dragging along the timeline scrubs too.
  const first = bands[0], last = bands[bands.length - 1];
  await page.mouse.move(first.left + 1, first.y);
  await page.mouse.down();
  await page.mouse.move((first.left + last.right) / 2, first.y, { steps: 5 });
  await page.mouse.move(last.right + 20, first.y, { steps: 5 });
  await page.mouse.up();
  const s = await appState(page);
  assert.equal(s.layer, s.layers, 'dragging past the end lands on the last layer');
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('filmstrip thumbnails jump to their stage', async () => {
  const { page, context } = await ctx.open();
  for (const stage of ['collapse', 'snap', 'input']) {
    await page.click(`.thumb-item[data-stage="${stage}"]`);
    assert.equal((await appState(page)).stage, stage);
  }
  await context.close();
});

test('keyboard: End, Home, arrows, Space', async () => {
  const { page, context } = await ctx.open();
  await page.click('h1'); // focus the page, not a control
  await page.keyboard.press('End');
  const s = await appState(page);
  assert.equal(s.layer, s.layers);
  await page.keyboard.press('Home');
  assert.equal((await appState(page)).layer, 0);
  await page.keyboard.press('ArrowRight');
  assert.equal((await appState(page)).layer, 1);
  await page.keyboard.press('ArrowLeft');
  assert.equal((await appState(page)).layer, 0);
  await page.keyboard.press(' ');
  assert.equal((await appState(page)).playing, true);
  await page.keyboard.press(' ');
  assert.equal((await appState(page)).playing, false);
  await context.close();
});

test('hovering a token shows its sequence, label and leader; clicking pins it', async () => {
  const { page, context, consoleErrors } = await ctx.open('#v=1&preset=shared&edges=1');
  const s = await appState(page);
  // A state right before a collapse attention layer, so every token has a leader.
  const layer = await page.evaluate(() => {
    const m = window.hardmax.app.model;
    return m.stages.find((st) => st.stage === 'collapse').last - 1;
  });
  await page.evaluate((k) => window.hardmax.goto(k), layer);
  const box = await page.locator('#canvas').boundingBox();
  const at = await page.evaluate(() => {
    const r = window.hardmax.app.renderer;
    return [r.sx[0], r.sy[0]];
  });
  await page.mouse.move(box.x + at[0], box.y + at[1]);
  await page.waitForSelector('#tooltip:not([hidden])');
  const tip = await page.textContent('#tooltip');
  assert.match(tip, /label/);
  assert.match(tip, /x = \(/);
  assert.match(tip, /margin/);
  await page.mouse.click(box.x + at[0], box.y + at[1]);
  assert.match(await page.textContent('#pinned'), /pinned/);
  await page.keyboard.press('Escape');
  assert.doesNotMatch(await page.textContent('#pinned'), /pinned/);
  assert.ok(s.ready);
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('the URL holds preset, seed, layer and panel flags, and a reload restores them', async () => {
  const { page, context, consoleErrors } = await ctx.open('#v=1&preset=random&seed=5&layer=7&stats_hide=1&softmax_hide=1');
  let s = await appState(page);
  assert.equal(s.preset, 'random');
  assert.equal(s.layer, Math.min(7, s.layers));
  assert.equal(await page.isHidden('[data-panel="stats"]'), true);
  assert.equal(await page.isHidden('[data-panel="softmax"]'), true);
  assert.equal(await page.isVisible('[data-panel="data"]'), true);
  assert.equal(await page.inputValue('#seed'), '5');

  await page.evaluate(() => window.hardmax.goto(4));
  await page.waitForFunction(() => /layer=4(&|$)/.test(location.hash), null, { timeout: 5000 });
  const hash = await page.evaluate(() => location.hash);
  assert.match(hash, /v=1/);
  assert.match(hash, /seed=5/);
  await page.reload();
  await page.waitForFunction(() => window.hardmax?.state().ready === true, null, { timeout: 30_000 });
  s = await appState(page);
  assert.equal(s.preset, 'random');
  assert.equal(s.layer, 4);
  assert.equal(await page.inputValue('#seed'), '5');
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('garbage in the URL is ignored with warnings, never errors', async () => {
  const { page, context, consoleErrors } = await ctx.open('#v=1&preset=nope&seed=-3&layer=abc&collapse=99&beta=1e9&bogus=1&edges=maybe');
  const s = await appState(page);
  assert.equal(s.preset, 'shared');
  assert.equal(s.layer, 0);
  assert.equal(s.softmax.beta, 1000);
  assert.equal(await page.inputValue('#collapse'), '16');
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('softmax comparison reports its accuracy and keeps the page working', async () => {
  const { page, context, consoleErrors } = await ctx.open('#v=1&preset=shared&softmax=1&beta=1000');
  let s = await appState(page);
  assert.equal(s.softmax.on, true);
  assert.equal(typeof s.softmax.correct, 'number');
  assert.match(await page.textContent('#sm-result'), /^softmax β=1000: \d+\/\d+ correct$/);
  await page.click('#sm-on');
  s = await appState(page);
  assert.equal(s.softmax.on, false);
  await page.evaluate(() => window.hardmax.goto(window.hardmax.state().layers));
  assert.ok((await canvasInk(page)) > 20);
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('editing the hash applies the new state (hashchange)', async () => {
  const { page, context, consoleErrors } = await ctx.open();
  await page.evaluate(() => (location.hash = '#v=1&preset=shared&layer=5&edges=1'));
  await page.waitForFunction(() => window.hardmax.state().layer === 5);
  assert.equal(await page.isChecked('#ov-edges'), true);
  await page.evaluate(() => (location.hash = '#v=1&preset=rings&seed=2'));
  await page.waitForFunction(() => window.hardmax.state().preset === 'rings', null, { timeout: 30_000 });
  assert.equal(await page.inputValue('#seed'), '2');
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('prefers-reduced-motion: steps switch states with no tween (clock frozen by the test)', async () => {
  const { page, context } = await ctx.open();
  await page.evaluate(() => window.hardmax.clock.freeze());
  await page.emulateMedia({ reducedMotion: 'reduce' });
  await page.click('h1');
  await page.keyboard.press('ArrowRight');
  const frame = await page.evaluate(() => window.hardmax.clock.frame());
  assert.deepEqual([frame.a, frame.b, frame.f], [1, 1, 0], 'reduced motion: the step is a switch');
  await page.emulateMedia({ reducedMotion: 'no-preference' });
  await page.keyboard.press('ArrowRight');
  const tween = await page.evaluate(() => window.hardmax.clock.frame());
  assert.deepEqual([tween.a, tween.b, tween.f], [1, 2, 0], 'with motion, the step is tweened (time has not moved)');
  const half = await page.evaluate(() => {
    window.hardmax.clock.advance(window.hardmax.clock.timing(2).tween / 2);
    return window.hardmax.clock.frame();
  });
  assert.deepEqual([half.a, half.b], [1, 2]);
  assert.ok(half.f > 0.4 && half.f < 0.6, `half way through the tween, eased fraction ${half.f}`);
  const done = await page.evaluate(() => {
    window.hardmax.clock.advance(1000);
    return window.hardmax.clock.frame();
  });
  assert.deepEqual([done.a, done.b, done.f], [2, 2, 0], 'after the tween, state 2 is shown');
  await context.close();
});

test('the page works when served under a sub-path (relative URLs only)', async () => {
  const server = await startServer(repoRoot, '/some/sub/path/');
  try {
    const { page, context, consoleErrors } = await openPage(ctx.browser, server.url);
    const s = await waitForApp(page);
    assert.equal(s.preset, 'shared');
    assert.ok((await canvasInk(page)) > 20);
    assert.deepEqual(consoleErrors, []);
    assert.deepEqual(server.requests.filter((r) => r.status >= 400), [], 'no request outside the mount point');
    await context.close();
  } finally {
    await server.close();
  }
});
