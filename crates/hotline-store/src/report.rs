//! The daily, weekly and monthly reports' arithmetic: a pure function over call and ticket
//! rows (no database, no clock), so that it is tested on its own and the store only streams
//! the rows in (`report_rows`). Periods are the centre's local days, Monday-first weeks and
//! calendar months. The call figures use the wallboard's definitions (`stats`, the README's
//! glossary): offered = calls that entered a queue; answered = connected to an agent;
//! abandoned = hung up while waiting, short ones (wait below the queue's short-abandon time)
//! apart; service level = answered within the queue's time / (answered + abandoned − short
//! abandoned); ASA = average wait of the answered; AHT = average talk + hold + wrap-up of the
//! answered. IVR containment = self-served / calls that ran the IVR (also by flow passed).
//! Follow-ups are counted in the period they were due: completed = no longer pending.

use std::collections::BTreeMap;

use hotline_time::{CivilDate, Zone};
use serde::Serialize;

use crate::lifecycle::Millis;
use crate::stats::{IvrStats, QueueStats, StatsRule};

/// The report's periods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Period {
    Daily,
    Weekly,
    Monthly,
}

impl Period {
    pub fn parse(s: &str) -> Option<Period> {
        match s {
            "daily" => Some(Period::Daily),
            "weekly" => Some(Period::Weekly),
            "monthly" => Some(Period::Monthly),
            _ => None,
        }
    }
}

/// One call record, as the report reads it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CallRow {
    pub started_at: Millis,
    pub queue: Option<String>,
    pub agent_id: Option<i64>,
    /// The customer's district, when the caller was identified.
    pub district_id: Option<i64>,
    pub disposition: Option<String>,
    /// Ran the IVR (its end is recorded).
    pub ivr: bool,
    pub wait_ms: Option<i64>,
    pub talk_ms: Option<i64>,
    pub hold_ms: Option<i64>,
    pub wrapup_ms: Option<i64>,
    pub survey_score: Option<i64>,
    pub reasons: Vec<String>,
    /// The flows its IVR path passed, each once (from `ivr_path`).
    pub flows: Vec<String>,
}

/// The flows an `ivr_path` (`["main/start","bills/none"]`, as stored) passed, each once, in
/// order.
pub fn flows_of_path(path: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for step in path.split('"') {
        let Some((flow, _)) = step.split_once('/') else {
            continue;
        };
        if !flow.is_empty() && !out.iter().any(|f| f == flow) {
            out.push(flow.to_string());
        }
    }
    out
}

/// One follow-up call of a ticket, as the report reads it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FollowUpRow {
    pub due_at: Millis,
    /// `pending`, `reached`, `not_reached`.
    pub status: String,
    /// The agent who made the last attempt.
    pub agent_id: Option<i64>,
    /// The ticket's district.
    pub district_id: Option<i64>,
    pub rating: Option<i64>,
}

/// Follow-up figures of one group (follow-ups due in the period).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FollowUpStats {
    pub due: i64,
    /// No longer pending: the customer reached, or every attempt made.
    pub completed: i64,
    pub reached: i64,
    /// `completed` / `due` in per cent.
    pub completion_percent: Option<f64>,
    pub ratings: i64,
    pub average_rating: Option<f64>,
}

/// One ticket, as the report reads it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TicketRow {
    pub kind: String,
    pub district_id: Option<i64>,
    pub created_at: Millis,
    pub on_site_at: Option<Millis>,
    pub replied_at: Option<Millis>,
    pub closed_at: Option<Millis>,
    /// Past a deadline when the report was made.
    pub overdue: bool,
}

/// Ticket figures of one group.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TicketStats {
    /// Created in the period.
    pub created: i64,
    /// Of those, closed (by the time of the report).
    pub closed: i64,
    /// Of those, past a deadline.
    pub overdue: i64,
    /// Average time from creation to the crew on site, of those with one.
    pub time_to_on_site_ms: Option<i64>,
    /// Average time from creation to the reply to the customer, of those with one.
    pub time_to_reply_ms: Option<i64>,
}

/// Survey figures.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SurveyStats {
    /// Answered calls.
    pub answered_calls: i64,
    /// Of those, with a survey score.
    pub responses: i64,
    pub average_score: Option<f64>,
}

/// A group's figures under its key (a queue, an agent id, a reason, a district id, an hour).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Keyed<T> {
    pub key: String,
    #[serde(flatten)]
    pub figures: T,
}

/// One period of the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeriodReport {
    /// The period's first local date (`2026-11-16`).
    pub start: String,
    pub from_ms: Millis,
    /// Exclusive.
    pub to_ms: Millis,
    pub calls: QueueStats,
    pub by_queue: Vec<Keyed<QueueStats>>,
    pub by_agent: Vec<Keyed<QueueStats>>,
    pub by_reason: Vec<Keyed<QueueStats>>,
    pub by_district: Vec<Keyed<QueueStats>>,
    /// Local hour of the call's start, `00` to `23` (every hour, zeros included).
    pub by_hour: Vec<Keyed<QueueStats>>,
    pub ivr: IvrStats,
    /// The IVR by flow passed (a call counts under every flow its path passed).
    pub ivr_by_flow: Vec<Keyed<IvrStats>>,
    pub tickets: TicketStats,
    pub tickets_by_kind: Vec<Keyed<TicketStats>>,
    pub tickets_by_district: Vec<Keyed<TicketStats>>,
    pub follow_ups: FollowUpStats,
    pub follow_ups_by_agent: Vec<Keyed<FollowUpStats>>,
    pub follow_ups_by_district: Vec<Keyed<FollowUpStats>>,
    pub survey: SurveyStats,
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub period: Period,
    pub zone: String,
    /// The range asked for, local dates, both included.
    pub from: String,
    pub to: String,
    pub periods: Vec<PeriodReport>,
}

/// How each queue's calls are judged; queues not listed use `default`.
#[derive(Debug, Clone, PartialEq)]
pub struct Rules {
    pub queues: BTreeMap<String, StatsRule>,
    pub default: StatsRule,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            queues: BTreeMap::new(),
            default: StatsRule {
                service_level_ms: 20_000,
                short_abandon_ms: 5_000,
            },
        }
    }
}

/// `2026-11-16`.
pub fn date_text(d: CivilDate) -> String {
    format!("{:04}-{:02}-{:02}", d.year, d.month, d.day)
}

/// The next local date after `d`.
fn next_day(zone: &Zone, d: CivilDate) -> CivilDate {
    // Noon of the day plus a day is always inside the next local day.
    zone.date(zone.day_start(d).saturating_add(36 * 3_600_000))
}

/// The periods covering `from..=to` (local dates): `(first date, start, end)`; the first and
/// last are clipped to the range.
pub fn periods(
    zone: &Zone,
    period: Period,
    from: CivilDate,
    to: CivilDate,
) -> Vec<(CivilDate, Millis, Millis)> {
    let mut out = Vec::new();
    let end = zone.day_start(next_day(zone, to));
    let mut d = from;
    while d <= to {
        let mut next = next_day(zone, d);
        match period {
            Period::Daily => {}
            Period::Weekly => {
                while zone.local(zone.day_start(next)).weekday != 0 && next <= to {
                    next = next_day(zone, next);
                }
            }
            Period::Monthly => {
                while next.day != 1 && next <= to {
                    next = next_day(zone, next);
                }
            }
        }
        let stop = zone.day_start(next).min(end);
        out.push((d, zone.day_start(d), stop));
        d = next;
    }
    out
}

/// Sums of one group of calls, from which its figures follow.
#[derive(Debug, Clone, Copy, Default)]
struct CallSums {
    offered: i64,
    answered: i64,
    within: i64,
    abandoned: i64,
    short: i64,
    wait: i64,
    handle: i64,
}

impl CallSums {
    fn add(&mut self, c: &CallRow, rule: StatsRule) {
        self.offered += 1;
        let wait = c.wait_ms.unwrap_or(0);
        if c.disposition.as_deref() == Some("answered") && c.agent_id.is_some() {
            self.answered += 1;
            if c.wait_ms.is_some_and(|w| w <= rule.service_level_ms) {
                self.within += 1;
            }
            self.wait += wait;
            self.handle +=
                c.talk_ms.unwrap_or(0) + c.hold_ms.unwrap_or(0) + c.wrapup_ms.unwrap_or(0);
        }
        if c.disposition.as_deref() == Some("abandoned_in_queue") {
            self.abandoned += 1;
            if c.wait_ms.is_some_and(|w| w < rule.short_abandon_ms) {
                self.short += 1;
            }
        }
    }

    fn stats(&self) -> QueueStats {
        let judged = self.answered + self.abandoned - self.short;
        QueueStats {
            offered: self.offered,
            answered: self.answered,
            answered_within_sl: self.within,
            service_level_percent: (judged > 0).then(|| self.within as f64 * 100.0 / judged as f64),
            abandoned: self.abandoned,
            short_abandoned: self.short,
            average_speed_of_answer_ms: (self.answered > 0).then(|| self.wait / self.answered),
            average_handle_ms: (self.answered > 0).then(|| self.handle / self.answered),
        }
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct TicketSums {
    created: i64,
    closed: i64,
    overdue: i64,
    on_site: (i64, i64),
    reply: (i64, i64),
}

impl TicketSums {
    fn add(&mut self, t: &TicketRow) {
        self.created += 1;
        self.closed += i64::from(t.closed_at.is_some());
        self.overdue += i64::from(t.overdue);
        if let Some(at) = t.on_site_at {
            self.on_site.0 += at.saturating_sub(t.created_at);
            self.on_site.1 += 1;
        }
        if let Some(at) = t.replied_at {
            self.reply.0 += at.saturating_sub(t.created_at);
            self.reply.1 += 1;
        }
    }
    fn stats(&self) -> TicketStats {
        TicketStats {
            created: self.created,
            closed: self.closed,
            overdue: self.overdue,
            time_to_on_site_ms: (self.on_site.1 > 0).then(|| self.on_site.0 / self.on_site.1),
            time_to_reply_ms: (self.reply.1 > 0).then(|| self.reply.0 / self.reply.1),
        }
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct IvrSums {
    calls: i64,
    self_served: i64,
    transferred: i64,
    abandoned: i64,
    unserved: i64,
}

impl IvrSums {
    fn add(&mut self, c: &CallRow) {
        self.calls += 1;
        match c.disposition.as_deref() {
            Some("self_served") => self.self_served += 1,
            Some("abandoned_in_ivr") => self.abandoned += 1,
            Some("unserved_in_ivr") => self.unserved += 1,
            _ => {}
        }
        self.transferred += i64::from(c.queue.is_some());
    }
    fn stats(&self) -> IvrStats {
        IvrStats {
            calls: self.calls,
            self_served: self.self_served,
            transferred: self.transferred,
            abandoned: self.abandoned,
            unserved: self.unserved,
            containment_percent: (self.calls > 0)
                .then(|| self.self_served as f64 * 100.0 / self.calls as f64),
        }
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct FollowUpSums {
    due: i64,
    completed: i64,
    reached: i64,
    ratings: i64,
    rating_sum: i64,
}

impl FollowUpSums {
    fn add(&mut self, f: &FollowUpRow) {
        self.due += 1;
        self.completed += i64::from(f.status != "pending");
        self.reached += i64::from(f.status == "reached");
        if let Some(r) = f.rating {
            self.ratings += 1;
            self.rating_sum += r;
        }
    }
    fn stats(&self) -> FollowUpStats {
        FollowUpStats {
            due: self.due,
            completed: self.completed,
            reached: self.reached,
            completion_percent: (self.due > 0)
                .then(|| self.completed as f64 * 100.0 / self.due as f64),
            ratings: self.ratings,
            average_rating: (self.ratings > 0)
                .then(|| self.rating_sum as f64 / self.ratings as f64),
        }
    }
}

/// One period's running sums.
#[derive(Default)]
struct Acc {
    calls: CallSums,
    by_queue: BTreeMap<String, CallSums>,
    by_agent: BTreeMap<Option<i64>, CallSums>,
    by_reason: BTreeMap<String, CallSums>,
    by_district: BTreeMap<Option<i64>, CallSums>,
    by_hour: [CallSums; 24],
    ivr: IvrSums,
    ivr_by_flow: BTreeMap<String, IvrSums>,
    tickets: TicketSums,
    tickets_by_kind: BTreeMap<String, TicketSums>,
    tickets_by_district: BTreeMap<Option<i64>, TicketSums>,
    follow_ups: FollowUpSums,
    follow_ups_by_agent: BTreeMap<Option<i64>, FollowUpSums>,
    follow_ups_by_district: BTreeMap<Option<i64>, FollowUpSums>,
    survey: (i64, i64, i64),
}

/// The sums under `key` in `m`, made on first use (the key copied only then: a report adds
/// a million rows to a few dozen groups).
fn sums<'m, S: Default>(m: &'m mut BTreeMap<String, S>, key: &str) -> Option<&'m mut S> {
    if !m.contains_key(key) {
        m.insert(key.to_string(), S::default());
    }
    m.get_mut(key)
}

fn key_of(id: Option<i64>) -> String {
    id.map_or_else(|| "none".to_string(), |i| i.to_string())
}

/// The report builder: periods fixed first, rows added one at a time (as the store streams
/// them), figures read at the end.
pub struct Builder {
    zone: Zone,
    period: Period,
    from: CivilDate,
    to: CivilDate,
    rules: Rules,
    /// `(first date, start, end)` of each period, in order.
    spans: Vec<(CivilDate, Millis, Millis)>,
    /// The start of every local day of the range and the end of the last: a call's hour is
    /// read from its day's start on 24-hour days (no time-zone lookup per row).
    days: Vec<Millis>,
    accs: Vec<Acc>,
}

impl Builder {
    pub fn new(
        zone: Zone,
        period: Period,
        from: CivilDate,
        to: CivilDate,
        rules: Rules,
    ) -> Builder {
        let spans = periods(&zone, period, from, to);
        let accs = spans.iter().map(|_| Acc::default()).collect();
        let days = periods(&zone, Period::Daily, from, to)
            .iter()
            .map(|d| d.1)
            .chain(spans.last().map(|s| s.2))
            .collect();
        Builder {
            zone,
            period,
            from,
            to,
            rules,
            spans,
            days,
            accs,
        }
    }

    /// The local hour (0–23) of `at`.
    fn hour(&self, at: Millis) -> usize {
        const HOUR: Millis = 3_600_000;
        let i = self.days.partition_point(|&d| d <= at);
        if let (Some(&start), Some(&end)) = (self.days.get(i.wrapping_sub(1)), self.days.get(i)) {
            if end - start == 24 * HOUR {
                return usize::try_from((at - start) / HOUR).unwrap_or(0);
            }
        }
        usize::from(self.zone.local(at).minute / 60)
    }

    /// The whole range, `[start, end)`.
    pub fn range(&self) -> (Millis, Millis) {
        let start = self.spans.first().map_or(0, |s| s.1);
        let end = self.spans.last().map_or(0, |s| s.2);
        (start, end)
    }

    fn slot(&mut self, at: Millis) -> Option<&mut Acc> {
        let i = self.spans.partition_point(|s| s.2 <= at);
        let span = self.spans.get(i)?;
        if at < span.1 {
            return None;
        }
        self.accs.get_mut(i)
    }

    pub fn add_call(&mut self, c: &CallRow) {
        let rule = c
            .queue
            .as_ref()
            .and_then(|q| self.rules.queues.get(q))
            .copied()
            .unwrap_or(self.rules.default);
        let hour = self.hour(c.started_at);
        let Some(acc) = self.slot(c.started_at) else {
            return;
        };
        if c.ivr {
            acc.ivr.add(c);
            for f in &c.flows {
                if let Some(s) = sums(&mut acc.ivr_by_flow, f) {
                    s.add(c);
                }
            }
        }
        if c.disposition.as_deref() == Some("answered") && c.agent_id.is_some() {
            acc.survey.0 += 1;
            if let Some(s) = c.survey_score {
                acc.survey.1 += 1;
                acc.survey.2 += s;
            }
        }
        let Some(queue) = &c.queue else {
            return;
        };
        acc.calls.add(c, rule);
        if let Some(s) = sums(&mut acc.by_queue, queue) {
            s.add(c, rule);
        }
        acc.by_agent.entry(c.agent_id).or_default().add(c, rule);
        acc.by_district
            .entry(c.district_id)
            .or_default()
            .add(c, rule);
        for r in &c.reasons {
            if let Some(s) = sums(&mut acc.by_reason, r) {
                s.add(c, rule);
            }
        }
        if let Some(h) = acc.by_hour.get_mut(hour) {
            h.add(c, rule);
        }
    }

    pub fn add_ticket(&mut self, t: &TicketRow) {
        let Some(acc) = self.slot(t.created_at) else {
            return;
        };
        acc.tickets.add(t);
        if let Some(s) = sums(&mut acc.tickets_by_kind, &t.kind) {
            s.add(t);
        }
        acc.tickets_by_district
            .entry(t.district_id)
            .or_default()
            .add(t);
    }

    pub fn add_follow_up(&mut self, f: &FollowUpRow) {
        let Some(acc) = self.slot(f.due_at) else {
            return;
        };
        acc.follow_ups.add(f);
        acc.follow_ups_by_agent
            .entry(f.agent_id)
            .or_default()
            .add(f);
        acc.follow_ups_by_district
            .entry(f.district_id)
            .or_default()
            .add(f);
    }

    pub fn finish(self) -> Report {
        fn keyed<S, T>(m: BTreeMap<String, S>, f: impl Fn(&S) -> T) -> Vec<Keyed<T>> {
            m.into_iter()
                .map(|(key, s)| Keyed {
                    key,
                    figures: f(&s),
                })
                .collect()
        }
        /// Groups by id, in the order of their keys as text (`none` for no id).
        fn by_id<S, T>(m: BTreeMap<Option<i64>, S>, f: impl Fn(&S) -> T) -> Vec<Keyed<T>> {
            let named: BTreeMap<String, S> = m.into_iter().map(|(k, s)| (key_of(k), s)).collect();
            keyed(named, f)
        }
        let periods = self
            .spans
            .iter()
            .zip(self.accs)
            .map(|(&(d, from_ms, to_ms), a)| PeriodReport {
                start: date_text(d),
                from_ms,
                to_ms,
                calls: a.calls.stats(),
                by_queue: keyed(a.by_queue, CallSums::stats),
                by_agent: by_id(a.by_agent, CallSums::stats),
                by_reason: keyed(a.by_reason, CallSums::stats),
                by_district: by_id(a.by_district, CallSums::stats),
                by_hour: a
                    .by_hour
                    .iter()
                    .enumerate()
                    .map(|(h, s)| Keyed {
                        key: format!("{h:02}"),
                        figures: s.stats(),
                    })
                    .collect(),
                ivr: a.ivr.stats(),
                ivr_by_flow: keyed(a.ivr_by_flow, IvrSums::stats),
                tickets: a.tickets.stats(),
                tickets_by_kind: keyed(a.tickets_by_kind, TicketSums::stats),
                tickets_by_district: by_id(a.tickets_by_district, TicketSums::stats),
                follow_ups: a.follow_ups.stats(),
                follow_ups_by_agent: by_id(a.follow_ups_by_agent, FollowUpSums::stats),
                follow_ups_by_district: by_id(a.follow_ups_by_district, FollowUpSums::stats),
                survey: SurveyStats {
                    answered_calls: a.survey.0,
                    responses: a.survey.1,
                    average_score: (a.survey.1 > 0).then(|| a.survey.2 as f64 / a.survey.1 as f64),
                },
            })
            .collect();
        Report {
            period: self.period,
            zone: self.zone.name().to_string(),
            from: date_text(self.from),
            to: date_text(self.to),
            periods,
        }
    }
}

pub mod csv;
#[cfg(test)]
mod tests;
