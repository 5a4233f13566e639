//! Interpolation, stage 3 — park (one neuron, in the first place layer).
//!
//! After the separate stage every *read point* (a position holding read tokens, in any
//! sequence) has one target. The place stage will move each read point with a tent on a
//! direction g taken from a few directions within 60 degrees of w, and a placed point
//! must lie below every later tent's slab (then every neuron of that tent is inactive on
//! it and it never moves again). Park makes that true once and for all: one constant
//! neuron moves every token by
//! ```text
//! Z = T w - shift
//! ```
//! where `shift` undoes the normalization's shift (tokens return to `eta x`, the frame in
//! which the targets are `y / rho`, `rho = 1 / eta`: the last attention layer multiplies
//! by rho) and T is the smallest lift along w that puts every read point at least 1 (the
//! data's range is about 1 here) above every target along every candidate direction:
//! ```text
//! T = max over g of (max_y g.y - min_p g.p + 1) / (g . w),   g . w >= 1/2.
//! ```
//! Every later decision is taken on the state after this layer (and after the last
//! split's move-back, which shares it).
//!
//! The read points are the clusters (within `geometry::eps_eq`) of the read tokens' positions after
//! the move-back; two read tokens at one point with different targets would be a conflict
//! the separate stage failed to resolve, and are reported.

use super::conflict::Reads;
use super::geometry::{cluster_positions, eps_eq, size_of, Rng};
use crate::error::{Error, Result};
use crate::model::{Cloud, FeedForward, Sweep, Tent};
use nalgebra::{DMatrix, DVector};

/// Candidate place directions (w among them).
pub const DIRECTIONS: usize = 8;

pub struct Input<'a> {
    /// the state after the separate stage
    pub clouds: &'a [Cloud],
    /// the last split's move-backs, for the park layer
    pub pending: Vec<Tent>,
    pub reads: &'a [Reads],
    /// target vectors by id, in the data's coordinates
    pub targets: &'a [DVector<f64>],
    /// the normalize layer (its eta and shift)
    pub normalize: &'a FeedForward,
    pub w: &'a DVector<f64>,
    pub names: &'a [String],
}

/// A read token as the place stage follows it: its sequence, its (first) token index, and
/// its read point.
#[derive(Debug, Clone, Copy)]
pub struct Member {
    pub seq: usize,
    pub token: usize,
    pub point: usize,
}

/// A read point: the sweep tokens sitting on it, and its target's id.
#[derive(Debug, Clone)]
pub struct ReadPoint {
    pub members: Vec<usize>,
    pub target: usize,
}

pub struct Parked {
    /// every read member, in the state after the separate stage (before the park layer)
    pub sweep: Sweep,
    pub members: Vec<Member>,
    pub points: Vec<ReadPoint>,
    /// targets by id in the frame of the place stage (`y / rho`)
    pub targets: Vec<DVector<f64>>,
    /// the last attention layer's factor, `1 / eta`
    pub rho: f64,
    pub pending: Vec<Tent>,
    /// the park neuron's displacement `T w - shift`
    pub shift: DVector<f64>,
    /// the lift T along w
    pub lift: f64,
}

/// The place tents' candidate directions: w and random directions within 60 degrees of it.
fn directions(w: &DVector<f64>, rng: &mut Rng) -> Vec<DVector<f64>> {
    let d = w.len();
    let mut dirs = vec![w.clone()];
    while dirs.len() < DIRECTIONS {
        let v = rng.unit(d, false);
        let perp = &v - w * w.dot(&v);
        if perp.norm() < 1e-6 {
            continue;
        }
        let angle = std::f64::consts::FRAC_PI_3 * (0.25 + 0.75 * rng.uniform());
        dirs.push((w * angle.cos() + perp.normalize() * angle.sin()).normalize());
    }
    dirs
}

pub fn run(input: Input, rng: &mut Rng) -> Result<Parked> {
    let Input { clouds, pending, reads, targets, normalize, w, names } = input;
    let d = w.len();
    // one sweep token per distinct (sequence, point) that is read
    let mut members: Vec<Member> = Vec::new();
    let mut cols: Vec<DVector<f64>> = Vec::new();
    let mut member_target: Vec<usize> = Vec::new();
    for (s, (cl, r)) in clouds.iter().zip(reads).enumerate() {
        let first = members.len();
        for (k, &t) in r.target_ids.iter().enumerate() {
            let j = r.from + k;
            let p = cl.token_point[j] as usize;
            if members[first..].iter().any(|m| cl.token_point[m.token] as usize == p) {
                continue;
            }
            members.push(Member { seq: s, token: j, point: 0 });
            cols.push(cl.points.column(p).into_owned());
            member_target.push(t);
        }
    }
    let before = DMatrix::from_columns(&cols);

    // the state the decisions are taken on: after the move-back
    let mut preview = before.clone();
    if !pending.is_empty() {
        Tent::layer(d, &pending).forward_in_place(&mut preview);
    }
    let ids = cluster_positions(&preview, eps_eq(d, size_of(&preview)));
    let n_points = ids.iter().copied().max().map_or(0, |m| m + 1);
    let mut points: Vec<ReadPoint> = vec![ReadPoint { members: Vec::new(), target: usize::MAX }; n_points];
    for (i, &p) in ids.iter().enumerate() {
        let rp = &mut points[p];
        if rp.target == usize::MAX {
            rp.target = member_target[i];
        } else if rp.target != member_target[i] {
            let other = members[rp.members[0]].seq;
            let (a, b) = (other.min(members[i].seq), other.max(members[i].seq));
            return Err(Error::Construction(format!(
                "after the separate stage, read tokens of sequences {} ({}) and {} ({}) still share a position with different targets",
                a + 1,
                names[a],
                b + 1,
                names[b]
            )));
        }
        rp.members.push(i);
        members[i].point = p;
    }

    let eta = normalize.eta();
    let rho = 1.0 / eta;
    let shift: DVector<f64> = normalize.w().column(0).into_owned();
    let frame: Vec<DVector<f64>> = targets.iter().map(|y| y / rho).collect();

    let dirs = directions(w, rng);

    // the lift: every read point 1 above every target along every direction
    let mut lift: f64 = 0.0;
    for g in &dirs {
        let top_target = frame.iter().map(|y| g.dot(y)).fold(f64::NEG_INFINITY, f64::max);
        let low_point = preview.column_iter().map(|p| g.dot(&(p - &shift))).fold(f64::INFINITY, f64::min);
        lift = lift.max((top_target - low_point + 1.0) / g.dot(w));
    }
    let park_shift = w * lift - &shift;
    let sweep = Sweep::new(before, &dirs);
    Ok(Parked { sweep, members, points, targets: frame, rho, pending, shift: park_shift, lift })
}
