//! The feed-forward layer on the enclosure: the exact enclosure `G(X)` of
//! `eta x + W relu(U x + b)`, widened by the a-priori bound on the program's rounding.

use super::interval::{gamma, safe, dot_seq, IVec, Interval, SUB};
use crate::model::FeedForward;

/// Neurons sharing one row of U (the neurons of a tent), with their biases and columns of W.
struct Group {
    row: Vec<f64>,
    row_abs_sum: Vec<f64>,
    neurons: Vec<(f64, Vec<f64>)>,
}

pub(super) struct FfPlan {
    eta: f64,
    groups: Vec<Group>,
}

impl FfPlan {
    pub(super) fn new(ff: &FeedForward) -> FfPlan {
        let (u, b, w) = (ff.u(), ff.b(), ff.w());
        let mut groups: Vec<Group> = Vec::new();
        for r in 0..u.nrows() {
            let row: Vec<f64> = u.row(r).iter().copied().collect();
            let neuron = (b[r], w.column(r).iter().copied().collect());
            match groups.last_mut() {
                Some(g) if g.row == row => g.neurons.push(neuron),
                _ => groups.push(Group { row_abs_sum: row.iter().map(|v| v.abs()).collect(), row, neurons: vec![neuron] }),
            }
        }
        FfPlan { eta: ff.eta(), groups }
    }

    /// The enclosure of `eta x + W relu(U x + b)` (see the module documentation).
    pub(super) fn apply(&self, x: &[Interval]) -> IVec {
        let d = x.len();
        let mut y: IVec = x.iter().map(|v| v.scale(self.eta)).collect();
        let mut terms: Vec<f64> = x.iter().map(|v| self.eta.abs() * v.mag()).collect();
        let mut propagated = vec![0.0; d];
        let mut possible = 0usize;
        for g in &self.groups {
            let a = dot_seq(&g.row, x);
            let in_mag: f64 = g.row_abs_sum.iter().zip(x).map(|(r, v)| r * v.mag()).sum();
            let mut wsum = vec![Interval::ZERO; d];
            let mut wb = vec![Interval::ZERO; d];
            let mut any_active = false;
            for (b, wcol) in &g.neurons {
                let act = a.add(Interval::point(*b));
                if act.hi <= 0.0 {
                    continue; // off for every input in the box, and in the program
                }
                possible += 1;
                let e_act = gamma(d + 1) * (in_mag + b.abs()) + (d + 1) as f64 * SUB;
                for c in 0..d {
                    let wc = wcol[c];
                    if wc == 0.0 {
                        continue;
                    }
                    terms[c] += wc.abs() * act.hi;
                    propagated[c] += wc.abs() * e_act;
                    if act.lo > 0.0 {
                        wsum[c] = wsum[c].add(Interval::point(wc));
                        wb[c] = wb[c].add(Interval::point(*b).scale(wc));
                    } else {
                        y[c] = y[c].add(Interval { lo: 0.0, hi: act.hi }.scale(wc));
                    }
                }
                any_active |= act.lo > 0.0;
            }
            if any_active {
                for c in 0..d {
                    y[c] = y[c].add(wsum[c].mul(a).add(wb[c]));
                }
            }
        }
        if possible > 0 || self.eta != 1.0 {
            let g = gamma(possible + 1);
            for c in 0..d {
                let e = g * terms[c] + propagated[c] + (possible + 1) as f64 * SUB;
                y[c] = y[c].widen(safe(e));
            }
        }
        y
    }
}
