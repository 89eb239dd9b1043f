//! Incidents wired into the IVR's ticket creation (issue 19, item 3), on a fake clock: the
//! rule decides in the ticket's own transaction from the reports the store holds; and the
//! supervisors' incidents (open, link, close) with their refusals.

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
use hotline_store::incidents::{IncidentInput, IncidentRule};
use hotline_store::outbox::Receiver;
use hotline_store::*;

const MIN: Millis = 60_000;

fn policy() -> Policy {
    let mut p = Policy::default();
    if let Some(k) = p.kinds.get_mut("leak") {
        k.auto_dispatch = true;
    }
    p.incidents = Some(IncidentRule {
        threshold: 5,
        window_ms: 10 * MIN,
    });
    p
}

fn leak(customer: i64, phone: &str) -> NewTicket {
    NewTicket {
        kind: "leak".into(),
        customer_id: Some(customer),
        summary: "漏水 leak".into(),
        reporter_phone: Some(phone.into()),
        ..NewTicket::default()
    }
}

fn phone(i: i64) -> String {
    format!("1390000{:04}", 1000 + i)
}

async fn count(s: &Store, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_one(s.read_pool())
        .await
        .unwrap()
}

/// The Prove-it: 20 leak calls from one district in 10 minutes are one incident, one
/// dispatch (one webhook delivery, one dispatch-phone delivery), 20 linked reporters, the
/// first marked.
#[tokio::test]
async fn twenty_leak_reports_in_ten_minutes_are_one_incident_and_one_dispatch() {
    each_store_with(policy(), |s| async move {
        let f = fixture(&s).await;
        let mut tickets = Vec::new();
        for i in 0..20 {
            // 20 reports, 31.5 s apart: the last 9 min 58.5 s after the first.
            let at = NOW + i * 31_500;
            let t = s
                .create_ticket(&leak(f.customer, &phone(i)), Actor::Ivr, at)
                .await
                .unwrap();
            tickets.push(t);
        }
        let statuses: Vec<Status> = tickets.iter().map(|t| t.status).collect();
        assert_eq!(statuses[0], Status::Dispatched);
        assert!(
            statuses[1..].iter().all(|s| *s == Status::Accepted),
            "{statuses:?}"
        );
        // The held and joined reports: the district has them (the IVR may say so), and their
        // on-site deadline is the dispatched ticket's.
        for t in &tickets[1..] {
            assert!(s.report_handled(t.id).await.unwrap(), "ticket {}", t.id);
            assert_eq!(t.due_on_site_at, None);
        }
        assert!(!s.report_handled(tickets[0].id).await.unwrap());
        assert!(tickets[0].due_on_site_at.is_some());

        // One dispatch: one outbox event, fanned out to a centre-wide webhook and to the
        // district's dispatch phone: one delivery each.
        assert_eq!(
            count(&s, "SELECT COUNT(*) FROM outbox WHERE kind = 'dispatch'").await,
            1
        );
        let receivers = [
            Receiver {
                name: "crm".into(),
                district_id: None,
            },
            Receiver {
                name: "phone:east".into(),
                district_id: Some(f.district),
            },
        ];
        s.fan_out(&receivers, NOW + 10 * MIN).await.unwrap();
        let deliveries: Vec<String> =
            sqlx::query_scalar("SELECT receiver FROM outbox_deliveries ORDER BY receiver")
                .fetch_all(s.read_pool())
                .await
                .unwrap();
        assert_eq!(deliveries, ["crm", "phone:east"]);

        // One incident, opened by the rule, its dispatch the first report.
        let list = s.incidents(true).await.unwrap();
        assert_eq!(list.len(), 1, "{list:?}");
        let i = &list[0];
        assert_eq!(i.district_id, f.district);
        assert_eq!(i.opened_by, "rule");
        assert_eq!(i.opened_at, NOW + 4 * 31_500, "opened by the 5th report");
        assert_eq!(i.ticket_id, Some(tickets[0].id));
        assert_eq!(i.closed_at, None);
        assert_eq!(i.reports, 20);
        // 20 reporters in order, each with the phone it called from, the first marked.
        let ids: Vec<i64> = i.reporters.iter().map(|r| r.ticket_id).collect();
        assert_eq!(ids, tickets.iter().map(|t| t.id).collect::<Vec<_>>());
        let phones: Vec<String> = i.reporters.iter().map(|r| r.caller_phone.clone()).collect();
        assert_eq!(phones, (0..20).map(phone).collect::<Vec<_>>());
        let firsts: Vec<i64> = i
            .reporters
            .iter()
            .filter(|r| r.first)
            .map(|r| r.ticket_id)
            .collect();
        assert_eq!(firsts, [tickets[0].id]);
        // Each held ticket says why it was not dispatched.
        let d = s.ticket_detail(tickets[7].id, NOW).await.unwrap().unwrap();
        let last = d.events.last().unwrap();
        assert_eq!(last.kind, "incident");
        assert!(
            last.note.contains(&format!("incident {}", i.id)),
            "{last:?}"
        );
    })
    .await;
}

/// The later reporters of a leak follow its dispatched ticket to the end: replied to with
/// its result, closed with it, each with a follow-up call of its own; a report that an agent
/// dispatched on its own keeps its own course; other tickets of the district are untouched.
#[tokio::test]
async fn held_reports_are_replied_and_closed_with_their_dispatched_ticket() {
    each_store_with(policy(), |s| async move {
        let f = fixture(&s).await;
        let mut tickets = Vec::new();
        for i in 0..6 {
            let at = NOW + i * MIN;
            tickets.push(
                s.create_ticket(&leak(f.customer, &phone(i)), Actor::Ivr, at)
                    .await
                    .unwrap(),
            );
        }
        let main = tickets[0].id;
        let agent = Actor::Agent(f.agent);
        let input = |note: &str| TransitionInput {
            note: note.into(),
            ..TransitionInput::default()
        };
        // One held report dispatched on its own (a second crew sent by an agent).
        let own = tickets[2].id;
        s.transition(own, Action::Dispatch, &input(""), agent, NOW + 7 * MIN)
            .await
            .unwrap();
        let other = s
            .create_ticket(
                &NewTicket {
                    kind: "billing_dispute".into(),
                    customer_id: Some(f.customer),
                    summary: "账单".into(),
                    ..NewTicket::default()
                },
                agent,
                NOW + 8 * MIN,
            )
            .await
            .unwrap();
        let status = |id: i64| {
            let s = s.clone();
            async move { s.ticket(id, NOW + DAY).await.unwrap().unwrap().status }
        };
        let held: Vec<i64> = [1, 3, 4, 5].iter().map(|&i| tickets[i].id).collect();

        s.transition(
            main,
            Action::Start,
            &input(""),
            Actor::System,
            NOW + 30 * MIN,
        )
        .await
        .unwrap();
        for &h in &held {
            assert_eq!(
                status(h).await,
                Status::Accepted,
                "starting the work moves no report"
            );
        }
        let at = NOW + 90 * MIN;
        s.transition(main, Action::Reply, &input("主管已修复"), agent, at)
            .await
            .unwrap();
        for &h in &held {
            let t = s.ticket(h, at).await.unwrap().unwrap();
            assert_eq!(t.status, Status::Replied, "ticket {h}");
            assert_eq!(t.replied_at, Some(at));
            let d = s.ticket_detail(h, at).await.unwrap().unwrap();
            let last = d.events.last().unwrap();
            assert_eq!(last.actor, "system");
            assert_eq!(last.note, format!("with ticket {main}: 主管已修复"));
        }
        assert_eq!(status(own).await, Status::Dispatched);
        assert_eq!(status(other.id).await, Status::Accepted);

        s.transition(main, Action::Close, &input(""), agent, NOW + 120 * MIN)
            .await
            .unwrap();
        for &h in &held {
            assert_eq!(status(h).await, Status::Closed, "ticket {h}");
        }
        assert_eq!(status(own).await, Status::Dispatched);
        assert_eq!(status(other.id).await, Status::Accepted);
        // Each reporter is called back: the dispatched ticket's follow-up and the four held.
        let mut due: Vec<i64> = sqlx::query_scalar("SELECT ticket_id FROM followups")
            .fetch_all(s.read_pool())
            .await
            .unwrap();
        due.sort_unstable();
        let mut want = held.clone();
        want.push(main);
        want.sort_unstable();
        assert_eq!(due, want);
    })
    .await;
}

/// The decision comes from the store, not from memory: a store opened afresh on the same
/// data (a restart, or another node) continues the cluster; a quiet window, another
/// district, or a closed incident start afresh with a dispatch.
#[tokio::test]
async fn clusters_follow_the_store_windows_districts_and_closing() {
    each_store_with(policy(), |s| async move {
        let f = fixture(&s).await;
        let west = Some(f.other_district);
        let make = |d: Option<i64>, i: i64, at: Millis| {
            let s = s.clone();
            let mut new = leak(f.customer, &phone(i));
            if d.is_some() {
                // No customer: the district and the address as the IVR would give them.
                new.customer_id = None;
                new.district_id = d;
                new.address = Some("城西区中山路1号".into());
            }
            async move { s.create_ticket(&new, Actor::Ivr, at).await.unwrap().status }
        };
        assert_eq!(make(None, 0, NOW).await, Status::Dispatched);
        assert_eq!(
            make(west, 1, NOW).await,
            Status::Dispatched,
            "another district"
        );
        assert_eq!(make(None, 2, NOW + 10 * MIN).await, Status::Accepted);
        // 10 min and 1 ms after the last: a new cluster.
        assert_eq!(make(None, 3, NOW + 20 * MIN + 1).await, Status::Dispatched);
        for i in 4..8 {
            assert_eq!(make(None, i, NOW + 21 * MIN).await, Status::Accepted);
        }
        let open = s.incidents(false).await.unwrap();
        assert_eq!(open.len(), 1);
        assert_eq!(open[0].reports, 5);
        // Closed by a supervisor: the next report is dispatched again.
        let closed = s
            .close_incident(open[0].id, "zhang", NOW + 22 * MIN)
            .await
            .unwrap();
        assert_eq!(closed.closed_by.as_deref(), Some("zhang"));
        assert_eq!(make(None, 8, NOW + 23 * MIN).await, Status::Dispatched);
        assert!(s.incidents(false).await.unwrap().is_empty());
    })
    .await;
}

#[tokio::test]
async fn a_store_opened_again_continues_the_cluster() {
    let dir = std::env::temp_dir().join(format!("hotline-incidents-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite:{}", dir.join("t.db").display());
    let s = Store::open(OpenOptions::new(url.clone()), policy())
        .await
        .unwrap();
    let f = fixture(&s).await;
    let t = s
        .create_ticket(&leak(f.customer, &phone(0)), Actor::Ivr, NOW)
        .await
        .unwrap();
    assert_eq!(t.status, Status::Dispatched);
    s.close().await;
    let s = Store::open(OpenOptions::new(url), policy()).await.unwrap();
    let t = s
        .create_ticket(&leak(f.customer, &phone(1)), Actor::Ivr, NOW + MIN)
        .await
        .unwrap();
    assert_eq!(t.status, Status::Accepted, "held after the restart");
    assert!(s.report_handled(t.id).await.unwrap());
    s.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// Supervisors' incidents: opened by hand, a dispatched ticket linked makes it take the
/// district's IVR reports; refusals name the field; closed ones take no links.
#[tokio::test]
async fn incidents_opened_by_hand_take_links_and_reports() {
    each_store_with(policy(), |s| async move {
        let f = fixture(&s).await;
        let by = "zhang";
        let input = IncidentInput {
            district_id: f.district,
            kind: "leak".into(),
            title: "解放路爆管".into(),
        };
        let field = |e: StoreError| match e {
            StoreError::Invalid { field, .. } => field,
            other => panic!("not a refusal: {other:?}"),
        };
        let bad = IncidentInput {
            district_id: 999,
            ..input.clone()
        };
        assert_eq!(
            field(s.open_incident(&bad, by, NOW).await.unwrap_err()),
            "district_id"
        );
        let bad = IncidentInput {
            kind: "nope".into(),
            ..input.clone()
        };
        assert_eq!(
            field(s.open_incident(&bad, by, NOW).await.unwrap_err()),
            "kind"
        );
        let bad = IncidentInput {
            title: "  ".into(),
            ..input.clone()
        };
        assert_eq!(
            field(s.open_incident(&bad, by, NOW).await.unwrap_err()),
            "title"
        );

        let i = s.open_incident(&input, by, NOW).await.unwrap();
        assert_eq!(i.opened_by, "zhang");
        assert_eq!(
            field(s.open_incident(&input, "rule", NOW).await.unwrap_err()),
            "opened_by"
        );
        assert_eq!((i.ticket_id, i.reports), (None, 0));
        // An agent's ticket, dispatched by hand, linked: the incident's dispatch.
        let t = s
            .create_ticket(&leak(f.customer, &phone(0)), Actor::Agent(f.agent), NOW)
            .await
            .unwrap();
        s.transition(
            t.id,
            Action::Dispatch,
            &TransitionInput::default(),
            Actor::Agent(f.agent),
            NOW,
        )
        .await
        .unwrap();
        let i = s.link_incident_ticket(i.id, t.id, NOW + MIN).await.unwrap();
        assert_eq!((i.ticket_id, i.reports), (Some(t.id), 1));
        assert!(i.reporters[0].first);
        assert_eq!(
            field(
                s.link_incident_ticket(i.id, 999_999, NOW)
                    .await
                    .unwrap_err()
            ),
            "ticket_id"
        );
        // The district's next IVR report joins it, not dispatched.
        let r = s
            .create_ticket(&leak(f.customer, &phone(1)), Actor::Ivr, NOW + 2 * MIN)
            .await
            .unwrap();
        assert_eq!(r.status, Status::Accepted);
        assert!(s.report_handled(r.id).await.unwrap());
        let i = s.incident(i.id).await.unwrap().unwrap();
        assert_eq!(i.reports, 2);
        let firsts: Vec<(i64, bool)> = i.reporters.iter().map(|r| (r.ticket_id, r.first)).collect();
        assert_eq!(firsts, [(t.id, true), (r.id, false)]);
        // Closed: no more links; closing again keeps the first close.
        let c = s.close_incident(i.id, by, NOW + 3 * MIN).await.unwrap();
        assert_eq!(c.closed_at, Some(NOW + 3 * MIN));
        let again = s.close_incident(i.id, by, NOW + 4 * MIN).await.unwrap();
        assert_eq!(again.closed_at, Some(NOW + 3 * MIN));
        assert_eq!(
            field(s.link_incident_ticket(i.id, t.id, NOW).await.unwrap_err()),
            "id"
        );
        assert!(matches!(
            s.close_incident(999, by, NOW).await,
            Err(StoreError::NotFound { .. })
        ));
    })
    .await;
}

/// Reports of one district taken at the same moment (as by several nodes): exactly one is
/// dispatched, the others linked to it (the district's row is locked on PostgreSQL; SQLite
/// has one writer).
#[tokio::test]
async fn simultaneous_reports_of_a_district_are_dispatched_once() {
    each_store_with(policy(), |s| async move {
        let f = fixture(&s).await;
        let tasks: Vec<_> = (0..8)
            .map(|i| {
                let s = s.clone();
                let new = leak(f.customer, &phone(i));
                tokio::spawn(async move { s.create_ticket(&new, Actor::Ivr, NOW).await })
            })
            .collect();
        let mut statuses = Vec::new();
        for t in tasks {
            statuses.push(t.await.unwrap().unwrap().status);
        }
        let dispatched = statuses
            .iter()
            .filter(|s| **s == Status::Dispatched)
            .count();
        assert_eq!(dispatched, 1, "{statuses:?}");
        assert_eq!(
            count(&s, "SELECT COUNT(*) FROM outbox WHERE kind = 'dispatch'").await,
            1
        );
        let list = s.incidents(false).await.unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].reports, 8);
        // The first reporter is the dispatched report, listed first.
        let firsts: Vec<i64> = list[0]
            .reporters
            .iter()
            .filter(|r| r.first)
            .map(|r| r.ticket_id)
            .collect();
        assert_eq!(firsts.len(), 1);
        assert_eq!(Some(firsts[0]), list[0].ticket_id);
        assert_eq!(list[0].reporters[0].ticket_id, firsts[0]);
        assert_eq!(
            s.ticket(firsts[0], NOW).await.unwrap().unwrap().status,
            Status::Dispatched
        );
    })
    .await;
}
