//! Held-out data: a built transformer applied to sequences it was not built from.
//!
//! The theorem behind the construction is about interpolation: every sequence of the
//! training set is classified exactly. It promises nothing about other sequences. This
//! module runs them anyway, so that one can see where they go:
//!
//! * [`Probe`]: a sequence to classify, with or without a label (a file without labels,
//!   or a sequence drawn by hand, gets predictions only);
//! * [`run`]: the prediction of every probe (read off as [`crate::verify`] reads it: the
//!   class whose anchor is nearest the mean output token), the accuracy over the labeled
//!   ones and the misclassified list. A label the transformer never saw cannot be
//!   predicted: such sequences count as wrong, and [`HeldOut::unknown_classes`] names them;
//! * [`positions`]: one probe's tokens at every state, projected on the same view plane as
//!   the training [`crate::scene::Scene`], so that it can be drawn among the training data.
//!
//! ```
//! use hardmax::{construct::{compile, Options}, heldout, presets};
//! let t = compile(&presets::rings(1), &Options::default()).unwrap().transformer;
//! let probes = heldout::probes(&presets::rings(2));
//! let result = heldout::run(&t, &probes).unwrap();
//! assert_eq!(result.total, 18);
//! assert_eq!(result.labeled, 18);
//! assert_eq!(result.correct + result.wrong.len(), 18);
//! ```

use crate::dataset::{json, parse, Dataset, Format, RawDataset, Task};
use crate::error::{Error, Result};
use crate::model::Transformer;
use crate::scene::project;
use nalgebra::DMatrix;
use serde::Serialize;

/// One sequence to classify.
#[derive(Debug, Clone, PartialEq)]
pub struct Probe {
    pub name: String,
    /// the class it should be in, if known
    pub label: Option<String>,
    /// d x n: one token per column
    pub tokens: DMatrix<f64>,
}

/// Every sequence of a (labeled) dataset as a probe.
pub fn probes(data: &Dataset) -> Vec<Probe> {
    data.sequences()
        .iter()
        .map(|s| Probe { name: s.name.clone(), label: Some(data.classes()[s.label].clone()), tokens: s.tokens.clone() })
        .collect()
}

/// Probes from file text. In JSON a sequence may leave out its `"label"` (it is then
/// classified but not scored); CSV and TS rows carry a label by their format. Everything
/// else is checked as for training data, with the same named errors.
pub fn parse_probes(text: &str, format: Format) -> Result<Vec<Probe>> {
    match format {
        Format::Json => from_raw(json::read_inputs(text)?),
        other => Ok(probes(&parse(text, other)?)),
    }
}

/// Probes from read sequences whose label may be empty (no label).
fn from_raw(mut raw: RawDataset) -> Result<Vec<Probe>> {
    // validate as a dataset; an empty label stands for "no label" here, so give it a
    // stand-in that validation accepts, and take it back afterwards
    if let Some(s) = raw.sequences.iter().find(|s| s.target.is_some()) {
        return Err(Error::MixedTasks {
            place: s.place.clone(),
            message: "held-out data are classified, but this sequence has a target".into(),
        });
    }
    let unlabeled: Vec<bool> = raw.sequences.iter().map(|s| s.label.trim().is_empty()).collect();
    for (s, &none) in raw.sequences.iter_mut().zip(&unlabeled) {
        if none {
            s.label = "unlabeled".into();
        }
    }
    let data = Dataset::new(raw)?;
    Ok(probes(&data)
        .into_iter()
        .zip(unlabeled)
        .map(|(p, none)| Probe { label: if none { None } else { p.label }, ..p })
        .collect())
}

/// One probe from tokens given as rows (a sequence drawn by hand): checked like a file's.
pub fn probe_of(name: &str, tokens: Vec<Vec<f64>>, label: Option<&str>) -> Result<Probe> {
    let raw = RawDataset {
        sequences: vec![crate::dataset::RawSequence {
            name: name.to_string(),
            place: format!("sequence {name:?}"),
            tokens,
            label: label.unwrap_or("").to_string(),
            target: None,
        }],
    };
    from_raw(raw)?.pop().ok_or(Error::EmptyDataset)
}

/// What one probe was classified as.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Prediction {
    pub name: String,
    /// its own label, if it has one
    pub label: Option<String>,
    /// the class the transformer reads off its output
    pub predicted: String,
    /// index of `predicted` among the transformer's classes
    #[serde(rename = "predictedIndex")]
    pub predicted_index: usize,
    /// None when unlabeled; false for a label the transformer does not know
    pub correct: Option<bool>,
    /// distance of the mean output token to the predicted class's anchor
    pub distance: f64,
}

/// A misclassified probe.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Miss {
    /// index of the probe
    pub index: usize,
    pub name: String,
    pub label: String,
    pub predicted: String,
    /// false when the transformer never had this label (it could not have predicted it)
    pub known: bool,
}

/// The transformer on held-out data.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HeldOut {
    /// probes run
    pub total: usize,
    /// probes with a label (the ones scored)
    pub labeled: usize,
    /// labeled probes classified as their label
    pub correct: usize,
    /// correct / labeled; None when nothing is labeled
    pub accuracy: Option<f64>,
    pub predictions: Vec<Prediction>,
    /// the labeled probes classified wrong, in order (unknown labels included)
    pub wrong: Vec<Miss>,
    /// labels of the probes that the transformer never had (sorted, once each)
    #[serde(rename = "unknownClasses")]
    pub unknown_classes: Vec<String>,
    /// probes whose label is unknown to the transformer (all counted wrong)
    #[serde(rename = "unknownCount")]
    pub unknown_count: usize,
}

fn check_dim(t: &Transformer, tokens: &DMatrix<f64>) -> Result<()> {
    if tokens.nrows() != t.input_dim {
        return Err(Error::WrongDimension { data: tokens.nrows(), model: t.input_dim });
    }
    if let Some(v) = tokens.iter().find(|v| !v.is_finite()) {
        return Err(Error::NonFinite { place: "held-out data".into(), value: format!("{v}") });
    }
    Ok(())
}

/// Classifies every probe; see the module docs. A probe of another dimension than the
/// transformer's input (or with a non-finite value) is refused before anything runs.
pub fn run(t: &Transformer, probes: &[Probe]) -> Result<HeldOut> {
    if t.task != Task::Classify || t.classes.is_empty() {
        return Err(Error::Model("held-out data: this transformer interpolates targets; only a classifier names classes".into()));
    }
    if probes.is_empty() {
        return Err(Error::EmptyDataset);
    }
    for (i, p) in probes.iter().enumerate() {
        check_dim(t, &p.tokens).map_err(|e| match e {
            Error::NonFinite { value, .. } => Error::NonFinite { place: format!("sequence {} ({})", i + 1, p.name), value },
            other => other,
        })?;
        if p.tokens.ncols() == 0 {
            return Err(Error::EmptySequence { place: format!("sequence {} ({})", i + 1, p.name) });
        }
    }
    let mut out = HeldOut {
        total: probes.len(),
        labeled: 0,
        correct: 0,
        accuracy: None,
        predictions: Vec::with_capacity(probes.len()),
        wrong: Vec::new(),
        unknown_classes: Vec::new(),
        unknown_count: 0,
    };
    for (i, p) in probes.iter().enumerate() {
        let (pred, dist) = t.nearest_anchor(&t.forward(&p.tokens).mean());
        let predicted = t.classes[pred].clone();
        let correct = p.label.as_ref().map(|l| *l == predicted);
        if let Some(label) = &p.label {
            out.labeled += 1;
            let known = t.classes.contains(label);
            if !known {
                out.unknown_count += 1;
                if !out.unknown_classes.contains(label) {
                    out.unknown_classes.push(label.clone());
                }
            }
            if correct == Some(true) {
                out.correct += 1;
            } else {
                out.wrong.push(Miss { index: i, name: p.name.clone(), label: label.clone(), predicted: predicted.clone(), known });
            }
        }
        out.predictions.push(Prediction {
            name: p.name.clone(),
            label: p.label.clone(),
            predicted,
            predicted_index: pred,
            correct,
            distance: dist[pred],
        });
    }
    out.unknown_classes.sort();
    out.accuracy = (out.labeled > 0).then(|| out.correct as f64 / out.labeled as f64);
    Ok(out)
}

/// The probe's tokens at every state 0..=L of the forward pass, projected on the view plane
/// of the transformer (the one its training [`crate::scene::Scene`] uses): token j at state
/// s is at `[2 * (s * n + j)]`, `[2 * (s * n + j) + 1]` for n tokens.
pub fn positions(t: &Transformer, tokens: &DMatrix<f64>) -> Result<Vec<f64>> {
    check_dim(t, tokens)?;
    let n = tokens.ncols();
    let mut out = vec![0.0; (t.layer_count() + 1) * n * 2];
    let mut view: Vec<[f64; 2]> = Vec::new();
    t.walk(tokens, |state, cloud, _| {
        view.clear();
        view.extend(cloud.points.column_iter().map(|c| project(t, c)));
        for (j, &p) in cloud.token_point.iter().enumerate() {
            let at = 2 * (state * n + j);
            out[at] = view[p as usize][0];
            out[at + 1] = view[p as usize][1];
        }
    });
    Ok(out)
}
