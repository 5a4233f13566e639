//! Interpolation, stage 4 — place (one tent per read point, `floor(max_width / 3)` tents
//! per layer).
//!
//! Each layer takes, along some of the candidate directions g, the topmost read point not
//! yet placed (the one with the largest `g . x`) and moves it onto its target with a tent
//! on g at its level, half-width h (a power of two, at most half the gap to the nearest
//! other point along g):
//! ```text
//! D [ relu(z + 1) - 2 relu(z) + relu(z - 1) ],   z = (g.x - level) / h.
//! ```
//! Every other unplaced point is at least 2h below along g, and (after park) every target
//! is far below too, so on every token but the point's own every neuron of the tent is
//! inactive: nothing else moves, not even by a rounding error, and a placed point never
//! moves again. Further points of one layer are each topmost among the points not picked
//! before them; the points picked before may lie above their slabs and see a rounding
//! leak, which the correction below absorbs.
//!
//! Exactness: with h a power of two, `U = g / h` and the bias `-level / h` are exact, and
//! the level is the layer's own dot product at the point, so the point sits exactly at
//! `z = 0`. The displacement is computed from the forward pass's actual state before the
//! layer, `D = y - x` (minus the park shift in the park layer), and then corrected against
//! the layer's own output on the point until that output is the target (rounding of the
//! last addition aside). The tokens are followed with a [`Sweep`], the forward pass that
//! only evaluates neurons that can be active; it also certifies that nothing but the
//! picked points moved. The last attention layer scales by rho = 1 / eta, which undoes the
//! normalization's scale: outputs land on the targets in the data's coordinates.

use super::geometry::{eps_eq, min_gap};
use crate::notation::short;
use super::park::{Member, Parked, ReadPoint};
use crate::error::{Error, Result};
use crate::model::{Block, FeedForward, LayerMeta, SelfAttention, Stage, Sweep, Tent, TentRole, Value};
use nalgebra::{DMatrix, DVector};

/// Half-widths of place tents are at most this (in the frame, where the data's range is
/// about 1; park keeps targets 1 below every read point).
const MAX_HALF: f64 = 0.25;

pub struct Placed {
    pub blocks: Vec<Block>,
    pub read_points: usize,
    /// smallest gap below a picked point along its direction
    pub min_gap: f64,
    /// worst distance of a placed read token to its target (frame units), as the stage saw it
    pub max_error: f64,
}

pub struct Input<'a> {
    pub parked: Parked,
    pub max_width: usize,
    pub names: &'a [String],
}

/// A point picked for a layer: its index, direction, and the gap below it.
struct Pick {
    point: usize,
    top: usize,
    dir: usize,
    gap: f64,
    below: Option<usize>,
}

pub fn run(input: Input) -> Result<Placed> {
    let Input { parked, max_width, names } = input;
    let Parked { mut sweep, members, points, targets, rho, pending, shift, lift } = parked;
    let d = shift.len();
    let n_points = points.len();
    let point_of: Vec<usize> = members.iter().map(|m| m.point).collect();
    let mut placed = vec![false; n_points];
    let mut left = n_points;
    let mut blocks: Vec<Block> = Vec::new();
    let mut min_gap = f64::INFINITY;
    let mut max_error: f64 = 0.0;
    let mut first = true;
    let mut pending = pending;
    let mut done = 0;

    while first || left > 0 {
        let mut fixed: Vec<Tent> = Vec::new();
        let mut width = 0;
        if first {
            if let Some(t) = pending.take() {
                width += t.width();
                fixed.push(t);
            }
            width += 1;
        }
        // with a move-back in the layer the decisions wait for the next one
        let room = if first && !fixed.is_empty() { 0 } else { (max_width - width) / 3 };
        let picks = if room > 0 { pick(&sweep, &point_of, &placed, &members, room, names)? } else { Vec::new() };

        // tents at the actual state, then corrected against the layer's own output
        let reps: Vec<usize> = picks.iter().map(|p| points[p.point].members[0]).collect();
        let x = sweep.tokens().select_columns(reps.iter());
        let mut tents: Vec<Tent> = Vec::with_capacity(picks.len());
        for (i, p) in picks.iter().enumerate() {
            // the vector the sweep's direction was made from, so that the rows g / h are
            // recognized as that direction (normalizing twice may move a last bit)
            let g = sweep.given_direction(p.dir).clone();
            let h = power_of_two_below((p.gap / 2.0).min(MAX_HALF));
            let u = &g / h;
            let mut s = 0.0;
            for (a, b) in u.iter().zip(x.column(i).iter()) {
                s += a * b;
            }
            let mut disp = &targets[points[p.point].target] - x.column(i);
            if first {
                disp -= &shift;
            }
            tents.push(Tent::point(g, s * h, h, disp, TentRole::Place));
            min_gap = min_gap.min(p.gap);
        }
        let build = |tents: &[Tent]| {
            let mut ff = FeedForward::scaling(d, 1.0);
            for t in &fixed {
                t.add_to(&mut ff);
            }
            if first {
                ff.push_neuron(&DVector::zeros(d), 1.0, &shift);
            }
            for t in tents {
                t.add_to(&mut ff);
            }
            ff
        };
        if !tents.is_empty() {
            // a point's output depends on its own displacement and on the (rounding) leak of
            // tents picked after it; as many rounds as picks settle every one
            for _ in 0..picks.len() + 2 {
                let candidate = build(&tents);
                let out = candidate.forward(&x);
                let mut worst: f64 = 0.0;
                for (i, p) in picks.iter().enumerate() {
                    let e = out.column(i) - &targets[points[p.point].target];
                    worst = worst.max(e.amax());
                    tents[i].displacement -= e;
                }
                if worst == 0.0 {
                    break;
                }
            }
        }
        let ff = build(&tents);

        let changed = sweep.apply_ff(&ff);
        for &i in &changed {
            let p = point_of[i];
            if placed[p] {
                return Err(Error::Construction(format!(
                    "a placed read token of sequence {} moved again",
                    members[i].seq + 1
                )));
            }
            if !first && !picks.iter().any(|q| q.point == p) {
                return Err(Error::Construction(format!(
                    "a place tent moved a read token of sequence {} outside its slab",
                    members[i].seq + 1
                )));
            }
        }
        for p in &picks {
            let y = &targets[points[p.point].target];
            for &i in &points[p.point].members {
                let e = (sweep.tokens().column(i) - y).amax();
                let scale = y.amax().max(1.0);
                if !(e <= 1e-12 * scale + 4.0 * eps_eq(y.len(), scale)) {
                    return Err(Error::Construction(format!(
                        "a read point of sequence {} missed its target by {e:.3e}",
                        members[i].seq + 1
                    )));
                }
                max_error = max_error.max(e);
            }
            placed[p.point] = true;
            left -= 1;
        }

        let first_done = done + 1;
        done += picks.len();
        let caption = if first {
            let back = if fixed.is_empty() { "" } else { "First the token the last split lifted out comes back down. " };
            format!(
                "{back}Park: every token takes the same step, {} along w and back by the shift the normalize stage added (one neuron that is always on), so every read token is now higher than every target. From here on a tent can grab the highest read token without touching the ones below it. {}",
                short(lift),
                placing_caption(&picks, &points, &members, names, first_done, n_points)
            )
        } else {
            placing_caption(&picks, &points, &members, names, first_done, n_points)
        };
        let mut all_tents = fixed;
        all_tents.extend(tents);
        let stage = if first { Stage::Park } else { Stage::Place };
        blocks.push(Block {
            ff,
            sa: SelfAttention::identity(d),
            ff_meta: LayerMeta { stage, caption: caption.trim_end().to_string(), tents: all_tents },
            sa_meta: LayerMeta {
                stage,
                caption: format!(
                    "{}: this attention layer does nothing (it is the identity); in this stage only the feed-forward layers move tokens.",
                    if first { "Park" } else { "Place" }
                ),
                tents: vec![],
            },
        });
        first = false;
    }

    // the output layer: undo the normalization's scale
    if let Some(last) = blocks.last_mut() {
        last.sa = SelfAttention::new(rho, DMatrix::zeros(0, d), DMatrix::zeros(0, d), Value::Zero)
            .expect("a pointwise scaling is well formed");
        last.sa_meta.caption = format!(
            "Output: this attention layer only rescales: it multiplies every token by {}, undoing the shrink of the normalize stage, and every read token lands exactly on its target ◇.",
            short(rho)
        );
        sweep.apply_sa(&last.sa)?;
    }
    Ok(Placed { blocks, read_points: n_points, min_gap, max_error })
}

/// The words for one place layer: which read tokens its tents grab and why nothing else moves
/// (empty when the layer places nothing).
fn placing_caption(picks: &[Pick], points: &[ReadPoint], members: &[Member], names: &[String], first: usize, of: usize) -> String {
    let who: Vec<String> = picks
        .iter()
        .map(|p| {
            let at = &points[p.point].members;
            let m = members[at[0]];
            let more = match at.len() {
                1 => String::new(),
                2 => " and the read token sitting on the same point".to_string(),
                k => format!(" and the {} read tokens sitting on the same point", k - 1),
            };
            format!("token {} of «{}»{more}", m.token + 1, names[m.seq])
        })
        .collect();
    match picks.len() {
        0 => String::new(),
        1 => format!(
            "Place {first} of {of}: of the read tokens still waiting, the highest along one of a few directions near w ({}) jumps straight onto its target ◇. The tent moves only what lies in its thin slab; every other token is below it and stays put, and tokens already placed sit on their targets, below every slab to come.",
            who[0]
        ),
        k => format!(
            "Place {first}–{} of {of}: {k} tents, each grabbing the highest read token still waiting along its own direction ({}), and each token jumps straight onto its target ◇. Every other token lies below the slabs and stays put.",
            first + k - 1,
            who.join("; ")
        ),
    }
}

/// The largest power of two not above `v` (v > 0).
fn power_of_two_below(v: f64) -> f64 {
    let mut h = 2f64.powi(v.log2().floor() as i32);
    while h > v {
        h /= 2.0;
    }
    while h * 2.0 <= v {
        h *= 2.0;
    }
    h
}

/// Up to `room` unplaced read points, picked one after the other: each is the topmost
/// along some direction among the points not picked yet, with the widest gap. Every
/// other point (picked ones included) lies outside its slab: unplaced ones below (exactly
/// untouched), points picked before it possibly above (their outputs see a rounding leak
/// of its neurons, which their own correction absorbs).
fn pick(
    sweep: &Sweep,
    point_of: &[usize],
    placed: &[bool],
    members: &[super::park::Member],
    room: usize,
    names: &[String],
) -> Result<Vec<Pick>> {
    let mut out: Vec<Pick> = Vec::new();
    while out.len() < room {
        let picked = |p: usize| out.iter().any(|q| q.point == p);
        let mut best: Option<Pick> = None;
        for k in 0..sweep.directions().len() {
            // the lowest picked point above, then the topmost unpicked point a and its extent
            let mut above = f64::INFINITY;
            let mut a: Option<(usize, usize, f64, f64)> = None; // (point, top token, high, low)
            let mut below = None;
            let mut gap_below = f64::INFINITY;
            for (proj, i) in sweep.descending(k) {
                let p = point_of[i];
                match a {
                    None if placed[p] => break,
                    None if picked(p) => above = above.min(proj),
                    None => a = Some((p, i, proj, proj)),
                    Some((ap, _, _, ref mut low)) if ap == p => *low = proj,
                    Some((_, _, _, low)) => {
                        below = Some(i);
                        gap_below = low - proj;
                        break;
                    }
                }
            }
            let Some((point, top, high, _)) = a else { continue };
            let gap = gap_below.min(above - high);
            if best.as_ref().map_or(true, |b| gap > b.gap) {
                best = Some(Pick { point, top, dir: k, gap, below });
            }
        }
        let Some(c) = best else { break };
        let level = sweep.projection(c.top, c.dir).abs();
        let floor = min_gap(sweep.tokens().nrows(), level).max(1e-12 * level);
        if c.gap < floor {
            if out.is_empty() {
                let a = members[c.top].seq;
                let b = c.below.map_or(a, |i| members[i].seq);
                return Err(Error::ReadPointsTooClose {
                    first: a.min(b) + 1,
                    first_name: names[a.min(b)].clone(),
                    second: a.max(b) + 1,
                    second_name: names[a.max(b)].clone(),
                    gap: c.gap,
                });
            }
            break;
        }
        out.push(c);
    }
    if out.is_empty() {
        return Err(Error::Construction("no read point is the topmost along any place direction".into()));
    }
    Ok(out)
}
