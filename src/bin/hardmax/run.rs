//! `hardmax run`: a saved model on a dataset, printing its outputs (the predicted classes,
//! or the output tokens read at the end of each sequence) and, where the data say what
//! they should be, how close they are.

use crate::cli::InputArgs;
use crate::output::{out, sci, to_json, Failure};
use crate::steps::{check_model_dim, load_model, read_text};
use clap::Args;
use hardmax::dataset::{parse_inputs, Dataset, Sequence, Task};
use hardmax::model::Transformer;
use hardmax::verify::targets::{outputs_at, TOLERANCE};
use nalgebra::DMatrix;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub(crate) struct RunArgs {
    /// model file written by `hardmax build`
    model: PathBuf,
    /// dataset file (.json, .csv or .ts); labels and targets are optional
    file: PathBuf,
    #[command(flatten)]
    input: InputArgs,
    /// interpolation: print the last M output tokens of every sequence (default: as many as its target has, or every token when the file has no targets)
    #[arg(long, value_name = "M")]
    read: Option<usize>,
    /// print the result as one JSON object
    #[arg(long)]
    json: bool,
}

/// Formats a token with every digit needed to read it back exactly.
fn token_text(col: nalgebra::DVectorView<f64>) -> String {
    format!("[{}]", col.iter().map(|v| format!("{v:?}")).collect::<Vec<_>>().join(", "))
}

pub(crate) fn cmd_run(a: &RunArgs) -> Result<ExitCode, Failure> {
    let t = load_model(&a.model)?;
    let (text, format) = read_text(&a.file, a.input.format)?;
    let (data, supervised) = parse_inputs(&text, format).map_err(|e| Failure::input(&a.file, e))?;
    check_model_dim(&a.model, &a.file, &data, &t)?;
    match t.task {
        Task::Classify => print_classes(a, &t, &data, supervised && data.task() == Task::Classify),
        Task::Interpolate => print_outputs(a, &t, &data, supervised && data.task() == Task::Interpolate),
    }
}

/// A classifier: every sequence's predicted class, and the count of correct ones when the
/// data are labeled.
fn print_classes(a: &RunArgs, t: &Transformer, data: &Dataset, labeled: bool) -> Result<ExitCode, Failure> {
    let seqs = data.sequences();
    let predictions: Vec<&str> = seqs.iter().map(|s| t.classes[t.classify(&s.tokens)].as_str()).collect();
    let correct = seqs
        .iter()
        .zip(&predictions)
        .filter(|(s, p)| labeled && data.classes()[s.label] == **p)
        .count();
    if a.json {
        let rows: Vec<serde_json::Value> =
            seqs.iter().zip(&predictions).map(|(s, p)| serde_json::json!({"name": s.name, "class": p})).collect();
        let mut value = serde_json::json!({"task": "classify", "sequences": rows});
        if labeled {
            value["correct"] = correct.into();
            value["total"] = seqs.len().into();
        }
        out(&to_json(&value)?);
    } else {
        let mut text: Vec<String> = seqs.iter().zip(&predictions).map(|(s, p)| format!("{}: {p}", s.name)).collect();
        if labeled {
            text.push(format!("correct: {correct}/{}", seqs.len()));
        }
        out(&text.join("\n"));
    }
    Ok(ExitCode::SUCCESS)
}

/// How many output tokens to print for each sequence: `--read M`, else as many as its
/// target has, else all; a count outside 1..=n is refused by name.
fn read_counts(a: &RunArgs, data: &Dataset, with_targets: bool) -> Result<Vec<usize>, Failure> {
    let seqs = data.sequences();
    let counts: Vec<usize> = seqs
        .iter()
        .map(|s| match (a.read, with_targets) {
            (Some(m), _) => m,
            (None, true) => s.m(),
            (None, false) => s.len(),
        })
        .collect();
    if let Some(s) = (0..seqs.len()).find(|&s| counts[s] == 0 || counts[s] > seqs[s].len()) {
        return Err(Failure::input(
            &a.file,
            format!("--read {}: sequence {} ({}) has {} tokens; read between 1 and n tokens", counts[s], s + 1, seqs[s].name, seqs[s].len()),
        ));
    }
    Ok(counts)
}

/// Distances of printed output tokens to their targets, where a target covers them.
#[derive(Default)]
struct TargetErrors {
    total: usize,
    correct: usize,
    worst: f64,
    worst_rel: f64,
}

impl TargetErrors {
    /// Adds the printed tokens `o` of `seq` (its tokens `from..`) and returns their errors.
    fn add(&mut self, seq: &Sequence, from: usize, o: &DMatrix<f64>) -> Vec<f64> {
        let Some(target) = &seq.target else { return Vec::new() };
        let mut errors = Vec::new();
        for k in 0..o.ncols() {
            let j = from + k;
            if j >= seq.read_from() {
                let y = target.column(j - seq.read_from());
                let e = (o.column(k) - y).norm();
                let rel = e / y.norm().max(1.0);
                self.total += 1;
                self.correct += (rel <= TOLERANCE) as usize;
                self.worst = self.worst.max(e);
                self.worst_rel = self.worst_rel.max(rel);
                errors.push(e);
            }
        }
        errors
    }
}

/// An interpolating model: the last output tokens of every sequence, and their errors
/// against the targets when the data have targets.
fn print_outputs(a: &RunArgs, t: &Transformer, data: &Dataset, with_targets: bool) -> Result<ExitCode, Failure> {
    let seqs = data.sequences();
    let counts = read_counts(a, data, with_targets)?;
    let from = |s: usize| seqs[s].len() - counts[s];
    let inputs: Vec<&DMatrix<f64>> = seqs.iter().map(|s| &s.tokens).collect();
    let (outs, _) = outputs_at(t, &inputs, &|s| from(s)..seqs[s].len()).map_err(|e| Failure::input(&a.model, e))?;
    let mut errors = TargetErrors::default();
    let mut rows = Vec::with_capacity(seqs.len());
    let mut lines = Vec::with_capacity(seqs.len());
    for (s, o) in outs.iter().enumerate() {
        let seq = &seqs[s];
        let seq_errors = if with_targets { errors.add(seq, from(s), o) } else { Vec::new() };
        let tokens: Vec<Vec<f64>> = o.column_iter().map(|c| c.iter().copied().collect()).collect();
        rows.push(serde_json::json!({"name": seq.name, "from": from(s) + 1, "outputs": tokens, "errors": seq_errors}));
        let shown: Vec<String> = o.column_iter().map(token_text).collect();
        lines.push(format!("{} (tokens {}–{}): {}", seq.name, from(s) + 1, seq.len(), shown.join(" ")));
    }
    let TargetErrors { total, correct, worst, worst_rel } = errors;
    if a.json {
        let mut value = serde_json::json!({"task": "interpolate", "sequences": rows});
        if with_targets {
            value["correct"] = correct.into();
            value["total"] = total.into();
            value["max_target_error"] = worst.into();
            value["max_target_error_rel"] = worst_rel.into();
        }
        out(&to_json(&value)?);
    } else {
        if with_targets {
            lines.push(format!(
                "on target: {correct}/{total} read tokens, worst error {} ({} relative)",
                sci(worst),
                sci(worst_rel)
            ));
        }
        out(&lines.join("\n"));
    }
    Ok(ExitCode::SUCCESS)
}
