//! The incident rule (issue 19, item 3), pure: leak reports arrive one at a time with their
//! district and time; the first report of a district is dispatched; a report that follows
//! within `window_ms` of the district's last one is held, linked to that first report, not
//! dispatched again; when a district's cluster reaches `threshold` reports the cluster becomes
//! an incident (every reporter in it linked, the first marked for the reward); later reports
//! join the incident. A cluster ends `window_ms` after its last report: the next report starts
//! a new one. An incident a supervisor opened by hand takes the district's reports while it
//! is open and has a dispatched ticket. Time is an input (no clock read), so a test runs an
//! outage day in microseconds.
//!
//! [`decide`] is the rule over what the store holds; the store (`store` below) asks it in the
//! IVR ticket's own transaction, from the district's reports in the database, so the answer
//! is the same after a restart and on any node. [`Incidents`] keeps the clusters in memory
//! (the rule on its own, for tests and simulations).

use std::collections::HashMap;

use crate::lifecycle::Millis;

/// When reports become an incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IncidentRule {
    /// Reports in one cluster that make an incident (at least 2).
    pub threshold: usize,
    /// A report within this of the district's last one joins its cluster.
    pub window_ms: Millis,
}

/// One report (a leak ticket opened by a caller).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Report {
    pub ticket_id: i64,
    pub district_id: i64,
    pub at: Millis,
}

/// What to do with a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// The first of its cluster: dispatch it.
    Dispatch,
    /// Within the window of the cluster started by `first`: link it there, no dispatch.
    Hold { first: i64 },
    /// This report made the cluster an incident: open it with these reporters (tickets, in
    /// order; the first is the first reporter, marked for the reward).
    OpenIncident { reporters: Vec<i64> },
    /// The district has an incident already (opened by `first`'s cluster): link it.
    Join { first: i64 },
    /// The district has an incident a supervisor opened (with a dispatched ticket): link it.
    JoinOpened { incident: i64 },
}

/// A district's cluster: its reports in order (the first dispatched), the last one's time,
/// and whether it is an incident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cluster {
    pub reporters: Vec<i64>,
    pub last: Millis,
    pub incident: bool,
}

impl IncidentRule {
    fn sane(self) -> IncidentRule {
        IncidentRule {
            threshold: self.threshold.max(2),
            window_ms: self.window_ms.max(0),
        }
    }
}

/// Decides report `r` from what is known of its district: `opened`, an open incident a
/// supervisor opened there that has a dispatched ticket; `cluster`, the district's latest
/// cluster (live or not: its last report's time says). A report earlier than the cluster's
/// last is taken as at that time.
pub fn decide(
    rule: IncidentRule,
    opened: Option<i64>,
    cluster: Option<&Cluster>,
    r: Report,
) -> Decision {
    let rule = rule.sane();
    if let Some(incident) = opened {
        return Decision::JoinOpened { incident };
    }
    let Some(c) = cluster.filter(|c| r.at.max(c.last) - c.last <= rule.window_ms) else {
        return Decision::Dispatch;
    };
    let first = c.reporters.first().copied().unwrap_or(r.ticket_id);
    if c.incident {
        return Decision::Join { first };
    }
    if c.reporters.len() + 1 >= rule.threshold {
        let mut reporters = c.reporters.clone();
        reporters.push(r.ticket_id);
        return Decision::OpenIncident { reporters };
    }
    Decision::Hold { first }
}

/// The rule with the clusters it follows.
#[derive(Debug, Clone)]
pub struct Incidents {
    rule: IncidentRule,
    clusters: HashMap<i64, Cluster>,
}

impl Incidents {
    pub fn new(rule: IncidentRule) -> Incidents {
        Incidents {
            rule: rule.sane(),
            clusters: HashMap::new(),
        }
    }

    /// Decides `r` and remembers it. Reports must come in time order per district; one
    /// earlier than its district's last is taken as at that time.
    pub fn handle(&mut self, r: Report) -> Decision {
        let d = decide(self.rule, None, self.clusters.get(&r.district_id), r);
        match &d {
            Decision::Dispatch => {
                self.clusters.insert(
                    r.district_id,
                    Cluster {
                        reporters: vec![r.ticket_id],
                        last: r.at,
                        incident: false,
                    },
                );
            }
            _ => {
                if let Some(c) = self.clusters.get_mut(&r.district_id) {
                    c.last = c.last.max(r.at);
                    c.reporters.push(r.ticket_id);
                    c.incident |= matches!(d, Decision::OpenIncident { .. });
                }
            }
        }
        d
    }

    /// Forgets clusters whose window has passed at `now` (memory stays bounded by the
    /// districts with recent reports).
    pub fn expire(&mut self, now: Millis) {
        let w = self.rule.window_ms;
        self.clusters.retain(|_, c| now - c.last <= w);
    }
}

mod carry;
mod store;
pub use store::{
    CrewReporter, CrewReports, DistrictCalls, Incident, IncidentInput, IncidentReporter,
};

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: Millis = 60_000;

    fn rule() -> Incidents {
        Incidents::new(IncidentRule {
            threshold: 5,
            window_ms: 10 * MIN,
        })
    }

    #[test]
    fn twenty_leaks_in_ten_minutes_are_one_incident_and_one_dispatch() {
        let mut r = rule();
        let t0 = 1_795_000_000_000;
        let mut decisions = Vec::new();
        for i in 0..20 {
            decisions.push(r.handle(Report {
                ticket_id: 100 + i,
                district_id: 7,
                at: t0 + i * 30_000, // 20 reports in 9.5 minutes
            }));
        }
        let dispatches = decisions
            .iter()
            .filter(|d| **d == Decision::Dispatch)
            .count();
        assert_eq!(dispatches, 1);
        assert_eq!(decisions[0], Decision::Dispatch);
        let opened: Vec<&Vec<i64>> = decisions
            .iter()
            .filter_map(|d| match d {
                Decision::OpenIncident { reporters } => Some(reporters),
                _ => None,
            })
            .collect();
        assert_eq!(opened.len(), 1, "one incident");
        assert_eq!(*opened[0], vec![100, 101, 102, 103, 104]);
        // Every reporter linked to the first report's incident: the 5 it opened with (3 held
        // before it, the first marked) and the 15 that joined after.
        let held = decisions
            .iter()
            .filter(|d| **d == Decision::Hold { first: 100 })
            .count();
        let joined = decisions
            .iter()
            .filter(|d| **d == Decision::Join { first: 100 })
            .count();
        assert_eq!((held, joined), (3, 15));
        assert_eq!(opened[0].len() + joined, 20);
        assert_eq!(opened[0].first(), Some(&100));
    }

    #[test]
    fn districts_and_windows_are_apart() {
        let mut r = rule();
        let t0 = 1_000_000;
        assert_eq!(
            r.handle(Report {
                ticket_id: 1,
                district_id: 1,
                at: t0
            }),
            Decision::Dispatch
        );
        assert_eq!(
            r.handle(Report {
                ticket_id: 2,
                district_id: 2,
                at: t0
            }),
            Decision::Dispatch
        );
        assert_eq!(
            r.handle(Report {
                ticket_id: 3,
                district_id: 1,
                at: t0 + 10 * MIN
            }),
            Decision::Hold { first: 1 },
            "within the window (inclusive)"
        );
        // The window runs from the last report: 10 minutes after report 3 is still in it.
        assert_eq!(
            r.handle(Report {
                ticket_id: 4,
                district_id: 1,
                at: t0 + 20 * MIN
            }),
            Decision::Hold { first: 1 }
        );
        // 10 minutes and 1 ms of quiet: a new cluster, dispatched.
        assert_eq!(
            r.handle(Report {
                ticket_id: 5,
                district_id: 1,
                at: t0 + 30 * MIN + 1
            }),
            Decision::Dispatch
        );
        r.expire(t0 + 41 * MIN);
        assert!(r.clusters.is_empty());
        // A threshold below 2 is taken as 2: a single report is never an incident.
        let mut low = Incidents::new(IncidentRule {
            threshold: 0,
            window_ms: MIN,
        });
        assert_eq!(
            low.handle(Report {
                ticket_id: 9,
                district_id: 1,
                at: 0
            }),
            Decision::Dispatch
        );
        assert_eq!(
            low.handle(Report {
                ticket_id: 10,
                district_id: 1,
                at: 1
            }),
            Decision::OpenIncident {
                reporters: vec![9, 10]
            }
        );
    }
}
