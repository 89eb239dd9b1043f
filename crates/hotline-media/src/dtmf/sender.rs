//! Sending one RFC 4733 digit: the packets, their payloads and when to send each.
//!
//! For a digit starting at RTP timestamp `ts` (the audio clock when the key goes down), the
//! schedule is, with the defaults (100 ms tone, 50 ms updates, 3 end packets):
//!
//! | send at | marker | E | duration (1/8000 s) |
//! |---|---|---|---|
//! | 0 ms | yes | – | 400 |
//! | 50 ms | – | – | 800 |
//! | 100 ms | – | yes | 800 |
//! | 150 ms | – | yes | 800 |
//! | 200 ms | – | yes | 800 |
//!
//! Every packet carries timestamp `ts`. An update sent at offset *t* reports the duration up to
//! *t* + one interval (as an audio packet covers the interval it starts), capped at the tone's
//! length, so the first packet goes out at once and still reports a non-zero duration. The end
//! packet is sent three times (§2.5.1.4) at the update interval. The caller's RTP sender gives
//! each packet its sequence number, stops sending audio while the tone lasts, and starts the
//! next digit at a timestamp at least [`DtmfSender::tone_units`] later.

use std::time::Duration;

use super::payload::{digit_to_event, TelephoneEvent};
use super::{DtmfError, CLOCK_RATE};

/// How a digit is sent. Out-of-range values are brought into range by [`DtmfSender::new`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SenderConfig {
    /// How long the tone lasts: 10 ms to 8.19 s (the 16-bit duration; no segments are sent).
    pub duration: Duration,
    /// Time between updates, and between the end packets: 10 ms to 1 s.
    pub update_interval: Duration,
    /// How many times the end packet is sent: 1 to 10.
    pub end_packets: u8,
    /// Power level in −dBm0, 0–63.
    pub volume: u8,
}

impl Default for SenderConfig {
    fn default() -> Self {
        SenderConfig {
            duration: Duration::from_millis(100),
            update_interval: Duration::from_millis(50),
            end_packets: 3,
            volume: 10,
        }
    }
}

/// One packet of a digit's schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScheduledPacket {
    /// When to send it, counted from the first packet.
    pub send_at: Duration,
    /// The RTP timestamp: the same for every packet of the digit.
    pub timestamp: u32,
    /// The RTP marker bit: set on the first packet only.
    pub marker: bool,
    /// The telephone-event payload.
    pub payload: [u8; 4],
}

/// Builds digit schedules; holds only its (range-checked) configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DtmfSender {
    /// Tone length in 1/8000 s.
    tone: u16,
    /// Update interval in 1/8000 s.
    interval: u16,
    end_packets: u8,
    volume: u8,
}

impl Default for DtmfSender {
    fn default() -> Self {
        Self::new(SenderConfig::default())
    }
}

impl DtmfSender {
    /// A sender for `config`, each value clamped to the range documented on [`SenderConfig`].
    pub fn new(config: SenderConfig) -> Self {
        DtmfSender {
            tone: units(config.duration, 80, u32::from(u16::MAX)),
            interval: units(config.update_interval, 80, CLOCK_RATE),
            end_packets: config.end_packets.clamp(1, 10),
            volume: config.volume.min(63),
        }
    }

    /// The packets that send `digit` (`0`–`9`, `*`, `#`, `A`–`D`, or `a`–`d`) as an event
    /// starting at RTP timestamp `timestamp`.
    pub fn schedule(&self, digit: char, timestamp: u32) -> Result<DigitSchedule, DtmfError> {
        let event = digit_to_event(digit).ok_or(DtmfError::NotADigit(digit))?;
        let updates = u32::from(self.tone).div_ceil(u32::from(self.interval));
        Ok(DigitSchedule {
            sender: *self,
            event,
            timestamp,
            updates,
            next: 0,
            total: updates + u32::from(self.end_packets),
        })
    }

    /// The tone's length in RTP timestamp units: the next digit may start this much later.
    pub fn tone_units(&self) -> u32 {
        u32::from(self.tone)
    }

    /// How long the whole schedule takes, from the first packet to the last end packet.
    pub fn schedule_length(&self) -> Duration {
        let last =
            u32::from(self.tone) + u32::from(self.end_packets - 1) * u32::from(self.interval);
        units_to_duration(last)
    }
}

/// The packets of one digit, in sending order (an iterator; see the [module docs](self)).
#[derive(Debug, Clone)]
pub struct DigitSchedule {
    sender: DtmfSender,
    event: u8,
    timestamp: u32,
    /// How many packets are updates; the end packets follow.
    updates: u32,
    next: u32,
    total: u32,
}

impl Iterator for DigitSchedule {
    type Item = ScheduledPacket;

    fn next(&mut self) -> Option<ScheduledPacket> {
        if self.next >= self.total {
            return None;
        }
        let i = self.next;
        self.next += 1;
        let tone = u32::from(self.sender.tone);
        let interval = u32::from(self.sender.interval);
        let (offset, duration, end) = if i < self.updates {
            (i * interval, ((i + 1) * interval).min(tone), false)
        } else {
            (tone + (i - self.updates) * interval, tone, true)
        };
        let report = TelephoneEvent::new(
            self.event,
            end,
            self.sender.volume,
            u16::try_from(duration).unwrap_or(u16::MAX),
        );
        Some(ScheduledPacket {
            send_at: units_to_duration(offset),
            timestamp: self.timestamp,
            marker: i == 0,
            payload: report.encode(),
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = usize::try_from(self.total.saturating_sub(self.next)).unwrap_or(usize::MAX);
        (left, Some(left))
    }
}

impl ExactSizeIterator for DigitSchedule {}

/// `d` in 1/8000 s units, clamped to `min..=max`.
fn units(d: Duration, min: u32, max: u32) -> u16 {
    let n = d.as_micros() / 125; // 125 µs per unit at 8 kHz
    let n = u32::try_from(n).unwrap_or(u32::MAX).clamp(min, max);
    u16::try_from(n).unwrap_or(u16::MAX)
}

fn units_to_duration(n: u32) -> Duration {
    Duration::from_micros(u64::from(n) * 125)
}
