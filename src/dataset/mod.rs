//! The dataset: sequences of tokens in R^d, labeled (classify) or with target sequences
//! (interpolate, see [`targets`]), validated once.
//!
//! Readers (`json`, `csv`, `ts`) turn text into a [`RawDataset`], keeping for every
//! sequence a human-readable `place` ("line 17", "sequence 3"); [`Dataset::new`] checks the
//! whole of it (empty dataset, empty sequences, mixed dimensions, non-finite values, empty
//! labels, labels mixed with targets, targets of the wrong dimension or length) and names
//! the place of the first problem. Everything after this module trusts its input.

pub mod csv;
pub mod json;
pub mod packed;
pub mod targets;
pub mod ts;

pub use targets::Task;

use crate::error::{Error, Result};
use nalgebra::DMatrix;
use serde::{Deserialize, Serialize};

/// Tokens (or a target) as read, one token a row of coordinates.
pub type Tokens = Vec<Vec<f64>>;

/// One sequence as read from a file, before validation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RawSequence {
    /// A name for messages and the visualizer ("seq 3", or the CSV `sequence` column).
    pub name: String,
    /// Where the sequence came from, for error messages ("line 17", "sequence 3").
    pub place: String,
    pub tokens: Vec<Vec<f64>>,
    /// The class (classification); empty when the sequence has a target instead.
    pub label: String,
    /// The target sequence (interpolation): m tokens, read at the last m output tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Vec<Vec<f64>>>,
}

/// A whole file's worth of sequences, before validation.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RawDataset {
    pub sequences: Vec<RawSequence>,
}

/// A validated sequence: tokens are the columns of a d x n matrix, the label an index
/// into [`Dataset::classes`] (0 in an interpolation dataset, which has no classes), the
/// target (interpolation only) the columns of a d x m matrix, m <= n.
#[derive(Debug, Clone, PartialEq)]
pub struct Sequence {
    pub name: String,
    pub tokens: DMatrix<f64>,
    pub label: usize,
    pub target: Option<DMatrix<f64>>,
}

impl Sequence {
    pub fn len(&self) -> usize {
        self.tokens.ncols()
    }
    pub fn is_empty(&self) -> bool {
        self.tokens.ncols() == 0
    }
    /// Number of target tokens (0 without a target).
    pub fn m(&self) -> usize {
        self.target.as_ref().map_or(0, |t| t.ncols())
    }
    /// Index of the first read token: the target is compared with tokens `read_from()..n`.
    pub fn read_from(&self) -> usize {
        self.len() - self.m()
    }
}

/// A validated dataset: at least one sequence, every sequence non-empty, every token of
/// the same dimension, every value finite. Classes are sorted by name (numerically when
/// every name is a number) so that class indices do not depend on file order.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    dim: usize,
    sequences: Vec<Sequence>,
    classes: Vec<String>,
    task: Task,
}

/// The formats the readers understand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Json,
    Csv,
    Ts,
}

impl Format {
    /// The format named by a file extension (`json`, `csv`, `ts`), if any.
    pub fn from_extension(ext: &str) -> Option<Format> {
        match ext.to_ascii_lowercase().as_str() {
            "json" => Some(Format::Json),
            "csv" => Some(Format::Csv),
            "ts" => Some(Format::Ts),
            _ => None,
        }
    }
    pub fn from_name(name: &str) -> Result<Format> {
        Format::from_extension(name).ok_or_else(|| Error::InvalidOption {
            name: "format",
            message: format!("unknown format {name:?}; expected json, csv or ts"),
        })
    }
}

/// Reads and validates a dataset from text in the given format.
pub fn parse(text: &str, format: Format) -> Result<Dataset> {
    Dataset::new(read_raw(text, format)?)
}

/// Reads a dataset from text without validating it.
pub fn read_raw(text: &str, format: Format) -> Result<RawDataset> {
    match format {
        Format::Json => json::read(text),
        Format::Csv => csv::read(text),
        Format::Ts => ts::read(text),
    }
}

/// Reads and validates sequences to run a model on: labels and targets are optional.
/// Returns the dataset and whether it is supervised (labels or targets, validated as by
/// [`parse`]); unsupervised sequences get the placeholder label `?`.
pub fn parse_inputs(text: &str, format: Format) -> Result<(Dataset, bool)> {
    let raw = match format {
        Format::Json => json::read_inputs(text)?,
        Format::Csv => csv::read(text)?,
        Format::Ts => ts::read(text)?,
    };
    let bare = raw.sequences.iter().all(|s| s.label.trim().is_empty() && s.target.is_none());
    if !bare {
        return Ok((Dataset::new(raw)?, true));
    }
    // no supervision: validate the tokens under one placeholder label
    let mut raw = raw;
    for s in raw.sequences.iter_mut() {
        s.label = "?".into();
    }
    Ok((Dataset::new(raw)?, false))
}

/// The classes of some labels, in the order every part of the project uses (class indices,
/// colors, legends, the page): each label trimmed, once, sorted by name, or numerically when
/// every name is a number as Rust reads numbers (`"2" < "10"`, `"inf"` and `"1e3"` are
/// numbers, `"0x10"` is not); equal numbers by name.
///
/// ```
/// use hardmax::dataset::class_order;
/// assert_eq!(class_order(["10", " 2", "inf", "2"]), ["2", "10", "inf"]);
/// assert_eq!(class_order(["b", "0x10", "a"]), ["0x10", "a", "b"]);
/// ```
pub fn class_order<'a>(labels: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut classes: Vec<String> = labels.into_iter().map(|l| l.trim().to_string()).collect();
    classes.sort();
    classes.dedup();
    if classes.iter().all(|c| c.parse::<f64>().is_ok()) {
        classes.sort_by(|a, b| {
            let (x, y) = (a.parse::<f64>().unwrap_or(0.0), b.parse::<f64>().unwrap_or(0.0));
            x.partial_cmp(&y).unwrap_or(std::cmp::Ordering::Equal).then_with(|| a.cmp(b))
        });
    }
    classes
}

impl Dataset {
    /// Validates a raw dataset, naming the place of the first problem found.
    pub fn new(raw: RawDataset) -> Result<Dataset> {
        if raw.sequences.is_empty() {
            return Err(Error::EmptyDataset);
        }
        let dim = match raw.sequences.iter().find_map(|s| s.tokens.first()) {
            Some(t) => t.len(),
            None => {
                return Err(Error::EmptySequence { place: raw.sequences[0].place.clone() })
            }
        };
        if dim == 0 {
            return Err(Error::MixedDimensions {
                place: format!("{}, token 1", raw.sequences[0].place),
                expected: 1,
                found: 0,
            });
        }
        let task = targets::task_of(&raw)?;
        for s in &raw.sequences {
            if s.tokens.is_empty() {
                return Err(Error::EmptySequence { place: s.place.clone() });
            }
            if task == Task::Classify && s.label.trim().is_empty() {
                return Err(Error::EmptyLabel { place: s.place.clone() });
            }
            for (t, tok) in s.tokens.iter().enumerate() {
                if tok.len() != dim {
                    return Err(Error::MixedDimensions {
                        place: format!("{}, token {}", s.place, t + 1),
                        expected: dim,
                        found: tok.len(),
                    });
                }
                if let Some((k, v)) = tok.iter().enumerate().find(|(_, v)| !v.is_finite()) {
                    return Err(Error::NonFinite {
                        place: format!("{}, token {}, coordinate {}", s.place, t + 1, k + 1),
                        value: format!("{v}"),
                    });
                }
            }
            if let Some(target) = &s.target {
                targets::check_target(s, target, dim)?;
            }
        }
        let labels = raw.sequences.iter().filter(|_| task == Task::Classify);
        let classes = class_order(labels.map(|s| s.label.as_str()));
        let sequences = raw
            .sequences
            .into_iter()
            .map(|s| {
                let label = classes.iter().position(|c| c == s.label.trim()).unwrap_or(0);
                let n = s.tokens.len();
                let tokens = DMatrix::from_iterator(dim, n, s.tokens.into_iter().flatten());
                let target = s.target.map(|t| DMatrix::from_iterator(dim, t.len(), t.into_iter().flatten()));
                Sequence { name: s.name, tokens, label, target }
            })
            .collect();
        Ok(Dataset { dim, sequences, classes, task })
    }

    /// Builds an interpolation dataset from (tokens, target) pairs (generators, tests).
    /// Validates like `new`.
    pub fn from_targets(sequences: Vec<(Tokens, Tokens)>) -> Result<Dataset> {
        let raw = RawDataset {
            sequences: sequences
                .into_iter()
                .enumerate()
                .map(|(i, (tokens, target))| RawSequence {
                    name: format!("seq {}", i + 1),
                    place: format!("sequence {}", i + 1),
                    tokens,
                    label: String::new(),
                    target: Some(target),
                })
                .collect(),
        };
        Dataset::new(raw)
    }

    /// Builds a dataset from already-typed parts (generators, tests). Validates like `new`.
    pub fn from_parts(sequences: Vec<(Vec<Vec<f64>>, String)>) -> Result<Dataset> {
        let raw = RawDataset {
            sequences: sequences
                .into_iter()
                .enumerate()
                .map(|(i, (tokens, label))| RawSequence {
                    name: format!("seq {}", i + 1),
                    place: format!("sequence {}", i + 1),
                    tokens,
                    label,
                    target: None,
                })
                .collect(),
        };
        Dataset::new(raw)
    }

    pub fn task(&self) -> Task {
        self.task
    }
    /// Total number of read tokens, sum of m over the sequences (0 for classification).
    pub fn sum_m(&self) -> usize {
        self.sequences.iter().map(Sequence::m).sum()
    }

    pub fn dim(&self) -> usize {
        self.dim
    }
    pub fn sequences(&self) -> &[Sequence] {
        &self.sequences
    }
    pub fn classes(&self) -> &[String] {
        &self.classes
    }
    pub fn len(&self) -> usize {
        self.sequences.len()
    }
    pub fn is_empty(&self) -> bool {
        self.sequences.is_empty()
    }
    pub fn max_len(&self) -> usize {
        self.sequences.iter().map(|s| s.len()).max().unwrap_or(0)
    }
    pub fn total_tokens(&self) -> usize {
        self.sequences.iter().map(|s| s.len()).sum()
    }

    /// Back to the raw form (for export as JSON).
    pub fn to_raw(&self) -> RawDataset {
        RawDataset {
            sequences: self
                .sequences
                .iter()
                .enumerate()
                .map(|(i, s)| RawSequence {
                    name: s.name.clone(),
                    place: format!("sequence {}", i + 1),
                    tokens: s.tokens.column_iter().map(|c| c.iter().copied().collect()).collect(),
                    label: self.classes.get(s.label).cloned().unwrap_or_default(),
                    target: s.target.as_ref().map(|t| t.column_iter().map(|c| c.iter().copied().collect()).collect()),
                })
                .collect(),
        }
    }

    /// The same dataset with each sequence's tokens replaced by `f(sequence)`; the
    /// dimension is taken from the result. Used by input maps (lift, positional encoding).
    pub fn map_tokens(&self, dim: usize, f: impl Fn(&DMatrix<f64>) -> DMatrix<f64>) -> Dataset {
        Dataset {
            dim,
            sequences: self
                .sequences
                .iter()
                .map(|s| Sequence { name: s.name.clone(), tokens: f(&s.tokens), label: s.label, target: s.target.clone() })
                .collect(),
            classes: self.classes.clone(),
            task: self.task,
        }
    }

    /// The same sequences with each token list rewritten by `f` (repeated, cycled, ...),
    /// validated again.
    pub fn rewrite_tokens(&self, f: impl Fn(Vec<Vec<f64>>) -> Vec<Vec<f64>>) -> Result<Dataset> {
        let mut raw = self.to_raw();
        for s in raw.sequences.iter_mut() {
            s.tokens = f(std::mem::take(&mut s.tokens));
        }
        Dataset::new(raw)
    }

    /// A sub-dataset of the given sequence indices (for splits and samples).
    pub fn subset(&self, indices: &[usize]) -> Dataset {
        Dataset {
            dim: self.dim,
            sequences: indices.iter().filter_map(|&i| self.sequences.get(i).cloned()).collect(),
            classes: self.classes.clone(),
            task: self.task,
        }
    }
}
