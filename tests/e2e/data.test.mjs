// Your own data: importing .ts files, drawing, and what happens with bad input (an error in
// plain words, and the page keeps working with the previous session).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { repoRoot, screenshot, HANG_GUARD_MS } from './harness.mjs';
import { useBrowser, appState, canvasInk, smallTs } from './app.mjs';

const ctx = useBrowser();

test('importing a small .ts file constructs a custom session', async () => {
  const { page, context, consoleErrors } = await ctx.open();
  await page.setInputFiles('#file', { name: 'tiny.ts', mimeType: 'text/plain', buffer: Buffer.from(smallTs(6, 5)) });
  await page.waitForFunction(() => window.hardmax.state().preset === 'custom', null, { timeout: 30_000 });
  const s = await page.evaluate(() => window.hardmax.goto(window.hardmax.state().layers));
  assert.equal(s.total, 6);
  assert.equal(s.correct, 6);
  assert.equal(s.error, null);
  await page.waitForFunction(() => /preset=custom&.*data=/.test(location.hash), null, { timeout: 5000 });
  assert.match(await page.textContent('#link-note'), /link/, 'small data travels in the link');

  // The link alone brings the same data back.
  await page.reload();
  await page.waitForFunction(() => window.hardmax?.state().ready === true, null, { timeout: 30_000 });
  const again = await appState(page);
  assert.equal(again.preset, 'custom');
  assert.equal(again.total, 6);
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('importing BasicMotions_TRAIN.ts (d = 6, PCA view) classifies every sequence', async () => {
  const { page, context, consoleErrors } = await ctx.open();
  await page.setInputFiles('#file', path.join(repoRoot, 'tests/data/BasicMotions_TRAIN.ts'));
  await page.waitForFunction(() => window.hardmax.state().preset === 'custom', null, { timeout: HANG_GUARD_MS });
  const s = await page.evaluate(() => window.hardmax.goto(window.hardmax.state().layers));
  assert.equal(s.total, 40);
  assert.equal(s.correct, 40);
  assert.match(await page.textContent('#stats'), /PCA/);
  assert.ok((await canvasInk(page)) > 10);
  await screenshot(page, 'basicmotions-snap');
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('a bad file shows an error box; the page keeps working with the previous session', async () => {
  const { page, context, consoleErrors } = await ctx.open();
  const before = await appState(page);
  await page.setInputFiles('#file', {
    name: 'broken.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from('sequence,label,x1,x2\ns1,a,1,oops\n'),
  });
  await page.waitForSelector('#error:not([hidden])');
  assert.match(await page.textContent('#error .error-text'), /\w/);
  let s = await appState(page);
  assert.ok(s.error, 'state().error holds the message');
  assert.equal(s.preset, before.preset);
  assert.equal(s.layers, before.layers);

  // An unknown extension is refused before the engine sees it.
  await page.setInputFiles('#file', { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
  await page.waitForFunction(() => /\.json, \.csv or \.ts/.test(window.hardmax.state().error || ''));

  // Still working: play to the end of the previous session.
  s = await page.evaluate(() => window.hardmax.goto(window.hardmax.state().layers));
  assert.equal(s.correct, s.total);
  await page.click('#error .error-close');
  assert.equal((await appState(page)).error, null);
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('indistinguishable sequences: the message names both, as text; one click enables positional encoding', async () => {
  const { page, context, consoleErrors } = await ctx.open();
  const evil = '<img src=x onerror="window.__pwned=1">';
  const dataset = {
    sequences: [
      { name: evil, label: 'a', tokens: [[0, 0], [1, 0]] },
      { name: 'twin', label: 'b', tokens: [[1, 0], [0, 0]] },
      { name: 'other', label: 'a', tokens: [[0, 1]] },
    ],
  };
  const message = await page.evaluate((ds) => window.hardmax.load(ds).then(() => null, (e) => e.message), dataset);
  assert.ok(message, 'load() rejects');
  assert.match(message, /twin/);
  assert.match(message, /positional/);
  const text = await page.textContent('#error .error-text');
  assert.ok(text.includes('<img'), 'the name is shown as text');
  assert.equal(await page.locator('#error img').count(), 0, 'no markup from data');
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.equal((await appState(page)).preset, 'shared', 'the previous session is still shown');

  await page.click('#error .error-action');
  await page.waitForFunction(() => window.hardmax.state().preset === 'custom', null, { timeout: 30_000 });
  const s = await page.evaluate(() => window.hardmax.goto(window.hardmax.state().layers));
  assert.equal(s.correct, 3);
  assert.equal(await page.isChecked('#pos'), true);
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('draw mode: clicks add tokens, a click near a token reuses it, construct builds the drawing', async () => {
  const { page, context, consoleErrors } = await ctx.open();
  await page.click('#draw-panel summary');
  await page.click('#draw-toggle');
  assert.equal((await appState(page)).drawing, true);
  assert.equal((await appState(page)).layer, 0, 'draw mode shows the input');
  await page.click('#draw-clear');
  const box = await page.locator('#canvas').boundingBox();
  const at = (fx, fy) => [box.x + fx * box.width, box.y + fy * box.height];

  await page.selectOption('#draw-label', 'A');
  for (const [fx, fy] of [[0.3, 0.3], [0.5, 0.4], [0.4, 0.6]]) await page.mouse.click(...at(fx, fy));
  await page.click('#draw-new');
  await page.selectOption('#draw-label', 'B');
  const [sx, sy] = at(0.5, 0.4);
  await page.mouse.click(sx + 3, sy - 2); // within 8 px: the same token as A's second
  await page.mouse.click(...at(0.7, 0.7));
  assert.match(await page.textContent('#draw-status'), /2 sequences, 5 tokens/);

  const draft = await page.evaluate(() => window.hardmax.app.draft.dataset());
  assert.deepEqual(draft.sequences[1].tokens[0], draft.sequences[0].tokens[1], 'snapped to the exact token');

  await page.click('#draw-construct');
  await page.waitForFunction(() => window.hardmax.state().preset === 'custom' && window.hardmax.state().tokens === 5, null, {
    timeout: 30_000,
  });
  assert.ok((await canvasInk(page)) > 10);
  await screenshot(page, 'draw-mode');
  await page.click('#draw-toggle');
  const s = await page.evaluate(() => window.hardmax.goto(window.hardmax.state().layers));
  assert.equal(s.drawing, false);
  assert.equal(s.total, 2);
  assert.equal(s.correct, 2);
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('a one-dimensional series is refused in plain words; one click lifts it to (x, t)', async () => {
  const { page, context, consoleErrors } = await ctx.open();
  const ts = ['@problemName Flat', '@univariate true', '@classLabel true up down', '@data', '1,2,3,2:up', '3,2,1,2:down', '0,1,0,1:up', ''].join('\n');
  await page.setInputFiles('#file', { name: 'flat.ts', mimeType: 'text/plain', buffer: Buffer.from(ts) });
  await page.waitForSelector('#error:not([hidden])');
  assert.match(await page.textContent('#error .error-text'), /d = 1/);
  assert.match(await page.textContent('#error .error-action'), /Lift/);
  await page.click('#error .error-action');
  await page.waitForFunction(() => window.hardmax.state().preset === 'custom', null, { timeout: 30_000 });
  const s = await page.evaluate(() => window.hardmax.goto(window.hardmax.state().layers));
  assert.equal(s.correct, 3);
  assert.equal(await page.isChecked('#lift'), true);
  assert.deepEqual(consoleErrors, []);
  await context.close();
});
