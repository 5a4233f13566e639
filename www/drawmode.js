// Draw mode on the page: entering it (continuing from the current 2D data, in its own
// view), the draw panel's buttons, clicks on the canvas, constructing the drawing (by hand
// or automatically after a pause), and leaving it. The draft itself lives in draft.js.

const AUTO_CONSTRUCT_MS = 400;
const INTRO =
  'Click to add a token to the current sequence; click near a token to share it. The construction re-runs as you draw; stop drawing to play it.';

const INTRO_TARGETS =
  'Targets mode: click to add a target ◇ to the current sequence (click near a token to reuse its point). Its last m tokens will land on its m targets, in order. Press “add targets ◇” again to go back to adding tokens.';

const FAILED =
  'This drawing cannot be built as it is — the message above says why and, when an option fixes it, offers a button. You are still drawing: change a label, move a token, or use that button.';

export class DrawMode {
  /**
   * @param draft     the Draft being drawn
   * @param els       { toggle, panel, badge, auto, newSeq, targets, undo, remove, clear, construct,
   *                    capStage, capCounter, capText } elements of the draw panel and caption
   * @param renderer  the main canvas's Renderer (hit tests, screen to data)
   * @param model     () => the built model, or null
   * @param playback  the Playback (paused and rewound when drawing starts)
   * @param inspector the token Inspector (unpinned when drawing starts)
   * @param view      the View (told to re-announce its state when drawing stops)
   * @param build     (dataset) => Promise: constructs a drawn dataset, staying in draw mode
   * @param say       { error(message), note(message) }
   */
  constructor({ draft, els, renderer, model, playback, inspector, view, build, say }) {
    Object.assign(this, { draft, els, renderer, model, playback, inspector, view, build, say });
    this.timer = 0;
    els.toggle.addEventListener('click', () => (draft.active ? this.leave() : this.enter()));
    els.newSeq.addEventListener('click', () => draft.newSequence());
    els.targets.addEventListener('click', () => {
      if (!draft.active) this.enter();
      draft.setTargets(!draft.targets);
      this.syncUi();
    });
    els.undo.addEventListener('click', () => draft.deleteLastToken());
    els.remove.addEventListener('click', () => draft.deleteSequence());
    els.clear.addEventListener('click', () => draft.clear());
    els.construct.addEventListener('click', () => this.construct());
  }

  get active() {
    return this.draft.active;
  }

  /** Starts drawing, from the current data when it is 2D (in its input view: nothing moves). */
  enter() {
    if (this.draft.active) return;
    this.playback.pause();
    const m = this.model();
    let dataset = null, box = null;
    if (m && m.report.dim === 2 && m.built) {
      try {
        const ds = m.datasetNow();
        if (ds && ds.sequences.every((s) => s.tokens.every((t) => t.length === 2))) {
          dataset = ds;
          box = m.fitBox(0);
        }
      } catch (err) {
        console.warn('hardmax: could not read the dataset for drawing', err);
      }
    }
    if (m && !dataset) this.say.note(`The current data has d = ${m.report.dim}; drawing starts a new 2D dataset.`);
    if (m) this.playback.player.jump(0);
    this.inspector.pinned = -1;
    this.inspector.renderPinned();
    this.draft.enter(dataset, box);
    if (box) this.draft.box = box; // the input's own view: nothing moves when drawing starts
    this.syncUi();
    this.playback.drawNow();
  }

  /** Stops drawing; the built model is shown again (saying so when the drawing was not built). */
  leave() {
    if (!this.draft.active) return;
    if (this.failed) this.say.note('Your drawing was not built (see the message above); the canvas shows the last data that was built.');
    this.failed = false;
    this.draft.leave();
    clearTimeout(this.timer);
    this.syncUi();
    this.inspector.clearHover();
    this.view.invalidate();
    this.playback.drawNow();
  }

  /** A canvas click while drawing: adds a token (Shift-click on a token selects its sequence). */
  click(px, py, shift) {
    const hit = this.renderer.hitTest(px, py, 8);
    if (shift && hit >= 0) this.draft.select(this.draft.model.tokenSeq[hit]);
    else this.draft.addAt(px, py, this.renderer);
  }

  /** After every edit of the draft: redraw, and construct after a pause when "auto" is on. */
  onDraftChange({ construct }) {
    this.playback.drawNow();
    clearTimeout(this.timer);
    if (construct && this.els.auto.checked) this.timer = setTimeout(() => this.construct(), AUTO_CONSTRUCT_MS);
  }

  /** Constructs the drawing (resolves either way; a failure shows in the error box). */
  construct() {
    clearTimeout(this.timer);
    const hint = this.draft.readiness();
    if (hint) {
      this.say.error(`Nothing to construct yet: ${hint}.`);
      return Promise.resolve();
    }
    const ds = JSON.parse(JSON.stringify(this.draft.dataset()));
    return this.build(ds).then(
      () => {
        this.failed = false;
        this.markStats();
        this.playback.drawNow();
      },
      () => {
        // Stay in draw mode: the drawing, the error and its fix button stay on screen.
        this.failed = true;
        if (this.draft.active) this.els.capText.textContent = FAILED;
        this.markStats();
      },
    );
  }

  /** The results panel says whose results it shows while a drawing is not built. */
  markStats() {
    const stats = document.getElementById('stats');
    if (!stats) return;
    stats.querySelector('.draw-stale')?.remove();
    if (!this.draft.active || !this.failed) return;
    const p = document.createElement('p');
    p.className = 'note warn draw-stale';
    p.textContent = 'Your drawing is not built: the results below are those of the last data that was built.';
    stats.prepend(p);
  }

  syncUi() {
    const on = this.draft.active;
    this.markStats();
    const { els } = this;
    els.toggle.textContent = on ? 'stop drawing' : 'start drawing';
    els.toggle.setAttribute('aria-pressed', String(on));
    els.targets.setAttribute('aria-pressed', String(on && this.draft.targets));
    document.body.classList.toggle('drawing', on);
    els.badge.hidden = !on;
    if (!on) return;
    els.panel.open = true;
    els.capStage.textContent = 'draw';
    els.capStage.style.background = '#ddd';
    els.capCounter.textContent = 'input coordinates';
    els.capText.textContent = this.draft.targets ? INTRO_TARGETS : INTRO;
  }
}
