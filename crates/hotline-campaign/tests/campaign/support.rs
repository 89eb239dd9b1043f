//! A simulation around the dialler: a fake clock that jumps to the dialler's deadlines and to
//! the ends of the calls it placed, with a responder that decides how each call ends.

use std::collections::BTreeSet;

use hotline_campaign::{
    Action, CallResult, Campaign, Dialler, DoNotCall, Event, Millis, Mode, RouteLimits, Target,
    TargetId,
};
use hotline_time::{CivilDate, Zone};

pub const SEC: Millis = 1000;
pub const MIN: Millis = 60 * SEC;
pub const HOUR: Millis = 60 * MIN;

pub fn shanghai() -> Zone {
    Zone::named("Asia/Shanghai").unwrap()
}

pub fn berlin() -> Zone {
    Zone::named("Europe/Berlin").unwrap()
}

pub fn date(year: i32, month: u8, day: u8) -> CivilDate {
    CivilDate { year, month, day }
}

/// The instant the zone's clocks show h:m on the date.
pub fn at(zone: &Zone, d: CivilDate, h: u8, m: u8) -> Millis {
    zone.at_wall_time(d, h, m).unwrap()
}

/// Monday 2 March 2026 in Shanghai at h:m.
pub fn monday(h: u8, m: u8) -> Millis {
    at(&shanghai(), date(2026, 3, 2), h, m)
}

/// `n` targets, customers c1…cn, numbers 1380000xxxx.
pub fn targets(n: u64) -> Vec<Target> {
    (1..=n)
        .map(|i| Target::new(i, &format!("c{i}"), &format!("138{i:08}")))
        .collect()
}

/// A campaign in Shanghai with the standard window and a roomy route (1000/s, 1000 lines).
pub fn campaign(mode: Mode) -> Campaign {
    let mut c = Campaign::new("test", mode, shanghai());
    c.route = RouteLimits {
        attempts_per_sec: 1000,
        burst: 1000,
        max_lines: 1000,
    };
    c
}

/// How a dialled call ends: after this long, with this result (`None`: it stays up).
pub type Responder = Box<dyn FnMut(TargetId, u32, Millis) -> Option<(Millis, CallResult)>>;

pub struct Sim {
    pub d: Dialler,
    pub now: Millis,
    pub log: Vec<(Millis, Action)>,
    ends: BTreeSet<(Millis, TargetId, u32, CallResultKey)>,
    pub responder: Responder,
    /// Calls under way as the simulation counts them (dials minus ends), and the most seen.
    pub live: usize,
    pub max_live: usize,
    /// The ends the simulation reported: (time, target, attempt, result).
    pub ended: Vec<(Millis, TargetId, u32, CallResult)>,
}

/// CallResult has no Ord; keep its index.
type CallResultKey = usize;

fn key(r: CallResult) -> CallResultKey {
    CallResult::ALL.iter().position(|x| *x == r).unwrap()
}

impl Sim {
    pub fn new(d: Dialler, now: Millis) -> Sim {
        Sim {
            d,
            now,
            log: Vec::new(),
            ends: BTreeSet::new(),
            responder: Box::new(|_, _, _| None),
            live: 0,
            max_live: 0,
            ended: Vec::new(),
        }
    }

    /// A started dialler for these targets.
    pub fn started(cfg: Campaign, targets: Vec<Target>, now: Millis) -> Sim {
        let mut s = Sim::new(Dialler::new(cfg, targets, DoNotCall::new()), now);
        s.event(now, Event::Start);
        s
    }

    pub fn event(&mut self, at: Millis, ev: Event) -> Vec<Action> {
        assert!(at >= self.now, "the simulation's clock goes forward");
        self.now = at;
        let out = self.d.handle(at, ev);
        for a in &out {
            if let Action::Dial {
                target, attempt, ..
            }
            | Action::Preview {
                target, attempt, ..
            } = a
            {
                self.live += 1;
                self.max_live = self.max_live.max(self.live);
                if let Some((after, result)) = (self.responder)(*target, *attempt, at) {
                    self.ends
                        .insert((at + after, *target, *attempt, key(result)));
                }
            }
            self.log.push((at, a.clone()));
        }
        out
    }

    /// Runs the clock to `until`: ticks at each deadline, ends calls as the responder said.
    pub fn run_until(&mut self, until: Millis) {
        loop {
            let deadline = self.d.next_deadline().filter(|t| *t <= until);
            let end = self.ends.first().copied().filter(|e| e.0 <= until);
            match (deadline, end) {
                (None, None) => break,
                (Some(t), e) if e.is_none_or(|e| t < e.0) => {
                    let t = t.max(self.now);
                    let before = self.log.len();
                    self.event(t, Event::Tick);
                    assert!(
                        self.log.len() > before,
                        "a tick at the deadline {t} did nothing"
                    );
                }
                (_, Some(e)) => {
                    self.ends.remove(&e);
                    self.live -= 1;
                    self.ended.push((e.0, e.1, e.2, CallResult::ALL[e.3]));
                    self.event(
                        e.0.max(self.now),
                        Event::AttemptEnded {
                            target: e.1,
                            attempt: e.2,
                            result: CallResult::ALL[e.3],
                            at: e.0,
                            promise: None,
                        },
                    );
                }
                (Some(_), None) => unreachable!(),
            }
        }
        self.now = self.now.max(until);
    }

    /// The dials (and preview offers) so far: (time, target, attempt).
    pub fn dials(&self) -> Vec<(Millis, TargetId, u32)> {
        dials(&self.log)
    }
}

pub fn dials(log: &[(Millis, Action)]) -> Vec<(Millis, TargetId, u32)> {
    log.iter()
        .filter_map(|(t, a)| match a {
            Action::Dial {
                target, attempt, ..
            }
            | Action::Preview {
                target, attempt, ..
            } => Some((*t, *target, *attempt)),
            _ => None,
        })
        .collect()
}

/// The dial actions among `out`: (target, attempt).
pub fn dialled(out: &[Action]) -> Vec<(TargetId, u32)> {
    out.iter()
        .filter_map(|a| match a {
            Action::Dial {
                target, attempt, ..
            }
            | Action::Preview {
                target, attempt, ..
            } => Some((*target, *attempt)),
            _ => None,
        })
        .collect()
}

/// The most dials in any `len`-ms window.
pub fn max_in_window(times: &[Millis], len: Millis) -> usize {
    let mut best = 0;
    let mut lo = 0;
    for hi in 0..times.len() {
        while times[hi] - times[lo] >= len {
            lo += 1;
        }
        best = best.max(hi - lo + 1);
    }
    best
}
