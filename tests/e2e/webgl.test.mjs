// The WebGL2 layer of token markers (www/gldots.js): it draws every token, on the same device
// pixels as the 2D path, in the same colors; the 2D canvas takes over when it is off.
// Markers are compared where one token's marker is alone (no other marker overlaps it), at
// its center pixel as the renderer computed it (renderer.screenOf), in both pictures.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser, appState } from './app.mjs';
import { interpolationSet } from './scaleset.mjs';

const ctx = useBrowser();

/**
 * Draws state k (clock frozen) once per WebGL mode in `modes` ('on' | 'off' | 'auto') and
 * reads, for up to `n` lone tokens, the class color and the device pixel at the token's
 * center: from the WebGL layer when it drew the markers, else from the 2D canvas.
 */
function markerPixels(page, modes, k, n = 12) {
  return page.evaluate(async ({ modes, k, n }) => {
    const h = window.hardmax;
    const r = h.app.view.renderer;
    h.clock.freeze();
    await h.goto(k);
    const m = h.app.model;
    const hex = (c) => [1, 3, 5].map((j) => parseInt(c.slice(j, j + 2), 16));
    const out = [];
    for (const mode of modes) {
      r.webgl = mode;
      h.clock.advance(0); // draws now, so the pixels read below are this frame's
      const dpr = r.dpr;
      const size = Math.ceil(2 * (r.tokenRadius() * 1.35 + 1.5) * dpr) + 2;
      const cells = new Map(); // device pixel grid cell -> tokens, to find lone markers fast
      const cellOf = (i) => [Math.floor((r.sx[i] * dpr) / size), Math.floor((r.sy[i] * dpr) / size)];
      for (let i = 0; i < m.T; i++) {
        const key = cellOf(i).join();
        cells.set(key, (cells.get(key) || 0) + 1);
      }
      // an interpolation's target diamonds are markers too (on the 2D canvas): not lone there
      const t = m.targets;
      for (let j = 0; t && j < t.seq.length; j++) {
        const [x, y] = r.toScreen(t.at[2 * j], t.at[2 * j + 1]);
        const key = [Math.floor((x * dpr) / size), Math.floor((y * dpr) / size)].join();
        cells.set(key, (cells.get(key) || 0) + 2);
      }
      const lone = [];
      for (let i = 0; i < m.T && lone.length < n; i++) {
        const [cx, cy] = cellOf(i);
        let near = 0;
        for (let dx = -1; dx <= 1; dx++) for (let dy = -1; dy <= 1; dy++) near += cells.get(`${cx + dx},${cy + dy}`) || 0;
        const x = Math.round(r.sx[i] * dpr), y = Math.round(r.sy[i] * dpr);
        if (near === 1 && x > size && y > size && x < r.canvas.width - size && y < r.canvas.height - size) lone.push({ i, x, y });
      }
      let read;
      if (r.usedGl) {
        // premultiplied markers over the white background
        read = (x, y) => {
          const [R, G, B, A] = r.glDots.pixel(x, y);
          return [R + 255 - A, G + 255 - A, B + 255 - A];
        };
      }
      else {
        const g = r.canvas.getContext('2d');
        read = (x, y) => Array.from(g.getImageData(x, y, 1, 1).data);
      }
      out.push({
        mode,
        webgl: r.usedGl,
        drawn: h.state().drawn,
        T: m.T,
        layerShown: r.glDots ? [r.glDots.layer, r.glDots.grid].map((c) => getComputedStyle(c).visibility).join() : 'none',
        tokens: lone.map(({ i, x, y }) => ({
          i, x, y, read: m.readMask ? m.readMask[i] === 1 : true, want: hex(m.classColors[m.tokenClass[i]]), got: read(x, y).slice(0, 3),
          // with WebGL: whatever else is drawn at the center, over the layer (the 2D canvas's
          // opacity) or under it (how far the grid canvas is from the white background: a grid
          // line, a target's dashes); 0 when the marker is alone there
          cover: r.usedGl ? r.canvas.getContext('2d').getImageData(x, y, 1, 1).data[3] + 3 * 255 - Array.from(r.glDots.gridCtx.getImageData(x, y, 1, 1).data).slice(0, 3).reduce((a, v) => a + v, 0) : null,
        })),
        // every token's center pixel, lone or not (the topmost marker there)
        centers: Array.from({ length: m.T }, (_, i) => read(Math.round(r.sx[i] * dpr), Math.round(r.sy[i] * dpr)).slice(0, 3)),
      });
    }
    return out;
  }, { modes, k, n });
}

const close = (a, b, tol) => a.every((v, j) => Math.abs(v - b[j]) <= tol);

test('default preset, WebGL on: every marker drawn, centered on the pixel the 2D path puts it on, in its class color', async () => {
  const { page, consoleErrors } = await ctx.open();
  const L = (await appState(page)).layers;
  for (const k of [0, Math.floor(L / 2)]) {
    const [gl, flat] = await markerPixels(page, ['on', 'off'], k);
    assert.equal(gl.webgl, true, 'headless Chromium gives a WebGL2 context (SwiftShader)');
    assert.equal(gl.drawn, gl.T, 'every token drawn');
    assert.ok(gl.tokens.length >= 3, `lone tokens to compare at state ${k}: ${gl.tokens.length}`);
    for (const t of gl.tokens) assert.ok(close(t.got, t.want, 3), `state ${k}, token ${t.i}: ${t.got} is its class color ${t.want}`);
    assert.equal(flat.webgl, false);
    assert.equal(flat.layerShown, 'hidden,hidden', 'the WebGL layers are hidden while the 2D canvas draws the markers');
    assert.deepEqual(flat.tokens.map((t) => [t.x, t.y]), gl.tokens.map((t) => [t.x, t.y]), 'same screen positions');
    for (const t of flat.tokens) assert.ok(close(t.got, t.want, 3), `2D, state ${k}, token ${t.i}: ${t.got} vs ${t.want}`);
  }
  assert.deepEqual(consoleErrors, []);
});

/** `n` sequences of `len` 2D tokens spread over a wide square, four classes (seeded). */
function spread(n, len, seed = 3) {
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const sequences = [];
  for (let q = 0; q < n; q++) {
    sequences.push({ name: `s${q}`, label: String(q % 4), tokens: Array.from({ length: len }, () => [rand() * 100, rand() * 100]) });
  }
  return { sequences };
}

test('2,000 tokens: WebGL by itself (auto), pixel for pixel where the 2D crowd path stamps', async () => {
  // a big screen, so that some markers of the input stand alone (at the end all sit on anchors)
  const { page, consoleErrors } = await ctx.open('', { viewport: { width: 2560, height: 1600 } });
  await page.evaluate((d) => window.hardmax.load(d), spread(400, 5));
  const st = await appState(page);
  assert.equal(st.correct, st.total);
  assert.equal(st.tokens, 2000);
  for (const k of [0, st.layers]) {
    const [gl, flat] = await markerPixels(page, ['auto', 'off'], k, 20);
    assert.equal(gl.webgl, true);
    assert.equal(gl.drawn, 2000);
    assert.equal(flat.drawn, 2000);
    assert.deepEqual(flat.tokens.map((t) => [t.i, t.x, t.y]), gl.tokens.map((t) => [t.i, t.x, t.y]));
    if (k === 0) assert.ok(gl.tokens.length >= 5, `lone input tokens to compare: ${gl.tokens.length}`);
    gl.tokens.forEach((t, j) => {
      assert.ok(close(t.got, t.want, 3), `WebGL token ${t.i}: ${t.got} vs ${t.want}`);
      assert.ok(close(t.got, flat.tokens[j].got, 3), `WebGL ${t.got} vs 2D ${flat.tokens[j].got} at token ${t.i}`);
    });
    // at every token's center the same marker is on top, in the same colors (the 2D canvas
    // has its grid under the markers, the WebGL layer none: a few levels for edge pixels)
    const differ = gl.centers.filter((c, i) => !close(c, flat.centers[i], 12)).length;
    console.log(`# state ${k}: ${gl.tokens.length} lone tokens; ${differ} of ${gl.centers.length} token centers differ by more than 12 levels`);
    assert.equal(differ, 0);
  }
  assert.deepEqual(consoleErrors, []);
});

test('interpolation: the unread tokens are as faint in WebGL as on the 2D canvas (paths preset, WebGL forced on)', async () => {
  const { page, consoleErrors } = await ctx.open('#preset=paths');
  const st = await appState(page);
  assert.equal(st.task, 'interpolate');
  const alpha = await page.evaluate(async () => (await import('./www/tokens.js')).UNREAD_ALPHA);
  assert.ok(alpha > 0 && alpha < 1);
  // a faint marker over white: each channel moves toward 255 by 1 - alpha
  const faint = (c) => c.map((v) => 255 - alpha * (255 - v));
  let unread = 0, read = 0;
  for (const k of [0, st.layers]) {
    const [gl, flat] = await markerPixels(page, ['on', 'off'], k, 40);
    assert.equal(gl.webgl, true);
    assert.equal(flat.webgl, false);
    assert.deepEqual(flat.tokens.map((t) => [t.i, t.x, t.y]), gl.tokens.map((t) => [t.i, t.x, t.y]));
    gl.tokens.forEach((t, j) => {
      const want = t.read ? t.want : faint(t.want);
      assert.ok(close(t.got, want, 4), `WebGL, state ${k}, ${t.read ? 'read' : 'unread'} token ${t.i}: ${t.got} vs ${want}`);
      assert.ok(close(flat.tokens[j].got, want, 4), `2D, state ${k}, token ${t.i}: ${flat.tokens[j].got} vs ${want}`);
      if (t.read) read++;
      else unread++;
    });
  }
  assert.ok(unread >= 3, `lone unread tokens compared: ${unread}`);
  console.log(`# paths: ${unread} lone unread and ${read} lone read tokens compared`);
  assert.deepEqual(consoleErrors, []);
});

test('interpolation, 1,500 tokens: WebGL by itself (auto) dims the unread tokens as the 2D crowd path does', async () => {
  // a big screen, so that markers stand alone in a crowd this size
  const { page, consoleErrors } = await ctx.open('', { viewport: { width: 2560, height: 1600 } });
  await page.evaluate((d) => window.hardmax.load(d), interpolationSet({ N: 300, n: 5, m: 1, seed: 5 }));
  const st = await appState(page);
  assert.equal(st.task, 'interpolate');
  assert.equal(st.correct, st.total);
  assert.equal(st.tokens, 1500);
  const alpha = await page.evaluate(async () => (await import('./www/tokens.js')).UNREAD_ALPHA);
  const faint = (c) => c.map((v) => 255 - alpha * (255 - v));
  let unread = 0;
  for (const k of [0, st.layers]) {
    const [gl, flat] = await markerPixels(page, ['auto', 'off'], k, 60);
    assert.equal(gl.webgl, true);
    assert.equal(flat.webgl, false);
    assert.equal(gl.drawn, 1500);
    assert.deepEqual(flat.tokens.map((t) => [t.i, t.x, t.y]), gl.tokens.map((t) => [t.i, t.x, t.y]));
    // both paths draw the targets' dashes and the grid under the markers (seen through a faint
    // one): compare the markers with nothing else under them
    const clear = gl.tokens.map((t, j) => [t, flat.tokens[j]]).filter(([t]) => t.cover === 0);
    for (const [t, f] of clear) {
      const want = t.read ? t.want : faint(t.want);
      assert.ok(close(t.got, want, 4), `WebGL, state ${k}, ${t.read ? 'read' : 'unread'} token ${t.i}: ${t.got} vs ${want}`);
      assert.ok(close(f.got, want, 4), `2D, state ${k}, token ${t.i}: ${f.got} vs ${want}`);
      if (!t.read) unread++;
    }
    console.log(`# interpolation, state ${k}: ${clear.length} lone tokens with nothing under them compared`);
  }
  assert.ok(unread >= 10, `lone unread tokens compared: ${unread}`);
  assert.deepEqual(consoleErrors, []);
});
