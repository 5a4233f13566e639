//! `hardmax figures`: the stage figure of a dataset and the complexity chart, as SVG files.

use crate::cli::{ConstructionArgs, InputArgs};
use crate::output::{out, Failure};
use crate::steps::{check_exit, construct, read_dataset};
use clap::Args;
use hardmax::bench::{complexity_data, depth_width_data, ComplexitySpec, DepthWidthSpec};
use hardmax::construct::Options;
use hardmax::dataset::Dataset;
use hardmax::figures::{complexity_figure, depth_width_figure, interpolation_stage_figure, stage_figure};
use hardmax::scene::{Budget, Keep, Scene};
use hardmax::verify::{Check, Checked, TargetCheck, Verification};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Args)]
pub(crate) struct FiguresArgs {
    /// dataset file (.json, .csv or .ts)
    file: PathBuf,
    /// directory for stages.svg and complexity.svg (created if missing); a dataset with targets
    /// (interpolation) gets stages.svg and depth_width.svg
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// skip complexity.svg (it compiles 30 generated datasets, about a second) or, for
    /// interpolation, depth_width.svg
    #[arg(long)]
    no_complexity: bool,
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    construction: ConstructionArgs,
}

/// Creates the figures' output directory (and its parents).
fn create_out_dir(dir: &Path) -> Result<(), Failure> {
    std::fs::create_dir_all(dir).map_err(|e| Failure::input(dir, format!("cannot create the output directory: {e}")))
}

/// Writes one SVG figure into `dir`; returns its path.
fn write_figure(dir: &Path, name: &str, svg: &str) -> Result<PathBuf, Failure> {
    let path = dir.join(name);
    std::fs::write(&path, svg).map_err(|e| Failure::input(&path, format!("cannot write the figure: {e}")))?;
    Ok(path)
}

pub(crate) fn cmd_figures(a: &FiguresArgs) -> Result<ExitCode, Failure> {
    let data = read_dataset(&a.file, a.input.format)?;
    let opts = a.construction.options();
    let c = construct(&a.file, &data, &opts)?;
    create_out_dir(&a.out)?;
    let scene: Scene<f64> = Scene::new(&data, &c.built.transformer, &Budget::EVERYTHING, Keep::StagePanels)
        .map_err(|e| Failure::input(&a.file, e))?;
    match &c.check {
        Check::Labels(v) => classification_figures(a, &data, &c, &scene, v)?,
        Check::Targets(check) => interpolation_figures(a, &data, &c, &scene, check)?,
    }
    Ok(check_exit(&a.file, &c.check))
}

/// Classification: the stage figure (input, separated, collapsed, labeled, final) and the
/// complexity chart (blocks against N and against sequence length).
fn classification_figures(a: &FiguresArgs, data: &Dataset, c: &Checked, scene: &Scene<f64>, v: &Verification) -> Result<(), Failure> {
    let opts = a.construction.options();
    let write = |name: &str, svg: &str| write_figure(&a.out, name, svg);
    let t = &c.built.transformer;
    let svg = stage_figure(scene, v).map_err(Failure::figure)?;
    let path = write("stages.svg", &svg)?;
    out(&format!(
        "wrote {}: 5 stages of {} sequences ({} tokens), {} blocks, {} splits; {}/{} correct",
        path.display(),
        data.len(),
        data.total_tokens(),
        t.blocks.len(),
        c.built.stats.splits,
        v.correct,
        v.total
    ));
    if !a.no_complexity {
        // generated data in R^4: the same construction options, minus the d = 1 lift
        let gen_opts = Options { lift_time: false, ..opts.clone() };
        let cx = complexity_data(&ComplexitySpec::default(), &gen_opts)
            .map_err(|e| Failure { code: 2, message: format!("complexity figure: {e}") })?;
        let svg = complexity_figure(&cx).map_err(Failure::figure)?;
        let path = write("complexity.svg", &svg)?;
        out(&format!("wrote {}: blocks against N and against sequence length", path.display()));
        out(cx.table().trim_end());
    }
    Ok(())
}

/// Interpolation: the stage figure (input, separated, parked, placing, final) and the
/// depth-width chart (blocks against the width cap, both tasks on one generated dataset and
/// the hub family).
fn interpolation_figures(a: &FiguresArgs, data: &Dataset, c: &Checked, scene: &Scene<f64>, check: &TargetCheck) -> Result<(), Failure> {
    let opts = a.construction.options();
    let write = |name: &str, svg: &str| write_figure(&a.out, name, svg);
    let t = &c.built.transformer;
    let svg = interpolation_stage_figure(scene, check).map_err(Failure::figure)?;
    let path = write("stages.svg", &svg)?;
    out(&format!(
        "wrote {}: 5 stages of {} sequences ({} read tokens), {} blocks (paper: 2Σm+2N+1 = {}), {} splits; {}/{} read tokens on target, worst error {:.1e}",
        path.display(),
        data.len(),
        data.sum_m(),
        t.blocks.len(),
        2 * data.sum_m() + 2 * data.len() + 1,
        c.built.stats.splits,
        check.correct,
        check.total,
        check.max_error
    ));
    if !a.no_complexity {
        let dw = depth_width_data(&DepthWidthSpec::default(), &opts)
            .map_err(|e| Failure { code: 2, message: format!("depth-width chart: {e}") })?;
        let svg = depth_width_figure(&dw).map_err(Failure::figure)?;
        let path = write("depth_width.svg", &svg)?;
        out(&format!("wrote {}: blocks against the width cap, both tasks on one generated dataset and the hub family", path.display()));
        out(dw.table().trim_end());
    }
    Ok(())
}
