//! Webhooks through a crash: the real engine delivers each ticket event to a receiver that
//! first answers 500, then hangs, then closes the connection, then answers 2xx; in the middle
//! of a burst of 500 dispatches through the API the engine is killed with SIGKILL and started
//! again on the same data. Every dispatch the API acknowledged has its event, the receiver
//! ends up with every event of the outbox exactly once by event id (a redelivery after the
//! crash carries the same id and the same body), and every signature verifies with the
//! receiver's own HMAC-SHA256. On SQLite always, and on PostgreSQL (a database of its own,
//! dropped after) when HOTLINE_TEST_PG holds a URL.

use hmac::{Hmac, KeyInit, Mac};
use hotline_e2e::Engine;
use serde_json::{json, Value};
use sha2::Sha256;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const SECRET: &str = "outbox-test-secret-0123456789";
const DISPATCHES: usize = 500;
const KILL_AFTER: usize = 200;
const WRITERS: usize = 8;

/// What the receiver saw: one entry per request that reached it with a whole body.
#[derive(Default)]
struct Seen {
    requests: usize,
    /// (event id, body, signature valid) of the requests answered 2xx.
    accepted: Vec<(String, String, bool)>,
    /// Requests refused on purpose (500, hang, close).
    refused: usize,
}

fn verify(sig: &str, body: &[u8]) -> bool {
    let Some(hex) = sig.strip_prefix("sha256=") else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()) else {
        return false;
    };
    mac.update(body);
    let want: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    want == hex
}

/// Reads one HTTP request: (headers lower-cased, body); `None` if the peer went away.
async fn read_request(s: &mut TcpStream) -> Option<(HashMap<String, String>, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let n = s.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut headers = HashMap::new();
    for line in head.lines().skip(1) {
        if let Some((k, v)) = line.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    let len: usize = headers.get("content-length")?.parse().ok()?;
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < len {
        let n = s.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some((headers, body))
}

/// The receiver: request 1 and 2 answered 500, 3 left hanging, 4 closed unanswered, every
/// later one 200 (keep-alive).
async fn receiver(listener: TcpListener, seen: Arc<Mutex<Seen>>) {
    loop {
        let Ok((mut s, _)) = listener.accept().await else {
            return;
        };
        let seen = seen.clone();
        tokio::spawn(async move {
            while let Some((headers, body)) = read_request(&mut s).await {
                let n = {
                    let mut g = seen.lock().unwrap_or_else(|e| e.into_inner());
                    g.requests += 1;
                    g.requests
                };
                match n {
                    1 | 2 => {
                        seen.lock().unwrap_or_else(|e| e.into_inner()).refused += 1;
                        let _ = s
                            .write_all(
                                b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\n\r\n",
                            )
                            .await;
                    }
                    3 => {
                        seen.lock().unwrap_or_else(|e| e.into_inner()).refused += 1;
                        tokio::time::sleep(Duration::from_secs(30)).await;
                        return;
                    }
                    4 => {
                        seen.lock().unwrap_or_else(|e| e.into_inner()).refused += 1;
                        return; // closed without an answer
                    }
                    _ => {
                        let id = headers.get("x-hotline-event").cloned().unwrap_or_default();
                        let ok = headers
                            .get("x-hotline-signature")
                            .is_some_and(|sig| verify(sig, &body));
                        let text = String::from_utf8_lossy(&body).to_string();
                        seen.lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .accepted
                            .push((id, text, ok));
                        if s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
                            .await
                            .is_err()
                        {
                            return;
                        }
                    }
                }
            }
        });
    }
}

fn start(dir: &Path, config: &Path, store_url: &str) -> Engine {
    Engine::start(&[
        ("HOTLINE_CONFIG", config.to_str().expect("utf-8 path")),
        (
            "HOTLINE_DATA_DIR",
            dir.join("data").to_str().expect("utf-8 path"),
        ),
        ("HOTLINE_STORE_URL", store_url),
        ("HOTLINE_STORE_DEMO_CUSTOMERS", "5"),
    ])
}

fn password(dir: &Path, login: &str) -> String {
    let list = std::fs::read_to_string(dir.join("data/demo-agents.txt")).expect("demo-agents.txt");
    list.lines()
        .map(|l| l.split('\t').collect::<Vec<_>>())
        .find(|f| f.first() == Some(&login))
        .and_then(|f| f.get(2).map(|p| p.to_string()))
        .expect("the agent's password")
}

async fn login(http: &reqwest::Client, base: &str, dir: &Path) -> String {
    let a: Value = http
        .post(format!("{base}/api/login"))
        .json(&json!({"login": "zhangmin", "password": password(dir, "zhangmin")}))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("login JSON");
    a["token"].as_str().expect("token").to_string()
}

/// Opens and dispatches one ticket; `Some(ticket id)` when the API acknowledged the dispatch.
async fn dispatch_one(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    district: i64,
    i: usize,
) -> Option<i64> {
    let t: Value = http
        .post(format!("{base}/api/tickets"))
        .bearer_auth(token)
        .json(&json!({"kind": "repair", "summary": format!("burst {i}"), "address": format!("解放路{i}号")}))
        .send()
        .await
        .ok()?
        .json()
        .await
        .ok()?;
    let id = t["id"].as_i64()?;
    let res = http
        .post(format!("{base}/api/tickets/{id}/transitions"))
        .bearer_auth(token)
        .json(&json!({"action": "dispatch", "district_id": district}))
        .send()
        .await
        .ok()?;
    (res.status().as_u16() == 200).then_some(id)
}

/// Dispatches tickets `from..to` with a few writers, each stopping at its first failure (the
/// engine killed); the acknowledged ticket ids, in no order, and how many were tried.
async fn burst(
    base: String,
    token: String,
    district: i64,
    from: usize,
    to: usize,
) -> (Vec<i64>, usize) {
    let http = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(20))
        .build()
        .expect("client");
    let next = Arc::new(Mutex::new(from));
    let acked = Arc::new(Mutex::new(Vec::new()));
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..WRITERS {
        let (http, base, token, next, acked) = (
            http.clone(),
            base.clone(),
            token.clone(),
            next.clone(),
            acked.clone(),
        );
        set.spawn(async move {
            loop {
                let i = {
                    let mut n = next.lock().unwrap_or_else(|e| e.into_inner());
                    if *n >= to {
                        return;
                    }
                    *n += 1;
                    *n - 1
                };
                match dispatch_one(&http, &base, &token, district, i).await {
                    Some(id) => acked.lock().unwrap_or_else(|e| e.into_inner()).push(id),
                    // The engine is gone (killed): this writer stops.
                    None => return,
                }
            }
        });
    }
    while set.join_next().await.is_some() {}
    let acked = acked.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let sent = *next.lock().unwrap_or_else(|e| e.into_inner()) - from;
    (acked, sent)
}

fn kill_9(pid: u32) {
    let st = std::process::Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .expect("kill");
    assert!(st.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_event_reaches_the_receiver_once_by_id_through_a_kill_9() {
    sqlx::any::install_default_drivers();
    let dir: PathBuf = std::env::temp_dir().join(format!(
        "hotline-outbox-{}-{}",
        std::process::id(),
        rand::random::<u32>()
    ));
    std::fs::create_dir_all(&dir).expect("scratch");
    let sqlite = format!("sqlite:{}", dir.join("data/hotline.db").display());
    through_a_kill_9(&dir, "", &sqlite).await;
    let _ = std::fs::remove_dir_all(&dir);

    let Some(pg) = std::env::var("HOTLINE_TEST_PG")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        return;
    };
    let name = format!(
        "outbox_{}_{:08x}",
        std::process::id(),
        rand::random::<u32>()
    );
    let admin = sqlx::AnyPool::connect(&pg).await.expect("postgres");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&admin)
        .await
        .expect("create database");
    let (base, _) = pg.rsplit_once('/').expect("a database in the URL");
    let url = format!("{base}/{name}");
    std::fs::create_dir_all(&dir).expect("scratch");
    through_a_kill_9(&dir, &url, &url).await;
    let _ = std::fs::remove_dir_all(&dir);
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE {name} WITH (FORCE)"
    )))
    .execute(&admin)
    .await
    .expect("drop database");
}

/// The test on one store: `engine_url` for the engine ("" = its SQLite in `dir`), `read_url`
/// for the test's own reads of the outbox.
async fn through_a_kill_9(dir: &Path, engine_url: &str, read_url: &str) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let seen = Arc::new(Mutex::new(Seen::default()));
    tokio::spawn(receiver(listener, seen.clone()));
    let config = dir.join("hotline.toml");
    std::fs::write(
        &config,
        format!(
            "[[tickets.webhooks]]\nname = \"work-management\"\nurl = \"http://127.0.0.1:{port}/hooks/tickets\"\n\
             secret = \"{SECRET}\"\nmax_attempts = 1000\ntimeout_secs = 1\n"
        ),
    )
    .expect("config");

    let engine = start(dir, &config, engine_url);
    let base = format!("http://{}", engine.http.expect("http"));
    let http = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client");
    let token = login(&http, &base, dir).await;
    let districts: Value = http
        .get(format!("{base}/api/districts"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("districts")
        .json()
        .await
        .expect("districts JSON");
    let district = districts[0]["id"].as_i64().expect("a district");

    // The first part of the burst, then SIGKILL with writers still going.
    let writers = tokio::spawn(burst(base.clone(), token.clone(), district, 0, DISPATCHES));
    let started = Instant::now();
    let pool = sqlx::AnyPool::connect(read_url).await.expect("db");
    loop {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox")
            .fetch_one(&pool)
            .await
            .expect("count");
        if n as usize >= KILL_AFTER {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the burst is too slow: {n} events"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let delivered_before: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM outbox_deliveries WHERE status = 'delivered'")
            .fetch_one(&pool)
            .await
            .expect("count");
    kill_9(engine.pid());
    let (acked_before, sent_before) = writers.await.expect("writers");
    drop(engine);
    println!(
        "killed after {} acknowledged dispatches ({} sent), {delivered_before} deliveries recorded",
        acked_before.len(),
        sent_before
    );
    assert!(
        acked_before.len() >= KILL_AFTER / 2,
        "{}",
        acked_before.len()
    );
    assert!(sent_before < DISPATCHES, "the kill came after the burst");

    // Started again on the same data: the rest of the burst.
    let engine = start(dir, &config, engine_url);
    let base = format!("http://{}", engine.http.expect("http"));
    let token = login(&http, &base, dir).await;
    let (acked_after, _) = burst(
        base.clone(),
        token.clone(),
        district,
        sent_before,
        DISPATCHES,
    )
    .await;
    let acked: HashSet<i64> = acked_before.iter().chain(&acked_after).copied().collect();

    // A second SIGKILL while the deliveries are going out, and a second start.
    let all: usize = sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM outbox")
        .fetch_one(&pool)
        .await
        .expect("n") as usize;
    let deadline = Instant::now() + Duration::from_secs(120);
    let delivered_at_kill = loop {
        let n = seen
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .accepted
            .len();
        if n >= all / 3 {
            break n;
        }
        assert!(
            Instant::now() < deadline,
            "{n} of {all} delivered before the second kill"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    kill_9(engine.pid());
    drop(engine);
    println!("second kill with {delivered_at_kill} of {all} events taken by the receiver");
    let engine = start(dir, &config, engine_url);

    // Every acknowledged dispatch has its event; wait until every event is delivered.
    let events: Vec<(String, i64, String)> = sqlx::query_as(
        "SELECT event_id, ticket_id, payload FROM outbox WHERE kind = 'dispatch' ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .expect("events");
    let with_event: HashSet<i64> = events.iter().map(|(_, t, _)| *t).collect();
    let missing: Vec<&i64> = acked.iter().filter(|t| !with_event.contains(t)).collect();
    assert!(
        missing.is_empty(),
        "acknowledged dispatches without an event: {missing:?}"
    );
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let got: HashSet<String> = seen
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .accepted
            .iter()
            .map(|(id, _, _)| id.clone())
            .collect();
        if got.len() >= all {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{} of {all} events delivered",
            got.len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Settle: nothing more should come.
    tokio::time::sleep(Duration::from_millis(800)).await;

    let (refused, accepted) = {
        let g = seen.lock().unwrap_or_else(|e| e.into_inner());
        (g.refused, g.accepted.clone())
    };
    assert_eq!(refused, 4, "500, 500, hang, close");
    assert!(
        accepted.iter().all(|(_, _, ok)| *ok),
        "a signature did not verify"
    );
    let mut by_id: HashMap<&str, (&str, usize)> = HashMap::new();
    for (id, body, _) in &accepted {
        let e = by_id.entry(id.as_str()).or_insert((body.as_str(), 0));
        assert_eq!(e.0, body.as_str(), "event {id} came with two bodies");
        e.1 += 1;
    }
    let stored: HashMap<&str, &str> = events
        .iter()
        .map(|(id, _, p)| (id.as_str(), p.as_str()))
        .collect();
    for (id, payload) in &stored {
        let (body, _) = by_id
            .get(id)
            .unwrap_or_else(|| panic!("event {id} never delivered"));
        assert_eq!(
            body, payload,
            "event {id}: the body is not the stored event"
        );
        let v: Value = serde_json::from_str(body).expect("JSON");
        assert_eq!(v["event_id"], *id);
        assert_eq!(v["type"], "ticket.dispatch");
    }
    assert_eq!(
        by_id.len(),
        all,
        "events received by id vs events in the outbox"
    );
    let again = accepted.len() - by_id.len();
    println!(
        "{} events, {} acknowledged dispatches, {} requests 2xx, {again} delivered again after the kill (same id and body), {} refused on purpose",
        all,
        acked.len(),
        accepted.len(),
        refused
    );
    // After the restart everything is recorded as delivered; nothing left pending or dead.
    let open: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM outbox_deliveries WHERE status <> 'delivered'")
            .fetch_one(&pool)
            .await
            .expect("count");
    assert_eq!(open, 0);
    drop(engine);
    pool.close().await;
}
