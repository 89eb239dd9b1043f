//! Fuzzes SDP parsing and offer/answer negotiation (`hotline-sdp`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| hotline_fuzz::sdp(data));
