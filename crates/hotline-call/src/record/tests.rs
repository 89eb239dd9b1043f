//! Each field of the record, computed from phases, on a fake clock.

use std::time::{Duration, Instant};

use super::*;
use crate::phase::{IvrOutcome, Phase, Timeline};

fn t0() -> Now {
    Now {
        mono: Instant::now(),
        unix_ms: 1_700_000_000_000,
    }
}

fn at(t: Now, secs: u64) -> Now {
    t.after(Duration::from_secs(secs))
}

fn ivr(flow: &str) -> Phase {
    Phase::Ivr { flow: flow.into() }
}

fn queued() -> Phase {
    Phase::Queued {
        queue: "general".into(),
    }
}

#[test]
fn an_answered_call_counts_wait_talk_and_hold_apart_and_never_the_survey() {
    let t = t0();
    let mut tl = Timeline::new(t);
    tl.enter(at(t, 1), ivr("main"));
    tl.add_path(["main/start".to_string(), "main/agent".to_string()]);
    tl.enter(at(t, 10), queued());
    tl.enter(
        at(t, 20),
        Phase::Offering {
            queue: "general".into(),
            agent: 7,
        },
    );
    tl.enter(at(t, 25), Phase::Announcing { agent: 7 });
    tl.enter(at(t, 28), Phase::Bridged { agent: 7 });
    tl.enter(at(t, 60), Phase::OnHold { agent: 7 });
    tl.enter(at(t, 70), Phase::Bridged { agent: 7 });
    tl.agent_left(
        at(t, 100),
        Side::Agent,
        Phase::AfterAgent {
            flow: "survey".into(),
        },
    );
    tl.add_path(["survey/ask".to_string()]);
    let r = tl.record(at(t, 130), EndReason::RemoteHangup);
    assert_eq!(r.started_at, t.unix_ms);
    assert_eq!(r.answered_at, Some(t.unix_ms + 1000), "the IVR answered");
    assert_eq!(r.ivr_ended_at, Some(t.unix_ms + 10_000));
    assert_eq!(r.queued_at, Some(t.unix_ms + 10_000));
    assert_eq!(r.agent_answered_at, Some(t.unix_ms + 25_000), "the agent");
    assert_eq!(r.agent_id, Some(7));
    assert_eq!(r.queue.as_deref(), Some("general"));
    assert_eq!(r.wait_ms, Some(15_000), "queued and offered");
    assert_eq!(r.talk_ms, Some(65_000), "announcement and bridge, not hold");
    assert_eq!(r.hold_ms, Some(10_000));
    assert_eq!(r.disposition, Disposition::Answered);
    assert_eq!(r.hangup_side, Side::Agent, "the agent left first");
    assert_eq!(r.ivr_path, ["main/start", "main/agent", "survey/ask"]);
    assert_eq!(r.ended_at, t.unix_ms + 130_000);
}

#[test]
fn an_abandoned_call_has_a_wait_and_no_talk() {
    let t = t0();
    let mut tl = Timeline::new(t);
    tl.enter(at(t, 1), ivr("main"));
    tl.enter(at(t, 5), queued());
    let r = tl.record(at(t, 12), EndReason::RemoteHangup);
    assert_eq!(r.disposition, Disposition::AbandonedInQueue);
    assert_eq!(r.wait_ms, Some(7_000));
    assert_eq!((r.talk_ms, r.hold_ms, r.agent_id), (None, None, None));
    assert_eq!(r.hangup_side, Side::Caller);
    // The engine ending a waiting call is a failure, not an abandon.
    let r = tl.record(at(t, 12), EndReason::LocalHangup);
    assert_eq!(r.disposition, Disposition::Failed);
    assert_eq!(r.hangup_side, Side::System);
}

#[test]
fn an_abandon_while_an_offer_rings_is_still_an_abandon_in_the_queue() {
    let t = t0();
    let mut tl = Timeline::new(t);
    tl.enter(at(t, 1), queued());
    tl.enter(
        at(t, 3),
        Phase::Offering {
            queue: "general".into(),
            agent: 2,
        },
    );
    let r = tl.record(at(t, 4), EndReason::Cancelled);
    assert_eq!(r.disposition, Disposition::AbandonedInQueue);
    assert_eq!(r.wait_ms, Some(3_000));
}

#[test]
fn leaving_the_queue_keeps_its_disposition() {
    let t = t0();
    let mut tl = Timeline::new(t);
    tl.enter(at(t, 1), ivr("main"));
    tl.enter(at(t, 2), queued());
    tl.enter(
        at(t, 32),
        Phase::Leaving {
            disposition: Disposition::Callback,
        },
    );
    let r = tl.record(at(t, 40), EndReason::LocalHangup);
    assert_eq!(r.disposition, Disposition::Callback);
    assert_eq!(r.wait_ms, Some(30_000), "until it left the queue");
    assert_eq!(r.talk_ms, None, "no talk time for a callback request");
}

#[test]
fn ivr_calls_are_self_served_unserved_or_abandoned_and_never_talk() {
    let t = t0();
    let mut tl = Timeline::new(t);
    tl.enter(at(t, 1), ivr("main"));
    // No outcome (the built-in answer flow): nothing served; left by the caller = abandoned.
    let r = tl.record(at(t, 30), EndReason::RemoteHangup);
    assert_eq!(r.disposition, Disposition::AbandonedInIvr);
    assert_eq!((r.talk_ms, r.wait_ms, r.queued_at), (None, None, None));
    assert_eq!(r.ivr_ended_at, Some(t.unix_ms + 30_000));
    let r = tl.record(at(t, 30), EndReason::LocalHangup);
    assert_eq!(r.disposition, Disposition::UnservedInIvr);
    assert_eq!(r.hangup_side, Side::System);
    // Served, then ended by the flow or by the caller: self-served either way.
    let mut served = tl.clone();
    served.set_ivr_outcome(IvrOutcome::SelfServed);
    for reason in [EndReason::LocalHangup, EndReason::RemoteHangup] {
        let r = served.record(at(t, 30), reason);
        assert_eq!(r.disposition, Disposition::SelfServed, "{reason:?}");
    }
    let mut unserved = tl.clone();
    unserved.set_ivr_outcome(IvrOutcome::Unserved);
    let r = unserved.record(at(t, 30), EndReason::LocalHangup);
    assert_eq!(r.disposition, Disposition::UnservedInIvr);
    tl.set_ivr_outcome(IvrOutcome::Abandoned);
    let r = tl.record(at(t, 30), EndReason::RemoteHangup);
    assert_eq!(r.disposition, Disposition::AbandonedInIvr);
    // Never answered.
    let tl = Timeline::new(t);
    let r = tl.record(at(t, 3), EndReason::Cancelled);
    assert_eq!(r.disposition, Disposition::AbandonedInIvr);
    assert_eq!(r.answered_at, None);
    let r = tl.record(at(t, 3), EndReason::Rejected(503));
    assert_eq!(r.disposition, Disposition::Failed);
}

#[test]
fn the_caller_hanging_up_on_the_agent_is_the_callers_side() {
    let t = t0();
    let mut tl = Timeline::new(t);
    tl.enter(at(t, 1), queued());
    tl.enter(at(t, 2), Phase::Bridged { agent: 1 });
    let r = tl.record(at(t, 5), EndReason::RemoteHangup);
    assert_eq!(r.hangup_side, Side::Caller);
    assert_eq!(r.talk_ms, Some(3_000));
}

#[test]
fn a_wait_after_the_agent_does_not_count_and_the_first_agent_is_kept() {
    // A desk transfer to another queue: the second wait is not the call's wait.
    let t = t0();
    let mut tl = Timeline::new(t);
    tl.enter(at(t, 1), queued());
    tl.enter(at(t, 3), Phase::Bridged { agent: 1 });
    tl.agent_left(at(t, 10), Side::Agent, queued());
    tl.enter(at(t, 15), Phase::Bridged { agent: 2 });
    let r = tl.record(at(t, 20), EndReason::RemoteHangup);
    assert_eq!(r.wait_ms, Some(2_000));
    assert_eq!(r.talk_ms, Some(12_000), "both agents' talk");
    assert_eq!(r.agent_id, Some(1));
    assert_eq!(r.hangup_side, Side::Agent);
}

#[test]
fn an_extension_call_is_answered_with_or_without_a_known_agent() {
    let t = t0();
    let mut tl = Timeline::new(t);
    tl.enter(at(t, 4), Phase::Extension { agent: None });
    let r = tl.record(at(t, 10), EndReason::RemoteHangup);
    assert_eq!(r.disposition, Disposition::Answered);
    assert_eq!(
        (r.agent_id, r.talk_ms, r.wait_ms),
        (None, Some(6_000), None)
    );
    assert_eq!(r.agent_answered_at, Some(t.unix_ms + 4_000));
}

#[test]
fn a_stepped_wall_clock_does_not_change_durations() {
    let t = t0();
    let mut tl = Timeline::new(t);
    // The wall clock steps back an hour while the call waits: durations follow the
    // monotonic clock.
    let mut later = at(t, 10);
    later.unix_ms -= 3_600_000;
    tl.enter(at(t, 1), queued());
    tl.enter(later, Phase::Bridged { agent: 3 });
    let r = tl.record(at(t, 20), EndReason::RemoteHangup);
    assert_eq!(r.wait_ms, Some(9_000));
    assert_eq!(r.talk_ms, Some(10_000));
}

#[test]
fn callback_attempts_record_their_result() {
    let t = t0();
    let mut a = Attempt::new(Some("1-5".into()), 4, "13800001111".into(), t);
    // The agent's phone rang out.
    let r = a.record(at(t, 20), Some(EndReason::Failed(408)), None);
    assert_eq!(
        (r.result, r.disposition),
        ("agent_no_answer", Disposition::Failed)
    );
    a.agent_answered = Some(at(t, 2));
    let r = a.record(at(t, 5), None, Some(EndReason::Failed(486)));
    assert_eq!((r.result, r.talk_ms), ("busy", None));
    assert_eq!(r.agent_answered_at, Some(t.unix_ms + 2000));
    let r = a.record(at(t, 50), None, Some(EndReason::Failed(408)));
    assert_eq!(r.result, "no_answer");
    a.customer_answered = Some(at(t, 10));
    a.left_first = Some(Side::Agent);
    let r = a.record(at(t, 83), None, Some(EndReason::LocalHangup));
    assert_eq!(r.result, "reached");
    assert_eq!(r.disposition, Disposition::Answered);
    assert_eq!(r.talk_ms, Some(73_000));
    assert_eq!(r.answered_at, Some(t.unix_ms + 10_000));
    assert_eq!(r.hangup_side, Side::Agent);
    assert_eq!(r.parent_ref.as_deref(), Some("1-5"));
}
