//! A campaign's targets: adding them (from an uploaded list or a rule, after the engine has
//! validated the numbers), listing them, and setting their state as the dialler decides. The
//! lists made by rule from the customer records: arrears over an amount for some months
//! (optionally by district and tier), every customer of a notice's districts, the follow-ups
//! due of chosen ticket kinds, and a key-account manager's accounts.

use std::collections::BTreeMap;

use serde::Serialize;
use sqlx::any::AnyRow;

use crate::db::{col, Store};
use crate::error::{Result, StoreError};
use crate::lifecycle::Millis;
use crate::sql::{Sql, Value};

use super::attempts::BindAll;
use super::CampaignStatus;

/// A target to add: the customer's account, the number to dial (already normalised), the
/// data its flow or screen pop reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTarget {
    pub account: String,
    pub number: String,
    pub data: BTreeMap<String, String>,
}

/// A target as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CampaignTarget {
    pub id: i64,
    pub campaign_id: i64,
    pub account: String,
    pub customer_id: Option<i64>,
    pub customer_name: Option<String>,
    pub number: String,
    pub data: BTreeMap<String, String>,
    /// `pending`, `due`, `in_progress`, `done`, `given_up` or `skipped`.
    pub state: String,
    /// When a retry is due (`due`).
    pub due_at: Option<Millis>,
    /// The last attempt's result.
    pub last_result: Option<String>,
    /// Why it was skipped (`do_not_call`, or an agent's reason).
    pub skipped: Option<String>,
    pub attempts: i64,
    pub updated_at: Millis,
}

/// A target's state as the dialler decided it, to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetStateChange {
    pub id: i64,
    /// One of [`TARGET_STATES`].
    pub state: String,
    /// When a retry is due.
    pub due_at: Option<Millis>,
    /// The last result, for a final state (kept when `None`).
    pub last_result: Option<String>,
    /// Why it was skipped (kept when `None`).
    pub skipped: Option<String>,
}

/// The target states.
pub const TARGET_STATES: [&str; 6] = [
    "pending",
    "due",
    "in_progress",
    "done",
    "given_up",
    "skipped",
];

/// Which targets to list.
#[derive(Debug, Clone, Default)]
pub struct TargetFilter {
    pub state: Option<String>,
    /// Targets after this id (pages).
    pub after: Option<i64>,
    pub limit: i64,
}

/// How to make a list from the customer records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListRule {
    /// Customers owing at least `min_fen` (principal, overdue bills of the last two years)
    /// over at least `min_months` overdue bills; only of these districts (codes) and tiers
    /// when given.
    Arrears {
        min_fen: i64,
        min_months: i64,
        districts: Vec<String>,
        tiers: Vec<String>,
    },
    /// Every customer of the districts notice `notice_id` covers.
    Notice { notice_id: i64 },
    /// The follow-ups waiting (pending) on closed tickets of these kinds (every kind when
    /// empty).
    FollowUps { kinds: Vec<String> },
    /// The key accounts agent `manager_id` manages.
    KeyAccounts { manager_id: i64 },
}

/// A customer a rule chose: the account, the customer's first phone (none: the import
/// reports the row), the data for the flow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleRow {
    pub account: String,
    pub phone: Option<String>,
    pub data: BTreeMap<String, String>,
}

const TARGET_COLUMNS: &str = "t.id, t.campaign_id, t.account, t.customer_id, \
    cu.name AS customer_name, t.number, t.data, t.state, t.due_at, t.last_result, t.skipped, \
    t.updated_at, (SELECT COUNT(*) FROM campaign_attempts x WHERE x.target_id = t.id) AS attempts";
const TARGET_FROM: &str = "FROM campaign_targets t LEFT JOIN customers cu ON cu.id = t.customer_id";

fn target_from_row(r: &AnyRow) -> Result<CampaignTarget> {
    let data: String = col(r, "data")?;
    Ok(CampaignTarget {
        id: col(r, "id")?,
        campaign_id: col(r, "campaign_id")?,
        account: col(r, "account")?,
        customer_id: col(r, "customer_id")?,
        customer_name: col(r, "customer_name")?,
        number: col(r, "number")?,
        data: serde_json::from_str(&data).unwrap_or_default(),
        state: col(r, "state")?,
        due_at: col(r, "due_at")?,
        last_result: col(r, "last_result")?,
        skipped: col(r, "skipped")?,
        attempts: col(r, "attempts")?,
        updated_at: col(r, "updated_at")?,
    })
}

/// The customers' columns a rule reads, with the first phone.
const CUSTOMER_COLUMNS: &str = "cu.id, cu.account_no, cu.name, cu.tier, cu.language, \
    d.code AS district, \
    (SELECT MIN(p.phone) FROM customer_phones p WHERE p.customer_id = cu.id) AS phone";

fn data_of(r: &AnyRow) -> Result<(String, Option<String>, BTreeMap<String, String>)> {
    let account: String = col(r, "account_no")?;
    let mut data = BTreeMap::new();
    data.insert("account".to_string(), account.clone());
    data.insert("name".to_string(), col(r, "name")?);
    data.insert("tier".to_string(), col(r, "tier")?);
    // An SMS campaign's text is in the customer's language.
    data.insert("language".to_string(), col(r, "language")?);
    if let Some(d) = col::<Option<String>>(r, "district")? {
        data.insert("district".to_string(), d);
    }
    Ok((account, col(r, "phone")?, data))
}

impl Store {
    /// Adds `targets` to campaign `campaign_id` (a draft): the customer found by account when
    /// there is one. An account the campaign has already is left out. How many were added.
    pub async fn add_campaign_targets(
        &self,
        campaign_id: i64,
        targets: &[NewTarget],
        now: Millis,
    ) -> Result<u64> {
        let c = self.existing_campaign(campaign_id).await?;
        if c.status != CampaignStatus::Draft {
            return Err(StoreError::Conflict(
                "targets are added while the campaign is a draft".into(),
            ));
        }
        let mut tx = self.write.begin().await?;
        let mut added = 0;
        for t in targets {
            if t.account.trim().is_empty() || t.number.trim().is_empty() {
                return Err(StoreError::invalid(
                    "targets",
                    "an account and a number each",
                ));
            }
            let data = serde_json::to_string(&t.data)
                .map_err(|e| StoreError::invalid("data", e.to_string()))?;
            added += sqlx::query(
                "INSERT INTO campaign_targets (campaign_id, account, customer_id, number, data, \
                 state, updated_at) VALUES ($1, $2, (SELECT id FROM customers WHERE \
                 account_no = $2), $3, $4, 'pending', $5) ON CONFLICT DO NOTHING",
            )
            .bind(campaign_id)
            .bind(t.account.trim().to_string())
            .bind(t.number.clone())
            .bind(data)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        }
        sqlx::query("UPDATE campaigns SET updated_at = $1 WHERE id = $2")
            .bind(now)
            .bind(campaign_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(added)
    }

    /// Campaign `campaign_id`'s targets, in id order.
    pub async fn campaign_targets(
        &self,
        campaign_id: i64,
        f: &TargetFilter,
    ) -> Result<Vec<CampaignTarget>> {
        let mut q = Sql::new(&format!(
            "SELECT {TARGET_COLUMNS} {TARGET_FROM} WHERE t.campaign_id = "
        ));
        q.int(campaign_id);
        if let Some(s) = &f.state {
            q.push(" AND t.state = ").text(s);
        }
        if let Some(a) = f.after {
            q.push(" AND t.id > ").int(a);
        }
        q.push(" ORDER BY t.id LIMIT ")
            .bind(Value::Int(f.limit.clamp(1, 100_000)));
        let rows = q.query().fetch_all(&self.read).await?;
        rows.iter().map(target_from_row).collect()
    }

    /// Target `id`, if there is one.
    pub async fn campaign_target(&self, id: i64) -> Result<Option<CampaignTarget>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {TARGET_COLUMNS} {TARGET_FROM} WHERE t.id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.read)
        .await?;
        row.as_ref().map(target_from_row).transpose()
    }

    /// Sets target `id`'s state as the dialler decided (`due_at` for a retry, `skipped` with
    /// the reason, `last_result` for a final state).
    pub async fn set_target_state(
        &self,
        id: i64,
        state: &str,
        due_at: Option<Millis>,
        last_result: Option<&str>,
        skipped: Option<&str>,
        now: Millis,
    ) -> Result<()> {
        let change = TargetStateChange {
            id,
            state: state.to_string(),
            due_at,
            last_result: last_result.map(str::to_string),
            skipped: skipped.map(str::to_string),
        };
        if self.set_target_states(&[change], now).await? == 0 {
            return Err(StoreError::not_found("campaign target", id));
        }
        Ok(())
    }

    /// Sets targets' states as [`Store::set_target_state`] does each, in one transaction
    /// (the dial loop stores the changes one step of the dialler made in one write): how
    /// many targets were found. A state not in [`TARGET_STATES`] refuses them all.
    pub async fn set_target_states(
        &self,
        changes: &[TargetStateChange],
        now: Millis,
    ) -> Result<u64> {
        if changes
            .iter()
            .any(|c| !TARGET_STATES.contains(&c.state.as_str()))
        {
            return Err(StoreError::invalid("state", TARGET_STATES.join(", ")));
        }
        // One statement for each distinct change (most of a step's are alike: done, answered).
        type Change = (String, Option<Millis>, Option<String>, Option<String>);
        let mut alike: BTreeMap<Change, Vec<i64>> = BTreeMap::new();
        for c in changes {
            let skipped = c.skipped.as_ref().map(|s| s.chars().take(500).collect());
            alike
                .entry((c.state.clone(), c.due_at, c.last_result.clone(), skipped))
                .or_default()
                .push(c.id);
        }
        let mut tx = self.write.begin().await?;
        let mut found = 0;
        for ((state, due_at, last_result, skipped), ids) in alike {
            found += sqlx::query(sqlx::AssertSqlSafe(format!(
                "UPDATE campaign_targets SET state = $1, due_at = $2, \
                 last_result = COALESCE($3, last_result), skipped = COALESCE($4, skipped), \
                 updated_at = $5 WHERE id IN ({})",
                super::attempts::params(6, ids.len())
            )))
            .bind(state)
            .bind(due_at)
            .bind(last_result)
            .bind(skipped)
            .bind(now)
            .bind_all(&ids)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        }
        tx.commit().await?;
        Ok(found)
    }

    /// The customers `rule` chooses on `now`, in account order.
    pub async fn rule_rows(&self, rule: &ListRule, now: Millis) -> Result<Vec<RuleRow>> {
        match rule {
            ListRule::Arrears {
                min_fen,
                min_months,
                districts,
                tiers,
            } => {
                self.arrears_rows(*min_fen, *min_months, districts, tiers, now)
                    .await
            }
            ListRule::Notice { notice_id } => self.notice_rows(*notice_id).await,
            ListRule::FollowUps { kinds } => self.followup_rows(kinds).await,
            ListRule::KeyAccounts { manager_id } => {
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {CUSTOMER_COLUMNS} FROM customers cu LEFT JOIN districts d ON \
                     d.id = cu.district_id WHERE cu.manager_agent_id = $1 ORDER BY cu.account_no"
                )))
                .bind(*manager_id)
                .fetch_all(&self.read)
                .await?;
                rows.iter()
                    .map(|r| {
                        let (account, phone, data) = data_of(r)?;
                        Ok(RuleRow {
                            account,
                            phone,
                            data,
                        })
                    })
                    .collect()
            }
        }
    }

    async fn arrears_rows(
        &self,
        min_fen: i64,
        min_months: i64,
        districts: &[String],
        tiers: &[String],
        now: Millis,
    ) -> Result<Vec<RuleRow>> {
        let since = crate::calendar::period_back_in(&self.policy.zone, now, 24);
        let mut q = Sql::new(&format!(
            "SELECT {CUSTOMER_COLUMNS} FROM customers cu LEFT JOIN districts d ON \
             d.id = cu.district_id WHERE "
        ));
        let since = q.placeholder(Value::Text(since));
        let now_p = q.placeholder(Value::Int(now));
        let owed = format!(
            "FROM bills b WHERE b.customer_id = cu.id AND b.period >= {since} AND \
             b.paid_fen < b.amount_fen AND b.due_at < {now_p}"
        );
        q.push(&format!(
            "(SELECT COALESCE(SUM(b.amount_fen - b.paid_fen), 0) {owed}) >= "
        ))
        .int(min_fen.max(1));
        q.push(&format!(" AND (SELECT COUNT(*) {owed}) >= "))
            .int(min_months.max(1));
        in_list(&mut q, "d.code", districts);
        in_list(&mut q, "cu.tier", tiers);
        q.push(" ORDER BY cu.account_no");
        let rows = q.query().fetch_all(&self.read).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let (account, phone, mut data) = data_of(r)?;
            // What the IVR says the customer owes: the same figures, late fees included.
            let a = self.arrears(col(r, "id")?, now).await?;
            data.insert("amount_due_fen".into(), a.total_fen.to_string());
            // As the dunning flow's `target.amount_due` (money) takes it: yuan.
            data.insert(
                "amount_due".into(),
                format!("{}.{:02}", a.total_fen / 100, a.total_fen % 100),
            );
            data.insert("principal_fen".into(), a.principal_fen.to_string());
            data.insert("late_fee_fen".into(), a.late_fee_fen.to_string());
            data.insert("months".into(), a.items.len().to_string());
            out.push(RuleRow {
                account,
                phone,
                data,
            });
        }
        Ok(out)
    }

    async fn notice_rows(&self, notice_id: i64) -> Result<Vec<RuleRow>> {
        let known: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM notices WHERE id = $1")
            .bind(notice_id)
            .fetch_one(&self.read)
            .await?;
        if known == 0 {
            return Err(StoreError::not_found("notice", notice_id));
        }
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {CUSTOMER_COLUMNS} FROM customers cu JOIN districts d ON \
             d.id = cu.district_id WHERE cu.district_id IN (SELECT district_id FROM \
             notice_districts WHERE notice_id = $1) ORDER BY cu.account_no"
        )))
        .bind(notice_id)
        .fetch_all(&self.read)
        .await?;
        // What an SMS campaign's text may say of the notice.
        let n = sqlx::query("SELECT title, body, starts_at, ends_at FROM notices WHERE id = $1")
            .bind(notice_id)
            .fetch_one(&self.read)
            .await?;
        let zone = &self.policy.zone;
        let when = |at: i64| {
            let t = zone.local(at);
            format!("{} {:02}:{:02}", t.date, t.minute / 60, t.minute % 60)
        };
        let mut about = BTreeMap::new();
        about.insert("notice".to_string(), col::<String>(&n, "title")?);
        about.insert("notice_text".to_string(), col::<String>(&n, "body")?);
        about.insert("notice_starts".to_string(), when(col(&n, "starts_at")?));
        if let Some(end) = col::<Option<i64>>(&n, "ends_at")? {
            about.insert("notice_ends".to_string(), when(end));
        }
        rows.iter()
            .map(|r| {
                let (account, phone, mut data) = data_of(r)?;
                data.insert("notice_id".into(), notice_id.to_string());
                data.extend(about.clone());
                Ok(RuleRow {
                    account,
                    phone,
                    data,
                })
            })
            .collect()
    }

    async fn followup_rows(&self, kinds: &[String]) -> Result<Vec<RuleRow>> {
        let mut q = Sql::new(
            "SELECT f.id AS followup_id, t.id AS ticket_id, t.kind, t.closed_at, \
             t.reporter_phone, cu.account_no, cu.name, cu.tier, d.code AS district, \
             (SELECT MIN(p.phone) FROM customer_phones p WHERE p.customer_id = cu.id) AS phone \
             FROM followups f JOIN tickets t ON t.id = f.ticket_id \
             LEFT JOIN customers cu ON cu.id = t.customer_id \
             LEFT JOIN districts d ON d.id = t.district_id \
             WHERE f.status = 'pending'",
        );
        in_list(&mut q, "t.kind", kinds);
        q.push(" ORDER BY t.id");
        let rows = q.query().fetch_all(&self.read).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let ticket: i64 = col(r, "ticket_id")?;
            let account: Option<String> = col(r, "account_no")?;
            let reporter: String = col(r, "reporter_phone")?;
            let mut data = BTreeMap::new();
            data.insert("ticket_id".to_string(), ticket.to_string());
            // As the follow-up flow's `target.ticket` and `target.closed` take them.
            data.insert("ticket".to_string(), ticket.to_string());
            data.insert(
                "followup_id".to_string(),
                col::<i64>(r, "followup_id")?.to_string(),
            );
            data.insert("ticket_kind".to_string(), col(r, "kind")?);
            if let Some(at) = col::<Option<i64>>(r, "closed_at")? {
                data.insert("closed_at".to_string(), at.to_string());
                data.insert("closed".to_string(), self.policy.zone.date(at).to_string());
            }
            if let Some(d) = col::<Option<String>>(r, "district")? {
                data.insert("district".to_string(), d);
            }
            if let Some(a) = &account {
                data.insert("account".to_string(), a.clone());
                data.insert("name".to_string(), col(r, "name")?);
            }
            // The one who reported it is asked; else the customer's phone.
            let phone = Some(reporter)
                .filter(|p| !p.trim().is_empty())
                .or(col(r, "phone")?);
            out.push(RuleRow {
                // A ticket without a customer is still a follow-up to make.
                account: account.unwrap_or_else(|| format!("ticket:{ticket}")),
                phone,
                data,
            });
        }
        Ok(out)
    }
}

/// ` AND column IN (…)` for a non-empty `values`.
fn in_list(q: &mut Sql, column: &str, values: &[String]) {
    if values.is_empty() {
        return;
    }
    q.push(&format!(" AND {column} IN ("));
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            q.push(", ");
        }
        q.text(v);
    }
    q.push(")");
}
