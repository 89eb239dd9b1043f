//! A preview campaign's run: offering a target to an agent of the campaign's queue (the
//! customer's account manager first, else the agent ready longest; none free: offered again
//! a little later), carrying out the agent's decision (dial: the attempt stored, the per-
//! customer limit taken, the call placed with the agent's phone first; skip: the target
//! skipped with the reason), and taking back offers not decided in time (the agent is made
//! not ready, as for an offer of a call left ringing).

use hotline_campaign::preview::{offer_to, DECIDE_WITHIN_MS, NO_AGENT_AGAIN_MS};
use hotline_campaign::{Action, Event, TargetId};
use hotline_web::{PreviewDecision, PreviewOffer};
use tracing::{info, warn};

use super::Run;
use crate::campaigns::preview::Decision;

impl Run {
    /// Offers `target` (attempt `attempt`) to a free agent; what the dialler says when none
    /// can take it.
    pub(super) async fn offer(
        &mut self,
        target: TargetId,
        attempt: u32,
        number: String,
        d: &mut hotline_campaign::Dialler,
    ) -> Vec<Action> {
        let now = self.now();
        let again = |d: &mut hotline_campaign::Dialler, at| {
            d.handle(
                now,
                Event::PreviewWithdrawn {
                    target,
                    attempt,
                    again_at: at,
                },
            )
        };
        let (Some(board), Some(agents), Some(queue)) = (
            self.env.preview.clone(),
            self.env.agents.clone(),
            self.preview_queue.clone(),
        ) else {
            return again(d, now + NO_AGENT_AGAIN_MS);
        };
        let Some(t) = self.targets.get(&target.0).cloned() else {
            return again(d, now + NO_AGENT_AGAIN_MS);
        };
        let ready = agents.ready(&queue).await.unwrap_or_default();
        if ready.is_empty() {
            return again(d, now + NO_AGENT_AGAIN_MS);
        }
        let manager = match self.env.store.customer_by_account(&t.account).await {
            Ok(c) => c.and_then(|c| c.manager_agent_id),
            Err(e) => {
                warn!(campaign = self.campaign.id, error = %e, "customer not read: no manager first");
                None
            }
        };
        let Some(agent) = offer_to(&ready, manager, &board.holding()) else {
            return again(d, now + NO_AGENT_AGAIN_MS);
        };
        let offer = PreviewOffer {
            campaign: self.campaign.id,
            campaign_name: self.campaign.name.clone(),
            target: t.id,
            account: t.account.clone(),
            number,
            data: t.data.clone(),
            offered_at: now,
            decide_by: now + DECIDE_WITHIN_MS,
            dialling: false,
        };
        if !board.put(agent, offer, attempt) {
            return again(d, now + NO_AGENT_AGAIN_MS);
        }
        info!(
            campaign = self.campaign.id,
            target = t.id,
            agent,
            manager = manager == Some(agent),
            "preview: offered to an agent"
        );
        Vec::new()
    }

    /// Carries out an agent's decision.
    pub(super) async fn decided(
        &mut self,
        d: &mut hotline_campaign::Dialler,
        decision: Decision,
    ) -> Vec<Action> {
        let now = self.now();
        let Decision {
            agent,
            target,
            attempt,
            decision,
        } = decision;
        match decision {
            PreviewDecision::Skip(reason) => {
                info!(
                    campaign = self.campaign.id,
                    target = target.0,
                    agent,
                    "preview: skipped"
                );
                d.handle(
                    now,
                    Event::PreviewSkipped {
                        target,
                        attempt,
                        reason,
                    },
                )
            }
            PreviewDecision::Dial => {
                let Some(number) = self.targets.get(&target.0).map(|t| t.number.clone()) else {
                    return Vec::new();
                };
                let number = super::canonical(&number);
                match self.start_attempt(target, attempt, &number, d).await {
                    Ok(()) => {
                        info!(
                            campaign = self.campaign.id,
                            target = target.0,
                            agent,
                            "preview: dialled"
                        );
                        let out = d.handle(now, Event::PreviewDialled { target, attempt });
                        self.place(target, attempt, number, Some(agent));
                        out
                    }
                    Err(out) => {
                        if let Some(board) = &self.env.preview {
                            board.remove(self.campaign.id, target);
                        }
                        out
                    }
                }
            }
        }
    }

    /// Takes back the offers not decided in time: each target is offered again at once
    /// (to another agent: the one who let it go, if still ready, is made not ready).
    pub(super) async fn expire_offers(
        &mut self,
        d: &mut hotline_campaign::Dialler,
        now: i64,
    ) -> Vec<Action> {
        let Some(board) = self.env.preview.clone() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let expired = board.expire(self.campaign.id, now);
        if expired.is_empty() {
            return out;
        }
        // Only an agent still ready (idle at the desk) is made not ready: one who took a call
        // meanwhile is busy, not away.
        let ready: Vec<i64> = match (&self.env.agents, &self.preview_queue) {
            (Some(agents), Some(queue)) => agents
                .ready(queue)
                .await
                .unwrap_or_default()
                .iter()
                .map(|a| a.agent)
                .collect(),
            _ => Vec::new(),
        };
        for (agent, target, attempt) in expired {
            info!(
                campaign = self.campaign.id,
                target = target.0,
                agent,
                "preview: not decided in time; offered again"
            );
            if let Some(agents) = self.env.agents.as_ref().filter(|_| ready.contains(&agent)) {
                agents.missed(agent).await;
            }
            out.extend(d.handle(
                now,
                Event::PreviewWithdrawn {
                    target,
                    attempt,
                    again_at: now,
                },
            ));
        }
        out
    }
}
