//! Certified verification: a proof, for every training sequence, that the hardmax choices
//! and the readout do not depend on rounding.
//!
//! [`certify`] runs an *enclosure* of the forward pass: every coordinate of every point is
//! an interval `[lo, hi]` of reals. Invariant, layer after layer: the interval contains
//! both the value the exact-arithmetic model (the stored f64 weights, computed with real
//! numbers) takes and the value the f64 program ([`Transformer::forward`]) computes. It
//! starts from the encoded tokens as the program computes them (the input map is
//! preprocessing). With the invariant, a choice is *certified* when it comes out the same
//! for every value the intervals allow:
//!
//! * **attention**: for each query, every point not attended scores below the tie
//!   threshold `max_l s_il - tau` even in the worst case (its upper bound is below the
//!   smallest possible threshold), and, when several distinct points are attended (a tie),
//!   each of them scores above the largest possible threshold. Then the exact model and the
//!   program attend to the same set. The *attention slack* is what is left: smallest
//!   possible threshold minus the largest possible score of a point not attended.
//! * **readout**: the largest possible distance of the output mean to its own anchor is
//!   below the smallest possible distance to every other anchor. The *readout slack* is the
//!   gap left. Both the exact model and the program then name the right class.
//!
//! `certified_slack` is the smaller of the two slacks over all sequences (they are in
//! different units, scores and distances; each is reported too). A certificate fails,
//! naming the sequence and the layer, when a choice cannot be decided or a bound overflows.
//!
//! # How the intervals are kept (and why they enclose the program's value too)
//!
//! *Outward rounding.* Each operation on interval ends is rounded with round-to-nearest
//! and then moved outward to the next float when the result may be inexact. Sums use
//! Knuth's TwoSum (`s = a + b`, `err = (a - (s - bb)) + (b - bb)`, `bb = s - a`), which
//! gives the rounding error exactly, so the exact sum is `s` (err = 0) or lies on the side
//! the sign of `err` says: one step outward on that side only. Products use the fused
//! multiply-add residual `a * b - p` the same way when `|p| >= 2^-968` (there the residual
//! is representable, so its sign is exact), and one step outward on both sides otherwise
//! (products near the subnormal range). Quotients and square roots (correctly rounded in
//! IEEE arithmetic) move one step outward on both sides. Every end so computed is a float
//! below (above) the exact real result, so intervals enclose exact values.
//!
//! *Mirrored steps enclose the program's value.* If an interval operation encloses the
//! exact result, it also encloses the program's rounded result of the same operation on
//! inputs inside the intervals: rounding is monotone and the ends are floats. So every
//! step computed here in the program's own order (projections `Q x`, scores `p_i k_j`,
//! the tie tolerance `tau`, `rho x + V mean`) encloses both values at once.
//!
//! *Regrouped steps add the a-priori error bound.* Two steps are evaluated in another
//! order, for tightness: the feed-forward layer and the sums whose order belongs to the
//! linear-algebra library (dot products in V, means, norms). For these the interval is the
//! exact enclosure `G(X)` (containing the exact value for every real input in the box X,
//! in particular the program's own input) widened by a bound on the program's rounding
//! error at that input. For a sum of `n` rounded products computed in any order
//! (Higham, *Accuracy and Stability of Numerical Algorithms*, §3.1):
//!
//! ```text
//! |fl(sum_i a_i b_i) - sum_i a_i b_i|  <=  gamma_n sum_i |a_i b_i| + n 2^-1074,   gamma_n = n u / (1 - n u),  u = 2^-53
//! ```
//!
//! (the last term covers products that underflow). The feed-forward layer
//! `y_c = eta x_c + sum_r W_cr relu(U_r x + b_r)`, computed by the program as
//! `act_r = fl(fl(U_r x) + b_r)` and then `y_c = fl(... fl(fl(eta x_c) + fl(W_c1 act_1)) ...)`
//! over the neurons with `act_r > 0`, satisfies, at the same input x:
//!
//! ```text
//! |act_r - (U_r x + b_r)|  <=  e_r = gamma_{d+1} (sum_l |U_rl| |x_l| + |b_r|) + (d+1) 2^-1074
//! |fl y_c - y_c|           <=  gamma_{k+1} (|eta| |x_c| + sum_r |W_cr| |act_r|) + sum_r |W_cr| e_r + (k+1) 2^-1074
//! ```
//!
//! with sums over the k neurons that may be active (relu is 1-Lipschitz, so a neuron the
//! program switches on or off by rounding costs at most `|W_cr| e_r`); with no active
//! neuron and `eta = 1` the layer changes nothing. The exact enclosure `G(X)` treats the
//! neurons that share a row of U together (the three neurons of a tent do): with
//! `a = U_r x` one interval, the neurons certainly active contribute
//! `(sum W_r) a + sum W_r b_r` (for a tent far above its slab `sum W_r = D - 2D + D = 0`
//! exactly, so its leak is the true leak of the stored biases, not interval blow-up), the
//! ones that may be either contribute `W_r [0, hi(a + b_r)]`, the rest nothing.
//!
//! Points whose tokens are provably identical stay one point: after a layer with rho = 0
//! every query with the same attended set gets the same value, exactly and in the program.
//!
//! No interval-arithmetic crate was used: the maintained one (inari) needs a Haswell or
//! newer target CPU set at build time and does not build for wasm32, which the page needs.

use crate::dataset::Dataset;
use crate::model::{Cloud, FeedForward, SelfAttention, Transformer, Value, TAU_REL};
use nalgebra::DMatrix;
use serde::{Deserialize, Serialize};

/// Unit roundoff of f64 (round to nearest).
const UNIT: f64 = f64::EPSILON / 2.0;
/// The smallest positive f64, `2^-1074`: the absolute error of an underflowing product.
const SUB: f64 = 4.9406564584124654e-324;
/// Products at least this large (`2^-968`) have a representable rounding error.
const TINY: f64 = 4.008336720017946e-292;

/// `gamma_n = n u / (1 - n u)`, inflated so the rounding of its own computation is covered.
fn gamma(n: usize) -> f64 {
    let nu = n as f64 * UNIT;
    nu / (1.0 - nu) * (1.0 + 1e-9)
}

/// An error bound computed in f64, inflated to cover the rounding of its own computation.
fn safe(e: f64) -> f64 {
    e * (1.0 + 1e-9) + SUB
}

/// Bounds `[rd, ru]` of the exact sum `a + b` (TwoSum: the rounding error is exact).
fn add_bounds(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    if !s.is_finite() {
        return (s.next_down(), s.next_up());
    }
    let bb = s - a;
    let err = (a - (s - bb)) + (b - bb);
    if err > 0.0 {
        (s, s.next_up())
    } else if err < 0.0 {
        (s.next_down(), s)
    } else if err == 0.0 {
        (s, s)
    } else {
        (s.next_down(), s.next_up())
    }
}

/// Bounds `[rd, ru]` of the exact product `a * b` of two interval ends (0 times an
/// unbounded end is 0).
fn mul_bounds(a: f64, b: f64) -> (f64, f64) {
    if a == 0.0 || b == 0.0 {
        if a.is_nan() || b.is_nan() {
            return (f64::NAN, f64::NAN);
        }
        return (0.0, 0.0);
    }
    let p = a * b;
    if !p.is_finite() {
        return (p.next_down(), p.next_up());
    }
    if p.abs() >= TINY {
        let e = a.mul_add(b, -p);
        if e > 0.0 {
            return (p, p.next_up());
        } else if e < 0.0 {
            return (p.next_down(), p);
        } else if e == 0.0 {
            return (p, p);
        }
    }
    (p.next_down(), p.next_up())
}

/// A closed interval of reals `[lo, hi]`; infinite ends mean unbounded.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    pub lo: f64,
    pub hi: f64,
}

impl Interval {
    pub const ZERO: Interval = Interval { lo: 0.0, hi: 0.0 };

    pub fn point(x: f64) -> Interval {
        Interval { lo: x, hi: x }
    }
    pub fn is_point(&self) -> bool {
        self.lo == self.hi
    }
    pub fn is_finite(&self) -> bool {
        self.lo.is_finite() && self.hi.is_finite()
    }
    pub fn width(&self) -> f64 {
        self.hi - self.lo
    }
    /// Largest |x| over the interval.
    pub fn mag(&self) -> f64 {
        self.lo.abs().max(self.hi.abs())
    }
    /// Smallest |x| over the interval.
    pub fn mig(&self) -> f64 {
        if self.lo > 0.0 {
            self.lo
        } else if self.hi < 0.0 {
            -self.hi
        } else {
            0.0
        }
    }
    pub fn add(self, o: Interval) -> Interval {
        if o == Interval::ZERO {
            return self;
        }
        if self == Interval::ZERO {
            return o;
        }
        Interval { lo: add_bounds(self.lo, o.lo).0, hi: add_bounds(self.hi, o.hi).1 }
    }
    pub fn neg(self) -> Interval {
        Interval { lo: -self.hi, hi: -self.lo }
    }
    pub fn sub(self, o: Interval) -> Interval {
        self.add(o.neg())
    }
    /// `s * self` for a float s.
    pub fn scale(self, s: f64) -> Interval {
        if s == 1.0 {
            return self;
        }
        if s >= 0.0 {
            Interval { lo: mul_bounds(s, self.lo).0, hi: mul_bounds(s, self.hi).1 }
        } else {
            Interval { lo: mul_bounds(s, self.hi).0, hi: mul_bounds(s, self.lo).1 }
        }
    }
    pub fn mul(self, o: Interval) -> Interval {
        if o.is_point() {
            return self.scale(o.lo);
        }
        if self.is_point() {
            return o.scale(self.lo);
        }
        let ends = [(self.lo, o.lo), (self.lo, o.hi), (self.hi, o.lo), (self.hi, o.hi)];
        let mut r = Interval { lo: f64::INFINITY, hi: f64::NEG_INFINITY };
        for (a, b) in ends {
            let (l, h) = mul_bounds(a, b);
            if l.is_nan() || h.is_nan() {
                return Interval { lo: f64::NAN, hi: f64::NAN };
            }
            r.lo = r.lo.min(l);
            r.hi = r.hi.max(h);
        }
        r
    }
    /// `self / n` for a positive float n.
    pub fn div_pos(self, n: f64) -> Interval {
        if n == 1.0 {
            return self;
        }
        Interval { lo: (self.lo / n).next_down(), hi: (self.hi / n).next_up() }
    }
    pub fn sqr(self) -> Interval {
        let (a, b) = (self.mig(), self.mag());
        Interval { lo: mul_bounds(a, a).0, hi: mul_bounds(b, b).1 }
    }
    /// Square root of the nonnegative part.
    pub fn sqrt(self) -> Interval {
        let lo = self.lo.max(0.0).sqrt().next_down().max(0.0);
        Interval { lo, hi: self.hi.max(0.0).sqrt().next_up() }
    }
    /// `[lo - e, hi + e]`, rounded outward.
    pub fn widen(self, e: f64) -> Interval {
        if e == 0.0 {
            return self;
        }
        Interval { lo: add_bounds(self.lo, -e).0, hi: add_bounds(self.hi, e).1 }
    }
}

type IVec = Vec<Interval>;

/// `sum_l row_l x_l` from 0 in coordinate order (the program's order for projections).
fn dot_seq(row: &[f64], x: &[Interval]) -> Interval {
    let mut acc = Interval::ZERO;
    for (r, v) in row.iter().zip(x) {
        if *r != 0.0 {
            acc = acc.add(v.scale(*r));
        }
    }
    acc
}

/// A dot product whose summation order is the library's: the exact enclosure widened by
/// the any-order bound.
fn dot_any(row: &[f64], x: &[Interval]) -> Interval {
    let exact = dot_seq(row, x);
    let terms: f64 = row.iter().zip(x).map(|(r, v)| r.abs() * v.mag()).sum();
    exact.widen(safe(gamma(row.len()) * terms + row.len() as f64 * SUB))
}

/// Neurons sharing one row of U (the neurons of a tent), with their biases and columns of W.
struct Group {
    row: Vec<f64>,
    row_abs_sum: Vec<f64>,
    neurons: Vec<(f64, Vec<f64>)>,
}

struct FfPlan {
    eta: f64,
    groups: Vec<Group>,
}

impl FfPlan {
    fn new(ff: &FeedForward) -> FfPlan {
        let (u, b, w) = (ff.u(), ff.b(), ff.w());
        let mut groups: Vec<Group> = Vec::new();
        for r in 0..u.nrows() {
            let row: Vec<f64> = u.row(r).iter().copied().collect();
            let neuron = (b[r], w.column(r).iter().copied().collect());
            match groups.last_mut() {
                Some(g) if g.row == row => g.neurons.push(neuron),
                _ => groups.push(Group { row_abs_sum: row.iter().map(|v| v.abs()).collect(), row, neurons: vec![neuron] }),
            }
        }
        FfPlan { eta: ff.eta(), groups }
    }

    /// The enclosure of `eta x + W relu(U x + b)` (see the module documentation).
    fn apply(&self, x: &[Interval]) -> IVec {
        let d = x.len();
        let mut y: IVec = x.iter().map(|v| v.scale(self.eta)).collect();
        let mut terms: Vec<f64> = x.iter().map(|v| self.eta.abs() * v.mag()).collect();
        let mut propagated = vec![0.0; d];
        let mut possible = 0usize;
        for g in &self.groups {
            let a = dot_seq(&g.row, x);
            let in_mag: f64 = g.row_abs_sum.iter().zip(x).map(|(r, v)| r * v.mag()).sum();
            let mut wsum = vec![Interval::ZERO; d];
            let mut wb = vec![Interval::ZERO; d];
            let mut any_active = false;
            for (b, wcol) in &g.neurons {
                let act = a.add(Interval::point(*b));
                if act.hi <= 0.0 {
                    continue; // off for every input in the box, and in the program
                }
                possible += 1;
                let e_act = gamma(d + 1) * (in_mag + b.abs()) + (d + 1) as f64 * SUB;
                for c in 0..d {
                    let wc = wcol[c];
                    if wc == 0.0 {
                        continue;
                    }
                    terms[c] += wc.abs() * act.hi;
                    propagated[c] += wc.abs() * e_act;
                    if act.lo > 0.0 {
                        wsum[c] = wsum[c].add(Interval::point(wc));
                        wb[c] = wb[c].add(Interval::point(*b).scale(wc));
                    } else {
                        y[c] = y[c].add(Interval { lo: 0.0, hi: act.hi }.scale(wc));
                    }
                }
                any_active |= act.lo > 0.0;
            }
            if any_active {
                for c in 0..d {
                    y[c] = y[c].add(wsum[c].mul(a).add(wb[c]));
                }
            }
        }
        if possible > 0 || self.eta != 1.0 {
            let g = gamma(possible + 1);
            for c in 0..d {
                let e = g * terms[c] + propagated[c] + (possible + 1) as f64 * SUB;
                y[c] = y[c].widen(safe(e));
            }
        }
        y
    }
}

/// Why a sequence's certificate failed, and where.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Failure {
    /// index of the sequence in the dataset (0-based)
    pub sequence: usize,
    pub name: String,
    /// the layer (1-based, as in [`Transformer::layer`]); None: the readout
    pub layer: Option<usize>,
    /// that layer's stage
    pub stage: Option<String>,
    pub reason: String,
}

/// The result of [`certify`]; field names are those of the `verify --certify --json` report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Certificate {
    /// every sequence's choices and readout are certified
    pub certified: bool,
    /// the smaller of the two slacks below (negative or 0 where a check failed)
    pub certified_slack: f64,
    /// smallest attention slack: worst-case tie threshold minus worst-case best score not
    /// attended (+inf when no attention layer has a choice to make)
    pub certified_attention_slack: f64,
    /// smallest readout slack: worst-case distance to the nearest wrong anchor minus
    /// worst-case distance to the own anchor (+inf with one class)
    pub certified_readout_slack: f64,
    /// widest interval of an output mean coordinate: the error bound at the end
    pub certified_error_bound: f64,
    /// the first failing sequence (None when certified)
    pub certified_failure: Option<Failure>,
}

/// A sequence in enclosure form: interval points with multiplicities.
struct Points {
    points: Vec<IVec>,
    counts: Vec<u32>,
}

/// What went wrong in a layer: why, and the (non-positive) slack that failed.
struct LayerFailure {
    reason: String,
    slack: f64,
}

fn finite(points: &[IVec]) -> Result<(), LayerFailure> {
    if points.iter().flatten().all(|v| v.is_finite()) {
        Ok(())
    } else {
        Err(LayerFailure { reason: "a bound overflows f64 (or is not a number)".into(), slack: f64::NEG_INFINITY })
    }
}

/// The attention layer's weights in the form the enclosure uses.
struct SaPlan<'a> {
    sa: &'a SelfAttention,
    q: Vec<Vec<f64>>,
    k: Vec<Vec<f64>>,
    same: bool,
}

impl<'a> SaPlan<'a> {
    fn new(sa: &'a SelfAttention) -> SaPlan<'a> {
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
    fn apply(&self, pts: &mut Points) -> Result<f64, LayerFailure> {
        let sa = self.sa;
        if sa.is_pointwise() {
            if sa.rho() != 1.0 {
                for p in pts.points.iter_mut() {
                    for v in p.iter_mut() {
                        *v = v.scale(sa.rho());
                    }
                }
                if sa.rho() == 0.0 {
                    let total = pts.counts.iter().sum();
                    let d = pts.points[0].len();
                    *pts = Points { points: vec![vec![Interval::ZERO; d]], counts: vec![total] };
                }
            }
            return Ok(f64::INFINITY);
        }
        let n = pts.points.len();
        let r = self.q.len();
        let proj = |rows: &[Vec<f64>]| -> Vec<IVec> {
            pts.points.iter().map(|x| rows.iter().map(|row| dot_seq(row, x)).collect()).collect()
        };
        let p = proj(&self.q);
        let k = if self.same { p.clone() } else { proj(&self.k) };
        let score = |i: usize, j: usize| -> Interval {
            let mut s = Interval::ZERO;
            for l in 0..r {
                s = s.add(p[i][l].mul(k[j][l]));
            }
            s
        };
        // the tie tolerance tau = TAU_REL * max |s_ij|
        let tau = if r == 1 {
            let (pmig, pmag) = p.iter().fold((0.0f64, 0.0f64), |a, v| (a.0.max(v[0].mig()), a.1.max(v[0].mag())));
            let (kmig, kmag) = k.iter().fold((0.0f64, 0.0f64), |a, v| (a.0.max(v[0].mig()), a.1.max(v[0].mag())));
            Interval::point(pmig).mul(Interval::point(kmig)).hull_with(Interval::point(pmag).mul(Interval::point(kmag))).scale(TAU_REL)
        } else {
            let (mut mig, mut mag) = (0.0f64, 0.0f64);
            for i in 0..n {
                for j in 0..n {
                    let s = score(i, j);
                    mig = mig.max(s.mig());
                    mag = mag.max(s.mag());
                }
            }
            Interval { lo: mig, hi: mag }.scale(TAU_REL)
        };
        if !tau.is_finite() {
            return Err(LayerFailure { reason: "the tie tolerance overflows f64".into(), slack: f64::NEG_INFINITY });
        }
        // rank one, positive queries: scores are monotone in k, so sets are prefixes of the
        // order by the upper end of k (see `decide_positive`)
        let order: Vec<usize> = if r == 1 {
            let mut o: Vec<usize> = (0..n).collect();
            o.sort_by(|&a, &b| k[b][0].hi.total_cmp(&k[a][0].hi).then(a.cmp(&b)));
            o
        } else {
            Vec::new()
        };
        let best_lo = if r == 1 { (0..n).max_by(|&a, &b| k[a][0].lo.total_cmp(&k[b][0].lo)) } else { None };
        let mut sets: Vec<Vec<usize>> = Vec::new();
        let mut set_of = Vec::with_capacity(n);
        let mut slack = f64::INFINITY;
        for i in 0..n {
            let (members, s) = if r == 1 && p[i][0].lo > 0.0 {
                let jl = best_lo.unwrap_or(0);
                decide(&order, |j| score(i, j), score(i, jl).lo, tau)?
            } else {
                let all: Vec<usize> = (0..n).collect();
                let lo = (0..n).map(|j| score(i, j).lo).fold(f64::NEG_INFINITY, f64::max);
                let mut by_hi = all.clone();
                let scores: Vec<Interval> = all.iter().map(|&j| score(i, j)).collect();
                by_hi.sort_by(|&a, &b| scores[b].hi.total_cmp(&scores[a].hi).then(a.cmp(&b)));
                decide(&by_hi, |j| scores[j], lo, tau)?
            };
            slack = slack.min(s);
            let id = match sets.iter().position(|m| *m == members) {
                Some(id) => id,
                None => {
                    sets.push(members);
                    sets.len() - 1
                }
            };
            set_of.push(id);
        }
        let moved: Vec<IVec> = sets.iter().map(|m| self.value(&mean_of(pts, m))).collect();
        let mut out: Vec<IVec> = Vec::with_capacity(n);
        for (i, x) in pts.points.iter().enumerate() {
            out.push(x.iter().zip(&moved[set_of[i]]).map(|(v, m)| v.scale(sa.rho()).add(*m)).collect());
        }
        if sa.rho() == 0.0 {
            // same attended set, same value: one point per set
            let mut counts = vec![0u32; sets.len()];
            for (i, &s) in set_of.iter().enumerate() {
                counts[s] += pts.counts[i];
            }
            let mut first = vec![usize::MAX; sets.len()];
            for (i, &s) in set_of.iter().enumerate() {
                if first[s] == usize::MAX {
                    first[s] = i;
                }
            }
            let mut order: Vec<usize> = (0..sets.len()).collect();
            order.sort_by_key(|&s| first[s]);
            pts.points = order.iter().map(|&s| out[first[s]].clone()).collect();
            pts.counts = order.iter().map(|&s| counts[s]).collect();
        } else {
            pts.points = out;
        }
        finite(&pts.points)?;
        Ok(slack)
    }
}

impl Interval {
    fn hull_with(self, o: Interval) -> Interval {
        Interval { lo: self.lo.min(o.lo), hi: self.hi.max(o.hi) }
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
            if !(lo >= thr_hi) {
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

/// The readout: the enclosure of the output mean and of the distance to every anchor.
fn readout(t: &Transformer, pts: &Points) -> (IVec, Vec<Interval>) {
    let d = pts.points[0].len();
    let total: f64 = pts.counts.iter().map(|&c| c as f64).sum();
    let np = pts.points.len();
    let mean: IVec = (0..d)
        .map(|c| {
            let mut acc = Interval::ZERO;
            let mut terms = 0.0;
            for (j, p) in pts.points.iter().enumerate() {
                let cj = pts.counts[j] as f64;
                acc = acc.add(p[c].scale(cj));
                terms += cj * p[c].mag();
            }
            acc.div_pos(total).widen(safe(gamma(np + 1) * terms / total + np as f64 * SUB))
        })
        .collect();
    let dist = t
        .anchors
        .iter()
        .map(|a| {
            let diff: IVec = a.iter().zip(&mean).map(|(ac, m)| Interval::point(*ac).sub(*m)).collect();
            let mut sq = Interval::ZERO;
            let mut terms = 0.0;
            for v in &diff {
                sq = sq.add(v.sqr());
                terms += v.mag() * v.mag();
            }
            sq.widen(safe(gamma(d + 1) * terms + d as f64 * SUB)).sqrt()
        })
        .collect();
    (mean, dist)
}

/// The per-layer plans of a transformer.
struct Plans<'a> {
    ff: Vec<FfPlan>,
    sa: Vec<SaPlan<'a>>,
}

impl<'a> Plans<'a> {
    fn new(t: &'a Transformer) -> Plans<'a> {
        Plans { ff: t.blocks.iter().map(|b| FfPlan::new(&b.ff)).collect(), sa: t.blocks.iter().map(|b| SaPlan::new(&b.sa)).collect() }
    }

    /// The enclosure through every block: the final points and the smallest attention
    /// slack, or the failing layer (1-based) and why.
    fn run(&self, t: &Transformer, tokens: &DMatrix<f64>) -> Result<(Points, f64), (usize, LayerFailure)> {
        let cloud = Cloud::from_tokens(&t.input.apply(tokens));
        let mut pts = Points {
            points: cloud.points.column_iter().map(|c| c.iter().map(|v| Interval::point(*v)).collect()).collect(),
            counts: cloud.counts.clone(),
        };
        let mut slack = f64::INFINITY;
        for (b, (f, a)) in self.ff.iter().zip(&self.sa).enumerate() {
            pts.points = pts.points.iter().map(|x| f.apply(x)).collect();
            finite(&pts.points).map_err(|e| (2 * b + 1, e))?;
            slack = slack.min(a.apply(&mut pts).map_err(|e| (2 * b + 2, e))?);
        }
        Ok((pts, slack))
    }
}

/// The enclosure of one sequence's output mean (the readout's input): each coordinate an
/// interval holding both the exact-arithmetic value and the program's. None when an
/// attention choice cannot be decided or a bound overflows.
pub fn output_enclosure(t: &Transformer, tokens: &DMatrix<f64>) -> Option<Vec<Interval>> {
    let (pts, _) = Plans::new(t).run(t, tokens).ok()?;
    Some(readout(t, &pts).0)
}

/// Certifies the transformer on every sequence of `data` (labels matched by class name,
/// as in [`crate::verify::verify`]). See the module documentation for what is proven.
pub fn certify(t: &Transformer, data: &Dataset) -> Certificate {
    let plans = Plans::new(t);
    let class_map: Vec<Option<usize>> =
        data.classes().iter().map(|name| t.classes.iter().position(|c| c == name)).collect();
    let mut cert = Certificate {
        certified: true,
        certified_slack: f64::INFINITY,
        certified_attention_slack: f64::INFINITY,
        certified_readout_slack: f64::INFINITY,
        certified_error_bound: 0.0,
        certified_failure: None,
    };
    let stage_of = |layer: usize| t.layer(layer).map(|(_, meta)| meta.stage.name().to_string());
    for (si, s) in data.sequences().iter().enumerate() {
        let fail = |layer: Option<usize>, f: LayerFailure, cert: &mut Certificate| {
            cert.certified = false;
            cert.certified_slack = cert.certified_slack.min(f.slack);
            if layer.is_some() {
                cert.certified_attention_slack = cert.certified_attention_slack.min(f.slack);
            } else {
                cert.certified_readout_slack = cert.certified_readout_slack.min(f.slack);
            }
            if cert.certified_failure.is_none() {
                cert.certified_failure = Some(Failure {
                    sequence: si,
                    name: s.name.clone(),
                    layer,
                    stage: layer.and_then(stage_of),
                    reason: f.reason,
                });
            }
        };
        let pts = match plans.run(t, &s.tokens) {
            Ok((pts, slack)) => {
                cert.certified_attention_slack = cert.certified_attention_slack.min(slack);
                cert.certified_slack = cert.certified_slack.min(slack);
                pts
            }
            Err((layer, e)) => {
                fail(Some(layer), e, &mut cert);
                continue;
            }
        };
        let (mean, dist) = readout(t, &pts);
        for m in &mean {
            cert.certified_error_bound = cert.certified_error_bound.max(m.width());
        }
        let Some(own) = class_map[s.label] else {
            let reason = format!("its class «{}» is unknown to the model", data.classes()[s.label]);
            fail(None, LayerFailure { reason, slack: f64::NEG_INFINITY }, &mut cert);
            continue;
        };
        let mut slack = f64::INFINITY;
        let mut nearest_wrong = None;
        for (k, dk) in dist.iter().enumerate() {
            if k == own {
                continue;
            }
            let gap = add_bounds(dk.lo, -dist[own].hi).0;
            if gap < slack || gap.is_nan() {
                slack = gap;
                nearest_wrong = Some(k);
            }
        }
        if slack > 0.0 {
            cert.certified_readout_slack = cert.certified_readout_slack.min(slack);
            cert.certified_slack = cert.certified_slack.min(slack);
        } else {
            let k = nearest_wrong.unwrap_or(own);
            let reason = format!(
                "the output may be as close to the anchor of «{}» as to its own («{}»): distances [{:.6e}, {:.6e}] and [{:.6e}, {:.6e}]",
                t.classes[k], t.classes[own], dist[k].lo, dist[k].hi, dist[own].lo, dist[own].hi
            );
            fail(None, LayerFailure { reason, slack: if slack.is_nan() { f64::NEG_INFINITY } else { slack } }, &mut cert);
        }
    }
    cert
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_and_products_enclose_the_exact_value() {
        // 0.1 + 0.2 is inexact: the exact sum of the two floats lies strictly inside
        let s = Interval::point(0.1).add(Interval::point(0.2));
        assert!(s.lo < s.hi && s.hi == s.lo.next_up());
        assert!(s.lo <= 0.30000000000000004 && 0.30000000000000004 <= s.hi);
        // exact operations stay points
        assert!(Interval::point(1.5).add(Interval::point(2.25)).is_point());
        assert!(Interval::point(3.0).mul(Interval::point(0.5)).is_point());
        let d = 0.3;
        let zero = Interval::point(d).add(Interval::point(-2.0 * d)).add(Interval::point(d));
        assert_eq!(zero, Interval::ZERO);
        // 1/3 * 3 in f64 rounds to 1; the exact product of the float 1/3 and 3 is below 1
        let p = Interval::point(1.0 / 3.0).mul(Interval::point(3.0));
        assert_eq!(p.hi, 1.0);
        assert!(p.lo < 1.0);
        // signs and unbounded ends
        let m = Interval { lo: -2.0, hi: 3.0 }.mul(Interval { lo: -1.0, hi: 4.0 });
        assert_eq!((m.lo, m.hi), (-8.0, 12.0));
        let u = Interval { lo: 0.0, hi: 1.0 }.mul(Interval { lo: 1.0, hi: f64::INFINITY });
        assert_eq!((u.lo, u.hi), (0.0, f64::INFINITY));
        assert_eq!(Interval { lo: -3.0, hi: 2.0 }.sqr(), Interval { lo: 0.0, hi: 9.0 });
    }

    #[test]
    fn tiny_products_widen_both_ways() {
        // 1e-200 * 1e-150 underflows to 0 but is positive: the enclosure straddles 0
        let p = Interval::point(1e-200).mul(Interval::point(1e-150));
        assert!(p.lo < 0.0 && p.hi > 0.0);
        let (l, h) = mul_bounds(3e-300, 3e-10);
        assert!(l < h);
    }
}
