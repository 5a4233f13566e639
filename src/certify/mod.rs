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

mod attention;
mod feedforward;
mod interval;
mod readout;

pub use interval::Interval;

use crate::dataset::{Dataset, Sequence};
use crate::model::{Cloud, Transformer};
use attention::SaPlan;
use feedforward::FfPlan;
use interval::IVec;
use nalgebra::DMatrix;
use readout::{readout, readout_slack};
use serde::{Deserialize, Serialize};

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
    for (si, s) in data.sequences().iter().enumerate() {
        if let Err((layer, f)) = certify_sequence(t, &plans, data, &class_map, s, &mut cert) {
            let stage = layer.and_then(|l| t.layer(l).map(|(_, meta)| meta.stage.name().to_string()));
            cert.record_failure(Failure { sequence: si, name: s.name.clone(), layer, stage, reason: f.reason }, f.slack);
        }
    }
    cert
}

/// One sequence: its attention slack, error bound and readout slack go into `cert`; a
/// failure names its layer (None: the readout).
fn certify_sequence(
    t: &Transformer,
    plans: &Plans,
    data: &Dataset,
    class_map: &[Option<usize>],
    s: &Sequence,
    cert: &mut Certificate,
) -> Result<(), (Option<usize>, LayerFailure)> {
    let (pts, slack) = plans.run(t, &s.tokens).map_err(|(layer, e)| (Some(layer), e))?;
    cert.certified_attention_slack = cert.certified_attention_slack.min(slack);
    cert.certified_slack = cert.certified_slack.min(slack);
    let (mean, dist) = readout(t, &pts);
    for m in &mean {
        cert.certified_error_bound = cert.certified_error_bound.max(m.width());
    }
    let Some(own) = class_map[s.label] else {
        let reason = format!("its class «{}» is unknown to the model", data.classes()[s.label]);
        return Err((None, LayerFailure { reason, slack: f64::NEG_INFINITY }));
    };
    let slack = readout_slack(t, &dist, own).map_err(|e| (None, e))?;
    cert.certified_readout_slack = cert.certified_readout_slack.min(slack);
    cert.certified_slack = cert.certified_slack.min(slack);
    Ok(())
}

impl Certificate {
    /// Records a failing check: its slack lowers the overall slack and that of its kind
    /// (attention when it names a layer, readout otherwise); the first failure is kept.
    fn record_failure(&mut self, failure: Failure, slack: f64) {
        self.certified = false;
        self.certified_slack = self.certified_slack.min(slack);
        if failure.layer.is_some() {
            self.certified_attention_slack = self.certified_attention_slack.min(slack);
        } else {
            self.certified_readout_slack = self.certified_readout_slack.min(slack);
        }
        if self.certified_failure.is_none() {
            self.certified_failure = Some(failure);
        }
    }
}
