//! Scores on hand-computed examples, and every refused answer.

use super::parse::FORM;
use crate::{parse_form, score, Answer, AnswerError, Answers, Form};

pub(crate) fn form() -> Form {
    parse_form("test", "test.yaml", FORM).unwrap()
}

/// Answers from `(id, answer)` pairs.
pub(crate) fn answers(pairs: &[(&str, Answer)]) -> Answers {
    pairs.iter().map(|(id, a)| ((*id).to_owned(), *a)).collect()
}

/// Every criterion of the test form answered the best way, then `changes` applied.
pub(crate) fn best_but(changes: &[(&str, Answer)]) -> Answers {
    let mut a = answers(&[
        ("greeting", Answer::Yes),
        ("staff_number", Answer::Yes),
        ("solution", Answer::Scale(4)),
        ("ticket", Answer::Yes),
        ("farewell", Answer::Yes),
    ]);
    a.extend(answers(changes));
    a
}

fn refused(a: &Answers) -> AnswerError {
    score(&form(), a).expect_err("the answers should be refused")
}

#[test]
fn all_yes_and_the_top_of_the_scale_is_100() {
    let s = score(&form(), &best_but(&[])).unwrap();
    assert_eq!(s.percent, 100.0);
    assert_eq!((s.points, s.possible), (50.0, 50.0));
    assert!(s.critical_failed.is_empty());
    assert!(s.passed);
}

#[test]
fn a_scale_answer_earns_its_share_of_the_weight() {
    // 2 of 4 on weight 10: 45 of 50.
    let s = score(&form(), &best_but(&[("solution", Answer::Scale(2))])).unwrap();
    assert_eq!((s.points, s.possible), (45.0, 50.0));
    assert_eq!(s.percent, 90.0);
    assert!(s.passed);
    // 1 of 4 and a no: 32.5 of 50 = 65 %.
    let s = score(
        &form(),
        &best_but(&[("solution", Answer::Scale(1)), ("greeting", Answer::No)]),
    )
    .unwrap();
    assert_eq!((s.points, s.possible), (32.5, 50.0));
    assert_eq!(s.percent, 65.0);
    assert!(!s.passed);
}

#[test]
fn na_takes_the_criterion_out_of_the_possible_points() {
    // The ticket n/a and the farewell missed: 30 of 40 = 75 %.
    let s = score(
        &form(),
        &best_but(&[("ticket", Answer::Na), ("farewell", Answer::No)]),
    )
    .unwrap();
    assert_eq!((s.points, s.possible), (30.0, 40.0));
    assert_eq!(s.percent, 75.0);
    assert!(!s.passed);
}

#[test]
fn percents_are_rounded_to_a_tenth() {
    // 1 of 3 on a scale of weight 10 beside 40 more: 43.33… of 50 = 86.666… → 86.7.
    let text = FORM.replace("scale: 4", "scale: 3");
    let f = parse_form("t", "t.yaml", &text).unwrap();
    let s = score(&f, &best_but(&[("solution", Answer::Scale(1))])).unwrap();
    assert_eq!(s.percent, 86.7);
    // 2 of 3: 46.67 of 50 = 93.33… → 93.3.
    let s = score(&f, &best_but(&[("solution", Answer::Scale(2))])).unwrap();
    assert_eq!(s.percent, 93.3);
}

#[test]
fn a_critical_no_scores_0_and_fails() {
    let s = score(&form(), &best_but(&[("staff_number", Answer::No)])).unwrap();
    assert_eq!(s.percent, 0.0);
    assert_eq!(s.critical_failed, ["staff_number"]);
    assert!(!s.passed);
    // The points are still reported.
    assert_eq!((s.points, s.possible), (40.0, 50.0));
}

#[test]
fn a_critical_item_of_weight_0_is_a_gate_only() {
    let text = FORM.replace(
        "critical: true\n        weight: 10",
        "critical: true\n        weight: 0",
    );
    let f = parse_form("t", "t.yaml", &text).unwrap();
    let s = score(&f, &best_but(&[])).unwrap();
    assert_eq!((s.points, s.possible, s.percent), (40.0, 40.0, 100.0));
    let s = score(&f, &best_but(&[("staff_number", Answer::No)])).unwrap();
    assert_eq!((s.percent, s.passed), (0.0, false));
}

#[test]
fn the_pass_mark_is_inclusive() {
    // Pass mark 80: 40 of 50 passes, 39 of 50 does not.
    let s = score(&form(), &best_but(&[("farewell", Answer::No)])).unwrap();
    assert_eq!(s.percent, 80.0);
    assert!(s.passed);
    let s = score(
        &form(),
        &best_but(&[("farewell", Answer::No), ("solution", Answer::Scale(3))]),
    )
    .unwrap();
    assert_eq!(s.percent, 75.0);
    assert!(!s.passed);
    let text = FORM.replace("pass_mark: 80", "pass_mark: 90");
    let f = parse_form("t", "t.yaml", &text).unwrap();
    let s = score(&f, &best_but(&[("solution", Answer::Scale(2))])).unwrap();
    assert_eq!((s.percent, s.passed), (90.0, true));
    let s = score(&f, &best_but(&[("farewell", Answer::No)])).unwrap();
    assert_eq!((s.percent, s.passed), (80.0, false));
}

#[test]
fn nothing_possible_is_100() {
    let text = "title: t\nsections:\n  - id: s\n    title: S\n    criteria:\n      - id: a\n        text: A\n        weight: 5\n        allow_na: true\n";
    let f = parse_form("t", "t.yaml", text).unwrap();
    let s = score(&f, &answers(&[("a", Answer::Na)])).unwrap();
    assert_eq!((s.percent, s.possible, s.passed), (100.0, 0.0, true));
}

#[test]
fn every_misfit_answer_is_refused_naming_the_criterion() {
    let mut missing = best_but(&[]);
    missing.remove("ticket");
    let cases: Vec<(Answers, &str, &str)> = vec![
        (missing, "ticket", "not answered"),
        (
            best_but(&[("colour", Answer::Yes)]),
            "colour",
            "no such criterion",
        ),
        (best_but(&[("greeting", Answer::Na)]), "greeting", "na"),
        (
            best_but(&[("greeting", Answer::Scale(1))]),
            "greeting",
            "yes or no",
        ),
        (best_but(&[("solution", Answer::Yes)]), "solution", "0 to 4"),
        (
            best_but(&[("solution", Answer::Scale(5))]),
            "solution",
            "not 5",
        ),
    ];
    for (a, criterion, words) in cases {
        let e = refused(&a);
        assert_eq!(e.criterion, criterion, "{e}");
        assert!(e.reason.contains(words), "expected `{words}` in `{e}`");
        assert_eq!(e.to_string(), format!("{criterion}: {}", e.reason));
    }
}

#[test]
fn answers_read_and_write_as_yes_no_na_or_a_number() {
    let a = answers(&[
        ("a", Answer::Yes),
        ("b", Answer::No),
        ("c", Answer::Na),
        ("d", Answer::Scale(3)),
    ]);
    let json = serde_json::to_string(&a).unwrap();
    assert_eq!(json, r#"{"a":"yes","b":"no","c":"na","d":3}"#);
    let back: Answers = serde_json::from_str(&json).unwrap();
    assert_eq!(back, a);
    for bad in [r#""Yes""#, r#""maybe""#, "-1", "256", "true", "1.5", "null"] {
        assert!(serde_json::from_str::<Answer>(bad).is_err(), "{bad}");
    }
    for (text, answer) in [
        ("yes", Answer::Yes),
        ("na", Answer::Na),
        ("0", Answer::Scale(0)),
    ] {
        assert_eq!(text.parse::<Answer>(), Ok(answer));
        assert_eq!(answer.to_string(), text);
    }
    assert!("".parse::<Answer>().is_err());
    assert!("300".parse::<Answer>().is_err());
    assert!("+1".parse::<Answer>().is_err());
}

#[test]
fn a_score_round_trips_through_json() {
    let s = score(&form(), &best_but(&[("staff_number", Answer::No)])).unwrap();
    let json = serde_json::to_value(&s).unwrap();
    assert_eq!(json["critical_failed"], serde_json::json!(["staff_number"]));
    assert_eq!(serde_json::from_value::<crate::Score>(json).unwrap(), s);
}
