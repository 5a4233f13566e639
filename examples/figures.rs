//! Regenerates the documentation figures (until `hardmax figures` lands in the CLI):
//!
//!     cargo run --release --example figures [-- OUT_DIR [PRESET]]   (default: docs/ shared)
//!
//! writes OUT_DIR/stages.svg (the preset, by default "shared", stage by stage) and
//! OUT_DIR/complexity.svg (blocks against N and against sequence length), and prints the
//! complexity data as a table.

use hardmax::construct::{compile, Options};
use hardmax::figures::{complexity_data, complexity_figure, stage_figure, ComplexitySpec};
use hardmax::presets;
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "docs".into()));
    std::fs::create_dir_all(&out)?;
    let opts = Options::default();

    let preset = std::env::args().nth(2).unwrap_or_else(|| "shared".into());
    let data = presets::preset(&preset, 0)?;
    let built = compile(&data, &opts)?;
    let stages = stage_figure(&data, &built.transformer)?;
    std::fs::write(out.join("stages.svg"), &stages)?;
    println!("wrote {} ({} bytes)", out.join("stages.svg").display(), stages.len());

    let cx = complexity_data(&ComplexitySpec::default(), &opts)?;
    let chart = complexity_figure(&cx)?;
    std::fs::write(out.join("complexity.svg"), &chart)?;
    println!("wrote {} ({} bytes)", out.join("complexity.svg").display(), chart.len());
    print!("{}", cx.table());
    Ok(())
}
