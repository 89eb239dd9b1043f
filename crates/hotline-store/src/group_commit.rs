//! Group commit of new tickets on SQLite. SQLite has one writer, and through sqlx every
//! statement is a hand-off to that connection's worker thread, so a transaction per ticket
//! costs four hand-offs (BEGIN, ticket, event, COMMIT). On an outage day the IVR and the
//! agents open tickets concurrently; one task gathers the creations waiting at that moment
//! and writes them in one transaction: two statements per ticket plus one BEGIN and one
//! COMMIT per batch. Each caller is answered after the COMMIT, so an acknowledged ticket is
//! as durable as before. A request refused by validation writes nothing and leaves the batch
//! alone; any other failure rolls the batch back and its requests are retried one
//! transaction each, so that one bad request never fails another.
//!
//! PostgreSQL runs concurrent transactions in parallel on its pool and does not need this.

use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::lifecycle::Millis;
use crate::tickets::{Actor, NewTicket, Ticket};
use tokio::sync::{mpsc, oneshot};

/// Most tickets written in one transaction.
const MAX_BATCH: usize = 64;
/// Creations waiting for the writer before callers wait to enqueue.
const QUEUE: usize = 1024;

pub(crate) struct Request {
    new: NewTicket,
    actor: Actor,
    now: Millis,
    reply: oneshot::Sender<Result<Ticket>>,
}

/// Where creations are sent; cheap to clone.
pub(crate) type Queue = mpsc::Sender<Request>;

/// Starts the writer task on `store`, which must not itself send to a queue.
pub(crate) fn start(store: Store) -> Queue {
    let (tx, rx) = mpsc::channel(QUEUE);
    tokio::spawn(run(store, rx));
    tx
}

/// Sends one creation to the writer and waits for its answer.
pub(crate) async fn create(
    queue: &Queue,
    new: &NewTicket,
    actor: Actor,
    now: Millis,
) -> Result<Ticket> {
    let (reply, answer) = oneshot::channel();
    let request = Request {
        new: new.clone(),
        actor,
        now,
        reply,
    };
    queue.send(request).await.map_err(|_| closed())?;
    answer.await.map_err(|_| closed())?
}

fn closed() -> StoreError {
    StoreError::Db(sqlx::Error::PoolClosed)
}

async fn run(store: Store, mut rx: mpsc::Receiver<Request>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        write(&store, std::mem::take(&mut batch)).await;
    }
}

async fn write(store: &Store, batch: Vec<Request>) {
    if batch.len() > 1 {
        match in_one_transaction(store, &batch).await {
            Ok(results) => {
                for (request, result) in batch.into_iter().zip(results) {
                    let _ = request.reply.send(result);
                }
                return;
            }
            Err(e) => {
                tracing::warn!(tickets = batch.len(), error = %e, "ticket batch rolled back; writing them one by one");
            }
        }
    }
    for r in batch {
        let result = store.create_ticket_alone(&r.new, r.actor, r.now).await;
        let _ = r.reply.send(result);
    }
}

/// Every request of the batch in one transaction: `Ok` holds each request's own answer,
/// `Err` means the transaction was rolled back.
async fn in_one_transaction(store: &Store, batch: &[Request]) -> Result<Vec<Result<Ticket>>> {
    let mut tx = store.write.begin().await?;
    let mut results = Vec::with_capacity(batch.len());
    for r in batch {
        match store
            .create_ticket_in(&mut tx, &r.new, r.actor, r.now)
            .await
        {
            Ok(t) => results.push(Ok(t)),
            // Refused before anything of it was written.
            Err(e @ StoreError::Invalid { .. }) => results.push(Err(e)),
            Err(e) => return Err(e),
        }
    }
    tx.commit().await?;
    Ok(results)
}
