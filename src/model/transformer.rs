//! Blocks, the transformer, its input map, forward passes and readout.

use super::attention::{Attend, SelfAttention};
use super::cloud::Cloud;
use super::feedforward::FeedForward;
use super::tent::Tent;
use crate::dataset::Task;
use crate::error::{Error, Result};
use nalgebra::{DMatrix, DVector};
use serde::{Deserialize, Serialize};

/// The stages of the construction: normalize and separate are shared; collapse, label and
/// snap classify; park and place interpolate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    Normalize,
    Separate,
    Collapse,
    Label,
    Snap,
    Park,
    Place,
}

impl Stage {
    pub const ALL: [Stage; 7] =
        [Stage::Normalize, Stage::Separate, Stage::Collapse, Stage::Label, Stage::Snap, Stage::Park, Stage::Place];
    pub fn name(self) -> &'static str {
        match self {
            Stage::Normalize => "normalize",
            Stage::Separate => "separate",
            Stage::Collapse => "collapse",
            Stage::Label => "label",
            Stage::Snap => "snap",
            Stage::Park => "park",
            Stage::Place => "place",
        }
    }
    /// What the stage does and why, in a sentence.
    pub fn description(self) -> &'static str {
        match self {
            Stage::Normalize => "An affine feed-forward map puts every token in the box [1, 2]ᵈ (every coordinate between 1 and 2), so every token has a positive projection on w and attention picks each sequence's leader: its token furthest along w.",
            Stage::Separate => "Sequences that must end differently (different labels, or read tokens with different targets) may share their leader. A token that one has and the other lacks jumps out along w, becomes the leader of every sequence containing it, and attention slides those sequences along c; then it comes back. At the default width (six neurons per layer) each split costs one block; a wider layer jumps several tokens out at once, each to its own height.",
            Stage::Collapse => "Hardmax attention with rho = 0: every token lands exactly on its sequence's leader. Each sequence is now one point, and differently labeled sequences are different points.",
            Stage::Label => "Tents on a direction u move each cluster (or run of same-class clusters) along e to its class code; moves along e never disturb the u-projections, so one tent never touches another's slab.",
            Stage::Snap => "One feed-forward layer, a piecewise-linear function of the class code, sends every token of class k onto its anchor.",
            Stage::Park => "Every token takes the same big step along w (one neuron that is always on): afterwards every read token is higher than every target along each direction the place stage uses.",
            Stage::Place => "Tents grab the read tokens one at a time (two per layer at the default width), always the highest one still waiting along one of a few directions near w, and move it exactly onto its target. Targets lie below every later tent's slab, so a placed token never moves again.",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LayerKind {
    Ff,
    Sa,
}

/// What a layer is for: its stage, a caption, and the tents it is made of.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerMeta {
    pub stage: Stage,
    pub caption: String,
    #[serde(default)]
    pub tents: Vec<Tent>,
}

/// A block: a feed-forward layer, then a self-attention layer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Block {
    pub ff: FeedForward,
    pub sa: SelfAttention,
    pub ff_meta: LayerMeta,
    pub sa_meta: LayerMeta,
}

impl Block {
    pub fn param_count(&self) -> usize {
        self.ff.param_count() + self.sa.param_count()
    }
    pub fn nonzero_count(&self) -> usize {
        self.ff.nonzero_count() + self.sa.nonzero_count()
    }
}

/// What happens to a sequence before the first block: an optional lift of d = 1 series to
/// (x, t), and an optional positional encoding added to each token.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct InputMap {
    /// lift d = 1 to (x, t * time_scale), t = 0, 1, ... the position in the sequence
    pub lift_time_scale: Option<f64>,
    /// add `amplitude * (sin((t+1) f_1 + k), ...)` to token t
    pub positional_amplitude: Option<f64>,
}

impl InputMap {
    /// Dimension of the encoded tokens for raw tokens of dimension `dim`.
    pub fn output_dim(&self, dim: usize) -> usize {
        if self.lift_time_scale.is_some() {
            dim + 1
        } else {
            dim
        }
    }

    pub fn apply(&self, tokens: &DMatrix<f64>) -> DMatrix<f64> {
        let mut x = match self.lift_time_scale {
            Some(s) => {
                let (d, n) = tokens.shape();
                let mut y = DMatrix::zeros(d + 1, n);
                y.view_mut((0, 0), (d, n)).copy_from(tokens);
                for t in 0..n {
                    y[(d, t)] = t as f64 * s;
                }
                y
            }
            None => tokens.clone(),
        };
        if let Some(a) = self.positional_amplitude {
            for (t, mut col) in x.column_iter_mut().enumerate() {
                for (k, v) in col.iter_mut().enumerate() {
                    *v += a * positional_code(t, k);
                }
            }
        }
        x
    }
}

/// The k-th coordinate of the positional code of position t: sinusoids of incommensurate
/// frequencies, so different positions get different offsets.
pub fn positional_code(t: usize, k: usize) -> f64 {
    let freq = 1.0 / (1.0 + k as f64 * std::f64::consts::SQRT_2);
    ((t as f64 + 1.0) * freq + k as f64).sin()
}

/// Named directions of the construction (for pictures).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Directions {
    pub w: DVector<f64>,
    pub c: DVector<f64>,
    pub u: Option<DVector<f64>>,
    pub e: Option<DVector<f64>>,
}

/// The output of a forward pass on one sequence.
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    /// the final cloud (points with multiplicities, token map)
    pub cloud: Cloud,
    /// smallest attention score margin met on the way (+inf if none)
    pub min_attention_margin: f64,
}

impl Output {
    /// Mean of the output tokens.
    pub fn mean(&self) -> DVector<f64> {
        let c = &self.cloud;
        let mut m = DVector::zeros(c.dim());
        let mut total = 0.0;
        for (j, &k) in c.counts.iter().enumerate() {
            m.axpy(k as f64, &c.points.column(j), 1.0);
            total += k as f64;
        }
        m / total
    }
}

/// One state of a traced forward pass: every token's position, and for attention layers
/// what each token attended to (token index of the first attended token, margin).
#[derive(Debug, Clone, PartialEq)]
pub struct TraceStep {
    pub tokens: DMatrix<f64>,
    pub attention: Option<Vec<(usize, f64)>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transformer {
    /// what the output means: a class (the nearest anchor to the mean output token) or
    /// the output tokens themselves, read at a sequence's last m tokens
    #[serde(default)]
    pub task: Task,
    /// dimension of the raw tokens
    pub input_dim: usize,
    /// dimension the blocks work in
    pub dim: usize,
    pub input: InputMap,
    pub blocks: Vec<Block>,
    pub anchors: Vec<DVector<f64>>,
    pub classes: Vec<String>,
    pub directions: Directions,
    /// two orthonormal vectors spanning the plane pictures are drawn in
    pub view: [DVector<f64>; 2],
}

impl Transformer {
    /// Checks shapes after loading from a file.
    pub fn check(&self) -> Result<()> {
        let d = self.dim;
        if self.input.output_dim(self.input_dim) != d {
            return Err(Error::Model(format!("input dimension {} does not map to {}", self.input_dim, d)));
        }
        match self.task {
            Task::Classify if self.anchors.len() != self.classes.len() || self.classes.is_empty() => {
                return Err(Error::Model("one anchor per class is needed".into()));
            }
            Task::Interpolate if !self.anchors.is_empty() || !self.classes.is_empty() => {
                return Err(Error::Model("an interpolating model has no classes or anchors".into()));
            }
            Task::Interpolate if self.input_dim != d => {
                return Err(Error::Model("an interpolating model works in the dimension of its tokens".into()));
            }
            _ => {}
        }
        for (i, b) in self.blocks.iter().enumerate() {
            FeedForward::new(b.ff.eta(), b.ff.u().clone(), b.ff.b().clone(), b.ff.w().clone())
                .map_err(|e| Error::Model(format!("block {}: {e}", i + 1)))?;
            if b.ff.dim() != d || b.sa.q().ncols() != d {
                return Err(Error::Model(format!("block {} does not work in dimension {d}", i + 1)));
            }
            SelfAttention::new(b.sa.rho(), b.sa.q().clone(), b.sa.k().clone(), b.sa.v().clone())
                .map_err(|e| Error::Model(format!("block {}: {e}", i + 1)))?;
        }
        if self.anchors.iter().any(|a| a.len() != d) {
            return Err(Error::Model("anchors have the wrong dimension".into()));
        }
        Ok(())
    }

    pub fn layer_count(&self) -> usize {
        2 * self.blocks.len()
    }
    pub fn param_count(&self) -> usize {
        self.blocks.iter().map(Block::param_count).sum()
    }
    pub fn nonzero_count(&self) -> usize {
        self.blocks.iter().map(Block::nonzero_count).sum()
    }

    /// Index of the first block after which every attention layer is pointwise (V = 0):
    /// from there on every token evolves on its own.
    pub fn pointwise_from(&self) -> usize {
        self.blocks.iter().rposition(|b| !b.sa.is_pointwise()).map_or(0, |i| i + 1)
    }

    /// Every output token (d x n) of the forward pass.
    pub fn outputs(&self, tokens: &DMatrix<f64>) -> DMatrix<f64> {
        self.forward(tokens).cloud.tokens()
    }

    /// Layer `k` (1-based, 1..=layer_count): kind and meta.
    pub fn layer(&self, k: usize) -> Option<(LayerKind, &LayerMeta)> {
        let b = self.blocks.get((k.checked_sub(1)?) / 2)?;
        Some(if k % 2 == 1 { (LayerKind::Ff, &b.ff_meta) } else { (LayerKind::Sa, &b.sa_meta) })
    }

    /// The structured forward pass: distinct positions only, rank-one attention by sorting.
    pub fn forward(&self, tokens: &DMatrix<f64>) -> Output {
        let mut cloud = Cloud::from_tokens(&self.input.apply(tokens));
        let mut min_margin = f64::INFINITY;
        let mut buf = Vec::new();
        for b in &self.blocks {
            min_margin = min_margin.min(apply_block_margin(b, &mut cloud, &mut buf));
        }
        Output { cloud, min_attention_margin: min_margin }
    }

    /// The plain forward pass: every token through every layer, n x n scores. Returns the
    /// output tokens and the smallest attention margin.
    pub fn forward_dense(&self, tokens: &DMatrix<f64>) -> (DMatrix<f64>, f64) {
        let mut x = self.input.apply(tokens);
        let mut min_margin = f64::INFINITY;
        for b in &self.blocks {
            b.ff.forward_in_place(&mut x);
            let (y, att) = b.sa.forward_dense(&x);
            for a in att {
                min_margin = min_margin.min(a.margin);
            }
            x = y;
        }
        (x, min_margin)
    }

    /// Walks the forward pass, calling `visit(state, cloud, attention)` on every state
    /// (state 0: the encoded input; state k: after layer k). For attention layers,
    /// `attention[i]` is (first attended token, margin) for token i.
    pub fn walk(&self, tokens: &DMatrix<f64>, visit: impl FnMut(usize, &Cloud, Option<&[(usize, f64)]>)) {
        self.walk_blocks(tokens, self.blocks.len(), visit);
    }

    /// [`Transformer::walk`] through the first `n` blocks only; returns the cloud after them.
    pub fn walk_blocks(
        &self,
        tokens: &DMatrix<f64>,
        n: usize,
        mut visit: impl FnMut(usize, &Cloud, Option<&[(usize, f64)]>),
    ) -> Cloud {
        let mut cloud = Cloud::from_tokens(&self.input.apply(tokens));
        visit(0, &cloud, None);
        for (i, b) in self.blocks.iter().take(n).enumerate() {
            b.ff.forward_in_place(&mut cloud.points);
            visit(2 * i + 1, &cloud, None);
            if b.sa.is_pointwise() {
                apply_attention(&b.sa, &mut cloud);
                visit(2 * i + 2, &cloud, None);
                continue;
            }
            let first_token = cloud.first_tokens();
            let token_point = cloud.token_point.clone();
            let att = apply_attention(&b.sa, &mut cloud);
            let attention: Vec<(usize, f64)> = token_point
                .iter()
                .map(|&p| {
                    let a = att[p as usize];
                    (first_token[a.first as usize], a.margin)
                })
                .collect();
            visit(2 * i + 2, &cloud, Some(&attention));
        }
        cloud
    }

    /// Every state of the forward pass (state 0: the encoded input), token by token.
    pub fn trace(&self, tokens: &DMatrix<f64>) -> Vec<TraceStep> {
        let mut steps = Vec::with_capacity(self.layer_count() + 1);
        self.walk(tokens, |_, cloud, attention| {
            steps.push(TraceStep { tokens: cloud.tokens(), attention: attention.map(|a| a.to_vec()) });
        });
        steps
    }

    /// Every state with softmax attention of inverse temperature beta (same weights).
    pub fn trace_softmax(&self, tokens: &DMatrix<f64>, beta: f64) -> Vec<DMatrix<f64>> {
        let mut cloud = Cloud::from_tokens(&self.input.apply(tokens));
        let mut steps = vec![cloud.tokens()];
        for b in &self.blocks {
            b.ff.forward_in_place(&mut cloud.points);
            steps.push(cloud.tokens());
            cloud.points = b.sa.forward_softmax(&cloud, beta);
            merge_if_collapsed(&b.sa, &mut cloud);
            steps.push(cloud.tokens());
        }
        steps
    }

    /// Index of the anchor nearest to `point`, and the distances to all anchors.
    pub fn nearest_anchor(&self, point: &DVector<f64>) -> (usize, Vec<f64>) {
        let dist: Vec<f64> = self.anchors.iter().map(|a| (a - point).norm()).collect();
        let best = dist
            .iter()
            .enumerate()
            .min_by(|a, b| a.1.total_cmp(b.1))
            .map(|(i, _)| i)
            .unwrap_or(0);
        (best, dist)
    }

    /// The readout: the class whose anchor is nearest to the mean output token.
    pub fn classify(&self, tokens: &DMatrix<f64>) -> usize {
        self.nearest_anchor(&self.forward(tokens).mean()).0
    }
}

/// One block on a cloud, in place: the shared step of the construction and the verifier.
/// Returns what each point attended to, with its margin (empty for pointwise layers).
pub fn apply_block(b: &Block, cloud: &mut Cloud) -> Vec<Attend> {
    b.ff.forward_in_place(&mut cloud.points);
    apply_attention(&b.sa, cloud)
}

/// [`apply_block`] when only the smallest attention margin is wanted (+inf for a
/// pointwise attention layer): a rank-one layer with one leader runs in place
/// ([`SelfAttention::one_leader_in_place`]), with the same bits. `buf` is scratch space.
pub fn apply_block_margin(b: &Block, cloud: &mut Cloud, buf: &mut Vec<f64>) -> f64 {
    b.ff.forward_in_place(&mut cloud.points);
    if let Some(margin) = b.sa.one_leader_in_place(&mut cloud.points, buf) {
        merge_if_collapsed(&b.sa, cloud);
        return margin;
    }
    apply_attention(&b.sa, cloud).iter().fold(f64::INFINITY, |m, a| m.min(a.margin))
}

/// One attention layer on a cloud, in place; returns what each point attended to (empty
/// for pointwise layers).
pub fn apply_attention(sa: &SelfAttention, cloud: &mut Cloud) -> Vec<Attend> {
    if sa.is_pointwise() {
        // x -> rho x moves nothing when rho = 1 and merges nothing unless rho = 0
        if sa.rho() != 1.0 {
            cloud.points *= sa.rho();
            merge_if_collapsed(sa, cloud);
        }
        return Vec::new();
    }
    let (points, att) = sa.forward_cloud(cloud);
    cloud.points = points;
    merge_if_collapsed(sa, cloud);
    att
}

/// Points that became identical are merged after a layer with rho = 0 (a collapse): then
/// whole sequences become one point. Elsewhere distinct points stay distinct (rigid
/// moves), so the check is skipped; keeping a duplicate would only cost time.
fn merge_if_collapsed(sa: &SelfAttention, cloud: &mut Cloud) {
    if sa.rho() == 0.0 {
        cloud.merge_identical();
    }
}
