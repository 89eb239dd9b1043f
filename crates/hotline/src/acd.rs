//! The ACD's shell: one task owns the pure router (`hotline_acd::Router`), feeds it the
//! inputs the controller (and later the desktop) sends, wakes it at its next deadline, and
//! hands its outputs to the controller. The agents come from the store: who they are on SIP,
//! their staff number for the announcement, their skills, and the queues they serve (every
//! queue whose required skills they have).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use hotline_acd::{AgentId, AgentProfile, Input, Output, QueueConfig, Router};
use hotline_store::Agent;
use tokio::sync::mpsc;
use tracing::{debug, info};

use crate::storage::now_ms;

/// An agent as the controller needs it: who to ring, what to announce.
#[derive(Debug, Clone)]
pub struct AgentCard {
    pub id: AgentId,
    pub sip_user: String,
    pub staff_no: String,
    pub name: String,
}

/// The agents, by id and by SIP user.
#[derive(Debug, Default)]
pub struct Directory {
    by_id: HashMap<AgentId, AgentCard>,
    by_sip: HashMap<String, AgentId>,
}

impl Directory {
    pub fn new(agents: &[Agent]) -> Directory {
        let mut d = Directory::default();
        for a in agents {
            let card = AgentCard {
                id: AgentId(a.id),
                sip_user: a.sip_user.clone(),
                staff_no: a.staff_no.clone(),
                name: a.name.clone(),
            };
            d.by_sip.insert(a.sip_user.clone(), card.id);
            d.by_id.insert(card.id, card);
        }
        d
    }

    pub fn get(&self, id: AgentId) -> Option<&AgentCard> {
        self.by_id.get(&id)
    }

    pub fn by_sip_user(&self, user: &str) -> Option<AgentId> {
        self.by_sip.get(user).copied()
    }
}

/// An agent's profile for the router: skills, language, and the queues whose required
/// skills (levels aside) the agent has.
pub fn profile(a: &Agent, queues: &[QueueConfig]) -> AgentProfile {
    let skills: BTreeMap<String, u8> = a
        .skills
        .iter()
        .map(|(s, l)| (s.clone(), (*l).clamp(0, 10) as u8))
        .collect();
    let serves = queues
        .iter()
        .filter(|q| {
            q.skills
                .iter()
                .filter(|(_, level)| **level > 0)
                .all(|(s, _)| skills.get(s).is_some_and(|l| *l > 0))
        })
        .map(|q| q.name.clone())
        .collect();
    AgentProfile {
        id: AgentId(a.id),
        skills,
        languages: vec![a.language.clone()],
        queues: serves,
    }
}

/// Sends inputs to the router task. Cheap to clone.
#[derive(Debug, Clone)]
pub struct AcdHandle {
    tx: mpsc::UnboundedSender<Input>,
    pub directory: Arc<Directory>,
}

impl AcdHandle {
    pub fn send(&self, input: Input) {
        let _ = self.tx.send(input);
    }
}

/// The queues the shipped flows transfer to, until the `[acd]` configuration section lands:
/// general, billing (billing skill 2), repairs, and key accounts (the account manager for
/// 20 s, then any key-account agent until 60 s, then anyone).
const DEFAULT_QUEUES: &str = r#"
[[queues]]
name = "general"
skills = { general = 1 }

[[queues]]
name = "billing"
skills = { billing = 2 }
relax = [{ after_secs = 60, by = 1 }]

[[queues]]
name = "repairs"
skills = { repair = 1 }

[[queues]]
name = "key_accounts"
key_account_boost = 30
steps = [
  { after_secs = 0, preferred_only = true, tier = "key_account" },
  { after_secs = 20, skills = { key_account = 1 } },
  { after_secs = 60, skills = { general = 1 } },
]
"#;

#[derive(serde::Deserialize)]
struct QueuesFile {
    queues: Vec<QueueConfig>,
}

/// The built-in queues (checked by a test).
pub fn default_queues() -> Vec<QueueConfig> {
    match toml::from_str::<QueuesFile>(DEFAULT_QUEUES) {
        Ok(f) => f.queues,
        Err(e) => {
            tracing::error!(error = %e, "built-in queues do not parse");
            Vec::new()
        }
    }
}

/// Starts the router task; its outputs go to `out`.
pub fn spawn(
    queues: Vec<QueueConfig>,
    agents: &[Agent],
    out: impl Fn(Output) + Send + 'static,
) -> AcdHandle {
    let mut router = Router::new(queues.clone());
    let now = now_ms();
    for a in agents {
        let p = profile(a, &queues);
        debug!(agent = a.id, queues = ?p.queues, "agent known to the ACD");
        for o in router.handle(Input::AgentLogin(p), now) {
            out(o);
        }
    }
    info!(queues = queues.len(), agents = agents.len(), "ACD started");
    let (tx, mut rx) = mpsc::unbounded_channel::<Input>();
    tokio::spawn(async move {
        loop {
            let wake = router.next_deadline();
            let input = match wake {
                Some(at) => {
                    let wait = (at - now_ms()).max(0) as u64;
                    tokio::select! {
                        i = rx.recv() => i,
                        _ = tokio::time::sleep(std::time::Duration::from_millis(wait)) => Some(Input::Tick),
                    }
                }
                None => rx.recv().await,
            };
            let Some(input) = input else { break };
            for o in router.handle(input, now_ms()) {
                out(o);
            }
        }
    });
    AcdHandle {
        tx,
        directory: Arc::new(Directory::new(agents)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_queues_parse_and_validate() {
        let q = default_queues();
        assert_eq!(q.len(), 4);
        hotline_acd::validate(&q).expect("valid queues");
    }
}
