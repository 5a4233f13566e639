//! Targets: the second kind of supervision a dataset can carry.
//!
//! A dataset either labels every sequence (the task is to *classify*) or gives every
//! sequence a target sequence (the task is to *interpolate*): `m` tokens in R^d, the
//! dimension of the input tokens, with `1 <= m <= n` for a sequence of `n` tokens. The
//! output of a transformer has as many tokens as its input; the target is compared with
//! the **last** `m` output tokens (token `n - m + k` is read for target token `k`).
//!
//! [`task_of`] decides the task from the raw dataset and names the first sequence that
//! mixes the two kinds; [`check_target`] checks one sequence's target (dimension, finite
//! values, length) and names the place of the first problem, as
//! `sequence 3, target 2, coordinate 1`.

use super::{RawDataset, RawSequence};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// What a dataset asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Task {
    /// every sequence has a label; the output names its class
    #[default]
    Classify,
    /// every sequence has a target sequence; the output, read at the last m tokens, equals it
    Interpolate,
}

impl Task {
    pub fn name(self) -> &'static str {
        match self {
            Task::Classify => "classify",
            Task::Interpolate => "interpolate",
        }
    }
}

fn has_label(s: &RawSequence) -> bool {
    !s.label.trim().is_empty()
}

/// The task of a raw dataset (the first sequence decides), or the first sequence that
/// mixes labels and targets, or has neither.
pub fn task_of(raw: &RawDataset) -> Result<Task> {
    let Some(first) = raw.sequences.first() else {
        return Err(Error::EmptyDataset);
    };
    let task = if first.target.is_some() { Task::Interpolate } else { Task::Classify };
    for s in &raw.sequences {
        match (has_label(s), s.target.is_some(), task) {
            (true, true, _) => {
                return Err(Error::MixedTasks {
                    place: s.place.clone(),
                    message: "the sequence has both a label and a target".into(),
                })
            }
            (false, false, Task::Interpolate) => return Err(Error::NoLabelOrTarget { place: s.place.clone() }),
            (true, false, Task::Interpolate) => {
                return Err(Error::MixedTasks {
                    place: s.place.clone(),
                    message: format!("the sequence has a label but {} has a target", first.place),
                })
            }
            (false, true, Task::Classify) => {
                return Err(Error::MixedTasks {
                    place: s.place.clone(),
                    message: format!("the sequence has a target but {} has a label", first.place),
                })
            }
            // a missing label in a classification dataset is reported as an empty label
            _ => {}
        }
    }
    Ok(task)
}

/// Checks the target of one sequence against its tokens: `1 <= m <= n`, every target token
/// of dimension `dim`, every value finite.
pub fn check_target(s: &RawSequence, target: &[Vec<f64>], dim: usize) -> Result<()> {
    let (m, n) = (target.len(), s.tokens.len());
    if m == 0 || m > n {
        return Err(Error::TargetLength { place: s.place.clone(), m, n });
    }
    for (t, tok) in target.iter().enumerate() {
        if tok.len() != dim {
            return Err(Error::TargetDimension {
                place: format!("{}, target {}", s.place, t + 1),
                expected: dim,
                found: tok.len(),
            });
        }
        if let Some((k, v)) = tok.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(Error::NonFinite {
                place: format!("{}, target {}, coordinate {}", s.place, t + 1, k + 1),
                value: format!("{v}"),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seq(i: usize, label: &str, target: Option<Vec<Vec<f64>>>) -> RawSequence {
        RawSequence {
            name: format!("s{i}"),
            place: format!("sequence {i}"),
            tokens: vec![vec![0.0, 1.0], vec![1.0, 0.0]],
            label: label.into(),
            target,
        }
    }

    #[test]
    fn the_first_sequence_decides_and_mixing_is_named() {
        let t = Some(vec![vec![1.0, 2.0]]);
        let raw = RawDataset { sequences: vec![seq(1, "", t.clone()), seq(2, "", t.clone())] };
        assert_eq!(task_of(&raw).unwrap(), Task::Interpolate);
        let raw = RawDataset { sequences: vec![seq(1, "", t.clone()), seq(2, "a", None)] };
        match task_of(&raw) {
            Err(Error::MixedTasks { place, message }) => {
                assert_eq!(place, "sequence 2");
                assert!(message.contains("sequence 1 has a target"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        let raw = RawDataset { sequences: vec![seq(1, "a", None), seq(2, "", t.clone())] };
        assert!(matches!(task_of(&raw), Err(Error::MixedTasks { .. })));
        let raw = RawDataset { sequences: vec![seq(1, "a", t)] };
        assert!(matches!(task_of(&raw), Err(Error::MixedTasks { .. })));
    }

    #[test]
    fn targets_are_checked_where_they_are() {
        let s = seq(4, "", None);
        assert!(check_target(&s, &[vec![1.0, 2.0]], 2).is_ok());
        assert!(matches!(check_target(&s, &[], 2), Err(Error::TargetLength { m: 0, n: 2, .. })));
        let three = vec![vec![0.0, 0.0]; 3];
        assert!(matches!(check_target(&s, &three, 2), Err(Error::TargetLength { m: 3, n: 2, .. })));
        match check_target(&s, &[vec![1.0, 2.0], vec![1.0]], 2) {
            Err(Error::TargetDimension { place, expected: 2, found: 1 }) => assert_eq!(place, "sequence 4, target 2"),
            other => panic!("{other:?}"),
        }
        match check_target(&s, &[vec![1.0, f64::INFINITY]], 2) {
            Err(Error::NonFinite { place, .. }) => assert_eq!(place, "sequence 4, target 1, coordinate 2"),
            other => panic!("{other:?}"),
        }
    }
}
