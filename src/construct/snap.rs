//! Stage 4 — snap (1 block).
//!
//! FF with `eta = 0`: a piecewise-linear function of the scalar `e . x`, constant equal to
//! `anchor_k` on class k's plateau `[lo_k, hi_k]` and linear in between:
//! ```text
//! x -> anchor_first * relu(1) + sum_k s_k [ relu(e.x - hi_k) - relu(e.x - lo_{k+1}) ],
//! s_k = (anchor_{k+1} - anchor_k) / (lo_{k+1} - hi_k)
//! ```
//! one constant neuron plus two per class boundary. Every token of class k lands on
//! anchor_k. The label stage put each anchor on its class's rung (`e . anchor_k = z_k`), so
//! this layer only finishes the move the label stage began: along the rung.

use crate::model::{Block, FeedForward, LayerMeta, SelfAttention, Stage};
use nalgebra::{DMatrix, DVector};

pub struct Input<'a> {
    pub e: &'a DVector<f64>,
    /// (class, plateau lo, plateau hi) of e.x for every class present, by code
    pub codes: &'a [(usize, f64, f64)],
    /// one anchor per class, each on its class's rung (`e . anchor_k` inside its plateau)
    pub anchors: &'a [DVector<f64>],
}

pub struct Snapped {
    pub block: Block,
}

pub fn run(input: Input) -> Snapped {
    let Input { e, codes, anchors } = input;
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
    Snapped { block }
}
