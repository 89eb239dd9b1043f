//! Notification calls asked for by the engine's other tasks (the district dispatch phone's
//! call): a request goes to the controller loop with where its one outcome goes; the call core
//! places the call (`hotline_call::control`, its `notify` part).

use std::time::Duration;

use hotline_call::control::{Notify, NotifyOutcome};
use tokio::sync::{mpsc, oneshot};

/// One notification call to place.
pub struct NotifyRequest {
    pub number: String,
    pub prompts: Vec<String>,
    pub ring: Duration,
    pub listen: Duration,
    pub rounds: u8,
    reply: oneshot::Sender<NotifyOutcome>,
}

impl NotifyRequest {
    /// The core's input (numbered `id`) and where its outcome goes.
    pub(super) fn split(self, id: u64) -> (Notify, oneshot::Sender<NotifyOutcome>) {
        let n = Notify {
            id,
            number: self.number,
            prompts: self.prompts,
            ring: self.ring,
            listen: self.listen,
            rounds: self.rounds,
        };
        (n, self.reply)
    }
}

/// The other tasks' handle for placing notification calls.
#[derive(Debug, Clone)]
pub struct Notifier {
    tx: mpsc::UnboundedSender<NotifyRequest>,
}

/// What a notification call is to say and how long to try.
pub struct Message {
    pub prompts: Vec<String>,
    pub ring: Duration,
    pub listen: Duration,
    pub rounds: u8,
}

impl Notifier {
    /// A handle and the receiver the controller loop reads.
    pub fn channel() -> (Notifier, mpsc::UnboundedReceiver<NotifyRequest>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (Notifier { tx }, rx)
    }

    /// Calls `number` with `message`; the outcome, or None when the controller is gone.
    pub async fn call(&self, number: &str, message: Message) -> Option<NotifyOutcome> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(NotifyRequest {
                number: number.to_string(),
                prompts: message.prompts,
                ring: message.ring,
                listen: message.listen,
                rounds: message.rounds,
                reply,
            })
            .ok()?;
        rx.await.ok()
    }
}
