//! Expressions and templates of a flow: parsed, type-checked against the flow set's scope,
//! their errors placed at the offending character when the YAML scalar is written on one
//! line (plain or simply quoted), else at the value.

use super::compile::Ctx;
use super::errors::{pos, Pos};
use crate::expr::{Expr, ExprError, Template};
use crate::model::Text;
use crate::value::Type;

/// The type a place needs (`Any` accepts everything; a value of type `any` fits anywhere).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Want {
    Any,
    Bool,
    Text,
    /// Text or a number (account numbers, phone numbers, digits said one by one).
    Digits,
    Number,
    /// Money, or a number taken as yuan.
    Money,
    Date,
    Time,
    Decimal,
    List,
}

impl Want {
    fn accepts(self, t: &Type) -> bool {
        matches!(t, Type::Any)
            || match self {
                Want::Any => true,
                Want::Bool => matches!(t, Type::Bool),
                Want::Text => matches!(t, Type::Text),
                Want::Digits => matches!(t, Type::Text | Type::Int),
                Want::Number => matches!(t, Type::Int),
                Want::Money => matches!(t, Type::Money | Type::Int),
                Want::Date => matches!(t, Type::Date),
                Want::Time => matches!(t, Type::Time),
                Want::Decimal => matches!(t, Type::Text | Type::Int),
                Want::List => matches!(t, Type::List(_)),
            }
    }

    fn name(self) -> &'static str {
        match self {
            Want::Any => "any value",
            Want::Bool => "true or false",
            Want::Text => "text",
            Want::Digits => "text or a number",
            Want::Number => "a number",
            Want::Money => "money or a number",
            Want::Date => "a date",
            Want::Time => "a time",
            Want::Decimal => "a decimal number (text such as \"0.35\") or a number",
            Want::List => "a list",
        }
    }
}

/// Where character `offset` of the scalar `t` is in the file: exact for a one-line plain or
/// quoted scalar without escapes, else the scalar's start.
pub(crate) fn offset_pos(text: &str, t: &Text, offset: usize) -> Pos {
    let (line, column) = pos(&t.referenced);
    let value = t.value.as_str();
    let Some(start) = t
        .referenced
        .span()
        .byte_offset()
        .and_then(|b| usize::try_from(b).ok())
    else {
        return (line, column);
    };
    let Some(raw) = text.get(start..) else {
        return (line, column);
    };
    let plain_line = !value.contains('\n') && !value.contains('\r');
    let skip = if plain_line && raw.starts_with(value) {
        Some(0)
    } else if plain_line
        && (raw.starts_with('"') || raw.starts_with('\''))
        && raw[1..].starts_with(value)
        && !value.contains(['"', '\'', '\\'])
    {
        Some(1)
    } else {
        None
    };
    match skip {
        Some(skip) => {
            let offset = offset.min(value.chars().count());
            let shift = u32::try_from(skip + offset).unwrap_or(0);
            (line, column.saturating_add(shift))
        }
        None => (line, column),
    }
}

impl Ctx<'_> {
    fn expr_error(&mut self, t: &Text, field: &str, e: &ExprError) {
        let at = offset_pos(self.text, t, e.offset);
        self.err(at, format!("`{field}`: {}", e.message));
    }

    /// Parses and checks an expression; its type (`Any` when types are not checked).
    pub(crate) fn expr_typed(&mut self, t: &Text, field: &str, want: Want) -> Option<(Expr, Type)> {
        let e = match Expr::parse(&t.value) {
            Ok(e) => e,
            Err(err) => {
                self.expr_error(t, field, &err);
                return None;
            }
        };
        if !self.set.typed {
            return Some((e, Type::Any));
        }
        match e.check(self.scope) {
            Ok(ty) if want.accepts(&ty) => Some((e, ty)),
            Ok(ty) => {
                self.err(
                    pos(&t.referenced),
                    format!(
                        "`{field}` must be {}, but `{}` is {}",
                        want.name(),
                        t.value,
                        ty.name()
                    ),
                );
                None
            }
            Err(err) => {
                self.expr_error(t, field, &err);
                None
            }
        }
    }

    pub(crate) fn expr(&mut self, t: &Text, field: &str, want: Want) -> Option<Expr> {
        self.expr_typed(t, field, want).map(|(e, _)| e)
    }

    pub(crate) fn template(&mut self, t: &Text, field: &str) -> Option<Template> {
        let tpl = match Template::parse(&t.value) {
            Ok(tpl) => tpl,
            Err(err) => {
                self.expr_error(t, field, &err);
                return None;
            }
        };
        if self.set.typed {
            if let Err(err) = tpl.check(self.scope) {
                self.expr_error(t, field, &err);
                return None;
            }
        }
        Some(tpl)
    }
}
