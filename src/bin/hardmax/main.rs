//! `hardmax`: the command line. This is the only part of the project that touches files,
//! standard output and arguments; everything it does is a call into the library.
//!
//! ```text
//! hardmax verify   FILE [construction options] [--format F] [--json] [--softmax] [--certify]
//! hardmax build    FILE -o model.json [construction options] [--format F]
//! hardmax classify model.json FILE [--format F] [--json] [--outputs]
//! hardmax run      model.json FILE [--read M] [--format F] [--json]
//! hardmax example  [NAME] [--seed N]
//! hardmax figures  FILE --out DIR [construction options]
//! hardmax bench    [--n ..] [--len ..] [--d ..] [--shared no|yes|both]
//! ```
//!
//! The task comes from the data: labels (classify) or targets (interpolate; the target of
//! m tokens is compared with the last m output tokens). `run` prints a model's outputs.
//!
//! Exit codes: 0 success; 1 `verify`/`build` ran but some training sequence is
//! misclassified (or some read token is off its target, or, with `verify --certify`, the certificate fails); 2 bad input (unreadable or malformed file, invalid dataset, invalid
//! option, construction refused) or bad arguments (clap's own errors also exit 2); 3 the
//! input was fine but a figure could not be drawn (`figures`).
//! Errors go to standard error as `error: FILE: message`.

// The CLI is native only (clap, files, processes); the wasm build of the crate still
// compiles this target, as an empty program.
#[cfg(not(target_arch = "wasm32"))]
mod bench;
#[cfg(not(target_arch = "wasm32"))]
mod build;
#[cfg(not(target_arch = "wasm32"))]
mod classify;
#[cfg(not(target_arch = "wasm32"))]
mod cli;
#[cfg(not(target_arch = "wasm32"))]
mod example;
#[cfg(not(target_arch = "wasm32"))]
mod figures;
#[cfg(not(target_arch = "wasm32"))]
mod output;
#[cfg(not(target_arch = "wasm32"))]
mod run;
#[cfg(not(target_arch = "wasm32"))]
mod steps;
#[cfg(not(target_arch = "wasm32"))]
mod verify;

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    cli::main()
}

#[cfg(target_arch = "wasm32")]
fn main() {}
