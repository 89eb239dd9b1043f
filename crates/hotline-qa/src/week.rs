//! ISO-8601 weeks (Monday to Sunday; week 1 holds the year's first Thursday), the unit of the
//! QA sample: labels such as `2026-W49`, the week of a date and the Monday of a week. Plain
//! calendar arithmetic on the proleptic Gregorian calendar; no clock, no time zone.

/// Days since 1970-01-01 of a calendar date (month 1..=12, day 1..=31).
fn days_from_civil(year: i64, month: u8, day: u8) -> i64 {
    let (m, d) = (i64::from(month), i64::from(day));
    let y = if m <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The calendar date of a day count since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u8, u8) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    // In range by construction: day 1..=31, month 1..=12.
    let day = u8::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let month = u8::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// 1 = Monday … 7 = Sunday.
fn weekday(days: i64) -> i64 {
    (days + 3).rem_euclid(7) + 1
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: u8) -> u8 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn saturate(year: i64) -> i32 {
    i32::try_from(year).unwrap_or(if year < 0 { i32::MIN } else { i32::MAX })
}

/// The ISO week-numbering year and week (1..=53) of a date. An impossible date is first
/// clamped to a real one (month to 1..=12, day to the month's length).
pub fn iso_week(year: i32, month: u8, day: u8) -> (i32, u8) {
    let year = i64::from(year);
    let month = month.clamp(1, 12);
    let day = day.clamp(1, days_in_month(year, month));
    let days = days_from_civil(year, month, day);
    // The week belongs to the year of its Thursday.
    let thursday = days - weekday(days) + 4;
    let (week_year, _, _) = civil_from_days(thursday);
    let week = (thursday - days_from_civil(week_year, 1, 1)) / 7 + 1;
    (saturate(week_year), u8::try_from(week).unwrap_or(1))
}

/// The number of ISO weeks of a week-numbering year: 52 or 53.
pub fn weeks_in_year(year: i32) -> u8 {
    // December 28th is always in the year's last week.
    iso_week(year, 12, 28).1
}

/// `2026-W49`.
pub fn week_label(year: i32, week: u8) -> String {
    format!("{year:04}-W{week:02}")
}

/// Reads `YYYY-Www` (four-digit year, two-digit week that exists in that year, capital `W`).
pub fn parse_week_label(s: &str) -> Option<(i32, u8)> {
    let (year, week) = s.split_once("-W")?;
    let digits = |t: &str, n: usize| t.len() == n && t.bytes().all(|b| b.is_ascii_digit());
    if !digits(year, 4) || !digits(week, 2) {
        return None;
    }
    let year: i32 = year.parse().ok()?;
    let week: u8 = week.parse().ok()?;
    (1..=weeks_in_year(year))
        .contains(&week)
        .then_some((year, week))
}

/// The Monday `(year, month, day)` of an ISO week. A week out of range counts on from week 1
/// (week 0 is the last week of the year before).
pub fn week_start(year: i32, week: u8) -> (i32, u8, u8) {
    let jan4 = days_from_civil(i64::from(year), 1, 4);
    let monday = jan4 - (weekday(jan4) - 1) + 7 * (i64::from(week) - 1);
    let (y, m, d) = civil_from_days(monday);
    (saturate(y), m, d)
}
