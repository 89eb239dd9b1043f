//! How a session ended, for containment — the IVR's share of "calls finished without an
//! agent". Designers mark the nodes that serve the caller (`served: true` on a `play`,
//! `lookup` or `ticket`); a call that completed one is self-served whether the flow or the
//! caller then ends it, unless the flow hands it to a queue. Without one, the caller who
//! hangs up abandoned the IVR, and a flow that hangs up (the closed-hours message, a caller
//! who chose nothing) left the caller unserved. The engine's `/metrics`, the call records'
//! dispositions and `hotline flow test` all use this one decision.

/// How a session ended, for containment: the words `/metrics` and the call record use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The caller had at least one self-service action (a node marked `served`), and then
    /// the flow or the caller ended the call.
    SelfServed,
    /// The flow handed the call to an agent queue (whatever was served before).
    Transferred,
    /// The caller hung up before any self-service action.
    Abandoned,
    /// The flow itself hung up before any self-service action: e.g. outside office hours
    /// after the closed-hours message, or a caller who chose nothing.
    Unserved,
}

impl Outcome {
    /// The outcome's name (`self_served`, `transferred`, `abandoned`, `unserved`).
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::SelfServed => "self_served",
            Outcome::Transferred => "transferred",
            Outcome::Abandoned => "abandoned",
            Outcome::Unserved => "unserved",
        }
    }
}

/// Who ended a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum EndedBy {
    /// The flow hung up (including a caller who hung up over the flow's last prompts).
    Flow,
    Transfer,
    Caller,
}

impl Outcome {
    /// The outcome of a session ended by `by`, `served` or not.
    pub(super) fn of(by: EndedBy, served: bool) -> Outcome {
        match (by, served) {
            (EndedBy::Transfer, _) => Outcome::Transferred,
            (_, true) => Outcome::SelfServed,
            (EndedBy::Caller, false) => Outcome::Abandoned,
            (EndedBy::Flow, false) => Outcome::Unserved,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn served_decides_unless_the_flow_transfers() {
        use EndedBy::*;
        let cases = [
            (Flow, true, Outcome::SelfServed),
            (Caller, true, Outcome::SelfServed),
            (Transfer, true, Outcome::Transferred),
            (Transfer, false, Outcome::Transferred),
            (Caller, false, Outcome::Abandoned),
            (Flow, false, Outcome::Unserved),
        ];
        for (by, served, want) in cases {
            assert_eq!(Outcome::of(by, served), want, "{by:?}, served {served}");
        }
        assert_eq!(Outcome::Unserved.as_str(), "unserved");
    }
}
