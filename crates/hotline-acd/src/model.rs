//! The router's vocabulary: what comes in (`Input`, `CallRequest`, `AgentProfile`), what goes
//! out (`Output`), agent states and the reasons an input is refused.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use crate::config::Exit;
use crate::ids::{AgentId, CallId, Millis, Tier};

/// A call handed to a queue (by the IVR, through the call controller).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallRequest {
    pub id: CallId,
    pub queue: String,
    /// Skills this call needs on top of the queue's (the higher level wins), levels 0–10.
    pub skills: Vec<(String, u8)>,
    /// The caller's language; `None` = any agent.
    pub language: Option<String>,
    /// Base priority from the IVR, 0–100 (higher values are taken as 100).
    pub priority: u8,
    pub tier: Tier,
    /// The account manager, for steps with `preferred_only`.
    pub preferred_agent: Option<AgentId>,
    /// Customer id, for the shell's bookkeeping (the router does not use it).
    pub customer: Option<String>,
    /// Why the customer calls, for the shell's bookkeeping (the router does not use it).
    pub reason: String,
    /// Where to call the customer back; with it a `callback` max-wait exit turns the call
    /// into a callback entry keeping its place (without it that exit is a `ticket`).
    pub callback_number: Option<String>,
}

impl CallRequest {
    /// A standard call to `queue` with priority 0 and no extra needs.
    pub fn new(id: CallId, queue: impl Into<String>) -> Self {
        CallRequest {
            id,
            queue: queue.into(),
            skills: Vec::new(),
            language: None,
            priority: 0,
            tier: Tier::Standard,
            preferred_agent: None,
            customer: None,
            reason: String::new(),
            callback_number: None,
        }
    }
}

/// An agent as they log in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentProfile {
    pub id: AgentId,
    /// Skill → level 0–10.
    pub skills: BTreeMap<String, u8>,
    pub languages: Vec<String>,
    /// Names of the queues served (unknown names are kept for a later reconfigure).
    pub queues: Vec<String>,
}

/// Why an agent is not ready (serialised as its name: `break`, `missed`, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotReadyReason {
    Break,
    Training,
    Meeting,
    /// Set by the router when an offer rang out unanswered.
    Missed,
    Other(String),
}

impl FromStr for NotReadyReason {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "break" => NotReadyReason::Break,
            "training" => NotReadyReason::Training,
            "meeting" => NotReadyReason::Meeting,
            "missed" => NotReadyReason::Missed,
            other => NotReadyReason::Other(other.to_string()),
        })
    }
}

impl serde::Serialize for NotReadyReason {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl fmt::Display for NotReadyReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NotReadyReason::Break => f.write_str("break"),
            NotReadyReason::Training => f.write_str("training"),
            NotReadyReason::Meeting => f.write_str("meeting"),
            NotReadyReason::Missed => f.write_str("missed"),
            NotReadyReason::Other(s) => f.write_str(s),
        }
    }
}

/// An agent's state. `since` is when it was entered. Serialised as
/// `{"state": "not_ready", "reason": "break", "since": …}`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum AgentState {
    LoggedOut {
        since: Millis,
    },
    Ready {
        since: Millis,
    },
    NotReady {
        reason: NotReadyReason,
        since: Millis,
    },
    /// Ringing for `call` (or dialling a callback with them).
    Reserved {
        call: CallId,
        since: Millis,
    },
    OnCall {
        call: CallId,
        since: Millis,
    },
    WrapUp {
        since: Millis,
        until: Millis,
    },
}

impl AgentState {
    /// A short lowercase name (`ready`, `not_ready`, …).
    pub fn name(&self) -> &'static str {
        match self {
            AgentState::LoggedOut { .. } => "logged_out",
            AgentState::Ready { .. } => "ready",
            AgentState::NotReady { .. } => "not_ready",
            AgentState::Reserved { .. } => "reserved",
            AgentState::OnCall { .. } => "on_call",
            AgentState::WrapUp { .. } => "wrap_up",
        }
    }

    /// When the state was entered.
    pub fn since(&self) -> Millis {
        match self {
            AgentState::LoggedOut { since }
            | AgentState::Ready { since }
            | AgentState::NotReady { since, .. }
            | AgentState::Reserved { since, .. }
            | AgentState::OnCall { since, .. }
            | AgentState::WrapUp { since, .. } => *since,
        }
    }
}

/// Everything the router is told. Only `Tick` runs due timers (see `Router::next_deadline`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// Time passed: run every timer due at or before `now`.
    Tick,
    /// A call enters its queue.
    CallArrived(CallRequest),
    /// The caller hung up before being connected, or a callback was cancelled (on a connected
    /// call this is taken as `CallEnded`).
    CallAbandoned(CallId),
    /// A connected call ended (for a call not yet connected this is an abandon).
    CallEnded(CallId),
    /// The caller asks to be called back at `number`, keeping their place.
    CallbackRequested { call: CallId, number: String },
    /// The customer leg of a `DialCallback`: reached or not.
    CallbackResult { call: CallId, reached: bool },
    /// The offered agent answered.
    Answered { call: CallId, agent: AgentId },
    /// The offered agent did not answer (the agent goes not ready, reason missed).
    NoAnswer { call: CallId, agent: AgentId },
    /// The offered agent's phone was busy (the agent is skipped for this call for one ring
    /// time, and stays ready for other calls).
    Busy { call: CallId, agent: AgentId },
    /// Ringing the offered agent failed (handled like `Busy`).
    Failed { call: CallId, agent: AgentId },
    /// Desktop: log in (the agent starts not ready, reason `login`).
    AgentLogin(AgentProfile),
    /// New skills, languages or served queues for a known agent (logged in or not); the
    /// state is kept.
    AgentUpdated(AgentProfile),
    /// Desktop: log out (not while reserved or on a call).
    AgentLogout(AgentId),
    /// Desktop: ready (from not ready, or from wrap-up = ending it early).
    AgentReady(AgentId),
    /// Desktop: not ready with a reason (from ready, not ready or wrap-up).
    AgentNotReady {
        agent: AgentId,
        reason: NotReadyReason,
    },
    /// Desktop: end wrap-up early.
    EndWrapUp(AgentId),
    /// The engine rang `agent` for a call that is not a queue's (a consultation, a transfer
    /// to them, their outbound call): on call with it (from ready, not ready or wrap-up);
    /// `CallEnded(call)` gives them back the state they left (a wrap-up is over: ready).
    AgentOnCall { agent: AgentId, call: CallId },
    /// Desktop: the agent gave the reasons of the call they are wrapping up; a wrap-up held
    /// for them (`Router::hold_wrap_up_for_reasons`) whose time is over ends now.
    WrapUpReasons(AgentId),
    /// SIP: the agent's phone registered or unregistered.
    AgentRegistered { agent: AgentId, registered: bool },
}

/// What the shell must do or may show. Agent state changes come before the action they
/// belong to (`AgentStateChanged` to reserved, then `Offer`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// Ring `agent` for `call`.
    Offer { call: CallId, agent: AgentId },
    /// Connect `agent` first, then dial the customer at `number`.
    DialCallback {
        call: CallId,
        agent: AgentId,
        number: String,
    },
    /// The router timed the offer out: stop ringing `agent` (it went not ready, missed).
    RingTimeout { call: CallId, agent: AgentId },
    /// Bridge: the call is answered and leaves `queue` after `wait_ms` (`callback`: a
    /// callback reached the customer; its wait is not a caller's wait on the line).
    Connected {
        call: CallId,
        agent: AgentId,
        queue: String,
        wait_ms: Millis,
        callback: bool,
    },
    /// Tell the caller their place (1 = next) and expected wait (`None` = no agent to wait for).
    Announce {
        call: CallId,
        position: u32,
        expected_wait_ms: Option<Millis>,
    },
    /// The callback request is accepted; the caller may hang up.
    CallbackQueued { call: CallId, position: u32 },
    /// The customer was not reached in `attempts` attempts; the callback is dropped.
    CallbackGaveUp { call: CallId, attempts: u32 },
    /// The call reached its queue's max wait; carry out `exit` (`Queue`: already moved).
    MaxWait { call: CallId, exit: Exit },
    /// The call's queue was removed by a reconfigure; carry out `exit` (`Queue`: moved).
    QueueRemoved { call: CallId, exit: Exit },
    /// The caller gave up; `short` if the wait was under the queue's short-abandon threshold.
    Abandoned {
        call: CallId,
        queue: String,
        wait_ms: Millis,
        short: bool,
    },
    /// An agent's state changed (also confirms desktop requests).
    AgentStateChanged { agent: AgentId, state: AgentState },
    /// The input was not applied; nothing changed.
    Refused(Refusal),
}

/// Why an input was refused. State is unchanged when one is returned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("unknown queue `{0}`")]
    UnknownQueue(String),
    #[error("{0} is already known")]
    DuplicateCall(CallId),
    #[error("unknown {0}")]
    UnknownCall(CallId),
    #[error("unknown {0}")]
    UnknownAgent(AgentId),
    #[error("{0} is not logged in")]
    NotLoggedIn(AgentId),
    #[error("{0} is already logged in")]
    AlreadyLoggedIn(AgentId),
    #[error("{agent}: cannot go {to} while {from}")]
    IllegalTransition {
        agent: AgentId,
        from: &'static str,
        to: &'static str,
    },
    #[error("{call} is not offered to {agent}")]
    NotOffered { call: CallId, agent: AgentId },
    #[error("{0} is not waiting in a queue")]
    NotWaiting(CallId),
    #[error("{0} is not a callback being dialled")]
    NotDialling(CallId),
    #[error("{0} is a callback: report its customer leg with CallbackResult")]
    IsCallback(CallId),
    #[error("{agent}: invalid profile: {reason}")]
    InvalidProfile { agent: AgentId, reason: String },
}
