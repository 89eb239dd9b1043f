//! Bodies that are not what they claim: malformed JSON (400 saying where), the wrong content
//! type (415), too large, declared or chunked (413). Nothing is written and the engine keeps
//! serving.

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
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn malformed_and_oversized_bodies_are_refused() {
    each_api(|api| async move {
        let f = fixture(&api.store).await;
        let t = api.login("zhang", "secret").await;
        let json_ct = Some("application/json");
        for (body, what) in [
            (&b"{\"kind\": \"leak\","[..], "cut off"),
            (b"{kind: leak}", "unquoted"),
            (b"{\"kind\": \"leak\", \"summary\": \"x\"} {}", "trailing"),
            (b"", "empty"),
            (b"\xff\xfe{}", "not UTF-8"),
            (
                b"{\"kind\": \"leak\", \"summary\": \"\xc3\x28\"}",
                "bad UTF-8 in a string",
            ),
        ] {
            let a = raw_post(&api, &t, "/api/tickets", json_ct, body.to_vec()).await;
            assert_eq!(
                (a.status, a.code()),
                (400, Some("malformed_json")),
                "{what}: {:#}",
                a.body
            );
        }
        let a = raw_post(
            &api,
            &t,
            "/api/tickets",
            json_ct,
            b"{\"kind\": \"leak\",\n \"summary\": }".to_vec(),
        )
        .await;
        let msg = a.body["error"]["message"].as_str().unwrap_or("");
        assert!(msg.contains("line 2 column"), "says where: {msg}");
        // Deep nesting is refused, not a stack overflow.
        for deep in [
            format!("{}{}", "[".repeat(20_000), "]".repeat(20_000)),
            format!(
                "{{\"kind\": {}{}}}",
                "{\"a\":".repeat(10_000),
                "}".repeat(10_000)
            ),
        ] {
            let a = raw_post(&api, &t, "/api/tickets", json_ct, deep.into_bytes()).await;
            assert!(a.status == 400 || a.status == 422, "{:#}", a.body);
        }

        let good = br#"{"kind": "leak", "summary": "x"}"#.to_vec();
        for ct in [
            None,
            Some("text/plain"),
            Some("application/x-www-form-urlencoded"),
            Some("application/jsonp"),
        ] {
            let a = raw_post(&api, &t, "/api/tickets", ct, good.clone()).await;
            assert_eq!(
                (a.status, a.code()),
                (415, Some("unsupported_media_type")),
                "{ct:?}"
            );
        }
        let a = raw_post(
            &api,
            &t,
            "/api/tickets",
            Some("application/json; charset=utf-8"),
            good,
        )
        .await;
        assert_eq!(a.status, 201);

        // 1 MiB, and one byte over 64 KiB: 413. Just under the limit: read, and refused for
        // its content instead.
        let mib = format!(
            "{{\"kind\": \"leak\", \"summary\": \"{}\"}}",
            "x".repeat(1 << 20)
        );
        let a = raw_post(&api, &t, "/api/tickets", json_ct, mib.into_bytes()).await;
        assert_eq!((a.status, a.code()), (413, Some("too_large")));
        let over = format!(
            "{{\"kind\":\"leak\",\"summary\":\"{}\"}}",
            "x".repeat(64 * 1024 + 1 - 28)
        );
        assert_eq!(over.len(), 64 * 1024 + 1);
        let a = raw_post(&api, &t, "/api/tickets", json_ct, over.into_bytes()).await;
        assert_eq!(a.status, 413);
        let under = format!(
            "{{\"kind\":\"leak\",\"summary\":\"{}\"}}",
            "x".repeat(60 * 1024)
        );
        raw_post(&api, &t, "/api/tickets", json_ct, under.into_bytes())
            .await
            .assert_error(422, "summary");

        // A chunked body declares no length: it is cut off while read.
        let status = chunked_post(&api, &t, 200 * 1024).await;
        assert_eq!(status, 413);

        tables_are_intact(&api, &t, &f, 1).await;
    })
    .await;
}

/// Sends a chunked POST of `size` bytes by hand and returns the status.
async fn chunked_post(api: &Api, token: &str, size: usize) -> u16 {
    let addr = api.base.trim_start_matches("http://").to_string();
    let mut s = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    let head = format!(
        "POST /api/tickets HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    s.write_all(head.as_bytes()).await.expect("head");
    let chunk = vec![b' '; 8192];
    let mut sent = 0;
    while sent < size {
        let piece = format!("{:x}\r\n", chunk.len());
        // The server may answer and close before everything is sent.
        if s.write_all(piece.as_bytes()).await.is_err()
            || s.write_all(&chunk).await.is_err()
            || s.write_all(b"\r\n").await.is_err()
        {
            break;
        }
        sent += chunk.len();
    }
    let _ = s.write_all(b"0\r\n\r\n").await;
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer).await;
    let text = String::from_utf8_lossy(&answer);
    text.split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("a status line")
}
