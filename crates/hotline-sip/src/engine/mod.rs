//! The SIP core as a plain state machine (sans-IO, like quinn-proto or str0m): bytes, commands
//! and time go in; bytes to send, events and the next deadline come out. It owns transactions
//! (RFC 3261 §17, with RFC 6026's Accepted state), dialogs for the engine's calls, the registrar,
//! digest authentication and admission. No sockets, no clock reads: the shell in `shell.rs` does
//! I/O and passes `now`.

mod auth;
mod calls;
mod dial;
mod refer;
mod register;
mod txn;

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::time::{Duration, Instant};

use rand::{rngs::StdRng, Rng, SeedableRng};
use tracing::debug;

use crate::account_throttle::{AccountLimits, AccountThrottle};
use crate::admission::{
    Admission, AdmissionPolicy, Cidr, FailureThrottle, RateLimiter, TrunkAllowlist,
};
use crate::api::{CallRef, Command, Location, Peer, SipEvent, Transport};
use crate::build::{self, ResponseHead};
use crate::nonces::NonceStore;
use crate::overload::{OverloadControl, OverloadLimits};
use crate::registrar::{Registrar, RegistrarConfig};
use crate::wire::{self, Invalid, Message, Method, Request};

pub use auth::{ChallengeReason, Refusal};
pub use calls::Call;
use txn::{ClientTxn, ServerTxn, TxnKey};

/// RFC 3261 timer base values.
pub const T1: Duration = Duration::from_millis(500);
pub const T2: Duration = Duration::from_secs(4);
pub const T4: Duration = Duration::from_secs(5);

/// Methods we answer; `Allow` lists them. NOTIFY is not among them: we send it (for REFER)
/// but take none.
pub const ALLOW: &str = "INVITE, ACK, BYE, CANCEL, OPTIONS, REGISTER, INFO, REFER";

/// The extensions we support (`Supported`; a `Require` of anything else gets 420): RFC 4488's
/// REFER without implicit subscription.
pub const SUPPORTED: &str = "norefersub";

/// Credentials of one user, as HA1 hashes (never the password).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserCredentials {
    pub ha1_md5: Option<String>,
    pub ha1_sha256: Option<String>,
}

/// Everything the core needs to know, fixed at start.
#[derive(Debug, Clone)]
pub struct CoreConfig {
    pub realm: String,
    pub user_agent: String,
    /// Host written in our Via and Contact headers.
    pub public_host: String,
    pub udp_port: Option<u16>,
    pub tcp_port: Option<u16>,
    pub trunks: Vec<Cidr>,
    pub registrar: RegistrarConfig,
    /// Digest challenges offered, preferred first.
    pub auth_algorithms: Vec<crate::digest::Algorithm>,
    pub nonce_ttl_secs: u64,
    /// Most nonces remembered at once; beyond it the oldest unanswered are forgotten.
    pub max_nonces: usize,
    /// A nonce is only good from the IP address it was issued to.
    pub bind_nonce_to_address: bool,
    pub max_auth_failures: u32,
    pub failure_window: Duration,
    pub block_for: Duration,
    /// Wrong passwords for one account within `failure_window`, from any address, that
    /// throttle it; the first throttle lasts `account_block`, doubling up to `account_block_max`.
    pub account_max_failures: u32,
    pub account_block: Duration,
    pub account_block_max: Duration,
    /// Accept INVITEs from authenticated users who have no live registration.
    pub allow_unregistered_calls: bool,
    pub requests_per_sec: f64,
    pub burst: u32,
    /// Hard upper bound on any call's length.
    pub max_call: Duration,
    /// How long an unanswered inbound call may wait for the engine before a 480.
    pub max_ring: Duration,
    /// Ceilings on inbound calls (concurrent, per second), trunks included: above them a
    /// new INVITE gets 503 with Retry-After.
    pub overload: OverloadLimits,
}

impl Default for CoreConfig {
    fn default() -> Self {
        CoreConfig {
            realm: "hotline".into(),
            user_agent: "hotline".into(),
            public_host: "127.0.0.1".into(),
            udp_port: Some(5060),
            tcp_port: Some(5060),
            trunks: Vec::new(),
            registrar: RegistrarConfig {
                min_expires: 60,
                max_expires: 3600,
                default_expires: 3600,
                max_contacts_per_user: 5,
                max_users: 100_000,
            },
            auth_algorithms: vec![
                crate::digest::Algorithm::Sha256,
                crate::digest::Algorithm::Md5,
            ],
            nonce_ttl_secs: 300,
            max_nonces: 100_000,
            bind_nonce_to_address: true,
            max_auth_failures: 5,
            failure_window: Duration::from_secs(60),
            block_for: Duration::from_secs(300),
            account_max_failures: 10,
            account_block: Duration::from_secs(60),
            account_block_max: Duration::from_secs(900),
            allow_unregistered_calls: false,
            requests_per_sec: 50.0,
            burst: 100,
            max_call: Duration::from_secs(4 * 3600),
            max_ring: Duration::from_secs(300),
            overload: OverloadLimits {
                max_calls: 2000,
                calls_per_sec: 2000.0,
                retry_after: Duration::from_secs(5),
            },
        }
    }
}

/// The time, twice: monotonic for timers, Unix seconds for stamps.
#[derive(Debug, Clone, Copy)]
pub struct Now {
    pub mono: Instant,
    pub unix: u64,
}

/// Inputs from the shell.
#[derive(Debug)]
pub enum Input {
    /// A datagram, or one framed message from a stream.
    Received {
        peer: Peer,
        bytes: Vec<u8>,
    },
    Command(Command),
    /// A TCP connection closed: bindings that depend on it go.
    ConnectionClosed(u64),
}

/// Outputs for the shell.
#[derive(Debug)]
pub enum Output {
    Transmit { peer: Peer, bytes: Vec<u8> },
    Event(SipEvent),
}

/// Counters the metrics layer will export.
#[derive(Debug, Default, Clone)]
pub struct Stats {
    pub requests_in: HashMap<&'static str, u64>,
    pub responses_out: [u64; 7],
    pub malformed: u64,
    pub auth_failures: u64,
    /// Requests refused by authentication or its policy, by [`Refusal::label`].
    pub refused: HashMap<&'static str, u64>,
    /// Digest challenges sent, by [`ChallengeReason::label`].
    pub challenges: HashMap<&'static str, u64>,
    pub dropped_blocked: u64,
    pub dropped_rate_limited: u64,
    /// New INVITEs refused with 503 by overload control, by [`OverloadReason::label`].
    ///
    /// [`OverloadReason::label`]: crate::overload::OverloadReason::label
    pub overloaded: HashMap<&'static str, u64>,
    /// Users with at least one binding now (filled by [`SipCore::stats_at`]).
    pub registered_users: usize,
    /// Addresses blocked for failed authentication now (filled by [`SipCore::stats_at`]).
    pub blocked_addresses: usize,
    /// Accounts throttled for password guessing now (filled by [`SipCore::stats_at`]).
    pub throttled_accounts: usize,
    /// TCP connections refused because their address held its maximum (filled by the shell).
    pub tcp_refused_per_address: u64,
    /// TCP connections refused because the listener held its maximum (filled by the shell).
    pub tcp_refused_total: u64,
    /// TCP connections closed for not completing a message in time (filled by the shell).
    pub tcp_message_timeouts: u64,
    /// TCP connections open now (filled by the shell).
    pub tcp_connections: usize,
}

impl Stats {
    /// Counts a response sent, in `responses_out` by class (1xx at 1 … 6xx at 6, below 100 at 0).
    pub(crate) fn count_response(&mut self, status: u16) {
        if let Some(n) = self.responses_out.get_mut(usize::from(status / 100).min(6)) {
            *n += 1;
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Timer {
    Server(u64),
    Client(u64),
    Call(u64),
    Housekeeping,
}

/// The SIP core. See the module documentation.
pub struct SipCore {
    cfg: CoreConfig,
    users: HashMap<String, UserCredentials>,
    nonces: NonceStore,
    admission: AdmissionPolicy,
    accounts: AccountThrottle,
    registrar: Registrar,
    rng: StdRng,
    next_id: u64,
    server: HashMap<u64, ServerTxn>,
    server_index: HashMap<TxnKey, u64>,
    client: HashMap<u64, ClientTxn>,
    client_index: HashMap<(String, Method), u64>,
    calls: HashMap<u64, Call>,
    /// Inbound calls among `calls` (what the concurrent ceiling counts).
    inbound_calls: usize,
    overload: OverloadControl,
    dialogs: HashMap<(String, String), u64>,
    timers: BTreeSet<(Instant, Timer)>,
    /// The instants at which each call and transaction has a timer pending, so that its
    /// timers go with it: a call's 4-hour limit and an INVITE transaction's expiry would
    /// otherwise stay in `timers` for hours after they ended (a burst's worth of entries).
    timer_index: HashMap<Timer, Vec<Instant>>,
    out: VecDeque<Output>,
    stats: Stats,
}

impl SipCore {
    pub fn new(
        cfg: CoreConfig,
        users: HashMap<String, UserCredentials>,
        seed: [u8; 32],
        now: Now,
    ) -> Self {
        let rng = StdRng::from_seed(seed);
        let admission = AdmissionPolicy::new(
            TrunkAllowlist::new(cfg.trunks.clone()),
            FailureThrottle::new(
                cfg.max_auth_failures,
                cfg.failure_window,
                cfg.block_for,
                100_000,
            ),
            RateLimiter::new(cfg.requests_per_sec, cfg.burst, 100_000),
        );
        let accounts = AccountThrottle::new(AccountLimits {
            max_failures: cfg.account_max_failures,
            window: cfg.failure_window,
            base_block: cfg.account_block,
            max_block: cfg.account_block_max,
            max_tracked: 100_000,
        });
        let mut core = SipCore {
            nonces: NonceStore::new(
                Duration::from_secs(cfg.nonce_ttl_secs),
                cfg.max_nonces,
                cfg.bind_nonce_to_address,
            ),
            accounts,
            registrar: Registrar::new(cfg.registrar.clone()),
            admission,
            users,
            rng,
            next_id: 1,
            server: HashMap::new(),
            server_index: HashMap::new(),
            client: HashMap::new(),
            client_index: HashMap::new(),
            calls: HashMap::new(),
            inbound_calls: 0,
            overload: OverloadControl::new(cfg.overload),
            dialogs: HashMap::new(),
            timers: BTreeSet::new(),
            timer_index: HashMap::new(),
            out: VecDeque::new(),
            stats: Stats::default(),
            cfg,
        };
        core.schedule(now.mono + Duration::from_secs(1), Timer::Housekeeping);
        core
    }

    /// Replaces the user credentials (e.g. after the store changed them).
    pub fn set_users(&mut self, users: HashMap<String, UserCredentials>) {
        self.users = users;
    }

    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// The counters, with the registrations and blocked addresses at `now`.
    pub fn stats_at(&self, now: Instant) -> Stats {
        let mut s = self.stats.clone();
        s.registered_users = self.registrar.user_count();
        s.blocked_addresses = self.admission.blocked(now);
        s.throttled_accounts = self.accounts.throttled(now);
        s
    }

    /// Nonces the core remembers now (bounded by `max_nonces`).
    pub fn nonce_count(&self) -> usize {
        self.nonces.len()
    }

    /// Calls the core holds now (any state).
    pub fn active_calls(&self) -> usize {
        self.calls.len()
    }

    /// Timers the core holds now (for leak checks in tests).
    pub fn timer_count(&self) -> usize {
        self.timers.len()
    }

    /// Transactions the core holds now (for leak checks in tests).
    pub fn transaction_count(&self) -> usize {
        self.server.len() + self.client.len()
    }

    /// Where is `user` registered now? Best contact first.
    pub fn locate(&self, user: &str, now: Instant) -> Vec<Location> {
        self.registrar
            .lookup(user, now)
            .into_iter()
            .map(|b| Location {
                contact: b.contact.clone(),
                source: b.source,
                transport: match b.flow {
                    crate::registrar::Flow::Udp => Transport::Udp,
                    crate::registrar::Flow::Tcp { .. } => Transport::Tcp,
                },
                expires_in: b.expires_at.saturating_duration_since(now),
                user_agent: b.user_agent.clone(),
            })
            .collect()
    }

    /// A fresh handle for an outbound call.
    pub fn new_call_ref(&mut self) -> CallRef {
        CallRef(self.fresh_id())
    }

    pub fn handle(&mut self, now: Now, input: Input) {
        match input {
            Input::Received { peer, bytes } => self.on_bytes(now, peer, &bytes),
            Input::Command(cmd) => self.on_command(now, cmd),
            Input::ConnectionClosed(conn) => {
                let removed = self.registrar.remove_flow(conn);
                if removed > 0 {
                    debug!(conn, removed, "bindings dropped with their TCP connection");
                }
            }
        }
    }

    /// The next moment `handle_timeout` must be called.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.timers.first().map(|(t, _)| *t)
    }

    pub fn handle_timeout(&mut self, now: Now) {
        while let Some(&(at, timer)) = self.timers.first() {
            if at > now.mono {
                break;
            }
            self.timers.pop_first();
            self.unlist_timer(timer, at);
            match timer {
                Timer::Server(id) => self.server_timer(now, id),
                Timer::Client(id) => self.client_timer(now, id),
                Timer::Call(id) => self.call_timer(now, id),
                Timer::Housekeeping => self.housekeeping(now),
            }
        }
    }

    pub fn poll_output(&mut self) -> Option<Output> {
        self.out.pop_front()
    }

    fn housekeeping(&mut self, now: Now) {
        self.admission.purge(now.mono);
        self.nonces.purge(now.mono);
        self.accounts.purge(now.mono);
        for (user, _) in self.registrar.expire(now.mono) {
            let contacts = self.registrar.lookup(&user, now.mono).len();
            debug!(user = %crate::mask(&user), "registration expired");
            self.emit(SipEvent::Registration { user, contacts });
        }
        self.schedule(now.mono + Duration::from_secs(1), Timer::Housekeeping);
    }

    fn on_bytes(&mut self, now: Now, peer: Peer, bytes: &[u8]) {
        if bytes.iter().all(|b| b.is_ascii_whitespace()) {
            return; // keep-alive
        }
        if self.admission.is_blocked(peer.addr.ip(), now.mono) {
            self.stats.dropped_blocked += 1;
            return;
        }
        match wire::parse(bytes) {
            Ok(Message::Request(req)) => {
                *self
                    .stats
                    .requests_in
                    .entry(req.method.label())
                    .or_default() += 1;
                self.on_request(now, peer, req)
            }
            Ok(Message::Response(resp)) => self.on_response(now, peer, resp),
            Err(invalid) => {
                self.stats.malformed += 1;
                debug!(src = %peer.addr, reason = invalid.reason(), "malformed SIP message");
                if let Invalid::BadRequest {
                    status,
                    reason,
                    echo,
                } = invalid
                {
                    let rport = echo
                        .top_via()
                        .is_some_and(|v| crate::headers::parse_top_via(v).is_ok_and(|v| v.rport));
                    // A method we do not implement: say which we do (RFC 3261 §21.5.2).
                    let allow: &[(&str, &str)] = if status == 501 {
                        &[("Allow", ALLOW)]
                    } else {
                        &[]
                    };
                    let bytes = build::response(
                        &ResponseHead::of_echo(&echo),
                        peer.addr,
                        rport,
                        status,
                        Some(&reason),
                        None,
                        allow,
                        &self.cfg.user_agent,
                        None,
                    );
                    self.stats.count_response(status);
                    self.transmit(peer, bytes);
                }
            }
        }
    }

    fn on_request(&mut self, now: Now, peer: Peer, req: Request) {
        // A retransmission of a request we are already handling.
        let key = TxnKey::of(&req);
        if let Some(&id) = self.server_index.get(&key) {
            if req.method == Method::Ack {
                self.ack_for_server_txn(now, id);
            } else {
                self.retransmit_response(id);
            }
            return;
        }
        if req.method == Method::Cancel {
            return self.on_cancel(now, peer, req);
        }
        if req.method == Method::Ack {
            if req.common.to_addr.tag.is_some() {
                self.in_dialog(now, peer, req);
            }
            return; // a stray ACK: nothing to answer
        }
        if req.common.to_addr.tag.is_some() {
            if !self.refused_as_unsupported(now, peer, &req) {
                self.in_dialog(now, peer, req);
            }
            return;
        }
        // Out-of-dialog requests pass admission first.
        match self.admission.decide(peer.addr.ip(), now.mono) {
            Admission::Blocked => {
                self.stats.dropped_blocked += 1;
                return;
            }
            Admission::RateLimited => {
                self.stats.dropped_rate_limited += 1;
                return;
            }
            Admission::Trunk | Admission::NeedsAuth => {}
        }
        if self.refused_as_unsupported(now, peer, &req) {
            return;
        }
        let is_trunk = self.admission.is_trunk(peer.addr.ip());
        match req.method {
            Method::Invite => self.on_invite(now, peer, req, is_trunk),
            Method::Register => self.on_register(now, peer, req),
            Method::Options => {
                let extra = [
                    ("Allow", ALLOW),
                    ("Accept", "application/sdp"),
                    ("Supported", SUPPORTED),
                ];
                self.reply_stateless(now, peer, &req, 200, &extra);
            }
            Method::Bye => self.reply_stateless(now, peer, &req, 481, &[]),
            Method::Other(_) => self.reply_stateless(now, peer, &req, 501, &[("Allow", ALLOW)]),
            _ => self.reply_stateless(now, peer, &req, 405, &[("Allow", ALLOW)]),
        }
    }

    /// Refuses a request (not ACK or CANCEL) whose Request-URI scheme we do not serve (416,
    /// RFC 3261 §8.2.2.1) or that requires an extension we lack (420 with Unsupported,
    /// §8.2.2.3; we support only [`SUPPORTED`]). True when it was answered.
    fn refused_as_unsupported(&mut self, now: Now, peer: Peer, req: &Request) -> bool {
        let scheme = req.raw_uri.split(':').next().unwrap_or_default();
        if !["sip", "sips", "tel"]
            .iter()
            .any(|s| scheme.eq_ignore_ascii_case(s))
        {
            self.reply_stateless(now, peer, req, 416, &[]);
            return true;
        }
        let unsupported: Vec<&str> = req
            .require
            .iter()
            .map(String::as_str)
            .filter(|tag| !SUPPORTED.split(", ").any(|s| s.eq_ignore_ascii_case(tag)))
            .collect();
        if !unsupported.is_empty() {
            let unsupported = unsupported.join(", ");
            self.reply_stateless(now, peer, req, 420, &[("Unsupported", &unsupported)]);
            return true;
        }
        false
    }

    /// Answers a request with a final response, keeping a transaction so retransmissions get
    /// the same answer.
    fn reply_stateless(
        &mut self,
        now: Now,
        peer: Peer,
        req: &Request,
        code: u16,
        extra: &[(&str, &str)],
    ) {
        let id = self.new_server_txn(now, peer, req, None);
        let tag = self.token();
        self.respond(now, id, code, Some(&tag), extra, None);
    }

    /// [`Self::reply_stateless`] with a reason phrase of our own (`403 Not Registered`).
    fn reply_with_reason(&mut self, now: Now, peer: Peer, req: &Request, code: u16, reason: &str) {
        let id = self.new_server_txn(now, peer, req, None);
        let tag = self.token();
        self.respond_with_reason(now, id, code, Some(reason), Some(&tag), &[], None);
    }

    fn transmit(&mut self, peer: Peer, bytes: Vec<u8>) {
        self.out.push_back(Output::Transmit { peer, bytes });
    }

    fn emit(&mut self, event: SipEvent) {
        self.out.push_back(Output::Event(event));
    }

    fn schedule(&mut self, at: Instant, timer: Timer) {
        if self.timers.insert((at, timer)) && timer != Timer::Housekeeping {
            self.timer_index.entry(timer).or_default().push(at);
        }
    }

    /// `timer` at `at` fired: no longer pending.
    fn unlist_timer(&mut self, timer: Timer, at: Instant) {
        if let Some(list) = self.timer_index.get_mut(&timer) {
            if let Some(i) = list.iter().position(|t| *t == at) {
                list.swap_remove(i);
            }
            if list.is_empty() {
                self.timer_index.remove(&timer);
            }
        }
    }

    /// Drops every pending instance of `timer` (a call or transaction the core forgets).
    fn cancel_timers(&mut self, timer: Timer) {
        for at in self.timer_index.remove(&timer).unwrap_or_default() {
            self.timers.remove(&(at, timer));
        }
    }

    fn fresh_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    fn token(&mut self) -> String {
        format!("{:016x}", self.rng.random::<u64>())
    }

    fn branch(&mut self) -> String {
        format!("z9hG4bK{}", self.token())
    }

    /// Our Via for a request to `peer`.
    fn our_via(&self, peer: &Peer, branch: &str) -> String {
        format!(
            "SIP/2.0/{} {};branch={branch};rport",
            peer.transport.as_str(),
            self.host_port(peer.transport)
        )
    }

    /// Our Contact for dialogs carried over `transport`.
    fn our_contact(&self, transport: Transport) -> String {
        match transport {
            Transport::Udp => format!("<sip:hotline@{}>", self.host_port(transport)),
            Transport::Tcp => format!("<sip:hotline@{};transport=tcp>", self.host_port(transport)),
        }
    }

    fn host_port(&self, transport: Transport) -> String {
        let port = match transport {
            Transport::Udp => self.cfg.udp_port.or(self.cfg.tcp_port),
            Transport::Tcp => self.cfg.tcp_port.or(self.cfg.udp_port),
        };
        let host = if self.cfg.public_host.contains(':') && !self.cfg.public_host.starts_with('[') {
            format!("[{}]", self.cfg.public_host)
        } else {
            self.cfg.public_host.clone()
        };
        match port {
            Some(p) => format!("{host}:{p}"),
            None => host,
        }
    }
}

#[cfg(test)]
mod tests;
