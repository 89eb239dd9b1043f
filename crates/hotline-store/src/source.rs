//! The data-source seam: what the IVR and the desktop ask of the utility's customer
//! information system. The built-in implementation is the store's own tables; a utility
//! with its own billing system plugs in another (an HTTP/JSON adapter with timeouts and a
//! circuit breaker is the expected second). Nothing here assumes SQL: customers are keyed by
//! account number and districts by code, errors say "unavailable" or "timed out" rather than
//! naming a database.

use crate::customers::{Arrears, Bill, Customer};
use crate::error::StoreError;
use crate::lifecycle::Millis;
use crate::notices::Notice;
use crate::readings::{NewReading, ReadingOutcome, ReadingSource};
use crate::tickets::Actor;
use crate::Store;
use async_trait::async_trait;

/// Why a lookup failed. The IVR takes its error branch on any of them.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SourceError {
    #[error("{0} not found")]
    NotFound(String),
    #[error("{field}: {reason}")]
    Invalid { field: String, reason: String },
    #[error("source unavailable: {0}")]
    Unavailable(String),
    #[error("source timed out")]
    Timeout,
}

impl From<StoreError> for SourceError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound { what, id } => SourceError::NotFound(format!("{what} {id}")),
            StoreError::Invalid { field, reason } => SourceError::Invalid {
                field: field.to_string(),
                reason,
            },
            StoreError::Db(sqlx::Error::PoolTimedOut) => SourceError::Timeout,
            other => SourceError::Unavailable(other.to_string()),
        }
    }
}

/// A meter reading as the caller keys it in.
#[derive(Debug, Clone)]
pub struct ReadingSubmission {
    pub account_no: String,
    pub meter_serial: Option<String>,
    pub value: i64,
    pub source: ReadingSource,
    /// The number it was reported from (the caller's): the reporter of a meter ticket a
    /// queried reading opens. Not a phone number (withheld, empty): no reporter phone.
    pub reporter_phone: Option<String>,
}

/// The questions the IVR and the desktop ask about customers.
#[async_trait]
pub trait CustomerSource: Send + Sync {
    /// Accounts registered to a phone number (several are possible).
    async fn customers_by_phone(&self, phone: &str) -> Result<Vec<Customer>, SourceError>;
    async fn customer_by_account(&self, account_no: &str) -> Result<Option<Customer>, SourceError>;
    /// Bills of the last `months` billing periods, newest first.
    async fn bills(
        &self,
        account_no: &str,
        months: u32,
        now: Millis,
    ) -> Result<Vec<Bill>, SourceError>;
    /// Unpaid overdue bills of the last 2 years with late fees on `now`.
    async fn arrears(&self, account_no: &str, now: Millis) -> Result<Arrears, SourceError>;
    /// Judges and records a self-reported reading.
    async fn submit_reading(
        &self,
        r: &ReadingSubmission,
        now: Millis,
    ) -> Result<ReadingOutcome, SourceError>;
    /// Notices in force (or starting within a day) in a district.
    async fn notices(&self, district_code: &str, now: Millis) -> Result<Vec<Notice>, SourceError>;
    /// Notices in force at `now` in any district (offered to a caller not yet identified).
    async fn notices_in_force(&self, now: Millis) -> Result<Vec<Notice>, SourceError>;
}

impl Store {
    async fn customer_id_of(&self, account_no: &str) -> Result<i64, SourceError> {
        self.customer_by_account(account_no)
            .await?
            .map(|c| c.id)
            .ok_or_else(|| SourceError::NotFound(format!("account {account_no}")))
    }
}

#[async_trait]
impl CustomerSource for Store {
    async fn customers_by_phone(&self, phone: &str) -> Result<Vec<Customer>, SourceError> {
        Ok(Store::customers_by_phone(self, phone).await?)
    }

    async fn customer_by_account(&self, account_no: &str) -> Result<Option<Customer>, SourceError> {
        Ok(Store::customer_by_account(self, account_no).await?)
    }

    async fn bills(
        &self,
        account_no: &str,
        months: u32,
        now: Millis,
    ) -> Result<Vec<Bill>, SourceError> {
        let id = self.customer_id_of(account_no).await?;
        Ok(Store::bills(self, id, i64::from(months), now).await?)
    }

    async fn arrears(&self, account_no: &str, now: Millis) -> Result<Arrears, SourceError> {
        let id = self.customer_id_of(account_no).await?;
        Ok(Store::arrears(self, id, now).await?)
    }

    async fn submit_reading(
        &self,
        r: &ReadingSubmission,
        now: Millis,
    ) -> Result<ReadingOutcome, SourceError> {
        let id = self.customer_id_of(&r.account_no).await?;
        let reading = NewReading {
            customer_id: id,
            meter_serial: r.meter_serial.clone(),
            value: r.value,
            source: r.source,
        };
        let actor = match r.source {
            ReadingSource::Ivr => Actor::Ivr,
            _ => Actor::System,
        };
        let reporter = r.reporter_phone.as_deref();
        Ok(Store::submit_reported_reading(self, &reading, reporter, actor, now).await?)
    }

    async fn notices(&self, district_code: &str, now: Millis) -> Result<Vec<Notice>, SourceError> {
        let Some(d) = self.district_by_code(district_code).await? else {
            return Err(SourceError::NotFound(format!("district {district_code}")));
        };
        Ok(Store::notices(self, d.id, now, crate::rules::DAY_MS).await?)
    }

    async fn notices_in_force(&self, now: Millis) -> Result<Vec<Notice>, SourceError> {
        Ok(Store::notices_in_force(self, now).await?)
    }
}
