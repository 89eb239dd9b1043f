//! A leak ticket's whole life through the API, from the call that reported it to the
//! customer's rating, on a fake clock.

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
use serde_json::{json, Value};

const MIN: i64 = 60_000;

async fn transition(api: &Api, token: &str, id: i64, body: Value) -> Value {
    let a = api
        .post(
            token,
            &format!("/api/tickets/{id}/transitions"),
            body.clone(),
        )
        .await;
    assert_eq!(a.status, 200, "{body}: {:#}", a.body);
    a.body
}

#[tokio::test]
async fn a_leak_from_the_call_to_the_rating() {
    each_api(|api| async move {
        let f = fixture(&api.store).await;
        let t = api.login("zhang", "secret").await;
        let call1 = call_taken_by(&api.store, "call-1", "13800001111", NOW, f.agent).await;

        // The agent opens the ticket from the call.
        api.advance(MIN);
        let a = api
            .post(
                &t,
                "/api/tickets",
                json!({
                    "kind": "leak",
                    "customer_id": f.customer,
                    "summary": "楼道水管爆裂，水流不止",
                    "reporter_phone": "+86 138 0000 1111",
                    "reporter_name": "陈建国",
                    "call_id": call1,
                }),
            )
            .await;
        assert_eq!(a.status, 201, "{:#}", a.body);
        let id = a.id();
        assert_eq!(
            a.headers["location"].to_str().ok(),
            Some(format!("/api/tickets/{id}").as_str())
        );
        let ticket = &a.body;
        assert_eq!(ticket["status"], "accepted");
        assert_eq!(ticket["priority"], "urgent");
        assert_eq!(ticket["district_id"], f.district);
        assert_eq!(ticket["address"], "城东区解放路12号3单元501室");
        assert_eq!(ticket["reporter_phone"], "13800001111");
        assert_eq!(ticket["created_via"], "agent");
        assert_eq!(ticket["created_by"], f.agent);
        assert_eq!(ticket["due_on_site_at"], NOW + MIN + 45 * MIN);

        // The call knows its ticket and the ticket its call.
        let c = api.get(&t, &format!("/api/calls/{call1}")).await;
        assert_eq!(c.status, 200);
        assert_eq!(c.body["ticket_ids"], json!([id]));
        assert_eq!(c.body["call"]["customer_id"], f.customer);

        // The customer calls again: a repeat contact, linked to the same ticket.
        api.advance(10 * MIN);
        let call2 = call_taken_by(&api.store, "call-2", "13800001111", api.now(), f.agent).await;
        let c = api.get(&t, &format!("/api/calls/{call2}")).await;
        assert_eq!(c.body["call"]["repeat_contact"], true);
        let view = api
            .get(
                &t,
                &format!("/api/customers/{}?before={}", f.customer, api.now()),
            )
            .await;
        assert_eq!(view.body["repeat_contact"], true);
        assert_eq!(view.body["tickets"][0]["id"], id);
        let linked = api
            .post(
                &t,
                &format!("/api/calls/{call2}/tickets"),
                json!({"ticket_id": id}),
            )
            .await;
        assert_eq!(linked.status, 200, "{:#}", linked.body);
        assert_eq!(linked.body["ticket_ids"], json!([id]));
        // Linking again changes nothing.
        let again = api
            .post(
                &t,
                &format!("/api/calls/{call2}/tickets"),
                json!({"ticket_id": id}),
            )
            .await;
        assert_eq!(again.status, 200);

        // Dispatch, on site, reply, close.
        api.advance(MIN);
        let d = transition(
            &api,
            &t,
            id,
            json!({"action": "dispatch", "district_id": f.district, "note": "派城东抢修班"}),
        )
        .await;
        assert_eq!(d["status"], "dispatched");
        assert_eq!(d["dispatched_at"], api.now());
        api.advance(20 * MIN);
        let version = d["version"].as_i64().expect("version");
        let s = transition(&api, &t, id, json!({"action": "start", "version": version})).await;
        assert_eq!(s["status"], "in_progress");
        assert_eq!(s["overdue"], json!([]));
        let c = api
            .post(
                &t,
                &format!("/api/tickets/{id}/comments"),
                json!({"note": "关阀止水"}),
            )
            .await;
        assert_eq!(c.status, 201, "{:#}", c.body);
        api.advance(2 * 60 * MIN);
        let r = transition(
            &api,
            &t,
            id,
            json!({"action": "reply", "note": "已更换管段"}),
        )
        .await;
        assert_eq!(r["status"], "replied");
        api.advance(MIN);
        let closed = transition(&api, &t, id, json!({"action": "close"})).await;
        assert_eq!(closed["status"], "closed");
        let closed_at = api.now();

        // The follow-up is due at once.
        let due = api.get(&t, "/api/followups/due").await;
        assert_eq!(due.status, 200);
        let fu = due
            .body
            .as_array()
            .expect("list")
            .iter()
            .find(|x| x["ticket_id"] == id)
            .cloned();
        let fu = fu.expect("the follow-up is due");
        assert_eq!(fu["phone"], "13800001111");
        assert_eq!(fu["customer_id"], f.customer);
        let fu_id = fu["id"].as_i64().expect("id");

        // Not reached: gone from the list until the retry interval has passed.
        api.advance(MIN);
        let a = api
            .post(
                &t,
                &format!("/api/followups/{fu_id}/result"),
                json!({"reached": false, "note": "无人接听"}),
            )
            .await;
        assert_eq!(
            (a.status, &a.body["status"]),
            (200, &json!("pending")),
            "{:#}",
            a.body
        );
        let retry = api.store.policy().follow_up.retry_after;
        let is_due = |body: &Value| {
            body.as_array()
                .is_some_and(|l| l.iter().any(|x| x["id"] == fu_id))
        };
        assert!(!is_due(&api.get(&t, "/api/followups/due").await.body));
        api.advance(retry - 1);
        assert!(!is_due(&api.get(&t, "/api/followups/due").await.body));
        api.advance(1);
        let due = api.get(&t, "/api/followups/due").await;
        assert!(
            is_due(&due.body),
            "due again after the retry interval: {:#}",
            due.body
        );

        // Reached, rating 5: the ticket is rated, and so is the agent.
        let a = api
            .post(
                &t,
                &format!("/api/followups/{fu_id}/result"),
                json!({"reached": true, "rating": 5, "note": "很满意"}),
            )
            .await;
        assert_eq!(
            (a.status, &a.body["status"]),
            (200, &json!("reached")),
            "{:#}",
            a.body
        );
        // Recording it again is a conflict.
        let a = api
            .post(
                &t,
                &format!("/api/followups/{fu_id}/result"),
                json!({"reached": true}),
            )
            .await;
        assert_eq!(a.status, 409);

        let detail = api.get(&t, &format!("/api/tickets/{id}")).await;
        assert_eq!(detail.status, 200);
        let tk = &detail.body["ticket"];
        assert_eq!(tk["status"], "rated");
        assert_eq!(tk["rating"], 5);
        assert_eq!(tk["handled_by"], f.agent);
        assert_eq!(tk["closed_at"], closed_at);
        assert_eq!(detail.body["call_ids"], json!([call1, call2]));

        let sup = api.login("li", "boss").await;
        let agents = api.get(&sup, "/api/agents").await;
        let zhang = agents
            .body
            .as_array()
            .expect("list")
            .iter()
            .find(|x| x["id"] == f.agent)
            .cloned();
        let zhang = zhang.expect("zhang");
        assert_eq!(zhang["rating"], 5.0);
        assert_eq!(zhang["rated_tickets"], 1);

        // The history lists every step, in order.
        let actor = format!("agent:{}", f.agent);
        let steps: Vec<(String, String, String, String)> = detail.body["events"]
            .as_array()
            .expect("events")
            .iter()
            .map(|e| {
                let s = |k: &str| e[k].as_str().unwrap_or("-").to_string();
                (s("kind"), s("from_status"), s("to_status"), s("actor"))
            })
            .collect();
        let step = |k: &str, from: &str, to: &str, who: &str| {
            (
                k.to_string(),
                from.to_string(),
                to.to_string(),
                who.to_string(),
            )
        };
        let expected = vec![
            step("created", "-", "-", &actor),
            step("linked", "-", "-", "system"),
            step("linked", "-", "-", "system"),
            step("transition", "accepted", "dispatched", &actor),
            step("transition", "dispatched", "in_progress", &actor),
            step("comment", "-", "-", &actor),
            step("transition", "in_progress", "replied", &actor),
            step("transition", "replied", "closed", &actor),
            step("follow_up_attempt", "-", "-", &actor),
            step("follow_up_attempt", "-", "-", &actor),
            step("transition", "closed", "followed_up", &actor),
            step("transition", "followed_up", "rated", &actor),
        ];
        assert_eq!(steps, expected);
        let events = detail.body["events"].as_array().expect("events");
        let times: Vec<i64> = events
            .iter()
            .map(|e| e["at"].as_i64().unwrap_or(0))
            .collect();
        assert!(
            times.windows(2).all(|w| w[0] <= w[1]),
            "in time order: {times:?}"
        );
        assert_eq!(events[3]["note"], "派城东抢修班");
        assert_eq!(events[5]["note"], "关阀止水");

        // The rated ticket is the end: nothing more can happen to it.
        let a = api
            .post(
                &t,
                &format!("/api/tickets/{id}/transitions"),
                json!({"action": "close"}),
            )
            .await;
        assert_eq!((a.status, a.code()), (409, Some("illegal_transition")));
        let view = api
            .get(
                &t,
                &format!("/api/customers/{}?before={}", f.customer, api.now()),
            )
            .await;
        assert_eq!(view.body["repeat_contact"], false);
    })
    .await;
}
