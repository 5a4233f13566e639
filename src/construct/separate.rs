//! Stage 1 — separate (one block per split, at most N - 1 splits).
//!
//! Sequences are grouped by their collapse point (where the collapse attention puts all
//! their tokens: the leader, the token with the largest projection on w, or the mean of
//! top tokens tied within the attention tolerance), read from the attention layer itself.
//! Points closer than `geometry::separation` are grouped (transitively): the label stage
//! could tell such points apart only along directions nearly parallel to their difference.
//! A group holding two labels is a conflict. Each step:
//! 1. picks a position t present in some sequences of a conflict group and absent from
//!    others (greedily: the t that separates the most differently labeled pairs; when no
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
//! Two differently labeled sequences with the same set of positions cannot be split:
//! that is reported by name.

use super::geometry::{cluster_positions, eps_eq, isolating_direction, min_gap as gap_floor, separation, size_of, Rng};
use super::SplitChoice;
use crate::error::{Error, Result};
use crate::model::{
    transformer::apply_block, Block, Cloud, FeedForward, LayerMeta, SelfAttention, Stage, Tent, TentRole, Value,
};
use nalgebra::{DMatrix, DVector};
use std::collections::HashMap;

pub struct Separated {
    pub blocks: Vec<Block>,
    /// the move-back tent of the last split, for the next stage's first FF layer
    pub pending: Option<Tent>,
    pub clouds: Vec<Cloud>,
    pub splits: usize,
    /// smallest isolation gap of a jump-out tent (+inf without splits)
    pub min_isolation_gap: f64,
}

pub struct Input<'a> {
    pub clouds: Vec<Cloud>,
    pub labels: &'a [usize],
    pub names: &'a [String],
    pub classes: &'a [String],
    pub w: &'a DVector<f64>,
    pub c: &'a DVector<f64>,
    pub choice: SplitChoice,
}

struct StepInfo {
    a: usize,
    b: usize,
    containing: usize,
    moved_back: bool,
    jumped: bool,
}

pub fn run(input: Input, rng: &mut Rng) -> Result<Separated> {
    let Input { mut clouds, labels, names, classes, w, c, choice } = input;
    let d = w.len();
    let n = clouds.len();
    let (mut top, mut bottom) = (f64::NEG_INFINITY, f64::INFINITY);
    for cl in &clouds {
        for col in cl.points.column_iter() {
            let p = w.dot(&col);
            top = top.max(p);
            bottom = bottom.min(p);
        }
    }
    let m = if top - bottom > 1e-6 { top - bottom } else { 1.0 };
    let level = top + m;

    let mut blocks: Vec<Block> = Vec::new();
    let mut infos: Vec<StepInfo> = Vec::new();
    let mut pending: Option<Tent> = None;
    let mut min_gap = f64::INFINITY;
    // sequences holding the token that jumped in the last step
    let mut holders: Vec<usize> = Vec::new();

    loop {
        // Decisions are taken on the state after the pending move-back; it only moves
        // the jumped tokens (every other token lies below its slab), so only the
        // sequences holding them are copied.
        let mut moved_back: HashMap<usize, Cloud> = HashMap::new();
        if let Some(t) = &pending {
            let mut ff = FeedForward::scaling(d, 1.0);
            t.add_to(&mut ff);
            for &s in &holders {
                let cl = &clouds[s];
                {
                    let mut p = cl.clone();
                    ff.forward_in_place(&mut p.points);
                    moved_back.insert(s, p);
                }
            }
        }
        let preview: Vec<&Cloud> = (0..n).map(|s| moved_back.get(&s).unwrap_or(&clouds[s])).collect();
        // rounding errors scale with the size of the coordinates, the jumped token included
        let size = clouds.iter().chain(preview.iter().copied()).map(|c| size_of(&c.points)).fold(0.0, f64::max);
        let eps = eps_eq(d, size);
        let groups = conflict_groups(&preview, labels, w, separation(d, size));
        if groups.is_empty() {
            break;
        }
        if infos.len() > n + 1 {
            return Err(Error::Construction(format!(
                "the separate stage did not finish after {} splits for {n} sequences",
                infos.len()
            )));
        }
        let high = |s: usize, j: usize| w.dot(&clouds[s].points.column(j)) > top + m / 2.0;
        let choice_made = choose_split(&preview, &groups, labels, choice, &high, eps);
        let split = match choice_made {
            Choice::Split(split) => Some(split),
            Choice::OnlyHigh => None,
            Choice::Indistinguishable(a, b) => {
                return Err(Error::Indistinguishable {
                    first: a + 1,
                    first_name: names[a].clone(),
                    first_label: classes[labels[a]].clone(),
                    second: b + 1,
                    second_name: names[b].clone(),
                    second_label: classes[labels[b]].clone(),
                    tolerance: eps,
                })
            }
        };
        if split.is_none() && pending.is_none() {
            return Err(Error::Construction("no token can split a conflict group".into()));
        }

        let mut ff = FeedForward::scaling(d, 1.0);
        let mut tents = Vec::new();
        let moved_back = pending.is_some();
        if let Some(t) = pending.take() {
            t.add_to(&mut ff);
            tents.push(t);
        }
        let mut info = StepInfo { a: 0, b: 0, containing: 0, moved_back, jumped: false };
        if let Some(candidates) = &split {
            let total: usize = clouds.iter().map(|c| c.n_points()).sum();
            let mut all = DMatrix::zeros(d, total);
            let mut at = 0;
            for cl in clouds.iter() {
                for col in cl.points.column_iter() {
                    all.column_mut(at).copy_from(&col);
                    at += 1;
                }
            }
            // The preferred position first; when no direction isolates it by the floor gap,
            // the next ones (a tighter tent would not be trustworthy).
            let floor = gap_floor(d, size);
            let mut best: Option<(usize, Isolation)> = None;
            for (k, sp) in candidates.iter().enumerate().take(MAX_CANDIDATES) {
                let iso = isolate(&clouds, &all, &sp.position, eps, rng);
                let better = best.as_ref().is_none_or(|b| iso.gap > b.1.gap);
                if better {
                    best = Some((k, iso));
                }
                if best.as_ref().is_some_and(|b| b.1.gap >= floor) {
                    break;
                }
            }
            let Some((k, iso)) = best else {
                return Err(Error::Construction("no candidate position to split on".into()));
            };
            let Isolation { g, lo, hi, gap, holders: h } = iso;
            if !(gap >= floor) {
                // a tent that narrow could move its own tokens by more than 1/100 off its
                // displacement (see `geometry`); name the pair the preferred split was for
                let sp = &candidates[0];
                return Err(Error::TooClose {
                    first: sp.a + 1,
                    first_name: names[sp.a].clone(),
                    second: sp.b + 1,
                    second_name: names[sp.b].clone(),
                    gap,
                    floor,
                });
            }
            let sp = &candidates[k];
            let t_rep = sp.position.clone();
            holders = h;
            let containing = holders.len();
            min_gap = min_gap.min(gap);
            let r = level - w.dot(&t_rep);
            let tent = Tent {
                role: TentRole::JumpOut,
                direction: g,
                lo,
                hi,
                left: gap / 2.0,
                right: gap / 2.0,
                displacement: w * r,
            };
            tent.add_to(&mut ff);
            tents.push(tent);
            pending = Some(Tent::point(w.clone(), level, m / 2.0, w * -r, TentRole::MoveBack));
            info = StepInfo { a: sp.a, b: sp.b, containing, moved_back, jumped: true };
        }
        let lambda = m / level * (0.5 + 0.5 * rng.uniform());
        let sa = if split.is_some() {
            SelfAttention::on_direction(1.0, w, Value::RankOne { left: c * lambda, right: w.clone() })
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
        for cl in clouds.iter_mut() {
            apply_block(&block, cl);
        }
        blocks.push(block);
        infos.push(info);
    }

    let total = infos.iter().filter(|i| i.jumped).count();
    let mut k = 0;
    for (block, info) in blocks.iter_mut().zip(&infos) {
        let back = if info.moved_back { "The previous split's token comes back down. " } else { "" };
        if info.jumped {
            k += 1;
            block.ff_meta.caption = format!(
                "{back}Split {k}/{total}: «{}» and «{}» share a leader but not their labels; a token that only one of them has jumps out along w, above every other token, and becomes the leader of {} containing it.",
                names[info.a], names[info.b], count(info.containing, "the sequence", "the {} sequences")
            );
            block.sa_meta.caption = format!(
                "Split {k}/{total}: attention slides every sequence along c by λ·(w·leader); {} containing the jumped token {} further, so «{}» and «{}» no longer share a leader.",
                count(info.containing, "the sequence", "the {} sequences"),
                if info.containing == 1 { "slides" } else { "slide" },
                names[info.a],
                names[info.b]
            );
        } else {
            block.ff_meta.caption = format!("{back}(No new split in this block.)");
            block.sa_meta.caption = "Separate: this attention layer is the identity (nothing moves).".into();
        }
    }
    Ok(Separated { blocks, pending, clouds, splits: total, min_isolation_gap: min_gap })
}

/// `one` for a count of 1, else `many` with the count in place of `{}`.
fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        one.to_string()
    } else {
        many.replace("{}", &n.to_string())
    }
}

/// How many candidate positions a split tries to isolate before refusing.
const MAX_CANDIDATES: usize = 8;

/// A jump-out tent's direction and slab for one position, and who holds the position.
struct Isolation {
    g: DVector<f64>,
    lo: f64,
    hi: f64,
    gap: f64,
    /// sequences holding a token within eps of the position
    holders: Vec<usize>,
}

/// Isolates every current position within `eps` of `position` from all other positions
/// (the columns of `all`, which are the clouds' points in order).
fn isolate(clouds: &[Cloud], all: &DMatrix<f64>, position: &DVector<f64>, eps: f64, rng: &mut Rng) -> Isolation {
    let mut is_other = vec![true; all.ncols()];
    let mut target = Vec::new();
    let mut holders = Vec::new();
    let mut at = 0;
    for (s, cl) in clouds.iter().enumerate() {
        let mut has = false;
        for col in cl.points.column_iter() {
            let dist2: f64 = col.iter().zip(position.iter()).map(|(a, b)| (a - b) * (a - b)).sum();
            if dist2 <= eps * eps {
                target.push(col.into_owned());
                is_other[at] = false;
                has = true;
            }
            at += 1;
        }
        if has {
            holders.push(s);
        }
    }
    let target = DMatrix::from_columns(&target);
    let (g, lo, hi, gap) = isolating_direction(rng, &target, all, &is_other, 24);
    Isolation { g, lo, hi, gap, holders }
}

/// Groups of sequences whose collapse points (where the collapse attention will put their
/// tokens: the leader, or the mean of top tokens tied within tau) lie closer than
/// `within` to each other, transitively, and that hold two or more labels; each
/// sorted, ordered by first member. Points that close could be told apart only along
/// directions nearly parallel to their difference, so the label stage could not rely on
/// them: they are split here instead.
fn conflict_groups(clouds: &[&Cloud], labels: &[usize], w: &DVector<f64>, within: f64) -> Vec<Vec<usize>> {
    let d = clouds.first().map_or(0, |c| c.dim());
    let collapse = SelfAttention::on_direction(0.0, w, Value::Scaled(1.0)).expect("rank-one attention on w is well formed");
    let mut points: Vec<DVector<f64>> = Vec::new();
    let mut owner: Vec<usize> = Vec::new();
    for (s, cl) in clouds.iter().enumerate() {
        let (collapsed, _) = collapse.forward_cloud(cl);
        let distinct = Cloud::from_tokens(&collapsed);
        for col in distinct.points.column_iter() {
            points.push(col.into_owned());
            owner.push(s);
        }
    }
    let points = if points.is_empty() { DMatrix::zeros(d, 0) } else { DMatrix::from_columns(&points) };
    let ids = cluster_positions(&points, within);
    // sequences sharing a cluster are one group (a sequence may have several points)
    let mut parent: Vec<usize> = (0..clouds.len()).collect();
    fn find(p: &mut [usize], mut i: usize) -> usize {
        while p[i] != i {
            p[i] = p[p[i]];
            i = p[i];
        }
        i
    }
    let mut first_of: HashMap<usize, usize> = HashMap::new();
    for (k, &c) in ids.iter().enumerate() {
        let s = owner[k];
        let f = *first_of.entry(c).or_insert(s);
        let (a, b) = (find(&mut parent, f), find(&mut parent, s));
        if a != b {
            parent[a.max(b)] = a.min(b);
        }
    }
    let mut groups: HashMap<usize, Vec<usize>> = HashMap::new();
    for s in 0..clouds.len() {
        let root = find(&mut parent, s);
        groups.entry(root).or_default().push(s);
    }
    let mut out: Vec<Vec<usize>> = groups
        .into_values()
        .filter(|g| g.iter().any(|&s| labels[s] != labels[g[0]]))
        .collect();
    out.sort_by_key(|g| g[0]);
    out
}

struct Split {
    position: DVector<f64>,
    a: usize,
    b: usize,
}

enum Choice {
    /// candidate positions, the preferred first
    Split(Vec<Split>),
    /// only tokens still up from the previous split could split a group
    OnlyHigh,
    Indistinguishable(usize, usize),
}

fn choose_split(
    clouds: &[&Cloud],
    groups: &[Vec<usize>],
    labels: &[usize],
    choice: SplitChoice,
    high: &dyn Fn(usize, usize) -> bool,
    eps: f64,
) -> Choice {
    // every point of every conflicting sequence, clustered into positions
    let mut owners: Vec<(usize, usize)> = Vec::new();
    for g in groups {
        for &s in g {
            for j in 0..clouds[s].n_points() {
                owners.push((s, j));
            }
        }
    }
    let d = clouds[0].dim();
    let mut pts = DMatrix::zeros(d, owners.len());
    for (k, &(s, j)) in owners.iter().enumerate() {
        pts.column_mut(k).copy_from(&clouds[s].points.column(j));
    }
    let ids = cluster_positions(&pts, eps);
    let n_pos = ids.iter().copied().max().map_or(0, |m| m + 1);
    let mut valid = vec![true; n_pos];
    let mut rep = vec![usize::MAX; n_pos];
    let mut seq_positions: HashMap<usize, Vec<usize>> = HashMap::new();
    for (k, &(s, j)) in owners.iter().enumerate() {
        let p = ids[k];
        if high(s, j) {
            valid[p] = false;
        }
        if rep[p] == usize::MAX {
            rep[p] = k;
        }
        seq_positions.entry(s).or_default().push(p);
    }
    for v in seq_positions.values_mut() {
        v.sort_unstable();
        v.dedup();
    }

    // score[p]: differently labeled pairs (within a group) that position p separates:
    // |in| |out| minus the pairs of one label
    let n_labels = labels.iter().copied().max().map_or(0, |m| m + 1);
    let mut score = vec![0usize; n_pos];
    let mut any_separable_group = vec![false; groups.len()];
    let mut label_count = vec![0usize; n_labels];
    let mut in_label = vec![0usize; n_labels];
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    for (gi, g) in groups.iter().enumerate() {
        label_count.iter_mut().for_each(|c| *c = 0);
        for &s in g {
            label_count[labels[s]] += 1;
        }
        pairs.clear();
        for &s in g {
            pairs.extend(seq_positions[&s].iter().map(|&p| (p, s)));
        }
        pairs.sort_unstable();
        for run in pairs.chunk_by(|a, b| a.0 == b.0) {
            let p = run[0].0;
            let inside = run.len();
            let outside = g.len() - inside;
            let mut same = 0;
            for &(_, s) in run {
                in_label[labels[s]] += 1;
            }
            for &(_, s) in run {
                let l = labels[s];
                if in_label[l] > 0 {
                    same += in_label[l] * (label_count[l] - in_label[l]);
                    in_label[l] = 0;
                }
            }
            let separated = inside * outside - same;
            if separated > 0 {
                any_separable_group[gi] = true;
                score[p] += separated;
            }
        }
    }
    if let Some(gi) = any_separable_group.iter().position(|ok| !ok) {
        // no position separates any differently labeled pair of this group: two of them
        // have the same set of positions
        let g = &groups[gi];
        let a = g[0];
        let b = g.iter().copied().find(|&s| labels[s] != labels[a]).unwrap_or(a);
        return Choice::Indistinguishable(a.min(b), a.max(b));
    }

    // every position that separates some pair, the best score first (ties: lower index)
    let mut ranked: Vec<usize> = (0..n_pos).filter(|&p| valid[p] && score[p] > 0).collect();
    ranked.sort_by(|&x, &y| score[y].cmp(&score[x]).then(x.cmp(&y)));
    let first = match choice {
        SplitChoice::Greedy => ranked.first().copied(),
        SplitChoice::FirstFound => {
            let g = &groups[0];
            let a = g[0];
            let b = g.iter().copied().find(|&s| labels[s] != labels[a]).unwrap_or(a);
            let (pa, pb) = (&seq_positions[&a], &seq_positions[&b]);
            let first_of = |s: usize| owners.iter().enumerate().filter(move |(_, o)| o.0 == s).map(|(k, _)| ids[k]);
            first_of(a)
                .find(|p| valid[*p] && pb.binary_search(p).is_err())
                .or_else(|| first_of(b).find(|p| valid[*p] && pa.binary_search(p).is_err()))
                .or_else(|| (0..n_pos).find(|&p| valid[p] && score[p] > 0))
        }
    };
    let Some(first) = first else {
        return Choice::OnlyHigh;
    };
    let split = |p: usize| {
        let (a, b) = witness(p, groups, labels, &seq_positions).unwrap_or((0, 0));
        Split { position: pts.column(rep[p]).into_owned(), a, b }
    };
    let mut out = vec![split(first)];
    out.extend(ranked.iter().copied().filter(|&p| p != first).take(MAX_CANDIDATES - 1).map(split));
    Choice::Split(out)
}

/// A differently labeled pair of one group that position p separates.
fn witness(
    p: usize,
    groups: &[Vec<usize>],
    labels: &[usize],
    seq_positions: &HashMap<usize, Vec<usize>>,
) -> Option<(usize, usize)> {
    let has = |s: usize| seq_positions[&s].binary_search(&p).is_ok();
    groups.iter().find_map(|g| {
        g.iter().copied().filter(|&a| has(a)).find_map(|a| {
            g.iter().copied().find(|&b| !has(b) && labels[b] != labels[a]).map(|b| (a, b))
        })
    })
}
