//! Whether a calendar is open at a moment: weekly opening hours in local time, closed on
//! holidays. Pure date arithmetic on Unix milliseconds.

use super::Millis;
use crate::flow::Calendar;
use crate::value::Date;

const DAY_MS: i64 = 86_400_000;

/// Whether `calendar` is open at `now` (Unix ms).
pub fn is_open(calendar: &Calendar, now: Millis) -> bool {
    let local = now.saturating_add(i64::from(calendar.utc_offset_min) * 60_000);
    let days = local.div_euclid(DAY_MS);
    let minute = (local.rem_euclid(DAY_MS) / 60_000) as u16;
    if calendar.holidays.contains(&civil_date(days)) {
        return false;
    }
    // 1970-01-01 was a Thursday; 0 = Monday.
    let weekday = (days + 3).rem_euclid(7) as usize;
    calendar.hours[weekday]
        .iter()
        .any(|&(start, end)| start <= minute && minute < end)
}

/// The date `days` after 1970-01-01 (proleptic Gregorian; Howard Hinnant's algorithm).
pub fn civil_date(days: i64) -> Date {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let year = yoe + era * 400 + i64::from(month <= 2);
    Date {
        year: year.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32,
        month,
        day,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn office() -> Calendar {
        let day = vec![(8 * 60 + 30, 17 * 60 + 30)];
        Calendar {
            utc_offset_min: 8 * 60,
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
        }
    }

    /// Unix ms of a Beijing local time.
    fn beijing(y: i32, m: u8, d: u8, hh: i64, mm: i64) -> Millis {
        let mut days = 0i64;
        // Count days from 1970-01-01 by walking civil_date (fine for tests).
        while civil_date(days)
            != (Date {
                year: y,
                month: m,
                day: d,
            })
        {
            days += 1;
        }
        days * DAY_MS + (hh * 60 + mm) * 60_000 - 8 * 3_600_000
    }

    #[test]
    fn dates() {
        assert_eq!(
            civil_date(0),
            Date {
                year: 1970,
                month: 1,
                day: 1
            }
        );
        assert_eq!(
            civil_date(20_775),
            Date {
                year: 2026,
                month: 11,
                day: 18
            }
        );
        assert_eq!(
            civil_date(-1),
            Date {
                year: 1969,
                month: 12,
                day: 31
            }
        );
    }

    #[test]
    fn office_hours_in_beijing_time() {
        let c = office();
        // Wednesday 2026-11-18.
        assert!(!is_open(&c, beijing(2026, 11, 18, 8, 29)));
        assert!(is_open(&c, beijing(2026, 11, 18, 8, 30)));
        assert!(is_open(&c, beijing(2026, 11, 18, 17, 29)));
        assert!(!is_open(&c, beijing(2026, 11, 18, 17, 30)));
        // Saturday morning only, Sunday closed.
        assert!(is_open(&c, beijing(2026, 11, 21, 10, 0)));
        assert!(!is_open(&c, beijing(2026, 11, 21, 13, 0)));
        assert!(!is_open(&c, beijing(2026, 11, 22, 10, 0)));
        // A holiday on a Thursday.
        assert!(!is_open(&c, beijing(2026, 10, 1, 10, 0)));
        assert!(is_open(&c, beijing(2026, 10, 8, 10, 0)));
        // Extremes do not panic.
        let _ = is_open(&c, i64::MIN);
        let _ = is_open(&c, i64::MAX);
    }
}
