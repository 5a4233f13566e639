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
use super::park::Parked;
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
    let reads = Reads { point_of: members.iter().map(|m| m.point).collect(), members, points, targets, names };
    let mut progress = Progress::new(reads.points.len());
    let mut blocks: Vec<Block> = Vec::new();
    let mut pending = pending;
    let mut first = true;
    while first || progress.left > 0 {
        // the park layer: the last split's move-back (if any) and the park neuron
        let fixed: Vec<Tent> = if first { std::mem::take(&mut pending) } else { Vec::new() };
        let park = first.then_some(&shift);
        let picks = match room(&fixed, park.is_some(), max_width) {
            0 => Vec::new(),
            room => pick(&sweep, &reads.point_of, &progress.placed, &reads.members, room, names)?,
        };
        let x = sweep.tokens().select_columns(picks.iter().map(|p| &reads.points[p.point].members[0]));
        let mut tents = place_tents(&reads, &sweep, &picks, &x, park);
        let ff = settle(&reads, &picks, &x, &mut tents, |tents| layer(d, &fixed, park, tents));
        let changed = sweep.apply_ff(&ff);
        reads.check_moves(&progress.placed, &picks, &changed, first)?;
        let range = progress.land(&reads, &sweep, &picks)?;
        let caption = caption(&reads, &picks, &range, first.then_some((!fixed.is_empty(), lift)));
        let mut all_tents = fixed;
        all_tents.extend(tents);
        blocks.push(block(ff, first, caption, all_tents, d));
        first = false;
    }
    scale_output(&mut blocks, &mut sweep, rho, d)?;
    Ok(Placed { blocks, read_points: reads.points.len(), min_gap: progress.min_gap, max_error: progress.max_error })
}

/// The read tokens the stage places, and their names for captions and errors.
struct Reads<'a> {
    members: Vec<super::park::Member>,
    points: Vec<super::park::ReadPoint>,
    targets: Vec<DVector<f64>>,
    /// the read point of every sweep token
    point_of: Vec<usize>,
    names: &'a [String],
}

impl Reads<'_> {
    /// Only the picked points may move, and a placed point never moves again (the park
    /// layer moves everything).
    fn check_moves(&self, placed: &[bool], picks: &[Pick], changed: &[usize], first: bool) -> Result<()> {
        for &i in changed {
            let p = self.point_of[i];
            if placed[p] {
                return Err(Error::Construction(format!(
                    "a placed read token of sequence {} moved again",
                    self.members[i].seq + 1
                )));
            }
            if !first && !picks.iter().any(|q| q.point == p) {
                return Err(Error::Construction(format!(
                    "a place tent moved a read token of sequence {} outside its slab",
                    self.members[i].seq + 1
                )));
            }
        }
        Ok(())
    }
}

/// What the stage has placed so far.
struct Progress {
    placed: Vec<bool>,
    left: usize,
    done: usize,
    min_gap: f64,
    max_error: f64,
}

impl Progress {
    fn new(n_points: usize) -> Progress {
        Progress { placed: vec![false; n_points], left: n_points, done: 0, min_gap: f64::INFINITY, max_error: 0.0 }
    }

    /// Checks that every picked point landed on its target and marks it placed; returns the
    /// range of place numbers this layer took ("3" or "3–5").
    fn land(&mut self, reads: &Reads, sweep: &Sweep, picks: &[Pick]) -> Result<String> {
        for p in picks {
            self.min_gap = self.min_gap.min(p.gap);
            let y = &reads.targets[reads.points[p.point].target];
            for &i in &reads.points[p.point].members {
                let e = (sweep.tokens().column(i) - y).amax();
                let scale = y.amax().max(1.0);
                // a NaN error fails too
                if e.is_nan() || e > 1e-12 * scale + 4.0 * eps_eq(y.len(), scale) {
                    return Err(Error::Construction(format!(
                        "a read point of sequence {} missed its target by {e:.3e}",
                        reads.members[i].seq + 1
                    )));
                }
                self.max_error = self.max_error.max(e);
            }
            self.placed[p.point] = true;
            self.left -= 1;
        }
        let first_done = self.done + 1;
        self.done += picks.len();
        Ok(if picks.len() == 1 { format!("{first_done}") } else { format!("{first_done}–{}", self.done) })
    }
}

/// How many place tents fit in a layer beside the fixed tents and the park neuron; with a
/// move-back in the layer the decisions wait for the next one.
fn room(fixed: &[Tent], park: bool, max_width: usize) -> usize {
    if park && !fixed.is_empty() {
        return 0;
    }
    let width = fixed.iter().map(Tent::width).sum::<usize>() + park as usize;
    (max_width - width) / 3
}

/// One tent per picked point, at the actual state `x` of its first token, displacing it
/// onto its target (minus the park shift in the park layer).
fn place_tents(reads: &Reads, sweep: &Sweep, picks: &[Pick], x: &DMatrix<f64>, park: Option<&DVector<f64>>) -> Vec<Tent> {
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
        let mut disp = &reads.targets[reads.points[p.point].target] - x.column(i);
        if let Some(shift) = park {
            disp -= shift;
        }
        tents.push(Tent::point(g, s * h, h, disp, TentRole::Place));
    }
    tents
}

/// The feed-forward layer: the fixed tents, the park neuron (the park layer) and the place
/// tents.
fn layer(d: usize, fixed: &[Tent], park: Option<&DVector<f64>>, tents: &[Tent]) -> FeedForward {
    let mut ff = Tent::layer(d, fixed);
    if let Some(shift) = park {
        ff.push_neuron(&DVector::zeros(d), 1.0, shift);
    }
    for t in tents {
        t.add_to(&mut ff);
    }
    ff
}

/// Corrects the tents' displacements against the layer's own output on the picked points
/// until every output is its target, and returns the layer. A point's output depends on
/// its own displacement and on the (rounding) leak of tents picked after it; as many
/// rounds as picks settle every one.
fn settle(reads: &Reads, picks: &[Pick], x: &DMatrix<f64>, tents: &mut [Tent], build: impl Fn(&[Tent]) -> FeedForward) -> FeedForward {
    if !tents.is_empty() {
        for _ in 0..picks.len() + 2 {
            let out = build(tents).forward(x);
            let mut worst: f64 = 0.0;
            for (i, p) in picks.iter().enumerate() {
                let e = out.column(i) - &reads.targets[reads.points[p.point].target];
                worst = worst.max(e.amax());
                tents[i].displacement -= e;
            }
            if worst == 0.0 {
                break;
            }
        }
    }
    build(tents)
}

/// The caption of a place layer: which read tokens its tents grab and why nothing else moves;
/// `park` is (a move-back comes down, the lift) in the park layer.
fn caption(reads: &Reads, picks: &[Pick], range: &str, park: Option<(bool, f64)>) -> String {
    let who: Vec<String> = picks
        .iter()
        .map(|p| {
            let at = &reads.points[p.point].members;
            let m = reads.members[at[0]];
            let more = match at.len() {
                1 => String::new(),
                2 => " and the read token sitting on the same point".to_string(),
                k => format!(" and the {} read tokens sitting on the same point", k - 1),
            };
            format!("token {} of «{}»{more}", m.token + 1, reads.names[m.seq])
        })
        .collect();
    let of = reads.points.len();
    let placing = match picks.len() {
        0 => String::new(),
        1 => format!(
            "Place {range} of {of}: of the read tokens still waiting, the highest along one of a few directions near w ({}) jumps straight onto its target ◇. The tent moves only what lies in its thin slab; every other token is below it and stays put, and tokens already placed sit on their targets, below every slab to come.",
            who[0]
        ),
        k => format!(
            "Place {range} of {of}: {k} tents, each grabbing the highest read token still waiting along its own direction ({}), and each token jumps straight onto its target ◇. Every other token lies below the slabs and stays put.",
            who.join("; ")
        ),
    };
    match park {
        Some((move_back, lift)) => {
            let back = if move_back { "First the token the last split lifted out comes back down. " } else { "" };
            format!(
                "{back}Park: every token takes the same step, {} along w and back by the shift the normalize stage added (one neuron that is always on), so every read token is now higher than every target. From here on a tent can grab the highest read token without touching the ones below it. {placing}",
                short(lift)
            )
        }
        None => placing,
    }
}

/// A park or place block: the layer, then an identity attention layer.
fn block(ff: FeedForward, first: bool, caption: String, tents: Vec<Tent>, d: usize) -> Block {
    let stage = if first { Stage::Park } else { Stage::Place };
    Block {
        ff,
        sa: SelfAttention::identity(d),
        ff_meta: LayerMeta { stage, caption: caption.trim_end().to_string(), tents },
        sa_meta: LayerMeta {
            stage,
            caption: format!(
                "{}: this attention layer does nothing (it is the identity); in this stage only the feed-forward layers move tokens.",
                if first { "Park" } else { "Place" }
            ),
            tents: vec![],
        },
    }
}

/// The output layer: the last attention layer multiplies by rho, undoing the
/// normalization's scale.
fn scale_output(blocks: &mut [Block], sweep: &mut Sweep, rho: f64, d: usize) -> Result<()> {
    if let Some(last) = blocks.last_mut() {
        last.sa = SelfAttention::new(rho, DMatrix::zeros(0, d), DMatrix::zeros(0, d), Value::Zero)
            .expect("a pointwise scaling is well formed");
        last.sa_meta.caption = format!(
            "Output: this attention layer only rescales: it multiplies every token by {}, undoing the shrink of the normalize stage, and every read token lands exactly on its target ◇.",
            short(rho)
        );
        sweep.apply_sa(&last.sa)?;
    }
    Ok(())
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
            if best.as_ref().is_none_or(|b| gap > b.gap) {
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
