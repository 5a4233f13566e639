#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| hardmax_fuzz::checks::build_verify(data));
