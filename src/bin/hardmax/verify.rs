//! `hardmax verify`: construct, check, and report (a table or one JSON object), with the
//! softmax threshold and the certificate on request.

use crate::cli::{ConstructionArgs, InputArgs};
use crate::output::{out, percent, sci, sci_or, to_json, Failure, Table};
use crate::steps::{check_exit, construct, read_dataset};
use clap::Args;
use hardmax::dataset::Task;
use hardmax::model::Transformer;
use hardmax::verify::{Check, Report};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Args)]
pub(crate) struct VerifyArgs {
    /// dataset file (.json, .csv or .ts)
    file: PathBuf,
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    construction: ConstructionArgs,
    /// print the report as one JSON object
    #[arg(long)]
    json: bool,
    /// also find beta*, the smallest softmax inverse temperature at which the same weights
    /// classify every sequence, and the accuracy-versus-beta curve
    #[arg(long)]
    softmax: bool,
    /// also prove, with a rigorous bound on floating-point error, that every attention
    /// choice and every readout holds (exit 1 when it cannot)
    #[arg(long)]
    certify: bool,
}

pub(crate) fn cmd_verify(a: &VerifyArgs) -> Result<ExitCode, Failure> {
    let data = read_dataset(&a.file, a.input.format)?;
    if data.task() == Task::Interpolate && (a.softmax || a.certify) {
        let flag = if a.softmax { "--softmax" } else { "--certify" };
        return Err(Failure::input(&a.file, format!("{flag} applies to classification datasets for now; this one has targets (interpolation)")));
    }
    let c = construct(&a.file, &data, &a.construction.options())?;
    let t = &c.built.transformer;
    let mut report = c.report(&data);
    if let Check::Targets(_) = &c.check {
        if a.json {
            out(&to_json(&report)?);
        } else {
            out(&human_interpolation_report(&a.file, &report, t, a.construction.max_width));
        }
        return Ok(check_exit(&a.file, &c.check));
    }
    if a.softmax {
        report.softmax = Some(hardmax::softmax::threshold(t, &data).summary());
    }
    if a.certify {
        report.certificate = Some(hardmax::certify::certify(t, &data));
    }
    if a.json {
        out(&to_json(&report)?);
    } else {
        out(&human_report(&a.file, &report, t));
    }
    let code = check_exit(&a.file, &c.check);
    if let Some(cert) = report.certificate.as_ref().filter(|c| !c.certified) {
        if report.correct == report.total {
            let at = cert.certified_failure.as_ref().map_or(String::new(), |f| format!(": {}", failure_text(f)));
            eprintln!("error: {}: the certificate fails{at}", a.file.display());
        }
        return Ok(ExitCode::from(1));
    }
    Ok(code)
}

/// Where and why a certificate failed, in a sentence.
fn failure_text(f: &hardmax::certify::Failure) -> String {
    let layer = match (f.layer, &f.stage) {
        (Some(l), Some(stage)) => format!("layer {l} ({stage})"),
        (Some(l), None) => format!("layer {l}"),
        (None, _) => "the readout".to_string(),
    };
    format!("sequence {} («{}»), {layer}: {}", f.sequence + 1, f.name, f.reason)
}

/// The `--softmax` and `--certify` parts of the human report.
fn extra_report(r: &Report, t: &Transformer) -> String {
    let mut tab = Table::default();
    if let Some(s) = &r.softmax {
        let star = match (s.beta_star, s.beta_below) {
            (Some(b), Some(below)) => {
                format!("{} (every tested beta >= beta* classifies all {}; {} does not)", sci(b), r.total, sci(below))
            }
            (Some(b), None) => format!("<= {} (all correct down to the lowest tested beta)", sci(b)),
            (None, _) => "none: no tested beta classifies every sequence".to_string(),
        };
        tab.row("softmax beta*", star);
        match s.beta_bound {
            Some(b) => tab.row("softmax proven from", format!("{} (750 / min attention margin: softmax = hardmax bit for bit)", sci(b))),
            None => tab.row("softmax proven from", "no bound (attention ties or rank > 1)"),
        }
        tab.row("softmax estimate", format!("{} (max ln(k) / margin: half the weight on what hardmax attends)", sci(s.beta_half)));
        tab.row("softmax blocks", format!("{} (paper's softmax count 2N + 3N = {})", t.blocks.len(), s.paper_softmax_blocks));
    }
    if let Some(sc) = &r.softmax_scaling {
        tab.row(
            "softmax target",
            format!(
                "beta {}: Q x {} in {} layer(s), bound {} -> {}; max |Q| {} -> {}, max |param| {} -> {}; blocks and params unchanged",
                sci(sc.target), sc.factor, sc.scaled_layers, sci(sc.bound_before), sci(sc.bound_after),
                sci(sc.max_q_before), sci(sc.max_q_after), sci(sc.max_param_before), sci(sc.max_param_after)
            ),
        );
    }
    if let Some(c) = &r.certificate {
        let verdict = match &c.certified_failure {
            None => "yes: every attention choice and every readout holds within the rounding bound".to_string(),
            Some(f) => format!("NO: {}", failure_text(f)),
        };
        tab.row("certified", verdict);
        tab.row(
            "certified_slack",
            format!(
                "{} (attention {}, readout {}; error bound at the output {})",
                sci(c.certified_slack),
                sci_or(c.certified_attention_slack, "no attention choice"),
                sci_or(c.certified_readout_slack, "one class"),
                sci(c.certified_error_bound)
            ),
        );
    }
    let mut text = tab.render();
    if let Some(s) = &r.softmax {
        text.push_str("\nsoftmax curve (beta: correct/total):");
        for p in &s.softmax_curve {
            text.push_str(&format!("\n  {}  {}/{}", sci(p.beta), p.correct, p.total));
        }
    }
    text
}

fn human_interpolation_report(path: &Path, r: &Report, t: &Transformer, max_width: usize) -> String {
    let sum_m = r.sum_m.unwrap_or(0);
    let mut tab = Table::default();
    tab.row("file", path.display());
    tab.row("task", "interpolate (each target is read at the last m tokens of the output)");
    tab.row("sequences", format!("{} (N)", r.sequences));
    tab.row("dim", r.dim);
    tab.row("max_len", r.max_len);
    tab.row("tokens", r.tokens);
    tab.row("sum_m", format!("{sum_m} (read tokens)"));
    tab.row("read_points", format!("{} (distinct read positions)", r.read_points.unwrap_or(0)));
    tab.row("blocks", format!("{} (paper: 2·sum m + 2N + 1 = {}; width {max_width})", r.blocks, r.paper_blocks));
    tab.row("layers", format!("{} (feed-forward + self-attention per block)", t.layer_count()));
    tab.row("params", format!("{} (N·d = {})", r.params, r.n_times_d));
    tab.row("nonzero_params", r.nonzero_params);
    tab.row("splits", r.splits);
    tab.row("correct", format!("{}/{} read tokens ({:.2}%)", r.correct, r.total, percent(r.correct, r.total)));
    tab.row("max_target_error", sci(r.max_target_error.unwrap_or(f64::NAN)));
    tab.row("max_target_error_rel", sci(r.max_target_error_rel.unwrap_or(f64::NAN)));
    tab.row("min_attention_margin", sci_or(r.min_attention_margin, "no attention choice to make"));
    tab.row("min_isolation_gap", sci_or(r.min_isolation_gap, "no splits"));
    tab.row("construct", format!("{:.1} ms", r.construct_ms));
    tab.row("verify", format!("{:.1} ms", r.verify_ms));
    let verdict = if r.correct == r.total {
        format!(
            "OK: {} read tokens on target, worst error {} ({} relative)",
            r.total,
            sci(r.max_target_error.unwrap_or(f64::NAN)),
            sci(r.max_target_error_rel.unwrap_or(f64::NAN))
        )
    } else {
        format!("FAILED: {} read token(s) off target", r.total - r.correct)
    };
    tab.row("result", verdict);
    tab.render() + &notes(r)
}

fn human_report(path: &Path, r: &Report, t: &Transformer) -> String {
    let mut tab = Table::default();
    tab.row("file", path.display());
    tab.row("sequences", format!("{} (N)", r.sequences));
    tab.row("classes", r.classes);
    if t.dim == r.dim {
        tab.row("dim", r.dim);
    } else {
        tab.row("dim", format!("{} (encoded: {})", r.dim, t.dim));
    }
    tab.row("max_len", r.max_len);
    tab.row("tokens", r.tokens);
    tab.row("blocks", format!("{} (paper: 4N+1 = {})", r.blocks, r.paper_blocks));
    tab.row("layers", format!("{} (feed-forward + self-attention per block)", t.layer_count()));
    tab.row("params", format!("{} (N·d = {})", r.params, r.n_times_d));
    tab.row("nonzero_params", r.nonzero_params);
    tab.row("splits", r.splits);
    tab.row("runs", format!("{} (label runs)", r.runs));
    tab.row("collapsed_points", r.collapsed_points);
    tab.row(
        "correct",
        format!("{}/{} ({:.2}%)", r.correct, r.total, percent(r.correct, r.total)),
    );
    tab.row("max_anchor_error", sci(r.max_anchor_error));
    tab.row("min_margin", sci_or(r.min_margin, "one class: no wrong anchor"));
    tab.row("min_attention_margin", sci_or(r.min_attention_margin, "no attention choice to make"));
    tab.row("min_isolation_gap", sci_or(r.min_isolation_gap, "no splits"));
    tab.row("min_label_gap", sci_or(r.min_label_gap, "nothing to separate"));
    tab.row("construct", format!("{:.1} ms", r.construct_ms));
    tab.row("verify", format!("{:.1} ms", r.verify_ms));
    let verdict = if r.correct == r.total {
        "OK: every sequence is classified exactly".to_string()
    } else {
        format!("FAILED: {} sequence(s) misclassified", r.total - r.correct)
    };
    tab.row("result", verdict);
    let mut text = tab.render();
    let extra = extra_report(r, t);
    if !extra.is_empty() {
        text.push('\n');
        text.push_str(&extra);
    }
    text + &notes(r)
}

/// The report's notes as a list ("" when there are none).
fn notes(r: &Report) -> String {
    r.notes.iter().fold(if r.notes.is_empty() { String::new() } else { "\nnotes:".into() }, |text, n| text + "\n  - " + n)
}
