//! Unit tests of the RTP core, one file per module, plus a fuzz loop over the parser.

mod fuzz;
mod latch;
mod pacing;
mod packet;
mod receive;
mod stats;
