// The page state in the address bar: written with replaceState (no history entry per tweak)
// at most a few times a second, read back on hashchange. Custom data rides along inline
// while it fits; the schema itself is in state.js.

import { parseHash, toHash, encodeData, DATA_CAP } from './state.js';

const WRITE_EVERY_MS = 400;

export class UrlSync {
  /** @param state () => the page state to write */
  constructor(state) {
    this.state = state;
    this.timer = 0;
  }

  /** The state the address bar holds now (parsed and validated). */
  read() {
    return parseHash(location.hash);
  }

  /** Calls onChange with the parsed, validated state whenever someone edits the hash. */
  listen(onChange) {
    addEventListener('hashchange', () => onChange(this.read()));
  }

  /** Writes the hash soon (playback changes layers fast: at most one write per WRITE_EVERY_MS). */
  schedule() {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = 0;
      this.write();
    }, WRITE_EVERY_MS);
  }

  write() {
    const hash = toHash(this.state());
    if (hash !== location.hash) history.replaceState(null, '', hash);
  }
}

/**
 * How a dataset travels in the link: { data, note } where data is the encoded dataset
 * (null when it is too big) and note says so in words.
 */
export async function linkData(dataset) {
  const encoded = await encodeData(dataset);
  if (encoded.length <= DATA_CAP) return { data: encoded, note: 'The link in the address bar holds this dataset.' };
  return {
    data: null,
    note: `This dataset is too big for the link (${Math.ceil(encoded.length / 1024)} KB > ${DATA_CAP / 1024} KB): use “dataset JSON” to export it and share the file instead.`,
  };
}
