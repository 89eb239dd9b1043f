//! Every write endpoint and every list names the field or parameter it refuses: required
//! fields missing or empty, bad enum values, ratings out of range, bad query parameters.

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

/// Opens a ticket and returns its id.
async fn ticket(api: &Api, token: &str, f: &Fixture) -> i64 {
    let a = api
        .post(
            token,
            "/api/tickets",
            json!({"kind": "repair", "customer_id": f.customer, "summary": "水表漏水"}),
        )
        .await;
    assert_eq!(a.status, 201, "{:#}", a.body);
    a.id()
}

#[tokio::test]
async fn ticket_bodies_name_the_bad_field() {
    each_api(|api| async move {
        fixture(&api.store).await;
        let t = api.login("zhang", "secret").await;
        let before = api.count("tickets").await;
        let cases: Vec<(Value, u16, &str)> = vec![
            (json!({"summary": "x"}), 422, "kind"),
            (json!({"kind": "leak"}), 422, "summary"),
            (json!({"kind": "leak", "summary": ""}), 422, "summary"),
            (json!({"kind": "leak", "summary": "   \n"}), 422, "summary"),
            (json!({"kind": "", "summary": "x"}), 422, "kind"),
            (json!({"kind": "flood", "summary": "x"}), 422, "kind"),
            (json!({"kind": "LEAK", "summary": "x"}), 422, "kind"),
            (json!({"kind": 7, "summary": "x"}), 422, "kind"),
            (
                json!({"kind": "leak", "summary": "x", "priority": "asap"}),
                422,
                "priority",
            ),
            (
                json!({"kind": "leak", "summary": "x", "priority": 1}),
                422,
                "priority",
            ),
            (
                json!({"kind": "leak", "summary": "x", "customer_id": 999_999}),
                422,
                "customer_id",
            ),
            (
                json!({"kind": "leak", "summary": "x", "customer_id": "1"}),
                422,
                "customer_id",
            ),
            (
                json!({"kind": "leak", "summary": "x", "district_id": 999_999}),
                422,
                "district_id",
            ),
            (
                json!({"kind": "leak", "summary": "x", "call_id": 999_999}),
                422,
                "call_id",
            ),
            (
                json!({"kind": "leak", "summary": "x", "reporter_phone": "call me"}),
                422,
                "reporter_phone",
            ),
            (
                json!({"kind": "leak", "summary": "x", "status": "rated"}),
                422,
                "status",
            ),
            (
                json!({"kind": "leak", "summary": "x", "address": ["a"]}),
                422,
                "address",
            ),
        ];
        for (body, status, field) in cases {
            let a = api.post(&t, "/api/tickets", body.clone()).await;
            assert_eq!(a.status, status, "{body}: {:#}", a.body);
            assert_eq!(a.field(), Some(field), "{body}: {:#}", a.body);
        }
        assert_eq!(
            api.count("tickets").await,
            before,
            "nothing was half-written"
        );
        // A body that is not an object.
        let a = api.post(&t, "/api/tickets", json!(["leak"])).await;
        assert_eq!(a.status, 422);
    })
    .await;
}

#[tokio::test]
async fn transitions_comments_and_assignments_name_the_bad_field() {
    each_api(|api| async move {
        let f = fixture(&api.store).await;
        let t = api.login("zhang", "secret").await;
        let id = ticket(&api, &t, &f).await;
        let tr = format!("/api/tickets/{id}/transitions");
        let cases: Vec<(Value, u16, &str)> = vec![
            (json!({}), 422, "action"),
            (json!({"action": ""}), 422, "action"),
            (json!({"action": "explode"}), 422, "action"),
            (json!({"action": "Dispatch"}), 422, "action"),
            (json!({"action": "rate"}), 409, ""),
            (json!({"action": "rate", "rating": 0}), 422, "rating"),
            (json!({"action": "rate", "rating": 6}), 422, "rating"),
            (json!({"action": "rate", "rating": -1}), 422, "rating"),
            (json!({"action": "rate", "rating": 4.5}), 422, "rating"),
            (json!({"action": "dispatch", "rating": 5}), 422, "rating"),
            (
                json!({"action": "dispatch", "district_id": 999_999}),
                422,
                "district_id",
            ),
            (
                json!({"action": "start", "district_id": f.district}),
                422,
                "district_id",
            ),
            (
                json!({"action": "dispatch", "note": "x".repeat(4001)}),
                422,
                "note",
            ),
            (
                json!({"action": "dispatch", "version": "1"}),
                422,
                "version",
            ),
            (json!({"action": "dispatch", "extra": true}), 422, "extra"),
        ];
        for (body, status, field) in cases {
            let a = api.post(&t, &tr, body.clone()).await;
            assert_eq!(a.status, status, "{body}: {:#}", a.body);
            if !field.is_empty() {
                assert_eq!(a.field(), Some(field), "{body}: {:#}", a.body);
            }
        }
        // The rate on an accepted ticket was refused for its status, not its shape.
        let a = api
            .post(&t, &tr, json!({"action": "rate", "rating": 5}))
            .await;
        assert_eq!((a.status, a.code()), (409, Some("illegal_transition")));

        let c = format!("/api/tickets/{id}/comments");
        for (body, field) in [
            (json!({}), "note"),
            (json!({"note": ""}), "note"),
            (json!({"note": " "}), "note"),
            (json!({"note": null}), "note"),
            (json!({"note": "x".repeat(4001)}), "note"),
        ] {
            api.post(&t, &c, body).await.assert_error(422, field);
        }
        let d = format!("/api/tickets/{id}/district");
        for body in [
            json!({}),
            json!({"district_id": "east"}),
            json!({"district_id": 999_999}),
        ] {
            api.put(&t, &d, body).await.assert_error(422, "district_id");
        }
        // Nothing of that reached the ticket's history.
        let detail = api.get(&t, &format!("/api/tickets/{id}")).await;
        assert_eq!(detail.body["events"].as_array().map(Vec::len), Some(1));
        assert_eq!(detail.body["ticket"]["status"], "accepted");
    })
    .await;
}

#[tokio::test]
async fn other_write_bodies_name_the_bad_field() {
    each_api(|api| async move {
        let f = fixture(&api.store).await;
        let t = api.login("zhang", "secret").await;
        let r = format!("/api/customers/{}/readings", f.customer);
        for (body, field) in [
            (json!({}), "value"),
            (json!({"value": "1015"}), "value"),
            (json!({"value": -1}), "value"),
            (
                json!({"value": 1015, "meter_serial": "W-9999"}),
                "meter_serial",
            ),
            (json!({"value": 1015, "meter_serial": ""}), "meter_serial"),
        ] {
            api.post(&t, &r, body).await.assert_error(422, field);
        }
        for (body, field) in [
            (json!({"password": "secret"}), "login"),
            (json!({"login": "zhang"}), "password"),
            (json!({"login": "", "password": "secret"}), "login"),
            (json!({"login": "zhang", "password": ""}), "password"),
            (
                json!({"login": "zhang", "password": "secret", "otp": 1}),
                "otp",
            ),
        ] {
            let a = api
                .send(api.request(Method::POST, "/api/login", None).json(&body))
                .await;
            a.assert_error(422, field);
        }
        let call = call_taken_by(&api.store, "c-1", "13800001111", NOW, f.agent).await;
        let l = format!("/api/calls/{call}/tickets");
        for body in [
            json!({}),
            json!({"ticket_id": null}),
            json!({"ticket_id": 999_999}),
        ] {
            api.post(&t, &l, body).await.assert_error(422, "ticket_id");
        }
        // Follow-up results: the shape is checked before the follow-up is looked up.
        let fu = "/api/followups/1/result";
        for (body, field) in [
            (json!({}), "reached"),
            (json!({"reached": "yes"}), "reached"),
            (json!({"reached": true, "rating": 9}), "rating"),
            (json!({"reached": true, "rating": 0}), "rating"),
            (json!({"reached": false, "rating": 3}), "rating"),
            (json!({"reached": false, "note": "x".repeat(4001)}), "note"),
        ] {
            api.post(&t, fu, body).await.assert_error(422, field);
        }
    })
    .await;
}

#[tokio::test]
async fn query_parameters_are_named_when_refused() {
    each_api(|api| async move {
        fixture(&api.store).await;
        let t = api.login("zhang", "secret").await;
        let long = "a".repeat(201);
        let cases: Vec<(String, &str)> = vec![
            ("/api/tickets?status=open".into(), "status"),
            ("/api/tickets?status=".into(), "status"),
            ("/api/tickets?kind=flood".into(), "kind"),
            ("/api/tickets?district=east".into(), "district"),
            ("/api/tickets?district=0".into(), "district"),
            ("/api/tickets?customer=-5".into(), "customer"),
            ("/api/tickets?overdue=yes".into(), "overdue"),
            ("/api/tickets?limit=0".into(), "limit"),
            ("/api/tickets?limit=501".into(), "limit"),
            ("/api/tickets?limit=ten".into(), "limit"),
            ("/api/tickets?limit=99999999999999999999".into(), "limit"),
            ("/api/tickets?offset=-1".into(), "offset"),
            ("/api/tickets?limit=5&limit=6".into(), "limit"),
            ("/api/tickets?sort=id".into(), "sort"),
            ("/api/customers".into(), "phone"),
            ("/api/customers?limit=5".into(), "phone"),
            ("/api/customers?phone=".into(), "phone"),
            ("/api/customers?phone=138&name=chen".into(), "name"),
            (format!("/api/customers?name={long}"), "name"),
            ("/api/customers?name=%E9%99%88&limit=201".into(), "limit"),
            ("/api/calls?since=yesterday".into(), "since"),
            ("/api/calls?until=-1".into(), "until"),
            ("/api/calls?agent=x".into(), "agent"),
            ("/api/calls?limit=0".into(), "limit"),
            ("/api/followups/due?limit=-1".into(), "limit"),
            ("/api/districts?all=1".into(), "all"),
            ("/api/tickets/abc".into(), "id"),
            ("/api/customers/1.5".into(), "id"),
            ("/api/calls/99999999999999999999".into(), "id"),
        ];
        for (path, param) in cases {
            let a = api.get(&t, &path).await;
            assert_eq!(a.status, 400, "{path}: {:#}", a.body);
            assert_eq!(a.field(), Some(param), "{path}: {:#}", a.body);
        }
        // And the good forms pass.
        for path in [
            "/api/tickets?status=accepted&kind=leak&district=1&customer=1&overdue=true&limit=5&offset=0",
            "/api/tickets?overdue=false",
            "/api/customers?phone=%2B86%20138%200000%201111",
            "/api/customers?name=%E9%99%88&limit=5",
            "/api/calls?since=0&until=9999999999999&limit=10",
            "/api/followups/due?limit=10",
        ] {
            let a = api.get(&t, path).await;
            assert_eq!(a.status, 200, "{path}: {:#}", a.body);
        }
    })
    .await;
}
