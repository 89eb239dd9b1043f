//! The browser pages: the agent desktop (`/desk`), the supervisors' wallboard (`/wall`) and
//! their notices page (`/wall/notices`), incidents page (`/wall/incidents`), reports page
//! (`/wall/reports`), the call search with its recording player (`/wall/calls`) and quality
//! assessment (`/wall/qa`: the work list, evaluating a call beside its recording, calibration
//! and disputes; the player is `recording.js`, shared with `/wall/calls`; the agent's own
//! evaluations are on the desk, `desk-qa.js`), outbound campaigns (`/wall/campaigns`: the
//! campaigns and their progress, making, listing, starting and stopping one, its targets and
//! results, the do-not-call list),
//! plain HTML, JavaScript and CSS compiled into the binary from `crates/hotline-web/pages/`
//! (no build step). They hold no data: they log in through `/api/login`, keep the token in
//! the tab's session storage, send it in the `Authorization` header, and follow
//! `/api/events`. Every page answer carries a Content-Security-Policy that allows only the
//! engine's own scripts and styles (no inline script), so text from the database can never
//! run as code even if a page forgot to escape it. Media may also come from `blob:` URLs: the
//! recording player fetches a recording with the token and plays it from a Blob.

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};

/// `(path, content type, body)` of every file served.
const FILES: &[(&str, &str, &str)] = &[
    (
        "/desk",
        "text/html; charset=utf-8",
        include_str!("../pages/desk.html"),
    ),
    (
        "/wall",
        "text/html; charset=utf-8",
        include_str!("../pages/wall.html"),
    ),
    (
        "/crew",
        "text/html; charset=utf-8",
        include_str!("../pages/crew.html"),
    ),
    (
        "/pages/crew.js",
        "text/javascript; charset=utf-8",
        include_str!("../pages/crew.js"),
    ),
    (
        "/pages/common.js",
        "text/javascript; charset=utf-8",
        include_str!("../pages/common.js"),
    ),
    (
        "/pages/desk-strings.js",
        "text/javascript; charset=utf-8",
        include_str!("../pages/desk-strings.js"),
    ),
    (
        "/pages/desk.js",
        "text/javascript; charset=utf-8",
        include_str!("../pages/desk.js"),
    ),
    (
        "/pages/desk-customer.js",
        "text/javascript; charset=utf-8",
        include_str!("../pages/desk-customer.js"),
    ),
    (
        "/pages/desk-tickets.js",
        "text/javascript; charset=utf-8",
        include_str!("../pages/desk-tickets.js"),
    ),
    (
        "/pages/escalate.js",
        "text/javascript; charset=utf-8",
        include_str!("../pages/escalate.js"),
    ),
    (
        "/pages/wall.js",
        "text/javascript; charset=utf-8",
        include_str!("../pages/wall.js"),
    ),
    (
        "/wall/notices",
        "text/html; charset=utf-8",
        include_str!("../pages/notices.html"),
    ),
    (
        "/pages/notices.js",
        "text/javascript; charset=utf-8",
        include_str!("../pages/notices.js"),
    ),
    (
        "/wall/incidents",
        "text/html; charset=utf-8",
        include_str!("../pages/incidents.html"),
    ),
    (
        "/pages/incidents.js",
        "text/javascript; charset=utf-8",
        include_str!("../pages/incidents.js"),
    ),
    (
        "/wall/reports",
        "text/html; charset=utf-8",
        include_str!("../pages/reports.html"),
    ),
    (
        "/pages/reports.js",
        "text/javascript; charset=utf-8",
        include_str!("../pages/reports.js"),
    ),
    (
        "/wall/calls",
        "text/html; charset=utf-8",
        include_str!("../pages/calls.html"),
    ),
    (
        "/pages/calls.js",
        "text/javascript; charset=utf-8",
        include_str!("../pages/calls.js"),
    ),
    (
        "/pages/recording.js",
        "text/javascript; charset=utf-8",
        include_str!("../pages/recording.js"),
    ),
    (
        "/wall/qa",
        "text/html; charset=utf-8",
        include_str!("../pages/qa.html"),
    ),
    (
        "/pages/qa.js",
        "text/javascript; charset=utf-8",
        include_str!("../pages/qa.js"),
    ),
    (
        "/pages/desk-qa.js",
        "text/javascript; charset=utf-8",
        include_str!("../pages/desk-qa.js"),
    ),
    (
        "/pages/desk-preview.js",
        "text/javascript; charset=utf-8",
        include_str!("../pages/desk-preview.js"),
    ),
    (
        "/wall/campaigns",
        "text/html; charset=utf-8",
        include_str!("../pages/campaigns.html"),
    ),
    (
        "/pages/campaigns.js",
        "text/javascript; charset=utf-8",
        include_str!("../pages/campaigns.js"),
    ),
    (
        "/pages/style.css",
        "text/css; charset=utf-8",
        include_str!("../pages/style.css"),
    ),
];

/// The paths of the page files (each a public GET route).
pub fn paths() -> impl Iterator<Item = &'static str> {
    FILES.iter().map(|(p, _, _)| *p)
}

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   media-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'; \
                   base-uri 'none'; form-action 'self'";

/// The file at `path` with its headers.
pub fn serve(path: &str) -> Response {
    let Some((_, kind, body)) = FILES.iter().find(|(p, _, _)| *p == path) else {
        return crate::middleware::no_route_response();
    };
    let mut res = (*body).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    res
}
