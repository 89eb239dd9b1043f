//! The zone against known instants: Beijing (no daylight saving), Berlin across both changes,
//! New York's midnight, and inputs at and past the edges of the representable range.

use super::*;

const HOUR: Millis = 3_600_000;
const DAY: Millis = 24 * HOUR;

fn date(year: i32, month: u8, day: u8) -> CivilDate {
    CivilDate { year, month, day }
}

fn berlin() -> Zone {
    Zone::named("Europe/Berlin").expect("bundled")
}

#[test]
fn names_are_looked_up_in_the_bundled_database() {
    assert_eq!(
        Zone::named("Asia/Shanghai").map(|z| z.name().to_owned()),
        Ok("Asia/Shanghai".into())
    );
    assert!(Zone::named("UTC").is_ok());
    assert!(Zone::named("America/Argentina/Buenos_Aires").is_ok());
    for bad in [
        "",
        "Asia/Shangai",
        "Mars/Olympus",
        "/etc/passwd",
        "../../etc/passwd",
        "+08:00",
    ] {
        let e = Zone::named(bad).expect_err(bad);
        assert!(e.to_string().contains("IANA"), "{e}");
    }
    assert_eq!(Zone::default().name(), "Asia/Shanghai");
}

#[test]
fn beijing_days_start_at_16_00_utc() {
    let z = Zone::default();
    // 2026-11-18 00:00 in Beijing = 2026-11-17 16:00 UTC.
    let midnight = z.day_start(date(2026, 11, 18));
    assert_eq!(midnight, 1_794_931_200_000);
    assert_eq!(z.date(midnight), date(2026, 11, 18));
    assert_eq!(z.date(midnight - 1), date(2026, 11, 17));
    assert_eq!(z.start_of_day(midnight + 5 * HOUR), midnight);
    assert_eq!(z.start_of_day(midnight - 1), midnight - DAY);
    let l = z.local(midnight + 8 * HOUR + 30 * 60_000);
    assert_eq!((l.weekday, l.minute), (2, 8 * 60 + 30)); // a Wednesday, 08:30
    assert_eq!(
        z.at_wall_time(date(2026, 11, 18), 8, 30),
        Some(midnight + 8 * HOUR + 30 * 60_000)
    );
}

#[test]
fn berlin_days_have_23_and_25_hours_at_the_changes() {
    let z = berlin();
    // Clocks go forward on 2026-03-29 at 02:00 CET (01:00 UTC), back on 2026-10-25 at
    // 03:00 CEST (01:00 UTC).
    let spring = z.day_start(date(2026, 3, 29));
    assert_eq!(spring, 1_774_738_800_000); // 2026-03-28 23:00 UTC
    assert_eq!(z.day_start(date(2026, 3, 30)) - spring, 23 * HOUR);
    let autumn = z.day_start(date(2026, 10, 25));
    assert_eq!(autumn, 1_792_879_200_000); // 2026-10-24 22:00 UTC
    assert_eq!(z.day_start(date(2026, 10, 26)) - autumn, 25 * HOUR);
    // Wall-clock minutes follow the clocks, not the hours elapsed.
    assert_eq!(z.local(spring + 3 * HOUR).minute, 4 * 60); // 3 h after midnight: 04:00
    assert_eq!(z.local(autumn + 3 * HOUR).minute, 2 * 60); // 3 h after midnight: 02:00
                                                           // 02:30 does not exist on the spring day: read with the winter offset, it is 03:30.
    assert_eq!(
        z.at_wall_time(date(2026, 3, 29), 2, 30),
        Some(spring + 2 * HOUR + 30 * 60_000)
    );
    // 02:30 happens twice on the autumn day: the first one.
    assert_eq!(
        z.at_wall_time(date(2026, 10, 25), 2, 30),
        Some(autumn + 2 * HOUR + 30 * 60_000)
    );
}

#[test]
fn a_day_starts_after_a_gap_at_midnight() {
    // Chile's clocks moved from 00:00 to 01:00 on 2024-09-08 (America/Santiago).
    let z = Zone::named("America/Santiago").expect("bundled");
    let start = z.day_start(date(2024, 9, 8));
    let l = z.local(start);
    assert_eq!((l.date, l.minute), (date(2024, 9, 8), 60));
    assert_eq!(z.start_of_day(start + HOUR), start);
    assert_eq!(z.date(start - 1), date(2024, 9, 7));
}

#[test]
fn impossible_dates_roll_over_and_extremes_do_not_panic() {
    let z = Zone::default();
    assert_eq!(
        z.day_start(date(2026, 2, 30)),
        z.day_start(date(2026, 3, 2))
    );
    assert_eq!(z.at_wall_time(date(2026, 2, 30), 8, 0), None);
    assert_eq!(z.at_wall_time(date(2026, 2, 3), 24, 0), None);
    for at in [
        Millis::MIN,
        Millis::MIN + 1,
        -1,
        0,
        Millis::MAX - 1,
        Millis::MAX,
    ] {
        let l = z.local(at);
        assert!(l.minute < 24 * 60 && l.weekday < 7);
        let _ = z.start_of_day(at);
        let _ = berlin().start_of_day(at);
    }
    for d in [
        date(i32::MIN, 0, 0),
        date(i32::MAX, 255, 255),
        date(0, 13, 40),
    ] {
        let _ = z.day_start(d);
        let _ = z.at_wall_time(d, 255, 255);
    }
}

#[test]
fn the_centre_zone_is_the_default_until_set() {
    // The only test that sets it (tests in this binary run in parallel).
    assert_eq!(centre().name(), "Asia/Shanghai");
    set_centre(berlin());
    assert_eq!(centre().name(), "Europe/Berlin");
    set_centre(Zone::default());
}

#[test]
fn dates_parse_from_and_print_as_iso_days() {
    assert_eq!(CivilDate::parse("2026-12-07"), Some(date(2026, 12, 7)));
    assert_eq!(date(2026, 3, 1).to_string(), "2026-03-01");
    for bad in [
        "2026-02-30",
        "2026-13-01",
        "26-12-07",
        "2026-1-07",
        "2026-12-07x",
        "",
        "2026/12/07",
    ] {
        assert_eq!(CivilDate::parse(bad), None, "{bad}");
    }
    assert_eq!(CivilDate::parse("2028-02-29"), Some(date(2028, 2, 29)));
}
