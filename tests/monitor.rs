//! End-to-end supervision: a caller (400 Hz), agent zhangmin's phone (1400 Hz) and supervisor
//! zhaolei's phone (800 Hz) each send their tone; a Goertzel filter on what each receives
//! tells who hears whom while the supervisor listens, whispers, barges in and leaves, through
//! `PUT`/`DELETE /api/acd/agents/{id}/monitor`; each step (and the refusal of a supervisor
//! whose phone is offline) is in the audit trail; an agent may not monitor (403); the caller hanging up ends the supervisor's leg.

use std::path::PathBuf;

use hotline_e2e::{
    db, heard, prompt_ulaw as ulaw, silent, start_general_queue, AgentPhone, Caller, Desk, Engine,
    Phone, Tones, PATIENCE,
};
use serde_json::{json, Value};

const CALLER: f64 = 400.0;
const SUPERVISOR: f64 = 800.0;
const AGENT: f64 = 1400.0;

fn start() -> (Engine, PathBuf) {
    start_general_queue(
        "hotline-monitor-e2e",
        &[
            ("HOTLINE_MEDIA_RECORD", "false"),
            ("HOTLINE_SIP_USERS", "1001:secret,1002:secret,1009:secret"),
        ],
    )
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
    let (a, s) = (0, 1);
    {
        let mut three = Tones::new(
            &mut caller,
            CALLER,
            vec![
                Phone::of(&agent, &agent_call, AGENT),
                Phone::of(&sup, &sup_call, SUPERVISOR),
            ],
        );

        // Listen: the supervisor hears both; neither hears the supervisor.
        let h = three
            .settle("listen", |h| {
                heard(&h.phones[s], CALLER) && heard(&h.phones[s], AGENT)
            })
            .await;
        assert!(
            heard(&h.caller, AGENT) && heard(&h.phones[a], CALLER),
            "caller and agent talk"
        );
        assert!(
            silent(&h.caller, SUPERVISOR) && silent(&h.phones[a], SUPERVISOR),
            "nobody hears a listener"
        );
        assert!(
            silent(&h.phones[s], SUPERVISOR) && silent(&h.caller, CALLER),
            "nobody hears themselves"
        );

        // Whisper: the agent hears the supervisor, the caller does not.
        assert_eq!(put_monitor(&zhaolei, zhangmin, "whisper").await.0, 200);
        let h = three
            .settle("whisper", |h| heard(&h.phones[a], SUPERVISOR))
            .await;
        assert!(
            heard(&h.phones[a], CALLER),
            "the agent still hears the caller"
        );
        assert!(
            silent(&h.caller, SUPERVISOR),
            "the caller does not hear a whisper"
        );
        assert!(
            heard(&h.caller, AGENT) && heard(&h.phones[s], CALLER) && heard(&h.phones[s], AGENT)
        );

        // Barge: all three.
        assert_eq!(put_monitor(&zhaolei, zhangmin, "barge").await.0, 200);
        let h = three
            .settle("barge", |h| heard(&h.caller, SUPERVISOR))
            .await;
        assert!(
            heard(&h.caller, AGENT)
                && heard(&h.phones[a], SUPERVISOR)
                && heard(&h.phones[a], CALLER)
        );
        assert!(
            silent(&h.caller, CALLER)
                && silent(&h.phones[a], AGENT)
                && silent(&h.phones[s], SUPERVISOR)
        );
    }

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
        sup.take_bye(&sup_call, PATIENCE).await,
        "the supervisor's leg ends"
    );
    {
        let mut two = Tones::new(
            &mut caller,
            CALLER,
            vec![Phone::of(&agent, &agent_call, AGENT)],
        );
        let h = two
            .settle("bridged again", |h| {
                heard(&h.caller, AGENT) && heard(&h.phones[0], CALLER)
            })
            .await;
        assert!(silent(&h.caller, SUPERVISOR));
    }

    // Monitor again, then the caller hangs up: the supervisor's phone gets a BYE.
    assert_eq!(put_monitor(&zhaolei, zhangmin, "listen").await.0, 200);
    let ring = sup.rung(PATIENCE).await;
    let again = sup.answer(ring).await;
    caller.hang_up().await;
    assert!(
        sup.take_bye(&again, PATIENCE).await,
        "the caller's end ends the monitoring"
    );
    assert!(agent.take_bye(&agent_call, PATIENCE).await);

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
