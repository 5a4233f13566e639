//! Stage 3 — label (one tent per run; tents of consecutive runs share a block while the
//! layer stays at most `max_width` neurons wide; at most one run per distinct point).
//!
//! After the collapse every sequence is a point, and differently labeled points are
//! distinct. Choose a direction u along which the class changes as rarely as possible
//! (among random and class-mean directions, keeping a clear gap at every class change),
//! and e orthogonal to u, in the view plane. Sorted along u, the points form runs of one class. For each
//! run, a trapezoid on u covering exactly that run (both ramps reaching halfway to the
//! nearer neighbouring run) moves it by `(z_k - mean e.P) e` toward its class code z_k.
//! Displacements are orthogonal to u, so projections on u never change and no tent
//! touches another run's slab. Afterwards e.x lies within `delta` of the class code, where
//! delta is the largest spread of a run along e, and codes are spaced by more than
//! `2 delta`. With `Labeling::Points` every distinct point gets its own tent (the plain
//! recipe: e.x equals the code).

use super::geometry::{cluster_positions, eps_eq, min_label_gap, size_of, Rng};
use crate::notation::short;
use super::{AnchorPlacement, Labeling};
use crate::error::{Error, Result};
use crate::model::{
    batch, Block, Cloud, LayerMeta, SelfAttention, Stage, Tent, TentRole,
};
use nalgebra::{DMatrix, DVector};
use crate::model::sweep::ord;

pub struct Labeled {
    pub blocks: Vec<Block>,
    pub clouds: Vec<Cloud>,
    pub u: DVector<f64>,
    pub e: DVector<f64>,
    /// (class, plateau lo, plateau hi) of e.x for every class present, by code
    pub codes: Vec<(usize, f64, f64)>,
    /// one anchor per class: on its class's rung (e.x = code), in the view plane
    pub anchors: Vec<DVector<f64>>,
    pub runs: usize,
    pub points: usize,
    /// smallest gap along u between two runs
    pub min_gap: f64,
}

pub struct Input<'a> {
    pub clouds: Vec<Cloud>,
    pub labels: &'a [usize],
    pub classes: &'a [String],
    pub view: &'a [DVector<f64>; 2],
    pub labeling: Labeling,
    pub placement: AnchorPlacement,
    /// hidden neurons per feed-forward layer (`Options::max_width`)
    pub max_width: usize,
}

struct Run {
    label: usize,
    members: Vec<usize>,
    lo: f64,
    hi: f64,
}

pub fn run(input: Input, rng: &mut Rng) -> Result<Labeled> {
    let Input { clouds, labels, classes, view, labeling, placement, max_width } = input;
    let d = view[0].len();
    let points = Collapsed::gather(&clouds, labels, classes, d)?;
    let (u, runs, min_gap) = choose_direction(&points, view, labeling, rng)?;
    // e lies in the view plane (so the moves along it are drawn at full length) and
    // points "up" on screen; f completes the view plane.
    let (e, f) = in_plane_frame(&u, view);
    let rungs = Rungs::new(&points.pts, &e, &runs);
    let codes = rungs.plateaus(&runs);
    let anchors = place_anchors(&points.pts, &e, &f, classes.len(), &|l| rungs.code(l), placement);
    let tents = run_tents(&runs, &points.ids, &u, &e, &rungs, classes);
    let (blocks, clouds) = label_blocks(pack_layers(tents, max_width), clouds, d, runs.len());
    check_plateaus(&clouds, labels, classes, &e, &codes)?;
    Ok(Labeled { blocks, clouds, u, e, codes, anchors, runs: runs.len(), points: points.n_pos(), min_gap })
}

/// Every collapsed point with its sequence's label, clustered into positions.
struct Collapsed {
    /// the points, one column each
    pts: DMatrix<f64>,
    /// the label of each point's sequence
    point_label: Vec<usize>,
    /// the position (cluster) of each point
    ids: Vec<usize>,
    /// the label of each position
    pos_label: Vec<usize>,
    /// the largest point norm (what rounding errors scale with)
    size: f64,
}

impl Collapsed {
    /// Gathers the points; two differently labeled points at one position are an error
    /// (the collapse should have kept them apart).
    fn gather(clouds: &[Cloud], labels: &[usize], classes: &[String], d: usize) -> Result<Collapsed> {
        let mut cols = Vec::new();
        let mut point_label = Vec::new();
        for (s, cl) in clouds.iter().enumerate() {
            for col in cl.points.column_iter() {
                cols.push(col.into_owned());
                point_label.push(labels[s]);
            }
        }
        let pts = DMatrix::from_columns(&cols);
        let size = size_of(&pts);
        let ids = cluster_positions(&pts, eps_eq(d, size));
        let n_pos = ids.iter().copied().max().map_or(0, |m| m + 1);
        let mut pos_label = vec![usize::MAX; n_pos];
        for (k, &p) in ids.iter().enumerate() {
            if pos_label[p] == usize::MAX {
                pos_label[p] = point_label[k];
            } else if pos_label[p] != point_label[k] {
                return Err(Error::Construction(format!(
                    "two differently labeled sequences collapsed onto the same point (classes {} and {})",
                    classes[pos_label[p]], classes[point_label[k]]
                )));
            }
        }
        Ok(Collapsed { pts, point_label, ids, pos_label, size })
    }

    fn n_pos(&self) -> usize {
        self.pos_label.len()
    }

    /// (number of runs, smallest gap between runs) along u.
    fn score(&self, u: &DVector<f64>, labeling: Labeling, scratch: &mut Scratch) -> (usize, f64) {
        score_direction(u, &self.pts, &self.ids, &self.pos_label, labeling, scratch)
    }
}

/// Is the score (runs, gap) `a` better than `b`? A gap of at least `floor` first, then
/// fewer runs, then a wider gap.
fn better(a: (usize, f64), b: (usize, f64), floor: f64) -> bool {
    let (ok, bok) = (a.1 >= floor, b.1 >= floor);
    (ok && !bok) || (ok == bok && (a.0 < b.0 || (a.0 == b.0 && a.1 > b.1)))
}

/// Chooses u: the best candidate (fewest runs, then the widest gap at class changes),
/// refined by small random turns. Returns u, the runs along it and their smallest gap;
/// a gap below `min_label_gap` is an error.
fn choose_direction(
    points: &Collapsed,
    view: &[DVector<f64>; 2],
    labeling: Labeling,
    rng: &mut Rng,
) -> Result<(DVector<f64>, Vec<Run>, f64)> {
    let d = view[0].len();
    let floor = min_label_gap(d, points.size);
    let mut scratch = Scratch::default();
    let mut best: Option<((usize, f64), DVector<f64>)> = None;
    for u in candidate_directions(points, view, rng) {
        let score = points.score(&u, labeling, &mut scratch);
        if best.as_ref().is_none_or(|b| better(score, b.0, floor)) {
            best = Some((score, u));
        }
    }
    let (score, u) = best.ok_or_else(|| Error::Construction("no labeling direction".into()))?;
    let u = refine_direction(points, u, score, floor, labeling, rng, &mut scratch);
    let (runs, min_gap) = runs_along(&u, &points.pts, &points.ids, &points.pos_label, labeling);
    if runs.len() > 1 && min_gap < floor {
        return Err(Error::Construction(format!(
            "no direction separates the classes of the collapsed points (best gap {min_gap:.3e})"
        )));
    }
    Ok((u, runs, min_gap))
}

/// Candidates for u: the two view axes, the differences of class means (of the first
/// [`MEAN_PAIR_CLASSES`] classes met) and [`RANDOM_CANDIDATES`] random directions.
fn candidate_directions(points: &Collapsed, view: &[DVector<f64>; 2], rng: &mut Rng) -> Vec<DVector<f64>> {
    let d = view[0].len();
    let mut candidates: Vec<DVector<f64>> = vec![view[0].clone(), view[1].clone()];
    let mut means: Vec<(usize, DVector<f64>, f64)> = Vec::new();
    for (k, col) in points.pts.column_iter().enumerate() {
        match means.iter_mut().find(|m| m.0 == points.point_label[k]) {
            Some(m) => {
                m.1 += col;
                m.2 += 1.0;
            }
            None => means.push((points.point_label[k], col.into_owned(), 1.0)),
        }
    }
    let means: Vec<DVector<f64>> = means.into_iter().map(|(_, s, n)| s / n).collect();
    let paired = means.len().min(MEAN_PAIR_CLASSES);
    for a in 0..paired {
        for b in a + 1..paired {
            let v = &means[b] - &means[a];
            if v.norm() > MEAN_DIFFERENCE_FLOOR {
                candidates.push(v.normalize());
            }
        }
    }
    for _ in 0..RANDOM_CANDIDATES {
        candidates.push(rng.unit(d, false));
    }
    candidates
}

/// Local search: small random turns of u that change the class less often (or widen the
/// smallest gap); the turn shrinks after every failed try.
fn refine_direction(
    points: &Collapsed,
    mut u: DVector<f64>,
    mut score: (usize, f64),
    floor: f64,
    labeling: Labeling,
    rng: &mut Rng,
    scratch: &mut Scratch,
) -> DVector<f64> {
    let d = u.len();
    let mut step = TURN_START;
    for _ in 0..refine_steps(points.pts.ncols()) {
        let trial = (&u + rng.unit(d, false) * step).normalize();
        let s = points.score(&trial, labeling, scratch);
        if better(s, score, floor) {
            score = s;
            u = trial;
        } else {
            step = (step * TURN_SHRINK).max(TURN_MIN);
        }
    }
    u
}

/// The class codes along e: one rung per class in class order, above every point.
struct Rungs {
    /// the code of class 0
    first: f64,
    /// the distance between neighbouring rungs
    spacing: f64,
    /// the largest spread of a run along e around its mean
    delta: f64,
    /// each run's mean along e
    run_mean: Vec<f64>,
}

impl Rungs {
    /// Codes lie above every point along e, one rung per class in class order: every run
    /// moves up by more than it spreads, so each cluster ends closer to its class's rung
    /// (and to its anchor, which sits on that rung) than it started.
    fn new(pts: &DMatrix<f64>, e: &DVector<f64>, runs: &[Run]) -> Rungs {
        let ep: Vec<f64> = pts.column_iter().map(|c| e.dot(&c)).collect();
        let (emin, emax) = ep.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(*v), b.max(*v)));
        let run_mean: Vec<f64> =
            runs.iter().map(|r| r.members.iter().map(|&k| ep[k]).sum::<f64>() / r.members.len() as f64).collect();
        let delta = runs
            .iter()
            .zip(&run_mean)
            .map(|(r, m)| r.members.iter().map(|&k| (ep[k] - m).abs()).fold(0.0, f64::max))
            .fold(0.0, f64::max);
        let spread = (emax - emin).max(MIN_SPREAD);
        let spacing = 2.0 * delta + CODE_SPACING * spread;
        let first = emax + delta + CODE_CLEARANCE * spread;
        Rungs { first, spacing, delta, run_mean }
    }

    /// The code (rung along e) of a class.
    fn code(&self, label: usize) -> f64 {
        self.first + label as f64 * self.spacing
    }

    /// (class, plateau lo, plateau hi) for every class present, by code: the rung plus
    /// the run spread and a [`PLATEAU_PAD`] share of the free space between rungs.
    fn plateaus(&self, runs: &[Run]) -> Vec<(usize, f64, f64)> {
        let mut present: Vec<usize> = runs.iter().map(|r| r.label).collect();
        present.sort_unstable();
        present.dedup();
        let pad = PLATEAU_PAD * (self.spacing - 2.0 * self.delta);
        present.iter().map(|&l| (l, self.code(l) - self.delta - pad, self.code(l) + self.delta + pad)).collect()
    }
}

/// One tent per run, with the words of its caption.
fn run_tents(
    runs: &[Run],
    ids: &[usize],
    u: &DVector<f64>,
    e: &DVector<f64>,
    rungs: &Rungs,
    classes: &[String],
) -> Vec<(Tent, String)> {
    let n_runs = runs.len();
    let mut tents: Vec<(Tent, String)> = Vec::with_capacity(n_runs);
    for (i, r) in runs.iter().enumerate() {
        let below = if i > 0 { Some(r.lo - runs[i - 1].hi) } else { None };
        let above = if i + 1 < n_runs { Some(runs[i + 1].lo - r.hi) } else { None };
        // Both ramps get the narrower half-gap: then all of the tent's neurons share one
        // row of U (a single level gives the three-neuron tent), and a point beyond the
        // slab, where every neuron is active, is moved by the group's constant, which
        // vanishes exactly for evenly spaced biases: it stays where it is, bitwise, and
        // later layers need not look at it.
        let ramp = below.into_iter().chain(above).reduce(f64::min).unwrap_or(LONE_RUN_GAP) / 2.0;
        let (left, right) = (ramp, ramp);
        let z = rungs.code(r.label);
        // The tent is written on -u: every point further along u (a later run, not yet
        // moved) lies below its slab and is left exactly unchanged; points of earlier runs
        // lie above it, where the cancelling neurons add their exact constant (zero, or
        // for uneven biases a rounding leak that never carries them into a later slab).
        let tent = Tent {
            role: TentRole::Label,
            direction: -u,
            lo: -r.hi,
            hi: -r.lo,
            left: right,
            right: left,
            displacement: e * (z - rungs.run_mean[i]),
        };
        tents.push((tent, run_move(r, ids, &classes[r.label], z)));
    }
    tents
}

/// "N clusters of class «c» to the code z": what a run's tent does.
fn run_move(r: &Run, ids: &[usize], class: &str, z: f64) -> String {
    let mut clusters: Vec<usize> = r.members.iter().map(|&k| ids[k]).collect();
    clusters.sort_unstable();
    clusters.dedup();
    let count = clusters.len();
    format!("{count} cluster{} of class «{class}» to the code {}", if count == 1 { "" } else { "s" }, short(z))
}

/// Consecutive tents share a feed-forward layer while it stays at most `max_width`
/// neurons wide (their slabs along u are disjoint, their moves are along e).
fn pack_layers(tents: Vec<(Tent, String)>, max_width: usize) -> Vec<Vec<(Tent, String)>> {
    let mut layers: Vec<Vec<(Tent, String)>> = Vec::new();
    for t in tents {
        match layers.last_mut() {
            Some(l) if l.iter().map(|(t, _)| t.width()).sum::<usize>() + t.0.width() <= max_width => l.push(t),
            _ => layers.push(vec![t]),
        }
    }
    layers
}

/// One block per layer of tents, then the clouds through all of them: in one sweep (a
/// layer costs about the points inside its slabs; bitwise the dense pass, which is the
/// fallback).
fn label_blocks(layers: Vec<Vec<(Tent, String)>>, mut clouds: Vec<Cloud>, d: usize, n_runs: usize) -> (Vec<Block>, Vec<Cloud>) {
    let mut blocks = Vec::with_capacity(layers.len());
    let mut done = 0;
    for layer in layers {
        let first = done + 1;
        done += layer.len();
        blocks.push(label_block(layer, first, done, n_runs, d));
    }
    if batch::sweep_clouds(&mut clouds, &blocks, d, |_, _, _| {}).is_none() {
        for block in &blocks {
            batch::apply_to_all(block, &mut clouds);
        }
    }
    (blocks, clouds)
}

/// The block of runs `first..=last` (1-based, of `n_runs`): their tents in one
/// feed-forward layer, and an identity attention layer.
fn label_block(layer: Vec<(Tent, String)>, first: usize, last: usize, n_runs: usize, d: usize) -> Block {
    let ff = Tent::layer(d, layer.iter().map(|(t, _)| t));
    let range = if layer.len() == 1 { format!("{first}") } else { format!("{first}–{last}") };
    let moves: Vec<&str> = layer.iter().map(|(_, w)| w.as_str()).collect();
    Block {
        ff,
        sa: SelfAttention::identity(d),
        ff_meta: LayerMeta {
            stage: Stage::Label,
            caption: format!(
                "Label run {range} of {n_runs}: {} on u move{} {} along e.",
                if layer.len() == 1 { "a tent" } else { "tents" },
                if layer.len() == 1 { "s" } else { "" },
                moves.join(", and ")
            ),
            tents: layer.into_iter().map(|(t, _)| t).collect(),
        },
        sa_meta: LayerMeta {
            stage: Stage::Label,
            caption: "Label: this attention layer is the identity (nothing moves).".into(),
            tents: vec![],
        },
    }
}

/// Every point must now sit on its class's plateau along e (what snap relies on).
fn check_plateaus(
    clouds: &[Cloud],
    labels: &[usize],
    classes: &[String],
    e: &DVector<f64>,
    codes: &[(usize, f64, f64)],
) -> Result<()> {
    for (s, cl) in clouds.iter().enumerate() {
        let (_, lo, hi) = codes.iter().find(|c| c.0 == labels[s]).copied().unwrap_or((0, f64::NAN, f64::NAN));
        if let Some(z) = cl.points.column_iter().map(|c| e.dot(&c)).find(|z| !(*z >= lo && *z <= hi)) {
            return Err(Error::Construction(format!(
                "a label tent left a point of class {} at {z:e} along e, off its code's plateau [{lo:e}, {hi:e}]",
                classes[labels[s]]
            )));
        }
    }
    Ok(())
}

/// Distance between two class rungs along e, as a fraction of the points' spread along e
/// (on top of twice the largest run spread).
const CODE_SPACING: f64 = 0.5;
/// Distance from the highest point to the first rung along e, as a fraction of the spread.
const CODE_CLEARANCE: f64 = 0.5;
/// The smallest spread along e the rungs are scaled by: the normalized data's range is 1,
/// so points that barely spread along e still get rungs a data range apart.
const MIN_SPREAD: f64 = 1.0;
/// The share of the free space between two rungs (spacing minus twice the run spread)
/// added on either side of a code's plateau. A label tent lands its points within 1/1000
/// of their move (`geometry::min_label_gap`), far inside this margin, and neighbouring
/// plateaus stay 90% of the free space apart for snap.
const PLATEAU_PAD: f64 = 0.05;
/// The gap assumed on either side of the only run (there is no neighbour to reach
/// halfway to): ramps of half the normalized data range.
const LONE_RUN_GAP: f64 = 1.0;
/// Class means paired into candidate directions: the first 12 classes met give 66 pairs,
/// enough to catch the main class structure without quadratic cost for many classes.
const MEAN_PAIR_CLASSES: usize = 12;
/// Two class means closer than this give no candidate direction (their difference is
/// rounding noise, and normalizing it would amplify that noise).
const MEAN_DIFFERENCE_FLOOR: f64 = 1e-12;
/// Random candidate directions tried besides the view axes and class-mean differences.
const RANDOM_CANDIDATES: usize = 48;
/// The local search's first turn of u (the length of the random step added to the unit u).
const TURN_START: f64 = 0.3;
/// The turn shrinks by this factor after every try that does not improve u...
const TURN_SHRINK: f64 = 0.97;
/// ...down to this smallest turn, so the search keeps exploring near u.
const TURN_MIN: f64 = 0.02;
/// The local search's budget: steps times (points + [`REFINE_OVERHEAD`]) stays near this.
const REFINE_BUDGET: usize = 40_000;
/// The fixed cost of one step, in points (scoring a direction also sorts the positions).
const REFINE_OVERHEAD: usize = 50;
/// The fewest and the most refinement steps, whatever the number of points.
const REFINE_STEPS: (usize, usize) = (20, 400);
/// Below this length the projection of u on the view plane carries no direction: u is
/// (numerically) orthogonal to the plane and any view axis is orthogonal to u.
const IN_PLANE_FLOOR: f64 = 1e-9;
/// The smallest half-extent along f over which `AnchorPlacement::Circle` spreads the
/// anchors (half the normalized data range), so one-class-wide data still spreads them.
const MIN_ANCHOR_HALF_SPREAD: f64 = 0.5;

/// The unit direction e in the view plane orthogonal to u, signed to point up (or right)
/// on screen, and f, the view-plane direction orthogonal to e.
///
/// For u = a v0 + b v1 + (a part outside the plane), `b v0 - a v1` lies in the plane and is
/// orthogonal to u; when u is orthogonal to the whole plane any view axis is.
pub fn in_plane_frame(u: &DVector<f64>, view: &[DVector<f64>; 2]) -> (DVector<f64>, DVector<f64>) {
    let (a, b) = (u.dot(&view[0]), u.dot(&view[1]));
    let mut e = if a.hypot(b) > IN_PLANE_FLOOR { &view[0] * b - &view[1] * a } else { view[1].clone() };
    e -= u * u.dot(&e);
    e /= e.norm();
    let (ex, ey) = (e.dot(&view[0]), e.dot(&view[1]));
    if ey < 0.0 || (ey == 0.0 && ex < 0.0) {
        e = -e;
    }
    let (ex, ey) = (e.dot(&view[0]), e.dot(&view[1]));
    let f = (&view[0] * ey - &view[1] * ex).normalize();
    (e, f)
}

/// One anchor per class, on its rung: `e.anchor = code(class)`. Across the view plane
/// the anchors keep the points' centroid except along f, where `Circle` spreads them evenly
/// over the points' extent (a rising diagonal) and `Line` keeps them on the centre line.
fn place_anchors(
    pts: &DMatrix<f64>,
    e: &DVector<f64>,
    f: &DVector<f64>,
    classes: usize,
    code_of: &dyn Fn(usize) -> f64,
    placement: AnchorPlacement,
) -> Vec<DVector<f64>> {
    let n = pts.ncols().max(1) as f64;
    let centroid: DVector<f64> = pts.column_sum() / n;
    let fp: Vec<f64> = pts.column_iter().map(|c| f.dot(&c)).collect();
    let (flo, fhi) = fp.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(*v), b.max(*v)));
    let fc = f.dot(&centroid);
    let half = (0.5 * (fhi - flo)).max(MIN_ANCHOR_HALF_SPREAD);
    let (ec, fmid) = (e.dot(&centroid), 0.5 * (flo + fhi));
    (0..classes)
        .map(|k| {
            let across = match placement {
                AnchorPlacement::Circle if classes > 1 => fmid - half + 2.0 * half * k as f64 / (classes - 1) as f64,
                _ => fc,
            };
            &centroid + e * (code_of(k) - ec) + f * (across - fc)
        })
        .collect()
}

/// How many refinement steps the search for u can afford for `n` points.
fn refine_steps(n: usize) -> usize {
    (REFINE_BUDGET / (n.max(1) + REFINE_OVERHEAD)).clamp(REFINE_STEPS.0, REFINE_STEPS.1)
}

#[derive(Default)]
struct Scratch {
    range: Vec<(f64, f64)>,
    order: Vec<usize>,
    /// (lower end, upper end, position) with the ends as order keys (`ord`: the order of
    /// `f64::total_cmp`), sorted as plain integers
    keys: Vec<(u64, u64, usize)>,
}

/// Walks the clustered positions in order along u (by the lower, then the upper end of
/// their u-range) and groups them into runs of one label (with `Labeling::Points`, only
/// overlapping positions of one label share a run). `visit(p, gap)` is called for every
/// position: `gap` is `Some(distance to the previous run)` when p starts a new run after
/// another, `Some(inf)` for the first run, `None` when p extends the current run.
fn walk_runs(
    u: &DVector<f64>,
    pts: &DMatrix<f64>,
    ids: &[usize],
    pos_label: &[usize],
    labeling: Labeling,
    scratch: &mut Scratch,
    mut visit: impl FnMut(usize, (f64, f64), Option<f64>),
) {
    let n_pos = pos_label.len();
    scratch.range.clear();
    scratch.range.resize(n_pos, (f64::INFINITY, f64::NEG_INFINITY));
    for (k, col) in pts.column_iter().enumerate() {
        let p = u.dot(&col);
        let r = &mut scratch.range[ids[k]];
        r.0 = r.0.min(p);
        r.1 = r.1.max(p);
    }
    let range = &scratch.range;
    // by the lower end, then the upper end, then the index (every key differs, so the
    // order is the one total_cmp gives, whatever the sort)
    scratch.keys.clear();
    scratch.keys.extend(range.iter().enumerate().map(|(p, r)| (ord(r.0), ord(r.1), p)));
    scratch.keys.sort_unstable();
    scratch.order.clear();
    scratch.order.extend(scratch.keys.iter().map(|k| k.2));
    let mut last: Option<(usize, f64)> = None;
    for &p in &scratch.order {
        let (lo, hi) = range[p];
        let label = pos_label[p];
        match last {
            Some((l, h)) if l == label && (labeling == Labeling::Runs || lo <= h) => {
                last = Some((l, h.max(hi)));
                visit(p, (lo, hi), None);
            }
            Some((_, h)) => {
                last = Some((label, hi));
                visit(p, (lo, hi), Some(lo - h));
            }
            None => {
                last = Some((label, hi));
                visit(p, (lo, hi), Some(f64::INFINITY));
            }
        }
    }
}

/// (number of runs, smallest gap between runs) along u, without building the runs.
fn score_direction(
    u: &DVector<f64>,
    pts: &DMatrix<f64>,
    ids: &[usize],
    pos_label: &[usize],
    labeling: Labeling,
    scratch: &mut Scratch,
) -> (usize, f64) {
    let mut runs = 0;
    let mut gap = f64::INFINITY;
    walk_runs(u, pts, ids, pos_label, labeling, scratch, |_, _, new_run| {
        if let Some(g) = new_run {
            runs += 1;
            gap = gap.min(g);
        }
    });
    (runs, gap)
}

/// Runs of one label along u (over clustered positions), and the smallest gap between
/// neighbouring runs.
fn runs_along(
    u: &DVector<f64>,
    pts: &DMatrix<f64>,
    ids: &[usize],
    pos_label: &[usize],
    labeling: Labeling,
) -> (Vec<Run>, f64) {
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); pos_label.len()];
    for (k, &p) in ids.iter().enumerate() {
        members[p].push(k);
    }
    let mut runs: Vec<Run> = Vec::new();
    let mut gap = f64::INFINITY;
    walk_runs(u, pts, ids, pos_label, labeling, &mut Scratch::default(), |p, (lo, hi), new_run| {
        match (new_run, runs.last_mut()) {
            (None, Some(last)) => {
                last.hi = last.hi.max(hi);
                last.members.extend(members[p].iter().copied());
            }
            (g, _) => {
                gap = gap.min(g.unwrap_or(f64::INFINITY));
                runs.push(Run { label: pos_label[p], members: members[p].clone(), lo, hi });
            }
        }
    });
    (runs, gap)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::transformer::apply_block;

    /// Collapsed clouds (one point each, or a few) with random labels.
    fn clouds(n: usize, d: usize, rng: &mut Rng) -> (Vec<Cloud>, Vec<usize>) {
        let clouds = (0..n)
            .map(|i| Cloud::from_tokens(&DMatrix::from_fn(d, 1 + i % 3 / 2, |_, _| 1.0 + rng.uniform())))
            .collect();
        (clouds, (0..n).map(|_| (rng.uniform() * 4.0) as usize % 4).collect())
    }

    #[test]
    fn the_swept_label_stage_is_the_dense_one_bitwise() {
        let classes: Vec<String> = (0..4).map(|k| format!("c{k}")).collect();
        for (n, d, labeling, max_width) in
            [(300, 3, Labeling::Runs, 6), (200, 5, Labeling::Points, 24), (120, 2, Labeling::Runs, 96), (1, 2, Labeling::Runs, 6)]
        {
            let mut rng = Rng::new(n as u64);
            let (input, labels) = clouds(n, d, &mut rng);
            let view = [DVector::from_fn(d, |i, _| (i == 0) as u8 as f64), DVector::from_fn(d, |i, _| (i == 1) as u8 as f64)];
            let lab = run(
                Input { clouds: input.clone(), labels: &labels, classes: &classes, view: &view, labeling, placement: AnchorPlacement::Circle, max_width },
                &mut rng,
            )
            .unwrap();
            let mut dense = input;
            for b in &lab.blocks {
                for cl in dense.iter_mut() {
                    apply_block(b, cl);
                }
            }
            for (a, b) in dense.iter().zip(&lab.clouds) {
                let bits = |c: &Cloud| c.points.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(a), bits(b));
                assert_eq!(a.token_point, b.token_point);
            }
        }
    }
}
