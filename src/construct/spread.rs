//! Interpolation: the normalize block's attention layer spreads the sequences (0 blocks).
//!
//! Read tokens of different sequences that sit at one position but are read with
//! different targets must be pulled apart before any feed-forward layer can send them to
//! different places. When their sequences' leaders lie at different levels along w, one
//! attention layer does it: with `rho = 1, Q = K = w^T, V = lambda c w^T` every sequence
//! translates rigidly by `lambda (w . leader) c`, so sequences with different leader
//! levels move apart along c by `lambda` times the level gap. The normalize block's own
//! attention layer is the identity, so this costs no block; the separate stage is left
//! with the conflicts between sequences whose leaders share a level (usually: share a
//! leader). It is applied only when some conflict exists.
//!
//! `lambda = (m / top) (1/2 + u/2)`, u uniform, with `top` the largest and `m` the spread
//! of the w-projections: every translation is at most about m, like a split's.

use super::conflict::Conflict;
use super::geometry::Rng;
use crate::model::{transformer::apply_attention, Block, Cloud, SelfAttention, Value};
use nalgebra::DVector;

pub struct Spread {
    /// whether the layer was needed (and put in place)
    pub applied: bool,
    /// smallest attention margin met by the layer (+inf when not applied)
    pub min_margin: f64,
}

pub fn run(
    block: &mut Block,
    clouds: &mut [Cloud],
    w: &DVector<f64>,
    c: &DVector<f64>,
    conflict: &mut dyn Conflict,
    rng: &mut Rng,
) -> Spread {
    let refs: Vec<&Cloud> = clouds.iter().collect();
    if conflict.groups(&refs, w).is_empty() {
        return Spread { applied: false, min_margin: f64::INFINITY };
    }
    let (mut top, mut bottom) = (f64::NEG_INFINITY, f64::INFINITY);
    for cl in clouds.iter() {
        for col in cl.points.column_iter() {
            let p = w.dot(&col);
            top = top.max(p);
            bottom = bottom.min(p);
        }
    }
    let m = if top - bottom > 1e-6 { top - bottom } else { 1.0 };
    let lambda = m / top * (0.5 + 0.5 * rng.uniform());
    block.sa = SelfAttention::on_direction(1.0, w, Value::RankOne { left: c * lambda, right: w.clone() })
        .expect("rank-one attention on w is well formed");
    block.sa_meta.caption = "Spread: attention slides every sequence along c by λ·(w·leader); sequences whose leaders lie at different levels move apart, so read tokens they shared no longer coincide.".into();
    let mut min_margin = f64::INFINITY;
    for cl in clouds.iter_mut() {
        apply_attention(&block.sa, cl, &mut min_margin);
    }
    Spread { applied: true, min_margin }
}
