//! End-to-end media: the test agent calls the real `hotline serve`, receives the welcome prompt
//! over RTP and compares it byte for byte with the shipped WAV encoded to µ-law, presses a key
//! with RFC 4733 events and hears that digit read back (the interim answer flow's reaction),
//! survives garbage on its RTP port, is recorded, and is released when its own RTP stops.

use std::net::SocketAddr;
use std::time::Duration;

use hotline_e2e::{rtp_packet, Budget, Engine, Ua};
use hotline_media::dtmf::{DtmfSender, SenderConfig};
use tokio::net::UdpSocket;

/// What must happen: a generous wait a stalled machine does not reach (`hotline_e2e::wait`).
const WAIT: Duration = hotline_e2e::PATIENCE;

/// The shipped prompt, as the engine must send it with PCMU: alone, its last frame is
/// padded with silence up to 160 bytes.
fn prompt_ulaw(lang: &str, name: &str) -> Vec<u8> {
    let mut out = hotline_e2e::prompt_ulaw(lang, name);
    let pad = (160 - out.len() % 160) % 160;
    out.extend(std::iter::repeat_n(0xFF, pad));
    out
}

struct Call {
    ua: Ua,
    rtp: UdpSocket,
    engine_rtp: SocketAddr,
    call_id: String,
    from_tag: String,
    to_tag: String,
}

async fn call(engine: &Engine) -> Call {
    let rtp = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let mut ua = Ua::udp(engine.udp, "13800000000").await;
    ua.rtp_port = rtp.local_addr().unwrap().port();
    let a = ua.call_answered("95598").await;
    Call {
        ua,
        rtp,
        engine_rtp: a.engine_rtp,
        call_id: a.call_id,
        from_tag: a.from_tag,
        to_tag: a.to_tag,
    }
}

/// The next RTP packet's (payload type, payload).
async fn next_rtp(sock: &UdpSocket) -> (u8, Vec<u8>) {
    let mut buf = vec![0u8; 2048];
    let n = tokio::time::timeout(WAIT, sock.recv(&mut buf))
        .await
        .expect("RTP from the engine")
        .unwrap();
    assert!(n >= 12 && buf[0] >> 6 == 2, "an RTP packet");
    let cc = usize::from(buf[0] & 0x0f);
    (buf[1] & 0x7f, buf[12 + 4 * cc..n].to_vec())
}

/// Reads audio until `want` has been heard from its first frame on; fails after `max` packets.
async fn hear(sock: &UdpSocket, want: &[u8], max: usize) {
    let first = &want[..160];
    let mut got: Vec<u8> = Vec::new();
    for _ in 0..max {
        let (pt, payload) = next_rtp(sock).await;
        assert_eq!(pt, 0, "PCMU was agreed");
        if got.is_empty() && payload != first {
            continue;
        }
        got.extend_from_slice(&payload);
        if got.len() >= want.len() {
            assert!(got[..want.len()] == want[..], "the prompt arrived intact");
            return;
        }
    }
    panic!(
        "prompt not heard within {max} packets (matched {} bytes)",
        got.len()
    );
}

#[tokio::test]
async fn caller_hears_the_welcome_prompt_and_its_digit_read_back() {
    let engine = Engine::start(&[]);
    let c = call(&engine).await;
    // Our own RTP first, so the engine's latch and media timeout see a live caller.
    c.rtp
        .send_to(&rtp_packet(0, 1, 0, true, &[0xFF; 160]), c.engine_rtp)
        .await
        .unwrap();
    let welcome = prompt_ulaw("zh", "welcome");
    hear(&c.rtp, &welcome, 100 + welcome.len() / 160).await;

    // Garbage on the RTP port changes nothing.
    for junk in [
        &b""[..],
        &[0x00; 5][..],
        &[0x8F, 0, 0, 1][..],
        &[0xFF; 300][..],
    ] {
        c.rtp.send_to(junk, c.engine_rtp).await.unwrap();
    }
    // Press 5: RFC 4733 events, every packet sent twice.
    let schedule = DtmfSender::new(SenderConfig::default())
        .schedule('5', 16000)
        .unwrap();
    for (i, p) in schedule.enumerate() {
        let pkt = rtp_packet(101, 10 + i as u16, p.timestamp, p.marker, &p.payload);
        c.rtp.send_to(&pkt, c.engine_rtp).await.unwrap();
        c.rtp.send_to(&pkt, c.engine_rtp).await.unwrap();
    }
    let five = prompt_ulaw("zh", "digit_5");
    hear(&c.rtp, &five, 200 + five.len() / 160).await;

    let mut ua = c.ua;
    let bye = ua.in_dialog("BYE", 2, &c.call_id, &c.from_tag, "95598", &c.to_tag);
    ua.send(&bye).await;
    assert_eq!(ua.recv_final(WAIT).await.expect("BYE answered").code(), 200);

    // The call was recorded: a readable WAV holding at least the welcome prompt's length.
    let dir = engine.dir.join("data/recordings");
    let mut samples = 0;
    let mut budget = Budget::new(WAIT);
    loop {
        let wav = std::fs::read_dir(&dir)
            .ok()
            .and_then(|mut d| d.next())
            .and_then(|e| e.ok())
            .map(|e| e.path());
        if let Some(Ok(reader)) = wav.map(hound::WavReader::open) {
            samples = reader.len();
            if samples as usize >= welcome.len() {
                break;
            }
        }
        if !budget.tick().await {
            break;
        }
    }
    assert!(
        samples as usize >= welcome.len(),
        "recording has {samples} samples"
    );
}

#[tokio::test]
async fn a_call_whose_rtp_stops_is_released() {
    let engine = Engine::start(&[("HOTLINE_MEDIA_TIMEOUT_SECS", "1")]);
    let mut c = call(&engine).await;
    c.rtp
        .send_to(&rtp_packet(0, 1, 0, true, &[0xFF; 160]), c.engine_rtp)
        .await
        .unwrap();
    // Then nothing: within a few seconds the engine hangs up.
    let bye = loop {
        let got = c.ua.recv(WAIT).await.expect("a BYE from the engine");
        if got.code() == 0 && got.request().method.as_str() == "BYE" {
            break got;
        }
    };
    assert_eq!(bye.request().common.call_id, c.call_id);
}
