// Classroom use: every screen size (no panel overlaps another or the canvas; on a phone the
// canvas is first, full width and at least 320 px tall), and the camera (it holds still within
// a stage and moves smoothly between stages; wheel, drag, buttons, lock and reset).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser, appState } from './app.mjs';
import { screenshot } from './harness.mjs';

const ctx = useBrowser();

const SIZES = [
  [390, 844],
  [768, 1024],
  [1024, 768],
  [1366, 768],
  [1920, 1080],
];

/** Boxes of the visible blocks of the page (panels, caption, canvas, transport, filmstrip). */
function blocks(page) {
  return page.evaluate(() => {
    const sel = '.panel, .caption, #stage, .transport, .pacing, #filmstrip, #error';
    return [...document.querySelectorAll(sel)]
      .filter((e) => !e.hidden && e.getClientRects().length && getComputedStyle(e).display !== 'none')
      .map((e) => {
        // What is seen of a block: its box clipped by the scrolling columns it sits in.
        let { left, top, right, bottom } = e.getBoundingClientRect();
        for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
          if (!/(auto|scroll|hidden)/.test(getComputedStyle(p).overflowY)) continue;
          const c = p.getBoundingClientRect();
          (left = Math.max(left, c.left)), (top = Math.max(top, c.top)), (right = Math.min(right, c.right)), (bottom = Math.min(bottom, c.bottom));
        }
        return { name: e.id || e.dataset.panel || e.className, x: left + scrollX, y: top + scrollY, w: right - left, h: bottom - top };
      })
      .filter((b) => b.w > 0 && b.h > 0);
  });
}

function overlapping(boxes) {
  const out = [];
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i], b = boxes[j];
      const ix = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x);
      const iy = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
      if (ix > 0.5 && iy > 0.5) out.push(`${a.name} × ${b.name}`);
    }
  }
  return out;
}

for (const [w, h] of SIZES) {
  test(`${w}x${h}: no block overlaps another or the canvas, no sideways scrolling`, async () => {
    const { page, context, consoleErrors } = await ctx.open('#v=1&preset=shared&layer=5', { viewport: { width: w, height: h } });
    await screenshot(page, `screen-${w}x${h}`, { fullPage: false });
    await screenshot(page, `screen-${w}x${h}-full`);
    const boxes = await blocks(page);
    assert.ok(boxes.length >= 8, `blocks found: ${boxes.map((b) => b.name)}`);
    assert.deepEqual(overlapping(boxes), []);
    const { scrollW, stage, canvas } = await page.evaluate(() => {
      const r = (e) => e.getBoundingClientRect().toJSON();
      return { scrollW: document.documentElement.scrollWidth, stage: r(document.getElementById('stage')), canvas: r(document.getElementById('canvas')) };
    });
    assert.ok(scrollW <= w, `page is ${scrollW} px wide in a ${w} px viewport`);
    // The canvas fills its frame.
    assert.ok(Math.abs(canvas.width - stage.width) <= 2 && Math.abs(canvas.height - stage.height) <= 2);
    if (w < 800) {
      // Phone and portrait tablet: canvas first, full width, at least 320 px tall, controls below.
      assert.ok(stage.width >= w - 24, `canvas ${stage.width} px wide`);
      assert.ok(stage.height >= 320, `canvas ${stage.height} px tall`);
      const below = boxes.filter((b) => b.name !== 'stage');
      for (const b of below) assert.ok(b.y >= stage.bottom + scrollYOf(stage) - 1, `${b.name} is below the canvas`);
      // Touch targets: the transport buttons are at least 44 px.
      const small = await page.evaluate(() =>
        [...document.querySelectorAll('.transport button')].map((b) => b.getBoundingClientRect()).filter((r) => r.width < 44 || r.height < 44).length,
      );
      assert.equal(small, 0);
    } else {
      assert.ok(stage.width >= 450 && stage.height >= 300, `canvas ${stage.width} x ${stage.height}`);
    }
    assert.deepEqual(consoleErrors, []);
    await context.close();
  });
}

/** The canvas is measured at scroll 0 (the tests do not scroll), so its page y is its client y. */
function scrollYOf() {
  return 0;
}

test('phone: tap a token pins it; drag on the timeline seeks', async () => {
  const { page, context } = await ctx.open('#v=1&preset=shared&layer=0', { viewport: { width: 390, height: 844 } });
  // Tap: a click at a token's screen position pins it.
  const spot = await page.evaluate(() => {
    const r = window.hardmax.app.renderer;
    const c = document.getElementById('canvas').getBoundingClientRect();
    const [x, y] = r.screenOf(0);
    return { x: c.left + x, y: c.top + y };
  });
  await page.mouse.click(spot.x, spot.y);
  assert.ok(await page.evaluate(() => window.hardmax.app.inspector.pinned >= 0), 'a tap pins a token');
  // Drag the timeline from its left end to its right end: the layer follows.
  const tl = await page.evaluate(() => document.getElementById('timeline').getBoundingClientRect().toJSON());
  await page.mouse.move(tl.left + 2, tl.top + tl.height / 2);
  await page.mouse.down();
  await page.mouse.move(tl.left + tl.width / 2, tl.top + tl.height / 2, { steps: 4 });
  await page.mouse.move(tl.right - 1, tl.top + tl.height / 2, { steps: 4 });
  await page.mouse.up();
  const s = await appState(page);
  assert.ok(s.layer >= s.layers - 1, `layer ${s.layer} of ${s.layers} after the drag`);
  await context.close();
});

const close = (a, b, eps = 1e-9) => a.every((v, j) => Math.abs(v - b[j]) <= eps * Math.max(1, Math.abs(v), Math.abs(b[j])));

test('camera: an interpolation frames its place stage without the output rescale, and the rescale layer with both', async () => {
  const { page, context, consoleErrors } = await ctx.open('#v=1&preset=paths&layer=0', { viewport: { width: 390, height: 844 } });
  const frames = await page.evaluate(() => {
    const h = window.hardmax;
    return Array.from({ length: h.state().layers + 1 }, (_, k) => ({ stage: h.frame(k).stage, box: h.frame(k).box }));
  });
  const L = frames.length - 1;
  const place = frames.map((f, k) => k).filter((k) => frames[k].stage === 'place');
  assert.ok(place.length >= 3 && place.at(-1) === L, `place states ${place}`);
  for (const k of place.slice(1, -1)) assert.ok(close(frames[k].box, frames[place[0]].box), `state ${k} keeps the place stage's box`);
  const holds = (outer, inner) => outer[0] <= inner[0] + 1e-9 && outer[1] <= inner[1] + 1e-9 && outer[2] >= inner[2] - 1e-9 && outer[3] >= inner[3] - 1e-9;
  const area = (b) => (b[2] - b[0]) * (b[3] - b[1]);
  assert.ok(holds(frames[L].box, frames[L - 1].box) && !close(frames[L].box, frames[L - 1].box), 'the rescale layer shows where the tokens start and where they end');
  // the rescale spreads the unread tokens out: framing it with the stage drew the stage small
  assert.ok(area(frames[L - 1].box) < area(frames[L].box) / 2, `place ${frames[L - 1].box} against output ${frames[L].box}`);
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('camera: the view holds still within a stage and glides between stages, never jumping', async () => {
  const { page, context, consoleErrors } = await ctx.open('#v=1&preset=shared&layer=0', { viewport: { width: 1366, height: 768 } });
  const frames = await page.evaluate(() => {
    const out = [];
    for (let k = 0; k <= window.hardmax.state().layers; k++) {
      const f = window.hardmax.frame(k);
      const back = (window.hardmax.app.model.layers[k]?.tents || []).some((t) => t.role === 'move-back');
      out.push({ k, stage: f.stage, box: f.box, back });
    }
    return out;
  });
  const stages = new Set(frames.map((f) => f.stage));
  assert.ok(stages.size >= 4, `stages: ${[...stages]}`);
  let moves = 0, backs = 0;
  const holds = (outer, inner) => outer[0] <= inner[0] + 1e-9 && outer[1] <= inner[1] + 1e-9 && outer[2] >= inner[2] - 1e-9 && outer[3] >= inner[3] - 1e-9;
  for (let k = 1; k < frames.length; k++) {
    const same = frames[k].stage === frames[k - 1].stage;
    const first = k >= 2 && frames[k - 2].stage !== frames[k - 1].stage;
    if (same && first && frames[k - 1].back && frames[k - 2].stage === 'separate') {
      // the layer that brings the last split's tokens down also shows where they came from:
      // its box holds the stage's box and the tokens up where they jumped to
      assert.ok(holds(frames[k - 1].box, frames[k].box) && !close(frames[k - 1].box, frames[k].box), `state ${k - 1}: the move-back layer's box holds its stage's box, and more`);
      backs++;
    } else if (same) assert.ok(close(frames[k].box, frames[k - 1].box), `state ${k} keeps the box of its stage (${frames[k].stage})`);
    else if (!close(frames[k].box, frames[k - 1].box)) moves++;
  }
  assert.ok(moves >= 1, 'the view moves between some stages');
  assert.equal(backs, 1, 'shared: the collapse stage starts by bringing the last jumped token down');
  // Play the whole run on the frozen clock, 16 ms a frame: the view changes a little per frame.
  const worst = await page.evaluate(() => {
    const h = window.hardmax;
    h.clock.freeze();
    h.play();
    const r = h.app.renderer;
    let prev = null, worst = 0;
    for (let i = 0; i < 20000 && h.state().playing; i++) {
      h.clock.advance(16);
      const { scale, ox, oy } = r.transform;
      if (prev) {
        const zoom = Math.abs(Math.log(scale / prev.scale));
        // How far the canvas center moved, in canvas widths.
        const cx = (r.cssW / 2 - ox) / scale, cy = (oy - r.cssH / 2) / scale;
        const px = (r.cssW / 2 - prev.ox) / prev.scale, py = (prev.oy - r.cssH / 2) / prev.scale;
        const shift = (Math.hypot(cx - px, cy - py) * scale) / r.cssW;
        worst = Math.max(worst, zoom, shift);
      }
      prev = { scale, ox, oy };
    }
    return { worst, end: h.state() };
  });
  assert.equal(worst.end.layer, worst.end.layers, 'playback reached the end');
  assert.ok(worst.worst < 0.1, `largest change of the view in one 16 ms frame: ${worst.worst}`);
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('camera: wheel zooms about the pointer, drag pans (without pinning), buttons zoom, lock holds, reset returns', async () => {
  const { page, context, consoleErrors } = await ctx.open('#v=1&preset=shared&layer=2', { viewport: { width: 1366, height: 768 } });
  const token = () =>
    page.evaluate(() => {
      const c = document.getElementById('canvas').getBoundingClientRect();
      const [x, y] = window.hardmax.app.renderer.screenOf(3);
      return { x, y, cx: c.left + x, cy: c.top + y, scale: window.hardmax.app.renderer.transform.scale };
    });
  const t0 = await token();
  await page.mouse.move(t0.cx, t0.cy);
  await page.mouse.wheel(0, -240);
  await page.waitForFunction((s) => window.hardmax.app.renderer.transform.scale > s * 1.2, t0.scale);
  const t1 = await token();
  assert.ok(Math.abs(t1.x - t0.x) < 1.5 && Math.abs(t1.y - t0.y) < 1.5, 'the token under the pointer stays put');
  // Drag 120 px right and 40 px down: the picture follows; nothing is pinned by the drag.
  const start = { x: t0.cx + 30, y: t0.cy + 30 };
  await page.mouse.move(start.x, start.y);
  await page.mouse.down();
  await page.mouse.move(start.x + 60, start.y + 20, { steps: 5 });
  await page.mouse.move(start.x + 120, start.y + 40, { steps: 5 });
  await page.mouse.up();
  const t2 = await token();
  assert.ok(Math.abs(t2.x - t1.x - 120) < 1.5 && Math.abs(t2.y - t1.y - 40) < 1.5, `dragged by ${t2.x - t1.x}, ${t2.y - t1.y}`);
  assert.equal(await page.evaluate(() => window.hardmax.app.inspector.pinned), -1);
  assert.equal(await page.isEnabled('#cam-reset'), true);
  await page.click('#cam-reset');
  const t3 = await token();
  assert.ok(Math.abs(t3.x - t0.x) < 0.5 && Math.abs(t3.y - t0.y) < 0.5, 'reset: the automatic view again');
  await page.click('#cam-in');
  assert.ok(Math.abs((await token()).scale / t0.scale - 1.5) < 1e-6);
  await page.click('#cam-out');
  // Lock: another stage keeps the locked box.
  await page.click('#cam-lock');
  assert.equal(await page.getAttribute('#cam-lock', 'aria-pressed'), 'true');
  const locked = await page.evaluate(() => window.hardmax.frame(2).box);
  const later = await page.evaluate(() => window.hardmax.frame(window.hardmax.state().layers));
  assert.ok(close(later.box, locked), 'the locked view does not follow the stages');
  await page.keyboard.press('0');
  const free = await page.evaluate(() => window.hardmax.frame(window.hardmax.state().layers).box);
  assert.ok(!close(free, locked), 'after reset the view follows the stages again');
  assert.equal(await page.getAttribute('#cam-lock', 'aria-pressed'), 'false');
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('phone: the labels of a split\'s copies stay on the canvas, and the coincidence counts keep clear of them', async () => {
  const { page, context, consoleErrors } = await ctx.open('#v=1&preset=shared&layer=0', { viewport: { width: 390, height: 844 } });
  const r = await page.evaluate(() => {
    const h = window.hardmax;
    const out = [];
    h.clock.freeze();
    for (let k = 1; k <= h.state().layers; k++) {
      if (!h.frame(k).copies?.length) continue;
      h.goto(k);
      h.clock.advance(60000);
      const { labelBoxes, cssW, cssH } = h.app.renderer;
      out.push({ k, boxes: labelBoxes.map((b) => [...b]), cssW, cssH });
    }
    return out;
  });
  assert.ok(r.length >= 1, 'shared has a split whose copies are labeled');
  for (const { k, boxes, cssW, cssH } of r) {
    assert.ok(boxes.length >= 3, `state ${k}: the shared point and both copies are labeled`);
    for (const [x, y, w] of boxes) assert.ok(x >= 0 && x + w <= cssW && y >= 0 && y <= cssH, `state ${k}: label box ${[x, y, w]} inside ${cssW}x${cssH}`);
  }
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('phone: no token is drawn under the camera\'s buttons', async () => {
  for (const preset of ['rings', 'vowels']) {
    const { page, context, consoleErrors } = await ctx.open(`#v=1&preset=${preset}&layer=0`, { viewport: { width: 390, height: 844 } });
    const r = await page.evaluate(() => {
      const h = window.hardmax, rd = h.app.renderer;
      const canvas = rd.canvas.getBoundingClientRect(), bar = document.querySelector('.camera').getBoundingClientRect();
      const top = bar.top - canvas.top, left = bar.left - canvas.left;
      h.clock.freeze();
      let covered = 0, drawn = 0;
      for (let k = 0; k <= h.state().layers; k++) {
        h.goto(k);
        h.clock.advance(60000);
        for (let i = 0; i < rd.sx.length; i++, drawn++) if (rd.sy[i] + rd.tokenRadius() > top && rd.sx[i] + rd.tokenRadius() > left) covered++;
      }
      return { covered, drawn, barWidth: bar.width, canvasWidth: canvas.width };
    });
    assert.ok(r.barWidth > 0.4 * r.canvasWidth, `${preset}: on a phone the buttons span the canvas (${r.barWidth} of ${r.canvasWidth})`);
    assert.ok(r.drawn > 100);
    assert.equal(r.covered, 0, `${preset}: ${r.covered} of ${r.drawn} token drawings under the buttons`);
    assert.deepEqual(consoleErrors, []);
    await context.close();
  }
});

test('phone: the coincidence counts cross no arrow and no other label', async () => {
  const { page, context, consoleErrors } = await ctx.open('#v=1&preset=random&layer=0', { viewport: { width: 390, height: 844 } });
  const r = await page.evaluate(() => {
    const h = window.hardmax, rd = h.app.renderer;
    h.clock.freeze();
    const bad = [];
    let counts = 0, arrows = 0;
    const inside = (b, px, py) => px >= b[0] - 1 && px <= b[0] + b[2] + 1 && py >= b[1] - 6 && py <= b[1] + 6;
    for (let k = 0; k <= h.state().layers; k++) {
      h.goto(k);
      h.clock.advance(60000);
      counts += rd.counts.length;
      arrows += rd.arrowSegments.length;
      for (const { box, text } of rd.counts) {
        for (const { p0, p1 } of rd.arrowSegments) {
          for (let j = 0; j <= 50; j++) {
            const px = p0[0] + ((p1[0] - p0[0]) * j) / 50, py = p0[1] + ((p1[1] - p0[1]) * j) / 50;
            if (inside(box, px, py)) bad.push(`state ${k}: "${text}" on an arrow`);
          }
        }
        for (const b of rd.labelBoxes) if (!(box[0] + box[2] < b[0] || box[0] > b[0] + b[2] || Math.abs(box[1] - b[1]) > 12)) bad.push(`state ${k}: "${text}" on a label`);
      }
    }
    return { bad: [...new Set(bad)], counts, arrows };
  });
  assert.ok(r.counts > 10 && r.arrows > 5, `counts ${r.counts}, arrows ${r.arrows}`);
  assert.deepEqual(r.bad, []);
  assert.deepEqual(consoleErrors, []);
  await context.close();
});
