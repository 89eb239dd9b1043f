//! Calling windows: when a campaign may place calls, in the centre's time zone. A window is a
//! set of daily spans of wall-clock time (default 09:00–12:00 and 14:00–20:00), the weekdays
//! allowed and a list of holiday dates.
//!
//! Daylight saving: a span's start and end are wall-clock times turned into instants on each
//! date with [`Zone::at_wall_time`] (a time skipped by a spring-forward gap is read with the
//! offset before the gap, a repeated autumn time is its first occurrence). [`Window::is_open`]
//! and [`Window::next_open`] both use those instants, so they always agree.

use std::collections::BTreeSet;
use std::fmt;

use hotline_time::{CivilDate, Millis, Zone};

/// How many days ahead [`Window::next_open`] looks before it says "never" (a year and a bit:
/// room for a long holiday list).
const LOOKAHEAD_DAYS: u32 = 400;

/// One daily span of wall-clock time, `[start, end)` in minutes since local midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct DailySpan {
    /// 0..=1439.
    pub start: u16,
    /// start+1..=1440 (1440 is the end of the day).
    pub end: u16,
}

impl DailySpan {
    /// `from_h:from_m` to `to_h:to_m` (24:00 allowed as the end).
    pub fn hm(from_h: u16, from_m: u16, to_h: u16, to_m: u16) -> DailySpan {
        DailySpan {
            start: from_h.saturating_mul(60).saturating_add(from_m),
            end: to_h.saturating_mul(60).saturating_add(to_m),
        }
    }
}

/// A window that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WindowError {
    /// A span is empty, reversed or past 24:00.
    BadSpan(DailySpan),
    /// Two spans overlap.
    Overlap(DailySpan, DailySpan),
}

impl fmt::Display for WindowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WindowError::BadSpan(s) => write!(
                f,
                "calling window {}–{} is empty, reversed or past 24:00",
                clock(s.start),
                clock(s.end)
            ),
            WindowError::Overlap(a, b) => write!(
                f,
                "calling windows {}–{} and {}–{} overlap",
                clock(a.start),
                clock(a.end),
                clock(b.start),
                clock(b.end)
            ),
        }
    }
}

impl std::error::Error for WindowError {}

fn clock(minute: u16) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

/// A campaign's calling window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    zone: Zone,
    spans: Vec<DailySpan>,
    /// Bit d set = weekday d allowed (0 = Monday … 6 = Sunday).
    weekdays: u8,
    holidays: BTreeSet<CivilDate>,
}

impl Window {
    /// The default spans: 09:00–12:00 and 14:00–20:00.
    pub fn default_spans() -> Vec<DailySpan> {
        vec![DailySpan::hm(9, 0, 12, 0), DailySpan::hm(14, 0, 20, 0)]
    }

    /// The default window in `zone`: 09:00–12:00 and 14:00–20:00 every day, no holidays.
    pub fn standard(zone: Zone) -> Window {
        Window {
            zone,
            spans: Window::default_spans(),
            weekdays: 0x7f,
            holidays: BTreeSet::new(),
        }
    }

    /// A window of these spans (any order) every day; refused if a span is empty, reversed,
    /// past 24:00, or overlaps another.
    pub fn new(zone: Zone, spans: &[DailySpan]) -> Result<Window, WindowError> {
        let mut spans = spans.to_vec();
        spans.sort();
        for s in &spans {
            if s.start >= s.end || s.end > 1440 {
                return Err(WindowError::BadSpan(*s));
            }
        }
        for pair in spans.windows(2) {
            if let [a, b] = pair {
                if b.start < a.end {
                    return Err(WindowError::Overlap(*a, *b));
                }
            }
        }
        Ok(Window {
            zone,
            spans,
            weekdays: 0x7f,
            holidays: BTreeSet::new(),
        })
    }

    /// Only these weekdays (0 = Monday … 6 = Sunday; others ignored).
    pub fn with_weekdays(mut self, days: &[u8]) -> Window {
        self.weekdays = days
            .iter()
            .filter(|d| **d < 7)
            .fold(0u8, |acc, d| acc | (1 << d));
        self
    }

    /// No calls on these dates.
    pub fn with_holidays(mut self, dates: impl IntoIterator<Item = CivilDate>) -> Window {
        self.holidays.extend(dates);
        self
    }

    /// The zone the window is read in.
    pub fn zone(&self) -> &Zone {
        &self.zone
    }

    /// The spans, sorted.
    pub fn spans(&self) -> &[DailySpan] {
        &self.spans
    }

    /// Whether calls may be placed on `date` at all.
    pub fn day_allowed(&self, date: CivilDate) -> bool {
        if self.holidays.contains(&date) {
            return false;
        }
        let weekday = self.zone.local(self.zone.day_start(date)).weekday;
        self.weekdays & (1 << weekday.min(6)) != 0
    }

    /// The instants `[open, close)` of each span on `date` (empty on a day not allowed).
    fn instants(&self, date: CivilDate) -> impl Iterator<Item = (Millis, Millis)> + '_ {
        let allowed = self.day_allowed(date);
        let next_day = self.zone.day_start(next_date(date));
        self.spans
            .iter()
            .filter(move |_| allowed)
            .filter_map(move |s| {
                let open = self.wall(date, s.start)?;
                let close = if s.end >= 1440 {
                    next_day
                } else {
                    self.wall(date, s.end)?
                };
                (open < close).then_some((open, close))
            })
    }

    fn wall(&self, date: CivilDate, minute: u16) -> Option<Millis> {
        let h = u8::try_from(minute / 60).ok()?;
        let m = u8::try_from(minute % 60).ok()?;
        self.zone.at_wall_time(date, h, m)
    }

    /// Whether a call may be placed at `at`.
    pub fn is_open(&self, at: Millis) -> bool {
        self.instants(self.zone.date(at))
            .any(|(open, close)| open <= at && at < close)
    }

    /// `at` if the window is open then, else the first instant after `at` at which it opens;
    /// `None` if it does not open in the next 400 days (no weekday allowed, or all holidays).
    pub fn next_open(&self, at: Millis) -> Option<Millis> {
        let mut date = self.zone.date(at);
        for _ in 0..LOOKAHEAD_DAYS {
            for (open, close) in self.instants(date) {
                if at < close {
                    return Some(open.max(at));
                }
            }
            date = next_date(date);
        }
        None
    }

    /// The first instant of the local day after the one containing `at`.
    pub fn next_day_start(&self, at: Millis) -> Millis {
        self.zone.day_start(next_date(self.zone.date(at)))
    }
}

/// The calendar date after `d` (proleptic Gregorian).
pub fn next_date(d: CivilDate) -> CivilDate {
    if d.day < days_in_month(d.year, d.month) {
        CivilDate {
            day: d.day + 1,
            ..d
        }
    } else if d.month < 12 {
        CivilDate {
            year: d.year,
            month: d.month + 1,
            day: 1,
        }
    } else {
        CivilDate {
            year: d.year.saturating_add(1),
            month: 1,
            day: 1,
        }
    }
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}
