//! End-to-end supervision: a caller (400 Hz), agent zhangmin's phone (1400 Hz) and supervisor
//! zhaolei's phone (800 Hz) each send their tone; a Goertzel filter on what each receives
//! tells who hears whom while the supervisor listens, whispers, barges in and leaves, through
//! `PUT`/`DELETE /api/acd/agents/{id}/monitor`; each step (and the refusal of a supervisor
//! whose phone is offline) is in the audit trail; an agent may not monitor (403); the caller hanging up ends the supervisor's leg.

use std::time::Duration;

use hotline_e2e::{
    db, identify_and_queue_flow, prompt_ulaw as ulaw, rtp_packet, token, AgentPhone, Budget,
    Caller, Desk, Engine, Talking, PATIENCE,
};
use hotline_media::g711::{linear_to_ulaw, ulaw_to_linear};
use serde_json::{json, Value};

const QUEUES: &str = "[[acd.queues]]\nname = \"general\"\nskills = { general = 1 }\nring_secs = 10\nwrap_up_secs = 30\nannounce_secs = 0\n";
const CALLER: f64 = 400.0;
const SUPERVISOR: f64 = 800.0;
const AGENT: f64 = 1400.0;
/// Frames of one round of tones.
const ROUND: u32 = 25;

fn start() -> (Engine, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("hotline-monitor-e2e-{}", token()));
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
        ("HOTLINE_MEDIA_RECORD", "false"),
        ("HOTLINE_SIP_USERS", "1001:secret,1002:secret,1009:secret"),
    ]);
    (engine, dir)
}

/// Frame `n` of a continuous sine of `hz` (amplitude 8000) in PCMU.
fn tone(hz: f64, n: u32) -> [u8; 160] {
    let mut out = [0u8; 160];
    for (i, b) in out.iter_mut().enumerate() {
        let t = f64::from(n * 160 + i as u32) / 8000.0;
        *b = linear_to_ulaw((8000.0 * (2.0 * std::f64::consts::PI * hz * t).sin()) as i16);
    }
    out
}

/// The mean Goertzel power of `hz` per 160-sample block of PCMU `audio`.
fn power(audio: &[u8], hz: f64) -> f64 {
    let w = 2.0 * std::f64::consts::PI * hz / 8000.0;
    let coeff = 2.0 * w.cos();
    let blocks: Vec<f64> = audio
        .chunks_exact(160)
        .map(|b| {
            let (mut s1, mut s2) = (0.0f64, 0.0f64);
            for &x in b {
                let s = f64::from(ulaw_to_linear(x)) + coeff * s1 - s2;
                s2 = s1;
                s1 = s;
            }
            s1 * s1 + s2 * s2 - coeff * s1 * s2
        })
        .collect();
    blocks.iter().sum::<f64>() / blocks.len().max(1) as f64
}

/// A tone of amplitude 8000 has a block power near 4·10¹¹; heard means above 10¹⁰, not heard
/// below 10⁸ (G.711 noise of the others' tones stays far under it).
fn heard(audio: &[u8], hz: f64) -> bool {
    power(audio, hz) > 1e10
}
fn silent(audio: &[u8], hz: f64) -> bool {
    power(audio, hz) < 1e8
}

/// The three parties of the call.
struct Three {
    caller: Caller,
    agent: AgentPhone,
    agent_call: Talking,
    sup: AgentPhone,
    sup_call: Talking,
    n: u32,
}

/// What each heard in one round.
struct Heard {
    caller: Vec<u8>,
    agent: Vec<u8>,
    sup: Vec<u8>,
}

impl Three {
    /// One round: everyone sends their tone every 20 ms; what each received.
    async fn round(&mut self) -> Heard {
        let from = self.caller.heard.lock().unwrap().len();
        let (mut agent, mut sup) = (Vec::new(), Vec::new());
        let mut buf = vec![0u8; 2048];
        for _ in 0..ROUND {
            let n = self.n;
            self.n += 1;
            self.caller.send_rtp(0, false, &tone(CALLER, n)).await;
            let seq = (n % 60000) as u16;
            let pkt = rtp_packet(0, seq, n * 160, false, &tone(AGENT, n));
            self.agent
                .rtp
                .send_to(&pkt, self.agent_call.engine_rtp)
                .await
                .unwrap();
            let pkt = rtp_packet(0, seq, n * 160, false, &tone(SUPERVISOR, n));
            self.sup
                .rtp
                .send_to(&pkt, self.sup_call.engine_rtp)
                .await
                .unwrap();
            tokio::time::sleep(Duration::from_millis(20)).await;
            for (sock, into) in [(&self.agent.rtp, &mut agent), (&self.sup.rtp, &mut sup)] {
                while let Ok(len) = sock.try_recv(&mut buf) {
                    if len > 12 && buf[1] & 0x7f == 0 {
                        into.extend_from_slice(&buf[12..len]);
                    }
                }
            }
        }
        let caller = self.caller.heard.lock().unwrap()[from..].to_vec();
        Heard { caller, agent, sup }
    }

    /// Rounds until `expect` holds for a round (the change has reached the media), then one
    /// more round, which must hold it too and is returned.
    async fn settle(&mut self, what: &str, expect: impl Fn(&Heard) -> bool) -> Heard {
        let mut budget = Budget::new(PATIENCE);
        loop {
            let h = self.round().await;
            if expect(&h) {
                break;
            }
            assert!(budget.alive(), "{what}: never reached");
        }
        let h = self.round().await;
        assert!(expect(&h), "{what}: did not hold");
        h
    }
}

async fn put_monitor(desk: &Desk, agent: i64, mode: &str) -> (u16, Value) {
    let res = desk
        .http
        .put(format!("{}/api/acd/agents/{agent}/monitor", desk.base))
        .bearer_auth(&desk.token)
        .json(&json!({ "mode": mode }))
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_supervisor_listens_whispers_barges_and_leaves_and_each_party_hears_what_it_should() {
    let (engine, dir) = start();
    let pool = db(&engine).await;
    let zhangmin: i64 = sqlx::query_scalar("SELECT id FROM agents WHERE login = 'zhangmin'")
        .fetch_one(&pool)
        .await
        .unwrap();
    let mut agent = AgentPhone::registered(&engine, "1001", "secret").await;
    let mut caller = Caller::place(&engine, "13922223333").await;
    let offer = agent.rung(PATIENCE).await;
    let agent_call = agent.answer(offer).await;
    caller
        .expect("the staff number", &ulaw("zh", "agent_serving"), None)
        .await;

    // An agent may not monitor; the supervisor's phone is not registered yet.
    let liqiang = Desk::login(&engine, "liqiang").await;
    assert_eq!(put_monitor(&liqiang, zhangmin, "listen").await.0, 403);
    let zhaolei = Desk::login(&engine, "zhaolei").await;
    let (status, body) = put_monitor(&zhaolei, zhangmin, "listen").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("phone_offline")),
        "{body}"
    );

    let mut sup = AgentPhone::registered(&engine, "1009", "secret").await;
    let (status, body) = put_monitor(&zhaolei, zhangmin, "listen").await;
    assert_eq!(status, 200, "{body}");
    let ring = sup.rung(PATIENCE).await;
    let sup_call = sup.answer(ring).await;
    let mut three = Three {
        caller,
        agent,
        agent_call,
        sup,
        sup_call,
        n: 0,
    };

    // Listen: the supervisor hears both; neither hears the supervisor.
    let h = three
        .settle("listen", |h| heard(&h.sup, CALLER) && heard(&h.sup, AGENT))
        .await;
    assert!(
        heard(&h.caller, AGENT) && heard(&h.agent, CALLER),
        "caller and agent talk"
    );
    assert!(
        silent(&h.caller, SUPERVISOR) && silent(&h.agent, SUPERVISOR),
        "nobody hears a listener"
    );
    assert!(
        silent(&h.sup, SUPERVISOR) && silent(&h.caller, CALLER),
        "nobody hears themselves"
    );

    // Whisper: the agent hears the supervisor, the caller does not.
    assert_eq!(put_monitor(&zhaolei, zhangmin, "whisper").await.0, 200);
    let h = three
        .settle("whisper", |h| heard(&h.agent, SUPERVISOR))
        .await;
    assert!(heard(&h.agent, CALLER), "the agent still hears the caller");
    assert!(
        silent(&h.caller, SUPERVISOR),
        "the caller does not hear a whisper"
    );
    assert!(heard(&h.caller, AGENT) && heard(&h.sup, CALLER) && heard(&h.sup, AGENT));

    // Barge: all three.
    assert_eq!(put_monitor(&zhaolei, zhangmin, "barge").await.0, 200);
    let h = three
        .settle("barge", |h| heard(&h.caller, SUPERVISOR))
        .await;
    assert!(heard(&h.caller, AGENT) && heard(&h.agent, SUPERVISOR) && heard(&h.agent, CALLER));
    assert!(silent(&h.caller, CALLER) && silent(&h.agent, AGENT) && silent(&h.sup, SUPERVISOR));

    // Leave: the supervisor's leg ends, caller and agent go on.
    let res = zhaolei
        .http
        .delete(format!(
            "{}/api/acd/agents/{zhangmin}/monitor",
            zhaolei.base
        ))
        .bearer_auth(&zhaolei.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert!(
        three.sup.take_bye(&three.sup_call, PATIENCE).await,
        "the supervisor's leg ends"
    );
    let h = three
        .settle("bridged again", |h| {
            silent(&h.caller, SUPERVISOR) && heard(&h.caller, AGENT)
        })
        .await;
    assert!(heard(&h.agent, CALLER));

    // Monitor again, then the caller hangs up: the supervisor's phone gets a BYE.
    assert_eq!(put_monitor(&zhaolei, zhangmin, "listen").await.0, 200);
    let ring = three.sup.rung(PATIENCE).await;
    let again = three.sup.answer(ring).await;
    three.caller.hang_up().await;
    assert!(
        three.sup.take_bye(&again, PATIENCE).await,
        "the caller's end ends the monitoring"
    );
    assert!(three.agent.take_bye(&three.agent_call, PATIENCE).await);

    // The audit trail: refusal, start, two changes, leave, start.
    let audit = zhaolei.get("/api/audit?action=monitor").await;
    let entries: Vec<(String, String)> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["detail"].as_str().unwrap().to_string(),
                e["outcome"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let details: Vec<&str> = entries.iter().rev().map(|e| e.0.as_str()).collect();
    assert_eq!(
        details,
        [
            "listen on the call of zhangmin",
            "listen on the call of zhangmin",
            "whisper on the call of zhangmin",
            "barge on the call of zhangmin",
            "leave the call of zhangmin",
            "listen on the call of zhangmin",
        ],
        "{entries:?}"
    );
    let outcomes: Vec<&str> = entries.iter().rev().map(|e| e.1.as_str()).collect();
    assert!(outcomes[0].starts_with("refused"), "{entries:?}");
    assert!(outcomes[1..].iter().all(|o| *o == "applied"), "{entries:?}");
    let _ = std::fs::remove_dir_all(&dir);
}
