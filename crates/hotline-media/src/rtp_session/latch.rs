//! Symmetric RTP source latching for phones behind NAT.
//!
//! A phone behind NAT advertises its private address in SDP, but its packets arrive from the NAT's
//! public address and port. So we send to where its RTP comes *from*: the first valid packet of a
//! leg latches its source address (and SSRC); from then on only that address is accepted and
//! everything else is counted as a stranger and dropped — a flood from elsewhere cannot move the
//! latch and hijack the call's audio. After a re-INVITE the shell calls [`SourceLatch::relatch`]
//! and the next valid packet latches anew.
//!
//! The address is the gate, not the SSRC: a new SSRC from the latched address (a phone that
//! restarted its stream, an SBC switching sources) is accepted and reported so receive statistics
//! can start over.

use std::net::SocketAddr;

/// What the latch made of a packet's source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LatchVerdict {
    /// This packet latched the source (first packet, or first after `relatch`).
    Latched,
    /// From the latched address, same SSRC.
    Accepted,
    /// From the latched address with a new SSRC (the latch now records the new one).
    SsrcChanged { previous: u32 },
    /// From another address: drop it.
    Stranger,
}

impl LatchVerdict {
    /// Whether the packet should be processed.
    pub fn accepted(self) -> bool {
        !matches!(self, LatchVerdict::Stranger)
    }
}

/// The source latch of one call leg.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceLatch {
    advertised: Option<SocketAddr>,
    latched: Option<(SocketAddr, u32)>,
    strangers: u64,
}

impl SourceLatch {
    /// Unlatched; `advertised` is the SDP's address, used for sending until a packet arrives.
    pub fn new(advertised: Option<SocketAddr>) -> Self {
        SourceLatch {
            advertised,
            latched: None,
            strangers: 0,
        }
    }

    /// Offer a valid packet's source. Call only for packets that parsed and carry a negotiated
    /// payload type, so garbage cannot latch.
    pub fn check(&mut self, from: SocketAddr, ssrc: u32) -> LatchVerdict {
        match self.latched {
            None => {
                self.latched = Some((from, ssrc));
                LatchVerdict::Latched
            }
            Some((addr, _)) if addr != from => {
                self.strangers = self.strangers.saturating_add(1);
                LatchVerdict::Stranger
            }
            Some((_, known)) if known == ssrc => LatchVerdict::Accepted,
            Some((addr, previous)) => {
                self.latched = Some((addr, ssrc));
                LatchVerdict::SsrcChanged { previous }
            }
        }
    }

    /// Forget the latched source (after a re-INVITE); the next valid packet latches anew. Until
    /// then, packets are sent to the advertised address.
    pub fn relatch(&mut self) {
        self.latched = None;
    }

    /// Replace the SDP-advertised address (a re-INVITE's answer or offer). Does not unlatch.
    pub fn set_advertised(&mut self, advertised: Option<SocketAddr>) {
        self.advertised = advertised;
    }

    /// Where to send RTP: the latched source once there is one, else the SDP address.
    pub fn send_to(&self) -> Option<SocketAddr> {
        match self.latched {
            Some((addr, _)) => Some(addr),
            None => self.advertised,
        }
    }

    /// The latched address and SSRC.
    pub fn latched(&self) -> Option<(SocketAddr, u32)> {
        self.latched
    }

    /// The SDP-advertised address.
    pub fn advertised(&self) -> Option<SocketAddr> {
        self.advertised
    }

    /// Packets refused because they came from another address.
    pub fn strangers(&self) -> u64 {
        self.strangers
    }
}
