//! Generated datasets, and the experiments run on them: benchmarks (`hardmax bench`) and
//! the block counts of the complexity figure ([`complexity_data`]).
//!
//! `generate(n, len, d, shared, seed)`: N sequences of `len` tokens in R^d with labels
//! from four classes. Without sharing, every token is an independent uniform point of
//! `[0,1]^d`. With sharing, each sequence also holds one to three "hub" tokens from a pool
//! of sixteen that sit above the rest (so differently labeled sequences share their leader and
//! the separate stage has work to do); the rest of its tokens are its own.

use crate::construct::geometry::Rng;
use crate::construct::{compile, Options};
use crate::dataset::{Dataset, RawDataset, RawSequence};
use crate::error::{Error, Result};
use std::fmt::Write as _;

/// Hub tokens in the pool that shared sequences draw from.
const HUBS: usize = 16;

/// Checks the sizes of a generated dataset: every one at least 1.
pub fn check_sizes(n: usize, len: usize, d: usize) -> Result<()> {
    for (name, value) in [("number of sequences (n)", n), ("sequence length (len)", len), ("dimension (d)", d)] {
        if value == 0 {
            return Err(Error::InvalidOption { name, message: "a generated dataset needs at least 1".into() });
        }
    }
    Ok(())
}

/// Generated sequence `i` (named `prefix` and its 1-based number) with a label drawn
/// from four classes.
fn labeled(prefix: &str, i: usize, tokens: Vec<Vec<f64>>, rng: &mut Rng) -> RawSequence {
    RawSequence {
        name: format!("{prefix}{}", i + 1),
        place: format!("sequence {}", i + 1),
        tokens,
        label: format!("c{}", (rng.uniform() * 4.0) as usize % 4),
        target: None,
    }
}

pub fn generate(n: usize, len: usize, d: usize, shared: bool, seed: u64) -> Result<Dataset> {
    check_sizes(n, len, d)?;
    let mut rng = Rng::new(seed);
    let hubs: Vec<Vec<f64>> = (0..HUBS).map(|_| (0..d).map(|_| 1.0 + 0.2 * rng.uniform()).collect()).collect();
    let sequences = (0..n)
        .map(|i| {
            let mut tokens: Vec<Vec<f64>> = Vec::with_capacity(len);
            if shared {
                let k = 1 + (rng.uniform() * 3.0) as usize;
                for _ in 0..k.min(len) {
                    tokens.push(hubs[(rng.uniform() * HUBS as f64) as usize % HUBS].clone());
                }
            }
            while tokens.len() < len {
                tokens.push((0..d).map(|_| rng.uniform()).collect());
            }
            labeled("g", i, tokens, &mut rng)
        })
        .collect();
    Dataset::new(RawDataset { sequences })
}

/// Tokens in the pool the hub family draws from.
const HUB_POOL: usize = 400;
/// Pool tokens per sequence in the hub family.
const HUB_PICKS: usize = 8;

/// The hub family: what text looks like to the separate stage. Every sequence holds one
/// common token that sits above everything ("the hub", at (2, ..., 2): everybody's leader)
/// and `HUB_PICKS` = 8 distinct tokens of a pool of `HUB_POOL` = 400 shared uniform points
/// of `[0,1]^d`; labels from four classes. Differently labeled sequences all share their
/// leader, and every split moves only the few sequences holding the jumped token.
pub fn generate_hub(n: usize, d: usize, seed: u64) -> Result<Dataset> {
    check_sizes(n, HUB_PICKS + 1, d)?;
    let mut rng = Rng::new(seed);
    let pool: Vec<Vec<f64>> = (0..HUB_POOL).map(|_| (0..d).map(|_| rng.uniform()).collect()).collect();
    let hub = vec![2.0; d];
    let mut order: Vec<usize> = (0..HUB_POOL).collect();
    let sequences = (0..n)
        .map(|i| {
            // the first HUB_PICKS of a partial shuffle: distinct pool tokens
            for k in 0..HUB_PICKS {
                let j = k + ((rng.uniform() * (HUB_POOL - k) as f64) as usize).min(HUB_POOL - k - 1);
                order.swap(k, j);
            }
            let mut tokens = vec![hub.clone()];
            tokens.extend(order[..HUB_PICKS].iter().map(|&j| pool[j].clone()));
            labeled("h", i, tokens, &mut rng)
        })
        .collect();
    Dataset::new(RawDataset { sequences })
}

/// The exponent k of the least-squares fit `time = a N^k` on a log-log scale over the
/// (N, time) points with positive values; `None` with fewer than two distinct N.
pub fn growth_exponent(points: &[(f64, f64)]) -> Option<f64> {
    let logs: Vec<(f64, f64)> =
        points.iter().filter(|(n, t)| *n > 0.0 && *t > 0.0).map(|(n, t)| (n.ln(), t.ln())).collect();
    let k = logs.len() as f64;
    let (mx, my) = logs.iter().fold((0.0, 0.0), |(a, b), (x, y)| (a + x / k, b + y / k));
    let sxx: f64 = logs.iter().map(|(x, _)| (x - mx) * (x - mx)).sum();
    let sxy: f64 = logs.iter().map(|(x, y)| (x - mx) * (y - my)).sum();
    (sxx > 0.0).then(|| sxy / sxx)
}

/// What the complexity figure measures: generated data ([`generate`]) for
/// each N in `ns` (sequences of length `len`), and for each length in `lengths` (N = `n`).
#[derive(Debug, Clone, PartialEq)]
pub struct ComplexitySpec {
    pub ns: Vec<usize>,
    pub len: usize,
    pub lengths: Vec<usize>,
    pub n: usize,
    pub d: usize,
    /// seed of the generated data
    pub seed: u64,
}

impl Default for ComplexitySpec {
    fn default() -> Self {
        ComplexitySpec { ns: vec![10, 20, 50, 100, 200, 400], len: 10, lengths: vec![5, 10, 20, 50, 100, 200], n: 50, d: 4, seed: 1 }
    }
}

/// One line of the chart: `points` are (x, blocks), x = N or the sequence length.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// stable id, used as `data-series` in the SVG
    pub key: &'static str,
    pub label: String,
    pub points: Vec<(usize, usize)>,
    /// measured by compiling (true) or a formula (false)
    pub measured: bool,
}

/// Block counts against N and against sequence length.
#[derive(Debug, Clone, PartialEq)]
pub struct ComplexityData {
    pub spec: ComplexitySpec,
    pub collapse_layers: usize,
    pub by_n: Vec<Series>,
    pub by_length: Vec<Series>,
}

impl ComplexityData {
    /// Every point as (chart, series key, x, blocks), chart "by-n" or "by-length".
    pub fn rows(&self) -> Vec<(&'static str, &'static str, usize, usize)> {
        let mut out = Vec::new();
        for (chart, list) in [("by-n", &self.by_n), ("by-length", &self.by_length)] {
            for s in list {
                for &(x, b) in &s.points {
                    out.push((chart, s.key, x, b));
                }
            }
        }
        out
    }

    /// The data as tab-separated text with a header line (for the CLI to print).
    pub fn table(&self) -> String {
        let mut s = String::from("chart\tseries\tx\tblocks\n");
        for (chart, key, x, b) in self.rows() {
            let _ = writeln!(s, "{chart}\t{key}\t{x}\t{b}");
        }
        s
    }
}

/// The same sequences made `len` tokens long by cycling through their tokens (so every
/// sequence keeps exactly its set of positions).
fn cycled(data: &Dataset, len: usize) -> Result<Dataset> {
    data.rewrite_tokens(|base| (0..len.max(base.len())).map(|i| base[i % base.len()].clone()).collect())
}

fn blocks_of(data: &Dataset, opts: &Options) -> Result<usize> {
    compile(data, opts).map(|c| c.transformer.blocks.len())
}

/// Compiles the generated families and counts blocks. Series against N: this construction
/// without shared tokens ("ours-unshared"), with shared hub tokens ("ours-shared"), the
/// bound 2N + C + 1 of this construction ("bound") and the paper's 4N + 1 ("paper").
/// Against length (N fixed): fresh data of each length, unshared and shared (these vary a
/// little from one dataset to the next, with no trend), the same N sequences cycled to
/// each length ("ours-cycled": exactly the same transformer, so exactly flat), the bound
/// and the paper's count.
pub fn complexity_data(spec: &ComplexitySpec, opts: &Options) -> Result<ComplexityData> {
    if spec.ns.is_empty() || spec.lengths.is_empty() || spec.len == 0 || spec.n == 0 || spec.d < 2 {
        return Err(Error::InvalidOption {
            name: "complexity spec",
            message: "it needs some N, some lengths, len >= 1, n >= 1 and d >= 2".into(),
        });
    }
    let c = opts.collapse_layers;
    let bound = |n: usize| 2 * n + c + 1;
    let paper = |n: usize| 4 * n + 1;
    let mut unshared = Vec::new();
    let mut shared = Vec::new();
    for &n in &spec.ns {
        unshared.push((n, blocks_of(&generate(n, spec.len, spec.d, false, spec.seed)?, opts)?));
        shared.push((n, blocks_of(&generate(n, spec.len, spec.d, true, spec.seed)?, opts)?));
    }
    let by_n = vec![
        Series { key: "ours-unshared", label: "this construction, no shared tokens".into(), points: unshared, measured: true },
        Series { key: "ours-shared", label: "this construction, shared tokens".into(), points: shared, measured: true },
        Series {
            key: "bound",
            label: format!("this construction's bound 2N+{}", c + 1),
            points: spec.ns.iter().map(|&n| (n, bound(n))).collect(),
            measured: false,
        },
        Series { key: "paper", label: "paper: 4N+1".into(), points: spec.ns.iter().map(|&n| (n, paper(n))).collect(), measured: false },
    ];
    let base_len = *spec.lengths.iter().min().expect("lengths is not empty");
    let base = generate(spec.n, base_len, spec.d, false, spec.seed)?;
    let mut fresh_u = Vec::new();
    let mut fresh_s = Vec::new();
    let mut cyc = Vec::new();
    for &len in &spec.lengths {
        fresh_u.push((len, blocks_of(&generate(spec.n, len, spec.d, false, spec.seed)?, opts)?));
        fresh_s.push((len, blocks_of(&generate(spec.n, len, spec.d, true, spec.seed)?, opts)?));
        cyc.push((len, blocks_of(&cycled(&base, len)?, opts)?));
    }
    let n = spec.n;
    let by_length = vec![
        Series { key: "ours-unshared", label: "fresh data of each length, no shared tokens".into(), points: fresh_u, measured: true },
        Series { key: "ours-shared", label: "fresh data of each length, shared tokens".into(), points: fresh_s, measured: true },
        Series {
            key: "ours-cycled",
            label: format!("the same {n} sequences, cycled to each length"),
            points: cyc,
            measured: true,
        },
        Series {
            key: "bound",
            label: format!("bound 2N+{} = {}", c + 1, bound(n)),
            points: spec.lengths.iter().map(|&l| (l, bound(n))).collect(),
            measured: false,
        },
        Series {
            key: "paper",
            label: format!("paper: 4N+1 = {}", paper(n)),
            points: spec.lengths.iter().map(|&l| (l, paper(n))).collect(),
            measured: false,
        },
    ];
    Ok(ComplexityData { spec: spec.clone(), collapse_layers: c, by_n, by_length })
}

/// What the depth-width chart measures: one generated dataset ([`generate`], shared hub
/// tokens) compiled at each width cap, labeled (classify) and with targets on the same tokens
/// (interpolate, [`with_targets`]), and the hub family ([`generate_hub`], `hub_n`
/// sequences in R^d, the same seed) labeled.
#[derive(Debug, Clone, PartialEq)]
pub struct DepthWidthSpec {
    /// hidden neurons per feed-forward layer (each at least 6)
    pub widths: Vec<usize>,
    pub n: usize,
    pub len: usize,
    pub d: usize,
    pub seed: u64,
    /// sequences of the hub family
    pub hub_n: usize,
}

impl Default for DepthWidthSpec {
    fn default() -> Self {
        DepthWidthSpec { widths: vec![6, 9, 12, 24, 48, 96], n: 40, len: 6, d: 4, seed: 1, hub_n: 150 }
    }
}

/// Blocks against the width cap for both tasks on one dataset.
#[derive(Debug, Clone, PartialEq)]
pub struct DepthWidth {
    pub spec: DepthWidthSpec,
    /// read tokens of the interpolation task
    pub sum_m: usize,
    /// (width, blocks) of each task
    pub classify: Series,
    pub interpolate: Series,
    /// (width, blocks) classifying the hub family
    pub hub: Series,
    /// the paper's counts: 4N+1 (classify), 2 sum m + 2N + 1 (interpolate)
    pub paper_classify: usize,
    pub paper_interpolate: usize,
}

impl DepthWidth {
    /// The data as tab-separated text with a header line (for the CLI to print).
    pub fn table(&self) -> String {
        let mut s = String::from("max_width\tclassify_blocks\tinterpolate_blocks\thub_blocks\n");
        for ((a, b), h) in self.classify.points.iter().zip(&self.interpolate.points).zip(&self.hub.points) {
            let _ = writeln!(s, "{}\t{}\t{}\t{}", a.0, a.1, b.1, h.1);
        }
        let _ = writeln!(s, "paper\t{}\t{}\t{}", self.paper_classify, self.paper_interpolate, 4 * self.spec.hub_n + 1);
        s
    }
}

/// The same tokens with targets: sequence i reads its last `1 + i % 3` tokens (at most its
/// length), each onto a point drawn uniformly from [0, 1]^d (seeded).
pub fn with_targets(data: &Dataset, seed: u64) -> Result<Dataset> {
    let mut rng = Rng::new(seed ^ 0x7a26);
    let mut raw = data.to_raw();
    let d = data.dim();
    for (i, s) in raw.sequences.iter_mut().enumerate() {
        let m = (1 + i % 3).min(s.tokens.len());
        s.label = String::new();
        s.target = Some((0..m).map(|_| (0..d).map(|_| rng.uniform()).collect()).collect());
    }
    Dataset::new(raw)
}

/// Compiles the spec's dataset for both tasks at every width cap and counts blocks.
pub fn depth_width_data(spec: &DepthWidthSpec, opts: &Options) -> Result<DepthWidth> {
    if spec.widths.is_empty() || spec.d < 2 {
        return Err(Error::InvalidOption { name: "depth-width spec", message: "it needs some widths and d >= 2".into() });
    }
    let labeled = generate(spec.n, spec.len, spec.d, true, spec.seed)?;
    let targets = with_targets(&labeled, spec.seed)?;
    let hub_data = generate_hub(spec.hub_n, spec.d, spec.seed)?;
    let mut classify = Vec::new();
    let mut interpolate = Vec::new();
    let mut hub = Vec::new();
    for &w in &spec.widths {
        let o = Options { max_width: w, lift_time: false, softmax_beta: None, ..opts.clone() };
        classify.push((w, blocks_of(&labeled, &o)?));
        interpolate.push((w, blocks_of(&targets, &o)?));
        hub.push((w, blocks_of(&hub_data, &o)?));
    }
    let sum_m = targets.sum_m();
    Ok(DepthWidth {
        spec: spec.clone(),
        sum_m,
        classify: Series { key: "classify", label: format!("classify (N = {})", spec.n), points: classify, measured: true },
        interpolate: Series {
            key: "interpolate",
            label: format!("interpolate (the same tokens, Σm = {sum_m})"),
            points: interpolate,
            measured: true,
        },
        hub: Series {
            key: "hub",
            label: format!("classify the hub family (N = {}, one shared top token)", spec.hub_n),
            points: hub,
            measured: true,
        },
        paper_classify: 4 * spec.n + 1,
        paper_interpolate: 2 * sum_m + 2 * spec.n + 1,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn growth_exponent_recovers_a_power_law() {
        let pts: Vec<(f64, f64)> = [1000.0f64, 2000.0, 4000.0, 8000.0].iter().map(|&n| (n, 3.0 * n.powf(1.5))).collect();
        assert!((growth_exponent(&pts).expect("four points") - 1.5).abs() < 1e-12);
        assert_eq!(growth_exponent(&[(1000.0, 1.0)]), None);
    }

    #[test]
    fn hub_sequences_share_their_top_token_and_hold_distinct_pool_tokens() {
        let data = generate_hub(50, 3, 1).expect("valid sizes");
        assert_eq!(data.len(), 50);
        for s in data.sequences() {
            assert_eq!(s.tokens.ncols(), 9);
            assert!(s.tokens.column(0).iter().all(|v| *v == 2.0));
            let cloud = crate::model::Cloud::from_tokens(&s.tokens);
            assert_eq!(cloud.n_points(), 9, "pool tokens are distinct within a sequence");
        }
        assert_eq!(generate_hub(50, 3, 1).expect("valid sizes").sequences(), data.sequences());
    }
}
