// Playback: which two states the screen blends and how far, over time. "Fast but smooth
// transitions with a pause in between": each layer is a short ease-in-out tween followed
// by a pause; with prefers-reduced-motion the tween is skipped (states just switch).
//
// Pacing follows a plan of the model (planOf): a tween lasts longer when more tokens move,
// the pause after a state lasts long enough to read its caption. While playing, layers
// where nothing moves are skipped (skipIdentity, on by default; stepping never skips), and
// playback can stop at the end of each stage (pauseAtStage).

export const TWEEN_MS = 650;
export const PAUSE_MS = 450;
/** Reading time per caption word, at 1× (about 330 words a minute). */
export const WORD_MS = 180;
/** The longest pause after a state, at 1×. */
export const PAUSE_MAX_MS = 8000;

/**
 * The pacing plan of a model: per state k, the fraction of drawn tokens that move from
 * state k-1 (0 for an identity layer), the caption's word count and the stage.
 * @param model   the built model ({ L, T, store (positions.js), stageOf(k) })
 * @param caption (k) => the caption text of state k
 */
export function planOf(model, caption) {
  const L = model.L, T = model.T;
  const moved = new Float64Array(L + 1);
  const words = new Uint16Array(L + 1);
  const stage = [];
  for (let k = 0; k <= L; k++) {
    stage.push(model.stageOf(k));
    words[k] = Math.min(65535, String(caption(k) || '').split(/\s+/).filter(Boolean).length);
    if (k === 0) continue;
    moved[k] = T ? model.store.movedBy(k) / T : 0;
  }
  return { moved, words, stage };
}

export function easeInOut(t) {
  return t < 0.5 ? 4 * t * t * t : 1 - Math.pow(-2 * t + 2, 3) / 2;
}

/**
 * The time playback runs on. Normally the page's clock; tests and demos freeze it and advance
 * it by hand (`window.hardmax.clock`), so what a test reads never depends on how fast the
 * machine is.
 */
export class Clock {
  constructor() {
    this.frozenAt = null;
  }

  now() {
    return this.frozenAt ?? performance.now();
  }

  get frozen() {
    return this.frozenAt !== null;
  }

  /** Stops time where it is (or at `t`). */
  freeze(t = this.now()) {
    this.frozenAt = t;
  }

  /** Moves frozen time forward by `ms` (freezing it first if it runs). */
  advance(ms) {
    this.frozenAt = this.now() + Math.max(0, Number(ms) || 0);
  }

  /** Lets time run again. */
  release() {
    this.frozenAt = null;
  }
}

export class Player {
  constructor({ reducedMotion = false, clock = new Clock() } = {}) {
    this.clock = clock;
    this.reducedMotion = reducedMotion;
    this.L = 0;
    this.from = 0; // the state the current tween leaves
    this.to = 0; // the state shown (or being tweened to)
    this.t0 = 0; // when the current tween started
    this.phase = 'idle'; // idle | tween | pause
    this.playing = false;
    this.speed = 1;
    this.pauseUntil = 0;
    this.plan = null; // planOf(model): what moves and how much there is to read, per state
    this.skipIdentity = true; // while playing, layers where nothing moves are passed over
    this.pauseAtStage = false; // while playing, stop at the last state of each stage
  }

  /** Whether state k changes nothing on screen (an identity layer). */
  isIdentity(k) {
    return Boolean(this.plan && k > 0 && k <= this.L && this.plan.moved[k] === 0);
  }

  /** The next state playing shows after state k (identity layers skipped when asked). */
  nextStop(k) {
    let j = k + 1;
    if (this.skipIdentity) while (j < this.L && this.isIdentity(j)) j++;
    return Math.min(j, this.L);
  }

  /** Whether playing past state k would leave its stage. */
  endsStage(k) {
    const st = this.plan?.stage;
    return Boolean(st && k < this.L && st[this.nextStop(k)] !== st[k]);
  }

  /** Milliseconds of the tween into state k (more tokens moving: a longer tween). */
  tweenFor(k) {
    if (this.reducedMotion) return 0;
    const moved = this.plan ? this.plan.moved[k] ?? 1 : 1;
    const scale = this.plan ? (moved > 0 ? 0.7 + 0.6 * Math.sqrt(moved) : 0.4) : 1;
    return (TWEEN_MS * scale) / this.speed;
  }

  /** Milliseconds of the pause after state k: long enough to read its caption. */
  pauseFor(k) {
    const words = this.plan ? this.plan.words[k] ?? 0 : 0;
    return Math.min(PAUSE_MAX_MS, PAUSE_MS + WORD_MS * words) / this.speed;
  }

  setLength(L) {
    this.L = L;
    this.jump(Math.min(this.to, L));
  }

  get layer() {
    return this.to;
  }

  tweenMs() {
    return this.tweenFor(this.to);
  }

  /** Jumps to a state with no tween (scrubbing, goto, reset). */
  jump(k) {
    this.from = this.to = clamp(k, 0, this.L);
    this.phase = this.playing ? 'pause' : 'idle';
    this.pauseUntil = this.clock.now() + this.pauseFor(this.to);
  }

  /** Steps one state forward or back, tweened (or to state `to` when given). */
  step(dir, to = this.to + dir) {
    const k = clamp(to, 0, this.L);
    if (k === this.to) return;
    this.from = this.to;
    this.to = k;
    this.t0 = this.clock.now();
    this.phase = 'tween';
  }

  play() {
    if (this.L === 0) return;
    if (this.to >= this.L) this.jump(0);
    this.playing = true;
    if (this.phase === 'idle') {
      this.phase = 'pause';
      this.pauseUntil = 0;
    }
  }

  pause() {
    this.playing = false;
    if (this.phase === 'pause') this.phase = 'idle';
  }

  /**
   * Advances time; returns { a, b, f, active } where the screen shows state a blended
   * toward state b by the eased fraction f, and `active` tells whether another animation
   * frame is needed.
   */
  tick(t = this.clock.now()) {
    if (this.phase === 'tween') {
      const d = this.tweenMs();
      const p = d > 0 ? (t - this.t0) / d : 1;
      if (p < 1) return { a: this.from, b: this.to, f: easeInOut(Math.max(0, p)), active: true };
      this.from = this.to;
      this.phase = this.playing ? 'pause' : 'idle';
      this.pauseUntil = this.t0 + d + this.pauseFor(this.to);
    }
    if (this.phase === 'pause') {
      if (this.to >= this.L) {
        this.playing = false;
        this.phase = 'idle';
      } else if (t >= this.pauseUntil) {
        if (this.pauseAtStage && this.endsStage(this.to) && this.pauseUntil > 0) {
          this.playing = false;
          this.phase = 'idle';
          this.stoppedAtStage = this.to;
        } else {
          const start = this.pauseUntil > 0 ? Math.min(t, this.pauseUntil) : t;
          this.step(1, this.nextStop(this.to));
          this.t0 = start;
          return this.tick(t);
        }
      }
    }
    return { a: this.to, b: this.to, f: 0, active: this.phase !== 'idle' };
  }
}

function clamp(x, lo, hi) {
  return Math.min(hi, Math.max(lo, x | 0));
}
