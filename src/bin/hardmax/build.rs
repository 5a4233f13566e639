//! `hardmax build`: construct, check, and write the model file.

use crate::cli::{ConstructionArgs, InputArgs};
use crate::output::{out, sci, Failure};
use crate::steps::{check_exit, construct, read_dataset};
use clap::Args;
use hardmax::verify::Check;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub(crate) struct BuildArgs {
    /// dataset file (.json, .csv or .ts)
    file: PathBuf,
    /// where to write the model
    #[arg(short, long, value_name = "MODEL")]
    output: PathBuf,
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    construction: ConstructionArgs,
}

pub(crate) fn cmd_build(a: &BuildArgs) -> Result<ExitCode, Failure> {
    let data = read_dataset(&a.file, a.input.format)?;
    let c = construct(&a.file, &data, &a.construction.options())?;
    let t = &c.built.transformer;
    let json = hardmax::model_file::to_json(t).map_err(|e| Failure::input(&a.file, e))?;
    std::fs::write(&a.output, json)
        .map_err(|e| Failure::input(&a.output, format!("cannot write the model: {e}")))?;
    let (what, training) = match &c.check {
        Check::Labels(v) => (format!("{} classes", t.classes.len()), format!("{}/{} correct", v.correct, v.total)),
        Check::Targets(ch) => (
            "interpolation".to_string(),
            format!("{}/{} read tokens on target, worst error {}", ch.correct, ch.total, sci(ch.max_error)),
        ),
    };
    out(&format!(
        "wrote {}: {} blocks, {} params ({} nonzero), {what}, d = {}; training set {training} ({:.1} ms)",
        a.output.display(),
        t.blocks.len(),
        t.param_count(),
        t.nonzero_count(),
        t.input_dim,
        c.construct_ms
    ));
    Ok(check_exit(&a.file, &c.check))
}
