//! Self-service actions and how sessions end: nodes marked `served` count when left the
//! normal way (played to the end or barged over, a lookup answered, a ticket opened), and the
//! outcome follows from that and from who ended the call.

use super::*;

fn play(id: &str, prompt: &str, next: usize, served: bool) -> Node {
    Node {
        served,
        ..node(
            id,
            NodeKind::Play {
                prompts: p(&[prompt]),
                barge_in: true,
                next,
            },
        )
    }
}

/// 0 greet → 1 menu: 1 → 2 info (served) → 1 menu, 2 → 3 closed (not served) → 4 bye,
/// 0 → 5 agent (transfer); fallback → 4 bye.
fn service_flow() -> Arc<FlowSet> {
    set(vec![flow(
        "main",
        vec![
            play("greet", "welcome", 1, false),
            node("menu", menu(&[('1', 2), ('2', 3), ('0', 5)], 4)),
            play("info", "bills_total", 1, true),
            play("closed", "closed_hours", 4, false),
            hangup("bye", &["goodbye"]),
            node(
                "agent",
                NodeKind::Transfer(Transfer {
                    queue: "general".into(),
                    skills: vec![],
                    priority: 0,
                    reason: "general".into(),
                    preferred_agent: None,
                }),
            ),
        ],
    )])
}

/// The session at the menu, the greeting heard.
fn at_menu() -> Run {
    let mut r = Run::start(service_flow());
    r.done();
    r.done();
    r
}

#[test]
fn a_caller_who_heard_a_served_node_and_hangs_up_at_the_menu_is_self_served() {
    let mut r = at_menu();
    r.key('1');
    assert!(!r.s.served(), "not while it plays");
    r.done();
    assert!(r.s.served());
    assert_eq!(r.s.outcome(), None, "still running");
    r.send(Event::Hangup);
    assert_eq!(r.s.outcome(), Some(Outcome::SelfServed));
}

#[test]
fn hanging_up_before_a_served_node_ends_is_abandoned() {
    // At the greeting.
    let mut r = Run::start(service_flow());
    r.send(Event::Hangup);
    assert_eq!(r.s.outcome(), Some(Outcome::Abandoned));
    // While the served prompts play.
    let mut r = at_menu();
    r.key('1');
    r.send(Event::Hangup);
    assert_eq!(r.s.outcome(), Some(Outcome::Abandoned));
}

#[test]
fn a_key_over_served_prompts_counts_but_skipping_them_by_type_ahead_does_not() {
    // 1 starts the info, 2 barges in over it: heard, and moving on.
    let mut r = at_menu();
    r.keys("12");
    assert_eq!(r.last_play(), "closed_hours");
    assert!(r.s.served());
    // Keys pressed while a lookup runs are typed ahead: the menu takes 1, and the 9 still
    // waiting skips the info unheard.
    let mut r = Run::start(set(vec![flow(
        "main",
        vec![
            node(
                "find",
                NodeKind::Lookup(Lookup {
                    what: LookupWhat::CustomerByCaller,
                    into: "customer".into(),
                    timeout_ms: 3_000,
                    next: 1,
                    not_found: Some(1),
                    error: 1,
                }),
            ),
            node("menu", menu(&[('1', 2)], 3)),
            play("info", "bills_total", 3, true),
            hangup("bye", &["goodbye"]),
        ],
    )]));
    let (id, _) = r.last_lookup();
    r.keys("19");
    r.send(Event::Lookup {
        id,
        result: LookupResult::NotFound,
    });
    assert!(!r.plays().contains(&"bills_total".to_string()));
    assert_eq!(r.last_play(), "goodbye");
    assert!(!r.s.served(), "the info never played");
    r.done();
    assert_eq!(r.s.outcome(), Some(Outcome::Unserved));
}

#[test]
fn the_flow_hanging_up_without_service_is_unserved_and_with_it_self_served() {
    // Only the closed-hours message, then goodbye.
    let mut r = at_menu();
    r.key('2');
    r.done();
    r.done();
    assert_eq!(r.ended_with(), Some(&Action::Hangup));
    assert_eq!(r.s.outcome(), Some(Outcome::Unserved));
    // A caller who hangs up over the goodbye: the flow had ended the call.
    let mut r = at_menu();
    r.key('2');
    r.done();
    r.send(Event::Hangup);
    assert_eq!(r.s.outcome(), Some(Outcome::Unserved));
    // The info first, then the closed-hours message: self-served.
    let mut r = at_menu();
    r.key('1');
    r.done();
    r.done();
    r.key('2');
    r.done();
    r.done();
    assert_eq!(r.s.outcome(), Some(Outcome::SelfServed));
    // Nothing chosen: the menu's fallback says goodbye.
    let mut r = at_menu();
    for _ in 0..3 {
        r.fire();
        r.done();
    }
    assert_eq!(r.s.outcome(), Some(Outcome::Unserved));
}

#[test]
fn a_transfer_is_transferred_whatever_was_served() {
    let mut r = at_menu();
    r.key('1');
    r.done();
    r.done();
    r.key('0');
    assert!(r.s.served());
    assert_eq!(r.s.outcome(), Some(Outcome::Transferred));
}

#[test]
fn served_lookups_count_when_answered_and_served_tickets_when_opened() {
    let reading_flow = || {
        set(vec![flow(
            "main",
            vec![
                Node {
                    served: true,
                    ..node(
                        "submit",
                        NodeKind::Lookup(Lookup {
                            what: LookupWhat::SubmitReading {
                                account: e("\"1000000001\""),
                                value: e("\"1234\""),
                            },
                            into: "result".into(),
                            timeout_ms: 3_000,
                            next: 1,
                            not_found: None,
                            error: 1,
                        }),
                    )
                },
                Node {
                    served: true,
                    ..node(
                        "open",
                        NodeKind::Ticket(TicketNode {
                            kind: "leak".into(),
                            summary: Template::parse("leak").expect("template"),
                            summaries: Vec::new(),
                            customer: None,
                            address: None,
                            reporter_phone: None,
                            into: None,
                            next: 2,
                            error: 2,
                        }),
                    )
                },
                hangup("bye", &[]),
            ],
        )])
    };
    let ticket = |r: &Run| {
        r.actions
            .iter()
            .find_map(|a| match a {
                Action::OpenTicket { id, .. } => Some(*id),
                _ => None,
            })
            .expect("ticket asked for")
    };
    // The reading is reported from the caller's number.
    let mut r = Run::start(reading_flow());
    let (id, req) = r.last_lookup();
    assert_eq!(
        req,
        LookupRequest::SubmitReading {
            account: "1000000001".into(),
            value: "1234".into(),
            reporter_phone: "13800001111".into(),
        }
    );
    r.send(Event::Lookup {
        id,
        result: LookupResult::Failed("down".into()),
    });
    assert!(!r.s.served(), "a failed lookup served nothing");
    let t = ticket(&r);
    r.send(Event::Ticket {
        id: t,
        result: Err("store down".into()),
    });
    assert_eq!(r.s.outcome(), Some(Outcome::Unserved));
    // Answered: served.
    let mut r = Run::start(reading_flow());
    let (id, _) = r.last_lookup();
    r.send(Event::Lookup {
        id,
        result: LookupResult::Found(Value::record([("status", Value::text("accepted"))])),
    });
    assert!(r.s.served());
    // A ticket opened: served.
    let mut r = Run::start(reading_flow());
    let (id, _) = r.last_lookup();
    r.fire(); // the lookup times out
    assert_eq!(r.now, 3_000);
    let t = ticket(&r);
    r.send(Event::Ticket {
        id: t,
        result: Ok(TicketInfo {
            id: 7,
            number: "7".into(),
            dispatched: false,
        }),
    });
    assert!(r.s.served());
    assert!(r
        .send(Event::Lookup {
            id,
            result: LookupResult::NotFound
        })
        .is_empty());
    assert_eq!(r.s.outcome(), Some(Outcome::SelfServed));
}
