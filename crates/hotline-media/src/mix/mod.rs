//! The N-party mixer: who hears whom in a conference or a supervised call, one 20 ms frame of
//! linear PCM at a time.
//!
//! Every party has an [`Audience`], the parties who hear what it says: [`Audience::Everyone`]
//! (a conference member, a caller, an agent, a supervisor who barges in),
//! [`Audience::Nobody`] (a supervisor listening) or [`Audience::Only`] one party (a supervisor
//! whispering to the agent). A party hears every other party whose audience includes it, and
//! never itself. So a supervisor listening hears the caller and the agent and is heard by
//! nobody; whispering to the agent, the agent hears the caller and the supervisor while the
//! caller hears the agent only; barging in, all three hear each other.
//!
//! Each tick, [`Mixer::mix`] asks for every party's input frame (none: no packet, on hold,
//! muted; it then contributes nothing) and computes every party's output: the sum, in `i32`,
//! of what it hears, saturated to `i16` only at the end (loud parties clip at +32767 / −32768,
//! never wrap). The cost is O(N × 160) per tick: the `Everyone` parties are summed once and
//! each one's output is that total minus its own contribution; whispers are added to their
//! target's output as corrections. Two parties who both speak to everyone get exactly what a
//! plain bridge gives them: each hears the other's samples unchanged.
//!
//! The legs decode G.711 to PCM and encode back (each party in its own codec), so the mixer
//! only sees linear PCM. Pure: no clock, no I/O; all buffers live in the mixer and are
//! allocated when a party is added, never per tick.
//!
//! [`room`] is its async shell: the mix room, a tokio task ([`room::spawn`]) that runs a
//! mixer every 20 ms between live call legs, fed and heard through the legs' frame inboxes like
//! a two-party bridge. It is what conferences (every party [`Audience::Everyone`]: each hears
//! everyone else) and supervision run on: a supervisor listening in ([`Audience::Nobody`]),
//! whispering to the agent ([`Audience::Only`] the agent) or barging in
//! ([`Audience::Everyone`]), switched during the call with [`RoomHandle::set_audience`].

use std::fmt;

use thiserror::Error;

use crate::prompt::FRAME_SAMPLES;

// The mix room (conferences, listen, whisper, barge): see the module documentation above.
pub mod room;

pub use room::{PartyReport, RoomError, RoomHandle, RoomReport};

/// One 20 ms frame of 8 kHz linear PCM.
pub type PcmFrame = [i16; FRAME_SAMPLES];

/// A frame of silence.
pub const SILENCE: PcmFrame = [0; FRAME_SAMPLES];

/// The most parties one mixer takes. Sums stay far inside `i32`: each party adds at most
/// 32768 in magnitude to a sample of a mix (in the total or as a whisper, never both).
pub const MAX_PARTIES: usize = 1024;

/// A party of the mix, named by the caller (a leg number, for instance).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PartyId(pub u32);

impl fmt::Display for PartyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "party {}", self.0)
    }
}

/// Who hears what a party says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Audience {
    /// Every other party: a conference member, the caller and agent of a call, a supervisor
    /// barging in.
    Everyone,
    /// No one: a supervisor listening in.
    Nobody,
    /// This party alone: a supervisor whispering to the agent. `Only` oneself is heard by
    /// nobody (no one hears themselves). When the target is removed from the mix, the
    /// whisperer's audience becomes [`Audience::Nobody`].
    Only(PartyId),
}

/// A change the mixer refused; the mix is unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum MixError {
    /// [`Mixer::add`] of an id already in the mix.
    #[error("{0} is already in the mix")]
    AlreadyPresent(PartyId),
    /// An id that is not in the mix: the party of [`Mixer::remove`] or
    /// [`Mixer::set_audience`], or the target of an [`Audience::Only`].
    #[error("{0} is not in the mix")]
    UnknownParty(PartyId),
    /// [`Mixer::add`] with [`MAX_PARTIES`] parties already in.
    #[error("the mix is full ({} parties)", MAX_PARTIES)]
    Full,
}

/// One party's state and buffers.
#[derive(Debug, Clone)]
struct Party {
    id: PartyId,
    audience: Audience,
    /// This tick's input, copied in (valid when `has_input`).
    input: PcmFrame,
    has_input: bool,
    /// The last tick's output (silence when `heard_anyone` is false).
    output: PcmFrame,
    heard_anyone: bool,
}

/// The sum of the whispers a party receives this tick.
#[derive(Debug, Clone)]
struct Whispers {
    sum: [i32; FRAME_SAMPLES],
    /// How many whisperers sent a frame this tick (0: `sum` is stale).
    count: u32,
}

/// The mixer of one conference or supervised call. See the module documentation.
#[derive(Debug, Clone)]
pub struct Mixer {
    /// In the order they were added.
    parties: Vec<Party>,
    /// Parallel to `parties`: what is whispered to each.
    whispers: Vec<Whispers>,
    /// This tick's sum of the `Everyone` parties' inputs.
    total: [i32; FRAME_SAMPLES],
}

impl Default for Mixer {
    fn default() -> Self {
        Self::new()
    }
}

impl Mixer {
    /// An empty mix.
    pub fn new() -> Self {
        Self::with_capacity(0)
    }

    /// An empty mix with room for `parties` parties before any allocation.
    pub fn with_capacity(parties: usize) -> Self {
        let parties = parties.min(MAX_PARTIES);
        Mixer {
            parties: Vec::with_capacity(parties),
            whispers: Vec::with_capacity(parties),
            total: [0; FRAME_SAMPLES],
        }
    }

    /// Number of parties.
    pub fn len(&self) -> usize {
        self.parties.len()
    }

    /// True when no one is in the mix.
    pub fn is_empty(&self) -> bool {
        self.parties.is_empty()
    }

    /// The audience of `id`, None if it is not in the mix.
    pub fn audience(&self, id: PartyId) -> Option<Audience> {
        self.party(id).map(|p| p.audience)
    }

    /// Adds a party. It is heard and hears from the next [`Mixer::mix`] on; until then its
    /// [`Mixer::output`] is None. `Only(target)` needs the target in the mix already (or to be
    /// `id` itself).
    pub fn add(&mut self, id: PartyId, audience: Audience) -> Result<(), MixError> {
        if self.party(id).is_some() {
            return Err(MixError::AlreadyPresent(id));
        }
        if self.parties.len() >= MAX_PARTIES {
            return Err(MixError::Full);
        }
        if let Audience::Only(target) = audience {
            if target != id && self.party(target).is_none() {
                return Err(MixError::UnknownParty(target));
            }
        }
        self.parties.push(Party {
            id,
            audience,
            input: SILENCE,
            has_input: false,
            output: SILENCE,
            heard_anyone: false,
        });
        self.whispers.push(Whispers {
            sum: [0; FRAME_SAMPLES],
            count: 0,
        });
        Ok(())
    }

    /// Removes a party. Whoever whispered to it (`Only(id)`) now has [`Audience::Nobody`].
    pub fn remove(&mut self, id: PartyId) -> Result<(), MixError> {
        let at = self.index(id).ok_or(MixError::UnknownParty(id))?;
        self.parties.remove(at);
        self.whispers.remove(at);
        for p in &mut self.parties {
            if p.audience == Audience::Only(id) {
                p.audience = Audience::Nobody;
            }
        }
        Ok(())
    }

    /// Changes who hears `id` (listen → whisper → barge), from the next [`Mixer::mix`] on.
    /// `Only(target)` needs the target in the mix (or to be `id` itself).
    pub fn set_audience(&mut self, id: PartyId, audience: Audience) -> Result<(), MixError> {
        if let Audience::Only(target) = audience {
            if target != id && self.party(target).is_none() {
                return Err(MixError::UnknownParty(target));
            }
        }
        let at = self.index(id).ok_or(MixError::UnknownParty(id))?;
        if let Some(p) = self.parties.get_mut(at) {
            p.audience = audience;
        }
        Ok(())
    }

    /// Mixes one tick. `input` is asked exactly once for each party, in the order they were
    /// added, for its frame of this tick (None: it contributes nothing). Afterwards
    /// [`Mixer::output`] gives what each party hears.
    pub fn mix<'a>(&mut self, mut input: impl FnMut(PartyId) -> Option<&'a PcmFrame>) {
        // The inputs; the total of those heard by everyone.
        self.total.fill(0);
        let mut speaking_to_everyone: u32 = 0;
        for (p, w) in self.parties.iter_mut().zip(self.whispers.iter_mut()) {
            w.count = 0;
            p.has_input = false;
            let Some(frame) = input(p.id) else { continue };
            match p.audience {
                // Nobody hears it: no need to keep it.
                Audience::Nobody => {}
                Audience::Only(_) => {
                    p.input = *frame;
                    p.has_input = true;
                }
                Audience::Everyone => {
                    p.has_input = true;
                    speaking_to_everyone += 1;
                    // Kept and added to the total in one pass.
                    let kept = p.input.iter_mut().zip(frame.iter());
                    for (t, (k, &s)) in self.total.iter_mut().zip(kept) {
                        *k = s;
                        *t += i32::from(s);
                    }
                }
            }
        }
        // Whispers, added up per target (few whisperers: a search per whisperer).
        for p in &self.parties {
            let Audience::Only(target) = p.audience else {
                continue;
            };
            if !p.has_input || target == p.id {
                continue;
            }
            let Some(at) = self.parties.iter().position(|q| q.id == target) else {
                continue;
            };
            if let Some(w) = self.whispers.get_mut(at) {
                w.add(&p.input);
            }
        }
        // Each party's output: the total, less its own voice, plus what is whispered to it.
        for (p, w) in self.parties.iter_mut().zip(self.whispers.iter()) {
            let own = p.audience == Audience::Everyone && p.has_input;
            // `own` implies it was counted in `speaking_to_everyone`: no underflow.
            let heard = speaking_to_everyone - u32::from(own) + w.count;
            p.heard_anyone = heard > 0;
            match (p.heard_anyone, own, w.count > 0) {
                (false, _, _) => p.output = SILENCE,
                (true, false, false) => saturate_into(&mut p.output, &self.total),
                (true, true, false) => total_less_own(&mut p.output, &self.total, &p.input),
                (true, false, true) => total_plus_whispers(&mut p.output, &self.total, &w.sum),
                (true, true, true) => {
                    total_less_own_plus_whispers(&mut p.output, &self.total, &p.input, &w.sum)
                }
            }
        }
    }

    /// What `id` heard in the last [`Mixer::mix`]. None: it heard nobody (no party it hears
    /// sent a frame), so there is nothing to send — the caller sends silence ([`SILENCE`]),
    /// comfort noise or no packet, as it likes; or `id` is not in the mix, or joined after
    /// the last tick. A frame of zeros from a party it hears still gives `Some`.
    pub fn output(&self, id: PartyId) -> Option<&PcmFrame> {
        self.party(id).filter(|p| p.heard_anyone).map(|p| &p.output)
    }

    /// Every party with its [`Mixer::output`], in the order they were added.
    pub fn outputs(&self) -> impl Iterator<Item = (PartyId, Option<&PcmFrame>)> + '_ {
        self.parties
            .iter()
            .map(|p| (p.id, p.heard_anyone.then_some(&p.output)))
    }

    fn index(&self, id: PartyId) -> Option<usize> {
        self.parties.iter().position(|p| p.id == id)
    }

    fn party(&self, id: PartyId) -> Option<&Party> {
        self.parties.iter().find(|p| p.id == id)
    }
}

impl Whispers {
    /// Adds one whisperer's frame.
    fn add(&mut self, frame: &PcmFrame) {
        if self.count == 0 {
            for (s, &x) in self.sum.iter_mut().zip(frame.iter()) {
                *s = i32::from(x);
            }
        } else {
            for (s, &x) in self.sum.iter_mut().zip(frame.iter()) {
                *s += i32::from(x);
            }
        }
        self.count += 1;
    }
}

/// A sum clamped to the 16-bit range.
#[inline]
fn saturate(sum: i32) -> i16 {
    // In range after the clamp: the cast is exact.
    sum.clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16
}

// The four shapes of an output, each a straight loop the compiler can vectorise.

fn saturate_into(out: &mut PcmFrame, total: &[i32; FRAME_SAMPLES]) {
    for (o, &t) in out.iter_mut().zip(total.iter()) {
        *o = saturate(t);
    }
}

fn total_less_own(out: &mut PcmFrame, total: &[i32; FRAME_SAMPLES], own: &PcmFrame) {
    for ((o, &t), &x) in out.iter_mut().zip(total.iter()).zip(own.iter()) {
        *o = saturate(t - i32::from(x));
    }
}

fn total_plus_whispers(
    out: &mut PcmFrame,
    total: &[i32; FRAME_SAMPLES],
    whispers: &[i32; FRAME_SAMPLES],
) {
    for ((o, &t), &w) in out.iter_mut().zip(total.iter()).zip(whispers.iter()) {
        *o = saturate(t + w);
    }
}

fn total_less_own_plus_whispers(
    out: &mut PcmFrame,
    total: &[i32; FRAME_SAMPLES],
    own: &PcmFrame,
    whispers: &[i32; FRAME_SAMPLES],
) {
    let sums = total.iter().zip(own.iter()).zip(whispers.iter());
    for (o, ((&t, &x), &w)) in out.iter_mut().zip(sums) {
        *o = saturate(t - i32::from(x) + w);
    }
}

#[cfg(test)]
mod tests;
