//! The batched forward pass (the pointwise suffix of every sequence in one sweep) is the
//! dense one, bitwise: at every layer, for every point, on presets, generated and hub
//! data, the real sets and interpolation models; and so is everything built on it.

mod common;

use hardmax::bench::{generate, generate_hub};
use hardmax::construct::{compile, Labeling, Options};
use hardmax::dataset::{parse, Dataset, Format, RawDataset, RawSequence, Task};
use hardmax::model::batch::{forward_dense_each, forward_each, prefixes, sweep_clouds, sweepable};
use hardmax::model::transformer::apply_block;
use hardmax::model::{Cloud, Transformer};
use hardmax::verify::{verify, verify_dense};
use nalgebra::DMatrix;
use proptest::prelude::*;

fn bits(m: &DMatrix<f64>) -> Vec<u64> {
    m.iter().map(|v| v.to_bits()).collect()
}

fn real(name: &str) -> Dataset {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    parse(&std::fs::read_to_string(path).expect("test data is readable"), Format::Ts).expect("test data parses")
}

/// Layer by layer: the sweep's points against every cloud run densely, and the points the
/// sweep reports as moved against the ones whose bits changed. Returns how many points
/// the suffix layers moved in all (to show the sweep had work to skip).
fn check_layers(name: &str, t: &Transformer, data: &Dataset) -> usize {
    let inputs: Vec<&DMatrix<f64>> = data.sequences().iter().map(|s| &s.tokens).collect();
    let (mixing, pointwise) = t.blocks.split_at(t.pointwise_from());
    assert!(sweepable(pointwise), "{name}: the suffix is sweepable");
    let mut clouds: Vec<Cloud> = prefixes(t, &inputs, mixing).into_iter().map(|c| c.0).collect();
    let mut dense = clouds.clone();
    let mut moved_total = 0;
    sweep_clouds(&mut clouds, pointwise, t.dim, |layer, sweep, moved| {
        let b = &pointwise[layer / 2];
        let before: Vec<DMatrix<f64>> = dense.iter().map(|c| c.points.clone()).collect();
        for c in dense.iter_mut() {
            if layer % 2 == 0 {
                b.ff.forward_in_place(&mut c.points);
            } else {
                hardmax::model::transformer::apply_attention(&b.sa, c);
            }
        }
        let mut col = 0;
        let mut changed = Vec::new();
        for (c, old) in dense.iter().zip(&before) {
            for j in 0..c.n_points() {
                let (a, s) = (c.points.column(j), sweep.tokens().column(col));
                assert!(a.iter().zip(s.iter()).all(|(x, y)| x.to_bits() == y.to_bits()), "{name}: layer {layer} point {col}");
                if a.iter().zip(old.column(j).iter()).any(|(x, y)| x.to_bits() != y.to_bits()) {
                    changed.push(col);
                }
                col += 1;
            }
        }
        assert_eq!(moved, changed.as_slice(), "{name}: layer {layer} moved");
        moved_total += moved.len();
    })
    .expect("sweepable");
    for (a, b) in clouds.iter().zip(&dense) {
        assert_eq!(bits(&a.points), bits(&b.points), "{name}");
    }
    moved_total
}

/// The batched outputs, and the verification, against the dense reference.
fn check(name: &str, t: &Transformer, data: &Dataset) {
    let inputs: Vec<&DMatrix<f64>> = data.sequences().iter().map(|s| &s.tokens).collect();
    let (a, b) = (forward_each(t, &inputs), forward_dense_each(t, &inputs));
    for (s, (x, y)) in a.iter().zip(&b).enumerate() {
        assert_eq!(bits(&x.cloud.points), bits(&y.cloud.points), "{name}: sequence {s}");
        assert_eq!((&x.cloud.counts, &x.cloud.token_point), (&y.cloud.counts, &y.cloud.token_point), "{name}: {s}");
        assert_eq!(x.min_attention_margin.to_bits(), y.min_attention_margin.to_bits(), "{name}: {s}");
    }
    if data.task() == Task::Classify {
        let (v, w) = (verify(t, data), verify_dense(t, data));
        assert_eq!(format!("{v:?}"), format!("{w:?}"), "{name}");
        assert_eq!(v.correct, v.total, "{name}");
    }
    check_layers(name, t, data);
}

fn build(data: &Dataset, opts: &Options) -> Transformer {
    compile(data, opts).expect("the data compiles").transformer
}

#[test]
fn presets_interpolation_sets_included() {
    for name in hardmax::presets::all_names() {
        for seed in [1, 7] {
            let data = hardmax::presets::preset(name, seed).unwrap();
            check(&format!("{name} seed {seed}"), &build(&data, &common::opts(seed)), &data);
        }
    }
}

#[test]
fn generated_and_hub_sets() {
    for (n, len, d, shared) in [(400, 6, 3, false), (300, 5, 4, true), (600, 3, 2, false)] {
        let data = generate(n, len, d, shared, 5).unwrap();
        for (labeling, max_width) in [(Labeling::Runs, 6), (Labeling::Points, 24), (Labeling::Runs, 96)] {
            let opts = Options { labeling, max_width, ..Options::default() };
            check(&format!("generated {n}x{len} d={d}"), &build(&data, &opts), &data);
        }
    }
    let hub = generate_hub(500, 3, 3).unwrap();
    check("hub 500", &build(&hub, &Options::default()), &hub);
}

#[test]
fn the_sweep_skips_most_points_on_a_large_set() {
    let data = generate(2000, 4, 8, false, 11).unwrap();
    let t = build(&data, &Options::default());
    let moved = check_layers("generated 2000", &t, &data);
    let label_layers = t.blocks.len() - t.pointwise_from();
    // each label layer moves the few points inside its slabs, not all 2,000
    assert!(moved < 4 * label_layers + 2 * 2000, "{moved} moves over {label_layers} blocks");
}

#[test]
fn real_sets() {
    for name in ["BasicMotions_TRAIN.ts", "BasicMotions_TEST.ts", "JapaneseVowels_TRAIN.ts", "JapaneseVowels_TEST.ts"] {
        let data = real(name);
        check(name, &build(&data, &Options::default()), &data);
    }
}

#[test]
fn a_model_checked_on_other_data() {
    // held-out-like data: the training model on a different draw (wrong answers allowed)
    let train = generate(200, 5, 3, false, 1).unwrap();
    let t = build(&train, &Options::default());
    let other = generate(200, 5, 3, false, 2).unwrap();
    let inputs: Vec<&DMatrix<f64>> = other.sequences().iter().map(|s| &s.tokens).collect();
    for (x, y) in forward_each(&t, &inputs).iter().zip(forward_dense_each(&t, &inputs)) {
        assert_eq!(bits(&x.cloud.points), bits(&y.cloud.points));
    }
    assert_eq!(format!("{:?}", verify(&t, &other)), format!("{:?}", verify_dense(&t, &other)));
}

fn parts() -> impl Strategy<Value = Vec<(Vec<Vec<f64>>, usize)>> {
    let token = proptest::collection::vec(-3.0f64..3.0, 2);
    let seq = (proptest::collection::vec(token, 1..5), 0usize..3);
    proptest::collection::vec(seq, 2..24)
}

proptest! {
    #![proptest_config(common::proptest_config(24, "HARDMAX_PROPTEST_FACTOR", 17))]
    #[test]
    fn random_sets_batch_bitwise(parts in parts(), seed in 0u64..1000) {
        let sequences = parts
            .into_iter()
            .enumerate()
            .map(|(i, (tokens, label))| RawSequence {
                name: format!("s{i}"),
                place: format!("sequence {}", i + 1),
                tokens,
                label: format!("c{label}"),
                target: None,
            })
            .collect();
        let Ok(data) = Dataset::new(RawDataset { sequences }) else { return Ok(()) };
        let Ok(built) = compile(&data, &common::opts(seed)) else { return Ok(()) };
        check("random", &built.transformer, &data);
    }
}

#[test]
fn apply_block_is_the_reference_step() {
    // the prefix runs the same step as the transformer's own forward pass
    let data = hardmax::presets::shared();
    let t = build(&data, &Options::default());
    let mut c = Cloud::from_tokens(&t.input.apply(&data.sequences()[0].tokens));
    for b in &t.blocks {
        apply_block(b, &mut c);
    }
    assert_eq!(bits(&c.points), bits(&t.forward(&data.sequences()[0].tokens).cloud.points));
}
