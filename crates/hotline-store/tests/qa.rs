//! Quality assessment's records on SQLite and (when configured) PostgreSQL: an evaluation
//! saved with the call's agent and team, the second evaluator's kept as calibration, revising
//! and the agent's acknowledgement or dispute and its resolution in their allowed order, the
//! weekly work list kept once and joined with evaluations, the report per week by team and
//! agent, and the per-team figures.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::*;
use hotline_store::*;

async fn person(s: &Store, login: &str, team: &str, role: Role) -> i64 {
    s.upsert_agent(
        &NewAgent {
            login: login.into(),
            name: format!("name-{login}"),
            staff_no: format!("s-{login}"),
            sip_user: format!("sip-{login}"),
            ha1_md5: "0".repeat(32),
            ha1_sha256: "0".repeat(64),
            team: team.into(),
            role,
            language: "zh".into(),
            skills: vec![],
        },
        NOW,
    )
    .await
    .unwrap()
}

/// An answered, ended call of `agent`.
async fn answered(s: &Store, r: &str, agent: i64, at: Millis) -> i64 {
    let id = s
        .start_call(&NewCall {
            call_ref: r.into(),
            caller: "13800001111".into(),
            dialled: "96655".into(),
            started_at: at,
        })
        .await
        .unwrap()
        .id;
    s.update_call(
        id,
        &CallUpdate {
            answered_at: Some(at + 5_000),
            agent_id: Some(agent),
            ended_at: Some(at + 65_000),
            talk_ms: Some(60_000),
            ..CallUpdate::default()
        },
    )
    .await
    .unwrap();
    id
}

fn scored(tenths: i64, critical: bool) -> Scored {
    Scored {
        form_id: "standard".into(),
        form_version: "abcdef012345".into(),
        answers: r#"{"staff_number":"yes","solution":3}"#.into(),
        comments: " 语气很好 ".into(),
        percent_tenths: tenths,
        passed: tenths >= 800 && !critical,
        critical_failed: critical,
    }
}

#[tokio::test]
async fn an_evaluation_counts_once_and_a_second_is_calibration() {
    each_store(|s| async move {
        let f = fixture(&s).await;
        let qa = person(&s, "qa1", "", Role::Qa).await;
        let qa2 = person(&s, "qa2", "", Role::Qa).await;
        let call = answered(&s, "c-1", f.agent, NOW).await;
        let e = s
            .add_evaluation(call, "2026-W47", qa, &scored(905, false), NOW + 1)
            .await
            .unwrap();
        assert_eq!((e.agent_id, e.team.as_str()), (f.agent, "billing"));
        assert_eq!((e.percent, e.passed, e.calibration), (90.5, true, false));
        assert_eq!(e.comments, "语气很好");
        assert_eq!(e.answers["solution"], 3);
        assert_eq!(e.status, EvaluationStatus::Open);
        assert_eq!(e.call_ref, "c-1");
        assert_eq!(e.evaluator_name, "name-qa1");
        // The same evaluator again: a conflict, nothing added.
        let again = s
            .add_evaluation(call, "2026-W47", qa, &scored(500, false), NOW + 2)
            .await;
        assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
        let second = s
            .add_evaluation(call, "2026-W47", qa2, &scored(700, false), NOW + 3)
            .await
            .unwrap();
        assert!(second.calibration);
        // The agent's own list leaves calibration out; the evaluators' includes it.
        let own = s
            .evaluations(&EvaluationFilter {
                agent_id: Some(f.agent),
                ..EvaluationFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(own.iter().map(|e| e.id).collect::<Vec<_>>(), vec![e.id]);
        let all = s
            .evaluations(&EvaluationFilter {
                call_id: Some(call),
                with_calibration: true,
                ..EvaluationFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(all.len(), 2);
        let sets = s
            .calibration_sets("2026-W01", "2026-W53", None)
            .await
            .unwrap();
        assert_eq!(sets.len(), 1);
        assert_eq!(
            sets[0].iter().map(|e| e.percent).collect::<Vec<_>>(),
            vec![90.5, 70.0]
        );
        assert!(s
            .calibration_sets("2026-W01", "2026-W53", Some("other"))
            .await
            .unwrap()
            .is_empty());
    })
    .await;
}

#[tokio::test]
async fn calls_that_cannot_be_evaluated_are_refused() {
    each_store(|s| async move {
        let f = fixture(&s).await;
        let qa = person(&s, "qa1", "", Role::Qa).await;
        let open = s
            .start_call(&NewCall {
                call_ref: "open".into(),
                caller: "1".into(),
                dialled: "2".into(),
                started_at: NOW,
            })
            .await
            .unwrap()
            .id;
        let r = s
            .add_evaluation(open, "2026-W47", qa, &scored(900, false), NOW)
            .await;
        assert!(
            matches!(
                r,
                Err(StoreError::Invalid {
                    field: "call_id",
                    ..
                })
            ),
            "{r:?}"
        );
        let r = s
            .add_evaluation(9999, "2026-W47", qa, &scored(900, false), NOW)
            .await;
        assert!(matches!(r, Err(StoreError::NotFound { .. })), "{r:?}");
        let call = answered(&s, "c-own", f.agent, NOW).await;
        let r = s
            .add_evaluation(call, "2026-W47", f.agent, &scored(900, false), NOW)
            .await;
        assert!(matches!(r, Err(StoreError::Forbidden(_))), "{r:?}");
        let r = s
            .add_evaluation(call, "2026-W47", qa, &scored(1001, false), NOW)
            .await;
        assert!(matches!(r, Err(StoreError::Invalid { .. })), "{r:?}");
        let mut long = scored(900, false);
        long.comments = "字".repeat(MAX_QA_NOTE_FOR_TEST + 1);
        let r = s.add_evaluation(call, "2026-W47", qa, &long, NOW).await;
        assert!(
            matches!(
                r,
                Err(StoreError::Invalid {
                    field: "comments",
                    ..
                })
            ),
            "{r:?}"
        );
        assert!(s
            .evaluations(&EvaluationFilter {
                with_calibration: true,
                ..EvaluationFilter::default()
            })
            .await
            .unwrap()
            .is_empty());
    })
    .await;
}

const MAX_QA_NOTE_FOR_TEST: usize = hotline_store::qa::MAX_QA_NOTE;

#[tokio::test]
async fn the_agent_acknowledges_or_disputes_and_a_dispute_is_resolved() {
    each_store(|s| async move {
        let f = fixture(&s).await;
        let qa = person(&s, "qa1", "", Role::Qa).await;
        let other = person(&s, "li", "billing", Role::Agent).await;
        let c1 = answered(&s, "c-1", f.agent, NOW).await;
        let c2 = answered(&s, "c-2", f.agent, NOW + 1000).await;
        let e1 = s
            .add_evaluation(c1, "2026-W47", qa, &scored(1000, false), NOW)
            .await
            .unwrap();
        let e2 = s
            .add_evaluation(c2, "2026-W47", qa, &scored(0, true), NOW)
            .await
            .unwrap();
        // Another agent cannot answer; the evaluator may revise while it is open.
        let r = s
            .answer_evaluation(e1.id, other, &AgentAnswer::Acknowledge(None), NOW)
            .await;
        assert!(matches!(r, Err(StoreError::Forbidden(_))), "{r:?}");
        let r = s
            .revise_evaluation(e1.id, other, &scored(900, false), NOW)
            .await;
        assert!(matches!(r, Err(StoreError::Forbidden(_))), "{r:?}");
        let revised = s
            .revise_evaluation(e1.id, qa, &scored(950, false), NOW + 5)
            .await
            .unwrap();
        assert_eq!((revised.percent, revised.updated_at), (95.0, NOW + 5));
        let ack = s
            .answer_evaluation(e1.id, f.agent, &AgentAnswer::Acknowledge(None), NOW + 6)
            .await
            .unwrap();
        assert_eq!(ack.status, EvaluationStatus::Acknowledged);
        assert_eq!(ack.agent_note, None);
        // Acknowledged: no more revision, no second answer.
        let r = s
            .revise_evaluation(e1.id, qa, &scored(100, false), NOW + 7)
            .await;
        assert!(matches!(r, Err(StoreError::Conflict(_))), "{r:?}");
        let r = s
            .answer_evaluation(e1.id, f.agent, &AgentAnswer::Dispute("x".into()), NOW)
            .await;
        assert!(matches!(r, Err(StoreError::Conflict(_))), "{r:?}");
        // A dispute needs a note; then it can be revised and resolved once.
        let r = s
            .answer_evaluation(e2.id, f.agent, &AgentAnswer::Dispute("  ".into()), NOW)
            .await;
        assert!(
            matches!(r, Err(StoreError::Invalid { field: "note", .. })),
            "{r:?}"
        );
        let r = s.resolve_evaluation(e2.id, qa, "ok", NOW).await;
        assert!(matches!(r, Err(StoreError::Conflict(_))), "{r:?}");
        let d = s
            .answer_evaluation(
                e2.id,
                f.agent,
                &AgentAnswer::Dispute("我报了工号，在第5秒".into()),
                NOW + 8,
            )
            .await
            .unwrap();
        assert_eq!(d.status, EvaluationStatus::Disputed);
        assert_eq!(d.agent_note.as_deref(), Some("我报了工号，在第5秒"));
        s.revise_evaluation(e2.id, qa, &scored(880, false), NOW + 9)
            .await
            .unwrap();
        let done = s
            .resolve_evaluation(e2.id, qa, "录音第5秒确有工号，已改分", NOW + 10)
            .await
            .unwrap();
        assert_eq!(done.status, EvaluationStatus::Resolved);
        assert_eq!((done.percent, done.critical_failed), (88.0, false));
        assert_eq!(done.resolved_by, Some(qa));
        assert_eq!(done.resolved_by_name.as_deref(), Some("name-qa1"));
        let r = s.resolve_evaluation(e2.id, qa, "again", NOW + 11).await;
        assert!(matches!(r, Err(StoreError::Conflict(_))), "{r:?}");
    })
    .await;
}

#[tokio::test]
async fn the_work_list_is_kept_once_and_shows_evaluations() {
    each_store(|s| async move {
        let f = fixture(&s).await;
        let qa = person(&s, "qa1", "", Role::Qa).await;
        let li = person(&s, "li", "repair", Role::Agent).await;
        let a = answered(&s, "a", f.agent, NOW).await;
        let b = answered(&s, "b", f.agent, NOW + 1000).await;
        let c = answered(&s, "c", li, NOW + 2000).await;
        // Outside the period, and a call no agent answered: never sampled.
        answered(&s, "late", li, NOW + 10 * DAY).await;
        s.start_call(&NewCall {
            call_ref: "ivr-only".into(),
            caller: "1".into(),
            dialled: "2".into(),
            started_at: NOW + 3000,
        })
        .await
        .unwrap();
        let calls = s.calls_to_sample(NOW, NOW + DAY).await.unwrap();
        assert_eq!(calls, vec![(f.agent, a), (f.agent, b), (li, c)]);
        let secret = s.qa_sample_secret().await.unwrap();
        assert_eq!(secret.len(), 64);
        assert_eq!(s.qa_sample_secret().await.unwrap(), secret, "kept");
        assert_eq!(
            s.keep_qa_sample("2026-W47", &[(f.agent, b), (li, c)], NOW)
                .await
                .unwrap(),
            2
        );
        assert_eq!(
            s.keep_qa_sample("2026-W47", &[(f.agent, b), (li, c)], NOW)
                .await
                .unwrap(),
            0,
            "drawn again: nothing new"
        );
        assert!(s.keep_qa_sample("47", &[], NOW).await.is_err());
        s.add_evaluation(c, "2026-W47", qa, &scored(815, false), NOW)
            .await
            .unwrap();
        let work = s.qa_work("2026-W47", None).await.unwrap();
        assert_eq!(
            work.iter()
                .map(|w| (w.call_id, w.team.as_str(), w.percent))
                .collect::<Vec<_>>(),
            vec![(b, "billing", None), (c, "repair", Some(81.5))]
        );
        assert_eq!(work[1].status.as_deref(), Some("open"));
        let repair = s.qa_work("2026-W47", Some("repair")).await.unwrap();
        assert_eq!(repair.len(), 1);
        assert!(s.qa_work("2026-W48", None).await.unwrap().is_empty());
        let figures = s.qa_figures().await.unwrap();
        assert_eq!(figures.work_pending, 1);
    })
    .await;
}

#[tokio::test]
async fn reports_and_figures_count_only_counted_evaluations() {
    each_store(|s| async move {
        let f = fixture(&s).await;
        let qa = person(&s, "qa1", "", Role::Qa).await;
        let qa2 = person(&s, "qa2", "", Role::Qa).await;
        let li = person(&s, "li", "repair", Role::Agent).await;
        let a = answered(&s, "a", f.agent, NOW).await;
        let b = answered(&s, "b", f.agent, NOW + 1).await;
        let c = answered(&s, "c", li, NOW + 2).await;
        let d = answered(&s, "d", li, NOW + 3).await;
        s.add_evaluation(a, "2026-W46", qa, &scored(900, false), NOW)
            .await
            .unwrap();
        s.add_evaluation(b, "2026-W47", qa, &scored(905, false), NOW)
            .await
            .unwrap();
        s.add_evaluation(b, "2026-W47", qa2, &scored(100, false), NOW)
            .await
            .unwrap(); // calibration: not counted
        s.add_evaluation(c, "2026-W47", qa, &scored(0, true), NOW)
            .await
            .unwrap();
        let e = s
            .add_evaluation(d, "2026-W47", qa, &scored(600, false), NOW)
            .await
            .unwrap();
        s.answer_evaluation(e.id, li, &AgentAnswer::Dispute("no".into()), NOW)
            .await
            .unwrap();
        let by_team = s
            .qa_report("2026-W46", "2026-W47", ReportBy::Team)
            .await
            .unwrap();
        let rows: Vec<_> = by_team
            .iter()
            .map(|r| {
                (
                    r.week.as_str(),
                    r.team.as_str(),
                    r.evaluations,
                    r.average,
                    r.passed,
                    r.critical_failed,
                    r.disputed,
                )
            })
            .collect();
        assert_eq!(
            rows,
            vec![
                ("2026-W46", "billing", 1, 90.0, 1, 0, 0),
                ("2026-W47", "billing", 1, 90.5, 1, 0, 0),
                ("2026-W47", "repair", 2, 30.0, 0, 1, 1),
            ]
        );
        let by_agent = s
            .qa_report("2026-W47", "2026-W47", ReportBy::Agent)
            .await
            .unwrap();
        assert_eq!(by_agent.len(), 2);
        assert_eq!(by_agent[1].agent_id, Some(li));
        assert_eq!(by_agent[1].agent_name.as_deref(), Some("name-li"));
        let figures = s.qa_figures().await.unwrap();
        let billing = figures.teams.iter().find(|t| t.team == "billing").unwrap();
        assert_eq!(
            (
                billing.evaluations,
                billing.score_tenths_sum,
                billing.passed
            ),
            (2, 1805, 2)
        );
        // ≤50 ≤60 ≤70 ≤80 ≤90 ≤95 ≤100
        assert_eq!(billing.buckets, vec![0, 0, 0, 0, 1, 2, 2]);
        let repair = figures.teams.iter().find(|t| t.team == "repair").unwrap();
        assert_eq!(repair.buckets, vec![1, 2, 2, 2, 2, 2, 2]);
        assert_eq!((repair.critical_failed, repair.disputes_open), (1, 1));
    })
    .await;
}
