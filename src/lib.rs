//! Exact sequence classification with hardmax transformers.
//!
//! The pipeline: data -> validate ([`dataset`]) -> construct ([`construct::compile`]: normalize,
//! separate, collapse, label, snap) -> forward ([`model::Transformer::forward`]) -> verify
//! ([`verify::verify`]). The construction's bookkeeping is the forward pass itself, and the
//! visualizer draws the trace the verifier checked.

pub mod bench;
pub mod certify;
pub mod construct;
pub mod dataset;
pub mod error;
pub mod figures;
pub mod model;
pub mod model_file;
pub mod presets;
pub mod softmax;
pub mod verify;
#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use error::{Error, Result};
