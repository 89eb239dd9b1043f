//! ISO-8601 weeks against known dates.

use crate::{iso_week, parse_week_label, week_label, week_start, weeks_in_year};

#[test]
fn known_dates_fall_in_their_iso_weeks() {
    let cases = [
        ((2026, 1, 1), (2026, 1)),   // a Thursday: week 1 of its own year
        ((2025, 12, 29), (2026, 1)), // the Monday of that week
        ((2025, 12, 28), (2025, 52)),
        ((2027, 1, 1), (2026, 53)), // a Friday
        ((2027, 1, 3), (2026, 53)),
        ((2027, 1, 4), (2027, 1)),
        ((2021, 1, 3), (2020, 53)), // a Sunday
        ((2021, 1, 4), (2021, 1)),
        ((2024, 12, 30), (2025, 1)), // a Monday
        ((2024, 12, 29), (2024, 52)),
        ((2026, 12, 3), (2026, 49)),
        ((2024, 2, 29), (2024, 9)),
        ((2000, 1, 1), (1999, 52)),
        ((2008, 12, 29), (2009, 1)),
        ((2010, 1, 3), (2009, 53)),
        ((1970, 1, 1), (1970, 1)),
    ];
    for ((y, m, d), week) in cases {
        assert_eq!(iso_week(y, m, d), week, "{y}-{m}-{d}");
    }
}

#[test]
fn impossible_dates_are_clamped_not_panicked_on() {
    assert_eq!(iso_week(2026, 2, 31), iso_week(2026, 2, 28));
    assert_eq!(iso_week(2026, 13, 0), iso_week(2026, 12, 1));
    assert_eq!(iso_week(2026, 0, 99), iso_week(2026, 1, 31));
    let _ = iso_week(i32::MAX, 12, 31);
    let _ = iso_week(i32::MIN, 1, 1);
    let _ = week_start(i32::MAX, 255);
    let _ = week_start(i32::MIN, 0);
}

#[test]
fn years_have_52_or_53_weeks() {
    for (year, weeks) in [
        (2020, 53),
        (2021, 52),
        (2025, 52),
        (2026, 53),
        (2032, 53),
        (2100, 52),
    ] {
        assert_eq!(weeks_in_year(year), weeks, "{year}");
    }
}

#[test]
fn a_week_starts_on_its_monday() {
    assert_eq!(week_start(2026, 1), (2025, 12, 29));
    assert_eq!(week_start(2026, 49), (2026, 11, 30));
    assert_eq!(week_start(2026, 53), (2026, 12, 28));
    assert_eq!(week_start(2020, 53), (2020, 12, 28));
    assert_eq!(week_start(2025, 1), (2024, 12, 30));
    assert_eq!(week_start(2026, 0), (2025, 12, 22));
    // Every day of many years is in the week that starts on the Monday before it.
    let mut days = 0;
    for year in 1999..2031 {
        for month in 1..=12u8 {
            for day in 1..=31u8 {
                let (wy, w) = iso_week(year, month, day);
                let (sy, sm, sd) = week_start(wy, w);
                assert_eq!(iso_week(sy, sm, sd), (wy, w));
                days += 1;
            }
        }
    }
    assert!(days > 10_000);
}

#[test]
fn labels_are_written_and_read_back() {
    assert_eq!(week_label(2026, 49), "2026-W49");
    assert_eq!(week_label(2026, 1), "2026-W01");
    assert_eq!(parse_week_label("2026-W49"), Some((2026, 49)));
    assert_eq!(parse_week_label("2026-W53"), Some((2026, 53)));
    assert_eq!(parse_week_label("2020-W01"), Some((2020, 1)));
    for bad in [
        "2025-W53",
        "2026-W00",
        "2026-W54",
        "2026-w49",
        "2026-W4",
        "2026W49",
        "26-W49",
        "2026-W049",
        " 2026-W49",
        "2026-W+9",
        "+026-W49",
        "",
        "2026-12-01",
    ] {
        assert_eq!(parse_week_label(bad), None, "{bad}");
    }
    for year in [2020, 2021, 2026] {
        for week in 1..=weeks_in_year(year) {
            assert_eq!(
                parse_week_label(&week_label(year, week)),
                Some((year, week))
            );
        }
    }
}
