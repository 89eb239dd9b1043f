//! End-to-end outage day: a supervisor publishes a planned-works notice through the API
//! (`POST /api/notices`) on the real `hotline serve` running the shipped flows; the next
//! caller from that district (not recognised by number: offered today's notices first, then
//! keying the account number) hears it over RTP before the menu, prompt after prompt: its
//! kind, "your area", from when to when with the dates and times of day read out, and its
//! cause; then 1 reads it again and 2 goes on to the menu (where 3 reads it too). Ended through
//! the API (`DELETE /api/notices/{id}`), the next caller hears that there is none. A recording
//! uploaded for a notice (`PUT /api/notices/{id}/recordings/zh`, checked like the shipped
//! prompts) is heard after the engine's own reading of it, by the next caller, with no reload.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hotline_e2e::{db, prompt_ulaw as ulaw, Caller as Call, Engine};
use hotline_ivr::say::{say, SayAs};
use hotline_ivr::value::Moment;
use hotline_ivr::{Date, Value};
use hotline_store::calendar::{local_date, local_midnight};
use serde_json::{json, Value as Json};

const HOUR: i64 = 3_600_000;

fn start_engine() -> Engine {
    Engine::start(&[
        ("HOTLINE_IVR_ENTRY_FLOW", "main"),
        ("HOTLINE_STORE_DEMO_CUSTOMERS", "30"),
        ("HOTLINE_MEDIA_TIMEOUT_SECS", "0"),
        ("HOTLINE_MEDIA_RECORD", "false"),
    ])
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// `at` on the centre's clocks (the engine's default zone, Asia/Shanghai).
fn moment(at: i64) -> Moment {
    let (y, m, d) = local_date(at);
    let midnight = local_midnight(y, m, d);
    Moment {
        date: Date {
            year: y as i32,
            month: m as u8,
            day: d as u8,
        },
        minute: ((at - midnight) / 60_000) as u16,
    }
}

fn said(at: i64, as_: SayAs) -> Vec<String> {
    say(&Value::Time(moment(at)), as_, "zh").expect("a time is said")
}

/// A demo supervisor's token (password from the file the engine wrote).
async fn supervisor(http: &reqwest::Client, base: &str, engine: &Engine) -> String {
    login(http, base, engine, "zhaolei").await
}

/// A demo user's token.
async fn login(http: &reqwest::Client, base: &str, engine: &Engine, who: &str) -> String {
    let list =
        std::fs::read_to_string(engine.dir.join("data/demo-agents.txt")).expect("demo-agents.txt");
    let password = list
        .lines()
        .map(|l| l.split('\t').collect::<Vec<_>>())
        .find(|f| f.len() == 3 && f[0] == who)
        .map(|f| f[2].to_string())
        .expect("the demo user");
    let answer: Json = http
        .post(format!("{base}/api/login"))
        .json(&json!({ "login": who, "password": password }))
        .send()
        .await
        .expect("POST /api/login")
        .json()
        .await
        .expect("JSON");
    answer["token"].as_str().expect("token").to_string()
}

/// Ends every notice the demo data published, so that only the test's are heard.
async fn end_all(http: &reqwest::Client, base: &str, token: &str) {
    let list: Json = http
        .get(format!("{base}/api/notices"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for n in list.as_array().expect("a list") {
        let id = n["id"].as_i64().expect("id");
        let res = http
            .delete(format!("{base}/api/notices/{id}"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 200);
    }
}

/// A started engine with no notice in force: it, its API's base URL, a client and a
/// supervisor's token.
async fn with_no_notice() -> (Engine, String, reqwest::Client, String) {
    let engine = start_engine();
    let base = format!("http://{}", engine.http.expect("the HTTP API is on"));
    let http = reqwest::Client::new();
    let token = supervisor(&http, &base, &engine).await;
    end_all(&http, &base, &token).await;
    (engine, base, http, token)
}

/// A demo customer's account number and district.
async fn a_customer_with_a_district(engine: &Engine) -> (String, i64) {
    sqlx::query_as(
        "SELECT account_no, district_id FROM customers WHERE district_id IS NOT NULL \
         ORDER BY id LIMIT 1",
    )
    .fetch_one(&db(engine).await)
    .await
    .expect("a demo customer with a district")
}

/// A caller not recognised by number, with a notice in force somewhere: Chinese (1), today's
/// notices offered first (2: go on), then the account question, answered with `account`.
async fn keys_the_account(c: &mut Call, account: &str) {
    c.expect("the welcome", &ulaw("zh", "welcome"), None).await;
    c.expect(
        "the language menu",
        &ulaw("zh", "language_menu"),
        Some(1600),
    )
    .await;
    c.press("1").await;
    c.expect(
        "today's notices offered",
        &ulaw("zh", "notices_today_offer"),
        Some(1600),
    )
    .await;
    c.press("2").await;
    c.expect(
        "the account question",
        &ulaw("zh", "enter_account"),
        Some(1600),
    )
    .await;
    c.press(&format!("{account}#")).await;
}

/// Plays the prompts `names` must be heard in this order.
async fn hears(c: &mut Call, names: &[String]) {
    for name in names {
        c.expect(name, &ulaw("zh", name), None).await;
    }
}

#[tokio::test]
async fn a_notice_published_through_the_api_is_heard_by_the_next_caller_until_it_is_ended() {
    let (engine, base, http, token) = with_no_notice().await;
    let (account, district) = a_customer_with_a_district(&engine).await;

    // Planned works from an hour ago to two hours ahead.
    let now = now_ms();
    let (starts, ends) = (now - HOUR, now + 2 * HOUR);
    let res = http
        .post(format!("{base}/api/notices"))
        .bearer_auth(&token)
        .json(&json!({
            "kind": "planned_works",
            "district_ids": [district],
            "starts_at": starts,
            "ends_at": ends,
            "title": "管道改造计划停水",
            "cause": "construction"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201);
    let notice: Json = res.json().await.unwrap();
    let id = notice["id"].as_i64().expect("id");

    // The next caller from that district, menu key 3: the notice, prompt after prompt.
    let mut expected: Vec<String> = [
        "outage_intro",
        "notice_kind_planned_works",
        "notice_area_yours",
        "outage_from",
    ]
    .map(String::from)
    .to_vec();
    expected.extend(said(starts, SayAs::Time));
    expected.push("outage_to".into());
    let same_day = moment(starts).date == moment(ends).date;
    expected.extend(said(
        ends,
        if same_day { SayAs::Clock } else { SayAs::Time },
    ));
    expected.extend(["notice_cause", "notice_cause_construction"].map(String::from));

    // Keying the account number, the caller hears the district's notice before the menu,
    // then "1 again, 2 menu, 0 agent": 1 reads it again, 2 goes to the menu, where 3 (the
    // outage menu) reads it once more.
    let mut c = Call::place(&engine, "13912340001").await;
    keys_the_account(&mut c, &account).await;
    hears(&mut c, &expected).await;
    let again = ulaw("zh", "notice_again_menu");
    c.expect("the notice menu", &again, Some(1600)).await;
    c.press("1").await;
    hears(&mut c, &expected[1..]).await;
    c.expect("the notice menu again", &again, Some(1600)).await;
    c.press("2").await;
    c.expect("the main menu", &ulaw("zh", "main_menu"), Some(1600))
        .await;
    c.press("3").await;
    hears(&mut c, &expected).await;
    c.hang_up().await;

    // Ended: the next caller hears that there is none.
    let res = http
        .delete(format!("{base}/api/notices/{id}"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let mut c = Call::place(&engine, "13912340002").await;
    c.identify(&account).await;
    c.press("3").await;
    hears(&mut c, &["outage_none".to_string()]).await;
    c.hang_up().await;
    tokio::time::sleep(Duration::from_millis(50)).await;
}

/// A WAV file's header for `samples` 16-bit mono samples at `rate` Hz, then silence.
fn wav(rate: u32, samples: u32) -> Vec<u8> {
    let data = samples * 2;
    let mut w = b"RIFF".to_vec();
    w.extend_from_slice(&(36 + data).to_le_bytes());
    w.extend_from_slice(b"WAVEfmt ");
    w.extend_from_slice(&16u32.to_le_bytes());
    w.extend_from_slice(&1u16.to_le_bytes());
    w.extend_from_slice(&1u16.to_le_bytes());
    w.extend_from_slice(&rate.to_le_bytes());
    w.extend_from_slice(&(rate * 2).to_le_bytes());
    w.extend_from_slice(&2u16.to_le_bytes());
    w.extend_from_slice(&16u16.to_le_bytes());
    w.extend_from_slice(b"data");
    w.extend_from_slice(&data.to_le_bytes());
    w.resize(44 + data as usize, 0);
    w
}

#[tokio::test]
async fn a_recording_uploaded_for_a_notice_is_heard_after_its_reading() {
    let (engine, base, http, token) = with_no_notice().await;
    let (account, district) = a_customer_with_a_district(&engine).await;
    // A burst main since an hour ago, no end known yet.
    let starts = now_ms() - HOUR;
    let res = http
        .post(format!("{base}/api/notices"))
        .bearer_auth(&token)
        .json(&json!({
            "kind": "outage",
            "district_ids": [district],
            "starts_at": starts,
            "title": "主管爆裂停水",
            "cause": "repair"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201);
    let id = res.json::<Json>().await.unwrap()["id"]
        .as_i64()
        .expect("id");
    let url = format!("{base}/api/notices/{id}/recordings/zh");
    let put = |body: Vec<u8>, url: String, token: String| {
        let http = http.clone();
        async move {
            let res = http
                .put(url)
                .bearer_auth(token)
                .header("content-type", "audio/wav")
                .body(body)
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            (status, res.json::<Json>().await.unwrap_or(Json::Null))
        }
    };

    // Refused: not 8 kHz, not a WAV, too large, an agent, an unknown notice; nothing stored.
    let (status, body) = put(wav(16_000, 800), url.clone(), token.clone()).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["field"], "recording", "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("16000"),
        "{body}"
    );
    let (status, body) = put(b"not a wav file".to_vec(), url.clone(), token.clone()).await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("recording")),
        "{body}"
    );
    // Declared over the limit: refused before the body is read (a client still writing it
    // would see the connection close, so the headers go alone).
    let mut tcp = tokio::net::TcpStream::connect(engine.http.expect("http"))
        .await
        .unwrap();
    let head = format!(
        "PUT /api/notices/{id}/recordings/zh HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: audio/wav\r\nContent-Length: {}\r\n\r\n",
        5 * 1024 * 1024
    );
    tokio::io::AsyncWriteExt::write_all(&mut tcp, head.as_bytes())
        .await
        .unwrap();
    let mut answer = vec![0u8; 64];
    let n = tokio::io::AsyncReadExt::read(&mut tcp, &mut answer)
        .await
        .unwrap();
    let answer = String::from_utf8_lossy(&answer[..n]).to_string();
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    let agent = login(&http, &base, &engine, "zhangmin").await;
    let (status, _) = put(wav(8_000, 800), url.clone(), agent).await;
    assert_eq!(status, 403);
    let (status, _) = put(
        wav(8_000, 800),
        format!("{base}/api/notices/999999/recordings/zh"),
        token.clone(),
    )
    .await;
    assert_eq!(status, 404);
    let n: Json = http
        .get(format!("{base}/api/notices/{id}"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(n["recordings"], json!([]), "{n}");

    // The recording (here a shipped prompt, so that the caller can recognise it; 108 KB,
    // over the API's usual 64 KiB body limit).
    let recording = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/sounds/zh/reading_queried.wav"
    ))
    .expect("the shipped prompt");
    assert!(recording.len() > 64 * 1024);
    let (status, body) = put(recording, url.clone(), token.clone()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["language"], "zh");
    assert!(body["samples"].as_i64().unwrap_or(0) > 0, "{body}");

    // The next caller from the district: the reading, then the recording, then the menu.
    let mut expected: Vec<String> = [
        "outage_intro",
        "notice_kind_outage",
        "notice_area_yours",
        "outage_from",
    ]
    .map(String::from)
    .to_vec();
    expected.extend(said(starts, SayAs::Time));
    expected.extend(["notice_no_end", "notice_cause", "notice_cause_repair"].map(String::from));
    let mut c = Call::place(&engine, "13912340003").await;
    keys_the_account(&mut c, &account).await;
    hears(&mut c, &expected).await;
    c.expect("the recording", &ulaw("zh", "reading_queried"), None)
        .await;
    c.expect(
        "the notice menu",
        &ulaw("zh", "notice_again_menu"),
        Some(1600),
    )
    .await;
    c.hang_up().await;

    // Removed: gone from the notice; a second removal is a 404.
    let del = |token: String| {
        let (http, url) = (http.clone(), url.clone());
        async move {
            http.delete(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(del(token.clone()).await, 204);
    assert_eq!(del(token.clone()).await, 404);
    tokio::time::sleep(Duration::from_millis(50)).await;
}
