//! A dispatch needs a real destination: an explicit district (the proposal is only a
//! proposal) and an address or a customer; every refusal is a 422 naming the field and
//! changes nothing.

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

#[tokio::test]
async fn a_ticket_with_no_customer_and_no_address_is_not_dispatched_anywhere() {
    each_api(|api| async move {
        let f = fixture(&api.store).await;
        let t = api.login("zhang", "secret").await;
        let id = open(&api, &t, json!({"kind": "complaint", "summary": "服务态度差"})).await;
        let d = detail(&api, &t, id).await;
        assert_eq!(d["ticket"]["district_id"], Value::Null);
        assert_eq!(d["proposed_district_id"], Value::Null, "no guess: {d:#}");
        let tr = format!("/api/tickets/{id}/transitions");

        // No district: refused, whatever districts exist.
        api.post(&t, &tr, json!({"action": "dispatch"}))
            .await
            .assert_error(422, "district_id");
        // A district but nowhere to go.
        api.post(&t, &tr, json!({"action": "dispatch", "district_id": f.district}))
            .await
            .assert_error(422, "address");
        api.post(
            &t,
            &tr,
            json!({"action": "dispatch", "district_id": f.district, "address": "   "}),
        )
        .await
        .assert_error(422, "address");
        // Nothing was written by the refusals.
        let after = detail(&api, &t, id).await;
        assert_eq!(after, d);

        // With an address it goes, and the address is kept.
        let a = api
            .post(
                &t,
                &tr,
                json!({"action": "dispatch", "district_id": f.other_district, "address": "城西区人民路8号"}),
            )
            .await;
        assert_eq!(a.status, 200, "{:#}", a.body);
        assert_eq!(a.body["status"], "dispatched");
        assert_eq!(a.body["district_id"], f.other_district);
        assert_eq!(a.body["address"], "城西区人民路8号");
        let d = detail(&api, &t, id).await;
        let transitions = d["events"]
            .as_array()
            .expect("events")
            .iter()
            .filter(|e| e["kind"] == "transition")
            .count();
        assert_eq!(transitions, 1);
    })
    .await;
}

#[tokio::test]
async fn the_district_is_proposed_from_the_customer_or_the_address_and_must_be_confirmed() {
    each_api(|api| async move {
        let f = fixture(&api.store).await;
        let t = api.login("zhang", "secret").await;
        // From the customer.
        let id = open(
            &api,
            &t,
            json!({"kind": "repair", "customer_id": f.customer, "summary": "水表漏水"}),
        )
        .await;
        let d = detail(&api, &t, id).await;
        assert_eq!(d["proposed_district_id"], f.district);
        // Proposed is not confirmed: a dispatch without the district is refused.
        let tr = format!("/api/tickets/{id}/transitions");
        api.post(&t, &tr, json!({"action": "dispatch"}))
            .await
            .assert_error(422, "district_id");
        assert_eq!(detail(&api, &t, id).await["ticket"]["status"], "accepted");
        // The agent may confirm another one.
        let a = api
            .post(
                &t,
                &tr,
                json!({"action": "dispatch", "district_id": f.other_district}),
            )
            .await;
        assert_eq!(a.status, 200, "{:#}", a.body);
        assert_eq!(a.body["district_id"], f.other_district);

        // From the address: the one district it names.
        let id = open(
            &api,
            &t,
            json!({"kind": "leak", "summary": "路面冒水", "address": "城西区人民路与解放路口"}),
        )
        .await;
        assert_eq!(
            detail(&api, &t, id).await["proposed_district_id"],
            f.other_district
        );
        // An address naming two districts proposes none.
        let id = open(
            &api,
            &t,
            json!({"kind": "leak", "summary": "路面冒水", "address": "城东区与城西区交界处"}),
        )
        .await;
        assert_eq!(
            detail(&api, &t, id).await["proposed_district_id"],
            Value::Null
        );
        // Address is only for a dispatch.
        let tr = format!("/api/tickets/{id}/transitions");
        api.post(&t, &tr, json!({"action": "reply", "address": "x"}))
            .await
            .assert_error(422, "address");
        // An unknown district is named as such.
        api.post(
            &t,
            &tr,
            json!({"action": "dispatch", "district_id": 999_999}),
        )
        .await
        .assert_error(422, "district_id");
    })
    .await;
}
