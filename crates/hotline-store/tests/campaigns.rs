//! Outbound campaigns' records on SQLite and (when configured) PostgreSQL: a campaign made
//! with its fields checked, its life's moves in their allowed order, targets added once per
//! account while a draft, the lists made by rule (arrears with the IVR's figures, a notice's
//! districts, follow-ups due, a manager's key accounts), attempts stored before the dial and
//! never twice, ended once, closed as failed after a restart, the progress figures, the calls
//! per customer on a day, and the do-not-call list.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use std::collections::BTreeMap;

use common::*;
use hotline_store::*;

fn dunning(name: &str) -> NewCampaign {
    NewCampaign {
        name: name.into(),
        kind: "dunning".into(),
        mode: "ivr".into(),
        flow: "dunning".into(),
        queue: None,
        settings: serde_json::json!({"attempts_per_sec": 5}),
        source: serde_json::json!({"rule": "arrears", "min_fen": 10000}),
    }
}

fn target(account: &str, number: &str) -> NewTarget {
    NewTarget {
        account: account.into(),
        number: number.into(),
        data: BTreeMap::from([("amount_due_fen".to_string(), "20700".to_string())]),
    }
}

fn field(e: StoreError) -> String {
    match e {
        StoreError::Invalid { field, .. } => field.to_string(),
        other => panic!("not a field error: {other:?}"),
    }
}

#[tokio::test]
async fn a_campaign_is_checked_made_and_moved_only_as_its_life_allows() {
    each_store(|s| async move {
        let f = fixture(&s).await;
        for (bad, want) in [
            (
                NewCampaign {
                    name: " ".into(),
                    ..dunning("x")
                },
                "name",
            ),
            (
                NewCampaign {
                    kind: "spam".into(),
                    ..dunning("x")
                },
                "kind",
            ),
            (
                NewCampaign {
                    mode: "predictive".into(),
                    ..dunning("x")
                },
                "mode",
            ),
            (
                NewCampaign {
                    flow: "".into(),
                    ..dunning("x")
                },
                "flow",
            ),
            (
                NewCampaign {
                    mode: "progressive".into(),
                    ..dunning("x")
                },
                "queue",
            ),
            (
                NewCampaign {
                    settings: serde_json::json!([1]),
                    ..dunning("x")
                },
                "settings",
            ),
        ] {
            let e = s
                .create_campaign(&bad, Some(f.agent), NOW)
                .await
                .unwrap_err();
            assert_eq!(field(e), want);
        }
        let c = s
            .create_campaign(&dunning("十二月催缴"), Some(f.agent), NOW)
            .await
            .unwrap();
        assert_eq!(c.status, CampaignStatus::Draft);
        assert_eq!(c.created_by_name.as_deref(), Some("张敏"));
        assert_eq!(c.settings["attempts_per_sec"], 5);
        assert!(matches!(
            s.create_campaign(&dunning("十二月催缴"), None, NOW).await,
            Err(StoreError::Conflict(_))
        ));
        // Targets: once per account, only while a draft.
        let added = s
            .add_campaign_targets(
                c.id,
                &[
                    target("1000000001", "13800001111"),
                    target("1000000001", "13800001111"),
                    target("X-9", "13900009999"),
                ],
                NOW,
            )
            .await
            .unwrap();
        assert_eq!(added, 2);
        let ts = s
            .campaign_targets(
                c.id,
                &TargetFilter {
                    limit: 10,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(ts.len(), 2);
        assert_eq!(ts[0].customer_id, Some(f.customer), "found by account");
        assert_eq!(ts[0].customer_name.as_deref(), Some("陈建国"));
        assert_eq!(
            ts[1].customer_id, None,
            "an account the records do not know"
        );
        assert_eq!(ts[0].data["amount_due_fen"], "20700");
        assert_eq!(ts[0].state, "pending");
        // Moves.
        assert!(matches!(
            s.set_campaign_status(c.id, CampaignStatus::Paused, None, NOW)
                .await,
            Err(StoreError::Conflict(_))
        ));
        let r = s
            .set_campaign_status(c.id, CampaignStatus::Running, None, NOW + 1)
            .await
            .unwrap();
        assert_eq!(
            (r.status, r.started_at),
            (CampaignStatus::Running, Some(NOW + 1))
        );
        assert!(matches!(
            s.add_campaign_targets(c.id, &[target("1000000002", "13800002222")], NOW)
                .await,
            Err(StoreError::Conflict(_))
        ));
        let p = s
            .set_campaign_status(
                c.id,
                CampaignStatus::Paused,
                Some("503 from the trunk"),
                NOW + 2,
            )
            .await
            .unwrap();
        assert_eq!(p.status_reason.as_deref(), Some("503 from the trunk"));
        let r = s
            .set_campaign_status(c.id, CampaignStatus::Running, None, NOW + 3)
            .await
            .unwrap();
        assert_eq!(r.started_at, Some(NOW + 1), "the first start is kept");
        assert_eq!(r.status_reason, None);
        let st = s
            .set_campaign_status(c.id, CampaignStatus::Stopped, Some("enough"), NOW + 4)
            .await
            .unwrap();
        assert_eq!(
            (st.status, st.ended_at),
            (CampaignStatus::Stopped, Some(NOW + 4))
        );
        for to in CampaignStatus::ALL {
            assert!(
                s.set_campaign_status(c.id, to, None, NOW + 5)
                    .await
                    .is_err(),
                "a stopped campaign never becomes {to:?}"
            );
        }
        let all = s.campaigns(None).await.unwrap();
        assert_eq!(all.len(), 1);
        assert!(s
            .campaigns(Some(CampaignStatus::Running))
            .await
            .unwrap()
            .is_empty());
    })
    .await;
}

#[tokio::test]
async fn rules_make_lists_from_the_customer_records() {
    each_store(|s| async move {
        let f = fixture(&s).await;
        let arrears = |min_fen, min_months, districts: &[&str], tiers: &[&str]| ListRule::Arrears {
            min_fen,
            min_months,
            districts: districts.iter().map(|d| d.to_string()).collect(),
            tiers: tiers.iter().map(|t| t.to_string()).collect(),
        };
        // The fixture's customer owes three bills of 69.00 元.
        let rows = s
            .rule_rows(&arrears(20_000, 3, &[], &[]), NOW)
            .await
            .unwrap();
        assert_eq!(rows.len(), 1);
        let r = &rows[0];
        assert_eq!(r.account, "1000000001");
        assert!(r.phone.is_some());
        assert_eq!(r.data["months"], "3");
        assert_eq!(r.data["principal_fen"], "20700");
        let owed = s.arrears(f.customer, NOW).await.unwrap();
        assert_eq!(
            r.data["amount_due_fen"],
            owed.total_fen.to_string(),
            "what the IVR says"
        );
        assert_eq!(r.data["district"], "east");
        assert_eq!(
            r.data["amount_due"],
            format!("{}.{:02}", owed.total_fen / 100, owed.total_fen % 100),
            "in yuan, as the dunning flow reads it"
        );
        for none in [
            arrears(20_701, 1, &[], &[]),
            arrears(1, 4, &[], &[]),
            arrears(1, 1, &["west"], &[]),
            arrears(1, 1, &[], &["standard"]),
        ] {
            assert!(
                s.rule_rows(&none, NOW).await.unwrap().is_empty(),
                "{none:?}"
            );
        }
        assert_eq!(
            s.rule_rows(&arrears(1, 1, &["east", "west"], &["key_account"]), NOW)
                .await
                .unwrap()
                .len(),
            1
        );
        // A notice of the east district: its customers.
        let notice = s
            .insert_notice(&NewNotice {
                district_id: f.district,
                kind: "planned".into(),
                title: "计划停水".into(),
                body: "明日 9:00-17:00 停水".into(),
                starts_at: NOW + DAY,
                ends_at: Some(NOW + DAY + 8 * 3_600_000),
            })
            .await
            .unwrap();
        let rows = s
            .rule_rows(&ListRule::Notice { notice_id: notice }, NOW)
            .await
            .unwrap();
        assert_eq!(
            rows.iter().map(|r| r.account.as_str()).collect::<Vec<_>>(),
            ["1000000001"]
        );
        assert_eq!(rows[0].data["notice_id"], notice.to_string());
        assert!(matches!(
            s.rule_rows(
                &ListRule::Notice {
                    notice_id: notice + 99
                },
                NOW
            )
            .await,
            Err(StoreError::NotFound { .. })
        ));
        // The manager's key accounts.
        let rows = s
            .rule_rows(
                &ListRule::KeyAccounts {
                    manager_id: f.agent,
                },
                NOW,
            )
            .await
            .unwrap();
        assert_eq!(rows.len(), 1);
        assert!(s
            .rule_rows(
                &ListRule::KeyAccounts {
                    manager_id: f.agent + 99
                },
                NOW
            )
            .await
            .unwrap()
            .is_empty());
        // Follow-ups due on closed leak tickets: the reporter is asked.
        let t = s
            .create_ticket(
                &NewTicket {
                    kind: "leak".into(),
                    customer_id: Some(f.customer),
                    summary: "路面冒水".into(),
                    reporter_phone: Some("13900002222".into()),
                    ..NewTicket::default()
                },
                Actor::Ivr,
                NOW,
            )
            .await
            .unwrap();
        for a in [Action::Reply, Action::Close] {
            s.transition(t.id, a, &TransitionInput::default(), Actor::System, NOW)
                .await
                .unwrap();
        }
        let rows = s
            .rule_rows(
                &ListRule::FollowUps {
                    kinds: vec!["leak".into()],
                },
                NOW,
            )
            .await
            .unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].phone.as_deref(), Some("13900002222"));
        assert_eq!(rows[0].data["ticket_id"], t.id.to_string());
        assert_eq!(rows[0].data["ticket_kind"], "leak");
        assert!(rows[0].data.contains_key("closed_at"));
        assert_eq!(rows[0].data["ticket"], t.id.to_string());
        assert_eq!(
            rows[0].data["closed"].len(),
            10,
            "a date: {:?}",
            rows[0].data
        );
        assert!(s
            .rule_rows(
                &ListRule::FollowUps {
                    kinds: vec!["meter".into()]
                },
                NOW
            )
            .await
            .unwrap()
            .is_empty());
        assert_eq!(
            s.rule_rows(&ListRule::FollowUps { kinds: vec![] }, NOW)
                .await
                .unwrap()
                .len(),
            1
        );
    })
    .await;
}

#[tokio::test]
async fn attempts_are_stored_before_the_dial_never_twice_and_counted() {
    each_store(|s| async move {
        let _f = fixture(&s).await;
        let c = s
            .create_campaign(&dunning("催缴"), None, NOW)
            .await
            .unwrap();
        s.add_campaign_targets(
            c.id,
            &[
                target("1000000001", "13800001111"),
                target("A-2", "13900002222"),
                target("A-3", "13900003333"),
            ],
            NOW,
        )
        .await
        .unwrap();
        let ts = s
            .campaign_targets(
                c.id,
                &TargetFilter {
                    limit: 10,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let (a, b, z) = (ts[0].id, ts[1].id, ts[2].id);
        // Not running: no call.
        assert!(matches!(
            s.start_campaign_attempt(a, 1, "13800001111", NOW).await,
            Err(StoreError::Conflict(_))
        ));
        s.set_campaign_status(c.id, CampaignStatus::Running, None, NOW)
            .await
            .unwrap();
        assert!(s
            .start_campaign_attempt(a, 1, "13800001111", NOW)
            .await
            .unwrap()
            .is_some());
        // The same attempt again (a restart replaying the dialler): not placed twice.
        assert_eq!(
            s.start_campaign_attempt(a, 1, "13800001111", NOW + 5)
                .await
                .unwrap(),
            None
        );
        assert_eq!(
            s.campaign_target(a).await.unwrap().unwrap().state,
            "in_progress"
        );
        let promise = AttemptEnd {
            result: "answered".into(),
            at: NOW + 60_000,
            talk_ms: Some(50_000),
            keys: Some("1".into()),
            promise_fen: Some(20_700),
            promise_by: Some("2026-11-25".into()),
            ..AttemptEnd::default()
        };
        assert!(s.end_campaign_attempt(a, 1, &promise).await.unwrap());
        assert!(
            !s.end_campaign_attempt(
                a,
                1,
                &AttemptEnd {
                    result: "busy".into(),
                    at: NOW + 70_000,
                    ..AttemptEnd::default()
                }
            )
            .await
            .unwrap(),
            "ended once"
        );
        // The target notes the result with the attempt; the second report changes nothing.
        let t = s.campaign_target(a).await.unwrap().unwrap();
        assert_eq!(
            (t.last_result.as_deref(), t.state.as_str()),
            (Some("answered"), "in_progress")
        );
        for (bad, want) in [
            (
                AttemptEnd {
                    result: "great".into(),
                    ..promise.clone()
                },
                "result",
            ),
            (
                AttemptEnd {
                    promise_fen: Some(0),
                    ..promise.clone()
                },
                "promise_fen",
            ),
            (
                AttemptEnd {
                    promise_by: Some("2026-02-30".into()),
                    ..promise.clone()
                },
                "promise_by",
            ),
            (
                AttemptEnd {
                    rating: Some(6),
                    ..promise.clone()
                },
                "rating",
            ),
        ] {
            assert_eq!(
                field(s.end_campaign_attempt(b, 1, &bad).await.unwrap_err()),
                want
            );
        }
        assert!(matches!(
            s.end_campaign_attempt(b, 1, &promise).await,
            Err(StoreError::NotFound { .. })
        ));
        s.set_target_state(a, "done", None, Some("answered"), None, NOW + 60_000)
            .await
            .unwrap();
        // b: busy, then a retry due; z: opted out on the keypad.
        s.start_campaign_attempt(b, 1, "13900002222", NOW + 1)
            .await
            .unwrap()
            .unwrap();
        s.end_campaign_attempt(
            b,
            1,
            &AttemptEnd {
                result: "busy".into(),
                at: NOW + 2_000,
                ..AttemptEnd::default()
            },
        )
        .await
        .unwrap();
        s.set_target_state(
            b,
            "due",
            Some(NOW + 1_800_000),
            Some("busy"),
            None,
            NOW + 2_000,
        )
        .await
        .unwrap();
        s.start_campaign_attempt(z, 1, "13900003333", NOW + 2)
            .await
            .unwrap()
            .unwrap();
        s.end_campaign_attempt(
            z,
            1,
            &AttemptEnd {
                result: "opted_out".into(),
                at: NOW + 30_000,
                keys: Some("9".into()),
                ..AttemptEnd::default()
            },
        )
        .await
        .unwrap();
        s.set_target_state(z, "done", None, Some("opted_out"), None, NOW + 30_000)
            .await
            .unwrap();
        // b's second attempt is under way when the engine dies: closed as failed at restart.
        s.start_campaign_attempt(b, 2, "13900002222", NOW + 1_800_000)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            s.close_unfinished_attempts(c.id, NOW + 1_900_000)
                .await
                .unwrap(),
            1
        );
        let tries = s.campaign_attempts(c.id, Some(b), 10).await.unwrap();
        assert_eq!(
            tries
                .iter()
                .map(|t| (t.attempt, t.result.as_deref()))
                .collect::<Vec<_>>(),
            [(1, Some("busy")), (2, Some("failed"))]
        );
        assert_eq!(tries[1].ended_at, Some(NOW + 1_900_000));
        let p = s.campaign_progress(c.id).await.unwrap();
        assert_eq!(
            (
                p.targets,
                p.done,
                p.in_progress,
                p.dialled,
                p.reached,
                p.promises,
                p.promised_fen,
                p.opted_out,
                p.remaining
            ),
            (3, 2, 1, 4, 2, 1, 20_700, 1, 1)
        );
        // The customer's contact history and the calls per customer on the day.
        let mine = s.account_campaign_attempts("1000000001", 10).await.unwrap();
        assert_eq!(mine.len(), 1);
        assert_eq!(mine[0].promise_by.as_deref(), Some("2026-11-25"));
        let today = s.campaign_calls_between(NOW, NOW + DAY).await.unwrap();
        assert_eq!(
            today,
            vec![
                ("1000000001".to_string(), 1),
                ("A-2".to_string(), 2),
                ("A-3".to_string(), 1)
            ]
        );
        assert!(s
            .campaign_calls_between(NOW + DAY, NOW + 2 * DAY)
            .await
            .unwrap()
            .is_empty());
        // The figures /metrics shows.
        let f = s.campaign_figures().await.unwrap();
        let by: Vec<(String, i64)> = f.attempts.iter().map(|a| (a.result.clone(), a.n)).collect();
        assert_eq!(
            by,
            [
                ("answered".into(), 1),
                ("busy".into(), 1),
                ("failed".into(), 1),
                ("opted_out".into(), 1)
            ]
        );
        assert_eq!((f.promises[0].promises, f.promises[0].fen), (1, 20_700));
        assert_eq!(f.live.len(), 1);
        assert_eq!(f.live[0].targets.iter().map(|t| t.1).sum::<i64>(), 3);
        assert_eq!(
            field(
                s.set_target_state(a, "lost", None, None, None, NOW)
                    .await
                    .unwrap_err()
            ),
            "state"
        );
    })
    .await;
}

/// A running campaign `name` over `list`: its id and its targets' ids, in list order.
async fn running(s: &Store, name: &str, list: &[NewTarget]) -> (i64, Vec<i64>) {
    let c = s.create_campaign(&dunning(name), None, NOW).await.unwrap();
    s.add_campaign_targets(c.id, list, NOW).await.unwrap();
    s.set_campaign_status(c.id, CampaignStatus::Running, None, NOW)
        .await
        .unwrap();
    let filter = TargetFilter {
        limit: 100,
        ..Default::default()
    };
    let ts = s.campaign_targets(c.id, &filter).await.unwrap();
    (c.id, ts.iter().map(|t| t.id).collect())
}

/// The per-customer limit is checked where the attempt is stored: of two campaigns calling
/// the same customer, only the calls the limit allows are stored, also when they come at once
/// (on PostgreSQL over several connections).
#[tokio::test]
async fn the_per_customer_limit_holds_across_campaigns_dialling_at_once() {
    each_store(|s| async move {
        let _f = fixture(&s).await;
        let mut targets = Vec::new();
        for name in ["催缴", "停电通知", "回访", "催缴二"] {
            let list = [target("A-1", "13900001111"), target("A-2", "13900002222")];
            let (_, ts) = running(&s, name, &list).await;
            targets.push((ts[0], ts[1]));
        }
        let today = DailyCap {
            max: 1,
            from: NOW,
            to: NOW + DAY,
        };
        // the first campaign's call is stored; the second's is refused, counted.
        let (a1, _) = targets[0];
        let (b1, _) = targets[1];
        assert!(matches!(
            s.start_campaign_attempt_within(a1, 1, "13900001111", NOW + 1, Some(today))
                .await
                .unwrap(),
            AttemptStart::Started(_)
        ));
        assert_eq!(
            s.start_campaign_attempt_within(b1, 1, "13900001111", NOW + 2, Some(today))
                .await
                .unwrap(),
            AttemptStart::OverDailyLimit(1)
        );
        assert_eq!(
            s.campaign_target(b1).await.unwrap().unwrap().state,
            "pending",
            "a refused attempt leaves its target as it was"
        );
        // A limit of 2 lets the second through; tomorrow the count starts again.
        let two = DailyCap { max: 2, ..today };
        assert!(matches!(
            s.start_campaign_attempt_within(b1, 1, "13900001111", NOW + 3, Some(two))
                .await
                .unwrap(),
            AttemptStart::Started(_)
        ));
        let tomorrow = DailyCap {
            max: 1,
            from: NOW + DAY,
            to: NOW + 2 * DAY,
        };
        let (c1, _) = targets[2];
        assert!(matches!(
            s.start_campaign_attempt_within(c1, 1, "13900001111", NOW + DAY, Some(tomorrow))
                .await
                .unwrap(),
            AttemptStart::Started(_)
        ));
        // the four campaigns store their calls at once; one gets through.
        let mut at_once = tokio::task::JoinSet::new();
        for &(_, t) in &targets {
            let s = s.clone();
            at_once.spawn(async move {
                s.start_campaign_attempt_within(t, 1, "13900002222", NOW + 5, Some(today))
                    .await
                    .unwrap()
            });
        }
        let starts = at_once.join_all().await;
        let started = starts
            .iter()
            .filter(|a| matches!(a, AttemptStart::Started(_)))
            .count();
        assert_eq!(started, 1, "{starts:?}");
        assert_eq!(
            s.campaign_calls_between(NOW, NOW + DAY).await.unwrap(),
            vec![("A-1".to_string(), 2), ("A-2".to_string(), 1)]
        );
    })
    .await;
}

/// The do-not-call list is checked where the attempt is stored, by number (as the customer
/// records keep it) and by account: a number put on it a moment before the dial is not called.
#[tokio::test]
async fn an_attempt_to_a_number_or_account_on_the_list_is_not_stored() {
    each_store(|s| async move {
        let _f = fixture(&s).await;
        let list = [
            target("A-1", "13900001111"),
            target("A-2", "13900002222"),
            target("A-3", "13900003333"),
        ];
        let (campaign, ts) = running(&s, "催缴", &list).await;
        for entry in [
            NewDnc {
                number: Some("+86 139 0000 1111".into()),
                source: "agent".into(),
                ..NewDnc::default()
            },
            NewDnc {
                account: Some("A-2".into()),
                source: "api".into(),
                ..NewDnc::default()
            },
        ] {
            s.add_do_not_call(&entry, None, NOW).await.unwrap();
        }
        for (t, number) in [(ts[0], "13900001111"), (ts[1], "13900002222")] {
            assert_eq!(
                s.start_campaign_attempt_within(t, 1, number, NOW + 1, None)
                    .await
                    .unwrap(),
                AttemptStart::DoNotCall,
                "{number}"
            );
            assert_eq!(
                s.campaign_target(t).await.unwrap().unwrap().state,
                "pending"
            );
        }
        assert!(matches!(
            s.start_campaign_attempt_within(ts[2], 1, "13900003333", NOW + 1, None)
                .await
                .unwrap(),
            AttemptStart::Started(_)
        ));
        assert_eq!(
            s.campaign_attempts(campaign, None, 10).await.unwrap().len(),
            1
        );
    })
    .await;
}

#[tokio::test]
async fn the_do_not_call_list_holds_each_number_and_account_once() {
    each_store(|s| async move {
        let f = fixture(&s).await;
        let e = NewDnc {
            number: Some("+86 139 0000 3333".into()),
            account: Some("A-3".into()),
            source: "keypad".into(),
            note: "pressed 9".into(),
        };
        assert_eq!(s.add_do_not_call(&e, None, NOW).await.unwrap(), 2);
        assert_eq!(
            s.add_do_not_call(&e, Some(f.agent), NOW + 1).await.unwrap(),
            0,
            "once"
        );
        assert!(s.on_do_not_call("13900003333", "other").await.unwrap());
        assert!(
            s.on_do_not_call("0086 139 0000 3333", "other")
                .await
                .unwrap(),
            "one form"
        );
        assert!(s.on_do_not_call("13000000000", "A-3").await.unwrap());
        assert!(!s.on_do_not_call("13000000000", "other").await.unwrap());
        assert_eq!(
            field(
                s.add_do_not_call(
                    &NewDnc {
                        source: "keypad".into(),
                        ..NewDnc::default()
                    },
                    None,
                    NOW
                )
                .await
                .unwrap_err()
            ),
            "number"
        );
        assert_eq!(
            field(
                s.add_do_not_call(
                    &NewDnc {
                        source: "rumour".into(),
                        ..e.clone()
                    },
                    None,
                    NOW
                )
                .await
                .unwrap_err()
            ),
            "source"
        );
        let list = s.do_not_call_list(10).await.unwrap();
        assert_eq!(list.len(), 2);
        for entry in &list {
            s.remove_do_not_call(entry.id).await.unwrap();
        }
        assert!(!s.on_do_not_call("13900003333", "A-3").await.unwrap());
        assert!(matches!(
            s.remove_do_not_call(list[0].id).await,
            Err(StoreError::NotFound { .. })
        ));
    })
    .await;
}
