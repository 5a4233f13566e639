//! The attention layer on the enclosure: each query's attended set, decided for every
//! value the intervals allow, and the moved points.

use super::interval::{add_bounds, dot_any, dot_seq, gamma, safe, IVec, Interval, SUB};
use super::{finite, LayerFailure, Points};
use crate::model::{SelfAttention, Value, TAU_REL};
use nalgebra::DMatrix;

/// The attention layer's weights in the form the enclosure uses.
pub(super) struct SaPlan<'a> {
    sa: &'a SelfAttention,
    q: Vec<Vec<f64>>,
    k: Vec<Vec<f64>>,
    same: bool,
}

impl<'a> SaPlan<'a> {
    pub(super) fn new(sa: &'a SelfAttention) -> SaPlan<'a> {
        let rows = |m: &DMatrix<f64>| -> Vec<Vec<f64>> {
            (0..m.nrows()).map(|l| m.row(l).iter().copied().collect()).collect()
        };
        SaPlan { sa, q: rows(sa.q()), k: rows(sa.k()), same: sa.q() == sa.k() }
    }

    fn value(&self, m: &[Interval]) -> IVec {
        match self.sa.v() {
            Value::Zero => vec![Interval::ZERO; m.len()],
            Value::Scaled(l) => m.iter().map(|v| v.scale(*l)).collect(),
            Value::RankOne { left, right } => {
                let s = dot_any(right.as_slice(), m);
                left.iter().map(|l| s.scale(*l)).collect()
            }
            Value::Dense(v) => (0..v.nrows())
                .map(|c| dot_any(&v.row(c).iter().copied().collect::<Vec<_>>(), m))
                .collect(),
        }
    }

    /// One attention layer on the enclosure; returns the smallest attention slack.
    pub(super) fn apply(&self, pts: &mut Points) -> Result<f64, LayerFailure> {
        if self.sa.is_pointwise() {
            self.apply_pointwise(pts);
            return Ok(f64::INFINITY);
        }
        let scores = Scores::new(self, pts);
        let tau = scores.tie_tolerance()?;
        let (attended, slack) = scores.attended_sets(tau)?;
        let moved = self.move_points(pts, &attended);
        if self.sa.rho() == 0.0 {
            merge_by_set(pts, moved, &attended);
        } else {
            pts.points = moved;
        }
        finite(&pts.points)?;
        Ok(slack)
    }

    /// A layer without attention (`x -> rho x`); with rho = 0 every point becomes the
    /// origin, one point.
    fn apply_pointwise(&self, pts: &mut Points) {
        let rho = self.sa.rho();
        if rho == 1.0 {
            return;
        }
        for p in pts.points.iter_mut() {
            for v in p.iter_mut() {
                *v = v.scale(rho);
            }
        }
        if rho == 0.0 {
            let total = pts.counts.iter().sum();
            let d = pts.points[0].len();
            *pts = Points { points: vec![vec![Interval::ZERO; d]], counts: vec![total] };
        }
    }

    /// `rho x_i + V mean(attended set of i)` for every point i.
    fn move_points(&self, pts: &Points, attended: &Attended) -> Vec<IVec> {
        let rho = self.sa.rho();
        let moved: Vec<IVec> = attended.sets.iter().map(|m| self.value(&mean_of(pts, m))).collect();
        pts.points
            .iter()
            .enumerate()
            .map(|(i, x)| x.iter().zip(&moved[attended.set_of[i]]).map(|(v, m)| v.scale(rho).add(*m)).collect())
            .collect()
    }
}

/// The distinct attended sets of a layer's queries, and which one each query attends.
struct Attended {
    sets: Vec<Vec<usize>>,
    set_of: Vec<usize>,
}

impl Attended {
    /// Records that the next query attends `members`.
    fn push(&mut self, members: Vec<usize>) {
        let id = match self.sets.iter().position(|m| *m == members) {
            Some(id) => id,
            None => {
                self.sets.push(members);
                self.sets.len() - 1
            }
        };
        self.set_of.push(id);
    }
}

/// After a layer with rho = 0: queries with the same attended set got the same value, so
/// they become one point (in order of first appearance), their multiplicities summed.
fn merge_by_set(pts: &mut Points, moved: Vec<IVec>, attended: &Attended) {
    let n_sets = attended.sets.len();
    let mut counts = vec![0u32; n_sets];
    for (i, &s) in attended.set_of.iter().enumerate() {
        counts[s] += pts.counts[i];
    }
    let mut first = vec![usize::MAX; n_sets];
    for (i, &s) in attended.set_of.iter().enumerate() {
        if first[s] == usize::MAX {
            first[s] = i;
        }
    }
    let mut order: Vec<usize> = (0..n_sets).collect();
    order.sort_by_key(|&s| first[s]);
    pts.points = order.iter().map(|&s| moved[first[s]].clone()).collect();
    pts.counts = order.iter().map(|&s| counts[s]).collect();
}

/// The projections of a layer's points: queries `p_i = Q x_i` and keys `k_j = K x_j`, each
/// of `rank` coordinates, computed in the program's order.
struct Scores {
    p: Vec<IVec>,
    k: Vec<IVec>,
    rank: usize,
}

impl Scores {
    fn new(plan: &SaPlan, pts: &Points) -> Scores {
        let proj = |rows: &[Vec<f64>]| -> Vec<IVec> {
            pts.points.iter().map(|x| rows.iter().map(|row| dot_seq(row, x)).collect()).collect()
        };
        let p = proj(&plan.q);
        let k = if plan.same { p.clone() } else { proj(&plan.k) };
        Scores { p, k, rank: plan.q.len() }
    }

    fn len(&self) -> usize {
        self.p.len()
    }

    /// The score `p_i . k_j`.
    fn score(&self, i: usize, j: usize) -> Interval {
        let mut s = Interval::ZERO;
        for l in 0..self.rank {
            s = s.add(self.p[i][l].mul(self.k[j][l]));
        }
        s
    }

    /// The tie tolerance `tau = TAU_REL * max |s_ij|`; with rank one the largest score
    /// magnitude is the product of the largest query and key magnitudes.
    fn tie_tolerance(&self) -> Result<Interval, LayerFailure> {
        let n = self.len();
        let tau = if self.rank == 1 {
            let extremes = |v: &[IVec]| v.iter().fold((0.0f64, 0.0f64), |a, v| (a.0.max(v[0].mig()), a.1.max(v[0].mag())));
            let (pmig, pmag) = extremes(&self.p);
            let (kmig, kmag) = extremes(&self.k);
            Interval::point(pmig).mul(Interval::point(kmig)).hull_with(Interval::point(pmag).mul(Interval::point(kmag))).scale(TAU_REL)
        } else {
            let (mut mig, mut mag) = (0.0f64, 0.0f64);
            for i in 0..n {
                for j in 0..n {
                    let s = self.score(i, j);
                    mig = mig.max(s.mig());
                    mag = mag.max(s.mag());
                }
            }
            Interval { lo: mig, hi: mag }.scale(TAU_REL)
        };
        if !tau.is_finite() {
            return Err(LayerFailure { reason: "the tie tolerance overflows f64".into(), slack: f64::NEG_INFINITY });
        }
        Ok(tau)
    }

    /// Every query's attended set, and the smallest attention slack.
    fn attended_sets(&self, tau: Interval) -> Result<(Attended, f64), LayerFailure> {
        let n = self.len();
        // rank one, positive queries: scores are monotone in k, so sets are prefixes of the
        // order by the upper end of k
        let (order, best_lo) = if self.rank == 1 {
            let mut o: Vec<usize> = (0..n).collect();
            o.sort_by(|&a, &b| self.k[b][0].hi.total_cmp(&self.k[a][0].hi).then(a.cmp(&b)));
            (o, (0..n).max_by(|&a, &b| self.k[a][0].lo.total_cmp(&self.k[b][0].lo)))
        } else {
            (Vec::new(), None)
        };
        let mut attended = Attended { sets: Vec::new(), set_of: Vec::with_capacity(n) };
        let mut slack = f64::INFINITY;
        for i in 0..n {
            let (members, s) = if self.rank == 1 && self.p[i][0].lo > 0.0 {
                let jl = best_lo.unwrap_or(0);
                decide(&order, |j| self.score(i, j), self.score(i, jl).lo, tau)?
            } else {
                self.decide_any(i, tau)?
            };
            slack = slack.min(s);
            attended.push(members);
        }
        Ok((attended, slack))
    }

    /// Query i's attended set from all its scores (no monotone order to use).
    fn decide_any(&self, i: usize, tau: Interval) -> Result<(Vec<usize>, f64), LayerFailure> {
        let n = self.len();
        let lo = (0..n).map(|j| self.score(i, j).lo).fold(f64::NEG_INFINITY, f64::max);
        let scores: Vec<Interval> = (0..n).map(|j| self.score(i, j)).collect();
        let mut by_hi: Vec<usize> = (0..n).collect();
        by_hi.sort_by(|&a, &b| scores[b].hi.total_cmp(&scores[a].hi).then(a.cmp(&b)));
        decide(&by_hi, |j| scores[j], lo, tau)
    }
}

/// Decides one query's attended set. `order` lists the points by decreasing upper score
/// end, `score(j)` is the score interval, `best_lo` the largest lower score end. Returns
/// the members (sorted) and the slack, or why it cannot be decided.
fn decide(order: &[usize], score: impl Fn(usize) -> Interval, best_lo: f64, tau: Interval) -> Result<(Vec<usize>, f64), LayerFailure> {
    // the smallest possible threshold max - tau, and the candidates above it
    let thr_lo = add_bounds(best_lo, -tau.hi).0;
    let top = score(order[0]).hi;
    let mut members = Vec::new();
    let mut slack = f64::INFINITY;
    for &j in order {
        let s = score(j);
        if s.lo.is_nan() || s.hi.is_nan() {
            return Err(LayerFailure { reason: "a score is not a number".into(), slack: f64::NEG_INFINITY });
        }
        if s.hi < thr_lo {
            slack = add_bounds(thr_lo, -s.hi).0;
            break;
        }
        members.push(j);
    }
    if members.is_empty() {
        return Err(LayerFailure { reason: "no score can be bounded".into(), slack: f64::NEG_INFINITY });
    }
    if members.len() > 1 {
        // a tie: each candidate must clear the largest possible threshold
        let thr_hi = add_bounds(top, -tau.lo).1;
        for &m in &members {
            let lo = score(m).lo;
            // written so that a NaN bound fails too
            #[allow(clippy::neg_cmp_op_on_partial_ord)]
            let falls_short = !(lo >= thr_hi);
            if falls_short {
                return Err(LayerFailure {
                    reason: format!(
                        "{} points score within the tie tolerance of the top but cannot be told in or out of it (worst case {:.3e} below the threshold)",
                        members.len(),
                        thr_hi - lo
                    ),
                    slack: add_bounds(lo, -thr_hi).0,
                });
            }
        }
    }
    members.sort_unstable();
    Ok((members, slack))
}

/// The enclosure of the mean of the members (with multiplicities), the program's value
/// (`first + sum c_j (x_j - first) / total`) included.
fn mean_of(pts: &Points, members: &[usize]) -> IVec {
    if members.len() == 1 {
        return pts.points[members[0]].clone();
    }
    let d = pts.points[0].len();
    let total: f64 = members.iter().map(|&j| pts.counts[j] as f64).sum();
    let first = &pts.points[members[0]];
    (0..d)
        .map(|c| {
            let mut acc = Interval::ZERO;
            let mut spread = 0.0;
            for &j in members {
                let cj = pts.counts[j] as f64;
                acc = acc.add(pts.points[j][c].scale(cj));
                spread += cj * (pts.points[j][c].mag() + first[c].mag());
            }
            let m = members.len();
            acc.div_pos(total).widen(safe(gamma(m + 4) * (first[c].mag() + 2.0 * spread / total) + (m + 4) as f64 * SUB))
        })
        .collect()
}
