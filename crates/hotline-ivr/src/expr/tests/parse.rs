//! Parsing: literals, paths, precedence, synonyms, and errors with their offsets.

use super::{parse_err, tree};
use crate::expr::Expr;

#[test]
fn literals() {
    assert_eq!(tree("42"), "42");
    assert_eq!(tree("0"), "0");
    assert_eq!(tree("12.5"), "1250fen");
    assert_eq!(tree("12.50"), "1250fen");
    assert_eq!(tree("0.05"), "5fen");
    assert_eq!(tree("true"), "true");
    assert_eq!(tree("false"), "false");
    assert_eq!(tree("null"), "null");
    assert_eq!(tree("9223372036854775807"), "9223372036854775807");
}

#[test]
fn strings_with_both_quotes_escapes_and_chinese() {
    assert_eq!(tree(r#""key_account""#), r#""key_account""#);
    assert_eq!(tree("'key_account'"), r#""key_account""#);
    assert_eq!(tree(r#""say \"hi\"""#), r#""say \"hi\"""#);
    assert_eq!(tree(r"'it\'s'"), r#""it's""#);
    assert_eq!(tree(r#""a\\b""#), r#""a\\b""#);
    assert_eq!(tree(r#"'a "b"'"#), r#""a \"b\"""#);
    assert_eq!(tree(r#""欠费提醒""#), r#""欠费提醒""#);
    assert_eq!(tree("''"), r#""""#);
}

#[test]
fn paths_and_len() {
    assert_eq!(tree("customer.tier"), "(. customer tier)");
    assert_eq!(tree("a.b.c"), "(. a b c)");
    assert_eq!(tree("a . b"), "(. a b)");
    assert_eq!(tree("(customer).tier"), "(. customer tier)");
    assert_eq!(tree("_x1"), "_x1");
    assert_eq!(tree("len(bills.items)"), "(len (. bills items))");
    assert_eq!(tree("len ( x )"), "(len x)");
    assert_eq!(tree("len"), "len");
    assert_eq!(tree("notice"), "notice");
    assert_eq!(tree("android or order"), "(or android order)");
}

#[test]
fn precedence_or_and_not_comparison() {
    assert_eq!(tree("a or b and c"), "(or a (and b c))");
    assert_eq!(tree("a and b or c"), "(or (and a b) c)");
    assert_eq!(tree("a or b or c"), "(or a b c)");
    assert_eq!(tree("a and b and c"), "(and a b c)");
    assert_eq!(tree("not a and b"), "(and (not a) b)");
    assert_eq!(tree("not a == b"), "(not (== a b))");
    assert_eq!(tree("not not a"), "(not (not a))");
    assert_eq!(tree("(a or b) and c"), "(and (or a b) c)");
    assert_eq!(
        tree("a == 1 or b != 2 and c < 3"),
        "(or (== a 1) (and (!= b 2) (< c 3)))"
    );
}

#[test]
fn precedence_arithmetic() {
    assert_eq!(tree("a + b == c - d"), "(== (+ a b) (- c d))");
    assert_eq!(tree("a - b - c"), "(- (- a b) c)");
    assert_eq!(tree("a - (b - c)"), "(- a (- b c))");
    assert_eq!(tree("-a + b"), "(+ (neg a) b)");
    assert_eq!(tree("-a.b"), "(neg (. a b))");
    assert_eq!(tree("- -1"), "(neg (neg 1))");
    assert_eq!(tree("--1"), "(neg (neg 1))");
    assert_eq!(tree("a - -1"), "(- a (neg 1))");
    assert_eq!(tree("1-1"), "(- 1 1)");
    assert_eq!(tree("len(x) + 1 > 3"), "(> (+ (len x) 1) 3)");
}

#[test]
fn every_comparison() {
    for op in ["==", "!=", "<", "<=", ">", ">="] {
        assert_eq!(tree(&format!("a {op} b")), format!("({op} a b)"));
        assert_eq!(tree(&format!("a{op}b")), format!("({op} a b)"));
    }
}

#[test]
fn symbol_synonyms() {
    assert_eq!(tree("a && b || !c"), tree("a and b or not c"));
    assert_eq!(tree("!a == b"), "(not (== a b))");
    assert_eq!(tree("a != b"), "(!= a b)");
    assert_eq!(tree("!(a)"), "(not a)");
}

#[test]
fn whitespace_anywhere() {
    assert_eq!(tree("\n\ta\t==\r\n 1  "), "(== a 1)");
    assert_eq!(tree("　a"), "a"); // an ideographic space
}

#[test]
fn source_is_kept() {
    let src = " customer.tier == 'key_account' ";
    assert_eq!(
        Expr::parse(src).map(|e| e.source().to_string()),
        Ok(src.to_string())
    );
}

/// `(offset, message fragment)` of the error of `src`.
fn fails(src: &str, offset: usize, fragment: &str) {
    let e = parse_err(src);
    assert_eq!(e.offset, offset, "`{src}`: {}", e.message);
    assert!(
        e.message.contains(fragment),
        "`{src}`: `{}` lacks `{fragment}`",
        e.message
    );
}

#[test]
fn missing_values() {
    fails("", 0, "the expression is empty");
    fails("   ", 3, "the expression is empty");
    fails("a ==", 4, "expected a value after `==`");
    fails("a == )", 5, "expected a value after `==`, found `)`");
    fails("not", 3, "expected a value after `not`");
    fails("-", 1, "expected a value after `-`");
    fails("a +", 3, "expected a value after `+`");
    fails("a and", 5, "expected a value after `and`");
    fails("(", 1, "expected a value after `(`");
    fails(")", 0, "expected a value, found `)`");
    fails(".5", 0, "expected a value, found `.`");
    fails("a == not b", 5, "found `not`");
    fails("a and or b", 6, "expected a value after `and`, found `or`");
}

#[test]
fn strings_errors() {
    fails(r#""abc"#, 0, "unclosed string");
    fails("x == 'abc", 5, "unclosed string");
    fails(r#"x == "abc\"#, 5, "unclosed string");
    fails(r#""a\nb""#, 2, "unknown escape `\\n`");
}

#[test]
fn numbers_errors() {
    fails("12.", 2, "expected digits after the decimal point");
    fails("1.234", 2, "at most 2 decimals");
    fails("99999999999999999999", 0, "too large");
    fails("92233720368547758.08", 0, "too large");
    fails("12abc", 2, "unexpected `a` right after the number");
    fails("1.5.2", 3, "unexpected `.`");
}

#[test]
fn operator_and_structure_errors() {
    fails("a < b < c", 6, "comparisons cannot be chained");
    fails("a == b == c", 7, "comparisons cannot be chained");
    fails("a = b", 2, "write `==`");
    fails("a & b", 2, "`&&`");
    fails("a | b", 2, "`||`");
    fails("(a", 2, "missing `)` to close `(`");
    fails("(a b", 3, "expected `)` to close `(`, found `b`");
    fails("a)", 1, "`)` has no matching `(`");
    fails("customer tier", 9, "unexpected `tier`");
    fails("1 2", 2, "unexpected `2`");
    fails("a.", 2, "expected a field name after `.`");
    fails("a.1", 2, "expected a field name after `.`");
    fails("a.and", 2, "expected a field name after `.`");
    fails("# comment", 0, "unexpected character `#`");
    fails("a * 2", 2, "unexpected character `*`");
}

#[test]
fn function_errors() {
    fails("foo(1)", 0, "unknown function `foo`");
    fails("x + count(y)", 4, "unknown function `count`");
    fails("len()", 4, "len() needs a value");
    fails("len(a, b)", 5, "only one value");
    fails("len(a", 5, "missing `)` to close `len(`");
}

#[test]
fn offsets_count_characters_not_bytes() {
    // `"客户"` is 4 characters (12 bytes): `欠` is the 9th character.
    fails(r#""客户" == 欠费"#, 8, "unexpected character `欠`");
    fails("'欠费' ==", 7, "expected a value after `==`");
    fails("'欠费' < '张' < x", 11, "chained");
}
