//! Transfers asked for inside a call: an in-dialog REFER (RFC 3515; blind, or attended with
//! Replaces, RFC 3891; the flows of RFC 5589) and the NOTIFYs of its implicit subscription.
//!
//! A REFER in a confirmed dialog with one good Refer-To is answered 202 Accepted and reported
//! as [`SipEvent::Refer`]; a bad Refer-To gets 400 with a reason naming the fault, a dialog not
//! yet confirmed or still reporting on an earlier REFER gets 491. The call is never touched by
//! a refused REFER. The engine then reports how the transfer goes with
//! [`Command::NotifyRefer`](crate::api::Command::NotifyRefer): each becomes a NOTIFY (`Event:
//! refer;id=<REFER's CSeq>`, a `message/sipfrag` body), active while 1xx, terminated at the
//! final status, after which the dialog takes a new REFER. `Refer-Sub: false` (RFC 4488) makes
//! the same flow send no NOTIFY. A NOTIFY's answer never ends the call (RFC 5057: only the
//! subscription usage goes); a 481 or a timeout ends the subscription (RFC 6665 §4.2.2), so
//! later reports are not sent.

use tracing::debug;

use super::calls::CallState;
use super::{Now, SipCore};
use crate::api::{CallRef, Peer, SipEvent};
use crate::build;
use crate::refer_to;
use crate::wire::{Method, Request};

/// How long each non-final NOTIFY says the subscription lasts (RFC 3515 §2.4.4 leaves it to us).
const ACTIVE_STATE: &str = "active;expires=60";
const TERMINATED_STATE: &str = "terminated;reason=noresource";

/// A REFER of a call that has not had its final report yet.
#[derive(Debug, Clone)]
pub struct PendingRefer {
    /// The REFER's CSeq: the `id` of its NOTIFYs' Event header (RFC 3515 §2.4.6).
    pub cseq: u32,
    /// An implicit subscription exists: reports are sent as NOTIFYs. False with `Refer-Sub:
    /// false`, or once a NOTIFY was answered 481 or not at all.
    pub subscribed: bool,
    /// Client transactions of the non-final NOTIFYs sent, still running (to know that a 481
    /// or a timeout is about this subscription, not an earlier one).
    pub notifies: Vec<u64>,
}

impl SipCore {
    /// A REFER in the dialog of call `id` (its CSeq already checked and recorded).
    pub(super) fn on_refer(&mut self, now: Now, peer: Peer, id: u64, req: Request) {
        let refer_to = match refer_to::parse(&req.refer_to) {
            Ok(r) => r,
            Err(reason) => {
                debug!(call = %CallRef(id), reason, "REFER refused");
                return self.reply_with_reason(now, peer, &req, 400, reason);
            }
        };
        let Some(call) = self.calls.get(&id) else {
            return;
        };
        if call.zombie || call.state != CallState::Confirmed || call.refer.is_some() {
            debug!(call = %CallRef(id), state = ?call.state, pending = call.refer.is_some(), "REFER refused: 491");
            return self.reply_stateless(now, peer, &req, 491, &[]);
        }
        let tag = call.local_tag.clone();
        let subscribed = !req.refer_sub_false;
        let contact = self.contact_for(id);
        let mut extra = vec![("Contact", contact.as_str())];
        if !subscribed {
            // RFC 4488 §4: say that no subscription was made.
            extra.push(("Refer-Sub", "false"));
        }
        let txn = self.new_server_txn(now, peer, &req, None);
        self.respond(now, txn, 202, Some(&tag), &extra, None);
        if let Some(call) = self.calls.get_mut(&id) {
            call.refer = Some(PendingRefer {
                cseq: req.common.cseq,
                subscribed,
                notifies: Vec::new(),
            });
        }
        debug!(call = %CallRef(id), attended = refer_to.replaces.is_some(), subscribed, "REFER accepted");
        self.emit(SipEvent::Refer {
            call: CallRef(id),
            refer_to,
        });
    }

    /// `Command::NotifyRefer`: reports `status` on the pending REFER of call `id`.
    pub(super) fn notify_refer(&mut self, now: Now, id: u64, status: u16) {
        if !(100..700).contains(&status) {
            debug!(call = %CallRef(id), status, "NotifyRefer ignored: not a SIP status");
            return;
        }
        let Some(call) = self.calls.get_mut(&id) else {
            debug!(call = %CallRef(id), "NotifyRefer ignored: no such call");
            return;
        };
        let Some(refer) = call.refer.as_mut() else {
            debug!(call = %CallRef(id), "NotifyRefer ignored: no REFER pending");
            return;
        };
        let last = status >= 200;
        let (cseq, subscribed) = (refer.cseq, refer.subscribed);
        if last {
            call.refer = None;
        }
        if !subscribed {
            debug!(call = %CallRef(id), status, "no subscription: no NOTIFY");
            return;
        }
        let state = if last { TERMINATED_STATE } else { ACTIVE_STATE };
        let extra = [
            ("Event".to_string(), format!("refer;id={cseq}")),
            ("Subscription-State".to_string(), state.to_string()),
        ];
        let reason = build::known_reason(status).unwrap_or("Unknown");
        let body = format!("SIP/2.0 {status} {reason}\r\n");
        let sipfrag = ("message/sipfrag;version=2.0", body.as_bytes());
        let txn = self.send_in_dialog(now, id, Method::Notify, &extra, Some(sipfrag));
        if last {
            return;
        }
        let still_running = |t: &u64| self.client.get(t).is_some_and(|t| !t.completed);
        let mut notifies: Vec<u64> = self
            .calls
            .get(&id)
            .and_then(|c| c.refer.as_ref())
            .map(|r| r.notifies.iter().copied().filter(still_running).collect())
            .unwrap_or_default();
        notifies.extend(txn);
        if let Some(refer) = self.calls.get_mut(&id).and_then(|c| c.refer.as_mut()) {
            refer.notifies = notifies;
        }
    }

    /// A NOTIFY of call `id` (client transaction `txn`) was answered `code`, or never (None).
    pub(super) fn notify_answered(&mut self, id: u64, txn: u64, code: Option<u16>) {
        match code {
            Some(code) if code < 300 => return,
            Some(code) => debug!(call = %CallRef(id), code, "NOTIFY refused"),
            None => debug!(call = %CallRef(id), "NOTIFY timed out"),
        }
        // RFC 6665 §4.2.2: a 481 or a timeout ends the subscription, not the dialog.
        if !matches!(code, None | Some(408 | 481)) {
            return;
        }
        let refer = self
            .calls
            .get_mut(&id)
            .and_then(|c| c.refer.as_mut())
            .filter(|r| r.notifies.contains(&txn));
        if let Some(refer) = refer {
            debug!(call = %CallRef(id), "REFER subscription ended by the far end");
            refer.subscribed = false;
            refer.notifies.clear();
        }
    }
}
