//! The do-not-call list: numbers and accounts never to call, from the keypad opt-out, an
//! agent, the API or an imported file. Checked at dial time; a number or account is on the
//! list once however often it is added. Numbers are kept and compared as the customer
//! records keep phones (digits, China's country code dropped from mobiles), so that
//! `+86 138 0000 1111` and `13800001111` are one entry.

use serde::Serialize;
use sqlx::any::AnyRow;

use crate::db::{col, Store};
use crate::error::{Result, StoreError};
use crate::lifecycle::Millis;
use crate::rules::normalize_phone;

/// Where an entry came from.
pub const DNC_SOURCES: [&str; 5] = ["keypad", "agent", "api", "import", "sms"];

/// An entry to add: a number (normalised by the engine) or an account, or both.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewDnc {
    pub number: Option<String>,
    pub account: Option<String>,
    pub source: String,
    pub note: String,
}

/// An entry as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DncEntry {
    pub id: i64,
    pub number: Option<String>,
    pub account: Option<String>,
    pub source: String,
    pub note: String,
    pub added_by: Option<i64>,
    pub added_at: Millis,
}

fn dnc_from_row(r: &AnyRow) -> Result<DncEntry> {
    Ok(DncEntry {
        id: col(r, "id")?,
        number: col(r, "number")?,
        account: col(r, "account")?,
        source: col(r, "source")?,
        note: col(r, "note")?,
        added_by: col(r, "added_by")?,
        added_at: col(r, "added_at")?,
    })
}

impl Store {
    /// Puts `e`'s number and account on the list (each once); how many rows were added (0:
    /// both were on it already).
    pub async fn add_do_not_call(&self, e: &NewDnc, by: Option<i64>, now: Millis) -> Result<u64> {
        let number = match e.number.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
            Some(n) => Some(
                normalize_phone(n).ok_or_else(|| StoreError::invalid("number", "not a number"))?,
            ),
            None => None,
        };
        let number = number.as_deref();
        let account = e
            .account
            .as_deref()
            .map(str::trim)
            .filter(|a| !a.is_empty());
        if number.is_none() && account.is_none() {
            return Err(StoreError::invalid("number", "a number or an account"));
        }
        if !DNC_SOURCES.contains(&e.source.as_str()) {
            return Err(StoreError::invalid("source", DNC_SOURCES.join(", ")));
        }
        let note: String = e.note.trim().chars().take(500).collect();
        let mut added = 0;
        let mut tx = self.write.begin().await?;
        // One row per number and one per account: each is unique on its own.
        for (n, a) in [(number, None), (None, account)] {
            if n.is_none() && a.is_none() {
                continue;
            }
            added += sqlx::query(
                "INSERT INTO do_not_call (number, account, source, note, added_by, added_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
            )
            .bind(n.map(str::to_string))
            .bind(a.map(str::to_string))
            .bind(e.source.clone())
            .bind(note.clone())
            .bind(by)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        }
        tx.commit().await?;
        Ok(added)
    }

    /// Takes entry `id` off the list.
    pub async fn remove_do_not_call(&self, id: i64) -> Result<()> {
        let n = sqlx::query("DELETE FROM do_not_call WHERE id = $1")
            .bind(id)
            .execute(&self.write)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(StoreError::not_found("do-not-call entry", id));
        }
        Ok(())
    }

    /// The list, newest first.
    pub async fn do_not_call_list(&self, limit: i64) -> Result<Vec<DncEntry>> {
        let rows = sqlx::query(
            "SELECT id, number, account, source, note, added_by, added_at FROM do_not_call \
             ORDER BY added_at DESC, id DESC LIMIT $1",
        )
        .bind(limit.clamp(1, 1_000_000))
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(dnc_from_row).collect()
    }

    /// The entries added after entry `after` (by id), oldest first: what a running campaign
    /// has not heard of yet.
    pub async fn do_not_call_since(&self, after: i64) -> Result<Vec<DncEntry>> {
        let rows = sqlx::query(
            "SELECT id, number, account, source, note, added_by, added_at FROM do_not_call \
             WHERE id > $1 ORDER BY id",
        )
        .bind(after)
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(dnc_from_row).collect()
    }

    /// Whether `number` or `account` is on the list.
    pub async fn on_do_not_call(&self, number: &str, account: &str) -> Result<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM do_not_call WHERE number = $1 OR account = $2",
        )
        .bind(normalize_phone(number).unwrap_or_default())
        .bind(account.to_string())
        .fetch_one(&self.read)
        .await?;
        Ok(n > 0)
    }
}
