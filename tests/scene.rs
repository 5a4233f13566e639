//! The scene draws the forward pass the verifier checked: at every state its positions are
//! the native trace projected into the view (exactly, in f64), and its leaders are the
//! tokens the forward pass attended to, with the same margins. Checked on the presets,
//! generated data (with and without shared tokens), the real .ts sets, positional encoding
//! and lifted d = 1 series; and for a sampled scene, the f32 scene and the stage panels.

use hardmax::bench::generate;
use hardmax::construct::{compile, Options};
use hardmax::dataset::{parse, Dataset, Format};
use hardmax::figures::state_svg;
use hardmax::model::transformer::TraceStep;
use hardmax::model::{LayerKind, Stage, Transformer};
use hardmax::presets;
use hardmax::scene::{Budget, Coord, Keep, Scene};
use hardmax::Error;
use nalgebra::DVectorView;

fn real(name: &str) -> Dataset {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    parse(&std::fs::read_to_string(&path).expect("test data"), Format::Ts).expect("valid .ts")
}

fn built(data: &Dataset) -> Transformer {
    compile(data, &Options::default()).unwrap().transformer
}

/// The transformer of `data` and its scene of every token at every state.
fn whole_scene(data: &Dataset) -> (Transformer, Scene<f64>) {
    let t = built(data);
    let scene = Scene::new(data, &t, &Budget::EVERYTHING, Keep::All).unwrap();
    (t, scene)
}

fn view(t: &Transformer, x: DVectorView<f64>) -> [f64; 2] {
    [t.view[0].dot(&x), t.view[1].dot(&x)]
}

/// Every case: a name, the data and the options it is built with.
fn cases() -> Vec<(String, Dataset, Options)> {
    let mut out: Vec<(String, Dataset, Options)> = Vec::new();
    for name in presets::NAMES {
        for seed in [0, 3] {
            out.push((format!("{name} seed {seed}"), presets::preset(name, seed).unwrap(), Options::default()));
        }
    }
    out.push(("shared, positional".into(), presets::shared(), Options { positional: true, ..Options::default() }));
    out.push(("shared, 3 collapse layers".into(), presets::shared(), Options { collapse_layers: 3, ..Options::default() }));
    out.push(("generated, shared hubs".into(), generate(40, 6, 3, true, 5).unwrap(), Options::default()));
    out.push(("generated, no sharing".into(), generate(30, 8, 5, false, 2).unwrap(), Options::default()));
    let series = Dataset::from_parts(
        (0..8).map(|i| ((0..6).map(|t| vec![((i * 7 + t * 3) % 11) as f64]).collect(), format!("{}", i % 2))).collect(),
    )
    .unwrap();
    out.push(("d = 1, lifted".into(), series, Options { lift_time: true, ..Options::default() }));
    out.push(("BasicMotions train".into(), real("BasicMotions_TRAIN.ts"), Options::default()));
    out.push(("JapaneseVowels train".into(), real("JapaneseVowels_TRAIN.ts"), Options::default()));
    out
}

/// Positions and attention of a scene against the trace of every drawn sequence.
fn check_against_trace<P: Coord>(what: &str, data: &Dataset, t: &Transformer, scene: &Scene<P>, exact: bool) {
    let mut first = 0;
    let mut seen = 0;
    for (s, seq) in data.sequences().iter().enumerate() {
        let Some(start) = scene.drawn.iter().position(|&(q, _)| q as usize == s) else { continue };
        assert_eq!(start, first, "{what}: sequence {s} is drawn right after the previous one");
        let trace: Vec<TraceStep> = t.trace(&seq.tokens);
        assert_eq!(trace.len(), scene.layer_count() + 1);
        for &state in &scene.states {
            for j in 0..seq.len() {
                let want = view(t, trace[state].tokens.column(j));
                let got = scene.position(state, start + j).unwrap();
                if exact {
                    assert_eq!(got, want, "{what}: sequence {s}, token {j}, state {state}");
                } else {
                    assert_eq!(got, want.map(|v| v as f32 as f64), "{what}: f32 cast, state {state}");
                }
            }
            if state == 0 {
                continue;
            }
            match (&trace[state].attention, scene.attention(state)) {
                (Some(att), Some(a)) => {
                    for (j, &(leader, margin)) in att.iter().enumerate() {
                        assert_eq!(a.leader[start + j] as usize, start + leader, "{what}: leader, layer {state}");
                        assert_eq!(a.margin[start + j].to_f64(), P::from_f64(margin).to_f64(), "{what}: margin, layer {state}");
                    }
                }
                (None, None) => {}
                (want, got) => panic!("{what}: layer {state}: trace attends {} but the scene {}", want.is_some(), got.is_some()),
            }
        }
        first += seq.len();
        seen += 1;
    }
    assert_eq!(first, scene.drawn.len(), "{what}: every drawn token belongs to a drawn sequence");
    assert!(seen > 0);
}

#[test]
fn positions_and_leaders_are_the_forward_pass_at_every_state() {
    for (what, data, opts) in cases() {
        let t = compile(&data, &opts).unwrap_or_else(|e| panic!("{what}: {e}")).transformer;
        let scene: Scene<f64> = Scene::new(&data, &t, &Budget::EVERYTHING, Keep::All).unwrap();
        assert!(!scene.sampled, "{what}");
        assert_eq!(scene.drawn.len(), data.total_tokens(), "{what}");
        assert_eq!(scene.states, (0..=t.layer_count()).collect::<Vec<_>>());
        check_against_trace(&what, &data, &t, &scene, true);
        // attention layers that look at other tokens are exactly the ones with leaders
        for k in 1..=t.layer_count() {
            let attends = scene.layer(k).unwrap().kind == LayerKind::Sa && !t.blocks[(k - 1) / 2].sa.is_pointwise();
            assert_eq!(scene.attention(k).is_some(), attends, "{what}: layer {k}");
        }
    }
}

#[test]
fn the_page_scene_is_the_same_scene_cast_to_f32() {
    let data = presets::preset("vowels", 0).unwrap();
    let t = built(&data);
    let wide: Scene<f64> = Scene::new(&data, &t, &Budget::PAGE, Keep::All).unwrap();
    let narrow: Scene<f32> = Scene::new(&data, &t, &Budget::PAGE, Keep::All).unwrap();
    let cast: Vec<f32> = wide.positions().iter().map(|&v| v as f32).collect();
    assert_eq!(narrow.positions(), cast.as_slice());
    check_against_trace("vowels f32", &data, &t, &narrow, false);
    assert_eq!(narrow.layers, wide.layers);
    assert_eq!(narrow.anchors, wide.anchors);
}

#[test]
fn leaders_are_the_tokens_furthest_along_w() {
    let data = presets::shared();
    let (t, scene) = whole_scene(&data);
    // the collapse layer lands every token on its sequence's leader
    let collapse = (1..=t.layer_count())
        .find(|&k| scene.layer(k).is_some_and(|l| l.kind == LayerKind::Sa && l.stage == Stage::Collapse))
        .unwrap();
    let att = scene.attention(collapse).unwrap();
    for (s, seq) in data.sequences().iter().enumerate() {
        let leader = scene.leaders[s].unwrap() as usize;
        let start = scene.drawn.iter().position(|&(q, _)| q as usize == s).unwrap();
        for j in 0..seq.len() {
            assert_eq!(att.leader[start + j] as usize, leader, "sequence {s}, token {j}");
        }
        let along = |j: usize| t.directions.w.dot(&t.input.apply(&seq.tokens).column(j));
        assert!((0..seq.len()).all(|j| along(j) <= along(leader - start)));
    }
}

#[test]
fn big_data_are_sampled_by_sequence_within_the_budget() {
    let data = generate(60, 10, 3, true, 1).unwrap();
    let t = built(&data);
    let states = t.layer_count() + 1;
    let budget = Budget { view_floats: 2 * states * 200, full_floats: 0 };
    let scene: Scene<f64> = Scene::new(&data, &t, &budget, Keep::All).unwrap();
    assert!(scene.sampled);
    assert!(scene.drawn.len() <= 200 && scene.drawn.len() >= 100, "{} drawn", scene.drawn.len());
    assert!(scene.positions().len() <= budget.view_floats);
    // whole sequences, every k-th
    let seqs: Vec<u32> = scene.drawn.iter().map(|d| d.0).collect::<std::collections::BTreeSet<_>>().into_iter().collect();
    assert!(seqs.windows(2).all(|w| w[1] - w[0] == seqs[1] - seqs[0]));
    check_against_trace("sampled", &data, &t, &scene, true);
    assert!(scene.leaders.iter().filter(|l| l.is_some()).count() == seqs.len());
}

#[test]
fn full_positions_are_kept_or_recomputed_alike() {
    let data = presets::preset("vowels", 0).unwrap();
    let t = built(&data);
    let kept: Scene<f32> = Scene::new(&data, &t, &Budget::PAGE, Keep::All).unwrap();
    let recomputed: Scene<f32> = Scene::new(&data, &t, &Budget { full_floats: 0, ..Budget::PAGE }, Keep::All).unwrap();
    for (state, i) in [(0, 0), (5, 17), (t.layer_count(), kept.drawn.len() - 1)] {
        let (s, j) = kept.drawn[i];
        let want: Vec<f64> = t.trace(&data.sequences()[s as usize].tokens)[state].tokens.column(j as usize).iter().copied().collect();
        assert_eq!(kept.token_position(&data, &t, state, i).unwrap(), want);
        assert_eq!(recomputed.token_position(&data, &t, state, i).unwrap(), want);
    }
    assert!(kept.token_position(&data, &t, t.layer_count() + 1, 0).is_none());
    assert!(kept.token_position(&data, &t, 0, kept.drawn.len()).is_none());
}

#[test]
fn tents_sit_on_the_tokens_they_move() {
    let data = presets::shared();
    let (t, scene) = whole_scene(&data);
    let traces: Vec<Vec<TraceStep>> = data.sequences().iter().map(|s| t.trace(&s.tokens)).collect();
    let mut checked = 0;
    for k in 1..=t.layer_count() {
        let tents = &t.layer(k).unwrap().1.tents;
        assert_eq!(tents.len(), scene.layer(k).unwrap().tents.len());
        for (tent, drawn) in tents.iter().zip(&scene.layer(k).unwrap().tents) {
            // the tokens in the tent's slab at the layer's input, and their mean in the view
            let (mut sum, mut n) = ([0.0, 0.0], 0.0);
            for trace in &traces {
                for x in trace[k - 1].tokens.column_iter() {
                    let z = tent.direction.dot(&x);
                    if z > tent.lo - tent.left && z < tent.hi + tent.right {
                        let p = view(&t, x);
                        sum = [sum[0] + p[0], sum[1] + p[1]];
                        n += 1.0;
                    }
                }
            }
            assert!(n > 0.0, "layer {k}: a tent of the construction moves some token");
            assert_eq!(drawn.center, [sum[0] / n, sum[1] / n], "layer {k}");
            assert_eq!(drawn.shift, view(&t, tent.displacement.as_view()));
            assert!((drawn.normal[0].hypot(drawn.normal[1]) - 1.0).abs() < 1e-12);
            checked += 1;
        }
    }
    assert!(checked >= 4, "{checked} tents");
}

#[test]
fn stages_layers_directions_and_view() {
    let data = presets::preset("vowels", 0).unwrap();
    let t = built(&data);
    let scene: Scene<f32> = Scene::new(&data, &t, &Budget::PAGE, Keep::All).unwrap();
    // stage ranges tile 1..=L in the construction's order
    let order: Vec<Stage> = scene.stages.iter().map(|b| b.stage).collect();
    assert_eq!(order, vec![Stage::Normalize, Stage::Collapse, Stage::Label, Stage::Snap], "vowels share no tokens");
    assert_eq!(scene.stages[0].first, 1);
    assert_eq!(scene.stages.last().unwrap().last, t.layer_count());
    assert!(scene.stages.windows(2).all(|w| w[1].first == w[0].last + 1));
    for (i, l) in scene.layers.iter().enumerate() {
        assert_eq!((l.index, l.block), (i + 1, i / 2 + 1));
        assert!(!l.caption.is_empty());
    }
    // PCA view of d = 12 tokens: two fractions of the variance, the first the larger
    let [a, b] = scene.view.explained.unwrap();
    assert!(a >= b && b > 0.0 && a + b <= 1.0 + 1e-12, "{a} {b}");
    for v in [Some(scene.directions.w), Some(scene.directions.c), scene.directions.u, scene.directions.e] {
        let v = v.unwrap();
        assert!((v[0].hypot(v[1]) - 1.0).abs() < 1e-9);
    }
    assert_eq!(scene.anchors.len(), t.classes.len());
    // d = 2: the coordinate plane, no variance to report
    let flat: Scene<f32> = Scene::new(&presets::shared(), &compile(&presets::shared(), &Options::default()).unwrap().transformer, &Budget::PAGE, Keep::All).unwrap();
    assert_eq!(flat.view.explained, None);
}

#[test]
fn the_stage_panels_are_the_same_states() {
    let data = presets::shared();
    let t = built(&data);
    let all: Scene<f64> = Scene::new(&data, &t, &Budget::EVERYTHING, Keep::All).unwrap();
    let panels: Scene<f64> = Scene::new(&data, &t, &Budget::EVERYTHING, Keep::StagePanels).unwrap();
    assert_eq!(panels.states, panels.plan.states.to_vec());
    for &state in &panels.plan.states {
        assert_eq!(panels.positions_at(state), all.positions_at(state), "state {state}");
    }
    assert!(panels.positions_at(1).is_none() || panels.plan.states.contains(&1));
    assert_eq!(panels.leaders, all.leaders);
}

#[test]
fn softmax_runs_the_same_weights() {
    let data = presets::shared();
    let (t, scene) = whole_scene(&data);
    let run = scene.softmax(&data, &t, 50.0).unwrap();
    let mut correct = 0;
    let mut at = 0;
    for s in data.sequences() {
        let steps = t.trace_softmax(&s.tokens, 50.0);
        correct += (t.nearest_anchor(&steps.last().unwrap().column_mean()).0 == s.label) as usize;
        for (state, x) in steps.iter().enumerate() {
            for j in 0..s.len() {
                let p = view(&t, x.column(j));
                let i = 2 * (state * scene.drawn.len() + at + j);
                assert_eq!([run.positions[i], run.positions[i + 1]], p);
            }
        }
        at += s.len();
    }
    assert_eq!((run.correct, run.total), (correct, data.len()));
    assert!(matches!(scene.softmax(&data, &t, f64::NAN), Err(Error::InvalidOption { name: "beta", .. })));
    assert!(scene.softmax(&data, &t, -1.0).is_err());
}

#[test]
fn data_of_another_dimension_are_refused_by_name() {
    let t = compile(&presets::shared(), &Options::default()).unwrap().transformer;
    let other = presets::vowels().unwrap();
    let e = Scene::<f64>::new(&other, &t, &Budget::PAGE, Keep::All).unwrap_err();
    assert_eq!(e, Error::WrongDimension { data: 12, model: 2 });
}

// ---------------------------------------------------------------------------------------
// Interpolation scenes
// ---------------------------------------------------------------------------------------

/// Interpolation data: the paths preset, a d = 5 pool with shared tokens and m up to n.
fn interpolation_cases() -> Vec<(String, Dataset, Options)> {
    let mut out = vec![
        ("paths".to_string(), presets::paths(), Options::default()),
        ("paths, positional".to_string(), presets::paths(), Options { positional: true, ..Options::default() }),
        ("paths, width 12".to_string(), presets::paths(), Options { max_width: 12, ..Options::default() }),
    ];
    // twelve sequences over a pool of seven points in R^5, targets anywhere in [-3, 3]^5
    let pool: Vec<Vec<f64>> = (0..7).map(|i| (0..5).map(|k| (((i * 5 + k) * 37 % 23) as f64) / 7.0 - 1.0).collect()).collect();
    type Tokens = Vec<Vec<f64>>;
    let parts: Vec<(Tokens, Tokens)> = (0..12)
        .map(|s| {
            let n = 2 + s % 4;
            let tokens: Vec<Vec<f64>> = (0..n).map(|j| pool[(s * 3 + j * 2) % 7].clone()).collect();
            let m = 1 + s % n;
            let target = (0..m).map(|k| (0..5).map(|q| (((s * 11 + k * 7 + q * 3) % 13) as f64) / 2.0 - 3.0).collect()).collect();
            (tokens, target)
        })
        .collect();
    match Dataset::from_targets(parts) {
        Ok(d) => out.push(("R^5 pool".to_string(), d, Options::default())),
        Err(e) => panic!("the R^5 pool is valid data: {e}"),
    }
    out
}

#[test]
fn interpolation_scenes_are_the_forward_pass_and_end_on_the_targets() {
    for (what, data, opts) in interpolation_cases() {
        let t = compile(&data, &opts).unwrap_or_else(|e| panic!("{what}: {e}")).transformer;
        let scene: Scene<f64> = Scene::new(&data, &t, &Budget::EVERYTHING, Keep::All).unwrap();
        check_against_trace(&what, &data, &t, &scene, true);
        assert_eq!(scene.task, hardmax::dataset::Task::Interpolate);
        // one target per read token, in order, each tied to the drawn read token
        assert_eq!(scene.targets.len(), data.sum_m(), "{what}");
        let mut k = 0;
        for (s, seq) in data.sequences().iter().enumerate() {
            let target = seq.target.as_ref().unwrap();
            let start = scene.drawn.iter().position(|&(q, _)| q as usize == s).unwrap();
            for (r, y) in target.column_iter().enumerate() {
                let tv = &scene.targets[k];
                assert_eq!((tv.seq as usize, tv.token as usize), (s, seq.read_from() + r), "{what}");
                assert_eq!(tv.drawn, Some((start + seq.read_from() + r) as u32), "{what}");
                assert_eq!(tv.at, view(&t, y), "{what}: the target projected into the view");
                k += 1;
            }
        }
        // at the last state every read token sits on its target in the view
        let last = t.layer_count();
        let scale = scene.targets.iter().flat_map(|x| x.at).fold(1.0f64, |a, v| a.max(v.abs()));
        for tv in &scene.targets {
            let p = scene.position(last, tv.drawn.unwrap() as usize).unwrap();
            for c in 0..2 {
                assert!((p[c] - tv.at[c]).abs() <= 1e-9 * scale, "{what}: seq {} token {}: {p:?} vs {:?}", tv.seq, tv.token, tv.at);
            }
        }
        // every sequence is its own colour group
        assert_eq!(scene.classes.len(), data.len(), "{what}");
        for (i, s) in scene.sequences.iter().enumerate() {
            assert_eq!((s.label, s.name.as_str()), (i, scene.classes[i].as_str()), "{what}");
        }
        assert!(scene.anchors.is_empty(), "{what}");
        // every layer says what it does
        for l in &scene.layers {
            assert!(!l.caption.trim().is_empty(), "{what}: layer {} has no caption", l.index);
        }
    }
}

#[test]
fn interpolation_stage_plan_is_input_separated_parked_placing_final() {
    let data = presets::paths();
    let (t, scene) = whole_scene(&data);
    let plan = &scene.plan;
    let [input, separated, parked, middle, last] = plan.states;
    assert!(input <= separated && separated < parked && parked <= middle && middle < last, "{:?}", plan.states);
    assert_eq!(last, t.layer_count());
    assert_eq!(scene.layer(input).unwrap().stage, Stage::Normalize);
    assert_eq!(scene.layer(parked).unwrap().stage, Stage::Park);
    assert_eq!(scene.layer(middle).unwrap().stage, Stage::Place);
    // the paths preset reads one token with different targets: a spread or a split is needed
    let moved = (input + 1..=separated).any(|k| scene.layer(k).unwrap().caption.starts_with("Spread"));
    assert!(plan.splits >= 1 || moved, "{plan:?}");
    assert!(input < separated);
    assert_eq!(plan.collapse_layers, 0);
    // one place tent per distinct read point
    let built = compile(&data, &Options::default()).unwrap();
    assert_eq!(plan.label_tents, built.stats.read_points);
    let stages: Vec<Stage> = scene.stages.iter().map(|r| r.stage).filter(|&s| s != Stage::Separate).collect();
    assert_eq!(stages, vec![Stage::Normalize, Stage::Park, Stage::Place]);
    // the stage panels keep exactly these states
    let panels: Scene<f64> = Scene::new(&data, &t, &Budget::EVERYTHING, Keep::StagePanels).unwrap();
    for s in plan.states {
        assert_eq!(panels.positions_at(s), scene.positions_at(s));
    }
}

/// A scene kept as moves (state 0 and what each layer moves) gives back, at every state,
/// exactly the positions the scene of every state keeps; the same attention (recomputed),
/// the same tents; its extents are the boxes of those positions; and it samples only
/// beyond its token budget.
#[test]
fn moves_rebuild_every_state_exactly() {
    let mut checked = 0;
    for (what, data, opts) in cases() {
        let t = compile(&data, &opts).unwrap().transformer;
        let all: Scene<f32> = Scene::new(&data, &t, &Budget::PAGE, Keep::All).unwrap();
        let moves: Scene<f32> = Scene::new(&data, &t, &Budget::PAGE, Keep::Moves { tokens: usize::MAX }).unwrap();
        assert!(all.moves().is_none() && !moves.sampled, "{what}");
        assert_eq!(moves.drawn, all.drawn, "{what}");
        assert_eq!(moves.layers, all.layers, "{what}: tents");
        let m = moves.moves().expect("kept as moves");
        assert_eq!(m.start.len(), t.layer_count() + 1, "{what}");
        assert_eq!(m.extents.len(), t.layer_count() + 1, "{what}");
        for state in 0..=t.layer_count() {
            let want = all.positions_at(state).unwrap();
            let got = moves.state_positions(state).unwrap();
            assert_eq!(&*got, want, "{what}: state {state}");
            if state > 0 {
                // a move is a token whose position changed, and only those
                let before = all.positions_at(state - 1).unwrap();
                let changed = (0..all.drawn.len())
                    .filter(|&i| before[2 * i] != want[2 * i] || before[2 * i + 1] != want[2 * i + 1])
                    .count();
                assert_eq!(m.start[state] - m.start[state - 1], changed, "{what}: moves of layer {state}");
                assert_eq!(moves.attention_at(&data, &t, state).as_deref(), all.attention(state), "{what}: attention {state}");
            }
            let xs = want.iter().step_by(2).map(|&v| v as f64);
            let ys = want.iter().skip(1).step_by(2).map(|&v| v as f64);
            let e = m.extents[state];
            assert_eq!(e[0], xs.clone().fold(f64::INFINITY, f64::min), "{what}: extents {state}");
            assert_eq!(e[2], xs.fold(f64::NEG_INFINITY, f64::max), "{what}: extents {state}");
            assert_eq!(e[1], ys.clone().fold(f64::INFINITY, f64::min), "{what}: extents {state}");
            assert_eq!(e[3], ys.fold(f64::NEG_INFINITY, f64::max), "{what}: extents {state}");
        }
        assert!(moves.state_positions(t.layer_count() + 1).is_none());
        let last = t.layer_count();
        assert_eq!(state_svg(&moves, last, 400, 300).unwrap(), state_svg(&all, last, 400, 300).unwrap(), "{what}: the SVG of a state");
        assert!(moves.softmax(&data, &t, 1.0).is_err(), "{what}: softmax is refused by name");
        checked += 1;
    }
    assert!(checked > 5);
    // sampled by sequence only beyond the token budget
    let data = generate(60, 10, 3, true, 1).unwrap();
    let t = built(&data);
    let scene: Scene<f32> = Scene::new(&data, &t, &Budget::PAGE, Keep::Moves { tokens: 200 }).unwrap();
    assert!(scene.sampled && scene.drawn.len() <= 200 && scene.drawn.len() >= 100, "{} drawn", scene.drawn.len());
    check_against_trace("sampled moves", &data, &t, &Scene::<f64>::new(&data, &t, &Budget::EVERYTHING, Keep::Moves { tokens: 200 }).unwrap(), true);
    let whole: Scene<f32> = Scene::new(&data, &t, &Budget::PAGE, Keep::Moves { tokens: usize::MAX }).unwrap();
    assert!(!whole.sampled && whole.drawn.len() == data.total_tokens());
}

/// The page keeps every state while they fit its budget, else moves (every token drawn).
#[test]
fn the_page_keeps_moves_only_when_every_state_does_not_fit() {
    let data = presets::shared();
    let t = built(&data);
    assert_eq!(Keep::page(&data, &t), Keep::All);
    // 60 sequences of 10 tokens, repeated until (layers + 1) x tokens x 2 passes the budget
    let small = generate(60, 10, 3, true, 1).unwrap();
    let ts = built(&small);
    let per_copy = (ts.layer_count() + 1) * small.total_tokens() * 2;
    let copies = Budget::PAGE.view_floats / per_copy + 1;
    let big = Dataset::from_parts(
        (0..copies)
            .flat_map(|_| small.sequences().iter())
            .map(|s| (s.tokens.column_iter().map(|c| c.iter().copied().collect()).collect(), small.classes()[s.label].clone()))
            .collect(),
    );
    if let Ok(big) = big {
        assert_eq!(Keep::page(&big, &ts), Keep::Moves { tokens: hardmax::scene::PAGE_TOKENS });
    }
}

/// A scene kept as moves walks the pointwise suffix in one sweep: the same scene, bitwise,
/// as walking every drawn sequence through every layer (f64 and the page's f32, sampled
/// and whole, with interpolation presets and a larger generated set).
#[test]
fn moves_from_the_sweep_are_the_dense_walk() {
    let mut all = cases();
    for name in presets::all_names() {
        all.push((format!("{name} (all presets)"), presets::preset(name, 1).unwrap(), Options::default()));
    }
    all.push(("generated 600".into(), generate(600, 5, 4, false, 9).unwrap(), Options::default()));
    for (name, data, opts) in all {
        let t = compile(&data, &opts).unwrap().transformer;
        for tokens in [usize::MAX, 97] {
            let keep = Keep::Moves { tokens };
            let a: Scene<f32> = Scene::new(&data, &t, &Budget::PAGE, keep.clone()).unwrap();
            let b: Scene<f32> = Scene::new_dense(&data, &t, &Budget::PAGE, keep.clone()).unwrap();
            assert_eq!(format!("{a:?}"), format!("{b:?}"), "{name}, {tokens} tokens (f32)");
            let a: Scene<f64> = Scene::new(&data, &t, &Budget::EVERYTHING, keep.clone()).unwrap();
            let b: Scene<f64> = Scene::new_dense(&data, &t, &Budget::EVERYTHING, keep).unwrap();
            assert_eq!(format!("{a:?}"), format!("{b:?}"), "{name}, {tokens} tokens (f64)");
        }
    }
}
