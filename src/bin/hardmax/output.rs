//! What commands print and how they fail: the failure type with its exit code, standard
//! output, JSON, aligned tables and number formats.

use std::fmt::Display;
use std::io::Write;
use std::path::Path;

/// Why a command stopped: an exit code and the message for standard error.
pub(crate) struct Failure {
    pub(crate) code: u8,
    pub(crate) message: String,
}

impl Failure {
    /// Bad input (exit 2), with the file it concerns.
    pub(crate) fn input(path: &Path, what: impl Display) -> Failure {
        Failure { code: 2, message: format!("{}: {what}", path.display()) }
    }

    /// A figure that could not be drawn (exit 3): the input was fine, the drawing failed.
    pub(crate) fn figure(e: hardmax::Error) -> Failure {
        Failure { code: 3, message: e.to_string() }
    }
}

/// Writes to standard output, ignoring a closed pipe (`hardmax ... | head`).
pub(crate) fn out(text: &str) {
    let stdout = std::io::stdout();
    let mut lock = stdout.lock();
    let _ = lock.write_all(text.as_bytes());
    let _ = lock.write_all(b"\n");
    let _ = lock.flush();
}

pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> Result<String, Failure> {
    // serde_json writes non-finite floats (an infinite margin when nothing competes) as
    // `null`, so the output is always valid JSON.
    serde_json::to_string(value)
        .map_err(|e| Failure { code: 2, message: format!("cannot serialize the result: {e}") })
}

/// "key: value" lines with the values aligned.
#[derive(Default)]
pub(crate) struct Table {
    rows: Vec<(String, String)>,
}

impl Table {
    pub(crate) fn row(&mut self, key: &str, value: impl Display) {
        self.rows.push((key.to_string(), value.to_string()));
    }
    pub(crate) fn render(&self) -> String {
        let width = self.rows.iter().map(|(k, _)| k.chars().count()).max().unwrap_or(0) + 1;
        self.rows
            .iter()
            .map(|(k, v)| format!("{:<width$} {v}", format!("{k}:")).trim_end().to_string())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// A margin or distance in scientific notation (`2.993e+00`); infinities as `inf`.
pub(crate) fn sci(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let text = format!("{x:.3e}");
    match text.split_once('e') {
        Some((mantissa, exp)) => {
            let (sign, digits) = match exp.strip_prefix('-') {
                Some(d) => ('-', d),
                None => ('+', exp),
            };
            format!("{mantissa}e{sign}{digits:0>2}")
        }
        None => text,
    }
}

/// Like [`sci`], saying why a value is infinite.
pub(crate) fn sci_or(x: f64, why_infinite: &str) -> String {
    if x == f64::INFINITY {
        format!("inf ({why_infinite})")
    } else {
        sci(x)
    }
}

pub(crate) fn percent(correct: usize, total: usize) -> f64 {
    if total == 0 {
        0.0
    } else {
        100.0 * correct as f64 / total as f64
    }
}
