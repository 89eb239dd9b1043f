//! The leg task's loop: one `select!` over the socket, the command queue, the bridge inbox and
//! one timer (the earliest of: the next 20 ms slot, the DTMF end timeout, the media timeout).
//! Every decision is made by the pure parts (pacing, receiver, DTMF, playback cursors); this
//! file only moves bytes and time between them.

use std::collections::VecDeque;
use std::time::Duration;

use tokio::net::UdpSocket;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tracing::debug;

use super::{
    BridgeFrame, LegCommand, LegConfig, LegEvent, LegMedia, LegReport, RecordTo, BRIDGE_QUEUE,
};
use crate::dtmf::{
    DigitSchedule, DtmfEvent, DtmfReceiver, DtmfSender, RtpEventPacket, SenderConfig,
};
use crate::g711;
use crate::prompt::{silence_byte, Frame, FrameResult, MusicOnHold, Playback, FRAME_SAMPLES};
use crate::rtp_session::{
    PayloadKind, PayloadMap, RtpReceiver, RtpSender, SenderInit, SourceLatch,
};

/// How long after a digit's last packet its end is assumed (end packets all lost).
const DTMF_END_TIMEOUT: Duration = Duration::from_millis(200);

/// A digit being sent, one packet per 20 ms slot.
struct OutgoingDigit {
    schedule: std::iter::Peekable<DigitSchedule>,
    started: Instant,
}

pub(super) struct Leg {
    socket: UdpSocket,
    cfg: LegConfig,
    events: mpsc::UnboundedSender<LegEvent>,
    receiver: RtpReceiver,
    sender: RtpSender,
    dtmf_in: DtmfReceiver,
    dtmf_out: DtmfSender,
    digits_out: VecDeque<char>,
    digit: Option<OutgoingDigit>,
    playback: Option<Playback>,
    moh: Option<MusicOnHold>,
    bridge_to: Option<mpsc::Sender<BridgeFrame>>,
    bridged_in: VecDeque<Box<[i16; FRAME_SAMPLES]>>,
    bridge_dropped: u64,
    record: Option<RecordTo>,
    last_rx: Instant,
    /// The first packet waits until here: a phase within the first 20 ms drawn from the
    /// seed, so that legs started together (a burst of calls) do not all send in the same
    /// millisecond for the rest of their lives.
    first_send: Option<Instant>,
    packet: Vec<u8>,
    pcm: Vec<i16>,
}

impl Leg {
    pub(super) fn new(
        socket: UdpSocket,
        cfg: LegConfig,
        events: mpsc::UnboundedSender<LegEvent>,
    ) -> Leg {
        let m = &cfg.media;
        let latch = SourceLatch::new(
            cfg.latch,
            m.remote,
            cfg.signalling,
            Instant::now().into_std(),
        );
        let receiver = RtpReceiver::new(PayloadMap::new(m.audio_pt, m.dtmf_pt), latch);
        let mut sender = RtpSender::new(m.audio_pt, SenderInit::from_seed(cfg.seed));
        if !m.send {
            sender.pause();
        }
        Leg {
            socket,
            receiver,
            sender,
            dtmf_in: DtmfReceiver::new(DTMF_END_TIMEOUT),
            dtmf_out: DtmfSender::new(SenderConfig {
                update_interval: Duration::from_millis(20),
                ..SenderConfig::default()
            }),
            digits_out: VecDeque::new(),
            digit: None,
            playback: None,
            moh: None,
            bridge_to: None,
            bridged_in: VecDeque::new(),
            bridge_dropped: 0,
            record: None,
            last_rx: Instant::now(),
            first_send: Some(Instant::now() + phase_offset(cfg.seed)),
            packet: Vec::with_capacity(12 + FRAME_SAMPLES),
            pcm: Vec::with_capacity(FRAME_SAMPLES),
            events,
            cfg,
        }
    }

    pub(super) async fn run(
        mut self,
        mut commands: mpsc::UnboundedReceiver<LegCommand>,
        mut frames: mpsc::Receiver<BridgeFrame>,
    ) {
        let mut buf = vec![0u8; 2048];
        let timed_out = loop {
            let now = Instant::now();
            let wake = self.next_wake(now);
            let eager = self.receives_eagerly();
            tokio::select! {
                r = self.socket.recv_from(&mut buf), if eager => match r {
                    Ok((n, from)) => self.on_datagram(buf.get(..n).unwrap_or_default(), from, now),
                    Err(e) => {
                        // ICMP port unreachable surfaces here on Linux: not fatal.
                        debug!(error = %e, "rtp recv error");
                    }
                },
                cmd = commands.recv() => match cmd {
                    None | Some(LegCommand::Close) => break false,
                    Some(cmd) => self.on_command(cmd),
                },
                Some(frame) = frames.recv() => self.on_bridge_frame(frame),
                _ = tokio::time::sleep_until(wake) => {
                    let now = Instant::now();
                    if !eager {
                        self.drain_socket(&mut buf, now);
                    }
                    if self.on_timer(now).await {
                        break true;
                    }
                }
            }
        };
        if timed_out {
            let _ = self.events.send(LegEvent::MediaTimeout);
        }
        let stats = self.receiver.stats();
        let _ = self.events.send(LegEvent::Closed(LegReport {
            counters: *self.receiver.counters(),
            lost: stats.lost(),
            jitter_ms: stats.jitter_ms(),
            bridge_frames_dropped: self.bridge_dropped,
        }));
    }

    /// Wake for every packet only when there are no send ticks to piggyback on (on hold).
    /// Otherwise what arrived is read at the next 20 ms tick: half the wake-ups, for the price
    /// of a digit seen, or a bridged frame passed on, at most 20 ms later (10 ms on average).
    fn receives_eagerly(&self) -> bool {
        self.sender.is_paused()
    }

    /// Reads everything waiting on the socket without blocking (all stamped with the tick's
    /// time: they are handled now, whenever they came).
    fn drain_socket(&mut self, buf: &mut [u8], now: Instant) {
        // Bounded: a flood is read 256 datagrams a tick (the receiver drops what it must).
        for _ in 0..256 {
            match self.socket.try_recv_from(buf) {
                Ok((n, from)) => self.on_datagram(buf.get(..n).unwrap_or_default(), from, now),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                // ICMP port unreachable from an earlier send: read on.
                Err(_) => continue,
            }
        }
    }

    fn media_deadline(&self) -> Option<Instant> {
        self.cfg
            .media
            .receive
            .then(|| self.last_rx + self.cfg.media_timeout)
    }

    fn next_wake(&self, now: Instant) -> Instant {
        let std_now = now.into_std();
        let mut wake = now + Duration::from_secs(3600);
        if let Some(due) = self.sender.due(std_now) {
            let due = Instant::from_std(due);
            wake = wake.min(self.first_send.map_or(due, |first| due.max(first)));
        }
        if let Some(t) = self.dtmf_in.next_timeout() {
            wake = wake.min(Instant::from_std(t));
        }
        if let Some(t) = self.media_deadline() {
            wake = wake.min(t);
        }
        wake
    }

    /// Returns true when the media timeout has struck.
    async fn on_timer(&mut self, now: Instant) -> bool {
        while let Some(ev) = self.dtmf_in.poll(now.into_std()) {
            self.on_dtmf(ev);
        }
        if self.media_deadline().is_some_and(|d| now >= d) {
            debug!("media timeout");
            return true;
        }
        self.send_due(now).await;
        false
    }

    async fn send_due(&mut self, now: Instant) {
        match self.first_send {
            Some(first) if now < first => return,
            Some(_) => self.first_send = None,
            None => {}
        }
        let Some(to) = self.receiver.send_to() else {
            // Nowhere to send yet: keep the clock running so timestamps stay true.
            let _ = self.sender.next_slot(now.into_std());
            return;
        };
        let Some(slot) = self.sender.next_slot(now.into_std()) else {
            return;
        };
        self.packet.clear();
        if let Some(header) = self.digit_packet(now, slot.timestamp) {
            let (header, payload) = header;
            header.write_packet(&payload, &mut self.packet);
        } else {
            let mut frame: Frame = [silence_byte(self.cfg.media.codec); FRAME_SAMPLES];
            self.fill_audio(&mut frame);
            if let Some(RecordTo {
                sink,
                sent: Some(side),
                ..
            }) = &self.record
            {
                sink.push_g711(*side, self.cfg.media.codec, &frame);
            }
            let pt = self.cfg.media.audio_pt;
            let header = self
                .sender
                .header_for(pt, slot.marker, Some(slot.timestamp));
            header.write_packet(&frame, &mut self.packet);
        }
        let len = self.packet.len();
        if self.socket.send_to(&self.packet, to).await.is_ok() {
            self.receiver
                .counters_mut()
                .count_sent(len.saturating_sub(12));
        }
    }

    /// The next RFC 4733 packet if a digit is being sent (audio pauses meanwhile).
    fn digit_packet(
        &mut self,
        now: Instant,
        slot_ts: u32,
    ) -> Option<(crate::rtp_session::RtpHeader, [u8; 4])> {
        let dtmf_pt = self.cfg.media.dtmf_pt?;
        if self.digit.is_none() {
            let d = self.digits_out.pop_front()?;
            let schedule = self.dtmf_out.schedule(d, slot_ts).ok()?;
            self.digit = Some(OutgoingDigit {
                schedule: schedule.peekable(),
                started: now,
            });
        }
        let out = self.digit.as_mut()?;
        let due = out
            .schedule
            .peek()
            .is_some_and(|p| now + Duration::from_millis(1) >= out.started + p.send_at);
        let packet = if due { out.schedule.next() } else { None };
        if out.schedule.peek().is_none() {
            self.digit = None;
        }
        let p = packet?;
        Some((
            self.sender.header_for(dtmf_pt, p.marker, Some(p.timestamp)),
            p.payload,
        ))
    }

    /// Fills one outgoing frame: the bridged party, else the prompt, else music on hold.
    fn fill_audio(&mut self, frame: &mut Frame) {
        let codec = self.cfg.media.codec;
        if let Some(pcm) = self.bridged_in.pop_front() {
            g711::encode_into(codec, &pcm[..], frame);
            return;
        }
        if let Some(p) = self.playback.as_mut() {
            match p.next_frame(frame) {
                FrameResult::Frame => return,
                FrameResult::Finished | FrameResult::Interrupted => {
                    let interrupted = p.was_interrupted();
                    self.playback = None;
                    let _ = self.events.send(LegEvent::PlaybackDone { interrupted });
                }
            }
        }
        if let Some(m) = self.moh.as_mut() {
            m.set_codec(codec);
            let _ = m.next_frame(frame);
        }
    }

    fn on_datagram(&mut self, data: &[u8], from: std::net::SocketAddr, now: Instant) {
        let Ok(inbound) = self.receiver.on_datagram(data, from, now.into_std()) else {
            return; // dropped and counted by the receiver
        };
        self.last_rx = now;
        let p = inbound.packet;
        match inbound.kind {
            PayloadKind::Audio if inbound.seq.playable() => {
                self.pcm.clear();
                g711::decode(self.cfg.media.codec, p.payload, &mut self.pcm);
                if let Some(r) = &self.record {
                    r.sink.push(r.received, &self.pcm);
                }
                if let Some(to) = &self.bridge_to {
                    let mut frame = Box::new([0i16; FRAME_SAMPLES]);
                    for (to, &from) in frame.iter_mut().zip(&self.pcm) {
                        *to = from;
                    }
                    if to.try_send(BridgeFrame::Audio(frame)).is_err() {
                        self.bridge_dropped += 1;
                    }
                }
            }
            PayloadKind::Dtmf => {
                let pkt = RtpEventPacket {
                    timestamp: p.timestamp,
                    sequence: p.sequence,
                    marker: p.marker,
                    payload: p.payload,
                };
                if self.dtmf_in.handle_packet(pkt, now.into_std()).is_ok() {
                    while let Some(ev) = self.dtmf_in.poll(now.into_std()) {
                        self.on_dtmf(ev);
                    }
                }
            }
            _ => {}
        }
    }

    fn on_dtmf(&mut self, ev: DtmfEvent) {
        match ev {
            DtmfEvent::DigitStarted { digit, .. } => {
                let _ = self.events.send(LegEvent::DigitStarted(digit));
                if self.playback.as_mut().is_some_and(|p| p.interrupt()) {
                    self.playback = None;
                    let _ = self
                        .events
                        .send(LegEvent::PlaybackDone { interrupted: true });
                }
            }
            DtmfEvent::Digit(d) => {
                if let Some(to) = &self.bridge_to {
                    let _ = to.try_send(BridgeFrame::Digit(d.digit));
                }
                let _ = self.events.send(LegEvent::Digit {
                    digit: d.digit,
                    duration_ms: d.duration_ms,
                });
            }
        }
    }

    fn on_bridge_frame(&mut self, frame: BridgeFrame) {
        match frame {
            BridgeFrame::Audio(pcm) => {
                if self.bridged_in.len() >= BRIDGE_QUEUE {
                    self.bridged_in.pop_front();
                    self.bridge_dropped += 1;
                }
                self.bridged_in.push_back(pcm);
            }
            BridgeFrame::Digit(d) => self.digits_out.push_back(d),
        }
    }

    fn on_command(&mut self, cmd: LegCommand) {
        let codec = self.cfg.media.codec;
        match cmd {
            LegCommand::Play {
                prompts,
                interruptible,
            } => {
                if self.playback.is_some() {
                    let _ = self
                        .events
                        .send(LegEvent::PlaybackDone { interrupted: true });
                }
                self.playback = Some(Playback::new(prompts, codec, interruptible));
            }
            LegCommand::StopPlayback => {
                if self.playback.take().is_some() {
                    let _ = self
                        .events
                        .send(LegEvent::PlaybackDone { interrupted: true });
                }
            }
            LegCommand::MusicOnHold(p) => self.moh = p.map(|p| MusicOnHold::new(p, codec)),
            LegCommand::Bridge(to) => self.bridge_to = Some(to),
            LegCommand::Unbridge => {
                self.bridge_to = None;
                self.bridged_in.clear();
            }
            LegCommand::SendDigit(d) => self.digits_out.push_back(d),
            LegCommand::Renegotiate(media) => self.renegotiate(media),
            LegCommand::Record(r) => self.record = r,
            LegCommand::Close => {}
        }
    }

    fn renegotiate(&mut self, media: LegMedia) {
        self.receiver.renegotiate(
            PayloadMap::new(media.audio_pt, media.dtmf_pt),
            media.remote,
            Instant::now().into_std(),
        );
        self.sender.set_payload_type(media.audio_pt);
        match (self.cfg.media.send, media.send) {
            (true, false) => self.sender.pause(),
            (false, true) => self.sender.resume(),
            _ => {}
        }
        if let Some(p) = self.playback.as_mut() {
            p.set_codec(media.codec);
        }
        // A leg coming off hold gets a fresh media-timeout window.
        self.last_rx = Instant::now();
        self.cfg.media = media;
    }
}

/// A phase in [0, 20 ms) from the leg's seed (a multiplicative hash, so neighbouring seeds
/// spread out).
fn phase_offset(seed: u64) -> Duration {
    let h = seed.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    Duration::from_micros((h >> 32) % 20_000)
}
