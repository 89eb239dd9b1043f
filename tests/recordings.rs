//! End-to-end recordings: an ACD call is recorded in stereo, the caller alone on the left and
//! what the caller hears (here the agent) alone on the right, checked with a Goertzel filter
//! on two tones (the caller's 400 Hz, the agent's 1400 Hz); the agent who took the call plays
//! it through `GET /api/calls/{id}/recording` by byte range, another agent is refused (403).

use std::path::PathBuf;
use std::time::Duration;

use hotline_e2e::{
    db, ended_call, identify_and_queue_flow, prompt_ulaw as ulaw, rtp_packet, token, AgentPhone,
    Budget, Caller, Desk, Engine, PATIENCE,
};
use hotline_media::g711::linear_to_ulaw;

const QUEUES: &str = "[[acd.queues]]\nname = \"general\"\nskills = { general = 1 }\nring_secs = 10\nwrap_up_secs = 30\nannounce_secs = 0\n";
const CALLER_HZ: f64 = 400.0;
const AGENT_HZ: f64 = 1400.0;
/// 20 ms frames of tone each side sends.
const TONE_FRAMES: u32 = 75;

/// The engine with recording on (the default), a flow queueing every caller to `general`.
fn start() -> (Engine, PathBuf) {
    let dir = std::env::temp_dir().join(format!("hotline-rec-e2e-{}", token()));
    let flows = dir.join("flows");
    std::fs::create_dir_all(&flows).unwrap();
    std::fs::write(
        flows.join("main.yaml"),
        identify_and_queue_flow("general", "billing"),
    )
    .unwrap();
    std::fs::write(dir.join("hotline.toml"), QUEUES).unwrap();
    let engine = Engine::start(&[
        (
            "HOTLINE_CONFIG",
            &dir.join("hotline.toml").display().to_string(),
        ),
        ("HOTLINE_IVR_ENTRY_FLOW", "main"),
        ("HOTLINE_IVR_FLOWS_DIR", &flows.display().to_string()),
        ("HOTLINE_STORE_DEMO_CUSTOMERS", "5"),
        ("HOTLINE_MEDIA_TIMEOUT_SECS", "0"),
        ("HOTLINE_SIP_USERS", "1001:secret,1002:secret"),
    ]);
    (engine, dir)
}

/// Frame `n` of a continuous sine of `hz` (amplitude 8000) in PCMU.
fn tone_frame(hz: f64, n: u32) -> [u8; 160] {
    let mut out = [0u8; 160];
    for (i, b) in out.iter_mut().enumerate() {
        let t = f64::from(n * 160 + i as u32) / 8000.0;
        *b = linear_to_ulaw((8000.0 * (2.0 * std::f64::consts::PI * hz * t).sin()) as i16);
    }
    out
}

/// The Goertzel power of `hz` in `block` (8 kHz samples).
fn power(block: &[i16], hz: f64) -> f64 {
    let w = 2.0 * std::f64::consts::PI * hz / 8000.0;
    let coeff = 2.0 * w.cos();
    let (mut s1, mut s2) = (0.0, 0.0);
    for &x in block {
        let s = f64::from(x) + coeff * s1 - s2;
        s2 = s1;
        s1 = s;
    }
    s1 * s1 + s2 * s2 - coeff * s1 * s2
}

/// A tone of amplitude 8000 over 160 samples has power ≈ (8000·80)² = 4·10¹¹.
const PRESENT: f64 = 1e10;

#[tokio::test]
async fn an_acd_call_is_recorded_caller_left_agent_right_and_played_by_its_agent_only() {
    let (engine, dir) = start();
    let pool = db(&engine).await;
    let zhangmin = Desk::login(&engine, "zhangmin").await;
    let mut phone = AgentPhone::registered(&engine, "1001", "secret").await;
    let caller_no = "13911112222";
    let mut c = Caller::place(&engine, caller_no).await;
    let offer = phone.rung(PATIENCE).await;
    let talk = phone.answer(offer).await;
    c.expect("the staff number", &ulaw("zh", "agent_serving"), None)
        .await;
    let (heard_agent, heard_caller) = phone.voice_both_ways(&talk, &mut c, 0x55).await;
    assert!(heard_agent && heard_caller, "bridged");

    // 1.5 s of tones, each side its own.
    for n in 0..TONE_FRAMES {
        c.send_rtp(0, false, &tone_frame(CALLER_HZ, n)).await;
        let pkt = rtp_packet(
            0,
            1000 + n as u16,
            200_000 + n * 160,
            false,
            &tone_frame(AGENT_HZ, n),
        );
        phone.rtp.send_to(&pkt, talk.engine_rtp).await.unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    c.hang_up().await;
    assert!(
        phone.take_bye(&talk, PATIENCE).await,
        "the agent's leg ends"
    );

    let (id, path): (i64, Option<String>) = ended_call(&pool, "id, recording", caller_no).await;
    let path = PathBuf::from(path.expect("the call's recording is linked"));
    assert!(
        path.starts_with(engine.dir.join("data/recordings")),
        "{path:?}"
    );
    // The file is finished once the call is released: wait for its header to count the audio.
    let mut budget = Budget::new(PATIENCE);
    let samples = loop {
        let ok = hound::WavReader::open(&path)
            .ok()
            .filter(|r| r.len() > 8000);
        if let Some(r) = ok {
            assert_eq!(r.spec().channels, 2, "stereo");
            break r
                .into_samples::<i16>()
                .map(|s| s.unwrap())
                .collect::<Vec<i16>>();
        }
        assert!(budget.tick().await, "the recording {path:?} is written");
    };
    let left: Vec<i16> = samples.iter().step_by(2).copied().collect();
    let right: Vec<i16> = samples.iter().skip(1).step_by(2).copied().collect();
    let (mut caller_blocks, mut agent_blocks) = (0, 0);
    for (l, r) in left.chunks_exact(160).zip(right.chunks_exact(160)) {
        let (l_caller, r_caller) = (power(l, CALLER_HZ), power(r, CALLER_HZ));
        let (l_agent, r_agent) = (power(l, AGENT_HZ), power(r, AGENT_HZ));
        if l_caller > PRESENT {
            caller_blocks += 1;
            assert!(
                r_caller < l_caller / 1000.0,
                "the caller's tone leaks right: {r_caller} vs {l_caller}"
            );
        }
        if r_agent > PRESENT {
            agent_blocks += 1;
            assert!(
                l_agent < r_agent / 1000.0,
                "the agent's tone leaks left: {l_agent} vs {r_agent}"
            );
        }
    }
    assert!(
        caller_blocks >= 50,
        "the caller's tone on the left in {caller_blocks} blocks"
    );
    assert!(
        agent_blocks >= 50,
        "the agent's tone on the right in {agent_blocks} blocks"
    );

    // The agent plays it by range; another agent may not.
    let url = format!("{}/api/calls/{id}/recording", zhangmin.base);
    let res = zhangmin
        .http
        .get(&url)
        .bearer_auth(&zhangmin.token)
        .header("range", "bytes=0-43")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 206);
    let len = std::fs::metadata(&path).unwrap().len();
    assert_eq!(
        res.headers()
            .get("content-range")
            .and_then(|v| v.to_str().ok()),
        Some(format!("bytes 0-43/{len}").as_str())
    );
    let head = res.bytes().await.unwrap();
    assert_eq!(&head[..4], b"RIFF");
    let liqiang = Desk::login(&engine, "liqiang").await;
    let res = liqiang
        .http
        .get(&url)
        .bearer_auth(&liqiang.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 403);
    let _ = std::fs::remove_dir_all(&dir);
}
