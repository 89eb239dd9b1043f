//! IVR flows on answered calls: the shell around `hotline_ivr::interp::Session`. It plays
//! the session's prompts on the call's media leg, turns the leg's digits and playback ends
//! into events, keeps the session's one timer, runs lookups and ticket creation as tasks
//! whose answers come back through the controller's loop, and reports how the IVR part of
//! the call ended (the session's `Outcome`: self-served, transferred, abandoned, unserved) to
//! the call log and, once per call, to `/metrics`. Tickets the flow opens are linked to the
//! call's record. The flows are shared and swapped whole on reload: a call keeps the set it
//! started with.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use hotline_ivr::interp::{Action, CallInfo, Event, Exit, LookupRequest, Outcome, Session};
use hotline_ivr::FlowSet;
use hotline_media::leg::{LegCommand, LegHandle};
use hotline_media::prompt::PromptLibrary;
use hotline_sip::{CallRef, Command, SipHandle};
use hotline_store::{CustomerSource, Store};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tracing::{debug, info, warn};

use super::call_log::{CallLog, IvrOutcome};
use super::{ivr_data, Internal};
use crate::storage::now_ms;

/// Longest a lookup may take when the flow does not say (the flow's own timeout decides
/// first; this bounds the task).
const TASK_TIMEOUT: Duration = Duration::from_secs(30);

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

/// What every IVR call shares.
#[derive(Clone)]
pub struct IvrRuntime {
    flows: Arc<RwLock<Arc<FlowSet>>>,
    pub(super) entry: String,
    prompts: Arc<PromptLibrary>,
    source: Arc<dyn CustomerSource>,
    store: Option<Store>,
    pub counters: Arc<NodeCounters>,
    /// Outcomes and lookups for `/metrics`.
    metrics: Option<Arc<hotline_metrics::Metrics>>,
    /// Where `transfer` sends callers; None: they wait with music.
    acd: Option<crate::acd::AcdHandle>,
    /// Callbacks can be dialled: transferred calls carry the caller's number for them.
    callbacks: bool,
}

impl std::fmt::Debug for IvrRuntime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IvrRuntime")
            .field("entry", &self.entry)
            .field("flows", &self.current().flows.len())
            .finish_non_exhaustive()
    }
}

impl IvrRuntime {
    pub fn new(
        flows: FlowSet,
        entry: String,
        prompts: Arc<PromptLibrary>,
        source: Arc<dyn CustomerSource>,
        store: Option<Store>,
    ) -> IvrRuntime {
        IvrRuntime {
            flows: Arc::new(RwLock::new(Arc::new(flows))),
            entry,
            prompts,
            source,
            store,
            counters: Arc::default(),
            metrics: None,
            acd: None,
            callbacks: false,
        }
    }

    /// Session outcomes and lookups are counted in `metrics`.
    pub fn with_metrics(mut self, metrics: Arc<hotline_metrics::Metrics>) -> IvrRuntime {
        self.metrics = Some(metrics);
        self
    }

    /// The (flow, node) pairs of the flows loaded now.
    pub fn node_names(&self) -> Vec<(String, String)> {
        self.current()
            .flows
            .iter()
            .flat_map(|f| f.nodes.iter().map(|n| (f.name.clone(), n.id.clone())))
            .collect()
    }

    fn ended(&self, outcome: hotline_metrics::IvrOutcome) {
        if let Some(m) = &self.metrics {
            m.ivr_ended(outcome);
        }
    }

    /// Transfers go to this ACD; with `callbacks`, queued callers can be called back.
    pub fn with_acd(mut self, acd: crate::acd::AcdHandle, callbacks: bool) -> IvrRuntime {
        self.acd = Some(acd);
        self.callbacks = callbacks;
        self
    }

    /// The names of the ACD's queues now (`None` without an ACD).
    pub fn queue_names(&self) -> Option<Vec<String>> {
        self.acd.as_ref().map(crate::acd::AcdHandle::queue_names)
    }

    /// The store tickets are opened in.
    pub fn store(&self) -> Option<Store> {
        self.store.clone()
    }

    /// The prompts (for queue announcements).
    pub fn prompts(&self) -> &PromptLibrary {
        &self.prompts
    }

    /// The flows new calls start on.
    pub fn current(&self) -> Arc<FlowSet> {
        match self.flows.read() {
            Ok(f) => Arc::clone(&f),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Replaces the flows for calls that start from now on.
    pub fn replace(&self, flows: FlowSet) {
        let flows = Arc::new(flows);
        match self.flows.write() {
            Ok(mut f) => *f = flows,
            Err(poisoned) => *poisoned.into_inner() = flows,
        }
    }
}

/// One call's IVR.
pub(super) struct IvrCall {
    session: Session,
    flows: Arc<FlowSet>,
    /// A `Play` is under way on the leg.
    playing: bool,
    timer: Option<JoinHandle<()>>,
    /// Set once the session ended (transfer or hang-up), so the call log hears it once.
    outcome: Option<IvrOutcome>,
    /// The calling number.
    caller: String,
    /// Why the flow transferred the call (its `reason`).
    transfer_reason: String,
    /// The call's first IVR session (the entry flow), the one `/metrics` counts; a session
    /// started later on the same call (the survey after an agent, a flow the desktop sent the
    /// caller to) is not another IVR call.
    entry: bool,
}

impl Drop for IvrCall {
    fn drop(&mut self) {
        if let Some(t) = self.timer.take() {
            t.abort();
        }
    }
}

/// What the shell needs to act for one call.
pub(super) struct Ctx<'a> {
    pub(super) call: CallRef,
    pub(super) leg: &'a LegHandle,
    pub(super) sip: &'a SipHandle,
    pub(super) tx: &'a mpsc::UnboundedSender<Internal>,
    pub(super) log: Option<&'a CallLog>,
}

/// Starts the entry flow on an answered call.
pub(super) fn start(
    rt: &IvrRuntime,
    ctx: &Ctx<'_>,
    caller: &str,
    dialled: &str,
) -> Option<IvrCall> {
    let started = start_session(rt, ctx, &rt.entry, caller, dialled, true, "");
    if started.is_none() {
        warn!(call = %ctx.call, flow = %rt.entry, "entry flow not loaded");
    }
    started
}

/// A key the caller pressed.
pub(super) fn digit(rt: &IvrRuntime, ivr: &mut IvrCall, digit: char, ctx: &Ctx<'_>) {
    feed(rt, ivr, Event::Digit(digit), ctx);
}

/// The leg finished (or stopped) playing.
pub(super) fn playback_done(rt: &IvrRuntime, ivr: &mut IvrCall, interrupted: bool, ctx: &Ctx<'_>) {
    // An interrupted list was stopped on purpose (barge-in, or replaced by a new one).
    if interrupted || !ivr.playing {
        return;
    }
    ivr.playing = false;
    feed(rt, ivr, Event::PlayDone, ctx);
}

/// A timer, lookup or ticket answer for this call.
pub(super) fn event(rt: &IvrRuntime, ivr: &mut IvrCall, ev: Event, ctx: &Ctx<'_>) {
    feed(rt, ivr, ev, ctx);
}

/// The call ended before the flow did (the caller hung up, or the media stopped): the
/// session ends where it is, and the call log hears it was abandoned in the IVR.
/// True when the flow was still running (the caller abandoned it).
pub(super) fn hung_up(
    rt: &IvrRuntime,
    ivr: &mut IvrCall,
    log: Option<&CallLog>,
    call: CallRef,
) -> bool {
    if ivr.session.ended() {
        return false;
    }
    let actions = ivr.session.handle(Event::Hangup, now_ms());
    count(rt, ivr, &actions);
    finished(rt, ivr, log, call, None);
    true
}

/// The session has ended: its outcome goes to the call log and, for the entry session, to
/// `/metrics`. `queue`: where a transfer sent the caller.
fn finished(
    rt: &IvrRuntime,
    ivr: &mut IvrCall,
    log: Option<&CallLog>,
    call: CallRef,
    queue: Option<String>,
) {
    let Some(outcome) = ivr.session.outcome() else {
        return;
    };
    if ivr.entry {
        rt.ended(match outcome {
            Outcome::SelfServed => hotline_metrics::IvrOutcome::SelfServed,
            Outcome::Transferred => hotline_metrics::IvrOutcome::Transferred,
            Outcome::Abandoned => hotline_metrics::IvrOutcome::Abandoned,
            Outcome::Unserved => hotline_metrics::IvrOutcome::Unserved,
        });
    }
    let logged = match (outcome, queue) {
        (Outcome::Transferred, Some(q)) => IvrOutcome::Transferred(q),
        (Outcome::Transferred, None) => IvrOutcome::Transferred(String::new()),
        (Outcome::SelfServed, _) => IvrOutcome::SelfServed,
        (Outcome::Abandoned, _) => IvrOutcome::Abandoned,
        (Outcome::Unserved, _) => IvrOutcome::Unserved,
    };
    debug!(%call, outcome = outcome.as_str(), served = ivr.session.served(), "ivr ended");
    ivr.outcome = Some(logged);
    if let (Some(log), Some(outcome)) = (log, &ivr.outcome) {
        log.ivr_ended(call, ivr.session.path(), outcome.clone(), account_of(ivr));
    }
}

fn feed(rt: &IvrRuntime, ivr: &mut IvrCall, ev: Event, ctx: &Ctx<'_>) {
    if ivr.session.ended() {
        return;
    }
    let actions = ivr.session.handle(ev, now_ms());
    apply(rt, ivr, actions, ctx);
}

fn count(rt: &IvrRuntime, ivr: &IvrCall, actions: &[Action]) {
    for a in actions {
        let (flow, node, exit) = match a {
            Action::Enter { flow, node } => (*flow, *node, None),
            Action::Exit { flow, node, exit } => (*flow, *node, Some(*exit)),
            _ => continue,
        };
        let Some(f) = ivr.flows.flows.get(flow) else {
            continue;
        };
        let node = f.nodes.get(node).map_or("?", |n| n.id.as_str());
        let exit = exit.map_or_else(|| "entered".to_string(), Exit::label);
        rt.counters.add(&f.name, node, &exit);
    }
}

fn apply(rt: &IvrRuntime, ivr: &mut IvrCall, actions: Vec<Action>, ctx: &Ctx<'_>) {
    let mut queue = VecDeque::from(actions);
    while let Some(action) = queue.pop_front() {
        count(rt, ivr, std::slice::from_ref(&action));
        match action {
            Action::Play {
                prompts, barge_in, ..
            } => {
                let list: Vec<_> = prompts
                    .iter()
                    .filter_map(|p| {
                        let found = rt.prompts.get(&p.folder, &p.name);
                        if found.is_none() {
                            warn!(call = %ctx.call, prompt = %p, "prompt missing; skipped");
                        }
                        found
                    })
                    .collect();
                if list.is_empty() {
                    // Nothing to play is played at once.
                    queue.extend(ivr.session.handle(Event::PlayDone, now_ms()));
                } else {
                    debug!(call = %ctx.call, prompts = list.len(), first = %prompts[0], "ivr play");
                    ctx.leg.send(LegCommand::Play {
                        prompts: list,
                        interruptible: barge_in,
                    });
                    ivr.playing = true;
                }
            }
            Action::StopPlay => {
                ctx.leg.send(LegCommand::StopPlayback);
                ivr.playing = false;
            }
            Action::Timer { id, at } => {
                if let Some(t) = ivr.timer.take() {
                    t.abort();
                }
                let wait = Duration::from_millis((at - now_ms()).max(0) as u64);
                let (tx, call) = (ctx.tx.clone(), ctx.call);
                ivr.timer = Some(tokio::spawn(async move {
                    tokio::time::sleep(wait).await;
                    let _ = tx.send(Internal::Ivr(call, Event::Timer(id)));
                }));
            }
            Action::Lookup { id, request } => {
                debug!(call = %ctx.call, what = lookup_kind(&request), "ivr lookup");
                if let LookupRequest::SubmitSurvey { score } = &request {
                    if let (Some(log), Some(n)) = (ctx.log, ivr_data::survey_score(score)) {
                        log.survey(ctx.call, n);
                    }
                }
                let (tx, call, source) = (ctx.tx.clone(), ctx.call, Arc::clone(&rt.source));
                let metrics = rt.metrics.clone();
                let what = lookup_kind(&request);
                // A ticket the lookup opens (a queried reading) is linked to the call.
                let link = rt.store.clone().zip(ctx.log.map(|l| l.call_ref(ctx.call)));
                tokio::spawn(async move {
                    let asked = std::time::Instant::now();
                    let now = now_ms();
                    let (result, opened) =
                        ivr_data::lookup_opening(source.as_ref(), request, TASK_TIMEOUT, now).await;
                    if let (Some(ticket), Some((store, call_ref))) = (opened, link) {
                        info!(%call, ticket, "ticket opened by the IVR's lookup");
                        ivr_data::link_when_recorded(store, call_ref, ticket, now);
                    }
                    debug!(%call, ms = asked.elapsed().as_millis() as u64, found = matches!(result, hotline_ivr::interp::LookupResult::Found(_)), "ivr lookup answered");
                    if let Some(m) = metrics {
                        use hotline_ivr::interp::LookupResult;
                        let outcome = match &result {
                            LookupResult::Found(_) => hotline_metrics::LookupOutcome::Found,
                            LookupResult::NotFound => hotline_metrics::LookupOutcome::NotFound,
                            LookupResult::Failed(_) => hotline_metrics::LookupOutcome::Error,
                        };
                        m.ivr_lookup(what, outcome, asked.elapsed().as_secs_f64());
                    }
                    let _ = tx.send(Internal::Ivr(call, Event::Lookup { id, result }));
                });
            }
            Action::OpenTicket { id, request } => {
                let (tx, call) = (ctx.tx.clone(), ctx.call);
                let call_ref = ctx.log.map(|l| l.call_ref(call));
                match rt.store.clone() {
                    Some(store) => {
                        tokio::spawn(async move {
                            let (r, now) = (call_ref.as_deref(), now_ms());
                            let result =
                                ivr_data::open_ticket(&store, request, r, TASK_TIMEOUT, now).await;
                            if let Ok(t) = &result {
                                info!(%call, ticket = t.id, "ticket opened by the IVR");
                            }
                            let _ = tx.send(Internal::Ivr(call, Event::Ticket { id, result }));
                        });
                    }
                    None => queue.extend(ivr.session.handle(
                        Event::Ticket {
                            id,
                            result: Err("no store".into()),
                        },
                        now_ms(),
                    )),
                }
            }
            Action::SetLanguage(lang) => debug!(call = %ctx.call, %lang, "language"),
            Action::Enter { .. } | Action::Exit { .. } => {}
            Action::Warning(w) => {
                let (flow, node) = ivr.session.position();
                warn!(call = %ctx.call, %flow, %node, "ivr: {w}");
            }
            Action::Transfer(t) => {
                // The caller waits with music; the ACD offers the call to an agent.
                info!(call = %ctx.call, queue = %t.queue, reason = %t.reason, "ivr transfer");
                ctx.leg.send(LegCommand::StopPlayback);
                ctx.leg
                    .send(LegCommand::MusicOnHold(rt.prompts.get("common", "moh")));
                if let Some(acd) = &rt.acd {
                    let callback_number = rt
                        .callbacks
                        .then(|| super::callback::dialable(&ivr.caller))
                        .flatten();
                    let mut req = call_request(acd, ctx.call, &t);
                    req.callback_number = callback_number;
                    acd.send(hotline_acd::Input::CallArrived(req));
                }
                ivr.transfer_reason.clone_from(&t.reason);
                finished(rt, ivr, ctx.log, ctx.call, Some(t.queue.clone()));
            }
            Action::Hangup => {
                finished(rt, ivr, ctx.log, ctx.call, None);
                ctx.sip.send(Command::Hangup(ctx.call));
            }
        }
    }
}

/// What the router needs of a transferred call.
fn call_request(
    acd: &crate::acd::AcdHandle,
    call: CallRef,
    t: &hotline_ivr::interp::TransferRequest,
) -> hotline_acd::CallRequest {
    hotline_acd::CallRequest {
        id: hotline_acd::CallId(call.0),
        queue: t.queue.clone(),
        skills: t.skills.clone(),
        language: Some(t.language.clone()).filter(|l| !l.is_empty()),
        priority: t.priority,
        tier: match t.tier.as_deref() {
            Some("key_account") => hotline_acd::Tier::KeyAccount,
            _ => hotline_acd::Tier::Standard,
        },
        preferred_agent: t
            .preferred_agent
            .as_deref()
            .and_then(|u| acd.agent_for_sip_user(u)),
        customer: t.customer_account.clone(),
        reason: t.reason.clone(),
        callback_number: None,
    }
}

impl IvrCall {
    /// The account of the customer the flow identified.
    pub(super) fn customer_account(&self) -> Option<String> {
        account_of(self)
    }

    /// The nodes the caller went through, `flow/node` joined by `>`.
    pub(super) fn path(&self) -> String {
        self.session.path()
    }

    /// The nodes the caller went through in this flow, `flow/node` each.
    pub(super) fn steps(&self) -> Vec<String> {
        self.session
            .path()
            .split('>')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    }

    /// How the entry session ended, for the call record (none while it runs, for a transfer,
    /// and for sessions after the entry one).
    pub(super) fn record_outcome(&self) -> Option<hotline_call::phase::IvrOutcome> {
        use hotline_call::phase::IvrOutcome as O;
        match self.session.outcome()? {
            _ if !self.entry => None,
            Outcome::SelfServed => Some(O::SelfServed),
            Outcome::Abandoned => Some(O::Abandoned),
            Outcome::Unserved => Some(O::Unserved),
            Outcome::Transferred => None,
        }
    }

    /// The language the caller chose (or the flow's first).
    pub(super) fn language(&self) -> &str {
        self.session.language()
    }

    /// Why the flow transferred the call.
    pub(super) fn transfer_reason(&self) -> &str {
        &self.transfer_reason
    }

    /// The queue the flow handed the call to.
    pub(super) fn queue(&self) -> Option<String> {
        match &self.outcome {
            Some(IvrOutcome::Transferred(q)) => Some(q.clone()),
            _ => None,
        }
    }

    /// The call was put into `queue` again (a transfer from the desktop).
    pub(super) fn set_queue(&mut self, queue: String) {
        self.outcome = Some(IvrOutcome::Transferred(queue));
    }

    /// The flow handed the call to a queue.
    pub(super) fn transferred(&self) -> bool {
        matches!(self.outcome, Some(IvrOutcome::Transferred(_)))
    }
}

/// Starts `flow` (e.g. the survey after an agent hung up) on a call already answered: not
/// the call's IVR in `/metrics`, which counted its entry session. `language` is the caller's
/// (empty: the flow's first).
pub(super) fn start_flow(
    rt: &IvrRuntime,
    ctx: &Ctx<'_>,
    flow: &str,
    caller: &str,
    dialled: &str,
    language: &str,
) -> Option<IvrCall> {
    start_session(rt, ctx, flow, caller, dialled, false, language)
}

fn start_session(
    rt: &IvrRuntime,
    ctx: &Ctx<'_>,
    flow: &str,
    caller: &str,
    dialled: &str,
    entry: bool,
    language: &str,
) -> Option<IvrCall> {
    let flows = rt.current();
    let idx = flows.find(flow)?;
    let info = CallInfo {
        caller: caller.to_string(),
        dialled: dialled.to_string(),
        language: language.to_string(),
    };
    let (session, actions) = Session::start(Arc::clone(&flows), idx, info, now_ms());
    let mut ivr = IvrCall {
        session,
        flows,
        playing: false,
        timer: None,
        outcome: None,
        caller: caller.to_string(),
        transfer_reason: String::new(),
        entry,
    };
    apply(rt, &mut ivr, actions, ctx);
    Some(ivr)
}

/// The account of the customer the flow identified, if any.
fn account_of(ivr: &IvrCall) -> Option<String> {
    match ivr.session.vars().get("customer")?.field("account") {
        hotline_ivr::Value::Text(s) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

/// The kind of a lookup, as the metrics name it.
fn lookup_kind(r: &hotline_ivr::interp::LookupRequest) -> &'static str {
    use hotline_ivr::interp::LookupRequest as L;
    match r {
        L::CustomerByCaller { .. } => "customer_by_caller",
        L::CustomerByAccount { .. } => "customer_by_account",
        L::Bills { .. } => "bills",
        L::Arrears { .. } => "arrears",
        L::Notices { .. } => "notices",
        L::SubmitReading { .. } => "submit_reading",
        L::SubmitSurvey { .. } => "submit_survey",
    }
}
