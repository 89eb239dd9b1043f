//! Calls as dialogs: inbound INVITEs (UAS), requests inside a dialog (ACK, BYE, re-INVITE,
//! OPTIONS, INFO; REFER goes to `refer.rs`), CANCEL, the engine's commands, and the timers that
//! free every call (2xx retransmission until ACK, ring limit, maximum length).

use std::time::{Duration, Instant};

use tracing::{debug, info};

use super::{Now, SipCore, Timer, ALLOW, T1, T2};
use crate::api::{CallRef, CallSource, Command, EndReason, IncomingCall, Peer, SipEvent};
use crate::build;
use crate::headers;
use crate::overload::Verdict;
use crate::wire::{Method, Request};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallState {
    /// Inbound, waiting for the engine to answer.
    Incoming,
    /// Inbound, 2xx sent, waiting for ACK.
    Answering,
    /// Up.
    Confirmed,
    /// Outbound, INVITE sent.
    Dialing,
}

/// Our 2xx to an INVITE, retransmitted until the ACK comes (RFC 3261 §13.3.1.4).
pub struct OkRetx {
    pub bytes: Vec<u8>,
    pub next: Option<(Instant, Duration)>,
    pub give_up: Instant,
    pub cseq: u32,
}

/// One dialog of the engine's.
pub struct Call {
    pub id: u64,
    pub outbound: bool,
    pub state: CallState,
    /// The engine has been told the call ended; only protocol duties remain (BYE after a late
    /// ACK or 2xx, CANCEL after a late provisional).
    pub zombie: bool,
    pub sip_call_id: String,
    pub local_tag: String,
    pub remote_tag: Option<String>,
    /// Our From (outbound) or To (inbound) value, with our tag.
    pub local_party: String,
    /// Their header value, with their tag once known.
    pub remote_party: String,
    pub remote_target: String,
    pub routes: Vec<String>,
    pub peer: Peer,
    pub local_cseq: u32,
    pub remote_cseq: Option<u32>,
    /// A server INVITE transaction waiting for our answer (initial or re-INVITE).
    pub invite_txn: Option<u64>,
    pub ok: Option<OkRetx>,
    /// Outbound: the initial INVITE's client transaction, branch and request line target.
    pub out_txn: Option<u64>,
    pub out_branch: String,
    pub out_via: String,
    pub provisional: bool,
    pub cancel_sent: bool,
    pub last_progress: u16,
    pub ring_deadline: Option<Instant>,
    /// Outbound: our ACK for the 2xx, resent when the 2xx is retransmitted.
    pub ack: Option<Vec<u8>>,
    pub ends_at: Instant,
    /// A REFER accepted in this dialog, until its final report.
    pub refer: Option<super::refer::PendingRefer>,
}

/// Does one of these Accept media ranges take `application/sdp`?
fn accepts_sdp(ranges: &[String]) -> bool {
    ranges.iter().any(|r| {
        let range = r.split(';').next().unwrap_or_default().trim();
        ["application/sdp", "application/*", "*/*"]
            .iter()
            .any(|ok| range.eq_ignore_ascii_case(ok))
    })
}

impl SipCore {
    pub(super) fn on_invite(&mut self, now: Now, peer: Peer, req: Request, is_trunk: bool) {
        let source = if is_trunk {
            CallSource::Trunk
        } else {
            match self.authorize_invite(now, peer, &req) {
                Some(user) => CallSource::User(user),
                None => return,
            }
        };
        if req.max_forwards == Some(0) {
            return self.reply_stateless(now, peer, &req, 483, &[]);
        }
        let sdp_or_none = match &req.common.content_type {
            None => true,
            Some(ct) => ct.to_ascii_lowercase().starts_with("application/sdp"),
        };
        if !sdp_or_none && !req.common.body.is_empty() {
            return self.reply_stateless(now, peer, &req, 415, &[("Accept", "application/sdp")]);
        }
        // Our answer carries SDP: a caller that accepts none cannot take it (RFC 3261 §21.4.7).
        if req
            .accept
            .as_ref()
            .is_some_and(|ranges| !accepts_sdp(ranges))
        {
            return self.reply_stateless(now, peer, &req, 406, &[("Accept", "application/sdp")]);
        }
        // Overload control, before the engine hears of the call (and leases it RTP ports).
        if let Verdict::Busy {
            reason,
            retry_after_secs,
        } = self.overload.admit(self.inbound_calls, now.mono)
        {
            *self.stats.overloaded.entry(reason.label()).or_default() += 1;
            debug!(src = %peer.addr, reason = reason.label(), calls = self.inbound_calls, "overloaded: new call refused");
            let retry = retry_after_secs.to_string();
            return self.reply_stateless(now, peer, &req, 503, &[("Retry-After", &retry)]);
        }
        let id = self.fresh_id();
        let local_tag = self.token();
        let txn = self.new_server_txn(now, peer, &req, Some(id));
        self.respond(now, txn, 100, None, &[], None);
        let remote_target = req
            .common
            .contacts
            .first()
            .and_then(|c| headers::parse_name_addr(c).ok())
            .map(|c| c.uri)
            .unwrap_or_else(|| req.common.from_addr.uri.clone());
        let call = Call {
            id,
            outbound: false,
            state: CallState::Incoming,
            zombie: false,
            sip_call_id: req.common.call_id.clone(),
            local_tag: local_tag.clone(),
            remote_tag: req.common.from_addr.tag.clone(),
            local_party: headers::with_tag(&req.common.to, &local_tag),
            remote_party: req.common.from.clone(),
            remote_target,
            routes: req.common.record_routes.clone(),
            peer,
            local_cseq: 0,
            remote_cseq: Some(req.common.cseq),
            invite_txn: Some(txn),
            ok: None,
            out_txn: None,
            out_branch: String::new(),
            out_via: String::new(),
            provisional: false,
            cancel_sent: false,
            last_progress: 0,
            ring_deadline: Some(now.mono + self.cfg.max_ring),
            ack: None,
            ends_at: now.mono + self.cfg.max_call,
            refer: None,
        };
        self.dialogs
            .insert((call.sip_call_id.clone(), local_tag), id);
        self.schedule(now.mono + self.cfg.max_ring, Timer::Call(id));
        self.schedule(call.ends_at, Timer::Call(id));
        info!(call = %CallRef(id), from = %crate::mask(&req.common.from_addr.user), to = %crate::mask(&req.uri_user), src = %peer.addr, "incoming call");
        self.calls.insert(id, call);
        self.inbound_calls += 1;
        self.emit(SipEvent::Incoming(IncomingCall {
            call: CallRef(id),
            caller: req.common.from_addr.user.clone(),
            caller_display: req.common.from_addr.display.clone(),
            callee: req.uri_user.clone(),
            source,
            remote: peer.addr,
            transport: peer.transport,
            offer: (!req.common.body.is_empty()).then(|| req.common.body.clone()),
            sip_call_id: req.common.call_id.clone(),
            user_agent: req.user_agent.clone(),
        }));
    }

    pub(super) fn on_cancel(&mut self, now: Now, peer: Peer, req: Request) {
        let invite_key = super::TxnKey::of(&req).with_method(Method::Invite);
        let Some(invite_txn) = self.server_txn_by_key(&invite_key) else {
            return self.reply_stateless(now, peer, &req, 481, &[]);
        };
        let call = self.server.get(&invite_txn).and_then(|t| t.call);
        let tag = call
            .and_then(|c| self.calls.get(&c))
            .map(|c| c.local_tag.clone());
        let cancel_txn = self.new_server_txn(now, peer, &req, None);
        self.respond(now, cancel_txn, 200, tag.as_deref(), &[], None);
        let pending = self
            .server
            .get(&invite_txn)
            .map(|t| t.state == super::txn::ServerState::Proceeding)
            .unwrap_or(false);
        if pending {
            self.respond(now, invite_txn, 487, tag.as_deref(), &[], None);
            if let Some(call) = call {
                self.end_call(call, EndReason::Cancelled);
            }
        }
    }

    pub(super) fn in_dialog(&mut self, now: Now, peer: Peer, req: Request) {
        let key = (
            req.common.call_id.clone(),
            req.common.to_addr.tag.clone().unwrap_or_default(),
        );
        let Some(&id) = self.dialogs.get(&key) else {
            if req.method != Method::Ack {
                self.reply_stateless(now, peer, &req, 481, &[]);
            }
            return;
        };
        if req.method == Method::Ack {
            return self.on_ack(now, id, &req);
        }
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        if let Some(last) = call.remote_cseq {
            if req.common.cseq <= last {
                return self.reply_stateless(now, peer, &req, 500, &[("Retry-After", "1")]);
            }
        }
        call.remote_cseq = Some(req.common.cseq);
        let zombie = call.zombie;
        match req.method {
            Method::Bye => {
                self.reply_stateless(now, peer, &req, 200, &[]);
                if let Some(txn) = self.calls.get(&id).and_then(|c| c.invite_txn) {
                    self.respond(now, txn, 487, None, &[], None);
                }
                if zombie {
                    self.forget_call(id);
                } else {
                    self.end_call(id, EndReason::RemoteHangup);
                }
            }
            Method::Invite => self.on_reinvite(now, peer, id, req),
            Method::Refer => self.on_refer(now, peer, id, req),
            Method::Options | Method::Info => self.reply_stateless(now, peer, &req, 200, &[]),
            Method::Other(_) => self.reply_stateless(now, peer, &req, 501, &[]),
            _ => self.reply_stateless(now, peer, &req, 405, &[("Allow", ALLOW)]),
        }
    }

    fn on_reinvite(&mut self, now: Now, peer: Peer, id: u64, req: Request) {
        let busy = match self.calls.get(&id) {
            Some(c) => {
                c.zombie
                    || c.state != CallState::Confirmed
                    || c.invite_txn.is_some()
                    || c.ok.is_some()
            }
            None => true,
        };
        if busy {
            return self.reply_stateless(now, peer, &req, 491, &[]);
        }
        let txn = self.new_server_txn(now, peer, &req, Some(id));
        self.respond(now, txn, 100, None, &[], None);
        if let Some(call) = self.calls.get_mut(&id) {
            call.invite_txn = Some(txn);
            if let Some(target) = req
                .common
                .contacts
                .first()
                .and_then(|c| headers::parse_name_addr(c).ok())
            {
                call.remote_target = target.uri;
            }
        }
        let offer = (!req.common.body.is_empty()).then(|| req.common.body.clone());
        self.emit(SipEvent::Reoffer {
            call: CallRef(id),
            offer,
        });
    }

    fn on_ack(&mut self, now: Now, id: u64, req: &Request) {
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        let matches = call
            .ok
            .as_ref()
            .map(|ok| ok.cseq == req.common.cseq)
            .unwrap_or(false);
        if !matches {
            return;
        }
        call.ok = None;
        if call.zombie {
            self.send_bye(now, id);
            self.forget_call(id);
            return;
        }
        if call.state == CallState::Answering {
            call.state = CallState::Confirmed;
            debug!(call = %CallRef(id), "call confirmed");
            self.emit(SipEvent::Confirmed { call: CallRef(id) });
        }
    }

    pub(super) fn on_command(&mut self, now: Now, cmd: Command) {
        match cmd {
            Command::Ringing(call) => {
                if let Some((txn, tag)) = self.pending_invite(call.0, CallState::Incoming) {
                    let contact = self.contact_for(call.0);
                    self.respond(now, txn, 180, Some(&tag), &[("Contact", &contact)], None);
                }
            }
            Command::Answer { call, answer } => self.answer(now, call.0, answer),
            Command::Reject { call, code } => {
                if let Some((txn, tag)) = self.pending_invite(call.0, CallState::Incoming) {
                    let code = if (300..700).contains(&code) {
                        code
                    } else {
                        480
                    };
                    self.respond(now, txn, code, Some(&tag), &[], None);
                    self.end_call(call.0, EndReason::Rejected(code));
                }
            }
            Command::AnswerReoffer { call, answer } => {
                let Some((txn, tag)) = self.pending_invite(call.0, CallState::Confirmed) else {
                    return;
                };
                match answer {
                    Ok(sdp) => self.send_2xx(now, call.0, txn, &tag, sdp),
                    Err(code) => {
                        let code = if (300..700).contains(&code) {
                            code
                        } else {
                            488
                        };
                        self.respond(now, txn, code, Some(&tag), &[], None);
                        if let Some(c) = self.calls.get_mut(&call.0) {
                            c.invite_txn = None;
                        }
                    }
                }
            }
            Command::Hangup(call) => self.hangup(now, call.0),
            Command::Dial(dial) => self.dial(now, dial),
            Command::NotifyRefer { call, status } => self.notify_refer(now, call.0, status),
        }
    }

    fn pending_invite(&self, id: u64, state: CallState) -> Option<(u64, String)> {
        let call = self.calls.get(&id)?;
        if call.zombie || call.state != state {
            return None;
        }
        Some((call.invite_txn?, call.local_tag.clone()))
    }

    pub(super) fn contact_for(&self, id: u64) -> String {
        let transport = self.calls.get(&id).map(|c| c.peer.transport);
        self.our_contact(transport.unwrap_or(crate::api::Transport::Udp))
    }

    fn answer(&mut self, now: Now, id: u64, sdp: Vec<u8>) {
        let Some((txn, tag)) = self.pending_invite(id, CallState::Incoming) else {
            return;
        };
        if let Some(call) = self.calls.get_mut(&id) {
            call.state = CallState::Answering;
            call.ring_deadline = None;
        }
        self.send_2xx(now, id, txn, &tag, sdp);
    }

    fn send_2xx(&mut self, now: Now, id: u64, txn: u64, tag: &str, sdp: Vec<u8>) {
        let contact = self.contact_for(id);
        let cseq = self
            .server
            .get(&txn)
            .and_then(|t| headers::parse_cseq(&t.cseq))
            .map(|(n, _)| n)
            .unwrap_or(0);
        self.respond(
            now,
            txn,
            200,
            Some(tag),
            &[("Contact", &contact), ("Allow", ALLOW)],
            Some(("application/sdp", &sdp)),
        );
        let bytes = self
            .server
            .get(&txn)
            .and_then(|t| t.last_response.clone())
            .unwrap_or_default();
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        call.invite_txn = None;
        let next = (!call.peer.reliable()).then_some((now.mono + T1, T1));
        let give_up = now.mono + T1 * 64;
        call.ok = Some(OkRetx {
            bytes,
            next,
            give_up,
            cseq,
        });
        if let Some((at, _)) = next {
            self.schedule(at, Timer::Call(id));
        }
        self.schedule(give_up, Timer::Call(id));
    }

    fn hangup(&mut self, now: Now, id: u64) {
        let Some(call) = self.calls.get(&id) else {
            return;
        };
        if call.zombie {
            return;
        }
        match call.state {
            CallState::Incoming => {
                if let Some(txn) = call.invite_txn {
                    let tag = call.local_tag.clone();
                    self.respond(now, txn, 480, Some(&tag), &[], None);
                }
                self.end_call(id, EndReason::LocalHangup);
            }
            CallState::Answering => {
                // RFC 3261 §15: no BYE before the ACK (or its timeout); send it then.
                self.emit(SipEvent::Ended {
                    call: CallRef(id),
                    reason: EndReason::LocalHangup,
                });
                if let Some(c) = self.calls.get_mut(&id) {
                    c.zombie = true;
                }
            }
            CallState::Confirmed => {
                if let Some(txn) = call.invite_txn {
                    let tag = call.local_tag.clone();
                    self.respond(now, txn, 487, Some(&tag), &[], None);
                }
                self.send_bye(now, id);
                self.end_call(id, EndReason::LocalHangup);
            }
            CallState::Dialing => self.give_up_dialing(now, id, EndReason::LocalHangup),
        }
    }

    /// Sends BYE in the dialog of call `id`.
    pub(super) fn send_bye(&mut self, now: Now, id: u64) {
        self.send_in_dialog(now, id, Method::Bye, &[], None);
    }

    /// Sends a request in the dialog of call `id` with the next CSeq, in a client transaction
    /// (its id returned). A BYE's answers go nowhere (the call is over); others' go to
    /// `call_response` with the call. Requests other than BYE carry our Contact.
    pub(super) fn send_in_dialog(
        &mut self,
        now: Now,
        id: u64,
        method: Method,
        extra: &[(String, String)],
        body: Option<(&str, &[u8])>,
    ) -> Option<u64> {
        let branch = self.branch();
        let call = self.calls.get_mut(&id)?;
        call.local_cseq += 1;
        let (peer, cseq) = (call.peer, call.local_cseq);
        let via = self.our_via(&peer, &branch);
        let contact = (method != Method::Bye).then(|| self.contact_for(id));
        let call = self.calls.get(&id)?;
        let bytes = build::request(&build::RequestSpec {
            method: method.as_str(),
            uri: &call.remote_target,
            via: &via,
            routes: &call.routes,
            from: &call.local_party,
            to: &call.remote_party,
            call_id: &call.sip_call_id,
            cseq,
            contact: contact.as_deref(),
            extra,
            user_agent: &self.cfg.user_agent,
            body,
        });
        let owner = (method != Method::Bye).then_some(id);
        Some(self.send_request(now, peer, method, branch, bytes, owner))
    }

    /// Tells the engine the call ended and forgets it.
    pub(super) fn end_call(&mut self, id: u64, reason: EndReason) {
        if let Some(call) = self.calls.get(&id) {
            if !call.zombie {
                info!(call = %CallRef(id), reason = reason.label(), "call ended");
                self.emit(SipEvent::Ended {
                    call: CallRef(id),
                    reason,
                });
            }
        }
        self.forget_call(id);
    }

    /// Forgets a call without telling the engine (it already knows).
    pub(super) fn forget_call(&mut self, id: u64) {
        if let Some(call) = self.calls.remove(&id) {
            if !call.outbound {
                self.inbound_calls = self.inbound_calls.saturating_sub(1);
            }
            self.dialogs.remove(&(call.sip_call_id, call.local_tag));
        }
        self.cancel_timers(Timer::Call(id));
    }

    /// A server INVITE transaction expired before the engine answered it.
    pub(super) fn abandon_unanswered(&mut self, _now: Now, id: u64) {
        if self
            .calls
            .get(&id)
            .map(|c| c.state == CallState::Incoming)
            .unwrap_or(false)
        {
            self.end_call(id, EndReason::Rejected(480));
        }
    }

    pub(super) fn call_timer(&mut self, now: Now, id: u64) {
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        if now.mono >= call.ends_at {
            debug!(call = %CallRef(id), "maximum call length reached");
            let state = call.state;
            match state {
                CallState::Confirmed => {
                    self.send_bye(now, id);
                    self.end_call(id, EndReason::MaxDuration);
                }
                _ => {
                    self.hangup(now, id);
                    self.end_call(id, EndReason::MaxDuration);
                }
            }
            return;
        }
        if let Some(ok) = call.ok.as_mut() {
            if now.mono >= ok.give_up {
                // RFC 3261 §13.3.1.4: no ACK within 64*T1: the dialog ends with a BYE.
                call.ok = None;
                let zombie = call.zombie;
                self.send_bye(now, id);
                if zombie {
                    self.forget_call(id);
                } else {
                    self.end_call(id, EndReason::AckTimeout);
                }
                return;
            }
            if let Some((at, interval)) = ok.next {
                if now.mono >= at {
                    let next = (interval * 2).min(T2);
                    ok.next = Some((now.mono + next, next));
                    let (peer, bytes) = (call.peer, ok.bytes.clone());
                    self.schedule(now.mono + next, Timer::Call(id));
                    self.transmit(peer, bytes);
                }
            }
        }
        let Some(call) = self.calls.get(&id) else {
            return;
        };
        if let Some(deadline) = call.ring_deadline {
            if now.mono >= deadline {
                match call.state {
                    CallState::Incoming => {
                        if let Some(txn) = call.invite_txn {
                            let tag = call.local_tag.clone();
                            self.respond(now, txn, 480, Some(&tag), &[], None);
                        }
                        self.end_call(id, EndReason::Rejected(480));
                    }
                    CallState::Dialing => self.give_up_dialing(now, id, EndReason::Failed(408)),
                    _ => {}
                }
            }
        }
    }
}
