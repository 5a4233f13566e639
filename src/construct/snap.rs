//! Stage 4 — snap (1 block).
//!
//! FF with `eta = 0`: a piecewise-linear function of the scalar `e . x`, constant equal to
//! `anchor_k` on class k's plateau `[lo_k, hi_k]` and linear in between:
//! ```text
//! x -> anchor_first * relu(1) + sum_k s_k [ relu(e.x - hi_k) - relu(e.x - lo_{k+1}) ],
//! s_k = (anchor_{k+1} - anchor_k) / (lo_{k+1} - hi_k)
//! ```
//! one constant neuron plus two per class boundary. Every token of class k lands on
//! anchor_k. Anchors lie on a circle in the view plane around the labeled points.

use super::AnchorPlacement;
use crate::model::{Block, Cloud, FeedForward, LayerMeta, SelfAttention, Stage};
use nalgebra::{DMatrix, DVector};

pub struct Input<'a> {
    /// the labeled points (they decide where the anchors go)
    pub clouds: &'a [Cloud],
    pub e: &'a DVector<f64>,
    /// (class, plateau lo, plateau hi) of e.x for every class present, by code
    pub codes: &'a [(usize, f64, f64)],
    pub view: &'a [DVector<f64>; 2],
    /// number of classes (one anchor each)
    pub classes: usize,
    pub placement: AnchorPlacement,
}

pub struct Snapped {
    pub block: Block,
    /// one anchor per class, in the view plane
    pub anchors: Vec<DVector<f64>>,
}

/// Anchors of `classes` classes in the view plane, around the points' center, on a circle
/// (or a line) whose size matches their extent in the view.
fn place_anchors(
    clouds: &[Cloud],
    view: &[DVector<f64>; 2],
    classes: usize,
    placement: AnchorPlacement,
) -> Vec<DVector<f64>> {
    let d = view[0].len();
    let mut center = DVector::zeros(d);
    let mut n: f64 = 0.0;
    let (mut xl, mut xh, mut yl, mut yh) = (f64::INFINITY, f64::NEG_INFINITY, f64::INFINITY, f64::NEG_INFINITY);
    for cl in clouds {
        for col in cl.points.column_iter() {
            center += col;
            n += 1.0;
            let (x, y) = (view[0].dot(&col), view[1].dot(&col));
            xl = xl.min(x);
            xh = xh.max(x);
            yl = yl.min(y);
            yh = yh.max(y);
        }
    }
    center /= n.max(1.0);
    let radius = 0.5 * (xh - xl).max(yh - yl).max(1.0);
    (0..classes)
        .map(|k| match placement {
            AnchorPlacement::Circle => {
                let a = std::f64::consts::TAU * k as f64 / classes as f64 + std::f64::consts::FRAC_PI_2;
                &center + &view[0] * (radius * a.cos()) + &view[1] * (radius * a.sin())
            }
            AnchorPlacement::Line => {
                let f = if classes > 1 { k as f64 / (classes - 1) as f64 - 0.5 } else { 0.0 };
                &center + &view[0] * (2.0 * radius * f) - &view[1] * radius
            }
        })
        .collect()
}

pub fn run(input: Input) -> Snapped {
    let Input { clouds, e, codes, view, classes, placement } = input;
    let anchors = place_anchors(clouds, view, classes, placement);
    let d = e.len();
    let first = codes.first().map_or(0, |c| c.0);
    let mut ff = FeedForward::new(
        0.0,
        DMatrix::zeros(1, d),
        DVector::from_element(1, 1.0),
        DMatrix::from_column_slice(d, 1, anchors[first].as_slice()),
    )
    .expect("shapes are consistent by construction");
    for pair in codes.windows(2) {
        let (k, _, hi) = pair[0];
        let (l, lo, _) = pair[1];
        let slope = (&anchors[l] - &anchors[k]) / (lo - hi);
        ff.push_neuron(e, -hi, &slope);
        ff.push_neuron(e, -lo, &-slope);
    }
    let block = Block {
        ff,
        sa: SelfAttention::identity(d),
        ff_meta: LayerMeta {
            stage: Stage::Snap,
            caption: format!(
                "Snap: one feed-forward layer, piecewise linear in e·x ({} neurons), sends every token of each class onto its anchor.",
                1 + 2 * codes.len().saturating_sub(1)
            ),
            tents: vec![],
        },
        sa_meta: LayerMeta {
            stage: Stage::Snap,
            caption: "Done: the readout takes each sequence's mean token and names the nearest anchor's class.".into(),
            tents: vec![],
        },
    };
    Snapped { block, anchors }
}
