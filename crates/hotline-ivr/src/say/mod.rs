//! Values read out in the call's language as a list of prompt names (`sounds/<lang>/<name>.wav`):
//! digits one by one, numbers, money (Mandarin 元/角/分 with the 零 and 十 rules: 1005.30 →
//! 一千零五元三角; English "yuan" and "fen"), dates and months. Pure: no files are read here.
//!
//! Readings (every name used exists in both `sounds/zh/` and `sounds/en/`):
//!
//! - `Digits`: a text of `0`–`9` only (not empty) or a non-negative number, digit by digit
//!   (`digit_1` is 一, never 幺). Same in both languages.
//! - `Number`: a number (not money, not text), `word_minus` first when negative, magnitude at
//!   most 999,999,999,999 (千亿 / hundreds of billions). Mandarin (`zh`): 二 is the digit two
//!   in the 十 and units positions (二十, 十二, 一百零二, 十二万); 两 (`liang`) before 百 and 千
//!   (两百, 两千, 一万两千) and when a 万/亿 section is just 2 (两万, 两亿); a single 零 for a
//!   run of zeros inside, none at the end; 十 without 一 only at the very start (十五, 十万,
//!   but 一百一十, 十万零一十). English (`en`): British reading with "and" before the last two
//!   digits (one hundred and twenty, one thousand and five, one million and fifty;
//!   twenty one).
//! - `Money` (money only, in fen): Mandarin 一千零五元三角, 一千零五元整, 十二元零五分, 五分,
//!   零元; English "one thousand and five yuan thirty fen", "five fen", "twelve yuan",
//!   "zero yuan". The yuan part has the same limit as `Number`.
//! - `Date` (a date; day 0 reads as a month): Mandarin year digit by digit + 年, 十一月,
//!   day + 号 (二零二六年十一月十八号); English month, day as a number, year as a number
//!   ("November eighteen two thousand and twenty six").
//! - `Month` (a date; its day is not read): 二零二六年十一月 / "November two thousand and
//!   twenty six".
//!
//! - `Time` (a time: a local date and time of day; the year is not read, a notice's times are
//!   this year's or next): Mandarin month, day + 号, the part of the day and the hour on the
//!   12-hour clock + 点, minutes (半 for 30, 零五分 for 5): 十二月六号上午八点,
//!   十二月六号下午六点半; 凌晨 (0–5 h), 上午 (6–11), 中午 (12), 下午 (13–18), 晚上 (19–23),
//!   两点 not 二点, midnight 凌晨零点. English month, day, hour, minutes ("oh five" below ten),
//!   a.m./p.m., noon and midnight: "December six eight a.m.", "December six six thirty p.m.",
//!   "twelve noon", "twelve midnight".
//! - `Clock` (a time; only its time of day): 下午六点 / "six p.m." (the second half of
//!   "from 8 a.m. to 6 p.m." on the same day).
//! - `Decimal` (a number, or a text holding a decimal number such as `0.35`, `12`, `-1.5`;
//!   at most 9 digits after the point): the whole part as `Number`, then 点/point and the
//!   decimals digit by digit: 零点三五 / "zero point three five".
//!
//! Dates need a year in 1..=9999, a month in 1..=12 and a day in 0..=31 (1..=31 for a time),
//! a time's minute is 0..=1439. Anything else, an unknown language (only `zh` and `en`), or a
//! value of the wrong kind is a [`SayError`].

mod en;
mod zh;

#[cfg(test)]
mod tests;

use crate::value::{Date, Moment, Value};

/// How a value is read out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SayAs {
    Digits,
    Number,
    Money,
    Date,
    Month,
    Time,
    Clock,
    Decimal,
    /// A recording uploaded at run time, by its prompt name: `rec_` then letters, digits, `_`
    /// or `-` (a notice's `recording`).
    Recording,
}

/// The prefix of the prompt names of recordings uploaded at run time.
pub const RECORDING_PREFIX: &str = "rec_";

/// Why a value cannot be read out that way.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot say {value} as {as_:?}: {reason}")]
pub struct SayError {
    pub value: String,
    pub as_: SayAs,
    pub reason: String,
}

/// The largest magnitude read as a number (and of the yuan part of money).
const MAX: u64 = 999_999_999_999;

/// `digit_0` … `digit_9`.
const DIGITS: [&str; 10] = [
    "digit_0", "digit_1", "digit_2", "digit_3", "digit_4", "digit_5", "digit_6", "digit_7",
    "digit_8", "digit_9",
];

/// `month_1` … `month_12` (index 0 unused).
const MONTHS: [&str; 13] = [
    "", "month_1", "month_2", "month_3", "month_4", "month_5", "month_6", "month_7", "month_8",
    "month_9", "month_10", "month_11", "month_12",
];

#[derive(Clone, Copy)]
enum Lang {
    Zh,
    En,
}

/// The prompt names that read `value` as `as_` in `language` (`zh` or `en`).
pub fn say(value: &Value, as_: SayAs, language: &str) -> Result<Vec<String>, SayError> {
    let fail = |reason: String| SayError {
        value: value.to_string(),
        as_,
        reason,
    };
    let lang = match language {
        "zh" => Lang::Zh,
        "en" => Lang::En,
        other => return Err(fail(format!("unknown language {other:?} (zh or en)"))),
    };
    if let (SayAs::Recording, Value::Text(name)) = (as_, value) {
        let ok = name.len() <= 100
            && name.strip_prefix(RECORDING_PREFIX).is_some_and(|rest| {
                !rest.is_empty()
                    && rest
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            });
        return if ok {
            Ok(vec![name.clone()])
        } else {
            Err(fail(format!(
                "not a recording's name (`{RECORDING_PREFIX}` then letters, digits, `_` or `-`)"
            )))
        };
    }
    let mut out: Vec<&'static str> = Vec::new();
    match (as_, value) {
        (SayAs::Digits, Value::Text(s)) => {
            if s.is_empty() {
                return Err(fail("no digits to read".into()));
            }
            digits(s, &mut out).map_err(|c| fail(format!("{c:?} is not a digit 0-9")))?;
        }
        (SayAs::Digits, Value::Int(n)) => {
            if *n < 0 {
                return Err(fail(
                    "a negative number cannot be read digit by digit".into(),
                ));
            }
            digits(&n.to_string(), &mut out).map_err(|c| fail(format!("{c:?} is not a digit")))?;
        }
        (SayAs::Number, Value::Int(n)) => {
            let abs = magnitude(*n).ok_or_else(|| fail(too_large()))?;
            if *n < 0 {
                out.push("word_minus");
            }
            number(lang, abs, &mut out);
        }
        (SayAs::Money, Value::Money(fen)) => {
            let abs = fen.unsigned_abs();
            let (yuan, cents) = (abs / 100, abs % 100);
            if yuan > MAX {
                return Err(fail(too_large()));
            }
            if *fen < 0 {
                out.push("word_minus");
            }
            match lang {
                Lang::Zh => zh::money(yuan, cents, &mut out),
                Lang::En => en::money(yuan, cents, &mut out),
            }
        }
        (SayAs::Date, Value::Date(d)) => {
            check_date(d).map_err(fail)?;
            if d.day == 0 {
                month(lang, d, &mut out);
            } else {
                date(lang, d, &mut out);
            }
        }
        (SayAs::Month, Value::Date(d)) => {
            check_date(d).map_err(fail)?;
            month(lang, d, &mut out);
        }
        (SayAs::Time, Value::Time(t)) => {
            check_time(t).map_err(fail)?;
            out.extend(MONTHS.get(usize::from(t.date.month)).copied());
            number(lang, u64::from(t.date.day), &mut out);
            if let Lang::Zh = lang {
                out.push("word_day");
            }
            clock(lang, t.minute, &mut out);
        }
        (SayAs::Clock, Value::Time(t)) => {
            check_time(t).map_err(fail)?;
            clock(lang, t.minute, &mut out);
        }
        (SayAs::Decimal, Value::Int(n)) => {
            let abs = magnitude(*n).ok_or_else(|| fail(too_large()))?;
            if *n < 0 {
                out.push("word_minus");
            }
            number(lang, abs, &mut out);
        }
        (SayAs::Decimal, Value::Text(s)) => decimal(lang, s, &mut out).map_err(fail)?,
        (_, v) => {
            return Err(fail(format!(
                "a {} cannot be read as {}",
                v.type_name(),
                match as_ {
                    SayAs::Digits => "digits (needs digit text or a non-negative number)",
                    SayAs::Number => "a number (needs a number)",
                    SayAs::Money => "money (needs money)",
                    SayAs::Date => "a date (needs a date)",
                    SayAs::Month => "a month (needs a date)",
                    SayAs::Time => "a date and time (needs a time)",
                    SayAs::Clock => "a time of day (needs a time)",
                    SayAs::Decimal => "a decimal (needs a number or decimal text)",
                    SayAs::Recording => "a recording (needs its name as text)",
                }
            )))
        }
    }
    Ok(out.into_iter().map(String::from).collect())
}

fn too_large() -> String {
    format!("larger than {MAX} cannot be read")
}

/// The magnitude of `n` if it is at most [`MAX`].
fn magnitude(n: i64) -> Option<u64> {
    Some(n.unsigned_abs()).filter(|a| *a <= MAX)
}

/// Each character of `s` as a digit prompt; the first non-digit is the error.
fn digits(s: &str, out: &mut Vec<&'static str>) -> Result<(), char> {
    for c in s.chars() {
        let d = c.to_digit(10).ok_or(c)?;
        out.extend(DIGITS.get(d as usize).copied());
    }
    Ok(())
}

/// `n` (at most [`MAX`]) as a number in `lang`.
fn number(lang: Lang, n: u64, out: &mut Vec<&'static str>) {
    match lang {
        Lang::Zh => zh::number(n, out),
        Lang::En => en::number(n, out),
    }
}

fn check_date(d: &Date) -> Result<(), String> {
    if !(1..=9999).contains(&d.year) {
        return Err(format!("year {} is not in 1..=9999", d.year));
    }
    if !(1..=12).contains(&d.month) {
        return Err(format!("month {} is not in 1..=12", d.month));
    }
    if d.day > 31 {
        return Err(format!("day {} is not in 1..=31", d.day));
    }
    Ok(())
}

/// A time's date needs a day and its minute a place in the day.
fn check_time(t: &Moment) -> Result<(), String> {
    check_date(&t.date)?;
    if t.date.day == 0 {
        return Err("a time needs a day (1..=31)".into());
    }
    if t.minute >= 24 * 60 {
        return Err(format!("minute {} is not in 0..=1439", t.minute));
    }
    Ok(())
}

/// The time of day `minute` (checked, 0..=1439).
fn clock(lang: Lang, minute: u16, out: &mut Vec<&'static str>) {
    let (hour, min) = (minute / 60, minute % 60);
    match lang {
        Lang::Zh => zh::clock(hour, min, out),
        Lang::En => en::clock(hour, min, out),
    }
}

/// Most digits read after a decimal point.
const MAX_DECIMALS: usize = 9;

/// A decimal number written as text: `0.35`, `12`, `-1.5`.
fn decimal(lang: Lang, s: &str, out: &mut Vec<&'static str>) -> Result<(), String> {
    let t = s.trim();
    let (negative, t) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t),
    };
    let (whole, fraction) = match t.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (t, None),
    };
    let is_digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    if !is_digits(whole) || fraction.is_some_and(|f| !is_digits(f)) {
        return Err(format!("{s:?} is not a decimal number (like 0.35)"));
    }
    let fraction = fraction.unwrap_or("");
    if fraction.len() > MAX_DECIMALS {
        return Err(format!("more than {MAX_DECIMALS} digits after the point"));
    }
    let n: u64 = whole
        .parse()
        .ok()
        .filter(|n| *n <= MAX)
        .ok_or_else(too_large)?;
    if negative {
        out.push("word_minus");
    }
    number(lang, n, out);
    if !fraction.is_empty() {
        out.push("word_point");
        digits(fraction, out).map_err(|c| format!("{c:?} is not a digit"))?;
    }
    Ok(())
}

/// A checked date with a day: 二零二六年十一月十八号 / November eighteen two thousand and twenty six.
fn date(lang: Lang, d: &Date, out: &mut Vec<&'static str>) {
    match lang {
        Lang::Zh => {
            zh_year(d, out);
            out.extend(MONTHS.get(usize::from(d.month)).copied());
            zh::number(u64::from(d.day), out);
            out.push("word_day");
        }
        Lang::En => {
            out.extend(MONTHS.get(usize::from(d.month)).copied());
            en::number(u64::from(d.day), out);
            en::number(year(d), out);
        }
    }
}

/// A checked date's month: 二零二六年十一月 / November two thousand and twenty six.
fn month(lang: Lang, d: &Date, out: &mut Vec<&'static str>) {
    match lang {
        Lang::Zh => {
            zh_year(d, out);
            out.extend(MONTHS.get(usize::from(d.month)).copied());
        }
        Lang::En => {
            out.extend(MONTHS.get(usize::from(d.month)).copied());
            en::number(year(d), out);
        }
    }
}

/// A checked date's year (1..=9999).
fn year(d: &Date) -> u64 {
    u64::from(d.year.unsigned_abs())
}

/// The year digit by digit, then 年.
fn zh_year(d: &Date, out: &mut Vec<&'static str>) {
    let mut buf = Vec::new();
    let mut y = year(d);
    while y > 0 {
        buf.extend(DIGITS.get((y % 10) as usize).copied());
        y /= 10;
    }
    out.extend(buf.into_iter().rev());
    out.push("word_year");
}
