//! A campaign's targets (where each stands) and results (every attempt, or an SMS campaign's
//! every text (`messages.rs`), as JSON or as a CSV
//! file for a spreadsheet: times in the centre's zone, amounts in yuan, cells that a
//! spreadsheet would take for a formula quoted as text).

use std::collections::HashMap;

use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use hotline_store::{CampaignAttempt, CampaignTarget, Role, TargetFilter};

use super::find;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Authed, Params, PathId};
use crate::Shared;

/// Most attempts one export holds.
pub(crate) const MAX_ROWS: i64 = 1_000_000;

/// `GET /api/campaigns/{id}/targets?state=&after=&limit=`: targets in id order (pages: `after`
/// the last id seen).
pub async fn targets(
    State(s): State<Shared>,
    who: Authed,
    PathId(id): PathId,
    q: Params,
) -> ApiResult<Json<Vec<CampaignTarget>>> {
    let q = q.only(&["state", "after", "limit"])?;
    who.require(Role::Supervisor)?;
    find(&s, id).await?;
    let state = match q.text("state")? {
        Some(t) if !hotline_store::campaigns::TARGET_STATES.contains(&t) => {
            return Err(ApiError::bad_parameter(
                "state",
                hotline_store::campaigns::TARGET_STATES.join(", "),
            ))
        }
        t => t.map(str::to_string),
    };
    let f = TargetFilter {
        state,
        after: q.id("after")?,
        limit: q.int("limit", 1..=1000)?.unwrap_or(100),
    };
    Ok(Json(s.store.campaign_targets(id, &f).await?))
}

/// `GET /api/campaigns/{id}/results?format=json|csv`: every attempt (an SMS campaign's every
/// text), oldest first.
pub async fn results(
    State(s): State<Shared>,
    who: Authed,
    PathId(id): PathId,
    q: Params,
) -> ApiResult<Response> {
    let q = q.only(&["format"])?;
    who.require(Role::Supervisor)?;
    let c = find(&s, id).await?;
    let csv = match q.text("format")? {
        None | Some("json") => false,
        Some("csv") => true,
        Some(other) => {
            return Err(ApiError::bad_parameter(
                "format",
                format!("{other:?}: json or csv"),
            ))
        }
    };
    let sms = c.settings.get("channel").and_then(|v| v.as_str()) == Some("sms");
    let text = if sms {
        // An SMS campaign's results are its texts.
        let messages = s.store.campaign_messages(id, None, MAX_ROWS).await?;
        if !csv {
            return Ok(Json(messages).into_response());
        }
        super::messages::to_csv(&s.store, &s.zone, &c.name, id, &messages).await?
    } else {
        let attempts = s.store.campaign_attempts(id, None, MAX_ROWS).await?;
        if !csv {
            return Ok(Json(attempts).into_response());
        }
        to_csv(&s.store, &s.zone, &c.name, id, &attempts).await?
    };
    let mut res = text.into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    let file = format!("attachment; filename=\"campaign-{id}-results.csv\"");
    if let Ok(v) = HeaderValue::from_str(&file) {
        res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}

const HEADER: [&str; 15] = [
    "campaign",
    "target",
    "account",
    "customer",
    "number",
    "attempt",
    "dialled_at",
    "ended_at",
    "result",
    "talk_s",
    "keys",
    "promise_yuan",
    "promise_by",
    "rating",
    "note",
];

/// A CSV cell: quoted when it holds a separator, a quote or a line end; a text a spreadsheet
/// would run as a formula (`=`, `@`, a tab or a CR first) starts with `'`.
pub(super) fn cell(s: &str) -> String {
    let s = if s.starts_with(['=', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

pub(super) fn local(zone: &hotline_time::Zone, at: i64) -> String {
    let t = zone.local(at);
    format!("{} {:02}:{:02}", t.date, t.minute / 60, t.minute % 60)
}

/// Campaign `id`'s customers' names by target id.
pub(super) async fn customer_names(
    store: &hotline_store::Store,
    id: i64,
) -> ApiResult<HashMap<i64, String>> {
    let targets = store
        .campaign_targets(
            id,
            &TargetFilter {
                limit: 100_000,
                ..TargetFilter::default()
            },
        )
        .await?;
    Ok(targets
        .into_iter()
        .map(|t| (t.id, t.customer_name.unwrap_or_default()))
        .collect())
}

/// Campaign `id`'s `attempts` as the CSV export.
pub(crate) async fn to_csv(
    store: &hotline_store::Store,
    zone: &hotline_time::Zone,
    campaign: &str,
    id: i64,
    attempts: &[CampaignAttempt],
) -> ApiResult<String> {
    let names = customer_names(store, id).await?;
    let mut out = String::from("\u{feff}");
    out.push_str(&HEADER.join(","));
    out.push_str("\r\n");
    for a in attempts {
        let opt = |v: Option<String>| v.unwrap_or_default();
        let cells = [
            campaign.to_string(),
            a.target_id.to_string(),
            a.account.clone(),
            names.get(&a.target_id).cloned().unwrap_or_default(),
            a.number.clone(),
            a.attempt.to_string(),
            local(zone, a.dialled_at),
            opt(a.ended_at.map(|t| local(zone, t))),
            opt(a.result.clone()),
            opt(a.talk_ms.map(|ms| format!("{:.1}", ms as f64 / 1000.0))),
            opt(a.keys.clone()),
            opt(a.promise_fen.map(|f| format!("{}.{:02}", f / 100, f % 100))),
            opt(a.promise_by.clone()),
            opt(a.rating.map(|r| r.to_string())),
            opt(a.note.clone()),
        ];
        let line: Vec<String> = cells.iter().map(|c| cell(c)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_formulas_defused() {
        assert_eq!(cell("plain"), "plain");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(
            cell("+8613800001111"),
            "+8613800001111",
            "numbers stay numbers"
        );
    }
}
