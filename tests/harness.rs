//! The test support library itself: every process a test starts is killed however the test
//! ends (a panic, an engine that never gets ready), the waits survive a machine that stalls in
//! the middle of a call (the engine stopped with SIGSTOP for 15 s), and a test can wait for the
//! next occurrence of a log line rather than find the first one again.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::process::Command;
use std::time::{Duration, Instant};

use hotline_e2e::{
    db, ended_call, process_exists, prompt_ulaw as ulaw, start_queue_engine, AgentPhone, Caller,
    ChildGuard, Engine, PATIENCE,
};

/// The panic message of a caught panic.
fn message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

#[test]
fn an_engine_is_killed_when_its_test_panics() {
    let mut pid = 0;
    let failed = catch_unwind(AssertUnwindSafe(|| {
        let engine = Engine::start(&[]);
        pid = engine.pid();
        assert!(process_exists(pid));
        panic!("the test fails with the engine running");
    }));
    assert!(failed.is_err());
    assert!(pid != 0, "the engine started");
    assert!(!process_exists(pid), "engine {pid} left running");
}

#[test]
fn an_engine_that_never_gets_ready_is_killed() {
    // A stand-in that starts and never prints the ready line.
    let dir = std::env::temp_dir().join(format!("hotline-harness-{}", hotline_e2e::token()));
    std::fs::create_dir_all(&dir).unwrap();
    let fake = dir.join("hotline");
    std::fs::write(
        &fake,
        "#!/bin/sh\necho \"fake engine pid $$\"\nexec sleep 600\n",
    )
    .unwrap();
    let chmod = Command::new("chmod").arg("+x").arg(&fake).status().unwrap();
    assert!(chmod.success());
    let failed = catch_unwind(AssertUnwindSafe(|| {
        Engine::start_binary(&fake, &[], Duration::from_secs(1))
    }));
    let said = message(failed.err().expect("no ready line: the start fails"));
    assert!(said.contains("did not report its SIP ports"), "{said}");
    let pid: u32 = said
        .split("fake engine pid ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("the fake's pid in {said:?}"));
    assert!(!process_exists(pid), "the fake engine {pid} left running");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn any_child_under_a_guard_is_killed_on_a_panic() {
    let mut pid = 0;
    let failed = catch_unwind(AssertUnwindSafe(|| {
        let child = ChildGuard::spawn(Command::new("sleep").arg("600"), "sleep").unwrap();
        pid = child.id();
        panic!("the test fails");
    }));
    assert!(failed.is_err());
    assert!(pid != 0 && !process_exists(pid), "sleep {pid} left running");
}

const QUEUES: &str = "[[acd.queues]]\nname = \"general\"\nskills = { general = 1 }\nring_secs = 10\nwrap_up_secs = 0\nannounce_secs = 30\n";

#[tokio::test]
async fn next_log_line_waits_for_a_new_line() {
    let (engine, dir) = start_queue_engine("hotline-harness-log", QUEUES, &[]);
    let mut cursor = engine.log_cursor();
    for round in 1..=2 {
        // A changed file each time (an unchanged one is "unchanged", not "applied").
        let queues = QUEUES.replace("ring_secs = 10", &format!("ring_secs = {}", 10 + round));
        std::fs::write(dir.join("hotline.toml"), queues).unwrap();
        engine.sighup();
        engine
            .next_log_line(&mut cursor, "ACD queues applied")
            .await;
        let applied = engine
            .drain_log()
            .iter()
            .filter(|l| l.contains("ACD queues applied"))
            .count();
        // Each wait returned a line of its own reload: the second did not find the first
        // line again (it would have returned before the engine read the second SIGHUP).
        assert_eq!(applied, 1, "round {round}");
    }
    // `log_line` finds any line so far, the first one included.
    let mut seen = Vec::new();
    assert!(engine
        .log_line(&mut seen, "ACD queues applied")
        .await
        .contains("applied"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A caller waits in the queue when the machine stalls: the engine is stopped for 15 s while
/// the agent's phone is registering. The REGISTER is answered after the stall (the old 5 s
/// wait failed here), and the call goes on: the agent is rung, answers, the caller hears the
/// staff number, the record is complete with the stall in the wait.
#[tokio::test]
async fn a_call_survives_the_engine_stopped_for_15_s() {
    const STALL: Duration = Duration::from_secs(15);
    let (engine, dir) = start_queue_engine("hotline-harness-stall", QUEUES, &[]);
    let pool = db(&engine).await;
    let mut c = Caller::place(&engine, "13900008888").await;
    for name in ["queue_position_before", "digit_1", "queue_position_after"] {
        c.expect(name, &ulaw("zh", name), None).await;
    }

    let mut phone = AgentPhone::new(&engine, "1001").await;
    engine.pause();
    let stopped = Instant::now();
    let registering = tokio::spawn(async move {
        let code = phone.register("secret").await;
        (phone, code)
    });
    tokio::time::sleep(STALL).await;
    assert!(
        hotline_e2e::wait::stopped(engine.pid()),
        "the engine was stopped all along"
    );
    if registering.is_finished() {
        let how = match registering.await {
            Ok((_, code)) => format!("answered {code}"),
            Err(e) => format!("failed: {e}"),
        };
        panic!("the REGISTER wait ended while the engine was stopped: {how}");
    }
    engine.resume();
    let (mut phone, code) = registering.await.expect("the registering task");
    assert_eq!(code, 200);
    assert!(stopped.elapsed() >= STALL);

    let offer = phone.rung(PATIENCE).await;
    assert_eq!(offer.caller, "13900008888");
    let talk = phone.answer(offer).await;
    c.expect("agent_intro", &ulaw("zh", "agent_intro"), None)
        .await;
    for d in "1023".chars() {
        let name = format!("digit_{d}");
        c.expect(&name, &ulaw("zh", &name), None).await;
    }
    c.hang_up().await;
    assert!(phone.take_bye(&talk, PATIENCE).await);
    let (queue, disposition, wait_ms): (Option<String>, Option<String>, Option<i64>) =
        ended_call(&pool, "queue, disposition, wait_ms", "13900008888").await;
    assert_eq!(queue.as_deref(), Some("general"));
    assert_eq!(disposition.as_deref(), Some("answered"));
    assert!(
        wait_ms.is_some_and(|w| w >= STALL.as_millis() as i64),
        "the stall is in the wait: {wait_ms:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
