// The certificate badge in the Result panel: whether the certificate holds (an outward-rounded
// enclosure of the whole forward pass: every hardmax choice and every readout comes out the
// same in exact arithmetic and in f64), with the error bound and the margin it must stay under,
// one tap away. Computed in the model's worker (Model.certificate); this module only reads and
// draws it. Element ids and data-* attributes are read by tests/e2e/trust.test.mjs.

import { $ } from './util.js';
import { el as html, formatNumber, formatInt } from './ui.js';

export class Certificate {
  constructor() {
    this.box = html('details', 'cert');
    this.box.id = 'cert';
    this.box.hidden = true;
    this.summary = html('summary', 'cert-summary');
    this.body = html('div', 'cert-body');
    this.box.append(this.summary, this.body);
  }

  /** The badge for model m (asked once per model), shown after the accuracy in the Result panel. */
  update(m) {
    const box = this.box;
    // the certificate covers classification models (interpolation shows its own errors)
    if (!m || !m.built || m.task === 'interpolate') {
      box.hidden = true;
      return;
    }
    const stats = $('stats');
    const acc = stats && stats.querySelector('.accuracy');
    if (acc && acc.nextSibling !== box) acc.after(box);
    else if (!box.isConnected && stats) stats.before(box);
    box.hidden = false;
    const c = m.certificate();
    const r = m.report || {};
    const body = this.body, summary = this.summary;
    body.replaceChildren();
    summary.replaceChildren();
    for (const k of ['errorBound', 'margin', 'slack', 'attentionSlack', 'readoutSlack']) delete box.dataset[k];
    if (!c || !c.value) {
      box.dataset.state = c && c.error ? 'error' : 'pending';
      summary.append(html('span', 'cert-badge', c && c.error ? 'certificate unavailable' : 'certifying…'));
      body.append(html('p', null, c && c.error ? c.error : 'Bounding the floating-point error of the whole forward pass…'));
      return;
    }
    const cert = c.value;
    const ok = Boolean(cert.certified);
    const allCorrect = r.correct === r.total;
    box.dataset.state = ok ? 'certified' : allCorrect ? 'uncertified' : 'failed';
    box.dataset.errorBound = String(cert.certified_error_bound);
    box.dataset.margin = String(r.min_margin);
    box.dataset.slack = String(cert.certified_slack);
    box.dataset.attentionSlack = String(cert.certified_attention_slack);
    box.dataset.readoutSlack = String(cert.certified_readout_slack);
    const bound = formatNumber(cert.certified_error_bound);
    const margin = formatNumber(r.min_margin);
    const badge = html('span', 'cert-badge', ok ? '✓ certified exact' : allCorrect ? 'exact in floating point, not certified' : 'not certified');
    summary.append(badge, html('span', 'cert-more', ok ? `error ≤ ${bound}, margin ${margin}` : 'why'));
    summary.title = ok
      ? `floating-point error bound ${bound} against the smallest margin ${margin}; slack left ${formatNumber(cert.certified_slack)}`
      : 'the certificate does not hold: tap for where and why';
    const dl = html('dl', 'cert-list');
    const row = (name, value, key) => {
      const dd = html('dd', null, value);
      if (key) dd.dataset.key = key;
      dl.append(html('dt', null, name), dd);
    };
    row('error bound', `${bound} (widest interval around an output mean)`, 'error_bound');
    row('readout margin', `${margin} (smallest, to the nearest wrong anchor)`, 'margin');
    row('slack after the bound', `readout ${formatNumber(cert.certified_readout_slack)}, attention ${formatNumber(cert.certified_attention_slack)}`, 'slack');
    if (ok) {
      body.append(html('p', null, `Every hardmax choice and every readout of the ${formatInt(r.total)} sequences comes out the same in exact arithmetic and in the f64 program: an outward-rounded enclosure of the whole forward pass keeps each attended score above every other and each output nearer its own anchor than any other.`));
    } else {
      const f = cert.certified_failure;
      const where = f ? `«${f.name}» (sequence ${f.sequence + 1})${f.layer ? `, layer ${f.layer}${f.stage ? ` (${f.stage})` : ''}` : ', readout'}` : '';
      body.append(html('p', 'cert-why', `${allCorrect ? 'Every sequence is classified correctly in f64, but the bound cannot prove it' : 'The model does not classify every sequence'}${where ? ` — first at ${where}: ${f.reason}` : ''}.`));
    }
    body.append(dl);
  }
}
