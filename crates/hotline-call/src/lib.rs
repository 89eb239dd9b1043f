//! The call core: the decisions about a call that do not need a socket, a task or a database,
//! kept pure (no tokio in this crate's normal dependencies; CI checks it) and driven with the
//! time passed in ([`hotline_core::Now`]).
//!
//! What lives here (driven by the shell in `crates/hotline/src/controller/`):
//! - [`phase`]: a call's phase as an enum with its data in the variants, and a call's
//!   [`phase::Timeline`]: every phase it went through, on the monotonic clock;
//! - [`record`]: the call record computed from the timeline (fields defined once; the README's
//!   glossary), for inbound calls and for callback attempts (outbound, linked to the original);
//! - [`end`]: SIP end reasons classified in one place (busy / no answer / failed / rejected,
//!   and who hung up);
//! - [`prompts`]: the typed set of system prompts the controller plays, checked in every
//!   language at start;
//! - [`registration`]: what a phone's registration change may do to its agent's state;
//! - [`control`]: the call controller itself, a state machine on the core contract, with the
//!   simulation harness that runs it with the SIP core and the router in `tests/sim/`.

#![deny(unreachable_pub)]

pub mod acd;
pub mod control;
pub mod dialing;
pub mod end;
pub mod phase;
pub mod prompts;
pub mod record;
pub mod registration;
pub mod wrapup;

pub use end::{EndClass, EndReason, Side};
pub use hotline_core::{CallId, Now, UnixMs};
pub use phase::{Phase, Timeline};
pub use prompts::SystemPrompt;
pub use record::{Disposition, Record};
