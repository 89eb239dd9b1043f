//! Bulk inserts for the seeder: many rows per statement, bound as ONE parameter, a JSON array
//! of rows, that the database unpacks (`jsonb_each` on SQLite, `jsonb_array_elements` on
//! PostgreSQL): `INSERT INTO t (a, b) SELECT CAST(e.value ->> 0 AS BIGINT), e.value ->> 1
//! FROM jsonb_each($1) AS e`. Values are bound, never spliced into the SQL text.
//!
//! Why not `VALUES ($1, $2), ($3, $4), …`: SQLite finds each numbered parameter's name by a
//! linear scan (`sqlite3_bind_parameter_name`), so binding a statement of n `$n` parameters
//! costs O(n²). With 1,000 rows per statement the seeder wrote 19,000 rows/s; the best batch
//! size (20 to 50 rows) reached 150,000 to 200,000 rows/s and still spent a fifth of its time in
//! that scan and most of the rest handing small statements to sqlx's SQLite worker thread.
//! One JSON parameter per 10,000 rows writes about 300,000 rows/s.

use crate::db::Backend;
use crate::error::Result;
use sqlx::any::AnyRow;
use sqlx::AnyConnection;
use std::fmt::Write;

/// A value to write.
#[derive(Debug, Clone)]
pub(super) enum Val {
    Int(i64),
    OptInt(Option<i64>),
    Text(String),
}

/// Rows for one table, flattened: `cols` values per row.
#[derive(Debug)]
pub(super) struct Rows {
    cols: usize,
    values: Vec<Val>,
}

/// Rows per statement: large enough that statements are few, small enough to keep each
/// JSON text at a few hundred kilobytes.
const ROWS_PER_STATEMENT: usize = 10_000;

/// The table function that turns parameter `$1` (a JSON array) into rows `e.value`.
pub(super) fn each(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "jsonb_each($1) AS e",
        Backend::Postgres => "jsonb_array_elements($1::jsonb) AS e(value)",
    }
}

/// Element `i` of row `e.value`, as a number or as text.
pub(super) fn field(i: usize, int: bool) -> String {
    if int {
        format!("CAST(e.value ->> {i} AS BIGINT)")
    } else {
        format!("e.value ->> {i}")
    }
}

impl Rows {
    pub(super) fn with_capacity(cols: usize, rows: usize) -> Rows {
        Rows {
            cols,
            values: Vec::with_capacity(cols * rows),
        }
    }

    /// Appends one row; `row` must have `cols` values, of the same kinds in every row.
    pub(super) fn push(&mut self, row: impl IntoIterator<Item = Val>) {
        let before = self.values.len();
        self.values.extend(row);
        debug_assert_eq!(self.values.len() - before, self.cols);
    }

    pub(super) fn len(&self) -> usize {
        self.values.len() / self.cols.max(1)
    }

    /// Inserts the rows with `head` (`INSERT INTO t (a, b)`) and `tail` (e.g. ` RETURNING id`
    /// or ` ON CONFLICT DO NOTHING`), returning the rows the statements returned.
    pub(super) async fn insert(
        &self,
        conn: &mut AnyConnection,
        backend: Backend,
        head: &str,
        tail: &str,
    ) -> Result<Vec<AnyRow>> {
        let Some(first) = self.values.get(..self.cols) else {
            return Ok(Vec::new());
        };
        let fields: Vec<String> = first
            .iter()
            .enumerate()
            .map(|(i, v)| field(i, !matches!(v, Val::Text(_))))
            .collect();
        // `WHERE true` keeps SQLite from reading a following ON CONFLICT as a join clause.
        let sql = format!(
            "{head} SELECT {} FROM {} WHERE true{tail}",
            fields.join(", "),
            each(backend)
        );
        let mut out = Vec::new();
        for chunk in self.values.chunks(ROWS_PER_STATEMENT * self.cols) {
            let q = sqlx::query(sqlx::AssertSqlSafe(sql.clone())).bind(json_rows(chunk, self.cols));
            if tail.contains("RETURNING") {
                out.extend(q.fetch_all(&mut *conn).await?);
            } else {
                q.execute(&mut *conn).await?;
            }
        }
        Ok(out)
    }
}

impl Rows {
    /// The rows as JSON arrays of at most [`ROWS_PER_STATEMENT`] rows each, for a statement
    /// of the caller's own (e.g. one that joins another table).
    pub(super) fn json_chunks(&self) -> impl Iterator<Item = String> + '_ {
        self.values
            .chunks(ROWS_PER_STATEMENT * self.cols.max(1))
            .map(|c| json_rows(c, self.cols))
    }
}

/// `[[v, v], [v, v]]`.
pub(super) fn json_rows(values: &[Val], cols: usize) -> String {
    let mut s = String::with_capacity(values.len() * 12);
    s.push('[');
    for (i, v) in values.iter().enumerate() {
        if i % cols == 0 {
            if i > 0 {
                s.push_str("],");
            }
            s.push('[');
        } else {
            s.push(',');
        }
        // Writing to a String cannot fail.
        let _ = match v {
            Val::Int(n) | Val::OptInt(Some(n)) => write!(s, "{n}"),
            Val::OptInt(None) => write!(s, "null"),
            Val::Text(t) => write!(s, "{}", serde_json::Value::from(t.as_str())),
        };
    }
    if !values.is_empty() {
        s.push(']');
    }
    s.push(']');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_become_a_json_array_of_arrays() {
        let v = [
            Val::Int(1),
            Val::Text("王\"x\"\n".into()),
            Val::OptInt(None),
            Val::Int(-2),
            Val::Text(String::new()),
            Val::OptInt(Some(3)),
        ];
        let json = json_rows(&v, 3);
        assert_eq!(json, r#"[[1,"王\"x\"\n",null],[-2,"",3]]"#);
        let parsed: serde_json::Value = serde_json::from_str(&json).expect("valid json");
        assert_eq!(parsed[0][1], "王\"x\"\n");
        assert_eq!(json_rows(&[], 3), "[]");
    }

    #[test]
    fn fields_are_cast_by_kind() {
        assert_eq!(field(0, true), "CAST(e.value ->> 0 AS BIGINT)");
        assert_eq!(field(2, false), "e.value ->> 2");
    }
}
