//! Callbacks that keep the caller's place, with retries and giving up.

use hotline_acd::{Input, Output, Refusal};

use crate::support::*;

fn cb_queue() -> hotline_acd::QueueConfig {
    let mut q = queue("q");
    q.ageing_per_min = 0;
    q.callback.attempts = 2;
    q.callback.retry_secs = 600;
    q
}

fn request(s: &mut Sim, id: u64) -> Vec<Output> {
    s.send(Input::CallbackRequested {
        call: c(id),
        number: format!("+86 571 {id}"),
    })
}

#[test]
fn a_callback_keeps_its_place_and_dials_the_agent_first() {
    let mut s = Sim::new(vec![cb_queue()]);
    s.send(Input::AgentLogin(profile(1, &[], &[], &["q"])));
    s.send(Input::AgentRegistered {
        agent: a(1),
        registered: true,
    });
    s.arrive(call(1, "q"));
    s.advance(secs(1));
    s.arrive(call(2, "q"));
    assert_eq!(
        request(&mut s, 2),
        vec![Output::CallbackQueued {
            call: c(2),
            position: 2
        }]
    );
    s.advance(secs(1));
    s.arrive(call(3, "q"));
    // Call 1, then the callback (older than call 3), then call 3.
    let out = s.send(Input::AgentReady(a(1)));
    assert_eq!(offer(&out), Some((1, 1)));
    s.answer(1, 1);
    let out = s.end(1);
    assert!(out.contains(&Output::DialCallback {
        call: c(2),
        agent: a(1),
        number: "+86 571 2".into()
    }));
    // Answered is not how a callback completes.
    assert_eq!(
        s.answer(2, 1),
        vec![Output::Refused(Refusal::IsCallback(c(2)))]
    );
    s.advance(secs(10));
    let out = s.send(Input::CallbackResult {
        call: c(2),
        reached: true,
    });
    assert!(out.contains(&Output::Connected {
        call: c(2),
        agent: a(1),
        queue: "q".into(),
        wait_ms: secs(11),
        callback: true,
    }));
    let snap = s.r.snapshot(s.now);
    assert_eq!(snap.queues[0].counters.callbacks_requested, 1);
    assert_eq!(snap.queues[0].counters.callbacks_completed, 1);
    assert_eq!(snap.queues[0].counters.answered, 1);
}

#[test]
fn an_unreached_customer_is_retried_then_given_up() {
    let mut s = Sim::new(vec![cb_queue()]);
    s.plain_agent(1, &["q"]);
    s.send(Input::AgentNotReady {
        agent: a(1),
        reason: hotline_acd::NotReadyReason::Break,
    });
    s.arrive(call(1, "q"));
    request(&mut s, 1);
    let out = s.send(Input::AgentReady(a(1)));
    assert!(matches!(out.last(), Some(Output::DialCallback { .. })));
    let out = s.send(Input::CallbackResult {
        call: c(1),
        reached: false,
    });
    // The agent is free again; the callback waits for its retry.
    assert!(matches!(s.state(1), hotline_acd::AgentState::Ready { .. }));
    assert!(!out.iter().any(|o| matches!(o, Output::DialCallback { .. })));
    assert_eq!(s.r.next_deadline(), Some(s.now + secs(600)));
    assert_eq!(offers(&s.advance(secs(599))), vec![]);
    let out = s.advance(secs(1));
    assert!(matches!(out.last(), Some(Output::DialCallback { .. })));
    let out = s.send(Input::CallbackResult {
        call: c(1),
        reached: false,
    });
    assert!(out.contains(&Output::CallbackGaveUp {
        call: c(1),
        attempts: 2
    }));
    assert_eq!(s.r.call_count(), 0);
    assert_eq!(s.r.snapshot(s.now).queues[0].counters.callbacks_gave_up, 1);
}

#[test]
fn callback_entries_get_no_announcements_and_no_max_wait() {
    let mut q = cb_queue();
    q.announce_secs = 30;
    q.max_wait_secs = Some(60);
    let mut s = Sim::new(vec![q]);
    s.arrive(call(1, "q"));
    request(&mut s, 1);
    assert_eq!(s.r.next_deadline(), None);
    assert_eq!(s.advance(secs(3600)), vec![]);
    // Only a waiting call can ask; a second request is refused.
    assert_eq!(
        request(&mut s, 1),
        vec![Output::Refused(Refusal::NotWaiting(c(1)))]
    );
}
