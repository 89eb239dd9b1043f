//! The date functions outbound flows use: `mmdd_date(keys, today)` and
//! `days_between(from, to)`, parsed, type-checked and evaluated.

use super::{day, parse_err, scope, tree};
use crate::expr::{Expr, Vars};
use crate::value::{Date, Type, Value};

fn vars() -> Vars {
    let mut v = Vars::new();
    v.insert("today".into(), day(2026, 11, 18));
    v.insert("keys".into(), Value::text("1125"));
    v.insert("past".into(), Value::text("1101"));
    v.insert("bad".into(), Value::text("0230"));
    v
}

fn eval(src: &str) -> Value {
    Expr::parse(src)
        .and_then(|e| e.eval(&vars()))
        .unwrap_or_else(|e| panic!("`{src}`: {}", e.message))
}

#[test]
fn parsed_with_two_values() {
    assert_eq!(
        tree("days_between(today, mmdd_date(keys, today)) > 14"),
        "(> (days_between today (mmdd_date keys today)) 14)"
    );
    assert!(parse_err("mmdd_date(keys)").message.contains("two values"));
    assert!(parse_err("days_between()").message.contains("two values"));
    assert!(parse_err("days_between(a, b, c)")
        .message
        .contains("only two values"));
    assert!(parse_err("days_between(a, b")
        .message
        .contains("missing `)`"));
}

#[test]
fn type_checked() {
    let mut s = scope();
    s.insert("today".into(), Type::Date);
    let check = |src: &str| Expr::parse(src).and_then(|e| e.check(&s));
    assert_eq!(check("mmdd_date(digits, today)").ok(), Some(Type::Date));
    assert_eq!(check("days_between(today, today)").ok(), Some(Type::Int));
    let e = check("mmdd_date(count, today)").expect_err("a number is no keys");
    assert_eq!(e.offset, 10);
    assert!(e.message.contains("needs text here"), "{}", e.message);
    let e = check("days_between(today, digits)").expect_err("text is no date");
    assert!(e.message.contains("needs a date"), "{}", e.message);
}

#[test]
fn evaluated() {
    let d = |y, m, dd| {
        Value::Date(Date {
            year: y,
            month: m,
            day: dd,
        })
    };
    assert_eq!(eval("mmdd_date(keys, today)"), d(2026, 11, 25));
    assert_eq!(
        eval("days_between(today, mmdd_date(keys, today))"),
        Value::Int(7)
    );
    assert_eq!(
        eval("days_between(today, mmdd_date(past, today))"),
        Value::Int(-17)
    );
    assert_eq!(eval("mmdd_date(bad, today)"), Value::Null);
    assert_eq!(eval("mmdd_date(bad, today) == null"), Value::Bool(true));
    // A day not keyed yet (null) gives none: the comparison is false, not an error.
    assert_eq!(eval("days_between(today, missing)"), Value::Null);
    assert_eq!(
        eval("days_between(today, missing) > 14"),
        Value::Bool(false)
    );
}
