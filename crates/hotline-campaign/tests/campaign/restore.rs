//! A restart: the dialler rebuilt from the stored targets and attempts dials nothing twice
//! (no attempt number reused), keeps retry due times, leaves unfinished attempts under way
//! until the shell ends them, keeps skips, and restores the progress figures.

use std::collections::{BTreeMap, BTreeSet};

use hotline_campaign::{
    Attempt, CallResult, Dialler, DoNotCall, Event, Mode, SkipReason, StoredTarget, Target,
    TargetId, TargetState,
};

use crate::support::*;

/// The store as the shell would keep it: every dial is an attempt, every end its result.
fn stored(
    list: &[Target],
    dials: &[(i64, TargetId, u32)],
    ended: &[(i64, TargetId, u32, CallResult)],
) -> Vec<StoredTarget> {
    let mut attempts: BTreeMap<TargetId, Vec<Attempt>> = BTreeMap::new();
    for (t, target, attempt) in dials {
        let end = ended
            .iter()
            .find(|e| e.1 == *target && e.2 == *attempt)
            .map(|e| (e.0, e.3));
        attempts.entry(*target).or_default().push(Attempt {
            attempt: *attempt,
            dialled_at: *t,
            ended: end,
            promise: None,
        });
    }
    list.iter()
        .map(|t| StoredTarget {
            target: t.clone(),
            // Stored newest first: restore sorts them.
            attempts: attempts
                .remove(&t.id)
                .unwrap_or_default()
                .into_iter()
                .rev()
                .collect(),
            skipped: None,
        })
        .collect()
}

fn result_for(target: TargetId, attempt: u32) -> (i64, CallResult) {
    let r = match (target.0 * 31 + u64::from(attempt) * 7) % 5 {
        0 => CallResult::Busy,
        1 => CallResult::NoAnswer,
        2 => CallResult::Failed,
        _ => CallResult::Answered,
    };
    (((target.0 % 7) as i64 + 2) * SEC, r)
}

#[test]
fn a_restart_mid_campaign_dials_no_attempt_twice() {
    let t0 = monday(9, 0);
    let list = targets(60);
    let mut cfg = campaign(Mode::IvrOnly);
    cfg.route.max_lines = 8;
    cfg.route.attempts_per_sec = 5;
    cfg.route.burst = 1;
    let mut s = Sim::started(cfg.clone(), list.clone(), t0);
    s.responder = Box::new(|t, a, _| Some(result_for(t, a)));
    // Crash at the first second after ten minutes (the busy retries) with calls under way.
    let mut crash = t0 + 10 * MIN;
    s.run_until(crash);
    while s.live == 0 {
        crash += SEC;
        s.run_until(crash);
        assert!(crash < t0 + 60 * MIN);
    }
    let before = s.dials();
    let unfinished: BTreeSet<(TargetId, u32)> = before
        .iter()
        .map(|d| (d.1, d.2))
        .filter(|(t, a)| !s.ended.iter().any(|e| e.1 == *t && e.2 == *a))
        .collect();
    assert!(!unfinished.is_empty(), "the crash hits calls under way");
    assert!(before.len() > 60, "retries happened before the crash");

    let restored = Dialler::restore(cfg, stored(&list, &before, &s.ended), DoNotCall::new());
    assert_eq!(restored.progress().dialled as usize, before.len());
    assert_eq!(
        restored.in_progress().into_iter().collect::<BTreeSet<_>>(),
        unfinished
    );
    let restart = crash + 30 * SEC;
    let mut s2 = Sim::new(restored, restart);
    s2.responder = Box::new(|t, a, _| Some(result_for(t, a)));
    s2.event(restart, Event::Start);
    // The calls that were under way are gone with the old process: the shell ends them.
    for (target, attempt) in &unfinished {
        s2.event(
            restart,
            Event::AttemptEnded {
                target: *target,
                attempt: *attempt,
                result: CallResult::Failed,
                at: restart,
                promise: None,
            },
        );
    }
    s2.run_until(restart + 10 * 60 * MIN);
    let after = s2.dials();
    let mut seen = BTreeSet::new();
    for (_, target, attempt) in before.iter().chain(after.iter()) {
        assert!(
            seen.insert((*target, *attempt)),
            "{target} attempt {attempt} twice"
        );
    }
    // Attempt numbers run 1, 2, 3 … per target without gaps.
    for t in &list {
        let n = seen.iter().filter(|(id, _)| *id == t.id).count() as u32;
        assert!((1..=n).all(|a| seen.contains(&(t.id, a))), "{}", t.id);
        assert!(s2.d.state(t.id).unwrap().is_final(), "{}", t.id);
    }
    assert_eq!(s2.d.progress().dialled as usize, before.len() + after.len());
}

#[test]
fn restore_keeps_due_times_unfinished_attempts_and_skips() {
    let t0 = monday(9, 0);
    let list = targets(4);
    let att = |attempt, ended| Attempt {
        attempt,
        dialled_at: t0,
        ended,
        promise: None,
    };
    let stored = vec![
        StoredTarget {
            target: list[0].clone(),
            attempts: vec![att(1, Some((t0 + MIN, CallResult::Busy)))],
            skipped: None,
        },
        StoredTarget {
            target: list[1].clone(),
            attempts: vec![att(1, Some((t0 + MIN, CallResult::NoAnswer))), att(2, None)],
            skipped: None,
        },
        StoredTarget {
            target: list[2].clone(),
            attempts: vec![],
            skipped: Some(SkipReason::DoNotCall),
        },
        StoredTarget {
            target: list[3].clone(),
            attempts: vec![att(1, Some((t0 + MIN, CallResult::Answered)))],
            skipped: None,
        },
    ];
    let mut d = Dialler::restore(campaign(Mode::IvrOnly), stored, DoNotCall::new());
    assert_eq!(d.state(TargetId(1)), Some(&TargetState::Due(t0 + 11 * MIN)));
    assert_eq!(
        d.state(TargetId(2)),
        Some(&TargetState::InProgress { attempt: 2 })
    );
    assert_eq!(
        d.state(TargetId(3)),
        Some(&TargetState::Skipped(SkipReason::DoNotCall))
    );
    let p = d.progress();
    assert_eq!(
        (p.dialled, p.in_progress, p.remaining, p.answered),
        (4, 1, 2, 1)
    );
    let now = t0 + 2 * MIN;
    d.handle(now, Event::Start);
    assert_eq!(d.next_deadline(), Some(t0 + 11 * MIN));
    let out = d.handle(t0 + 11 * MIN, Event::Tick);
    assert_eq!(
        dialled(&out),
        vec![(TargetId(1), 2)],
        "not target 2: under way"
    );
    let out = d.handle(
        t0 + 12 * MIN,
        Event::AttemptEnded {
            target: TargetId(2),
            attempt: 2,
            result: CallResult::Busy,
            at: t0 + 12 * MIN,
            promise: None,
        },
    );
    assert!(dialled(&out).is_empty());
    assert_eq!(d.state(TargetId(2)), Some(&TargetState::Due(t0 + 22 * MIN)));
    let out = d.handle(t0 + 22 * MIN, Event::Tick);
    assert_eq!(dialled(&out), vec![(TargetId(2), 3)]);
}
