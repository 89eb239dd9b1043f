//! The tickets' hourly roll-up for reports: per UTC hour of creation, kind, district and
//! the hour in which the ticket falls overdue, the counts and sums a report's ticket figures
//! need, kept by triggers on `tickets` in the same transaction as every write (as the
//! calls' roll-ups in `rollups`), so a month's report reads a few thousand rows instead of
//! grouping half a million tickets.
//!
//! "Overdue" is judged at the report's `now`, which no stored sum can hold; but a ticket's
//! overdue state changes only when a deadline passes, so the row keeps the instant it falls
//! (or fell) overdue, [`late_at_sql`]: the earliest deadline whose event has not happened.
//! A roll-up row whose late hour ended before `now`'s hour counts whole; the tickets whose
//! deadline falls in `now`'s own hour are counted from the records through an index on that
//! same expression (`tickets_late_at`).

use crate::lifecycle::Millis;
use crate::report_sql::period_sql;
use crate::sql::{Sql, Value};
use crate::Backend;

/// The late hour of a ticket that no deadline makes overdue: after any `now`.
pub(crate) const NEVER: i64 = 9_000_000_000_000_000_000;

/// The instant the ticket `{t}` is overdue from, [`NEVER`] when none: the earliest of the
/// deadlines [`crate::tickets::overdue_sql`] judges, each while its event has not happened.
pub(crate) fn late_at_sql(backend: Backend, t: &str) -> String {
    let least = match backend {
        Backend::Sqlite => "MIN",
        Backend::Postgres => "LEAST",
    };
    let each: Vec<String> = crate::tickets::deadlines_sql(t)
        .iter()
        .map(|(_, due, pending)| {
            format!("CASE WHEN {pending} AND {due} IS NOT NULL THEN {due} ELSE {NEVER} END")
        })
        .collect();
    format!("{least}({})", each.join(", "))
}

/// The roll-up's columns: the keys, then the sums of [`crate::report::TicketSums`] other
/// than overdue, each with its expression over the ticket row `{t}` (`NEW.`, `OLD.`, `t.`).
fn columns(backend: Backend) -> Vec<(&'static str, String)> {
    let hour = |e: &str| format!("(({e}) / 3600000) * 3600000");
    vec![
        ("hour", hour("{t}created_at")),
        ("kind", "{t}kind".into()),
        ("district_id", "COALESCE({t}district_id, 0)".into()),
        ("late_hour", hour(&late_at_sql(backend, "{t}"))),
        ("created", "1".into()),
        (
            "closed",
            "CASE WHEN {t}closed_at IS NOT NULL THEN 1 ELSE 0 END".into(),
        ),
        (
            "on_site_sum",
            "COALESCE({t}on_site_at - {t}created_at, 0)".into(),
        ),
        (
            "on_site_n",
            "CASE WHEN {t}on_site_at IS NOT NULL THEN 1 ELSE 0 END".into(),
        ),
        (
            "reply_sum",
            "COALESCE({t}replied_at - {t}created_at, 0)".into(),
        ),
        (
            "reply_n",
            "CASE WHEN {t}replied_at IS NOT NULL THEN 1 ELSE 0 END".into(),
        ),
    ]
}

const KEYS: usize = 4;

/// One statement adding the shares of `rows` (each `(row prefix, sign, FROM clause)`) to
/// the roll-up, grouped, writing nothing when every sum is 0.
fn upsert(backend: Backend, rows: &[(&str, &str, &str)]) -> String {
    let cols = columns(backend);
    let shares: Vec<String> = rows
        .iter()
        .map(|(t, sign, from)| {
            let each: Vec<String> = cols
                .iter()
                .enumerate()
                .map(|(i, (name, e))| {
                    let e = e.replace("{t}", t);
                    if i < KEYS {
                        format!("{e} AS {name}")
                    } else {
                        format!("{sign}({e}) AS {name}")
                    }
                })
                .collect();
            format!("SELECT {}{from}", each.join(", "))
        })
        .collect();
    let names: Vec<&str> = cols.iter().map(|c| c.0).collect();
    let (keys, sums) = names.split_at(KEYS);
    let d_keys: Vec<String> = keys.iter().map(|k| format!("d.{k}")).collect();
    let each = |f: &dyn Fn(&str) -> String, sep: &str| {
        sums.iter().map(|s| f(s)).collect::<Vec<_>>().join(sep)
    };
    format!(
        "INSERT INTO report_hour_ticket ({all}) SELECT {d_keys}, {summed} FROM ({shares}) d \
         GROUP BY {d_keys} HAVING {nonzero} ON CONFLICT ({keys}) DO UPDATE SET {set}",
        all = names.join(", "),
        d_keys = d_keys.join(", "),
        summed = each(&|s| format!("SUM(d.{s})"), ", "),
        shares = shares.join(" UNION ALL "),
        nonzero = each(&|s| format!("SUM(d.{s}) <> 0"), " OR "),
        keys = keys.join(", "),
        set = each(
            &|s| format!("{s} = report_hour_ticket.{s} + EXCLUDED.{s}"),
            ", "
        ),
    )
}

/// Migration 0026: the roll-up, the index on the late instant, the triggers, and the
/// roll-up of the tickets already kept.
pub(crate) fn migration_sql(backend: Backend) -> String {
    let cols = columns(backend);
    let defs: Vec<String> = cols
        .iter()
        .map(|(name, _)| {
            let ty = if *name == "kind" { "TEXT" } else { "BIGINT" };
            format!("{name} {ty} NOT NULL")
        })
        .collect();
    let keys: Vec<&str> = cols.iter().take(KEYS).map(|c| c.0).collect();
    let mut sql = format!(
        "-- Generated by hotline-store's ticket_rollups.rs (the tickets' hourly roll-up).\n\
         CREATE TABLE report_hour_ticket ({}, PRIMARY KEY ({}));\n\
         CREATE INDEX tickets_late_at ON tickets (({}));\n",
        defs.join(", "),
        keys.join(", "),
        late_at_sql(backend, ""),
    );
    // Only a change of a column the roll-up reads moves it.
    let read = [
        "kind",
        "district_id",
        "created_at",
        "closed_at",
        "on_site_at",
        "replied_at",
        "followed_up_at",
        "due_on_site_at",
        "due_reply_at",
        "due_follow_up_at",
    ];
    let changed = read
        .iter()
        .map(|c| format!("OLD.{c} IS DISTINCT FROM NEW.{c}"))
        .collect::<Vec<_>>()
        .join(" OR ");
    let triggers = [
        (
            "tickets_roll_insert",
            "INSERT",
            "1 = 1".to_string(),
            vec![("NEW.", "")],
        ),
        (
            "tickets_roll_update",
            "UPDATE",
            changed,
            vec![("OLD.", "-"), ("NEW.", "")],
        ),
        (
            "tickets_roll_delete",
            "DELETE",
            "1 = 1".to_string(),
            vec![("OLD.", "-")],
        ),
    ];
    for (name, event, when, rows) in triggers {
        let rows: Vec<(&str, &str, &str)> = rows.iter().map(|(t, s)| (*t, *s, "")).collect();
        let body = upsert(backend, &rows);
        match backend {
            Backend::Sqlite => sql.push_str(&format!(
                "CREATE TRIGGER {name} AFTER {event} ON tickets FOR EACH ROW WHEN {when}\n\
                 BEGIN\n{body};\nEND;\n"
            )),
            Backend::Postgres => sql.push_str(&format!(
                "CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $roll$\n\
                 BEGIN\n{body};\nRETURN NULL;\nEND\n$roll$;\n\
                 CREATE TRIGGER {name} AFTER {event} ON tickets FOR EACH ROW \
                 WHEN ({when}) EXECUTE FUNCTION {name}();\n"
            )),
        }
    }
    for s in recompute_sql(backend) {
        sql.push_str(&s);
        sql.push_str(";\n");
    }
    sql
}

/// The statements that recompute the roll-up from the tickets.
pub(crate) fn recompute_sql(backend: Backend) -> [String; 2] {
    [
        "DELETE FROM report_hour_ticket".into(),
        upsert(backend, &[("t.", "", " FROM tickets t")]),
    ]
}

const HOUR_MS: i64 = 3_600_000;

/// The report's ticket groups over `[from, to)` from the roll-up (the periods' bounds on
/// UTC hours): the raw query's columns (period, kind, district, created, closed, overdue,
/// time to on site and its count, time to reply and its count), overdue counting the rows
/// whose late hour ended before `now`'s hour began.
pub(crate) fn report_query(
    bounds: &[(Millis, Millis)],
    from: Millis,
    to: Millis,
    now: Millis,
) -> Sql {
    let mut q = Sql::new("");
    let period = period_sql(&mut q, "h.hour", bounds);
    let now_hour = q.placeholder(Value::Int(now - now.rem_euclid(HOUR_MS)));
    let summed = |c: &str| format!("CAST(SUM(h.{c}) AS BIGINT)");
    q.push(&format!(
        "SELECT {period}, h.kind, NULLIF(h.district_id, 0), {}, {}, \
         CAST(SUM(CASE WHEN h.late_hour < {now_hour} THEN h.created ELSE 0 END) AS BIGINT), \
         {}, {}, {}, {} FROM report_hour_ticket h WHERE h.hour >= ",
        summed("created"),
        summed("closed"),
        summed("on_site_sum"),
        summed("on_site_n"),
        summed("reply_sum"),
        summed("reply_n"),
    ))
    .int(from)
    .push(" AND h.hour < ")
    .int(to)
    .push(" GROUP BY 1, 2, 3 HAVING SUM(h.created) > 0");
    q
}

/// The rest of the overdue count: the tickets created in `[from, to)` that fell overdue in
/// `now`'s hour before `now` (period, kind, district, count), found through the index on
/// the late instant.
pub(crate) fn falling_due_query(
    backend: Backend,
    bounds: &[(Millis, Millis)],
    from: Millis,
    to: Millis,
    now: Millis,
) -> Sql {
    let mut q = Sql::new("");
    let period = period_sql(&mut q, "created_at", bounds);
    let late = late_at_sql(backend, "");
    q.push(&format!(
        "SELECT {period}, kind, district_id, CAST(COUNT(*) AS BIGINT) FROM tickets WHERE {late} >= "
    ))
    .int(now - now.rem_euclid(HOUR_MS))
    .push(&format!(" AND {late} < "))
    .int(now)
    .push(" AND created_at >= ")
    .int(from)
    .push(" AND created_at < ")
    .int(to)
    .push(" GROUP BY 1, 2, 3");
    q
}
