//! `hardmax`: the command line. This is the only part of the project that touches files,
//! standard output and arguments; everything it does is a call into the library.
//!
//! ```text
//! hardmax verify   FILE [construction options] [--format F] [--json]
//! hardmax build    FILE -o model.json [construction options] [--format F]
//! hardmax classify model.json FILE [--format F] [--json]
//! hardmax run      model.json FILE [--read M] [--format F] [--json]
//! hardmax example  [NAME] [--seed N]
//! hardmax figures  FILE --out DIR [construction options]
//! hardmax bench    [--n ..] [--len ..] [--d ..] [--shared no|yes|both]
//! ```
//!
//! The task comes from the data: labels (classify) or targets (interpolate; the target of
//! m tokens is compared with the last m output tokens). `run` prints a model's outputs.
//!
//! Exit codes: 0 success; 1 `verify`/`build` ran but some training sequence is
//! misclassified (or some read token is off its target); 2 bad input (unreadable or malformed file, invalid dataset, invalid
//! option, construction refused) or bad arguments (clap's own errors also exit 2).
//! Errors go to standard error as `error: FILE: message`.

// The CLI is native only (clap, files, processes); the wasm build of the crate still
// compiles this target, as an empty program.
#[cfg(not(target_arch = "wasm32"))]
mod cli {

use clap::{Args, Parser, Subcommand, ValueEnum};
use hardmax::construct::{compile, Compiled, Labeling, Options, SplitChoice};
use hardmax::dataset::{parse, parse_inputs, Dataset, Format, Task};
use hardmax::model::Transformer;
use hardmax::verify::{verify, verify_targets, Report, TargetCheck, Verification};
use std::fmt::Display;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

// ---------------------------------------------------------------------------------------
// Arguments
// ---------------------------------------------------------------------------------------

#[derive(Parser)]
#[command(
    name = "hardmax",
    version,
    about = "Build and verify hardmax-attention transformers that classify labeled sequences, or map sequences onto target sequences, exactly",
    after_help = "Exit codes: 0 success, 1 verification failed, 2 bad input or bad arguments."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The subcommands. To add one (e.g. `bench`): add a variant with its own `Args` struct
/// here, and an arm in [`run`] that returns `Result<ExitCode, Failure>`.
#[derive(Subcommand)]
enum Command {
    /// Build the transformer for a dataset and check that it classifies every sequence (labels) or puts every read token on its target (targets)
    Verify(VerifyArgs),
    /// Build the transformer for a dataset and write it to a model file (JSON)
    Build(BuildArgs),
    /// Run a saved classification model on a (held-out) dataset and report its accuracy
    Classify(ClassifyArgs),
    /// Run a saved model on a dataset and print its outputs (interpolation: the output tokens read at the last m; classification: the predicted classes)
    Run(RunArgs),
    /// Print one of the built-in example datasets as JSON
    Example(ExampleArgs),
    /// Time construction and verification on generated datasets (one JSON line per case)
    Bench(BenchArgs),
    /// Write SVG figures: the construction stage by stage, and blocks against N and length
    Figures(FiguresArgs),
}

#[derive(Args)]
struct FiguresArgs {
    /// dataset file (.json, .csv or .ts)
    file: PathBuf,
    /// directory for stages.svg and complexity.svg (created if missing)
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// skip complexity.svg (it compiles 30 generated datasets, about a second)
    #[arg(long)]
    no_complexity: bool,
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    construction: ConstructionArgs,
}

#[derive(Args)]
struct BenchArgs {
    /// numbers of sequences
    #[arg(long, value_delimiter = ',', default_values_t = vec![100usize, 1000, 5000])]
    n: Vec<usize>,
    /// sequence lengths
    #[arg(long, value_delimiter = ',', default_values_t = vec![10usize, 100, 1000])]
    len: Vec<usize>,
    /// token dimensions
    #[arg(long, value_delimiter = ',', default_values_t = vec![2usize, 12])]
    d: Vec<usize>,
    /// with shared tokens: no, yes or both
    #[arg(long, default_value = "both")]
    shared: String,
    /// skip cases with more tokens than this (0: no limit)
    #[arg(long, default_value_t = 2_000_000)]
    max_tokens: usize,
    /// stop a case after this many seconds
    #[arg(long, default_value_t = 300)]
    timeout: u64,
    /// also build with the first-found split choice and report its split count
    #[arg(long)]
    compare_splits: bool,
    /// sequences run through the plain (dense) evaluation as the baseline
    #[arg(long, default_value_t = 20)]
    baseline_seqs: usize,
    /// build and verify each case this many times (min / median / max are reported)
    #[arg(long, default_value_t = 1)]
    repeat: usize,
    /// run one case in this process: N,LEN,D,SHARED(0|1) (used by the driver)
    #[arg(long, hide = true)]
    case: Option<String>,
}

#[derive(Args)]
struct VerifyArgs {
    /// dataset file (.json, .csv or .ts)
    file: PathBuf,
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    construction: ConstructionArgs,
    /// print the report as one JSON object
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct BuildArgs {
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

#[derive(Args)]
struct ClassifyArgs {
    /// model file written by `hardmax build`
    model: PathBuf,
    /// dataset file (.json, .csv or .ts)
    file: PathBuf,
    #[command(flatten)]
    input: InputArgs,
    /// print the result as one JSON object
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct RunArgs {
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

#[derive(Args)]
struct ExampleArgs {
    /// which example: shared, random, rings or vowels
    #[arg(default_value = "shared")]
    name: String,
    /// seed of the generated examples (random, rings)
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

#[derive(Args)]
struct InputArgs {
    /// format of the dataset file (default: from its extension)
    #[arg(long, value_enum)]
    format: Option<FormatArg>,
}

#[derive(Args)]
struct ConstructionArgs {
    /// seed of the construction's random directions
    #[arg(long, default_value_t = 0, value_name = "N")]
    seed: u64,
    /// add a small position-dependent offset to each token (tells apart sequences with the same token set)
    #[arg(long)]
    positional: bool,
    /// lift d = 1 series to (x, t)
    #[arg(long, value_enum, value_name = "KIND")]
    lift: Option<LiftArg>,
    /// number of collapse layers (1..=16)
    #[arg(long, default_value_t = 1, value_name = "C")]
    collapse_layers: usize,
    /// how the label stage moves collapsed points
    #[arg(long, value_enum, default_value_t = LabelingArg::Runs)]
    labeling: LabelingArg,
    /// how the separate stage picks the token to split on
    #[arg(long, value_enum, default_value_t = SplitArg::Greedy)]
    split_choice: SplitArg,
    /// where the class anchors go
    #[arg(long, value_enum, default_value_t = AnchorsArg::Circle)]
    anchors: AnchorsArg,
    /// hidden neurons per feed-forward layer (at least 6; a tent takes 3)
    #[arg(long, default_value_t = 6, value_name = "W")]
    max_width: usize,
}

#[derive(Clone, Copy, ValueEnum)]
enum AnchorsArg {
    /// evenly on a circle around the labeled points
    Circle,
    /// evenly on a line through them
    Line,
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    Json,
    Csv,
    Ts,
}

#[derive(Clone, Copy, ValueEnum)]
enum LiftArg {
    /// (x) -> (x, t): the position in the series becomes a coordinate
    Time,
}

#[derive(Clone, Copy, ValueEnum)]
enum LabelingArg {
    /// one trapezoid per run of same-class points
    Runs,
    /// one tent per distinct point
    Points,
}

#[derive(Clone, Copy, ValueEnum)]
enum SplitArg {
    /// the token that separates the most differently labeled pairs
    Greedy,
    /// the first token found that separates the first conflict
    FirstFound,
}

impl FormatArg {
    fn format(self) -> Format {
        match self {
            FormatArg::Json => Format::Json,
            FormatArg::Csv => Format::Csv,
            FormatArg::Ts => Format::Ts,
        }
    }
}

impl ConstructionArgs {
    fn options(&self) -> Options {
        Options {
            seed: self.seed,
            collapse_layers: self.collapse_layers,
            positional: self.positional,
            lift_time: matches!(self.lift, Some(LiftArg::Time)),
            split_choice: match self.split_choice {
                SplitArg::Greedy => SplitChoice::Greedy,
                SplitArg::FirstFound => SplitChoice::FirstFound,
            },
            labeling: match self.labeling {
                LabelingArg::Runs => Labeling::Runs,
                LabelingArg::Points => Labeling::Points,
            },
            anchors: match self.anchors {
                AnchorsArg::Circle => hardmax::construct::AnchorPlacement::Circle,
                AnchorsArg::Line => hardmax::construct::AnchorPlacement::Line,
            },
            max_width: self.max_width,
        }
    }
}

// ---------------------------------------------------------------------------------------
// Failures and output
// ---------------------------------------------------------------------------------------

/// Why a command stopped: an exit code and the message for standard error.
struct Failure {
    code: u8,
    message: String,
}

impl Failure {
    /// Bad input (exit 2), with the file it concerns.
    fn input(path: &Path, what: impl Display) -> Failure {
        Failure { code: 2, message: format!("{}: {what}", path.display()) }
    }
}

/// Writes to standard output, ignoring a closed pipe (`hardmax ... | head`).
fn out(text: &str) {
    let stdout = std::io::stdout();
    let mut lock = stdout.lock();
    let _ = lock.write_all(text.as_bytes());
    let _ = lock.write_all(b"\n");
    let _ = lock.flush();
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, Failure> {
    // serde_json writes non-finite floats (an infinite margin when nothing competes) as
    // `null`, so the output is always valid JSON.
    serde_json::to_string(value)
        .map_err(|e| Failure { code: 2, message: format!("cannot serialize the result: {e}") })
}

/// "key: value" lines with the values aligned.
#[derive(Default)]
struct Table {
    rows: Vec<(String, String)>,
}

impl Table {
    fn row(&mut self, key: &str, value: impl Display) {
        self.rows.push((key.to_string(), value.to_string()));
    }
    fn render(&self) -> String {
        let width = self.rows.iter().map(|(k, _)| k.chars().count()).max().unwrap_or(0) + 1;
        self.rows
            .iter()
            .map(|(k, v)| format!("{:<width$} {v}", format!("{k}:")).trim_end().to_string())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// A margin or distance in scientific notation (`2.993e+00`); infinities as `inf`.
fn sci(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let text = format!("{x:.3e}");
    match text.split_once('e') {
        Some((mantissa, exp)) => {
            let (sign, digits) = match exp.strip_prefix('-') {
                Some(d) => ('-', d),
                None => ('+', exp),
            };
            format!("{mantissa}e{sign}{digits:0>2}")
        }
        None => text,
    }
}

/// Like [`sci`], saying why a value is infinite.
fn sci_or(x: f64, why_infinite: &str) -> String {
    if x == f64::INFINITY {
        format!("inf ({why_infinite})")
    } else {
        sci(x)
    }
}

fn millis(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1e3
}

fn percent(correct: usize, total: usize) -> f64 {
    if total == 0 {
        0.0
    } else {
        100.0 * correct as f64 / total as f64
    }
}

// ---------------------------------------------------------------------------------------
// Shared steps
// ---------------------------------------------------------------------------------------

/// Reads and validates a dataset; the format comes from `--format` or the extension.
fn read_dataset(path: &Path, format: Option<FormatArg>) -> Result<Dataset, Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::input(path, format!("cannot read the file: {e}")))?;
    let format = match format {
        Some(f) => f.format(),
        None => {
            let ext = path.extension().and_then(|e| e.to_str());
            match ext.and_then(Format::from_extension) {
                Some(f) => f,
                None => {
                    let what = match ext {
                        Some(e) => format!("the extension \".{e}\" is not one of .json, .csv, .ts"),
                        None => "the file name has no extension".to_string(),
                    };
                    return Err(Failure::input(
                        path,
                        format!("cannot tell the format: {what}; pass --format json, --format csv or --format ts"),
                    ));
                }
            }
        }
    };
    parse(&text, format).map_err(|e| Failure::input(path, e))
}

/// A constructed and verified transformer, with timings.
struct Checked {
    built: Compiled,
    verification: Verification,
    construct_ms: f64,
    verify_ms: f64,
}

fn construct_and_verify(path: &Path, data: &Dataset, opts: &Options) -> Result<Checked, Failure> {
    let start = Instant::now();
    let built = compile(data, opts).map_err(|e| Failure::input(path, e))?;
    let construct_ms = millis(start);
    let start = Instant::now();
    let verification = verify(&built.transformer, data);
    let verify_ms = millis(start);
    Ok(Checked { built, verification, construct_ms, verify_ms })
}

fn verified_exit(path: &Path, v: &Verification) -> ExitCode {
    if v.correct == v.total {
        ExitCode::SUCCESS
    } else {
        eprintln!(
            "error: {}: verification failed: {} of {} sequences misclassified",
            path.display(),
            v.total - v.correct,
            v.total
        );
        ExitCode::from(1)
    }
}

// ---------------------------------------------------------------------------------------
// Subcommands
// ---------------------------------------------------------------------------------------

fn cmd_verify(a: &VerifyArgs) -> Result<ExitCode, Failure> {
    let data = read_dataset(&a.file, a.input.format)?;
    if data.task() == Task::Interpolate {
        let c = construct_and_check(&a.file, &data, &a.construction.options())?;
        let t = &c.built.transformer;
        let report = Report::interpolation(&data, t, &c.built.stats, &c.check, c.construct_ms, c.verify_ms);
        if a.json {
            out(&to_json(&report)?);
        } else {
            out(&human_interpolation_report(&a.file, &report, t, a.construction.max_width));
        }
        return Ok(checked_exit(&a.file, &c.check));
    }
    let c = construct_and_verify(&a.file, &data, &a.construction.options())?;
    let t = &c.built.transformer;
    let report = Report::new(&data, t, &c.built.stats, &c.verification, c.construct_ms, c.verify_ms);
    if a.json {
        out(&to_json(&report)?);
    } else {
        out(&human_report(&a.file, &report, t));
    }
    Ok(verified_exit(&a.file, &c.verification))
}

/// A constructed interpolating transformer and its check, with timings.
struct CheckedTargets {
    built: Compiled,
    check: TargetCheck,
    construct_ms: f64,
    verify_ms: f64,
}

fn construct_and_check(path: &Path, data: &Dataset, opts: &Options) -> Result<CheckedTargets, Failure> {
    let start = Instant::now();
    let built = compile(data, opts).map_err(|e| Failure::input(path, e))?;
    let construct_ms = millis(start);
    let start = Instant::now();
    let check = verify_targets(&built.transformer, data).map_err(|e| Failure::input(path, e))?;
    let verify_ms = millis(start);
    Ok(CheckedTargets { built, check, construct_ms, verify_ms })
}

fn checked_exit(path: &Path, c: &TargetCheck) -> ExitCode {
    if c.correct == c.total {
        ExitCode::SUCCESS
    } else {
        eprintln!(
            "error: {}: verification failed: {} of {} read tokens off target (worst relative error {})",
            path.display(),
            c.total - c.correct,
            c.total,
            sci(c.max_error_rel)
        );
        ExitCode::from(1)
    }
}

fn human_interpolation_report(path: &Path, r: &Report, t: &Transformer, max_width: usize) -> String {
    let sum_m = r.sum_m.unwrap_or(0);
    let mut tab = Table::default();
    tab.row("file", path.display());
    tab.row("task", "interpolate (each target is read at the last m tokens of the output)");
    tab.row("sequences", format!("{} (N)", r.sequences));
    tab.row("dim", r.dim);
    tab.row("max_len", r.max_len);
    tab.row("tokens", r.tokens);
    tab.row("sum_m", format!("{sum_m} (read tokens)"));
    tab.row("read_points", format!("{} (distinct read positions)", r.read_points.unwrap_or(0)));
    tab.row("blocks", format!("{} (paper: 2·sum m + 2N + 1 = {}; width {max_width})", r.blocks, r.paper_blocks));
    tab.row("layers", format!("{} (feed-forward + self-attention per block)", t.layer_count()));
    tab.row("params", format!("{} (N·d = {})", r.params, r.n_times_d));
    tab.row("nonzero_params", r.nonzero_params);
    tab.row("splits", r.splits);
    tab.row("correct", format!("{}/{} read tokens ({:.2}%)", r.correct, r.total, percent(r.correct, r.total)));
    tab.row("max_target_error", sci(r.max_target_error.unwrap_or(f64::NAN)));
    tab.row("max_target_error_rel", sci(r.max_target_error_rel.unwrap_or(f64::NAN)));
    tab.row("min_attention_margin", sci_or(r.min_attention_margin, "no attention choice to make"));
    tab.row("min_isolation_gap", sci_or(r.min_isolation_gap, "no splits"));
    tab.row("construct", format!("{:.1} ms", r.construct_ms));
    tab.row("verify", format!("{:.1} ms", r.verify_ms));
    let verdict = if r.correct == r.total {
        format!(
            "OK: {} read tokens on target, worst error {} ({} relative)",
            r.total,
            sci(r.max_target_error.unwrap_or(f64::NAN)),
            sci(r.max_target_error_rel.unwrap_or(f64::NAN))
        )
    } else {
        format!("FAILED: {} read token(s) off target", r.total - r.correct)
    };
    tab.row("result", verdict);
    let mut text = tab.render();
    if !r.notes.is_empty() {
        text.push_str("\nnotes:");
        for n in &r.notes {
            text.push_str("\n  - ");
            text.push_str(n);
        }
    }
    text
}

fn human_report(path: &Path, r: &Report, t: &Transformer) -> String {
    let mut tab = Table::default();
    tab.row("file", path.display());
    tab.row("sequences", format!("{} (N)", r.sequences));
    tab.row("classes", r.classes);
    if t.dim == r.dim {
        tab.row("dim", r.dim);
    } else {
        tab.row("dim", format!("{} (encoded: {})", r.dim, t.dim));
    }
    tab.row("max_len", r.max_len);
    tab.row("tokens", r.tokens);
    tab.row("blocks", format!("{} (paper: 4N+1 = {})", r.blocks, r.paper_blocks));
    tab.row("layers", format!("{} (feed-forward + self-attention per block)", t.layer_count()));
    tab.row("params", format!("{} (N·d = {})", r.params, r.n_times_d));
    tab.row("nonzero_params", r.nonzero_params);
    tab.row("splits", r.splits);
    tab.row("runs", format!("{} (label runs)", r.runs));
    tab.row("collapsed_points", r.collapsed_points);
    tab.row(
        "correct",
        format!("{}/{} ({:.2}%)", r.correct, r.total, percent(r.correct, r.total)),
    );
    tab.row("max_anchor_error", sci(r.max_anchor_error));
    tab.row("min_margin", sci_or(r.min_margin, "one class: no wrong anchor"));
    tab.row("min_attention_margin", sci_or(r.min_attention_margin, "no attention choice to make"));
    tab.row("min_isolation_gap", sci_or(r.min_isolation_gap, "no splits"));
    tab.row("min_label_gap", sci_or(r.min_label_gap, "nothing to separate"));
    tab.row("construct", format!("{:.1} ms", r.construct_ms));
    tab.row("verify", format!("{:.1} ms", r.verify_ms));
    let verdict = if r.correct == r.total {
        "OK: every sequence is classified exactly".to_string()
    } else {
        format!("FAILED: {} sequence(s) misclassified", r.total - r.correct)
    };
    tab.row("result", verdict);
    let mut text = tab.render();
    if !r.notes.is_empty() {
        text.push_str("\nnotes:");
        for n in &r.notes {
            text.push_str("\n  - ");
            text.push_str(n);
        }
    }
    text
}

fn cmd_build(a: &BuildArgs) -> Result<ExitCode, Failure> {
    let data = read_dataset(&a.file, a.input.format)?;
    if data.task() == Task::Interpolate {
        let c = construct_and_check(&a.file, &data, &a.construction.options())?;
        let t = &c.built.transformer;
        let json = hardmax::model_file::to_json(t).map_err(|e| Failure::input(&a.file, e))?;
        std::fs::write(&a.output, json)
            .map_err(|e| Failure::input(&a.output, format!("cannot write the model: {e}")))?;
        out(&format!(
            "wrote {}: {} blocks, {} params ({} nonzero), interpolation, d = {}; training set {}/{} read tokens on target, worst error {} ({:.1} ms)",
            a.output.display(),
            t.blocks.len(),
            t.param_count(),
            t.nonzero_count(),
            t.input_dim,
            c.check.correct,
            c.check.total,
            sci(c.check.max_error),
            c.construct_ms
        ));
        return Ok(checked_exit(&a.file, &c.check));
    }
    let c = construct_and_verify(&a.file, &data, &a.construction.options())?;
    let t = &c.built.transformer;
    let json = hardmax::model_file::to_json(t).map_err(|e| Failure::input(&a.file, e))?;
    std::fs::write(&a.output, json)
        .map_err(|e| Failure::input(&a.output, format!("cannot write the model: {e}")))?;
    let v = &c.verification;
    out(&format!(
        "wrote {}: {} blocks, {} params ({} nonzero), {} classes, d = {}; training set {}/{} correct ({:.1} ms)",
        a.output.display(),
        t.blocks.len(),
        t.param_count(),
        t.nonzero_count(),
        t.classes.len(),
        t.input_dim,
        v.correct,
        v.total,
        c.construct_ms
    ));
    Ok(verified_exit(&a.file, v))
}

fn load_model(path: &Path) -> Result<Transformer, Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::input(path, format!("cannot read the model file: {e}")))?;
    hardmax::model_file::from_json(&text).map_err(|e| Failure::input(path, e))
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

fn cmd_classify(a: &ClassifyArgs) -> Result<ExitCode, Failure> {
    let t = load_model(&a.model)?;
    if t.task == Task::Interpolate {
        return Err(Failure::input(
            &a.model,
            "this model interpolates (its outputs are token sequences, not classes); use `hardmax run MODEL FILE`",
        ));
    }
    let data = read_dataset(&a.file, a.input.format)?;
    if data.dim() != t.input_dim {
        return Err(Failure::input(
            &a.file,
            format!(
                "the tokens have d = {} coordinates but the model {} was built for d = {}",
                data.dim(),
                a.model.display(),
                t.input_dim
            ),
        ));
    }
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
        let value = serde_json::json!({
            "correct": v.correct,
            "total": v.total,
            "accuracy": accuracy,
            "unknown_classes": v.unknown_classes,
            "per_class": per_class,
            "predictions": predictions,
        });
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

/// Formats a token with every digit needed to read it back exactly.
fn token_text(col: nalgebra::DVectorView<f64>) -> String {
    format!("[{}]", col.iter().map(|v| format!("{v:?}")).collect::<Vec<_>>().join(", "))
}

fn cmd_run(a: &RunArgs) -> Result<ExitCode, Failure> {
    let t = load_model(&a.model)?;
    let text = std::fs::read_to_string(&a.file)
        .map_err(|e| Failure::input(&a.file, format!("cannot read the file: {e}")))?;
    let format = match a.input.format {
        Some(f) => f.format(),
        None => a
            .file
            .extension()
            .and_then(|e| e.to_str())
            .and_then(Format::from_extension)
            .ok_or_else(|| Failure::input(&a.file, "cannot tell the format from the file name; pass --format json, --format csv or --format ts"))?,
    };
    let (data, supervised) = parse_inputs(&text, format).map_err(|e| Failure::input(&a.file, e))?;
    if data.dim() != t.input_dim {
        return Err(Failure::input(
            &a.file,
            format!(
                "the tokens have d = {} coordinates but the model {} was built for d = {}",
                data.dim(),
                a.model.display(),
                t.input_dim
            ),
        ));
    }
    let seqs = data.sequences();
    if t.task == Task::Classify {
        let predictions: Vec<&str> = seqs.iter().map(|s| t.classes[t.classify(&s.tokens)].as_str()).collect();
        let labeled = supervised && data.task() == Task::Classify;
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
        return Ok(ExitCode::SUCCESS);
    }
    let with_targets = supervised && data.task() == Task::Interpolate;
    let read = |s: usize| -> usize {
        match (a.read, with_targets) {
            (Some(m), _) => m,
            (None, true) => seqs[s].m(),
            (None, false) => seqs[s].len(),
        }
    };
    if let Some(s) = (0..seqs.len()).find(|&s| read(s) == 0 || read(s) > seqs[s].len()) {
        return Err(Failure::input(
            &a.file,
            format!("--read {}: sequence {} ({}) has {} tokens; read between 1 and n tokens", read(s), s + 1, seqs[s].name, seqs[s].len()),
        ));
    }
    let inputs: Vec<&nalgebra::DMatrix<f64>> = seqs.iter().map(|s| &s.tokens).collect();
    let from = |s: usize| seqs[s].len() - read(s);
    let (outs, _) = hardmax::verify::targets::outputs_at(&t, &inputs, &|s| from(s)..seqs[s].len())
        .map_err(|e| Failure::input(&a.model, e))?;
    // errors against the targets, where a target covers the printed tokens
    let (mut total, mut correct, mut worst, mut worst_rel) = (0usize, 0usize, 0.0f64, 0.0f64);
    let mut rows = Vec::with_capacity(seqs.len());
    let mut lines = Vec::with_capacity(seqs.len());
    for (s, o) in outs.iter().enumerate() {
        let seq = &seqs[s];
        let mut errors = Vec::new();
        if let (true, Some(target)) = (with_targets, &seq.target) {
            for k in 0..o.ncols() {
                let j = from(s) + k;
                if j >= seq.read_from() {
                    let y = target.column(j - seq.read_from());
                    let e = (o.column(k) - y).norm();
                    let rel = e / y.norm().max(1.0);
                    total += 1;
                    correct += (rel <= hardmax::verify::targets::TOLERANCE) as usize;
                    worst = worst.max(e);
                    worst_rel = worst_rel.max(rel);
                    errors.push(e);
                }
            }
        }
        let tokens: Vec<Vec<f64>> = o.column_iter().map(|c| c.iter().copied().collect()).collect();
        rows.push(serde_json::json!({"name": seq.name, "from": from(s) + 1, "outputs": tokens, "errors": errors}));
        let shown: Vec<String> = o.column_iter().map(token_text).collect();
        lines.push(format!("{} (tokens {}–{}): {}", seq.name, from(s) + 1, seq.len(), shown.join(" ")));
    }
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

fn cmd_example(a: &ExampleArgs) -> Result<ExitCode, Failure> {
    let data = hardmax::presets::preset(&a.name, a.seed)
        .map_err(|e| Failure { code: 2, message: e.to_string() })?;
    let raw = data.to_raw();
    let mut lines = Vec::with_capacity(raw.sequences.len());
    for s in &raw.sequences {
        let value = serde_json::json!({"name": s.name, "label": s.label, "tokens": s.tokens});
        lines.push(format!("  {}", to_json(&value)?));
    }
    out(&format!("{{\"sequences\": [\n{}\n]}}", lines.join(",\n")));
    Ok(ExitCode::SUCCESS)
}

fn run(cli: &Cli) -> Result<ExitCode, Failure> {
    match &cli.command {
        Command::Verify(a) => cmd_verify(a),
        Command::Build(a) => cmd_build(a),
        Command::Classify(a) => cmd_classify(a),
        Command::Run(a) => cmd_run(a),
        Command::Example(a) => cmd_example(a),
        Command::Bench(a) => cmd_bench(a),
        Command::Figures(a) => cmd_figures(a),
    }
}

fn cmd_figures(a: &FiguresArgs) -> Result<ExitCode, Failure> {
    use hardmax::figures::{complexity_data, complexity_figure, stage_figure, ComplexitySpec};
    let data = read_dataset(&a.file, a.input.format)?;
    if data.task() == Task::Interpolate {
        return Err(Failure::input(&a.file, "figures of interpolation datasets are not drawn yet; `hardmax verify` checks the construction"));
    }
    let opts = a.construction.options();
    let c = construct_and_verify(&a.file, &data, &opts)?;
    std::fs::create_dir_all(&a.out)
        .map_err(|e| Failure::input(&a.out, format!("cannot create the output directory: {e}")))?;
    let write = |name: &str, svg: &str| -> Result<PathBuf, Failure> {
        let path = a.out.join(name);
        std::fs::write(&path, svg).map_err(|e| Failure::input(&path, format!("cannot write the figure: {e}")))?;
        Ok(path)
    };
    let t = &c.built.transformer;
    let svg = stage_figure(&data, t).map_err(|e| Failure::input(&a.file, e))?;
    let path = write("stages.svg", &svg)?;
    out(&format!(
        "wrote {}: 5 stages of {} sequences ({} tokens), {} blocks, {} splits; {}/{} correct",
        path.display(),
        data.len(),
        data.total_tokens(),
        t.blocks.len(),
        c.built.stats.splits,
        c.verification.correct,
        c.verification.total
    ));
    if !a.no_complexity {
        // generated data in R^4: the same construction options, minus the d = 1 lift
        let gen_opts = Options { lift_time: false, ..opts.clone() };
        let failure = |e: String| Failure { code: 2, message: format!("complexity figure: {e}") };
        let cx = complexity_data(&ComplexitySpec::default(), &gen_opts).map_err(failure)?;
        let svg = complexity_figure(&cx).map_err(failure)?;
        let path = write("complexity.svg", &svg)?;
        out(&format!("wrote {}: blocks against N and against sequence length", path.display()));
        out(cx.table().trim_end());
    }
    Ok(verified_exit(&a.file, &c.verification))
}

/// Peak resident memory of this process in MB (Linux), if known.
fn peak_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn bench_fail(message: String) -> Failure {
    Failure { code: 1, message }
}

/// One benchmark case, in this process: prints one JSON line.
fn bench_case(spec: &str, a: &BenchArgs) -> Result<ExitCode, Failure> {
    let parts: Vec<usize> = spec.split(',').filter_map(|p| p.trim().parse().ok()).collect();
    let [n, len, d, shared] = parts[..] else {
        return Err(Failure { code: 2, message: format!("--case expects N,LEN,D,SHARED, got {spec:?}") });
    };
    let data = hardmax::bench::generate(n, len, d, shared == 1, 7);
    let opts = Options::default();
    // repeated runs: min / median / max, since machines are noisy
    let mut construct_runs = Vec::new();
    let mut verify_runs = Vec::new();
    let mut last = None;
    for _ in 0..a.repeat.max(1) {
        let t0 = Instant::now();
        let built = compile(&data, &opts).map_err(|e| bench_fail(format!("case {spec}: {e}")))?;
        construct_runs.push(t0.elapsed().as_secs_f64() * 1e3);
        let t1 = Instant::now();
        let v = verify(&built.transformer, &data);
        verify_runs.push(t1.elapsed().as_secs_f64() * 1e3);
        last = Some((built, v));
    }
    let (built, v) = last.expect("at least one run");
    let spread = |xs: &mut Vec<f64>| {
        xs.sort_by(|a, b| a.total_cmp(b));
        serde_json::json!({"min": xs[0], "median": xs[xs.len() / 2], "max": xs[xs.len() - 1]})
    };
    let construct_ms = construct_runs[construct_runs.len() - 1];
    let verify_ms = verify_runs[verify_runs.len() - 1];
    let construct_spread = spread(&mut construct_runs);
    let verify_spread = spread(&mut verify_runs);
    let t = &built.transformer;
    // baseline: the plain evaluation on the first sequences, outputs compared
    let k = a.baseline_seqs.min(n);
    let (mut dense_ms, mut fast_ms, mut max_diff, mut bitwise) = (0.0, 0.0, 0.0f64, 0usize);
    for s in &data.sequences()[..k] {
        let t2 = Instant::now();
        let (dense, _) = t.forward_dense(&s.tokens);
        dense_ms += t2.elapsed().as_secs_f64() * 1e3;
        let t3 = Instant::now();
        let fast = t.forward(&s.tokens).cloud.tokens();
        fast_ms += t3.elapsed().as_secs_f64() * 1e3;
        let diff = (&dense - &fast).amax();
        max_diff = max_diff.max(diff);
        bitwise += (dense == fast) as usize;
        let mean = dense.column_mean();
        if t.nearest_anchor(&mean).0 != t.classify(&s.tokens) {
            return Err(bench_fail(format!("case {spec}: dense and fast evaluations disagree on {}", s.name)));
        }
    }
    if max_diff > 1e-9 {
        return Err(bench_fail(format!("case {spec}: dense and fast outputs differ by {max_diff:.3e}")));
    }
    let first_found = if a.compare_splits {
        let o = Options { split_choice: hardmax::construct::SplitChoice::FirstFound, ..Options::default() };
        Some(compile(&data, &o).map_err(|e| bench_fail(format!("case {spec}: {e}")))?.stats.splits)
    } else {
        None
    };
    let line = serde_json::json!({
        "n": n, "len": len, "d": d, "shared": shared == 1,
        "tokens": data.total_tokens(),
        "blocks": t.blocks.len(), "paper_blocks": 4 * n + 1,
        "blocks_per_n": t.blocks.len() as f64 / n as f64,
        "params": t.param_count(), "n_times_d": n * d,
        "splits": built.stats.splits, "splits_first_found": first_found,
        "runs": built.stats.runs,
        "correct": v.correct, "total": v.total,
        "min_margin": v.min_margin,
        "construct_ms": construct_ms, "verify_ms": verify_ms,
        "runs_construct_ms": construct_spread, "runs_verify_ms": verify_spread,
        "verify_us_per_token": verify_ms * 1e3 / data.total_tokens() as f64,
        "peak_mb": peak_mb(),
        "baseline": {
            "sequences": k, "dense_ms": dense_ms, "fast_ms": fast_ms,
            "speedup": if fast_ms > 0.0 { dense_ms / fast_ms } else { 0.0 },
            "max_abs_diff": max_diff, "bitwise_identical": bitwise,
        },
    });
    println!("{line}");
    Ok(if v.correct == v.total { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// The benchmark driver: every case in a child process (so peak memory is per case).
fn cmd_bench(a: &BenchArgs) -> Result<ExitCode, Failure> {
    if let Some(spec) = &a.case {
        return bench_case(spec, a);
    }
    let shared: Vec<usize> = match a.shared.as_str() {
        "no" => vec![0],
        "yes" => vec![1],
        "both" => vec![0, 1],
        other => return Err(Failure { code: 2, message: format!("--shared expects no, yes or both, got {other:?}") }),
    };
    let exe = std::env::current_exe().map_err(|e| Failure { code: 2, message: e.to_string() })?;
    let mut failed = false;
    for &n in &a.n {
        for &len in &a.len {
            for &d in &a.d {
                for &sh in &shared {
                    let spec = format!("{n},{len},{d},{sh}");
                    if a.max_tokens > 0 && n * len > a.max_tokens {
                        println!("{}", serde_json::json!({"n": n, "len": len, "d": d, "shared": sh == 1, "skipped": format!("more than --max-tokens {}", a.max_tokens)}));
                        continue;
                    }
                    let mut cmd = std::process::Command::new(&exe);
                    cmd.args([
                        "bench",
                        "--case",
                        &spec,
                        "--baseline-seqs",
                        &a.baseline_seqs.to_string(),
                        "--repeat",
                        &a.repeat.to_string(),
                    ]);
                    if a.compare_splits {
                        cmd.arg("--compare-splits");
                    }
                    let mut child = cmd
                        .stdout(std::process::Stdio::inherit())
                        .spawn()
                        .map_err(|e| Failure { code: 2, message: e.to_string() })?;
                    let start = Instant::now();
                    loop {
                        match child.try_wait() {
                            Ok(Some(status)) => {
                                failed |= !status.success();
                                break;
                            }
                            Ok(None) if start.elapsed().as_secs() >= a.timeout => {
                                let _ = child.kill();
                                let _ = child.wait();
                                println!("{}", serde_json::json!({"n": n, "len": len, "d": d, "shared": sh == 1, "skipped": format!("timeout after {} s", a.timeout)}));
                                break;
                            }
                            Ok(None) => std::thread::sleep(std::time::Duration::from_millis(20)),
                            Err(e) => return Err(Failure { code: 2, message: e.to_string() }),
                        }
                    }
                }
            }
        }
    }
    Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

pub fn main() -> ExitCode {
    // clap prints its own errors and exits 2 (0 for --help and --version)
    let cli = Cli::parse();
    match run(&cli) {
        Ok(code) => code,
        Err(f) => {
            eprintln!("error: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}

}

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    cli::main()
}

#[cfg(target_arch = "wasm32")]
fn main() {}
