//! `GET /api/reports/{daily|weekly|monthly}?from=YYYY-MM-DD&to=YYYY-MM-DD[&format=csv]`
//! (supervisors and admins): the centre's reports over a range of local dates (both
//! included, in `centre.time_zone`), as JSON or as CSV (UTF-8 with a byte-order mark). The
//! figures are [`hotline_store::report`]'s; the store aggregates them in SQL on its read path.
//! A range that ends before it starts, or longer than [`MAX_DAYS`], is a 422 naming the
//! field.

use crate::error::{ApiError, ApiResult};
use crate::extract::{Authed, Params};
use crate::Shared;
use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use hotline_store::report::{csv, Builder, Period, Rules};
use hotline_store::{Role, StatsRule};
use hotline_time::CivilDate;

/// The longest range a report covers, in days.
pub const MAX_DAYS: i64 = 366;

/// `YYYY-MM-DD`, a real date.
fn date(q: &Params, name: &'static str) -> ApiResult<CivilDate> {
    let v = q
        .text(name)?
        .ok_or_else(|| ApiError::invalid(name, "needed: a local date, YYYY-MM-DD"))?;
    let bad = || ApiError::invalid(name, format!("{v:?} is not a date YYYY-MM-DD"));
    let mut parts = v.split('-');
    let (Some(y), Some(m), Some(d), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad());
    };
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return Err(bad());
    }
    let year: i32 = y.parse().map_err(|_| bad())?;
    let month: u8 = m.parse().map_err(|_| bad())?;
    let day: u8 = d.parse().map_err(|_| bad())?;
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Err(bad()),
    };
    if !(1..=days).contains(&day) || !(1970..=9999).contains(&year) {
        return Err(bad());
    }
    Ok(CivilDate { year, month, day })
}

async fn report(s: Shared, who: Authed, q: Params, period: Period) -> ApiResult<Response> {
    who.require(Role::Supervisor)?;
    let q = q.only(&["from", "to", "format"])?;
    let from = date(&q, "from")?;
    let to = date(&q, "to")?;
    if to < from {
        return Err(ApiError::invalid("to", "the range ends before it starts"));
    }
    let days = (s.zone.day_start(to) - s.zone.day_start(from)) / 86_400_000 + 1;
    if days > MAX_DAYS {
        return Err(ApiError::invalid(
            "to",
            format!("at most {MAX_DAYS} days in one report"),
        ));
    }
    let csv_wanted = match q.text("format")? {
        None | Some("json") => false,
        Some("csv") => true,
        Some(other) => {
            return Err(ApiError::bad_parameter(
                "format",
                format!("{other:?}: json or csv"),
            ))
        }
    };
    let queues = s.acd.as_deref().map(|a| a.queues()).unwrap_or_default();
    let rules = rules_of(&queues);
    let builder = Builder::new(s.zone.clone(), period, from, to, rules);
    let report = s.store.build_report(builder, s.now()).await?;
    if !csv_wanted {
        return Ok(Json(report).into_response());
    }
    let mut res = csv::to_csv(&report).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    Ok(res)
}

/// `GET /api/reports/daily`.
pub async fn daily(State(s): State<Shared>, who: Authed, q: Params) -> ApiResult<Response> {
    report(s, who, q, Period::Daily).await
}

/// `GET /api/reports/weekly`.
pub async fn weekly(State(s): State<Shared>, who: Authed, q: Params) -> ApiResult<Response> {
    report(s, who, q, Period::Weekly).await
}

/// `GET /api/reports/monthly`.
pub async fn monthly(State(s): State<Shared>, who: Authed, q: Params) -> ApiResult<Response> {
    report(s, who, q, Period::Monthly).await
}

/// How the reports judge each queue's calls: its service level and short-abandon
/// thresholds from the configuration, the default rule for calls of no configured queue.
pub fn rules_of(queues: &[hotline_acd::QueueConfig]) -> Rules {
    let mut rules = Rules::default();
    for c in queues {
        rules.queues.insert(
            c.name.clone(),
            StatsRule {
                service_level_ms: i64::from(c.service_level.within_secs) * 1000,
                short_abandon_ms: i64::from(c.short_abandon_secs) * 1000,
            },
        );
    }
    rules
}
