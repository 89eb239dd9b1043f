//! Dispatch that reaches people when nobody has the page open: every ticket dispatched to a
//! district with a dispatch phone (`districts.dispatch_phone`) is a delivery in the webhook
//! outbox (receiver `phone:<district code>`, written in the dispatch's own transaction, so it
//! survives a crash), and this task calls that phone through the outbound route: "a new work
//! order for your district, ticket number …, urgent, <district>; press 1 to acknowledge". 1 is
//! an event on the ticket; no 1 (busy, no answer, heard but not acknowledged) is tried again
//! after `tickets.dispatch_call_retry_secs`, up to `tickets.dispatch_call_attempts`, then a dead
//! letter (admins' list) and the ticket escalated with the reason (supervisors' banners). Other events of those districts' tickets
//! (replies, closes) need no call and are marked delivered.

use std::time::Duration;

use hotline_call::control::NotifyOutcome;
use hotline_call::SystemPrompt;
use hotline_store::outbox::{Delivery, Receiver};
use hotline_store::{Actor, Millis, Store};
use tracing::{info, warn};

use crate::controller::{Message, Notifier};

/// How often due calls are looked for.
const POLL: Duration = Duration::from_millis(500);

/// One district's dispatch phone as a receiver of the outbox.
#[derive(Debug, Clone)]
pub struct Phone {
    pub receiver: Receiver,
    pub number: String,
    pub district_code: String,
}

/// How the calls are made.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub attempts: u32,
    pub ring: Duration,
    pub retry: Duration,
}

/// The districts that have a dispatch phone, as outbox receivers.
pub async fn phones(store: &Store) -> Result<Vec<Phone>, String> {
    let districts = store.districts().await.map_err(|e| format!("store: {e}"))?;
    Ok(districts
        .into_iter()
        .filter(|d| !d.dispatch_phone.trim().is_empty())
        .map(|d| Phone {
            receiver: Receiver {
                name: format!("phone:{}", d.code),
                district_id: Some(d.id),
            },
            number: d.dispatch_phone.trim().to_string(),
            district_code: d.code,
        })
        .collect())
}

/// Starts one caller per district phone (one call at a time per phone).
pub fn spawn(store: Store, phones: Vec<Phone>, notifier: Notifier, policy: Policy) {
    info!(phones = phones.len(), "dispatch phone calls on");
    for phone in phones {
        tokio::spawn(call_forever(store.clone(), phone, notifier.clone(), policy));
    }
}

async fn call_forever(store: Store, phone: Phone, notifier: Notifier, policy: Policy) {
    loop {
        let due = match store
            .due_deliveries_for(&phone.receiver.name, now_ms(), 20)
            .await
        {
            Ok(d) => d,
            Err(e) => {
                warn!(receiver = %phone.receiver.name, error = %e, "dispatch calls not read");
                Vec::new()
            }
        };
        if due.is_empty() {
            tokio::time::sleep(POLL).await;
            continue;
        }
        for d in due {
            deliver(&store, &phone, &notifier, policy, d).await;
        }
    }
}

/// What a delivery's event says, for the call.
struct Event {
    kind: String,
    ticket_id: i64,
    priority: String,
}

fn event(d: &Delivery) -> Option<Event> {
    let v: serde_json::Value = serde_json::from_str(&d.payload).ok()?;
    Some(Event {
        kind: v.get("type")?.as_str()?.to_string(),
        ticket_id: v.get("ticket")?.get("id")?.as_i64()?,
        priority: v
            .get("ticket")?
            .get("priority")
            .and_then(|p| p.as_str())
            .unwrap_or_default()
            .to_string(),
    })
}

/// The message of a dispatch: new work order, its number, urgent if so, the district.
fn message(e: &Event, district_code: &str, policy: Policy) -> Message {
    let mut said = vec![SystemPrompt::DispatchNew, SystemPrompt::TicketNumber];
    said.extend(SystemPrompt::digits(&e.ticket_id.to_string()));
    if e.priority == "urgent" {
        said.push(SystemPrompt::DispatchUrgent);
    }
    let mut prompts = SystemPrompt::names(&said);
    prompts.push(format!("district_{district_code}"));
    Message {
        prompts,
        ring: policy.ring,
        listen: Duration::from_secs(6),
        rounds: 2,
    }
}

async fn deliver(store: &Store, phone: &Phone, notifier: &Notifier, policy: Policy, d: Delivery) {
    let Some(e) = event(&d) else {
        warn!(event = %d.event_id, "dispatch call: an event that does not read; skipped");
        let _ = store.delivery_done(d.id, now_ms()).await;
        return;
    };
    if e.kind != "ticket.dispatch" {
        // Only a dispatch calls the district.
        let _ = store.delivery_done(d.id, now_ms()).await;
        return;
    }
    let outcome = notifier
        .call(&phone.number, message(&e, &phone.district_code, policy))
        .await;
    let retry_ms = Millis::try_from(policy.retry.as_millis()).unwrap_or(Millis::MAX);
    let result = match outcome {
        Some(NotifyOutcome::Acknowledged) => {
            info!(ticket = e.ticket_id, receiver = %phone.receiver.name, "dispatch acknowledged by phone");
            let note = format!(
                "片区调度电话已确认（第{}次呼叫）/ acknowledged by the district's dispatch phone",
                d.attempts + 1
            );
            match store
                .comment(e.ticket_id, &note, Actor::System, now_ms())
                .await
            {
                Ok(()) => store.delivery_done(d.id, now_ms()).await,
                Err(e) => Err(e),
            }
        }
        Some(other) => {
            let why = match other {
                NotifyOutcome::NotAcknowledged => "heard, not acknowledged".to_string(),
                NotifyOutcome::NotReached(class) => format!("not reached ({class:?})"),
                NotifyOutcome::Acknowledged => String::new(),
            };
            let dead = store
                .delivery_failed_retry_in(
                    d.id,
                    &why,
                    now_ms(),
                    i64::from(policy.attempts),
                    move |_| retry_ms,
                )
                .await;
            match dead {
                Ok(true) => {
                    warn!(ticket = e.ticket_id, receiver = %phone.receiver.name, %why, "dispatch not acknowledged by phone: given up, escalated");
                    let note = format!(
                        "片区调度电话未确认（{}次呼叫）/ not acknowledged by the district's dispatch phone after {} calls: {why}",
                        d.attempts + 1,
                        d.attempts + 1
                    );
                    // The supervisors see it (banner on the wall and their desks).
                    store
                        .escalate_for(e.ticket_id, "dispatch_unacknowledged", &note, now_ms())
                        .await
                }
                Ok(false) => {
                    info!(ticket = e.ticket_id, receiver = %phone.receiver.name, %why, "dispatch call: trying again later");
                    Ok(())
                }
                Err(e) => Err(e),
            }
        }
        None => {
            warn!("dispatch call: the controller is gone");
            return;
        }
    };
    if let Err(err) = result {
        warn!(ticket = e.ticket_id, error = %err, "dispatch call outcome not recorded");
    }
}

fn now_ms() -> Millis {
    crate::storage::now_ms()
}
