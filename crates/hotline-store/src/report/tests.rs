use super::*;

const H: Millis = 3_600_000;
const DAY: Millis = 24 * H;

fn shanghai() -> Zone {
    Zone::named("Asia/Shanghai").unwrap()
}

fn d(year: i32, month: u8, day: u8) -> CivilDate {
    CivilDate { year, month, day }
}

/// 2026-12-01 00:00 in Shanghai (UTC+8).
fn dec1() -> Millis {
    shanghai().day_start(d(2026, 12, 1))
}

fn answered(at: Millis, queue: &str, agent: i64, wait: i64, talk: i64) -> CallRow {
    CallRow {
        started_at: at,
        queue: Some(queue.into()),
        agent_id: Some(agent),
        disposition: Some("answered".into()),
        ivr: true,
        wait_ms: Some(wait),
        talk_ms: Some(talk),
        hold_ms: Some(1_000),
        wrapup_ms: Some(9_000),
        ..CallRow::default()
    }
}

fn abandoned(at: Millis, wait: i64) -> CallRow {
    CallRow {
        started_at: at,
        queue: Some("billing".into()),
        disposition: Some("abandoned_in_queue".into()),
        ivr: true,
        wait_ms: Some(wait),
        ..CallRow::default()
    }
}

#[test]
fn periods_are_local_days_monday_weeks_and_months_clipped_to_the_range() {
    let z = shanghai();
    let days = periods(&z, Period::Daily, d(2026, 12, 1), d(2026, 12, 3));
    assert_eq!(days.len(), 3);
    assert_eq!(days[0].1, dec1());
    assert_eq!(days[2].2, dec1() + 3 * DAY);
    // 2026-12-01 is a Tuesday: the first week is Tue–Sun, then Monday 12-07.
    let weeks = periods(&z, Period::Weekly, d(2026, 12, 1), d(2026, 12, 20));
    let starts: Vec<String> = weeks.iter().map(|w| date_text(w.0)).collect();
    assert_eq!(starts, ["2026-12-01", "2026-12-07", "2026-12-14"]);
    assert_eq!(weeks[2].2, dec1() + 20 * DAY);
    let months = periods(&z, Period::Monthly, d(2026, 11, 15), d(2027, 1, 31));
    let starts: Vec<String> = months.iter().map(|w| date_text(w.0)).collect();
    assert_eq!(starts, ["2026-11-15", "2026-12-01", "2027-01-01"]);
}

#[test]
fn call_figures_follow_the_wallboard_definitions() {
    let z = shanghai();
    let mut rules = Rules::default();
    rules.queues.insert(
        "repairs".into(),
        StatsRule {
            service_level_ms: 30_000,
            short_abandon_ms: 10_000,
        },
    );
    let mut b = Builder::new(z, Period::Daily, d(2026, 12, 1), d(2026, 12, 2), rules);
    let t = dec1() + 9 * H; // 09:00 local
    let mut c1 = answered(t, "billing", 7, 10_000, 100_000);
    c1.reasons = vec!["billing/query".into()];
    c1.district_id = Some(3);
    c1.survey_score = Some(5);
    let mut c2 = answered(t + 60_000, "billing", 8, 40_000, 200_000);
    c2.reasons = vec!["billing/query".into(), "complaint/attitude".into()];
    c2.survey_score = Some(2);
    let c3 = answered(t + H, "repairs", 7, 25_000, 50_000); // within 30 s
    let c4 = abandoned(t, 3_000); // short
    let c5 = abandoned(t, 50_000);
    let ivr_only = CallRow {
        started_at: t,
        disposition: Some("self_served".into()),
        ivr: true,
        flows: flows_of_path(r#"["main/start","bills/none"]"#),
        ..CallRow::default()
    };
    assert_eq!(ivr_only.flows, ["main", "bills"]);
    let next_day = answered(dec1() + DAY + 23 * H, "billing", 7, 1_000, 10_000);
    let outside = answered(dec1() - 1, "billing", 7, 1_000, 10_000);
    for c in [&c1, &c2, &c3, &c4, &c5, &ivr_only, &next_day, &outside] {
        b.add_call(c);
    }
    b.add_ticket(&TicketRow {
        kind: "leak".into(),
        district_id: Some(3),
        created_at: t,
        on_site_at: Some(t + 30 * 60_000),
        replied_at: Some(t + H),
        closed_at: Some(t + 2 * H),
        overdue: false,
    });
    b.add_ticket(&TicketRow {
        kind: "leak".into(),
        created_at: t,
        overdue: true,
        ..TicketRow::default()
    });
    for (status, agent, district, rating) in [
        ("reached", Some(7), Some(3), Some(4)),
        ("reached", Some(7), Some(3), Some(2)),
        ("not_reached", Some(8), None, None),
        ("pending", None, Some(3), None),
    ] {
        b.add_follow_up(&FollowUpRow {
            due_at: t,
            status: status.into(),
            agent_id: agent,
            district_id: district,
            rating,
        });
    }
    let r = b.finish();
    assert_eq!(r.periods.len(), 2);
    let p = &r.periods[0];
    assert_eq!(p.start, "2026-12-01");
    let c = &p.calls;
    assert_eq!(
        (c.offered, c.answered, c.abandoned, c.short_abandoned),
        (5, 3, 2, 1)
    );
    // Within: c1 (10 s ≤ 20 s) and c3 (25 s ≤ 30 s, its queue's rule): 2 / (3 + 2 − 1).
    assert_eq!(c.answered_within_sl, 2);
    assert_eq!(c.service_level_percent, Some(50.0));
    assert_eq!(
        c.average_speed_of_answer_ms,
        Some((10_000 + 40_000 + 25_000) / 3)
    );
    assert_eq!(
        c.average_handle_ms,
        Some((100_000 + 200_000 + 50_000 + 3 * 10_000) / 3)
    );
    let key =
        |g: &[Keyed<QueueStats>], k: &str| g.iter().find(|x| x.key == k).map(|x| x.figures.clone());
    assert_eq!(key(&p.by_queue, "billing").unwrap().offered, 4);
    assert_eq!(
        key(&p.by_queue, "repairs").unwrap().service_level_percent,
        Some(100.0)
    );
    assert_eq!(key(&p.by_agent, "7").unwrap().answered, 2);
    assert_eq!(key(&p.by_agent, "none").unwrap().abandoned, 2);
    assert_eq!(key(&p.by_reason, "billing/query").unwrap().answered, 2);
    assert_eq!(key(&p.by_reason, "complaint/attitude").unwrap().answered, 1);
    assert_eq!(key(&p.by_district, "3").unwrap().offered, 1);
    assert_eq!(p.by_hour.len(), 24);
    assert_eq!(key(&p.by_hour, "09").unwrap().offered, 4);
    assert_eq!(key(&p.by_hour, "10").unwrap().offered, 1);
    assert_eq!(
        (p.ivr.calls, p.ivr.self_served, p.ivr.transferred),
        (6, 1, 5)
    );
    assert_eq!(p.ivr.containment_percent, Some(100.0 / 6.0));
    let flow = |k: &str| {
        p.ivr_by_flow
            .iter()
            .find(|x| x.key == k)
            .map(|x| x.figures.clone())
    };
    assert_eq!(
        flow("bills").map(|f| (f.calls, f.self_served)),
        Some((1, 1))
    );
    assert_eq!(
        flow("main").map(|f| f.containment_percent),
        Some(Some(100.0))
    );
    let f = &p.follow_ups;
    assert_eq!((f.due, f.completed, f.reached, f.ratings), (4, 3, 2, 2));
    assert_eq!(
        (f.completion_percent, f.average_rating),
        (Some(75.0), Some(3.0))
    );
    let by_agent = |k: &str| {
        p.follow_ups_by_agent
            .iter()
            .find(|x| x.key == k)
            .map(|x| x.figures.clone())
    };
    assert_eq!(by_agent("7").map(|f| f.average_rating), Some(Some(3.0)));
    assert_eq!(
        by_agent("none").map(|f| f.completion_percent),
        Some(Some(0.0))
    );
    assert_eq!(p.follow_ups_by_district[0].key, "3");
    assert_eq!(p.follow_ups_by_district[0].figures.due, 3);
    assert_eq!((p.survey.answered_calls, p.survey.responses), (3, 2));
    assert_eq!(p.survey.average_score, Some(3.5));
    assert_eq!(
        (p.tickets.created, p.tickets.closed, p.tickets.overdue),
        (2, 1, 1)
    );
    assert_eq!(p.tickets.time_to_on_site_ms, Some(30 * 60_000));
    assert_eq!(p.tickets.time_to_reply_ms, Some(H));
    assert_eq!(p.tickets_by_kind[0].key, "leak");
    assert_eq!(p.tickets_by_district.len(), 2);
    // The next day has its own call (23:00 local) and nothing else; the call before the
    // range is in no period.
    assert_eq!(r.periods[1].calls.offered, 1);
    assert_eq!(key(&r.periods[1].by_hour, "23").unwrap().offered, 1);
}

#[test]
fn csv_has_a_bom_a_header_and_the_figures_quoted_where_needed() {
    let mut b = Builder::new(
        shanghai(),
        Period::Monthly,
        d(2026, 12, 1),
        d(2026, 12, 31),
        Rules::default(),
    );
    let mut c = answered(dec1() + H, "账务,特殊", 7, 1_000, 10_000);
    c.reasons = vec!["billing/query".into()];
    b.add_call(&c);
    let text = csv::to_csv(&b.finish());
    assert!(text.starts_with('\u{feff}'));
    let mut lines = text.trim_start_matches('\u{feff}').split("\r\n");
    assert_eq!(lines.next(), Some(csv::COLUMNS.join(",").as_str()));
    assert!(text.contains("calls_by_queue,2026-12-01,\"账务,特殊\",1,1,1,0,0,100.00,1000,20000,"));
    assert!(text.contains("calls_by_reason,2026-12-01,billing/query,1,1,"));
}

#[test]
fn hours_are_wall_clock_hours_on_a_daylight_saving_day() {
    // Berlin, 2026-03-29: clocks go from 02:00 to 03:00; 23 hours long.
    let z = Zone::named("Europe/Berlin").unwrap();
    let day = d(2026, 3, 29);
    let mut b = Builder::new(
        z.clone(),
        Period::Daily,
        day,
        d(2026, 3, 30),
        Rules::default(),
    );
    let start = z.day_start(day);
    let mut c = abandoned(start + 3 * H, 50_000); // 04:00 local (after the gap)
    b.add_call(&c);
    c.started_at = z.day_start(d(2026, 3, 30)) + 3 * H + 1; // 03:00 the next day
    b.add_call(&c);
    let r = b.finish();
    let hour = |p: &PeriodReport, h: usize| p.by_hour[h].figures.offered;
    assert_eq!((hour(&r.periods[0], 4), hour(&r.periods[0], 3)), (1, 0));
    assert_eq!(hour(&r.periods[1], 3), 1);
}
