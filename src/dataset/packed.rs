//! A classification dataset given as flat arrays instead of text: the page hands a big
//! dataset over this way, so that no JSON text is written and read again.
//!
//! Sequence q has `lengths[q]` tokens of `dims[q]` coordinates, its label `labels[q]` and
//! its name `names[q]` (`None`: `seq q+1`, as the JSON reader names it); `values` holds
//! every coordinate, token after token, sequence after sequence. The arrays are checked
//! against each other here (counts, the number of values); everything else — empty
//! sequences, mixed dimensions, values that are not finite, empty labels — is checked by
//! [`Dataset::new`] exactly as for a file, with the same places ("sequence 3, token 2,
//! coordinate 1").
//!
//! ```
//! use hardmax::dataset::packed::{read, Packed};
//! let names = [None, Some("second".to_string())];
//! let labels = ["a".to_string(), "b".to_string()];
//! let packed = Packed { values: &[0.0, 1.0, 2.0, 3.0, 4.0, 5.0], lengths: &[1, 2], dims: &[2, 2], labels: &labels, names: &names };
//! let data = read(&packed).unwrap();
//! assert_eq!((data.len(), data.dim(), data.sequences()[0].name.as_str()), (2, 2, "seq 1"));
//! let short = Packed { values: &[0.0, 1.0, 2.0], ..packed };
//! assert_eq!(read(&short).unwrap_err().to_string(), "packed dataset: the lengths and dimensions call for 6 values, 3 were given");
//! ```

use crate::dataset::{Dataset, RawDataset, RawSequence};
use crate::error::{Error, Result};

/// The arrays of a packed dataset (see the module documentation).
#[derive(Debug, Clone, Copy)]
pub struct Packed<'a> {
    pub values: &'a [f64],
    pub lengths: &'a [u32],
    pub dims: &'a [u32],
    pub labels: &'a [String],
    pub names: &'a [Option<String>],
}

fn shape(message: String) -> Error {
    Error::Packed { place: "packed dataset".into(), message }
}

/// Checks the arrays against each other and validates the dataset they hold.
pub fn read(p: &Packed) -> Result<Dataset> {
    let n = p.lengths.len();
    for (what, count) in [("dimensions", p.dims.len()), ("labels", p.labels.len()), ("names", p.names.len())] {
        if count != n {
            return Err(shape(format!("{n} sequence lengths but {count} {what}; every sequence needs one of each")));
        }
    }
    let mut wanted: u64 = 0;
    for (&len, &dim) in p.lengths.iter().zip(p.dims) {
        wanted = wanted.saturating_add(u64::from(len) * u64::from(dim));
    }
    if wanted != p.values.len() as u64 {
        return Err(shape(format!("the lengths and dimensions call for {wanted} values, {} were given", p.values.len())));
    }
    let mut at = 0;
    let mut sequences = Vec::with_capacity(n);
    for q in 0..n {
        let (len, dim) = (p.lengths[q] as usize, p.dims[q] as usize);
        let tokens = (0..len).map(|j| p.values[at + j * dim..at + (j + 1) * dim].to_vec()).collect();
        at += len * dim;
        sequences.push(RawSequence {
            name: p.names[q].clone().unwrap_or_else(|| format!("seq {}", q + 1)),
            place: format!("sequence {}", q + 1),
            tokens,
            label: p.labels[q].clone(),
            target: None,
        });
    }
    Dataset::new(RawDataset { sequences })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::{parse, Format};

    fn strings(xs: &[&str]) -> Vec<String> {
        xs.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn reads_the_dataset_the_json_reader_reads() {
        let text = r#"{"sequences": [{"tokens": [[0, 1], [2, 3]], "label": " b "}, {"name": "x<y", "tokens": [[4, 5]], "label": "a"}]}"#;
        let (labels, names) = (strings(&[" b ", "a"]), [None, Some("x<y".to_string())]);
        let p = Packed { values: &[0.0, 1.0, 2.0, 3.0, 4.0, 5.0], lengths: &[2, 1], dims: &[2, 2], labels: &labels, names: &names };
        assert_eq!(read(&p).unwrap(), parse(text, Format::Json).unwrap());
    }

    #[test]
    fn every_problem_is_named_with_its_place() {
        let (labels, names) = (strings(&["a", "b"]), [None, None]);
        let v = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0];
        let ok = Packed { values: &v, lengths: &[2, 1], dims: &[2, 2], labels: &labels, names: &names };
        let msg = |p: Packed| read(&p).unwrap_err().to_string();
        assert_eq!(msg(Packed { labels: &labels[..1], ..ok }), "packed dataset: 2 sequence lengths but 1 labels; every sequence needs one of each");
        assert_eq!(msg(Packed { dims: &[2], ..ok }), "packed dataset: 2 sequence lengths but 1 dimensions; every sequence needs one of each");
        assert_eq!(msg(Packed { names: &names[..1], ..ok }), "packed dataset: 2 sequence lengths but 1 names; every sequence needs one of each");
        assert_eq!(msg(Packed { lengths: &[2, 2], ..ok }), "packed dataset: the lengths and dimensions call for 8 values, 6 were given");
        assert_eq!(msg(Packed { lengths: &[u32::MAX, 1], ..ok }), "packed dataset: the lengths and dimensions call for 8589934592 values, 6 were given");
        let nan = [0.0, 1.0, 2.0, 3.0, f64::NAN, 5.0];
        assert_eq!(msg(Packed { values: &nan, ..ok }), "sequence 2, token 1, coordinate 1: value NaN is not a finite number");
        let inf = [0.0, 1.0, f64::INFINITY, 3.0, 4.0, 5.0];
        assert_eq!(msg(Packed { values: &inf, ..ok }), "sequence 1, token 2, coordinate 1: value inf is not a finite number");
        assert_eq!(msg(Packed { lengths: &[3, 0], ..ok }), "sequence 2: the sequence has no tokens (every sequence needs at least one)");
        let mixed = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        assert_eq!(
            msg(Packed { values: &mixed, dims: &[2, 3], ..ok }),
            "sequence 2, token 1: expected 2 coordinates per token (as in the first token of the dataset), found 3"
        );
        assert_eq!(msg(Packed { dims: &[2, 0], lengths: &[3, 1], ..ok }), "sequence 2, token 1: expected 2 coordinates per token (as in the first token of the dataset), found 0");
        assert_eq!(msg(Packed { dims: &[0, 6], lengths: &[1, 1], ..ok }), "sequence 1, token 1: expected 1 coordinates per token (as in the first token of the dataset), found 0");
        let blank = strings(&["a", "  "]);
        assert_eq!(msg(Packed { labels: &blank, ..ok }), "sequence 2: the label is empty");
        let none: [u32; 0] = [];
        assert_eq!(msg(Packed { values: &[], lengths: &none, dims: &none, labels: &[], names: &[] }), "the dataset is empty: it has no sequences");
    }
}
