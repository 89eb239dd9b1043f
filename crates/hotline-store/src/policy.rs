//! The rules the store applies that a utility sets: ticket kinds with their priorities and
//! time limits, follow-up attempts, meter reading plausibility and late fees. The binary
//! fills this from its config file; the defaults are a water utility's.

use crate::lifecycle::{Limits, Millis};
use crate::rules::{LateFeePolicy, ReadingPolicy};
use std::collections::BTreeMap;

const MIN: Millis = 60_000;
const HOUR: Millis = 60 * MIN;

/// One kind of ticket (leak, repair, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KindPolicy {
    /// Priority given when the creator names none.
    pub default_priority: Priority,
    pub limits: Limits,
    /// Whether closing a ticket of this kind schedules a follow-up call (回访).
    pub follow_up: bool,
    /// Whether a ticket of this kind the IVR opens with a known district (and an address or a
    /// customer) is dispatched at once, so that what the caller hears is true.
    pub auto_dispatch: bool,
}

/// How urgent a ticket is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Low,
    Normal,
    High,
    Urgent,
}

impl Priority {
    pub const ALL: [Priority; 4] = [
        Priority::Low,
        Priority::Normal,
        Priority::High,
        Priority::Urgent,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Normal => "normal",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        }
    }
    pub fn parse(s: &str) -> Option<Priority> {
        Priority::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// How follow-up calls are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FollowUpPolicy {
    /// Attempts before the follow-up is given up (the ticket still moves on).
    pub max_attempts: i64,
    /// Wait after a not-reached attempt before the next one is due.
    pub retry_after: Millis,
}

/// Everything the store decides by rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub kinds: BTreeMap<String, KindPolicy>,
    pub follow_up: FollowUpPolicy,
    pub reading: ReadingPolicy,
    pub late_fee: LateFeePolicy,
    /// How long a login token lasts.
    pub token_ttl: Millis,
    /// The centre's time zone: billing periods and local dates.
    pub zone: hotline_time::Zone,
    /// A missed deadline raises a ticket to escalation level 2 once this many times its own
    /// limit has passed (level 1 at the deadline).
    pub escalation_multiple: i64,
    /// The incident rule for the IVR's reports of auto-dispatched kinds (see `incidents`);
    /// `None`: every such report is dispatched.
    pub incidents: Option<crate::incidents::IncidentRule>,
}

impl Policy {
    pub fn kind(&self, name: &str) -> Option<&KindPolicy> {
        self.kinds.get(name)
    }
}

fn kind(priority: Priority, on_site: Option<Millis>, reply: Millis, follow_up: bool) -> KindPolicy {
    KindPolicy {
        default_priority: priority,
        limits: Limits {
            on_site,
            reply: Some(reply),
            follow_up: follow_up.then_some(72 * HOUR),
        },
        follow_up,
        auto_dispatch: false,
    }
}

impl Default for Policy {
    fn default() -> Self {
        let kinds = [
            (
                "leak",
                kind(Priority::Urgent, Some(45 * MIN), 24 * HOUR, true),
            ),
            (
                "repair",
                kind(Priority::High, Some(4 * HOUR), 48 * HOUR, true),
            ),
            ("complaint", kind(Priority::Normal, None, 24 * HOUR, true)),
            (
                "billing_dispute",
                kind(Priority::Normal, None, 72 * HOUR, true),
            ),
            (
                "meter",
                kind(Priority::Normal, Some(72 * HOUR), 120 * HOUR, true),
            ),
            ("inquiry", kind(Priority::Low, None, 24 * HOUR, false)),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        Policy {
            kinds,
            follow_up: FollowUpPolicy {
                max_attempts: 3,
                retry_after: 4 * HOUR,
            },
            reading: ReadingPolicy::default(),
            late_fee: LateFeePolicy::default(),
            token_ttl: 12 * HOUR,
            zone: hotline_time::Zone::default(),
            escalation_multiple: 2,
            incidents: None,
        }
    }
}
