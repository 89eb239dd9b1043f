//! The mixes the call core asks for (`Output::Mix` / `Output::Unmix`: a supervisor listening,
//! whispering or barging in): one mix room task of `hotline_media::mix::room` per room, named
//! by the call it serves, with the legs in it. A leg joins by being bridged to the room's
//! inbox for it; it leaves by being taken out of the room and unbridged. A room ends when its
//! last party leaves or its call is released (dropping its handle ends its task).

use std::collections::HashMap;

use hotline_call::control::Audience;
use hotline_core::CallId;
use hotline_media::leg::{LegCommand, LegHandle};
use hotline_media::mix::{self, room::RoomHandle, PartyId};
use tracing::{debug, warn};

/// One room: its task and its parties (the mixer's ids, given in order of joining).
struct Room {
    handle: RoomHandle,
    parties: HashMap<CallId, PartyId>,
    next: u32,
}

/// Every room running.
#[derive(Default)]
pub(super) struct Rooms {
    rooms: HashMap<CallId, Room>,
}

impl Rooms {
    /// Puts `party`'s leg in `room` heard by `audience` (made at its first party), or changes
    /// who hears it when it is in already.
    pub(super) fn mix(&mut self, room: CallId, party: CallId, leg: &LegHandle, audience: Audience) {
        let r = self.rooms.entry(room).or_insert_with(|| {
            debug!(%room, "mix room started");
            Room {
                handle: mix::room::spawn(),
                parties: HashMap::new(),
                next: 0,
            }
        });
        let heard_by = match audience {
            Audience::Everyone => mix::Audience::Everyone,
            Audience::Nobody => mix::Audience::Nobody,
            Audience::Only(target) => match r.parties.get(&target) {
                Some(id) => mix::Audience::Only(*id),
                None => {
                    warn!(%room, %party, %target, "whisper to a leg not in the mix: heard by nobody");
                    mix::Audience::Nobody
                }
            },
        };
        if let Some(id) = r.parties.get(&party) {
            r.handle.change(*id, heard_by);
            return;
        }
        let id = PartyId(r.next);
        r.next += 1;
        r.parties.insert(party, id);
        let inbox = r.handle.join(id, leg.frame_inbox(), heard_by);
        leg.send(LegCommand::Bridge(inbox));
    }

    /// Takes `party` out of `room` (its leg, if it still runs, unbridged); the room ends with
    /// its last party.
    pub(super) fn unmix(&mut self, room: CallId, party: CallId, leg: Option<&LegHandle>) {
        let Some(r) = self.rooms.get_mut(&room) else {
            return;
        };
        let Some(id) = r.parties.remove(&party) else {
            return;
        };
        r.handle.leave(id);
        if let Some(leg) = leg {
            leg.send(LegCommand::Unbridge);
        }
        if r.parties.is_empty() {
            self.rooms.remove(&room);
            debug!(%room, "mix room ended");
        }
    }

    /// `call` is released: out of every room, and the room it names ends.
    pub(super) fn release(&mut self, call: CallId) {
        if self.rooms.remove(&call).is_some() {
            debug!(room = %call, "mix room ended with its call");
        }
        let rooms: Vec<CallId> = self
            .rooms
            .iter()
            .filter(|(_, r)| r.parties.contains_key(&call))
            .map(|(id, _)| *id)
            .collect();
        for room in rooms {
            self.unmix(room, call, None);
        }
    }
}
