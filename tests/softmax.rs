//! The softmax threshold beta*: it exists on the presets and the real sets, every tested
//! beta at or above it classifies every sequence, a beta just below it fails, the proven
//! bound is all-correct, and the construction option that targets a beta meets it at the
//! cost of a larger Q only (same blocks, same parameter count).

use hardmax::construct::{compile, Options};
use hardmax::dataset::{parse, Dataset, Format};
use hardmax::error::Error;
use hardmax::model::Transformer;
use hardmax::softmax::{count_correct, threshold, Threshold, REL_TOL};
use hardmax::verify::verify;

fn real(name: &str) -> Dataset {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    parse(&std::fs::read_to_string(path).expect("test data is readable"), Format::Ts).expect("test data parses")
}

fn presets() -> Vec<(String, Dataset)> {
    hardmax::presets::NAMES
        .iter()
        .map(|name| (name.to_string(), hardmax::presets::preset(name, 3).expect("preset")))
        .collect()
}

/// Everything beta* promises, checked on the curve and by fresh evaluations.
fn check_threshold(name: &str, t: &Transformer, data: &Dataset, th: &Threshold) -> f64 {
    let n = data.len();
    assert_eq!(th.hardmax_correct, n, "{name}: hardmax itself is exact");
    let bound = th.beta_bound.unwrap_or_else(|| panic!("{name}: the bound is proven for built models"));
    let star = th.beta_star.unwrap_or_else(|| panic!("{name}: beta* exists"));
    assert!(star > 0.0 && star <= bound, "{name}: beta* {star} within (0, bound {bound}]");
    // the curve is ascending, and all-correct at and above beta*
    assert!(th.curve.windows(2).all(|w| w[0].beta < w[1].beta), "{name}: curve ascending");
    for c in &th.curve {
        assert_eq!(c.total, n);
        if c.beta >= star {
            assert_eq!(c.correct, n, "{name}: beta {} >= beta* {star} misclassifies", c.beta);
        }
    }
    // beta* and the bound were tested; beyond the bound softmax is hardmax
    assert!(th.curve.iter().any(|c| c.beta == star));
    for beta in [star, bound, bound * 10.0, bound * 1e6] {
        assert_eq!(count_correct(t, data, beta), n, "{name}: beta {beta}");
    }
    // a failing beta within REL_TOL below (when anything fails at all)
    if let Some(below) = th.beta_below {
        assert!(below < star && star / below <= 1.0 + REL_TOL, "{name}: {below} .. {star}");
        assert!(count_correct(t, data, below) < n, "{name}: beta_below {below} fails");
    }
    eprintln!(
        "{name}: beta* = {star:.4e} (failing at {:?}), bound = {bound:.4e}, beta_half = {:.4e}, min attention margin = {:.4e}, {} curve points",
        th.beta_below, th.beta_half, th.min_attention_margin, th.curve.len()
    );
    star
}

#[test]
fn presets_have_a_threshold() {
    for (name, data) in presets() {
        let t = compile(&data, &Options::default()).unwrap().transformer;
        let th = threshold(&t, &data);
        check_threshold(&name, &t, &data, &th);
    }
}

#[test]
fn real_sets_have_a_threshold() {
    for name in ["BasicMotions_TRAIN.ts", "BasicMotions_TEST.ts", "JapaneseVowels_TRAIN.ts", "JapaneseVowels_TEST.ts"] {
        let data = real(name);
        let t = compile(&data, &Options::default()).unwrap().transformer;
        let th = threshold(&t, &data);
        check_threshold(name, &t, &data, &th);
    }
}

#[test]
fn a_target_beta_is_met_by_scaling_q() {
    let mut cases = presets();
    cases.push(("BasicMotions_TRAIN.ts".into(), real("BasicMotions_TRAIN.ts")));
    cases.push(("JapaneseVowels_TRAIN.ts".into(), real("JapaneseVowels_TRAIN.ts")));
    for (name, data) in cases {
        let plain = compile(&data, &Options::default()).unwrap();
        let before = threshold(&plain.transformer, &data).beta_star.unwrap();
        for target in [before / 10.0, 1.0, 1e-3] {
            let opts = Options { softmax_beta: Some(target), ..Options::default() };
            let built = compile(&data, &opts).unwrap();
            let t = &built.transformer;
            let s = built.stats.softmax_scaling.as_ref().expect("scaling is reported");
            // the cost: Q grows by a power of two, nothing else changes
            assert!(s.guaranteed, "{name}");
            assert!(s.factor >= 1.0 && s.factor.log2().fract() == 0.0, "{name}: factor {}", s.factor);
            assert!(s.bound_after <= target && s.bound_after * 2.0 > target.min(s.bound_before), "{name}");
            assert_eq!(s.max_q_after, s.max_q_before * s.factor);
            assert_eq!(t.blocks.len(), plain.transformer.blocks.len(), "{name}: same blocks");
            assert_eq!(t.param_count(), plain.transformer.param_count(), "{name}: same parameters");
            let v = verify(t, &data);
            assert_eq!(v.correct, v.total, "{name}: hardmax still exact");
            // the hardmax pass is unchanged bit for bit
            for seq in data.sequences().iter().take(20) {
                assert_eq!(t.forward(&seq.tokens).cloud.points, plain.transformer.forward(&seq.tokens).cloud.points);
            }
            let th = threshold(t, &data);
            let star = check_threshold(&format!("{name} target {target:e}"), t, &data, &th);
            assert!(star <= target, "{name}: beta* {star} > target {target}");
            eprintln!(
                "{name} target {target:e}: Q x {:e}, max |Q| {:.3} -> {:.3e}, max |param| {:.3e} -> {:.3e}",
                s.factor, s.max_q_before, s.max_q_after, s.max_param_before, s.max_param_after
            );
        }
    }
}

#[test]
fn a_bad_target_is_a_named_error() {
    let data = hardmax::presets::shared();
    for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        match compile(&data, &Options { softmax_beta: Some(bad), ..Options::default() }) {
            Err(Error::InvalidOption { name, .. }) => assert_eq!(name, "softmax beta"),
            Err(e) => panic!("{bad}: wrong error {e}"),
            Ok(_) => panic!("{bad}: accepted"),
        }
    }
    // targets no power of two reaches: the factor itself, or the scores, leave f64
    for tiny in [1e-320, 1e-306] {
    match compile(&data, &Options { softmax_beta: Some(tiny), ..Options::default() }) {
        Err(Error::InvalidOption { name, message }) => {
            assert_eq!(name, "softmax beta");
            assert!(message.contains("out of reach"), "{message}");
        }
        Err(e) => panic!("wrong error {e}"),
        Ok(_) => panic!("{tiny:e} accepted"),
    }
    }
}

#[test]
fn no_beta_star_when_hardmax_itself_fails() {
    // the model of one labeling, asked about the opposite labeling
    let data = hardmax::presets::shared();
    let t = compile(&data, &Options::default()).unwrap().transformer;
    let raw = data.to_raw();
    let mut swapped = raw.clone();
    for s in swapped.sequences.iter_mut() {
        s.label = if s.label == "red" { "blue".into() } else { "red".into() };
    }
    let other = Dataset::new(swapped).unwrap();
    let th = threshold(&t, &other);
    assert!(th.hardmax_correct < other.len());
    assert_eq!(th.beta_star, None);
    assert!(th.curve.iter().all(|c| c.correct < c.total));
}

fn cli(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_hardmax")).args(args).output().expect("the hardmax binary runs")
}

#[test]
fn verify_softmax_prints_beta_star_and_the_curve() {
    let path = format!("{}/tests/data/BasicMotions_TRAIN.ts", env!("CARGO_MANIFEST_DIR"));
    let o = cli(&["verify", &path, "--softmax", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).expect("one JSON object");
    let star = r["beta_star"].as_f64().expect("beta_star is a number");
    let curve = r["softmax_curve"].as_array().expect("softmax_curve is a list");
    assert!(curve.len() >= 20);
    for p in curve {
        let (beta, correct, total) = (p["beta"].as_f64().unwrap(), p["correct"].as_u64().unwrap(), p["total"].as_u64().unwrap());
        assert_eq!(total, 40);
        if beta >= star {
            assert_eq!(correct, 40, "beta {beta}");
        }
    }
    assert!(r["beta_bound"].as_f64().unwrap() >= star);
    assert_eq!(r["paper_softmax_blocks"], 200);
    // the same numbers as the library
    let data = real("BasicMotions_TRAIN.ts");
    let t = compile(&data, &Options::default()).unwrap().transformer;
    let lib = threshold(&t, &data).beta_star.unwrap();
    assert!((star - lib).abs() <= 1e-15 * lib, "{star} vs {lib}"); // serde_json's parser may be one ulp off
    // without the flag, no softmax fields
    let plain: serde_json::Value = serde_json::from_slice(&cli(&["verify", &path, "--json"]).stdout).unwrap();
    assert!(plain.get("beta_star").is_none() && plain.get("softmax_scaling").is_none());
    // the human report names beta*
    let text = String::from_utf8_lossy(&cli(&["verify", &path, "--softmax"]).stdout).into_owned();
    assert!(text.contains("softmax beta*:") && text.contains("softmax curve (beta: correct/total):"), "{text}");
}

#[test]
fn the_softmax_beta_option_from_the_command_line() {
    let path = format!("{}/tests/data/BasicMotions_TRAIN.ts", env!("CARGO_MANIFEST_DIR"));
    let o = cli(&["verify", &path, "--softmax-beta", "10", "--softmax", "--json"]);
    assert_eq!(o.status.code(), Some(0));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(r["beta_star"].as_f64().unwrap() <= 10.0);
    assert!(r["softmax_scaling"]["bound_after"].as_f64().unwrap() <= 10.0);
    assert!(r["softmax_scaling"]["factor"].as_f64().unwrap() > 1.0);
    let bad = cli(&["verify", &path, "--softmax-beta=-1"]);
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("invalid option softmax beta") && err.contains("BasicMotions_TRAIN.ts"), "{err}");
}
