//! Receive statistics for one incoming RTP source, as RFC 3550 appendix A specifies them:
//! sequence validation with probation and restart detection (A.1), expected and lost packets,
//! cumulative and since the last report (A.3), and interarrival jitter (A.8).
//!
//! Inputs are a packet's sequence number, RTP timestamp and arrival [`Instant`]; nothing here
//! reads a clock. One [`ReceiveStats`] covers one SSRC: when the SSRC changes, start a new one.
//!
//! Jitter is kept exactly: arrival and timestamp differences are compared in integer
//! nanosecond × clock-rate units before the one division, so a perfectly paced stream has a
//! jitter of exactly 0.

use std::time::Instant;

/// Packets in sequence needed before a source counts as valid (A.1).
pub const MIN_SEQUENTIAL: u16 = 2;
/// A forward jump this large or larger is not loss but a possible restart (A.1).
pub const MAX_DROPOUT: u16 = 3000;
/// A backward step up to this many is a late (reordered or duplicate) packet (A.1).
pub const MAX_MISORDER: u16 = 100;
const SEQ_MOD: u32 = 1 << 16;
const NANOS_PER_SEC: i128 = 1_000_000_000;

/// What the sequence check made of a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeqStatus {
    /// The source is still on probation: the packet is not counted (A.1 returns 0).
    Probation,
    /// The highest sequence number so far (any gap before it is loss until filled).
    InOrder,
    /// Older than the highest, first time seen (reordered, fills a gap).
    Late,
    /// A sequence number already seen within the last 128. Counted as received, as RFC 3550
    /// counts duplicates; the shell should not play it twice.
    Duplicate,
    /// A jump too large to be loss or reordering; not counted. If the next packet follows it,
    /// the sender restarted its sequence.
    Jump,
    /// The packet after a [`SeqStatus::Jump`] followed it: the statistics started over here.
    Restarted,
}

impl SeqStatus {
    /// Whether the packet was counted as received.
    pub fn counted(self) -> bool {
        !matches!(self, SeqStatus::Probation | SeqStatus::Jump)
    }

    /// Whether the packet carries media worth playing (not a duplicate).
    pub fn playable(self) -> bool {
        !matches!(self, SeqStatus::Duplicate)
    }
}

/// The numbers of an RTCP reception report block (RFC 3550 §6.4.1) for one source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReceptionReport {
    /// Fraction lost since the previous report, in 1/256.
    pub fraction_lost: u8,
    /// Cumulative lost, clamped to the 24-bit signed field (negative with duplicates).
    pub cumulative_lost: i32,
    /// Cycles << 16 | highest sequence number.
    pub extended_highest_seq: u32,
    /// Interarrival jitter in timestamp units.
    pub jitter: u32,
}

/// Receive statistics of one source.
#[derive(Debug, Clone)]
pub struct ReceiveStats {
    clock_rate: u32,
    started: bool,
    max_seq: u16,
    cycles: u32,
    base_seq: u32,
    bad_seq: u32,
    probation: u16,
    received: u64,
    expected_prior: u64,
    received_prior: u64,
    duplicates: u64,
    /// Bit i: extended sequence number `highest - i` was seen.
    seen: u128,
    last_arrival: Option<(Instant, u32)>,
    jitter: f64,
}

impl ReceiveStats {
    /// Statistics for a source whose RTP clock runs at `clock_rate` Hz (8000 for G.711).
    pub fn new(clock_rate: u32) -> Self {
        ReceiveStats {
            clock_rate: clock_rate.max(1),
            started: false,
            max_seq: 0,
            cycles: 0,
            base_seq: 0,
            bad_seq: SEQ_MOD + 1,
            probation: MIN_SEQUENTIAL,
            received: 0,
            expected_prior: 0,
            received_prior: 0,
            duplicates: 0,
            seen: 0,
            last_arrival: None,
            jitter: 0.0,
        }
    }

    /// Record a packet: sequence check, counts and jitter.
    pub fn on_packet(&mut self, seq: u16, timestamp: u32, arrival: Instant) -> SeqStatus {
        let status = self.update_seq(seq);
        match status {
            SeqStatus::Probation | SeqStatus::InOrder | SeqStatus::Late => {
                self.update_jitter(timestamp, arrival)
            }
            SeqStatus::Restarted => self.last_arrival = Some((arrival, timestamp)),
            SeqStatus::Duplicate | SeqStatus::Jump => {}
        }
        status
    }

    /// Record a packet whose timestamp does not track its send time (RFC 4733 events repeat the
    /// event's start timestamp): sequence check and counts only, jitter untouched.
    pub fn on_packet_untimed(&mut self, seq: u16) -> SeqStatus {
        self.update_seq(seq)
    }

    fn init_seq(&mut self, seq: u16) {
        self.base_seq = u32::from(seq);
        self.max_seq = seq;
        self.bad_seq = SEQ_MOD + 1;
        self.cycles = 0;
        self.received = 0;
        self.received_prior = 0;
        self.expected_prior = 0;
        self.seen = 1;
    }

    /// RFC 3550 A.1 `update_seq`, plus the duplicate window.
    fn update_seq(&mut self, seq: u16) -> SeqStatus {
        if !self.started {
            self.started = true;
            self.init_seq(seq);
            self.max_seq = seq.wrapping_sub(1);
            self.probation = MIN_SEQUENTIAL;
        }
        let udelta = seq.wrapping_sub(self.max_seq);
        if self.probation > 0 {
            if seq == self.max_seq.wrapping_add(1) {
                self.probation -= 1;
                self.max_seq = seq;
                if self.probation == 0 {
                    self.init_seq(seq);
                    self.received += 1;
                    return SeqStatus::InOrder;
                }
            } else {
                self.probation = MIN_SEQUENTIAL - 1;
                self.max_seq = seq;
            }
            return SeqStatus::Probation;
        }
        let status = if udelta < MAX_DROPOUT {
            if udelta == 0 {
                self.mark_seen(0)
            } else {
                if seq < self.max_seq {
                    self.cycles = self.cycles.wrapping_add(SEQ_MOD);
                }
                self.max_seq = seq;
                self.advance_window(udelta);
                SeqStatus::InOrder
            }
        } else if u32::from(udelta) <= SEQ_MOD - u32::from(MAX_MISORDER) {
            if u32::from(seq) == self.bad_seq {
                self.init_seq(seq);
                SeqStatus::Restarted
            } else {
                self.bad_seq = (u32::from(seq) + 1) & (SEQ_MOD - 1);
                return SeqStatus::Jump;
            }
        } else {
            // Behind the highest by 1..=MAX_MISORDER.
            self.mark_seen(u32::from(self.max_seq.wrapping_sub(seq)))
        };
        self.received += 1;
        if status == SeqStatus::Duplicate {
            self.duplicates += 1;
        }
        status
    }

    fn advance_window(&mut self, by: u16) {
        self.seen = if by >= 128 { 0 } else { self.seen << by };
        self.seen |= 1;
    }

    fn mark_seen(&mut self, behind: u32) -> SeqStatus {
        let bit = 1u128.checked_shl(behind).unwrap_or(0);
        if self.seen & bit != 0 {
            SeqStatus::Duplicate
        } else {
            self.seen |= bit;
            SeqStatus::Late
        }
    }

    /// RFC 3550 A.8, with D computed exactly in integer units.
    fn update_jitter(&mut self, timestamp: u32, arrival: Instant) {
        if let Some((prev_arrival, prev_ts)) = self.last_arrival {
            let elapsed_ns: i128 = match arrival.checked_duration_since(prev_arrival) {
                Some(d) => d.as_nanos() as i128,
                None => -(prev_arrival.duration_since(arrival).as_nanos() as i128),
            };
            let ts_delta = i128::from(timestamp.wrapping_sub(prev_ts) as i32);
            let d_scaled = elapsed_ns * i128::from(self.clock_rate) - ts_delta * NANOS_PER_SEC;
            let d = (d_scaled as f64 / NANOS_PER_SEC as f64).abs();
            self.jitter += (d - self.jitter) / 16.0;
        }
        self.last_arrival = Some((arrival, timestamp));
    }

    /// Whether the source has passed probation.
    pub fn is_valid(&self) -> bool {
        self.started && self.probation == 0
    }

    /// Highest sequence number with its wrap count (cycles << 16 | max_seq).
    pub fn extended_max(&self) -> u32 {
        self.cycles.wrapping_add(u32::from(self.max_seq))
    }

    /// Packets expected: extended highest − base + 1 (0 while on probation).
    pub fn expected(&self) -> u64 {
        if !self.is_valid() {
            return 0;
        }
        let ext = u64::from(self.cycles) + u64::from(self.max_seq);
        (ext + 1).saturating_sub(u64::from(self.base_seq))
    }

    /// Packets received (counted: including late and duplicates, excluding probation/jumps).
    pub fn received(&self) -> u64 {
        self.received
    }

    /// Duplicates seen (included in [`ReceiveStats::received`]).
    pub fn duplicates(&self) -> u64 {
        self.duplicates
    }

    /// Cumulative packets lost: expected − received; negative when duplicates outnumber losses.
    pub fn lost(&self) -> i64 {
        self.expected() as i64 - self.received as i64
    }

    /// Interarrival jitter in timestamp units.
    pub fn jitter(&self) -> f64 {
        self.jitter
    }

    /// Interarrival jitter in milliseconds.
    pub fn jitter_ms(&self) -> f64 {
        self.jitter * 1000.0 / f64::from(self.clock_rate)
    }

    /// The numbers for a reception report; starts a new interval for the fraction lost (A.3).
    pub fn report(&mut self) -> ReceptionReport {
        let expected = self.expected();
        let expected_interval = expected.saturating_sub(self.expected_prior);
        self.expected_prior = expected;
        let received_interval = self.received.saturating_sub(self.received_prior);
        self.received_prior = self.received;
        let lost_interval = expected_interval as i64 - received_interval as i64;
        let fraction_lost = if expected_interval == 0 || lost_interval <= 0 {
            0
        } else {
            ((lost_interval << 8) / expected_interval as i64).min(255) as u8
        };
        ReceptionReport {
            fraction_lost,
            cumulative_lost: self.lost().clamp(-0x80_0000, 0x7f_ffff) as i32,
            extended_highest_seq: self.extended_max(),
            jitter: self.jitter as u32,
        }
    }
}

impl Default for ReceiveStats {
    /// Statistics at the 8 kHz G.711 clock.
    fn default() -> Self {
        ReceiveStats::new(8000)
    }
}
