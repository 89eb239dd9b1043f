//! The reports' read path: the figures aggregated in SQL, on the read pool, and combined by
//! the pure [`report::Builder`](crate::report::Builder) — a month of a busy centre is a few
//! thousand group rows instead of a million call rows. The groups: the calls by hour slot
//! (counted from the range's first instant, [`SLOT_MS`]) and queue (the calls overall, by
//! queue and by local hour, the IVR overall, the survey), by period and agent, district,
//! reason (call reasons joined and grouped, not looked up per call), the IVR calls by period
//! and IVR path (split into flows by the builder), the tickets by period, kind and district,
//! the follow-ups by period, agent and district. Each queue's service level and short
//! abandon are applied per call in `CASE`s. A period is found from the period boundaries the
//! builder computed in the centre's zone (arithmetic for days of equal length, else a binary
//! search of `CASE`s), and an hour slot's local hour by the builder: a slot that a zone
//! change not on the hour splits is read call by call instead (`report_rows`).
//!
//! One report runs at a time, one query at a time on one read connection: reports never
//! take the connections the call log and the IVR's lookups need, never the writer on
//! SQLite, and at most one core.

use sqlx::any::AnyRow;
use sqlx::Row;

use crate::lifecycle::Millis;
use crate::report::{
    Builder, CallDim, CallSums, FollowUpSums, IvrSums, Report, SurveySums, TicketSums, SLOT_MS,
};
use crate::rollups;
use crate::sql::{Sql, Value};
use crate::{Result, Store};

/// Column `i` of a row.
fn at<'r, T>(row: &'r AnyRow, i: usize) -> Result<T>
where
    T: sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    Ok(row.try_get(i)?)
}

/// The calls of the range: finished inbound records that started in it.
const CALLS_WHERE: &str = "c.ended_at IS NOT NULL AND c.direction = 'inbound'";

/// The period index of `col` (a time in the range): arithmetic when every period has the
/// same length, else a binary search of `CASE`s over the periods' starts.
pub(crate) fn period_sql(q: &mut Sql, col: &str, bounds: &[(Millis, Millis)]) -> String {
    let Some(&(first, first_end)) = bounds.first() else {
        return "CAST(0 AS BIGINT)".into();
    };
    if bounds.len() == 1 {
        return "CAST(0 AS BIGINT)".into();
    }
    let len = first_end - first;
    let uniform = len > 0
        && bounds
            .iter()
            .zip(0i64..)
            .all(|(&(s, e), i)| s == first + i * len && e - s == len);
    if uniform {
        let start = q.placeholder(Value::Int(first));
        let len = q.placeholder(Value::Int(len));
        return format!("CAST(({col} - {start}) / {len} AS BIGINT)");
    }
    fn search(q: &mut Sql, col: &str, bounds: &[(Millis, Millis)], lo: usize, hi: usize) -> String {
        if hi - lo <= 1 {
            return lo.to_string();
        }
        let mid = lo + (hi - lo) / 2;
        let start = bounds.get(mid).map_or(0, |b| b.0);
        let p = q.placeholder(Value::Int(start));
        let left = search(q, col, bounds, lo, mid);
        let right = search(q, col, bounds, mid, hi);
        format!("CASE WHEN {col} < {p} THEN {left} ELSE {right} END")
    }
    format!(
        "CAST({} AS BIGINT)",
        search(q, col, bounds, 0, bounds.len())
    )
}

/// `CASE c.queue WHEN … THEN … ELSE … END`: each queue's threshold, the default for others.
fn rule_sql(q: &mut Sql, b: &Builder, pick: fn(&crate::StatsRule) -> i64) -> String {
    let rules = b.rules();
    let default = q.placeholder(Value::Int(pick(&rules.default)));
    if rules.queues.is_empty() {
        return default;
    }
    let mut out = String::from("CASE c.queue");
    for (name, rule) in &rules.queues {
        let n = q.placeholder(Value::Text(name.clone()));
        let v = q.placeholder(Value::Int(pick(rule)));
        out.push_str(&format!(" WHEN {n} THEN {v}"));
    }
    out.push_str(&format!(" ELSE {default} END"));
    out
}

fn sum(cond: &str, value: &str) -> String {
    format!("CAST(SUM(CASE WHEN {cond} THEN {value} ELSE 0 END) AS BIGINT)")
}

/// The two thresholds of each call's queue as the builder's rules give them.
fn thresholds(q: &mut Sql, b: &Builder) -> (String, String) {
    (
        rule_sql(q, b, |r| r.service_level_ms),
        rule_sql(q, b, |r| r.short_abandon_ms),
    )
}

/// The seven columns of [`CallSums`] over the records, as the roll-ups define them.
fn call_sums_sql(q: &mut Sql, b: &Builder) -> String {
    let (sl, short) = thresholds(q, b);
    rollups::summed(&rollups::call_sums_using(&sl, &short))
}

fn call_sums(r: &AnyRow, i: usize) -> Result<CallSums> {
    Ok(CallSums {
        offered: at(r, i)?,
        answered: at(r, i + 1)?,
        within: at(r, i + 2)?,
        abandoned: at(r, i + 3)?,
        short: at(r, i + 4)?,
        wait: at(r, i + 5)?,
        handle: at(r, i + 6)?,
    })
}

fn ivr_sums(r: &AnyRow, i: usize) -> Result<IvrSums> {
    Ok(IvrSums {
        calls: at(r, i)?,
        self_served: at(r, i + 1)?,
        transferred: at(r, i + 2)?,
        abandoned: at(r, i + 3)?,
        unserved: at(r, i + 4)?,
    })
}

/// `h.a, h.b, …`.
fn plain(cols: &[&str]) -> String {
    cols.iter()
        .map(|c| format!("h.{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The group rows of one query.
async fn groups(store: &Store, q: Sql) -> Result<Vec<AnyRow>> {
    Ok(q.query().fetch_all(&store.read).await?)
}

/// `SELECT <head>, <columns> FROM <from> WHERE <col> in range [AND <and>] GROUP BY <by>`.
struct Query<'a> {
    head: &'a str,
    from: &'a str,
    col: &'a str,
    and: &'a str,
    by: &'a str,
}

impl Store {
    /// Whether the hourly roll-ups can give `b`'s call figures: every period starts and
    /// ends on a UTC hour (a zone whose offset is whole hours), no hour slot is split by a
    /// zone change, and the roll-ups were summed with `b`'s thresholds.
    async fn rollups_serve(&self, b: &Builder) -> Result<bool> {
        if !hour_aligned(b) || !b.split_slots().is_empty() {
            return Ok(false);
        }
        Ok(&self.report_rules().await? == b.rules())
    }

    /// The report over `b`'s range: calls that started, tickets created and follow-ups due
    /// in it, aggregated in SQL on the read pool (module docs); tickets' "overdue" is judged
    /// at `now`. The same figures as [`Store::build_report_by_rows`].
    pub async fn build_report(&self, mut b: Builder, now: Millis) -> Result<Report> {
        let _one = self.reports.acquire().await;
        let (from, to) = b.range();
        let bounds = b.period_bounds();
        let select = |query: Query<'_>, columns: &dyn Fn(&mut Sql) -> String| {
            let mut q = Sql::new("");
            let period = period_sql(&mut q, query.col, &bounds);
            let head = query.head.replace("@PERIOD@", &period);
            let cols = columns(&mut q);
            q.push(&format!("SELECT {head}, {cols} FROM {} WHERE ", query.from));
            q.push(query.col).push(" >= ").int(from);
            q.push(" AND ").push(query.col).push(" < ").int(to);
            if !query.and.is_empty() {
                q.push(" AND ").push(query.and);
            }
            q.push(" GROUP BY ").push(query.by);
            q
        };
        let calls_and = |more: &str| format!("{CALLS_WHERE}{more}");
        let raw_slot_q = || {
            let mut q = Sql::new("SELECT CAST((c.started_at - ");
            q.int(from);
            let (sl, short) = thresholds(&mut q, &b);
            let cols = rollups::summed(&rollups::queue_sums_using(&sl, &short));
            q.push(&format!(
                ") / {SLOT_MS} AS BIGINT), c.queue, {cols} FROM calls c WHERE c.started_at >= "
            ))
            .int(from)
            .push(" AND c.started_at < ")
            .int(to)
            .push(" AND ")
            .push(CALLS_WHERE)
            .push(" GROUP BY 1, 2");
            q
        };
        let queued = calls_and(" AND c.queue IS NOT NULL");
        // From the hourly roll-ups when they serve this report (module docs), else from the
        // records. SQLite sorts every row it groups (it has no hash aggregation): there the
        // records are grouped by agent and district in one pass, PostgreSQL hashes each on
        // its own.
        let rolled = self.rollups_serve(&b).await?;
        let one_pass = !rolled && self.backend == crate::db::Backend::Sqlite;
        let (slot_q, agent_q, district_q, reason_q, flow_q) = if rolled {
            let roll = |table: &str, key: &str, cols: &str, having: &str| {
                let mut q = Sql::new("");
                let period = period_sql(&mut q, "h.hour", &bounds);
                q.push(&format!(
                    "SELECT {period}, {key}, {cols} FROM {table} h WHERE h.hour >= "
                ))
                .int(from)
                .push(" AND h.hour < ")
                .int(to)
                .push(&format!(" GROUP BY 1, 2 HAVING SUM(h.{having}) > 0"));
                q
            };
            let summed = |cols: &[&str]| {
                cols.iter()
                    .map(|c| format!("CAST(SUM(h.{c}) AS BIGINT)"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let call_cols = rollups::names(&rollups::call_sums_using("", ""));
            let ivr_cols = rollups::names(&rollups::ivr_sums());
            let calls = summed(&call_cols);
            let ivr = summed(&ivr_cols);
            let mut slot_q = Sql::new("SELECT CAST((h.hour - ");
            slot_q.int(from);
            slot_q
                .push(&format!(
                    ") / {SLOT_MS} AS BIGINT), NULLIF(h.queue, ''), {}, {}, \
                     h.survey_responses, h.survey_sum FROM report_hour_queue h WHERE h.hour >= ",
                    plain(&call_cols),
                    plain(&ivr_cols),
                ))
                .int(from)
                .push(" AND h.hour < ")
                .int(to)
                .push(" AND h.offered > 0");
            (
                slot_q,
                roll(
                    "report_hour_agent",
                    "NULLIF(h.agent_id, 0)",
                    &calls,
                    "offered",
                ),
                Some(roll(
                    "report_hour_agent",
                    "NULLIF(h.district_id, 0)",
                    &calls,
                    "offered",
                )),
                roll("report_hour_reason", "h.code", &calls, "offered"),
                roll("report_hour_path", "h.ivr_path", &ivr, "ivr_calls"),
            )
        } else {
            let agent_q = select(
                Query {
                    head: if one_pass {
                        "@PERIOD@, c.agent_id, u.district_id"
                    } else {
                        "@PERIOD@, c.agent_id"
                    },
                    from: if one_pass {
                        "calls c LEFT JOIN customers u ON u.id = c.customer_id"
                    } else {
                        "calls c"
                    },
                    col: "c.started_at",
                    and: &queued,
                    by: if one_pass { "1, 2, 3" } else { "1, 2" },
                },
                &|q| call_sums_sql(q, &b),
            );
            let district_q = (!one_pass).then(|| {
                select(
                    Query {
                        head: "@PERIOD@, u.district_id",
                        from: "calls c LEFT JOIN customers u ON u.id = c.customer_id",
                        col: "c.started_at",
                        and: &queued,
                        by: "1, 2",
                    },
                    &|q| call_sums_sql(q, &b),
                )
            });
            let reason_q = select(
                Query {
                    head: "@PERIOD@, r.code",
                    from: "calls c JOIN call_reasons r ON r.call_ref = c.call_ref",
                    col: "c.started_at",
                    and: &queued,
                    by: "1, 2",
                },
                &|q| call_sums_sql(q, &b),
            );
            let flow_q = select(
                Query {
                    head: "@PERIOD@, c.ivr_path",
                    from: "calls c",
                    col: "c.started_at",
                    // A path that passed no flow counts under none.
                    and: &calls_and(" AND c.ivr_ended_at IS NOT NULL AND c.ivr_path <> '[]'"),
                    by: "1, 2",
                },
                &|_| rollups::summed(&rollups::ivr_sums()),
            );
            (raw_slot_q(), agent_q, district_q, reason_q, flow_q)
        };
        // The tickets from their roll-up whenever the periods are whole UTC hours (it
        // depends on no configured threshold), the ones falling overdue in `now`'s hour
        // counted from the records.
        let tickets_rolled = hour_aligned(&b);
        let ticket_q = if tickets_rolled {
            crate::ticket_rollups::report_query(&bounds, from, to, now)
        } else {
            select(
                Query {
                    head: "@PERIOD@, t.kind, t.district_id",
                    from: "tickets t",
                    col: "t.created_at",
                    and: "",
                    by: "1, 2, 3",
                },
                &|q| {
                    let now_at = q.placeholder(Value::Int(now));
                    [
                        "CAST(COUNT(*) AS BIGINT)".to_string(),
                        sum("t.closed_at IS NOT NULL", "1"),
                        sum(&crate::tickets::overdue_sql(&now_at), "1"),
                        sum("t.on_site_at IS NOT NULL", "t.on_site_at - t.created_at"),
                        "CAST(COUNT(t.on_site_at) AS BIGINT)".to_string(),
                        sum("t.replied_at IS NOT NULL", "t.replied_at - t.created_at"),
                        "CAST(COUNT(t.replied_at) AS BIGINT)".to_string(),
                    ]
                    .join(", ")
                },
            )
        };
        let falling_due_q = tickets_rolled.then(|| {
            crate::ticket_rollups::falling_due_query(self.backend, &bounds, from, to, now)
        });
        let follow_up_q = select(
            Query {
                head: "@PERIOD@, f.agent_id, t.district_id",
                from: "followups f JOIN tickets t ON t.id = f.ticket_id",
                col: "f.due_at",
                and: "",
                by: "1, 2, 3",
            },
            &|_| {
                [
                    "CAST(COUNT(*) AS BIGINT)".to_string(),
                    sum("f.status <> 'pending'", "1"),
                    sum("f.status = 'reached'", "1"),
                    "CAST(COUNT(f.rating) AS BIGINT)".to_string(),
                    sum("f.rating IS NOT NULL", "f.rating"),
                ]
                .join(", ")
            },
        );
        // One query at a time, so that a report takes at most one core: on SQLite its work
        // runs in the engine's process, beside the media threads.
        let slots = groups(self, slot_q).await?;
        let districts = match district_q {
            Some(q) => groups(self, q).await?,
            None => Vec::new(),
        };
        let tickets = groups(self, ticket_q).await?;
        let falling_due = match falling_due_q {
            Some(q) => groups(self, q).await?,
            None => Vec::new(),
        };
        let reasons = groups(self, reason_q).await?;
        let agents = groups(self, agent_q).await?;
        let flows = groups(self, flow_q).await?;
        let follow_ups = groups(self, follow_up_q).await?;
        for r in &slots {
            let queue: Option<String> = at(r, 1)?;
            let survey = SurveySums {
                answered: at(r, 3)?,
                responses: at(r, 14)?,
                score_sum: at(r, 15)?,
            };
            b.add_slot_group(
                at(r, 0)?,
                queue.as_deref(),
                &call_sums(r, 2)?,
                &ivr_sums(r, 9)?,
                &survey,
            );
        }
        for (s, e) in b.split_slots() {
            self.for_each_report_call(s, e, |c| b.add_call_by_slot(c))
                .await?;
        }
        let period = |r: &AnyRow| -> Result<usize> {
            let p: i64 = at(r, 0)?;
            Ok(usize::try_from(p).unwrap_or(usize::MAX))
        };
        for r in &agents {
            if one_pass {
                let sums = call_sums(r, 3)?;
                b.add_call_group(period(r)?, CallDim::Agent(at(r, 1)?), &sums);
                b.add_call_group(period(r)?, CallDim::District(at(r, 2)?), &sums);
            } else {
                b.add_call_group(period(r)?, CallDim::Agent(at(r, 1)?), &call_sums(r, 2)?);
            }
        }
        for r in &districts {
            b.add_call_group(period(r)?, CallDim::District(at(r, 1)?), &call_sums(r, 2)?);
        }
        for r in &reasons {
            let code: String = at(r, 1)?;
            b.add_call_group(period(r)?, CallDim::Reason(&code), &call_sums(r, 2)?);
        }
        for r in &flows {
            let path: String = at(r, 1)?;
            b.add_flow_group(period(r)?, &path, &ivr_sums(r, 2)?);
        }
        for r in &tickets {
            let kind: String = at(r, 1)?;
            let s = TicketSums {
                created: at(r, 3)?,
                closed: at(r, 4)?,
                overdue: at(r, 5)?,
                on_site: (at(r, 6)?, at(r, 7)?),
                reply: (at(r, 8)?, at(r, 9)?),
            };
            b.add_ticket_group(period(r)?, &kind, at(r, 2)?, &s);
        }
        // After the groups they belong to (each ticket is in its roll-up group).
        for r in &falling_due {
            let kind: String = at(r, 1)?;
            let s = TicketSums {
                overdue: at(r, 3)?,
                ..TicketSums::default()
            };
            b.add_ticket_group(period(r)?, &kind, at(r, 2)?, &s);
        }
        for r in &follow_ups {
            let s = FollowUpSums {
                due: at(r, 3)?,
                completed: at(r, 4)?,
                reached: at(r, 5)?,
                ratings: at(r, 6)?,
                rating_sum: at(r, 7)?,
            };
            b.add_follow_up_group(period(r)?, at(r, 1)?, at(r, 2)?, &s);
        }
        Ok(b.finish())
    }
}

/// Whether every period of `b` begins and ends on a UTC hour (a zone whose offset is whole
/// hours): then the hourly roll-ups add up to the periods.
fn hour_aligned(b: &Builder) -> bool {
    const HOUR: Millis = 3_600_000;
    b.period_bounds()
        .iter()
        .all(|&(s, e)| s % HOUR == 0 && e % HOUR == 0)
}
