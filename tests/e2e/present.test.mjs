// Presenter mode: the canvas fills the screen, captions are at least 28 px at 1920x1080,
// controls appear while the pointer moves, high contrast and a black screen; the link holds it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser, appState } from './app.mjs';
import { screenshot } from './harness.mjs';

const ctx = useBrowser();

test('presenter mode at 1920x1080: big canvas, 28 px captions, controls on pointer move, P and B keys', async () => {
  const { page, context, consoleErrors } = await ctx.open('#v=1&preset=shared&layer=4', { viewport: { width: 1920, height: 1080 } });
  await page.keyboard.press('p');
  let s = await appState(page);
  assert.equal(s.present, true);
  await page.waitForFunction(() => /present=1/.test(location.hash));
  const geo = await page.evaluate(() => {
    const r = document.getElementById('stage').getBoundingClientRect();
    return { w: r.width, h: r.height, font: parseFloat(getComputedStyle(document.getElementById('cap-text')).fontSize) };
  });
  assert.ok(geo.w >= 1850, `canvas ${geo.w} px wide`);
  assert.ok(geo.h >= 700, `canvas ${geo.h} px tall`);
  assert.ok(geo.font >= 28, `caption ${geo.font} px`);
  assert.equal(await page.isHidden('.column.left'), true);
  // Controls: hidden until the pointer moves.
  const opacity = () => page.evaluate(() => getComputedStyle(document.querySelector('.transport')).opacity);
  await page.waitForFunction(() => getComputedStyle(document.querySelector('.transport')).opacity === '0');
  await page.mouse.move(400, 400);
  await page.mouse.move(420, 410);
  await page.waitForFunction(() => getComputedStyle(document.querySelector('.transport')).opacity === '1');
  assert.equal(await opacity(), '1');
  await page.click('#present-contrast');
  assert.equal(await page.evaluate(() => document.body.classList.contains('contrast')), true);
  await screenshot(page, 'present-1920x1080', { fullPage: false });
  // B: black screen and back; P leaves.
  await page.keyboard.press('b');
  assert.equal(await page.isVisible('#blackout'), true);
  await page.keyboard.press('b');
  assert.equal(await page.isHidden('#blackout'), true);
  await page.keyboard.press('p');
  s = await appState(page);
  assert.equal(s.present, false);
  assert.equal(await page.isVisible('.column.left'), true);
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('a link with #present=1 opens in presenter mode at 1024x768', async () => {
  const { page, context, consoleErrors } = await ctx.open('#v=1&present=1&contrast=1', { viewport: { width: 1024, height: 768 } });
  const s = await appState(page);
  assert.equal(s.present, true);
  const r = await page.evaluate(() => document.getElementById('stage').getBoundingClientRect().toJSON());
  assert.ok(r.width >= 980 && r.height >= 450, `canvas ${r.width} x ${r.height}`);
  await screenshot(page, 'present-1024x768', { fullPage: false });
  assert.deepEqual(consoleErrors, []);
  await context.close();
});
