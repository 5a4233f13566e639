//! The forward pass of many sequences at once.
//!
//! Each sequence runs through the blocks up to [`Transformer::pointwise_from`] on its own
//! (natively on all cores); from there on every attention layer is pointwise, so the
//! points of all sequences go through the remaining blocks together in one [`Sweep`], which
//! evaluates a layer only on the points inside its tents' slabs. The outputs are bitwise
//! those of [`Transformer::forward`] on each sequence ([`forward_dense_each`], the
//! reference), and the sweep reports which points each layer moved.

use super::cloud::Cloud;
use super::sweep::Sweep;
use super::transformer::{apply_block_margin, Block, Output, Transformer};
use nalgebra::DMatrix;

/// The reference: [`Transformer::forward`] on every sequence, one after the other.
pub fn forward_dense_each(t: &Transformer, inputs: &[&DMatrix<f64>]) -> Vec<Output> {
    inputs.iter().map(|x| t.forward(x)).collect()
}

/// Can the blocks run in one sweep? Every attention layer pointwise, none collapsing
/// (rho = 0 merges a sequence's points, which changes its bookkeeping).
pub fn sweepable(blocks: &[Block]) -> bool {
    blocks.iter().all(|b| b.sa.is_pointwise() && b.sa.rho() != 0.0)
}

/// One sequence through `blocks` (the part that mixes tokens): its cloud and the smallest
/// attention margin met.
pub fn forward_prefix(t: &Transformer, x: &DMatrix<f64>, blocks: &[Block]) -> (Cloud, f64) {
    let mut cloud = Cloud::from_tokens(&t.input.apply(x));
    let mut margin = f64::INFINITY;
    let mut buf = Vec::new();
    for b in blocks {
        margin = margin.min(apply_block_margin(b, &mut cloud, &mut buf));
    }
    (cloud, margin)
}

/// How many sequences go through the blocks together: block by block over a chunk, so a
/// block's parameters stay in cache while its sequences pass (sequence by sequence over
/// thousands of blocks, fetching the parameters was most of the time).
const CHUNK: usize = 64;

/// [`forward_prefix`] on a few sequences, block by block (the same arithmetic per sequence).
fn prefix_chunk(t: &Transformer, inputs: &[&DMatrix<f64>], blocks: &[Block]) -> Vec<(Cloud, f64)> {
    let mut out: Vec<(Cloud, f64)> =
        inputs.iter().map(|x| (Cloud::from_tokens(&t.input.apply(x)), f64::INFINITY)).collect();
    let mut buf = Vec::new();
    for b in blocks {
        for (cloud, margin) in out.iter_mut() {
            *margin = margin.min(apply_block_margin(b, cloud, &mut buf));
        }
    }
    out
}

/// [`forward_prefix`] on every sequence, in chunks of [`CHUNK`]: in parallel natively, in
/// order in wasm.
pub fn prefixes(t: &Transformer, inputs: &[&DMatrix<f64>], blocks: &[Block]) -> Vec<(Cloud, f64)> {
    #[cfg(not(target_arch = "wasm32"))]
    {
        use rayon::prelude::*;
        inputs.par_chunks(CHUNK).flat_map_iter(|c| prefix_chunk(t, c, blocks)).collect()
    }
    #[cfg(target_arch = "wasm32")]
    {
        inputs.chunks(CHUNK).flat_map(|c| prefix_chunk(t, c, blocks)).collect()
    }
}

/// One block on every cloud, in place (the construction's step), with the attention's
/// in-place path ([`apply_block_margin`]): in parallel natively, in order in wasm.
pub fn apply_to_all(b: &Block, clouds: &mut [Cloud]) {
    #[cfg(not(target_arch = "wasm32"))]
    {
        use rayon::prelude::*;
        clouds.par_chunks_mut(CHUNK).for_each(|chunk| {
            let mut buf = Vec::new();
            for cloud in chunk {
                apply_block_margin(b, cloud, &mut buf);
            }
        });
    }
    #[cfg(target_arch = "wasm32")]
    {
        let mut buf = Vec::new();
        for cloud in clouds {
            apply_block_margin(b, cloud, &mut buf);
        }
    }
}

/// Where each cloud's points start when they are put side by side, and the total at the end.
pub fn starts(clouds: &[Cloud]) -> Vec<usize> {
    let mut starts = Vec::with_capacity(clouds.len() + 1);
    starts.push(0);
    for c in clouds {
        starts.push(starts.last().copied().unwrap_or(0) + c.n_points());
    }
    starts
}

/// The points of every cloud side by side (cloud s holds columns `starts[s]..starts[s + 1]`).
pub fn gather(clouds: &[Cloud], d: usize) -> (DMatrix<f64>, Vec<usize>) {
    let starts = starts(clouds);
    let mut x = DMatrix::zeros(d, starts[clouds.len()]);
    for (c, &s) in clouds.iter().zip(&starts) {
        x.columns_mut(s, c.n_points()).copy_from(&c.points);
    }
    (x, starts)
}

/// Copies the sweep's points back into the clouds (the inverse of [`gather`]).
pub fn scatter(x: &DMatrix<f64>, starts: &[usize], clouds: &mut [Cloud]) {
    for (c, &s) in clouds.iter_mut().zip(starts) {
        let n = c.n_points();
        c.points.copy_from(&x.columns(s, n));
    }
}

/// Runs the clouds through pointwise `blocks` in one sweep; `visit(layer, sweep, moved)`
/// sees every layer (0-based within `blocks`, two per block) with the points it changed.
/// None (the clouds untouched) when the blocks are not [`sweepable`].
pub fn sweep_clouds(
    clouds: &mut [Cloud],
    blocks: &[Block],
    d: usize,
    mut visit: impl FnMut(usize, &Sweep, &[usize]),
) -> Option<()> {
    if !sweepable(blocks) {
        return None;
    }
    let (x, starts) = gather(clouds, d);
    let mut sweep = Sweep::new(x, &Sweep::directions_of(blocks));
    for (i, b) in blocks.iter().enumerate() {
        let moved = sweep.apply_ff(&b.ff);
        visit(2 * i, &sweep, &moved);
        let moved = sweep.apply_sa(&b.sa).ok()?;
        visit(2 * i + 1, &sweep, &moved);
    }
    scatter(sweep.tokens(), &starts, clouds);
    Some(())
}

/// [`Transformer::forward`] on every sequence, bitwise: the mixing blocks per sequence,
/// the pointwise rest in one sweep.
pub fn forward_each(t: &Transformer, inputs: &[&DMatrix<f64>]) -> Vec<Output> {
    let from = t.pointwise_from();
    let (mixing, pointwise) = t.blocks.split_at(from);
    if !sweepable(pointwise) {
        return forward_dense_each(t, inputs);
    }
    let (mut clouds, margins): (Vec<Cloud>, Vec<f64>) = prefixes(t, inputs, mixing).into_iter().unzip();
    sweep_clouds(&mut clouds, pointwise, t.dim, |_, _, _| {});
    clouds.into_iter().zip(margins).map(|(cloud, min_attention_margin)| Output { cloud, min_attention_margin }).collect()
}
