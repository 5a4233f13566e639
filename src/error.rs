//! One error type for the whole pipeline. Every variant carries what was wrong and where,
//! so a message can be shown to a user as it is.

use thiserror::Error;

/// Everything that can go wrong between a file and a verified transformer.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum Error {
    #[error("the dataset is empty: it has no sequences")]
    EmptyDataset,

    #[error("{place}: the sequence has no tokens (every sequence needs at least one)")]
    EmptySequence { place: String },

    #[error("{place}: expected {expected} coordinates per token (as in the first token of the dataset), found {found}")]
    MixedDimensions { place: String, expected: usize, found: usize },

    #[error("{place}: value {value} is not a finite number")]
    NonFinite { place: String, value: String },

    #[error("{place}: missing value")]
    MissingValue { place: String },

    #[error("{place}: the label is empty")]
    EmptyLabel { place: String },

    #[error("the tokens have d = 1 coordinate, outside the theorem (it needs d >= 2); lift each series to (x, t) with `--lift time` (in the page: the \"lift d = 1 series\" option)")]
    OneDimensional,

    #[error("sequences {first} ({first_name}, label {first_label}) and {second} ({second_name}, label {second_label}) contain the same set of token positions (up to {tolerance:.0e} of the data's range) but have different labels: without positional information a transformer cannot tell them apart; enable positional encoding (`--positional`)")]
    Indistinguishable {
        first: usize,
        first_name: String,
        first_label: String,
        second: usize,
        second_name: String,
        second_label: String,
        /// positions closer than this (in units of the data's range) are one position
        tolerance: f64,
    },

    #[error("sequences {first} ({first_name}) and {second} ({second_name}) have different labels but differ only by tokens about {gap:.1e} apart (in units of the data's range): a tent telling them apart needs a gap of at least {floor:.1e}, or its own rounding error could move tokens by more than 1/100 of its step; merge or drop one of the two, or the near-duplicate tokens")]
    TooClose { first: usize, first_name: String, second: usize, second_name: String, gap: f64, floor: f64 },

    #[error("{place}: {message}; a dataset has labels (classification) or targets (interpolation), not both")]
    MixedTasks { place: String, message: String },

    #[error("{place}: the sequence has neither a label (classification) nor a target (interpolation)")]
    NoLabelOrTarget { place: String },

    #[error("{place}: expected {expected} coordinates per target token (the tokens' dimension d), found {found}")]
    TargetDimension { place: String, expected: usize, found: usize },

    #[error("{place}: the target has {m} tokens but the sequence has {n}; a target of m tokens is read at the last m tokens of the output, so 1 <= m <= n")]
    TargetLength { place: String, m: usize, n: usize },

    #[error("sequence {sequence} ({name}): tokens {first_token} and {second_token} are the same point (up to 1e-9 of the data's range) but are read with different targets; without positional information a transformer maps equal tokens of one sequence to equal outputs; enable positional encoding (`--positional`)")]
    RepeatedReadPosition { sequence: usize, name: String, first_token: usize, second_token: usize },

    #[error("sequences {first} ({first_name}) and {second} ({second_name}) contain the same set of token positions (up to 1e-9 of the data's range) but read token {first_token} and token {second_token}, which sit at one position, with different targets: without positional information a transformer cannot tell them apart; enable positional encoding (`--positional`)")]
    ConflictingTargets {
        first: usize,
        first_name: String,
        first_token: usize,
        second: usize,
        second_name: String,
        second_token: usize,
    },

    #[error("read tokens of sequences {first} ({first_name}) and {second} ({second_name}) are about {gap:.1e} apart (in units of the data's range), too close to move to their targets separately in floating point; rescale the data or merge near-duplicate tokens")]
    ReadPointsTooClose { first: usize, first_name: String, second: usize, second_name: String, gap: f64 },

    #[error("the tokens have d = 1 coordinate, outside the theorem: interpolation needs tokens and targets in R^d with d >= 2")]
    OneDimensionalTargets,

    #[error("{format} input, line {line}, column {column}: {message}")]
    Parse { format: &'static str, line: usize, column: usize, message: String },

    #[error("{place}: {message}")]
    Packed { place: String, message: String },

    #[error("invalid option {name}: {message}")]
    InvalidOption { name: &'static str, message: String },

    #[error("model: {0}")]
    Model(String),

    #[error("the data have d = {data} coordinates per token but the transformer takes d = {model}")]
    WrongDimension { data: usize, model: usize },

    #[error("{what} {index} is outside {range}")]
    OutOfRange { what: &'static str, index: usize, range: String },

    #[error("{what} covers classification models for now; this one interpolates")]
    ClassificationOnly { what: &'static str },

    #[error("figure: {0}")]
    Figure(String),

    #[error("the construction could not certify its own step ({0}); please report this dataset")]
    Construction(String),
}

pub type Result<T> = std::result::Result<T, Error>;
