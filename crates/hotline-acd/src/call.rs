//! A call's runtime record: what it needs, where it stands (waiting, being offered, between
//! callback attempts, connected), its place key and its timers.

use crate::ids::{AgentId, CallId, Millis, Tier};
use crate::queue::CallKey;
use crate::rules::{Needs, Requirement, Sym};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// In its queue's indexes, routable.
    Waiting,
    /// Ringing `agent` (or dialling a callback with them).
    Offered { agent: AgentId, at: Millis },
    /// A callback between attempts (not routable until its retry timer).
    Retry,
    /// Answered; kept until `CallEnded` to put the agent into wrap-up.
    Connected { agent: AgentId, at: Millis },
}

#[derive(Debug, Clone)]
pub(crate) struct Callback {
    pub number: String,
    pub attempts: u32,
}

/// Due times of the call's timers (`None` = not armed).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct CallTimers {
    pub ring: Option<Millis>,
    pub retry: Option<Millis>,
    pub max_wait: Option<Millis>,
    pub step: Option<Millis>,
    pub announce: Option<Millis>,
}

#[derive(Debug)]
pub(crate) struct Call {
    pub id: CallId,
    pub queue: usize,
    pub skills: Vec<(Sym, u8)>,
    pub language: Option<Sym>,
    pub priority: u8,
    pub tier: Tier,
    pub preferred: Option<AgentId>,
    /// First entry into any queue: priority, ageing, reported wait.
    pub enqueued: Millis,
    /// Entry into the current queue: steps, relaxation, max wait.
    pub entered: Millis,
    pub key: CallKey,
    pub phase: Phase,
    pub callback: Option<Callback>,
    /// Where to call back on a `callback` max-wait exit.
    pub callback_number: Option<String>,
    /// Agents that were busy or failed for this call, and until when they are skipped for it
    /// (one ring time).
    pub skip: Vec<(AgentId, Millis)>,
    /// The requirement while waiting.
    pub req: Requirement,
    /// Bucket while indexed.
    pub bucket: Option<usize>,
    /// In the queue's rank index.
    pub in_rank: bool,
    pub timers: CallTimers,
}

impl Call {
    pub(crate) fn needs(&self) -> Needs<'_> {
        Needs {
            skills: &self.skills,
            language: self.language,
            tier: self.tier,
            preferred: self.preferred,
        }
    }

    /// Whether `agent` is skipped for this call at `now`.
    pub(crate) fn skips(&self, agent: AgentId, now: Millis) -> bool {
        self.skip
            .iter()
            .any(|&(a, until)| a == agent && until > now)
    }

    /// When the next skip ends, after `now`.
    pub(crate) fn next_unskip(&self, now: Millis) -> Option<Millis> {
        self.skip.iter().map(|s| s.1).filter(|&t| t > now).min()
    }

    /// On the line (not a callback entry).
    pub(crate) fn online(&self) -> bool {
        self.callback.is_none()
    }
}
