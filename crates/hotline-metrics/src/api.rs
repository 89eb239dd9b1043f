//! HTTP API families: login attempts by outcome (checked and right, checked and wrong,
//! refused by the login throttle without a check) and the accounts and addresses that must
//! wait now; read from the API's own counts at scrape time.

use prometheus::{Error, IntCounter, IntCounterVec, IntGaugeVec, Opts, Registry};

/// What the HTTP API counted of logins (cumulative since the start, and waiting now).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoginCounts {
    pub succeeded: u64,
    pub failed: u64,
    pub throttled: u64,
    pub waiting_accounts: u64,
    pub waiting_addresses: u64,
}

/// The `outcome` label values of `hotline_api_logins_total`.
pub const LOGIN_OUTCOMES: [&str; 3] = ["succeeded", "failed", "throttled"];

pub(crate) struct ApiMetrics {
    logins: IntCounterVec,
    waiting: IntGaugeVec,
}

fn set(c: &IntCounter, v: u64) {
    if c.get() != v {
        c.reset();
        c.inc_by(v);
    }
}

impl ApiMetrics {
    pub(crate) fn new(r: &Registry) -> Result<ApiMetrics, Error> {
        let logins = IntCounterVec::new(
            Opts::new(
                "hotline_api_logins_total",
                "Logins to the HTTP API by outcome: succeeded, failed (wrong login or password), throttled (refused unchecked after repeated failures, answered 429).",
            ),
            &["outcome"],
        )?;
        r.register(Box::new(logins.clone()))?;
        let waiting = IntGaugeVec::new(
            Opts::new(
                "hotline_api_login_waiting",
                "Accounts and client addresses whose next login must wait now after repeated failures, by key (account, address).",
            ),
            &["key"],
        )?;
        r.register(Box::new(waiting.clone()))?;
        for o in LOGIN_OUTCOMES {
            logins.with_label_values(&[o]);
        }
        for k in ["account", "address"] {
            waiting.with_label_values(&[k]);
        }
        Ok(ApiMetrics { logins, waiting })
    }

    pub(crate) fn sync_logins(&self, c: &LoginCounts) {
        let counts = [c.succeeded, c.failed, c.throttled];
        for (outcome, n) in LOGIN_OUTCOMES.iter().zip(counts) {
            set(&self.logins.with_label_values(&[*outcome]), n);
        }
        let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        self.waiting
            .with_label_values(&["account"])
            .set(n(c.waiting_accounts));
        self.waiting
            .with_label_values(&["address"])
            .set(n(c.waiting_addresses));
    }
}
