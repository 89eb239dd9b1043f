//! The ticket (工单) lifecycle as a pure state machine: which actions are legal in which
//! status, which milestone each one reaches, and what is due (or overdue) when. No database,
//! no clock: the store and the API pass the time in.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Unix time in milliseconds, the only time type the store uses.
pub type Millis = i64;

/// Where a ticket is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Taken in by the centre (the IVR or an agent); not yet sent anywhere.
    Accepted,
    /// Sent to the district service centre.
    Dispatched,
    /// The district's crew is on it (on site).
    InProgress,
    /// The result is reported back to the centre / the customer.
    Replied,
    /// The centre closed it; a follow-up call is due.
    Closed,
    /// The follow-up call was made (reached, or given up after the last attempt).
    FollowedUp,
    /// The customer's rating is on it; the end.
    Rated,
}

impl Status {
    pub const ALL: [Status; 7] = [
        Status::Accepted,
        Status::Dispatched,
        Status::InProgress,
        Status::Replied,
        Status::Closed,
        Status::FollowedUp,
        Status::Rated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Accepted => "accepted",
            Status::Dispatched => "dispatched",
            Status::InProgress => "in_progress",
            Status::Replied => "replied",
            Status::Closed => "closed",
            Status::FollowedUp => "followed_up",
            Status::Rated => "rated",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// Work still to do for the customer's request (a new call about it is a repeat contact).
    pub fn is_open(self) -> bool {
        matches!(
            self,
            Status::Accepted | Status::Dispatched | Status::InProgress | Status::Replied
        )
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What someone does to a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Send to the district service centre (needs a district).
    Dispatch,
    /// The district sends it back (wrong district, not theirs).
    Return,
    /// The crew starts the work, on site.
    Start,
    /// Report the result (also straight from `accepted` when no field work is needed).
    Reply,
    /// The centre does not accept the result: back to the crew.
    SendBack,
    /// Close; schedules the follow-up call.
    Close,
    /// The follow-up is done (reached, or attempts exhausted).
    FollowUp,
    /// Record the customer's rating.
    Rate,
    /// The centre takes a closed ticket back (the follow-up found the work not done): it is
    /// accepted again, its closing and follow-up undone, to be dispatched or answered anew.
    Reopen,
}

impl Action {
    pub const ALL: [Action; 9] = [
        Action::Dispatch,
        Action::Return,
        Action::Start,
        Action::Reply,
        Action::SendBack,
        Action::Close,
        Action::FollowUp,
        Action::Rate,
        Action::Reopen,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Dispatch => "dispatch",
            Action::Return => "return",
            Action::Start => "start",
            Action::Reply => "reply",
            Action::SendBack => "send_back",
            Action::Close => "close",
            Action::FollowUp => "follow_up",
            Action::Rate => "rate",
            Action::Reopen => "reopen",
        }
    }

    pub fn parse(s: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An action that the ticket's status does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("cannot {action} a ticket that is {from}")]
pub struct IllegalTransition {
    pub from: Status,
    pub action: Action,
}

/// The status `action` leads to from `from`, or why it cannot.
pub fn next(from: Status, action: Action) -> Result<Status, IllegalTransition> {
    use Action as A;
    use Status as S;
    let to = match (from, action) {
        (S::Accepted, A::Dispatch) => S::Dispatched,
        (S::Accepted, A::Reply) => S::Replied,
        (S::Dispatched, A::Return) => S::Accepted,
        (S::Dispatched, A::Start) => S::InProgress,
        (S::InProgress, A::Reply) => S::Replied,
        (S::Replied, A::SendBack) => S::InProgress,
        (S::Replied, A::Close) => S::Closed,
        (S::Closed, A::FollowUp) => S::FollowedUp,
        (S::FollowedUp, A::Rate) => S::Rated,
        (S::Closed | S::FollowedUp, A::Reopen) => S::Accepted,
        _ => return Err(IllegalTransition { from, action }),
    };
    Ok(to)
}

/// The actions the status allows now, in the order a desk offers them.
pub fn allowed(from: Status) -> Vec<Action> {
    Action::ALL
        .into_iter()
        .filter(|&a| next(from, a).is_ok())
        .collect()
}

/// The actions a district crew may take on a ticket of its district in status `from`:
/// start or return a dispatched one, reply on one in progress. The rest is the centre's.
pub fn allowed_for_crew(from: Status) -> Vec<Action> {
    allowed(from)
        .into_iter()
        .filter(|a| match a {
            Action::Start | Action::Return => true,
            Action::Reply => from == Status::InProgress,
            _ => false,
        })
        .collect()
}

/// What the note of `action` must say, when the action needs one: a reply carries the
/// result, a return or a send-back its reason, a re-opening why.
pub fn note_needed(action: Action) -> Option<&'static str> {
    match action {
        Action::Reply => Some("the result"),
        Action::Return | Action::SendBack | Action::Reopen => Some("the reason"),
        _ => None,
    }
}

/// A deadline a ticket of some kind must meet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Milestone {
    /// The crew on site (`start`), counted from creation.
    OnSite,
    /// The result reported (`reply`), counted from creation.
    Reply,
    /// The follow-up call made, counted from closing.
    FollowUp,
}

impl Milestone {
    pub const ALL: [Milestone; 3] = [Milestone::OnSite, Milestone::Reply, Milestone::FollowUp];

    pub fn as_str(self) -> &'static str {
        match self {
            Milestone::OnSite => "on_site",
            Milestone::Reply => "reply",
            Milestone::FollowUp => "follow_up",
        }
    }

    pub fn parse(s: &str) -> Option<Milestone> {
        Milestone::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

/// Time limits of one ticket kind, in milliseconds; `None` = no limit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Limits {
    pub on_site: Option<Millis>,
    pub reply: Option<Millis>,
    pub follow_up: Option<Millis>,
}

/// When a ticket reached each point of its life.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Timeline {
    pub created_at: Millis,
    pub on_site_at: Option<Millis>,
    pub replied_at: Option<Millis>,
    pub closed_at: Option<Millis>,
    pub followed_up_at: Option<Millis>,
}

impl Timeline {
    /// The milestone `action` reaches, if any.
    pub fn milestone_of(action: Action) -> Option<Milestone> {
        match action {
            Action::Start => Some(Milestone::OnSite),
            Action::Reply => Some(Milestone::Reply),
            Action::FollowUp => Some(Milestone::FollowUp),
            _ => None,
        }
    }

    /// Records that `action` happened at `at` (first time counts for milestones).
    pub fn apply(&mut self, action: Action, at: Millis) {
        let slot = match action {
            Action::Start => &mut self.on_site_at,
            Action::Reply => &mut self.replied_at,
            Action::Close => &mut self.closed_at,
            Action::FollowUp => &mut self.followed_up_at,
            _ => return,
        };
        slot.get_or_insert(at);
    }

    /// Is the milestone met? A reply without field work also settles "on site".
    pub fn reached(&self, m: Milestone) -> bool {
        match m {
            Milestone::OnSite => self.on_site_at.is_some() || self.replied_at.is_some(),
            Milestone::Reply => self.replied_at.is_some(),
            Milestone::FollowUp => self.followed_up_at.is_some(),
        }
    }

    /// When the milestone is due under `limits`, if it has a limit and its clock has started.
    pub fn due(&self, limits: &Limits, m: Milestone) -> Option<Millis> {
        match m {
            Milestone::OnSite => limits.on_site.map(|l| self.created_at + l),
            Milestone::Reply => limits.reply.map(|l| self.created_at + l),
            Milestone::FollowUp => Some(self.closed_at? + limits.follow_up?),
        }
    }

    /// The milestones missed at `now`: due before now and not reached.
    pub fn overdue(&self, limits: &Limits, now: Millis) -> Vec<Milestone> {
        Milestone::ALL
            .into_iter()
            .filter(|&m| !self.reached(m) && self.due(limits, m).is_some_and(|d| now > d))
            .collect()
    }
}

/// The escalation level at `now`: 0 while no deadline is missed, 1 once one is, 2 once one is
/// missed by `multiple` times its own limit (counted from the same start: creation, or the
/// closing for the follow-up). A `multiple` of 1 or less: never level 2.
pub fn escalation_level(t: &Timeline, limits: &Limits, now: Millis, multiple: i64) -> i64 {
    Milestone::ALL
        .into_iter()
        .filter(|&m| !t.reached(m))
        .filter_map(|m| {
            let due = t.due(limits, m)?;
            let limit = match m {
                Milestone::OnSite => limits.on_site,
                Milestone::Reply => limits.reply,
                Milestone::FollowUp => limits.follow_up,
            }?;
            let second = (due - limit).saturating_add(limit.saturating_mul(multiple));
            Some(if now <= due {
                0
            } else if multiple > 1 && now > second {
                2
            } else {
                1
            })
        })
        .max()
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: Millis = 60_000;
    const HOUR: Millis = 60 * MIN;

    #[test]
    fn every_pair_of_status_and_action_is_decided() {
        let legal = [
            (Status::Accepted, Action::Dispatch, Status::Dispatched),
            (Status::Accepted, Action::Reply, Status::Replied),
            (Status::Dispatched, Action::Return, Status::Accepted),
            (Status::Dispatched, Action::Start, Status::InProgress),
            (Status::InProgress, Action::Reply, Status::Replied),
            (Status::Replied, Action::SendBack, Status::InProgress),
            (Status::Replied, Action::Close, Status::Closed),
            (Status::Closed, Action::FollowUp, Status::FollowedUp),
            (Status::FollowedUp, Action::Rate, Status::Rated),
            (Status::Closed, Action::Reopen, Status::Accepted),
            (Status::FollowedUp, Action::Reopen, Status::Accepted),
        ];
        let mut n_legal = 0;
        for from in Status::ALL {
            for action in Action::ALL {
                let expected = legal
                    .iter()
                    .find(|(f, a, _)| *f == from && *a == action)
                    .map(|(_, _, t)| *t);
                match (next(from, action), expected) {
                    (Ok(to), Some(t)) => {
                        assert_eq!(to, t);
                        n_legal += 1;
                    }
                    (Err(e), None) => {
                        assert_eq!(e, IllegalTransition { from, action });
                        assert!(e.to_string().contains(from.as_str()));
                    }
                    (got, want) => panic!("{from} {action}: got {got:?}, want {want:?}"),
                }
            }
        }
        assert_eq!(n_legal, legal.len());
    }

    #[test]
    fn the_allowed_actions_are_the_legal_ones_and_some_need_a_note() {
        assert_eq!(
            allowed(Status::Accepted),
            vec![Action::Dispatch, Action::Reply]
        );
        assert_eq!(
            allowed(Status::Dispatched),
            vec![Action::Return, Action::Start]
        );
        assert_eq!(
            allowed(Status::Closed),
            vec![Action::FollowUp, Action::Reopen]
        );
        assert!(allowed(Status::Rated).is_empty());
        for s in Status::ALL {
            for a in allowed(s) {
                assert!(next(s, a).is_ok());
            }
        }
        assert!(note_needed(Action::Reply).is_some());
        assert!(note_needed(Action::Return).is_some());
        assert!(note_needed(Action::SendBack).is_some());
        assert!(note_needed(Action::Reopen).is_some());
        assert!(note_needed(Action::Start).is_none());
        assert!(note_needed(Action::Dispatch).is_none());
    }

    #[test]
    fn a_crew_starts_returns_and_replies_and_nothing_else() {
        assert_eq!(
            allowed_for_crew(Status::Dispatched),
            vec![Action::Return, Action::Start]
        );
        assert_eq!(allowed_for_crew(Status::InProgress), vec![Action::Reply]);
        for s in [
            Status::Accepted,
            Status::Replied,
            Status::Closed,
            Status::FollowedUp,
            Status::Rated,
        ] {
            assert!(allowed_for_crew(s).is_empty(), "{s}");
        }
    }

    #[test]
    fn rated_is_the_end_and_names_round_trip() {
        for action in Action::ALL {
            assert!(next(Status::Rated, action).is_err());
            assert_eq!(Action::parse(action.as_str()), Some(action));
        }
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
        assert_eq!(Status::parse("closed; DROP TABLE tickets"), None);
    }

    #[test]
    fn overdue_follows_a_fake_clock() {
        let leak = Limits {
            on_site: Some(45 * MIN),
            reply: Some(24 * HOUR),
            follow_up: Some(72 * HOUR),
        };
        let mut t = Timeline {
            created_at: 1_000_000,
            ..Timeline::default()
        };
        assert!(t.overdue(&leak, t.created_at + 45 * MIN).is_empty());
        assert_eq!(
            t.overdue(&leak, t.created_at + 45 * MIN + 1),
            vec![Milestone::OnSite]
        );
        t.apply(Action::Start, t.created_at + 50 * MIN);
        assert!(t.overdue(&leak, t.created_at + 2 * HOUR).is_empty());
        assert_eq!(
            t.overdue(&leak, t.created_at + 25 * HOUR),
            vec![Milestone::Reply]
        );
        t.apply(Action::Reply, t.created_at + 26 * HOUR);
        t.apply(Action::Close, t.created_at + 27 * HOUR);
        assert_eq!(
            t.due(&leak, Milestone::FollowUp),
            Some(t.created_at + 99 * HOUR)
        );
        assert!(t.overdue(&leak, t.created_at + 99 * HOUR).is_empty());
        assert_eq!(
            t.overdue(&leak, t.created_at + 100 * HOUR),
            vec![Milestone::FollowUp]
        );
        t.apply(Action::FollowUp, t.created_at + 101 * HOUR);
        assert!(t.overdue(&leak, t.created_at + 1000 * HOUR).is_empty());
    }

    #[test]
    fn a_reply_without_field_work_settles_on_site_and_no_limit_is_never_late() {
        let inquiry = Limits {
            on_site: Some(HOUR),
            reply: None,
            follow_up: None,
        };
        let mut t = Timeline::default();
        t.apply(Action::Reply, 10);
        t.apply(Action::Close, 20);
        assert!(t.overdue(&inquiry, Millis::MAX / 2).is_empty());
        assert_eq!(t.due(&inquiry, Milestone::FollowUp), None);
    }

    #[test]
    fn the_escalation_level_rises_at_the_deadline_and_at_its_multiple() {
        let leak = Limits {
            on_site: Some(45 * MIN),
            reply: Some(24 * HOUR),
            follow_up: Some(72 * HOUR),
        };
        let mut t = Timeline {
            created_at: 0,
            ..Timeline::default()
        };
        assert_eq!(escalation_level(&t, &leak, 45 * MIN, 2), 0);
        assert_eq!(escalation_level(&t, &leak, 45 * MIN + 1, 2), 1);
        assert_eq!(escalation_level(&t, &leak, 90 * MIN, 2), 1);
        assert_eq!(escalation_level(&t, &leak, 90 * MIN + 1, 2), 2);
        assert_eq!(escalation_level(&t, &leak, 90 * MIN + 1, 3), 1);
        assert_eq!(escalation_level(&t, &leak, 1000 * HOUR, 1), 1);
        // On site in time: the reply's own limit counts next.
        t.apply(Action::Start, 30 * MIN);
        assert_eq!(escalation_level(&t, &leak, 2 * HOUR, 2), 0);
        assert_eq!(escalation_level(&t, &leak, 24 * HOUR + 1, 2), 1);
        assert_eq!(escalation_level(&t, &leak, 48 * HOUR + 1, 2), 2);
        // The follow-up counts from the closing.
        t.apply(Action::Reply, 49 * HOUR);
        t.apply(Action::Close, 50 * HOUR);
        assert_eq!(escalation_level(&t, &leak, 122 * HOUR, 2), 0);
        assert_eq!(escalation_level(&t, &leak, 194 * HOUR + 1, 2), 2);
        assert_eq!(escalation_level(&t, &Limits::default(), Millis::MAX, 2), 0);
    }

    #[test]
    fn first_time_counts_for_a_milestone() {
        let mut t = Timeline::default();
        t.apply(Action::Start, 5);
        t.apply(Action::Start, 9);
        assert_eq!(t.on_site_at, Some(5));
    }
}
