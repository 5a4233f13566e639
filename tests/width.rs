//! Depth against width in the separate stage: under a wider cap one block jumps several
//! tokens out, each to its own level along w. At the default cap (6) the construction is
//! the one-jump construction, bit for bit (fingerprints of the model JSON recorded from
//! it); at every cap every model is exact, and the separate stage keeps its invariants:
//! jumped levels distinct and above every other token, each move-back slab holding only
//! its own level's tokens, w-projections of the tokens unchanged, all of them positive.

use hardmax::bench::{generate, generate_hub, with_targets};
use hardmax::construct::{compile, Compiled, Options};
use hardmax::dataset::{parse, Dataset, Format, Task};
use hardmax::model::{Stage, TentRole, Transformer};
use hardmax::verify::{verify, verify_targets};
use hardmax::presets::{all_names, preset};

fn real(name: &str) -> Dataset {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    parse(&std::fs::read_to_string(path).expect("test data is readable"), Format::Ts).expect("test data parses")
}

/// FNV-1a over the JSON of every block outside the label stage, the input map and the
/// split count: a stable fingerprint of what the separate stage decides and hands on
/// (floats print shortest round-trip, so equal bits give equal text). The label stage's
/// tents are left out: they changed on their own since the recording (trapezoids with
/// even ramps), which the label stage's own tests cover.
fn fingerprint(c: &Compiled) -> u64 {
    let t = &c.transformer;
    let mut text = serde_json::to_string(&t.input).expect("the input map serializes");
    for b in t.blocks.iter().filter(|b| b.ff_meta.stage != Stage::Label) {
        text += &serde_json::to_string(b).expect("a block serializes");
    }
    text += &c.stats.splits.to_string();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The datasets the width-6 fingerprints were recorded on.
fn fingerprint_cases() -> Vec<(String, Dataset, u64)> {
    let mut cases = Vec::new();
    for name in all_names() {
        for seed in [0, 1] {
            cases.push((format!("preset {name} seed {seed}"), preset(name, seed).expect("preset"), seed));
        }
    }
    for seed in [1, 2, 3] {
        let data = generate(60, 6, 3, true, seed).expect("valid sizes");
        cases.push((format!("shared-token targets seed {seed}"), with_targets(&data, seed).expect("targets"), seed));
        cases.push((format!("shared-token seed {seed}"), data, seed));
    }
    cases.push(("shared-token 300".into(), generate(300, 6, 3, true, 1).expect("valid sizes"), 0));
    for (n, seed) in [(100, 1), (300, 5)] {
        cases.push((format!("hub {n} seed {seed}"), generate_hub(n, 3, seed).expect("valid sizes"), 0));
    }
    for name in ["BasicMotions_TRAIN.ts", "JapaneseVowels_TRAIN.ts"] {
        cases.push((name.to_string(), real(name), 0));
    }
    cases
}

/// Fingerprints of the width-6 models, recorded from the one-jump construction (before
/// several jumps per block, and before the label trapezoids' even ramps).
const RECORDED: &[(&str, u64)] = &[
    ("preset shared seed 0", 0x0b22267b977dfa3e),
    ("preset shared seed 1", 0x969dd412b26115e0),
    ("preset random seed 0", 0xc3d4f816249e7f65),
    ("preset random seed 1", 0xe53956d605eedf02),
    ("preset rings seed 0", 0x5a5c0a7d065df9dc),
    ("preset rings seed 1", 0xd098665dd8cbe1a9),
    ("preset vowels seed 0", 0x2da45a1b98dff484),
    ("preset vowels seed 1", 0x9a69a73d7ef5759c),
    ("preset paths seed 0", 0x1387bf24ab30321d),
    ("preset paths seed 1", 0xc768655d6c23283d),
    ("preset copy seed 0", 0xf4f434af0c42b50c),
    ("preset copy seed 1", 0xc66c9a1ab2942108),
    ("preset reverse seed 0", 0x01d3a1437cdd7249),
    ("preset reverse seed 1", 0xd9fdc08b6896effa),
    ("preset translate seed 0", 0x1453b190c45c52c6),
    ("preset translate seed 1", 0xded47b25d4f92f66),
    ("shared-token targets seed 1", 0x0aeb9c40dad83be6),
    ("shared-token seed 1", 0x49198b870c5b5c0a),
    ("shared-token targets seed 2", 0x327c9eced2ad6a57),
    ("shared-token seed 2", 0x61d35f30ea87b726),
    ("shared-token targets seed 3", 0x8409d8967d71931f),
    ("shared-token seed 3", 0x572a76025a841e1e),
    ("shared-token 300", 0x9dd8a32c1eedb743),
    ("hub 100 seed 1", 0xbe15394b98f05b18),
    ("hub 300 seed 5", 0x6749eac82cc7913b),
    ("BasicMotions_TRAIN.ts", 0x4fbcc0a2a25f3e98),
    ("JapaneseVowels_TRAIN.ts", 0x06d0f102277f7f06),
];

#[test]
fn width_six_is_the_one_jump_construction_bit_for_bit() {
    let mut seen = Vec::new();
    for (name, data, seed) in fingerprint_cases() {
        let built = compile(&data, &Options { seed, ..Options::default() }).expect("the construction succeeds");
        seen.push((name, fingerprint(&built)));
    }
    let listing: String = seen.iter().map(|(n, h)| format!("    (\"{n}\", 0x{h:016x}),\n")).collect();
    assert_eq!(seen.len(), RECORDED.len(), "fingerprints now:\n{listing}");
    for ((name, h), (rec_name, rec)) in seen.iter().zip(RECORDED) {
        assert_eq!(name, rec_name);
        assert_eq!(*h, *rec, "{name}: the width-6 model changed; fingerprints now:\n{listing}");
    }
}

/// The separate stage's invariants on the built model, sequence by sequence: at every
/// separate feed-forward layer the move-back levels are distinct, more than a slab apart
/// and above every token that is not up; each move-back slab holds only tokens at its
/// level; no layer is wider than the cap; every token keeps w.x > 0; after the last
/// move-back every token's projection on w is what it was before the stage.
fn check_separate_invariants(name: &str, t: &Transformer, data: &Dataset, max_width: usize) -> (usize, usize) {
    let w = &t.directions.w;
    let sep: Vec<usize> = (0..t.blocks.len()).filter(|&i| t.blocks[i].ff_meta.stage == Stage::Separate).collect();
    let mut most_jumps = 0;
    for &i in &sep {
        let b = &t.blocks[i];
        assert!(b.ff.width() <= max_width, "{name}: separate block {i} is {} wide", b.ff.width());
        let jumps = b.ff_meta.tents.iter().filter(|x| x.role == TentRole::JumpOut).count();
        assert!(jumps <= (max_width / 6).max(1), "{name}: {jumps} jumps at width {max_width}");
        most_jumps = most_jumps.max(jumps);
    }
    // the layer that brings the last jumps back: the next stage's first FF layer
    let after = sep.last().map(|&i| i + 1);
    let back_layers: Vec<usize> = sep.iter().copied().chain(after).collect();
    let highest = back_layers
        .iter()
        .flat_map(|&i| t.blocks[i].ff_meta.tents.iter())
        .filter(|x| x.role == TentRole::MoveBack)
        .map(|x| x.lo)
        .fold(0.0, f64::max);
    for s in data.sequences() {
        let states = t.trace(&s.tokens);
        let Some(&first) = sep.first() else { continue };
        let before: Vec<f64> = states[2 * first].tokens.column_iter().map(|x| w.dot(&x)).collect();
        let top = before.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        for &i in &back_layers {
            let x = &states[2 * i].tokens;
            let proj: Vec<f64> = x.column_iter().map(|c| w.dot(&c)).collect();
            assert!(proj.iter().all(|p| *p > 0.0), "{name}: a token has w.x <= 0 before block {i}");
            let backs: Vec<_> = t.blocks[i].ff_meta.tents.iter().filter(|x| x.role == TentRole::MoveBack).collect();
            for (k, mb) in backs.iter().enumerate() {
                assert_eq!(mb.lo, mb.hi, "{name}: a move-back tent is a point tent");
                assert!(mb.lo - mb.left > top, "{name}: block {i}: a move-back slab reaches the data below");
                for other in &backs[k + 1..] {
                    assert!((mb.lo - other.lo).abs() > mb.left + other.left, "{name}: block {i}: two levels' slabs meet");
                }
                let tol = 1e-6 * mb.left;
                for p in &proj {
                    if (p - mb.lo).abs() < mb.left {
                        assert!((p - mb.lo).abs() <= tol, "{name}: block {i}: a token at {p} lies in the slab of level {}", mb.lo);
                    }
                }
            }
            // every token up lies in some move-back slab of this layer
            for p in &proj {
                if *p > top + 1e-9 * top.abs().max(1.0) {
                    assert!(backs.iter().any(|mb| (p - mb.lo).abs() < mb.left), "{name}: block {i}: a token up at {p} is not brought back");
                }
            }
        }
        // coordinates grow additively: each block slides a sequence by lambda (w . leader)
        // <= the highest level (lambda <= m / (top + m) < 1); the tokens still up add one more
        let size = |k: usize| states[k].tokens.column_iter().map(|c| c.norm()).fold(0.0, f64::max);
        let end = 2 * sep[sep.len() - 1] + 2;
        let bound = size(2 * first) + (sep.len() + 1) as f64 * (highest + 1e-9 * highest);
        assert!(size(end) <= bound, "{name}: size {} after the separate stage, above {bound}", size(end));
        // classification: the next stage's first FF layer only brings the last jumps back
        // (interpolation's park layer also lifts every token)
        if let (Some(a), Task::Classify) = (after, data.task()) {
            for (p, q) in states[2 * a + 1].tokens.column_iter().map(|x| w.dot(&x)).zip(&before) {
                assert!((p - q).abs() <= 1e-7 * top, "{name}: w.x went from {q} to {p} over the separate stage");
            }
        }
    }
    (sep.len(), most_jumps)
}

/// Exact at this width, within the cap, with the separate stage's invariants; returns
/// (separate blocks, most jumps in one block, all blocks).
fn exact_at(name: &str, data: &Dataset, max_width: usize, seed: u64) -> (usize, usize, usize) {
    let built = compile(data, &Options { max_width, seed, ..Options::default() })
        .unwrap_or_else(|e| panic!("{name} at width {max_width}: {e}"));
    let t = &built.transformer;
    if data.task() == Task::Classify {
        let v = verify(t, data);
        assert_eq!(v.correct, v.total, "{name} at width {max_width}: every sequence right");
        assert!(v.min_margin > 0.0 && v.min_attention_margin > 0.0, "{name} at width {max_width}");
    } else {
        let v = verify_targets(t, data).expect("targets verify");
        assert_eq!(v.correct, v.total, "{name} at width {max_width}: every read token on target");
        assert!(v.max_error_rel <= 1e-9 && v.min_attention_margin > 0.0, "{name} at width {max_width}: {v:?}");
    }
    let (sep, most) = check_separate_invariants(&format!("{name} at width {max_width}"), t, data, max_width);
    (sep, most, t.blocks.len())
}

/// The menu's widths, and no cap at all (as many jumps per block as the split choice finds).
const WIDTHS: [usize; 5] = [6, 12, 24, 96, UNLIMITED];
const UNLIMITED: usize = 1_000_000;

#[test]
fn hub_data_is_exact_at_every_width_and_wider_needs_fewer_separate_blocks() {
    let data = generate_hub(300, 3, 5).expect("valid sizes");
    let mut seen = Vec::new();
    for w in WIDTHS {
        seen.push((w, exact_at("hub 300", &data, w, 0)));
    }
    let at = |w: usize| seen.iter().find(|s| s.0 == w).expect("measured").1;
    assert_eq!(at(6).1, 1, "one jump per block at width 6");
    assert!(at(96).1 > 1, "several jumps per block at width 96: {seen:?}");
    assert!(at(96).0 < at(6).0, "fewer separate blocks at width 96: {seen:?}");
    assert!(at(96).2 < at(6).2, "fewer blocks at width 96: {seen:?}");
    // without a cap a handful of blocks split every group (each block splits every group
    // that still conflicts, many times over)
    assert!(at(UNLIMITED).0 <= at(96).0 && at(UNLIMITED).0 <= 8, "separate blocks without a cap: {seen:?}");
}

#[test]
fn shared_token_data_is_exact_at_every_width() {
    for seed in [1, 2, 3] {
        let data = generate(120, 6, 3, true, seed).expect("valid sizes");
        for w in WIDTHS {
            exact_at(&format!("shared-token seed {seed}"), &data, w, seed);
        }
    }
}

#[test]
fn real_sets_are_exact_at_every_width() {
    for name in ["BasicMotions_TRAIN.ts", "BasicMotions_TEST.ts", "JapaneseVowels_TRAIN.ts", "JapaneseVowels_TEST.ts"] {
        let data = real(name);
        for w in WIDTHS {
            exact_at(name, &data, w, 0);
        }
    }
}

#[test]
fn interpolation_is_exact_at_every_width() {
    // the presets and shared tokens read onto targets: ByTarget conflicts
    for name in hardmax::presets::INTERPOLATION_NAMES {
        for w in WIDTHS {
            exact_at(name, &preset(name, 0).expect("preset"), w, 0);
        }
    }
    for seed in [1, 2] {
        let data = with_targets(&generate(80, 6, 3, true, seed).expect("valid sizes"), seed).expect("targets");
        for w in WIDTHS {
            exact_at(&format!("targets seed {seed}"), &data, w, seed);
        }
    }
}

#[test]
fn several_jumps_are_captioned_and_drawn() {
    use hardmax::scene::{Budget, Keep, Scene};
    let data = generate_hub(200, 3, 2).expect("valid sizes");
    let t = compile(&data, &Options { max_width: 24, ..Options::default() }).expect("built").transformer;
    let scene: Scene<f64> = Scene::new(&data, &t, &Budget::EVERYTHING, Keep::All).expect("the scene");
    let jumps = |l: &hardmax::scene::LayerInfo| l.tents.iter().filter(|x| x.role == TentRole::JumpOut).count();
    let multi: Vec<_> = scene.layers.iter().filter(|l| jumps(l) > 1).collect();
    assert!(!multi.is_empty(), "some separate layer jumps several tokens");
    for l in &multi {
        let n = jumps(l);
        assert!(n <= 4, "at most 24 / 6 jumps per block");
        assert!(l.tents.iter().all(|x| x.half_width.is_finite() && x.half_width > 0.0));
        let want = format!("{n} tokens that only some of the conflicting sequences hold jump out along w, each to its own height");
        assert!(l.caption.contains(&want), "{}", l.caption);
        let next = &scene.layers[l.index];
        assert!(next.caption.contains(&format!("as many as {} parts", n + 1)), "{}", next.caption);
    }
    // the next layer brings every one of them back, each from its own height
    let back = &scene.layers[multi[0].index + 1];
    let n_back = back.tents.iter().filter(|x| x.role == TentRole::MoveBack).count();
    assert_eq!(n_back, jumps(multi[0]));
    assert!(back.caption.contains(&format!("{n_back} tokens come back down")), "{}", back.caption);
    assert_eq!(scene.plan.jumps, t.blocks.iter().flat_map(|b| &b.ff_meta.tents).filter(|x| x.role == TentRole::JumpOut).count());
    assert!(scene.plan.jumps > scene.plan.splits);
}
