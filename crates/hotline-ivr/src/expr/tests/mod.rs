//! Tests of the expression language: parsing, type checking, evaluation, templates, limits
//! and a property-style loop over random inputs. Helpers shared by them are here.

mod check;
mod dates;
mod eval;
mod fuzz;
mod limits;
mod parse;
mod template;

use super::ast::{Kind, Node};
use super::{Expr, ExprError, Scope, Vars};
use crate::value::{shapes, Date, Type, Value};

/// The parse error of `src` (panics if it parses).
fn parse_err(src: &str) -> ExprError {
    match Expr::parse(src) {
        Ok(e) => panic!("`{src}` parsed: {e:?}"),
        Err(e) => e,
    }
}

/// The tree of `src` as an s-expression, to test the grammar.
fn tree(src: &str) -> String {
    match Expr::parse(src) {
        Ok(e) => show(&e.root),
        Err(e) => panic!("`{src}`: {} at {}", e.message, e.offset),
    }
}

fn show(n: &Node) -> String {
    let list = |items: &[Node]| items.iter().map(show).collect::<Vec<_>>().join(" ");
    match &n.kind {
        Kind::Lit(Value::Text(s)) => format!("{s:?}"),
        Kind::Lit(Value::Money(f)) => format!("{f}fen"),
        Kind::Lit(v) => v.to_string(),
        Kind::Var(name) => name.clone(),
        Kind::Field(base, fields) => {
            let names: Vec<&str> = fields.iter().map(|(f, _)| f.as_str()).collect();
            format!("(. {} {})", show(base), names.join(" "))
        }
        Kind::Len(a) => format!("(len {})", show(a)),
        Kind::Date(f, a, b) => format!("({} {} {})", f.name(), show(a), show(b)),
        Kind::Neg(a) => format!("(neg {})", show(a)),
        Kind::Not(a) => format!("(not {})", show(a)),
        Kind::Sum(first, rest) => {
            let mut s = show(first);
            for (op, _, x) in rest {
                s = format!("({} {s} {})", op.symbol(), show(x));
            }
            s
        }
        Kind::Cmp(l, op, _, r) => format!("({} {} {})", op.symbol(), show(l), show(r)),
        Kind::And(items) => format!("(and {})", list(items)),
        Kind::Or(items) => format!("(or {})", list(items)),
    }
}

/// The variables a flow of the hotline has, with the lookup shapes.
fn scope() -> Scope {
    let mut s = Scope::new();
    for (name, t) in [
        ("caller", Type::Text),
        ("language", Type::Text),
        ("digits", Type::Text),
        ("count", Type::Int),
        ("vip", Type::Bool),
        ("extra", Type::Any),
        ("customer", shapes::customer()),
        ("bills", shapes::bills()),
        ("bill", shapes::bill()),
        ("arrears", shapes::arrears()),
        ("notices", shapes::notices()),
        ("reading", shapes::reading()),
        ("ticket", shapes::ticket()),
    ] {
        s.insert(name.to_string(), t);
    }
    s
}

fn month(year: i32, month: u8) -> Value {
    Value::Date(Date {
        year,
        month,
        day: 0,
    })
}

fn day(year: i32, month: u8, day: u8) -> Value {
    Value::Date(Date { year, month, day })
}

/// A call's variables: a key-account customer with arrears of 120.50 yuan and 4 bills.
fn vars() -> Vars {
    let bill = |m: u8, fen: i64| {
        Value::record([
            ("period", month(2026, m)),
            ("volume", Value::Int(12)),
            ("amount", Value::Money(fen)),
            ("paid", Value::Money(0)),
            ("unpaid", Value::Money(fen)),
            ("due", day(2026, m + 1, 15)),
        ])
    };
    let mut v = Vars::new();
    v.insert("caller".into(), Value::text("13800138000"));
    v.insert("language".into(), Value::text("zh"));
    v.insert("count".into(), Value::Int(3));
    v.insert("vip".into(), Value::Bool(true));
    v.insert("extra".into(), Value::Int(1));
    v.insert(
        "customer".into(),
        Value::record([
            ("account", Value::text("1002003")),
            ("name", Value::text("张伟")),
            ("tier", Value::text("key_account")),
            ("district_name", Value::text("浦东")),
        ]),
    );
    v.insert(
        "arrears".into(),
        Value::record([
            ("count", Value::Int(2)),
            ("principal", Value::Money(11000)),
            ("late_fees", Value::Money(1050)),
            ("total", Value::Money(12050)),
        ]),
    );
    let items = vec![bill(9, 8000), bill(8, 7550), bill(7, 6000), bill(6, 5000)];
    v.insert(
        "bills".into(),
        Value::record([
            ("count", Value::Int(4)),
            ("total", Value::Money(26550)),
            ("items", Value::List(items)),
        ]),
    );
    v.insert("bill".into(), bill(9, 8000));
    v
}
