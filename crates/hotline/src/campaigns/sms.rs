//! One SMS campaign's run (settings `channel: "sms"`): the same dialler as the call campaigns
//! decides who gets a text and when (calling window, do-not-call list at send time, retries,
//! pacing by `attempts_per_sec`), and a "dial" here is a text: made from the campaign's
//! template for the target's language, stored (`sending`) before it goes to the SMS gateway
//! (after a restart, one the engine stopped during is closed as `unknown` and never sent
//! again), then completed with what the gateway said. Accepted counts as answered (the target
//! is done; the receipts come later, through the gateway, onto the message); refused for good
//! as rejected; throttled or the gateway down as failed, retried by `retry.failed`, and
//! [`GATEWAY_DOWN_AFTER`] such failures in a row pause the campaign with the reason. No
//! gateway configured: the campaign is paused saying so.
//!
//! The receipts (which the gateway stores on the messages) are read back from the store
//! every [`RECEIPTS_EVERY`] while any is awaited (`sms.receipt_wait_secs` after acceptance):
//! a text the SMSC could not deliver (undeliverable, expired) is sent again by
//! `retry.failed`, and the campaign is done only once no receipt is awaited.

use std::collections::HashMap;
use std::time::Duration;

use hotline_campaign::{
    Action, Attempt, CallResult, DoNotCall, Event, Mode, PauseReason, Receipt, Settings,
    SkipReason, StoredTarget, Submission, Target, TargetId, TargetState, Texts,
};
use hotline_store::{CampaignRecord, CampaignStatus, NewMessage, TargetFilter};
use tokio::sync::mpsc;
use tracing::{info, warn};

use super::{RunnerEnv, POLL};

/// Gateway failures in a row (throttled past its retries, not bound) that pause the campaign.
pub const GATEWAY_DOWN_AFTER: u32 = 3;

/// Sends one text and says how it went (the engine's SMPP gateway; a fake in tests).
#[async_trait::async_trait]
pub trait SmsSender: Send + Sync {
    async fn submit(&self, to: &str, text: &str) -> Submission;
}

/// Whether campaign `c` sends texts rather than calls (its settings say `channel: "sms"`).
pub fn is_sms(c: &CampaignRecord) -> bool {
    c.settings.get("channel").and_then(|v| v.as_str()) == Some("sms")
}

/// How often the receipts are read back while some are awaited.
pub const RECEIPTS_EVERY: Duration = Duration::from_secs(2);

/// How far before the last receipt seen the next read starts (a receipt stored meanwhile may
/// carry an earlier time; one read twice changes nothing).
const RECEIPTS_OVERLAP_MS: i64 = 10_000;

/// A stored message's status as the dialler takes it: the attempt's result (`None` while
/// sending, which a restart closes first).
fn result_of(status: &str) -> Option<CallResult> {
    match (status, Receipt::of_status(status)) {
        ("sending", _) => None,
        ("failed", _) => Some(CallResult::Failed),
        (_, Some(Receipt::NotDelivered(result))) => Some(result),
        // Submitted (delivered, or its receipt still to come), or perhaps sent: never again.
        _ => Some(CallResult::Answered),
    }
}

/// The number as the dialler compares it with the do-not-call list (and sends to it).
fn canonical(number: &str) -> String {
    hotline_store::rules::normalize_phone(number).unwrap_or_else(|| number.to_string())
}

type Outcome = (TargetId, u32, i64, Submission);

/// Pauses campaign `id` in the store with `reason` (it cannot go on as it is).
async fn pause(env: &RunnerEnv, id: i64, reason: &str) {
    warn!(campaign = id, reason, "SMS campaign paused");
    let now = (env.clock)();
    if let Err(e) = env
        .store
        .set_campaign_status(id, CampaignStatus::Paused, Some(reason), now)
        .await
    {
        warn!(campaign = id, error = %e, "campaign not paused");
    }
}

struct Run {
    env: RunnerEnv,
    campaign: CampaignRecord,
    texts: Texts,
    targets: HashMap<u64, hotline_store::CampaignTarget>,
    dnc_seen: i64,
    failures_in_a_row: u32,
    in_flight: usize,
    outcomes: mpsc::UnboundedSender<Outcome>,
    /// The receipts are read from this time on (the last seen less an overlap).
    receipts_from: i64,
    receipts_read_at: Option<tokio::time::Instant>,
}

/// Runs SMS campaign `id` until it is stopped or done (and its texts are answered).
pub async fn run_sms_campaign(env: RunnerEnv, id: i64) {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let Some(mut run) = Run::load(env, id, tx).await else {
        return;
    };
    let now = run.now();
    let Some(mut dialler) = run.dialler(now).await else {
        return;
    };
    let mut status = run.campaign.status;
    let mut actions = dialler.handle(now, Event::Start);
    if status == CampaignStatus::Paused {
        actions.extend(dialler.handle(now, Event::Pause));
    }
    // Once stopped or done, the run ends when the texts under way are answered.
    let mut finished = false;
    let mut refreshed = tokio::time::Instant::now();
    loop {
        while !actions.is_empty() {
            for a in std::mem::take(&mut actions) {
                let (end, more) = run.carry_out(a, &mut dialler).await;
                finished |= end;
                actions.extend(more);
            }
        }
        if finished && run.in_flight == 0 {
            info!(campaign = id, "SMS campaign run ends");
            return;
        }
        let now = run.now();
        let wait = dialler
            .next_deadline()
            .map(|at| Duration::from_millis(u64::try_from(at - now).unwrap_or(0)))
            .unwrap_or(POLL)
            .min(POLL);
        tokio::select! {
            Some((target, attempt, message, outcome)) = rx.recv() => {
                run.in_flight = run.in_flight.saturating_sub(1);
                actions = run.ended(&mut dialler, target, attempt, message, outcome).await;
                // A steady stream of answers does not keep the operators' moves and the
                // receipts waiting.
                if refreshed.elapsed() >= POLL {
                    refreshed = tokio::time::Instant::now();
                    let now = run.now();
                    actions.extend(run.refresh(&mut dialler, &mut status, now).await);
                }
            }
            () = tokio::time::sleep(wait) => {
                refreshed = tokio::time::Instant::now();
                let now = run.now();
                actions = run.refresh(&mut dialler, &mut status, now).await;
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
        outcomes: mpsc::UnboundedSender<Outcome>,
    ) -> Option<Run> {
        let campaign = match env.store.campaign(id).await {
            Ok(Some(c)) => c,
            Ok(None) => return None,
            Err(e) => {
                warn!(campaign = id, error = %e, "campaign not read");
                return None;
            }
        };
        let texts = match Settings::parse(&campaign.settings).and_then(|s| s.texts()) {
            Ok(Some(t)) => t,
            Ok(None) => {
                pause(
                    &env,
                    id,
                    "settings: sms: an SMS campaign needs its templates",
                )
                .await;
                return None;
            }
            Err(e) => {
                pause(&env, id, &format!("settings: {e}")).await;
                return None;
            }
        };
        Some(Run {
            env,
            campaign,
            texts,
            targets: HashMap::new(),
            dnc_seen: 0,
            failures_in_a_row: 0,
            in_flight: 0,
            outcomes,
            receipts_from: i64::MAX,
            receipts_read_at: None,
        })
    }

    async fn refuse(&self, reason: &str) {
        pause(&self.env, self.campaign.id, reason).await;
    }

    /// The dialler rebuilt from the store (messages the engine stopped during closed first).
    async fn dialler(&mut self, now: i64) -> Option<hotline_campaign::Dialler> {
        let id = self.campaign.id;
        if self.env.sms.is_none() {
            self.refuse(
                "no SMS gateway is configured: add an [sms] section to the engine's configuration",
            )
            .await;
            return None;
        }
        if self.campaign.mode != "ivr" {
            self.refuse("an SMS campaign has no agents: its mode must be ivr")
                .await;
            return None;
        }
        let cfg = match Settings::parse(&self.campaign.settings).and_then(|s| {
            s.campaign(
                &id.to_string(),
                Mode::IvrOnly,
                self.env.zone.clone(),
                &self.env.holidays,
            )
        }) {
            Ok(cfg) => cfg,
            Err(e) => {
                self.refuse(&format!("settings: {e}")).await;
                return None;
            }
        };
        let store = &self.env.store;
        match store.close_unfinished_messages(id, now).await {
            Ok(0) => {}
            Ok(n) => warn!(
                campaign = id,
                messages = n,
                "texts being sent when the engine stopped closed as unknown (never sent again)"
            ),
            Err(e) => {
                warn!(campaign = id, error = %e, "SMS campaign not restored");
                return None;
            }
        }
        let all = TargetFilter {
            limit: 100_000,
            ..TargetFilter::default()
        };
        let (targets, messages) = match (
            store.campaign_targets(id, &all).await,
            store.campaign_messages(id, None, 1_000_000).await,
        ) {
            (Ok(t), Ok(m)) => (t, m),
            (Err(e), _) | (_, Err(e)) => {
                warn!(campaign = id, error = %e, "SMS campaign not restored");
                return None;
            }
        };
        let mut by_target: HashMap<i64, Vec<Attempt>> = HashMap::new();
        for m in &messages {
            let at = m.final_at.or(m.submitted_at).unwrap_or(m.created_at);
            by_target.entry(m.target_id).or_default().push(Attempt {
                attempt: u32::try_from(m.attempt).unwrap_or(u32::MAX),
                dialled_at: m.created_at,
                ended: result_of(&m.status).map(|r| (at, r)),
                promise: None,
            });
        }
        let stored: Vec<StoredTarget> = targets
            .iter()
            .filter_map(|t| {
                Some(StoredTarget {
                    target: Target {
                        id: TargetId(u64::try_from(t.id).ok()?),
                        customer: t.account.clone(),
                        number: canonical(&t.number),
                        data: t.data.clone(),
                    },
                    attempts: by_target.remove(&t.id).unwrap_or_default(),
                    skipped: t.skipped.as_ref().map(|s| match s.as_str() {
                        "do_not_call" => SkipReason::DoNotCall,
                        other => SkipReason::Agent(other.to_string()),
                    }),
                })
            })
            .collect();
        self.targets = targets
            .into_iter()
            .filter_map(|t| Some((u64::try_from(t.id).ok()?, t)))
            .collect();
        let mut d = hotline_campaign::Dialler::restore(cfg, stored, DoNotCall::new());
        // Texts delivered, or whose receipts cannot find them (unknown), are not awaited.
        for m in &messages {
            if m.status == "delivered" || m.status == "unknown" {
                let (target, attempt) = (u64::try_from(m.target_id), u32::try_from(m.attempt));
                if let (Ok(target), Ok(attempt)) = (target, attempt) {
                    let event = Event::ReceiptFinal {
                        target: TargetId(target),
                        attempt,
                    };
                    d.handle(now, event);
                }
            }
        }
        self.receipts_from = now.saturating_sub(RECEIPTS_OVERLAP_MS);
        self.feed_dnc(&mut d, now).await;
        info!(
            campaign = id,
            targets = self.targets.len(),
            messages = messages.len(),
            "SMS campaign restored"
        );
        Some(d)
    }

    /// Gives the dialler the do-not-call entries added since it last heard.
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

    /// The operators' moves since the last look, and the do-not-call list's new entries.
    async fn refresh(
        &mut self,
        d: &mut hotline_campaign::Dialler,
        status: &mut CampaignStatus,
        now: i64,
    ) -> Vec<Action> {
        let mut out = Vec::new();
        match self.env.store.campaign(self.campaign.id).await {
            Ok(Some(c)) if c.status != *status => {
                let event = match c.status {
                    CampaignStatus::Paused => Some(Event::Pause),
                    // Resumed by an operator: the gateway is taken to be up again too.
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
        out.extend(self.receipts(d, now).await);
        out
    }

    /// The receipts stored since the last read, given to the dialler (read while any is
    /// awaited, every [`RECEIPTS_EVERY`] at most).
    async fn receipts(&mut self, d: &mut hotline_campaign::Dialler, now: i64) -> Vec<Action> {
        if d.awaiting_receipts() == 0
            || self
                .receipts_read_at
                .is_some_and(|t| t.elapsed() < RECEIPTS_EVERY)
        {
            return Vec::new();
        }
        self.receipts_read_at = Some(tokio::time::Instant::now());
        let id = self.campaign.id;
        let messages = match self
            .env
            .store
            .campaign_receipts_since(id, self.receipts_from)
            .await
        {
            Ok(m) => m,
            Err(e) => {
                warn!(campaign = id, error = %e, "receipts not read");
                return Vec::new();
            }
        };
        let mut out = Vec::new();
        for m in messages {
            let at = m.final_at.unwrap_or(now);
            self.receipts_from = self
                .receipts_from
                .max(at.saturating_sub(RECEIPTS_OVERLAP_MS));
            let (Some(receipt), Ok(target), Ok(attempt)) = (
                Receipt::of_status(&m.status),
                u64::try_from(m.target_id),
                u32::try_from(m.attempt),
            ) else {
                continue;
            };
            if let Receipt::NotDelivered(result) = receipt {
                info!(campaign = id, target = m.target_id, attempt, status = %m.status, ?result, "text not delivered: the retry rules decide");
            }
            out.extend(d.handle(now, receipt.event(TargetId(target), attempt, at)));
        }
        out
    }

    /// Carries out one action: `true` when the run is over; the dialler's further actions.
    async fn carry_out(
        &mut self,
        a: Action,
        d: &mut hotline_campaign::Dialler,
    ) -> (bool, Vec<Action>) {
        let store = &self.env.store;
        let id = self.campaign.id;
        let now = self.now();
        match a {
            Action::Dial {
                target,
                number,
                attempt,
            } => {
                let more = self.send(d, target, attempt, number, now).await;
                (false, more)
            }
            Action::Target { target, state } => {
                let tid = i64::try_from(target.0).unwrap_or(i64::MAX);
                // The last result is the message's status, set when it changes.
                let (name, due, skipped) = match &state {
                    TargetState::Pending => ("pending", None, None),
                    TargetState::Due(at) => ("due", Some(*at), None),
                    TargetState::InProgress { .. } => ("in_progress", None, None),
                    TargetState::Done(_) => ("done", None, None),
                    TargetState::GivenUp(_) => ("given_up", None, None),
                    TargetState::Skipped(SkipReason::DoNotCall) => {
                        ("skipped", None, Some("do_not_call".to_string()))
                    }
                    TargetState::Skipped(SkipReason::Agent(why)) => {
                        ("skipped", None, Some(why.clone()))
                    }
                };
                if let Err(e) = store
                    .set_target_state(tid, name, due, None, skipped.as_deref(), now)
                    .await
                {
                    warn!(campaign = id, target = tid, error = %e, "target state not stored");
                }
                (false, Vec::new())
            }
            Action::Paused {
                reason: PauseReason::RouteDown(why),
            } => {
                self.refuse(&format!("the SMS gateway is down: {why}"))
                    .await;
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
                info!(campaign = id, "SMS campaign done: every target is final");
                (true, Vec::new())
            }
            Action::Paused { .. }
            | Action::Preview { .. }
            | Action::Resumed
            | Action::Throttled { .. }
            | Action::Unthrottled { .. } => (false, Vec::new()),
        }
    }

    /// Makes the target's text, stores it, and hands it to the gateway (the outcome comes
    /// back on the run's channel). A text that cannot be made or stored ends the attempt.
    async fn send(
        &mut self,
        d: &mut hotline_campaign::Dialler,
        target: TargetId,
        attempt: u32,
        number: String,
        now: i64,
    ) -> Vec<Action> {
        let store = self.env.store.clone();
        let tid = i64::try_from(target.0).unwrap_or(i64::MAX);
        let data = self
            .targets
            .get(&target.0)
            .map(|t| t.data.clone())
            .unwrap_or_default();
        let (language, text, missing) = match self.texts.text_for(&data) {
            Ok((lang, text)) => (lang, text, None),
            Err(name) => (
                "zh".to_string(),
                format!("(no text: no value for {{{name}}})"),
                Some(name),
            ),
        };
        let m = NewMessage {
            target_id: tid,
            attempt: i64::from(attempt),
            number: number.clone(),
            language,
            text: text.clone(),
        };
        let stored = store.start_campaign_message(&m, now).await;
        let result = match (stored, &missing, self.env.sms.clone()) {
            (Ok(Some(message)), None, Some(sender)) => {
                let tx = self.outcomes.clone();
                self.in_flight += 1;
                tokio::spawn(async move {
                    let outcome = sender.submit(&number, &text).await;
                    let _ = tx.send((target, attempt, message, outcome));
                });
                return Vec::new();
            }
            (Ok(Some(message)), None, None) => {
                // Not reached: a campaign without a gateway is paused before it starts.
                let why = "no SMS gateway is configured";
                let _ = store
                    .message_not_submitted(message, "failed", why, now)
                    .await;
                CallResult::Failed
            }
            (Ok(Some(message)), Some(name), _) => {
                let why = format!("the template's {{{name}}} has no value for this target");
                warn!(campaign = self.campaign.id, target = tid, placeholder = %name, "text not made");
                if let Err(e) = store
                    .message_not_submitted(message, "rejected", &why, now)
                    .await
                {
                    warn!(campaign = self.campaign.id, error = %e, "message not completed");
                }
                let _ = store
                    .set_target_state(tid, "in_progress", None, Some("rejected"), None, now)
                    .await;
                CallResult::Rejected
            }
            (Ok(None), _, _) => {
                // Stored before: it was sent, or may have been. Never again.
                warn!(
                    campaign = self.campaign.id,
                    target = tid,
                    attempt,
                    "message stored before: not sent again"
                );
                CallResult::Answered
            }
            (Err(e), _, _) => {
                // The store refused (the campaign paused meanwhile, say): tried again later.
                warn!(campaign = self.campaign.id, target = tid, attempt, error = %e, "message not stored: not sent");
                CallResult::Failed
            }
        };
        d.handle(
            now,
            Event::AttemptEnded {
                target,
                attempt,
                result,
                at: now,
                promise: None,
            },
        )
    }

    /// Stores what the gateway said of a text and tells the dialler.
    async fn ended(
        &mut self,
        d: &mut hotline_campaign::Dialler,
        target: TargetId,
        attempt: u32,
        message: i64,
        outcome: Submission,
    ) -> Vec<Action> {
        let now = self.now();
        let store = &self.env.store;
        let tid = i64::try_from(target.0).unwrap_or(i64::MAX);
        // The target's last result first: a receipt (which finds the message only once its
        // SMSC ids are stored, below) may then set it to what the receipt says.
        if let Err(e) = store
            .set_target_state(tid, "in_progress", None, Some(outcome.status()), None, now)
            .await
        {
            warn!(campaign = self.campaign.id, target = tid, error = %e, "target's last result not stored");
        }
        let done = match &outcome {
            Submission::Accepted { message_ids } => {
                store.message_submitted(message, message_ids, now).await
            }
            Submission::Refused { status } => {
                store
                    .message_not_submitted(
                        message,
                        "rejected",
                        &format!("refused by the SMSC (status 0x{status:08X})"),
                        now,
                    )
                    .await
            }
            Submission::Failed { reason } => {
                store
                    .message_not_submitted(message, "failed", reason, now)
                    .await
            }
        };
        if let Err(e) = done {
            warn!(campaign = self.campaign.id, target = tid, error = %e, "message result not stored");
        }
        let mut out = Vec::new();
        match &outcome {
            Submission::Failed { reason } => {
                self.failures_in_a_row += 1;
                if self.failures_in_a_row >= GATEWAY_DOWN_AFTER {
                    let reason = format!(
                        "{} texts in a row not accepted: {reason}",
                        self.failures_in_a_row
                    );
                    out.extend(d.handle(now, Event::RouteDown { reason }));
                }
            }
            _ => self.failures_in_a_row = 0,
        }
        out.extend(d.handle(
            now,
            Event::AttemptEnded {
                target,
                attempt,
                result: outcome.result(),
                at: now,
                promise: None,
            },
        ));
        out
    }
}

#[cfg(test)]
#[path = "sms_tests.rs"]
mod tests;
