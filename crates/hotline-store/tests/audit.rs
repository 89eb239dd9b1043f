//! The audit trail: entries are kept with the names of the people in them, read newest first,
//! bounded; bad entries are refused naming the field. SQLite and (when configured) PostgreSQL.

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

#[tokio::test]
async fn forced_states_are_kept_newest_first_with_names() {
    each_store(|s| async move {
        let f = fixture(&s).await;
        let sup = s
            .upsert_agent(
                &NewAgent {
                    login: "zhao".into(),
                    name: "赵磊".into(),
                    staff_no: "2001".into(),
                    sip_user: "1009".into(),
                    ha1_md5: "0".repeat(32),
                    ha1_sha256: "0".repeat(64),
                    team: "floor".into(),
                    role: Role::Supervisor,
                    language: "zh".into(),
                    skills: vec![],
                },
                NOW,
            )
            .await
            .expect("supervisor");
        let entry = |detail: &str, outcome: &str| NewAuditEvent {
            actor_agent_id: Some(sup),
            action: "acd_state".into(),
            target_agent_id: Some(f.agent),
            detail: detail.into(),
            outcome: outcome.into(),
            ..NewAuditEvent::default()
        };
        s.record_audit(&entry("ready", "applied"), NOW)
            .await
            .unwrap();
        s.record_audit(&entry("not_ready(break)", "refused: on a call"), NOW + 1000)
            .await
            .unwrap();
        let all = s.audit_events(10).await.unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].detail, "not_ready(break)");
        assert_eq!(all[0].outcome, "refused: on a call");
        assert_eq!(all[0].at, NOW + 1000);
        assert_eq!(all[0].actor_name, "赵磊");
        assert_eq!(all[0].target_name.as_deref(), Some("张敏"));
        assert_eq!(all[1].detail, "ready");
        assert_eq!(s.audit_events(1).await.unwrap().len(), 1);
        // Markup and long text are kept as given (bounded), never interpreted.
        let long = format!("<script>x</script>{}", "长".repeat(900));
        s.record_audit(&entry(&long, "applied"), NOW + 2000)
            .await
            .unwrap();
        let top = &s.audit_events(1).await.unwrap()[0];
        assert!(top.detail.starts_with("<script>x</script>"));
        assert_eq!(top.detail.chars().count(), 500);
        let bad = NewAuditEvent {
            action: String::new(),
            ..entry("x", "applied")
        };
        match s.record_audit(&bad, NOW).await {
            Err(StoreError::Invalid { field, .. }) => assert_eq!(field, "action"),
            other => panic!("{other:?}"),
        }
    })
    .await;
}

#[tokio::test]
async fn failed_logins_are_kept_with_the_name_tried_and_the_address() {
    each_store(|s| async move {
        let f = fixture(&s).await;
        let login = |actor_agent_id: Option<i64>, actor: &str, outcome: &str| NewAuditEvent {
            actor_agent_id,
            actor: actor.into(),
            source: "192.0.2.7".into(),
            action: "login".into(),
            outcome: outcome.into(),
            ..NewAuditEvent::default()
        };
        // A login nobody has: no agent, the name as tried (NUL and control characters,
        // which PostgreSQL cannot store, dropped).
        s.record_audit(&login(None, "nobody\u{0}\n", "failed"), NOW)
            .await
            .unwrap();
        // An agent's login tried with a wrong password: the agent is named.
        s.record_audit(&login(Some(f.agent), "zhang", "throttled"), NOW + 1)
            .await
            .unwrap();
        s.record_audit(
            &NewAuditEvent {
                actor_agent_id: Some(f.agent),
                action: "acd_state".into(),
                outcome: "applied".into(),
                ..NewAuditEvent::default()
            },
            NOW + 2,
        )
        .await
        .unwrap();
        let logins = s.audit_events_of(Some("login"), 10).await.unwrap();
        assert_eq!(logins.len(), 2);
        assert_eq!(
            (logins[0].actor_agent_id, logins[0].actor_name.as_str()),
            (Some(f.agent), "张敏")
        );
        assert_eq!(logins[0].outcome, "throttled");
        assert_eq!(
            (logins[1].actor_agent_id, logins[1].actor_name.as_str()),
            (None, "nobody")
        );
        assert_eq!(logins[1].actor, "nobody");
        assert_eq!(logins[1].source, "192.0.2.7");
        assert_eq!(s.audit_events(10).await.unwrap().len(), 3);
        assert_eq!(
            s.audit_events_of(Some("acd_state"), 10)
                .await
                .unwrap()
                .len(),
            1
        );
        // Someone must have acted.
        match s.record_audit(&login(None, "", "failed"), NOW).await {
            Err(StoreError::Invalid { field, .. }) => assert_eq!(field, "actor"),
            other => panic!("{other:?}"),
        }
    })
    .await;
}
