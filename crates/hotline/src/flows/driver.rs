//! Runs a flow without a phone: the interpreter driven by scripted or typed keys, against a
//! real store, on a simulated clock. `hotline flow simulate` prints what the caller would
//! hear; `hotline flow test` checks it against the cases beside the flows. Prompts "play"
//! instantly; timers fire by moving the clock, so a test of a two-minute call takes
//! milliseconds.

use std::sync::Arc;
use std::time::Duration;

use hotline_ivr::interp::{Action, CallInfo, Event, Exit, LookupRequest, Millis, Outcome, Session};
use hotline_ivr::outbound::Outbound;
use hotline_ivr::FlowSet;
use hotline_store::{CustomerSource, Store};

use crate::controller::ivr_lookup;

/// Most events one simulated call may take (a guard against a flow that never ends).
const MAX_EVENTS: usize = 10_000;
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(10);

/// Where keys come from: each call of `next` gives the keys pressed at the next moment the
/// caller is asked for input (`Some("")`: nothing pressed, the timer runs out;
/// `Some("hangup")`: the caller hangs up there; `None`: the caller has nothing more to say,
/// timers run out from now on).
pub trait Keys {
    fn next(&mut self, heard: &[String]) -> Option<String>;
}

/// Keys from a script: groups separated by commas (`"1,1000000001#,1"`); an empty group
/// lets a timer run out, `hangup` hangs up.
pub struct Scripted {
    groups: std::collections::VecDeque<String>,
}

impl Scripted {
    pub fn new(keys: &str) -> Scripted {
        let groups = if keys.is_empty() {
            Default::default()
        } else {
            keys.split(',').map(|g| g.trim().to_string()).collect()
        };
        Scripted { groups }
    }
}

impl Keys for Scripted {
    fn next(&mut self, _heard: &[String]) -> Option<String> {
        self.groups.pop_front()
    }
}

/// One line of what happened.
#[derive(Debug, Clone, PartialEq)]
pub enum Line {
    /// Played: the script (prompt names and «values»).
    Heard(Vec<String>),
    Pressed(String),
    TimedOut,
    Lookup(String),
    Ticket(Result<i64, String>),
    Warning(String),
    Transfer(hotline_ivr::interp::TransferRequest),
    /// An outbound node's promise, opt-out or result (for the campaign).
    Outbound(hotline_ivr::outbound::Outbound),
    Hangup,
    /// The caller hung up (the simulation ran out of events).
    Abandoned,
}

impl std::fmt::Display for Line {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Line::Heard(s) => write!(f, "hears    {}", s.join(" ")),
            Line::Pressed(k) => write!(f, "presses  {k}"),
            Line::TimedOut => write!(f, "(silence: timeout)"),
            Line::Lookup(w) => write!(f, "lookup   {w}"),
            Line::Ticket(Ok(id)) => write!(f, "ticket   #{id} opened"),
            Line::Ticket(Err(e)) => write!(f, "ticket   failed: {e}"),
            Line::Warning(w) => write!(f, "warning  {w}"),
            Line::Transfer(t) => write!(
                f,
                "transfer to queue {} (skills {:?}, priority {}, preferred agent {}, reason {})",
                t.queue,
                t.skills,
                t.priority,
                t.preferred_agent.as_deref().unwrap_or("-"),
                t.reason
            ),
            Line::Outbound(o) => match o {
                Outbound::Promise { amount_fen, by } => write!(
                    f,
                    "promise  {}.{:02} yuan by {}",
                    amount_fen / 100,
                    amount_fen % 100,
                    hotline_ivr::Value::Date(*by)
                ),
                Outbound::OptOut => write!(f, "opt-out  no more campaign calls"),
                Outbound::Result(r) => write!(f, "result   {r}"),
            },
            Line::Hangup => write!(f, "hang up"),
            Line::Abandoned => write!(f, "(caller hangs up)"),
        }
    }
}

/// The group of keys that hangs up.
pub const HANG_UP: &str = "hangup";

/// How the call ended, what was heard, the path and the variables at the end.
#[derive(Debug)]
pub struct Transcript {
    pub lines: Vec<Line>,
    pub path: Vec<String>,
    pub vars: hotline_ivr::expr::Vars,
    /// Every prompt name played, in order (said values expanded), for checks.
    pub prompts: Vec<String>,
    /// Whether the caller had a self-service action (a `served` node).
    pub served: bool,
    /// How the call counts for containment, as the engine would record it.
    pub ivr_outcome: Option<Outcome>,
    /// What the outbound nodes recorded (result, promise, opt-out).
    pub outbound: hotline_ivr::outbound::Record,
}

impl Transcript {
    pub fn outcome(&self) -> String {
        match self.lines.last() {
            Some(Line::Transfer(t)) => format!("transfer:{}", t.queue),
            Some(Line::Hangup) => "hangup".into(),
            _ => "abandoned".into(),
        }
    }
}

/// Who the simulated call is with: the caller's number and, for an outbound (campaign)
/// call, the flow's `target` (already converted: [`hotline_ivr::outbound::target_value`]).
pub struct Party<'a> {
    pub caller: &'a str,
    pub target: Option<hotline_ivr::Value>,
}

/// Runs `flow` for a call with `party` at `now`; `echo` prints each line as it happens.
pub async fn run(
    flows: Arc<FlowSet>,
    flow: usize,
    party: Party<'_>,
    now: Millis,
    store: &Store,
    keys: &mut dyn Keys,
    echo: bool,
) -> Transcript {
    let info = CallInfo {
        caller: party.caller.to_string(),
        dialled: "simulator".into(),
        language: String::new(),
    };
    let (mut session, first) = match party.target {
        Some(target) => Session::start_outbound(flows, flow, info, target, now),
        None => Session::start(flows, flow, info, now),
    };
    let mut t = Transcript {
        lines: Vec::new(),
        path: Vec::new(),
        vars: Default::default(),
        prompts: Vec::new(),
        served: false,
        ivr_outcome: None,
        outbound: Default::default(),
    };
    let mut clock = now;
    let mut pending: std::collections::VecDeque<Action> = first.into();
    let mut timer: Option<(u64, Millis)> = None;
    let mut played = false;
    let mut heard: Vec<String> = Vec::new();
    let mut silent = false;
    let push = |t: &mut Transcript, line: Line| {
        if echo {
            println!("  {line}");
        }
        t.lines.push(line);
    };
    for _ in 0..MAX_EVENTS {
        // Carry out what the session asked, collecting the next event it waits for.
        let mut next: Option<Event> = None;
        while let Some(a) = pending.pop_front() {
            match a {
                Action::Play {
                    prompts, script, ..
                } => {
                    t.prompts.extend(prompts.iter().map(|p| p.name.clone()));
                    heard.clone_from(&script);
                    push(&mut t, Line::Heard(script));
                    played = true;
                }
                Action::StopPlay => played = false,
                Action::Timer { id, at } => timer = Some((id, at)),
                Action::Lookup { id, request } => {
                    push(&mut t, Line::Lookup(describe(&request)));
                    let source: &dyn CustomerSource = store;
                    let result = ivr_lookup(source, request, LOOKUP_TIMEOUT, clock).await;
                    next = Some(Event::Lookup { id, result });
                }
                Action::OpenTicket { id, request } => {
                    let result = crate::controller::ivr_ticket(store, request, None, clock).await;
                    push(
                        &mut t,
                        Line::Ticket(result.as_ref().map(|i| i.id).map_err(String::clone)),
                    );
                    next = Some(Event::Ticket { id, result });
                }
                Action::Warning(w) => push(&mut t, Line::Warning(w)),
                Action::Transfer(req) => push(&mut t, Line::Transfer(req)),
                Action::Outbound(o) => push(&mut t, Line::Outbound(o)),
                Action::Hangup => push(&mut t, Line::Hangup),
                Action::Exit {
                    exit: Exit::CallerHungUp,
                    ..
                } => push(&mut t, Line::Abandoned),
                Action::Enter { .. } | Action::Exit { .. } | Action::SetLanguage(_) => {}
            }
        }
        if session.ended() {
            break;
        }
        let event = match next {
            Some(ev) => ev,
            None if played => {
                played = false;
                Event::PlayDone
            }
            None => {
                // Waiting for the caller: press the next keys, or let the timer run out.
                let group = if silent { None } else { keys.next(&heard) };
                match group {
                    Some(g) if g == HANG_UP => Event::Hangup,
                    Some(g) if !g.is_empty() => {
                        push(&mut t, Line::Pressed(g.clone()));
                        for k in g.chars() {
                            pending.extend(session.handle(Event::Digit(k), clock));
                        }
                        continue;
                    }
                    other => {
                        silent |= other.is_none();
                        let Some((id, at)) = timer.take() else {
                            push(&mut t, Line::Warning("nothing to wait for".into()));
                            break;
                        };
                        clock = clock.max(at);
                        push(&mut t, Line::TimedOut);
                        Event::Timer(id)
                    }
                }
            }
        };
        pending.extend(session.handle(event, clock));
    }
    if !session.ended() {
        pending.extend(session.handle(Event::Hangup, clock));
        push(&mut t, Line::Abandoned);
    }
    t.path = session.path().split('>').map(str::to_string).collect();
    t.vars = session.vars().clone();
    t.served = session.served();
    t.ivr_outcome = session.outcome();
    t.outbound = session.outbound();
    t
}

fn describe(r: &LookupRequest) -> String {
    match r {
        LookupRequest::CustomerByCaller { caller } => format!("customer by caller {caller}"),
        LookupRequest::CustomerByAccount { account } => format!("customer by account {account}"),
        LookupRequest::Bills { account } => format!("bills of {account}"),
        LookupRequest::Arrears { account } => format!("arrears of {account}"),
        LookupRequest::Notices { district, kind } => format!(
            "notices of {}{}",
            district
                .as_deref()
                .map_or("every district (in force)".to_string(), |d| format!(
                    "district {d}"
                )),
            kind.as_deref()
                .map(|k| format!(" ({k})"))
                .unwrap_or_default()
        ),
        LookupRequest::SubmitReading {
            account,
            value,
            reporter_phone,
        } => format!("submit reading {value} for {account} (from {reporter_phone})"),
        LookupRequest::SubmitSurvey { score } => format!("survey score {score}"),
    }
}
