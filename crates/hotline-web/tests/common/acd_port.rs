//! The ACD port for API tests: the real pure router (`hotline_acd::Router`, one queue
//! `general`) behind a mutex, on the tests' fake clock, with a test able to feed it call
//! events. The engine's own port (its router task) is tested end to end in `tests/`.

use hotline_acd::{
    AgentId, AgentProfile, AgentSnapshot, Input, Output, QueueConfig, Router, Snapshot,
};
use hotline_store::Agent;
use hotline_web::{AcdError, AcdPort, AgentRequest, PortFuture};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

pub struct RouterPort {
    pub router: Mutex<Router>,
    pub clock: Arc<AtomicI64>,
}

impl RouterPort {
    pub fn new(clock: Arc<AtomicI64>) -> RouterPort {
        let mut q = QueueConfig::new("general");
        q.announce_secs = 0;
        q.wrap_up_secs = 30;
        RouterPort {
            router: Mutex::new(Router::new(vec![q])),
            clock,
        }
    }

    /// Feeds the router an input (a call event) as the controller would.
    pub fn feed(&self, input: Input) -> Vec<Output> {
        let now = self.clock.load(Ordering::SeqCst);
        self.router.lock().expect("router").handle(input, now)
    }

    fn apply(&self, agent: &Agent, request: AgentRequest) -> Result<AgentSnapshot, AcdError> {
        let id = AgentId(agent.id);
        let input = match request {
            AgentRequest::Login => Input::AgentLogin(AgentProfile {
                id,
                skills: agent
                    .skills
                    .iter()
                    .map(|(s, l)| (s.clone(), u8::try_from(*l).unwrap_or(10)))
                    .collect(),
                languages: vec![agent.language.clone()],
                queues: vec!["general".into()],
            }),
            AgentRequest::Logout => Input::AgentLogout(id),
            AgentRequest::Ready => Input::AgentReady(id),
            AgentRequest::NotReady(reason) => Input::AgentNotReady { agent: id, reason },
            AgentRequest::ReasonsGiven => Input::WrapUpReasons(id),
        };
        let outputs = self.feed(input);
        if let Some(r) = outputs.into_iter().find_map(|o| match o {
            Output::Refused(r) => Some(r),
            _ => None,
        }) {
            return Err(AcdError::Refused(r));
        }
        let router = self.router.lock().expect("router");
        router
            .agent(id)
            .ok_or(AcdError::Refused(hotline_acd::Refusal::UnknownAgent(id)))
    }
}

impl AcdPort for RouterPort {
    fn agent_request<'a>(
        &'a self,
        agent: &'a Agent,
        request: AgentRequest,
    ) -> PortFuture<'a, Result<AgentSnapshot, AcdError>> {
        let r = self.apply(agent, request);
        Box::pin(async move { r })
    }

    fn queues(&self) -> Vec<QueueConfig> {
        vec![QueueConfig::new("general")]
    }

    fn snapshot(&self) -> PortFuture<'_, Option<Snapshot>> {
        let now = self.clock.load(Ordering::SeqCst);
        let snap = self.router.lock().ok().map(|r| r.snapshot(now));
        Box::pin(async move { snap })
    }
}
