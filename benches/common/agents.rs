//! Agent softphones for the bridged-call benchmarks: N users registered with digest over one SIP
//! socket, each with its own RTP socket, answering the engine's INVITEs at once with an SDP
//! answer and remembering where the engine wants their RTP and who called.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hotline_e2e::{branch, digest, reply, token};
use hotline_sip::wire::{self, Message};
use tokio::net::UdpSocket;
use tokio::sync::oneshot;

use super::StreamStats;

/// Extension of agent `i`.
pub fn extension(i: usize) -> String {
    format!("{}", 20000 + i)
}

/// `HOTLINE_SIP_USERS` for `n` agents (password "pw").
pub fn users_env(n: usize) -> String {
    (0..n)
        .map(|i| format!("{}:pw", extension(i)))
        .collect::<Vec<_>>()
        .join(",")
}

pub struct Agent {
    pub rtp: Arc<UdpSocket>,
    pub stats: Arc<Mutex<StreamStats>>,
    /// Where the engine's agent leg listens, once the INVITE came.
    pub engine_rtp: Arc<Mutex<Option<SocketAddr>>>,
    /// The user part of the last INVITE's From (the caller's number for an ACD offer).
    pub caller: Arc<Mutex<Option<String>>>,
}

type Waiters = Arc<Mutex<HashMap<String, oneshot::Sender<String>>>>;
/// Per agent extension: its RTP port, where the engine's leg for it listens, who called it.
type Directory = HashMap<
    String,
    (
        u16,
        Arc<Mutex<Option<SocketAddr>>>,
        Arc<Mutex<Option<String>>>,
    ),
>;

/// Registers `n` agents (extensions [`extension`], password "pw") and starts answering their
/// calls.
pub async fn register(engine: SocketAddr, n: usize) -> Vec<Agent> {
    let users: Vec<(String, String)> = (0..n).map(|i| (extension(i), "pw".to_string())).collect();
    register_users(engine, &users).await
}

/// Registers the phones of `users` (SIP user, password), in that order, and starts answering
/// their calls.
pub async fn register_users(engine: SocketAddr, users: &[(String, String)]) -> Vec<Agent> {
    let n = users.len();
    let sip = Arc::new(
        UdpSocket::bind("127.0.0.1:0")
            .await
            .expect("agent sip socket"),
    );
    let local = sip.local_addr().expect("agent sip address");
    let mut agents = Vec::with_capacity(n);
    let mut by_user = HashMap::new();
    for (user, _) in users {
        let rtp = Arc::new(
            UdpSocket::bind("127.0.0.1:0")
                .await
                .expect("agent rtp socket"),
        );
        let (engine_rtp, caller) = (Arc::new(Mutex::new(None)), Arc::new(Mutex::new(None)));
        by_user.insert(
            user.clone(),
            (
                rtp.local_addr().expect("rtp address").port(),
                engine_rtp.clone(),
                caller.clone(),
            ),
        );
        agents.push(Agent {
            rtp,
            stats: Arc::new(Mutex::new(StreamStats::default())),
            engine_rtp,
            caller,
        });
    }
    let waiters: Waiters = Arc::default();
    tokio::spawn(serve(sip.clone(), waiters.clone(), by_user));
    for (user, password) in users {
        let call_id = token();
        let first = register_request(user, local, engine, &call_id, 1, None);
        let www = exchange(&sip, engine, &waiters, &call_id, first)
            .await
            .and_then(|r| header(&r, "WWW-Authenticate"))
            .expect("a challenge");
        let auth = digest::respond(
            &www,
            "REGISTER",
            &format!("sip:{engine}"),
            user,
            password,
            &token(),
            1,
        )
        .expect("answer the challenge");
        let second = register_request(user, local, engine, &call_id, 2, Some(&auth));
        let ok = exchange(&sip, engine, &waiters, &call_id, second)
            .await
            .expect("REGISTER answered");
        assert!(
            ok.starts_with("SIP/2.0 200"),
            "agent {user} not registered: {ok}"
        );
    }
    agents
}

fn register_request(
    user: &str,
    local: SocketAddr,
    engine: SocketAddr,
    call_id: &str,
    cseq: u32,
    auth: Option<&str>,
) -> String {
    let auth = auth
        .map(|a| format!("Authorization: {a}\r\n"))
        .unwrap_or_default();
    format!(
        "REGISTER sip:{engine} SIP/2.0\r\nVia: SIP/2.0/UDP {local};branch={}\r\nMax-Forwards: 70\r\n\
         From: <sip:{user}@{engine}>;tag={}\r\nTo: <sip:{user}@{engine}>\r\nCall-ID: {call_id}\r\n\
         CSeq: {cseq} REGISTER\r\nContact: <sip:{user}@{local}>\r\nExpires: 3600\r\n{auth}Content-Length: 0\r\n\r\n",
        branch(),
        token()
    )
}

async fn exchange(
    sip: &UdpSocket,
    engine: SocketAddr,
    waiters: &Waiters,
    call_id: &str,
    req: String,
) -> Option<String> {
    let (tx, rx) = oneshot::channel();
    waiters
        .lock()
        .expect("waiters")
        .insert(call_id.to_string(), tx);
    sip.send_to(req.as_bytes(), engine).await.ok()?;
    tokio::time::timeout(Duration::from_secs(5), rx)
        .await
        .ok()?
        .ok()
}

/// The user part of a SIP URI: `sip:13900000001@host` → `13900000001`.
fn user_of(uri: &str) -> String {
    uri.split_once(':')
        .map_or(uri, |(_, rest)| rest)
        .split(['@', ';', '>'])
        .next()
        .unwrap_or("")
        .to_string()
}

fn header(raw: &str, name: &str) -> Option<String> {
    raw.lines().find_map(|l| {
        let (n, v) = l.split_once(':')?;
        n.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().to_string())
    })
}

/// Answers INVITEs (200 with SDP) and BYEs (200); hands REGISTER answers to their waiters.
async fn serve(sip: Arc<UdpSocket>, waiters: Waiters, by_user: Directory) {
    let mut buf = vec![0u8; 65536];
    while let Ok((n, from)) = sip.recv_from(&mut buf).await {
        let raw = String::from_utf8_lossy(&buf[..n]).to_string();
        match wire::parse(&buf[..n]) {
            Ok(Message::Response(resp)) if resp.code >= 200 => {
                if let Some(tx) = waiters
                    .lock()
                    .expect("waiters")
                    .remove(&resp.common.call_id)
                {
                    let _ = tx.send(raw);
                }
            }
            Ok(Message::Request(req)) => {
                let method = req.method.as_str().to_string();
                let body = match method.as_str() {
                    "INVITE" => {
                        let Some((port, engine_rtp, caller)) = by_user.get(&req.uri_user) else {
                            continue;
                        };
                        let sdp = String::from_utf8_lossy(&req.common.body).to_string();
                        *engine_rtp.lock().expect("engine rtp") = super::rtp_target(&sdp);
                        *caller.lock().expect("caller") = Some(user_of(&req.common.from_addr.uri));
                        Some(format!(
                            "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
                             m=audio {port} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n"
                        ))
                    }
                    "BYE" | "CANCEL" => None,
                    _ => continue,
                };
                let ok = reply(
                    &raw,
                    200,
                    "OK",
                    "agent",
                    "<sip:agent@127.0.0.1>",
                    body.as_deref(),
                );
                let _ = sip.send_to(ok.as_bytes(), from).await;
            }
            _ => {}
        }
    }
}
