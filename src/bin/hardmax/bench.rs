//! `hardmax bench`: construction and verification timed on generated datasets, every case
//! in a child process of its own (so that its peak memory is its own).

use crate::output::Failure;
use clap::Args;
use hardmax::construct::{compile, Options};
use hardmax::dataset::Dataset;
use hardmax::model::Transformer;
use hardmax::verify::{verify, verify_dense};
use std::process::ExitCode;
use std::time::Instant;

#[derive(Args)]
pub(crate) struct BenchArgs {
    /// numbers of sequences
    #[arg(long, value_delimiter = ',', default_values_t = vec![100usize, 1000, 5000])]
    n: Vec<usize>,
    /// sequence lengths
    #[arg(long, value_delimiter = ',', default_values_t = vec![10usize, 100, 1000])]
    len: Vec<usize>,
    /// token dimensions
    #[arg(long, value_delimiter = ',', default_values_t = vec![2usize, 12])]
    d: Vec<usize>,
    /// with shared tokens: no, yes or both
    #[arg(long, default_value = "both")]
    shared: String,
    /// skip cases with more tokens than this (0: no limit)
    #[arg(long, default_value_t = 2_000_000)]
    max_tokens: usize,
    /// stop a case after this many seconds
    #[arg(long, default_value_t = 300)]
    timeout: u64,
    /// also build with the first-found split choice and report its split count
    #[arg(long)]
    compare_splits: bool,
    /// sequences run through the plain (dense) evaluation as the baseline
    #[arg(long, default_value_t = 20)]
    baseline_seqs: usize,
    /// build and verify each case this many times (min / median / max are reported)
    #[arg(long, default_value_t = 1)]
    repeat: usize,
    /// which generated data: "generated" (the --n/--len/--d/--shared grid) or "hub" (every
    /// sequence holds one common top token and 8 of 400 shared tokens, d = 3, 4 classes;
    /// --n only), which also prints the growth exponent of construct + verify against N
    #[arg(long, default_value = "generated")]
    family: String,
    /// hidden neurons per feed-forward layer of the built models (the construction's
    /// `--max-width`: a wider cap packs several splits and label tents into one block)
    #[arg(long, default_value_t = 6)]
    max_width: usize,
    /// run one case in this process: N,LEN,D,SHARED(0|1) or hub:N (used by the driver)
    #[arg(long, hide = true)]
    case: Option<String>,
}

/// Peak resident memory of this process in MB (Linux), if known.
fn peak_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn bench_fail(message: String) -> Failure {
    Failure { code: 1, message }
}

/// The reference verification (every sequence through every layer): the same result as
/// `v`, or a failure; returns its time in ms.
fn dense_check(t: &Transformer, data: &Dataset, v: &hardmax::verify::Verification, spec: &str) -> Result<f64, Failure> {
    let t0 = Instant::now();
    let dense_v = verify_dense(t, data);
    let ms = t0.elapsed().as_secs_f64() * 1e3;
    if format!("{dense_v:?}") != format!("{v:?}") {
        return Err(bench_fail(format!("case {spec}: verify and verify_dense disagree")));
    }
    Ok(ms)
}

/// One benchmark case, in this process: prints one JSON line.
fn bench_case(spec: &str, a: &BenchArgs) -> Result<ExitCode, Failure> {
    let hub = spec.strip_prefix("hub:");
    let parts: Vec<usize> = hub.unwrap_or(spec).split(',').filter_map(|p| p.trim().parse().ok()).collect();
    let (n, len, d, shared) = match (hub, &parts[..]) {
        (Some(_), &[n]) => (n, 9, 3, 1),
        (None, &[n, len, d, shared]) => (n, len, d, shared),
        _ => return Err(Failure { code: 2, message: format!("--case expects N,LEN,D,SHARED or hub:N, got {spec:?}") }),
    };
    let data = match hub {
        Some(_) => hardmax::bench::generate_hub(n, d, 7),
        None => hardmax::bench::generate(n, len, d, shared == 1, 7),
    }
    .map_err(|e| Failure { code: 2, message: format!("case {spec}: {e}") })?;
    let opts = Options { max_width: a.max_width, ..Options::default() };
    // repeated runs: min / median / max, since machines are noisy
    let mut construct_runs = Vec::new();
    let mut verify_runs = Vec::new();
    let mut last = None;
    for _ in 0..a.repeat.max(1) {
        let t0 = Instant::now();
        let built = compile(&data, &opts).map_err(|e| bench_fail(format!("case {spec}: {e}")))?;
        construct_runs.push(t0.elapsed().as_secs_f64() * 1e3);
        let t1 = Instant::now();
        let v = verify(&built.transformer, &data);
        verify_runs.push(t1.elapsed().as_secs_f64() * 1e3);
        last = Some((built, v));
    }
    let (built, v) = last.expect("at least one run");
    let verify_dense_ms = dense_check(&built.transformer, &data, &v, spec)?;
    let spread = |xs: &mut Vec<f64>| {
        xs.sort_by(|a, b| a.total_cmp(b));
        serde_json::json!({"min": xs[0], "median": xs[xs.len() / 2], "max": xs[xs.len() - 1]})
    };
    let construct_ms = construct_runs[construct_runs.len() - 1];
    let verify_ms = verify_runs[verify_runs.len() - 1];
    let construct_spread = spread(&mut construct_runs);
    let verify_spread = spread(&mut verify_runs);
    let t = &built.transformer;
    let baseline = baseline(t, &data, a.baseline_seqs.min(n), spec)?;
    let first_found = if a.compare_splits {
        let o = Options { split_choice: hardmax::construct::SplitChoice::FirstFound, ..Options::default() };
        Some(compile(&data, &o).map_err(|e| bench_fail(format!("case {spec}: {e}")))?.stats.splits)
    } else {
        None
    };
    let line = serde_json::json!({
        "family": if hub.is_some() { "hub" } else { "generated" },
        "n": n, "len": len, "d": d, "shared": shared == 1,
        "tokens": data.total_tokens(),
        "blocks": t.blocks.len(), "paper_blocks": 4 * n + 1, "max_width": a.max_width,
        "blocks_per_n": t.blocks.len() as f64 / n as f64,
        "params": t.param_count(), "n_times_d": n * d,
        "splits": built.stats.splits, "splits_first_found": first_found,
        "runs": built.stats.runs,
        "correct": v.correct, "total": v.total,
        "min_margin": v.min_margin,
        "construct_ms": construct_ms, "verify_ms": verify_ms,
        "verify_dense_ms": verify_dense_ms, "verify_identical": true,
        "runs_construct_ms": construct_spread, "runs_verify_ms": verify_spread,
        "verify_us_per_token": verify_ms * 1e3 / data.total_tokens() as f64,
        "peak_mb": peak_mb(),
        "baseline": baseline,
    });
    println!("{line}");
    Ok(if v.correct == v.total { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// The baseline: the plain (dense) evaluation of the first `k` sequences against the fast
/// forward pass, timed, their outputs compared; a disagreement fails the case.
fn baseline(t: &Transformer, data: &Dataset, k: usize, spec: &str) -> Result<serde_json::Value, Failure> {
    let (mut dense_ms, mut fast_ms, mut max_diff, mut bitwise) = (0.0, 0.0, 0.0f64, 0usize);
    for s in &data.sequences()[..k] {
        let t2 = Instant::now();
        let (dense, _) = t.forward_dense(&s.tokens);
        dense_ms += t2.elapsed().as_secs_f64() * 1e3;
        let t3 = Instant::now();
        let fast = t.forward(&s.tokens).cloud.tokens();
        fast_ms += t3.elapsed().as_secs_f64() * 1e3;
        let diff = (&dense - &fast).amax();
        max_diff = max_diff.max(diff);
        bitwise += (dense == fast) as usize;
        let mean = dense.column_mean();
        if t.nearest_anchor(&mean).0 != t.classify(&s.tokens) {
            return Err(bench_fail(format!("case {spec}: dense and fast evaluations disagree on {}", s.name)));
        }
    }
    if max_diff > 1e-9 {
        return Err(bench_fail(format!("case {spec}: dense and fast outputs differ by {max_diff:.3e}")));
    }
    Ok(serde_json::json!({
        "sequences": k, "dense_ms": dense_ms, "fast_ms": fast_ms,
        "speedup": if fast_ms > 0.0 { dense_ms / fast_ms } else { 0.0 },
        "max_abs_diff": max_diff, "bitwise_identical": bitwise,
    }))
}

/// A case to run: `(spec for --case, n, len, d, shared)`.
type Case = (String, usize, usize, usize, usize);

/// The cases of the arguments: every hub size, or every combination of the generated sizes.
fn cases(a: &BenchArgs, hub: bool, shared: &[usize]) -> Vec<Case> {
    let mut cases = Vec::new();
    if hub {
        cases.extend(a.n.iter().map(|&n| (format!("hub:{n}"), n, 9, 3, 1)));
    } else {
        for &n in &a.n {
            for &len in &a.len {
                for &d in &a.d {
                    for &sh in shared {
                        cases.push((format!("{n},{len},{d},{sh}"), n, len, d, sh));
                    }
                }
            }
        }
    }
    cases
}

/// Runs one case in a child process; `Some((succeeded, its output lines))`, or None when it
/// ran out of time (it is stopped).
fn run_child(exe: &std::path::Path, spec: &str, a: &BenchArgs) -> Result<Option<(bool, String)>, Failure> {
    let mut cmd = std::process::Command::new(exe);
    cmd.args(["bench", "--case", spec, "--baseline-seqs", &a.baseline_seqs.to_string(), "--repeat", &a.repeat.to_string()]);
    cmd.args(["--max-width", &a.max_width.to_string()]);
    if a.compare_splits {
        cmd.arg("--compare-splits");
    }
    let mut child = cmd.stdout(std::process::Stdio::piped()).spawn().map_err(|e| Failure { code: 2, message: e.to_string() })?;
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                let mut out = String::new();
                if let Some(mut pipe) = child.stdout.take() {
                    use std::io::Read;
                    let _ = pipe.read_to_string(&mut out);
                }
                return Ok(Some((status.success(), out)));
            }
            Ok(None) if start.elapsed().as_secs() >= a.timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Ok(None);
            }
            Ok(None) => std::thread::sleep(std::time::Duration::from_millis(20)),
            Err(e) => return Err(Failure { code: 2, message: e.to_string() }),
        }
    }
}

/// The benchmark driver: every case in a child process (so peak memory is per case).
pub(crate) fn cmd_bench(a: &BenchArgs) -> Result<ExitCode, Failure> {
    if let Some(spec) = &a.case {
        return bench_case(spec, a);
    }
    let shared: Vec<usize> = match a.shared.as_str() {
        "no" => vec![0],
        "yes" => vec![1],
        "both" => vec![0, 1],
        other => return Err(Failure { code: 2, message: format!("--shared expects no, yes or both, got {other:?}") }),
    };
    for (&n, &len, &d) in a.n.iter().flat_map(|n| a.len.iter().flat_map(move |l| a.d.iter().map(move |d| (n, l, d)))) {
        hardmax::bench::check_sizes(n, len, d).map_err(|e| Failure { code: 2, message: format!("bench: {e}") })?;
    }
    let exe = std::env::current_exe().map_err(|e| Failure { code: 2, message: e.to_string() })?;
    let hub = match a.family.as_str() {
        "generated" => false,
        "hub" => true,
        other => return Err(Failure { code: 2, message: format!("--family expects generated or hub, got {other:?}") }),
    };
    let mut failed = false;
    // (N, construct + verify ms) of every finished case, for the growth exponent
    let mut timings: Vec<(f64, f64)> = Vec::new();
    for (spec, n, len, d, sh) in cases(a, hub, &shared) {
        let skipped = |why: String| println!("{}", serde_json::json!({"n": n, "len": len, "d": d, "shared": sh == 1, "skipped": why}));
        if a.max_tokens > 0 && n * len > a.max_tokens {
            skipped(format!("more than --max-tokens {}", a.max_tokens));
            continue;
        }
        let Some((ok, out)) = run_child(&exe, &spec, a)? else {
            skipped(format!("timeout after {} s", a.timeout));
            continue;
        };
        failed |= !ok;
        for line in out.lines() {
            println!("{line}");
            let v = serde_json::from_str::<serde_json::Value>(line).unwrap_or_default();
            if let (Some(c), Some(t)) = (v["construct_ms"].as_f64(), v["verify_ms"].as_f64()) {
                timings.push((n as f64, c + t));
            }
        }
    }
    if hub {
        // time = a N^k, fitted on a log-log scale over the finished cases
        let ns: Vec<f64> = timings.iter().map(|p| p.0).collect();
        let fit = serde_json::json!({"family": "hub", "growth_exponent": hardmax::bench::growth_exponent(&timings), "over_n": ns});
        println!("{fit}");
    }
    Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
}
