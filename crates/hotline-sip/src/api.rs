//! The types the rest of the engine sees: call handles, events the SIP core reports, and the
//! commands it takes. None of the codec's types appear here.

use std::net::SocketAddr;
use std::time::Duration;

/// A call (one SIP dialog, inbound or outbound), named by the engine, not by the Call-ID: the
/// engine's one call id ([`hotline_core::CallId`]), shared with the ACD and the call core.
pub use hotline_core::CallId as CallRef;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transport {
    Udp,
    Tcp,
}

impl Transport {
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Udp => "UDP",
            Transport::Tcp => "TCP",
        }
    }
}

/// Where a message came from or goes to. `conn` names the TCP connection, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Peer {
    pub transport: Transport,
    pub addr: SocketAddr,
    pub conn: Option<u64>,
}

impl Peer {
    pub fn udp(addr: SocketAddr) -> Peer {
        Peer {
            transport: Transport::Udp,
            addr,
            conn: None,
        }
    }
    pub fn tcp(addr: SocketAddr, conn: u64) -> Peer {
        Peer {
            transport: Transport::Tcp,
            addr,
            conn: Some(conn),
        }
    }
    pub fn reliable(&self) -> bool {
        self.transport == Transport::Tcp
    }
}

/// Who placed an inbound call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallSource {
    /// A configured trunk address: no authentication needed.
    Trunk,
    /// A registered user who authenticated with digest.
    User(String),
}

/// A new inbound call, waiting for Ringing/Answer/Reject.
#[derive(Debug, Clone)]
pub struct IncomingCall {
    pub call: CallRef,
    /// The caller's number (From user part).
    pub caller: String,
    pub caller_display: Option<String>,
    /// The dialled number (Request-URI user part).
    pub callee: String,
    pub source: CallSource,
    pub remote: SocketAddr,
    pub transport: Transport,
    /// The SDP offer, if the INVITE had one.
    pub offer: Option<Vec<u8>>,
    pub sip_call_id: String,
    pub user_agent: Option<String>,
}

/// Why a call ended: one type with the call core, which classifies it.
pub use hotline_core::EndReason;

/// What the SIP core tells the engine.
#[derive(Debug, Clone)]
pub enum SipEvent {
    Incoming(IncomingCall),
    /// An inbound call's 2xx was acknowledged: the call is up.
    Confirmed {
        call: CallRef,
    },
    /// The far end sent a re-INVITE (hold/unhold, new media). Answer with `Command::AnswerReoffer`.
    Reoffer {
        call: CallRef,
        offer: Option<Vec<u8>>,
    },
    /// An outbound call is ringing (180) or has early media (183).
    Progress {
        call: CallRef,
        code: u16,
    },
    /// An outbound call was answered; the call is up (we have sent ACK).
    Answered {
        call: CallRef,
        answer: Option<Vec<u8>>,
    },
    /// The call is over; its handle will not be used again.
    Ended {
        call: CallRef,
        reason: EndReason,
    },
    /// A user's number of registered contacts changed.
    Registration {
        user: String,
        contacts: usize,
    },
    /// The far end of an established call asked us to transfer it (an in-dialog REFER, RFC
    /// 3515), already answered 202 Accepted. The engine reports how the transfer went with
    /// `Command::NotifyRefer` (the implicit subscription's NOTIFYs).
    Refer {
        call: CallRef,
        refer_to: ReferTo,
    },
}

/// Where a REFER asks the call to go: the Refer-To URI's user (an extension, an agent's SIP
/// user or a number) and, for an attended transfer, the dialog it replaces (RFC 3891, the
/// URI's `Replaces` header, unescaped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferTo {
    pub user: String,
    pub replaces: Option<Replaces>,
}

/// A dialog named by a `Replaces` header (RFC 3891): its Call-ID and tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replaces {
    pub call_id: String,
    pub to_tag: String,
    pub from_tag: String,
}

/// Placing a call to a registered user (an agent's softphone).
#[derive(Debug, Clone)]
pub struct Dial {
    pub call: CallRef,
    /// The registered user to ring, or with `gateway` the number to dial through it.
    pub user: String,
    /// An outbound route (a trunk or gateway, over UDP): `sip:<user>@<gateway>` is sent there
    /// instead of to a registered contact.
    pub gateway: Option<std::net::SocketAddr>,
    /// Caller number shown to the agent (From user part).
    pub from_user: String,
    pub from_display: Option<String>,
    pub offer: Vec<u8>,
    /// Extra headers for the screen pop (names must be tokens; values are sanitised).
    pub headers: Vec<(String, String)>,
    /// Give up (CANCEL) when not answered within this time.
    pub ring_timeout: Duration,
}

/// What the engine tells the SIP core.
#[derive(Debug, Clone)]
pub enum Command {
    /// Send 180 Ringing for an inbound call.
    Ringing(CallRef),
    /// Answer an inbound call with this SDP.
    Answer { call: CallRef, answer: Vec<u8> },
    /// Refuse an inbound call before answer.
    Reject { call: CallRef, code: u16 },
    /// Answer a re-INVITE: `Ok(sdp)` accepts, `Err(code)` refuses (e.g. 488).
    AnswerReoffer {
        call: CallRef,
        answer: Result<Vec<u8>, u16>,
    },
    /// End a call in whatever state it is (BYE, CANCEL or a final response).
    Hangup(CallRef),
    /// Ring a registered user.
    Dial(Dial),
    /// Report on a REFER of `call` (RFC 3515 §2.4.5): an in-dialog NOTIFY (Event: refer)
    /// with the sipfrag `SIP/2.0 <status> <reason>`; a status of 200 and above ends the
    /// implicit subscription (Subscription-State: terminated).
    ///
    /// Until that final status the call's dialog answers a further REFER 491, so each
    /// `SipEvent::Refer` should end with one. Ignored for a call with no REFER pending or a
    /// status outside 100..=699. With `Refer-Sub: false` (RFC 4488), or once the far end has
    /// refused or not answered a NOTIFY (481, timeout), nothing is sent, but the final status
    /// still closes the REFER. The NOTIFY goes out at once: a `Hangup` right after it follows
    /// it on the wire.
    NotifyRefer { call: CallRef, status: u16 },
}

/// A registered contact, as the location service reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct Location {
    pub contact: String,
    pub source: SocketAddr,
    pub transport: Transport,
    pub expires_in: Duration,
    pub user_agent: Option<String>,
}
