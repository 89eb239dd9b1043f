//! Templates: text with `{expression}` parts; `{{` and `}}` are literal braces. A `}` inside
//! a quoted text of an expression does not end it (`{name + "}"}`).

use super::lexer::unclosed;
use super::parser::MAX_CHARS;
use super::{Expr, ExprError, Scope, Vars};
use crate::value::{Type, Value};
use std::fmt::Write as _;

/// A piece of a template.
#[derive(Debug, Clone)]
pub(crate) enum Part {
    Text(String),
    /// An expression, `offset` the character where its source starts in the template.
    Expr {
        offset: usize,
        expr: Expr,
    },
}

fn err(offset: usize, message: impl Into<String>) -> ExprError {
    ExprError {
        offset,
        message: message.into(),
    }
}

/// Moves an error of a part to its place in the template.
pub(crate) fn shifted(e: ExprError, by: usize) -> ExprError {
    ExprError {
        offset: e.offset.saturating_add(by),
        message: e.message,
    }
}

/// Splits a template into text and expressions.
pub(crate) fn parse(source: &str) -> Result<Vec<Part>, ExprError> {
    if source.chars().take(MAX_CHARS + 1).count() > MAX_CHARS {
        return Err(err(
            MAX_CHARS,
            format!("the text is too long: more than {MAX_CHARS} characters"),
        ));
    }
    let chars: Vec<char> = source.chars().collect();
    let mut parts = Vec::new();
    let mut text = String::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        let next = chars.get(i + 1).copied();
        match (c, next) {
            ('{', Some('{')) | ('}', Some('}')) => {
                text.push(c);
                i += 2;
            }
            ('{', _) => {
                let close = closing_brace(&chars, i)?;
                let inner: String = chars.get(i + 1..close).unwrap_or_default().iter().collect();
                if inner.trim().is_empty() {
                    return Err(err(
                        i,
                        "empty `{}`: put an expression inside, or write `{{` and `}}` for braces",
                    ));
                }
                let expr = Expr::parse(&inner).map_err(|e| shifted(e, i + 1))?;
                if !text.is_empty() {
                    parts.push(Part::Text(std::mem::take(&mut text)));
                }
                parts.push(Part::Expr {
                    offset: i + 1,
                    expr,
                });
                i = close + 1;
            }
            ('}', _) => {
                return Err(err(i, "a `}` in the text must be written `}}`"));
            }
            _ => {
                text.push(c);
                i += 1;
            }
        }
    }
    if !text.is_empty() {
        parts.push(Part::Text(text));
    }
    Ok(parts)
}

/// The index of the `}` closing the `{` at `open`, skipping quoted texts.
fn closing_brace(chars: &[char], open: usize) -> Result<usize, ExprError> {
    let mut quote: Option<(char, usize)> = None;
    let mut j = open + 1;
    while let Some(&c) = chars.get(j) {
        match quote {
            Some(_) if c == '\\' => j += 1,
            Some((q, _)) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some((c, j)),
            None if c == '}' => return Ok(j),
            None => {}
        }
        j += 1;
    }
    Err(match quote {
        Some((q, at)) => unclosed(at, q),
        None => err(
            open,
            "`{` has no closing `}` (write `{{` for a brace in the text)",
        ),
    })
}

pub(crate) fn check(parts: &[Part], scope: &Scope) -> Result<(), ExprError> {
    for part in parts {
        let Part::Expr { offset, expr } = part else {
            continue;
        };
        let t = expr.check(scope).map_err(|e| shifted(e, *offset))?;
        let source = expr.source().trim();
        let hint = match &t {
            Type::List(_) => "a list and cannot be written in a text: write len(…) for how many \
                              items it has"
                .to_string(),
            Type::Record(fields) => {
                let example = fields.keys().next();
                let example = example.map(|f| format!(", e.g. `{source}.{f}`"));
                format!(
                    "a record and cannot be written in a text: write one of its fields{}",
                    example.unwrap_or_default()
                )
            }
            _ => continue,
        };
        return Err(err(*offset, format!("`{source}` is {hint}")));
    }
    Ok(())
}

pub(crate) fn render(parts: &[Part], vars: &Vars) -> Result<String, ExprError> {
    let mut out = String::new();
    for part in parts {
        match part {
            Part::Text(t) => out.push_str(t),
            Part::Expr { offset, expr } => {
                match expr.eval(vars).map_err(|e| shifted(e, *offset))? {
                    Value::Null => {}
                    v => {
                        let _ = write!(out, "{v}");
                    }
                }
            }
        }
    }
    Ok(out)
}
