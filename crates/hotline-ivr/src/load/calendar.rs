//! `calendars.yaml` → `Calendar`s: `hours` per weekday (`mon` … `sun`) as `HH:MM-HH:MM` spans
//! (several separated by commas, in order, not overlapping), `holidays` as valid `YYYY-MM-DD`
//! dates, and optionally a region's `public_holidays` from the yearly files
//! `holidays/<region>-<year>.yaml` (days off closed; adjusted working days, 调休, open with
//! `workday_hours`, Monday's by default). Every date of a holiday file is checked: a real
//! day, of the file's year, named once, a working day only on a Saturday or Sunday; each
//! refusal is `file:line:column`. All are read in the centre's time zone
//! (`centre.time_zone`); the per-calendar `utc_offset` of older files is refused with that
//! advice (a fixed offset cannot follow daylight saving, and two clocks in one centre were
//! never meant).

use super::compile::is_name;
use super::errors::{pos, Sink};
use crate::flow::Calendar;
use crate::model::{CalendarsFile, HolidayFile};
use crate::value::Date;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// A region's public days off and adjusted working days, over the years of its files.
#[derive(Debug, Default, Clone)]
pub(crate) struct PublicDays {
    pub holidays: BTreeSet<Date>,
    pub workdays: BTreeSet<Date>,
}

/// The day of the week of a real date, 0 = Monday (Sakamoto's method).
fn weekday(d: Date) -> u8 {
    const T: [i32; 12] = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4];
    let m = usize::from(d.month.clamp(1, 12)) - 1;
    let y = if d.month < 3 { d.year - 1 } else { d.year };
    let sunday_zero =
        (y + y / 4 - y / 100 + y / 400 + T.get(m).copied().unwrap_or(0) + i32::from(d.day))
            .rem_euclid(7);
    u8::try_from((sunday_zero + 6) % 7).unwrap_or(0)
}

/// The holiday files (`holidays/<region>-<year>.yaml`, parsed) → each region's days, every
/// wrong entry reported with its place.
pub(crate) fn compile_holidays(
    files: &[(std::path::PathBuf, HolidayFile)],
    sink: &mut Sink,
) -> BTreeMap<String, PublicDays> {
    let mut out: BTreeMap<String, PublicDays> = BTreeMap::new();
    let mut years: BTreeMap<(String, i64), std::path::PathBuf> = BTreeMap::new();
    for (file, h) in files {
        let region = h.region.value.clone();
        if !is_name(&region) {
            sink.push(
                file,
                pos(&h.region.referenced),
                format!("region `{region}` is not lower_snake_case (e.g. `cn`)"),
            );
            continue;
        }
        let year = h.year.value;
        if !(2000..=2100).contains(&year) {
            sink.push(
                file,
                pos(&h.year.referenced),
                format!("year {year} is not in 2000..=2100"),
            );
            continue;
        }
        if let Some(first) = years.insert((region.clone(), year), file.clone()) {
            sink.push(
                file,
                pos(&h.year.referenced),
                format!("{region} {year} is already in {}", first.display()),
            );
            continue;
        }
        let days = out.entry(region.clone()).or_default();
        let mut seen: BTreeMap<Date, &str> = BTreeMap::new();
        for (list, off) in [(&h.holidays, true), (&h.workdays, false)] {
            for entry in list {
                let d = &entry.value.date;
                let Some(date) = date(&d.value) else {
                    sink.push(
                        file,
                        pos(&d.referenced),
                        format!("`{}` is not a date (YYYY-MM-DD)", d.value),
                    );
                    continue;
                };
                if i64::from(date.year) != year {
                    sink.push(
                        file,
                        pos(&d.referenced),
                        format!("`{}` is not in {year}, the file's year", d.value),
                    );
                    continue;
                }
                let what = if off { "a holiday" } else { "a working day" };
                if let Some(before) = seen.insert(date, what) {
                    sink.push(
                        file,
                        pos(&d.referenced),
                        format!("`{}` is already listed as {before}", d.value),
                    );
                    continue;
                }
                if off {
                    days.holidays.insert(date);
                } else if weekday(date) < 5 {
                    sink.push(
                        file,
                        pos(&d.referenced),
                        format!(
                            "`{}` is a weekday: an adjusted working day (调休) is a Saturday or Sunday",
                            d.value
                        ),
                    );
                } else {
                    days.workdays.insert(date);
                }
            }
        }
    }
    out
}

/// The calendars of the file, wrong values reported (a wrong calendar is still listed, so
/// `schedule` nodes naming it are not blamed too; the load fails anyway).
pub(crate) fn compile(
    file: &Path,
    model: &CalendarsFile,
    public: &BTreeMap<String, PublicDays>,
    sink: &mut Sink,
) -> BTreeMap<String, Calendar> {
    let mut out = BTreeMap::new();
    for (name, spec) in &model.calendars {
        if !is_name(name.as_str()) {
            sink.push(
                file,
                pos(&name.location()),
                format!("calendar name `{}` is not lower_snake_case", name.as_str()),
            );
        }
        let spec = &spec.value;
        if let Some(offset) = &spec.utc_offset {
            sink.push(
                file,
                pos(&offset.referenced),
                "`utc_offset` is no longer read: calendars follow the centre's time zone \
                 (`centre.time_zone` in hotline.toml, an IANA name such as \"Asia/Shanghai\" \
                 for `+08:00`); delete this line"
                    .to_string(),
            );
        }
        let mut hours: [Vec<(u16, u16)>; 7] = Default::default();
        for (day, spans_text) in &spec.hours {
            let Some(d) = WEEKDAYS.iter().position(|w| *w == day.as_str()) else {
                sink.push(
                    file,
                    pos(&day.location()),
                    format!(
                        "`{}` is not a weekday (mon, tue, wed, thu, fri, sat, sun)",
                        day.as_str()
                    ),
                );
                continue;
            };
            match spans(&spans_text.value) {
                Ok(s) => {
                    if let Some(h) = hours.get_mut(d) {
                        *h = s;
                    }
                }
                Err(e) => sink.push(file, pos(&spans_text.referenced), e),
            }
        }
        let mut holidays = BTreeSet::new();
        for h in &spec.holidays {
            match date(&h.value) {
                Some(d) => {
                    holidays.insert(d);
                }
                None => {
                    sink.push(
                        file,
                        pos(&h.referenced),
                        format!("`{}` is not a date (YYYY-MM-DD)", h.value),
                    );
                }
            }
        }
        let mut workdays = BTreeSet::new();
        if let Some(region) = &spec.public_holidays {
            match public.get(&region.value) {
                Some(days) => {
                    holidays.extend(days.holidays.iter().copied());
                    workdays.extend(days.workdays.iter().copied());
                }
                None => sink.push(
                    file,
                    pos(&region.referenced),
                    format!(
                        "no holiday file for `{}` (holidays/{}-<year>.yaml beside the flows)",
                        region.value, region.value
                    ),
                ),
            }
        }
        let workday_hours = match &spec.workday_hours {
            None => hours[0].clone(),
            Some(t) => match spans(&t.value) {
                Ok(s) => s,
                Err(e) => {
                    sink.push(file, pos(&t.referenced), e);
                    Vec::new()
                }
            },
        };
        // An own holiday wins over a public working day.
        workdays.retain(|d| !holidays.contains(d));
        out.insert(
            name.as_str().to_owned(),
            Calendar {
                hours,
                holidays,
                workdays,
                workday_hours,
            },
        );
    }
    out
}

/// Two ASCII digits.
fn two_digits(s: &str) -> Option<u16> {
    let b = s.as_bytes();
    match b {
        [a, c] if a.is_ascii_digit() && c.is_ascii_digit() => {
            Some(u16::from(a - b'0') * 10 + u16::from(c - b'0'))
        }
        _ => None,
    }
}

/// `HH:MM` → minutes since midnight (`24:00` allowed as an end).
fn time(s: &str) -> Option<u16> {
    let (h, m) = s.trim().split_once(':')?;
    let (h, m) = (two_digits(h)?, two_digits(m)?);
    match (h, m) {
        (24, 0) => Some(24 * 60),
        (0..=23, 0..=59) => Some(h * 60 + m),
        _ => None,
    }
}

/// `08:30-12:00, 13:30-17:30` → opening spans in order.
fn spans(s: &str) -> Result<Vec<(u16, u16)>, String> {
    let mut out: Vec<(u16, u16)> = Vec::new();
    for part in s.split(',') {
        let bad = || {
            format!(
                "opening hours are `HH:MM-HH:MM` (e.g. `08:30-17:30`), not `{}`",
                part.trim()
            )
        };
        let (from, to) = part.split_once('-').ok_or_else(bad)?;
        let (from, to) = (time(from).ok_or_else(bad)?, time(to).ok_or_else(bad)?);
        if from >= to || from == 24 * 60 {
            return Err(format!("`{}` ends before it starts", part.trim()));
        }
        if out.last().is_some_and(|&(_, end)| from < end) {
            return Err(format!("`{}` overlaps or is out of order", part.trim()));
        }
        out.push((from, to));
    }
    Ok(out)
}

/// `YYYY-MM-DD`, a real day.
fn date(s: &str) -> Option<Date> {
    let mut it = s.split('-');
    let (y, m, d) = (it.next()?, it.next()?, it.next()?);
    if it.next().is_some() || y.len() != 4 || !y.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let year: i32 = y.parse().ok()?;
    let (month, day) = (two_digits(m)?, two_digits(d)?);
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if day == 0 || day > days {
        return None;
    }
    Some(Date {
        year,
        month: u8::try_from(month).ok()?,
        day: u8::try_from(day).ok()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_and_dates() {
        assert_eq!(
            spans("08:30-12:00, 13:00-24:00"),
            Ok(vec![(510, 720), (780, 1440)])
        );
        assert!(spans("12:00-08:00").is_err());
        assert!(spans("08:00-12:00,11:00-13:00").is_err());
        assert!(spans("8:00-12:00").is_err());
        assert!(spans("08:60-12:00").is_err());
        assert_eq!(date("2028-02-29").map(|d| d.day), Some(29));
        assert!(date("2026-02-29").is_none());
        assert!(date("2026-13-01").is_none());
        assert!(date("2026-1-01").is_none());
    }

    #[test]
    fn weekdays_of_dates() {
        let d = |year, month, day| weekday(Date { year, month, day });
        assert_eq!(d(2026, 12, 6), 6); // a Sunday
        assert_eq!(d(2026, 1, 1), 3); // a Thursday
        assert_eq!(d(2026, 2, 14), 5); // a Saturday
        assert_eq!(d(2000, 2, 29), 1); // a Tuesday
        assert_eq!(d(2024, 1, 1), 0); // a Monday
    }
}
