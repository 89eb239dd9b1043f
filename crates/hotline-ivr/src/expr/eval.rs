//! Evaluation against a call's variables. A missing variable or field is `Null`; `==`/`!=`
//! with `Null` compare nullness and `<`… with `Null` are false; arithmetic is checked (an
//! overflow or a `Null` operand is an error, never a panic); `and`/`or` short-circuit.
//! Values are borrowed from the variables where possible (no copies of lists for `len`).

use super::ast::{snippet, Arith, CmpOp, DateFn, Kind, Node};
use super::{ExprError, Vars};
use crate::value::Value;
use std::borrow::Cow;
use std::cmp::Ordering;

pub(crate) struct Evaluator<'a> {
    pub vars: &'a Vars,
    pub source: &'a str,
}

fn err(offset: usize, message: String) -> ExprError {
    ExprError { offset, message }
}

/// How a value's type reads in a sentence: "a number", "money", "text", ….
fn kind_of(v: &Value) -> String {
    match v {
        Value::Money(_) | Value::Text(_) | Value::Null => v.type_name().to_string(),
        Value::Bool(_) => "true/false".to_string(),
        _ => format!("a {}", v.type_name()),
    }
}

/// A field of a value, borrowed if the value is.
fn field<'a>(v: Cow<'a, Value>, name: &str) -> Cow<'a, Value> {
    match v {
        Cow::Borrowed(v) => Cow::Borrowed(v.field(name)),
        Cow::Owned(Value::Record(mut m)) => Cow::Owned(m.remove(name).unwrap_or(Value::Null)),
        Cow::Owned(_) => Cow::Owned(Value::Null),
    }
}

/// `a op b` on integers (both in the same unit).
fn int_op(op: Arith, a: i64, b: i64) -> Option<i64> {
    match op {
        Arith::Add => a.checked_add(b),
        Arith::Sub => a.checked_sub(b),
    }
}

/// Plain numbers as yuan: in fen.
fn yuan_to_fen(i: i64) -> Option<i64> {
    i.checked_mul(100)
}

fn ordered(op: CmpOp, o: Ordering) -> bool {
    match op {
        CmpOp::Eq => o == Ordering::Equal,
        CmpOp::Ne => o != Ordering::Equal,
        CmpOp::Lt => o == Ordering::Less,
        CmpOp::Le => o != Ordering::Greater,
        CmpOp::Gt => o == Ordering::Greater,
        CmpOp::Ge => o != Ordering::Less,
    }
}

impl<'a> Evaluator<'a> {
    pub fn eval(&self, node: &'a Node) -> Result<Cow<'a, Value>, ExprError> {
        match &node.kind {
            Kind::Lit(v) => Ok(Cow::Borrowed(v)),
            Kind::Var(name) => Ok(self
                .vars
                .get(name)
                .map_or(Cow::Owned(Value::Null), Cow::Borrowed)),
            Kind::Field(base, fields) => {
                let mut v = self.eval(base)?;
                for (name, _) in fields {
                    v = field(v, name);
                }
                Ok(v)
            }
            Kind::Len(arg) => {
                let n = match self.eval(arg)?.as_ref() {
                    Value::List(items) => items.len(),
                    Value::Text(s) => s.chars().count(),
                    Value::Null => 0,
                    other => {
                        return Err(err(
                            arg.start,
                            format!(
                                "len() needs a list or a text, but `{}` is {}",
                                self.quote(arg),
                                kind_of(other)
                            ),
                        ))
                    }
                };
                Ok(Cow::Owned(Value::Int(i64::try_from(n).unwrap_or(i64::MAX))))
            }
            Kind::Date(f, a, b) => {
                let (a, b) = (self.eval(a)?, self.eval(b)?);
                Ok(Cow::Owned(match (f, a.as_ref(), b.as_ref()) {
                    (DateFn::MmddDate, Value::Text(keys), Value::Date(today)) => {
                        crate::outbound::mmdd_date(keys, *today).map_or(Value::Null, Value::Date)
                    }
                    (DateFn::DaysBetween, Value::Date(x), Value::Date(y)) => {
                        Value::Int(crate::outbound::days_between(*x, *y))
                    }
                    // A missing value (null) gives none.
                    (_, Value::Null, _) | (_, _, Value::Null) => Value::Null,
                    (_, x, y) => {
                        return Err(err(
                            node.start,
                            format!(
                                "{}() cannot take {} and {}",
                                f.name(),
                                kind_of(x),
                                kind_of(y)
                            ),
                        ))
                    }
                }))
            }
            Kind::Neg(arg) => {
                let v = match self.eval(arg)?.as_ref() {
                    Value::Int(i) => i.checked_neg().map(Value::Int),
                    Value::Money(f) => f.checked_neg().map(Value::Money),
                    other => return Err(self.not_a_number(arg, other, "a minus sign")),
                };
                v.map(Cow::Owned)
                    .ok_or_else(|| err(node.start, "the result is too large".into()))
            }
            Kind::Not(arg) => Ok(Cow::Owned(Value::Bool(!self.boolean(arg, "not")?))),
            Kind::And(items) => {
                for item in items {
                    if !self.boolean(item, "and")? {
                        return Ok(Cow::Owned(Value::Bool(false)));
                    }
                }
                Ok(Cow::Owned(Value::Bool(true)))
            }
            Kind::Or(items) => {
                for item in items {
                    if self.boolean(item, "or")? {
                        return Ok(Cow::Owned(Value::Bool(true)));
                    }
                }
                Ok(Cow::Owned(Value::Bool(false)))
            }
            Kind::Sum(first, rest) => {
                let Some((op0, _, _)) = rest.first() else {
                    return self.eval(first);
                };
                let mut acc = self.operand(first, *op0)?;
                for (op, at, operand) in rest {
                    let r = self.operand(operand, *op)?;
                    acc = self.arith(*op, *at, acc, r)?;
                }
                Ok(Cow::Owned(acc))
            }
            Kind::Cmp(left, op, at, right) => {
                let l = self.eval(left)?;
                let r = self.eval(right)?;
                Ok(Cow::Owned(Value::Bool(self.compare(*op, *at, &l, &r)?)))
            }
        }
    }

    fn quote(&self, node: &Node) -> String {
        snippet(self.source, node)
    }

    fn not_a_number(&self, node: &Node, v: &Value, what: &str) -> ExprError {
        let msg = match v {
            Value::Null => format!(
                "`{}` has no value (null), so {what} cannot compute with it",
                self.quote(node)
            ),
            other => format!(
                "{what} needs a number or money, but `{}` is {}",
                self.quote(node),
                kind_of(other)
            ),
        };
        err(node.start, msg)
    }

    /// An operand of `+`/`-`: anything but `Null`.
    fn operand(&self, node: &'a Node, op: Arith) -> Result<Value, ExprError> {
        let v = self.eval(node)?.into_owned();
        if v == Value::Null {
            return Err(self.not_a_number(node, &v, &format!("`{}`", op.symbol())));
        }
        Ok(v)
    }

    fn arith(&self, op: Arith, at: usize, l: Value, r: Value) -> Result<Value, ExprError> {
        let too_large = || err(at, format!("the result of `{}` is too large", op.symbol()));
        Ok(match (l, r) {
            (Value::Int(a), Value::Int(b)) => Value::Int(int_op(op, a, b).ok_or_else(too_large)?),
            (Value::Money(a), Value::Money(b)) => {
                Value::Money(int_op(op, a, b).ok_or_else(too_large)?)
            }
            (Value::Money(a), Value::Int(b)) => {
                let b = yuan_to_fen(b).ok_or_else(too_large)?;
                Value::Money(int_op(op, a, b).ok_or_else(too_large)?)
            }
            (Value::Int(a), Value::Money(b)) => {
                let a = yuan_to_fen(a).ok_or_else(too_large)?;
                Value::Money(int_op(op, a, b).ok_or_else(too_large)?)
            }
            (Value::Text(mut a), Value::Text(b)) if op == Arith::Add => {
                a.push_str(&b);
                Value::Text(a)
            }
            (l, r) => {
                return Err(err(
                    at,
                    format!(
                        "cannot use `{}` with {} and {}",
                        op.symbol(),
                        l.type_name(),
                        r.type_name()
                    ),
                ))
            }
        })
    }

    fn compare(&self, op: CmpOp, at: usize, l: &Value, r: &Value) -> Result<bool, ExprError> {
        let o = match (l, r) {
            (Value::Null, _) | (_, Value::Null) => {
                let both = l == r;
                return Ok(match op {
                    CmpOp::Eq => both,
                    CmpOp::Ne => !both,
                    _ => false,
                });
            }
            (Value::Int(a), Value::Int(b)) | (Value::Money(a), Value::Money(b)) => a.cmp(b),
            // Money with a plain number: the number is yuan. In i128, so no overflow.
            (Value::Money(a), Value::Int(b)) => i128::from(*a).cmp(&(i128::from(*b) * 100)),
            (Value::Int(a), Value::Money(b)) => (i128::from(*a) * 100).cmp(&i128::from(*b)),
            (Value::Text(a), Value::Text(b)) => a.cmp(b),
            (Value::Date(a), Value::Date(b)) => a.cmp(b),
            (Value::Time(a), Value::Time(b)) => a.cmp(b),
            (Value::Bool(a), Value::Bool(b)) if op.is_equality() => a.cmp(b),
            _ if l.type_name() == r.type_name() => {
                return Err(err(
                    at,
                    format!("cannot use `{}` on {} values", op.symbol(), l.type_name()),
                ))
            }
            _ => {
                return Err(err(
                    at,
                    format!("cannot compare {} with {}", l.type_name(), r.type_name()),
                ))
            }
        };
        Ok(ordered(op, o))
    }

    /// An operand of `and`/`or`/`not`: must be `true` or `false`.
    fn boolean(&self, node: &'a Node, word: &str) -> Result<bool, ExprError> {
        match self.eval(node)?.as_ref() {
            Value::Bool(b) => Ok(*b),
            Value::Null => Err(err(
                node.start,
                format!(
                    "`{word}` needs true or false, but `{}` has no value (null)",
                    self.quote(node)
                ),
            )),
            other => Err(err(
                node.start,
                format!(
                    "`{word}` needs true or false, but `{}` is {}",
                    self.quote(node),
                    kind_of(other)
                ),
            )),
        }
    }
}
