//! A test UA standing in for the outbound route (the engine's campaign and callback calls):
//! the next INVITE it receives and the number dialled; waiting on an API answer; and an
//! engine whose outbound route is such a gateway, with zhangmin ready at her desk and phone
//! in `general` (the campaigns that reach agents start there).

use std::time::Duration;

use serde_json::Value;

use crate::{
    db, identify_and_queue_flow, start_with_flows, token, AgentPhone, Desk, Engine, Events, Got,
    Ua, PATIENCE,
};

/// An engine whose outbound route is `gw`, with queue `general` (no announcements, no
/// wrap-up), 5 demo customers, the flows `main` (identify, then `general`) and the campaign's
/// `flow` (`yaml`), and zhangmin logged in at her desk (its live events open) and on her
/// registered phone, ready.
pub struct AgentCampaign {
    pub engine: Engine,
    pub gw: Ua,
    pub zhangmin: i64,
    pub desk: Desk,
    pub events: Events,
    pub phone: AgentPhone,
}

impl AgentCampaign {
    pub async fn start(tag: &str, flow: &str, yaml: &str) -> AgentCampaign {
        let mut gw = Ua::udp("127.0.0.1:9".parse().expect("addr"), "gateway").await;
        let config = format!(
            "[acd]\ncallback_gateway = \"{}\"\n\n[[acd.queues]]\nname = \"general\"\n\
             skills = {{ general = 1 }}\nring_secs = 30\nwrap_up_secs = 0\nannounce_secs = 0\n",
            gw.local
        );
        let dir = std::env::temp_dir().join(format!("hotline-{tag}-{}", token()));
        let flows = dir.join("flows");
        std::fs::create_dir_all(&flows).expect("flows dir");
        let main = identify_and_queue_flow("general", "billing");
        std::fs::write(flows.join("main.yaml"), main).expect("main flow");
        std::fs::write(flows.join(format!("{flow}.yaml")), yaml).expect("campaign flow");
        std::fs::write(dir.join("hotline.toml"), config).expect("config");
        let engine = start_with_flows(&dir.join("hotline.toml"), &flows, "5");
        gw.engine = engine.udp;
        let pool = db(&engine).await;
        let zhangmin: i64 = sqlx::query_scalar("SELECT id FROM agents WHERE login = 'zhangmin'")
            .fetch_one(&pool)
            .await
            .expect("zhangmin");
        let desk = Desk::login(&engine, "zhangmin").await;
        let mut events = desk.events().await;
        let phone = AgentPhone::registered(&engine, "1001", "secret").await;
        let ready = events
            .next_named("agent_state", PATIENCE)
            .await
            .expect("her state");
        assert_eq!(ready["state"]["state"], "ready", "{ready}");
        AgentCampaign {
            engine,
            gw,
            zhangmin,
            desk,
            events,
            phone,
        }
    }
}

/// The next INVITE the gateway `gw` receives, and its dialled number (the Request-URI's
/// user); panics when none comes within [`PATIENCE`].
pub async fn next_invite(gw: &mut Ua) -> (Got, String) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let got = gw.recv(left).await.expect("a customer is called");
        if got.code() == 0 && got.request().method.as_str() == "INVITE" {
            let number = got
                .raw
                .strip_prefix("INVITE sip:")
                .and_then(|r| r.split('@').next())
                .expect("INVITE sip:number@")
                .to_string();
            return (got, number);
        }
    }
}

/// `GET path` as `desk` until `done` holds of the answer (or [`PATIENCE`] passes): the last
/// answer.
pub async fn get_until(desk: &Desk, path: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let v = desk.get(path).await;
        if done(&v) || tokio::time::Instant::now() > deadline {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
