//! The hotline's HTTP API: REST and JSON under `/api/` for the agent desktop and supervisors,
//! over the store (`hotline-store`), plus `/healthz` for load balancers.
//!
//! Every endpoint is one row of [`endpoints`] (method, path, whether it needs a login token,
//! handler); the router is built from that table and nothing else, and the OpenAPI document
//! is checked against it by a unit test, so the two cannot drift. Handlers live in one module
//! per resource; the extractors in `extract` replace axum's rejections with the API's JSON
//! errors (`error`). Time comes from the clock in [`ApiState`], never from the system, so
//! tests run on a fake clock.
//!
//! To add an endpoint: write the handler in its resource module, add a row to [`endpoints`]
//! and a path to `openapi.json`.

mod acd;
mod agents;
mod audit_trail;
mod auth;
mod call_access;
mod calls;
mod campaigns;
mod control;
mod crews;
mod customers;
mod error;
mod extract;
mod followups;
mod health;
mod incidents;
mod ivr;
mod live;
mod metrics;
mod middleware;
mod monitor;
mod notice_recordings;
mod notices;
mod openapi;
mod pages;
mod preview;
mod qa;
mod reasons;
mod recordings;
mod reports;
mod teams;
mod throttle;
mod tickets;
mod wallboard;
mod webhooks;

pub use acd::{AcdError, AcdPort, AgentRequest, PortFuture};
pub use auth::LoginFigures;
pub use campaigns::{ops as campaign_ops, ImportView, Refused, RuleBody};
pub use control::{CallAction, CallPort, ControlError};
pub use error::ApiError;
pub use ivr::{TitleSource, Titles as IvrTitles};
pub use live::{LiveEvent, LiveSender, NoReaders, ScreenPop};
pub use metrics::MetricsPort;
pub use preview::{PreviewDecision, PreviewOffer, PreviewPort, PreviewRefusal};
pub use qa::{draw_week as draw_qa_week, week_of, QaSettings};
pub use reports::rules_of as report_rules_of;

use axum::extract::connect_info::IntoMakeServiceWithConnectInfo;
use axum::extract::DefaultBodyLimit;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{on, MethodFilter, MethodRouter};
use axum::Router;
use hotline_store::{Millis, Store};
use std::net::SocketAddr;
use std::sync::Arc;

/// Largest request body accepted, in bytes.
pub const MAX_BODY: usize = 64 * 1024;

/// What the handlers need: the store, the SIP realm (login passwords are checked against the
/// agents' SIP digest hashes, which include it) and the clock.
#[derive(Clone)]
pub struct ApiState {
    pub store: Store,
    pub realm: String,
    pub clock: Arc<dyn Fn() -> Millis + Send + Sync>,
    /// The engine's ACD router; `None`: the `/api/acd` endpoints answer 503.
    pub acd: Option<Arc<dyn AcdPort>>,
    /// The engine's call controller (call control from the desktop); `None`: 503.
    pub calls: Option<Arc<dyn CallPort>>,
    /// Where live events come from; `None`: `/api/events` answers 503.
    pub live: Option<LiveSender>,
    /// The engine's metrics; `None`: `/metrics` answers 503.
    pub metrics: Option<Arc<dyn MetricsPort>>,
    /// How often an open event stream checks its token again.
    pub live_recheck: std::time::Duration,
    /// The centre's time zone (the wallboard's "today" starts at its midnight).
    pub zone: hotline_time::Zone,
    /// The IVR nodes' titles (`GET /api/ivr/titles`); `None`: no IVR, none.
    pub ivr_titles: Option<ivr::TitleSource>,
    /// An agent must give the call's reasons before ending wrap-up from the desktop
    /// (`acd.wrapup_reasons_required`; only where the tree has reasons).
    pub reasons_required: bool,
    /// The folder the engine records calls into: `GET /api/calls/{id}/recording` serves
    /// files inside it only (`None`: none).
    pub recordings: Option<std::path::PathBuf>,
    /// Quality assessment's forms and sampling; `None`: the `/api/qa` endpoints answer 503.
    pub qa: Option<QaSettings>,
    /// The keys encrypted recordings are read with (the engine's current and older ones;
    /// empty: only plain recordings play).
    pub recording_keys: Arc<hotline_media::recording::Keyring>,
    /// Preview campaigns' offers to agents; `None`: the `/api/acd/me/preview` endpoints
    /// answer 503.
    pub preview: Option<Arc<dyn PreviewPort>>,
}

impl ApiState {
    /// The time now, from the clock given.
    pub fn now(&self) -> Millis {
        (self.clock)()
    }
}

/// What the handlers share: the state given, and what the API keeps itself (the login
/// throttle).
pub(crate) struct App {
    api: ApiState,
    pub(crate) logins: auth::Logins,
    /// The playbacks audited lately (one audit entry per playback, not per range request).
    pub(crate) plays: recordings::Plays,
}

impl std::ops::Deref for App {
    type Target = ApiState;
    fn deref(&self) -> &ApiState {
        &self.api
    }
}

/// The state the handlers share.
pub(crate) type Shared = Arc<App>;

/// The HTTP methods the API uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    Get,
    Post,
    Put,
    Delete,
}

impl Verb {
    pub fn method(self) -> Method {
        match self {
            Verb::Get => Method::GET,
            Verb::Post => Method::POST,
            Verb::Put => Method::PUT,
            Verb::Delete => Method::DELETE,
        }
    }
    fn filter(self) -> MethodFilter {
        match self {
            Verb::Get => MethodFilter::GET,
            Verb::Post => MethodFilter::POST,
            Verb::Put => MethodFilter::PUT,
            Verb::Delete => MethodFilter::DELETE,
        }
    }
}

/// One endpoint of the API.
pub struct Endpoint {
    pub verb: Verb,
    /// In axum's syntax: `/api/tickets/{id}`.
    pub path: &'static str,
    /// Reachable without a login token.
    pub public: bool,
    handler: MethodRouter<Shared>,
}

fn ep<H, T>(verb: Verb, path: &'static str, handler: H) -> Endpoint
where
    H: Handler<T, Shared>,
    T: 'static,
{
    Endpoint {
        verb,
        path,
        public: false,
        handler: on(verb.filter(), handler),
    }
}

/// The routes taking bodies larger than [`MAX_BODY`], with their limits: a notice's
/// recording, a campaign's list. The one place they are said: the routes' `DefaultBodyLimit`
/// and the early 413 on a declared length (`middleware`) both read it.
const LARGE_BODIES: [(&str, usize); 2] = [
    (
        notice_recordings::PATH,
        notice_recordings::MAX_RECORDING_BYTES,
    ),
    (campaigns::TARGETS_PATH, campaigns::MAX_LIST),
];

/// The largest body route `path` (axum's pattern) takes.
pub(crate) fn body_limit(path: &str) -> usize {
    LARGE_BODIES
        .iter()
        .find(|(p, _)| *p == path)
        .map_or(MAX_BODY, |(_, limit)| *limit)
}

/// An endpoint of [`LARGE_BODIES`], taking bodies up to its limit instead of [`MAX_BODY`].
fn large(mut e: Endpoint) -> Endpoint {
    e.handler = e.handler.layer(DefaultBodyLimit::max(body_limit(e.path)));
    e
}

fn public(mut e: Endpoint) -> Endpoint {
    e.public = true;
    e
}

/// Every endpoint the router serves.
pub fn endpoints() -> Vec<Endpoint> {
    use Verb::*;
    vec![
        public(ep(Get, "/healthz", health::healthz)),
        public(ep(Get, "/metrics", metrics::metrics)),
        public(ep(Post, "/api/login", auth::login)),
        ep(Post, "/api/logout", auth::logout),
        ep(Get, "/api/me", auth::me),
        public(ep(Get, "/api/openapi.json", openapi::document)),
        ep(Get, "/api/customers", customers::search),
        ep(Post, "/api/customers/search", customers::search_body),
        ep(Get, "/api/customers/{id}", customers::account),
        ep(
            Post,
            "/api/customers/{id}/readings",
            customers::submit_reading,
        ),
        ep(Get, "/api/districts", customers::districts),
        ep(Get, "/api/tickets", tickets::list),
        ep(Post, "/api/tickets", tickets::create),
        ep(Get, "/api/tickets/{id}", tickets::detail),
        ep(Post, "/api/tickets/{id}/transitions", tickets::transition),
        ep(Post, "/api/tickets/{id}/comments", tickets::comment),
        ep(Put, "/api/tickets/{id}/district", tickets::assign_district),
        ep(Get, "/api/followups/due", followups::due),
        ep(Post, "/api/followups/{id}/result", followups::record_result),
        ep(Post, "/api/followups/{id}/call", followups::call),
        ep(Get, "/api/calls", calls::list),
        ep(Get, "/api/calls/{id}", calls::detail),
        ep(Post, "/api/calls/{id}/tickets", calls::link_ticket),
        ep(Get, "/api/calls/{id}/recording", recordings::play),
        ep(Put, "/api/calls/{id}/legal_hold", recordings::legal_hold),
        ep(Get, "/api/agents", agents::list),
        ep(Get, "/api/directory", agents::directory),
        ep(Get, "/api/teams", teams::list),
        ep(Get, "/api/events", live::events),
        ep(Get, "/api/acd", acd::overview),
        ep(Get, "/api/wallboard", wallboard::wallboard),
        ep(Get, "/api/ivr/titles", ivr::titles),
        ep(Get, "/api/acd/me", acd::me),
        ep(Put, "/api/acd/me/state", acd::set_mine),
        ep(Put, "/api/acd/me/wrapup", reasons::wrapup),
        ep(Get, "/api/call-reasons", reasons::tree),
        ep(Get, "/api/reports/daily", reports::daily),
        ep(Get, "/api/reports/weekly", reports::weekly),
        ep(Get, "/api/reports/monthly", reports::monthly),
        ep(Get, "/api/calls/{id}/reasons", reasons::of_call),
        ep(Post, "/api/acd/me/call/hangup", control::hangup),
        ep(Post, "/api/acd/me/call/hold", control::hold),
        ep(Post, "/api/acd/me/call/transfer", control::transfer),
        ep(Post, "/api/acd/me/call/consult", control::consult),
        ep(Post, "/api/acd/me/call/complete", control::complete),
        ep(Post, "/api/acd/me/call/cancel", control::cancel),
        ep(Post, "/api/acd/me/call/conference", control::conference),
        ep(Post, "/api/acd/me/call/mute", control::mute),
        ep(Post, "/api/acd/me/dial", control::dial),
        ep(Get, "/api/acd/me/preview", preview::mine),
        ep(Post, "/api/acd/me/preview/dial", preview::dial),
        ep(Post, "/api/acd/me/preview/skip", preview::skip),
        ep(Put, "/api/acd/agents/{id}/state", acd::set_agent),
        ep(Put, "/api/acd/agents/{id}/monitor", monitor::start),
        ep(Delete, "/api/acd/agents/{id}/monitor", monitor::stop),
        ep(Get, "/api/audit", acd::audit),
        ep(Get, "/api/crew/tickets", crews::tickets),
        ep(Get, "/api/crew/events", crews::events),
        ep(Get, "/api/crew/reports", crews::reports),
        ep(Post, "/api/tickets/{id}/acknowledge", crews::acknowledge),
        ep(Get, "/api/crews", crews::list),
        ep(Post, "/api/crews", crews::create),
        ep(Get, "/api/webhooks/dead", webhooks::dead),
        ep(Post, "/api/webhooks/dead/{id}/retry", webhooks::retry),
        ep(Get, "/api/notices", notices::list),
        ep(Post, "/api/notices", notices::create),
        ep(Get, "/api/notices/{id}", notices::one),
        ep(Put, "/api/notices/{id}", notices::update),
        ep(Delete, "/api/notices/{id}", notices::end),
        large(ep(Put, notice_recordings::PATH, notice_recordings::put)),
        ep(Delete, notice_recordings::PATH, notice_recordings::delete),
        ep(Get, "/api/incidents", incidents::list),
        ep(Post, "/api/incidents", incidents::open),
        ep(Get, "/api/incidents/{id}", incidents::one),
        ep(Post, "/api/incidents/{id}/tickets", incidents::link),
        ep(Post, "/api/incidents/{id}/close", incidents::close),
        ep(Get, "/api/qa/forms", qa::forms),
        ep(Get, "/api/qa/work", qa::work),
        ep(Get, "/api/qa/evaluations", qa::list),
        ep(Post, "/api/qa/evaluations", qa::create),
        ep(Get, "/api/qa/evaluations/{id}", qa::one),
        ep(Put, "/api/qa/evaluations/{id}", qa::revise),
        ep(
            Post,
            "/api/qa/evaluations/{id}/acknowledge",
            qa::acknowledge,
        ),
        ep(Post, "/api/qa/evaluations/{id}/dispute", qa::dispute),
        ep(Post, "/api/qa/evaluations/{id}/resolve", qa::resolve),
        ep(Get, "/api/qa/calibration", qa::calibration),
        ep(Get, "/api/reports/qa", qa::report),
        ep(Get, "/api/campaigns", campaigns::list),
        ep(Post, "/api/campaigns", campaigns::create),
        ep(Get, "/api/campaigns/{id}", campaigns::one),
        large(ep(Post, campaigns::TARGETS_PATH, campaigns::upload)),
        ep(Get, "/api/campaigns/{id}/targets", campaigns::targets),
        ep(Get, "/api/campaigns/{id}/results", campaigns::results),
        ep(Post, "/api/campaigns/{id}/start", campaigns::start),
        ep(Post, "/api/campaigns/{id}/pause", campaigns::pause),
        ep(Post, "/api/campaigns/{id}/resume", campaigns::resume),
        ep(Post, "/api/campaigns/{id}/stop", campaigns::stop),
        ep(Get, "/api/do-not-call", campaigns::dnc_list),
        ep(Post, "/api/do-not-call", campaigns::add_dnc),
        ep(Delete, "/api/do-not-call/{id}", campaigns::remove_dnc),
    ]
}

/// The whole API: `/healthz` and the `/api` tree, with JSON errors for unknown paths and
/// methods, the body size limit, request logging and a panic guard. Serve it with
/// [`Router::into_make_service_with_connect_info`]`::<SocketAddr>` (or [`service`]): the login
/// throttle counts failures per client address.
pub fn router(state: ApiState) -> Router {
    let shared: Shared = Arc::new(App {
        api: state,
        logins: auth::Logins::new(throttle::ThrottlePolicy::default()),
        plays: recordings::Plays::default(),
    });
    let mut open = Router::new();
    let mut guarded = Router::new();
    for e in endpoints() {
        if e.public {
            open = open.route(e.path, e.handler);
        } else {
            guarded = guarded.route(e.path, e.handler);
        }
    }
    for path in pages::paths() {
        open = open.route(
            path,
            axum::routing::get(move || async move { pages::serve(path) }),
        );
    }
    let guarded = guarded.route_layer(axum::middleware::from_fn_with_state(
        shared.clone(),
        auth::require_token,
    ));
    open.merge(guarded)
        .fallback(middleware::no_route)
        .method_not_allowed_fallback(middleware::method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::from_fn(middleware::content_length_limit))
        .layer(axum::middleware::from_fn(middleware::log_request))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            middleware::panic_response,
        ))
        .with_state(shared)
}

/// The API as a service that knows each client's address, for `axum::serve`.
pub fn service(state: ApiState) -> IntoMakeServiceWithConnectInfo<Router, SocketAddr> {
    router(state).into_make_service_with_connect_info::<SocketAddr>()
}
