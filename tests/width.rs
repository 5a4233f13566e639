//! Depth against width in the separate stage: under a wider cap one block jumps several
//! tokens out, each to its own level along w. At the default cap (6) the construction is
//! the one-jump construction, bit for bit (fingerprints of the model JSON recorded from
//! it); at every cap every model is exact, and the separate stage keeps its invariants:
//! jumped levels distinct and above every other token, each move-back slab holding only
//! its own level's tokens, w-projections of the tokens unchanged, all of them positive.

use hardmax::bench::{generate, generate_hub, with_targets};
use hardmax::construct::{compile, Compiled, Options};
use hardmax::dataset::{parse, Dataset, Format};
use hardmax::presets::{all_names, preset};

fn real(name: &str) -> Dataset {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    parse(&std::fs::read_to_string(path).expect("test data is readable"), Format::Ts).expect("test data parses")
}

/// FNV-1a over the model's JSON and its build figures: a stable fingerprint of the
/// whole construction (floats print shortest round-trip, so equal bits give equal text).
fn fingerprint(c: &Compiled) -> u64 {
    let text = serde_json::to_string(&c.transformer).expect("the transformer serializes")
        + &serde_json::to_string(&c.stats).expect("the stats serialize");
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

/// Fingerprints of the width-6 models, recorded from the one-jump construction.
const RECORDED: &[(&str, u64)] = &[
    ("preset shared seed 0", 0xd497ba791cf670f1),
    ("preset shared seed 1", 0x9f2a8990648b1bb1),
    ("preset random seed 0", 0x1ebed0167948d03a),
    ("preset random seed 1", 0x7d510528471f3f72),
    ("preset rings seed 0", 0x5281374d7a2f01da),
    ("preset rings seed 1", 0x69d522cfe6e22997),
    ("preset vowels seed 0", 0xaa0cf998bd222460),
    ("preset vowels seed 1", 0x26098c7fe5102183),
    ("preset paths seed 0", 0x122fec7f0c3e6dc5),
    ("preset paths seed 1", 0x7d3698e0efa9a968),
    ("preset copy seed 0", 0x11a817ddffcc8dc1),
    ("preset copy seed 1", 0x94de1acdb8cfda39),
    ("preset reverse seed 0", 0x5cff5b5f1b69a1f5),
    ("preset reverse seed 1", 0xc7f6c1caf9800949),
    ("preset translate seed 0", 0xad6bb4a6930ab7dd),
    ("preset translate seed 1", 0xff4f5c197377b816),
    ("shared-token targets seed 1", 0x17ab579b08feca34),
    ("shared-token seed 1", 0xa453fea2ce519c43),
    ("shared-token targets seed 2", 0x469b6f0e4a7d64cf),
    ("shared-token seed 2", 0xc0d9f88cd77af1d7),
    ("shared-token targets seed 3", 0x3aa7545c5cfdba13),
    ("shared-token seed 3", 0xaf5b8b72ea4dda65),
    ("shared-token 300", 0x0a13b722eb364388),
    ("hub 100 seed 1", 0xde385d64536e311a),
    ("hub 300 seed 5", 0x2a62d3026444d760),
    ("BasicMotions_TRAIN.ts", 0x7f7a378ea2cd073d),
    ("JapaneseVowels_TRAIN.ts", 0x61b6463859fcba51),
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
