//! RTP for one call leg, as pure logic: no sockets, no clock, no tasks. Time comes in as
//! [`std::time::Instant`] arguments; the async shell owns the UDP socket and the interval.
//!
//! - [`packet`]: strict, non-panicking parsing of incoming datagrams ([`RtpPacket`], typed
//!   [`RtpError`] per reason) and an allocation-free writer for outgoing ones ([`RtpHeader`]).
//! - [`pacing`]: [`RtpSender`], the drift-free 20 ms schedule of one outgoing stream: sequence
//!   numbers, media timestamps across pauses, marker bits, resynchronisation when late, and
//!   off-schedule headers for RFC 4733 events.
//! - [`stats`]: [`ReceiveStats`], RFC 3550 appendix A receive statistics (sequence validation,
//!   loss, fraction lost, interarrival jitter).
//! - [`latch`]: [`SourceLatch`], strict source latching (SDP address, or a NATed source learned
//!   once in a short window; strangers dropped).
//! - [`classify`]: [`PayloadMap`], audio / telephone-event / comfort noise / unknown.
//! - [`counters`]: [`RtpCounters`], plain `u64` counts for the metrics layer.
//! - [`receive`]: [`RtpReceiver`], the receive path in one step (parse → classify → latch →
//!   statistics → counters).
//!
//! The module is `rtp_session` so that it does not clash with the external `rtp` crate, which
//! we use only to hand out owned packets ([`RtpPacket::to_rtp`]) and to cross-check in tests.

pub mod classify;
pub mod counters;
pub mod latch;
pub mod pacing;
pub mod packet;
pub mod receive;
pub mod stats;

#[cfg(test)]
mod tests;

pub use classify::{PayloadKind, PayloadMap, COMFORT_NOISE_PT};
pub use counters::{DropReason, RtpCounters};
pub use latch::{LatchPolicy, LatchVerdict, SourceLatch};
pub use pacing::{Pacing, RtpSender, SenderInit, Slot};
pub use packet::{RtpError, RtpHeader, RtpPacket, HEADER_LEN};
pub use receive::{Inbound, RtpReceiver};
pub use stats::{ReceiveStats, ReceptionReport, SeqStatus};
