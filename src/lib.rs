//! Exact sequence classification with hardmax transformers.
//!
//! The pipeline: data -> validate ([`dataset`]) -> construct ([`construct::compile`]: normalize,
//! separate, collapse, label, snap) -> forward ([`model::Transformer::forward`]) -> verify
//! ([`verify::verify`]). The construction's bookkeeping is the forward pass itself, and the
//! pictures draw the trace the verifier checked: a [`scene::Scene`] projects it once, and
//! the page (through the wasm facade) and the SVG [`figures`] both draw from it.

pub mod bench;
pub mod certify;
pub mod construct;
pub mod dataset;
pub mod error;
pub mod figures;
pub mod heldout;
pub mod model;
pub mod model_file;
pub mod notation;
pub mod presets;
pub mod scene;
pub mod session;
pub mod softmax;
pub mod verify;
#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use error::{Error, Result};
