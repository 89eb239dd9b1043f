//! Ticket lifecycle, deadlines and escalation, repeat contacts and follow-ups through the
//! store, on SQLite and (when configured) PostgreSQL.

// A test crate: its helpers, like its tests, state what they expect with unwrap, expect,
// panic and indexing (clippy.toml's test allowances reach only #[test] functions).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::*;
use hotline_store::*;

const MIN: Millis = 60_000;
const HOUR: Millis = 60 * MIN;

fn leak(f: &Fixture) -> NewTicket {
    NewTicket {
        kind: "leak".into(),
        customer_id: Some(f.customer),
        summary: "路面冒水 water on the road".into(),
        reporter_phone: Some("13900002222".into()),
        reporter_name: Some("路人".into()),
        ..NewTicket::default()
    }
}

fn note(n: &str) -> TransitionInput {
    TransitionInput {
        note: n.into(),
        ..TransitionInput::default()
    }
}

#[tokio::test]
async fn a_ticket_goes_through_its_whole_life_with_an_event_per_step() {
    each_store(|s| async move {
        let f = fixture(&s).await;
        let agent = Actor::Agent(f.agent);
        let t = s.create_ticket(&leak(&f), agent, NOW).await.unwrap();
        assert_eq!(t.status, Status::Accepted);
        assert_eq!(t.priority, "urgent");
        // Prefilled from the customer.
        assert_eq!(t.address, "城东区解放路12号3单元501室");
        assert_eq!(t.district_id, Some(f.district));
        assert_eq!(t.due_on_site_at, Some(NOW + 45 * MIN));
        assert_eq!(t.due_reply_at, Some(NOW + 24 * HOUR));
        assert_eq!(t.handled_by, Some(f.agent));
        let steps = [
            (Action::Dispatch, Status::Dispatched),
            (Action::Start, Status::InProgress),
            (Action::Reply, Status::Replied),
            (Action::Close, Status::Closed),
            (Action::FollowUp, Status::FollowedUp),
        ];
        let mut at = NOW;
        for (action, status) in steps {
            at += 10 * MIN;
            let t = s
                .transition(t.id, action, &note(action.as_str()), agent, at)
                .await
                .unwrap();
            assert_eq!(t.status, status);
        }
        let rate = TransitionInput {
            rating: Some(4),
            ..TransitionInput::default()
        };
        let t = s
            .transition(t.id, Action::Rate, &rate, agent, at + MIN)
            .await
            .unwrap();
        assert_eq!(t.status, Status::Rated);
        assert_eq!(t.rating, Some(4));
        assert_eq!(t.on_site_at, Some(NOW + 20 * MIN));
        assert!(t.overdue.is_empty(), "{:?}", t.overdue);
        let d = s.ticket_detail(t.id, at).await.unwrap().unwrap();
        let kinds: Vec<(&str, Option<&str>)> = d
            .events
            .iter()
            .map(|e| (e.kind.as_str(), e.to_status.as_deref()))
            .collect();
        assert_eq!(
            kinds,
            vec![
                ("created", None),
                ("transition", Some("dispatched")),
                ("transition", Some("in_progress")),
                ("transition", Some("replied")),
                ("transition", Some("closed")),
                ("transition", Some("followed_up")),
                ("transition", Some("rated")),
            ]
        );
        assert!(d
            .events
            .iter()
            .skip(1)
            .all(|e| e.actor == format!("agent:{}", f.agent)));
        assert_eq!(d.events[1].note, "dispatch");
        assert_eq!(s.agent_rating(f.agent).await.unwrap(), (Some(4.0), 1));
        // A caller's survey score of a call the agent answered counts too.
        let call = s
            .start_call(&NewCall {
                call_ref: "survey-1".into(),
                caller: "13800001111".into(),
                dialled: "96655".into(),
                started_at: NOW,
            })
            .await
            .unwrap();
        let u = CallUpdate {
            agent_id: Some(f.agent),
            survey_score: Some(5),
            ..CallUpdate::default()
        };
        s.update_call(call.id, &u).await.unwrap();
        assert_eq!(s.agent_rating(f.agent).await.unwrap(), (Some(4.5), 2));
    })
    .await;
}

#[tokio::test]
async fn every_illegal_transition_is_refused_and_writes_nothing() {
    each_store(|s| async move {
        let f = fixture(&s).await;
        // Walk a ticket to each status, then try every action the table forbids there.
        let path = [
            Action::Dispatch,
            Action::Start,
            Action::Reply,
            Action::Close,
            Action::FollowUp,
            Action::Rate,
        ];
        for depth in 0..=path.len() {
            let t = s.create_ticket(&leak(&f), Actor::Ivr, NOW).await.unwrap();
            for a in &path[..depth] {
                let input = TransitionInput {
                    rating: Some(3),
                    ..TransitionInput::default()
                };
                s.transition(t.id, *a, &input, Actor::System, NOW)
                    .await
                    .unwrap();
            }
            let before = s.ticket_detail(t.id, NOW).await.unwrap().unwrap();
            for action in Action::ALL {
                if lifecycle::next(before.ticket.status, action).is_ok() {
                    continue;
                }
                let input = TransitionInput {
                    rating: Some(3),
                    ..TransitionInput::default()
                };
                let err = s
                    .transition(t.id, action, &input, Actor::System, NOW)
                    .await
                    .unwrap_err();
                assert!(matches!(err, StoreError::Illegal(_)), "{action}: {err}");
            }
            let after = s.ticket_detail(t.id, NOW).await.unwrap().unwrap();
            assert_eq!(before, after, "an illegal transition changed the ticket");
        }
        // Needs: dispatch without any district, rate without a rating or out of range.
        let orphan = NewTicket {
            kind: "complaint".into(),
            summary: "no district".into(),
            ..NewTicket::default()
        };
        let t = s.create_ticket(&orphan, Actor::Ivr, NOW).await.unwrap();
        let err = s
            .transition(t.id, Action::Dispatch, &note(""), Actor::System, NOW)
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::Invalid {
                    field: "district_id",
                    ..
                }
            ),
            "{err}"
        );
        // A district alone is not enough: with neither customer nor address the crew would
        // not know where to go.
        let mut to = TransitionInput {
            district_id: Some(f.other_district),
            ..TransitionInput::default()
        };
        let err = s
            .transition(t.id, Action::Dispatch, &to, Actor::System, NOW)
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::Invalid {
                    field: "address",
                    ..
                }
            ),
            "{err}"
        );
        to.address = Some("城西区人民路8号".into());
        let t = s
            .transition(t.id, Action::Dispatch, &to, Actor::System, NOW)
            .await
            .unwrap();
        assert_eq!(t.district_id, Some(f.other_district));
        assert_eq!(t.address, "城西区人民路8号");
        let err = s
            .transition(999_999, Action::Dispatch, &note(""), Actor::System, NOW)
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound { .. }));
        // A stale version is refused.
        let stale = TransitionInput {
            expected_version: Some(0),
            ..TransitionInput::default()
        };
        let err = s
            .transition(t.id, Action::Start, &stale, Actor::System, NOW)
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    })
    .await;
}

#[tokio::test]
async fn bad_tickets_are_refused_with_the_field() {
    each_store(|s| async move {
        let f = fixture(&s).await;
        let cases: Vec<(NewTicket, &str)> = vec![
            (
                NewTicket {
                    kind: "meteor".into(),
                    ..leak(&f)
                },
                "kind",
            ),
            (
                NewTicket {
                    summary: "  ".into(),
                    ..leak(&f)
                },
                "summary",
            ),
            (
                NewTicket {
                    summary: "x".repeat(4001),
                    ..leak(&f)
                },
                "summary",
            ),
            (
                NewTicket {
                    customer_id: Some(424242),
                    ..leak(&f)
                },
                "customer_id",
            ),
            (
                NewTicket {
                    district_id: Some(424242),
                    ..leak(&f)
                },
                "district_id",
            ),
            (
                NewTicket {
                    call_id: Some(424242),
                    ..leak(&f)
                },
                "call_id",
            ),
            (
                NewTicket {
                    reporter_phone: Some("abc".into()),
                    ..leak(&f)
                },
                "reporter_phone",
            ),
        ];
        for (t, field) in cases {
            match s.create_ticket(&t, Actor::Ivr, NOW).await {
                Err(StoreError::Invalid { field: got, .. }) => assert_eq!(got, field),
                other => panic!("{field}: {other:?}"),
            }
        }
        // SQL in text is just text.
        let sqlish = "'; DROP TABLE tickets; -- \" OR 1=1";
        let t = NewTicket {
            summary: sqlish.into(),
            address: Some(sqlish.into()),
            reporter_name: Some(sqlish.into()),
            ..leak(&f)
        };
        let t = s.create_ticket(&t, Actor::Ivr, NOW).await.unwrap();
        assert_eq!(t.summary, sqlish);
        assert_eq!(
            s.list_tickets(&TicketFilter::default(), NOW)
                .await
                .unwrap()
                .len(),
            1
        );
    })
    .await;
}

#[tokio::test]
async fn concurrent_transitions_of_one_ticket_have_exactly_one_winner() {
    each_store(|s| async move {
        let f = fixture(&s).await;
        let t = s.create_ticket(&leak(&f), Actor::Ivr, NOW).await.unwrap();
        let tasks: Vec<_> = (0..16)
            .map(|i| {
                let s = s.clone();
                tokio::spawn(async move {
                    s.transition(
                        t.id,
                        Action::Dispatch,
                        &note(&format!("{i}")),
                        Actor::System,
                        NOW + i,
                    )
                    .await
                })
            })
            .collect();
        let mut won = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(_) => won += 1,
                Err(StoreError::Illegal(_) | StoreError::Conflict(_)) => {}
                Err(e) => panic!("unexpected {e}"),
            }
        }
        assert_eq!(won, 1);
        let d = s.ticket_detail(t.id, NOW).await.unwrap().unwrap();
        let transitions = d.events.iter().filter(|e| e.kind == "transition").count();
        assert_eq!(transitions, 1);
        assert_eq!(d.ticket.version, 1);
    })
    .await;
}

#[tokio::test]
async fn overdue_is_computed_listed_first_and_escalated_once_on_a_fake_clock() {
    each_store(|s| async move {
        let f = fixture(&s).await;
        let leak_t = s.create_ticket(&leak(&f), Actor::Ivr, NOW).await.unwrap();
        let complaint = NewTicket {
            kind: "complaint".into(),
            priority: Some(Priority::High),
            ..leak(&f)
        };
        let complaint = s
            .create_ticket(&complaint, Actor::Ivr, NOW + 1)
            .await
            .unwrap();
        // At 44 minutes nothing is late.
        let at = NOW + 44 * MIN;
        assert!(s
            .ticket(leak_t.id, at)
            .await
            .unwrap()
            .unwrap()
            .overdue
            .is_empty());
        let overdue = TicketFilter {
            overdue_only: true,
            ..TicketFilter::default()
        };
        assert!(s.list_tickets(&overdue, at).await.unwrap().is_empty());
        assert!(s.escalate_overdue(at).await.unwrap().is_empty());
        // At 46 minutes the crew is late.
        let at = NOW + 46 * MIN;
        let t = s.ticket(leak_t.id, at).await.unwrap().unwrap();
        assert_eq!(t.overdue, vec![Milestone::OnSite]);
        let listed = s.list_tickets(&overdue, at).await.unwrap();
        assert_eq!(
            listed.iter().map(|t| t.id).collect::<Vec<_>>(),
            vec![leak_t.id]
        );
        assert_eq!(
            s.escalate_overdue(at).await.unwrap(),
            vec![(leak_t.id, Milestone::OnSite)]
        );
        assert!(
            s.escalate_overdue(at + MIN).await.unwrap().is_empty(),
            "escalated twice"
        );
        // A day later both have missed the reply; the complaint is listed after the leak
        // (both overdue; urgent before high).
        let at = NOW + 25 * HOUR;
        let all = s.list_tickets(&TicketFilter::default(), at).await.unwrap();
        assert_eq!(
            all.iter().map(|t| t.id).collect::<Vec<_>>(),
            vec![leak_t.id, complaint.id]
        );
        let esc = s.escalate_overdue(at).await.unwrap();
        assert_eq!(
            esc,
            vec![
                (leak_t.id, Milestone::Reply),
                (complaint.id, Milestone::Reply)
            ]
        );
        let d = s.ticket_detail(leak_t.id, at).await.unwrap().unwrap();
        let notes: Vec<&str> = d
            .events
            .iter()
            .filter(|e| e.kind == "escalated")
            .map(|e| e.note.as_str())
            .collect();
        assert_eq!(notes, vec!["on_site overdue", "reply overdue"]);
        // Replying ends the lateness; closing starts the follow-up clock (72 h).
        for a in [
            Action::Dispatch,
            Action::Start,
            Action::Reply,
            Action::Close,
        ] {
            s.transition(leak_t.id, a, &note(""), Actor::System, at)
                .await
                .unwrap();
        }
        let t = s.ticket(leak_t.id, at + 72 * HOUR).await.unwrap().unwrap();
        assert!(t.overdue.is_empty());
        let t = s
            .ticket(leak_t.id, at + 72 * HOUR + 1)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(t.overdue, vec![Milestone::FollowUp]);
    })
    .await;
}

#[tokio::test]
async fn a_new_call_finds_open_tickets_and_is_a_repeat_contact() {
    each_store(|s| async move {
        let f = fixture(&s).await;
        let first = s
            .start_call(&NewCall {
                call_ref: "c1".into(),
                caller: "13800001111".into(),
                dialled: "96116".into(),
                started_at: NOW,
            })
            .await
            .unwrap();
        assert!(first.open_tickets.is_empty());
        assert!(!s.call(first.id).await.unwrap().unwrap().repeat_contact);
        let t = NewTicket {
            call_id: Some(first.id),
            reporter_phone: None,
            ..leak(&f)
        };
        let t = s
            .create_ticket(&t, Actor::Agent(f.agent), NOW)
            .await
            .unwrap();
        assert_eq!(s.call_ticket_ids(first.id).await.unwrap(), vec![t.id]);
        // The customer calls again from the landline on the account: a repeat contact.
        let again = s
            .start_call(&NewCall {
                call_ref: "c2".into(),
                caller: "020-8888-1234".into(),
                dialled: "96116".into(),
                started_at: NOW + HOUR,
            })
            .await
            .unwrap();
        assert_eq!(
            again.open_tickets.iter().map(|t| t.id).collect::<Vec<_>>(),
            vec![t.id]
        );
        let call = s.call(again.id).await.unwrap().unwrap();
        assert!(call.repeat_contact);
        assert_eq!(call.customer_id, Some(f.customer));
        s.link_call_ticket(again.id, t.id, NOW + HOUR)
            .await
            .unwrap();
        s.link_call_ticket(again.id, t.id, NOW + HOUR)
            .await
            .unwrap(); // idempotent
        let d = s.ticket_detail(t.id, NOW + HOUR).await.unwrap().unwrap();
        assert_eq!(d.call_ids, vec![first.id, again.id]);
        // By the call's reference (what the IVR knows), once the call is recorded.
        assert!(!s.link_ticket_to_call_ref("c9", t.id, NOW).await.unwrap());
        assert!(s.link_ticket_to_call_ref("c2", t.id, NOW).await.unwrap());
        assert_eq!(s.call_id_by_ref("c2").await.unwrap(), Some(again.id));
        assert_eq!(s.call_id_by_ref("c9").await.unwrap(), None);
        let d = s.ticket_detail(t.id, NOW + HOUR).await.unwrap().unwrap();
        assert_eq!(d.call_ids, vec![first.id, again.id]);
        // A leak reporter who is not a customer is found by phone too.
        let passer = s.create_ticket(&leak(&f), Actor::Ivr, NOW).await.unwrap();
        let third = s
            .start_call(&NewCall {
                call_ref: "c3".into(),
                caller: "+86 139 0000 2222".into(),
                dialled: "96116".into(),
                started_at: NOW + 2 * HOUR,
            })
            .await
            .unwrap();
        assert_eq!(
            third.open_tickets.iter().map(|t| t.id).collect::<Vec<_>>(),
            vec![passer.id]
        );
        // An unknown caller identified later by account in the IVR.
        let stranger = s
            .start_call(&NewCall {
                call_ref: "c4".into(),
                caller: "13700000000".into(),
                dialled: "96116".into(),
                started_at: NOW + 3 * HOUR,
            })
            .await
            .unwrap();
        assert!(stranger.open_tickets.is_empty());
        let u = CallUpdate {
            customer_id: Some(f.customer),
            ivr_path: Some(vec!["welcome".into(), "account".into()]),
            ..CallUpdate::default()
        };
        let call = s.update_call(stranger.id, &u).await.unwrap();
        assert!(call.repeat_contact);
        assert_eq!(call.ivr_path, vec!["welcome", "account"]);
        // Closing the tickets ends the repeat: a later call is not one.
        for id in [t.id, passer.id] {
            s.transition(id, Action::Reply, &note(""), Actor::System, NOW)
                .await
                .unwrap();
            s.transition(id, Action::Close, &note(""), Actor::System, NOW)
                .await
                .unwrap();
        }
        let later = s
            .start_call(&NewCall {
                call_ref: "c5".into(),
                caller: "13800001111".into(),
                dialled: "96116".into(),
                started_at: NOW + 4 * HOUR,
            })
            .await
            .unwrap();
        assert!(later.open_tickets.is_empty());
        let dup = NewCall {
            call_ref: "c5".into(),
            caller: "1".into(),
            dialled: "2".into(),
            started_at: NOW,
        };
        assert!(matches!(
            s.start_call(&dup).await,
            Err(StoreError::Invalid {
                field: "call_ref",
                ..
            })
        ));
    })
    .await;
}

/// A call from `caller` at `at`: whether it is a repeat contact, and the open tickets found.
async fn repeat(s: &Store, call_ref: &str, caller: &str, at: Millis) -> (i64, bool, Vec<i64>) {
    let start = s
        .start_call(&NewCall {
            call_ref: call_ref.into(),
            caller: caller.into(),
            dialled: "96116".into(),
            started_at: at,
        })
        .await
        .unwrap();
    let call = s.call(start.id).await.unwrap().unwrap();
    let ids = start.open_tickets.iter().map(|t| t.id).collect();
    (start.id, call.repeat_contact, ids)
}

#[tokio::test]
async fn a_ticket_without_a_reporter_phone_makes_nobody_else_a_repeat_contact() {
    each_store(|s| async move {
        let f = fixture(&s).await;
        // Another customer, with a phone of her own and no ticket.
        let other = s
            .insert_customer(
                &NewCustomer {
                    account_no: "1000000002".into(),
                    name: "林小红".into(),
                    address: "城西区中山路8号".into(),
                    district_id: Some(f.other_district),
                    language: "zh".into(),
                    tier: "standard".into(),
                    manager_agent_id: None,
                    credit_flag: "none".into(),
                    credit_note: String::new(),
                    phones: vec!["13900003333".into()],
                    meters: vec![],
                },
                NOW - 400 * DAY,
            )
            .await
            .unwrap();
        // Open tickets with an empty reporter phone: one for the fixture's customer, one for
        // nobody (an agent's note about a street).
        let nobody = NewTicket {
            kind: "repair".into(),
            summary: "路灯不亮".into(),
            address: Some("中山路口".into()),
            ..NewTicket::default()
        };
        let no_phone = s
            .create_ticket(&nobody, Actor::Agent(f.agent), NOW)
            .await
            .unwrap();
        let theirs = NewTicket {
            reporter_phone: None,
            reporter_name: None,
            ..leak(&f)
        };
        let theirs = s
            .create_ticket(&theirs, Actor::Agent(f.agent), NOW)
            .await
            .unwrap();
        for t in [&no_phone, &theirs] {
            assert_eq!(t.reporter_phone, "", "stored with an empty reporter phone");
        }
        // NULL cannot be stored (the column is NOT NULL DEFAULT ''): the empty phone is the
        // case that occurs, and a NULL would not match `reporter_phone = $n` either.
        let null = sqlx::query("UPDATE tickets SET reporter_phone = NULL WHERE id = $1")
            .bind(no_phone.id)
            .execute(s.write_pool())
            .await;
        assert!(null.is_err(), "a NULL reporter phone is refused");

        // The other customer, identified by her number as she calls: not a repeat contact.
        let (_, flagged, found) = repeat(&s, "r1", "13900003333", NOW + HOUR).await;
        assert!(
            !flagged && found.is_empty(),
            "unrelated caller flagged: {found:?}"
        );
        // Identified later by her account number in the IVR: still not one.
        let (call, _, _) = repeat(&s, "r2", "13700000000", NOW + HOUR).await;
        let u = CallUpdate {
            customer_id: Some(other),
            ..CallUpdate::default()
        };
        assert!(!s.update_call(call, &u).await.unwrap().repeat_contact);
        // A caller whose number is no phone number (withheld) matches nothing.
        let (_, flagged, found) = repeat(&s, "r3", "anonymous", NOW + HOUR).await;
        assert!(
            !flagged && found.is_empty(),
            "withheld caller flagged: {found:?}"
        );
        assert!(s
            .open_tickets_for(Some(other), None, NOW)
            .await
            .unwrap()
            .is_empty());
        assert!(s
            .open_tickets_for(None, Some(""), NOW)
            .await
            .unwrap()
            .is_empty());

        // The fixture's customer has a real open ticket: her call is a repeat contact, found
        // through the account (the ticket has no phone), and only that ticket.
        let (_, flagged, found) = repeat(&s, "r4", "13800001111", NOW + HOUR).await;
        assert!(flagged);
        assert_eq!(found, vec![theirs.id]);
        // And a leak reporter is found by the number she reported from.
        let reported = s.create_ticket(&leak(&f), Actor::Ivr, NOW).await.unwrap();
        let (_, flagged, found) = repeat(&s, "r5", "+86 139 0000 2222", NOW + HOUR).await;
        assert!(flagged);
        assert_eq!(found, vec![reported.id]);
        // Several: the newest first, whether found by the account or by the number.
        let mut later = Vec::new();
        for at in [NOW + 2 * MIN, NOW + MIN] {
            later.push(s.create_ticket(&leak(&f), Actor::Ivr, at).await.unwrap().id);
        }
        let open = s
            .open_tickets_for(Some(f.customer), Some("13900002222"), NOW + HOUR)
            .await
            .unwrap();
        let ids: Vec<i64> = open.iter().map(|t| t.id).collect();
        assert_eq!(ids[..2], later[..], "{ids:?}");
        assert!(ids.contains(&reported.id), "{ids:?}");
    })
    .await;
}

#[tokio::test]
async fn follow_ups_are_retried_then_reached_or_given_up() {
    each_store(|s| async move {
        let f = fixture(&s).await;
        let retry = s.policy().follow_up.retry_after;
        let mut ids = Vec::new();
        for _ in 0..2 {
            let t = s.create_ticket(&leak(&f), Actor::Ivr, NOW).await.unwrap();
            for a in [Action::Reply, Action::Close] {
                s.transition(t.id, a, &note(""), Actor::System, NOW)
                    .await
                    .unwrap();
            }
            ids.push(t.id);
        }
        // An inquiry schedules no follow-up.
        let inquiry = NewTicket {
            kind: "inquiry".into(),
            ..leak(&f)
        };
        let q = s.create_ticket(&inquiry, Actor::Ivr, NOW).await.unwrap();
        for a in [Action::Reply, Action::Close] {
            s.transition(q.id, a, &note(""), Actor::System, NOW)
                .await
                .unwrap();
        }
        let due = s.due_followups(NOW, 50).await.unwrap();
        assert_eq!(due.iter().map(|d| d.ticket_id).collect::<Vec<_>>(), ids);
        assert_eq!(due[0].phone.as_deref(), Some("13900002222"));
        let (a, b) = (due[0].id, due[1].id);
        // a: not reached, then reached with a rating.
        let st = s
            .record_followup(a, &FollowUpResult::NotReached, "no answer", f.agent, NOW)
            .await
            .unwrap();
        assert_eq!(st, "pending");
        assert_eq!(s.due_followups(NOW + retry - 1, 50).await.unwrap().len(), 1);
        let st = s
            .record_followup(
                a,
                &FollowUpResult::Reached { rating: Some(5) },
                "satisfied",
                f.agent,
                NOW + retry,
            )
            .await
            .unwrap();
        assert_eq!(st, "reached");
        let t = s.ticket(ids[0], NOW + retry).await.unwrap().unwrap();
        assert_eq!((t.status, t.rating), (Status::Rated, Some(5)));
        let again = s
            .record_followup(a, &FollowUpResult::NotReached, "", f.agent, NOW + retry)
            .await;
        assert!(matches!(again, Err(StoreError::Conflict(_))));
        // b: never reached; given up after the last attempt, the ticket still moves on.
        let max = s.policy().follow_up.max_attempts;
        let mut at = NOW;
        for i in 1..=max {
            let st = s
                .record_followup(b, &FollowUpResult::NotReached, "", f.agent, at)
                .await
                .unwrap();
            assert_eq!(st, if i == max { "not_reached" } else { "pending" });
            at += retry;
        }
        let t = s.ticket(ids[1], at).await.unwrap().unwrap();
        assert_eq!((t.status, t.rating), (Status::FollowedUp, None));
        assert!(s
            .due_followups(at + 1000 * HOUR, 50)
            .await
            .unwrap()
            .is_empty());
        let bad = s
            .record_followup(
                b,
                &FollowUpResult::Reached { rating: Some(9) },
                "",
                f.agent,
                at,
            )
            .await;
        assert!(matches!(
            bad,
            Err(StoreError::Invalid {
                field: "rating",
                ..
            })
        ));
        assert!(matches!(
            s.record_followup(777, &FollowUpResult::NotReached, "", f.agent, at)
                .await,
            Err(StoreError::NotFound { .. })
        ));
    })
    .await;
}

#[tokio::test]
async fn concurrent_creations_each_get_their_own_answer() {
    // On SQLite these are committed together (group commit); a refused request in the same
    // batch must not fail or lose the others.
    each_store(|s| async move {
        let f = fixture(&s).await;
        let tasks: Vec<_> = (0..40)
            .map(|i| {
                let (s, t) = (s.clone(), leak(&f));
                tokio::spawn(async move {
                    let t = match i % 4 {
                        0 => NewTicket {
                            customer_id: Some(424242),
                            ..t
                        },
                        1 => NewTicket {
                            summary: format!("第{i}号"),
                            call_id: Some(777_777),
                            ..t
                        },
                        _ => NewTicket {
                            summary: format!("第{i}号"),
                            ..t
                        },
                    };
                    (i, s.create_ticket(&t, Actor::Ivr, NOW).await)
                })
            })
            .collect();
        let mut created = Vec::new();
        for task in tasks {
            let (i, result) = task.await.unwrap();
            match (i % 4, result) {
                (0, Err(StoreError::Invalid { field, .. })) => assert_eq!(field, "customer_id"),
                (1, Err(StoreError::Invalid { field, .. })) => assert_eq!(field, "call_id"),
                (_, Ok(t)) if i % 4 > 1 => {
                    assert_eq!(t.summary, format!("第{i}号"));
                    assert_eq!(t.district_id, Some(f.district));
                    created.push(t.id);
                }
                (_, other) => panic!("request {i}: {other:?}"),
            }
        }
        created.sort_unstable();
        let listed = s
            .list_tickets(
                &TicketFilter {
                    limit: 100,
                    ..TicketFilter::default()
                },
                NOW,
            )
            .await
            .unwrap();
        let mut ids: Vec<i64> = listed.iter().map(|t| t.id).collect();
        ids.sort_unstable();
        assert_eq!(ids, created);
        for id in created {
            let d = s.ticket_detail(id, NOW).await.unwrap().unwrap();
            let kinds: Vec<&str> = d.events.iter().map(|e| e.kind.as_str()).collect();
            assert_eq!(kinds, ["created"], "ticket {id}");
        }
    })
    .await;
}
