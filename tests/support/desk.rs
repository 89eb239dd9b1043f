//! An agent's desktop for end-to-end tests: logs a demo agent in to the engine's HTTP API
//! (password from `demo-agents.txt`), reads and changes ACD states, and reads the live event
//! stream (`/api/events`) the way the desktop page does (fetch with the token in a header).

use std::time::Duration;

use serde_json::{json, Value};

use crate::wait::Budget;
use crate::Engine;

/// An agent logged in to the HTTP API.
pub struct Desk {
    pub http: reqwest::Client,
    pub base: String,
    pub token: String,
}

impl Desk {
    /// Logs `login` in with the password the engine wrote to `demo-agents.txt`.
    pub async fn login(engine: &Engine, login: &str) -> Desk {
        let list = std::fs::read_to_string(engine.dir.join("data/demo-agents.txt"))
            .expect("demo-agents.txt");
        let password = list
            .lines()
            .map(|l| l.split('\t').collect::<Vec<_>>())
            .find(|f| f.len() == 3 && f[0] == login)
            .map(|f| f[2].to_string())
            .unwrap_or_else(|| panic!("{login} in demo-agents.txt"));
        Desk::login_with(engine, login, &password).await
    }

    /// Logs `login` in with `password`.
    pub async fn login_with(engine: &Engine, login: &str, password: &str) -> Desk {
        let base = format!("http://{}", engine.http.expect("the HTTP API is on"));
        let http = reqwest::Client::new();
        let res = http
            .post(format!("{base}/api/login"))
            .json(&json!({ "login": login, "password": password }))
            .send()
            .await
            .expect("POST /api/login");
        assert_eq!(res.status().as_u16(), 200, "{login} logs in");
        let body: Value = res.json().await.expect("login answer");
        let token = body["token"].as_str().expect("token").to_string();
        Desk { http, base, token }
    }

    pub async fn get(&self, path: &str) -> Value {
        let res = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("GET");
        assert_eq!(res.status().as_u16(), 200, "GET {path}");
        res.json().await.expect("JSON")
    }

    /// `POST path` with a JSON body: the status and the body.
    /// POST `text` as `text/csv` (a campaign's list): the status and the JSON answer.
    pub async fn post_csv(&self, path: &str, text: &str) -> (u16, Value) {
        let res = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .header("Content-Type", "text/csv")
            .body(text.to_string())
            .send()
            .await
            .expect("POST");
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    /// Makes campaign `campaign` (`POST /api/campaigns`), uploads its CSV `list` and starts
    /// it, as a supervisor does; its id. Panics when a step is refused.
    pub async fn start_campaign(&self, campaign: Value, list: &str) -> i64 {
        let (status, made) = self.post("/api/campaigns", campaign).await;
        assert_eq!(status, 201, "{made}");
        let id = made["campaign"]["id"].as_i64().expect("the campaign's id");
        let (status, report) = self
            .post_csv(&format!("/api/campaigns/{id}/targets"), list)
            .await;
        assert_eq!(status, 200, "{report}");
        let path = format!("/api/campaigns/{id}/start");
        let (status, started) = self.post(&path, serde_json::json!({})).await;
        assert_eq!(status, 200, "{started}");
        id
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let res = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .expect("POST");
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    /// `PUT /api/acd/me/state`: the status and the body.
    pub async fn set_state(&self, body: Value) -> (u16, Value) {
        let res = self
            .http
            .put(format!("{}/api/acd/me/state", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .expect("PUT /api/acd/me/state");
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    /// `GET /api/acd`'s entry for agent `id`.
    pub async fn agent(&self, id: i64) -> Value {
        let acd = self.get("/api/acd").await;
        acd["agents"]
            .as_array()
            .and_then(|a| a.iter().find(|a| a["id"] == id).cloned())
            .unwrap_or_else(|| panic!("agent {id} in GET /api/acd: {acd}"))
    }

    /// `GET /api/acd`'s entry for queue `name`.
    pub async fn queue(&self, name: &str) -> Value {
        let acd = self.get("/api/acd").await;
        acd["queues"]
            .as_array()
            .and_then(|q| q.iter().find(|q| q["name"] == name).cloned())
            .unwrap_or_else(|| panic!("queue {name} in GET /api/acd: {acd}"))
    }

    pub async fn queue_names(&self) -> Vec<String> {
        let acd = self.get("/api/acd").await;
        acd["queues"]
            .as_array()
            .map(|q| {
                q.iter()
                    .filter_map(|q| q["name"].as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Waits (at least [`crate::PATIENCE`] of un-stalled time) until agent `id` is in
    /// `state`; its snapshot.
    pub async fn agent_in(&self, id: i64, state: &str) -> Value {
        let mut budget = Budget::patient(Duration::ZERO);
        loop {
            let last = self.agent(id).await;
            if last["state"]["state"] == state {
                return last;
            }
            if !budget.tick().await {
                panic!("agent {id} did not become {state}: {last}");
            }
        }
    }
}

/// An open `/api/events` stream.
pub struct Events {
    res: reqwest::Response,
    buf: String,
}

impl Desk {
    /// Opens the live event stream.
    pub async fn events(&self) -> Events {
        self.stream("/api/events").await
    }

    /// Opens the Server-Sent Events stream at `path` (`/api/events`, `/api/crew/events`).
    pub async fn stream(&self, path: &str) -> Events {
        let res = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"));
        assert_eq!(res.status().as_u16(), 200, "GET {path}");
        Events {
            res,
            buf: String::new(),
        }
    }
}

impl Events {
    /// The next event within `wait` (of un-stalled time): its name and JSON data
    /// (keep-alives skipped).
    pub async fn next(&mut self, wait: Duration) -> Option<(String, Value)> {
        self.next_within(&mut Budget::new(wait)).await
    }

    async fn next_within(&mut self, budget: &mut Budget) -> Option<(String, Value)> {
        loop {
            while let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let mut event = String::new();
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        event = v.trim().to_string();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim());
                    }
                }
                if !event.is_empty() {
                    return Some((event, serde_json::from_str(&data).unwrap_or(Value::Null)));
                }
            }
            let chunk = match tokio::time::timeout(budget.step(), self.res.chunk()).await {
                Ok(r) => r.ok()??,
                Err(_) if budget.alive() => continue,
                Err(_) => return None,
            };
            self.buf.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    /// The next event named `name` (others are skipped) within `wait` (of un-stalled time):
    /// its JSON data.
    pub async fn next_named(&mut self, name: &str, wait: Duration) -> Option<Value> {
        let mut budget = Budget::new(wait);
        loop {
            let (event, data) = self.next_within(&mut budget).await?;
            if event == name {
                return Some(data);
            }
        }
    }
}
