//! The whole work order from the desk through the API: the actions each status allows (and
//! only those), the note each one needs, re-opening, the timeline with who did what, races
//! between two different transitions (exactly one wins, the loser gets 409 with the state
//! now, no event lost), and the list's filters and order.

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

const MIN: i64 = 60_000;

async fn open(api: &Api, token: &str, body: Value) -> i64 {
    let a = api.post(token, "/api/tickets", body).await;
    assert_eq!(a.status, 201, "{:#}", a.body);
    a.id()
}

async fn detail(api: &Api, token: &str, id: i64) -> Value {
    let a = api.get(token, &format!("/api/tickets/{id}")).await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    a.body
}

async fn act(api: &Api, token: &str, id: i64, body: Value) -> Value {
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

fn actions(d: &Value) -> Vec<&str> {
    d["actions"]
        .as_array()
        .expect("actions")
        .iter()
        .map(|a| a.as_str().expect("action"))
        .collect()
}

fn transitions(d: &Value) -> usize {
    d["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["kind"] == "transition")
        .count()
}

#[tokio::test]
async fn the_desk_runs_the_whole_life_with_the_actions_each_status_allows() {
    each_api(|api| async move {
        let f = fixture(&api.store).await;
        let t = api.login("zhang", "secret").await;
        let id = open(
            &api,
            &t,
            json!({"kind": "leak", "customer_id": f.customer, "summary": "楼道漏水"}),
        )
        .await;
        let d = detail(&api, &t, id).await;
        assert_eq!(actions(&d), ["dispatch", "reply"]);
        assert_eq!(d["customer_name"], "陈建国");
        assert_eq!(d["followup_id"], Value::Null);
        assert_eq!(d["events"][0]["actor_name"], "zhang name");
        let tr = format!("/api/tickets/{id}/transitions");
        // An action the status does not allow: 409 with where the ticket is.
        let a = api.post(&t, &tr, json!({"action": "close"})).await;
        assert_eq!((a.status, a.code()), (409, Some("illegal_transition")));
        assert_eq!(a.body["error"]["current"]["status"], "accepted");
        assert_eq!(
            a.body["error"]["current"]["actions"],
            json!(["dispatch", "reply"])
        );

        act(
            &api,
            &t,
            id,
            json!({"action": "dispatch", "district_id": f.district}),
        )
        .await;
        assert_eq!(actions(&detail(&api, &t, id).await), ["return", "start"]);
        // A return needs its reason, a reply its result.
        api.post(&t, &tr, json!({"action": "return"}))
            .await
            .assert_error(422, "note");
        api.post(&t, &tr, json!({"action": "return", "note": "  "}))
            .await
            .assert_error(422, "note");
        act(
            &api,
            &t,
            id,
            json!({"action": "return", "note": "不属本片区"}),
        )
        .await;
        act(
            &api,
            &t,
            id,
            json!({"action": "dispatch", "district_id": f.other_district}),
        )
        .await;
        api.advance(10 * MIN);
        let s = act(&api, &t, id, json!({"action": "start"})).await;
        assert_eq!(s["on_site_at"], api.now());
        api.post(&t, &tr, json!({"action": "reply"}))
            .await
            .assert_error(422, "note");
        act(
            &api,
            &t,
            id,
            json!({"action": "reply", "note": "已更换阀门"}),
        )
        .await;
        assert_eq!(actions(&detail(&api, &t, id).await), ["send_back", "close"]);
        api.post(&t, &tr, json!({"action": "send_back"}))
            .await
            .assert_error(422, "note");
        act(
            &api,
            &t,
            id,
            json!({"action": "send_back", "note": "仍在渗水"}),
        )
        .await;
        act(&api, &t, id, json!({"action": "reply", "note": "重新焊接"})).await;
        act(&api, &t, id, json!({"action": "close"})).await;
        let d = detail(&api, &t, id).await;
        assert_eq!(actions(&d), ["follow_up", "reopen"]);
        let first_followup = d["followup_id"].as_i64().expect("a follow-up at closing");

        // Re-opened: back to the centre, closing and follow-up undone.
        api.post(&t, &tr, json!({"action": "reopen"}))
            .await
            .assert_error(422, "note");
        let r = act(
            &api,
            &t,
            id,
            json!({"action": "reopen", "note": "客户反映仍漏水"}),
        )
        .await;
        assert_eq!(r["status"], "accepted");
        assert_eq!(r["closed_at"], Value::Null);
        assert_eq!(r["due_follow_up_at"], Value::Null);
        let d = detail(&api, &t, id).await;
        assert_eq!(d["followup_id"], Value::Null);
        assert_eq!(actions(&d), ["dispatch", "reply"]);
        act(
            &api,
            &t,
            id,
            json!({"action": "reply", "note": "电话指导关阀"}),
        )
        .await;
        act(&api, &t, id, json!({"action": "close"})).await;
        let d = detail(&api, &t, id).await;
        let fu = d["followup_id"].as_i64().expect("a new follow-up");
        assert_ne!(fu, first_followup);

        // The follow-up result and the rating from the ticket view.
        let a = api
            .post(
                &t,
                &format!("/api/followups/{fu}/result"),
                json!({"reached": true, "rating": 4, "note": "满意"}),
            )
            .await;
        assert_eq!(a.status, 200, "{:#}", a.body);
        let d = detail(&api, &t, id).await;
        assert_eq!(d["ticket"]["status"], "rated");
        assert_eq!(d["ticket"]["rating"], 4);
        assert_eq!(actions(&d), Vec::<&str>::new());
        // Every step is one event, by whom, with its note.
        let notes: Vec<(&str, &str, &str)> = d["events"]
            .as_array()
            .expect("events")
            .iter()
            .filter(|e| e["kind"] == "transition")
            .map(|e| {
                (
                    e["to_status"].as_str().unwrap_or(""),
                    e["note"].as_str().unwrap_or(""),
                    e["actor_name"].as_str().unwrap_or(""),
                )
            })
            .collect();
        assert_eq!(notes.len(), 13, "{notes:?}");
        assert_eq!(notes[1], ("accepted", "不属本片区", "zhang name"));
        assert_eq!(notes[8], ("accepted", "客户反映仍漏水", "zhang name"));
        assert_eq!(notes[12], ("rated", "", "zhang name"));
    })
    .await;
}

/// Two different transitions raced on one ticket, many times: exactly one wins, the other
/// gets 409 with the state the winner left, and the winner's event is the only one written.
#[tokio::test]
async fn of_two_raced_transitions_exactly_one_wins_and_the_loser_sees_the_state_now() {
    each_api(|api| async move {
        let f = fixture(&api.store).await;
        let t = api.login("zhang", "secret").await;
        let crew_side = api.login("li", "boss").await;
        for round in 0..15 {
            let id = open(
                &api,
                &t,
                json!({"kind": "repair", "customer_id": f.customer, "summary": format!("r{round}")}),
            )
            .await;
            act(&api, &t, id, json!({"action": "dispatch", "district_id": f.district})).await;
            let tr = format!("/api/tickets/{id}/transitions");
            let start = api
                .request(Method::POST, &tr, Some(&crew_side))
                .json(&json!({"action": "start"}));
            let back = api
                .request(Method::POST, &tr, Some(&t))
                .json(&json!({"action": "return", "note": "派错片区"}));
            let (a, b) = tokio::join!(api.send(start), api.send(back));
            let (winner, loser, won) = match (a.status, b.status) {
                (200, 409) => (a, b, "in_progress"),
                (409, 200) => (b, a, "accepted"),
                other => panic!("round {round}: {other:?} {:#} {:#}", a.body, b.body),
            };
            assert_eq!(winner.body["status"], won);
            let current = &loser.body["error"]["current"];
            assert_eq!(current["status"], won, "{:#}", loser.body);
            assert_eq!(current["version"], winner.body["version"]);
            let d = detail(&api, &t, id).await;
            assert_eq!(d["ticket"]["status"], won);
            assert_eq!(transitions(&d), 2, "round {round}: {:#}", d["events"]);
        }
    })
    .await;
}

#[tokio::test]
async fn the_list_filters_and_puts_overdue_and_urgent_first() {
    each_api(|api| async move {
        let f = fixture(&api.store).await;
        let zhang = api.login("zhang", "secret").await;
        let li = api.login("li", "boss").await;
        // A leak (priority normal here, on site within 45 min) and a repair by zhang, a
        // complaint by li.
        let leak = open(
            &api,
            &zhang,
            json!({"kind": "leak", "customer_id": f.customer, "summary": "漏水", "priority": "normal"}),
        )
        .await;
        let repair = open(
            &api,
            &zhang,
            json!({"kind": "repair", "customer_id": f.customer, "summary": "维修", "priority": "low"}),
        )
        .await;
        let other = open(
            &api,
            &li,
            json!({"kind": "complaint", "summary": "投诉", "address": "城西区人民路8号", "priority": "high"}),
        )
        .await;
        act(&api, &li, other, json!({"action": "dispatch", "district_id": f.other_district})).await;
        let ids = |a: &Answer| -> Vec<i64> {
            a.body
                .as_array()
                .expect("list")
                .iter()
                .map(|t| t["id"].as_i64().expect("id"))
                .collect()
        };
        let all = api.get(&zhang, "/api/tickets").await;
        assert_eq!(ids(&all), [other, leak, repair], "high, normal, low");
        assert_eq!(ids(&api.get(&zhang, "/api/tickets?mine=true").await), [leak, repair]);
        assert_eq!(ids(&api.get(&li, "/api/tickets?mine=true").await), [other]);
        assert_eq!(ids(&api.get(&zhang, "/api/tickets?priority=low").await), [repair]);
        assert_eq!(ids(&api.get(&zhang, "/api/tickets?kind=complaint").await), [other]);
        let path = format!("/api/tickets?district={}", f.other_district);
        assert_eq!(ids(&api.get(&zhang, &path).await), [other]);
        assert_eq!(
            ids(&api.get(&zhang, "/api/tickets?status=dispatched").await),
            [other]
        );
        // Due soon: the leak's on-site deadline is 45 minutes away.
        assert_eq!(ids(&api.get(&zhang, "/api/tickets?due_soon=30").await), Vec::<i64>::new());
        assert_eq!(ids(&api.get(&zhang, "/api/tickets?due_soon=46").await), [leak]);
        // Overdue goes first, before any priority: the low repair opened now by li is
        // not, the leak is (its on-site deadline passed).
        api.advance(60 * MIN);
        let fresh = open(
            &api,
            &li,
            json!({"kind": "repair", "customer_id": f.customer, "summary": "新", "priority": "urgent"}),
        )
        .await;
        let all = api.get(&zhang, "/api/tickets").await;
        assert_eq!(ids(&all), [leak, fresh, other, repair], "{:#}", all.body);
        assert_eq!(all.body[0]["overdue"], json!(["on_site"]));
        assert_eq!(ids(&api.get(&zhang, "/api/tickets?overdue=true&priority=normal").await), [leak]);
        // Bad filters name the parameter.
        for (q, p) in [
            ("priority=ASAP", "priority"),
            ("due_soon=0", "due_soon"),
            ("due_soon=99999", "due_soon"),
            ("mine=yes", "mine"),
        ] {
            api.get(&zhang, &format!("/api/tickets?{q}"))
                .await
                .assert_error(400, p);
        }
    })
    .await;
}

#[tokio::test]
async fn notes_are_kept_as_written_markup_and_all() {
    each_api(|api| async move {
        let f = fixture(&api.store).await;
        let t = api.login("zhang", "secret").await;
        let id = open(
            &api,
            &t,
            json!({"kind": "repair", "customer_id": f.customer, "summary": "x"}),
        )
        .await;
        let note = "<script>alert(1)</script><img src=x onerror=alert(2)> & \"q\"";
        act(&api, &t, id, json!({"action": "reply", "note": note})).await;
        let d = detail(&api, &t, id).await;
        assert_eq!(d["events"][1]["note"], note);
    })
    .await;
}
