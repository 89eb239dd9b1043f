//! A property-style loop: many random byte strings, printable strings and token soups;
//! parsing never panics, errors point inside the source, and what parses can be checked,
//! evaluated and rendered without a panic.

use super::{scope, vars};
use crate::expr::{Expr, Template};

/// xorshift64*: small, deterministic, good enough to make inputs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const TOKENS: &[&str] = &[
    "customer",
    "bills",
    "arrears",
    "extra",
    "vip",
    "count",
    "caller",
    "nothing",
    ".",
    "tier",
    "items",
    "total",
    "teir",
    "(",
    ")",
    "(",
    ")",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "and",
    "or",
    "not",
    "&&",
    "||",
    "!",
    "+",
    "-",
    "-",
    "0",
    "1",
    "42",
    "12.5",
    "0.01",
    "'x'",
    "\"欠费\"",
    "'",
    "\"",
    "\\",
    "len",
    "len(",
    "true",
    "false",
    "null",
    " ",
    " ",
    "{",
    "}",
    "{{",
    "}}",
    "9223372036854775807",
    "=",
    "&",
    "|",
    ",",
    "1.234",
    "张",
];

/// Parses `src` as an expression and a template and uses whatever parses.
fn exercise(src: &str) {
    let chars = src.chars().count();
    match Expr::parse(src) {
        Ok(e) => {
            let _ = e.check(&scope());
            let _ = e.eval(&vars());
            assert_eq!(e.source(), src);
        }
        Err(e) => {
            assert!(e.offset <= chars, "`{src}`: offset {} > {chars}", e.offset);
            assert!(!e.message.is_empty());
        }
    }
    match Template::parse(src) {
        Ok(t) => {
            let _ = t.check(&scope());
            let _ = t.render(&vars());
        }
        Err(e) => assert!(e.offset <= chars, "`{src}`: offset {} > {chars}", e.offset),
    }
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..5_000 {
        let len = rng.below(48);
        let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        exercise(&String::from_utf8_lossy(&bytes));
    }
}

#[test]
fn random_printable_strings_never_panic() {
    let mut rng = Rng(42);
    for _ in 0..5_000 {
        let len = rng.below(40);
        let s: String = (0..len)
            .map(|_| char::from(b' ' + rng.below(95) as u8))
            .collect();
        exercise(&s);
    }
}

#[test]
fn random_token_soups_never_panic() {
    let mut rng = Rng(7);
    let mut parsed = 0;
    for _ in 0..20_000 {
        let n = 1 + rng.below(12);
        let s: String = (0..n)
            .map(|_| TOKENS[rng.below(TOKENS.len())])
            .collect::<Vec<_>>()
            .join(" ");
        if Expr::parse(&s).is_ok() {
            parsed += 1;
        }
        exercise(&s);
        exercise(&s.replace(' ', ""));
    }
    // The soups are not all rejected: the later stages get exercised too.
    assert!(parsed > 500, "only {parsed} soups parsed");
}

#[test]
fn long_random_inputs_never_panic() {
    let mut rng = Rng(2026);
    for _ in 0..200 {
        let n = 200 + rng.below(400);
        let s: String = (0..n).map(|_| TOKENS[rng.below(TOKENS.len())]).collect();
        exercise(&s);
    }
}
