//! The interpreter: one `Session` per call, a pure state machine. The shell feeds it events
//! (a key, a prompt finished, a timer fired, a lookup or ticket answered, the caller hung up)
//! with the time, and plays the actions it returns (play prompts, set a timer, look up, open a
//! ticket, transfer, hang up). No I/O and no clock reads here, so a test runs a whole call in
//! microseconds on a fake clock, and `hotline flow simulate` runs the same code as a call.
//!
//! Waiting is explicit: at any moment the session waits for at most one thing (a prompt to
//! finish, a key, a lookup, a ticket), with at most one timer; a timer or answer that is no
//! longer awaited (its id is stale) is ignored. Keys pressed while nothing waits for them are
//! kept (type-ahead) for the next menu or collect.

pub mod hours;
mod outbound;
mod outcome;
mod prompts;
mod schedule;
mod wait;

#[cfg(test)]
mod tests;

use crate::expr::Vars;
use crate::flow::{FlowIdx, FlowSet, LookupWhat, NodeIdx, NodeKind};
use crate::value::Value;
use std::sync::Arc;

use outcome::EndedBy;
pub use outcome::Outcome;
pub use prompts::PromptRef;
pub use schedule::is_open;

/// Milliseconds (the shell's clock; Unix ms for schedules).
pub type Millis = i64;

/// Most nodes one call may pass through; past it the call is ended (a guard: the loader
/// already refuses loops that do not wait for the caller).
pub const MAX_NODES_PER_CALL: u32 = 2_000;
/// Most nodes run for one event without waiting.
const MAX_STEPS_PER_EVENT: u32 = 500;
/// Most flows on the call stack.
const MAX_CALL_DEPTH: usize = 16;
/// How long a ticket may take to open.
pub const TICKET_TIMEOUT_MS: i64 = 5_000;
/// Longest IVR path kept for the call record.
const MAX_PATH: usize = 200;

/// What the shell tells the session.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A key (`0`–`9`, `*`, `#`, `A`–`D`).
    Digit(char),
    /// The prompts of the last `Play` finished (not sent after `StopPlay`).
    PlayDone,
    /// The timer with this id fired.
    Timer(u64),
    Lookup {
        id: u64,
        result: LookupResult,
    },
    Ticket {
        id: u64,
        result: Result<TicketInfo, String>,
    },
    /// The caller hung up.
    Hangup,
}

#[derive(Debug, Clone, PartialEq)]
pub enum LookupResult {
    Found(Value),
    NotFound,
    Failed(String),
}

/// A ticket the shell opened.
#[derive(Debug, Clone, PartialEq)]
pub struct TicketInfo {
    pub id: i64,
    /// The number read to the caller.
    pub number: String,
    /// Sent to the district's crew already (an auto-dispatched kind with a known district):
    /// what the flow may tell the caller (`ticket.dispatched`).
    pub dispatched: bool,
}

/// What the session asks the shell to do, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Play these prompts in order; send `PlayDone` when all are played. `script` is the same
    /// as text for people (prompt names, said values).
    Play {
        prompts: Vec<PromptRef>,
        barge_in: bool,
        script: Vec<String>,
    },
    /// Stop what is playing (a key barged in); no `PlayDone` follows.
    StopPlay,
    /// Send `Timer(id)` at `at`; replaces any earlier timer.
    Timer {
        id: u64,
        at: Millis,
    },
    Lookup {
        id: u64,
        request: LookupRequest,
    },
    OpenTicket {
        id: u64,
        request: TicketRequest,
    },
    SetLanguage(String),
    /// A node was entered (for the IVR path and per-node counters).
    Enter {
        flow: FlowIdx,
        node: NodeIdx,
    },
    /// A node was left by this exit.
    Exit {
        flow: FlowIdx,
        node: NodeIdx,
        exit: Exit,
    },
    /// Something went wrong that the designer should hear about (a value that could not be
    /// said, an expression that failed); the call goes on.
    Warning(String),
    /// An outbound call's promise to pay, opt-out or result, for its campaign: the shell
    /// keeps it (the session also adds them up: [`Session::outbound`]).
    Outbound(crate::outbound::Outbound),
    /// Hand the call to an agent queue; the session has ended.
    Transfer(TransferRequest),
    /// Hang up; the session has ended.
    Hangup,
}

/// How a node was left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Next,
    Key(char),
    Fallback,
    Found,
    NotFound,
    Error,
    /// The n-th case of a branch (0-based).
    Case(usize),
    Otherwise,
    Open,
    Closed,
    Return,
    Transfer,
    Hangup,
    /// The caller hung up while here.
    CallerHungUp,
}

impl Exit {
    /// The exit's name for counters and graphs.
    pub fn label(self) -> String {
        match self {
            Exit::Next => "next".into(),
            Exit::Key(k) => format!("key_{k}"),
            Exit::Fallback => "fallback".into(),
            Exit::Found => "found".into(),
            Exit::NotFound => "not_found".into(),
            Exit::Error => "error".into(),
            Exit::Case(n) => format!("case_{}", n + 1),
            Exit::Otherwise => "otherwise".into(),
            Exit::Open => "open".into(),
            Exit::Closed => "closed".into(),
            Exit::Return => "return".into(),
            Exit::Transfer => "transfer".into(),
            Exit::Hangup => "hangup".into(),
            Exit::CallerHungUp => "caller_hung_up".into(),
        }
    }
}

/// A lookup with its arguments evaluated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LookupRequest {
    CustomerByCaller {
        caller: String,
    },
    CustomerByAccount {
        account: String,
    },
    Bills {
        account: String,
    },
    Arrears {
        account: String,
    },
    /// Notices of a district (its code) in force or starting within a day; `None`: the
    /// ones in force now in every district.
    Notices {
        district: Option<String>,
        kind: Option<String>,
    },
    SubmitReading {
        account: String,
        value: String,
        /// The caller's number: who reported it.
        reporter_phone: String,
    },
    /// The caller's rating of the call, `1`–`5`.
    SubmitSurvey {
        score: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketRequest {
    pub kind: String,
    pub summary: String,
    /// The summary in other languages: (language, text).
    pub summaries: Vec<(String, String)>,
    pub customer_account: Option<String>,
    pub address: Option<String>,
    pub reporter_phone: String,
}

/// What the queue needs to know of the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferRequest {
    pub queue: String,
    pub skills: Vec<(String, u8)>,
    pub priority: u8,
    pub reason: String,
    pub preferred_agent: Option<String>,
    pub language: String,
    /// From the `customer` variable when the flow found one.
    pub customer_account: Option<String>,
    pub tier: Option<String>,
}

/// Who is calling, set before the flow starts.
#[derive(Debug, Clone)]
pub struct CallInfo {
    pub caller: String,
    pub dialled: String,
    /// Empty: the flow's first language.
    pub language: String,
}

/// Where a session stands.
#[derive(Debug, Clone, PartialEq)]
enum Wait {
    /// Running nodes (between events) — never seen outside `run`.
    Nothing,
    Playing {
        next: NodeIdx,
    },
    Menu(wait::MenuWait),
    Collect(wait::CollectWait),
    Lookup {
        id: u64,
    },
    Ticket {
        id: u64,
    },
    /// Playing the last prompts before hanging up.
    HangingUp,
    Ended,
}

/// What running a node leads to.
enum Step {
    /// The node waits for the caller or the shell (or the call ended).
    Wait,
    /// Leave by this exit for this node of the same flow.
    Go(Exit, NodeIdx),
    /// Continue at this node of the (already switched) flow; the exit is recorded.
    Jump(NodeIdx),
}

struct Frame {
    flow: FlowIdx,
    return_to: NodeIdx,
}

/// One call's run through the flows.
pub struct Session {
    set: Arc<FlowSet>,
    flow: FlowIdx,
    node: NodeIdx,
    stack: Vec<Frame>,
    vars: Vars,
    language: String,
    wait: Wait,
    typeahead: Vec<char>,
    next_id: u64,
    visited: u32,
    path: Vec<(FlowIdx, NodeIdx)>,
    now: Millis,
    /// A node marked `served` was completed.
    served: bool,
    ended_by: Option<EndedBy>,
    /// What the outbound nodes recorded.
    outbound: crate::outbound::Record,
}

impl Session {
    /// Starts `flow` for a call at `now`; returns the session and its first actions.
    pub fn start(
        set: Arc<FlowSet>,
        flow: FlowIdx,
        call: CallInfo,
        now: Millis,
    ) -> (Session, Vec<Action>) {
        Session::start_with(set, flow, call, None, now)
    }

    /// Starts `flow` for an outbound (campaign) call: like [`Session::start`], with the
    /// variable `target` set to the campaign's data for the customer before the first node
    /// (see [`crate::outbound::target_value`]).
    pub fn start_outbound(
        set: Arc<FlowSet>,
        flow: FlowIdx,
        call: CallInfo,
        target: Value,
        now: Millis,
    ) -> (Session, Vec<Action>) {
        Session::start_with(set, flow, call, Some(target), now)
    }

    fn start_with(
        set: Arc<FlowSet>,
        flow: FlowIdx,
        call: CallInfo,
        target: Option<Value>,
        now: Millis,
    ) -> (Session, Vec<Action>) {
        let default_language = set
            .flows
            .get(flow)
            .and_then(|f| f.languages.first().cloned())
            .unwrap_or_else(|| "zh".into());
        let language = if call.language.is_empty() {
            default_language
        } else {
            call.language.clone()
        };
        let mut vars = Vars::new();
        vars.insert("caller".into(), Value::text(call.caller));
        vars.insert("dialled".into(), Value::text(call.dialled));
        vars.insert("language".into(), Value::text(language.clone()));
        let today = set.zone.date(now);
        vars.insert(
            "today".into(),
            Value::Date(crate::value::Date {
                year: today.year,
                month: today.month,
                day: today.day,
            }),
        );
        if let Some(t) = target {
            vars.insert("target".into(), t);
        }
        let start = set.flows.get(flow).map_or(0, |f| f.start);
        let mut s = Session {
            set,
            flow,
            node: start,
            stack: Vec::new(),
            vars,
            language,
            wait: Wait::Nothing,
            typeahead: Vec::new(),
            next_id: 0,
            visited: 0,
            path: Vec::new(),
            now,
            served: false,
            ended_by: None,
            outbound: Default::default(),
        };
        let mut out = Vec::new();
        if s.set.flows.get(flow).is_none_or(|f| f.nodes.is_empty()) {
            out.push(Action::Warning(format!("no flow #{flow} to run")));
            s.end(&mut out, Action::Hangup);
            return (s, out);
        }
        s.enter(start, &mut out);
        (s, out)
    }

    /// Feeds one event at `now`; returns what to do.
    pub fn handle(&mut self, event: Event, now: Millis) -> Vec<Action> {
        self.now = now;
        let mut out = Vec::new();
        if self.wait == Wait::Ended {
            return out;
        }
        if event == Event::Hangup {
            out.push(self.exit_action(Exit::CallerHungUp));
            // Over the flow's own last prompts the flow had already ended the call.
            self.ended_by = Some(match self.wait {
                Wait::HangingUp => EndedBy::Flow,
                _ => EndedBy::Caller,
            });
            self.wait = Wait::Ended;
            return out;
        }
        let wait = std::mem::replace(&mut self.wait, Wait::Nothing);
        match (wait, event) {
            (Wait::Playing { next }, Event::PlayDone) => {
                self.serve();
                self.go(Exit::Next, next, &mut out)
            }
            (Wait::Playing { next }, Event::Digit(k)) => {
                let barge_in = matches!(self.kind(), Some(NodeKind::Play { barge_in: true, .. }));
                self.typeahead.push(k);
                if barge_in {
                    // The caller heard what they wanted and moved on.
                    self.serve();
                    out.push(Action::StopPlay);
                    self.go(Exit::Next, next, &mut out);
                } else {
                    self.wait = Wait::Playing { next };
                }
            }
            (Wait::Menu(m), ev) => self.on_menu(m, ev, &mut out),
            (Wait::Collect(c), ev) => self.on_collect(c, ev, &mut out),
            (Wait::Lookup { id }, ev) => self.on_lookup(id, ev, &mut out),
            (Wait::Ticket { id }, ev) => self.on_ticket(id, ev, &mut out),
            (Wait::HangingUp, Event::PlayDone) => self.end(&mut out, Action::Hangup),
            (wait, Event::Digit(k)) => {
                self.typeahead.push(k);
                self.wait = wait;
            }
            // A stale timer or answer, or a PlayDone nobody waits for.
            (wait, _) => self.wait = wait,
        }
        out
    }

    /// Whether the session has ended (transfer, hang-up, or the caller left).
    pub fn ended(&self) -> bool {
        self.wait == Wait::Ended
    }

    /// Whether the caller has had a self-service action (left a node marked `served` the
    /// normal way).
    pub fn served(&self) -> bool {
        self.served
    }

    /// How the session ended; `None` while it runs.
    pub fn outcome(&self) -> Option<Outcome> {
        Some(Outcome::of(self.ended_by?, self.served))
    }

    /// The current node counts as a self-service action if it is marked `served`.
    fn serve(&mut self) {
        let marked = self
            .set
            .flows
            .get(self.flow)
            .and_then(|f| f.nodes.get(self.node))
            .is_some_and(|n| n.served);
        self.served |= marked;
    }

    /// What the call's outbound nodes recorded so far (result, promise, opt-out), for the
    /// campaign shell.
    pub fn outbound(&self) -> crate::outbound::Record {
        self.outbound
    }

    /// The call's variables (for the simulator and the call record).
    pub fn vars(&self) -> &Vars {
        &self.vars
    }

    pub fn language(&self) -> &str {
        &self.language
    }

    /// The nodes visited, as `flow/node` joined by `>` (at most the first 200).
    pub fn path(&self) -> String {
        let mut s = String::new();
        for (i, (f, n)) in self.path.iter().enumerate() {
            if i > 0 {
                s.push('>');
            }
            if let Some(flow) = self.set.flows.get(*f) {
                s.push_str(&flow.name);
                s.push('/');
                s.push_str(flow.nodes.get(*n).map_or("?", |n| n.id.as_str()));
            }
        }
        s
    }

    /// Where the session is: (flow name, node id).
    pub fn position(&self) -> (&str, &str) {
        let flow = self.set.flows.get(self.flow);
        let name = flow.map_or("?", |f| f.name.as_str());
        let node = flow
            .and_then(|f| f.nodes.get(self.node))
            .map_or("?", |n| n.id.as_str());
        (name, node)
    }

    fn kind(&self) -> Option<&NodeKind> {
        self.set
            .flows
            .get(self.flow)
            .and_then(|f| f.nodes.get(self.node))
            .map(|n| &n.kind)
    }

    fn id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    fn exit_action(&self, exit: Exit) -> Action {
        Action::Exit {
            flow: self.flow,
            node: self.node,
            exit,
        }
    }

    /// Leaves the current node by `exit` for `target` in the same flow.
    fn go(&mut self, exit: Exit, target: NodeIdx, out: &mut Vec<Action>) {
        out.push(self.exit_action(exit));
        self.enter(target, out);
    }

    fn end(&mut self, out: &mut Vec<Action>, last: Action) {
        self.wait = Wait::Ended;
        self.ended_by = Some(match last {
            Action::Transfer(_) => EndedBy::Transfer,
            _ => EndedBy::Flow,
        });
        out.push(last);
    }

    /// Enters `target` and runs nodes until one waits or the call ends.
    fn enter(&mut self, target: NodeIdx, out: &mut Vec<Action>) {
        let mut target = target;
        for _ in 0..MAX_STEPS_PER_EVENT {
            self.node = target;
            self.visited += 1;
            if self.visited > MAX_NODES_PER_CALL {
                out.push(Action::Warning(format!(
                    "more than {MAX_NODES_PER_CALL} nodes on one call; ending it"
                )));
                return self.end(out, Action::Hangup);
            }
            if self.path.len() < MAX_PATH {
                self.path.push((self.flow, target));
            }
            out.push(Action::Enter {
                flow: self.flow,
                node: target,
            });
            match self.step(out) {
                Step::Go(exit, next) => {
                    out.push(self.exit_action(exit));
                    target = next;
                }
                Step::Jump(next) => target = next,
                Step::Wait => return,
            }
        }
        out.push(Action::Warning(format!(
            "more than {MAX_STEPS_PER_EVENT} nodes without waiting for the caller; ending the call"
        )));
        self.end(out, Action::Hangup)
    }

    /// Runs the current node.
    fn step(&mut self, out: &mut Vec<Action>) -> Step {
        let set = Arc::clone(&self.set);
        let Some(node) = set
            .flows
            .get(self.flow)
            .and_then(|f| f.nodes.get(self.node))
        else {
            out.push(Action::Warning("no such node".into()));
            self.end(out, Action::Hangup);
            return Step::Wait;
        };
        let kind = &node.kind;
        match kind {
            NodeKind::Play {
                prompts,
                barge_in,
                next,
            } => {
                if *barge_in && !self.typeahead.is_empty() {
                    return Step::Go(Exit::Next, *next);
                }
                let play = self.render(prompts, *barge_in, out);
                match play {
                    Some(p) => {
                        out.push(p);
                        self.wait = Wait::Playing { next: *next };
                        Step::Wait
                    }
                    None => Step::Go(Exit::Next, *next),
                }
            }
            NodeKind::Menu(menu) => self.start_menu(menu, out),
            NodeKind::Collect(c) => self.start_collect(c, out),
            NodeKind::Lookup(l) => self.start_lookup(l, out),
            NodeKind::Set { vars, next } => {
                for (name, expr) in vars {
                    match expr.eval(&self.vars) {
                        Ok(v) => {
                            self.vars.insert(name.clone(), v);
                        }
                        Err(e) => {
                            out.push(Action::Warning(format!("set {name}: {e}")));
                            self.vars.insert(name.clone(), Value::Null);
                        }
                    }
                }
                Step::Go(Exit::Next, *next)
            }
            NodeKind::Branch { cases, otherwise } => {
                for (i, (cond, target)) in cases.iter().enumerate() {
                    match cond.eval(&self.vars) {
                        Ok(v) if v.is_true() => return Step::Go(Exit::Case(i), *target),
                        Ok(_) => {}
                        Err(e) => out.push(Action::Warning(format!(
                            "condition `{}`: {e}",
                            cond.source()
                        ))),
                    }
                }
                Step::Go(Exit::Otherwise, *otherwise)
            }
            NodeKind::Language { language, next } => {
                self.language = language.clone();
                self.vars
                    .insert("language".into(), Value::text(language.clone()));
                out.push(Action::SetLanguage(language.clone()));
                Step::Go(Exit::Next, *next)
            }
            NodeKind::Call { flow, next } => {
                let Some(start) = set.flows.get(*flow).map(|f| f.start) else {
                    out.push(Action::Warning(format!("no flow #{flow}")));
                    return Step::Go(Exit::Error, *next);
                };
                if self.stack.len() >= MAX_CALL_DEPTH {
                    out.push(Action::Warning("sub-flows nested too deep".into()));
                    self.end(out, Action::Hangup);
                    return Step::Wait;
                }
                out.push(self.exit_action(Exit::Next));
                self.stack.push(Frame {
                    flow: self.flow,
                    return_to: *next,
                });
                self.flow = *flow;
                Step::Jump(start)
            }
            NodeKind::Return => match self.stack.pop() {
                Some(frame) => {
                    out.push(self.exit_action(Exit::Return));
                    self.flow = frame.flow;
                    Step::Jump(frame.return_to)
                }
                None => {
                    out.push(self.exit_action(Exit::Hangup));
                    self.end(out, Action::Hangup);
                    Step::Wait
                }
            },
            NodeKind::Ticket(t) => self.start_ticket(t, out),
            NodeKind::Transfer(t) => {
                let request = self.transfer_request(t, out);
                out.push(self.exit_action(Exit::Transfer));
                self.end(out, Action::Transfer(request));
                Step::Wait
            }
            NodeKind::Hangup { prompts } => {
                out.push(self.exit_action(Exit::Hangup));
                match self.render(prompts, false, out) {
                    Some(p) => {
                        out.push(p);
                        self.wait = Wait::HangingUp;
                    }
                    None => self.end(out, Action::Hangup),
                }
                Step::Wait
            }
            NodeKind::Outbound { node, next } => self.record(node, *next, out),
            NodeKind::Schedule {
                calendar,
                open,
                closed,
            } => match set.calendars.get(calendar) {
                Some(c) if is_open(c, &set.zone, self.now) => Step::Go(Exit::Open, *open),
                Some(_) => Step::Go(Exit::Closed, *closed),
                None => {
                    out.push(Action::Warning(format!("no calendar {calendar}")));
                    Step::Go(Exit::Closed, *closed)
                }
            },
        }
    }

    fn transfer_request(
        &mut self,
        t: &crate::flow::Transfer,
        out: &mut Vec<Action>,
    ) -> TransferRequest {
        let preferred_agent = t
            .preferred_agent
            .as_ref()
            .and_then(|e| match e.eval(&self.vars) {
                Ok(Value::Text(s)) if !s.is_empty() => Some(s),
                Ok(_) => None,
                Err(e) => {
                    out.push(Action::Warning(format!("preferred_agent: {e}")));
                    None
                }
            });
        let customer = self.vars.get("customer");
        let text = |v: &Value| match v {
            Value::Text(s) if !s.is_empty() => Some(s.clone()),
            _ => None,
        };
        TransferRequest {
            queue: t.queue.clone(),
            skills: t.skills.clone(),
            priority: t.priority,
            reason: t.reason.clone(),
            preferred_agent,
            language: self.language.clone(),
            customer_account: customer.and_then(|c| text(c.field("account"))),
            tier: customer.and_then(|c| text(c.field("tier"))),
        }
    }

    fn start_lookup(&mut self, l: &crate::flow::Lookup, out: &mut Vec<Action>) -> Step {
        let request = match self.lookup_request(&l.what) {
            Ok(r) => r,
            Err(e) => {
                out.push(Action::Warning(format!("lookup {}: {e}", l.what.name())));
                return Step::Go(Exit::Error, l.error);
            }
        };
        let id = self.id();
        out.push(Action::Lookup { id, request });
        out.push(Action::Timer {
            id,
            at: self.now + l.timeout_ms as i64,
        });
        self.wait = Wait::Lookup { id };
        Step::Wait
    }

    fn lookup_request(&self, what: &LookupWhat) -> Result<LookupRequest, String> {
        let text = |e: &crate::expr::Expr| -> Result<String, String> {
            match e.eval(&self.vars).map_err(|e| e.to_string())? {
                Value::Text(s) if !s.is_empty() => Ok(s),
                Value::Int(i) => Ok(i.to_string()),
                v => Err(format!("`{}` is {}, not a text", e.source(), v.type_name())),
            }
        };
        Ok(match what {
            LookupWhat::CustomerByCaller => LookupRequest::CustomerByCaller {
                caller: self.caller(),
            },
            LookupWhat::CustomerByAccount { account } => LookupRequest::CustomerByAccount {
                account: text(account)?,
            },
            LookupWhat::Bills { account } => LookupRequest::Bills {
                account: text(account)?,
            },
            LookupWhat::Arrears { account } => LookupRequest::Arrears {
                account: text(account)?,
            },
            LookupWhat::Notices { district, kind } => LookupRequest::Notices {
                district: district.as_ref().map(text).transpose()?,
                kind: kind.clone(),
            },
            LookupWhat::SubmitReading { account, value } => LookupRequest::SubmitReading {
                account: text(account)?,
                value: text(value)?,
                reporter_phone: self.caller(),
            },
            LookupWhat::SubmitSurvey { value } => LookupRequest::SubmitSurvey {
                score: text(value)?,
            },
        })
    }

    fn on_lookup(&mut self, id: u64, event: Event, out: &mut Vec<Action>) {
        let Some(NodeKind::Lookup(l)) = self.kind().cloned() else {
            return;
        };
        match event {
            Event::Lookup { id: got, result } if got == id => match result {
                LookupResult::Found(v) => {
                    self.vars.insert(l.into.clone(), v);
                    self.serve();
                    self.go(Exit::Found, l.next, out);
                }
                LookupResult::NotFound => match l.not_found {
                    Some(n) => self.go(Exit::NotFound, n, out),
                    None => self.go(Exit::Error, l.error, out),
                },
                LookupResult::Failed(why) => {
                    out.push(Action::Warning(format!("lookup {}: {why}", l.what.name())));
                    self.go(Exit::Error, l.error, out);
                }
            },
            Event::Timer(got) if got == id => {
                out.push(Action::Warning(format!(
                    "lookup {} timed out after {} ms",
                    l.what.name(),
                    l.timeout_ms
                )));
                self.go(Exit::Error, l.error, out);
            }
            Event::Digit(k) => {
                self.typeahead.push(k);
                self.wait = Wait::Lookup { id };
            }
            _ => self.wait = Wait::Lookup { id },
        }
    }

    fn start_ticket(&mut self, t: &crate::flow::TicketNode, out: &mut Vec<Action>) -> Step {
        let summary = match t.summary.render(&self.vars) {
            Ok(s) => s,
            Err(e) => {
                out.push(Action::Warning(format!("ticket summary: {e}")));
                return Step::Go(Exit::Error, t.error);
            }
        };
        let opt_text = |e: &Option<crate::expr::Expr>| -> Option<String> {
            match e.as_ref()?.eval(&self.vars).ok()? {
                Value::Text(s) if !s.is_empty() => Some(s),
                Value::Int(i) => Some(i.to_string()),
                _ => None,
            }
        };
        let reporter_phone = opt_text(&t.reporter_phone).unwrap_or_else(|| self.caller());
        let mut summaries = Vec::new();
        for (lang, tpl) in &t.summaries {
            match tpl.render(&self.vars) {
                Ok(s) => summaries.push((lang.clone(), s)),
                Err(e) => out.push(Action::Warning(format!("ticket summary ({lang}): {e}"))),
            }
        }
        let request = TicketRequest {
            kind: t.kind.clone(),
            summary,
            summaries,
            customer_account: opt_text(&t.customer),
            address: opt_text(&t.address),
            reporter_phone,
        };
        let id = self.id();
        out.push(Action::OpenTicket { id, request });
        out.push(Action::Timer {
            id,
            at: self.now + TICKET_TIMEOUT_MS,
        });
        self.wait = Wait::Ticket { id };
        Step::Wait
    }

    /// The calling number (empty when unknown).
    fn caller(&self) -> String {
        match self.vars.get("caller") {
            Some(Value::Text(s)) => s.clone(),
            _ => String::new(),
        }
    }

    fn on_ticket(&mut self, id: u64, event: Event, out: &mut Vec<Action>) {
        let Some(NodeKind::Ticket(t)) = self.kind().cloned() else {
            return;
        };
        match event {
            Event::Ticket { id: got, result } if got == id => match result {
                Ok(info) => {
                    self.serve();
                    if let Some(into) = &t.into {
                        let v = Value::record([
                            ("id", Value::Int(info.id)),
                            ("number", Value::text(info.number)),
                            ("dispatched", Value::Bool(info.dispatched)),
                        ]);
                        self.vars.insert(into.clone(), v);
                    }
                    self.go(Exit::Next, t.next, out);
                }
                Err(why) => {
                    out.push(Action::Warning(format!("ticket: {why}")));
                    self.go(Exit::Error, t.error, out);
                }
            },
            Event::Timer(got) if got == id => {
                out.push(Action::Warning("ticket timed out".into()));
                self.go(Exit::Error, t.error, out);
            }
            Event::Digit(k) => {
                self.typeahead.push(k);
                self.wait = Wait::Ticket { id };
            }
            _ => self.wait = Wait::Ticket { id },
        }
    }
}
