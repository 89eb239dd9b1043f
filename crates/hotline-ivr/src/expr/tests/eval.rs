//! Evaluation: money and plain numbers, null semantics, short-circuits, overflow.

use super::{day, vars};
use crate::expr::{Expr, ExprError, Vars};
use crate::value::Value;

fn eval_with(src: &str, vars: &Vars) -> Result<Value, ExprError> {
    Expr::parse(src)
        .unwrap_or_else(|e| panic!("`{src}`: {}", e.message))
        .eval(vars)
}

fn value(src: &str) -> Value {
    eval_with(src, &vars()).unwrap_or_else(|e| panic!("`{src}`: {} at {}", e.message, e.offset))
}

fn is_true(src: &str) {
    assert_eq!(value(src), Value::Bool(true), "{src}");
}

fn is_false(src: &str) {
    assert_eq!(value(src), Value::Bool(false), "{src}");
}

fn fails_with(src: &str, vars: &Vars, offset: usize, fragment: &str) {
    match eval_with(src, vars) {
        Ok(v) => panic!("`{src}` gave {v:?}"),
        Err(e) => {
            assert_eq!(e.offset, offset, "`{src}`: {}", e.message);
            assert!(
                e.message.contains(fragment),
                "`{src}`: `{}` lacks `{fragment}`",
                e.message
            );
        }
    }
}

fn fails(src: &str, offset: usize, fragment: &str) {
    fails_with(src, &vars(), offset, fragment);
}

/// `vars()` plus `name` = `v`.
fn with(name: &str, v: Value) -> Vars {
    let mut vars = vars();
    vars.insert(name.to_string(), v);
    vars
}

#[test]
fn variables_and_literals() {
    assert_eq!(value("customer.tier"), Value::text("key_account"));
    assert_eq!(value("(customer).name"), Value::text("张伟"));
    assert_eq!(value("bill.due"), day(2026, 10, 15));
    assert_eq!(value("12.5"), Value::Money(1250));
    assert_eq!(value("'欠费'"), Value::text("欠费"));
    assert!(matches!(value("bills.items"), Value::List(items) if items.len() == 4));
}

#[test]
fn plain_numbers_meeting_money_are_yuan() {
    is_true("arrears.total > 100"); // 120.50 yuan
    is_false("arrears.total > 121");
    is_true("arrears.total < 121");
    is_true("arrears.total == 120.5");
    is_true("arrears.total != 120");
    is_true("100 < arrears.total");
    is_true("1.00 == 1");
    is_false("100 == 1.00");
    is_true("arrears.total >= 120.50 and arrears.total <= 120.50");
    assert_eq!(value("arrears.total + 1"), Value::Money(12150));
    assert_eq!(value("1 + arrears.total"), Value::Money(12150));
    assert_eq!(value("arrears.total - 20"), Value::Money(10050));
    assert_eq!(
        value("arrears.principal + arrears.late_fees"),
        Value::Money(12050)
    );
    assert_eq!(value("12.5 + 0.5"), Value::Money(1300));
    is_true("12.5 + 0.5 == 13");
    assert_eq!(value("-arrears.total"), Value::Money(-12050));
    assert_eq!(value("0 - 0.01"), Value::Money(-1));
}

#[test]
fn plain_numbers_stay_plain() {
    assert_eq!(value("3 + 4"), Value::Int(7));
    assert_eq!(value("10 - 3 - 2"), Value::Int(5));
    assert_eq!(value("10 - (3 - 2)"), Value::Int(9));
    assert_eq!(value("-(3 - 5)"), Value::Int(2));
    assert_eq!(value("- -3"), Value::Int(3));
    assert_eq!(value("bills.count + count"), Value::Int(7));
    is_true("bills.count >= 3");
    is_true("-1 < 0");
}

#[test]
fn texts_dates_bools() {
    assert_eq!(value("customer.name + '先生'"), Value::text("张伟先生"));
    assert_eq!(value("'a' + 'b' + 'c'"), Value::text("abc"));
    is_true("customer.tier == 'key_account'");
    is_true("customer.district_name == \"浦东\"");
    is_true("'abc' < 'abd'");
    is_true("'b' > 'a'");
    is_true("'' < 'a'");
    is_true("'Z' < 'a'");
    is_false("'abc' == 'ABC'");
    is_true("bill.period < bill.due");
    is_true("bill.due == bill.due");
    is_true("vip == true");
    is_true("vip != false");
    is_true("(1 < 2) == (3 < 4)");
}

#[test]
fn len_counts_items_and_characters() {
    assert_eq!(value("len(bills.items)"), Value::Int(4));
    is_true("len(bills.items) > 3");
    assert_eq!(value("len('欠费提醒')"), Value::Int(4));
    assert_eq!(value("len(caller)"), Value::Int(11));
    assert_eq!(value("len('')"), Value::Int(0));
    assert_eq!(value("len(nothing)"), Value::Int(0));
    assert_eq!(value("len(notices.items)"), Value::Int(0));
    fails(
        "len(extra)",
        4,
        "len() needs a list or a text, but `extra` is a number",
    );
}

#[test]
fn missing_is_null() {
    assert_eq!(value("nothing"), Value::Null);
    assert_eq!(value("customer.manager"), Value::Null);
    assert_eq!(value("nothing.field.deep"), Value::Null);
    assert_eq!(value("caller.x"), Value::Null);
    assert_eq!(value("bills.items.amount"), Value::Null);
    assert_eq!(value("null"), Value::Null);
}

#[test]
fn null_comparisons() {
    is_true("nothing == null");
    is_false("nothing != null");
    is_true("customer.manager == null");
    is_true("null == customer.manager");
    is_true("nothing.field.deep == null");
    is_true("null == null");
    is_false("null != null");
    is_false("3 == null");
    is_true("3 != null");
    is_false("customer.tier == null");
    is_true("customer != null");
    is_true("nothing == customer.manager");
    for op in ["<", "<=", ">", ">="] {
        is_false(&format!("nothing {op} 3"));
        is_false(&format!("3 {op} nothing"));
        is_false(&format!("null {op} null"));
        is_false(&format!("arrears.nope {op} 0"));
    }
    is_true("not (nothing > 3)");
}

#[test]
fn arithmetic_with_null_is_an_error() {
    fails(
        "nothing + 1",
        0,
        "`nothing` has no value (null), so `+` cannot compute with it",
    );
    fails("1 + nothing", 4, "`nothing` has no value (null)");
    fails(
        "arrears.total - customer.manager",
        16,
        "`customer.manager` has no value",
    );
    fails("-nothing", 1, "so a minus sign cannot compute");
    fails("null + null", 0, "no value");
}

#[test]
fn overflow_is_an_error() {
    fails(
        "9223372036854775807 + 1",
        20,
        "the result of `+` is too large",
    );
    fails(
        "0 - 9223372036854775807 - 2",
        24,
        "the result of `-` is too large",
    );
    fails("-9223372036854775807 - 2", 21, "too large");
    fails_with(
        "big + 0.01",
        &with("big", Value::Money(i64::MAX)),
        4,
        "too large",
    );
    fails_with(
        "big + 0.01",
        &with("big", Value::Int(i64::MAX / 10)),
        4,
        "too large",
    );
    fails_with(
        "0.01 + big",
        &with("big", Value::Int(i64::MAX / 10)),
        5,
        "too large",
    );
    fails_with("-big", &with("big", Value::Int(i64::MIN)), 0, "too large");
    fails_with("-big", &with("big", Value::Money(i64::MIN)), 0, "too large");
    // Comparisons never overflow: a plain number is compared as yuan exactly.
    let v = with("big", Value::Money(i64::MAX));
    assert_eq!(
        eval_with("big < 9223372036854775807", &v),
        Ok(Value::Bool(true))
    );
    let v = with("big", Value::Int(i64::MAX));
    assert_eq!(eval_with("big > 0.01", &v), Ok(Value::Bool(true)));
    assert_eq!(eval_with("-big - 1", &v), Ok(Value::Int(i64::MIN)));
}

#[test]
fn and_or_short_circuit() {
    is_false("false and nothing");
    is_false("false && 1 + nothing > 0");
    is_true("true or nothing");
    is_true("vip or (1 + nothing > 0)");
    is_false("vip and count > 5 and nothing");
    is_true("false or false or vip");
    is_true("not false and not (count == 4)");
    fails(
        "nothing and true",
        0,
        "`and` needs true or false, but `nothing` has no value (null)",
    );
    fails("true and nothing", 9, "has no value");
    fails("false or 1 + nothing > 0", 13, "no value");
}

#[test]
fn non_bool_operands_at_runtime() {
    fails(
        "extra and true",
        0,
        "`and` needs true or false, but `extra` is a number",
    );
    fails(
        "false or extra",
        9,
        "`or` needs true or false, but `extra` is a number",
    );
    fails(
        "not extra",
        4,
        "`not` needs true or false, but `extra` is a number",
    );
    fails("!nothing", 1, "has no value (null)");
}

#[test]
fn mismatched_types_at_runtime() {
    fails("extra == 'x'", 6, "cannot compare number with text");
    fails("extra + 'x'", 6, "cannot use `+` with number and text");
    fails("'x' - 'y'", 4, "cannot use `-` with text and text");
    fails("vip < true", 4, "cannot use `<` on bool values");
    fails(
        "bills.items == bills.items",
        12,
        "cannot use `==` on list values",
    );
    fails(
        "-caller",
        1,
        "a minus sign needs a number or money, but `caller` is text",
    );
}

#[test]
fn variables_of_every_value_kind() {
    let v = with("when", day(2026, 11, 18));
    assert_eq!(eval_with("when > bill.due", &v), Ok(Value::Bool(true)));
    let v = with("list", Value::List(vec![Value::Null; 3]));
    assert_eq!(eval_with("len(list) == 3", &v), Ok(Value::Bool(true)));
}
