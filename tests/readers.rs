//! The three dataset readers (JSON, CSV, .ts): good files come out right, and every kind
//! of bad input is reported with the right error and a message that says where.

use hardmax::dataset::{parse, Dataset, Format};
use hardmax::Error;

fn ok(text: &str, format: Format) -> Dataset {
    match parse(text, format) {
        Ok(d) => d,
        Err(e) => panic!("expected {format:?} input to parse, got: {e}"),
    }
}

fn err(text: &str, format: Format) -> Error {
    match parse(text, format) {
        Ok(d) => panic!("expected {format:?} input to fail, got {} sequences", d.len()),
        Err(e) => e,
    }
}

/// Token `t` of sequence `s`, as a vector.
fn token(d: &Dataset, s: usize, t: usize) -> Vec<f64> {
    d.sequences()[s].tokens.column(t).iter().copied().collect()
}

fn label(d: &Dataset, s: usize) -> &str {
    &d.classes()[d.sequences()[s].label]
}

fn assert_parse_error(e: &Error, want_format: &str, want_line: usize, want_column: Option<usize>, needles: &[&str]) {
    match e {
        Error::Parse { format, line, column, message } => {
            assert_eq!(*format, want_format, "{e}");
            assert_eq!(*line, want_line, "{e}");
            if let Some(c) = want_column {
                assert_eq!(*column, c, "{e}");
            }
            let shown = e.to_string();
            assert!(shown.contains(&format!("line {want_line}")), "{shown}");
            for n in needles {
                assert!(message.contains(n), "message {message:?} should contain {n:?}");
            }
        }
        other => panic!("expected a parse error, got {other:?}"),
    }
}

fn assert_missing(e: &Error, want_place: &str) {
    match e {
        Error::MissingValue { place } => {
            assert_eq!(place, want_place);
            assert!(e.to_string().contains(want_place), "{e}");
        }
        other => panic!("expected a missing value at {want_place}, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------- JSON

#[test]
fn json_good_file() {
    let d = ok(
        r#"{"sequences": [
            {"tokens": [[0.0, 1.0], [2.5, -1.0]], "label": "up", "name": "first"},
            {"tokens": [[1, 1], [3, 4], [5, 6e-1]], "label": "down", "extra": [1, 2]},
            {"tokens": [[7, 8]], "label": "up"}
        ], "comment": "ignored"}"#,
        Format::Json,
    );
    assert_eq!(d.len(), 3);
    assert_eq!(d.dim(), 2);
    assert_eq!(d.classes(), ["down", "up"]);
    assert_eq!(d.sequences()[0].name, "first");
    assert_eq!(d.sequences()[1].name, "seq 2");
    assert_eq!(d.sequences()[2].name, "seq 3");
    assert_eq!(d.sequences().iter().map(|s| s.len()).collect::<Vec<_>>(), [2, 3, 1]);
    assert_eq!(token(&d, 0, 1), [2.5, -1.0]);
    assert_eq!(token(&d, 1, 2), [5.0, 0.6]);
    assert_eq!((label(&d, 0), label(&d, 1), label(&d, 2)), ("up", "down", "up"));
}

#[test]
fn json_numeric_labels() {
    let d = ok(
        r#"{"sequences": [
            {"tokens": [[0, 1]], "label": 10},
            {"tokens": [[1, 1]], "label": 3},
            {"tokens": [[2, 1]], "label": "2"},
            {"tokens": [[3, 1]], "label": 3}
        ]}"#,
        Format::Json,
    );
    assert_eq!(d.classes(), ["2", "3", "10"]);
    assert_eq!(label(&d, 0), "10");
    assert_eq!(label(&d, 1), "3");
    assert_eq!(d.sequences()[1].label, d.sequences()[3].label);
}

#[test]
fn json_malformed() {
    let e = err("{\"sequences\": [\n  {\"tokens\": [[1, 2]],, \"label\": 1}\n]}", Format::Json);
    assert_parse_error(&e, "JSON", 2, Some(23), &[]);
    assert!(e.to_string().starts_with("JSON input, line 2, column 23: "), "{e}");

    let e = err("{\"sequences\": []} trailing", Format::Json);
    assert_parse_error(&e, "JSON", 1, None, &["trailing"]);
}

#[test]
fn json_wrong_shape() {
    let e = err("{\"data\": []}", Format::Json);
    assert_parse_error(&e, "JSON", 1, None, &["\"sequences\""]);

    let e = err("[1, 2]", Format::Json);
    assert_parse_error(&e, "JSON", 1, None, &["\"sequences\""]);

    let e = err(
        "{\"sequences\": [\n{\"tokens\": [[1, 2]], \"label\": 1},\n{\"tokens\": [[1, \"a\"]], \"label\": 1}]}",
        Format::Json,
    );
    assert_parse_error(&e, "JSON", 3, None, &["number", "sequence 2, token 1, coordinate 2"]);

    let e = err("{\"sequences\": [{\"tokens\": [[1, 2]], \"label\": 1}, {\"tokens\": [3, 4], \"label\": 1}]}", Format::Json);
    assert_parse_error(&e, "JSON", 1, None, &["token 1 of sequence 2", "array of numbers"]);

    let e = err("{\"sequences\": [{\"tokens\": 5, \"label\": 1}]}", Format::Json);
    assert_parse_error(&e, "JSON", 1, None, &["sequence 1", "tokens"]);

    let e = err(
        "{\"sequences\": [\n{\"tokens\": [[1, 2]], \"label\": 1},\n{\"tokens\": [[1, 2]]}\n]}",
        Format::Json,
    );
    assert_parse_error(&e, "JSON", 3, None, &["sequence 2", "\"label\""]);

    let e = err("{\"sequences\": [{\"label\": \"a\"}]}", Format::Json);
    assert_parse_error(&e, "JSON", 1, None, &["sequence 1", "\"tokens\""]);

    let e = err("{\"sequences\": [{\"tokens\": [[1]], \"label\": true}]}", Format::Json);
    assert_parse_error(&e, "JSON", 1, None, &["label of sequence 1", "string or a number"]);

    let e = err("{\"sequences\": [{\"tokens\": [[1]], \"label\": 1}, 7]}", Format::Json);
    assert_parse_error(&e, "JSON", 1, None, &["sequence 2 to be an object"]);
}

#[test]
fn json_null_is_missing() {
    let e = err(
        r#"{"sequences": [
            {"tokens": [[1, 2]], "label": "a"},
            {"tokens": [[1, 2]], "label": "a"},
            {"tokens": [[1, 2], [null, 3]], "label": "b"}
        ]}"#,
        Format::Json,
    );
    assert_missing(&e, "sequence 3, token 2, coordinate 1");
}

#[test]
fn json_dimensions_are_checked_by_the_dataset() {
    let e = err(
        r#"{"sequences": [{"tokens": [[1, 2]], "label": "a"}, {"tokens": [[1, 2, 3]], "label": "b"}]}"#,
        Format::Json,
    );
    match &e {
        Error::MixedDimensions { place, expected: 2, found: 3 } => assert_eq!(place, "sequence 2, token 1"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(err(r#"{"sequences": []}"#, Format::Json), Error::EmptyDataset));
    match err(r#"{"sequences": [{"tokens": [[1, 2]], "label": " "}]}"#, Format::Json) {
        Error::EmptyLabel { place } => assert_eq!(place, "sequence 1"),
        other => panic!("{other:?}"),
    }
}

// ----------------------------------------------------------------------------- CSV

#[test]
fn csv_good_file() {
    let text = " Sequence , LABEL ,x,y\r\nw1,walk,0.0,1.0\r\nw1,walk, 0.5 ,1.5\r\n\r\nr1,run,2,-1e1\r\n\r\nw2,walk,3,3\r\n";
    let d = ok(text, Format::Csv);
    assert_eq!(d.len(), 3);
    assert_eq!(d.dim(), 2);
    assert_eq!(d.classes(), ["run", "walk"]);
    let names: Vec<&str> = d.sequences().iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["w1", "r1", "w2"]);
    assert_eq!(d.sequences()[0].len(), 2);
    assert_eq!(token(&d, 0, 1), [0.5, 1.5]);
    assert_eq!(token(&d, 1, 0), [2.0, -10.0]);
    assert_eq!((label(&d, 0), label(&d, 1), label(&d, 2)), ("walk", "run", "walk"));
}

#[test]
fn csv_non_consecutive_rows() {
    let text = "sequence,label,x,y\na,l,1,2\na,l,2,3\nb,m,1,1\na,l,5,5\n";
    let e = err(text, Format::Csv);
    assert_parse_error(&e, "CSV", 5, Some(1), &["\"a\"", "consecutive", "line 2"]);
}

#[test]
fn csv_label_must_not_change() {
    let text = "sequence,label,x,y\na,l,1,2\na,m,2,3\n";
    let e = err(text, Format::Csv);
    assert_parse_error(&e, "CSV", 3, Some(2), &["\"a\"", "\"m\"", "\"l\"", "same label"]);
}

#[test]
fn csv_missing_value() {
    let e = err("sequence,label,x,y\na,l,1,2\na,l,2,\n", Format::Csv);
    assert_missing(&e, "line 3, column 4");
    let e = err("sequence,label,x,y\na,l,1,2\n\nb, ,2,3\n", Format::Csv);
    assert_missing(&e, "line 4, column 2");
}

#[test]
fn csv_bad_number() {
    let e = err("sequence,label,x,y\na,l,1,2\na,l,2,3.4.5\n", Format::Csv);
    assert_parse_error(&e, "CSV", 3, Some(4), &["3.4.5"]);
    assert!(e.to_string().contains("line 3, column 4"), "{e}");
}

#[test]
fn csv_non_finite_values_are_placed() {
    let e = err("sequence,label,x,y\na,l,1,2\nb,l,1,2\nb,l,nan,2\n", Format::Csv);
    match &e {
        Error::NonFinite { place, .. } => assert_eq!(place, "line 4, column 3"),
        other => panic!("{other:?}"),
    }
    let e = err("sequence,label,x,y\na,l,1,-inf\n", Format::Csv);
    match &e {
        Error::NonFinite { place, .. } => assert_eq!(place, "line 2, column 4"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn csv_wrong_field_count() {
    let e = err("sequence,label,x,y\na,l,1,2\na,l,2\n", Format::Csv);
    assert_parse_error(&e, "CSV", 3, None, &["expected 4 fields", "found 3"]);
    let e = err("sequence,label,x,y\na,l,1,2,3\n", Format::Csv);
    assert_parse_error(&e, "CSV", 2, None, &["expected 4 fields", "found 5"]);
}

#[test]
fn csv_bad_header() {
    let e = err("seq,label,x\na,l,1\n", Format::Csv);
    assert_parse_error(&e, "CSV", 1, Some(1), &["sequence"]);
    let e = err("\n\nsequence,class,x\na,l,1\n", Format::Csv);
    assert_parse_error(&e, "CSV", 3, Some(2), &["label"]);
    let e = err("sequence,label\na,l\n", Format::Csv);
    assert_parse_error(&e, "CSV", 1, None, &["coordinate"]);
}

#[test]
fn csv_empty_files() {
    assert!(matches!(err("", Format::Csv), Error::EmptyDataset));
    assert!(matches!(err("sequence,label,x\n", Format::Csv), Error::EmptyDataset));
    assert!(matches!(err("\n\nsequence,label,x\n\n", Format::Csv), Error::EmptyDataset));
}

// ------------------------------------------------------------------------------ .ts

const TS_HEADER: &str = "# a comment\n@problemName Tiny\n@timeStamps false\n@missing false\n@univariate false\n\
                         @dimensions 2\n@equalLength false\n@classLabel true up down\n@data\n";
/// The first data line after [`TS_HEADER`].
const TS_FIRST: usize = 10;

#[test]
fn ts_good_file_with_variable_lengths() {
    let text = "#comment\r\n@ProblemName Tiny\r\n@TIMESTAMPS false\r\n@dimensions 2\r\n@classLabel true up down\r\n\r\n@data\r\n\
                1,2,3:0.5,0.5,-0.5:up\r\n\r\n# between\r\n 3.0, 2.0 : -1 , 1e2 :down \r\n7:8:up";
    let d = ok(text, Format::Ts);
    assert_eq!(d.len(), 3);
    assert_eq!(d.dim(), 2);
    assert_eq!(d.classes(), ["down", "up"]);
    assert_eq!(d.sequences().iter().map(|s| s.len()).collect::<Vec<_>>(), [3, 2, 1]);
    assert_eq!(token(&d, 0, 0), [1.0, 0.5]);
    assert_eq!(token(&d, 0, 2), [3.0, -0.5]);
    assert_eq!(token(&d, 1, 1), [2.0, 100.0]);
    assert_eq!(token(&d, 2, 0), [7.0, 8.0]);
    assert_eq!(d.sequences()[1].name, "series 2");
    assert_eq!((label(&d, 0), label(&d, 1), label(&d, 2)), ("up", "down", "up"));
}

#[test]
fn ts_places_are_lines() {
    let text = "@classLabel true\n@data\n1,2:3,4:a\n\n1,inf:3,4:b\n";
    match err(text, Format::Ts) {
        Error::NonFinite { place, .. } => assert_eq!(place, "line 5, token 2, coordinate 1"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn ts_question_mark_is_missing() {
    let text = format!("{TS_HEADER}1,2,3:4,5,6:up\n1,2,3:4,5,?:down\n");
    assert_missing(&err(&text, Format::Ts), &format!("line {}, dimension 2, value 3", TS_FIRST + 1));
    let text = format!("{TS_HEADER}NaN,2,3:4,5,6:up\n");
    assert_missing(&err(&text, Format::Ts), &format!("line {TS_FIRST}, dimension 1, value 1"));
}

#[test]
fn ts_mismatched_dimension_lengths() {
    let text = format!("{TS_HEADER}1,2,3:4,5,6:up\n1,2,3:4,5:down\n");
    let e = err(&text, Format::Ts);
    assert_parse_error(&e, "TS", TS_FIRST + 1, Some(7), &["dimension 2 has 2 values", "dimension 1 has 3"]);
}

#[test]
fn ts_undeclared_label() {
    let text = format!("{TS_HEADER}1,2,3:4,5,6:up\n1,2:4,5:sideways\n");
    let e = err(&text, Format::Ts);
    assert_parse_error(&e, "TS", TS_FIRST + 1, Some(9), &["\"sideways\"", "@classLabel"]);
}

#[test]
fn ts_wrong_number_of_dimensions() {
    let text = format!("{TS_HEADER}1,2,3:4,5,6:up\n1,2:4,5:7,8:down\n");
    let e = err(&text, Format::Ts);
    assert_parse_error(&e, "TS", TS_FIRST + 1, None, &["expected 2 dimensions", "found 3"]);

    // Without @dimensions the first series sets the number.
    let text = "@classLabel true\n@data\n1:2:a\n1:2:3:b\n";
    let e = err(text, Format::Ts);
    assert_parse_error(&e, "TS", 4, None, &["expected 2 dimensions", "line 3", "found 3"]);

    let text = "@classLabel true\n@data\n1,2,3\n";
    let e = err(text, Format::Ts);
    assert_parse_error(&e, "TS", 3, None, &["label"]);
}

#[test]
fn ts_bad_number() {
    let text = format!("{TS_HEADER}1,2,3:4,5,6:up\n1, 2x ,3:4,5,6:down\n");
    let e = err(&text, Format::Ts);
    assert_parse_error(&e, "TS", TS_FIRST + 1, Some(4), &["\"2x\"", "dimension 1, value 2"]);

    let text = format!("{TS_HEADER}1,,3:4,5,6:up\n");
    let e = err(&text, Format::Ts);
    assert_parse_error(&e, "TS", TS_FIRST, Some(3), &["empty value"]);
}

#[test]
fn ts_time_stamps_are_rejected() {
    let text = "@problemName T\n@timeStamps true\n@classLabel true a\n@data\n(2007-01-01 00:00:00,1.0):a\n";
    let e = err(text, Format::Ts);
    assert_parse_error(&e, "TS", 2, None, &["time stamps are not supported"]);
}

#[test]
fn ts_needs_class_labels() {
    let e = err("@problemName T\n@classLabel false\n@data\n1,2:3,4\n", Format::Ts);
    assert_parse_error(&e, "TS", 2, None, &["class labels", "@classLabel false"]);
    let e = err("@problemName T\n@targetLabel true\n@data\n1,2:3,4:0.5\n", Format::Ts);
    assert_parse_error(&e, "TS", 3, None, &["class labels", "no @classLabel"]);
}

#[test]
fn ts_needs_data_line() {
    let e = err("@problemName T\n@classLabel true a b\n\n", Format::Ts);
    assert_parse_error(&e, "TS", 3, None, &["@data"]);
    let e = err("@problemName T\n1,2:3,4:a\n", Format::Ts);
    assert_parse_error(&e, "TS", 2, Some(1), &["@data"]);
    let e = err("", Format::Ts);
    assert_parse_error(&e, "TS", 1, None, &["@data"]);
}

#[test]
fn ts_bad_header_values() {
    let e = err("@dimensions two\n@classLabel true\n@data\n", Format::Ts);
    assert_parse_error(&e, "TS", 1, Some(13), &["@dimensions", "\"two\""]);
    let e = err("@classLabel maybe\n@data\n", Format::Ts);
    assert_parse_error(&e, "TS", 1, Some(13), &["true or false"]);
}

#[test]
fn ts_large_file_reads_quickly() {
    // About 4 MB: 400 series of 3 dimensions with 500 values each.
    let mut text = String::from("@classLabel true a b\n@dimensions 3\n@data\n");
    for s in 0..400 {
        for k in 0..3 {
            let dim: Vec<String> = (0..500).map(|t| format!("{:.6}", (s * 7 + k * 13 + t) as f64 * 0.001)).collect();
            text.push_str(&dim.join(","));
            text.push(':');
        }
        text.push_str(if s % 2 == 0 { "a\n" } else { "b\n" });
    }
    let start = std::time::Instant::now();
    let d = ok(&text, Format::Ts);
    let took = start.elapsed();
    assert_eq!((d.len(), d.dim(), d.max_len(), d.total_tokens()), (400, 3, 500, 200_000));
    assert_eq!(token(&d, 1, 2), [0.009, 0.022, 0.035]);
    assert!(took.as_secs() < 10, "reading took {took:?}");
}

// ---------------------------------------------------------------- real UEA archive files

fn read_data(name: &str) -> String {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

#[test]
fn japanese_vowels_train() {
    let d = ok(&read_data("JapaneseVowels_TRAIN.ts"), Format::Ts);
    assert_eq!(d.len(), 270);
    assert_eq!(d.dim(), 12);
    let lengths: Vec<usize> = d.sequences().iter().map(|s| s.len()).collect();
    assert_eq!(lengths.iter().min(), Some(&7));
    // The archive quotes lengths 7..29 for JapaneseVowels; 29 occurs only in the test split.
    assert_eq!(lengths.iter().max(), Some(&26));
    assert_eq!(d.classes(), ["1", "2", "3", "4", "5", "6", "7", "8", "9"]);
    let first = &d.sequences()[0];
    assert_eq!(first.tokens[(0, 0)], 1.860936);
    assert_eq!(first.tokens[(1, 0)], -0.207383);
    assert_eq!(first.tokens[(0, 1)], 1.891651);
    assert_eq!(first.name, "series 1");
    assert_eq!(label(&d, 0), "1");
    assert_eq!(label(&d, 269), "9");
}

#[test]
fn japanese_vowels_test() {
    let d = ok(&read_data("JapaneseVowels_TEST.ts"), Format::Ts);
    assert_eq!(d.len(), 370);
    assert_eq!(d.dim(), 12);
    assert_eq!(d.classes(), ["1", "2", "3", "4", "5", "6", "7", "8", "9"]);
    let lengths: Vec<usize> = d.sequences().iter().map(|s| s.len()).collect();
    assert_eq!((lengths.iter().min(), lengths.iter().max()), (Some(&7), Some(&29)));
}

#[test]
fn basic_motions_train() {
    let d = ok(&read_data("BasicMotions_TRAIN.ts"), Format::Ts);
    assert_eq!(d.len(), 40);
    assert_eq!(d.dim(), 6);
    assert!(d.sequences().iter().all(|s| s.len() == 100));
    assert_eq!(d.classes(), ["Badminton", "Running", "Standing", "Walking"]);
}

#[test]
fn real_file_with_crlf_endings() {
    let text = read_data("BasicMotions_TRAIN.ts").replace('\n', "\r\n");
    let d = ok(&text, Format::Ts);
    assert_eq!((d.len(), d.dim(), d.max_len()), (40, 6, 100));
}
