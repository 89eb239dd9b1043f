//! Transactions (RFC 3261 §17): server transactions keep our last response so retransmitted
//! requests are answered again and resend non-2xx finals until ACK (Timer G/H/I/J, and RFC
//! 6026's Accepted state after a 2xx, Timer L); client transactions retransmit our requests over
//! UDP (Timer A/E) and give up (Timer B/F), and absorb retransmitted finals (Timer D/K).

use std::time::{Duration, Instant};

use tracing::debug;

use super::{Now, Output, SipCore, Timer, T1, T2, T4};

/// How long an INVITE client transaction that has had a provisional response may last. The
/// call's ring time ends it first with a CANCEL (the engine rings for at most 120 s); this is
/// only the net under a call nobody cancels.
const INVITE_PROCEEDING_LIMIT: Duration = Duration::from_secs(300);
use crate::api::Peer;
use crate::build::{self, ResponseHead};
use crate::wire::{Method, Request, Response};

/// Server transaction identity (RFC 3261 §17.2.3): branch, sent-by, and the method, with ACK
/// matched to its INVITE.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TxnKey {
    branch: String,
    sent_by: String,
    method: Method,
}

impl TxnKey {
    pub fn of(req: &Request) -> TxnKey {
        let method = match req.method {
            Method::Ack => Method::Invite,
            ref m => m.clone(),
        };
        TxnKey {
            branch: req.common.top_via.branch.clone(),
            sent_by: req.common.top_via.sent_by.to_ascii_lowercase(),
            method,
        }
    }

    pub fn with_method(&self, method: Method) -> TxnKey {
        TxnKey {
            method,
            ..self.clone()
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerState {
    Proceeding,
    /// Non-2xx final sent (INVITE: waiting for ACK) or final sent (non-INVITE).
    Completed,
    /// ACK received for a non-2xx final.
    Confirmed,
    /// 2xx sent for an INVITE (RFC 6026).
    Accepted,
}

pub struct ServerTxn {
    pub key: TxnKey,
    pub peer: Peer,
    pub is_invite: bool,
    pub state: ServerState,
    pub rport: bool,
    pub vias: Vec<String>,
    pub from: String,
    pub to: String,
    pub call_id: String,
    pub cseq: String,
    pub last_response: Option<Vec<u8>>,
    /// Timer G: next retransmission of a non-2xx final and its interval.
    pub retransmit: Option<(Instant, Duration)>,
    /// When the transaction goes (Timer H, I, J, L, or a bound on Proceeding).
    pub expires: Instant,
    pub call: Option<u64>,
    pub to_tag: Option<String>,
}

pub struct ClientTxn {
    pub peer: Peer,
    pub method: Method,
    pub branch: String,
    pub request: Vec<u8>,
    pub proceeding: bool,
    pub completed: bool,
    /// Timer A/E.
    pub retransmit: Option<(Instant, Duration)>,
    /// Timer B/F while waiting, Timer D/K once completed.
    pub expires: Instant,
    pub call: Option<u64>,
    /// The ACK for a non-2xx final, resent when the final is retransmitted.
    pub ack: Option<Vec<u8>>,
}

impl SipCore {
    pub(super) fn new_server_txn(
        &mut self,
        now: Now,
        peer: Peer,
        req: &Request,
        call: Option<u64>,
    ) -> u64 {
        let id = self.fresh_id();
        let is_invite = req.method == Method::Invite;
        // An INVITE waits for the engine (bounded by max_ring); others are answered at once.
        let expires = now.mono
            + if is_invite {
                self.cfg.max_ring + T1 * 64
            } else {
                T1 * 64
            };
        let txn = ServerTxn {
            key: TxnKey::of(req),
            peer,
            is_invite,
            state: ServerState::Proceeding,
            rport: req.common.top_via.rport,
            vias: req.common.vias.clone(),
            from: req.common.from.clone(),
            to: req.common.to.clone(),
            call_id: req.common.call_id.clone(),
            cseq: format!("{} {}", req.common.cseq, req.method),
            last_response: None,
            retransmit: None,
            expires,
            call,
            to_tag: req.common.to_addr.tag.clone(),
        };
        self.server_index.insert(txn.key.clone(), id);
        self.server.insert(id, txn);
        self.schedule(expires, Timer::Server(id));
        id
    }

    /// Sends a response on a server transaction and moves it along.
    pub(super) fn respond(
        &mut self,
        now: Now,
        id: u64,
        code: u16,
        to_tag: Option<&str>,
        extra: &[(&str, &str)],
        body: Option<(&str, &[u8])>,
    ) {
        self.respond_with_reason(now, id, code, None, to_tag, extra, body)
    }

    /// [`Self::respond`] with a reason phrase other than the standard one.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn respond_with_reason(
        &mut self,
        now: Now,
        id: u64,
        code: u16,
        reason: Option<&str>,
        to_tag: Option<&str>,
        extra: &[(&str, &str)],
        body: Option<(&str, &[u8])>,
    ) {
        let server = self.cfg.user_agent.clone();
        let Some(txn) = self.server.get_mut(&id) else {
            return;
        };
        if txn.state != ServerState::Proceeding {
            return; // a final response was already sent
        }
        let head = ResponseHead {
            vias: &txn.vias,
            from: &txn.from,
            to: &txn.to,
            call_id: &txn.call_id,
            cseq: &txn.cseq,
        };
        let tag = to_tag.or(txn.to_tag.as_deref());
        let bytes = build::response(
            &head,
            txn.peer.addr,
            txn.rport,
            code,
            reason,
            tag,
            extra,
            &server,
            body,
        );
        let peer = txn.peer;
        let reliable = peer.reliable();
        let mut next_timer = None;
        if code >= 200 {
            if txn.is_invite && code < 300 {
                txn.state = ServerState::Accepted;
                txn.expires = now.mono + T1 * 64;
            } else if txn.is_invite {
                txn.state = ServerState::Completed;
                txn.expires = now.mono + T1 * 64;
                if !reliable {
                    txn.retransmit = Some((now.mono + T1, T1));
                    next_timer = Some(now.mono + T1);
                }
            } else {
                txn.state = ServerState::Completed;
                txn.expires = if reliable {
                    now.mono
                } else {
                    now.mono + T1 * 64
                };
            }
            next_timer = next_timer.or(Some(txn.expires)).map(|t| t.min(txn.expires));
        }
        txn.last_response = Some(bytes.clone());
        self.stats.count_response(code);
        if let Some(at) = next_timer {
            self.schedule(at, Timer::Server(id));
        }
        self.out.push_back(Output::Transmit { peer, bytes });
    }

    pub(super) fn retransmit_response(&mut self, id: u64) {
        if let Some(txn) = self.server.get(&id) {
            if let Some(bytes) = &txn.last_response {
                let (peer, bytes) = (txn.peer, bytes.clone());
                self.out.push_back(Output::Transmit { peer, bytes });
            }
        }
    }

    /// An ACK with the branch of an INVITE server transaction: the ACK for our non-2xx final.
    pub(super) fn ack_for_server_txn(&mut self, now: Now, id: u64) {
        if let Some(txn) = self.server.get_mut(&id) {
            if txn.is_invite && txn.state == ServerState::Completed {
                txn.state = ServerState::Confirmed;
                txn.retransmit = None;
                txn.expires = if txn.peer.reliable() {
                    now.mono
                } else {
                    now.mono + T4
                };
                let at = txn.expires;
                self.schedule(at, Timer::Server(id));
            }
        }
    }

    pub(super) fn server_timer(&mut self, now: Now, id: u64) {
        let Some(txn) = self.server.get_mut(&id) else {
            return;
        };
        if now.mono >= txn.expires {
            let txn = self.remove_server_txn(id);
            if let Some(txn) = txn {
                if txn.is_invite && txn.state == ServerState::Proceeding {
                    // The engine never answered: refuse rather than leave the caller hanging.
                    if let Some(call) = txn.call {
                        self.abandon_unanswered(now, call);
                    }
                }
            }
            return;
        }
        if let Some((at, interval)) = txn.retransmit {
            if now.mono >= at {
                let next = (interval * 2).min(T2);
                txn.retransmit = Some((now.mono + next, next));
                let (peer, bytes) = (txn.peer, txn.last_response.clone());
                self.schedule(now.mono + next, Timer::Server(id));
                if let Some(bytes) = bytes {
                    self.out.push_back(Output::Transmit { peer, bytes });
                }
            }
        }
    }

    pub(super) fn remove_server_txn(&mut self, id: u64) -> Option<ServerTxn> {
        let txn = self.server.remove(&id)?;
        if self.server_index.get(&txn.key) == Some(&id) {
            self.server_index.remove(&txn.key);
        }
        self.cancel_timers(Timer::Server(id));
        Some(txn)
    }

    pub(super) fn server_txn_by_key(&self, key: &TxnKey) -> Option<u64> {
        self.server_index.get(key).copied()
    }

    /// Sends a request in a new client transaction; returns its id.
    pub(super) fn send_request(
        &mut self,
        now: Now,
        peer: Peer,
        method: Method,
        branch: String,
        request: Vec<u8>,
        call: Option<u64>,
    ) -> u64 {
        let id = self.fresh_id();
        let reliable = peer.reliable();
        let retransmit = (!reliable).then_some((now.mono + T1, T1));
        let expires = now.mono + T1 * 64;
        self.client_index
            .insert((branch.clone(), method.clone()), id);
        self.client.insert(
            id,
            ClientTxn {
                peer,
                method,
                branch,
                request: request.clone(),
                proceeding: false,
                completed: false,
                retransmit,
                expires,
                call,
                ack: None,
            },
        );
        if let Some((at, _)) = retransmit {
            self.schedule(at, Timer::Client(id));
        }
        self.schedule(expires, Timer::Client(id));
        self.out.push_back(Output::Transmit {
            peer,
            bytes: request,
        });
        id
    }

    pub(super) fn client_timer(&mut self, now: Now, id: u64) {
        let Some(txn) = self.client.get_mut(&id) else {
            return;
        };
        if now.mono >= txn.expires {
            let (completed, call, method) = (txn.completed, txn.call, txn.method.clone());
            self.remove_client_txn(id);
            if !completed {
                debug!(%method, "request timed out");
                if let Some(call) = call {
                    self.client_timed_out(now, call, id, &method);
                }
            }
            return;
        }
        if let Some((at, interval)) = txn.retransmit {
            if now.mono >= at && !txn.completed {
                let next = if txn.method == Method::Invite {
                    interval * 2
                } else {
                    (interval * 2).min(T2)
                };
                txn.retransmit = Some((now.mono + next, next));
                let (peer, bytes) = (txn.peer, txn.request.clone());
                self.schedule(now.mono + next, Timer::Client(id));
                self.out.push_back(Output::Transmit { peer, bytes });
            }
        }
    }

    pub(super) fn remove_client_txn(&mut self, id: u64) {
        if let Some(txn) = self.client.remove(&id) {
            self.client_index.remove(&(txn.branch, txn.method));
        }
        self.cancel_timers(Timer::Client(id));
    }

    pub(super) fn on_response(&mut self, now: Now, _peer: Peer, resp: Response) {
        let key = (
            resp.common.top_via.branch.clone(),
            resp.common.cseq_method.clone(),
        );
        let Some(&id) = self.client_index.get(&key) else {
            // A retransmitted 2xx to an INVITE whose transaction has ended: the dialog re-ACKs.
            if resp.common.cseq_method == Method::Invite && (200..300).contains(&resp.code) {
                self.stray_invite_2xx(now, &resp);
            }
            return;
        };
        let Some(txn) = self.client.get_mut(&id) else {
            return;
        };
        if txn.completed {
            // A retransmitted final: resend our ACK for it (INVITE), or ignore. A 2xx's ACK
            // belongs to the dialog, not the transaction (RFC 6026 Accepted state).
            if txn.method == Method::Invite && (200..300).contains(&resp.code) {
                self.stray_invite_2xx(now, &resp);
            } else if let Some(ack) = txn.ack.clone() {
                let peer = txn.peer;
                self.out.push_back(Output::Transmit { peer, bytes: ack });
            }
            return;
        }
        let (call, method, reliable) = (txn.call, txn.method.clone(), txn.peer.reliable());
        if resp.code < 200 {
            txn.proceeding = true;
            if method == Method::Invite && txn.expires < now.mono + INVITE_PROCEEDING_LIMIT {
                // Timer A stops once a provisional arrives, and Timer B with it (RFC 3261
                // §17.1.1.2): the phone rings until the call's ring time CANCELs it.
                txn.retransmit = None;
                txn.expires = now.mono + INVITE_PROCEEDING_LIMIT;
                let at = txn.expires;
                self.schedule(at, Timer::Client(id));
            }
        } else {
            txn.completed = true;
            txn.retransmit = None;
            let linger = match (method == Method::Invite, reliable) {
                (true, false) => Duration::from_secs(32), // Timer D
                (false, false) => T4,                     // Timer K
                _ => Duration::ZERO,
            };
            let is_2xx_invite = method == Method::Invite && resp.code < 300;
            txn.expires = now.mono + if is_2xx_invite { T1 * 64 } else { linger };
            let at = txn.expires;
            self.schedule(at, Timer::Client(id));
        }
        if let Some(call) = call {
            self.call_response(now, call, id, &method, &resp);
        }
    }

    /// A CANCEL went out for the INVITE client transaction `id`: it ends if no final response
    /// comes within 64·T1 (RFC 3261 §9.1).
    pub(super) fn invite_cancelled(&mut self, now: Now, id: u64) {
        let Some(txn) = self.client.get_mut(&id).filter(|t| !t.completed) else {
            return;
        };
        txn.expires = txn.expires.min(now.mono + T1 * 64);
        let at = txn.expires;
        self.schedule(at, Timer::Client(id));
    }

    /// Attaches the ACK for a non-2xx final to its INVITE client transaction.
    pub(super) fn set_client_ack(&mut self, id: u64, ack: Vec<u8>) {
        if let Some(txn) = self.client.get_mut(&id) {
            txn.ack = Some(ack);
        }
    }
}
