//! The webhook deliverer: the shell around the store's outbox (`hotline_store::outbox`). One
//! task fans new events out to the configured receivers; one task per receiver posts its due
//! deliveries in order, one at a time, each attempt bounded by the receiver's timeout, and
//! records the outcome (a 2xx delivers; anything else, a timeout or a dropped connection is
//! tried again after the store's backoff, until the receiver's last attempt makes it a dead
//! letter). A receiver that hangs or fails holds up only its own line, never the engine's
//! calls or the other receivers. The body is the event's JSON as stored; the signature is
//! `X-Hotline-Signature: sha256=<hex HMAC-SHA256(secret, body)>`, the event id (the
//! receiver's dedupe key: after a crash an event it already took may come again)
//! `X-Hotline-Event`.

use crate::config::WebhookConfig;
use hotline_store::outbox::Receiver;
use hotline_store::{Millis, Store};
use sha2::{Digest, Sha256};
use std::time::Duration;
use tracing::{info, warn};

/// How often new events and due retries are looked for.
const POLL: Duration = Duration::from_millis(200);
/// Deliveries fetched per receiver per round.
const BATCH: i64 = 50;

/// HMAC-SHA256 (RFC 2104) of `msg` under `key`.
pub fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let digest;
    let key = if key.len() > BLOCK {
        digest = Sha256::digest(key);
        digest.as_slice()
    } else {
        key
    };
    // The key, zero-padded to the block.
    let mut k = [0u8; BLOCK];
    for (slot, b) in k.iter_mut().zip(key) {
        *slot = *b;
    }
    let mut inner = Sha256::new();
    inner.update(k.map(|b| b ^ 0x36));
    inner.update(msg);
    let mut outer = Sha256::new();
    outer.update(k.map(|b| b ^ 0x5c));
    outer.update(inner.finalize());
    outer.finalize().into()
}

/// The `X-Hotline-Signature` value of `body`.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mac = hmac_sha256(secret.as_bytes(), body);
    let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

/// A receiver ready to post to.
#[derive(Clone)]
struct Hook {
    name: String,
    url: String,
    secret: String,
    max_attempts: i64,
    timeout: Duration,
}

fn now_ms() -> Millis {
    crate::storage::now_ms()
}

/// Resolves the receivers' districts and starts the deliverer (the fan-out to the webhooks and
/// to `others`, receivers whose deliveries other tasks make: the dispatch phones); `Ok(None)`
/// with no receivers.
pub async fn spawn(
    store: Store,
    hooks: &[WebhookConfig],
    others: Vec<Receiver>,
) -> Result<Option<tokio::task::JoinHandle<()>>, String> {
    if hooks.is_empty() && others.is_empty() {
        return Ok(None);
    }
    let mut receivers = others;
    let mut lines = Vec::new();
    for h in hooks {
        let district_id = if h.district.is_empty() {
            None
        } else {
            let d = store
                .district_by_code(&h.district)
                .await
                .map_err(|e| format!("store: {e}"))?
                .ok_or_else(|| {
                    format!(
                        "tickets.webhooks: {:?} names the district {:?}, which does not exist",
                        h.name, h.district
                    )
                })?;
            Some(d.id)
        };
        receivers.push(Receiver {
            name: h.name.clone(),
            district_id,
        });
        lines.push(Hook {
            name: h.name.clone(),
            url: h.url.clone(),
            secret: h.secret.clone(),
            max_attempts: i64::from(h.max_attempts),
            timeout: Duration::from_secs(h.timeout_secs),
        });
    }
    info!(
        webhooks = lines.len(),
        receivers = receivers.len(),
        "webhook deliverer started"
    );
    Ok(Some(tokio::spawn(run(store, receivers, lines))))
}

async fn run(store: Store, receivers: Vec<Receiver>, hooks: Vec<Hook>) {
    let mut tasks = tokio::task::JoinSet::new();
    for hook in hooks {
        tasks.spawn(deliver_forever(store.clone(), hook));
    }
    loop {
        if let Err(e) = store.fan_out(&receivers, now_ms()).await {
            warn!(error = %e, "webhook fan-out failed; trying again");
        }
        tokio::time::sleep(POLL).await;
    }
}

async fn deliver_forever(store: Store, hook: Hook) {
    let client = match reqwest::Client::builder()
        .no_proxy()
        .timeout(hook.timeout)
        .connect_timeout(hook.timeout)
        .pool_max_idle_per_host(1)
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            warn!(receiver = %hook.name, error = %e, "webhook client not built; receiver off");
            return;
        }
    };
    loop {
        let due = match store.due_deliveries_for(&hook.name, now_ms(), BATCH).await {
            Ok(d) => d,
            Err(e) => {
                warn!(receiver = %hook.name, error = %e, "webhook deliveries not read");
                Vec::new()
            }
        };
        if due.is_empty() {
            tokio::time::sleep(POLL).await;
            continue;
        }
        for d in due {
            let outcome = post(&client, &hook, &d.event_id, d.payload.into_bytes()).await;
            let recorded = match &outcome {
                Ok(()) => store.delivery_done(d.id, now_ms()).await.map(|_| false),
                Err(why) => {
                    store
                        .delivery_failed(d.id, why, now_ms(), hook.max_attempts)
                        .await
                }
            };
            match (outcome, recorded) {
                (_, Err(e)) => {
                    warn!(receiver = %hook.name, error = %e, "webhook outcome not recorded")
                }
                (Err(why), Ok(true)) => {
                    warn!(receiver = %hook.name, event = %d.event_id, %why, "webhook gave up: dead letter")
                }
                (Err(why), Ok(false)) => {
                    info!(receiver = %hook.name, event = %d.event_id, %why, "webhook failed; retrying later")
                }
                (Ok(()), Ok(_)) => {}
            }
        }
    }
}

/// One attempt: `Ok` on a 2xx, else what went wrong.
async fn post(
    client: &reqwest::Client,
    hook: &Hook,
    event_id: &str,
    body: Vec<u8>,
) -> Result<(), String> {
    let sig = signature(&hook.secret, &body);
    let res = client
        .post(&hook.url)
        .header("Content-Type", "application/json")
        .header("X-Hotline-Event", event_id)
        .header("X-Hotline-Signature", sig)
        .body(body)
        .send()
        .await
        .map_err(|e| {
            if e.is_timeout() {
                "timed out".to_string()
            } else if e.is_connect() {
                "could not connect".to_string()
            } else {
                format!("request failed: {e}")
            }
        })?;
    let status = res.status();
    // Read (and drop) the answer so the connection can be reused.
    let _ = res.bytes().await;
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("HTTP {}", status.as_u16()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    #[test]
    fn hmac_sha256_gives_the_rfc_4231_answers() {
        // Test case 1.
        assert_eq!(
            hex(&hmac_sha256(&[0x0b; 20], b"Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        );
        // Test case 2.
        assert_eq!(
            hex(&hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // Test case 6: a key longer than the block.
        assert_eq!(
            hex(&hmac_sha256(
                &[0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            )),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn the_signature_names_its_algorithm() {
        let s = signature("a secret of sixteen", b"{}");
        assert!(s.starts_with("sha256=") && s.len() == 7 + 64, "{s}");
        assert_ne!(s, signature("another secret....", b"{}"));
    }
}
