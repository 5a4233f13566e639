#![no_main]
use hardmax::dataset::Format;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| hardmax_fuzz::checks::reader(data, Format::Json));
