//! The static type check against the hotline's variables and lookup shapes.

use super::scope;
use crate::expr::{Expr, ExprError};
use crate::value::{shapes, Type};

fn type_of(src: &str) -> Type {
    let e = Expr::parse(src).unwrap_or_else(|e| panic!("`{src}`: {}", e.message));
    e.check(&scope())
        .unwrap_or_else(|e| panic!("`{src}`: {} at {}", e.message, e.offset))
}

fn refused(src: &str) -> ExprError {
    let e = Expr::parse(src).unwrap_or_else(|e| panic!("`{src}`: {}", e.message));
    match e.check(&scope()) {
        Ok(t) => panic!("`{src}` checked as {t:?}"),
        Err(e) => e,
    }
}

fn fails(src: &str, offset: usize, fragment: &str) {
    let e = refused(src);
    assert_eq!(e.offset, offset, "`{src}`: {}", e.message);
    assert!(
        e.message.contains(fragment),
        "`{src}`: `{}` lacks `{fragment}`",
        e.message
    );
}

#[test]
fn conditions_of_the_flows() {
    for src in [
        "customer.tier == \"key_account\"",
        "customer.tier == 'key_account'",
        "arrears.total > 0",
        "arrears.total > 100",
        "arrears.total >= 12.5",
        "bills.count >= 3",
        "len(bills.items) > 3",
        "customer.manager != null",
        "null == customer.manager",
        "bills.items == null",
        "customer != null and customer.credit_flag == 'legal'",
        "language == 'zh' or language == \"en\"",
        "reading.status == 'accepted'",
        "notices.count > 0 && len(notices.items) <= 5",
        "vip and not (count > 2)",
        "!vip || count == 0",
        "bill.period < bill.due",
        "bill.amount - bill.paid == bill.unpaid",
        "arrears.late_fees == 0",
        "ticket.id > 0",
        "digits == '1234'",
        "len(digits) == 4",
        "len(customer.name) > 1",
    ] {
        assert_eq!(type_of(src), Type::Bool, "{src}");
    }
}

#[test]
fn types_of_values() {
    assert_eq!(type_of("customer.tier"), Type::Text);
    assert_eq!(type_of("customer"), shapes::customer());
    assert_eq!(type_of("bills.items"), Type::List(Box::new(shapes::bill())));
    assert_eq!(type_of("bills.count + 1"), Type::Int);
    assert_eq!(type_of("-bills.count"), Type::Int);
    assert_eq!(type_of("arrears.total + 5"), Type::Money);
    assert_eq!(type_of("5 - arrears.total"), Type::Money);
    assert_eq!(type_of("arrears.total - arrears.late_fees"), Type::Money);
    assert_eq!(type_of("-arrears.total"), Type::Money);
    assert_eq!(type_of("1 + 2.5"), Type::Money);
    assert_eq!(type_of("1 + 2"), Type::Int);
    assert_eq!(type_of("customer.name + '先生'"), Type::Text);
    assert_eq!(type_of("len(bills.items)"), Type::Int);
    assert_eq!(type_of("null"), Type::Any);
    assert_eq!(type_of("(arrears).total"), Type::Money);
}

#[test]
fn any_fits_everything() {
    assert_eq!(type_of("extra"), Type::Any);
    assert_eq!(type_of("extra.whatever.deep"), Type::Any);
    assert_eq!(type_of("extra > 3"), Type::Bool);
    assert_eq!(type_of("extra == customer"), Type::Bool);
    assert_eq!(type_of("extra and vip"), Type::Bool);
    assert_eq!(type_of("not extra"), Type::Bool);
    assert_eq!(type_of("len(extra)"), Type::Int);
    assert_eq!(type_of("extra + 1"), Type::Any);
    assert_eq!(type_of("extra + arrears.total"), Type::Money);
    assert_eq!(type_of("extra + 'x'"), Type::Text);
    assert_eq!(type_of("-extra"), Type::Any);
    assert_eq!(type_of("null + 1"), Type::Any);
}

#[test]
fn misspelt_field_is_refused_with_the_fields() {
    let e = refused("customer.teir == 'key_account'");
    assert_eq!(e.offset, 9);
    assert!(
        e.message.starts_with("`customer` has no field `teir`"),
        "{}",
        e.message
    );
    assert!(e.message.contains("did you mean `tier`?"), "{}", e.message);
    assert!(
        e.message
            .contains("account, address, credit_flag, district, district_name"),
        "{}",
        e.message
    );
    fails(
        "bills.item",
        6,
        "`bills` has no field `item` (did you mean `items`?)",
    );
    fails("arrears.totl > 0", 8, "`arrears` has no field `totl`");
    fails(
        "bill.period.year",
        12,
        "`bill.period` is a date, not a record",
    );
    fails(
        "(customer).zzz",
        11,
        "`customer` has no field `zzz`; its fields are: account,",
    );
}

#[test]
fn unknown_variable() {
    fails(
        "custmer.tier",
        0,
        "unknown variable `custmer` (did you mean `customer`?)",
    );
    let e = refused("nobody");
    assert_eq!(e.message, "unknown variable `nobody`");
    fails("vip and x == 1", 8, "unknown variable `x`");
    fails("True", 0, "unknown variable `True`");
}

#[test]
fn field_of_a_non_record() {
    fails(
        "customer.tier.x",
        14,
        "`customer.tier` is text, not a record: it has no field `x`",
    );
    fails(
        "bills.items.amount",
        12,
        "`bills.items` is a list of record, not a record",
    );
    fails("count.x", 6, "`count` is a number, not a record");
    fails("(1 + 2).x", 8, "is a number, not a record");
}

#[test]
fn incompatible_comparisons() {
    fails(
        "arrears.total == '100'",
        14,
        "cannot compare money with text",
    );
    fails("customer.tier > 3", 14, "cannot compare text with number");
    fails("bill.due < 3", 9, "cannot compare date with number");
    fails("vip == 1", 4, "cannot compare bool with number");
    fails("vip < true", 4, "cannot use `<` on bool values");
    fails("extra < vip", 6, "cannot use `<` on bool values");
    fails(
        "bills.items == bills.items",
        12,
        "cannot use `==` on list of record values",
    );
    fails(
        "customer == customer",
        9,
        "cannot use `==` on record values",
    );
    fails("customer > null", 9, "cannot use `>` on record values");
}

#[test]
fn boolean_operands() {
    fails(
        "arrears.total and vip",
        0,
        "`and` needs true/false values, but `arrears.total` is money",
    );
    fails(
        "vip or 3",
        7,
        "`or` needs true/false values, but `3` is a number",
    );
    fails(
        "not customer.name",
        4,
        "`not` needs true/false values, but `customer.name` is text",
    );
    fails("vip && (count + 1)", 8, "but `count + 1` is a number");
    fails("!bills.items", 1, "is a list of record");
}

#[test]
fn arithmetic_operands() {
    fails(
        "customer.name - 'x'",
        14,
        "cannot use `-` with text and text (only `+` joins texts)",
    );
    fails(
        "customer.name + 1",
        14,
        "cannot use `+` with text and number",
    );
    fails(
        "1 + customer.name",
        2,
        "cannot use `+` with number and text",
    );
    fails("vip + 1", 4, "cannot use `+` with bool and number");
    fails("bill.period + 1", 12, "cannot use `+` with date and number");
    fails("count + 1 + vip", 10, "cannot use `+` with number and bool");
    fails(
        "-customer.name",
        0,
        "a minus sign needs a number or money, but `customer.name` is text",
    );
    fails(
        "len(arrears.total)",
        4,
        "len() needs a list or a text, but `arrears.total` is money",
    );
    fails("len(customer)", 4, "is a record");
}

#[test]
fn errors_deep_inside_point_at_the_culprit() {
    fails(
        "(vip and (count == 'x'))",
        16,
        "cannot compare number with text",
    );
    fails(
        "vip or len(bills.itms) > 0",
        17,
        "`bills` has no field `itms`",
    );
}

#[test]
fn empty_scope() {
    let e = Expr::parse("caller == '1'").map(|e| e.check(&Default::default()));
    assert!(matches!(e, Ok(Err(ExprError { offset: 0, .. }))));
    assert_eq!(
        Expr::parse("1 + 2.5 > 3").and_then(|e| e.check(&Default::default())),
        Ok(Type::Bool)
    );
}
