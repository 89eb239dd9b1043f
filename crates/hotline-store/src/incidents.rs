//! The incident rule (issue 19, item 3), pure: leak reports arrive one at a time with their
//! district and time; the first report of a district is dispatched; a report that follows
//! within `window_ms` of the district's last one is held, linked to that first report, not
//! dispatched again; when a district's cluster reaches `threshold` reports the cluster becomes
//! an incident (every reporter in it linked, the first marked for the reward); later reports
//! join the incident. A cluster ends `window_ms` after its last report: the next report starts
//! a new one. Time is an input (no clock read), so a test runs an outage day in microseconds.
//!
//! Not wired yet: the store's IVR ticket creation still dispatches every leak with a district
//! (`auto_dispatch`); this rule is what it is to ask.

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
}

#[derive(Debug, Clone)]
struct Cluster {
    reporters: Vec<i64>,
    last: Millis,
    incident: bool,
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
            rule: IncidentRule {
                threshold: rule.threshold.max(2),
                window_ms: rule.window_ms.max(0),
            },
            clusters: HashMap::new(),
        }
    }

    /// Decides `r` and remembers it. Reports must come in time order per district; one
    /// earlier than its district's last is taken as at that time.
    pub fn handle(&mut self, r: Report) -> Decision {
        let rule = self.rule;
        let live = self
            .clusters
            .get(&r.district_id)
            .is_some_and(|c| r.at.max(c.last) - c.last <= rule.window_ms);
        let Some(c) = self.clusters.get_mut(&r.district_id).filter(|_| live) else {
            self.clusters.insert(
                r.district_id,
                Cluster {
                    reporters: vec![r.ticket_id],
                    last: r.at,
                    incident: false,
                },
            );
            return Decision::Dispatch;
        };
        c.last = c.last.max(r.at);
        c.reporters.push(r.ticket_id);
        let first = c.reporters.first().copied().unwrap_or(r.ticket_id);
        if c.incident {
            return Decision::Join { first };
        }
        if c.reporters.len() >= rule.threshold {
            c.incident = true;
            return Decision::OpenIncident {
                reporters: c.reporters.clone(),
            };
        }
        Decision::Hold { first }
    }

    /// Forgets clusters whose window has passed at `now` (memory stays bounded by the
    /// districts with recent reports).
    pub fn expire(&mut self, now: Millis) {
        let w = self.rule.window_ms;
        self.clusters.retain(|_, c| now - c.last <= w);
    }
}

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
