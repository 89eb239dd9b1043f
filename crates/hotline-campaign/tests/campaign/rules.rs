//! Retry rules, the do-not-call list and the per-customer daily count.

use std::collections::BTreeMap;

use hotline_campaign::{CallResult, CallsToday, DailyLimit, DoNotCall, RetryOutcome, RetryRules};

use crate::support::*;

#[test]
fn default_retries_per_result_with_exact_due_times() {
    let r = RetryRules::default();
    let t = 1_000_000;
    assert_eq!(
        r.after(CallResult::Busy, 1, t),
        RetryOutcome::RetryAt(t + 10 * MIN)
    );
    assert_eq!(
        r.after(CallResult::Busy, 2, t),
        RetryOutcome::RetryAt(t + 10 * MIN)
    );
    assert_eq!(r.after(CallResult::Busy, 3, t), RetryOutcome::GiveUp);
    assert_eq!(
        r.after(CallResult::NoAnswer, 2, t),
        RetryOutcome::RetryAt(t + 60 * MIN)
    );
    assert_eq!(r.after(CallResult::NoAnswer, 3, t), RetryOutcome::GiveUp);
    assert_eq!(
        r.after(CallResult::Failed, 1, t),
        RetryOutcome::RetryAt(t + 5 * MIN)
    );
    assert_eq!(r.after(CallResult::Failed, 2, t), RetryOutcome::GiveUp);
    assert_eq!(
        r.after(CallResult::Abandoned, 1, t),
        RetryOutcome::RetryAt(t + 15 * MIN)
    );
    for final_result in [
        CallResult::Answered,
        CallResult::Rejected,
        CallResult::OptedOut,
    ] {
        assert_eq!(r.after(final_result, 1, t), RetryOutcome::Final);
    }
}

#[test]
fn do_not_call_by_number_or_customer() {
    let mut dnc = DoNotCall::new();
    assert!(!dnc.forbids("c1", "13800000001"));
    dnc.add_number("13800000001");
    assert!(dnc.forbids("c9", "13800000001"));
    dnc.add_customer("c2");
    assert!(dnc.forbids("c2", "13800000002"));
    assert!(!dnc.forbids("c3", "13800000003"));
    assert_eq!(dnc.len(), 2);
    dnc.remove_customer("c2");
    assert!(!dnc.forbids("c2", "13800000002"));
}

#[test]
fn calls_today_against_the_daily_limit() {
    let mut today = CallsToday {
        date: date(2026, 3, 2),
        counts: BTreeMap::from([("c1".to_string(), 1)]),
    };
    let one = DailyLimit {
        max_per_day: Some(1),
    };
    assert!(!today.allows(one, "c1"));
    assert!(today.allows(one, "c2"));
    today.add("c2");
    assert!(!today.allows(one, "c2"));
    assert!(today.allows(DailyLimit::default(), "c2"), "no limit");
}
