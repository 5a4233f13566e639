// Lesson mode: a guided walk through the theorem on the default data, one idea per step.
// Some steps ask before they tell (predict, then reveal): the student answers by clicking on
// the canvas, hears whether that was right and why, and then sees what happens. Arrow keys
// and clickers (PageUp/PageDown) step; the link holds the step (#lesson=k); leaving and
// coming back resumes where the student was.

import { stageBlocks } from './util.js';

/** The data the tour is written for. */
const TOUR_PRESET = 'shared';
/** The data of the tour's sequence-to-sequence step (interpolation). */
const INTERPOLATION_PRESET = 'paths';
/** How close (CSS px) a click must be to a token to count as clicking it. */
const HIT_PX = 16;

/** The split step, in words true at the model's width cap (one split per block at 6 neurons). */
function splitStep(m, layer) {
  const splits = m.report.splits, blocks = stageBlocks(m, 'separate'), w = m.maxWidth ?? 6;
  const one = `A token that one of the two has and the other lacks jumps out along w: it becomes the leader of the sequences that contain it, attention slides them along c, and the token comes back. At ${w} neurons per layer one split costs one block; this data needs ${splits}.`;
  const several = `Tokens that only some of the conflicting sequences hold jump out along w, each to its own height: each becomes the leader of the sequences that contain it, attention slides them along c (further the higher their leader), and the tokens come back. At ${w} neurons per layer one block jumps up to ${Math.floor(w / 6)} tokens: this data's ${splits} splits take ${blocks === 1 ? '1 block' : `${blocks} blocks`}.`;
  return { title: blocks < splits ? 'Several splits in one block' : 'One split', layer, text: blocks < splits ? several : one };
}

/**
 * The steps, built from the model (layer numbers and counts come from the construction).
 * A step: { title, text, layer, ask?: { prompt, check(click) -> { right, why }, reveal } }.
 */
function steps(m, h) {
  const stage = (name) => m.stages.find((s) => s.stage === name) || { first: 1, last: 1 };
  const firstSa = (name) => {
    const s = stage(name);
    for (let k = s.first; k <= s.last; k++) if (m.layers[k].kind === 'sa') return k;
    return s.first;
  };
  const r = m.report;
  const name = (q) => m.sequences[q].name;
  const sep = stage('separate'), col = stage('collapse'), lab = stage('label');
  const before = sep.first - 1; // every token in [1,2]^d, no split yet
  const splitLayer = firstSa('separate');
  const asked = 0; // the sequence the first and last questions are about
  const askedClass = m.classes[m.sequences[asked].label];
  return [
    {
      title: 'The data',
      layer: 0,
      text: `${r.sequences} sequences of points in the plane (tokens), joined in order. Colour and shape are the label: ${m.classes.join(', ')}. The goal: one transformer that sends every sequence to its own label, exactly.`,
    },
    {
      title: 'What hardmax attention does',
      layer: before,
      text: `Each token looks at the tokens of its own sequence and picks the one furthest along a direction w: the leader (ties are averaged). Then it moves toward its leader.`,
      focus: m.seqStarts[asked],
      ask: {
        prompt: `Which token will the tokens of sequence ${name(asked)} (drawn bold) attend to? Click it.`,
        reveal: before,
        check: (click) => {
          const leads = leadersAlongW(m, before, asked);
          const lead = leads[0] ?? -1;
          const j = h.nearestToken(click, HIT_PX);
          const right = j >= 0 && leads.some((l) => h.samePoint(j, l));
          return {
            right,
            why: right
              ? `Right: that token is furthest along w among the tokens of ${name(asked)}, so it is the leader.`
              : `Not that one: the leader is the token of ${name(asked)} furthest along w (now marked).`,
            mark: lead,
          };
        },
      },
    },
    {
      title: 'Why a shared leader is a problem',
      layer: sep.first - 1,
      text: 'Sequences whose leaders are the same point get the same attention output. If their labels differ, every later layer treats them alike: they cannot end at different answers. They are in conflict.',
      ask: {
        prompt: 'Click a token of a sequence that is in conflict with another one.',
        reveal: splitLayer,
        check: (click) => {
          const named = h.mentioned(splitLayer);
          const j = h.nearestToken(click, HIT_PX);
          const q = j >= 0 ? m.tokenSeq[j] : -1;
          const right = named.includes(q);
          const pair = named.map(name).join(' and ');
          return {
            right,
            why: right
              ? `Right: ${name(q)} shares its leader with a sequence of another label (${pair}).`
              : `${q >= 0 ? `${name(q)} is not in conflict here` : 'That is not a token'}: ${pair} share a leader but not their labels.`,
            mark: named.length ? m.seqStarts[named[0]] : -1,
          };
        },
      },
    },
    splitStep(m, splitLayer),
    {
      title: 'The collapse',
      layer: col.last,
      text: 'With every conflict gone, one attention layer puts each token exactly on its leader: every sequence is now a single point, and sequences with different labels are different points.',
    },
    {
      title: 'Label runs',
      layer: lab.last - 1,
      text: `Tents (feed-forward bumps) along a direction u move each point, or run of neighbouring points of one class, along e to its class code. A tent only moves tokens inside its slab. Runs here: ${r.runs}.`,
    },
    {
      title: 'Where does it end?',
      layer: lab.last,
      text: 'The rings are the anchors: one per class, where the last layer sends that class.',
      focus: m.seqStarts[asked],
      ask: {
        prompt: `Where will sequence ${name(asked)} (drawn bold) end? Click the anchor it will land on.`,
        reveal: m.L,
        check: (click) => {
          const c = h.nearestAnchor(click);
          const right = c === m.sequences[asked].label;
          return {
            right,
            why: right
              ? `Right: ${name(asked)} is labelled ${askedClass}, and the snap sends every ${askedClass} token to the ${askedClass} anchor.`
              : `No: ${name(asked)} is labelled ${askedClass}; it lands on the ${askedClass} anchor.`,
          };
        },
      },
    },
    {
      title: 'The snap',
      layer: m.L,
      text: `One feed-forward layer sends every token of each class onto its anchor: ${r.correct} of ${r.total} sequences classified exactly, with no training.`,
    },
    {
      title: 'Counting',
      layer: m.L,
      text: `This data took ${r.blocks} blocks; the theorem's bound is 4N+1 = ${r.paper_blocks} for N = ${r.sequences} sequences. Parameters: ${r.params}, a small constant times N·d = ${r.n_times_d}, never depending on how long the sequences are.`,
    },
    {
      // Its own data: a step with `preset` plays that preset, `layer: 'last'` is its last state
      // and `text` reads that model's numbers.
      title: 'Sequence to sequence',
      preset: INTERPOLATION_PRESET,
      layer: 'last',
      text: (pm) => {
        const q = pm.report;
        if (pm.task !== 'interpolate') return 'The same construction maps sequences onto sequences.';
        return `Classification is the case m = 1 of a larger theorem: a transformer can send each sequence's last m tokens (its read tokens) exactly onto given target points (diamonds). Here ${q.sequences} paths read ${q.sum_m} tokens. Normalize and separate are the same; then a park layer lifts every token above all targets, and place tents move each read token, the topmost first, straight onto its target, below every later tent's slab. ${q.correct} of ${q.total} read tokens land on target (worst error ${q.max_target_error.toExponential(1)}) with ${q.blocks} blocks; the paper's count is 2Σm+2N+1 = ${q.paper_blocks}.`;
      },
    },
    {
      title: 'Your turn',
      layer: m.L,
      text: 'Pick another preset, import a file or draw your own data, and play it. (Press Escape or “Leave the tour”; the tour resumes where you left it.)',
    },
  ];
}

/**
 * The tokens of sequence q furthest along w in a state (ties: all of them), by the definition
 * of the leader, from the drawn positions and the drawn direction w (exact for 2D data).
 */
function leadersAlongW(m, state, q) {
  const w = m.directions?.w;
  if (!w) return [];
  const p = m.at(state), base = 0;
  let best = -Infinity, out = [];
  for (let i = m.seqStarts[q]; i < m.seqStarts[q + 1]; i++) {
    const s = p[base + 2 * i] * w[0] + p[base + 2 * i + 1] * w[1];
    if (s > best + 1e-6) (best = s), (out = [i]);
    else if (Math.abs(s - best) <= 1e-6) out.push(i);
  }
  return out;
}

export class Lesson {
  /**
   * @param host     the element the lesson panel goes before (the caption)
   * @param canvas   the main canvas (answers are clicks on it)
   * @param app      { model(), state, loadPreset(name), seek(k), layer(), renderer, mentioned(k),
   *                   pin(token), wroteState() }
   */
  constructor({ host, canvas, app }) {
    this.app = app;
    this.canvas = canvas;
    this.step = 0; // 1-based while the tour runs, 0 when it does not
    this.resume = 1;
    this.list = [];
    this.answer = null; // { right, why } once the current question was answered
    this.panel = buildPanel();
    host.before(this.panel.root);
    this.panel.back.addEventListener('click', () => this.go(this.step - 1));
    this.panel.next.addEventListener('click', () => (this.step >= this.list.length ? this.leave() : this.go(this.step + 1)));
    this.panel.leave.addEventListener('click', () => this.leave());
    canvas.addEventListener('click', (e) => this.onClick(e), true);
  }

  get active() {
    return this.step > 0;
  }

  /** { step, steps } while the tour runs, else null. */
  get status() {
    return this.active ? { step: this.step, steps: this.list.length } : null;
  }

  /** Starts the tour (at the step it was left at) or goes to step k (1-based). */
  async go(k = this.resume) {
    const app = this.app;
    // The steps are written for the tour's data; a step with its own preset (interpolation)
    // keeps the list built from it.
    const onStepPreset = this.list.length && app.state.preset === INTERPOLATION_PRESET && app.model()?.report;
    if (!onStepPreset && (!app.model() || app.state.preset !== TOUR_PRESET || app.model().report === null)) await app.loadPreset(TOUR_PRESET);
    if (app.state.preset === TOUR_PRESET && app.model()) this.list = steps(app.model(), this.helpers());
    if (!this.list.length) return;
    const step = Math.min(this.list.length, Math.max(1, Math.round(Number(k)) || 1));
    const want = this.list[step - 1].preset ?? TOUR_PRESET;
    if (app.state.preset !== want) await app.loadPreset(want);
    const m = app.model();
    if (!m) return;
    this.step = step;
    this.resume = step;
    this.answer = null;
    document.body.classList.add('touring');
    app.state.lesson = step;
    app.wroteState();
    const layer = this.list[step - 1].layer;
    await app.seek(layer === 'last' ? m.L : layer);
    app.pin(this.list[step - 1].focus ?? -1);
    this.render();
  }

  /** Leaves the tour (the link forgets the step; "Take the tour" resumes it). */
  leave() {
    if (!this.active) return false;
    this.step = 0;
    this.panel.root.hidden = true;
    document.body.classList.remove('touring');
    this.app.state.lesson = 0;
    this.app.wroteState();
    return true;
  }

  /** Keys while touring: next and back (arrows, PageUp/PageDown). Returns false when not touring. */
  key(dir) {
    if (!this.active) return false;
    this.go(this.step + dir);
    return true;
  }

  helpers() {
    const app = this.app;
    const r = () => app.renderer;
    return {
      nearestToken: ([px, py], maxPx) => r().hitTest(px, py, maxPx),
      samePoint: (i, j) => {
        const [xi, yi] = r().screenOf(i), [xj, yj] = r().screenOf(j);
        return Math.hypot(xi - xj, yi - yj) < 0.5;
      },
      nearestAnchor: ([px, py]) => {
        const a = app.model().anchors;
        let best = -1, bestD = Infinity;
        for (let c = 0; 2 * c + 1 < a.length; c++) {
          const [sx, sy] = r().toScreen(a[2 * c], a[2 * c + 1]);
          const d = Math.hypot(sx - px, sy - py);
          if (d < bestD) (bestD = d), (best = c);
        }
        return best;
      },
      mentioned: (k) => app.mentioned(k),
    };
  }

  /** A click on the canvas answers the open question (and does nothing else then). */
  onClick(e) {
    const s = this.active ? this.list[this.step - 1] : null;
    if (!s?.ask || this.answer) return;
    e.stopImmediatePropagation();
    const rect = this.canvas.getBoundingClientRect();
    const answer = s.ask.check([e.clientX - rect.left, e.clientY - rect.top]);
    this.answer = answer;
    this.render();
    // Reveal: show what happens, with the token the question was about pinned.
    Promise.resolve(this.app.seek(s.ask.reveal)).then(() => {
      if (answer.mark >= 0) this.app.pin(answer.mark);
    });
  }

  render() {
    const p = this.panel;
    const s = this.list[this.step - 1];
    p.root.hidden = false;
    p.progress.textContent = `Step ${this.step} of ${this.list.length}`;
    p.bar.value = this.step;
    p.bar.max = this.list.length;
    p.title.textContent = s.title;
    p.text.textContent = typeof s.text === 'function' ? s.text(this.app.model()) : s.text;
    p.prompt.hidden = !s.ask;
    p.prompt.textContent = s.ask ? s.ask.prompt : '';
    p.feedback.hidden = !this.answer;
    p.feedback.className = `lesson-feedback ${this.answer?.right ? 'right' : 'wrong'}`;
    p.feedback.textContent = this.answer ? this.answer.why : '';
    p.back.disabled = this.step <= 1;
    p.next.textContent = this.step >= this.list.length ? 'Finish' : s.ask && !this.answer ? 'Skip the question' : 'Next';
    p.root.dataset.asking = s.ask && !this.answer ? '1' : '0';
  }
}

function buildPanel() {
  const el = (tag, cls, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text) e.textContent = text;
    return e;
  };
  const root = el('section', 'lesson');
  root.id = 'lesson';
  root.hidden = true;
  root.setAttribute('aria-label', 'guided tour');
  const head = el('div', 'lesson-head');
  const progress = el('span', 'lesson-progress');
  progress.id = 'lesson-progress';
  const bar = el('progress', 'lesson-bar');
  bar.setAttribute('aria-label', 'tour progress');
  const title = el('h2', 'lesson-title');
  head.append(progress, bar);
  const live = el('div', 'lesson-live');
  live.setAttribute('aria-live', 'polite');
  const text = el('p', 'lesson-text');
  text.id = 'lesson-text';
  const prompt = el('p', 'lesson-prompt');
  prompt.id = 'lesson-prompt';
  const feedback = el('p', 'lesson-feedback');
  feedback.id = 'lesson-feedback';
  live.append(title, text, prompt, feedback);
  const nav = el('div', 'lesson-nav');
  const back = el('button', null, 'Back');
  back.type = 'button';
  back.id = 'lesson-back';
  back.setAttribute('aria-keyshortcuts', 'ArrowLeft PageUp');
  const next = el('button', 'primary', 'Next');
  next.type = 'button';
  next.id = 'lesson-next';
  next.setAttribute('aria-keyshortcuts', 'ArrowRight PageDown');
  const leave = el('button', null, 'Leave the tour');
  leave.type = 'button';
  leave.id = 'lesson-leave';
  nav.append(back, next, leave);
  root.append(head, live, nav);
  return { root, progress, bar, title, text, prompt, feedback, back, next, leave };
}
