//! DTMF: RFC 4733 telephone-events in and out, a type-ahead buffer for the IVR, and in-band
//! tone detection for callers whose side does not send telephone-events.
//!
//! Everything here is pure (DESIGN.md, "pure cores, thin async shells"): packets, RTP
//! timestamps and `Instant`s go in, digits and packet schedules come out; no sockets, no clock.
//!
//! - [`payload`]: the 4-byte telephone-event payload, parsed and encoded, and the event code ↔
//!   digit map (events 0–15 are `0`–`9`, `*`, `#`, `A`–`D`; every other event is unsupported).
//! - [`receiver`]: [`DtmfReceiver`], which turns the packets of a key press (start, updates,
//!   three end packets, any of them lost, duplicated or reordered) into exactly one
//!   [`DtmfEvent::DigitStarted`] and exactly one [`DtmfEvent::Digit`].
//! - [`sender`]: [`DtmfSender`], the packet schedule that sends one digit.
//! - [`type_ahead`]: [`TypeAhead`], the bounded buffer of digits keyed before the IVR asks.
//! - [`inband`]: [`InbandDetector`], Goertzel detection of DTMF tones in 8 kHz PCM, reporting
//!   presses with the same events as the receiver.
//!
//! Telephone-events are read and written at 8000 Hz, the only rate our SDP offers and the one
//! [`crate::sdp`] picks from an offer; RTP timestamps and durations are in 1/8000 s units.

use thiserror::Error;

pub mod inband;
pub mod payload;
pub mod receiver;
pub mod sender;
pub mod type_ahead;

pub use inband::InbandDetector;
pub use payload::{digit_to_event, event_to_digit, TelephoneEvent};
pub use receiver::{DigitEvent, DtmfEvent, DtmfReceiver, EndReason, RtpEventPacket};
pub use sender::{DigitSchedule, DtmfSender, ScheduledPacket, SenderConfig};
pub use type_ahead::TypeAhead;

/// The clock rate of telephone-events: RTP timestamps and durations count 1/8000 s.
pub const CLOCK_RATE: u32 = 8000;

/// What can go wrong with a telephone-event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum DtmfError {
    /// The payload is shorter than the 4 bytes of one event block.
    #[error("telephone-event payload of {len} bytes, need 4")]
    TooShort {
        /// The length received.
        len: usize,
    },
    /// A well-formed event that is not a DTMF digit (16 is flash, 32+ are modem and fax
    /// tones, …): understood and ignored.
    #[error("telephone-event {event} is not a DTMF digit; ignored")]
    Unsupported {
        /// The event code.
        event: u8,
    },
    /// A character that is not one of `0`–`9`, `*`, `#`, `A`–`D`.
    #[error("{0:?} is not a DTMF digit")]
    NotADigit(char),
}

/// Milliseconds in `samples` units of the 8 kHz clock, saturating.
fn samples_to_ms(samples: u64) -> u32 {
    u32::try_from(samples * 1000 / u64::from(CLOCK_RATE)).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests;
