//! District crews: created by an admin and bound to a district; a crew token sees its
//! district's work list live, starts (arrival recorded), replies with the result, returns
//! with a reason, acknowledges a dispatch; another district's ticket is 403 and nothing else
//! of the API is reachable; a crew and the desk racing on one ticket: one wins.

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
use std::time::Duration;

const MIN: i64 = 60_000;

struct Stream {
    res: reqwest::Response,
    buf: String,
}

/// How long a stream may say nothing before [`Stream::next`] gives up.
const QUIET: Duration = Duration::from_secs(60);

impl Stream {
    async fn open(api: &Api, token: &str) -> Stream {
        let res = api
            .request(Method::GET, "/api/crew/events", Some(token))
            .send()
            .await
            .expect("request sent");
        assert_eq!(res.status(), 200);
        Stream {
            res,
            buf: String::new(),
        }
    }

    /// The next event (name, JSON), or `None` when the stream ends or nothing comes for
    /// [`QUIET`] (a stuck stream fails the test instead of hanging it; long enough that a
    /// loaded machine only makes it slow: CI once saw a 200-stream run's first dispatch come
    /// more than 3 s after the readers started waiting).
    async fn next(&mut self) -> Option<(String, Value)> {
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let mut name = String::new();
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        name = v.trim().to_string();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim());
                    }
                }
                if name.is_empty() {
                    continue;
                }
                return Some((name, serde_json::from_str(&data).expect("JSON data")));
            }
            let chunk = tokio::time::timeout(QUIET, self.res.chunk())
                .await
                .ok()?
                .ok()??;
            self.buf.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
}

async fn crew(api: &Api, admin: &str, login: &str, district: i64) -> i64 {
    let a = api
        .post(
            admin,
            "/api/crews",
            json!({"login": login, "name": format!("{login} 班组"), "staff_no": format!("C-{login}"),
                   "sip_user": format!("8{}", login.len()), "password": "crew-secret", "district_id": district}),
        )
        .await;
    assert_eq!(a.status, 201, "{:#}", a.body);
    assert_eq!(a.body["role"], "crew");
    assert_eq!(a.body["district_id"], district);
    a.id()
}

async fn open(api: &Api, token: &str, body: Value) -> i64 {
    let a = api.post(token, "/api/tickets", body).await;
    assert_eq!(a.status, 201, "{:#}", a.body);
    a.id()
}

async fn dispatch(api: &Api, token: &str, id: i64, district: i64) -> Value {
    let a = api
        .post(
            token,
            &format!("/api/tickets/{id}/transitions"),
            json!({"action": "dispatch", "district_id": district}),
        )
        .await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    a.body
}

#[tokio::test]
async fn a_crew_works_its_districts_tickets_and_nothing_else() {
    each_api(|api| async move {
        let f = fixture(&api.store).await;
        let admin = api.login("root", "admin").await;
        let desk = api.login("zhang", "secret").await;
        // Only admins create crews; a crew needs a real district.
        let a = api.post(&desk, "/api/crews", json!({"login": "x", "name": "x", "staff_no": "x", "sip_user": "x", "password": "secret1", "district_id": f.district}))
            .await;
        assert_eq!(a.status, 403);
        let a = api
            .post(&admin, "/api/crews", json!({"login": "x", "name": "x", "staff_no": "x", "sip_user": "x", "password": "secret1", "district_id": 999_999}))
            .await;
        a.assert_error(422, "district_id");
        crew(&api, &admin, "east", f.district).await;
        crew(&api, &admin, "westcrew", f.other_district).await;
        let east = api.login("east", "crew-secret").await;
        let crews = api.get(&admin, "/api/crews").await;
        assert_eq!(crews.body.as_array().map(Vec::len), Some(2));
        // Crews are not agents of the centre.
        let agents = api.get(&admin, "/api/agents").await;
        assert!(agents.body.as_array().expect("agents").iter().all(|a| a["login"] != "east"));

        let mine = open(&api, &desk, json!({"kind": "leak", "customer_id": f.customer, "summary": "漏水"})).await;
        let theirs = open(&api, &desk, json!({"kind": "repair", "summary": "维修", "address": "城西区人民路8号"})).await;
        let not_yet = open(&api, &desk, json!({"kind": "repair", "customer_id": f.customer, "summary": "未派"})).await;
        dispatch(&api, &desk, mine, f.district).await;
        dispatch(&api, &desk, theirs, f.other_district).await;

        // The work list: only the district's dispatched tickets.
        let list = api.get(&east, "/api/crew/tickets").await;
        assert_eq!(list.status, 200, "{:#}", list.body);
        let ids: Vec<i64> = list.body.as_array().expect("list").iter().map(|t| t["id"].as_i64().unwrap_or(0)).collect();
        assert_eq!(ids, [mine]);
        let path = format!("/api/crew/tickets?district={}", f.other_district);
        assert_eq!(api.get(&east, &path).await.status, 403);

        // Another district's ticket: 403 to read, to act on, to acknowledge; nothing written.
        let before = api.get(&desk, &format!("/api/tickets/{theirs}")).await.body;
        assert_eq!(api.get(&east, &format!("/api/tickets/{theirs}")).await.status, 403);
        let tr = format!("/api/tickets/{theirs}/transitions");
        let a = api.post(&east, &tr, json!({"action": "start"})).await;
        assert_eq!((a.status, a.code()), (403, Some("forbidden")), "{:#}", a.body);
        let a = api.post(&east, &format!("/api/tickets/{theirs}/acknowledge"), json!({})).await;
        assert_eq!(a.status, 403);
        assert_eq!(api.get(&desk, &format!("/api/tickets/{theirs}")).await.body, before);
        // An undispatched ticket of its own district is not its list's, and closing is the centre's.
        assert_eq!(api.get(&east, &format!("/api/tickets/{not_yet}")).await.status, 200);
        let a = api.post(&east, &format!("/api/tickets/{not_yet}/transitions"), json!({"action": "reply", "note": "x"})).await;
        assert_eq!(a.status, 403);
        // Nothing else of the API.
        for p in ["/api/customers?phone=13800001111", "/api/tickets", "/api/calls", "/api/agents", "/api/events", "/api/acd/me"] {
            assert_eq!(api.get(&east, p).await.status, 403, "{p}");
        }
        let c = api.post(&east, "/api/tickets", json!({"kind": "leak", "summary": "x"})).await;
        assert_eq!(c.status, 403);

        // Its own ticket: the actions it may take, acknowledge, start (arrival), reply.
        let d = api.get(&east, &format!("/api/tickets/{mine}")).await;
        assert_eq!(d.body["actions"], json!(["return", "start"]));
        let a = api.post(&east, &format!("/api/tickets/{mine}/acknowledge"), json!({"note": "收到"})).await;
        assert_eq!(a.status, 200, "{:#}", a.body);
        api.advance(30 * MIN);
        let tr = format!("/api/tickets/{mine}/transitions");
        let s = api.post(&east, &tr, json!({"action": "start"})).await;
        assert_eq!(s.status, 200, "{:#}", s.body);
        assert_eq!(s.body["on_site_at"], api.now());
        assert_eq!(api.get(&east, &format!("/api/tickets/{mine}")).await.body["actions"], json!(["reply"]));
        api.post(&east, &tr, json!({"action": "reply"})).await.assert_error(422, "note");
        let r = api.post(&east, &tr, json!({"action": "reply", "note": "已更换管段"})).await;
        assert_eq!(r.status, 200, "{:#}", r.body);
        let a = api.post(&east, &tr, json!({"action": "close"})).await;
        assert_eq!(a.status, 403);
        let d = api.get(&desk, &format!("/api/tickets/{mine}")).await.body;
        let kinds: Vec<(&str, &str)> = d["events"].as_array().expect("events").iter()
            .map(|e| (e["kind"].as_str().unwrap_or(""), e["actor_name"].as_str().unwrap_or(""))).collect();
        assert!(kinds.contains(&("acknowledged", "east 班组")), "{kinds:?}");
        assert_eq!(kinds.last(), Some(&("transition", "east 班组")));

        // Returned to the centre with a reason (wrong district).
        let other = open(&api, &desk, json!({"kind": "repair", "customer_id": f.customer, "summary": "错派"})).await;
        dispatch(&api, &desk, other, f.district).await;
        let tr = format!("/api/tickets/{other}/transitions");
        api.post(&east, &tr, json!({"action": "return"})).await.assert_error(422, "note");
        let r = api.post(&east, &tr, json!({"action": "return", "note": "属城西片区"})).await;
        assert_eq!((r.status, &r.body["status"]), (200, &json!("accepted")));
    })
    .await;
}

#[tokio::test]
async fn a_dispatch_reaches_the_crews_open_stream() {
    each_api(|api| async move {
        let f = fixture(&api.store).await;
        let admin = api.login("root", "admin").await;
        let desk = api.login("zhang", "secret").await;
        crew(&api, &admin, "east", f.district).await;
        let east = api.login("east", "crew-secret").await;
        let mut stream = Stream::open(&api, &east).await;
        let (name, list) = stream.next().await.expect("the list first");
        assert_eq!((name.as_str(), list), ("tickets", json!([])));
        for i in 0..5 {
            let id = open(
                &api,
                &desk,
                json!({"kind": "leak", "customer_id": f.customer, "summary": format!("漏水{i}")}),
            )
            .await;
            // The creation is the district's (the customer's): seen, not yet on the list.
            let (name, ev) = stream.next().await.expect("created");
            assert_eq!(
                (name.as_str(), &ev["what"], &ev["on_list"]),
                ("ticket", &json!("created"), &json!(false))
            );
            dispatch(&api, &desk, id, f.district).await;
            let (name, ev) = stream.next().await.expect("the dispatch");
            assert_eq!(name, "ticket");
            assert_eq!(ev["what"], "dispatch");
            assert_eq!(ev["on_list"], true);
            assert_eq!(ev["ticket"]["id"], id);
        }
        // Another district's dispatch is not sent.
        let id = open(
            &api,
            &desk,
            json!({"kind": "repair", "summary": "西", "address": "城西区"}),
        )
        .await;
        dispatch(&api, &desk, id, f.other_district).await;
        let n = open(
            &api,
            &desk,
            json!({"kind": "repair", "customer_id": f.customer, "summary": "东"}),
        )
        .await;
        let (_, ev) = stream.next().await.expect("the next of its own");
        assert_eq!(
            ev["ticket"]["id"], n,
            "the other district's ticket came through: {ev:#}"
        );
    })
    .await;
}

#[tokio::test]
async fn the_crew_and_the_desk_racing_on_one_ticket_one_wins() {
    each_api(|api| async move {
        let f = fixture(&api.store).await;
        let admin = api.login("root", "admin").await;
        let desk = api.login("zhang", "secret").await;
        crew(&api, &admin, "east", f.district).await;
        let east = api.login("east", "crew-secret").await;
        for round in 0..10 {
            let id = open(&api, &desk, json!({"kind": "repair", "customer_id": f.customer, "summary": format!("r{round}")})).await;
            dispatch(&api, &desk, id, f.district).await;
            let tr = format!("/api/tickets/{id}/transitions");
            let start = api.request(Method::POST, &tr, Some(&east)).json(&json!({"action": "start"}));
            let back = api.request(Method::POST, &tr, Some(&desk)).json(&json!({"action": "return", "note": "改派"}));
            let (a, b) = tokio::join!(api.send(start), api.send(back));
            let mut statuses = [a.status, b.status];
            statuses.sort();
            assert_eq!(statuses, [200, 409], "{:#} {:#}", a.body, b.body);
            let loser = if a.status == 409 { &a } else { &b };
            let winner = if a.status == 200 { &a } else { &b };
            assert_eq!(loser.body["error"]["current"]["status"], winner.body["status"]);
            let d = api.get(&desk, &format!("/api/tickets/{id}")).await.body;
            let n = d["events"].as_array().expect("events").iter().filter(|e| e["kind"] == "transition").count();
            assert_eq!(n, 2);
        }
    })
    .await;
}

#[tokio::test]
async fn admins_see_the_webhook_dead_letters_and_put_them_back() {
    each_api(|api| async move {
        let f = fixture(&api.store).await;
        let admin = api.login("root", "admin").await;
        let sup = api.login("li", "boss").await;
        let desk = api.login("zhang", "secret").await;
        let id = open(
            &api,
            &desk,
            json!({"kind": "leak", "customer_id": f.customer, "summary": "漏水"}),
        )
        .await;
        dispatch(&api, &desk, id, f.district).await;
        let rc = [hotline_store::outbox::Receiver {
            name: "sms".into(),
            district_id: None,
        }];
        api.store.fan_out(&rc, api.now()).await.expect("fan out");
        let d = api.store.due_deliveries(api.now(), 10).await.expect("due");
        assert_eq!(d.len(), 1);
        assert!(api
            .store
            .delivery_failed(d[0].id, "HTTP 503", api.now(), 1)
            .await
            .expect("failed"));

        assert_eq!(api.get(&sup, "/api/webhooks/dead").await.status, 403);
        let dead = api.get(&admin, "/api/webhooks/dead").await;
        assert_eq!(dead.status, 200, "{:#}", dead.body);
        assert_eq!(dead.body[0]["ticket_id"], id);
        assert_eq!(dead.body[0]["kind"], "dispatch");
        assert_eq!(dead.body[0]["last_error"], "HTTP 503");
        let path = format!("/api/webhooks/dead/{}/retry", d[0].id);
        assert_eq!(api.post(&sup, &path, json!({})).await.status, 403);
        let a = api.post(&admin, &path, json!({})).await;
        assert_eq!(a.status, 200, "{:#}", a.body);
        assert_eq!(api.get(&admin, "/api/webhooks/dead").await.body, json!([]));
        assert_eq!(
            api.store
                .due_deliveries(api.now(), 10)
                .await
                .expect("due")
                .len(),
            1
        );
        assert_eq!(api.post(&admin, &path, json!({})).await.status, 404);
    })
    .await;
}

/// 200 crew pages following one district's stream: every dispatch reaches every one of them,
/// once. (How fast is measured by `benches/crew_dispatch.rs` against the release engine.)
#[tokio::test]
async fn a_dispatch_reaches_every_one_of_two_hundred_open_crew_streams() {
    each_api(|api| async move {
        let f = fixture(&api.store).await;
        let admin = api.login("root", "admin").await;
        let desk = api.login("zhang", "secret").await;
        crew(&api, &admin, "east", f.district).await;
        let east = api.login("east", "crew-secret").await;
        let mut streams = Vec::new();
        for _ in 0..200 {
            let mut s = Stream::open(&api, &east).await;
            let (name, _) = s.next().await.expect("the list");
            assert_eq!(name, "tickets");
            streams.push(s);
        }
        let readers: Vec<_> = streams
            .into_iter()
            .map(|mut s| {
                tokio::spawn(async move {
                    let mut seen = Vec::new();
                    while seen.len() < 10 {
                        let Some((_, ev)) = s.next().await else { break };
                        if ev["what"] == "dispatch" {
                            seen.push(ev["ticket"]["id"].as_i64().unwrap_or(0));
                        }
                    }
                    seen
                })
            })
            .collect();
        let mut sent = Vec::new();
        for i in 0..10 {
            let id = open(
                &api,
                &desk,
                json!({"kind": "leak", "customer_id": f.customer, "summary": format!("p{i}")}),
            )
            .await;
            sent.push(id);
            dispatch(&api, &desk, id, f.district).await;
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        for r in readers {
            // Each dispatch once, in the order they were made.
            assert_eq!(r.await.expect("reader"), sent, "a stream missed a dispatch");
        }
    })
    .await;
}
