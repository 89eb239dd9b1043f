//! One dialog the core keeps: what it is to the centre ([`Kind`]: the customer's inbound call,
//! or one of the calls the core places: an ACD offer to an agent, the phone of a dialled
//! extension, a callback's legs) and, for an inbound call, its phase (stated in its
//! [`Timeline`]) with the IVR session it runs.

use std::time::Instant;

use hotline_acd::AgentId;
use hotline_core::CallId;

use super::ivr::IvrCall;
use super::notify::NotifyLeg;

use crate::phase::{Phase, Timeline};
use crate::record::Attempt;

/// What a dialog is.
#[derive(Debug, Clone)]
pub(crate) enum Kind {
    /// A customer's call to the centre; where it is: its timeline's phase.
    Inbound,
    /// Our call to an agent's phone for the router's offer of `caller`. `over`: the router
    /// already knows the offer is over (it timed out, the caller left, the agent answered).
    Offer {
        caller: CallId,
        agent: AgentId,
        over: bool,
    },
    /// Our call to the phone whose extension `caller` dialled.
    ExtensionPhone { caller: CallId },
    /// A callback's leg (the agent's, dialled first, or the customer's).
    Callback(CallbackLeg),
    /// Our call to the outside number `caller` is handed to.
    Outside { caller: CallId },
    /// A notification call (a district's dispatch phone told of a ticket).
    Notify(NotifyLeg),
    /// A campaign call to a customer (issue 21).
    Campaign(super::campaign::CampaignLeg),
    /// Our call to a target `agent` consults (or blind-transfers `caller` to); once the caller
    /// is handed over, it becomes an `Offer` (an agent's phone) or `Outside` (a number).
    Consult { caller: CallId },
    /// Our call to a supervisor's phone to monitor `caller`'s call with its agent.
    Monitor {
        caller: CallId,
        supervisor: AgentId,
        mode: hotline_core::desk::MonitorMode,
    },
}

/// One leg of a callback (or a click-to-call from the desktop).
#[derive(Debug, Clone)]
pub(crate) struct CallbackLeg {
    /// The router's entry (the original caller's call id).
    pub entry: CallId,
    pub agent: AgentId,
    pub number: String,
    /// The customer's leg (else the agent's).
    pub customer: bool,
    /// Agent and customer are bridged.
    pub connected: bool,
    /// The router already heard how this attempt ended.
    pub reported: bool,
    /// The router's callback (else a call placed from the desktop).
    pub router: bool,
    /// The agent's leg hears why the customer was not reached, then is hung up.
    pub telling: bool,
    /// On the agent's leg: the attempt's record in the making.
    pub attempt: Option<AttemptState>,
    /// A preview campaign's call: its outcome goes to the campaign.
    pub campaign: Option<PreviewTag>,
}

/// What a preview campaign's call carries besides a click-to-call's.
#[derive(Debug, Clone)]
pub(crate) struct PreviewTag {
    /// The campaign call's id (its outcome is reported under it).
    pub id: u64,
    /// The campaign's own id, for the customer's INVITE.
    pub campaign_id: i64,
    /// The campaign's name, for the screen pop.
    pub campaign: String,
    pub account: Option<String>,
    /// The number shown to the customer; the route's when `None`.
    pub caller_id: Option<String>,
    /// How long the customer's phone may ring.
    pub ring: std::time::Duration,
}

/// A callback attempt's record in the making.
#[derive(Debug, Clone)]
pub(crate) struct AttemptState {
    pub attempt: Attempt,
    /// How the customer's leg ended, when it ended first.
    pub customer_end: Option<crate::EndReason>,
}

/// Where the caller goes once the agent's leg has ended (a desktop's transfer or hang-up).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Onward {
    Queue(String),
    Flow(String),
    AfterAgent,
    /// A blind transfer: the caller waits for the target (`Call::consult`).
    Transfer,
}

#[derive(Debug)]
pub(crate) struct Call {
    pub id: CallId,
    pub kind: Kind,
    pub arrived: Instant,
    /// The calling and the called numbers.
    pub caller: String,
    pub dialled: String,
    /// Its media leg runs. An inbound call's leg starts when the engine answers it (the answer
    /// itself may still be on its way), so for inbound calls this also says "answered".
    pub leg: bool,
    /// The other dialog of a bridge or an offer.
    pub peer: Option<CallId>,
    /// Inbound: the flow it runs (the entry flow, then the one after the agent).
    pub ivr: Option<IvrCall>,
    pub onward: Option<Onward>,
    /// Inbound: sent to a queue while it was closed (the queue's name): its after-hours route.
    pub after_hours: Option<String>,
    /// Inbound: handed to this outside number.
    pub outside: Option<String>,
    /// Inbound: the phases it went through (its record).
    pub timeline: Timeline,
    /// Inbound: the supervisors' calls monitoring it (ringing or answered).
    pub monitors: Vec<CallId>,
    /// Inbound: its leg and its agent's talk through the mix named by this call (a supervisor
    /// or a conference's third party is in), not a bridge.
    pub mixing: bool,
    /// Inbound: its agent consults a target (or blind-transfers it).
    pub consult: Option<super::consult::Consultation>,
    /// A call the core placed that has this agent on call in the router
    /// (`Input::AgentOnCall`): its end gives the agent back the state they left.
    pub on_call_for: Option<AgentId>,
    /// What its flows' outbound nodes recorded (promise to pay, opt-out, campaign result),
    /// kept here for the campaign shell that will store it (issue 21); nothing stores it yet.
    pub outbound: hotline_ivr::outbound::Record,
}

impl Call {
    pub(crate) fn new(
        id: CallId,
        kind: Kind,
        now: hotline_core::Now,
        caller: String,
        dialled: String,
    ) -> Call {
        Call {
            id,
            kind,
            arrived: now.mono,
            caller,
            dialled,
            leg: false,
            peer: None,
            ivr: None,
            onward: None,
            after_hours: None,
            outside: None,
            timeline: Timeline::new(now),
            monitors: Vec::new(),
            mixing: false,
            consult: None,
            on_call_for: None,
            outbound: Default::default(),
        }
    }

    pub(crate) fn phase(&self) -> &Phase {
        self.timeline.phase()
    }

    /// The agent of the router's this caller talks to (hearing the staff number, bridged or
    /// held).
    pub(crate) fn connected(&self) -> Option<AgentId> {
        match self.phase() {
            Phase::Announcing { agent } | Phase::Bridged { agent } | Phase::OnHold { agent } => {
                Some(AgentId(*agent))
            }
            _ => None,
        }
    }

    /// A callback leg's state.
    pub(crate) fn callback(&self) -> Option<&CallbackLeg> {
        match &self.kind {
            Kind::Callback(l) => Some(l),
            _ => None,
        }
    }

    pub(crate) fn callback_mut(&mut self) -> Option<&mut CallbackLeg> {
        match &mut self.kind {
            Kind::Callback(l) => Some(l),
            _ => None,
        }
    }

    /// A call the core placed (not one it received).
    pub(crate) fn notify(&self) -> Option<&NotifyLeg> {
        match &self.kind {
            Kind::Notify(l) => Some(l),
            _ => None,
        }
    }

    pub(crate) fn notify_mut(&mut self) -> Option<&mut NotifyLeg> {
        match &mut self.kind {
            Kind::Notify(l) => Some(l),
            _ => None,
        }
    }

    /// A consultation, a conference or a supervisor is on this caller's call: no other one
    /// may start.
    pub(crate) fn attended(&self) -> bool {
        self.consult.is_some() || self.mixing || !self.monitors.is_empty()
    }

    /// A campaign call's state.
    pub(crate) fn campaign(&self) -> Option<&super::campaign::CampaignLeg> {
        match &self.kind {
            Kind::Campaign(l) => Some(l),
            _ => None,
        }
    }

    pub(crate) fn campaign_mut(&mut self) -> Option<&mut super::campaign::CampaignLeg> {
        match &mut self.kind {
            Kind::Campaign(l) => Some(l),
            _ => None,
        }
    }

    pub(crate) fn outbound(&self) -> bool {
        !matches!(self.kind, Kind::Inbound)
    }

    /// A customer in the router's hands: an inbound caller, or a campaign's customer waiting
    /// for (or talking with) an agent. Queue phases, the staff number, the desk's and the
    /// supervisors' actions apply to it.
    pub(crate) fn is_caller(&self) -> bool {
        !self.outbound() || self.campaign().is_some_and(|l| l.queued)
    }
}
