//! The desktop's way to the controller (`hotline_web::CallPort`): the API's requests come to
//! the controller loop through a channel, each with a reply; the call core decides
//! (`hotline_call::control`, its `desk` part).

use hotline_acd::AgentId;
use hotline_call::control::{DeskAction, DeskRefusal};
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

/// The request in the core's terms, and where its answer goes.
pub(super) fn split(
    req: DeskRequest,
) -> (
    AgentId,
    DeskAction,
    oneshot::Sender<Result<(), ControlError>>,
) {
    let action = match req.action {
        CallAction::Hangup => DeskAction::Hangup,
        CallAction::Hold(on) => DeskAction::Hold(on),
        CallAction::ToQueue(q) => DeskAction::ToQueue(q),
        CallAction::ToFlow(f) => DeskAction::ToFlow(f),
        CallAction::Dial(n) => DeskAction::Dial(n),
    };
    (AgentId(req.agent), action, req.reply)
}

/// The core's refusal in the API's terms.
pub(super) fn refusal(r: DeskRefusal) -> ControlError {
    match r {
        DeskRefusal::NoCall => ControlError::NoCall,
        DeskRefusal::Busy => ControlError::Busy,
        DeskRefusal::NoRoute => ControlError::NoRoute,
        DeskRefusal::PhoneOffline => ControlError::PhoneOffline,
        DeskRefusal::Unavailable => ControlError::Unavailable,
        DeskRefusal::Invalid(field, why) => ControlError::Invalid(field, why),
    }
}
