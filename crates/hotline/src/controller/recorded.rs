//! Recordings uploaded while the engine runs (a notice's, played as `rec_notice_<id>` in each
//! language it was recorded in): loaded from the store into memory when an IVR lookup returns
//! a notice that has them, loaded again when one is uploaded anew (its `uploaded_at`
//! changed), dropped when removed, when the notice is deleted, and once the notice has
//! ended (checked at every refresh, so an outage day's recordings do not stay in memory for
//! the engine's life); played like the library's prompts. Every engine sharing the store
//! loads them the same way, so an upload needs no reload or restart anywhere.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use hotline_media::prompt::library::decode_wav;
use hotline_media::prompt::Prompt;
use hotline_store::notice_recordings::prompt_name;
use hotline_store::{Millis, Store};
use tracing::{info, warn};

/// One recording held: when it was uploaded, when its notice ends (as last read), the prompt.
struct Entry {
    uploaded_at: Millis,
    ends_at: Option<Millis>,
    prompt: Arc<Prompt>,
}

/// (language, name) → the recording.
type Held = HashMap<(String, String), Entry>;

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
            .map(|e| Arc::clone(&e.prompt))
    }

    /// Brings the recordings of notice `id` in line with the store at `now`: new and
    /// re-uploaded ones loaded (a file that no longer decodes is logged and skipped), removed
    /// ones dropped, all of it dropped when the notice is gone or has ended; and
    /// every notice's recordings dropped once their notice has ended.
    pub async fn refresh_notice(&self, store: &Store, id: i64, now: Millis) {
        let name = prompt_name(id);
        self.drop_where(|n, e| {
            e.ends_at.is_some_and(|end| end <= now) && {
                info!(notice = %n, "notice ended: its recording dropped");
                true
            }
        });
        let notice = match store.notice(id).await {
            // Upcoming notices are read too (a district's planned works).
            Ok(Some(n)) if n.ends_at.is_none_or(|end| end > now) => n,
            Ok(_) => {
                self.drop_where(|n, _| *n == name);
                return;
            }
            Err(e) => {
                warn!(notice = id, error = %e, "notice recordings not checked");
                return;
            }
        };
        let stale: Vec<String> = {
            let held = self.held.read().unwrap_or_else(|p| p.into_inner());
            notice
                .recordings
                .iter()
                .filter(|r| {
                    held.get(&(r.language.clone(), name.clone()))
                        .is_none_or(|e| e.uploaded_at != r.uploaded_at)
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
        for (lang, uploaded_at, prompt) in loaded {
            let entry = Entry {
                uploaded_at,
                ends_at: notice.ends_at,
                prompt,
            };
            held.insert((lang, name.clone()), entry);
        }
        // The end as now read (a notice extended or ended early).
        for ((_, n), e) in held.iter_mut() {
            if *n == name {
                e.ends_at = notice.ends_at;
            }
        }
    }

    /// Drops the recordings (by prompt name) that `gone` picks.
    fn drop_where(&self, mut gone: impl FnMut(&str, &Entry) -> bool) {
        let mut held = self.held.write().unwrap_or_else(|p| p.into_inner());
        held.retain(|(_, n), e| !gone(n, e));
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use hotline_store::{Figures, NoticeInput};

    /// A WAV file of `n` samples of 8 kHz mono 16-bit PCM.
    fn wav(n: usize) -> Vec<u8> {
        let data = u32::try_from(2 * n).unwrap();
        let mut out = Vec::new();
        out.extend_from_slice(b"RIFF");
        out.extend_from_slice(&(36 + data).to_le_bytes());
        out.extend_from_slice(b"WAVEfmt ");
        out.extend_from_slice(&16u32.to_le_bytes());
        out.extend_from_slice(&1u16.to_le_bytes()); // PCM
        out.extend_from_slice(&1u16.to_le_bytes()); // mono
        out.extend_from_slice(&8000u32.to_le_bytes());
        out.extend_from_slice(&16000u32.to_le_bytes()); // bytes per second
        out.extend_from_slice(&2u16.to_le_bytes()); // block align
        out.extend_from_slice(&16u16.to_le_bytes());
        out.extend_from_slice(b"data");
        out.extend_from_slice(&data.to_le_bytes());
        for i in 0..n {
            out.extend_from_slice(&((i % 100) as i16).to_le_bytes());
        }
        out
    }

    /// A notice's recording is held while the notice runs (an upcoming one too), follows a
    /// re-upload, and is dropped once the notice has ended: at the next refresh of any
    /// notice, or of its own after it was ended early.
    #[tokio::test]
    async fn recordings_are_held_until_their_notice_ends() {
        let (store, district, dir) = crate::test_store::with_a_district("recorded").await;
        let t0: Millis = 1_796_000_000_000;
        let notice = |starts_at, ends_at| NoticeInput {
            kind: "outage".into(),
            district_ids: vec![district],
            starts_at,
            ends_at,
            title: "停水".into(),
            body: String::new(),
            cause: String::new(),
            figures: Figures::default(),
        };
        let short = store
            .create_notice(&notice(t0, Some(t0 + 60_000)), t0)
            .await
            .unwrap();
        let later = store
            .create_notice(&notice(t0 + 3_600_000, None), t0)
            .await
            .unwrap();
        for (id, n) in [(short.id, 800), (later.id, 1600)] {
            store
                .put_notice_recording(id, "zh", &wav(n), n as i64, "zhaolei", t0)
                .await
                .unwrap();
        }
        let held = Recorded::default();
        let len = |id| {
            held.get("zh", &prompt_name(id))
                .map(|p| p.duration().as_millis())
        };
        held.refresh_notice(&store, short.id, t0).await;
        held.refresh_notice(&store, later.id, t0).await;
        assert_eq!(len(short.id), Some(100));
        assert_eq!(len(later.id), Some(200));
        // Re-uploaded: the new one is played.
        store
            .put_notice_recording(later.id, "zh", &wav(2400), 2400, "zhaolei", t0 + 1)
            .await
            .unwrap();
        held.refresh_notice(&store, later.id, t0 + 2).await;
        assert_eq!(len(later.id), Some(300));
        // The short notice has ended: dropped at the next refresh, whichever notice it is of.
        held.refresh_notice(&store, later.id, t0 + 60_000).await;
        assert_eq!(len(short.id), None);
        assert_eq!(len(later.id), Some(300));
        // Ended early from the API: dropped at its own refresh.
        store.end_notice(later.id, t0 + 70_000).await.unwrap();
        held.refresh_notice(&store, later.id, t0 + 70_001).await;
        assert_eq!(len(later.id), None);
        std::fs::remove_dir_all(&dir).ok();
    }
}
