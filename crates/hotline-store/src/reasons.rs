//! Call reasons and notes: the configured tree of reasons (`call_reason_codes`: categories
//! such as `billing` and their reasons such as `billing/query`, named in Chinese and English),
//! the reasons an agent picks in wrap-up (or an IVR flow gives a call that never reached an
//! agent) and the agent's note, kept by call id apart from the call record (the call log
//! writes that). Counted by reason for the wallboard, `/metrics` and the reports: the labels
//! are the tree's reasons and nothing else.

use serde::Serialize;

use crate::db::col;
use crate::lifecycle::Millis;
use crate::{Result, Store, StoreError};

/// Most reasons on one call.
pub const MAX_REASONS: usize = 8;
/// Longest note, in characters.
pub const MAX_NOTE: usize = 2000;
/// Longest call id accepted.
const MAX_CALL_REF: usize = 128;

/// One code of the tree: a category (no `/`) or a reason (`category/reason`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReasonCode {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// A reason, which can be picked (categories only group them).
    pub pickable: bool,
}

/// Who gave a call's reasons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReasonSource {
    /// An agent, in wrap-up (the agent's id).
    Agent(i64),
    /// The IVR flow, for a call that did not reach an agent.
    Ivr,
}

impl ReasonSource {
    fn word(self) -> &'static str {
        match self {
            ReasonSource::Agent(_) => "agent",
            ReasonSource::Ivr => "ivr",
        }
    }
    fn agent(self) -> Option<i64> {
        match self {
            ReasonSource::Agent(id) => Some(id),
            ReasonSource::Ivr => None,
        }
    }
}

/// A call's reasons and note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct CallReasons {
    pub reasons: Vec<String>,
    pub note: Option<String>,
}

/// Calls of one reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReasonCount {
    pub code: String,
    pub calls: i64,
}

/// Checks `codes` against the tree: each a reason of it (not a category), none twice, at
/// least one and at most [`MAX_REASONS`]. The codes in order given.
pub fn check_codes(tree: &[ReasonCode], codes: &[String]) -> Result<Vec<String>> {
    if codes.is_empty() {
        return Err(StoreError::invalid(
            "reasons",
            "pick at least one call reason",
        ));
    }
    if codes.len() > MAX_REASONS {
        return Err(StoreError::invalid(
            "reasons",
            format!("at most {MAX_REASONS} reasons"),
        ));
    }
    let mut out: Vec<String> = Vec::with_capacity(codes.len());
    for c in codes {
        match tree.iter().find(|r| &r.code == c) {
            None => {
                return Err(StoreError::invalid(
                    "reasons",
                    format!("{c:?} is not a configured call reason"),
                ))
            }
            Some(r) if !r.pickable => {
                return Err(StoreError::invalid(
                    "reasons",
                    format!("{c:?} is a category; pick one of its reasons"),
                ))
            }
            Some(_) if out.contains(c) => {
                return Err(StoreError::invalid("reasons", format!("{c:?} given twice")))
            }
            Some(_) => out.push(c.clone()),
        }
    }
    Ok(out)
}

impl Store {
    /// The tree of reasons in its configured order (empty: reasons are not configured).
    pub async fn reason_tree(&self) -> Result<Vec<ReasonCode>> {
        let rows = sqlx::query(
            "SELECT code, name_zh, name_en FROM call_reason_codes ORDER BY position, code",
        )
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                let code: String = col(r, "code")?;
                Ok(ReasonCode {
                    pickable: code.contains('/'),
                    code,
                    name_zh: col(r, "name_zh")?,
                    name_en: col(r, "name_en")?,
                })
            })
            .collect()
    }

    /// Records `codes` (checked against the tree) as the reasons of `call_ref`, replacing
    /// any given before, and the note (`None` or blank: none; replaces an earlier one).
    pub async fn record_call_reasons(
        &self,
        call_ref: &str,
        codes: &[String],
        note: Option<&str>,
        source: ReasonSource,
        at: Millis,
    ) -> Result<CallReasons> {
        if call_ref.is_empty() || call_ref.len() > MAX_CALL_REF {
            return Err(StoreError::invalid("call_ref", "1 to 128 bytes"));
        }
        let note = note.map(str::trim).filter(|n| !n.is_empty());
        if let Some(n) = note {
            if n.chars().count() > MAX_NOTE {
                return Err(StoreError::invalid(
                    "note",
                    format!("at most {MAX_NOTE} characters"),
                ));
            }
            if n.contains('\0') {
                return Err(StoreError::invalid("note", "no NUL characters"));
            }
        }
        let tree = self.reason_tree().await?;
        let codes = check_codes(&tree, codes)?;
        let mut tx = self.write.begin().await?;
        sqlx::query("DELETE FROM call_reasons WHERE call_ref = $1")
            .bind(call_ref.to_string())
            .execute(&mut *tx)
            .await?;
        for c in &codes {
            sqlx::query(
                "INSERT INTO call_reasons (call_ref, code, source, agent_id, at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(call_ref.to_string())
            .bind(c.clone())
            .bind(source.word())
            .bind(source.agent())
            .bind(at)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("DELETE FROM call_notes WHERE call_ref = $1")
            .bind(call_ref.to_string())
            .execute(&mut *tx)
            .await?;
        if let Some(n) = note {
            sqlx::query(
                "INSERT INTO call_notes (call_ref, agent_id, note, at) VALUES ($1, $2, $3, $4)",
            )
            .bind(call_ref.to_string())
            .bind(source.agent())
            .bind(n.to_string())
            .bind(at)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(CallReasons {
            reasons: codes,
            note: note.map(str::to_string),
        })
    }

    /// The reasons and note of `call_ref` (empty when none were given).
    pub async fn call_reasons(&self, call_ref: &str) -> Result<CallReasons> {
        let rows = sqlx::query(
            "SELECT r.code FROM call_reasons r JOIN call_reason_codes c ON c.code = r.code \
             WHERE r.call_ref = $1 ORDER BY c.position, r.code",
        )
        .bind(call_ref.to_string())
        .fetch_all(&self.read)
        .await?;
        let reasons = rows
            .iter()
            .map(|r| col(r, "code"))
            .collect::<Result<Vec<String>>>()?;
        let note: Option<String> =
            sqlx::query_scalar("SELECT note FROM call_notes WHERE call_ref = $1")
                .bind(call_ref.to_string())
                .fetch_optional(&self.read)
                .await?;
        Ok(CallReasons { reasons, note })
    }

    /// Whether `agent_id` has given the reasons of a call at or after `since`.
    pub async fn reasons_given_since(&self, agent_id: i64, since: Millis) -> Result<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM call_reasons WHERE agent_id = $1 AND at >= $2",
        )
        .bind(agent_id)
        .bind(since)
        .fetch_one(&self.read)
        .await?;
        Ok(n > 0)
    }

    /// Calls that started in `[from, to)` by reason: every reason of the tree, in its order,
    /// with zero where none (a call with two reasons counts under both). Read from the
    /// period's calls (the `calls_started` index), not from every reason ever given.
    pub async fn calls_by_reason(&self, from: Millis, to: Millis) -> Result<Vec<ReasonCount>> {
        let rows = sqlx::query(
            "SELECT r.code AS code, COUNT(*) AS calls FROM calls k \
             JOIN call_reasons r ON r.call_ref = k.call_ref \
             WHERE k.started_at >= $1 AND k.started_at < $2 GROUP BY r.code",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&self.read)
        .await?;
        let mut counted: Vec<(String, i64)> = Vec::with_capacity(rows.len());
        for r in &rows {
            counted.push((col(r, "code")?, col(r, "calls")?));
        }
        Ok(self
            .reason_tree()
            .await?
            .into_iter()
            .filter(|r| r.pickable)
            .map(|r| ReasonCount {
                calls: counted
                    .iter()
                    .find(|(c, _)| *c == r.code)
                    .map_or(0, |(_, n)| *n),
                code: r.code,
            })
            .collect())
    }

    /// Calls that started at or after `started_from` and ended in `[from, to)`, in the IVR or
    /// a queue without an agent, and have no reasons yet, after the cursor `(ended_at, id)`
    /// (exclusive), at most `limit`, in that order: `(ended_at, id, call_ref, ivr_path)`. For
    /// giving IVR-only calls the reasons of the flow nodes they passed (`started_from` keeps
    /// the search on the `calls_started` index: no call lasts longer than the engine allows).
    pub async fn calls_without_reasons(
        &self,
        started_from: Millis,
        from: Millis,
        to: Millis,
        after: (Millis, i64),
        limit: i64,
    ) -> Result<Vec<(Millis, i64, String, Vec<String>)>> {
        let rows = sqlx::query(
            "SELECT c.ended_at, c.id, c.call_ref, c.ivr_path FROM calls c \
             WHERE c.started_at >= $6 AND c.ended_at >= $1 AND c.ended_at < $2 \
               AND (c.ended_at > $3 OR (c.ended_at = $3 AND c.id > $4)) \
               AND c.agent_id IS NULL AND c.ivr_ended_at IS NOT NULL \
               AND c.direction = 'inbound' \
               AND NOT EXISTS (SELECT 1 FROM call_reasons r WHERE r.call_ref = c.call_ref) \
             ORDER BY c.ended_at, c.id LIMIT $5",
        )
        .bind(from)
        .bind(to)
        .bind(after.0)
        .bind(after.1)
        .bind(limit.clamp(1, 10_000))
        .bind(started_from)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                let path: String = col(r, "ivr_path")?;
                Ok((
                    col(r, "ended_at")?,
                    col(r, "id")?,
                    col(r, "call_ref")?,
                    serde_json::from_str(&path).unwrap_or_default(),
                ))
            })
            .collect()
    }

    /// Every call reason ever recorded, by reason (every reason of the tree, zero where
    /// none): the `/metrics` counter.
    pub async fn reason_totals(&self) -> Result<Vec<ReasonCount>> {
        let rows = sqlx::query(
            "SELECT c.code AS code, COUNT(r.code) AS calls FROM call_reason_codes c \
             LEFT JOIN call_reasons r ON r.code = c.code WHERE c.code LIKE '%/%' \
             GROUP BY c.code, c.position ORDER BY c.position, c.code",
        )
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ReasonCount {
                    code: col(r, "code")?,
                    calls: col(r, "calls")?,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> Vec<ReasonCode> {
        ["billing", "billing/query", "billing/dispute"]
            .iter()
            .map(|c| ReasonCode {
                code: c.to_string(),
                name_zh: String::new(),
                name_en: String::new(),
                pickable: c.contains('/'),
            })
            .collect()
    }

    fn codes(c: &[&str]) -> Vec<String> {
        c.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn codes_are_checked_against_the_tree() {
        let t = tree();
        assert_eq!(
            check_codes(&t, &codes(&["billing/dispute", "billing/query"])).unwrap(),
            codes(&["billing/dispute", "billing/query"])
        );
        for bad in [
            codes(&[]),
            codes(&["billing"]),
            codes(&["billing/nope"]),
            codes(&["billing/query", "billing/query"]),
        ] {
            match check_codes(&t, &bad) {
                Err(StoreError::Invalid { field, .. }) => assert_eq!(field, "reasons"),
                other => panic!("{bad:?}: {other:?}"),
            }
        }
    }
}
