//! Reader for the CSV dataset format: one row per token.
//!
//! The header is `sequence,label,x1,...,xd`: the first two columns must be named
//! `sequence` and `label` (case and surrounding spaces do not matter), the remaining `d`
//! columns hold the coordinates and may be named freely. Every further row is one token:
//! the id of its sequence, the label of that sequence, and `d` numbers. The rows of one
//! sequence are consecutive and in token order, and all carry the same label.
//!
//! ```text
//! sequence,label,x,y
//! walk-1,walk,0.0,1.0
//! walk-1,walk,0.5,1.5
//! run-1,run,2.0,-1.0
//! ```
//!
//! This is two sequences: `walk-1` with two tokens in R^2, labelled `walk`, and `run-1`
//! with one token, labelled `run`. Blank lines are skipped; a file that is empty or has
//! only a header gives an empty dataset.
//!
//! **Targets (interpolation).** With the header `sequence,role,x1,...,xd` every row is
//! either a `token` or a `target` (the `role` column, case-insensitive) of its sequence:
//! token rows in token order, target rows in target order (usually all token rows first).
//! The m target rows are compared with the sequence's last m output tokens.
//!
//! ```text
//! sequence,role,x,y
//! path-1,token,0.0,1.0
//! path-1,token,0.5,1.5
//! path-1,token,1.0,1.0
//! path-1,target,4.0,4.0
//! path-1,target,5.0,4.0
//! ```
//!
//! Here the output tokens 2 and 3 of `path-1` must be (4, 4) and (5, 4). A role other
//! than `token` or `target` is an [`Error::Parse`] at its line and column 2.
//!
//! Lines are numbered from 1, the header being line 1, and columns (fields) from 1. An
//! empty cell is an [`Error::MissingValue`] at `line L, column C`; anything else that is
//! wrong (a bad header, a row with the wrong number of fields, a number that does not
//! parse, a sequence whose rows are not consecutive or whose label changes) is an
//! [`Error::Parse`] naming the line and column. Values such as `nan` or `inf` are read as
//! the non-finite numbers they are and reported by
//! [`Dataset::new`](crate::dataset::Dataset::new), which names the sequence by the line
//! of its first row.

use crate::dataset::{RawDataset, RawSequence};
use crate::error::{Error, Result};
use std::collections::HashMap;

/// Reads a dataset in the CSV format described in the module documentation.
pub fn read(text: &str) -> Result<RawDataset> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut lines = LineCounter::new(text.as_bytes());
    let mut record = csv::StringRecord::new();
    let mut layout: Option<Layout> = None; // known once the header is read
    let mut sequences = Sequences::default();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_error(&e, &mut lines)),
        }
        let start = record.position().map_or(0, |p| p.byte() as usize);
        let line = lines.line_of_record(start);
        // csv-core skips empty lines itself; lines holding only spaces come through as
        // a single blank field.
        if record.len() == 1 && record[0].trim().is_empty() {
            continue;
        }
        match &layout {
            None => layout = Some(check_header(&record, line)?),
            Some(layout) => sequences.push(layout.row(&record, line)?, line)?,
        }
    }
    Ok(sequences.finish())
}

/// What the header says: the number of fields, and whether the second column is `role`
/// (targets) rather than `label`.
struct Layout {
    width: usize,
    roles: bool,
}

/// One data row, read and checked.
struct Row<'r> {
    id: &'r str,
    /// the label ("" in a file with roles)
    label: &'r str,
    is_target: bool,
    token: Vec<f64>,
}

impl Layout {
    /// Reads a data row: the sequence id, its label or role, and the coordinates.
    fn row<'r>(&self, record: &'r csv::StringRecord, line: usize) -> Result<Row<'r>> {
        let width = self.width;
        if record.len() != width {
            return Err(parse(
                line,
                record.len().min(width) + 1,
                format!(
                    "expected {width} fields, as in the header (sequence, {} and {} coordinates), found {}",
                    if self.roles { "role" } else { "label" },
                    width - 2,
                    record.len()
                ),
            ));
        }
        let id = cell(record, 0, line)?;
        let second = cell(record, 1, line)?;
        let (label, is_target) = if self.roles { ("", read_role(second, line)?) } else { (second, false) };
        let token = (2..width).map(|c| coordinate(record, c, line)).collect::<Result<Vec<f64>>>()?;
        Ok(Row { id, label, is_target, token })
    }
}

/// Whether the role cell says `target` (rather than `token`).
fn read_role(role: &str, line: usize) -> Result<bool> {
    if role.eq_ignore_ascii_case("token") {
        Ok(false)
    } else if role.eq_ignore_ascii_case("target") {
        Ok(true)
    } else {
        Err(parse(line, 2, format!("expected the role token or target, found {role:?}")))
    }
}

/// The finite number in field `c` (0-based).
fn coordinate(record: &csv::StringRecord, c: usize, line: usize) -> Result<f64> {
    let s = cell(record, c, line)?;
    let x = s.parse::<f64>().map_err(|_| parse(line, c + 1, format!("expected a number, found {s:?}")))?;
    if !x.is_finite() {
        // named here, where the exact line and column are known
        return Err(Error::NonFinite { place: format!("line {line}, column {}", c + 1), value: s.to_string() });
    }
    Ok(x)
}

/// The sequences read so far: the finished ones and the one whose rows are being read.
#[derive(Default)]
struct Sequences {
    done: Vec<RawSequence>,
    current: Option<Current>,
    /// id -> line of its first row, for every finished sequence
    finished: HashMap<String, usize>,
}

impl Sequences {
    /// Adds a row to the current sequence, or starts a new one with it.
    fn push(&mut self, row: Row, line: usize) -> Result<()> {
        match &mut self.current {
            Some(cur) if cur.seq.name == row.id => cur.push(row, line),
            _ => self.start(row, line),
        }
    }

    /// Finishes the current sequence and starts `row`'s, which must not have been seen.
    fn start(&mut self, row: Row, line: usize) -> Result<()> {
        if let Some(done) = self.current.take() {
            self.finished.insert(done.seq.name.clone(), done.first_line);
            self.done.push(done.seq);
        }
        let id = row.id;
        if let Some(first) = self.finished.get(id) {
            return Err(parse(
                line,
                1,
                format!(
                    "rows of a sequence must be consecutive, but sequence {id:?} (which started on line {first}) appears again after rows of another sequence"
                ),
            ));
        }
        let (tokens, target) = if row.is_target { (vec![], Some(vec![row.token])) } else { (vec![row.token], None) };
        self.current = Some(Current {
            first_line: line,
            seq: RawSequence { name: id.to_string(), place: format!("line {line}"), tokens, label: row.label.to_string(), target },
        });
        Ok(())
    }

    fn finish(mut self) -> RawDataset {
        if let Some(done) = self.current.take() {
            self.done.push(done.seq);
        }
        RawDataset { sequences: self.done }
    }
}

/// The sequence whose rows are being read.
struct Current {
    first_line: usize,
    seq: RawSequence,
}

impl Current {
    /// A further row of this sequence: a target, or a token with the same label.
    fn push(&mut self, row: Row, line: usize) -> Result<()> {
        if row.is_target {
            self.seq.target.get_or_insert_with(Vec::new).push(row.token);
            return Ok(());
        }
        if self.seq.label != row.label {
            return Err(parse(
                line,
                2,
                format!(
                    "sequence {:?} has label {:?} here but {:?} on line {}; all rows of a sequence must have the same label",
                    row.id, row.label, self.seq.label, self.first_line
                ),
            ));
        }
        self.seq.tokens.push(row.token);
        Ok(())
    }
}

fn parse(line: usize, column: usize, message: String) -> Error {
    Error::Parse { format: "CSV", line, column, message }
}

/// The trimmed text of field `c` (0-based), or a missing-value error if it is empty.
fn cell(record: &csv::StringRecord, c: usize, line: usize) -> Result<&str> {
    match record.get(c).map(str::trim) {
        Some(s) if !s.is_empty() => Ok(s),
        _ => Err(Error::MissingValue { place: format!("line {line}, column {}", c + 1) }),
    }
}

/// Checks the header and returns its layout.
fn check_header(record: &csv::StringRecord, line: usize) -> Result<Layout> {
    let roles = record.get(1).map(str::trim).is_some_and(|f| f.eq_ignore_ascii_case("role"));
    for (c, want) in ["sequence", if roles { "role" } else { "label" }].into_iter().enumerate() {
        let found = record.get(c).map(str::trim).unwrap_or("");
        if !found.eq_ignore_ascii_case(want) {
            return Err(parse(
                line,
                c + 1,
                format!(
                    "expected the header sequence,label,x1,...,xd (or sequence,role,x1,...,xd with targets); column {} must be named {want:?}, found {found:?}",
                    c + 1
                ),
            ));
        }
    }
    if record.len() < 3 {
        return Err(parse(
            line,
            3,
            "expected the header sequence,label,x1,...,xd with at least one coordinate column after sequence and label"
                .to_string(),
        ));
    }
    Ok(Layout { width: record.len(), roles })
}

fn csv_error(e: &csv::Error, lines: &mut LineCounter) -> Error {
    let line = e.position().map_or(0, |p| lines.line_of_record(p.byte() as usize));
    parse(line, 1, e.to_string())
}

/// Turns byte offsets into 1-based line numbers, counting newlines incrementally (the
/// offsets asked for never decrease, so the whole file is scanned once).
///
/// The csv crate's own record position is where it started reading, which is before any
/// blank lines it skipped; [`LineCounter::line_of_record`] steps over those first.
struct LineCounter<'t> {
    text: &'t [u8],
    pos: usize,
    line: usize,
}

impl<'t> LineCounter<'t> {
    fn new(text: &'t [u8]) -> Self {
        LineCounter { text, pos: 0, line: 1 }
    }

    fn line_of_record(&mut self, start: usize) -> usize {
        let mut start = start.min(self.text.len()).max(self.pos);
        while start < self.text.len() && matches!(self.text[start], b'\r' | b'\n') {
            start += 1;
        }
        self.line += self.text[self.pos..start].iter().filter(|&&b| b == b'\n').count();
        self.pos = start;
        self.line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_numbers_skip_blank_lines_and_quoted_newlines() {
        let text = "sequence,label,x\r\n\r\na,l,1\n\n\n\"b\nc\",l,2\nd,l,\n";
        match read(text) {
            Err(Error::MissingValue { place }) => assert_eq!(place, "line 8, column 3"),
            other => panic!("{other:?}"),
        }
        let raw = read("sequence,label,x\n\n\nb,l,1\n").unwrap();
        assert_eq!(raw.sequences[0].place, "line 4");
    }

    #[test]
    fn role_rows_become_tokens_and_targets() {
        let raw = read("sequence,role,x,y\na,token,1,2\na,token,3,4\na,target,5,6\nb,TARGET,0,0\nb,token,1,1\n").unwrap();
        assert_eq!(raw.sequences.len(), 2);
        assert_eq!(raw.sequences[0].tokens, vec![vec![1.0, 2.0], vec![3.0, 4.0]]);
        assert_eq!(raw.sequences[0].target, Some(vec![vec![5.0, 6.0]]));
        assert_eq!(raw.sequences[1].tokens, vec![vec![1.0, 1.0]]);
        assert_eq!(raw.sequences[1].target, Some(vec![vec![0.0, 0.0]]));
        match read("sequence,role,x\na,token,1\na,output,2\n") {
            Err(Error::Parse { line: 3, column: 2, message, .. }) => assert!(message.contains("\"output\""), "{message}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn empty_inputs_give_empty_datasets() {
        assert!(read("").unwrap().sequences.is_empty());
        assert!(read("\n\n").unwrap().sequences.is_empty());
        assert!(read("Sequence , LABEL ,x\n").unwrap().sequences.is_empty());
    }
}
