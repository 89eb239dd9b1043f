//! The dialler's rules one at a time: retries with exact due times (and the window postponing
//! them), do-not-call at dial time, the per-customer daily limit, pause and resume, nothing
//! outside the window, done and stop, preview, progress figures.

use std::collections::BTreeMap;

use hotline_campaign::{
    Action, CallResult, CallsToday, DailyLimit, Dialler, DoNotCall, Event, Mode, PauseReason,
    Promise, SkipReason, Status, Target, TargetId, TargetState,
};

use crate::support::*;

fn ended(target: u64, attempt: u32, result: CallResult, at: i64) -> Event {
    Event::AttemptEnded {
        target: TargetId(target),
        attempt,
        result,
        at,
        promise: None,
    }
}

#[test]
fn retries_follow_the_result_with_exact_due_times_then_give_up() {
    let t0 = monday(9, 0);
    let mut s = Sim::started(campaign(Mode::IvrOnly), targets(1), t0);
    // The bucket starts empty: the first token comes after 1 ms at 1000/s.
    assert_eq!(s.d.next_deadline(), Some(t0 + 1));
    s.run_until(t0 + 1);
    assert_eq!(s.dials(), vec![(t0 + 1, TargetId(1), 1)]);
    // Busy at 09:00:30 → due at 09:10:30.
    let out = s.event(t0 + 30 * SEC, ended(1, 1, CallResult::Busy, t0 + 30 * SEC));
    let due = t0 + 30 * SEC + 10 * MIN;
    assert!(out.contains(&Action::Target {
        target: TargetId(1),
        state: TargetState::Due(due)
    }));
    assert_eq!(s.d.next_deadline(), Some(due));
    s.run_until(due - 1);
    assert_eq!(s.dials().len(), 1, "not before it is due");
    s.run_until(due);
    assert_eq!(s.dials().last(), Some(&(due, TargetId(1), 2)));
    // No answer → an hour later; attempt 3 ends with no answer → given up (3 attempts).
    s.event(due + MIN, ended(1, 2, CallResult::NoAnswer, due + MIN));
    let due3 = due + MIN + 60 * MIN;
    assert_eq!(s.d.next_deadline(), Some(due3));
    s.run_until(due3);
    assert_eq!(s.dials().last(), Some(&(due3, TargetId(1), 3)));
    let out = s.event(due3 + MIN, ended(1, 3, CallResult::NoAnswer, due3 + MIN));
    assert_eq!(
        out,
        vec![
            Action::Target {
                target: TargetId(1),
                state: TargetState::GivenUp(CallResult::NoAnswer)
            },
            Action::Done
        ]
    );
    assert_eq!(s.d.status(), Status::Done);
    assert_eq!(s.d.next_deadline(), None);
}

#[test]
fn failed_twice_gives_up_and_final_results_end_at_once() {
    let t0 = monday(9, 0);
    let mut s = Sim::started(campaign(Mode::IvrOnly), targets(3), t0);
    s.run_until(t0 + 10);
    assert_eq!(s.dials().len(), 3);
    s.event(t0 + SEC, ended(1, 1, CallResult::Failed, t0 + SEC));
    s.event(t0 + SEC, ended(2, 1, CallResult::Rejected, t0 + SEC));
    s.event(t0 + SEC, ended(3, 1, CallResult::Answered, t0 + SEC));
    assert_eq!(
        s.d.state(TargetId(2)),
        Some(&TargetState::Done(CallResult::Rejected))
    );
    assert_eq!(
        s.d.state(TargetId(3)),
        Some(&TargetState::Done(CallResult::Answered))
    );
    assert_eq!(s.d.next_deadline(), Some(t0 + SEC + 5 * MIN));
    s.run_until(t0 + SEC + 5 * MIN);
    s.event(t0 + 6 * MIN, ended(1, 2, CallResult::Failed, t0 + 6 * MIN));
    assert_eq!(
        s.d.state(TargetId(1)),
        Some(&TargetState::GivenUp(CallResult::Failed))
    );
    assert_eq!(s.d.status(), Status::Done);
}

#[test]
fn a_retry_that_falls_in_the_lunch_break_waits_for_two_oclock() {
    let t0 = monday(11, 50);
    let mut s = Sim::started(campaign(Mode::IvrOnly), targets(1), t0);
    s.run_until(t0 + 1);
    s.event(
        monday(11, 55),
        ended(1, 1, CallResult::Busy, monday(11, 55)),
    );
    assert_eq!(
        s.d.state(TargetId(1)),
        Some(&TargetState::Due(monday(12, 5)))
    );
    assert_eq!(s.d.next_deadline(), Some(monday(14, 0)));
    // Ticks over the break dial nothing.
    let mut t = monday(12, 0);
    while t < monday(14, 0) {
        assert!(s.event(t, Event::Tick).is_empty());
        t += MIN;
    }
    s.run_until(monday(14, 0));
    assert_eq!(s.dials().last(), Some(&(monday(14, 0), TargetId(1), 2)));
}

#[test]
fn nothing_is_dialled_before_the_window_opens() {
    let t0 = monday(7, 0);
    let mut s = Sim::started(campaign(Mode::IvrOnly), targets(5), t0);
    assert_eq!(s.d.next_deadline(), Some(monday(9, 0)));
    let mut t = t0;
    while t < monday(9, 0) {
        assert!(s.event(t, Event::Tick).is_empty(), "at {t}");
        t += 7 * SEC;
    }
    let out = s.event(monday(9, 0), Event::Tick);
    // The bucket filled to its burst (1000) while closed: all five at nine.
    assert_eq!(dialled(&out).len(), 5);
}

#[test]
fn do_not_call_is_checked_at_dial_time() {
    let t0 = monday(8, 0);
    let mut dnc = DoNotCall::new();
    dnc.add_number("13800000002");
    let mut s = Sim::new(Dialler::new(campaign(Mode::IvrOnly), targets(4), dnc), t0);
    s.event(t0, Event::Start);
    // Added after the list was made, before the window opens.
    s.event(t0 + MIN, Event::DoNotCallCustomer("c3".into()));
    let out = s.event(monday(9, 0), Event::Tick);
    assert_eq!(
        dialled(&out),
        vec![(TargetId(1), 1), (TargetId(4), 1)],
        "2 (number) and 3 (customer) are skipped"
    );
    assert!(out.contains(&Action::Target {
        target: TargetId(2),
        state: TargetState::Skipped(SkipReason::DoNotCall)
    }));
    // An opt-out puts the customer on the list: their other target is skipped at its turn.
    let mut cfg = campaign(Mode::IvrOnly);
    cfg.route.max_lines = 1;
    let both = vec![
        Target::new(1, "c1", "13800000001"),
        Target::new(2, "c1", "13900000001"),
    ];
    let mut s = Sim::started(cfg, both, monday(9, 0));
    s.run_until(monday(9, 0) + 10);
    assert_eq!(s.dials(), vec![(monday(9, 0) + 1, TargetId(1), 1)]);
    let out = s.event(
        monday(9, 1),
        ended(1, 1, CallResult::OptedOut, monday(9, 1)),
    );
    assert!(dialled(&out).is_empty());
    assert_eq!(
        s.d.state(TargetId(2)),
        Some(&TargetState::Skipped(SkipReason::DoNotCall))
    );
    assert_eq!(s.d.progress().opted_out, 1);
    assert_eq!(s.d.status(), Status::Done);
}

#[test]
fn the_per_customer_daily_limit_defers_to_the_next_day() {
    let t0 = monday(9, 0);
    let mut cfg = campaign(Mode::IvrOnly);
    cfg.daily_limit = DailyLimit {
        max_per_day: Some(1),
    };
    let list = vec![
        Target::new(1, "c1", "13800000001"),
        Target::new(2, "c2", "13800000002"),
        Target::new(3, "c2", "13900000002"),
    ];
    let mut s = Sim::new(Dialler::new(cfg, list, DoNotCall::new()), t0);
    // c1 was called today by another campaign.
    s.event(
        t0,
        Event::CallsToday(CallsToday {
            date: date(2026, 3, 2),
            counts: BTreeMap::from([("c1".to_string(), 1)]),
        }),
    );
    s.event(t0, Event::Start);
    s.run_until(t0 + 10);
    assert_eq!(s.dials(), vec![(t0 + 1, TargetId(2), 1)], "one call for c2");
    let tomorrow_nine = at(&shanghai(), date(2026, 3, 3), 9, 0);
    assert_eq!(
        s.d.state(TargetId(1)),
        Some(&TargetState::Due(tomorrow_nine))
    );
    assert_eq!(
        s.d.state(TargetId(3)),
        Some(&TargetState::Due(tomorrow_nine))
    );
    s.event(t0 + MIN, ended(2, 1, CallResult::Answered, t0 + MIN));
    assert_eq!(s.d.next_deadline(), Some(tomorrow_nine));
    s.run_until(tomorrow_nine);
    let next: Vec<_> = s.dials()[1..].to_vec();
    assert_eq!(
        next,
        vec![
            (tomorrow_nine, TargetId(1), 1),
            (tomorrow_nine, TargetId(3), 1)
        ]
    );
}

/// The store refuses a dial because another campaign called the customer since the counts
/// were given: the dial is undone (line, figures, attempt number) and the customer's other
/// targets wait for tomorrow too.
#[test]
fn a_dial_the_store_refuses_for_the_daily_limit_is_undone_and_waits_for_tomorrow() {
    let t0 = monday(9, 0);
    let mut cfg = campaign(Mode::IvrOnly);
    cfg.daily_limit = DailyLimit {
        max_per_day: Some(1),
    };
    cfg.route.max_lines = 1;
    let list = vec![
        Target::new(1, "c1", "13800000001"),
        Target::new(2, "c1", "13900000001"),
        Target::new(3, "c3", "13800000003"),
    ];
    let mut s = Sim::new(Dialler::new(cfg, list, DoNotCall::new()), t0);
    s.event(t0, Event::Start);
    s.run_until(t0 + 1);
    assert_eq!(s.dials(), vec![(t0 + 1, TargetId(1), 1)]);
    assert_eq!(s.d.progress().dialled, 1);
    let out = s.event(
        t0 + 2,
        Event::DailyLimitReached {
            target: TargetId(1),
            attempt: 1,
        },
    );
    let tomorrow_nine = at(&shanghai(), date(2026, 3, 3), 9, 0);
    assert_eq!(
        out.first(),
        Some(&Action::Target {
            target: TargetId(1),
            state: TargetState::Due(tomorrow_nine)
        })
    );
    // The line is free again: c3 is dialled, c1's other number is not (c1 is at the limit).
    assert_eq!(
        s.dials(),
        vec![(t0 + 1, TargetId(1), 1), (t0 + 2, TargetId(3), 1)]
    );
    assert_eq!(
        s.d.state(TargetId(2)),
        Some(&TargetState::Due(tomorrow_nine))
    );
    let p = s.d.progress();
    assert_eq!((p.dialled, p.in_progress), (1, 1), "{p:?}");
    // A second report of the same dial changes nothing.
    assert!(s
        .event(
            t0 + 3,
            Event::DailyLimitReached {
                target: TargetId(1),
                attempt: 1,
            },
        )
        .is_empty());
    // Tomorrow target 1 is dialled again as its first attempt.
    s.event(t0 + MIN, ended(3, 1, CallResult::Answered, t0 + MIN));
    s.run_until(tomorrow_nine);
    assert_eq!(s.dials()[2], (tomorrow_nine, TargetId(1), 1));
}

/// The store refuses a dial because the number went on the do-not-call list since the
/// dialler last heard: the dial is undone and the target skipped, never dialled again.
#[test]
fn a_dial_the_store_refuses_for_the_do_not_call_list_is_undone_and_skipped() {
    let t0 = monday(9, 0);
    let mut cfg = campaign(Mode::IvrOnly);
    cfg.route.max_lines = 1;
    let mut s = Sim::new(Dialler::new(cfg, targets(2), DoNotCall::new()), t0);
    s.event(t0, Event::Start);
    s.run_until(t0 + 1);
    assert_eq!(s.dials(), vec![(t0 + 1, TargetId(1), 1)]);
    let out = s.event(
        t0 + 2,
        Event::DoNotCallRefused {
            target: TargetId(1),
            attempt: 1,
        },
    );
    assert_eq!(
        out[0],
        Action::Target {
            target: TargetId(1),
            state: TargetState::Skipped(SkipReason::DoNotCall)
        }
    );
    assert_eq!(
        dialled(&out),
        vec![(TargetId(2), 1)],
        "the line is free again"
    );
    let p = s.d.progress();
    assert_eq!((p.dialled, p.skipped, p.in_progress), (1, 1, 1), "{p:?}");
}

#[test]
fn route_down_pauses_until_up_and_operator_pause_holds_over_it() {
    let t0 = monday(9, 0);
    let mut cfg = campaign(Mode::IvrOnly);
    cfg.route.max_lines = 2;
    let mut s = Sim::started(cfg, targets(10), t0);
    s.run_until(t0 + 10);
    assert_eq!(s.dials().len(), 2);
    let out = s.event(
        t0 + SEC,
        Event::RouteDown {
            reason: "503 from the trunk".into(),
        },
    );
    assert_eq!(
        out,
        vec![Action::Paused {
            reason: PauseReason::RouteDown("503 from the trunk".into())
        }]
    );
    let out = s.event(t0 + 2 * SEC, ended(1, 1, CallResult::Failed, t0 + 2 * SEC));
    assert!(dialled(&out).is_empty(), "a free line, but paused");
    assert_eq!(s.d.next_deadline(), None);
    assert!(s.event(t0 + MIN, Event::Tick).is_empty());
    s.event(t0 + MIN, Event::Pause);
    let out = s.event(t0 + 2 * MIN, Event::RouteUp);
    assert!(out.is_empty(), "still paused by the operator");
    assert_eq!(s.d.status(), Status::Paused(PauseReason::Operator));
    let out = s.event(t0 + 3 * MIN, Event::Resume);
    assert_eq!(out.first(), Some(&Action::Resumed));
    assert_eq!(dialled(&out), vec![(TargetId(3), 1)]);
}

#[test]
fn stop_ends_dialling_and_calls_under_way_still_end() {
    let t0 = monday(9, 0);
    let mut cfg = campaign(Mode::IvrOnly);
    cfg.route.max_lines = 1;
    let mut s = Sim::started(cfg, targets(3), t0);
    s.run_until(t0 + 10);
    assert_eq!(s.event(t0 + SEC, Event::Stop), vec![Action::Stopped]);
    let out = s.event(
        t0 + 2 * SEC,
        ended(1, 1, CallResult::Answered, t0 + 2 * SEC),
    );
    assert!(dialled(&out).is_empty());
    assert_eq!(s.d.progress().answered, 1);
    assert_eq!(s.d.status(), Status::Stopped);
    assert!(s.event(t0 + MIN, Event::Start).is_empty(), "no restart");
}

#[test]
fn stale_and_unknown_ends_change_nothing() {
    let t0 = monday(9, 0);
    let mut s = Sim::started(campaign(Mode::IvrOnly), targets(1), t0);
    s.run_until(t0 + 1);
    assert!(s
        .event(t0 + 2, ended(1, 2, CallResult::Busy, t0 + 2))
        .is_empty());
    assert!(s
        .event(t0 + 2, ended(9, 1, CallResult::Busy, t0 + 2))
        .is_empty());
    s.event(t0 + 3, ended(1, 1, CallResult::Busy, t0 + 3));
    assert!(
        s.event(t0 + 4, ended(1, 1, CallResult::Answered, t0 + 4))
            .is_empty(),
        "twice"
    );
    assert_eq!(
        s.d.state(TargetId(1)),
        Some(&TargetState::Due(t0 + 3 + 10 * MIN))
    );
}

#[test]
fn preview_offers_to_free_agents_and_the_agent_may_skip() {
    let t0 = monday(9, 0);
    let mut s = Sim::started(campaign(Mode::Preview), targets(3), t0);
    s.run_until(t0 + 10);
    assert!(s.dials().is_empty(), "no agent free");
    let out = s.event(t0 + 10, Event::FreeAgents(1));
    assert_eq!(
        out,
        vec![Action::Preview {
            target: TargetId(1),
            number: "13800000001".into(),
            attempt: 1
        }]
    );
    let out = s.event(
        t0 + SEC,
        Event::PreviewSkipped {
            target: TargetId(1),
            attempt: 1,
            reason: "paid at the counter".into(),
        },
    );
    assert_eq!(
        out[0],
        Action::Target {
            target: TargetId(1),
            state: TargetState::Skipped(SkipReason::Agent("paid at the counter".into()))
        }
    );
    assert_eq!(
        dialled(&out),
        vec![(TargetId(2), 1)],
        "the next one to the same agent"
    );
    assert_eq!(s.d.progress().skipped, 1);
}

/// An agent dialling lets go of the agent the offer claimed (the router counts them busy
/// now); an offer taken back is no attempt: its target is offered again when the shell says,
/// as attempt 1.
#[test]
fn preview_dialled_lets_the_agent_go_and_a_withdrawn_offer_comes_again() {
    let t0 = monday(9, 0);
    let mut s = Sim::started(campaign(Mode::Preview), targets(3), t0);
    let out = s.event(t0 + 10, Event::FreeAgents(2));
    assert_eq!(dialled(&out), vec![(TargetId(1), 1), (TargetId(2), 1)]);
    // Agent A dials target 1: the router has her on a call, one agent is free (holding
    // target 2). (Told in the other order, the dialler offers target 3 for a moment, which
    // the shell finds no agent for and takes back.)
    s.event(t0 + SEC, Event::FreeAgents(1));
    let out = s.event(
        t0 + SEC,
        Event::PreviewDialled {
            target: TargetId(1),
            attempt: 1,
        },
    );
    assert!(dialled(&out).is_empty(), "the free agent holds target 2");
    // Target 2's offer is taken back (not decided in time), due again in 10 s: target 3 is
    // offered now.
    let again = t0 + 11 * SEC;
    let out = s.event(
        t0 + SEC,
        Event::PreviewWithdrawn {
            target: TargetId(2),
            attempt: 1,
            again_at: again,
        },
    );
    assert_eq!(
        out,
        vec![
            Action::Target {
                target: TargetId(2),
                state: TargetState::Due(again)
            },
            Action::Preview {
                target: TargetId(3),
                number: "13800000003".into(),
                attempt: 1
            }
        ]
    );
    assert_eq!(
        s.d.progress().dialled,
        2,
        "targets 1 and 3; the withdrawn one not"
    );
    s.event(
        t0 + 2 * SEC,
        ended(1, 1, CallResult::Answered, t0 + 2 * SEC),
    );
    s.event(
        t0 + 3 * SEC,
        Event::PreviewSkipped {
            target: TargetId(3),
            attempt: 1,
            reason: "moved away".into(),
        },
    );
    s.run_until(again - 1);
    assert_eq!(s.dials().len(), 3, "not before it is due again");
    s.run_until(again);
    assert_eq!(
        s.dials()[3],
        (again, TargetId(2), 1),
        "offered again as attempt 1"
    );
}

#[test]
fn progress_counts_dialled_reached_promises_opt_outs_and_remaining() {
    let t0 = monday(9, 0);
    let mut s = Sim::started(campaign(Mode::IvrOnly), targets(5), t0);
    s.run_until(t0 + 10);
    let p = |fen| {
        Some(Promise {
            amount_fen: fen,
            by: Some(date(2026, 3, 10)),
        })
    };
    for (id, result, promise) in [
        (1, CallResult::Answered, p(12_345)),
        (2, CallResult::Answered, p(100_000)),
        (3, CallResult::OptedOut, None),
        (4, CallResult::Busy, None),
    ] {
        s.event(
            t0 + MIN,
            Event::AttemptEnded {
                target: TargetId(id),
                attempt: 1,
                result,
                at: t0 + MIN,
                promise,
            },
        );
    }
    let p = s.d.progress();
    assert_eq!(p.targets, 5);
    assert_eq!(p.dialled, 5);
    assert_eq!(p.in_progress, 1);
    assert_eq!(p.reached, 3);
    assert_eq!(p.answered, 2);
    assert_eq!(p.promises, 2);
    assert_eq!(p.promised_fen, 112_345);
    assert_eq!(p.opted_out, 1);
    assert_eq!(p.remaining, 2);
}
