//! The session's face: its configuration, what goes in (`Input`) and what comes out
//! (`Output`, carrying `Event`s for the caller).

use crate::pdu::Address;
use crate::receipt::Receipt;

/// What the session needs to know about the SMSC account and its pacing.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    pub system_id: String,
    pub password: String,
    pub system_type: String,
    /// The sender of submitted messages.
    pub source: Address,
    /// TON and NPI of destination numbers.
    pub dest_ton: u8,
    pub dest_npi: u8,
    /// Outstanding `submit_sm`s without an answer, at most.
    pub window: usize,
    pub enquire_link_interval_ms: u64,
    /// How long any answer (bind, submit, enquire_link, unbind) may take.
    pub response_timeout_ms: u64,
    /// The pause after ESME_RTHROTTLED or ESME_RMSGQFUL.
    pub throttle_backoff_ms: u64,
    /// Retries of one part after throttling before it is reported failed (retryable).
    pub max_retries: u32,
}

impl SessionConfig {
    /// An account with the defaults: window 10, enquire_link every 30 s, answers within 10 s,
    /// a 1 s pause when throttled, 5 retries.
    pub fn new(system_id: &str, password: &str, source: &str) -> SessionConfig {
        SessionConfig {
            system_id: system_id.to_string(),
            password: password.to_string(),
            system_type: String::new(),
            source: Address {
                ton: 0,
                npi: 1,
                addr: source.to_string(),
            },
            dest_ton: 1,
            dest_npi: 1,
            window: 10,
            enquire_link_interval_ms: 30_000,
            response_timeout_ms: 10_000,
            throttle_backoff_ms: 1_000,
            max_retries: 5,
        }
    }
}

/// What happens to the session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A TCP connection to the SMSC is up: bind.
    Connected,
    Received(Vec<u8>),
    /// Send `text` to `to`; `local_id` is the caller's and comes back in the events.
    Submit {
        local_id: u64,
        to: String,
        text: String,
    },
    /// Time passed: check deadlines (call at [`Session::next_deadline`]).
    Tick,
    /// Leave gracefully.
    Unbind,
    /// The connection closed.
    Closed,
}

/// Why a bound (or binding) link was given up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LostReason {
    Closed,
    BindTimeout,
    ResponseTimeout,
    KeepAliveTimeout,
    PeerUnbound,
    /// The byte stream broke framing (a command_length out of range).
    BadStream(String),
    /// The TCP connection could not be made (reported by the client shell).
    ConnectFailed(String),
}

/// What the caller learns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Bound {
        system_id: String,
    },
    /// The SMSC refused the bind (ESME_RBINDFAIL, ESME_RINVPASWD, ...): a configuration error.
    BindRejected {
        status: u32,
    },
    /// Every part was accepted; the SMSC's ids in part order (receipts name these).
    Submitted {
        local_id: u64,
        message_ids: Vec<String>,
    },
    SubmitFailed {
        local_id: u64,
        status: u32,
        retryable: bool,
    },
    Receipt {
        receipt: Receipt,
        received_at_ms: u64,
    },
    /// A message from a handset (a STOP / 退订 reply, say).
    Inbound {
        from: String,
        to: String,
        text: String,
    },
    Unbound,
    Lost {
        reason: LostReason,
    },
}

/// What the caller must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    Send(Vec<u8>),
    /// Close the connection (after sending what came before).
    Close,
    Event(Event),
}
