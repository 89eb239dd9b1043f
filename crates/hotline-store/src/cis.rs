//! Writing customer information: districts, customers with phones and meters, bills,
//! payments and notices. The demo seeder and tests use these; in production the utility's
//! CIS feeds them (or replaces them through `CustomerSource`).

use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::lifecycle::Millis;
use crate::rules::normalize_phone;

#[derive(Debug, Clone)]
pub struct NewDistrict {
    pub code: String,
    pub name: String,
    pub service_centre: String,
    pub dispatch_contact: String,
    pub dispatch_phone: String,
}

#[derive(Debug, Clone)]
pub struct NewCustomer {
    pub account_no: String,
    pub name: String,
    pub address: String,
    pub district_id: Option<i64>,
    pub language: String,
    /// `standard` or `key_account`.
    pub tier: String,
    pub manager_agent_id: Option<i64>,
    /// `none`, `dunning` or `legal`.
    pub credit_flag: String,
    pub credit_note: String,
    pub phones: Vec<String>,
    /// (serial, last accepted reading and when).
    pub meters: Vec<(String, Option<(i64, Millis)>)>,
}

#[derive(Debug, Clone)]
pub struct NewBill {
    pub customer_id: i64,
    pub period: String,
    pub volume: i64,
    pub amount_fen: i64,
    pub due_at: Millis,
    pub paid_fen: i64,
    pub paid_at: Option<Millis>,
}

#[derive(Debug, Clone)]
pub struct NewNotice {
    pub district_id: i64,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub starts_at: Millis,
    pub ends_at: Option<Millis>,
}

const TIERS: [&str; 2] = ["standard", "key_account"];
const CREDIT_FLAGS: [&str; 3] = ["none", "dunning", "legal"];

impl Store {
    pub async fn insert_district(&self, d: &NewDistrict) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO districts (code, name, service_centre, dispatch_contact, dispatch_phone) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(d.code.clone())
        .bind(d.name.clone())
        .bind(d.service_centre.clone())
        .bind(d.dispatch_contact.clone())
        .bind(d.dispatch_phone.clone())
        .fetch_one(&self.write)
        .await?)
    }

    /// A customer with phones and meters, in one transaction.
    pub async fn insert_customer(&self, c: &NewCustomer, now: Millis) -> Result<i64> {
        if !TIERS.contains(&c.tier.as_str()) {
            return Err(StoreError::invalid("tier", "standard or key_account"));
        }
        if !CREDIT_FLAGS.contains(&c.credit_flag.as_str()) {
            return Err(StoreError::invalid("credit_flag", "none, dunning or legal"));
        }
        let phones = c
            .phones
            .iter()
            .map(|p| {
                normalize_phone(p)
                    .ok_or_else(|| StoreError::invalid("phones", "not a phone number"))
            })
            .collect::<Result<Vec<_>>>()?;
        let mut tx = self.write.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO customers (account_no, name, address, district_id, language, tier, \
             manager_agent_id, credit_flag, credit_note, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(c.account_no.clone())
        .bind(c.name.clone())
        .bind(c.address.clone())
        .bind(c.district_id)
        .bind(c.language.clone())
        .bind(c.tier.clone())
        .bind(c.manager_agent_id)
        .bind(c.credit_flag.clone())
        .bind(c.credit_note.clone())
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        for p in phones {
            sqlx::query(
                "INSERT INTO customer_phones (phone, customer_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            )
            .bind(p)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        for (serial, last) in &c.meters {
            sqlx::query(
                "INSERT INTO meters (serial, customer_id, last_value, last_read_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(serial.clone())
            .bind(id)
            .bind(last.map(|l| l.0))
            .bind(last.map(|l| l.1))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    pub async fn insert_bill(&self, b: &NewBill) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO bills (customer_id, period, volume, amount_fen, due_at, paid_fen, paid_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(b.customer_id)
        .bind(b.period.clone())
        .bind(b.volume)
        .bind(b.amount_fen)
        .bind(b.due_at)
        .bind(b.paid_fen)
        .bind(b.paid_at)
        .fetch_one(&self.write)
        .await?)
    }

    /// Writes a notice of one district unchecked (the seeder's and the flow tests'; the API
    /// uses `create_notice`).
    pub async fn insert_notice(&self, n: &NewNotice) -> Result<i64> {
        let mut tx = self.write.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO notices (district_id, kind, title, body, starts_at, ends_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(n.district_id)
        .bind(n.kind.clone())
        .bind(n.title.clone())
        .bind(n.body.clone())
        .bind(n.starts_at)
        .bind(n.ends_at)
        .fetch_one(&mut *tx)
        .await?;
        crate::notices::write_districts(&mut tx, id, &[n.district_id]).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// How many customers there are (the first start seeds an empty store).
    pub async fn customer_count(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM customers")
            .fetch_one(&self.read)
            .await?)
    }
}
