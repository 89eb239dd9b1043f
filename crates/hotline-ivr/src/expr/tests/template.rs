//! Templates: `{expression}` parts, `{{`/`}}`, checks and rendering.

use super::{scope, vars};
use crate::expr::{ExprError, Template};
use crate::value::Value;

fn render(src: &str) -> String {
    let t = Template::parse(src).unwrap_or_else(|e| panic!("`{src}`: {}", e.message));
    t.check(&scope())
        .unwrap_or_else(|e| panic!("`{src}`: {} at {}", e.message, e.offset));
    t.render(&vars())
        .unwrap_or_else(|e| panic!("`{src}`: {} at {}", e.message, e.offset))
}

fn parse_fails(src: &str, offset: usize, fragment: &str) {
    match Template::parse(src) {
        Ok(t) => panic!("`{src}` parsed: {t:?}"),
        Err(e) => assert_error(src, e, offset, fragment),
    }
}

fn check_fails(src: &str, offset: usize, fragment: &str) {
    let t = Template::parse(src).unwrap_or_else(|e| panic!("`{src}`: {}", e.message));
    match t.check(&scope()) {
        Ok(()) => panic!("`{src}` checked"),
        Err(e) => assert_error(src, e, offset, fragment),
    }
}

fn assert_error(src: &str, e: ExprError, offset: usize, fragment: &str) {
    assert_eq!(e.offset, offset, "`{src}`: {}", e.message);
    assert!(
        e.message.contains(fragment),
        "`{src}`: `{}` lacks `{fragment}`",
        e.message
    );
}

#[test]
fn plain_text() {
    assert_eq!(render(""), "");
    assert_eq!(render("停水报修"), "停水报修");
    let t = Template::parse("a {b} c").map(|t| t.source().to_string());
    assert_eq!(t, Ok("a {b} c".to_string()));
}

#[test]
fn expressions_are_written_in() {
    assert_eq!(
        render("您好，{customer.name}，欠费 {arrears.total} 元"),
        "您好，张伟，欠费 120.50 元"
    );
    assert_eq!(
        render("{bills.count} bills, {len(bills.items)} listed"),
        "4 bills, 4 listed"
    );
    assert_eq!(render("{arrears.total + 1}"), "121.50");
    assert_eq!(render("{0 - 0.05}"), "-0.05");
    assert_eq!(
        render("{bill.period} due {bill.due}"),
        "2026-09 due 2026-10-15"
    );
    assert_eq!(
        render("vip: {vip}, big: {arrears.total > 100}"),
        "vip: true, big: true"
    );
    assert_eq!(render("{customer.name + '先生'}"), "张伟先生");
    assert_eq!(render("{ caller }"), "13800138000");
    assert_eq!(render("{caller}{language}"), "13800138000zh");
}

#[test]
fn null_is_written_as_nothing() {
    assert_eq!(render("manager: {customer.manager}."), "manager: .");
    assert_eq!(render("[{null}]"), "[]");
}

#[test]
fn doubled_braces_are_literal() {
    assert_eq!(render("{{literal}}"), "{literal}");
    assert_eq!(render("a }} b {{"), "a } b {");
    assert_eq!(render("{{{language}}}"), "{zh}");
    assert_eq!(render("{customer.name + \"}\"}"), "张伟}");
    assert_eq!(render("{'{' + language + '}'}"), "{zh}");
    assert_eq!(render(r#"{'it\'s }' + language}"#), "it's }zh");
}

#[test]
fn parse_errors_point_into_the_template() {
    parse_fails("abc {x", 4, "`{` has no closing `}`");
    parse_fails("a } b", 2, "a `}` in the text must be written `}}`");
    parse_fails("x {}", 2, "empty `{}`");
    parse_fails("{  }", 0, "empty `{}`");
    parse_fails("x {a ==}", 7, "expected a value after `==`");
    parse_fails("欠费 {a ==}", 8, "expected a value after `==`");
    parse_fails("{\"abc}", 1, "unclosed string");
    parse_fails("{a} {b c}", 7, "unexpected `c`");
    parse_fails("{a {b}}", 3, "unexpected character `{`");
}

#[test]
fn check_errors_point_into_the_template() {
    check_fails("{customer.teir}", 10, "`customer` has no field `teir`");
    check_fails("Dear {custmer.name}", 6, "unknown variable `custmer`");
    check_fails(
        "{arrears.total == 'x'}",
        15,
        "cannot compare money with text",
    );
    check_fails(
        "{bills.items}",
        1,
        "`bills.items` is a list and cannot be written in a text: write len(…)",
    );
    check_fails(
        "x { customer }",
        3,
        "`customer` is a record and cannot be written in a text: write one of its fields, e.g. `customer.account`",
    );
    assert_eq!(
        Template::parse("{extra}").map(|t| t.check(&scope())),
        Ok(Ok(()))
    );
}

#[test]
fn render_errors_point_into_the_template() {
    let t = Template::parse("Total: {nothing + 1}");
    let e = t.and_then(|t| t.render(&vars()));
    assert_eq!(e.map_err(|e| e.offset), Err(8));
}

#[test]
fn lists_render_with_display_if_unchecked() {
    let mut v = vars();
    v.insert("x".into(), Value::List(vec![Value::Null]));
    assert_eq!(
        Template::parse("{x}").and_then(|t| t.render(&v)),
        Ok("[1 items]".to_string())
    );
}
