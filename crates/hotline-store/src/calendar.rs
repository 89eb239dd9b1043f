//! Calendar arithmetic the store needs: Unix milliseconds to a civil date in the centre's time
//! zone, the start of a local day, and billing periods written `YYYY-MM`.
//!
//! The `*_in` functions take the zone; the store itself uses its policy's
//! ([`crate::Policy::zone`]). The short names use the engine's configured zone
//! ([`hotline_time::centre`], `Asia/Shanghai` until the engine sets `centre.time_zone`), for
//! code that is not handed a zone.

use crate::lifecycle::Millis;
use hotline_time::{CivilDate, Zone};

/// (year, month 1-12, day 1-31) of a day count since 1970-01-01 (H. Hinnant's algorithm).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Days since 1970-01-01 of a civil date.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a time in `zone`.
pub fn local_date_in(zone: &Zone, at: Millis) -> (i64, u32, u32) {
    let d = zone.date(at);
    (i64::from(d.year), u32::from(d.month), u32::from(d.day))
}

/// The first instant of the given civil date in `zone` (its midnight), as Unix milliseconds.
pub fn local_midnight_in(zone: &Zone, y: i64, m: u32, d: u32) -> Millis {
    zone.day_start(CivilDate {
        year: i32::try_from(y.clamp(-9999, 9999)).unwrap_or(1970),
        month: u8::try_from(m.clamp(1, 12)).unwrap_or(1),
        day: u8::try_from(d.clamp(1, 31)).unwrap_or(1),
    })
}

/// The billing period `months_back` months before the one containing `at` in `zone`, as
/// `YYYY-MM`.
pub fn period_back_in(zone: &Zone, at: Millis, months_back: i64) -> String {
    let (y, m, _) = local_date_in(zone, at);
    let index = (y * 12 + i64::from(m) - 1).saturating_sub(months_back);
    format!(
        "{:04}-{:02}",
        index.div_euclid(12),
        index.rem_euclid(12) + 1
    )
}

/// [`local_date_in`] the engine's zone.
pub fn local_date(at: Millis) -> (i64, u32, u32) {
    local_date_in(&hotline_time::centre(), at)
}

/// [`local_midnight_in`] the engine's zone.
pub fn local_midnight(y: i64, m: u32, d: u32) -> Millis {
    local_midnight_in(&hotline_time::centre(), y, m, d)
}

/// [`period_back_in`] the engine's zone.
pub fn period_back(at: Millis, months_back: i64) -> String {
    period_back_in(&hotline_time::centre(), at, months_back)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_round_trip() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(days_from_civil(2024, 2, 29)), (2024, 2, 29));
        assert_eq!(
            civil_from_days(days_from_civil(2000, 12, 31)),
            (2000, 12, 31)
        );
        for d in -1000..30_000 {
            let (y, m, dd) = civil_from_days(d);
            assert_eq!(days_from_civil(y, m, dd), d);
        }
    }

    #[test]
    fn periods_count_back_across_years_in_local_time() {
        // 2026-01-15 00:30 in Beijing is still 2026-01-14 in UTC.
        let at = local_midnight(2026, 1, 15) + 30 * 60_000;
        assert_eq!(period_back(at, 0), "2026-01");
        assert_eq!(period_back(at, 1), "2025-12");
        assert_eq!(period_back(at, 11), "2025-02");
        assert_eq!(period_back(at, 24), "2024-01");
        // 2026-02-01 00:10 Beijing is 2026-01-31 in UTC: local time decides.
        assert_eq!(
            period_back(local_midnight(2026, 2, 1) + 600_000, 0),
            "2026-02"
        );
    }

    #[test]
    fn periods_follow_the_zone_given() {
        let shanghai = Zone::default();
        let new_york = Zone::named("America/New_York").expect("bundled");
        // 2026-02-01 03:00 UTC: February in Shanghai, still January 31 in New York.
        let at =
            local_midnight_in(&Zone::named("UTC").expect("bundled"), 2026, 2, 1) + 3 * 3_600_000;
        assert_eq!(period_back_in(&shanghai, at, 0), "2026-02");
        assert_eq!(period_back_in(&new_york, at, 0), "2026-01");
        assert_eq!(local_date_in(&new_york, at), (2026, 1, 31));
        // New York's midnight moves with daylight saving: 05:00 UTC in winter, 04:00 in summer.
        assert_eq!(
            local_midnight_in(&new_york, 2026, 1, 15).rem_euclid(86_400_000),
            5 * 3_600_000
        );
        assert_eq!(
            local_midnight_in(&new_york, 2026, 7, 15).rem_euclid(86_400_000),
            4 * 3_600_000
        );
        // Out-of-range input is clamped, not a panic.
        let _ = period_back_in(&new_york, i64::MIN, i64::MAX);
        let _ = local_midnight_in(&new_york, i64::MAX, u32::MAX, 0);
    }
}
