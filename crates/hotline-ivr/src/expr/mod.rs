//! The expression language of conditions, `set` and templates: variable paths, literals,
//! comparisons, `and`/`or`/`not`, `+`/`-`, `len()`. Parsed once by the loader, type-checked
//! against the flow's variables, evaluated by the interpreter.
//!
//! `lexer` and `parser` (the grammar is in `parser`'s documentation) build an `ast`; `check`
//! types it, `eval` computes it, `template` splits text with `{expression}` parts. A source
//! is at most [`MAX_CHARS`] characters and nests at most [`MAX_DEPTH`] levels.

mod ast;
mod check;
mod eval;
mod lexer;
mod parser;
mod template;
#[cfg(test)]
mod tests;

use crate::value::{Type, Value};
use std::collections::BTreeMap;

pub use parser::{MAX_CHARS, MAX_DEPTH};

/// The variables of a call.
pub type Vars = BTreeMap<String, Value>;
/// The variables a flow set can have, with their types.
pub type Scope = BTreeMap<String, Type>;

/// A parse or type error, `offset` in characters into the expression's source.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ExprError {
    pub offset: usize,
    pub message: String,
}

/// A parsed expression.
#[derive(Debug, Clone)]
pub struct Expr {
    source: String,
    root: ast::Node,
}

impl Expr {
    pub fn parse(source: &str) -> Result<Expr, ExprError> {
        Ok(Expr {
            source: source.to_string(),
            root: parser::parse(source)?,
        })
    }
    pub fn source(&self) -> &str {
        &self.source
    }
    /// The expression's type with these variables, or why it is wrong.
    pub fn check(&self, scope: &Scope) -> Result<Type, ExprError> {
        let checker = check::Checker {
            scope,
            source: &self.source,
        };
        checker.check(&self.root)
    }
    /// Its value; a missing variable or field is `Null`.
    pub fn eval(&self, vars: &Vars) -> Result<Value, ExprError> {
        let evaluator = eval::Evaluator {
            vars,
            source: &self.source,
        };
        Ok(evaluator.eval(&self.root)?.into_owned())
    }
}

/// Text with `{expression}` parts.
#[derive(Debug, Clone)]
pub struct Template {
    source: String,
    parts: Vec<template::Part>,
}

impl Template {
    pub fn parse(source: &str) -> Result<Template, ExprError> {
        Ok(Template {
            source: source.to_string(),
            parts: template::parse(source)?,
        })
    }
    pub fn source(&self) -> &str {
        &self.source
    }
    /// Checks every `{expression}` part (a list or a record cannot be written in text).
    pub fn check(&self, scope: &Scope) -> Result<(), ExprError> {
        template::check(&self.parts, scope)
    }
    /// The text with every part's value written in (`Null` as nothing, money as `12.50`).
    pub fn render(&self, vars: &Vars) -> Result<String, ExprError> {
        template::render(&self.parts, vars)
    }
}
