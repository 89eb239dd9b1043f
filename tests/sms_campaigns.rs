//! Issue 21, item 6 through the real `hotline serve` and an SMSC simulator (the one
//! `hotline-sms`'s tests use, `crates/hotline-sms/tests/smsc_sim.py`: PDUs by the PyPI
//! `smpp34` codec, on loopback, port 0). An SMS campaign over the customers of a seeded
//! notice's district, made over the API with its template: every customer's text reaches the
//! SMSC whole (the notice's title and text in it), the SMSC's ids and the delivery receipts
//! are stored, the progress and the CSV export show them; a customer replies `退订` and their
//! number goes on the do-not-call list (source `sms`), and the next campaign to the same
//! district sends that number nothing, and a text whose receipt says undeliverable is due
//! again by the retry rules. With ticket texts on, a ticket's reporter gets one
//! text when it is dispatched and one when it is closed.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hotline_e2e::{Desk, Engine, PATIENCE};
use serde_json::{json, Value};

/// The simulator, its events (one JSON object a line) and its command line.
struct Smsc {
    child: Child,
    stdin: ChildStdin,
    events: Arc<Mutex<Vec<Value>>>,
    port: u16,
}

impl Drop for Smsc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Smsc {
    fn start() -> Smsc {
        let script = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/crates/hotline-sms/tests/smsc_sim.py"
        );
        let mut child = Command::new("python3")
            .arg(script)
            .args([
                "--port",
                "0",
                "--system-id",
                "hotline",
                "--password",
                "secret",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 runs the SMSC simulator");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let events = Arc::new(Mutex::new(Vec::new()));
        let sink = events.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { return };
                if let Ok(v) = serde_json::from_str::<Value>(&line) {
                    sink.lock().unwrap().push(v);
                }
            }
        });
        let mut smsc = Smsc {
            child,
            stdin,
            events,
            port: 0,
        };
        let listening = smsc.wait_for("listening", |v| v["ev"] == "listening");
        smsc.port = listening["port"].as_u64().unwrap() as u16;
        smsc
    }

    fn all(&self, what: impl Fn(&Value) -> bool) -> Vec<Value> {
        self.events
            .lock()
            .unwrap()
            .iter()
            .filter(|v| what(v))
            .cloned()
            .collect()
    }

    fn wait_for(&self, what: &str, test: impl Fn(&Value) -> bool) -> Value {
        let deadline = std::time::Instant::now() + PATIENCE;
        loop {
            if let Some(v) = self.all(&test).into_iter().next() {
                return v;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the SMSC never saw {what}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn command(&mut self, line: &str) {
        writeln!(self.stdin, "{line}").unwrap();
        self.stdin.flush().unwrap();
    }
}

async fn until(desk: &Desk, path: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let v = desk.get(path).await;
        if done(&v) || tokio::time::Instant::now() > deadline {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Makes and starts an SMS campaign over the customers of `notice`'s districts.
async fn notice_campaign(sup: &Desk, name: &str, notice: i64) -> (i64, u64) {
    let (status, made) = sup
        .post(
            "/api/campaigns",
            json!({
                "name": name,
                "kind": "notice",
                "mode": "ivr",
                "settings": {
                    "channel": "sms",
                    "window": ["00:00-24:00"],
                    "skip_holidays": false,
                    "attempts_per_sec": 20,
                    "sms": {"templates": {
                        "zh": "【供水热线】{name}您好：{notice}。{notice_text}（{district}）回复TD退订",
                        "en": "Water hotline: {notice} ({district}). Reply TD to stop."
                    }}
                },
                "list": {"rule": "notice", "notice_id": notice}
            }),
        )
        .await;
    assert_eq!(status, 201, "{made}");
    let id = made["campaign"]["id"].as_i64().unwrap();
    let added = made["list"]["added"].as_u64().unwrap();
    let (status, started) = sup
        .post(&format!("/api/campaigns/{id}/start"), json!({}))
        .await;
    assert_eq!(status, 200, "{started}");
    (id, added)
}

/// The campaign's targets once none is pending or under way.
async fn settled(sup: &Desk, id: i64) -> Vec<Value> {
    let targets = until(sup, &format!("/api/campaigns/{id}/targets"), |t| {
        t.as_array().is_some_and(|ts| {
            ts.iter()
                .all(|t| t["state"] != "pending" && t["state"] != "in_progress")
        })
    })
    .await;
    targets.as_array().unwrap().clone()
}

#[tokio::test]
async fn an_sms_campaign_reaches_a_district_with_receipts_and_a_reply_of_tuiding_is_honoured() {
    let mut smsc = Smsc::start();
    let port = smsc.port.to_string();
    let engine = Engine::start(&[
        ("HOTLINE_STORE_DEMO_CUSTOMERS", "40"),
        ("HOTLINE_SMS_HOST", "127.0.0.1"),
        ("HOTLINE_SMS_PORT", &port),
        ("HOTLINE_SMS_SYSTEM_ID", "hotline"),
        ("HOTLINE_SMS_PASSWORD", "secret"),
        ("HOTLINE_SMS_SOURCE", "96655"),
    ]);
    smsc.wait_for("the engine's bind", |v| {
        v["ev"] == "bind" && v["ok"] == true
    });
    let sup = Desk::login(&engine, "zhaolei").await;

    // A template with an unknown placeholder is refused, naming it.
    let (status, refused) = sup
        .post(
            "/api/campaigns",
            json!({"name": "bad", "kind": "notice", "mode": "ivr", "settings": {
                "channel": "sms", "sms": {"templates": {"zh": "{amount}元"}}}}),
        )
        .await;
    assert_eq!(status, 422, "{refused}");
    assert!(refused.to_string().contains("{amount}"), "{refused}");

    // The seeded notice whose districts have the most customers with a phone.
    let notices = sup.get("/api/notices").await;
    let mut best = None;
    for n in notices.as_array().expect("notices") {
        let id = n["id"].as_i64().unwrap();
        let rows = sup
            .post(
                "/api/campaigns",
                json!({"name": format!("probe {id}"), "kind": "notice", "mode": "ivr",
                       "flow": "notice", "list": {"rule": "notice", "notice_id": id}}),
            )
            .await
            .1;
        let added = rows["list"]["added"].as_u64().unwrap_or(0);
        if best.as_ref().is_none_or(|(_, a, _)| added > *a) {
            best = Some((id, added, n["title"].as_str().unwrap_or("").to_string()));
        }
    }
    let (notice, _, title) = best.expect("a seeded notice");

    let (first, added) = notice_campaign(&sup, "停水短信通知", notice).await;
    assert!(added >= 2, "the district has customers: {added}");
    let targets = settled(&sup, first).await;
    assert_eq!(targets.len() as u64, added);
    for t in &targets {
        // Submitted, or delivered already if its receipts came.
        assert_eq!(t["state"], "done", "{t}");
        assert!(
            ["submitted", "delivered"].contains(&t["last_result"].as_str().unwrap_or("")),
            "{t}"
        );
    }
    // The SMSC got each customer's text whole, decoded by its own codec.
    let numbers: BTreeSet<String> = targets
        .iter()
        .map(|t| t["number"].as_str().unwrap().to_string())
        .collect();
    for n in &numbers {
        let m = smsc.wait_for(&format!("the text to {n}"), |v| {
            v["ev"] == "message" && v["dest"] == n.as_str()
        });
        let text = m["text"].as_str().unwrap();
        assert!(text.contains(&title), "the notice's title in {text:?}");
    }
    let submits = smsc.all(|v| v["ev"] == "submit");
    assert!(submits.iter().all(|v| v["source"] == "96655"), "the sender");
    assert!(
        submits.iter().all(|v| v["registered_delivery"] == 1),
        "receipts asked for"
    );

    // The receipts make every text delivered; the figures and the export agree.
    let results = until(&sup, &format!("/api/campaigns/{first}/results"), |r| {
        r.as_array()
            .is_some_and(|ms| ms.iter().all(|m| m["status"] == "delivered"))
    })
    .await;
    let rows = results.as_array().unwrap();
    assert_eq!(rows.len() as u64, added, "{results:#}");
    for m in rows {
        assert_eq!(m["status"], "delivered", "{m}");
        let ids = m["smsc_ids"].as_str().unwrap();
        assert_eq!(ids.split(' ').count() as i64, m["parts"].as_i64().unwrap());
        assert!(ids.starts_with("SIM"), "{ids}");
    }
    let targets = sup.get(&format!("/api/campaigns/{first}/targets")).await;
    for t in targets.as_array().unwrap() {
        assert_eq!(
            t["last_result"], "delivered",
            "the target shows the receipt: {t}"
        );
    }
    // Done once the run has read the receipts (it waits for them).
    let c = until(&sup, &format!("/api/campaigns/{first}"), |c| {
        c["status"] == "done"
    })
    .await;
    assert_eq!(c["status"], "done", "{c:#}");
    assert_eq!(c["progress"]["sms_sent"].as_u64(), Some(added));
    assert_eq!(c["progress"]["sms_delivered"].as_u64(), Some(added));
    let csv = sup
        .http
        .get(format!(
            "{}/api/campaigns/{first}/results?format=csv",
            sup.base
        ))
        .bearer_auth(&sup.token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut lines = csv.trim_start_matches('\u{feff}').lines();
    assert!(lines.next().unwrap().starts_with("campaign,channel,"));
    assert_eq!(
        lines
            .filter(|l| l.contains(",sms,") && l.contains(",delivered,"))
            .count() as u64,
        added,
        "{csv}"
    );

    // A customer replies 退订 (from +86 …): on the do-not-call list.
    let quitter = numbers
        .iter()
        .find(|n| n.len() == 11 && n.starts_with('1'))
        .expect("a mobile among the customers")
        .clone();
    smsc.command(&format!("mo 86{quitter} 退订"));
    smsc.wait_for("the reply's answer", |v| {
        v["ev"] == "deliver_resp" && v["status"] == 0
    });
    let dnc = until(&sup, "/api/do-not-call", |d| {
        d.as_array()
            .is_some_and(|es| es.iter().any(|e| e["number"] == quitter.as_str()))
    })
    .await;
    let entry = dnc
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["number"] == quitter.as_str())
        .unwrap_or_else(|| panic!("{quitter} not on the list: {dnc:#}"))
        .clone();
    assert_eq!(entry["source"], "sms", "{entry}");

    // The next campaign to the district sends that number nothing; the SMSC cannot deliver
    // its first text, which is due again by retry.failed (5 minutes after the receipt).
    let before = smsc
        .all(|v| v["ev"] == "message" && v["dest"] == quitter.as_str())
        .len();
    smsc.command("undeliver 1");
    smsc.wait_for("undeliver in force", |v| {
        v["ev"] == "done" && v["command"] == "undeliver"
    });
    let (second, again) = notice_campaign(&sup, "停水短信通知（二）", notice).await;
    assert_eq!(again, added);
    settled(&sup, second).await;
    let targets = until(&sup, &format!("/api/campaigns/{second}/targets"), |t| {
        t.as_array()
            .is_some_and(|ts| ts.iter().any(|t| t["state"] == "due"))
    })
    .await;
    let targets = targets.as_array().unwrap();
    let undelivered = smsc.wait_for("the UNDELIV receipt", |v| {
        v["ev"] == "receipt_sent" && v["stat"] == "UNDELIV"
    });
    let mut due = 0;
    let mut due_at = None;
    for t in targets {
        let want = if t["number"] == quitter.as_str() {
            ("skipped", Some("do_not_call"))
        } else if t["state"] == "due" {
            due += 1;
            assert_eq!(t["last_result"], "undeliverable", "{t}");
            due_at = t["due_at"].as_i64();
            ("due", None)
        } else {
            ("done", None)
        };
        assert_eq!(
            (t["state"].as_str().unwrap(), t["skipped"].as_str()),
            want,
            "{t}"
        );
    }
    assert_eq!(due, 1, "one text undelivered: {undelivered}");
    let results = sup.get(&format!("/api/campaigns/{second}/results")).await;
    let statuses: Vec<&str> = results
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == "undeliverable").count(),
        1,
        "{statuses:?}"
    );
    let receipt_at = results
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["status"] == "undeliverable")
        .and_then(|m| m["final_at"].as_i64());
    assert_eq!(
        due_at,
        receipt_at.map(|at| at + 5 * 60_000),
        "due 5 minutes after the receipt: {results:#}"
    );
    let c = sup.get(&format!("/api/campaigns/{second}")).await;
    assert_eq!(c["status"], "running", "a retry is due: {c:#}");
    // Every other customer got a second text; the one who said 退订 did not.
    for n in numbers.iter().filter(|n| **n != quitter) {
        let deadline = std::time::Instant::now() + PATIENCE;
        while smsc
            .all(|v| v["ev"] == "message" && v["dest"] == n.as_str())
            .len()
            < 2
        {
            assert!(
                std::time::Instant::now() < deadline,
                "no second text to {n}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    assert_eq!(
        smsc.all(|v| v["ev"] == "message" && v["dest"] == quitter.as_str())
            .len(),
        before,
        "nothing more to the number on the list"
    );
}

#[tokio::test]
async fn a_tickets_reporter_is_texted_on_dispatch_and_close() {
    let smsc = Smsc::start();
    let port = smsc.port.to_string();
    let engine = Engine::start(&[
        ("HOTLINE_STORE_DEMO_CUSTOMERS", "5"),
        ("HOTLINE_SMS_HOST", "127.0.0.1"),
        ("HOTLINE_SMS_PORT", &port),
        ("HOTLINE_SMS_PASSWORD", "secret"),
        ("HOTLINE_SMS_TICKET_TEXTS", "true"),
        ("HOTLINE_SMS_TICKET_WINDOW", "00:00-24:00"),
    ]);
    smsc.wait_for("the engine's bind", |v| {
        v["ev"] == "bind" && v["ok"] == true
    });
    let desk = Desk::login(&engine, "zhaolei").await;
    let districts = desk.get("/api/districts").await;
    let district = districts.as_array().expect("districts")[0].clone();
    let (status, t) = desk
        .post(
            "/api/tickets",
            json!({"kind": "leak", "summary": "路面冒水", "address": "解放路1号",
                   "reporter_phone": "13812345678"}),
        )
        .await;
    assert_eq!(status, 201, "{t}");
    let id = t["id"].as_i64().unwrap();
    let (status, body) = desk
        .post(
            &format!("/api/tickets/{id}/transitions"),
            json!({"action": "dispatch", "district_id": district["id"]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let m = smsc.wait_for("the dispatch text", |v| {
        v["ev"] == "message" && v["dest"] == "13812345678"
    });
    let text = m["text"].as_str().unwrap();
    assert!(
        text.contains(&format!("工单{id}")) && text.contains(district["name"].as_str().unwrap()),
        "{text}"
    );
    for action in ["start", "reply", "close"] {
        let (status, body) = desk
            .post(
                &format!("/api/tickets/{id}/transitions"),
                json!({"action": action, "note": "已修复"}),
            )
            .await;
        assert_eq!(status, 200, "{action}: {body}");
    }
    smsc.wait_for("the close text", |v| {
        v["ev"] == "message"
            && v["dest"] == "13812345678"
            && v["text"].as_str().is_some_and(|t| t.contains("已处理完毕"))
    });
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        smsc.all(|v| v["ev"] == "message" && v["dest"] == "13812345678")
            .len(),
        2,
        "once each"
    );
}
