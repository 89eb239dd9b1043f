//! The static type check: what type an expression has with the variables a flow can have
//! at a point, or why it is wrong (an unknown variable, a misspelt field, money compared
//! with text, …). `Type::Any` (null, or a shape nobody knows) fits everywhere.

use super::ast::{snippet, Arith, CmpOp, DateFn, Kind, Node};
use super::{ExprError, Scope};
use crate::value::{Type, Value};

pub(crate) struct Checker<'a> {
    pub scope: &'a Scope,
    pub source: &'a str,
}

fn err(offset: usize, message: String) -> ExprError {
    ExprError { offset, message }
}

/// How a type reads in a sentence: "a number", "money", "a list of record", ….
pub(crate) fn describe(t: &Type) -> String {
    match t {
        Type::Any => "of unknown type".into(),
        Type::Bool => "true/false".into(),
        Type::Money | Type::Text => t.name(),
        _ => format!("a {}", t.name()),
    }
}

fn is_numeric(t: &Type) -> bool {
    matches!(t, Type::Int | Type::Money)
}

/// Whether `l op r` can be compared; `Any` (null or unknown) fits everything.
fn comparable(op: CmpOp, l: &Type, r: &Type) -> bool {
    let orderable = |t: &Type| {
        matches!(
            t,
            Type::Any | Type::Int | Type::Money | Type::Text | Type::Date | Type::Time
        )
    };
    match (l, r) {
        (Type::Any, t) | (t, Type::Any) => op.is_equality() || orderable(t),
        _ if is_numeric(l) && is_numeric(r) => true,
        (Type::Text, Type::Text) | (Type::Date, Type::Date) | (Type::Time, Type::Time) => true,
        (Type::Bool, Type::Bool) => op.is_equality(),
        _ => false,
    }
}

/// The type of `l op r` for `+`/`-`, or `None` when they cannot be computed with.
fn arith_type(op: Arith, l: &Type, r: &Type) -> Option<Type> {
    match (l, r) {
        (Type::Int, Type::Int) => Some(Type::Int),
        _ if is_numeric(l) && is_numeric(r) => Some(Type::Money),
        (Type::Money, Type::Any) | (Type::Any, Type::Money) => Some(Type::Money),
        (Type::Int, Type::Any) | (Type::Any, Type::Int) | (Type::Any, Type::Any) => Some(Type::Any),
        (Type::Text, Type::Text | Type::Any) | (Type::Any, Type::Text) if op == Arith::Add => {
            Some(Type::Text)
        }
        _ => None,
    }
}

/// ` (did you mean `x`?)` when a known name is close to `name`.
fn suggestion<'n>(name: &str, known: impl Iterator<Item = &'n String>) -> String {
    hotline_core::spelling::closest(name, known.map(String::as_str))
        .map(|k| format!(" (did you mean `{k}`?)"))
        .unwrap_or_default()
}

impl Checker<'_> {
    pub fn check(&self, node: &Node) -> Result<Type, ExprError> {
        match &node.kind {
            Kind::Lit(v) => Ok(match v {
                Value::Bool(_) => Type::Bool,
                Value::Int(_) => Type::Int,
                Value::Money(_) => Type::Money,
                Value::Text(_) => Type::Text,
                _ => Type::Any,
            }),
            Kind::Var(name) => match self.scope.get(name) {
                Some(t) => Ok(t.clone()),
                None => Err(err(
                    node.start,
                    format!(
                        "unknown variable `{name}`{}",
                        suggestion(name, self.scope.keys())
                    ),
                )),
            },
            Kind::Field(base, fields) => self.fields(base, fields),
            Kind::Len(arg) => match self.check(arg)? {
                Type::List(_) | Type::Text | Type::Any => Ok(Type::Int),
                t => Err(err(
                    arg.start,
                    format!(
                        "len() needs a list or a text, but `{}` is {}",
                        self.quote(arg),
                        describe(&t)
                    ),
                )),
            },
            Kind::Date(f, a, b) => {
                let want_a = match f {
                    DateFn::MmddDate => Type::Text,
                    DateFn::DaysBetween => Type::Date,
                };
                for (arg, want) in [(a, want_a), (b, Type::Date)] {
                    let t = self.check(arg)?;
                    if t != want && t != Type::Any {
                        return Err(err(
                            arg.start,
                            format!(
                                "{}() needs {} here, but `{}` is {}",
                                f.name(),
                                describe(&want),
                                self.quote(arg),
                                describe(&t)
                            ),
                        ));
                    }
                }
                Ok(match f {
                    DateFn::MmddDate => Type::Date,
                    DateFn::DaysBetween => Type::Int,
                })
            }
            Kind::Neg(arg) => match self.check(arg)? {
                t @ (Type::Int | Type::Money | Type::Any) => Ok(t),
                t => Err(err(
                    node.start,
                    format!(
                        "a minus sign needs a number or money, but `{}` is {}",
                        self.quote(arg),
                        describe(&t)
                    ),
                )),
            },
            Kind::Not(arg) => {
                self.boolean(arg, "not")?;
                Ok(Type::Bool)
            }
            Kind::And(items) | Kind::Or(items) => {
                let word = if matches!(node.kind, Kind::And(_)) {
                    "and"
                } else {
                    "or"
                };
                for item in items {
                    self.boolean(item, word)?;
                }
                Ok(Type::Bool)
            }
            Kind::Sum(first, rest) => {
                let mut acc = self.check(first)?;
                for (op, at, operand) in rest {
                    let r = self.check(operand)?;
                    acc = arith_type(*op, &acc, &r).ok_or_else(|| {
                        let hint = match (&acc, &r) {
                            (Type::Text, Type::Text) => " (only `+` joins texts)",
                            _ => "",
                        };
                        err(
                            *at,
                            format!(
                                "cannot use `{}` with {} and {}{hint}",
                                op.symbol(),
                                acc.name(),
                                r.name()
                            ),
                        )
                    })?;
                }
                Ok(acc)
            }
            Kind::Cmp(left, op, at, right) => {
                let l = self.check(left)?;
                let r = self.check(right)?;
                if comparable(*op, &l, &r) {
                    return Ok(Type::Bool);
                }
                let same = match (&l, &r) {
                    (Type::Any, t) | (t, Type::Any) => Some(t),
                    _ if l.name() == r.name() => Some(&l),
                    _ => None,
                };
                Err(err(
                    *at,
                    match same {
                        Some(t) => format!("cannot use `{}` on {} values", op.symbol(), t.name()),
                        None => format!("cannot compare {} with {}", l.name(), r.name()),
                    },
                ))
            }
        }
    }

    fn quote(&self, node: &Node) -> String {
        snippet(self.source, node)
    }

    /// Checks an operand of `and`/`or`/`not`.
    fn boolean(&self, node: &Node, word: &str) -> Result<(), ExprError> {
        match self.check(node)? {
            Type::Bool | Type::Any => Ok(()),
            t => Err(err(
                node.start,
                format!(
                    "`{word}` needs true/false values, but `{}` is {}",
                    self.quote(node),
                    describe(&t)
                ),
            )),
        }
    }

    fn fields(&self, base: &Node, fields: &[(String, usize)]) -> Result<Type, ExprError> {
        let mut ty = self.check(base)?;
        let mut path = self.quote(base);
        for (name, at) in fields {
            ty = match ty {
                Type::Any => Type::Any,
                Type::Record(m) => match m.get(name) {
                    Some(t) => t.clone(),
                    None => {
                        let known: Vec<&str> = m.keys().map(String::as_str).collect();
                        return Err(err(
                            *at,
                            format!(
                                "`{path}` has no field `{name}`{}; its fields are: {}",
                                suggestion(name, m.keys()),
                                known.join(", ")
                            ),
                        ));
                    }
                },
                other => {
                    return Err(err(
                        *at,
                        format!(
                            "`{path}` is {}, not a record: it has no field `{name}`",
                            describe(&other)
                        ),
                    ))
                }
            };
            path.push('.');
            path.push_str(name);
        }
        Ok(ty)
    }
}
