//! The campaign's data: targets (a customer and a number to call, with optional data such as
//! the amount due), their attempts and results, and each target's state. Plain values: the
//! store keeps them, the dialler decides on them.

use std::collections::BTreeMap;
use std::fmt;

use hotline_time::{CivilDate, Millis};

use crate::rules::{DailyLimit, RetryRules};
use crate::window::Window;

/// How a campaign's calls are handled once answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Mode {
    /// The IVR flow does everything (notices, reminders, automated follow-up surveys).
    #[default]
    IvrOnly,
    /// A call is placed only when an agent of the campaign's queue is free; the answered
    /// customer is connected to that agent.
    Progressive,
    /// An agent sees the customer first, then dials or skips with a reason.
    Preview,
}

/// A target's stable id (the store's row id, or the import's sequence number).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TargetId(pub u64);

impl fmt::Display for TargetId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "t{}", self.0)
    }
}

/// One customer to call, on one number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub id: TargetId,
    /// The customer (account) id; the per-customer limit and do-not-call by customer use it.
    pub customer: String,
    /// The number to dial, normalised ([`crate::numbers::normalise`]).
    pub number: String,
    /// Data for the flow or the screen pop, e.g. `amount_due_fen`, `months`, `district`.
    pub data: BTreeMap<String, String>,
}

impl Target {
    /// A target without data.
    pub fn new(id: u64, customer: &str, number: &str) -> Target {
        Target {
            id: TargetId(id),
            customer: customer.to_owned(),
            number: number.to_owned(),
            data: BTreeMap::new(),
        }
    }
}

/// How one attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CallResult {
    /// The customer answered (and the flow or the agent handled the call).
    Answered,
    /// The line was busy (486/600).
    Busy,
    /// It rang out (408/480, or the ring timeout).
    NoAnswer,
    /// The network or trunk failed (5xx, timeout, no route).
    Failed,
    /// The customer declined the call (603), final.
    Rejected,
    /// The customer asked not to be called again (keypad 9, or to the agent), final.
    OptedOut,
    /// Progressive: the customer answered and no agent was free (heard a short message and
    /// is called back by the retry rules).
    Abandoned,
}

impl CallResult {
    /// Every result, for tests and reports.
    pub const ALL: [CallResult; 7] = [
        CallResult::Answered,
        CallResult::Busy,
        CallResult::NoAnswer,
        CallResult::Failed,
        CallResult::Rejected,
        CallResult::OptedOut,
        CallResult::Abandoned,
    ];

    /// The customer was reached (picked up): answered, opted out or abandoned.
    pub fn reached(self) -> bool {
        matches!(
            self,
            CallResult::Answered | CallResult::OptedOut | CallResult::Abandoned
        )
    }
}

/// A promise to pay, keyed by the customer in a dunning flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Promise {
    /// The amount promised, in fen (分).
    pub amount_fen: i64,
    /// The date by which the customer promised to pay, if keyed.
    pub by: Option<CivilDate>,
}

/// One call attempt to a target, as the store keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempt {
    /// 1 for the first attempt of the target, then 2, 3 …
    pub attempt: u32,
    /// When the dial was ordered.
    pub dialled_at: Millis,
    /// When and how it ended; `None` while in progress (or when the engine stopped during it).
    pub ended: Option<(Millis, CallResult)>,
    /// A promise to pay made during the call.
    pub promise: Option<Promise>,
}

/// Why a target was skipped without (further) calls.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SkipReason {
    /// Its number or customer is on the do-not-call list (checked at dial time).
    DoNotCall,
    /// Preview mode: the agent skipped it, with the reason given.
    Agent(String),
}

/// Where a target stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetState {
    /// Not yet attempted.
    Pending,
    /// To be attempted (again) at or after this time (a retry, or the next day because of the
    /// per-customer limit).
    Due(Millis),
    /// An attempt is under way (Preview: offered to an agent).
    InProgress { attempt: u32 },
    /// Final: the last attempt ended with this result (answered, rejected, opted out).
    Done(CallResult),
    /// Final: the attempts the rules allow are used up; the last result.
    GivenUp(CallResult),
    /// Final: skipped without a call.
    Skipped(SkipReason),
}

impl TargetState {
    /// No more calls will be made to this target.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            TargetState::Done(_) | TargetState::GivenUp(_) | TargetState::Skipped(_)
        )
    }
}

/// A target as the store returns it after a restart: the target, its attempts (any order) and
/// whether it was skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredTarget {
    pub target: Target,
    pub attempts: Vec<Attempt>,
    /// Set when the target was skipped (do-not-call at dial time, or an agent's skip).
    pub skipped: Option<SkipReason>,
}

/// A route's capacity (the trunk's): call attempts per second and concurrent lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteLimits {
    /// Call attempts a second (the token bucket's refill rate). 0 = none.
    pub attempts_per_sec: u32,
    /// Attempts the bucket may save up while idle (at least 1). The bucket starts empty.
    pub burst: u32,
    /// Concurrent outbound calls (lines) the campaign may hold.
    pub max_lines: u32,
}

impl RouteLimits {
    /// `attempts_per_sec` with a burst of a tenth of a second's attempts (at least 1).
    pub fn new(attempts_per_sec: u32, max_lines: u32) -> RouteLimits {
        RouteLimits {
            attempts_per_sec,
            burst: (attempts_per_sec / 10).max(1),
            max_lines,
        }
    }
}

impl Default for RouteLimits {
    /// 10 attempts a second, 30 lines.
    fn default() -> RouteLimits {
        RouteLimits::new(10, 30)
    }
}

/// A campaign as the dialler needs it: id, mode, calling window, retry rules and limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Campaign {
    pub id: String,
    pub mode: Mode,
    pub window: Window,
    pub retry: RetryRules,
    /// The per-customer limit across campaigns.
    pub daily_limit: DailyLimit,
    pub route: RouteLimits,
    /// Progressive: calls placed per free agent, in thousandths (1000 = 1.0, 1500 = 1.5).
    pub over_dial_permille: u32,
    /// Progressive: the most abandoned calls among answered ones, in thousandths (30 = 3 %).
    pub abandoned_limit_permille: u32,
    /// Progressive: how many of the last answered calls the abandoned share is taken over.
    pub abandoned_sample: u32,
    /// SMS: how long after a text is accepted the campaign waits for its final receipt (a
    /// failed one is retried by the rules); `None`: an accepted text is final.
    pub receipt_wait: Option<Millis>,
}

impl Campaign {
    /// A campaign with the defaults: the standard window in `zone`, the default retries,
    /// no per-customer limit, the default route, over-dial 1.0, abandoned limit 3 % over the
    /// last 100 answered calls, accepted texts final.
    pub fn new(id: &str, mode: Mode, zone: hotline_time::Zone) -> Campaign {
        Campaign {
            id: id.to_owned(),
            mode,
            window: Window::standard(zone),
            retry: RetryRules::default(),
            daily_limit: DailyLimit::default(),
            route: RouteLimits::default(),
            over_dial_permille: 1000,
            abandoned_limit_permille: 30,
            abandoned_sample: 100,
            receipt_wait: None,
        }
    }
}
