//! Strict RTP latching end to end (RTP bleed): a stranger's packets, arriving before the
//! caller's first packet or in the middle of the call, do not take the call's audio — the
//! caller keeps hearing the prompts and its digits keep working, the stranger hears nothing,
//! and `/metrics` counts what was dropped. A caller whose packets come from another port than
//! its SDP says (NAT) is learned in the window and then hears the call.

use std::net::SocketAddr;

use hotline_e2e::{rtp_packet, Budget, Engine, Ua, PATIENCE};
use hotline_media::dtmf::{DtmfSender, SenderConfig};
use hotline_metrics::text::sample;
use tokio::net::UdpSocket;

/// The shipped prompt as the engine sends it with PCMU (the last frame padded with silence).
fn prompt_ulaw(lang: &str, name: &str) -> Vec<u8> {
    let mut out = hotline_e2e::prompt_ulaw(lang, name);
    let pad = (160 - out.len() % 160) % 160;
    out.extend(std::iter::repeat_n(0xFF, pad));
    out
}

/// The next RTP packet's (payload type, payload).
async fn next_rtp(sock: &UdpSocket) -> (u8, Vec<u8>) {
    let mut buf = vec![0u8; 2048];
    let n = tokio::time::timeout(PATIENCE, sock.recv(&mut buf))
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
        let (_, payload) = next_rtp(sock).await;
        if got.is_empty() && payload != first {
            continue;
        }
        got.extend_from_slice(&payload);
        if got.len() >= want.len() {
            assert!(got[..want.len()] == want[..], "the prompt arrived intact");
            return;
        }
    }
    panic!("prompt not heard within {max} packets");
}

/// Presses `digit` with RFC 4733 events from `rtp`, sequence numbers from `seq`.
async fn press(rtp: &UdpSocket, to: SocketAddr, digit: char, seq: u16) {
    let schedule = DtmfSender::new(SenderConfig::default())
        .schedule(digit, 16000)
        .unwrap();
    for (i, p) in schedule.enumerate() {
        let pkt = rtp_packet(101, seq + i as u16, p.timestamp, p.marker, &p.payload);
        rtp.send_to(&pkt, to).await.unwrap();
    }
}

/// `n` PCMU packets of noise from `from` to the engine's port.
async fn spray(from: &UdpSocket, to: SocketAddr, n: u16) {
    for i in 0..n {
        let pkt = rtp_packet(0, 5000 + i, 160 * u32::from(i), i == 0, &[0x55; 160]);
        from.send_to(&pkt, to).await.unwrap();
    }
}

/// Nothing has arrived on `sock` (it would be queued by now).
fn heard_nothing(sock: &UdpSocket) -> bool {
    let mut buf = [0u8; 2048];
    sock.try_recv_from(&mut buf).is_err()
}

/// Waits until `/metrics` shows `want` for the wrong-source drop counter.
async fn wrong_source_drops_reach(engine: &Engine, want: f64) -> Option<f64> {
    let http = engine.http.expect("the engine serves HTTP");
    let mut budget = Budget::patient(PATIENCE);
    let mut last = None;
    loop {
        if let Ok(res) = reqwest::get(format!("http://{http}/metrics")).await {
            let text = res.text().await.unwrap_or_default();
            last = sample(&text, "hotline_rtp_packets_dropped_wrong_source_total", &[]);
            if last == Some(want) {
                return last;
            }
        }
        if !budget.tick().await {
            return last;
        }
    }
}

async fn hang_up(mut ua: Ua, call_id: &str, from_tag: &str, to_tag: &str) {
    let bye = ua.in_dialog("BYE", 2, call_id, from_tag, "95598", to_tag);
    ua.send(&bye).await;
    assert_eq!(
        ua.recv_final(PATIENCE).await.expect("BYE answered").code(),
        200
    );
}

#[tokio::test]
async fn a_strangers_packets_first_or_mid_call_do_not_take_the_audio() {
    let engine = Engine::start(&[]);
    let rtp = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    // Another host: the caller is not NATed (its SDP address is where its SIP comes from), so
    // nothing from elsewhere is ever accepted.
    let stranger = UdpSocket::bind("127.0.0.2:0").await.unwrap();
    let mut ua = Ua::udp(engine.udp, "13800000000").await;
    ua.rtp_port = rtp.local_addr().unwrap().port();
    let a = ua.call_answered("95598").await;

    // The stranger is first on the port, before the caller's first packet.
    spray(&stranger, a.engine_rtp, 50).await;
    rtp.send_to(&rtp_packet(0, 1, 0, true, &[0xFF; 160]), a.engine_rtp)
        .await
        .unwrap();
    let welcome = prompt_ulaw("zh", "welcome");
    hear(&rtp, &welcome, 100 + welcome.len() / 160).await;

    // Mid-call: more from the stranger, then the caller presses 5 and hears it read back.
    spray(&stranger, a.engine_rtp, 50).await;
    press(&rtp, a.engine_rtp, '5', 10).await;
    let five = prompt_ulaw("zh", "digit_5");
    hear(&rtp, &five, 200 + five.len() / 160).await;
    assert!(
        heard_nothing(&stranger),
        "the stranger got the call's audio"
    );

    hang_up(ua, &a.call_id, &a.from_tag, &a.to_tag).await;
    assert_eq!(
        wrong_source_drops_reach(&engine, 100.0).await,
        Some(100.0),
        "every stranger's packet dropped and counted when the leg closed"
    );
    assert!(heard_nothing(&stranger));
}

#[tokio::test]
async fn a_natted_caller_is_learned_in_the_window_and_then_only_it_counts() {
    let engine = Engine::start(&[]);
    // The SDP names one port (`advertised`, which the NAT would rewrite); the caller's packets
    // come from another (`rtp`).
    let advertised = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let rtp = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let stranger = UdpSocket::bind("127.0.0.2:0").await.unwrap();
    let mut ua = Ua::udp(engine.udp, "13800000001").await;
    ua.rtp_port = advertised.local_addr().unwrap().port();
    let a = ua.call_answered("95598").await;
    // Until the caller's packet, the engine sends where the SDP says.
    next_rtp(&advertised).await;
    rtp.send_to(&rtp_packet(0, 1, 0, true, &[0xFF; 160]), a.engine_rtp)
        .await
        .unwrap();
    // Learned: the audio now comes to the real source.
    next_rtp(&rtp).await;
    // A stranger after the latch changes nothing: the caller's digit is read back to it.
    spray(&stranger, a.engine_rtp, 30).await;
    press(&rtp, a.engine_rtp, '7', 10).await;
    let seven = prompt_ulaw("zh", "digit_7");
    hear(&rtp, &seven, 400 + seven.len() / 160).await;
    assert!(heard_nothing(&stranger));

    hang_up(ua, &a.call_id, &a.from_tag, &a.to_tag).await;
    assert_eq!(wrong_source_drops_reach(&engine, 30.0).await, Some(30.0));
}
