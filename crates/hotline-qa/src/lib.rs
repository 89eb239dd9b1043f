//! Call quality assessment (QA), the pure core: no clock, no database, no network.
//!
//! The seeds ask for a quality discipline on every call: the agent greets with the company's
//! name, announces the staff number (报工号; the gas company found 35 % of its staff skipping
//! it), identifies the customer, solves the problem, stays courteous and closes properly. An
//! evaluator listens to a recorded call and fills in a *form*; this crate owns:
//!
//! - [`Form`]s: the QA designers' YAML files (`qa-forms/`, see its README), read and validated by
//!   [`parse_form`] and [`load_forms`] with `file:line: reason` errors;
//! - [`score`]: an evaluation's answers to a percent, critical failures and pass/fail;
//! - [`calibrate`]: two or more evaluators on one call, their spread and where they disagree;
//! - [`sample`]: the weekly work list, a few calls per agent picked by a keyed hash, so agents
//!   cannot predict which calls are reviewed and the pick can be reproduced from the seed;
//! - ISO-8601 weeks ([`iso_week`], [`week_label`], [`parse_week_label`], [`week_start`]), the
//!   unit of the sample.
//!
//! The store, the web pages and the configuration live in the engine; they call these functions.

mod answer;
mod calibrate;
mod form;
mod load;
mod parse;
mod sample;
mod score;
mod week;
mod yaml;

pub use answer::{Answer, AnswerError, Answers};
pub use calibrate::{calibrate, Calibration, CriterionAgreement};
pub use form::{Criterion, Form, FormError, Forms, Kind, Section};
pub use load::{load_forms, MAX_FILE_BYTES};
pub use parse::{parse_form, DEFAULT_PASS_MARK, MAX_SCALE, MAX_WEIGHT};
pub use sample::sample;
pub use score::{score, Score};
pub use week::{iso_week, parse_week_label, week_label, week_start, weeks_in_year};

#[cfg(test)]
mod tests;
