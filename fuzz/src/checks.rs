//! What every fuzz input must satisfy. The fuzz targets call these on libFuzzer's bytes;
//! tests/fuzz_regressions.rs calls them on every committed corpus file and artifact, so a
//! crash found once stays a test on stable.
//!
//! - [`reader`]: the text, read in one format, is either a dataset that keeps the
//!   invariants [`Dataset::new`] promises (and survives a JSON export and re-import
//!   bit for bit), or one of the errors a reader may give, naming a line that exists.
//! - [`build_verify`]: a small dataset made from the bytes (2 to 6 sequences of 1 to 5
//!   tokens in R^2..R^4, 2 or 3 labels, finite values from arbitrary bit patterns, often
//!   copied or nudged from earlier ones) either compiles to a transformer that classifies
//!   every sequence correctly (structured and dense forward pass alike, and after a model
//!   file round trip), or is refused by name for a reason that holds. An
//!   [`Error::Construction`] ("please report this dataset") is a finding, hence a panic.

use arbitrary::{Result as ArbResult, Unstructured};
use hardmax::construct::{compile, Options};
use hardmax::dataset::{json, parse, Dataset, Format};
use hardmax::{model_file, verify::{verify, verify_dense}, Error};

/// Reads `data` (when it is UTF-8: the program reads files as text) in `format`.
pub fn reader(data: &[u8], format: Format) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match parse(text, format) {
        Ok(d) => {
            check_dataset(&d);
            check_json_round_trip(&d);
        }
        Err(e) => check_reader_error(&e, text, format),
    }
}

/// The invariants [`Dataset::new`] promises to everything after it.
fn check_dataset(d: &Dataset) {
    assert!(!d.is_empty(), "a dataset with no sequences was accepted");
    assert!(d.dim() >= 1, "a dataset of dimension 0 was accepted");
    assert!(!d.classes().is_empty());
    for c in d.classes() {
        assert!(!c.trim().is_empty(), "an empty class name was accepted");
    }
    for s in d.sequences() {
        assert!(!s.is_empty(), "an empty sequence was accepted");
        assert_eq!(s.tokens.nrows(), d.dim(), "a token of the wrong dimension was accepted");
        assert!(s.tokens.iter().all(|v| v.is_finite()), "a non-finite value was accepted");
        assert!(s.label < d.classes().len(), "label index out of range");
    }
}

/// Export as JSON (the dataset's own raw form) and read back: the same dataset, bit for bit.
fn check_json_round_trip(d: &Dataset) {
    let text = serde_json::to_string(&d.to_raw()).expect("a validated dataset serializes");
    let back = match json::read(&text).and_then(Dataset::new) {
        Ok(b) => b,
        Err(e) => panic!("the JSON export of an accepted dataset does not read back: {e}\n{text}"),
    };
    assert_eq!(back.classes(), d.classes(), "class names changed through JSON");
    assert_eq!(back.dim(), d.dim());
    assert_eq!(back.len(), d.len());
    for (a, b) in d.sequences().iter().zip(back.sequences()) {
        assert_eq!(a.name, b.name, "sequence name changed through JSON");
        assert_eq!(a.label, b.label);
        assert_eq!(a.tokens.shape(), b.tokens.shape());
        for (x, y) in a.tokens.iter().zip(b.tokens.iter()) {
            assert_eq!(x.to_bits(), y.to_bits(), "value {x:e} came back as {y:e} through JSON");
        }
    }
}

/// A reader's error is one of the kinds readers give and names a place that exists.
fn check_reader_error(e: &Error, text: &str, format: Format) {
    let shown = e.to_string();
    assert!(!shown.trim().is_empty());
    match e {
        Error::Parse { line, .. } => {
            let lines = text.split('\n').count();
            assert!(
                (1..=lines).contains(line),
                "{format:?}: parse error at line {line} of a {lines}-line text: {shown}"
            );
        }
        Error::EmptyDataset => {}
        Error::EmptySequence { place }
        | Error::MixedDimensions { place, .. }
        | Error::NonFinite { place, .. }
        | Error::MissingValue { place }
        | Error::EmptyLabel { place } => {
            assert!(!place.trim().is_empty(), "{format:?}: an error without a place: {shown}")
        }
        other => panic!("{format:?}: a reader gave an error no reader should give: {other:?}"),
    }
}

/// A small labeled dataset drawn from the fuzzer's bytes.
pub fn small_dataset(data: &[u8]) -> Vec<(Vec<Vec<f64>>, String)> {
    let mut u = Unstructured::new(data);
    // Once the bytes run out `arbitrary` answers with the smallest choices, so every
    // input gives some dataset; errors cannot happen but are mapped to an empty set.
    draw(&mut u).unwrap_or_default()
}

fn draw(u: &mut Unstructured) -> ArbResult<Vec<(Vec<Vec<f64>>, String)>> {
    let d = u.int_in_range(2..=4usize)?;
    let n = u.int_in_range(2..=6usize)?;
    let labels = u.int_in_range(2..=3u8)?;
    let mut seen: Vec<Vec<f64>> = Vec::new();
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let len = u.int_in_range(1..=5usize)?;
        let label = u.int_in_range(0..=labels - 1)?;
        let mut tokens = Vec::with_capacity(len);
        for _ in 0..len {
            let t = token(u, d, &seen)?;
            seen.push(t.clone());
            tokens.push(t);
        }
        out.push((tokens, format!("class {label}")));
    }
    Ok(out)
}

/// A fresh token, a copy of an earlier one, or an earlier one nudged in one coordinate.
fn token(u: &mut Unstructured, d: usize, seen: &[Vec<f64>]) -> ArbResult<Vec<f64>> {
    let kind = if seen.is_empty() { 0 } else { u.int_in_range(0..=2u8)? };
    match kind {
        0 => (0..d).map(|_| value(u)).collect(),
        1 => Ok(u.choose(seen)?.clone()),
        _ => {
            let mut t = u.choose(seen)?.clone();
            let k = u.choose_index(d)?;
            t[k] = nudge(u, t[k])?;
            Ok(t)
        }
    }
}

/// A finite value: any bit pattern (non-finite ones folded into finite ones), or a small
/// multiple of 1/4 (so that exact ties and equal coordinates are common).
fn value(u: &mut Unstructured) -> ArbResult<f64> {
    Ok(if u.arbitrary::<bool>()? {
        finite_from_bits(u.arbitrary::<u64>()?)
    } else {
        f64::from(u.arbitrary::<i8>()?) / 4.0
    })
}

/// The value with the exponent's top bit cleared when the pattern is an infinity or NaN.
fn finite_from_bits(bits: u64) -> f64 {
    let x = f64::from_bits(bits);
    if x.is_finite() {
        x
    } else {
        f64::from_bits(bits & !(1u64 << 62))
    }
}

/// `x` moved by a few units in the last place, or by a relative 10^-k (k in 1..=16).
fn nudge(u: &mut Unstructured, x: f64) -> ArbResult<f64> {
    let y = if u.arbitrary::<bool>()? {
        let steps = i64::from(u.arbitrary::<i8>()?);
        f64::from_bits(x.to_bits().wrapping_add_signed(steps))
    } else {
        let k = u.int_in_range(1..=16i32)?;
        let sign = if u.arbitrary::<bool>()? { 1.0 } else { -1.0 };
        x + sign * x.abs().max(f64::MIN_POSITIVE) * 10f64.powi(-k)
    };
    Ok(if y.is_finite() { y } else { x })
}

/// Builds with the default options and verifies, or checks the refusal.
pub fn build_verify(data: &[u8]) {
    let parts = small_dataset(data);
    if parts.is_empty() {
        return;
    }
    let ds = match Dataset::from_parts(parts.clone()) {
        Ok(ds) => ds,
        Err(e) => panic!("a finite, non-empty dataset was refused by validation: {e}\n{parts:?}"),
    };
    // the width cap from the input's last byte: one jump per separate block (6) or several
    let max_width = [6, 12, 24, 96][data.last().map_or(0, |b| (*b % 4) as usize)];
    let built = match compile(&ds, &Options { max_width, ..Options::default() }) {
        Ok(b) => b,
        Err(e) => return check_refusal(&e, &ds),
    };
    let t = &built.transformer;
    let v = verify(t, &ds);
    // the batch sweep of the pointwise suffix is the dense pass, bit for bit
    let dense = verify_dense(t, &ds);
    assert_eq!(format!("{v:?}"), format!("{dense:?}"), "verify and verify_dense disagree (width {max_width}): {parts:?}");
    assert!(
        v.correct == v.total && v.wrong.is_empty(),
        "built but misclassifies sequences {:?} (of {}): {parts:?}",
        v.wrong,
        v.total
    );
    assert!(v.min_margin > 0.0, "classification margin {} is not positive: {parts:?}", v.min_margin);

    // the plain forward pass (every token through every layer) agrees
    for (i, s) in ds.sequences().iter().enumerate() {
        let (x, _) = t.forward_dense(&s.tokens);
        let mean = x.column_mean();
        let (pred, _) = t.nearest_anchor(&mean);
        assert_eq!(pred, s.label, "dense forward pass misclassifies sequence {}: {parts:?}", i + 1);
    }

    // the model file reads back and classifies the same
    let text = match model_file::to_json(t) {
        Ok(text) => text,
        Err(e) => panic!("a built model does not serialize: {e}: {parts:?}"),
    };
    let back = match model_file::from_json(&text) {
        Ok(b) => b,
        Err(e) => panic!("a built model's file does not read back: {e}: {parts:?}"),
    };
    for (i, s) in ds.sequences().iter().enumerate() {
        assert_eq!(back.classify(&s.tokens), s.label, "reloaded model misclassifies sequence {}: {parts:?}", i + 1);
    }
}

/// A refusal must be named and true: the two sequences it names have different labels,
/// and "indistinguishable" ones really hold (nearly) the same set of tokens.
fn check_refusal(e: &Error, ds: &Dataset) {
    let seqs = ds.sequences();
    let label_of = |i: usize| seqs[i - 1].label;
    match e {
        Error::Indistinguishable { first, second, .. } => {
            assert_ne!(label_of(*first), label_of(*second), "refused two sequences of one label: {e}");
            let tol = 1e-6 * data_range(ds);
            let (a, b) = (&seqs[first - 1].tokens, &seqs[second - 1].tokens);
            let covered = |x: &nalgebra::DMatrix<f64>, y: &nalgebra::DMatrix<f64>| {
                x.column_iter().all(|p| y.column_iter().any(|q| (p - q).amax() <= tol))
            };
            assert!(
                covered(a, b) && covered(b, a),
                "called indistinguishable, yet their token sets differ by more than 1e-6 of the range: {e}\n{:?}",
                ds.to_raw()
            );
        }
        Error::TooClose { first, second, .. } => {
            assert_ne!(label_of(*first), label_of(*second), "refused two sequences of one label: {e}");
        }
        Error::Construction(_) => panic!("finding: {e}\n{:?}", ds.to_raw()),
        other => panic!("unexpected error from the construction: {other:?}\n{:?}", ds.to_raw()),
    }
}

/// The largest coordinate spread of the data (overflow-free: half differences doubled).
fn data_range(ds: &Dataset) -> f64 {
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for s in ds.sequences() {
        for v in s.tokens.iter() {
            lo = lo.min(*v);
            hi = hi.max(*v);
        }
    }
    2.0 * (hi / 2.0 - lo / 2.0)
}
