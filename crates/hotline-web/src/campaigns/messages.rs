//! An SMS campaign's results: every text (one per target and attempt) with what the SMSC and
//! the receipts said, as JSON or as the CSV export (times in the centre's zone, the channel
//! `sms` in the first column after the campaign so a merged sheet tells texts from calls).

use hotline_store::{CampaignMessage, Store};

use super::results::{cell, local};
use crate::error::ApiResult;

const HEADER: [&str; 16] = [
    "campaign",
    "channel",
    "target",
    "account",
    "customer",
    "number",
    "attempt",
    "language",
    "text",
    "status",
    "parts",
    "smsc_ids",
    "created_at",
    "submitted_at",
    "final_at",
    "error",
];

/// Campaign `id`'s `messages` as the CSV export.
pub(crate) async fn to_csv(
    store: &Store,
    zone: &hotline_time::Zone,
    campaign: &str,
    id: i64,
    messages: &[CampaignMessage],
) -> ApiResult<String> {
    let names = super::results::customer_names(store, id).await?;
    let mut out = String::from("\u{feff}");
    out.push_str(&HEADER.join(","));
    out.push_str("\r\n");
    for m in messages {
        let at = |t: Option<i64>| t.map(|t| local(zone, t)).unwrap_or_default();
        let cells = [
            campaign.to_string(),
            "sms".to_string(),
            m.target_id.to_string(),
            m.account.clone(),
            names.get(&m.target_id).cloned().unwrap_or_default(),
            m.number.clone(),
            m.attempt.to_string(),
            m.language.clone(),
            m.text.clone(),
            m.status.clone(),
            m.parts.to_string(),
            m.smsc_ids.clone().unwrap_or_default(),
            local(zone, m.created_at),
            at(m.submitted_at),
            at(m.final_at),
            m.error.clone().unwrap_or_default(),
        ];
        let line: Vec<String> = cells.iter().map(|c| cell(c)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    Ok(out)
}
