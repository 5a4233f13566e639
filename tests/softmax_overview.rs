//! What the page's softmax slider shows (`softmax::overview`, `softmax::sweep`): beta* is the
//! one `hardmax verify --softmax` reports, the curve holds every beta the threshold tested
//! and a log grid of the slider's range, each point's accuracy is what the softmax model
//! scores there, and at or above the proven bound the curve is flat at hardmax's score.

use hardmax::construct::{compile, Options};
use hardmax::dataset::{parse, Dataset, Format};
use hardmax::error::Error;
use hardmax::model::Transformer;
use hardmax::softmax::{count_correct, overview, sweep, threshold, Overview, MAX_SWEEP};
use serde_json::Value;
use std::process::Command;

/// The page's slider: beta from 0.1 to 1000.
const LO: f64 = 0.1;
const HI: f64 = 1000.0;

fn real(name: &str) -> Dataset {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    parse(&std::fs::read_to_string(path).expect("test data is readable"), Format::Ts).expect("test data parses")
}

fn built(data: &Dataset) -> Transformer {
    compile(data, &Options::default()).expect("builds").transformer
}

/// `hardmax verify FILE --softmax --json`, parsed.
fn cli_softmax(path: &str) -> Value {
    let o = Command::new(env!("CARGO_BIN_EXE_hardmax"))
        .args(["verify", path, "--softmax", "--json"])
        .output()
        .expect("the hardmax binary runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).expect("one JSON object")
}

fn opt(v: &Value) -> Option<f64> {
    v.as_f64()
}

/// The overview's curve against the threshold and fresh evaluations.
fn check(name: &str, t: &Transformer, data: &Dataset, ov: &Overview) {
    let n = data.len();
    let th = threshold(t, data);
    assert_eq!((ov.beta_star, ov.beta_below, ov.beta_bound), (th.beta_star, th.beta_below, th.beta_bound), "{name}");
    assert_eq!((ov.hardmax_correct, ov.total), (n, n), "{name}: hardmax is exact");
    // ascending, each beta once, every total n
    assert!(ov.curve.windows(2).all(|w| w[0].beta < w[1].beta), "{name}: ascending");
    assert!(ov.curve.iter().all(|c| c.total == n));
    // every beta the threshold tested is on the curve with its score
    for p in &th.curve {
        assert!(ov.curve.contains(p), "{name}: threshold point {p:?} missing");
    }
    // the slider's ends and a grid of 4 points per decade between them
    assert!(ov.curve.iter().any(|c| c.beta == LO) && ov.curve.iter().any(|c| c.beta == HI), "{name}: ends");
    let in_range: Vec<f64> = ov.curve.iter().map(|c| c.beta).filter(|b| (LO..=HI).contains(b)).collect();
    assert!(in_range.len() >= 17, "{name}: {} points in the slider's range", in_range.len());
    assert!(in_range.windows(2).all(|w| w[1] / w[0] <= 10f64.powf(0.25) * (1.0 + 1e-12)), "{name}: no gap wider than a quarter decade");
    let bound = ov.beta_bound.expect("built models have a proven bound");
    let star = ov.beta_star.expect("beta* exists");
    for c in &ov.curve {
        if c.beta >= bound {
            // proven: softmax is the hardmax pass bit for bit
            assert_eq!(c.correct, n, "{name}: beta {} above the bound", c.beta);
        } else {
            assert_eq!(c.correct, count_correct(t, data, c.beta), "{name}: beta {}", c.beta);
        }
        if th.curve.iter().any(|p| p.beta == c.beta) && c.beta >= star {
            assert_eq!(c.correct, n, "{name}: a tested beta {} >= beta* {star} fails", c.beta);
        }
    }
    // a failing beta sits on the curve just below beta*
    let below = ov.beta_below.expect("something fails below beta*");
    assert!(ov.curve.iter().any(|c| c.beta == below && c.correct < n), "{name}");
    eprintln!("{name}: beta* {star:.6} (fails at {below:.6}), bound {bound:.6e}, {} curve points", ov.curve.len());
}

#[test]
fn presets_beta_star_is_the_cli_one_and_the_curve_holds() {
    let dir = std::env::temp_dir();
    for name in hardmax::presets::NAMES {
        // the page's presets: seed 0, default options
        let data = hardmax::presets::preset(name, 0).unwrap();
        let t = built(&data);
        let ov = overview(&t, &data, LO, HI).unwrap();
        check(name, &t, &data, &ov);
        // the CLI on the same data (as `hardmax example` writes it) reports the same beta*
        let example = Command::new(env!("CARGO_BIN_EXE_hardmax")).args(["example", name]).output().expect("runs");
        assert!(example.status.success());
        let path = dir.join(format!("hardmax-overview-{}-{name}.json", std::process::id()));
        std::fs::write(&path, &example.stdout).unwrap();
        let r = cli_softmax(path.to_str().unwrap());
        let _ = std::fs::remove_file(&path);
        assert_eq!(opt(&r["beta_star"]), ov.beta_star, "{name}: beta* as `verify --softmax` reports it");
        assert_eq!(opt(&r["beta_below"]), ov.beta_below, "{name}");
        assert_eq!(opt(&r["beta_bound"]), ov.beta_bound, "{name}");
    }
}

#[test]
fn a_real_set_beta_star_is_the_cli_one() {
    let name = "BasicMotions_TRAIN.ts";
    let data = real(name);
    let t = built(&data);
    let ov = overview(&t, &data, LO, HI).unwrap();
    check(name, &t, &data, &ov);
    let r = cli_softmax(&format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR")));
    assert_eq!(opt(&r["beta_star"]), ov.beta_star);
    assert_eq!(opt(&r["beta_bound"]), ov.beta_bound);
}

#[test]
fn the_sweep_is_a_log_grid_from_lo_to_hi() {
    let data = hardmax::presets::shared();
    let t = built(&data);
    let s = sweep(&t, &data, 0.5, 50.0, 3).unwrap();
    // 2 decades at 3 per decade: 7 points, 0.5 .. 50, equal ratios
    assert_eq!(s.len(), 7);
    assert_eq!(s[0].beta, 0.5);
    assert_eq!(s[6].beta, 50.0);
    for w in s.windows(2) {
        assert!((w[1].beta / w[0].beta / 10f64.powf(1.0 / 3.0) - 1.0).abs() < 1e-12);
    }
    // one point when lo == hi; a range that is not a whole number of steps ends at hi
    let one = sweep(&t, &data, 7.0, 7.0, 4).unwrap();
    assert_eq!(one.len(), 1);
    assert_eq!((one[0].beta, one[0].correct), (7.0, count_correct(&t, &data, 7.0)));
    let odd = sweep(&t, &data, 1.0, 20.0, 1).unwrap();
    assert_eq!(odd.iter().map(|c| c.beta).collect::<Vec<_>>(), vec![1.0, 10.0, 20.0]);
    // above the proven bound nothing runs, and the score is hardmax's (checked here by running)
    let th = threshold(&t, &data);
    let bound = th.beta_bound.unwrap();
    for c in sweep(&t, &data, bound, bound * 1e3, 2).unwrap() {
        assert_eq!(c.correct, data.len());
        assert_eq!(count_correct(&t, &data, c.beta), data.len(), "beta {}", c.beta);
    }
}

#[test]
fn a_bad_range_is_refused_by_name() {
    let data = hardmax::presets::shared();
    let t = built(&data);
    for (lo, hi, per) in [
        (0.0, 1.0, 4),
        (-1.0, 1.0, 4),
        (2.0, 1.0, 4),
        (f64::NAN, 1.0, 4),
        (1.0, f64::INFINITY, 4),
        (1.0, 10.0, 0),
        (1e-300, 1e300, 4),
    ] {
        match sweep(&t, &data, lo, hi, per) {
            Err(Error::InvalidOption { name, message }) => {
                assert_eq!(name, "softmax sweep");
                assert!(!message.is_empty());
            }
            other => panic!("[{lo}, {hi}] x {per}: {other:?}"),
        }
    }
    assert!(overview(&t, &data, 0.0, 1.0).is_err());
    // the largest sweep allowed runs
    let per = (MAX_SWEEP - 1) / 4;
    assert_eq!(sweep(&t, &data, 1.0, 1e4, per).unwrap().len(), 4 * per + 1);
}
