//! End-to-end transfers from an agent's softphone (REFER, RFC 3515; Replaces, RFC 3891): the
//! phone's transfer key does what the desk does. Blind: zhangmin's phone refers the caller to
//! liqiang (1002): the engine answers 202, reports NOTIFY `SIP/2.0 200 OK`, ends zhangmin's
//! leg, rings liqiang, and the caller talks with liqiang. Attended: zhangmin's phone calls
//! liqiang through the engine, then refers the caller replacing that call: the caller is
//! bridged with liqiang's phone and both of zhangmin's calls end. Bad Refer-To: 400, the call
//! goes on; a refused target (an emergency number): NOTIFY 403, the call goes on. The call
//! records name both agents. Who hears whom: Goertzel on tones (caller 400 Hz, liqiang
//! 3000 Hz).

use std::path::PathBuf;

use hotline_e2e::{
    acd_call_and_a_second_phone, db, ended_call, heard, start_general_queue, AgentPhone, Caller,
    Desk, Engine, Got, Phone, Talking, Tones, PATIENCE,
};

const CALLER: f64 = 400.0;
const TARGET: f64 = 3000.0;

fn start() -> (Engine, PathBuf) {
    start_general_queue(
        "hotline-refer-e2e",
        &[
            ("HOTLINE_MEDIA_RECORD", "false"),
            ("HOTLINE_SIP_USERS", "1001:secret,1002:secret"),
        ],
    )
}

/// zhangmin (1001) talks with a caller; liqiang's phone (1002) is registered afterwards.
async fn talking(engine: &Engine, number: &str) -> (Caller, AgentPhone, Talking, AgentPhone) {
    let (caller, agent, agent_call, target) = acd_call_and_a_second_phone(engine, number).await;
    // Registered phones go ready: liqiang's desk makes her not ready, so that only the
    // transfer rings her.
    let liqiang = Desk::login(engine, "liqiang").await;
    let (status, body) = liqiang
        .set_state(serde_json::json!({"state": "not_ready", "reason": "break"}))
        .await;
    assert_eq!(status, 200, "{body}");
    (caller, agent, agent_call, target)
}

/// The phone sends a REFER on `call` with `refer_to` (the header's value); the answer.
async fn refer(phone: &mut AgentPhone, call: &mut Talking, refer_to: &str) -> Got {
    call.cseq += 1;
    let req = phone.ua.in_dialog(
        "REFER",
        call.cseq,
        &call.call_id,
        &call.tag,
        &call.caller,
        &call.engine_tag,
    );
    let req = req.replacen(
        "Content-Length: 0\r\n",
        &format!("Refer-To: {refer_to}\r\nContent-Length: 0\r\n"),
        1,
    );
    phone.ua.send(&req).await;
    loop {
        let got = phone
            .ua
            .recv(PATIENCE)
            .await
            .expect("an answer to the REFER");
        if got.code() >= 200 && got.header("CSeq").is_some_and(|c| c.ends_with("REFER")) {
            return got;
        }
    }
}

/// The engine's NOTIFYs on the phone's dialog until a final sipfrag: answered 200, the last
/// sipfrag's status line returned.
async fn final_notify(phone: &mut AgentPhone) -> String {
    loop {
        let got = phone.ua.recv(PATIENCE).await.expect("a NOTIFY");
        if got.code() != 0 || got.request().method.as_str() != "NOTIFY" {
            continue;
        }
        assert_eq!(
            got.header("Event")
                .as_deref()
                .map(|e| e.starts_with("refer")),
            Some(true)
        );
        let ok = phone.ua.answer(&got, 200, "OK", "", None);
        phone.ua.send(&ok).await;
        let frag = String::from_utf8_lossy(&got.request().common.body).to_string();
        if got
            .header("Subscription-State")
            .is_some_and(|s| s.starts_with("terminated"))
        {
            return frag.lines().next().unwrap_or("").to_string();
        }
    }
}

async fn caller_and_target_talk(caller: &mut Caller, target: &AgentPhone, call: &Talking) {
    let mut two = Tones::new(caller, CALLER, vec![Phone::of(target, call, TARGET)]);
    two.settle("caller and target", |h| {
        heard(&h.caller, TARGET) && heard(&h.phones[0], CALLER)
    })
    .await;
}

async fn both_agents(engine: &Engine, number: &str) -> (Option<i64>, Option<i64>, i64, i64) {
    let pool = db(engine).await;
    let id = |login: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT id FROM agents WHERE login = ?")
                .bind(login)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    let (first, second): (Option<i64>, Option<i64>) =
        ended_call(&pool, "agent_id, transfer_agent_id", number).await;
    (first, second, id("zhangmin").await, id("liqiang").await)
}

#[tokio::test]
async fn a_blind_refer_from_the_agents_phone() {
    let (engine, dir) = start();
    let number = "13944445555";
    let (mut caller, mut agent, mut agent_call, mut target) = talking(&engine, number).await;

    // Bad Refer-To: 400, the call goes on.
    let got = refer(&mut agent, &mut agent_call, "garbage").await;
    assert_eq!(got.code(), 400, "{}", got.raw);
    // An emergency number: accepted, then refused by the dial rules in the NOTIFY.
    let got = refer(&mut agent, &mut agent_call, "<sip:110@127.0.0.1>").await;
    assert_eq!(got.code(), 202, "{}", got.raw);
    assert_eq!(final_notify(&mut agent).await, "SIP/2.0 403 Forbidden");

    let got = refer(&mut agent, &mut agent_call, "<sip:1002@127.0.0.1>").await;
    assert_eq!(got.code(), 202, "{}", got.raw);
    assert_eq!(final_notify(&mut agent).await, "SIP/2.0 200 OK");
    assert!(
        agent.take_bye(&agent_call, PATIENCE).await,
        "zhangmin's leg ends"
    );
    let ring = target.rung(PATIENCE).await;
    let mut target_call = target.answer(ring).await;
    caller_and_target_talk(&mut caller, &target, &target_call).await;
    assert_eq!(target.hang_up(&mut target_call).await, 200);
    caller.hang_up().await;
    let (first, second, zhangmin, liqiang) = both_agents(&engine, number).await;
    assert_eq!((first, second), (Some(zhangmin), Some(liqiang)));
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn an_attended_refer_with_replaces() {
    let (engine, dir) = start();
    let number = "13944446666";
    let (mut caller, mut agent, mut agent_call, mut target) = talking(&engine, number).await;
    // zhangmin's phone calls liqiang through the engine; liqiang answers. (What the engine
    // sent the phone so far, its ACK, is read first.)
    while agent
        .ua
        .recv(std::time::Duration::from_millis(300))
        .await
        .is_some()
    {}
    let (consult, target_call) = tokio::join!(agent.ua.call_answered("1002"), async {
        let ring = target.rung(PATIENCE).await;
        target.answer(ring).await
    });
    let replaces = format!(
        "{}%3Bto-tag%3D{}%3Bfrom-tag%3D{}",
        consult.call_id.replace('@', "%40"),
        consult.to_tag,
        consult.from_tag
    );
    let got = refer(
        &mut agent,
        &mut agent_call,
        &format!("<sip:1002@127.0.0.1?Replaces={replaces}>"),
    )
    .await;
    assert_eq!(got.code(), 202, "{}", got.raw);
    assert_eq!(final_notify(&mut agent).await, "SIP/2.0 200 OK");
    assert!(
        agent.take_bye(&agent_call, PATIENCE).await,
        "zhangmin's leg with the caller ends"
    );
    caller_and_target_talk(&mut caller, &target, &target_call).await;
    caller.hang_up().await;
    let (first, second, zhangmin, liqiang) = both_agents(&engine, number).await;
    assert_eq!((first, second), (Some(zhangmin), Some(liqiang)));
    let _ = std::fs::remove_dir_all(&dir);
}
