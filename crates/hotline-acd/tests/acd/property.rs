//! Random sequences of arrivals, agent changes, answers, no-answers, busy and failed offers,
//! hang-ups, abandons, callbacks, calls the router did not route (`AgentOnCall`), garbage inputs
//! and ticks over simulated hours. After every
//! input the router's own invariant check runs (no agent reserved twice, indexes exact, no
//! waiting call with a ready qualified agent, counters add up); here the outputs are also
//! checked against an independent model: offers go only to ready, registered agents serving
//! the call's queue who pass a lower bound of the qualification test.

use std::collections::{BTreeMap, BTreeSet};

use hotline_acd::{
    AgentState, CallRequest, Exit, Input, NotReadyReason, Output, QueueConfig, Relax, RouteStep,
    Strategy, Tier,
};

use crate::support::*;

/// xorshift64*: deterministic, no crates.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> Option<T> {
        if items.is_empty() {
            None
        } else {
            Some(items[self.below(items.len() as u64) as usize])
        }
    }
}

const QUEUES: [&str; 4] = ["billing", "repairs", "key", "overflow"];
const SKILLS: [&str; 3] = ["billing", "meters", "key_account"];
const LANGS: [&str; 2] = ["zh", "en"];

fn configs() -> Vec<QueueConfig> {
    let mut billing = QueueConfig::new("billing");
    billing.skills = [("billing".to_string(), 3)].into();
    billing.relax = vec![
        Relax {
            after_secs: 30,
            by: 1,
        },
        Relax {
            after_secs: 90,
            by: 2,
        },
    ];
    billing.max_wait_secs = Some(300);
    billing.max_wait_exit = Exit::Queue("overflow".into());
    billing.wrap_up_secs = 20;
    billing.ring_secs = 10;
    let mut repairs = QueueConfig::new("repairs");
    repairs.skills = [("meters".to_string(), 2)].into();
    repairs.strategy = Strategy::MostSkilled;
    repairs.max_wait_secs = Some(240);
    repairs.max_wait_exit = Exit::Callback;
    repairs.wrap_up_secs = 10;
    repairs.ring_secs = 15;
    repairs.callback.attempts = 2;
    repairs.callback.retry_secs = 60;
    repairs.callback.dial_secs = 20;
    let mut key = QueueConfig::new("key");
    key.strategy = Strategy::RoundRobin;
    key.key_account_boost = 30;
    key.steps = vec![
        RouteStep {
            after_secs: 0,
            preferred_only: true,
            tier: Some(Tier::KeyAccount),
            ..RouteStep::default()
        },
        RouteStep {
            after_secs: 20,
            skills: [("key_account".to_string(), 1)].into(),
            tier: Some(Tier::KeyAccount),
            ..RouteStep::default()
        },
        RouteStep {
            after_secs: 60,
            ..RouteStep::default()
        },
    ];
    let mut overflow = QueueConfig::new("overflow");
    overflow.ageing_per_min = 5;
    overflow.max_wait_secs = Some(600);
    overflow.max_wait_exit = Exit::Hangup;
    overflow.announce_secs = 45;
    vec![billing, repairs, key, overflow]
}

#[derive(Clone)]
struct AgentModel {
    skills: BTreeMap<String, u8>,
    languages: Vec<String>,
    queues: Vec<String>,
    state: AgentState,
    registered: bool,
}

struct CallModel {
    req: CallRequest,
    queue: String,
    offered_to: Option<i64>,
    connected: Option<i64>,
    callback: bool,
}

struct Model {
    cfg: BTreeMap<String, QueueConfig>,
    agents: BTreeMap<i64, AgentModel>,
    calls: BTreeMap<u64, CallModel>,
    offers: u64,
    connected: u64,
    /// Output kinds seen, to show the run covered them.
    kinds: BTreeSet<String>,
    /// External calls (`AgentOnCall`) accepted and ended.
    externals: (u64, u64),
}

impl Model {
    /// Lower bound of qualification: levels relaxed by the queue's largest relaxation, the
    /// preferred agent always, language unless preferred.
    fn may_take(&self, agent: i64, call: &CallModel) -> Result<(), String> {
        let a = &self.agents[&agent];
        if !a.queues.contains(&call.queue) {
            return Err(format!("agent {agent} does not serve {}", call.queue));
        }
        if call.req.preferred_agent == Some(hotline_acd::AgentId(agent)) {
            return Ok(());
        }
        if let Some(l) = &call.req.language {
            if !a.languages.contains(l) {
                return Err(format!("agent {agent} does not speak {l}"));
            }
        }
        let cfg = &self.cfg[&call.queue];
        let relax = cfg.relax.iter().map(|r| r.by).max().unwrap_or(0);
        let mut need = cfg.skills.clone();
        for (k, v) in &call.req.skills {
            let e = need.entry(k.clone()).or_insert(0);
            *e = (*e).max(*v);
        }
        for (skill, level) in need {
            if level == 0 {
                continue;
            }
            let min = level.saturating_sub(relax).max(1);
            if a.skills.get(&skill).copied().unwrap_or(0) < min {
                return Err(format!("agent {agent} lacks {skill} ≥ {min}"));
            }
        }
        Ok(())
    }

    fn apply(&mut self, out: &[Output]) {
        for o in out {
            let kind = format!("{o:?}");
            let kind = kind.split([' ', '(']).next().unwrap_or_default();
            self.kinds.insert(kind.to_string());
            match o {
                Output::AgentStateChanged { agent, state } => {
                    let a = self
                        .agents
                        .get_mut(&agent.0)
                        .expect("state of a known agent");
                    if let AgentState::Reserved { call, .. } = state {
                        assert!(
                            matches!(a.state, AgentState::Ready { .. }) && a.registered,
                            "agent {} reserved for {call} while {:?} (registered {})",
                            agent.0,
                            a.state,
                            a.registered
                        );
                    }
                    a.state = state.clone();
                }
                Output::Offer { call, agent } | Output::DialCallback { call, agent, .. } => {
                    let a = &self.agents[&agent.0];
                    assert!(
                        matches!(a.state, AgentState::Reserved { call: r, .. } if r == *call),
                        "offer of {call} to agent {} in {:?}",
                        agent.0,
                        a.state
                    );
                    let cm = &self.calls[&call.0];
                    assert!(cm.offered_to.is_none() && cm.connected.is_none());
                    assert_eq!(cm.callback, matches!(o, Output::DialCallback { .. }));
                    if let Err(e) = self.may_take(agent.0, cm) {
                        panic!("{call} offered to an unqualified agent: {e}");
                    }
                    self.calls.get_mut(&call.0).unwrap().offered_to = Some(agent.0);
                    self.offers += 1;
                }
                Output::RingTimeout { call, agent } => {
                    assert_eq!(self.calls[&call.0].offered_to, Some(agent.0));
                    self.calls.get_mut(&call.0).unwrap().offered_to = None;
                }
                Output::Connected { call, agent, .. } => {
                    let cm = self.calls.get_mut(&call.0).unwrap();
                    assert_eq!(cm.offered_to, Some(agent.0));
                    cm.offered_to = None;
                    cm.connected = Some(agent.0);
                    self.connected += 1;
                }
                Output::MaxWait { call, exit } | Output::QueueRemoved { call, exit } => {
                    match exit {
                        Exit::Queue(q) => {
                            let cm = self.calls.get_mut(&call.0).unwrap();
                            cm.queue = q.clone();
                            cm.offered_to = None;
                        }
                        _ => {
                            self.calls.remove(&call.0);
                        }
                    }
                }
                Output::Abandoned { call, .. } | Output::CallbackGaveUp { call, .. } => {
                    self.calls.remove(&call.0);
                }
                Output::CallbackQueued { call, .. } => {
                    self.calls.get_mut(&call.0).unwrap().callback = true;
                }
                Output::Announce { call, position, .. } => {
                    assert!(*position >= 1);
                    assert!(self.calls.contains_key(&call.0));
                }
                Output::Refused(_) => {}
            }
        }
    }
}

fn random_call(rng: &mut Rng, id: u64) -> CallRequest {
    let queue = rng.pick(&QUEUES).unwrap();
    let mut r = call(id, queue);
    r.priority = rng.below(101) as u8;
    if rng.chance(25) {
        r.tier = Tier::KeyAccount;
        if rng.chance(70) {
            r.preferred_agent = Some(a(rng.below(14) as i64 + 1));
        }
    }
    if rng.chance(25) {
        r.language = Some(rng.pick(&LANGS).unwrap().to_string());
    }
    if rng.chance(15) {
        r.skills = vec![("meters".into(), rng.below(5) as u8)];
    }
    if rng.chance(50) {
        r.callback_number = Some(format!("1380000{id:04}"));
    }
    r
}

fn random_profile(rng: &mut Rng, id: i64) -> hotline_acd::AgentProfile {
    let mut skills: Vec<(&str, u8)> = Vec::new();
    for s in SKILLS {
        if rng.chance(70) {
            skills.push((s, rng.below(11) as u8));
        }
    }
    let langs: Vec<&str> = LANGS.iter().copied().filter(|_| rng.chance(60)).collect();
    let mut queues: Vec<&str> = QUEUES.iter().copied().filter(|_| rng.chance(50)).collect();
    if rng.chance(10) {
        queues.push("nonexistent");
    }
    profile(id, &skills, &langs, &queues)
}

fn run(seed: u64, steps: usize) -> Model {
    let mut rng = Rng(seed);
    let mut s = Sim::new(configs());
    // Every other seed holds wrap-ups for the call's reasons (`WrapUpReasons` below).
    s.r.hold_wrap_up_for_reasons(seed % 2 == 1);
    let mut m = Model {
        cfg: configs().into_iter().map(|q| (q.name.clone(), q)).collect(),
        agents: BTreeMap::new(),
        calls: BTreeMap::new(),
        offers: 0,
        connected: 0,
        kinds: BTreeSet::new(),
        externals: (0, 0),
    };
    let mut next_call = 1u64;
    // External calls (`AgentOnCall`) that have not ended.
    let mut externals: Vec<u64> = Vec::new();
    for id in 1..=12i64 {
        let p = random_profile(&mut rng, id);
        m.agents.insert(
            id,
            AgentModel {
                skills: p.skills.clone(),
                languages: p.languages.clone(),
                queues: p.queues.clone(),
                state: AgentState::LoggedOut { since: 0 },
                registered: false,
            },
        );
        let out = s.send(Input::AgentLogin(p));
        m.apply(&out);
        m.agents.get_mut(&id).unwrap().registered = true;
        let out = s.send(Input::AgentRegistered {
            agent: a(id),
            registered: true,
        });
        m.apply(&out);
        let out = s.send(Input::AgentReady(a(id)));
        m.apply(&out);
    }
    for step in 0..steps {
        // Now and then a reload: the `key` queue disappears (its calls get a ticket) or
        // comes back.
        if step % 1500 == 750 {
            let mut cfg = configs();
            if step % 3000 == 750 {
                cfg.retain(|q| q.name != "key");
            }
            m.cfg = cfg.iter().map(|q| (q.name.clone(), q.clone())).collect();
            let out = s.r.reconfigure(cfg, s.now);
            s.r.check_invariants().unwrap();
            m.apply(&out);
        }
        let offered: Vec<(u64, i64, bool)> = m
            .calls
            .iter()
            .filter_map(|(id, c)| c.offered_to.map(|a| (*id, a, c.callback)))
            .collect();
        let connected: Vec<u64> = m
            .calls
            .iter()
            .filter(|(_, c)| c.connected.is_some())
            .map(|(id, _)| *id)
            .collect();
        let waiting: Vec<u64> = m
            .calls
            .iter()
            .filter(|(_, c)| c.connected.is_none() && c.offered_to.is_none())
            .map(|(id, _)| *id)
            .collect();
        let agent = a(rng.below(13) as i64 + 1);
        let input = match rng.below(24) {
            0..=3 => {
                let r = random_call(&mut rng, next_call);
                m.calls.insert(
                    next_call,
                    CallModel {
                        queue: r.queue.clone(),
                        req: r.clone(),
                        offered_to: None,
                        connected: None,
                        callback: false,
                    },
                );
                next_call += 1;
                Some(Input::CallArrived(r))
            }
            4..=9 => rng.pick(&offered).map(|(call, ag, cb)| {
                let (call, ag) = (c(call), a(ag));
                match rng.below(10) {
                    0..=4 if cb => Input::CallbackResult {
                        call,
                        reached: rng.chance(50),
                    },
                    0..=4 => Input::Answered { call, agent: ag },
                    5..=6 => Input::NoAnswer { call, agent: ag },
                    7 => Input::Busy { call, agent: ag },
                    8 => Input::Failed { call, agent: ag },
                    _ => Input::Answered {
                        call,
                        agent: a(ag.0 % 12 + 1),
                    },
                }
            }),
            10..=11 => rng.pick(&connected).map(|id| Input::CallEnded(c(id))),
            12..=13 => rng.pick(&waiting).map(|id| {
                if rng.chance(60) {
                    Input::CallAbandoned(c(id))
                } else {
                    Input::CallbackRequested {
                        call: c(id),
                        number: format!("{id}"),
                    }
                }
            }),
            14..=17 => Some(Input::AgentReady(agent)),
            18 => Some(Input::AgentNotReady {
                agent,
                reason: [NotReadyReason::Break, NotReadyReason::Meeting][rng.below(2) as usize]
                    .clone(),
            }),
            19 if rng.chance(50) => Some(Input::WrapUpReasons(agent)),
            19 => Some(Input::EndWrapUp(agent)),
            20 if rng.chance(30) => Some(Input::AgentLogout(agent)),
            20 => m
                .agents
                .contains_key(&agent.0)
                .then(|| Input::AgentLogin(random_profile(&mut rng, agent.0))),
            21 => {
                let registered = rng.chance(70);
                Some(Input::AgentRegistered { agent, registered })
            }
            // Calls the router did not route: an agent rung for a consultation or an outbound
            // call, and such a call ending.
            23 if rng.chance(50) => Some(Input::AgentOnCall {
                agent,
                call: c(1_000_000 + step as u64),
            }),
            23 => rng.pick(&externals).map(|id| Input::CallEnded(c(id))),
            22 => Some(match rng.below(4) {
                0 => Input::Answered {
                    call: c(rng.below(next_call + 5)),
                    agent,
                },
                1 => Input::CallAbandoned(c(next_call + 100)),
                2 => Input::CallbackResult {
                    call: c(rng.below(next_call)),
                    reached: true,
                },
                _ => Input::CallArrived(call(next_call + 1000, "no-such-queue")),
            }),
            _ => None,
        };
        if let Some(input) = input {
            // A login replaces the model's profile only if accepted.
            let login = match &input {
                Input::AgentLogin(p) => Some(p.clone()),
                _ => None,
            };
            if let Input::AgentRegistered { agent, registered } = &input {
                m.agents
                    .entry(agent.0)
                    .or_insert_with(|| AgentModel {
                        skills: BTreeMap::new(),
                        languages: Vec::new(),
                        queues: Vec::new(),
                        state: AgentState::LoggedOut { since: 0 },
                        registered: false,
                    })
                    .registered = *registered;
            }
            if let Some(p) = &login {
                let am = m.agents.get(&p.id.0).unwrap();
                if matches!(am.state, AgentState::LoggedOut { .. }) {
                    let am = m.agents.get_mut(&p.id.0).unwrap();
                    am.skills = p.skills.clone();
                    am.languages = p.languages.clone();
                    am.queues = p.queues.clone();
                }
            }
            // What the input itself does to an accepted offer or call.
            let effect = match &input {
                Input::NoAnswer { call, .. }
                | Input::Busy { call, .. }
                | Input::Failed { call, .. }
                | Input::CallbackResult {
                    call,
                    reached: false,
                } => Some((call.0, false)),
                Input::CallEnded(call) => Some((call.0, true)),
                _ => None,
            };
            let arrived = match &input {
                Input::CallArrived(r) => Some(r.id.0),
                _ => None,
            };
            let external = match &input {
                Input::AgentOnCall { call, .. } => Some((call.0, true)),
                Input::CallEnded(call) if call.0 >= 1_000_000 => Some((call.0, false)),
                _ => None,
            };
            let out = s.send(input);
            match external.filter(|_| !refused(&out)) {
                Some((id, true)) => {
                    externals.push(id);
                    m.externals.0 += 1;
                }
                Some((id, false)) => {
                    externals.retain(|e| *e != id);
                    m.externals.1 += 1;
                }
                None => {}
            }
            if let Some(id) = arrived.filter(|_| refused(&out)) {
                m.calls.remove(&id);
            }
            if let Some((call, ended)) = effect.filter(|_| !refused(&out)) {
                if ended {
                    if m.calls.get(&call).is_some_and(|c| c.connected.is_some()) {
                        m.calls.remove(&call);
                    }
                } else if let Some(cm) = m.calls.get_mut(&call) {
                    cm.offered_to = None;
                }
            }
            m.apply(&out);
        }
        // Time passes: usually a little, sometimes a lot; now and then a stale clock.
        let ms = match rng.below(20) {
            0 => secs(rng.below(90) as i64),
            1..=2 => 0,
            _ => rng.below(3000) as i64,
        };
        let out = s.advance(ms);
        m.apply(&out);
        if rng.chance(2) {
            let out = s.r.handle(Input::Tick, s.now - secs(30));
            m.apply(&out);
            s.r.check_invariants().unwrap();
        }
    }
    // Every call the router holds is one the model holds, and the reverse.
    assert_eq!(s.r.call_count(), m.calls.len());
    let snap = s.r.snapshot(s.now);
    let answered: u64 = snap
        .queues
        .iter()
        .map(|q| q.counters.answered + q.counters.callbacks_completed)
        .sum();
    assert_eq!(answered, m.connected);
    let offers: u64 = snap.queues.iter().map(|q| q.counters.agent_offers).sum();
    assert_eq!(offers, m.offers);
    let busy: BTreeSet<i64> = m.calls.values().filter_map(|c| c.connected).collect();
    for (id, am) in &m.agents {
        if let AgentState::OnCall { call, .. } = am.state {
            assert!(
                busy.contains(id) || externals.contains(&call.0),
                "agent {id} on {call} not connected in the model"
            );
        }
    }
    m
}

#[test]
fn random_sequences_keep_every_invariant() {
    let mut offers = 0;
    let mut kinds = BTreeSet::new();
    let mut externals = (0, 0);
    // `ACD_PROPERTY_SEEDS=200 cargo test --release -p hotline-acd property` for a longer run.
    let seeds = std::env::var("ACD_PROPERTY_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(4u64);
    for seed in 1..=seeds {
        // About 12 000 inputs and 4 hours of simulated time per seed.
        let m = run(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15), 6_000);
        offers += m.offers;
        kinds.extend(m.kinds);
        externals.0 += m.externals.0;
        externals.1 += m.externals.1;
    }
    assert!(offers > 2_000, "only {offers} offers made");
    assert!(
        externals.0 > 50 && externals.1 > 50,
        "external calls taken and ended: {externals:?}"
    );
    let all = [
        "Offer",
        "DialCallback",
        "RingTimeout",
        "Connected",
        "Announce",
        "CallbackQueued",
        "CallbackGaveUp",
        "MaxWait",
        "QueueRemoved",
        "Abandoned",
        "AgentStateChanged",
        "Refused",
    ];
    for k in all {
        assert!(kinds.contains(k), "no {k} in {kinds:?}");
    }
}
