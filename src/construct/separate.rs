//! Stage 1 — separate (one block per split, at most N - 1 splits).
//!
//! The task says which sequences conflict ([`Conflict`]). To classify: sequences grouped
//! by their collapse point (where the collapse attention puts all their tokens: the
//! leader, the token with the largest projection on w, or the mean of top tokens tied
//! within the attention tolerance), read from the attention layer itself, with different
//! labels; points closer than `geometry::separation` are grouped (transitively), since
//! the label stage could tell such points apart only along directions nearly parallel to
//! their difference. To interpolate: sequences whose read tokens share a position with
//! different targets. Each step:
//! 1. picks a position t present in some sequences of a conflict group and absent from
//!    others (greedily: the t that separates the most conflicting pairs; when no
//!    direction isolates it by `geometry::min_gap`, the next best, and `Error::TooClose`
//!    when none of a few can be);
//! 2. FF: a tent isolating t (direction g, half-width = half the smallest gap to any
//!    other position) with displacement `R w`, `R = top + m - w.t`: every token at t, in
//!    every sequence, jumps to `t'` at level `top + m` along w, above everything, and
//!    becomes the leader of the sequences containing it;
//! 3. SA: `rho = 1, Q = K = w^T, V = lambda c w^T`: each sequence translates rigidly by
//!    `lambda (w . leader) c`; sequences containing t move by `lambda (top + m)`, the
//!    others by less than `lambda top`, so the conflict group splits;
//! 4. the next block's FF brings t' back with a tent on w at level `top + m` (half-width
//!    m/2), sharing the layer with the next jump-out.
//!
//! c is orthogonal to w, so projections on w never change: leaders stay the same tokens
//! and every token keeps `w . x > 0`. Translations are rigid and grow coordinates only
//! additively. Every step splits at least one group, so there are at most N - 1 steps.
//! Two conflicting sequences with the same set of positions cannot be split: that is
//! reported by name.

use super::conflict::{Conflict, Tolerance};
use super::geometry::{dot, eps_eq, min_gap as gap_floor, separation, size_of, Rng};
use super::isolate::{isolate, Current, Distinct, Isolation, Pool};
use super::choose::{choose_split, Choice, Split, MAX_CANDIDATES};
use super::SplitChoice;
use crate::error::{Error, Result};
use crate::model::{
    batch, Block, Cloud, FeedForward, LayerMeta, SelfAttention, Stage, Tent, TentRole, Value,
};
use nalgebra::DVector;
use std::collections::HashMap;

pub struct Separated {
    pub blocks: Vec<Block>,
    /// the move-back tents of the last split, for the next stage's first FF layer
    pub pending: Vec<Tent>,
    pub clouds: Vec<Cloud>,
    pub splits: usize,
    /// smallest isolation gap of a jump-out tent (+inf without splits)
    pub min_isolation_gap: f64,
}

pub struct Input<'a> {
    pub clouds: Vec<Cloud>,
    /// which sequences must end up apart (the task's relation)
    pub conflict: &'a mut dyn Conflict,
    pub names: &'a [String],
    pub w: &'a DVector<f64>,
    pub c: &'a DVector<f64>,
    pub choice: SplitChoice,
    /// hidden neurons per feed-forward layer: a block jumps out up to `max_width / 6`
    /// tokens (3 neurons each, and 3 more each for their move-back in the next layer)
    pub max_width: usize,
}

struct StepInfo {
    a: usize,
    b: usize,
    /// sequences holding a jumped token
    containing: usize,
    /// tokens brought back down from the previous block
    moved_back: usize,
    /// positions jumped out in this block
    jumps: usize,
}

/// The fixed quantities of the stage: directions, names, and the levels along w (`top`:
/// the highest token at the start; a lone jumped token goes to `level = top + m`, several
/// go to levels [`LEVEL_SPACING`] m apart from there up).
struct Ctx<'a> {
    pub w: &'a DVector<f64>,
    pub c: &'a DVector<f64>,
    pub names: &'a [String],
    pub d: usize,
    pub top: f64,
    pub m: f64,
    pub level: f64,
    /// how many positions one block may jump out
    pub jumps: usize,
}

/// How far apart the levels of one block's jumped tokens are, in units of m. Each
/// move-back tent has half-width m/2, under half this spacing, so no move-back slab
/// reaches another level (nor, the lowest level being `top + m`, any token below).
const LEVEL_SPACING: f64 = 1.5;

/// The half-width of the i-th move-back tent of a block: m/2, a little less for each
/// next one (down to 3m/8 and no lower than 0.84 m/2 for the widest cap). The tents' rows
/// `w / half` then differ, so each is a group of its own: a token above one adds that
/// group's exact constant (zero) instead of walking every neuron of one long group of equal
/// rows, and the layer's index finds the one slab a jumped token is in.
fn move_back_half(m: f64, i: usize) -> f64 {
    m / 2.0 * (1.0 - (i as f64 * (-20f64).exp2()).min(0.25))
}

impl<'a> Ctx<'a> {
    pub fn new(clouds: &[Cloud], w: &'a DVector<f64>, c: &'a DVector<f64>, names: &'a [String], max_width: usize) -> Self {
        let (mut top, mut bottom) = (f64::NEG_INFINITY, f64::INFINITY);
        for cl in clouds {
            for col in cl.points.column_iter() {
                let p = w.dot(&col);
                top = top.max(p);
                bottom = bottom.min(p);
            }
        }
        let m = if top - bottom > 1e-6 { top - bottom } else { 1.0 };
        Ctx { w, c, names, d: w.len(), top, m, level: top + m, jumps: (max_width / 6).max(1) }
    }

    /// The level of the i-th of k positions jumped in one block: the first (the preferred
    /// candidate) highest, so that its holders always part from the sequences lacking it;
    /// `top + m` when k = 1.
    pub fn level_of(&self, i: usize, k: usize) -> f64 {
        self.top + self.m * (1.0 + (k - 1 - i) as f64 * LEVEL_SPACING)
    }

    /// A token above this level along w is still up from the previous split.
    pub fn is_high(&self, x: &[f64]) -> bool {
        dot(self.w.as_slice(), x) > self.top + self.m / 2.0
    }
}

/// The blocks built so far and the state between steps.
#[derive(Default)]
struct Steps {
    pub blocks: Vec<Block>,
    infos: Vec<StepInfo>,
    /// the move-back tents of the last split
    pub pending: Vec<Tent>,
    pub min_gap: f64,
    /// sequences holding a token that jumped in the last step
    pub holders: Vec<usize>,
}

/// One planned block and its caption facts.
struct Planned {
    pub block: Block,
    info: StepInfo,
}

impl Steps {
    pub fn new() -> Self {
        Steps { min_gap: f64::INFINITY, ..Steps::default() }
    }

    /// Refuses to go on past N + 1 steps (each step splits some group).
    pub fn guard(&self, n: usize) -> Result<()> {
        if self.infos.len() > n + 1 {
            return Err(Error::Construction(format!(
                "the separate stage did not finish after {} splits for {n} sequences",
                self.infos.len()
            )));
        }
        Ok(())
    }

    /// The move-back FF of the pending tents alone (for the preview), if any.
    pub fn move_back_ff(&self, d: usize) -> Option<FeedForward> {
        (!self.pending.is_empty()).then(|| Tent::layer(d, &self.pending))
    }

    /// The split candidates of a choice; errors when no split is possible.
    pub fn decide(&self, choice: Choice, conflict: &dyn Conflict, eps: f64) -> Result<Option<Vec<Split>>> {
        let split = match choice {
            Choice::Split(split) => Some(split),
            Choice::OnlyHigh => None,
            Choice::Indistinguishable(a, b) => return Err(conflict.inseparable(a, b, eps)),
        };
        if split.is_none() && self.pending.is_empty() {
            return Err(Error::Construction("no token can split a conflict group".into()));
        }
        Ok(split)
    }

    pub fn push(&mut self, planned: Planned) {
        self.blocks.push(planned.block);
        self.infos.push(planned.info);
    }

    pub fn finish(mut self, clouds: Vec<Cloud>, names: &[String], reason: &str) -> Separated {
        let splits = caption(&mut self.blocks, &self.infos, names, reason);
        Separated { blocks: self.blocks, pending: self.pending, clouds, splits, min_isolation_gap: self.min_gap }
    }
}

pub fn run(input: Input, rng: &mut Rng) -> Result<Separated> {
    let Input { mut clouds, conflict, names, w, c, choice, max_width } = input;
    let ctx = Ctx::new(&clouds, w, c, names, max_width);
    let n = clouds.len();
    let mut steps = Steps::new();
    let mut current = Current::new(ctx.d);
    loop {
        // Decisions are taken on the state after the pending move-back; it only moves
        // the jumped tokens (every other token lies below its slab), so only the
        // sequences holding them are copied.
        let mut moved_back: HashMap<usize, Cloud> = HashMap::new();
        if let Some(ff) = steps.move_back_ff(ctx.d) {
            for &s in &steps.holders {
                let mut p = clouds[s].clone();
                ff.forward_in_place(&mut p.points);
                moved_back.insert(s, p);
            }
        }
        let preview: Vec<&Cloud> = (0..n).map(|s| moved_back.get(&s).unwrap_or(&clouds[s])).collect();
        current.refill(&clouds);
        // rounding errors scale with the size of the coordinates, the jumped token included
        let size = moved_back.values().map(|c| size_of(&c.points)).fold(size_of(&current.all), f64::max);
        let eps = eps_eq(ctx.d, size);
        let groups = conflict.groups(&preview, w, Tolerance { eps, separation: separation(ctx.d, size) });
        if groups.is_empty() {
            break;
        }
        steps.guard(n)?;
        let high = |s: usize, j: usize| ctx.is_high(&clouds[s].points.as_slice()[j * ctx.d..(j + 1) * ctx.d]);
        let split = steps.decide(choose_split(&preview, &groups, choice, &high, eps, ctx.jumps), conflict, eps)?;
        let planned = ctx.plan(split.as_deref(), &mut steps, &current, size, rng)?;
        batch::apply_to_all(&planned.block, &mut clouds);
        steps.push(planned);
    }
    Ok(steps.finish(clouds, names, conflict.reason()))
}

impl Ctx<'_> {
    /// The next block: the pending move-backs and, when there is a split, the jump-out
    /// tents of the candidates isolated by the floor gap (one, or up to `jumps`), then
    /// attention translating every sequence along c. Updates the pending tents, the
    /// holders and the smallest gap in `steps`.
    pub fn plan(
        &self,
        split: Option<&[Split]>,
        steps: &mut Steps,
        current: &Current,
        size: f64,
        rng: &mut Rng,
    ) -> Result<Planned> {
        let (w, d) = (self.w, self.d);
        let mut tents = std::mem::take(&mut steps.pending);
        let moved_back = tents.len();
        let mut info = StepInfo { a: 0, b: 0, containing: 0, moved_back, jumps: 0 };
        if let Some(candidates) = split {
            let chosen = self.isolations(candidates, current, size, rng)?;
            let k = chosen.len();
            let first = &candidates[chosen[0].0];
            let mut holders = Vec::new();
            for (i, (at, iso)) in chosen.into_iter().enumerate() {
                let Isolation { g, lo, hi, gap, holders: held } = iso;
                steps.min_gap = steps.min_gap.min(gap);
                let level = self.level_of(i, k);
                let r = level - w.dot(&candidates[at].position);
                let half = gap / 2.0;
                let tent = Tent { role: TentRole::JumpOut, direction: g, lo, hi, left: half, right: half, displacement: w * r };
                tents.push(tent);
                steps.pending.push(Tent::point(w.clone(), level, move_back_half(self.m, i), w * -r, TentRole::MoveBack));
                holders.extend(held);
            }
            holders.sort_unstable();
            holders.dedup();
            info = StepInfo { a: first.a, b: first.b, containing: holders.len(), moved_back, jumps: k };
            steps.holders = holders;
        }
        let ff = Tent::layer(d, &tents);
        let lambda = self.m / self.level * (0.5 + 0.5 * rng.uniform());
        let sa = if split.is_some() {
            SelfAttention::on_direction(1.0, w, Value::RankOne { left: self.c * lambda, right: w.clone() })
                .expect("rank-one attention on w is well formed")
        } else {
            SelfAttention::identity(d)
        };
        let block = Block {
            ff,
            sa,
            ff_meta: LayerMeta { stage: Stage::Separate, caption: String::new(), tents },
            sa_meta: LayerMeta { stage: Stage::Separate, caption: String::new(), tents: vec![] },
        };
        Ok(Planned { block, info })
    }

    /// The jumps: the candidates in order, each isolated on its own from every other
    /// current position (the other candidates and the tokens still up included), up to
    /// `jumps` of them; a candidate no direction isolates by the floor gap is dropped (a
    /// tighter tent would not be trustworthy). Candidates that split nothing new stand in
    /// only while none is chosen; with one jump per block this is the preferred candidate,
    /// or the first of the next ones the floor admits.
    fn isolations(&self, candidates: &[Split], current: &Current, size: f64, rng: &mut Rng) -> Result<Vec<(usize, Isolation)>> {
        let eps = eps_eq(self.d, size);
        let floor = gap_floor(self.d, size);
        let mut chosen: Vec<(usize, Isolation)> = Vec::new();
        // the widest gap met (the first one, unless a later one is wider), for the refusal
        let mut best_gap: Option<f64> = None;
        // several candidates: isolate them among the distinct columns, found once, along
        // one pool of directions
        let distinct = (self.jumps > 1).then(|| Distinct::of(&current.all));
        let pool = distinct.as_ref().map(|dd| Pool::new(dd, rng));
        for (k, sp) in candidates.iter().enumerate() {
            if chosen.len() == self.jumps || (!sp.fresh && !chosen.is_empty()) {
                break;
            }
            if chosen.is_empty() && k == MAX_CANDIDATES {
                break;
            }
            let iso = match &pool {
                Some(pool) => pool.isolate(current, &sp.position, eps),
                None => isolate(current, None, &sp.position, eps, rng),
            };
            if iso.gap >= floor {
                chosen.push((k, iso));
            } else if best_gap.is_none_or(|b| iso.gap > b) {
                best_gap = Some(iso.gap);
            }
        }
        if chosen.is_empty() {
            return Err(match candidates.first() {
                Some(sp) => self.too_close(sp, best_gap.unwrap_or(f64::NEG_INFINITY), floor),
                None => Error::Construction("no candidate position to split on".into()),
            });
        }
        Ok(chosen)
    }

    /// A tent narrower than the floor could move its own tokens by more than 1/100 off
    /// its displacement (see `geometry`): name the pair the preferred split was for.
    fn too_close(&self, sp: &Split, gap: f64, floor: f64) -> Error {
        Error::TooClose {
            first: sp.a + 1,
            first_name: self.names[sp.a].clone(),
            second: sp.b + 1,
            second_name: self.names[sp.b].clone(),
            gap,
            floor,
        }
    }
}

/// Writes the captions of the stage's blocks; returns the number of splits (jumped
/// positions).
fn caption(blocks: &mut [Block], infos: &[StepInfo], names: &[String], reason: &str) -> usize {
    let total: usize = infos.iter().map(|i| i.jumps).sum();
    let mut done = 0;
    for (block, info) in blocks.iter_mut().zip(infos) {
        let back = match info.moved_back {
            0 => String::new(),
            1 => "The previous split's token comes back down. ".to_string(),
            n => format!("The previous split's {n} tokens come back down, each from its own height. "),
        };
        let from = done + 1;
        done += info.jumps;
        let (ff, sa) = match info.jumps {
            0 => (
                format!("{back}(No new split in this block.)"),
                "Separate: this attention layer is the identity (nothing moves).".to_string(),
            ),
            1 => one_jump_captions(info, &back, done, total, names, reason),
            n => (
                format!(
                    "{back}Split {from}–{done}/{total}: {n} tokens that only some of the conflicting sequences hold jump out along w, each to its own height; each becomes the leader of the sequences that hold it (a sequence holding several follows the highest)."
                ),
                format!(
                    "Split {from}–{done}/{total}: attention slides every sequence along c by λ·(w·leader); {} holding a jumped token {} further, each by its own jumped leader's height, so a conflicting group breaks into as many as {} parts.",
                    count(info.containing, "the sequence", "the {} sequences"),
                    if info.containing == 1 { "slides" } else { "slide" },
                    n + 1
                ),
            ),
        };
        block.ff_meta.caption = ff;
        block.sa_meta.caption = sa;
    }
    total
}

/// The captions of a block that jumps one token out (split k of total).
fn one_jump_captions(info: &StepInfo, back: &str, k: usize, total: usize, names: &[String], reason: &str) -> (String, String) {
    let ff = format!(
        "{back}Split {k}/{total}: «{}» and «{}» {reason}; a token that only one of them has jumps out along w, above every other token, and becomes the leader of {} containing it.",
        names[info.a], names[info.b], count(info.containing, "the sequence", "the {} sequences")
    );
    let sa = format!(
        "Split {k}/{total}: attention slides every sequence along c by λ·(w·leader); {} containing the jumped token {} further, so «{}» and «{}» no longer share a leader.",
        count(info.containing, "the sequence", "the {} sequences"),
        if info.containing == 1 { "slides" } else { "slide" },
        names[info.a],
        names[info.b]
    );
    (ff, sa)
}

/// `one` for a count of 1, else `many` with the count in place of `{}`.
fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        one.to_string()
    } else {
        many.replace("{}", &n.to_string())
    }
}
