//! SMS receipts: an accepted text's target stays open to its receipt for the wait; a receipt
//! saying it was not delivered re-judges the attempt by the retry rules; the campaign is done
//! only once no receipt is awaited; a restore waits again for the receipts still to come.

use hotline_campaign::{
    Action, Attempt, CallResult, Dialler, DoNotCall, Event, Mode, Status, StoredTarget, TargetId,
    TargetState,
};

use crate::support::*;

fn sms(wait: Option<i64>) -> hotline_campaign::Campaign {
    let mut c = campaign(Mode::IvrOnly);
    c.receipt_wait = wait;
    c
}

fn accepted(target: u64, attempt: u32, at: i64) -> Event {
    Event::AttemptEnded {
        target: TargetId(target),
        attempt,
        result: CallResult::Answered,
        at,
        promise: None,
    }
}

fn undelivered(target: u64, attempt: u32, at: i64) -> Event {
    Event::ReceiptFailed {
        target: TargetId(target),
        attempt,
        result: CallResult::Failed,
        at,
    }
}

#[test]
fn an_undelivered_text_is_sent_again_by_the_failed_rule_then_given_up() {
    let t0 = monday(9, 0);
    let mut s = Sim::started(sms(Some(60 * MIN)), targets(2), t0);
    s.run_until(t0 + 10);
    assert_eq!(s.dials().len(), 2);
    s.event(t0 + SEC, accepted(1, 1, t0 + SEC));
    s.event(t0 + SEC, accepted(2, 1, t0 + SEC));
    assert_eq!(s.d.progress().answered, 2);
    assert_eq!(s.d.awaiting_receipts(), 2);
    // Target 2's text was delivered; target 1's was not: due again 5 min after the receipt.
    s.event(
        t0 + 2 * SEC,
        Event::ReceiptFinal {
            target: TargetId(2),
            attempt: 1,
        },
    );
    let out = s.event(t0 + 30 * SEC, undelivered(1, 1, t0 + 30 * SEC));
    let due = t0 + 30 * SEC + 5 * MIN;
    assert_eq!(
        out,
        vec![Action::Target {
            target: TargetId(1),
            state: TargetState::Due(due)
        }]
    );
    let p = s.d.progress();
    assert_eq!((p.answered, p.reached, p.remaining), (1, 1, 1), "{p:?}");
    assert_eq!(s.d.awaiting_receipts(), 0);
    assert_eq!(s.d.next_deadline(), Some(due));
    s.run_until(due);
    assert_eq!(s.dials().last(), Some(&(due, TargetId(1), 2)));
    // The second text is accepted, then undeliverable too: given up (2 attempts), and done.
    s.event(due + SEC, accepted(1, 2, due + SEC));
    assert_eq!(s.d.status(), Status::Running, "its receipt is awaited");
    let out = s.event(due + 9 * SEC, undelivered(1, 2, due + 9 * SEC));
    assert_eq!(
        out,
        vec![
            Action::Target {
                target: TargetId(1),
                state: TargetState::GivenUp(CallResult::Failed)
            },
            Action::Done
        ]
    );
    let p = s.d.progress();
    assert_eq!((p.answered, p.given_up, p.remaining), (1, 1, 0), "{p:?}");
}

#[test]
fn the_campaign_is_done_when_the_last_receipt_wait_ends_and_later_receipts_change_nothing() {
    let t0 = monday(9, 0);
    let mut s = Sim::started(sms(Some(10 * MIN)), targets(1), t0);
    s.run_until(t0 + 10);
    let out = s.event(t0 + SEC, accepted(1, 1, t0 + SEC));
    assert!(
        !out.contains(&Action::Done),
        "the receipt is awaited: {out:?}"
    );
    assert_eq!(s.d.next_deadline(), Some(t0 + SEC + 10 * MIN));
    assert!(s.event(t0 + SEC + 10 * MIN - 1, Event::Tick).is_empty());
    assert_eq!(
        s.event(t0 + SEC + 10 * MIN, Event::Tick),
        vec![Action::Done]
    );
    assert_eq!(s.d.next_deadline(), None);
    // A receipt after the campaign is done: nothing.
    assert!(s.event(t0 + HOUR, undelivered(1, 1, t0 + HOUR)).is_empty());
    assert_eq!(
        s.d.state(TargetId(1)),
        Some(&TargetState::Done(CallResult::Answered))
    );
}

#[test]
fn without_a_wait_an_accepted_text_is_final_and_stale_receipts_change_nothing() {
    let t0 = monday(9, 0);
    let mut s = Sim::started(sms(None), targets(2), t0);
    s.run_until(t0 + 10);
    s.event(t0 + SEC, accepted(1, 1, t0 + SEC));
    assert_eq!(s.d.awaiting_receipts(), 0);
    // A receipt for an attempt that is not the target's last, or for a target not answered,
    // or for one that is unknown: nothing.
    let busy = Event::AttemptEnded {
        target: TargetId(2),
        attempt: 1,
        result: CallResult::Busy,
        at: t0 + SEC,
        promise: None,
    };
    s.event(t0 + SEC, busy);
    assert!(s
        .event(t0 + 2 * SEC, undelivered(1, 2, t0 + 2 * SEC))
        .is_empty());
    assert!(s
        .event(t0 + 2 * SEC, undelivered(2, 1, t0 + 2 * SEC))
        .is_empty());
    assert!(s
        .event(t0 + 2 * SEC, undelivered(9, 1, t0 + 2 * SEC))
        .is_empty());
    // Without a wait, an undelivered receipt still counts while the campaign runs.
    let out = s.event(t0 + 3 * SEC, undelivered(1, 1, t0 + 3 * SEC));
    assert_eq!(
        out,
        vec![Action::Target {
            target: TargetId(1),
            state: TargetState::Due(t0 + 3 * SEC + 5 * MIN)
        }]
    );
}

#[test]
fn a_restore_waits_for_the_receipts_still_to_come_and_not_for_old_ones() {
    let t0 = monday(9, 0);
    let att = |attempt, at| Attempt {
        attempt,
        dialled_at: at,
        ended: Some((at, CallResult::Answered)),
        promise: None,
    };
    let stored = targets(2)
        .into_iter()
        .zip([t0 - 2 * HOUR, t0 - 5 * MIN])
        .map(|(target, at)| StoredTarget {
            target,
            attempts: vec![att(1, at)],
            skipped: None,
        })
        .collect();
    let mut d = Dialler::restore(sms(Some(HOUR)), stored, DoNotCall::new());
    assert!(d.handle(t0, Event::Start).is_empty());
    // Target 1's wait ended long ago; target 2's ends 55 min from now.
    assert_eq!(d.awaiting_receipts(), 1);
    assert_eq!(d.next_deadline(), Some(t0 + 55 * MIN));
    assert_eq!(
        d.handle(t0 + MIN, undelivered(2, 1, t0 + MIN)),
        vec![Action::Target {
            target: TargetId(2),
            state: TargetState::Due(t0 + 6 * MIN)
        }]
    );
}
