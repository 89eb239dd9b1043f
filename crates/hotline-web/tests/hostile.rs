//! SQL-ish, odd-unicode and over-long strings in every text field of every write endpoint
//! and in query parameters: stored as data where the field is free text, refused by name
//! otherwise; the tables are intact afterwards.

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

const HOSTILE: [&str; 7] = [
    "'; DROP TABLE tickets; --",
    "\" OR 1=1 --",
    "Robert'); DELETE FROM customers; --",
    "%' OR name LIKE '%",
    "1; UPDATE agents SET role = 'admin' WHERE 1=1",
    "水管爆裂 🚰 Ünïcödé \u{202e}gnp.exe 𝔘 \u{200b}",
    "\\x00 \\u0000 $1 ?",
];

/// `path?name=value`, percent-encoded.
fn query(path: &str, name: &str, value: &str) -> String {
    let q = form_urlencoded::Serializer::new(String::new())
        .append_pair(name, value)
        .finish();
    format!("{path}?{q}")
}

fn long() -> String {
    "漏".repeat(4001)
}

#[tokio::test]
async fn hostile_strings_in_every_text_field_are_data_or_refused() {
    each_api(|api| async move {
        let f = fixture(&api.store).await;
        let t = api.login("zhang", "secret").await;
        let mut tickets = 0;
        let base = api
            .post(
                &t,
                "/api/tickets",
                json!({"kind": "inquiry", "summary": "base"}),
            )
            .await;
        assert_eq!(base.status, 201);
        tickets += 1;
        let base = base.id();

        for s in HOSTILE {
            // Free text is stored as given.
            let a = api
                .post(
                    &t,
                    "/api/tickets",
                    json!({"kind": "complaint", "summary": s, "address": s, "reporter_name": s}),
                )
                .await;
            assert_eq!(a.status, 201, "{s}: {:#}", a.body);
            tickets += 1;
            let got = api.get(&t, &format!("/api/tickets/{}", a.id())).await;
            for field in ["summary", "address", "reporter_name"] {
                assert_eq!(got.body["ticket"][field], s, "{field} round trip");
            }
            let c = api
                .post(
                    &t,
                    &format!("/api/tickets/{base}/comments"),
                    json!({"note": s}),
                )
                .await;
            assert_eq!(c.status, 201);
            let events = c.body["events"].as_array().expect("events");
            assert_eq!(events.last().map(|e| &e["note"]), Some(&json!(s)));

            // Names of things are refused, not looked up as SQL.
            for (field, body) in [
                ("kind", json!({"kind": s, "summary": "x"})),
                (
                    "priority",
                    json!({"kind": "leak", "summary": "x", "priority": s}),
                ),
            ] {
                api.post(&t, "/api/tickets", body)
                    .await
                    .assert_error(422, field);
            }
            let a = api
                .post(
                    &t,
                    "/api/tickets",
                    json!({"kind": "inquiry", "summary": "x", "reporter_phone": s}),
                )
                .await;
            // Digits in it may make a (short) phone number; either way no harm.
            assert!(
                a.status == 201 || a.field() == Some("reporter_phone"),
                "{s}: {:#}",
                a.body
            );
            if a.status == 201 {
                tickets += 1;
            }
            let tr = format!("/api/tickets/{base}/transitions");
            api.post(&t, &tr, json!({"action": s}))
                .await
                .assert_error(422, "action");
            let a = api
                .post(&t, &tr, json!({"action": "start", "note": s}))
                .await;
            assert_eq!((a.status, a.code()), (409, Some("illegal_transition")));
            let r = format!("/api/customers/{}/readings", f.customer);
            api.post(&t, &r, json!({"value": 1001, "meter_serial": s}))
                .await
                .assert_error(422, "meter_serial");
            let a = api
                .post(
                    &t,
                    "/api/followups/999999/result",
                    json!({"reached": false, "note": s}),
                )
                .await;
            assert_eq!(a.status, 404);
            for body in [
                json!({"login": s, "password": "secret"}),
                json!({"login": "zhang", "password": s}),
            ] {
                let mut a = api
                    .send(api.request(Method::POST, "/api/login", None).json(&body))
                    .await;
                if a.status == 429 {
                    // Seven wrong passwords in a row make the account wait (the login
                    // throttle, tested in login_throttle.rs); the string is then checked.
                    let secs: i64 = a.headers["retry-after"].to_str().unwrap().parse().unwrap();
                    api.advance(secs * 1000);
                    a = api
                        .send(api.request(Method::POST, "/api/login", None).json(&body))
                        .await;
                }
                assert_eq!(a.status, 401, "{body}");
            }

            // Query parameters: searched as values, or refused by name.
            for p in ["phone", "account", "name"] {
                let a = api
                    .send(api.request(Method::GET, &query("/api/customers", p, s), Some(&t)))
                    .await;
                assert_eq!(a.status, 200, "{p}={s}: {:#}", a.body);
                assert_eq!(a.body, json!([]), "{p}={s}");
            }
            for (path, p) in [
                ("/api/tickets", "kind"),
                ("/api/tickets", "status"),
                ("/api/tickets", "limit"),
                ("/api/tickets", "customer"),
                ("/api/calls", "since"),
                ("/api/followups/due", "limit"),
            ] {
                let a = api
                    .send(api.request(Method::GET, &query(path, p, s), Some(&t)))
                    .await;
                a.assert_error(400, p);
            }
            let a = api
                .send(api.request(Method::GET, &query("/api/tickets", s, "1"), Some(&t)))
                .await;
            assert_eq!(a.status, 400);
        }

        // Over the store's 4000 characters: 422 naming the field, everywhere.
        let l = long();
        let tr = format!("/api/tickets/{base}/transitions");
        let cases: Vec<(&str, Value, &str)> = vec![
            (
                "/api/tickets",
                json!({"kind": "leak", "summary": l}),
                "summary",
            ),
            (
                "/api/tickets",
                json!({"kind": "leak", "summary": "x", "address": l}),
                "address",
            ),
            (
                "/api/tickets",
                json!({"kind": "leak", "summary": "x", "reporter_name": l}),
                "reporter_name",
            ),
            (
                "/api/tickets",
                json!({"kind": "leak", "summary": "x", "reporter_phone": l}),
                "reporter_phone",
            ),
            ("/api/tickets", json!({"kind": l, "summary": "x"}), "kind"),
            (
                "/api/tickets",
                json!({"kind": "leak", "summary": "x", "priority": l}),
                "priority",
            ),
            (
                tr.as_str(),
                json!({"action": "dispatch", "note": l}),
                "note",
            ),
            (tr.as_str(), json!({"action": l}), "action"),
            (
                "/api/followups/1/result",
                json!({"reached": false, "note": l}),
                "note",
            ),
        ];
        for (path, body, field) in cases {
            api.post(&t, path, body).await.assert_error(422, field);
        }
        let c = format!("/api/tickets/{base}/comments");
        api.post(&t, &c, json!({"note": l}))
            .await
            .assert_error(422, "note");
        let r = format!("/api/customers/{}/readings", f.customer);
        api.post(&t, &r, json!({"value": 1, "meter_serial": l}))
            .await
            .assert_error(422, "meter_serial");
        for (body, field) in [
            (json!({"login": l, "password": "x"}), "login"),
            (json!({"login": "zhang", "password": l}), "password"),
        ] {
            let a = api
                .send(api.request(Method::POST, "/api/login", None).json(&body))
                .await;
            a.assert_error(422, field);
        }
        for p in ["phone", "account", "name"] {
            let a = api
                .send(api.request(Method::GET, &query("/api/customers", p, &l), Some(&t)))
                .await;
            a.assert_error(400, p);
        }
        // A NUL in free text is refused too (PostgreSQL cannot store it).
        api.post(
            &t,
            "/api/tickets",
            json!({"kind": "leak", "summary": "a\u{0}b"}),
        )
        .await
        .assert_error(422, "summary");
        api.post(
            &t,
            "/api/followups/1/result",
            json!({"reached": false, "note": "a\u{0}"}),
        )
        .await
        .assert_error(422, "note");

        tables_are_intact(&api, &t, &f, tickets).await;
    })
    .await;
}
