//! The outbound-campaign core (issue 21): arrears reminders, outage notices and follow-ups that
//! call customers. Pure: no sockets, no clock reads, no database. Time comes in as Unix
//! milliseconds ([`Millis`]) and local dates come from [`hotline_time::Zone`].
//!
//! - [`model`]: a campaign, its targets, attempts, results and target states.
//! - [`window`]: calling windows (daily spans, weekdays, holidays) in the centre's zone.
//! - [`rules`]: retries per result, the do-not-call set, the per-customer daily limit.
//! - [`numbers`]: number normalisation and the target import with its rejected-rows report.
//! - [`dialler`]: the sans-IO dialler, `handle(now, Event) -> Vec<Action>` and
//!   `next_deadline()`, pacing attempts per route (token bucket, line limit, free agents in
//!   progressive mode, the abandoned-share limit).
//! - [`pacing`]: the token bucket and the abandoned share, in integers.
//! - [`preview`]: preview mode's choice of agent for a target.
//! - [`progress`]: the figures the wallboard and metrics show.
//! - [`settings`]: the settings an operator writes (JSON), checked, with their defaults.
//! - [`sms`]: SMS campaigns' texts (templates per language) and how a submission counts.
//! - [`csv`]: the uploaded list's CSV text read into rows for [`numbers::import_targets`].
//!
//! The shell (later) owns the store, the SIP calls and the timer: it feeds the dialler events,
//! places the calls its actions ask for, and stores every attempt; after a restart it rebuilds
//! the dialler with [`Dialler::restore`] from the stored targets and attempts.

pub mod csv;
pub mod dialler;
pub mod model;
pub mod numbers;
pub mod pacing;
pub mod preview;
pub mod progress;
pub mod rules;
pub mod settings;
pub mod sms;
pub mod window;

pub use dialler::{Action, Dialler, Event, PauseReason, Status};
pub use hotline_time::Millis;
pub use model::{
    Attempt, CallResult, Campaign, Mode, Promise, RouteLimits, SkipReason, StoredTarget, Target,
    TargetId, TargetState,
};
pub use numbers::{
    import_targets, is_mainland_plausible, normalise, ImportOptions, ImportReport, NumberError,
    RawRow, RejectedRow, RowError,
};
pub use progress::Progress;
pub use rules::{CallsToday, DailyLimit, DoNotCall, Retry, RetryOutcome, RetryRules};
pub use settings::{Channel, SettingError, Settings};
pub use sms::{is_opt_out, Receipt, SmsSettings, Submission, Template, TemplateError, Texts};
pub use window::{DailySpan, Window, WindowError};
