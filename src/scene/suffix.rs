//! The pointwise suffix of a [`Keep::Moves`](super::Keep::Moves) walk: the points of every
//! drawn sequence go through the blocks after [`Transformer::pointwise_from`] together, in
//! one [`Sweep`], and only the points a layer moves are projected and logged. What it logs
//! (moves, extents, the tokens each tent catches) is bitwise what walking every sequence
//! through every layer logs: sums run in the same order (sequence, then token).

use super::walk::Walk;
use super::{project, Coord};
use crate::model::batch::sweep_clouds;
use crate::model::{Cloud, Sweep, Tent};
use crate::model::batch::starts;
use crate::model::sweep::ord;
use std::collections::BTreeMap;

/// The box of the drawn tokens' finite positions, kept under moves: a multiset per axis.
#[derive(Default)]
struct Extents {
    axes: [BTreeMap<u64, (f64, u32)>; 2],
}

impl Extents {
    /// Adds (`add`) or removes every finite position in `at`, each distinct value once with
    /// its count (the tokens of one point move together); empties `at`.
    fn change_all(&mut self, at: &mut Vec<[f64; 2]>, add: bool) {
        at.retain(|p| p[0].is_finite() && p[1].is_finite());
        let mut keys: Vec<(u64, f64)> = Vec::with_capacity(at.len());
        for (axis, map) in self.axes.iter_mut().enumerate() {
            keys.clear();
            keys.extend(at.iter().map(|p| (ord(p[axis]), p[axis])));
            keys.sort_unstable_by_key(|k| k.0);
            for run in keys.chunk_by(|a, b| a.0 == b.0) {
                let (key, v, n) = (run[0].0, run[0].1, run.len() as u32);
                let e = map.entry(key).or_insert((v, 0));
                if add {
                    e.1 += n;
                } else {
                    e.1 -= n;
                    if e.1 == 0 {
                        map.remove(&key);
                    }
                }
            }
        }
        at.clear();
    }

    fn bounds(&self) -> [f64; 4] {
        let lo = |a: &BTreeMap<u64, (f64, u32)>| a.values().next().map_or(f64::INFINITY, |e| e.0);
        let hi = |a: &BTreeMap<u64, (f64, u32)>| a.values().next_back().map_or(f64::NEG_INFINITY, |e| e.0);
        [lo(&self.axes[0]), lo(&self.axes[1]), hi(&self.axes[0]), hi(&self.axes[1])]
    }
}

/// The drawn sequences at the start of the suffix.
pub(super) struct Suffix<P> {
    /// each drawn sequence's cloud after the mixing blocks
    pub clouds: Vec<Cloud>,
    /// the drawn index of each sequence's first token
    pub offsets: Vec<usize>,
    /// every drawn token's position (x, y) at the suffix's first state
    pub last: Vec<P>,
}

impl<'a, P: Coord> Walk<'a, P> {
    /// Logs the layers after block `from` (all pointwise) for the drawn sequences.
    pub(super) fn suffix(&mut self, from: usize, s: Suffix<P>) -> Option<()> {
        let t = self.t;
        let Suffix { mut clouds, offsets, mut last } = s;
        let first_col = starts(&clouds);
        let mut extents = Extents::default();
        let (mut gone, mut come): (Vec<[f64; 2]>, Vec<[f64; 2]>) = (Vec::new(), Vec::new());
        come.extend(last.chunks_exact(2).map(|xy| [xy[0].to_f64(), xy[1].to_f64()]));
        extents.change_all(&mut come, true);
        let token_lists: Vec<Vec<u32>> = clouds.iter().map(|c| c.token_point.clone()).collect();
        let base = 2 * from;
        let blocks = &t.blocks[from..];
        let moves = self.moves.as_mut()?;
        let mut log: Vec<(u32, P, P)> = Vec::new();
        let mut caught_layers: Vec<(usize, Vec<[f64; 3]>)> = Vec::new();
        sweep_clouds(&mut clouds, blocks, t.dim, |layer, sweep, moved| {
            let state = base + layer + 1;
            log.clear();
            for &col in moved {
                let s = first_col.partition_point(|&f| f <= col) - 1;
                let p = (col - first_col[s]) as u32;
                let [x, y] = project(t, sweep.tokens().column(col)).map(P::from_f64);
                for (j, _) in token_lists[s].iter().enumerate().filter(|(_, &q)| q == p) {
                    let i = offsets[s] + j;
                    if x != last[2 * i] || y != last[2 * i + 1] {
                        log.push((i as u32, x, y));
                    }
                    // a token whose view position keeps its bits leaves the box's multiset as
                    // it was (removing and adding one value): a move too small for the view
                    let (x0, y0) = (last[2 * i].to_f64(), last[2 * i + 1].to_f64());
                    if x0.to_bits() == x.to_f64().to_bits() && y0.to_bits() == y.to_f64().to_bits() {
                        continue;
                    }
                    gone.push([x0, y0]);
                    (last[2 * i], last[2 * i + 1]) = (x, y);
                    come.push([x.to_f64(), y.to_f64()]);
                }
            }
            // every position the layer's tokens left, then every one they reached: the box
            // is read once the whole layer has moved
            extents.change_all(&mut gone, false);
            extents.change_all(&mut come, true);
            log.sort_unstable_by_key(|e| e.0);
            moves.by_layer[state - 1].extend_from_slice(&log);
            let (e, b) = (&mut moves.extents[state], extents.bounds());
            *e = [e[0].min(b[0]), e[1].min(b[1]), e[2].max(b[2]), e[3].max(b[3])];
            // the tents of the next layer act on this state
            let tents = super::layers::tents_of(t, state + 1);
            if !tents.is_empty() {
                let c = tents.iter().map(|tent| catch(t, tent, sweep, &first_col, &token_lists)).collect();
                caught_layers.push((state, c));
            }
        })?;
        // only the suffix's own states reach these layers: the sums replace the zeros
        for (state, c) in caught_layers {
            self.caught[state] = c;
        }
        Some(())
    }
}

/// (sum x, sum y, count) of the drawn tokens inside a tent's open slab, summed in the order
/// of the dense walk (sequence by sequence, token by token).
fn catch(
    t: &crate::model::Transformer,
    tent: &Tent,
    sweep: &Sweep,
    first_col: &[usize],
    token_lists: &[Vec<u32>],
) -> [f64; 3] {
    let (lo, hi) = tent.reach();
    let cols: Vec<usize> = sweep.within(&tent.direction, lo, hi).unwrap_or_else(|| (0..sweep.len()).collect());
    let x = sweep.tokens();
    let inside = |col: usize| {
        let z = tent.direction.dot(&x.column(col));
        z > lo && z < hi
    };
    let mut sum = [0.0, 0.0, 0.0];
    let mut i = 0;
    while i < cols.len() {
        let s = first_col.partition_point(|&f| f <= cols[i]) - 1;
        let mut hit = Vec::new();
        while i < cols.len() && cols[i] < first_col[s + 1] {
            if inside(cols[i]) {
                hit.push((cols[i] - first_col[s]) as u32);
            }
            i += 1;
        }
        if hit.is_empty() {
            continue;
        }
        let view: Vec<(u32, [f64; 2])> = hit.iter().map(|&p| (p, project(t, x.column(first_col[s] + p as usize)))).collect();
        for &p in &token_lists[s] {
            if let Some((_, v)) = view.iter().find(|(q, _)| *q == p) {
                sum[0] += v[0];
                sum[1] += v[1];
                sum[2] += 1.0;
            }
        }
    }
    sum
}
