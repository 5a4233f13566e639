//! Isolating the positions a separate-stage block jumps out: for each, a direction g and
//! the slab of `g . x` that holds its tokens and no other token.
//!
//! A block that jumps one position draws its random directions for that position alone
//! ([`geometry::isolating_direction`]: the first good one of up to [`TRIES`], else the
//! widest). A block that jumps several draws one pool of [`TRIES`] directions for all of
//! them, and tries them in the same order for each position. Along a pool direction the
//! current positions are sorted once (when a position first needs that direction), so a
//! position's gap to every other, the count above it and the extent of all are read by
//! binary search instead of a pass over every token: the same figures, bit for bit, that
//! pass would give ([`along_brute`] is that pass, kept for the tests).

use super::geometry::{dot, isolating_direction, Lists, Rng};
use crate::model::Cloud;
use nalgebra::{DMatrix, DVector};
use std::cell::OnceCell;

/// Random directions tried per position (one position per block), or drawn for a block's
/// pool (several positions).
pub const TRIES: usize = 24;

/// A jump-out tent's direction and slab for one position, and who holds the position.
pub struct Isolation {
    pub g: DVector<f64>,
    pub lo: f64,
    pub hi: f64,
    pub gap: f64,
    /// sequences holding a token within eps of the position
    pub holders: Vec<usize>,
}

/// Every current token as a column (`all`), and where each sequence's columns start.
pub struct Current {
    pub all: DMatrix<f64>,
    pub starts: Vec<usize>,
}

impl Current {
    pub fn new(d: usize) -> Current {
        Current { all: DMatrix::zeros(d, 0), starts: Vec::new() }
    }

    /// Gathers the points of every cloud side by side, reusing the buffers.
    pub fn refill(&mut self, clouds: &[Cloud]) {
        let d = self.all.nrows();
        let mut data: Vec<f64> = std::mem::replace(&mut self.all, DMatrix::zeros(d, 0)).data.into();
        data.clear();
        self.starts.clear();
        self.starts.push(0);
        for cl in clouds {
            data.extend_from_slice(cl.points.as_slice());
            self.starts.push(data.len() / d.max(1));
        }
        let n = data.len() / d.max(1);
        self.all = DMatrix::from_vec(d, n, data);
    }

    /// The sequence of column j: the last whose columns start at or before it.
    fn sequence_of(&self, j: usize) -> usize {
        self.starts.partition_point(|&s| s <= j) - 1
    }
}

/// The current tokens without repeats: each bitwise-distinct column of `Current::all` once
/// (+0.0 and -0.0 apart), how many columns hold it, and which.
pub struct Distinct {
    pub pts: DMatrix<f64>,
    pub count: Vec<usize>,
    /// the columns holding distinct position k: `cols.of(k)`, in order
    pub cols: Lists,
}

impl Distinct {
    pub fn of(all: &DMatrix<f64>) -> Distinct {
        let (class, firsts) = super::geometry::distinct_columns(all, true);
        let pairs: Vec<(usize, usize)> = class.iter().enumerate().map(|(j, &c)| (c as usize, j)).collect();
        let cols = Lists::from_pairs(&pairs, firsts.len());
        let count = (0..firsts.len()).map(|k| cols.of(k).len()).collect();
        Distinct { pts: all.select_columns(firsts.iter()), count, cols }
    }
}

/// Isolates every current position within `eps` of `position` from all other positions
/// (the columns of `current`; with `distinct`, counted once per distinct column with its
/// multiplicity: equal columns give equal projections, so the gap, the extent and the
/// count above the slab are those over every column; the targets keep their column order).
pub fn isolate(current: &Current, distinct: Option<&Distinct>, position: &DVector<f64>, eps: f64, rng: &mut Rng) -> Isolation {
    let (pts, mut count) = match distinct {
        Some(dd) => (&dd.pts, dd.count.clone()),
        None => (&current.all, vec![1; current.all.ncols()]),
    };
    let mut target_cols = Vec::new();
    for (k, col) in pts.column_iter().enumerate() {
        if within(col.as_slice(), position.as_slice(), eps) {
            count[k] = 0;
            match distinct {
                Some(dd) => target_cols.extend_from_slice(dd.cols.of(k)),
                None => target_cols.push(k),
            }
        }
    }
    target_cols.sort_unstable();
    let target = current.all.select_columns(target_cols.iter());
    let holders = holders_of(current, &target_cols);
    let (g, lo, hi, gap) = isolating_direction(rng, &target, pts, &count, TRIES);
    Isolation { g, lo, hi, gap, holders }
}

fn within(col: &[f64], position: &[f64], eps: f64) -> bool {
    let dist2: f64 = col.iter().zip(position).map(|(a, b)| (a - b) * (a - b)).sum();
    dist2 <= eps * eps
}

fn holders_of(current: &Current, target_cols: &[usize]) -> Vec<usize> {
    let mut holders: Vec<usize> = target_cols.iter().map(|&j| current.sequence_of(j)).collect();
    holders.dedup();
    holders
}

/// The distinct positions sorted along one pool direction.
struct Sorted {
    /// projections, ascending
    proj: Vec<f64>,
    /// the distinct position of each entry of `proj`
    which: Vec<u32>,
    /// `cum[i]`: tokens (with multiplicity) in the first i entries
    cum: Vec<usize>,
}

/// One block's pool of random directions, each sorting the block's distinct positions the
/// first time a position needs it.
pub struct Pool<'a> {
    distinct: &'a Distinct,
    dirs: Vec<DVector<f64>>,
    sorted: Vec<OnceCell<Sorted>>,
    /// tokens in all (with multiplicity)
    total: usize,
    /// the largest 1-norm of a distinct position (for the search's rounding slack)
    norm1: f64,
}

impl<'a> Pool<'a> {
    pub fn new(distinct: &'a Distinct, rng: &mut Rng) -> Pool<'a> {
        let d = distinct.pts.nrows();
        let dirs: Vec<DVector<f64>> = (0..TRIES).map(|_| rng.unit(d, false)).collect();
        let sorted = (0..TRIES).map(|_| OnceCell::new()).collect();
        let total = distinct.count.iter().sum();
        let norm1 = distinct.pts.column_iter().map(|c| c.iter().map(|v| v.abs()).sum::<f64>()).fold(0.0, f64::max);
        Pool { distinct, dirs, sorted, total, norm1 }
    }

    fn sorted(&self, k: usize) -> &Sorted {
        self.sorted[k].get_or_init(|| {
            let g = self.dirs[k].as_slice();
            let d = self.distinct.pts.nrows().max(1);
            let mut pairs: Vec<(f64, u32)> =
                self.distinct.pts.as_slice().chunks_exact(d).enumerate().map(|(i, c)| (dot(g, c), i as u32)).collect();
            pairs.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            let mut cum = Vec::with_capacity(pairs.len() + 1);
            cum.push(0);
            for &(_, i) in &pairs {
                cum.push(cum.last().copied().unwrap_or(0) + self.distinct.count[i as usize]);
            }
            let (proj, which) = pairs.into_iter().unzip();
            Sorted { proj, which, cum }
        })
    }

    /// The distinct positions within `eps` of `position`, ascending: a range of the first
    /// direction's order (a projection moves by at most the distance plus rounding), each
    /// checked by distance as [`isolate`] checks it.
    fn near(&self, position: &DVector<f64>, eps: f64) -> Vec<usize> {
        let s = self.sorted(0);
        let g = self.dirs[0].as_slice();
        let p = dot(g, position.as_slice());
        let pos1: f64 = position.iter().map(|v| v.abs()).sum();
        let d = position.len() as f64;
        let slack = eps * (1.0 + 1e-9) + 8.0 * (d + 2.0) * f64::EPSILON * (self.norm1 + pos1);
        let from = s.proj.partition_point(|&v| v < p - slack);
        let to = s.proj.partition_point(|&v| v <= p + slack);
        let mut found: Vec<usize> = s.which[from..to]
            .iter()
            .map(|&i| i as usize)
            .filter(|&i| within(self.distinct.pts.column(i).as_slice(), position.as_slice(), eps))
            .collect();
        found.sort_unstable();
        found
    }

    /// As [`isolate`] does with the pool's directions, tried in order.
    pub fn isolate(&self, current: &Current, position: &DVector<f64>, eps: f64) -> Isolation {
        let dd = self.distinct;
        let targets = self.near(position, eps);
        let mut target_cols: Vec<usize> = targets.iter().flat_map(|&k| dd.cols.of(k).iter().copied()).collect();
        target_cols.sort_unstable();
        let target = current.all.select_columns(target_cols.iter());
        let n_others = self.total - targets.iter().map(|&k| dd.count[k]).sum::<usize>();
        let mut best: Option<(DVector<f64>, f64, f64, f64)> = None;
        for k in 0..TRIES {
            let g = &self.dirs[k];
            let tp: Vec<f64> = target.column_iter().map(|c| g.dot(&c)).collect();
            let (lo, hi) = tp.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(*v), b.max(*v)));
            let (gap, above, spread) = self.along(k, (lo, hi), n_others);
            let (g, lo, hi) = if 2 * above > n_others { (-g, -hi, -lo) } else { (g.clone(), lo, hi) };
            let good = gap.is_finite() && gap >= spread / (4.0 * (n_others + 1) as f64);
            if best.as_ref().is_none_or(|b| gap > b.3) {
                best = Some((g, lo, hi, gap));
            }
            if good {
                break;
            }
        }
        let (g, lo, hi, gap) = best.unwrap_or_else(|| (DVector::zeros(position.len()), 0.0, 0.0, 0.0));
        Isolation { g, lo, hi, gap, holders: holders_of(current, &target_cols) }
    }

    /// Along pool direction k, the other tokens (`n_others` of them, every token outside
    /// the targets, which all project into `[lo, hi]`): the smallest distance of one to
    /// the interval (0 inside it; infinite without others), how many lie above it, and the
    /// extent of the interval and every token.
    fn along(&self, k: usize, (lo, hi): (f64, f64), n_others: usize) -> (f64, usize, f64) {
        let s = self.sorted(k);
        let n = s.proj.len();
        let (Some(&first), Some(&last)) = (s.proj.first(), s.proj.last()) else {
            return (f64::INFINITY, 0, hi - lo);
        };
        let spread = hi.max(last) - lo.min(first);
        if n_others == 0 {
            return (f64::INFINITY, 0, spread);
        }
        let below = s.proj.partition_point(|&v| v < lo);
        let upto = s.proj.partition_point(|&v| v <= hi);
        let inside = s.cum[upto] - s.cum[below];
        let above = s.cum[n] - s.cum[upto];
        if inside > self.total - n_others {
            // an other token inside the interval
            return (0.0, above, spread);
        }
        let mut gap = f64::INFINITY;
        if below > 0 {
            gap = gap.min(lo - s.proj[below - 1]);
        }
        if upto < n {
            gap = gap.min(s.proj[upto] - hi);
        }
        (gap, above, spread)
    }
}

/// [`Pool::along`] computed by a pass over every distinct position (the reference).
#[cfg(test)]
fn along_brute(g: &DVector<f64>, (lo, hi): (f64, f64), distinct: &Distinct, is_target: &[bool]) -> (f64, usize, f64) {
    let (mut gap, mut above, mut s_lo, mut s_hi) = (f64::INFINITY, 0, lo, hi);
    for (i, c) in distinct.pts.column_iter().enumerate() {
        let p = dot(g.as_slice(), c.as_slice());
        s_lo = s_lo.min(p);
        s_hi = s_hi.max(p);
        if is_target[i] {
            continue;
        }
        let dist = if p < lo {
            lo - p
        } else if p > hi {
            above += distinct.count[i];
            p - hi
        } else {
            0.0
        };
        gap = gap.min(dist);
    }
    (gap, above, s_hi - s_lo)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tokens on a coarse grid (many repeats, exact ties of projections) with a few
    /// positions nudged by less than eps.
    fn current(rng: &mut Rng, d: usize, seqs: usize, len: usize) -> Current {
        let mut data = Vec::new();
        let mut starts = vec![0];
        for _ in 0..seqs {
            for _ in 0..len {
                for _ in 0..d {
                    let v = 1.0 + (rng.uniform() * 6.0).floor() / 4.0;
                    data.push(if rng.uniform() < 0.02 { v + 1e-17 } else { v });
                }
            }
            starts.push(data.len() / d);
        }
        let n = data.len() / d;
        Current { all: DMatrix::from_vec(d, n, data), starts }
    }

    #[test]
    fn the_pool_reads_what_a_full_pass_reads() {
        let mut rng = Rng::new(7);
        let mut checked = 0;
        for case in 0..40 {
            let d = 1 + case % 4;
            let cur = current(&mut rng, d, 3 + case, 1 + case % 5);
            let dd = Distinct::of(&cur.all);
            let pool = Pool::new(&dd, &mut rng);
            let eps = if case % 3 == 0 { 1e-12 } else { 0.3 };
            for j in (0..cur.all.ncols()).step_by(3) {
                let position: DVector<f64> = cur.all.column(j).into();
                // the targets: the same as a full scan's
                let brute: Vec<usize> = (0..dd.pts.ncols()).filter(|&k| within(dd.pts.column(k).as_slice(), position.as_slice(), eps)).collect();
                assert_eq!(pool.near(&position, eps), brute);
                let mut is_target = vec![false; dd.pts.ncols()];
                brute.iter().for_each(|&k| is_target[k] = true);
                let n_others = pool.total - brute.iter().map(|&k| dd.count[k]).sum::<usize>();
                for k in 0..TRIES {
                    let g = &pool.dirs[k];
                    let tp: Vec<f64> = brute.iter().map(|&t| g.dot(&dd.pts.column(t))).collect();
                    let lo = tp.iter().copied().fold(f64::INFINITY, f64::min);
                    let hi = tp.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                    let fast = pool.along(k, (lo, hi), n_others);
                    let slow = along_brute(g, (lo, hi), &dd, &is_target);
                    assert_eq!((fast.0.to_bits(), fast.1, fast.2.to_bits()), (slow.0.to_bits(), slow.1, slow.2.to_bits()), "case {case}, column {j}, direction {k}");
                    checked += 1;
                }
            }
        }
        assert!(checked > 1000);
    }

    #[test]
    fn the_pool_isolates_as_the_one_position_path_does_with_the_same_directions() {
        let mut rng = Rng::new(11);
        for case in 0..20 {
            let d = 2 + case % 3;
            let cur = current(&mut rng, d, 6 + case, 4);
            let dd = Distinct::of(&cur.all);
            let pool = Pool::new(&dd, &mut rng);
            for j in (0..cur.all.ncols()).step_by(5) {
                let position: DVector<f64> = cur.all.column(j).into();
                let iso = pool.isolate(&cur, &position, 1e-12);
                // the reference: every direction of the pool, in order, over every column
                let mut count = dd.count.clone();
                let targets = pool.near(&position, 1e-12);
                targets.iter().for_each(|&k| count[k] = 0);
                let mut cols: Vec<usize> = targets.iter().flat_map(|&k| dd.cols.of(k).iter().copied()).collect();
                cols.sort_unstable();
                assert_eq!(iso.holders, holders_of(&cur, &cols));
                let target = cur.all.select_columns(cols.iter());
                let (g, lo, hi, gap) = super::super::geometry::isolating_direction_among(&pool.dirs, &target, &dd.pts, &count);
                assert_eq!((iso.lo.to_bits(), iso.hi.to_bits(), iso.gap.to_bits()), (lo.to_bits(), hi.to_bits(), gap.to_bits()), "case {case}, column {j}");
                assert_eq!(iso.g, g);
            }
        }
    }
}
