//! Ticket changes as they are committed, for whoever follows them live (the crews' page):
//! a broadcast channel the store writes to after each commit. A slow follower lags and is
//! told so (it reads the list again); nobody following costs nothing.

use crate::lifecycle::{Millis, Status};
use serde::Serialize;
use tokio::sync::broadcast;

/// One committed change of a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TicketChange {
    pub ticket_id: i64,
    /// The ticket's district after the change.
    pub district_id: Option<i64>,
    pub status: Status,
    /// `created`, the lifecycle action (`dispatch`, `start`, …), `assigned`, `acknowledged`.
    pub what: String,
    pub at: Millis,
}

/// The store's end of the channel.
#[derive(Debug, Clone)]
pub struct Changes {
    tx: broadcast::Sender<TicketChange>,
}

impl Changes {
    pub(crate) fn new() -> Changes {
        Changes {
            tx: broadcast::channel(1024).0,
        }
    }

    pub(crate) fn publish(&self, change: TicketChange) {
        // No follower: nothing to do.
        let _ = self.tx.send(change);
    }

    /// Follows the changes committed from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<TicketChange> {
        self.tx.subscribe()
    }
}
