//! Reloading the queues without a restart: on SIGHUP (`systemctl reload`, `kill -HUP`) the
//! configuration is read again from the same file and environment; if it is valid and its
//! `[[acd.queues]]` changed, the router is reconfigured in place: waiting calls keep their
//! place (and their enqueue time) in every queue that stays, agents keep their states, and a
//! removed queue's waiting calls leave by its exit; the queues' recording retentions apply to
//! the next purge. An invalid file is refused with every problem logged and the queues in force
//! keep serving. Other changed settings need a restart (logged as such).

use std::path::PathBuf;

use hotline_acd::QueueConfig;
use tracing::{error, info, warn};

use super::AcdHandle;
use crate::config::{self, Config};

/// Outcome of one reload, for the log and the tests.
#[derive(Debug, PartialEq, Eq)]
pub enum Reloaded {
    Applied { queues: usize },
    Unchanged,
    Refused(String),
}

/// Reads the configuration again and applies changed queues to `acd`.
pub fn reload(acd: &AcdHandle, path: Option<&std::path::Path>, current: &mut Config) -> Reloaded {
    let loaded = match config::process_env().and_then(|env| Config::load_from(path, env)) {
        Ok(l) => l,
        Err(e) => return Reloaded::Refused(e.to_string()),
    };
    let new = loaded.config;
    let queues_changed = new.acd.queues != current.acd.queues;
    let mut others = new.clone();
    others.acd.queues.clone_from(&current.acd.queues);
    if others != *current {
        warn!("configuration reload: settings other than acd.queues changed; they apply at the next restart");
    }
    if !queues_changed {
        return Reloaded::Unchanged;
    }
    let queues: Vec<QueueConfig> = new.acd.queues.clone();
    let n = queues.len();
    acd.reconfigure(queues);
    current.acd.queues = new.acd.queues;
    Reloaded::Applied { queues: n }
}

/// Reloads on every SIGHUP until the engine stops.
/// Changed queues' thresholds are kept for the reports' roll-ups (`store`), their recording
/// retentions for the purge (`retention`).
pub fn spawn_on_hangup(
    acd: AcdHandle,
    store: hotline_store::Store,
    retention: crate::recording_purge::SharedRetention,
    path: Option<PathBuf>,
    mut current: Config,
) {
    #[cfg(unix)]
    tokio::spawn(async move {
        use tokio::signal::unix::{signal, SignalKind};
        let mut hup = match signal(SignalKind::hangup()) {
            Ok(s) => s,
            Err(e) => {
                warn!(error = %e, "no SIGHUP handler: queue reloads need a restart");
                return;
            }
        };
        while hup.recv().await.is_some() {
            match reload(&acd, path.as_deref(), &mut current) {
                Reloaded::Applied { queues } => {
                    info!(queues, "configuration reloaded: ACD queues applied");
                    crate::storage::keep_report_rules(&store, &current.acd.queues).await;
                    let now = crate::recording_purge::Retention::of(
                        &current.acd.queues,
                        current.media.recording_retention_days,
                    );
                    let days: Vec<String> =
                        now.queues.iter().map(|(q, d)| format!("{q}={d}")).collect();
                    info!(days = %days.join(" "), "recording retentions applied (0 = kept)");
                    match retention.write() {
                        Ok(mut r) => *r = now,
                        Err(p) => *p.into_inner() = now,
                    }
                }
                Reloaded::Unchanged => info!("configuration reloaded: ACD queues unchanged"),
                Reloaded::Refused(e) => {
                    error!("configuration reload refused, the queues in force keep serving:\n{e}")
                }
            }
        }
    });
    #[cfg(not(unix))]
    let _ = (acd, store, retention, path, current);
}
