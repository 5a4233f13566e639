// Accessibility: axe-core (run inside the page) finds no serious or critical violations at a
// desktop and a phone size, with the tour open and in presenter mode; every control is
// reachable with the keyboard; the caption is announced (aria-live).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { createRequire } from 'node:module';
import { useBrowser } from './app.mjs';

const ctx = useBrowser();
const AXE = path.join(path.dirname(createRequire(import.meta.url).resolve('axe-core/package.json')), 'axe.min.js');

/** Serious and critical axe violations on the page: [{ id, impact, help, targets }]. */
async function violations(page) {
  await page.addScriptTag({ path: AXE });
  const found = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }));
  });
  return found.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

const CASES = [
  ['desktop 1366x768', '#v=1&preset=shared&layer=5', { width: 1366, height: 768 }],
  ['phone 390x844', '#v=1&preset=shared&layer=5', { width: 390, height: 844 }],
  ['tour at 1024x768', '#v=1&lesson=2', { width: 1024, height: 768 }],
  ['presenter 1920x1080', '#v=1&present=1&contrast=1&layer=11', { width: 1920, height: 1080 }],
];

for (const [name, hash, viewport] of CASES) {
  test(`axe-core: no serious or critical violations (${name})`, async () => {
    const { page, context, consoleErrors } = await ctx.open(hash, { viewport });
    if (/lesson/.test(hash)) await page.waitForFunction(() => window.hardmax.state().lesson?.step === 2);
    const v = await violations(page);
    assert.deepEqual(v, [], JSON.stringify(v, null, 1));
    assert.deepEqual(consoleErrors, []);
    await context.close();
  });
}

test('every control is reachable with Tab; the caption and the tour are announced', async () => {
  const { page, context } = await ctx.open('#v=1&preset=shared', { viewport: { width: 1366, height: 768 } });
  const controls = await page.evaluate(() =>
    [...document.querySelectorAll('button, select, input, [role="slider"], summary, a[href]')]
      .filter((e) => !e.disabled && e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden')
      // inside a closed <details> only its summary can be reached (opening it shows the rest)
      .filter((e) => e.matches('summary') || !e.closest('details:not([open])'))
      .map((e) => e.id || e.textContent.trim().slice(0, 30)),
  );
  const reached = new Set();
  for (let i = 0; i < controls.length * 2 + 20; i++) {
    await page.keyboard.press('Tab');
    const id = await page.evaluate(() => {
      const e = document.activeElement;
      const target = e?.matches('label.file-button') ? e.querySelector('input') : e;
      return target ? target.id || target.textContent.trim().slice(0, 30) : '';
    });
    reached.add(id);
  }
  const missing = controls.filter((c) => !reached.has(c));
  assert.deepEqual(missing, [], `not reachable by Tab: ${missing}`);
  assert.equal(await page.getAttribute('.caption', 'aria-live'), 'polite');
  assert.equal(await page.getAttribute('#busy', 'role'), 'status');
  await page.click('#tour-start');
  await page.waitForFunction(() => window.hardmax.state().lesson?.step === 1);
  assert.equal(await page.getAttribute('.lesson-live', 'aria-live'), 'polite');
  await context.close();
});
