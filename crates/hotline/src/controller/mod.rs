//! The call controller's shell: it drives the call core (`hotline_call::control::CallCore`, a
//! pure state machine that decides what each call does) with the SIP core's events, the media
//! legs' events, the ACD router's outputs and the desktop's requests, each with the time read
//! here, and carries out what the core asks ([`media`]: RTP ports, SDP, legs, recordings;
//! [`tasks`]: the store's lookups and tickets; the SIP core, the router, the call log, the
//! desktops' event stream, `/metrics`). Its loop sleeps until the next input or the core's
//! next timer. See the README's architecture section for the core's phases.

pub mod call_log;
mod campaign;
mod desk;
mod env;
pub mod ivr;
mod ivr_data;
mod media;
mod notify;
mod prompts;
mod recorded;
mod rooms;
mod tasks;

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use hotline_call::control::{CallCore, CoreConfig, Input, Output};
use hotline_core::{Core, Now};
use hotline_media::leg::LegEvent;
use hotline_media::ports::PortAllocator;
use hotline_sip::{CallRef, SipEvent, SipHandle};
use tokio::sync::{mpsc, oneshot};
use tracing::debug;

pub use campaign::{CampaignRequest, CorePlacer};
pub use desk::{DeskCalls, DeskRequest};
pub use hotline_call::control::CallbackRoute;
pub use ivr_data::lookup as ivr_lookup;
pub use notify::{Message, Notifier, NotifyRequest};
pub use prompts::AnswerPrompts;

/// Opens a ticket for an IVR session (also used by the flow simulator, with no call), linked
/// to the call whose record has the reference `call_ref`.
pub async fn ivr_ticket(
    store: &hotline_store::Store,
    request: hotline_ivr::interp::TicketRequest,
    call_ref: Option<&str>,
    now: hotline_store::Millis,
) -> Result<hotline_ivr::interp::TicketInfo, String> {
    ivr_data::open_ticket(store, request, call_ref, Duration::from_secs(10), now).await
}

/// What the controller needs to know.
#[derive(Debug, Clone)]
pub struct ControllerConfig {
    /// The address put in SDP.
    pub media_address: IpAddr,
    /// The address RTP sockets bind to.
    pub media_bind: IpAddr,
    /// Which sources a leg takes RTP from (`media.strict_rtp`).
    pub rtp_latch: hotline_media::rtp_session::LatchPolicy,
    pub ring: Duration,
    /// Hang up answered calls after this; None = never.
    pub answer_hangup: Option<Duration>,
    /// End a call after this long without RTP; None = never.
    pub media_timeout: Option<Duration>,
    pub prompts: Arc<AnswerPrompts>,
    /// Record answered calls into this folder; None = no recording.
    pub recordings: Option<PathBuf>,
    /// Encrypt recordings under this key (`….wav.hlenc` files); None = plain WAV.
    pub recording_key: Option<hotline_media::recording::RecordingKey>,
    /// Where call records go; None = not kept.
    pub call_log: Option<call_log::CallLog>,
    /// The IVR flows answered calls run; None = the built-in answer flow (welcome, music,
    /// digits read back).
    pub ivr: Option<ivr::IvrRuntime>,
    /// The ACD that flows transfer callers to.
    pub acd: Option<crate::acd::AcdHandle>,
    /// Where callbacks are dialled; None = no callbacks (a `callback` exit is a ticket).
    pub callbacks: Option<CallbackRoute>,
    /// Screen pops for the desktops' event stream.
    pub live: Option<hotline_web::LiveSender>,
    /// Call setup times, media legs' figures and media timeouts for `/metrics`.
    pub metrics: Option<Arc<hotline_metrics::Metrics>>,
    /// The flow a caller goes to when the agent's leg ends first (`acd.after_agent_flow`).
    pub after_agent_flow: String,
    /// Callers are invited to stay on the line for it (`acd.survey_invite`).
    pub survey_invite: bool,
    /// `[dialing]`: what agents may dial, by role.
    pub dial_rules: hotline_call::dialing::DialRules,
    /// `acd.tell_monitored`.
    pub tell_monitored: bool,
}

impl ControllerConfig {
    fn log(&self) -> Option<&call_log::CallLog> {
        self.call_log.as_ref()
    }

    /// The call core's settings.
    fn core(&self) -> CoreConfig {
        CoreConfig {
            ring: self.ring,
            answer_hangup: self.answer_hangup,
            entry_flow: self.ivr.as_ref().map(|rt| rt.entry.clone()),
            acd: self.acd.is_some(),
            callbacks: self.callbacks.clone(),
            after_agent_flow: self.after_agent_flow.clone(),
            language: self.prompts.welcome.lang().to_string(),
            recording: self.recordings.is_some(),
            survey_invite: self.survey_invite,
            dial_rules: self.dial_rules.clone(),
            tell_monitored: self.tell_monitored,
        }
    }
}

/// What the shell's own tasks report to its loop.
enum Internal {
    Leg(CallRef, LegEvent),
    /// An input for the core (a lookup's or ticket's answer).
    Core(Input),
}

/// The ACD router's outputs, for the controller loop.
pub type AcdOutputs = mpsc::UnboundedReceiver<hotline_acd::Output>;

/// What the engine's other parts send the controller loop (each optional).
#[derive(Default)]
pub struct Requests {
    /// The ACD router's outputs.
    pub acd: Option<AcdOutputs>,
    /// The desktops' call control.
    pub desk: Option<mpsc::UnboundedReceiver<DeskRequest>>,
    /// Notification calls to place.
    pub notify: Option<mpsc::UnboundedReceiver<notify::NotifyRequest>>,
    /// Campaign calls to place.
    pub campaigns: Option<mpsc::UnboundedReceiver<campaign::CampaignRequest>>,
}

/// Runs until the SIP event stream ends.
pub async fn run(
    cfg: ControllerConfig,
    sip: SipHandle,
    mut events: mpsc::UnboundedReceiver<SipEvent>,
    ports: Arc<PortAllocator>,
    requests: Requests,
) {
    let Requests {
        acd: acd_outputs,
        desk,
        notify,
        campaigns,
    } = requests;
    let (tx, mut internal) = mpsc::unbounded_channel::<Internal>();
    let bound = env::Bound::default();
    let counters = cfg
        .ivr
        .as_ref()
        .map(|rt| Arc::clone(&rt.counters))
        .unwrap_or_default();
    let core_env = env::ShellEnv::new(&cfg, &sip, &ports, bound.clone());
    let mut core = CallCore::new(cfg.core(), Box::new(core_env), counters, Now::system());
    let mut shell = media::Shell::new(cfg, sip, ports, bound, tx);
    let mut replies: HashMap<u64, oneshot::Sender<Result<(), hotline_web::ControlError>>> =
        HashMap::new();
    let mut next_request = 0u64;
    // Without an ACD or a desk, receivers that never yield.
    let (_keep, idle) = mpsc::unbounded_channel();
    let mut acd_outputs = acd_outputs.unwrap_or(idle);
    let (_keep_desk, idle_desk) = mpsc::unbounded_channel();
    let mut desk = desk.unwrap_or(idle_desk);
    let (_keep_notify, idle_notify) = mpsc::unbounded_channel();
    let mut notify = notify.unwrap_or(idle_notify);
    let mut notified: HashMap<u64, oneshot::Sender<hotline_call::control::NotifyOutcome>> =
        HashMap::new();
    let (_keep_campaigns, idle_campaigns) = mpsc::unbounded_channel();
    let mut campaigns = campaigns.unwrap_or(idle_campaigns);
    // Each campaign call's outcome goes to its reply; a progressive call's answer first to
    // its `answered`.
    let mut campaigned: HashMap<u64, campaign::Replies> = HashMap::new();
    // One timer for the core's next deadline, moved only when the deadline moves (not made
    // anew for every input).
    let sleep = tokio::time::sleep(Duration::from_secs(3600));
    tokio::pin!(sleep);
    let mut armed: Option<std::time::Instant> = None;
    loop {
        while let Some(out) = core.poll_output() {
            if let Output::DeskReply { request, result } = out {
                if let Some(reply) = replies.remove(&request) {
                    let _ = reply.send(result);
                }
                continue;
            }
            if let Output::NotifyResult { id, outcome } = out {
                if let Some(reply) = notified.remove(&id) {
                    let _ = reply.send(outcome);
                }
                continue;
            }
            if let Output::CampaignResult { id, outcome } = out {
                if let Some((reply, _)) = campaigned.remove(&id) {
                    let _ = reply.send(outcome);
                }
                continue;
            }
            if let Output::CampaignAnswered { id } = out {
                if let Some(answered) = campaigned.get_mut(&id).and_then(|(_, a)| a.take()) {
                    let _ = answered.send(());
                }
                continue;
            }
            shell.carry_out(out);
        }
        let deadline = core.poll_timeout();
        if deadline != armed {
            if let Some(at) = deadline {
                sleep.as_mut().reset(tokio::time::Instant::from_std(at));
            }
            armed = deadline;
        }
        let input = tokio::select! {
            ev = events.recv() => match ev {
                Some(ev) => shell.sip_event(ev).await,
                None => break,
            },
            Some(msg) = internal.recv() => match msg {
                Internal::Leg(call, ev) => shell.leg_event(call, ev),
                Internal::Core(input) => Some(input),
            },
            Some(out) = acd_outputs.recv() => Some(Input::Acd(out)),
            Some(req) = desk.recv() => {
                next_request += 1;
                let (agent, action, reply) = desk::split(req);
                replies.insert(next_request, reply);
                Some(Input::Desk { request: next_request, agent, action })
            }
            Some(req) = notify.recv() => {
                next_request += 1;
                let (n, reply) = req.split(next_request);
                notified.insert(next_request, reply);
                Some(Input::Notify(n))
            }
            Some(req) = campaigns.recv() => {
                next_request += 1;
                let (c, replies) = req.split(next_request);
                campaigned.insert(next_request, replies);
                Some(Input::Campaign(c))
            }
            () = &mut sleep, if armed.is_some() => {
                armed = None;
                let now = Now::system();
                shell.core_now = now.mono;
                core.handle_timeout(now);
                None
            }
        };
        if let Some(input) = input {
            let now = Now::system();
            shell.core_now = now.mono;
            core.handle(now, input);
        }
    }
    debug!("SIP events ended; the controller stops");
    core.shut_down();
    while let Some(out) = core.poll_output() {
        shell.carry_out(out);
    }
}
