//! `GET /healthz`: one trivial query on the store, answered within two seconds; 200 when the
//! database answers, 503 when it does not (with the API's error object beside the status, so
//! that it is an error answer like any other). No token: load balancers and systemd call it.

use crate::Shared;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};
use std::time::Duration;

pub async fn healthz(State(s): State<Shared>) -> (StatusCode, Json<Value>) {
    let query = s.store.ping();
    match tokio::time::timeout(Duration::from_secs(2), query).await {
        Ok(Ok(_)) => (StatusCode::OK, Json(json!({"status": "ok"}))),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "health check failed");
            unavailable()
        }
        Err(_) => {
            tracing::warn!("health check timed out");
            unavailable()
        }
    }
}

fn unavailable() -> (StatusCode, Json<Value>) {
    let body = json!({
        "status": "unavailable",
        "error": {
            "status": 503,
            "code": "unavailable",
            "message": "the database does not answer",
        },
    });
    (StatusCode::SERVICE_UNAVAILABLE, Json(body))
}
