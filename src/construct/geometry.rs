//! Shared geometry of the construction: seeded randomness, directions, clusters of
//! positions, and isolating directions for tents.

use nalgebra::{DMatrix, DVector};
use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};

// ---------------------------------------------------------------------------------------
// Tolerances. Every threshold the construction decides by is defined here, in normalized
// units (the data's largest coordinate range is 1; tokens start in [1,2]^d), from the
// unit roundoff `EPSILON`, the dimension d and the size of the coordinates in play (the
// largest token norm, `size_of`): rounding errors scale with all three.
//
// * A projection `g . x` (|g| = 1) computed in f64 is off by at most about
//   `(d + 2) EPSILON size` (the classic bound on a dot product, plus the bias). Two
//   positions closer than [`eps_eq`] (four times that) cannot be told apart by any
//   projection: they are one position.
// * A tent of half-width delta evaluates `z = (g . x - s) / delta` with an error of about
//   `2 (d + 2) EPSILON size / delta` (g / delta, s / delta and the dot product each add
//   theirs). Tokens beyond its slab are not affected by that error: below the slab every
//   neuron is off exactly, above it the neurons' sum is evaluated exactly (see
//   `model::feedforward`), so they move by the same constant (zero for a tent's evenly
//   spaced biases). Only the tent's own tokens carry the error, as a fraction of its
//   displacement. A jump-out tent needs a gap of [`min_gap`] (error below 1/100: the
//   jumped token lands within m/50 of its level, far inside the move-back tent's reach of
//   m/2). A label tent needs [`min_label_gap`] (error below 1/1000: a point lands well
//   inside its code's plateau, whose margin is a few hundredths of the code spacing; the
//   stage checks it). These are worst-case bounds, not measurements: measured errors are
//   far smaller. Tighter gaps are refused by name (`Error::TooClose`).
// * The label stage tells collapsed points apart along one direction u; two points at
//   distance r project at least `min_label_gap` apart for all but a fraction of about
//   `min_label_gap / r` of the directions. Differently labeled sequences whose collapse
//   points lie closer than [`separation`] (1000 label gaps) are therefore split by the
//   separate stage, which puts them about m apart, instead of being left to the label
//   stage.
// * Attention ties (`model::TAU_REL` of the largest score) average tokens whose projections
//   on w differ by less than about `TAU_REL size`, far above `eps_eq`: tokens at one
//   position always tie. The construction reads leaders from the attention layer itself,
//   so ties need no tolerance of their own here.
// ---------------------------------------------------------------------------------------

/// Rounding error of one projection of a token of norm `size` in dimension `d`.
fn projection_error(d: usize, size: f64) -> f64 {
    (d as f64 + 2.0) * f64::EPSILON * size.max(1.0)
}

/// Positions closer than this are one position.
pub fn eps_eq(d: usize, size: f64) -> f64 {
    4.0 * projection_error(d, size)
}

/// The smallest gap a jump-out tent may rely on: its own tokens move by its displacement
/// to within 1/100 of it.
pub fn min_gap(d: usize, size: f64) -> f64 {
    100.0 * 4.0 * projection_error(d, size)
}

/// The smallest gap between label runs: a label tent's own points move by its
/// displacement to within 1/1000 of it.
pub fn min_label_gap(d: usize, size: f64) -> f64 {
    10.0 * min_gap(d, size)
}

/// Differently labeled sequences whose collapse points are closer than this are split.
pub fn separation(d: usize, size: f64) -> f64 {
    1000.0 * min_label_gap(d, size)
}

/// The largest norm of a column (the size rounding errors scale with).
pub fn size_of(points: &DMatrix<f64>) -> f64 {
    points.column_iter().map(|c| c.norm()).fold(0.0, f64::max)
}

/// Lists by key, stored one after the other: `of(k)` is list k.
pub struct Lists {
    ends: Vec<usize>,
    items: Vec<usize>,
}

impl Lists {
    pub fn of(&self, k: usize) -> &[usize] {
        let from = if k == 0 { 0 } else { self.ends[k - 1] };
        &self.items[from..self.ends[k]]
    }

    /// From (key, item) pairs with keys below n, each list in the pairs' order.
    pub fn from_pairs(pairs: &[(usize, usize)], n: usize) -> Lists {
        let mut ends = vec![0usize; n];
        for &(k, _) in pairs {
            ends[k] += 1;
        }
        for k in 1..n {
            ends[k] += ends[k - 1];
        }
        let mut next: Vec<usize> = (0..n).map(|k| if k == 0 { 0 } else { ends[k - 1] }).collect();
        let mut items = vec![0usize; pairs.len()];
        for &(k, v) in pairs {
            items[next[k]] = v;
            next[k] += 1;
        }
        Lists { ends, items }
    }
}

/// A seeded generator: the same seed gives the same construction on every platform.
pub struct Rng(ChaCha8Rng);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(ChaCha8Rng::seed_from_u64(seed))
    }
    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        (self.0.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Standard normal (Box-Muller).
    pub fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.uniform();
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }
    /// A random unit vector; with `positive`, every entry is positive.
    pub fn unit(&mut self, d: usize, positive: bool) -> DVector<f64> {
        loop {
            let mut v = DVector::from_fn(d, |_, _| self.normal());
            if positive {
                v.apply(|x| *x = x.abs() + 1e-3);
            }
            let n = v.norm();
            if n > 1e-6 {
                return v / n;
            }
        }
    }
}

/// The component of `hint` orthogonal to the unit vector `v`, normalized; falls back to
/// another axis when `hint` is (nearly) parallel to `v`.
pub fn perpendicular(v: &DVector<f64>, hint: &DVector<f64>) -> DVector<f64> {
    let mut p = hint - v * v.dot(hint);
    if p.norm() < 1e-6 {
        for i in 0..v.len() {
            let mut e = DVector::zeros(v.len());
            e[i] = 1.0;
            p = &e - v * v.dot(&e);
            if p.norm() > 0.5 {
                break;
            }
        }
    }
    let n = p.norm();
    p / n
}

/// Groups positions closer than `eps` (transitively): returns a cluster id per column,
/// numbered in order of first occurrence. Bitwise-equal columns (+0.0 and -0.0 alike, all
/// entries finite) are one position whatever `eps >= 0`, so they are merged first and only
/// the distinct ones are clustered (shared tokens make most columns repeats); the partition,
/// and so the ids, are those of [`cluster_positions_plain`] on all columns.
pub fn cluster_positions(points: &DMatrix<f64>, eps: f64) -> Vec<usize> {
    if eps.is_nan() || eps < 0.0 || points.ncols() < 64 {
        return cluster_positions_plain(points, eps);
    }
    let (class, firsts) = distinct_columns(points, false);
    if firsts.len() == points.ncols() {
        return cluster_positions_plain(points, eps);
    }
    let ids = cluster_positions_plain(&points.select_columns(firsts.iter()), eps);
    class.iter().map(|&c| ids[c as usize]).collect()
}

/// For each column the index of its class of bitwise-equal columns (classes numbered in
/// order of first occurrence; a column with a non-finite entry is a class of its own), and
/// the first column of each class. With `signed_zeros`, +0.0 and -0.0 differ too.
pub fn distinct_columns(points: &DMatrix<f64>, signed_zeros: bool) -> (Vec<u32>, Vec<usize>) {
    let (d, n) = points.shape();
    let data = points.as_slice();
    let col = |j: usize| &data[j * d..(j + 1) * d];
    let cap = (2 * n).next_power_of_two().max(16);
    let mask = cap - 1;
    let mut table = vec![u32::MAX; cap];
    let mut class = Vec::with_capacity(n);
    let mut firsts: Vec<usize> = Vec::new();
    for j in 0..n {
        let x = col(j);
        if !x.iter().all(|v| v.is_finite()) {
            class.push(firsts.len() as u32);
            firsts.push(j);
            continue;
        }
        let mut slot = hash_position(x) as usize & mask;
        loop {
            let c = table[slot];
            if c == u32::MAX {
                table[slot] = firsts.len() as u32;
                class.push(firsts.len() as u32);
                firsts.push(j);
                break;
            }
            let first = col(firsts[c as usize]);
            let same = if signed_zeros { first.iter().zip(x).all(|(a, b)| a.to_bits() == b.to_bits()) } else { first == x };
            if same {
                class.push(c);
                break;
            }
            slot = (slot + 1) & mask;
        }
    }
    (class, firsts)
}

/// A hash of a position's bits (+0.0 and -0.0 alike).
fn hash_position(x: &[f64]) -> u64 {
    let mut h: u64 = 0x243f_6a88_85a3_08d3;
    for v in x {
        let bits = if *v == 0.0 { 0 } else { v.to_bits() };
        h = (h ^ bits).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        h ^= h >> 29;
    }
    h ^ (h >> 32)
}

/// [`cluster_positions`] without merging repeats first: the reference.
pub fn cluster_positions_plain(points: &DMatrix<f64>, eps: f64) -> Vec<usize> {
    let (d, n) = points.shape();
    let r = DVector::from_fn(d, |i, _| 1.0 + (i as f64 * 0.618_033_988_75).fract());
    let r = &r / r.norm();
    let proj: Vec<f64> = (0..n).map(|j| r.dot(&points.column(j))).collect();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| proj[a].total_cmp(&proj[b]));
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(p: &mut [usize], mut i: usize) -> usize {
        while p[i] != i {
            p[i] = p[p[i]];
            i = p[i];
        }
        i
    }
    for a in 0..n {
        let i = order[a];
        for &j in order[a + 1..].iter() {
            if proj[j] - proj[i] > eps {
                break;
            }
            let dist2: f64 = points.column(i).iter().zip(points.column(j).iter()).map(|(a, b)| (a - b) * (a - b)).sum();
            if dist2 <= eps * eps {
                let (ri, rj) = (find(&mut parent, i), find(&mut parent, j));
                if ri != rj {
                    parent[ri.max(rj)] = ri.min(rj);
                }
            }
        }
    }
    let mut id = vec![usize::MAX; n];
    let mut next = 0;
    let mut out = vec![0; n];
    for (j, o) in out.iter_mut().enumerate() {
        let root = find(&mut parent, j);
        if id[root] == usize::MAX {
            id[root] = next;
            next += 1;
        }
        *o = id[root];
    }
    out
}

/// A direction g isolating the target positions (columns of `target`) from the others:
/// the columns of `all` that stand for `count[k] > 0` tokens each. Returns (g, lo, hi, gap)
/// with every target in [lo, hi] of g . x and every other position at least `gap` away
/// from that interval. The sign of g puts most other tokens below the target (a tent
/// leaves tokens below its slab exactly unchanged).
pub fn isolating_direction(
    rng: &mut Rng,
    target: &DMatrix<f64>,
    all: &DMatrix<f64>,
    count: &[usize],
    tries: usize,
) -> (DVector<f64>, f64, f64, f64) {
    let d = target.nrows();
    isolating_with((0..tries.max(1)).map(|_| rng.unit(d, false)), target, all, count)
}

/// [`isolating_direction`] trying the given directions in order (for the tests of a
/// block's shared pool of directions).
#[cfg(test)]
pub fn isolating_direction_among(dirs: &[DVector<f64>], target: &DMatrix<f64>, all: &DMatrix<f64>, count: &[usize]) -> (DVector<f64>, f64, f64, f64) {
    isolating_with(dirs.iter().cloned(), target, all, count)
}

fn isolating_with(
    dirs: impl Iterator<Item = DVector<f64>>,
    target: &DMatrix<f64>,
    all: &DMatrix<f64>,
    count: &[usize],
) -> (DVector<f64>, f64, f64, f64) {
    let n_others: usize = count.iter().sum();
    let d = target.nrows();
    let mut best: Option<(DVector<f64>, f64, f64, f64)> = None;
    for g in dirs {
        let mut g = g;
        let tp: Vec<f64> = target.column_iter().map(|c| g.dot(&c)).collect();
        let (mut lo, mut hi) = tp.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(*v), b.max(*v)));
        let denominator = 4.0 * (n_others + 1) as f64;
        let Some(Others { gap, above, spread }) = others_along(&g, (lo, hi), all, count, best.as_ref().map(|b| (b.3, denominator))) else {
            // neither good nor better than the best: this try changes nothing
            continue;
        };
        if 2 * above > n_others {
            g = -g;
            let (a, b) = (-hi, -lo);
            lo = a;
            hi = b;
        }
        let good = gap.is_finite() && gap >= spread / denominator;
        if best.as_ref().is_none_or(|b| gap > b.3) {
            best = Some((g, lo, hi, gap));
        }
        if good {
            break;
        }
    }
    best.unwrap_or_else(|| (DVector::zeros(d), 0.0, 0.0, 0.0))
}

/// `a . b` computed as nalgebra's `dot` computes it for vectors of dynamic length (eight
/// partial sums over blocks of eight, folded into a sum from +0.0, then the rest in
/// order), so that it gives the same bits on a plain slice.
#[inline]
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    if n < 8 {
        // the partial sums are all +0.0 and leave the sum at +0.0
        let mut res = 0.0;
        for k in 0..n {
            res += a[k] * b[k];
        }
        return res;
    }
    let mut acc = [0.0f64; 8];
    let mut i = 0;
    while n - i >= 8 {
        for (t, s) in acc.iter_mut().enumerate() {
            *s += a[i + t] * b[i + t];
        }
        i += 8;
    }
    let mut res = 0.0;
    res += acc[0] + acc[4];
    res += acc[1] + acc[5];
    res += acc[2] + acc[6];
    res += acc[3] + acc[7];
    for k in i..n {
        res += a[k] * b[k];
    }
    res
}

/// What the other tokens look like along a direction.
struct Others {
    /// the smallest distance of an other token to the targets' interval
    gap: f64,
    /// other tokens above the interval
    above: usize,
    /// the extent of all projections, the targets' included
    spread: f64,
}

/// The other tokens (columns with `count[k] > 0`, each standing for that many) projected
/// on g against the targets' interval [lo, hi]. With `give_up = (best gap, denominator)`,
/// None as soon as the gap so far is at most the best one and below the extent so far
/// over the denominator: the gap can only shrink and the extent only grow, so such a
/// direction would be neither good nor better than the best.
fn others_along(g: &DVector<f64>, (lo, hi): (f64, f64), all: &DMatrix<f64>, count: &[usize], give_up: Option<(f64, f64)>) -> Option<Others> {
    let mut gap = f64::INFINITY;
    let mut above = 0usize;
    let (mut spread_lo, mut spread_hi) = (lo, hi);
    let d = all.nrows().max(1);
    for (i, (c, &k)) in all.as_slice().chunks_exact(d).zip(count).enumerate() {
        if k == 0 {
            continue;
        }
        let p = dot(g.as_slice(), c);
        spread_lo = spread_lo.min(p);
        spread_hi = spread_hi.max(p);
        let dist = if p < lo {
            lo - p
        } else if p > hi {
            above += k;
            p - hi
        } else {
            0.0
        };
        gap = gap.min(dist);
        if i % 64 == 63 {
            if let Some((best, denominator)) = give_up {
                let bar = (spread_hi - spread_lo) / denominator;
                if gap <= best && bar.is_finite() && gap < bar {
                    return None;
                }
            }
        }
    }
    Some(Others { gap, above, spread: spread_hi - spread_lo })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tolerances_are_ordered() {
        for (d, size) in [(2, 1.0), (2, 3.0), (64, 20.0), (3, 1e6)] {
            let (eq, gap, label, sep) = (eps_eq(d, size), min_gap(d, size), min_label_gap(d, size), separation(d, size));
            assert!(eq < gap && gap < label && label < sep, "{eq} {gap} {label} {sep}");
            // one position is one position for attention too: ties average it
            assert!(eq < crate::model::TAU_REL * size.max(1.0));
        }
        // d = 2, tokens in [1,2]^2: tokens about 1e-12 of the range apart can be split
        assert!(min_gap(2, 2.0_f64.sqrt() * 2.0) < 1.1e-12);
    }

    #[test]
    fn clusters_are_transitive_and_exact() {
        let p = DMatrix::from_column_slice(1, 5, &[0.0, 5e-10, 9e-10, 1.0, 0.0]);
        assert_eq!(cluster_positions(&p, 1e-9), vec![0, 0, 0, 1, 0]);
    }

    #[test]
    fn merging_repeats_first_gives_the_plain_clusters() {
        let mut rng = Rng::new(3);
        for (n, d, eps) in [(200, 3, 1e-9), (500, 2, 0.05), (300, 4, 0.3), (100, 3, 0.0)] {
            // a few distinct positions, repeated, some with -0.0 for +0.0, some near-copies
            let base: Vec<DVector<f64>> = (0..n / 10).map(|_| rng.unit(d, false) * rng.uniform()).collect();
            let cols: Vec<DVector<f64>> = (0..n)
                .map(|k| {
                    let mut v = base[(rng.uniform() * base.len() as f64) as usize].clone();
                    match k % 7 {
                        0 => v[0] = 0.0,
                        1 => v[0] = -0.0,
                        2 => v[1] += eps * 0.7,
                        _ => {}
                    }
                    v
                })
                .collect();
            let pts = DMatrix::from_columns(&cols);
            let merged = cluster_positions(&pts, eps);
            assert_eq!(merged, cluster_positions_plain(&pts, eps), "n {n} d {d} eps {eps}");
            assert!(merged.iter().max().is_some_and(|m| m + 1 < n));
        }
        let mut with_nan = DMatrix::from_element(2, 80, 1.0);
        with_nan[(0, 3)] = f64::NAN;
        with_nan[(0, 5)] = f64::NAN;
        assert_eq!(cluster_positions(&with_nan, 1e-9), cluster_positions_plain(&with_nan, 1e-9));
    }

    #[test]
    fn the_slice_dot_is_nalgebras_bit_for_bit() {
        let mut rng = Rng::new(9);
        for d in [1, 2, 3, 5, 8, 12, 17, 64] {
            for _ in 0..200 {
                let a = DVector::from_fn(d, |_, _| rng.normal() * 10f64.powi((rng.uniform() * 12.0) as i32 - 6));
                let m = DMatrix::from_fn(d, 3, |_, _| if rng.uniform() < 0.1 { -0.0 } else { rng.normal() });
                for c in m.column_iter() {
                    assert_eq!(dot(a.as_slice(), c.as_slice()).to_bits(), a.dot(&c).to_bits(), "d = {d}");
                }
            }
        }
    }

    #[test]
    fn seeded_rng_is_deterministic() {
        let (mut a, mut b) = (Rng::new(7), Rng::new(7));
        assert_eq!(a.unit(5, true), b.unit(5, true));
        assert!(a.unit(5, true).iter().all(|v| *v > 0.0));
    }

    #[test]
    fn isolation_gap_is_honest() {
        let mut rng = Rng::new(1);
        let t = DMatrix::from_column_slice(2, 1, &[0.5, 0.5]);
        let o = DMatrix::from_column_slice(2, 3, &[0.0, 0.0, 1.0, 1.0, 0.5, 0.9]);
        let (g, lo, hi, gap) = isolating_direction(&mut rng, &t, &o, &[1, 1, 1], 16);
        assert!(gap > 0.0);
        for c in o.column_iter() {
            let p = g.dot(&c);
            assert!(p <= lo - gap + 1e-15 || p >= hi + gap - 1e-15);
        }
    }

    #[test]
    fn perpendicular_is_orthogonal() {
        let v = DVector::from_vec(vec![0.6, 0.8, 0.0]);
        let p = perpendicular(&v, &DVector::from_vec(vec![1.0, 0.0, 0.0]));
        assert!(p.dot(&v).abs() < 1e-15 && (p.norm() - 1.0).abs() < 1e-15);
    }
}
