//! The store's work the call core asks for (IVR lookups, IVR tickets, a leaving caller's queue
//! ticket), run as tasks whose answers come back to the controller loop as the core's inputs.

use std::sync::Arc;

use hotline_call::control::Input;
use hotline_core::CallId;
use hotline_ivr::interp::{Event, LookupRequest, LookupResult, TicketRequest};
use tokio::sync::mpsc;
use tracing::{debug, info, warn};

use super::ivr::{lookup_kind, TASK_TIMEOUT};
use super::{ivr_data, ControllerConfig, Internal};
use crate::storage::now_ms;

/// Runs an IVR session's lookup; a ticket it opens (a queried reading) is linked to the call.
pub(super) fn lookup(
    cfg: &ControllerConfig,
    tx: &mpsc::UnboundedSender<Internal>,
    call: CallId,
    id: u64,
    request: LookupRequest,
) {
    let Some(rt) = &cfg.ivr else { return };
    let what = lookup_kind(&request);
    debug!(%call, what, "ivr lookup");
    let (tx, source, metrics) = (tx.clone(), Arc::clone(&rt.source), rt.metrics.clone());
    let link = rt.store().zip(cfg.log().map(|l| l.call_ref(call)));
    let recordings = rt.store().map(|s| (s, rt.recorded.clone()));
    tokio::spawn(async move {
        let asked = std::time::Instant::now();
        let now = now_ms();
        let (result, opened) =
            ivr_data::lookup_opening(source.as_ref(), request, TASK_TIMEOUT, now).await;
        // Notices with recordings: held in memory (and current) before the flow plays them.
        if let (LookupResult::Found(v), Some((store, recorded))) = (&result, &recordings) {
            for id in ivr_data::recorded_notices(v) {
                recorded.refresh_notice(store, id, now).await;
            }
        }
        if let (Some(ticket), Some((store, call_ref))) = (opened, link) {
            info!(%call, ticket, "ticket opened by the IVR's lookup");
            ivr_data::link_when_recorded(store, call_ref, ticket, now);
        }
        let found = matches!(result, LookupResult::Found(_));
        debug!(%call, ms = asked.elapsed().as_millis() as u64, found, "ivr lookup answered");
        if let Some(m) = metrics {
            let outcome = match &result {
                LookupResult::Found(_) => hotline_metrics::LookupOutcome::Found,
                LookupResult::NotFound => hotline_metrics::LookupOutcome::NotFound,
                LookupResult::Failed(_) => hotline_metrics::LookupOutcome::Error,
            };
            m.ivr_lookup(what, outcome, asked.elapsed().as_secs_f64());
        }
        let event = Event::Lookup { id, result };
        let _ = tx.send(Internal::Core(Input::Ivr { call, event }));
    });
}

/// Opens an IVR session's ticket, linked to the call's record.
pub(super) fn open_ticket(
    cfg: &ControllerConfig,
    tx: &mpsc::UnboundedSender<Internal>,
    call: CallId,
    id: u64,
    request: TicketRequest,
) {
    let tx = tx.clone();
    let call_ref = cfg.log().map(|l| l.call_ref(call));
    let Some(store) = cfg.ivr.as_ref().and_then(super::ivr::IvrRuntime::store) else {
        let event = Event::Ticket {
            id,
            result: Err("no store".into()),
        };
        let _ = tx.send(Internal::Core(Input::Ivr { call, event }));
        return;
    };
    tokio::spawn(async move {
        let (r, now) = (call_ref.as_deref(), now_ms());
        let result = ivr_data::open_ticket(&store, request, r, TASK_TIMEOUT, now).await;
        if let Ok(t) = &result {
            info!(%call, ticket = t.id, "ticket opened by the IVR");
        }
        let event = Event::Ticket { id, result };
        let _ = tx.send(Internal::Core(Input::Ivr { call, event }));
    });
}

/// Opens the ticket of a caller who leaves its queue without an agent ("call me back").
pub(super) fn queue_ticket(
    cfg: &ControllerConfig,
    tx: &mpsc::UnboundedSender<Internal>,
    call: CallId,
    request: TicketRequest,
) {
    let tx = tx.clone();
    let store = cfg.ivr.as_ref().and_then(super::ivr::IvrRuntime::store);
    let call_ref = cfg.log().map(|l| l.call_ref(call));
    tokio::spawn(async move {
        let now = now_ms();
        let number = match store {
            Some(store) => match super::ivr_ticket(&store, request, call_ref.as_deref(), now).await
            {
                Ok(t) => {
                    info!(%call, ticket = t.id, "queue ticket opened");
                    Some(t.number)
                }
                Err(e) => {
                    warn!(%call, error = %e, "queue ticket not opened");
                    None
                }
            },
            None => {
                warn!(%call, "queue ticket not opened: no store");
                None
            }
        };
        let _ = tx.send(Internal::Core(Input::QueueTicket { call, number }));
    });
}
