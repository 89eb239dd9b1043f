//! What the call core may ask the shell without waiting (`hotline_call::control::Env`): call
//! ids from the SIP core, RTP ports bound at once (kept in [`Bound`] until the call's dial or
//! leg takes them), and read-only views of the agents' directory, the queues, the flows and the
//! prompts.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

use hotline_acd::AgentId;
use hotline_call::control::{AgentInfo, Env};
use hotline_core::CallId;
use hotline_ivr::FlowSet;
use hotline_media::ports::{PortAllocator, PortLease};
use hotline_sip::SipHandle;
use tokio::net::UdpSocket;
use tracing::{debug, warn};

use super::ControllerConfig;

/// Ports the core had bound for calls it places, until the shell dials them.
#[derive(Debug, Clone, Default)]
pub(super) struct Bound(Arc<Mutex<HashMap<CallId, (PortLease, UdpSocket)>>>);

impl Bound {
    pub fn take(&self, call: CallId) -> Option<(PortLease, UdpSocket)> {
        self.0.lock().ok()?.remove(&call)
    }

    fn put(&self, call: CallId, bound: (PortLease, UdpSocket)) {
        if let Ok(mut m) = self.0.lock() {
            m.insert(call, bound);
        }
    }
}

pub(super) struct ShellEnv {
    sip: SipHandle,
    ports: Arc<PortAllocator>,
    bind: IpAddr,
    bound: Bound,
    acd: Option<crate::acd::AcdHandle>,
    ivr: Option<super::ivr::IvrRuntime>,
    log: Option<super::call_log::CallLog>,
}

impl ShellEnv {
    pub fn new(
        cfg: &ControllerConfig,
        sip: &SipHandle,
        ports: &Arc<PortAllocator>,
        bound: Bound,
    ) -> ShellEnv {
        ShellEnv {
            sip: sip.clone(),
            ports: Arc::clone(ports),
            bind: cfg.media_bind,
            bound,
            acd: cfg.acd.clone(),
            ivr: cfg.ivr.clone(),
            log: cfg.call_log.clone(),
        }
    }
}

impl Env for ShellEnv {
    fn new_call_id(&mut self) -> CallId {
        self.sip.new_call_ref()
    }

    fn bind_port(&mut self, call: CallId) -> bool {
        match bind_port(&self.ports, self.bind) {
            Some(b) => {
                self.bound.put(call, b);
                true
            }
            None => false,
        }
    }

    fn agent(&self, id: AgentId) -> Option<AgentInfo> {
        let card = self.acd.as_ref()?.card(id)?;
        Some(AgentInfo {
            sip_user: card.sip_user,
            staff_no: card.staff_no,
            language: card.record.language,
            role: card.record.role.as_str().to_string(),
        })
    }

    fn agent_for_sip_user(&self, user: &str) -> Option<AgentId> {
        self.acd.as_ref()?.agent_for_sip_user(user)
    }

    fn phone_registered(&self, agent: AgentId) -> bool {
        self.acd
            .as_ref()
            .is_some_and(|acd| acd.phone_registered(agent))
    }

    fn queue_names(&self) -> Vec<String> {
        self.acd
            .as_ref()
            .map(crate::acd::AcdHandle::queue_names)
            .unwrap_or_default()
    }

    fn queue_hours(&self, queue: &str) -> Option<hotline_call::control::QueueHours> {
        self.acd.as_ref()?.queue_hours(queue)
    }

    fn flows(&self) -> Option<Arc<FlowSet>> {
        self.ivr.as_ref().map(super::ivr::IvrRuntime::current)
    }

    fn has_prompt(&self, folder: &str, name: &str) -> bool {
        self.ivr
            .as_ref()
            .is_some_and(|rt| rt.prompt(folder, name).is_some())
    }

    fn call_ref(&self, call: CallId) -> Option<String> {
        self.log.as_ref().map(|l| l.call_ref(call))
    }
}

/// A leased port with its socket bound; a port some other program holds is skipped, and every
/// free port of the pool is tried before giving up. Binding a given address does not block, so
/// the controller loop (which cannot wait) can call it.
pub(super) fn bind_port(ports: &PortAllocator, bind: IpAddr) -> Option<(PortLease, UdpSocket)> {
    let bound = ports.allocate_bound(
        ports.capacity(),
        |port| {
            std::net::UdpSocket::bind(SocketAddr::new(bind, port))
                .and_then(|s| s.set_nonblocking(true).map(|()| s))
                .and_then(UdpSocket::from_std)
        },
        |port, e| debug!(port, error = %e, "RTP port busy; trying another"),
    );
    if bound.is_none() && ports.available() > 0 {
        warn!(
            free = ports.available(),
            "no free RTP port could be bound (held by other programs?)"
        );
    }
    bound
}
