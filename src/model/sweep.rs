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
//! Beyond a tent's slab on the other side every neuron of its group is active and the
//! layer adds the group's all-active constant (see [`FeedForward`]); when that constant is
//! exactly zero those tokens keep their value too (a -0.0 coordinate would turn into +0.0:
//! tokens holding one are always evaluated), so a group costs the tokens inside its slab.
//! The result is bitwise the one of [`Transformer::forward`](super::Transformer::forward).
//!
//! Rounding bound: with `X = max ||x||_1` over the tokens, `gamma = (d + 2) eps`, the row
//! `u = alpha g + r`, the computed pre-activation differs from `alpha (g . x)_cached + b`
//! by at most `(2 gamma |alpha| + (1 + gamma) |r|_inf) X + 2 eps |b|`; four times that is
//! used. Layers with eta != 1, a constant neuron that is active, or a row along no known
//! direction are evaluated on every token.

use super::attention::SelfAttention;
use super::cloud::columns_of;
use super::feedforward::FeedForward;
use super::transformer::Block;
use crate::error::{Error, Result};
use nalgebra::{DMatrix, DVector};
use std::collections::{BTreeSet, HashMap};

/// A layer that changes more than 1/BULK_SHARE of the tokens rebuilds the ordered sets in
/// bulk ([`Sweep::reindex_many`]) instead of moving each token's entries.
const BULK_SHARE: usize = 16;

/// At most this many directions are indexed (rows along others make a layer dense).
pub const MAX_DIRECTIONS: usize = 64;

/// The candidate ranges are widened by this share of the largest token (1-norm) on top
/// of the rounding bound.
const SLACK: f64 = 1e-9;

pub struct Sweep {
    x: DMatrix<f64>,
    dirs: Vec<DVector<f64>>,
    /// the vectors the directions were made from (a row `g / h` of U with g one of these
    /// normalizes bitwise to its direction)
    given: Vec<DVector<f64>>,
    /// +1 or -1: the given vector points along (or against) the stored direction
    signs: Vec<f64>,
    /// proj[i * k + j] = dirs[j] . x_i
    proj: Vec<f64>,
    sets: Vec<BTreeSet<(u64, u32)>>,
    norm1_max: f64,
    /// tokens with a coordinate -0.0 (adding an exact zero turns it into +0.0)
    negative_zeros: BTreeSet<u32>,
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

/// `key_of(a) == key_of(b)`, without building the keys.
fn same_key(a: &DVector<f64>, b: &DVector<f64>) -> bool {
    a.len() == b.len() && a.iter().zip(b.iter()).all(|(x, y)| (*x == 0.0 && *y == 0.0) || x.to_bits() == y.to_bits())
}

fn key_of(v: &DVector<f64>) -> Vec<u64> {
    v.iter().map(|a| if *a == 0.0 { 0 } else { a.to_bits() }).collect()
}

/// Unit vectors this close (largest coordinate difference) count as one direction.
const NEAR: f64 = 1e-12;

fn near(a: &DVector<f64>, b: &DVector<f64>) -> bool {
    a.iter().zip(b.iter()).all(|(x, y)| (x - y).abs() <= NEAR)
}

/// Two columns hold the same bits (-0.0 and +0.0 differ: a layer that turns one into the
/// other moved the token).
fn same_bits(a: nalgebra::DVectorView<f64>, b: nalgebra::DVectorView<f64>) -> bool {
    a.iter().zip(b.iter()).all(|(x, y)| x.to_bits() == y.to_bits())
}

/// [`same_bits`] on plain slices.
fn same_bits_slice(a: &[f64], b: &[f64]) -> bool {
    a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
}

/// Order-preserving map of finite floats to integers.
pub(crate) fn ord(v: f64) -> u64 {
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
        let mut s = Sweep { x, dirs, given, signs, proj: Vec::new(), sets: vec![BTreeSet::new(); k], norm1_max: 0.0, negative_zeros: BTreeSet::new() };
        s.reindex_all();
        s
    }

    /// The directions of the rows of U in the feed-forward layers of `blocks`, the most
    /// frequent first, each as one of its rows (for [`Sweep::new`]: normalizing a vector
    /// twice may move a last bit, so rows are passed as they are).
    pub fn directions_of(blocks: &[Block]) -> Vec<DVector<f64>> {
        let mut count: HashMap<Vec<u64>, (usize, Vec<u64>, DVector<f64>)> = HashMap::new();
        // a row with the bits of the row before it (a tent's neurons share one) counts
        // for that row's direction without being normalized again
        let mut last: (Vec<f64>, Option<Vec<u64>>) = (Vec::new(), None);
        let mut row: Vec<f64> = Vec::new();
        for b in blocks {
            let u = b.ff.u();
            for r in 0..u.nrows() {
                row.clear();
                row.extend(u.row(r).iter());
                let repeat = row.len() == last.0.len() && row.iter().zip(&last.0).all(|(a, b)| a.to_bits() == b.to_bits());
                if !repeat {
                    last = (row.clone(), normalized(&row).map(|(g, _)| key_of(&g)));
                }
                if let Some(key) = &last.1 {
                    match count.get_mut(key) {
                        Some(e) => e.0 += 1,
                        None => {
                            count.insert(key.clone(), (1, key.clone(), DVector::from_vec(row.clone())));
                        }
                    }
                }
            }
        }
        let mut all: Vec<(usize, Vec<u64>, DVector<f64>)> = count.into_values().collect();
        all.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        // rows of one direction scaled differently may normalize a bit apart: keep one
        let mut kept: Vec<(DVector<f64>, DVector<f64>)> = Vec::new();
        for (_, _, row) in all {
            if kept.len() == MAX_DIRECTIONS {
                break;
            }
            if let Some((g, _)) = normalized(row.as_slice()) {
                if !kept.iter().any(|(h, _)| near(h, &g)) {
                    kept.push((g, row));
                }
            }
        }
        kept.into_iter().map(|(_, row)| row).collect()
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

    /// Token i's coordinates (plain slices in the per-token loops: in wasm, before the
    /// optimizing compiler has run, iterator adapters over matrix views cost several times
    /// a slice loop).
    fn col(&self, i: usize) -> &[f64] {
        let d = self.x.nrows();
        &self.x.as_slice()[i * d..(i + 1) * d]
    }

    fn project(&self, i: usize, out: &mut [f64]) {
        let col = self.col(i);
        for (k, g) in self.dirs.iter().enumerate() {
            let mut s = 0.0;
            for (a, b) in g.as_slice().iter().zip(col) {
                s += a * b;
            }
            out[k] = s;
        }
    }

    /// The 1-norm of token i (summed in coordinate order).
    fn norm1(&self, i: usize) -> f64 {
        self.col(i).iter().map(|v| v.abs()).sum()
    }

    fn reindex_all(&mut self) {
        let (n, k) = (self.x.ncols(), self.dirs.len());
        self.proj = vec![0.0; n * k];
        let mut buf = vec![0.0; k];
        for i in 0..n {
            self.project(i, &mut buf);
            self.proj[i * k..(i + 1) * k].copy_from_slice(&buf);
            self.norm1_max = self.norm1_max.max(self.norm1(i));
        }
        self.negative_zeros = (0..n).filter(|&i| self.has_negative_zero(i)).map(|i| i as u32).collect();
        // sorted, then built in bulk
        let mut keys: Vec<(u64, u32)> = Vec::with_capacity(n);
        for j in 0..k {
            keys.clear();
            keys.extend((0..n).map(|i| (ord(self.proj[i * k + j]), i as u32)));
            keys.sort_unstable();
            self.sets[j] = keys.iter().copied().collect();
        }
    }

    /// [`Sweep::reindex`] for many tokens at once (`changed`, increasing): every ordered
    /// set is rebuilt from its unchanged entries and the changed tokens' new keys (the
    /// same sets, without a removal and an insertion per token).
    fn reindex_many(&mut self, changed: &[usize]) {
        let k = self.dirs.len();
        let mut buf = vec![0.0; k];
        let mut moved = vec![false; self.x.ncols()];
        for &i in changed {
            self.project(i, &mut buf);
            self.proj[i * k..(i + 1) * k].copy_from_slice(&buf);
            moved[i] = true;
            self.norm1_max = self.norm1_max.max(self.norm1(i));
            if self.has_negative_zero(i) {
                self.negative_zeros.insert(i as u32);
            } else {
                self.negative_zeros.remove(&(i as u32));
            }
        }
        let mut keys: Vec<(u64, u32)> = Vec::with_capacity(self.x.ncols());
        for j in 0..k {
            keys.clear();
            keys.extend(self.sets[j].iter().filter(|e| !moved[e.1 as usize]));
            let kept = keys.len();
            keys.extend(changed.iter().map(|&i| (ord(self.proj[i * k + j]), i as u32)));
            keys[kept..].sort_unstable();
            // two sorted runs: the stable sort merges them in linear time
            keys.sort();
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
        self.norm1_max = self.norm1_max.max(self.norm1(i));
        if self.has_negative_zero(i) {
            self.negative_zeros.insert(i as u32);
        } else {
            self.negative_zeros.remove(&(i as u32));
        }
    }

    /// The indexed direction a unit vector is (bitwise, or within [`NEAR`]: the rounding
    /// bound covers the difference).
    fn direction_index(&self, g: &DVector<f64>) -> Option<usize> {
        // a scan of the few directions (what the key map held, without hashing a key)
        self.dirs.iter().position(|h| same_key(h, g)).or_else(|| self.dirs.iter().position(|h| near(h, g)))
    }

    /// The tokens whose projection on the unit vector `g` may lie in `[lo, hi]`: every
    /// token whose cached projection is within the rounding bound and the [`SLACK`] of the
    /// interval, in increasing order (a superset: check each). None when `g` is along no
    /// indexed direction.
    pub fn within(&self, g: &DVector<f64>, lo: f64, hi: f64) -> Option<Vec<usize>> {
        let (unit, sign) = normalized(g.as_slice())?;
        let k = self.direction_index(&unit)?;
        let d = g.len() as f64;
        let off = unit.iter().zip(self.dirs[k].iter()).map(|(a, b)| (a - b).abs()).sum::<f64>();
        let pad = (off + 4.0 * (d + 2.0) * f64::EPSILON + SLACK) * self.norm1_max + f64::MIN_POSITIVE;
        // g . x = sign * (stored projection), up to the pad
        let (a, b) = if sign > 0.0 { (lo, hi) } else { (-hi, -lo) };
        let (a, b) = (ord(a - pad - 8.0 * f64::EPSILON * a.abs()), ord(b + pad + 8.0 * f64::EPSILON * b.abs()));
        if a > b {
            return Some(Vec::new());
        }
        let mut out: Vec<usize> = self.sets[k].range((a, 0)..=(b, u32::MAX)).map(|&(_, i)| i as usize).collect();
        out.sort_unstable();
        Some(out)
    }

    fn has_negative_zero(&self, i: usize) -> bool {
        self.col(i).iter().any(|v| *v == 0.0 && v.is_sign_negative())
    }

    /// Tokens whose value `ff` may change, or None when every token must be evaluated.
    /// A token is skipped when every neuron is provably inactive on it, or when every
    /// neuron of each group it reaches is provably active and the group's all-active
    /// constant is exactly zero (the token keeps its value bitwise, unless it holds a
    /// negative zero: those are always evaluated).
    fn candidates(&self, ff: &FeedForward) -> Option<Vec<usize>> {
        if ff.eta() != 1.0 {
            return None;
        }
        let mut ranges: Vec<(usize, f64, f64)> = Vec::new();
        let mut skips_above = false;
        for (start, len, constant) in ff.shared_groups() {
            let zero = constant.is_some_and(|c| c.iter().all(|v| *v == 0.0));
            if let Some(range) = self.group_range(ff, start, len, zero)? {
                skips_above |= zero;
                ranges.push(range);
            }
        }
        let mut out: Vec<usize> = Vec::new();
        for (k, lo, hi) in ranges {
            let (lo, hi) = (ord(lo), ord(hi));
            if lo <= hi {
                out.extend(self.sets[k].range((lo, 0)..=(hi, u32::MAX)).map(|&(_, i)| i as usize));
            }
        }
        if skips_above {
            out.extend(self.negative_zeros.iter().map(|&i| i as usize));
        }
        let n = self.x.ncols();
        if out.len().saturating_mul(BULK_SHARE) > n {
            // many: in index order by marking them (no sort)
            let mut marked = vec![false; n];
            for &i in &out {
                marked[i] = true;
            }
            return Some((0..n).filter(|&i| marked[i]).collect());
        }
        out.sort_unstable();
        out.dedup();
        Some(out)
    }

    /// The range `(direction, lo, hi)` of stored projections outside which no neuron of the
    /// group `start..start + len` can change a token (`zero`: the group adds exactly zero
    /// when all of its neurons are active); Some(None) when none can ever be active, None
    /// when the group is along no indexed direction.
    fn group_range(&self, ff: &FeedForward, start: usize, len: usize, zero: bool) -> Option<Option<(usize, f64, f64)>> {
        let (u, b) = (ff.u(), ff.b());
        let d = u.ncols();
        let gamma = (d as f64 + 2.0) * f64::EPSILON;
        let x_max = self.norm1_max;
        let row: Vec<f64> = u.row(start).iter().copied().collect();
        let Some((g, sign)) = normalized(&row) else {
            // constant neurons: active everywhere or nowhere
            return if (start..start + len).any(|r| b[r] > 0.0) { None } else { Some(None) };
        };
        let k = self.direction_index(&g)?;
        let dir = &self.dirs[k];
        let alpha = sign * row.iter().map(|a| a * a).sum::<f64>().sqrt();
        let resid = row.iter().zip(dir.iter()).map(|(a, gk)| (a - alpha * gk).abs()).fold(0.0, f64::max);
        // on: beyond it a neuron may be active; sure: beyond it every neuron is
        let (mut on, mut sure) = if alpha > 0.0 { (f64::INFINITY, f64::NEG_INFINITY) } else { (f64::NEG_INFINITY, f64::INFINITY) };
        for r in start..start + len {
            let bound = 4.0 * ((2.0 * gamma * alpha.abs() + (1.0 + gamma) * resid) * x_max + 2.0 * f64::EPSILON * b[r].abs());
            let (t_on, t_sure) = ((-b[r] - bound) / alpha, (-b[r] + bound) / alpha);
            if !t_on.is_finite() || !t_sure.is_finite() {
                return None;
            }
            if alpha > 0.0 {
                (on, sure) = (on.min(t_on), sure.max(t_sure));
            } else {
                (on, sure) = (on.max(t_on), sure.min(t_sure));
            }
        }
        let slack = |t: f64| 8.0 * f64::EPSILON * t.abs() + SLACK * x_max + f64::MIN_POSITIVE;
        Some(Some(if alpha > 0.0 {
            (k, on - slack(on), if zero { sure + slack(sure) } else { f64::INFINITY })
        } else {
            (k, if zero { sure - slack(sure) } else { f64::NEG_INFINITY }, on + slack(on))
        }))
    }

    /// Applies a feed-forward layer to every token; returns the tokens whose value changed.
    pub fn apply_ff(&mut self, ff: &FeedForward) -> Vec<usize> {
        match self.candidates(ff) {
            None => {
                let before = self.x.clone();
                ff.forward_in_place(&mut self.x);
                self.reindex_all();
                (0..self.x.ncols()).filter(|&i| !same_bits(self.x.column(i), before.column(i))).collect()
            }
            Some(cands) => {
                if cands.is_empty() {
                    return cands;
                }
                let mut sub = columns_of(&self.x, &cands);
                ff.forward_in_place(&mut sub);
                let mut changed = Vec::new();
                let d = sub.nrows();
                for (c, &i) in cands.iter().enumerate() {
                    if !same_bits_slice(&sub.as_slice()[c * d..(c + 1) * d], self.col(i)) {
                        self.x.column_mut(i).copy_from(&sub.column(c));
                        changed.push(i);
                    }
                }
                if changed.len().saturating_mul(BULK_SHARE) > self.x.ncols() {
                    self.reindex_many(&changed);
                } else {
                    for &i in &changed {
                        self.reindex(i);
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
    fn the_index_after_a_layer_is_the_index_built_afresh() {
        // tents moving few tokens (one removal and insertion each) and many (the sets
        // rebuilt in bulk): either way the projections and the ordered sets are those of
        // a sweep built on the new tokens
        let g = DVector::from_vec(vec![0.6, 0.8]);
        let other = DVector::from_vec(vec![1.0, 0.0]);
        let x = DMatrix::from_fn(2, 64, |r, c| (1.0 + c as f64 * 0.1) * if r == 0 { 0.6 } else { 0.8 } + if r == 0 { 0.013 * (c % 5) as f64 } else { 0.0 });
        for (level, half, bulk) in [(3.0, 0.05, false), (2.0, 3.0, true)] {
            let mut ff = FeedForward::scaling(2, 1.0);
            Tent::point(g.clone(), level, half, DVector::from_vec(vec![0.25, -0.5]), TentRole::Place).add_to(&mut ff);
            let mut sweep = Sweep::new(x.clone(), &[g.clone(), other.clone()]);
            let changed = sweep.apply_ff(&ff);
            assert!(!changed.is_empty());
            assert_eq!(changed.len() * BULK_SHARE > 64, bulk, "{} changed", changed.len());
            let fresh = Sweep::new(sweep.tokens().clone(), &[g.clone(), other.clone()]);
            assert_eq!(sweep.proj, fresh.proj);
            assert_eq!(sweep.sets, fresh.sets);
            assert_eq!(sweep.negative_zeros, fresh.negative_zeros);
        }
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
