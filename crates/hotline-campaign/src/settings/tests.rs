use super::*;
use serde_json::json;

fn field(v: serde_json::Value) -> String {
    Settings::parse(&v).unwrap_err().field
}

#[test]
fn nothing_given_is_the_issues_defaults() {
    let s = Settings::parse(&serde_json::Value::Null).unwrap();
    let n = s.normalised().unwrap();
    assert_eq!(n["window"], json!(["09:00-12:00", "14:00-20:00"]));
    assert_eq!(n["weekdays"], json!([1, 2, 3, 4, 5, 6, 7]));
    assert_eq!(n["skip_holidays"], json!(true));
    assert_eq!(n["abandoned_limit_percent"], json!(3.0));
    assert_eq!(n["agent_wait_secs"], json!(5));
    assert_eq!(
        n["retry"]["busy"],
        json!({"attempts": 3, "interval_min": 10})
    );
    assert_eq!(n["max_per_day"], json!(0));
    // The normalised form reads back to the same campaign.
    let again = Settings::parse(&n).unwrap();
    let zone = Zone::utc();
    assert_eq!(
        again
            .campaign("c", Mode::IvrOnly, zone.clone(), &[])
            .unwrap(),
        s.campaign("c", Mode::IvrOnly, zone, &[]).unwrap()
    );
}

#[test]
fn given_settings_reach_the_dialler() {
    let s = Settings::parse(&json!({
        "window": ["18:00-20:30", "10:00-11:00"],
        "weekdays": [1, 2, 3, 4, 5],
        "retry": {"busy": {"attempts": 5, "interval_min": 2}},
        "max_per_day": 1,
        "attempts_per_sec": 50,
        "max_lines": 1000,
        "over_dial": 1.5,
        "abandoned_limit_percent": 2.5,
        "caller_id": "+8602096655"
    }))
    .unwrap();
    let holiday = CivilDate {
        year: 2027,
        month: 1,
        day: 1,
    };
    let c = s
        .campaign("c", Mode::Progressive, Zone::utc(), &[holiday])
        .unwrap();
    assert_eq!(
        c.window.spans(),
        [DailySpan::hm(10, 0, 11, 0), DailySpan::hm(18, 0, 20, 30)]
    );
    assert!(!c.window.day_allowed(holiday), "a public holiday");
    // 2026-12-12 is a Saturday.
    assert!(!c.window.day_allowed(CivilDate {
        year: 2026,
        month: 12,
        day: 12
    }));
    assert!(c.window.day_allowed(CivilDate {
        year: 2026,
        month: 12,
        day: 11
    }));
    assert_eq!(c.retry.busy.attempts, 5);
    assert_eq!(c.retry.busy.interval, 2 * MINUTE);
    assert_eq!(c.retry.no_answer, RetryRules::default().no_answer);
    assert_eq!(c.daily_limit.max_per_day, Some(1));
    assert_eq!((c.route.attempts_per_sec, c.route.max_lines), (50, 1000));
    assert_eq!(c.over_dial_permille, 1500);
    assert_eq!(c.abandoned_limit_permille, 25);
    let with_holidays = Settings::parse(&json!({"skip_holidays": false})).unwrap();
    let c = with_holidays
        .campaign("c", Mode::IvrOnly, Zone::utc(), &[holiday])
        .unwrap();
    assert!(c.window.day_allowed(holiday), "holidays not skipped");
}

#[test]
fn a_bad_setting_names_its_field() {
    assert_eq!(field(json!({"window": ["9-12"]})), "window[0]");
    assert_eq!(
        field(json!({"window": ["09:00-12:00", "11:00-13:00"]})),
        "window"
    );
    assert_eq!(field(json!({"window": ["12:00-09:00"]})), "window");
    assert_eq!(field(json!({"window": ["09:00-24:01"]})), "window[0]");
    assert_eq!(field(json!({"window": []})), "window");
    assert_eq!(field(json!({"weekdays": [0]})), "weekdays");
    assert_eq!(
        field(json!({"retry": {"busy": {"attempts": 0, "interval_min": 5}}})),
        "retry.busy.attempts"
    );
    assert_eq!(
        field(json!({"retry": {"failed": {"attempts": 2, "interval_min": 0}}})),
        "retry.failed.interval_min"
    );
    assert_eq!(field(json!({"attempts_per_sec": 0})), "attempts_per_sec");
    assert_eq!(field(json!({"max_lines": 0})), "max_lines");
    assert_eq!(field(json!({"over_dial": 0.5})), "over_dial");
    assert_eq!(
        field(json!({"abandoned_limit_percent": 11})),
        "abandoned_limit_percent"
    );
    assert_eq!(field(json!({"agent_wait_secs": 0})), "agent_wait_secs");
    assert_eq!(field(json!({"agent_wait_secs": 31})), "agent_wait_secs");
    assert_eq!(field(json!({"caller_id": "96655; drop"})), "caller_id");
    let e = Settings::parse(&json!({"windw": []})).unwrap_err();
    assert_eq!(e.field, "settings");
    assert!(e.reason.contains("windw"), "{e}");
    assert_eq!(field(json!({"attempts_per_sec": "fast"})), "settings");
    assert_eq!(field(json!([1])), "settings");
}

#[test]
fn an_sms_campaign_has_checked_templates() {
    let s = Settings::parse(&json!({
        "channel": "sms",
        "sms": {"templates": {"zh": "您欠费{amount_due}元", "en": "You owe {amount_due} yuan"}}
    }))
    .unwrap();
    assert!(s.is_sms());
    let n = s.normalised().unwrap();
    assert_eq!(n["channel"], json!("sms"));
    assert_eq!(n["sms"]["templates"]["zh"], json!("您欠费{amount_due}元"));
    assert!(Settings::parse(&n).unwrap().texts().unwrap().is_some());
    // The receipt wait: an hour unless given, 0 for none, at most three days.
    assert_eq!(n["sms"]["receipt_wait_secs"], json!(3600));
    let c = |v| {
        Settings::parse(&v)
            .unwrap()
            .campaign("t", Mode::IvrOnly, Zone::utc(), &[])
    };
    let sms = |wait: serde_json::Value| json!({"channel": "sms", "sms": {"templates": {"zh": "x"}, "receipt_wait_secs": wait}});
    assert_eq!(c(n.clone()).unwrap().receipt_wait, Some(3_600_000));
    assert_eq!(c(sms(json!(0))).unwrap().receipt_wait, None);
    assert_eq!(
        c(sms(json!(259_200))).unwrap().receipt_wait,
        Some(259_200_000)
    );
    assert_eq!(field(sms(json!(259_201))), "sms.receipt_wait_secs");
    assert_eq!(c(json!({})).unwrap().receipt_wait, None, "a call campaign");
    // An unknown placeholder names the template and the placeholder.
    let e = Settings::parse(&json!({
        "channel": "sms",
        "sms": {"templates": {"zh": "您欠费{amount}元"}}
    }))
    .unwrap_err();
    assert_eq!(e.field, "sms.templates.zh");
    assert!(e.reason.contains("{amount}"), "{e}");
    assert_eq!(field(json!({"channel": "sms"})), "sms");
    assert_eq!(field(json!({"sms": {"templates": {"zh": "x"}}})), "sms");
    assert_eq!(field(json!({"channel": "fax"})), "settings");
    // A call campaign's normalised settings say nothing of SMS.
    let call = Settings::parse(&json!({})).unwrap().normalised().unwrap();
    assert!(call.get("channel").is_none() && call.get("sms").is_none());
    assert!(!Settings::parse(&call).unwrap().is_sms());
}
