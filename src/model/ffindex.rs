//! An index of a feed-forward layer's groups by direction: each token meets only the
//! groups whose slabs may hold it, with the bits of the plain evaluation.
//!
//! A layer of many tents holds many groups (consecutive neurons sharing a row of U, see
//! [`FeedForward`]), and the plain evaluation takes every group's dot product on every
//! token. A tent's row is `g / delta` for a unit direction g, and the tents of a layer
//! often share a few directions. Writing a group's row as `u = alpha g + r` (g one of at
//! most [`MAX_DIRECTIONS`] unit directions, r a residual of rounding size), its dot
//! product on a token x differs from `alpha p`, `p = (g . x)` as computed, by at most
//!
//! ```text
//! E = (2 gamma |alpha| + (1 + gamma) |r|_inf) ||x||_1 + (underflow),   gamma = (d + 2) eps
//! ```
//!
//! (the rounding of both dot products, each at most `gamma sum |a_l x_l|`, plus `r . x`);
//! four times that is used. So each group has a window `[lo, hi]` of p outside which it
//! provably changes nothing: below it (for alpha > 0; above it for alpha < 0) the dot
//! product is `<= off` and every neuron is off, exactly the plain code's test; beyond the
//! other side every neuron is on (`dot + b_r > 0` is exactly `dot > -b_r`) and, when the
//! group's all-active constant is exactly zero in every coordinate, the plain code adds
//! `±0.0`, which leaves every value but -0.0 as it is (groups without such a constant
//! have an unbounded window on that side). A token holding -0.0 after the eta scaling,
//! a non-finite or huge one, or one that comes out NaN, takes the plain path.
//!
//! Per direction the windows are kept sorted by lo with a running maximum of hi, so the
//! windows a token's padded projection meets are a binary search and a short backward
//! scan. The groups met are evaluated in the layer's order (float addition order is the
//! plain one) with the plain per-group code ([`FeedForward::add_group`]).

use super::feedforward::{FeedForward, Group};
use nalgebra::DMatrix;
use std::collections::HashMap;

/// A layer is indexed only when it holds more groups than this.
const MIN_GROUPS: usize = 16;
/// At most this many directions are indexed; groups along others are always evaluated.
const MAX_DIRECTIONS: usize = 64;
/// Unit rows this close (largest coordinate difference) share one direction (the residual
/// enters the bound).
const NEAR: f64 = 1e-12;
/// Tokens with a larger 1-norm take the plain path.
const HUGE: f64 = 1e300;
const EPS: f64 = f64::EPSILON;

#[derive(Debug, Clone)]
pub(super) struct FfIndex {
    d: usize,
    /// the unit directions, one after the other (K x d)
    dirs: Vec<f64>,
    /// per direction: the pad of a projection per unit of the token's 1-norm
    pads: Vec<f64>,
    windows: Vec<Windows>,
    /// groups along no indexed direction, in order: met by every token
    loose: Vec<u32>,
}

/// The windows of the groups on one direction.
#[derive(Debug, Clone, Default)]
struct Windows {
    /// bounded windows by increasing lo, and the running maximum of their hi
    lo: Vec<f64>,
    hi: Vec<f64>,
    run_hi: Vec<f64>,
    group: Vec<u32>,
    /// windows `[lo, +inf)` by increasing lo
    up: Vec<(f64, u32)>,
    /// windows `(-inf, hi]` by increasing hi
    down: Vec<(f64, u32)>,
}

/// A group's place in the index: its direction, window and pad factor.
struct Placed {
    k: usize,
    lo: f64,
    hi: f64,
    pad: f64,
}

/// `v / |v|` with its first nonzero entry positive, and the signed norm `alpha` with
/// `v = alpha * unit` (None for a zero, tiny or overflowing row).
fn unit(v: &[f64]) -> Option<(Vec<f64>, f64)> {
    let norm = v.iter().map(|a| a * a).sum::<f64>().sqrt();
    if !(1e-150..1e150).contains(&norm) {
        return None;
    }
    let sign = if v.iter().find(|a| **a != 0.0).is_some_and(|a| *a < 0.0) { -1.0 } else { 1.0 };
    Some((v.iter().map(|a| a / norm * sign).collect(), sign * norm))
}

fn key_of(v: &[f64]) -> Vec<u64> {
    v.iter().map(|a| if *a == 0.0 { 0 } else { a.to_bits() }).collect()
}

/// The directions met so far, found by their bits or within [`NEAR`].
struct Directions {
    d: usize,
    units: Vec<f64>,
    keys: HashMap<Vec<u64>, usize>,
}

impl Directions {
    fn find_or_add(&mut self, g: &[f64]) -> Option<usize> {
        let key = key_of(g);
        if let Some(&k) = self.keys.get(&key) {
            return Some(k);
        }
        let count = self.units.len() / self.d;
        let near = (0..count).find(|&k| {
            self.units[k * self.d..(k + 1) * self.d].iter().zip(g).all(|(a, b)| (a - b).abs() <= NEAR)
        });
        let k = match near {
            Some(k) => k,
            None if count < MAX_DIRECTIONS => {
                self.units.extend_from_slice(g);
                count
            }
            None => return None,
        };
        self.keys.insert(key, k);
        Some(k)
    }
}

/// The window of p = (g . x) outside which a group changes no token, and its pad factor
/// (module docs); None when a bound is not finite.
fn window(group: &Group, b: &[f64], alpha: f64, g: &[f64]) -> Option<(f64, f64, f64)> {
    let d = g.len() as f64;
    let gamma = (d + 2.0) * EPS;
    let g_max = g.iter().fold(0.0f64, |m, a| m.max(a.abs()));
    let resid = group.row.iter().zip(g).fold(0.0f64, |m, (u, gl)| {
        let ag = alpha * gl;
        m.max((u - ag).abs() + EPS * (u.abs() + ag.abs()))
    }) + f64::MIN_POSITIVE;
    let a = alpha.abs();
    let pad = 4.0 * (2.0 * gamma * g_max + (1.0 + gamma) * resid / a);
    // each product may also lose up to a subnormal step
    let tiny = 8.0 * (d + 2.0) * f64::MIN_POSITIVE / a;
    let widen = |t: f64| 8.0 * EPS * t.abs() + tiny;
    let neurons = group.start..group.start + group.len;
    let on = neurons.map(|r| -b[r]).fold(f64::NEG_INFINITY, f64::max);
    let zero = group.all_active.as_ref().is_some_and(|c| c.iter().all(|v| *v == 0.0));
    let (off_t, on_t) = (group.off / alpha, on / alpha);
    if !off_t.is_finite() || !on_t.is_finite() || !pad.is_finite() || !tiny.is_finite() {
        return None;
    }
    let (lo, hi) = match (alpha > 0.0, zero) {
        (true, true) => (off_t - widen(off_t), on_t + widen(on_t)),
        (true, false) => (off_t - widen(off_t), f64::INFINITY),
        (false, true) => (on_t - widen(on_t), off_t + widen(off_t)),
        (false, false) => (f64::NEG_INFINITY, off_t + widen(off_t)),
    };
    Some((lo, hi, pad))
}

impl Windows {
    fn new(mut placed: Vec<(f64, f64, u32)>) -> Windows {
        let mut w = Windows::default();
        placed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.2.cmp(&b.2)));
        for (lo, hi, g) in placed {
            match (lo.is_finite(), hi.is_finite()) {
                (true, true) => {
                    w.run_hi.push(w.run_hi.last().map_or(hi, |m: &f64| m.max(hi)));
                    w.lo.push(lo);
                    w.hi.push(hi);
                    w.group.push(g);
                }
                (true, false) => w.up.push((lo, g)),
                _ => w.down.push((hi, g)),
            }
        }
        w.down.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        w
    }

    /// Appends the groups whose window meets `[q_lo, q_hi]`.
    fn meet(&self, q_lo: f64, q_hi: f64, out: &mut Vec<u32>) {
        let end = self.lo.partition_point(|&l| l <= q_hi);
        for j in (0..end).rev() {
            if self.run_hi[j] < q_lo {
                break;
            }
            if self.hi[j] >= q_lo {
                out.push(self.group[j]);
            }
        }
        let end = self.up.partition_point(|&(l, _)| l <= q_hi);
        out.extend(self.up[..end].iter().map(|&(_, g)| g));
        let start = self.down.partition_point(|&(h, _)| h < q_lo);
        out.extend(self.down[start..].iter().map(|&(_, g)| g));
    }
}

impl FfIndex {
    /// The index of a layer's groups (`b`: the layer's biases), or None when it would not
    /// pay: few groups, or too many of them along directions of their own.
    pub(super) fn build(groups: &[Group], b: &[f64], d: usize) -> Option<FfIndex> {
        if groups.len() <= MIN_GROUPS || d == 0 {
            return None;
        }
        let mut dirs = Directions { d, units: Vec::new(), keys: HashMap::new() };
        let mut placed: Vec<Option<Placed>> = Vec::with_capacity(groups.len());
        for g in groups {
            let place = unit(&g.row).and_then(|(u, alpha)| {
                let k = dirs.find_or_add(&u)?;
                let (lo, hi, pad) = window(g, b, alpha, &dirs.units[k * d..(k + 1) * d])?;
                Some(Placed { k, lo, hi, pad })
            });
            placed.push(place);
        }
        let count = dirs.units.len() / d;
        let loose: Vec<u32> = (0..groups.len()).filter(|&i| placed[i].is_none()).map(|i| i as u32).collect();
        if count + loose.len() > groups.len() / 4 {
            return None;
        }
        let mut pads = vec![0.0f64; count];
        let mut per_dir: Vec<Vec<(f64, f64, u32)>> = vec![Vec::new(); count];
        for (i, p) in placed.iter().enumerate() {
            if let Some(p) = p {
                pads[p.k] = pads[p.k].max(p.pad);
                per_dir[p.k].push((p.lo, p.hi, i as u32));
            }
        }
        let windows = per_dir.into_iter().map(Windows::new).collect();
        Some(FfIndex { d, dirs: dirs.units, pads, windows, loose })
    }

    /// The groups a column may meet, in the layer's order.
    fn meet(&self, col: &[f64], norm1: f64, out: &mut Vec<u32>) {
        out.clear();
        out.extend_from_slice(&self.loose);
        for (k, w) in self.windows.iter().enumerate() {
            let mut p = 0.0;
            for (a, v) in self.dirs[k * self.d..(k + 1) * self.d].iter().zip(col) {
                p += a * v;
            }
            let pad = self.pads[k] * norm1;
            let slack = 4.0 * EPS * (p.abs() + pad) + f64::MIN_POSITIVE;
            w.meet(p - pad - slack, p + pad + slack, out);
        }
        out.sort_unstable();
    }

    /// The layer on every column of `x` (d rows), with the bits of the plain path.
    pub(super) fn forward_in_place(&self, ff: &FeedForward, groups: &[Group], x: &mut DMatrix<f64>) {
        let d = self.d;
        let eta = ff.eta();
        let (mut met, mut dots, mut keep, mut all_dots) = (Vec::new(), Vec::new(), vec![0.0; d], Vec::new());
        let mut dense = |col: &mut [f64]| {
            all_dots.resize(groups.len(), 0.0);
            ff.dense_column(groups, &mut all_dots, col);
        };
        for col in x.as_mut_slice().chunks_exact_mut(d) {
            let norm1: f64 = col.iter().map(|v| v.abs()).sum();
            // adding an exact zero turns -0.0 into +0.0: such tokens meet every group
            if norm1.partial_cmp(&HUGE) != Some(std::cmp::Ordering::Less) || col.iter().any(|v| (v * eta).to_bits() == (-0.0f64).to_bits()) {
                dense(col);
                continue;
            }
            self.meet(col, norm1, &mut met);
            dots.clear();
            dots.extend(met.iter().map(|&i| groups[i as usize].dot(col)));
            keep.copy_from_slice(col);
            ff.scale(col);
            for (&i, &dot) in met.iter().zip(&dots) {
                ff.add_group(&groups[i as usize], dot, col);
            }
            // (a NaN's bits after adding zeros are the platform's business: the plain path decides)
            if col.iter().any(|v| v.is_nan()) {
                col.copy_from_slice(&keep);
                dense(col);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::construct::geometry::Rng;
    use crate::model::{Tent, TentRole};
    use nalgebra::DVector;

    /// Each tent's direction and the levels of its slab's edges.
    type Edges = Vec<(DVector<f64>, [f64; 4])>;

    fn bits(m: &DMatrix<f64>) -> Vec<u64> {
        m.iter().map(|v| v.to_bits()).collect()
    }

    /// A half-width: a power of two or not, from 1 down to about 1e-12.
    fn half_width(rng: &mut Rng) -> f64 {
        let k = (rng.uniform() * 40.0) as i32;
        if rng.uniform() < 0.5 {
            2f64.powi(-k)
        } else {
            (0.3 + rng.uniform()) * 2f64.powi(-k)
        }
    }

    /// A random layer of `tents` tents (point or trapezoid) on `dirs` shared directions
    /// (some nudged by rounding size, a few of their own), with single neurons and groups
    /// whose all-active constant is not zero among them; and each tent's direction with
    /// the levels of its slab's edges.
    fn layer(rng: &mut Rng, d: usize, tents: usize, dirs: usize, eta: f64) -> (FeedForward, Edges) {
        let shared: Vec<DVector<f64>> = (0..dirs).map(|_| rng.unit(d, false)).collect();
        // the neurons, gathered first (pushing them one by one copies the layer each time)
        let mut neurons = FeedForward::scaling(d, eta);
        let (mut rows, mut biases, mut cols) = (Vec::new(), Vec::new(), Vec::new());
        let mut edges = Vec::new();
        for t in 0..tents {
            let mut g = shared[(rng.uniform() * dirs as f64) as usize].clone();
            let pick = rng.uniform();
            if pick < 0.1 {
                g = (g + rng.unit(d, false) * 1e-14).normalize();
            } else if pick < 0.12 {
                g = rng.unit(d, false);
            }
            let disp = rng.unit(d, false) * (4.0 * rng.uniform());
            let (lo, left) = (3.0 * rng.uniform() - 1.0, half_width(rng));
            if t % 17 == 5 {
                neurons.push_neuron(&(&g / left), -lo / left, &disp);
            } else if t % 23 == 7 {
                // two neurons whose output weights cancel but whose biases are uneven
                neurons.push_neuron(&(&g / left), 0.3 - lo / left, &disp);
                neurons.push_neuron(&(&g / left), 0.1 - lo / left, &-&disp);
            }
            let tent = if rng.uniform() < 0.7 {
                Tent::point(g.clone(), lo, left, disp, TentRole::JumpOut)
            } else {
                // equal ramps make one group (its constant is zero), unequal ones two
                let right = if rng.uniform() < 0.5 { left } else { half_width(rng) };
                let hi = lo + 4.0 * left * rng.uniform();
                Tent { role: TentRole::Label, direction: g.clone(), lo, hi, left, right, displacement: disp }
            };
            tent.add_to(&mut neurons);
            for r in 0..neurons.width() {
                rows.push(neurons.u().row(r).into_owned());
                biases.push(neurons.b()[r]);
                cols.push(neurons.w().column(r).into_owned());
            }
            neurons = FeedForward::scaling(d, eta);
            edges.push((g, [tent.lo - tent.left, tent.lo, tent.hi, tent.hi + tent.right]));
        }
        let u = if rows.is_empty() { DMatrix::zeros(0, d) } else { DMatrix::from_rows(&rows) };
        let ff = FeedForward::new(eta, u, DVector::from_vec(biases), DMatrix::from_columns(&cols)).expect("a well-formed layer");
        (ff, edges)
    }

    /// Random tokens; tokens on every edge of a sample of slabs and a few ulps off them;
    /// tokens holding -0.0, NaN, infinities, huge and tiny coordinates.
    fn tokens(rng: &mut Rng, d: usize, edges: &Edges) -> DMatrix<f64> {
        let mut cols: Vec<DVector<f64>> = (0..60).map(|_| DVector::from_fn(d, |_, _| 4.0 * rng.uniform() - 2.0)).collect();
        let step = (edges.len() / 40).max(1);
        for (g, levels) in edges.iter().step_by(step) {
            let y = DVector::from_fn(d, |_, _| 4.0 * rng.uniform() - 2.0);
            for &t in levels {
                let mut near = vec![t, t.next_up(), t.next_down(), t.next_up().next_up().next_up(), t.next_down().next_down()];
                near.push(t + 1e-13);
                for s in near {
                    cols.push(g * s);
                    cols.push(&y + g * (s - g.dot(&y)));
                }
            }
        }
        let specials = [-0.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 0.0];
        for (i, &v) in specials.iter().enumerate() {
            let mut c = cols[i].clone();
            c[i % d] = v;
            cols.push(c);
        }
        cols.push(&cols[1] * 1e12);
        cols.push(&cols[2] * 1e-300);
        cols.push(DVector::zeros(d));
        cols.push(DVector::from_element(d, -0.0));
        DMatrix::from_columns(&cols)
    }

    fn check(ff: &FeedForward, x: &DMatrix<f64>, what: &str) {
        let (mut fast, mut plain) = (x.clone(), x.clone());
        ff.forward_in_place(&mut fast);
        ff.forward_dense_in_place(&mut plain);
        assert_eq!(bits(&fast), bits(&plain), "{what}");
    }

    #[test]
    fn the_indexed_layer_has_the_bits_of_the_plain_one() {
        let mut rng = Rng::new(0x1d_e5_c0_de);
        let sizes = [1, 6, 17, 40, 300, 1200, 5000];
        let etas = [1.0, 1.0, 0.5, -0.75, 0.0];
        let mut indexed = 0;
        for (case, &d) in [1usize, 2, 3, 8, 13].iter().cycle().take(35).enumerate() {
            let tents = sizes[case % sizes.len()];
            let dirs = 1 + case % 8;
            let eta = etas[case % etas.len()];
            let (ff, edges) = layer(&mut rng, d, tents, dirs, eta);
            indexed += ff.is_indexed() as usize;
            let x = tokens(&mut rng, d, &edges);
            check(&ff, &x, &format!("case {case}: d {d}, {tents} tents on {dirs} directions, eta {eta}"));
        }
        assert!(indexed >= 15, "only {indexed} layers indexed");
    }

    #[test]
    fn a_token_meets_only_the_slabs_near_it() {
        // 2000 narrow point tents on two directions: a token meets a handful of groups
        let mut rng = Rng::new(7);
        let dirs = [rng.unit(3, false), rng.unit(3, false)];
        let mut ff = FeedForward::scaling(3, 1.0);
        let mut edges = Vec::new();
        for t in 0..2000 {
            let (g, level, half) = (&dirs[t % 2], 3.0 * rng.uniform(), 1e-3 * rng.uniform());
            Tent::point(g.clone(), level, half, rng.unit(3, false), TentRole::JumpOut).add_to(&mut ff);
            edges.push((g.clone(), [level - half, level, level, level + half]));
        }
        assert!(ff.is_indexed());
        let (groups, index) = ff.indexed().expect("an indexed layer");
        let x = tokens(&mut rng, 3, &edges);
        let mut met = Vec::new();
        let mut total = 0;
        for col in x.as_slice().chunks_exact(3).take(200) {
            index.meet(col, col.iter().map(|v| v.abs()).sum(), &mut met);
            total += met.len();
        }
        assert!(total < 200 * 20, "{total} groups met by 200 tokens of {}", groups.len());
    }

    #[test]
    fn layers_of_few_groups_or_many_directions_stay_plain() {
        let mut rng = Rng::new(3);
        assert!(!layer(&mut rng, 3, 5, 1, 1.0).0.is_indexed());
        let mut ff = FeedForward::scaling(3, 1.0);
        for _ in 0..100 {
            Tent::point(rng.unit(3, false), 1.0, 0.25, rng.unit(3, false), TentRole::JumpOut).add_to(&mut ff);
        }
        assert!(!ff.is_indexed());
    }
}
