//! The recursive-descent parser. Grammar, loosest first:
//!
//! ```text
//! expr    = and { ("or" | "||") and }
//! and     = not { ("and" | "&&") not }
//! not     = ("not" | "!") not | cmp
//! cmp     = sum [ ("==" | "!=" | "<" | "<=" | ">" | ">=") sum ]     (no chaining)
//! sum     = unary { ("+" | "-") unary }
//! unary   = "-" unary | postfix
//! postfix = primary { "." IDENT }
//! primary = INT | DECIMAL | STRING | "true" | "false" | "null"
//!         | "len" "(" expr ")" | ("mmdd_date" | "days_between") "(" expr "," expr ")"
//!         | IDENT | "(" expr ")"
//! ```
//!
//! Recursion happens only through parentheses, `not` and unary minus, and is limited to
//! `MAX_DEPTH` levels; the source is limited to `MAX_CHARS` characters.

use super::ast::{Arith, CmpOp, DateFn, Kind, Node};
use super::lexer::{Lexer, Tok, Token};
use super::ExprError;
use crate::value::Value;

/// The longest source accepted, in characters.
pub const MAX_CHARS: usize = 1000;
/// The deepest nesting of parentheses, `not` and minus signs accepted.
pub const MAX_DEPTH: usize = 32;

/// Parses a whole expression.
pub(crate) fn parse(source: &str) -> Result<Node, ExprError> {
    if source.chars().take(MAX_CHARS + 1).count() > MAX_CHARS {
        return Err(ExprError {
            offset: MAX_CHARS,
            message: format!("the expression is too long: more than {MAX_CHARS} characters"),
        });
    }
    let chars: Vec<char> = source.chars().collect();
    let mut lexer = Lexer::new(&chars);
    let cur = lexer.next_token()?;
    let mut p = Parser {
        chars: &chars,
        lexer,
        cur,
        prev: None,
        depth: 0,
    };
    let node = p.expr()?;
    match p.cur.tok {
        Tok::End => Ok(node),
        Tok::RParen => Err(p.err_here("`)` has no matching `(`")),
        _ => {
            let msg = format!(
                "unexpected `{}`: expected an operator (such as `==`, `+` or `and`) or the end",
                p.text(&p.cur)
            );
            Err(p.err_here(msg))
        }
    }
}

struct Parser<'a> {
    chars: &'a [char],
    lexer: Lexer<'a>,
    cur: Token,
    prev: Option<Token>,
    depth: usize,
}

fn cmp_op(tok: &Tok) -> Option<CmpOp> {
    Some(match tok {
        Tok::Eq => CmpOp::Eq,
        Tok::Ne => CmpOp::Ne,
        Tok::Lt => CmpOp::Lt,
        Tok::Le => CmpOp::Le,
        Tok::Gt => CmpOp::Gt,
        Tok::Ge => CmpOp::Ge,
        _ => return None,
    })
}

impl Parser<'_> {
    fn text(&self, t: &Token) -> String {
        self.chars
            .get(t.start..t.end)
            .map(|cs| cs.iter().collect())
            .unwrap_or_default()
    }

    fn err_here(&self, message: impl Into<String>) -> ExprError {
        ExprError {
            offset: self.cur.start,
            message: message.into(),
        }
    }

    fn advance(&mut self) -> Result<(), ExprError> {
        let next = self.lexer.next_token()?;
        self.prev = Some(std::mem::replace(&mut self.cur, next));
        Ok(())
    }

    /// One level deeper, for the `(`, `not`, `-` or `len` at `at`.
    fn enter(&mut self, at: usize) -> Result<(), ExprError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(ExprError {
                offset: at,
                message: format!(
                    "the expression is nested too deeply: more than {MAX_DEPTH} levels of \
                 parentheses, `not` or minus signs"
                ),
            });
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// The error for a missing value at the current token.
    fn expected_value(&self) -> ExprError {
        let found = match self.cur.tok {
            Tok::End => String::new(),
            _ => format!(", found `{}`", self.text(&self.cur)),
        };
        match &self.prev {
            None if found.is_empty() => self.err_here("the expression is empty"),
            None => self.err_here(format!("expected a value{found}")),
            Some(p) => self.err_here(format!("expected a value after `{}`{found}", self.text(p))),
        }
    }

    fn expr(&mut self) -> Result<Node, ExprError> {
        let first = self.and()?;
        if self.cur.tok != Tok::Or {
            return Ok(first);
        }
        let start = first.start;
        let mut end = first.end;
        let mut items = vec![first];
        while self.cur.tok == Tok::Or {
            self.advance()?;
            let next = self.and()?;
            end = next.end;
            items.push(next);
        }
        Ok(Node {
            start,
            end,
            kind: Kind::Or(items),
        })
    }

    fn and(&mut self) -> Result<Node, ExprError> {
        let first = self.not()?;
        if self.cur.tok != Tok::And {
            return Ok(first);
        }
        let start = first.start;
        let mut end = first.end;
        let mut items = vec![first];
        while self.cur.tok == Tok::And {
            self.advance()?;
            let next = self.not()?;
            end = next.end;
            items.push(next);
        }
        Ok(Node {
            start,
            end,
            kind: Kind::And(items),
        })
    }

    fn not(&mut self) -> Result<Node, ExprError> {
        if self.cur.tok != Tok::Not {
            return self.cmp();
        }
        let start = self.cur.start;
        self.enter(start)?;
        self.advance()?;
        let inner = self.not()?;
        self.leave();
        Ok(Node {
            start,
            end: inner.end,
            kind: Kind::Not(Box::new(inner)),
        })
    }

    fn cmp(&mut self) -> Result<Node, ExprError> {
        let left = self.sum()?;
        let Some(op) = cmp_op(&self.cur.tok) else {
            return Ok(left);
        };
        let at = self.cur.start;
        self.advance()?;
        let right = self.sum()?;
        if cmp_op(&self.cur.tok).is_some() {
            return Err(self.err_here(
                "comparisons cannot be chained: write `a < b and b < c` instead of `a < b < c`",
            ));
        }
        Ok(Node {
            start: left.start,
            end: right.end,
            kind: Kind::Cmp(Box::new(left), op, at, Box::new(right)),
        })
    }

    fn sum(&mut self) -> Result<Node, ExprError> {
        let first = self.unary()?;
        let mut rest = Vec::new();
        let mut end = first.end;
        loop {
            let op = match self.cur.tok {
                Tok::Plus => Arith::Add,
                Tok::Minus => Arith::Sub,
                _ => break,
            };
            let at = self.cur.start;
            self.advance()?;
            let next = self.unary()?;
            end = next.end;
            rest.push((op, at, next));
        }
        if rest.is_empty() {
            return Ok(first);
        }
        Ok(Node {
            start: first.start,
            end,
            kind: Kind::Sum(Box::new(first), rest),
        })
    }

    fn unary(&mut self) -> Result<Node, ExprError> {
        if self.cur.tok != Tok::Minus {
            return self.postfix();
        }
        let start = self.cur.start;
        self.enter(start)?;
        self.advance()?;
        let inner = self.unary()?;
        self.leave();
        Ok(Node {
            start,
            end: inner.end,
            kind: Kind::Neg(Box::new(inner)),
        })
    }

    fn postfix(&mut self) -> Result<Node, ExprError> {
        let base = self.primary()?;
        let mut fields = Vec::new();
        let mut end = base.end;
        while self.cur.tok == Tok::Dot {
            self.advance()?;
            match &self.cur.tok {
                Tok::Ident(name) => fields.push((name.clone(), self.cur.start)),
                _ => return Err(self.err_here("expected a field name after `.`")),
            }
            end = self.cur.end;
            self.advance()?;
        }
        if fields.is_empty() {
            return Ok(base);
        }
        Ok(Node {
            start: base.start,
            end,
            kind: Kind::Field(Box::new(base), fields),
        })
    }

    fn primary(&mut self) -> Result<Node, ExprError> {
        let start = self.cur.start;
        let kind = match &self.cur.tok {
            Tok::Int(i) => Kind::Lit(Value::Int(*i)),
            Tok::Money(fen) => Kind::Lit(Value::Money(*fen)),
            Tok::Str(s) => Kind::Lit(Value::Text(s.clone())),
            Tok::True => Kind::Lit(Value::Bool(true)),
            Tok::False => Kind::Lit(Value::Bool(false)),
            Tok::Null => Kind::Lit(Value::Null),
            Tok::Ident(name) => {
                let name = name.clone();
                self.advance()?;
                if self.cur.tok == Tok::LParen {
                    return self.call(&name, start);
                }
                return Ok(Node {
                    start,
                    end: self.prev.as_ref().map_or(start, |t| t.end),
                    kind: Kind::Var(name),
                });
            }
            Tok::LParen => {
                self.enter(start)?;
                self.advance()?;
                let inner = self.expr()?;
                self.close_paren("(")?;
                self.leave();
                return Ok(inner);
            }
            _ => return Err(self.expected_value()),
        };
        let end = self.cur.end;
        self.advance()?;
        Ok(Node { start, end, kind })
    }

    /// `name(…)` with the current token the `(`.
    fn call(&mut self, name: &str, start: usize) -> Result<Node, ExprError> {
        let date_fn = match name {
            "len" => None,
            "mmdd_date" => Some(DateFn::MmddDate),
            "days_between" => Some(DateFn::DaysBetween),
            _ => {
                return Err(ExprError {
                    offset: start,
                    message: format!(
                        "unknown function `{name}`: the functions are `len(…)`, \
                         `mmdd_date(…, …)` and `days_between(…, …)`"
                    ),
                })
            }
        };
        if let Some(f) = date_fn {
            return self.date_call(f, start);
        }
        self.enter(start)?;
        self.advance()?;
        if self.cur.tok == Tok::RParen {
            return Err(self.err_here("len() needs a value: write for example `len(bills.items)`"));
        }
        let arg = self.expr()?;
        if self.cur.tok == Tok::Comma {
            return Err(self.err_here("len() takes only one value"));
        }
        let end = self.cur.end;
        self.close_paren("len(")?;
        self.leave();
        Ok(Node {
            start,
            end,
            kind: Kind::Len(Box::new(arg)),
        })
    }

    /// `f(a, b)` with the current token the `(`.
    fn date_call(&mut self, f: DateFn, start: usize) -> Result<Node, ExprError> {
        let name = f.name();
        self.enter(start)?;
        self.advance()?;
        if self.cur.tok == Tok::RParen {
            return Err(self.err_here(format!("{name}() needs two values")));
        }
        let a = self.expr()?;
        if self.cur.tok != Tok::Comma {
            return Err(self.err_here(format!("{name}() needs two values, separated by `,`")));
        }
        self.advance()?;
        let b = self.expr()?;
        if self.cur.tok == Tok::Comma {
            return Err(self.err_here(format!("{name}() takes only two values")));
        }
        let end = self.cur.end;
        self.close_paren(&format!("{name}("))?;
        self.leave();
        Ok(Node {
            start,
            end,
            kind: Kind::Date(f, Box::new(a), Box::new(b)),
        })
    }

    fn close_paren(&mut self, opened: &str) -> Result<(), ExprError> {
        match self.cur.tok {
            Tok::RParen => self.advance(),
            Tok::End => Err(self.err_here(format!("missing `)` to close `{opened}`"))),
            _ => {
                let msg = format!(
                    "expected `)` to close `{opened}`, found `{}`",
                    self.text(&self.cur)
                );
                Err(self.err_here(msg))
            }
        }
    }
}
