// What a student sees and reads: captions are well formed and match their stage, shortcuts
// work whatever has focus, pacing follows what changes, captions link to the glossary and
// highlight the sequences they name. Geometry and text only; time moves only through the
// page's frozen clock.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { screenshot, HANG_GUARD_MS } from './harness.mjs';
import { useBrowser, appState } from './app.mjs';

const ctx = useBrowser();
const PRESETS = ['shared', 'random', 'rings', 'vowels'];
const VIEW = { viewport: { width: 1366, height: 768 } };

/** Words that say which stage a caption is about (the first one found must be its own). */
const STAGE_WORDS = {
  normalize: /normaliz/i,
  separate: /\bsplit|separat/i,
  collapse: /collaps/i,
  label: /\blabel/i,
  snap: /\bsnap|readout/i,
};

/** What is wrong with one caption (an empty list when nothing is). */
export function captionProblems(caption, stage) {
  const bad = [];
  if (/\b\d+\.0+\b|\b\d+\.\d*0\s+(neurons?|tokens?|sequences?|clusters?|layers?|blocks?|points?|runs?)\b/.test(caption)) {
    bad.push('a count printed with decimals');
  }
  else if (/\b\d+\.\d+\s+(neurons?|tokens?|sequences?|clusters?|layers?|blocks?|points?|runs?)\b/.test(caption)) bad.push('a fractional count');
  if (/\(s\)/.test(caption)) bad.push('"(s)" instead of singular/plural');
  if (/\b1\s+(neurons|tokens|sequences|clusters|layers|blocks|points|runs|classes)\b/.test(caption)) bad.push('"1" with a plural noun');
  if (/\b([02-9]|\d{2,})\s+(neuron|token|sequence|cluster|layer|block|point|run|class)\b(?!['’]s)/.test(caption)) bad.push('a plural count with a singular noun');
  if (/\brho\b/i.test(caption)) bad.push('"rho" spelled out (the page writes ρ)');
  if (/\blambda\b/i.test(caption)) bad.push('"lambda" spelled out (the page writes λ)');
  if (/\[\s*-?\d+(\.\d+)?\s*,\s*-?\d+(\.\d+)?\s*\]\s*\^/.test(caption)) bad.push('a "[a,b]^d" power written in ASCII');
  if (/\s{2,}|\s[,.;:]/.test(caption)) bad.push('stray spaces');
  if (stage !== 'input') {
    const own = STAGE_WORDS[stage];
    if (!own) bad.push(`unknown stage ${stage}`);
    else {
      let first = null, at = Infinity;
      for (const [name, re] of Object.entries(STAGE_WORDS)) {
        const m = re.exec(caption);
        if (m && m.index < at) (at = m.index), (first = name);
      }
      if (first !== stage && !(first === 'snap' && stage === 'snap')) {
        bad.push(first ? `the caption speaks first of the ${first} stage` : `the caption never names its stage (${stage})`);
      }
    }
  }
  return bad;
}

test('caption rules catch what the lecturer saw (and pass good sentences)', () => {
  assert.deepEqual(captionProblems('Snap: one feed-forward layer (5 neurons) sends every token onto its anchor.', 'snap'), []);
  assert.ok(captionProblems('Snap: piecewise linear in e·x (5.00 neurons).', 'snap').length > 0);
  assert.ok(captionProblems('Snap: piecewise linear in e·x (17.0 neurons).', 'snap').length > 0);
  assert.ok(captionProblems('Split 1/3: the leader of the 1 sequence(s) containing it.', 'separate').length > 0);
  assert.ok(captionProblems('Split 1/3: the leader of the 1 sequences containing it.', 'separate').length > 0);
  assert.ok(captionProblems('Split 1/3: the leader of the 5 sequence containing it.', 'separate').length > 0);
  assert.deepEqual(captionProblems('Split 1/3: the leader of the 5 sequences containing it; «A» and «B» no longer share a leader.', 'separate'), []);
  assert.ok(captionProblems('Collapse: attention with rho = 0.', 'collapse').length > 0);
  assert.ok(captionProblems('Normalize: shifted into the box [1,2]^12.', 'normalize').length > 0);
  assert.deepEqual(captionProblems('Normalize: shifted into the box [1, 2]¹² (every coordinate between 1 and 2).', 'normalize'), []);
  assert.ok(captionProblems("The last split's token comes back down; every sequence keeps its own leader.", 'collapse').length > 0);
  assert.deepEqual(captionProblems('Label run 1 of 4: a tent on u moves 2 clusters of class «red» to the code 2.12 along e.', 'label'), []);
});

// The engine writes the layer captions; this lists every caption that breaks a rule.
test('every caption of every preset: integers as integers, singular/plural, ρ one way, its own stage', { timeout: HANG_GUARD_MS }, async () => {
  const { page, context } = await ctx.open('', VIEW);
  const failures = [];
  for (const preset of PRESETS) {
    const built = await page.evaluate((p) => window.hardmax.load(p), preset);
    const frames = await page.evaluate((L) => Array.from({ length: L + 1 }, (_, k) => window.hardmax.frame(k)), built.layers);
    for (const f of frames) {
      for (const p of captionProblems(f.caption, f.stage)) failures.push(`${preset} layer ${f.state} [${f.stage}] ${p}: ${f.caption}`);
    }
  }
  if (failures.length) console.log(failures.join('\n'));
  assert.deepEqual(failures, []);
  await context.close();
});

test('shortcuts work whatever has focus (a button, an overlay box, the speed menu), never in text fields; PageUp/PageDown step', async () => {
  const { page, context, consoleErrors } = await ctx.open('', VIEW);
  await page.evaluate(() => window.hardmax.clock.freeze());
  await page.click('#btn-fwd');
  assert.equal((await appState(page)).layer, 1, 'the step button stepped');
  await page.keyboard.press('ArrowRight');
  assert.equal((await appState(page)).layer, 2, '→ steps after clicking the step button');
  await page.keyboard.press('PageDown');
  assert.equal((await appState(page)).layer, 3, 'PageDown steps forward');
  await page.keyboard.press('PageUp');
  assert.equal((await appState(page)).layer, 2, 'PageUp steps back');

  await page.click('#ov-lines');
  const ticked = await page.isChecked('#ov-lines');
  await page.keyboard.press(' ');
  assert.equal((await appState(page)).playing, true, 'Space plays after ticking an overlay');
  assert.equal(await page.isChecked('#ov-lines'), ticked, 'Space did not toggle the focused checkbox');
  await page.keyboard.press(' ');
  assert.equal((await appState(page)).playing, false, 'Space pauses');

  await page.selectOption('#speed', '2');
  await page.focus('#speed');
  await page.keyboard.press(' ');
  assert.equal((await appState(page)).playing, true, 'Space plays after choosing a speed');
  await page.keyboard.press(' ');

  const before = (await appState(page)).layer;
  await page.focus('#cseed');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press(' ');
  const s = await appState(page);
  assert.equal(s.layer, before, 'keys typed in a number field stay there');
  assert.equal(s.playing, false);
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('pacing: play skips layers where nothing moves (stepping does not), reading time grows with the caption, pause at each stage stops at stage ends', async () => {
  const { page, context, consoleErrors } = await ctx.open('', VIEW);
  const info = await page.evaluate(() => {
    const h = window.hardmax;
    const L = h.state().layers;
    const rows = [];
    for (let k = 0; k <= L; k++) {
      const f = h.frame(k);
      rows.push({ k, stage: f.stage, caption: f.caption, ...h.clock.timing(k), tokens: f.tokens });
    }
    return rows;
  });
  // Identity layers are those where no drawn token moves; the caption says so.
  const identity = info.filter((r) => r.identity).map((r) => r.k);
  assert.ok(identity.length >= 4, `the shared preset has identity layers (${identity})`);
  for (const k of identity) {
    const moved = info[k].tokens.some((t, i) => t.x !== info[k - 1].tokens[i].x || t.y !== info[k - 1].tokens[i].y);
    assert.equal(moved, false, `nothing moves at identity layer ${k}`);
    if (k < info.length - 1) assert.notEqual(info[k - 1].next, k, `playing skips identity layer ${k}`);
  }
  // Reading time: a longer caption never gets a shorter pause.
  const byWords = info.map((r) => ({ w: r.caption.split(/\s+/).length, p: r.pause })).sort((a, b) => a.w - b.w);
  for (let i = 1; i < byWords.length; i++) assert.ok(byWords[i].p >= byWords[i - 1].p, 'pause grows with caption length');
  assert.ok(Math.max(...info.map((r) => r.pause)) > 2 * Math.min(...info.map((r) => r.pause)), 'long captions are held longer than short ones');

  // Stepping shows every layer, identity ones included.
  await page.evaluate((k) => window.hardmax.goto(k - 1), identity[0]);
  await page.click('h1');
  await page.keyboard.press('ArrowRight');
  assert.equal((await appState(page)).layer, identity[0], 'a step lands on the identity layer');

  // Playing with the frozen clock visits only the layers that move.
  const visited = await page.evaluate(() => {
    const h = window.hardmax;
    h.goto(0);
    h.clock.freeze();
    h.play();
    const seen = new Set();
    for (let i = 0; i < 2000 && h.state().playing; i++) seen.add(h.clock.advance(100).layer);
    return [...seen];
  });
  for (const k of identity) if (k < info.length - 1) assert.ok(!visited.includes(k), `play skipped identity layer ${k}`);
  assert.equal(visited.at(-1), info.length - 1, 'play reaches the last state');

  // Pause at each stage: playback stops on the last state of a stage.
  await page.check('#play-stage');
  const stop = await page.evaluate(() => {
    const h = window.hardmax;
    h.goto(0);
    h.play();
    for (let i = 0; i < 2000 && h.state().playing; i++) h.clock.advance(100);
    return h.state();
  });
  assert.equal(stop.playing, false);
  const next = info[stop.layer].next;
  assert.notEqual(info[next].stage, info[stop.layer].stage, `stopped at layer ${stop.layer}, the end of stage ${stop.stage}`);
  assert.ok(stop.layer < info.length - 1);
  await page.uncheck('#play-stage');
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('glossary: every caption term of every stage is a mark that shows its definition on hover, focus and tap; the glossary panel lists them all', async () => {
  const { page, context, consoleErrors } = await ctx.open('', VIEW);
  const L = (await appState(page)).layers;
  const seen = new Set();
  for (let k = 0; k <= L; k++) {
    await page.evaluate((k) => window.hardmax.goto(k), k);
    const terms = await page.$$eval('#cap-text .term', (els) => els.map((e) => e.dataset.term));
    for (const t of terms) seen.add(t);
    const text = await page.textContent('#cap-text');
    // Every standalone mention of a glossary word is marked.
    const plain = await page.evaluate(() => {
      const out = [];
      for (const n of document.getElementById('cap-text').childNodes) if (n.nodeType === 3) out.push(n.textContent);
      return out.join(' | ');
    });
    assert.doesNotMatch(plain, /\bleaders?\b|\btents?\b|ρ|λ/, `layer ${k}: unmarked glossary word in "${text}"`);
  }
  for (const t of ['leader', 'w', 'c', 'u', 'e', 'tent', 'code', 'ρ']) assert.ok(seen.has(t), `the captions link "${t}" to the glossary (seen: ${[...seen]})`);
  // Hover shows the definition; moving away hides it; a tap keeps it; Escape closes it.
  await page.evaluate(() => window.hardmax.goto(3));
  const term = page.locator('#cap-text .term[data-term="leader"]').first();
  await term.hover();
  assert.equal(await page.isVisible('#glossary-pop'), true);
  assert.match(await page.textContent('#glossary-pop'), /largest projection on w/);
  await page.mouse.move(5, 400);
  assert.equal(await page.isVisible('#glossary-pop'), false);
  await page.locator('#cap-text .term[data-term="w"]').first().click();
  await page.mouse.move(5, 400);
  assert.equal(await page.isVisible('#glossary-pop'), true, 'a tap keeps the definition open');
  assert.match(await page.textContent('#glossary-pop'), /^w \(leader direction\)/);
  await page.keyboard.press('Escape');
  assert.equal(await page.isVisible('#glossary-pop'), false);
  const listed = await page.$$eval('#glossary dt', (els) => els.map((e) => e.textContent));
  for (const t of ['leader', 'tent', 'slab', 'code', 'ρ', 'λ']) assert.ok(listed.some((x) => x.startsWith(t)), `the glossary lists ${t}`);
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('captions that name sequences highlight exactly those sequences on the canvas (the rest dimmed)', async () => {
  const { page, context, consoleErrors } = await ctx.open('', VIEW);
  const L = (await appState(page)).layers;
  let named = 0;
  for (let k = 0; k <= L; k++) {
    const f = await page.evaluate((k) => window.hardmax.frame(k), k);
    const names = new Set(f.tokens.map((t) => t.name));
    const mentioned = [...f.caption.matchAll(/«([^»]*)»/g)].map((m) => m[1]).filter((n) => names.has(n));
    assert.deepEqual([...new Set(mentioned)].sort(), [...f.highlighted].sort(), `layer ${k}: highlighted = named in "${f.caption}"`);
    if (mentioned.length) {
      named++;
      await page.evaluate((k) => window.hardmax.goto(k), k);
      const marks = await page.$$eval('#cap-text mark.seq-ref', (els) => els.map((e) => e.dataset.seq));
      assert.deepEqual([...new Set(marks)].sort(), [...new Set(mentioned)].sort(), 'the caption marks the names it highlights');
    }
  }
  assert.ok(named >= 6, `the separate stage names its sequences (${named} layers)`);
  await page.evaluate(() => window.hardmax.goto(3));
  await screenshot(page, 'teaching-highlight-split', { fullPage: false });
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('the separate stage shows the shared token’s two copies after each slide; coincidence counts say tokens or sequences', async () => {
  const { page, context, consoleErrors } = await ctx.open('', VIEW);
  const L = (await appState(page)).layers;
  let slides = 0;
  for (let k = 1; k <= L; k++) {
    const f = await page.evaluate((k) => window.hardmax.frame(k), k);
    for (const c of f.counts) {
      assert.match(c.text, /^(\d+ tokens|\d+ sequences|\d+ tokens · \d+ sequences)$/, `layer ${k}: count "${c.text}"`);
      assert.equal(c.text, c.sequences === 1 ? `${c.tokens} tokens` : c.sequences === c.tokens ? `${c.sequences} sequences` : `${c.tokens} tokens · ${c.sequences} sequences`);
    }
    if (f.stage !== 'separate' || !/slides/.test(f.caption)) {
      assert.deepEqual(f.copies, [], `layer ${k}: copies only after a slide`);
      continue;
    }
    slides++;
    assert.equal(f.copies.length, f.highlighted.length, `layer ${k}: one copy per named sequence`);
    assert.deepEqual(f.copies.map((c) => c.name).sort(), [...f.highlighted].sort());
    const [p, q] = f.copies;
    assert.ok(Math.hypot(p.x - q.x, p.y - q.y) > 1e-6, `layer ${k}: the two copies are apart after the slide`);
    assert.deepEqual(p.from, q.from, 'they were one point before the slide');
    const before = await page.evaluate((k) => window.hardmax.frame(k - 1), k);
    const at = (fr, name) => fr.tokens.filter((t) => t.name === name).map((t) => `${t.x},${t.y}`);
    assert.ok(at(before, p.name).includes(p.from.join(',')) && at(before, q.name).includes(q.from.join(',')), 'both sequences had a token at the shared point');
  }
  assert.equal(slides, 3, 'the shared preset has three slides');
  await page.evaluate(() => window.hardmax.goto(4));
  await screenshot(page, 'teaching-copies', { fullPage: false });
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('overlays: tents only on the feed-forward layer they act on; a legend entry for every overlay on screen; the compass stays off the data', async () => {
  const { page, context, consoleErrors } = await ctx.open('#v=1&tents=1&edges=1&dirs=1&trails=1&lines=1', VIEW);
  const L = (await appState(page)).layers;
  for (let k = 0; k <= L; k++) {
    const f = await page.evaluate((k) => window.hardmax.frame(k), k);
    const kind = k ? await page.evaluate((k) => window.hardmax.app.model.layers[k].kind, k) : null;
    assert.equal(f.tentLayer, kind === 'ff' ? k : 0, `layer ${k} (${kind}): tents of this layer only`);
    const keys = f.legend.map((x) => x.key);
    if (f.overlays.tents) assert.ok(keys.includes('tents') && keys.includes('moves'), `layer ${k}: tent legend`);
    if (f.overlays.edges) assert.ok(keys.includes('edges') && keys.includes('leaders'), `layer ${k}: edge legend`);
    for (const key of ['starts', 'trails', 'lines', 'dirs']) assert.ok(keys.includes(key), `layer ${k}: legend for ${key}`);
    assert.equal(keys.includes('anchors'), f.anchorsDrawn, `layer ${k}: anchors in the legend iff drawn`);
    await page.evaluate((k) => window.hardmax.goto(k), k);
    const shown = await page.$$eval('#overlay-legend .ol-item', (els) => els.map((e) => e.dataset.key));
    assert.deepEqual(shown, keys, `layer ${k}: the legend on the page lists what is drawn`);
  }
  // Tent arrows start at the tokens they move: at a jump-out layer, some token moved from k-1 to k.
  const moved = await page.evaluate(() => {
    const a = window.hardmax.frame(2), b = window.hardmax.frame(3);
    return b.tokens.filter((t, i) => t.x !== a.tokens[i].x || t.y !== a.tokens[i].y).length;
  });
  assert.ok(moved >= 1);
  // No token is drawn under the compass inset (bottom-left), whatever the state.
  const under = await page.evaluate(() => {
    const h = window.hardmax, r = h.app.renderer;
    const out = [];
    for (let k = 0; k <= h.state().layers; k++) {
      h.goto(k);
      for (let i = 0; i < r.sx.length; i++) if (r.sx[i] < 180 && r.sy[i] > r.cssH - 140) out.push([k, i]);
    }
    return out;
  });
  assert.deepEqual(under, []);
  await screenshot(page, 'teaching-overlays-label', { fullPage: false });
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('draw mode: a fresh drawing has its own labels; a drawing that cannot be built stays in draw mode with the error in page words and a fix button that works', async () => {
  const { page, context, consoleErrors } = await ctx.open('', VIEW);
  await page.click('#draw-panel summary');
  await page.click('#draw-toggle');
  await page.click('#draw-clear');
  assert.equal(await page.inputValue('#draw-label'), 'A', 'a fresh drawing starts with label A, not the last data’s');
  await page.uncheck('#draw-auto');
  const box = await page.locator('#canvas').boundingBox();
  const at = (fx, fy) => [box.x + fx * box.width, box.y + fy * box.height];
  for (const [fx, fy] of [[0.3, 0.3], [0.6, 0.5]]) await page.mouse.click(...at(fx, fy));
  await page.click('#draw-new');
  await page.selectOption('#draw-label', 'B');
  // The same two tokens (clicks within 8 px reuse them), in the other order: the same set.
  for (const [fx, fy] of [[0.6, 0.5], [0.3, 0.3]]) await page.mouse.click(...at(fx, fy));
  await page.click('#draw-construct');
  await page.waitForSelector('#error:not([hidden])');
  const message = await page.textContent('#error .error-text');
  assert.doesNotMatch(message, /--[a-z]/, `no command-line flag in "${message}"`);
  assert.match(message, /positional encoding/);
  assert.equal(await page.isVisible('#error .error-action'), true, 'the fix button is offered');
  let s = await appState(page);
  assert.equal(s.drawing, true, 'a failed build stays in draw mode');
  assert.notEqual(s.preset, 'custom');
  assert.match(await page.textContent('#cap-text'), /cannot be built/);
  assert.match(await page.textContent('#stats'), /drawing is not built/, 'the results panel says its numbers are not the drawing’s');
  await screenshot(page, 'teaching-draw-failed', { fullPage: false });
  await page.click('#error .error-action');
  await page.waitForFunction(() => window.hardmax.state().preset === 'custom' && !window.hardmax.state().drawing, null, { timeout: 30_000 });
  s = await page.evaluate(() => window.hardmax.goto(window.hardmax.state().layers));
  assert.equal(s.total, 2);
  assert.equal(s.correct, 2, 'the fixed drawing is classified exactly');
  assert.equal(await page.isChecked('#pos'), true);
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('softmax sits beside hardmax: both states kept, failing sequences marked, captions say what softmax does', async () => {
  const { page, context, consoleErrors } = await ctx.open('#v=1&softmax=1&beta=1.6', VIEW);
  const s = await appState(page);
  assert.equal(s.softmax.on, true);
  const plain = await page.evaluate(() => {
    const h = window.hardmax;
    return h.app.model.positions.slice(0, 2 * h.app.model.T);
  });
  for (let k = 0; k <= s.layers; k++) {
    const f = await page.evaluate((k) => window.hardmax.frame(k), k);
    assert.equal(f.softmax, true);
    assert.equal(f.softmaxTokens.length, f.tokens.length, 'both pictures are kept');
    assert.doesNotMatch(f.softmaxCaption, /exactly on its leader/, 'the softmax words do not repeat the hardmax claim');
    assert.match(f.softmaxCaption, /softmax with β = 1\.6/);
    if (k === 0) assert.deepEqual(f.tokens.map((t) => [t.x, t.y]).flat(), Array.from(plain), 'the hardmax pane shows hardmax positions');
  }
  const last = await page.evaluate(() => window.hardmax.frame(window.hardmax.state().layers));
  // Hardmax is exact; the softmax picture's readout fails exactly the sequences marked.
  assert.equal(last.failing.length, s.total - s.softmax.correct, `marked ✗: ${last.failing}`);
  const anchors = last.anchors;
  const bySeq = new Map();
  for (const t of last.softmaxTokens) {
    const e = bySeq.get(t.name) ?? { label: t.label, x: 0, y: 0, n: 0 };
    (e.x += t.x), (e.y += t.y), e.n++;
    bySeq.set(t.name, e);
  }
  const wrong = [...bySeq].filter(([, e]) => {
    const near = anchors.reduce((b, a) => (Math.hypot(e.x / e.n - a.x, e.y / e.n - a.y) < Math.hypot(e.x / e.n - b.x, e.y / e.n - b.y) ? a : b));
    return near.label !== e.label;
  }).map(([n]) => n);
  assert.deepEqual([...wrong].sort(), [...last.failing].sort());
  assert.match(last.softmaxCaption, new RegExp(`${s.softmax.correct} of ${s.total} sequences`));
  await page.evaluate(() => window.hardmax.goto(window.hardmax.state().layers));
  assert.match(await page.textContent('#cap-softmax'), /Marked ✗/);
  assert.match(await page.textContent('#cap-text'), /readout/, 'the hardmax caption stays, for the hardmax pane');
  await screenshot(page, 'teaching-softmax-split', { fullPage: false });
  await page.uncheck('#sm-on');
  assert.equal(await page.isHidden('#cap-softmax'), true);
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('exports equal the screen: the PNG’s picture is the canvas pixel for pixel under the caption; the SVG carries the caption, the legends and exactly the overlays on screen', async () => {
  const fs = await import('node:fs/promises');
  const path = await import('node:path');
  const { repoRoot } = await import('./harness.mjs');
  const { page, context, consoleErrors } = await ctx.open('#v=1&preset=shared&tents=1', VIEW);
  const read = (k) =>
    page.evaluate(async (k) => {
      const h = window.hardmax;
      await h.goto(k);
      const c = document.getElementById('canvas');
      const png = h.app.exports.png(window.devicePixelRatio || 1);
      const top = png.height - c.height;
      const a = png.getContext('2d').getImageData(0, top, c.width, c.height).data;
      const b = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let diff = 0;
      for (let i = 0; i < a.length; i++) if (Math.abs(a[i] - b[i]) > 2) diff++;
      return { svg: h.app.exports.svg(), diff, n: a.length, top, pngUrl: png.toDataURL('image/png'), frame: h.frame(k), caption: document.getElementById('cap-text').textContent };
    }, k);
  const texts = (svg) => [...svg.matchAll(/<text\b[^>]*>([^<]*)<\/text>/g)].map((m) => m[1].replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>'));
  const L = (await appState(page)).layers;
  for (const k of [3, 6, L]) {
    const r = await read(k);
    // The same drawing code on a second canvas: equal but for a few antialiased edge values.
    assert.ok(r.diff <= r.n * 1e-3, `layer ${k}: the PNG's picture equals the canvas (${r.diff} of ${r.n} values differ)`);
    assert.ok(r.top > 40, 'the caption is above the picture');
    const words = texts(r.svg);
    const all = words.join(' ');
    assert.ok(all.includes(r.caption.split(/\s+/).slice(0, 6).join(' ')), `layer ${k}: the SVG has the caption`);
    for (const it of r.frame.legend) assert.ok(words.includes(it.text), `layer ${k}: the SVG has the legend entry "${it.text}"`);
    const anchorNames = words.filter((w) => w === 'blue').length;
    // "blue" appears once in the class legend; anchors drawn add their own label (text and halo).
    assert.equal(anchorNames > 1, r.frame.anchorsDrawn, `layer ${k}: anchors in the SVG iff on screen`);
    assert.equal(words.includes('jump-out'), k === 3, `layer ${k}: the jump-out tent label only on its layer`);
    if (k === 3) {
      await fs.mkdir(path.join(repoRoot, 'out', 'screenshots'), { recursive: true });
      await fs.writeFile(path.join(repoRoot, 'out', 'screenshots', 'teaching-export-layer3.svg'), r.svg);
      await fs.writeFile(path.join(repoRoot, 'out', 'screenshots', 'teaching-export-layer3.png'), Buffer.from(r.pngUrl.split(',')[1], 'base64'));
    }
  }
  // Lines joining sequences are in the SVG only when they are on screen (always at the input).
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('O(N) in the page: an N control for random data and a live chart of measured blocks against the paper’s 4N+1; the parameter constant explained', { timeout: HANG_GUARD_MS }, async () => {
  const { page, context, consoleErrors } = await ctx.open('#v=1&preset=random', VIEW);
  assert.equal(await page.isVisible('#scaling'), true, 'the N control shows with the random preset');
  assert.deepEqual(await page.evaluate(() => window.hardmax.app.scaling.series()), [{ N: 12, blocks: 8, paper: 49 }], 'the preset itself is the first point');
  await page.fill('#rand-n', '20');
  await page.dispatchEvent('#rand-n', 'input');
  await page.waitForFunction(() => window.hardmax.state().total === 20 && window.hardmax.state().preset === 'custom', null, { timeout: 30_000 });
  // Using the control starts the chart's own measurements of N = 4 … 64.
  await page.waitForFunction(() => window.hardmax.app.scaling.series().length >= 7, null, { timeout: 90_000 });
  for (const p of await page.evaluate(() => window.hardmax.app.scaling.series())) {
    assert.ok(p.blocks > 0 && p.blocks < p.paper, `N = ${p.N}: ${p.blocks} blocks, below 4N+1 = ${p.paper}`);
  }
  const blocks = Number(await page.textContent('#stats dd[data-key="blocks"]'));
  await page.waitForFunction(() => window.hardmax.app.scaling.series().some((p) => p.N === 20));
  const p20 = (await page.evaluate(() => window.hardmax.app.scaling.series())).find((p) => p.N === 20);
  assert.equal(p20.blocks, blocks, 'the chart plots the count the results panel shows');
  assert.equal(await page.getAttribute('#scaling circle[data-n="20"]', 'data-blocks'), String(blocks));
  assert.equal(await page.isVisible('#scaling'), true, 'the control stays for page-made random data');
  assert.equal(await page.inputValue('#rand-n'), '20');
  // The same N and seed give the same data: a second build reports the same count.
  const again = await page.evaluate(async () => {
    window.hardmax.app.scaling.build(20);
    await new Promise((r) => setTimeout(r, 50));
    return window.hardmax.state().total;
  });
  assert.equal(again, 20);
  assert.match(await page.textContent('#stats .params-note'), /N·d times a small constant \(here [\d.]+\); it never depends on sequence length/);
  await screenshot(page, 'teaching-scaling', { fullPage: false });
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

/** At label layer k: the moved clusters (by sequence) that did not get closer to their own anchor. */
function labelMovesAway(before, after) {
  const own = new Map(after.anchors.map((a) => [a.label, a]));
  const bad = [];
  const seen = new Set();
  after.tokens.forEach((t, i) => {
    const b = before.tokens[i];
    if (t.x === b.x && t.y === b.y) return;
    const key = `${t.seq}`;
    if (seen.has(key)) return;
    seen.add(key);
    const a = own.get(t.label);
    const d0 = Math.hypot(b.x - a.x, b.y - a.y), d1 = Math.hypot(t.x - a.x, t.y - a.y);
    if (!(d1 < d0)) bad.push(`${t.name} (${t.label}): ${d0.toFixed(3)} -> ${d1.toFixed(3)}`);
  });
  return bad;
}

test('anchors are drawn faint through the label stage and full at the snap (every preset)', { timeout: HANG_GUARD_MS }, async () => {
  const { page, context, consoleErrors } = await ctx.open('', VIEW);
  for (const preset of PRESETS) {
    const built = await page.evaluate((p) => window.hardmax.load(p), preset);
    const frames = await page.evaluate((L) => Array.from({ length: L + 1 }, (_, k) => window.hardmax.frame(k)), built.layers);
    assert.ok(frames.some((f) => f.stage === 'label'));
    for (const f of frames) {
      if (f.stage === 'label') assert.ok(f.anchorsDrawn && f.anchorsFaint, `${preset} layer ${f.state}: anchors drawn faint in the label stage`);
      else if (f.stage === 'snap') assert.ok(f.anchorsDrawn && !f.anchorsFaint, `${preset} layer ${f.state}: anchors drawn full at the snap`);
      else assert.equal(f.anchorsDrawn, false, `${preset} layer ${f.state}: no anchors before the label stage`);
    }
  }
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

// The engine places each class's anchor on its own rung along e, so every label move heads
// toward its own anchor and the snap only finishes the move.
test('every label move heads toward its own anchor: at every label layer each moved cluster ends closer to its class anchor, in view coordinates (every preset)', { timeout: HANG_GUARD_MS }, async () => {
  const { page, context, consoleErrors } = await ctx.open('', VIEW);
  const failures = [];
  for (const preset of PRESETS) {
    const built = await page.evaluate((p) => window.hardmax.load(p), preset);
    const frames = await page.evaluate((L) => Array.from({ length: L + 1 }, (_, k) => window.hardmax.frame(k)), built.layers);
    for (const f of frames) {
      if (f.stage === 'label' && f.state > 0) for (const b of labelMovesAway(frames[f.state - 1], f)) failures.push(`${preset} layer ${f.state}: ${b}`);
    }
  }
  if (failures.length) console.log(failures.join('\n'));
  assert.deepEqual(failures, []);
  assert.deepEqual(consoleErrors, []);
  await context.close();
});
