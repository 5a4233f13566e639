//! Feed-forward layer `x -> eta * x + W relu(U x + b)`, applied to every token on its own.
//!
//! Identical inputs give bitwise identical outputs: every token goes through the same
//! arithmetic in the same order. Neurons whose pre-activation is not positive contribute
//! nothing, so they are skipped (adding `W * 0` would not change a finite value).
//!
//! Consecutive neurons with equal rows of U (a tent's neurons) share one dot product
//! `p = U_r x`. When all of them are active their sum is, exactly,
//! `sum_r W_r (p + b_r) = p sum_r W_r + sum_r W_r b_r`, and a tent's output weights sum to
//! zero (`D - 2D + D`, `D - D`): the sum is the constant `sum_r W_r b_r`, evaluated once per
//! layer with compensated arithmetic (zero when the biases are evenly spaced, as a tent's
//! are). So a token beyond a tent's slab is moved by exactly that constant, the same for
//! every such token, instead of by the rounding residue of terms of size `|W| |p|`: for a
//! tent of half-width delta that residue is about `EPSILON |W| size / delta`, for a narrow
//! tent far larger than the distances between nearby tokens, and different for each. (An
//! independent evaluation that adds the terms one by one reproduces this layer only up to
//! that residue; it must group a tent's neurons the same way, or use more precision.)
//!
//! ```
//! use hardmax::model::FeedForward;
//! use nalgebra::{DMatrix, DVector};
//! // one neuron: x -> x + (1, 0) relu(x_1 - 1)
//! let ff = FeedForward::new(1.0, DMatrix::from_row_slice(1, 2, &[1.0, 0.0]),
//!     DVector::from_vec(vec![-1.0]), DMatrix::from_column_slice(2, 1, &[1.0, 0.0])).unwrap();
//! let x = DMatrix::from_column_slice(2, 2, &[3.0, 5.0, 0.5, 7.0]);
//! let y = ff.forward(&x);
//! assert_eq!(y.column(0).as_slice(), &[5.0, 5.0]);   // 3 + relu(3 - 1) = 5
//! assert_eq!(y.column(1).as_slice(), &[0.5, 7.0]);   // relu(0.5 - 1) = 0
//! ```

use super::ffindex::FfIndex;
use crate::error::{Error, Result};
use nalgebra::{DMatrix, DVector};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering::{Equal, Less};
use std::sync::OnceLock;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FeedForward {
    eta: f64,
    /// h x d
    u: DMatrix<f64>,
    /// h
    b: DVector<f64>,
    /// d x h
    w: DMatrix<f64>,
    /// groups of consecutive neurons sharing a row of U (derived, cached)
    #[serde(skip)]
    shared_rows: OnceLock<Vec<Group>>,
    /// the groups indexed by direction, when that pays (derived, cached)
    #[serde(skip)]
    index: OnceLock<Option<FfIndex>>,
}

/// Consecutive neurons `start..start + len` with equal rows of U.
#[derive(Debug, Clone)]
pub(super) struct Group {
    pub(super) start: usize,
    pub(super) len: usize,
    /// `sum_r W_r b_r` over the group when its output weights sum to exactly zero in every
    /// coordinate (None otherwise, or for a single neuron)
    pub(super) all_active: Option<Vec<f64>>,
    /// the group's row of U
    pub(super) row: Vec<f64>,
    /// `min_r -b_r`: a dot product `p <= off` leaves every neuron of the group off (each
    /// `p + b_r` is then exactly <= 0, and so is its rounded value)
    pub(super) off: f64,
}

impl Group {
    /// The group's dot product with a column: `sum_l row_l x_l`, left to right from 0.
    pub(super) fn dot(&self, col: &[f64]) -> f64 {
        let mut p = 0.0;
        for (u, v) in self.row.iter().zip(col.iter()) {
            p += u * v;
        }
        p
    }
}

impl PartialEq for FeedForward {
    fn eq(&self, other: &Self) -> bool {
        self.eta == other.eta && self.u == other.u && self.b == other.b && self.w == other.w
    }
}

impl FeedForward {
    pub fn new(eta: f64, u: DMatrix<f64>, b: DVector<f64>, w: DMatrix<f64>) -> Result<Self> {
        let (h, d) = u.shape();
        if b.len() != h || w.shape() != (d, h) {
            return Err(Error::Model(format!(
                "feed-forward shapes disagree: U is {}x{}, b has {}, W is {}x{}",
                h, d, b.len(), w.nrows(), w.ncols()
            )));
        }
        if !eta.is_finite() || u.iter().chain(b.iter()).chain(w.iter()).any(|v| !v.is_finite()) {
            return Err(Error::Model("feed-forward weights must be finite".into()));
        }
        Ok(FeedForward { eta, u, b, w, shared_rows: OnceLock::new(), index: OnceLock::new() })
    }

    /// `x -> eta * x` (no neurons); eta = 1 is the identity.
    pub fn scaling(dim: usize, eta: f64) -> Self {
        FeedForward { eta, u: DMatrix::zeros(0, dim), b: DVector::zeros(0), w: DMatrix::zeros(dim, 0), shared_rows: OnceLock::new(), index: OnceLock::new() }
    }

    pub fn eta(&self) -> f64 {
        self.eta
    }
    pub fn u(&self) -> &DMatrix<f64> {
        &self.u
    }
    pub fn b(&self) -> &DVector<f64> {
        &self.b
    }
    pub fn w(&self) -> &DMatrix<f64> {
        &self.w
    }
    pub fn width(&self) -> usize {
        self.u.nrows()
    }
    pub fn dim(&self) -> usize {
        self.u.ncols()
    }

    /// Appends neurons: rows of `u`, entries of `b`, columns of `w`.
    pub fn push_neuron(&mut self, u_row: &DVector<f64>, b: f64, w_col: &DVector<f64>) {
        let h = self.u.nrows();
        let d = self.u.ncols();
        let mut u = DMatrix::zeros(h + 1, d);
        u.view_mut((0, 0), (h, d)).copy_from(&self.u);
        u.row_mut(h).copy_from(&u_row.transpose());
        let mut w = DMatrix::zeros(d, h + 1);
        w.view_mut((0, 0), (d, h)).copy_from(&self.w);
        w.column_mut(h).copy_from(w_col);
        self.u = u;
        self.w = w;
        self.b = self.b.clone().insert_row(h, b);
        self.shared_rows = OnceLock::new();
        self.index = OnceLock::new();
    }

    pub fn param_count(&self) -> usize {
        1 + self.u.len() + self.b.len() + self.w.len()
    }
    pub fn nonzero_count(&self) -> usize {
        (self.eta != 0.0) as usize
            + self.u.iter().chain(self.b.iter()).chain(self.w.iter()).filter(|v| **v != 0.0).count()
    }

    /// Applies the layer to every column of `x` (d x n).
    pub fn forward(&self, x: &DMatrix<f64>) -> DMatrix<f64> {
        let mut out = x.clone();
        self.forward_in_place(&mut out);
        out
    }

    /// Applies the layer to every column of `x` in place, with the same bits as
    /// [`FeedForward::forward_dense_in_place`]. A layer of many groups whose rows lie on a
    /// few directions goes through its index (see the `ffindex` module): each token meets
    /// only the groups whose slabs may hold it.
    pub fn forward_in_place(&self, x: &mut DMatrix<f64>) {
        let groups = self.shared_rows.get_or_init(|| self.groups());
        match self.index.get_or_init(|| FfIndex::build(groups, self.b.as_slice(), self.dim())) {
            Some(index) if x.nrows() == self.dim() => index.forward_in_place(self, groups, x),
            _ => self.forward_dense_in_place(x),
        }
    }

    /// Applies the layer to every column of `x` in place, the plain way (the reference of
    /// the indexed path). Each group's dot product is taken first (on the input column),
    /// then a group whose neurons are all off is skipped; the others add their active
    /// neurons' outputs.
    pub(crate) fn forward_dense_in_place(&self, x: &mut DMatrix<f64>) {
        let d = x.nrows();
        let groups = self.shared_rows.get_or_init(|| self.groups());
        let mut stack = [0.0; 16];
        let mut heap = Vec::new();
        let dots: &mut [f64] = if groups.len() <= 16 {
            &mut stack[..groups.len()]
        } else {
            heap.resize(groups.len(), 0.0);
            &mut heap
        };
        for col in x.as_mut_slice().chunks_exact_mut(d.max(1)) {
            self.dense_column(groups, dots, col);
        }
    }

    /// One column the plain way; `dots` is scratch space, one entry per group.
    pub(super) fn dense_column(&self, groups: &[Group], dots: &mut [f64], col: &mut [f64]) {
        let mut any = false;
        for (g, dot) in groups.iter().zip(dots.iter_mut()) {
            let p = g.dot(col);
            *dot = p;
            // (a NaN dot product is not off: the neurons see it)
            any |= !matches!(p.partial_cmp(&g.off), Some(Less | Equal));
        }
        self.scale(col);
        if any {
            for (g, &dot) in groups.iter().zip(dots.iter()) {
                self.add_group(g, dot, col);
            }
        }
    }

    /// `col *= eta` (nothing when eta = 1).
    pub(super) fn scale(&self, col: &mut [f64]) {
        if self.eta != 1.0 {
            for v in col.iter_mut() {
                *v *= self.eta;
            }
        }
    }

    /// Adds the output of one group given its dot product: nothing when every neuron is
    /// off, the all-active constant when every neuron is on (and the group has one), else
    /// each active neuron's output in turn.
    pub(super) fn add_group(&self, g: &Group, dot: f64, col: &mut [f64]) {
        if dot <= g.off {
            return;
        }
        let d = col.len();
        let (w, b) = (self.w.as_slice(), self.b.as_slice()); // w column-major d x h
        let neurons = g.start..g.start + g.len;
        if let Some(constant) = &g.all_active {
            if neurons.clone().all(|r| dot + b[r] > 0.0) {
                for (v, c) in col.iter_mut().zip(constant) {
                    *v += c;
                }
                return;
            }
        }
        for r in neurons {
            let a = dot + b[r];
            if a > 0.0 {
                for (v, wr) in col.iter_mut().zip(&w[r * d..(r + 1) * d]) {
                    *v += wr * a;
                }
            }
        }
    }

    /// Is the layer evaluated through an index of its groups' directions?
    #[cfg(test)]
    pub(crate) fn is_indexed(&self) -> bool {
        self.indexed().is_some()
    }

    /// The groups and their index, when the layer is indexed.
    #[cfg(test)]
    pub(super) fn indexed(&self) -> Option<(&[Group], &FfIndex)> {
        let groups = self.shared_rows.get_or_init(|| self.groups());
        let index = self.index.get_or_init(|| FfIndex::build(groups, self.b.as_slice(), self.dim()));
        index.as_ref().map(|i| (groups.as_slice(), i))
    }

    /// The groups of consecutive neurons sharing a row of U: `(first neuron, count, the
    /// constant the group adds when all of its neurons are active)`; the constant is None
    /// when the group's output weights do not cancel (or for a single neuron).
    pub fn shared_groups(&self) -> impl Iterator<Item = (usize, usize, Option<&[f64]>)> + '_ {
        self.shared_rows
            .get_or_init(|| self.groups())
            .iter()
            .map(|g| (g.start, g.len, g.all_active.as_deref()))
    }

    /// Groups of consecutive neurons with equal rows of U, and the constant each adds when
    /// all of its neurons are active and its output weights cancel.
    fn groups(&self) -> Vec<Group> {
        let (h, d) = self.u.shape();
        let mut groups: Vec<Group> = Vec::new();
        for r in 0..h {
            match groups.last_mut() {
                Some(g) if self.u.row(r) == self.u.row(r - 1) => g.len += 1,
                _ => groups.push(Group { start: r, len: 1, all_active: None, row: Vec::new(), off: 0.0 }),
            }
        }
        for g in groups.iter_mut() {
            g.row = self.u.row(g.start).iter().copied().collect();
            g.off = (g.start..g.start + g.len).map(|r| -self.b[r]).fold(f64::INFINITY, f64::min);
        }
        for g in groups.iter_mut().filter(|g| g.len > 1) {
            let cols = g.start..g.start + g.len;
            let cancels = (0..d).all(|v| exact_sum(cols.clone().map(|r| (self.w[(v, r)], 1.0))) == 0.0);
            if cancels {
                g.all_active =
                    Some((0..d).map(|v| exact_sum(cols.clone().map(|r| (self.w[(v, r)], self.b[r])))).collect());
            }
        }
        groups
    }
}

/// `sum_k a_k b_k` rounded once (error-free products and sums: each product is split into
/// its rounded value and its exact error with a fused multiply-add, each sum into its
/// rounded value and exact error, and the errors are added at the end; for the few terms
/// of one layer's group the result is the correctly rounded sum, or within an ulp of it).
fn exact_sum(terms: impl Iterator<Item = (f64, f64)>) -> f64 {
    let mut sum = 0.0;
    let mut err = 0.0;
    for (a, b) in terms {
        let p = a * b;
        let pe = a.mul_add(b, -p);
        let s = sum + p;
        let bb = s - sum;
        let se = (sum - (s - bb)) + (p - bb);
        sum = s;
        err += pe + se;
    }
    sum + err
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_mismatched_shapes() {
        let e = FeedForward::new(1.0, DMatrix::zeros(2, 3), DVector::zeros(1), DMatrix::zeros(3, 2));
        assert!(matches!(e, Err(Error::Model(_))));
    }

    #[test]
    fn identity_and_scaling() {
        let x = DMatrix::from_column_slice(2, 1, &[1.5, -2.0]);
        assert_eq!(FeedForward::scaling(2, 1.0).forward(&x), x);
        assert_eq!(FeedForward::scaling(2, 0.0).forward(&x), DMatrix::zeros(2, 1));
    }

    #[test]
    fn a_narrow_tent_leaves_tokens_beyond_its_slab_exactly_in_place() {
        // half-width 1e-12 at level 1.5 on the first coordinate, moving by (0, 2)
        let tent = crate::model::Tent::point(
            DVector::from_vec(vec![1.0, 0.0]),
            1.5,
            1e-12,
            DVector::from_vec(vec![0.0, 2.0]),
            crate::model::TentRole::JumpOut,
        );
        let mut ff = FeedForward::scaling(2, 1.0);
        tent.add_to(&mut ff);
        // far above the slab: two tokens 1e-15 apart, and tokens just beyond it
        let above = [1.9, 1.9 + 1e-15, 1.5 + 3e-12, 1.0 + 1e-9];
        let x = DMatrix::from_fn(2, above.len() + 1, |r, c| match (r, c) {
            (0, c) if c < above.len() => above[c],
            (0, _) => 1.5,
            (_, c) => 1.25 + c as f64 * 1e-13,
        });
        let y = ff.forward(&x);
        for c in 0..above.len() {
            assert_eq!(y.column(c), x.column(c), "token {c} beyond the slab moved");
        }
        // the token on the level moves by the displacement (to its own rounding)
        let moved = y[(1, above.len())] - x[(1, above.len())];
        assert!((moved - 2.0).abs() < 1e-3, "moved by {moved}");
    }

    /// The layer evaluated the plain way: every pre-activation, then each group's sum
    /// (the group constant when all of its neurons are on, else neuron by neuron).
    fn plain(ff: &FeedForward, x: &DMatrix<f64>) -> DMatrix<f64> {
        let mut out = x.clone();
        for (j, col) in x.column_iter().enumerate() {
            let dot = |r: usize| (0..col.len()).fold(0.0, |s, l| s + ff.u[(r, l)] * col[l]);
            let act: Vec<f64> = (0..ff.width()).map(|r| dot(r) + ff.b[r]).collect();
            let mut y = out.column_mut(j);
            y *= ff.eta;
            for (start, len, constant) in ff.shared_groups() {
                let acts = &act[start..start + len];
                match constant {
                    Some(c) if acts.iter().all(|a| *a > 0.0) => y += DVector::from_column_slice(c),
                    _ => {
                        for (k, &a) in acts.iter().enumerate().filter(|(_, a)| **a > 0.0) {
                            for v in 0..y.len() {
                                y[v] += ff.w[(v, start + k)] * a;
                            }
                        }
                    }
                }
            }
        }
        out
    }

    #[test]
    fn skipping_groups_that_are_off_keeps_the_bits() {
        // tents of every width around random levels, single neurons, eta 1 and 0.5; points
        // below, inside and above every slab, and on its edges
        let mut rng = crate::construct::geometry::Rng::new(0x9e37_79b9_7f4a_7c15u64);
        let mut next = || rng.uniform();
        for case in 0..200 {
            let d = 1 + case % 4;
            let mut ff = FeedForward::scaling(d, if case % 3 == 0 { 0.5 } else { 1.0 });
            let mut edges = Vec::new();
            for t in 0..1 + case % 4 {
                let g = DVector::from_fn(d, |_, _| next() - 0.5).normalize();
                let (level, half) = (2.0 * next(), 10f64.powi(-(1 + (case + t) as i32 % 12)));
                edges.push((g.clone(), level, half));
                crate::model::Tent::point(g, level, half, DVector::from_fn(d, |_, _| next() - 0.5), crate::model::TentRole::JumpOut)
                    .add_to(&mut ff);
            }
            ff.push_neuron(&DVector::from_fn(d, |_, _| next() - 0.5), next() - 0.5, &DVector::from_fn(d, |_, _| next()));
            let mut cols: Vec<DVector<f64>> = (0..30).map(|_| DVector::from_fn(d, |_, _| 3.0 * next() - 0.5)).collect();
            for (g, level, half) in &edges {
                for off in [-*half, -0.5 * half, 0.0, 0.5 * half, *half, 2.0 * half] {
                    cols.push(g * (level + off));
                }
            }
            let x = DMatrix::from_columns(&cols);
            let (fast, slow) = (ff.forward(&x), plain(&ff, &x));
            let bits = |m: &DMatrix<f64>| m.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&fast), bits(&slow), "case {case}");
        }
    }

    #[test]
    fn push_neuron_counts_params() {
        let mut ff = FeedForward::scaling(3, 1.0);
        ff.push_neuron(&DVector::from_vec(vec![1.0, 0.0, 0.0]), 0.5, &DVector::from_vec(vec![0.0, 2.0, 0.0]));
        assert_eq!(ff.width(), 1);
        assert_eq!(ff.param_count(), 1 + 3 + 1 + 3);
        assert_eq!(ff.nonzero_count(), 1 + 1 + 1 + 1);
        let y = ff.forward(&DMatrix::from_column_slice(3, 1, &[1.0, 1.0, 1.0]));
        assert_eq!(y.as_slice(), &[1.0, 4.0, 1.0]);
    }
}
