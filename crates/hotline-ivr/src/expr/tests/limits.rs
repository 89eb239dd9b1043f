//! The limits: 1,000 characters, 32 levels of nesting; long flat chains are not nesting and
//! do not recurse.

use super::{scope, vars};
use crate::expr::{Expr, Template, MAX_CHARS, MAX_DEPTH};
use crate::value::{Type, Value};
use std::time::{Duration, Instant};

fn nested(open: &str, inner: &str, close: &str, n: usize) -> String {
    format!("{}{inner}{}", open.repeat(n), close.repeat(n))
}

#[test]
fn the_limits_are_the_documented_ones() {
    assert_eq!(MAX_CHARS, 1000);
    assert_eq!(MAX_DEPTH, 32);
}

#[test]
fn a_thousand_characters_are_accepted() {
    let src = format!("1{} ", "+1".repeat(499));
    assert_eq!(src.chars().count(), 1000);
    let e = Expr::parse(&src).map_err(|e| e.message);
    assert_eq!(e.clone().map(|e| e.eval(&vars())), Ok(Ok(Value::Int(500))));
    assert_eq!(e.map(|e| e.check(&scope())), Ok(Ok(Type::Int)));
    // 1,000 characters of Chinese text (3,000 bytes) are still 1,000 characters.
    let src = format!("'{}'", "欠".repeat(998));
    assert!(Expr::parse(&src).is_ok());
}

#[test]
fn longer_sources_are_refused_quickly() {
    let src = format!("1{}  ", "+1".repeat(499));
    let e = Expr::parse(&src)
        .map(|_| ())
        .map_err(|e| (e.offset, e.message));
    assert_eq!(
        e,
        Err((
            1000,
            "the expression is too long: more than 1000 characters".into()
        ))
    );
    let huge = "(".repeat(10_000_000);
    let started = Instant::now();
    assert!(Expr::parse(&huge).is_err());
    assert!(Template::parse(&huge).is_err());
    assert!(started.elapsed() < Duration::from_secs(1));
    let e = Template::parse(&"x".repeat(1001))
        .map(|_| ())
        .map_err(|e| e.offset);
    assert_eq!(e, Err(1000));
}

#[test]
fn nesting_up_to_32_is_accepted() {
    for src in [
        nested("(", "1", ")", 32),
        nested("not ", "true", "", 32),
        nested("!", "true", "", 32),
        nested("-", "1", "", 32),
        nested("len(", "'x'", ")", 32),
        nested("(-", "1", ")", 16),
        format!(
            "{} + {}",
            nested("(", "1", ")", 32),
            nested("(", "1", ")", 32)
        ),
    ] {
        assert!(Expr::parse(&src).is_ok(), "{src}");
    }
    let src = nested("(", "1", ")", 32);
    assert_eq!(
        Expr::parse(&src).and_then(|e| e.eval(&vars())),
        Ok(Value::Int(1))
    );
}

#[test]
fn nesting_of_33_is_refused_quickly() {
    let started = Instant::now();
    for (src, offset) in [
        (nested("(", "1", ")", 33), 32),
        (nested("not ", "true", "", 33), 128),
        (nested("!", "true", "", 33), 32),
        (nested("-", "1", "", 33), 32),
        (nested("len(", "'x'", ")", 33), 128),
        (nested("(-", "1", ")", 17), 32),
        (format!("{}1{}", "(".repeat(400), ")".repeat(400)), 32),
    ] {
        let e = Expr::parse(&src).map(|_| ()).map_err(|e| e.offset);
        assert_eq!(e, Err(offset), "{src}");
        let message = Expr::parse(&src)
            .err()
            .map(|e| e.message)
            .unwrap_or_default();
        assert!(message.contains("nested too deeply"), "{message}");
    }
    assert!(started.elapsed() < Duration::from_secs(1));
}

/// Long chains and paths are flat: parsing, checking and evaluating the largest inputs
/// needs little stack.
#[test]
fn flat_chains_need_little_stack() {
    let run = || {
        let sum = format!("1{}", "+1".repeat(499));
        let and = format!("vip{}", " and vip".repeat(124));
        let path = format!("extra{}", ".a".repeat(497));
        let deep = nested("(", &format!("1{}", "+1".repeat(200)), ")", 32);
        let mut out = Vec::new();
        for src in [sum, and, path, deep] {
            let e = Expr::parse(&src).map_err(|e| e.message)?;
            e.check(&scope()).map_err(|e| e.message)?;
            out.push(e.eval(&vars()).map_err(|e| e.message)?);
        }
        Ok::<_, String>(out)
    };
    let handle = std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(run)
        .map(|h| h.join());
    let values = match handle {
        Ok(Ok(Ok(values))) => values,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        values,
        vec![
            Value::Int(500),
            Value::Bool(true),
            Value::Null,
            Value::Int(201)
        ]
    );
}
