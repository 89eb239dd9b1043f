//! Campaign core tests: a fake clock, deterministic.

// A test crate: its helpers, like its tests, state what they expect with unwrap, expect, panic
// and indexing (the workspace lints deny them in the library).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "campaign/support.rs"]
#[allow(dead_code)]
mod support;

#[path = "campaign/dialler.rs"]
mod dialler;
#[path = "campaign/numbers.rs"]
mod numbers;
#[path = "campaign/pacing.rs"]
mod pacing;
#[path = "campaign/property.rs"]
mod property;
#[path = "campaign/receipts.rs"]
mod receipts;
#[path = "campaign/restore.rs"]
mod restore;
#[path = "campaign/rules.rs"]
mod rules;
#[path = "campaign/window.rs"]
mod window;
