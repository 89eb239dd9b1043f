//! One campaign's run: rebuild the dialler from the store (attempts the engine died during
//! closed as failed first), then loop: read the operators' moves from the store, give the
//! dialler the do-not-call list's new entries and the time, carry out its actions (store the
//! attempt, then place the call; store target states; mark the campaign paused or done) and
//! feed it each call's outcome (stored first, an opt-out put on the do-not-call list). Ends
//! when the campaign is stopped or done and no call is under way.
//!
//! The loop never writes one row at a time: the dials one step of the dialler makes are
//! stored in one transaction, so are the target states it sets and the ends of the calls that
//! ended together. (Measured: this alone does not keep the pacing on a busy machine; see the
//! README's campaign load section.)

use std::collections::HashMap;
use std::time::Duration;

use hotline_campaign::{
    Action, Attempt, CallResult, CallsToday, DoNotCall, Event, Mode, PauseReason, Promise,
    Settings, SkipReason, StoredTarget, Target, TargetId, TargetState,
};
use hotline_store::{
    AttemptEnd, AttemptStart, AttemptToStart, CampaignRecord, CampaignStatus, DailyCap,
    TargetFilter,
};
use tokio::sync::mpsc;
use tracing::{info, warn};

use super::{PlaceOutcome, PlaceRequest, RunnerEnv, POLL};

mod offers;

/// Failed calls in a row, each a route failure, that pause the campaign (the route is down).
const ROUTE_DOWN_AFTER: u32 = 5;

/// How often today's calls per customer (every campaign's) are read again, in ms.
const TODAY_EVERY_MS: i64 = 10_000;

fn result_name(r: CallResult) -> &'static str {
    match r {
        CallResult::Answered => "answered",
        CallResult::Busy => "busy",
        CallResult::NoAnswer => "no_answer",
        CallResult::Failed => "failed",
        CallResult::Rejected => "rejected",
        CallResult::OptedOut => "opted_out",
        CallResult::Abandoned => "abandoned",
    }
}

fn result_of(name: &str) -> Option<CallResult> {
    CallResult::ALL
        .into_iter()
        .find(|r| result_name(*r) == name)
}

fn mode_of(c: &CampaignRecord) -> Mode {
    match c.mode.as_str() {
        "progressive" => Mode::Progressive,
        "preview" => Mode::Preview,
        _ => Mode::IvrOnly,
    }
}

/// The number as the dialler compares it with the do-not-call list (and dials it).
fn canonical(number: &str) -> String {
    hotline_store::rules::normalize_phone(number).unwrap_or_else(|| number.to_string())
}

struct Run {
    env: RunnerEnv,
    campaign: CampaignRecord,
    caller_id: Option<String>,
    /// Target id → (account, data) for the calls.
    targets: HashMap<u64, hotline_store::CampaignTarget>,
    /// The last do-not-call entry given to the dialler.
    dnc_seen: i64,
    failures_in_a_row: u32,
    in_flight: usize,
    /// Progressive: the queue whose free agents pace the calls, and the agent wait.
    progressive: Option<(String, Duration)>,
    /// Preview: the queue whose free agents are offered the targets.
    preview_queue: Option<String>,
    /// When today's calls per customer were last read (the date and the time).
    today_read: Option<(hotline_time::CivilDate, i64)>,
    /// When the campaign and the do-not-call list were last read.
    read_at: Option<i64>,
    outcomes: mpsc::UnboundedSender<(TargetId, u32, PlaceOutcome)>,
    /// Progressive: the calls whose customer answered (and waits for an agent).
    answers: mpsc::UnboundedSender<(TargetId, u32)>,
}

/// Runs campaign `id` until it is stopped or done (and its calls have ended).
pub async fn run_campaign(env: RunnerEnv, id: i64) {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let (answers, mut answered) = mpsc::unbounded_channel();
    let Some(mut run) = Run::load(env, id, tx, answers).await else {
        return;
    };
    let now = run.now();
    let Some(mut dialler) = run.dialler(now).await else {
        return;
    };
    // Preview: the agents' decisions on its offers; the offers are taken back when the run
    // ends, however it ends.
    let mut decisions = None;
    let _offers = match (&run.preview_queue, &run.env.preview) {
        (Some(_), Some(board)) => {
            decisions = Some(board.open(id));
            Some(OpenOffers(board.clone(), id))
        }
        _ => None,
    };
    let mut status = run.campaign.status;
    let mut actions = dialler.handle(now, Event::Start);
    if status == CampaignStatus::Paused {
        actions.extend(dialler.handle(now, Event::Pause));
    }
    // Stopped or done: once set, the run ends when the calls under way have ended (the
    // dialler says so once).
    let mut finished = false;
    loop {
        while !actions.is_empty() {
            let (end, more) = run
                .carry_out_all(std::mem::take(&mut actions), &mut dialler)
                .await;
            finished |= end;
            actions = more;
        }
        if finished && run.in_flight == 0 {
            info!(campaign = id, "campaign run ends");
            return;
        }
        let now = run.now();
        let wait = dialler
            .next_deadline()
            .map(|at| Duration::from_millis(u64::try_from(at - now).unwrap_or(0)))
            .unwrap_or(POLL)
            .min(POLL);
        tokio::select! {
            Some(first) = rx.recv() => {
                // The calls that ended meanwhile too: their ends are stored in one write.
                let mut ended = vec![first];
                while let Ok(more) = rx.try_recv() {
                    ended.push(more);
                }
                run.in_flight = run.in_flight.saturating_sub(ended.len());
                if let Some(board) = run.env.preview.as_ref().filter(|_| run.preview_queue.is_some()) {
                    for (target, _, _) in &ended {
                        board.remove(id, *target);
                    }
                }
                actions = run.ended(&mut dialler, ended).await;
            }
            Some((target, attempt)) = answered.recv() => {
                // The customer waits for an agent now (counted against the free ones): the
                // agent the call was placed for is let go.
                let now = run.now();
                actions = run.feed_free_agents(&mut dialler, now).await;
                actions.extend(dialler.handle(now, Event::AttemptAnswered { target, attempt }));
            }
            Some(decision) = next_decision(&mut decisions) => {
                actions = run.decided(&mut dialler, decision).await;
            }
            () = tokio::time::sleep(wait) => {
                let now = run.now();
                actions = run.refresh(&mut dialler, &mut status, now).await;
                actions.extend(run.expire_offers(&mut dialler, now).await);
                actions.extend(dialler.handle(now, Event::Tick));
            }
        }
    }
}

impl Run {
    fn now(&self) -> i64 {
        (self.env.clock)()
    }

    async fn load(
        env: RunnerEnv,
        id: i64,
        outcomes: mpsc::UnboundedSender<(TargetId, u32, PlaceOutcome)>,
        answers: mpsc::UnboundedSender<(TargetId, u32)>,
    ) -> Option<Run> {
        let campaign = match env.store.campaign(id).await {
            Ok(Some(c)) => c,
            Ok(None) => return None,
            Err(e) => {
                warn!(campaign = id, error = %e, "campaign not read");
                return None;
            }
        };
        let caller_id = campaign
            .settings
            .get("caller_id")
            .and_then(|v| v.as_str())
            .map(str::to_string);
        Some(Run {
            env,
            campaign,
            caller_id,
            targets: HashMap::new(),
            dnc_seen: 0,
            failures_in_a_row: 0,
            in_flight: 0,
            progressive: None,
            preview_queue: None,
            today_read: None,
            read_at: None,
            outcomes,
            answers,
        })
    }

    /// Pauses the campaign in the store with `reason` (it cannot run as it is).
    async fn refuse(&self, reason: &str) {
        warn!(campaign = self.campaign.id, reason, "campaign paused");
        if let Err(e) = self
            .env
            .store
            .set_campaign_status(
                self.campaign.id,
                CampaignStatus::Paused,
                Some(reason),
                self.now(),
            )
            .await
        {
            warn!(campaign = self.campaign.id, error = %e, "campaign not paused");
        }
    }

    /// The dialler rebuilt from the store.
    async fn dialler(&mut self, now: i64) -> Option<hotline_campaign::Dialler> {
        let c = &self.campaign;
        let id = c.id;
        let mode = mode_of(c);
        let settings = match Settings::parse(&c.settings) {
            Ok(s) => s,
            Err(e) => {
                self.refuse(&format!("settings: {e}")).await;
                return None;
            }
        };
        if mode == Mode::Progressive {
            let Some(queue) = c.queue.clone().filter(|q| !q.is_empty()) else {
                self.refuse("a progressive campaign needs its agents' queue")
                    .await;
                return None;
            };
            if self.env.agents.is_none() {
                self.refuse("progressive campaigns need the ACD (acd.enabled)")
                    .await;
                return None;
            }
            let wait = Duration::from_secs(u64::from(settings.agent_wait()));
            self.progressive = Some((queue, wait));
        }
        if mode == Mode::Preview {
            let Some(queue) = c.queue.clone().filter(|q| !q.is_empty()) else {
                self.refuse("a preview campaign needs its agents' queue")
                    .await;
                return None;
            };
            if self.env.agents.is_none() || self.env.preview.is_none() {
                self.refuse("preview campaigns need the ACD (acd.enabled)")
                    .await;
                return None;
            }
            self.preview_queue = Some(queue);
        }
        let cfg = match settings.campaign(
            &id.to_string(),
            mode,
            self.env.zone.clone(),
            &self.env.holidays,
        ) {
            Ok(cfg) => cfg,
            Err(e) => {
                self.refuse(&format!("settings: {e}")).await;
                return None;
            }
        };
        let store = &self.env.store;
        match store.close_unfinished_attempts(id, now).await {
            Ok(0) => {}
            Ok(n) => warn!(
                campaign = id,
                attempts = n,
                "attempts under way when the engine stopped closed as failed"
            ),
            Err(e) => {
                warn!(campaign = id, error = %e, "campaign not restored");
                return None;
            }
        }
        let all = TargetFilter {
            limit: 100_000,
            ..TargetFilter::default()
        };
        let (targets, attempts) = match (
            store.campaign_targets(id, &all).await,
            store.campaign_attempts(id, None, 1_000_000).await,
        ) {
            (Ok(t), Ok(a)) => (t, a),
            (Err(e), _) | (_, Err(e)) => {
                warn!(campaign = id, error = %e, "campaign not restored");
                return None;
            }
        };
        let mut by_target: HashMap<i64, Vec<Attempt>> = HashMap::new();
        for a in &attempts {
            by_target.entry(a.target_id).or_default().push(Attempt {
                attempt: u32::try_from(a.attempt).unwrap_or(u32::MAX),
                dialled_at: a.dialled_at,
                ended: a.ended_at.zip(a.result.as_deref().and_then(result_of)),
                promise: a.promise_fen.map(|amount_fen| Promise {
                    amount_fen,
                    by: a
                        .promise_by
                        .as_deref()
                        .and_then(hotline_time::CivilDate::parse),
                }),
            });
        }
        let stored: Vec<StoredTarget> = targets
            .iter()
            .filter_map(|t| {
                let tid = u64::try_from(t.id).ok()?;
                Some(StoredTarget {
                    target: Target {
                        id: TargetId(tid),
                        customer: t.account.clone(),
                        number: canonical(&t.number),
                        data: t.data.clone(),
                    },
                    attempts: by_target.remove(&t.id).unwrap_or_default(),
                    skipped: t.skipped.as_ref().map(|s| {
                        if s == "do_not_call" {
                            SkipReason::DoNotCall
                        } else {
                            SkipReason::Agent(s.clone())
                        }
                    }),
                })
            })
            .collect();
        self.targets = targets
            .into_iter()
            .filter_map(|t| Some((u64::try_from(t.id).ok()?, t)))
            .collect();
        let mut dialler = hotline_campaign::Dialler::restore(cfg, stored, DoNotCall::new());
        // Not started yet: nothing is dialled on these.
        self.feed_dnc(&mut dialler, now).await;
        self.feed_today(&mut dialler, now).await;
        info!(
            campaign = id,
            targets = self.targets.len(),
            attempts = attempts.len(),
            "campaign restored"
        );
        Some(dialler)
    }

    /// Gives the dialler the do-not-call entries added since it last heard. (Every input may
    /// let the dialler dial: what it returns is carried out.)
    async fn feed_dnc(&mut self, d: &mut hotline_campaign::Dialler, now: i64) -> Vec<Action> {
        let mut out = Vec::new();
        match self.env.store.do_not_call_since(self.dnc_seen).await {
            Ok(entries) => {
                for e in entries {
                    self.dnc_seen = self.dnc_seen.max(e.id);
                    if let Some(n) = e.number {
                        out.extend(d.handle(now, Event::DoNotCallNumber(n)));
                    }
                    if let Some(a) = e.account {
                        out.extend(d.handle(now, Event::DoNotCallCustomer(a)));
                    }
                }
            }
            Err(e) => warn!(campaign = self.campaign.id, error = %e, "do-not-call list not read"),
        }
        out
    }

    /// Gives the dialler today's calls per customer across campaigns: read at the start, when
    /// the date changes, and every [`TODAY_EVERY_MS`] (the other campaigns' calls; this one's
    /// the dialler counts itself), not on every look (it reads every customer's count). The
    /// store checks the limit again as it stores each attempt, for the calls of the others
    /// since the last read.
    async fn feed_today(&mut self, d: &mut hotline_campaign::Dialler, now: i64) -> Vec<Action> {
        let (date, from, to) = local_day(&self.env.zone, now);
        if self
            .today_read
            .is_some_and(|(day, at)| day == date && now - at < TODAY_EVERY_MS && now >= at)
        {
            return Vec::new();
        }
        self.today_read = Some((date, now));
        match self.env.store.campaign_calls_between(from, to).await {
            Ok(rows) => {
                let mut today = CallsToday::empty(date);
                for (account, n) in rows {
                    today
                        .counts
                        .insert(account, u32::try_from(n).unwrap_or(u32::MAX));
                }
                d.handle(now, Event::CallsToday(today))
            }
            Err(e) => {
                warn!(campaign = self.campaign.id, error = %e, "today's calls not read");
                Vec::new()
            }
        }
    }

    /// The operators' moves since the last look, and the do-not-call list's new entries:
    /// read from the store at most every [`POLL`] (the dial loop wakes for every attempt; the
    /// store checks the list again as it stores each attempt); the free agents on every wake.
    async fn refresh(
        &mut self,
        d: &mut hotline_campaign::Dialler,
        status: &mut CampaignStatus,
        now: i64,
    ) -> Vec<Action> {
        let mut out = Vec::new();
        let poll = i64::try_from(POLL.as_millis()).unwrap_or(i64::MAX);
        if self.read_at.is_some_and(|at| now >= at && now - at < poll) {
            if d.status() == hotline_campaign::Status::Running {
                out.extend(self.feed_free_agents(d, now).await);
            }
            return out;
        }
        self.read_at = Some(now);
        match self.env.store.campaign(self.campaign.id).await {
            Ok(Some(c)) if c.status != *status => {
                let event = match c.status {
                    CampaignStatus::Paused => Some(Event::Pause),
                    // Resumed by an operator: the route is taken to be up again too.
                    CampaignStatus::Running => {
                        self.failures_in_a_row = 0;
                        out.extend(d.handle(now, Event::RouteUp));
                        Some(Event::Resume)
                    }
                    CampaignStatus::Stopped => Some(Event::Stop),
                    CampaignStatus::Draft | CampaignStatus::Done => None,
                };
                *status = c.status;
                if let Some(e) = event {
                    out.extend(d.handle(now, e));
                }
            }
            Ok(_) => {}
            Err(e) => warn!(campaign = self.campaign.id, error = %e, "campaign not read"),
        }
        out.extend(self.feed_dnc(d, now).await);
        if d.status() == hotline_campaign::Status::Running {
            out.extend(self.feed_today(d, now).await);
            out.extend(self.feed_free_agents(d, now).await);
        }
        out
    }

    /// Progressive and preview: the free agents of the campaign's queue now (none when the router cannot
    /// say: no call is placed without an agent to take it).
    async fn feed_free_agents(&self, d: &mut hotline_campaign::Dialler, now: i64) -> Vec<Action> {
        let queue = self
            .progressive
            .as_ref()
            .map(|(q, _)| q)
            .or(self.preview_queue.as_ref());
        let (Some(queue), Some(agents)) = (queue, &self.env.agents) else {
            return Vec::new();
        };
        let free = agents.free(queue).await.unwrap_or(0);
        d.handle(now, Event::FreeAgents(free))
    }

    /// Carries out one step's actions: the targets' new states stored in one write, then
    /// the dials (their attempts stored in one write, then placed), then the rest in order.
    /// `true` when the run is over (stopped or done); the dialler's further actions.
    async fn carry_out_all(
        &mut self,
        actions: Vec<Action>,
        d: &mut hotline_campaign::Dialler,
    ) -> (bool, Vec<Action>) {
        let mut states = Vec::new();
        let mut dials = Vec::new();
        let mut rest = Vec::new();
        for a in actions {
            match a {
                Action::Target { target, state } => states.push(state_change(target, &state)),
                Action::Dial {
                    target,
                    number,
                    attempt,
                } => dials.push((target, attempt, number)),
                other => rest.push(other),
            }
        }
        self.store_states(&states).await;
        let mut more = self.dial_all(dials, d).await;
        let mut end = false;
        for a in rest {
            let (over, next) = self.carry_out(a, d).await;
            end |= over;
            more.extend(next);
        }
        (end, more)
    }

    /// Stores the targets' new states (one write).
    async fn store_states(&self, states: &[hotline_store::TargetStateChange]) {
        if states.is_empty() {
            return;
        }
        if let Err(e) = self.env.store.set_target_states(states, self.now()).await {
            warn!(campaign = self.campaign.id, targets = states.len(), error = %e, "target states not stored");
        }
    }

    /// Stores the dials' attempts in one write, the per-customer limit and the do-not-call
    /// list checked with each, and places the calls of those stored; what the dialler says
    /// of the others (the limit used up by another campaign: tomorrow; on the list: skipped;
    /// stored before, or the store refused: failed).
    async fn dial_all(
        &mut self,
        dials: Vec<(TargetId, u32, String)>,
        d: &mut hotline_campaign::Dialler,
    ) -> Vec<Action> {
        if dials.is_empty() {
            return Vec::new();
        }
        let (id, now) = (self.campaign.id, self.now());
        let cap = self.daily_cap(d, now);
        let starts: Vec<AttemptToStart> = dials
            .iter()
            .map(|(target, attempt, number)| AttemptToStart {
                target_id: i64::try_from(target.0).unwrap_or(i64::MAX),
                attempt: i64::from(*attempt),
                number: number.clone(),
                at: now,
            })
            .collect();
        let stored = match self.env.store.start_campaign_attempts(&starts, cap).await {
            Ok(r) => r,
            Err(e) => {
                warn!(campaign = id, attempts = dials.len(), error = %e, "attempts not stored: not placed");
                vec![AttemptStart::StoredBefore; dials.len()]
            }
        };
        let mut out = Vec::new();
        let mut dnc_read = false;
        for ((target, attempt, number), start) in dials.into_iter().zip(stored) {
            match self
                .after_start(target, attempt, start, d, &mut dnc_read)
                .await
            {
                Ok(()) => self.place(target, attempt, number, None),
                Err(more) => out.extend(more),
            }
        }
        out
    }

    /// The per-customer limit as the store takes it with an attempt dialled at `now` (the
    /// centre's day then), if the campaign has one.
    fn daily_cap(&self, d: &hotline_campaign::Dialler, now: i64) -> Option<DailyCap> {
        d.campaign().daily_limit.max_per_day.map(|max| {
            let (_, from, to) = local_day(&self.env.zone, now);
            DailyCap { max, from, to }
        })
    }

    /// Carries out one action other than a dial or a target's state: `true` when the run
    /// is over (stopped or done); the dialler's further actions.
    async fn carry_out(
        &mut self,
        a: Action,
        d: &mut hotline_campaign::Dialler,
    ) -> (bool, Vec<Action>) {
        let store = &self.env.store;
        let id = self.campaign.id;
        let now = self.now();
        match a {
            Action::Dial { .. } | Action::Target { .. } => {
                // Batched by carry_out_all.
                let (end, more) = Box::pin(self.carry_out_all(vec![a], d)).await;
                (end, more)
            }
            Action::Preview {
                target,
                number,
                attempt,
            } => (false, self.offer(target, attempt, number, d).await),
            Action::Paused { reason } => {
                if let PauseReason::RouteDown(why) = reason {
                    self.refuse(&format!("the route is down: {why}")).await;
                }
                (false, Vec::new())
            }
            Action::Resumed | Action::Throttled { .. } | Action::Unthrottled { .. } => {
                (false, Vec::new())
            }
            Action::Stopped => (true, Vec::new()),
            Action::Done => {
                if let Err(e) = store
                    .set_campaign_status(id, CampaignStatus::Done, None, now)
                    .await
                {
                    warn!(campaign = id, error = %e, "campaign not marked done");
                }
                info!(campaign = id, "campaign done: every target is final");
                (true, Vec::new())
            }
        }
    }

    /// Stores attempt `attempt` of `target` before its call is placed, the per-customer
    /// limit taken with it; `Err` with what the dialler says when it is not to be placed.
    async fn start_attempt(
        &mut self,
        target: TargetId,
        attempt: u32,
        number: &str,
        d: &mut hotline_campaign::Dialler,
    ) -> Result<(), Vec<Action>> {
        let now = self.now();
        let tid = i64::try_from(target.0).unwrap_or(i64::MAX);
        let cap = self.daily_cap(d, now);
        let start = match self
            .env
            .store
            .start_campaign_attempt_within(tid, i64::from(attempt), number, now, cap)
            .await
        {
            Ok(start) => start,
            Err(e) => {
                warn!(campaign = self.campaign.id, target = tid, error = %e, "attempt not stored");
                AttemptStart::StoredBefore
            }
        };
        self.after_start(target, attempt, start, d, &mut false)
            .await
    }

    /// What storing attempt `attempt` of `target` came to: `Ok` to place the call, else
    /// what the dialler says (the limit used up by another campaign since the counts were
    /// read: tomorrow; on the do-not-call list since it last heard: skipped, the list read
    /// once for all of a batch (`dnc_read`); stored before or not stored: failed, the rules
    /// decide).
    async fn after_start(
        &mut self,
        target: TargetId,
        attempt: u32,
        start: AttemptStart,
        d: &mut hotline_campaign::Dialler,
        dnc_read: &mut bool,
    ) -> Result<(), Vec<Action>> {
        let (id, now) = (self.campaign.id, self.now());
        let tid = i64::try_from(target.0).unwrap_or(i64::MAX);
        match start {
            AttemptStart::Started(_) => Ok(()),
            AttemptStart::OverDailyLimit(placed) => {
                info!(
                    campaign = id,
                    target = tid,
                    placed,
                    "the customer's calls for today are used up: not placed"
                );
                Err(d.handle(now, Event::DailyLimitReached { target, attempt }))
            }
            AttemptStart::DoNotCall => {
                info!(
                    campaign = id,
                    target = tid,
                    "on the do-not-call list since the dialler last heard: not placed"
                );
                let mut out = Vec::new();
                if !*dnc_read {
                    *dnc_read = true;
                    out = self.feed_dnc(d, now).await;
                }
                out.extend(d.handle(now, Event::DoNotCallRefused { target, attempt }));
                Err(out)
            }
            AttemptStart::StoredBefore => {
                // Stored before (never placed twice), or the store refused: the attempt
                // counts as failed and the rules decide what follows.
                warn!(
                    campaign = id,
                    target = tid,
                    attempt,
                    "attempt not stored: not placed"
                );
                let ended = Event::AttemptEnded {
                    target,
                    attempt,
                    result: CallResult::Failed,
                    at: now,
                    promise: None,
                };
                Err(d.handle(now, ended))
            }
        }
    }

    /// Places the call (preview: dialled by `agent`, whose phone rings first); its outcome
    /// comes back on the run's channel.
    fn place(&mut self, target: TargetId, attempt: u32, number: String, agent: Option<i64>) {
        let Some(t) = self.targets.get(&target.0) else {
            return;
        };
        // The flow's `target.account` is the target's account unless the data says otherwise.
        let mut data = t.data.clone();
        data.entry("account".into())
            .or_insert_with(|| t.account.clone());
        let req = PlaceRequest {
            campaign: self.campaign.id,
            target: t.id,
            attempt,
            account: t.account.clone(),
            number,
            caller_id: self.caller_id.clone(),
            flow: self.campaign.flow.clone(),
            data,
            campaign_name: self.campaign.name.clone(),
            progressive: self.progressive.clone(),
            preview: agent,
        };
        let placer = self.env.placer.clone();
        let tx = self.outcomes.clone();
        // Progressive: the answer is said as it happens (the call no longer holds an agent).
        let answered = self.progressive.as_ref().map(|_| {
            let (said, heard) = tokio::sync::oneshot::channel::<()>();
            let answers = self.answers.clone();
            tokio::spawn(async move {
                if heard.await.is_ok() {
                    let _ = answers.send((target, attempt));
                }
            });
            said
        });
        self.in_flight += 1;
        tokio::spawn(async move {
            let outcome = placer.place_and_tell(req, answered).await;
            let _ = tx.send((target, attempt, outcome));
        });
    }

    /// A follow-up campaign's answered call: the ticket's follow-up is done (with the
    /// customer's rating when they gave one), as an agent's follow-up call does it. One not
    /// reached stays on the agents' follow-up list.
    async fn follow_up(&self, target: TargetId, o: &PlaceOutcome, now: i64) {
        if self.campaign.kind != "followup" {
            return;
        }
        let Some(followup) = self
            .targets
            .get(&target.0)
            .and_then(|t| t.data.get("followup_id"))
            .and_then(|f| f.parse::<i64>().ok())
        else {
            return;
        };
        let result = hotline_store::FollowUpResult::Reached { rating: o.rating };
        let note = format!("campaign {} (automated call)", self.campaign.id);
        match self
            .env
            .store
            .record_followup_by(followup, &result, &note, None, now)
            .await
        {
            Ok(_) => {
                info!(campaign = self.campaign.id, followup, rating = ?o.rating, "follow-up done by the campaign")
            }
            // Done by an agent meanwhile: theirs stands.
            Err(e) => {
                info!(campaign = self.campaign.id, followup, error = %e, "follow-up not recorded by the campaign")
            }
        }
    }

    /// Stores how the attempts that ended together ended (one write) and tells the dialler
    /// of each (a follow-up's rating to its ticket, an opt-out to the do-not-call list).
    async fn ended(
        &mut self,
        d: &mut hotline_campaign::Dialler,
        outcomes: Vec<(TargetId, u32, PlaceOutcome)>,
    ) -> Vec<Action> {
        let now = self.now();
        let results: Vec<CallResult> = outcomes
            .iter()
            .map(|(_, _, o)| {
                if o.opted_out {
                    CallResult::OptedOut
                } else {
                    o.result.unwrap_or(CallResult::Failed)
                }
            })
            .collect();
        let ends: Vec<(i64, i64, AttemptEnd)> = outcomes
            .iter()
            .zip(&results)
            .map(|((target, attempt, o), result)| {
                let end = AttemptEnd {
                    result: result_name(*result).into(),
                    at: now,
                    talk_ms: o.talk_ms,
                    keys: o.keys.clone(),
                    promise_fen: o.promise_fen,
                    promise_by: o.promise_by.map(|d| d.to_string()),
                    rating: o.rating,
                    note: o.note.clone().or(o.route_failure.clone()),
                    call_id: None,
                };
                let tid = i64::try_from(target.0).unwrap_or(i64::MAX);
                (tid, i64::from(*attempt), end)
            })
            .collect();
        // Each target notes its attempt's result as its last (a retry keeps it) in the same
        // write.
        if let Err(e) = self.env.store.end_campaign_attempts(&ends).await {
            warn!(campaign = self.campaign.id, attempts = ends.len(), error = %e, "attempt results not stored");
        }
        let mut out = Vec::new();
        for ((target, attempt, o), result) in outcomes.into_iter().zip(results) {
            out.extend(self.one_ended(d, target, attempt, &o, result, now).await);
        }
        out
    }

    /// Tells the dialler how attempt `attempt` of `target` ended (stored already): a
    /// follow-up's rating to its ticket, an opt-out to the do-not-call list, route failures
    /// in a row counted.
    async fn one_ended(
        &mut self,
        d: &mut hotline_campaign::Dialler,
        target: TargetId,
        attempt: u32,
        o: &PlaceOutcome,
        result: CallResult,
        now: i64,
    ) -> Vec<Action> {
        if result == CallResult::Answered {
            self.follow_up(target, o, now).await;
        }
        let mut out = Vec::new();
        if o.opted_out {
            if let Some(t) = self.targets.get(&target.0) {
                let entry = hotline_store::NewDnc {
                    number: Some(t.number.clone()),
                    account: Some(t.account.clone()),
                    source: "keypad".into(),
                    note: format!("campaign {}", self.campaign.id),
                };
                if let Err(e) = self.env.store.add_do_not_call(&entry, None, now).await {
                    warn!(campaign = self.campaign.id, error = %e, "opt-out not put on the do-not-call list");
                }
            }
            out.extend(self.feed_dnc(d, now).await);
        }
        match &o.route_failure {
            Some(why) => {
                self.failures_in_a_row += 1;
                if self.failures_in_a_row >= ROUTE_DOWN_AFTER {
                    out.extend(d.handle(
                        now,
                        Event::RouteDown {
                            reason: format!(
                                "{} calls in a row failed: {why}",
                                self.failures_in_a_row
                            ),
                        },
                    ));
                }
            }
            None => self.failures_in_a_row = 0,
        }
        let promise = o.promise_fen.map(|amount_fen| Promise {
            amount_fen,
            by: o.promise_by,
        });
        out.extend(d.handle(
            now,
            Event::AttemptEnded {
                target,
                attempt,
                result,
                at: now,
                promise,
            },
        ));
        out
    }
}

/// A target's new state as the store keeps it.
fn state_change(target: TargetId, state: &TargetState) -> hotline_store::TargetStateChange {
    let (name, due, last, skipped) = match state {
        TargetState::Pending => ("pending", None, None, None),
        TargetState::Due(at) => ("due", Some(*at), None, None),
        TargetState::InProgress { .. } => ("in_progress", None, None, None),
        TargetState::Done(r) => ("done", None, Some(result_name(*r)), None),
        TargetState::GivenUp(r) => ("given_up", None, Some(result_name(*r)), None),
        TargetState::Skipped(SkipReason::DoNotCall) => {
            ("skipped", None, None, Some("do_not_call".to_string()))
        }
        TargetState::Skipped(SkipReason::Agent(why)) => ("skipped", None, None, Some(why.clone())),
    };
    hotline_store::TargetStateChange {
        id: i64::try_from(target.0).unwrap_or(i64::MAX),
        state: name.to_string(),
        due_at: due,
        last_result: last.map(str::to_string),
        skipped,
    }
}

/// The local date at `now` in the centre's zone, and that day's bounds `[from, to)`.
fn local_day(zone: &hotline_time::Zone, now: i64) -> (hotline_time::CivilDate, i64, i64) {
    let date = zone.date(now);
    let from = zone.day_start(date);
    (date, from, zone.start_of_day(from + 36 * 3_600_000))
}

/// The next decision on a preview campaign's offers (never, for the other modes).
async fn next_decision(
    rx: &mut Option<mpsc::UnboundedReceiver<super::preview::Decision>>,
) -> Option<super::preview::Decision> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

/// A preview run's offers on the board: taken back when the run ends (or is aborted).
struct OpenOffers(std::sync::Arc<super::preview::PreviewBoard>, i64);

impl Drop for OpenOffers {
    fn drop(&mut self) {
        self.0.close(self.1);
    }
}
