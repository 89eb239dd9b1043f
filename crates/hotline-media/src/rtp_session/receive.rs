//! The receive path of one call leg, as one pure step: datagram in, verdict out.
//!
//! [`RtpReceiver::on_datagram`] parses, classifies the payload type, checks the source latch,
//! updates the receive statistics and the counters, in that order — so a malformed packet or one
//! with a payload type we never agreed to can neither latch the leg nor disturb its statistics.
//! The shell only moves bytes: it gives each datagram with its source address and arrival time
//! and plays, decodes or drops according to the answer.

use std::net::SocketAddr;
use std::time::Instant;

use super::classify::{PayloadKind, PayloadMap};
use super::counters::{DropReason, RtpCounters};
use super::latch::{LatchVerdict, SourceLatch};
use super::packet::RtpPacket;
use super::stats::{ReceiveStats, SeqStatus};

/// An accepted packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Inbound<'a> {
    pub packet: RtpPacket<'a>,
    /// Audio, Dtmf or ComfortNoise (never Unknown: those are dropped).
    pub kind: PayloadKind,
    /// The sequence check; don't play a [`SeqStatus::Duplicate`].
    pub seq: SeqStatus,
    /// What the latch did: [`LatchVerdict::Latched`] means the send address may have changed.
    pub latch: LatchVerdict,
}

/// The receive side of one call leg.
#[derive(Debug, Clone)]
pub struct RtpReceiver {
    payloads: PayloadMap,
    latch: SourceLatch,
    clock_rate: u32,
    stats: ReceiveStats,
    stats_ssrc: Option<u32>,
    counters: RtpCounters,
}

impl RtpReceiver {
    /// A leg receiving `payloads` at the 8 kHz G.711 clock from the sources `latch` admits.
    pub fn new(payloads: PayloadMap, latch: SourceLatch) -> Self {
        Self::with_clock_rate(payloads, latch, 8000)
    }

    /// A leg whose audio clock runs at `clock_rate` Hz.
    pub fn with_clock_rate(payloads: PayloadMap, latch: SourceLatch, clock_rate: u32) -> Self {
        RtpReceiver {
            payloads,
            latch,
            clock_rate,
            stats: ReceiveStats::new(clock_rate),
            stats_ssrc: None,
            counters: RtpCounters::default(),
        }
    }

    /// Process one datagram that arrived from `from` at `now`.
    pub fn on_datagram<'a>(
        &mut self,
        datagram: &'a [u8],
        from: SocketAddr,
        now: Instant,
    ) -> Result<Inbound<'a>, DropReason> {
        let result = self.accept(datagram, from, now);
        match &result {
            Ok(inbound) => self.count_accepted(inbound),
            Err(reason) => self.counters.count_drop(*reason),
        }
        result
    }

    fn accept<'a>(
        &mut self,
        datagram: &'a [u8],
        from: SocketAddr,
        now: Instant,
    ) -> Result<Inbound<'a>, DropReason> {
        let packet = RtpPacket::parse(datagram).map_err(DropReason::Malformed)?;
        let kind = self.payloads.classify(packet.payload_type);
        if kind == PayloadKind::Unknown {
            return Err(DropReason::UnknownPayload);
        }
        let latch = self.latch.check(from, packet.ssrc, now);
        if !latch.accepted() {
            return Err(DropReason::WrongSource);
        }
        if self.stats_ssrc != Some(packet.ssrc) {
            self.stats = ReceiveStats::new(self.clock_rate);
            self.stats_ssrc = Some(packet.ssrc);
        }
        let seq = match kind {
            PayloadKind::Dtmf => self.stats.on_packet_untimed(packet.sequence),
            _ => self.stats.on_packet(packet.sequence, packet.timestamp, now),
        };
        Ok(Inbound {
            packet,
            kind,
            seq,
            latch,
        })
    }

    fn count_accepted(&mut self, inbound: &Inbound<'_>) {
        let c = &mut self.counters;
        c.received = c.received.saturating_add(1);
        let bytes = inbound.packet.payload.len() as u64;
        c.received_payload_bytes = c.received_payload_bytes.saturating_add(bytes);
        let kind = match inbound.kind {
            PayloadKind::Audio => &mut c.received_audio,
            PayloadKind::Dtmf => &mut c.received_dtmf,
            PayloadKind::ComfortNoise | PayloadKind::Unknown => &mut c.received_comfort_noise,
        };
        *kind = kind.saturating_add(1);
        if inbound.seq == SeqStatus::Duplicate {
            c.duplicates = c.duplicates.saturating_add(1);
        }
    }

    /// A re-INVITE at `now`: new payload types and SDP address; the latch starts over (a new
    /// learning window opens).
    pub fn renegotiate(
        &mut self,
        payloads: PayloadMap,
        advertised: Option<SocketAddr>,
        now: Instant,
    ) {
        self.payloads = payloads;
        self.latch.set_advertised(advertised);
        self.latch.relatch(now);
    }

    /// Where to send this leg's RTP (latched source, else SDP address).
    pub fn send_to(&self) -> Option<SocketAddr> {
        self.latch.send_to()
    }

    pub fn latch(&self) -> &SourceLatch {
        &self.latch
    }

    pub fn latch_mut(&mut self) -> &mut SourceLatch {
        &mut self.latch
    }

    /// Statistics of the current source (the latest SSRC).
    pub fn stats(&self) -> &ReceiveStats {
        &self.stats
    }

    /// Mutable, for [`ReceiveStats::report`].
    pub fn stats_mut(&mut self) -> &mut ReceiveStats {
        &mut self.stats
    }

    pub fn counters(&self) -> &RtpCounters {
        &self.counters
    }

    /// Mutable, for the send side's [`RtpCounters::count_sent`].
    pub fn counters_mut(&mut self) -> &mut RtpCounters {
        &mut self.counters
    }

    pub fn payloads(&self) -> PayloadMap {
        self.payloads
    }
}
