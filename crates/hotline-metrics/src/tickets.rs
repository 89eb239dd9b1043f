//! Ticket families, read from the store every few seconds: tickets created per kind (a counter
//! that survives restarts: it is counted in the store), open per kind and district, overdue per
//! district, follow-up calls due, pending and done by result, and the customers' ratings as a
//! histogram (buckets 1–5). Kinds come from the ticket policy and districts from the store's
//! district list, so the label sets are bounded; combinations that went to zero disappear.

use std::sync::Mutex;

use hotline_store::TicketFigures;
use prometheus::core::{Collector, Desc};
use prometheus::proto::{Bucket, Histogram, Metric, MetricFamily, MetricType};
use prometheus::{Error, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry};

pub(crate) struct TicketMetrics {
    created: IntCounterVec,
    open: IntGaugeVec,
    overdue: IntGaugeVec,
    due: IntGauge,
    pending: IntGauge,
    done: IntCounterVec,
    ratings: Ratings,
}

impl TicketMetrics {
    pub(crate) fn new(r: &Registry) -> Result<TicketMetrics, Error> {
        let created = IntCounterVec::new(
            Opts::new("hotline_tickets_created_total", "Tickets created, by kind."),
            &["kind"],
        )?;
        let open = IntGaugeVec::new(
            Opts::new(
                "hotline_tickets_open",
                "Tickets still being worked (accepted, dispatched, in progress, replied), by kind and district.",
            ),
            &["kind", "district"],
        )?;
        let overdue = IntGaugeVec::new(
            Opts::new(
                "hotline_tickets_overdue",
                "Tickets past a deadline (on site, reply or follow-up) with that step not done, by district.",
            ),
            &["district"],
        )?;
        let due = IntGauge::new(
            "hotline_followups_due",
            "Follow-up calls whose next attempt is due now.",
        )?;
        let pending = IntGauge::new(
            "hotline_followups_pending",
            "Follow-up calls not yet made or to be tried again.",
        )?;
        let done = IntCounterVec::new(
            Opts::new(
                "hotline_followups_done_total",
                "Follow-up calls finished, by result (reached, not_reached after the last attempt).",
            ),
            &["result"],
        )?;
        let ratings = Ratings::new()?;
        r.register(Box::new(created.clone()))?;
        r.register(Box::new(open.clone()))?;
        r.register(Box::new(overdue.clone()))?;
        r.register(Box::new(due.clone()))?;
        r.register(Box::new(pending.clone()))?;
        r.register(Box::new(done.clone()))?;
        r.register(Box::new(ratings.clone()))?;
        for result in ["reached", "not_reached"] {
            done.with_label_values(&[result]);
        }
        Ok(TicketMetrics {
            created,
            open,
            overdue,
            due,
            pending,
            done,
            ratings,
        })
    }

    pub(crate) fn sync(&self, t: &TicketFigures) {
        let n = |v: i64| u64::try_from(v).unwrap_or(0);
        for (kind, count) in &t.created {
            let c = self.created.with_label_values(&[kind.as_str()]);
            if c.get() != n(*count) {
                c.reset();
                c.inc_by(n(*count));
            }
        }
        self.open.reset();
        for (kind, district, count) in &t.open {
            self.open
                .with_label_values(&[kind.as_str(), district.as_str()])
                .set(*count);
        }
        self.overdue.reset();
        for (district, count) in &t.overdue {
            self.overdue
                .with_label_values(&[district.as_str()])
                .set(*count);
        }
        self.due.set(t.followups_due);
        let mut pending = 0;
        for (status, count) in &t.followups {
            match status.as_str() {
                "pending" => pending += count,
                "reached" | "not_reached" => {
                    let c = self.done.with_label_values(&[status.as_str()]);
                    if c.get() != n(*count) {
                        c.reset();
                        c.inc_by(n(*count));
                    }
                }
                _ => {}
            }
        }
        self.pending.set(pending);
        self.ratings.set(&t.ratings);
    }
}

/// The ratings histogram, from the store's counts (a rating is not observed as it happens: the
/// store holds every one).
#[derive(Clone)]
struct Ratings {
    desc: std::sync::Arc<Desc>,
    counts: std::sync::Arc<Mutex<[u64; 5]>>,
}

impl Ratings {
    fn new() -> Result<Ratings, Error> {
        let desc = Desc::new(
            "hotline_ticket_rating".into(),
            "Customers' ratings of how their tickets were handled (1 to 5), from the follow-up calls.".into(),
            vec![],
            Default::default(),
        )?;
        Ok(Ratings {
            desc: std::sync::Arc::new(desc),
            counts: std::sync::Arc::default(),
        })
    }

    fn set(&self, ratings: &[(i64, i64)]) {
        let mut counts = [0u64; 5];
        for (rating, n) in ratings {
            if let Some(slot) = usize::try_from(*rating - 1)
                .ok()
                .and_then(|i| counts.get_mut(i))
            {
                *slot = u64::try_from(*n).unwrap_or(0);
            }
        }
        if let Ok(mut c) = self.counts.lock() {
            *c = counts;
        }
    }
}

impl Collector for Ratings {
    fn desc(&self) -> Vec<&Desc> {
        vec![&self.desc]
    }

    fn collect(&self) -> Vec<MetricFamily> {
        let counts = self.counts.lock().map(|c| *c).unwrap_or_default();
        let mut cumulative = 0;
        let mut sum = 0.0;
        let mut buckets = Vec::with_capacity(5);
        for (i, n) in counts.iter().enumerate() {
            cumulative += n;
            sum += (i as f64 + 1.0) * *n as f64;
            let mut b = Bucket::default();
            b.set_upper_bound(i as f64 + 1.0);
            b.set_cumulative_count(cumulative);
            buckets.push(b);
        }
        let mut h = Histogram::default();
        h.set_sample_count(cumulative);
        h.set_sample_sum(sum);
        h.set_bucket(buckets);
        let mut m = Metric::default();
        m.set_histogram(h);
        let mut f = MetricFamily::default();
        f.set_name(self.desc.fq_name.clone());
        f.set_help(self.desc.help.clone());
        f.set_field_type(MetricType::HISTOGRAM);
        f.set_metric(vec![m]);
        vec![f]
    }
}
