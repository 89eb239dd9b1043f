//! End-to-end: the real `hotline serve` against an eavesdropper and a password guesser on
//! loopback. Captured REGISTER and INVITE credentials replayed — from another address
//! (127.0.0.2) or from the phone's own — are challenged, never accepted, and the phone stays
//! registered; sent to another number they get a 400; thirty wrong guesses at another account
//! interleaved with the guesser's own successful registrations get its address blocked after
//! five; one account guessed from twelve addresses is throttled while its own phone goes on;
//! a call from an authenticated user with no registration gets `403 Not Registered`, a masked
//! log line and a metric (or goes through when configured to).

use std::net::SocketAddr;
use std::time::Duration;

use hotline_e2e::{branch, digest, token, Engine, Ua};
use hotline_metrics::text::sample;
use tokio::net::UdpSocket;

const WAIT: Duration = Duration::from_secs(5);

/// Someone who saw a phone's requests on the wire and sends them again from `local`.
struct Eavesdropper {
    sock: UdpSocket,
    local: SocketAddr,
    engine: SocketAddr,
}

impl Eavesdropper {
    async fn at(ip: &str, engine: SocketAddr) -> Eavesdropper {
        let sock = UdpSocket::bind((ip, 0)).await.expect("bind");
        let local = sock.local_addr().expect("address");
        Eavesdropper {
            sock,
            local,
            engine,
        }
    }

    /// Replays `captured` (sent by `phone`) as a new transaction from here: its own Via and
    /// Contact, a new branch and Call-ID, everything else — the credentials — as seen.
    async fn replay(&self, captured: &str, phone: SocketAddr) -> Option<String> {
        let old_branch = captured
            .split("branch=")
            .nth(1)
            .and_then(|b| b.split([';', '\r']).next())
            .expect("a branch");
        let old_call_id = captured
            .lines()
            .find_map(|l| l.strip_prefix("Call-ID: "))
            .expect("a Call-ID");
        let text = captured
            .replace(old_branch, &branch())
            .replace(old_call_id, &token())
            .replace(&phone.to_string(), &self.local.to_string());
        self.send(&text).await
    }

    /// Sends `text` to the engine; the final response.
    async fn send(&self, text: &str) -> Option<String> {
        self.sock
            .send_to(text.as_bytes(), self.engine)
            .await
            .expect("send");
        self.final_response().await
    }

    async fn final_response(&self) -> Option<String> {
        loop {
            let mut buf = vec![0u8; 65536];
            let (n, _) = tokio::time::timeout(WAIT, self.sock.recv_from(&mut buf))
                .await
                .ok()?
                .ok()?;
            let text = String::from_utf8_lossy(&buf[..n]).to_string();
            if !text.starts_with("SIP/2.0 100 ") {
                return Some(text);
            }
        }
    }
}

/// REGISTERs `ua.user` with `password`: the final status code, or None when the engine does
/// not answer at all (a blocked address).
async fn try_register(ua: &mut Ua, password: &str) -> Option<u16> {
    let call_id = token();
    let req = ua.register_request(600, None, &call_id);
    ua.send(&req).await;
    let challenge = ua.recv_final(Duration::from_millis(700)).await?;
    if challenge.code() != 401 {
        return Some(challenge.code());
    }
    let www = challenge.headers("WWW-Authenticate").remove(0);
    let auth = digest::respond(
        &www,
        "REGISTER",
        "sip:hotline",
        &ua.user,
        password,
        &token(),
        1,
    )
    .expect("answer the challenge");
    let req = ua.register_request(600, Some(&auth), &call_id);
    ua.send(&req).await;
    Some(ua.recv_final(Duration::from_millis(700)).await?.code())
}

async fn metrics(engine: &Engine) -> String {
    let url = format!("http://{}/metrics", engine.http.expect("http"));
    reqwest::get(url)
        .await
        .expect("GET /metrics")
        .text()
        .await
        .expect("body")
}

fn stale_challenge(resp: &Option<String>, code: u16) -> bool {
    resp.as_deref()
        .is_some_and(|r| r.starts_with(&format!("SIP/2.0 {code} ")) && r.contains("stale=true"))
}

#[tokio::test]
async fn replayed_register_and_invite_are_challenged_never_accepted() {
    let engine = Engine::start(&[("HOTLINE_SIP_TRUNKS", "")]);
    let mut phone = Ua::udp(engine.udp, "1001").await;
    // The phone registers; the eavesdropper keeps a copy of the authenticated REGISTER.
    let call_id = token();
    let req = phone.register_request(600, None, &call_id);
    phone.send(&req).await;
    let challenge = phone.recv_final(WAIT).await.expect("401");
    assert_eq!(challenge.code(), 401);
    let www = challenge.headers("WWW-Authenticate").remove(0);
    let auth = digest::respond(
        &www,
        "REGISTER",
        "sip:hotline",
        "1001",
        "secret",
        "c0ffee",
        1,
    )
    .expect("respond");
    let captured_register = phone.register_request(600, Some(&auth), &call_id);
    phone.send(&captured_register).await;
    assert_eq!(phone.recv_final(WAIT).await.expect("200").code(), 200);

    // Replayed from 127.0.0.2, and from another port of the phone's own address: to bind the
    // eavesdropper's contact, and as `Contact: *` to unregister the agent.
    let elsewhere = Eavesdropper::at("127.0.0.2", engine.udp).await;
    let same_host = Eavesdropper::at("127.0.0.1", engine.udp).await;
    let unregister = captured_register
        .replace(&phone.contact(), "*")
        .replace("Expires: 600", "Expires: 0");
    for who in [&elsewhere, &same_host] {
        for captured in [&captured_register, &unregister] {
            let resp = who.replay(captured, phone.local).await;
            assert!(stale_challenge(&resp, 401), "from {}: {resp:?}", who.local);
        }
    }

    // The phone calls; the eavesdropper replays the INVITE's credentials.
    let (call_id, from_tag) = (token(), token());
    let inv = phone.invite_request("95598", &call_id, &from_tag, &branch(), "");
    phone.send(&inv).await;
    let challenge = phone.recv_final(WAIT).await.expect("407");
    assert_eq!(challenge.code(), 407);
    let pa = challenge.headers("Proxy-Authenticate").remove(0);
    let uri = format!("sip:95598@{}", engine.udp);
    let auth =
        digest::respond(&pa, "INVITE", &uri, "1001", "secret", "c0ffee", 1).expect("respond");
    let captured_invite = phone.invite_request(
        "95598",
        &call_id,
        &from_tag,
        &branch(),
        &format!("Proxy-Authorization: {auth}\r\n"),
    );
    phone.send(&captured_invite).await;
    assert_eq!(phone.recv_final(WAIT).await.expect("200").code(), 200);
    for who in [&elsewhere, &same_host] {
        let resp = who.replay(&captured_invite, phone.local).await;
        assert!(stale_challenge(&resp, 407), "from {}: {resp:?}", who.local);
        // The same credentials to a number that costs: the digest uri names 95598.
        let toll = captured_invite.replacen("INVITE sip:95598@", "INVITE sip:16800000000@", 1);
        let resp = who.replay(&toll, phone.local).await.expect("an answer");
        assert!(
            resp.starts_with("SIP/2.0 400 Digest uri Does Not Match Request-URI"),
            "{resp}"
        );
    }

    // Nothing the replays did took: the agent is still registered, no call was placed, and no
    // replay counted as a wrong password.
    let text = metrics(&engine).await;
    let v = |name: &str, labels: &[(&str, &str)]| sample(&text, name, labels);
    assert_eq!(v("hotline_sip_registered_users", &[]), Some(1.0));
    assert_eq!(
        v(
            "hotline_sip_auth_challenges_total",
            &[("reason", "other_address")]
        ),
        Some(3.0)
    );
    assert_eq!(
        v(
            "hotline_sip_auth_challenges_total",
            &[("reason", "replayed")]
        ),
        Some(3.0)
    );
    assert_eq!(
        v("hotline_sip_refused_total", &[("reason", "uri_mismatch")]),
        Some(2.0)
    );
    assert_eq!(v("hotline_sip_auth_failures_total", &[]), Some(0.0));
    assert_eq!(
        v("hotline_sip_requests_total", &[("method", "INVITE")]),
        Some(6.0)
    );
    assert_eq!(
        v("hotline_sip_responses_total", &[("class", "2xx")]),
        Some(2.0),
        "{text}"
    );
}

#[tokio::test]
async fn thirty_wrong_guesses_between_own_registrations_get_the_address_blocked() {
    // Trunk addresses are never blocked: no trunks here.
    let engine = Engine::start(&[("HOTLINE_SIP_TRUNKS", "")]);
    let mut ua = Ua::udp(engine.udp, "1001").await;
    let mut guesses_answered = 0;
    for i in 0..30 {
        ua.user = "1001".into();
        match try_register(&mut ua, "secret").await {
            Some(200) => {}
            None => break,
            other => panic!("own registration {i}: {other:?}"),
        }
        ua.user = "1002".into();
        match try_register(&mut ua, &format!("guess-{i}")).await {
            Some(403) => guesses_answered += 1,
            None => break,
            other => panic!("guess {i}: {other:?}"),
        }
    }
    assert_eq!(
        guesses_answered, 5,
        "blocked at the default sip.auth.max_failures"
    );
    // Blocked: even its own account gets no answer now.
    ua.user = "1001".into();
    assert_eq!(try_register(&mut ua, "secret").await, None);
    let text = metrics(&engine).await;
    assert_eq!(
        sample(&text, "hotline_sip_auth_failures_total", &[]),
        Some(5.0)
    );
    assert_eq!(
        sample(&text, "hotline_sip_blocked_addresses", &[]),
        Some(1.0)
    );
}

/// An INVITE with the right credentials, from a user with no registration.
async fn call_unregistered(engine: &Engine) -> hotline_e2e::Got {
    let mut ua = Ua::udp(engine.udp, "1001").await;
    let (call_id, from_tag) = (token(), token());
    let inv = ua.invite_request("95598", &call_id, &from_tag, &branch(), "");
    ua.send(&inv).await;
    let challenge = ua.recv_final(WAIT).await.expect("407");
    assert_eq!(challenge.code(), 407);
    let pa = challenge.headers("Proxy-Authenticate").remove(0);
    let uri = format!("sip:95598@{}", engine.udp);
    let auth = digest::respond(&pa, "INVITE", &uri, "1001", "secret", "abc", 1).expect("respond");
    let inv = ua.invite_request(
        "95598",
        &call_id,
        &from_tag,
        &branch(),
        &format!("Proxy-Authorization: {auth}\r\n"),
    );
    ua.send(&inv).await;
    ua.recv_final(WAIT).await.expect("an answer")
}

#[tokio::test]
async fn unregistered_caller_gets_403_not_registered_logged_and_counted() {
    let engine = Engine::start(&[("HOTLINE_SIP_TRUNKS", "")]);
    let resp = call_unregistered(&engine).await;
    assert!(
        resp.raw.starts_with("SIP/2.0 403 Not Registered\r\n"),
        "{}",
        resp.raw
    );
    let mut seen = Vec::new();
    let line = engine.log_line(&mut seen, "no live registration").await;
    assert!(line.contains(" INFO "), "{line}");
    assert!(line.contains(" user=**** "), "masked: {line}");
    assert!(!line.contains("user=1001"), "masked: {line}");
    let text = metrics(&engine).await;
    assert_eq!(
        sample(
            &text,
            "hotline_sip_refused_total",
            &[("reason", "not_registered")]
        ),
        Some(1.0)
    );
    assert_eq!(
        sample(&text, "hotline_sip_auth_failures_total", &[]),
        Some(0.0)
    );

    let open = Engine::start(&[
        ("HOTLINE_SIP_TRUNKS", ""),
        ("HOTLINE_SIP_AUTH_ALLOW_UNREGISTERED_CALLS", "true"),
    ]);
    let resp = call_unregistered(&open).await;
    assert_eq!(resp.code(), 200, "{}", resp.raw);
}

/// REGISTERs `user` with `password` from a socket on `ip`; the final status code.
async fn register_from(ip: &str, engine: SocketAddr, user: &str, password: &str) -> Option<u16> {
    let me = Eavesdropper::at(ip, engine).await;
    let call_id = token();
    let request = |cseq: u32, auth: &str| {
        format!(
            "REGISTER sip:hotline SIP/2.0\r\nVia: SIP/2.0/UDP {l};branch={}\r\nMax-Forwards: 70\r\n\
             From: <sip:{user}@hotline>;tag={}\r\nTo: <sip:{user}@hotline>\r\nCall-ID: {call_id}\r\n\
             CSeq: {cseq} REGISTER\r\nContact: <sip:{user}@{l}>\r\nExpires: 600\r\n{auth}Content-Length: 0\r\n\r\n",
            branch(),
            token(),
            l = me.local,
        )
    };
    let challenge = me.send(&request(1, "")).await?;
    if !challenge.starts_with("SIP/2.0 401 ") {
        return challenge.get(8..11)?.parse().ok();
    }
    let www = challenge
        .lines()
        .find_map(|l| l.strip_prefix("WWW-Authenticate: "))
        .expect("a challenge");
    let auth = digest::respond(www, "REGISTER", "sip:hotline", user, password, &token(), 1)
        .expect("respond");
    let resp = me
        .send(&request(2, &format!("Authorization: {auth}\r\n")))
        .await?;
    resp.get(8..11)?.parse().ok()
}

#[tokio::test]
async fn account_guessed_from_many_addresses_is_throttled_but_its_phone_is_not() {
    let engine = Engine::start(&[("HOTLINE_SIP_TRUNKS", "")]);
    // The agent's phone on 127.0.0.1; then one wrong guess from each of twelve addresses,
    // under every address's own limit, over the account's (sip.auth.account_max_failures 10).
    assert_eq!(
        register_from("127.0.0.1", engine.udp, "1002", "secret").await,
        Some(200)
    );
    for i in 0..12 {
        let bot = format!("127.0.0.{}", 10 + i);
        assert_eq!(
            register_from(&bot, engine.udp, "1002", "wrong").await,
            Some(403)
        );
    }
    // The right password from a new address is refused like a wrong one; the phone goes on.
    assert_eq!(
        register_from("127.0.0.40", engine.udp, "1002", "secret").await,
        Some(403)
    );
    assert_eq!(
        register_from("127.0.0.1", engine.udp, "1002", "secret").await,
        Some(200)
    );
    assert_eq!(
        register_from("127.0.0.41", engine.udp, "1001", "secret").await,
        Some(200)
    );
    let text = metrics(&engine).await;
    assert_eq!(
        sample(&text, "hotline_sip_throttled_accounts", &[]),
        Some(1.0)
    );
    assert_eq!(
        sample(&text, "hotline_sip_blocked_addresses", &[]),
        Some(0.0)
    );
    assert_eq!(
        sample(
            &text,
            "hotline_sip_refused_total",
            &[("reason", "account_throttled")]
        ),
        Some(1.0)
    );
    assert_eq!(
        sample(&text, "hotline_sip_auth_failures_total", &[]),
        Some(12.0)
    );
}
