//! Strict RTP source latching: which address a call leg takes audio from (and sends to).
//!
//! RTP arrives on a UDP port anyone can reach. Taking audio from whoever sends first lets a
//! stranger who sprays packets at the port range take over a call's audio (the "RTP bleed"
//! class of attack). So, as Asterisk's `strictrtp` does, a leg accepts packets only from:
//!
//! - **the address the SDP gave** (connection address and port): latched whenever it first
//!   sends, and it also replaces a source learned in the window below (once: after that nothing
//!   moves the latch);
//! - **a source learned in the window**: phones behind NAT advertise their private address, and
//!   their packets come from the NAT's public address and port. Within [`LatchPolicy::window`]
//!   after the leg starts (or after a re-INVITE), the first valid packet from an acceptable
//!   source latches it, once. Acceptable: any address when the caller looks NATed (its SDP
//!   address differs from the address its signalling came from, or either is unknown); only the
//!   SDP's IP address (another port) when it does not — so a caller that is not behind NAT can
//!   never be taken over by a packet from another host, however early it comes.
//!
//! Everything else is a stranger: dropped and counted. Once latched, only the latched address
//! is accepted; a new SSRC from it (a phone that restarted its stream) is accepted and reported
//! so that receive statistics start over. With `strict` off, the first valid packet from
//! anywhere latches at any time (the old symmetric-RTP behaviour).
//!
//! Pure: the arrival time is an argument; the shell passes the packet's receive time.

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

/// How strictly a leg picks its RTP source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LatchPolicy {
    /// Accept only SDP-consistent sources and one learned in the window (see the module doc).
    pub strict: bool,
    /// How long after the leg starts (or re-negotiates) a NATed source may be learned.
    pub window: Duration,
}

impl Default for LatchPolicy {
    /// Strict, with a 2 s learning window.
    fn default() -> Self {
        LatchPolicy {
            strict: true,
            window: Duration::from_secs(2),
        }
    }
}

/// What the latch made of a packet's source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LatchVerdict {
    /// This packet latched the source (first accepted packet, or the SDP address replacing a
    /// learned source).
    Latched,
    /// From the latched address, same SSRC.
    Accepted,
    /// From the latched address with a new SSRC (the latch now records the new one).
    SsrcChanged { previous: u32 },
    /// From a source the policy refuses: drop it.
    Stranger,
}

impl LatchVerdict {
    /// Whether the packet should be processed.
    pub fn accepted(self) -> bool {
        !matches!(self, LatchVerdict::Stranger)
    }
}

/// How the current source was latched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum How {
    /// It is the SDP's address: final.
    Sdp,
    /// Learned (NAT, or not strict): the SDP address may still replace it once.
    Learned,
}

/// The source latch of one call leg.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceLatch {
    policy: LatchPolicy,
    advertised: Option<SocketAddr>,
    /// The IP address the call's signalling came from, if known.
    signalling: Option<IpAddr>,
    /// End of the learning window.
    learn_until: Instant,
    latched: Option<(SocketAddr, u32, How)>,
    strangers: u64,
}

impl SourceLatch {
    /// Unlatched, the learning window opening at `now`. `advertised` is the SDP's address
    /// (used for sending until a packet is accepted); `signalling` is where the call's SIP
    /// came from.
    pub fn new(
        policy: LatchPolicy,
        advertised: Option<SocketAddr>,
        signalling: Option<IpAddr>,
        now: Instant,
    ) -> Self {
        SourceLatch {
            learn_until: now.checked_add(policy.window).unwrap_or(now),
            policy,
            advertised,
            signalling,
            latched: None,
            strangers: 0,
        }
    }

    /// Offer a valid packet's source, arrived at `now`. Call only for packets that parsed and
    /// carry a negotiated payload type, so that garbage cannot latch.
    pub fn check(&mut self, from: SocketAddr, ssrc: u32, now: Instant) -> LatchVerdict {
        let from_sdp = self.advertised == Some(from);
        match self.latched {
            Some((addr, known, how)) if addr == from => {
                if known == ssrc {
                    LatchVerdict::Accepted
                } else {
                    self.latched = Some((addr, ssrc, how));
                    LatchVerdict::SsrcChanged { previous: known }
                }
            }
            Some((_, _, How::Learned)) if from_sdp && self.policy.strict => {
                self.latched = Some((from, ssrc, How::Sdp));
                LatchVerdict::Latched
            }
            Some(_) => self.stranger(),
            None if from_sdp => {
                self.latched = Some((from, ssrc, How::Sdp));
                LatchVerdict::Latched
            }
            None if self.may_learn(from, now) => {
                self.latched = Some((from, ssrc, How::Learned));
                LatchVerdict::Latched
            }
            None => self.stranger(),
        }
    }

    fn may_learn(&self, from: SocketAddr, now: Instant) -> bool {
        if !self.policy.strict {
            return true;
        }
        if now >= self.learn_until {
            return false;
        }
        match self.advertised {
            Some(sdp) if !self.looks_natted(sdp) => sdp.ip() == from.ip(),
            _ => true,
        }
    }

    /// Whether the far end seems to be behind NAT: its SDP address is not where its
    /// signalling came from (or we do not know where that was).
    fn looks_natted(&self, sdp: SocketAddr) -> bool {
        self.signalling.is_none_or(|sig| sig != sdp.ip())
    }

    fn stranger(&mut self) -> LatchVerdict {
        self.strangers = self.strangers.saturating_add(1);
        LatchVerdict::Stranger
    }

    /// Forget the latched source and open a new learning window at `now` (after a re-INVITE);
    /// until a packet is accepted, packets are sent to the advertised address.
    pub fn relatch(&mut self, now: Instant) {
        self.latched = None;
        self.learn_until = now.checked_add(self.policy.window).unwrap_or(now);
    }

    /// Replace the SDP-advertised address (a re-INVITE's answer or offer). Does not unlatch.
    pub fn set_advertised(&mut self, advertised: Option<SocketAddr>) {
        self.advertised = advertised;
    }

    /// Where to send RTP: the latched source once there is one, else the SDP address.
    pub fn send_to(&self) -> Option<SocketAddr> {
        match self.latched {
            Some((addr, _, _)) => Some(addr),
            None => self.advertised,
        }
    }

    /// The latched address and SSRC.
    pub fn latched(&self) -> Option<(SocketAddr, u32)> {
        self.latched.map(|(addr, ssrc, _)| (addr, ssrc))
    }

    /// The SDP-advertised address.
    pub fn advertised(&self) -> Option<SocketAddr> {
        self.advertised
    }

    /// The policy in force.
    pub fn policy(&self) -> LatchPolicy {
        self.policy
    }

    /// Packets refused because of where they came from.
    pub fn strangers(&self) -> u64 {
        self.strangers
    }
}
