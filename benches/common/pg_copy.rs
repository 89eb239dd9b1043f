//! A throwaway PostgreSQL database for one benchmark run, copied from a kept one: the report
//! benchmark seeds its million call records once into a schema of a database of its own
//! (`report_month --pg URL`); a run that lets an engine loose on them (which writes: demo
//! customers, escalations, call records) gets a copy made with `CREATE DATABASE … TEMPLATE`,
//! the seeded schema renamed to `public` (the engine's), and dropped afterwards.

use sqlx::postgres::PgPool;

/// A database copied for one run; drop it with [`RunDatabase::drop_now`].
pub struct RunDatabase {
    /// The copy's URL, for the engine (`HOTLINE_STORE_URL`).
    pub url: String,
    name: String,
    admin: String,
}

/// The URL of database `db` on the server of `url` (`postgres://…/name`, no query string).
fn on_same_server(url: &str, db: &str) -> String {
    let base = url.rsplit_once('/').map_or(url, |(base, _)| base);
    format!("{base}/{db}")
}

/// Copies database `template` (of `url`'s server; nobody may be connected to it) into a new
/// one named `name`, with its schema `schema` as `public`.
pub async fn copy(url: &str, schema: &str, name: &str) -> RunDatabase {
    let template = url
        .rsplit_once('/')
        .map(|(_, db)| db)
        .expect("a database in the URL");
    let admin = on_same_server(url, "postgres");
    let pool = PgPool::connect(&admin)
        .await
        .expect("the server's postgres database");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "CREATE DATABASE {name} TEMPLATE {template}"
    )))
    .execute(&pool)
    .await
    .expect("copy of the seeded database (is anybody connected to it?)");
    pool.close().await;
    let run = on_same_server(url, name);
    let db = PgPool::connect(&run).await.expect("the copy");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "DROP SCHEMA public CASCADE; ALTER SCHEMA {schema} RENAME TO public"
    )))
    .execute(&db)
    .await
    .expect("the seeded schema as public");
    db.close().await;
    RunDatabase {
        url: run,
        name: name.to_string(),
        admin,
    }
}

impl RunDatabase {
    /// Drops the copy (the engine must be gone; other sessions are ended).
    pub async fn drop_now(self) {
        if let Ok(pool) = PgPool::connect(&self.admin).await {
            let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
            if let Err(e) = sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&pool).await {
                println!("could not drop the run's database {}: {e}", self.name);
            }
            pool.close().await;
        }
    }
}
