// Embeds for a companion site: embed.html shows one figure (canvas, play and scrub) sized to
// its iframe, with its state in the hash; companion.html is an article with a live figure per
// stage and a table measured by the engine. Both are served under a sub-path here.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, openPage, waitForApp, repoRoot, screenshot, HANG_GUARD_MS } from './harness.mjs';

const SUB = '/a/sub/path/';
let server, browser;
before(async () => {
  server = await startServer(repoRoot, SUB);
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

test('embed.html: a figure stopped at a stage, play and scrub only, sized to its frame', async () => {
  const { page, context, consoleErrors } = await openPage(browser, `${server.url}embed.html#preset=shared&stage=collapse`, { viewport: { width: 480, height: 360 } });
  await waitForApp(page);
  const collapse = await page.evaluate(() => window.hardmax.app.model.stages.find((s) => s.stage === 'collapse').last);
  await page.waitForFunction((k) => window.hardmax.state().layer === k, collapse);
  const geo = await page.evaluate(() => {
    const vis = (id) => {
      const e = document.getElementById(id);
      return Boolean(e && e.getClientRects().length && getComputedStyle(e).display !== 'none');
    };
    const r = document.getElementById('stage').getBoundingClientRect();
    return {
      w: r.width, h: r.height, scrollW: document.documentElement.scrollWidth, scrollH: document.documentElement.scrollHeight,
      play: vis('btn-play'), timeline: vis('timeline'), back: vis('btn-back'), speed: vis('speed'), preset: vis('preset'),
    };
  });
  assert.ok(geo.w >= 470 && geo.h >= 280, `canvas ${geo.w} x ${geo.h}`);
  assert.ok(geo.scrollW <= 480 && geo.scrollH <= 360, 'nothing spills out of the frame');
  assert.deepEqual([geo.play, geo.timeline, geo.back, geo.speed, geo.preset], [true, true, false, false, false]);
  await screenshot(page, 'embed-480x360', { fullPage: false });
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('embed.html: play=1 plays, layer= picks a state', async () => {
  const { page, context, consoleErrors } = await openPage(browser, `${server.url}embed.html#preset=rings&layer=3&play=1`, { viewport: { width: 400, height: 300 } });
  await waitForApp(page);
  await page.waitForFunction(() => window.hardmax.state().playing);
  const s = await page.evaluate(() => window.hardmax.state());
  assert.equal(s.preset, 'rings');
  assert.ok(s.layer >= 3);
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('companion.html: a live figure per stage and the measured table of blocks against 4N+1', { timeout: HANG_GUARD_MS }, async () => {
  const { page, context, consoleErrors } = await openPage(browser, `${server.url}companion.html`, { viewport: { width: 1024, height: 900 } });
  const frames = await page.$$eval('iframe', (fs) => fs.map((f) => f.getAttribute('src')));
  assert.equal(frames.length, 8);
  for (const stage of ['normalize', 'separate', 'collapse', 'label', 'snap']) assert.ok(frames.some((f) => f.includes(`preset=shared&stage=${stage}`)), stage);
  for (const stage of ['separate', 'place']) assert.ok(frames.some((f) => f.includes(`preset=reverse&stage=${stage}`)), `reverse ${stage}`);
  await page.waitForFunction(() => document.querySelectorAll('#counts tbody tr').length === 6, null, { timeout: HANG_GUARD_MS });
  const rows = await page.$$eval('#counts tbody tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
  const num = (x) => Number(x.replace(/,/g, ''));
  for (const r of rows) {
    assert.equal(r.length, 9, `measured: ${r.join(' | ')}`);
    const [n, blocks, bound] = [r[1], r[3], r[4]].map(num);
    assert.equal(bound, 4 * n + 1);
    assert.ok(blocks <= bound, `${r[0]}: ${blocks} blocks <= 4N+1 = ${bound}`);
    const [ok, total] = r[7].split('/').map(Number);
    assert.equal(ok, total, `${r[0]} classified exactly`);
    assert.ok(num(r[8]) > 0 && Number.isFinite(num(r[8])), `${r[0]}: a measured softmax β*, not "${r[8]}"`);
  }
  assert.ok(rows.some((r) => /BasicMotions/.test(r[0])) && rows.some((r) => /JapaneseVowels/.test(r[0])));
  // sequence to sequence: every read token on its target, within the paper's count
  await page.waitForFunction(() => document.querySelectorAll('#interp-counts tbody tr').length === 4, null, { timeout: HANG_GUARD_MS });
  const interp = await page.$$eval('#interp-counts tbody tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
  assert.deepEqual(interp.map((r) => r[0]), ['paths (preset)', 'copy (preset)', 'reverse (preset)', 'translate (preset)']);
  for (const r of interp) {
    assert.equal(r.length, 7, `measured: ${r.join(' | ')}`);
    const [n, sumM, blocks, bound] = r.slice(1, 5).map(num);
    assert.equal(bound, 2 * sumM + 2 * n + 1);
    assert.ok(blocks <= bound, `${r[0]}: ${blocks} blocks <= ${bound}`);
    const [ok, total] = r[5].split('/').map(Number);
    assert.ok(ok === total && total === sumM, `${r[0]}: ${r[5]} read tokens on target`);
    assert.ok(Number(r[6]) < 1e-9, `${r[0]}: worst error ${r[6]}`);
  }
  await screenshot(page, 'companion-1024');
  assert.deepEqual(consoleErrors, []);
  await context.close();
});
