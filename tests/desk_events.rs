//! The live event stream the agent desktop follows, against the real `hotline serve`: a
//! logged-in agent's stream starts with the overview, shows her going ready when her phone
//! registers, pops the screen when a caller the IVR identified is offered to her (caller,
//! account, queue, reason, IVR path, before or as her phone rings), then follows her through
//! the call (on call, wrap-up). The account the pop names is what the desktop then looks up.

use std::time::{Duration, Instant};

use hotline_e2e::{db, token, AgentPhone, Caller, Desk, Engine};

const FLOW: &str = r#"flow: main
languages: [zh, en]
start: find
nodes:
  find:
    lookup:
      what: customer_by_caller
      into: customer
      next: to_agent
      not_found: to_agent
      error: to_agent
  to_agent:
    transfer: { queue: general, reason: billing }
"#;

const QUEUES: &str = "[[acd.queues]]\nname = \"general\"\nskills = { general = 1 }\nring_secs = 10\nwrap_up_secs = 30\nannounce_secs = 0\n";

#[tokio::test]
async fn the_desktop_follows_the_agent_and_pops_the_caller() {
    let dir = std::env::temp_dir().join(format!("hotline-desk-{}", token()));
    let flows = dir.join("flows");
    std::fs::create_dir_all(&flows).unwrap();
    std::fs::write(flows.join("main.yaml"), FLOW).unwrap();
    let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ivr-flows/survey.yaml");
    std::fs::copy(shipped, flows.join("survey.yaml")).unwrap();
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
    ]);
    let pool = db(&engine).await;
    let (account, phone): (String, String) = sqlx::query_as(
        "SELECT c.account_no, p.phone FROM customers c JOIN customer_phones p ON p.customer_id = c.id \
         ORDER BY c.id LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .expect("a demo customer with a phone");
    let zhangmin: i64 = sqlx::query_scalar("SELECT id FROM agents WHERE login = 'zhangmin'")
        .fetch_one(&pool)
        .await
        .unwrap();

    let desk = Desk::login(&engine, "zhangmin").await;
    let mut events = desk.events().await;
    let overview = events
        .next_named("overview", Duration::from_secs(5))
        .await
        .expect("the stream starts with the overview");
    assert_eq!(overview["queues"][0]["name"], "general");

    let mut phone_of_agent = AgentPhone::registered(&engine, "1001", "secret").await;
    let ready = events
        .next_named("agent_state", Duration::from_secs(5))
        .await
        .expect("her state");
    assert_eq!(ready["agent"], zhangmin);
    assert_eq!(ready["state"]["state"], "ready", "{ready}");

    let _caller = Caller::place(&engine, &phone).await;
    // Reserved for the call, then the pop (overviews may come in between).
    let mut seen = Vec::new();
    let pop = loop {
        let (name, data) = events
            .next(Duration::from_secs(10))
            .await
            .expect("the screen pop");
        match name.as_str() {
            "offer" => break data,
            "agent_state" => seen.push(data["state"]["state"].as_str().unwrap_or("").to_string()),
            _ => {}
        }
    };
    let popped = Instant::now();
    assert_eq!(seen, ["reserved"], "reserved before the pop");
    let offer = phone_of_agent.rung(Duration::from_secs(10)).await;
    let rang = Instant::now();
    eprintln!(
        "screen pop event {} the INVITE by {:?}",
        if popped <= rang { "before" } else { "after" },
        rang.max(popped) - rang.min(popped)
    );
    assert_eq!(pop["agent"], zhangmin);
    assert_eq!(pop["caller"], phone.as_str());
    assert_eq!(pop["customer_account"], account.as_str());
    assert_eq!(pop["queue"], "general");
    assert_eq!(pop["reason"], "billing");
    assert_eq!(pop["callback"], false);
    assert!(
        pop["ivr_path"]
            .as_str()
            .is_some_and(|p| p.contains("main/find")),
        "{pop}"
    );
    assert_eq!(
        offer.invite.header("X-Hotline-Call").as_deref(),
        Some(pop["call"].to_string().as_str()),
        "the pop and the phone name the same call"
    );
    // The desktop looks the account up.
    let found = desk.get(&format!("/api/customers?account={account}")).await;
    assert_eq!(found[0]["account_no"], account.as_str());

    let mut talk = phone_of_agent.answer(offer).await;
    let on_call = events
        .next_named("agent_state", Duration::from_secs(5))
        .await
        .expect("on call");
    assert_eq!(on_call["state"]["state"], "on_call", "{on_call}");
    assert_eq!(phone_of_agent.hang_up(&mut talk).await, 200);
    let wrap = events
        .next_named("agent_state", Duration::from_secs(5))
        .await
        .expect("wrap-up");
    assert_eq!(wrap["state"]["state"], "wrap_up", "{wrap}");
    let _ = std::fs::remove_dir_all(&dir);
}
