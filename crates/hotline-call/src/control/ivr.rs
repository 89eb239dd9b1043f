//! IVR sessions on answered calls (`hotline_ivr::interp::Session`, pure): the core plays the
//! session's prompts on the call's leg, turns keys and playback ends into events, keeps the
//! session's one timer, asks the shell for lookups and tickets (their answers come back as
//! inputs), hands a transfer to the router, and reports how the session ended (the call log,
//! and once per call `/metrics`). A call keeps the flow set it started with.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hotline_acd::{CallRequest, Tier};
use hotline_core::CallId;
use hotline_ivr::interp::{
    Action, CallInfo, Event, Exit, LookupRequest, Outcome, Session, TransferRequest,
};
use hotline_ivr::FlowSet;

use super::call::Call;
use super::io::{
    IvrEnd, IvrOutcomeKind, LegOrder, LogEvent, Metric, Music, Output, SipOrder, Sound,
};
use super::queue::Opening;
use super::timers::TimerKind;
use super::CallCore;
use crate::phase::{IvrOutcome, Phase};

/// Counts per node and exit, for the metrics: (flow, node, exit) → calls.
#[derive(Debug, Default)]
pub struct NodeCounters {
    counts: Mutex<HashMap<(String, String, String), u64>>,
}

impl NodeCounters {
    fn add(&self, flow: &str, node: &str, exit: &str) {
        if let Ok(mut m) = self.counts.lock() {
            *m.entry((flow.into(), node.into(), exit.into()))
                .or_default() += 1;
        }
    }

    /// A copy of the counts; the exit `entered` counts entries.
    pub fn snapshot(&self) -> Vec<((String, String, String), u64)> {
        self.counts
            .lock()
            .map(|m| m.iter().map(|(k, v)| (k.clone(), *v)).collect())
            .unwrap_or_default()
    }
}

/// One call's IVR session.
pub(crate) struct IvrCall {
    session: Session,
    flows: Arc<FlowSet>,
    /// A `Play` is under way on the leg.
    playing: bool,
    /// Set once the session ended (transfer or hang-up), so the call log hears it once.
    outcome: Option<IvrEnd>,
    /// Why the flow transferred the call (its `reason`).
    transfer_reason: String,
    /// The call's first session (the entry flow), the one `/metrics` counts.
    entry: bool,
}

impl std::fmt::Debug for IvrCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IvrCall")
            .field("path", &self.session.path())
            .field("playing", &self.playing)
            .field("outcome", &self.outcome)
            .finish_non_exhaustive()
    }
}

impl IvrCall {
    /// The account of the customer the flow identified.
    pub(crate) fn customer_account(&self) -> Option<String> {
        match self.session.vars().get("customer")?.field("account") {
            hotline_ivr::Value::Text(s) if !s.is_empty() => Some(s.clone()),
            _ => None,
        }
    }

    /// The nodes the caller went through, `flow/node` joined by `>`.
    pub(crate) fn path(&self) -> String {
        self.session.path()
    }

    /// The nodes the caller went through in this flow, `flow/node` each.
    pub(crate) fn steps(&self) -> Vec<String> {
        self.session
            .path()
            .split('>')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    }

    /// How the entry session ended, for the call record (none while it runs, for a transfer,
    /// and for sessions after the entry one).
    pub(crate) fn record_outcome(&self) -> Option<IvrOutcome> {
        match self.session.outcome()? {
            _ if !self.entry => None,
            Outcome::SelfServed => Some(IvrOutcome::SelfServed),
            Outcome::Abandoned => Some(IvrOutcome::Abandoned),
            Outcome::Unserved => Some(IvrOutcome::Unserved),
            Outcome::Transferred => None,
        }
    }

    /// The language the caller chose (or the flow's first).
    pub(crate) fn language(&self) -> &str {
        self.session.language()
    }

    pub(crate) fn transfer_reason(&self) -> &str {
        &self.transfer_reason
    }

    /// The queue the flow (or a desktop's transfer) handed the call to.
    pub(crate) fn queue(&self) -> Option<String> {
        match &self.outcome {
            Some(IvrEnd::Transferred(q)) => Some(q.clone()),
            _ => None,
        }
    }

    pub(crate) fn set_queue(&mut self, queue: String) {
        self.outcome = Some(IvrEnd::Transferred(queue));
    }
}

/// Longest a session timer may be set for (a flow's timers are seconds; this bounds a bad `at`).
const MAX_TIMER: Duration = Duration::from_secs(86_400);

impl CallCore {
    /// Starts `flow` on the answered call `call` (`entry`: its first session; `language`: the
    /// caller's, empty for the flow's first). False when the flow is not loaded.
    pub(super) fn start_ivr(
        &mut self,
        call: CallId,
        flow: &str,
        entry: bool,
        language: &str,
    ) -> bool {
        let Some((flows, idx, c)) = self.flow_for(call, flow) else {
            return false;
        };
        let info = CallInfo {
            caller: c.caller.clone(),
            dialled: c.dialled.clone(),
            language: language.to_string(),
        };
        let (session, actions) = Session::start(Arc::clone(&flows), idx, info, self.now.unix_ms);
        self.run_session(call, session, flows, entry, actions)
    }

    /// Starts `flow` on the answered campaign call `call` with `target` (the customer's
    /// data): `caller` is the customer's number; not the entry session (not counted in the
    /// IVR's containment). False when the flow is not loaded.
    pub(super) fn start_ivr_outbound(
        &mut self,
        call: CallId,
        flow: &str,
        target: hotline_ivr::Value,
    ) -> bool {
        let Some((flows, idx, c)) = self.flow_for(call, flow) else {
            return false;
        };
        let info = CallInfo {
            caller: c.dialled.clone(),
            dialled: c.caller.clone(),
            language: String::new(),
        };
        let (session, actions) =
            Session::start_outbound(Arc::clone(&flows), idx, info, target, self.now.unix_ms);
        self.run_session(call, session, flows, false, actions)
    }

    /// The loaded flow set, `flow`'s index in it, and the call, when all three are there.
    fn flow_for(
        &self,
        call: CallId,
        flow: &str,
    ) -> Option<(Arc<FlowSet>, hotline_ivr::FlowIdx, &Call)> {
        let flows = self.env.flows()?;
        let idx = flows.find(flow)?;
        Some((flows, idx, self.calls.get(&call)?))
    }

    fn run_session(
        &mut self,
        call: CallId,
        session: Session,
        flows: Arc<FlowSet>,
        entry: bool,
        actions: Vec<Action>,
    ) -> bool {
        let Some(c) = self.calls.get_mut(&call) else {
            return false;
        };
        c.ivr = Some(IvrCall {
            session,
            flows,
            playing: false,
            outcome: None,
            transfer_reason: String::new(),
            entry,
        });
        self.timers.cancel(call, TimerKind::Ivr(0));
        self.apply_ivr(call, actions);
        self.ivr_phase(call);
        true
    }

    pub(super) fn ivr_digit(&mut self, call: CallId, digit: char) {
        self.feed(call, Event::Digit(digit));
    }

    pub(super) fn ivr_playback_done(&mut self, call: CallId, interrupted: bool) {
        // An interrupted list was stopped on purpose (barge-in, or replaced by a new one).
        let Some(s) = self.calls.get_mut(&call).and_then(|c| c.ivr.as_mut()) else {
            return;
        };
        if interrupted || !s.playing {
            return;
        }
        s.playing = false;
        self.feed(call, Event::PlayDone);
    }

    /// A timer, lookup or ticket answer for the call's session.
    pub(super) fn ivr_event(&mut self, call: CallId, event: Event) {
        let running = self
            .calls
            .get(&call)
            .and_then(|c| c.ivr.as_ref())
            .is_some_and(|s| !s.session.ended());
        if !running {
            return self.unexpected(call, "ivr");
        }
        self.feed(call, event);
        self.ivr_phase(call);
    }

    fn feed(&mut self, call: CallId, event: Event) {
        let now = self.now.unix_ms;
        let Some(s) = self.calls.get_mut(&call).and_then(|c| c.ivr.as_mut()) else {
            return;
        };
        if s.session.ended() {
            return;
        }
        let actions = s.session.handle(event, now);
        self.apply_ivr(call, actions);
    }

    /// The call ended before its flow did: the session ends where it is (abandoned in the
    /// IVR). True when the flow was still running.
    pub(super) fn ivr_hung_up(&mut self, call: CallId, ended: &mut Call) -> bool {
        let Some(s) = ended.ivr.as_mut() else {
            return false;
        };
        if s.session.ended() {
            return false;
        }
        let actions = s.session.handle(Event::Hangup, self.now.unix_ms);
        for a in &actions {
            count(&self.counters, s, a);
        }
        self.session_finished(call, s, None);
        true
    }

    /// After the session moved: a flow's transfer puts the call in its queue's phase; an
    /// entry session that ended tells the record how.
    pub(super) fn ivr_phase(&mut self, call: CallId) {
        let now = self.now;
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        let Some(s) = c.ivr.as_ref() else { return };
        if let Some(outcome) = s.record_outcome() {
            c.timeline.set_ivr_outcome(outcome);
        }
        let queue = s
            .queue()
            .filter(|_| matches!(c.phase(), Phase::Ivr { .. } | Phase::AfterAgent { .. }));
        if let Some(queue) = queue {
            c.timeline.enter(now, Phase::Queued { queue });
        }
    }

    fn apply_ivr(&mut self, call: CallId, actions: Vec<Action>) {
        let mut queue = VecDeque::from(actions);
        while let Some(action) = queue.pop_front() {
            let now = self.now;
            let Some(c) = self.calls.get_mut(&call) else {
                return;
            };
            let caller = c.caller.clone();
            let campaign = matches!(c.kind, super::call::Kind::Campaign(_));
            let Some(s) = c.ivr.as_mut() else { return };
            count(&self.counters, s, &action);
            match action {
                Action::Play {
                    prompts, barge_in, ..
                } => {
                    let sounds: Vec<Sound> = prompts
                        .iter()
                        .filter(|p| {
                            let found = self.env.has_prompt(&p.folder, &p.name);
                            if !found {
                                tracing::warn!(%call, prompt = %p, "prompt missing; skipped");
                            }
                            found
                        })
                        .map(|p| Sound::library(&p.folder, &p.name))
                        .collect();
                    if sounds.is_empty() {
                        // Nothing to play is played at once.
                        queue.extend(s.session.handle(Event::PlayDone, now.unix_ms));
                    } else {
                        s.playing = true;
                        self.leg(
                            call,
                            LegOrder::Play {
                                sounds,
                                interruptible: barge_in,
                            },
                        );
                    }
                }
                Action::StopPlay => {
                    s.playing = false;
                    self.leg(call, LegOrder::StopPlayback);
                }
                Action::Timer { id, at } => {
                    let wait = u64::try_from(at.saturating_sub(now.unix_ms)).unwrap_or(0);
                    let wait = Duration::from_millis(wait).min(MAX_TIMER);
                    self.timers.set(call, TimerKind::Ivr(id), now.mono + wait);
                }
                Action::Lookup { id, request } => {
                    if let LookupRequest::SubmitSurvey { score } = &request {
                        if let Some(n) = survey_score(score) {
                            self.log(LogEvent::Survey { call, score: n });
                            self.emit(Output::Metric(Metric::SurveyAnswered));
                        }
                    }
                    self.emit(Output::Lookup { call, id, request });
                }
                Action::OpenTicket { id, request } => {
                    self.emit(Output::OpenTicket { call, id, request })
                }
                Action::SetLanguage(lang) => tracing::debug!(%call, %lang, "language"),
                Action::Outbound(o) => {
                    // Kept on the call for the campaign shell (issue 21), not stored yet.
                    let (flow, node) = s.session.position();
                    tracing::info!(%call, %flow, %node, outbound = ?o, "ivr outbound: kept on the call, not stored");
                    c.outbound.add(o);
                }
                Action::Enter { .. } | Action::Exit { .. } => {}
                Action::Warning(w) => {
                    let (flow, node) = s.session.position();
                    tracing::warn!(%call, %flow, %node, "ivr: {w}");
                }
                Action::Transfer(t) if campaign => {
                    // A campaign's customer asked for an agent: that queue, like any caller.
                    s.transfer_reason.clone_from(&t.reason);
                    self.finish_session(call, Some(t.queue.clone()));
                    self.campaign_transfer(call, &t.queue, &t.reason);
                }
                Action::Transfer(t) => {
                    // The caller waits with music; the router offers the call to an agent.
                    tracing::info!(%call, queue = %t.queue, reason = %t.reason, "ivr transfer");
                    s.transfer_reason.clone_from(&t.reason);
                    self.leg(call, LegOrder::StopPlayback);
                    match self.opening(&t.queue) {
                        Opening::Open(queue) => {
                            let mut req = self.call_request(call, &t);
                            req.callback_number = self.callback_number(&caller);
                            if queue != t.queue {
                                // Closed, and sent on to an open (duty) queue: it waits there.
                                if let Some(c) = self.calls.get_mut(&call) {
                                    c.after_hours = Some(t.queue.clone());
                                    let queue = queue.clone();
                                    c.timeline.enter(now, Phase::Queued { queue });
                                }
                            }
                            req.queue.clone_from(&queue);
                            self.leg(call, LegOrder::Music(Some(Music::Library)));
                            self.acd(hotline_acd::Input::CallArrived(req));
                            self.finish_session(call, Some(queue));
                        }
                        Opening::Closed { queue, hours } => {
                            self.finish_session(call, Some(t.queue.clone()));
                            self.closed_queue(call, queue, hours);
                        }
                    }
                }
                Action::Hangup => {
                    self.finish_session(call, None);
                    self.sip(SipOrder::Hangup(call));
                }
            }
        }
    }

    fn finish_session(&mut self, call: CallId, queue: Option<String>) {
        let Some(mut c) = self.calls.remove(&call) else {
            return;
        };
        // A campaign call has no record to tell (its outcome goes to the campaign).
        let recorded = c.campaign().is_none();
        if let Some(s) = c.ivr.as_mut().filter(|_| recorded) {
            self.session_finished(call, s, queue);
        }
        self.calls.insert(call, c);
    }

    /// The session has ended: its outcome goes to the call log and, for the entry session,
    /// to `/metrics`. `queue`: where a transfer sent the caller.
    fn session_finished(&mut self, call: CallId, s: &mut IvrCall, queue: Option<String>) {
        let Some(outcome) = s.session.outcome() else {
            return;
        };
        if s.entry {
            let kind = match outcome {
                Outcome::SelfServed => IvrOutcomeKind::SelfServed,
                Outcome::Transferred => IvrOutcomeKind::Transferred,
                Outcome::Abandoned => IvrOutcomeKind::Abandoned,
                Outcome::Unserved => IvrOutcomeKind::Unserved,
            };
            self.emit(Output::Metric(Metric::IvrEnded(kind)));
        }
        let logged = match (outcome, queue) {
            (Outcome::Transferred, q) => IvrEnd::Transferred(q.unwrap_or_default()),
            (Outcome::SelfServed, _) => IvrEnd::SelfServed,
            (Outcome::Abandoned, _) => IvrEnd::Abandoned,
            (Outcome::Unserved, _) => IvrEnd::Unserved,
        };
        tracing::debug!(%call, outcome = outcome.as_str(), served = s.session.served(), "ivr ended");
        s.outcome = Some(logged.clone());
        self.log(LogEvent::IvrEnded {
            call,
            path: s.session.path(),
            outcome: logged,
            account: s.customer_account(),
            at: self.now.unix_ms,
        });
    }

    /// What the router needs of a transferred call.
    fn call_request(&self, call: CallId, t: &TransferRequest) -> CallRequest {
        CallRequest {
            id: call,
            queue: t.queue.clone(),
            skills: t.skills.clone(),
            language: Some(t.language.clone()).filter(|l| !l.is_empty()),
            priority: t.priority,
            tier: match t.tier.as_deref() {
                Some("key_account") => Tier::KeyAccount,
                _ => Tier::Standard,
            },
            preferred_agent: t
                .preferred_agent
                .as_deref()
                .and_then(|u| self.env.agent_for_sip_user(u)),
            customer: t.customer_account.clone(),
            reason: t.reason.clone(),
            callback_number: None,
        }
    }
}

/// Counts entries and exits per node.
fn count(counters: &NodeCounters, s: &IvrCall, action: &Action) {
    let (flow, node, exit) = match action {
        Action::Enter { flow, node } => (*flow, *node, None),
        Action::Exit { flow, node, exit } => (*flow, *node, Some(*exit)),
        _ => return,
    };
    let Some(f) = s.flows.flows.get(flow) else {
        return;
    };
    let node = f.nodes.get(node).map_or("?", |n| n.id.as_str());
    let exit = exit.map_or_else(|| "entered".to_string(), Exit::label);
    counters.add(&f.name, node, &exit);
}

/// A survey rating, 1 to 5.
pub(crate) fn survey_score(s: &str) -> Option<i64> {
    s.trim().parse().ok().filter(|n| (1..=5).contains(n))
}
