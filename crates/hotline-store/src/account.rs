//! What the desk's account view adds to the bills: the customer's meters (serial number and
//! last reading) and the payments received (amount, time, channel, the bill's period).

use crate::db::{col, Store};
use crate::error::Result;
use crate::lifecycle::Millis;
use serde::Serialize;

/// A customer's meter.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Meter {
    pub serial: String,
    /// The last accepted reading (m³), if any.
    pub last_value: Option<i64>,
    pub last_read_at: Option<Millis>,
}

/// A payment received.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Payment {
    pub id: i64,
    pub amount_fen: i64,
    pub paid_at: Millis,
    /// `wechat`, `alipay`, `bank_debit`, `bank`, `counter`, …
    pub channel: String,
    /// The period of the bill it paid (`YYYY-MM`), when it paid one.
    pub period: Option<String>,
}

impl Store {
    /// The customer's meters, by serial number.
    pub async fn meters(&self, customer_id: i64) -> Result<Vec<Meter>> {
        let rows = sqlx::query(
            "SELECT serial, last_value, last_read_at FROM meters WHERE customer_id = $1 \
             ORDER BY serial LIMIT 50",
        )
        .bind(customer_id)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Meter {
                    serial: col(r, "serial")?,
                    last_value: col(r, "last_value")?,
                    last_read_at: col(r, "last_read_at")?,
                })
            })
            .collect()
    }

    /// The customer's latest `limit` payments (1 to 500), newest first.
    pub async fn payments(&self, customer_id: i64, limit: i64) -> Result<Vec<Payment>> {
        let rows = sqlx::query(
            "SELECT p.id, p.amount_fen, p.paid_at, p.channel, b.period FROM payments p \
             LEFT JOIN bills b ON b.id = p.bill_id WHERE p.customer_id = $1 \
             ORDER BY p.paid_at DESC, p.id DESC LIMIT $2",
        )
        .bind(customer_id)
        .bind(limit.clamp(1, 500))
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Payment {
                    id: col(r, "id")?,
                    amount_fen: col(r, "amount_fen")?,
                    paid_at: col(r, "paid_at")?,
                    channel: col(r, "channel")?,
                    period: col(r, "period")?,
                })
            })
            .collect()
    }
}
