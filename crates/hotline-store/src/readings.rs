//! Meter readings: self-reported ones (IVR, web) judged by the plausibility rule, accepted
//! ones moving the meter's last reading, queried ones opening a meter ticket instead.

use crate::db::{col, Store};
use crate::error::{Result, StoreError};
use crate::lifecycle::Millis;
use crate::rules::{judge_reading, normalize_phone, ReadingVerdict};
use crate::tickets::{Actor, NewTicket};
use serde::{Deserialize, Serialize};

/// Where a reading came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReadingSource {
    Ivr,
    Web,
    Agent,
    MeterReader,
}

impl ReadingSource {
    /// Who gave the reading, in a Chinese summary.
    pub fn label_zh(self) -> &'static str {
        match self {
            ReadingSource::Ivr => "客户语音自报",
            ReadingSource::Web => "客户网上自报",
            ReadingSource::Agent => "坐席代录",
            ReadingSource::MeterReader => "抄表员",
        }
    }

    /// Who gave the reading, in an English summary.
    pub fn label_en(self) -> &'static str {
        match self {
            ReadingSource::Ivr => "IVR self-reported",
            ReadingSource::Web => "Web self-reported",
            ReadingSource::Agent => "Agent-taken",
            ReadingSource::MeterReader => "Meter reader's",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ReadingSource::Ivr => "ivr",
            ReadingSource::Web => "web",
            ReadingSource::Agent => "agent",
            ReadingSource::MeterReader => "meter_reader",
        }
    }
}

/// A reading to submit.
#[derive(Debug, Clone)]
pub struct NewReading {
    pub customer_id: i64,
    /// Which meter; `None` = the customer's only meter.
    pub meter_serial: Option<String>,
    pub value: i64,
    pub source: ReadingSource,
}

/// What became of a submitted reading.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReadingOutcome {
    pub reading_id: i64,
    pub meter_serial: String,
    /// `accepted` or `queried`.
    pub status: String,
    pub consumption: Option<i64>,
    pub reason: String,
    /// The meter ticket a queried reading opened.
    pub ticket_id: Option<i64>,
}

/// A stored reading.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reading {
    pub id: i64,
    pub meter_serial: String,
    pub value: i64,
    pub read_at: Millis,
    pub source: String,
    pub status: String,
    pub reason: String,
    pub ticket_id: Option<i64>,
}

impl Store {
    /// Judges and stores a reading in one transaction.
    pub async fn submit_reading(
        &self,
        r: &NewReading,
        actor: Actor,
        now: Millis,
    ) -> Result<ReadingOutcome> {
        self.submit_reported_reading(r, None, actor, now).await
    }

    /// Judges and stores a reading reported from `reporter_phone` (a caller's number), who is
    /// the reporter of the meter ticket a queried reading opens (staff call that number
    /// back). A `reporter_phone` that is no phone number (withheld) is left out, never a
    /// reason to lose the reading.
    pub async fn submit_reported_reading(
        &self,
        r: &NewReading,
        reporter_phone: Option<&str>,
        actor: Actor,
        now: Millis,
    ) -> Result<ReadingOutcome> {
        if r.value < 0 {
            return Err(StoreError::invalid("value", "must not be negative"));
        }
        if self.customer(r.customer_id).await?.is_none() {
            return Err(StoreError::not_found("customer", r.customer_id));
        }
        let average = self.monthly_average(r.customer_id, now).await?;
        let mut tx = self.write.begin().await?;
        let meters = sqlx::query(
            "SELECT id, serial, last_value, last_read_at FROM meters WHERE customer_id = $1 \
             ORDER BY id",
        )
        .bind(r.customer_id)
        .fetch_all(&mut *tx)
        .await?;
        let meter = match &r.meter_serial {
            Some(s) => {
                let mut found = None;
                for m in &meters {
                    if col::<String>(m, "serial")? == *s {
                        found = Some(m);
                    }
                }
                found.ok_or_else(|| {
                    StoreError::invalid("meter_serial", "not a meter of this customer")
                })?
            }
            None if meters.len() == 1 => meters
                .first()
                .ok_or_else(|| StoreError::invalid("meter_serial", "no meter"))?,
            None if meters.is_empty() => {
                return Err(StoreError::invalid(
                    "customer_id",
                    "the customer has no meter",
                ))
            }
            None => {
                return Err(StoreError::invalid(
                    "meter_serial",
                    "the customer has several meters; name one",
                ))
            }
        };
        let meter_id: i64 = col(meter, "id")?;
        let serial: String = col(meter, "serial")?;
        let last_value: Option<i64> = col(meter, "last_value")?;
        let last_at: Option<i64> = col(meter, "last_read_at")?;
        let verdict = judge_reading(
            last_value.zip(last_at),
            average,
            r.value,
            now,
            &self.policy.reading,
        );
        let (status, consumption, reason, ticket_id) = match &verdict {
            ReadingVerdict::Accepted { consumption } => {
                sqlx::query("UPDATE meters SET last_value = $1, last_read_at = $2 WHERE id = $3")
                    .bind(r.value)
                    .bind(now)
                    .bind(meter_id)
                    .execute(&mut *tx)
                    .await?;
                ("accepted", Some(*consumption), String::new(), None)
            }
            ReadingVerdict::Queried(why) => {
                // The summary in each language from its own template (the desk shows the
                // agent's); `summary` is the centre's, Chinese.
                let zh = format!(
                    "{}读数 {}（水表 {serial}）存疑：{}",
                    r.source.label_zh(),
                    r.value,
                    why.describe_zh()
                );
                let en = format!(
                    "{} reading {} of meter {serial} queried: {}",
                    r.source.label_en(),
                    r.value,
                    why.describe()
                );
                let ticket = NewTicket {
                    kind: "meter".into(),
                    customer_id: Some(r.customer_id),
                    summary: zh.clone(),
                    summaries: vec![("zh".into(), zh), ("en".into(), en)],
                    reporter_phone: reporter_phone.and_then(normalize_phone),
                    ..NewTicket::default()
                };
                let tid = self
                    .create_ticket_in(&mut tx, &ticket, actor, now)
                    .await?
                    .id;
                ("queried", None, why.describe(), Some(tid))
            }
        };
        let reading_id: i64 = sqlx::query_scalar(
            "INSERT INTO meter_readings (meter_id, value, read_at, source, status, reason, ticket_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(meter_id)
        .bind(r.value)
        .bind(now)
        .bind(r.source.as_str())
        .bind(status)
        .bind(reason.clone())
        .bind(ticket_id)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(ReadingOutcome {
            reading_id,
            meter_serial: serial,
            status: status.into(),
            consumption,
            reason,
            ticket_id,
        })
    }

    /// The customer's latest readings, newest first.
    pub async fn readings(&self, customer_id: i64, limit: i64) -> Result<Vec<Reading>> {
        let rows = sqlx::query(
            "SELECT r.id, m.serial, r.value, r.read_at, r.source, r.status, r.reason, r.ticket_id \
             FROM meter_readings r JOIN meters m ON m.id = r.meter_id WHERE m.customer_id = $1 \
             ORDER BY r.read_at DESC, r.id DESC LIMIT $2",
        )
        .bind(customer_id)
        .bind(limit.clamp(1, 500))
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Reading {
                    id: col(r, "id")?,
                    meter_serial: col(r, "serial")?,
                    value: col(r, "value")?,
                    read_at: col(r, "read_at")?,
                    source: col(r, "source")?,
                    status: col(r, "status")?,
                    reason: col(r, "reason")?,
                    ticket_id: col(r, "ticket_id")?,
                })
            })
            .collect()
    }
}
