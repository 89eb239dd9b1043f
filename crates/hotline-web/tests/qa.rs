//! Quality assessment over the API with the shipped form: an evaluator scores a call (the
//! score the form's rules give), a second evaluator's is calibration and the comparison shows
//! where they differ; bad answers are 422s naming the criterion; the agent sees only their own
//! counted evaluations and acknowledges or disputes them, a supervisor resolves; who may
//! evaluate whom; the weekly work list drawn once the week is over; the report per team; and
//! every change in the audit trail (action `qa`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::*;
use hotline_store::{CallUpdate, Role};
use serde_json::{json, Map, Value};

/// An answered call of `agent` that ended, started at `at`.
async fn taken(api: &Api, name: &str, agent: i64, at: i64) -> i64 {
    let id = call(&api.store, name, "13800001111", at).await;
    api.store
        .update_call(
            id,
            &CallUpdate {
                agent_id: Some(agent),
                answered_at: Some(at + 5_000),
                ended_at: Some(at + 65_000),
                talk_ms: Some(60_000),
                ..CallUpdate::default()
            },
        )
        .await
        .unwrap();
    id
}

/// The shipped form's criteria: (id, kind JSON, critical, allow_na).
async fn criteria(api: &Api, token: &str) -> Vec<(String, Value, bool, bool)> {
    let forms = api.get(token, "/api/qa/forms").await;
    assert_eq!(forms.status, 200, "{:#}", forms.body);
    assert_eq!(forms.body["default"], "standard");
    let form = forms.body["forms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "standard")
        .expect("the shipped form")
        .clone();
    let mut out = Vec::new();
    for s in form["sections"].as_array().unwrap() {
        for c in s["criteria"].as_array().unwrap() {
            out.push((
                c["id"].as_str().unwrap().to_string(),
                c["kind"].clone(),
                c["critical"].as_bool().unwrap(),
                c["allow_na"].as_bool().unwrap(),
            ));
        }
    }
    assert!(out.len() >= 8, "{out:?}");
    out
}

fn scale_max(kind: &Value) -> Option<u64> {
    kind["max"].as_u64()
}

/// Every criterion at its best: yes, or the scale's top.
fn best(criteria: &[(String, Value, bool, bool)]) -> Map<String, Value> {
    criteria
        .iter()
        .map(|(id, kind, _, _)| {
            let v = match scale_max(kind) {
                Some(max) => json!(max),
                None => json!("yes"),
            };
            (id.clone(), v)
        })
        .collect()
}

#[tokio::test]
async fn an_evaluator_scores_a_call_and_a_second_one_calibrates() {
    each_api(|api| async move {
        let f = fixture(&api.store).await;
        agent(&api.store, "qa1", "1101", "7001", Role::Qa, "pw").await;
        agent(&api.store, "qa2", "1102", "7002", Role::Qa, "pw").await;
        let qa1 = api.login("qa1", "pw").await;
        let qa2 = api.login("qa2", "pw").await;
        let c = taken(&api, "c-1", f.agent, NOW - 3 * DAY).await;
        let crit = criteria(&api, &qa1).await;
        let answers = best(&crit);
        let e = api
            .post(
                &qa1,
                "/api/qa/evaluations",
                json!({"call_id": c, "answers": answers, "comments": "很好"}),
            )
            .await;
        assert_eq!(e.status, 201, "{:#}", e.body);
        assert_eq!(e.body["percent"], 100.0);
        assert_eq!(e.body["passed"], true);
        assert_eq!(e.body["calibration"], false);
        assert_eq!(e.body["agent_id"], f.agent);
        assert_eq!(e.body["form_id"], "standard");
        assert_eq!(e.body["status"], "open");
        assert_eq!(e.body["week"], "2026-W46"); // Sunday 15 November

        // The second evaluator answers the critical item "no": 0, failed, calibration.
        let (critical, _, _, _) = crit.iter().find(|c| c.2).expect("a critical item");
        let mut failed = best(&crit);
        failed.insert(critical.clone(), json!("no"));
        let e2 = api
            .post(
                &qa2,
                "/api/qa/evaluations",
                json!({"call_id": c, "form": "standard", "answers": failed}),
            )
            .await;
        assert_eq!(e2.status, 201, "{:#}", e2.body);
        assert_eq!(e2.body["percent"], 0.0);
        assert_eq!(e2.body["passed"], false);
        assert_eq!(e2.body["critical_failed"], true);
        assert_eq!(e2.body["calibration"], true);
        // The first evaluator again on the same call: edit it instead.
        let again = api
            .post(
                &qa1,
                "/api/qa/evaluations",
                json!({"call_id": c, "answers": best(&crit)}),
            )
            .await;
        assert_eq!(again.status, 409, "{:#}", again.body);

        let cal = api
            .get(&qa1, "/api/qa/calibration?from=2026-W40&to=2026-W48")
            .await;
        assert_eq!(cal.status, 200, "{:#}", cal.body);
        let sets = cal.body.as_array().unwrap();
        assert_eq!(sets.len(), 1);
        assert_eq!(sets[0]["call_id"], c);
        assert_eq!(sets[0]["spread"], 100.0);
        let differs: Vec<&str> = sets[0]["criteria"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|k| k["agree"] == false)
            .map(|k| k["id"].as_str().unwrap())
            .collect();
        assert_eq!(differs, vec![critical.as_str()]);

        // Revising scores by the same rules; only the evaluator may.
        let mut lower = best(&crit);
        let (scale, kind, _, _) = crit
            .iter()
            .find(|c| scale_max(&c.1).is_some() && !c.3)
            .expect("a scale item");
        lower.insert(scale.clone(), json!(0));
        let id = e.id();
        let r = api
            .put(
                &qa2,
                &format!("/api/qa/evaluations/{id}"),
                json!({"answers": lower}),
            )
            .await;
        assert_eq!(r.status, 403, "{:#}", r.body);
        let r = api
            .put(
                &qa1,
                &format!("/api/qa/evaluations/{id}"),
                json!({"answers": lower}),
            )
            .await;
        assert_eq!(r.status, 200, "{:#}", r.body);
        let p = r.body["percent"].as_f64().unwrap();
        assert!(p < 100.0 && p > 0.0, "{p} ({kind})");

        let audit = api.login("root", "admin").await;
        let a = api.get(&audit, "/api/audit?action=qa").await;
        assert_eq!(a.status, 200);
        let details: Vec<&str> = a
            .body
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["detail"].as_str().unwrap())
            .collect();
        assert!(
            details.iter().any(|d| d.contains("(calibration)")),
            "{details:?}"
        );
        assert!(details
            .iter()
            .any(|d| d.starts_with(&format!("revise evaluation {id}"))));
        assert_eq!(details.len(), 5, "{details:?}"); // 2 saved, 1 conflict, 2 revisions
    })
    .await;
}

#[tokio::test]
async fn bad_answers_name_the_criterion() {
    each_api(|api| async move {
        let f = fixture(&api.store).await;
        agent(&api.store, "qa1", "1101", "7001", Role::Qa, "pw").await;
        let qa = api.login("qa1", "pw").await;
        let c = taken(&api, "c-1", f.agent, NOW - DAY).await;
        let crit = criteria(&api, &qa).await;
        let (first, _, _, _) = &crit[0];

        let mut missing = best(&crit);
        missing.remove(first);
        let r = api
            .post(
                &qa,
                "/api/qa/evaluations",
                json!({"call_id": c, "answers": missing}),
            )
            .await;
        r.assert_error(422, &format!("answers.{first}"));

        let mut unknown = best(&crit);
        unknown.insert("no_such_item".into(), json!("yes"));
        let r = api
            .post(
                &qa,
                "/api/qa/evaluations",
                json!({"call_id": c, "answers": unknown}),
            )
            .await;
        r.assert_error(422, "answers.no_such_item");

        let (scale, kind, _, _) = crit.iter().find(|c| scale_max(&c.1).is_some()).unwrap();
        let mut high = best(&crit);
        high.insert(scale.clone(), json!(scale_max(kind).unwrap() + 1));
        let r = api
            .post(
                &qa,
                "/api/qa/evaluations",
                json!({"call_id": c, "answers": high}),
            )
            .await;
        r.assert_error(422, &format!("answers.{scale}"));

        let (not_na, _, _, _) = crit.iter().find(|c| !c.3).unwrap();
        let mut na = best(&crit);
        na.insert(not_na.clone(), json!("na"));
        let r = api
            .post(
                &qa,
                "/api/qa/evaluations",
                json!({"call_id": c, "answers": na}),
            )
            .await;
        r.assert_error(422, &format!("answers.{not_na}"));

        let r = api
            .post(
                &qa,
                "/api/qa/evaluations",
                json!({"call_id": c, "form": "nope", "answers": best(&crit)}),
            )
            .await;
        r.assert_error(422, "form");
        let r = api
            .post(
                &qa,
                "/api/qa/evaluations",
                json!({"call_id": 999_999, "answers": best(&crit)}),
            )
            .await;
        r.assert_error(422, "call_id");
        let r = api
            .post(
                &qa,
                "/api/qa/evaluations",
                json!({"call_id": c, "answers": "yes"}),
            )
            .await;
        assert_eq!(r.status, 422, "{:#}", r.body);
        let r = api
            .post(
                &qa,
                "/api/qa/evaluations",
                json!({"call_id": c, "answers": best(&crit), "score": 100}),
            )
            .await;
        assert_eq!(r.status, 422, "{:#}", r.body);
        assert_eq!(api.count("qa_evaluations").await, 0);
    })
    .await;
}

#[tokio::test]
async fn the_agent_sees_their_own_and_acknowledges_or_disputes() {
    each_api(|api| async move {
        let f = fixture(&api.store).await;
        agent(&api.store, "qa1", "1101", "7001", Role::Qa, "pw").await;
        agent(&api.store, "qa2", "1102", "7002", Role::Qa, "pw").await;
        let wang = agent(&api.store, "wang", "1104", "1024", Role::Agent, "pw").await;
        let qa1 = api.login("qa1", "pw").await;
        let qa2 = api.login("qa2", "pw").await;
        let zhang = api.login("zhang", "secret").await;
        let wang_t = api.login("wang", "pw").await;
        let li = api.login("li", "boss").await;
        let crit = criteria(&api, &zhang).await;
        let c1 = taken(&api, "c-1", f.agent, NOW - 2 * DAY).await;
        let c2 = taken(&api, "c-2", f.agent, NOW - DAY).await;
        let c3 = taken(&api, "c-3", wang, NOW - DAY).await;
        let mut ids = Vec::new();
        for c in [c1, c2, c3] {
            let e = api
                .post(
                    &qa1,
                    "/api/qa/evaluations",
                    json!({"call_id": c, "answers": best(&crit)}),
                )
                .await;
            assert_eq!(e.status, 201, "{:#}", e.body);
            ids.push(e.id());
        }
        let cal = api
            .post(
                &qa2,
                "/api/qa/evaluations",
                json!({"call_id": c1, "answers": best(&crit)}),
            )
            .await;
        assert_eq!(cal.status, 201);

        // An agent cannot evaluate, and sees only their own counted evaluations.
        let r = api
            .post(
                &zhang,
                "/api/qa/evaluations",
                json!({"call_id": c3, "answers": best(&crit)}),
            )
            .await;
        assert_eq!(r.status, 403, "{:#}", r.body);
        let mine = api
            .get(&zhang, "/api/qa/evaluations?agent=999&calibration=true")
            .await;
        assert_eq!(mine.status, 200, "{:#}", mine.body);
        let got: Vec<i64> = mine
            .body
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_i64().unwrap())
            .collect();
        assert_eq!(got, vec![ids[1], ids[0]]);
        let r = api
            .get(&zhang, &format!("/api/qa/evaluations/{}", ids[2]))
            .await;
        assert_eq!(r.status, 404, "{:#}", r.body);
        let r = api
            .get(&zhang, &format!("/api/qa/evaluations/{}", cal.id()))
            .await;
        assert_eq!(
            r.status, 404,
            "calibration is not the agent's: {:#}",
            r.body
        );
        let r = api.get(&zhang, "/api/qa/work").await;
        assert_eq!(r.status, 403);

        // Acknowledge one; dispute the other (a note needed); only the agent answers.
        let r = api
            .post(
                &wang_t,
                &format!("/api/qa/evaluations/{}/acknowledge", ids[0]),
                json!({}),
            )
            .await;
        assert_eq!(r.status, 403, "{:#}", r.body);
        let r = api
            .post(
                &zhang,
                &format!("/api/qa/evaluations/{}/acknowledge", ids[0]),
                json!({}),
            )
            .await;
        assert_eq!(r.status, 200, "{:#}", r.body);
        assert_eq!(r.body["status"], "acknowledged");
        let r = api
            .post(
                &zhang,
                &format!("/api/qa/evaluations/{}/dispute", ids[1]),
                json!({}),
            )
            .await;
        r.assert_error(422, "note");
        let r = api
            .post(
                &zhang,
                &format!("/api/qa/evaluations/{}/dispute", ids[1]),
                json!({"note": "第12秒已报工号"}),
            )
            .await;
        assert_eq!(r.status, 200, "{:#}", r.body);
        assert_eq!(r.body["status"], "disputed");
        assert_eq!(r.body["agent_note"], "第12秒已报工号");
        let r = api
            .post(
                &zhang,
                &format!("/api/qa/evaluations/{}/resolve", ids[1]),
                json!({"note": "mine"}),
            )
            .await;
        assert_eq!(r.status, 403, "{:#}", r.body);
        // The team's supervisor resolves it.
        let r = api
            .post(
                &li,
                &format!("/api/qa/evaluations/{}/resolve", ids[1]),
                json!({"note": "复听确认，维持原分"}),
            )
            .await;
        assert_eq!(r.status, 200, "{:#}", r.body);
        assert_eq!(r.body["status"], "resolved");
        let r = api.get(&li, "/api/qa/evaluations?status=disputed").await;
        assert_eq!(r.status, 200);
        assert!(r.body.as_array().unwrap().is_empty());
        let audit = api.login("root", "admin").await;
        let a = api.get(&audit, "/api/audit?action=qa").await;
        let details: Vec<(&str, &str)> = a
            .body
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["detail"].as_str().unwrap(),
                    e["outcome"].as_str().unwrap(),
                )
            })
            .collect();
        assert!(details.contains(&(&*format!("dispute evaluation {}", ids[1]), "applied")));
        assert!(details
            .iter()
            .any(|(d, o)| *d == format!("acknowledge evaluation {}", ids[0])
                && o.starts_with("refused")));
    })
    .await;
}

#[tokio::test]
async fn supervisors_assess_their_team_only() {
    each_api(|api| async move {
        let f = fixture(&api.store).await;
        let other = agent_in_team(
            &api.store,
            "zhao",
            "1105",
            "3001",
            Role::Agent,
            "pw",
            "repair",
        )
        .await;
        agent_in_team(
            &api.store,
            "chen",
            "1106",
            "3002",
            Role::Supervisor,
            "pw",
            "repair",
        )
        .await;
        let li = api.login("li", "boss").await;
        let chen = api.login("chen", "pw").await;
        let crit = criteria(&api, &li).await;
        let mine = taken(&api, "m", f.agent, NOW - DAY).await;
        let theirs = taken(&api, "t", other, NOW - DAY).await;
        let r = api
            .post(
                &li,
                "/api/qa/evaluations",
                json!({"call_id": theirs, "answers": best(&crit)}),
            )
            .await;
        assert_eq!(r.status, 403, "{:#}", r.body);
        let r = api
            .post(
                &li,
                "/api/qa/evaluations",
                json!({"call_id": mine, "answers": best(&crit)}),
            )
            .await;
        assert_eq!(r.status, 201, "{:#}", r.body);
        let r = api
            .get(&chen, &format!("/api/qa/evaluations/{}", r.id()))
            .await;
        assert_eq!(r.status, 404, "{:#}", r.body);
        let r = api.get(&chen, "/api/qa/evaluations?team=billing").await;
        assert_eq!(r.status, 403, "{:#}", r.body);
        let r = api.get(&chen, "/api/qa/evaluations").await;
        assert_eq!(r.status, 200);
        assert!(r.body.as_array().unwrap().is_empty());
    })
    .await;
}

#[tokio::test]
async fn last_weeks_work_list_is_drawn_per_agent_and_the_report_counts_scores() {
    each_api(|api| async move {
        let f = fixture(&api.store).await;
        let wang = agent(&api.store, "wang", "1104", "1024", Role::Agent, "pw").await;
        agent(&api.store, "qa1", "1101", "7001", Role::Qa, "pw").await;
        let qa = api.login("qa1", "pw").await;
        // NOW is Wednesday 2026-11-18 (W47): last week is W46 (Nov 9–15).
        let monday = NOW - 9 * DAY;
        let mut zhang_calls = Vec::new();
        for i in 0..5 {
            zhang_calls.push(taken(&api, &format!("z{i}"), f.agent, monday + i * DAY).await);
        }
        let wang_call = taken(&api, "w0", wang, monday + DAY).await;
        // This week's call: not in last week's list.
        taken(&api, "now", f.agent, NOW - 3_600_000).await;

        let w = api.get(&qa, "/api/qa/work").await;
        assert_eq!(w.status, 200, "{:#}", w.body);
        assert_eq!(w.body["week"], "2026-W46");
        assert_eq!(w.body["drawn"], true);
        let items = w.body["items"].as_array().unwrap();
        let of = |a: i64| -> Vec<i64> {
            items
                .iter()
                .filter(|i| i["agent_id"] == a)
                .map(|i| i["call_id"].as_i64().unwrap())
                .collect()
        };
        assert_eq!(of(f.agent).len(), 2, "{items:?}");
        assert!(of(f.agent).iter().all(|c| zhang_calls.contains(c)));
        assert_eq!(of(wang), vec![wang_call]);
        // Looked at again: the same list.
        let again = api.get(&qa, "/api/qa/work?week=2026-W46").await;
        assert_eq!(again.body["items"], w.body["items"]);
        // This week is not over: nothing drawn yet.
        let now = api.get(&qa, "/api/qa/work?week=2026-W47").await;
        assert_eq!(now.body["drawn"], false);
        assert!(now.body["items"].as_array().unwrap().is_empty());
        let r = api.get(&qa, "/api/qa/work?week=2026-47").await;
        r.assert_error(400, "week");

        // Evaluate one: the list shows its score; the report counts it.
        let crit = criteria(&api, &qa).await;
        let first = of(f.agent)[0];
        let e = api
            .post(
                &qa,
                "/api/qa/evaluations",
                json!({"call_id": first, "answers": best(&crit)}),
            )
            .await;
        assert_eq!(e.status, 201);
        let w = api.get(&qa, "/api/qa/work?week=2026-W46").await;
        let scored: Vec<&Value> = w.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["evaluation_id"].is_i64())
            .collect();
        assert_eq!(scored.len(), 1);
        assert_eq!(scored[0]["percent"], 100.0);
        let r = api
            .get(&qa, "/api/reports/qa?from=2026-W40&to=2026-W47&by=team")
            .await;
        assert_eq!(r.status, 200, "{:#}", r.body);
        assert_eq!(
            r.body["rows"],
            json!([{"week": "2026-W46", "team": "billing", "agent_id": null, "agent_name": null,
                    "evaluations": 1, "average": 100.0, "passed": 1, "critical_failed": 0,
                    "disputed": 0}])
        );
        let r = api
            .get(&qa, "/api/reports/qa?from=2026-W47&to=2026-W40")
            .await;
        r.assert_error(422, "to");
        let zhang = api.login("zhang", "secret").await;
        let r = api.get(&zhang, "/api/reports/qa").await;
        assert_eq!(r.status, 403);
    })
    .await;
}
