//! `GET /api/openapi.json`: the OpenAPI 3.1 document of the API, hand-written in
//! `openapi.json` beside this file and compiled in. The tests below hold it and the router's
//! endpoint table to each other: every endpoint is documented, every documented operation is
//! served.

use axum::http::header;
use axum::response::IntoResponse;

pub const DOCUMENT: &str = include_str!("openapi.json");

pub async fn document() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], DOCUMENT)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{endpoints, router, ApiState};
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use hotline_store::{OpenOptions, Policy, Store};
    use std::collections::BTreeSet;
    use std::sync::Arc;
    use tower::ServiceExt;

    const METHODS: [&str; 8] = [
        "get", "put", "post", "delete", "options", "head", "patch", "trace",
    ];

    fn documented() -> BTreeSet<(String, String)> {
        let doc: serde_json::Value = serde_json::from_str(DOCUMENT).expect("openapi.json parses");
        assert_eq!(doc["openapi"].as_str().map(|v| &v[..4]), Some("3.1."));
        let paths = doc["paths"].as_object().expect("paths");
        let mut ops = BTreeSet::new();
        for (path, item) in paths {
            for (key, op) in item.as_object().expect("path item") {
                if METHODS.contains(&key.as_str()) {
                    assert!(
                        op["responses"].is_object(),
                        "{key} {path} documents no responses"
                    );
                    ops.insert((key.clone(), path.clone()));
                }
            }
        }
        ops
    }

    fn routed() -> BTreeSet<(String, String)> {
        endpoints()
            .iter()
            .map(|e| {
                (
                    e.verb.method().as_str().to_ascii_lowercase(),
                    e.path.to_string(),
                )
            })
            .collect()
    }

    #[test]
    fn every_endpoint_is_documented_and_every_documented_operation_is_served() {
        let doc = documented();
        let routes = routed();
        let undocumented: Vec<_> = routes.difference(&doc).collect();
        let unserved: Vec<_> = doc.difference(&routes).collect();
        assert!(
            undocumented.is_empty(),
            "not in openapi.json: {undocumented:?}"
        );
        assert!(
            unserved.is_empty(),
            "documented but not routed: {unserved:?}"
        );
        assert_eq!(
            routes.len(),
            endpoints().len(),
            "an endpoint is listed twice"
        );
    }

    #[test]
    fn public_endpoints_are_documented_without_security() {
        let doc: serde_json::Value = serde_json::from_str(DOCUMENT).expect("parses");
        for e in endpoints() {
            let method = e.verb.method().as_str().to_ascii_lowercase();
            let op = &doc["paths"][e.path][&method];
            let open = op["security"].as_array().is_some_and(|s| s.is_empty());
            assert_eq!(
                open, e.public,
                "{method} {}: security does not match",
                e.path
            );
        }
    }

    /// The router really answers each endpoint of the table (the table is what it is built
    /// from, but a path typo in `route` would only show here).
    #[tokio::test]
    async fn the_router_serves_every_endpoint_of_the_table() {
        let dir = std::env::temp_dir().join(format!("hotline-web-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let url = format!("sqlite:{}", dir.join("t.db").display());
        let store = Store::open(OpenOptions::new(url), Policy::default())
            .await
            .expect("store");
        let app = router(ApiState {
            store: store.clone(),
            realm: "hotline".into(),
            clock: Arc::new(|| 1_795_000_000_000),
            acd: None,
            live: None,
            calls: None,
            metrics: None,
            live_recheck: std::time::Duration::from_secs(30),
            zone: hotline_time::Zone::default(),
            ivr_titles: None,
            reasons_required: false,
            recordings: None,
            qa: None,
            recording_keys: Default::default(),
            preview: None,
        });
        for e in endpoints() {
            let path = e.path.replace("{id}", "1");
            let req = Request::builder()
                .method(e.verb.method())
                .uri(&path)
                .extension(axum::extract::ConnectInfo(std::net::SocketAddr::from((
                    [127, 0, 0, 1],
                    40000,
                ))))
                .body(Body::empty())
                .expect("request");
            let res = app.clone().oneshot(req).await.expect("response");
            let status = res.status();
            let body = axum::body::to_bytes(res.into_body(), 1 << 20)
                .await
                .expect("body");
            let v: serde_json::Value = serde_json::from_slice(&body).expect("JSON body");
            assert_ne!(v["error"]["code"], "no_route", "{path}");
            assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{path}");
            if e.public {
                assert_ne!(status, StatusCode::UNAUTHORIZED, "{path}");
            } else {
                assert_eq!(status, StatusCode::UNAUTHORIZED, "{path} needs a token");
            }
        }
        let req = Request::builder()
            .uri("/api/nothing")
            .body(Body::empty())
            .expect("request");
        let res = app.clone().oneshot(req).await.expect("response");
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        store.close().await;
        let _ = std::fs::remove_dir_all(&dir);
    }
}
