// Lesson mode: the guided tour on the default data. Steps by keys and buttons, the link holds
// the step, predict-then-reveal questions answered by clicks on the canvas, leave and resume.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser, appState } from './app.mjs';

const ctx = useBrowser();

/** Clicks the canvas at a point given in canvas CSS pixels. */
async function clickCanvas(page, [x, y]) {
  const c = await page.evaluate(() => document.getElementById('canvas').getBoundingClientRect().toJSON());
  await page.mouse.click(c.left + x, c.top + y);
}

test('the tour: steps, link, three predict-then-reveal questions, leave and resume', async () => {
  const { page, context, consoleErrors } = await ctx.open('#v=1&preset=rings&lesson=1');
  await page.waitForFunction(() => window.hardmax.state().lesson?.step === 1 && window.hardmax.state().preset === 'shared');
  let s = await appState(page);
  assert.deepEqual(s.lesson, { step: 1, steps: 11 });
  assert.equal(s.preset, 'shared', 'the tour runs on the default data');
  assert.ok(s.lesson.steps >= 8 && s.lesson.steps <= 12);
  assert.match(await page.textContent('#lesson-progress'), /Step 1 of 11/);
  assert.equal(await page.isDisabled('#lesson-back'), true);

  // A clicker's PageDown goes to the next step; the link follows.
  await page.keyboard.press('PageDown');
  await page.waitForFunction(() => window.hardmax.state().lesson?.step === 2);
  await page.waitForFunction(() => /lesson=2/.test(location.hash));

  // Question 1: which token will sequence A attend to? Click the leader.
  // The leader by definition: A's token furthest along w (the first split's attention agrees).
  const q1 = await page.evaluate(() => {
    const h = window.hardmax;
    const m = h.app.model;
    const k = h.state().layer;
    const w = m.directions.w;
    let lead = -1, best = -Infinity;
    for (let i = m.seqStarts[0]; i < m.seqStarts[1]; i++) {
      const s = m.positions[2 * (k * m.T + i)] * w[0] + m.positions[2 * (k * m.T + i) + 1] * w[1];
      if (s > best) (best = s), (lead = i);
    }
    return { k, at: Array.from(h.app.renderer.screenOf(lead)) };
  });
  assert.match(await page.textContent('#lesson-prompt'), /attend to/);
  await clickCanvas(page, q1.at);
  await page.waitForSelector('#lesson-feedback.right:not([hidden])');
  await page.waitForFunction((k) => window.hardmax.state().layer === k, q1.k);
  assert.equal(await page.textContent('#lesson-next'), 'Next');

  // Question 2: a wrong answer is told so, with the right one named.
  await page.keyboard.press('ArrowRight');
  await page.waitForFunction(() => window.hardmax.state().lesson?.step === 3);
  const q2 = await page.evaluate(() => {
    const h = window.hardmax;
    const m = h.app.model;
    const s = m.stages.find((x) => x.stage === 'separate');
    let k = s.first;
    while (m.layers[k].kind !== 'sa') k++;
    const named = h.frame(k).highlighted;
    const r = h.app.renderer;
    let wrong = null;
    for (let i = 0; i < m.T && !wrong; i++) {
      const [x, y] = r.screenOf(i);
      // a token of a sequence not in conflict, with no token of another sequence on top of it
      if (named.includes(m.sequences[m.tokenSeq[i]].name)) continue;
      if (r.hitTest(x, y, 16) === i || m.tokenSeq[r.hitTest(x, y, 16)] === m.tokenSeq[i]) wrong = [x, y];
    }
    return { named, wrong, k };
  });
  assert.equal(q2.named.length, 2);
  assert.ok(q2.wrong, 'a token outside the conflict');
  await clickCanvas(page, q2.wrong);
  await page.waitForSelector('#lesson-feedback.wrong:not([hidden])');
  const why = await page.textContent('#lesson-feedback');
  for (const n of q2.named) assert.ok(why.includes(n), `the feedback names ${n}: ${why}`);

  // Question 3 (through the hook): where will A end? Click its class's anchor.
  s = await page.evaluate(() => window.hardmax.lesson(7));
  assert.equal(s.lesson.step, 7);
  const q3 = await page.evaluate(() => {
    const h = window.hardmax;
    const m = h.app.model;
    const c = m.sequences[0].label;
    return h.app.renderer.toScreen(m.anchors[2 * c], m.anchors[2 * c + 1]);
  });
  await clickCanvas(page, q3);
  await page.waitForSelector('#lesson-feedback.right:not([hidden])');
  await page.waitForFunction(() => window.hardmax.state().layer === window.hardmax.state().layers);

  // Counting step says the numbers of this construction.
  s = await page.evaluate(() => window.hardmax.lesson(9));
  const text = await page.textContent('#lesson-text');
  const r = await page.evaluate(() => window.hardmax.app.model.report);
  assert.ok(text.includes(`4N+1 = ${r.paper_blocks}`) && text.includes(`${r.blocks} blocks`), text);

  // Leave (Escape) and resume where it was left.
  await page.click('#lesson-leave');
  s = await appState(page);
  assert.equal(s.lesson, null);
  assert.equal(await page.isHidden('#lesson'), true);
  await page.waitForFunction(() => !/lesson=/.test(location.hash));
  await page.click('#tour-start');
  await page.waitForFunction(() => window.hardmax.state().lesson?.step === 9);
  await page.keyboard.press('Escape');
  await page.keyboard.press('Escape');
  assert.equal((await appState(page)).lesson, null);
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('a link with #lesson=4 opens the tour at step 4', async () => {
  const { page, context, consoleErrors } = await ctx.open('#v=1&lesson=4');
  await page.waitForFunction(() => window.hardmax.state().lesson?.step === 4);
  assert.match(await page.textContent('.lesson-title'), /split/i);
  assert.deepEqual(consoleErrors, []);
  await context.close();
});
