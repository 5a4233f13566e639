//! Which positions a split jumps out: every point of the conflicting sequences clustered
//! into positions, each position scored by the conflicting pairs it separates (members of one
//! group with different tags, one holding the position and the other not), and the
//! candidates ranked: the preferred one first (greedy: the best score; first-found: a
//! position one of the first conflicting pair holds and the other lacks), then, when a block
//! may jump several, positions that split pairs the ones before leave together, then the
//! rest of the ranking as stand-ins in case a candidate cannot be isolated.

use super::conflict::Group;
use super::geometry::cluster_positions;
use super::SplitChoice;
use crate::model::Cloud;
use nalgebra::{DMatrix, DVector};
use std::borrow::Cow;

/// How many candidate positions a split tries to isolate before refusing.
pub(super) const MAX_CANDIDATES: usize = 8;

pub(super) struct Split {
    pub position: DVector<f64>,
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
/// separates one of its pairs. Members for which `decided` holds are left out (their
/// part is already settled by a position jumped higher).
struct Scores {
    score: Vec<usize>,
    separable: Vec<bool>,
}

impl Scores {
    fn of(groups: &[Group], pos: &Positions, decided: &dyn Fn(usize) -> bool) -> Scores {
        let mut score = vec![0usize; pos.n_pos];
        let mut separable = vec![false; groups.len()];
        let mut scratch = GroupScratch::new(pos.n_pos);
        for (gi, g) in groups.iter().enumerate() {
            // (copied only when some member is left out: the first scoring of every block
            // leaves none out)
            let kept: Cow<[(usize, usize)]> = if g.iter().any(|m| decided(m.0)) {
                Cow::Owned(g.iter().copied().filter(|m| !decided(m.0)).collect())
            } else {
                Cow::Borrowed(g)
            };
            separable[gi] = scratch.add_group(&kept, pos, &mut score);
        }
        Scores { score, separable }
    }

    /// Valid positions with a positive score, the best first (ties: lower index).
    fn ranked(&self, valid: &[bool]) -> Vec<usize> {
        let score = &self.score;
        let mut ranked: Vec<usize> = (0..score.len()).filter(|&p| valid[p] && score[p] > 0).collect();
        ranked.sort_unstable_by(|&x, &y| score[y].cmp(&score[x]).then(x.cmp(&y)));
        ranked
    }
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
        for &p in &self.all {
            let inside = self.inside[p];
            let separated = inside * (g.len() - inside) - self.same[p];
            if separated > 0 {
                any = true;
                score[p] += separated;
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
    let scores = Scores::of(groups, &pos, &|_| false);
    if let Some(gi) = scores.separable.iter().position(|ok| !ok) {
        // no position separates any conflicting pair of this group: two of them have the
        // same set of positions
        let (a, b) = differently_tagged(&groups[gi]);
        return Choice::Indistinguishable(a.min(b), a.max(b));
    }
    let ranked = scores.ranked(&pos.valid);
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
    for &p in &ranked {
        if order.len() == want {
            break;
        }
        if !order.contains(&p) {
            order.push(p);
        }
    }
    let split = |(i, &p): (usize, &usize)| {
        let (a, b) = witness(p, groups, &pos).unwrap_or((0, 0));
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
/// positions before it (ties: lower index); stops when no position separates one.
fn greedy_more(groups: &[Group], pos: &Positions, order: &mut Vec<usize>, want: usize) {
    let mut decided = vec![false; pos.slot.len()];
    let members: Vec<usize> = pos.members().collect();
    while order.len() < want {
        let last = order[order.len() - 1];
        for &s in &members {
            decided[s] = decided[s] || pos.holds(s, last);
        }
        let scores = Scores::of(groups, pos, &|s| decided[s]);
        let next = scores.ranked(&pos.valid).into_iter().find(|p| !order.contains(p));
        match next {
            Some(p) => order.push(p),
            None => break,
        }
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
