//! The router as the HTTP API reaches it (`hotline_web::AcdPort`): desktop state changes go
//! to the router task as requests whose refusals come back; a login first (re)reads the agent
//! from the store, so an agent added or changed while the engine runs is routed with their
//! current skills, and tells the router whether their phone is registered already.

use hotline_acd::{AgentId, AgentSnapshot, Input, Output, Snapshot};
use hotline_store::Agent;
use hotline_web::{AcdError, AcdPort, AgentRequest, PortFuture};

use super::{profile, AcdHandle};

impl AcdHandle {
    async fn agent_request_inner(
        &self,
        agent: &Agent,
        request: AgentRequest,
    ) -> Result<AgentSnapshot, AcdError> {
        let id = AgentId(agent.id);
        let input = match request {
            AgentRequest::Login => {
                let queues = self.queues.read().map(|q| q.clone()).unwrap_or_default();
                let registered = match self.directory.write() {
                    Ok(mut d) => {
                        d.upsert(agent);
                        d.is_registered(&agent.sip_user)
                    }
                    Err(_) => false,
                };
                let (outputs, _) = self
                    .request(Input::AgentLogin(profile(agent, &queues)), id)
                    .await
                    .ok_or(AcdError::Unavailable)?;
                refusal(outputs)?;
                Input::AgentRegistered {
                    agent: id,
                    registered,
                }
            }
            AgentRequest::Logout => Input::AgentLogout(id),
            AgentRequest::Ready => Input::AgentReady(id),
            AgentRequest::NotReady(reason) => Input::AgentNotReady { agent: id, reason },
            AgentRequest::ReasonsGiven => Input::WrapUpReasons(id),
        };
        let (outputs, snap) = self.request(input, id).await.ok_or(AcdError::Unavailable)?;
        refusal(outputs)?;
        snap.ok_or(AcdError::Refused(hotline_acd::Refusal::UnknownAgent(id)))
    }
}

fn refusal(outputs: Vec<Output>) -> Result<(), AcdError> {
    match outputs.into_iter().find_map(|o| match o {
        Output::Refused(r) => Some(r),
        _ => None,
    }) {
        Some(r) => Err(AcdError::Refused(r)),
        None => Ok(()),
    }
}

impl AcdPort for AcdHandle {
    fn agent_request<'a>(
        &'a self,
        agent: &'a Agent,
        request: AgentRequest,
    ) -> PortFuture<'a, Result<AgentSnapshot, AcdError>> {
        Box::pin(self.agent_request_inner(agent, request))
    }

    fn snapshot(&self) -> PortFuture<'_, Option<Snapshot>> {
        Box::pin(AcdHandle::snapshot(self))
    }

    fn queues(&self) -> Vec<hotline_acd::QueueConfig> {
        self.queues.read().map(|q| q.clone()).unwrap_or_default()
    }
}

/// The free agents of a queue for a progressive campaign: ready there, less the callers
/// already waiting in it (they are offered first).
#[async_trait::async_trait]
impl crate::campaigns::FreeAgents for AcdHandle {
    async fn free(&self, queue: &str) -> Option<u32> {
        let snap = AcdHandle::snapshot(self).await?;
        let q = snap.queues.iter().find(|q| q.name == queue)?;
        Some(q.agents_ready.saturating_sub(q.waiting))
    }

    async fn ready(&self, queue: &str) -> Option<Vec<hotline_campaign::preview::ReadyAgent>> {
        let snap = AcdHandle::snapshot(self).await?;
        let queues = self.queues.read().ok()?.clone();
        let dir = self.directory.read().ok()?;
        let serves = |id: AgentId| {
            dir.get(id).is_some_and(|c| {
                profile(&c.record, &queues)
                    .queues
                    .iter()
                    .any(|q| q == queue)
            })
        };
        Some(
            snap.agents
                .iter()
                .filter_map(|a| match a.state {
                    hotline_acd::AgentState::Ready { since } if a.registered && serves(a.id) => {
                        Some(hotline_campaign::preview::ReadyAgent {
                            agent: a.id.0,
                            since,
                        })
                    }
                    _ => None,
                })
                .collect(),
        )
    }

    async fn missed(&self, agent: i64) {
        self.send(Input::AgentNotReady {
            agent: AgentId(agent),
            reason: hotline_acd::NotReadyReason::Missed,
        });
    }

    async fn can_dial(&self, agent: i64) -> Result<(), String> {
        let snap = AcdHandle::snapshot(self)
            .await
            .ok_or_else(|| "the ACD is not running".to_string())?;
        let a = snap
            .agents
            .iter()
            .find(|a| a.id == AgentId(agent))
            .ok_or_else(|| "you are not logged in to the ACD".to_string())?;
        if !a.registered {
            return Err("your phone is not registered".into());
        }
        match a.state {
            hotline_acd::AgentState::Ready { .. } | hotline_acd::AgentState::NotReady { .. } => {
                Ok(())
            }
            _ => Err("you are on a call or in wrap-up".into()),
        }
    }
}
