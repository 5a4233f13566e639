// The static build (dist/, made by scripts/dist.sh) works from a static host under a sub-path:
// every file it asks for is found there, the engine loads, and the default example reaches an
// exact classification with no console errors. dist/ is (re)built first when it is missing or
// older than the page's sources or www/pkg.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, launchBrowser, openPage, waitForApp, repoRoot, HANG_GUARD_MS } from './harness.mjs';

const DIST = path.join(repoRoot, 'dist');
const SUBPATH = '/some/sub/path/';

/** Source files of the page and where scripts/dist.sh copies them. */
function distPairs() {
  const www = path.join(repoRoot, 'www');
  const files = ['index.html', 'embed.html', 'companion.html', 'www/pkg/hardmax.js', 'www/pkg/hardmax_bg.wasm'];
  for (const f of fs.existsSync(www) ? fs.readdirSync(www) : []) if (f.endsWith('.js') || f.endsWith('.css')) files.push(`www/${f}`);
  const pairs = files.map((f) => [path.join(repoRoot, f), path.join(DIST, f)]);
  // the real datasets the companion article measures
  for (const f of ['BasicMotions_TRAIN.ts', 'JapaneseVowels_TRAIN.ts']) pairs.push([path.join(repoRoot, 'tests/data', f), path.join(DIST, 'data', f)]);
  return pairs;
}

/** Why dist/ must be rebuilt, or null when it is up to date. */
function staleReason() {
  for (const [src, out] of distPairs()) {
    if (!fs.existsSync(src)) return `${path.relative(repoRoot, src)} does not exist yet`;
    if (!fs.existsSync(out)) return `${path.relative(repoRoot, out)} is missing`;
    if (fs.statSync(out).mtimeMs < fs.statSync(src).mtimeMs) return `${path.relative(repoRoot, out)} is older than its source`;
  }
  return null;
}

let server;
let browser;

before(
  async () => {
    const reason = staleReason();
    if (reason) {
      console.log(`# building dist/ (${reason}): bash scripts/dist.sh`);
      const r = spawnSync('bash', ['scripts/dist.sh'], { cwd: repoRoot, encoding: 'utf8', maxBuffer: 64 << 20 });
      if (r.status !== 0) {
        throw new Error(`scripts/dist.sh failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
      }
      assert.equal(staleReason(), null, 'dist/ is up to date after scripts/dist.sh');
    }
    server = await startServer(DIST, SUBPATH);
    browser = await launchBrowser();
  },
  { timeout: 20 * 60_000 }, // a cold release build of the wasm takes minutes on two cores
);

after(async () => {
  await browser?.close();
  await server?.close();
});

test('dist/ holds exactly the static page: index.html, embed.html, companion.html, www/*.{js,css}, www/pkg/{hardmax.js,hardmax_bg.wasm}, data/*_TRAIN.ts', () => {
  const listing = [];
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else listing.push(path.relative(DIST, p).split(path.sep).join('/'));
    }
  };
  walk(DIST);
  const expected = distPairs().map(([, out]) => path.relative(DIST, out).split(path.sep).join('/'));
  assert.deepEqual(listing.sort(), expected.sort());
  const wasm = fs.readFileSync(path.join(DIST, 'www/pkg/hardmax_bg.wasm'));
  assert.deepEqual([...wasm.subarray(0, 4)], [0x00, 0x61, 0x73, 0x6d], 'a wasm module');
});

test(`dist/ served under ${SUBPATH} loads, plays to an exact classification, with no console errors`, async () => {
  const { page, context, consoleErrors } = await openPage(browser, server.url);
  const ready = await waitForApp(page, { timeout: 60_000 });
  assert.equal(ready.ready, true);
  assert.equal(ready.error, null);
  assert.equal(ready.preset, 'shared', 'the default example is embedded in the wasm');
  assert.ok(ready.layers > 0, `layers: ${ready.layers}`);

  const end = await page.evaluate(async () => window.hardmax.goto(window.hardmax.state().layers));
  assert.equal(end.layer, end.layers);
  assert.ok(end.total > 0);
  assert.equal(end.correct, end.total, 'every sequence classified exactly');

  await page.waitForTimeout(300);
  assert.deepEqual(consoleErrors, []);

  // Every file was asked for under the sub-path (relative URLs only) and found.
  assert.ok(server.requests.length >= 4, `requests: ${JSON.stringify(server.requests)}`);
  for (const r of server.requests) {
    assert.ok(r.path.startsWith(SUBPATH), `request outside ${SUBPATH}: ${r.path}`);
    assert.equal(r.status, 200, `${r.path} -> ${r.status}`);
  }
  const asked = server.requests.map((r) => r.path.slice(SUBPATH.length).split('?')[0]);
  for (const f of ['', 'www/main.js', 'www/style.css', 'www/pkg/hardmax.js', 'www/pkg/hardmax_bg.wasm']) {
    assert.ok(asked.includes(f), `${SUBPATH}${f} was loaded (asked: ${asked.join(', ')})`);
  }
  await context.close();
});

test(`dist/ under ${SUBPATH}: embed.html shows a figure and companion.html measures its table, with no console errors`, { timeout: HANG_GUARD_MS }, async () => {
  const embed = await openPage(browser, `${server.url}embed.html#preset=shared&stage=snap`, { viewport: { width: 480, height: 360 } });
  const s = await waitForApp(embed.page);
  assert.equal(s.preset, 'shared');
  await embed.page.waitForFunction(() => window.hardmax.state().layer === window.hardmax.state().layers);
  assert.deepEqual(embed.consoleErrors, []);
  await embed.context.close();
  const article = await openPage(browser, `${server.url}companion.html`, { viewport: { width: 1024, height: 900 } });
  await article.page.waitForFunction(() => document.querySelectorAll('#counts tbody tr').length === 6, null, { timeout: HANG_GUARD_MS });
  const measured = await article.page.$$eval('#counts tbody tr', (trs) => trs.map((tr) => tr.children.length));
  assert.deepEqual(measured, [9, 9, 9, 9, 9, 9], 'every row measured (the real datasets were found under data/)');
  assert.deepEqual(article.consoleErrors, []);
  await article.context.close();
});
