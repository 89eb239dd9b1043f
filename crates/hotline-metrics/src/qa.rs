//! Quality assessment, read from the store with the ticket figures: evaluations counted per
//! team (passed, with a critical item failed), disputes open per team, the scores as a
//! histogram per team (percent; Grafana's mean over a window is the rate of the sum over the
//! rate of the count), and the work list's backlog. Labels are teams, never agents: teams come
//! from the agents' configuration, so the label set is bounded. Counted in the store, so the
//! counters survive restarts; a team with no evaluations left disappears.

use std::sync::{Arc, Mutex};

use hotline_store::qa::SCORE_BUCKETS;
use hotline_store::QaFigures;
use prometheus::core::{Collector, Desc};
use prometheus::proto::{Bucket, Histogram, LabelPair, Metric, MetricFamily, MetricType};
use prometheus::{Error, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry};

pub(crate) struct QaMetrics {
    evaluations: IntCounterVec,
    passed: IntCounterVec,
    critical: IntCounterVec,
    disputes: IntGaugeVec,
    pending: IntGauge,
    scores: Scores,
}

impl QaMetrics {
    pub(crate) fn new(r: &Registry) -> Result<QaMetrics, Error> {
        let counter = |name: &str, help: &str| IntCounterVec::new(Opts::new(name, help), &["team"]);
        let evaluations = counter(
            "hotline_qa_evaluations_total",
            "Calls evaluated against a QA form (the counted evaluation of each call; calibration ones left out), by the agent's team.",
        )?;
        let passed = counter(
            "hotline_qa_passed_total",
            "Evaluations at or above their form's pass mark with no critical item failed, by team.",
        )?;
        let critical = counter(
            "hotline_qa_critical_failures_total",
            "Evaluations that failed a critical item (such as the staff number not announced), by team.",
        )?;
        let disputes = IntGaugeVec::new(
            Opts::new(
                "hotline_qa_disputes_open",
                "Evaluations the agent disputed that are not resolved yet, by team.",
            ),
            &["team"],
        )?;
        let pending = IntGauge::new(
            "hotline_qa_work_pending",
            "Calls drawn for the evaluators' weekly work lists that nobody has evaluated yet.",
        )?;
        let scores = Scores::new()?;
        r.register(Box::new(evaluations.clone()))?;
        r.register(Box::new(passed.clone()))?;
        r.register(Box::new(critical.clone()))?;
        r.register(Box::new(disputes.clone()))?;
        r.register(Box::new(pending.clone()))?;
        r.register(Box::new(scores.clone()))?;
        Ok(QaMetrics {
            evaluations,
            passed,
            critical,
            disputes,
            pending,
            scores,
        })
    }

    pub(crate) fn sync(&self, f: &QaFigures) {
        let n = |v: i64| u64::try_from(v).unwrap_or(0);
        for family in [&self.evaluations, &self.passed, &self.critical] {
            family.reset();
        }
        self.disputes.reset();
        for t in &f.teams {
            let team = [t.team.as_str()];
            self.evaluations
                .with_label_values(&team)
                .inc_by(n(t.evaluations));
            self.passed.with_label_values(&team).inc_by(n(t.passed));
            self.critical
                .with_label_values(&team)
                .inc_by(n(t.critical_failed));
            self.disputes.with_label_values(&team).set(t.disputes_open);
        }
        self.pending.set(f.work_pending);
        self.scores.set(f);
    }
}

/// One team's histogram: (team, cumulative counts per bucket, count, sum of percents).
type TeamScores = (String, Vec<u64>, u64, f64);

/// The score histograms per team, from the store's counts.
#[derive(Clone)]
struct Scores {
    desc: Arc<Desc>,
    teams: Arc<Mutex<Vec<TeamScores>>>,
}

impl Scores {
    fn new() -> Result<Scores, Error> {
        let desc = Desc::new(
            "hotline_qa_score_percent".into(),
            "Scores of counted QA evaluations (percent of the form's points; 0 when a critical item failed), by team.".into(),
            vec!["team".into()],
            Default::default(),
        )?;
        Ok(Scores {
            desc: Arc::new(desc),
            teams: Arc::default(),
        })
    }

    fn set(&self, f: &QaFigures) {
        let n = |v: i64| u64::try_from(v).unwrap_or(0);
        let teams = f
            .teams
            .iter()
            .map(|t| {
                (
                    t.team.clone(),
                    t.buckets.iter().map(|b| n(*b)).collect(),
                    n(t.evaluations),
                    t.score_tenths_sum as f64 / 10.0,
                )
            })
            .collect();
        if let Ok(mut held) = self.teams.lock() {
            *held = teams;
        }
    }
}

impl Collector for Scores {
    fn desc(&self) -> Vec<&Desc> {
        vec![&self.desc]
    }

    fn collect(&self) -> Vec<MetricFamily> {
        let teams = self.teams.lock().map(|t| t.clone()).unwrap_or_default();
        let metrics = teams
            .into_iter()
            .map(|(team, counts, count, sum)| {
                let buckets = SCORE_BUCKETS
                    .iter()
                    .zip(counts)
                    .map(|(bound, cumulative)| {
                        let mut b = Bucket::default();
                        b.set_upper_bound(*bound as f64);
                        b.set_cumulative_count(cumulative);
                        b
                    })
                    .collect();
                let mut h = Histogram::default();
                h.set_sample_count(count);
                h.set_sample_sum(sum);
                h.set_bucket(buckets);
                let mut label = LabelPair::default();
                label.set_name("team".into());
                label.set_value(team);
                let mut m = Metric::default();
                m.set_label(vec![label]);
                m.set_histogram(h);
                m
            })
            .collect();
        let mut f = MetricFamily::default();
        f.set_name(self.desc.fq_name.clone());
        f.set_help(self.desc.help.clone());
        f.set_field_type(MetricType::HISTOGRAM);
        f.set_metric(metrics);
        vec![f]
    }
}
