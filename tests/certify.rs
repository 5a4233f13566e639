//! Certified verification: built models certify on the presets and the real sets, the
//! enclosure holds the program's own output, and the certificate fails, naming the
//! sequence and the layer, where a choice is decided by rounding.

use hardmax::certify::{certify, output_enclosure, Certificate};
use hardmax::construct::{compile, Options};
use hardmax::dataset::{parse, Dataset, Format};
use hardmax::model::transformer::Directions;
use hardmax::model::{Block, FeedForward, InputMap, LayerMeta, SelfAttention, Stage, Transformer, Value};
use hardmax::verify::verify;
use nalgebra::DVector;

fn real(name: &str) -> Dataset {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    parse(&std::fs::read_to_string(path).expect("test data is readable"), Format::Ts).expect("test data parses")
}

/// Certified, with positive slacks, and every output mean inside its enclosure.
fn check_certified(name: &str, t: &Transformer, data: &Dataset) -> Certificate {
    let c = certify(t, data);
    assert!(c.certified, "{name}: {:?}", c.certified_failure);
    assert_eq!(c.certified_failure, None);
    assert!(c.certified_slack > 0.0, "{name}");
    assert_eq!(c.certified_slack, c.certified_attention_slack.min(c.certified_readout_slack));
    // the bound is far below the margins verify measures
    let v = verify(t, data);
    assert!(c.certified_readout_slack <= v.min_margin, "{name}");
    assert!(c.certified_attention_slack <= v.min_attention_margin, "{name}");
    assert!(c.certified_error_bound < 1e-6 * v.min_margin, "{name}: bound {}", c.certified_error_bound);
    for s in data.sequences() {
        let mean = t.forward(&s.tokens).mean();
        let boxed = output_enclosure(t, &s.tokens).expect("certified sequences have an enclosure");
        for (m, b) in mean.iter().zip(&boxed) {
            assert!(b.lo <= *m && *m <= b.hi, "{name} {}: {m} outside [{}, {}]", s.name, b.lo, b.hi);
        }
    }
    eprintln!(
        "{name}: certified, slack {:.4e} (attention {:.4e}, readout {:.4e}), error bound {:.3e}; verify: margin {:.4e}, attention margin {:.4e}",
        c.certified_slack, c.certified_attention_slack, c.certified_readout_slack, c.certified_error_bound,
        v.min_margin, v.min_attention_margin
    );
    c
}

#[test]
fn presets_certify() {
    for name in hardmax::presets::NAMES {
        for seed in [0, 3] {
            let data = hardmax::presets::preset(name, seed).unwrap();
            for opts in [
                Options { seed, ..Options::default() },
                Options { seed, collapse_layers: 3, labeling: hardmax::construct::Labeling::Points, ..Options::default() },
                Options { seed, positional: true, ..Options::default() },
            ] {
                let t = compile(&data, &opts).unwrap().transformer;
                check_certified(&format!("{name} seed {seed}"), &t, &data);
            }
        }
    }
}

#[test]
fn real_sets_certify() {
    for name in ["BasicMotions_TRAIN.ts", "BasicMotions_TEST.ts", "JapaneseVowels_TRAIN.ts", "JapaneseVowels_TEST.ts"] {
        let data = real(name);
        let t = compile(&data, &Options::default()).unwrap().transformer;
        check_certified(name, &t, &data);
    }
}

#[test]
fn a_model_scaled_for_softmax_still_certifies() {
    let data = hardmax::presets::shared();
    let t = compile(&data, &Options { softmax_beta: Some(1.0), ..Options::default() }).unwrap().transformer;
    check_certified("shared, softmax beta 1", &t, &data);
}

fn meta(stage: Stage) -> LayerMeta {
    LayerMeta { stage, caption: String::new(), tents: vec![] }
}

fn v2(a: f64, b: f64) -> DVector<f64> {
    DVector::from_vec(vec![a, b])
}

/// One collapse block in the plane: attention on w = (1, 0) with rho = 0, V = I; anchors
/// of classes a and b.
fn one_collapse(anchor_a: DVector<f64>, anchor_b: DVector<f64>) -> Transformer {
    let w = v2(1.0, 0.0);
    Transformer {
        input_dim: 2,
        dim: 2,
        input: InputMap::default(),
        blocks: vec![Block {
            ff: FeedForward::scaling(2, 1.0),
            sa: SelfAttention::on_direction(0.0, &w, Value::Scaled(1.0)).unwrap(),
            ff_meta: meta(Stage::Collapse),
            sa_meta: meta(Stage::Collapse),
        }],
        anchors: vec![anchor_a, anchor_b],
        classes: vec!["a".into(), "b".into()],
        directions: Directions { w: w.clone(), c: v2(0.0, 1.0), u: None, e: None },
        view: [w, v2(0.0, 1.0)],
    }
}

#[test]
fn a_choice_decided_by_one_ulp_is_not_certified() {
    // Sequence 1 has tokens (1, 0) and (b, 1): for the query (1, 0) the scores are 1 and b,
    // and the tie tolerance is TAU_REL * 1 * 1. The program's threshold is the float
    // nearest 1 - TAU_REL; b one float below it is left out by one ulp.
    let thr = 1.0 - hardmax::model::TAU_REL;
    let t = one_collapse(v2(1.0, 0.0), v2(0.0, 3.0));
    let data = |b: f64| {
        Dataset::from_parts(vec![
            (vec![vec![0.1, 3.0], vec![0.05, 2.5]], "b".into()),
            (vec![vec![1.0, 0.0], vec![b, 1.0]], "a".into()),
        ])
        .unwrap()
    };
    // clearly out of the tie: certified, with about TAU_REL of slack
    let far = data(1.0 - 4.0 * hardmax::model::TAU_REL);
    let c = check_certified("clear", &t, &far);
    assert!(c.certified_attention_slack > 2.0 * hardmax::model::TAU_REL && c.certified_attention_slack < 4.0 * hardmax::model::TAU_REL);
    // the float nearest the threshold lies above the exact one: a tie for the program and
    // for the exact model, certified as such
    let tie = data(thr);
    assert!(certify(&t, &tie).certified);
    // one ulp below: undecidable within the bound
    let near = data(thr.next_down());
    let v = verify(&t, &near);
    assert_eq!(v.correct, v.total, "the program still classifies it");
    let c = certify(&t, &near);
    assert!(!c.certified);
    let f = c.certified_failure.expect("the failure is named");
    assert_eq!((f.sequence, f.layer, f.stage.as_deref()), (1, Some(2), Some("collapse")), "{f:?}");
    assert!(f.reason.contains("tie tolerance"), "{}", f.reason);
    assert!(c.certified_slack <= 0.0 && c.certified_attention_slack <= 0.0);
}

#[test]
fn an_output_equidistant_from_two_anchors_is_not_certified() {
    // sequence 1 collapses onto its leader (1, 5), exactly as far from (1, 0) as from
    // (1, 10): the program names the first anchor's class (the right one), but no bound
    // can prove it
    let t = one_collapse(v2(1.0, 0.0), v2(1.0, 10.0));
    let data = Dataset::from_parts(vec![
        (vec![vec![0.9, 0.1]], "a".into()),
        (vec![vec![1.0, 5.0], vec![0.5, 5.0]], "a".into()),
        (vec![vec![1.2, 9.5]], "b".into()),
    ])
    .unwrap();
    let v = verify(&t, &data);
    assert_eq!(v.correct, v.total);
    let c = certify(&t, &data);
    assert!(!c.certified);
    let f = c.certified_failure.expect("the failure is named");
    assert_eq!((f.sequence, f.layer), (1, None), "{f:?}");
    assert!(f.reason.contains("anchor of «b»"), "{}", f.reason);
    assert!(c.certified_readout_slack <= 0.0);
}

#[test]
fn a_perturbed_anchor_breaks_the_certificate_of_that_sequence_only() {
    // the shared preset: E (sequence 5) is the only green one. Move the green anchor to the
    // red anchor turned a quarter turn about E's output: E is now exactly as far from red as
    // from green, and every other sequence keeps its margin.
    let data = hardmax::presets::shared();
    let mut t = compile(&data, &Options::default()).unwrap().transformer;
    let green = t.classes.iter().position(|c| c == "green").unwrap();
    let red = t.classes.iter().position(|c| c == "red").unwrap();
    let e = data.sequences().iter().position(|s| s.name == "E").unwrap();
    let y = t.forward(&data.sequences()[e].tokens).mean();
    let away = &y - &t.anchors[red];
    assert_eq!(away.len(), 2, "the shared preset is two-dimensional");
    t.anchors[green] = &y + nalgebra::DVector::from_vec(vec![-away[1], away[0]]);
    let c = certify(&t, &data);
    assert!(!c.certified);
    let f = c.certified_failure.expect("the failure is named");
    assert_eq!((f.sequence, f.name.as_str(), f.layer), (e, "E", None), "{f:?}");
    assert!(f.reason.contains("as to its own («green»)"), "{}", f.reason);
    // the attention choices are untouched
    assert!(c.certified_attention_slack > 0.0);
}

#[test]
fn a_class_the_model_does_not_know_is_not_certified() {
    let data = hardmax::presets::shared();
    let t = compile(&data, &Options::default()).unwrap().transformer;
    let mut raw = data.to_raw();
    raw.sequences[2].label = "purple".into();
    let other = Dataset::new(raw).unwrap();
    let f = certify(&t, &other).certified_failure.expect("named");
    assert_eq!((f.sequence, f.layer), (2, None));
    assert!(f.reason.contains("purple"), "{}", f.reason);
}

#[test]
fn verify_certify_reports_the_certificate() {
    let path = format!("{}/tests/data/JapaneseVowels_TRAIN.ts", env!("CARGO_MANIFEST_DIR"));
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_hardmax"))
        .args(["verify", &path, "--certify", "--json"])
        .output()
        .expect("the hardmax binary runs");
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).expect("one JSON object");
    assert_eq!(r["certified"], true);
    assert!(r["certified_failure"].is_null());
    let data = real("JapaneseVowels_TRAIN.ts");
    let t = compile(&data, &Options::default()).unwrap().transformer;
    // (serde_json's default float parser may be one ulp off)
    let slack = certify(&t, &data).certified_slack;
    assert!((r["certified_slack"].as_f64().unwrap() - slack).abs() <= 1e-15 * slack);
}
