//! The forward pass of pointwise blocks over many tokens at once, skipping the neurons
//! that are provably inactive.
//!
//! Once every attention layer left is pointwise (V = 0), each token evolves on its own, so
//! the tokens of all sequences can go through the remaining blocks as one batch. The place
//! stage of interpolation builds thousands of such blocks, each holding a few tents, and a
//! token is inside a tent's slab for one layer only: evaluating every neuron on every
//! token would cost tokens x neurons. The sweep keeps, for a few directions g, the tokens
//! ordered by `g . x`. A neuron whose row of U is `alpha g` (plus a residual) and bias b has
//! pre-activation `alpha (g . x) + b` up to a rounding bound E (below), so only the tokens
//! with `alpha (g . x) + b + E > 0` — a range of the ordered set — can be active; the layer
//! is evaluated exactly (the plain feed-forward code, column by column) on those tokens and
//! every other token provably keeps its value (all its activations are <= 0, and eta = 1).
//! The result is bitwise the one of [`Transformer::forward`](super::Transformer::forward).
//!
//! Rounding bound: with `X = max ||x||_1` over the tokens, `gamma = (d + 2) eps`, the row
//! `u = alpha g + r`, the computed pre-activation differs from `alpha (g . x)_cached + b`
//! by at most `(2 gamma |alpha| + (1 + gamma) |r|_inf) X + 2 eps |b|`; four times that is
//! used. Layers with eta != 1, a constant neuron that is active, or a row along no known
//! direction are evaluated on every token.

use super::attention::SelfAttention;
use super::feedforward::FeedForward;
use super::transformer::Block;
use crate::error::{Error, Result};
use nalgebra::{DMatrix, DVector};
use std::collections::{BTreeSet, HashMap};

/// At most this many directions are indexed (rows along others make a layer dense).
pub const MAX_DIRECTIONS: usize = 64;

pub struct Sweep {
    x: DMatrix<f64>,
    dirs: Vec<DVector<f64>>,
    /// the vectors the directions were made from (a row `g / h` of U with g one of these
    /// normalizes bitwise to its direction)
    given: Vec<DVector<f64>>,
    /// +1 or -1: the given vector points along (or against) the stored direction
    signs: Vec<f64>,
    keys: HashMap<Vec<u64>, usize>,
    /// proj[i * k + j] = dirs[j] . x_i
    proj: Vec<f64>,
    sets: Vec<BTreeSet<(u64, u32)>>,
    norm1_max: f64,
}

/// A unit direction and its key: `v / |v|` with the first nonzero entry positive, and the
/// sign that was removed.
fn normalized(v: &[f64]) -> Option<(DVector<f64>, f64)> {
    let norm = v.iter().map(|a| a * a).sum::<f64>().sqrt();
    if norm == 0.0 || !norm.is_finite() {
        return None;
    }
    let sign = if v.iter().find(|a| **a != 0.0).is_some_and(|a| *a < 0.0) { -1.0 } else { 1.0 };
    Some((DVector::from_iterator(v.len(), v.iter().map(|a| a / norm * sign)), sign))
}

fn key_of(v: &DVector<f64>) -> Vec<u64> {
    v.iter().map(|a| if *a == 0.0 { 0 } else { a.to_bits() }).collect()
}

/// Order-preserving map of finite floats to integers.
fn ord(v: f64) -> u64 {
    let b = v.to_bits();
    if b >> 63 == 1 {
        !b
    } else {
        b | (1 << 63)
    }
}

impl Sweep {
    /// A sweep over the columns of `x`, indexing the given directions (normalized; equal
    /// directions are kept once, at most [`MAX_DIRECTIONS`]).
    pub fn new(x: DMatrix<f64>, directions: &[DVector<f64>]) -> Sweep {
        let mut dirs = Vec::new();
        let mut given = Vec::new();
        let mut signs = Vec::new();
        let mut keys = HashMap::new();
        for g in directions {
            if dirs.len() == MAX_DIRECTIONS {
                break;
            }
            if let Some((u, sign)) = normalized(g.as_slice()) {
                let k = key_of(&u);
                if let std::collections::hash_map::Entry::Vacant(slot) = keys.entry(k) {
                    slot.insert(dirs.len());
                    dirs.push(u);
                    given.push(g.clone());
                    signs.push(sign);
                }
            }
        }
        let k = dirs.len();
        let mut s = Sweep { x, dirs, given, signs, keys, proj: Vec::new(), sets: vec![BTreeSet::new(); k], norm1_max: 0.0 };
        s.reindex_all();
        s
    }

    /// The directions of the rows of U in the feed-forward layers of `blocks`, the most
    /// frequent first, each as one of its rows (for [`Sweep::new`]: normalizing a vector
    /// twice may move a last bit, so rows are passed as they are).
    pub fn directions_of(blocks: &[Block]) -> Vec<DVector<f64>> {
        let mut count: HashMap<Vec<u64>, (usize, Vec<u64>, DVector<f64>)> = HashMap::new();
        for b in blocks {
            let u = b.ff.u();
            for r in 0..u.nrows() {
                let row: Vec<f64> = u.row(r).iter().copied().collect();
                if let Some((g, _)) = normalized(&row) {
                    let key = key_of(&g);
                    count.entry(key.clone()).or_insert((0, key, DVector::from_vec(row))).0 += 1;
                }
            }
        }
        let mut all: Vec<(usize, Vec<u64>, DVector<f64>)> = count.into_values().collect();
        all.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        all.into_iter().take(MAX_DIRECTIONS).map(|(_, _, row)| row).collect()
    }

    pub fn tokens(&self) -> &DMatrix<f64> {
        &self.x
    }
    pub fn len(&self) -> usize {
        self.x.ncols()
    }
    pub fn is_empty(&self) -> bool {
        self.x.ncols() == 0
    }
    pub fn directions(&self) -> &[DVector<f64>] {
        &self.dirs
    }
    /// The vector direction k was made from: tents written on it (U = g / h, h a power of
    /// two) are recognized as direction k.
    pub fn given_direction(&self, k: usize) -> &DVector<f64> {
        &self.given[k]
    }
    /// The projection of token i on the unit vector along the given vector k, as cached
    /// (`directions()[k]` may point the other way: directions are stored with their first
    /// nonzero entry positive).
    pub fn projection(&self, i: usize, k: usize) -> f64 {
        self.signs[k] * self.proj[i * self.dirs.len() + k]
    }
    /// Tokens by decreasing projection along the given vector k: (projection, token).
    pub fn descending(&self, k: usize) -> Box<dyn Iterator<Item = (f64, usize)> + '_> {
        let at = move |&(_, i): &(u64, u32)| (self.projection(i as usize, k), i as usize);
        if self.signs[k] > 0.0 {
            Box::new(self.sets[k].iter().rev().map(at))
        } else {
            Box::new(self.sets[k].iter().map(at))
        }
    }

    fn project(&self, i: usize, out: &mut [f64]) {
        let col = self.x.column(i);
        for (k, g) in self.dirs.iter().enumerate() {
            let mut s = 0.0;
            for (a, b) in g.iter().zip(col.iter()) {
                s += a * b;
            }
            out[k] = s;
        }
    }

    fn reindex_all(&mut self) {
        let (n, k) = (self.x.ncols(), self.dirs.len());
        self.proj = vec![0.0; n * k];
        let mut buf = vec![0.0; k];
        for i in 0..n {
            self.project(i, &mut buf);
            self.proj[i * k..(i + 1) * k].copy_from_slice(&buf);
            self.norm1_max = self.norm1_max.max(self.x.column(i).iter().map(|v| v.abs()).sum());
        }
        // sorted, then built in bulk
        let mut keys: Vec<(u64, u32)> = Vec::with_capacity(n);
        for j in 0..k {
            keys.clear();
            keys.extend((0..n).map(|i| (ord(self.proj[i * k + j]), i as u32)));
            keys.sort_unstable();
            self.sets[j] = keys.iter().copied().collect();
        }
    }

    fn reindex(&mut self, i: usize) {
        let k = self.dirs.len();
        let mut buf = vec![0.0; k];
        self.project(i, &mut buf);
        for (j, &new) in buf.iter().enumerate() {
            let old = self.proj[i * k + j];
            self.sets[j].remove(&(ord(old), i as u32));
            self.sets[j].insert((ord(new), i as u32));
            self.proj[i * k + j] = new;
        }
        self.norm1_max = self.norm1_max.max(self.x.column(i).iter().map(|v| v.abs()).sum());
    }

    /// Tokens that may be active for some neuron of `ff`, or None when every token must be
    /// evaluated.
    fn candidates(&self, ff: &FeedForward) -> Option<Vec<usize>> {
        if ff.eta() != 1.0 {
            return None;
        }
        let (u, b) = (ff.u(), ff.b());
        let d = u.ncols();
        let gamma = (d as f64 + 2.0) * f64::EPSILON;
        let x_max = self.norm1_max;
        // per (direction, side): the loosest threshold over the layer's neurons
        let mut limits: Vec<(usize, bool, f64)> = Vec::new();
        for r in 0..u.nrows() {
            let row: Vec<f64> = u.row(r).iter().copied().collect();
            let Some((g, sign)) = normalized(&row) else {
                // a constant neuron: active everywhere or nowhere
                if b[r] > 0.0 {
                    return None;
                }
                continue;
            };
            let k = *self.keys.get(&key_of(&g))?;
            let dir = &self.dirs[k];
            let alpha = sign * row.iter().map(|a| a * a).sum::<f64>().sqrt();
            let resid = row.iter().zip(dir.iter()).map(|(a, gk)| (a - alpha * gk).abs()).fold(0.0, f64::max);
            let bound = 4.0 * ((2.0 * gamma * alpha.abs() + (1.0 + gamma) * resid) * x_max + 2.0 * f64::EPSILON * b[r].abs());
            // active only if alpha * proj + b + bound > 0: proj above tau (alpha > 0) or
            // below it (alpha < 0)
            let tau = (-b[r] - bound) / alpha;
            if !tau.is_finite() {
                return None;
            }
            let slop = 8.0 * f64::EPSILON * tau.abs() + f64::MIN_POSITIVE;
            let (up, tau) = if alpha > 0.0 { (true, tau - slop) } else { (false, tau + slop) };
            match limits.iter_mut().find(|l| l.0 == k && l.1 == up) {
                Some(l) => l.2 = if up { l.2.min(tau) } else { l.2.max(tau) },
                None => limits.push((k, up, tau)),
            }
        }
        // the candidates sit at an end of the order: walk in from that end
        let mut out: Vec<usize> = Vec::new();
        for (k, up, tau) in limits {
            let set = &self.sets[k];
            let t = ord(tau);
            if up {
                out.extend(set.iter().rev().take_while(|e| e.0 > t).map(|&(_, i)| i as usize));
            } else {
                out.extend(set.iter().take_while(|e| e.0 < t).map(|&(_, i)| i as usize));
            }
        }
        out.sort_unstable();
        out.dedup();
        Some(out)
    }

    /// Applies a feed-forward layer to every token; returns the tokens whose value changed.
    pub fn apply_ff(&mut self, ff: &FeedForward) -> Vec<usize> {
        match self.candidates(ff) {
            None => {
                let before = self.x.clone();
                ff.forward_in_place(&mut self.x);
                self.reindex_all();
                (0..self.x.ncols()).filter(|&i| self.x.column(i) != before.column(i)).collect()
            }
            Some(cands) => {
                if cands.is_empty() {
                    return cands;
                }
                let mut sub = self.x.select_columns(cands.iter());
                ff.forward_in_place(&mut sub);
                let mut changed = Vec::new();
                for (c, &i) in cands.iter().enumerate() {
                    if sub.column(c) != self.x.column(i) {
                        self.x.column_mut(i).copy_from(&sub.column(c));
                        self.reindex(i);
                        changed.push(i);
                    }
                }
                changed
            }
        }
    }

    /// Applies a pointwise attention layer (`x -> rho x`); refuses one that mixes tokens.
    pub fn apply_sa(&mut self, sa: &SelfAttention) -> Result<Vec<usize>> {
        if !sa.is_pointwise() {
            return Err(Error::Model("the sweep evaluates pointwise attention layers only".into()));
        }
        if sa.rho() == 1.0 {
            return Ok(Vec::new());
        }
        self.x *= sa.rho();
        self.reindex_all();
        Ok((0..self.x.ncols()).collect())
    }

    /// Applies a block (its attention layer must be pointwise); returns the changed tokens.
    pub fn apply_block(&mut self, b: &Block) -> Result<Vec<usize>> {
        let mut changed = self.apply_ff(&b.ff);
        let more = self.apply_sa(&b.sa)?;
        if !more.is_empty() {
            changed = more;
        }
        Ok(changed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Tent, TentRole};

    #[test]
    fn skipped_tokens_are_exactly_the_inactive_ones() {
        // a tent on g at level 3 (half-width 1/2) and tokens spread along g
        let g = DVector::from_vec(vec![0.6, 0.8]);
        let mut ff = FeedForward::scaling(2, 1.0);
        Tent::point(g.clone(), 3.0, 0.5, DVector::from_vec(vec![0.0, 5.0]), TentRole::Place).add_to(&mut ff);
        let x = DMatrix::from_fn(2, 40, |r, c| if r == 0 { 0.6 * c as f64 * 0.2 } else { 0.8 * c as f64 * 0.2 });
        let mut plain = x.clone();
        ff.forward_in_place(&mut plain);
        let mut sweep = Sweep::new(x.clone(), &[g.clone(), DVector::from_vec(vec![1.0, 0.0])]);
        let changed = sweep.apply_ff(&ff);
        assert_eq!(sweep.tokens(), &plain);
        let expected: Vec<usize> = (0..40).filter(|&c| plain.column(c) != x.column(c)).collect();
        assert_eq!(changed, expected);
        // the tokens above the slab leak rounding or move; the ones below are untouched
        assert!(changed.iter().all(|&c| c as f64 * 0.2 > 2.5 - 1e-12));
    }

    #[test]
    fn unknown_directions_and_constants_evaluate_everything() {
        let x = DMatrix::from_fn(2, 5, |r, c| (r + c) as f64);
        let mut ff = FeedForward::scaling(2, 1.0);
        ff.push_neuron(&DVector::zeros(2), 1.0, &DVector::from_vec(vec![1.0, 0.0]));
        let mut sweep = Sweep::new(x.clone(), &[]);
        assert_eq!(sweep.apply_ff(&ff).len(), 5);
        assert_eq!(sweep.tokens()[(0, 0)], 1.0);
        let sa = SelfAttention::new(0.5, DMatrix::zeros(0, 2), DMatrix::zeros(0, 2), crate::model::Value::Zero).unwrap();
        sweep.apply_sa(&sa).unwrap();
        assert_eq!(sweep.tokens()[(0, 0)], 0.5);
    }
}
