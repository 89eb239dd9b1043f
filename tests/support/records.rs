//! What calls left in the engine's embedded database: a pool on it, and a call's record once
//! the engine has written its end.

use std::time::Duration;

use crate::wait::Budget;
use crate::Engine;

/// The engine's SQLite database.
pub async fn db(engine: &Engine) -> sqlx::SqlitePool {
    let url = format!("sqlite:{}", engine.dir.join("data/hotline.db").display());
    sqlx::SqlitePool::connect(&url).await.expect("engine db")
}

/// `columns` of the record of the call from `caller`, once it has ended (waits at least
/// [`crate::PATIENCE`] of un-stalled time).
pub async fn ended_call<T>(pool: &sqlx::SqlitePool, columns: &str, caller: &str) -> T
where
    T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> + Send + Unpin,
{
    let sql = format!("SELECT {columns} FROM calls WHERE caller = ? AND ended_at IS NOT NULL");
    let mut budget = Budget::patient(Duration::ZERO);
    loop {
        let row = sqlx::query_as::<_, T>(sqlx::AssertSqlSafe(sql.clone()))
            .bind(caller)
            .fetch_optional(pool)
            .await
            .expect("calls");
        if let Some(row) = row {
            return row;
        }
        if !budget.tick().await {
            panic!("no complete call record for {caller}");
        }
    }
}
