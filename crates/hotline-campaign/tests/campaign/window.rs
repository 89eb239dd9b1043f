//! Calling windows: the default spans, weekdays, holidays, end of day, daylight saving in
//! Berlin (spring gap and autumn repeat) and Shanghai (none), and refused windows.

use hotline_campaign::{DailySpan, Window, WindowError};

use crate::support::*;

const HOUR: i64 = 60 * MIN;

#[test]
fn default_window_opens_at_nine_and_two_and_closes_at_noon_and_eight() {
    let z = shanghai();
    let w = Window::standard(z.clone());
    let d = date(2026, 3, 2);
    assert!(!w.is_open(at(&z, d, 8, 59)));
    assert_eq!(w.next_open(at(&z, d, 8, 59)), Some(at(&z, d, 9, 0)));
    assert!(w.is_open(at(&z, d, 9, 0)));
    assert_eq!(w.next_open(at(&z, d, 10, 30)), Some(at(&z, d, 10, 30)));
    assert!(w.is_open(at(&z, d, 12, 0) - 1));
    assert!(!w.is_open(at(&z, d, 12, 0)));
    assert_eq!(w.next_open(at(&z, d, 12, 0)), Some(at(&z, d, 14, 0)));
    assert!(w.is_open(at(&z, d, 19, 59)));
    assert!(!w.is_open(at(&z, d, 20, 0)));
    assert_eq!(
        w.next_open(at(&z, d, 20, 0)),
        Some(at(&z, date(2026, 3, 3), 9, 0))
    );
    // Shanghai has no daylight saving: 09:00 is 01:00 UTC every day of the year.
    for (m, day) in [(1, 5), (3, 30), (7, 1), (10, 26), (12, 31)] {
        let nine = at(&z, date(2026, m, day), 9, 0);
        assert_eq!(nine.rem_euclid(24 * HOUR), HOUR, "{m}-{day}");
        assert_eq!(w.next_open(nine - 5 * HOUR), Some(nine));
    }
}

#[test]
fn weekdays_and_holidays_push_the_opening_to_the_next_working_day() {
    let z = shanghai();
    // 2026-03-06 is a Friday; the 9th and 10th (Mon, Tue) are holidays.
    let w = Window::standard(z.clone())
        .with_weekdays(&[0, 1, 2, 3, 4])
        .with_holidays([date(2026, 3, 9), date(2026, 3, 10)]);
    let friday_evening = at(&z, date(2026, 3, 6), 20, 30);
    assert_eq!(
        w.next_open(friday_evening),
        Some(at(&z, date(2026, 3, 11), 9, 0))
    );
    assert!(!w.is_open(at(&z, date(2026, 3, 7), 10, 0)), "Saturday");
    assert!(!w.is_open(at(&z, date(2026, 3, 9), 10, 0)), "holiday");
    assert!(w.is_open(at(&z, date(2026, 3, 11), 10, 0)));
    // Without the holidays, Monday.
    let w = Window::standard(z.clone()).with_weekdays(&[0, 1, 2, 3, 4]);
    assert_eq!(
        w.next_open(friday_evening),
        Some(at(&z, date(2026, 3, 9), 9, 0))
    );
    // No weekday allowed: never.
    let never = Window::standard(z).with_weekdays(&[]);
    assert_eq!(never.next_open(friday_evening), None);
    assert!(!never.is_open(friday_evening));
}

#[test]
fn a_span_to_midnight_ends_at_the_next_day_start() {
    let z = shanghai();
    let w = Window::new(z.clone(), &[DailySpan::hm(22, 0, 24, 0)]).unwrap();
    let d = date(2026, 12, 31);
    assert!(w.is_open(at(&z, d, 23, 59)));
    assert!(!w.is_open(at(&z, date(2027, 1, 1), 0, 0)));
    assert_eq!(
        w.next_open(at(&z, date(2027, 1, 1), 0, 0)),
        Some(at(&z, date(2027, 1, 1), 22, 0))
    );
}

#[test]
fn berlin_spring_forward_and_autumn_back_keep_wall_clock_hours() {
    let z = berlin();
    let w = Window::standard(z.clone());
    // 2026-03-29: 02:00 CET becomes 03:00 CEST. 09:00 is 08:00 UTC the day before, 07:00 UTC
    // that day.
    let sat_nine = at(&z, date(2026, 3, 28), 9, 0);
    let sun_nine = at(&z, date(2026, 3, 29), 9, 0);
    assert_eq!(sat_nine.rem_euclid(24 * HOUR), 8 * HOUR);
    assert_eq!(sun_nine.rem_euclid(24 * HOUR), 7 * HOUR);
    let sat_evening = at(&z, date(2026, 3, 28), 20, 0);
    assert_eq!(w.next_open(sat_evening), Some(sun_nine));
    assert_eq!(
        sun_nine - sat_evening,
        12 * HOUR,
        "an hour less in the night"
    );
    // 2026-10-25: 03:00 CEST becomes 02:00 CET; 09:00 is 08:00 UTC that day.
    let oct_sat_evening = at(&z, date(2026, 10, 24), 20, 0);
    let oct_sun_nine = at(&z, date(2026, 10, 25), 9, 0);
    assert_eq!(oct_sun_nine.rem_euclid(24 * HOUR), 8 * HOUR);
    assert_eq!(w.next_open(oct_sat_evening), Some(oct_sun_nine));
    assert_eq!(oct_sun_nine - oct_sat_evening, 14 * HOUR, "an hour more");
    // Closing times follow the wall clock too.
    assert!(w.is_open(at(&z, date(2026, 10, 25), 20, 0) - 1));
    assert!(!w.is_open(at(&z, date(2026, 10, 25), 20, 0)));
}

#[test]
fn berlin_spans_across_the_gap_and_the_repeated_hour() {
    let z = berlin();
    // 01:00–04:00 on the spring day lasts two hours: 00:00–02:00 UTC.
    let w = Window::new(z.clone(), &[DailySpan::hm(1, 0, 4, 0)]).unwrap();
    let d = date(2026, 3, 29);
    let open = at(&z, d, 1, 0);
    let close = at(&z, d, 4, 0);
    assert_eq!(close - open, 2 * HOUR);
    assert!(w.is_open(open + 90 * MIN), "03:30 CEST");
    assert!(!w.is_open(close));
    // A span inside the gap (02:30–03:30) never opens that day: the next opening is Monday's.
    let gap = Window::new(z.clone(), &[DailySpan::hm(2, 30, 3, 30)]).unwrap();
    let before = at(&z, d, 0, 30);
    assert_eq!(
        gap.next_open(before),
        Some(at(&z, date(2026, 3, 30), 2, 30))
    );
    assert!(!gap.is_open(open + 90 * MIN));
    // 02:00–03:00 on the autumn day covers both 02:xx hours: two hours of real time.
    let repeat = Window::new(z.clone(), &[DailySpan::hm(2, 0, 3, 0)]).unwrap();
    let d = date(2026, 10, 25);
    let open = at(&z, d, 2, 0);
    assert_eq!(at(&z, d, 3, 0) - open, 2 * HOUR);
    assert!(repeat.is_open(open + 90 * MIN), "the second 02:30");
    assert_eq!(repeat.next_open(open - 1), Some(open));
}

#[test]
fn is_open_and_next_open_agree_minute_by_minute_over_a_berlin_week() {
    let z = berlin();
    let w = Window::new(
        z.clone(),
        &[DailySpan::hm(1, 30, 2, 30), DailySpan::hm(9, 0, 12, 0)],
    )
    .unwrap()
    .with_holidays([date(2026, 3, 31)]);
    let start = at(&z, date(2026, 3, 27), 0, 0);
    let mut t = start;
    while t < start + 7 * 24 * HOUR {
        let next = w.next_open(t).unwrap();
        assert_eq!(w.is_open(t), next == t, "at {t}");
        assert!(w.is_open(next), "opens at {next}");
        t += MIN;
    }
}

#[test]
fn bad_windows_are_refused() {
    let z = shanghai();
    let reversed = DailySpan::hm(12, 0, 9, 0);
    assert_eq!(
        Window::new(z.clone(), &[reversed]),
        Err(WindowError::BadSpan(reversed))
    );
    let late = DailySpan::hm(20, 0, 24, 1);
    assert_eq!(
        Window::new(z.clone(), &[late]),
        Err(WindowError::BadSpan(late))
    );
    let a = DailySpan::hm(9, 0, 12, 0);
    let b = DailySpan::hm(11, 0, 13, 0);
    let err = Window::new(z, &[b, a]).unwrap_err();
    assert_eq!(err, WindowError::Overlap(a, b));
    assert_eq!(
        err.to_string(),
        "calling windows 09:00–12:00 and 11:00–13:00 overlap"
    );
}
