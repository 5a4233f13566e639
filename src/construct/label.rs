//! Stage 3 — label (one tent per run, two tents per block while the layer stays at most
//! six neurons wide; at most one run per distinct point).
//!
//! After the collapse every sequence is a point, and differently labeled points are
//! distinct. Choose a direction u along which the class changes as rarely as possible
//! (among random and class-mean directions, keeping a clear gap at every class change),
//! and e orthogonal to u, in the view plane. Sorted along u, the points form runs of one class. For each
//! run, a trapezoid on u covering exactly that run (ramps reaching halfway to the
//! neighbouring runs) moves it by `(z_k - mean e.P) e` toward its class code z_k.
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
    transformer::apply_block, Block, Cloud, FeedForward, LayerMeta, SelfAttention, Stage, Tent, TentRole,
};
use nalgebra::{DMatrix, DVector};

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
    // every collapsed point, with its sequence's label
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

    // choose u: fewest runs, then the widest gap at class changes
    let mut candidates: Vec<DVector<f64>> = vec![view[0].clone(), view[1].clone()];
    let mut means: Vec<(usize, DVector<f64>, f64)> = Vec::new();
    for (k, col) in pts.column_iter().enumerate() {
        match means.iter_mut().find(|m| m.0 == point_label[k]) {
            Some(m) => {
                m.1 += col;
                m.2 += 1.0;
            }
            None => means.push((point_label[k], col.into_owned(), 1.0)),
        }
    }
    let means: Vec<DVector<f64>> = means.into_iter().map(|(_, s, n)| s / n).collect();
    for a in 0..means.len().min(12) {
        for b in a + 1..means.len().min(12) {
            let v = &means[b] - &means[a];
            if v.norm() > 1e-12 {
                candidates.push(v.normalize());
            }
        }
    }
    for _ in 0..48 {
        candidates.push(rng.unit(d, false));
    }
    let floor = min_label_gap(d, size);
    let better = |a: (usize, f64), b: (usize, f64)| {
        let (ok, bok) = (a.1 >= floor, b.1 >= floor);
        (ok && !bok) || (ok == bok && (a.0 < b.0 || (a.0 == b.0 && a.1 > b.1)))
    };
    let mut scratch = Scratch::default();
    let mut best: Option<((usize, f64), DVector<f64>)> = None;
    for u in candidates {
        let score = score_direction(&u, &pts, &ids, &pos_label, labeling, &mut scratch);
        if best.as_ref().map_or(true, |b| better(score, b.0)) {
            best = Some((score, u));
        }
    }
    let (mut score, mut u) = best.ok_or_else(|| Error::Construction("no labeling direction".into()))?;
    // local search: small random turns of u that change the class less often
    let mut step = 0.3;
    for _ in 0..refine_steps(pts.ncols()) {
        let trial = (&u + rng.unit(d, false) * step).normalize();
        let s = score_direction(&trial, &pts, &ids, &pos_label, labeling, &mut scratch);
        if better(s, score) {
            score = s;
            u = trial;
        } else {
            step = (step * 0.97).max(0.02);
        }
    }
    let (runs, min_gap) = runs_along(&u, &pts, &ids, &pos_label, labeling);
    if runs.len() > 1 && min_gap < floor {
        return Err(Error::Construction(format!(
            "no direction separates the classes of the collapsed points (best gap {min_gap:.3e})"
        )));
    }

    // e lies in the view plane (so the moves along it are drawn at full length) and
    // points "up" on screen; f completes the view plane.
    let (e, f) = in_plane_frame(&u, view);

    let ep: Vec<f64> = pts.column_iter().map(|c| e.dot(&c)).collect();
    let (emin, emax) = ep.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(*v), b.max(*v)));
    let run_mean: Vec<f64> =
        runs.iter().map(|r| r.members.iter().map(|&k| ep[k]).sum::<f64>() / r.members.len() as f64).collect();
    let delta = runs
        .iter()
        .zip(&run_mean)
        .map(|(r, m)| r.members.iter().map(|&k| (ep[k] - m).abs()).fold(0.0, f64::max))
        .fold(0.0, f64::max);
    let spread = (emax - emin).max(1.0);
    let spacing = 2.0 * delta + CODE_SPACING * spread;
    // Class codes lie above every point along e, one rung per class in class order: every
    // run moves up by more than it spreads, so each cluster ends closer to its class's
    // rung (and to its anchor, which sits on that rung) than it started.
    let first_rung = emax + delta + CODE_CLEARANCE * spread;
    let code_of = |label: usize| first_rung + label as f64 * spacing;
    let mut present: Vec<usize> = runs.iter().map(|r| r.label).collect();
    present.sort_unstable();
    present.dedup();
    let pad = 0.05 * (spacing - 2.0 * delta);
    let codes: Vec<(usize, f64, f64)> =
        present.iter().map(|&l| (l, code_of(l) - delta - pad, code_of(l) + delta + pad)).collect();
    let anchors = place_anchors(&pts, &e, &f, classes.len(), &code_of, placement);

    // one tent per run; consecutive tents share a feed-forward layer while it stays at
    // most `max_width` neurons wide (their slabs along u are disjoint, their moves are
    // along e)
    let n_runs = runs.len();
    let mut tents: Vec<(Tent, String)> = Vec::with_capacity(n_runs);
    for (i, r) in runs.iter().enumerate() {
        let below = if i > 0 { Some(r.lo - runs[i - 1].hi) } else { None };
        let above = if i + 1 < n_runs { Some(runs[i + 1].lo - r.hi) } else { None };
        let mut left = below.or(above).unwrap_or(1.0) / 2.0;
        let mut right = above.or(below).unwrap_or(1.0) / 2.0;
        if r.lo == r.hi {
            // a single level: the symmetric three-neuron tent
            left = left.min(right);
            right = left;
        }
        let z = code_of(r.label);
        // The tent is written on -u: every point further along u (a later run, not yet
        // moved) lies below its slab and is left exactly unchanged; only points of earlier
        // runs see the tiny rounding leak of the cancelling neurons, which never carries
        // them into a later slab.
        let tent = Tent {
            role: TentRole::Label,
            direction: -&u,
            lo: -r.hi,
            hi: -r.lo,
            left: right,
            right: left,
            displacement: &e * (z - run_mean[i]),
        };
        let mut clusters: Vec<usize> = r.members.iter().map(|&k| ids[k]).collect();
        clusters.sort_unstable();
        clusters.dedup();
        let count = clusters.len();
        let what = format!(
            "{count} cluster{} of class «{}» to the code {}",
            if count == 1 { "" } else { "s" },
            classes[r.label],
            short(z)
        );
        tents.push((tent, what));
    }
    let mut layers: Vec<Vec<(Tent, String)>> = Vec::new();
    for t in tents {
        match layers.last_mut() {
            Some(l) if l.iter().map(|(t, _)| t.width()).sum::<usize>() + t.0.width() <= max_width => l.push(t),
            _ => layers.push(vec![t]),
        }
    }
    let mut clouds = clouds;
    let mut blocks = Vec::with_capacity(layers.len());
    let mut done = 0;
    for layer in layers {
        let mut ff = FeedForward::scaling(d, 1.0);
        for (t, _) in &layer {
            t.add_to(&mut ff);
        }
        let first = done + 1;
        done += layer.len();
        let range = if layer.len() == 1 { format!("{first}") } else { format!("{first}–{done}") };
        let moves: Vec<&str> = layer.iter().map(|(_, w)| w.as_str()).collect();
        let block = Block {
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
        };
        for cl in clouds.iter_mut() {
            apply_block(&block, cl);
        }
        blocks.push(block);
    }
    // every point must now sit on its class's plateau along e (what snap relies on)
    for (s, cl) in clouds.iter().enumerate() {
        let (_, lo, hi) = codes.iter().find(|c| c.0 == labels[s]).copied().unwrap_or((0, f64::NAN, f64::NAN));
        if let Some(z) = cl.points.column_iter().map(|c| e.dot(&c)).find(|z| !(*z >= lo && *z <= hi)) {
            return Err(Error::Construction(format!(
                "a label tent left a point of class {} at {z:e} along e, off its code's plateau [{lo:e}, {hi:e}]",
                classes[labels[s]]
            )));
        }
    }
    Ok(Labeled { blocks, clouds, u, e, codes, anchors, runs: n_runs, points: n_pos, min_gap })
}

/// Distance between two class rungs along e, as a fraction of the points' spread along e
/// (on top of twice the largest run spread).
const CODE_SPACING: f64 = 0.5;
/// Distance from the highest point to the first rung along e, as a fraction of the spread.
const CODE_CLEARANCE: f64 = 0.5;

/// The unit direction e in the view plane orthogonal to u, signed to point up (or right)
/// on screen, and f, the view-plane direction orthogonal to e.
///
/// For u = a v0 + b v1 + (a part outside the plane), `b v0 - a v1` lies in the plane and is
/// orthogonal to u; when u is orthogonal to the whole plane any view axis is.
pub fn in_plane_frame(u: &DVector<f64>, view: &[DVector<f64>; 2]) -> (DVector<f64>, DVector<f64>) {
    let (a, b) = (u.dot(&view[0]), u.dot(&view[1]));
    let mut e = if a.hypot(b) > 1e-9 { &view[0] * b - &view[1] * a } else { view[1].clone() };
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
    let half = (0.5 * (fhi - flo)).max(0.5);
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
    (40_000 / (n.max(1) + 50)).clamp(20, 400)
}

#[derive(Default)]
struct Scratch {
    range: Vec<(f64, f64)>,
    order: Vec<usize>,
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
    scratch.order.clear();
    scratch.order.extend(0..n_pos);
    scratch.order.sort_unstable_by(|&a, &b| range[a].0.total_cmp(&range[b].0).then(range[a].1.total_cmp(&range[b].1)).then(a.cmp(&b)));
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
