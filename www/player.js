// Playback: which two states the screen blends and how far, over time. "Fast but smooth
// transitions with a pause in between": each layer is a short ease-in-out tween followed
// by a pause; with prefers-reduced-motion the tween is skipped (states just switch).

export const TWEEN_MS = 650;
export const PAUSE_MS = 450;

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
  }

  setLength(L) {
    this.L = L;
    this.jump(Math.min(this.to, L));
  }

  get layer() {
    return this.to;
  }

  tweenMs() {
    return this.reducedMotion ? 0 : TWEEN_MS / this.speed;
  }

  /** Jumps to a state with no tween (scrubbing, goto, reset). */
  jump(k) {
    this.from = this.to = clamp(k, 0, this.L);
    this.phase = this.playing ? 'pause' : 'idle';
    this.pauseUntil = this.clock.now() + PAUSE_MS / this.speed;
  }

  /** Steps one state forward or back, tweened. */
  step(dir) {
    const k = clamp(this.to + dir, 0, this.L);
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
      this.pauseUntil = t + PAUSE_MS / this.speed;
    }
    if (this.phase === 'pause') {
      if (this.to >= this.L) {
        this.playing = false;
        this.phase = 'idle';
      } else if (t >= this.pauseUntil) {
        this.step(1);
        return this.tick(t);
      }
    }
    return { a: this.to, b: this.to, f: 0, active: this.phase !== 'idle' };
  }
}

function clamp(x, lo, hi) {
  return Math.min(hi, Math.max(lo, x | 0));
}
