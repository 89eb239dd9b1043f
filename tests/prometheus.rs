//! The shipped dashboards and alert rules against a real Prometheus scraping the real engine.
//! `hotline serve` runs a small flow (self-service, or a queue to an agent); Debian's
//! `prometheus` scrapes it every second from before the first call; then a burst of real
//! calls: callers served by the flow, one the flow says goodbye to unserved, one who hangs up
//! at the menu, callers queued and answered by an agent's phone, callers who give up waiting
//! (one short abandon, one long). Then every PromQL expression of
//! every panel of `deploy/grafana/dashboards/*.json` and of every rule of
//! `deploy/prometheus/alerts.yml` goes through Prometheus' HTTP API: each must parse and
//! return data (for an alert, the expression with its comparisons made `bool` ones, which
//! returns its series whether or not it would fire). A dashboard that queries a metric the
//! engine does not export fails here. Service level, abandons and containment as Prometheus
//! computes them (the dashboards' own expressions and the raw counters) must equal what the
//! call records of the burst say.
//!
//! Needs `prometheus` on the PATH (Debian's package); `.ci/run` installs it and runs this
//! with `cargo test --test prometheus -- --ignored`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use hotline_e2e::{best_answers, db, start_with_flows, token, AgentPhone, Caller, Desk};
use serde_json::{json, Value};

const FLOW: &str = r#"flow: main
languages: [zh, en]
start: find
nodes:
  find:
    lookup:
      what: customer_by_caller
      into: customer
      next: menu
      not_found: menu
      error: menu
  menu:
    menu:
      prompts: [main_menu]
      keys: { "1": info, "2": bye, "0": to_agent }
      timeout: 6s
      retries: 0
      fallback: bye
  info:
    play: { prompts: [quality_notice_details], served: true, next: bye }
  to_agent:
    transfer: { queue: general, reason: billing }
  bye:
    hangup: { prompts: [goodbye] }
"#;

const QUEUES: &str = "[[acd.queues]]\nname = \"general\"\nskills = { general = 1 }\nring_secs = 10\nwrap_up_secs = 0\nannounce_secs = 0\nshort_abandon_secs = 2\nmax_wait_secs = 300\n";

/// Grafana's variables, as the test fills them in.
const VARIABLES: [(&str, &str); 4] = [
    ("$queue", ".*"),
    ("$flow", ".*"),
    ("$__rate_interval", "1m"),
    ("$__range", "10m"),
];

/// Prometheus, killed on drop.
struct Prometheus {
    child: Child,
    base: String,
    dir: PathBuf,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn start_prometheus(target: std::net::SocketAddr) -> Prometheus {
    let dir = std::env::temp_dir().join(format!("hotline-prometheus-{}", token()));
    std::fs::create_dir_all(&dir).expect("prometheus dir");
    let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/prometheus/alerts.yml");
    let config = format!(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files:\n  - {}\n\
         scrape_configs:\n  - job_name: hotline\n    metrics_path: /metrics\n    \
         static_configs:\n      - targets: [\"{target}\"]\n",
        rules.display()
    );
    std::fs::write(dir.join("prometheus.yml"), config).expect("config");
    let port = free_port();
    let child = Command::new("prometheus")
        .arg(format!(
            "--config.file={}",
            dir.join("prometheus.yml").display()
        ))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.join("data").display()
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .arg("--log.level=warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start prometheus (apt-get install prometheus)");
    Prometheus {
        child,
        base: format!("http://127.0.0.1:{port}"),
        dir,
    }
}

/// Percent-encodes a query parameter.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// An instant query: Prometheus' status and the result vector (or its error).
async fn query(p: &Prometheus, expr: &str) -> Result<Vec<Value>, String> {
    let url = format!("{}/api/v1/query?query={}", p.base, encode(expr));
    let res = reqwest::get(&url).await.map_err(|e| e.to_string())?;
    let body: Value = res.json().await.map_err(|e| e.to_string())?;
    if body["status"] != "success" {
        return Err(format!("{}: {}", body["errorType"], body["error"]));
    }
    Ok(body["data"]["result"]
        .as_array()
        .cloned()
        .unwrap_or_default())
}

/// The value of a single-sample result.
fn scalar(result: &[Value]) -> f64 {
    result
        .first()
        .and_then(|s| s["value"][1].as_str())
        .and_then(|v| v.parse().ok())
        .unwrap_or(f64::NAN)
}

/// `expr` with every comparison outside label matchers and strings made a `bool` one.
fn with_bool(expr: &str) -> String {
    let chars: Vec<char> = expr.chars().collect();
    let mut out = String::new();
    let (mut braces, mut quote) = (0, None);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match (quote, c) {
            (Some(q), _) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '{') => braces += 1,
            (None, '}') => braces -= 1,
            (None, '=' | '!' | '>' | '<') if braces == 0 => {
                let two = matches!((c, next), ('=' | '!' | '>' | '<', Some('=')));
                if two || c == '>' || c == '<' {
                    out.push(c);
                    if two {
                        out.push('=');
                        i += 1;
                    }
                    out.push_str(" bool");
                    i += 1;
                    continue;
                }
            }
            _ => {}
        }
        out.push(c);
        i += 1;
    }
    out
}

#[derive(serde::Deserialize)]
struct RuleFile {
    groups: Vec<RuleGroup>,
}

#[derive(serde::Deserialize)]
struct RuleGroup {
    rules: Vec<Rule>,
}

#[derive(serde::Deserialize)]
struct Rule {
    alert: String,
    expr: String,
}

/// Every (dashboard, panel title, expression) of the shipped dashboards.
fn dashboard_expressions() -> Vec<(String, String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/grafana/dashboards");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("dashboards")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let d: Value = serde_json::from_str(&std::fs::read_to_string(&f).expect("read"))
            .unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        let name = d["title"].as_str().unwrap_or("?").to_string();
        for p in d["panels"].as_array().expect("panels") {
            assert!(
                p["description"].as_str().is_some_and(|s| s.len() > 20),
                "{name}: panel {} has no description",
                p["title"]
            );
            for t in p["targets"].as_array().expect("targets") {
                let mut expr = t["expr"].as_str().expect("expr").to_string();
                for (var, value) in VARIABLES {
                    expr = expr.replace(var, value);
                }
                out.push((name.clone(), p["title"].to_string(), expr));
            }
        }
    }
    out
}

#[tokio::test]
#[ignore = "needs Debian's prometheus; run by .ci/run"]
async fn every_dashboard_and_alert_expression_returns_data_from_a_real_prometheus() {
    let dir = std::env::temp_dir().join(format!("hotline-prom-e2e-{}", token()));
    let flows = dir.join("flows");
    std::fs::create_dir_all(&flows).expect("flows dir");
    std::fs::write(flows.join("main.yaml"), FLOW).expect("flow");
    std::fs::write(dir.join("hotline.toml"), QUEUES).expect("config");
    let engine = start_with_flows(&dir.join("hotline.toml"), &flows, "10");
    let prometheus = start_prometheus(engine.http.expect("http"));
    // Prometheus sees the engine (every counter at 0) before the first call.
    let mut up = f64::NAN;
    for _ in 0..100 {
        if let Ok(r) = query(&prometheus, "up{job=\"hotline\"}").await {
            up = scalar(&r);
            if up == 1.0 {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(up, 1.0, "Prometheus scrapes the engine");
    tokio::time::sleep(Duration::from_secs(2)).await;

    // The burst. Self-service: three callers press 1, hear the notice and goodbye.
    for n in 0..3 {
        let mut c = Caller::place(&engine, &format!("1390000100{n}")).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        c.press("1").await;
        assert!(
            c.released(Duration::from_secs(15)).await,
            "the flow says goodbye and hangs up"
        );
    }
    // Unserved: one presses 2 and hears only goodbye. Abandoned in the IVR: one hangs up at
    // the menu.
    let mut c = Caller::place(&engine, "13900001100").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    c.press("2").await;
    assert!(c.released(Duration::from_secs(10)).await, "goodbye");
    let c = Caller::place(&engine, "13900001200").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    c.hang_up().await;
    // Two callers press 0 and zhangmin answers each.
    let desk = Desk::login(&engine, "zhangmin").await;
    let me = desk.get("/api/me").await["id"].as_i64().expect("id");
    let mut phone = AgentPhone::registered(&engine, "1001", "secret").await;
    desk.agent_in(me, "ready").await;
    for n in 0..2 {
        let mut c = Caller::place(&engine, &format!("1390000200{n}")).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        c.press("0").await;
        let offer = phone.rung(Duration::from_secs(10)).await;
        let talk = phone.answer(offer).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        c.hang_up().await;
        assert!(phone.take_bye(&talk, Duration::from_secs(5)).await);
        desk.agent_in(me, "ready").await;
    }
    // She takes a break; one caller gives up after half a second (short), one after three.
    let (status, body) = desk
        .set_state(json!({ "state": "not_ready", "reason": "break" }))
        .await;
    assert_eq!(status, 200, "{body}");
    for (n, wait) in [(0, 500), (1, 3000)] {
        let mut c = Caller::place(&engine, &format!("1390000300{n}")).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        c.press("0").await;
        tokio::time::sleep(Duration::from_millis(wait)).await;
        c.hang_up().await;
    }
    // A ticket from the desktop, so that the ticket panels have an open one.
    let (status, ticket) = desk
        .post(
            "/api/tickets",
            json!({"kind": "leak", "summary": "指标测试", "reporter_phone": "13900002000"}),
        )
        .await;
    assert_eq!(status, 201, "{ticket}");

    // The call records of the burst, once every call has ended.
    let pool = db(&engine).await;
    let mut rows: Vec<(String, Option<String>, Option<i64>)> = Vec::new();
    for _ in 0..100 {
        rows = sqlx::query_as(
            "SELECT COALESCE(disposition, ''), queue, wait_ms FROM calls \
             WHERE ended_at IS NOT NULL ORDER BY id",
        )
        .fetch_all(&pool)
        .await
        .expect("records");
        if rows.len() == 9 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(rows.len(), 9, "{rows:?}");
    let count = |d: &str| rows.iter().filter(|r| r.0 == d).count() as f64;
    let self_served = count("self_served");
    let answered = count("answered");
    let abandoned = count("abandoned_in_queue");
    assert_eq!(
        (self_served, answered, abandoned),
        (3.0, 2.0, 2.0),
        "{rows:?}"
    );
    assert_eq!(
        (count("unserved_in_ivr"), count("abandoned_in_ivr")),
        (1.0, 1.0),
        "{rows:?}"
    );
    let within_sl = rows
        .iter()
        .filter(|r| r.0 == "answered" && r.2.is_some_and(|w| w <= 20_000))
        .count() as f64;
    let short = rows
        .iter()
        .filter(|r| r.0 == "abandoned_in_queue" && r.2.is_some_and(|w| w < 2_000))
        .count() as f64;
    assert_eq!(short, 1.0, "{rows:?}");
    let transferred = rows.iter().filter(|r| r.1.is_some()).count() as f64;
    let sl = within_sl / (answered + abandoned);
    let sl2 = within_sl / (answered + abandoned - short);
    // Every call of the burst ran the IVR: containment is the self-served share of them all.
    assert_eq!(transferred, 4.0, "{rows:?}");
    let containment = self_served / rows.len() as f64;
    // The demo evaluator scores one of zhangmin's calls, so that the quality panels have a team.
    let sunli = Desk::login(&engine, "sunli").await;
    let forms = sunli.get("/api/qa/forms").await;
    let (call,): (i64,) =
        sqlx::query_as("SELECT id FROM calls WHERE disposition = 'answered' ORDER BY id LIMIT 1")
            .fetch_one(&pool)
            .await
            .expect("an answered call");
    let (status, evaluation) = sunli
        .post(
            "/api/qa/evaluations",
            json!({"call_id": call, "answers": best_answers(&forms, "standard")}),
        )
        .await;
    assert_eq!(status, 201, "{evaluation}");
    // A campaign, so that the outbound panels have data: this engine has no outbound route,
    // so each call fails to be placed, and after five the campaign pauses itself.
    let zhaolei = Desk::login(&engine, "zhaolei").await;
    let (status, made) = zhaolei
        .post(
            "/api/campaigns",
            json!({"name": "prom", "kind": "notice", "mode": "ivr", "flow": "main",
                   "settings": {"window": ["00:00-24:00"], "skip_holidays": false, "attempts_per_sec": 20}}),
        )
        .await;
    assert_eq!(status, 201, "{made}");
    let campaign = made["campaign"]["id"].as_i64().expect("campaign id");
    let list: String = std::iter::once("account,number\n".to_string())
        .chain((1..=6).map(|n| format!("P-{n},1390000900{n}\n")))
        .collect();
    let res = zhaolei
        .http
        .post(format!("{}/api/campaigns/{campaign}/targets", zhaolei.base))
        .bearer_auth(&zhaolei.token)
        .header("Content-Type", "text/csv")
        .body(list)
        .send()
        .await
        .expect("upload");
    assert_eq!(res.status(), 200);
    let (status, body) = zhaolei
        .post(&format!("/api/campaigns/{campaign}/start"), json!({}))
        .await;
    assert_eq!(status, 200, "{body}");
    let mut paused = Value::Null;
    for _ in 0..200 {
        paused = zhaolei.get(&format!("/api/campaigns/{campaign}")).await;
        if paused["status"] == "paused" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(paused["status"], "paused", "{paused}");
    assert!(
        paused["status_reason"]
            .as_str()
            .is_some_and(|r| r.contains("the route is down")),
        "{paused}"
    );
    let failed_attempts = paused["progress"]["dialled"].as_f64().expect("dialled");
    // The store's figures reach /metrics at most every 5 s: wait for Prometheus to have them.
    for _ in 0..150 {
        let seen = query(
            &prometheus,
            "sum(hotline_campaign_attempts_total{result=\"failed\"})",
        )
        .await
        .map(|r| scalar(&r))
        .unwrap_or(f64::NAN);
        if seen == failed_attempts {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Prometheus has scraped the end of the burst.
    tokio::time::sleep(Duration::from_secs(4)).await;

    // Every dashboard expression parses and returns data.
    let mut failures = Vec::new();
    let mut checked = 0;
    for (dash, panel, expr) in dashboard_expressions() {
        checked += 1;
        match query(&prometheus, &expr).await {
            Ok(r) if !r.is_empty() => {}
            Ok(_) => failures.push(format!("{dash} / {panel}: no data: {expr}")),
            Err(e) => failures.push(format!("{dash} / {panel}: {e}: {expr}")),
        }
    }
    // Every alert expression parses; made `bool`, it returns its series.
    let rules: RuleFile = serde_saphyr::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/prometheus/alerts.yml"),
        )
        .expect("alerts.yml"),
    )
    .expect("alerts.yml parses");
    for rule in rules.groups.iter().flat_map(|g| &g.rules) {
        checked += 1;
        if let Err(e) = query(&prometheus, &rule.expr).await {
            failures.push(format!("alert {}: {e}", rule.alert));
        }
        let measured = with_bool(&rule.expr);
        assert!(measured.contains(" bool"), "{}: no comparison", rule.alert);
        match query(&prometheus, &measured).await {
            Ok(r) if !r.is_empty() => {}
            Ok(_) => failures.push(format!("alert {}: no data: {measured}", rule.alert)),
            Err(e) => failures.push(format!("alert {}: {e}: {measured}", rule.alert)),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} expressions failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!("{checked} expressions evaluated, all with data");

    // The figures, as Prometheus computes them, equal the call records'.
    let q = |e: &'static str| {
        let p = &prometheus;
        async move { scalar(&query(p, e).await.unwrap_or_else(|err| panic!("{e}: {err}"))) }
    };
    let close = |what: &str, got: f64, want: f64| {
        assert!(
            (got - want).abs() < 1e-9,
            "{what}: Prometheus {got}, call records {want}"
        );
    };
    close(
        "abandoned",
        q("sum(hotline_queue_calls_abandoned_total)").await,
        abandoned,
    );
    close(
        "short abandons",
        q("sum(hotline_queue_calls_short_abandoned_total)").await,
        short,
    );
    close(
        "answered",
        q("sum(hotline_queue_calls_answered_total)").await,
        answered,
    );
    close(
        "service level",
        q("sum(hotline_queue_calls_answered_within_sl_total) / sum(hotline_queue_calls_answered_total + hotline_queue_calls_abandoned_total)").await,
        sl,
    );
    close(
        "containment",
        q("sum(hotline_ivr_calls_total{outcome=\"self_served\"}) / sum(hotline_ivr_calls_total)")
            .await,
        containment,
    );
    // The dashboards' own expressions (increases over the range: the same ratios).
    let panel = |dash: &str, title: &str, target: usize| {
        dashboard_expressions()
            .into_iter()
            .filter(|(d, p, _)| d == dash && p.contains(title))
            .nth(target)
            .map(|(_, _, e)| e)
            .unwrap_or_else(|| panic!("{dash} / {title}"))
    };
    let sl_panel = panel("Hotline · Queues", "Service level vs target", 0);
    let sl2_panel = panel("Hotline · Queues", "Service level vs target", 1);
    let abandon_panel = panel("Hotline · Queues", "Abandon rate", 0);
    let containment_panel = panel("Hotline · IVR", "Containment", 0);
    let value = |e: String| {
        let p = &prometheus;
        async move {
            scalar(
                &query(p, &e)
                    .await
                    .unwrap_or_else(|err| panic!("{e}: {err}")),
            )
        }
    };
    close("dashboard service level", value(sl_panel).await, sl);
    close("dashboard SL2", value(sl2_panel).await, sl2);
    close(
        "dashboard abandon rate",
        value(abandon_panel).await,
        abandoned / (answered + abandoned),
    );
    close(
        "dashboard containment",
        value(containment_panel).await,
        containment,
    );
    // The campaign's attempts, as Prometheus has them, are the store's.
    close(
        "campaign attempts failed",
        value("sum(hotline_campaign_attempts_total{result=\"failed\"})".into()).await,
        failed_attempts,
    );
    close(
        "live campaign's targets",
        value("sum(hotline_campaign_targets{campaign=\"prom\"})".into()).await,
        6.0,
    );
    drop(prometheus);
    let _ = std::fs::remove_dir_all(&dir);
}
