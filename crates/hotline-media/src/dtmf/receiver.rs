//! Receiving RFC 4733 digits: the packets of key presses in, one start and one end per press out.
//!
//! # Reporting rule
//! Each key press yields exactly two events, in this order:
//! - [`DtmfEvent::DigitStarted`] at the first packet seen of the press, whatever packet that is
//!   (start, update or end): the lowest latency, for barge-in (stop the prompt now);
//! - [`DtmfEvent::Digit`] once the press is over, with its duration: this is the digit the IVR
//!   collects (type-ahead, menus, account numbers).
//!
//! A press is over at its first end packet (E bit); failing that, when a packet of a newer
//! event arrives, or when no packet of it has come for the end timeout (200 ms by default:
//! four missed 50 ms updates), found by [`DtmfReceiver::poll`] at [`DtmfReceiver::next_timeout`].
//! [`DigitEvent::ended_by`] says which; the duration is the longest one reported.
//!
//! # What makes a press
//! RFC 4733 names an event by its RTP timestamp (the start of the event): every packet with the
//! same timestamp reports the same press, a new timestamp is a new press. So two presses of the
//! same key are two digits, duplicates and the usual three end packets fold into the press they
//! report, and a packet of a press already reported — a late retransmitted end packet, an
//! update that lost a race with the end — is ignored: the timestamps of the last
//! [`RECENT_EVENTS`] presses are remembered. A packet of a press older than the newest one seen
//! (by both sequence number and timestamp, within a window) that was never seen before is also
//! ignored: reporting it late would put the digits out of order.
//!
//! # Long presses (RFC 4733 §2.5.1.3)
//! A press longer than the 16-bit duration (0xFFFF units, 8.19 s) is sent in segments: the last
//! report of a segment has duration 0xFFFF and no E bit, and the next segment starts at the
//! timestamp 0xFFFF later, without the marker bit. A packet with exactly that timestamp, the same
//! event and no marker continues the press: no new digit, and the final duration is the sum of
//! the segments. If the previous segment was already reported (its end was marked with the E bit
//! by a non-conforming sender, or it timed out), the continuation is swallowed: the press stays
//! one digit, reported with the first segment's duration. Segments of another length are taken
//! for new presses.
//!
//! # Streams
//! Timestamps and sequence numbers only compare within one RTP stream: when the SSRC changes
//! (re-INVITE, transfer), call [`DtmfReceiver::reset`].

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::payload::TelephoneEvent;
use super::{samples_to_ms, DtmfError, CLOCK_RATE};

/// How long a press may go without packets before it is taken as ended.
pub const DEFAULT_END_TIMEOUT: Duration = Duration::from_millis(200);
/// How many finished presses are remembered by timestamp, to ignore their late packets.
pub const RECENT_EVENTS: usize = 8;
/// The RTP timestamp step between the segments of a long event (RFC 4733 §2.5.1.3).
const SEGMENT_SPAN: u32 = 0xFFFF;
/// A packet this many sequence numbers behind the highest seen is late (20 s of 20 ms audio).
const STALE_SEQ_WINDOW: u16 = 1000;
/// An event starting this far before the newest event seen is late (10 s).
const STALE_TS_WINDOW: u32 = 10 * CLOCK_RATE;

/// The fields of a received RTP packet that carries a telephone-event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtpEventPacket<'a> {
    /// The RTP timestamp: the start of the event (of its segment, for long events).
    pub timestamp: u32,
    /// The RTP sequence number.
    pub sequence: u16,
    /// The RTP marker bit, set on the first packet of an event.
    pub marker: bool,
    /// The RTP payload (the RTP layer has removed any padding).
    pub payload: &'a [u8],
}

/// Why a press was taken as over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EndReason {
    /// An end packet (E bit) arrived.
    EndPacket,
    /// A packet of a newer event arrived before any end packet of this one.
    NextEvent,
    /// No packet of it arrived for the end timeout.
    Timeout,
    /// [`DtmfReceiver::reset`] (or [`InbandDetector::finish`](super::InbandDetector::finish)) was called while it was going on.
    Reset,
    /// In-band detection only: the tone was no longer heard.
    ToneStopped,
}

/// A finished key press.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DigitEvent {
    /// `0`–`9`, `*`, `#`, `A`–`D`.
    pub digit: char,
    /// How long the key was down, from the longest duration reported (all segments).
    pub duration_ms: u32,
    /// The RTP timestamp of the press's start.
    pub timestamp: u32,
    /// The last reported power level, in −dBm0.
    pub volume: u8,
    /// How the end was found.
    pub ended_by: EndReason,
}

/// What the receiver reports; per press exactly one `DigitStarted`, then exactly one `Digit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DtmfEvent {
    /// A key went down (the first packet of its press arrived): time to stop the prompt.
    DigitStarted {
        /// The digit.
        digit: char,
        /// The RTP timestamp of the press's start.
        timestamp: u32,
    },
    /// A key press is over: the digit to collect.
    Digit(DigitEvent),
}

/// The press being received.
#[derive(Debug, Clone, Copy)]
struct Active {
    event: u8,
    digit: char,
    /// Timestamp of the first segment: the press's start.
    first_ts: u32,
    /// Timestamp of the current segment.
    segment_ts: u32,
    /// Units in the earlier segments.
    earlier: u64,
    /// Longest duration reported in the current segment.
    duration: u16,
    volume: u8,
    last_packet: Instant,
}

/// The last press reported, for continuations of long events.
#[derive(Debug, Clone, Copy)]
struct Finished {
    event: u8,
    segment_ts: u32,
}

/// The RFC 4733 receive state of one RTP stream. See the [module documentation](self).
#[derive(Debug)]
pub struct DtmfReceiver {
    end_timeout: Duration,
    active: Option<Active>,
    last_finished: Option<Finished>,
    /// Segment timestamps of finished (or ignored) events, newest at the back.
    recent: VecDeque<u32>,
    /// Timestamp of the newest event seen.
    newest_ts: Option<u32>,
    /// Highest sequence number seen.
    highest_seq: Option<u16>,
    out: VecDeque<DtmfEvent>,
}

impl Default for DtmfReceiver {
    fn default() -> Self {
        Self::new(DEFAULT_END_TIMEOUT)
    }
}

impl DtmfReceiver {
    /// A receiver that ends a press after `end_timeout` without its packets (a zero timeout is
    /// raised to 1 ms).
    pub fn new(end_timeout: Duration) -> Self {
        DtmfReceiver {
            end_timeout: end_timeout.max(Duration::from_millis(1)),
            active: None,
            last_finished: None,
            recent: VecDeque::with_capacity(RECENT_EVENTS),
            newest_ts: None,
            highest_seq: None,
            out: VecDeque::new(),
        }
    }

    /// Takes in one telephone-event packet that arrived at `now`; the events it causes wait in
    /// [`poll`](Self::poll).
    ///
    /// Errors: a payload too short to read (the packet is dropped, nothing changes), and the
    /// first packet of an event that is not a digit ([`DtmfError::Unsupported`]; that event is
    /// ignored, but as a new event it still ends the press before it). Duplicates and late
    /// packets are not errors: they are ignored silently.
    pub fn handle_packet(
        &mut self,
        packet: RtpEventPacket<'_>,
        now: Instant,
    ) -> Result<(), DtmfError> {
        let report = TelephoneEvent::parse(packet.payload)?;
        let seq_behind = self.seq_behind(packet.sequence);
        if !seq_behind {
            self.highest_seq = Some(packet.sequence);
        }
        let ts = packet.timestamp;
        if self.recent.contains(&ts) {
            return Ok(()); // a duplicate or late packet of a press already reported
        }
        if let Some(active) = self.active.as_mut().filter(|a| a.segment_ts == ts) {
            if active.event == report.event {
                active.duration = active.duration.max(report.duration);
                active.volume = report.volume;
                active.last_packet = active.last_packet.max(now);
                if report.end {
                    self.finish(EndReason::EndPacket);
                }
            }
            return Ok(()); // another event code under the same timestamp is garbage
        }
        if seq_behind && self.ts_behind(ts) {
            return Ok(()); // a press older than the newest one, never seen: too late
        }
        if !packet.marker && self.continue_segment(ts, &report, now) {
            return Ok(());
        }
        // A new event: whatever was going on is over.
        self.finish(EndReason::NextEvent);
        self.newest_ts = Some(ts);
        let Some(digit) = report.digit() else {
            self.last_finished = None;
            self.remember(ts);
            return Err(DtmfError::Unsupported {
                event: report.event,
            });
        };
        self.active = Some(Active {
            event: report.event,
            digit,
            first_ts: ts,
            segment_ts: ts,
            earlier: 0,
            duration: report.duration,
            volume: report.volume,
            last_packet: now,
        });
        self.out.push_back(DtmfEvent::DigitStarted {
            digit,
            timestamp: ts,
        });
        if report.end {
            self.finish(EndReason::EndPacket);
        }
        Ok(())
    }

    /// Ends the current press if its timeout has passed at `now`, then returns the next event,
    /// oldest first. Call it after every packet and at [`next_timeout`](Self::next_timeout),
    /// until it returns `None`.
    pub fn poll(&mut self, now: Instant) -> Option<DtmfEvent> {
        if self.next_timeout().is_some_and(|at| now >= at) {
            self.finish(EndReason::Timeout);
        }
        self.out.pop_front()
    }

    /// When [`poll`](Self::poll) should next be called if no packet comes: the end timeout of
    /// the press going on, if any.
    pub fn next_timeout(&self) -> Option<Instant> {
        self.active
            .as_ref()
            .and_then(|a| a.last_packet.checked_add(self.end_timeout))
    }

    /// Whether a key is down now (a press has started and not yet ended).
    pub fn key_down(&self) -> bool {
        self.active.is_some()
    }

    /// Starts over for a new RTP stream (new SSRC): a press going on is reported as over
    /// ([`EndReason::Reset`]), and timestamps and sequence numbers seen so far are forgotten.
    /// Events not yet polled stay queued.
    pub fn reset(&mut self) {
        self.finish(EndReason::Reset);
        self.last_finished = None;
        self.recent.clear();
        self.newest_ts = None;
        self.highest_seq = None;
    }

    /// Handles a packet that may open the next segment of a long press (no marker, same event,
    /// timestamp exactly one segment later); returns whether it did.
    fn continue_segment(&mut self, ts: u32, report: &TelephoneEvent, now: Instant) -> bool {
        if let Some(active) = self.active.as_mut() {
            if active.event != report.event || ts.wrapping_sub(active.segment_ts) != SEGMENT_SPAN {
                return false;
            }
            let previous = active.segment_ts;
            active.earlier += u64::from(SEGMENT_SPAN);
            active.segment_ts = ts;
            active.duration = report.duration;
            active.volume = report.volume;
            active.last_packet = active.last_packet.max(now);
            self.remember(previous);
            self.newest_ts = Some(ts);
            if report.end {
                self.finish(EndReason::EndPacket);
            }
            return true;
        }
        match self.last_finished.as_mut() {
            Some(done)
                if done.event == report.event
                    && ts.wrapping_sub(done.segment_ts) == SEGMENT_SPAN =>
            {
                // The press was reported already: keep it one digit.
                done.segment_ts = ts;
                self.remember(ts);
                self.newest_ts = Some(ts);
                true
            }
            _ => false,
        }
    }

    /// Reports the press going on, if any, as over.
    fn finish(&mut self, ended_by: EndReason) {
        let Some(active) = self.active.take() else {
            return;
        };
        self.remember(active.segment_ts);
        self.last_finished = Some(Finished {
            event: active.event,
            segment_ts: active.segment_ts,
        });
        let units = active.earlier + u64::from(active.duration);
        self.out.push_back(DtmfEvent::Digit(DigitEvent {
            digit: active.digit,
            duration_ms: samples_to_ms(units),
            timestamp: active.first_ts,
            volume: active.volume,
            ended_by,
        }));
    }

    fn remember(&mut self, ts: u32) {
        if self.recent.contains(&ts) {
            return;
        }
        if self.recent.len() == RECENT_EVENTS {
            self.recent.pop_front();
        }
        self.recent.push_back(ts);
    }

    fn seq_behind(&self, seq: u16) -> bool {
        self.highest_seq.is_some_and(|high| {
            let behind = high.wrapping_sub(seq);
            behind != 0 && behind <= STALE_SEQ_WINDOW
        })
    }

    fn ts_behind(&self, ts: u32) -> bool {
        self.newest_ts.is_some_and(|newest| {
            let behind = newest.wrapping_sub(ts);
            behind != 0 && behind <= STALE_TS_WINDOW
        })
    }
}

#[cfg(test)]
mod tests;
