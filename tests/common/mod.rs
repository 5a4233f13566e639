//! Builders shared by the integration tests: datasets as parts, their listing in failure
//! messages, options by seed, and the proptest configuration.

// Each test crate includes this module and uses only part of it.
#![allow(dead_code)]

use hardmax::construct::Options;
use proptest::test_runner::{Config, RngSeed};

/// A dataset as `(tokens, label)` per sequence.
pub type Parts = Vec<(Vec<Vec<f64>>, String)>;

/// A compact listing of a dataset, for failure messages and reports (values printed
/// exactly).
pub fn show(parts: &Parts) -> String {
    let mut s = String::from("[\n");
    for (tokens, label) in parts {
        let toks: Vec<String> = tokens
            .iter()
            .map(|t| format!("[{}]", t.iter().map(|v| format!("{v:?}")).collect::<Vec<_>>().join(", ")))
            .collect();
        s.push_str(&format!("  ({:?}, [{}]),\n", label, toks.join(", ")));
    }
    s.push(']');
    s
}

/// The default options with this seed.
pub fn opts(seed: u64) -> Options {
    Options { seed, ..Options::default() }
}

/// The proptest configuration: `cases` times the factor in the environment variable
/// `factor_var` (for longer explorations), a fixed seed unless `PROPTEST_RNG_SEED` asks for
/// another, and no failure files.
pub fn proptest_config(cases: u32, factor_var: &str, seed: u64) -> Config {
    let factor = std::env::var(factor_var).ok().and_then(|v| v.parse().ok()).unwrap_or(1).max(1);
    let default = Config::default();
    Config {
        cases: cases * factor,
        rng_seed: match default.rng_seed {
            RngSeed::Random => RngSeed::Fixed(seed),
            other => other,
        },
        failure_persistence: None,
        ..default
    }
}
