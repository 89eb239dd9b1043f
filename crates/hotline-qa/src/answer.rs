//! An evaluator's answers: one [`Answer`] per criterion id, and the error that refuses a set of
//! answers for a form.
//!
//! JSON: an answer is `"yes"`, `"no"`, `"na"` or a whole number (a scale point), so a set of
//! answers is `{"staff_number": "yes", "solution": 3, "ticket": "na"}`.

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// One criterion's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Answer {
    Yes,
    No,
    /// Not applicable on this call (only where the criterion allows it).
    Na,
    /// A point on a scale criterion, 0..=max.
    Scale(u8),
}

/// An evaluation: criterion id → answer.
pub type Answers = BTreeMap<String, Answer>;

/// Why answers do not fit a form: `criterion: reason`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnswerError {
    /// The criterion id (as written in the answers when it is unknown to the form).
    pub criterion: String,
    pub reason: String,
}

impl fmt::Display for AnswerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.criterion, self.reason)
    }
}

impl std::error::Error for AnswerError {}

/// `yes`, `no`, `na` or the scale point.
impl fmt::Display for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Answer::Yes => f.write_str("yes"),
            Answer::No => f.write_str("no"),
            Answer::Na => f.write_str("na"),
            Answer::Scale(v) => write!(f, "{v}"),
        }
    }
}

/// Reads what `Display` writes (`yes`, `no`, `na`, `0`..=`255`): a web form's field values.
impl FromStr for Answer {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "yes" => Ok(Answer::Yes),
            "no" => Ok(Answer::No),
            "na" => Ok(Answer::Na),
            _ if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => s
                .parse::<u8>()
                .map(Answer::Scale)
                .map_err(|_| format!("scale point `{s}` is too large")),
            _ => Err(format!(
                "an answer is yes, no, na or a scale point, not `{s}`"
            )),
        }
    }
}

impl Serialize for Answer {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Answer::Yes => s.serialize_str("yes"),
            Answer::No => s.serialize_str("no"),
            Answer::Na => s.serialize_str("na"),
            Answer::Scale(v) => s.serialize_u8(*v),
        }
    }
}

impl<'de> Deserialize<'de> for Answer {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(AnswerVisitor)
    }
}

struct AnswerVisitor;

impl Visitor<'_> for AnswerVisitor {
    type Value = Answer;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(r#""yes", "no", "na" or a whole number from 0 to 255"#)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Answer, E> {
        match v {
            "yes" => Ok(Answer::Yes),
            "no" => Ok(Answer::No),
            "na" => Ok(Answer::Na),
            _ => Err(E::invalid_value(de::Unexpected::Str(v), &self)),
        }
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Answer, E> {
        u8::try_from(v)
            .map(Answer::Scale)
            .map_err(|_| E::invalid_value(de::Unexpected::Unsigned(v), &self))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Answer, E> {
        u8::try_from(v)
            .map(Answer::Scale)
            .map_err(|_| E::invalid_value(de::Unexpected::Signed(v), &self))
    }
}
