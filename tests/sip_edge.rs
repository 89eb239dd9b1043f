//! End-to-end: the SIP TCP edge of the real `hotline serve` under a connection flood and a
//! trickler. 10,001 connections from one address (127.0.0.1) leave the listener's slots to
//! everyone else: a phone on 127.0.0.2 registers over TCP while they are all held, and the
//! refusals are counted. A connection that sends its header one byte every half second is
//! closed at the message deadline, while a connection that sends nothing between messages
//! stays open past it. Overload control: a trunk's INVITE beyond `sip.overload.max_calls`
//! calls up, or beyond `sip.overload.calls_per_sec`, gets 503 with Retry-After and is counted,
//! and a call is admitted again once one has ended. RFC 4475 conformance, a sample through
//! the real binary: an extension method with every token character gets 501 with Allow,
//! SIP/7.0 gets 505, an unknown URI scheme 416, an unknown Require 420, an INVITE accepting
//! no SDP 406, LWS in Via is understood, an unknown Authorization scheme is challenged afresh
//! (not refused or counted), and the Server header names no version (or is left out).

use std::net::IpAddr;
use std::time::Duration;

use hotline_e2e::{branch, token, wait::PATIENCE, Engine, Ua};
use hotline_metrics::text::sample;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const FLOOD: usize = 10_001;

/// Lets this process hold `n` more descriptors than it needs anyway (the soft limit up to the
/// hard one); the engine it starts inherits the limit.
fn allow_open_files(n: libc::rlim_t) {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read and write the struct passed.
    assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) }, 0);
    let want = n + 512;
    assert!(
        lim.rlim_max >= want,
        "this test needs {want} open files; the hard limit is {}",
        lim.rlim_max
    );
    if lim.rlim_cur < want {
        lim.rlim_cur = lim.rlim_max;
        // SAFETY: as above.
        assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) }, 0);
    }
}

async fn metric(engine: &Engine, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let url = format!("http://{}/metrics", engine.http.expect("http"));
    let text = reqwest::get(url)
        .await
        .expect("GET /metrics")
        .text()
        .await
        .expect("body");
    sample(&text, name, labels)
}

fn ip(s: &str) -> IpAddr {
    s.parse().expect("ip")
}

#[tokio::test]
async fn a_connection_flood_from_one_address_does_not_lock_out_another() {
    allow_open_files(FLOOD as libc::rlim_t);
    let engine = Engine::start(&[]);
    let mut flood = Vec::with_capacity(FLOOD);
    for i in 0..FLOOD {
        match TcpStream::connect(engine.tcp).await {
            Ok(s) => flood.push(s),
            Err(e) => panic!("connection {i} of the flood: {e}"),
        }
    }
    // Every one of them is held here while the phone elsewhere registers over TCP.
    let mut phone = Ua::tcp_from(engine.tcp, "1001", ip("127.0.0.2")).await;
    assert_eq!(phone.register("secret", 300).await, 200);
    // The listener kept 64 of the flood (the default per address) and refused the rest.
    let mut refused = 0.0;
    let mut budget = hotline_e2e::wait::Budget::new(PATIENCE);
    while budget.alive() {
        refused = metric(
            &engine,
            "hotline_sip_tcp_refused_total",
            &[("reason", "per_address")],
        )
        .await
        .unwrap_or(0.0);
        if refused >= (FLOOD - 64) as f64 {
            break;
        }
        tokio::time::sleep(budget.step().min(Duration::from_millis(100))).await;
    }
    assert_eq!(refused, (FLOOD - 64) as f64);
    assert_eq!(
        metric(
            &engine,
            "hotline_sip_tcp_refused_total",
            &[("reason", "total")]
        )
        .await,
        Some(0.0)
    );
    // The 64 held ones still work.
    let mut held = 0;
    for s in flood.iter_mut() {
        let ping = s.write_all(b"\r\n\r\n").await;
        let mut pong = [0u8; 2];
        let answered = ping.is_ok()
            && matches!(
                tokio::time::timeout(Duration::from_millis(200), s.read(&mut pong)).await,
                Ok(Ok(2))
            );
        if answered {
            held += 1;
        }
        if held == 64 {
            break;
        }
    }
    assert_eq!(held, 64);
    drop(flood);
}

#[tokio::test]
async fn a_trickled_message_is_cut_off_at_the_deadline_and_idle_connections_stay() {
    let engine = Engine::start(&[("HOTLINE_SIP_TCP_MESSAGE_TIMEOUT_SECS", "2")]);
    // Connected first and silent throughout: idle between messages, which is allowed.
    let mut idle = Ua::tcp_from(engine.tcp, "1002", ip("127.0.0.4")).await;

    let mut trickler = Ua::tcp_from(engine.tcp, "1001", ip("127.0.0.3")).await;
    let header = format!(
        "OPTIONS sip:hotline SIP/2.0\r\nVia: {}\r\nX-Slow: {}",
        trickler.via("z9hG4bKslow"),
        "x".repeat(200)
    );
    let mut sent = 0;
    let mut closed = false;
    for b in header.bytes() {
        if trickler.closed(Duration::from_millis(500)).await {
            closed = true;
            break;
        }
        trickler.send_raw(&[b]).await;
        sent += 1;
    }
    // 2 s at one byte per 0.5 s is 4-5 bytes; a loaded machine may take a few more reads.
    assert!(closed, "the trickler was never cut off ({sent} bytes sent)");
    assert!(sent < 40, "cut off only after {sent} bytes");
    let mut budget = hotline_e2e::wait::Budget::new(PATIENCE);
    while budget.alive()
        && metric(&engine, "hotline_sip_tcp_message_timeouts_total", &[])
            .await
            .unwrap_or(0.0)
            < 1.0
    {
        tokio::time::sleep(budget.step().min(Duration::from_millis(100))).await;
    }
    assert_eq!(
        metric(&engine, "hotline_sip_tcp_message_timeouts_total", &[]).await,
        Some(1.0)
    );

    // The idle connection has been silent for longer than the message deadline: still open.
    assert_eq!(idle.register("secret", 300).await, 200);
}

/// An INVITE from the trunk (127.0.0.1) to the IVR number: its final response.
async fn offer_call(trunk: &mut Ua) -> hotline_e2e::Got {
    let req = trunk.invite_request("95598", &token(), &token(), &branch(), "");
    trunk.send(&req).await;
    trunk.recv_final(PATIENCE).await.expect("a final response")
}

#[tokio::test]
async fn calls_beyond_max_calls_get_503_with_retry_after() {
    let engine = Engine::start(&[
        ("HOTLINE_SIP_OVERLOAD_MAX_CALLS", "2"),
        ("HOTLINE_SIP_OVERLOAD_CALLS_PER_SEC", "0"),
        ("HOTLINE_SIP_OVERLOAD_RETRY_AFTER_SECS", "9"),
        ("HOTLINE_CALLS_ANSWER_HANGUP_SECS", "0"),
        ("HOTLINE_MEDIA_TIMEOUT_SECS", "0"),
    ]);
    let mut trunk = Ua::udp(engine.udp, "13800000000").await;
    let first = trunk.call_answered("95598").await;
    let _second = trunk.call_answered("95598").await;
    let busy = offer_call(&mut trunk).await;
    assert_eq!(busy.code(), 503, "{}", busy.raw);
    assert_eq!(busy.header("Retry-After").as_deref(), Some("9"));
    assert_eq!(
        metric(
            &engine,
            "hotline_sip_overload_rejected_total",
            &[("reason", "max_calls")]
        )
        .await,
        Some(1.0)
    );
    assert_eq!(
        metric(&engine, "hotline_calls_active", &[]).await,
        Some(2.0)
    );
    // One call ends: the next is taken.
    let bye = trunk.in_dialog(
        "BYE",
        2,
        &first.call_id,
        &first.from_tag,
        "95598",
        &first.to_tag,
    );
    trunk.send(&bye).await;
    assert_eq!(
        trunk.recv_final(PATIENCE).await.map(|g| g.code()),
        Some(200)
    );
    let _third = trunk.call_answered("95598").await;
}

#[tokio::test]
async fn calls_beyond_the_call_rate_get_503_with_retry_after() {
    let engine = Engine::start(&[
        ("HOTLINE_SIP_OVERLOAD_CALLS_PER_SEC", "0.1"),
        ("HOTLINE_CALLS_ANSWER_HANGUP_SECS", "0"),
        ("HOTLINE_MEDIA_TIMEOUT_SECS", "0"),
    ]);
    let mut trunk = Ua::udp(engine.udp, "13800000000").await;
    let _first = trunk.call_answered("95598").await;
    // One call per 10 s: the next, at once, is refused until then.
    let busy = offer_call(&mut trunk).await;
    assert_eq!(busy.code(), 503, "{}", busy.raw);
    let retry: u32 = busy
        .header("Retry-After")
        .and_then(|v| v.parse().ok())
        .expect("a Retry-After in seconds");
    assert!((1..=10).contains(&retry), "Retry-After {retry}");
    assert_eq!(
        metric(
            &engine,
            "hotline_sip_overload_rejected_total",
            &[("reason", "call_rate")]
        )
        .await,
        Some(1.0)
    );
}

/// A phone-side socket on 127.0.0.5 (not a trunk): sends raw text, returns the final answer.
struct Raw {
    sock: tokio::net::UdpSocket,
    engine: std::net::SocketAddr,
}

impl Raw {
    async fn new(engine: std::net::SocketAddr) -> Raw {
        let sock = tokio::net::UdpSocket::bind("127.0.0.5:0")
            .await
            .expect("bind");
        Raw { sock, engine }
    }

    fn request(&self, line: &str, via_protocol: &str, extra: &str) -> String {
        let method = line.split(' ').next().unwrap_or_default();
        let local = self.sock.local_addr().expect("addr");
        format!(
            "{line}\r\nVia: {via_protocol} {local};branch={}\r\nMax-Forwards: 70\r\n\
             From: <sip:1001@hotline>;tag={}\r\nTo: <sip:1001@hotline>\r\nCall-ID: {}\r\n\
             CSeq: 1 {method}\r\nContact: <sip:1001@{local}>\r\n{extra}Content-Length: 0\r\n\r\n",
            branch(),
            token(),
            token()
        )
    }

    async fn ask(&self, text: &str) -> String {
        self.sock
            .send_to(text.as_bytes(), self.engine)
            .await
            .expect("send");
        let mut budget = hotline_e2e::wait::Budget::new(PATIENCE);
        let mut buf = vec![0u8; 65536];
        loop {
            let got = tokio::time::timeout(budget.step(), self.sock.recv_from(&mut buf)).await;
            match got {
                Ok(Ok((n, _))) => {
                    let text = String::from_utf8_lossy(&buf[..n]).to_string();
                    if !text.starts_with("SIP/2.0 100 ") {
                        return text;
                    }
                }
                Ok(Err(e)) => panic!("receive: {e}"),
                Err(_) if budget.alive() => continue,
                Err(_) => panic!("no answer to:\n{text}"),
            }
        }
    }
}

#[tokio::test]
async fn rfc4475_sample_through_the_engine() {
    let engine = Engine::start(&[]);
    let phone = Raw::new(engine.udp).await;
    let v = "SIP/2.0/UDP";
    let line = "OPTIONS sip:hotline SIP/2.0";

    let got = phone
        .ask(&phone.request(
            "!interesting-Method0123456789_*+`.%indeed'~ sip:hotline SIP/2.0",
            v,
            "",
        ))
        .await;
    assert!(got.starts_with("SIP/2.0 501 "), "{got}");
    assert!(got.contains("\r\nAllow: INVITE, "), "{got}");

    let got = phone
        .ask(&phone.request("OPTIONS sip:hotline SIP/7.0", "SIP/7.0/UDP", ""))
        .await;
    assert!(got.starts_with("SIP/2.0 505 "), "{got}");

    let got = phone
        .ask(&phone.request(
            "OPTIONS nobodyKnowsThisScheme:totallyopaquecontent SIP/2.0",
            v,
            "",
        ))
        .await;
    assert!(got.starts_with("SIP/2.0 416 "), "{got}");

    let got = phone
        .ask(&phone.request(line, v, "Require: nothingSupportedHere\r\n"))
        .await;
    assert!(got.starts_with("SIP/2.0 420 "), "{got}");
    assert!(
        got.contains("\r\nUnsupported: nothingSupportedHere\r\n"),
        "{got}"
    );

    let got = phone.ask(&phone.request(line, "SIP / 2.0 / UDP", "")).await;
    assert!(got.starts_with("SIP/2.0 200 "), "{got}");
    // The Server header names the product, not its version.
    assert!(got.contains("\r\nServer: hotline\r\n"), "{got}");

    // An INVITE from the trunk that accepts no SDP.
    let mut trunk = Ua::udp(engine.udp, "13800000000").await;
    let req = trunk.invite_request(
        "95598",
        &token(),
        &token(),
        &branch(),
        "Accept: text/nobodyKnowsThis\r\n",
    );
    trunk.send(&req).await;
    let got = trunk.recv_final(PATIENCE).await.expect("an answer");
    assert_eq!(got.code(), 406, "{}", got.raw);

    // An unknown Authorization scheme: a fresh challenge, no failure counted.
    let got = phone
        .ask(&phone.request(
            "REGISTER sip:hotline SIP/2.0",
            v,
            "Authorization: Basic MTAwMTpzZWNyZXQ=\r\n",
        ))
        .await;
    assert!(got.starts_with("SIP/2.0 401 "), "{got}");
    assert!(got.contains("WWW-Authenticate: Digest "), "{got}");
    assert_eq!(
        metric(&engine, "hotline_sip_auth_failures_total", &[]).await,
        Some(0.0)
    );
}

#[tokio::test]
async fn an_empty_user_agent_sends_no_server_header() {
    let engine = Engine::start(&[("HOTLINE_SIP_USER_AGENT", "")]);
    let phone = Raw::new(engine.udp).await;
    let got = phone
        .ask(&phone.request("OPTIONS sip:hotline SIP/2.0", "SIP/2.0/UDP", ""))
        .await;
    assert!(got.starts_with("SIP/2.0 200 "), "{got}");
    assert!(!got.contains("Server:"), "{got}");
}
