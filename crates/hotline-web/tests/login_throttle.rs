//! Login throttling over real HTTP with a fake clock: 200 wrong passwords in a row get 429s
//! with `Retry-After` after the first few, the right password is refused too until the wait
//! is over, a burst of parallel guesses gets no more checks than guesses in a row, the
//! failures are in the audit trail (masked where the login is a phone number) and counted for
//! `/metrics`.

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

async fn try_login(api: &Api, login: &str, password: &str) -> Answer {
    api.send(
        api.request(Method::POST, "/api/login", None)
            .json(&json!({"login": login, "password": password})),
    )
    .await
}

fn retry_after(a: &Answer) -> i64 {
    a.headers["retry-after"]
        .to_str()
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("Retry-After in seconds: {:?}", a.headers))
}

/// The `name value` lines of the test's `/metrics`.
async fn figures(api: &Api) -> Value {
    let text = api
        .http
        .get(api.url("/metrics"))
        .send()
        .await
        .expect("GET /metrics")
        .text()
        .await
        .expect("text");
    let mut out = serde_json::Map::new();
    for line in text.lines() {
        if let Some((k, v)) = line.split_once(' ') {
            out.insert(
                k.into(),
                v.parse::<u64>().map(Value::from).unwrap_or_default(),
            );
        }
    }
    Value::Object(out)
}

#[tokio::test]
async fn two_hundred_wrong_passwords_then_the_right_one_waits_its_turn() {
    each_api(|api| async move {
        fixture(&api.store).await;
        let mut checked = 0;
        let mut waits = Vec::new();
        for n in 0..200 {
            let a = try_login(&api, "zhang", &format!("guess{n}")).await;
            match a.status {
                401 => checked += 1,
                429 => {
                    assert_eq!(a.code(), Some("throttled"), "{:#}", a.body);
                    waits.push(retry_after(&a));
                }
                other => panic!("guess {n}: {other} {:#}", a.body),
            }
        }
        // Five free failures and the sixth, which starts a wait of 1 s; every other guess is
        // refused unchecked, and refusals do not lengthen the wait.
        assert_eq!((checked, waits.len()), (6, 194));
        assert!(waits.iter().all(|w| *w == 1), "{waits:?}");

        // The right password during the wait: refused just the same.
        let a = try_login(&api, "zhang", "secret").await;
        assert_eq!(a.status, 429, "{:#}", a.body);
        assert!(a.body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("try again in 1 s")));
        api.advance(999);
        assert_eq!(try_login(&api, "zhang", "secret").await.status, 429);

        // Once the wait is over it works, and the failures are forgiven for this account.
        api.advance(1);
        let a = try_login(&api, "zhang", "secret").await;
        assert_eq!(a.status, 200, "{:#}", a.body);
        for _ in 0..5 {
            assert_eq!(try_login(&api, "zhang", "nope").await.status, 401);
        }

        // The audit trail: each checked failure, and one entry for the refusals of a wait.
        let sup = api.login("li", "boss").await;
        let trail = api.get(&sup, "/api/audit?action=login&limit=500").await;
        assert_eq!(trail.status, 200, "{:#}", trail.body);
        let trail = trail.body.as_array().expect("list").clone();
        let outcome = |e: &Value| e["outcome"].as_str().unwrap_or("").to_string();
        let failed = trail
            .iter()
            .filter(|e| outcome(e).starts_with("failed"))
            .count();
        let throttled: Vec<_> = trail
            .iter()
            .filter(|e| outcome(e).starts_with("throttled"))
            .collect();
        assert_eq!((failed, throttled.len()), (6 + 5, 1), "{trail:#?}");
        assert_eq!(
            throttled[0]["outcome"],
            "throttled: wait 1 s (repeated failures)"
        );
        for e in &trail {
            assert_eq!(e["action"], "login");
            assert_eq!(e["actor"], "zhang");
            assert_eq!(e["source"], "127.0.0.1");
        }
        // A wrong password for a real agent names the agent.
        assert!(trail
            .iter()
            .any(|e| e["actor_name"] == "zhang name" && e["actor_agent_id"].is_i64()));
        // The wallboard's list of forced states is not flooded by them.
        let forced = api.get(&sup, "/api/audit?action=acd_state").await;
        assert_eq!(forced.body, json!([]));
        api.get(&sup, "/api/audit?action=nope")
            .await
            .assert_error(400, "action");

        // Counted for /metrics: the two logins above, 11 failures, 194 + 2 refusals.
        let f = figures(&api).await;
        assert_eq!(
            (&f["succeeded"], &f["failed"], &f["throttled"]),
            (&json!(2), &json!(11), &json!(196)),
            "{f}"
        );
    })
    .await;
}

#[tokio::test]
async fn a_parallel_burst_gets_no_more_checks_than_guesses_in_a_row() {
    each_api(|api| async move {
        fixture(&api.store).await;
        // Sixty guesses sent at once, each on its own connection.
        let tasks: Vec<_> = (0..60)
            .map(|n| {
                let password = if n == 59 { "secret" } else { "x" };
                let rb = api
                    .request(Method::POST, "/api/login", None)
                    .json(&json!({"login": "zhang", "password": password}));
                tokio::spawn(async move {
                    let res = rb.send().await.expect("sent");
                    let wait = res.headers().get("retry-after").cloned();
                    (res.status().as_u16(), wait)
                })
            })
            .collect();
        let mut checked = 0u64;
        for t in tasks {
            let (status, wait) = t.await.expect("task");
            match status {
                200 | 401 => checked += 1,
                429 => assert!(wait.is_some(), "Retry-After"),
                other => panic!("{other}"),
            }
        }
        assert!((1..=6).contains(&checked), "{checked} checked");
        let f = figures(&api).await;
        assert_eq!(f["throttled"], json!(60 - checked), "{f}");
    })
    .await;
}

#[tokio::test]
async fn an_address_guessing_many_logins_waits_and_phone_numbers_are_masked() {
    each_api(|api| async move {
        fixture(&api.store).await;
        // Twenty different made-up logins (phone numbers, as people type them): none is
        // tried often enough to wait, but the address has used up its free failures.
        for n in 0..20 {
            let phone = format!("138000{n:05}");
            assert_eq!(try_login(&api, &phone, "x").await.status, 401);
        }
        assert_eq!(try_login(&api, "13800099999", "x").await.status, 401);
        let a = try_login(&api, "zhang", "secret").await;
        assert_eq!((a.status, retry_after(&a)), (429, 1));
        assert_eq!(figures(&api).await["waiting_addresses"], json!(1));
        api.advance(1_000);
        assert_eq!(try_login(&api, "zhang", "secret").await.status, 200);

        let sup = api.login("li", "boss").await;
        let trail = api
            .get(&sup, "/api/audit?action=login&limit=500")
            .await
            .body;
        let actors: Vec<&str> = trail
            .as_array()
            .expect("list")
            .iter()
            .filter_map(|e| e["actor"].as_str())
            .collect();
        assert!(actors.contains(&"138******07"), "{actors:?}");
        // Masked as in the logs: at most the first three and the last two digits are kept.
        assert!(
            actors
                .iter()
                .all(|a| a.chars().filter(char::is_ascii_digit).count() <= 5),
            "a phone number kept whole: {actors:?}"
        );
        // Unknown logins name no agent.
        assert!(trail
            .as_array()
            .expect("list")
            .iter()
            .all(|e| e["actor_agent_id"].is_null()));
    })
    .await;
}
