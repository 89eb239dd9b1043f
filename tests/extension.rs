//! End-to-end: a trunk call to a registered agent's extension rings the agent's phone, is
//! answered when the agent answers, carries voice both ways through the engine's bridge, and
//! gives the caller music on hold while the agent holds, and ends on both sides when one hangs
//! up. A caller giving up while the agent rings cancels it.

use std::net::SocketAddr;
use std::time::Duration;

use hotline_e2e::{branch, tag_of, token, Engine, Got, Ua};
use tokio::net::UdpSocket;

/// What must happen: a generous wait a stalled machine does not reach (`hotline_e2e::wait`).
const WAIT: Duration = hotline_e2e::PATIENCE;

fn audio_port(body: &[u8]) -> u16 {
    String::from_utf8_lossy(body)
        .lines()
        .find_map(|l| l.strip_prefix("m=audio "))
        .and_then(|r| r.split(' ').next())
        .and_then(|p| p.parse().ok())
        .expect("m=audio port")
}

/// The next request with this method (responses and others skipped).
async fn next_request(ua: &mut Ua, method: &str) -> Got {
    loop {
        let got = ua.recv(WAIT).await.unwrap_or_else(|| panic!("no {method}"));
        if got.code() == 0 && got.request().method.as_str() == method {
            return got;
        }
    }
}

/// The first 20 ms of the shipped music on hold, as PCMU.
fn moh_first_frame() -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sounds/common/moh.wav");
    let mut reader = hound::WavReader::open(path).expect("moh.wav");
    let pcm: Vec<i16> = reader
        .samples::<i16>()
        .take(160)
        .map(|s| s.expect("sample"))
        .collect();
    let mut out = Vec::new();
    hotline_media::g711::encode(hotline_media::Codec::Pcmu, &pcm, &mut out);
    out
}

fn rtp(seq: u16, payload: &[u8]) -> Vec<u8> {
    let mut v = vec![0x80, 0];
    v.extend_from_slice(&seq.to_be_bytes());
    v.extend_from_slice(&(u32::from(seq) * 160).to_be_bytes());
    v.extend_from_slice(&0x0102_0304u32.to_be_bytes());
    v.extend_from_slice(payload);
    v
}

/// Sends `voice` from `from` to `to` until `listener` hears exactly it (or fails).
async fn voice_crosses(from: &UdpSocket, to: SocketAddr, listener: &UdpSocket, voice: &[u8]) {
    let mut buf = vec![0u8; 2048];
    for seq in 0..100u16 {
        from.send_to(&rtp(seq, voice), to).await.unwrap();
        let n = tokio::time::timeout(WAIT, listener.recv(&mut buf))
            .await
            .expect("RTP")
            .unwrap();
        if n >= 12 && &buf[12..n] == voice {
            return;
        }
    }
    panic!("the voice did not cross the bridge");
}

async fn registered_agent(engine: &Engine) -> (Ua, UdpSocket) {
    let mut agent = Ua::udp(engine.udp, "1001").await;
    assert_eq!(agent.register("secret", 600).await, 200);
    (agent, UdpSocket::bind("127.0.0.1:0").await.unwrap())
}

#[tokio::test]
async fn a_call_to_an_extension_rings_the_agent_and_bridges_the_voice() {
    let engine = Engine::start(&[]);
    let (mut agent, agent_rtp) = registered_agent(&engine).await;
    let caller_rtp = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let mut caller = Ua::udp(engine.udp, "13800000000").await;
    caller.rtp_port = caller_rtp.local_addr().unwrap().port();
    let (call_id, from_tag) = (token(), token());
    let req = caller.invite_request("1001", &call_id, &from_tag, &branch(), "");
    caller.send(&req).await;

    let inv = next_request(&mut agent, "INVITE").await;
    assert!(
        inv.raw.contains("13800000000"),
        "the agent sees the caller's number"
    );
    let engine_agent_port = audio_port(&inv.request().common.body);
    let ringing = agent.answer(&inv, 180, "Ringing", "ag", None);
    agent.send(&ringing).await;
    let got = caller.recv(WAIT).await.expect("provisional");
    let got = if got.code() == 100 {
        caller.recv(WAIT).await.expect("180")
    } else {
        got
    };
    assert_eq!(
        got.code(),
        180,
        "the caller hears ringing while the agent's phone rings"
    );

    let sdp = format!(
        "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
         m=audio {} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n",
        agent_rtp.local_addr().unwrap().port()
    );
    let ok = agent.answer(&inv, 200, "OK", "ag", Some(&sdp));
    agent.send(&ok).await;
    let answered = caller
        .recv_final(WAIT)
        .await
        .expect("the caller is answered");
    assert_eq!(answered.code(), 200, "{}", answered.raw);
    let engine_caller_port = audio_port(&answered.response().common.body);
    let to_tag = tag_of(&answered.response().common.to);
    let ack = caller.in_dialog("ACK", 1, &call_id, &from_tag, "1001", &to_tag);
    caller.send(&ack).await;

    let engine_caller: SocketAddr = format!("127.0.0.1:{engine_caller_port}").parse().unwrap();
    let engine_agent: SocketAddr = format!("127.0.0.1:{engine_agent_port}").parse().unwrap();
    voice_crosses(&caller_rtp, engine_caller, &agent_rtp, &[0x23; 160]).await;
    voice_crosses(&agent_rtp, engine_agent, &caller_rtp, &[0x5A; 160]).await;

    // The agent puts the caller on hold (re-INVITE, sendonly): the caller hears music.
    let engine_tag = tag_of(&inv.request().common.from);
    let hold_sdp = sdp.replace(
        "telephone-event/8000\r\n",
        "telephone-event/8000\r\na=sendonly\r\n",
    );
    let reinvite = format!(
        "INVITE sip:hotline@{engine} SIP/2.0\r\nVia: SIP/2.0/UDP {local};branch={br}\r\nMax-Forwards: 70\r\n\
         From: <sip:1001@{local}>;tag=ag\r\nTo: <sip:13800000000@{engine}>;tag={engine_tag}\r\n\
         Call-ID: {cid}\r\nCSeq: 1 INVITE\r\nContact: <sip:1001@{local}>\r\n\
         Content-Type: application/sdp\r\nContent-Length: {len}\r\n\r\n{hold_sdp}",
        engine = engine.udp,
        local = agent.local,
        br = branch(),
        cid = inv.request().common.call_id,
        len = hold_sdp.len(),
    );
    agent.send(&reinvite).await;
    let held = loop {
        // (The engine's ACK for the first answer may still be queued.)
        let got = agent.recv(WAIT).await.expect("re-INVITE answered");
        if got.code() >= 200 {
            break got;
        }
    };
    assert_eq!(held.code(), 200, "{}", held.raw);
    assert!(held.raw.contains("a=recvonly"), "{}", held.raw);
    let moh = moh_first_frame();
    let mut buf = vec![0u8; 2048];
    let mut heard = false;
    for _ in 0..100 {
        let n = tokio::time::timeout(WAIT, caller_rtp.recv(&mut buf))
            .await
            .expect("RTP")
            .unwrap();
        if n >= 12 + 160 && buf[12..12 + 160] == moh[..] {
            heard = true;
            break;
        }
    }
    assert!(heard, "the caller hears music on hold");

    // The agent hangs up: the caller gets a BYE.
    let bye = agent.in_dialog(
        "BYE",
        2,
        &inv.request().common.call_id,
        "ag",
        "13800000000",
        &engine_tag,
    );
    agent.send(&bye).await;
    let caller_bye = next_request(&mut caller, "BYE").await;
    assert_eq!(caller_bye.request().common.call_id, call_id);
}

#[tokio::test]
async fn a_caller_who_gives_up_cancels_the_ringing_agent() {
    let engine = Engine::start(&[]);
    let (mut agent, _agent_rtp) = registered_agent(&engine).await;
    let mut caller = Ua::udp(engine.udp, "13800000000").await;
    let (call_id, from_tag, br) = (token(), token(), branch());
    let req = caller.invite_request("1001", &call_id, &from_tag, &br, "");
    caller.send(&req).await;
    let inv = next_request(&mut agent, "INVITE").await;
    let ringing = agent.answer(&inv, 180, "Ringing", "ag", None);
    agent.send(&ringing).await;
    // CANCEL: same branch, CSeq number and Request-URI as the INVITE.
    let cancel = req
        .split("\r\n\r\n")
        .next()
        .unwrap()
        .replacen("INVITE sip:", "CANCEL sip:", 1)
        .replace(" INVITE\r\n", " CANCEL\r\n")
        .lines()
        .filter(|l| !l.starts_with("Content-") && !l.starts_with("Contact"))
        .collect::<Vec<_>>()
        .join("\r\n")
        + "\r\nContent-Length: 0\r\n\r\n";
    caller.send(&cancel).await;
    let cancelled = next_request(&mut agent, "CANCEL").await;
    assert_eq!(
        cancelled.request().common.call_id,
        inv.request().common.call_id
    );
}
