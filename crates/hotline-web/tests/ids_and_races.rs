//! Unknown ids on every `{id}` route (404), and many agents changing one ticket at once:
//! exactly one wins, the others are told 409, one transition is recorded.

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
use reqwest::Method;
use serde_json::{json, Value};

#[tokio::test]
async fn unknown_ids_are_404_on_every_id_route() {
    each_api(|api| async move {
        let f = fixture(&api.store).await;
        // An admin: every route is open to the role, so only the id can be at fault.
        let t = api.login("root", "admin").await;
        let real_ticket = api
            .post(
                &t,
                "/api/tickets",
                json!({"kind": "inquiry", "summary": "x"}),
            )
            .await
            .id();
        let bodies = [
            ("/api/customers/{id}/readings", json!({"value": 1001})),
            (
                "/api/tickets/{id}/transitions",
                json!({"action": "dispatch", "district_id": f.district}),
            ),
            ("/api/tickets/{id}/comments", json!({"note": "x"})),
            (
                "/api/tickets/{id}/district",
                json!({"district_id": f.district}),
            ),
            ("/api/followups/{id}/result", json!({"reached": false})),
            ("/api/calls/{id}/tickets", json!({"ticket_id": real_ticket})),
            ("/api/acd/agents/{id}/state", json!({"state": "ready"})),
            ("/api/acd/agents/{id}/monitor", json!({"mode": "listen"})),
            ("/api/calls/{id}/legal_hold", json!({"hold": true})),
            ("/api/followups/{id}/call", json!({})),
            ("/api/tickets/{id}/acknowledge", json!({})),
            ("/api/webhooks/dead/{id}/retry", json!({})),
            (
                "/api/notices/{id}",
                json!({"kind": "outage", "district_ids": [f.district], "starts_at": NOW,
                       "title": "停水"}),
            ),
            // Not a WAV: the unknown notice is found out first.
            ("/api/notices/{id}/recordings/{lang}", json!({})),
            (
                "/api/incidents/{id}/tickets",
                json!({"ticket_id": real_ticket}),
            ),
            ("/api/incidents/{id}/close", json!({})),
            (
                "/api/qa/evaluations/{id}",
                json!({"answers": {"staff_number": "yes"}}),
            ),
            ("/api/qa/evaluations/{id}/acknowledge", json!({})),
            ("/api/qa/evaluations/{id}/dispute", json!({"note": "x"})),
            ("/api/qa/evaluations/{id}/resolve", json!({"note": "x"})),
            // Not CSV: the unknown campaign is found out first.
            ("/api/campaigns/{id}/targets", json!({})),
            ("/api/campaigns/{id}/start", json!({})),
            ("/api/campaigns/{id}/pause", json!({"reason": "x"})),
            ("/api/campaigns/{id}/resume", json!({})),
            ("/api/campaigns/{id}/stop", json!({})),
            ("/api/do-not-call/{id}", json!({})),
        ];
        let mut checked = 0;
        for e in hotline_web::endpoints()
            .iter()
            .filter(|e| e.path.contains("{id}"))
        {
            for id in ["999999", "0", "-1", &i64::MAX.to_string()] {
                let path = e.path.replace("{id}", id).replace("{lang}", "zh");
                let mut rb = api.request(e.verb.method(), &path, Some(&t));
                if e.verb != hotline_web::Verb::Get {
                    let body = bodies.iter().find(|(p, _)| *p == e.path).map(|(_, b)| b);
                    let body =
                        body.unwrap_or_else(|| panic!("no body for {} in this test", e.path));
                    rb = rb.json(body);
                }
                let a = api.send(rb).await;
                assert_eq!(
                    (a.status, a.code()),
                    (404, Some("not_found")),
                    "{path}: {:#}",
                    a.body
                );
            }
            checked += 1;
        }
        assert_eq!(checked, 40);
        assert_eq!(api.count("tickets").await, 1);
        assert_eq!(api.count("ticket_events").await, 1);
    })
    .await;
}

#[tokio::test]
async fn of_twenty_parallel_dispatches_exactly_one_wins() {
    each_api(|api| async move {
        let f = fixture(&api.store).await;
        let t = api.login("zhang", "secret").await;
        let id = api
            .post(
                &t,
                "/api/tickets",
                json!({"kind": "repair", "customer_id": f.customer, "summary": "x"}),
            )
            .await
            .id();
        let mut set = tokio::task::JoinSet::new();
        for i in 0..20 {
            let rb = api
                .request(
                    Method::POST,
                    &format!("/api/tickets/{id}/transitions"),
                    Some(&t),
                )
                .json(&json!({"action": "dispatch", "district_id": f.district, "note": format!("try {i}")}));
            set.spawn(async move {
                let res = rb.send().await.expect("sent");
                let status = res.status().as_u16();
                let body: Value = res.json().await.expect("JSON");
                (status, body)
            });
        }
        let mut statuses = Vec::new();
        while let Some(r) = set.join_next().await {
            let (status, body) = r.expect("task");
            if status == 409 {
                let code = body["error"]["code"].as_str().unwrap_or("");
                assert!(
                    code == "conflict" || code == "illegal_transition",
                    "{body:#}"
                );
            }
            statuses.push(status);
        }
        statuses.sort();
        let mut expected = vec![409; 19];
        expected.insert(0, 200);
        assert_eq!(statuses, expected);
        let detail = api.get(&t, &format!("/api/tickets/{id}")).await;
        let transitions = detail.body["events"]
            .as_array()
            .expect("events")
            .iter()
            .filter(|e| e["kind"] == "transition")
            .count();
        assert_eq!(transitions, 1);
        assert_eq!(detail.body["ticket"]["status"], "dispatched");

        // A client holding an old version is told to read again.
        let v = detail.body["ticket"]["version"].as_i64().expect("version");
        let tr = format!("/api/tickets/{id}/transitions");
        let a = api
            .post(&t, &tr, json!({"action": "start", "version": v - 1}))
            .await;
        assert_eq!((a.status, a.code()), (409, Some("conflict")));
        let a = api
            .post(&t, &tr, json!({"action": "start", "version": v}))
            .await;
        assert_eq!(a.status, 200);
    })
    .await;
}
