//! Reader for the `.ts` format of the UEA/UCR time-series archive (as written by sktime).
//!
//! A header of `@keyword value` lines comes first, ended by `@data`; then every line is one
//! series. Within a line the dimensions are separated by `:` and the values of one
//! dimension by `,`; the class label is the last `:`-separated field. Lines starting with
//! `#` are comments, blank lines are skipped, keywords are case-insensitive and both `\n`
//! and `\r\n` line endings are accepted.
//!
//! ```text
//! # two series in R^2
//! @problemName Tiny
//! @timeStamps false
//! @univariate false
//! @dimensions 2
//! @equalLength false
//! @classLabel true up down
//! @data
//! 1.0,2.0,3.0:0.5,0.5,0.5:up
//! 3.0,2.0:-1.0,1.0:down
//! ```
//!
//! A series of length `n` in `d` dimensions becomes `n` tokens in R^d, token `t` being
//! `(dimension 1 [t], ..., dimension d [t])`: above, the first series is the tokens
//! (1, 0.5), (2, 0.5), (3, 0.5). Series may differ in length, but the dimensions of one
//! series must all have the same length.
//!
//! The reader needs `@classLabel true` (optionally followed by the allowed labels, which
//! are then enforced) and rejects `@timeStamps true`. When `@dimensions` is given, every
//! series must have that many dimensions; otherwise every series must have as many as the
//! first one. A value `?` or `NaN` is an [`Error::MissingValue`] at
//! `line L, dimension k, value j`; everything else that is wrong is an [`Error::Parse`]
//! naming the line and (for a bad value or label) the 1-based character column where it
//! starts. Each series is named `series k` (k-th series of the file) and placed at
//! `line L`, its line in the file.

use crate::dataset::{RawDataset, RawSequence};
use crate::error::{Error, Result};
use std::collections::HashSet;

/// Reads a dataset in the `.ts` format described in the module documentation.
pub fn read(text: &str) -> Result<RawDataset> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l));
    let header = read_header(&mut lines)?;
    let mut series = SeriesReader::new(&header);
    let mut sequences = Vec::new();
    for (line_no, raw) in lines {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (label, tokens) = series.read(raw, line, line_no)?;
        sequences.push(RawSequence {
            name: format!("series {}", sequences.len() + 1),
            place: format!("line {line_no}"),
            tokens,
            label: label.to_string(),
            target: None,
        });
    }
    Ok(RawDataset { sequences })
}

/// Reads the series lines after the header, checking each against the header and the
/// first series.
struct SeriesReader<'h> {
    header: &'h Header,
    /// The number of dimensions every series must have, and the line of the series that
    /// set it (0 when @dimensions did).
    reference_dims: Option<(usize, usize)>,
    /// Reused buffers: the values of all dimensions of a line, stored dimension after
    /// dimension, and the number of values of each dimension.
    values: Vec<f64>,
    lengths: Vec<usize>,
}

impl<'h> SeriesReader<'h> {
    fn new(header: &'h Header) -> Self {
        SeriesReader { header, reference_dims: header.dimensions.map(|d| (d, 0)), values: Vec::new(), lengths: Vec::new() }
    }

    /// One series line (`line` is `raw` trimmed): its label and its tokens.
    fn read<'r>(&mut self, raw: &'r str, line: &'r str, line_no: usize) -> Result<(&'r str, Vec<Vec<f64>>)> {
        let fields: Vec<&str> = line.split(':').collect();
        let (label_field, dims) = match fields.split_last() {
            Some((label, dims)) if !dims.is_empty() => (*label, dims),
            _ => {
                return Err(parse(
                    line_no,
                    1,
                    "expected a series: the dimensions separated by ':', then ':' and the class label".to_string(),
                ))
            }
        };
        self.check_dimension_count(dims.len(), line_no)?;
        let label = self.check_label(raw, label_field, line_no)?;
        let n = self.read_values(raw, line_no, dims)?;
        let d = dims.len();
        let tokens = (0..n).map(|t| (0..d).map(|k| self.values[k * n + t]).collect()).collect();
        Ok((label, tokens))
    }

    /// The series must have as many dimensions as @dimensions says, or as the first series.
    fn check_dimension_count(&mut self, count: usize, line_no: usize) -> Result<()> {
        match self.reference_dims {
            Some((d, 0)) if count != d => Err(parse(
                line_no,
                1,
                format!("expected {d} dimensions, as declared by @dimensions {d}, found {count}"),
            )),
            Some((d, first)) if count != d => Err(parse(
                line_no,
                1,
                format!("expected {d} dimensions, as in the first series (line {first}), found {count}"),
            )),
            Some(_) => Ok(()),
            None => {
                self.reference_dims = Some((count, line_no));
                Ok(())
            }
        }
    }

    /// The trimmed label, which must not be empty and must be among the declared labels.
    fn check_label<'r>(&self, raw: &str, label_field: &'r str, line_no: usize) -> Result<&'r str> {
        let label = label_field.trim();
        if label.is_empty() {
            return Err(Error::EmptyLabel { place: format!("line {line_no}") });
        }
        if let Some(allowed) = &self.header.labels {
            if !allowed.set.contains(label) {
                return Err(parse(
                    line_no,
                    column(raw, label),
                    format!(
                        "label {label:?} is not among the labels declared by @classLabel ({})",
                        allowed.list.join(" ")
                    ),
                ));
            }
        }
        Ok(label)
    }

    /// Reads every dimension's values into the buffers; returns the series length, which
    /// every dimension must share.
    fn read_values(&mut self, raw: &str, line_no: usize, dims: &[&str]) -> Result<usize> {
        self.values.clear();
        self.lengths.clear();
        for (k, dim) in dims.iter().enumerate() {
            let before = self.values.len();
            for (j, value) in dim.split(',').enumerate() {
                self.values.push(read_value(raw, line_no, k, j, value)?);
            }
            self.lengths.push(self.values.len() - before);
        }
        let n = self.lengths[0];
        if let Some(k) = self.lengths.iter().position(|&len| len != n) {
            return Err(parse(
                line_no,
                column(raw, dims[k]),
                format!(
                    "dimension {} has {} values but dimension 1 has {n}; all dimensions of a series must have the same length",
                    k + 1,
                    self.lengths[k]
                ),
            ));
        }
        Ok(n)
    }
}

/// Value `j` of dimension `k` (both 0-based) of a data line.
fn read_value(raw: &str, line_no: usize, k: usize, j: usize, value: &str) -> Result<f64> {
    let s = value.trim();
    if s == "?" || s.eq_ignore_ascii_case("nan") {
        return Err(Error::MissingValue {
            place: format!("line {line_no}, dimension {}, value {}", k + 1, j + 1),
        });
    }
    let at = format!("dimension {}, value {}", k + 1, j + 1);
    if s.is_empty() {
        return Err(parse(line_no, column(raw, value), format!("empty value ({at}); expected a number")));
    }
    s.parse::<f64>().map_err(|_| {
        let message = if s.starts_with('(') {
            format!("found {s:?} ({at}): time-stamped values are not supported; expected a plain number")
        } else {
            format!("expected a number, found {s:?} ({at})")
        };
        parse(line_no, column(raw, s), message)
    })
}

/// What the header says, as far as the reader cares.
struct Header {
    dimensions: Option<usize>,
    /// The labels listed after `@classLabel true`, if any.
    labels: Option<Labels>,
}

struct Labels {
    list: Vec<String>,
    set: HashSet<String>,
}

/// Where `@classLabel` stood.
enum ClassLabel {
    Absent,
    False { line: usize },
    True,
}

/// Reads up to and including the `@data` line.
fn read_header<'t>(lines: &mut impl Iterator<Item = (usize, &'t str)>) -> Result<Header> {
    let mut state = HeaderState { header: Header { dimensions: None, labels: None }, class_label: ClassLabel::Absent, target_label: false };
    let mut last_line = 0;
    for (line_no, raw) in lines {
        last_line = line_no;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some(rest) = line.strip_prefix('@') else {
            return Err(parse(
                line_no,
                column(raw, line),
                "expected a header line starting with '@' (or a '#' comment): series may only follow the @data line"
                    .to_string(),
            ));
        };
        if let Some(header) = state.keyword_line(raw, rest, line_no)? {
            return Ok(header);
        }
    }
    Err(parse(
        last_line.max(1),
        1,
        "no @data line: the header must end with @data, followed by one series per line".to_string(),
    ))
}

/// The header as read so far.
struct HeaderState {
    header: Header,
    class_label: ClassLabel,
    /// whether `@targetLabel true` was seen (named when @classLabel is missing)
    target_label: bool,
}

impl HeaderState {
    /// One `@keyword ...` line (`rest` follows the '@'); the header once `@data` ends it.
    fn keyword_line(&mut self, raw: &str, rest: &str, line_no: usize) -> Result<Option<Header>> {
        let mut words = rest.split_whitespace();
        let keyword = words.next().unwrap_or("").to_ascii_lowercase();
        match keyword.as_str() {
            "data" => return self.end(line_no).map(Some),
            "timestamps" if flag(raw, line_no, "@timeStamps", words.next())? => {
                return Err(parse(
                    line_no,
                    1,
                    "time stamps are not supported (@timeStamps true): give every series as plain values".to_string(),
                ));
            }
            "classlabel" => {
                if flag(raw, line_no, "@classLabel", words.next())? {
                    self.class_label = ClassLabel::True;
                    let list: Vec<String> = words.map(str::to_string).collect();
                    self.header.labels =
                        if list.is_empty() { None } else { Some(Labels { set: list.iter().cloned().collect(), list }) };
                } else {
                    self.class_label = ClassLabel::False { line: line_no };
                    self.header.labels = None;
                }
            }
            "targetlabel" => self.target_label = flag(raw, line_no, "@targetLabel", words.next())?,
            "dimensions" => self.header.dimensions = Some(dimensions(raw, line_no, words.next())?),
            // @problemName, @missing, @univariate, @equalLength, @seriesLength and any
            // keyword this reader does not know change nothing here.
            _ => {}
        }
        Ok(None)
    }

    /// At `@data`: the header, if it declared class labels.
    fn end(&mut self, line_no: usize) -> Result<Header> {
        match self.class_label {
            ClassLabel::True => Ok(Header { dimensions: self.header.dimensions, labels: self.header.labels.take() }),
            ClassLabel::False { line } => Err(parse(
                line,
                1,
                "the header says @classLabel false, but a classification dataset needs class labels: \
                 declare @classLabel true (optionally followed by the labels) and end every series with ':' and its label"
                    .to_string(),
            )),
            ClassLabel::Absent => Err(parse(
                line_no,
                1,
                format!(
                    "the header has no @classLabel line{}, but a classification dataset needs class labels: \
                     declare @classLabel true (optionally followed by the labels) and end every series with ':' and its label",
                    if self.target_label { " (it declares @targetLabel, a regression target)" } else { "" }
                ),
            )),
        }
    }
}

/// The positive whole number after `@dimensions`.
fn dimensions(raw: &str, line_no: usize, word: Option<&str>) -> Result<usize> {
    match word.map(str::parse::<usize>) {
        Some(Ok(d)) if d > 0 => Ok(d),
        _ => Err(parse(
            line_no,
            word.map_or(1, |w| column(raw, w)),
            format!("expected a positive whole number after @dimensions, found {:?}", word.unwrap_or("")),
        )),
    }
}

/// The `true`/`false` after a header keyword.
fn flag(raw: &str, line_no: usize, keyword: &str, word: Option<&str>) -> Result<bool> {
    match word {
        Some(w) if w.eq_ignore_ascii_case("true") => Ok(true),
        Some(w) if w.eq_ignore_ascii_case("false") => Ok(false),
        _ => Err(parse(
            line_no,
            word.map_or(1, |w| column(raw, w)),
            format!("expected true or false after {keyword}, found {:?}", word.unwrap_or("")),
        )),
    }
}

fn parse(line: usize, column: usize, message: String) -> Error {
    Error::Parse { format: "TS", line, column, message }
}

/// The 1-based character column at which `part`, a slice of `line`, starts.
fn column(line: &str, part: &str) -> usize {
    let offset = (part.as_ptr() as usize).wrapping_sub(line.as_ptr() as usize);
    let inside = offset.checked_add(part.len()).is_some_and(|end| end <= line.len());
    match line.get(..offset) {
        Some(before) if inside => before.chars().count() + 1,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters() {
        let line = "é,1:x";
        assert_eq!(column(line, &line[3..]), 3);
        assert_eq!(column(line, "elsewhere"), 1);
    }

    #[test]
    fn transposes_dimensions_into_tokens() {
        let raw = read("@classLabel true\r\n@data\r\n1,2,3:4,5,6:a\r\n").unwrap();
        assert_eq!(raw.sequences[0].tokens, vec![vec![1.0, 4.0], vec![2.0, 5.0], vec![3.0, 6.0]]);
        assert_eq!(raw.sequences[0].place, "line 3");
        assert_eq!(raw.sequences[0].name, "series 1");
    }
}
