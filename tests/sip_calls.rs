//! End-to-end: the real `hotline serve` on loopback, spoken to by the test user agent over UDP
//! and TCP: registration with digest, calls hung up from either side, CANCEL, re-INVITE, bad
//! passwords, unknown dialogs, and outbound calls to a registered phone.

use std::time::Duration;

use hotline_e2e::{branch, tag_of, token, Engine, Ua};

/// What must happen: a generous wait a stalled machine does not reach (`hotline_e2e::wait`).
const WAIT: Duration = hotline_e2e::PATIENCE;

#[tokio::test]
async fn register_with_digest_over_udp_and_tcp() {
    let engine = Engine::start(&[]);
    let mut a = Ua::udp(engine.udp, "1001").await;
    assert_eq!(a.register("secret", 600).await, 200);
    let mut b = Ua::tcp(engine.tcp, "1002").await;
    assert_eq!(b.register("secret", 600).await, 200);
    // Unregister.
    assert_eq!(b.register("secret", 0).await, 200);
}

#[tokio::test]
async fn bad_password_and_unknown_user_get_the_same_answer() {
    let engine = Engine::start(&[]);
    let mut a = Ua::udp(engine.udp, "1001").await;
    let mut x = Ua::udp(engine.udp, "7777").await;
    assert_eq!(a.register("wrong", 600).await, 403);
    assert_eq!(x.register("secret", 600).await, 403);
}

#[tokio::test]
async fn repeated_failures_block_the_address() {
    // Trunk addresses are never blocked (that would cut the carrier off): no trunks here.
    let engine = Engine::start(&[
        ("HOTLINE_SIP_AUTH_MAX_FAILURES", "3"),
        ("HOTLINE_SIP_TRUNKS", ""),
    ]);
    let mut a = Ua::udp(engine.udp, "1001").await;
    for _ in 0..3 {
        assert_eq!(a.register("wrong", 600).await, 403);
    }
    // Blocked: not even a challenge comes back now.
    let call_id = token();
    let req = a.register_request(600, None, &call_id);
    a.send(&req).await;
    assert!(a.recv(Duration::from_millis(500)).await.is_none());
}

/// A trunk call: 100, 200 with SDP, ACK, then hang-up from the caller.
async fn answered_call(ua: &mut Ua) -> (String, String, String) {
    let (call_id, from_tag) = (token(), token());
    let req = ua.invite_request("95598", &call_id, &from_tag, &branch(), "");
    ua.send(&req).await;
    let ok = ua.recv_final(WAIT).await.expect("answer");
    assert_eq!(ok.code(), 200, "{}", ok.raw);
    assert_eq!(
        ok.header("Content-Type").as_deref(),
        Some("application/sdp")
    );
    let body = String::from_utf8_lossy(&ok.response().common.body).to_string();
    assert!(body.contains("m=audio "), "{body}");
    assert!(body.contains("c=IN IP4 127.0.0.1"), "{body}");
    assert!(body.contains("RTP/AVP 0"), "PCMU chosen first: {body}");
    let to_tag = tag_of(&ok.response().common.to);
    let ack = ua.in_dialog("ACK", 1, &call_id, &from_tag, "95598", &to_tag);
    ua.send(&ack).await;
    (call_id, from_tag, to_tag)
}

#[tokio::test]
async fn trunk_call_caller_hangs_up_udp() {
    let engine = Engine::start(&[]);
    let mut ua = Ua::udp(engine.udp, "13800000000").await;
    let (call_id, from_tag, to_tag) = answered_call(&mut ua).await;
    let bye = ua.in_dialog("BYE", 2, &call_id, &from_tag, "95598", &to_tag);
    ua.send(&bye).await;
    let ok = ua.recv_final(WAIT).await.expect("BYE answered");
    assert_eq!(ok.code(), 200);
    // The dialog is gone now: a second BYE (new transaction) finds nothing.
    let bye = ua.in_dialog("BYE", 3, &call_id, &from_tag, "95598", &to_tag);
    ua.send(&bye).await;
    assert_eq!(ua.recv_final(WAIT).await.expect("481").code(), 481);
}

#[tokio::test]
async fn trunk_call_over_tcp() {
    let engine = Engine::start(&[]);
    let mut ua = Ua::tcp(engine.tcp, "13800000000").await;
    let (call_id, from_tag, to_tag) = answered_call(&mut ua).await;
    let bye = ua.in_dialog("BYE", 2, &call_id, &from_tag, "95598", &to_tag);
    ua.send(&bye).await;
    assert_eq!(ua.recv_final(WAIT).await.expect("BYE answered").code(), 200);
}

#[tokio::test]
async fn engine_hangs_up_after_the_answer_time() {
    let engine = Engine::start(&[("HOTLINE_CALLS_ANSWER_HANGUP_SECS", "1")]);
    let mut ua = Ua::udp(engine.udp, "13800000000").await;
    let (call_id, _, _) = answered_call(&mut ua).await;
    let bye = ua.recv(WAIT).await.expect("BYE from the engine");
    let req = bye.request();
    assert_eq!(req.method.as_str(), "BYE");
    assert_eq!(req.common.call_id, call_id);
    let ok = ua.answer(&bye, 200, "OK", "", None);
    ua.send(&ok).await;
    // No retransmission once answered.
    assert!(ua.recv(Duration::from_millis(800)).await.is_none());
}

#[tokio::test]
async fn cancel_while_ringing() {
    let engine = Engine::start(&[("HOTLINE_CALLS_RING_SECS", "5")]);
    let mut ua = Ua::udp(engine.udp, "13800000000").await;
    let (call_id, from_tag, br) = (token(), token(), branch());
    let inv = ua.invite_request("95598", &call_id, &from_tag, &br, "");
    ua.send(&inv).await;
    let ringing = ua.recv_final(WAIT).await.expect("180");
    assert_eq!(ringing.code(), 180);
    let cancel = inv
        .replacen("INVITE sip:", "CANCEL sip:", 1)
        .replace(" INVITE\r\n", " CANCEL\r\n");
    let cancel = cancel
        .split("Content-Type")
        .next()
        .unwrap_or("")
        .to_string()
        + "Content-Length: 0\r\n\r\n";
    ua.send(&cancel).await;
    let mut codes = vec![
        ua.recv_final(WAIT).await.expect("answer").code(),
        ua.recv_final(WAIT).await.expect("answer").code(),
    ];
    codes.sort();
    assert_eq!(codes, vec![200, 487]);
}

#[tokio::test]
async fn reinvite_hold_keeps_the_call() {
    let engine = Engine::start(&[]);
    let mut ua = Ua::udp(engine.udp, "13800000000").await;
    let (call_id, from_tag, to_tag) = answered_call(&mut ua).await;
    let hold_sdp = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=sendonly\r\n";
    let reinvite = ua
        .in_dialog("INVITE", 2, &call_id, &from_tag, "95598", &to_tag)
        .replace(
            "Content-Length: 0\r\n\r\n",
            &format!("Contact: {}\r\nContent-Type: application/sdp\r\nContent-Length: {}\r\n\r\n{hold_sdp}", ua.contact(), hold_sdp.len()),
        );
    ua.send(&reinvite).await;
    let ok = ua.recv_final(WAIT).await.expect("re-INVITE answer");
    assert_eq!(ok.code(), 200, "{}", ok.raw);
    let body = String::from_utf8_lossy(&ok.response().common.body).to_string();
    assert!(
        body.contains("a=recvonly"),
        "hold answered recvonly: {body}"
    );
    let ack = ua.in_dialog("ACK", 2, &call_id, &from_tag, "95598", &to_tag);
    ua.send(&ack).await;
    // The call is still there: BYE gets 200, not 481.
    let bye = ua.in_dialog("BYE", 3, &call_id, &from_tag, "95598", &to_tag);
    ua.send(&bye).await;
    assert_eq!(ua.recv_final(WAIT).await.expect("BYE").code(), 200);
}

#[tokio::test]
async fn unknown_dialog_gets_481() {
    let engine = Engine::start(&[]);
    let mut ua = Ua::udp(engine.udp, "13800000000").await;
    let bye = ua.in_dialog("BYE", 2, "nope", "a", "95598", "b");
    ua.send(&bye).await;
    assert_eq!(ua.recv_final(WAIT).await.expect("481").code(), 481);
}

#[tokio::test]
async fn phone_outside_the_trunks_must_register_and_authenticate() {
    // No trunks at all: every caller is a phone.
    let engine = Engine::start(&[("HOTLINE_SIP_TRUNKS", "")]);
    let mut ua = Ua::udp(engine.udp, "1001").await;
    let (call_id, from_tag) = (token(), token());
    let inv = ua.invite_request("95598", &call_id, &from_tag, &branch(), "");
    ua.send(&inv).await;
    let challenge = ua.recv_final(WAIT).await.expect("407");
    assert_eq!(challenge.code(), 407);
    let pa = challenge.headers("Proxy-Authenticate").remove(0);
    // The digest uri is the Request-URI; each use of the nonce counts one higher (nc).
    let uri = format!("sip:95598@{}", engine.udp);
    let auth = |nc| {
        hotline_e2e::digest::respond(&pa, "INVITE", &uri, "1001", "secret", "abc", nc)
            .expect("respond")
    };
    // Authenticated but not registered: refused.
    let inv = ua.invite_request(
        "95598",
        &call_id,
        &from_tag,
        &branch(),
        &format!("Proxy-Authorization: {}\r\n", auth(1)),
    );
    ua.send(&inv).await;
    assert_eq!(ua.recv_final(WAIT).await.expect("403").code(), 403);
    assert_eq!(ua.register("secret", 600).await, 200);
    let inv = ua.invite_request(
        "95598",
        &call_id,
        &from_tag,
        &branch(),
        &format!("Proxy-Authorization: {}\r\n", auth(2)),
    );
    ua.send(&inv).await;
    assert_eq!(ua.recv_final(WAIT).await.expect("200").code(), 200);
}
