//! The fuzzers' findings, kept on stable: every committed corpus file and every crash
//! input runs through the same checks the fuzz targets run (fuzz/src/checks.rs).
//!
//! - `fuzz/corpus/<target>/`: the minimized corpora (inputs that reach distinct code);
//! - `fuzz/regressions/<target>/`: inputs that once failed a check and were fixed;
//! - `fuzz/open/<target>/`: inputs that still fail; run them with
//!   `cargo test --release --test fuzz_regressions -- --ignored` and move a file to
//!   `regressions/` once its check passes.
//!
//! Each reader input must read to a dataset that keeps its invariants (and survives a JSON
//! round trip bit for bit) or fail with a reader's named error; each build+verify input
//! must give a transformer that classifies every sequence, or a named, true refusal.

#[path = "../fuzz/src/checks.rs"]
mod checks;

use hardmax::dataset::Format;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

const TARGETS: [&str; 4] = ["read_json", "read_csv", "read_ts", "build_verify"];

fn run_target(target: &str, bytes: &[u8]) {
    match target {
        "read_json" => checks::reader(bytes, Format::Json),
        "read_csv" => checks::reader(bytes, Format::Csv),
        "read_ts" => checks::reader(bytes, Format::Ts),
        "build_verify" => checks::build_verify(bytes),
        other => panic!("unknown fuzz target {other}"),
    }
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.is_file()).collect(),
        Err(_) => Vec::new(),
    };
    out.sort();
    out
}

/// Runs every file of `fuzz/<kind>/<target>/`; returns how many ran and the failures.
fn run_kind(kind: &str) -> (usize, Vec<String>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz").join(kind);
    let mut ran = 0;
    let mut failures = Vec::new();
    for target in TARGETS {
        for path in files(&root.join(target)) {
            let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            ran += 1;
            if catch_unwind(AssertUnwindSafe(|| run_target(target, &bytes))).is_err() {
                failures.push(format!("{target}: {}", path.display()));
            }
        }
    }
    (ran, failures)
}

#[test]
fn corpora_pass_every_check() {
    let (ran, failures) = run_kind("corpus");
    eprintln!("{ran} corpus inputs checked");
    assert!(ran >= 4 * 5, "expected the committed corpora, found only {ran} files");
    assert!(
        failures.is_empty(),
        "{} of {ran} corpus inputs fail (messages above):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn fixed_crashes_stay_fixed() {
    let (ran, failures) = run_kind("regressions");
    assert!(ran >= 1, "expected the committed crash inputs");
    assert!(
        failures.is_empty(),
        "{} of {ran} fixed crashes fail again (messages above):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
#[ignore = "inputs the fuzzers found that still fail; see fuzz/open/README.md"]
fn open_findings() {
    let (ran, failures) = run_kind("open");
    assert!(
        failures.is_empty(),
        "{} of {ran} open findings still fail (messages above):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Round trip of the one reader fix, spelled out: the JSON reader reads numbers exactly
/// as Rust's own parser does (correctly rounded), so JSON, CSV and .ts agree on a value.
#[test]
fn json_reads_numbers_correctly_rounded() {
    for text in [
        "1.7976931348623078e308",
        "1.7976931348623077e308",
        "2.2250738585072011e-308",
        "0.30000000000000004",
        "9007199254740993",
    ] {
        let json = format!("{{\"sequences\": [{{\"tokens\": [[{text}, 0]], \"label\": \"a\"}}]}}");
        let csv = format!("sequence,label,x,y\ns,a,{text},0\n");
        let from_json = hardmax::dataset::parse(&json, Format::Json).map(|d| d.sequences()[0].tokens[(0, 0)]);
        let from_csv = hardmax::dataset::parse(&csv, Format::Csv).map(|d| d.sequences()[0].tokens[(0, 0)]);
        let want: f64 = text.parse().expect("a valid number");
        assert_eq!(from_json.map(f64::to_bits), Ok(want.to_bits()), "JSON {text}");
        assert_eq!(from_csv.map(f64::to_bits), Ok(want.to_bits()), "CSV {text}");
    }
}

/// Prints the dataset a build+verify input decodes to:
/// `FUZZ_INPUT=path cargo test --release --test fuzz_regressions show_input -- --ignored --nocapture`.
#[test]
#[ignore = "a tool for reading a fuzz input, not a test"]
fn show_input() {
    let Ok(path) = std::env::var("FUZZ_INPUT") else { return };
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    for (i, (tokens, label)) in checks::small_dataset(&bytes).iter().enumerate() {
        println!("sequence {} ({label}):", i + 1);
        for t in tokens {
            let shown: Vec<String> = t.iter().map(|v| format!("{v:e}")).collect();
            println!("  [{}]", shown.join(", "));
        }
    }
}
