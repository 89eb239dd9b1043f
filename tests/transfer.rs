//! End-to-end transfers from the desk: agent zhangmin (1001, 2200 Hz) consults liqiang (1002,
//! 3000 Hz; both tones above the music on hold's energy) about a caller (400 Hz); a Goertzel
//! filter on what each receives tells who hears whom while the caller is held (music, nobody's
//! voice), after cancel (caller and agent again), in a conference (all three), after the agent
//! leaves it (caller and liqiang), and after a consultation completed; the call records name
//! both agents.

use std::path::PathBuf;

use hotline_e2e::{
    acd_call_and_a_second_phone, db, heard, power, silent, start_general_queue, stereo_tone_blocks,
    AgentPhone, Caller, Desk, Engine, Phone, Ringing, Talking, Tones, PATIENCE,
};
use serde_json::{json, Value};

const CALLER: f64 = 400.0;
const TARGET: f64 = 3000.0;
const AGENT: f64 = 2200.0;

fn start() -> (Engine, PathBuf) {
    start_general_queue(
        "hotline-transfer-e2e",
        &[("HOTLINE_SIP_USERS", "1001:secret,1002:secret")],
    )
}

async fn post(desk: &Desk, path: &str, body: Value) -> (u16, Value) {
    desk.post(&format!("/api/acd/me/call/{path}"), body).await
}

/// zhangmin talks with a caller from `number`; liqiang's phone is registered afterwards (so the
/// call was zhangmin's); zhangmin's desk.
async fn talking(engine: &Engine, number: &str) -> (Caller, AgentPhone, Talking, AgentPhone, Desk) {
    let (caller, agent, agent_call, target) = acd_call_and_a_second_phone(engine, number).await;
    let desk = Desk::login(engine, "zhangmin").await;
    (caller, agent, agent_call, target, desk)
}

async fn agent_id(engine: &Engine, login: &str) -> i64 {
    let pool = db(engine).await;
    sqlx::query_scalar("SELECT id FROM agents WHERE login = ?")
        .bind(login)
        .fetch_one(&pool)
        .await
        .unwrap()
}

/// zhangmin consults liqiang, whose phone answers.
async fn consult(desk: &Desk, liqiang: i64, target: &mut AgentPhone) -> Talking {
    let (status, body) = post(desk, "consult", json!({ "agent": liqiang })).await;
    assert_eq!(status, 200, "{body}");
    let ring: Ringing = target.rung(PATIENCE).await;
    target.answer(ring).await
}

/// The target answered (`ring`): zhangmin completes the transfer and is released; caller and
/// target hear each other; the target hangs up, the caller too; the record names both agents.
async fn complete_and_check(
    engine: &Engine,
    desk: &Desk,
    (mut caller, number): (Caller, &str),
    (agent, agent_call): (&mut AgentPhone, &Talking),
    (target, ring): (&mut AgentPhone, Ringing),
    liqiang: i64,
) {
    let mut target_call = target.answer(ring).await;
    assert_eq!(post(desk, "complete", json!({})).await.0, 200);
    assert!(
        agent.take_bye(agent_call, PATIENCE).await,
        "the agent is released"
    );
    {
        let mut two = Tones::new(
            &mut caller,
            CALLER,
            vec![Phone::of(target, &target_call, TARGET)],
        );
        two.settle("handed over", |h| {
            heard(&h.caller, TARGET) && heard(&h.phones[0], CALLER)
        })
        .await;
    }
    // zhangmin is in wrap-up, not on the call; liqiang is on it (the wallboard says so).
    let zhangmin = agent_id(engine, "zhangmin").await;
    desk.agent_in(zhangmin, "wrap_up").await;
    desk.agent_in(liqiang, "on_call").await;
    // The target hangs up: the caller goes on to the flow after the agent; then hangs up.
    assert_eq!(target.hang_up(&mut target_call).await, 200);
    // liqiang is ready again, as he was before the consultation.
    desk.agent_in(liqiang, "ready").await;
    caller.hang_up().await;
    let pool = db(engine).await;
    let (first, second): (Option<i64>, Option<i64>) =
        hotline_e2e::ended_call(&pool, "agent_id, transfer_agent_id", number).await;
    assert_eq!((first, second), (Some(zhangmin), Some(liqiang)));
}

#[tokio::test]
async fn consult_cancel_conference_and_the_agent_leaving_each_change_who_hears_whom() {
    let (engine, dir) = start();
    let liqiang = agent_id(&engine, "liqiang").await;
    let zhangmin = agent_id(&engine, "zhangmin").await;
    let number = "13933334444";
    let (mut caller, mut agent, agent_call, mut target, desk) = talking(&engine, number).await;

    let target_call = consult(&desk, liqiang, &mut target).await;
    let (a, t) = (0, 1);
    {
        let mut three = Tones::new(
            &mut caller,
            CALLER,
            vec![
                Phone::of(&agent, &agent_call, AGENT),
                Phone::of(&target, &target_call, TARGET),
            ],
        );
        // Consulting: agent and target talk; the caller hears neither, and is not heard.
        let h = three
            .settle("consult", |h| {
                heard(&h.phones[a], TARGET) && heard(&h.phones[t], AGENT)
            })
            .await;
        // The caller hears music on hold (broadband): neither tone stands out of it.
        let (pa, pt) = (power(&h.caller, AGENT), power(&h.caller, TARGET));
        eprintln!("held caller: agent tone {pa:.3e}, target tone {pt:.3e}");
        assert!(
            !heard(&h.caller, AGENT) && !heard(&h.caller, TARGET),
            "the caller is held: {pa:.3e} {pt:.3e}"
        );
        assert!(silent(&h.phones[a], CALLER) && silent(&h.phones[t], CALLER));
    }
    // Cancel: the target's leg ends, caller and agent talk again.
    assert_eq!(post(&desk, "cancel", json!({})).await.0, 200);
    assert!(
        target.take_bye(&target_call, PATIENCE).await,
        "the target's leg ends"
    );
    {
        let mut two = Tones::new(
            &mut caller,
            CALLER,
            vec![Phone::of(&agent, &agent_call, AGENT)],
        );
        two.settle("back with the agent", |h| {
            heard(&h.caller, AGENT) && heard(&h.phones[0], CALLER)
        })
        .await;
    }

    // Consult again, then a conference: all three hear each other.
    let target_call = consult(&desk, liqiang, &mut target).await;
    assert_eq!(post(&desk, "conference", json!({})).await.0, 200);
    {
        let mut three = Tones::new(
            &mut caller,
            CALLER,
            vec![
                Phone::of(&agent, &agent_call, AGENT),
                Phone::of(&target, &target_call, TARGET),
            ],
        );
        let h = three
            .settle("conference", |h| {
                heard(&h.caller, AGENT)
                    && heard(&h.caller, TARGET)
                    && heard(&h.phones[a], CALLER)
                    && heard(&h.phones[a], TARGET)
                    && heard(&h.phones[t], CALLER)
                    && heard(&h.phones[t], AGENT)
            })
            .await;
        assert!(
            silent(&h.caller, CALLER)
                && silent(&h.phones[a], AGENT)
                && silent(&h.phones[t], TARGET)
        );
    }
    // The agent leaves: caller and target stay.
    assert_eq!(post(&desk, "hangup", json!({})).await.0, 200);
    assert!(
        agent.take_bye(&agent_call, PATIENCE).await,
        "the agent's leg ends"
    );
    {
        let mut two = Tones::new(
            &mut caller,
            CALLER,
            vec![Phone::of(&target, &target_call, TARGET)],
        );
        let h = two
            .settle("caller and target", |h| {
                heard(&h.caller, TARGET) && heard(&h.phones[0], CALLER)
            })
            .await;
        assert!(silent(&h.caller, AGENT));
    }
    caller.hang_up().await;
    assert!(target.take_bye(&target_call, PATIENCE).await);
    let pool = db(&engine).await;
    let (first, second): (Option<i64>, Option<i64>) =
        hotline_e2e::ended_call(&pool, "agent_id, transfer_agent_id", number).await;
    assert_eq!((first, second), (Some(zhangmin), Some(liqiang)));
    // Both consultations were recorded with the call: zhangmin left, liqiang right.
    let (id,): (i64,) = hotline_e2e::ended_call(&pool, "id", number).await;
    let detail = desk.get(&format!("/api/calls/{id}")).await;
    let others = detail["other_recordings"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(others.len(), 2, "{detail}");
    for o in &others {
        assert_eq!(o["kind"], "consult", "{o}");
        let path = format!("/api/calls/{id}/recording?other={}", o["id"]);
        let samples = played_stereo(&desk, &path).await;
        let (agent_blocks, target_blocks) = stereo_tone_blocks(&samples, AGENT, TARGET, 1e10);
        assert!(
            agent_blocks >= 20 && target_blocks >= 20,
            "{path}: zhangmin's tone left in {agent_blocks} blocks, liqiang's right in {target_blocks}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The samples of the stereo WAV `path` serves to `desk`, once it holds more than a second.
async fn played_stereo(desk: &Desk, path: &str) -> Vec<i16> {
    let mut budget = hotline_e2e::Budget::new(PATIENCE);
    loop {
        let res = desk
            .http
            .get(format!("{}{path}", desk.base))
            .bearer_auth(&desk.token)
            .send()
            .await
            .expect("GET the recording");
        assert_eq!(res.status().as_u16(), 200, "{path}");
        let bytes = res.bytes().await.expect("the recording's bytes");
        let wav = hound::WavReader::new(std::io::Cursor::new(bytes.to_vec()))
            .ok()
            .filter(|r| r.len() > 8000);
        if let Some(r) = wav {
            assert_eq!(r.spec().channels, 2, "stereo");
            return r
                .into_samples::<i16>()
                .map(|s| s.expect("a sample"))
                .collect();
        }
        assert!(budget.tick().await, "{path} is finished");
    }
}

#[tokio::test]
async fn consult_then_complete_hands_the_caller_to_the_target() {
    let (engine, dir) = start();
    let liqiang = agent_id(&engine, "liqiang").await;
    let number = "13933335555";
    let (caller, mut agent, agent_call, mut target, desk) = talking(&engine, number).await;
    // Not answered yet: complete is refused (422 naming consult).
    let (status, _) = post(&desk, "consult", json!({ "agent": liqiang })).await;
    assert_eq!(status, 200);
    let ring = target.rung(PATIENCE).await;
    let (status, body) = post(&desk, "complete", json!({})).await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("consult")),
        "{body}"
    );
    complete_and_check(
        &engine,
        &desk,
        (caller, number),
        (&mut agent, &agent_call),
        (&mut target, ring),
        liqiang,
    )
    .await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn consulting_a_queue_rings_its_first_free_qualified_agent() {
    let (engine, dir) = start();
    let liqiang = agent_id(&engine, "liqiang").await;
    let number = "13933336666";
    let (caller, mut agent, agent_call, mut target, desk) = talking(&engine, number).await;
    let li_desk = Desk::login(&engine, "liqiang").await;
    desk.agent_in(liqiang, "ready").await;
    // An unknown queue names the field; nobody free is a 409, the caller still with the agent.
    let (status, body) = post(&desk, "consult", json!({ "queue": "nope" })).await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("queue")),
        "{body}"
    );
    let (status, body) = li_desk
        .set_state(json!({ "state": "not_ready", "reason": "meeting" }))
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = post(&desk, "consult", json!({ "queue": "general" })).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("no_free_agent")),
        "{body}"
    );
    // liqiang is ready again (general 7 ≥ 1): the queue's consultation rings him.
    let (status, body) = li_desk.set_state(json!({ "state": "ready" })).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = post(&desk, "consult", json!({ "queue": "general" })).await;
    assert_eq!(status, 200, "{body}");
    let ring = target.rung(PATIENCE).await;
    complete_and_check(
        &engine,
        &desk,
        (caller, number),
        (&mut agent, &agent_call),
        (&mut target, ring),
        liqiang,
    )
    .await;
    let _ = std::fs::remove_dir_all(&dir);
}
