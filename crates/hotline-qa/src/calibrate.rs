//! Calibration: two or more evaluators score the same call with the same form, to check that
//! they read the form alike. The result shows each one's percent, the spread between the
//! highest and the lowest, and, criterion by criterion, whether they all gave the same answer.

use crate::answer::{Answer, AnswerError, Answers};
use crate::form::Form;
use crate::score::{round1, score};
use serde::Serialize;

/// Several evaluations of one call.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Calibration {
    /// Each evaluation's percent, in input order.
    pub percents: Vec<f64>,
    /// The highest percent minus the lowest, rounded to 0.1 (0 for fewer than two).
    pub spread: f64,
    /// Every criterion of the form, in form order.
    pub criteria: Vec<CriterionAgreement>,
}

/// One criterion across the evaluations.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CriterionAgreement {
    pub id: String,
    pub text: String,
    /// Each evaluation's answer, in input order.
    pub answers: Vec<Answer>,
    /// Every evaluation gave the same answer.
    pub agree: bool,
}

impl Calibration {
    /// The percent (0..=100, rounded to 0.1) of criteria all evaluators answered alike; 100
    /// for a form without criteria.
    pub fn agreement(&self) -> f64 {
        if self.criteria.is_empty() {
            return 100.0;
        }
        let agreed = self.criteria.iter().filter(|c| c.agree).count();
        round1(100.0 * agreed as f64 / self.criteria.len() as f64)
    }

    /// The criteria the evaluators answered differently, in form order.
    pub fn disagreements(&self) -> impl Iterator<Item = &CriterionAgreement> {
        self.criteria.iter().filter(|c| !c.agree)
    }
}

/// Compares `evaluations` of one call against `form`. Each must be valid for the form (see
/// [`score`]); the first invalid one is the error, its reason starting `evaluation N:` (1-based).
/// Fewer than two evaluations are not refused: they agree with themselves, spread 0.
pub fn calibrate(form: &Form, evaluations: &[&Answers]) -> Result<Calibration, AnswerError> {
    let mut percents = Vec::with_capacity(evaluations.len());
    for (i, answers) in evaluations.iter().enumerate() {
        let s = score(form, answers).map_err(|e| AnswerError {
            criterion: e.criterion,
            reason: format!("evaluation {}: {}", i + 1, e.reason),
        })?;
        percents.push(s.percent);
    }
    let max = percents.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let min = percents.iter().copied().fold(f64::INFINITY, f64::min);
    let spread = if percents.len() < 2 {
        0.0
    } else {
        round1(max - min)
    };
    let criteria = form
        .criteria()
        .map(|c| {
            // Every evaluation answers every criterion (score checked it).
            let answers: Vec<Answer> = evaluations
                .iter()
                .filter_map(|a| a.get(&c.id).copied())
                .collect();
            let agree = answers.windows(2).all(|w| w.first() == w.get(1));
            CriterionAgreement {
                id: c.id.clone(),
                text: c.text.clone(),
                answers,
                agree,
            }
        })
        .collect();
    Ok(Calibration {
        percents,
        spread,
        criteria,
    })
}
