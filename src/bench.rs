//! Generated datasets for benchmarks and scaling figures.
//!
//! `generate(n, len, d, shared, seed)`: N sequences of `len` tokens in R^d with labels
//! from four classes. Without sharing, every token is an independent uniform point of
//! [0,1]^d. With sharing, each sequence also holds one to three "hub" tokens from a pool
//! of 16 that sit above the rest (so differently labeled sequences share their leader and
//! the separate stage has work to do); the rest of its tokens are its own.

use crate::construct::geometry::Rng;
use crate::dataset::{Dataset, RawDataset, RawSequence};

pub fn generate(n: usize, len: usize, d: usize, shared: bool, seed: u64) -> Dataset {
    let mut rng = Rng::new(seed);
    let hubs: Vec<Vec<f64>> = (0..16).map(|_| (0..d).map(|_| 1.0 + 0.2 * rng.uniform()).collect()).collect();
    let sequences = (0..n)
        .map(|i| {
            let mut tokens: Vec<Vec<f64>> = Vec::with_capacity(len);
            if shared {
                let k = 1 + (rng.uniform() * 3.0) as usize;
                for _ in 0..k.min(len) {
                    tokens.push(hubs[(rng.uniform() * 16.0) as usize % 16].clone());
                }
            }
            while tokens.len() < len {
                tokens.push((0..d).map(|_| rng.uniform()).collect());
            }
            RawSequence {
                name: format!("g{}", i + 1),
                place: format!("sequence {}", i + 1),
                tokens,
                label: format!("c{}", (rng.uniform() * 4.0) as usize % 4),
                target: None,
            }
        })
        .collect();
    Dataset::new(RawDataset { sequences }).expect("generated data are valid")
}
