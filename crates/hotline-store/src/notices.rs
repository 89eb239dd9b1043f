//! District notices as a managed thing: outages, planned works, water quality, pressure and
//! other notices, each over one or more districts, from a start to an expected end (open while
//! the end is not known), with a cause the IVR can read and, for water quality and pressure,
//! the figures (turbidity, residual chlorine, pressure). Supervisors create, change and end
//! them through the API and the command line; the IVR and the desktop read the ones in force.
//!
//! The checks are pure ([`check`]: kinds, causes, times, figures, text lengths, each refusal
//! naming its field); the queries write a notice and its districts in one transaction, so a
//! refused change keeps the old notice whole. Nothing is cached: the next lookup sees a
//! change. Ending a notice sets its end to now; rows are never deleted (the audit trail and
//! reports can still name them).

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use sqlx::any::AnyRow;

use crate::db::{col, Store};
use crate::error::{Result, StoreError};
use crate::lifecycle::Millis;

/// The kinds of notice.
pub const KINDS: [&str; 5] = [
    "outage",
    "planned_works",
    "water_quality",
    "pressure",
    "other",
];

/// The causes the IVR has prompts for (`notice_cause_<cause>`); empty means none given.
pub const CAUSES: [&str; 6] = [
    "pipe_burst",
    "repair",
    "construction",
    "flushing",
    "power",
    "other",
];

/// Most districts one notice covers.
pub const MAX_DISTRICTS: usize = 100;
/// Longest title and body, in characters.
pub const MAX_TITLE: usize = 200;
pub const MAX_BODY: usize = 4_000;
/// Times before 2000-01-01 are refused: such a number is Unix seconds, not milliseconds.
const EARLIEST: Millis = 946_684_800_000;
/// A notice starts at most this far ahead (a year).
const MAX_AHEAD: Millis = 366 * 24 * 3_600_000;
/// Largest figures accepted, in thousandths: 1,000 NTU, 50 mg/L of chlorine, 10 MPa.
const MAX_TURBIDITY_MNTU: i64 = 1_000_000;
const MAX_CHLORINE_UG_L: i64 = 50_000;
const MAX_PRESSURE_KPA: i64 = 10_000;

/// The water figures a notice carries, in thousandths of the unit the IVR reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Figures {
    /// Turbidity in milli-NTU (350 is 0.35 NTU).
    pub turbidity_mntu: Option<i64>,
    /// Residual chlorine in µg/L (450 is 0.45 mg/L).
    pub chlorine_ug_l: Option<i64>,
    /// Pressure in kPa (280 is 0.28 MPa).
    pub pressure_kpa: Option<i64>,
}

/// A notice as written (created or changed).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NoticeInput {
    pub kind: String,
    pub district_ids: Vec<i64>,
    pub starts_at: Millis,
    /// The expected end; `None` while not known.
    pub ends_at: Option<Millis>,
    pub title: String,
    pub body: String,
    /// One of [`CAUSES`], or empty.
    pub cause: String,
    pub figures: Figures,
}

/// A district a notice covers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NoticeDistrict {
    pub id: i64,
    pub code: String,
    pub name: String,
}

/// A notice with its districts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Notice {
    pub id: i64,
    /// The first district (of `districts`).
    pub district_id: i64,
    pub districts: Vec<NoticeDistrict>,
    /// One of [`KINDS`] (older rows may hold another word).
    pub kind: String,
    pub title: String,
    pub body: String,
    pub cause: String,
    pub starts_at: Millis,
    pub ends_at: Option<Millis>,
    pub figures: Figures,
    pub created_at: Option<Millis>,
    pub updated_at: Option<Millis>,
    /// Recordings uploaded for it, one per language (`notice_recordings`).
    pub recordings: Vec<crate::notice_recordings::NoticeRecording>,
}

impl Notice {
    /// Whether it is in force at `now`.
    pub fn in_force(&self, now: Millis) -> bool {
        self.starts_at <= now && self.ends_at.is_none_or(|e| e > now)
    }
}

/// A thousandths figure as decimal text without trailing zeros: 350 → `0.35`, 2000 → `2`.
pub fn milli_text(milli: i64) -> String {
    let sign = if milli < 0 { "-" } else { "" };
    let a = milli.unsigned_abs();
    let (whole, frac) = (a / 1000, a % 1000);
    if frac == 0 {
        return format!("{sign}{whole}");
    }
    let f = format!("{frac:03}");
    format!("{sign}{whole}.{}", f.trim_end_matches('0'))
}

/// Decimal text with at most three decimals as thousandths: `0.35` → 350, `2` → 2000.
pub fn parse_milli(s: &str) -> Option<i64> {
    let t = s.trim();
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    if whole.is_empty()
        || frac.len() > 3
        || !(whole.bytes().chain(frac.bytes())).all(|b| b.is_ascii_digit())
    {
        return None;
    }
    if t.ends_with('.') {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let frac: i64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<3}").parse().ok()?
    };
    whole.checked_mul(1000)?.checked_add(frac)
}

/// Checks a notice before it is written at `now`; `new`: it is being created (an end already
/// past is refused then). Unknown districts are checked by the store.
pub fn check(n: &NoticeInput, now: Millis, new: bool) -> Result<()> {
    if !KINDS.contains(&n.kind.as_str()) {
        return Err(StoreError::invalid(
            "kind",
            format!("{:?} is not one of {}", n.kind, KINDS.join(", ")),
        ));
    }
    if n.district_ids.is_empty() {
        return Err(StoreError::invalid("district_ids", "at least one district"));
    }
    if n.district_ids.len() > MAX_DISTRICTS {
        return Err(StoreError::invalid(
            "district_ids",
            format!("at most {MAX_DISTRICTS} districts"),
        ));
    }
    let distinct: BTreeSet<i64> = n.district_ids.iter().copied().collect();
    if distinct.len() != n.district_ids.len() {
        return Err(StoreError::invalid(
            "district_ids",
            "a district is named twice",
        ));
    }
    if n.starts_at < EARLIEST {
        return Err(StoreError::invalid(
            "starts_at",
            "Unix time in milliseconds after 2000-01-01 (this looks like seconds or is missing)",
        ));
    }
    if n.starts_at > now.saturating_add(MAX_AHEAD) {
        return Err(StoreError::invalid("starts_at", "more than a year ahead"));
    }
    if let Some(end) = n.ends_at {
        if end <= n.starts_at {
            return Err(StoreError::invalid("ends_at", "must be after starts_at"));
        }
        if new && end <= now {
            return Err(StoreError::invalid("ends_at", "already past"));
        }
    }
    let title = n.title.trim();
    if title.is_empty() {
        return Err(StoreError::invalid("title", "must not be empty"));
    }
    if title.chars().count() > MAX_TITLE {
        return Err(StoreError::invalid(
            "title",
            format!("at most {MAX_TITLE} characters"),
        ));
    }
    if n.body.chars().count() > MAX_BODY {
        return Err(StoreError::invalid(
            "body",
            format!("at most {MAX_BODY} characters"),
        ));
    }
    if [&n.title, &n.body].iter().any(|t| t.contains('\0')) {
        return Err(StoreError::invalid("body", "must not contain NUL"));
    }
    if !n.cause.is_empty() && !CAUSES.contains(&n.cause.as_str()) {
        return Err(StoreError::invalid(
            "cause",
            format!(
                "{:?} is not one of {} (or empty)",
                n.cause,
                CAUSES.join(", ")
            ),
        ));
    }
    let f = &n.figures;
    for (field, value, max) in [
        (
            "figures.turbidity_ntu",
            f.turbidity_mntu,
            MAX_TURBIDITY_MNTU,
        ),
        ("figures.chlorine_mg_l", f.chlorine_ug_l, MAX_CHLORINE_UG_L),
        ("figures.pressure_mpa", f.pressure_kpa, MAX_PRESSURE_KPA),
    ] {
        if let Some(v) = value {
            if !(0..=max).contains(&v) {
                return Err(StoreError::invalid(
                    field,
                    format!("must be 0 to {}", milli_text(max)),
                ));
            }
        }
    }
    Ok(())
}

const NOTICE_COLUMNS: &str = "n.id, n.district_id, n.kind, n.title, n.body, n.cause, n.starts_at, \
    n.ends_at, n.turbidity_mntu, n.chlorine_ug_l, n.pressure_kpa, n.created_at, n.updated_at";

/// Most notices a listing returns.
const MAX_LIST: i64 = 1_000;

fn notice_from_row(r: &AnyRow) -> Result<Notice> {
    Ok(Notice {
        id: col(r, "id")?,
        district_id: col(r, "district_id")?,
        districts: Vec::new(),
        kind: col(r, "kind")?,
        title: col(r, "title")?,
        body: col(r, "body")?,
        cause: col(r, "cause")?,
        starts_at: col(r, "starts_at")?,
        ends_at: col(r, "ends_at")?,
        figures: Figures {
            turbidity_mntu: col(r, "turbidity_mntu")?,
            chlorine_ug_l: col(r, "chlorine_ug_l")?,
            pressure_kpa: col(r, "pressure_kpa")?,
        },
        created_at: col(r, "created_at")?,
        updated_at: col(r, "updated_at")?,
        recordings: Vec::new(),
    })
}

impl Store {
    /// Creates a notice; it is heard by the next caller from its districts.
    pub async fn create_notice(&self, n: &NoticeInput, now: Millis) -> Result<Notice> {
        check(n, now, true)?;
        let mut tx = self.write.begin().await?;
        self.check_districts(&mut tx, &n.district_ids).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO notices (district_id, kind, title, body, starts_at, ends_at, cause, \
             turbidity_mntu, chlorine_ug_l, pressure_kpa, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id",
        )
        .bind(n.district_ids.first().copied())
        .bind(n.kind.clone())
        .bind(n.title.trim().to_string())
        .bind(n.body.clone())
        .bind(n.starts_at)
        .bind(n.ends_at)
        .bind(n.cause.clone())
        .bind(n.figures.turbidity_mntu)
        .bind(n.figures.chlorine_ug_l)
        .bind(n.figures.pressure_kpa)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        write_districts(&mut tx, id, &n.district_ids).await?;
        tx.commit().await?;
        self.notice(id)
            .await?
            .ok_or_else(|| StoreError::not_found("notice", id))
    }

    /// Replaces a notice's fields and districts.
    pub async fn update_notice(&self, id: i64, n: &NoticeInput, now: Millis) -> Result<Notice> {
        check(n, now, false)?;
        let mut tx = self.write.begin().await?;
        self.check_districts(&mut tx, &n.district_ids).await?;
        let changed = sqlx::query(
            "UPDATE notices SET district_id = $1, kind = $2, title = $3, body = $4, \
             starts_at = $5, ends_at = $6, cause = $7, turbidity_mntu = $8, chlorine_ug_l = $9, \
             pressure_kpa = $10, updated_at = $11 WHERE id = $12",
        )
        .bind(n.district_ids.first().copied())
        .bind(n.kind.clone())
        .bind(n.title.trim().to_string())
        .bind(n.body.clone())
        .bind(n.starts_at)
        .bind(n.ends_at)
        .bind(n.cause.clone())
        .bind(n.figures.turbidity_mntu)
        .bind(n.figures.chlorine_ug_l)
        .bind(n.figures.pressure_kpa)
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 0 {
            return Err(StoreError::not_found("notice", id));
        }
        sqlx::query("DELETE FROM notice_districts WHERE notice_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        write_districts(&mut tx, id, &n.district_ids).await?;
        tx.commit().await?;
        self.notice(id)
            .await?
            .ok_or_else(|| StoreError::not_found("notice", id))
    }

    /// Ends a notice now: its end becomes `now` unless it ended already (then it is kept as
    /// it was). A notice that has not started yet ends before it starts: it is withdrawn, and
    /// its start moves to `now` so that its end is still after it.
    pub async fn end_notice(&self, id: i64, now: Millis) -> Result<Notice> {
        let Some(n) = self.notice(id).await? else {
            return Err(StoreError::not_found("notice", id));
        };
        if n.ends_at.is_some_and(|e| e <= now) {
            return Ok(n);
        }
        let starts_at = n.starts_at.min(now.saturating_sub(1));
        sqlx::query(
            "UPDATE notices SET starts_at = $1, ends_at = $2, updated_at = $2 WHERE id = $3",
        )
        .bind(starts_at)
        .bind(now)
        .bind(id)
        .execute(&self.write)
        .await?;
        self.notice(id)
            .await?
            .ok_or_else(|| StoreError::not_found("notice", id))
    }

    /// One notice with its districts.
    pub async fn notice(&self, id: i64) -> Result<Option<Notice>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {NOTICE_COLUMNS} FROM notices n WHERE n.id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.read)
        .await?;
        match row {
            None => Ok(None),
            Some(r) => Ok(self.with_districts(vec![notice_from_row(&r)?]).await?.pop()),
        }
    }

    /// Notices not ended at `now` (in force or coming), or with `ended` all of them, newest
    /// start first (at most 1,000).
    pub async fn list_notices(&self, now: Millis, ended: bool) -> Result<Vec<Notice>> {
        let only_open = if ended {
            ""
        } else {
            "WHERE n.ends_at IS NULL OR n.ends_at > $1"
        };
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {NOTICE_COLUMNS} FROM notices n {only_open} \
             ORDER BY n.starts_at DESC, n.id DESC LIMIT {MAX_LIST}"
        )))
        .bind(now)
        .fetch_all(&self.read)
        .await?;
        let list = rows.iter().map(notice_from_row).collect::<Result<_>>()?;
        self.with_districts(list).await
    }

    /// Notices of a district in force at `now` or starting within `ahead` ms, by start.
    pub async fn notices(
        &self,
        district_id: i64,
        now: Millis,
        ahead: Millis,
    ) -> Result<Vec<Notice>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {NOTICE_COLUMNS} FROM notices n \
             JOIN notice_districts nd ON nd.notice_id = n.id \
             WHERE nd.district_id = $1 AND n.starts_at <= $2 \
             AND (n.ends_at IS NULL OR n.ends_at > $3) \
             ORDER BY n.starts_at, n.id LIMIT $4"
        )))
        .bind(district_id)
        .bind(now.saturating_add(ahead))
        .bind(now)
        .bind(MAX_LIST)
        .fetch_all(&self.read)
        .await?;
        let list = rows.iter().map(notice_from_row).collect::<Result<_>>()?;
        self.with_districts(list).await
    }

    /// Notices of any district in force at `now`, by start (the "today's notices" an
    /// unidentified caller may hear).
    pub async fn notices_in_force(&self, now: Millis) -> Result<Vec<Notice>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {NOTICE_COLUMNS} FROM notices n \
             WHERE n.starts_at <= $1 AND (n.ends_at IS NULL OR n.ends_at > $1) \
             ORDER BY n.starts_at, n.id LIMIT $2"
        )))
        .bind(now)
        .bind(MAX_LIST)
        .fetch_all(&self.read)
        .await?;
        let list = rows.iter().map(notice_from_row).collect::<Result<_>>()?;
        self.with_districts(list).await
    }

    /// Fills in each notice's districts.
    async fn with_districts(&self, mut list: Vec<Notice>) -> Result<Vec<Notice>> {
        if list.is_empty() {
            return Ok(list);
        }
        let ids: Vec<String> = list.iter().map(|n| n.id.to_string()).collect();
        // The ids are integers from the database: safe to write into the query.
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT nd.notice_id, d.id, d.code, d.name FROM notice_districts nd \
             JOIN districts d ON d.id = nd.district_id \
             WHERE nd.notice_id IN ({}) ORDER BY nd.notice_id, d.code",
            ids.join(", ")
        )))
        .fetch_all(&self.read)
        .await?;
        let mut by_notice: BTreeMap<i64, Vec<NoticeDistrict>> = BTreeMap::new();
        for r in &rows {
            by_notice
                .entry(col(r, "notice_id")?)
                .or_default()
                .push(NoticeDistrict {
                    id: col(r, "id")?,
                    code: col(r, "code")?,
                    name: col(r, "name")?,
                });
        }
        let mut recordings = self.recordings_of(&ids).await?;
        for n in &mut list {
            n.districts = by_notice.remove(&n.id).unwrap_or_default();
            n.recordings = recordings.remove(&n.id).unwrap_or_default();
        }
        Ok(list)
    }

    /// Refuses district ids that do not exist (naming the first).
    async fn check_districts(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        ids: &[i64],
    ) -> Result<()> {
        for id in ids {
            let found: Option<i64> = sqlx::query_scalar("SELECT id FROM districts WHERE id = $1")
                .bind(*id)
                .fetch_optional(&mut **tx)
                .await?;
            if found.is_none() {
                return Err(StoreError::invalid(
                    "district_ids",
                    format!("no district {id}"),
                ));
            }
        }
        Ok(())
    }
}

/// Writes a notice's districts.
pub(crate) async fn write_districts(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    notice_id: i64,
    district_ids: &[i64],
) -> Result<()> {
    for d in district_ids {
        sqlx::query("INSERT INTO notice_districts (notice_id, district_id) VALUES ($1, $2)")
            .bind(notice_id)
            .bind(*d)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Millis = 1_796_536_800_000; // 2026-12-06 14:00 in Beijing

    fn good() -> NoticeInput {
        NoticeInput {
            kind: "planned_works".into(),
            district_ids: vec![4],
            starts_at: NOW - 3_600_000,
            ends_at: Some(NOW + 3_600_000),
            title: "计划停水".into(),
            body: String::new(),
            cause: "construction".into(),
            figures: Figures::default(),
        }
    }

    fn field_of(n: &NoticeInput, new: bool) -> Option<&'static str> {
        match check(n, NOW, new) {
            Ok(()) => None,
            Err(StoreError::Invalid { field, .. }) => Some(field),
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn a_good_notice_passes_and_each_bad_field_is_named() {
        assert_eq!(field_of(&good(), true), None);
        type Spoil = Box<dyn Fn(&mut NoticeInput)>;
        let cases: Vec<(&str, Spoil)> = vec![
            ("kind", Box::new(|n| n.kind = "flood".into())),
            ("district_ids", Box::new(|n| n.district_ids.clear())),
            ("district_ids", Box::new(|n| n.district_ids = vec![4, 4])),
            ("starts_at", Box::new(|n| n.starts_at = NOW / 1000)),
            (
                "starts_at",
                Box::new(|n| n.starts_at = NOW + 400 * 86_400_000),
            ),
            ("ends_at", Box::new(|n| n.ends_at = Some(n.starts_at))),
            ("ends_at", Box::new(|n| n.ends_at = Some(n.starts_at - 1))),
            ("title", Box::new(|n| n.title = "  ".into())),
            ("title", Box::new(|n| n.title = "水".repeat(201))),
            ("body", Box::new(|n| n.body = "x".repeat(4_001))),
            ("cause", Box::new(|n| n.cause = "aliens".into())),
            (
                "figures.turbidity_ntu",
                Box::new(|n| n.figures.turbidity_mntu = Some(-1)),
            ),
            (
                "figures.chlorine_mg_l",
                Box::new(|n| n.figures.chlorine_ug_l = Some(50_001)),
            ),
            (
                "figures.pressure_mpa",
                Box::new(|n| n.figures.pressure_kpa = Some(10_001)),
            ),
        ];
        for (field, spoil) in cases {
            let mut n = good();
            spoil(&mut n);
            assert_eq!(field_of(&n, true), Some(field), "{n:?}");
        }
        // An end already past: refused for a new notice, kept for a change (a correction
        // of an ended notice's times).
        let mut past = good();
        past.starts_at = NOW - 7_200_000;
        past.ends_at = Some(NOW - 3_600_000);
        assert_eq!(field_of(&past, true), Some("ends_at"));
        assert_eq!(field_of(&past, false), None);
        // No end yet is fine; no cause is fine; figures at their limits are fine.
        let mut open = good();
        open.ends_at = None;
        open.cause.clear();
        open.figures = Figures {
            turbidity_mntu: Some(0),
            chlorine_ug_l: Some(50_000),
            pressure_kpa: Some(10_000),
        };
        assert_eq!(field_of(&open, true), None);
    }

    #[test]
    fn figures_read_as_decimals_without_trailing_zeros() {
        assert_eq!(milli_text(350), "0.35");
        assert_eq!(milli_text(280), "0.28");
        assert_eq!(milli_text(2_000), "2");
        assert_eq!(milli_text(1_005), "1.005");
        assert_eq!(milli_text(0), "0");
        assert_eq!(milli_text(-1_500), "-1.5");
        for (text, milli) in [("0.35", 350), ("2", 2_000), ("1.005", 1_005), ("0.2", 200)] {
            assert_eq!(parse_milli(text), Some(milli), "{text}");
            assert_eq!(milli_text(milli), text);
        }
        for bad in ["", ".5", "5.", "0.1234", "-1", "1e3", "a"] {
            assert_eq!(parse_milli(bad), None, "{bad}");
        }
    }
}
