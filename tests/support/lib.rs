//! Test support: starts the real `hotline serve` on loopback ports in a scratch directory
//! (`engine`, under a guard that kills it however the test ends: `child`), and a small SIP
//! user agent (UDP or TCP) that speaks to it the way a phone or trunk would. The agent parses
//! what it receives with the engine's own parser but builds its requests by hand, so the
//! tests see the bytes on the wire. Every wait is on an event, with a budget a stalled machine
//! does not use up (`wait`).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use hotline_sip::wire::{self, Message, Request, Response};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};

mod agent_phone;
mod caller;
pub mod child;
mod desk;
mod engine;
mod gateway;
mod qa;
mod records;
mod tones;
pub mod wait;

pub use agent_phone::{acd_call_and_a_second_phone, AgentPhone, Ringing, Talking};
pub use caller::{Caller, HEAR_WITHIN};
pub use child::{process_exists, ChildGuard};
pub use desk::{Desk, Events};
pub use engine::{binary, Engine, LogCursor};
pub use gateway::{get_until, next_invite, AgentCampaign};
pub use hotline_sip::digest;
pub use qa::best_answers;
pub use records::{db, ended_call};
pub use tones::{
    heard, power, power_linear, recorded_tone_call, silent, stereo_samples, stereo_tone_blocks,
    tone, tones_both_ways, Heard, Phone, Tones,
};
pub use wait::{Budget, PATIENCE};

/// A flow `main` that looks the caller up by number and queues every call (known caller or
/// not) to `queue` with `reason`: what the desktop tests and the screen-pop benchmark dial.
pub fn identify_and_queue_flow(queue: &str, reason: &str) -> String {
    format!(
        "flow: main\nlanguages: [zh, en]\nstart: find\nnodes:\n  find:\n    lookup:\n      \
         what: customer_by_caller\n      into: customer\n      next: to_agent\n      \
         not_found: to_agent\n      error: to_agent\n  to_agent:\n    \
         transfer: {{ queue: {queue}, reason: {reason} }}\n"
    )
}

/// Starts the engine with the configuration file `config`, the flows in `flows` (entry flow
/// `main`) and `customers` demo customers; media timeouts and recording off.
pub fn start_with_flows(config: &Path, flows: &Path, customers: &str) -> Engine {
    Engine::start(&[
        ("HOTLINE_CONFIG", &config.display().to_string()),
        ("HOTLINE_IVR_ENTRY_FLOW", "main"),
        ("HOTLINE_IVR_FLOWS_DIR", &flows.display().to_string()),
        ("HOTLINE_STORE_DEMO_CUSTOMERS", customers),
        ("HOTLINE_MEDIA_TIMEOUT_SECS", "0"),
        ("HOTLINE_MEDIA_RECORD", "false"),
    ])
}

/// A scratch folder `<temp>/<prefix>-<random>` holding `main` (callers identified and queued
/// to `general`, reason billing), the shipped flows named in `shipped` and the configuration
/// `queues`; the engine started on it with 5 demo customers. The engine and the folder.
pub fn start_queue_engine(prefix: &str, queues: &str, shipped: &[&str]) -> (Engine, PathBuf) {
    let dir = std::env::temp_dir().join(format!("{prefix}-{}", token()));
    let flows = dir.join("flows");
    std::fs::create_dir_all(&flows).expect("scratch flows folder");
    std::fs::write(
        flows.join("main.yaml"),
        identify_and_queue_flow("general", "billing"),
    )
    .expect("main flow");
    for name in shipped {
        let file = format!("{name}.yaml");
        let from = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("ivr-flows")
            .join(&file);
        std::fs::copy(from, flows.join(&file)).expect("shipped flow");
    }
    std::fs::write(dir.join("hotline.toml"), queues).expect("configuration");
    (
        start_with_flows(&dir.join("hotline.toml"), &flows, "5"),
        dir,
    )
}

/// One queue `general` (skill general ≥ 1; ring 10 s, wrap-up 30 s).
pub const GENERAL_QUEUE: &str = "[[acd.queues]]\nname = \"general\"\nskills = { general = 1 }\nring_secs = 10\nwrap_up_secs = 30\nannounce_secs = 0\n";

/// The engine with `main` (callers identified and queued to [`GENERAL_QUEUE`]), 5 demo
/// customers, no media timeout, and `env` on top (e.g. `HOTLINE_SIP_USERS`, recording). The
/// engine and its scratch folder (`<temp>/<prefix>-<random>`).
pub fn start_general_queue(prefix: &str, env: &[(&str, &str)]) -> (Engine, PathBuf) {
    let dir = std::env::temp_dir().join(format!("{prefix}-{}", token()));
    let flows = dir.join("flows");
    std::fs::create_dir_all(&flows).expect("scratch flows folder");
    std::fs::write(
        flows.join("main.yaml"),
        identify_and_queue_flow("general", "billing"),
    )
    .expect("main flow");
    std::fs::write(dir.join("hotline.toml"), GENERAL_QUEUE).expect("configuration");
    let (config, flows) = (
        dir.join("hotline.toml").display().to_string(),
        flows.display().to_string(),
    );
    let mut all = vec![
        ("HOTLINE_CONFIG", config.as_str()),
        ("HOTLINE_IVR_ENTRY_FLOW", "main"),
        ("HOTLINE_IVR_FLOWS_DIR", flows.as_str()),
        ("HOTLINE_STORE_DEMO_CUSTOMERS", "5"),
        ("HOTLINE_MEDIA_TIMEOUT_SECS", "0"),
    ];
    all.extend_from_slice(env);
    (Engine::start(&all), dir)
}

enum Link {
    Udp(UdpSocket),
    Tcp(TcpStream, Vec<u8>),
}

/// A SIP user agent for tests.
pub struct Ua {
    link: Link,
    pub engine: SocketAddr,
    pub local: SocketAddr,
    pub user: String,
    /// The RTP port put in this agent's SDP offers.
    pub rtp_port: u16,
    cseq: u32,
}

/// A message the agent received, parsed, with its raw text.
pub struct Got {
    pub raw: String,
    /// None for a response that has a status line, Via and CSeq (enough to match it, RFC 3261
    /// §17.1.3) but not the rest: what a 400 to a request without From looks like.
    pub msg: Option<Message>,
}

impl Got {
    pub fn code(&self) -> u16 {
        match &self.msg {
            Some(Message::Response(r)) => r.code,
            Some(Message::Request(_)) => 0,
            None => self
                .raw
                .strip_prefix("SIP/2.0 ")
                .and_then(|r| r.get(..3))
                .and_then(|c| c.parse().ok())
                .unwrap_or(0),
        }
    }
    pub fn response(&self) -> &Response {
        match &self.msg {
            Some(Message::Response(r)) => r,
            _ => panic!("expected a well-formed response, got {}", self.raw),
        }
    }
    pub fn request(&self) -> &Request {
        match &self.msg {
            Some(Message::Request(r)) => r,
            _ => panic!("expected a request, got {}", self.raw),
        }
    }
    /// The value of the first header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<String> {
        self.raw.lines().find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_string())
        })
    }
    pub fn headers(&self, name: &str) -> Vec<String> {
        self.raw
            .lines()
            .filter_map(|l| {
                let (n, v) = l.split_once(':')?;
                n.trim()
                    .eq_ignore_ascii_case(name)
                    .then(|| v.trim().to_string())
            })
            .collect()
    }
}

/// Asks for a 4 MiB receive buffer (the kernel caps it at `net.core.rmem_max`): a test
/// process starved of CPU on a busy machine then catches up on the audio it was sent instead
/// of losing it, which no wait could make up for.
pub fn roomy(sock: &UdpSocket) -> &UdpSocket {
    let _ = socket2::SockRef::from(sock).set_recv_buffer_size(4 << 20);
    sock
}

pub fn branch() -> String {
    format!("z9hG4bK{:x}", rand::random::<u64>())
}

pub fn token() -> String {
    format!("{:x}", rand::random::<u64>())
}

impl Ua {
    pub async fn udp(engine: SocketAddr, user: &str) -> Ua {
        let sock = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
        roomy(&sock);
        let local = sock.local_addr().expect("addr");
        Ua {
            link: Link::Udp(sock),
            engine,
            local,
            user: user.to_string(),
            rtp_port: 40000,
            cseq: 0,
        }
    }

    pub async fn tcp(engine: SocketAddr, user: &str) -> Ua {
        let stream = TcpStream::connect(engine).await.expect("connect");
        Ua::over(stream, engine, user)
    }

    /// A TCP agent whose connection comes from `local_ip` (another loopback address, say).
    pub async fn tcp_from(engine: SocketAddr, user: &str, local_ip: std::net::IpAddr) -> Ua {
        let sock = match local_ip {
            std::net::IpAddr::V4(_) => tokio::net::TcpSocket::new_v4(),
            std::net::IpAddr::V6(_) => tokio::net::TcpSocket::new_v6(),
        }
        .expect("socket");
        sock.bind(SocketAddr::new(local_ip, 0)).expect("bind");
        let stream = sock.connect(engine).await.expect("connect");
        Ua::over(stream, engine, user)
    }

    fn over(stream: TcpStream, engine: SocketAddr, user: &str) -> Ua {
        let local = stream.local_addr().expect("addr");
        Ua {
            link: Link::Tcp(stream, Vec::new()),
            engine,
            local,
            user: user.to_string(),
            rtp_port: 40000,
            cseq: 0,
        }
    }

    pub fn transport(&self) -> &'static str {
        match self.link {
            Link::Udp(_) => "UDP",
            Link::Tcp(..) => "TCP",
        }
    }

    pub fn next_cseq(&mut self) -> u32 {
        self.cseq += 1;
        self.cseq
    }

    pub fn via(&self, branch: &str) -> String {
        format!(
            "SIP/2.0/{} {};branch={branch};rport",
            self.transport(),
            self.local
        )
    }

    pub fn contact(&self) -> String {
        match self.link {
            Link::Udp(_) => format!("<sip:{}@{}>", self.user, self.local),
            Link::Tcp(..) => format!("<sip:{}@{};transport=tcp>", self.user, self.local),
        }
    }

    pub async fn send_raw(&mut self, bytes: &[u8]) {
        match &mut self.link {
            Link::Udp(s) => {
                s.send_to(bytes, self.engine).await.expect("send");
            }
            Link::Tcp(s, _) => s.write_all(bytes).await.expect("send"),
        }
    }

    pub async fn send(&mut self, text: &str) {
        self.send_raw(text.as_bytes()).await
    }

    /// The next message, or None after `wait` (of un-stalled time: see [`wait`]).
    pub async fn recv(&mut self, wait: Duration) -> Option<Got> {
        self.recv_within(&mut Budget::new(wait)).await
    }

    /// The next message, or None once `budget` is spent.
    pub async fn recv_within(&mut self, budget: &mut Budget) -> Option<Got> {
        loop {
            let bytes = match &mut self.link {
                Link::Udp(s) => {
                    let mut buf = vec![0u8; 65536];
                    let got = loop {
                        match tokio::time::timeout(budget.step(), s.recv_from(&mut buf)).await {
                            Ok(r) => break r,
                            Err(_) if budget.alive() => continue,
                            Err(_) => return None,
                        }
                    };
                    let (n, _) = got.ok()?;
                    buf.truncate(n);
                    buf
                }
                Link::Tcp(s, pending) => loop {
                    if let hotline_sip::framing::Frame::Message(n) =
                        hotline_sip::framing::next_frame(pending, 1 << 20)
                    {
                        break pending.drain(..n).collect();
                    }
                    if pending.starts_with(b"\r\n") {
                        pending.drain(..2);
                        continue;
                    }
                    let mut chunk = vec![0u8; 65536];
                    let n = match tokio::time::timeout(budget.step(), s.read(&mut chunk)).await {
                        Ok(r) => r.ok()?,
                        Err(_) if budget.alive() => continue,
                        Err(_) => return None,
                    };
                    if n == 0 {
                        return None;
                    }
                    pending.extend_from_slice(&chunk[..n]);
                },
            };
            let raw = String::from_utf8_lossy(&bytes).to_string();
            match wire::parse(&bytes) {
                Ok(msg) => {
                    return Some(Got {
                        raw,
                        msg: Some(msg),
                    })
                }
                Err(_)
                    if raw.starts_with("SIP/2.0 ")
                        && raw.contains("\r\nVia: ")
                        && raw.contains("\r\nCSeq: ") =>
                {
                    return Some(Got { raw, msg: None })
                }
                Err(e) => eprintln!("UA DROPPED ({}): {raw}", e.reason()),
            }
        }
    }

    /// The next message that is not a 100 Trying, within `wait` (un-stalled time).
    pub async fn recv_final(&mut self, wait: Duration) -> Option<Got> {
        let mut budget = Budget::new(wait);
        loop {
            let got = self.recv_within(&mut budget).await?;
            if got.code() != 100 {
                return Some(got);
            }
        }
    }

    /// Waits up to `wait` (un-stalled time) for a BYE of call `call_id` and answers it 200
    /// (with `tag`).
    pub async fn take_bye(&mut self, call_id: &str, tag: &str, wait: Duration) -> bool {
        let mut budget = Budget::new(wait);
        loop {
            let Some(got) = self.recv_within(&mut budget).await else {
                return false;
            };
            let is_bye = matches!(&got.msg, Some(Message::Request(r))
                if r.method.as_str() == "BYE" && r.common.call_id == call_id);
            if is_bye {
                let ok = self.answer(&got, 200, "OK", tag, None);
                self.send(&ok).await;
                return true;
            }
        }
    }

    /// A TCP link was closed by the engine?
    /// (Within `wait` of un-stalled time, whatever else it sends.)
    pub async fn closed(&mut self, wait: Duration) -> bool {
        let mut budget = Budget::new(wait);
        match &mut self.link {
            Link::Tcp(s, _) => {
                let mut b = [0u8; 1024];
                loop {
                    match tokio::time::timeout(budget.step(), s.read(&mut b)).await {
                        Ok(Ok(0)) | Ok(Err(_)) => return true,
                        Ok(Ok(_)) => continue,
                        Err(_) if budget.alive() => continue,
                        Err(_) => return false,
                    }
                }
            }
            Link::Udp(_) => false,
        }
    }

    /// A REGISTER request (without or with an Authorization header).
    pub fn register_request(&mut self, expires: u32, auth: Option<&str>, call_id: &str) -> String {
        let cseq = self.next_cseq();
        let auth = auth
            .map(|a| format!("Authorization: {a}\r\n"))
            .unwrap_or_default();
        format!(
            "REGISTER sip:hotline SIP/2.0\r\nVia: {}\r\nMax-Forwards: 70\r\nFrom: <sip:{u}@hotline>;tag={}\r\n\
             To: <sip:{u}@hotline>\r\nCall-ID: {call_id}\r\nCSeq: {cseq} REGISTER\r\nContact: {}\r\n\
             Expires: {expires}\r\n{auth}Content-Length: 0\r\n\r\n",
            self.via(&branch()),
            token(),
            self.contact(),
            u = self.user,
        )
    }

    /// Registers with digest auth; returns the final status code.
    pub async fn register(&mut self, password: &str, expires: u32) -> u16 {
        let call_id = token();
        let req = self.register_request(expires, None, &call_id);
        self.send(&req).await;
        let challenge = self.recv_final(PATIENCE).await.expect("challenge");
        if challenge.code() != 401 {
            return challenge.code();
        }
        let www = challenge
            .headers("WWW-Authenticate")
            .into_iter()
            .next()
            .expect("WWW-Authenticate");
        let auth = digest::respond(
            &www,
            "REGISTER",
            "sip:hotline",
            &self.user,
            password,
            &token(),
            1,
        )
        .expect("answer challenge");
        let req = self.register_request(expires, Some(&auth), &call_id);
        self.send(&req).await;
        self.recv_final(PATIENCE)
            .await
            .expect("register answer")
            .code()
    }

    /// An INVITE from this agent to `to` (a number), with a G.711 offer.
    pub fn invite_request(
        &mut self,
        to: &str,
        call_id: &str,
        from_tag: &str,
        branch: &str,
        extra: &str,
    ) -> String {
        let cseq = self.next_cseq();
        let ip = self.local.ip();
        let sdp = format!(
            "v=0\r\no=- 1 1 IN IP4 {ip}\r\ns=-\r\nc=IN IP4 {ip}\r\nt=0 0\r\nm=audio {} RTP/AVP 0 8 101\r\n\
             a=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=sendrecv\r\n",
            self.rtp_port
        );
        format!(
            "INVITE sip:{to}@{} SIP/2.0\r\nVia: {}\r\nMax-Forwards: 70\r\nFrom: <sip:{}@{}>;tag={from_tag}\r\n\
             To: <sip:{to}@{}>\r\nCall-ID: {call_id}\r\nCSeq: {cseq} INVITE\r\nContact: {}\r\n{extra}\
             Content-Type: application/sdp\r\nContent-Length: {}\r\n\r\n{sdp}",
            self.engine,
            self.via(branch),
            self.user,
            self.local,
            self.engine,
            self.contact(),
            sdp.len()
        )
    }

    /// A request inside a dialog we started (we are the From side).
    pub fn in_dialog(
        &self,
        method: &str,
        cseq: u32,
        call_id: &str,
        from_tag: &str,
        to: &str,
        to_tag: &str,
    ) -> String {
        format!(
            "{method} sip:hotline@{} SIP/2.0\r\nVia: {}\r\nMax-Forwards: 70\r\nFrom: <sip:{}@{}>;tag={from_tag}\r\n\
             To: <sip:{to}@{}>;tag={to_tag}\r\nCall-ID: {call_id}\r\nCSeq: {cseq} {method}\r\nContent-Length: 0\r\n\r\n",
            self.engine,
            self.via(&branch()),
            self.user,
            self.local,
            self.engine,
        )
    }

    /// Answers a request the engine sent us with `code`, echoing its headers and adding our tag.
    pub fn answer(
        &self,
        req: &Got,
        code: u16,
        reason: &str,
        tag: &str,
        body: Option<&str>,
    ) -> String {
        reply(&req.raw, code, reason, tag, &self.contact(), body)
    }
}

/// The tag parameter of a To or From value.
pub fn tag_of(value: &str) -> String {
    value
        .split(';')
        .find_map(|p| p.trim().strip_prefix("tag="))
        .unwrap_or("")
        .to_string()
}

/// A response to the request `raw`: its Via, From, Call-ID and CSeq, its To with `tag` added,
/// our Contact, and an SDP body if given.
pub fn reply(
    raw: &str,
    code: u16,
    reason: &str,
    tag: &str,
    contact: &str,
    body: Option<&str>,
) -> String {
    let mut out = format!("SIP/2.0 {code} {reason}\r\n");
    for line in raw.lines() {
        let name = line
            .split(':')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match name.as_str() {
            "via" | "from" | "call-id" | "cseq" => out.push_str(&format!("{line}\r\n")),
            "to" if line.contains("tag=") => out.push_str(&format!("{line}\r\n")),
            "to" => out.push_str(&format!("{line};tag={tag}\r\n")),
            _ => {}
        }
    }
    out.push_str(&format!("Contact: {contact}\r\n"));
    match body {
        Some(b) => out.push_str(&format!(
            "Content-Type: application/sdp\r\nContent-Length: {}\r\n\r\n{b}",
            b.len()
        )),
        None => out.push_str("Content-Length: 0\r\n\r\n"),
    }
    out
}

/// A shipped prompt (`sounds/<lang>/<name>.wav`) encoded to µ-law, as the engine sends it
/// with PCMU (prompts of one list go out back to back, so there is no padding here).
pub fn prompt_ulaw(lang: &str, name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("sounds/{lang}/{name}.wav"));
    let mut reader = hound::WavReader::open(&path).expect("shipped prompt");
    let pcm: Vec<i16> = reader
        .samples::<i16>()
        .map(|s| s.expect("sample"))
        .collect();
    let mut out = Vec::new();
    hotline_media::g711::encode(hotline_media::Codec::Pcmu, &pcm, &mut out);
    out
}

/// An RTP packet from the test agent (SSRC 0x5EED0001).
pub fn rtp_packet(pt: u8, seq: u16, ts: u32, marker: bool, payload: &[u8]) -> Vec<u8> {
    let mut v = vec![0x80, (u8::from(marker) << 7) | pt];
    v.extend_from_slice(&seq.to_be_bytes());
    v.extend_from_slice(&ts.to_be_bytes());
    v.extend_from_slice(&0x5EED_0001u32.to_be_bytes());
    v.extend_from_slice(payload);
    v
}

/// An answered call of the test agent: the engine's RTP address and the dialog's tags.
pub struct Answered {
    pub engine_rtp: SocketAddr,
    pub call_id: String,
    pub from_tag: String,
    pub to_tag: String,
}

impl Ua {
    /// Calls `callee` (offering `rtp_port`), expects a 200 OK with SDP, and ACKs it.
    pub async fn call_answered(&mut self, callee: &str) -> Answered {
        let (call_id, from_tag) = (token(), token());
        let req = self.invite_request(callee, &call_id, &from_tag, &branch(), "");
        self.send(&req).await;
        let ok = self.recv_final(PATIENCE).await.expect("200 OK");
        assert_eq!(ok.code(), 200, "{}", ok.raw);
        let body = String::from_utf8_lossy(&ok.response().common.body).to_string();
        let port = body
            .lines()
            .find_map(|l| l.strip_prefix("m=audio "))
            .and_then(|r| r.split(' ').next())
            .expect("m= line");
        let engine_rtp: SocketAddr = format!("127.0.0.1:{port}").parse().expect("RTP address");
        let to_tag = tag_of(&ok.response().common.to);
        let ack = self.in_dialog("ACK", 1, &call_id, &from_tag, callee, &to_tag);
        self.send(&ack).await;
        Answered {
            engine_rtp,
            call_id,
            from_tag,
            to_tag,
        }
    }
}
