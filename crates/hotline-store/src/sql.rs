//! A small builder for queries whose WHERE clause depends on the filters given: it numbers
//! the `$n` placeholders (the only form that works on both backends under `Any`) and keeps
//! the values to bind, so that no value is ever spliced into SQL text.

use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::Any;

/// A value to bind.
#[derive(Debug, Clone)]
pub enum Value {
    Int(i64),
    Text(String),
}

/// SQL text plus its values, in placeholder order.
#[derive(Debug, Default)]
pub struct Sql {
    text: String,
    values: Vec<Value>,
}

impl Sql {
    pub fn new(text: &str) -> Sql {
        Sql {
            text: text.to_string(),
            values: Vec::new(),
        }
    }

    /// Appends SQL text (a constant of the program, never input).
    pub fn push(&mut self, text: &str) -> &mut Sql {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder for `v`.
    pub fn bind(&mut self, v: Value) -> &mut Sql {
        self.values.push(v);
        self.text.push_str(&format!("${}", self.values.len()));
        self
    }

    /// Adds `v` without writing its placeholder; returns the placeholder to write, once or
    /// more, later.
    pub fn placeholder(&mut self, v: Value) -> String {
        self.values.push(v);
        format!("${}", self.values.len())
    }

    pub fn int(&mut self, v: i64) -> &mut Sql {
        self.bind(Value::Int(v))
    }

    pub fn text(&mut self, v: &str) -> &mut Sql {
        self.bind(Value::Text(v.to_string()))
    }

    /// The query, ready to run.
    pub fn query(&self) -> Query<'static, Any, AnyArguments> {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(self.text.clone()));
        for v in &self.values {
            q = match v {
                Value::Int(i) => q.bind(*i),
                Value::Text(s) => q.bind(s.clone()),
            };
        }
        q
    }
}
