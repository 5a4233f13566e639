//! A tent (or trapezoid) on a direction: a few feed-forward neurons that move the tokens
//! of one slab by a fixed displacement and leave every other token where it is.
//!
//! With `z = g . x` the profile is
//! ```text
//! phi(z) = relu(z - lo + left)/left - relu(z - lo)/left - relu(z - hi)/right + relu(z - hi - right)/right
//! ```
//! which is 0 for `z <= lo - left`, rises linearly to 1 at `lo`, is 1 on `[lo, hi]`, falls
//! to 0 at `hi + right` and is 0 beyond (exactly 0 below; above, the four terms cancel up
//! to rounding). The layer adds `phi(g . x) * displacement`. With `lo = hi` and
//! `left = right` the middle neurons merge: the three-neuron tent of the construction.
//!
//! ```
//! use hardmax::model::{FeedForward, Tent, TentRole};
//! use nalgebra::{DMatrix, DVector};
//! let tent = Tent::point(DVector::from_vec(vec![1.0, 0.0]), 2.0, 0.5, DVector::from_vec(vec![0.0, 10.0]), TentRole::Label);
//! let mut ff = FeedForward::scaling(2, 1.0);
//! tent.add_to(&mut ff);
//! assert_eq!(ff.width(), 3);
//! let x = DMatrix::from_column_slice(2, 3, &[2.0, 0.0, 1.0, 0.0, 2.25, 0.0]);
//! let y = ff.forward(&x);
//! assert_eq!(y.column(0).as_slice(), &[2.0, 10.0]);  // on the level: moved by the displacement
//! assert_eq!(y.column(1).as_slice(), &[1.0, 0.0]);   // a half-width away: untouched
//! assert_eq!(y.column(2).as_slice(), &[2.25, 5.0]);  // halfway down the ramp
//! ```

use super::FeedForward;
use nalgebra::{DMatrix, DVector};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TentRole {
    /// separate: the isolated token jumps above every other token along w
    JumpOut,
    /// separate: the jumped token comes back
    MoveBack,
    /// label: a cluster (or a run of same-class clusters) moves to its class code along e
    Label,
    /// place: a read position, the topmost along its direction, moves onto its target
    Place,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tent {
    pub role: TentRole,
    /// unit direction g
    pub direction: DVector<f64>,
    /// plateau [lo, hi] of g . x
    pub lo: f64,
    pub hi: f64,
    /// ramp widths below lo and above hi
    pub left: f64,
    pub right: f64,
    pub displacement: DVector<f64>,
}

impl Tent {
    /// A point tent: level `level`, half-width `half`.
    pub fn point(direction: DVector<f64>, level: f64, half: f64, displacement: DVector<f64>, role: TentRole) -> Tent {
        Tent { role, direction, lo: level, hi: level, left: half, right: half, displacement }
    }

    /// The profile value phi(z) in exact arithmetic (for documentation and checks).
    pub fn profile(&self, z: f64) -> f64 {
        let r = |v: f64| v.max(0.0);
        r(z - self.lo + self.left) / self.left - r(z - self.lo) / self.left - r(z - self.hi) / self.right
            + r(z - self.hi - self.right) / self.right
    }

    /// Number of neurons `add_to` appends.
    pub fn width(&self) -> usize {
        if self.is_point() {
            3
        } else {
            4
        }
    }

    pub fn is_point(&self) -> bool {
        self.lo == self.hi && self.left == self.right
    }

    /// A feed-forward layer (eta = 1) holding these tents' neurons, in order (built in one
    /// go: appending neuron by neuron copies the layer each time).
    pub fn layer<'a>(d: usize, tents: impl IntoIterator<Item = &'a Tent>) -> FeedForward {
        let neurons: Vec<Neuron> = tents.into_iter().flat_map(|t| t.neurons()).collect();
        let h = neurons.len();
        let u = DMatrix::from_fn(h, d, |r, k| neurons[r].0[k]);
        let b = DVector::from_iterator(h, neurons.iter().map(|n| n.1));
        let w = DMatrix::from_fn(d, h, |k, r| neurons[r].2[k]);
        FeedForward::new(1.0, u, b, w).unwrap_or_else(|_| {
            // a non-finite weight: appended as it is, as `add_to` does
            let mut ff = FeedForward::scaling(d, 1.0);
            for (u, b, w) in &neurons {
                ff.push_neuron(u, *b, w);
            }
            ff
        })
    }

    /// The open interval of `direction . x` the tent moves: `(lo - left, hi + right)`.
    pub fn reach(&self) -> (f64, f64) {
        (self.lo - self.left, self.hi + self.right)
    }

    /// Appends the tent's neurons to a feed-forward layer.
    pub fn add_to(&self, ff: &mut FeedForward) {
        for (u, b, w) in self.neurons() {
            ff.push_neuron(&u, b, &w);
        }
    }

    /// The tent's neurons, in order: (row of U, bias, column of W).
    fn neurons(&self) -> Vec<Neuron> {
        let g = &self.direction;
        let d = &self.displacement;
        if self.is_point() {
            let u = g / self.left;
            let s = self.lo / self.left;
            vec![(u.clone(), -s + 1.0, d.clone()), (u.clone(), -s, d * -2.0), (u, -s - 1.0, d.clone())]
        } else {
            let ul = g / self.left;
            let ur = g / self.right;
            vec![
                (ul.clone(), -self.lo / self.left + 1.0, d.clone()),
                (ul, -self.lo / self.left, -d),
                (ur.clone(), -self.hi / self.right, -d),
                (ur, -self.hi / self.right - 1.0, d.clone()),
            ]
        }
    }
}

/// One neuron: its row of U, its bias and its column of W.
type Neuron = (DVector<f64>, f64, DVector<f64>);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trapezoid_moves_its_plateau_and_nothing_else() {
        let t = Tent {
            role: TentRole::Label,
            direction: DVector::from_vec(vec![0.0, 1.0]),
            lo: 1.0,
            hi: 3.0,
            left: 0.5,
            right: 0.25,
            displacement: DVector::from_vec(vec![4.0, 0.0]),
        };
        let mut ff = FeedForward::scaling(2, 1.0);
        t.add_to(&mut ff);
        assert_eq!(ff.width(), 4);
        let ys = [0.0, 0.5, 1.0, 2.0, 3.0, 3.25, 5.0];
        let x = DMatrix::from_fn(2, ys.len(), |r, c| if r == 0 { 0.0 } else { ys[c] });
        let y = ff.forward(&x);
        let moved: Vec<f64> = (0..ys.len()).map(|c| y[(0, c)]).collect();
        assert_eq!(moved, vec![0.0, 0.0, 4.0, 4.0, 4.0, 0.0, 0.0]);
        for (c, &z) in ys.iter().enumerate() {
            assert!((t.profile(z) * 4.0 - moved[c]).abs() < 1e-12);
        }
    }

    #[test]
    fn point_tent_isolates_one_level() {
        let t = Tent::point(DVector::from_vec(vec![1.0]), 0.0, 1.0, DVector::from_vec(vec![7.0]), TentRole::JumpOut);
        let mut ff = FeedForward::scaling(1, 1.0);
        t.add_to(&mut ff);
        let y = ff.forward(&DMatrix::from_row_slice(1, 4, &[-3.0, 0.0, 1.0, 2.5]));
        assert_eq!(y.as_slice(), &[-3.0, 7.0, 1.0, 2.5]);
    }
}
