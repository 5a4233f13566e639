//! A scene: everything a picture of the forward pass needs, computed once from a dataset,
//! its built transformer and a drawing budget. The page (through the wasm facade) and the
//! SVG figures both draw from a scene; neither projects, samples or looks for leaders.
//!
//! * the drawn tokens: every token, or every k-th sequence when the data exceed the budget;
//! * one view for all states: the transformer's plane (PCA axes when d > 2), with the
//!   fraction of the input's variance each axis explains;
//! * positions of the drawn tokens in that view at every kept state (state 0 is the encoded
//!   input, state k the output of layer k), projected from the forward pass itself;
//! * for every attention layer, the drawn token each drawn token attended to (its leader)
//!   and the score margin;
//! * tents in view coordinates, the directions w, c, u, e, the anchors, the layers'
//!   captions and the stage ranges.
//!
//! Coordinates are computed in f64 and stored as `P`: `Scene<f64>` for checks and figures,
//! `Scene<f32>` for the page (half the memory; the cast is the only difference).
//!
//! ```
//! use hardmax::{construct::{compile, Options}, presets, scene::{Budget, Keep, Scene}};
//! let data = presets::shared();
//! let t = compile(&data, &Options::default()).unwrap().transformer;
//! let scene: Scene<f64> = Scene::new(&data, &t, &Budget::EVERYTHING, Keep::All).unwrap();
//! assert_eq!(scene.drawn.len(), data.total_tokens());
//! // the last state: every token on its class's anchor
//! let (s, _) = scene.drawn[0];
//! let anchor = scene.anchors[data.sequences()[s as usize].label];
//! assert!((scene.position(t.layer_count(), 0).unwrap()[0] - anchor[0]).abs() < 1e-9);
//! ```

use crate::dataset::{Dataset, Task};
use crate::error::{Error, Result};
use crate::model::{LayerKind, Stage, TentRole, Transformer};
use nalgebra::{DVector, DVectorView};
use serde::Serialize;

mod layers;
mod suffix;
mod walk;

pub use layers::stage_plan;
use layers::{explained, layer_infos, stage_ranges, view_directions};
use suffix::Suffix;
use walk::{MoveLog, Walk};

/// How a scene stores view coordinates and margins.
pub trait Coord: Copy + PartialEq + std::fmt::Debug + 'static {
    fn from_f64(v: f64) -> Self;
    fn to_f64(self) -> f64;
}

impl Coord for f64 {
    fn from_f64(v: f64) -> Self {
        v
    }
    fn to_f64(self) -> f64 {
        self
    }
}

impl Coord for f32 {
    fn from_f64(v: f64) -> Self {
        v as f32
    }
    fn to_f64(self) -> f64 {
        self as f64
    }
}

/// How much a scene may keep.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Budget {
    /// view coordinates kept: kept states x drawn tokens x 2 (beyond it, sequences are sampled)
    pub view_floats: usize,
    /// full-dimensional positions kept for `token_position` (beyond it, they are recomputed)
    pub full_floats: usize,
}

impl Budget {
    /// The page's: 24 million view coordinates (96 MB as f32), 4 million full positions.
    pub const PAGE: Budget = Budget { view_floats: 24_000_000, full_floats: 4_000_000 };
    /// Every token, no full positions kept (figures, checks).
    pub const EVERYTHING: Budget = Budget { view_floats: usize::MAX, full_floats: 0 };
}

/// Which states a scene keeps positions (and attention) for.
#[derive(Debug, Clone, PartialEq)]
pub enum Keep {
    /// every state, 0..=layers (the page)
    All,
    /// the five states of the stage figure ([`StagePlan::states`])
    StagePanels,
    /// state 0 in full and, for every layer, only the drawn tokens it moves ([`Moves`]):
    /// deep models of many tokens, where every state in full does not fit. At most `tokens`
    /// tokens are drawn (beyond, every k-th sequence); attention is recomputed on request
    /// ([`Scene::attention_at`]).
    Moves { tokens: usize },
}

/// Tokens the page draws when it keeps moves (beyond them, sequences are sampled).
pub const PAGE_TOKENS: usize = 200_000;

impl Keep {
    /// The page's choice: every state while (layers + 1) x tokens x 2 view coordinates fit
    /// [`Budget::PAGE`], else state 0 and the moves of every layer.
    pub fn page(data: &Dataset, t: &Transformer) -> Keep {
        let flat = (t.layer_count() + 1).saturating_mul(data.total_tokens()).saturating_mul(2);
        if flat <= Budget::PAGE.view_floats {
            Keep::All
        } else {
            Keep::Moves { tokens: PAGE_TOKENS }
        }
    }
}

/// What every layer does to the drawn tokens in the view, for scenes kept as
/// [`Keep::Moves`]: layer k moves tokens `token[start[k - 1]..start[k]]` to
/// `at[2 * j]`, `at[2 * j + 1]` (j in that range); every other token stays where it was.
/// State k is state 0 with the moves of layers 1..=k applied in order (exactly: the
/// positions are the ones a [`Keep::All`] scene stores).
#[derive(Debug, Clone, PartialEq)]
pub struct Moves<P> {
    /// layers + 1 offsets into `token`
    pub start: Vec<usize>,
    /// drawn index of each moved token
    pub token: Vec<u32>,
    /// where each moved token lands, two numbers per move
    pub at: Vec<P>,
    /// [xmin, ymin, xmax, ymax] of the drawn tokens at every state (finite positions only)
    pub extents: Vec<[f64; 4]>,
}

/// A direction whose projection on the view is shorter than this is not drawn.
pub const HIDDEN_BELOW: f64 = 1e-9;

/// A projection shorter than this has no direction (it is not divided by).
const NO_DIRECTION: f64 = 1e-12;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SequenceInfo {
    pub name: String,
    /// class index
    pub label: usize,
    pub length: usize,
}

/// A tent as the page draws it: a strip through `center`, perpendicular to the unit
/// `normal`, of half-width `half_width`, with an arrow from `center` to `center + shift`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TentView {
    pub role: TentRole,
    pub center: [f64; 2],
    pub normal: [f64; 2],
    #[serde(rename = "halfWidth")]
    pub half_width: f64,
    pub shift: [f64; 2],
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LayerInfo {
    /// 1-based layer index (state `index` is its output)
    pub index: usize,
    /// 1-based block index
    pub block: usize,
    pub kind: LayerKind,
    pub stage: Stage,
    pub caption: String,
    pub tents: Vec<TentView>,
}

/// A contiguous range of layers of one stage (the page's timeline bands).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StageRange {
    pub stage: Stage,
    pub first: usize,
    pub last: usize,
    pub description: &'static str,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ViewInfo {
    /// dimension the blocks work in
    pub dim: usize,
    /// fractions of the encoded input's variance along the two view axes (None when d = 2)
    pub explained: Option<[f64; 2]>,
}

/// The named directions as unit vectors in the view (zero when perpendicular to it), and
/// the center of the anchors as the origin to draw them from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ViewDirections {
    pub w: [f64; 2],
    pub c: [f64; 2],
    pub u: Option<[f64; 2]>,
    pub e: Option<[f64; 2]>,
    pub origin: [f64; 2],
    /// lengths of the projections of w, c, u, e before normalizing
    #[serde(skip)]
    lengths: [f64; 4],
}

impl ViewDirections {
    /// A direction ("w", "c", "u" or "e") as a unit vector, if it is visible in the view.
    pub fn visible(&self, key: &str) -> Option<[f64; 2]> {
        let (v, len) = match key {
            "w" => (Some(self.w), self.lengths[0]),
            "c" => (Some(self.c), self.lengths[1]),
            "u" => (self.u, self.lengths[2]),
            "e" => (self.e, self.lengths[3]),
            _ => (None, 0.0),
        };
        v.filter(|_| len > HIDDEN_BELOW)
    }
}

/// What every drawn token attended to in one attention layer.
#[derive(Debug, Clone, PartialEq)]
pub struct Attention<P> {
    /// drawn index of the (first) attended token
    pub leader: Vec<u32>,
    /// best attended score minus best other score (+inf when everything is attended)
    pub margin: Vec<P>,
}

/// Which forward-pass state each panel of the stage figure shows, and the counts its
/// captions quote.
#[derive(Debug, Clone, PartialEq)]
pub struct StagePlan {
    /// input (after normalize), separated, collapsed, labeled, final; interpolation:
    /// input, separated, parked, halfway placed, final
    pub states: [usize; 5],
    /// separate blocks (one split each at the default width)
    pub splits: usize,
    /// tokens jumped out in the separate stage (equal to `splits` at the default width;
    /// more under a wider cap, where one block jumps several)
    pub jumps: usize,
    /// 0 for interpolation
    pub collapse_layers: usize,
    /// interpolation: park and place blocks
    pub label_blocks: usize,
    /// interpolation: place tents (one per distinct read point)
    pub label_tents: usize,
}

/// Interpolation: one target in the view, and the drawn token that must land on it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetView {
    /// sequence (index into [`Scene::sequences`])
    pub seq: u32,
    /// index of the read token within its sequence (the target is read at the last m tokens)
    pub token: u32,
    /// drawn index of the read token; None when its sequence is not drawn
    pub drawn: Option<u32>,
    /// the target in view coordinates
    pub at: [f64; 2],
}

/// The same weights run with softmax attention.
#[derive(Debug, Clone, PartialEq)]
pub struct SoftmaxRun<P> {
    pub beta: f64,
    pub correct: usize,
    pub total: usize,
    /// view positions of the drawn tokens at every kept state, as [`Scene::positions`]
    pub positions: Vec<P>,
}

/// Everything a picture of the forward pass needs (see the module docs).
#[derive(Debug, Clone)]
pub struct Scene<P: Coord = f64> {
    /// dimension the blocks work in (the encoded tokens)
    pub dim: usize,
    /// whether tokens carry positional offsets
    pub positional: bool,
    /// classify or interpolate
    pub task: Task,
    /// class names; interpolation has no classes, so every sequence is its own colour
    /// group: the names of the sequences, and each sequence's `label` is its index
    pub classes: Vec<String>,
    /// interpolation: every target (every read token's), sequence by sequence; empty for
    /// classification
    pub targets: Vec<TargetView>,
    /// every sequence of the data (drawn or not)
    pub sequences: Vec<SequenceInfo>,
    /// layer k at index k - 1
    pub layers: Vec<LayerInfo>,
    pub stages: Vec<StageRange>,
    pub plan: StagePlan,
    pub view: ViewInfo,
    pub directions: ViewDirections,
    /// class anchors in the view
    pub anchors: Vec<[f64; 2]>,
    /// drawn tokens as (sequence, token index), sequence by sequence
    pub drawn: Vec<(u32, u32)>,
    /// true when the drawn tokens are a sample
    pub sampled: bool,
    /// the kept states, in order
    pub states: Vec<usize>,
    /// for each sequence, the drawn index of its leader: its token furthest along w in the
    /// input (attention picks it, and separating never changes it); None when not drawn
    pub leaders: Vec<Option<u32>>,
    /// for each sequence, the drawn index of its first token; None when not drawn
    starts: Vec<Option<u32>>,
    positions: Vec<P>,
    attention: Vec<Option<Attention<P>>>,
    full: Option<Vec<Vec<f64>>>,
    moves: Option<Moves<P>>,
}

impl<P: Coord> Scene<P> {
    /// Walks the forward pass of every drawn sequence once and keeps what the budget allows.
    /// With [`Keep::Moves`] the pointwise suffix (the label and snap stages, the place
    /// stage) runs once for all drawn sequences, in a sweep that looks only at the points
    /// each layer moves.
    pub fn new(data: &Dataset, t: &Transformer, budget: &Budget, keep: Keep) -> Result<Scene<P>> {
        Scene::build(data, t, budget, keep, true)
    }

    /// The reference: [`Scene::new`] walking every drawn sequence through every layer (the
    /// same scene).
    pub fn new_dense(data: &Dataset, t: &Transformer, budget: &Budget, keep: Keep) -> Result<Scene<P>> {
        Scene::build(data, t, budget, keep, false)
    }

    fn build(data: &Dataset, t: &Transformer, budget: &Budget, keep: Keep, sweep: bool) -> Result<Scene<P>> {
        if data.dim() != t.input_dim {
            return Err(Error::WrongDimension { data: data.dim(), model: t.input_dim });
        }
        let plan = stage_plan(t);
        let states = kept_states(t, &plan, &keep);
        let tokens = match keep {
            Keep::Moves { tokens } => tokens,
            _ => budget.view_floats / (2 * states.len()),
        };
        let (chosen, sampled) = sample(data, tokens);
        let drawn: Vec<(u32, u32)> =
            chosen.iter().flat_map(|&s| (0..data.sequences()[s].len() as u32).map(move |j| (s as u32, j))).collect();
        let keep_full = states.len().saturating_mul(drawn.len()).saturating_mul(t.dim) <= budget.full_floats;
        let mut walk = Walk::new(t, &states, drawn.len(), keep_full);
        if matches!(keep, Keep::Moves { .. }) {
            walk.moves = Some(MoveLog::new(t.layer_count()));
        }
        let (mut leaders, mut starts) = (vec![None; data.len()], vec![None; data.len()]);
        let from = t.pointwise_from();
        let swept = sweep
            && matches!(keep, Keep::Moves { .. })
            && states.iter().all(|&s| s <= 2 * from)
            && crate::model::batch::sweepable(&t.blocks[from..]);
        let mut suffix = Suffix { clouds: Vec::new(), offsets: Vec::new(), last: Vec::with_capacity(2 * drawn.len()) };
        let mut offset = 0;
        for &s in &chosen {
            let seq = &data.sequences()[s];
            starts[s] = Some(offset as u32);
            let leader = if swept {
                let (leader, cloud) = walk.sequence_blocks(&seq.tokens, offset, from);
                suffix.clouds.push(cloud);
                suffix.offsets.push(offset);
                suffix.last.extend_from_slice(walk.moves.as_ref().map_or(&[][..], |m| &m.last));
                leader
            } else {
                walk.sequence(&seq.tokens, offset)
            };
            leaders[s] = Some((offset + leader) as u32);
            offset += seq.len();
        }
        if swept {
            walk.suffix(from, suffix);
        }
        let tents = walk.tent_views(t);
        let layers = layer_infos(t, tents);
        let interpolates = t.task == Task::Interpolate;
        let targets = if interpolates { target_views(data, t, &starts) } else { Vec::new() };
        let directions = directions_from(t, &targets);
        Ok(Scene {
            dim: t.dim,
            positional: t.input.positional_amplitude.is_some(),
            task: t.task,
            classes: if interpolates {
                data.sequences().iter().map(|s| s.name.clone()).collect()
            } else {
                t.classes.clone()
            },
            targets,
            sequences: sequence_infos(data, interpolates),
            stages: stage_ranges(&layers),
            layers,
            plan,
            view: ViewInfo { dim: t.dim, explained: (t.dim > 2).then(|| explained(data, t)) },
            directions,
            anchors: t.anchors.iter().map(|a| project(t, a.as_view())).collect(),
            drawn,
            sampled,
            states,
            leaders,
            starts,
            positions: walk.positions,
            attention: walk.attention,
            full: walk.full,
            moves: walk.moves.map(MoveLog::finish),
        })
    }

    /// The moves of every layer, for a scene kept as [`Keep::Moves`] (else None).
    pub fn moves(&self) -> Option<&Moves<P>> {
        self.moves.as_ref()
    }

    /// View positions of the drawn tokens at any state (two numbers per token): the kept
    /// slice, or state 0 with the moves applied up to `state`; None when neither has it.
    pub fn state_positions(&self, state: usize) -> Option<std::borrow::Cow<'_, [P]>> {
        if let Some(p) = self.positions_at(state) {
            return Some(std::borrow::Cow::Borrowed(p));
        }
        let m = self.moves.as_ref()?;
        if state > self.layer_count() {
            return None;
        }
        let mut out = self.positions_at(0)?.to_vec();
        for j in 0..m.start[state] {
            let i = m.token[j] as usize;
            out[2 * i] = m.at[2 * j];
            out[2 * i + 1] = m.at[2 * j + 1];
        }
        Some(std::borrow::Cow::Owned(out))
    }

    /// What the drawn tokens attended to in layer `k`: kept, or — for a scene kept as
    /// [`Keep::Moves`] — recomputed by walking every drawn sequence. None for layers that
    /// do not attend and layers out of range.
    pub fn attention_at(&self, data: &Dataset, t: &Transformer, k: usize) -> Option<std::borrow::Cow<'_, Attention<P>>> {
        if let Some(a) = self.attention(k) {
            return Some(std::borrow::Cow::Borrowed(a));
        }
        self.moves.as_ref()?;
        let attends = matches!(t.layer(k), Some((LayerKind::Sa, _))) && !t.blocks[(k - 1) / 2].sa.is_pointwise();
        if !attends {
            return None;
        }
        let n = self.drawn.len();
        let mut out = Attention { leader: vec![0; n], margin: vec![P::from_f64(f64::NAN); n] };
        for (s, first) in self.starts.iter().enumerate() {
            let (Some(first), Some(seq)) = (first, data.sequences().get(s)) else { continue };
            let offset = *first as usize;
            t.walk(&seq.tokens, |state, _, att| {
                if let (true, Some(att)) = (state == k, att) {
                    for (j, &(lead, margin)) in att.iter().enumerate() {
                        out.leader[offset + j] = (offset + lead) as u32;
                        out.margin[offset + j] = P::from_f64(margin);
                    }
                }
            });
        }
        Some(std::borrow::Cow::Owned(out))
    }

    pub fn layer_count(&self) -> usize {
        self.layers.len()
    }

    /// Layer `k` (1-based), if it exists.
    pub fn layer(&self, k: usize) -> Option<&LayerInfo> {
        self.layers.get(k.checked_sub(1)?)
    }

    /// Where state `state` sits among the kept states.
    pub fn slot(&self, state: usize) -> Option<usize> {
        self.states.binary_search(&state).ok()
    }

    /// View positions of every drawn token at every kept state: token i at kept state
    /// number s is at `[2 * (s * drawn + i)]`, `[2 * (s * drawn + i) + 1]`.
    pub fn positions(&self) -> &[P] {
        &self.positions
    }

    /// View positions of the drawn tokens at one state (two numbers per token), if kept.
    pub fn positions_at(&self, state: usize) -> Option<&[P]> {
        let n = 2 * self.drawn.len();
        self.slot(state).map(|s| &self.positions[s * n..(s + 1) * n])
    }

    /// View position of drawn token `i` at a kept state, in f64.
    pub fn position(&self, state: usize, i: usize) -> Option<[f64; 2]> {
        let p = self.positions_at(state)?;
        Some([p.get(2 * i)?.to_f64(), p.get(2 * i + 1)?.to_f64()])
    }

    /// What the drawn tokens attended to in layer `k`: None for feed-forward and pointwise
    /// layers, layers out of range, and layers whose state is not kept.
    pub fn attention(&self, k: usize) -> Option<&Attention<P>> {
        self.attention.get(k.checked_sub(1)?)?.as_ref()
    }

    /// Full-dimensional position of drawn token `i` at `state` (kept, or recomputed from
    /// the forward pass of its sequence).
    pub fn token_position(&self, data: &Dataset, t: &Transformer, state: usize, i: usize) -> Option<Vec<f64>> {
        let &(s, j) = self.drawn.get(i)?;
        if state > self.layer_count() {
            return None;
        }
        if let (Some(full), Some(slot)) = (&self.full, self.slot(state)) {
            return Some(full[slot][i * self.dim..(i + 1) * self.dim].to_vec());
        }
        let trace = t.trace(&data.sequences().get(s as usize)?.tokens);
        Some(trace[state].tokens.column(j as usize).iter().copied().collect())
    }

    /// The same weights with softmax attention of inverse temperature `beta`: how many
    /// sequences stay correct, and the drawn tokens' positions at every kept state.
    pub fn softmax(&self, data: &Dataset, t: &Transformer, beta: f64) -> Result<SoftmaxRun<P>> {
        if self.task == Task::Interpolate {
            return Err(Error::InvalidOption { name: "softmax", message: "the softmax comparison applies to classification for now".into() });
        }
        if !(beta.is_finite() && beta >= 0.0) {
            return Err(Error::InvalidOption { name: "beta", message: format!("{beta} is not a finite number >= 0") });
        }
        if self.moves.is_some() {
            return Err(Error::InvalidOption {
                name: "softmax",
                message: format!(
                    "the softmax comparison keeps every state of every drawn token, too much for {} tokens through {} layers",
                    self.drawn.len(),
                    self.layer_count()
                ),
            });
        }
        let n_drawn = self.drawn.len();
        let mut positions = vec![P::from_f64(0.0); self.states.len() * n_drawn * 2];
        let mut correct = 0;
        for (s, seq) in data.sequences().iter().enumerate() {
            let steps = t.trace_softmax(&seq.tokens, beta);
            let mean = steps.last().map(|x| x.column_mean()).unwrap_or_else(|| DVector::zeros(t.dim));
            correct += (t.nearest_anchor(&mean).0 == seq.label) as usize;
            let Some(first) = self.starts[s].map(|f| f as usize) else { continue };
            for (slot, &state) in self.states.iter().enumerate() {
                for (j, col) in steps[state].column_iter().enumerate() {
                    let at = 2 * (slot * n_drawn + first + j);
                    let p = project(t, col);
                    positions[at] = P::from_f64(p[0]);
                    positions[at + 1] = P::from_f64(p[1]);
                }
            }
        }
        Ok(SoftmaxRun { beta, correct, total: data.len(), positions })
    }
}

/// The states a scene keeps: all, or those the stage figure's panels show.
/// The directions w, c, u, e in the view, drawn from the middle of the anchors or, for
/// sequence to sequence (no anchors), of the targets.
fn directions_from(t: &Transformer, targets: &[TargetView]) -> ViewDirections {
    let mut directions = view_directions(t);
    if t.task == Task::Interpolate && !targets.is_empty() {
        let n = targets.len() as f64;
        directions.origin = [
            targets.iter().map(|x| x.at[0]).sum::<f64>() / n,
            targets.iter().map(|x| x.at[1]).sum::<f64>() / n,
        ];
    }
    directions
}

fn kept_states(t: &Transformer, plan: &StagePlan, keep: &Keep) -> Vec<usize> {
    match keep {
        Keep::All => (0..=t.layer_count()).collect(),
        Keep::StagePanels => {
            let mut s = plan.states.to_vec();
            s.sort_unstable();
            s.dedup();
            s
        }
        Keep::Moves { .. } => vec![0],
    }
}

/// Interpolation: every target in the view, with the drawn index of its read token
/// (`starts`: the drawn index of each sequence's first token).
fn target_views(data: &Dataset, t: &Transformer, starts: &[Option<u32>]) -> Vec<TargetView> {
    let mut targets = Vec::new();
    for (s, seq) in data.sequences().iter().enumerate() {
        let Some(target) = &seq.target else { continue };
        for (k, y) in target.column_iter().enumerate() {
            let token = seq.read_from() + k;
            let drawn = starts[s].map(|f| f + token as u32);
            targets.push(TargetView { seq: s as u32, token: token as u32, drawn, at: project(t, y) });
        }
    }
    targets
}

/// Every sequence's name, colour group (its class, or itself when interpolating) and length.
fn sequence_infos(data: &Dataset, interpolates: bool) -> Vec<SequenceInfo> {
    data.sequences()
        .iter()
        .enumerate()
        .map(|(i, s)| SequenceInfo { name: s.name.clone(), label: if interpolates { i } else { s.label }, length: s.len() })
        .collect()
}

/// The sequences to draw: all, or every k-th so that at most `budget` tokens are drawn.
fn sample(data: &Dataset, budget: usize) -> (Vec<usize>, bool) {
    let total = data.total_tokens();
    let budget = budget.max(1);
    let sampled = total > budget;
    let stride = if sampled { total.div_ceil(budget) } else { 1 };
    ((0..data.len()).step_by(stride).collect(), sampled)
}

/// A point in the view plane (the held-out data use it too: one view for everything).
pub(crate) fn project(t: &Transformer, x: DVectorView<f64>) -> [f64; 2] {
    [t.view[0].dot(&x), t.view[1].dot(&x)]
}
