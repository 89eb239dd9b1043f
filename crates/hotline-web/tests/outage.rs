//! When the database is gone: every endpoint answers 500 with a generic message (the detail
//! only in the log), `/healthz` answers 503, and nothing panics.

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
use hotline_store::{OpenOptions, Policy, Store};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn a_lost_database_is_a_500_and_an_unhealthy_healthz() {
    let dir = std::env::temp_dir().join(format!("hotline-web-outage-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let url = format!("sqlite:{}", dir.join("t.db").display());
    let store = Store::open(OpenOptions::new(url), Policy::default())
        .await
        .expect("open");
    let api = serve(store.clone()).await;
    fixture(&api.store).await;
    let t = api.login("zhang", "secret").await;
    store.close().await;

    let a = api.send(api.request(Method::GET, "/healthz", None)).await;
    assert_eq!((a.status, &a.body["status"]), (503, &json!("unavailable")));
    assert_eq!(a.code(), Some("unavailable"));
    for a in [
        api.get(&t, "/api/me").await,
        api.get(&t, "/api/tickets").await,
        api.send(
            api.request(Method::POST, "/api/login", None)
                .json(&json!({"login": "zhang", "password": "secret"})),
        )
        .await,
    ] {
        assert_eq!(
            (a.status, a.code()),
            (500, Some("internal")),
            "{:#}",
            a.body
        );
        let msg = a.body["error"]["message"].as_str().unwrap_or("");
        assert!(
            !msg.contains("pool") && !msg.contains("sql"),
            "generic: {msg}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
