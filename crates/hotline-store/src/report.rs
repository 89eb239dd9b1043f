//! The daily, weekly and monthly reports' arithmetic: a pure function over call and ticket
//! rows (no database, no clock), so that it is tested on its own. The store feeds it either
//! row by row (`report_rows`, the reference) or, for speed, as the sums of groups its SQL
//! aggregates (`report_sql`: by hour slot, period, agent, district, reason, IVR path, ticket
//! kind…), which the builder combines with the same arithmetic. Periods are the centre's local days, Monday-first weeks and
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

/// Sums of one group of calls, from which its figures follow (what [`Builder::add_call`]
/// adds up one call at a time, and what the store's SQL adds up per group).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CallSums {
    /// Calls that entered a queue.
    pub offered: i64,
    /// Answered (disposition `answered` with an agent).
    pub answered: i64,
    /// Answered with a wait within the queue's service level.
    pub within: i64,
    /// Abandoned in the queue.
    pub abandoned: i64,
    /// Abandoned with a wait below the queue's short-abandon time.
    pub short: i64,
    /// The answered calls' waits.
    pub wait: i64,
    /// The answered calls' talk + hold + wrap-up.
    pub handle: i64,
}

impl CallSums {
    fn merge(&mut self, o: &CallSums) {
        self.offered += o.offered;
        self.answered += o.answered;
        self.within += o.within;
        self.abandoned += o.abandoned;
        self.short += o.short;
        self.wait += o.wait;
        self.handle += o.handle;
    }

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

/// Sums of one group of tickets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TicketSums {
    pub created: i64,
    pub closed: i64,
    pub overdue: i64,
    /// Total time to on site and how many had one.
    pub on_site: (i64, i64),
    /// Total time to the reply and how many had one.
    pub reply: (i64, i64),
}

impl TicketSums {
    fn merge(&mut self, o: &TicketSums) {
        self.created += o.created;
        self.closed += o.closed;
        self.overdue += o.overdue;
        self.on_site.0 += o.on_site.0;
        self.on_site.1 += o.on_site.1;
        self.reply.0 += o.reply.0;
        self.reply.1 += o.reply.1;
    }

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

/// Sums of one group of calls that ran the IVR.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IvrSums {
    pub calls: i64,
    pub self_served: i64,
    pub transferred: i64,
    pub abandoned: i64,
    pub unserved: i64,
}

impl IvrSums {
    fn merge(&mut self, o: &IvrSums) {
        self.calls += o.calls;
        self.self_served += o.self_served;
        self.transferred += o.transferred;
        self.abandoned += o.abandoned;
        self.unserved += o.unserved;
    }

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

/// Sums of one group of follow-ups.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FollowUpSums {
    pub due: i64,
    pub completed: i64,
    pub reached: i64,
    pub ratings: i64,
    pub rating_sum: i64,
}

impl FollowUpSums {
    fn merge(&mut self, o: &FollowUpSums) {
        self.due += o.due;
        self.completed += o.completed;
        self.reached += o.reached;
        self.ratings += o.ratings;
        self.rating_sum += o.rating_sum;
    }

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

/// The length of the hour slots the store's SQL groups calls by: slot `i` of a range is
/// `[start + i·SLOT_MS, start + (i + 1)·SLOT_MS)`, counted from the range's first instant.
pub const SLOT_MS: Millis = 3_600_000;

/// What one call dimension groups by, for [`Builder::add_call_group`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallDim<'a> {
    Agent(Option<i64>),
    District(Option<i64>),
    Reason(&'a str),
}

/// Survey sums of a group of calls: answered calls, responses, the scores' total.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SurveySums {
    pub answered: i64,
    pub responses: i64,
    pub score_sum: i64,
}

/// The report builder: periods fixed first, rows added one at a time (as the store streams
/// them) or as sums of groups (as the store's SQL aggregates them), figures read at the end.
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
    /// Where each hour slot's calls go: (period, local hour) when every instant of the slot
    /// lies in the same period and local hour (always, in zones whose offsets change by
    /// whole hours on the hour); `None` otherwise.
    slots: Vec<Option<(usize, usize)>>,
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
        let mut b = Builder {
            zone,
            period,
            from,
            to,
            rules,
            spans,
            days,
            slots: Vec::new(),
            accs,
        };
        b.slots = b.place_slots();
        b
    }

    /// Each hour slot's (period, local hour), checked every quarter of an hour and at its
    /// last instant (offsets and their changes are whole quarters of an hour since 1972).
    fn place_slots(&self) -> Vec<Option<(usize, usize)>> {
        const QUARTER: Millis = SLOT_MS / 4;
        let (start, end) = self.range();
        let mut out = Vec::new();
        let mut s = start;
        while s < end {
            let e = s.saturating_add(SLOT_MS).min(end);
            let place = |at: Millis| (self.period_of(at), self.hour(at));
            let first = place(s);
            let same = (1..4)
                .map(|q| s + q * QUARTER)
                .filter(|&at| at < e)
                .chain([e - 1])
                .all(|at| place(at) == first);
            out.push(match first {
                (Some(p), h) if same => Some((p, h)),
                _ => None,
            });
            s = e;
        }
        out
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

    /// Each period's `[start, end)`, in order (the store groups rows by them).
    pub fn period_bounds(&self) -> Vec<(Millis, Millis)> {
        self.spans.iter().map(|s| (s.1, s.2)).collect()
    }

    /// How each queue's calls are judged.
    pub fn rules(&self) -> &Rules {
        &self.rules
    }

    /// The hour slots whose calls cannot be added as a group (a zone change inside the
    /// slot, not on the hour): their `[start, end)`. The store adds their calls one at a
    /// time with [`Builder::add_call_by_slot`]; [`Builder::add_slot_group`] ignores them.
    pub fn split_slots(&self) -> Vec<(Millis, Millis)> {
        let (start, end) = self.range();
        (0i64..)
            .zip(&self.slots)
            .filter(|(_, p)| p.is_none())
            .map(|(i, _)| {
                let s = start + i * SLOT_MS;
                (s, s.saturating_add(SLOT_MS).min(end))
            })
            .collect()
    }

    /// The index of the period holding `at`.
    fn period_of(&self, at: Millis) -> Option<usize> {
        let i = self.spans.partition_point(|s| s.2 <= at);
        let span = self.spans.get(i)?;
        (at >= span.1).then_some(i)
    }

    fn slot(&mut self, at: Millis) -> Option<&mut Acc> {
        let i = self.period_of(at)?;
        self.accs.get_mut(i)
    }

    pub fn add_call(&mut self, c: &CallRow) {
        self.add_call_by_slot(c);
        self.add_call_by_period(c);
    }

    /// The part of a call's figures the store groups by hour slot: the calls overall, by
    /// queue and by hour, the IVR overall and the survey.
    pub fn add_call_by_slot(&mut self, c: &CallRow) {
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
        if let Some(h) = acc.by_hour.get_mut(hour) {
            h.add(c, rule);
        }
    }

    /// The part of a call's figures the store groups by period: the IVR by flow, the calls
    /// by agent, district and reason.
    fn add_call_by_period(&mut self, c: &CallRow) {
        let rule = c
            .queue
            .as_ref()
            .and_then(|q| self.rules.queues.get(q))
            .copied()
            .unwrap_or(self.rules.default);
        let Some(acc) = self.slot(c.started_at) else {
            return;
        };
        if c.ivr {
            for f in &c.flows {
                if let Some(s) = sums(&mut acc.ivr_by_flow, f) {
                    s.add(c);
                }
            }
        }
        if c.queue.is_none() {
            return;
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
    }

    /// The sums of the calls of hour slot `slot` in `queue` (`None`: calls that entered no
    /// queue, whose call sums are not counted): `calls` counts only queued calls, `ivr`
    /// only calls that ran the IVR, `survey` only answered ones. A slot listed by
    /// [`Builder::split_slots`] is ignored.
    pub fn add_slot_group(
        &mut self,
        slot: i64,
        queue: Option<&str>,
        calls: &CallSums,
        ivr: &IvrSums,
        survey: &SurveySums,
    ) {
        let place = usize::try_from(slot)
            .ok()
            .and_then(|i| self.slots.get(i).copied().flatten());
        let Some((period, hour)) = place else {
            return;
        };
        let Some(acc) = self.accs.get_mut(period) else {
            return;
        };
        acc.ivr.merge(ivr);
        acc.survey.0 += survey.answered;
        acc.survey.1 += survey.responses;
        acc.survey.2 += survey.score_sum;
        let Some(queue) = queue else {
            return;
        };
        acc.calls.merge(calls);
        if let Some(s) = sums(&mut acc.by_queue, queue) {
            s.merge(calls);
        }
        if let Some(h) = acc.by_hour.get_mut(hour) {
            h.merge(calls);
        }
    }

    /// The sums of the queued calls of period `period` under one agent, district or reason.
    pub fn add_call_group(&mut self, period: usize, dim: CallDim<'_>, s: &CallSums) {
        let Some(acc) = self.accs.get_mut(period) else {
            return;
        };
        match dim {
            CallDim::Agent(id) => acc.by_agent.entry(id).or_default().merge(s),
            CallDim::District(id) => acc.by_district.entry(id).or_default().merge(s),
            CallDim::Reason(r) => {
                if let Some(g) = sums(&mut acc.by_reason, r) {
                    g.merge(s);
                }
            }
        }
    }

    /// The sums of the IVR calls of period `period` with the IVR path `path` (as stored):
    /// added under every flow the path passed.
    pub fn add_flow_group(&mut self, period: usize, path: &str, s: &IvrSums) {
        let Some(acc) = self.accs.get_mut(period) else {
            return;
        };
        for f in flows_of_path(path) {
            if let Some(g) = sums(&mut acc.ivr_by_flow, &f) {
                g.merge(s);
            }
        }
    }

    /// The sums of the tickets of one kind and district created in period `period`.
    pub fn add_ticket_group(
        &mut self,
        period: usize,
        kind: &str,
        district: Option<i64>,
        s: &TicketSums,
    ) {
        let Some(acc) = self.accs.get_mut(period) else {
            return;
        };
        acc.tickets.merge(s);
        if let Some(g) = sums(&mut acc.tickets_by_kind, kind) {
            g.merge(s);
        }
        acc.tickets_by_district
            .entry(district)
            .or_default()
            .merge(s);
    }

    /// The sums of the follow-ups of one agent and district due in period `period`.
    pub fn add_follow_up_group(
        &mut self,
        period: usize,
        agent: Option<i64>,
        district: Option<i64>,
        s: &FollowUpSums,
    ) {
        let Some(acc) = self.accs.get_mut(period) else {
            return;
        };
        acc.follow_ups.merge(s);
        acc.follow_ups_by_agent.entry(agent).or_default().merge(s);
        acc.follow_ups_by_district
            .entry(district)
            .or_default()
            .merge(s);
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
