//! The arguments every command shares (input format, construction options), the list of
//! commands and the dispatch. Each command has its own module with its own `Args`.

use crate::build::BuildArgs;
use crate::classify::ClassifyArgs;
use crate::example::ExampleArgs;
use crate::output::Failure;
use crate::run::RunArgs;
use crate::verify::VerifyArgs;
use clap::{Args, Parser, Subcommand, ValueEnum};
use hardmax::construct::{AnchorPlacement, Labeling, Options, SplitChoice};
use hardmax::dataset::Format;
use std::process::ExitCode;

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
    pub(crate) max_width: usize,
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
    pub(crate) fn format(self) -> Format {
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
                AnchorsArg::Circle => AnchorPlacement::Circle,
                AnchorsArg::Line => AnchorPlacement::Line,
            },
            max_width: self.max_width,
            softmax_beta: self.softmax_beta,
        }
    }
}

fn run(cli: &Cli) -> Result<ExitCode, Failure> {
    match &cli.command {
        Command::Verify(a) => crate::verify::cmd_verify(a),
        Command::Build(a) => crate::build::cmd_build(a),
        Command::Classify(a) => crate::classify::cmd_classify(a),
        Command::Run(a) => crate::run::cmd_run(a),
        Command::Example(a) => crate::example::cmd_example(a),
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

