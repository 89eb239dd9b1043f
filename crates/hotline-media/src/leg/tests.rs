//! The leg task on loopback sockets: what it sends is checked by content (sequence, timestamps,
//! the prompt's bytes), not by timing; timing is the pacing module's fake-clock tests' job.

use std::sync::Arc;
use std::time::Duration;

use tokio::net::UdpSocket;
use tokio::sync::mpsc::UnboundedReceiver;

use super::*;
use crate::dtmf::{DtmfSender, SenderConfig};
use crate::prompt::Prompt;
use crate::rtp_session::RtpPacket;

const WAIT: Duration = Duration::from_secs(3);

fn tone(samples: usize) -> Vec<i16> {
    (0..samples)
        .map(|i| ((i as f32 * 0.3).sin() * 8000.0) as i16)
        .collect()
}

async fn leg(
    peer: &UdpSocket,
    codec: Codec,
    timeout: Duration,
) -> (LegHandle, UnboundedReceiver<LegEvent>) {
    let sock = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let pt = match codec {
        Codec::Pcmu => 0,
        Codec::Pcma => 8,
    };
    spawn(
        sock,
        LegConfig {
            media: LegMedia {
                codec,
                audio_pt: pt,
                dtmf_pt: Some(101),
                remote: Some(peer.local_addr().unwrap()),
                send: true,
                receive: true,
            },
            media_timeout: timeout,
            seed: 7,
            latch: LatchPolicy::default(),
            signalling: Some(peer.local_addr().unwrap().ip()),
        },
    )
}

async fn recv_packet(peer: &UdpSocket) -> (Vec<u8>, std::net::SocketAddr) {
    let mut buf = vec![0u8; 2048];
    let (n, from) = tokio::time::timeout(WAIT, peer.recv_from(&mut buf))
        .await
        .unwrap()
        .unwrap();
    buf.truncate(n);
    (buf, from)
}

async fn next_event(ev: &mut UnboundedReceiver<LegEvent>) -> LegEvent {
    tokio::time::timeout(WAIT, ev.recv())
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn plays_a_prompt_back_to_back_then_silence() {
    let peer = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let (h, mut ev) = leg(&peer, Codec::Pcmu, Duration::from_secs(30)).await;
    let prompt = Arc::new(Prompt::from_pcm("zh", "t", tone(800)));
    h.send(LegCommand::Play {
        prompts: vec![prompt.clone(), prompt.clone()],
        interruptible: false,
    });
    let want = [prompt.encoded(Codec::Pcmu), prompt.encoded(Codec::Pcmu)].concat();
    // Find the first packet that carries the prompt (silence may precede the command).
    let mut got = Vec::new();
    let mut last: Option<(u16, u32)> = None;
    while got.len() < want.len() {
        let (bytes, _) = recv_packet(&peer).await;
        let p = RtpPacket::parse(&bytes).unwrap();
        assert_eq!(p.payload_type, 0);
        assert_eq!(p.payload.len(), 160);
        if let Some((seq, ts)) = last {
            assert_eq!(p.sequence, seq.wrapping_add(1));
            assert_eq!(p.timestamp, ts.wrapping_add(160), "no timestamp jumps");
        }
        last = Some((p.sequence, p.timestamp));
        if got.is_empty() && p.payload.iter().all(|b| *b == 0xFF) {
            continue;
        }
        got.extend_from_slice(p.payload);
    }
    assert_eq!(
        &got[..want.len()],
        &want[..],
        "two prompts, no gap between them"
    );
    assert_eq!(
        next_event(&mut ev).await,
        LegEvent::PlaybackDone { interrupted: false }
    );
    let (bytes, _) = recv_packet(&peer).await;
    assert!(RtpPacket::parse(&bytes)
        .unwrap()
        .payload
        .iter()
        .all(|b| *b == 0xFF));
    h.send(LegCommand::Close);
    assert!(matches!(next_event(&mut ev).await, LegEvent::Closed(_)));
}

fn rtp(pt: u8, seq: u16, ts: u32, marker: bool, payload: &[u8]) -> Vec<u8> {
    let mut v = vec![0x80, (u8::from(marker) << 7) | pt];
    v.extend_from_slice(&seq.to_be_bytes());
    v.extend_from_slice(&ts.to_be_bytes());
    v.extend_from_slice(&0xABCDu32.to_be_bytes());
    v.extend_from_slice(payload);
    v
}

#[tokio::test]
async fn digits_interrupt_a_prompt_and_are_reported_once() {
    let peer = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let (h, mut ev) = leg(&peer, Codec::Pcmu, Duration::from_secs(30)).await;
    let (_, leg_addr) = recv_packet(&peer).await;
    let prompt = Arc::new(Prompt::from_pcm("zh", "long", tone(80_000)));
    h.send(LegCommand::Play {
        prompts: vec![prompt],
        interruptible: true,
    });
    let schedule = DtmfSender::new(SenderConfig::default())
        .schedule('5', 8000)
        .unwrap();
    for (i, p) in schedule.enumerate() {
        let pkt = rtp(101, 100 + i as u16, p.timestamp, p.marker, &p.payload);
        peer.send_to(&pkt, leg_addr).await.unwrap();
        peer.send_to(&pkt, leg_addr).await.unwrap(); // every packet twice
    }
    assert_eq!(next_event(&mut ev).await, LegEvent::DigitStarted('5'));
    assert_eq!(
        next_event(&mut ev).await,
        LegEvent::PlaybackDone { interrupted: true }
    );
    assert_eq!(
        next_event(&mut ev).await,
        LegEvent::Digit {
            digit: '5',
            duration_ms: 100
        }
    );
    h.send(LegCommand::Close);
    match next_event(&mut ev).await {
        LegEvent::Closed(r) => assert_eq!(r.counters.received_dtmf, 10),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn garbage_and_strangers_are_dropped_and_counted() {
    let peer = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let stranger = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let (h, mut ev) = leg(&peer, Codec::Pcmu, Duration::from_secs(30)).await;
    let (_, leg_addr) = recv_packet(&peer).await;
    peer.send_to(&rtp(0, 1, 160, true, &[0xFF; 160]), leg_addr)
        .await
        .unwrap();
    let junk: Vec<Vec<u8>> = vec![
        vec![],
        vec![0x40; 20],                                 // version 1
        vec![0x80, 0x00, 0x00],                         // truncated
        vec![0x8F, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1], // 15 CSRCs announced, none there
        rtp(96, 2, 320, false, &[1, 2, 3]),             // payload type never agreed
    ];
    for j in &junk {
        peer.send_to(j, leg_addr).await.unwrap();
    }
    for i in 0..50u16 {
        stranger
            .send_to(&rtp(0, i, 160 * u32::from(i), false, &[0; 160]), leg_addr)
            .await
            .unwrap();
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    // Still sending to the latched peer, not the stranger.
    let (bytes, _) = recv_packet(&peer).await;
    assert!(RtpPacket::parse(&bytes).is_ok());
    h.send(LegCommand::Close);
    match next_event(&mut ev).await {
        LegEvent::Closed(r) => {
            assert_eq!(r.counters.received, 1);
            assert_eq!(r.counters.dropped(), 55, "{:?}", r.counters);
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_stranger_sending_first_does_not_take_the_audio() {
    let peer = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    // Another host (127.0.0.2), while the phone is not NATed (its SDP address is where its
    // signalling came from): never accepted, even before the phone's first packet.
    let stranger = UdpSocket::bind("127.0.0.2:0").await.unwrap();
    let (h, mut ev) = leg(&peer, Codec::Pcmu, Duration::from_secs(30)).await;
    let (_, leg_addr) = recv_packet(&peer).await;
    for i in 0..20u16 {
        stranger
            .send_to(&rtp(0, i, 160 * u32::from(i), false, &[0; 160]), leg_addr)
            .await
            .unwrap();
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    peer.send_to(&rtp(0, 1, 160, true, &[0xFF; 160]), leg_addr)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    // The leg still sends to the phone, and the stranger hears nothing.
    let (bytes, _) = recv_packet(&peer).await;
    assert!(RtpPacket::parse(&bytes).is_ok());
    let mut buf = [0u8; 2048];
    assert!(
        tokio::time::timeout(Duration::from_millis(200), stranger.recv_from(&mut buf))
            .await
            .is_err(),
        "the stranger got our audio"
    );
    h.send(LegCommand::Close);
    match next_event(&mut ev).await {
        LegEvent::Closed(r) => {
            assert_eq!(r.counters.received, 1, "{:?}", r.counters);
            assert_eq!(r.counters.dropped_wrong_source, 20, "{:?}", r.counters);
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn media_timeout_ends_the_leg_but_not_on_hold() {
    let peer = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let (h, mut ev) = leg(&peer, Codec::Pcmu, Duration::from_millis(300)).await;
    assert_eq!(next_event(&mut ev).await, LegEvent::MediaTimeout);
    assert!(matches!(next_event(&mut ev).await, LegEvent::Closed(_)));
    drop(h);

    let (h, mut ev) = leg(&peer, Codec::Pcmu, Duration::from_millis(300)).await;
    h.send(LegCommand::Renegotiate(LegMedia {
        codec: Codec::Pcmu,
        audio_pt: 0,
        dtmf_pt: Some(101),
        remote: Some(peer.local_addr().unwrap()),
        send: false,
        receive: false,
    }));
    assert!(
        tokio::time::timeout(Duration::from_millis(800), ev.recv())
            .await
            .is_err(),
        "on hold: no timeout"
    );
    h.send(LegCommand::Close);
    assert!(matches!(next_event(&mut ev).await, LegEvent::Closed(_)));
}

#[tokio::test]
async fn bridge_carries_voice_across_codecs_and_passes_digits() {
    let caller = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let agent = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let (a, mut a_ev) = leg(&caller, Codec::Pcmu, Duration::from_secs(30)).await;
    let (b, _b_ev) = leg(&agent, Codec::Pcma, Duration::from_secs(30)).await;
    let (_, a_addr) = recv_packet(&caller).await;
    bridge(&a, &b);
    tokio::time::sleep(Duration::from_millis(50)).await;
    let voice = tone(160);
    let mut ulaw = Vec::new();
    crate::g711::encode(Codec::Pcmu, &voice, &mut ulaw);
    let mut alaw = Vec::new();
    crate::g711::encode(Codec::Pcma, &voice, &mut alaw);
    caller
        .send_to(&rtp(0, 1, 160, true, &ulaw), a_addr)
        .await
        .unwrap();
    let mut found = false;
    for _ in 0..50 {
        let (bytes, _) = recv_packet(&agent).await;
        let p = RtpPacket::parse(&bytes).unwrap();
        assert_eq!(p.payload_type, 8);
        // µ-law → linear → A-law is not bit-exact with A-law of the original; allow ±1 step.
        if p.payload
            .iter()
            .zip(&alaw)
            .all(|(x, y)| (i16::from(*x ^ 0x55) - i16::from(*y ^ 0x55)).abs() <= 1)
        {
            found = true;
            break;
        }
    }
    assert!(found, "the caller's voice reached the agent");
    // A digit from the caller is regenerated towards the agent.
    let schedule = DtmfSender::new(SenderConfig::default())
        .schedule('#', 320)
        .unwrap();
    for (i, p) in schedule.enumerate() {
        caller
            .send_to(
                &rtp(101, 10 + i as u16, p.timestamp, p.marker, &p.payload),
                a_addr,
            )
            .await
            .unwrap();
    }
    assert_eq!(next_event(&mut a_ev).await, LegEvent::DigitStarted('#'));
    let mut saw_event = false;
    for _ in 0..100 {
        let (bytes, _) = recv_packet(&agent).await;
        let p = RtpPacket::parse(&bytes).unwrap();
        if p.payload_type == 101 {
            assert_eq!(p.payload[0], 11, "event 11 is #");
            saw_event = true;
            break;
        }
    }
    assert!(saw_event);
}

#[tokio::test]
async fn records_what_it_hears_and_what_it_plays_into_one_mono_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("call.wav");
    let rec = crate::recording::Recording::create(&path, crate::recording::Channels::Mono).unwrap();
    let peer = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let (h, mut ev) = leg(&peer, Codec::Pcmu, Duration::from_secs(30)).await;
    let (_, leg_addr) = recv_packet(&peer).await;
    h.send(LegCommand::Record(Some(RecordTo {
        sink: rec.sink(),
        received: crate::recording::Side::Caller,
        sent: Some(crate::recording::Side::Agent),
    })));
    // Constant levels tell the two apart in the mix: prompt ≈ 2000, caller ≈ 4000, both ≈ 6000.
    let prompt = Arc::new(Prompt::from_pcm("zh", "t", vec![2000; 1600]));
    h.send(LegCommand::Play {
        prompts: vec![prompt],
        interruptible: false,
    });
    let mut voice = Vec::new();
    crate::g711::encode(Codec::Pcmu, &vec![4000i16; 160], &mut voice);
    for i in 0..10u16 {
        peer.send_to(&rtp(0, i, 160 * u32::from(i), i == 0, &voice), leg_addr)
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        next_event(&mut ev).await,
        LegEvent::PlaybackDone { interrupted: false }
    );
    h.send(LegCommand::Close);
    assert!(matches!(next_event(&mut ev).await, LegEvent::Closed(_)));
    let summary = tokio::task::spawn_blocking(move || rec.close())
        .await
        .unwrap()
        .unwrap();
    assert!(summary.samples >= 1600, "{summary:?}");
    let samples: Vec<i16> = hound::WavReader::open(&path)
        .unwrap()
        .samples::<i16>()
        .map(|s| s.unwrap())
        .collect();
    let loud = samples.iter().filter(|s| s.unsigned_abs() > 3000).count();
    assert!(
        loud >= 1600,
        "the prompt and the caller's voice are both in the file ({loud} loud samples)"
    );
}

#[tokio::test]
async fn a_bridged_leg_hears_music_while_the_other_side_is_on_hold() {
    let caller = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let agent = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let (a, _a_ev) = leg(&caller, Codec::Pcmu, Duration::from_secs(30)).await;
    let (b, _b_ev) = leg(&agent, Codec::Pcmu, Duration::from_secs(30)).await;
    bridge(&a, &b);
    // The agent puts the caller on hold: the agent's leg stops sending and expecting RTP,
    // and the caller's leg plays music while no voice comes across the bridge.
    b.send(LegCommand::Renegotiate(LegMedia {
        codec: Codec::Pcmu,
        audio_pt: 0,
        dtmf_pt: Some(101),
        remote: Some(agent.local_addr().unwrap()),
        send: false,
        receive: false,
    }));
    let music = Arc::new(Prompt::from_pcm("common", "moh", vec![3000; 8000]));
    a.send(LegCommand::MusicOnHold(Some(music.clone())));
    let want = &music.encoded(Codec::Pcmu)[..160];
    let mut heard = false;
    for _ in 0..50 {
        let (bytes, _) = recv_packet(&caller).await;
        if RtpPacket::parse(&bytes).unwrap().payload == want {
            heard = true;
            break;
        }
    }
    assert!(heard, "the caller hears music on hold");
    // On hold the agent's leg is silent: nothing new arrives once the queue is drained.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut buf = [0u8; 2048];
    while agent.try_recv(&mut buf).is_ok() {}
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        agent.try_recv(&mut buf).is_err(),
        "nothing sent while on hold"
    );
    // Off hold: the agent's leg sends again.
    b.send(LegCommand::Renegotiate(LegMedia {
        codec: Codec::Pcmu,
        audio_pt: 0,
        dtmf_pt: Some(101),
        remote: Some(agent.local_addr().unwrap()),
        send: true,
        receive: true,
    }));
    let (bytes, _) = recv_packet(&agent).await;
    assert!(RtpPacket::parse(&bytes).is_ok());
}
