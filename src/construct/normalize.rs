//! Stage 0 — normalize (1 block).
//!
//! FF with `eta = 1/scale`, `U = 0`, `b = 1` (one neuron that is always 1) and
//! `W = shift`: `x -> x / scale + shift` maps every token into the box [1,2]^d
//! (`scale` = the largest coordinate range). SA is the identity. The stage also picks
//! the directions the later stages use:
//! * `w`, a unit vector with positive entries, so `w . x >= |w|_1 > 0` for every token
//!   (every score `(w.x_i)(w.x_j)` is positive and each token attends to its sequence's
//!   leader), chosen among random candidates to maximize the smallest gap between the
//!   leader's projection and the runner-up's, over all sequences;
//! * `c`, a unit vector orthogonal to `w`, along which sequences slide apart;
//! * the view plane (the data's two principal axes; the coordinate plane when d = 2).

use super::geometry::{perpendicular, Rng};
use crate::notation::{short, superscript};
use crate::dataset::Dataset;
use crate::model::{Block, Cloud, FeedForward, LayerMeta, SelfAttention, Stage};
use nalgebra::{DMatrix, DVector, SymmetricEigen};

pub struct Input<'a> {
    /// the dataset after the input map (lift, positional offsets)
    pub data: &'a Dataset,
}

pub struct Normalized {
    pub block: Block,
    pub clouds: Vec<Cloud>,
    pub w: DVector<f64>,
    pub c: DVector<f64>,
    pub view: [DVector<f64>; 2],
}

pub fn run(input: Input, rng: &mut Rng) -> Normalized {
    let data = input.data;
    let d = data.dim();
    let ff = normalizing_map(data);
    let clouds = normalized_clouds(data, &ff);
    let w = leader_direction(&clouds, d, rng);
    let (view, _explained) = view_plane(&clouds, d);
    let hint = &view[0] + rng.unit(d, false) * C_HINT_TURN;
    let c = perpendicular(&w, &hint);
    let block = normalize_block(ff, d);
    Normalized { block, clouds, w, c, view }
}

/// The smallest and the largest value of every coordinate over all tokens.
fn coordinate_bounds(data: &Dataset) -> (DVector<f64>, DVector<f64>) {
    let d = data.dim();
    let mut lo = DVector::from_element(d, f64::INFINITY);
    let mut hi = DVector::from_element(d, f64::NEG_INFINITY);
    for s in data.sequences() {
        for c in s.tokens.column_iter() {
            for i in 0..d {
                lo[i] = lo[i].min(c[i]);
                hi[i] = hi[i].max(c[i]);
            }
        }
    }
    (lo, hi)
}

/// The feed-forward map `x -> eta x + shift` into the box, or the per-coordinate map by
/// neurons when `eta` or `eta x` is not finite.
fn normalizing_map(data: &Dataset) -> FeedForward {
    let d = data.dim();
    let (lo, hi) = coordinate_bounds(data);
    // half ranges never overflow, even for values near the largest f64
    let half = (0..d).map(|i| hi[i] / 2.0 - lo[i] / 2.0).fold(0.0, f64::max);
    let varies = (0..d).any(|i| hi[i] > lo[i]);
    let eta = if half > 0.0 { HALF_BOX / half } else { 1.0 };
    let fits = (0..d).all(|i| (lo[i] * eta).is_finite() && (hi[i] * eta).is_finite());
    if !varies || (half > 0.0 && eta.is_finite() && fits) {
        let shift = DVector::from_element(d, BOX_LOW) - &lo * eta;
        FeedForward::new(
            eta,
            DMatrix::zeros(1, d),
            DVector::from_element(1, 1.0),
            DMatrix::from_column_slice(d, 1, shift.as_slice()),
        )
        .expect("eta, eta * x and the shift are finite")
    } else {
        per_coordinate(&lo, &hi)
    }
}

/// Every sequence as a cloud of distinct points, after the normalizing map.
fn normalized_clouds(data: &Dataset, ff: &FeedForward) -> Vec<Cloud> {
    let mut clouds: Vec<Cloud> = data.sequences().iter().map(|s| Cloud::from_tokens(&s.tokens)).collect();
    for c in clouds.iter_mut() {
        ff.forward_in_place(&mut c.points);
        c.merge_identical();
    }
    clouds
}

/// w: among random positive unit candidates, the one with the widest smallest gap
/// between a sequence's leader and its runner-up (the first on ties); the diagonal when
/// no sequence has two points.
fn leader_direction(clouds: &[Cloud], d: usize, rng: &mut Rng) -> DVector<f64> {
    // candidates as rows of one matrix: all projections in one product per sequence
    let total: usize = clouds.iter().map(|c| c.n_points()).sum();
    let tries = (W_SEARCH_BUDGET / total.max(1)).clamp(W_CANDIDATES.0, W_CANDIDATES.1);
    let cands: Vec<DVector<f64>> = (0..tries).map(|_| rng.unit(d, true)).collect();
    let rows = DMatrix::from_fn(tries, d, |i, j| cands[i][j]);
    let mut gaps = vec![f64::INFINITY; tries];
    for cl in clouds {
        if cl.n_points() < 2 {
            continue;
        }
        let proj = &rows * &cl.points;
        for (i, g) in gaps.iter_mut().enumerate() {
            *g = g.min(leader_gap(proj.row(i).iter().copied()));
        }
    }
    let best = (0..tries).max_by(|&a, &b| gaps[a].total_cmp(&gaps[b]).then(b.cmp(&a))).map(|i| (cands[i].clone(), gaps[i]));
    let (w, _leader_gap) = best.unwrap_or_else(|| (DVector::from_element(d, 1.0 / (d as f64).sqrt()), 0.0));
    w
}

/// The normalize block: the map `ff` and an identity attention layer, with its caption.
fn normalize_block(ff: FeedForward, d: usize) -> Block {
    let scale = scale_text(&ff);
    Block {
        ff,
        sa: SelfAttention::identity(d),
        ff_meta: LayerMeta {
            stage: Stage::Normalize,
            caption: format!(
                "Normalize: every token is scaled by {} and shifted into the box [1, 2]{} (every coordinate between 1 and 2), so its projection on w is positive and attention will pick each sequence's leader.",
                scale,
                superscript(d)
            ),
            tents: vec![],
        },
        sa_meta: LayerMeta {
            stage: Stage::Normalize,
            caption: "Normalize: this attention layer is the identity (nothing moves).".into(),
            tents: vec![],
        },
    }
}

/// The scale factor of the map for its caption (`eta`, or the output weight of the
/// per-coordinate neurons, times their lift when it is split).
fn scale_text(ff: &FeedForward) -> String {
    if ff.eta() != 0.0 {
        return short(ff.eta());
    }
    let q = ff.w().iter().fold(0.0, |a: f64, v| a.max(*v));
    let p = ff.u().iter().fold(0.0, |a: f64, v| a.max(*v));
    if p > 1.0 {
        format!("2^{SUBNORMAL_LIFT_EXP} × {}", short(q))
    } else {
        short(q)
    }
}

/// The box's lower corner in every coordinate: tokens start at 1, so `w . x >= |w|_1 > 0`
/// for a positive w.
const BOX_LOW: f64 = 1.0;
/// Half the box's side: the largest half range maps to 1/2, so the largest range is 1
/// (the unit the construction's tolerances are stated in) and tokens end in [1, 2]^d.
const HALF_BOX: f64 = 0.5;
/// The search for w projects about this many (candidate, point) pairs in all...
const W_SEARCH_BUDGET: usize = 64 * 20_000;
/// ...trying between this few and this many candidates, whatever the number of points.
const W_CANDIDATES: (usize, usize) = (8, 64);
/// c starts from the first view axis turned by a random step of this length, so it is
/// generic (not exactly along an axis) yet still mostly in the view plane, where the
/// separate stage's slides are drawn.
const C_HINT_TURN: f64 = 0.3;
/// The principal axes are estimated from a sample of at most this many points.
const VIEW_SAMPLE: usize = 20_000;
/// The exponent p of the per-coordinate map's lift `2^p` for subnormal ranges (see
/// [`per_coordinate`]).
const SUBNORMAL_LIFT_EXP: i32 = 600;

/// The normalizing map, by neurons, in the two cases `eta x + shift` cannot express: a
/// subnormal largest range (below 2^-1022, where `1 / range` is not a finite f64) and a
/// constant coordinate so large that `eta x` overflows. Each coordinate that varies gets
/// two neurons, `relu(+-p (x_i - lo_i))` (together exactly `p (x_i - lo_i)`, for any
/// input), with output weights `+-q`, `p q = 1 / range`; a constant neuron adds 1, and
/// coordinates that never vary map to 1 whatever their size. For a subnormal range the
/// scale is split: `p = 2^600`, exact, and far from overflow because every coordinate that
/// varies then holds only tiny values (two doubles closer than 2^-1021 are both below
/// 2^-967 in size); otherwise `p = 1` (the range is below 1 then, so `x_i - lo_i` is finite).
fn per_coordinate(lo: &DVector<f64>, hi: &DVector<f64>) -> FeedForward {
    let d = lo.len();
    let varying: Vec<usize> = (0..d).filter(|&i| hi[i] > lo[i]).collect();
    let subnormal = varying.iter().all(|&i| hi[i] / 2.0 - lo[i] / 2.0 < f64::MIN_POSITIVE);
    let p = if subnormal { 2f64.powi(SUBNORMAL_LIFT_EXP) } else { 1.0 };
    let half = varying.iter().map(|&i| (hi[i] * p - lo[i] * p) / 2.0).fold(0.0, f64::max);
    let q = HALF_BOX / half;
    let mut ff = FeedForward::new(
        0.0,
        DMatrix::zeros(1, d),
        DVector::from_element(1, 1.0),
        DMatrix::from_element(d, 1, 1.0),
    )
    .expect("one constant neuron with finite weights");
    for &i in &varying {
        let unit = DVector::from_fn(d, |j, _| if i == j { 1.0 } else { 0.0 });
        ff.push_neuron(&(&unit * p), -lo[i] * p, &(&unit * q));
        ff.push_neuron(&(&unit * -p), lo[i] * p, &(&unit * -q));
    }
    ff
}

/// Gap between the largest and the second largest of the projections (on w) of a
/// sequence's distinct points.
fn leader_gap(projections: impl Iterator<Item = f64>) -> f64 {
    let (mut a, mut b) = (f64::NEG_INFINITY, f64::NEG_INFINITY);
    for p in projections {
        if p > a {
            b = a;
            a = p;
        } else if p > b {
            b = p;
        }
    }
    a - b
}

/// The two principal axes of the points (a sample of at most 20,000), or the coordinate
/// plane when d = 2.
fn view_plane(clouds: &[Cloud], d: usize) -> ([DVector<f64>; 2], Option<[f64; 2]>) {
    let axis = |i: usize| DVector::from_fn(d, |j, _| if i == j { 1.0 } else { 0.0 });
    if d <= 2 {
        return ([axis(0), axis(1.min(d - 1))], None);
    }
    let total: usize = clouds.iter().map(|c| c.n_points()).sum();
    let stride = (total / VIEW_SAMPLE).max(1);
    let mut mean = DVector::zeros(d);
    let mut n: f64 = 0.0;
    let mut cov = DMatrix::zeros(d, d);
    let sample = || clouds.iter().flat_map(|c| c.points.column_iter()).step_by(stride);
    for p in sample() {
        mean += p;
        n += 1.0;
    }
    mean /= n.max(1.0);
    let mut v = DVector::zeros(d);
    for p in sample() {
        v.copy_from(&p);
        v -= &mean;
        cov.ger(1.0, &v, &v, 1.0);
    }
    let eig = SymmetricEigen::new(cov);
    let mut idx: Vec<usize> = (0..d).collect();
    idx.sort_by(|&a, &b| eig.eigenvalues[b].total_cmp(&eig.eigenvalues[a]));
    let sum: f64 = eig.eigenvalues.iter().map(|v| v.max(0.0)).sum();
    if sum <= 0.0 {
        return ([axis(0), axis(1)], Some([0.0, 0.0]));
    }
    let a = eig.eigenvectors.column(idx[0]).into_owned();
    let b = eig.eigenvectors.column(idx[1]).into_owned();
    let explained = [eig.eigenvalues[idx[0]].max(0.0) / sum, eig.eigenvalues[idx[1]].max(0.0) / sum];
    ([a.normalize(), b.normalize()], Some(explained))
}
