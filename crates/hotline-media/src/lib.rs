//! Media for the hotline engine: everything between "the call is up" and the bytes of sound.
//!
//! Owned now:
//! - [`sdp`]: parsing SDP (RFC 4566) and RFC 3264 offer/answer for one audio stream — which
//!   codec, which payload types, where to send RTP, who may send, DTMF by telephone-event.
//! - [`ports`]: the pool of RTP ports (even ports; RTCP on the odd one above), leased RAII-style.
//! - [`g711`]: µ-law and A-law, bit-exact with the ITU-T G.191 reference coder.
//!
//! To come, in this crate: RTP sessions, RFC 4733 DTMF (the 4-byte telephone-event payload),
//! WAV prompt playback and call recording, bridging two call legs.
//!
//! Like the rest of the engine (DESIGN.md), the decision logic here is pure: no sockets, no
//! clock, no tasks. A parse or a negotiation is a function of its inputs; the socket-owning
//! shell around it comes with the RTP sessions.

pub mod g711;
pub mod ports;
pub mod sdp;

pub use sdp::Codec;
