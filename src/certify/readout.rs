//! The readout on the enclosure: the output mean, its distance to every anchor, and
//! whether the own anchor is certainly the nearest.

use super::interval::{add_bounds, gamma, safe, IVec, Interval, SUB};
use super::{LayerFailure, Points};
use crate::model::Transformer;

/// The readout: the enclosure of the output mean and of the distance to every anchor.
pub(super) fn readout(t: &Transformer, pts: &Points) -> (IVec, Vec<Interval>) {
    let d = pts.points[0].len();
    let total: f64 = pts.counts.iter().map(|&c| c as f64).sum();
    let np = pts.points.len();
    let mean: IVec = (0..d)
        .map(|c| {
            let mut acc = Interval::ZERO;
            let mut terms = 0.0;
            for (j, p) in pts.points.iter().enumerate() {
                let cj = pts.counts[j] as f64;
                acc = acc.add(p[c].scale(cj));
                terms += cj * p[c].mag();
            }
            acc.div_pos(total).widen(safe(gamma(np + 1) * terms / total + np as f64 * SUB))
        })
        .collect();
    let dist = t
        .anchors
        .iter()
        .map(|a| {
            let diff: IVec = a.iter().zip(&mean).map(|(ac, m)| Interval::point(*ac).sub(*m)).collect();
            let mut sq = Interval::ZERO;
            let mut terms = 0.0;
            for v in &diff {
                sq = sq.add(v.sqr());
                terms += v.mag() * v.mag();
            }
            sq.widen(safe(gamma(d + 1) * terms + d as f64 * SUB)).sqrt()
        })
        .collect();
    (mean, dist)
}

/// The readout slack of a sequence of class `own`: the smallest possible distance to a
/// wrong anchor minus the largest possible distance to its own, or why it is not positive.
pub(super) fn readout_slack(t: &Transformer, dist: &[Interval], own: usize) -> Result<f64, LayerFailure> {
    let mut slack = f64::INFINITY;
    let mut nearest_wrong = None;
    for (k, dk) in dist.iter().enumerate() {
        if k == own {
            continue;
        }
        let gap = add_bounds(dk.lo, -dist[own].hi).0;
        if gap < slack || gap.is_nan() {
            slack = gap;
            nearest_wrong = Some(k);
        }
    }
    if slack > 0.0 {
        return Ok(slack);
    }
    let k = nearest_wrong.unwrap_or(own);
    let reason = format!(
        "the output may be as close to the anchor of «{}» as to its own («{}»): distances [{:.6e}, {:.6e}] and [{:.6e}, {:.6e}]",
        t.classes[k], t.classes[own], dist[k].lo, dist[k].hi, dist[own].lo, dist[own].hi
    );
    Err(LayerFailure { reason, slack: if slack.is_nan() { f64::NEG_INFINITY } else { slack } })
}
