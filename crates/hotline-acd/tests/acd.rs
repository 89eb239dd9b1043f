//! Router tests: a fake clock, deterministic, every step followed by a full invariant check.

// A test crate: its helpers, like its tests, state what they expect with unwrap, expect, panic
// and indexing (the workspace lints deny them in the library; clippy.toml's test allowances
// reach only #[test] functions and #[cfg(test)] modules).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "acd/support.rs"]
mod support;

#[path = "acd/callback.rs"]
mod callback;
#[path = "acd/config.rs"]
mod config;
#[path = "acd/estimate.rs"]
mod estimate;
#[path = "acd/exits.rs"]
mod exits;
#[path = "acd/priority.rs"]
mod priority;
#[path = "acd/property.rs"]
mod property;
#[path = "acd/ringing.rs"]
mod ringing;
#[path = "acd/snapshot.rs"]
mod snapshot;
#[path = "acd/states.rs"]
mod states;
#[path = "acd/steps.rs"]
mod steps;
#[path = "acd/strategies.rs"]
mod strategies;
