//! The reports: figures equal the call records and tickets written (SQLite and, when
//! configured, PostgreSQL), the CSV parsed back equals the JSON, bad ranges are 422s naming
//! the field, and only supervisors get them.

// A test crate: its helpers, like its tests, state what they expect with unwrap, expect,
// panic and indexing (clippy.toml's test allowances reach only #[test] functions).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::*;
use hotline_store::{CallUpdate, Disposition, NewTicket, ReasonSource};
use serde_json::{json, Value};

const SEC: i64 = 1000;

async fn finished(s: &hotline_store::Store, r: &str, at: i64, u: CallUpdate) {
    let id = call(s, r, "13800001111", at).await;
    s.update_call(
        id,
        &CallUpdate {
            ended_at: Some(at + 300 * SEC),
            ivr_ended_at: Some(at + 20 * SEC),
            ivr_path: Some(vec!["main/start".into(), "bills/none".into()]),
            ..u
        },
    )
    .await
    .unwrap();
}

/// A CSV line split into fields (quotes as the report writes them).
fn cells(line: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                out.last_mut().unwrap().push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(String::new()),
            (c, _) => out.last_mut().unwrap().push(c),
        }
    }
    out
}

#[tokio::test]
async fn reports_equal_the_records_and_the_csv_equals_the_json() {
    each_api(|api| async move {
        let f = fixture(&api.store).await;
        let s = &api.store;
        let day = s.policy().zone.start_of_day(NOW);
        let t0 = day + 9 * 3600 * SEC;
        let answered = |wait: i64, talk: i64| CallUpdate {
            queue: Some("general".into()),
            agent_id: Some(f.agent),
            disposition: Some(Disposition::Answered),
            answered_at: Some(t0),
            wait_ms: Some(wait),
            talk_ms: Some(talk),
            wrapup_ms: Some(10 * SEC),
            ..CallUpdate::default()
        };
        finished(s, "rep-1", t0, answered(10 * SEC, 100 * SEC)).await;
        finished(s, "rep-2", t0 + 60 * SEC, answered(30 * SEC, 200 * SEC)).await;
        finished(
            s,
            "rep-3",
            t0 + 3600 * SEC,
            CallUpdate {
                queue: Some("general".into()),
                disposition: Some(Disposition::AbandonedInQueue),
                wait_ms: Some(40 * SEC),
                ..CallUpdate::default()
            },
        )
        .await;
        finished(
            s,
            "rep-4",
            t0,
            CallUpdate {
                disposition: Some(Disposition::SelfServed),
                ..CallUpdate::default()
            },
        )
        .await;
        // The day before: another period.
        finished(s, "rep-0", t0 - 86_400 * SEC, answered(SEC, 10 * SEC)).await;
        s.record_call_reasons(
            "rep-1",
            &["billing/query".to_string()],
            None,
            ReasonSource::Agent(f.agent),
            t0,
        )
        .await
        .unwrap();
        let ticket = s
            .create_ticket(
                &NewTicket {
                    kind: "leak".into(),
                    priority: None,
                    customer_id: Some(f.customer),
                    district_id: None,
                    address: None,
                    summary: "漏水".into(),
                    reporter_phone: None,
                    reporter_name: None,
                    call_id: None,
                    summaries: Vec::new(),
                },
                hotline_store::Actor::System,
                t0,
            )
            .await
            .unwrap();
        // Its follow-up call, made by the agent and rated 4.
        sqlx::query(
            "INSERT INTO followups (ticket_id, due_at, next_attempt_at, attempts, max_attempts, \
             status, agent_id, rating, updated_at) VALUES ($1, $2, $2, 1, 3, 'reached', $3, 4, $2)",
        )
        .bind(ticket.id)
        .bind(t0 + 3600 * SEC)
        .bind(f.agent)
        .execute(s.write_pool())
        .await
        .unwrap();
        let date = |ms: i64| {
            let d = s.policy().zone.date(ms);
            format!("{:04}-{:02}-{:02}", d.year, d.month, d.day)
        };
        let (yesterday, today) = (date(t0 - 86_400 * SEC), date(t0));
        let sup = api.login("li", "boss").await;
        let path = format!("/api/reports/daily?from={yesterday}&to={today}");
        let a = api.get(&sup, &path).await;
        assert_eq!(a.status, 200, "{:#}", a.body);
        let periods = a.body["periods"].as_array().unwrap();
        assert_eq!(periods.len(), 2);
        assert_eq!(periods[0]["calls"]["offered"], 1);
        let p = &periods[1];
        assert_eq!(p["start"], today);
        let c = &p["calls"];
        assert_eq!(c["offered"], 3);
        assert_eq!(c["answered"], 2);
        assert_eq!(c["abandoned"], 1);
        assert_eq!(c["short_abandoned"], 0);
        // The test queue's service level: 20 s; 1 of (2 + 1) within.
        assert_eq!(c["answered_within_sl"], 1);
        assert_eq!(c["average_speed_of_answer_ms"], 20 * SEC);
        assert_eq!(c["average_handle_ms"], (110 + 210) * SEC / 2);
        // The wallboard's own figures for the same calls agree.
        let rule = hotline_store::StatsRule {
            service_level_ms: 20 * SEC,
            short_abandon_ms: 5 * SEC,
        };
        let wb = s.queue_stats("general", day, rule).await.unwrap();
        assert_eq!(c["service_level_percent"], json!(wb.service_level_percent));
        assert_eq!(c["answered_within_sl"], wb.answered_within_sl);
        assert_eq!(p["by_reason"][0]["key"], "billing/query");
        assert_eq!(p["by_reason"][0]["offered"], 1);
        assert_eq!(p["by_agent"][0]["key"], f.agent.to_string());
        assert_eq!(p["by_hour"][9]["offered"], 2);
        assert_eq!(p["ivr"]["calls"], 4);
        assert_eq!(p["ivr"]["self_served"], 1);
        assert_eq!(p["tickets"]["created"], 1);
        assert_eq!(p["tickets_by_kind"][0]["key"], "leak");
        assert_eq!(p["tickets_by_district"][0]["key"], f.district.to_string());
        assert_eq!(p["ivr_by_flow"][0]["key"], "bills");
        assert_eq!(p["ivr_by_flow"][0]["calls"], 4);
        assert_eq!(p["ivr_by_flow"][0]["self_served"], 1);
        assert_eq!(p["follow_ups"]["due"], 1);
        assert_eq!(p["follow_ups"]["completion_percent"], 100.0);
        assert_eq!(p["follow_ups_by_agent"][0]["key"], f.agent.to_string());
        assert_eq!(p["follow_ups_by_agent"][0]["average_rating"], 4.0);
        assert_eq!(
            p["follow_ups_by_district"][0]["key"],
            f.district.to_string()
        );

        // The CSV, parsed back, says the same.
        let res = api
            .request(
                reqwest::Method::GET,
                &format!("{path}&format=csv"),
                Some(&sup),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        assert!(res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv"));
        let text = res.text().await.unwrap();
        assert!(text.starts_with('\u{feff}'));
        let rows: Vec<Vec<String>> = text
            .trim_start_matches('\u{feff}')
            .split("\r\n")
            .filter(|l| !l.is_empty())
            .map(cells)
            .collect();
        let head = &rows[0];
        let col = |name: &str| head.iter().position(|h| h == name).unwrap();
        let find = |table: &str, period: &str, key: &str| {
            rows.iter()
                .find(|r| r[0] == table && r[1] == period && r[2] == key)
                .unwrap_or_else(|| panic!("{table} {period} {key}"))
                .clone()
        };
        let num = |v: &Value| v.as_i64().map(|n| n.to_string()).unwrap_or_default();
        let all = find("calls", &today, "all");
        for name in [
            "offered",
            "answered",
            "abandoned",
            "short_abandoned",
            "answered_within_sl",
        ] {
            assert_eq!(all[col(name)], num(&c[name]), "{name}");
        }
        assert_eq!(all[col("asa_ms")], num(&c["average_speed_of_answer_ms"]));
        assert_eq!(all[col("aht_ms")], num(&c["average_handle_ms"]));
        let sl: f64 = all[col("service_level_percent")].parse().unwrap();
        assert!((sl - c["service_level_percent"].as_f64().unwrap()).abs() < 0.01);
        let leak = find("tickets_by_kind", &today, "leak");
        assert_eq!(leak[col("created")], "1");
        let ivr = find("ivr", &today, "all");
        assert_eq!(ivr[col("ivr_calls")], "4");
        assert_eq!(ivr[col("self_served")], "1");
        let main = find("ivr_by_flow", &today, "main");
        assert_eq!(main[col("ivr_calls")], num(&p["ivr_by_flow"][1]["calls"]));
        let fu = find("follow_ups", &today, "all");
        assert_eq!(fu[col("follow_ups_due")], num(&p["follow_ups"]["due"]));
        assert_eq!(fu[col("follow_ups_completed")], "1");
        let by_agent = find("follow_ups_by_agent", &today, &f.agent.to_string());
        assert_eq!(by_agent[col("average_rating")], "4.00");
        assert_eq!(rows.iter().filter(|r| r[0] == "calls_by_hour").count(), 48);

        // Weekly and monthly cover the same calls.
        for per in ["weekly", "monthly"] {
            let a = api
                .get(&sup, &format!("/api/reports/{per}?from={today}&to={today}"))
                .await;
            assert_eq!(a.body["periods"][0]["calls"]["offered"], 3, "{per}");
        }

        // Bad ranges and parameters; agents may not.
        for (q, status, field) in [
            (format!("from={today}&to={yesterday}"), 422, "to"),
            ("from=2026-01-01&to=2027-06-01".to_string(), 422, "to"),
            (format!("from=2026-02-30&to={today}"), 422, "from"),
            (format!("from={today}"), 422, "to"),
            (format!("from=2026-1-1&to={today}"), 422, "from"),
            (format!("from={today}&to={today}&format=xml"), 400, "format"),
            (format!("from={today}&to={today}&x=1"), 400, "x"),
        ] {
            api.get(&sup, &format!("/api/reports/daily?{q}"))
                .await
                .assert_error(status, field);
        }
        let agent = api.login("zhang", "secret").await;
        assert_eq!(api.get(&agent, &path).await.status, 403);
    })
    .await;
}
