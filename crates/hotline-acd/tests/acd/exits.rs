//! Leaving a queue: max wait (ticket, another queue), abandons (short and not), reconfigure.

use hotline_acd::{AgentState, Exit, Input, Output};

use crate::support::*;

#[test]
fn max_wait_leaves_with_the_exit() {
    let mut q = queue("q");
    q.max_wait_secs = Some(60);
    q.max_wait_exit = Exit::Hangup;
    let mut s = Sim::new(vec![q]);
    s.arrive(call(1, "q"));
    assert_eq!(s.r.next_deadline(), Some(s.now + secs(60)));
    let out = s.advance(secs(60));
    assert_eq!(
        out,
        vec![Output::MaxWait {
            call: c(1),
            exit: Exit::Hangup
        }]
    );
    assert_eq!(s.r.call_count(), 0);
    assert_eq!(s.r.snapshot(s.now).queues[0].counters.max_wait_exits, 1);
}

#[test]
fn max_wait_to_another_queue_keeps_the_wait() {
    let mut q = queue("q");
    q.max_wait_secs = Some(60);
    q.max_wait_exit = Exit::Queue("overflow".into());
    let mut s = Sim::new(vec![q, queue("overflow")]);
    s.arrive(call(1, "q"));
    let out = s.advance(secs(60));
    assert_eq!(
        out,
        vec![Output::MaxWait {
            call: c(1),
            exit: Exit::Queue("overflow".into())
        }]
    );
    s.advance(secs(10));
    let out = s.plain_agent(1, &["overflow"]);
    assert_eq!(offer(&out), Some((1, 1)));
    assert!(s.answer(1, 1).contains(&Output::Connected {
        call: c(1),
        agent: a(1),
        queue: "overflow".into(),
        wait_ms: secs(70),
        callback: false,
    }));
    let snap = s.r.snapshot(s.now);
    assert_eq!(snap.queues[0].counters.max_wait_exits, 1);
    assert_eq!(snap.queues[1].counters.offered, 1);
    assert_eq!(snap.queues[1].counters.answered, 1);
}

#[test]
fn a_call_past_max_wait_leaves_when_its_offer_fails() {
    let mut q = queue("q");
    q.max_wait_secs = Some(60);
    let mut s = Sim::new(vec![q]);
    s.arrive(call(1, "q"));
    s.advance(secs(50));
    assert_eq!(offer(&s.plain_agent(1, &["q"])), Some((1, 1)));
    // Ringing at 60 s: no exit yet.
    assert!(s.advance(secs(15)).is_empty());
    let out = s.send(Input::NoAnswer {
        call: c(1),
        agent: a(1),
    });
    assert!(out.contains(&Output::MaxWait {
        call: c(1),
        exit: Exit::Ticket
    }));
}

#[test]
fn abandons_short_and_long() {
    let mut q = queue("q");
    q.short_abandon_secs = 5;
    let mut s = Sim::new(vec![q]);
    s.arrive(call(1, "q"));
    s.arrive(call(2, "q"));
    s.advance(secs(3));
    assert_eq!(
        s.send(Input::CallAbandoned(c(1))),
        vec![Output::Abandoned {
            call: c(1),
            queue: "q".into(),
            wait_ms: secs(3),
            short: true
        }]
    );
    s.advance(secs(7));
    // CallEnded before being connected is an abandon too.
    assert_eq!(
        s.send(Input::CallEnded(c(2))),
        vec![Output::Abandoned {
            call: c(2),
            queue: "q".into(),
            wait_ms: secs(10),
            short: false
        }]
    );
    let k = s.r.snapshot(s.now).queues[0].counters;
    assert_eq!((k.abandoned, k.short_abandoned), (2, 1));
    assert!(s
        .send(Input::CallAbandoned(c(2)))
        .iter()
        .all(|o| matches!(o, Output::Refused(_))));
}

#[test]
fn an_abandon_while_ringing_frees_the_agent() {
    let mut s = Sim::new(vec![queue("q")]);
    s.plain_agent(1, &["q"]);
    s.advance(secs(5));
    s.arrive(call(1, "q"));
    let out = s.send(Input::CallAbandoned(c(1)));
    assert!(out.contains(&Output::AgentStateChanged {
        agent: a(1),
        state: AgentState::Ready { since: T0 }
    }));
    assert_eq!(s.r.next_deadline(), None);
}

#[test]
fn reconfigure_keeps_calls_and_agents() {
    let mut q = queue("q");
    q.skills = [("billing".to_string(), 5)].into();
    let mut s = Sim::new(vec![q, queue("old")]);
    s.agent(profile(1, &[("billing", 3)], &[], &["q", "new"]));
    s.arrive(call(1, "q"));
    s.advance(secs(10));
    // The new config lowers the level and adds a queue the agent already named.
    let mut q = queue("q");
    q.skills = [("billing".to_string(), 3)].into();
    let out = s.r.reconfigure(vec![q, queue("new")], s.now);
    assert_eq!(offer(&out), Some((1, 1)));
    s.r.check_invariants().unwrap();
    s.answer(1, 1);
    s.end(1);
    assert_eq!(offer(&s.arrive(call(2, "new"))), Some((2, 1)));
    // Counters survive.
    let snap = s.r.snapshot(s.now);
    assert_eq!(snap.queues[0].name, "q");
    assert_eq!(snap.queues[0].counters.answered, 1);
    assert_eq!(snap.queues.len(), 2);
}

#[test]
fn a_removed_queue_sends_its_calls_to_its_exit() {
    let mut gone = queue("gone");
    gone.max_wait_exit = Exit::Queue("q".into());
    let mut dropped = queue("dropped");
    dropped.max_wait_exit = Exit::Ticket;
    let mut s = Sim::new(vec![queue("q"), gone, dropped]);
    s.arrive(call(1, "gone"));
    s.arrive(call(2, "dropped"));
    s.advance(secs(30));
    let out = s.r.reconfigure(vec![queue("q")], s.now);
    assert!(out.contains(&Output::QueueRemoved {
        call: c(1),
        exit: Exit::Queue("q".into())
    }));
    assert!(out.contains(&Output::QueueRemoved {
        call: c(2),
        exit: Exit::Ticket
    }));
    s.r.check_invariants().unwrap();
    // Call 1 is in q now, with its wait kept; new calls to the removed queue are refused.
    assert!(refused(&s.arrive(call(3, "gone"))));
    assert_eq!(offer(&s.plain_agent(1, &["q"])), Some((1, 1)));
    assert!(s.answer(1, 1).contains(&Output::Connected {
        call: c(1),
        agent: a(1),
        queue: "q".into(),
        wait_ms: secs(30),
        callback: false,
    }));
}

#[test]
fn a_ringing_call_of_a_removed_queue_finishes_or_leaves() {
    let mut s = Sim::new(vec![queue("q"), queue("gone")]);
    s.plain_agent(1, &["gone"]);
    s.plain_agent(2, &["gone"]);
    s.arrive(call(1, "gone"));
    s.arrive(call(2, "gone"));
    let out = s.r.reconfigure(vec![queue("q")], s.now);
    assert!(out.is_empty());
    s.r.check_invariants().unwrap();
    assert!(s
        .answer(1, 1)
        .iter()
        .any(|o| matches!(o, Output::Connected { .. })));
    let out = s.send(Input::NoAnswer {
        call: c(2),
        agent: a(2),
    });
    assert!(out.contains(&Output::QueueRemoved {
        call: c(2),
        exit: Exit::Ticket
    }));
    // The agents serve no open queue now.
    s.end(1);
    assert_eq!(offers(&s.arrive(call(3, "q"))), vec![]);
}

#[test]
fn a_callback_exit_keeps_the_place_when_the_number_is_known() {
    let mut q = queue("q");
    q.max_wait_secs = Some(60);
    q.max_wait_exit = Exit::Callback;
    let mut s = Sim::new(vec![q]);
    let mut first = call(1, "q");
    first.callback_number = Some("13800001111".into());
    s.arrive(first);
    s.advance(secs(5));
    // The second caller's number is withheld: a callback exit becomes a ticket.
    s.arrive(call(2, "q"));
    s.advance(secs(5));
    let mut third = call(3, "q");
    third.callback_number = Some("13800003333".into());
    s.arrive(third);
    let out = s.advance(secs(55));
    assert_eq!(
        out,
        vec![
            Output::CallbackQueued {
                call: c(1),
                position: 1
            },
            Output::MaxWait {
                call: c(2),
                exit: Exit::Ticket
            },
        ]
    );
    // The callback entry is still ahead of call 3 (which has not hit max wait yet).
    let out = s.plain_agent(1, &["q"]);
    assert!(out.contains(&Output::DialCallback {
        call: c(1),
        agent: a(1),
        number: "13800001111".into()
    }));
    let snap = s.r.snapshot(s.now);
    assert_eq!(snap.queues[0].counters.max_wait_exits, 1);
    assert_eq!(snap.queues[0].counters.callbacks_requested, 1);
}
