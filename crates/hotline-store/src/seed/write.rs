//! Writing one chunk of generated customers in one transaction: the customers (their ids come
//! back with their account numbers), then their phones, meters and bills as bulk inserts,
//! the meter reader's readings of the last periods, then a payment row for every paid bill,
//! derived from the bills in SQL.

use super::bulk::{each, field, json_rows, Rows, Val};
use super::generate::GenCustomer;
use super::SeedReport;
use crate::db::{col, Store};
use crate::error::{Result, StoreError};

/// How each customer pays, by customer id: the payment channel of every paid bill.
const CHANNEL_SQL: &str = "CASE WHEN customer_id % 20 < 8 THEN 'wechat' \
    WHEN customer_id % 20 < 13 THEN 'alipay' WHEN customer_id % 20 < 16 THEN 'bank_debit' \
    WHEN customer_id % 20 < 18 THEN 'bank' ELSE 'counter' END";

/// Writes `cs` (consecutive account numbers) and adds what was written to `report`.
pub(super) async fn chunk(
    store: &Store,
    cs: &[GenCustomer],
    report: &mut SeedReport,
) -> Result<()> {
    let Some(first) = cs.first() else {
        return Ok(());
    };
    let first_account: u64 = first
        .account_no
        .parse()
        .map_err(|_| StoreError::invalid("account_no", "not a number"))?;
    let backend = store.backend();
    let mut tx = store.write_pool().begin().await?;

    let mut rows = Rows::with_capacity(10, cs.len());
    for c in cs {
        rows.push([
            Val::Text(c.account_no.clone()),
            Val::Text(c.name.clone()),
            Val::Text(c.address.clone()),
            Val::Int(c.district_id),
            Val::Text(c.language.into()),
            Val::Text(c.tier.into()),
            Val::OptInt(c.manager),
            Val::Text(c.credit_flag.into()),
            Val::Text(c.credit_note.clone()),
            Val::Int(c.created_at),
        ]);
    }
    let returned = rows
        .insert(
            &mut tx,
            backend,
            "INSERT INTO customers (account_no, name, address, district_id, language, tier, \
             manager_agent_id, credit_flag, credit_note, created_at)",
            " RETURNING id, account_no",
        )
        .await?;
    let mut ids = vec![0i64; cs.len()];
    for r in &returned {
        let account: String = col(r, "account_no")?;
        let slot = account
            .parse::<u64>()
            .ok()
            .and_then(|a| a.checked_sub(first_account))
            .and_then(|i| usize::try_from(i).ok())
            .and_then(|i| ids.get_mut(i))
            .ok_or_else(|| {
                StoreError::Conflict(format!("unexpected account {account} returned"))
            })?;
        *slot = col(r, "id")?;
    }
    if returned.len() != cs.len() || ids.contains(&0) {
        return Err(StoreError::Conflict("not every customer got an id".into()));
    }

    let mut phones = Rows::with_capacity(2, cs.len() * 2);
    let mut meters = Rows::with_capacity(4, cs.len());
    let mut bills = Rows::with_capacity(7, cs.len() * 24);
    let mut readings = Rows::with_capacity(3, cs.len() * super::generate::READINGS);
    for (c, &id) in cs.iter().zip(&ids) {
        for p in &c.phones {
            phones.push([Val::Text(p.clone()), Val::Int(id)]);
        }
        meters.push([
            Val::Text(c.meter_serial.clone()),
            Val::Int(id),
            Val::Int(c.meter_last.0),
            Val::Int(c.meter_last.1),
        ]);
        for &(value, at) in &c.readings {
            readings.push([
                Val::Text(c.meter_serial.clone()),
                Val::Int(value),
                Val::Int(at),
            ]);
        }
        for b in &c.bills {
            bills.push([
                Val::Int(id),
                Val::Text(b.period.clone()),
                Val::Int(b.volume),
                Val::Int(b.amount_fen),
                Val::Int(b.due_at),
                Val::Int(b.paid_fen),
                Val::OptInt(b.paid_at),
            ]);
        }
    }
    let (n_phones, n_meters, n_bills) = (phones.len(), meters.len(), bills.len());
    phones
        .insert(
            &mut tx,
            backend,
            "INSERT INTO customer_phones (phone, customer_id)",
            " ON CONFLICT DO NOTHING",
        )
        .await?;
    meters
        .insert(
            &mut tx,
            backend,
            "INSERT INTO meters (serial, customer_id, last_value, last_read_at)",
            "",
        )
        .await?;
    bills
        .insert(
            &mut tx,
            backend,
            "INSERT INTO bills (customer_id, period, volume, amount_fen, due_at, paid_fen, paid_at)",
            "",
        )
        .await?;

    // The readings find their meter by its serial number (the meters' ids are not returned).
    let n_readings = readings.len() as u64;
    let sql = format!(
        "INSERT INTO meter_readings (meter_id, value, read_at, source, status) \
         SELECT m.id, {}, {}, 'meter_reader', 'accepted' FROM {} JOIN meters m ON m.serial = {}",
        field(1, true),
        field(2, true),
        each(backend),
        field(0, false),
    );
    for part in readings.json_chunks() {
        sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
            .bind(part)
            .execute(&mut *tx)
            .await?;
    }

    let id_rows: Vec<Val> = ids.iter().map(|&id| Val::Int(id)).collect();
    let sql = format!(
        "INSERT INTO payments (customer_id, bill_id, amount_fen, paid_at, channel) \
         SELECT customer_id, id, paid_fen, paid_at, {CHANNEL_SQL} FROM bills \
         WHERE paid_fen > 0 AND customer_id IN (SELECT CAST(e.value ->> 0 AS BIGINT) FROM {})",
        each(backend)
    );
    let payments = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(json_rows(&id_rows, 1))
        .execute(&mut *tx)
        .await?
        .rows_affected();
    tx.commit().await?;

    report.customers += cs.len() as u64;
    report.phones += n_phones as u64;
    report.meters += n_meters as u64;
    report.bills += n_bills as u64;
    report.payments += payments;
    report.readings += n_readings;
    Ok(())
}
