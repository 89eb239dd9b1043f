//! End-to-end: malformed, truncated, oversize and garbage SIP input. Each gets a 400 (or 513)
//! where a response can be formed, or is dropped; afterwards the engine still serves a call.

use std::time::Duration;

use hotline_e2e::{branch, token, Engine, Ua};

/// What must happen: a generous wait a stalled machine does not reach (`hotline_e2e::wait`).
const WAIT: Duration = hotline_e2e::PATIENCE;

fn well_formed(ua: &mut Ua) -> String {
    let (call_id, tag) = (token(), token());
    ua.invite_request("95598", &call_id, &tag, &branch(), "")
}

fn without(msg: &str, header: &str) -> String {
    msg.split("\r\n")
        .filter(|l| !l.starts_with(header))
        .collect::<Vec<_>>()
        .join("\r\n")
}

async fn call_still_works(engine: &Engine) {
    let mut ua = Ua::udp(engine.udp, "13800000000").await;
    let inv = well_formed(&mut ua);
    ua.send(&inv).await;
    let ok = ua
        .recv_final(WAIT)
        .await
        .expect("the engine still answers calls");
    assert_eq!(ok.code(), 200);
}

#[tokio::test]
async fn malformed_udp_messages() {
    let mut engine = Engine::start(&[]);
    let mut ua = Ua::udp(engine.udp, "13800000000").await;
    let base = well_formed(&mut ua);

    // Answerable: each must get a 400.
    let answerable = vec![
        without(&base, "From:"),
        without(&base, "To:"),
        without(&base, "Call-ID:"),
        base.replace("CSeq: 1 INVITE", "CSeq: 1 BYE"),
        base.replace("CSeq: 1 INVITE", "CSeq: banana INVITE"),
        base.replace("Content-Length: ", "Content-Length: 9"),
        base.replace("Max-Forwards: 70", "Max-Forwards: many"),
        base.replace("From: <sip:", "From: <sip:\u{7}broken"),
        format!(
            "{}\r\nFrom: <sip:x@y>;tag=2\r\n",
            base.split("\r\n\r\n").next().unwrap_or("")
        ) + "\r\n",
    ];
    for (i, msg) in answerable.iter().enumerate() {
        ua.send(msg).await;
        let got = ua
            .recv(WAIT)
            .await
            .unwrap_or_else(|| panic!("no answer to bad message {i}"));
        assert_eq!(got.code(), 400, "message {i}: {}", got.raw);
    }

    // Not answerable: dropped without a word.
    let mut junk: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"\x00\x01\x02\x03".to_vec(),
        vec![0xff; 1400],
        b"hello world\r\n\r\n".to_vec(),
        without(&base, "Via:").into_bytes(),
        b"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP x;branch=z9hG4bKnope\r\n\r\n".to_vec(),
        base.as_bytes()[..base.len() / 3].to_vec(),
    ];
    for i in 0..200u32 {
        let mut r: Vec<u8> = (0..(i * 7 % 1500)).map(|j| (j * 31 + i) as u8).collect();
        if i % 2 == 0 {
            r.splice(0..0, b"INVITE sip:x SIP/2.0\r\n".iter().copied());
        }
        junk.push(r);
    }
    for j in &junk {
        ua.send_raw(j).await;
    }
    // Anything that came back must be a 400, nothing else.
    while let Some(got) = ua.recv(Duration::from_millis(300)).await {
        assert_eq!(got.code(), 400, "{}", got.raw);
    }
    assert!(engine.alive());
    call_still_works(&engine).await;
}

#[tokio::test]
async fn oversize_and_broken_tcp_streams() {
    let mut engine = Engine::start(&[]);

    // A message whose Content-Length makes it larger than 64 KiB: 513, then the stream closes.
    let mut ua = Ua::tcp(engine.tcp, "13800000000").await;
    let base = well_formed(&mut ua);
    let huge = base.replace(
        "Content-Type: application/sdp\r\n",
        &format!(
            "Subject: {}\r\nContent-Type: application/sdp\r\n",
            "x".repeat(70_000)
        ),
    );
    ua.send(&huge).await;
    let got = ua
        .recv(WAIT)
        .await
        .expect("an answer to the oversize message");
    assert_eq!(got.code(), 513, "{}", got.raw);
    assert!(
        ua.closed(WAIT).await,
        "the connection is closed after an oversize message"
    );

    // Headers that never end: the stream is cut at the limit.
    let mut ua = Ua::tcp(engine.tcp, "13800000000").await;
    ua.send_raw(&vec![b'a'; 80_000]).await;
    assert!(ua.closed(WAIT).await);

    // A request without Content-Length on a stream: 400 and close.
    let mut ua = Ua::tcp(engine.tcp, "13800000000").await;
    let base = well_formed(&mut ua);
    let no_len: String = base
        .split("\r\n\r\n")
        .next()
        .unwrap_or("")
        .split("\r\n")
        .filter(|l| !l.starts_with("Content-Length"))
        .collect::<Vec<_>>()
        .join("\r\n")
        + "\r\n\r\n";
    ua.send(&no_len).await;
    let got = ua.recv(WAIT).await.expect("400");
    assert_eq!(got.code(), 400, "{}", got.raw);

    // A message cut in the middle, then the connection dropped.
    let mut ua = Ua::tcp(engine.tcp, "13800000000").await;
    let base = well_formed(&mut ua);
    ua.send(&base[..base.len() / 2]).await;
    drop(ua);

    // Keep-alive pings are answered with a pong and do not disturb the stream.
    let mut ua = Ua::tcp(engine.tcp, "13800000000").await;
    ua.send("\r\n\r\n").await;
    let inv = well_formed(&mut ua);
    ua.send(&inv).await;
    assert_eq!(
        ua.recv_final(WAIT).await.expect("call over TCP").code(),
        200
    );

    assert!(engine.alive());
    call_still_works(&engine).await;
}
