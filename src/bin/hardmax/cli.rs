//! The arguments, the shared steps (read, construct and verify, report) and the commands
//! verify, build, classify and example. `bench` and `figures` have their own modules.

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
    after_help = "Exit codes: 0 success, 1 verification failed, 2 bad input or bad arguments, 3 a figure could not be drawn."
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
    Bench(crate::bench::BenchArgs),
    /// Write SVG figures: the construction stage by stage, and blocks against N and length
    Figures(crate::figures::FiguresArgs),
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
    /// also find beta*, the smallest softmax inverse temperature at which the same weights
    /// classify every sequence, and the accuracy-versus-beta curve
    #[arg(long)]
    softmax: bool,
    /// also prove, with a rigorous bound on floating-point error, that every attention
    /// choice and every readout holds (exit 1 when it cannot)
    #[arg(long)]
    certify: bool,
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
    /// with --json: also print every sequence's output (the mean output token)
    #[arg(long)]
    outputs: bool,
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
    /// which example: shared, random, rings or vowels (labels); paths, copy, reverse or translate (targets)
    #[arg(default_value = "shared")]
    name: String,
    /// seed of the generated examples (random, rings)
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

#[derive(Args)]
pub(crate) struct InputArgs {
    /// format of the dataset file (default: from its extension)
    #[arg(long, value_enum)]
    pub(crate) format: Option<FormatArg>,
}

#[derive(Args)]
pub(crate) struct ConstructionArgs {
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
    /// scale Q (by a power of two) so that softmax attention at this inverse temperature or
    /// more classifies every training sequence (beta* <= BETA); blocks are unchanged
    #[arg(long, value_name = "BETA")]
    softmax_beta: Option<f64>,
}

#[derive(Clone, Copy, ValueEnum)]
enum AnchorsArg {
    /// evenly on a circle around the labeled points
    Circle,
    /// evenly on a line through them
    Line,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum FormatArg {
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
    pub(crate) fn options(&self) -> Options {
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
            softmax_beta: self.softmax_beta,
        }
    }
}

// ---------------------------------------------------------------------------------------
// Failures and output
// ---------------------------------------------------------------------------------------

/// Why a command stopped: an exit code and the message for standard error.
pub(crate) struct Failure {
    pub(crate) code: u8,
    pub(crate) message: String,
}

impl Failure {
    /// Bad input (exit 2), with the file it concerns.
    pub(crate) fn input(path: &Path, what: impl Display) -> Failure {
        Failure { code: 2, message: format!("{}: {what}", path.display()) }
    }

    /// A figure that could not be drawn (exit 3): the input was fine, the drawing failed.
    pub(crate) fn figure(e: hardmax::Error) -> Failure {
        Failure { code: 3, message: e.to_string() }
    }
}

/// Writes to standard output, ignoring a closed pipe (`hardmax ... | head`).
pub(crate) fn out(text: &str) {
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
pub(crate) fn read_dataset(path: &Path, format: Option<FormatArg>) -> Result<Dataset, Failure> {
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
pub(crate) struct Checked {
    pub(crate) built: Compiled,
    pub(crate) verification: Verification,
    pub(crate) construct_ms: f64,
    pub(crate) verify_ms: f64,
}

pub(crate) fn construct_and_verify(path: &Path, data: &Dataset, opts: &Options) -> Result<Checked, Failure> {
    let start = Instant::now();
    let built = compile(data, opts).map_err(|e| Failure::input(path, e))?;
    let construct_ms = millis(start);
    let start = Instant::now();
    let verification = verify(&built.transformer, data);
    let verify_ms = millis(start);
    Ok(Checked { built, verification, construct_ms, verify_ms })
}

pub(crate) fn verified_exit(path: &Path, v: &Verification) -> ExitCode {
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
        if a.softmax || a.certify {
            let flag = if a.softmax { "--softmax" } else { "--certify" };
            return Err(Failure::input(&a.file, format!("{flag} applies to classification datasets for now; this one has targets (interpolation)")));
        }
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
    let mut report = Report::new(&data, t, &c.built.stats, &c.verification, c.construct_ms, c.verify_ms);
    if a.softmax {
        report.softmax = Some(hardmax::softmax::threshold(t, &data).summary());
    }
    if a.certify {
        report.certificate = Some(hardmax::certify::certify(t, &data));
    }
    if a.json {
        out(&to_json(&report)?);
    } else {
        out(&human_report(&a.file, &report, t));
    }
    let code = verified_exit(&a.file, &c.verification);
    if let Some(cert) = report.certificate.as_ref().filter(|c| !c.certified) {
        if c.verification.correct == c.verification.total {
            let at = cert.certified_failure.as_ref().map_or(String::new(), |f| format!(": {}", failure_text(f)));
            eprintln!("error: {}: the certificate fails{at}", a.file.display());
        }
        return Ok(ExitCode::from(1));
    }
    Ok(code)
}

/// Where and why a certificate failed, in a sentence.
fn failure_text(f: &hardmax::certify::Failure) -> String {
    let layer = match (f.layer, &f.stage) {
        (Some(l), Some(stage)) => format!("layer {l} ({stage})"),
        (Some(l), None) => format!("layer {l}"),
        (None, _) => "the readout".to_string(),
    };
    format!("sequence {} («{}»), {layer}: {}", f.sequence + 1, f.name, f.reason)
}

/// The `--softmax` and `--certify` parts of the human report.
fn extra_report(r: &Report, t: &Transformer) -> String {
    let mut tab = Table::default();
    if let Some(s) = &r.softmax {
        let star = match (s.beta_star, s.beta_below) {
            (Some(b), Some(below)) => {
                format!("{} (every tested beta >= beta* classifies all {}; {} does not)", sci(b), r.total, sci(below))
            }
            (Some(b), None) => format!("<= {} (all correct down to the lowest tested beta)", sci(b)),
            (None, _) => "none: no tested beta classifies every sequence".to_string(),
        };
        tab.row("softmax beta*", star);
        match s.beta_bound {
            Some(b) => tab.row("softmax proven from", format!("{} (750 / min attention margin: softmax = hardmax bit for bit)", sci(b))),
            None => tab.row("softmax proven from", "no bound (attention ties or rank > 1)"),
        }
        tab.row("softmax estimate", format!("{} (max ln(k) / margin: half the weight on what hardmax attends)", sci(s.beta_half)));
        tab.row("softmax blocks", format!("{} (paper's softmax count 2N + 3N = {})", t.blocks.len(), s.paper_softmax_blocks));
    }
    if let Some(sc) = &r.softmax_scaling {
        tab.row(
            "softmax target",
            format!(
                "beta {}: Q x {} in {} layer(s), bound {} -> {}; max |Q| {} -> {}, max |param| {} -> {}; blocks and params unchanged",
                sci(sc.target), sc.factor, sc.scaled_layers, sci(sc.bound_before), sci(sc.bound_after),
                sci(sc.max_q_before), sci(sc.max_q_after), sci(sc.max_param_before), sci(sc.max_param_after)
            ),
        );
    }
    if let Some(c) = &r.certificate {
        let verdict = match &c.certified_failure {
            None => "yes: every attention choice and every readout holds within the rounding bound".to_string(),
            Some(f) => format!("NO: {}", failure_text(f)),
        };
        tab.row("certified", verdict);
        tab.row(
            "certified_slack",
            format!(
                "{} (attention {}, readout {}; error bound at the output {})",
                sci(c.certified_slack),
                sci_or(c.certified_attention_slack, "no attention choice"),
                sci_or(c.certified_readout_slack, "one class"),
                sci(c.certified_error_bound)
            ),
        );
    }
    let mut text = tab.render();
    if let Some(s) = &r.softmax {
        text.push_str("\nsoftmax curve (beta: correct/total):");
        for p in &s.softmax_curve {
            text.push_str(&format!("\n  {}  {}/{}", sci(p.beta), p.correct, p.total));
        }
    }
    text
}

/// A constructed interpolating transformer and its check, with timings.
pub(crate) struct CheckedTargets {
    pub(crate) built: Compiled,
    pub(crate) check: TargetCheck,
    construct_ms: f64,
    verify_ms: f64,
}

pub(crate) fn construct_and_check(path: &Path, data: &Dataset, opts: &Options) -> Result<CheckedTargets, Failure> {
    let start = Instant::now();
    let built = compile(data, opts).map_err(|e| Failure::input(path, e))?;
    let construct_ms = millis(start);
    let start = Instant::now();
    let check = verify_targets(&built.transformer, data).map_err(|e| Failure::input(path, e))?;
    let verify_ms = millis(start);
    Ok(CheckedTargets { built, check, construct_ms, verify_ms })
}

pub(crate) fn checked_exit(path: &Path, c: &TargetCheck) -> ExitCode {
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
    let extra = extra_report(r, t);
    if !extra.is_empty() {
        text.push('\n');
        text.push_str(&extra);
    }
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
        let value = match &s.target {
            Some(target) => serde_json::json!({"name": s.name, "tokens": s.tokens, "target": target}),
            None => serde_json::json!({"name": s.name, "label": s.label, "tokens": s.tokens}),
        };
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
        Command::Bench(a) => crate::bench::cmd_bench(a),
        Command::Figures(a) => crate::figures::cmd_figures(a),
    }
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

