//! The `hardmax` binary end to end: real datasets verify exactly, a model built on a
//! training set classifies its test set, and every kind of bad input exits 2 with a
//! message on standard error that names the file and the problem.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

fn data(name: &str) -> String {
    format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn hardmax<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hardmax"))
        .args(args)
        .output()
        .expect("the hardmax binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exited normally, not by a signal")
}

/// A file under the temp dir with a unique name, removed when dropped.
struct TempFile(PathBuf);

impl TempFile {
    fn new(stem: &str, ext: &str, contents: &str) -> TempFile {
        let f = TempFile::path(stem, ext);
        std::fs::write(&f.0, contents).expect("write temp file");
        f
    }
    /// A unique path, not created.
    fn path(stem: &str, ext: &str) -> TempFile {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let name = format!("hardmax-cli-{}-{n}-{nanos}-{stem}.{ext}", std::process::id());
        TempFile(std::env::temp_dir().join(name))
    }
    fn as_str(&self) -> &str {
        self.0.to_str().expect("utf-8 temp path")
    }
    fn file_name(&self) -> String {
        self.0.file_name().unwrap().to_string_lossy().into_owned()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn json_of(o: &Output) -> Value {
    serde_json::from_str(stdout(o).trim())
        .unwrap_or_else(|e| panic!("stdout is not one JSON object ({e}):\n{}", stdout(o)))
}

fn uint(v: &Value, key: &str) -> u64 {
    v[key].as_u64().unwrap_or_else(|| panic!("{key} is not an unsigned integer in {v}"))
}

fn num(v: &Value, key: &str) -> f64 {
    v[key].as_f64().unwrap_or_else(|| panic!("{key} is not a number in {v}"))
}

/// `verify --json` on a real dataset: exit 0, every sequence right, and the report's shape.
fn verify_real(name: &str, n: u64) -> Value {
    let o = hardmax(&["verify", &data(name), "--json"]);
    assert_eq!(code(&o), 0, "stderr: {}", stderr(&o));
    let r = json_of(&o);
    for key in [
        "sequences", "classes", "dim", "max_len", "tokens", "blocks", "paper_blocks", "params",
        "nonzero_params", "splits", "correct", "total", "max_anchor_error", "min_margin",
        "construct_ms", "verify_ms",
    ] {
        assert!(r.get(key).is_some(), "report lacks {key}: {r}");
    }
    assert_eq!(uint(&r, "sequences"), n);
    assert_eq!(uint(&r, "correct"), n);
    assert_eq!(uint(&r, "total"), n);
    assert!(num(&r, "min_margin") > 0.0, "{r}");
    assert!(num(&r, "max_anchor_error") < 1e-6, "{r}");
    assert_eq!(uint(&r, "paper_blocks"), 4 * n + 1);
    // these data share no tokens: no splits, and blocks <= N + collapse layers + 2
    assert_eq!(uint(&r, "splits"), 0);
    assert!(uint(&r, "blocks") <= n + 1 + 2, "{r}");
    // timings are numbers (their size depends on the machine and is not checked)
    num(&r, "construct_ms");
    num(&r, "verify_ms");
    r
}

#[test]
fn verifies_japanese_vowels() {
    let r = verify_real("JapaneseVowels_TRAIN.ts", 270);
    assert_eq!(uint(&r, "paper_blocks"), 1081);
    assert_eq!(uint(&r, "classes"), 9);
    assert_eq!(uint(&r, "dim"), 12);
}

#[test]
fn verifies_basic_motions() {
    let r = verify_real("BasicMotions_TRAIN.ts", 40);
    assert_eq!(uint(&r, "classes"), 4);
    assert_eq!(uint(&r, "dim"), 6);
}

#[test]
fn human_report_is_readable() {
    let o = hardmax(&["verify", &data("JapaneseVowels_TRAIN.ts")]);
    assert_eq!(code(&o), 0, "stderr: {}", stderr(&o));
    let text = stdout(&o);
    println!("{text}");
    for needle in ["sequences:", "(paper: 4N+1 = 1081)", "(N·d = 3240)", "correct:", "270/270", "min_margin:", "e-"] {
        assert!(text.contains(needle), "human report lacks {needle:?}:\n{text}");
    }
    // values are aligned: every "key:" line has its value starting at the same column
    let starts: Vec<usize> = text
        .lines()
        .filter(|l| !l.starts_with(' ') && !l.ends_with(':'))
        .map(|l| {
            let colon = l.find(": ").expect("key: value line");
            colon + 1 + l[colon + 1..].chars().take_while(|c| *c == ' ').count()
        })
        .collect();
    assert!(starts.windows(2).all(|w| w[0] == w[1]), "values not aligned:\n{text}");
}

#[test]
fn build_then_classify_held_out() {
    let model = TempFile::path("vowels-model", "json");
    let o = hardmax(&["build", &data("JapaneseVowels_TRAIN.ts"), "-o", model.as_str()]);
    assert_eq!(code(&o), 0, "stderr: {}", stderr(&o));
    let summary = format!("{}{}", stdout(&o), stderr(&o));
    assert!(summary.contains("270/270"), "{summary}");

    let file: Value = serde_json::from_str(&std::fs::read_to_string(&model.0).unwrap()).unwrap();
    assert_eq!(file["format"], "hardmax-model");
    assert_eq!(file["version"], 1);
    assert!(file["model"].is_object());

    // on the training set the saved model is exact
    let o = hardmax(&["classify", model.as_str(), &data("JapaneseVowels_TRAIN.ts"), "--json"]);
    assert_eq!(code(&o), 0, "stderr: {}", stderr(&o));
    let r = json_of(&o);
    assert_eq!(uint(&r, "correct"), 270);
    assert_eq!(num(&r, "accuracy"), 1.0);

    // held out: it runs and reports, whatever the accuracy
    let o = hardmax(&["classify", model.as_str(), &data("JapaneseVowels_TEST.ts"), "--json"]);
    assert_eq!(code(&o), 0, "stderr: {}", stderr(&o));
    let r = json_of(&o);
    assert_eq!(uint(&r, "total"), 370);
    let correct = uint(&r, "correct");
    assert!(correct <= 370);
    assert_eq!(r["predictions"].as_array().map(Vec::len), Some(370));
    assert_eq!(r["unknown_classes"].as_array().map(Vec::len), Some(0));
    let accuracy = num(&r, "accuracy");
    assert!((accuracy - correct as f64 / 370.0).abs() < 1e-12);
    println!("JapaneseVowels held-out accuracy: {correct}/370 = {:.2}%", 100.0 * accuracy);

    let o = hardmax(&["classify", model.as_str(), &data("JapaneseVowels_TEST.ts")]);
    assert_eq!(code(&o), 0, "stderr: {}", stderr(&o));
    let text = stdout(&o);
    println!("{text}");
    assert!(text.contains(&format!("{correct}/370")), "{text}");
    assert!(text.contains("per class"), "{text}");
}

#[test]
fn classify_lists_unknown_classes() {
    let model = TempFile::path("small-model", "json");
    let train = TempFile::new(
        "train",
        "json",
        r#"{"sequences": [{"tokens": [[0, 0], [1, 0]], "label": "a"}, {"tokens": [[5, 5]], "label": "b"}]}"#,
    );
    let o = hardmax(&["build", train.as_str(), "-o", model.as_str()]);
    assert_eq!(code(&o), 0, "stderr: {}", stderr(&o));
    let test = TempFile::new(
        "test",
        "json",
        r#"{"sequences": [{"tokens": [[0, 0], [1, 0]], "label": "a"}, {"tokens": [[2, 9]], "label": "zebra"}]}"#,
    );
    let o = hardmax(&["classify", model.as_str(), test.as_str(), "--json"]);
    assert_eq!(code(&o), 0, "stderr: {}", stderr(&o));
    let r = json_of(&o);
    assert_eq!(r["unknown_classes"], serde_json::json!(["zebra"]));
    assert_eq!(uint(&r, "total"), 2);
    assert!(uint(&r, "correct") >= 1);
}

#[test]
fn bad_model_files_exit_2() {
    let not_model = TempFile::new("not-model", "json", r#"{"format": "something-else", "version": 1}"#);
    let broken = TempFile::new("broken-model", "json", "{\n  \"format\": \"hardmax-model\",\n");
    let wrong_version = TempFile::new("v99-model", "json", r#"{"format": "hardmax-model", "version": 99, "model": {}}"#);
    let missing = TempFile::path("missing-model", "json");
    for (model, needle) in [
        (&not_model, "not a model file"),
        (&broken, "line"),
        (&wrong_version, "version"),
        (&missing, "cannot read"),
    ] {
        let o = hardmax(&["classify", model.as_str(), &data("JapaneseVowels_TEST.ts")]);
        assert_eq!(code(&o), 2, "{needle}: stdout {}", stdout(&o));
        let err = stderr(&o);
        assert!(err.starts_with("error: "), "{err}");
        assert!(err.contains(&model.file_name()), "{err}");
        assert!(err.contains(needle), "expected {needle:?} in: {err}");
    }
}

#[test]
fn classify_rejects_data_of_another_dimension() {
    let model = TempFile::path("vowels-model-dim", "json");
    let o = hardmax(&["build", &data("BasicMotions_TRAIN.ts"), "-o", model.as_str()]);
    assert_eq!(code(&o), 0, "stderr: {}", stderr(&o));
    let o = hardmax(&["classify", model.as_str(), &data("JapaneseVowels_TEST.ts")]);
    assert_eq!(code(&o), 2);
    let err = stderr(&o);
    assert!(err.contains("d = 12") && err.contains("d = 6"), "{err}");
}

/// Runs `verify` on `contents` written to a temp file and expects exit 2 with an
/// `error: ` message naming the file and containing every needle.
fn expect_bad(stem: &str, ext: &str, contents: &str, extra: &[&str], needles: &[&str]) -> String {
    let f = TempFile::new(stem, ext, contents);
    let mut args = vec!["verify", f.as_str()];
    args.extend_from_slice(extra);
    let o = hardmax(&args);
    let err = stderr(&o);
    assert_eq!(code(&o), 2, "{stem}: expected exit 2; stderr: {err}; stdout: {}", stdout(&o));
    assert!(err.starts_with("error: "), "{stem}: {err}");
    assert!(err.contains(&f.file_name()), "{stem}: message does not name the file: {err}");
    for n in needles {
        assert!(err.contains(n), "{stem}: expected {n:?} in: {err}");
    }
    assert!(stdout(&o).is_empty(), "{stem}: nothing on stdout for bad input");
    err
}

fn expect_ok(stem: &str, ext: &str, contents: &str, extra: &[&str]) -> Value {
    let f = TempFile::new(stem, ext, contents);
    let mut args = vec!["verify", f.as_str(), "--json"];
    args.extend_from_slice(extra);
    let o = hardmax(&args);
    assert_eq!(code(&o), 0, "{stem}: stderr: {}", stderr(&o));
    let r = json_of(&o);
    assert_eq!(r["correct"], r["total"]);
    r
}

#[test]
fn empty_dataset() {
    expect_bad("empty", "json", r#"{"sequences": []}"#, &[], &["empty", "no sequences"]);
}

#[test]
fn empty_sequence() {
    expect_bad(
        "empty-seq",
        "json",
        r#"{"sequences": [{"tokens": [[1, 2]], "label": "a"}, {"tokens": [], "label": "b"}]}"#,
        &[],
        &["sequence 2", "no tokens"],
    );
}

#[test]
fn mixed_dimensions() {
    expect_bad(
        "mixed",
        "json",
        r#"{"sequences": [{"tokens": [[1, 2]], "label": "a"}, {"tokens": [[1, 2], [1, 2, 3]], "label": "b"}]}"#,
        &[],
        &["sequence 2, token 2", "expected 2 coordinates", "found 3"],
    );
}

#[test]
fn nan_in_csv() {
    expect_bad(
        "nan",
        "csv",
        "sequence,label,x,y\ns1,a,1,2\ns1,a,nan,3\ns2,b,0,1\n",
        &[],
        &["not a finite number", "line 3, column 3"],
    );
}

#[test]
fn missing_value_in_ts() {
    let ts = "@problemName T\n@timeStamps false\n@univariate false\n@dimensions 2\n\
              @equalLength false\n@classLabel true a b\n@data\n1,2:3,4:a\n1,?:3,4:b\n";
    expect_bad("missing", "ts", ts, &[], &["missing value", "line 9"]);
}

#[test]
fn one_dimensional_needs_lift() {
    let text = r#"{"sequences": [{"tokens": [[1], [2]], "label": "a"}, {"tokens": [[3], [1]], "label": "b"}]}"#;
    expect_bad("d1", "json", text, &[], &["d = 1", "--lift time"]);
    let r = expect_ok("d1-lifted", "json", text, &["--lift", "time"]);
    assert_eq!(uint(&r, "dim"), 1);
    // lifting is for d = 1 only
    expect_bad(
        "d2-lifted",
        "json",
        r#"{"sequences": [{"tokens": [[1, 2]], "label": "a"}, {"tokens": [[3, 1]], "label": "b"}]}"#,
        &["--lift", "time"],
        &["lift"],
    );
}

#[test]
fn same_token_set_needs_positional() {
    let text = r#"{"sequences": [
        {"name": "alpha", "tokens": [[1, 2], [3, 4]], "label": "a"},
        {"name": "beta", "tokens": [[3, 4], [1, 2]], "label": "b"}
    ]}"#;
    expect_bad("same-set", "json", text, &[], &["alpha", "beta", "--positional"]);
    let r = expect_ok("same-set-positional", "json", text, &["--positional"]);
    assert_eq!(uint(&r, "total"), 2);
}

#[test]
fn malformed_json() {
    let text = "{\"sequences\": [\n  {\"tokens\": [[1, 2]], \"label\": \"a\"},\n  {\"tokens\": [[1, 2,], \"label\": \"b\"}\n]}\n";
    expect_bad("malformed", "json", text, &[], &["JSON", "line 3", "column"]);
}

#[test]
fn malformed_csv() {
    expect_bad("malformed", "csv", "sequence,label,x,y\ns1,a,1,2\ns1,a,1\n", &[], &["CSV", "line 3"]);
    expect_bad("bad-header", "csv", "id,class,x,y\ns1,a,1,2\n", &[], &["CSV", "line 1"]);
}

#[test]
fn malformed_ts() {
    let ts = "@problemName T\n@timeStamps false\n@classLabel true a b\n@data\n1,2:3,4:a\n1,abc:3,4:b\n";
    expect_bad("malformed", "ts", ts, &[], &["line 6", "abc"]);
}

#[test]
fn unknown_extension_needs_format() {
    let text = r#"{"sequences": [{"tokens": [[0, 1], [1, 0]], "label": "a"}, {"tokens": [[3, 3]], "label": "b"}]}"#;
    expect_bad("data", "txt", text, &[], &[".txt", "--format"]);
    expect_ok("data", "txt", text, &["--format", "json"]);
}

#[test]
fn nonexistent_file() {
    let f = TempFile::path("does-not-exist", "ts");
    let o = hardmax(&["verify", f.as_str()]);
    assert_eq!(code(&o), 2);
    let err = stderr(&o);
    assert!(err.starts_with("error: ") && err.contains(&f.file_name()) && err.contains("cannot read"), "{err}");
}

#[test]
fn single_class_is_fine() {
    let text = r#"{"sequences": [{"tokens": [[1, 2], [0, 1]], "label": "only"}, {"tokens": [[3, 4]], "label": "only"}]}"#;
    // JSON: valid even though the margin is infinite (written as null)
    let r = expect_ok("one-class", "json", text, &[]);
    assert_eq!(uint(&r, "classes"), 1);
    assert!(r["min_margin"].is_null() || r["min_margin"].is_string(), "{r}");
    let notes = r["notes"].to_string();
    assert!(notes.contains("one class"), "{notes}");
    // human output says so too
    let f = TempFile::new("one-class-human", "json", text);
    let o = hardmax(&["verify", f.as_str()]);
    assert_eq!(code(&o), 0, "stderr: {}", stderr(&o));
    assert!(stdout(&o).contains("one class"), "{}", stdout(&o));
}

#[test]
fn construction_options_are_accepted() {
    let r = expect_ok(
        "options",
        "json",
        r#"{"sequences": [
            {"tokens": [[2, 2], [0, 1]], "label": "a"},
            {"tokens": [[2, 2], [1, 0]], "label": "b"},
            {"tokens": [[0.5, 0.5]], "label": "c"}
        ]}"#,
        &["--seed", "7", "--collapse-layers", "2", "--labeling", "points", "--split-choice", "first-found"],
    );
    assert_eq!(uint(&r, "splits"), 1);
    expect_bad(
        "bad-collapse",
        "json",
        r#"{"sequences": [{"tokens": [[1, 2]], "label": "a"}]}"#,
        &["--collapse-layers", "99"],
        &["collapse"],
    );
}

#[test]
fn bad_arguments_exit_2() {
    for args in [
        vec!["verify"],
        vec!["verify", "x.json", "--format", "xml"],
        vec!["verify", "x.json", "--lift", "space"],
        vec!["frobnicate"],
        vec!["build", "x.json"],
    ] {
        let o = hardmax(&args);
        assert_eq!(code(&o), 2, "{args:?}: {}", stderr(&o));
        assert!(!stderr(&o).is_empty());
    }
}

#[test]
fn example_prints_a_dataset_that_verifies() {
    let o = hardmax(&["example", "shared"]);
    assert_eq!(code(&o), 0, "stderr: {}", stderr(&o));
    let f = TempFile::new("example", "json", &stdout(&o));
    let o = hardmax(&["verify", f.as_str(), "--json"]);
    assert_eq!(code(&o), 0, "stderr: {}", stderr(&o));
    let r = json_of(&o);
    assert_eq!(uint(&r, "sequences"), 6);
    assert!(Path::new(f.as_str()).exists());
}

#[test]
fn bench_refuses_empty_sizes_by_name() {
    for (flag, name) in [("--n", "number of sequences"), ("--len", "sequence length"), ("--d", "dimension")] {
        let o = hardmax(&["bench", flag, "0"]);
        assert_eq!(code(&o), 2, "bench {flag} 0: {}", stderr(&o));
        assert!(stderr(&o).contains(name), "bench {flag} 0 names {name}: {}", stderr(&o));
        assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
        assert!(stdout(&o).is_empty(), "nothing ran: {}", stdout(&o));
    }
}

#[test]
fn figures_writes_the_stage_figure_and_refuses_a_bad_output_directory() {
    let dir = std::env::temp_dir().join(format!("hardmax-figures-{}", std::process::id()));
    let o = hardmax(&["figures", &data("BasicMotions_TRAIN.ts"), "--out", dir.to_str().unwrap(), "--no-complexity"]);
    assert_eq!(code(&o), 0, "stderr: {}", stderr(&o));
    let svg = std::fs::read_to_string(dir.join("stages.svg")).unwrap();
    assert_eq!(svg.matches("class=\"panel\"").count(), 5);
    assert!(stdout(&o).contains("40/40 correct"), "{}", stdout(&o));
    assert!(!dir.join("complexity.svg").exists());
    // an output path that is a file: bad input, exit 2
    let file = TempFile::new("not-a-dir", "txt", "x");
    let o = hardmax(&["figures", &data("BasicMotions_TRAIN.ts"), "--out", file.as_str(), "--no-complexity"]);
    assert_eq!(code(&o), 2, "stderr: {}", stderr(&o));
    let _ = std::fs::remove_dir_all(&dir);
}
