//! The simulation harness: the call core, the ACD router (on the core contract) and IVR
//! sessions run on one virtual clock, with the SIP layer and the media legs modelled at the
//! level the core sees them (dialogs that ring, answer and end with the SIP core's end reasons;
//! legs that play, stop, bridge and report playback ends as the real leg does), and scripted
//! phones (callers, agents) as peers. A whole call runs in microseconds, deterministically.
//!
//! Deliveries between the parts (the core's inputs to the router, the router's outputs to the
//! core, the SIP layer's events) go through queues in the order they were produced, as the
//! engine's channels do; a scenario stages a race by holding one queue ([`Sim::hold_router`],
//! [`Sim::hold_sip`]) while it feeds inputs in the order it wants.
//!
//! Every step checks the router's invariants and that no call is offered twice at once; the end
//! of every scenario ([`Sim::assert_clean`]) checks that nothing leaked: no call, timer, port,
//! leg or router entry left, every dialog ended, every inbound call with exactly one record.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hotline_acd::{AgentId, AgentProfile, QueueConfig, Router};
use hotline_call::acd::RouterCore;
use hotline_call::control::{
    AgentInfo, CallCore, CallbackRoute, CoreConfig, DeskAction, DeskRefusal, Env, Incoming, Input,
    LegEvent, LegOrder, LiveOut, LogEvent, Metric, Music, NodeCounters, Output, SipOrder, Sound,
};
use hotline_call::registration::Change;
use hotline_call::{CallId, EndReason, Now, Record};
use hotline_core::Core;
use hotline_ivr::interp::{LookupRequest, LookupResult, TicketInfo};
use hotline_ivr::FlowSet;

/// What the shell's `Env` answers, held by the harness.
#[derive(Debug, Default)]
pub struct World {
    next_id: u64,
    pub free_ports: usize,
    pub bound: BTreeSet<CallId>,
    pub agents: BTreeMap<AgentId, AgentInfo>,
    pub registered: BTreeSet<String>,
    pub queues: Vec<String>,
    pub flows: Option<Arc<FlowSet>>,
    pub missing_prompts: BTreeSet<(String, String)>,
}

impl World {
    fn new_id(&mut self) -> CallId {
        self.next_id += 1;
        CallId(self.next_id)
    }

    fn bind(&mut self, call: CallId) -> bool {
        if self.free_ports == 0 {
            return false;
        }
        self.free_ports -= 1;
        assert!(self.bound.insert(call), "{call} bound twice");
        true
    }

    fn sip_user(&self, user: &str) -> Option<AgentId> {
        self.agents
            .iter()
            .find(|(_, a)| a.sip_user == user)
            .map(|(id, _)| *id)
    }
}

struct SimEnv(Arc<Mutex<World>>);

impl Env for SimEnv {
    fn new_call_id(&mut self) -> CallId {
        self.0.lock().unwrap().new_id()
    }
    fn bind_port(&mut self, call: CallId) -> bool {
        self.0.lock().unwrap().bind(call)
    }
    fn agent(&self, id: AgentId) -> Option<AgentInfo> {
        self.0.lock().unwrap().agents.get(&id).cloned()
    }
    fn agent_for_sip_user(&self, user: &str) -> Option<AgentId> {
        self.0.lock().unwrap().sip_user(user)
    }
    fn phone_registered(&self, agent: AgentId) -> bool {
        let w = self.0.lock().unwrap();
        w.agents
            .get(&agent)
            .is_some_and(|a| w.registered.contains(&a.sip_user))
    }
    fn queue_names(&self) -> Vec<String> {
        self.0.lock().unwrap().queues.clone()
    }
    fn flows(&self) -> Option<Arc<FlowSet>> {
        self.0.lock().unwrap().flows.clone()
    }
    fn has_prompt(&self, folder: &str, name: &str) -> bool {
        !self
            .0
            .lock()
            .unwrap()
            .missing_prompts
            .contains(&(folder.to_string(), name.to_string()))
    }
    fn call_ref(&self, call: CallId) -> Option<String> {
        Some(format!("run1-{}", call.0))
    }
}

/// A dialog as the SIP layer sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialog {
    Ringing,
    Answered,
    Ended,
}

/// A call the core placed (or received), as its phone sees it.
#[derive(Debug, Clone)]
pub struct DialogState {
    pub state: Dialog,
    pub inbound: bool,
    /// For placed calls: who was dialled.
    pub user: String,
    pub headers: Vec<(String, String)>,
    pub ended: Option<EndReason>,
}

/// A media leg as the harness models it.
#[derive(Debug, Clone, Default)]
pub struct Leg {
    pub playing: Option<Vec<Sound>>,
    pub music: Option<Music>,
    pub bridged: Option<CallId>,
    /// Everything it was asked to play, in order.
    pub played: Vec<Vec<Sound>>,
}

/// How the store answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Store {
    /// Lookups find the scripted customer, tickets open.
    Up,
    /// Nothing answers (the flows' own timeouts decide).
    Slow,
    /// Every lookup and ticket fails.
    Down,
}

pub struct Sim {
    pub now: Now,
    pub core: CallCore,
    pub router: RouterCore,
    pub world: Arc<Mutex<World>>,
    pub dialogs: BTreeMap<CallId, DialogState>,
    pub legs: HashMap<CallId, Leg>,
    pub released: BTreeSet<CallId>,
    pub logs: Vec<LogEvent>,
    pub live: Vec<LiveOut>,
    pub sip_orders: Vec<SipOrder>,
    pub desk_replies: HashMap<u64, Result<(), DeskRefusal>>,
    pub unexpected: Vec<&'static str>,
    pub recorded: BTreeSet<CallId>,
    pub router_outputs: Vec<hotline_acd::Output>,
    pub store: Store,
    /// Lookups not answered (a slow store).
    pub lookups: VecDeque<(CallId, u64, LookupRequest)>,
    to_router: VecDeque<hotline_acd::Input>,
    to_core: VecDeque<Input>,
    sip_events: VecDeque<Input>,
    router_held: bool,
    sip_held: bool,
    next_request: u64,
    next_ticket: i64,
}

/// The flows every scenario may use: `main` asks for a key (1 = agent, 2 = self-service that
/// looks the caller up and says goodbye), `survey` takes a 1–5 rating after the agent.
pub const MAIN: &str = r#"flow: main
languages: [zh, en]
start: menu
nodes:
  menu:
    menu:
      prompts: [main_menu]
      keys: { "1": to_queue, "2": find }
      timeout: 5s
      retries: 0
      fallback: to_queue
  find:
    lookup:
      what: customer_by_caller
      into: customer
      next: served
      not_found: bye
      error: bye
  served:
    play:
      prompts: [goodbye]
      served: true
      next: bye
  to_queue:
    transfer: { queue: general, reason: general }
  bye:
    hangup: {}
"#;

pub const SURVEY: &str = r#"flow: survey
languages: [zh, en]
start: ask
nodes:
  ask:
    collect:
      prompts: [survey_scale]
      into: score
      min: 1
      max: 1
      terminator: none
      pattern: "[1-5]"
      retries: 0
      next: record
      fallback: bye
  record:
    lookup:
      what: submit_survey
      value: score
      into: survey
      next: thanks
      error: bye
  thanks:
    hangup: { prompts: [survey_thanks] }
  bye:
    hangup: {}
"#;

/// An agent of the simulation: id, SIP user, staff number.
pub const AGENTS: [(i64, &str, &str); 3] = [
    (1, "1001", "1023"),
    (2, "1002", "1024"),
    (3, "1003", "1025"),
];

/// The queue `general`: ring `ring_secs`, no wrap-up, announcements every 30 s.
pub fn general(ring_secs: u32) -> QueueConfig {
    QueueConfig {
        name: "general".into(),
        ring_secs,
        wrap_up_secs: 0,
        ..QueueConfig::default()
    }
}

fn load(flows: &[(&str, &str)]) -> FlowSet {
    let files: Vec<(PathBuf, String)> = flows
        .iter()
        .map(|(name, text)| (PathBuf::from(format!("{name}.yaml")), text.to_string()))
        .collect();
    hotline_ivr::load::load_files(&files, None, &|_: &str, _: &str| true)
        .unwrap_or_else(|e| panic!("flows do not load: {e}"))
}

impl Sim {
    /// The main and survey flows, the queue `general` (ring 20 s), three agents logged in,
    /// none ready or registered yet; callbacks through a gateway; recording on.
    pub fn new() -> Sim {
        Sim::with(vec![general(20)], &[("main", MAIN), ("survey", SURVEY)])
    }

    pub fn with(queues: Vec<QueueConfig>, flows: &[(&str, &str)]) -> Sim {
        let t0 = Now {
            mono: Instant::now(),
            unix_ms: 1_796_000_000_000,
        };
        let mut world = World {
            free_ports: 100,
            queues: queues.iter().map(|q| q.name.clone()).collect(),
            flows: Some(Arc::new(load(flows))),
            ..World::default()
        };
        world.next_id = 1000;
        for (id, user, staff) in AGENTS {
            world.agents.insert(
                AgentId(id),
                AgentInfo {
                    sip_user: user.into(),
                    staff_no: staff.into(),
                    language: "zh".into(),
                },
            );
        }
        let world = Arc::new(Mutex::new(world));
        let cfg = CoreConfig {
            ring: Duration::ZERO,
            answer_hangup: None,
            entry_flow: Some("main".into()),
            acd: true,
            callbacks: Some(CallbackRoute {
                gateway: SocketAddr::from(([127, 0, 0, 1], 5080)),
                caller_id: "95598".into(),
            }),
            after_agent_flow: "survey".into(),
            language: "zh".into(),
            recording: true,
        };
        let core = CallCore::new(
            cfg,
            Box::new(SimEnv(Arc::clone(&world))),
            Arc::new(NodeCounters::default()),
            t0,
        );
        let queue_names: Vec<String> = queues.iter().map(|q| q.name.clone()).collect();
        let mut router = RouterCore::new(Router::new(queues), t0);
        for (id, ..) in AGENTS {
            router.handle(
                t0,
                hotline_acd::Input::AgentLogin(AgentProfile {
                    id: AgentId(id),
                    skills: BTreeMap::new(),
                    languages: vec!["zh".into()],
                    queues: queue_names.clone(),
                }),
            );
        }
        let mut sim = Sim {
            now: t0,
            core,
            router,
            world,
            dialogs: BTreeMap::new(),
            legs: HashMap::new(),
            released: BTreeSet::new(),
            logs: Vec::new(),
            live: Vec::new(),
            sip_orders: Vec::new(),
            desk_replies: HashMap::new(),
            unexpected: Vec::new(),
            recorded: BTreeSet::new(),
            router_outputs: Vec::new(),
            store: Store::Up,
            lookups: VecDeque::new(),
            to_router: VecDeque::new(),
            to_core: VecDeque::new(),
            sip_events: VecDeque::new(),
            router_held: false,
            sip_held: false,
            next_request: 0,
            next_ticket: 0,
        };
        sim.settle();
        sim.router_outputs.clear();
        sim
    }

    // ---- the phones --------------------------------------------------------------------

    /// A customer calls from `number`; the engine answers at once (ring 0) and the entry flow
    /// starts.
    pub fn call(&mut self, number: &str) -> CallId {
        let call = self.world.lock().unwrap().new_id();
        let admitted = if self.world.lock().unwrap().bind(call) {
            Ok(())
        } else {
            Err(503)
        };
        self.dialogs.insert(
            call,
            DialogState {
                state: Dialog::Ringing,
                inbound: true,
                user: number.into(),
                headers: Vec::new(),
                ended: None,
            },
        );
        self.input(Input::Incoming(Incoming {
            call,
            caller: number.into(),
            caller_display: None,
            callee: "95598".into(),
            extension: false,
            admitted,
        }));
        call
    }

    /// Agent `id` registers its phone and goes ready.
    pub fn agent_ready(&mut self, id: i64) {
        let user = self.user(id);
        self.input(Input::Registration { user, contacts: 1 });
        self.to_router
            .push_back(hotline_acd::Input::AgentReady(AgentId(id)));
        self.settle();
    }

    /// Agent `id` goes ready again from the desktop (after click-to-call made it not ready).
    pub fn agent_back_ready(&mut self, id: i64) {
        self.to_router
            .push_back(hotline_acd::Input::AgentReady(AgentId(id)));
        self.settle();
    }

    pub fn user(&self, id: i64) -> String {
        self.world.lock().unwrap().agents[&AgentId(id)]
            .sip_user
            .clone()
    }

    /// The call ringing on agent `id`'s phone now, if any.
    pub fn ringing(&self, id: i64) -> Option<CallId> {
        let user = self.user(id);
        self.dialogs
            .iter()
            .find(|(_, d)| !d.inbound && d.user == user && d.state == Dialog::Ringing)
            .map(|(c, _)| *c)
    }

    /// The ringing phone answers (its 200 OK), with usable SDP.
    pub fn answer(&mut self, call: CallId) {
        self.answer_raw(call);
        self.settle();
    }

    /// The 200 OK reaches the core, without settling (for staged races).
    pub fn answer_raw(&mut self, call: CallId) {
        let d = self.dialogs.get_mut(&call).expect("a dialog");
        assert_eq!(
            d.state,
            Dialog::Ringing,
            "{call} answers while {:?}",
            d.state
        );
        d.state = Dialog::Answered;
        self.core
            .handle(self.now, Input::Answered { call, usable: true });
    }

    /// The far end hangs up (BYE once answered, CANCEL before).
    pub fn hang_up(&mut self, call: CallId) {
        self.hang_up_raw(call);
        self.settle();
    }

    pub fn hang_up_raw(&mut self, call: CallId) {
        let d = self.dialogs.get_mut(&call).expect("a dialog");
        if d.state == Dialog::Ended {
            return;
        }
        let reason = if d.state == Dialog::Answered {
            EndReason::RemoteHangup
        } else if d.inbound {
            EndReason::Cancelled
        } else {
            EndReason::Failed(487)
        };
        d.state = Dialog::Ended;
        d.ended = Some(reason);
        self.core.handle(self.now, Input::Ended { call, reason });
    }

    /// A placed call fails with `code` (486 busy, 408 no answer, 503 …).
    pub fn fail(&mut self, call: CallId, code: u16) {
        let d = self.dialogs.get_mut(&call).expect("a dialog");
        assert_eq!(d.state, Dialog::Ringing);
        d.state = Dialog::Ended;
        d.ended = Some(EndReason::Failed(code));
        self.input(Input::Ended {
            call,
            reason: EndReason::Failed(code),
        });
    }

    pub fn press(&mut self, call: CallId, digit: char) {
        self.input(Input::Leg {
            call,
            event: LegEvent::Digit(digit),
        });
    }

    /// What `call`'s leg plays now.
    pub fn playing(&self, call: CallId) -> Option<Vec<Sound>> {
        self.legs.get(&call).and_then(|l| l.playing.clone())
    }

    /// The names of what `call`'s leg plays now.
    pub fn playing_names(&self, call: CallId) -> Vec<String> {
        self.playing(call)
            .unwrap_or_default()
            .iter()
            .map(|s| match s {
                Sound::Library { name, .. } => name.clone(),
                Sound::Welcome => "welcome".into(),
                Sound::Digit(d) => format!("digit_{d}"),
            })
            .collect()
    }

    /// The leg finishes what it plays (a `PlaybackDone`).
    pub fn play_out(&mut self, call: CallId) {
        let done = self.legs.get_mut(&call).and_then(|l| l.playing.take());
        assert!(done.is_some(), "{call} plays nothing");
        self.input(Input::Leg {
            call,
            event: LegEvent::PlaybackDone { interrupted: false },
        });
    }

    /// Plays out whatever `call` plays until it plays nothing.
    pub fn play_all(&mut self, call: CallId) {
        for _ in 0..50 {
            if self.playing(call).is_none() {
                return;
            }
            self.play_out(call);
        }
        panic!("{call} keeps playing");
    }

    pub fn media_timeout(&mut self, call: CallId) {
        self.input(Input::Leg {
            call,
            event: LegEvent::MediaTimeout,
        });
    }

    /// A desktop request of agent `id`; its answer.
    pub fn desk(&mut self, id: i64, action: DeskAction) -> Result<(), DeskRefusal> {
        self.next_request += 1;
        let request = self.next_request;
        self.input(Input::Desk {
            request,
            agent: AgentId(id),
            action,
        });
        self.desk_replies.remove(&request).expect("a desk reply")
    }

    // ---- time and delivery -------------------------------------------------------------

    /// One input to the core now, then everything it causes.
    pub fn input(&mut self, input: Input) {
        self.core.handle(self.now, input);
        self.settle();
    }

    /// `d` passes on the virtual clock: every timer due fires in order.
    pub fn advance(&mut self, d: Duration) {
        let end = self.now.mono + d;
        loop {
            let next = [self.core.poll_timeout(), self.router.poll_timeout()]
                .into_iter()
                .flatten()
                .filter(|t| *t <= end)
                .min();
            let Some(at) = next else { break };
            self.move_to(at.max(self.now.mono));
            self.core.handle_timeout(self.now);
            if !self.router_held {
                self.router.handle_timeout(self.now);
            }
            self.settle();
            if self.router_held && self.core.poll_timeout().is_none_or(|t| t > self.now.mono) {
                // A held router's timers wait for its release.
                break;
            }
        }
        self.move_to(end);
        self.settle();
    }

    fn move_to(&mut self, mono: Instant) {
        let d = mono.saturating_duration_since(self.now.mono);
        self.now = Now {
            mono,
            unix_ms: self.now.unix_ms + i64::try_from(d.as_millis()).unwrap(),
        };
    }

    /// The wall clock steps by `ms` (NTP, an operator); the monotonic clock does not.
    pub fn step_wall_clock(&mut self, ms: i64) {
        self.now.unix_ms += ms;
    }

    /// The router's inputs wait (and its timers do not fire) until [`Sim::release_router`].
    pub fn hold_router(&mut self) {
        self.router_held = true;
    }

    pub fn release_router(&mut self) {
        self.router_held = false;
        self.router.handle_timeout(self.now);
        self.settle();
    }

    /// Fires the router's timers due now (with its inputs still held).
    pub fn router_tick(&mut self) {
        self.router.handle_timeout(self.now);
        self.drain_router();
    }

    /// The SIP layer's events (ends after the core's hang-ups and refusals) wait until
    /// [`Sim::release_sip`].
    pub fn hold_sip(&mut self) {
        self.sip_held = true;
    }

    pub fn release_sip(&mut self) {
        self.sip_held = false;
        self.settle();
    }

    /// Delivers everything in flight until nothing moves.
    pub fn settle(&mut self) {
        for _ in 0..100_000 {
            while let Some(out) = self.core.poll_output() {
                self.apply(out);
            }
            if !self.router_held {
                while let Some(i) = self.to_router.pop_front() {
                    self.router.handle(self.now, i);
                }
            }
            self.drain_router();
            self.check_step();
            if let Some(i) = self.to_core.pop_front() {
                self.core.handle(self.now, i);
                continue;
            }
            if !self.sip_held {
                if let Some(i) = self.sip_events.pop_front() {
                    self.core.handle(self.now, i);
                    continue;
                }
            }
            return;
        }
        panic!("the simulation does not settle");
    }

    fn drain_router(&mut self) {
        while let Some(o) = self.router.poll_output() {
            self.router_outputs.push(o.clone());
            self.to_core.push_back(Input::Acd(o));
        }
    }

    /// After each delivery: the router's invariants hold, no caller rings two phones and no
    /// phone rings for two callers.
    fn check_step(&self) {
        if let Err(e) = self.router.router().check_invariants() {
            panic!("router invariant broken: {e}");
        }
        let mut users = BTreeSet::new();
        let mut callers = BTreeSet::new();
        for d in self.dialogs.values() {
            if d.inbound || d.state != Dialog::Ringing {
                continue;
            }
            assert!(
                users.insert(d.user.clone()),
                "{} rung twice at once",
                d.user
            );
            if let Some((_, c)) = d.headers.iter().find(|(h, _)| h == "X-Hotline-Call") {
                assert!(
                    callers.insert(c.clone()),
                    "caller {c} offered twice at once"
                );
            }
        }
    }

    /// Carries out one output of the core as the shell and the SIP layer would.
    fn apply(&mut self, out: Output) {
        match out {
            Output::Sip(order) => {
                self.sip_orders.push(order.clone());
                self.sip(order);
            }
            Output::StartLeg(call) => {
                assert!(
                    self.world.lock().unwrap().bound.contains(&call),
                    "{call}: leg without a port"
                );
                assert!(
                    self.legs.insert(call, Leg::default()).is_none(),
                    "{call}: leg started twice"
                );
            }
            Output::Leg { call, order } => {
                let Some(leg) = self.legs.get_mut(&call) else {
                    return;
                };
                match order {
                    LegOrder::Play { sounds, .. } => {
                        if leg.playing.replace(sounds.clone()).is_some() {
                            self.to_core.push_back(Input::Leg {
                                call,
                                event: LegEvent::PlaybackDone { interrupted: true },
                            });
                        }
                        leg.played.push(sounds);
                    }
                    LegOrder::StopPlayback => {
                        if leg.playing.take().is_some() {
                            self.to_core.push_back(Input::Leg {
                                call,
                                event: LegEvent::PlaybackDone { interrupted: true },
                            });
                        }
                    }
                    LegOrder::Music(m) => leg.music = m,
                    LegOrder::Unbridge => leg.bridged = None,
                }
            }
            Output::Bridge(a, b) => {
                assert!(
                    self.legs.contains_key(&a) && self.legs.contains_key(&b),
                    "bridge of {a} and {b} without legs"
                );
                self.legs.get_mut(&a).unwrap().bridged = Some(b);
                self.legs.get_mut(&b).unwrap().bridged = Some(a);
            }
            Output::Unbridge(a, b) => {
                for (x, y) in [(a, b), (b, a)] {
                    if let Some(l) = self.legs.get_mut(&x).filter(|l| l.bridged == Some(y)) {
                        l.bridged = None;
                    }
                }
            }
            Output::Record { call, .. } => {
                self.recorded.insert(call);
            }
            Output::Release(call) => {
                assert!(self.released.insert(call), "{call} released twice");
                self.legs.remove(&call);
                let mut w = self.world.lock().unwrap();
                if w.bound.remove(&call) {
                    w.free_ports += 1;
                }
            }
            Output::Acd(i) => self.to_router.push_back(i),
            Output::Registration { user, contacts } => {
                let (agent, change) = {
                    let mut w = self.world.lock().unwrap();
                    let change = Change::of(w.registered.contains(&user), contacts);
                    if contacts > 0 {
                        w.registered.insert(user.clone());
                    } else {
                        w.registered.remove(&user);
                    }
                    (w.sip_user(&user), change)
                };
                if let Some(agent) = agent {
                    match change {
                        Change::Unchanged => {}
                        Change::Registered | Change::Unregistered => {
                            self.to_router
                                .push_back(hotline_acd::Input::AgentRegistered {
                                    agent,
                                    registered: change == Change::Registered,
                                })
                        }
                    }
                }
            }
            Output::Log(e) => self.logs.push(e),
            Output::Live(l) => self.live.push(l),
            Output::Lookup { call, id, request } => self.lookup(call, id, request),
            Output::OpenTicket { call, id, .. } => {
                let result = match self.store {
                    Store::Up => {
                        self.next_ticket += 1;
                        Ok(TicketInfo {
                            id: self.next_ticket,
                            number: format!("2026{:04}", self.next_ticket),
                        })
                    }
                    Store::Down => Err("store down".into()),
                    Store::Slow => return,
                };
                self.to_core.push_back(Input::Ivr {
                    call,
                    event: hotline_ivr::interp::Event::Ticket { id, result },
                });
            }
            Output::QueueTicket { call, .. } => {
                let number = match self.store {
                    Store::Up => {
                        self.next_ticket += 1;
                        Some(format!("2026{:04}", self.next_ticket))
                    }
                    Store::Down => None,
                    Store::Slow => return,
                };
                self.to_core.push_back(Input::QueueTicket { call, number });
            }
            Output::DeskReply { request, result } => {
                self.desk_replies.insert(request, result);
            }
            Output::Metric(Metric::Unexpected(what)) => self.unexpected.push(what),
            Output::Metric(_) => {}
        }
    }

    fn lookup(&mut self, call: CallId, id: u64, request: LookupRequest) {
        let result = match self.store {
            Store::Slow => return self.lookups.push_back((call, id, request)),
            Store::Down => LookupResult::Failed("store down".into()),
            Store::Up => match &request {
                LookupRequest::CustomerByCaller { .. } => {
                    let mut fields = BTreeMap::new();
                    fields.insert(
                        "account".to_string(),
                        hotline_ivr::Value::Text("3100000001".into()),
                    );
                    LookupResult::Found(hotline_ivr::Value::Record(fields))
                }
                LookupRequest::SubmitSurvey { .. } => {
                    LookupResult::Found(hotline_ivr::Value::Bool(true))
                }
                _ => LookupResult::NotFound,
            },
        };
        self.to_core.push_back(Input::Ivr {
            call,
            event: hotline_ivr::interp::Event::Lookup { id, result },
        });
    }

    /// The SIP layer carries out a command: the far end sees it, and a call ended by it is
    /// reported as the SIP core reports it.
    fn sip(&mut self, order: SipOrder) {
        match order {
            SipOrder::Ringing(_) => {}
            SipOrder::Answer(call) => {
                let d = self.dialogs.get_mut(&call).expect("an inbound dialog");
                if d.state == Dialog::Ringing {
                    d.state = Dialog::Answered;
                }
            }
            SipOrder::Reject { call, code } => self.end(call, EndReason::Rejected(code)),
            SipOrder::Hangup(call) => {
                let Some(d) = self.dialogs.get(&call) else {
                    return;
                };
                let reason = match (d.state, d.inbound) {
                    (Dialog::Ended, _) => return,
                    (Dialog::Answered, _) | (Dialog::Ringing, false) => EndReason::LocalHangup,
                    (Dialog::Ringing, true) => EndReason::Rejected(480),
                };
                self.end(call, reason);
            }
            SipOrder::Dial(d) => {
                assert!(
                    self.world.lock().unwrap().bound.contains(&d.call),
                    "{}: dialled without a port",
                    d.call
                );
                self.dialogs.insert(
                    d.call,
                    DialogState {
                        state: Dialog::Ringing,
                        inbound: false,
                        user: d.user,
                        headers: d.headers,
                        ended: None,
                    },
                );
            }
        }
    }

    fn end(&mut self, call: CallId, reason: EndReason) {
        let Some(d) = self.dialogs.get_mut(&call) else {
            return;
        };
        if d.state == Dialog::Ended {
            return;
        }
        d.state = Dialog::Ended;
        d.ended = Some(reason);
        self.sip_events.push_back(Input::Ended { call, reason });
    }

    // ---- what happened -----------------------------------------------------------------

    /// The record of inbound call `call` (it must have ended, with exactly one record).
    pub fn record(&self, call: CallId) -> Record {
        let mut found = self.logs.iter().filter_map(|e| match e {
            LogEvent::Finished { call: c, record } if *c == call => Some(record.clone()),
            _ => None,
        });
        let r = found
            .next()
            .unwrap_or_else(|| panic!("{call} has no record"));
        assert!(found.next().is_none(), "{call} has two records");
        r
    }

    pub fn attempts(&self) -> Vec<hotline_call::record::AttemptRecord> {
        self.logs
            .iter()
            .filter_map(|e| match e {
                LogEvent::Attempt { record, .. } => Some(record.clone()),
                _ => None,
            })
            .collect()
    }

    /// The agent's state in the router now (`ready`, `on_call`, `not_ready`, `reserved` …).
    pub fn agent_state(&self, id: i64) -> String {
        let snap = self.router.router().snapshot(self.router.clock(self.now));
        snap.agents
            .iter()
            .find(|a| a.id == AgentId(id))
            .map(|a| a.state.name().to_string())
            .unwrap_or_else(|| "unknown".into())
    }

    /// The phase of inbound call `call` in the core.
    pub fn phase(&self, call: CallId) -> String {
        self.core
            .phase(call)
            .map_or("gone".to_string(), |p| p.name().to_string())
    }

    pub fn state(&self, call: CallId) -> Dialog {
        self.dialogs[&call].state
    }

    /// Nothing leaked: no call, timer, port or leg; every dialog ended; the router holds no
    /// call; every inbound call has exactly one record (a refused one its refusal).
    pub fn assert_clean(&self) {
        assert_eq!(
            self.core.call_count(),
            0,
            "calls left in the core: {:?}",
            self.core
        );
        assert_eq!(self.core.timer_count(), 0, "timers left in the core");
        let w = self.world.lock().unwrap();
        assert!(w.bound.is_empty(), "ports not released: {:?}", w.bound);
        assert!(
            self.legs.is_empty(),
            "legs not closed: {:?}",
            self.legs.keys()
        );
        for (call, d) in &self.dialogs {
            assert_eq!(d.state, Dialog::Ended, "{call} not ended");
        }
        assert_eq!(
            self.router.router().call_count(),
            0,
            "calls left in the router"
        );
        for (call, d) in &self.dialogs {
            if !d.inbound {
                continue;
            }
            let records = self
                .logs
                .iter()
                .filter(|e| matches!(e, LogEvent::Finished { call: c, .. } | LogEvent::Refused { call: c, .. } if c == call))
                .count();
            assert_eq!(records, 1, "{call}: {records} records");
        }
        for (id, ..) in AGENTS {
            let s = self.agent_state(id);
            assert!(s != "reserved" && s != "on_call", "agent {id} left {s}");
        }
    }
}
