//! The construction: from a validated dataset to a transformer that classifies every
//! sequence exactly. [`compile`] reads as the list of stages; each stage is a module with
//! one function taking typed input and returning its own typed output (its blocks and
//! the forward-pass state after them).
//!
//! ```
//! use hardmax::{construct::{compile, Options}, dataset::Dataset};
//! // two sequences share their top token (2, 2) but not their labels
//! let data = Dataset::from_parts(vec![
//!     (vec![vec![2.0, 2.0], vec![0.0, 1.0]], "a".into()),
//!     (vec![vec![2.0, 2.0], vec![1.0, 0.0]], "b".into()),
//! ]).unwrap();
//! let built = compile(&data, &Options::default()).unwrap();
//! assert_eq!(built.stats.splits, 1);
//! // normalize + 1 split + 1 collapse + 1 label block (two runs share it) + snap
//! assert_eq!(built.stats.runs, 2);
//! assert_eq!(built.transformer.blocks.len(), 1 + 1 + 1 + 1 + 1);
//! for s in data.sequences() {
//!     assert_eq!(built.transformer.classify(&s.tokens), s.label);
//! }
//! ```

mod choose;
pub mod collapse;
pub mod conflict;
pub mod geometry;
pub mod interpolate;
mod isolate;
pub mod label;
pub mod normalize;
pub mod park;
pub mod place;
pub mod separate;
pub mod snap;
pub mod spread;

use crate::dataset::{Dataset, Task};
use crate::error::{Error, Result};
use crate::model::{transformer::Directions, InputMap, Transformer};
use geometry::Rng;
use serde::{Deserialize, Serialize};

/// How the separate stage picks the token to split on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SplitChoice {
    /// the token that separates the most differently labeled pairs
    #[default]
    Greedy,
    /// the first token found that one sequence of the first conflict has and another lacks
    FirstFound,
}

/// How the label stage moves collapsed points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Labeling {
    /// one trapezoid per run of same-class points along u
    #[default]
    Runs,
    /// one tent per distinct point (the plain recipe)
    Points,
}

/// Where the class anchors go (in the plane pictures are drawn in).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AnchorPlacement {
    /// on the class rungs, spread evenly across the points' extent (a rising diagonal)
    /// (named for where anchors used to go; the page and the CLI call it "circle")
    #[default]
    Circle,
    /// on the class rungs, all on the points' centre line
    Line,
}

/// Options of the construction, unchecked ([`Options::check`] checks them once). They
/// read from JSON in snake_case or camelCase; the page's `lift` is `lift_time`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Options {
    /// seed of the random directions
    pub seed: u64,
    /// number of collapse layers ([`Options::COLLAPSE_LAYERS`])
    #[serde(alias = "collapseLayers")]
    pub collapse_layers: usize,
    /// add a small position-dependent offset to each token
    pub positional: bool,
    /// lift d = 1 series to (x, t)
    #[serde(alias = "lift", alias = "liftTime")]
    pub lift_time: bool,
    #[serde(alias = "splitChoice")]
    pub split_choice: SplitChoice,
    pub labeling: Labeling,
    pub anchors: AnchorPlacement,
    /// hidden neurons per feed-forward layer (at least 6: a split's jump-out and the
    /// previous move-back share one layer; a tent takes 3). From 12 on, a separate block
    /// jumps out up to `max_width / 6` tokens at once. The snap layer of classification
    /// is one neuron plus two per class boundary, whatever the cap. Within [`Options::MAX_WIDTH`].
    #[serde(alias = "maxWidth")]
    pub max_width: usize,
    /// scale Q so that softmax attention with this inverse temperature (or more) classifies
    /// every training sequence ([`crate::softmax::target_beta`]); None: leave Q as built
    pub softmax_beta: Option<f64>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            seed: 0,
            collapse_layers: 1,
            positional: false,
            lift_time: false,
            split_choice: SplitChoice::Greedy,
            labeling: Labeling::Runs,
            anchors: AnchorPlacement::Circle,
            max_width: 6,
            softmax_beta: None,
        }
    }
}

impl Options {
    /// How many collapse layers a construction may use.
    pub const COLLAPSE_LAYERS: std::ops::RangeInclusive<usize> = 1..=16;
    /// Which caps on the hidden width of a feed-forward layer a construction accepts.
    pub const MAX_WIDTH: std::ops::RangeInclusive<usize> = 6..=1_000_000;

    /// Checks the options against the data once; later stages trust them.
    pub fn check(&self, data: &Dataset) -> Result<()> {
        let layers = Options::COLLAPSE_LAYERS;
        if !layers.contains(&self.collapse_layers) {
            return Err(Error::InvalidOption {
                name: "collapse layers",
                message: format!("{} is outside {}..={}", self.collapse_layers, layers.start(), layers.end()),
            });
        }
        let widths = Options::MAX_WIDTH;
        if !widths.contains(&self.max_width) {
            let why = if self.max_width < *widths.start() {
                "at least 6 are needed (a split's jump-out and the previous move-back share a layer, three neurons each)".to_string()
            } else {
                format!("at most {} are allowed", widths.end())
            };
            return Err(Error::InvalidOption {
                name: "max width",
                message: format!("{} hidden neurons per feed-forward layer: {why}", self.max_width),
            });
        }
        if data.task() == Task::Interpolate {
            return match (data.dim(), self.lift_time) {
                (_, true) => Err(Error::InvalidOption {
                    name: "lift",
                    message: "lifting to (x, t) applies to classification; interpolation targets live in the tokens' own space".into(),
                }),
                (1, false) => Err(Error::OneDimensionalTargets),
                _ if self.softmax_beta.is_some() => Err(Error::InvalidOption {
                    name: "softmax beta",
                    message: "scaling attention for softmax applies to classification for now".into(),
                }),
                _ => Ok(()),
            };
        }
        if let Some(beta) = self.softmax_beta {
            if !(beta.is_finite() && beta > 0.0) {
                return Err(Error::InvalidOption {
                    name: "softmax beta",
                    message: format!("{beta} is not a positive finite number"),
                });
            }
        }
        match (data.dim(), self.lift_time) {
            (1, false) => Err(Error::OneDimensional),
            (d, true) if d > 1 => Err(Error::InvalidOption {
                name: "lift",
                message: format!("lifting to (x, t) applies to d = 1 series; these tokens have d = {d}"),
            }),
            _ => Ok(()),
        }
    }
}

/// Figures the construction measured on its own forward pass.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BuildStats {
    pub splits: usize,
    pub runs: usize,
    /// distinct collapsed points
    pub points: usize,
    /// smallest isolation gap of a jump-out tent (+inf without splits)
    pub min_isolation_gap: f64,
    /// smallest gap along u between two label runs
    pub min_label_gap: f64,
    /// interpolation: spread layers (attention only; the first in the normalize block)
    #[serde(default)]
    pub spreads: usize,
    /// interpolation: distinct read positions (0 for classification)
    #[serde(default)]
    pub read_points: usize,
    /// interpolation: smallest gap below a placed point along its direction (+inf for
    /// classification)
    #[serde(default)]
    pub min_place_gap: f64,
    /// what scaling Q for [`Options::softmax_beta`] did (None when not asked)
    #[serde(default)]
    pub softmax_scaling: Option<crate::softmax::Scaling>,
}

pub struct Compiled {
    pub transformer: Transformer,
    pub stats: BuildStats,
}

/// Size of the positional offsets, as a fraction of half the data's range.
const POSITIONAL_AMPLITUDE: f64 = 0.02;

/// The input map the options ask for, fitted to the data's scale.
fn input_map(data: &Dataset, opts: &Options) -> InputMap {
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for s in data.sequences() {
        for v in s.tokens.iter() {
            lo = lo.min(*v);
            hi = hi.max(*v);
        }
    }
    // half the range: finite even for values near the largest f64
    let half = if hi > lo { hi / 2.0 - lo / 2.0 } else { 1.0 };
    InputMap {
        lift_time_scale: opts.lift_time.then(|| half / (data.max_len().max(2) - 1) as f64),
        positional_amplitude: opts.positional.then_some(POSITIONAL_AMPLITUDE * half),
    }
}

/// Builds the transformer: normalize, separate, then collapse, label, snap to classify, or
/// park and place to interpolate (see [`interpolate`]). Each stage takes its own input and
/// returns its blocks and the forward-pass state after them.
pub fn compile(data: &Dataset, opts: &Options) -> Result<Compiled> {
    opts.check(data)?;
    if data.task() == Task::Interpolate {
        return interpolate::compile(data, opts);
    }
    let mut rng = Rng::new(opts.seed);
    let input = input_map(data, opts);
    let encoded = data.map_tokens(input.output_dim(data.dim()), |t| input.apply(t));
    if let Some(s) = encoded.sequences().iter().position(|s| s.tokens.iter().any(|v| !v.is_finite())) {
        return Err(Error::InvalidOption {
            name: "positional",
            message: format!(
                "sequence {} ({}) has values so close to the largest f64 that adding the positional code overflows; rescale the data",
                s + 1,
                data.sequences()[s].name
            ),
        });
    }
    let labels: Vec<usize> = data.sequences().iter().map(|s| s.label).collect();
    let names: Vec<String> = data.sequences().iter().map(|s| s.name.clone()).collect();
    let classes = data.classes();

    let norm = normalize::run(normalize::Input { data: &encoded }, &mut rng);
    let (w, c, view) = (&norm.w, &norm.c, &norm.view);
    let mut by_label = conflict::ByLabel { labels: &labels, names: &names, classes };
    let sep = separate::run(
        separate::Input {
            clouds: norm.clouds,
            conflict: &mut by_label,
            names: &names,
            w,
            c,
            choice: opts.split_choice,
            max_width: opts.max_width,
        },
        &mut rng,
    )?;
    let col = collapse::run(collapse::Input { clouds: sep.clouds, w, pending: sep.pending, layers: opts.collapse_layers });
    let lab = label::run(
        label::Input {
            clouds: col.clouds,
            labels: &labels,
            classes,
            view,
            labeling: opts.labeling,
            placement: opts.anchors,
            max_width: opts.max_width,
        },
        &mut rng,
    )?;
    let snap = snap::run(snap::Input { e: &lab.e, codes: &lab.codes, anchors: &lab.anchors });

    let mut transformer = Transformer {
        task: Task::Classify,
        input_dim: data.dim(),
        dim: encoded.dim(),
        input,
        blocks: [vec![norm.block], sep.blocks, col.blocks, lab.blocks, vec![snap.block]].concat(),
        anchors: lab.anchors,
        classes: classes.to_vec(),
        directions: Directions { w: norm.w, c: norm.c, u: Some(lab.u), e: Some(lab.e) },
        view: norm.view,
    };
    let softmax_scaling = match opts.softmax_beta {
        Some(beta) => Some(crate::softmax::target_beta(&mut transformer, data, beta)?),
        None => None,
    };
    let stats = BuildStats {
        splits: sep.splits,
        runs: lab.runs,
        points: lab.points,
        min_isolation_gap: sep.min_isolation_gap,
        min_label_gap: lab.min_gap,
        spreads: 0,
        read_points: 0,
        min_place_gap: f64::INFINITY,
        softmax_scaling,
    };
    Ok(Compiled { transformer, stats })
}
