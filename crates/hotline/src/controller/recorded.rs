//! Recordings uploaded while the engine runs (a notice's, played as `rec_notice_<id>` in each
//! language it was recorded in): loaded from the store into memory when an IVR lookup returns
//! a notice that has them, loaded again when one is uploaded anew (its `uploaded_at`
//! changed), dropped when removed; played like the library's prompts. Every engine sharing
//! the store loads them the same way, so an upload needs no reload or restart anywhere.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use hotline_media::prompt::library::decode_wav;
use hotline_media::prompt::Prompt;
use hotline_store::notice_recordings::prompt_name;
use hotline_store::{Millis, Store};
use tracing::{info, warn};

/// (language, name) → (uploaded_at, prompt).
type Held = HashMap<(String, String), (Millis, Arc<Prompt>)>;

/// The recordings held in memory, shared by the lookups that load them and the legs that
/// play them.
#[derive(Clone, Default)]
pub struct Recorded {
    held: Arc<RwLock<Held>>,
}

impl Recorded {
    /// The recording `name` in `lang`, if held.
    pub fn get(&self, lang: &str, name: &str) -> Option<Arc<Prompt>> {
        let held = self.held.read().unwrap_or_else(|p| p.into_inner());
        held.get(&(lang.to_string(), name.to_string()))
            .map(|(_, p)| Arc::clone(p))
    }

    /// Brings the recordings of notice `id` in line with the store: new and re-uploaded ones
    /// loaded (a file that no longer decodes is logged and skipped), removed ones dropped.
    pub async fn refresh_notice(&self, store: &Store, id: i64) {
        let notice = match store.notice(id).await {
            Ok(Some(n)) => n,
            Ok(None) => return,
            Err(e) => {
                warn!(notice = id, error = %e, "notice recordings not checked");
                return;
            }
        };
        let name = prompt_name(id);
        let stale: Vec<String> = {
            let held = self.held.read().unwrap_or_else(|p| p.into_inner());
            notice
                .recordings
                .iter()
                .filter(|r| {
                    held.get(&(r.language.clone(), name.clone()))
                        .is_none_or(|(at, _)| *at != r.uploaded_at)
                })
                .map(|r| r.language.clone())
                .collect()
        };
        let mut loaded = Vec::new();
        for lang in stale {
            match store.notice_recording_wav(id, &lang).await {
                Ok(Some((at, wav))) => match decode_wav(&wav) {
                    Ok(pcm) => {
                        let prompt = Prompt::from_pcm(lang.clone(), name.clone(), pcm);
                        info!(notice = id, %lang, secs = prompt.duration().as_secs_f64(), "notice recording loaded");
                        loaded.push((lang, at, Arc::new(prompt)));
                    }
                    Err(e) => warn!(notice = id, %lang, error = %e, "notice recording unusable"),
                },
                Ok(None) => {}
                Err(e) => warn!(notice = id, %lang, error = %e, "notice recording not read"),
            }
        }
        let mut held = self.held.write().unwrap_or_else(|p| p.into_inner());
        held.retain(|(lang, n), _| {
            *n != name || notice.recordings.iter().any(|r| r.language == *lang)
        });
        for (lang, at, prompt) in loaded {
            held.insert((lang, name.clone()), (at, prompt));
        }
    }
}
