//! A call's recordings besides its own (`calls.recording`): a consultation of its agent with
//! the target, kept with the call (`call_recordings`). Listed with the call, played through its
//! recording endpoint, purged with its own recording (never while the call is on legal hold).

use serde::Serialize;

use crate::db::{col, Store};
use crate::error::{Result, StoreError};
use crate::lifecycle::Millis;

/// One more recording of a call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallRecording {
    pub id: i64,
    pub call_id: i64,
    /// `consult`.
    pub kind: String,
    pub started_at: Millis,
    /// The file is kept (not purged).
    pub available: bool,
    #[serde(skip)]
    pub path: Option<String>,
}

impl Store {
    /// Keeps `path` as one more recording (`kind`) of call `call_id` (again: nothing new, as
    /// when the call log replays an entry after a crash).
    pub async fn add_call_recording(
        &self,
        call_id: i64,
        kind: &str,
        path: &str,
        at: Millis,
    ) -> Result<()> {
        if kind.is_empty() || kind.len() > 32 {
            return Err(StoreError::invalid("kind", "1 to 32 bytes"));
        }
        sqlx::query(
            "INSERT INTO call_recordings (call_id, kind, path, started_at) \
             SELECT $1, $2, $3, $4 WHERE NOT EXISTS \
             (SELECT 1 FROM call_recordings WHERE call_id = $1 AND path = $3)",
        )
        .bind(call_id)
        .bind(kind.to_string())
        .bind(path.to_string())
        .bind(at)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// Call `call_id`'s other recordings, oldest first.
    pub async fn call_recordings(&self, call_id: i64) -> Result<Vec<CallRecording>> {
        let rows = sqlx::query(
            "SELECT id, call_id, kind, path, started_at FROM call_recordings \
             WHERE call_id = $1 ORDER BY started_at, id",
        )
        .bind(call_id)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                let path: Option<String> = col(r, "path")?;
                Ok(CallRecording {
                    id: col(r, "id")?,
                    call_id: col(r, "call_id")?,
                    kind: col(r, "kind")?,
                    started_at: col(r, "started_at")?,
                    available: path.is_some(),
                    path,
                })
            })
            .collect()
    }

    /// Marks call `call_id`'s other recordings purged at `now` (paths cleared) unless the call
    /// is on legal hold; the paths marked, for the caller to delete.
    pub async fn call_recordings_purged(&self, call_id: i64, now: Millis) -> Result<Vec<String>> {
        let mut tx = self.write.begin().await?;
        let rows = sqlx::query(
            "SELECT r.path FROM call_recordings r JOIN calls c ON c.id = r.call_id \
             WHERE r.call_id = $1 AND r.path IS NOT NULL AND c.legal_hold = 0",
        )
        .bind(call_id)
        .fetch_all(&mut *tx)
        .await?;
        let paths = rows
            .iter()
            .map(|r| col(r, "path"))
            .collect::<Result<Vec<String>>>()?;
        sqlx::query(
            "UPDATE call_recordings SET path = NULL, purged_at = $1 WHERE call_id = $2 \
             AND path IS NOT NULL AND (SELECT legal_hold FROM calls WHERE id = $2) = 0",
        )
        .bind(now)
        .bind(call_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(paths)
    }
}
