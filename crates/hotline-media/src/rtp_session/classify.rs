//! What an incoming packet carries, by its payload type: the negotiated audio codec, RFC 4733
//! telephone-events, RFC 3389 comfort noise, or something we never agreed to (counted, dropped).

use crate::sdp::{Codec, Negotiated};

/// The static payload type of comfort noise (RFC 3551, RFC 3389).
pub const COMFORT_NOISE_PT: u8 = 13;

/// The kind of a packet's payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PayloadKind {
    /// The negotiated audio codec (G.711 µ-law or A-law).
    Audio,
    /// An RFC 4733 telephone-event.
    Dtmf,
    /// Comfort noise (payload type 13).
    ComfortNoise,
    /// Not negotiated: count and drop.
    Unknown,
}

/// The payload types agreed for one call leg.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PayloadMap {
    audio: u8,
    dtmf: Option<u8>,
}

impl PayloadMap {
    /// Audio under `audio_pt` (0 for PCMU, 8 for PCMA, or whatever the offer mapped it to),
    /// telephone-events under `dtmf_pt` when RFC 4733 was agreed.
    pub const fn new(audio_pt: u8, dtmf_pt: Option<u8>) -> Self {
        PayloadMap {
            audio: audio_pt & 0x7f,
            dtmf: match dtmf_pt {
                Some(pt) => Some(pt & 0x7f),
                None => None,
            },
        }
    }

    /// Audio under the codec's static payload type.
    pub const fn for_codec(codec: Codec, dtmf_pt: Option<u8>) -> Self {
        Self::new(codec.payload_type(), dtmf_pt)
    }

    /// The audio payload type.
    pub const fn audio_pt(&self) -> u8 {
        self.audio
    }

    /// The telephone-event payload type, if agreed.
    pub const fn dtmf_pt(&self) -> Option<u8> {
        self.dtmf
    }

    /// Classify a payload type. The audio type wins if an offer (wrongly) gave audio and
    /// telephone-event the same number; comfort noise is 13 unless 13 is the audio or event type.
    pub fn classify(&self, payload_type: u8) -> PayloadKind {
        if payload_type == self.audio {
            PayloadKind::Audio
        } else if Some(payload_type) == self.dtmf {
            PayloadKind::Dtmf
        } else if payload_type == COMFORT_NOISE_PT {
            PayloadKind::ComfortNoise
        } else {
            PayloadKind::Unknown
        }
    }
}

impl From<&Negotiated> for PayloadMap {
    fn from(n: &Negotiated) -> Self {
        PayloadMap::new(n.payload_type, n.dtmf_payload_type)
    }
}
