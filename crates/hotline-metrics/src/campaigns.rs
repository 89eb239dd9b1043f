//! Outbound campaigns, read from the store with the ticket figures: call attempts by campaign
//! kind and result, promises to pay (how many and how much) by kind — counted in the store,
//! so they survive restarts — and the targets of each live campaign by state (a campaign
//! that stops or finishes leaves the gauge). Labels: kinds (dunning, notice, followup,
//! custom), results, target states, and the names of live campaigns; SMS campaigns' texts
//! by status (`hotline_sms_messages_total{result}`, nine statuses).

use hotline_store::CampaignFigures;
use prometheus::{Error, IntCounterVec, IntGaugeVec, Opts, Registry};

pub(crate) struct CampaignMetrics {
    attempts: IntCounterVec,
    promises: IntCounterVec,
    promised: IntCounterVec,
    targets: IntGaugeVec,
    live: IntGaugeVec,
    under_way: IntGaugeVec,
    messages: IntCounterVec,
}

/// The statuses of SMS campaigns' texts (`hotline_store::MESSAGE_STATUSES`): every one has a
/// series, 0 until a text has it.
const MESSAGE_STATUSES: [&str; 9] = hotline_store::campaigns::MESSAGE_STATUSES;

impl CampaignMetrics {
    pub(crate) fn new(r: &Registry) -> Result<CampaignMetrics, Error> {
        let attempts = IntCounterVec::new(
            Opts::new(
                "hotline_campaign_attempts_total",
                "Campaign call attempts that ended, by campaign kind and result (answered, busy, no_answer, failed, rejected, opted_out, abandoned).",
            ),
            &["kind", "result"],
        )?;
        let promises = IntCounterVec::new(
            Opts::new(
                "hotline_campaign_promises_total",
                "Promises to pay keyed by customers in campaign calls, by campaign kind.",
            ),
            &["kind"],
        )?;
        let promised = IntCounterVec::new(
            Opts::new(
                "hotline_campaign_promised_fen_total",
                "The amounts promised in campaign calls, in fen (分), by campaign kind.",
            ),
            &["kind"],
        )?;
        let targets = IntGaugeVec::new(
            Opts::new(
                "hotline_campaign_targets",
                "Targets of each running or paused campaign by state (pending, due, in_progress, done, given_up, skipped).",
            ),
            &["campaign", "kind", "state"],
        )?;
        let live = IntGaugeVec::new(
            Opts::new(
                "hotline_campaigns",
                "Campaigns running or paused now, by status.",
            ),
            &["status"],
        )?;
        let under_way = IntGaugeVec::new(
            Opts::new(
                "hotline_campaign_calls_under_way",
                "Campaign calls placed and not ended yet, by campaign kind.",
            ),
            &["kind"],
        )?;
        let messages = IntCounterVec::new(
            Opts::new(
                "hotline_sms_messages_total",
                "SMS campaigns' texts by where each stands (its last result): sending, submitted, rejected, failed (tried again as a new text), unknown (the engine stopped before the SMSC answered), delivered, expired, undeliverable, deleted.",
            ),
            &["result"],
        )?;
        r.register(Box::new(messages.clone()))?;
        r.register(Box::new(under_way.clone()))?;
        for c in [&attempts, &promises, &promised] {
            r.register(Box::new(c.clone()))?;
        }
        r.register(Box::new(targets.clone()))?;
        r.register(Box::new(live.clone()))?;
        Ok(CampaignMetrics {
            attempts,
            promises,
            promised,
            targets,
            live,
            under_way,
            messages,
        })
    }

    pub(crate) fn sync(&self, f: &CampaignFigures) {
        let n = |v: i64| u64::try_from(v).unwrap_or(0);
        for family in [&self.attempts, &self.promises, &self.promised] {
            family.reset();
        }
        self.targets.reset();
        self.live.reset();
        self.under_way.reset();
        for a in &f.attempts {
            if a.result.is_empty() {
                self.under_way
                    .with_label_values(&[a.kind.as_str()])
                    .add(a.n);
                continue;
            }
            self.attempts
                .with_label_values(&[a.kind.as_str(), a.result.as_str()])
                .inc_by(n(a.n));
        }
        for p in &f.promises {
            let kind = [p.kind.as_str()];
            // Every kind of campaign made has a series, 0 before the first call ends.
            self.under_way.with_label_values(&kind).add(0);
            self.promises.with_label_values(&kind).inc_by(n(p.promises));
            self.promised.with_label_values(&kind).inc_by(n(p.fen));
        }
        self.messages.reset();
        for status in MESSAGE_STATUSES {
            let counted = f.messages.iter().find(|(s, _)| s == status);
            self.messages
                .with_label_values(&[status])
                .inc_by(counted.map_or(0, |(_, c)| n(*c)));
        }
        for status in ["running", "paused"] {
            self.live.with_label_values(&[status]).set(0);
        }
        for c in &f.live {
            self.live.with_label_values(&[c.status.as_str()]).inc();
            for (state, count) in &c.targets {
                self.targets
                    .with_label_values(&[c.name.as_str(), c.kind.as_str(), state.as_str()])
                    .set(*count);
            }
        }
    }
}
