//! Scoring one evaluation against its form.
//!
//! Every criterion is answered; yes earns the weight, no nothing, a scale point `v` earns
//! `weight * v / max`; "na" (only where allowed) takes the weight out of the possible points.
//! percent = 100 * points / possible (100 when nothing is possible), rounded to 0.1. A critical
//! item answered no fails the evaluation: percent 0, not passed.

use crate::answer::{Answer, AnswerError, Answers};
use crate::form::{Criterion, Form, Kind};
use serde::{Deserialize, Serialize};

/// The result of one evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Score {
    /// 0..=100, rounded to 0.1; 0 on a critical failure.
    pub percent: f64,
    /// The points earned and possible (the weights of the answered-applicable criteria), as
    /// computed even on a critical failure.
    pub points: f64,
    pub possible: f64,
    /// The critical criteria answered no, in form order.
    pub critical_failed: Vec<String>,
    /// No critical failure and `percent >= pass_mark` (the rounded percent is compared).
    pub passed: bool,
}

/// Scores `answers` against `form`. Refused: a criterion not answered, an id the form does not
/// have, "na" where the criterion does not allow it, yes/no on a scale item or a scale point
/// on a yes/no item, a point above the scale's max.
pub fn score(form: &Form, answers: &Answers) -> Result<Score, AnswerError> {
    if let Some(unknown) = answers.keys().find(|id| form.criterion(id).is_none()) {
        return Err(AnswerError {
            criterion: unknown.clone(),
            reason: format!("form `{}` has no such criterion", form.id),
        });
    }
    let mut points = 0.0;
    let mut possible = 0.0;
    let mut critical_failed = Vec::new();
    for c in form.criteria() {
        let answer = answers.get(&c.id).ok_or_else(|| AnswerError {
            criterion: c.id.clone(),
            reason: "not answered".to_owned(),
        })?;
        let (earned, counted) = value(c, *answer)?;
        points += earned;
        possible += counted;
        if c.critical && *answer == Answer::No {
            critical_failed.push(c.id.clone());
        }
    }
    let percent = if !critical_failed.is_empty() {
        0.0
    } else if possible > 0.0 {
        round1(100.0 * points / possible)
    } else {
        100.0
    };
    Ok(Score {
        percent,
        points,
        possible,
        passed: critical_failed.is_empty() && percent >= f64::from(form.pass_mark),
        critical_failed,
    })
}

/// Checks one answer: `(points earned, points possible)`.
pub(crate) fn value(c: &Criterion, answer: Answer) -> Result<(f64, f64), AnswerError> {
    let weight = f64::from(c.weight);
    let refuse = |reason: String| {
        Err(AnswerError {
            criterion: c.id.clone(),
            reason,
        })
    };
    match (c.kind, answer) {
        (_, Answer::Na) if c.allow_na => Ok((0.0, 0.0)),
        (_, Answer::Na) => {
            refuse("this criterion is always applicable: \"na\" is not allowed".to_owned())
        }
        (Kind::YesNo, Answer::Yes) => Ok((weight, weight)),
        (Kind::YesNo, Answer::No) => Ok((0.0, weight)),
        (Kind::YesNo, Answer::Scale(v)) => refuse(format!("answered yes or no, not {v}")),
        (Kind::Scale { max }, Answer::Scale(v)) if v <= max && max > 0 => {
            Ok((weight * f64::from(v) / f64::from(max), weight))
        }
        (Kind::Scale { max }, Answer::Scale(v)) => refuse(format!("answered 0 to {max}, not {v}")),
        (Kind::Scale { max }, a) => refuse(format!("answered 0 to {max}, not {a}")),
    }
}

/// `x` rounded to one decimal.
pub(crate) fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}
