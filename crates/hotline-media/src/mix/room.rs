//! The mix room: the thin async shell that runs the pure [`Mixer`](super::Mixer) between live
//! call legs, for conferences (everyone hears everyone else) and supervision (a supervisor
//! listening with [`Audience::Nobody`], whispering to the agent with [`Audience::Only`],
//! barging in with [`Audience::Everyone`]).
//!
//! A room is one tokio task ([`spawn`]), driven through a [`RoomHandle`]. Legs join it the way
//! two legs are bridged, by frame inboxes: [`RoomHandle::add`] takes the leg's own inbox
//! ([`LegHandle::frame_inbox`](crate::leg::LegHandle::frame_inbox)), where the room puts what
//! the party hears, and returns the room's inbox for that party, which the caller gives the leg
//! with [`LegCommand::Bridge`](crate::leg::LegCommand::Bridge) so that what the leg receives
//! flows in. Leaving is the reverse: [`RoomHandle::remove`], then
//! [`LegCommand::Unbridge`](crate::leg::LegCommand::Unbridge).
//!
//! Every 20 ms ([`TICK`]) the room reads what each leg has sent since the last tick into that
//! party's queue ([`INPUT_QUEUE`] frames deep, the oldest dropped and counted), takes at most
//! one frame per party, mixes, and sends each party what it hears with `try_send` (a full leg
//! inbox is a counted drop, never a wait; nothing heard, nothing sent: the leg then plays its
//! prompt, music or silence). Digits a party keys are passed on, at the next tick, to the
//! parties that hear it, so DTMF works across a conference as across a two-party bridge. A tick that runs
//! late is caught up (the legs play 50 frames a second whatever the room does), up to
//! [`INPUT_QUEUE`] ticks; later than that the missed ticks are skipped and counted. An empty room
//! does not tick.
//!
//! Per tick the only allocation is the `Box` a mixed frame travels in, and none for a party
//! that sent a frame this tick: its input's box carries its output. A leg that has stopped (its inbox closed) is silent
//! until the caller removes it. Dropping every handle, or [`RoomHandle::close`], ends the task.

use std::time::Duration;

use thiserror::Error;
use tokio::sync::{mpsc, oneshot};

use super::{Audience, MixError, PartyId};
use crate::leg::BridgeFrame;
use task::Room;

mod task;

/// One mix per 20 ms frame.
pub const TICK: Duration = Duration::from_millis(20);

/// Frames a party may have waiting for the mix (60 ms, like a leg's bridge queue) before the
/// oldest is dropped.
pub const INPUT_QUEUE: usize = 3;

/// Capacity of the channel a leg sends its frames and digits into; the room empties it every
/// tick (a leg sends one frame per 20 ms), and reads at most this many messages per party and
/// tick, so that a flooding sender cannot hold the room.
const CHANNEL_CAPACITY: usize = 16;

/// A change the room refused (the room is unchanged), or the room has stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum RoomError {
    /// The mixer refused the change: a duplicate party, an unknown one, an unknown whisper
    /// target, a full room.
    #[error(transparent)]
    Mix(#[from] MixError),
    /// The room's task has ended ([`RoomHandle::close`], or every handle was dropped).
    #[error("the mix room has stopped")]
    Stopped,
}

/// One party's figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartyReport {
    pub party: PartyId,
    /// Who hears it now.
    pub audience: Audience,
    /// Frames of its leg taken into the mix.
    pub frames_in: u64,
    /// Frames of its leg dropped (the oldest) because [`INPUT_QUEUE`] were already waiting.
    pub frames_in_dropped: u64,
    /// Mixed frames put in its leg's inbox.
    pub frames_out: u64,
    /// Mixed frames its leg's inbox had no room for.
    pub frames_out_dropped: u64,
    /// Digits it keyed (each passed on to the parties who hear it).
    pub digits: u64,
    /// Its leg's inbox has closed (the leg has stopped): it is silent until removed.
    pub leg_stopped: bool,
}

/// The room's figures (for metrics): its parties now, and totals over its life.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RoomReport {
    /// Mixes run.
    pub ticks: u64,
    /// Ticks missed because the room ran more than [`INPUT_QUEUE`] ticks late.
    pub ticks_skipped: u64,
    /// Input frames dropped, parties already removed included.
    pub frames_in_dropped: u64,
    /// Output frames dropped, parties already removed included.
    pub frames_out_dropped: u64,
    /// The parties in the room, in the order they joined.
    pub parties: Vec<PartyReport>,
}

type Reply<T> = oneshot::Sender<T>;

enum Command {
    Add {
        party: PartyId,
        leg_inbox: mpsc::Sender<BridgeFrame>,
        audience: Audience,
        reply: Reply<Result<mpsc::Sender<BridgeFrame>, MixError>>,
    },
    Remove {
        party: PartyId,
        reply: Reply<Result<PartyReport, MixError>>,
    },
    SetAudience {
        party: PartyId,
        audience: Audience,
        reply: Reply<Result<(), MixError>>,
    },
    /// [`RoomHandle::join`]: an add whose channel the handle made, answered by nobody.
    Join {
        party: PartyId,
        leg_inbox: mpsc::Sender<BridgeFrame>,
        from_leg: mpsc::Receiver<BridgeFrame>,
        audience: Audience,
    },
    /// [`RoomHandle::leave`].
    Leave {
        party: PartyId,
    },
    /// [`RoomHandle::change`].
    Change {
        party: PartyId,
        audience: Audience,
    },
    Report {
        reply: Reply<RoomReport>,
    },
    Close {
        reply: Reply<RoomReport>,
    },
}

/// Sends commands to a running mix room. Cloneable; dropping every handle ends the room.
#[derive(Debug, Clone)]
pub struct RoomHandle {
    commands: mpsc::UnboundedSender<Command>,
}

/// Starts an empty mix room.
pub fn spawn() -> RoomHandle {
    let (commands, rx) = mpsc::unbounded_channel();
    tokio::spawn(Room::default().run(rx));
    RoomHandle { commands }
}

impl RoomHandle {
    /// Adds `party`, whose leg plays what arrives in `leg_inbox`, heard by `audience`, from the
    /// next tick on. Returns the inbox for what the party says: give it to the leg with
    /// [`LegCommand::Bridge`](crate::leg::LegCommand::Bridge). Refused (and nothing changed)
    /// for an id already in the room, or an [`Audience::Only`] target that is not.
    pub async fn add(
        &self,
        party: PartyId,
        leg_inbox: mpsc::Sender<BridgeFrame>,
        audience: Audience,
    ) -> Result<mpsc::Sender<BridgeFrame>, RoomError> {
        let add = |reply| Command::Add {
            party,
            leg_inbox,
            audience,
            reply,
        };
        Ok(self.ask(add).await??)
    }

    /// Takes `party` out of the room and returns its figures. Whoever whispered to it now has
    /// [`Audience::Nobody`]. Its leg keeps the inbox it was given: send it
    /// [`LegCommand::Unbridge`](crate::leg::LegCommand::Unbridge).
    pub async fn remove(&self, party: PartyId) -> Result<PartyReport, RoomError> {
        Ok(self.ask(|reply| Command::Remove { party, reply }).await??)
    }

    /// Changes who hears `party` (listen → whisper → barge), from the next tick on.
    pub async fn set_audience(&self, party: PartyId, audience: Audience) -> Result<(), RoomError> {
        let set = |reply| Command::SetAudience {
            party,
            audience,
            reply,
        };
        Ok(self.ask(set).await??)
    }

    /// [`RoomHandle::add`] without waiting, for a caller that may not (the call controller's
    /// shell carries out its orders in one synchronous pass). The commands of one handle are
    /// applied in the order they are sent, so a `join` followed by a `change` or `leave` of
    /// the same party acts on it. A refusal (a duplicate id, an unknown whisper target) is
    /// logged and the party stays out; its frames are then dropped.
    pub fn join(
        &self,
        party: PartyId,
        leg_inbox: mpsc::Sender<BridgeFrame>,
        audience: Audience,
    ) -> mpsc::Sender<BridgeFrame> {
        let (to_room, from_leg) = mpsc::channel(CHANNEL_CAPACITY);
        let _ = self.commands.send(Command::Join {
            party,
            leg_inbox,
            from_leg,
            audience,
        });
        to_room
    }

    /// [`RoomHandle::remove`] without waiting (an unknown party is logged). Send the leg
    /// [`LegCommand::Unbridge`](crate::leg::LegCommand::Unbridge) (or a new bridge) after.
    pub fn leave(&self, party: PartyId) {
        let _ = self.commands.send(Command::Leave { party });
    }

    /// [`RoomHandle::set_audience`] without waiting (a refusal is logged).
    pub fn change(&self, party: PartyId, audience: Audience) {
        let _ = self.commands.send(Command::Change { party, audience });
    }

    /// The room's figures now.
    pub async fn report(&self) -> Result<RoomReport, RoomError> {
        self.ask(|reply| Command::Report { reply }).await
    }

    /// Ends the room and returns its last figures. The legs' inboxes are released (the legs
    /// play their own sound again); the caller unbridges the legs.
    pub async fn close(&self) -> Result<RoomReport, RoomError> {
        self.ask(|reply| Command::Close { reply }).await
    }

    async fn ask<T>(&self, command: impl FnOnce(Reply<T>) -> Command) -> Result<T, RoomError> {
        let (reply, answer) = oneshot::channel();
        self.commands
            .send(command(reply))
            .map_err(|_| RoomError::Stopped)?;
        answer.await.map_err(|_| RoomError::Stopped)
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod live_tests;
