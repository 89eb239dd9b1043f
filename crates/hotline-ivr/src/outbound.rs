//! Outbound calls (issue 21): how a campaign's data reaches a flow and what the flow records
//! for the campaign. A flow that declares `target:` (field → `text`/`number`/`money`/`date`)
//! is started with the variable `target` holding the campaign's data for the customer,
//! converted here from the text the campaign keeps ([`target_value`]). Its `promise`,
//! `opt_out` and `result` nodes become [`Outbound`] actions, and the session keeps their sum
//! ([`Record`]) for the campaign shell. Also the date arithmetic the dunning flow's promise
//! date needs (`mmdd_date`, `days_between`). Pure: no clock, no store.

use crate::expr::Expr;
use crate::flow::NodeIdx;
use crate::value::{Date, Type, Value};
use std::collections::BTreeMap;

/// The type of one `target` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    Text,
    Number,
    /// Given in yuan (`"1234.50"`), held in fen.
    Money,
    /// `YYYY-MM-DD`.
    Date,
}

impl FieldType {
    /// The type named in a flow file, or `None`.
    pub fn parse(name: &str) -> Option<FieldType> {
        Some(match name {
            "text" => FieldType::Text,
            "number" => FieldType::Number,
            "money" => FieldType::Money,
            "date" => FieldType::Date,
            _ => return None,
        })
    }

    pub fn ty(self) -> Type {
        match self {
            FieldType::Text => Type::Text,
            FieldType::Number => Type::Int,
            FieldType::Money => Type::Money,
            FieldType::Date => Type::Date,
        }
    }

    /// The value of `raw`, or why it is not one of this type.
    pub fn value(self, raw: &str) -> Result<Value, String> {
        let raw = raw.trim();
        match self {
            FieldType::Text => Ok(Value::text(raw)),
            FieldType::Number => raw
                .parse::<i64>()
                .map(Value::Int)
                .map_err(|_| format!("`{raw}` is not a whole number")),
            FieldType::Money => yuan_to_fen(raw)
                .map(Value::Money)
                .ok_or_else(|| format!("`{raw}` is not an amount in yuan (`1234.50`)")),
            FieldType::Date => parse_date(raw)
                .map(Value::Date)
                .ok_or_else(|| format!("`{raw}` is not a date (`YYYY-MM-DD`)")),
        }
    }
}

/// The type of the variable `target` for these fields.
pub fn target_type(fields: &[(String, FieldType)]) -> Type {
    Type::Record(fields.iter().map(|(k, t)| (k.clone(), t.ty())).collect())
}

/// The variable `target` from a campaign's data: every declared field must be given and be of
/// its type (fields not declared are left out: they may be for the agent's screen pop). The
/// error names every field that is missing or wrong.
pub fn target_value(
    fields: &[(String, FieldType)],
    data: &BTreeMap<String, String>,
) -> Result<Value, String> {
    let mut out = BTreeMap::new();
    let mut wrong = Vec::new();
    for (name, ty) in fields {
        match data.get(name).map(|raw| ty.value(raw)) {
            Some(Ok(v)) => {
                out.insert(name.clone(), v);
            }
            Some(Err(e)) => wrong.push(format!("{name}: {e}")),
            None => wrong.push(format!("{name}: missing")),
        }
    }
    if wrong.is_empty() {
        Ok(Value::Record(out))
    } else {
        Err(format!("target data: {}", wrong.join("; ")))
    }
}

/// A campaign call's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallResult {
    Reached,
    WrongPerson,
    Promise,
    OptOut,
    /// The customer's rating, 1–5.
    Rating(u8),
}

impl CallResult {
    /// The name flow files and test cases use (`rating` without its score).
    pub fn name(self) -> &'static str {
        match self {
            CallResult::Reached => "reached",
            CallResult::WrongPerson => "wrong_person",
            CallResult::Promise => "promise",
            CallResult::OptOut => "opt_out",
            CallResult::Rating(_) => "rating",
        }
    }
}

impl std::fmt::Display for CallResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CallResult::Rating(n) => write!(f, "rating {n}"),
            r => f.write_str(r.name()),
        }
    }
}

/// The result a `result` node names (its score is an expression, evaluated on the call).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultKind {
    Reached,
    WrongPerson,
    Promise,
    OptOut,
    Rating,
}

impl ResultKind {
    pub fn parse(name: &str) -> Option<ResultKind> {
        Some(match name {
            "reached" => ResultKind::Reached,
            "wrong_person" => ResultKind::WrongPerson,
            "promise" => ResultKind::Promise,
            "opt_out" => ResultKind::OptOut,
            "rating" => ResultKind::Rating,
            _ => return None,
        })
    }

    /// The name flow files use.
    pub fn name(self) -> &'static str {
        match self {
            ResultKind::Reached => "reached",
            ResultKind::WrongPerson => "wrong_person",
            ResultKind::Promise => "promise",
            ResultKind::OptOut => "opt_out",
            ResultKind::Rating => "rating",
        }
    }
}

/// An outbound node as the interpreter runs it.
#[derive(Debug, Clone)]
pub enum RecordNode {
    Promise {
        amount: Expr,
        by: Expr,
        error: NodeIdx,
    },
    OptOut,
    Result {
        is: ResultKind,
        score: Option<Expr>,
    },
}

/// What an outbound node asks the shell to keep for the campaign.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outbound {
    /// A promise to pay `amount_fen` by `by`.
    Promise { amount_fen: i64, by: Date },
    /// Do not call this customer again from campaigns.
    OptOut,
    /// The call's result so far (the last one counts).
    Result(CallResult),
}

/// All a session's outbound actions added up, for the campaign shell at the call's end.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Record {
    /// The last result set.
    pub result: Option<CallResult>,
    /// The last promise made: (fen, date).
    pub promise: Option<(i64, Date)>,
    pub opted_out: bool,
}

impl Record {
    pub fn add(&mut self, o: Outbound) {
        match o {
            Outbound::Promise { amount_fen, by } => self.promise = Some((amount_fen, by)),
            Outbound::OptOut => self.opted_out = true,
            Outbound::Result(r) => self.result = Some(r),
        }
    }
}

/// `"1234.5"` yuan → 123450 fen (at most two decimals, not negative).
fn yuan_to_fen(s: &str) -> Option<i64> {
    let (yuan, frac) = s.split_once('.').unwrap_or((s, ""));
    if yuan.is_empty() || !yuan.bytes().all(|b| b.is_ascii_digit()) || frac.len() > 2 {
        return None;
    }
    if !frac.bytes().all(|b| b.is_ascii_digit()) || (s.contains('.') && frac.is_empty()) {
        return None;
    }
    let yuan: i64 = yuan.parse().ok()?;
    let frac: i64 = format!("{frac:0<2}").parse().ok()?;
    yuan.checked_mul(100)?.checked_add(frac)
}

/// `YYYY-MM-DD`, a real day.
fn parse_date(s: &str) -> Option<Date> {
    let mut it = s.split('-');
    let (y, m, d) = (it.next()?, it.next()?, it.next()?);
    if it.next().is_some() || y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let all_digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if !(all_digits(y) && all_digits(m) && all_digits(d)) {
        return None;
    }
    real_date(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

/// The date, if it is a real day.
pub fn real_date(year: i32, month: u8, day: u8) -> Option<Date> {
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    (1..=days)
        .contains(&day)
        .then_some(Date { year, month, day })
}

/// Days since 1970-01-01 (proleptic Gregorian; Howard Hinnant's `days_from_civil`).
pub fn day_number(d: Date) -> i64 {
    let (m, day) = (i64::from(d.month), i64::from(d.day.max(1)));
    let y = i64::from(d.year) - i64::from(m <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Days from `from` to `to` (negative when `to` is earlier).
pub fn days_between(from: Date, to: Date) -> i64 {
    day_number(to) - day_number(from)
}

/// The date a customer means by keying `MMDD` on `today`: that month and day in the year
/// nearest to today (so `0105` keyed on 28 December is 5 January of the next year, and
/// `1101` keyed on 18 November is the 1st, in the past). `None` when the keys are not four
/// digits of a real day (29 February counts in the year it is taken in).
pub fn mmdd_date(keys: &str, today: Date) -> Option<Date> {
    if keys.len() != 4 || !keys.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let month: u8 = keys.get(..2)?.parse().ok()?;
    let day: u8 = keys.get(2..)?.parse().ok()?;
    [today.year, today.year + 1, today.year - 1]
        .into_iter()
        .filter_map(|y| real_date(y, month, day))
        .min_by_key(|d| days_between(today, *d).abs())
}

#[cfg(test)]
mod tests;
