//! Who hears whom, by tone: each party of a call sends its own sine (PCMU) every 20 ms, and a
//! Goertzel filter on what each receives says which tones reached it. Used by the supervision
//! and transfer tests.

use std::net::SocketAddr;
use std::time::Duration;

use hotline_media::g711::{linear_to_ulaw, ulaw_to_linear};
use tokio::net::UdpSocket;

use crate::wait::{Budget, PATIENCE};
use crate::{rtp_packet, Caller};

/// Frames of one round of tones.
pub const ROUND: u32 = 25;

/// Frame `n` of a continuous sine of `hz` (amplitude 8000) in PCMU.
pub fn tone(hz: f64, n: u32) -> [u8; 160] {
    let mut out = [0u8; 160];
    for (i, b) in out.iter_mut().enumerate() {
        let t = f64::from(n * 160 + i as u32) / 8000.0;
        *b = linear_to_ulaw((8000.0 * (2.0 * std::f64::consts::PI * hz * t).sin()) as i16);
    }
    out
}

/// The Goertzel power of `hz` in `block` (8 kHz linear samples).
pub fn power_linear(block: &[i16], hz: f64) -> f64 {
    let w = 2.0 * std::f64::consts::PI * hz / 8000.0;
    let coeff = 2.0 * w.cos();
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    for &x in block {
        let s = f64::from(x) + coeff * s1 - s2;
        s2 = s1;
        s1 = s;
    }
    s1 * s1 + s2 * s2 - coeff * s1 * s2
}

/// In a stereo recording's interleaved samples: the 20 ms blocks where `left_hz` is on the left
/// and those where `right_hz` is on the right (power above `present`), each checked not to leak
/// into the other channel (a thousandth of its power at most; panics if it does).
pub fn stereo_tone_blocks(
    samples: &[i16],
    left_hz: f64,
    right_hz: f64,
    present: f64,
) -> (u32, u32) {
    let left: Vec<i16> = samples.iter().step_by(2).copied().collect();
    let right: Vec<i16> = samples.iter().skip(1).step_by(2).copied().collect();
    let (mut left_blocks, mut right_blocks) = (0, 0);
    for (l, r) in left.chunks_exact(160).zip(right.chunks_exact(160)) {
        let (l_left, r_left) = (power_linear(l, left_hz), power_linear(r, left_hz));
        let (l_right, r_right) = (power_linear(l, right_hz), power_linear(r, right_hz));
        if l_left > present {
            left_blocks += 1;
            assert!(
                r_left < l_left / 1000.0,
                "the left tone leaks right: {r_left} vs {l_left}"
            );
        }
        if r_right > present {
            right_blocks += 1;
            assert!(
                l_right < r_right / 1000.0,
                "the right tone leaks left: {l_right} vs {r_right}"
            );
        }
    }
    (left_blocks, right_blocks)
}

/// The mean Goertzel power of `hz` per 160-sample block of PCMU `audio`.
pub fn power(audio: &[u8], hz: f64) -> f64 {
    let blocks: Vec<f64> = audio
        .chunks_exact(160)
        .map(|b| {
            let pcm: Vec<i16> = b.iter().map(|&x| ulaw_to_linear(x)).collect();
            power_linear(&pcm, hz)
        })
        .collect();
    blocks.iter().sum::<f64>() / blocks.len().max(1) as f64
}

/// A tone of amplitude 8000 has a block power near 4·10¹¹: heard means above 10¹⁰.
pub fn heard(audio: &[u8], hz: f64) -> bool {
    power(audio, hz) > 1e10
}

/// Not heard: below 10⁸ (G.711 noise of the other tones stays far under it).
pub fn silent(audio: &[u8], hz: f64) -> bool {
    power(audio, hz) < 1e8
}

/// A phone of the call: its RTP socket, where the engine wants its voice, its tone.
pub struct Phone<'a> {
    pub rtp: &'a UdpSocket,
    pub engine_rtp: SocketAddr,
    pub hz: f64,
}

impl<'a> Phone<'a> {
    /// `phone` on its call `call`, sending `hz`.
    pub fn of(phone: &'a crate::AgentPhone, call: &crate::Talking, hz: f64) -> Phone<'a> {
        Phone {
            rtp: &phone.rtp,
            engine_rtp: call.engine_rtp,
            hz,
        }
    }
}

/// What the caller and each phone heard in one round (PCMU payloads).
pub struct Heard {
    pub caller: Vec<u8>,
    pub phones: Vec<Vec<u8>>,
}

/// The caller (with its tone) and the phones, sending tones round after round.
pub struct Tones<'a> {
    pub caller: &'a mut Caller,
    pub caller_hz: f64,
    pub phones: Vec<Phone<'a>>,
    n: u32,
}

impl<'a> Tones<'a> {
    pub fn new(caller: &'a mut Caller, caller_hz: f64, phones: Vec<Phone<'a>>) -> Tones<'a> {
        Tones {
            caller,
            caller_hz,
            phones,
            n: 0,
        }
    }

    /// One round: everyone sends their tone every 20 ms; what each received meanwhile.
    pub async fn round(&mut self) -> Heard {
        let from = self.caller.heard.lock().unwrap().len();
        let mut phones = vec![Vec::new(); self.phones.len()];
        let mut buf = vec![0u8; 2048];
        for _ in 0..ROUND {
            let n = self.n;
            self.n += 1;
            self.caller
                .send_rtp(0, false, &tone(self.caller_hz, n))
                .await;
            let seq = (n % 60000) as u16;
            for p in &self.phones {
                let pkt = rtp_packet(0, seq, n * 160, false, &tone(p.hz, n));
                p.rtp.send_to(&pkt, p.engine_rtp).await.unwrap();
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
            for (p, into) in self.phones.iter().zip(phones.iter_mut()) {
                while let Ok(len) = p.rtp.try_recv(&mut buf) {
                    if len > 12 && buf[1] & 0x7f == 0 {
                        into.extend_from_slice(&buf[12..len]);
                    }
                }
            }
        }
        let caller = self.caller.heard.lock().unwrap()[from..].to_vec();
        Heard { caller, phones }
    }

    /// Rounds until `expect` holds for one (the change has reached the media), then one more
    /// round, which must hold it too and is returned.
    pub async fn settle(&mut self, what: &str, expect: impl Fn(&Heard) -> bool) -> Heard {
        let mut budget = Budget::new(PATIENCE);
        loop {
            let h = self.round().await;
            if expect(&h) {
                break;
            }
            assert!(budget.alive(), "{what}: never reached");
        }
        let h = self.round().await;
        assert!(
            expect(&h),
            "{what}: did not hold; the round after: {}",
            self.levels(&h)
        );
        h
    }

    /// What each party heard of every other party's tone in `h` (mean Goertzel power per
    /// block, and how many bytes of audio it received): for a failure's message.
    fn levels(&self, h: &Heard) -> String {
        let hz: Vec<f64> = std::iter::once(self.caller_hz)
            .chain(self.phones.iter().map(|p| p.hz))
            .collect();
        let heard: Vec<&Vec<u8>> = std::iter::once(&h.caller).chain(h.phones.iter()).collect();
        let mut out = Vec::new();
        for (i, audio) in heard.iter().enumerate() {
            let of: Vec<String> = hz
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, f)| format!("{f} Hz {:.3e}", power(audio, *f)))
                .collect();
            let who = if i == 0 {
                "caller".to_string()
            } else {
                format!("phone {i}")
            };
            out.push(format!("{who} ({} bytes): {}", audio.len(), of.join(", ")));
        }
        out.join("; ")
    }
}

/// `frames` 20 ms frames of tone from each side of an answered call: the caller's at
/// `caller_hz`, the agent's phone's (to the engine's RTP address of `call`) at `agent_hz`.
pub async fn tones_both_ways(
    caller: &mut Caller,
    phone: &crate::AgentPhone,
    call: &crate::Talking,
    (caller_hz, agent_hz): (f64, f64),
    frames: u32,
) {
    for n in 0..frames {
        caller.send_rtp(0, false, &tone(caller_hz, n)).await;
        let pkt = rtp_packet(
            0,
            1000 + n as u16,
            200_000 + n * 160,
            false,
            &tone(agent_hz, n),
        );
        phone
            .rtp
            .send_to(&pkt, call.engine_rtp)
            .await
            .expect("RTP from the agent's phone");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The interleaved samples of the stereo WAV recording at `path`, once its header counts more
/// than a second of audio (the file is finished after the call is released).
pub async fn stereo_samples(path: &std::path::Path) -> Vec<i16> {
    let mut budget = Budget::new(PATIENCE);
    loop {
        let ok = hound::WavReader::open(path).ok().filter(|r| r.len() > 8000);
        if let Some(r) = ok {
            assert_eq!(r.spec().channels, 2, "stereo");
            return r
                .into_samples::<i16>()
                .map(|s| s.expect("a sample"))
                .collect();
        }
        assert!(budget.tick().await, "the recording {path:?} is written");
    }
}

/// An ACD call answered by the phone of extension 1001 (registered here, the call-taker of
/// `start_general_queue`): bridged (voice both ways checked with `marker`), `frames` of tones
/// both ways (the caller's, the agent's), then the caller hangs up and the agent's leg ends.
/// The call's (id, recording path), once its record has ended.
pub async fn recorded_tone_call(
    engine: &crate::Engine,
    caller_no: &str,
    marker: u8,
    tones: (f64, f64),
    frames: u32,
) -> (i64, std::path::PathBuf) {
    let pool = crate::db(engine).await;
    let mut phone = crate::AgentPhone::registered(engine, "1001", "secret").await;
    let mut c = Caller::place(engine, caller_no).await;
    let offer = phone.rung(PATIENCE).await;
    let talk = phone.answer(offer).await;
    c.expect(
        "the staff number",
        &crate::prompt_ulaw("zh", "agent_serving"),
        None,
    )
    .await;
    let (heard_agent, heard_caller) = phone.voice_both_ways(&talk, &mut c, marker).await;
    assert!(heard_agent && heard_caller, "bridged");
    tones_both_ways(&mut c, &phone, &talk, tones, frames).await;
    c.hang_up().await;
    assert!(
        phone.take_bye(&talk, PATIENCE).await,
        "the agent's leg ends"
    );
    let (id, path): (i64, Option<String>) =
        crate::ended_call(&pool, "id, recording", caller_no).await;
    let path = std::path::PathBuf::from(path.expect("the call's recording is linked"));
    assert!(
        path.starts_with(engine.dir.join("data/recordings")),
        "{path:?}"
    );
    (id, path)
}
