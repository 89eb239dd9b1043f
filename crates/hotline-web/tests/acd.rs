//! The ACD endpoints: an agent logs in, goes ready and not ready with a reason, ends a wrap-up
//! early; changes the router does not allow (ready while on a call, logging out while being
//! rung) are 409s naming the states and change nothing; bodies are checked field by field;
//! supervisors may change other agents, agents may not.

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
use serde_json::json;

#[tokio::test]
async fn an_agent_works_a_shift_through_the_api() {
    each_api(|api| async move {
        let f = fixture(&api.store).await;
        let t = api.login("zhang", "secret").await;
        // Not logged in to the ACD yet.
        assert_eq!(api.get(&t, "/api/acd/me").await.status, 404);
        let a = api
            .put(&t, "/api/acd/me/state", json!({"state": "ready"}))
            .await;
        assert_eq!(a.status, 409, "{:#}", a.body);
        assert_eq!(a.code(), Some("illegal_state"));

        let a = api
            .put(&t, "/api/acd/me/state", json!({"state": "logged_in"}))
            .await;
        assert_eq!(a.status, 200, "{:#}", a.body);
        assert_eq!(a.body["id"], f.agent);
        assert_eq!(a.body["state"]["state"], "not_ready");
        assert_eq!(a.body["state"]["reason"], "login");
        // Logging in twice is refused.
        let a = api
            .put(&t, "/api/acd/me/state", json!({"state": "logged_in"}))
            .await;
        assert_eq!(a.status, 409);

        // Ready, with the phone registered: a call is offered to this agent.
        api.acd.feed(Input::AgentRegistered {
            agent: AgentId(f.agent),
            registered: true,
        });
        let a = api
            .put(&t, "/api/acd/me/state", json!({"state": "ready"}))
            .await;
        assert_eq!(a.body["state"]["state"], "ready", "{:#}", a.body);
        let out = api
            .acd
            .feed(Input::CallArrived(CallRequest::new(CallId(7), "general")));
        assert!(
            out.iter().any(|o| matches!(
                o,
                hotline_acd::Output::Offer {
                    call: CallId(7),
                    ..
                }
            )),
            "{out:?}"
        );
        // Being rung: neither ready nor logging out is allowed.
        for state in ["ready", "logged_out"] {
            let a = api
                .put(&t, "/api/acd/me/state", json!({"state": state}))
                .await;
            assert_eq!(a.status, 409, "{state}: {:#}", a.body);
            assert!(
                a.body["error"]["message"]
                    .as_str()
                    .unwrap_or("")
                    .contains("reserved"),
                "{:#}",
                a.body
            );
        }
        api.acd.feed(Input::Answered {
            call: CallId(7),
            agent: AgentId(f.agent),
        });
        let a = api
            .put(
                &t,
                "/api/acd/me/state",
                json!({"state": "not_ready", "reason": "break"}),
            )
            .await;
        assert_eq!(a.status, 409);
        assert!(
            a.body["error"]["message"]
                .as_str()
                .unwrap_or("")
                .contains("on_call"),
            "{:#}",
            a.body
        );
        assert_eq!(
            api.get(&t, "/api/acd/me").await.body["state"]["state"],
            "on_call"
        );

        // The call ends: wrap-up, ended early from the desktop.
        api.acd.feed(Input::CallEnded(CallId(7)));
        assert_eq!(
            api.get(&t, "/api/acd/me").await.body["state"]["state"],
            "wrap_up"
        );
        let a = api
            .put(&t, "/api/acd/me/state", json!({"state": "ready"}))
            .await;
        assert_eq!(a.body["state"]["state"], "ready");
        assert_eq!(a.body["calls_handled"], 1);
        // A break with a reason code of the centre's own, then log out.
        let a = api
            .put(
                &t,
                "/api/acd/me/state",
                json!({"state": "not_ready", "reason": "team_meeting"}),
            )
            .await;
        assert_eq!(a.body["state"]["reason"], "team_meeting");
        let a = api
            .put(&t, "/api/acd/me/state", json!({"state": "logged_out"}))
            .await;
        assert_eq!(a.body["state"]["state"], "logged_out");

        // The overview shows the queue and the agent.
        let a = api.get(&t, "/api/acd").await;
        assert_eq!(a.status, 200);
        assert_eq!(a.body["queues"][0]["name"], "general");
        assert_eq!(a.body["queues"][0]["counters"]["answered"], 1);
        assert_eq!(a.body["agents"][0]["id"], f.agent);
    })
    .await;
}

#[tokio::test]
async fn bad_state_bodies_name_the_field() {
    each_api(|api| async move {
        fixture(&api.store).await;
        let t = api.login("zhang", "secret").await;
        let cases = [
            (json!({"state": "asleep"}), 422, "state"),
            (json!({"state": "not_ready"}), 422, "reason"),
            (
                json!({"state": "not_ready", "reason": "Coffee Break"}),
                422,
                "reason",
            ),
            (
                json!({"state": "not_ready", "reason": "x".repeat(33)}),
                422,
                "reason",
            ),
            (
                json!({"state": "not_ready", "reason": "missed"}),
                422,
                "reason",
            ),
            (json!({"state": "ready", "reason": "break"}), 422, "reason"),
            (json!({"state": 1}), 422, "state"),
            (json!({"state": "ready", "colour": "red"}), 422, "colour"),
        ];
        for (body, status, field) in cases {
            let a = api.put(&t, "/api/acd/me/state", body.clone()).await;
            assert_eq!(a.status, status, "{body}: {:#}", a.body);
            assert_eq!(a.field(), Some(field), "{body}: {:#}", a.body);
        }
        // Nothing was applied: the agent is still unknown to the ACD.
        assert_eq!(api.get(&t, "/api/acd/me").await.status, 404);
    })
    .await;
}

#[tokio::test]
async fn only_supervisors_change_other_agents() {
    each_api(|api| async move {
        let f = fixture(&api.store).await;
        let agent = api.login("zhang", "secret").await;
        let boss = api.login("li", "boss").await;
        let path = format!("/api/acd/agents/{}/state", f.supervisor);
        let a = api.put(&agent, &path, json!({"state": "logged_in"})).await;
        assert_eq!(a.status, 403);
        let path = format!("/api/acd/agents/{}/state", f.agent);
        let a = api.put(&boss, &path, json!({"state": "logged_in"})).await;
        assert_eq!(a.status, 200, "{:#}", a.body);
        assert_eq!(
            api.get(&agent, "/api/acd/me").await.body["state"]["state"],
            "not_ready"
        );
        let a = api
            .put(
                &boss,
                "/api/acd/agents/999999/state",
                json!({"state": "logged_in"}),
            )
            .await;
        assert_eq!(a.status, 404);
        // A change the router refuses (logging in twice) is kept too, with why.
        let a = api.put(&boss, &path, json!({"state": "logged_in"})).await;
        assert_eq!(a.status, 409, "{:#}", a.body);
        // The audit trail: supervisors read it, newest first; agents may not.
        assert_eq!(api.get(&agent, "/api/audit").await.status, 403);
        let trail = api.get(&boss, "/api/audit?limit=10").await;
        assert_eq!(trail.status, 200, "{:#}", trail.body);
        let entries = trail.body.as_array().expect("a list");
        assert_eq!(
            entries.len(),
            2,
            "the refused 403 and 404 are not entries: {:#}",
            trail.body
        );
        assert_eq!(entries[0]["target_agent_id"], f.agent);
        assert_eq!(entries[0]["actor_agent_id"], f.supervisor);
        assert_eq!(entries[0]["action"], "acd_state");
        assert!(
            entries[0]["outcome"]
                .as_str()
                .is_some_and(|o| o.starts_with("refused: ")),
            "{:#}",
            entries[0]
        );
        assert_eq!(entries[1]["outcome"], "applied");
        assert_eq!(entries[1]["detail"], "logged_in");
        for bad in ["limit=0", "limit=501", "limit=x", "who=1"] {
            let a = api.get(&boss, &format!("/api/audit?{bad}")).await;
            assert_eq!(a.status, 400, "{bad}: {:#}", a.body);
        }
    })
    .await;
}
