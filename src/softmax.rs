//! The softmax threshold: the same weights with softmax attention, and the smallest
//! inverse temperature beta at which they still classify every sequence.
//!
//! Softmax attention gives token i the weights `c_j exp(beta (s_ij - max_l s_il))`
//! (normalized; `c_j` the multiplicity of point j) where hardmax attends to the top scores
//! only. As beta grows the weights of every token below the top vanish, so the softmax
//! model tends to the hardmax one; how fast depends on the attention margins (leader score
//! minus best other score) and on how much error the later layers tolerate.
//!
//! **The bound (proven, for this implementation).** Let `m` be the smallest attention
//! margin met by the hardmax forward pass on the data, every attended set a single point
//! and every attention layer of rank at most one. For `beta >= 750 / m` every weight
//! below the top is `exp(x)` with `x <= -750`, which is exactly 0 in f64 (the smallest
//! positive f64 is about `exp(-744.4)`); the top weight is `exp(0) = 1`, the mean is the
//! leader bitwise, and by induction over the layers the softmax forward pass *is* the
//! hardmax forward pass, bit for bit. So every beta at or above [`Threshold::beta_bound`]
//! classifies exactly what hardmax classifies.
//!
//! **beta\* (measured).** Below the bound nothing is proven: accuracy need not be monotone
//! in beta. The curve is sampled on a log grid (four points per decade) walking down from
//! the bound, until two decades below the first failing grid point (or no sequence is
//! correct, or twelve decades pass without a failure, or 64 points). The first failing grid
//! point met on the way down and the all-correct point above it are refined by bisection
//! (in log beta, to a ratio of `1 + REL_TOL`). Then
//!
//! > beta\* is the smallest tested beta such that every tested beta at or above it, and
//! > every beta at or above the bound, classifies every sequence correctly;
//!
//! a failing beta was seen within a factor `1 + REL_TOL` below it ([`Threshold::beta_below`]).
//! Untested betas between grid points are not claimed. When nothing fails on the whole
//! grid, beta\* is the lowest grid point (an upper estimate), and `beta_below` is `None`.
//!
//! **An estimate from the margins.** [`Threshold::beta_half`] = `max ln(k) / m_i` over the
//! attention queries of the hardmax pass (`k` the number of tokens that query does not
//! attend, `m_i` its margin): at that beta every softmax attention puts at least half of its
//! weight on what hardmax attends to (on the hardmax states). It is an estimate, not a
//! bound, and beta\* may lie on either side of it (on the presets and the real sets in
//! tests/data the estimate is between 0.2 and 5.4 times beta\*).
//!
//! **Targeting a beta.** Multiplying Q by `f` multiplies every score, every score gap and
//! the tie tolerance by `f`; with `f` a power of two every product is exact, so the hardmax
//! pass is unchanged bit for bit and the bound becomes `750 / (f m)`. [`target_beta`]
//! picks the smallest such `f` with bound <= target (hence beta\* <= target): no block is
//! added, no parameter count changes, only the magnitude of Q grows.

use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::model::transformer::{apply_attention, Output};
use crate::model::attention::project;
use crate::model::{Cloud, SelfAttention, Transformer, Value};
use nalgebra::{DMatrix, DVector};
use serde::{Deserialize, Serialize};

/// `exp(-UNDERFLOW_EXPONENT)` is exactly 0 in f64 (`exp(-745.2)` already is).
pub const UNDERFLOW_EXPONENT: f64 = 750.0;
/// Grid points per decade of beta.
pub const STEPS_PER_DECADE: usize = 4;
/// Most grid points evaluated (before bisection).
pub const MAX_GRID: usize = 64;
/// Bisection stops when the failing and the passing beta are within this ratio.
pub const REL_TOL: f64 = 1e-3;

/// One point of the accuracy-versus-beta curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CurvePoint {
    pub beta: f64,
    pub correct: usize,
    pub total: usize,
}

/// What the hardmax pass says about softmax.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Profile {
    /// smallest attention margin over every query of every attention layer (+inf if none)
    pub min_margin: f64,
    /// the margin estimate `max ln(k) / m_i` (0 when no query has a competitor)
    pub beta_half: f64,
    /// some query attended several distinct points (a tie), or a layer has rank > 1: the
    /// bound is not claimed
    pub unproven: bool,
    pub correct: usize,
    pub total: usize,
}

/// The softmax threshold of a model on a dataset. See the module documentation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Threshold {
    /// None when even the largest tested beta misclassifies (then hardmax does too, or the
    /// bound is not proven)
    pub beta_star: Option<f64>,
    /// a failing beta just below beta* (None when no tested beta fails)
    pub beta_below: Option<f64>,
    /// every tested beta, ascending
    pub curve: Vec<CurvePoint>,
    /// proven: every beta >= this reproduces the hardmax pass bit for bit (None: ties or
    /// rank > 1, no proof)
    pub beta_bound: Option<f64>,
    /// the margin estimate (see the module documentation)
    pub beta_half: f64,
    pub min_attention_margin: f64,
    /// hardmax's own score on the data
    pub hardmax_correct: usize,
    pub total: usize,
}

/// The fields `hardmax verify --softmax --json` adds to the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub beta_star: Option<f64>,
    pub beta_below: Option<f64>,
    pub beta_bound: Option<f64>,
    pub beta_half: f64,
    pub softmax_curve: Vec<CurvePoint>,
    /// the paper's softmax count for N sequences, one output each: 2N + 3N
    pub paper_softmax_blocks: usize,
}

impl Threshold {
    pub fn summary(&self) -> Summary {
        Summary {
            beta_star: self.beta_star,
            beta_below: self.beta_below,
            beta_bound: self.beta_bound,
            beta_half: self.beta_half,
            softmax_curve: self.curve.clone(),
            paper_softmax_blocks: paper_softmax_blocks(self.total),
        }
    }
}

/// The softmax forward pass (same weights, inverse temperature `beta`) on one sequence.
/// Pointwise attention layers act as in hardmax; after a layer with rho = 0 points that
/// became identical are merged, as in the hardmax pass.
pub fn forward(t: &Transformer, tokens: &DMatrix<f64>, beta: f64) -> Output {
    let mut cloud = Cloud::from_tokens(&t.input.apply(tokens));
    for b in &t.blocks {
        b.ff.forward_in_place(&mut cloud.points);
        if b.sa.is_pointwise() && b.sa.rho() == 1.0 {
            continue;
        }
        cloud.points = attention(&b.sa, &cloud, beta);
        if b.sa.rho() == 0.0 {
            cloud.merge_identical();
        }
    }
    Output { cloud, min_attention_margin: f64::INFINITY }
}

/// `exp(x)` is exactly 0 in f64 for every `x` below this.
const ZERO_WEIGHT: f64 = -800.0;

/// [`SelfAttention::forward_softmax`], computed for rank-one layers on only the points
/// whose weight is not exactly 0: the same operations in the same order on the others,
/// skipping terms that add exactly 0, so the result is the same (up to the sign of a
/// zero). Scores `p_i k_j` are monotone in `k_j`, so for each query the points with a
/// nonzero weight are a head of the order by k (from the top for `p_i > 0`, from the
/// bottom for `p_i < 0`).
pub fn attention(sa: &SelfAttention, cloud: &Cloud, beta: f64) -> DMatrix<f64> {
    if sa.is_pointwise() || sa.rank() != 1 {
        return sa.forward_softmax(cloud, beta);
    }
    let pts = &cloud.points;
    let n = pts.ncols();
    let p = project(sa.q(), pts);
    let k = project(sa.k(), pts);
    let mut desc: Vec<usize> = (0..n).collect();
    desc.sort_by(|&a, &b| k[(0, b)].total_cmp(&k[(0, a)]).then(a.cmp(&b)));
    let mut out = pts * sa.rho();
    let mut head: Vec<usize> = Vec::with_capacity(n);
    let mut weights: Vec<f64> = Vec::with_capacity(n);
    for i in 0..n {
        let pi = p[(0, i)];
        let score = |j: usize| pi * k[(0, j)];
        // the largest score: at the top of the order by k (bottom for negative queries),
        // as rounding is monotone
        let max = if pi > 0.0 {
            score(desc[0])
        } else if pi < 0.0 {
            score(desc[n - 1])
        } else {
            (0..n).map(score).fold(f64::NEG_INFINITY, f64::max)
        };
        head.clear();
        if pi.abs() > 0.0 {
            let mut walk = |j: usize| {
                if beta * (score(j) - max) < ZERO_WEIGHT {
                    return false;
                }
                head.push(j);
                true
            };
            if pi > 0.0 {
                for &j in &desc {
                    if !walk(j) {
                        break;
                    }
                }
            } else {
                for &j in desc.iter().rev() {
                    if !walk(j) {
                        break;
                    }
                }
            }
            head.sort_unstable();
        } else {
            head.extend(0..n);
        }
        weights.clear();
        let mut total = 0.0;
        for &j in &head {
            let w = cloud.counts[j] as f64 * (beta * (score(j) - max)).exp();
            weights.push(w);
            total += w;
        }
        let mut mean = DVector::zeros(pts.nrows());
        for (&j, w) in head.iter().zip(&weights) {
            mean.axpy(w / total, &pts.column(j), 1.0);
        }
        let moved = match sa.v() {
            Value::Zero => None,
            Value::Scaled(l) => Some(&mean * *l),
            Value::RankOne { left, right } => Some(left * right.dot(&mean)),
            Value::Dense(m) => Some(m * &mean),
        };
        if let Some(mv) = moved {
            let mut col = out.column_mut(i);
            col += mv;
        }
    }
    out
}

/// For each class of `data`, the model's index of the class of that name.
fn class_map(t: &Transformer, data: &Dataset) -> Vec<Option<usize>> {
    data.classes().iter().map(|name| t.classes.iter().position(|c| c == name)).collect()
}

/// How many sequences the softmax model at `beta` classifies correctly (labels matched by
/// class name, as in [`crate::verify::verify`]).
pub fn count_correct(t: &Transformer, data: &Dataset, beta: f64) -> usize {
    let map = class_map(t, data);
    data.sequences()
        .iter()
        .filter(|s| map[s.label] == Some(t.nearest_anchor(&forward(t, &s.tokens, beta).mean()).0))
        .count()
}

/// Runs the hardmax pass and collects the margins softmax depends on.
pub fn profile(t: &Transformer, data: &Dataset) -> Profile {
    let map = class_map(t, data);
    let mut p = Profile { min_margin: f64::INFINITY, beta_half: 0.0, unproven: false, correct: 0, total: data.len() };
    p.unproven = t.blocks.iter().any(|b| !b.sa.is_pointwise() && b.sa.rank() > 1);
    for s in data.sequences() {
        let mut cloud = Cloud::from_tokens(&t.input.apply(&s.tokens));
        for b in &t.blocks {
            b.ff.forward_in_place(&mut cloud.points);
            let counts = cloud.counts.clone();
            let n_tokens = cloud.n_tokens() as f64;
            let att = apply_attention(&b.sa, &mut cloud);
            for a in &att {
                p.min_margin = p.min_margin.min(a.margin);
                if a.size > 1 {
                    p.unproven = true;
                    continue;
                }
                let others = n_tokens - counts[a.first as usize] as f64;
                if others >= 1.0 && a.margin.is_finite() && a.margin > 0.0 {
                    p.beta_half = p.beta_half.max(others.ln() / a.margin);
                }
            }
        }
        let out = Output { cloud, min_attention_margin: f64::INFINITY };
        if map[s.label] == Some(t.nearest_anchor(&out.mean()).0) {
            p.correct += 1;
        }
    }
    p
}

/// `UNDERFLOW_EXPONENT / m`, or 0 when no attention has a competitor.
fn bound_of(min_margin: f64) -> f64 {
    if min_margin == f64::INFINITY {
        0.0
    } else {
        UNDERFLOW_EXPONENT / min_margin
    }
}

/// The curve and beta* (see the module documentation for the exact definition).
pub fn threshold(t: &Transformer, data: &Dataset) -> Threshold {
    let prof = profile(t, data);
    let total = data.len();
    let proven = !prof.unproven && prof.min_margin > 0.0;
    let beta_bound = proven.then(|| bound_of(prof.min_margin));
    // the top of the grid: the bound (beyond it softmax is hardmax), or 1 when every
    // attention is unopposed
    let top = match bound_of(prof.min_margin) {
        b if b > 0.0 && b.is_finite() => b,
        _ => 1.0,
    };
    let mut curve: Vec<CurvePoint> = Vec::new();
    let eval = |beta: f64, curve: &mut Vec<CurvePoint>| -> bool {
        let correct = count_correct(t, data, beta);
        curve.push(CurvePoint { beta, correct, total });
        correct == total
    };
    // walk down the grid from the top
    let step = 10f64.powf(1.0 / STEPS_PER_DECADE as f64);
    let mut above_ok: Option<f64> = None; // lowest passing grid beta above the first failure
    let mut failed_at: Option<(usize, f64)> = None;
    for k in 0..MAX_GRID {
        let beta = top / step.powi(k as i32);
        if beta.is_nan() || beta <= 0.0 {
            break;
        }
        let ok = eval(beta, &mut curve);
        match failed_at {
            None if ok => above_ok = Some(beta),
            None => failed_at = Some((k, beta)),
            Some((kf, _)) => {
                let last = curve.last().map_or(0, |c| c.correct);
                if k >= kf + 2 * STEPS_PER_DECADE || last == 0 {
                    break;
                }
            }
        }
        if failed_at.is_none() && k >= 12 * STEPS_PER_DECADE {
            break;
        }
    }
    let (beta_star, beta_below) = match (failed_at, above_ok) {
        (Some((_, mut lo)), Some(mut hi)) => {
            while hi / lo > 1.0 + REL_TOL {
                let mid = (lo * hi).sqrt();
                if eval(mid, &mut curve) {
                    hi = mid;
                } else {
                    lo = mid;
                }
            }
            (Some(hi), Some(lo))
        }
        // the top fails: no tested beta classifies everything
        (Some(_), None) => (None, None),
        // nothing failed: the lowest tested beta is an upper estimate
        (None, _) => (curve.iter().map(|c| c.beta).reduce(f64::min), None),
    };
    curve.sort_by(|a, b| a.beta.total_cmp(&b.beta));
    Threshold {
        beta_star,
        beta_below,
        curve,
        beta_bound,
        beta_half: prof.beta_half,
        min_attention_margin: prof.min_margin,
        hardmax_correct: prof.correct,
        total,
    }
}

/// What scaling Q for a target beta did, and what it cost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scaling {
    /// the beta asked for
    pub target: f64,
    /// Q of every attention layer that looks at other tokens was multiplied by this power
    /// of two (1 when the bound was already at or below the target)
    pub factor: f64,
    pub scaled_layers: usize,
    /// the proven bound before and after (beta* <= bound)
    pub bound_before: f64,
    pub bound_after: f64,
    /// false when the bound is not proven for this model (attention ties or rank > 1):
    /// then the factor is computed the same way but beta* <= target is only measured
    pub guaranteed: bool,
    /// largest |entry| of Q, and of any parameter, before and after
    pub max_q_before: f64,
    pub max_q_after: f64,
    pub max_param_before: f64,
    pub max_param_after: f64,
}

fn max_abs<'a>(values: impl Iterator<Item = &'a f64>) -> f64 {
    values.fold(0.0f64, |a, v| a.max(v.abs()))
}

/// Largest |entry| of Q over the layers that look at other tokens.
fn max_q(t: &Transformer) -> f64 {
    t.blocks.iter().filter(|b| !b.sa.is_pointwise()).map(|b| max_abs(b.sa.q().iter())).fold(0.0, f64::max)
}

/// Largest |parameter| of the model (every stored scalar).
pub fn max_param(t: &Transformer) -> f64 {
    let mut m: f64 = 0.0;
    for b in &t.blocks {
        let ff = &b.ff;
        m = m.max(ff.eta().abs()).max(max_abs(ff.u().iter())).max(max_abs(ff.b().iter())).max(max_abs(ff.w().iter()));
        let sa = &b.sa;
        m = m.max(sa.rho().abs()).max(max_abs(sa.q().iter())).max(max_abs(sa.k().iter()));
        m = m.max(match sa.v() {
            Value::Zero => 0.0,
            Value::Scaled(l) => l.abs(),
            Value::RankOne { left, right } => max_abs(left.iter().chain(right.iter())),
            Value::Dense(v) => max_abs(v.iter()),
        });
    }
    m
}

/// Scales Q so that the proven bound, and so beta*, is at most `target` (see the module
/// documentation). `data` is the training set the bound is computed on.
pub fn target_beta(t: &mut Transformer, data: &Dataset, target: f64) -> Result<Scaling> {
    let invalid = |message: String| Error::InvalidOption { name: "softmax beta", message };
    if !(target.is_finite() && target > 0.0) {
        return Err(invalid(format!("{target} is not a positive finite number")));
    }
    let prof = profile(t, data);
    let before = bound_of(prof.min_margin);
    if prof.min_margin.is_nan() || prof.min_margin <= 0.0 {
        return Err(Error::Construction(format!(
            "an attention margin of the built model is {:e}, so no scale of Q separates its scores",
            prof.min_margin
        )));
    }
    let (max_q_before, max_param_before) = (max_q(t), max_param(t));
    let mut factor = 1.0f64;
    while before / factor > target {
        factor *= 2.0;
        if !factor.is_finite() {
            return Err(invalid(format!("{target:e} is out of reach: Q would need a scale beyond f64")));
        }
    }
    let mut scaled_layers = 0;
    if factor > 1.0 {
        let mut scaled = t.clone();
        for b in scaled.blocks.iter_mut().filter(|b| !b.sa.is_pointwise()) {
            let q = b.sa.q() * factor;
            b.sa = crate::model::SelfAttention::new(b.sa.rho(), q, b.sa.k().clone(), b.sa.v().clone())?;
            scaled_layers += 1;
        }
        let after = profile(&scaled, data);
        // a power of two scales every score exactly: anything else means overflow or underflow
        if after.min_margin != prof.min_margin * factor || after.correct != prof.correct {
            return Err(invalid(format!(
                "{target:e} is out of reach: scaling Q by {factor:e} leaves the range where scores scale exactly"
            )));
        }
        *t = scaled;
    }
    Ok(Scaling {
        target,
        factor,
        scaled_layers,
        bound_before: before,
        bound_after: before / factor,
        guaranteed: !prof.unproven,
        max_q_before,
        max_q_after: max_q(t),
        max_param_before,
        max_param_after: max_param(t),
    })
}

/// The paper's block count for softmax attention, `2 sum m^j + 3N`, with one output per
/// sequence (classification: m^j = 1): 5N.
pub fn paper_softmax_blocks(sequences: usize) -> usize {
    5 * sequences
}

/// Most points [`sweep`] evaluates.
pub const MAX_SWEEP: usize = 400;

/// The accuracy of the softmax model at `per_decade` log-spaced betas from `lo` to `hi`
/// (both included), ascending. Points at or above a proven bound (see [`Threshold::beta_bound`])
/// are not run: there softmax is the hardmax pass bit for bit, so they score what hardmax
/// scores.
pub fn sweep(t: &Transformer, data: &Dataset, lo: f64, hi: f64, per_decade: usize) -> Result<Vec<CurvePoint>> {
    let invalid = |message: String| Error::InvalidOption { name: "softmax sweep", message };
    if !(lo.is_finite() && hi.is_finite() && lo > 0.0 && lo <= hi) {
        return Err(invalid(format!("the range [{lo}, {hi}] is not 0 < lo <= hi (finite)")));
    }
    if per_decade == 0 {
        return Err(invalid("at least one point per decade is needed".into()));
    }
    let decades = (hi / lo).log10();
    let steps = (decades * per_decade as f64).ceil();
    if steps.is_nan() || steps >= MAX_SWEEP as f64 {
        return Err(invalid(format!("{} points is more than {MAX_SWEEP}", steps + 1.0)));
    }
    let steps = steps as usize;
    let prof = profile(t, data);
    let bound = (!prof.unproven && prof.min_margin > 0.0).then(|| bound_of(prof.min_margin));
    let total = data.len();
    let mut out = Vec::with_capacity(steps + 1);
    for k in 0..=steps {
        let beta = if k == steps { hi } else { lo * 10f64.powf(k as f64 / per_decade as f64) };
        let beta = beta.min(hi);
        let correct = match bound {
            Some(b) if beta >= b => prof.correct,
            _ => count_correct(t, data, beta),
        };
        out.push(CurvePoint { beta, correct, total });
    }
    out.dedup_by(|a, b| a.beta == b.beta);
    Ok(out)
}

/// What a softmax slider over `[lo, hi]` shows: beta* and the other figures of
/// [`threshold`], and one accuracy curve that joins the betas [`threshold`] tested with a
/// [`sweep`] of the range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Overview {
    pub beta_star: Option<f64>,
    pub beta_below: Option<f64>,
    pub beta_bound: Option<f64>,
    pub beta_half: f64,
    pub min_attention_margin: f64,
    pub hardmax_correct: usize,
    pub total: usize,
    /// every beta tested by [`threshold`] and by the sweep, ascending, each once
    pub curve: Vec<CurvePoint>,
}

/// [`threshold`] and a [`sweep`] of `[lo, hi]` at [`STEPS_PER_DECADE`] points per decade.
pub fn overview(t: &Transformer, data: &Dataset, lo: f64, hi: f64) -> Result<Overview> {
    let mut curve = sweep(t, data, lo, hi, STEPS_PER_DECADE)?;
    let th = threshold(t, data);
    curve.extend(th.curve.iter().copied());
    curve.sort_by(|a, b| a.beta.total_cmp(&b.beta));
    curve.dedup_by(|a, b| a.beta == b.beta);
    Ok(Overview {
        beta_star: th.beta_star,
        beta_below: th.beta_below,
        beta_bound: th.beta_bound,
        beta_half: th.beta_half,
        min_attention_margin: th.min_attention_margin,
        hardmax_correct: th.hardmax_correct,
        total: th.total,
        curve,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::construct::{compile, Options};

    #[test]
    fn the_head_evaluation_is_the_plain_one() {
        for name in crate::presets::NAMES {
            let data = crate::presets::preset(name, 1).unwrap();
            let t = compile(&data, &Options { positional: true, ..Options::default() }).unwrap().transformer;
            for beta in [0.0, 0.5, 3.0, 40.0, 1e3, 1e5] {
                for s in data.sequences() {
                    let mut cloud = Cloud::from_tokens(&t.input.apply(&s.tokens));
                    for b in &t.blocks {
                        b.ff.forward_in_place(&mut cloud.points);
                        let fast = attention(&b.sa, &cloud, beta);
                        assert_eq!(fast, b.sa.forward_softmax(&cloud, beta), "{name} beta {beta}");
                        cloud.points = fast;
                    }
                }
            }
        }
        // negative and zero queries
        let q = DMatrix::from_row_slice(1, 2, &[1.0, -1.0]);
        let sa = SelfAttention::new(0.5, q.clone(), q, Value::Scaled(1.0)).unwrap();
        let x = DMatrix::from_column_slice(2, 4, &[1.0, 3.0, 2.0, 0.5, 1.0, 1.0, 0.0, 4.0]);
        let cloud = Cloud::from_tokens(&x);
        for beta in [0.0, 1.0, 10.0, 1e4] {
            assert_eq!(attention(&sa, &cloud, beta), sa.forward_softmax(&cloud, beta));
        }
    }

    #[test]
    fn above_the_bound_softmax_is_hardmax_bit_for_bit() {
        let data = crate::presets::shared();
        let t = compile(&data, &Options::default()).unwrap().transformer;
        let prof = profile(&t, &data);
        assert!(!prof.unproven);
        let bound = bound_of(prof.min_margin);
        for beta in [bound, bound * 3.0, bound * 1e6] {
            for s in data.sequences() {
                let soft = forward(&t, &s.tokens, beta).cloud.tokens();
                let hard = t.forward(&s.tokens).cloud.tokens();
                assert_eq!(soft, hard, "beta {beta}");
            }
        }
    }

    #[test]
    fn at_beta_zero_attention_is_the_plain_mean() {
        let data = crate::presets::shared();
        let t = compile(&data, &Options::default()).unwrap().transformer;
        // with beta = 0 the shared preset is not classified (the collapse lands on means)
        assert!(count_correct(&t, &data, 0.0) < data.len());
    }
}
