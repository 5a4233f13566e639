// What the page and the engine both know agrees, read from the running page: its palette
// module, its URL schema and its draw-mode class order against the wasm facade's
// sharedConstants(), classColors() and classOrder() (the engine's own tables, which the
// SVG figures use too).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser } from './app.mjs';

const ctx = useBrowser();

/** Runs `body(engine, modules, arg)` in the page with the wasm facade and the page's modules. */
async function inPage(page, body, arg = null) {
  return page.evaluate(async ([src, arg]) => {
    const engine = await import('./www/pkg/hardmax.js');
    await engine.default();
    const modules = {
      palette: await import('./www/palette.js'),
      state: await import('./www/state.js'),
      model: await import('./www/model.js'),
    };
    return new Function('engine', 'modules', 'arg', `return (${src})(engine, modules, arg);`)(engine, modules, arg);
  }, [body.toString(), arg]);
}

const lower = (xs) => xs.map((x) => String(x).toLowerCase());

test('class colors, shapes, named and direction colors are the engine\'s', async () => {
  const { page } = await ctx.open();
  const r = await inPage(page, (engine, { palette }) => ({
    shared: engine.sharedConstants(),
    colors: palette.CLASS_COLORS,
    shapes: palette.SHAPES,
    named: palette.NAMED_COLORS,
    directions: palette.DIRECTION_COLORS,
  }));
  assert.deepEqual(lower(r.colors), r.shared.palette.map((p) => p.color));
  assert.deepEqual(r.shapes, r.shared.palette.map((p) => p.shape));
  assert.deepEqual(Object.fromEntries(Object.entries(r.named).map(([k, v]) => [k, v.toLowerCase()])), r.shared.namedColors);
  assert.deepEqual(Object.fromEntries(Object.entries(r.directions).map(([k, v]) => [k, v.toLowerCase()])), r.shared.directionColors);
});

test('the page colors any list of classes as the engine does', async () => {
  const { page } = await ctx.open();
  const lists = [
    ['red', 'blue', 'green'],
    ['zeta', ' Red ', 'red', 'blue'],
    ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', 'p', 'q'],
    ['BLACK', 'yellow', 'light blue', 'cyan', 'x'],
    [],
  ];
  const r = await inPage(page, (engine, { palette }, lists) =>
    lists.map((l) => ({ page: palette.classColors(l), engine: engine.classColors(l) })), lists);
  assert.equal(r.length, lists.length);
  r.forEach(({ page: p, engine: e }, i) => assert.deepEqual(lower(p), e, `classes ${JSON.stringify(lists[i])}`));
});

test('presets and option limits are the engine\'s', async () => {
  const { page } = await ctx.open();
  const r = await inPage(page, (engine, { state }) => {
    const { limits, presets } = engine.sharedConstants();
    const c = limits.collapseLayers, s = limits.seed;
    const parse = (key, v) => state.SCHEMA[key].parse(String(v));
    return {
      presets,
      names: engine.presetNames(),
      pagePresets: state.PRESETS,
      collapse: [parse('collapse', c.min), parse('collapse', c.max), parse('collapse', c.max + 1)],
      collapseLimits: [c.min, c.max],
      seeds: ['seed', 'cseed'].map((k) => [parse(k, s.min), parse(k, s.max), parse(k, s.max + 1)]),
      seedLimits: [s.min, s.max],
      // the width cap: the engine's bounds, refused (not clamped) outside them
      widths: [limits.maxWidth.min - 1, limits.maxWidth.min, limits.maxWidth.max, limits.maxWidth.max + 1].map((v) => parse('width', v)),
      widthLimits: [limits.maxWidth.min, limits.maxWidth.max],
      pageWidthLimits: [state.WIDTH_MIN, state.WIDTH_MAX],
      // the collapse choices the options panel offers
      offered: Array.from(document.querySelectorAll('#collapse option'), (o) => Number(o.value)),
    };
  });
  assert.deepEqual(r.pagePresets, r.presets);
  assert.deepEqual(r.names, r.presets);
  const [cmin, cmax] = r.collapseLimits;
  assert.deepEqual(r.collapse, [cmin, cmax, cmax], 'the URL accepts every collapse count the engine does, and clamps beyond');
  const [smin, smax] = r.seedLimits;
  for (const got of r.seeds) assert.deepEqual(got, [smin, smax, smax], 'seeds in the URL: the engine\'s range');
  const [wmin, wmax] = r.widthLimits;
  assert.deepEqual(r.pageWidthLimits, r.widthLimits);
  assert.deepEqual(r.widths, [undefined, wmin, wmax, undefined], 'widths in the URL: the engine\'s range, the rest refused');
  assert.deepEqual(r.offered, Array.from({ length: cmax - cmin + 1 }, (_, i) => cmin + i), 'the options panel offers the engine\'s range');
});

test('classes are ordered as the engine orders them, built or drawn', async () => {
  const { page } = await ctx.open();
  const labelSets = [
    ['0x10', '2', 'inf'],
    ['inf', '2', '10'],
    ['0x10', '9', '20'],
    ['10', '9', '1e1', '-1'],
    ['b', 'a', 'B', 'é', 'z'],
    ['NaN', '1', 'nan'],
    [' 2', '2 ', '10'],
  ];
  for (const labels of labelSets) {
    const dataset = { sequences: labels.map((label, i) => ({ tokens: [[i, i * i + 1]], label })) };
    const r = await page.evaluate(async (dataset) => {
      const engine = await import('./www/pkg/hardmax.js');
      await engine.default();
      const { Model } = await import('./www/model.js');
      const session = engine.Session.fromDataset(dataset, {});
      const built = session.classes();
      session.free();
      const labels = dataset.sequences.map((s) => s.label);
      return { engine: engine.classOrder(labels), built, drawn: Model.fromDataset(dataset).classes };
    }, dataset);
    assert.deepEqual(r.built, r.engine, `session classes of ${JSON.stringify(labels)}`);
    assert.deepEqual(r.drawn, r.engine, `draw-mode classes of ${JSON.stringify(labels)}`);
  }
});
