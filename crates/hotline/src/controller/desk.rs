//! The desktop's way to the controller (`hotline_web::CallPort`): the API's requests come to
//! the controller loop through a channel, each with a reply; the call core decides
//! (`hotline_call::control`, its `desk` part).

use hotline_acd::AgentId;
use hotline_web::{CallAction, CallPort, ControlError, PortFuture};
use tokio::sync::{mpsc, oneshot};

/// One request from the desktop.
pub struct DeskRequest {
    agent: i64,
    action: CallAction,
    reply: oneshot::Sender<Result<(), ControlError>>,
}

/// The API's handle on the controller.
#[derive(Debug, Clone)]
pub struct DeskCalls {
    tx: mpsc::UnboundedSender<DeskRequest>,
}

impl DeskCalls {
    /// A handle and the receiver the controller loop reads.
    pub fn channel() -> (DeskCalls, mpsc::UnboundedReceiver<DeskRequest>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (DeskCalls { tx }, rx)
    }
}

impl CallPort for DeskCalls {
    fn act(&self, agent: i64, action: CallAction) -> PortFuture<'_, Result<(), ControlError>> {
        let (reply, rx) = oneshot::channel();
        let sent = self.tx.send(DeskRequest {
            agent,
            action,
            reply,
        });
        Box::pin(async move {
            sent.map_err(|_| ControlError::Unavailable)?;
            rx.await.unwrap_or(Err(ControlError::Unavailable))
        })
    }
}

/// The request's agent, what it asks, and where its answer goes.
pub(super) fn split(
    req: DeskRequest,
) -> (
    AgentId,
    CallAction,
    oneshot::Sender<Result<(), ControlError>>,
) {
    (AgentId(req.agent), req.action, req.reply)
}
