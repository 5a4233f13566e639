// Export what you see (dataset, model, PNG, SVG as file downloads) and drop files onto the canvas.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import { useBrowser, smallTs } from './app.mjs';

const ctx = useBrowser();

async function download(page, button) {
  const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 10_000 }), page.click(button)]);
  return { name: dl.suggestedFilename(), bytes: await fs.readFile(await dl.path()) };
}

test('exports: dataset JSON, model JSON, PNG and SVG of the current frame', async () => {
  const { page, context, consoleErrors } = await ctx.open('#v=1&preset=shared&layer=6');

  const dataset = await download(page, '#ex-dataset');
  assert.match(dataset.name, /^hardmax-shared-dataset\.json$/);
  assert.equal(JSON.parse(dataset.bytes.toString('utf8')).sequences.length, 6);

  const model = await download(page, '#ex-model');
  assert.match(model.name, /model\.json$/);
  assert.equal(typeof JSON.parse(model.bytes.toString('utf8')), 'object');

  const png = await download(page, '#ex-png');
  assert.match(png.name, /layer6\.png$/);
  assert.deepEqual([...png.bytes.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47], 'a PNG file');
  assert.ok(png.bytes.length > 2000);

  const svg = await download(page, '#ex-svg');
  assert.match(svg.name, /layer6\.svg$/);
  assert.match(svg.bytes.toString('utf8'), /<svg[\s>]/);

  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('dropping a .ts file onto the canvas imports it', async () => {
  const { page, context, consoleErrors } = await ctx.open();
  const transfer = await page.evaluateHandle((text) => {
    const dt = new DataTransfer();
    dt.items.add(new File([text], 'dropped.ts', { type: 'text/plain' }));
    return dt;
  }, smallTs(4, 3));
  await page.dispatchEvent('#stage', 'dragenter', { dataTransfer: transfer });
  assert.equal(await page.evaluate(() => document.getElementById('stage').classList.contains('dragover')), true);
  await page.dispatchEvent('#stage', 'drop', { dataTransfer: transfer });
  await page.waitForFunction(() => window.hardmax.state().preset === 'custom', null, { timeout: 30_000 });
  const s = await page.evaluate(() => window.hardmax.goto(window.hardmax.state().layers));
  assert.equal(s.total, 4);
  assert.equal(s.correct, 4);
  assert.deepEqual(consoleErrors, []);
  await context.close();
});
