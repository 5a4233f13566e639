//! `hardmax example`: a built-in dataset as JSON, one sequence a line.

use crate::output::{out, to_json, Failure};
use clap::Args;
use std::process::ExitCode;

#[derive(Args)]
pub(crate) struct ExampleArgs {
    /// which example: shared, random, rings or vowels (labels); paths, copy, reverse or translate (targets)
    #[arg(default_value = "shared")]
    name: String,
    /// seed of the generated examples (random, rings)
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

pub(crate) fn cmd_example(a: &ExampleArgs) -> Result<ExitCode, Failure> {
    let data = hardmax::presets::preset(&a.name, a.seed)
        .map_err(|e| Failure { code: 2, message: e.to_string() })?;
    let raw = data.to_raw();
    let mut lines = Vec::with_capacity(raw.sequences.len());
    for s in &raw.sequences {
        let value = match &s.target {
            Some(target) => serde_json::json!({"name": s.name, "tokens": s.tokens, "target": target}),
            None => serde_json::json!({"name": s.name, "label": s.label, "tokens": s.tokens}),
        };
        lines.push(format!("  {}", to_json(&value)?));
    }
    out(&format!("{{\"sequences\": [\n{}\n]}}", lines.join(",\n")));
    Ok(ExitCode::SUCCESS)
}
