//! Calibration: percents, spread and agreement criterion by criterion.

use super::score::{best_but, form};
use crate::{calibrate, Answer};

#[test]
fn evaluators_who_agree_have_no_spread() {
    let a = best_but(&[("ticket", Answer::Na)]);
    let b = a.clone();
    let c = calibrate(&form(), &[&a, &b]).unwrap();
    assert_eq!(c.percents, [100.0, 100.0]);
    assert_eq!(c.spread, 0.0);
    assert_eq!(c.criteria.len(), 5);
    assert!(c.criteria.iter().all(|x| x.agree));
    assert_eq!(c.agreement(), 100.0);
    assert_eq!(c.criteria[3].id, "ticket");
    assert_eq!(c.criteria[3].answers, [Answer::Na, Answer::Na]);
}

#[test]
fn the_spread_and_the_disagreements_are_shown() {
    let a = best_but(&[]); // 100
    let b = best_but(&[("solution", Answer::Scale(2))]); // 90
    let c = best_but(&[("solution", Answer::Scale(3)), ("farewell", Answer::No)]); // 35/50 = 75
    let cal = calibrate(&form(), &[&a, &b, &c]).unwrap();
    assert_eq!(cal.percents, [100.0, 90.0, 75.0]);
    assert_eq!(cal.spread, 25.0);
    let disagree: Vec<&str> = cal.disagreements().map(|x| x.id.as_str()).collect();
    assert_eq!(disagree, ["solution", "farewell"]);
    let solution = &cal.criteria[2];
    assert_eq!(solution.text, "Solution");
    assert_eq!(
        solution.answers,
        [Answer::Scale(4), Answer::Scale(2), Answer::Scale(3)]
    );
    assert!(!solution.agree);
    assert_eq!(cal.agreement(), 60.0);
}

#[test]
fn a_critical_failure_counts_as_0_in_the_spread() {
    let a = best_but(&[]);
    let b = best_but(&[("staff_number", Answer::No)]);
    let cal = calibrate(&form(), &[&a, &b]).unwrap();
    assert_eq!(cal.percents, [100.0, 0.0]);
    assert_eq!(cal.spread, 100.0);
    assert!(!cal.criteria[1].agree);
}

#[test]
fn an_invalid_evaluation_is_refused_naming_it() {
    let a = best_but(&[]);
    let mut b = best_but(&[]);
    b.remove("farewell");
    let e = calibrate(&form(), &[&a, &b]).unwrap_err();
    assert_eq!(e.criterion, "farewell");
    assert_eq!(e.reason, "evaluation 2: not answered");
}

#[test]
fn one_or_no_evaluation_has_no_spread() {
    let a = best_but(&[("solution", Answer::Scale(1))]);
    let cal = calibrate(&form(), &[&a]).unwrap();
    assert_eq!((cal.percents.len(), cal.spread), (1, 0.0));
    assert!(cal.criteria.iter().all(|x| x.agree));
    let cal = calibrate(&form(), &[]).unwrap();
    assert!(cal.percents.is_empty());
    assert_eq!(cal.spread, 0.0);
    assert!(cal.criteria.iter().all(|x| x.answers.is_empty()));
}
