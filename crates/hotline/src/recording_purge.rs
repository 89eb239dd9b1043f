//! The recordings' retention: a call's recording is deleted the configured number of days
//! after the call ended (`recording_retention_days` of the last queue it waited in; for calls
//! that waited in no queue, `media.recording_retention_days`; 0 = kept), unless the call is on
//! legal hold. The store is marked first (the path cleared, `recording_purged_at` set, only if
//! the call is still not on hold) and the file deleted after, so a hold set meanwhile always
//! wins. Files outside the recordings folder are never deleted (logged). Runs an hour after
//! start and then every hour, in batches, with the retentions in force: a configuration
//! reload (SIGHUP) that changes the queues changes their retentions too.

use std::path::Path;
use std::time::Duration;

use hotline_store::{Millis, Store, StoreError};
use tracing::{info, warn};

const DAY_MS: Millis = 86_400_000;
const BATCH: i64 = 500;

/// How long recordings are kept, in days (0 = kept).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Retention {
    /// Per queue, for calls whose last queue it was.
    pub queues: Vec<(String, u32)>,
    /// For calls that waited in no queue.
    pub no_queue_days: u32,
}

impl Retention {
    pub fn of(queues: &[hotline_acd::QueueConfig], no_queue_days: u32) -> Retention {
        Retention {
            queues: queues
                .iter()
                .map(|q| (q.name.clone(), q.recording_retention_days))
                .collect(),
            no_queue_days,
        }
    }

    /// Whether anything is ever purged.
    pub fn purges(&self) -> bool {
        self.no_queue_days > 0 || self.queues.iter().any(|(_, d)| *d > 0)
    }
}

/// The retentions in force, shared with the configuration reload.
pub type SharedRetention = std::sync::Arc<std::sync::RwLock<Retention>>;

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Purged {
    /// Files deleted.
    pub files: u64,
    /// Recordings marked purged whose file was already gone.
    pub missing: u64,
    /// Recordings marked purged whose path was outside the recordings folder (not deleted).
    pub outside: u64,
}

/// One pass at `now`.
pub async fn purge_once(
    store: &Store,
    dir: &Path,
    retention: &Retention,
    now: Millis,
) -> Result<Purged, StoreError> {
    let folder = dir.canonicalize().ok();
    let mut out = Purged::default();
    let targets = retention
        .queues
        .iter()
        .map(|(q, d)| (Some(q.as_str()), *d))
        .chain(std::iter::once((None, retention.no_queue_days)));
    for (queue, days) in targets {
        if days == 0 {
            continue;
        }
        let before = now.saturating_sub(i64::from(days).saturating_mul(DAY_MS));
        loop {
            let due = store.recordings_due(queue, before, BATCH).await?;
            for (id, path) in &due {
                if store.recording_purged(*id, now).await? {
                    delete(folder.as_deref(), Path::new(path), *id, &mut out);
                    // Its other recordings (consultations) go with it.
                    for other in store.call_recordings_purged(*id, now).await? {
                        delete(folder.as_deref(), Path::new(&other), *id, &mut out);
                    }
                }
            }
            if i64::try_from(due.len()).unwrap_or(0) < BATCH {
                break;
            }
        }
    }
    Ok(out)
}

fn delete(folder: Option<&Path>, path: &Path, call: i64, out: &mut Purged) {
    let Ok(file) = path.canonicalize() else {
        out.missing += 1;
        return;
    };
    if !folder.is_some_and(|f| file.starts_with(f)) {
        warn!(call, path = %path.display(), "recording outside the recordings folder: not deleted");
        out.outside += 1;
        return;
    }
    match std::fs::remove_file(&file) {
        Ok(()) => out.files += 1,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => out.missing += 1,
        Err(e) => warn!(call, path = %file.display(), error = %e, "recording not deleted"),
    }
}

/// Runs the purge an hour after start and every hour after, while the runtime lives.
pub fn spawn(store: Store, dir: std::path::PathBuf, retention: SharedRetention) {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            let retention = retention
                .read()
                .map(|r| r.clone())
                .unwrap_or_else(|p| p.into_inner().clone());
            if !retention.purges() {
                continue;
            }
            let now = crate::storage::now_ms();
            match purge_once(&store, &dir, &retention, now).await {
                Ok(p) if p == Purged::default() => {}
                Ok(p) => info!(
                    deleted = p.files,
                    missing = p.missing,
                    outside = p.outside,
                    "recordings past their retention purged"
                ),
                Err(e) => {
                    warn!(error = %e, "recording retention: the store failed; next hour again")
                }
            }
        }
    });
}

#[cfg(test)]
mod tests;
