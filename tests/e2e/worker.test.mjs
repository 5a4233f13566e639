// Heavy work off the main thread: while 5,000 sequences x 20 tokens x d = 8 are constructed,
// the page keeps drawing frames. The frame-interval figures are printed (not asserted beyond a
// generous sanity bound: machines differ); progress, busy and Cancel are asserted as states.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser, appState } from './app.mjs';
import { HANG_GUARD_MS } from './harness.mjs';

const ctx = useBrowser();

/** n sequences of `len` tokens in d dimensions, 4 classes, deterministic. */
function wideDataset(n, len, d, seed = 11) {
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const sequences = [];
  for (let q = 0; q < n; q++) {
    const c = Array.from({ length: d }, () => rand() * 10);
    const tokens = Array.from({ length: len }, () => c.map((v) => v + rand() * 3));
    sequences.push({ name: `s${q}`, label: String(q % 4), tokens });
  }
  return { sequences };
}

/** Frame intervals (ms) drawn while `work` runs in the page; also what `work` resolved to. */
async function framesDuring(page, work, arg) {
  return page.evaluate(
    async ([source, arg]) => {
      const work = new Function('arg', `return (${source})(arg)`);
      const out = [];
      let last = performance.now();
      let running = true;
      const tick = (now) => {
        out.push(now - last);
        last = now;
        if (running) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
      const t0 = performance.now();
      let result, error = null;
      try {
        result = await work(arg);
      } catch (err) {
        error = String(err?.message || err);
      }
      const ms = performance.now() - t0;
      running = false;
      // The interval of a frame cut short by the work's end still counts (it is the long one).
      out.push(performance.now() - last);
      return { frames: out, ms, result, error };
    },
    [work.toString(), arg],
  );
}

function stats(frames) {
  const f = [...frames].sort((a, b) => a - b);
  return { median: f[f.length >> 1], p95: f[Math.min(f.length - 1, Math.floor(f.length * 0.95))], max: f[f.length - 1], n: f.length };
}

test('5,000 x 20 x d=8 builds while the page keeps drawing; frame intervals printed', { timeout: HANG_GUARD_MS }, async () => {
  const { page, context, consoleErrors } = await ctx.open();
  const dataset = wideDataset(5000, 20, 8);
  await page.evaluate(() => window.hardmax.play());
  const run = await framesDuring(page, (ds) => window.hardmax.load(ds), dataset);
  assert.equal(run.error, null, run.error);
  const s = stats(run.frames);
  console.log(
    `frame intervals while 5,000 x 20 x d=8 builds (${(run.ms / 1000).toFixed(2)} s): median ${s.median.toFixed(1)} ms, p95 ${s.p95.toFixed(1)} ms, max ${s.max.toFixed(1)} ms over ${s.n} frames`,
  );
  assert.equal(run.result.total, 5000);
  assert.equal(run.result.correct, 5000);
  assert.equal(run.result.busy, false);
  await page.evaluate(() => window.hardmax.pause());
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('a long construction shows its stage and progress, and Cancel keeps the model shown', { timeout: HANG_GUARD_MS }, async () => {
  const { page, context, consoleErrors } = await ctx.open();
  const before = await appState(page);
  const dataset = wideDataset(3000, 20, 8, 5);
  // Start the build without waiting for it, then watch the page while it runs.
  await page.evaluate((ds) => {
    window.__built = window.hardmax.load(ds);
  }, dataset);
  let s = await appState(page);
  assert.equal(s.busy, true, 'state().busy while the worker builds');
  assert.ok(s.progress >= 0 && s.progress < 1, `progress ${s.progress}`);
  assert.ok(s.building.length > 0, 'state().building names the stage');
  // Progress (and Cancel) appear once the build has run for a moment.
  await page.waitForSelector('#busy:not([hidden])');
  assert.match(await page.textContent('#busy'), /constructing/);
  // The page still answers and draws while it builds: a step is drawn at once.
  const stepped = await page.evaluate(() => window.hardmax.goto(3));
  assert.equal(stepped.layer, 3);
  await page.click('#busy-cancel');
  s = await page.evaluate(() => window.__built);
  assert.equal(s.busy, false);
  assert.equal(s.building, '');
  assert.equal(s.preset, before.preset, 'the model shown stays');
  assert.equal(s.layers, before.layers);
  assert.equal(s.error, null, 'a cancel is not an error');
  assert.equal(await page.isHidden('#busy'), true);
  assert.match(await page.textContent('#link-note'), /cancelled/);
  // The next construction starts fresh and finishes.
  s = await page.evaluate(() => window.hardmax.load('rings'));
  assert.equal(s.preset, 'rings');
  assert.equal(s.correct, s.total);
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('softmax, hover positions and exports are answered by the worker', async () => {
  const { page, context, consoleErrors } = await ctx.open('#v=1&preset=shared&softmax=1&beta=1000&layer=2');
  // Softmax for the link's β comes with the model; a new β is computed in the worker.
  let s = await appState(page);
  assert.equal(typeof s.softmax.correct, 'number');
  const before = await page.evaluate(() => {
    const old = document.getElementById('sm-result').textContent;
    const input = document.getElementById('sm-beta');
    input.value = String(Number(input.min || 0) + 1);
    input.dispatchEvent(new Event('input', { bubbles: true }));
    input.dispatchEvent(new Event('change', { bubbles: true }));
    return old;
  });
  // Wait for the answer to the new β: the result line of the link's β=1000 matches the same
  // pattern, so the line must differ from it and the state carry a new β.
  await page.waitForFunction((old) => {
    const text = document.getElementById('sm-result').textContent;
    const sm = window.hardmax.state().softmax;
    return /^softmax β=\S+: \d+\/\d+ correct$/.test(text) && text !== old && sm.beta !== 1000;
  }, before);
  s = await appState(page);
  assert.notEqual(s.softmax.beta, 1000);
  assert.equal(typeof s.softmax.correct, 'number');
  const json = await page.evaluate(async () => JSON.parse(await window.hardmax.app.model.modelJson()));
  assert.equal(typeof json, 'object');
  const ds = await page.evaluate(() => window.hardmax.app.model.dataset());
  assert.equal(ds.sequences.length, s.total);
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('two constructions asked in one turn: the older is cancelled, the newer gets a worker of its own', async () => {
  const { page, context, consoleErrors } = await ctx.open('#v=1&preset=shared');
  await appState(page);
  const r = await page.evaluate(async () => {
    const { app } = window.hardmax;
    const engine = app.loader.engine;
    const shown = app.model;
    // both wait for the same warm worker: only the newer may take it
    const older = engine.build({ kind: 'preset', name: 'shared', seed: 1 }, {});
    const newer = engine.build({ kind: 'preset', name: 'rings', seed: 1 }, {});
    const [a, b] = await Promise.allSettled([older, newer]);
    const out = { a: a.status, cancelled: a.reason?.cancelled === true, b: b.status };
    if (b.status === 'fulfilled') {
      const model = b.value;
      out.own = model.session !== shown.session;
      out.rings = JSON.parse(await model.modelJson()).model.blocks.length;
      model.dispose();
    }
    // the model on screen still answers (its worker was not taken)
    out.shownAnswers = typeof JSON.parse(await shown.modelJson()) === 'object';
    return out;
  });
  assert.equal(r.a, 'rejected', 'the older build does not share the newer one\'s worker');
  assert.equal(r.cancelled, true, 'it is rejected as cancelled, not as an error');
  assert.equal(r.b, 'fulfilled');
  assert.equal(r.own, true);
  assert.ok(r.rings > 0);
  assert.equal(r.shownAnswers, true);
  assert.deepEqual(consoleErrors, []);
  await context.close();
});
