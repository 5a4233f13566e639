//! What the pictures teach must be true of the forward pass: in the label stage every
//! cluster moves toward its own class's anchor (in the view plane the page and the figures
//! draw), and the snap only finishes that move.

use hardmax::construct::{compile, AnchorPlacement, Labeling, Options};
use hardmax::dataset::Dataset;
use hardmax::model::{Stage, Transformer};
use hardmax::presets;
use nalgebra::DVector;

fn view(t: &Transformer, x: &DVector<f64>) -> [f64; 2] {
    [t.view[0].dot(x), t.view[1].dot(x)]
}

fn dist(a: [f64; 2], b: [f64; 2]) -> f64 {
    (a[0] - b[0]).hypot(a[1] - b[1])
}

/// Checks every label layer of every sequence; returns how many cluster moves it saw.
fn check_moves_toward_own_anchor(data: &Dataset, opts: &Options) -> usize {
    let built = compile(data, opts).expect("builds");
    let t = &built.transformer;
    let anchors: Vec<[f64; 2]> = t.anchors.iter().map(|a| view(t, a)).collect();
    let mut moves = 0;
    for (s, seq) in data.sequences().iter().enumerate() {
        let trace = t.trace(&seq.tokens);
        let own = anchors[seq.label];
        for k in 1..trace.len() {
            let (_, meta) = t.layer(k).expect("layer");
            if meta.stage != Stage::Label {
                continue;
            }
            // after the collapse a sequence is one point: every token is on it
            let before = view(t, &trace[k - 1].tokens.column(0).into_owned());
            let after = view(t, &trace[k].tokens.column(0).into_owned());
            if dist(before, after) < 1e-12 {
                continue;
            }
            moves += 1;
            assert!(
                dist(after, own) < dist(before, own),
                "sequence {s} (class {}), layer {k}: moved from {before:?} to {after:?}, away from its anchor {own:?}",
                data.classes()[seq.label]
            );
        }
        // the snap lands it on its anchor
        let last = view(t, &trace[trace.len() - 1].tokens.column(0).into_owned());
        assert!(dist(last, own) < 1e-9 * (1.0 + own[0].abs() + own[1].abs()), "sequence {s} ends at {last:?}, anchor {own:?}");
    }
    moves
}

fn option_grid() -> Vec<Options> {
    let mut out = Vec::new();
    for labeling in [Labeling::Runs, Labeling::Points] {
        for anchors in [AnchorPlacement::Circle, AnchorPlacement::Line] {
            for seed in [0, 3] {
                out.push(Options { seed, labeling, anchors, ..Options::default() });
            }
        }
    }
    out
}

#[test]
fn label_moves_go_toward_own_anchor_on_every_preset() {
    for name in presets::NAMES {
        let data = presets::preset(name, 1).expect("preset");
        for opts in option_grid() {
            let moves = check_moves_toward_own_anchor(&data, &opts);
            assert!(moves > 0, "{name}: the label stage moved nothing");
        }
    }
}

#[test]
fn label_moves_go_toward_own_anchor_on_random_data_in_several_dimensions() {
    for d in [2usize, 3, 5, 8] {
        for seed in 0..4u64 {
            let mut state = seed * 7919 + d as u64;
            let mut rand = || {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                (state >> 11) as f64 / (1u64 << 53) as f64
            };
            let seqs: Vec<(Vec<Vec<f64>>, String)> = (0..24)
                .map(|q| {
                    let n = 2 + (q % 5);
                    let tokens = (0..n).map(|_| (0..d).map(|_| 10.0 * rand() - 5.0).collect()).collect();
                    (tokens, format!("c{}", q % 4))
                })
                .collect();
            let data = Dataset::from_parts(seqs).expect("valid");
            for opts in option_grid() {
                check_moves_toward_own_anchor(&data, &opts);
            }
        }
    }
}

#[test]
fn anchors_sit_on_their_class_rungs_and_rungs_are_ordered_by_class() {
    let data = presets::shared();
    let built = compile(&data, &Options::default()).expect("builds");
    let t = &built.transformer;
    let e = t.directions.e.as_ref().expect("e");
    let levels: Vec<f64> = t.anchors.iter().map(|a| e.dot(a)).collect();
    for pair in levels.windows(2) {
        assert!(pair[1] > pair[0] + 0.1, "rungs rise with the class order: {levels:?}");
    }
    // e lies in the view plane, so a move along e is drawn at its full length
    let in_plane = (t.view[0].dot(e)).hypot(t.view[1].dot(e));
    assert!((in_plane - 1.0).abs() < 1e-12, "|view(e)| = {in_plane}");
}
