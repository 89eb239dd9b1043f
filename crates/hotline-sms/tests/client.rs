//! The tokio shell without an SMSC: a refused connection is reported and retried with backoff,
//! and submissions made meanwhile are kept (not failed) for when a bind comes.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::time::Duration;

use hotline_sms::{Client, ClientConfig, Event, LostReason, SessionConfig};

#[tokio::test]
async fn a_refused_connection_is_reported_and_retried() {
    // A port nobody listens on: bind one, note it, close it.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let config = ClientConfig {
        addr: format!("127.0.0.1:{port}"),
        session: SessionConfig::new("hotline", "secret", "95598"),
        reconnect_min_ms: 10,
        reconnect_max_ms: 40,
    };
    let (client, mut events) = Client::start(config);
    let local_id = client.send("8613800000001", "kept until bound").unwrap();
    for attempt in 1..=3 {
        let e = tokio::time::timeout(Duration::from_secs(10), events.recv())
            .await
            .unwrap_or_else(|_| panic!("no report of attempt {attempt}"))
            .unwrap();
        assert!(
            matches!(
                e,
                Event::Lost {
                    reason: LostReason::ConnectFailed(_)
                }
            ),
            "attempt {attempt}: {e:?}"
        );
    }
    assert_eq!(local_id, 1);
    // Unbinding a client that never bound stops it at once; the kept text is reported
    // failed (retryable, ESME_RINVBNDSTS: never bound), not dropped in silence.
    client.unbind().unwrap();
    loop {
        match tokio::time::timeout(Duration::from_secs(10), events.recv()).await {
            Ok(Some(Event::Unbound)) => break,
            Ok(Some(Event::Lost { .. })) => continue,
            other => panic!("expected Unbound, got {other:?}"),
        }
    }
    let failed = tokio::time::timeout(Duration::from_secs(10), events.recv()).await;
    assert_eq!(
        failed.unwrap(),
        Some(Event::SubmitFailed {
            local_id,
            status: 0x04,
            retryable: true
        })
    );
    let closed = tokio::time::timeout(Duration::from_secs(10), events.recv()).await;
    assert!(matches!(closed, Ok(None)), "the client task ended");
}
