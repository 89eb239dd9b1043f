//! The mix room's task: one `select!` over the command queue and the 20 ms tick. Each tick
//! reads what the legs sent, takes a frame per party, runs the pure [`Mixer`] and hands each
//! leg what it hears; every decision about who hears whom is the mixer's.

use std::collections::VecDeque;

use tokio::sync::mpsc;
use tokio::sync::mpsc::error::TrySendError;
use tokio::time::Instant;
use tracing::debug;

use super::{Command, PartyReport, RoomReport, CHANNEL_CAPACITY, INPUT_QUEUE, TICK};
use crate::leg::BridgeFrame;
use crate::mix::{Audience, MixError, Mixer, PartyId, PcmFrame, SILENCE};

/// A party's leg, as the room sees it.
pub(super) struct Member {
    id: PartyId,
    /// Where what the party hears goes (its leg's frame inbox).
    leg_inbox: mpsc::Sender<BridgeFrame>,
    /// What its leg receives: audio and digits.
    from_leg: mpsc::Receiver<BridgeFrame>,
    /// Frames waiting for the mix, at most [`INPUT_QUEUE`].
    waiting: VecDeque<Box<PcmFrame>>,
    /// This tick's input (taken from `waiting`).
    current: Option<Box<PcmFrame>>,
    frames_in: u64,
    frames_in_dropped: u64,
    frames_out: u64,
    frames_out_dropped: u64,
    digits: u64,
    leg_stopped: bool,
}

impl Member {
    fn new(
        id: PartyId,
        leg_inbox: mpsc::Sender<BridgeFrame>,
        from_leg: mpsc::Receiver<BridgeFrame>,
    ) -> Member {
        Member {
            id,
            leg_inbox,
            from_leg,
            waiting: VecDeque::with_capacity(INPUT_QUEUE),
            current: None,
            frames_in: 0,
            frames_in_dropped: 0,
            frames_out: 0,
            frames_out_dropped: 0,
            digits: 0,
            leg_stopped: false,
        }
    }

    fn queue(&mut self, frame: Box<PcmFrame>) {
        if self.waiting.len() >= INPUT_QUEUE {
            self.waiting.pop_front();
            self.frames_in_dropped += 1;
        }
        self.waiting.push_back(frame);
    }

    /// Puts a mixed frame in the leg's inbox, in `frame` (reused when possible).
    fn send(&mut self, frame: Box<PcmFrame>) {
        match self.leg_inbox.try_send(BridgeFrame::Audio(frame)) {
            Ok(()) => self.frames_out += 1,
            Err(TrySendError::Full(_)) => self.frames_out_dropped += 1,
            Err(TrySendError::Closed(_)) => self.stopped(),
        }
    }

    fn stopped(&mut self) {
        if !self.leg_stopped {
            debug!(party = %self.id, "mix room: leg inbox closed, silent until removed");
            self.leg_stopped = true;
        }
    }

    fn report(&self, audience: Audience) -> PartyReport {
        PartyReport {
            party: self.id,
            audience,
            frames_in: self.frames_in,
            frames_in_dropped: self.frames_in_dropped,
            frames_out: self.frames_out,
            frames_out_dropped: self.frames_out_dropped,
            digits: self.digits,
            leg_stopped: self.leg_stopped,
        }
    }
}

/// A room's state: the mixer, its parties' legs, its figures.
#[derive(Default)]
pub(super) struct Room {
    pub(super) mixer: Mixer,
    /// In the mixer's order (both add at the end and remove in place).
    pub(super) members: Vec<Member>,
    ticks: u64,
    pub(super) ticks_skipped: u64,
    /// Drops of parties already removed.
    removed_in_dropped: u64,
    removed_out_dropped: u64,
}

impl Room {
    pub(super) async fn run(mut self, mut commands: mpsc::UnboundedReceiver<Command>) {
        let mut next_tick = Instant::now() + TICK;
        loop {
            let idle = self.members.is_empty();
            tokio::select! {
                command = commands.recv() => match command {
                    None => break,
                    Some(Command::Close { reply }) => {
                        let _ = reply.send(self.report());
                        break;
                    }
                    Some(command) => {
                        if idle {
                            // The first party: ticks start 20 ms from now.
                            next_tick = Instant::now() + TICK;
                        }
                        self.on_command(command);
                    }
                },
                () = tokio::time::sleep_until(next_tick), if !idle => {
                    self.tick();
                    next_tick = self.after(next_tick, Instant::now());
                }
            }
        }
        debug!(ticks = self.ticks, "mix room ended");
    }

    /// When the tick after the one due at `due` is, given that it is `now`: 20 ms on, even if
    /// that is already past (catching up), unless the room is more than [`INPUT_QUEUE`] ticks
    /// behind: then the missed ticks are skipped.
    pub(super) fn after(&mut self, due: Instant, now: Instant) -> Instant {
        let next = due + TICK;
        let behind = now.saturating_duration_since(next);
        if behind <= TICK * INPUT_QUEUE as u32 {
            return next;
        }
        let missed = behind.as_micros() / TICK.as_micros();
        self.ticks_skipped += u64::try_from(missed).unwrap_or(u64::MAX);
        debug!(
            behind_ms = behind.as_millis(),
            "mix room late: ticks skipped"
        );
        now + TICK
    }

    fn on_command(&mut self, command: Command) {
        match command {
            Command::Add {
                party,
                leg_inbox,
                audience,
                reply,
            } => {
                let _ = reply.send(self.add(party, leg_inbox, audience));
            }
            Command::Remove { party, reply } => {
                let _ = reply.send(self.remove(party));
            }
            Command::SetAudience {
                party,
                audience,
                reply,
            } => {
                let _ = reply.send(self.mixer.set_audience(party, audience));
            }
            Command::Join {
                party,
                leg_inbox,
                from_leg,
                audience,
            } => {
                if let Err(e) = self.join(party, leg_inbox, from_leg, audience) {
                    tracing::warn!(error = %e, "mix room: a party not added");
                }
            }
            Command::Leave { party } => {
                if let Err(e) = self.remove(party) {
                    tracing::debug!(error = %e, "mix room: a party not removed");
                }
            }
            Command::Change { party, audience } => {
                if let Err(e) = self.mixer.set_audience(party, audience) {
                    tracing::warn!(error = %e, "mix room: an audience not changed");
                }
            }
            Command::Report { reply } | Command::Close { reply } => {
                let _ = reply.send(self.report());
            }
        }
    }

    pub(super) fn add(
        &mut self,
        party: PartyId,
        leg_inbox: mpsc::Sender<BridgeFrame>,
        audience: Audience,
    ) -> Result<mpsc::Sender<BridgeFrame>, MixError> {
        let (to_room, from_leg) = mpsc::channel(CHANNEL_CAPACITY);
        self.join(party, leg_inbox, from_leg, audience)?;
        Ok(to_room)
    }

    /// Adds `party` reading what its leg says from `from_leg`.
    pub(super) fn join(
        &mut self,
        party: PartyId,
        leg_inbox: mpsc::Sender<BridgeFrame>,
        from_leg: mpsc::Receiver<BridgeFrame>,
        audience: Audience,
    ) -> Result<(), MixError> {
        self.mixer.add(party, audience)?;
        self.members.push(Member::new(party, leg_inbox, from_leg));
        Ok(())
    }

    pub(super) fn remove(&mut self, party: PartyId) -> Result<PartyReport, MixError> {
        let audience = self.mixer.audience(party);
        self.mixer.remove(party)?;
        let at = self
            .members
            .iter()
            .position(|m| m.id == party)
            .ok_or(MixError::UnknownParty(party))?;
        let member = self.members.remove(at);
        self.removed_in_dropped += member.frames_in_dropped;
        self.removed_out_dropped += member.frames_out_dropped;
        Ok(member.report(audience.unwrap_or(Audience::Nobody)))
    }

    pub(super) fn report(&self) -> RoomReport {
        let parties: Vec<PartyReport> = self
            .members
            .iter()
            .map(|m| m.report(self.mixer.audience(m.id).unwrap_or(Audience::Nobody)))
            .collect();
        RoomReport {
            ticks: self.ticks,
            ticks_skipped: self.ticks_skipped,
            frames_in_dropped: self.removed_in_dropped
                + parties.iter().map(|p| p.frames_in_dropped).sum::<u64>(),
            frames_out_dropped: self.removed_out_dropped
                + parties.iter().map(|p| p.frames_out_dropped).sum::<u64>(),
            parties,
        }
    }

    /// One mix: read the legs, take a frame each, mix, send each party what it hears.
    pub(super) fn tick(&mut self) {
        self.ticks += 1;
        for at in 0..self.members.len() {
            self.read_leg(at);
        }
        for m in &mut self.members {
            m.current = m.waiting.pop_front();
            m.frames_in += u64::from(m.current.is_some());
        }
        let Room { mixer, members, .. } = self;
        let mut in_order = members.iter();
        mixer.mix(|id| {
            // Asked in the mixer's order, which is `members`' order; a search if ever not.
            let member = match in_order.next() {
                Some(m) if m.id == id => Some(m),
                _ => members.iter().find(|m| m.id == id),
            };
            member.and_then(|m| m.current.as_deref())
        });
        let mut outputs = mixer.outputs();
        for m in members.iter_mut() {
            let heard = match outputs.next() {
                Some((id, heard)) if id == m.id => heard,
                _ => mixer.output(m.id),
            };
            let input = m.current.take();
            let Some(heard) = heard else { continue };
            if m.leg_stopped {
                continue;
            }
            let mut frame = input.unwrap_or_else(|| Box::new(SILENCE));
            *frame = *heard;
            m.send(frame);
        }
    }

    /// Moves what member `at`'s leg sent into its queue; passes its digits on.
    fn read_leg(&mut self, at: usize) {
        for _ in 0..CHANNEL_CAPACITY {
            let Some(member) = self.members.get_mut(at) else {
                return;
            };
            match member.from_leg.try_recv() {
                Ok(BridgeFrame::Audio(frame)) => member.queue(frame),
                Ok(BridgeFrame::Digit(digit)) => {
                    member.digits += 1;
                    let from = member.id;
                    self.pass_digit(from, digit);
                }
                // Empty, or the leg was unbridged or stopped: silent.
                Err(_) => return,
            }
        }
    }

    /// Sends `digit`, keyed by `from`, to the parties who hear `from`.
    fn pass_digit(&mut self, from: PartyId, digit: char) {
        let audience = self.mixer.audience(from).unwrap_or(Audience::Nobody);
        for m in &mut self.members {
            let hears = match audience {
                Audience::Everyone => m.id != from,
                Audience::Only(target) => m.id == target && target != from,
                Audience::Nobody => false,
            };
            if hears && !m.leg_stopped {
                // As over a two-party bridge: a digit that finds the inbox full is lost.
                if let Err(TrySendError::Closed(_)) =
                    m.leg_inbox.try_send(BridgeFrame::Digit(digit))
                {
                    m.stopped();
                }
            }
        }
    }
}
