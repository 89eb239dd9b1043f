//! Outbound calls in the interpreter: `target` and `today` set before the first node, a
//! promise date keyed as MMDD and checked, and the `promise`, `opt_out` and `result` nodes
//! emitting their actions and adding up in the session's record.

use super::*;
use crate::outbound::{day_number, CallResult, Outbound, Record, RecordNode, ResultKind};
use crate::value::Date;

const D_18_NOV_2026: Date = Date {
    year: 2026,
    month: 11,
    day: 18,
};

/// 2026-11-18 10:00 in Asia/Shanghai (02:00 UTC).
fn ten_am() -> Millis {
    day_number(D_18_NOV_2026) * 86_400_000 + 2 * 3_600_000
}

fn outbound(node: RecordNode, next: usize) -> NodeKind {
    NodeKind::Outbound { node, next }
}

/// 0 ask date → 1 check → 2 promise → 3 thanks; 4 bad date; 5 sorry (promise error).
fn dunning() -> Arc<FlowSet> {
    let mut ask = collect(1, 4);
    ask.into = "pay_keys".into();
    ask.min = 4;
    ask.max = 4;
    set(vec![flow(
        "dunning",
        vec![
            node("ask", NodeKind::Collect(ask)),
            node(
                "check",
                NodeKind::Branch {
                    cases: vec![
                        (e("mmdd_date(pay_keys, today) == null"), 4),
                        (e("days_between(today, mmdd_date(pay_keys, today)) < 0"), 4),
                        (e("days_between(today, mmdd_date(pay_keys, today)) > 14"), 4),
                    ],
                    otherwise: 2,
                },
            ),
            node(
                "promise",
                outbound(
                    RecordNode::Promise {
                        amount: e("target.amount_due"),
                        by: e("mmdd_date(pay_keys, today)"),
                        error: 5,
                    },
                    3,
                ),
            ),
            hangup("thanks", &["thanks"]),
            hangup("bad_date", &["bad_date"]),
            hangup("sorry", &["sorry"]),
        ],
    )])
}

fn start(set: Arc<FlowSet>, target: Option<Value>) -> Run {
    let (s, actions) = match target {
        Some(t) => Session::start_outbound(set, 0, call(), t, ten_am()),
        None => Session::start(set, 0, call(), ten_am()),
    };
    Run {
        s,
        now: ten_am(),
        actions,
    }
}

fn outbounds(actions: &[Action]) -> Vec<Outbound> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Outbound(o) => Some(*o),
            _ => None,
        })
        .collect()
}

fn target(fen: i64) -> Value {
    Value::record([("amount_due", Value::Money(fen))])
}

#[test]
fn a_promise_keyed_within_the_window_is_recorded() {
    let mut r = start(dunning(), Some(target(123_450)));
    assert_eq!(r.s.vars().get("today"), Some(&Value::Date(D_18_NOV_2026)));
    r.done();
    r.keys("1125");
    let by = Date {
        year: 2026,
        month: 11,
        day: 25,
    };
    assert_eq!(
        outbounds(&r.actions),
        vec![
            Outbound::Promise {
                amount_fen: 123_450,
                by
            },
            Outbound::Result(CallResult::Promise)
        ]
    );
    assert_eq!(
        r.s.outbound(),
        Record {
            result: Some(CallResult::Promise),
            promise: Some((123_450, by)),
            opted_out: false
        }
    );
    assert!(r.s.path().ends_with("dunning/promise>dunning/thanks"));
}

#[test]
fn a_date_in_the_past_too_far_or_not_real_records_nothing() {
    for keys in ["1101", "1203", "0231"] {
        let mut r = start(dunning(), Some(target(100)));
        r.done();
        r.keys(keys);
        assert!(outbounds(&r.actions).is_empty(), "{keys}");
        assert_eq!(r.s.outbound(), Record::default(), "{keys}");
        assert!(
            r.s.path().ends_with("dunning/bad_date"),
            "{keys}: {}",
            r.s.path()
        );
    }
    // The last day of the window (14 days on) is taken.
    let mut r = start(dunning(), Some(target(100)));
    r.done();
    r.keys("1202");
    assert_eq!(outbounds(&r.actions).len(), 2);
}

#[test]
fn a_promise_without_an_amount_takes_the_error_exit() {
    // An inbound start: no `target`, so no amount.
    let mut r = start(dunning(), None);
    r.done();
    r.keys("1125");
    assert!(outbounds(&r.actions).is_empty());
    assert!(r.s.path().ends_with("dunning/promise>dunning/sorry"));
    assert!(r
        .actions
        .iter()
        .any(|a| matches!(a, Action::Warning(w) if w.contains("promise amount"))));
}

fn results_flow(score: &str) -> Arc<FlowSet> {
    set(vec![flow(
        "followup",
        vec![
            node(
                "reached",
                outbound(
                    RecordNode::Result {
                        is: ResultKind::Reached,
                        score: None,
                    },
                    1,
                ),
            ),
            node(
                "rate",
                outbound(
                    RecordNode::Result {
                        is: ResultKind::Rating,
                        score: Some(e(score)),
                    },
                    2,
                ),
            ),
            node("stop", outbound(RecordNode::OptOut, 3)),
            hangup("bye", &[]),
        ],
    )])
}

#[test]
fn results_and_opt_out_are_emitted_in_order_and_the_last_result_counts() {
    let r = start(results_flow("\"4\""), Some(Value::record([])));
    assert_eq!(
        outbounds(&r.actions),
        vec![
            Outbound::Result(CallResult::Reached),
            Outbound::Result(CallResult::Rating(4)),
            Outbound::OptOut,
            Outbound::Result(CallResult::OptOut),
        ]
    );
    let rec = r.s.outbound();
    assert!(rec.opted_out);
    assert_eq!(rec.result, Some(CallResult::OptOut));
    assert!(r.s.ended());
}

#[test]
fn a_rating_outside_1_to_5_sets_no_result() {
    for score in ["\"7\"", "0", "\"x\"", "null"] {
        let r = start(results_flow(score), Some(Value::record([])));
        let o = outbounds(&r.actions);
        assert!(
            !o.iter()
                .any(|x| matches!(x, Outbound::Result(CallResult::Rating(_)))),
            "{score}: {o:?}"
        );
        assert!(r
            .actions
            .iter()
            .any(|a| matches!(a, Action::Warning(w) if w.contains("not 1–5"))));
    }
    let r = start(results_flow("5"), Some(Value::record([])));
    assert!(outbounds(&r.actions).contains(&Outbound::Result(CallResult::Rating(5))));
}
