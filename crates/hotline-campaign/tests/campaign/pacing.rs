//! Pacing: the route's attempts per second exactly at the limit over a simulated minute, the
//! concurrent-lines limit, and progressive mode's free agents × ratio with the abandoned-share
//! throttle.

use hotline_campaign::{Action, CallResult, Dialler, DoNotCall, Event, Mode, RouteLimits};

use crate::support::*;

#[test]
fn fifty_attempts_a_second_exactly_over_a_simulated_minute() {
    let t0 = monday(9, 0);
    let mut cfg = campaign(Mode::IvrOnly);
    cfg.route = RouteLimits {
        attempts_per_sec: 50,
        burst: 5,
        max_lines: 1000,
    };
    let mut s = Sim::started(cfg, targets(10_000), t0);
    s.responder = Box::new(|_, _, _| Some((3 * SEC, CallResult::Answered)));
    s.run_until(t0 + 60 * SEC);
    let times: Vec<i64> = s.dials().iter().map(|d| d.0 - t0).collect();
    assert_eq!(times.len(), 3000, "50/s × 60 s, the bucket starting empty");
    // One every 20 ms on the dot.
    assert!(times
        .iter()
        .enumerate()
        .all(|(j, t)| *t == 20 * (j as i64 + 1)));
    assert_eq!(max_in_window(&times, 1000), 50);
    for second in 1..60 {
        let n = times
            .iter()
            .filter(|t| (second * 1000..(second + 1) * 1000).contains(*t))
            .count();
        assert_eq!(n, 50, "second {second}");
    }
    assert_eq!(s.max_live, 150, "3 s calls at 50/s");
    assert_eq!(s.d.progress().dialled, 3000);
}

#[test]
fn a_shell_that_ticks_late_never_exceeds_rate_plus_burst() {
    let t0 = monday(9, 0);
    let mut cfg = campaign(Mode::IvrOnly);
    cfg.route = RouteLimits {
        attempts_per_sec: 50,
        burst: 5,
        max_lines: 1000,
    };
    let mut d = Dialler::new(cfg, targets(10_000), DoNotCall::new());
    d.handle(t0, Event::Start);
    let mut times = Vec::new();
    let mut t = t0;
    // Ticks every 7 ms, with a 400 ms stall every 10 s (the shell was busy).
    while t <= t0 + 60 * SEC {
        for (target, attempt) in dialled(&d.handle(t, Event::Tick)) {
            times.push(t - t0);
            d.handle(
                t,
                Event::AttemptEnded {
                    target,
                    attempt,
                    result: CallResult::Answered,
                    at: t,
                    promise: None,
                },
            );
        }
        t += if (t - t0) % (10 * SEC) < 7 { 400 } else { 7 };
    }
    assert!(max_in_window(&times, 1000) <= 55, "rate + burst");
    // Never ahead of the rate; behind it only by what the stalls lost over the burst (6 stalls
    // × (20 − 5) tokens): within 5 % of the limit.
    assert!(times.len() <= 3000, "{}", times.len());
    assert!(times.len() >= 3000 - 6 * 15 - 5, "{}", times.len());
}

#[test]
fn never_more_calls_than_lines() {
    let t0 = monday(9, 0);
    let mut cfg = campaign(Mode::IvrOnly);
    cfg.route.max_lines = 10;
    let mut s = Sim::started(cfg, targets(200), t0);
    let mut n = 0u64;
    s.responder = Box::new(move |_, _, _| {
        n += 1;
        Some(((n * 7919 % 30 + 1) as i64 * SEC, CallResult::Answered))
    });
    s.run_until(t0 + 10);
    assert_eq!(s.dials().len(), 10);
    s.run_until(t0 + 30 * MIN);
    assert_eq!(s.max_live, 10);
    assert_eq!(s.dials().len(), 200);
    assert_eq!(s.d.progress().remaining, 0);
}

/// Progressive: ends the oldest call under way (answered or abandoned) and returns the dials.
fn end_one(d: &mut Dialler, t: i64, result: CallResult) -> Vec<Action> {
    let (target, attempt) = d.in_progress()[0];
    d.handle(
        t,
        Event::AttemptEnded {
            target,
            attempt,
            result,
            at: t,
            promise: None,
        },
    )
}

#[test]
fn progressive_dials_free_agents_times_the_ratio() {
    let t0 = monday(9, 0);
    let mut d = Dialler::new(campaign(Mode::Progressive), targets(100), DoNotCall::new());
    d.handle(t0, Event::Start);
    assert!(
        dialled(&d.handle(t0 + 10, Event::Tick)).is_empty(),
        "no agent free"
    );
    assert_eq!(d.next_deadline(), None);
    assert_eq!(dialled(&d.handle(t0 + 10, Event::FreeAgents(3))).len(), 3);
    assert_eq!(d.next_deadline(), None, "waits for agents");
    assert_eq!(dialled(&d.handle(t0 + 20, Event::FreeAgents(5))).len(), 2);
    // One answers and takes an agent: 4 free, 4 still ringing: nothing more.
    let (target, attempt) = d.in_progress()[0];
    d.handle(t0 + 30, Event::FreeAgents(4));
    assert!(dialled(&d.handle(t0 + 30, Event::AttemptAnswered { target, attempt })).is_empty());
    // One rings out: a claim freed, one more dial.
    let (target, attempt) = d.in_progress()[1];
    let out = d.handle(
        t0 + 40,
        Event::AttemptEnded {
            target,
            attempt,
            result: CallResult::NoAnswer,
            at: t0 + 40,
            promise: None,
        },
    );
    assert_eq!(dialled(&out).len(), 1);
    // Over-dial 1.5 with 4 free agents: 6 ringing.
    let mut cfg = campaign(Mode::Progressive);
    cfg.over_dial_permille = 1500;
    let mut d = Dialler::new(cfg, targets(100), DoNotCall::new());
    d.handle(t0, Event::Start);
    assert_eq!(dialled(&d.handle(t0 + 10, Event::FreeAgents(4))).len(), 6);
    assert_eq!(d.handle(t0 + 20, Event::FreeAgents(3)), vec![]);
    assert_eq!(
        d.in_progress().len(),
        6,
        "no call is dropped when agents go"
    );
}

#[test]
fn progressive_stops_over_dialling_when_abandoned_calls_pass_three_percent() {
    let t0 = monday(9, 0);
    let mut cfg = campaign(Mode::Progressive);
    cfg.over_dial_permille = 1500;
    let mut d = Dialler::new(cfg, targets(1000), DoNotCall::new());
    d.handle(t0, Event::Start);
    d.handle(t0 + 10, Event::FreeAgents(4));
    assert_eq!(d.in_progress().len(), 6);
    let mut t = t0 + 10;
    for _ in 0..9 {
        t += 10;
        end_one(&mut d, t, CallResult::Answered);
        assert_eq!(d.in_progress().len(), 6);
    }
    t += 10;
    let out = end_one(&mut d, t, CallResult::Abandoned);
    assert!(out.contains(&Action::Throttled {
        abandoned_permille: 100,
        ratio_permille: 1000
    }));
    assert_eq!(
        d.in_progress().len(),
        5,
        "no new dial: 5 ringing, 4 allowed"
    );
    assert!(d.progress().throttled);
    assert_eq!(d.progress().abandoned_share_permille, 100);
    t += 10;
    end_one(&mut d, t, CallResult::Answered);
    assert_eq!(d.in_progress().len(), 4);
    // Answered calls dilute the share: at 63 answered calls 1000/63 = 15 ‰, half the limit.
    let mut reached = 11;
    loop {
        t += 10;
        assert!(
            d.in_progress().len() <= 4,
            "free agents × 1.0 while throttled"
        );
        let out = end_one(&mut d, t, CallResult::Answered);
        reached += 1;
        if out.contains(&Action::Unthrottled {
            ratio_permille: 1500,
        }) {
            break;
        }
        assert!(reached < 100);
    }
    assert_eq!(reached, 63);
    assert_eq!(d.in_progress().len(), 6, "over-dialling again");
    assert_eq!(d.progress().abandoned, 1);
}

#[test]
fn the_token_bucket_refills_in_exact_integers_and_caps_at_the_burst() {
    use hotline_campaign::pacing::TokenBucket;
    let mut b = TokenBucket::new(3, 2, 0);
    assert!(!b.take(0), "starts empty");
    assert_eq!(
        b.ready_at(0),
        Some(334),
        "1000 milli-tokens at 3 a ms: 334 ms"
    );
    assert!(!b.take(333));
    assert!(b.take(334));
    assert!(!b.has_token(334));
    // Idle for ten seconds: two saved up, not thirty.
    assert!(b.take(10_334) && b.take(10_334) && !b.take(10_334));
    assert_eq!(TokenBucket::new(0, 5, 0).ready_at(1_000_000), None);
    b.reset(20_000);
    assert!(!b.has_token(20_000));
}

#[test]
fn the_abandoned_share_is_over_the_last_sample() {
    use hotline_campaign::pacing::AbandonedShare;
    let mut s = AbandonedShare::new(4);
    assert_eq!(s.permille(), 0);
    s.record(true);
    assert_eq!(s.permille(), 1000);
    for _ in 0..3 {
        s.record(false);
    }
    assert_eq!(s.permille(), 250);
    s.record(false);
    assert_eq!(s.permille(), 0, "the abandoned call left the sample");
}
