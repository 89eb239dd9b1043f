//! Per-leg RTP packet counters: plain `u64` fields the metrics layer reads and sums.
//!
//! No atomics and no registry here: the shell owns one [`RtpCounters`] per leg, bumps it from its
//! single task, and publishes (or adds into Prometheus counters) when it likes.

use super::packet::RtpError;

/// Why an incoming datagram was dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropReason {
    /// Not a valid RTP packet.
    Malformed(RtpError),
    /// From a source the latch refuses (not the latched one, not one the SDP or the learning
    /// window admits).
    WrongSource,
    /// A payload type that was not negotiated.
    UnknownPayload,
}

/// Packet counts for one call leg.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RtpCounters {
    /// Datagrams accepted (valid, from the latched source, known payload type).
    pub received: u64,
    /// Payload bytes of the accepted datagrams (headers, CSRCs, extension and padding excluded).
    pub received_payload_bytes: u64,
    /// Of the accepted: audio, telephone-event and comfort-noise packets.
    pub received_audio: u64,
    pub received_dtmf: u64,
    pub received_comfort_noise: u64,
    /// Accepted packets the sequence check flagged as duplicates (still counted as received,
    /// as RFC 3550 counts them).
    pub duplicates: u64,
    /// Dropped: shorter than the fixed header.
    pub dropped_too_short: u64,
    /// Dropped: version not 2.
    pub dropped_bad_version: u64,
    /// Dropped: CSRC list past the end.
    pub dropped_csrc_overrun: u64,
    /// Dropped: header extension past the end.
    pub dropped_extension_overrun: u64,
    /// Dropped: padding count 0 or larger than the body.
    pub dropped_bad_padding: u64,
    /// Dropped: from a source the latch refuses (RTP bleed, a stranger's packets).
    pub dropped_wrong_source: u64,
    /// Dropped: payload type not negotiated.
    pub dropped_unknown_payload: u64,
    /// Packets sent, and their payload bytes (header excluded, as in an RTCP sender report).
    pub sent: u64,
    pub sent_payload_bytes: u64,
}

impl RtpCounters {
    /// Count one dropped datagram under its reason.
    pub fn count_drop(&mut self, reason: DropReason) {
        let field = match reason {
            DropReason::Malformed(RtpError::TooShort { .. }) => &mut self.dropped_too_short,
            DropReason::Malformed(RtpError::BadVersion { .. }) => &mut self.dropped_bad_version,
            DropReason::Malformed(RtpError::CsrcOverrun { .. }) => &mut self.dropped_csrc_overrun,
            DropReason::Malformed(RtpError::ExtensionOverrun { .. }) => {
                &mut self.dropped_extension_overrun
            }
            DropReason::Malformed(RtpError::ZeroPadding | RtpError::PaddingOverrun { .. }) => {
                &mut self.dropped_bad_padding
            }
            DropReason::WrongSource => &mut self.dropped_wrong_source,
            DropReason::UnknownPayload => &mut self.dropped_unknown_payload,
        };
        *field = field.saturating_add(1);
    }

    /// Count one packet sent with `payload_len` bytes of payload.
    pub fn count_sent(&mut self, payload_len: usize) {
        self.sent = self.sent.saturating_add(1);
        self.sent_payload_bytes = self.sent_payload_bytes.saturating_add(payload_len as u64);
    }

    /// All dropped datagrams, whatever the reason.
    pub fn dropped(&self) -> u64 {
        [
            self.dropped_too_short,
            self.dropped_bad_version,
            self.dropped_csrc_overrun,
            self.dropped_extension_overrun,
            self.dropped_bad_padding,
            self.dropped_wrong_source,
            self.dropped_unknown_payload,
        ]
        .iter()
        .fold(0u64, |acc, n| acc.saturating_add(*n))
    }
}
