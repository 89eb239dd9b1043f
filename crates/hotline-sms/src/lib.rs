//! SMS through an SMSC over SMPP 3.4, bound as a transceiver.
//!
//! The shape follows the workspace design (pure cores, thin async shells):
//! - [`pdu`]: the wire codec, bytes to typed PDUs and back, every bad input a typed error;
//! - [`text`]: picking a data coding (GSM 7-bit default alphabet or UCS-2) and splitting long
//!   text into concatenated parts;
//! - [`receipt`]: reading delivery receipts (the TLVs first, then the receipt text);
//! - [`session`]: the sans-IO client state machine (`handle(now_ms, input) -> outputs`), with
//!   time passed in;
//! - [`client`]: the tokio shell that owns the socket and the clock and reconnects.

pub mod client;
pub mod pdu;
pub mod receipt;
pub mod session;
pub mod text;

pub use client::{Client, ClientConfig};
pub use receipt::{MessageState, Receipt};
pub use session::{Event, Input, LostReason, Output, Session, SessionConfig};
