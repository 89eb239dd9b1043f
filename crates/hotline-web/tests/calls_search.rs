//! `GET /api/calls` searched: by the caller's number (whole or its last digits), the
//! customer's account number, queue, call reason (a category takes its reasons), linked
//! ticket, talk time and survey score, with the older filters (agent, customer, times); every
//! filter given must hold. A parameter not known or not valid is a 400 naming it, and odd
//! input (wildcards, quotes, huge numbers) never matches more than it says nor fails. Each
//! reader finds only the calls they may read: agents their own (and the one ringing them or
//! connected to them now), supervisors their team's (a floor supervisor every call), qa and
//! admins every call.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::*;
use hotline_store::{CallUpdate, Disposition, ReasonSource, Role};
use serde_json::json;

/// The calls of the search, by id.
struct Calls {
    billing: i64,
    repair: i64,
    abandoned: i64,
    ticket: i64,
}

/// Three calls: the fixture customer's billing call taken by zhang (30.5 s, survey 5, reason
/// billing/query, linked to a ticket), a repair call from another number taken by li (120 s,
/// survey 2, reason repair/leak), and a call from an unknown landline abandoned in the queue.
async fn calls(api: &Api, f: &Fixture, token: &str) -> Calls {
    let s = &api.store;
    let billing = call(s, "c-billing", "13800001111", NOW - 3_600_000).await;
    s.update_call(
        billing,
        &CallUpdate {
            customer_id: Some(f.customer),
            queue: Some("billing".into()),
            agent_id: Some(f.agent),
            answered_at: Some(NOW - 3_590_000),
            talk_ms: Some(30_500),
            ended_at: Some(NOW - 3_559_500),
            disposition: Some(Disposition::Answered),
            survey_score: Some(5),
            ..CallUpdate::default()
        },
    )
    .await
    .unwrap();
    let repair = call(s, "c-repair", "13912345678", NOW - 1_800_000).await;
    s.update_call(
        repair,
        &CallUpdate {
            queue: Some("repairs".into()),
            agent_id: Some(f.supervisor),
            answered_at: Some(NOW - 1_790_000),
            talk_ms: Some(120_000),
            ended_at: Some(NOW - 1_670_000),
            disposition: Some(Disposition::Answered),
            survey_score: Some(2),
            ..CallUpdate::default()
        },
    )
    .await
    .unwrap();
    let abandoned = call(s, "c-abandoned", "02066661234", NOW - 600_000).await;
    s.update_call(
        abandoned,
        &CallUpdate {
            queue: Some("billing".into()),
            ended_at: Some(NOW - 540_000),
            disposition: Some(Disposition::AbandonedInQueue),
            ..CallUpdate::default()
        },
    )
    .await
    .unwrap();
    for (call_ref, code, agent) in [
        ("c-billing", "billing/query", f.agent),
        ("c-repair", "repair/leak", f.supervisor),
    ] {
        s.record_call_reasons(
            call_ref,
            &[code.to_string()],
            None,
            ReasonSource::Agent(agent),
            NOW,
        )
        .await
        .unwrap();
    }
    let t = api
        .post(
            token,
            "/api/tickets",
            json!({"kind": "inquiry", "customer_id": f.customer, "summary": "账单查询"}),
        )
        .await;
    assert_eq!(t.status, 201, "{:#}", t.body);
    let ticket = t.id();
    let linked = api
        .post(
            token,
            &format!("/api/calls/{billing}/tickets"),
            json!({ "ticket_id": ticket }),
        )
        .await;
    assert_eq!(linked.status, 200, "{:#}", linked.body);
    Calls {
        billing,
        repair,
        abandoned,
        ticket,
    }
}

/// The ids `GET /api/calls?{query}` answers, newest first.
async fn ids(api: &Api, token: &str, query: &str) -> Vec<i64> {
    let a = api.get(token, &format!("/api/calls?{query}")).await;
    assert_eq!(a.status, 200, "{query}: {:#}", a.body);
    a.body
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn each_filter_finds_its_calls_and_filters_combine() {
    each_api(|api| async move {
        let f = fixture(&api.store).await;
        // The admin sees every call (who sees which: `who_reads_which_calls`).
        let t = api.login("root", "admin").await;
        let c = calls(&api, &f, &t).await;
        let all = vec![c.abandoned, c.repair, c.billing];
        assert_eq!(ids(&api, &t, "").await, all);

        let cases: Vec<(String, Vec<i64>)> = vec![
            // The caller's number: whole, its last digits, as typed with spaces and dashes.
            ("phone=13800001111".into(), vec![c.billing]),
            ("phone=5678".into(), vec![c.repair]),
            ("phone=1234".into(), vec![c.abandoned]),
            ("phone=138-0000-1111".into(), vec![c.billing]),
            ("phone=%2B8613800001111".into(), vec![]),
            ("phone=000".into(), vec![]),
            // The account number of the customer the call was identified as.
            ("account=1000000001".into(), vec![c.billing]),
            ("account=9999999999".into(), vec![]),
            ("queue=billing".into(), vec![c.abandoned, c.billing]),
            ("queue=repairs".into(), vec![c.repair]),
            ("queue=key_accounts".into(), vec![]),
            // A reason, or a category for all of its reasons.
            ("reason=billing%2Fquery".into(), vec![c.billing]),
            ("reason=repair".into(), vec![c.repair]),
            ("reason=billing%2Fdispute".into(), vec![]),
            (format!("ticket={}", c.ticket), vec![c.billing]),
            (format!("ticket={}", c.ticket + 1000), vec![]),
            // Talk time: 30.5 s is "at most 30 s" (whole seconds) and not "at least 31 s".
            ("min_secs=60".into(), vec![c.repair]),
            ("max_secs=30".into(), vec![c.billing]),
            ("max_secs=29".into(), vec![]),
            ("min_secs=31&max_secs=120".into(), vec![c.repair]),
            ("min_secs=0".into(), vec![c.repair, c.billing]),
            ("survey=5".into(), vec![c.billing]),
            ("survey=2".into(), vec![c.repair, c.billing]),
            // With the older filters, and with each other.
            (format!("agent={}", f.agent), vec![c.billing]),
            (format!("customer={}", f.customer), vec![c.billing]),
            (
                format!("since={}&until={}", NOW - 2_000_000, NOW - 1_000_000),
                vec![c.repair],
            ),
            ("queue=billing&phone=1111".into(), vec![c.billing]),
            ("queue=repairs&phone=1111".into(), vec![]),
            (
                format!("reason=repair&agent={}", f.supervisor),
                vec![c.repair],
            ),
            (format!("reason=repair&agent={}", f.agent), vec![]),
            ("survey=1&min_secs=100".into(), vec![c.repair]),
            ("limit=1&queue=billing".into(), vec![c.abandoned]),
            // Odd input matches only what it says.
            ("account=1'OR'1'='1".into(), vec![]),
            ("account=%25".into(), vec![]),
            ("account=1000000001'--".into(), vec![]),
        ];
        for (query, want) in cases {
            assert_eq!(ids(&api, &t, &query).await, want, "{query}");
        }
        // A call_ref alone still gives that call.
        assert_eq!(ids(&api, &t, "call_ref=c-repair").await, vec![c.repair]);
        // The answer carries what the page shows.
        let a = api.get(&t, "/api/calls?phone=13800001111").await;
        let row = &a.body[0];
        assert_eq!(row["caller"], "13800001111");
        assert_eq!(row["queue"], "billing");
        assert_eq!(row["talk_ms"], 30_500);
        assert_eq!(row["survey_score"], 5);
        assert_eq!(row["disposition"], "answered");
        assert_eq!(row["agent_id"], f.agent);
    })
    .await;
}

#[tokio::test]
async fn an_unknown_or_invalid_parameter_is_a_400_naming_it() {
    each_api(|api| async move {
        let f = fixture(&api.store).await;
        let t = api.login("li", "boss").await;
        calls(&api, &f, &t).await;
        let long = "1".repeat(40);
        let cases: Vec<(String, &str)> = vec![
            ("caller=138".into(), "caller"),
            ("phones=138".into(), "phones"),
            ("phone=".into(), "phone"),
            ("phone=12".into(), "phone"),
            ("phone=abc".into(), "phone"),
            ("phone=138%25".into(), "phone"),
            ("phone=13_8".into(), "phone"),
            ("phone=%2B%2B138".into(), "phone"),
            (format!("phone={long}"), "phone"),
            ("phone=138&phone=139".into(), "phone"),
            ("account=".into(), "account"),
            ("account=10%2000".into(), "account"),
            (format!("account={}", "9".repeat(65)), "account"),
            ("queue=bad%20queue".into(), "queue"),
            ("queue=q%27".into(), "queue"),
            ("reason=nope".into(), "reason"),
            ("reason=billing%2F".into(), "reason"),
            ("reason=".into(), "reason"),
            ("ticket=0".into(), "ticket"),
            ("ticket=x".into(), "ticket"),
            ("ticket=-3".into(), "ticket"),
            ("min_secs=-1".into(), "min_secs"),
            ("min_secs=1.5".into(), "min_secs"),
            ("max_secs=99999999999999999999".into(), "max_secs"),
            ("max_secs=604801".into(), "max_secs"),
            ("min_secs=60&max_secs=30".into(), "max_secs"),
            ("survey=0".into(), "survey"),
            ("survey=6".into(), "survey"),
            ("survey=five".into(), "survey"),
            ("since=200&until=100".into(), "until"),
            ("since=100&until=100".into(), "until"),
            ("limit=0".into(), "limit"),
            ("limit=501".into(), "limit"),
            ("call_ref=c-repair&phone=5678".into(), "call_ref"),
            ("call_ref=c-repair&survey=3".into(), "call_ref"),
        ];
        for (query, field) in cases {
            let a = api.get(&t, &format!("/api/calls?{query}")).await;
            assert_eq!(a.status, 400, "{query}: {:#}", a.body);
            a.assert_error(400, field);
        }
    })
    .await;
}

/// The statuses of `GET` on each of `paths` for `token`.
async fn statuses(api: &Api, token: &str, paths: &[String]) -> Vec<u16> {
    let mut out = Vec::new();
    for p in paths {
        out.push(api.get(token, p).await.status);
    }
    out
}

#[tokio::test]
async fn who_reads_which_calls() {
    each_api(|api| async move {
        let f = fixture(&api.store).await;
        let root = api.login("root", "admin").await;
        let c = calls(&api, &f, &root).await;
        let s = &api.store;
        // li supervises team billing (zhang's); `floor`'s team has no agents; `east` supervises
        // a team with an agent of its own; `eva` evaluates calls.
        agent_in_team(s, "floor", "1010", "3001", Role::Supervisor, "pw", "floor").await;
        agent_in_team(s, "east", "1011", "3002", Role::Supervisor, "pw", "repairs").await;
        agent_in_team(s, "wang", "1012", "3003", Role::Agent, "pw", "repairs").await;
        agent_in_team(s, "eva", "1013", "3004", Role::Qa, "pw", "quality").await;
        let all = vec![c.abandoned, c.repair, c.billing];
        for (login, password, want) in [
            ("root", "admin", all.clone()),
            ("eva", "pw", all.clone()),
            ("floor", "pw", all.clone()),
            // The team's calls: zhang's and li's own; not the one no agent took.
            ("li", "boss", vec![c.repair, c.billing]),
            ("east", "pw", vec![]),
            ("zhang", "secret", vec![c.billing]),
            ("wang", "pw", vec![]),
        ] {
            let t = api.login(login, password).await;
            assert_eq!(ids(&api, &t, "").await, want, "{login}");
            // A filter narrows what the reader may see; it never widens it.
            let want_phone: Vec<i64> = want.iter().copied().filter(|i| *i == c.repair).collect();
            assert_eq!(ids(&api, &t, "phone=5678").await, want_phone, "{login}");
        }

        let zhang = api.login("zhang", "secret").await;
        // Naming another agent is refused, naming oneself is the same as not naming.
        let a = api
            .get(&zhang, &format!("/api/calls?agent={}", f.supervisor))
            .await;
        assert_eq!(a.status, 403, "{:#}", a.body);
        assert_eq!(
            ids(&api, &zhang, &format!("agent={}", f.agent)).await,
            vec![c.billing]
        );
        // One call, its reasons, its reference, linking it: the agent's own only.
        let reads = |id: i64| {
            vec![
                format!("/api/calls/{id}"),
                format!("/api/calls/{id}/reasons"),
            ]
        };
        assert_eq!(statuses(&api, &zhang, &reads(c.billing)).await, [200, 200]);
        assert_eq!(statuses(&api, &zhang, &reads(c.repair)).await, [403, 403]);
        assert_eq!(
            statuses(&api, &zhang, &reads(c.abandoned)).await,
            [403, 403]
        );
        assert_eq!(
            ids(&api, &zhang, "call_ref=c-billing").await,
            vec![c.billing]
        );
        assert_eq!(
            api.get(&zhang, "/api/calls?call_ref=c-repair").await.status,
            403
        );
        let a = api
            .post(
                &zhang,
                &format!("/api/calls/{}/tickets", c.repair),
                json!({ "ticket_id": c.ticket }),
            )
            .await;
        assert_eq!(a.status, 403, "{:#}", a.body);
        assert_eq!(
            ids(&api, &root, &format!("ticket={}", c.ticket)).await,
            vec![c.billing],
            "the refused link was not made"
        );
        let li = api.login("li", "boss").await;
        assert_eq!(statuses(&api, &li, &reads(c.repair)).await, [200, 200]);
        assert_eq!(statuses(&api, &li, &reads(c.abandoned)).await, [403, 403]);
    })
    .await;
}

#[tokio::test]
async fn an_agent_reads_the_call_ringing_them_before_its_record_names_them() {
    use hotline_acd::{AgentId, CallId, CallRequest, Input};
    each_api(|api| async move {
        let f = fixture(&api.store).await;
        let zhang = api.login("zhang", "secret").await;
        // Call 41 of this engine run: arrived, no agent on its record yet.
        let live = call(&api.store, "1795000000000-41", "13912345678", NOW).await;
        assert_eq!(
            api.get(&zhang, &format!("/api/calls/{live}")).await.status,
            403
        );
        assert_eq!(
            api.get(&zhang, "/api/calls?call_ref=1795000000000-41")
                .await
                .status,
            403
        );
        // zhang logs in, is ready, and the router offers call 41 to him.
        let a = api
            .put(&zhang, "/api/acd/me/state", json!({"state": "logged_in"}))
            .await;
        assert_eq!(a.status, 200, "{:#}", a.body);
        api.acd.feed(Input::AgentRegistered {
            agent: AgentId(f.agent),
            registered: true,
        });
        let a = api
            .put(&zhang, "/api/acd/me/state", json!({"state": "ready"}))
            .await;
        assert_eq!(a.status, 200, "{:#}", a.body);
        api.acd
            .feed(Input::CallArrived(CallRequest::new(CallId(41), "general")));
        assert_eq!(
            ids(&api, &zhang, "call_ref=1795000000000-41").await,
            vec![live]
        );
        assert_eq!(
            api.get(&zhang, &format!("/api/calls/{live}")).await.status,
            200
        );
        // Another agent, not rung, is still refused; zhang too once the call has ended
        // without him answering.
        agent(&api.store, "wang", "1012", "3003", Role::Agent, "pw").await;
        let w = api.login("wang", "pw").await;
        assert_eq!(api.get(&w, &format!("/api/calls/{live}")).await.status, 403);
        api.store
            .update_call(
                live,
                &hotline_store::CallUpdate {
                    ended_at: Some(NOW + 5_000),
                    disposition: Some(Disposition::AbandonedInQueue),
                    ..hotline_store::CallUpdate::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(
            api.get(&zhang, &format!("/api/calls/{live}")).await.status,
            403
        );
    })
    .await;
}
