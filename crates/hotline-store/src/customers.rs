//! Customer information (the CIS side): customers by phone, account or name, their bills,
//! arrears with late fees, meter readings and districts (notices: `notices`).

use crate::calendar::period_back_in;
use crate::db::{col, Store};
use crate::error::{Result, StoreError};
use crate::lifecycle::Millis;
use crate::rules::{late_fee, normalize_phone};
use serde::Serialize;
use sqlx::any::AnyRow;

/// A customer account with what the IVR and the desktop show about it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Customer {
    pub id: i64,
    pub account_no: String,
    pub name: String,
    pub address: String,
    pub district_id: Option<i64>,
    pub district_code: Option<String>,
    pub district_name: Option<String>,
    pub language: String,
    /// `standard` or `key_account`.
    pub tier: String,
    pub manager_agent_id: Option<i64>,
    pub manager_name: Option<String>,
    pub manager_sip_user: Option<String>,
    /// `none`, `dunning` or `legal` (bad debtors: the agent must see it).
    pub credit_flag: String,
    pub credit_note: String,
    pub phones: Vec<String>,
}

/// Months of bills the usual consumption is averaged over (the plausibility check).
const AVERAGE_MONTHS: i64 = 12;

const CUSTOMER_COLUMNS: &str = "c.id, c.account_no, c.name, c.address, c.district_id, \
    d.code AS district_code, d.name AS district_name, c.language, c.tier, c.manager_agent_id, \
    a.name AS manager_name, a.sip_user AS manager_sip_user, c.credit_flag, c.credit_note";
const CUSTOMER_JOINS: &str = "LEFT JOIN districts d ON d.id = c.district_id \
    LEFT JOIN agents a ON a.id = c.manager_agent_id";

fn customer_from_row(r: &AnyRow) -> Result<Customer> {
    Ok(Customer {
        id: col(r, "id")?,
        account_no: col(r, "account_no")?,
        name: col(r, "name")?,
        address: col(r, "address")?,
        district_id: col(r, "district_id")?,
        district_code: col(r, "district_code")?,
        district_name: col(r, "district_name")?,
        language: col(r, "language")?,
        tier: col(r, "tier")?,
        manager_agent_id: col(r, "manager_agent_id")?,
        manager_name: col(r, "manager_name")?,
        manager_sip_user: col(r, "manager_sip_user")?,
        credit_flag: col(r, "credit_flag")?,
        credit_note: col(r, "credit_note")?,
        phones: Vec::new(),
    })
}

/// One bill.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bill {
    pub id: i64,
    /// `YYYY-MM`.
    pub period: String,
    /// Consumption (m³ of water, kWh, m³ of gas).
    pub volume: i64,
    pub amount_fen: i64,
    pub due_at: Millis,
    pub paid_fen: i64,
    pub paid_at: Option<Millis>,
}

/// An unpaid, overdue bill with its late fee on the day asked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArrearsItem {
    pub period: String,
    pub amount_fen: i64,
    pub paid_fen: i64,
    pub unpaid_fen: i64,
    pub due_at: Millis,
    pub days_overdue: i64,
    pub late_fee_fen: i64,
}

/// Arrears of the last two years.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Arrears {
    pub items: Vec<ArrearsItem>,
    pub principal_fen: i64,
    pub late_fee_fen: i64,
    pub total_fen: i64,
}

/// A district and its field team.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct District {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub service_centre: String,
    pub dispatch_contact: String,
    pub dispatch_phone: String,
}

/// How to search customers; the first field given decides.
#[derive(Debug, Clone, Default)]
pub struct CustomerQuery {
    pub phone: Option<String>,
    pub account_no: Option<String>,
    /// A prefix of the name.
    pub name: Option<String>,
    /// The accounts this agent manages (key accounts).
    pub manager: Option<i64>,
}

impl Store {
    /// Every account the phone number is registered to (a phone may pay for several).
    pub async fn customers_by_phone(&self, phone: &str) -> Result<Vec<Customer>> {
        let Some(phone) = normalize_phone(phone) else {
            return Ok(Vec::new());
        };
        let sql = format!(
            "SELECT {CUSTOMER_COLUMNS} FROM customer_phones p \
             JOIN customers c ON c.id = p.customer_id {CUSTOMER_JOINS} WHERE p.phone = $1 ORDER BY c.id LIMIT 20"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(phone)
            .fetch_all(&self.read)
            .await?;
        self.with_phones(rows).await
    }

    pub async fn customer_by_account(&self, account_no: &str) -> Result<Option<Customer>> {
        let sql = format!(
            "SELECT {CUSTOMER_COLUMNS} FROM customers c {CUSTOMER_JOINS} WHERE c.account_no = $1"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(account_no)
            .fetch_all(&self.read)
            .await?;
        Ok(self.with_phones(rows).await?.pop())
    }

    pub async fn customer(&self, id: i64) -> Result<Option<Customer>> {
        let sql =
            format!("SELECT {CUSTOMER_COLUMNS} FROM customers c {CUSTOMER_JOINS} WHERE c.id = $1");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_all(&self.read)
            .await?;
        Ok(self.with_phones(rows).await?.pop())
    }

    /// Search by phone, account number or name prefix, at most `limit` results.
    pub async fn search_customers(&self, q: &CustomerQuery, limit: i64) -> Result<Vec<Customer>> {
        if let Some(phone) = &q.phone {
            return self.customers_by_phone(phone).await;
        }
        if let Some(acct) = &q.account_no {
            return Ok(self.customer_by_account(acct).await?.into_iter().collect());
        }
        if let Some(agent) = q.manager {
            let sql = format!(
                "SELECT {CUSTOMER_COLUMNS} FROM customers c {CUSTOMER_JOINS} \
                 WHERE c.manager_agent_id = $1 ORDER BY c.name, c.id LIMIT $2"
            );
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(agent)
                .bind(limit.clamp(1, 200))
                .fetch_all(&self.read)
                .await?;
            return self.with_phones(rows).await;
        }
        let Some(name) = q.name.as_deref().filter(|n| !n.is_empty()) else {
            return Err(StoreError::invalid("q", "give phone, account or name"));
        };
        // A prefix range instead of LIKE: it uses the index on both backends and has no
        // wildcard characters to escape.
        let upper = format!("{name}\u{10FFFF}");
        let sql = format!(
            "SELECT {CUSTOMER_COLUMNS} FROM customers c {CUSTOMER_JOINS} WHERE c.name >= $1 AND c.name < $2 \
             ORDER BY c.name, c.id LIMIT $3"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(name.to_string())
            .bind(upper)
            .bind(limit.clamp(1, 200))
            .fetch_all(&self.read)
            .await?;
        self.with_phones(rows).await
    }

    async fn with_phones(&self, rows: Vec<AnyRow>) -> Result<Vec<Customer>> {
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let mut c = customer_from_row(r)?;
            c.phones = sqlx::query_scalar(
                "SELECT phone FROM customer_phones WHERE customer_id = $1 ORDER BY phone",
            )
            .bind(c.id)
            .fetch_all(&self.read)
            .await?;
            out.push(c);
        }
        Ok(out)
    }

    /// The bills of the last `months` months, newest first: at most `months` bills from the
    /// periods since the same month a `months` ago (a month is usually billed after it ends,
    /// so the current period often has no bill yet).
    pub async fn bills(&self, customer_id: i64, months: i64, now: Millis) -> Result<Vec<Bill>> {
        let months = months.clamp(1, 120);
        let rows = sqlx::query(
            "SELECT id, period, volume, amount_fen, due_at, paid_fen, paid_at FROM bills \
             WHERE customer_id = $1 AND period >= $2 ORDER BY period DESC LIMIT $3",
        )
        .bind(customer_id)
        .bind(period_back_in(&self.policy.zone, now, months))
        .bind(months)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Bill {
                    id: col(r, "id")?,
                    period: col(r, "period")?,
                    volume: col(r, "volume")?,
                    amount_fen: col(r, "amount_fen")?,
                    due_at: col(r, "due_at")?,
                    paid_fen: col(r, "paid_fen")?,
                    paid_at: col(r, "paid_at")?,
                })
            })
            .collect()
    }

    /// Unpaid bills past their due date from the last two years (periods since the same
    /// month two years ago), with late fees on `now`.
    pub async fn arrears(&self, customer_id: i64, now: Millis) -> Result<Arrears> {
        let since = period_back_in(&self.policy.zone, now, 24);
        let rows = sqlx::query(
            "SELECT period, amount_fen, paid_fen, due_at FROM bills WHERE customer_id = $1 \
             AND period >= $2 AND paid_fen < amount_fen AND due_at < $3 ORDER BY period",
        )
        .bind(customer_id)
        .bind(since)
        .bind(now)
        .fetch_all(&self.read)
        .await?;
        let mut a = Arrears::default();
        for r in &rows {
            let amount_fen: i64 = col(r, "amount_fen")?;
            let paid_fen: i64 = col(r, "paid_fen")?;
            let due_at: i64 = col(r, "due_at")?;
            let unpaid_fen = amount_fen - paid_fen;
            let (days_overdue, fee) = late_fee(unpaid_fen, due_at, now, &self.policy.late_fee);
            a.principal_fen += unpaid_fen;
            a.late_fee_fen += fee;
            a.items.push(ArrearsItem {
                period: col(r, "period")?,
                amount_fen,
                paid_fen,
                unpaid_fen,
                due_at,
                days_overdue,
                late_fee_fen: fee,
            });
        }
        a.total_fen = a.principal_fen + a.late_fee_fen;
        Ok(a)
    }

    pub async fn districts(&self) -> Result<Vec<District>> {
        let rows = sqlx::query(
            "SELECT id, code, name, service_centre, dispatch_contact, dispatch_phone \
             FROM districts ORDER BY code",
        )
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(district_from_row).collect()
    }

    pub async fn district_by_code(&self, code: &str) -> Result<Option<District>> {
        let row = sqlx::query(
            "SELECT id, code, name, service_centre, dispatch_contact, dispatch_phone \
             FROM districts WHERE code = $1",
        )
        .bind(code)
        .fetch_optional(&self.read)
        .await?;
        row.as_ref().map(district_from_row).transpose()
    }

    /// Average monthly consumption over the last 12 months, if any: the same bills the
    /// IVR reads out as "the last 12 months" (`bills(…, 12, now)`), so 12 when the customer
    /// has a year of history, fewer for a newer customer.
    pub async fn monthly_average(&self, customer_id: i64, now: Millis) -> Result<Option<f64>> {
        let volumes: Vec<i64> = sqlx::query_scalar(
            "SELECT volume FROM bills WHERE customer_id = $1 AND period >= $2 \
             ORDER BY period DESC LIMIT $3",
        )
        .bind(customer_id)
        .bind(period_back_in(&self.policy.zone, now, AVERAGE_MONTHS))
        .bind(AVERAGE_MONTHS)
        .fetch_all(&self.read)
        .await?;
        Ok(
            (!volumes.is_empty())
                .then(|| volumes.iter().sum::<i64>() as f64 / volumes.len() as f64),
        )
    }
}

fn district_from_row(r: &AnyRow) -> Result<District> {
    Ok(District {
        id: col(r, "id")?,
        code: col(r, "code")?,
        name: col(r, "name")?,
        service_centre: col(r, "service_centre")?,
        dispatch_contact: col(r, "dispatch_contact")?,
        dispatch_phone: col(r, "dispatch_phone")?,
    })
}
