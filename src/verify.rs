//! Verification: the forward pass on every sequence, and the figures that certify it.
//!
//! For every sequence the structured forward pass (the same code the construction used
//! for its bookkeeping; the pointwise suffix for all sequences at once, see
//! [`crate::model::batch`]) gives output tokens; the readout is the nearest anchor to their
//! mean. Reported: correct / total, the worst distance of an output token to its own
//! anchor, the smallest classification margin (distance to the nearest wrong anchor minus
//! distance to its own) and the smallest attention margin met on the way.

pub mod targets;

pub use targets::{verify_targets, TargetCheck};

use crate::construct::{compile, BuildStats, Compiled, Options};
use crate::dataset::{Dataset, Task};
use crate::error::Result;
use crate::model::{batch, transformer::Output, Transformer};
use nalgebra::DMatrix;
use serde::{Deserialize, Serialize};

/// The outcome of running a transformer on a labeled dataset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verification {
    pub correct: usize,
    pub total: usize,
    pub max_anchor_error: f64,
    pub min_margin: f64,
    pub min_attention_margin: f64,
    /// predicted class index (into the transformer's classes) per sequence
    pub predictions: Vec<usize>,
    /// indices of misclassified sequences
    pub wrong: Vec<usize>,
    /// class names of the data that the model does not know
    pub unknown_classes: Vec<String>,
}

/// Runs the transformer on every sequence of `data`; labels are matched by class name. A
/// dataset with targets has no labels: every sequence counts as misclassified (see
/// [`verify_targets`]). The forward passes are [`batch::forward_each`]: the pointwise
/// suffix (the label and snap stages) runs once for all sequences, and natively the
/// sequences run on all cores.
pub fn verify(t: &Transformer, data: &Dataset) -> Verification {
    verify_outputs(t, data, batch::forward_each)
}

/// The reference: [`verify`] with [`Transformer::forward`] on every sequence in turn (the
/// same result, bitwise).
pub fn verify_dense(t: &Transformer, data: &Dataset) -> Verification {
    verify_outputs(t, data, batch::forward_dense_each)
}

fn verify_outputs(
    t: &Transformer,
    data: &Dataset,
    forward: fn(&Transformer, &[&DMatrix<f64>]) -> Vec<Output>,
) -> Verification {
    let mut v = Verification {
        correct: 0,
        total: data.len(),
        max_anchor_error: 0.0,
        min_margin: f64::INFINITY,
        min_attention_margin: f64::INFINITY,
        predictions: Vec::with_capacity(data.len()),
        wrong: Vec::new(),
        unknown_classes: Vec::new(),
    };
    if data.task() == Task::Interpolate {
        v.wrong = (0..data.len()).collect();
        return v;
    }
    let class_map: Vec<Option<usize>> =
        data.classes().iter().map(|name| t.classes.iter().position(|c| c == name)).collect();
    for (k, name) in data.classes().iter().enumerate() {
        if class_map[k].is_none() {
            v.unknown_classes.push(name.clone());
        }
    }
    let inputs: Vec<&DMatrix<f64>> = data.sequences().iter().map(|s| &s.tokens).collect();
    let outputs = forward(t, &inputs);
    for (i, (s, out)) in data.sequences().iter().zip(outputs).enumerate() {
        v.min_attention_margin = v.min_attention_margin.min(out.min_attention_margin);
        let (pred, dist) = t.nearest_anchor(&out.mean());
        v.predictions.push(pred);
        match class_map[s.label] {
            Some(own) if own == pred => {
                v.correct += 1;
                let wrong_best = dist
                    .iter()
                    .enumerate()
                    .filter(|(k, _)| *k != own)
                    .map(|(_, d)| *d)
                    .fold(f64::INFINITY, f64::min);
                v.min_margin = v.min_margin.min(wrong_best - dist[own]);
                for col in out.cloud.points.column_iter() {
                    v.max_anchor_error = v.max_anchor_error.max((col - &t.anchors[own]).norm());
                }
            }
            _ => {
                v.wrong.push(i);
                v.min_margin = v.min_margin.min(f64::NEG_INFINITY.max(
                    class_map[s.label].map_or(f64::NEG_INFINITY, |own| dist[pred] - dist[own]),
                ));
            }
        }
    }
    v
}

/// Everything `hardmax verify --json` prints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// "classify" or "interpolate"
    pub task: Task,
    pub sequences: usize,
    pub classes: usize,
    pub dim: usize,
    pub max_len: usize,
    pub tokens: usize,
    pub blocks: usize,
    /// the paper's count for the hardmax case: 4N + 1 to classify, 2 sum m + 2N + 1 to
    /// interpolate
    pub paper_blocks: usize,
    pub params: usize,
    pub nonzero_params: usize,
    pub n_times_d: usize,
    pub splits: usize,
    pub runs: usize,
    pub collapsed_points: usize,
    pub correct: usize,
    pub total: usize,
    pub max_anchor_error: f64,
    pub min_margin: f64,
    pub min_attention_margin: f64,
    pub min_isolation_gap: f64,
    pub min_label_gap: f64,
    pub construct_ms: f64,
    pub verify_ms: f64,
    pub notes: Vec<String>,
    /// interpolation: read tokens, sum of m (null when classifying)
    pub sum_m: Option<usize>,
    /// interpolation: distinct read positions after the separate stage
    pub read_points: Option<usize>,
    /// interpolation: worst |output - target| over all read tokens
    pub max_target_error: Option<f64>,
    /// interpolation: worst |output - target| / max(1, |target|)
    pub max_target_error_rel: Option<f64>,
    /// what the construction option `softmax_beta` did (absent when not asked)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub softmax_scaling: Option<crate::softmax::Scaling>,
    /// `verify --softmax`: beta_star, softmax_curve, ... (absent otherwise)
    #[serde(flatten)]
    pub softmax: Option<crate::softmax::Summary>,
    /// `verify --certify`: certified, certified_slack, ... (absent otherwise)
    #[serde(flatten)]
    pub certificate: Option<crate::certify::Certificate>,
}

impl Report {
    pub fn new(
        data: &Dataset,
        t: &Transformer,
        stats: &BuildStats,
        v: &Verification,
        construct_ms: f64,
        verify_ms: f64,
    ) -> Report {
        let n = data.len();
        let mut notes = Vec::new();
        if data.classes().len() == 1 {
            notes.push(format!(
                "only one class («{}»): every sequence is trivially classified",
                data.classes()[0]
            ));
        }
        if t.input.positional_amplitude.is_some() {
            notes.push("positional encoding is on: each token is offset by a small position-dependent vector".into());
        }
        if t.input.lift_time_scale.is_some() {
            notes.push("d = 1 series were lifted to (x, t)".into());
        }
        if !v.wrong.is_empty() {
            notes.push(format!(
                "{} misclassified, first: {}",
                if v.wrong.len() == 1 { "1 sequence".to_string() } else { format!("{} sequences", v.wrong.len()) },
                data.sequences()[v.wrong[0]].name
            ));
        }
        Report {
            task: Task::Classify,
            sequences: n,
            classes: data.classes().len(),
            dim: data.dim(),
            max_len: data.max_len(),
            tokens: data.total_tokens(),
            blocks: t.blocks.len(),
            paper_blocks: 4 * n + 1,
            params: t.param_count(),
            nonzero_params: t.nonzero_count(),
            n_times_d: n * t.dim,
            splits: stats.splits,
            runs: stats.runs,
            collapsed_points: stats.points,
            correct: v.correct,
            total: v.total,
            max_anchor_error: v.max_anchor_error,
            min_margin: v.min_margin,
            min_attention_margin: v.min_attention_margin,
            min_isolation_gap: stats.min_isolation_gap,
            min_label_gap: stats.min_label_gap,
            construct_ms,
            verify_ms,
            notes,
            sum_m: None,
            read_points: None,
            max_target_error: None,
            max_target_error_rel: None,
            softmax_scaling: stats.softmax_scaling.clone(),
            softmax: None,
            certificate: None,
        }
    }
}

/// How a construction was checked: every label (classification) or every target
/// (interpolation).
#[derive(Debug, Clone, PartialEq)]
pub enum Check {
    Labels(Verification),
    Targets(TargetCheck),
}

/// A construction, its check and the time each took.
pub struct Checked {
    pub built: Compiled,
    pub check: Check,
    pub construct_ms: f64,
    pub verify_ms: f64,
}

/// Compiles `data` and checks the result as its task asks ([`verify`] or
/// [`verify_targets`]). `clock` reads milliseconds: the caller's clock (the core keeps none).
pub fn build_and_check(data: &Dataset, opts: &Options, clock: &mut dyn FnMut() -> f64) -> Result<Checked> {
    let t0 = clock();
    let built = compile(data, opts)?;
    let t1 = clock();
    let check = match data.task() {
        Task::Classify => Check::Labels(verify(&built.transformer, data)),
        Task::Interpolate => Check::Targets(verify_targets(&built.transformer, data)?),
    };
    let t2 = clock();
    Ok(Checked { built, check, construct_ms: t1 - t0, verify_ms: t2 - t1 })
}

impl Checked {
    /// What `hardmax verify --json` prints (without the softmax and certificate parts).
    pub fn report(&self, data: &Dataset) -> Report {
        let (t, stats) = (&self.built.transformer, &self.built.stats);
        match &self.check {
            Check::Labels(v) => Report::new(data, t, stats, v, self.construct_ms, self.verify_ms),
            Check::Targets(c) => Report::interpolation(data, t, stats, c, self.construct_ms, self.verify_ms),
        }
    }
}
