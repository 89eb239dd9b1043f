//! Texts to a ticket's reporter on its progress (`[sms] ticket_texts = true`): when the ticket
//! is dispatched to a district centre and when it is closed. The events are the outbox's (written
//! with the change, so none is missed, also across restarts); each is texted once, within the
//! day it happened, inside `sms.ticket_window` (one outside waits for the window to open), to
//! a mobile number not on the do-not-call list (else it is stored `skipped` with the reason).
//! [`decide`] is the pure rule; [`spawn`] the loop that reads the store and sends through the
//! SMS gateway.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use hotline_campaign::{Settings, Submission, Template, Window};
use hotline_store::{ProgressEvent, Store};
use hotline_time::Zone;
use tokio::task::JoinHandle;
use tracing::{info, warn};

use crate::campaigns::sms::SmsSender;
use crate::config::SmsConfig;

/// How often the outbox is read for new events.
pub const POLL: Duration = Duration::from_secs(2);
/// Events older than this are not texted any more (a gateway down for a day, say).
pub const WITHIN_MS: i64 = 24 * 3_600_000;

/// The texts and when they may go.
#[derive(Debug, Clone)]
pub struct Policy {
    pub dispatched: Template,
    pub closed: Template,
    pub window: Window,
}

impl Policy {
    /// From the `[sms]` section, in the centre's `zone`: `Err((key, reason))`.
    pub fn new(cfg: &SmsConfig, zone: Zone) -> Result<Policy, (String, String)> {
        let template = |key: &str, text: &str| {
            Template::parse(text).map_err(|e| (format!("sms.{key}"), e.to_string()))
        };
        let window = Settings::parse(&serde_json::json!({
            "window": [cfg.ticket_window.clone()],
            "skip_holidays": false,
        }))
        .and_then(|s| s.window_in(zone, &[]))
        .map_err(|e| ("sms.ticket_window".to_string(), e.reason))?;
        Ok(Policy {
            dispatched: template("ticket_dispatched", &cfg.ticket_dispatched)?,
            closed: template("ticket_closed", &cfg.ticket_closed)?,
            window,
        })
    }
}

/// What to do with an event now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Store it as skipped, with why (never texted).
    Skip {
        number: String,
        why: String,
    },
    /// Not now (outside the window): look again later.
    Later,
    Send {
        number: String,
        text: String,
    },
}

/// The rule for event `e` at `now`, its reporter's number on the do-not-call list or not.
pub fn decide(e: &ProgressEvent, on_dnc: bool, now: i64, p: &Policy) -> Decision {
    let number = hotline_store::rules::normalize_phone(&e.reporter_phone).unwrap_or_default();
    let skip = |why: &str| Decision::Skip {
        number: number.clone(),
        why: why.to_string(),
    };
    if !(number.len() == 11 && number.starts_with('1')) {
        return skip("no mobile number to text");
    }
    if on_dnc {
        return skip("on the do-not-call list");
    }
    if !p.window.is_open(now) {
        return Decision::Later;
    }
    let template = if e.kind == "close" {
        &p.closed
    } else {
        &p.dispatched
    };
    let mut data = BTreeMap::new();
    data.insert("ticket".to_string(), e.ticket_id.to_string());
    data.insert("ticket_id".to_string(), e.ticket_id.to_string());
    data.insert("ticket_kind".to_string(), e.ticket_kind.clone());
    if let Some(d) = &e.district {
        data.insert("district".to_string(), d.clone());
    }
    match template.render(&data) {
        Ok(text) => Decision::Send { number, text },
        Err(name) => skip(&format!("the template's {{{name}}} has no value")),
    }
}

/// Reads the new events once and texts (or skips) each; how many were handled.
pub async fn once(store: &Store, sender: &dyn SmsSender, p: &Policy, now: i64) -> usize {
    let events = match store.ticket_events_to_text(now - WITHIN_MS, 200).await {
        Ok(e) => e,
        Err(e) => {
            warn!(error = %e, "ticket events not read");
            return 0;
        }
    };
    let mut handled = 0;
    for e in events {
        let on_dnc = store
            .on_do_not_call(&e.reporter_phone, "")
            .await
            .unwrap_or(true);
        let (number, text, status, why) = match decide(&e, on_dnc, now, p) {
            Decision::Later => continue,
            Decision::Skip { number, why } => (number, String::new(), "skipped", Some(why)),
            Decision::Send { number, text } => (number, text, "sending", None),
        };
        let stored = store
            .start_ticket_text(&e, &number, &text, status, why.as_deref(), now)
            .await;
        handled += 1;
        let id = match stored {
            Ok(Some(id)) if status == "sending" => id,
            Ok(_) => continue,
            Err(err) => {
                warn!(ticket = e.ticket_id, error = %err, "ticket text not stored: not sent");
                continue;
            }
        };
        let (status, ids, error) = match sender.submit(&number, &text).await {
            Submission::Accepted { message_ids } => ("submitted", message_ids, None),
            Submission::Refused { status } => (
                "rejected",
                Vec::new(),
                Some(format!("refused by the SMSC (status 0x{status:08X})")),
            ),
            // Not sent again: a progress text late is worth less than the noise.
            Submission::Failed { reason } => ("failed", Vec::new(), Some(reason)),
        };
        info!(ticket = e.ticket_id, kind = %e.kind, status, "ticket progress text");
        if let Err(err) = store
            .finish_ticket_text(id, status, &ids, error.as_deref(), now)
            .await
        {
            warn!(ticket = e.ticket_id, error = %err, "ticket text result not stored");
        }
    }
    handled
}

/// Texts reporters for ever (texts being sent when the engine stopped become `unknown`
/// first, never sent again).
pub fn spawn(
    store: Store,
    sender: Arc<dyn SmsSender>,
    policy: Policy,
    clock: Arc<dyn Fn() -> i64 + Send + Sync>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        if let Err(e) = store.close_unfinished_ticket_texts(clock()).await {
            warn!(error = %e, "ticket texts under way not closed");
        }
        let mut every = tokio::time::interval(POLL);
        loop {
            every.tick().await;
            once(&store, sender.as_ref(), &policy, clock()).await;
        }
    })
}

#[cfg(test)]
#[path = "ticket_texts_tests.rs"]
mod tests;
