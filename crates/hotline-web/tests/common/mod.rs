//! Test support: the API served over real HTTP on 127.0.0.1 with a fake clock, on a fresh
//! SQLite store (always) and a fresh PostgreSQL schema (when HOTLINE_TEST_PG holds a URL;
//! dropped at the end), a fixture with agents whose passwords are known, and a small client.
#![allow(dead_code)]

pub mod acd_port;

use hotline_store::*;
use hotline_web::{router, ApiState};
use reqwest::{Method, RequestBuilder};
use serde_json::Value;
use std::future::Future;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

pub const NOW: Millis = 1_795_000_000_000; // 2026-11-18
pub const DAY: Millis = 86_400_000;
pub const REALM: &str = "hotline.test";

pub fn unique(prefix: &str) -> String {
    use rand::Rng;
    format!(
        "{prefix}_{}_{:08x}",
        std::process::id(),
        rand::rng().random::<u32>()
    )
}

/// A running API and what a test needs around it.
pub struct Api {
    pub base: String,
    pub http: reqwest::Client,
    pub store: Store,
    clock: Arc<AtomicI64>,
    server: tokio::task::JoinHandle<()>,
    /// The ACD behind `/api/acd` (the real router, driven by the test).
    pub acd: Arc<acd_port::RouterPort>,
    /// What `/api/events` streams (the test publishes).
    pub live: hotline_web::LiveSender,
}

/// An answer: status, headers and the JSON body (`Value::Null` when empty).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Answer {
    /// The error's `field`, when the answer is an error naming one.
    pub fn field(&self) -> Option<&str> {
        self.body["error"]["field"].as_str()
    }
    pub fn code(&self) -> Option<&str> {
        self.body["error"]["code"].as_str()
    }
    /// Asserts an error of this status that names `field`.
    #[track_caller]
    pub fn assert_error(&self, status: u16, field: &str) {
        assert_eq!(self.status, status, "{:#}", self.body);
        assert_eq!(self.body["error"]["status"], status, "{:#}", self.body);
        assert_eq!(self.field(), Some(field), "{:#}", self.body);
        assert!(self.body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()));
    }
    pub fn id(&self) -> i64 {
        self.body["id"].as_i64().expect("an id in the answer")
    }
}

impl Api {
    pub fn now(&self) -> Millis {
        self.clock.load(Ordering::SeqCst)
    }
    pub fn advance(&self, ms: Millis) {
        self.clock.fetch_add(ms, Ordering::SeqCst);
    }
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn request(&self, method: Method, path: &str, token: Option<&str>) -> RequestBuilder {
        let rb = self.http.request(method, self.url(path));
        match token {
            Some(t) => rb.bearer_auth(t),
            None => rb,
        }
    }

    /// Sends and reads the answer; every answer of the API must be JSON (or empty).
    pub async fn send(&self, rb: RequestBuilder) -> Answer {
        let res = rb.send().await.expect("request sent");
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let bytes = res.bytes().await.expect("body read");
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&bytes)))
        };
        if status >= 400 {
            assert_eq!(body["error"]["status"], status, "error shape: {body:#}");
            assert!(body["error"]["code"].is_string(), "error shape: {body:#}");
        }
        Answer {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, token: &str, path: &str) -> Answer {
        self.send(self.request(Method::GET, path, Some(token)))
            .await
    }
    pub async fn post(&self, token: &str, path: &str, body: Value) -> Answer {
        self.send(self.request(Method::POST, path, Some(token)).json(&body))
            .await
    }
    pub async fn put(&self, token: &str, path: &str, body: Value) -> Answer {
        self.send(self.request(Method::PUT, path, Some(token)).json(&body))
            .await
    }

    /// Logs in and returns the token.
    pub async fn login(&self, login: &str, password: &str) -> String {
        let a = self
            .send(
                self.request(Method::POST, "/api/login", None)
                    .json(&serde_json::json!({"login": login, "password": password})),
            )
            .await;
        assert_eq!(a.status, 200, "login {login}: {:#}", a.body);
        a.body["token"].as_str().expect("token").to_string()
    }

    /// Rows in a table, straight from the database.
    pub async fn count(&self, table: &str) -> i64 {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_one(self.store.read_pool())
            .await
            .expect("count")
    }
}

/// `/metrics` in these tests: the login figures the API hands the port, one `name value` line
/// each (the engine's port turns them into Prometheus families, tested in hotline-metrics).
pub struct LoginsOnly;

impl hotline_web::MetricsPort for LoginsOnly {
    fn render(
        &self,
        l: hotline_web::LoginFigures,
    ) -> std::pin::Pin<Box<dyn Future<Output = String> + Send + '_>> {
        Box::pin(async move {
            format!(
                "succeeded {}\nfailed {}\nthrottled {}\nwaiting_accounts {}\nwaiting_addresses {}\n",
                l.succeeded, l.failed, l.throttled, l.waiting_accounts, l.waiting_addresses
            )
        })
    }
}

/// Serves the API over `store` on a free port of 127.0.0.1.
pub async fn serve(store: Store) -> Api {
    serve_with(store, false).await
}

/// [`serve`], with call reasons required at the end of wrap-up or not.
pub async fn serve_with(store: Store, reasons_required: bool) -> Api {
    serve_keyed(
        store,
        reasons_required,
        hotline_media::recording::Keyring::default(),
    )
    .await
}

/// [`serve_with`], reading encrypted recordings with `keys`.
pub async fn serve_keyed(
    store: Store,
    reasons_required: bool,
    keys: hotline_media::recording::Keyring,
) -> Api {
    let clock = Arc::new(AtomicI64::new(NOW));
    let c = clock.clone();
    let acd = Arc::new(acd_port::RouterPort::new(clock.clone()));
    // As the engine does where reasons are required (and the tree has some).
    acd.router
        .lock()
        .expect("router")
        .hold_wrap_up_for_reasons(reasons_required);
    let live = hotline_web::LiveSender::new(64);
    let app = router(ApiState {
        store: store.clone(),
        realm: REALM.into(),
        clock: Arc::new(move || c.load(Ordering::SeqCst)),
        acd: Some(acd.clone()),
        live: Some(live.clone()),
        calls: None,
        metrics: Some(Arc::new(LoginsOnly)),
        live_recheck: std::time::Duration::from_millis(300),
        zone: store.policy().zone.clone(),
        ivr_titles: Some(Arc::new(|| {
            let mut menu = std::collections::BTreeMap::new();
            menu.insert("zh".to_string(), "主菜单".to_string());
            menu.insert("en".to_string(), "Main menu".to_string());
            std::iter::once(("main/menu".to_string(), menu)).collect()
        })),
        reasons_required,
        recordings: Some(recordings_dir()),
        qa: Some(shipped_qa()),
        recording_keys: Arc::new(keys),
        preview: None,
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let server = tokio::spawn(async move {
        let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
        let _ = axum::serve(listener, app).await;
    });
    let http = reqwest::Client::builder()
        .no_proxy()
        .timeout(std::time::Duration::from_secs(20))
        .build()
        .expect("client");
    Api {
        base: format!("http://{addr}"),
        http,
        store,
        clock,
        server,
        acd,
        live,
    }
}

/// Runs `f` against the API on a fresh SQLite store and, when configured, a fresh
/// PostgreSQL one.
pub async fn each_api<F, Fut>(f: F)
where
    F: Fn(Api) -> Fut,
    Fut: Future<Output = ()>,
{
    each_api_with(Policy::default, f).await
}

/// [`each_api`] over stores with the policy `policy` makes (its zone is the API's too).
pub async fn each_api_with<F, Fut>(policy: impl Fn() -> Policy, f: F)
where
    F: Fn(Api) -> Fut,
    Fut: Future<Output = ()>,
{
    each_api_opts(policy, false, f).await
}

/// [`each_api_with`], with call reasons required at the end of wrap-up or not.
pub async fn each_api_opts<F, Fut>(policy: impl Fn() -> Policy, reasons_required: bool, f: F)
where
    F: Fn(Api) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = std::env::temp_dir().join(unique("hotline-web-test"));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let url = format!("sqlite:{}", dir.join("t.db").display());
    let store = Store::open(OpenOptions::new(url), policy())
        .await
        .expect("open sqlite");
    run(store.clone(), reasons_required, &f).await;
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);

    if let Ok(url) = std::env::var("HOTLINE_TEST_PG") {
        if url.is_empty() {
            return;
        }
        let schema = unique("t");
        let mut opts = OpenOptions::new(url.clone());
        opts.schema = Some(schema.clone());
        opts.connections = 4;
        let store = Store::open(opts, policy()).await.expect("open postgres");
        run(store.clone(), reasons_required, &f).await;
        let sql = format!("DROP SCHEMA {schema} CASCADE");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(store.write_pool())
            .await
            .expect("drop schema");
        store.close().await;
    }
}

async fn run<F, Fut>(store: Store, reasons_required: bool, f: &F)
where
    F: Fn(Api) -> Fut,
    Fut: Future<Output = ()>,
{
    let api = serve_with(store, reasons_required).await;
    let server = api.server.abort_handle();
    f(api).await;
    server.abort();
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// An agent with real digest HA1s for `password`.
pub async fn agent(
    s: &Store,
    login: &str,
    sip_user: &str,
    staff_no: &str,
    role: Role,
    password: &str,
) -> i64 {
    agent_in_team(s, login, sip_user, staff_no, role, password, "billing").await
}

/// [`agent`] in `team`.
pub async fn agent_in_team(
    s: &Store,
    login: &str,
    sip_user: &str,
    staff_no: &str,
    role: Role,
    password: &str,
    team: &str,
) -> i64 {
    use md5::Digest as _;
    let a1 = format!("{sip_user}:{REALM}:{password}");
    let ha1_md5 = hex(&md5::Md5::digest(a1.as_bytes()));
    let ha1_sha256 = hex(&sha2::Sha256::digest(a1.as_bytes()));
    s.upsert_agent(
        &NewAgent {
            login: login.into(),
            name: format!("{login} name"),
            staff_no: staff_no.into(),
            sip_user: sip_user.into(),
            ha1_md5,
            ha1_sha256,
            team: team.into(),
            role,
            language: "zh".into(),
            skills: vec![("billing".into(), 8)],
        },
        NOW,
    )
    .await
    .expect("agent")
}

/// Two districts, a customer (phone 13800001111, account 1000000001, one meter W-0001 at
/// 1000) with 24 months of bills of 20 m³ (the last three unpaid), and three agents:
/// zhang/secret (agent), li/boss (supervisor), root/admin (admin).
pub struct Fixture {
    pub district: i64,
    pub other_district: i64,
    pub customer: i64,
    pub agent: i64,
    pub supervisor: i64,
    pub admin: i64,
}

pub async fn fixture(s: &Store) -> Fixture {
    let district = s
        .insert_district(&NewDistrict {
            code: "east".into(),
            name: "城东区".into(),
            service_centre: "城东营业所".into(),
            dispatch_contact: "王班长".into(),
            dispatch_phone: "02088880001".into(),
        })
        .await
        .expect("district");
    let other_district = s
        .insert_district(&NewDistrict {
            code: "west".into(),
            name: "城西区".into(),
            service_centre: "城西营业所".into(),
            dispatch_contact: "李班长".into(),
            dispatch_phone: "02088880002".into(),
        })
        .await
        .expect("district");
    let agent_id = agent(s, "zhang", "1001", "1023", Role::Agent, "secret").await;
    let supervisor = agent(s, "li", "1002", "2001", Role::Supervisor, "boss").await;
    let admin = agent(s, "root", "1003", "9001", Role::Admin, "admin").await;
    let customer = s
        .insert_customer(
            &NewCustomer {
                account_no: "1000000001".into(),
                name: "陈建国".into(),
                address: "城东区解放路12号3单元501室".into(),
                district_id: Some(district),
                language: "zh".into(),
                tier: "key_account".into(),
                manager_agent_id: Some(agent_id),
                credit_flag: "dunning".into(),
                credit_note: "".into(),
                phones: vec!["+86 138 0000 1111".into(), "02088881234".into()],
                meters: vec![("W-0001".into(), Some((1000, NOW - 30 * DAY)))],
            },
            NOW - 800 * DAY,
        )
        .await
        .expect("customer");
    for back in 0..24 {
        let period = calendar::period_back(NOW, back);
        let due_at = NOW - back * 30 * DAY + 15 * DAY - 30 * DAY;
        let paid = back >= 3;
        s.insert_bill(&NewBill {
            customer_id: customer,
            period,
            volume: 20,
            amount_fen: 6900,
            due_at,
            paid_fen: if paid { 6900 } else { 0 },
            paid_at: paid.then_some(due_at - DAY),
        })
        .await
        .expect("bill");
    }
    Fixture {
        district,
        other_district,
        customer,
        agent: agent_id,
        supervisor,
        admin,
    }
}

/// The recordings folder every test API serves from (each test writes its own files).
pub fn recordings_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join("hotline-web-tests-recordings");
    std::fs::create_dir_all(&dir).expect("recordings folder");
    dir
}

/// Opens a call record the way the call controller does.
pub async fn call(s: &Store, call_ref: &str, caller: &str, at: Millis) -> i64 {
    s.start_call(&NewCall {
        call_ref: call_ref.into(),
        caller: caller.into(),
        dialled: "96116".into(),
        started_at: at,
    })
    .await
    .expect("call")
    .id
}

/// [`call`], answered by `agent` (its record names them, as once the controller has
/// connected them).
pub async fn call_taken_by(s: &Store, call_ref: &str, caller: &str, at: Millis, agent: i64) -> i64 {
    let id = call(s, call_ref, caller, at).await;
    s.update_call(
        id,
        &CallUpdate {
            agent_id: Some(agent),
            answered_at: Some(at),
            ..CallUpdate::default()
        },
    )
    .await
    .expect("answered");
    id
}

/// A POST with a raw body and the content type given (or none).
pub async fn raw_post(
    api: &Api,
    token: &str,
    path: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> Answer {
    let mut rb = api
        .request(reqwest::Method::POST, path, Some(token))
        .body(body);
    if let Some(ct) = content_type {
        rb = rb.header("Content-Type", ct);
    }
    api.send(rb).await
}

/// The fixture's rows are all there, `tickets` tickets exist, and the API still answers.
pub async fn tables_are_intact(api: &Api, token: &str, f: &Fixture, tickets: i64) {
    assert_eq!(api.count("agents").await, 3);
    assert_eq!(api.count("customers").await, 1);
    assert_eq!(api.count("districts").await, 2);
    assert_eq!(api.count("tickets").await, tickets);
    let a = api
        .send(api.request(reqwest::Method::GET, "/healthz", None))
        .await;
    assert_eq!(a.status, 200);
    let view = api
        .get(token, &format!("/api/customers/{}", f.customer))
        .await;
    assert_eq!(view.status, 200);
    assert_eq!(view.body["customer"]["name"], "陈建国");
    let me = api.get(token, "/api/me").await;
    assert_eq!(me.body["role"], "agent");
}

/// Quality assessment with the shipped forms (`qa-forms/`), two calls a week per agent.
pub fn shipped_qa() -> hotline_web::QaSettings {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../qa-forms");
    let forms = hotline_qa::load_forms(std::path::Path::new(dir)).expect("shipped forms");
    hotline_web::QaSettings {
        forms: Arc::new(forms),
        default_form: "standard".into(),
        per_agent: 2,
    }
}

/// A new ended call of `agent` whose recording is `bytes` in a file named `name`.
pub async fn call_with_file(api: &Api, name: &str, agent: i64, bytes: &[u8]) -> i64 {
    let path = recordings_dir().join(format!("{}-{name}", unique("rec")));
    std::fs::write(&path, bytes).expect("call");
    let id = call(&api.store, name, "13800001111", NOW - 60_000).await;
    api.store
        .update_call(
            id,
            &CallUpdate {
                agent_id: Some(agent),
                answered_at: Some(NOW - 50_000),
                ended_at: Some(NOW - 10_000),
                recording: Some(path.display().to_string()),
                ..CallUpdate::default()
            },
        )
        .await
        .expect("call");
    id
}
