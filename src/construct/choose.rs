//! Which positions a split jumps out: every point of the conflicting sequences clustered
//! into positions, each position scored by the conflicting pairs it separates (members of one
//! group with different tags, one holding the position and the other not), and the
//! candidates ranked: the preferred one first (greedy: the best score; first-found: a
//! position one of the first conflicting pair holds and the other lacks), then, when a block
//! may jump several, positions that split pairs the ones before leave together, then the
//! rest of the ranking as stand-ins in case a candidate cannot be isolated.

use super::conflict::Group;
use super::geometry::{cluster_positions, Lists};
use super::SplitChoice;
use crate::model::Cloud;
use nalgebra::{DMatrix, DVector};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// How many candidate positions a split tries to isolate before refusing.
pub(super) const MAX_CANDIDATES: usize = 8;

pub(super) struct Split {
    pub position: DVector<f64>,
    /// a conflicting pair the position separates, named by the block's caption and by a
    /// refusal (found for the first [`MAX_CANDIDATES`] candidates: the block is named
    /// after one of those; 0 and 0 for the others)
    pub a: usize,
    pub b: usize,
    /// splits some pair that the candidates before it leave together (the first always)
    pub fresh: bool,
}

pub(super) enum Choice {
    /// candidate positions, the preferred first
    Split(Vec<Split>),
    /// only tokens still up from the previous split could split a group
    OnlyHigh,
    Indistinguishable(usize, usize),
}

/// Every point of every conflicting sequence, clustered into positions.
struct Positions {
    /// (sequence, point) of each clustered point
    owners: Vec<(usize, usize)>,
    /// the points, one column each
    pts: DMatrix<f64>,
    /// the position of each point
    ids: Vec<usize>,
    n_pos: usize,
    /// false for the positions of tokens still up from the previous split
    valid: Vec<bool>,
    /// a point of each position
    rep: Vec<usize>,
    /// for each sequence its rank among the members (`usize::MAX` for a sequence in no
    /// group)
    slot: Vec<usize>,
    /// where the positions of each member end in `held` (they start where the previous
    /// member's end)
    ends: Vec<usize>,
    /// the positions each conflicting sequence holds, sorted, one member after the other
    held: Vec<usize>,
}

impl Positions {
    fn cluster(clouds: &[&Cloud], groups: &[Group], high: &dyn Fn(usize, usize) -> bool, eps: f64) -> Positions {
        let mut members: Vec<usize> = groups.iter().flat_map(|g| g.iter().map(|m| m.0)).collect();
        members.sort_unstable();
        members.dedup();
        let d = clouds[0].dim();
        let mut owners: Vec<(usize, usize)> = Vec::new();
        let mut data: Vec<f64> = Vec::new();
        for &s in &members {
            for j in 0..clouds[s].n_points() {
                owners.push((s, j));
            }
            data.extend(clouds[s].points.iter());
        }
        let pts = DMatrix::from_vec(d, owners.len(), data);
        let ids = cluster_positions(&pts, eps);
        let n_pos = ids.iter().copied().max().map_or(0, |m| m + 1);
        let mut valid = vec![true; n_pos];
        let mut rep = vec![usize::MAX; n_pos];
        let mut slot = vec![usize::MAX; clouds.len()];
        let mut ends = Vec::with_capacity(members.len());
        let mut held = Vec::with_capacity(owners.len());
        let mut k = 0;
        for (m, &s) in members.iter().enumerate() {
            let from = held.len();
            slot[s] = m;
            for j in 0..clouds[s].n_points() {
                let p = ids[k];
                if high(s, j) {
                    valid[p] = false;
                }
                if rep[p] == usize::MAX {
                    rep[p] = k;
                }
                held.push(p);
                k += 1;
            }
            held[from..].sort_unstable();
            let mut kept = from;
            for i in from..held.len() {
                if i == from || held[i] != held[kept - 1] {
                    held[kept] = held[i];
                    kept += 1;
                }
            }
            held.truncate(kept);
            ends.push(kept);
        }
        Positions { owners, pts, ids, n_pos, valid, rep, slot, ends, held }
    }

    /// The positions sequence s (a member of some group) holds, sorted.
    fn of(&self, s: usize) -> &[usize] {
        let m = self.slot[s];
        let from = if m == 0 { 0 } else { self.ends[m - 1] };
        &self.held[from..self.ends[m]]
    }

    fn holds(&self, s: usize, p: usize) -> bool {
        self.of(s).binary_search(&p).is_ok()
    }

    /// The sequences some group holds.
    fn members(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.slot.len()).filter(|&s| self.slot[s] != usize::MAX)
    }
}

/// Conflicting pairs each position separates, and for each group whether some position
/// separates one of its pairs.
struct Scores {
    score: Vec<usize>,
    separable: Vec<bool>,
}

impl Scores {
    fn of(groups: &[Group], pos: &Positions) -> Scores {
        let mut score = vec![0usize; pos.n_pos];
        let mut scratch = GroupScratch::new(pos.n_pos);
        let separable = groups.iter().map(|g| scratch.add_group(g, pos, &mut score)).collect();
        Scores { score, separable }
    }
}

/// The first `k` of the valid positions with a positive score, the best first (ties: lower
/// index; a total order, so the first `k` are those of the whole ranking).
fn ranked(score: &[usize], valid: &[bool], k: usize) -> Vec<usize> {
    let order = |x: &usize, y: &usize| score[*y].cmp(&score[*x]).then(x.cmp(y));
    let mut ranked: Vec<usize> = (0..score.len()).filter(|&p| valid[p] && score[p] > 0).collect();
    if k < ranked.len() {
        ranked.select_nth_unstable_by(k, order);
        ranked.truncate(k);
    }
    ranked.sort_unstable_by(order);
    ranked
}

/// Buffers reused across the groups of one scoring (per position counts, all zero between
/// groups, and the positions touched).
struct GroupScratch {
    order: Vec<usize>,
    /// members of the current tag holding the position
    in_tag: Vec<usize>,
    /// members of the group holding the position
    inside: Vec<usize>,
    /// pairs of one tag, one holding the position and one not
    same: Vec<usize>,
    touched: Vec<usize>,
    all: Vec<usize>,
    /// what the last group added: (position, pairs)
    added: Vec<(usize, usize)>,
}

impl GroupScratch {
    fn new(n_pos: usize) -> Self {
        let zeros = vec![0; n_pos];
        GroupScratch {
            order: Vec::new(),
            in_tag: zeros.clone(),
            inside: zeros.clone(),
            same: zeros,
            touched: Vec::new(),
            all: Vec::new(),
            added: Vec::new(),
        }
    }

    /// Adds to `score[p]` the conflicting pairs of group g (members with different tags)
    /// that position p separates: |in| |out| minus the pairs of one tag, counted tag by
    /// tag. Returns whether any position separates a pair.
    fn add_group(&mut self, g: &[(usize, usize)], pos: &Positions, score: &mut [usize]) -> bool {
        self.order.clear();
        self.order.extend(0..g.len());
        self.order.sort_unstable_by_key(|&i| g[i].1);
        for run in self.order.chunk_by(|&a, &b| g[a].1 == g[b].1) {
            for &i in run {
                for &p in pos.of(g[i].0) {
                    if self.in_tag[p] == 0 {
                        self.touched.push(p);
                    }
                    self.in_tag[p] += 1;
                }
            }
            for &p in &self.touched {
                let c = self.in_tag[p];
                self.same[p] += c * (run.len() - c);
                if self.inside[p] == 0 {
                    self.all.push(p);
                }
                self.inside[p] += c;
                self.in_tag[p] = 0;
            }
            self.touched.clear();
        }
        let mut any = false;
        self.added.clear();
        for &p in &self.all {
            let inside = self.inside[p];
            let separated = inside * (g.len() - inside) - self.same[p];
            if separated > 0 {
                any = true;
                score[p] += separated;
                self.added.push((p, separated));
            }
            self.inside[p] = 0;
            self.same[p] = 0;
        }
        self.all.clear();
        any
    }
}

/// The candidate positions of the next split, the preferred first: for one jump per
/// block, the preferred position and then the best scores; for several, after the
/// preferred one greedily the position that splits the most pairs the ones before it
/// leave together (each jumps lower than the ones before it, so it only matters to the
/// sequences holding none of them), then the best scores as stand-ins.
pub(super) fn choose_split(
    clouds: &[&Cloud],
    groups: &[Group],
    choice: SplitChoice,
    high: &dyn Fn(usize, usize) -> bool,
    eps: f64,
    jumps: usize,
) -> Choice {
    let pos = Positions::cluster(clouds, groups, high, eps);
    let scores = Scores::of(groups, &pos);
    if let Some(gi) = scores.separable.iter().position(|ok| !ok) {
        // no position separates any conflicting pair of this group: two of them have the
        // same set of positions
        let (a, b) = differently_tagged(&groups[gi]);
        return Choice::Indistinguishable(a.min(b), a.max(b));
    }
    // enough of the ranking for the loop below: it passes over the positions already in
    // `order` (at most `jumps + MAX_CANDIDATES - 1`) and appends `MAX_CANDIDATES - 1` more
    let ranked = ranked(&scores.score, &pos.valid, 2 * (jumps + MAX_CANDIDATES));
    let first = match choice {
        SplitChoice::Greedy => ranked.first().copied(),
        SplitChoice::FirstFound => first_found(groups, &pos, &scores.score),
    };
    let Some(first) = first else {
        return Choice::OnlyHigh;
    };
    let mut order = vec![first];
    let mut fresh = 1;
    if jumps > 1 {
        greedy_more(groups, &pos, &mut order, jumps + MAX_CANDIDATES - 1);
        fresh = order.len();
    }
    let want = order.len() + MAX_CANDIDATES - 1;
    let mut taken: std::collections::HashSet<usize> = order.iter().copied().collect();
    for &p in &ranked {
        if order.len() == want {
            break;
        }
        if taken.insert(p) {
            order.push(p);
        }
    }
    // a pair to name: the block is named after one of the first candidates (`Split::a`)
    let split = |(i, &p): (usize, &usize)| {
        let (a, b) = if i < MAX_CANDIDATES { witness(p, groups, &pos).unwrap_or((0, 0)) } else { (0, 0) };
        Split { position: pos.pts.column(pos.rep[p]).into_owned(), a, b, fresh: i < fresh }
    };
    Choice::Split(order.iter().enumerate().map(split).collect())
}

/// The first member of a group and the first member tagged differently from it.
fn differently_tagged(g: &Group) -> (usize, usize) {
    let a = g[0];
    let b = g.iter().copied().find(|m| m.1 != a.1).unwrap_or(a);
    (a.0, b.0)
}

/// The first position found that one sequence of the first conflict has and another
/// lacks (the first of another that the first lacks, else any that separates a pair).
fn first_found(groups: &[Group], pos: &Positions, score: &[usize]) -> Option<usize> {
    let (a, b) = differently_tagged(&groups[0]);
    let (pa, pb) = (pos.of(a), pos.of(b));
    let first_of = |s: usize| pos.owners.iter().enumerate().filter(move |(_, o)| o.0 == s).map(|(k, _)| pos.ids[k]);
    let valid = &pos.valid;
    first_of(a)
        .find(|p| valid[*p] && pb.binary_search(p).is_err())
        .or_else(|| first_of(b).find(|p| valid[*p] && pa.binary_search(p).is_err()))
        .or_else(|| (0..pos.n_pos).find(|&p| valid[p] && score[p] > 0))
}

/// Extends `order` (up to `want` positions) greedily: each next position is the one that
/// separates the most conflicting pairs among the sequences holding none of the
/// positions before it (ties: lower index); stops when no position separates one. Only
/// the groups holding a sequence the last position decided are scored again: the
/// sequences holding a position are listed once, and the best position is kept in a heap
/// whose stale entries (a score since changed, a position already taken) are dropped when
/// they come up.
fn greedy_more(groups: &[Group], pos: &Positions, order: &mut Vec<usize>, want: usize) {
    let n_seq = pos.slot.len();
    let (holders, groups_of) = Holders::of(groups, pos, n_seq);
    let mut decided = vec![false; n_seq];
    let mut taken = vec![false; pos.n_pos];
    order.iter().for_each(|&p| taken[p] = true);
    let mut scratch = GroupScratch::new(pos.n_pos);
    let mut score = vec![0usize; pos.n_pos];
    let mut parts: Vec<Vec<(usize, usize)>> = groups
        .iter()
        .map(|g| {
            scratch.add_group(g, pos, &mut score);
            std::mem::take(&mut scratch.added)
        })
        .collect();
    let mut heap: BinaryHeap<(usize, Reverse<usize>)> =
        (0..pos.n_pos).filter(|&p| pos.valid[p] && score[p] > 0).map(|p| (score[p], Reverse(p))).collect();
    let (mut touched, mut kept, mut changed) = (Vec::new(), Vec::new(), Vec::new());
    let mut before: Vec<Option<usize>> = vec![None; pos.n_pos];
    while order.len() < want {
        let last = order[order.len() - 1];
        touched.clear();
        for &s in holders.of(last) {
            if !decided[s] {
                decided[s] = true;
                touched.extend_from_slice(groups_of.of(s));
            }
        }
        touched.sort_unstable();
        touched.dedup();
        changed.clear();
        for &gi in &touched {
            for &(p, v) in &parts[gi] {
                if before[p].is_none() {
                    before[p] = Some(score[p]);
                    changed.push(p);
                }
                score[p] -= v;
            }
            kept.clear();
            kept.extend(groups[gi].iter().copied().filter(|m| !decided[m.0]));
            scratch.add_group(&kept, pos, &mut score);
            parts[gi] = std::mem::take(&mut scratch.added);
        }
        // (a rescored group only adds back to positions it had: its members only left)
        for &p in &changed {
            if before[p].take() != Some(score[p]) {
                heap.push((score[p], Reverse(p)));
            }
        }
        // the best valid position with a positive score not taken yet
        let next = loop {
            match heap.peek() {
                Some(&(v, Reverse(p))) if v != score[p] || v == 0 || taken[p] || !pos.valid[p] => {
                    heap.pop();
                }
                top => break top.map(|&(_, Reverse(p))| p),
            }
        };
        match next {
            Some(p) => {
                taken[p] = true;
                order.push(p);
            }
            None => break,
        }
    }
}

/// For each position the group members holding it, and for each sequence the groups it is in.
struct Holders;

impl Holders {
    fn of(groups: &[Group], pos: &Positions, n_seq: usize) -> (Lists, Lists) {
        let (mut held_by, mut member_of) = (Vec::new(), Vec::new());
        for (gi, g) in groups.iter().enumerate() {
            for &(s, _) in g.iter() {
                member_of.push((s, gi));
            }
        }
        for s in pos.members() {
            held_by.extend(pos.of(s).iter().map(|&p| (p, s)));
        }
        (Lists::from_pairs(&held_by, pos.n_pos), Lists::from_pairs(&member_of, n_seq))
    }
}

/// A conflicting pair of one group that position p separates.
fn witness(p: usize, groups: &[Group], pos: &Positions) -> Option<(usize, usize)> {
    let has = |s: usize| pos.holds(s, p);
    groups.iter().find_map(|g| {
        g.iter().copied().filter(|&a| has(a.0)).find_map(|a| {
            g.iter().copied().find(|&b| !has(b.0) && b.1 != a.1).map(|b| (a.0, b.0))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::construct::conflict::{ByLabel, Conflict, Tolerance};
    use crate::construct::geometry::{eps_eq, separation, size_of};
    use crate::construct::{compile, Options};
    use crate::model::{transformer::apply_block, Stage};

    /// The plain greedy extension: every group scored again for every extra position.
    fn greedy_more_reference(groups: &[Group], pos: &Positions, order: &mut Vec<usize>, want: usize) {
        let mut decided = vec![false; pos.slot.len()];
        while order.len() < want {
            let last = order[order.len() - 1];
            for s in pos.members() {
                decided[s] = decided[s] || pos.holds(s, last);
            }
            let mut score = vec![0usize; pos.n_pos];
            let mut scratch = GroupScratch::new(pos.n_pos);
            for g in groups {
                let kept: Vec<(usize, usize)> = g.iter().copied().filter(|m| !decided[m.0]).collect();
                scratch.add_group(&kept, pos, &mut score);
            }
            let mut all = ranked(&score, &pos.valid, usize::MAX);
            let full = all.clone();
            all.truncate(order.len() + 1);
            assert_eq!(ranked(&score, &pos.valid, order.len() + 1), all);
            match full.into_iter().find(|p| !order.contains(p)) {
                Some(p) => order.push(p),
                None => break,
            }
        }
    }

    #[test]
    fn incremental_greedy_extension_equals_scoring_everything_again() {
        let mut compared = 0;
        for seed in [1, 2] {
            let data = crate::bench::generate_hub(200, 3, seed).expect("sizes");
            let (labels, names) = (data.sequences().iter().map(|s| s.label).collect::<Vec<_>>(), vec![String::new(); 200]);
            let built = compile(&data, &Options { max_width: 96, ..Options::default() }).expect("builds");
            let t = &built.transformer;
            let mut clouds: Vec<Cloud> = data.sequences().iter().map(|s| Cloud::from_tokens(&t.input.apply(&s.tokens))).collect();
            for b in t.blocks.iter().take_while(|b| b.ff_meta.stage != Stage::Collapse) {
                for cl in clouds.iter_mut() {
                    apply_block(b, cl);
                }
                let refs: Vec<&Cloud> = clouds.iter().collect();
                let size = clouds.iter().map(|c| size_of(&c.points)).fold(0.0, f64::max);
                let tol = Tolerance { eps: eps_eq(3, size), separation: separation(3, size) };
                let mut by_label = ByLabel { labels: &labels, names: &names, classes: data.classes() };
                let groups = by_label.groups(&refs, &t.directions.w, tol);
                if groups.is_empty() {
                    continue;
                }
                let pos = Positions::cluster(&refs, &groups, &|_, _| false, tol.eps);
                let scores = Scores::of(&groups, &pos);
                let Some(&first) = ranked(&scores.score, &pos.valid, 1).first() else { continue };
                let (mut fast, mut plain) = (vec![first], vec![first]);
                greedy_more(&groups, &pos, &mut fast, 24);
                greedy_more_reference(&groups, &pos, &mut plain, 24);
                assert_eq!(fast, plain);
                compared += (fast.len() > 2) as usize;
            }
        }
        assert!(compared > 5, "{compared}");
    }
}
