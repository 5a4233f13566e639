//! The walk of the drawn sequences through the forward pass, and the log of moves.

use super::layers::{tent_view, tents_of};
use super::{project, Attention, Coord, Moves, TentView};
use crate::model::{Cloud, LayerKind, Transformer};
use nalgebra::DMatrix;

/// The walk over the drawn sequences, and what it keeps.
pub(super) struct Walk<'a, P> {
    pub(super) t: &'a Transformer,
    /// kept slot of every state
    pub(super) slot: Vec<Option<usize>>,
    pub(super) n_drawn: usize,
    pub(super) positions: Vec<P>,
    pub(super) attention: Vec<Option<Attention<P>>>,
    pub(super) full: Option<Vec<Vec<f64>>>,
    /// per layer, per tent: (sum x, sum y, count) of the drawn tokens it catches
    pub(super) caught: Vec<Vec<[f64; 3]>>,
    /// [`Keep::Moves`]: the moves of every layer so far
    pub(super) moves: Option<MoveLog<P>>,
}

/// The moves of every layer as the walk finds them, sequence by sequence.
pub(super) struct MoveLog<P> {
    /// per layer (k - 1): (drawn token, x, y)
    pub(super) by_layer: Vec<Vec<(u32, P, P)>>,
    pub(super) extents: Vec<[f64; 4]>,
    /// the current sequence's positions at the previous state, two per token
    pub(super) last: Vec<P>,
    /// the box of the current sequence's (finite) positions at the previous state
    pub(super) last_box: [f64; 4],
}

impl<P: Coord> MoveLog<P> {
    pub(super) fn new(layers: usize) -> MoveLog<P> {
        let empty = [f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY];
        MoveLog { by_layer: vec![Vec::new(); layers], extents: vec![empty; layers + 1], last: Vec::new(), last_box: empty }
    }

    /// The tokens of one sequence (first drawn at `offset`) at `state`; `same` when its
    /// points are the previous state's (nothing moved).
    pub(super) fn record(&mut self, state: usize, offset: usize, view: &[[f64; 2]], token_point: &[u32], same: bool) {
        if state == 0 {
            self.last.clear();
            self.last.resize(2 * token_point.len(), P::from_f64(f64::NAN));
        }
        if !same {
            let mut b = [f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY];
            for (j, &p) in token_point.iter().enumerate() {
                let [x, y] = view[p as usize].map(P::from_f64);
                if state > 0 && (x != self.last[2 * j] || y != self.last[2 * j + 1]) {
                    self.by_layer[state - 1].push(((offset + j) as u32, x, y));
                }
                (self.last[2 * j], self.last[2 * j + 1]) = (x, y);
                let (fx, fy) = (x.to_f64(), y.to_f64());
                if fx.is_finite() && fy.is_finite() {
                    b = [b[0].min(fx), b[1].min(fy), b[2].max(fx), b[3].max(fy)];
                }
            }
            self.last_box = b;
        }
        let (e, b) = (&mut self.extents[state], self.last_box);
        *e = [e[0].min(b[0]), e[1].min(b[1]), e[2].max(b[2]), e[3].max(b[3])];
    }

    pub(super) fn finish(self) -> Moves<P> {
        let total = self.by_layer.iter().map(Vec::len).sum();
        // a state with no finite position gets the box the page gives it: [-1, 1] on both axes
        let extents = self.extents.into_iter().map(|[x0, y0, x1, y1]| {
            let (x0, x1) = if x0 <= x1 { (x0, x1) } else { (-1.0, 1.0) };
            let (y0, y1) = if y0 <= y1 { (y0, y1) } else { (-1.0, 1.0) };
            [x0, y0, x1, y1]
        });
        let mut m = Moves { start: vec![0], token: Vec::with_capacity(total), at: Vec::with_capacity(2 * total), extents: extents.collect() };
        for layer in self.by_layer {
            for (i, x, y) in layer {
                m.token.push(i);
                m.at.extend([x, y]);
            }
            m.start.push(m.token.len());
        }
        m
    }
}

impl<'a, P: Coord> Walk<'a, P> {
    pub(super) fn new(t: &'a Transformer, states: &[usize], n_drawn: usize, keep_full: bool) -> Walk<'a, P> {
        let layers = t.layer_count();
        let mut slot = vec![None; layers + 1];
        for (i, &s) in states.iter().enumerate() {
            slot[s] = Some(i);
        }
        let attention = (1..=layers)
            .map(|k| {
                let attends = matches!(t.layer(k), Some((LayerKind::Sa, _))) && !t.blocks[(k - 1) / 2].sa.is_pointwise();
                (attends && slot[k].is_some())
                    .then(|| Attention { leader: vec![0; n_drawn], margin: vec![P::from_f64(f64::NAN); n_drawn] })
            })
            .collect();
        Walk {
            t,
            n_drawn,
            positions: vec![P::from_f64(0.0); states.len() * n_drawn * 2],
            attention,
            full: keep_full.then(|| vec![Vec::with_capacity(n_drawn * t.dim); states.len()]),
            caught: (1..=layers).map(|k| vec![[0.0; 3]; tents_of(t, k).len()]).collect(),
            slot,
            moves: None,
        }
    }

    /// Walks one sequence whose first token is drawn at `offset`; returns the index (in
    /// the sequence) of its token furthest along w in the input.
    pub(super) fn sequence(&mut self, tokens: &DMatrix<f64>, offset: usize) -> usize {
        self.sequence_blocks(tokens, offset, self.t.blocks.len()).0
    }

    /// [`Walk::sequence`] through the first `n` blocks; also returns the cloud after them.
    pub(super) fn sequence_blocks(&mut self, tokens: &DMatrix<f64>, offset: usize, n: usize) -> (usize, Cloud) {
        let t = self.t;
        let mut view: Vec<[f64; 2]> = Vec::new();
        let mut along: Vec<f64> = Vec::new();
        let mut leader = 0;
        // the points last projected: most layers leave most sequences where they are
        let (mut last_points, mut last_map): (Vec<f64>, Vec<u32>) = (Vec::new(), Vec::new());
        let cloud = t.walk_blocks(tokens, n, |state, cloud, att| {
            let same = state > 0 && cloud.points.as_slice() == last_points.as_slice() && cloud.token_point == last_map;
            if !same {
                // project each distinct point once, then write every token
                view.clear();
                view.extend(cloud.points.column_iter().map(|c| project(t, c)));
                last_points.clear();
                last_points.extend_from_slice(cloud.points.as_slice());
                last_map.clone_from(&cloud.token_point);
            }
            if state == 0 {
                along.clear();
                along.extend(cloud.points.column_iter().map(|c| t.directions.w.dot(&c)));
                let mut best = f64::NEG_INFINITY;
                for (j, &p) in cloud.token_point.iter().enumerate() {
                    if along[p as usize] > best {
                        (best, leader) = (along[p as usize], j);
                    }
                }
            }
            if let Some(m) = &mut self.moves {
                m.record(state, offset, &view, &cloud.token_point, same);
            }
            if let Some(slot) = self.slot[state] {
                for (j, &p) in cloud.token_point.iter().enumerate() {
                    let at = 2 * (slot * self.n_drawn + offset + j);
                    self.positions[at] = P::from_f64(view[p as usize][0]);
                    self.positions[at + 1] = P::from_f64(view[p as usize][1]);
                    if let Some(full) = &mut self.full {
                        full[slot].extend(cloud.points.column(p as usize).iter());
                    }
                }
            }
            // the tents of the next layer act on this state
            for (tent, caught) in tents_of(t, state + 1).iter().zip(self.caught.get_mut(state).into_iter().flatten()) {
                let (lo, hi) = tent.reach();
                along.clear();
                along.extend(cloud.points.column_iter().map(|c| tent.direction.dot(&c)));
                for &p in &cloud.token_point {
                    let z = along[p as usize];
                    if z > lo && z < hi {
                        caught[0] += view[p as usize][0];
                        caught[1] += view[p as usize][1];
                        caught[2] += 1.0;
                    }
                }
            }
            if let (Some(att), Some(Some(a))) = (att, state.checked_sub(1).and_then(|k| self.attention.get_mut(k))) {
                for (j, &(first, margin)) in att.iter().enumerate() {
                    a.leader[offset + j] = (offset + first) as u32;
                    a.margin[offset + j] = P::from_f64(margin);
                }
            }
        });
        (leader, cloud)
    }

    /// Every layer's tents in the view, centered on the drawn tokens they catch (at the
    /// layer's input), or on their plateau when they catch none.
    pub(super) fn tent_views(&self, t: &Transformer) -> Vec<Vec<TentView>> {
        (1..=t.layer_count())
            .map(|k| {
                tents_of(t, k)
                    .iter()
                    .zip(&self.caught[k - 1])
                    .map(|(tent, &[sx, sy, n])| {
                        let center = if n > 0.0 { Some([sx / n, sy / n]) } else { None };
                        tent_view(t, tent, center)
                    })
                    .collect()
            })
            .collect()
    }
}

