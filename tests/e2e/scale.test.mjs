// Real sizes in the browser: construction + verification timed inside wasm on a real
// multivariate dataset, and the page with N = 5,000 sequences of 20 tokens in d = 8 (every
// token drawn, on the WebGL2 layer where there is one).
// Timings are printed (benchmarks, not assertions); exactness and memory are asserted.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser, appState } from './app.mjs';
import { HANG_GUARD_MS } from './harness.mjs';
import { classificationSet } from './scaleset.mjs';

const ctx = useBrowser();

function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0], median: s[Math.floor(s.length / 2)], max: s[s.length - 1] };
}

test('JapaneseVowels (270 sequences, d = 12) in wasm: exact, timed', { timeout: HANG_GUARD_MS }, async () => {
  const { page } = await ctx.open();
  const result = await page.evaluate(async () => {
    const text = await (await fetch('tests/data/JapaneseVowels_TRAIN.ts')).text();
    const m = await import('./www/pkg/hardmax.js');
    await m.default();
    const runs = [];
    for (let i = 0; i < 7; i++) {
      const t0 = performance.now();
      const s = m.Session.fromText(text, 'ts', {});
      const wall = performance.now() - t0;
      const r = s.report();
      runs.push({ construct: r.construct_ms, verify: r.verify_ms, wall, correct: r.correct, total: r.total, blocks: r.blocks });
      s.free();
    }
    return runs;
  });
  for (const r of result) assert.equal(r.correct, r.total);
  const cv = stats(result.map((r) => r.construct + r.verify));
  const wall = stats(result.map((r) => r.wall));
  console.log(`# wasm JapaneseVowels_TRAIN: construct+verify ms min ${cv.min.toFixed(1)} median ${cv.median.toFixed(1)} max ${cv.max.toFixed(1)}; ` +
    `whole session (with the trace for drawing) ms min ${wall.min.toFixed(1)} median ${wall.median.toFixed(1)} max ${wall.max.toFixed(1)}; blocks ${result[0].blocks}`);
});

test('the page with N = 5,000 sequences of 20 tokens in d = 8: every token drawn, exact, memory bounded', { timeout: HANG_GUARD_MS }, async () => {
  const { page, consoleErrors } = await ctx.open();
  // mulberry32 (www/random.js): a 32-bit generator exact in JS arithmetic (tokens must not repeat)
  const data = await page.evaluate((d) => (window.__big = d).sequences.length, classificationSet());
  assert.equal(data, 5000);
  // the load, and where its time went (the worker's own split, the two crossings, the page)
  const load = await page.evaluate(async () => {
    // when the model is on screen (the loader's onBuilt), before the link is written
    const loader = window.hardmax.app.loader, built = loader.onBuilt.bind(loader);
    let shown = 0;
    loader.onBuilt = (...x) => { built(...x); shown = Date.now(); };
    const t0 = Date.now();
    await window.hardmax.load(window.__big);
    const t1 = Date.now();
    return { t0, t1, shown, timing: window.hardmax.app.model.timing };
  });
  const loadMs = load.t1 - load.t0;
  const st = await appState(page);
  assert.equal(st.correct, 5000);
  assert.equal(st.total, 5000);
  assert.equal(st.tokens, 100_000, 'every token is drawn, none sampled');
  assert.equal(await page.evaluate(() => document.getElementById('badge-sample').hidden), true, 'no "showing a sample" badge');
  // the last state, exactly: every token on its own class anchor, nearer to it than to any other
  const last = await page.evaluate(async () => {
    const h = window.hardmax;
    await h.goto(h.state().layers);
    const m = h.app.model, p = m.at(m.L), A = m.anchors;
    let off = 0;
    for (let i = 0; i < m.T; i++) {
      const c = m.tokenClass[i];
      const d = Math.hypot(p[2 * i] - A[2 * c], p[2 * i + 1] - A[2 * c + 1]);
      let nearer = false;
      for (let o = 0; 2 * o + 1 < A.length; o++) if (o !== c && Math.hypot(p[2 * i] - A[2 * o], p[2 * i + 1] - A[2 * o + 1]) <= d) nearer = true;
      if (!(d <= 1e-6) || nearer) off++;
    }
    return { off, drawn: h.state().drawn, webgl: h.state().webgl, kept: m.store.flat ? 'every state' : `moves (${m.moves.token.length} moves, ${m.store.keyframes.size} keyframes)`, bytes: m.store.bytes };
  });
  assert.equal(last.off, 0, 'every token on its own class anchor at the last state');
  assert.equal(last.drawn, 100_000, 'the renderer drew every token');
  // play a little and measure frame intervals while the big trace is on screen
  const frames = await page.evaluate(async () => {
    window.hardmax.goto(Math.floor(window.hardmax.state().layers / 2));
    window.hardmax.play();
    const ts = [];
    await new Promise((done) => {
      const t0 = performance.now();
      const tick = (t) => { ts.push(t); if (t - t0 < 2000) requestAnimationFrame(tick); else done(); };
      requestAnimationFrame(tick);
    });
    window.hardmax.pause();
    return ts.slice(1).map((t, i) => t - ts[i]);
  });
  const f = stats(frames);
  const client = await page.context().newCDPSession(page);
  await client.send('Performance.enable');
  const { metrics } = await client.send('Performance.getMetrics');
  const heap = metrics.find((m) => m.name === 'JSHeapTotalSize').value / 2 ** 20;
  const wasmMb = await page.evaluate(() => (window.hardmax.app?.wasmMemoryBytes?.() ?? 0) / 2 ** 20);
  const t = load.timing;
  const parts = t
    ? `construct ${t.construct.toFixed(0)}, verify ${t.verify.toFixed(0)}, reading the data ${(t.data ?? NaN).toFixed(0)}, scene ${t.scene.toFixed(0)}, reading out of wasm ${t.read.toFixed(0)}, ` +
      `${t.link === undefined ? '' : `the link's encoding ${t.link.toFixed(0)}, `}rest in the worker ${t.rest.toFixed(0)}, to the worker ${t.startedAt - load.t0}, back ${t.receivedAt - t.sentAt}, page until shown ${load.shown - t.receivedAt}, then until load() resolves ${load.t1 - load.shown}`
    : 'no split';
  console.log(`# page N=5000 x 20 x d=8, ${st.layers} layers: on screen after ${load.shown - load.t0} ms, load ${loadMs} ms (${parts}); tokens drawn ${last.drawn} (${last.webgl ? 'WebGL2' : '2D canvas'}); ` +
    `positions kept as ${last.kept}, ${(last.bytes / 2 ** 20).toFixed(0)} MB; ` +
    `frame interval ms median ${f.median.toFixed(1)} max ${f.max.toFixed(1)}; JS heap ${heap.toFixed(0)} MB; wasm memory ${wasmMb.toFixed(0)} MB`);
  assert.ok(heap + wasmMb < 500, `tab memory ${heap + wasmMb} MB`);
  assert.deepEqual(consoleErrors, []);
});
