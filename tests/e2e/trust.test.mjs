// Trust on the page: β* is marked on the softmax slider's own scale (the slider's tick, the
// curve's line) at the value the engine's facade computes, the curve is the facade's, and the
// certificate badge in the Result panel says what the facade's certificate says, with its
// numbers. Checked on several presets, at desktop and phone sizes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { screenshot } from './harness.mjs';
import { useBrowser, appState } from './app.mjs';

const ctx = useBrowser();
const DESKTOP = { viewport: { width: 1366, height: 768 } };
const PHONE = { viewport: { width: 390, height: 844 } };
/** Must match THUMB_INSET in www/trust.js (half the 16 px thumb). */
const INSET = 8;

/** The facade's own answers for a preset (seed 0, default options), computed in the page. */
function facade(page, name) {
  return page.evaluate(async (name) => {
    const engine = await import('./www/pkg/hardmax.js');
    await engine.default();
    const s = engine.Session.fromPreset(name, 0, {});
    try {
      const threshold = s.softmaxThreshold(0.1, 1000);
      const cert = s.certify();
      const report = s.report();
      return { threshold, cert, report };
    } finally {
      s.free();
    }
  }, name);
}

/** Waits until the certificate (and β*, unless star is false) have come from the worker. */
async function settled(page, { star = true } = {}) {
  await page.waitForFunction((star) => {
    const s = document.getElementById('sm-star');
    const cert = document.getElementById('cert');
    const starDone = !star || (s && s.dataset.state && s.dataset.state !== 'pending');
    return starDone && cert && cert.dataset.state && cert.dataset.state !== 'pending';
  }, star);
}

/** Where things are: the slider, the curve's β* line, the tick, the texts. */
function readPage(page) {
  return page.evaluate(() => {
    const slider = document.getElementById('sm-beta');
    const box = document.getElementById('sm-trust');
    const line = document.getElementById('sm-star-line');
    const s = slider.getBoundingClientRect(), b = box.getBoundingClientRect();
    const list = slider.getAttribute('list');
    const tick = list ? document.getElementById(list)?.querySelector('option')?.value : null;
    const cert = document.getElementById('cert');
    return {
      slider: { left: s.left, width: s.width, min: Number(slider.min), max: Number(slider.max), step: Number(slider.step) },
      lineX: line ? b.left + Number(line.getAttribute('x1')) : null,
      lineBeta: line ? Number(line.dataset.beta) : null,
      markX: (() => {
        const m = document.getElementById('sm-beta-mark');
        if (!m || m.hidden) return null;
        const mr = m.getBoundingClientRect();
        return mr.left + mr.width / 2;
      })(),
      markBeta: Number(document.getElementById('sm-beta-mark')?.dataset.beta),
      tick: tick === null || tick === undefined ? null : Number(tick),
      starText: document.getElementById('sm-star').textContent,
      curveWidth: document.getElementById('sm-curve').getBoundingClientRect().width,
      cert: { ...cert.dataset, summary: cert.querySelector('summary').textContent, body: cert.querySelector('.cert-body').textContent },
      certVisible: !cert.hidden && cert.getClientRects().length > 0,
      curvePoints: (document.querySelector('#sm-curve .acc')?.getAttribute('d') || '').split(/[ML]/).filter(Boolean).length,
    };
  });
}

const fmt3 = (x) => Number(x.toPrecision(3));

for (const preset of ['shared', 'rings', 'vowels']) {
  test(`${preset}: β* on the slider and the certificate badge are the facade's`, async () => {
    const { page, context, consoleErrors } = await ctx.open(`#v=1&preset=${preset}&softmax=1&beta=10`, DESKTOP);
    await settled(page);
    const f = await facade(page, preset);
    const r = await readPage(page);
    const t = f.threshold;
    const star = t.beta_star;
    assert.equal(typeof star, 'number', `${preset}: the facade finds β*`);
    assert.equal(t.total, f.report.total);
    assert.equal(t.hardmax_correct, t.total);

    // the curve's β* line is at β* on the slider's scale (the thumb's center runs INSET px in)
    assert.equal(r.lineBeta, star);
    const frac = (Math.log10(star) - r.slider.min) / (r.slider.max - r.slider.min);
    assert.ok(frac > 0 && frac < 1, `${preset}: β* ${star} lies inside the slider's range`);
    const expected = r.slider.left + INSET + frac * (r.slider.width - 2 * INSET);
    assert.ok(Math.abs(r.lineX - expected) < 0.5, `${preset}: β* line at ${r.lineX}, slider scale says ${expected}`);
    // the slider's tick is the first slider value whose β (three digits) is at least β*
    assert.ok(r.tick !== null, 'the slider has a tick');
    assert.ok(fmt3(10 ** r.tick) >= star, `tick ${r.tick} is at or above β*`);
    assert.ok(fmt3(10 ** (r.tick - r.slider.step)) < star, `tick ${r.tick} is the first such`);
    // the words give β* and the proven bound
    assert.match(r.starText, /^β\* ≈ [\d,.]+: at β\* and every larger β tested, softmax classifies all \d+ sequences, as hardmax does; at [\d,.]+ it does not\./);
    assert.ok(r.starText.includes(`all ${t.total} sequences`));
    const [whole] = r.starText.match(/≈ ([\d,.]+)/).slice(1);
    assert.ok(Math.abs(Number(whole.replace(/,/g, '')) / star - 1) < 5e-3, `${whole} vs ${star}`);
    assert.match(r.starText, /Proven from β ≥ [\d,.e]+: softmax computes exactly what hardmax computes\./);
    // the bar on the slider's track sits at the same x as the curve's line
    assert.equal(r.markBeta, star);
    assert.ok(Math.abs(r.markX - expected) < 0.5, `${preset}: slider mark at ${r.markX}, slider scale says ${expected}`);
    // the curve has a point for every tested β within the slider's range
    const inRange = t.curve.filter((p) => p.beta >= 0.1 * (1 - 1e-9) && p.beta <= 1000 * (1 + 1e-9));
    assert.equal(r.curvePoints, inRange.length);

    // the certificate badge: the facade's verdict and numbers
    assert.equal(f.cert.certified, true, `${preset}: built presets certify`);
    assert.ok(r.certVisible, 'the badge is shown');
    assert.equal(r.cert.state, 'certified');
    assert.match(r.cert.summary, /✓ certified exact/);
    assert.equal(Number(r.cert.errorBound), f.cert.certified_error_bound);
    assert.equal(Number(r.cert.margin), f.report.min_margin);
    assert.equal(Number(r.cert.slack), f.cert.certified_slack);
    assert.equal(Number(r.cert.readoutSlack), f.cert.certified_readout_slack);
    assert.equal(Number(r.cert.attentionSlack), f.cert.certified_attention_slack);
    assert.ok(f.cert.certified_error_bound < f.report.min_margin, 'the bound is under the margin');
    assert.match(r.cert.body, new RegExp(`every readout of the ${f.report.total} sequences`));

    // "set β to β*" moves the slider to the tick; softmax there classifies what the facade says
    await page.click('#sm-go-star');
    await page.waitForFunction((b) => window.hardmax.app.controls.softmax?.beta === b, fmt3(10 ** r.tick));
    const s = await appState(page);
    assert.ok(s.softmax.beta >= star);
    const there = await page.evaluate(async ([name, beta]) => {
      const engine = await import('./www/pkg/hardmax.js');
      const ses = engine.Session.fromPreset(name, 0, {});
      try {
        return ses.softmax(beta).correct;
      } finally {
        ses.free();
      }
    }, [preset, s.softmax.beta]);
    assert.equal(s.softmax.correct, there);
    assert.equal(s.softmax.correct, s.total, `${preset}: softmax at the slider's β* classifies every sequence`);
    // the current-β line follows the slider
    const nowBeta = await page.evaluate(() => Number(document.getElementById('sm-now-line').dataset.beta));
    assert.equal(nowBeta, s.softmax.beta);
    await page.click('#cert summary');
    await screenshot(page, `trust-${preset}-desktop`, { fullPage: false });
    assert.deepEqual(consoleErrors, []);
    await context.close();
  });
}

test('phone: the curve and the badge fit in one column, nothing scrolls sideways', async () => {
  const { page, context, consoleErrors } = await ctx.open('#v=1&preset=random&softmax=1&beta=10', PHONE);
  await settled(page);
  const f = await facade(page, 'random');
  const r = await readPage(page);
  assert.equal(r.lineBeta, f.threshold.beta_star);
  const frac = (Math.log10(r.lineBeta) - r.slider.min) / (r.slider.max - r.slider.min);
  assert.ok(Math.abs(r.lineX - (r.slider.left + INSET + frac * (r.slider.width - 2 * INSET))) < 0.5);
  assert.ok(r.curveWidth > 250, `curve ${r.curveWidth} px wide`);
  assert.equal(r.cert.state, f.cert.certified ? 'certified' : 'uncertified');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no horizontal scroll (${overflow} px)`);
  // the badge opens by a click or tap (no hover-only numbers)
  await page.click('#cert summary');
  assert.equal(await page.evaluate(() => document.getElementById('cert').open), true);
  assert.ok(await page.isVisible('#cert .cert-list'));
  await page.evaluate(() => document.querySelector('[data-panel="softmax"]').scrollIntoView({ block: 'start' }));
  await screenshot(page, 'trust-random-phone-softmax', { fullPage: false });
  await page.evaluate(() => document.getElementById('cert').scrollIntoView({ block: 'start' }));
  await screenshot(page, 'trust-random-phone-cert', { fullPage: false });
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('a certificate that fails is shown as such, with where and why', async () => {
  const { page, context, consoleErrors } = await ctx.open('#v=1&preset=shared', DESKTOP);
  await settled(page, { star: false });
  // The engine's presets all certify; the badge's other state is drawn from a failing
  // certificate of the facade's shape.
  const r = await page.evaluate(() => {
    const trust = window.hardmax.app.trust;
    const real = window.hardmax.app.model;
    const failing = {
      built: true,
      report: { ...real.report },
      certificate: () => ({
        value: {
          certified: false,
          certified_slack: -2.5e-13,
          certified_attention_slack: 0.25,
          certified_readout_slack: -2.5e-13,
          certified_error_bound: 3.1e-13,
          certified_failure: { sequence: 2, name: 'seq 3', layer: null, stage: null, reason: 'the output may be as close to the anchor of «b» as to its own («a»)' },
        },
      }),
    };
    trust.certificate.update(failing);
    const cert = document.getElementById('cert');
    const out = { ...cert.dataset, summary: cert.querySelector('summary').textContent, body: cert.querySelector('.cert-body').textContent };
    trust.certificate.update(real);
    return { out, back: document.getElementById('cert').dataset.state };
  });
  assert.equal(r.out.state, 'uncertified');
  assert.match(r.out.summary, /exact in floating point, not certified/);
  assert.match(r.out.body, /«seq 3» \(sequence 3\), readout: the output may be as close/);
  assert.match(r.out.body, /error bound3\.10e-13/);
  assert.equal(r.back, 'certified');
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('turning softmax off hides β*; the badge stays', async () => {
  const { page, context } = await ctx.open('#v=1&preset=shared&softmax=1', DESKTOP);
  await settled(page);
  assert.equal(await page.isVisible('#sm-trust'), true);
  await page.click('#sm-on');
  assert.equal(await page.isHidden('#sm-trust'), true);
  assert.equal(await page.evaluate(() => document.getElementById('sm-beta').hasAttribute('list')), false);
  assert.equal(await page.isVisible('#cert'), true);
  await page.click('#sm-on');
  await page.waitForFunction(() => document.getElementById('sm-star').dataset.state === 'found');
  assert.equal(await page.evaluate(() => document.getElementById('sm-beta').hasAttribute('list')), true);
  await context.close();
});
