//! Fuzzes the IVR flow loader and validator, and the calendars file (`hotline-ivr::load`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| hotline_fuzz::ivr_flow(data));
