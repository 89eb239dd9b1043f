//! `GET /metrics`: the engine's Prometheus metrics in the text exposition format. No token
//! (Prometheus scrapes it like `/healthz`; no label holds a caller, a customer or an agent);
//! where the port is not wired, a 503. The call reasons recorded come from the store
//! (`hotline_call_reasons_total`, one series per reason of the configured tree).

use std::future::Future;
use std::pin::Pin;

use crate::{LoginFigures, Shared};
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// The content type of the text exposition format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Where the metrics come from: the engine reads its state and renders every family, the
/// API's own figures (`logins`) among them.
pub trait MetricsPort: Send + Sync {
    fn render(&self, logins: LoginFigures) -> Pin<Box<dyn Future<Output = String> + Send + '_>>;
}

pub async fn metrics(State(s): State<Shared>) -> Response {
    let Some(port) = s.metrics.as_deref() else {
        return crate::error::ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "no metrics here",
        )
        .into_response();
    };
    let mut body = port.render(s.logins.figures(s.now())).await;
    body.push_str(&reasons(&s).await);
    let mut res = body.into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    res
}

/// `hotline_call_reasons_total{reason}`: the calls given each reason of the tree (the labels
/// are the tree's reasons, nothing else); empty when the store cannot answer now.
async fn reasons(s: &Shared) -> String {
    let totals = match s.store.reason_totals().await {
        Ok(t) => t,
        Err(e) => {
            tracing::warn!(error = %e, "call reasons left out of /metrics");
            return String::new();
        }
    };
    let mut out = String::from(
        "# HELP hotline_call_reasons_total Calls given each call reason (by agents in wrap-up or by IVR flows).\n\
         # TYPE hotline_call_reasons_total counter\n",
    );
    for t in totals {
        // Codes are the tree's (`billing/query`); escape as the exposition format asks.
        let label = t
            .code
            .replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('\n', "\\n");
        out.push_str(&format!(
            "hotline_call_reasons_total{{reason=\"{label}\"}} {}\n",
            t.calls
        ));
    }
    out
}
