//! The RFC 4733 telephone-event payload (§2.3) and the DTMF event codes (§3.2).
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |     event     |E|R| volume    |          duration             |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! A payload longer than 4 bytes (several event blocks, §2.5.1.5) is read for its first block,
//! the one the packet's RTP timestamp belongs to; the rest is ignored. Shorter is an error.

use super::DtmfError;

/// The digits of events 0–15, in event-code order.
const DIGITS: [char; 16] = [
    '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#', 'A', 'B', 'C', 'D',
];

/// The digit of a DTMF event code (0–15), or `None` for every other event.
pub fn event_to_digit(event: u8) -> Option<char> {
    DIGITS.get(usize::from(event)).copied()
}

/// The event code of a DTMF digit; `a`–`d` are taken as `A`–`D`.
pub fn digit_to_event(digit: char) -> Option<u8> {
    let upper = digit.to_ascii_uppercase();
    DIGITS
        .iter()
        .position(|&d| d == upper)
        .and_then(|i| u8::try_from(i).ok())
}

/// One telephone-event block: what happened, whether it is over, and for how long so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TelephoneEvent {
    /// The event code: 0–15 are DTMF digits, 16 is flash, others are tones and signals.
    pub event: u8,
    /// The E bit: this is (a retransmission of) the event's final report.
    pub end: bool,
    /// The R bit: senders set it to 0, receivers ignore it; kept so a parse/encode round trip
    /// is exact.
    pub reserved: bool,
    /// Power level in −dBm0, 0–63 (6 bits; larger values are cut to 63 when encoding).
    pub volume: u8,
    /// Duration so far, in 1/8000 s, counted from the packet's RTP timestamp.
    pub duration: u16,
}

impl TelephoneEvent {
    /// The size of one event block.
    pub const LEN: usize = 4;

    /// A report of `event` lasting `duration` so far (R bit clear).
    pub fn new(event: u8, end: bool, volume: u8, duration: u16) -> Self {
        TelephoneEvent {
            event,
            end,
            reserved: false,
            volume: volume.min(63),
            duration,
        }
    }

    /// Reads the first event block of `payload`; never panics.
    pub fn parse(payload: &[u8]) -> Result<Self, DtmfError> {
        let [event, flags, d_hi, d_lo, ..] = *payload else {
            return Err(DtmfError::TooShort { len: payload.len() });
        };
        Ok(TelephoneEvent {
            event,
            end: flags & 0x80 != 0,
            reserved: flags & 0x40 != 0,
            volume: flags & 0x3F,
            duration: u16::from_be_bytes([d_hi, d_lo]),
        })
    }

    /// The 4 bytes on the wire.
    pub fn encode(&self) -> [u8; 4] {
        let flags =
            (u8::from(self.end) << 7) | (u8::from(self.reserved) << 6) | self.volume.min(63);
        let [d_hi, d_lo] = self.duration.to_be_bytes();
        [self.event, flags, d_hi, d_lo]
    }

    /// The DTMF digit this event stands for, if it is one.
    pub fn digit(&self) -> Option<char> {
        event_to_digit(self.event)
    }
}
