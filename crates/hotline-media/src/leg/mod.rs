//! One call leg's media as a tokio task: the thin async shell around the pure parts of this
//! crate. It owns the leg's UDP socket, sends a packet every 20 ms (a prompt, music on hold,
//! the bridged party's voice, a DTMF digit, or silence), receives and checks what arrives
//! (latching, statistics, RFC 4733 digits), records, and ends the leg when no RTP arrives for
//! the media timeout.
//!
//! Commands go in through a [`LegHandle`]; what happens comes out as [`LegEvent`]s. Two legs are
//! bridged by giving each the other's frame inbox ([`bridge`]): decoded 20 ms PCM frames travel
//! between the tasks, so each leg keeps its own SSRC, sequence and timestamp space and its own
//! codec (PCMU on one side, PCMA on the other is transcoded for free).

mod task;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::UdpSocket;
use tokio::sync::mpsc;

use crate::prompt::{Prompt, FRAME_SAMPLES};
use crate::recording::{RecordingSink, Side};
use crate::rtp_session::{LatchPolicy, RtpCounters};
use crate::sdp::Codec;

/// What was negotiated for the leg (from the SDP offer/answer).
#[derive(Debug, Clone)]
pub struct LegMedia {
    pub codec: Codec,
    /// The payload type the far end uses for the codec (0 or 8 normally).
    pub audio_pt: u8,
    /// The telephone-event payload type, when agreed.
    pub dtmf_pt: Option<u8>,
    /// Where the SDP says to send RTP (until the far end's packets show where it really is).
    pub remote: Option<SocketAddr>,
    /// May we send (the far end did not put us on hold)?
    pub send: bool,
    /// Do we expect to receive (the far end sends)? The media timeout only runs while true.
    pub receive: bool,
}

/// How a leg behaves.
#[derive(Debug, Clone)]
pub struct LegConfig {
    pub media: LegMedia,
    /// End the leg after this long without RTP while receiving is expected.
    pub media_timeout: Duration,
    /// Seeds SSRC, first sequence number and timestamp.
    pub seed: u64,
    /// Which sources RTP is accepted from (strict latching, its learning window).
    pub latch: LatchPolicy,
    /// The IP address the call's signalling came from (tells whether the far end is NATed).
    pub signalling: Option<IpAddr>,
}

/// A 20 ms frame of linear PCM, or a digit, passed between bridged legs.
#[derive(Debug, Clone)]
pub enum BridgeFrame {
    Audio(Box<[i16; FRAME_SAMPLES]>),
    Digit(char),
}

/// Commands to a leg.
#[derive(Debug)]
pub enum LegCommand {
    /// Play these prompts back to back; `interruptible` lets a digit stop them (barge-in).
    Play {
        prompts: Vec<Arc<Prompt>>,
        interruptible: bool,
    },
    StopPlayback,
    /// Loop this prompt whenever nothing else is playing (None: stop).
    MusicOnHold(Option<Arc<Prompt>>),
    /// Send our received audio and digits to this inbox (the other leg of a bridge).
    Bridge(mpsc::Sender<BridgeFrame>),
    Unbridge,
    SendDigit(char),
    /// A re-INVITE changed the media (codec, address, hold).
    Renegotiate(LegMedia),
    /// Record into `sink`: what this leg receives as `received`, and what it sends as `sent`
    /// (for a mono IVR recording that holds both the caller and the prompts). None: stop.
    Record(Option<RecordTo>),
    Close,
}

/// Where a leg's audio is recorded.
#[derive(Debug, Clone)]
pub struct RecordTo {
    pub sink: RecordingSink,
    pub received: Side,
    pub sent: Option<Side>,
}

/// What a leg reports.
#[derive(Debug, Clone, PartialEq)]
pub enum LegEvent {
    /// A key went down (RFC 4733 start): stop the prompt now if barge-in is on.
    DigitStarted(char),
    /// A key press ended: the digit to collect.
    Digit { digit: char, duration_ms: u32 },
    /// A `Play` list ended, played out or interrupted.
    PlaybackDone { interrupted: bool },
    /// No RTP for the media timeout: the leg has stopped; end the call.
    MediaTimeout,
    /// The leg has stopped (after Close, a media timeout, or a socket error).
    Closed(LegReport),
}

/// A leg's figures at its end, for the call record and metrics.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LegReport {
    pub counters: RtpCounters,
    pub lost: i64,
    pub jitter_ms: f64,
    pub bridge_frames_dropped: u64,
}

/// Sends commands to a running leg. Dropping every handle closes the leg.
#[derive(Debug, Clone)]
pub struct LegHandle {
    commands: mpsc::UnboundedSender<LegCommand>,
    frames: mpsc::Sender<BridgeFrame>,
}

impl LegHandle {
    /// Queues a command; false if the leg has already stopped.
    pub fn send(&self, cmd: LegCommand) -> bool {
        self.commands.send(cmd).is_ok()
    }

    /// The inbox the other leg of a bridge sends to.
    pub fn frame_inbox(&self) -> mpsc::Sender<BridgeFrame> {
        self.frames.clone()
    }
}

/// Bridges two legs both ways.
pub fn bridge(a: &LegHandle, b: &LegHandle) {
    a.send(LegCommand::Bridge(b.frame_inbox()));
    b.send(LegCommand::Bridge(a.frame_inbox()));
}

/// Undoes [`bridge`].
pub fn unbridge(a: &LegHandle, b: &LegHandle) {
    a.send(LegCommand::Unbridge);
    b.send(LegCommand::Unbridge);
}

/// Bridged frames a leg buffers before it drops the oldest (60 ms of audio).
const BRIDGE_QUEUE: usize = 3;

/// Starts a leg on `socket` (bound to the leased RTP port). Events arrive on the receiver
/// until [`LegEvent::Closed`].
pub fn spawn(socket: UdpSocket, cfg: LegConfig) -> (LegHandle, mpsc::UnboundedReceiver<LegEvent>) {
    let (cmd_tx, cmd_rx) = mpsc::unbounded_channel();
    let (frame_tx, frame_rx) = mpsc::channel(BRIDGE_QUEUE * 4);
    let (ev_tx, ev_rx) = mpsc::unbounded_channel();
    let leg = task::Leg::new(socket, cfg, ev_tx);
    tokio::spawn(leg.run(cmd_rx, frame_rx));
    (
        LegHandle {
            commands: cmd_tx,
            frames: frame_tx,
        },
        ev_rx,
    )
}

#[cfg(test)]
mod tests;
