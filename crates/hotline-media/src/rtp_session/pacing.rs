//! Pacing of one outgoing RTP stream: when each packet is due and what its header says.
//!
//! The schedule is a fixed grid anchored at the first packet: slot `k` is due at
//! `anchor + k × 20 ms` and carries timestamp `initial + k × 160` (mod 2³²). Dues never drift
//! (each is computed from the anchor, not from when the previous packet actually went out) and
//! the timestamp follows media time through pauses: frames not sent still use up their slots'
//! timestamps, while the sequence number only counts packets actually sent.
//!
//! Marker bit (RFC 3551 §4.1): set on the first packet, on the first packet after a pause (a new
//! talkspurt), and on the packet after a resynchronisation. A caller late by a few frames gets
//! the missed slots one after another so a jitter buffer can absorb them. Later than
//! [`Pacing::max_late_frames`] (a tick 60 ms late on a busy machine), the owed frames still go
//! out back to back with consecutive timestamps — up to [`Pacing::max_catch_up_frames`] of
//! them (200 ms) — so that a prompt being read out has no hole in the middle of a word; only
//! if the sender is still late after that burst does it skip to the current slot (resync,
//! with the marker). A catch-up ends, and its allowance renews, once a slot goes out within
//! `max_late_frames` of its due time.
//!
//! No clock is read here: the shell passes `now` (from a tokio interval tick) and loops
//! `while let Some(h) = sender.next_header(now)`. Packets outside the schedule (RFC 4733 events
//! repeat one timestamp over several packets) use [`RtpSender::header_for`].

use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};

use super::packet::RtpHeader;

/// The frame grid of a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pacing {
    /// Time between packets (the SDP `ptime`).
    pub frame: Duration,
    /// Timestamp advance per frame (samples per frame at the RTP clock rate).
    pub samples_per_frame: u32,
    /// Lateness, in frames, up to which missed slots simply go out one after another.
    pub max_late_frames: u32,
    /// Later than that: how many owed frames go out back to back (consecutive timestamps)
    /// before the sender resynchronises to the current slot; 0 = resynchronise at once.
    pub max_catch_up_frames: u32,
}

impl Default for Pacing {
    /// G.711 at 8 kHz in 20 ms frames: 160 samples; past 3 frames (60 ms) late, a burst of
    /// up to 10 owed frames (200 ms) before resynchronising.
    fn default() -> Self {
        Pacing {
            frame: Duration::from_millis(20),
            samples_per_frame: 160,
            max_late_frames: 3,
            max_catch_up_frames: 10,
        }
    }
}

/// The random starting values of a stream (RFC 3550 §5.1: SSRC, sequence number and timestamp
/// all start random).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SenderInit {
    pub ssrc: u32,
    pub sequence: u16,
    pub timestamp: u32,
}

impl SenderInit {
    /// Draw the starting values from `rng`.
    pub fn random<R: Rng + ?Sized>(rng: &mut R) -> Self {
        SenderInit {
            ssrc: rng.random(),
            sequence: rng.random(),
            timestamp: rng.random(),
        }
    }

    /// Deterministic starting values from a seed (tests, reproducible runs).
    pub fn from_seed(seed: u64) -> Self {
        Self::random(&mut rand::rngs::StdRng::seed_from_u64(seed))
    }
}

/// One slot of the schedule handed out by [`RtpSender::next_slot`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    /// When the slot was due (at or before the `now` it was handed out at).
    pub due: Instant,
    /// The slot's media timestamp.
    pub timestamp: u32,
    /// Whether this slot starts a talkspurt (first, after a pause, after a resync).
    pub marker: bool,
}

/// The pacing state of one outgoing stream.
#[derive(Debug, Clone)]
pub struct RtpSender {
    pacing: Pacing,
    ssrc: u32,
    payload_type: u8,
    next_seq: u16,
    initial_timestamp: u32,
    /// Due time of slot 0; `None` until the first slot is handed out.
    anchor: Option<Instant>,
    /// Index of the next slot on the grid.
    next_slot: u64,
    last_timestamp: u32,
    paused: bool,
    /// After a resume: the next slot is the current one, not the one after the last sent.
    realign: bool,
    marker_pending: bool,
    /// Frames the current catch-up may still send late; `None` when not catching up.
    catch_up_left: Option<u32>,
    caught_up: u64,
    resyncs: u64,
}

impl RtpSender {
    /// A stream of audio under `payload_type`, 20 ms / 160-sample frames.
    pub fn new(payload_type: u8, init: SenderInit) -> Self {
        Self::with_pacing(payload_type, init, Pacing::default())
    }

    /// A stream with another frame grid.
    pub fn with_pacing(payload_type: u8, init: SenderInit, pacing: Pacing) -> Self {
        let frame = if pacing.frame.is_zero() {
            Pacing::default().frame
        } else {
            pacing.frame
        };
        RtpSender {
            pacing: Pacing { frame, ..pacing },
            ssrc: init.ssrc,
            payload_type: payload_type & 0x7f,
            next_seq: init.sequence,
            initial_timestamp: init.timestamp,
            anchor: None,
            next_slot: 0,
            last_timestamp: init.timestamp,
            paused: false,
            realign: false,
            marker_pending: true,
            catch_up_left: None,
            caught_up: 0,
            resyncs: 0,
        }
    }

    fn frame_nanos(&self) -> u128 {
        self.pacing.frame.as_nanos().max(1)
    }

    fn due_of(&self, anchor: Instant, slot: u64) -> Option<Instant> {
        let nanos = u64::try_from(u128::from(slot) * self.frame_nanos()).ok()?;
        anchor.checked_add(Duration::from_nanos(nanos))
    }

    /// The slot in progress at `now`.
    fn slot_at(&self, anchor: Instant, now: Instant) -> u64 {
        let slot = now.saturating_duration_since(anchor).as_nanos() / self.frame_nanos();
        u64::try_from(slot).unwrap_or(u64::MAX)
    }

    fn timestamp_of(&self, slot: u64) -> u32 {
        // Truncation is the mod-2^32 the timestamp wants.
        let advance = (slot as u32).wrapping_mul(self.pacing.samples_per_frame);
        self.initial_timestamp.wrapping_add(advance)
    }

    /// The slot the next packet goes in, and when it is due; `None` while paused.
    fn pending(&self, now: Instant) -> Option<(u64, Instant)> {
        if self.paused {
            return None;
        }
        let Some(anchor) = self.anchor else {
            return Some((0, now));
        };
        let slot = if self.realign {
            self.slot_at(anchor, now).max(self.next_slot)
        } else {
            self.next_slot
        };
        Some((slot, self.due_of(anchor, slot)?))
    }

    /// When the next packet is due: `Some(now)` before the first packet, `None` while paused.
    /// A due time at or before `now` means "send now".
    pub fn due(&self, now: Instant) -> Option<Instant> {
        self.pending(now).map(|(_, due)| due)
    }

    /// Take the next slot if it is due at `now`. Use this (with [`RtpSender::header_for`]) when
    /// the slot may carry something other than audio, e.g. a telephone-event.
    pub fn next_slot(&mut self, now: Instant) -> Option<Slot> {
        let (mut slot, mut due) = self.pending(now)?;
        if due > now {
            return None;
        }
        let anchor = *self.anchor.get_or_insert(now);
        let mut marker = std::mem::take(&mut self.marker_pending);
        let max_late = self
            .pacing
            .frame
            .saturating_mul(self.pacing.max_late_frames);
        if now.saturating_duration_since(due) > max_late {
            let left = self
                .catch_up_left
                .get_or_insert(self.pacing.max_catch_up_frames);
            if *left > 0 {
                // An owed frame in the burst: its own slot, timestamps stay consecutive.
                *left -= 1;
                self.caught_up += 1;
            } else {
                slot = self.slot_at(anchor, now);
                due = self.due_of(anchor, slot)?;
                marker = true;
                self.resyncs += 1;
                self.catch_up_left = None;
            }
        } else {
            self.catch_up_left = None;
        }
        let timestamp = self.timestamp_of(slot);
        self.next_slot = slot.saturating_add(1);
        self.realign = false;
        self.last_timestamp = timestamp;
        Some(Slot {
            due,
            timestamp,
            marker,
        })
    }

    /// The header of the next audio packet if one is due at `now`.
    pub fn next_header(&mut self, now: Instant) -> Option<RtpHeader> {
        let slot = self.next_slot(now)?;
        Some(self.header_for(self.payload_type, slot.marker, Some(slot.timestamp)))
    }

    /// A header with the next sequence number, outside the schedule: `timestamp_override`, or
    /// else the timestamp of the latest slot. For RFC 4733 events: the first packet of an event
    /// takes a slot's timestamp with `marker = true`; its updates and the three end packets
    /// repeat that timestamp with `marker = false`.
    pub fn header_for(
        &mut self,
        payload_type: u8,
        marker: bool,
        timestamp_override: Option<u32>,
    ) -> RtpHeader {
        let sequence = self.next_seq;
        self.next_seq = self.next_seq.wrapping_add(1);
        RtpHeader {
            marker,
            payload_type: payload_type & 0x7f,
            sequence,
            timestamp: timestamp_override.unwrap_or(self.last_timestamp),
            ssrc: self.ssrc,
        }
    }

    /// Stop sending (silence suppression, hold): [`RtpSender::due`] is `None` until resumed.
    pub fn pause(&mut self) {
        self.paused = true;
    }

    /// Send again: the next packet goes in the current slot (its timestamp counts the paused
    /// time), carries the marker, and takes the next sequence number.
    pub fn resume(&mut self) {
        if self.paused {
            self.paused = false;
            self.realign = true;
            self.marker_pending = true;
            self.catch_up_left = None;
        }
    }

    pub fn is_paused(&self) -> bool {
        self.paused
    }

    pub fn ssrc(&self) -> u32 {
        self.ssrc
    }

    /// The audio payload type.
    pub fn payload_type(&self) -> u8 {
        self.payload_type
    }

    /// Change the audio payload type (a re-INVITE changed the codec's number).
    pub fn set_payload_type(&mut self, payload_type: u8) {
        self.payload_type = payload_type & 0x7f;
    }

    /// The sequence number the next packet will carry.
    pub fn next_sequence(&self) -> u16 {
        self.next_seq
    }

    /// The timestamp of the latest slot (the initial timestamp before the first).
    pub fn current_timestamp(&self) -> u32 {
        self.last_timestamp
    }

    /// Frames sent in catch-up bursts (more than `max_late_frames` late, timestamps kept
    /// consecutive).
    pub fn caught_up(&self) -> u64 {
        self.caught_up
    }

    /// How often the sender skipped ahead because the caller was too late.
    pub fn resyncs(&self) -> u64 {
        self.resyncs
    }
}
