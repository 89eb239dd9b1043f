//! A test UA standing in for the outbound route (the engine's campaign and callback calls):
//! the next INVITE it receives and the number dialled; and waiting on an API answer.

use std::time::Duration;

use serde_json::Value;

use crate::{Desk, Got, Ua, PATIENCE};

/// The next INVITE the gateway `gw` receives, and its dialled number (the Request-URI's
/// user); panics when none comes within [`PATIENCE`].
pub async fn next_invite(gw: &mut Ua) -> (Got, String) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let got = gw.recv(left).await.expect("a customer is called");
        if got.code() == 0 && got.request().method.as_str() == "INVITE" {
            let number = got
                .raw
                .strip_prefix("INVITE sip:")
                .and_then(|r| r.split('@').next())
                .expect("INVITE sip:number@")
                .to_string();
            return (got, number);
        }
    }
}

/// `GET path` as `desk` until `done` holds of the answer (or [`PATIENCE`] passes): the last
/// answer.
pub async fn get_until(desk: &Desk, path: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let v = desk.get(path).await;
        if done(&v) || tokio::time::Instant::now() > deadline {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
