//! The engine's SMS gateway: the thin shell between the campaigns and `hotline-sms`'s SMPP
//! client (bound as a transceiver to the SMSC of the `[sms]` configuration). It submits the
//! campaigns' texts at the configured rate and answers each with how the SMSC took it; it
//! stores every delivery receipt on its message, and every text customers send (a STOP /
//! 退订 / TD puts the number on the do-not-call list, source `sms`).
//!
//! A text is handed to the client only while the bind is up (waiting [`BIND_GRACE`] for it):
//! otherwise it fails at once as "not bound", so that the campaign's retry rules, not the
//! client's queue, decide when it goes (and a campaign whose gateway stays down pauses).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hotline_campaign::{is_opt_out, Submission};
use hotline_sms::{Client, ClientConfig, Event, MessageState, SessionConfig};
use hotline_store::Store;
use tokio::sync::{oneshot, watch};
use tracing::{info, warn};

use crate::campaigns::sms::SmsSender;
use crate::config::SmsConfig;

/// How long a text waits for the bind before it fails as "not bound".
pub const BIND_GRACE: Duration = Duration::from_secs(5);

/// The gateway's timing: the defaults in service, shorter in tests.
#[derive(Debug, Clone, Copy)]
pub struct Tuning {
    /// How long a text waits for the bind.
    pub bind_grace: Duration,
    /// The pause after the SMSC throttles, and the retries of a part before it fails.
    pub throttle_backoff_ms: u64,
    pub max_retries: u32,
    pub reconnect_min_ms: u64,
}

impl Default for Tuning {
    fn default() -> Tuning {
        Tuning {
            bind_grace: BIND_GRACE,
            throttle_backoff_ms: 1_000,
            max_retries: 5,
            reconnect_min_ms: 500,
        }
    }
}

type Waiting = Arc<Mutex<HashMap<u64, oneshot::Sender<Submission>>>>;

/// The link to the SMSC as the submissions see it: bound, or why not.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Link {
    Bound,
    Down(String),
}

/// The running gateway.
pub struct Gateway {
    client: Client,
    waiting: Waiting,
    link: watch::Receiver<Link>,
    /// The earliest moment of the next submission (the rate limit).
    next_slot: tokio::sync::Mutex<tokio::time::Instant>,
    spacing: Duration,
    bind_grace: Duration,
}

/// A receipt's state as the store names it (`None`: not final yet).
fn receipt_state(s: MessageState) -> Option<&'static str> {
    match s {
        MessageState::Delivered => Some("delivered"),
        MessageState::Expired => Some("expired"),
        MessageState::Deleted => Some("deleted"),
        MessageState::Undeliverable => Some("undeliverable"),
        MessageState::Rejected => Some("rejected"),
        MessageState::Enroute | MessageState::Accepted | MessageState::Unknown => None,
    }
}

impl Gateway {
    /// Connects to the SMSC of `cfg` and starts handling what it sends.
    pub fn start(
        cfg: &SmsConfig,
        store: Store,
        clock: Arc<dyn Fn() -> i64 + Send + Sync>,
    ) -> Arc<Gateway> {
        Gateway::start_tuned(cfg, store, clock, Tuning::default())
    }

    /// [`Gateway::start`] with its timing given.
    pub fn start_tuned(
        cfg: &SmsConfig,
        store: Store,
        clock: Arc<dyn Fn() -> i64 + Send + Sync>,
        tuning: Tuning,
    ) -> Arc<Gateway> {
        let mut session = SessionConfig::new(&cfg.system_id, &cfg.password, &cfg.source);
        session.throttle_backoff_ms = tuning.throttle_backoff_ms;
        session.max_retries = tuning.max_retries;
        let config = ClientConfig {
            addr: format!("{}:{}", cfg.host, cfg.port),
            session,
            reconnect_min_ms: tuning.reconnect_min_ms,
            reconnect_max_ms: 30_000,
        };
        let (client, events) = Client::start(config);
        let waiting: Waiting = Arc::default();
        let (link_tx, link) = watch::channel(Link::Down("not bound yet".into()));
        tokio::spawn(handle_events(
            events,
            waiting.clone(),
            link_tx,
            store,
            clock,
        ));
        Arc::new(Gateway {
            client,
            waiting,
            link,
            next_slot: tokio::sync::Mutex::new(tokio::time::Instant::now()),
            spacing: Duration::from_micros(1_000_000 / u64::from(cfg.submits_per_sec.max(1))),
            bind_grace: tuning.bind_grace,
        })
    }

    /// Waits for this submission's turn under the rate limit.
    async fn pace(&self) {
        let at = {
            let mut next = self.next_slot.lock().await;
            let now = tokio::time::Instant::now();
            let at = (*next).max(now);
            *next = at + self.spacing;
            at
        };
        tokio::time::sleep_until(at).await;
    }
}

#[async_trait::async_trait]
impl SmsSender for Gateway {
    async fn submit(&self, to: &str, text: &str) -> Submission {
        let mut link = self.link.clone();
        let bound = tokio::time::timeout(self.bind_grace, async {
            link.wait_for(|l| *l == Link::Bound).await.is_ok()
        })
        .await
        .unwrap_or(false);
        if !bound {
            let why = match self.link.borrow().clone() {
                Link::Down(why) => why,
                Link::Bound => "the bind came and went".into(),
            };
            return Submission::Failed {
                reason: format!("the SMS gateway is not bound: {why}"),
            };
        }
        self.pace().await;
        let (tx, rx) = oneshot::channel();
        // The client's ids are handed out in order: hold the table while sending so the
        // answer never comes before its waiter is in it.
        let sent = {
            let mut waiting = self.waiting.lock().unwrap_or_else(|e| e.into_inner());
            match self.client.send(to, text) {
                Ok(local_id) => {
                    waiting.insert(local_id, tx);
                    true
                }
                Err(_) => false,
            }
        };
        if !sent {
            return Submission::Failed {
                reason: "the SMS client has stopped".into(),
            };
        }
        // The client answers every text it took (accepted, refused, or failed when it stops).
        rx.await.unwrap_or(Submission::Failed {
            reason: "the SMS client has stopped".into(),
        })
    }
}

async fn handle_events(
    mut events: tokio::sync::mpsc::UnboundedReceiver<Event>,
    waiting: Waiting,
    link: watch::Sender<Link>,
    store: Store,
    clock: Arc<dyn Fn() -> i64 + Send + Sync>,
) {
    let answer = |local_id: u64, s: Submission| {
        let tx = waiting
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&local_id);
        if let Some(tx) = tx {
            let _ = tx.send(s);
        }
    };
    while let Some(e) = events.recv().await {
        match e {
            Event::Bound { system_id } => {
                info!(smsc = %system_id, "SMS gateway bound");
                let _ = link.send(Link::Bound);
            }
            Event::BindRejected { status } => {
                warn!(
                    status,
                    "the SMSC refused the bind: check sms.system_id and sms.password"
                );
                let _ = link.send(Link::Down(format!(
                    "the SMSC refused the bind (status 0x{status:08X}): check sms.system_id and sms.password"
                )));
            }
            Event::Lost { reason } => {
                warn!(?reason, "SMS gateway link lost; reconnecting");
                let _ = link.send(Link::Down(format!("{reason:?}")));
            }
            Event::Unbound => {
                let _ = link.send(Link::Down("unbound".into()));
            }
            Event::Submitted {
                local_id,
                message_ids,
            } => answer(local_id, Submission::Accepted { message_ids }),
            Event::SubmitFailed {
                local_id,
                status,
                retryable,
            } => {
                let s = if retryable {
                    Submission::Failed {
                        reason: format!("not accepted (status 0x{status:08X})"),
                    }
                } else {
                    Submission::Refused { status }
                };
                answer(local_id, s);
            }
            Event::Receipt { receipt, .. } => {
                if let Some(state) = receipt_state(receipt.state) {
                    // The runner may not have stored the SMSC's id yet: a receipt can come
                    // that fast. Looked for again a few times.
                    let (store, clock) = (store.clone(), clock.clone());
                    tokio::spawn(async move {
                        receipt_stored(&store, &receipt.message_id, state, clock()).await
                    });
                }
            }
            Event::Inbound { from, text, .. } => {
                let opt_out = is_opt_out(&text);
                match store
                    .record_inbound_sms(&from, &text, opt_out, clock())
                    .await
                {
                    Ok(_) if opt_out => {
                        info!("an SMS opt-out: the number is on the do-not-call list")
                    }
                    Ok(_) => info!("an SMS from a customer stored"),
                    Err(e) => warn!(error = %e, "an SMS from a customer not stored"),
                }
            }
        }
    }
}

/// Stores a receipt on its message, looking for the message for up to [`BIND_GRACE`].
async fn receipt_stored(store: &Store, smsc_id: &str, state: &str, at: i64) {
    for _ in 0..25 {
        match store.apply_receipt(smsc_id, state, at).await {
            Ok(Some(r)) => {
                info!(campaign = r.campaign_id, message = r.message_id, status = %r.status, "SMS receipt");
                return;
            }
            Ok(None) => tokio::time::sleep(BIND_GRACE / 25).await,
            Err(e) => {
                warn!(error = %e, "SMS receipt not stored");
                return;
            }
        }
    }
    info!(id = %smsc_id, "a receipt for no message of ours");
}

#[cfg(test)]
#[path = "sms_gateway_tests.rs"]
mod tests;
