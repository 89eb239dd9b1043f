//! The outbound helpers: target data conversion, results, the promise date arithmetic.

use super::*;

fn date(year: i32, month: u8, day: u8) -> Date {
    Date { year, month, day }
}

#[test]
fn target_data_is_converted_by_the_declared_types() {
    let fields = vec![
        ("account".to_string(), FieldType::Text),
        ("amount_due".to_string(), FieldType::Money),
        ("months".to_string(), FieldType::Number),
        ("closed".to_string(), FieldType::Date),
    ];
    let data: BTreeMap<String, String> = [
        ("account", "1000000001"),
        ("amount_due", "1234.5"),
        ("months", "3"),
        ("closed", "2026-11-10"),
        ("screen_pop_only", "kept out"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let v = target_value(&fields, &data).expect("converts");
    assert_eq!(v.field("account"), &Value::text("1000000001"));
    assert_eq!(v.field("amount_due"), &Value::Money(123_450));
    assert_eq!(v.field("months"), &Value::Int(3));
    assert_eq!(v.field("closed"), &Value::Date(date(2026, 11, 10)));
    assert_eq!(v.field("screen_pop_only"), &Value::Null);
    assert_eq!(
        target_type(&fields),
        Type::Record(
            [
                ("account", Type::Text),
                ("amount_due", Type::Money),
                ("months", Type::Int),
                ("closed", Type::Date)
            ]
            .into_iter()
            .map(|(k, t)| (k.to_string(), t))
            .collect()
        )
    );
}

#[test]
fn missing_or_wrong_target_data_is_named_field_by_field() {
    let fields = vec![
        ("amount_due".to_string(), FieldType::Money),
        ("months".to_string(), FieldType::Number),
        ("closed".to_string(), FieldType::Date),
    ];
    let data: BTreeMap<String, String> = [("amount_due", "12.345"), ("closed", "2026-02-30")]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let e = target_value(&fields, &data).expect_err("refused");
    assert!(e.contains("amount_due: `12.345` is not an amount"), "{e}");
    assert!(e.contains("months: missing"), "{e}");
    assert!(e.contains("closed: `2026-02-30` is not a date"), "{e}");
}

#[test]
fn money_in_yuan() {
    for (s, fen) in [
        ("0", 0),
        ("0.05", 5),
        ("105.3", 10_530),
        ("1234.50", 123_450),
    ] {
        assert_eq!(FieldType::Money.value(s), Ok(Value::Money(fen)), "{s}");
    }
    for bad in ["", "-1", "1.", ".5", "1.234", "1,5", "abc"] {
        assert!(FieldType::Money.value(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn days_between_dates() {
    assert_eq!(day_number(date(1970, 1, 1)), 0);
    assert_eq!(day_number(date(2000, 3, 1)), 11_017);
    assert_eq!(days_between(date(2026, 11, 18), date(2026, 12, 2)), 14);
    assert_eq!(days_between(date(2026, 12, 28), date(2027, 1, 5)), 8);
    assert_eq!(days_between(date(2028, 2, 28), date(2028, 3, 1)), 2);
    assert_eq!(days_between(date(2026, 11, 18), date(2026, 11, 1)), -17);
}

#[test]
fn mmdd_is_the_nearest_such_day() {
    let today = date(2026, 11, 18);
    assert_eq!(mmdd_date("1125", today), Some(date(2026, 11, 25)));
    assert_eq!(mmdd_date("1101", today), Some(date(2026, 11, 1)));
    assert_eq!(
        mmdd_date("0105", date(2026, 12, 28)),
        Some(date(2027, 1, 5))
    );
    assert_eq!(
        mmdd_date("1230", date(2027, 1, 2)),
        Some(date(2026, 12, 30))
    );
    assert_eq!(
        mmdd_date("0229", date(2028, 2, 20)),
        Some(date(2028, 2, 29))
    );
    for bad in ["0230", "1301", "0000", "125", "11255", "11a5", ""] {
        assert_eq!(mmdd_date(bad, today), None, "{bad:?}");
    }
}

#[test]
fn a_record_keeps_the_last_result_and_promise() {
    let mut r = Record::default();
    r.add(Outbound::Result(CallResult::Reached));
    r.add(Outbound::Promise {
        amount_fen: 100,
        by: date(2026, 11, 20),
    });
    r.add(Outbound::Result(CallResult::Promise));
    assert_eq!(r.result, Some(CallResult::Promise));
    assert_eq!(r.promise, Some((100, date(2026, 11, 20))));
    assert!(!r.opted_out);
    r.add(Outbound::OptOut);
    r.add(Outbound::Result(CallResult::OptOut));
    assert!(r.opted_out);
    assert_eq!(r.result.map(|r| r.to_string()), Some("opt_out".into()));
    assert_eq!(CallResult::Rating(4).to_string(), "rating 4");
}
