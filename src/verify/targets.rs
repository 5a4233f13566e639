//! Verification of an interpolating transformer: every read token against its target.
//!
//! The forward pass runs each sequence through the blocks up to the last attention layer
//! that mixes tokens; from there on every token evolves on its own, so the read tokens of
//! all sequences go through the remaining (place) blocks together, in a [`Sweep`] — the
//! same values as [`Transformer::forward`], bitwise, at a fraction of the cost. Reported:
//! read tokens within `1e-9 max(1, |target|)` of their targets out of all read tokens, the
//! worst `|output - target|` (Euclidean) and the worst of it divided by `max(1, |target|)`.

use super::Report;
use crate::construct::BuildStats;
use crate::dataset::{Dataset, Task};
use crate::error::{Error, Result};
use crate::model::{transformer::apply_block, Cloud, Sweep, Transformer};
use nalgebra::DMatrix;
use serde::{Deserialize, Serialize};

/// A read token counts as on target within this, relative to `max(1, |target|)`.
pub const TOLERANCE: f64 = 1e-9;

/// The outcome of running an interpolating transformer on a dataset with targets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetCheck {
    /// read tokens within TOLERANCE (relative) of their targets
    pub correct: usize,
    /// read tokens, sum of m
    pub total: usize,
    pub max_error: f64,
    pub max_error_rel: f64,
    pub min_attention_margin: f64,
    /// (sequence, token), 0-based, of the read tokens off target
    pub wrong: Vec<(usize, usize)>,
}

/// Output tokens of every sequence at the columns `columns(s)` (a range of token
/// indices), and the smallest attention margin met: the mixing blocks run per sequence,
/// the pointwise rest once for all selected tokens.
pub fn outputs_at(
    t: &Transformer,
    inputs: &[&DMatrix<f64>],
    columns: &dyn Fn(usize) -> std::ops::Range<usize>,
) -> Result<(Vec<DMatrix<f64>>, f64)> {
    let start = t.pointwise_from();
    let (mixing, pointwise) = t.blocks.split_at(start);
    let mut margin = f64::INFINITY;
    let mut cols = Vec::new();
    // for every sequence, the batch column of each selected token
    let mut at: Vec<Vec<usize>> = Vec::with_capacity(inputs.len());
    for (s, x) in inputs.iter().enumerate() {
        let mut cloud = Cloud::from_tokens(&t.input.apply(x));
        for b in mixing {
            for a in apply_block(b, &mut cloud) {
                margin = margin.min(a.margin);
            }
        }
        let mut first_col = vec![usize::MAX; cloud.n_points()];
        let mut mine = Vec::new();
        for j in columns(s) {
            let p = cloud.token_point[j] as usize;
            if first_col[p] == usize::MAX {
                first_col[p] = cols.len();
                cols.push(cloud.points.column(p).into_owned());
            }
            mine.push(first_col[p]);
        }
        at.push(mine);
    }
    let d = t.dim;
    let batch = if cols.is_empty() { DMatrix::zeros(d, 0) } else { DMatrix::from_columns(&cols) };
    let mut sweep = Sweep::new(batch, &Sweep::directions_of(pointwise));
    for b in pointwise {
        sweep.apply_block(b)?;
    }
    let out = sweep.tokens();
    let per_seq = at.iter().map(|mine| out.select_columns(mine.iter())).collect();
    Ok((per_seq, margin))
}

/// Runs the transformer on every sequence of `data` and compares the last m output tokens
/// with the targets.
pub fn verify_targets(t: &Transformer, data: &Dataset) -> Result<TargetCheck> {
    if t.task != Task::Interpolate || data.task() != Task::Interpolate {
        return Err(Error::Model("target verification needs an interpolating model and a dataset with targets".into()));
    }
    if data.dim() != t.input_dim {
        return Err(Error::Model(format!(
            "the model was built for tokens in R^{} but the data has d = {}",
            t.input_dim,
            data.dim()
        )));
    }
    let seqs = data.sequences();
    let inputs: Vec<&DMatrix<f64>> = seqs.iter().map(|s| &s.tokens).collect();
    let (outs, margin) = outputs_at(t, &inputs, &|s| seqs[s].read_from()..seqs[s].len())?;
    let mut check = TargetCheck {
        correct: 0,
        total: 0,
        max_error: 0.0,
        max_error_rel: 0.0,
        min_attention_margin: margin,
        wrong: Vec::new(),
    };
    for (s, (seq, out)) in seqs.iter().zip(&outs).enumerate() {
        let Some(target) = &seq.target else { continue };
        for k in 0..target.ncols() {
            let y = target.column(k);
            let err = (out.column(k) - y).norm();
            let rel = err / y.norm().max(1.0);
            check.total += 1;
            check.max_error = check.max_error.max(err);
            check.max_error_rel = check.max_error_rel.max(rel);
            if rel <= TOLERANCE {
                check.correct += 1;
            } else {
                check.wrong.push((s, seq.read_from() + k));
            }
        }
    }
    Ok(check)
}

impl Report {
    /// The report of an interpolating transformer (fields that concern classes are 0 or
    /// null).
    pub fn interpolation(
        data: &Dataset,
        t: &Transformer,
        stats: &BuildStats,
        v: &TargetCheck,
        construct_ms: f64,
        verify_ms: f64,
    ) -> Report {
        let n = data.len();
        let sum_m = data.sum_m();
        let mut notes = Vec::new();
        if t.input.positional_amplitude.is_some() {
            notes.push("positional encoding is on: each token is offset by a small position-dependent vector".into());
        }
        notes.push("targets are read at the last m tokens of each output sequence".into());
        if let Some(&(s, k)) = v.wrong.first() {
            notes.push(format!(
                "{} read token(s) off target, first: token {} of {}",
                v.wrong.len(),
                k + 1,
                data.sequences()[s].name
            ));
        }
        Report {
            task: Task::Interpolate,
            sequences: n,
            classes: 0,
            dim: data.dim(),
            max_len: data.max_len(),
            tokens: data.total_tokens(),
            blocks: t.blocks.len(),
            paper_blocks: 2 * sum_m + 2 * n + 1,
            params: t.param_count(),
            nonzero_params: t.nonzero_count(),
            n_times_d: n * t.dim,
            splits: stats.splits,
            runs: 0,
            collapsed_points: 0,
            correct: v.correct,
            total: v.total,
            max_anchor_error: f64::NAN,
            min_margin: f64::NAN,
            min_attention_margin: v.min_attention_margin,
            min_isolation_gap: stats.min_isolation_gap,
            min_label_gap: f64::NAN,
            construct_ms,
            verify_ms,
            notes,
            sum_m: Some(sum_m),
            read_points: Some(stats.read_points),
            max_target_error: Some(v.max_error),
            max_target_error_rel: Some(v.max_error_rel),
            softmax_scaling: None,
            softmax: None,
            certificate: None,
        }
    }
}
