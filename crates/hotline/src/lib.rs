//! The hotline engine: a SIP call-centre engine's configuration, wiring and call controller.
//!
//! The binary (`src/main.rs`) only calls [`cli::main`]. The parts:
//! - [`config`]: the TOML configuration file, its `HOTLINE_*` environment overrides and checks;
//! - [`cli`]: the command line (`serve`, `config check`, `config default`) and logging setup;
//! - [`serve`]: turns a [`config::Config`] into running SIP, media and controller parts;
//! - [`controller`]: decides what each call does;
//! - [`storage`]: the store as the engine runs it (URL, rules, demo data, background work);
//! - [`recording_keys`]: the keys recordings are encrypted with, from the environment.

pub mod acd;
pub mod admin;
pub mod campaign_admin;
pub mod campaigns;
pub mod cli;
pub mod config;
pub mod console;
pub mod controller;
pub mod dispatch_call;
pub mod flows;
pub mod incident_admin;
pub mod ivr_reasons;
pub mod memory;
pub mod metrics;
pub mod notice_admin;
pub mod outbox;
pub mod priority;
pub mod qa_draw;
pub mod recording_keys;
pub mod recording_purge;
pub mod recordings_admin;
pub mod serve;
pub mod sms_gateway;
pub mod storage;
#[cfg(test)]
mod test_store;
pub mod ticket_texts;
