// The glossary: the few words the captions use that a student may not know, each reachable
// from every caption that uses it (hover, keyboard focus or tap shows its definition), and
// listed in full in a panel. Captions are split into plain text, glossary terms and «names»
// (sequences or classes); a sequence named in a caption is highlighted on the canvas.

/** term -> { title, text }: what each word means in this construction. */
export const GLOSSARY = {
  leader: {
    title: 'leader',
    text: 'The token of a sequence with the largest projection on w. Hardmax attention with query = key = w makes every token of the sequence attend to it.',
  },
  w: {
    title: 'w (leader direction)',
    text: 'A fixed unit direction with positive entries. After normalizing, w·x > 0 for every token, so w ranks the tokens of each sequence; the top one is its leader. Nothing in the construction ever changes a token’s w·x for good.',
  },
  c: {
    title: 'c (slide direction)',
    text: 'A unit direction perpendicular to w. The separate stage slides whole sequences along c, so w-projections — and therefore leaders — stay the same.',
  },
  u: {
    title: 'u (label direction)',
    text: 'After the collapse every sequence is one point; u is the direction on which those points are best spread out. Each label tent acts on a thin slab across u.',
  },
  e: {
    title: 'e (code direction)',
    text: 'A unit direction perpendicular to u. The label stage moves each point along e to its class’s code; the snap reads only e·x.',
  },
  tent: {
    title: 'tent',
    text: 'Three ReLU neurons of a feed-forward layer that make a bump along one direction g: a token with g·x exactly at the tent’s level moves by a fixed displacement; tokens outside its slab do not move at all.',
  },
  slab: {
    title: 'slab',
    text: 'The band where a tent acts: the points with g·x within the half-width of the tent’s level (drawn as a shaded strip). Outside it the tent is exactly zero.',
  },
  code: {
    title: 'code',
    text: 'A number along e given to each class. After the label stage e·x equals its class’s code on every token, so one scalar tells the classes apart.',
  },
  ρ: {
    title: 'ρ (rho, keep factor)',
    text: 'How much of its own position a token keeps in an attention layer: x ← ρ·x + V·(mean of the tokens it attends to). ρ = 1 keeps it; ρ = 0 replaces it, so the token lands on its leader.',
  },
  λ: {
    title: 'λ (lambda, step size)',
    text: 'The strength of an attention layer’s value map. In a split, V = λ·c·wᵀ slides each sequence along c by λ·(w·leader); in a gradual collapse, tokens glide a fraction λ toward their leader.',
  },
  cluster: {
    title: 'cluster',
    text: 'All tokens of a sequence after the collapse: they sit on one point, the sequence’s leader.',
  },
  anchor: {
    title: 'anchor',
    text: 'The point where the snap sends every token of a class. The readout names the class whose anchor is nearest to a sequence’s mean token.',
  },
  identity: {
    title: 'identity layer',
    text: 'An attention layer that changes nothing (ρ = 1, no value map). Every block is feed-forward then attention, so stages that only need feed-forward work leave these in place.',
  },
  read: {
    title: 'read token (read position)',
    text: 'In sequence to sequence, a transformer maps n tokens to n tokens, and the output is read at the last m tokens of each sequence: those are its read tokens. Each must land exactly on its target.',
  },
  target: {
    title: 'target',
    text: 'Where a read token must end (drawn as a hollow diamond in its sequence’s colour). A sequence of m targets is the output sequence for that input.',
  },
  park: {
    title: 'park',
    text: 'Every token takes the same big step along w (one neuron that is always on): afterwards every read token is higher than every target along the directions the place tents use, so a token already placed on its target is never caught by a later tent.',
  },
  place: {
    title: 'place',
    text: 'A tent around one read token — the highest still waiting along the tent’s direction — whose displacement is exactly (target − where the token is now): the token lands on its target and stays there.',
  },
  hardmax: {
    title: 'hardmax attention',
    text: 'Each token averages only the token(s) with the top score, instead of a softmax-weighted mix of all of them. Softmax with large β tends to it.',
  },
  βstar: {
    title: 'β* (softmax threshold)',
    text: 'The smallest inverse temperature β at which the same weights with softmax attention classify every sequence: the engine tests β on a log grid and narrows the step where accuracy first drops to 0.1%. Untested β between grid points are not claimed; from 750 / (smallest attention margin) on it is proven that softmax computes exactly what hardmax computes.',
  },
};

/** The word forms found in captions, mapped to their glossary entry. */
const FORMS = {
  leader: 'leader', leaders: 'leader', 'leader’s': 'leader', "leader's": 'leader',
  tent: 'tent', tents: 'tent', slab: 'slab', slabs: 'slab', code: 'code', codes: 'code',
  cluster: 'cluster', clusters: 'cluster', anchor: 'anchor', anchors: 'anchor',
  identity: 'identity', hardmax: 'hardmax', target: 'target', targets: 'target', Park: 'park', park: 'park',
  Place: 'place', place: 'place', read: 'read', ρ: 'ρ', λ: 'λ', rho: 'ρ', lambda: 'λ',
};

/** Whether the direction letter at s[i] stands alone (w in "along w", "w·x", "(w·leader)"). */
function loneLetter(s, i) {
  const before = i > 0 ? s[i - 1] : ' ';
  const after = i + 1 < s.length ? s[i + 1] : ' ';
  const next2 = i + 2 < s.length ? s[i + 2] : ' ';
  if (/[\p{L}\p{N}_]/u.test(before) || /[\p{L}\p{N}_’']/u.test(after)) return false;
  if (after === '.' && /\p{L}/u.test(next2)) return false;
  return true;
}

/**
 * Splits a caption into parts: { text } plain, { term, text } a glossary word, { name, text }
 * a «name» (text keeps the guillemets).
 */
export function captionParts(caption) {
  const s = String(caption ?? '');
  const parts = [];
  let last = 0;
  const push = (part, at, end) => {
    if (at > last) parts.push({ text: s.slice(last, at) });
    parts.push(part);
    last = end;
  };
  for (const m of s.matchAll(/«([^»]*)»|ρ|λ|[\p{L}’']+/gu)) {
    const at = m.index, end = at + m[0].length;
    if (m[1] !== undefined) {
      push({ name: m[1], text: m[0] }, at, end);
      continue;
    }
    const word = m[0];
    const lower = word.toLowerCase();
    if (word.length === 1 && 'wcue'.includes(word)) {
      if (loneLetter(s, at)) push({ term: word, text: word }, at, end);
      continue;
    }
    if (Object.hasOwn(FORMS, lower)) push({ term: FORMS[lower], text: word }, at, end);
  }
  if (last < s.length) parts.push({ text: s.slice(last) });
  return parts;
}

/** Indices of the sequences a caption names with «name» (names that are classes are left out). */
export function mentionedSequences(model, caption) {
  if (!model) return [];
  let byName = model._seqByName;
  if (!byName) {
    byName = new Map();
    model.sequences.forEach((s, q) => {
      if (!byName.has(s.name)) byName.set(s.name, q);
    });
    model._seqByName = byName;
  }
  const out = [];
  for (const p of captionParts(caption)) {
    if (p.name === undefined || !byName.has(p.name)) continue;
    const q = byName.get(p.name);
    if (!out.includes(q)) out.push(q);
  }
  return out;
}

/**
 * Fills a caption element: glossary terms become focusable, tappable marks that show their
 * definition; «names» of sequences become marks in the sequence's color.
 */
export function renderCaptionText(root, caption, model, colorOf) {
  root.replaceChildren();
  const seqs = new Set(model ? mentionedSequences(model, caption).map((q) => model.sequences[q].name) : []);
  for (const p of captionParts(caption)) {
    if (p.term) {
      const t = document.createElement('button');
      t.type = 'button';
      t.className = 'term';
      t.dataset.term = p.term;
      t.textContent = p.text;
      t.setAttribute('aria-label', `${p.text}: ${GLOSSARY[p.term].title} (glossary)`);
      root.appendChild(t);
    } else if (p.name !== undefined && seqs.has(p.name)) {
      const mark = document.createElement('mark');
      mark.className = 'seq-ref';
      mark.dataset.seq = p.name;
      mark.textContent = p.text;
      const q = model._seqByName.get(p.name);
      if (colorOf) mark.style.borderBottomColor = colorOf(q);
      root.appendChild(mark);
    } else {
      root.appendChild(document.createTextNode(p.text));
    }
  }
}

/**
 * The definition popover and the glossary panel. Hover or focus a term to see its meaning;
 * tap (click) keeps it open until the next tap elsewhere or Escape.
 */
export class Glossary {
  constructor({ host = document.body, panelHost = null } = {}) {
    this.pop = document.createElement('div');
    this.pop.className = 'glossary-pop';
    this.pop.id = 'glossary-pop';
    this.pop.setAttribute('role', 'tooltip');
    this.pop.hidden = true;
    host.appendChild(this.pop);
    this.pinned = null;
    if (panelHost) panelHost.appendChild(this.panel());
    const termOf = (e) => (e.target && e.target.closest ? e.target.closest('.term') : null);
    document.addEventListener('pointerover', (e) => {
      const t = termOf(e);
      if (t && !this.pinned) this.show(t);
    });
    document.addEventListener('pointerout', (e) => {
      const t = termOf(e);
      if (t && !this.pinned) this.hide();
    });
    document.addEventListener('focusin', (e) => {
      const t = termOf(e);
      if (t) this.show(t);
    });
    document.addEventListener('focusout', (e) => {
      if (termOf(e) && !this.pinned) this.hide();
    });
    document.addEventListener('click', (e) => {
      const t = termOf(e);
      if (t) {
        e.preventDefault();
        if (this.pinned === t) return this.close();
        this.pinned = t;
        this.show(t);
      } else if (this.pinned && !this.pop.contains(e.target)) this.close();
    });
  }

  /** The full list, for the side panel. */
  panel() {
    const details = document.createElement('details');
    details.className = 'glossary';
    details.id = 'glossary';
    const summary = document.createElement('summary');
    summary.textContent = 'glossary: leader, w, c, u, e, tent, slab, code, ρ, λ…';
    const dl = document.createElement('dl');
    for (const [key, g] of Object.entries(GLOSSARY)) {
      const dt = document.createElement('dt');
      dt.textContent = g.title;
      dt.id = `gl-${key}`;
      const dd = document.createElement('dd');
      dd.textContent = g.text;
      dl.append(dt, dd);
    }
    details.append(summary, dl);
    return details;
  }

  show(t) {
    const g = GLOSSARY[t.dataset.term];
    if (!g) return;
    this.pop.replaceChildren();
    const head = document.createElement('strong');
    head.textContent = g.title;
    const body = document.createElement('span');
    body.textContent = ` — ${g.text}`;
    this.pop.append(head, body);
    this.pop.dataset.term = t.dataset.term;
    this.pop.hidden = false;
    const r = t.getBoundingClientRect();
    const w = Math.min(360, window.innerWidth - 16);
    this.pop.style.maxWidth = `${w}px`;
    const left = Math.max(8, Math.min(r.left, window.innerWidth - w - 8));
    this.pop.style.left = `${left + window.scrollX}px`;
    this.pop.style.top = `${r.bottom + 6 + window.scrollY}px`;
  }

  hide() {
    this.pop.hidden = true;
  }

  /** Closes a popover kept open by a tap; returns whether there was one. */
  close() {
    const was = Boolean(this.pinned) || !this.pop.hidden;
    this.pinned = null;
    this.hide();
    return was;
  }
}
