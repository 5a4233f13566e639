// View positions of the drawn tokens at every state, kept one of two ways:
//
// * flat: one Float32Array of (L+1) x T x 2 numbers (token i at state s at [2(sT+i)]), for
//   models whose every state fits in memory;
// * moves: state 0 in full and, per layer k, only the tokens it moves and where they land
//   (the engine's Scene kept as moves: deep models of many tokens). State s is state 0 with
//   the moves of layers 1..s applied; keyframes every ~2T moves and a small cache of recent
//   states make any state a copy plus at most ~2T writes.
//
// Both answer at(s): a Float32Array of 2T numbers (token i at [2i], [2i+1]), to read only.

/** Keyframes are taken once this many moves (per token) have piled up since the last one. */
const KEYFRAME_MOVES_PER_TOKEN = 2;
/** Recently asked states kept (playback asks for two at a time, hover for the one shown). */
const RECENT = 6;

export class StatePositions {
  /**
   * @param positions flat (L+1) x T x 2, or state 0 only (2T) with `moves`
   * @param moves     null, or { start: Uint32Array(L+1), token: Uint32Array, at: Float32Array }
   */
  constructor(positions, moves, L, T) {
    Object.assign(this, { positions, moves, L, T });
    this.keyframes = new Map(); // state -> Float32Array(2T)
    this.recent = []; // [{ state, at }], newest last
    if (moves) this.takeKeyframes();
  }

  /** Whether every state is kept in full. */
  get flat() {
    return !this.moves;
  }

  /** How many tokens layer k moves (k >= 1). */
  movedBy(k) {
    if (this.moves) return this.moves.start[k] - this.moves.start[k - 1];
    const p = this.positions, a = 2 * (k - 1) * this.T, b = 2 * k * this.T;
    let n = 0;
    for (let i = 0; i < this.T; i++) if (p[a + 2 * i] !== p[b + 2 * i] || p[a + 2 * i + 1] !== p[b + 2 * i + 1]) n++;
    return n;
  }

  /** Positions of every drawn token at state s (clamped to 0..L), 2T numbers. */
  at(s) {
    const state = Math.min(this.L, Math.max(0, s | 0));
    const n = 2 * this.T;
    if (!this.moves) return this.positions.subarray(state * n, (state + 1) * n);
    const hit = this.recent.find((r) => r.state === state) || (this.keyframes.has(state) && { state, at: this.keyframes.get(state) });
    if (hit) return hit.at;
    // start from the nearest state at or before s that is at hand
    let from = 0;
    for (const k of this.keyframes.keys()) if (k <= state && k > from) from = k;
    for (const r of this.recent) if (r.state <= state && r.state > from) from = r.state;
    const base = from === 0 ? this.positions : this.recent.find((r) => r.state === from)?.at || this.keyframes.get(from);
    const reuse = this.recent.length >= RECENT ? this.recent.shift().at : null;
    const out = reuse || new Float32Array(n);
    out.set(base);
    this.apply(out, from, state);
    this.recent.push({ state, at: out });
    return out;
  }

  /** Applies the moves of layers from+1..to to `out`. */
  apply(out, from, to) {
    const { start, token, at } = this.moves;
    for (let j = start[from]; j < start[to]; j++) {
      const i = token[j];
      out[2 * i] = at[2 * j];
      out[2 * i + 1] = at[2 * j + 1];
    }
  }

  takeKeyframes() {
    const { start } = this.moves;
    const every = KEYFRAME_MOVES_PER_TOKEN * Math.max(1, this.T);
    const cur = Float32Array.from(this.positions);
    let last = 0;
    for (let k = 1; k <= this.L; k++) {
      if (start[k] - start[last] < every) continue;
      this.apply(cur, last, k);
      this.keyframes.set(k, cur.slice());
      last = k;
    }
  }

  /** Bytes held (positions, moves, keyframes, recent states). */
  get bytes() {
    let b = this.positions.byteLength + 8 * this.T * (this.keyframes.size + this.recent.length);
    if (this.moves) b += this.moves.start.byteLength + this.moves.token.byteLength + this.moves.at.byteLength;
    return b;
  }
}
