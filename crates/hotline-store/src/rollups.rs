//! The reports' hourly roll-ups: per UTC hour, the sums a report needs of the finished
//! inbound call records (by queue; by agent and the customer's district; by call reason; by
//! IVR path), kept by database triggers in the same transaction as every write of a call
//! record, a call's reasons or a customer's district, so that they cannot drift from the
//! records whoever writes them (the call log, the engine-run recovery, a seeder, a hand-made
//! `UPDATE`). A month's report then reads a few tens of thousands of roll-up rows instead of
//! scanning a million call records (`report_sql`).
//!
//! A call's service level and short abandon depend on its queue's thresholds, which are
//! configuration: the thresholds the roll-ups were summed with are kept in `report_rules`
//! (`queue` '' is the default) and [`Store::set_report_rules`] (called at the engine's start)
//! recomputes the roll-ups when the configuration changed. A report whose thresholds are not
//! the kept ones reads the call records instead, so a figure is never judged by stale rules.
//!
//! The SQL is generated here once for both backends (the same statements in a SQLite
//! trigger's body and in a PostgreSQL trigger function), from one description per table.

use crate::report::Rules;
use crate::stats::StatsRule;
use crate::{Backend, Result, Store};
use sqlx::Row;

/// One roll-up table: its key columns and their expressions over the call row `{c}`, the
/// summed columns and theirs, which call rows count, and whether it has a row per reason.
struct Table {
    name: &'static str,
    keys: &'static [(&'static str, &'static str)],
    sums: fn() -> Vec<(&'static str, String)>,
    filter: &'static str,
    per_reason: bool,
}

/// Counted: a finished inbound call record.
const COUNTED: &str = "{c}.ended_at IS NOT NULL AND {c}.direction = 'inbound'";
const QUEUED: &str =
    "{c}.ended_at IS NOT NULL AND {c}.direction = 'inbound' AND {c}.queue IS NOT NULL";
const IVR_PATH: &str = "{c}.ended_at IS NOT NULL AND {c}.direction = 'inbound' \
     AND {c}.ivr_ended_at IS NOT NULL AND {c}.ivr_path <> '[]'";

const HOUR: &str = "(({c}.started_at / 3600000) * 3600000)";
const ANSWERED: &str = "{c}.disposition = 'answered' AND {c}.agent_id IS NOT NULL";
const ABANDONED: &str = "{c}.disposition = 'abandoned_in_queue'";
const IVR: &str = "{c}.ivr_ended_at IS NOT NULL";

/// `CASE WHEN cond THEN value ELSE 0 END`.
fn when(cond: &str, value: &str) -> String {
    format!("CASE WHEN {cond} THEN {value} ELSE 0 END")
}

/// The call's queue's threshold `col` in `report_rules`, else the default's.
fn rule(col: &str) -> String {
    format!(
        "COALESCE((SELECT r.{col} FROM report_rules r WHERE r.queue = {{c}}.queue), \
         (SELECT r.{col} FROM report_rules r WHERE r.queue = ''))"
    )
}

/// The seven call sums of [`crate::report::CallSums`], in its order, with the call's queue's
/// thresholds as kept in `report_rules`.
fn call_sums() -> Vec<(&'static str, String)> {
    call_sums_using(&rule("service_level_ms"), &rule("short_abandon_ms"))
}

/// The seven call sums over the call row `{c}`, the call's service-level threshold `sl` and
/// short-abandon threshold `short` given as SQL (the one definition of each figure, read by
/// the triggers and by the reports' path over the records, `report_sql`).
pub(crate) fn call_sums_using(sl: &str, short: &str) -> Vec<(&'static str, String)> {
    vec![
        ("offered", "1".into()),
        ("answered", when(ANSWERED, "1")),
        (
            "within_sl",
            when(&format!("{ANSWERED} AND {{c}}.wait_ms <= {sl}"), "1"),
        ),
        ("abandoned", when(ABANDONED, "1")),
        (
            "short_abandoned",
            when(&format!("{ABANDONED} AND {{c}}.wait_ms < {short}"), "1"),
        ),
        ("wait_sum", when(ANSWERED, "COALESCE({c}.wait_ms, 0)")),
        (
            "handle_sum",
            when(
                ANSWERED,
                "COALESCE({c}.talk_ms, 0) + COALESCE({c}.hold_ms, 0) + COALESCE({c}.wrapup_ms, 0)",
            ),
        ),
    ]
}

/// The five IVR sums of [`crate::report::IvrSums`], in its order.
pub(crate) fn ivr_sums() -> Vec<(&'static str, String)> {
    vec![
        ("ivr_calls", when(IVR, "1")),
        (
            "ivr_self_served",
            when(&format!("{IVR} AND {{c}}.disposition = 'self_served'"), "1"),
        ),
        (
            "ivr_transferred",
            when(&format!("{IVR} AND {{c}}.queue IS NOT NULL"), "1"),
        ),
        (
            "ivr_abandoned",
            when(
                &format!("{IVR} AND {{c}}.disposition = 'abandoned_in_ivr'"),
                "1",
            ),
        ),
        (
            "ivr_unserved",
            when(
                &format!("{IVR} AND {{c}}.disposition = 'unserved_in_ivr'"),
                "1",
            ),
        ),
    ]
}

fn queue_sums() -> Vec<(&'static str, String)> {
    queue_sums_using(&rule("service_level_ms"), &rule("short_abandon_ms"))
}

/// A queue's hour: the call sums, the IVR sums, the survey's responses and score sum.
pub(crate) fn queue_sums_using(sl: &str, short: &str) -> Vec<(&'static str, String)> {
    let mut v = call_sums_using(sl, short);
    v.extend(ivr_sums());
    v.push((
        "survey_responses",
        when(
            &format!("{ANSWERED} AND {{c}}.survey_score IS NOT NULL"),
            "1",
        ),
    ));
    v.push((
        "survey_sum",
        when(ANSWERED, "COALESCE({c}.survey_score, 0)"),
    ));
    v
}

/// `CAST(SUM(e) AS BIGINT), …` over the records, the call row named `c`.
pub(crate) fn summed(sums: &[(&'static str, String)]) -> String {
    sums.iter()
        .map(|(_, e)| format!("CAST(SUM({}) AS BIGINT)", e.replace("{c}", "c")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The names of `sums`' columns.
pub(crate) fn names(sums: &[(&'static str, String)]) -> Vec<&'static str> {
    sums.iter().map(|s| s.0).collect()
}

/// The customer's district (0: none), as the report joins it.
const DISTRICT: &str =
    "COALESCE((SELECT u.district_id FROM customers u WHERE u.id = {c}.customer_id), 0)";

const TABLES: [Table; 4] = [
    Table {
        name: "report_hour_queue",
        keys: &[("hour", HOUR), ("queue", "COALESCE({c}.queue, '')")],
        sums: queue_sums,
        filter: COUNTED,
        per_reason: false,
    },
    Table {
        name: "report_hour_agent",
        keys: &[
            ("hour", HOUR),
            ("agent_id", "COALESCE({c}.agent_id, 0)"),
            ("district_id", DISTRICT),
        ],
        sums: call_sums,
        filter: QUEUED,
        per_reason: false,
    },
    Table {
        name: "report_hour_reason",
        keys: &[("hour", HOUR), ("code", "{r}.code")],
        sums: call_sums,
        filter: QUEUED,
        per_reason: true,
    },
    Table {
        name: "report_hour_path",
        keys: &[("hour", HOUR), ("ivr_path", "{c}.ivr_path")],
        sums: ivr_sums,
        filter: IVR_PATH,
        per_reason: false,
    },
];

/// Where a statement's call row comes from.
enum Source<'a> {
    /// A trigger's `NEW` or `OLD` call row (`reasons`: that call's reason rows).
    Row(&'a str),
    /// A `call_reasons` trigger's row: its call looked up (`r` the reason row).
    ReasonRow(&'a str),
    /// The calls of a customer (trigger on `customers`): `OLD` or `NEW` customer row.
    Customer(&'a str),
    /// Every call record (recomputing).
    All,
}

impl Table {
    fn columns(&self) -> Vec<&'static str> {
        let sums = (self.sums)();
        self.keys
            .iter()
            .map(|k| k.0)
            .chain(sums.iter().map(|s| s.0))
            .collect()
    }

    /// `SELECT keys, sign·sums FROM … WHERE filter`: the rows' shares, one per call (per
    /// call and reason), named as the table's columns.
    fn shares(&self, src: &Source<'_>, sign: &str) -> String {
        let (c, r, from) = match src {
            Source::Row(row) if self.per_reason => (
                row.to_string(),
                "r".to_string(),
                format!(" FROM call_reasons r WHERE r.call_ref = {row}.call_ref AND"),
            ),
            Source::Row(row) => (row.to_string(), String::new(), " WHERE".into()),
            Source::ReasonRow(row) => (
                "c".into(),
                row.to_string(),
                format!(" FROM calls c WHERE c.call_ref = {row}.call_ref AND"),
            ),
            Source::Customer(row) if self.per_reason => (
                "c".into(),
                "r".into(),
                format!(
                    " FROM calls c JOIN call_reasons r ON r.call_ref = c.call_ref \
                     WHERE c.customer_id = {row}.id AND"
                ),
            ),
            Source::Customer(row) => (
                "c".into(),
                String::new(),
                format!(" FROM calls c WHERE c.customer_id = {row}.id AND"),
            ),
            Source::All if self.per_reason => (
                "c".into(),
                "r".into(),
                " FROM calls c JOIN call_reasons r ON r.call_ref = c.call_ref WHERE".into(),
            ),
            Source::All => ("c".into(), String::new(), " FROM calls c WHERE".into()),
        };
        let fill = |e: &str| e.replace("{c}", &c).replace("{r}", &r);
        // A customer's trigger runs after the change: its calls' district is the row's.
        let keys = self.keys.iter().map(|k| match src {
            Source::Customer(row) if k.0 == "district_id" => {
                format!("COALESCE({row}.district_id, 0) AS {}", k.0)
            }
            _ => format!("{} AS {}", fill(k.1), k.0),
        });
        let values = (self.sums)()
            .into_iter()
            .map(|(name, e)| format!("{sign}({}) AS {name}", fill(&e)));
        format!(
            "SELECT {}{from} {}",
            keys.chain(values).collect::<Vec<_>>().join(", "),
            fill(self.filter)
        )
    }

    /// `INSERT INTO t (…) SELECT keys, SUM(sums) FROM (shares UNION ALL …) GROUP BY keys
    /// HAVING a sum is not 0 ON CONFLICT (keys) DO UPDATE SET col = t.col + EXCLUDED.col`:
    /// one statement per table whatever the change, and none of the table's rows written
    /// when the change moves no sum (a recording's path set on a finished call).
    fn upsert(&self, parts: &[(&Source<'_>, &str)]) -> String {
        let shares: Vec<String> = parts.iter().map(|(s, sign)| self.shares(s, sign)).collect();
        let sums = (self.sums)();
        let key_names: Vec<&str> = self.keys.iter().map(|k| k.0).collect();
        let summed: Vec<String> = sums.iter().map(|s| format!("SUM(d.{0})", s.0)).collect();
        let nonzero: Vec<String> = sums
            .iter()
            .map(|s| format!("SUM(d.{0}) <> 0", s.0))
            .collect();
        let set: Vec<String> = sums
            .iter()
            .map(|s| format!("{0} = {1}.{0} + EXCLUDED.{0}", s.0, self.name))
            .collect();
        let keys = key_names
            .iter()
            .map(|k| format!("d.{k}"))
            .collect::<Vec<_>>()
            .join(", ");
        format!(
            "INSERT INTO {t} ({cols}) SELECT {keys}, {summed} FROM ({shares}) d \
             GROUP BY {keys} HAVING {nonzero} \
             ON CONFLICT ({key_names}) DO UPDATE SET {set}",
            t = self.name,
            cols = self.columns().join(", "),
            summed = summed.join(", "),
            shares = shares.join(" UNION ALL "),
            nonzero = nonzero.join(" OR "),
            key_names = key_names.join(", "),
            set = set.join(", "),
        )
    }

    fn create(&self) -> String {
        let keys: Vec<String> = self
            .keys
            .iter()
            .map(|k| {
                let ty = if k.0 == "queue" || k.0 == "code" || k.0 == "ivr_path" {
                    "TEXT"
                } else {
                    "BIGINT"
                };
                format!("{} {ty} NOT NULL", k.0)
            })
            .collect();
        let sums: Vec<String> = (self.sums)()
            .iter()
            .map(|s| format!("{} BIGINT NOT NULL", s.0))
            .collect();
        let pk: Vec<&str> = self.keys.iter().map(|k| k.0).collect();
        format!(
            "CREATE TABLE {} ({}, {}, PRIMARY KEY ({}));\n",
            self.name,
            keys.join(", "),
            sums.join(", "),
            pk.join(", ")
        )
    }
}

/// The statements one trigger runs: for every table, take away the `old` row's share and
/// add the `new` row's.
fn trigger_body(old: Option<&Source<'_>>, new: Option<&Source<'_>>) -> Vec<String> {
    let mut out = Vec::new();
    for t in &TABLES {
        let applies = |s: &Source<'_>| match s {
            Source::ReasonRow(_) => t.per_reason,
            Source::Customer(_) => t.keys.iter().any(|k| k.0 == "district_id"),
            _ => true,
        };
        let parts: Vec<(&Source<'_>, &str)> = [(old, "-"), (new, "")]
            .into_iter()
            .filter_map(|(s, sign)| s.filter(|s| applies(s)).map(|s| (s, sign)))
            .collect();
        if !parts.is_empty() {
            out.push(t.upsert(&parts));
        }
    }
    out
}

/// The triggers: (name, table, event, condition on OLD/NEW for SQLite's `WHEN`, body).
fn triggers() -> Vec<(
    &'static str,
    &'static str,
    &'static str,
    String,
    Vec<String>,
)> {
    let counted = |row: &str| format!("({})", COUNTED.replace("{c}", row));
    vec![
        (
            "calls_roll_insert",
            "calls",
            "INSERT",
            counted("NEW"),
            trigger_body(None, Some(&Source::Row("NEW"))),
        ),
        (
            "calls_roll_update",
            "calls",
            "UPDATE",
            format!("{} OR {}", counted("OLD"), counted("NEW")),
            trigger_body(Some(&Source::Row("OLD")), Some(&Source::Row("NEW"))),
        ),
        (
            "calls_roll_delete",
            "calls",
            "DELETE",
            counted("OLD"),
            trigger_body(Some(&Source::Row("OLD")), None),
        ),
        (
            "call_reasons_roll_insert",
            "call_reasons",
            "INSERT",
            "1 = 1".into(),
            trigger_body(None, Some(&Source::ReasonRow("NEW"))),
        ),
        (
            "call_reasons_roll_update",
            "call_reasons",
            "UPDATE",
            "1 = 1".into(),
            trigger_body(
                Some(&Source::ReasonRow("OLD")),
                Some(&Source::ReasonRow("NEW")),
            ),
        ),
        (
            "call_reasons_roll_delete",
            "call_reasons",
            "DELETE",
            "1 = 1".into(),
            trigger_body(Some(&Source::ReasonRow("OLD")), None),
        ),
        (
            "customers_roll_update",
            "customers",
            "UPDATE",
            "OLD.district_id IS DISTINCT FROM NEW.district_id".into(),
            trigger_body(
                Some(&Source::Customer("OLD")),
                Some(&Source::Customer("NEW")),
            ),
        ),
    ]
}

/// The statements that recompute every roll-up from the records.
fn recompute_sql() -> Vec<String> {
    let mut out = Vec::new();
    for t in &TABLES {
        out.push(format!("DELETE FROM {}", t.name));
        out.push(t.upsert(&[(&Source::All, "")]));
    }
    out
}

/// Migration 0025: the tables, the default thresholds, the triggers, and the roll-ups of
/// the records already kept.
pub(crate) fn migration_sql(backend: Backend) -> String {
    let mut sql = String::from(
        "-- Generated by hotline-store's rollups.rs (the reports' hourly roll-ups).\n\
         CREATE TABLE report_rules (queue TEXT PRIMARY KEY, service_level_ms BIGINT NOT NULL, \
         short_abandon_ms BIGINT NOT NULL);\n",
    );
    let d = Rules::default().default;
    sql.push_str(&format!(
        "INSERT INTO report_rules (queue, service_level_ms, short_abandon_ms) VALUES ('', {}, {});\n",
        d.service_level_ms, d.short_abandon_ms
    ));
    for t in &TABLES {
        sql.push_str(&t.create());
    }
    for (name, table, event, when, body) in triggers() {
        let statements: String = body.iter().map(|s| format!("{s};\n")).collect();
        match backend {
            Backend::Sqlite => sql.push_str(&format!(
                "CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW WHEN {when}\n\
                 BEGIN\n{statements}END;\n"
            )),
            Backend::Postgres => sql.push_str(&format!(
                "CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $roll$\n\
                 BEGIN\n{statements}RETURN NULL;\nEND\n$roll$;\n\
                 CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW \
                 WHEN ({when}) EXECUTE FUNCTION {name}();\n"
            )),
        }
    }
    for s in recompute_sql() {
        sql.push_str(&s);
        sql.push_str(";\n");
    }
    sql
}

impl Store {
    /// The thresholds the roll-ups are summed with.
    pub async fn report_rules(&self) -> Result<Rules> {
        let rows = sqlx::query(
            "SELECT queue, service_level_ms, short_abandon_ms FROM report_rules ORDER BY queue",
        )
        .fetch_all(&self.read)
        .await?;
        let mut rules = Rules::default();
        rules.queues.clear();
        for r in rows {
            let queue: String = r.try_get(0)?;
            let rule = StatsRule {
                service_level_ms: r.try_get(1)?,
                short_abandon_ms: r.try_get(2)?,
            };
            if queue.is_empty() {
                rules.default = rule;
            } else {
                rules.queues.insert(queue, rule);
            }
        }
        Ok(rules)
    }

    /// Keeps `rules` as the roll-ups' thresholds: when they differ from the kept ones, the
    /// roll-ups (the tickets' too) are recomputed from the records in the same transaction (seconds on a
    /// year of a busy centre; done at the engine's start). Whether they were.
    pub async fn set_report_rules(&self, rules: &Rules) -> Result<bool> {
        if &self.report_rules().await? == rules {
            return Ok(false);
        }
        let mut tx = self.write.begin().await?;
        sqlx::query("DELETE FROM report_rules")
            .execute(&mut *tx)
            .await?;
        let rows = std::iter::once((String::new(), rules.default))
            .chain(rules.queues.iter().map(|(q, r)| (q.clone(), *r)));
        for (queue, r) in rows {
            sqlx::query(
                "INSERT INTO report_rules (queue, service_level_ms, short_abandon_ms) \
                 VALUES ($1, $2, $3)",
            )
            .bind(queue)
            .bind(r.service_level_ms)
            .bind(r.short_abandon_ms)
            .execute(&mut *tx)
            .await?;
        }
        let tickets = crate::ticket_rollups::recompute_sql(self.backend);
        for s in recompute_sql().into_iter().chain(tickets) {
            sqlx::query(sqlx::AssertSqlSafe(s))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(true)
    }
}
