//! Interpolation: a transformer whose output on each sequence, read at its last m tokens,
//! is its target sequence (the general theorem of the paper; classification is m = 1).
//!
//! The stages:
//! 1. normalize — shared with classification; when read tokens of different sequences
//!    coincide with different targets, its attention layer also spreads the sequences
//!    apart ([`spread`](super::spread): no extra block; a few more spread layers, one block
//!    each, when they resolve many conflicts at once);
//! 2. separate — shared; the conflict is [`ByTarget`]: read tokens of two sequences at
//!    one position with different targets;
//! 3. park — one constant neuron lifts every token above every target
//!    ([`park`](super::park)); it shares the first place layer;
//! 4. place — one tent per read point, each the topmost left along one of a few
//!    directions, straight onto its target ([`place`](super::place)); the last attention
//!    layer undoes the normalization's scale.
//!
//! Blocks at width 6 (two tents per layer), for P distinct read points (`P <= sum m`) and
//! S separate blocks (extra spread layers and one block per split; at most N - 1 splits):
//! without splits `1 + S + 1 + ceil((P - 1) / 2)` (the park layer holds one tent); with
//! splits `1 + S + 1 + ceil(P / 2)` (the park layer holds the last move-back instead). At width W a layer holds `floor(W / 3)` tents. The
//! paper's hardmax count is `2 sum m + 2N + 1`.
//!
//! ```
//! use hardmax::{construct::{compile, Options}, dataset::Dataset};
//! // two sequences share their top token (2, 2) and read it with different targets
//! let data = Dataset::from_targets(vec![
//!     (vec![vec![0.0, 1.0], vec![2.0, 2.0]], vec![vec![5.0, -1.0]]),
//!     (vec![vec![1.0, 0.0], vec![2.0, 2.0]], vec![vec![0.5, 0.25], vec![7.0, 7.0]]),
//! ]).unwrap();
//! let built = compile(&data, &Options::default()).unwrap();
//! assert_eq!(built.stats.splits, 1);
//! assert_eq!(built.stats.read_points, 3);
//! for s in data.sequences() {
//!     let out = built.transformer.outputs(&s.tokens);
//!     let target = s.target.as_ref().unwrap();
//!     let read = out.columns(s.read_from(), s.m());
//!     assert!((read - target).amax() <= 1e-12 * target.amax().max(1.0));
//! }
//! ```

use super::conflict::{self, ByTarget, Reads};
use super::geometry::Rng;
use super::{input_map, normalize, park, place, separate, spread, BuildStats, Compiled, Options};
use crate::dataset::{Dataset, Task};
use crate::error::Result;
use crate::model::{transformer::Directions, Transformer};
use nalgebra::{DMatrix, DVector};

/// Builds the interpolating transformer: normalize (and spread), separate, park, place.
pub fn compile(data: &Dataset, opts: &Options) -> Result<Compiled> {
    let mut rng = Rng::new(opts.seed);
    let input = input_map(data, opts);
    let encoded = data.map_tokens(input.output_dim(data.dim()), |t| input.apply(t));
    let names: Vec<String> = data.sequences().iter().map(|s| s.name.clone()).collect();
    let (reads, target_by_id) = read_targets(data);

    let mut norm = normalize::run(normalize::Input { data: &encoded }, &mut rng);
    conflict::check_reads(&norm.clouds, &reads, &names)?;
    let mut by_target = ByTarget::new(&reads, &names);
    let spread = spread::run(&mut norm.block, &mut norm.clouds, &norm.w, &norm.c, &mut by_target, &mut rng);
    let sep = separate::run(
        separate::Input {
            clouds: norm.clouds,
            conflict: &mut by_target,
            names: &names,
            w: &norm.w,
            c: &norm.c,
            choice: opts.split_choice,
            max_width: opts.max_width,
        },
        &mut rng,
    )?;
    let parked = park::run(
        park::Input {
            clouds: &sep.clouds,
            pending: sep.pending,
            reads: &reads,
            targets: &target_by_id,
            normalize: &norm.block.ff,
            w: &norm.w,
            names: &names,
        },
        &mut rng,
    )?;
    let placed = place::run(place::Input { parked, max_width: opts.max_width, names: &names })?;

    let mut blocks = vec![norm.block];
    let spreads = spread.layers;
    blocks.extend(spread.blocks);
    blocks.extend(sep.blocks);
    blocks.extend(placed.blocks);
    let transformer = Transformer {
        task: Task::Interpolate,
        input_dim: data.dim(),
        dim: encoded.dim(),
        input,
        blocks,
        anchors: Vec::new(),
        classes: Vec::new(),
        directions: Directions { w: norm.w, c: norm.c, u: None, e: None },
        view: norm.view,
    };
    let stats = BuildStats {
        splits: sep.splits,
        runs: 0,
        points: 0,
        min_isolation_gap: sep.min_isolation_gap,
        min_label_gap: f64::INFINITY,
        spreads,
        read_points: placed.read_points,
        min_place_gap: placed.min_gap,
        softmax_scaling: None,
    };
    Ok(Compiled { transformer, stats })
}

/// Every sequence's read tokens with the id of their target (equal targets share an id),
/// and the targets by id.
fn read_targets(data: &Dataset) -> (Vec<Reads>, Vec<DVector<f64>>) {
    let empty = DMatrix::zeros(data.dim(), 0);
    let targets: Vec<&DMatrix<f64>> = data.sequences().iter().map(|s| s.target.as_ref().unwrap_or(&empty)).collect();
    let ids = conflict::target_ids(&targets);
    let reads: Vec<Reads> = data
        .sequences()
        .iter()
        .zip(ids)
        .map(|(s, target_ids)| Reads { from: s.read_from(), target_ids })
        .collect();
    let mut by_id: Vec<Option<DVector<f64>>> = Vec::new();
    for (t, r) in targets.iter().zip(&reads) {
        for (k, &id) in r.target_ids.iter().enumerate() {
            if by_id.len() <= id {
                by_id.resize(id + 1, None);
            }
            by_id[id].get_or_insert_with(|| t.column(k).into_owned());
        }
    }
    let target_by_id = by_id.into_iter().map(|t| t.unwrap_or_else(|| DVector::zeros(data.dim()))).collect();
    (reads, target_by_id)
}
