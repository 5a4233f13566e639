// The automation hook, window.hardmax: what tests, demos and the console use to drive and
// read the page. Everything but `app` is a contract:
//
//   state()        a snapshot: ready, task ('classify' | 'interpolate': the model shown, else
//                  the task chosen), layer, layers, stage, correct, total, playing, error,
//                  preset, drawing, tokens, drawn (markers in the last frame), webgl (whether
//                  they went to the WebGL2 layer), softmax { on, beta, correct }, blocks (of the
//                  model shown), width (hidden neurons per feed-forward layer it was built under;
//                  the state's while none is), busy (a construction runs in the worker),
//                  progress (0..1 of it), building (its stage, '' when idle)
//   goto(k)        jumps to state k; resolves to state() once it has been drawn
//   load(x)        builds a preset (by name) or a dataset object; resolves to state() once the
//                  worker has finished (a cancelled or superseded build resolves too)
//   cancel()       stops the construction in progress (the model shown stays)
//   test(x)        runs the built model on held-out data (x a dataset object, labels optional,
//                  or { text, format }); resolves to the engine's summary { correct, total,
//                  labeled, accuracy, predictions, wrong, unknownClasses, unknownCount } (also
//                  shown in the Held-out panel), rejects with a named error (shown there too)
//   heldOut()      { result, source, shown: { index, name, label, predicted } | null, drawn:
//                  { a, b, f, tokens: [{ x, y }] } as last drawn (view coordinates), error }
//   showHeldOut(i) draws held-out sequence i of the last run; resolves to heldOut()
//   lesson(k)      goes to step k of the guided tour (starting it); resolves to state(), whose
//                  lesson is { step, steps } while touring (else null); present: presenter mode
//   play(), pause()
//   frame(k)       state k as drawn: { state, stage, counter, caption, tokens: [{ seq, name,
//                  index, label, x, y }], anchors: [{ label, x, y }], anchorsDrawn, anchorsFaint,
//                  box, highlighted (names the caption highlights), copies (after a split's
//                  slide: the shared token's copy per sequence { seq, name, x, y, from }),
//                  counts (coincident tokens { x, y, tokens, sequences, text }), legend
//                  ([{ key, text }] of the marks on screen), overlays, tentLayer, softmax (bool),
//                  softmaxTokens, failing (names softmax gets wrong), softmaxCaption } in view
//                  coordinates (the numbers the canvas maps to pixels)
//   clock          playback time: freeze(), advance(ms) (draws, returns state()), release(),
//                  frame() -> { a, b, f } the screen blends at the current time,
//                  timing(k) -> { tween, pause, identity, next } pacing of state k
//   app            the page's parts, for debugging in the console (not a contract)

/**
 * @param app the composition root: { ready, state, model, playback, errors, draft, controls,
 *            view, loadPreset(name), loadDataset(dataset) }
 */
export function installHook(app) {
  const state = () => snapshot(app);
  const playback = app.playback;
  window.hardmax = {
    state,
    goto: (k) => (app.model ? playback.goto(k).then(state) : Promise.reject(new Error('no model yet'))),
    load: (x) => (typeof x === 'string' ? app.loadPreset(x) : app.loadDataset(x)).then(state),
    cancel: () => app.loader.cancel(),
    lesson: (k) => app.lesson.go(k).then(state),
    test: (x) => app.heldOut.run(x),
    heldOut: () => app.heldOut.snapshot(),
    showHeldOut: (i) => app.heldOut.show(i),
    play: () => playback.play(),
    pause: () => playback.pause(),
    frame: (k) => app.view.frame(k),
    clock: {
      freeze: () => playback.clock.freeze(),
      advance: (ms) => {
        playback.clock.advance(ms);
        playback.drawNow();
        return state();
      },
      release: () => {
        playback.clock.release();
        playback.requestDraw();
      },
      frame: () => {
        const { a, b, f } = playback.player.tick();
        return { a, b, f };
      },
      /** Pacing of state k at the current speed: { tween, pause } in ms, identity, next stop. */
      timing: (k) => {
        const p = playback.player;
        return { tween: p.tweenFor(k), pause: p.pauseFor(k), identity: p.isIdentity(k), next: p.nextStop(k) };
      },
    },
    app,
  };
}

function snapshot(app) {
  const m = app.model;
  const r = m?.report;
  const sm = app.controls.softmax;
  const work = app.loader.progress;
  return {
    busy: work.busy,
    progress: work.busy ? work.fraction : 1,
    building: work.busy ? work.stage : '',
    task: m ? m.task : app.state.task,
    lesson: app.lesson ? app.lesson.status : null,
    present: document.body.classList.contains('presenting'),
    ready: app.ready,
    layer: app.playback.layer,
    layers: m ? m.L : 0,
    stage: m ? m.stageOf(app.playback.layer) : null,
    blocks: r ? r.blocks : 0,
    width: m?.maxWidth ?? app.state.width,
    correct: r ? r.correct : 0,
    total: r ? r.total : 0,
    playing: app.playback.playing,
    error: app.errors.message,
    preset: app.state.preset,
    drawing: app.draft.active,
    tokens: m ? m.T : 0,
    drawn: app.view.renderer.drawn,
    webgl: app.view.renderer.usedGl,
    softmax: {
      on: Boolean(app.state.softmax),
      beta: app.state.beta,
      correct: sm ? sm.correct : null,
    },
  };
}
