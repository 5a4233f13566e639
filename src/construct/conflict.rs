//! Conflicts: which sequences the separate stage must pull apart, for each task.
//!
//! The separate stage is the same for both tasks; only the relation it resolves differs.
//! A [`Conflict`] looks at the current state (every sequence's cloud after the pending
//! move-back) and returns *groups*: lists of (sequence, tag) in which two members with
//! different tags conflict. A split picks a position that some members hold and others
//! lack; the attention layer then translates the two sides differently, which resolves
//! the conflicts between them.
//!
//! * [`ByLabel`] (classify): sequences whose collapse points (where the collapse attention
//!   puts all their tokens: the leader, or the mean of top tokens tied within the attention
//!   tolerance) lie closer than [`Tolerance::separation`], transitively, tagged by label.
//!   After the collapse every token is at its collapse point, so differently labeled
//!   sequences must not share one, nor sit so close that the label stage could tell them
//!   apart only along directions nearly parallel to their difference.
//! * [`ByTarget`] (interpolate): sequences whose read tokens sit at one position, tagged by
//!   the target that position is read with. A feed-forward layer moves all tokens at one
//!   position alike, so one position cannot go to two targets. The sequences of such a
//!   group usually share their leader; if their leaders merely lie at the same level
//!   along w, a split separates them just as well.

use super::geometry::{cluster_positions, eps_eq, size_of};
use crate::error::{Error, Result};
use crate::model::{Cloud, SelfAttention, Value};
use nalgebra::{DMatrix, DVector};
use std::collections::HashMap;

/// A group of sequences to tell apart: (sequence, tag); members with different tags
/// conflict. Members are sorted by sequence and appear once.
pub type Group = Vec<(usize, usize)>;

/// Distances the separate stage decides by on the current state (see `geometry`).
#[derive(Debug, Clone, Copy)]
pub struct Tolerance {
    /// positions closer than this are one position
    pub eps: f64,
    /// differently labeled collapse points closer than this must be split
    pub separation: f64,
}

/// The relation the separate stage resolves.
pub trait Conflict {
    /// Groups of conflicting sequences on the current state (only groups holding at least
    /// two tags), ordered by first member.
    fn groups(&mut self, clouds: &[&Cloud], w: &DVector<f64>, tol: Tolerance) -> Vec<Group>;
    /// The error for two conflicting sequences that hold the same set of positions (within
    /// `eps`).
    fn inseparable(&self, a: usize, b: usize, eps: f64) -> Error;
    /// What two conflicting sequences share, for captions: "«A» and «B» {reason}".
    fn reason(&self) -> &'static str;
}

/// Classification: sequences whose collapse points (nearly) coincide but not their labels.
pub struct ByLabel<'a> {
    pub labels: &'a [usize],
    pub names: &'a [String],
    pub classes: &'a [String],
}

impl Conflict for ByLabel<'_> {
    fn groups(&mut self, clouds: &[&Cloud], w: &DVector<f64>, tol: Tolerance) -> Vec<Group> {
        let mut out: Vec<Group> = collapse_groups(clouds, w, tol.separation)
            .into_iter()
            .filter(|g| g.iter().any(|&s| self.labels[s] != self.labels[g[0]]))
            .map(|g| g.into_iter().map(|s| (s, self.labels[s])).collect())
            .collect();
        out.sort_by_key(|g: &Group| g[0].0);
        out
    }

    fn inseparable(&self, a: usize, b: usize, eps: f64) -> Error {
        Error::Indistinguishable {
            first: a + 1,
            first_name: self.names[a].clone(),
            first_label: self.classes[self.labels[a]].clone(),
            second: b + 1,
            second_name: self.names[b].clone(),
            second_label: self.classes[self.labels[b]].clone(),
            tolerance: eps,
        }
    }

    fn reason(&self) -> &'static str {
        "share a leader but not their labels"
    }
}

/// Groups of sequences whose collapse points (where the collapse attention will put their
/// tokens) lie closer than `within` to each other, transitively; each sorted.
fn collapse_groups(clouds: &[&Cloud], w: &DVector<f64>, within: f64) -> Vec<Vec<usize>> {
    let d = w.len();
    let mut collapse: Option<SelfAttention> = None;
    let mut data: Vec<f64> = Vec::with_capacity(d * clouds.len());
    let mut owner: Vec<usize> = Vec::with_capacity(clouds.len());
    for (s, cl) in clouds.iter().enumerate() {
        if let Some(j) = lone_leader(cl, w) {
            data.extend(cl.points.column(j).iter());
            owner.push(s);
            continue;
        }
        let sa = collapse.get_or_insert_with(|| {
            SelfAttention::on_direction(0.0, w, Value::Scaled(1.0)).expect("rank-one attention on w is well formed")
        });
        let (collapsed, _) = sa.forward_cloud(cl);
        let distinct = Cloud::from_tokens(&collapsed);
        for col in distinct.points.column_iter() {
            data.extend(col.iter());
            owner.push(s);
        }
    }
    let points = DMatrix::from_vec(d, owner.len(), data);
    let ids = cluster_positions(&points, within);
    group_by_clusters(clouds.len(), &ids, &owner)
}

/// The point every token of a cloud lands on under the collapse attention (`Q = K = w^T`,
/// rho = 0, V = I), when one point alone leads for every query: its index. The attention
/// layer's own test on the same scores (`model::attention::lone_leader`: every query
/// positive, the leader's score above every other by more than the tie tolerance), so the
/// leader is the point the layer would put every token on (to the sign of a zero, which no
/// distance sees); None when that case does not hold (the caller runs the layer).
pub fn lone_leader(cloud: &Cloud, w: &DVector<f64>) -> Option<usize> {
    let (d, n) = cloud.points.shape();
    let data = cloud.points.as_slice();
    if n < 2 || d != w.len() || !data.iter().all(|v| v.is_finite()) {
        return None;
    }
    let w = w.as_slice();
    let mut few = [0.0f64; 32];
    let mut many = Vec::new();
    let proj: &mut [f64] = if n <= few.len() {
        &mut few[..n]
    } else {
        many.resize(n, 0.0);
        &mut many
    };
    for (j, p) in proj.iter_mut().enumerate() {
        let mut s = 0.0;
        for (a, b) in w.iter().zip(&data[j * d..(j + 1) * d]) {
            s += a * b;
        }
        *p = s;
    }
    crate::model::attention::lone_leader(proj, proj, |_| {})
}

/// Sequences sharing a cluster (`ids[k]` of the point `owner[k]` holds) are one group; a
/// sequence may hold several points. Groups in no particular order, each sorted.
fn group_by_clusters(n: usize, ids: &[usize], owner: &[usize]) -> Vec<Vec<usize>> {
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(p: &mut [usize], mut i: usize) -> usize {
        while p[i] != i {
            p[i] = p[p[i]];
            i = p[i];
        }
        i
    }
    let mut first_of: Vec<usize> = vec![usize::MAX; ids.iter().map(|c| c + 1).max().unwrap_or(0)];
    for (k, &c) in ids.iter().enumerate() {
        let s = owner[k];
        if first_of[c] == usize::MAX {
            first_of[c] = s;
        }
        let (a, b) = (find(&mut parent, first_of[c]), find(&mut parent, s));
        if a != b {
            parent[a.max(b)] = a.min(b);
        }
    }
    let mut slot: Vec<usize> = vec![usize::MAX; n];
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for s in 0..n {
        let root = find(&mut parent, s);
        if slot[root] == usize::MAX {
            slot[root] = groups.len();
            groups.push(Vec::new());
        }
        groups[slot[root]].push(s);
    }
    groups
}

/// What one sequence reads: its first read token and, for every token from there on, the
/// id of its target token (equal targets share an id).
#[derive(Debug, Clone)]
pub struct Reads {
    pub from: usize,
    pub target_ids: Vec<usize>,
}

/// Interpolation: sequences whose read tokens share a position but not their targets.
pub struct ByTarget<'a> {
    pub reads: &'a [Reads],
    pub names: &'a [String],
    /// sequences that may still conflict (a split only ever resolves conflicts)
    candidates: Option<Vec<usize>>,
    /// for the last groups: (sequence, token) of each member at the contested position
    witnesses: Vec<Vec<(usize, usize)>>,
}

impl<'a> ByTarget<'a> {
    pub fn new(reads: &'a [Reads], names: &'a [String]) -> Self {
        ByTarget { reads, names, candidates: None, witnesses: Vec::new() }
    }
}

impl Conflict for ByTarget<'_> {
    fn groups(&mut self, clouds: &[&Cloud], _w: &DVector<f64>, tol: Tolerance) -> Vec<Group> {
        let all: Vec<usize> = (0..clouds.len()).collect();
        let seqs = self.candidates.as_deref().unwrap_or(&all);
        // every distinct (sequence, point, target) among the read tokens
        let mut entries: Vec<(usize, u32, usize, usize)> = Vec::new(); // (seq, point, target, token)
        for &s in seqs {
            let r = &self.reads[s];
            let cl = clouds[s];
            let first = entries.len();
            for (k, &t) in r.target_ids.iter().enumerate() {
                let j = r.from + k;
                let p = cl.token_point[j];
                if !entries[first..].iter().any(|e| e.1 == p && e.2 == t) {
                    entries.push((s, p, t, j));
                }
            }
        }
        let d = clouds.first().map_or(0, |c| c.dim());
        let mut pts = DMatrix::zeros(d, entries.len());
        for (k, e) in entries.iter().enumerate() {
            pts.column_mut(k).copy_from(&clouds[e.0].points.column(e.1 as usize));
        }
        let ids = cluster_positions(&pts, tol.eps);
        let mut by_position: HashMap<usize, Vec<usize>> = HashMap::new();
        for (k, &c) in ids.iter().enumerate() {
            by_position.entry(c).or_default().push(k);
        }
        let mut found: Vec<(Group, Vec<(usize, usize)>)> = Vec::new();
        for members in by_position.into_values() {
            let t0 = entries[members[0]].2;
            if members.iter().all(|&k| entries[k].2 == t0) {
                continue;
            }
            let mut group: Vec<(usize, usize, usize)> = members.iter().map(|&k| (entries[k].0, entries[k].2, entries[k].3)).collect();
            group.sort_unstable();
            // one tag per sequence (a sequence reading one position with two targets was
            // refused before the separate stage)
            group.dedup_by_key(|m| m.0);
            if group.iter().all(|m| m.1 == group[0].1) {
                continue;
            }
            let tags = group.iter().map(|m| (m.0, m.1)).collect();
            let witnesses = group.iter().map(|m| (m.0, m.2)).collect();
            found.push((tags, witnesses));
        }
        found.sort_by(|a, b| a.0.cmp(&b.0));
        let mut next: Vec<usize> = found.iter().flat_map(|g| g.0.iter().map(|m| m.0)).collect();
        next.sort_unstable();
        next.dedup();
        self.candidates = Some(next);
        let (groups, witnesses) = found.into_iter().unzip();
        self.witnesses = witnesses;
        groups
    }

    fn inseparable(&self, a: usize, b: usize, _eps: f64) -> Error {
        let token = |s: usize, w: &[(usize, usize)]| w.iter().find(|m| m.0 == s).map(|m| m.1 + 1);
        let (ta, tb) = self
            .witnesses
            .iter()
            .find_map(|w| Some((token(a, w)?, token(b, w)?)))
            .unwrap_or((0, 0));
        Error::ConflictingTargets {
            first: a + 1,
            first_name: self.names[a].clone(),
            first_token: ta,
            second: b + 1,
            second_name: self.names[b].clone(),
            second_token: tb,
        }
    }

    fn reason(&self) -> &'static str {
        "read one position with different targets"
    }
}

/// Ids of the target tokens of every sequence: equal targets (within 1e-12 of their size)
/// share an id. `targets[s]` is d x m_s.
pub fn target_ids(targets: &[&DMatrix<f64>]) -> Vec<Vec<usize>> {
    let cols: Vec<DVector<f64>> = targets.iter().flat_map(|t| t.column_iter().map(|c| c.into_owned())).collect();
    let d = cols.first().map_or(0, |c| c.len());
    let all = DMatrix::from_fn(d, cols.len(), |i, j| cols[j][i]);
    let scale = all.iter().fold(1.0f64, |a, v| a.max(v.abs()));
    let ids = cluster_positions(&all, 1e-12 * scale);
    let mut out = Vec::with_capacity(targets.len());
    let mut at = 0;
    for t in targets {
        out.push(ids[at..at + t.ncols()].to_vec());
        at += t.ncols();
    }
    out
}

/// Refuses a sequence that reads one point (within `eps_eq`) with two different targets:
/// without positional information its equal tokens get equal outputs.
pub fn check_reads(clouds: &[Cloud], reads: &[Reads], names: &[String]) -> Result<()> {
    for (s, (cl, r)) in clouds.iter().zip(reads).enumerate() {
        let n = r.target_ids.len();
        let d = cl.dim();
        let pts = DMatrix::from_fn(d, n, |i, k| cl.points[(i, cl.token_point[r.from + k] as usize)]);
        let ids = cluster_positions(&pts, eps_eq(d, size_of(&cl.points)));
        let mut seen: HashMap<usize, usize> = HashMap::new();
        for (k, &c) in ids.iter().enumerate() {
            match seen.get(&c) {
                Some(&first) if r.target_ids[first] != r.target_ids[k] => {
                    return Err(Error::RepeatedReadPosition {
                        sequence: s + 1,
                        name: names[s].clone(),
                        first_token: r.from + first + 1,
                        second_token: r.from + k + 1,
                    })
                }
                Some(_) => {}
                None => {
                    seen.insert(c, k);
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::construct::{compile, geometry::cluster_positions_plain, Options};
    use crate::dataset::Dataset;
    use crate::model::{transformer::apply_block, Stage};

    /// The plain recomputation: the collapse attention run on every cloud, every distinct
    /// collapsed point clustered without merging repeats, groups through a map.
    fn collapse_groups_reference(clouds: &[&Cloud], w: &DVector<f64>, within: f64) -> Vec<Vec<usize>> {
        let collapse = SelfAttention::on_direction(0.0, w, Value::Scaled(1.0)).expect("well formed");
        let mut points: Vec<DVector<f64>> = Vec::new();
        let mut owner: Vec<usize> = Vec::new();
        for (s, cl) in clouds.iter().enumerate() {
            let (collapsed, _) = collapse.forward_cloud(cl);
            for col in Cloud::from_tokens(&collapsed).points.column_iter() {
                points.push(col.into_owned());
                owner.push(s);
            }
        }
        let ids = cluster_positions_plain(&DMatrix::from_columns(&points), within);
        let mut by_cluster: HashMap<usize, Vec<usize>> = HashMap::new();
        for (k, &c) in ids.iter().enumerate() {
            by_cluster.entry(c).or_default().push(owner[k]);
        }
        // merge clusters sharing a sequence, transitively
        let mut group_of: Vec<usize> = (0..clouds.len()).collect();
        loop {
            let mut changed = false;
            for members in by_cluster.values() {
                let low = members.iter().map(|&s| group_of[s]).min().unwrap_or(0);
                for &s in members {
                    let g = group_of[s];
                    if g != low {
                        group_of.iter_mut().filter(|x| **x == g).for_each(|x| *x = low);
                        changed = true;
                    }
                }
            }
            if !changed {
                break;
            }
        }
        let mut groups: HashMap<usize, Vec<usize>> = HashMap::new();
        for (s, &g) in group_of.iter().enumerate() {
            groups.entry(g).or_default().push(s);
        }
        groups.into_values().collect()
    }

    fn sorted(mut groups: Vec<Vec<usize>>) -> Vec<Vec<usize>> {
        groups.sort();
        groups
    }

    /// Every state the separate stage goes through (after each of its blocks), for the
    /// collapse groups at several distances.
    fn check_states(data: &Dataset, max_width: usize) -> usize {
        let built = compile(data, &Options { max_width, ..Options::default() }).expect("builds");
        let t = &built.transformer;
        let mut clouds: Vec<Cloud> = data.sequences().iter().map(|s| Cloud::from_tokens(&t.input.apply(&s.tokens))).collect();
        let mut checked = 0;
        for b in t.blocks.iter().take_while(|b| b.ff_meta.stage != Stage::Collapse) {
            for cl in clouds.iter_mut() {
                apply_block(b, cl);
            }
            let refs: Vec<&Cloud> = clouds.iter().collect();
            for within in [1e-9, 1e-3, 0.05] {
                let fast = sorted(collapse_groups(&refs, &t.directions.w, within));
                assert_eq!(fast, sorted(collapse_groups_reference(&refs, &t.directions.w, within)));
                checked += (fast.len() < clouds.len()) as usize;
            }
        }
        checked
    }

    #[test]
    fn collapse_groups_equal_the_plain_recomputation() {
        let mut checked = 0;
        for (data, width) in [
            (crate::bench::generate_hub(150, 3, 2).expect("sizes"), 6),
            (crate::bench::generate_hub(150, 3, 3).expect("sizes"), 96),
            (crate::bench::generate(60, 6, 3, true, 4).expect("sizes"), 6),
            (crate::bench::generate(60, 6, 3, true, 5).expect("sizes"), 24),
        ] {
            checked += check_states(&data, width);
        }
        // states where some sequences share a group (the groups were not all trivial)
        assert!(checked > 100, "{checked}");
    }

    #[test]
    fn the_lone_leader_is_where_the_collapse_puts_every_token() {
        let w = DVector::from_vec(vec![0.6, 0.8]);
        let collapse = SelfAttention::on_direction(0.0, &w, Value::Scaled(1.0)).expect("well formed");
        // one leader; two tied top points (within the tolerance); a lone point
        let clear = DMatrix::from_column_slice(2, 3, &[1.0, 1.0, 2.0, 2.0, 1.5, 1.0]);
        let tied = DMatrix::from_column_slice(2, 3, &[1.0, 1.0, 2.0, 2.0, 2.0 + 1e-14, 2.0]);
        let lone = DMatrix::from_column_slice(2, 1, &[1.0, 1.0]);
        let cl = Cloud::from_tokens(&clear);
        assert_eq!(lone_leader(&cl, &w), Some(1));
        assert_eq!(collapse.forward_cloud(&cl).0.column(0), clear.column(1));
        assert_eq!(lone_leader(&Cloud::from_tokens(&tied), &w), None);
        assert_eq!(lone_leader(&Cloud::from_tokens(&lone), &w), None);
    }
}
