//! What the call core takes and gives: its inputs (the SIP core's events with their SDP already
//! digested by the shell, the media legs' events, the ACD router's outputs, the IVR's lookup and
//! ticket answers, the desktop's requests), its outputs (SIP commands, leg commands, router
//! inputs, call-log events, live events, lookups), and [`Env`]: the answers the core may ask
//! for without waiting (the agents' directory, the flows and prompts loaded, the port pool).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hotline_acd::AgentId;
pub use hotline_core::desk::{CallAction, ControlError, MonitorMode, ScreenPop, TransferTarget};
use hotline_core::{CallId, UnixMs};
use hotline_ivr::interp::{Event as IvrEvent, LookupRequest, TicketRequest};
use hotline_ivr::FlowSet;

use crate::end::EndReason;
use crate::record::{AttemptRecord, Record};

/// A new inbound call as the shell hands it over: the shell has negotiated its SDP offer and
/// bound an RTP port for it (`admitted`), or found why it cannot be taken (`Err(503)` no port,
/// `Err(488)` no codec in common); and it has asked the registrar whether the dialled number is
/// a registered phone (`extension`).
#[derive(Debug, Clone)]
pub struct Incoming {
    pub call: CallId,
    pub caller: String,
    pub caller_display: Option<String>,
    pub callee: String,
    /// The dialled number is a registered phone other than the caller's.
    pub extension: bool,
    pub admitted: Result<(), u16>,
}

/// A key, the end of a playback, or the media's end on one call's leg.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LegEvent {
    Digit(char),
    PlaybackDone {
        interrupted: bool,
    },
    /// No RTP for the configured time.
    MediaTimeout,
}

/// A notification call to place (see the core's `notify` part).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notify {
    /// Whoever asked keeps this to match the outcome.
    pub id: u64,
    /// Dialled through the outbound route.
    pub number: String,
    /// The message: prompt names in the engine's language (then "press 1 to acknowledge").
    pub prompts: Vec<String>,
    /// How long it may ring.
    pub ring: Duration,
    /// How long to wait for the key after each play of the message.
    pub listen: Duration,
    /// Plays of the message in all (at least one).
    pub rounds: u8,
}

/// How a notification call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotifyOutcome {
    /// 1 was pressed.
    Acknowledged,
    /// Answered and heard, no 1 (or hung up before it).
    NotAcknowledged,
    /// Not answered: busy, no answer or failed.
    NotReached(crate::end::EndClass),
}

/// A campaign call to place (issue 21): the customer's number dialled through the outbound
/// route; answered, `flow` runs with the variable `target` made from `target`'s data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignCall {
    /// Whoever asked keeps this to match the outcome.
    pub id: u64,
    /// The campaign's own id (the store's): the customer's INVITE carries it as
    /// `X-Hotline-Campaign`.
    pub campaign_id: i64,
    pub number: String,
    /// The number shown; the route's when `None`.
    pub caller_id: Option<String>,
    pub flow: String,
    /// The campaign's data for the customer (the flow's `target:` fields, as text).
    pub target: std::collections::BTreeMap<String, String>,
    /// How long it may ring.
    pub ring: Duration,
    /// The campaign's name, shown in an agent's screen pop.
    pub campaign: String,
    /// The customer's account (for an agent's screen pop and the router).
    pub account: Option<String>,
    /// Progressive: the answered customer goes straight to an agent of this queue, and hears
    /// a short message and is let go if none answers within the wait (no flow runs).
    pub progressive: Option<Progressive>,
    /// Preview: the agent who saw the customer first and dials: the agent's phone rings,
    /// then the customer is dialled and the two are bridged (no flow runs).
    pub preview: Option<i64>,
}

/// Where a progressive campaign's answered customers go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progressive {
    pub queue: String,
    /// How long an answered customer may wait for an agent.
    pub wait: Duration,
}

/// How a campaign call ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CampaignOutcome {
    /// The customer answered: how long the call lasted from the answer, the keys pressed,
    /// what the flow recorded, whether the flow asked for an agent, the agent the customer
    /// talked to, and whether the customer waited for an agent and none came (progressive:
    /// abandoned; a flow's transfer: left the queue without one).
    Answered {
        talk_ms: i64,
        keys: String,
        record: hotline_ivr::outbound::Record,
        wanted_agent: bool,
        agent: Option<i64>,
        no_agent: bool,
    },
    /// Not answered: how the dialog ended (its class says busy, no answer or failed; a 603
    /// is the customer declining).
    NotReached(EndReason),
    /// Not placed: no such flow, or data the flow cannot take (the campaign's fault).
    NotPlaced(String),
    /// Not placed: no outbound route, or no RTP port free (the engine's or the route's).
    NoRoute(String),
    /// Preview: the agent could not take the call (phone not registered, on another call,
    /// did not answer their phone): the customer was not dialled.
    AgentUnavailable(String),
}

/// One input, with the time it happened passed beside it.
#[derive(Debug, Clone)]
pub enum Input {
    Incoming(Incoming),
    /// Place a notification call.
    Notify(Notify),
    /// Place a campaign call.
    Campaign(CampaignCall),
    /// An inbound call's 2xx was acknowledged.
    Confirmed(CallId),
    /// A side of the call changed whether it takes our media (a re-INVITE the shell answered):
    /// `on_hold` when we may no longer send to it.
    HoldChanged {
        call: CallId,
        on_hold: bool,
    },
    /// A call we placed rings (180–183).
    Progress {
        call: CallId,
        code: u16,
    },
    /// A call we placed was answered; `usable` when its SDP answer agreed media with our offer.
    Answered {
        call: CallId,
        usable: bool,
    },
    Ended {
        call: CallId,
        reason: EndReason,
    },
    /// A phone's number of registered contacts changed.
    Registration {
        user: String,
        contacts: usize,
    },
    Leg {
        call: CallId,
        event: LegEvent,
    },
    Acd(hotline_acd::Output),
    /// The answer to an IVR session's lookup or ticket, or its timer (fired by the core itself).
    Ivr {
        call: CallId,
        event: IvrEvent,
    },
    /// The queue ticket a caller leaving its queue asked for is open (its number) or not.
    QueueTicket {
        call: CallId,
        number: Option<String>,
    },
    Desk {
        request: u64,
        agent: AgentId,
        action: CallAction,
    },
    /// A phone of `call` asked (REFER, answered 202 already) to transfer the call's other side
    /// to `user` (an agent's SIP user, an extension, a number), or with `replaces` to the
    /// other side of the dialog it names. Answer with `SipOrder::NotifyRefer`.
    Refer {
        call: CallId,
        user: String,
        replaces: Option<ReferReplaces>,
    },
}

/// The dialog a REFER's `Replaces` names, as the shell found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReferReplaces {
    /// A call the engine keeps (the referring phone's other call through the engine).
    Call(CallId),
    /// No call the engine keeps.
    Unknown,
}

impl Input {
    /// The input's name, for logs and the count of unexpected inputs.
    pub fn name(&self) -> &'static str {
        match self {
            Input::Incoming(_) => "incoming",
            Input::Notify(_) => "notify",
            Input::Campaign(_) => "campaign",
            Input::Confirmed(_) => "confirmed",
            Input::HoldChanged { .. } => "hold_changed",
            Input::Progress { .. } => "progress",
            Input::Answered { .. } => "answered",
            Input::Ended { .. } => "ended",
            Input::Registration { .. } => "registration",
            Input::Leg { .. } => "leg",
            Input::Acd(_) => "acd",
            Input::Ivr { .. } => "ivr",
            Input::QueueTicket { .. } => "queue_ticket",
            Input::Desk { .. } => "desk",
            Input::Refer { .. } => "refer",
        }
    }
}

/// A prompt the shell plays: a prompt of the library (`folder` is a language or `common`), or
/// one of the built-in answer flow's (loaded at start, in the engine's language).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sound {
    Library { folder: String, name: String },
    Welcome,
    Digit(char),
}

impl Sound {
    pub fn library(folder: &str, name: &str) -> Sound {
        Sound::Library {
            folder: folder.to_string(),
            name: name.to_string(),
        }
    }
}

/// Music on hold: the answer flow's (loaded at start) or the library's `common/moh`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Music {
    Answer,
    Library,
}

/// How a recording mixes its legs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channels {
    Mono,
    Stereo,
}

/// Whose recording a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordingOf {
    /// The call's own (it has its record already): the path is noted on it at once.
    Call,
    /// A callback attempt's: the path goes with the attempt's record, written when it ends.
    Attempt,
    /// A consultation of this call's agent with the target (the agent left, the target
    /// right): one more recording of that call.
    Consultation(CallId),
}

/// Which side a leg's audio is in a recording.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecSide {
    Caller,
    Agent,
}

/// A command for one call's media leg.
#[derive(Debug, Clone, PartialEq)]
pub enum LegOrder {
    Play {
        sounds: Vec<Sound>,
        interruptible: bool,
    },
    StopPlayback,
    Music(Option<Music>),
    /// This leg stops forwarding to its bridge partner (the partner is not told).
    Unbridge,
    /// This leg stops feeding the recording it fed (the recording goes on with its others).
    StopRecording,
}

/// Who hears a party of a mix (see `hotline_media::mix`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Every other party (the caller, the agent, a supervisor who barges in).
    Everyone,
    /// Nobody (a supervisor listening).
    Nobody,
    /// This party's leg alone (a supervisor whispering to the agent).
    Only(CallId),
}

/// A call to place.
#[derive(Debug, Clone, PartialEq)]
pub struct Dial {
    pub call: CallId,
    /// A registered user, or with `gateway` a number dialled through it.
    pub user: String,
    pub gateway: Option<SocketAddr>,
    pub from_user: String,
    pub from_display: Option<String>,
    pub headers: Vec<(String, String)>,
    pub ring_timeout: Duration,
}

/// A SIP command.
#[derive(Debug, Clone, PartialEq)]
pub enum SipOrder {
    Ringing(CallId),
    /// Answer with the SDP the shell agreed at admission.
    Answer(CallId),
    Reject {
        call: CallId,
        code: u16,
    },
    Hangup(CallId),
    Dial(Dial),
    /// Report on a REFER of `call`: the sipfrag status (100 trying, 200 done, 4xx–6xx refused).
    NotifyRefer {
        call: CallId,
        status: u16,
    },
}

/// How an IVR session ended, for the call log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IvrEnd {
    SelfServed,
    Transferred(String),
    Abandoned,
    Unserved,
}

/// What the call log hears; times (`at`) are the core's, as its records' are.
#[derive(Debug, Clone)]
pub enum LogEvent {
    Arrived {
        call: CallId,
        caller: String,
        dialled: String,
        at: UnixMs,
    },
    Answered {
        call: CallId,
        by_agent: bool,
        at: UnixMs,
    },
    IvrEnded {
        call: CallId,
        path: String,
        outcome: IvrEnd,
        account: Option<String>,
        at: UnixMs,
    },
    Connected {
        call: CallId,
        agent: i64,
        wait_ms: i64,
        at: UnixMs,
    },
    Survey {
        call: CallId,
        score: i64,
    },
    /// An inbound call's record (the shell adds its recording's path).
    Finished {
        call: CallId,
        record: Record,
    },
    /// Refused before it was kept.
    Refused {
        call: CallId,
        reason: EndReason,
        at: UnixMs,
    },
    WrapUp {
        call: CallId,
        ms: i64,
    },
    /// A callback attempt's record.
    Attempt {
        call: CallId,
        record: AttemptRecord,
    },
}

/// What the desktops' event stream hears.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LiveOut {
    Offer(ScreenPop),
    Notice {
        agent: i64,
        call: CallId,
        notice: String,
    },
}

/// What the core asks the shell to do, in order.
#[derive(Debug, Clone)]
pub enum Output {
    Sip(SipOrder),
    /// Start `call`'s media leg on its bound port: with the media its SDP answer agreed (a
    /// call we placed) or agreed at admission.
    StartLeg(CallId),
    Leg {
        call: CallId,
        order: LegOrder,
    },
    Bridge(CallId, CallId),
    Unbridge(CallId, CallId),
    /// Put `party`'s leg in the mix `room` (named by the call it serves; made at its first
    /// party), heard by `audience`; a party already in it only changes its audience. The leg
    /// then hears what the mix gives it instead of a bridge partner.
    Mix {
        room: CallId,
        party: CallId,
        audience: Audience,
    },
    /// Take `party` out of `room` (the room ends with its last party).
    Unmix {
        room: CallId,
        party: CallId,
    },
    Record {
        call: CallId,
        channels: Channels,
        legs: Vec<(CallId, RecSide, Option<RecSide>)>,
        /// Whose recording it is.
        of: RecordingOf,
    },
    /// `call` is over: close its leg, finish its recording, free its port.
    Release(CallId),
    Acd(hotline_acd::Input),
    /// A phone's registration, for the router's directory.
    Registration {
        user: String,
        contacts: usize,
    },
    Log(LogEvent),
    Live(LiveOut),
    /// Run an IVR lookup; answer with `Input::Ivr { event: Lookup { .. } }`.
    Lookup {
        call: CallId,
        id: u64,
        request: LookupRequest,
    },
    /// Open an IVR ticket; answer with `Input::Ivr { event: Ticket { .. } }`.
    OpenTicket {
        call: CallId,
        id: u64,
        request: TicketRequest,
    },
    /// Open the ticket of a caller leaving its queue; answer with `Input::QueueTicket`.
    QueueTicket {
        call: CallId,
        request: TicketRequest,
    },
    /// The answer to a desktop request.
    DeskReply {
        request: u64,
        result: Result<(), ControlError>,
    },
    Metric(Metric),
    /// A progressive campaign call's customer answered and waits for an agent (before its
    /// result): the agent it was placed for is no longer to be found, the waiting customer
    /// counts against the queue's free agents now.
    CampaignAnswered {
        id: u64,
    },
    /// A campaign call's outcome (once per `Input::Campaign`).
    CampaignResult {
        id: u64,
        outcome: CampaignOutcome,
    },
    /// A notification call's outcome (once per `Input::Notify`).
    NotifyResult {
        id: u64,
        outcome: NotifyOutcome,
    },
}

/// Figures for `/metrics`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Metric {
    /// Seconds from arrival to answer.
    CallSetup(f64),
    MediaTimeout,
    /// An entry IVR session ended so.
    IvrEnded(IvrOutcomeKind),
    /// An input the call's phase did not expect.
    Unexpected(&'static str),
    /// A caller was taken to the survey (the flow after the agent) when the agent's leg ended.
    SurveyOffered,
    /// A caller gave the survey a score.
    SurveyAnswered,
}

/// The IVR outcomes `/metrics` counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IvrOutcomeKind {
    SelfServed,
    Transferred,
    Abandoned,
    Unserved,
}

/// A queue's opening hours as the core checks them when a flow transfers a caller there: the
/// calendar (by name, from the flows' calendars) and where callers go while it is closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueHours {
    pub calendar: String,
    pub after_hours: hotline_acd::Exit,
}

/// An agent as the core needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentInfo {
    pub sip_user: String,
    pub staff_no: String,
    /// The language the agent hears notices in.
    pub language: String,
    /// The agent's role (`agent`, `supervisor` …): whose dial rules apply.
    pub role: String,
}

/// The answers the core may ask the shell for without waiting: read-only views (the agents'
/// directory, the flows and prompts loaded now) and the two resources it hands out at once (call
/// ids, RTP ports that bind without blocking). Nothing here reads a clock or does I/O that
/// waits; the simulation harness implements it in memory and checks that every port it bound
/// was released.
pub trait Env {
    /// A fresh call id for a call the core places.
    fn new_call_id(&mut self) -> CallId;
    /// Binds an RTP port for `call` (a call the core places); false when none is free. The port
    /// is released by `Output::Release(call)`.
    fn bind_port(&mut self, call: CallId) -> bool;
    fn agent(&self, id: AgentId) -> Option<AgentInfo>;
    fn agent_for_sip_user(&self, user: &str) -> Option<AgentId>;
    fn phone_registered(&self, agent: AgentId) -> bool;
    fn queue_names(&self) -> Vec<String>;
    /// The opening hours of queue `queue`, if it keeps any (a queue without is always open).
    fn queue_hours(&self, queue: &str) -> Option<QueueHours>;
    /// The flows new sessions start on (None: no IVR).
    fn flows(&self) -> Option<Arc<FlowSet>>;
    fn has_prompt(&self, folder: &str, name: &str) -> bool;
    /// The call's reference in the call records (None without a call log).
    fn call_ref(&self, call: CallId) -> Option<String>;
}

/// Where callbacks are dialled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackRoute {
    pub gateway: SocketAddr,
    pub caller_id: String,
}

/// The core's settings.
#[derive(Debug, Clone)]
pub struct CoreConfig {
    /// How long an inbound call rings before the engine answers.
    pub ring: Duration,
    /// The answer flow (no IVR) hangs up after this; None = never.
    pub answer_hangup: Option<Duration>,
    /// The flow answered calls start (None: the built-in answer flow).
    pub entry_flow: Option<String>,
    /// An ACD takes transferred calls.
    pub acd: bool,
    pub callbacks: Option<CallbackRoute>,
    /// Where a caller goes when the agent's leg ends first.
    pub after_agent_flow: String,
    /// The engine's language (the answer flow's prompts).
    pub language: String,
    /// Record answered calls.
    pub recording: bool,
    /// After the staff number, invite the caller to stay on the line for the survey (the flow
    /// after the agent), which the agent's hang-up then starts.
    pub survey_invite: bool,
    /// The outside numbers agents may have dialled, by role.
    pub dial_rules: crate::dialing::DialRules,
    /// Agents are told on their desk when a supervisor monitors their call (and in which
    /// mode); otherwise monitoring is silent.
    pub tell_monitored: bool,
}
