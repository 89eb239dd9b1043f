//! The values a flow works with and their types. Lookups deliver their answers as values
//! (the runtime converts the data source's records; see `types_of` for the shapes), collected
//! digits are text, and expressions compute with them.

use std::collections::BTreeMap;
use std::fmt;

/// A calendar date (no time zone: the utility's local date).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: i32,
    /// 1–12.
    pub month: u8,
    /// 1–31; 0 for a month (a billing period).
    pub day: u8,
}

/// A moment on the centre's clocks: a local date and the minute of that day (a notice's
/// start, its expected end).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Moment {
    /// The local date (its day is 1–31).
    pub date: Date,
    /// Minutes since the local midnight, 0–1439 (08:30 is 510).
    pub minute: u16,
}

/// A value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    /// An amount of money in fen (1/100 yuan).
    Money(i64),
    Text(String),
    Date(Date),
    /// A local date and time of day.
    Time(Moment),
    List(Vec<Value>),
    Record(BTreeMap<String, Value>),
}

/// A value's type, as the loader checks expressions with it.
#[derive(Debug, Clone, PartialEq)]
pub enum Type {
    /// Any type: the type of `null`, and of what cannot be known.
    Any,
    Bool,
    Int,
    Money,
    Text,
    Date,
    Time,
    List(Box<Type>),
    Record(BTreeMap<String, Type>),
}

impl Value {
    /// A record from `(field, value)` pairs.
    pub fn record<const N: usize>(fields: [(&str, Value); N]) -> Value {
        Value::Record(
            fields
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
        )
    }

    pub fn text(s: impl Into<String>) -> Value {
        Value::Text(s.into())
    }

    /// A field of a record (`Null` for anything else or a missing field).
    pub fn field(&self, name: &str) -> &Value {
        match self {
            Value::Record(m) => m.get(name).unwrap_or(&Value::Null),
            _ => &Value::Null,
        }
    }

    /// Truthiness for conditions: only `true` is true.
    pub fn is_true(&self) -> bool {
        matches!(self, Value::Bool(true))
    }

    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Int(_) => "number",
            Value::Money(_) => "money",
            Value::Text(_) => "text",
            Value::Date(_) => "date",
            Value::Time(_) => "time",
            Value::List(_) => "list",
            Value::Record(_) => "record",
        }
    }
}

impl fmt::Display for Value {
    /// How the simulator and logs show a value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => write!(f, "null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Money(fen) => {
                let sign = if *fen < 0 { "-" } else { "" };
                let a = fen.unsigned_abs();
                write!(f, "{sign}{}.{:02}", a / 100, a % 100)
            }
            Value::Text(s) => write!(f, "{s}"),
            Value::Date(d) if d.day == 0 => write!(f, "{}-{:02}", d.year, d.month),
            Value::Date(d) => write!(f, "{}-{:02}-{:02}", d.year, d.month, d.day),
            Value::Time(t) => write!(
                f,
                "{}-{:02}-{:02} {:02}:{:02}",
                t.date.year,
                t.date.month,
                t.date.day,
                t.minute / 60,
                t.minute % 60
            ),
            Value::List(items) => write!(f, "[{} items]", items.len()),
            Value::Record(_) => write!(f, "{{record}}"),
        }
    }
}

impl Type {
    fn record<const N: usize>(fields: [(&str, Type); N]) -> Type {
        Type::Record(
            fields
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
        )
    }

    pub fn name(&self) -> String {
        match self {
            Type::Any => "any".into(),
            Type::Bool => "bool".into(),
            Type::Int => "number".into(),
            Type::Money => "money".into(),
            Type::Text => "text".into(),
            Type::Date => "date".into(),
            Type::Time => "time".into(),
            Type::List(t) => format!("list of {}", t.name()),
            Type::Record(_) => "record".into(),
        }
    }
}

/// The shapes lookups deliver; the runtime must build exactly these, and the loader checks
/// expressions against them.
pub mod shapes {
    use super::Type;

    /// `customer_by_caller`, `customer_by_account`.
    pub fn customer() -> Type {
        Type::record([
            ("account", Type::Text),
            ("name", Type::Text),
            ("address", Type::Text),
            ("district", Type::Text),
            ("district_name", Type::Text),
            ("language", Type::Text),
            ("tier", Type::Text),
            ("manager", Type::Text),
            ("credit_flag", Type::Text),
        ])
    }

    pub fn bill() -> Type {
        Type::record([
            ("period", Type::Date),
            ("volume", Type::Int),
            ("amount", Type::Money),
            ("paid", Type::Money),
            ("unpaid", Type::Money),
            ("due", Type::Date),
        ])
    }

    /// `bills`.
    pub fn bills() -> Type {
        Type::record([
            ("count", Type::Int),
            ("total", Type::Money),
            ("items", Type::List(Box::new(bill()))),
        ])
    }

    /// `arrears`.
    pub fn arrears() -> Type {
        let item = Type::record([
            ("period", Type::Date),
            ("amount", Type::Money),
            ("unpaid", Type::Money),
            ("late_fee", Type::Money),
        ]);
        Type::record([
            ("count", Type::Int),
            ("principal", Type::Money),
            ("late_fees", Type::Money),
            ("total", Type::Money),
            ("items", Type::List(Box::new(item))),
        ])
    }

    /// `notices`: how many, how many of them are in force now (the others start within a
    /// day), and each notice's kind (`outage`, `planned_works`, `water_quality`, `pressure`,
    /// `other`), title, district (the first: code and name), districts (codes),
    /// `starts`/`ends` (dates) and
    /// `from`/`until` (times; `until` null while the end is not known), `same_day` (it ends
    /// on the day it starts), `cause` (a cause code or empty) and the water figures as decimal
    /// text (turbidity in NTU, residual chlorine in mg/L, pressure in MPa; null when not given),
    /// and `recording`: the name of a recording a supervisor uploaded for it (say it `as:
    /// recording`), null when there is none.
    pub fn notices() -> Type {
        let item = Type::record([
            ("kind", Type::Text),
            ("title", Type::Text),
            ("district", Type::Text),
            ("district_name", Type::Text),
            ("districts", Type::List(Box::new(Type::Text))),
            ("starts", Type::Date),
            ("ends", Type::Date),
            ("from", Type::Time),
            ("until", Type::Time),
            ("same_day", Type::Bool),
            ("cause", Type::Text),
            ("turbidity", Type::Text),
            ("chlorine", Type::Text),
            ("pressure", Type::Text),
            ("recording", Type::Text),
        ]);
        Type::record([
            ("count", Type::Int),
            ("in_force", Type::Int),
            ("items", Type::List(Box::new(item))),
        ])
    }

    /// `submit_reading`.
    pub fn reading() -> Type {
        Type::record([
            ("status", Type::Text),
            ("reason", Type::Text),
            ("ticket", Type::Text),
        ])
    }

    /// `submit_survey`.
    pub fn survey() -> Type {
        Type::record([("score", Type::Int)])
    }

    /// What a `ticket` node puts in `into`.
    pub fn ticket() -> Type {
        Type::record([
            ("id", Type::Int),
            ("number", Type::Text),
            ("dispatched", Type::Bool),
        ])
    }
}
