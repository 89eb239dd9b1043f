//! The sans-IO SMPP transceiver client: `handle(now_ms, input) -> outputs`, with no socket and
//! no clock. It binds on `Connected`, keeps a window of outstanding `submit_sm`s, splits long
//! text into parts, sends `enquire_link` every interval and declares the link lost when an
//! answer is overdue, backs off on ESME_RTHROTTLED / ESME_RMSGQFUL and retries the part, and
//! reports submits, receipts and inbound messages. One `Session` lives across connections:
//! parts not yet acknowledged when a link is lost are sent again after the next bind, parts
//! acknowledged are never sent again. (A part the SMSC took but whose answer was lost with the
//! link is sent twice: SMPP 3.4 has no way to tell.)

use std::collections::{BTreeMap, HashMap, VecDeque};

use crate::pdu::{self, status, Address, Bind, Body, Pdu, ShortMessage};
use crate::receipt;
use crate::text;

mod api;
pub use api::{Event, Input, LostReason, Output, SessionConfig};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Link {
    Down,
    Binding { sequence: u32, deadline: u64 },
    Bound,
    Unbinding { deadline: u64 },
}

/// A text being sent: its parts and what the SMSC said of each.
struct Message {
    to: String,
    data_coding: u8,
    udhi: bool,
    parts: Vec<Vec<u8>>,
    message_ids: Vec<Option<String>>,
    retries: Vec<u32>,
}

/// The status and sequence of a received PDU.
#[derive(Clone, Copy)]
struct Head {
    status: u32,
    sequence: u32,
}

/// A `submit_sm` awaiting its answer.
struct InFlight {
    local_id: u64,
    part: usize,
    deadline: u64,
}

/// The client state machine; see the module docs.
pub struct Session {
    config: SessionConfig,
    link: Link,
    next_sequence: u32,
    rx: Vec<u8>,
    messages: BTreeMap<u64, Message>,
    queue: VecDeque<(u64, usize)>,
    in_flight: HashMap<u32, InFlight>,
    throttled_until: u64,
    next_enquire_at: u64,
    enquire_deadline: Option<(u32, u64)>,
    out: Vec<Output>,
}

impl Session {
    pub fn new(config: SessionConfig) -> Session {
        Session {
            config,
            link: Link::Down,
            next_sequence: 1,
            rx: Vec::new(),
            messages: BTreeMap::new(),
            queue: VecDeque::new(),
            in_flight: HashMap::new(),
            throttled_until: 0,
            next_enquire_at: 0,
            enquire_deadline: None,
            out: Vec::new(),
        }
    }

    /// Whether the link is bound.
    pub fn is_bound(&self) -> bool {
        self.link == Link::Bound
    }

    /// Whether there is no link (never connected, lost, refused or unbound).
    pub fn is_down(&self) -> bool {
        self.link == Link::Down
    }

    /// Parts not yet accepted by the SMSC (queued or awaiting an answer).
    pub fn unacknowledged_parts(&self) -> usize {
        self.queue.len() + self.in_flight.len()
    }

    /// The next time `Input::Tick` has work, if any.
    pub fn next_deadline(&self) -> Option<u64> {
        match self.link {
            Link::Down => None,
            Link::Binding { deadline, .. } | Link::Unbinding { deadline } => Some(deadline),
            Link::Bound => {
                let mut at = self.next_enquire_at;
                if let Some((_, d)) = self.enquire_deadline {
                    at = at.min(d);
                }
                if let Some(d) = self.in_flight.values().map(|f| f.deadline).min() {
                    at = at.min(d);
                }
                if !self.queue.is_empty() && self.in_flight.len() < self.config.window {
                    at = at.min(self.throttled_until);
                }
                Some(at)
            }
        }
    }

    pub fn handle(&mut self, now: u64, input: Input) -> Vec<Output> {
        match input {
            Input::Connected => self.on_connected(now),
            Input::Received(bytes) => self.on_bytes(now, &bytes),
            Input::Submit { local_id, to, text } => self.on_submit(local_id, to, &text),
            Input::Tick => self.on_tick(now),
            Input::Unbind => self.on_unbind(now),
            Input::Closed => match self.link {
                Link::Down => {}
                Link::Unbinding { .. } => self.finish_unbind(),
                Link::Binding { .. } | Link::Bound => self.lose(LostReason::Closed),
            },
        }
        self.pump(now);
        std::mem::take(&mut self.out)
    }

    fn sequence(&mut self) -> u32 {
        let s = self.next_sequence;
        self.next_sequence = if s >= 0x7FFF_FFFF { 1 } else { s + 1 };
        s
    }

    fn send(&mut self, pdu: &Pdu) {
        match pdu.encode() {
            Ok(bytes) => self.out.push(Output::Send(bytes)),
            Err(e) => tracing::error!(error = %e, "an SMPP PDU did not encode"),
        }
    }

    fn event(&mut self, e: Event) {
        self.out.push(Output::Event(e));
    }

    fn on_connected(&mut self, now: u64) {
        if self.link != Link::Down {
            return;
        }
        self.rx.clear();
        let sequence = self.sequence();
        let bind = Body::BindTransceiver(Bind {
            system_id: self.config.system_id.clone(),
            password: self.config.password.clone(),
            system_type: self.config.system_type.clone(),
            interface_version: 0x34,
            ..Bind::default()
        });
        self.send(&Pdu::request(sequence, bind));
        self.link = Link::Binding {
            sequence,
            deadline: now + self.config.response_timeout_ms,
        };
    }

    /// Gives up every text not yet wholly accepted (the caller is stopping: the bind was
    /// refused, or it unbound): each is reported failed with `status`, retryable.
    pub fn abandon(&mut self, status: u32) -> Vec<Output> {
        self.queue.clear();
        self.in_flight.clear();
        std::mem::take(&mut self.messages)
            .into_keys()
            .map(|local_id| {
                Output::Event(Event::SubmitFailed {
                    local_id,
                    status,
                    retryable: true,
                })
            })
            .collect()
    }

    fn on_submit(&mut self, local_id: u64, to: String, text: &str) {
        if self.messages.contains_key(&local_id) {
            return self.event(Event::SubmitFailed {
                local_id,
                status: status::ESME_RSYSERR,
                retryable: false,
            });
        }
        if to.is_empty() || to.len() > 20 || to.contains('\0') {
            return self.event(Event::SubmitFailed {
                local_id,
                status: 0x0B, // ESME_RINVDSTADR
                retryable: false,
            });
        }
        let encoded = match text::encode(text, (local_id & 0xFF) as u8) {
            Ok(e) => e,
            Err(_) => {
                return self.event(Event::SubmitFailed {
                    local_id,
                    status: status::ESME_RINVMSGLEN,
                    retryable: false,
                })
            }
        };
        let n = encoded.parts.len();
        self.queue.extend((0..n).map(|part| (local_id, part)));
        self.messages.insert(
            local_id,
            Message {
                to,
                data_coding: encoded.data_coding,
                udhi: encoded.udhi,
                parts: encoded.parts,
                message_ids: vec![None; n],
                retries: vec![0; n],
            },
        );
    }

    /// Sends queued parts while the window and the throttle allow.
    fn pump(&mut self, now: u64) {
        if self.link != Link::Bound || now < self.throttled_until {
            return;
        }
        while self.in_flight.len() < self.config.window {
            let Some((local_id, part)) = self.queue.pop_front() else {
                return;
            };
            let Some(m) = self.messages.get(&local_id) else {
                continue; // failed meanwhile
            };
            let sm = ShortMessage {
                source: self.config.source.clone(),
                dest: Address {
                    ton: self.config.dest_ton,
                    npi: self.config.dest_npi,
                    addr: m.to.clone(),
                },
                esm_class: if m.udhi { text::ESM_UDHI } else { 0 },
                registered_delivery: 1,
                data_coding: m.data_coding,
                short_message: m.parts.get(part).cloned().unwrap_or_default(),
                ..ShortMessage::default()
            };
            let sequence = self.sequence();
            self.send(&Pdu::request(sequence, Body::SubmitSm(Box::new(sm))));
            let deadline = now + self.config.response_timeout_ms;
            self.in_flight.insert(
                sequence,
                InFlight {
                    local_id,
                    part,
                    deadline,
                },
            );
        }
    }

    fn on_tick(&mut self, now: u64) {
        match self.link {
            Link::Down => {}
            Link::Binding { deadline, .. } if now >= deadline => self.lose(LostReason::BindTimeout),
            Link::Unbinding { deadline } if now >= deadline => self.finish_unbind(),
            Link::Binding { .. } | Link::Unbinding { .. } => {}
            Link::Bound => self.check_bound_deadlines(now),
        }
    }

    /// Overdue answers lose the link; a due keep-alive goes out.
    fn check_bound_deadlines(&mut self, now: u64) {
        if self.in_flight.values().any(|f| now >= f.deadline) {
            return self.lose(LostReason::ResponseTimeout);
        }
        match self.enquire_deadline {
            Some((_, deadline)) if now >= deadline => self.lose(LostReason::KeepAliveTimeout),
            Some(_) => {}
            None if now >= self.next_enquire_at => {
                let sequence = self.sequence();
                self.send(&Pdu::request(sequence, Body::EnquireLink));
                self.enquire_deadline = Some((sequence, now + self.config.response_timeout_ms));
                self.next_enquire_at = now + self.config.enquire_link_interval_ms;
            }
            None => {}
        }
    }

    fn on_unbind(&mut self, now: u64) {
        if self.link == Link::Bound {
            let sequence = self.sequence();
            self.send(&Pdu::request(sequence, Body::Unbind));
            self.link = Link::Unbinding {
                deadline: now + self.config.response_timeout_ms,
            };
        } else if self.link == Link::Down {
            self.event(Event::Unbound);
        } else {
            self.out.push(Output::Close);
            self.link = Link::Down;
            self.event(Event::Unbound);
        }
    }

    fn finish_unbind(&mut self) {
        self.link = Link::Down;
        self.requeue_in_flight();
        self.out.push(Output::Close);
        self.event(Event::Unbound);
    }

    /// Gives the link up: parts awaiting answers go back to the front of the queue, in order.
    fn lose(&mut self, reason: LostReason) {
        self.link = Link::Down;
        self.requeue_in_flight();
        self.out.push(Output::Close);
        self.event(Event::Lost { reason });
    }

    fn requeue_in_flight(&mut self) {
        let mut waiting: Vec<(u32, InFlight)> = self.in_flight.drain().collect();
        waiting.sort_by_key(|(sequence, _)| *sequence);
        for (_, f) in waiting.into_iter().rev() {
            self.queue.push_front((f.local_id, f.part));
        }
        self.enquire_deadline = None;
        self.rx.clear();
    }

    fn on_bytes(&mut self, now: u64, bytes: &[u8]) {
        if self.link == Link::Down {
            return;
        }
        self.rx.extend_from_slice(bytes);
        loop {
            let n = match pdu::frame_len(&self.rx) {
                Ok(Some(n)) if self.rx.len() >= n => n,
                Ok(_) => return,
                Err(e) => {
                    self.nack(0, e.nack_status());
                    return self.lose(LostReason::BadStream(e.to_string()));
                }
            };
            let frame: Vec<u8> = self.rx.drain(..n).collect();
            match pdu::decode(&frame) {
                Ok(p) => self.on_pdu(now, p),
                Err(e) => self.nack(e.sequence().unwrap_or(0), e.nack_status()),
            }
            if self.link == Link::Down {
                return;
            }
        }
    }

    fn nack(&mut self, sequence: u32, status: u32) {
        let nack = Pdu {
            status,
            sequence,
            body: Body::GenericNack,
        };
        self.send(&nack);
    }

    fn on_pdu(&mut self, now: u64, p: Pdu) {
        let head = Head {
            status: p.status,
            sequence: p.sequence,
        };
        match p.body {
            Body::BindTransceiverResp { system_id } => self.on_bind_resp(now, head, system_id),
            Body::SubmitSmResp { message_id } => self.on_submit_resp(now, head, message_id),
            Body::GenericNack => {
                if let Link::Binding { sequence, .. } = self.link {
                    if sequence == p.sequence {
                        return self.on_bind_resp(now, head, String::new());
                    }
                }
                if self.in_flight.contains_key(&p.sequence) {
                    self.on_submit_resp(now, head, String::new());
                }
            }
            Body::DeliverSm(m) => {
                let resp = Pdu {
                    status: status::ESME_ROK,
                    sequence: p.sequence,
                    body: Body::DeliverSmResp,
                };
                self.send(&resp);
                self.on_deliver(now, &m);
            }
            Body::EnquireLink => {
                self.send(&Pdu::request(p.sequence, Body::EnquireLinkResp));
            }
            Body::EnquireLinkResp => {
                if self.enquire_deadline.is_some_and(|(s, _)| s == p.sequence) {
                    self.enquire_deadline = None;
                }
            }
            Body::Unbind => {
                self.send(&Pdu::request(p.sequence, Body::UnbindResp));
                self.lose(LostReason::PeerUnbound);
            }
            Body::UnbindResp => {
                if matches!(self.link, Link::Unbinding { .. }) {
                    self.finish_unbind();
                }
            }
            Body::DeliverSmResp => {}
            Body::BindTransceiver(_) | Body::SubmitSm(_) => {
                self.nack(p.sequence, status::ESME_RINVCMDID);
            }
        }
    }

    fn on_bind_resp(&mut self, now: u64, p: Head, system_id: String) {
        let Link::Binding { sequence, .. } = self.link else {
            return;
        };
        if sequence != p.sequence {
            return;
        }
        if p.status == status::ESME_ROK {
            self.link = Link::Bound;
            self.throttled_until = now;
            self.next_enquire_at = now + self.config.enquire_link_interval_ms;
            self.event(Event::Bound { system_id });
        } else {
            self.link = Link::Down;
            self.out.push(Output::Close);
            self.event(Event::BindRejected { status: p.status });
        }
    }

    fn on_submit_resp(&mut self, now: u64, p: Head, message_id: String) {
        let Some(f) = self.in_flight.remove(&p.sequence) else {
            return;
        };
        let Some(m) = self.messages.get_mut(&f.local_id) else {
            return;
        };
        if p.status == status::ESME_ROK {
            if let Some(slot) = m.message_ids.get_mut(f.part) {
                *slot = Some(message_id);
            }
            if m.message_ids.iter().all(Option::is_some) {
                let message_ids = m.message_ids.iter().flatten().cloned().collect();
                self.messages.remove(&f.local_id);
                self.event(Event::Submitted {
                    local_id: f.local_id,
                    message_ids,
                });
            }
            return;
        }
        let retryable = matches!(p.status, status::ESME_RTHROTTLED | status::ESME_RMSGQFUL);
        if retryable {
            self.throttled_until = now + self.config.throttle_backoff_ms;
            if let Some(r) = m.retries.get_mut(f.part) {
                *r += 1;
                if *r <= self.config.max_retries {
                    self.queue.push_front((f.local_id, f.part));
                    return;
                }
            }
        }
        self.messages.remove(&f.local_id);
        self.queue.retain(|(id, _)| *id != f.local_id);
        self.event(Event::SubmitFailed {
            local_id: f.local_id,
            status: p.status,
            retryable,
        });
    }

    fn on_deliver(&mut self, now: u64, m: &ShortMessage) {
        if receipt::is_receipt(m) {
            match receipt::parse(m) {
                Some(receipt) => self.event(Event::Receipt {
                    receipt,
                    received_at_ms: now,
                }),
                None => tracing::warn!("a delivery receipt without message id or state"),
            }
            return;
        }
        let payload = m.tlv(pdu::tag::MESSAGE_PAYLOAD);
        let bytes = match payload {
            Some(p) if m.short_message.is_empty() => p,
            _ => m.short_message.as_slice(),
        };
        let udhi = m.esm_class & text::ESM_UDHI != 0;
        let text = text::decode(m.data_coding, bytes, udhi);
        self.event(Event::Inbound {
            from: m.source.addr.clone(),
            to: m.dest.addr.clone(),
            text,
        });
    }
}

#[cfg(test)]
mod tests;
