//! The live event stream for the agent desktop and the supervisors' wallboard:
//! `GET /api/events` (Server-Sent Events, `text/event-stream`). The login token goes in the
//! `Authorization` header like every other call (the pages read the stream with `fetch`, not
//! `EventSource`, so no token ever appears in a URL); the stream starts with an `overview`
//! (every queue and agent now), so a page that reconnects after a network drop is in step
//! again at once, and sends a fresh `overview` whenever it fell behind. Agents receive their
//! own state changes and screen pops and the overviews; supervisors everything. The token is
//! checked again every `recheck`: a revoked or expired one ends the stream.

use std::convert::Infallible;
use std::time::Duration;

use crate::error::{ApiError, ApiResult};
use crate::extract::{Authed, Params};
use crate::Shared;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::{self, Stream};
use hotline_acd::{AgentState, Snapshot};
use hotline_store::Role;
use serde::Serialize;
use tokio::sync::broadcast;

/// Where the engine publishes live events (a broadcast channel: slow readers lag, they never
/// hold the engine up).
pub type LiveSender = broadcast::Sender<LiveEvent>;

/// One live event, as JSON with a `type` field.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LiveEvent {
    /// An agent's state changed (the router's word for it).
    AgentState { agent: i64, state: AgentState },
    /// An agent's phone is being rung for a call: what the screen pop needs to look up.
    Offer(ScreenPop),
    /// The queues and agents now.
    Overview(Snapshot),
}

/// The call an agent is offered.
#[derive(Debug, Clone, Serialize)]
pub struct ScreenPop {
    pub agent: i64,
    /// The engine's call id (as in the `X-Hotline-Call` header the phone receives).
    pub call: u64,
    /// The reference of the call's record (`GET /api/calls?call_ref=`); none for calls the
    /// engine places (callbacks).
    pub call_ref: Option<String>,
    /// The calling number (for a callback: the number being called back).
    pub caller: String,
    /// The customer the IVR identified.
    pub customer_account: Option<String>,
    pub queue: String,
    /// Why the caller asked for a person (the flow's `reason`).
    pub reason: String,
    /// The IVR nodes the caller went through, `flow/node` joined by `>`.
    pub ivr_path: String,
    /// A callback the engine is making (the customer is dialled once the agent answers).
    pub callback: bool,
}

impl LiveEvent {
    /// Whether `who` may see this event.
    fn visible_to(&self, who: &hotline_store::Agent) -> bool {
        if who.role >= Role::Supervisor {
            return true;
        }
        match self {
            LiveEvent::AgentState { agent, .. } => *agent == who.id,
            LiveEvent::Offer(pop) => pop.agent == who.id,
            LiveEvent::Overview(_) => true,
        }
    }
}

/// What the stream does next.
struct Reader {
    rx: broadcast::Receiver<LiveEvent>,
    state: Shared,
    who: Authed,
    /// Send an overview before anything else (at the start, and after lagging).
    resync: bool,
    next_check: tokio::time::Instant,
}

fn json_event(ev: &LiveEvent) -> Event {
    let name = match ev {
        LiveEvent::AgentState { .. } => "agent_state",
        LiveEvent::Offer(_) => "offer",
        LiveEvent::Overview(_) => "overview",
    };
    Event::default()
        .event(name)
        .json_data(ev)
        .unwrap_or_else(|_| Event::default().event(name).data("{}"))
}

async fn overview(state: &Shared) -> Option<LiveEvent> {
    let port = state.acd.as_deref()?;
    port.snapshot().await.map(LiveEvent::Overview)
}

impl Reader {
    /// The next event to send; `None` ends the stream.
    async fn next(&mut self) -> Option<Event> {
        loop {
            if self.resync {
                self.resync = false;
                if let Some(ev) = overview(&self.state).await {
                    return Some(json_event(&ev));
                }
            }
            let recv = tokio::time::timeout_at(self.next_check, self.rx.recv()).await;
            match recv {
                Err(_) => {
                    // Time to check the token again.
                    let now = self.state.now();
                    if self
                        .state
                        .store
                        .agent_for_token(&self.who.token, now)
                        .await
                        .is_err()
                    {
                        return None;
                    }
                    self.next_check = tokio::time::Instant::now() + self.state.live_recheck;
                }
                Ok(Ok(ev)) if ev.visible_to(&self.who.agent) => return Some(json_event(&ev)),
                Ok(Ok(_)) => {}
                Ok(Err(broadcast::error::RecvError::Lagged(_))) => self.resync = true,
                Ok(Err(broadcast::error::RecvError::Closed)) => return None,
            }
        }
    }
}

/// `GET /api/events`.
pub async fn events(
    State(s): State<Shared>,
    who: Authed,
    q: Params,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    q.only(&[])?;
    let Some(live) = &s.live else {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "no live events here",
        ));
    };
    let reader = Reader {
        rx: live.subscribe(),
        next_check: tokio::time::Instant::now() + s.live_recheck,
        state: s.clone(),
        who,
        resync: true,
    };
    let stream = stream::unfold(reader, |mut r| async move {
        let ev = r.next().await?;
        Some((Ok(ev), r))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}
