//! Outbound campaigns over the API: a supervisor makes a campaign whose list comes from the
//! arrears rule (with the settings' defaults written out) or from an uploaded CSV (each bad
//! row reported with its line and reason, a file that is not CSV refused naming the line),
//! moves it through its life in the allowed order only, reads its targets and results (JSON,
//! and CSV with yuan, local times and formulas defused); the do-not-call list (any desk role
//! adds, supervisors list and remove; one entry however the number is written); agents are
//! refused the management; every change is in the audit trail (action `campaign`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::*;
use hotline_store::{AttemptEnd, TargetFilter};
use serde_json::{json, Value};

fn dunning(name: &str) -> Value {
    json!({
        "name": name,
        "kind": "dunning",
        "mode": "ivr",
        "flow": "dunning",
        "list": {"rule": "arrears", "min_yuan": 100, "min_months": 2}
    })
}

async fn csv(api: &Api, token: &str, id: i64, text: &str) -> Answer {
    raw_post(
        api,
        token,
        &format!("/api/campaigns/{id}/targets"),
        Some("text/csv"),
        text.as_bytes().to_vec(),
    )
    .await
}

#[tokio::test]
async fn a_campaign_is_made_from_the_arrears_rule_and_moved_through_its_life() {
    each_api(|api| async move {
        let _f = fixture(&api.store).await;
        let sup = api.login("li", "boss").await;
        let agent = api.login("zhang", "secret").await;
        assert_eq!(
            api.post(&agent, "/api/campaigns", dunning("x"))
                .await
                .status,
            403
        );
        let a = api
            .post(&sup, "/api/campaigns", dunning("十二月催缴"))
            .await;
        assert_eq!(a.status, 201, "{:#}", a.body);
        let c = &a.body["campaign"];
        let id = c["id"].as_i64().unwrap();
        assert_eq!(c["status"], "draft");
        assert_eq!(
            c["settings"]["window"],
            json!(["09:00-12:00", "14:00-20:00"])
        );
        assert_eq!(c["settings"]["abandoned_limit_percent"], json!(3.0));
        assert_eq!(c["source"]["rule"], "arrears");
        assert_eq!(c["progress"]["targets"], 1);
        assert_eq!(a.body["list"]["added"], 1);
        // The target carries what the flow says: the IVR's arrears figures.
        let t = api.get(&sup, &format!("/api/campaigns/{id}/targets")).await;
        assert_eq!(t.status, 200, "{:#}", t.body);
        assert_eq!(t.body[0]["account"], "1000000001");
        assert_eq!(t.body[0]["data"]["months"], "3");
        assert_eq!(t.body[0]["state"], "pending");
        // Bad bodies name their field.
        let mut bad = dunning("y");
        bad["settings"] = json!({"window": ["9-12"]});
        api.post(&sup, "/api/campaigns", bad)
            .await
            .assert_error(422, "settings.window[0]");
        let mut bad = dunning("y");
        bad["list"]["min_yuan"] = json!(-1);
        api.post(&sup, "/api/campaigns", bad)
            .await
            .assert_error(422, "list.min_yuan");
        let mut bad = dunning("y");
        bad["mode"] = json!("progressive");
        api.post(&sup, "/api/campaigns", bad)
            .await
            .assert_error(422, "queue");
        let dup = api
            .post(&sup, "/api/campaigns", dunning("十二月催缴"))
            .await;
        assert_eq!(dup.status, 409, "{:#}", dup.body);
        // Its life: resume before start, start, pause with a reason, resume, stop; never again.
        let go = |verb: &str| format!("/api/campaigns/{id}/{verb}");
        assert_eq!(api.post(&sup, &go("resume"), json!({})).await.status, 409);
        assert_eq!(api.post(&agent, &go("start"), json!({})).await.status, 403);
        let r = api.post(&sup, &go("start"), json!({})).await;
        assert_eq!(
            (r.status, r.body["status"].clone()),
            (200, json!("running")),
            "{:#}",
            r.body
        );
        assert_eq!(
            api.post(&sup, &go("start"), json!({})).await.status,
            409,
            "started once"
        );
        let p = api
            .post(&sup, &go("pause"), json!({"reason": "trunk maintenance"}))
            .await;
        assert_eq!(p.body["status_reason"], "trunk maintenance");
        assert_eq!(
            api.post(&sup, &go("resume"), json!({})).await.body["status"],
            "running"
        );
        let s = api.post(&sup, &go("stop"), json!({"reason": "paid"})).await;
        assert_eq!(s.body["status"], "stopped");
        for verb in ["start", "resume", "pause", "stop"] {
            assert_eq!(
                api.post(&sup, &go(verb), json!({})).await.status,
                409,
                "{verb}"
            );
        }
        let all = api.get(&sup, "/api/campaigns?status=stopped").await;
        assert_eq!(all.body.as_array().unwrap().len(), 1);
        api.get(&sup, "/api/campaigns?status=asleep")
            .await
            .assert_error(400, "status");
        assert_eq!(api.get(&sup, "/api/campaigns/999999").await.status, 404);
        // Audited.
        let root = api.login("root", "admin").await;
        let audit = api.get(&root, "/api/audit?action=campaign").await;
        let details: Vec<String> = audit
            .body
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["detail"].as_str().unwrap_or("").to_string())
            .collect();
        assert!(
            details.iter().any(|d| d.contains("create campaign")),
            "{details:?}"
        );
        assert!(
            details
                .iter()
                .any(|d| d.contains("pause campaign") && d.contains("trunk maintenance")),
            "{details:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn an_uploaded_list_reports_each_refused_row() {
    each_api(|api| async move {
        let _f = fixture(&api.store).await;
        let sup = api.login("li", "boss").await;
        let mut body = dunning("上传名单");
        body.as_object_mut().unwrap().remove("list");
        let a = api.post(&sup, "/api/campaigns", body).await;
        assert_eq!(a.status, 201, "{:#}", a.body);
        let id = a.body["campaign"]["id"].as_i64().unwrap();
        assert_eq!(a.body["list"], Value::Null);
        // No targets: it cannot start.
        assert_eq!(
            api.post(&sup, &format!("/api/campaigns/{id}/start"), json!({}))
                .await
                .status,
            409
        );
        let text = "户号,电话,欠费\n\
            1000000001,+86 138 0000 1111,207.00\n\
            A-2,139-0000-2222,12.50\n\
            A-3,13900x02222,1\n\
            ,13900004444,1\n\
            A-5,1390000 2222,9\n\
            A-6,12,1\n";
        let r = csv(&api, &sup, id, text).await;
        assert_eq!(r.status, 200, "{:#}", r.body);
        assert_eq!(r.body["added"], 2);
        let refused: Vec<(i64, String)> = r.body["refused"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| {
                (
                    x["row"].as_i64().unwrap(),
                    x["reason"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(
            refused.iter().map(|r| r.0).collect::<Vec<_>>(),
            [4, 5, 6, 7],
            "{refused:?}"
        );
        assert!(refused[0].1.contains("bad number"), "{refused:?}");
        assert!(refused[1].1.contains("no customer"), "{refused:?}");
        assert!(refused[2].1.contains("duplicate of row 3"), "{refused:?}");
        // The same list again: nothing added twice.
        let again = csv(&api, &sup, id, text).await;
        assert_eq!(
            (again.body["added"].clone(), again.body["already"].clone()),
            (json!(0), json!(2))
        );
        let ts = api
            .store
            .campaign_targets(
                id,
                &TargetFilter {
                    limit: 10,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(
            ts[0].data["欠费"], "207.00",
            "extra columns are the target's data"
        );
        // Not CSV: refused whole with the line.
        csv(&api, &sup, id, "account,number\n1,\"2\n")
            .await
            .assert_error(422, "list");
        let e = csv(&api, &sup, id, "name,phone\n").await;
        e.assert_error(422, "list");
        assert!(
            e.body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("line 1"),
            "{:#}",
            e.body
        );
        raw_post(
            &api,
            &sup,
            &format!("/api/campaigns/{id}/targets"),
            Some("text/csv"),
            vec![0xff, 0xfe, b'a'],
        )
        .await
        .assert_error(422, "list");
        // Once started, the list is fixed.
        api.post(&sup, &format!("/api/campaigns/{id}/start"), json!({}))
            .await;
        assert_eq!(
            csv(&api, &sup, id, "account,number\nA-9,13900009999\n")
                .await
                .status,
            409
        );
    })
    .await;
}

#[tokio::test]
async fn results_come_as_json_and_as_a_spreadsheet() {
    each_api(|api| async move {
        let _f = fixture(&api.store).await;
        let sup = api.login("li", "boss").await;
        let a = api.post(&sup, "/api/campaigns", dunning("结果")).await;
        let id = a.body["campaign"]["id"].as_i64().unwrap();
        api.post(&sup, &format!("/api/campaigns/{id}/start"), json!({}))
            .await;
        let t = api
            .store
            .campaign_targets(
                id,
                &TargetFilter {
                    limit: 1,
                    ..Default::default()
                },
            )
            .await
            .unwrap()[0]
            .id;
        let at = api.now();
        api.store
            .start_campaign_attempt(t, 1, "13800001111", at)
            .await
            .unwrap();
        api.store
            .end_campaign_attempt(
                t,
                1,
                &AttemptEnd {
                    result: "answered".into(),
                    at: at + 61_000,
                    talk_ms: Some(55_500),
                    keys: Some("1#1225".into()),
                    promise_fen: Some(20_750),
                    promise_by: Some("2026-11-25".into()),
                    note: Some("=cmd|' /C calc'!A0".into()),
                    ..AttemptEnd::default()
                },
            )
            .await
            .unwrap();
        // The agent sees it in the customer's contact history.
        let agent = api.login("zhang", "secret").await;
        let account = api
            .get(&agent, &format!("/api/customers/{}", _f.customer))
            .await;
        assert_eq!(account.status, 200, "{:#}", account.body);
        assert_eq!(
            account.body["campaign_calls"][0]["promise_fen"], 20_750,
            "{:#}",
            account.body["campaign_calls"]
        );
        let j = api.get(&sup, &format!("/api/campaigns/{id}/results")).await;
        assert_eq!(j.status, 200, "{:#}", j.body);
        assert_eq!(j.body[0]["promise_fen"], 20_750);
        let c = api.get(&sup, &format!("/api/campaigns/{id}")).await;
        assert_eq!(
            (
                c.body["progress"]["promises"].clone(),
                c.body["progress"]["promised_fen"].clone()
            ),
            (json!(1), json!(20_750))
        );
        let res = api
            .request(
                reqwest::Method::GET,
                &format!("/api/campaigns/{id}/results?format=csv"),
                Some(&sup),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
        assert!(res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains(&format!("campaign-{id}-results.csv")));
        let text = res.text().await.unwrap();
        let lines: Vec<&str> = text.trim_start_matches('\u{feff}').lines().collect();
        assert_eq!(lines.len(), 2, "{text}");
        assert!(lines[0].starts_with("campaign,target,account,customer,number,attempt"));
        let row = lines[1];
        assert!(row.contains(",陈建国,13800001111,1,"), "{row}");
        assert!(
            row.contains(",answered,55.5,1#1225,207.50,2026-11-25,,"),
            "{row}"
        );
        assert!(
            row.ends_with("'=cmd|' /C calc'!A0"),
            "a formula is text: {row}"
        );
        api.get(&sup, &format!("/api/campaigns/{id}/results?format=xls"))
            .await
            .assert_error(400, "format");
        assert_eq!(
            api.get(&agent, &format!("/api/campaigns/{id}/results"))
                .await
                .status,
            403
        );
    })
    .await;
}

#[tokio::test]
async fn the_do_not_call_list_is_kept_once_per_number() {
    each_api(|api| async move {
        let _f = fixture(&api.store).await;
        let sup = api.login("li", "boss").await;
        let agent = api.login("zhang", "secret").await;
        let a = api
            .post(
                &agent,
                "/api/do-not-call",
                json!({"number": "+86 139 0000 3333", "note": "客户要求"}),
            )
            .await;
        assert_eq!(a.status, 201, "{:#}", a.body);
        assert_eq!(
            (a.body["added"].clone(), a.body["number"].clone()),
            (json!(1), json!("13900003333"))
        );
        let again = api
            .post(
                &agent,
                "/api/do-not-call",
                json!({"number": "139 0000 3333"}),
            )
            .await;
        assert_eq!(again.body["added"], 0, "one entry however it is written");
        assert!(api.store.on_do_not_call("13900003333", "-").await.unwrap());
        api.post(&agent, "/api/do-not-call", json!({"number": "139x"}))
            .await
            .assert_error(422, "number");
        api.post(&agent, "/api/do-not-call", json!({}))
            .await
            .assert_error(422, "number");
        assert_eq!(api.get(&agent, "/api/do-not-call").await.status, 403);
        let list = api.get(&sup, "/api/do-not-call").await;
        assert_eq!(list.body.as_array().unwrap().len(), 1);
        assert_eq!(list.body[0]["source"], "agent");
        let id = list.body[0]["id"].as_i64().unwrap();
        let del = |tok: &str| {
            api.send(api.request(
                reqwest::Method::DELETE,
                &format!("/api/do-not-call/{id}"),
                Some(tok),
            ))
        };
        assert_eq!(del(&agent).await.status, 403);
        assert_eq!(del(&sup).await.status, 204);
        assert_eq!(del(&sup).await.status, 404);
        assert!(!api.store.on_do_not_call("13900003333", "-").await.unwrap());
    })
    .await;
}

#[tokio::test]
async fn a_list_larger_than_an_ordinary_body_is_taken_up_to_its_own_limit() {
    each_api(|api| async move {
        let _f = fixture(&api.store).await;
        let sup = api.login("li", "boss").await;
        let made = json!({"name": "big list", "kind": "notice", "mode": "ivr", "flow": "notice"});
        let a = api.post(&sup, "/api/campaigns", made).await;
        assert_eq!(a.status, 201, "{:#}", a.body);
        let id = a.body["campaign"]["id"].as_i64().unwrap();
        // 5,000 rows: over the 64 KiB every other body may be, far under the list's 8 MiB.
        let mut text = String::from("account,number\n");
        for i in 0..5000 {
            text.push_str(&format!("B-{i},139{i:08}\n"));
        }
        assert!(text.len() > hotline_web::MAX_BODY, "{} bytes", text.len());
        let a = csv(&api, &sup, id, &text).await;
        assert_eq!(a.status, 200, "{:#}", a.body);
        assert_eq!(a.body["added"], 5000, "{:#}", a.body);
        // Over the list's own limit: refused before it is read.
        let huge = "x".repeat(8 * 1024 * 1024 + 1);
        let a = csv(&api, &sup, id, &huge).await;
        assert_eq!(a.status, 413, "{:#}", a.body);
        // Any other route keeps the ordinary limit.
        let a = raw_post(
            &api,
            &sup,
            "/api/campaigns",
            Some("application/json"),
            vec![b' '; hotline_web::MAX_BODY + 1],
        )
        .await;
        assert_eq!(a.status, 413, "{:#}", a.body);
    })
    .await;
}

#[tokio::test]
async fn an_sms_campaign_needs_no_flow_and_its_templates_are_checked() {
    each_api(|api| async move {
        let _f = fixture(&api.store).await;
        let sup = api.login("li", "boss").await;
        let sms = |name: &str, mode: &str, template: &str| {
            json!({
                "name": name,
                "kind": "dunning",
                "mode": mode,
                "settings": {"channel": "sms", "sms": {"templates": {"zh": template}}},
                "list": {"rule": "arrears", "min_yuan": 100, "min_months": 2}
            })
        };
        let a = api
            .post(
                &sup,
                "/api/campaigns",
                sms("短信催缴", "ivr", "您欠费{amount_due}元"),
            )
            .await;
        assert_eq!(a.status, 201, "{:#}", a.body);
        let c = &a.body["campaign"];
        assert_eq!(
            (c["flow"].as_str(), c["settings"]["channel"].as_str()),
            (Some("sms"), Some("sms"))
        );
        assert_eq!(
            c["settings"]["sms"]["templates"]["zh"],
            "您欠费{amount_due}元"
        );
        assert_eq!(c["progress"]["sms_sent"], 0);
        // Its results are its texts (none yet), and the CSV says the channel.
        let id = c["id"].as_i64().unwrap();
        let r = api.get(&sup, &format!("/api/campaigns/{id}/results")).await;
        assert_eq!((r.status, r.body.clone()), (200, json!([])));
        api.post(&sup, "/api/campaigns", sms("x", "ivr", "您欠费{amount}元"))
            .await
            .assert_error(422, "settings.sms.templates.zh");
        api.post(&sup, "/api/campaigns", sms("y", "progressive", "您好"))
            .await
            .assert_error(422, "mode");
        // A call campaign still needs its flow.
        let mut call = dunning("z");
        call["flow"] = json!("");
        api.post(&sup, "/api/campaigns", call)
            .await
            .assert_error(422, "flow");
    })
    .await;
}
