//! SIP signalling for the hotline engine.
//!
//! The shape follows the sans-IO protocol libraries (quinn-proto, str0m): [`engine::SipCore`]
//! is a plain state machine that takes received bytes, the engine's commands and the time, and
//! returns bytes to send, events and its next deadline; [`shell`] is the thin tokio layer that
//! owns the UDP and TCP sockets and the clock. The registrar, digest authentication (with
//! nonces that cannot be replayed), admission rules and account throttling are pure modules
//! the core calls.
//!
//! Why not rsipstack's transport, transaction and dialog layers, which DESIGN.md names: they run
//! their timers in their own tasks (no fake clock, so no deterministic tests of Timer B or an ACK
//! that never comes), drop malformed messages silently where RFC 3261 wants a 400, and log every
//! raw message (phone numbers included) at info level. We keep rsipstack for what it was chosen
//! for — its message codec, which handles compact headers, folding, IPv6 and tel: URIs — and
//! own the rest, behind this crate's types ([`api`]).

pub mod account_throttle;
pub mod admission;
pub mod api;
pub mod build;
pub mod digest;
pub mod engine;
pub mod framing;
pub mod headers;
pub mod nonces;
pub mod overload;
pub mod refer_to;
pub mod registrar;
pub mod shell;
pub mod tcp_limits;
pub mod uri;
pub mod wire;

pub use api::{
    CallRef, CallSource, Command, Dial, EndReason, IncomingCall, Location, Peer, ReferTo, Replaces,
    SipEvent, Transport,
};
pub use engine::{CoreConfig, UserCredentials};
pub use shell::{SipHandle, SipServer, SipServerConfig};

/// Masks a phone or account number for logs at info level: `13812345678` → `138****78`
/// (the engine's one mask, [`hotline_core::mask`]).
pub use hotline_core::mask;

#[cfg(test)]
mod tests {
    #[test]
    fn masking() {
        assert_eq!(super::mask("13812345678"), "138******78");
        assert_eq!(super::mask("1001"), "****");
        assert_eq!(super::mask("95598"), "9**98");
    }
}
