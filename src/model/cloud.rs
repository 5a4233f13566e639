//! A sequence stored as its distinct token positions with multiplicities.
//!
//! Every layer treats identical tokens identically (feed-forward layers act token by
//! token; attention gives identical queries identical scores), so a sequence can be
//! carried through the network as its distinct positions: repeating every token k times
//! changes no cost. After the collapse a sequence is a single point.

use nalgebra::DMatrix;
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq)]
pub struct Cloud {
    /// d x k distinct positions, in order of first occurrence.
    pub points: DMatrix<f64>,
    /// how many tokens sit at each point
    pub counts: Vec<u32>,
    /// for each token of the original sequence, the index of its point
    pub token_point: Vec<u32>,
}

/// The named columns of `x`, in that order. (nalgebra's element loop: in wasm a copy of a
/// few numbers by `memory.copy` costs more than copying them one by one.)
pub(crate) fn columns_of(x: &DMatrix<f64>, cols: &[usize]) -> DMatrix<f64> {
    x.select_columns(cols.iter())
}

/// No two columns equal (by `==` on every coordinate, as [`Cloud::from_tokens`] groups
/// short sequences).
fn all_distinct(x: &DMatrix<f64>) -> bool {
    let (d, n) = x.shape();
    let all = x.as_slice();
    let col = |j: usize| &all[j * d..(j + 1) * d];
    (1..n).all(|j| (0..j).all(|i| col(i) != col(j)))
}

fn key(col: nalgebra::DVectorView<f64>) -> Vec<u64> {
    // +0.0 and -0.0 are the same position
    col.iter().map(|v| if *v == 0.0 { 0 } else { v.to_bits() }).collect()
}

impl Cloud {
    /// Groups bitwise-identical tokens (columns of `tokens`).
    pub fn from_tokens(tokens: &DMatrix<f64>) -> Cloud {
        let n = tokens.ncols();
        if n <= 48 {
            return Cloud::from_few_tokens(tokens);
        }
        let mut index: HashMap<Vec<u64>, u32> = HashMap::with_capacity(n);
        let mut firsts = Vec::new();
        let mut counts = Vec::new();
        let mut token_point = Vec::with_capacity(n);
        for j in 0..n {
            let k = key(tokens.column(j));
            let next = firsts.len() as u32;
            let p = *index.entry(k).or_insert(next);
            if p == next {
                firsts.push(j);
                counts.push(0);
            }
            counts[p as usize] += 1;
            token_point.push(p);
        }
        let points = columns_of(tokens, &firsts);
        Cloud { points, counts, token_point }
    }

    /// The same grouping by direct comparison (no hashing) for short sequences: columns
    /// are compared as slices (`==` on every coordinate, so -0.0 and +0.0 are one position).
    fn from_few_tokens(tokens: &DMatrix<f64>) -> Cloud {
        let (d, n) = tokens.shape();
        let all = tokens.as_slice();
        let col = |j: usize| &all[j * d..(j + 1) * d];
        let mut firsts: Vec<usize> = Vec::with_capacity(n);
        let mut counts = Vec::with_capacity(n);
        let mut token_point = Vec::with_capacity(n);
        for j in 0..n {
            let c = col(j);
            match firsts.iter().position(|&f| col(f) == c) {
                Some(p) => {
                    counts[p] += 1;
                    token_point.push(p as u32);
                }
                None => {
                    firsts.push(j);
                    counts.push(1);
                    token_point.push((firsts.len() - 1) as u32);
                }
            }
        }
        let points = columns_of(tokens, &firsts);
        Cloud { points, counts, token_point }
    }

    pub fn dim(&self) -> usize {
        self.points.nrows()
    }
    pub fn n_points(&self) -> usize {
        self.points.ncols()
    }
    pub fn n_tokens(&self) -> usize {
        self.token_point.len()
    }

    /// Merges points that became bitwise identical (after attention, for example).
    pub fn merge_identical(&mut self) {
        if self.points.ncols() <= 1 || (self.points.ncols() <= 48 && all_distinct(&self.points)) {
            return;
        }
        let merged = Cloud::from_tokens(&self.points);
        if merged.points.ncols() == self.points.ncols() {
            return;
        }
        let mut counts = vec![0u32; merged.points.ncols()];
        for (old, &c) in self.counts.iter().enumerate() {
            counts[merged.token_point[old] as usize] += c;
        }
        for t in self.token_point.iter_mut() {
            *t = merged.token_point[*t as usize];
        }
        self.points = merged.points;
        self.counts = counts;
    }

    /// Every token's position (d x n).
    pub fn tokens(&self) -> DMatrix<f64> {
        columns_of(&self.points, &self.token_point.iter().map(|&p| p as usize).collect::<Vec<_>>())
    }

    /// For each point, the first token sitting on it.
    pub fn first_tokens(&self) -> Vec<usize> {
        let mut first = vec![usize::MAX; self.n_points()];
        for (j, &p) in self.token_point.iter().enumerate() {
            if first[p as usize] == usize::MAX {
                first[p as usize] = j;
            }
        }
        first
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_duplicates_and_expands_back() {
        let x = DMatrix::from_column_slice(2, 4, &[1.0, 2.0, 3.0, 4.0, 1.0, 2.0, -0.0, 0.0]);
        let c = Cloud::from_tokens(&x);
        assert_eq!(c.n_points(), 3);
        assert_eq!(c.counts, vec![2, 1, 1]);
        assert_eq!(c.token_point, vec![0, 1, 0, 2]);
        assert_eq!(c.tokens(), DMatrix::from_column_slice(2, 4, &[1.0, 2.0, 3.0, 4.0, 1.0, 2.0, -0.0, 0.0]));
    }

    #[test]
    fn merge_after_points_coincide() {
        let x = DMatrix::from_column_slice(1, 3, &[1.0, 2.0, 3.0]);
        let mut c = Cloud::from_tokens(&x);
        c.points[(0, 2)] = 1.0;
        c.merge_identical();
        assert_eq!(c.n_points(), 2);
        assert_eq!(c.counts, vec![2, 1]);
        assert_eq!(c.token_point, vec![0, 1, 0]);
    }
}
