//! Recorded notice prompts: per notice and language, one WAV a supervisor uploaded (the web
//! layer checks its format before it comes here). The IVR plays it after its own reading of
//! the notice; each engine loads it when a lookup first returns the notice, and again when
//! `uploaded_at` changes. Kept base64-encoded (one column type for SQLite and PostgreSQL).

use std::collections::BTreeMap;

use base64::Engine as _;
use serde::Serialize;

use crate::db::col;
use crate::error::{Result, StoreError};
use crate::lifecycle::Millis;
use crate::Store;

/// The largest recording kept: 4 MiB of WAV, about 4 minutes 22 s at 8 kHz 16-bit.
pub const MAX_RECORDING_BYTES: usize = 4 * 1024 * 1024;

/// A recording of a notice (without its audio).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NoticeRecording {
    pub language: String,
    /// 8 kHz samples: duration = samples / 8000 s.
    pub samples: i64,
    pub uploaded_at: Millis,
    pub uploaded_by: String,
}

/// The prompt name the IVR plays a notice's recordings under (one per language):
/// `rec_notice_<id>`. An engine holding an older upload reloads it by its `uploaded_at`.
pub fn prompt_name(notice_id: i64) -> String {
    format!("rec_notice_{notice_id}")
}

/// The notice id of a [`prompt_name`].
pub fn notice_of_prompt(name: &str) -> Option<i64> {
    name.strip_prefix("rec_notice_")?.parse().ok()
}

/// A language code as the prompt library's folders name them.
fn check_language(language: &str) -> Result<()> {
    let ok = !language.is_empty()
        && language.len() <= 16
        && language
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(StoreError::invalid(
            "language",
            "1 to 16 letters, digits, '-' or '_'",
        ))
    }
}

impl Store {
    /// Stores (or replaces) the recording of notice `notice_id` in `language`; `wav` is a
    /// checked WAV file of `samples` samples.
    pub async fn put_notice_recording(
        &self,
        notice_id: i64,
        language: &str,
        wav: &[u8],
        samples: i64,
        by: &str,
        now: Millis,
    ) -> Result<NoticeRecording> {
        check_language(language)?;
        if wav.len() > MAX_RECORDING_BYTES {
            return Err(StoreError::invalid(
                "recording",
                format!("{} bytes, at most {MAX_RECORDING_BYTES}", wav.len()),
            ));
        }
        if self.notice(notice_id).await?.is_none() {
            return Err(StoreError::not_found("notice", notice_id));
        }
        let text = base64::engine::general_purpose::STANDARD.encode(wav);
        let mut tx = self.write.begin().await?;
        sqlx::query("DELETE FROM notice_recordings WHERE notice_id = $1 AND language = $2")
            .bind(notice_id)
            .bind(language)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO notice_recordings \
             (notice_id, language, wav_base64, samples, uploaded_at, uploaded_by) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(notice_id)
        .bind(language)
        .bind(text)
        .bind(samples)
        .bind(now)
        .bind(by)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(NoticeRecording {
            language: language.to_string(),
            samples,
            uploaded_at: now,
            uploaded_by: by.to_string(),
        })
    }

    /// Removes the recording of `notice_id` in `language`; whether there was one.
    pub async fn delete_notice_recording(&self, notice_id: i64, language: &str) -> Result<bool> {
        check_language(language)?;
        let done =
            sqlx::query("DELETE FROM notice_recordings WHERE notice_id = $1 AND language = $2")
                .bind(notice_id)
                .bind(language)
                .execute(&self.write)
                .await?;
        Ok(done.rows_affected() > 0)
    }

    /// The WAV of a recording, with its upload time; `None` when there is none.
    pub async fn notice_recording_wav(
        &self,
        notice_id: i64,
        language: &str,
    ) -> Result<Option<(Millis, Vec<u8>)>> {
        let row = sqlx::query(
            "SELECT wav_base64, uploaded_at FROM notice_recordings \
             WHERE notice_id = $1 AND language = $2",
        )
        .bind(notice_id)
        .bind(language)
        .fetch_optional(&self.read)
        .await?;
        let Some(r) = row else { return Ok(None) };
        let text: String = col(&r, "wav_base64")?;
        let wav = base64::engine::general_purpose::STANDARD
            .decode(text.as_bytes())
            .map_err(|e| StoreError::invalid("wav_base64", e.to_string()))?;
        Ok(Some((col(&r, "uploaded_at")?, wav)))
    }

    /// The recordings of these notices (ids written by the database), by notice.
    pub(crate) async fn recordings_of(
        &self,
        ids: &[String],
    ) -> Result<BTreeMap<i64, Vec<NoticeRecording>>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT notice_id, language, samples, uploaded_at, uploaded_by \
             FROM notice_recordings WHERE notice_id IN ({}) ORDER BY notice_id, language",
            ids.join(", ")
        )))
        .fetch_all(&self.read)
        .await?;
        let mut out: BTreeMap<i64, Vec<NoticeRecording>> = BTreeMap::new();
        for r in &rows {
            out.entry(col(r, "notice_id")?)
                .or_default()
                .push(NoticeRecording {
                    language: col(r, "language")?,
                    samples: col(r, "samples")?,
                    uploaded_at: col(r, "uploaded_at")?,
                    uploaded_by: col(r, "uploaded_by")?,
                });
        }
        Ok(out)
    }
}
