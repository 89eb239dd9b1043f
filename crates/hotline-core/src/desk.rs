//! What passes between an agent's desktop and the call core, in one set of types that the web
//! API, the call core and its shell share: the desktop's requests on the agent's call, why one
//! was refused, and the screen pop of a call offered to the agent.

use crate::CallId;
use serde::Serialize;

/// What the agent asks of its call (or, for `Dial`, to place one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallAction {
    Hangup,
    Hold(bool),
    /// Into this queue (the agent is released, as if the call had ended for them).
    ToQueue(String),
    /// To this IVR flow.
    ToFlow(String),
    /// Click-to-call: ring the agent's phone, then dial this number through the outbound
    /// route and bridge the two (the agent goes not ready, reason `outbound`).
    Dial(String),
    /// A supervisor joins the call agent `agent` (the store's id) is connected to, through the
    /// supervisor's own phone (the engine rings it), in `mode`; asked again for the same
    /// agent's call, the mode changes.
    Monitor {
        agent: i64,
        mode: MonitorMode,
    },
    /// The supervisor leaves the call they monitor (their phone's leg is hung up).
    StopMonitor,
    /// Consult before transferring: the caller is held with music while the engine calls the
    /// target, and the agent talks with it once it answers.
    Consult(TransferTarget),
    /// The consulted target takes the caller; the agent is released (wrap-up).
    CompleteTransfer,
    /// The consultation ends (the target's leg is hung up); the caller is back with the agent.
    CancelConsult,
    /// The caller, the agent and the consulted target all hear each other; the agent may then
    /// hang up and the other two stay.
    Conference,
    /// The caller no longer hears the agent (true), or hears them again (false).
    Mute(bool),
    /// Blind transfer: the agent is released at once; the caller hears music until the target
    /// answers (not reached: back into the queue it came from, or for a number a ticket to
    /// call back).
    TransferTo(TransferTarget),
}

/// Whom a call is transferred to, or consulted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransferTarget {
    /// An agent (the store's id), rung on their registered phone.
    Agent(i64),
    /// An outside number, dialled through the outbound route.
    Number(String),
}

/// How a supervisor takes part in an agent's call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MonitorMode {
    /// Hears the caller and the agent; heard by neither.
    Listen,
    /// Hears both; heard by the agent only (coaching).
    Whisper,
    /// Hears both and is heard by both (a three-way call).
    Barge,
}

impl MonitorMode {
    pub fn as_str(self) -> &'static str {
        match self {
            MonitorMode::Listen => "listen",
            MonitorMode::Whisper => "whisper",
            MonitorMode::Barge => "barge",
        }
    }
}

/// Why the call core did not do it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ControlError {
    /// The agent is not connected to a call.
    NoCall,
    /// The agent is on a call already (for `Dial`).
    Busy,
    /// The agent's phone is not registered (for `Dial`).
    PhoneOffline,
    /// No outbound route is configured (for `Dial`).
    NoRoute,
    /// A field names something that does not exist (`field`, why).
    Invalid(&'static str, String),
    /// The dial rules refuse the number for the agent's role (why).
    NotAllowed(String),
    /// The call core is not running (or did not answer).
    Unavailable,
}

/// The call an agent is offered, as the desktop shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScreenPop {
    pub agent: i64,
    /// The engine's call id (as in the `X-Hotline-Call` header the phone receives).
    pub call: CallId,
    /// The reference of the call's record (`GET /api/calls?call_ref=`); none for calls the
    /// engine places (callbacks).
    pub call_ref: Option<String>,
    /// The calling number (for a callback: the number being called back).
    pub caller: String,
    /// The customer the IVR identified.
    pub customer_account: Option<String>,
    pub queue: String,
    /// Why the caller asked for a person (the flow's `reason`).
    pub reason: String,
    /// The IVR nodes the caller went through, `flow/node` joined by `>`.
    pub ivr_path: String,
    /// A callback the engine is making (the customer is dialled once the agent answers).
    pub callback: bool,
    /// The outbound campaign that called the customer (its name), for a campaign's call.
    pub campaign: Option<String>,
}
