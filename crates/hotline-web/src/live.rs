//! The live event stream for the agent desktop and the supervisors' wallboard:
//! `GET /api/events` (Server-Sent Events, `text/event-stream`). The login token goes in the
//! `Authorization` header like every other call (the pages read the stream with `fetch`, not
//! `EventSource`, so no token ever appears in a URL); the stream starts with an `overview`
//! (every queue and agent now), so a page that reconnects after a network drop is in step
//! again at once, and sends a fresh `overview` whenever it fell behind. Agents receive their
//! own state changes and screen pops and overviews of the queues with only themselves among
//! the agents; supervisors everything. The token is checked again every `recheck`: a revoked
//! or expired one ends the stream. An event is turned into JSON once, when it is published,
//! however many desktops follow the stream. Supervisors also receive an `escalation` event
//! whenever the escalation sweep raises a ticket (a missed deadline, level 1 or 2), from the
//! store's ticket changes, for the banner on the wall and on their desks.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use crate::error::{ApiError, ApiResult};
use crate::extract::{Authed, Params};
use crate::Shared;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::{self, Stream};
use hotline_acd::{AgentState, Snapshot};
use hotline_store::changes::TicketChange;
use hotline_store::{Milestone, Millis, Role, Ticket};
use serde::Serialize;
use tokio::sync::broadcast;

/// Where the engine publishes live events (a broadcast channel: slow readers lag, they never
/// hold the engine up).
#[derive(Debug, Clone)]
pub struct LiveSender {
    tx: broadcast::Sender<Arc<Published>>,
}

/// Nobody follows the stream now (the event was dropped).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoReaders;

/// An event as the streams send it: its name, who may see it, its JSON.
#[derive(Debug)]
struct Published {
    name: &'static str,
    body: Body,
}

#[derive(Debug)]
enum Body {
    /// For supervisors and this one agent.
    Agent(i64, String),
    /// An overview: the whole for supervisors; for an agent, the queues and that agent.
    Overview(OverviewJson),
}

/// An overview in JSON, in parts: `head` is the event up to the agents' list (open), `agents`
/// each agent's entry.
#[derive(Debug)]
struct OverviewJson {
    head: String,
    agents: Vec<(i64, String)>,
}

impl OverviewJson {
    fn new(snap: &Snapshot) -> OverviewJson {
        #[derive(Serialize)]
        struct Head<'a> {
            r#type: &'static str,
            at: hotline_acd::Millis,
            queues: &'a [hotline_acd::QueueSnapshot],
        }
        let head = Head {
            r#type: "overview",
            at: snap.at,
            queues: &snap.queues,
        };
        let mut head = serde_json::to_string(&head).unwrap_or_else(|_| "{".into());
        head.pop(); // the closing brace
        head.push_str(if head.len() > 1 {
            ",\"agents\":["
        } else {
            "\"agents\":["
        });
        let agents = snap
            .agents
            .iter()
            .map(|a| {
                (
                    a.id.0,
                    serde_json::to_string(a).unwrap_or_else(|_| "{}".into()),
                )
            })
            .collect();
        OverviewJson { head, agents }
    }

    /// The JSON `who` receives.
    fn for_reader(&self, who: &hotline_store::Agent) -> String {
        let mut out = self.head.clone();
        if who.role >= Role::Supervisor {
            for (i, (_, a)) in self.agents.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(a);
            }
        } else if let Some((_, a)) = self.agents.iter().find(|(id, _)| *id == who.id) {
            out.push_str(a);
        }
        out.push_str("]}");
        out
    }
}

impl LiveSender {
    /// A channel that keeps the last `backlog` events for readers that fall behind.
    pub fn new(backlog: usize) -> LiveSender {
        LiveSender {
            tx: broadcast::channel(backlog).0,
        }
    }

    /// Publishes `ev` to every open stream; how many there are.
    pub fn send(&self, ev: LiveEvent) -> Result<usize, NoReaders> {
        if self.tx.receiver_count() == 0 {
            return Err(NoReaders);
        }
        let json = || serde_json::to_string(&ev).unwrap_or_else(|_| "{}".into());
        let body = match &ev {
            LiveEvent::AgentState { agent, .. } => Body::Agent(*agent, json()),
            LiveEvent::Offer(pop) => Body::Agent(pop.agent, json()),
            LiveEvent::CallNotice { agent, .. } => Body::Agent(*agent, json()),
            LiveEvent::Preview { agent, .. } => Body::Agent(*agent, json()),
            LiveEvent::Overview(snap) => Body::Overview(OverviewJson::new(snap)),
        };
        let published = Published {
            name: ev.name(),
            body,
        };
        self.tx.send(Arc::new(published)).map_err(|_| NoReaders)
    }

    /// Open streams.
    pub fn readers(&self) -> usize {
        self.tx.receiver_count()
    }
}

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
    /// Something the agent must know about their call: `callback_customer_busy` (the callback's
    /// customer line is busy) or `callback_no_answer`; the agent's leg is then hung up.
    CallNotice {
        agent: i64,
        call: u64,
        notice: String,
    },
    /// A preview campaign's offer to the agent changed: the offer held now (`None`: taken
    /// back or decided).
    Preview {
        agent: i64,
        offer: Option<crate::PreviewOffer>,
    },
}

pub use hotline_core::desk::ScreenPop;

impl LiveEvent {
    /// The event's name on the stream.
    fn name(&self) -> &'static str {
        match self {
            LiveEvent::AgentState { .. } => "agent_state",
            LiveEvent::Offer(_) => "offer",
            LiveEvent::Overview(_) => "overview",
            LiveEvent::CallNotice { .. } => "call_notice",
            LiveEvent::Preview { .. } => "preview",
        }
    }
}

impl Published {
    /// The event as `who` receives it, if at all.
    fn for_reader(&self, who: &hotline_store::Agent) -> Option<Event> {
        let event = Event::default().event(self.name);
        match &self.body {
            Body::Agent(agent, json) if *agent == who.id || who.role >= Role::Supervisor => {
                Some(event.data(json))
            }
            Body::Agent(..) => None,
            Body::Overview(o) => Some(event.data(o.for_reader(who))),
        }
    }
}

/// A ticket the escalation sweep raised, as supervisors receive it.
#[derive(Debug, Serialize)]
pub struct Escalation {
    r#type: &'static str,
    ticket_id: i64,
    /// The ticket's escalation level now (1: a deadline missed, 2: missed by the policy's
    /// multiple of its limit).
    level: i64,
    kind: String,
    priority: String,
    district_id: Option<i64>,
    /// The deadlines missed.
    overdue: Vec<Milestone>,
    due_on_site_at: Option<Millis>,
    /// Why, when it is not a missed deadline: `dispatch_unacknowledged` (the district's
    /// dispatch phone never acknowledged the dispatch).
    reason: Option<&'static str>,
    at: Millis,
}

impl Escalation {
    pub fn new(t: &Ticket, at: Millis) -> Escalation {
        Escalation {
            reason: None,
            r#type: "escalation",
            ticket_id: t.id,
            level: t.escalation_level,
            kind: t.kind.clone(),
            priority: t.priority.clone(),
            district_id: t.district_id,
            overdue: t.overdue.clone(),
            due_on_site_at: t.due_on_site_at,
            at,
        }
    }
}

/// What the stream does next.
struct Reader {
    rx: broadcast::Receiver<Arc<Published>>,
    /// The store's ticket changes, for supervisors (escalations).
    changes: Option<broadcast::Receiver<TicketChange>>,
    state: Shared,
    who: Authed,
    /// Send an overview before anything else (at the start, and after lagging).
    resync: bool,
    next_check: tokio::time::Instant,
}

/// The overview now, as `who` receives it.
async fn overview(state: &Shared, who: &hotline_store::Agent) -> Option<Event> {
    let port = state.acd.as_deref()?;
    let snap = port.snapshot().await?;
    let json = OverviewJson::new(&snap).for_reader(who);
    Some(Event::default().event("overview").data(json))
}

impl Reader {
    /// The `escalation` event for a change that is one.
    async fn escalation(&self, change: &TicketChange) -> Option<Event> {
        let reason = match change.what.as_str() {
            "escalated" => None,
            "dispatch_unacknowledged" => Some("dispatch_unacknowledged"),
            _ => return None,
        };
        let now = self.state.now();
        let t = self
            .state
            .store
            .ticket(change.ticket_id, now)
            .await
            .ok()??;
        let json = serde_json::to_string(&Escalation {
            reason,
            ..Escalation::new(&t, change.at)
        })
        .ok()?;
        Some(Event::default().event("escalation").data(json))
    }

    /// The next event to send; `None` ends the stream.
    async fn next(&mut self) -> Option<Event> {
        loop {
            if self.resync {
                self.resync = false;
                if let Some(ev) = overview(&self.state, &self.who.agent).await {
                    return Some(ev);
                }
            }
            let (rx, changes) = (&mut self.rx, &mut self.changes);
            let next_change = async {
                match changes.as_mut() {
                    Some(rx) => rx.recv().await,
                    None => std::future::pending().await,
                }
            };
            let recv = tokio::select! {
                r = tokio::time::timeout_at(self.next_check, rx.recv()) => r,
                c = next_change => {
                    match c {
                        Ok(change) => {
                            if let Some(ev) = self.escalation(&change).await {
                                return Some(ev);
                            }
                        }
                        // Missed changes: the wall polls its list anyway.
                        Err(broadcast::error::RecvError::Lagged(_)) => {}
                        Err(broadcast::error::RecvError::Closed) => self.changes = None,
                    }
                    continue;
                }
            };
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
                Ok(Ok(ev)) => {
                    if let Some(ev) = ev.for_reader(&self.who.agent) {
                        return Some(ev);
                    }
                }
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
    let changes =
        (who.agent.role >= Role::Supervisor).then(|| s.store.ticket_changes().subscribe());
    let reader = Reader {
        rx: live.tx.subscribe(),
        changes,
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
