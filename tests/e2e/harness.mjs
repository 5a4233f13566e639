// Helpers for the browser end-to-end tests (tests/e2e/*.test.mjs, run by `node --test tests/e2e/`).
//
//   import { startServer, launchBrowser, openPage, waitForApp, screenshot, repoRoot } from './harness.mjs';
//
//   const server = await startServer(repoRoot);            // or startServer(dir, '/sub/dir/')
//   const browser = await launchBrowser();
//   const { page, consoleErrors } = await openPage(browser, server.url);
//   await waitForApp(page);
//   ...
//   await browser.close(); await server.close();
//
// The page must be built first (`make wasm`); `make test` does that before running these tests.
// Uses the system chromium (/usr/bin/chromium, or env CHROMIUM_PATH) through playwright-core;
// never downloads a browser.

import http from 'node:http';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

/** Absolute path of the project root (the directory holding index.html and www/). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where screenshot() writes PNGs (gitignored). */
export const screenshotDir = path.join(repoRoot, 'out', 'screenshots');

export const MIME_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ts': 'text/plain; charset=utf-8', // UEA/UCR .ts time-series files, not TypeScript
  '.csv': 'text/csv; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.ico': 'image/x-icon',
  '.map': 'application/json; charset=utf-8',
};

function normalizeSubpath(subpath) {
  if (!subpath || subpath === '/') return '/';
  let p = subpath.startsWith('/') ? subpath : '/' + subpath;
  if (!p.endsWith('/')) p += '/';
  return p;
}

/**
 * Serves `root` statically on a free 127.0.0.1 port.
 * With `subpath` (e.g. '/sub/dir/'), the directory is mounted there and everything else is a 404,
 * like a static host serving a project page under a sub-path.
 * Directories serve their index.html; a directory URL without the trailing slash is redirected (301).
 * Returns { url, origin, port, close, requests } where `url` is the mount point with a trailing slash
 * and `requests` logs every request as { method, path, status }.
 */
export async function startServer(root, subpath = '/') {
  const rootAbs = path.resolve(root);
  const mount = normalizeSubpath(subpath);
  const requests = [];

  const server = http.createServer(async (req, res) => {
    const log = (status) => requests.push({ method: req.method, path: req.url, status });
    const send = (status, body, headers = {}) => {
      log(status);
      res.writeHead(status, { 'Cache-Control': 'no-store', ...headers });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        return send(405, 'method not allowed\n', { 'Content-Type': 'text/plain; charset=utf-8', Allow: 'GET, HEAD' });
      }
      let pathname;
      try {
        pathname = decodeURIComponent(new URL(req.url, 'http://localhost').pathname);
      } catch {
        return send(400, 'bad request\n', { 'Content-Type': 'text/plain; charset=utf-8' });
      }
      if (pathname.includes('\0')) return send(400, 'bad request\n', { 'Content-Type': 'text/plain; charset=utf-8' });
      if (mount !== '/' && pathname === mount.slice(0, -1)) {
        return send(301, '', { Location: mount });
      }
      if (!pathname.startsWith(mount)) return send(404, 'not found\n', { 'Content-Type': 'text/plain; charset=utf-8' });

      const rel = pathname.slice(mount.length);
      let file = path.resolve(rootAbs, '.' + path.posix.normalize('/' + rel));
      if (file !== rootAbs && !file.startsWith(rootAbs + path.sep)) {
        return send(404, 'not found\n', { 'Content-Type': 'text/plain; charset=utf-8' });
      }
      let stat = await fsp.stat(file).catch(() => null);
      if (stat && stat.isDirectory()) {
        if (!pathname.endsWith('/')) {
          const u = new URL(req.url, 'http://localhost');
          return send(301, '', { Location: u.pathname + '/' + u.search });
        }
        file = path.join(file, 'index.html');
        stat = await fsp.stat(file).catch(() => null);
      }
      if (!stat || !stat.isFile()) return send(404, 'not found\n', { 'Content-Type': 'text/plain; charset=utf-8' });

      const type = MIME_TYPES[path.extname(file).toLowerCase()] || 'application/octet-stream';
      log(200);
      res.writeHead(200, { 'Content-Type': type, 'Content-Length': stat.size, 'Cache-Control': 'no-store' });
      if (req.method === 'HEAD') return res.end();
      fs.createReadStream(file)
        .on('error', () => res.destroy())
        .pipe(res);
    } catch (err) {
      if (!res.headersSent) send(500, String(err) + '\n', { 'Content-Type': 'text/plain; charset=utf-8' });
      else res.destroy();
    }
  });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  // A server a test forgot to close must not keep `node --test` from finishing.
  server.unref();
  const { port } = server.address();
  const origin = `http://127.0.0.1:${port}`;
  return {
    url: origin + mount,
    origin,
    port,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Timeouts of the heavy tests (big builds in wasm, every preset, live charts) are hang guards, not
 * speed assertions: on a loaded 2-core machine a build that takes seconds when idle has taken
 * minutes. A test fails on a wrong state, never because the machine was slow.
 */
export const HANG_GUARD_MS = 20 * 60_000;

/**
 * Launches the system chromium (env CHROMIUM_PATH, default /usr/bin/chromium) headless via playwright-core.
 * Playwright gives each launch a fresh temporary profile (--user-data-dir) and removes it on close.
 */
export async function launchBrowser(options = {}) {
  const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  if (!fs.existsSync(executablePath)) {
    throw new Error(`chromium not found at ${executablePath} (run scripts/setup.sh, or set CHROMIUM_PATH)`);
  }
  return chromium.launch({
    executablePath,
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: 60_000,
    ...options,
  });
}

/**
 * Opens `url` in a new context/page (1280x800 unless `viewport` is given) and collects errors:
 * `consoleErrors` gets the text of every console message of type "error" (with its source URL in
 * parentheses when known, e.g. a 404'd resource), every uncaught page error ("pageerror: ...") and
 * every failed request ("requestfailed: ..."); chromium's automatic /favicon.ico 404 is left out.
 * Returns { page, context, consoleErrors }.
 */
export async function openPage(browser, url, { viewport = { width: 1280, height: 800 }, waitUntil = 'load' } = {}) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const consoleErrors = [];
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const where = msg.location() && msg.location().url;
    // Chromium's own favicon probe is not the app's doing.
    if (where && /\/favicon\.ico$/.test(where) && msg.text().startsWith('Failed to load resource')) return;
    consoleErrors.push(where ? `${msg.text()} (${where})` : msg.text());
  });
  page.on('pageerror', (err) => consoleErrors.push(`pageerror: ${err && err.stack ? err.stack : err}`));
  page.on('requestfailed', (req) =>
    consoleErrors.push(`requestfailed: ${req.url()} ${req.failure() ? req.failure().errorText : ''}`.trim()),
  );
  await page.goto(url, { waitUntil });
  return { page, context, consoleErrors };
}

/**
 * Waits (default 3 min, a hang guard) until the app reports `window.hardmax.state().ready === true`.
 * On timeout, the error says what window.hardmax looked like last.
 */
export async function waitForApp(page, { timeout = 180_000 } = {}) {
  try {
    await page.waitForFunction(
      () => {
        try {
          return !!(window.hardmax && window.hardmax.state && window.hardmax.state().ready === true);
        } catch {
          return false;
        }
      },
      null,
      { timeout },
    );
  } catch (err) {
    const last = await page
      .evaluate(() => {
        try {
          if (!window.hardmax) return 'window.hardmax is undefined';
          if (!window.hardmax.state) return 'window.hardmax.state is undefined';
          return JSON.stringify(window.hardmax.state());
        } catch (e) {
          return 'window.hardmax.state() threw: ' + e;
        }
      })
      .catch((e) => 'page not evaluable: ' + e);
    throw new Error(`waitForApp: app not ready after ${timeout} ms (${last})`, { cause: err });
  }
  return page.evaluate(() => window.hardmax.state());
}

/** Saves a full-page PNG to out/screenshots/<name>.png and returns its path. */
export async function screenshot(page, name, options = {}) {
  await fsp.mkdir(screenshotDir, { recursive: true });
  const file = path.join(screenshotDir, name.endsWith('.png') ? name : `${name}.png`);
  await page.screenshot({ path: file, fullPage: true, ...options });
  return file;
}
