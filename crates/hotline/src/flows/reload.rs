//! Hot reload: the flows folder is looked at every few seconds; when a file in it changed
//! (name, size or modification time), the whole folder is loaded again. A valid set replaces
//! the running one for calls that start from then on (calls in progress keep the set they
//! started with); an invalid one is refused with every error logged, and the old set keeps
//! serving. Polling keeps this free of platform file-watch quirks (editors that replace
//! files, network folders) at the cost of a `stat` per file per interval.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use tracing::{info, warn};

use crate::controller::ivr::IvrRuntime;

/// What the folder looks like: (name, size, modified) per file, sorted; the holiday files
/// (`holidays/`) included.
pub fn fingerprint(dir: &Path) -> Vec<(PathBuf, u64, Option<SystemTime>)> {
    let mut files = files_of(dir);
    files.extend(files_of(&dir.join(hotline_ivr::load::HOLIDAYS_DIR)));
    files.sort();
    files
}

fn files_of(dir: &Path) -> Vec<(PathBuf, u64, Option<SystemTime>)> {
    let files: Vec<_> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter_map(|e| {
                    let meta = e.metadata().ok()?;
                    meta.is_file()
                        .then(|| (e.path(), meta.len(), meta.modified().ok()))
                })
                .collect()
        })
        .unwrap_or_default();
    files
}

/// Watches `dir` every `every` and swaps the runtime's flows on a valid change.
pub fn spawn(
    rt: IvrRuntime,
    dir: PathBuf,
    sounds: PathBuf,
    zone: hotline_time::Zone,
    entry: String,
    every: Duration,
) {
    tokio::spawn(async move {
        let mut seen = fingerprint(&dir);
        let mut ticker = tokio::time::interval(every);
        ticker.tick().await;
        loop {
            ticker.tick().await;
            let now = fingerprint(&dir);
            if now == seen {
                continue;
            }
            seen = now;
            let (d, s, z) = (dir.clone(), sounds.clone(), zone.clone());
            let queues = rt.queue_names();
            let loaded = tokio::task::spawn_blocking(move || match queues {
                Some(q) => super::load_for_queues(&d, &s, &z, &q),
                None => super::load(&d, &s, &z),
            })
            .await;
            match loaded {
                Ok(Ok(set)) if set.find(&entry).is_some() => {
                    info!(flows = set.flows.len(), dir = %dir.display(), "IVR flows reloaded; new calls use them");
                    rt.replace(set);
                }
                Ok(Ok(_)) => {
                    warn!(flow = %entry, "IVR flows not reloaded: the entry flow is missing; the old flows keep serving")
                }
                Ok(Err(errors)) => {
                    for e in errors.iter() {
                        warn!("{e}");
                    }
                    warn!(
                        errors = errors.len(),
                        "IVR flows not reloaded: the change has errors; the old flows keep serving"
                    );
                }
                Err(e) => warn!(error = %e, "IVR flow reload failed"),
            }
        }
    });
}
