pub mod construct;
pub mod dataset;
pub mod error;
pub mod model;
pub mod verify;
pub use error::{Error, Result};
