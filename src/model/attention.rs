//! Self-attention layer `x_i -> rho * x_i + V * mean_{j in C_i} x_j` with hardmax
//! (or, for comparison, softmax) attention.
//!
//! Scores are `s_ij = <Q x_i, K x_j>` with `Q, K` of rank `r` (r x d; r = 0 means every
//! score is 0). Hardmax attends to `C_i = { j : s_ij >= max_l s_il - tau }` with
//! `tau = TAU_REL * max |s_ij|`, so ties are averaged. The mean is computed as
//! `x_first + sum_j (x_j - x_first) / |C_i|`: when every attended token sits at the same
//! position it returns that position bitwise, so identical tokens stay identical.
//!
//! For rank one, `s_ij = p_i k_j` with `p = Q x`, `k = K x`, and the attended set of a
//! token with `p_i > 0` is a prefix of the tokens sorted by decreasing `k_j`: the layer
//! costs a sort instead of an n x n score matrix, with the same scores and sets.
//!
//! ```
//! use hardmax::model::{SelfAttention, Value, Cloud};
//! use nalgebra::{DMatrix, DVector};
//! // Q = K = w^T with w = (1, 0): every token attends to the token with the largest x_1.
//! let w = DMatrix::from_row_slice(1, 2, &[1.0, 0.0]);
//! let sa = SelfAttention::new(0.0, w.clone(), w, Value::Scaled(1.0)).unwrap();
//! let x = DMatrix::from_column_slice(2, 3, &[1.0, 5.0, 3.0, 7.0, 2.0, 9.0]);
//! let (y, att) = sa.forward_cloud(&Cloud::from_tokens(&x));
//! for j in 0..3 { assert_eq!(y.column(j).as_slice(), &[3.0, 7.0]); } // all land on the leader
//! assert_eq!(att[0].first, 1);
//! assert_eq!(att[0].margin, 1.0 * 3.0 - 1.0 * 2.0);                 // s_01 - s_02
//! ```

use super::cloud::Cloud;
use super::TAU_REL;
use crate::error::{Error, Result};
use nalgebra::{DMatrix, DVector};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The value map V, stored in the form the construction uses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Value {
    /// V = 0
    Zero,
    /// V = lambda I
    Scaled(f64),
    /// V = left right^T
    RankOne { left: DVector<f64>, right: DVector<f64> },
    /// any d x d matrix
    Dense(DMatrix<f64>),
}

impl Value {
    fn apply(&self, v: &DVector<f64>) -> Option<DVector<f64>> {
        match self {
            Value::Zero => None,
            Value::Scaled(l) => Some(v * *l),
            Value::RankOne { left, right } => Some(left * right.dot(v)),
            Value::Dense(m) => Some(m * v),
        }
    }
    fn param_count(&self) -> usize {
        match self {
            Value::Zero => 0,
            Value::Scaled(_) => 1,
            Value::RankOne { left, right } => left.len() + right.len(),
            Value::Dense(m) => m.len(),
        }
    }
    fn nonzero_count(&self) -> usize {
        match self {
            Value::Zero => 0,
            Value::Scaled(l) => (*l != 0.0) as usize,
            Value::RankOne { left, right } => left.iter().chain(right.iter()).filter(|v| **v != 0.0).count(),
            Value::Dense(m) => m.iter().filter(|v| **v != 0.0).count(),
        }
    }
}

/// What one query attended to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Attend {
    /// first attended point (index into the cloud's points, or token index in dense mode)
    pub first: u32,
    /// number of attended points
    pub size: u32,
    /// best attended score minus best other score (+inf when everything is attended)
    pub margin: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SelfAttention {
    rho: f64,
    /// r x d
    q: DMatrix<f64>,
    /// r x d
    k: DMatrix<f64>,
    v: Value,
}

/// Attended sets of every query: `set_of[i]` indexes into `sets` (members in index order).
struct Sets {
    sets: Vec<Vec<u32>>,
    set_of: Vec<usize>,
    margin: Vec<f64>,
}

impl SelfAttention {
    pub fn new(rho: f64, q: DMatrix<f64>, k: DMatrix<f64>, v: Value) -> Result<Self> {
        let d = q.ncols();
        if k.shape() != q.shape() {
            return Err(Error::Model(format!(
                "attention Q is {}x{} but K is {}x{}",
                q.nrows(), q.ncols(), k.nrows(), k.ncols()
            )));
        }
        let ok = match &v {
            Value::Zero | Value::Scaled(_) => true,
            Value::RankOne { left, right } => left.len() == d && right.len() == d,
            Value::Dense(m) => m.shape() == (d, d),
        };
        if !ok {
            return Err(Error::Model(format!("attention value map does not match dimension {d}")));
        }
        Ok(SelfAttention { rho, q, k, v })
    }

    /// Rank-one attention with `Q = K = w^T`: scores `(w.x_i)(w.x_j)`.
    pub fn on_direction(rho: f64, w: &DVector<f64>, v: Value) -> Result<Self> {
        let q = DMatrix::from_row_slice(1, w.len(), w.as_slice());
        SelfAttention::new(rho, q.clone(), q, v)
    }

    /// `x -> x`: rho = 1, V = 0 (scores are irrelevant, rank 0).
    pub fn identity(dim: usize) -> Self {
        SelfAttention { rho: 1.0, q: DMatrix::zeros(0, dim), k: DMatrix::zeros(0, dim), v: Value::Zero }
    }

    pub fn rho(&self) -> f64 {
        self.rho
    }
    pub fn q(&self) -> &DMatrix<f64> {
        &self.q
    }
    pub fn k(&self) -> &DMatrix<f64> {
        &self.k
    }
    pub fn v(&self) -> &Value {
        &self.v
    }
    pub fn rank(&self) -> usize {
        self.q.nrows()
    }
    /// True when the layer does not look at other tokens (V = 0).
    pub fn is_pointwise(&self) -> bool {
        matches!(self.v, Value::Zero)
    }
    pub fn param_count(&self) -> usize {
        if self.is_pointwise() {
            1
        } else {
            1 + self.q.len() + self.k.len() + self.v.param_count()
        }
    }
    pub fn nonzero_count(&self) -> usize {
        let qk = if self.is_pointwise() {
            0
        } else {
            self.q.iter().chain(self.k.iter()).filter(|v| **v != 0.0).count()
        };
        (self.rho != 0.0) as usize + qk + self.v.nonzero_count()
    }

    /// Hardmax on a cloud (distinct points with multiplicities): new points, and for
    /// each point what it attended to (empty when the layer is pointwise).
    pub fn forward_cloud(&self, cloud: &Cloud) -> (DMatrix<f64>, Vec<Attend>) {
        let pts = &cloud.points;
        if self.is_pointwise() {
            return (pts * self.rho, Vec::new());
        }
        if self.rank() == 1 {
            if let Some(out) = self.one_leader(cloud) {
                return out;
            }
        }
        let sets = if self.rank() == 1 { self.sets_rank_one(pts) } else { self.sets_dense(pts) };
        let means: Vec<DVector<f64>> = sets.sets.iter().map(|s| weighted_mean(pts, &cloud.counts, s)).collect();
        let moved: Vec<Option<DVector<f64>>> = means.iter().map(|m| self.v.apply(m)).collect();
        let mut out = pts * self.rho;
        for i in 0..pts.ncols() {
            if let Some(mv) = &moved[sets.set_of[i]] {
                let mut col = out.column_mut(i);
                col += mv;
            }
        }
        let att = (0..pts.ncols())
            .map(|i| {
                let s = &sets.sets[sets.set_of[i]];
                Attend { first: s[0], size: s.len() as u32, margin: sets.margin[i] }
            })
            .collect();
        (out, att)
    }

    /// Rank one when every query is positive and one point alone leads for all of them
    /// (the separate and collapse stages, almost always): every point attends to that
    /// leader. The same scores, threshold, margins and arithmetic as [`Self::sets_rank_one`]
    /// and the general path, without building sets; None when that case does not hold.
    fn one_leader(&self, cloud: &Cloud) -> Option<(DMatrix<f64>, Vec<Attend>)> {
        let pts = &cloud.points;
        let p = project_row(&self.q, pts);
        let kk = if self.k == self.q { p.clone() } else { project_row(&self.k, pts) };
        let mut att = Vec::with_capacity(p.len());
        let top = lone_leader(&p, &kk, |margin| att.push(margin))?;
        let att = att.into_iter().map(|margin| Attend { first: top as u32, size: 1, margin }).collect();
        let mut out = pts * self.rho;
        if let Some(mv) = self.v.apply(&pts.column(top).into_owned()) {
            for mut col in out.column_iter_mut() {
                col += &mv;
            }
        }
        Some((out, att))
    }

    /// [`Self::one_leader`] in place: the same decision, margins and arithmetic, without
    /// building the outputs or the attended sets (the separate stage's blocks, run on every
    /// sequence). Returns the smallest margin, or None, leaving `pts` untouched, when that
    /// case does not hold. `buf` is scratch space kept between calls.
    pub fn one_leader_in_place(&self, pts: &mut DMatrix<f64>, buf: &mut Vec<f64>) -> Option<f64> {
        let n = pts.ncols();
        if self.is_pointwise() || self.rank() != 1 || n < 2 {
            return None;
        }
        let same_k = self.k == self.q;
        buf.clear();
        project_row_into(&self.q, pts, buf);
        if !same_k {
            project_row_into(&self.k, pts, buf);
        }
        let (p, kk) = if same_k { (&buf[..n], &buf[..n]) } else { buf.split_at(n) };
        let mut margin = f64::INFINITY;
        let top = lone_leader(p, kk, |m| margin = margin.min(m))?;
        let moved = self.v.apply(&pts.column(top).into_owned());
        if self.rho != 1.0 {
            *pts *= self.rho;
        }
        if let Some(mv) = moved {
            for mut col in pts.column_iter_mut() {
                col += &mv;
            }
        }
        Some(margin)
    }

    /// The plain evaluation: an n x n score matrix over all tokens (the baseline the
    /// structured evaluation is checked against).
    pub fn forward_dense(&self, x: &DMatrix<f64>) -> (DMatrix<f64>, Vec<Attend>) {
        if self.is_pointwise() {
            return (x * self.rho, Vec::new());
        }
        let ones = vec![1u32; x.ncols()];
        let sets = self.sets_dense(x);
        let mut out = x * self.rho;
        let mut att = Vec::with_capacity(x.ncols());
        for i in 0..x.ncols() {
            let s = &sets.sets[sets.set_of[i]];
            if let Some(mv) = self.v.apply(&weighted_mean(x, &ones, s)) {
                let mut col = out.column_mut(i);
                col += mv;
            }
            att.push(Attend { first: s[0], size: s.len() as u32, margin: sets.margin[i] });
        }
        (out, att)
    }

    /// Softmax attention with the same weights: weights proportional to
    /// `count_j * exp(beta * (s_ij - max_l s_il))`.
    pub fn forward_softmax(&self, cloud: &Cloud, beta: f64) -> DMatrix<f64> {
        let pts = &cloud.points;
        if self.is_pointwise() {
            return pts * self.rho;
        }
        let n = pts.ncols();
        let qx = project(&self.q, pts);
        let kx = project(&self.k, pts);
        let mut out = pts * self.rho;
        let mut weights = vec![0.0; n];
        for i in 0..n {
            let mut max = f64::NEG_INFINITY;
            for (j, w) in weights.iter_mut().enumerate() {
                let s = qx.column(i).dot(&kx.column(j));
                *w = s;
                max = max.max(s);
            }
            let mut total = 0.0;
            for (w, &count) in weights.iter_mut().zip(&cloud.counts) {
                *w = count as f64 * (beta * (*w - max)).exp();
                total += *w;
            }
            let mut mean = DVector::zeros(pts.nrows());
            for (j, w) in weights.iter().enumerate() {
                mean.axpy(w / total, &pts.column(j), 1.0);
            }
            if let Some(mv) = self.v.apply(&mean) {
                let mut col = out.column_mut(i);
                col += mv;
            }
        }
        out
    }

    fn sets_dense(&self, x: &DMatrix<f64>) -> Sets {
        let n = x.ncols();
        let qx = project(&self.q, x);
        let kx = project(&self.k, x);
        let r = self.rank();
        let score = |i: usize, j: usize| {
            let mut s = 0.0;
            for l in 0..r {
                s += qx[(l, i)] * kx[(l, j)];
            }
            s
        };
        let mut scores = DMatrix::zeros(n, n);
        let mut scale: f64 = 0.0;
        for i in 0..n {
            for j in 0..n {
                let s = score(i, j);
                scores[(i, j)] = s;
                scale = scale.max(s.abs());
            }
        }
        let tau = TAU_REL * scale;
        let mut index: HashMap<Vec<u32>, usize> = HashMap::new();
        let mut sets = Vec::new();
        let mut set_of = Vec::with_capacity(n);
        let mut margin = Vec::with_capacity(n);
        for i in 0..n {
            let row = scores.row(i);
            let max = row.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let thr = max - tau;
            let members: Vec<u32> = (0..n).filter(|&j| row[j] >= thr).map(|j| j as u32).collect();
            let other = (0..n).filter(|&j| row[j] < thr).map(|j| row[j]).fold(f64::NEG_INFINITY, f64::max);
            margin.push(max - other);
            let next = sets.len();
            let id = *index.entry(members.clone()).or_insert(next);
            if id == next {
                sets.push(members);
            }
            set_of.push(id);
        }
        Sets { sets, set_of, margin }
    }

    fn sets_rank_one(&self, x: &DMatrix<f64>) -> Sets {
        let n = x.ncols();
        let p = project_row(&self.q, x);
        let kk = if self.k == self.q { p.clone() } else { project_row(&self.k, x) };
        let pmax = p.iter().fold(0.0f64, |a, v| a.max(v.abs()));
        let kmax_abs = kk.iter().fold(0.0f64, |a, v| a.max(v.abs()));
        let tau = TAU_REL * (pmax * kmax_abs);
        // Only the top of the order by k (bottom, for negative queries) can be attended:
        // a token further than `slack` from the extreme fails the threshold for every
        // query, so the order is needed only for the few tokens within it, followed by
        // the best of the rest (which gives the margin).
        let pmin_pos = p.iter().filter(|v| **v > 0.0).fold(f64::INFINITY, |a, v| a.min(*v));
        let pmin_neg = p.iter().filter(|v| **v < 0.0).fold(f64::INFINITY, |a, v| a.min(v.abs()));
        let eps = 8.0 * f64::EPSILON * kmax_abs;
        let head = |descending: bool, pmin: f64| -> Vec<u32> {
            if !pmin.is_finite() {
                return Vec::new();
            }
            let key = |j: usize| if descending { kk[j] } else { -kk[j] };
            let top = (0..n).map(key).fold(f64::NEG_INFINITY, f64::max);
            let slack = 2.0 * tau / pmin + eps;
            let mut cand: Vec<u32> = (0..n as u32).filter(|&j| key(j as usize) >= top - slack).collect();
            cand.sort_by(|&a, &b| key(b as usize).total_cmp(&key(a as usize)).then(a.cmp(&b)));
            let rest = (0..n)
                .filter(|&j| key(j) < top - slack)
                .fold(None, |best: Option<usize>, j| match best {
                    Some(b) if key(b) >= key(j) => Some(b),
                    _ => Some(j),
                });
            cand.extend(rest.map(|j| j as u32));
            cand
        };
        let desc = head(true, pmin_pos);
        let asc = head(false, pmin_neg);
        // (sign, prefix length) -> set id
        let mut cache: Vec<(i8, usize, usize)> = Vec::new();
        let mut sets: Vec<Vec<u32>> = Vec::new();
        let mut set_of = Vec::with_capacity(n);
        let mut margin = Vec::with_capacity(n);
        for &pi in p.iter().take(n) {
            let (sign, order): (i8, &[u32]) = if pi > 0.0 {
                (1, &desc)
            } else if pi < 0.0 {
                (-1, &asc)
            } else {
                (0, &[])
            };
            let (len, m) = if sign == 0 || order.is_empty() {
                // zero query (every score 0), or scores that are not numbers: all tie
                (n, f64::INFINITY)
            } else {
                let max = pi * kk[order[0] as usize];
                let thr = max - tau;
                let mut len = 1;
                while len < order.len() && pi * kk[order[len] as usize] >= thr {
                    len += 1;
                }
                let m = if len < order.len() { max - pi * kk[order[len] as usize] } else { f64::INFINITY };
                (len, m)
            };
            margin.push(m);
            let id = match cache.iter().find(|c| c.0 == sign && c.1 == len) {
                Some(c) => c.2,
                None => {
                    let mut members: Vec<u32> =
                        if len == n || order.len() < len { (0..n as u32).collect() } else { order[..len].to_vec() };
                    members.sort_unstable();
                    sets.push(members);
                    cache.push((sign, len, sets.len() - 1));
                    sets.len() - 1
                }
            };
            set_of.push(id);
        }
        Sets { sets, set_of, margin }
    }
}

/// The single row of `m` (1 x d) times every column of `x`, summed in coordinate order.
fn project_row(m: &DMatrix<f64>, x: &DMatrix<f64>) -> Vec<f64> {
    let mut out = Vec::with_capacity(x.ncols());
    project_row_into(m, x, &mut out);
    out
}

/// The one-leader test of rank-one attention with queries `p` and keys `k` (scores
/// `p_i k_j`): when every query is positive and one point alone leads for all of them, its
/// score above every other by more than the tie tolerance, the leader (the first point with
/// the largest key), after `margin(m_i)` for every query in order (best score minus best
/// other); None when that case does not hold. The attention layer's paths and the separate
/// stage's read of collapse points all decide by this one test.
pub(crate) fn lone_leader(p: &[f64], kk: &[f64], mut margin: impl FnMut(f64)) -> Option<usize> {
    let n = p.len();
    if n < 2 || kk.len() != n || p.iter().any(|v| v.is_nan() || *v <= 0.0) || kk.iter().any(|v| v.is_nan()) {
        return None;
    }
    let pmax = p.iter().fold(0.0f64, |a, v| a.max(v.abs()));
    let kmax_abs = kk.iter().fold(0.0f64, |a, v| a.max(v.abs()));
    let tau = TAU_REL * (pmax * kmax_abs);
    // the first point with the largest k, and the largest k among the others
    let mut top = 0;
    for j in 1..n {
        if kk[j] > kk[top] {
            top = j;
        }
    }
    let second = (0..n).filter(|&j| j != top).map(|j| kk[j]).fold(f64::NEG_INFINITY, f64::max);
    for &pi in p {
        let max = pi * kk[top];
        if pi * second >= max - tau {
            return None;
        }
        margin(max - pi * second);
    }
    Some(top)
}

/// [`project_row`] appended to `out`.
fn project_row_into(m: &DMatrix<f64>, x: &DMatrix<f64>, out: &mut Vec<f64>) {
    let row = m.row(0);
    let d = row.len();
    for col in x.as_slice().chunks_exact(d.max(1)) {
        let mut s = 0.0;
        for (l, b) in col.iter().enumerate() {
            s += row[l] * b;
        }
        out.push(s);
    }
}

/// `m x`, each entry summed in coordinate order (the same arithmetic on every path).
pub(crate) fn project(m: &DMatrix<f64>, x: &DMatrix<f64>) -> DMatrix<f64> {
    let (r, d) = m.shape();
    let mut out = DMatrix::zeros(r, x.ncols());
    for (j, col) in x.column_iter().enumerate() {
        for l in 0..r {
            let mut s = 0.0;
            for c in 0..d {
                s += m[(l, c)] * col[c];
            }
            out[(l, j)] = s;
        }
    }
    out
}

/// `x_first + sum_j c_j (x_j - x_first) / sum_j c_j` over the members, in index order.
fn weighted_mean(x: &DMatrix<f64>, counts: &[u32], members: &[u32]) -> DVector<f64> {
    let first = x.column(members[0] as usize).into_owned();
    if members.len() == 1 {
        return first;
    }
    let mut acc = DVector::zeros(x.nrows());
    let mut total = 0.0;
    for &j in members {
        let c = counts[j as usize] as f64;
        total += c;
        acc.axpy(c, &(x.column(j as usize) - &first), 1.0);
    }
    first + acc / total
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rank_one(w: &[f64], rho: f64, v: Value) -> SelfAttention {
        let q = DMatrix::from_row_slice(1, w.len(), w);
        SelfAttention::new(rho, q.clone(), q, v).unwrap()
    }

    #[test]
    fn one_leader_gives_the_general_paths_outputs_and_margins() {
        // a lone leader (the shortcut), and a leader tied with another point (the sets)
        let lone = DMatrix::from_column_slice(2, 4, &[1.0, 2.0, 3.0, 0.5, 2.0, 2.0, 1.5, 1.25]);
        let tied = DMatrix::from_column_slice(2, 3, &[3.0, 0.5, 1.0, 2.0, 1.0, 1.0]);
        for rho in [1.0, 0.0, 0.5] {
            let left = DVector::from_vec(vec![0.25, -0.75]);
            let right = DVector::from_vec(vec![0.6, 0.8]);
            let sa = rank_one(&[0.6, 0.8], rho, Value::RankOne { left, right });
            for x in [&lone, &tied] {
                let cloud = Cloud::from_tokens(x);
                let (y, att) = sa.forward_cloud(&cloud);
                let (dense, dense_att) = sa.forward_dense(x);
                assert_eq!(y, dense, "rho {rho}");
                for (a, b) in att.iter().zip(&dense_att) {
                    assert_eq!((a.first, a.size, a.margin), (b.first, b.size, b.margin));
                }
            }
            assert!(sa.one_leader(&Cloud::from_tokens(&lone)).is_some());
            assert!(sa.one_leader(&Cloud::from_tokens(&tied)).is_none());
        }
    }

    #[test]
    fn one_leader_in_place_has_the_bits_of_the_cloud_path() {
        // random clouds, rank-one attention with Q = K and Q != K, rho 1, 0.5 and 0, and
        // values rank one, scaled and zero: the same points and the same smallest margin,
        // or None (untouched) exactly when the cloud path takes the sets
        let mut rng = crate::construct::geometry::Rng::new(0x2545_f491_4f6c_dd1du64);
        let mut next = || rng.uniform();
        let (mut fast, mut slow) = (0, 0);
        for case in 0..400 {
            let (d, n) = (1 + case % 4, 1 + (case / 4) % 9);
            let x = DMatrix::from_fn(d, n, |_, _| if case % 7 == 0 { (4.0 * next()).round() } else { 0.1 + 3.0 * next() });
            let w: Vec<f64> = (0..d).map(|_| next() + 0.05).collect();
            let rho = [1.0, 0.5, 0.0][case % 3];
            let v = match case % 3 {
                0 => Value::RankOne { left: DVector::from_fn(d, |_, _| next() - 0.5), right: DVector::from_vec(w.clone()) },
                1 => Value::Scaled(0.75),
                _ => Value::Zero,
            };
            let q = DMatrix::from_row_slice(1, d, &w);
            let k = if case % 5 == 0 { DMatrix::from_fn(1, d, |_, _| next() - 0.2) } else { q.clone() };
            let sa = SelfAttention::new(rho, q, k, v).unwrap();
            let cloud = Cloud::from_tokens(&x);
            let (y, att) = sa.forward_cloud(&cloud);
            let mut pts = cloud.points.clone();
            match sa.one_leader_in_place(&mut pts, &mut Vec::new()) {
                Some(margin) => {
                    fast += 1;
                    assert!(sa.one_leader(&cloud).is_some(), "case {case}");
                    assert_eq!(pts.as_slice().iter().map(|v| v.to_bits()).collect::<Vec<_>>(), y.as_slice().iter().map(|v| v.to_bits()).collect::<Vec<_>>(), "case {case}");
                    assert_eq!(margin.to_bits(), att.iter().fold(f64::INFINITY, |m, a| m.min(a.margin)).to_bits(), "case {case}");
                }
                None => {
                    slow += 1;
                    assert!(sa.is_pointwise() || sa.one_leader(&cloud).is_none(), "case {case}");
                    assert_eq!(pts, cloud.points, "case {case}: untouched");
                }
            }
        }
        assert!(fast > 100 && slow > 20, "both paths are exercised: {fast} fast, {slow} not");
    }

    #[test]
    fn rank_one_picks_the_leader_and_ties_average() {
        let sa = rank_one(&[1.0, 0.0], 0.0, Value::Scaled(1.0));
        // two tokens tie for the top projection (x_1 = 4): the leader is their mean
        let x = DMatrix::from_column_slice(2, 3, &[4.0, 0.0, 1.0, 1.0, 4.0, 2.0]);
        let (y, att) = sa.forward_cloud(&Cloud::from_tokens(&x));
        for j in 0..3 {
            assert_eq!(y.column(j).as_slice(), &[4.0, 1.0]);
        }
        assert_eq!(att[1].size, 2);
        assert_eq!(att[1].first, 0);
        assert_eq!(att[1].margin, 1.0 * 4.0 - 1.0 * 1.0);
    }

    #[test]
    fn rank_one_matches_dense_scores_with_negative_queries() {
        let sa = rank_one(&[1.0, -0.5], 1.0, Value::Scaled(0.5));
        let x = DMatrix::from_column_slice(2, 4, &[1.0, 3.0, -2.0, 0.5, 0.25, -1.0, 2.0, 2.0]);
        let (a, att_a) = sa.forward_cloud(&Cloud::from_tokens(&x));
        let (b, att_b) = sa.forward_dense(&x);
        assert_eq!(a, b);
        assert_eq!(att_a, att_b);
    }

    #[test]
    fn rank_one_value_translates_rigidly() {
        // V = c w^T with c = (0, 1), w = (1, 0): every token moves by (w . leader) c
        let v = Value::RankOne {
            left: DVector::from_vec(vec![0.0, 1.0]),
            right: DVector::from_vec(vec![1.0, 0.0]),
        };
        let sa = rank_one(&[1.0, 0.0], 1.0, v);
        let x = DMatrix::from_column_slice(2, 2, &[1.0, 0.0, 3.0, 0.0]);
        let (y, _) = sa.forward_cloud(&Cloud::from_tokens(&x));
        assert_eq!(y, DMatrix::from_column_slice(2, 2, &[1.0, 3.0, 3.0, 3.0]));
    }

    #[test]
    fn multiplicities_weight_the_mean() {
        // rank 0: every token attends to every token; the mean counts duplicates
        let sa = SelfAttention::new(0.0, DMatrix::zeros(0, 1), DMatrix::zeros(0, 1), Value::Scaled(1.0)).unwrap();
        let x = DMatrix::from_column_slice(1, 3, &[0.0, 0.0, 3.0]);
        let (y, _) = sa.forward_cloud(&Cloud::from_tokens(&x));
        assert_eq!(y[(0, 0)], 1.0);
        let (z, _) = sa.forward_dense(&x);
        assert_eq!(z[(0, 0)], 1.0);
    }

    #[test]
    fn softmax_tends_to_hardmax() {
        let sa = rank_one(&[1.0, 0.0], 0.0, Value::Scaled(1.0));
        let x = DMatrix::from_column_slice(2, 2, &[1.0, 0.0, 2.0, 1.0]);
        let c = Cloud::from_tokens(&x);
        let soft = sa.forward_softmax(&c, 200.0);
        assert!((soft[(0, 0)] - 2.0).abs() < 1e-12 && (soft[(1, 0)] - 1.0).abs() < 1e-12);
        let flat = sa.forward_softmax(&c, 0.0);
        assert!((flat[(0, 0)] - 1.5).abs() < 1e-15);
    }

    #[test]
    fn identity_is_pointwise() {
        let sa = SelfAttention::identity(3);
        let x = DMatrix::from_column_slice(3, 1, &[1.0, 2.0, 3.0]);
        assert_eq!(sa.forward_cloud(&Cloud::from_tokens(&x)).0, x);
        assert_eq!(sa.param_count(), 1);
    }
}
