//! Whether a calendar is open at a moment: weekly opening hours as the centre's wall clocks
//! show them (the flow set's [`Zone`], daylight saving included), closed on holidays, open
//! with the working-day hours on an adjusted working day (调休).

use super::Millis;
use crate::flow::Calendar;
use crate::value::Date;
use hotline_time::Zone;

/// Whether `calendar` is open at `now` (Unix ms) in the centre's `zone`.
pub fn is_open(calendar: &Calendar, zone: &Zone, now: Millis) -> bool {
    let local = zone.local(now);
    let date = Date {
        year: local.date.year,
        month: local.date.month,
        day: local.date.day,
    };
    if calendar.holidays.contains(&date) {
        return false;
    }
    let spans = if calendar.workdays.contains(&date) {
        Some(&calendar.workday_hours)
    } else {
        calendar.hours.get(usize::from(local.weekday))
    };
    spans.is_some_and(|spans| {
        spans
            .iter()
            .any(|&(start, end)| start <= local.minute && local.minute < end)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use hotline_time::CivilDate;
    use std::collections::BTreeSet;

    fn office() -> Calendar {
        let day = vec![(8 * 60 + 30, 17 * 60 + 30)];
        Calendar {
            hours: [
                day.clone(),
                day.clone(),
                day.clone(),
                day.clone(),
                day,
                vec![(9 * 60, 12 * 60)],
                vec![],
            ],
            holidays: BTreeSet::from([Date {
                year: 2026,
                month: 10,
                day: 1,
            }]),
            workdays: BTreeSet::from([Date {
                year: 2026,
                month: 10,
                day: 10,
            }]),
            workday_hours: vec![(8 * 60 + 30, 17 * 60 + 30)],
        }
    }

    #[test]
    fn an_adjusted_working_saturday_has_the_working_day_hours() {
        let c = office();
        let z = Zone::default();
        // Saturday 2026-10-10 (调休上班): open all afternoon like a weekday; an ordinary
        // Saturday closes at noon.
        assert!(is_open(&c, &z, at(&z, 2026, 10, 10, 8, 30)));
        assert!(is_open(&c, &z, at(&z, 2026, 10, 10, 15, 0)));
        assert!(!is_open(&c, &z, at(&z, 2026, 10, 10, 17, 30)));
        assert!(!is_open(&c, &z, at(&z, 2026, 10, 17, 15, 0)));
        assert!(is_open(&c, &z, at(&z, 2026, 10, 17, 9, 0)));
    }

    /// Unix ms of a wall-clock time in `zone`.
    fn at(zone: &Zone, y: i32, m: u8, d: u8, hh: u8, mm: u8) -> Millis {
        zone.at_wall_time(
            CivilDate {
                year: y,
                month: m,
                day: d,
            },
            hh,
            mm,
        )
        .expect("a valid time")
    }

    #[test]
    fn office_hours_in_beijing_time() {
        let c = office();
        let z = Zone::default();
        let beijing = |y, m, d, hh, mm| at(&z, y, m, d, hh, mm);
        // Wednesday 2026-11-18.
        assert!(!is_open(&c, &z, beijing(2026, 11, 18, 8, 29)));
        assert!(is_open(&c, &z, beijing(2026, 11, 18, 8, 30)));
        assert!(is_open(&c, &z, beijing(2026, 11, 18, 17, 29)));
        assert!(!is_open(&c, &z, beijing(2026, 11, 18, 17, 30)));
        // 08:30 Beijing is 00:30 UTC: still Wednesday there too, but 16:30 UTC on Tuesday
        // is already 00:30 Wednesday in Beijing (closed).
        assert!(!is_open(&c, &z, beijing(2026, 11, 18, 0, 30)));
        // Saturday morning only, Sunday closed.
        assert!(is_open(&c, &z, beijing(2026, 11, 21, 10, 0)));
        assert!(!is_open(&c, &z, beijing(2026, 11, 21, 13, 0)));
        assert!(!is_open(&c, &z, beijing(2026, 11, 22, 10, 0)));
        // A holiday on a Thursday.
        assert!(!is_open(&c, &z, beijing(2026, 10, 1, 10, 0)));
        assert!(is_open(&c, &z, beijing(2026, 10, 8, 10, 0)));
        // Extremes do not panic.
        let _ = is_open(&c, &z, i64::MIN);
        let _ = is_open(&c, &z, i64::MAX);
    }

    /// The same office in Berlin: opening and closing follow the wall clock on both sides of
    /// each daylight-saving change, though the UTC hours move.
    #[test]
    fn office_hours_in_berlin_across_daylight_saving() {
        let c = office();
        let z = Zone::named("Europe/Berlin").expect("bundled");
        const HOUR: Millis = 3_600_000;
        // Friday 2026-03-27 (CET, UTC+1) and Monday 2026-03-30 (CEST, UTC+2).
        let fri = at(&z, 2026, 3, 27, 8, 30);
        let mon = at(&z, 2026, 3, 30, 8, 30);
        assert_eq!(fri % (24 * HOUR), 7 * HOUR + 30 * 60_000); // 07:30 UTC
        assert_eq!(mon % (24 * HOUR), 6 * HOUR + 30 * 60_000); // 06:30 UTC
        for opening in [fri, mon] {
            assert!(!is_open(&c, &z, opening - 60_000));
            assert!(is_open(&c, &z, opening));
            assert!(is_open(&c, &z, opening + 9 * HOUR - 60_000));
            assert!(!is_open(&c, &z, opening + 9 * HOUR));
        }
        // On Monday 06:45 UTC the office is open (08:45 CEST); the same UTC time on Friday
        // was 07:45 CET, closed. A fixed offset would get one of the two wrong.
        assert!(is_open(&c, &z, mon + 15 * 60_000));
        assert!(!is_open(&c, &z, fri - HOUR + 15 * 60_000));
        // Autumn: Saturday 2026-10-24 (CEST) 09:00-12:00, then Monday 2026-10-26 (CET).
        let sat = at(&z, 2026, 10, 24, 9, 0);
        assert!(is_open(&c, &z, sat));
        assert!(!is_open(&c, &z, sat + 3 * HOUR));
        let mon = at(&z, 2026, 10, 26, 8, 30);
        assert_eq!(mon % (24 * HOUR), 7 * HOUR + 30 * 60_000); // 07:30 UTC again
        assert!(!is_open(&c, &z, mon - 60_000));
        assert!(is_open(&c, &z, mon));
        // Sunday 2026-10-25, the 25-hour day, is closed all day.
        let sun = z.day_start(CivilDate {
            year: 2026,
            month: 10,
            day: 25,
        });
        assert!((0..25).all(|h| !is_open(&c, &z, sun + h * HOUR)));
    }
}
