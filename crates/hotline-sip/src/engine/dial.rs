//! Outbound calls to registered users (ringing an agent's softphone): the INVITE, its
//! responses, ACK, and giving up with CANCEL when nobody answers. The engine never calls
//! anything but a registered contact (no toll fraud by design).

use tracing::{debug, info};

use super::calls::{Call, CallState};
use super::{Now, SipCore, Timer};
use crate::api::{CallRef, Dial, EndReason, Peer, SipEvent};
use crate::build::{self, RequestSpec};
use crate::headers;
use crate::registrar::Flow;
use crate::wire::{Method, Response};

impl SipCore {
    pub(super) fn dial(&mut self, now: Now, dial: Dial) {
        let id = dial.call.0;
        if self.calls.contains_key(&id) {
            return;
        }
        let binding = match dial.gateway {
            Some(gw) => Some((
                Peer::udp(gw),
                format!("sip:{}@{}", sanitize_user(&dial.user), host_of(gw)),
            )),
            None => self
                .registrar
                .lookup(&dial.user, now.mono)
                .first()
                .map(|b| {
                    let peer = match b.flow {
                        Flow::Udp => Peer::udp(b.source),
                        Flow::Tcp { conn_id } => Peer::tcp(b.source, conn_id),
                    };
                    (peer, b.contact.clone())
                }),
        };
        let Some((peer, target)) = binding else {
            debug!(call = %dial.call, "dial: user not registered");
            self.emit(SipEvent::Ended {
                call: dial.call,
                reason: EndReason::Failed(480),
            });
            return;
        };
        let (local_tag, branch) = (self.token(), self.branch());
        let sip_call_id = format!("{}@hotline", self.token());
        let display = dial
            .from_display
            .as_deref()
            .map(|d| format!("\"{}\" ", build::sanitize(d).replace('"', "")))
            .unwrap_or_default();
        let host = self.host_port(peer.transport);
        let from_user = sanitize_user(&dial.from_user);
        let local_party = format!("{display}<sip:{from_user}@{host}>;tag={local_tag}");
        let remote_host = dial.gateway.map(host_of).unwrap_or_else(|| host.clone());
        let remote_party = format!("<sip:{}@{remote_host}>", sanitize_user(&dial.user));
        let via = self.our_via(&peer, &branch);
        let contact = self.our_contact(peer.transport);
        let extra: Vec<(String, String)> = dial
            .headers
            .iter()
            .filter(|(name, _)| is_token(name))
            .cloned()
            .collect();
        let bytes = build::request(&RequestSpec {
            method: "INVITE",
            uri: &target,
            via: &via,
            routes: &[],
            from: &local_party,
            to: &remote_party,
            call_id: &sip_call_id,
            cseq: 1,
            contact: Some(&contact),
            extra: &extra,
            user_agent: &self.cfg.user_agent,
            body: Some(("application/sdp", &dial.offer)),
        });
        let txn = self.send_request(now, peer, Method::Invite, branch.clone(), bytes, Some(id));
        let ring_deadline = now.mono + dial.ring_timeout;
        let call = Call {
            id,
            outbound: true,
            state: CallState::Dialing,
            zombie: false,
            sip_call_id: sip_call_id.clone(),
            local_tag: local_tag.clone(),
            remote_tag: None,
            local_party,
            remote_party,
            remote_target: target,
            routes: Vec::new(),
            peer,
            local_cseq: 1,
            remote_cseq: None,
            invite_txn: None,
            ok: None,
            out_txn: Some(txn),
            out_branch: branch,
            out_via: via,
            provisional: false,
            cancel_sent: false,
            last_progress: 0,
            ring_deadline: Some(ring_deadline),
            ack: None,
            ends_at: now.mono + self.cfg.max_call,
            refer: None,
        };
        info!(call = %dial.call, agent = %crate::mask(&dial.user), dest = %peer.addr, "ringing user");
        self.dialogs.insert((sip_call_id, local_tag), id);
        self.calls.insert(id, call);
        self.schedule(ring_deadline, Timer::Call(id));
        self.schedule(now.mono + self.cfg.max_call, Timer::Call(id));
    }

    /// A response to one of our requests in call `id`.
    pub(super) fn call_response(
        &mut self,
        now: Now,
        id: u64,
        txn: u64,
        method: &Method,
        resp: &Response,
    ) {
        if *method == Method::Notify {
            return self.notify_answered(id, txn, Some(resp.code));
        }
        if *method != Method::Invite {
            return; // CANCEL answers need nothing more
        }
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        if call.out_txn != Some(txn) {
            return;
        }
        match resp.code {
            100 => {}
            101..=199 => {
                call.provisional = true;
                if call.zombie {
                    self.send_cancel(now, id);
                } else if call.last_progress != resp.code {
                    call.last_progress = resp.code;
                    self.emit(SipEvent::Progress {
                        call: CallRef(id),
                        code: resp.code,
                    });
                }
            }
            200..=299 => {
                call.remote_tag = resp.common.to_addr.tag.clone();
                call.remote_party = resp.common.to.clone();
                if let Some(c) = resp
                    .common
                    .contacts
                    .first()
                    .and_then(|c| headers::parse_name_addr(c).ok())
                {
                    call.remote_target = c.uri;
                }
                call.routes = resp.common.record_routes.iter().rev().cloned().collect();
                call.ring_deadline = None;
                self.send_ack_2xx(now, id);
                let zombie = self.calls.get(&id).map(|c| c.zombie).unwrap_or(true);
                if zombie {
                    // We gave up while it was ringing, but it answered: end it properly.
                    self.send_bye(now, id);
                    self.forget_call(id);
                } else if let Some(call) = self.calls.get_mut(&id) {
                    call.state = CallState::Confirmed;
                    info!(call = %CallRef(id), "answered");
                    let answer = (!resp.common.body.is_empty()).then(|| resp.common.body.clone());
                    self.emit(SipEvent::Answered {
                        call: CallRef(id),
                        answer,
                    });
                }
            }
            code => {
                // Non-2xx final: ACK in the same transaction (RFC 3261 §17.1.1.3).
                let ack = self.non_2xx_ack(id, resp);
                if let Some((peer, ack)) = ack {
                    self.set_client_ack(txn, ack.clone());
                    self.transmit(peer, ack);
                }
                self.end_call(id, EndReason::Failed(code));
            }
        }
    }

    /// The 2xx of a finished INVITE transaction came again: ACK it again.
    pub(super) fn stray_invite_2xx(&mut self, _now: Now, resp: &Response) {
        let Some(tag) = resp.common.from_addr.tag.clone() else {
            return;
        };
        let key = (resp.common.call_id.clone(), tag);
        if let Some(call) = self.dialogs.get(&key).and_then(|id| self.calls.get(id)) {
            if let Some(ack) = call.ack.clone() {
                let peer = call.peer;
                self.transmit(peer, ack);
            }
        }
    }

    fn send_ack_2xx(&mut self, _now: Now, id: u64) {
        let branch = self.branch();
        let Some(call) = self.calls.get(&id) else {
            return;
        };
        let via = self.our_via(&call.peer, &branch);
        let bytes = build::request(&RequestSpec {
            method: "ACK",
            uri: &call.remote_target,
            via: &via,
            routes: &call.routes,
            from: &call.local_party,
            to: &call.remote_party,
            call_id: &call.sip_call_id,
            cseq: 1,
            contact: None,
            extra: &[],
            user_agent: &self.cfg.user_agent,
            body: None,
        });
        let peer = call.peer;
        if let Some(call) = self.calls.get_mut(&id) {
            call.ack = Some(bytes.clone());
        }
        self.transmit(peer, bytes);
    }

    fn non_2xx_ack(&self, id: u64, resp: &Response) -> Option<(Peer, Vec<u8>)> {
        let call = self.calls.get(&id)?;
        let bytes = build::request(&RequestSpec {
            method: "ACK",
            uri: &call.remote_target,
            via: &call.out_via,
            routes: &[],
            from: &call.local_party,
            to: &resp.common.to,
            call_id: &call.sip_call_id,
            cseq: 1,
            contact: None,
            extra: &[],
            user_agent: &self.cfg.user_agent,
            body: None,
        });
        Some((call.peer, bytes))
    }

    /// Stops ringing: tells the engine at once, then CANCELs (now, or when a provisional
    /// arrives, RFC 3261 §9.1) and cleans up whatever the far end answers.
    pub(super) fn give_up_dialing(&mut self, now: Now, id: u64, reason: EndReason) {
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        if call.zombie {
            return;
        }
        call.zombie = true;
        call.ring_deadline = None;
        let provisional = call.provisional;
        self.emit(SipEvent::Ended {
            call: CallRef(id),
            reason,
        });
        if provisional {
            self.send_cancel(now, id);
        } else if let Some(txn) = self.calls.get(&id).and_then(|c| c.out_txn) {
            // No provisional yet: stop retransmitting; Timer B cleans up.
            if let Some(t) = self.client.get_mut(&txn) {
                t.retransmit = None;
            }
        }
    }

    fn send_cancel(&mut self, now: Now, id: u64) {
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        if call.cancel_sent {
            return;
        }
        call.cancel_sent = true;
        let bytes = build::request(&RequestSpec {
            method: "CANCEL",
            uri: &call.remote_target,
            via: &call.out_via,
            routes: &[],
            from: &call.local_party,
            to: &call.remote_party,
            call_id: &call.sip_call_id,
            cseq: 1,
            contact: None,
            extra: &[],
            user_agent: &self.cfg.user_agent,
            body: None,
        });
        let (peer, branch, invite) = (call.peer, call.out_branch.clone(), call.out_txn);
        self.send_request(now, peer, Method::Cancel, branch, bytes, Some(id));
        if let Some(invite) = invite {
            self.invite_cancelled(now, invite);
        }
    }

    /// Our request in call `id` (client transaction `txn`) got no answer at all.
    pub(super) fn client_timed_out(&mut self, _now: Now, id: u64, txn: u64, method: &Method) {
        if *method == Method::Notify {
            return self.notify_answered(id, txn, None);
        }
        if *method != Method::Invite {
            return;
        }
        let Some(call) = self.calls.get(&id) else {
            return;
        };
        if call.state == CallState::Dialing {
            self.end_call(id, EndReason::Failed(408));
        }
    }
}

/// Keeps a user part to characters that need no escaping.
fn sanitize_user(user: &str) -> String {
    user.chars()
        .filter(|c| c.is_ascii_alphanumeric() || "-_.!~*'()+".contains(*c))
        .collect()
}

fn is_token(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-.!%*_+`'~".contains(&b))
}

/// `host:port` of an address for a SIP URI (IPv6 in brackets).
fn host_of(addr: std::net::SocketAddr) -> String {
    match addr {
        std::net::SocketAddr::V4(a) => a.to_string(),
        std::net::SocketAddr::V6(a) => format!("[{}]:{}", a.ip(), a.port()),
    }
}
