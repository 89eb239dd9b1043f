//! How a SIP call ended and what that means, classified once in [`hotline_core::end`] (one
//! type shared with the SIP core).

pub use hotline_core::end::{EndClass, EndReason, Side};
