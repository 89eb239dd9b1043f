//! The wrap-up each call cost its agent: the router reports agents' states (on a call, in
//! wrap-up, then ready or not ready); the wrap-up that follows a call is that call's
//! `wrapup_ms`, known only once it ends (often after the call's record was written).

use std::collections::HashMap;

use hotline_core::{CallId, UnixMs};

#[derive(Debug, Default, Clone, Copy)]
struct Track {
    call: Option<CallId>,
    wrap_since: Option<UnixMs>,
}

/// Per agent: the last call and when its wrap-up began.
#[derive(Debug, Default)]
pub struct WrapUps {
    agents: HashMap<i64, Track>,
}

/// An agent's state as the router names it, with what the wrap-up needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgentPhase {
    OnCall(CallId),
    WrapUp,
    /// Ready, not ready, logged out, reserved.
    Other,
}

impl WrapUps {
    /// The agent entered `phase` at `since`; when that ends a wrap-up, the call it followed and
    /// its length.
    pub fn observe(
        &mut self,
        agent: i64,
        phase: AgentPhase,
        since: UnixMs,
    ) -> Option<(CallId, i64)> {
        let t = self.agents.entry(agent).or_default();
        match phase {
            AgentPhase::OnCall(call) => {
                *t = Track {
                    call: Some(call),
                    wrap_since: None,
                };
                None
            }
            AgentPhase::WrapUp => {
                if t.call.is_some() {
                    t.wrap_since = Some(since);
                }
                None
            }
            AgentPhase::Other => {
                // Straight from the call (a queue without wrap-up): none spent.
                let done = match (t.call, t.wrap_since) {
                    (Some(call), Some(from)) => Some((call, (since - from).max(0))),
                    (Some(call), None) => Some((call, 0)),
                    _ => None,
                };
                self.agents.remove(&agent);
                done
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wrap_up_after_a_call_is_that_calls() {
        let mut w = WrapUps::default();
        assert_eq!(w.observe(1, AgentPhase::OnCall(CallId(9)), 1_000), None);
        assert_eq!(w.observe(1, AgentPhase::WrapUp, 5_000), None);
        assert_eq!(
            w.observe(1, AgentPhase::Other, 35_000),
            Some((CallId(9), 30_000))
        );
        // Not twice, and nothing without a call.
        assert_eq!(w.observe(1, AgentPhase::Other, 40_000), None);
        assert_eq!(w.observe(2, AgentPhase::WrapUp, 1_000), None);
        assert_eq!(w.observe(2, AgentPhase::Other, 2_000), None);
        // A queue without wrap-up: the call cost none.
        assert_eq!(w.observe(3, AgentPhase::OnCall(CallId(4)), 1_000), None);
        assert_eq!(w.observe(3, AgentPhase::Other, 9_000), Some((CallId(4), 0)));
    }
}
