//! The crate's tests, one file per module.

mod calibrate;
mod parse;
mod sample;
mod score;
mod shipped;
mod week;
