//! A report as CSV: UTF-8 with a byte-order mark (so that spreadsheet programs read Chinese
//! text), one line per figure group, a `table` column saying which (`calls`, `calls_by_queue`,
//! …, `tickets_by_district`, `ivr`, `survey`), the period's first date and the group's key;
//! the columns a table does not use are empty.

use super::{Keyed, PeriodReport, Report, SurveyStats, TicketStats};
use crate::stats::{IvrStats, QueueStats};

/// The header line's columns.
pub const COLUMNS: [&str; 21] = [
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
    "created",
    "closed",
    "overdue",
    "time_to_on_site_ms",
    "time_to_reply_ms",
    "ivr_calls",
    "self_served",
    "containment_percent",
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
    fn line(&mut self, cells: [String; 21]) {
        let line: Vec<String> = cells.iter().map(|c| field(c)).collect();
        self.0.push_str(&line.join(","));
        self.0.push_str("\r\n");
    }

    fn calls(&mut self, table: &str, p: &str, key: &str, s: &QueueStats) {
        let e = String::new;
        self.line([
            table.into(),
            p.into(),
            key.into(),
            s.offered.to_string(),
            s.answered.to_string(),
            s.answered_within_sl.to_string(),
            s.abandoned.to_string(),
            s.short_abandoned.to_string(),
            pct(s.service_level_percent),
            opt(s.average_speed_of_answer_ms),
            opt(s.average_handle_ms),
            e(),
            e(),
            e(),
            e(),
            e(),
            e(),
            e(),
            e(),
            e(),
            e(),
        ]);
    }

    fn tickets(&mut self, table: &str, p: &str, key: &str, s: &TicketStats) {
        let e = String::new;
        self.line([
            table.into(),
            p.into(),
            key.into(),
            e(),
            e(),
            e(),
            e(),
            e(),
            e(),
            e(),
            e(),
            s.created.to_string(),
            s.closed.to_string(),
            s.overdue.to_string(),
            opt(s.time_to_on_site_ms),
            opt(s.time_to_reply_ms),
            e(),
            e(),
            e(),
            e(),
            e(),
        ]);
    }

    fn ivr(&mut self, p: &str, s: &IvrStats, v: &SurveyStats) {
        let mut cells: [String; 21] = Default::default();
        let [table, period, key, .., ivr_calls, self_served, containment, responses, average] =
            &mut cells;
        *table = "ivr_and_survey".into();
        *period = p.into();
        *key = "all".into();
        *ivr_calls = s.calls.to_string();
        *self_served = s.self_served.to_string();
        *containment = pct(s.containment_percent);
        *responses = v.responses.to_string();
        *average = pct(v.average_score);
        self.line(cells);
    }
}

fn groups<T>(
    out: &mut Out,
    table: &str,
    p: &str,
    g: &[Keyed<T>],
    f: fn(&mut Out, &str, &str, &str, &T),
) {
    for k in g {
        f(out, table, p, &k.key, &k.figures);
    }
}

fn period(out: &mut Out, r: &PeriodReport) {
    let p = r.start.as_str();
    out.calls("calls", p, "all", &r.calls);
    groups(out, "calls_by_queue", p, &r.by_queue, Out::calls);
    groups(out, "calls_by_agent", p, &r.by_agent, Out::calls);
    groups(out, "calls_by_reason", p, &r.by_reason, Out::calls);
    groups(out, "calls_by_district", p, &r.by_district, Out::calls);
    groups(out, "calls_by_hour", p, &r.by_hour, Out::calls);
    out.ivr(p, &r.ivr, &r.survey);
    out.tickets("tickets", p, "all", &r.tickets);
    groups(out, "tickets_by_kind", p, &r.tickets_by_kind, Out::tickets);
    groups(
        out,
        "tickets_by_district",
        p,
        &r.tickets_by_district,
        Out::tickets,
    );
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
