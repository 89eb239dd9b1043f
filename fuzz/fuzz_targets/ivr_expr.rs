//! Fuzzes the IVR expression and template language: parse, check, evaluate.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| hotline_fuzz::ivr_expr(data));
