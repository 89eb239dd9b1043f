//! `/api/incidents`: the rule's incidents with their reporters (calls linked through the
//! tickets, the first reporter marked); supervisors open, link and close incidents by hand,
//! agents are refused (403), bad input is a 422 naming the field, each change and refusal is
//! audited; the wallboard shows the open incidents and the calls per district of the last 15
//! minutes.

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
use hotline_store::incidents::IncidentRule;
use hotline_store::{Actor, NewTicket, Policy, Status};
use serde_json::json;

const MIN: i64 = 60_000;

fn policy() -> Policy {
    let mut p = Policy::default();
    if let Some(k) = p.kinds.get_mut("leak") {
        k.auto_dispatch = true;
    }
    p.incidents = Some(IncidentRule {
        threshold: 3,
        window_ms: 10 * MIN,
    });
    p
}

#[tokio::test]
async fn the_rule_s_incident_is_listed_with_its_reporters_and_on_the_wall() {
    each_api_with(policy, |api| async move {
        let f = fixture(&api.store).await;
        let sup = api.login("li", "boss").await;
        let mut tickets = Vec::new();
        for i in 0..4i64 {
            let at = NOW - 8 * MIN + i * MIN;
            let caller = format!("1390000100{i}");
            let call = call(&api.store, &format!("leak-{i}"), &caller, at).await;
            let t = api
                .store
                .create_ticket(
                    &NewTicket {
                        kind: "leak".into(),
                        customer_id: Some(f.customer),
                        summary: "漏水".into(),
                        reporter_phone: Some(caller),
                        call_id: Some(call),
                        ..NewTicket::default()
                    },
                    Actor::Ivr,
                    at,
                )
                .await
                .unwrap();
            tickets.push((t, call));
        }
        assert_eq!(tickets[0].0.status, Status::Dispatched);
        assert!(tickets[1..]
            .iter()
            .all(|(t, _)| t.status == Status::Accepted));

        let a = api.get(&sup, "/api/incidents").await;
        assert_eq!(a.status, 200, "{:#}", a.body);
        let list = a.body.as_array().unwrap();
        assert_eq!(list.len(), 1, "{:#}", a.body);
        let i = &list[0];
        assert_eq!(i["opened_by"], "rule");
        assert_eq!(i["district_id"], f.district);
        assert_eq!(i["ticket_id"], tickets[0].0.id);
        assert_eq!(
            (i["reports"].as_i64(), i["calls"].as_i64()),
            (Some(4), Some(4))
        );
        let reporters = i["reporters"].as_array().unwrap();
        let got: Vec<(i64, bool, i64)> = reporters
            .iter()
            .map(|r| {
                (
                    r["ticket_id"].as_i64().unwrap(),
                    r["first"].as_bool().unwrap(),
                    r["call_ids"][0].as_i64().unwrap(),
                )
            })
            .collect();
        let want: Vec<(i64, bool, i64)> = tickets
            .iter()
            .enumerate()
            .map(|(n, (t, c))| (t.id, n == 0, *c))
            .collect();
        assert_eq!(got, want);
        assert_eq!(reporters[0]["caller_phone"], "13900001000");

        // The wall: the open incident with its counts, and the district's calls (the spike).
        let w = api.get(&sup, "/api/wallboard").await;
        assert_eq!(w.status, 200, "{:#}", w.body);
        let tile = &w.body["incidents"][0];
        assert_eq!(tile["id"], i["id"]);
        assert_eq!(
            (tile["reports"].as_i64(), tile["calls"].as_i64()),
            (Some(4), Some(4))
        );
        assert_eq!(tile["first_reporter_phone"], "13900001000");
        assert_eq!(
            w.body["calls_by_district_15_min"],
            json!([{"district_id": f.district, "district_name": "城东区", "calls": 4}])
        );
    })
    .await;
}

#[tokio::test]
async fn supervisors_open_link_and_close_agents_are_refused_and_each_step_is_audited() {
    each_api_with(policy, |api| async move {
        let f = fixture(&api.store).await;
        let sup = api.login("li", "boss").await;
        let agent = api.login("zhang", "secret").await;
        let body = json!({"district_id": f.district, "kind": "leak", "title": "解放路爆管"});

        // Agents read, never write.
        let a = api.post(&agent, "/api/incidents", body.clone()).await;
        assert_eq!(
            (a.status, a.code()),
            (403, Some("forbidden")),
            "{:#}",
            a.body
        );
        assert_eq!(api.get(&agent, "/api/incidents").await.status, 200);

        // Refusals name the field.
        let bad = [
            (
                json!({"district_id": 999, "kind": "leak", "title": "x"}),
                "district_id",
            ),
            (
                json!({"district_id": f.district, "kind": "nope", "title": "x"}),
                "kind",
            ),
            (
                json!({"district_id": f.district, "kind": "leak", "title": " "}),
                "title",
            ),
            (
                json!({"district_id": f.district, "kind": "leak", "title": "长".repeat(201)}),
                "title",
            ),
        ];
        for (b, field) in bad {
            api.post(&sup, "/api/incidents", b)
                .await
                .assert_error(422, field);
        }

        let a = api.post(&sup, "/api/incidents", body).await;
        assert_eq!(a.status, 201, "{:#}", a.body);
        let id = a.id();
        assert_eq!(
            a.headers.get("location").and_then(|v| v.to_str().ok()),
            Some(format!("/api/incidents/{id}").as_str())
        );
        assert_eq!(a.body["opened_by"], "li");
        assert_eq!(a.body["ticket_id"], json!(null));
        // The title is text, kept as written (the pages render it as text).
        let t = api
            .store
            .create_ticket(
                &NewTicket {
                    kind: "leak".into(),
                    customer_id: Some(f.customer),
                    summary: "漏水".into(),
                    reporter_phone: Some("13900002222".into()),
                    ..NewTicket::default()
                },
                Actor::Ivr,
                NOW,
            )
            .await
            .unwrap();
        assert_eq!(
            t.status,
            Status::Dispatched,
            "no dispatched ticket linked yet"
        );

        let link = format!("/api/incidents/{id}/tickets");
        let a = api.post(&agent, &link, json!({"ticket_id": t.id})).await;
        assert_eq!(a.status, 403);
        api.post(&sup, &link, json!({"ticket_id": 999_999}))
            .await
            .assert_error(422, "ticket_id");
        let a = api.post(&sup, &link, json!({"ticket_id": t.id})).await;
        assert_eq!(a.status, 200, "{:#}", a.body);
        assert_eq!(a.body["ticket_id"], t.id);
        assert_eq!(a.body["reports"], 1);
        assert_eq!(a.body["reporters"][0]["first"], true);
        let a = api
            .post(
                &sup,
                "/api/incidents/777/tickets",
                json!({"ticket_id": t.id}),
            )
            .await;
        assert_eq!(a.status, 404, "{:#}", a.body);

        let close = format!("/api/incidents/{id}/close");
        assert_eq!(api.post(&agent, &close, json!({})).await.status, 403);
        let a = api.post(&sup, &close, json!({})).await;
        assert_eq!(a.status, 200, "{:#}", a.body);
        assert_eq!(a.body["closed_by"], "li");
        assert_eq!(a.body["closed_at"], NOW);
        api.post(&sup, &link, json!({"ticket_id": t.id}))
            .await
            .assert_error(422, "id");
        assert_eq!(api.get(&sup, "/api/incidents").await.body, json!([]));
        let all = api.get(&sup, "/api/incidents?all=true").await;
        assert_eq!(all.body.as_array().map(Vec::len), Some(1));
        let one = api.get(&sup, &format!("/api/incidents/{id}")).await;
        assert_eq!(one.body["id"], id);
        assert_eq!(api.get(&sup, "/api/incidents/12345").await.status, 404);

        let audit = api.get(&sup, "/api/audit?action=incident").await;
        let details: Vec<(String, String)> = audit
            .body
            .as_array()
            .expect("entries")
            .iter()
            .map(|e| {
                (
                    e["detail"].as_str().unwrap_or("").to_string(),
                    e["outcome"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect();
        // 4 refused opens, 1 open, 1 refused link (no ticket), 1 applied, 1 refused (no
        // incident), 1 close, 1 refused link (closed); the 403s are refused before anything.
        assert_eq!(details.len(), 10, "{details:#?}");
        assert_eq!(details[2].1, "refused: incident 777 not found");
        assert!(details[0]
            .0
            .starts_with(&format!("link ticket {} to incident {id}", t.id)));
        assert!(details[0].1.starts_with("refused: id:"), "{details:#?}");
        assert!(details[1].0.starts_with(&format!("close incident {id}")));
        assert_eq!(details[1].1, "applied");
    })
    .await;
}

/// The crew page's item: the district's crew sees the reports grouped under the dispatched
/// ticket (the first marked); another district's crew sees none; crews cannot reach the
/// incidents API itself.
#[tokio::test]
async fn a_crew_sees_one_item_with_its_reporters() {
    each_api_with(policy, |api| async move {
        let f = fixture(&api.store).await;
        let admin = api.login("root", "admin").await;
        for (login, d) in [("east", f.district), ("westcrew", f.other_district)] {
            let a = api
                .post(
                    &admin,
                    "/api/crews",
                    json!({"login": login, "name": "班组", "staff_no": format!("C-{login}"),
                           "sip_user": format!("8{}", login.len()), "password": "crew-secret",
                           "district_id": d}),
                )
                .await;
            assert_eq!(a.status, 201, "{:#}", a.body);
        }
        let east = api.login("east", "crew-secret").await;
        let west = api.login("westcrew", "crew-secret").await;
        let mut ids = Vec::new();
        for i in 0..5i64 {
            let t = api
                .store
                .create_ticket(
                    &NewTicket {
                        kind: "leak".into(),
                        customer_id: Some(f.customer),
                        summary: "漏水".into(),
                        reporter_phone: Some(format!("1390000200{i}")),
                        ..NewTicket::default()
                    },
                    Actor::Ivr,
                    NOW - 5 * MIN + i * MIN,
                )
                .await
                .unwrap();
            ids.push(t.id);
        }
        // The work list holds the one dispatched ticket; its reports come apart.
        let list = api.get(&east, "/api/crew/tickets").await;
        let on_list: Vec<i64> = list
            .body
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_i64().unwrap())
            .collect();
        assert_eq!(on_list, [ids[0]]);
        let a = api.get(&east, "/api/crew/reports").await;
        assert_eq!(a.status, 200, "{:#}", a.body);
        let groups = a.body.as_array().unwrap();
        assert_eq!(groups.len(), 1, "{:#}", a.body);
        assert_eq!(groups[0]["ticket_id"], ids[0]);
        assert_eq!(groups[0]["reports"], 5);
        assert!(
            groups[0]["incident_id"].is_i64(),
            "threshold 3: an incident"
        );
        let reporters: Vec<(i64, bool)> = groups[0]["reporters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["ticket_id"].as_i64().unwrap(),
                    r["first"].as_bool().unwrap(),
                )
            })
            .collect();
        let want: Vec<(i64, bool)> = ids
            .iter()
            .enumerate()
            .map(|(n, id)| (*id, n == 0))
            .collect();
        assert_eq!(reporters, want);
        assert_eq!(api.get(&west, "/api/crew/reports").await.body, json!([]));
        let a = api
            .get(&west, &format!("/api/crew/reports?district={}", f.district))
            .await;
        assert_eq!(a.status, 403);
        assert_eq!(api.get(&east, "/api/incidents").await.status, 403);
    })
    .await;
}
