// Shared set-up for the page's e2e tests: one server and one browser per test file, and
// small readers of what the page shows. The low-level pieces come from harness.mjs.

import { before, after } from 'node:test';
import { startServer, launchBrowser, openPage, waitForApp, repoRoot } from './harness.mjs';

/** Starts a server on the project root and a browser for the whole file. */
export function useBrowser() {
  const ctx = { server: null, browser: null };
  before(async () => {
    ctx.server = await startServer(repoRoot);
    ctx.browser = await launchBrowser();
  });
  after(async () => {
    await ctx.browser?.close();
    await ctx.server?.close();
  });
  /** Opens the page (with an optional hash), waits for the first construction. */
  ctx.open = async (hash = '', options) => {
    const { page, context, consoleErrors } = await openPage(ctx.browser, ctx.server.url + hash, options);
    await waitForApp(page);
    return { page, context, consoleErrors };
  };
  return ctx;
}

/** The automation hook's state(). */
export function appState(page) {
  return page.evaluate(() => window.hardmax.state());
}

/** Counts saturated (token-colored) pixels on the main canvas and, with WebGL on, the layers under it: 0 means nothing was drawn. */
export function canvasInk(page) {
  return page.evaluate(() => {
    const ink = (data, alpha) => {
      let n = 0;
      for (let i = 0; i < data.length; i += 4 * 7) {
        // premultiplied layers are read as composed over white
        const a = alpha ? 255 - data[i + 3] : 0;
        const r = data[i] + a, g = data[i + 1] + a, b = data[i + 2] + a;
        if (Math.max(r, g, b) - Math.min(r, g, b) > 60) n++;
      }
      return n;
    };
    const c = document.getElementById('canvas');
    let total = ink(c.getContext('2d').getImageData(0, 0, c.width, c.height).data, false);
    // with the WebGL layer on, the markers are there and what lies under them on its grid canvas
    const app = window.hardmax.app, r = app.renderer;
    if (r.usedGl && r.glDots) {
      app.playback.drawNow(); // the layer keeps no drawing buffer: read it in the task that draws
      const { gl, layer, gridCtx } = r.glDots;
      const px = new Uint8Array(layer.width * layer.height * 4);
      gl.readPixels(0, 0, layer.width, layer.height, gl.RGBA, gl.UNSIGNED_BYTE, px);
      total += ink(px, true) + ink(gridCtx.getImageData(0, 0, gridCtx.canvas.width, gridCtx.canvas.height).data, false);
    }
    return total;
  });
}

/** A small .ts (UEA/UCR) file: `n` sequences of 2D tokens in two classes. */
export function smallTs(n = 6, len = 5) {
  const lines = ['@problemName Tiny', '@univariate false', '@dimensions 2', '@classLabel true up down', '@data'];
  for (let q = 0; q < n; q++) {
    const label = q % 2 ? 'down' : 'up';
    const x = Array.from({ length: len }, (_, t) => (Math.sin(q * 1.3 + t) + q * 0.1).toFixed(4));
    const y = Array.from({ length: len }, (_, t) => (Math.cos(q * 0.7 + 2 * t) * (q % 2 ? -1 : 1)).toFixed(4));
    lines.push(`${x.join(',')}:${y.join(',')}:${label}`);
  }
  return lines.join('\n') + '\n';
}

/** A dataset object of about `tokens` 2D tokens: `n` sequences of random points, 4 classes. */
export function bigDataset(n = 100, len = 100, seed = 7) {
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const sequences = [];
  for (let q = 0; q < n; q++) {
    const cx = rand() * 10, cy = rand() * 10;
    const tokens = Array.from({ length: len }, () => [cx + rand() * 3, cy + rand() * 3]);
    sequences.push({ name: `s${q}`, label: String(q % 4), tokens });
  }
  return { sequences };
}
