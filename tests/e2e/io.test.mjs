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
  const shown = await page.evaluate(() => ({
    classes: [...document.querySelectorAll('#legend .legend-item')].map((e) => e.textContent),
    blocks: Number(document.querySelector('#stats dd[data-key="blocks"]').textContent),
    tokens: Number(document.querySelector('#stats dd[data-key="tokens"]').textContent),
    caption: document.getElementById('cap-text').textContent,
    canvas: (({ width, height, clientWidth, clientHeight }) => ({ width, height, clientWidth, clientHeight }))(document.getElementById('canvas')),
  }));
  assert.deepEqual(shown.classes, ['blue', 'green', 'red']);

  // The dataset: the six sequences on screen, and it builds the same construction again.
  const dataset = await download(page, '#ex-dataset');
  assert.match(dataset.name, /^hardmax-shared-dataset\.json$/);
  const ds = JSON.parse(dataset.bytes.toString('utf8'));
  assert.deepEqual(ds.sequences.map((s) => s.name), ['A', 'B', 'C', 'D', 'E', 'F']);
  assert.deepEqual([...new Set(ds.sequences.map((s) => s.label))].sort(), shown.classes);
  assert.equal(ds.sequences.reduce((n, s) => n + s.tokens.length, 0), shown.tokens);
  for (const s of ds.sequences) for (const t of s.tokens) assert.ok(t.length === 2 && t.every(Number.isFinite), `${s.name}: ${t}`);

  // The model: the blocks and classes the page reports.
  const model = await download(page, '#ex-model');
  assert.match(model.name, /^hardmax-shared-model\.json$/);
  const mj = JSON.parse(model.bytes.toString('utf8'));
  assert.equal(mj.format, 'hardmax-model');
  assert.equal(mj.model.input_dim, 2);
  assert.equal(mj.model.blocks.length, shown.blocks);
  assert.deepEqual(mj.model.classes, shown.classes);
  assert.equal(mj.model.anchors.length, shown.classes.length);

  // The PNG: the screen — the canvas at its device-pixel width, with the caption and legends above it.
  const png = await download(page, '#ex-png');
  assert.match(png.name, /^hardmax-shared-layer6\.png$/);
  assert.deepEqual([...png.bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG file');
  assert.equal(png.bytes.toString('ascii', 12, 16), 'IHDR');
  assert.equal(png.bytes.readUInt32BE(16), shown.canvas.width);
  assert.ok(png.bytes.readUInt32BE(20) > shown.canvas.height, 'the caption sits above the picture');

  // The SVG: the canvas's size, the class names and the caption of layer 6.
  const svg = await download(page, '#ex-svg');
  assert.match(svg.name, /^hardmax-shared-layer6\.svg$/);
  const text = svg.bytes.toString('utf8');
  const root = /<svg\b[^>]*>/.exec(text)?.[0] ?? '';
  assert.match(root, new RegExp(`width="${shown.canvas.clientWidth}"`));
  assert.ok(Number(/height="([\d.]+)"/.exec(root)[1]) > shown.canvas.clientHeight, 'the caption sits above the picture');
  const words = [...text.matchAll(/<text\b[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
  for (const c of shown.classes) assert.ok(words.includes(c), `the SVG names class ${c}`);
  const opening = shown.caption.split(/\s+/).slice(0, 4).join(' ');
  assert.ok(words.join(' ').includes(opening), `the SVG carries the caption ("${opening}…")`);

  // The exported dataset builds the same construction again.
  const again = await page.evaluate((d) => window.hardmax.load(d).then(() => window.hardmax.goto(window.hardmax.state().layers)), ds);
  assert.equal(again.preset, 'custom');
  assert.deepEqual([again.correct, again.total], [6, 6]);
  assert.equal(Number(await page.textContent('#stats dd[data-key="blocks"]')), shown.blocks);

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
