// Loading: turning a source (a preset, a file's text, a dataset object, the data in the
// link) into a built model with the current options. One construction at a time counts: a
// newer request supersedes an older one. On failure the error is shown, the previous model
// stays, and the controls go back to what that model was built with.

import { engineOptions, decodeData, PRESETS, DATA_CAP } from './state.js';
import { readDataFile } from './io.js';
import { messageOf } from './util.js';

/** A construction that runs longer than this shows its progress and a Cancel button. */
const SHOW_PROGRESS_MS = 300;

/** The state keys a model is built from (a change of any of them means a new construction). */
const BUILD_KEYS = ['preset', 'task', 'seed', 'cseed', 'pos', 'lift', 'collapse', 'labeling', 'width', 'data'];

export class Loader {
  /**
   * @param state    the page state (read for options, updated with what was built)
   * @param busy     { box, stage, bar, cancel }: the progress note, its stage text, its bar, Cancel
   * @param errors   { show(message), hide() }
   * @param note     shows a sentence about the link (custom data in it, or why not)
   * @param onBuilt  (model, layer) => shows a new model at a state
   * @param onFailed called after a failed construction restored the state (sync the controls)
   * @param onLinked called once custom data has been put into the state (write the URL)
   */
  constructor({ state, busy, errors, note, onBuilt, onFailed, onLinked }) {
    Object.assign(this, { state, busy, errors, note, onBuilt, onFailed, onLinked });
    this.engine = null;
    this.model = null;
    this.source = null; // what the model was built from: {kind:'preset'|'dataset'|'text', ...}
    this.pendingSource = null; // what the last failed construction was given
    this.builtState = null;
    this.generation = 0;
    this.progress = { busy: false, fraction: 0, stage: '' };
    this.busy.cancel.addEventListener('click', () => this.cancel());
  }

  /** Stops the construction in progress; the model shown stays. */
  cancel() {
    if (this.progress.busy) this.engine?.cancel();
  }

  /** Progress of the construction in progress (shown once it has run SHOW_PROGRESS_MS). */
  setProgress({ stage, fraction }) {
    this.progress.stage = stage;
    this.progress.fraction = fraction;
    this.busy.stage.textContent = stage;
    this.busy.bar.value = fraction;
  }

  setBusy(on) {
    this.progress.busy = on;
    clearTimeout(this.showTimer);
    if (on) {
      this.setProgress({ stage: 'starting', fraction: 0 });
      this.showTimer = setTimeout(() => (this.busy.box.hidden = false), SHOW_PROGRESS_MS);
    } else {
      this.progress.fraction = 1;
      this.busy.box.hidden = true;
    }
  }

  /** Whether going from state `prev` to `next` needs a new construction. */
  needsBuild(prev, next) {
    return !this.model || BUILD_KEYS.some((k) => next[k] !== prev[k]);
  }

  /** The source a state describes: a preset, or the custom data carried in the link. */
  async sourceOf(state) {
    if (state.preset !== 'custom') return { kind: 'preset', name: state.preset, seed: state.seed };
    try {
      return { kind: 'dataset', dataset: await decodeData(state.data) };
    } catch (err) {
      console.warn('hardmax: bad data in the link', err);
      this.errors.show(`The data in this link could not be read (${messageOf(err)}).`);
      throw err;
    }
  }

  /**
   * Builds a new model from a source with the current options and shows it at `layer`.
   * Resolves to the model (null when superseded); rejects with the message on failure.
   */
  async rebuild(source, { layer = 0 } = {}) {
    if (!this.engine) throw new Error('the engine is not loaded');
    const generation = ++this.generation;
    const preset = source.kind === 'preset' ? source.name ?? this.state.preset : 'custom';
    const seed = source.kind === 'preset' ? source.seed ?? this.state.seed : this.state.seed;
    let model;
    this.setBusy(true);
    try {
      const what = source.kind === 'preset' ? { kind: 'preset', name: preset, seed } : source;
      const options = engineOptions(this.state);
      model = await this.engine.build(what, options, {
        onProgress: (p) => generation === this.generation && this.setProgress(p),
        softmaxBeta: this.state.softmax ? this.state.beta : null,
      });
      model.maxWidth = options.max_width; // the width cap it was built under (stats, lesson, hook)
    } catch (err) {
      if (generation !== this.generation) return null; // a newer request superseded this one
      this.setBusy(false);
      if (err.cancelled) {
        this.note('Construction cancelled; the data shown is unchanged.');
        this.restore();
        return null;
      }
      this.pendingSource = source;
      this.errors.show(err.message);
      this.restore();
      throw err;
    }
    if (generation !== this.generation) {
      model.dispose();
      return null;
    }
    this.setBusy(false);
    this.errors.hide();
    if (this.model) this.model.dispose();
    this.model = model;
    this.source = source;
    this.pendingSource = null;
    this.state.preset = preset;
    this.state.task = model.task === 'interpolate' ? 'interpolate' : 'classify'; // the data says which
    this.state.seed = seed;
    this.state.data = null; // custom data is encoded for the link below
    if (source.kind === 'preset') this.note('');
    // Custom data goes into the link (asynchronously: it is compressed); asked first, so that
    // longer questions the panels ask the worker on showing the model do not hold it up.
    const linking = source.kind !== 'preset' ? this.link(model, generation) : null;
    this.onBuilt(model, layer);
    this.builtState = { ...this.state };
    await linking;
    if (generation === this.generation) this.builtState.data = this.state.data;
    this.onLinked();
    return model;
  }

  /** Puts custom data into the state for the link when it fits, else says why it does not. */
  async link(model, generation) {
    let data, note;
    try {
      ({ data, note } = linkNote(await model.linkData()));
    } catch (err) {
      if (model.session) console.warn('hardmax: reading the dataset back failed', err);
      this.state.data = null;
      return;
    }
    if (generation !== this.generation) return;
    this.state.data = data;
    this.note(note);
  }

  /** After a failed construction, the state goes back to what the shown model was built with. */
  restore() {
    const keep = this.builtState;
    if (!keep) return;
    for (const k of BUILD_KEYS) this.state[k] = keep[k];
    this.onFailed();
  }

  /** Re-runs the construction of the current data with the current options, at state `layer`. */
  reconstruct(layer) {
    const source = this.source || { kind: 'preset', name: this.state.preset, seed: this.state.seed };
    return this.rebuild(source, { layer }).catch(() => {});
  }

  /** Re-runs the construction that just failed (or the current one); options already changed. */
  retry() {
    return this.rebuild(this.pendingSource || this.source || { kind: 'preset' }, { layer: 0 }).catch(() => {});
  }

  loadPreset(name, seed = this.state.seed) {
    if (!PRESETS.includes(name)) return Promise.reject(new Error(`unknown preset "${name}"; expected one of ${PRESETS.join(', ')}`));
    return this.rebuild({ kind: 'preset', name, seed }, { layer: 0 });
  }

  loadDataset(dataset) {
    return this.rebuild({ kind: 'dataset', dataset }, { layer: 0 });
  }

  /** Reads and builds a File; `before` runs once the file was read (and is about to be built). */
  async loadFile(file, before = () => {}) {
    try {
      const { text, format } = await readDataFile(file);
      before();
      await this.rebuild({ kind: 'text', text, format, name: file.name }, { layer: 0 });
    } catch (err) {
      this.errors.show(messageOf(err));
    }
  }
}

/** The link's data and a sentence about it, from the worker's { data, length }. */
function linkNote({ data, length }) {
  if (data) return { data, note: 'The link in the address bar holds this dataset.' };
  return {
    data: null,
    note: `This dataset is too big for the link (${length ? `${Math.ceil(length / 1024)} KB >` : 'more than'} ${DATA_CAP / 1024} KB): use “dataset JSON” to export it and share the file instead.`,
  };
}
