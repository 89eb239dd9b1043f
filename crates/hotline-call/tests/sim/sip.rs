//! The SIP layer of the simulation: the engine's real SIP core (`hotline_sip::engine::SipCore`,
//! pure) between the call core and scripted user agents that speak SIP over a simulated UDP
//! network: the customers' phones behind the trunk, the agents' softphones (which register with
//! digest authentication) and the outbound gateway that callbacks dial. Each agent keeps the
//! dialogs it is in by Call-ID and answers as a phone does: 180 to an INVITE (again to a
//! retransmission), 200 with SDP when told to answer, 487 after a CANCEL, 200 to a BYE, ACK to
//! every final response it gets to its own INVITE.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::net::SocketAddr;
use std::time::Instant;

use hotline_call::CallId;
use hotline_sip::engine::{Input as SipInput, Now as SipNow, Output as SipOutput, SipCore};
use hotline_sip::{Command, CoreConfig, Peer, SipEvent, UserCredentials};

/// The engine's address as the phones see it.
pub const ENGINE: &str = "198.51.100.1";
/// Where customers' calls come from (a configured trunk).
pub const TRUNK: &str = "10.0.0.1:5060";
/// The outbound gateway callbacks are dialled through.
pub const GATEWAY: &str = "10.0.0.2:5080";
pub const PASSWORD: &str = "secret";

pub const SDP: &str = "v=0\r\no=- 1 1 IN IP4 10.0.0.9\r\ns=-\r\nc=IN IP4 10.0.0.9\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n";

/// Which side of the dialog the agent is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// It sent the INVITE (a customer calling in).
    Caller,
    /// It received the INVITE (a phone the engine rings).
    Callee,
}

/// A dialog as the user agent sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UaState {
    Ringing,
    Answered,
    Ended,
}

#[derive(Debug, Clone)]
pub struct UaDialog {
    pub role: Role,
    pub addr: SocketAddr,
    /// The INVITE (as sent or as received).
    pub invite: String,
    pub local_tag: String,
    pub remote_tag: Option<String>,
    pub state: UaState,
    /// The last response sent to the INVITE (a callee sends it again to a retransmission).
    pub last_response: Option<String>,
    pub cseq: u32,
    /// The final status the dialog ended with (or 0 for a BYE).
    pub final_status: Option<u16>,
}

/// The SIP core and the user agents around it.
pub struct SipSide {
    pub core: SipCore,
    pub now: SipNow,
    /// User agents' dialogs by Call-ID.
    pub dialogs: BTreeMap<String, UaDialog>,
    /// The engine's call for each Call-ID, and back.
    pub call_of: HashMap<String, CallId>,
    pub sip_id: HashMap<CallId, String>,
    /// Events for the call core, in order.
    pub events: VecDeque<SipEvent>,
    /// The Call-ID of the INVITE the last `Dial` command sent.
    last_invite: Option<String>,
    seq: u64,
    /// Every message on the wire, for a failing scenario's report: (from, to, first line).
    pub wire: Vec<(String, String, String)>,
    /// Addresses whose incoming messages are delayed in the network, and those messages.
    delayed: std::collections::HashSet<SocketAddr>,
    in_flight: VecDeque<(SocketAddr, String)>,
    /// A request outside any dialog waits for its response from the engine here.
    capture: Option<(SocketAddr, Option<String>)>,
}

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

/// The value of header `name` in `msg` (the first one).
pub fn header<'a>(msg: &'a str, name: &str) -> Option<&'a str> {
    msg.split("\r\n")
        .take_while(|l| !l.is_empty())
        .find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.trim().eq_ignore_ascii_case(name).then(|| v.trim())
        })
}

fn headers<'a>(msg: &'a str, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    msg.split("\r\n")
        .take_while(|l| !l.is_empty())
        .filter_map(move |l| {
            let (n, v) = l.split_once(':')?;
            n.trim().eq_ignore_ascii_case(name).then(|| v.trim())
        })
}

fn first_line(msg: &str) -> &str {
    msg.split("\r\n").next().unwrap_or("")
}

fn tag_of(value: &str) -> Option<String> {
    value
        .split(';')
        .find_map(|p| p.trim().strip_prefix("tag="))
        .map(str::to_string)
}

fn status_of(msg: &str) -> Option<u16> {
    let line = first_line(msg);
    line.strip_prefix("SIP/2.0 ")?.get(..3)?.parse().ok()
}

fn cseq_method(msg: &str) -> String {
    header(msg, "CSeq")
        .and_then(|v| v.split_whitespace().nth(1))
        .unwrap_or("")
        .to_string()
}

/// The URI inside `<…>` of a header value.
fn uri_of(value: &str) -> String {
    value
        .split_once('<')
        .and_then(|(_, r)| r.split_once('>'))
        .map_or_else(|| value.to_string(), |(u, _)| u.to_string())
}

impl SipSide {
    pub fn new(mono: Instant, unix_ms: i64, agents: &[&str]) -> SipSide {
        let cfg = CoreConfig {
            trunks: vec!["10.0.0.0/24".parse().unwrap()],
            public_host: ENGINE.into(),
            requests_per_sec: 100_000.0,
            burst: 100_000,
            ..CoreConfig::default()
        };
        let mut users = HashMap::new();
        for user in agents {
            users.insert(
                user.to_string(),
                UserCredentials {
                    ha1_md5: Some(hotline_sip::digest::ha1(
                        hotline_sip::digest::Algorithm::Md5,
                        user,
                        "hotline",
                        PASSWORD,
                    )),
                    ha1_sha256: None,
                },
            );
        }
        let now = SipNow {
            mono,
            unix: u64::try_from(unix_ms / 1000).unwrap(),
        };
        SipSide {
            core: SipCore::new(cfg, users, [9; 32], now),
            now,
            dialogs: BTreeMap::new(),
            call_of: HashMap::new(),
            sip_id: HashMap::new(),
            events: VecDeque::new(),
            last_invite: None,
            seq: 0,
            wire: Vec::new(),
            delayed: std::collections::HashSet::new(),
            in_flight: VecDeque::new(),
            capture: None,
        }
    }

    pub fn set_now(&mut self, mono: Instant, unix_ms: i64) {
        self.now = SipNow {
            mono,
            unix: u64::try_from(unix_ms.max(0) / 1000).unwrap(),
        };
    }

    fn next(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// `from` sends `msg` to the engine; everything it causes on the wire is played out.
    pub fn send(&mut self, from: SocketAddr, msg: String) {
        self.wire.push((
            from.to_string(),
            ENGINE.into(),
            first_line(&msg).to_string(),
        ));
        self.core.handle(
            self.now,
            SipInput::Received {
                peer: Peer::udp(from),
                bytes: msg.into_bytes(),
            },
        );
        self.drain();
    }

    /// The engine's command (its transmissions played out).
    pub fn command(&mut self, c: Command) {
        self.core.handle(self.now, SipInput::Command(c));
        self.drain();
    }

    pub fn timeout(&mut self) {
        self.core.handle_timeout(self.now);
        self.drain();
    }

    fn drain(&mut self) {
        while let Some(o) = self.core.poll_output() {
            match o {
                SipOutput::Event(e) => self.events.push_back(e),
                SipOutput::Transmit { peer, bytes } => {
                    let msg = String::from_utf8(bytes).expect("SIP is text here");
                    self.wire.push((
                        ENGINE.into(),
                        peer.addr.to_string(),
                        first_line(&msg).to_string(),
                    ));
                    if self.delayed.contains(&peer.addr) {
                        self.in_flight.push_back((peer.addr, msg));
                    } else {
                        self.deliver(peer.addr, msg);
                    }
                }
            }
        }
    }

    /// A message from the engine reaches the user agent at `to`.
    fn deliver(&mut self, to: SocketAddr, msg: String) {
        if let Some((at, reply @ None)) = &mut self.capture {
            if *at == to && status_of(&msg).is_some() {
                *reply = Some(msg);
                return;
            }
        }
        let Some(call_id) = header(&msg, "Call-ID").map(str::to_string) else {
            return;
        };
        if let Some(status) = status_of(&msg) {
            return self.response(to, &call_id, status, msg);
        }
        let method = first_line(&msg).split(' ').next().unwrap_or("").to_string();
        match method.as_str() {
            "INVITE" => self.invited(to, call_id, msg),
            "ACK" => {}
            "BYE" => {
                if let Some(d) = self.dialogs.get_mut(&call_id) {
                    d.state = UaState::Ended;
                    d.final_status.get_or_insert(0);
                }
                let ok = response_to(&msg, 200, "OK", None, None);
                self.send(to, ok);
            }
            "CANCEL" => {
                let ok = response_to(&msg, 200, "OK", None, None);
                self.send(to, ok);
                let terminated = self.dialogs.get_mut(&call_id).and_then(|d| {
                    if d.state != UaState::Ringing {
                        return None;
                    }
                    d.state = UaState::Ended;
                    d.final_status = Some(487);
                    Some(response_to(
                        &d.invite,
                        487,
                        "Request Terminated",
                        Some(&d.local_tag),
                        None,
                    ))
                });
                if let Some(r) = terminated {
                    self.send(to, r);
                }
            }
            other => {
                let resp = response_to(&msg, 405, &format!("{other} not here"), None, None);
                self.send(to, resp);
            }
        }
    }

    /// The engine rings a phone (or the gateway): 180, or the last answer again.
    fn invited(&mut self, to: SocketAddr, call_id: String, msg: String) {
        if let Some(d) = self.dialogs.get(&call_id) {
            // A retransmission (or a re-INVITE, answered the same way here).
            if let Some(r) = d.last_response.clone() {
                self.send(to, r);
            }
            return;
        }
        self.last_invite = Some(call_id.clone());
        let tag = format!("p{}", self.next());
        let ringing = response_to(&msg, 180, "Ringing", Some(&tag), None);
        self.dialogs.insert(
            call_id,
            UaDialog {
                role: Role::Callee,
                addr: to,
                invite: msg,
                local_tag: tag,
                remote_tag: None,
                state: UaState::Ringing,
                last_response: Some(ringing.clone()),
                cseq: 0,
                final_status: None,
            },
        );
        self.send(to, ringing);
    }

    /// A response to something the user agent at `to` sent.
    fn response(&mut self, to: SocketAddr, call_id: &str, status: u16, msg: String) {
        if cseq_method(&msg) != "INVITE" {
            return;
        }
        let Some(d) = self.dialogs.get_mut(call_id) else {
            return;
        };
        if let Some(tag) = header(&msg, "To").and_then(tag_of) {
            d.remote_tag = Some(tag);
        }
        if status < 200 {
            return;
        }
        // ACK every final response to our INVITE (a 2xx in a new transaction).
        let ack = ack_for(d, &msg, status, to);
        if status < 300 {
            if d.state == UaState::Ringing {
                d.state = UaState::Answered;
            }
        } else {
            d.state = UaState::Ended;
            d.final_status.get_or_insert(status);
        }
        self.send(to, ack);
    }

    // ---- the user agents' own actions ------------------------------------------------

    /// A customer calls `dialled` from `number` through the trunk; the Call-ID used.
    pub fn call_in(&mut self, number: &str, dialled: &str) -> String {
        let n = self.next();
        let call_id = format!("in-{n}@{TRUNK}");
        let tag = format!("c{n}");
        let invite = format!(
            "INVITE sip:{dialled}@{ENGINE} SIP/2.0\r\nVia: SIP/2.0/UDP {TRUNK};branch=z9hG4bK-in{n};rport\r\n\
             Max-Forwards: 70\r\nFrom: <sip:{number}@10.0.0.1>;tag={tag}\r\nTo: <sip:{dialled}@{ENGINE}>\r\n\
             Call-ID: {call_id}\r\nCSeq: 1 INVITE\r\nContact: <sip:{number}@{TRUNK}>\r\n\
             Content-Type: application/sdp\r\nContent-Length: {}\r\n\r\n{SDP}",
            SDP.len()
        );
        self.dialogs.insert(
            call_id.clone(),
            UaDialog {
                role: Role::Caller,
                addr: addr(TRUNK),
                invite: invite.clone(),
                local_tag: tag,
                remote_tag: None,
                state: UaState::Ringing,
                last_response: None,
                cseq: 1,
                final_status: None,
            },
        );
        self.send(addr(TRUNK), invite);
        call_id
    }

    /// An agent's phone registers (digest, MD5) from `from`; true when the registrar took it.
    pub fn register(&mut self, user: &str, from: SocketAddr) -> bool {
        let n = self.next();
        let mk = |auth: &str, cseq: u32| {
            format!(
                "REGISTER sip:{ENGINE} SIP/2.0\r\nVia: SIP/2.0/UDP {from};branch=z9hG4bK-r{n}-{cseq}\r\n\
                 From: <sip:{user}@{ENGINE}>;tag=r{n}\r\nTo: <sip:{user}@{ENGINE}>\r\nCall-ID: reg-{user}-{n}\r\n\
                 CSeq: {cseq} REGISTER\r\nContact: <sip:{user}@{from}>\r\nExpires: 3600\r\n{auth}Content-Length: 0\r\n\r\n"
            )
        };
        let challenge = self.exchange(from, mk("", 1));
        let Some(www) = headers(&challenge, "WWW-Authenticate").find(|h| h.contains("MD5")) else {
            return false;
        };
        let auth = hotline_sip::digest::respond(
            www.to_string().as_str(),
            "REGISTER",
            &format!("sip:{ENGINE}"),
            user,
            PASSWORD,
            "0a4f113b",
            1,
        )
        .unwrap();
        let ok = self.exchange(from, mk(&format!("Authorization: {auth}\r\n"), 2));
        status_of(&ok) == Some(200)
    }

    /// Sends a request outside any dialog and returns the engine's (first) response to it.
    fn exchange(&mut self, from: SocketAddr, msg: String) -> String {
        self.capture = Some((from, None));
        self.send(from, msg);
        self.capture.take().and_then(|(_, r)| r).unwrap_or_default()
    }

    /// The phone (or gateway) rung with `call_id` answers with SDP.
    pub fn answer(&mut self, call_id: &str) {
        let d = self.dialogs.get_mut(call_id).expect("a dialog");
        assert_eq!(d.role, Role::Callee);
        assert_eq!(
            d.state,
            UaState::Ringing,
            "answering a dialog that is {:?}",
            d.state
        );
        d.state = UaState::Answered;
        let contact = format!("<sip:phone@{}>", d.addr);
        let ok = response_to(
            &d.invite,
            200,
            "OK",
            Some(&d.local_tag),
            Some((&contact, SDP)),
        );
        d.last_response = Some(ok.clone());
        let to = d.addr;
        self.send(to, ok);
    }

    /// The phone rung with `call_id` refuses it with `status` (486 busy, 603 decline …).
    pub fn refuse(&mut self, call_id: &str, status: u16) {
        let d = self.dialogs.get_mut(call_id).expect("a dialog");
        assert_eq!(d.state, UaState::Ringing);
        d.state = UaState::Ended;
        d.final_status = Some(status);
        let resp = response_to(&d.invite, status, "Refused", Some(&d.local_tag), None);
        d.last_response = Some(resp.clone());
        let to = d.addr;
        self.send(to, resp);
    }

    /// The user agent in `call_id` hangs up: BYE once answered; a caller still ringing
    /// cancels; a phone still ringing declines (603).
    pub fn hang_up(&mut self, call_id: &str) {
        let d = self.dialogs.get(call_id).expect("a dialog").clone();
        match (d.state, d.role) {
            (UaState::Ended, _) => {}
            (UaState::Ringing, Role::Callee) => self.refuse(call_id, 603),
            (UaState::Ringing, Role::Caller) => {
                let via = header(&d.invite, "Via").unwrap_or("");
                let cancel = format!(
                    "CANCEL {} SIP/2.0\r\nVia: {via}\r\nMax-Forwards: 70\r\nFrom: {}\r\nTo: {}\r\nCall-ID: {call_id}\r\n\
                     CSeq: 1 CANCEL\r\nContent-Length: 0\r\n\r\n",
                    first_line(&d.invite).split(' ').nth(1).unwrap_or(""),
                    header(&d.invite, "From").unwrap_or(""),
                    header(&d.invite, "To").unwrap_or(""),
                );
                self.send(d.addr, cancel);
            }
            (UaState::Answered, role) => {
                let n = self.next();
                let dm = self.dialogs.get_mut(call_id).unwrap();
                dm.state = UaState::Ended;
                dm.final_status.get_or_insert(0);
                dm.cseq += 1;
                let cseq = dm.cseq + 10;
                let remote = dm.remote_tag.clone().unwrap_or_default();
                // The engine's Contact: in the 200 (caller) or the INVITE (callee) we saw.
                let (from, to, target) = match role {
                    Role::Caller => (
                        header(&d.invite, "From").unwrap_or("").to_string(),
                        format!("{};tag={remote}", header(&d.invite, "To").unwrap_or("")),
                        format!("sip:hotline@{ENGINE}"),
                    ),
                    Role::Callee => (
                        format!(
                            "{};tag={}",
                            header(&d.invite, "To").unwrap_or(""),
                            d.local_tag
                        ),
                        header(&d.invite, "From").unwrap_or("").to_string(),
                        header(&d.invite, "Contact")
                            .map_or_else(|| format!("sip:hotline@{ENGINE}"), uri_of),
                    ),
                };
                let bye = format!(
                    "BYE {target} SIP/2.0\r\nVia: SIP/2.0/UDP {};branch=z9hG4bK-bye{n}\r\nMax-Forwards: 70\r\n\
                     From: {from}\r\nTo: {to}\r\nCall-ID: {call_id}\r\nCSeq: {cseq} BYE\r\nContent-Length: 0\r\n\r\n",
                    d.addr
                );
                self.send(d.addr, bye);
            }
        }
    }

    /// Messages from the engine to `to` stay in the network until [`SipSide::arrive`].
    pub fn delay(&mut self, to: SocketAddr) {
        self.delayed.insert(to);
    }

    /// The delayed messages to `to` arrive, in order.
    pub fn arrive(&mut self, to: SocketAddr) {
        self.delayed.remove(&to);
        let (now, later): (Vec<_>, Vec<_>) = self.in_flight.drain(..).partition(|(a, _)| *a == to);
        self.in_flight = later.into();
        for (a, msg) in now {
            self.deliver(a, msg);
        }
    }

    /// The phone in `call_id` sends its last response to the INVITE again (a retransmitted
    /// 200 OK whose ACK it has not seen).
    pub fn retransmit(&mut self, call_id: &str) {
        let d = self.dialogs.get(call_id).expect("a dialog");
        let (to, r) = (d.addr, d.last_response.clone().expect("a response"));
        self.send(to, r);
    }

    /// Messages to `addr` are being delayed (its view of its dialogs may be behind).
    pub fn is_delayed(&self, addr: SocketAddr) -> bool {
        self.delayed.contains(&addr)
    }

    /// The address of the user agent in `call_id`.
    pub fn addr_of(&self, call_id: &str) -> SocketAddr {
        self.dialogs.get(call_id).expect("a dialog").addr
    }

    /// Takes the Call-ID of the INVITE the last dial sent.
    pub fn take_last_invite(&mut self) -> Option<String> {
        self.last_invite.take()
    }
}

/// A response to `req` (Via, From, Call-ID and CSeq copied; our tag on To when given).
fn response_to(
    req: &str,
    status: u16,
    reason: &str,
    tag: Option<&str>,
    body: Option<(&str, &str)>,
) -> String {
    let mut r = format!("SIP/2.0 {status} {reason}\r\n");
    for v in headers(req, "Via") {
        r.push_str(&format!("Via: {v}\r\n"));
    }
    r.push_str(&format!("From: {}\r\n", header(req, "From").unwrap_or("")));
    let to = header(req, "To").unwrap_or("");
    match tag {
        Some(t) if tag_of(to).is_none() => r.push_str(&format!("To: {to};tag={t}\r\n")),
        _ => r.push_str(&format!("To: {to}\r\n")),
    }
    r.push_str(&format!(
        "Call-ID: {}\r\n",
        header(req, "Call-ID").unwrap_or("")
    ));
    r.push_str(&format!("CSeq: {}\r\n", header(req, "CSeq").unwrap_or("")));
    match body {
        Some((contact, sdp)) => r.push_str(&format!(
            "Contact: {contact}\r\nContent-Type: application/sdp\r\nContent-Length: {}\r\n\r\n{sdp}",
            sdp.len()
        )),
        None => r.push_str("Content-Length: 0\r\n\r\n"),
    }
    r
}

/// The ACK for a final response to the dialog's INVITE: for a 2xx a new transaction to the
/// engine's Contact, for an error in the INVITE's transaction.
fn ack_for(d: &UaDialog, resp: &str, status: u16, from: SocketAddr) -> String {
    let via = if status < 300 {
        format!("SIP/2.0/UDP {from};branch=z9hG4bK-ack{}", d.local_tag)
    } else {
        header(&d.invite, "Via").unwrap_or("").to_string()
    };
    let target = if status < 300 {
        header(resp, "Contact").map_or_else(|| format!("sip:hotline@{ENGINE}"), uri_of)
    } else {
        first_line(&d.invite)
            .split(' ')
            .nth(1)
            .unwrap_or("")
            .to_string()
    };
    format!(
        "ACK {target} SIP/2.0\r\nVia: {via}\r\nMax-Forwards: 70\r\nFrom: {}\r\nTo: {}\r\nCall-ID: {}\r\n\
         CSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n",
        header(&d.invite, "From").unwrap_or(""),
        header(resp, "To").unwrap_or(""),
        header(&d.invite, "Call-ID").unwrap_or(""),
    )
}
