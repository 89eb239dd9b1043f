//! The dialler: a sans-IO state machine that decides which target to call and when, following
//! the workspace's core contract (`handle(now, input) -> Vec<output>`, `next_deadline()`; the
//! shell calls `handle(now, Event::Tick)` at or after the deadline, and on every event).
//!
//! A dial is ordered only when all of these hold: the campaign is started and neither paused
//! by an operator nor by a route that is down; the calling window is open; the target is due;
//! a token of the route's bucket is there (`attempts_per_sec` refill, `burst` saved up at
//! most, integer milli-tokens, starting empty); fewer calls than `max_lines` are under way;
//! in progressive and preview modes, fewer unanswered calls than free agents × the over-dial
//! ratio (1.0 in preview, and at most 1.0 in progressive while the abandoned share over the
//! last answered calls exceeds the limit); the number and customer are not on the do-not-call
//! list (checked here, at dial time: a forbidden target is skipped, final); the customer has
//! had fewer calls today than the per-customer limit (else it is due when the window opens on
//! the next day).
//!
//! An SMS campaign with a receipt wait keeps an accepted text's target open to its receipt:
//! the campaign is not done while a receipt is awaited (at most the wait after acceptance),
//! and a receipt saying the text was not delivered ([`Event::ReceiptFailed`]) re-judges the
//! attempt by the retry rules, so the target may be due again.
//!
//! In preview mode the offer to the agent is the dial as far as pacing goes: it takes the
//! token, a line and the agent's claim until the call is answered, ends or is skipped.
//!
//! Every dial carries the target's next attempt number (one more than the highest stored), so
//! the shell can store it keyed by (target, attempt) and nothing is dialled twice for the same
//! attempt, also after [`Dialler::restore`]. An attempt that was under way when the engine
//! stopped (stored without an end) is restored as under way: the shell ends it with
//! [`Event::AttemptEnded`] (its real result if it knows it, else `Failed`), and the retry
//! rules decide.

use std::collections::{BTreeSet, HashMap};

use hotline_time::Millis;

use crate::model::{
    Attempt, CallResult, Campaign, Mode, Promise, SkipReason, StoredTarget, Target, TargetId,
    TargetState,
};
use crate::pacing::{AbandonedShare, TokenBucket};
use crate::progress::Progress;
use crate::rules::{CallsToday, DoNotCall, RetryOutcome};

mod io;
pub use io::{Action, Event, PauseReason, Status};

#[derive(Debug, Clone)]
struct Entry {
    target: Target,
    state: TargetState,
    /// The highest attempt number used.
    attempts: u32,
    /// The current attempt claims an agent (progressive/preview, not yet answered).
    claims_agent: bool,
    reached: bool,
    /// SMS: until when the campaign waits for the receipt of the text that ended as answered.
    awaiting_until: Option<Millis>,
}

/// The dialler of one campaign.
#[derive(Debug, Clone)]
pub struct Dialler {
    cfg: Campaign,
    entries: Vec<Entry>,
    index: HashMap<TargetId, usize>,
    /// Targets waiting to be dialled: (due, slot); pending ones are due at `Millis::MIN`.
    queue: BTreeSet<(Millis, usize)>,
    /// SMS: texts whose receipt is awaited: (wait ends, slot).
    awaiting: BTreeSet<(Millis, usize)>,
    dnc: DoNotCall,
    today: Option<CallsToday>,
    now: Millis,
    started: bool,
    operator_paused: bool,
    route_down: Option<String>,
    stopped: bool,
    done: bool,
    bucket: TokenBucket,
    in_flight: u32,
    claims: u32,
    free_agents: u32,
    abandoned: AbandonedShare,
    throttled: bool,
    progress: Progress,
}

impl Dialler {
    /// A dialler for new targets (none attempted yet), not started.
    pub fn new(cfg: Campaign, targets: Vec<Target>, dnc: DoNotCall) -> Dialler {
        let stored = targets
            .into_iter()
            .map(|target| StoredTarget {
                target,
                attempts: Vec::new(),
                skipped: None,
            })
            .collect();
        Dialler::restore(cfg, stored, dnc)
    }

    /// Rebuilds the dialler after a restart from the stored targets and their attempts: each
    /// target's next attempt number follows its highest stored one, a retry is due as the
    /// rules say from the last attempt's end, an attempt stored without an end is under way.
    /// Not started: send [`Event::Start`] if the campaign was running. A target id that
    /// repeats is taken once (its first occurrence).
    pub fn restore(cfg: Campaign, stored: Vec<StoredTarget>, dnc: DoNotCall) -> Dialler {
        let bucket = TokenBucket::new(cfg.route.attempts_per_sec, cfg.route.burst, Millis::MIN);
        let abandoned = AbandonedShare::new(cfg.abandoned_sample);
        let mut d = Dialler {
            cfg,
            entries: Vec::with_capacity(stored.len()),
            index: HashMap::with_capacity(stored.len()),
            queue: BTreeSet::new(),
            awaiting: BTreeSet::new(),
            dnc,
            today: None,
            now: Millis::MIN,
            started: false,
            operator_paused: false,
            route_down: None,
            stopped: false,
            done: false,
            bucket,
            in_flight: 0,
            claims: 0,
            free_agents: 0,
            abandoned,
            throttled: false,
            progress: Progress::default(),
        };
        for s in stored {
            if d.index.contains_key(&s.target.id) {
                continue;
            }
            let slot = d.entries.len();
            d.index.insert(s.target.id, slot);
            d.entries.push(Entry {
                target: s.target,
                state: TargetState::Pending,
                attempts: 0,
                claims_agent: false,
                reached: false,
                awaiting_until: None,
            });
            d.progress.targets += 1;
            d.progress.remaining += 1;
            d.replay(slot, s.attempts, s.skipped);
        }
        d.update_throttle(&mut Vec::new());
        d
    }

    fn replay(&mut self, slot: usize, mut attempts: Vec<Attempt>, skipped: Option<SkipReason>) {
        attempts.sort_by_key(|a| a.attempt);
        attempts.dedup_by_key(|a| a.attempt);
        let mut sink = Vec::new();
        for a in attempts {
            let Some(e) = self.entries.get_mut(slot) else {
                return;
            };
            // An attempt after a final result (the store should hold none) counts as
            // dialled but changes nothing; one after an unfinished attempt supersedes it.
            e.attempts = e.attempts.max(a.attempt);
            self.progress.dialled += 1;
            match e.state {
                TargetState::InProgress { .. } => self.in_flight = self.in_flight.saturating_sub(1),
                ref s if s.is_final() => continue,
                _ => {}
            }
            self.set_state(slot, TargetState::InProgress { attempt: a.attempt });
            self.in_flight += 1;
            if let Some((at, result)) = a.ended {
                self.end_attempt(slot, a.attempt, result, at, a.promise, &mut sink);
            }
        }
        if let Some(reason) = skipped {
            if let Some(TargetState::InProgress { .. }) = self.entries.get(slot).map(|e| &e.state) {
                self.in_flight = self.in_flight.saturating_sub(1);
            }
            self.set_state(slot, TargetState::Skipped(reason));
        } else if let Some(e) = self.entries.get(slot) {
            match e.state {
                TargetState::Pending => {
                    self.queue.insert((Millis::MIN, slot));
                }
                TargetState::Due(at) => {
                    self.queue.insert((at, slot));
                }
                _ => {}
            }
        }
    }

    /// Handles one event at `now` (a `now` earlier than one already seen is taken as that one)
    /// and returns what to do.
    pub fn handle(&mut self, now: Millis, event: Event) -> Vec<Action> {
        let now = now.max(self.now);
        self.now = now;
        let mut out = Vec::new();
        self.end_receipt_waits(now);
        match event {
            Event::Tick => {}
            Event::Start => {
                if !self.started && !self.stopped {
                    self.started = true;
                    self.bucket.reset(now);
                }
            }
            Event::Pause => {
                if !self.operator_paused && !self.stopped && !self.done {
                    self.operator_paused = true;
                    out.push(Action::Paused {
                        reason: PauseReason::Operator,
                    });
                }
            }
            Event::Resume => {
                if self.operator_paused {
                    self.operator_paused = false;
                    if self.route_down.is_none() && !self.stopped {
                        out.push(Action::Resumed);
                    }
                }
            }
            Event::Stop => {
                if !self.stopped && !self.done {
                    self.stopped = true;
                    out.push(Action::Stopped);
                }
            }
            Event::AttemptAnswered { target, attempt } => {
                if let Some(slot) = self.current(target, attempt) {
                    self.release_claim(slot);
                }
            }
            Event::AttemptEnded {
                target,
                attempt,
                result,
                at,
                promise,
            } => {
                if let Some(slot) = self.current(target, attempt) {
                    self.end_attempt(slot, attempt, result, at, promise, &mut out);
                    if let Some(e) = self.entries.get(slot) {
                        if let TargetState::Due(due) = e.state {
                            self.queue.insert((due, slot));
                        }
                    }
                }
            }
            Event::FreeAgents(n) => self.free_agents = n,
            Event::RouteDown { reason } => {
                if self.route_down.is_none() {
                    self.route_down = Some(reason.clone());
                    if !self.stopped && !self.done {
                        out.push(Action::Paused {
                            reason: PauseReason::RouteDown(reason),
                        });
                    }
                }
            }
            Event::RouteUp => {
                if self.route_down.take().is_some()
                    && !self.operator_paused
                    && !self.stopped
                    && !self.done
                {
                    out.push(Action::Resumed);
                }
            }
            Event::DoNotCallNumber(n) => self.dnc.add_number(&n),
            Event::DoNotCallCustomer(c) => self.dnc.add_customer(&c),
            Event::CallsToday(c) => self.today = Some(c),
            Event::DailyLimitReached { target, attempt } => {
                if let Some(slot) = self.current(target, attempt) {
                    self.undo_dial(slot, attempt);
                    self.at_limit_today(slot);
                    self.defer_to_tomorrow(slot, &mut out);
                }
            }
            Event::DoNotCallRefused { target, attempt } => {
                if let Some(slot) = self.current(target, attempt) {
                    // The shell gives the list's new entries (which of the number and the
                    // customer is on it) as it reads them.
                    self.undo_dial(slot, attempt);
                    let state = TargetState::Skipped(SkipReason::DoNotCall);
                    self.set_state(slot, state.clone());
                    out.push(Action::Target { target, state });
                }
            }
            Event::ReceiptFinal { target, attempt } => {
                if let Some(slot) = self.answered(target, attempt) {
                    self.stop_waiting(slot);
                }
            }
            Event::ReceiptFailed {
                target,
                attempt,
                result,
                at,
            } => {
                if let Some(slot) = self.answered(target, attempt) {
                    if !self.done && !self.stopped {
                        self.stop_waiting(slot);
                        self.reopen(slot, attempt);
                        self.end_attempt(slot, attempt, result, at, None, &mut out);
                        if let Some(TargetState::Due(due)) =
                            self.entries.get(slot).map(|e| &e.state)
                        {
                            self.queue.insert((*due, slot));
                        }
                    }
                }
            }
            Event::PreviewDialled { target, attempt } => {
                if let Some(slot) = self.current(target, attempt) {
                    self.release_claim(slot);
                }
            }
            Event::PreviewWithdrawn {
                target,
                attempt,
                again_at,
            } => {
                if let Some(slot) = self.current(target, attempt) {
                    self.undo_dial(slot, attempt);
                    if let Some(t) = self.today.as_mut() {
                        if let Some(customer) = self.entries.get(slot).map(|e| &e.target.customer) {
                            t.remove_one(customer);
                        }
                    }
                    let due = again_at.max(self.now);
                    let state = TargetState::Due(due);
                    self.set_state(slot, state.clone());
                    self.queue.insert((due, slot));
                    out.push(Action::Target { target, state });
                }
            }
            Event::PreviewSkipped {
                target,
                attempt,
                reason,
            } => {
                if let Some(slot) = self.current(target, attempt) {
                    self.release_claim(slot);
                    self.in_flight = self.in_flight.saturating_sub(1);
                    let state = TargetState::Skipped(SkipReason::Agent(reason));
                    self.set_state(slot, state.clone());
                    out.push(Action::Target { target, state });
                }
            }
        }
        self.pump(&mut out);
        self.check_done(&mut out);
        out
    }

    /// The earliest time at which a [`Event::Tick`] would dial something; `None` when nothing
    /// will happen without another event (not running, nothing due, all lines or agents busy,
    /// or the window never opens again).
    /// SMS: a receipt wait ending is a deadline too (the campaign may be done then).
    pub fn next_deadline(&self) -> Option<Millis> {
        let wait_ends = match self.awaiting.first() {
            Some((at, _)) if !self.done && !self.stopped => Some(*at),
            _ => None,
        };
        match (self.next_dial(), wait_ends) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The earliest time at which a dial could be placed.
    fn next_dial(&self) -> Option<Millis> {
        if !self.running() || self.in_flight >= self.cfg.route.max_lines || !self.agent_room() {
            return None;
        }
        let (due, _) = self.queue.first()?;
        let at = self.cfg.window.next_open((*due).max(self.now))?;
        let token_at = self.bucket.ready_at(self.now)?;
        Some(at.max(token_at))
    }

    /// SMS: how many accepted texts' receipts the campaign waits for.
    pub fn awaiting_receipts(&self) -> usize {
        self.awaiting.len()
    }

    /// The campaign's status.
    pub fn status(&self) -> Status {
        if self.done {
            Status::Done
        } else if self.stopped {
            Status::Stopped
        } else if !self.started {
            Status::Ready
        } else if let Some(r) = &self.route_down {
            Status::Paused(PauseReason::RouteDown(r.clone()))
        } else if self.operator_paused {
            Status::Paused(PauseReason::Operator)
        } else {
            Status::Running
        }
    }

    /// The progress figures.
    pub fn progress(&self) -> Progress {
        let mut p = self.progress;
        p.in_progress = self.in_flight;
        p.abandoned_share_permille = self.abandoned.permille();
        p.throttled = self.throttled;
        p
    }

    /// A target's state.
    pub fn state(&self, target: TargetId) -> Option<&TargetState> {
        let slot = self.index.get(&target)?;
        self.entries.get(*slot).map(|e| &e.state)
    }

    /// The attempts under way: (target, attempt number).
    pub fn in_progress(&self) -> Vec<(TargetId, u32)> {
        self.entries
            .iter()
            .filter_map(|e| match e.state {
                TargetState::InProgress { attempt } => Some((e.target.id, attempt)),
                _ => None,
            })
            .collect()
    }

    /// The campaign it runs.
    pub fn campaign(&self) -> &Campaign {
        &self.cfg
    }

    /// The over-dial ratio in force, in thousandths.
    pub fn ratio_permille(&self) -> u32 {
        match self.cfg.mode {
            Mode::IvrOnly => 0,
            Mode::Preview => 1000,
            Mode::Progressive if self.throttled => self.cfg.over_dial_permille.min(1000),
            Mode::Progressive => self.cfg.over_dial_permille,
        }
    }

    fn running(&self) -> bool {
        self.started
            && !self.stopped
            && !self.done
            && !self.operator_paused
            && self.route_down.is_none()
    }

    fn agent_room(&self) -> bool {
        match self.cfg.mode {
            Mode::IvrOnly => true,
            Mode::Progressive | Mode::Preview => {
                let allowed = u64::from(self.free_agents) * u64::from(self.ratio_permille()) / 1000;
                u64::from(self.claims) < allowed
            }
        }
    }

    /// The slot of `target` if `attempt` is its attempt under way.
    fn current(&self, target: TargetId, attempt: u32) -> Option<usize> {
        let slot = *self.index.get(&target)?;
        match self.entries.get(slot)?.state {
            TargetState::InProgress { attempt: a } if a == attempt => Some(slot),
            _ => None,
        }
    }

    /// The slot of `target` if its attempt `attempt`, its last, ended as answered.
    fn answered(&self, target: TargetId, attempt: u32) -> Option<usize> {
        let slot = *self.index.get(&target)?;
        let e = self.entries.get(slot)?;
        (e.attempts == attempt && e.state == TargetState::Done(CallResult::Answered))
            .then_some(slot)
    }

    /// Ends the receipt waits that are over at `now`.
    fn end_receipt_waits(&mut self, now: Millis) {
        while let Some(&(until, slot)) = self.awaiting.first() {
            if until > now {
                break;
            }
            self.stop_waiting(slot);
        }
    }

    /// The campaign no longer waits for the receipt of the text at `slot`.
    fn stop_waiting(&mut self, slot: usize) {
        if let Some(until) = self
            .entries
            .get_mut(slot)
            .and_then(|e| e.awaiting_until.take())
        {
            self.awaiting.remove(&(until, slot));
        }
    }

    /// Takes the answered attempt `attempt` at `slot` back to under way (its receipt says the
    /// text was not delivered), undoing its counts as answered and reached.
    fn reopen(&mut self, slot: usize, attempt: u32) {
        let Some(e) = self.entries.get_mut(slot) else {
            return;
        };
        e.state = TargetState::InProgress { attempt };
        if e.reached {
            e.reached = false;
            self.progress.reached = self.progress.reached.saturating_sub(1);
        }
        self.progress.answered = self.progress.answered.saturating_sub(1);
        self.progress.remaining += 1;
        self.in_flight += 1;
    }

    fn release_claim(&mut self, slot: usize) {
        if let Some(e) = self.entries.get_mut(slot) {
            if e.claims_agent {
                e.claims_agent = false;
                self.claims = self.claims.saturating_sub(1);
            }
        }
    }

    /// The target at `slot` is due when the window opens on the next day (the per-customer
    /// limit is used up today).
    fn defer_to_tomorrow(&mut self, slot: usize, out: &mut Vec<Action>) {
        let Some(id) = self.entries.get(slot).map(|e| e.target.id) else {
            return;
        };
        let tomorrow = self.cfg.window.next_day_start(self.now);
        let due = self.cfg.window.next_open(tomorrow).unwrap_or(tomorrow);
        let state = TargetState::Due(due);
        self.set_state(slot, state.clone());
        self.queue.insert((due, slot));
        out.push(Action::Target { target: id, state });
    }

    /// Takes back dial `attempt` of the target at `slot`, which was never placed: its line,
    /// its agent claim, its count as dialled and as an attempt.
    fn undo_dial(&mut self, slot: usize, attempt: u32) {
        self.release_claim(slot);
        self.in_flight = self.in_flight.saturating_sub(1);
        self.progress.dialled = self.progress.dialled.saturating_sub(1);
        if let Some(e) = self.entries.get_mut(slot) {
            e.attempts = attempt.saturating_sub(1);
        }
    }

    /// The customer of the target at `slot` counts as at the per-customer limit for the rest
    /// of the day.
    fn at_limit_today(&mut self, slot: usize) {
        let Some(customer) = self.entries.get(slot).map(|e| e.target.customer.clone()) else {
            return;
        };
        if let (Some(t), Some(max)) = (self.today.as_mut(), self.cfg.daily_limit.max_per_day) {
            let n = t.count(&customer).max(max);
            t.counts.insert(customer, n);
        }
    }

    /// Changes a slot's state and keeps the final counts.
    fn set_state(&mut self, slot: usize, state: TargetState) {
        let Some(e) = self.entries.get_mut(slot) else {
            return;
        };
        let was_final = e.state.is_final();
        if !was_final && state.is_final() {
            self.progress.remaining = self.progress.remaining.saturating_sub(1);
            match &state {
                TargetState::Done(CallResult::Answered) => self.progress.answered += 1,
                TargetState::GivenUp(_) => self.progress.given_up += 1,
                TargetState::Skipped(_) => self.progress.skipped += 1,
                _ => {}
            }
        }
        e.state = state;
    }

    /// Ends the attempt under way at `slot`: figures, the abandoned share, the next state.
    fn end_attempt(
        &mut self,
        slot: usize,
        attempt: u32,
        result: CallResult,
        at: Millis,
        promise: Option<Promise>,
        out: &mut Vec<Action>,
    ) {
        self.release_claim(slot);
        self.in_flight = self.in_flight.saturating_sub(1);
        let Some(e) = self.entries.get_mut(slot) else {
            return;
        };
        let id = e.target.id;
        if result.reached() && !e.reached {
            e.reached = true;
            self.progress.reached += 1;
        }
        if result == CallResult::OptedOut {
            let (customer, number) = (e.target.customer.clone(), e.target.number.clone());
            self.dnc.add_customer(&customer);
            self.dnc.add_number(&number);
            self.progress.opted_out += 1;
        }
        if let Some(p) = promise {
            self.progress.promises += 1;
            self.progress.promised_fen = self.progress.promised_fen.saturating_add(p.amount_fen);
        }
        if result == CallResult::Abandoned {
            self.progress.abandoned += 1;
        }
        if result.reached() && self.cfg.mode == Mode::Progressive {
            self.abandoned.record(result == CallResult::Abandoned);
            self.update_throttle(out);
        }
        let state = match self.cfg.retry.after(result, attempt, at) {
            RetryOutcome::Final => TargetState::Done(result),
            RetryOutcome::GiveUp => TargetState::GivenUp(result),
            RetryOutcome::RetryAt(due) => TargetState::Due(due),
        };
        if let (TargetState::Done(CallResult::Answered), Some(wait)) =
            (&state, self.cfg.receipt_wait)
        {
            let until = at.saturating_add(wait.max(0));
            if until > self.now {
                if let Some(e) = self.entries.get_mut(slot) {
                    e.awaiting_until = Some(until);
                    self.awaiting.insert((until, slot));
                }
            }
        }
        self.set_state(slot, state.clone());
        out.push(Action::Target { target: id, state });
    }

    fn update_throttle(&mut self, out: &mut Vec<Action>) {
        let share = self.abandoned.permille();
        let limit = self.cfg.abandoned_limit_permille;
        if !self.throttled && share > limit {
            self.throttled = true;
            out.push(Action::Throttled {
                abandoned_permille: share,
                ratio_permille: self.ratio_permille(),
            });
        } else if self.throttled && share.saturating_mul(2) <= limit {
            self.throttled = false;
            out.push(Action::Unthrottled {
                ratio_permille: self.ratio_permille(),
            });
        }
    }

    /// Dials every target that may be dialled now.
    fn pump(&mut self, out: &mut Vec<Action>) {
        if !self.running() || !self.cfg.window.is_open(self.now) {
            return;
        }
        let date = self.cfg.window.zone().date(self.now);
        if self.today.as_ref().map(|t| t.date) != Some(date) {
            self.today = Some(CallsToday::empty(date));
        }
        while self.in_flight < self.cfg.route.max_lines
            && self.agent_room()
            && self.bucket.has_token(self.now)
        {
            let Some(&(due, slot)) = self.queue.first() else {
                break;
            };
            if due > self.now {
                break;
            }
            self.queue.remove(&(due, slot));
            let Some(e) = self.entries.get(slot) else {
                continue;
            };
            if !matches!(e.state, TargetState::Pending | TargetState::Due(_)) {
                continue;
            }
            let (id, customer, number) = (
                e.target.id,
                e.target.customer.clone(),
                e.target.number.clone(),
            );
            let attempt = e.attempts.saturating_add(1);
            if self.dnc.forbids(&customer, &number) {
                let state = TargetState::Skipped(SkipReason::DoNotCall);
                self.set_state(slot, state.clone());
                out.push(Action::Target { target: id, state });
                continue;
            }
            let allowed = self
                .today
                .as_ref()
                .is_none_or(|t| t.allows(self.cfg.daily_limit, &customer));
            if !allowed {
                self.defer_to_tomorrow(slot, out);
                continue;
            }
            if !self.bucket.take(self.now) {
                // has_token said yes a moment ago: cannot happen; put the target back.
                self.queue.insert((due, slot));
                break;
            }
            self.in_flight += 1;
            self.progress.dialled += 1;
            if let Some(t) = self.today.as_mut() {
                t.add(&customer);
            }
            let claims = self.cfg.mode != Mode::IvrOnly;
            if claims {
                self.claims += 1;
            }
            if let Some(e) = self.entries.get_mut(slot) {
                e.attempts = attempt;
                e.claims_agent = claims;
            }
            self.set_state(slot, TargetState::InProgress { attempt });
            out.push(match self.cfg.mode {
                Mode::Preview => Action::Preview {
                    target: id,
                    number,
                    attempt,
                },
                Mode::IvrOnly | Mode::Progressive => Action::Dial {
                    target: id,
                    number,
                    attempt,
                },
            });
        }
    }

    fn check_done(&mut self, out: &mut Vec<Action>) {
        if self.started
            && !self.done
            && !self.stopped
            && self.progress.remaining == 0
            && self.in_flight == 0
            && self.awaiting.is_empty()
        {
            self.done = true;
            out.push(Action::Done);
        }
    }
}
