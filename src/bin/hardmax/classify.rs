//! `hardmax classify`: a saved classifier on a (held-out) dataset, with its accuracy per
//! class.

use crate::cli::InputArgs;
use crate::output::{out, percent, to_json, Failure, Table};
use crate::steps::{check_model_dim, load_model, read_dataset};
use clap::Args;
use hardmax::dataset::{Dataset, Task};
use hardmax::model::Transformer;
use hardmax::verify::{verify, Verification};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub(crate) struct ClassifyArgs {
    /// model file written by `hardmax build`
    model: PathBuf,
    /// dataset file (.json, .csv or .ts)
    file: PathBuf,
    #[command(flatten)]
    input: InputArgs,
    /// print the result as one JSON object
    #[arg(long)]
    json: bool,
    /// with --json: also print every sequence's output (the mean output token)
    #[arg(long)]
    outputs: bool,
}

/// Per dataset class: (name, correct, total, known to the model).
fn per_class(t: &Transformer, data: &Dataset, v: &Verification) -> Vec<(String, usize, usize, bool)> {
    let mut rows: Vec<(String, usize, usize, bool)> = data
        .classes()
        .iter()
        .map(|name| (name.clone(), 0, 0, t.classes.contains(name)))
        .collect();
    for (s, &pred) in data.sequences().iter().zip(&v.predictions) {
        let row = &mut rows[s.label];
        row.2 += 1;
        if t.classes.get(pred) == Some(&row.0) {
            row.1 += 1;
        }
    }
    rows
}

pub(crate) fn cmd_classify(a: &ClassifyArgs) -> Result<ExitCode, Failure> {
    let t = load_model(&a.model)?;
    if t.task == Task::Interpolate {
        return Err(Failure::input(
            &a.model,
            "this model interpolates (its outputs are token sequences, not classes); use `hardmax run MODEL FILE`",
        ));
    }
    let data = read_dataset(&a.file, a.input.format)?;
    check_model_dim(&a.model, &a.file, &data, &t)?;
    let v = verify(&t, &data);
    let classes = per_class(&t, &data, &v);
    let accuracy = if v.total == 0 { 0.0 } else { v.correct as f64 / v.total as f64 };
    if a.json {
        let predictions: Vec<&str> = v.predictions.iter().map(|&p| t.classes[p].as_str()).collect();
        let per_class: Vec<serde_json::Value> = classes
            .iter()
            .map(|(name, correct, total, known)| {
                serde_json::json!({"class": name, "correct": correct, "total": total, "known": known})
            })
            .collect();
        let mut value = serde_json::json!({
            "correct": v.correct,
            "total": v.total,
            "accuracy": accuracy,
            "unknown_classes": v.unknown_classes,
            "per_class": per_class,
            "predictions": predictions,
        });
        if a.outputs {
            let outputs: Vec<Vec<f64>> =
                data.sequences().iter().map(|s| t.forward(&s.tokens).mean().iter().copied().collect()).collect();
            value["outputs"] = serde_json::json!(outputs);
        }
        out(&to_json(&value)?);
    } else {
        let mut tab = Table::default();
        tab.row(
            "model",
            format!("{} ({} classes, {} blocks, d = {})", a.model.display(), t.classes.len(), t.blocks.len(), t.input_dim),
        );
        tab.row("data", format!("{} ({} sequences)", a.file.display(), data.len()));
        tab.row("correct", format!("{}/{} ({:.2}%)", v.correct, v.total, 100.0 * accuracy));
        let unknown =
            if v.unknown_classes.is_empty() { "none".to_string() } else { v.unknown_classes.join(", ") };
        tab.row("unknown classes", unknown);
        let mut text = tab.render();
        text.push_str("\nper class:");
        let width = classes.iter().map(|c| c.0.chars().count()).max().unwrap_or(0);
        for (name, correct, total, known) in &classes {
            text.push_str(&format!(
                "\n  {name:<width$}  {correct:>5}/{total:<5} {:>7.2}%{}",
                percent(*correct, *total),
                if *known { "" } else { "  (class unknown to the model)" }
            ));
        }
        out(&text);
    }
    Ok(ExitCode::SUCCESS)
}
