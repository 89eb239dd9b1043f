//! End-to-end recordings: an ACD call is recorded in stereo, the caller alone on the left and
//! what the caller hears (here the agent) alone on the right, checked with a Goertzel filter
//! on two tones (the caller's 400 Hz, the agent's 1400 Hz); the agent who took the call plays
//! it through `GET /api/calls/{id}/recording` by byte range, another agent is refused (403).

use std::path::PathBuf;

use hotline_e2e::{
    recorded_tone_call, start_general_queue, stereo_samples, stereo_tone_blocks, Desk, Engine,
};

const CALLER_HZ: f64 = 400.0;
const AGENT_HZ: f64 = 1400.0;
/// 20 ms frames of tone each side sends.
const TONE_FRAMES: u32 = 75;

fn start() -> (Engine, PathBuf) {
    start_general_queue(
        "hotline-rec-e2e",
        &[("HOTLINE_SIP_USERS", "1001:secret,1002:secret")],
    )
}

/// A tone of amplitude 8000 over 160 samples has power ≈ (8000·80)² = 4·10¹¹.
const PRESENT: f64 = 1e10;

#[tokio::test]
async fn an_acd_call_is_recorded_caller_left_agent_right_and_played_by_its_agent_only() {
    let (engine, dir) = start();
    let zhangmin = Desk::login(&engine, "zhangmin").await;
    let caller_no = "13911112222";
    let (id, path) =
        recorded_tone_call(&engine, caller_no, 0x55, (CALLER_HZ, AGENT_HZ), TONE_FRAMES).await;
    // The file is finished once the call is released: wait for its header to count the audio.
    let samples = stereo_samples(&path).await;
    let (caller_blocks, agent_blocks) = stereo_tone_blocks(&samples, CALLER_HZ, AGENT_HZ, PRESENT);
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
