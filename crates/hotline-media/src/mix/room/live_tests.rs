//! The room between real legs: three legs ([`leg::spawn`]) and three loopback "phones", each
//! phone sending RTP carrying its own tone (400, 800, 1400 Hz: 8, 16 and 28 whole cycles in a
//! 20 ms frame, so a frame's Goertzel power at one tone is not touched by the others). What
//! each phone receives is decoded and measured: who hears whom, in a conference, when a
//! supervisor listens, whispers, barges, after a party leaves, across codecs; and digits.
//!
//! Nothing waits on a wall-clock budget: after a change the test reads until [`SETTLED`]
//! frames in a row show it (old frames may still be queued in the legs), then sums
//! [`FRAMES`] frames. The overall waits are generous timeouts only.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::UdpSocket;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::*;
use crate::dtmf::{DtmfSender, SenderConfig};
use crate::g711;
use crate::leg::{self, LegCommand, LegConfig, LegEvent, LegHandle, LegMedia};
use crate::rtp_session::{LatchPolicy, RtpPacket};
use crate::sdp::Codec;

/// The parties' tones, in Hz, in the order A, B, C.
const TONES: [f64; 3] = [400.0, 800.0, 1400.0];
/// Each phone's tone's peak amplitude (three add up to 24 000: no clipping).
const AMPLITUDE: f64 = 8000.0;
/// Goertzel power of one whole frame of a tone at [`AMPLITUDE`]: (A·N/2)².
const FULL: f64 = (AMPLITUDE * 80.0) * (AMPLITUDE * 80.0);
/// A frame holds a tone above a quarter of [`FULL`] (−6 dB)…
const PRESENT: f64 = FULL / 4.0;
/// …and lacks it below a thousandth of that (−36 dB; G.711 noise is about −50 dB here).
const ABSENT: f64 = PRESENT / 1000.0;
/// Frames in a row that must show a change before it counts as done.
const SETTLED: usize = 4;
/// Frames measured per phone and check.
const FRAMES: usize = 20;
/// The longest wait for one packet; the longest wait for a change to show.
const PACKET_WAIT: Duration = Duration::from_secs(5);
const CHANGE_WAIT: Duration = Duration::from_secs(10);
const DTMF_PT: u8 = 101;

const A: PartyId = PartyId(1);
const B: PartyId = PartyId(2);
const C: PartyId = PartyId(3);

fn audio_pt(codec: Codec) -> u8 {
    match codec {
        Codec::Pcmu => 0,
        Codec::Pcma => 8,
    }
}

fn rtp(pt: u8, seq: u16, ts: u32, marker: bool, payload: &[u8]) -> Vec<u8> {
    let mut v = vec![0x80, (u8::from(marker) << 7) | pt];
    v.extend_from_slice(&seq.to_be_bytes());
    v.extend_from_slice(&ts.to_be_bytes());
    v.extend_from_slice(&0x5EED_0001u32.to_be_bytes());
    v.extend_from_slice(payload);
    v
}

/// Power of `samples` at `hz` (|X(f)|², the Goertzel algorithm).
fn power(samples: &[i16], hz: f64) -> f64 {
    let coeff = 2.0 * (std::f64::consts::TAU * hz / 8000.0).cos();
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    for &x in samples {
        let s = f64::from(x) + coeff * s1 - s2;
        s2 = s1;
        s1 = s;
    }
    (s1 * s1 + s2 * s2 - coeff * s1 * s2).max(0.0)
}

fn db(power: f64, frames: usize) -> f64 {
    10.0 * (power / (frames as f64 * FULL)).max(1e-12).log10()
}

/// A phone on a loopback socket and the leg that serves it.
struct Phone {
    name: char,
    codec: Codec,
    socket: Arc<UdpSocket>,
    leg: LegHandle,
    _events: mpsc::UnboundedReceiver<LegEvent>,
    keys: mpsc::UnboundedSender<char>,
    voice: JoinHandle<()>,
}

impl Drop for Phone {
    fn drop(&mut self) {
        self.voice.abort();
        self.leg.send(LegCommand::Close);
    }
}

impl Phone {
    /// Starts a leg in `codec` and a phone that sends it `tone` every 20 ms.
    async fn start(name: char, codec: Codec, tone: f64, seed: u64) -> Phone {
        let socket = Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
        let leg_socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let leg_addr = leg_socket.local_addr().unwrap();
        let phone_addr = socket.local_addr().unwrap();
        let (leg, events) = leg::spawn(
            leg_socket,
            LegConfig {
                media: LegMedia {
                    codec,
                    audio_pt: audio_pt(codec),
                    dtmf_pt: Some(DTMF_PT),
                    remote: Some(phone_addr),
                    send: true,
                    receive: true,
                },
                media_timeout: Duration::from_secs(30),
                seed,
                latch: LatchPolicy::default(),
                signalling: Some(phone_addr.ip()),
            },
        );
        let pcm: Vec<i16> = (0..160)
            .map(|i| {
                ((std::f64::consts::TAU * tone * f64::from(i) / 8000.0).sin() * AMPLITUDE) as i16
            })
            .collect();
        let mut frame = Vec::new();
        g711::encode(codec, &pcm, &mut frame);
        let (keys, keyed) = mpsc::unbounded_channel();
        let voice = tokio::spawn(talk(socket.clone(), leg_addr, codec, frame, keyed));
        Phone {
            name,
            codec,
            socket,
            leg,
            _events: events,
            keys,
            voice,
        }
    }

    /// The next RTP packet the leg sent the phone.
    async fn packet(&self) -> Vec<u8> {
        let mut buf = vec![0u8; 2048];
        let (n, _) = tokio::time::timeout(PACKET_WAIT, self.socket.recv_from(&mut buf))
            .await
            .unwrap_or_else(|_| panic!("phone {}: no packet", self.name))
            .unwrap();
        buf.truncate(n);
        buf
    }

    /// The tone powers of the next audio frame the phone receives.
    async fn frame(&self) -> [f64; 3] {
        loop {
            let bytes = self.packet().await;
            let p = RtpPacket::parse(&bytes).unwrap();
            if p.payload_type != audio_pt(self.codec) {
                continue;
            }
            assert_eq!(p.payload.len(), 160);
            let mut pcm = Vec::with_capacity(160);
            g711::decode(self.codec, p.payload, &mut pcm);
            return TONES.map(|hz| power(&pcm, hz));
        }
    }

    /// The event code of the next telephone-event packet the phone receives.
    async fn event(&self) -> u8 {
        loop {
            let bytes = self.packet().await;
            let p = RtpPacket::parse(&bytes).unwrap();
            if p.payload_type == DTMF_PT {
                return p.payload[0];
            }
        }
    }

    /// Forgets what has arrived so far.
    fn drain(&self) {
        let mut buf = [0u8; 2048];
        while self.socket.try_recv(&mut buf).is_ok() {}
    }

    /// Waits for [`SETTLED`] frames in a row that hear exactly `expect` (A's, B's, C's tone),
    /// then checks the sum of the next [`FRAMES`] frames.
    async fn hears(&self, expect: [bool; 3], what: &str) {
        let matches = |f: &[f64; 3]| {
            f.iter()
                .zip(expect)
                .all(|(&p, present)| if present { p > PRESENT } else { p < ABSENT })
        };
        let settle = async {
            let mut in_a_row = 0;
            while in_a_row < SETTLED {
                in_a_row = if matches(&self.frame().await) {
                    in_a_row + 1
                } else {
                    0
                };
            }
        };
        tokio::time::timeout(CHANGE_WAIT, settle)
            .await
            .unwrap_or_else(|_| panic!("{what}: phone {} never heard {expect:?}", self.name));
        let mut sum = [0.0f64; 3];
        for _ in 0..FRAMES {
            for (s, p) in sum.iter_mut().zip(self.frame().await) {
                *s += p;
            }
        }
        let levels = sum.map(|p| format!("{:.1} dB", db(p, FRAMES)));
        for ((party, present), &p) in ['A', 'B', 'C'].iter().zip(expect).zip(&sum) {
            let n = FRAMES as f64;
            if present {
                assert!(
                    p >= n * PRESENT,
                    "{what}: phone {} should hear {party}: {levels:?}",
                    self.name
                );
            } else {
                assert!(
                    p <= n * ABSENT,
                    "{what}: phone {} should not hear {party}: {levels:?}",
                    self.name
                );
            }
        }
        println!("{what}: phone {} hears (A, B, C) {levels:?}", self.name);
    }

    /// Keys `digit` (RFC 4733, in place of the phone's audio).
    fn key(&self, digit: char) {
        self.keys.send(digit).unwrap();
    }
}

/// A phone's sending side: its tone every 20 ms, or a digit's packets while one is keyed.
async fn talk(
    socket: Arc<UdpSocket>,
    to: SocketAddr,
    codec: Codec,
    frame: Vec<u8>,
    mut keys: mpsc::UnboundedReceiver<char>,
) {
    let pt = audio_pt(codec);
    let mut seq: u16 = 1;
    let mut ts: u32 = 160;
    let mut digit = VecDeque::new();
    let mut every_20ms = tokio::time::interval(TICK);
    loop {
        every_20ms.tick().await;
        if digit.is_empty() {
            if let Ok(d) = keys.try_recv() {
                let schedule = DtmfSender::new(SenderConfig::default()).schedule(d, ts);
                digit.extend(schedule.unwrap());
            }
        }
        let packet = match digit.pop_front() {
            Some(p) => rtp(DTMF_PT, seq, p.timestamp, p.marker, &p.payload),
            None => rtp(pt, seq, ts, seq == 1, &frame),
        };
        seq = seq.wrapping_add(1);
        ts = ts.wrapping_add(160);
        let _ = socket.send_to(&packet, to).await;
    }
}

/// Three phones in PCMU (B in `b_codec`), A, B and C.
async fn phones(b_codec: Codec) -> [Phone; 3] {
    [
        Phone::start('A', Codec::Pcmu, TONES[0], 11).await,
        Phone::start('B', b_codec, TONES[1], 22).await,
        Phone::start('C', Codec::Pcmu, TONES[2], 33).await,
    ]
}

/// Puts `phone`'s leg in the room as `id`.
async fn join(room: &RoomHandle, id: PartyId, phone: &Phone, audience: Audience) {
    let says = room
        .add(id, phone.leg.frame_inbox(), audience)
        .await
        .unwrap();
    assert!(phone.leg.send(LegCommand::Bridge(says)));
}

/// A room of the three, A and B heard by everyone, C by `c`.
async fn room_of(phones: &[Phone; 3], c: Audience) -> RoomHandle {
    let room = spawn();
    join(&room, A, &phones[0], Audience::Everyone).await;
    join(&room, B, &phones[1], Audience::Everyone).await;
    join(&room, C, &phones[2], c).await;
    room
}

/// Checks what each phone hears: `expect[i]` is phone i's (A's, B's, C's tone).
async fn check(phones: &[Phone; 3], expect: [[bool; 3]; 3], what: &str) {
    for p in phones {
        p.drain();
    }
    for (p, e) in phones.iter().zip(expect) {
        p.hears(e, what).await;
    }
}

const CONFERENCE: [[bool; 3]; 3] = [
    [false, true, true],
    [true, false, true],
    [true, true, false],
];
/// C listens: A and B hear each other, C hears both.
const LISTEN: [[bool; 3]; 3] = [
    [false, true, false],
    [true, false, false],
    [true, true, false],
];
/// C whispers to B: B hears A and C, A hears B only, C hears both.
const WHISPER: [[bool; 3]; 3] = [
    [false, true, false],
    [true, false, true],
    [true, true, false],
];

/// Closes the room; the figures must show mixing.
async fn close(room: RoomHandle) -> RoomReport {
    let report = room.close().await.unwrap();
    assert!(report.parties.iter().all(|p| p.frames_in > 0), "{report:?}");
    println!("{report:?}");
    report
}

#[tokio::test]
async fn a_conference_member_hears_the_other_two_and_not_itself() {
    let phones = phones(Codec::Pcmu).await;
    let room = room_of(&phones, Audience::Everyone).await;
    check(&phones, CONFERENCE, "conference").await;
    close(room).await;
}

#[tokio::test]
async fn a_listening_supervisor_hears_both_and_nobody_hears_them() {
    let phones = phones(Codec::Pcmu).await;
    let room = room_of(&phones, Audience::Nobody).await;
    check(&phones, LISTEN, "listen").await;
    close(room).await;
}

#[tokio::test]
async fn a_whisper_reaches_the_agent_only() {
    let phones = phones(Codec::Pcmu).await;
    let room = room_of(&phones, Audience::Only(B)).await;
    check(&phones, WHISPER, "whisper").await;
    close(room).await;
}

#[tokio::test]
async fn the_supervisor_listens_whispers_barges_and_listens_again_in_one_call() {
    let phones = phones(Codec::Pcmu).await;
    let room = room_of(&phones, Audience::Nobody).await;
    check(&phones, LISTEN, "listen").await;
    room.set_audience(C, Audience::Only(B)).await.unwrap();
    check(&phones, WHISPER, "whisper").await;
    room.set_audience(C, Audience::Everyone).await.unwrap();
    check(&phones, CONFERENCE, "barge").await;
    room.set_audience(C, Audience::Nobody).await.unwrap();
    check(&phones, LISTEN, "listen again").await;
    close(room).await;
}

#[tokio::test]
async fn when_one_leaves_the_other_two_go_on_hearing_each_other() {
    let phones = phones(Codec::Pcmu).await;
    let room = room_of(&phones, Audience::Everyone).await;
    check(&phones, CONFERENCE, "conference").await;
    let left = room.remove(C).await.unwrap();
    assert!(left.frames_out > 0, "{left:?}");
    assert!(phones[2].leg.send(LegCommand::Unbridge));
    // A and B hear each other; C's leg, out of the room, sends silence.
    let after = [
        [false, true, false],
        [true, false, false],
        [false, false, false],
    ];
    check(&phones, after, "after C left").await;
    let report = close(room).await;
    assert_eq!(report.parties.len(), 2);
}

#[tokio::test]
async fn a_pcma_leg_in_a_pcmu_conference() {
    let phones = phones(Codec::Pcma).await;
    let room = room_of(&phones, Audience::Everyone).await;
    check(&phones, CONFERENCE, "conference, B in PCMA").await;
    close(room).await;
}

#[tokio::test]
async fn digits_reach_those_who_hear_the_party_that_keyed_them() {
    let phones = phones(Codec::Pcmu).await;
    let room = room_of(&phones, Audience::Nobody).await;
    check(&phones, LISTEN, "listen").await;
    // The listening supervisor keys '#': the room takes it and passes it to no one.
    phones[2].key('#');
    tokio::time::timeout(CHANGE_WAIT, async {
        loop {
            let report = room.report().await.unwrap();
            if report.parties.iter().any(|p| p.party == C && p.digits == 1) {
                break;
            }
            tokio::time::sleep(TICK).await;
        }
    })
    .await
    .unwrap();
    // Then B keys '1': A and C hear B, so the first digit each is sent is B's (event 1), not
    // the supervisor's (event 11, which would be queued before it).
    phones[1].key('1');
    assert_eq!(phones[0].event().await, 1, "A gets B's digit only");
    assert_eq!(phones[2].event().await, 1, "C gets B's digit");
    let report = close(room).await;
    let digits: Vec<u64> = report.parties.iter().map(|p| p.digits).collect();
    assert_eq!(digits, [0, 1, 1]);
}
