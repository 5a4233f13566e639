//! The steps commands share: read a dataset or a model, construct and check, and the exit
//! code a check earns.

use crate::cli::FormatArg;
use crate::output::{sci, Failure};
use hardmax::construct::Options;
use hardmax::dataset::{parse, Dataset, Format};
use hardmax::model::Transformer;
use hardmax::verify::{build_and_check, Check, Checked};
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

/// The text of a dataset file and its format, from `--format` or the extension.
pub(crate) fn read_text(path: &Path, format: Option<FormatArg>) -> Result<(String, Format), Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::input(path, format!("cannot read the file: {e}")))?;
    let format = match format {
        Some(f) => f.format(),
        None => {
            let ext = path.extension().and_then(|e| e.to_str());
            match ext.and_then(Format::from_extension) {
                Some(f) => f,
                None => {
                    let what = match ext {
                        Some(e) => format!("the extension \".{e}\" is not one of .json, .csv, .ts"),
                        None => "the file name has no extension".to_string(),
                    };
                    return Err(Failure::input(
                        path,
                        format!("cannot tell the format: {what}; pass --format json, --format csv or --format ts"),
                    ));
                }
            }
        }
    };
    Ok((text, format))
}

/// Reads and validates a dataset; the format comes from `--format` or the extension.
pub(crate) fn read_dataset(path: &Path, format: Option<FormatArg>) -> Result<Dataset, Failure> {
    let (text, format) = read_text(path, format)?;
    parse(&text, format).map_err(|e| Failure::input(path, e))
}

/// Constructs the transformer of `data` and checks it (labels or targets), timed.
pub(crate) fn construct(path: &Path, data: &Dataset, opts: &Options) -> Result<Checked, Failure> {
    let start = Instant::now();
    build_and_check(data, opts, &mut || start.elapsed().as_secs_f64() * 1e3).map_err(|e| Failure::input(path, e))
}

/// 0 when the check holds for every sequence (or read token), else 1 with a message.
pub(crate) fn check_exit(path: &Path, check: &Check) -> ExitCode {
    let failed = match check {
        Check::Labels(v) if v.correct != v.total => {
            format!("{} of {} sequences misclassified", v.total - v.correct, v.total)
        }
        Check::Targets(c) if c.correct != c.total => format!(
            "{} of {} read tokens off target (worst relative error {})",
            c.total - c.correct,
            c.total,
            sci(c.max_error_rel)
        ),
        _ => return ExitCode::SUCCESS,
    };
    eprintln!("error: {}: verification failed: {failed}", path.display());
    ExitCode::from(1)
}

/// Reads a model file written by `hardmax build`.
pub(crate) fn load_model(path: &Path) -> Result<Transformer, Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::input(path, format!("cannot read the model file: {e}")))?;
    hardmax::model_file::from_json(&text).map_err(|e| Failure::input(path, e))
}

/// Refuses data whose tokens do not have the model's input dimension.
pub(crate) fn check_model_dim(model: &Path, file: &Path, data: &Dataset, t: &Transformer) -> Result<(), Failure> {
    if data.dim() == t.input_dim {
        return Ok(());
    }
    Err(Failure::input(
        file,
        format!(
            "the tokens have d = {} coordinates but the model {} was built for d = {}",
            data.dim(),
            model.display(),
            t.input_dim
        ),
    ))
}
