// Loads the big page set (5,000 sequences x 20 tokens, d = 8: the set of tests/e2e/scale.test.mjs)
// in one or more builds of the page, alternately, in one run, and prints where the load time went
// and the frame intervals of a short playback. Figures only (nothing is asserted).
//
//   node scripts/page-load-bench.mjs [ROOT ...] [--rounds N]
//
// Each ROOT is a directory holding index.html and www/ (with www/pkg built); the default is this
// checkout. Give an older build's root first to compare before and after.

import path from 'node:path';
import { startServer, launchBrowser, openPage, waitForApp, repoRoot } from '../tests/e2e/harness.mjs';
import { classificationSet } from '../tests/e2e/scaleset.mjs';

const args = process.argv.slice(2);
let rounds = 2;
const roots = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--rounds') rounds = Math.max(1, Number(args[++i]) || 1);
  else roots.push(path.resolve(args[i]));
}
if (!roots.length) roots.push(repoRoot);

async function measure(browser, url) {
  const { page, context } = await openPage(browser, url);
  await waitForApp(page);
  await page.evaluate((d) => (window.__big = d), classificationSet());
  const r = await page.evaluate(async () => {
    const h = window.hardmax;
    // when the model is on screen (the loader's onBuilt), before the link and the panels' questions
    const loader = h.app.loader, built = loader.onBuilt.bind(loader);
    let shown = 0;
    loader.onBuilt = (...x) => { built(...x); shown = Date.now(); };
    const t0 = Date.now();
    await h.load(window.__big);
    const t1 = Date.now();
    // the first frame after it: the commit that follows the next animation frame (a software
    // WebGL layer is read back there, so this is where its first picture costs)
    await new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)));
    const painted = Date.now();
    const m = h.app.model;
    h.goto(Math.floor(h.state().layers / 2));
    h.play();
    const ts = [];
    await new Promise((done) => {
      const s = performance.now();
      const tick = (t) => { ts.push(t); if (t - s < 2000) requestAnimationFrame(tick); else done(); };
      requestAnimationFrame(tick);
    });
    h.pause();
    const st = h.state();
    return { t0, t1, shown, painted, timing: m.timing || null, layers: st.layers, tokens: st.tokens, drawn: st.drawn ?? null, webgl: st.webgl ?? false, frames: ts.slice(1).map((t, i) => t - ts[i]) };
  });
  await context.close();
  return r;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const browser = await launchBrowser();
const servers = await Promise.all(roots.map((r) => startServer(r)));
try {
  for (let round = 1; round <= rounds; round++) {
    for (let j = 0; j < roots.length; j++) {
      const r = await measure(browser, servers[j].url);
      const t = r.timing;
      const parts = t
        ? `construct ${t.construct.toFixed(0)} + verify ${t.verify.toFixed(0)} + data ${(t.data ?? NaN).toFixed(0)} + scene ${t.scene.toFixed(0)} + read ${t.read.toFixed(0)} + ` +
          `${t.link === undefined ? '' : `link ${t.link.toFixed(0)} + `}rest ${t.rest.toFixed(0)} in the worker; to the worker ${t.startedAt - r.t0}, back ${t.receivedAt - t.sentAt}, page until shown ${r.shown - t.receivedAt}, then until load() resolves ${r.t1 - r.shown}`
        : 'no split';
      console.log(`round ${round} ${path.basename(roots[j])}: on screen after ${r.shown - r.t0} ms, load() ${r.t1 - r.t0} ms, first frame done ${r.painted - r.t0} ms (${parts}); ${r.layers} layers; ` +
        `${r.tokens} tokens drawn${r.webgl ? ' (WebGL2)' : ''}; frame interval median ${median(r.frames).toFixed(1)} ms, max ${Math.max(...r.frames).toFixed(1)} ms, ${r.frames.length} frames in 2 s`);
    }
  }
} finally {
  await browser.close();
  await Promise.all(servers.map((s) => s.close()));
}
