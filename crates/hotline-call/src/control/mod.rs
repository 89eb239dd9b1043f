//! The call controller as a pure state machine: what happens to each call (answer, IVR, queue,
//! offer, staff number, bridge, hold, transfer, callback, survey, hang-up), driven through the
//! core contract ([`hotline_core::Core`]): `handle(now, input)`, `poll_output()`,
//! `poll_timeout()`, `handle_timeout(now)`. Its shell (`crates/hotline/src/controller/`) turns
//! the SIP core's events, the legs' events, the router's outputs and the desktop's requests
//! into [`Input`]s, and carries out each [`Output`] (SIP commands, media legs, recordings,
//! router inputs, call records, screen pops, store lookups).
//!
//! Each dialog is a [`call::Call`]: what it is ([`call::Kind`]) and, for a customer's call, its
//! phase ([`crate::Phase`], in its timeline). Inputs are dispatched on those; an input a call's
//! kind or phase does not expect is logged and counted (`Metric::Unexpected`), never applied.
//! Timers (the ring before answer, the answer flow's limit, each IVR session's timer) are a set
//! inside the core, on the monotonic clock.
//!
//! The parts: [`answer`] (arrival, answer, the built-in answer flow, the end of a call),
//! [`ivr`] (IVR sessions), [`queue`] (the router's offers, the staff number, announcements,
//! leaving a queue), [`callback`] (callbacks and click-to-call), [`extension`] (calls to a
//! phone's extension; dialling), [`desk`] (the desktop's call control).

mod answer;
mod call;
mod callback;
mod campaign;
mod consult;
mod desk;
mod extension;
mod io;
mod ivr;
mod monitor;
mod notify;
mod outside;
mod preview;
mod queue;
mod refer;
mod timers;

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Instant;

use hotline_core::{CallId, Core, Now};

pub use io::{
    AgentInfo, Audience, CallAction, CallbackRoute, CampaignCall, CampaignOutcome, Channels,
    ControlError, CoreConfig, Dial, Env, Incoming, Input, IvrEnd, IvrOutcomeKind, LegEvent,
    LegOrder, LiveOut, LogEvent, Metric, MonitorMode, Music, Notify, NotifyOutcome, Output,
    Progressive, QueueHours, RecSide, RecordingOf, ReferReplaces, ScreenPop, SipOrder, Sound,
    TransferTarget,
};
pub use ivr::NodeCounters;

use call::Call;
use timers::{TimerKind, Timers};

/// The call core. See the module documentation.
pub struct CallCore {
    cfg: CoreConfig,
    env: Box<dyn Env + Send>,
    calls: HashMap<CallId, Call>,
    timers: Timers,
    out: VecDeque<Output>,
    wrapups: crate::wrapup::WrapUps,
    counters: Arc<NodeCounters>,
    /// Calls refused at arrival, until the SIP core reports their end (their record is closed
    /// then, once).
    refused: std::collections::HashSet<CallId>,
    /// The time of the input being handled.
    now: Now,
}

impl std::fmt::Debug for CallCore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallCore")
            .field("calls", &self.calls.len())
            .field("timers", &self.timers.len())
            .finish_non_exhaustive()
    }
}

impl CallCore {
    /// A core with no calls; `counters` collects the IVR's per-node counts for `/metrics`.
    pub fn new(
        cfg: CoreConfig,
        env: Box<dyn Env + Send>,
        counters: Arc<NodeCounters>,
        now: Now,
    ) -> CallCore {
        CallCore {
            cfg,
            env,
            calls: HashMap::new(),
            timers: Timers::default(),
            out: VecDeque::new(),
            wrapups: crate::wrapup::WrapUps::default(),
            counters,
            refused: std::collections::HashSet::new(),
            now,
        }
    }

    /// The calls kept now.
    pub fn call_count(&self) -> usize {
        self.calls.len()
    }

    /// The timers set now.
    pub fn timer_count(&self) -> usize {
        self.timers.len()
    }

    /// The phase of an inbound call (for tests and the simulation).
    pub fn phase(&self, call: CallId) -> Option<&crate::Phase> {
        self.calls
            .get(&call)
            .filter(|c| c.is_caller())
            .map(Call::phase)
    }

    /// What a call's flows recorded with `promise`, `opt_out` and `result` nodes, while the
    /// call lasts (for the campaign shell to come, issue 21; nothing stores it yet).
    pub fn outbound(&self, call: CallId) -> Option<hotline_ivr::outbound::Record> {
        self.calls.get(&call).map(|c| c.outbound)
    }

    /// The calls kept now, for the end of a run: each gets `Output::Release`.
    pub fn shut_down(&mut self) {
        let ids: Vec<CallId> = self.calls.keys().copied().collect();
        for id in ids {
            self.calls.remove(&id);
            self.timers.cancel_call(id);
            self.emit(Output::Release(id));
        }
    }

    fn emit(&mut self, o: Output) {
        self.out.push_back(o);
    }

    fn sip(&mut self, o: SipOrder) {
        self.out.push_back(Output::Sip(o));
    }

    fn leg(&mut self, call: CallId, order: LegOrder) {
        self.out.push_back(Output::Leg { call, order });
    }

    fn acd(&mut self, input: hotline_acd::Input) {
        if self.cfg.acd {
            self.out.push_back(Output::Acd(input));
        }
    }

    fn log(&mut self, e: LogEvent) {
        self.out.push_back(Output::Log(e));
    }

    /// An input the call's kind or phase does not expect: logged and counted, not applied.
    fn unexpected(&mut self, call: CallId, what: &'static str) {
        let phase = self.calls.get(&call).map_or("gone", |c| c.phase().name());
        tracing::debug!(%call, input = what, phase, "input not expected here; ignored");
        self.emit(Output::Metric(Metric::Unexpected(what)));
    }

    fn handle_input(&mut self, input: Input) {
        match input {
            Input::Incoming(inc) => self.incoming(inc),
            Input::Notify(n) => self.notify(n),
            Input::Campaign(c) => self.campaign(c),
            Input::Confirmed(call) => tracing::debug!(%call, "call up"),
            Input::HoldChanged { call, on_hold } => self.hold_changed(call, on_hold),
            Input::Progress { call, code } => {
                // The phone of a dialled extension rings: so does the caller's (an offer's or a
                // callback's ring is not the caller's news: it is answered already).
                let peer = self
                    .calls
                    .get(&call)
                    .and_then(|c| c.peer)
                    .filter(|p| self.calls.get(p).is_some_and(|p| !p.outbound() && !p.leg));
                if let (Some(peer), 180..=183) = (peer, code) {
                    self.sip(SipOrder::Ringing(peer));
                }
            }
            Input::Answered { call, usable } => self.answered(call, usable),
            Input::Ended { call, reason } => self.ended(call, reason),
            Input::Registration { user, contacts } => {
                self.emit(Output::Registration { user, contacts })
            }
            Input::Leg { call, event } => self.leg_event(call, event),
            Input::Acd(o) => self.acd_output(o),
            Input::Ivr { call, event } => self.ivr_event(call, event),
            Input::QueueTicket { call, number } => self.queue_ticket(call, number),
            Input::Desk {
                request,
                agent,
                action,
            } => {
                let result = self.desk(agent, action);
                self.emit(Output::DeskReply { request, result });
            }
            Input::Refer {
                call,
                user,
                replaces,
            } => self.refer(call, user, replaces),
        }
    }

    /// A call we placed was answered: dispatched on what it is.
    fn answered(&mut self, call: CallId, usable: bool) {
        // A second answer for the same call (a retransmitted 200 OK reported twice) changes
        // nothing.
        let Some(kind) = self
            .calls
            .get(&call)
            .filter(|c| !c.leg)
            .map(|c| c.kind.clone())
        else {
            return self.unexpected(call, "answered");
        };
        match kind {
            call::Kind::Offer { caller, agent, .. } => {
                self.offer_answered(call, caller, agent, usable)
            }
            call::Kind::Callback(leg) => self.callback_answered(call, leg, usable),
            call::Kind::ExtensionPhone { caller } => self.extension_answered(call, caller, usable),
            call::Kind::Outside { caller } => self.outside_answered(call, caller, usable),
            call::Kind::Notify(_) => self.notify_answered(call, usable),
            call::Kind::Campaign(_) => self.campaign_answered(call, usable),
            call::Kind::Monitor { caller, .. } => self.monitor_answered(call, caller, usable),
            call::Kind::Consult { caller, .. } => self.consult_answered(call, caller, usable),
            call::Kind::Inbound => self.unexpected(call, "answered"),
        }
    }

    fn fire(&mut self, call: CallId, kind: TimerKind) {
        match kind {
            TimerKind::Answer => self.answer(call),
            TimerKind::AnswerOver => {
                tracing::debug!(%call, "answer time over; hanging up");
                self.sip(SipOrder::Hangup(call));
            }
            TimerKind::Ivr(id) => self.ivr_event(call, hotline_ivr::interp::Event::Timer(id)),
            TimerKind::NotifyListen => self.notify_listened(call),
            TimerKind::CampaignWait => self.campaign_wait_over(call),
        }
    }
}

impl Core for CallCore {
    type Input = Input;
    type Output = Output;

    fn handle(&mut self, now: Now, input: Input) {
        self.now = now;
        self.handle_input(input);
    }

    fn poll_output(&mut self) -> Option<Output> {
        self.out.pop_front()
    }

    fn poll_timeout(&self) -> Option<Instant> {
        self.timers.next()
    }

    fn handle_timeout(&mut self, now: Now) {
        self.now = now;
        while let Some((call, kind)) = self.timers.pop_due(now.mono) {
            self.fire(call, kind);
        }
    }
}
