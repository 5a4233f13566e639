//! Reader for the JSON dataset format.
//!
//! A dataset is one object with a `"sequences"` array. Every sequence has `"tokens"`, an
//! array of tokens each of which is an array of numbers, and either a `"label"`, a string
//! or a number (the number `3` becomes the label `"3"`), for classification, or a
//! `"target"`, an array of m target tokens in the tokens' dimension, for interpolation:
//! the transformer's output, read at the sequence's last m tokens, must equal it. A
//! dataset is one or the other (mixing them is an error naming the sequence). An optional
//! `"name"` names the sequence in messages and the visualizer; it defaults to `seq 1`,
//! `seq 2`, ... Other keys are ignored.
//!
//! ```text
//! {"sequences": [
//!   {"tokens": [[0.0, 1.0], [2.5, -1.0]], "label": "up"},
//!   {"tokens": [[1.0, 1.0]], "label": 3, "name": "short one"}
//! ]}
//! {"sequences": [
//!   {"tokens": [[0.0, 1.0], [2.5, -1.0], [1.0, 1.0]], "target": [[5.0, 5.0], [6.0, 5.0]]}
//! ]}
//! ```
//!
//! In the second dataset the output tokens 2 and 3 must be (5, 5) and (6, 5).
//!
//! Malformed JSON and a wrong shape (no `"sequences"`, a token that is not an array of
//! numbers, a missing label, ...) are reported as [`Error::Parse`] with the line and
//! column where the reader stopped, and a message naming the sequence, token and
//! coordinate concerned. A `null` coordinate is a [`Error::MissingValue`] at
//! `sequence S, token T, coordinate C` (or `target T`; all 1-based). Dimensions are not checked here:
//! [`Dataset::new`](crate::dataset::Dataset::new) does that for every format alike.

use crate::dataset::{Dataset, RawDataset, RawSequence};
use crate::error::{Error, Result};
use serde::Serialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// One sequence as the writers write it.
#[derive(Serialize)]
struct Written<'a> {
    name: &'a str,
    /// absent for interpolation (a dataset has labels or targets)
    #[serde(skip_serializing_if = "Option::is_none")]
    label: Option<&'a str>,
    tokens: &'a [Vec<f64>],
    #[serde(skip_serializing_if = "Option::is_none")]
    target: Option<&'a [Vec<f64>]>,
}

impl<'a> Written<'a> {
    fn of(s: &'a RawSequence) -> Written<'a> {
        Written {
            name: &s.name,
            label: if s.target.is_some() { None } else { Some(&s.label) },
            tokens: &s.tokens,
            target: s.target.as_deref(),
        }
    }
}

fn write_error(e: serde_json::Error) -> Error {
    Error::Model(format!("the dataset cannot be written as JSON: {e}"))
}

/// Writes a dataset in the JSON format described in the module documentation (pretty,
/// with every sequence's name, label and tokens); [`read`] gives it back.
pub fn write(data: &Dataset) -> Result<String> {
    #[derive(Serialize)]
    struct Out<'a> {
        sequences: Vec<Written<'a>>,
    }
    let raw = data.to_raw();
    let sequences = raw.sequences.iter().map(Written::of).collect();
    serde_json::to_string_pretty(&Out { sequences }).map_err(write_error)
}

/// Sequences `from..to` (clamped to the dataset) as one compact JSON array of the objects
/// [`write`] writes: a big dataset can be read a part at a time.
pub fn write_sequences(data: &Dataset, from: usize, to: usize) -> Result<String> {
    let to = to.min(data.len());
    let part = data.subset(&(from.min(to)..to).collect::<Vec<_>>());
    let raw = part.to_raw();
    let sequences: Vec<Written> = raw.sequences.iter().map(Written::of).collect();
    serde_json::to_string(&sequences).map_err(write_error)
}

/// Reads a dataset in the JSON format described in the module documentation.
pub fn read(text: &str) -> Result<RawDataset> {
    read_with(text, true)
}

/// Reads sequences to run a model on: like [`read`], but a sequence may have neither a
/// label nor a target.
pub fn read_inputs(text: &str) -> Result<RawDataset> {
    read_with(text, false)
}

fn read_with(text: &str, supervised: bool) -> Result<RawDataset> {
    let mut de = serde_json::Deserializer::from_str(text);
    let parsed = RootSeed { supervised }.deserialize(&mut de).map_err(parse_error)?;
    de.end().map_err(parse_error)?;

    let mut sequences = Vec::with_capacity(parsed.len());
    for (i, s) in parsed.into_iter().enumerate() {
        if let Some((kind, t, k)) = s.first_missing {
            return Err(Error::MissingValue {
                place: format!("sequence {}, {kind} {}, coordinate {}", i + 1, t + 1, k + 1),
            });
        }
        sequences.push(RawSequence {
            name: s.name.unwrap_or_else(|| format!("seq {}", i + 1)),
            place: format!("sequence {}", i + 1),
            tokens: s.tokens,
            label: s.label.unwrap_or_default(),
            target: s.target,
        });
    }
    Ok(RawDataset { sequences })
}

/// Turns a serde_json error into [`Error::Parse`], keeping its position and dropping the
/// " at line L column C" that serde_json appends to its message.
fn parse_error(e: serde_json::Error) -> Error {
    let (line, column) = (e.line(), e.column());
    let full = e.to_string();
    let suffix = format!(" at line {line} column {column}");
    let message = full.strip_suffix(&suffix).unwrap_or(&full).to_string();
    Error::Parse { format: "JSON", line, column, message }
}

/// One sequence as deserialized, before names and places are filled in.
struct ParsedSequence {
    name: Option<String>,
    tokens: Vec<Vec<f64>>,
    label: Option<String>,
    target: Option<Vec<Vec<f64>>>,
    /// The first `null` coordinate ("token" or "target", index, coordinate), 0-based; it
    /// is stored as NaN and reported once the whole document has been read.
    first_missing: Option<(&'static str, usize, usize)>,
}

/// The top-level object `{"sequences": [...]}`; `supervised`: every sequence needs a
/// label or a target.
struct RootSeed {
    supervised: bool,
}

impl<'de> DeserializeSeed<'de> for RootSeed {
    type Value = Vec<ParsedSequence>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

const SHAPE: &str =
    "an object of the form {\"sequences\": [{\"tokens\": [[x1, ..., xd], ...], \"label\": ...}, ...]}";

impl<'de> Visitor<'de> for RootSeed {
    type Value = Vec<ParsedSequence>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(SHAPE)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Self::Value, A::Error> {
        let mut sequences = None;
        while let Some(key) = map.next_key::<String>()? {
            if key == "sequences" {
                if sequences.is_some() {
                    return Err(de::Error::custom("the key \"sequences\" appears twice"));
                }
                sequences = Some(map.next_value_seed(SequencesSeed { supervised: self.supervised })?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        sequences.ok_or_else(|| de::Error::custom(format!("no \"sequences\" key: expected {SHAPE}")))
    }
}

/// The array of sequences.
struct SequencesSeed {
    supervised: bool,
}

impl<'de> DeserializeSeed<'de> for SequencesSeed {
    type Value = Vec<ParsedSequence>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for SequencesSeed {
    type Value = Vec<ParsedSequence>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("\"sequences\" to be an array of sequence objects")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(s) = seq.next_element_seed(SequenceSeed { index: out.len(), supervised: self.supervised })? {
            out.push(s);
        }
        Ok(out)
    }
}

/// One sequence object; `index` is 0-based.
struct SequenceSeed {
    index: usize,
    supervised: bool,
}

impl<'de> DeserializeSeed<'de> for SequenceSeed {
    type Value = ParsedSequence;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for SequenceSeed {
    type Value = ParsedSequence;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "sequence {} to be an object with \"tokens\" and \"label\"", self.index + 1)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Self::Value, A::Error> {
        let n = self.index + 1;
        let mut tokens = None;
        let mut target = None;
        let mut label = None;
        let mut name = None;
        let mut first_missing = None;
        while let Some(key) = map.next_key::<String>()? {
            let duplicate = match key.as_str() {
                "tokens" => tokens
                    .replace(map.next_value_seed(TokensSeed { seq: n, kind: "token", first_missing: &mut first_missing })?)
                    .is_some(),
                "target" => target
                    .replace(map.next_value_seed(TokensSeed { seq: n, kind: "target", first_missing: &mut first_missing })?)
                    .is_some(),
                "label" => label.replace(map.next_value_seed(TextSeed { what: "label", seq: n })?).is_some(),
                "name" => name.replace(map.next_value_seed(TextSeed { what: "name", seq: n })?).is_some(),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                    false
                }
            };
            if duplicate {
                return Err(de::Error::custom(format!("sequence {n}: the key {key:?} appears twice")));
            }
        }
        let tokens = tokens.ok_or_else(|| {
            de::Error::custom(format!(
                "sequence {n} has no \"tokens\": expected an array of tokens, each an array of numbers"
            ))
        })?;
        if self.supervised && label.is_none() && target.is_none() {
            return Err(de::Error::custom(format!(
                "sequence {n} has no \"label\" (a string or a number, to classify) and no \"target\" (an array of tokens, to interpolate)"
            )));
        }
        Ok(ParsedSequence { name, tokens, label, target, first_missing })
    }
}

/// The `"tokens"` (kind "token") or `"target"` (kind "target") array of sequence `seq`
/// (1-based).
struct TokensSeed<'m> {
    seq: usize,
    kind: &'static str,
    first_missing: &'m mut Option<(&'static str, usize, usize)>,
}

impl<'de, 'm> DeserializeSeed<'de> for TokensSeed<'m> {
    type Value = Vec<Vec<f64>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, 'm> Visitor<'de> for TokensSeed<'m> {
    type Value = Vec<Vec<f64>>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let key = if self.kind == "token" { "tokens" } else { "target" };
        write!(f, "the \"{key}\" of sequence {} to be an array of tokens, each an array of numbers", self.seq)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Self::Value, A::Error> {
        let mut tokens = Vec::new();
        loop {
            let seed =
                TokenSeed { seq: self.seq, kind: self.kind, token: tokens.len(), first_missing: &mut *self.first_missing };
            match seq.next_element_seed(seed)? {
                Some(t) => tokens.push(t),
                None => return Ok(tokens),
            }
        }
    }
}

/// One token, an array of numbers; `token` is 0-based.
struct TokenSeed<'m> {
    seq: usize,
    kind: &'static str,
    token: usize,
    first_missing: &'m mut Option<(&'static str, usize, usize)>,
}

impl<'de, 'm> DeserializeSeed<'de> for TokenSeed<'m> {
    type Value = Vec<f64>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, 'm> Visitor<'de> for TokenSeed<'m> {
    type Value = Vec<f64>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{} {} of sequence {} to be an array of numbers", self.kind, self.token + 1, self.seq)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Self::Value, A::Error> {
        let mut values = Vec::new();
        while let Some(v) = seq.next_element_seed(CoordinateSeed {
            seq: self.seq,
            kind: self.kind,
            token: self.token,
            coordinate: values.len(),
        })? {
            match v {
                Some(x) => values.push(x),
                None => {
                    if self.first_missing.is_none() {
                        *self.first_missing = Some((self.kind, self.token, values.len()));
                    }
                    values.push(f64::NAN);
                }
            }
        }
        Ok(values)
    }
}

/// One coordinate: a number, or `null` for a missing value.
struct CoordinateSeed {
    seq: usize,
    kind: &'static str,
    token: usize,
    coordinate: usize,
}

impl<'de> DeserializeSeed<'de> for CoordinateSeed {
    type Value = Option<f64>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for CoordinateSeed {
    type Value = Option<f64>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(
            f,
            "a number at sequence {}, {} {}, coordinate {}",
            self.seq,
            self.kind,
            self.token + 1,
            self.coordinate + 1
        )
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> std::result::Result<Self::Value, E> {
        Ok(Some(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> std::result::Result<Self::Value, E> {
        Ok(Some(v as f64))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> std::result::Result<Self::Value, E> {
        Ok(Some(v as f64))
    }
    fn visit_unit<E: de::Error>(self) -> std::result::Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_none<E: de::Error>(self) -> std::result::Result<Self::Value, E> {
        Ok(None)
    }
}

/// A label or name: a string, or a number written out as text.
struct TextSeed {
    what: &'static str,
    seq: usize,
}

impl<'de> DeserializeSeed<'de> for TextSeed {
    type Value = String;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for TextSeed {
    type Value = String;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "the {} of sequence {} to be a string or a number", self.what, self.seq)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<Self::Value, E> {
        Ok(v.to_string())
    }
    fn visit_string<E: de::Error>(self, v: String) -> std::result::Result<Self::Value, E> {
        Ok(v)
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> std::result::Result<Self::Value, E> {
        Ok(v.to_string())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> std::result::Result<Self::Value, E> {
        Ok(v.to_string())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> std::result::Result<Self::Value, E> {
        Ok(v.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_names_places_and_numeric_labels() {
        let raw = read(r#"{"sequences": [{"tokens": [[1, 2.5]], "label": 7, "name": "a"}, {"tokens": [], "label": "x"}]}"#)
            .unwrap();
        assert_eq!(raw.sequences.len(), 2);
        assert_eq!(raw.sequences[0].name, "a");
        assert_eq!(raw.sequences[0].label, "7");
        assert_eq!(raw.sequences[0].target, None);
        assert_eq!(raw.sequences[0].tokens, vec![vec![1.0, 2.5]]);
        assert_eq!(raw.sequences[1].name, "seq 2");
        assert_eq!(raw.sequences[1].place, "sequence 2");
    }

    #[test]
    fn reads_targets_and_names_their_missing_values() {
        let raw = read(r#"{"sequences": [{"tokens": [[1, 2], [3, 4]], "target": [[5, 6]]}]}"#).unwrap();
        assert_eq!(raw.sequences[0].target, Some(vec![vec![5.0, 6.0]]));
        assert_eq!(raw.sequences[0].label, "");
        match read(r#"{"sequences": [{"tokens": [[1, 2]], "target": [[5, null]]}]}"#) {
            Err(Error::MissingValue { place }) => assert_eq!(place, "sequence 1, target 1, coordinate 2"),
            other => panic!("{other:?}"),
        }
        match read(r#"{"sequences": [{"tokens": [[1, 2]], "target": [5]}]}"#) {
            Err(Error::Parse { message, .. }) => assert!(message.contains("target 1 of sequence 1"), "{message}"),
            other => panic!("{other:?}"),
        }
        assert!(read(r#"{"sequences": [{"tokens": [[1, 2]]}]}"#).is_err());
        assert!(read_inputs(r#"{"sequences": [{"tokens": [[1, 2]]}]}"#).is_ok());
    }

    #[test]
    fn syntax_error_has_position() {
        match read("{\"sequences\": [\n  {\"tokens\": [[1, 2]] \"label\": 1}]}") {
            Err(Error::Parse { format: "JSON", line: 2, column, message }) => {
                assert!(column > 1, "{column}");
                assert!(!message.contains(" at line "), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn sequences_are_written_a_part_at_a_time() {
        let data = crate::dataset::parse(r#"{"sequences": [{"tokens": [[1, 2]], "label": "a"}, {"tokens": [[3, 4]], "label": "b", "name": "x\"y"}, {"tokens": [[5, 6]], "label": "a"}]}"#, crate::dataset::Format::Json).unwrap();
        let whole: serde_json::Value = serde_json::from_str(&write(&data).unwrap()).unwrap();
        let part: serde_json::Value = serde_json::from_str(&write_sequences(&data, 1, 9).unwrap()).unwrap();
        assert_eq!(part.as_array().unwrap()[..], whole["sequences"].as_array().unwrap()[1..]);
        assert_eq!(write_sequences(&data, 3, 9).unwrap(), "[]");
        assert_eq!(write_sequences(&data, 5, 1).unwrap(), "[]");
        let paths = crate::presets::preset("paths", 0).unwrap();
        let first: serde_json::Value = serde_json::from_str(&write_sequences(&paths, 0, 1).unwrap()).unwrap();
        assert!(first[0].get("target").is_some() && first[0].get("label").is_none());
    }
}
