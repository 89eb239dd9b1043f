//! How a SIP call ended, one type for the SIP core (which reports it) and the call core (which
//! decides on it), classified once: every decision (what the router hears of an offer, a
//! callback attempt's result, who hung up for the record) reads [`EndReason::class`] or
//! [`EndReason::caller_side`].

/// A SIP dialog's end, as the SIP core reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndReason {
    /// The far end sent BYE.
    RemoteHangup,
    /// The engine hung up.
    LocalHangup,
    /// The caller cancelled before answer (or the engine cancelled its own INVITE).
    Cancelled,
    /// The engine's 2xx was never acknowledged.
    AckTimeout,
    /// The engine refused the call with this status.
    Rejected(u16),
    /// A call the engine placed failed with this status (408 = no answer or no response).
    Failed(u16),
    /// The call reached its maximum length.
    MaxDuration,
    /// The transport to the far end failed.
    TransportFailure,
}

/// What an ending means for a call the engine placed (an offer to an agent, a callback leg).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndClass {
    /// Talked and hung up (either side), or ended by the engine after an answer.
    Normal,
    /// 486 Busy Here, 600 Busy Everywhere, 603 Decline: the phone is there and said no.
    Busy,
    /// Rang out (408, 480, 487) or was cancelled while ringing.
    NoAnswer,
    /// Anything else: unreachable, server error, transport failure.
    Failed,
    /// The engine refused an inbound call with this status.
    Rejected(u16),
}

/// Who ended something.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Caller,
    Agent,
    System,
}

impl Side {
    /// The record's `hangup_side` value.
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Caller => "caller",
            Side::Agent => "agent",
            Side::System => "system",
        }
    }
}

impl EndReason {
    /// A bounded label for logs and metrics.
    pub fn label(&self) -> &'static str {
        match self {
            EndReason::RemoteHangup => "remote_hangup",
            EndReason::LocalHangup => "local_hangup",
            EndReason::Cancelled => "cancelled",
            EndReason::AckTimeout => "ack_timeout",
            EndReason::Rejected(_) => "rejected",
            EndReason::Failed(_) => "failed",
            EndReason::MaxDuration => "max_duration",
            EndReason::TransportFailure => "transport_failure",
        }
    }

    /// The class of this ending for a call the engine placed and that was not answered, or
    /// that was: `Normal` for a hang-up.
    pub fn class(self) -> EndClass {
        match self {
            EndReason::RemoteHangup | EndReason::LocalHangup | EndReason::MaxDuration => {
                EndClass::Normal
            }
            EndReason::Failed(486 | 600 | 603) => EndClass::Busy,
            EndReason::Failed(408 | 480 | 487) | EndReason::Cancelled => EndClass::NoAnswer,
            EndReason::Rejected(code) => EndClass::Rejected(code),
            EndReason::Failed(_) | EndReason::AckTimeout | EndReason::TransportFailure => {
                EndClass::Failed
            }
        }
    }

    /// Who ended the far end's side of a call: the far end (BYE, CANCEL) or the engine.
    pub fn far_end_left(self) -> bool {
        matches!(self, EndReason::RemoteHangup | EndReason::Cancelled)
    }

    /// The side that ended an inbound caller's call.
    pub fn caller_side(self) -> Side {
        if self.far_end_left() {
            Side::Caller
        } else {
            Side::System
        }
    }
}

impl EndClass {
    /// The callback attempt's `result` for an unanswered leg.
    pub fn as_str(self) -> &'static str {
        match self {
            EndClass::Normal => "normal",
            EndClass::Busy => "busy",
            EndClass::NoAnswer => "no_answer",
            EndClass::Failed => "failed",
            EndClass::Rejected(_) => "rejected",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endings_are_classified_once() {
        use EndReason::*;
        assert_eq!(Failed(486).class(), EndClass::Busy);
        assert_eq!(Failed(603).class(), EndClass::Busy);
        assert_eq!(Failed(600).class(), EndClass::Busy);
        assert_eq!(Failed(408).class(), EndClass::NoAnswer);
        assert_eq!(Failed(480).class(), EndClass::NoAnswer);
        assert_eq!(Failed(487).class(), EndClass::NoAnswer);
        assert_eq!(Cancelled.class(), EndClass::NoAnswer);
        assert_eq!(Failed(404).class(), EndClass::Failed);
        assert_eq!(Failed(503).class(), EndClass::Failed);
        assert_eq!(TransportFailure.class(), EndClass::Failed);
        assert_eq!(AckTimeout.class(), EndClass::Failed);
        assert_eq!(Rejected(503).class(), EndClass::Rejected(503));
        assert_eq!(RemoteHangup.class(), EndClass::Normal);
        assert_eq!(LocalHangup.class(), EndClass::Normal);
        assert_eq!(RemoteHangup.caller_side(), Side::Caller);
        assert_eq!(Cancelled.caller_side(), Side::Caller);
        assert_eq!(LocalHangup.caller_side(), Side::System);
        assert_eq!(MaxDuration.caller_side(), Side::System);
    }
}
