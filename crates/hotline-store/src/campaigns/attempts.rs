//! A campaign's call attempts: stored before the call is placed (one per target and attempt
//! number, so that after a restart none is placed twice), completed with the result, the
//! keys, a promise to pay, a rating or an opt-out; closed as failed when the engine stopped
//! during the call. The progress figures and the calls placed per customer on a day (the
//! per-customer limit across campaigns) are counted from them.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;
use sqlx::any::AnyRow;

use crate::db::{col, Backend, Store};
use crate::error::{Result, StoreError};
use crate::lifecycle::Millis;

use super::CampaignStatus;

/// The results an attempt ends with (`hotline-campaign`'s `CallResult`).
pub const RESULTS: [&str; 7] = [
    "answered",
    "busy",
    "no_answer",
    "failed",
    "rejected",
    "opted_out",
    "abandoned",
];
/// The results where the customer picked up.
const REACHED: &str = "('answered', 'opted_out', 'abandoned')";

/// The class key of the PostgreSQL advisory lock taken on a customer while their calls of
/// the day are counted and one more is stored (the second key is the account's hash).
const DAILY_LIMIT_LOCK: i32 = 2101;

/// The per-customer limit as the store checks it: at most `max` attempts dialled in
/// `[from, to)` (one local day).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DailyCap {
    pub max: u32,
    pub from: Millis,
    pub to: Millis,
}

/// `n` numbered parameters from `$first`, comma-separated (an `IN` list; `NULL` when `n` is
/// 0, which matches nothing).
pub(crate) fn params(first: usize, n: usize) -> String {
    if n == 0 {
        return "NULL".into();
    }
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Binds every value of a list, in order.
pub(crate) trait BindAll<'q> {
    fn bind_all<T>(self, values: impl IntoIterator<Item = T>) -> Self
    where
        T: 'q + sqlx::Encode<'q, sqlx::Any> + sqlx::Type<sqlx::Any> + Clone;
}

impl<'q> BindAll<'q> for sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    fn bind_all<T>(mut self, values: impl IntoIterator<Item = T>) -> Self
    where
        T: 'q + sqlx::Encode<'q, sqlx::Any> + sqlx::Type<sqlx::Any> + Clone,
    {
        for v in values {
            self = self.bind(v);
        }
        self
    }
}

/// An attempt to store before its call is placed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptToStart {
    pub target_id: i64,
    pub attempt: i64,
    pub number: String,
    pub at: Millis,
}

/// What storing an attempt before its call came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptStart {
    /// Stored with this id: place the call.
    Started(i64),
    /// That attempt was stored before (placed before a restart): never place it again.
    StoredBefore,
    /// The customer has had this many attempts in the cap's day already: not stored.
    OverDailyLimit(i64),
    /// The number or the account is on the do-not-call list: not stored.
    DoNotCall,
}

/// One attempt as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CampaignAttempt {
    pub id: i64,
    pub campaign_id: i64,
    pub target_id: i64,
    pub account: String,
    pub attempt: i64,
    pub number: String,
    pub dialled_at: Millis,
    pub ended_at: Option<Millis>,
    pub result: Option<String>,
    pub talk_ms: Option<i64>,
    /// The keys the customer pressed.
    pub keys: Option<String>,
    pub promise_fen: Option<i64>,
    /// `YYYY-MM-DD`.
    pub promise_by: Option<String>,
    pub rating: Option<i64>,
    pub note: Option<String>,
    /// The call's record, once the call log has it.
    pub call_id: Option<i64>,
}

/// How an attempt ended.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AttemptEnd {
    pub result: String,
    pub at: Millis,
    pub talk_ms: Option<i64>,
    pub keys: Option<String>,
    pub promise_fen: Option<i64>,
    pub promise_by: Option<String>,
    pub rating: Option<i64>,
    pub note: Option<String>,
    pub call_id: Option<i64>,
}

/// A campaign's figures for the wall and the metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct CampaignProgress {
    pub targets: i64,
    pub pending: i64,
    pub due: i64,
    pub in_progress: i64,
    pub done: i64,
    pub given_up: i64,
    pub skipped: i64,
    /// Attempts placed.
    pub dialled: i64,
    /// Attempts the customer picked up.
    pub reached: i64,
    pub promises: i64,
    pub promised_fen: i64,
    pub opted_out: i64,
    /// Targets still to be called (not final; of a stopped campaign, only calls under way).
    pub remaining: i64,
    /// SMS campaigns: texts the SMSC accepted (whatever the receipts said after).
    pub sms_sent: i64,
    /// SMS campaigns: texts the receipts say reached the handset.
    pub sms_delivered: i64,
    /// SMS campaigns: texts (one per attempt) refused or not accepted (a failed one is sent
    /// again as the retry rules say), or not delivered (expired, undeliverable, deleted).
    pub sms_failed: i64,
}

const COLUMNS: &str = "id, campaign_id, target_id, account, attempt, number, dialled_at, \
    ended_at, result, talk_ms, keys, promise_fen, promise_by, rating, note, call_id";

fn attempt_from_row(r: &AnyRow) -> Result<CampaignAttempt> {
    Ok(CampaignAttempt {
        id: col(r, "id")?,
        campaign_id: col(r, "campaign_id")?,
        target_id: col(r, "target_id")?,
        account: col(r, "account")?,
        attempt: col(r, "attempt")?,
        number: col(r, "number")?,
        dialled_at: col(r, "dialled_at")?,
        ended_at: col(r, "ended_at")?,
        result: col(r, "result")?,
        talk_ms: col(r, "talk_ms")?,
        keys: col(r, "keys")?,
        promise_fen: col(r, "promise_fen")?,
        promise_by: col(r, "promise_by")?,
        rating: col(r, "rating")?,
        note: col(r, "note")?,
        call_id: col(r, "call_id")?,
    })
}

fn check_end(e: &AttemptEnd) -> Result<()> {
    if !RESULTS.contains(&e.result.as_str()) {
        return Err(StoreError::invalid("result", RESULTS.join(", ")));
    }
    if e.promise_fen.is_some_and(|f| f <= 0) {
        return Err(StoreError::invalid("promise_fen", "above 0"));
    }
    if let Some(by) = &e.promise_by {
        if hotline_time::CivilDate::parse(by).is_none() {
            return Err(StoreError::invalid("promise_by", "a date YYYY-MM-DD"));
        }
    }
    if e.rating.is_some_and(|r| !(1..=5).contains(&r)) {
        return Err(StoreError::invalid("rating", "1 to 5"));
    }
    if e.keys.as_ref().is_some_and(|k| k.len() > 64) {
        return Err(StoreError::invalid("keys", "at most 64"));
    }
    Ok(())
}

impl Store {
    /// Stores attempt `attempt` of target `target_id` to `number`, dialled `at`, before the
    /// call is placed: its id, or `None` when that attempt is stored already (it was placed
    /// before a restart: never place it again). The campaign must be running.
    pub async fn start_campaign_attempt(
        &self,
        target_id: i64,
        attempt: i64,
        number: &str,
        at: Millis,
    ) -> Result<Option<i64>> {
        Ok(
            match self
                .start_campaign_attempt_within(target_id, attempt, number, at, None)
                .await?
            {
                AttemptStart::Started(id) => Some(id),
                AttemptStart::StoredBefore
                | AttemptStart::OverDailyLimit(_)
                | AttemptStart::DoNotCall => None,
            },
        )
    }

    /// As [`Store::start_campaign_attempt`], only if neither `number` nor the target's
    /// account is on the do-not-call list (checked at dial time, in the same step), and when
    /// `cap` is given, only if the target's customer has had fewer than `cap.max` attempts
    /// (every campaign's) dialled in `[cap.from, cap.to)`: the per-customer limit checked and
    /// taken in one step, so two campaigns dialling the same customer at once cannot both
    /// pass it. (SQLite has one writer; PostgreSQL takes a lock on the customer for the
    /// transaction.)
    pub async fn start_campaign_attempt_within(
        &self,
        target_id: i64,
        attempt: i64,
        number: &str,
        at: Millis,
        cap: Option<DailyCap>,
    ) -> Result<AttemptStart> {
        let one = AttemptToStart {
            target_id,
            attempt,
            number: number.to_string(),
            at,
        };
        let mut started = self.start_campaign_attempts(&[one], cap).await?;
        started
            .pop()
            .ok_or_else(|| StoreError::Conflict("the attempt was not stored".into()))
    }

    /// Stores attempts of one campaign's targets before their calls are placed, as
    /// [`Store::start_campaign_attempt_within`] does each (in order: a later one counts the
    /// earlier ones against the per-customer limit), in one transaction of a handful of
    /// statements however many there are: the dial loop stores the dials that fell due
    /// together so, and a store slow to answer (a busy machine) does not slow the pacing.
    /// One result per attempt, in order.
    pub async fn start_campaign_attempts(
        &self,
        starts: &[AttemptToStart],
        cap: Option<DailyCap>,
    ) -> Result<Vec<AttemptStart>> {
        if starts.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<i64> = starts.iter().map(|s| s.target_id).collect();
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT id, campaign_id, account FROM campaign_targets WHERE id IN ({})",
            params(1, ids.len())
        )))
        .bind_all(&ids)
        .fetch_all(&self.read)
        .await?;
        let mut targets: HashMap<i64, (i64, String)> = HashMap::new();
        for r in &rows {
            targets.insert(col(r, "id")?, (col(r, "campaign_id")?, col(r, "account")?));
        }
        let mut campaign = None;
        for s in starts {
            let (c, _) = targets
                .get(&s.target_id)
                .ok_or_else(|| StoreError::not_found("campaign target", s.target_id))?;
            if campaign.is_some_and(|id| id != *c) {
                return Err(StoreError::invalid(
                    "target_id",
                    "the targets of one campaign",
                ));
            }
            campaign = Some(*c);
        }
        let campaign_id = campaign.unwrap_or_default();
        let c = self.existing_campaign(campaign_id).await?;
        if c.status != CampaignStatus::Running {
            return Err(StoreError::Conflict(format!(
                "the campaign is {}: no call is placed",
                c.status.as_str()
            )));
        }
        let account = |s: &AttemptToStart| targets.get(&s.target_id).map(|(_, a)| a.clone());
        let accounts: BTreeSet<String> = starts.iter().filter_map(account).collect();
        // Each number as the do-not-call list keeps it.
        let normalised: Vec<String> = starts
            .iter()
            .map(|s| crate::rules::normalize_phone(&s.number).unwrap_or_else(|| s.number.clone()))
            .collect();
        let numbers: BTreeSet<&String> = normalised.iter().collect();
        let mut tx = self.write.begin().await?;
        if cap.is_some() && self.backend() == Backend::Postgres {
            // In one order, so that two campaigns' batches never wait on each other in turn.
            for a in &accounts {
                sqlx::query("SELECT pg_advisory_xact_lock($1, hashtext($2))")
                    .bind(DAILY_LIMIT_LOCK)
                    .bind(a.clone())
                    .execute(&mut *tx)
                    .await?;
            }
        }
        let (mut listed_numbers, mut listed_accounts) = (BTreeSet::new(), BTreeSet::new());
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT number, account FROM do_not_call WHERE number IN ({}) OR account IN ({})",
            params(1, numbers.len()),
            params(numbers.len() + 1, accounts.len())
        )))
        .bind_all(&numbers)
        .bind_all(&accounts)
        .fetch_all(&mut *tx)
        .await?;
        for r in &rows {
            listed_numbers.extend(col::<Option<String>>(r, "number")?);
            listed_accounts.extend(col::<Option<String>>(r, "account")?);
        }
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT target_id, attempt FROM campaign_attempts WHERE target_id IN ({})",
            params(1, ids.len())
        )))
        .bind_all(&ids)
        .fetch_all(&mut *tx)
        .await?;
        let mut stored = BTreeSet::new();
        for r in &rows {
            stored.insert((col::<i64>(r, "target_id")?, col::<i64>(r, "attempt")?));
        }
        let mut placed: HashMap<String, i64> = HashMap::new();
        if let Some(cap) = cap {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT account, COUNT(*) AS n FROM campaign_attempts WHERE account IN ({}) \
                 AND dialled_at >= $1 AND dialled_at < $2 GROUP BY account",
                params(3, accounts.len())
            )))
            .bind(cap.from)
            .bind(cap.to)
            .bind_all(&accounts)
            .fetch_all(&mut *tx)
            .await?;
            for r in &rows {
                placed.insert(col(r, "account")?, col(r, "n")?);
            }
        }
        // Each in order, as one at a time would be answered.
        let mut answers = Vec::with_capacity(starts.len());
        let mut to_insert = Vec::new();
        for (s, number) in starts.iter().zip(&normalised) {
            let acct = account(s).unwrap_or_default();
            let answer = if listed_numbers.contains(number) || listed_accounts.contains(&acct) {
                Some(AttemptStart::DoNotCall)
            } else if !stored.insert((s.target_id, s.attempt)) {
                Some(AttemptStart::StoredBefore)
            } else {
                let n = placed.entry(acct.clone()).or_insert(0);
                match cap {
                    Some(cap) if *n >= i64::from(cap.max) => Some(AttemptStart::OverDailyLimit(*n)),
                    _ => {
                        *n += 1;
                        to_insert.push((s, acct));
                        None
                    }
                }
            };
            answers.push(answer);
        }
        let mut ids_of: HashMap<(i64, i64), i64> = HashMap::new();
        if !to_insert.is_empty() {
            let values: Vec<String> = (0..to_insert.len())
                .map(|i| {
                    let b = i * 6;
                    format!(
                        "(${}, ${}, ${}, ${}, ${}, ${})",
                        b + 1,
                        b + 2,
                        b + 3,
                        b + 4,
                        b + 5,
                        b + 6
                    )
                })
                .collect();
            let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO campaign_attempts (campaign_id, target_id, account, attempt, \
                 number, dialled_at) VALUES {} ON CONFLICT DO NOTHING \
                 RETURNING id, target_id, attempt",
                values.join(", ")
            )));
            for (s, acct) in &to_insert {
                q = q
                    .bind(campaign_id)
                    .bind(s.target_id)
                    .bind(acct.clone())
                    .bind(s.attempt)
                    .bind(s.number.clone())
                    .bind(s.at);
            }
            for r in &q.fetch_all(&mut *tx).await? {
                ids_of.insert((col(r, "target_id")?, col(r, "attempt")?), col(r, "id")?);
            }
            let started: Vec<i64> = to_insert.iter().map(|(s, _)| s.target_id).collect();
            let at = to_insert
                .iter()
                .map(|(s, _)| s.at)
                .max()
                .unwrap_or_default();
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "UPDATE campaign_targets SET state = 'in_progress', due_at = NULL, \
                 updated_at = $1 WHERE id IN ({})",
                params(2, started.len())
            )))
            .bind(at)
            .bind_all(&started)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(starts
            .iter()
            .zip(answers)
            .map(|(s, answer)| {
                answer.unwrap_or_else(|| match ids_of.get(&(s.target_id, s.attempt)) {
                    Some(id) => AttemptStart::Started(*id),
                    // Stored meanwhile by another writer (the insert did nothing).
                    None => AttemptStart::StoredBefore,
                })
            })
            .collect())
    }

    /// Completes attempt `attempt` of target `target_id` and notes its result as the
    /// target's last one, in one transaction (a target never shows a result its attempts do
    /// not have); `false` when it had ended already (a second report changes nothing).
    pub async fn end_campaign_attempt(
        &self,
        target_id: i64,
        attempt: i64,
        end: &AttemptEnd,
    ) -> Result<bool> {
        check_end(end)?;
        let mut ended = self
            .end_campaign_attempts(&[(target_id, attempt, end.clone())])
            .await?;
        match ended.pop() {
            Some(Some(done)) => Ok(done),
            _ => Err(StoreError::not_found(
                "campaign attempt",
                format!("{target_id}/{attempt}"),
            )),
        }
    }

    /// Completes attempts as [`Store::end_campaign_attempt`] does each, in one transaction
    /// (the dial loop stores the ends that came together in one write). One answer per
    /// end, in order: `Some(true)` stored, `Some(false)` it had ended already, `None` no such
    /// attempt. An end that does not check out (a rating out of 1 to 5, say) refuses them all.
    pub async fn end_campaign_attempts(
        &self,
        ends: &[(i64, i64, AttemptEnd)],
    ) -> Result<Vec<Option<bool>>> {
        for (_, _, end) in ends {
            check_end(end)?;
        }
        let mut tx = self.write.begin().await?;
        let mut out = Vec::with_capacity(ends.len());
        let mut ended: BTreeMap<(String, Millis), Vec<i64>> = BTreeMap::new();
        for (target_id, attempt, end) in ends {
            let n = sqlx::query(
                "UPDATE campaign_attempts SET ended_at = $1, result = $2, talk_ms = $3, \
                 keys = $4, promise_fen = $5, promise_by = $6, rating = $7, note = $8, \
                 call_id = $9 WHERE target_id = $10 AND attempt = $11 AND ended_at IS NULL",
            )
            .bind(end.at)
            .bind(end.result.clone())
            .bind(end.talk_ms)
            .bind(end.keys.clone())
            .bind(end.promise_fen)
            .bind(end.promise_by.clone())
            .bind(end.rating)
            .bind(end.note.clone())
            .bind(end.call_id)
            .bind(*target_id)
            .bind(*attempt)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                let known: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM campaign_attempts WHERE target_id = $1 AND attempt = $2",
                )
                .bind(*target_id)
                .bind(*attempt)
                .fetch_one(&mut *tx)
                .await?;
                out.push((known > 0).then_some(false));
                continue;
            }
            ended
                .entry((end.result.clone(), end.at))
                .or_default()
                .push(*target_id);
            out.push(Some(true));
        }
        // The targets' last results: one statement for each result and time.
        for ((result, at), targets) in ended {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "UPDATE campaign_targets SET last_result = $1, updated_at = $2 WHERE id IN ({})",
                params(3, targets.len())
            )))
            .bind(result)
            .bind(at)
            .bind_all(&targets)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(out)
    }

    /// Closes campaign `campaign_id`'s attempts that have no end (the engine stopped during
    /// the call) as failed at `at`: the retry rules then decide, and none is placed twice.
    pub async fn close_unfinished_attempts(&self, campaign_id: i64, at: Millis) -> Result<u64> {
        Ok(sqlx::query(
            "UPDATE campaign_attempts SET ended_at = CASE WHEN dialled_at > $1 THEN dialled_at \
             ELSE $1 END, result = 'failed', note = 'the engine stopped during the call' \
             WHERE campaign_id = $2 AND ended_at IS NULL",
        )
        .bind(at)
        .bind(campaign_id)
        .execute(&self.write)
        .await?
        .rows_affected())
    }

    /// Campaign `campaign_id`'s attempts (of one target when given), oldest first.
    pub async fn campaign_attempts(
        &self,
        campaign_id: i64,
        target_id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<CampaignAttempt>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM campaign_attempts WHERE campaign_id = $1 \
             AND ($2 = 0 OR target_id = $3) ORDER BY dialled_at, id LIMIT $4"
        )))
        .bind(campaign_id)
        .bind(i64::from(target_id.is_some()))
        .bind(target_id.unwrap_or(0))
        .bind(limit.clamp(1, 1_000_000))
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(attempt_from_row).collect()
    }

    /// The campaign calls to account `account`, newest first (the customer's contact history).
    pub async fn account_campaign_attempts(
        &self,
        account: &str,
        limit: i64,
    ) -> Result<Vec<CampaignAttempt>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM campaign_attempts WHERE account = $1 \
             ORDER BY dialled_at DESC, id DESC LIMIT $2"
        )))
        .bind(account.to_string())
        .bind(limit.clamp(1, 1000))
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(attempt_from_row).collect()
    }

    /// Attempts placed per account, across campaigns, dialled in `[from, to)` (a day in the
    /// centre's zone): the per-customer limit's counts.
    pub async fn campaign_calls_between(
        &self,
        from: Millis,
        to: Millis,
    ) -> Result<Vec<(String, i64)>> {
        let rows = sqlx::query(
            "SELECT account, COUNT(*) AS n FROM campaign_attempts WHERE dialled_at >= $1 \
             AND dialled_at < $2 GROUP BY account ORDER BY account",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| Ok((col(r, "account")?, col(r, "n")?)))
            .collect()
    }

    /// Campaign `campaign_id`'s progress.
    pub async fn campaign_progress(&self, campaign_id: i64) -> Result<CampaignProgress> {
        let mut p = CampaignProgress::default();
        let states = sqlx::query(
            "SELECT state, COUNT(*) AS n FROM campaign_targets WHERE campaign_id = $1 \
             GROUP BY state",
        )
        .bind(campaign_id)
        .fetch_all(&self.read)
        .await?;
        for r in &states {
            let state: String = col(r, "state")?;
            let n: i64 = col(r, "n")?;
            p.targets += n;
            match state.as_str() {
                "pending" => p.pending = n,
                "due" => p.due = n,
                "in_progress" => p.in_progress = n,
                "done" => p.done = n,
                "given_up" => p.given_up = n,
                "skipped" => p.skipped = n,
                _ => {}
            }
        }
        // A stopped or finished campaign calls nobody more: only calls under way remain.
        let live = self
            .campaign(campaign_id)
            .await?
            .is_some_and(|c| !c.status.is_final());
        p.remaining = if live {
            p.pending + p.due + p.in_progress
        } else {
            p.in_progress
        };
        let r = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) AS dialled, \
             CAST(COALESCE(SUM(CASE WHEN result IN {REACHED} THEN 1 ELSE 0 END), 0) AS BIGINT) \
             AS reached, \
             CAST(COALESCE(SUM(CASE WHEN promise_fen IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT) \
             AS promises, \
             CAST(COALESCE(SUM(COALESCE(promise_fen, 0)), 0) AS BIGINT) AS promised_fen, \
             CAST(COALESCE(SUM(CASE WHEN result = 'opted_out' THEN 1 ELSE 0 END), 0) AS BIGINT) \
             AS opted_out \
             FROM campaign_attempts WHERE campaign_id = $1"
        )))
        .bind(campaign_id)
        .fetch_one(&self.read)
        .await?;
        p.dialled = col(&r, "dialled")?;
        p.reached = col(&r, "reached")?;
        p.promises = col(&r, "promises")?;
        p.promised_fen = col(&r, "promised_fen")?;
        p.opted_out = col(&r, "opted_out")?;
        for (status, n) in self.campaign_message_counts(campaign_id).await? {
            match status.as_str() {
                "submitted" => p.sms_sent += n,
                "delivered" => {
                    p.sms_sent += n;
                    p.sms_delivered += n;
                }
                "expired" | "undeliverable" | "deleted" => {
                    p.sms_sent += n;
                    p.sms_failed += n;
                }
                "rejected" | "failed" => p.sms_failed += n,
                _ => {}
            }
        }
        Ok(p)
    }
}
