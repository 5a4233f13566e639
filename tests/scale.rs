//! The construction and the verifier at scale: on the hub family (every sequence shares
//! its top token, so the separate stage splits about once per sequence) and on random
//! generated data, the structured forward pass gives exactly the plain dense one's
//! outputs for every sequence, the verifier's per-sequence work (run on every core
//! natively) gives the figures a one-by-one fold gives, and every sequence is classified.

use hardmax::bench::{generate, generate_hub};
use hardmax::construct::{compile, Options};
use hardmax::dataset::Dataset;
use hardmax::verify::verify;

/// Builds, verifies, and checks every sequence against the dense evaluation and against
/// a sequential recomputation of the verifier's figures.
fn check_exact(data: &Dataset) {
    let built = compile(data, &Options::default()).expect("the construction succeeds");
    let t = &built.transformer;
    let v = verify(t, data);
    assert_eq!(v.correct, v.total, "every sequence is classified");
    assert!(v.min_margin > 0.0 && v.min_attention_margin > 0.0);
    let mut min_attention = f64::INFINITY;
    for (i, s) in data.sequences().iter().enumerate() {
        let out = t.forward(&s.tokens);
        let (dense, dense_margin) = t.forward_dense(&s.tokens);
        assert_eq!(
            out.cloud.tokens(),
            dense,
            "structured and dense outputs of {} are identical",
            s.name
        );
        assert_eq!(
            out.min_attention_margin, dense_margin,
            "attention margins of {}",
            s.name
        );
        assert_eq!(v.predictions[i], t.nearest_anchor(&out.mean()).0);
        min_attention = min_attention.min(out.min_attention_margin);
    }
    assert_eq!(v.min_attention_margin, min_attention);
    // deterministic: a second build is the same transformer
    assert_eq!(
        compile(data, &Options::default())
            .expect("again")
            .transformer,
        built.transformer
    );
}

#[test]
fn hub_family_is_exact_and_dense_equals_structured() {
    // 300 sequences: above the size where the per-sequence work runs in parallel
    let data = generate_hub(300, 3, 5).expect("valid sizes");
    check_exact(&data);
}

#[test]
fn random_shared_data_is_exact_and_dense_equals_structured() {
    for seed in [1, 2] {
        let data = generate(300, 6, 3, true, seed).expect("valid sizes");
        check_exact(&data);
    }
}
