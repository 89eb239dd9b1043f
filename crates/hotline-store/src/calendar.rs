//! Calendar arithmetic the store needs without a date library: Unix milliseconds to a civil
//! date (UTC+8, the utilities' local time) and billing periods written `YYYY-MM`.

use crate::lifecycle::Millis;

/// The utilities' local offset (China Standard Time, no daylight saving).
pub const LOCAL_OFFSET_MS: Millis = 8 * 3_600_000;

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

/// The local civil date of a time.
pub fn local_date(at: Millis) -> (i64, u32, u32) {
    civil_from_days((at + LOCAL_OFFSET_MS).div_euclid(86_400_000))
}

/// Local midnight starting the given civil date, as Unix milliseconds.
pub fn local_midnight(y: i64, m: u32, d: u32) -> Millis {
    days_from_civil(y, m, d) * 86_400_000 - LOCAL_OFFSET_MS
}

/// The billing period `months_back` months before the one containing `at`, as `YYYY-MM`.
pub fn period_back(at: Millis, months_back: i64) -> String {
    let (y, m, _) = local_date(at);
    let index = y * 12 + i64::from(m) - 1 - months_back;
    format!(
        "{:04}-{:02}",
        index.div_euclid(12),
        index.rem_euclid(12) + 1
    )
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
}
