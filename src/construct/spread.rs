//! Interpolation: attention layers that spread the sequences apart (the first one free).
//!
//! Read tokens of different sequences that sit at one position but are read with
//! different targets must be pulled apart before any feed-forward layer can send them to
//! different places. One attention layer with `rho = 1`, `Q = K = v^T`, `V = lambda c v^T`
//! translates every sequence rigidly by `lambda (v . leader_v) c`, where `leader_v` is the
//! sequence's token with the largest projection on v (every token has `v . x > 0`, so
//! each attends to it). Two sequences whose v-leaders lie at different levels move apart
//! along c; c is orthogonal to w, so the w-projections (and the separate stage's leaders)
//! do not change.
//!
//! v is chosen among w and random directions around it, some far (all with `v . x > 0` on
//! every token) to resolve the most conflicting pairs: a direction along which the shared token
//! is not every sequence's leader resolves them all at once, where the separate stage
//! would spend one block per split. A candidate that would leave some conflicting pair
//! less than 1e-6 apart (but apart) is not used. The first layer is the normalize block's
//! attention layer (the identity otherwise): it costs no block; further layers (at most
//! [`MAX_EXTRA`]) cost one block each and are added while each resolves at least two
//! conflicting pairs. What remains goes to the separate stage.
//!
//! `lambda = (m / top) (1/2 + u/2)`, u uniform, with `top` the largest and `m` the spread
//! of the v-projections: every translation is at most about m, like a split's.

use super::conflict::{Conflict, Group, Tolerance};
use super::geometry::{eps_eq, separation, size_of, Rng};
use crate::model::{transformer::apply_attention, Block, Cloud, FeedForward, LayerMeta, SelfAttention, Stage, Value};
use nalgebra::DVector;

/// Spread layers beyond the free one.
pub const MAX_EXTRA: usize = 8;
/// Random candidate directions per layer (besides w).
const CANDIDATES: usize = 24;

pub struct Spread {
    /// the blocks of the spread layers after the first (which is the normalize block's)
    pub blocks: Vec<Block>,
    /// spread layers put in place (0 when nothing conflicts)
    pub layers: usize,
    /// smallest attention margin met by the layers (+inf when none)
    pub min_margin: f64,
}

/// A candidate direction's effect: conflicting pairs resolved, and lambda.
struct Effect {
    resolved: usize,
    lambda: f64,
}

/// Pairs of different tags among `tags`.
fn conflicting_pairs(tags: &mut [usize]) -> usize {
    tags.sort_unstable();
    let n = tags.len();
    let same: usize = tags.chunk_by(|a, b| a == b).map(|r| r.len() * r.len()).sum();
    (n * n - same) / 2
}

/// What spreading along v would do to the conflicting groups, or None when v is not usable
/// (a token with `v . x <= 0`, or a pair it would leave nearly together).
fn effect(v: &DVector<f64>, clouds: &[Cloud], groups: &[Group], eps: f64, rng_u: f64) -> Option<Effect> {
    let (mut top, mut bottom) = (f64::NEG_INFINITY, f64::INFINITY);
    let mut level = vec![f64::NEG_INFINITY; clouds.len()];
    for (s, cl) in clouds.iter().enumerate() {
        for col in cl.points.column_iter() {
            let p = v.dot(&col);
            level[s] = level[s].max(p);
            top = top.max(p);
            bottom = bottom.min(p);
        }
    }
    let m = if top - bottom > 1e-6 { top - bottom } else { 1.0 };
    // a NaN fails too
    if bottom.is_nan() || bottom <= 1e-3 * m {
        return None;
    }
    let lambda = m / top * (0.5 + 0.5 * rng_u);
    let mut resolved = 0;
    for g in groups {
        let mut members: Vec<(f64, usize)> = g.iter().map(|&(s, t)| (level[s], t)).collect();
        members.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut all: Vec<usize> = members.iter().map(|m| m.1).collect();
        let before = conflicting_pairs(&mut all);
        let mut after = 0;
        for run in members.chunk_by(|a, b| b.0 - a.0 <= eps) {
            let mut tags: Vec<usize> = run.iter().map(|m| m.1).collect();
            after += conflicting_pairs(&mut tags);
        }
        if members.windows(2).any(|w| w[1].0 - w[0].0 > eps && lambda * (w[1].0 - w[0].0) < 1e-6) {
            return None;
        }
        resolved += before - after;
    }
    Some(Effect { resolved, lambda })
}

pub fn run(
    block: &mut Block,
    clouds: &mut [Cloud],
    w: &DVector<f64>,
    c: &DVector<f64>,
    conflict: &mut dyn Conflict,
    rng: &mut Rng,
) -> Spread {
    let d = w.len();
    let mut out = Spread { blocks: Vec::new(), layers: 0, min_margin: f64::INFINITY };
    while out.layers <= MAX_EXTRA {
        let refs: Vec<&Cloud> = clouds.iter().collect();
        let size = clouds.iter().map(|c| size_of(&c.points)).fold(0.0, f64::max);
        let tol = Tolerance { eps: eps_eq(d, size), separation: separation(d, size) };
        let groups = conflict.groups(&refs, w, tol);
        if groups.is_empty() {
            break;
        }
        let mut best: Option<(DVector<f64>, Effect)> = None;
        for i in 0..=CANDIDATES {
            let v = if i == 0 {
                w.clone()
            } else {
                let spread = [0.3, 0.6, 1.0, 1.6, 2.5][i % 5];
                (w + rng.unit(d, false) * spread).normalize()
            };
            if let Some(e) = effect(&v, clouds, &groups, tol.eps, rng.uniform()) {
                if best.as_ref().is_none_or(|b| e.resolved > b.1.resolved) {
                    best = Some((v, e));
                }
            }
        }
        let Some((v, e)) = best else { break };
        let needed = if out.layers == 0 { 1 } else { 2 };
        if e.resolved < needed {
            break;
        }
        let sa = SelfAttention::on_direction(1.0, &v, Value::RankOne { left: c * e.lambda, right: v.clone() })
            .expect("rank-one attention on a direction is well formed");
        for cl in clouds.iter_mut() {
            for a in apply_attention(&sa, cl) {
                out.min_margin = out.min_margin.min(a.margin);
            }
        }
        let caption = format!(
            "Spread: attention slides each sequence along c by an amount set by its leader (its highest token along a direction v{}). Sequences whose leaders sit at different heights slide by different amounts, so {} that must go to different targets no longer sit on one point.",
            if out.layers == 0 && v == *w { " = w" } else { "" },
            if e.resolved == 1 { "one pair of read tokens".to_string() } else { format!("{} pairs of read tokens", e.resolved) }
        );
        if out.layers == 0 {
            block.sa = sa;
            block.sa_meta.caption = caption;
        } else {
            out.blocks.push(Block {
                ff: FeedForward::scaling(d, 1.0),
                sa,
                ff_meta: LayerMeta {
                    stage: Stage::Separate,
                    caption: "Spread: nothing moves in this feed-forward layer.".into(),
                    tents: vec![],
                },
                sa_meta: LayerMeta { stage: Stage::Separate, caption, tents: vec![] },
            });
        }
        out.layers += 1;
    }
    out
}
