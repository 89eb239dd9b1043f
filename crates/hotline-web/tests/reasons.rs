//! Call reasons from the desktop: the tree, the agent's reasons and note for the call just
//! handled, and the wrap-up rule (where required, ending wrap-up before giving them is a 422
//! naming `reasons`, and nothing changes); the wallboard's calls by reason today and the
//! `/metrics` family whose labels are the tree's reasons only.

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
use hotline_acd::{AgentId, CallId, CallRequest, Input};
use hotline_store::{CallUpdate, Policy, Role};
use serde_json::json;

/// Logs `zhang` in to the ACD, offers and connects call 7 and ends it: wrap-up.
async fn into_wrapup(api: &Api, t: &str, agent: i64) {
    let a = api
        .put(t, "/api/acd/me/state", json!({"state": "logged_in"}))
        .await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    api.acd.feed(Input::AgentRegistered {
        agent: AgentId(agent),
        registered: true,
    });
    let a = api
        .put(t, "/api/acd/me/state", json!({"state": "ready"}))
        .await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    api.acd
        .feed(Input::CallArrived(CallRequest::new(CallId(7), "general")));
    api.acd.feed(Input::Answered {
        call: CallId(7),
        agent: AgentId(agent),
    });
    api.advance(60_000);
    api.acd.feed(Input::CallEnded(CallId(7)));
    assert_eq!(
        api.get(t, "/api/acd/me").await.body["state"]["state"],
        "wrap_up"
    );
}

#[tokio::test]
async fn wrap_up_cannot_end_without_a_reason_where_required() {
    each_api_opts(Policy::default, true, |api| async move {
        let f = fixture(&api.store).await;
        let t = api.login("zhang", "secret").await;
        call_taken_by(&api.store, "c-7", "13800001111", api.now(), f.agent).await;
        into_wrapup(&api, &t, f.agent).await;
        api.advance(1_000);
        for body in [
            json!({"state": "ready"}),
            json!({"state": "not_ready", "reason": "break"}),
            json!({"state": "logged_out"}),
        ] {
            let a = api.put(&t, "/api/acd/me/state", body.clone()).await;
            a.assert_error(422, "reasons");
            assert_eq!(
                api.get(&t, "/api/acd/me").await.body["state"]["state"],
                "wrap_up",
                "{body}"
            );
        }
        // Bad reasons: a category, an unknown code, none; the field named.
        for reasons in [json!(["billing"]), json!(["billing/nope"]), json!([])] {
            let a = api
                .put(
                    &t,
                    "/api/acd/me/wrapup",
                    json!({"call_ref": "c-7", "reasons": reasons}),
                )
                .await;
            a.assert_error(422, "reasons");
        }
        let a = api
            .put(
                &t,
                "/api/acd/me/wrapup",
                json!({"call_ref": "", "reasons": ["billing/query"]}),
            )
            .await;
        a.assert_error(422, "call_ref");
        let a = api
            .put(
                &t,
                "/api/acd/me/wrapup",
                json!({"call_ref": "c-7", "reasons": ["billing/dispute", "repair/leak"],
                       "note": "客户对上月账单有异议"}),
            )
            .await;
        assert_eq!(a.status, 200, "{:#}", a.body);
        assert_eq!(a.body["reasons"], json!(["billing/dispute", "repair/leak"]));
        let a = api
            .put(&t, "/api/acd/me/state", json!({"state": "ready"}))
            .await;
        assert_eq!(a.status, 200, "{:#}", a.body);
        assert_eq!(a.body["state"]["state"], "ready");

        // The call's reasons, by the record's id.
        let id = api.store.call_id_by_ref("c-7").await.unwrap().unwrap();
        let a = api.get(&t, &format!("/api/calls/{id}/reasons")).await;
        assert_eq!(a.body["note"], "客户对上月账单有异议");
        assert_eq!(a.body["reasons"], json!(["billing/dispute", "repair/leak"]));

        // Another agent may not give the reasons of zhang's call.
        api.store
            .update_call(
                id,
                &CallUpdate {
                    agent_id: Some(f.agent),
                    ..CallUpdate::default()
                },
            )
            .await
            .unwrap();
        agent(&api.store, "wang", "1009", "A009", Role::Agent, "pw").await;
        let w = api.login("wang", "pw").await;
        let a = api
            .put(
                &w,
                "/api/acd/me/wrapup",
                json!({"call_ref": "c-7", "reasons": ["info/other"]}),
            )
            .await;
        assert_eq!(a.status, 403, "{:#}", a.body);

        // The wallboard counts today's calls by reason; /metrics has the tree's reasons only.
        let s = api.login("li", "boss").await;
        let wb = api.get(&s, "/api/wallboard").await;
        assert_eq!(wb.status, 200, "{:#}", wb.body);
        let by = wb.body["reasons_today"].as_array().unwrap();
        let n = |c: &str| {
            by.iter()
                .find(|r| r["code"] == c)
                .map(|r| r["calls"].clone())
        };
        assert_eq!(n("billing/dispute"), Some(json!(1)));
        assert_eq!(n("billing/query"), Some(json!(0)));
        assert_eq!(by[0]["name_zh"], "查询");
        let text = api
            .http
            .get(api.url("/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            text.contains("hotline_call_reasons_total{reason=\"billing/dispute\"} 1\n"),
            "{text}"
        );
        assert!(text.contains("hotline_call_reasons_total{reason=\"info/other\"} 0\n"));
        let labels = text
            .lines()
            .filter(|l| l.starts_with("hotline_call_reasons_total{"))
            .count();
        let tree = api.get(&t, "/api/call-reasons").await;
        let pickable = tree
            .body
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["pickable"] == true)
            .count();
        assert_eq!(labels, pickable);
    })
    .await;
}

/// Where reasons are required, the wrap-up's own time ending does not make the agent ready
/// without them (the next caller is not given to an agent who still owes the last call's
/// reasons); giving them then makes the agent ready at once.
#[tokio::test]
async fn a_wrap_up_whose_time_is_over_waits_for_the_reasons() {
    each_api_opts(Policy::default, true, |api| async move {
        let f = fixture(&api.store).await;
        let t = api.login("zhang", "secret").await;
        call(&api.store, "c-7", "13800001111", api.now()).await;
        into_wrapup(&api, &t, f.agent).await;
        // The queue's 30 s of wrap-up are over.
        api.advance(31_000);
        api.acd.feed(Input::Tick);
        assert_eq!(
            api.get(&t, "/api/acd/me").await.body["state"]["state"],
            "wrap_up"
        );
        let a = api
            .put(
                &t,
                "/api/acd/me/wrapup",
                json!({"call_ref": "c-7", "reasons": ["billing/query"]}),
            )
            .await;
        assert_eq!(a.status, 200, "{:#}", a.body);
        assert_eq!(
            api.get(&t, "/api/acd/me").await.body["state"]["state"],
            "ready"
        );
    })
    .await;
}

#[tokio::test]
async fn where_not_required_wrap_up_ends_without_reasons() {
    each_api(|api| async move {
        let f = fixture(&api.store).await;
        let t = api.login("zhang", "secret").await;
        into_wrapup(&api, &t, f.agent).await;
        let a = api
            .put(&t, "/api/acd/me/state", json!({"state": "ready"}))
            .await;
        assert_eq!(a.status, 200, "{:#}", a.body);
    })
    .await;
}
