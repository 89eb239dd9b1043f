//! The simulation harness: the call core, the engine's SIP core, the ACD router (on the core
//! contract) and IVR sessions run on one virtual clock, with scripted user agents speaking SIP
//! to the SIP core ([`sip`]: customers behind the trunk, agents' softphones that register with
//! digest authentication, the gateway callbacks dial) and the media legs modelled at the level
//! the call core sees them (legs that play, stop, bridge and report playback ends as the real leg
//! does). A whole call runs in well under a millisecond, deterministically.
//!
//! Deliveries between the parts (the core's inputs to the router, the router's outputs to the
//! core, the SIP core's events) go through queues in the order they were produced, as the
//! engine's channels do; a scenario stages a race by holding one queue ([`Sim::hold_router`],
//! [`Sim::hold_sip`]) while it feeds inputs in the order it wants.
//!
//! Every step checks the router's invariants and that no call is offered twice at once; the end
//! of every scenario ([`Sim::assert_clean`]) checks that nothing leaked: no call, timer, port,
//! leg or router entry left, every dialog ended (the phones' view and the SIP core's), every
//! inbound call with exactly one record.

mod deliver;
pub mod sip;

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hotline_acd::{AgentId, AgentProfile, QueueConfig, Router};
use hotline_call::acd::RouterCore;
use hotline_call::control::{
    AgentInfo, CallAction, CallCore, CallbackRoute, ControlError, CoreConfig, Env, Incoming, Input,
    LegEvent, LegOrder, LiveOut, LogEvent, Metric, Music, NodeCounters, NotifyOutcome, Output,
    QueueHours, SipOrder, Sound,
};
use hotline_call::registration::Change;
use hotline_call::{CallId, EndReason, Now, Record};
use hotline_core::Core;
use hotline_ivr::interp::{LookupRequest, LookupResult, TicketInfo};
use hotline_ivr::FlowSet;
use hotline_sip::{Command, SipEvent};
use sip::{Role, SipSide, UaState};

/// What the shell's `Env` answers, held by the harness.
#[derive(Debug, Default)]
pub struct World {
    next_id: u64,
    pub free_ports: usize,
    pub bound: BTreeSet<CallId>,
    pub agents: BTreeMap<AgentId, AgentInfo>,
    pub registered: BTreeSet<String>,
    pub queues: Vec<QueueConfig>,
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
        let w = self.0.lock().unwrap();
        w.queues.iter().map(|q| q.name.clone()).collect()
    }
    fn queue_hours(&self, queue: &str) -> Option<QueueHours> {
        let w = self.0.lock().unwrap();
        let q = w.queues.iter().find(|q| q.name == queue)?;
        Some(QueueHours {
            calendar: q.calendar.clone()?,
            after_hours: q.after_hours.clone(),
        })
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

/// A dialog as its phone sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialog {
    Ringing,
    Answered,
    Ended,
}

/// A media leg as the harness models it.
#[derive(Debug, Clone, Default)]
pub struct Leg {
    pub playing: Option<Vec<Sound>>,
    pub music: Option<Music>,
    pub bridged: Option<CallId>,
    /// The mix it is in (named by its room) and who hears it there.
    pub mix: Option<(CallId, hotline_call::control::Audience)>,
    /// Everything it was asked to play, in order.
    pub played: Vec<Vec<Sound>>,
    /// The recording (named by its call) it feeds.
    pub feeds: Option<CallId>,
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
    pub sip: SipSide,
    /// How the SIP core reported each call's end.
    pub ended: HashMap<CallId, EndReason>,
    /// The SIP user (or number) each call the core placed rang.
    pub dialled: HashMap<CallId, String>,
    pub legs: HashMap<CallId, Leg>,
    pub released: BTreeSet<CallId>,
    pub logs: Vec<LogEvent>,
    pub live: Vec<LiveOut>,
    pub sip_orders: Vec<SipOrder>,
    pub desk_replies: HashMap<u64, Result<(), ControlError>>,
    pub unexpected: Vec<&'static str>,
    pub recorded: BTreeSet<CallId>,
    /// Every recording started: its call, and whose it is.
    pub recordings: Vec<(CallId, hotline_call::control::RecordingOf)>,
    pub router_outputs: Vec<hotline_acd::Output>,
    pub store: Store,
    /// Lookups not answered (a slow store).
    pub lookups: VecDeque<(CallId, u64, LookupRequest)>,
    to_router: VecDeque<hotline_acd::Input>,
    to_core: VecDeque<Input>,
    router_held: bool,
    sip_held: bool,
    next_request: u64,
    next_ticket: i64,
    /// The summaries of the queue tickets opened (a queue's exit or after-hours route).
    pub queue_tickets: Vec<(CallId, String)>,
    /// Surveys offered and answered (the core's metrics).
    pub surveys: (u32, u32),
    /// Notification calls' outcomes, by the id they were asked with.
    pub notified: Vec<(u64, NotifyOutcome)>,
    /// Campaign calls' outcomes, by the id they were asked with.
    pub campaigned: Vec<(u64, hotline_call::control::CampaignOutcome)>,
    /// Progressive campaign calls said answered (before their outcome), by id.
    pub campaign_answered: Vec<u64>,
    /// The REFER results reported, in order: (the referring leg, the sipfrag status).
    pub refer_results: Vec<(CallId, u16)>,
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

/// The calendars the scenarios' queues may keep, in the centre's time zone (Asia/Shanghai):
/// `office` (weekdays 08:30–17:30: open at the start, Monday 08:53) and `evenings` (Monday and
/// Tuesday 18:00–22:00: closed at the start).
const CALENDARS: &str = "calendars:
  office:
    hours:
      mon: \"08:30-17:30\"
      tue: \"08:30-17:30\"
      wed: \"08:30-17:30\"
      thu: \"08:30-17:30\"
      fri: \"08:30-17:30\"
  evenings:
    hours:
      mon: \"18:00-22:00\"
      tue: \"18:00-22:00\"
";

fn load(flows: &[(&str, &str)]) -> FlowSet {
    let files: Vec<(PathBuf, String)> = flows
        .iter()
        .map(|(name, text)| (PathBuf::from(format!("{name}.yaml")), text.to_string()))
        .collect();
    let calendars = (PathBuf::from("calendars.yaml"), CALENDARS.to_string());
    hotline_ivr::load::load_files(&files, Some(calendars), &|_: &str, _: &str| true)
        .unwrap_or_else(|e| panic!("flows do not load: {e}"))
}

/// The simulation's dial rules: agents dial mobiles and landlines with an area code;
/// emergency and international numbers are refused.
fn dial_rules() -> hotline_call::dialing::DialRules {
    use hotline_call::dialing::{Class, DialRules, Pattern};
    let p = |s: &str| Pattern::parse(s).unwrap();
    let mut r = DialRules::default();
    r.classes.insert(Class::Emergency, vec![p("110"), p("120")]);
    r.classes.insert(Class::International, vec![p("00.")]);
    r.allowed
        .insert("agent".into(), vec![p("1[3-9]XXXXXXXXX"), p("0ZXXXXXXX.")]);
    r
}

impl Sim {
    /// The main and survey flows, the queue `general` (ring 20 s), three agents logged in,
    /// none ready or registered yet; callbacks through a gateway; recording on.
    pub fn new() -> Sim {
        Sim::with(vec![general(20)], &[("main", MAIN), ("survey", SURVEY)])
    }

    pub fn with(queues: Vec<QueueConfig>, flows: &[(&str, &str)]) -> Sim {
        Sim::configured(queues, flows, false)
    }

    /// As [`Sim::new`], with callers invited to stay on the line for the survey.
    pub fn with_survey_invite() -> Sim {
        Sim::configured(
            vec![general(20)],
            &[("main", MAIN), ("survey", SURVEY)],
            true,
        )
    }

    fn configured(queues: Vec<QueueConfig>, flows: &[(&str, &str)], survey_invite: bool) -> Sim {
        let t0 = Now {
            mono: Instant::now(),
            unix_ms: 1_796_000_000_000,
        };
        let mut world = World {
            free_ports: 100,
            queues: queues.clone(),
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
                    role: "agent".into(),
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
                gateway: sip::GATEWAY.parse().unwrap(),
                caller_id: "95598".into(),
            }),
            after_agent_flow: "survey".into(),
            language: "zh".into(),
            recording: true,
            survey_invite,
            dial_rules: dial_rules(),
            tell_monitored: true,
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
            sip: SipSide::new(t0.mono, t0.unix_ms, &AGENTS.map(|(_, user, _)| user)),
            ended: HashMap::new(),
            dialled: HashMap::new(),
            world,
            legs: HashMap::new(),
            released: BTreeSet::new(),
            logs: Vec::new(),
            live: Vec::new(),
            sip_orders: Vec::new(),
            desk_replies: HashMap::new(),
            unexpected: Vec::new(),
            recorded: BTreeSet::new(),
            recordings: Vec::new(),
            router_outputs: Vec::new(),
            store: Store::Up,
            lookups: VecDeque::new(),
            to_router: VecDeque::new(),
            to_core: VecDeque::new(),
            router_held: false,
            sip_held: false,
            next_request: 0,
            next_ticket: 0,
            queue_tickets: Vec::new(),
            surveys: (0, 0),
            notified: Vec::new(),
            campaigned: Vec::new(),
            campaign_answered: Vec::new(),
            refer_results: Vec::new(),
        };
        sim.settle();
        sim.router_outputs.clear();
        sim
    }

    // ---- the phones --------------------------------------------------------------------

    /// A customer calls the hotline from `number`; the engine answers at once (ring 0) and
    /// the entry flow starts.
    pub fn call(&mut self, number: &str) -> CallId {
        self.call_to(number, "95598")
    }

    /// A call from `number` to `dialled` (an agent's extension, or the hotline).
    pub fn call_to(&mut self, number: &str, dialled: &str) -> CallId {
        let call_id = self.sip.call_in(number, dialled);
        self.deliver_sip();
        let call =
            *self.sip.call_of.get(&call_id).unwrap_or_else(|| {
                panic!("the SIP core did not take the INVITE: {:?}", self.sip.wire)
            });
        self.settle();
        call
    }

    /// Agent `id`'s phone registers (digest) and the agent goes ready.
    pub fn agent_ready(&mut self, id: i64) {
        let user = self.user(id);
        let from: SocketAddr = format!("192.0.2.{id}:5062").parse().unwrap();
        assert!(self.sip.register(&user, from), "agent {id} cannot register");
        self.deliver_sip();
        self.settle();
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
        self.placed_to(&user)
            .into_iter()
            .find(|c| self.state(*c) == Dialog::Ringing)
    }

    /// The last screen pop sent to agent `id`'s desktop, if any.
    pub fn last_pop(&self, id: i64) -> Option<hotline_call::control::ScreenPop> {
        self.live.iter().rev().find_map(|l| match l {
            LiveOut::Offer(p) if p.agent == id => Some(p.clone()),
            _ => None,
        })
    }

    /// The calls the core placed to `user` (a SIP user or a number), oldest first.
    pub fn placed_to(&self, user: &str) -> Vec<CallId> {
        let mut v: Vec<CallId> = self
            .dialled
            .iter()
            .filter(|(_, u)| *u == user)
            .map(|(c, _)| *c)
            .collect();
        v.sort();
        v
    }

    /// The last call the core placed to `user`.
    pub fn last_placed_to(&self, user: &str) -> Option<CallId> {
        self.placed_to(user).last().copied()
    }

    fn call_id(&self, call: CallId) -> String {
        self.sip
            .sip_id
            .get(&call)
            .cloned()
            .unwrap_or_else(|| panic!("{call} has no SIP dialog"))
    }

    /// The legs `call`'s leg hears: its bridge partner, or the parties of its mix whose
    /// audience includes it (never itself).
    pub fn hears(&self, call: CallId) -> BTreeSet<CallId> {
        use hotline_call::control::Audience;
        let Some(leg) = self.legs.get(&call) else {
            return BTreeSet::new();
        };
        if let Some(b) = leg.bridged {
            return [b].into_iter().collect();
        }
        let Some((room, _)) = leg.mix else {
            return BTreeSet::new();
        };
        self.legs
            .iter()
            .filter(|(id, _)| **id != call)
            .filter(|(_, l)| match l.mix {
                Some((r, Audience::Everyone)) => r == room,
                Some((r, Audience::Only(to))) => r == room && to == call,
                _ => false,
            })
            .map(|(id, _)| *id)
            .collect()
    }

    /// The phone of `call` sends a REFER (answered 202) to `user`, or naming the dialog of
    /// the engine's call `replaces` (`Some(None)`: a dialog the engine does not keep).
    pub fn refer(&mut self, call: CallId, user: &str, replaces: Option<Option<CallId>>) {
        use hotline_call::control::ReferReplaces;
        self.to_core.push_back(Input::Refer {
            call,
            user: user.to_string(),
            replaces: replaces.map(|r| r.map_or(ReferReplaces::Unknown, ReferReplaces::Call)),
        });
        self.settle();
    }

    /// The ringing phone answers (its 200 OK, with SDP).
    pub fn answer(&mut self, call: CallId) {
        self.answer_raw(call);
        self.settle();
    }

    /// The 200 OK reaches the SIP core and its events the call core, without anything else
    /// moving (for staged races).
    pub fn answer_raw(&mut self, call: CallId) {
        let id = self.call_id(call);
        self.sip.answer(&id);
        self.deliver_sip();
    }

    /// Messages from the engine to `call`'s phone stay in the network until
    /// [`Sim::arrive`].
    pub fn delay_to(&mut self, call: CallId) {
        let id = self.call_id(call);
        let a = self.sip.addr_of(&id);
        self.sip.delay(a);
    }

    /// The delayed messages reach `call`'s phone (and what it answers reaches the engine).
    pub fn arrive(&mut self, call: CallId) {
        let id = self.call_id(call);
        let a = self.sip.addr_of(&id);
        self.sip.arrive(a);
        self.deliver_sip();
        self.settle();
    }

    /// `call`'s phone sends its last response again (a 200 OK retransmitted).
    pub fn retransmit(&mut self, call: CallId) {
        let id = self.call_id(call);
        self.sip.retransmit(&id);
        self.deliver_sip();
        self.settle();
    }

    /// Agent `id`'s phone registers again from another port (a NAT rebinding).
    pub fn reregister_from(&mut self, id: i64, port: u16) {
        let user = self.user(id);
        let from: SocketAddr = format!("192.0.2.{id}:{port}").parse().unwrap();
        assert!(
            self.sip.register(&user, from),
            "agent {id} cannot register again"
        );
        self.deliver_sip();
        self.settle();
    }

    /// The far end hangs up (BYE once answered; a caller still ringing cancels; a phone
    /// still ringing declines).
    pub fn hang_up(&mut self, call: CallId) {
        self.hang_up_raw(call);
        self.settle();
    }

    pub fn hang_up_raw(&mut self, call: CallId) {
        let id = self.call_id(call);
        self.sip.hang_up(&id);
        self.deliver_sip();
    }

    /// A phone refuses the call with `code` (486 busy, 603 decline …).
    pub fn fail(&mut self, call: CallId, code: u16) {
        let id = self.call_id(call);
        self.sip.refuse(&id, code);
        self.deliver_sip();
        self.settle();
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
    pub fn desk(&mut self, id: i64, action: CallAction) -> Result<(), ControlError> {
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
            let next = [
                self.core.poll_timeout(),
                self.router.poll_timeout(),
                self.sip.core.poll_timeout(),
            ]
            .into_iter()
            .flatten()
            .filter(|t| *t <= end)
            .min();
            let Some(at) = next else { break };
            self.move_to(at.max(self.now.mono));
            self.sip.timeout();
            self.deliver_sip();
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
        self.sip.set_now(self.now.mono, self.now.unix_ms);
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

    /// The SIP core's events wait (in order) until [`Sim::release_sip`].
    pub fn hold_sip(&mut self) {
        self.sip_held = true;
    }

    pub fn release_sip(&mut self) {
        self.sip_held = false;
        self.deliver_sip();
        self.settle();
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

    /// The dialog as its phone sees it (a placed call that never reached a phone: ended).
    pub fn state(&self, call: CallId) -> Dialog {
        let d = self
            .sip
            .sip_id
            .get(&call)
            .and_then(|id| self.sip.dialogs.get(id));
        match d.map(|d| d.state) {
            Some(UaState::Ringing) => Dialog::Ringing,
            Some(UaState::Answered) => Dialog::Answered,
            Some(UaState::Ended) | None => Dialog::Ended,
        }
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
        for (id, d) in &self.sip.dialogs {
            assert_eq!(d.state, UaState::Ended, "{id} not ended for its phone");
        }
        assert_eq!(
            self.sip.core.active_calls(),
            0,
            "calls left in the SIP core"
        );
        assert_eq!(
            self.router.router().call_count(),
            0,
            "calls left in the router"
        );
        for (id, d) in &self.sip.dialogs {
            if d.role != Role::Caller {
                continue;
            }
            let call = &self.sip.call_of[id];
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

// ---- scenario steps the suites share -----------------------------------------------------

/// A second of the virtual clock.
pub const SEC: Duration = Duration::from_secs(1);

/// A caller presses 1 and waits in `general` (the agents are ready or not, as set before).
pub fn queued(sim: &mut Sim, number: &str) -> hotline_call::CallId {
    let c = sim.call(number);
    assert_eq!(sim.playing_names(c), ["main_menu"]);
    sim.press(c, '1');
    let phase = sim.phase(c);
    assert!(
        phase == "queued" || phase == "offering",
        "after 1 the caller waits: {phase}"
    );
    c
}

/// Agent `id` is rung for the caller and answers; the staff number is said and the legs are
/// bridged.
pub fn connect(sim: &mut Sim, c: hotline_call::CallId, id: i64) -> hotline_call::CallId {
    let a = sim.ringing(id).expect("the agent's phone rings");
    sim.answer(a);
    assert_eq!(sim.phase(c), "announcing");
    sim.play_out(c);
    assert_eq!(sim.phase(c), "bridged");
    assert_eq!(sim.legs[&c].bridged, Some(a));
    a
}
