//! Preview campaigns' offers (issue 21): which customer each agent is offered now, shared by
//! the campaign runs (which make and take back offers) and the HTTP API (the agent's desk
//! reads its offer and decides: `hotline_web::PreviewPort`). A decision goes to the run of the
//! offer's campaign over its channel; every change is told to the agent's desk on the live
//! stream (`preview` event).

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use hotline_campaign::TargetId;
use hotline_web::{
    LiveEvent, LiveSender, PortFuture, PreviewDecision, PreviewOffer, PreviewPort, PreviewRefusal,
};
use tokio::sync::mpsc;

use super::FreeAgents;

/// An agent's decision on an offer, for the offer's campaign run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub agent: i64,
    pub target: TargetId,
    pub attempt: u32,
    pub decision: PreviewDecision,
}

struct Held {
    offer: PreviewOffer,
    attempt: u32,
}

#[derive(Default)]
struct Offers {
    /// By agent: one offer each.
    held: HashMap<i64, Held>,
    /// By campaign: where its run hears decisions.
    runs: HashMap<i64, mpsc::UnboundedSender<Decision>>,
}

/// The offers of every preview campaign.
pub struct PreviewBoard {
    offers: Mutex<Offers>,
    live: Option<LiveSender>,
    /// Whether an agent can take a call now (checked before a dial).
    agents: Option<Arc<dyn FreeAgents>>,
}

impl PreviewBoard {
    pub fn new(live: Option<LiveSender>, agents: Option<Arc<dyn FreeAgents>>) -> PreviewBoard {
        PreviewBoard {
            offers: Mutex::new(Offers::default()),
            live,
            agents,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Offers> {
        // A panic while holding it leaves plain data: go on with it.
        self.offers.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn tell(&self, agent: i64, offer: Option<PreviewOffer>) {
        if let Some(live) = &self.live {
            let _ = live.send(LiveEvent::Preview { agent, offer });
        }
    }

    /// Campaign `campaign`'s run starts: the decisions on its offers come on the receiver.
    pub fn open(&self, campaign: i64) -> mpsc::UnboundedReceiver<Decision> {
        let (tx, rx) = mpsc::unbounded_channel();
        self.lock().runs.insert(campaign, tx);
        rx
    }

    /// Campaign `campaign`'s run ends: its offers are taken back.
    pub fn close(&self, campaign: i64) {
        let gone: Vec<i64> = {
            let mut o = self.lock();
            o.runs.remove(&campaign);
            let agents: Vec<i64> = o
                .held
                .iter()
                .filter(|(_, h)| h.offer.campaign == campaign)
                .map(|(a, _)| *a)
                .collect();
            for a in &agents {
                o.held.remove(a);
            }
            agents
        };
        for a in gone {
            self.tell(a, None);
        }
    }

    /// The agents holding an offer (of any campaign).
    pub fn holding(&self) -> BTreeSet<i64> {
        self.lock().held.keys().copied().collect()
    }

    /// Offers `offer` (attempt `attempt` of its target) to `agent`; false when the agent
    /// holds one already.
    pub fn put(&self, agent: i64, offer: PreviewOffer, attempt: u32) -> bool {
        {
            let mut o = self.lock();
            if o.held.contains_key(&agent) {
                return false;
            }
            o.held.insert(
                agent,
                Held {
                    offer: offer.clone(),
                    attempt,
                },
            );
        }
        self.tell(agent, Some(offer));
        true
    }

    /// Takes back the offer of `target` (campaign `campaign`), whoever holds it.
    pub fn remove(&self, campaign: i64, target: TargetId) {
        let agent = {
            let mut o = self.lock();
            let agent = o
                .held
                .iter()
                .find(|(_, h)| h.offer.campaign == campaign && same(h, target))
                .map(|(a, _)| *a);
            if let Some(a) = agent {
                o.held.remove(&a);
            }
            agent
        };
        if let Some(a) = agent {
            self.tell(a, None);
        }
    }

    /// Takes back campaign `campaign`'s offers not decided by `now`: (agent, target,
    /// attempt) of each.
    pub fn expire(&self, campaign: i64, now: i64) -> Vec<(i64, TargetId, u32)> {
        let gone: Vec<(i64, TargetId, u32)> = {
            let mut o = self.lock();
            let late: Vec<(i64, TargetId, u32)> = o
                .held
                .iter()
                .filter(|(_, h)| {
                    h.offer.campaign == campaign && !h.offer.dialling && h.offer.decide_by <= now
                })
                .filter_map(|(a, h)| Some((*a, target_id(h)?, h.attempt)))
                .collect();
            for (a, _, _) in &late {
                o.held.remove(a);
            }
            late
        };
        for (a, _, _) in &gone {
            self.tell(*a, None);
        }
        gone
    }

    async fn decide_inner(
        &self,
        agent: i64,
        decision: PreviewDecision,
    ) -> Result<PreviewOffer, PreviewRefusal> {
        let dialling = |o: &Offers| -> Result<(), PreviewRefusal> {
            match o.held.get(&agent) {
                None => Err(PreviewRefusal::NoOffer),
                Some(h) if h.offer.dialling => Err(PreviewRefusal::Dialling),
                Some(_) => Ok(()),
            }
        };
        dialling(&self.lock())?;
        if decision == PreviewDecision::Dial {
            if let Some(agents) = &self.agents {
                agents
                    .can_dial(agent)
                    .await
                    .map_err(PreviewRefusal::NotNow)?;
            }
        }
        let (offer, sent) = {
            let mut o = self.lock();
            // Looked at again: it may have been taken back while the router was asked.
            dialling(&o)?;
            let Some(h) = o.held.get_mut(&agent) else {
                return Err(PreviewRefusal::NoOffer);
            };
            let Some(target) = target_id(h) else {
                return Err(PreviewRefusal::NoOffer);
            };
            let d = Decision {
                agent,
                target,
                attempt: h.attempt,
                decision: decision.clone(),
            };
            let campaign = h.offer.campaign;
            let offer = if decision == PreviewDecision::Dial {
                h.offer.dialling = true;
                h.offer.clone()
            } else {
                let offer = h.offer.clone();
                o.held.remove(&agent);
                offer
            };
            let sent = o.runs.get(&campaign).is_some_and(|tx| tx.send(d).is_ok());
            if !sent {
                o.held.remove(&agent);
            }
            (offer, sent)
        };
        if !sent {
            self.tell(agent, None);
            return Err(PreviewRefusal::NoOffer);
        }
        self.tell(
            agent,
            (decision == PreviewDecision::Dial).then(|| offer.clone()),
        );
        Ok(offer)
    }
}

fn target_id(h: &Held) -> Option<TargetId> {
    u64::try_from(h.offer.target).ok().map(TargetId)
}

fn same(h: &Held, target: TargetId) -> bool {
    target_id(h) == Some(target)
}

impl PreviewPort for PreviewBoard {
    fn offer(&self, agent: i64) -> Option<PreviewOffer> {
        self.lock().held.get(&agent).map(|h| h.offer.clone())
    }

    fn decide(
        &self,
        agent: i64,
        decision: PreviewDecision,
    ) -> PortFuture<'_, Result<PreviewOffer, PreviewRefusal>> {
        Box::pin(self.decide_inner(agent, decision))
    }
}
