// Playback on the page: the Player (player.js) driven by animation frames, the transport
// buttons (reset, back, play/pause, forward, end, speed), and promises that resolve once a
// state has been drawn. What a frame looks like is someone else's job: `draw(frame)`.

import { Player } from './player.js';
import { SPEEDS } from './state.js';

export class Playback {
  /**
   * @param els     { play, back, fwd, reset, end, speed, skip?, stagePause? } transport elements
   *                (skip: "skip identity layers when playing"; stagePause: "pause at each stage")
   * @param draw    draws one playback frame { a, b, f } (called at most once per animation frame)
   * @param canMove whether there is something to play (a built model, not drawing)
   * @param onSpeed called with the new speed when the speed control changes
   */
  constructor({ els, draw, canMove, onSpeed }) {
    const reduced = window.matchMedia?.('(prefers-reduced-motion: reduce)');
    this.player = new Player({ reducedMotion: Boolean(reduced?.matches) });
    reduced?.addEventListener?.('change', (e) => (this.player.reducedMotion = e.matches));
    this.els = els;
    this.draw = draw;
    this.canMove = canMove;
    this.rafPending = false;
    this.waiters = [];
    this.onFrame = this.onFrame.bind(this);

    els.play.addEventListener('click', () => this.toggle());
    els.back.addEventListener('click', () => this.step(-1));
    els.fwd.addEventListener('click', () => this.step(1));
    els.reset.addEventListener('click', () => this.home());
    els.end.addEventListener('click', () => this.end());
    if (els.skip) {
      els.skip.checked = this.player.skipIdentity;
      els.skip.addEventListener('change', (e) => (this.player.skipIdentity = e.target.checked));
    }
    if (els.stagePause) {
      els.stagePause.checked = this.player.pauseAtStage;
      els.stagePause.addEventListener('change', (e) => (this.player.pauseAtStage = e.target.checked));
    }
    els.speed.addEventListener('change', (e) => {
      const v = Number(e.target.value);
      this.speed = SPEEDS.includes(v) ? v : 1;
      onSpeed(this.speed);
    });
  }

  /** The time playback runs on (tests freeze and advance it). */
  get clock() {
    return this.player.clock;
  }

  /** The state shown, or being tweened to. */
  get layer() {
    return this.player.layer;
  }

  get playing() {
    return this.player.playing;
  }

  get speed() {
    return this.player.speed;
  }

  set speed(v) {
    this.player.speed = v;
  }

  /** A new model of L layers: stops, and shows state `layer` (clamped); `plan` paces it (planOf). */
  reset(L, layer, plan = null) {
    this.player.pause();
    this.player.plan = plan;
    this.player.setLength(L);
    this.player.jump(Math.min(layer, L));
  }

  play() {
    if (!this.canMove()) return;
    this.player.play();
    this.updatePlayButton();
    this.requestDraw();
  }

  pause() {
    this.player.pause();
    this.updatePlayButton();
    this.requestDraw();
  }

  toggle() {
    if (this.player.playing) this.pause();
    else this.play();
  }

  step(dir) {
    if (!this.canMove()) return;
    this.player.pause();
    this.player.step(dir);
    this.updatePlayButton();
    this.requestDraw();
  }

  /** Jumps to state k (no tween) and draws it now. */
  seek(k) {
    if (this.canMove()) this.player.jump(k);
    this.drawNow();
  }

  home() {
    this.pause();
    this.seek(0);
  }

  end() {
    this.pause();
    this.seek(this.player.L);
  }

  /** Jumps to state k; resolves once that state has been drawn. */
  goto(k) {
    const done = new Promise((resolve) => this.waiters.push(resolve));
    this.pause();
    this.seek(Number(k) || 0);
    return done;
  }

  requestDraw() {
    if (this.rafPending) return;
    this.rafPending = true;
    requestAnimationFrame(this.onFrame);
  }

  onFrame() {
    this.rafPending = false;
    this.drawNow();
  }

  /** Draws the current frame immediately (jumps, resizes, a moved clock) and resolves goto waiters. */
  drawNow() {
    const fr = this.player.tick();
    if (this.els.play.classList.contains('playing') !== this.player.playing) this.updatePlayButton();
    this.draw(fr);
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
    if (fr.active) this.requestDraw();
  }

  updatePlayButton() {
    const b = this.els.play;
    const playing = this.player.playing;
    b.querySelector('path').setAttribute('d', playing ? 'M3.5 2.5h3v11h-3zM9.5 2.5h3v11h-3z' : 'M4 2.5v11L13 8z');
    b.setAttribute('aria-label', playing ? 'pause (Space)' : 'play (Space)');
    b.classList.toggle('playing', playing);
  }
}
