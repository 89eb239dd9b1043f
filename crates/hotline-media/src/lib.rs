//! Media for the hotline engine: everything between "the call is up" and the bytes of sound.
//!
//! - [`sdp`]: parsing SDP (RFC 4566) and RFC 3264 offer/answer for one audio stream — which
//!   codec, which payload types, where to send RTP, who may send (hold), DTMF by telephone-event
//!   (the `hotline-sdp` crate, re-exported).
//! - [`ports`]: the pool of RTP ports (even ports; RTCP on the odd one above), leased RAII-style.
//! - [`g711`]: µ-law and A-law, bit-exact with the ITU-T G.191 reference coder.
//! - [`rtp_session`]: RTP packets (strict parsing that never panics), 20 ms pacing, RFC 3550
//!   receive statistics, strict source latching (RTP bleed), payload classification, counters.
//! - [`dtmf`]: RFC 4733 telephone-events in and out, type-ahead, in-band (Goertzel) detection.
//! - [`prompt`]: WAV prompts loaded and encoded once and shared by all calls; playback with
//!   barge-in; music on hold.
//! - [`recording`]: WAV recording off the media path by a small pool of writer threads,
//!   flushed every second; header repair.
//! - [`mix`]: the N-party mixer of 20 ms linear PCM frames for conferences and supervision
//!   (listen, whisper, barge): who hears whom, sums saturated to 16 bits, O(N) per tick.
//! - [`leg`]: the async shell: one tokio task per call leg that owns its socket and drives the
//!   pure parts above; bridging two legs.
//! - [`mix::room`]: the mixer's async shell: one tokio task per conference or supervised call
//!   that mixes its legs' frames every 20 ms.
//!
//! Like the rest of the engine (DESIGN.md), the decision logic here is pure: no sockets, no
//! clock, no tasks; only [`leg`] owns sockets and timers, and [`mix::room`] a timer.

pub mod dtmf;
pub mod g711;
pub mod leg;
pub mod mix;
pub mod ports;
pub mod prompt;
pub mod recording;
pub mod rtp_session;
/// SDP lives in its own pure crate, `hotline-sdp`; re-exported here under its old path.
pub use hotline_sdp as sdp;

pub use sdp::Codec;
