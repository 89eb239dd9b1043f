//! The dialler's inputs and outputs: the events the shell feeds it, the actions it returns,
//! and the campaign's status.

use hotline_time::Millis;

use crate::model::{CallResult, Promise, TargetId, TargetState};
use crate::rules::CallsToday;

/// An input to the dialler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Time passed (the deadline came, or any wake-up).
    Tick,
    /// Begin placing calls.
    Start,
    /// An operator pauses the campaign (calls under way go on).
    Pause,
    /// An operator resumes it.
    Resume,
    /// The campaign ends: no more dials, ever (calls under way still report their end).
    Stop,
    /// The customer picked up the attempt (progressive/preview: it no longer waits for an
    /// agent; send the free-agent count that follows first).
    AttemptAnswered { target: TargetId, attempt: u32 },
    /// An attempt ended at `at` with `result` (and a promise to pay, if one was made).
    AttemptEnded {
        target: TargetId,
        attempt: u32,
        result: CallResult,
        at: Millis,
        promise: Option<Promise>,
    },
    /// Progressive/preview: agents of the campaign's queue free now (a count, not a change).
    FreeAgents(u32),
    /// The route refuses or times out: pause until it is up.
    RouteDown { reason: String },
    /// The route works again.
    RouteUp,
    /// Put a number on the do-not-call list.
    DoNotCallNumber(String),
    /// Put a customer on the do-not-call list.
    DoNotCallCustomer(String),
    /// The calls placed today per customer across campaigns (from the store); replaces what
    /// the dialler counted for that date.
    CallsToday(CallsToday),
    /// The store refused the dial just returned for `target`: its customer has had the
    /// calls the per-customer limit allows today (another campaign's calls since the counts
    /// were given). The dial is undone, the target is due when the window opens tomorrow.
    DailyLimitReached { target: TargetId, attempt: u32 },
    /// The store refused the dial just returned for `target`: its number or customer is on
    /// the do-not-call list (put there since the dialler heard of the list). The dial is
    /// undone and the target skipped.
    DoNotCallRefused { target: TargetId, attempt: u32 },
    /// Preview: the agent dials the offered target (the attempt goes on as a call; the agent
    /// it claimed is busy with it now, so the claim is let go, as at a progressive answer).
    PreviewDialled { target: TargetId, attempt: u32 },
    /// Preview: the offer was taken back before the agent dialled or skipped (no agent to
    /// take it, the agent did not decide in time): no attempt was made, the target is due
    /// again at `again_at` (not before the event's time).
    PreviewWithdrawn {
        target: TargetId,
        attempt: u32,
        again_at: Millis,
    },
    /// SMS: the final receipt of the text of `attempt` (accepted, so ended as answered) said
    /// it was delivered, or none will come: the campaign no longer waits for it.
    ReceiptFinal { target: TargetId, attempt: u32 },
    /// SMS: the final receipt of the text of `attempt` (accepted, so ended as answered) said
    /// it was not delivered: the attempt counts as `result` (failed: undeliverable or
    /// expired; rejected: rejected or deleted by the SMSC) from `at`, and the retry rules
    /// decide again. Ignored once the target has a later attempt, or the campaign is over.
    ReceiptFailed {
        target: TargetId,
        attempt: u32,
        result: CallResult,
        at: Millis,
    },
    /// Preview: the agent skipped the offered target.
    PreviewSkipped {
        target: TargetId,
        attempt: u32,
        reason: String,
    },
}

/// Why the campaign does not place calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PauseReason {
    /// An operator paused it.
    Operator,
    /// The route is down (the reason as the shell saw it, e.g. "503 from the trunk").
    RouteDown(String),
}

/// An output of the dialler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Place a call (IVR-only, progressive).
    Dial {
        target: TargetId,
        number: String,
        attempt: u32,
    },
    /// Preview: offer the target to a free agent, who dials or skips.
    Preview {
        target: TargetId,
        number: String,
        attempt: u32,
    },
    /// A target's state changed other than by a dial (a retry is due, deferred to the next
    /// day, final, skipped): for the store.
    Target {
        target: TargetId,
        state: TargetState,
    },
    /// No calls until resumed or the route is up.
    Paused { reason: PauseReason },
    /// Calls are placed again.
    Resumed,
    /// The campaign was stopped.
    Stopped,
    /// Every target is final and no call is under way.
    Done,
    /// Progressive: the abandoned share exceeded the limit; over-dialling is off.
    Throttled {
        abandoned_permille: u32,
        ratio_permille: u32,
    },
    /// Progressive: the share is back to half the limit or less; the configured ratio again.
    Unthrottled { ratio_permille: u32 },
}

/// Where the campaign stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Not started yet.
    Ready,
    Running,
    Paused(PauseReason),
    Stopped,
    Done,
}
