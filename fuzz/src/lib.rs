//! The checks the fuzz targets run; tests/fuzz_regressions.rs includes the same file.
pub mod checks;
