//! A newcomer's first hour with the engine's HTTP API, on the real binary with its demo data:
//! the API's description is served without a token and says how to log in; a demo agent logs
//! in with the password from `data/demo-agents.txt` and sees its skills; one request with the
//! token works. And the login throttle end to end: repeated failures are answered 429 with
//! `Retry-After` (the right password too) until the wait passes, counted on `/metrics` and
//! kept in the audit trail with the client's address.

use std::time::Duration;

use hotline_e2e::start_queue_engine;
use hotline_metrics::text::sample;
use serde_json::{json, Value};

const QUEUES: &str = "[[acd.queues]]\nname = \"general\"\nskills = { general = 1 }\n";

/// A demo agent's password, from the file the engine wrote.
fn password(dir: &std::path::Path, login: &str) -> String {
    let list = std::fs::read_to_string(dir.join("data/demo-agents.txt")).expect("demo-agents.txt");
    list.lines()
        .map(|l| l.split('\t').collect::<Vec<_>>())
        .find(|f| f.len() == 3 && f[0] == login)
        .map(|f| f[2].to_string())
        .unwrap_or_else(|| panic!("{login} in demo-agents.txt"))
}

async fn login(
    http: &reqwest::Client,
    base: &str,
    login: &str,
    password: &str,
) -> (u16, Option<u64>, Value) {
    let res = http
        .post(format!("{base}/api/login"))
        .json(&json!({ "login": login, "password": password }))
        .send()
        .await
        .expect("POST /api/login");
    let status = res.status().as_u16();
    let retry = res
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    (status, retry, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_newcomer_logs_in_and_the_throttle_holds_against_guessing() {
    let (engine, scratch) = start_queue_engine("hotline-api-login", QUEUES, &[]);
    let base = format!("http://{}", engine.http.expect("the HTTP API is on"));
    let http = reqwest::Client::new();

    // The description needs no token and names the login.
    let res = http
        .get(format!("{base}/api/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let doc: Value = res.json().await.unwrap();
    assert!(doc["paths"]["/api/login"]["post"].is_object());
    assert!(doc["info"]["description"]
        .as_str()
        .is_some_and(|d| d.contains("POST /api/login") && d.contains("demo-agents.txt")));
    // The data does.
    let res = http.get(format!("{base}/api/me")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 401);

    // A demo agent logs in and sees the skills the agent list shows.
    let dir = engine.dir.clone();
    let (status, _, answer) = login(&http, &base, "zhangmin", &password(&dir, "zhangmin")).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer["agent"]["skills"],
        json!([["billing", 8], ["general", 6]])
    );
    let token = answer["token"].as_str().expect("token").to_string();
    let me: Value = http
        .get(format!("{base}/api/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["skills"], answer["agent"]["skills"]);

    // Guessing liqiang's password: five free failures, the sixth starts a wait of 1 s.
    for n in 0..6 {
        let (status, _, body) = login(&http, &base, "liqiang", &format!("guess{n}")).await;
        assert_eq!(status, 401, "guess {n}: {body}");
    }
    let right = password(&dir, "liqiang");
    let (status, retry, body) = login(&http, &base, "liqiang", &right).await;
    assert_eq!((status, retry), (429, Some(1)), "{body}");
    assert_eq!(body["error"]["code"], "throttled");
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let (status, _, body) = login(&http, &base, "liqiang", &right).await;
    assert_eq!(status, 200, "after the wait: {body}");

    // Counted on /metrics.
    let text = http
        .get(format!("{base}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let logins = |outcome: &str| sample(&text, "hotline_api_logins_total", &[("outcome", outcome)]);
    assert_eq!(logins("failed"), Some(6.0));
    assert_eq!(logins("throttled"), Some(1.0));
    assert_eq!(logins("succeeded"), Some(2.0));

    // Kept in the audit trail, with the client's address.
    let (_, _, sup) = login(&http, &base, "zhaolei", &password(&dir, "zhaolei")).await;
    let trail: Value = http
        .get(format!("{base}/api/audit?action=login"))
        .bearer_auth(sup["token"].as_str().expect("token"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let trail = trail.as_array().expect("list");
    assert_eq!(trail.len(), 7, "six failures and one refusal: {trail:#?}");
    for e in trail {
        assert_eq!(
            (&e["actor"], &e["source"]),
            (&json!("liqiang"), &json!("127.0.0.1"))
        );
    }
    let failed: Vec<_> = trail
        .iter()
        .filter(|e| e["outcome"] == "failed: wrong login or password")
        .collect();
    assert_eq!(failed.len(), 6);
    assert!(
        failed.iter().all(|e| e["actor_name"] == "李强"),
        "the agent is named"
    );
    let _ = std::fs::remove_dir_all(&scratch);
}
