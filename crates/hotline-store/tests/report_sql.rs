//! The reports aggregated in SQL (`Store::build_report`) equal the pure builder fed row by
//! row (`Store::build_report_by_rows`) over the same varied call records, call reasons,
//! tickets and follow-ups, on SQLite and PostgreSQL: daily, weekly and monthly, in a zone
//! without daylight saving, across Berlin's spring-forward day (23 hours), across Lord Howe
//! Island's half-hour fall-back (hour slots split by the change, added call by call) and in
//! a half-hour zone (Kolkata); from the call records and from the hourly roll-ups (kept by
//! triggers), which follow every later change of a record, a call's reasons or a customer's
//! district. And a long report read does not hold up the call log's writes.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::*;
use hotline_store::report::{Builder, Period, Rules};
use hotline_store::{NewAgent, NewCall, Role, StatsRule, Store};
use hotline_time::{CivilDate, Zone};

const MIN: i64 = 60_000;
const H: i64 = 3_600_000;

/// A small deterministic generator.
struct Gen(u64);
impl Gen {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> i64 {
        (self.next() % n) as i64
    }
    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.below(from.len() as u64) as usize]
    }
}

fn opt(v: Option<i64>) -> String {
    v.map_or("NULL".into(), |v| v.to_string())
}

/// 2026-03-27 00:00 UTC: the data spans 2026-03-27 to 2026-04-09 (Berlin's spring forward on
/// 03-29, Lord Howe's half-hour fall-back on 04-05).
const T0: i64 = 1_774_569_600_000;
const SPAN: i64 = 13 * 24 * H;

/// Varied calls, reasons, tickets and follow-ups; some calls placed inside the hour slots
/// around the zone changes.
async fn seed(s: &Store) {
    let f = fixture(s).await;
    let mut agents = vec![f.agent];
    for i in 0..3 {
        let id = s
            .upsert_agent(
                &NewAgent {
                    login: format!("a{i}"),
                    name: format!("坐席{i}"),
                    staff_no: format!("9{i:03}"),
                    sip_user: format!("{}", 7000 + i),
                    ha1_md5: "0".repeat(32),
                    ha1_sha256: "0".repeat(64),
                    team: "billing".into(),
                    role: Role::Agent,
                    language: "zh".into(),
                    skills: vec![],
                },
                NOW,
            )
            .await
            .unwrap();
        agents.push(id);
    }
    // A customer in the other district and one in none.
    let mut customers = vec![Some(f.customer), None];
    for (i, d) in [(2, Some(f.other_district)), (3, None)] {
        let id: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "INSERT INTO customers (account_no, name, address, district_id, created_at) \
             VALUES ('200000000{i}', '客户{i}', '路{i}号', {}, {NOW}) RETURNING id",
            opt(d)
        )))
        .fetch_one(s.write_pool())
        .await
        .unwrap();
        customers.push(Some(id));
    }
    let mut g = Gen(19);
    // Instants: spread over the span, plus a cluster around each zone change.
    let lord_howe_change = 1_775_314_800_000; // 2026-04-04 15:00 UTC = 02:00 LHDT → 01:30
    let berlin_change = 1_774_746_000_000; // 2026-03-29 01:00 UTC
    let mut times: Vec<i64> = (0..1500).map(|_| T0 + g.below(SPAN as u64)).collect();
    for c in [lord_howe_change, berlin_change] {
        times.extend((0..60).map(|_| c - 2 * H + g.below(4 * H as u64)));
    }
    // Exactly on hour and period boundaries.
    times.extend((0..40).map(|i| T0 + i * 6 * H));
    let queues = ["general", "billing", "repairs", "nightly"];
    let paths = [
        "[]",
        r#"["main/start"]"#,
        r#"["main/start","bills/none"]"#,
        r#"["main/start","bills/none","main/menu","agent/start"]"#,
        r#"["main/start","leak/report","main/menu"]"#,
    ];
    let reasons = [
        "billing/query",
        "billing/dispute",
        "repair/leak",
        "complaint/attitude",
        "info/reading",
    ];
    for (n, chunk) in times.chunks(200).enumerate() {
        let mut calls = String::from(
            "INSERT INTO calls (call_ref, caller, dialled, customer_id, started_at, ivr_ended_at, \
             ended_at, ivr_path, queue, agent_id, disposition, wait_ms, talk_ms, hold_ms, \
             wrapup_ms, survey_score, direction) VALUES ",
        );
        let mut why = Vec::new();
        for (k, &at) in chunk.iter().enumerate() {
            let r = format!("r{n}-{k}");
            let kind = g.below(10);
            let queue = (kind >= 3).then(|| g.pick(&queues));
            let agent = (kind >= 5 || g.below(20) == 0).then(|| agents[g.below(4) as usize]);
            let disposition = match kind {
                0 => Some("self_served"),
                1 => Some(g.pick(&["abandoned_in_ivr", "unserved_in_ivr"])),
                2 => None,
                3 | 4 => Some("abandoned_in_queue"),
                _ => Some(g.pick(&["answered", "answered", "answered", "other"])),
            };
            // Some waits exactly on the queues' thresholds.
            let edges = [2_000, 5_000, 10_000, 15_000, 20_000, 30_000];
            let wait = match g.below(8) {
                0 => None,
                1 => Some(edges[g.below(6) as usize]),
                _ => Some(g.below(60_000)),
            };
            let survey = (g.below(3) == 0).then(|| 1 + g.below(5));
            let ivr = (g.below(6) > 0).then(|| at + 20_000);
            let ended = (g.below(30) > 0).then(|| at + 300_000);
            let direction = if g.below(25) == 0 {
                "outbound"
            } else {
                "inbound"
            };
            let sep = if k == 0 { "" } else { "," };
            calls.push_str(&format!(
                "{sep}('{r}', '1380000{k:04}', '96655', {}, {at}, {}, {}, '{}', {}, {}, {}, {}, {}, {}, {}, {}, '{direction}')",
                opt(customers[g.below(4) as usize]),
                opt(ivr),
                opt(ended),
                g.pick(&paths),
                queue.map_or("NULL".into(), |q| format!("'{q}'")),
                opt(agent),
                disposition.map_or("NULL".into(), |d| format!("'{d}'")),
                opt(wait),
                opt((g.below(5) > 0).then(|| g.below(600_000))),
                opt((g.below(2) > 0).then(|| g.below(60_000))),
                opt((g.below(5) > 0).then_some(10_000)),
                opt(survey),
            ));
            for code in reasons {
                if g.below(4) == 0 {
                    why.push(format!("('{r}', '{code}', 'agent', NULL, {at})"));
                }
            }
        }
        sqlx::query(sqlx::AssertSqlSafe(calls.clone()))
            .execute(s.write_pool())
            .await
            .unwrap();
        if !why.is_empty() {
            let sql = format!(
                "INSERT INTO call_reasons (call_ref, code, source, agent_id, at) VALUES {}",
                why.join(",")
            );
            sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .execute(s.write_pool())
                .await
                .unwrap();
        }
    }
    // Tickets: kinds, districts, done or not, overdue or not; and their follow-ups.
    let mut tickets = String::from(
        "INSERT INTO tickets (kind, priority, status, district_id, address, summary, created_via, \
         created_at, updated_at, on_site_at, replied_at, closed_at, due_on_site_at, due_reply_at, \
         due_follow_up_at, followed_up_at) VALUES ",
    );
    for k in 0..400 {
        let at = T0 + g.below(SPAN as u64);
        let district = [Some(f.district), Some(f.other_district), None][g.below(3) as usize];
        let on_site = (g.below(2) == 0).then(|| at + g.below(4 * H as u64));
        let replied = (g.below(2) == 0).then(|| at + g.below(8 * H as u64));
        let closed = (g.below(3) == 0).then(|| at + 9 * H);
        let follow_up_due = closed
            .filter(|_| g.below(2) == 0)
            .map(|c| c + g.below(72 * H as u64));
        let followed_up = follow_up_due.filter(|_| g.below(2) == 0).map(|d| d - H);
        let sep = if k == 0 { "" } else { "," };
        tickets.push_str(&format!(
            "{sep}('{}', 'normal', 'accepted', {}, '路', '工单', 'agent', {at}, {at}, {}, {}, {}, {}, {}, {}, {})",
            g.pick(&["leak", "meter_fault", "billing_dispute"]),
            opt(district),
            opt(on_site),
            opt(replied),
            opt(closed),
            at + g.below(48 * H as u64),
            at + g.below(96 * H as u64),
            opt(follow_up_due),
            opt(followed_up),
        ));
    }
    sqlx::query(sqlx::AssertSqlSafe(tickets.clone()))
        .execute(s.write_pool())
        .await
        .unwrap();
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM tickets ORDER BY id")
        .fetch_all(s.write_pool())
        .await
        .unwrap();
    let mut fus = Vec::new();
    for id in &ids {
        if g.below(2) == 0 {
            continue;
        }
        let due = T0 + g.below(SPAN as u64);
        fus.push(format!(
            "({id}, {due}, {due}, 1, 3, '{}', {}, {}, {due})",
            g.pick(&["pending", "reached", "not_reached"]),
            opt((g.below(3) > 0).then(|| agents[g.below(4) as usize])),
            opt((g.below(2) == 0).then(|| 1 + g.below(5))),
        ));
    }
    let sql = format!(
        "INSERT INTO followups (ticket_id, due_at, next_attempt_at, attempts, max_attempts, \
         status, agent_id, rating, updated_at) VALUES {}",
        fus.join(",")
    );
    sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
        .execute(s.write_pool())
        .await
        .unwrap();
}

fn date(year: i32, month: u8, day: u8) -> CivilDate {
    CivilDate { year, month, day }
}

fn rules() -> Rules {
    let mut r = Rules::default();
    r.queues.insert(
        "billing".into(),
        StatsRule {
            service_level_ms: 30_000,
            short_abandon_ms: 10_000,
        },
    );
    r.queues.insert(
        "repairs".into(),
        StatsRule {
            service_level_ms: 15_000,
            short_abandon_ms: 2_000,
        },
    );
    r
}

/// The report cases: zone, period, first and last day.
fn cases() -> Vec<(&'static str, Period, CivilDate, CivilDate)> {
    vec![
        (
            "Asia/Shanghai",
            Period::Daily,
            date(2026, 3, 26),
            date(2026, 4, 10),
        ),
        (
            "Asia/Shanghai",
            Period::Weekly,
            date(2026, 3, 20),
            date(2026, 4, 30),
        ),
        (
            "Asia/Shanghai",
            Period::Monthly,
            date(2026, 3, 1),
            date(2026, 4, 30),
        ),
        (
            "Asia/Shanghai",
            Period::Daily,
            date(2026, 4, 2),
            date(2026, 4, 2),
        ),
        (
            "Europe/Berlin",
            Period::Daily,
            date(2026, 3, 26),
            date(2026, 4, 9),
        ),
        (
            "Europe/Berlin",
            Period::Weekly,
            date(2026, 3, 26),
            date(2026, 4, 9),
        ),
        (
            "Australia/Lord_Howe",
            Period::Daily,
            date(2026, 3, 27),
            date(2026, 4, 9),
        ),
        (
            "Australia/Lord_Howe",
            Period::Monthly,
            date(2026, 3, 27),
            date(2026, 4, 9),
        ),
        (
            "Asia/Kolkata",
            Period::Daily,
            date(2026, 3, 27),
            date(2026, 4, 9),
        ),
    ]
}

/// Every case's report from SQL equals the one built row by row; the number of hour slots
/// split by a zone change.
async fn all_cases_equal(s: &Store, now: i64, what: &str) -> usize {
    let mut split = 0;
    for (zone, period, from, to) in cases() {
        let zone = Zone::named(zone).unwrap();
        let b = || Builder::new(zone.clone(), period, from, to, rules());
        split += b().split_slots().len();
        let sql = s.build_report(b(), now).await.unwrap();
        let rows = s.build_report_by_rows(b(), now).await.unwrap();
        let label = format!("{what}: {zone} {period:?} {from:?}–{to:?}");
        // Not empty: the comparison compares figures.
        let offered: i64 = rows.periods.iter().map(|p| p.calls.offered).sum();
        assert!(offered > 50, "{label}: {offered} calls offered");
        assert!(rows.periods.iter().any(|p| !p.by_reason.is_empty()));
        assert!(rows.periods.iter().any(|p| p.ivr_by_flow.len() >= 3));
        assert!(rows.periods.iter().any(|p| p.tickets.overdue > 0));
        assert!(rows.periods.iter().any(|p| p.follow_ups.due > 0));
        assert_eq!(sql.periods.len(), rows.periods.len(), "{label}");
        for (a, b) in sql.periods.iter().zip(&rows.periods) {
            assert_eq!(a, b, "{label}: period {}", b.start);
        }
        assert_eq!(sql, rows, "{label}");
    }
    split
}

#[tokio::test]
async fn sql_aggregated_reports_equal_the_builder_fed_row_by_row() {
    each_store(|s| async move {
        seed(&s).await;
        let now = T0 + 10 * 24 * H;
        // The queues' thresholds are not the roll-ups' yet: the reports read the records.
        assert_eq!(s.report_rules().await.unwrap(), Rules::default());
        let split = all_cases_equal(&s, now, "records").await;
        // Lord Howe's half-hour change split hour slots, and their calls were counted.
        assert!(split > 0, "no hour slot split by a zone change");
        // Kept (recomputed once): the whole-hour zones' reports come from the roll-ups.
        assert!(s.set_report_rules(&rules()).await.unwrap());
        assert!(!s.set_report_rules(&rules()).await.unwrap());
        assert_eq!(s.report_rules().await.unwrap(), rules());
        all_cases_equal(&s, now, "roll-ups").await;
        // Judged in the hour a ticket falls overdue, a millisecond after its deadline: the
        // roll-up's row for that hour is not whole, the ticket is counted from the records.
        let now = a_deadline_just_passed(&s).await;
        all_cases_equal(&s, now, "roll-ups, a deadline in now's hour").await;
    })
    .await;
}

/// A ticket's events and deadlines: on site, replied, followed up; their three deadlines.
type Deadlines = (
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
);

/// A millisecond after the instant a ticket in the middle of the seeded span falls overdue
/// (its earliest deadline whose event has not happened), that instant not an hour's last
/// millisecond: so `now`'s hour holds an overdue ticket, and only part of it has passed.
async fn a_deadline_just_passed(s: &Store) -> i64 {
    let rows: Vec<Deadlines> = sqlx::query_as(
        "SELECT on_site_at, replied_at, followed_up_at, due_on_site_at, due_reply_at, \
         due_follow_up_at FROM tickets ORDER BY id",
    )
    .fetch_all(s.write_pool())
    .await
    .unwrap();
    let late = |(on_site, replied, followed, d_on, d_reply, d_fu): Deadlines| {
        [
            d_on.filter(|_| on_site.is_none() && replied.is_none()),
            d_reply.filter(|_| replied.is_none()),
            d_fu.filter(|_| followed.is_none()),
        ]
        .into_iter()
        .flatten()
        .min()
    };
    let at = rows
        .into_iter()
        .filter_map(late)
        .find(|&t| t > T0 + SPAN / 2 && t % H < H - 1)
        .expect("a ticket falling overdue in the second half of the span");
    at + 1
}

/// The roll-ups are read (not the records) once the thresholds are kept, and they follow
/// every later change: a finished call's survey score and wrap-up, a record finished late or
/// made unfinished, reasons added and removed, a customer moved to another district, a
/// record deleted, a call inserted already finished; tickets reached, replied, closed,
/// followed up, moved, re-kinded, given new deadlines, deleted and inserted. A roll-up
/// changed by hand shows in the report, so the comparison compares the roll-ups.
#[tokio::test]
async fn the_roll_ups_follow_every_change_of_the_records() {
    each_store(|s| async move {
        seed(&s).await;
        let now = T0 + 10 * 24 * H;
        s.set_report_rules(&rules()).await.unwrap();
        let exec = |sql: &'static str| {
            let pool = s.write_pool().clone();
            async move {
                sqlx::query(sql).execute(&pool).await.unwrap();
            }
        };
        exec("UPDATE calls SET survey_score = 5 WHERE call_ref LIKE 'r1-%' AND survey_score IS NULL").await;
        exec("UPDATE calls SET wrapup_ms = 77000, wait_ms = 1000 WHERE call_ref LIKE 'r2-%'").await;
        exec("UPDATE calls SET ended_at = NULL WHERE call_ref LIKE 'r3-1%'").await;
        exec("UPDATE calls SET ended_at = started_at + 60000 WHERE ended_at IS NULL AND call_ref LIKE 'r4-%'").await;
        exec("UPDATE calls SET queue = 'billing', disposition = 'answered' WHERE call_ref LIKE 'r5-2%'").await;
        exec("DELETE FROM call_reasons WHERE call_ref LIKE 'r0-%'").await;
        exec("INSERT INTO call_reasons (call_ref, code, source, agent_id, at) \
              SELECT call_ref, 'info/other', 'agent', NULL, started_at FROM calls WHERE call_ref LIKE 'r6-%'").await;
        exec("UPDATE call_reasons SET code = 'billing/payment' WHERE code = 'repair/leak' AND call_ref LIKE 'r7-%'").await;
        exec("UPDATE customers SET district_id = NULL WHERE account_no = '2000000002'").await;
        exec("DELETE FROM calls WHERE call_ref LIKE 'r8-%'").await;
        exec("INSERT INTO calls (call_ref, caller, dialled, started_at, ended_at, queue, agent_id, \
              disposition, wait_ms, talk_ms, direction) \
              SELECT 'late-' || call_ref, caller, dialled, started_at + 1000, started_at + 9000, 'repairs', \
              agent_id, 'answered', 14000, 5000, 'inbound' FROM calls WHERE call_ref LIKE 'r9-%'").await;
        // Tickets: reached on site, replied, closed, followed up, moved, re-kinded, given
        // new deadlines, deleted, inserted.
        exec("UPDATE tickets SET on_site_at = created_at + 1800000 WHERE on_site_at IS NULL AND id % 5 = 0").await;
        exec("UPDATE tickets SET replied_at = created_at + 7200000, closed_at = created_at + 9000000 WHERE replied_at IS NULL AND id % 7 = 1").await;
        exec("UPDATE tickets SET followed_up_at = due_follow_up_at - 1 WHERE followed_up_at IS NULL AND due_follow_up_at IS NOT NULL AND id % 2 = 0").await;
        exec("UPDATE tickets SET district_id = NULL WHERE id % 11 = 3").await;
        exec("UPDATE tickets SET kind = 'complaint' WHERE id % 13 = 4").await;
        exec("UPDATE tickets SET due_reply_at = due_reply_at + 86400000 WHERE id % 9 = 2").await;
        exec("UPDATE tickets SET status = 'dispatched', updated_at = updated_at + 1").await;
        exec("DELETE FROM tickets WHERE id % 17 = 5 AND id NOT IN (SELECT ticket_id FROM followups)").await;
        exec("INSERT INTO tickets (kind, priority, status, district_id, address, summary, created_via, \
              created_at, updated_at, due_on_site_at, due_reply_at) \
              SELECT 'leak', 'urgent', 'accepted', district_id, address, summary, created_via, \
              created_at + 60000, created_at + 60000, created_at + 2760000, created_at + 86400000 \
              FROM tickets WHERE id % 19 = 6").await;
        all_cases_equal(&s, now, "after changes").await;
        all_cases_equal(&s, a_deadline_just_passed(&s).await, "after changes, a deadline in now's hour").await;
        // The roll-ups are what the report reads.
        let zone = Zone::named("Asia/Shanghai").unwrap();
        let b = || Builder::new(zone.clone(), Period::Monthly, date(2026, 3, 1), date(2026, 4, 30), rules());
        let before = s.build_report(b(), now).await.unwrap();
        exec("UPDATE report_hour_queue SET offered = offered + 1000 \
              WHERE queue = 'billing' AND hour = (SELECT MIN(hour) FROM report_hour_queue WHERE queue = 'billing')").await;
        let after = s.build_report(b(), now).await.unwrap();
        let offered = |r: &hotline_store::report::Report| r.periods.iter().map(|p| p.calls.offered).sum::<i64>();
        assert_eq!(offered(&after), offered(&before) + 1000);
        let (hour, kind, district, late): (i64, String, i64, i64) = sqlx::query_as(
            "SELECT hour, kind, district_id, late_hour FROM report_hour_ticket WHERE created > 0 \
             ORDER BY hour, kind, district_id, late_hour LIMIT 1",
        )
        .fetch_one(s.write_pool())
        .await
        .unwrap();
        sqlx::query(
            "UPDATE report_hour_ticket SET closed = closed + 100 \
             WHERE hour = $1 AND kind = $2 AND district_id = $3 AND late_hour = $4",
        )
        .bind(hour)
        .bind(kind)
        .bind(district)
        .bind(late)
        .execute(s.write_pool())
        .await
        .unwrap();
        let closed = |r: &hotline_store::report::Report| r.periods.iter().map(|p| p.tickets.closed).sum::<i64>();
        assert_eq!(closed(&s.build_report(b(), now).await.unwrap()), closed(&after) + 100);
        // Other thresholds: recomputed from the records, the hand-made change gone.
        let mut other = rules();
        other.default.service_level_ms = 45_000;
        assert!(s.set_report_rules(&other).await.unwrap());
        let b = || Builder::new(zone.clone(), Period::Monthly, date(2026, 3, 1), date(2026, 4, 30), other.clone());
        assert_eq!(s.build_report(b(), now).await.unwrap(), s.build_report_by_rows(b(), now).await.unwrap());
    })
    .await;
}

/// The report reads from the read pool only: while a report's read is in progress (a
/// statement over the month's calls stepped part way, holding its snapshot), the call log
/// still writes call records; and the report made afterwards counts them.
#[tokio::test]
async fn call_records_are_written_while_a_report_reads() {
    use futures_util::StreamExt;
    each_store(|s| async move {
        seed(&s).await;
        let mut reader = s.read_pool().acquire().await.unwrap();
        let mut rows = sqlx::query("SELECT c.started_at, c.queue, c.wait_ms FROM calls c, calls d")
            .fetch(&mut *reader);
        // The read is under way: its first rows are in.
        for _ in 0..10 {
            rows.next().await.unwrap().unwrap();
        }
        let started = T0 + 5 * MIN;
        for i in 0..20 {
            let id = tokio::time::timeout(
                std::time::Duration::from_secs(10),
                s.start_call(&NewCall {
                    call_ref: format!("during-{i}"),
                    caller: "13800002222".into(),
                    dialled: "96655".into(),
                    started_at: started + i,
                }),
            )
            .await
            .expect("the call log's write waited on the report's read")
            .unwrap()
            .id;
            s.update_call(
                id,
                &hotline_store::CallUpdate {
                    ended_at: Some(started + 60_000),
                    queue: Some("general".into()),
                    disposition: Some(hotline_store::Disposition::AbandonedInQueue),
                    wait_ms: Some(30_000),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        }
        // The read goes on after the writes.
        rows.next().await.unwrap().unwrap();
        drop(rows);
        drop(reader);
        let zone = Zone::named("UTC").unwrap();
        let d = date(2026, 3, 27);
        let b = Builder::new(zone, Period::Daily, d, d, Rules::default());
        let r = s.build_report(b, T0 + 24 * H).await.unwrap();
        let by_hour = &r.periods[0].by_hour[0];
        let by_rows = s
            .build_report_by_rows(
                Builder::new(
                    Zone::named("UTC").unwrap(),
                    Period::Daily,
                    d,
                    d,
                    Rules::default(),
                ),
                T0 + 24 * H,
            )
            .await
            .unwrap();
        assert_eq!(r, by_rows);
        assert!(by_hour.figures.abandoned >= 20, "{by_hour:?}");
    })
    .await;
}
