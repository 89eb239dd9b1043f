//! A report as CSV: UTF-8 with a byte-order mark (so that spreadsheet programs read Chinese
//! text), one line per figure group, a `table` column saying which (`calls`, `calls_by_queue`,
//! …, `ivr_by_flow`, `tickets_by_district`, `follow_ups_by_agent`, `survey`), the period's
//! first date and the group's key; the columns a table does not use are empty.

use super::{FollowUpStats, Keyed, PeriodReport, Report, SurveyStats, TicketStats};
use crate::stats::{IvrStats, QueueStats};

/// The header line's columns.
pub const COLUMNS: [&str; 29] = [
    "table",
    "period",
    "key",
    "offered",
    "answered",
    "answered_within_sl",
    "abandoned",
    "short_abandoned",
    "service_level_percent",
    "asa_ms",
    "aht_ms",
    "ivr_calls",
    "self_served",
    "transferred",
    "containment_percent",
    "created",
    "closed",
    "overdue",
    "time_to_on_site_ms",
    "time_to_reply_ms",
    "follow_ups_due",
    "follow_ups_completed",
    "follow_ups_reached",
    "completion_percent",
    "ratings",
    "average_rating",
    "answered_calls",
    "survey_responses",
    "survey_average",
];

fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

fn pct(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.2}")).unwrap_or_default()
}

struct Out(String);

impl Out {
    /// One line: `cells` by column name; the others empty.
    fn line(&mut self, table: &str, period: &str, key: &str, cells: &[(&str, String)]) {
        let line: Vec<String> = COLUMNS
            .iter()
            .map(|c| match *c {
                "table" => field(table),
                "period" => field(period),
                "key" => field(key),
                _ => cells
                    .iter()
                    .find(|(n, _)| n == c)
                    .map(|(_, v)| field(v))
                    .unwrap_or_default(),
            })
            .collect();
        self.0.push_str(&line.join(","));
        self.0.push_str("\r\n");
    }
}

fn calls(out: &mut Out, table: &str, p: &str, key: &str, s: &QueueStats) {
    out.line(
        table,
        p,
        key,
        &[
            ("offered", s.offered.to_string()),
            ("answered", s.answered.to_string()),
            ("answered_within_sl", s.answered_within_sl.to_string()),
            ("abandoned", s.abandoned.to_string()),
            ("short_abandoned", s.short_abandoned.to_string()),
            ("service_level_percent", pct(s.service_level_percent)),
            ("asa_ms", opt(s.average_speed_of_answer_ms)),
            ("aht_ms", opt(s.average_handle_ms)),
        ],
    );
}

fn ivr(out: &mut Out, table: &str, p: &str, key: &str, s: &IvrStats) {
    out.line(
        table,
        p,
        key,
        &[
            ("ivr_calls", s.calls.to_string()),
            ("self_served", s.self_served.to_string()),
            ("transferred", s.transferred.to_string()),
            ("containment_percent", pct(s.containment_percent)),
        ],
    );
}

fn tickets(out: &mut Out, table: &str, p: &str, key: &str, s: &TicketStats) {
    out.line(
        table,
        p,
        key,
        &[
            ("created", s.created.to_string()),
            ("closed", s.closed.to_string()),
            ("overdue", s.overdue.to_string()),
            ("time_to_on_site_ms", opt(s.time_to_on_site_ms)),
            ("time_to_reply_ms", opt(s.time_to_reply_ms)),
        ],
    );
}

fn follow_ups(out: &mut Out, table: &str, p: &str, key: &str, s: &FollowUpStats) {
    out.line(
        table,
        p,
        key,
        &[
            ("follow_ups_due", s.due.to_string()),
            ("follow_ups_completed", s.completed.to_string()),
            ("follow_ups_reached", s.reached.to_string()),
            ("completion_percent", pct(s.completion_percent)),
            ("ratings", s.ratings.to_string()),
            ("average_rating", pct(s.average_rating)),
        ],
    );
}

fn survey(out: &mut Out, p: &str, s: &SurveyStats) {
    out.line(
        "survey",
        p,
        "all",
        &[
            ("answered_calls", s.answered_calls.to_string()),
            ("survey_responses", s.responses.to_string()),
            ("survey_average", pct(s.average_score)),
        ],
    );
}

type Row<T> = fn(&mut Out, &str, &str, &str, &T);

fn groups<T>(out: &mut Out, table: &str, p: &str, g: &[Keyed<T>], f: Row<T>) {
    for k in g {
        f(out, table, p, &k.key, &k.figures);
    }
}

fn period(out: &mut Out, r: &PeriodReport) {
    let p = r.start.as_str();
    calls(out, "calls", p, "all", &r.calls);
    groups(out, "calls_by_queue", p, &r.by_queue, calls);
    groups(out, "calls_by_agent", p, &r.by_agent, calls);
    groups(out, "calls_by_reason", p, &r.by_reason, calls);
    groups(out, "calls_by_district", p, &r.by_district, calls);
    groups(out, "calls_by_hour", p, &r.by_hour, calls);
    ivr(out, "ivr", p, "all", &r.ivr);
    groups(out, "ivr_by_flow", p, &r.ivr_by_flow, ivr);
    tickets(out, "tickets", p, "all", &r.tickets);
    groups(out, "tickets_by_kind", p, &r.tickets_by_kind, tickets);
    groups(
        out,
        "tickets_by_district",
        p,
        &r.tickets_by_district,
        tickets,
    );
    follow_ups(out, "follow_ups", p, "all", &r.follow_ups);
    groups(
        out,
        "follow_ups_by_agent",
        p,
        &r.follow_ups_by_agent,
        follow_ups,
    );
    groups(
        out,
        "follow_ups_by_district",
        p,
        &r.follow_ups_by_district,
        follow_ups,
    );
    survey(out, p, &r.survey);
}

/// The report as CSV text, starting with the byte-order mark.
pub fn to_csv(r: &Report) -> String {
    let mut out = Out(String::from("\u{feff}"));
    out.0.push_str(&COLUMNS.join(","));
    out.0.push_str("\r\n");
    for p in &r.periods {
        period(&mut out, p);
    }
    out.0
}
