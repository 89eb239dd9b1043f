//! `hotline serve`: turns the configuration into running parts (SIP core, RTP ports, call
//! controller), prints where it listens, and shuts down cleanly on SIGINT/SIGTERM.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use hotline_media::ports::PortAllocator;
use hotline_sip::admission::Cidr;
use hotline_sip::digest::{self, Algorithm};
use hotline_sip::overload::OverloadLimits;
use hotline_sip::registrar::RegistrarConfig;
use hotline_sip::{shell, CoreConfig, SipServerConfig, UserCredentials};
use tracing::{info, warn};

use crate::config::{Config, UserConfig};
use crate::controller::ivr::IvrRuntime;
use crate::controller::{self, AnswerPrompts, ControllerConfig};
use crate::flows;
use crate::storage;
use hotline_media::prompt::PromptLibrary;
use hotline_media::recording::{repair_dir, RepairOutcome};

/// Runs the engine until a shutdown signal.
pub async fn serve(
    cfg: Config,
    config_path: Option<std::path::PathBuf>,
    recording_keys: hotline_media::recording::Keyring,
) -> Result<(), String> {
    std::fs::create_dir_all(&cfg.data.dir)
        .map_err(|e| format!("data.dir {}: {e}", cfg.data.dir.display()))?;
    // The centre's zone for code that is not handed one (dates of bills read to callers).
    let zone = cfg.centre.zone()?;
    hotline_time::set_centre(zone.clone());
    info!(time_zone = zone.name(), "centre time zone");
    let flows = load_flows(&cfg)?;
    let qa = load_qa(&cfg)?;
    let languages: Vec<String> = flows
        .iter()
        .flat_map(|f| f.flows.iter().flat_map(|f| f.languages.iter().cloned()))
        .collect();
    let (prompts, library) = load_prompts(&cfg, &languages)?;
    let recordings = cfg.data.dir.join("recordings");
    let recording_keys = Arc::new(recording_keys);
    match recording_keys.current() {
        Some(key) => info!(
            key_id = %key.id(),
            older_keys = recording_keys.len() - 1,
            "recordings are encrypted at rest"
        ),
        None if !recording_keys.is_empty() => info!(
            older_keys = recording_keys.len(),
            "recordings are written plain; older keys read encrypted ones"
        ),
        None => {}
    }
    repair_recordings(&recordings, &recording_keys);
    if cfg.media.record {
        std::fs::create_dir_all(&recordings)
            .map_err(|e| format!("data.dir {}: {e}", recordings.display()))?;
    }
    let store = storage::open(&cfg).await?;
    storage::seed_demo_if_empty(&store, &cfg, cfg.store.demo_customers).await?;
    storage::keep_report_rules(&store, &cfg.acd.queues).await;
    crate::priority::spawn();
    let mut sip_cfg = sip_config(&cfg)?;
    let configured_users = sip_cfg.users.clone();
    sip_cfg.users = storage::sip_users(&store, &configured_users).await?;
    let initial_users = sip_cfg.users.clone();
    let server = shell::start(sip_cfg)
        .await
        .map_err(|e| format!("cannot listen for SIP: {e}"))?;
    // The ACD, with the agents in the store; its outputs go to the controller.
    let agents = store.agents().await.map_err(|e| format!("store: {e}"))?;
    // A queue needing a skill no agent has yet is allowed (agents come later), but said.
    let known: Vec<String> = agents
        .iter()
        .flat_map(|a| a.skills.iter().map(|(s, _)| s.clone()))
        .collect();
    if let Err(errors) = hotline_acd::validate_skills(&cfg.acd.queues, &known) {
        for e in errors {
            warn!("acd.queues: {e} (no agent has it yet: calls there wait until one does)");
        }
    }
    let (acd_tx, acd_rx) = tokio::sync::mpsc::unbounded_channel();
    // Live events for the desktops and the wallboard.
    let live = hotline_web::LiveSender::new(LIVE_BACKLOG);
    let live_states = live.clone();
    let metrics = Arc::new(
        hotline_metrics::Metrics::new(env!("CARGO_PKG_VERSION"))
            .map_err(|e| format!("the metrics: {e}"))?,
    );
    let observed = metrics.clone();
    // Wrap-ups wait for the call's reasons where they are required and the tree has some to
    // pick (the desk's rule is the same; without reasons to pick, nothing could end them).
    let hold_for_reasons = cfg.acd.wrapup_reasons_required
        && store
            .reason_tree()
            .await
            .map_err(|e| format!("store: {e}"))?
            .iter()
            .any(|r| r.pickable);
    let acd = crate::acd::spawn(
        cfg.acd.queues.clone(),
        &agents,
        cfg.acd.ready_on_register,
        hold_for_reasons,
        crate::acd::Clocks::system(),
        move |o| observed.observe_acd(o),
        move |o, shift| {
            if let hotline_acd::Output::AgentStateChanged { agent, state } = &o {
                // Times for people: Unix time.
                let _ = live_states.send(hotline_web::LiveEvent::AgentState {
                    agent: agent.0,
                    state: shift.state(state.clone()),
                });
            }
            // The call core measures durations: the router's own (monotonic) time.
            let _ = acd_tx.send(o);
        },
    );
    let retention: crate::recording_purge::SharedRetention = Arc::new(std::sync::RwLock::new(
        crate::recording_purge::Retention::of(&cfg.acd.queues, cfg.media.recording_retention_days),
    ));
    crate::acd::reload::spawn_on_hangup(
        acd.clone(),
        store.clone(),
        retention.clone(),
        config_path,
        cfg.clone(),
    );
    crate::acd::spawn_overviews(acd.clone(), live.clone(), LIVE_OVERVIEW);
    let campaign_agents: Arc<dyn crate::campaigns::FreeAgents> = Arc::new(acd.clone());
    let previews = Arc::new(crate::campaigns::preview::PreviewBoard::new(
        Some(live.clone()),
        Some(campaign_agents.clone()),
    ));
    let (desk_calls, desk_requests) = controller::DeskCalls::channel();
    let engine_metrics = Arc::new(crate::metrics::EngineMetrics {
        metrics: metrics.clone(),
        acd: acd.clone(),
        ivr: std::sync::OnceLock::new(),
        store: store.clone(),
        tickets_at: tokio::sync::Mutex::new(None),
        sip: server.handle.clone(),
    });
    // Before the ready line: the last run's spooled records written, its open calls closed.
    let call_log = controller::call_log::CallLog::start(
        store.clone(),
        controller::call_log::LogOptions {
            dir: cfg.data.dir.join("call-log"),
            batch: usize::try_from(cfg.calls.log_batch).unwrap_or(usize::MAX),
            segment_bytes: cfg.calls.log_segment_kib.saturating_mul(1024),
            realtime_priority: cfg.media.realtime_priority,
        },
        Some(metrics.clone()),
    )
    .await?;
    let http = start_http(
        &cfg,
        &store,
        &acd,
        &live,
        &desk_calls,
        engine_metrics.clone(),
        HttpExtras {
            qa: qa.clone(),
            recording_keys: recording_keys.clone(),
            previews: previews.clone(),
        },
    )?;
    let (start, end) = cfg.media.port_range()?;
    let ports = Arc::new(PortAllocator::new(start, end));
    let media_address = media_address(&cfg, server.udp_addr.or(server.tcp_addr));
    // One line a script can read: where the engine listens.
    println!(
        "hotline {} ready: sip_udp={} sip_tcp={} http={} media={} rtp_ports={start}-{end}",
        env!("CARGO_PKG_VERSION"),
        server
            .udp_addr
            .map(|a| a.to_string())
            .unwrap_or_else(|| "off".into()),
        server
            .tcp_addr
            .map(|a| a.to_string())
            .unwrap_or_else(|| "off".into()),
        http.as_ref()
            .map(|(a, _)| a.to_string())
            .unwrap_or_else(|| "off".into()),
        media_address,
    );
    let callbacks =
        parse_listen(&cfg.acd.callback_gateway, "acd.callback_gateway")?.map(|gateway| {
            controller::CallbackRoute {
                gateway,
                caller_id: cfg.acd.callback_caller_id.clone(),
            }
        });
    let callbacks_configured = callbacks.is_some();
    // Campaigns call on none of the days the centre's office calendar is closed (its public
    // holidays and its own closed days).
    let holidays: Vec<hotline_time::CivilDate> = flows
        .as_ref()
        .and_then(|set| set.calendars.get("office"))
        .map(|c| {
            c.holidays
                .iter()
                .map(|d| hotline_time::CivilDate {
                    year: d.year,
                    month: d.month,
                    day: d.day,
                })
                .collect()
        })
        .unwrap_or_default();
    let ctl = ControllerConfig {
        after_agent_flow: cfg.acd.after_agent_flow.clone(),
        survey_invite: cfg.acd.survey_invite,
        tell_monitored: cfg.acd.tell_monitored,
        dial_rules: cfg
            .dialing
            .rules()
            .map_err(|(key, e)| format!("{key}: {e}"))?,
        media_address,
        media_bind: media_bind(&cfg, media_address),
        rtp_latch: hotline_media::rtp_session::LatchPolicy {
            strict: cfg.media.strict_rtp,
            window: Duration::from_millis(cfg.media.strict_rtp_window_ms),
        },
        media_timeout: (cfg.media.timeout_secs > 0)
            .then(|| Duration::from_secs(cfg.media.timeout_secs)),
        prompts,
        recordings: cfg.media.record.then(|| recordings.clone()),
        recording_key: recording_keys.current().cloned(),
        ring: Duration::from_secs(cfg.calls.ring_secs),
        answer_hangup: (cfg.calls.answer_hangup_secs > 0)
            .then(|| Duration::from_secs(cfg.calls.answer_hangup_secs)),
        call_log: Some(call_log.clone()),
        ivr: flows.map(|set| {
            let source: Arc<dyn hotline_store::CustomerSource> = Arc::new(store.clone());
            let rt = IvrRuntime::new(
                set,
                cfg.ivr.entry_flow.clone(),
                library,
                source,
                Some(store.clone()),
            )
            .with_acd(acd.clone())
            .with_metrics(metrics.clone());
            if cfg.ivr.reload_secs > 0 {
                flows::reload::spawn(
                    rt.clone(),
                    cfg.ivr.flows_dir.clone(),
                    cfg.media.sounds_dir.clone(),
                    zone.clone(),
                    cfg.ivr.entry_flow.clone(),
                    Duration::from_secs(cfg.ivr.reload_secs),
                );
            }
            rt
        }),
        acd: Some(acd),
        callbacks,
        live: Some(live),
        metrics: Some(metrics.clone()),
    };
    if let Some(ivr) = &ctl.ivr {
        let _ = engine_metrics.ivr.set(ivr.clone());
    }
    // IVR-only calls get their call reasons from the flows they passed.
    let ivr_reasons = ctl.ivr.clone().map(|ivr| {
        crate::ivr_reasons::spawn(
            store.clone(),
            ivr,
            i64::try_from(cfg.calls.max_call_secs)
                .unwrap_or(i64::MAX / 1000)
                .saturating_mul(1000),
        )
    });
    let handle = server.handle.clone();
    let background = tokio::spawn(storage::background(
        store.clone(),
        Duration::from_secs(cfg.tickets.escalation_check_secs),
        (cfg.tickets.webhook_keep_days > 0)
            .then(|| Duration::from_secs(cfg.tickets.webhook_keep_days.saturating_mul(86_400))),
        server.handle.clone(),
        configured_users,
        initial_users,
    ));
    let (notifier, notify_requests) = controller::Notifier::channel();
    // The calls need an outbound route, and the IVR's prompt library to speak.
    let phones = if cfg.tickets.dispatch_call_attempts > 0
        && callbacks_configured
        && !cfg.ivr.entry_flow.is_empty()
    {
        crate::dispatch_call::phones(&store).await?
    } else {
        Vec::new()
    };
    crate::qa_draw::spawn(
        store.clone(),
        zone.clone(),
        qa.as_ref().map_or(0, |q| q.per_agent),
    );
    crate::recording_purge::spawn(store.clone(), recordings.clone(), retention);
    let webhooks = crate::outbox::spawn(
        store.clone(),
        &cfg.tickets.webhooks,
        phones.iter().map(|p| p.receiver.clone()).collect(),
    )
    .await?;
    if !phones.is_empty() {
        crate::dispatch_call::spawn(
            store.clone(),
            phones,
            notifier,
            crate::dispatch_call::Policy {
                attempts: cfg.tickets.dispatch_call_attempts,
                ring: Duration::from_secs(cfg.tickets.dispatch_call_ring_secs),
                retry: Duration::from_secs(cfg.tickets.dispatch_call_retry_secs),
            },
        );
    }
    let (placer, campaign_requests) = controller::CorePlacer::channel(crate::campaigns::RING);
    let controller = tokio::spawn(controller::run(
        ctl,
        server.handle.clone(),
        server.events,
        ports,
        controller::Requests {
            acd: Some(acd_rx),
            desk: Some(desk_requests),
            notify: Some(notify_requests),
            campaigns: Some(campaign_requests),
        },
    ));
    let sms_gateway = (!cfg.sms.host.is_empty()).then(|| {
        let gateway =
            crate::sms_gateway::Gateway::start(&cfg.sms, store.clone(), Arc::new(storage::now_ms));
        gateway as Arc<dyn crate::campaigns::sms::SmsSender>
    });
    let ticket_texts = match (&sms_gateway, cfg.sms.ticket_texts) {
        (Some(sender), true) => {
            let policy = crate::ticket_texts::Policy::new(&cfg.sms, zone.clone())
                .map_err(|(key, e)| format!("{key}: {e}"))?;
            Some(crate::ticket_texts::spawn(
                store.clone(),
                sender.clone(),
                policy,
                Arc::new(storage::now_ms),
            ))
        }
        _ => None,
    };
    let campaigns = crate::campaigns::spawn(crate::campaigns::RunnerEnv {
        store: store.clone(),
        zone: zone.clone(),
        holidays: Arc::new(holidays),
        placer: Arc::new(placer),
        agents: Some(campaign_agents),
        clock: Arc::new(storage::now_ms),
        sms: sms_gateway.clone(),
        preview: Some(previews),
    });
    crate::memory::spawn();
    shutdown_signal().await;
    info!("shutting down");
    handle.shutdown();
    let _ = tokio::time::timeout(Duration::from_secs(2), controller).await;
    call_log.stop(Duration::from_secs(2)).await;
    background.abort();
    campaigns.abort();
    if let Some(t) = ticket_texts {
        t.abort();
    }
    if let Some(r) = ivr_reasons {
        r.abort();
    }
    if let Some(w) = webhooks {
        w.abort();
    }
    if let Some((_, server)) = http {
        server.stop();
    }
    store.close().await;
    Ok(())
}

/// Live events a slow desktop may fall behind by before it is sent a fresh overview.
const LIVE_BACKLOG: usize = 1024;
/// How often the queues and agents are sent to open event streams.
const LIVE_OVERVIEW: Duration = Duration::from_secs(2);

/// The HTTP API's own thread and runtime: desktops and scrapes never queue in front of the
/// media and call tasks of the main runtime (a burst of event-stream writes to hundreds of
/// desktops would otherwise delay RTP sends by milliseconds).
pub struct HttpServer {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl HttpServer {
    /// Stops serving (open streams are cut) and waits for the thread.
    pub fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// What the HTTP API serves besides the engine's state: quality assessment's forms and the
/// keys encrypted recordings are read with.
struct HttpExtras {
    qa: Option<hotline_web::QaSettings>,
    recording_keys: Arc<hotline_media::recording::Keyring>,
    /// Preview campaigns' offers (the desk reads and decides them).
    previews: Arc<crate::campaigns::preview::PreviewBoard>,
}

/// Serves the HTTP API on `http.listen`, if set, on its own thread: its address and handle.
fn start_http(
    cfg: &Config,
    store: &hotline_store::Store,
    acd: &crate::acd::AcdHandle,
    live: &hotline_web::LiveSender,
    desk_calls: &controller::DeskCalls,
    metrics: Arc<crate::metrics::EngineMetrics>,
    extras: HttpExtras,
) -> Result<Option<(SocketAddr, HttpServer)>, String> {
    let Some(addr) = parse_listen(&cfg.http.listen, "http.listen")? else {
        return Ok(None);
    };
    let listener =
        std::net::TcpListener::bind(addr).map_err(|e| format!("http.listen {addr}: {e}"))?;
    let local = listener
        .local_addr()
        .map_err(|e| format!("http.listen {addr}: {e}"))?;
    listener
        .set_nonblocking(true)
        .map_err(|e| format!("http.listen {addr}: {e}"))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("the HTTP API's runtime: {e}"))?;
    // With each client's address: the login throttle counts failures per address.
    // The IVR is set up after the HTTP API starts: its titles are looked up when asked.
    let titles_from = metrics.clone();
    let app = hotline_web::service(hotline_web::ApiState {
        store: store.clone(),
        realm: cfg.sip.realm.clone(),
        clock: Arc::new(storage::now_ms),
        acd: Some(Arc::new(acd.clone())),
        calls: Some(Arc::new(desk_calls.clone())),
        live: Some(live.clone()),
        metrics: Some(metrics),
        live_recheck: Duration::from_secs(30),
        zone: cfg.centre.zone()?,
        ivr_titles: Some(Arc::new(move || {
            titles_from
                .ivr
                .get()
                .map(|ivr| ivr.current().titles())
                .unwrap_or_default()
        })),
        reasons_required: cfg.acd.wrapup_reasons_required,
        recordings: Some(cfg.data.dir.join("recordings")),
        qa: extras.qa,
        recording_keys: extras.recording_keys,
        preview: Some(extras.previews),
    });
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("hotline-http".into())
        .spawn(move || {
            runtime.block_on(async move {
                let listener = match tokio::net::TcpListener::from_std(listener) {
                    Ok(l) => l,
                    Err(e) => {
                        warn!(error = %e, "the HTTP server could not start");
                        return;
                    }
                };
                tokio::select! {
                    r = axum::serve(listener, app) => {
                        if let Err(e) = r {
                            warn!(error = %e, "the HTTP server stopped");
                        }
                    }
                    _ = stopped => {}
                }
            });
        })
        .map_err(|e| format!("the HTTP API's thread: {e}"))?;
    info!(%local, "HTTP API listening");
    Ok(Some((
        local,
        HttpServer {
            stop: Some(stop),
            thread: Some(thread),
        },
    )))
}

/// Quality assessment's forms, checked; `None` when `qa.forms_dir` is "". Any error in a
/// form stops the start, all listed with file:line: reason.
fn load_qa(cfg: &Config) -> Result<Option<hotline_web::QaSettings>, String> {
    let dir = &cfg.qa.forms_dir;
    if dir.as_os_str().is_empty() {
        return Ok(None);
    }
    let forms = hotline_qa::load_forms(dir).map_err(|errors| {
        let list: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        format!(
            "qa.forms_dir {}: {} errors in the forms:\n{}",
            dir.display(),
            list.len(),
            list.join("\n")
        )
    })?;
    if forms.get(&cfg.qa.default_form).is_none() {
        let known: Vec<&str> = forms.iter().map(|f| f.id.as_str()).collect();
        return Err(format!(
            "qa.default_form: no form `{}` in {} (there: {})",
            cfg.qa.default_form,
            dir.display(),
            if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            }
        ));
    }
    info!(forms = forms.len(), dir = %dir.display(), "QA forms loaded");
    Ok(Some(hotline_web::QaSettings {
        forms: Arc::new(forms),
        default_form: cfg.qa.default_form.clone(),
        per_agent: usize::try_from(cfg.qa.sample_per_agent).unwrap_or(0),
    }))
}

/// The IVR flows, checked; `None` without IVR. Any error stops the start, all listed.
fn load_flows(cfg: &Config) -> Result<Option<hotline_ivr::FlowSet>, String> {
    if cfg.ivr.entry_flow.is_empty() {
        return Ok(None);
    }
    let dir = &cfg.ivr.flows_dir;
    let queues = flows::queue_names(cfg);
    let zone = cfg.centre.zone()?;
    let set =
        flows::load_for_queues(dir, &cfg.media.sounds_dir, &zone, &queues).map_err(|errors| {
            let list: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
            format!(
                "ivr.flows_dir {}: {} errors in the flows:\n{}",
                dir.display(),
                list.len(),
                list.join("\n")
            )
        })?;
    if set.find(&cfg.ivr.entry_flow).is_none() {
        return Err(format!(
            "ivr.entry_flow: no flow `{}` in {}",
            cfg.ivr.entry_flow,
            dir.display()
        ));
    }
    // The flow after the agent: a name given in the configuration must be loaded; the
    // built-in `survey` may be missing (flows without a survey), which is said.
    let after = &cfg.acd.after_agent_flow;
    if !after.is_empty() && set.find(after).is_none() {
        let msg = format!(
            "acd.after_agent_flow: no flow `{after}` in {}",
            dir.display()
        );
        if *after != crate::config::AcdConfig::default().after_agent_flow {
            return Err(msg);
        }
        warn!("{msg}: callers are hung up when the agent hangs up first");
    }
    let calendars = flows::queue_calendar_errors(&set, &cfg.acd.queues);
    if !calendars.is_empty() {
        return Err(calendars.join("\n"));
    }
    for w in flows::widening_warnings(&set, &cfg.acd.queues) {
        warn!("{w}");
    }
    info!(flows = set.flows.len(), dir = %dir.display(), "IVR flows loaded");
    Ok(Some(set))
}

/// Loads every prompt once (they are shared by all calls) and checks the ones calls need.
fn load_prompts(
    cfg: &Config,
    flow_languages: &[String],
) -> Result<(Arc<AnswerPrompts>, Arc<PromptLibrary>), String> {
    let dir = &cfg.media.sounds_dir;
    let mut languages = vec![cfg.media.language.as_str(), "common"];
    for l in flow_languages {
        if !languages.contains(&l.as_str()) {
            languages.push(l);
        }
    }
    let lib = PromptLibrary::load(dir, &languages)
        .map_err(|e| format!("media.sounds_dir {}: {e}", dir.display()))?;
    let prompts = AnswerPrompts::from_library(&lib, &cfg.media.language)
        .map_err(|e| format!("media.sounds_dir {}: {e}", dir.display()))?;
    // With flows: the prompts the call core plays outside them (staff number, queue
    // announcements, farewells, callback notices), in every language a caller can choose.
    let spoken: Vec<&str> = languages
        .iter()
        .copied()
        .filter(|l| *l != "common")
        .collect();
    if !flow_languages.is_empty() {
        hotline_call::SystemPrompt::check(&spoken, |lang, name| lib.get(lang, name).is_some())
            .map_err(|e| format!("media.sounds_dir {}: {e}", dir.display()))?;
    }
    info!(
        prompts = lib.len(),
        kib = lib.memory_bytes() / 1024,
        language = %cfg.media.language,
        "prompts loaded"
    );
    Ok((Arc::new(prompts), Arc::new(lib)))
}

/// Fixes the WAV headers of recordings a crash left open.
fn repair_recordings(dir: &std::path::Path, keys: &hotline_media::recording::Keyring) {
    if !dir.exists() {
        return;
    }
    for report in repair_dir(dir, keys) {
        match &report.outcome {
            RepairOutcome::Failed(e) => {
                warn!(path = %report.path.display(), error = %e, "recording could not be repaired")
            }
            outcome => info!(path = %report.path.display(), ?outcome, "recording repaired"),
        }
    }
}

fn sip_config(cfg: &Config) -> Result<SipServerConfig, String> {
    let udp = parse_listen(&cfg.sip.listen_udp, "sip.listen_udp")?;
    let tcp = parse_listen(&cfg.sip.listen_tcp, "sip.listen_tcp")?;
    let trunks = cfg
        .sip
        .trunks
        .iter()
        .map(|t| {
            t.parse::<Cidr>()
                .map_err(|e| format!("sip.trunks: {t}: {e}"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let public_host = if cfg.sip.public_host.is_empty() {
        udp.or(tcp)
            .map(|a| a.ip())
            .filter(|ip| !ip.is_unspecified())
            .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST))
            .to_string()
    } else {
        cfg.sip.public_host.clone()
    };
    let core = CoreConfig {
        realm: cfg.sip.realm.clone(),
        user_agent: cfg.sip.user_agent.clone(),
        public_host,
        udp_port: udp.map(|a| a.port()),
        tcp_port: tcp.map(|a| a.port()),
        trunks,
        registrar: RegistrarConfig {
            min_expires: cfg.sip.registrar.min_expires,
            max_expires: cfg.sip.registrar.max_expires,
            default_expires: cfg.sip.registrar.default_expires,
            max_contacts_per_user: cfg.sip.registrar.max_contacts_per_user,
            max_users: 100_000,
        },
        auth_algorithms: cfg
            .sip
            .auth
            .algorithms
            .iter()
            .map(|a| Algorithm::parse(a).map_err(|e| format!("sip.auth.algorithms: {e}")))
            .collect::<Result<Vec<_>, _>>()?,
        nonce_ttl_secs: cfg.sip.auth.nonce_ttl_secs,
        max_nonces: cfg.sip.auth.max_nonces,
        bind_nonce_to_address: cfg.sip.auth.bind_nonce_to_address,
        max_auth_failures: cfg.sip.auth.max_failures,
        failure_window: Duration::from_secs(cfg.sip.auth.failure_window_secs),
        block_for: Duration::from_secs(cfg.sip.auth.block_secs),
        account_max_failures: cfg.sip.auth.account_max_failures,
        account_block: Duration::from_secs(cfg.sip.auth.account_block_secs),
        account_block_max: Duration::from_secs(cfg.sip.auth.account_block_max_secs),
        allow_unregistered_calls: cfg.sip.auth.allow_unregistered_calls,
        requests_per_sec: cfg.sip.rate_limit.requests_per_sec,
        burst: cfg.sip.rate_limit.burst,
        max_call: Duration::from_secs(cfg.calls.max_call_secs),
        max_ring: Duration::from_secs(300),
        overload: OverloadLimits {
            max_calls: cfg.sip.overload.max_calls,
            calls_per_sec: cfg.sip.overload.calls_per_sec,
            retry_after: Duration::from_secs(cfg.sip.overload.retry_after_secs),
        },
    };
    Ok(SipServerConfig {
        core,
        users: credentials(&cfg.sip.users, &cfg.sip.realm),
        udp,
        tcp,
        max_message_bytes: cfg.sip.max_message_bytes,
        tcp_idle_timeout: Duration::from_secs(cfg.sip.tcp_idle_timeout_secs),
        tcp_message_timeout: Duration::from_secs(cfg.sip.tcp_message_timeout_secs),
        tcp_max_per_address: cfg.sip.tcp_max_connections_per_address,
    })
}

fn parse_listen(value: &str, key: &str) -> Result<Option<SocketAddr>, String> {
    if value.is_empty() {
        return Ok(None);
    }
    value
        .parse()
        .map(Some)
        .map_err(|_| format!("{key}: not a socket address: {value:?}"))
}

/// HA1 hashes for each configured user; a password yields both MD5 and SHA-256.
fn credentials(users: &[UserConfig], realm: &str) -> HashMap<String, UserCredentials> {
    users
        .iter()
        .map(|u| {
            let creds = match &u.password {
                Some(p) => UserCredentials {
                    ha1_md5: Some(digest::ha1(Algorithm::Md5, &u.username, realm, p)),
                    ha1_sha256: Some(digest::ha1(Algorithm::Sha256, &u.username, realm, p)),
                },
                None => UserCredentials {
                    ha1_md5: u.ha1_md5.clone(),
                    ha1_sha256: u.ha1_sha256.clone(),
                },
            };
            (u.username.clone(), creds)
        })
        .collect()
}

/// The address put in SDP: configured, else the SIP address when it is specific, else loopback.
fn media_address(cfg: &Config, sip: Option<SocketAddr>) -> IpAddr {
    if let Ok(ip) = cfg.media.public_address.parse::<IpAddr>() {
        return ip;
    }
    if let Ok(ip) = cfg.sip.public_host.parse::<IpAddr>() {
        return ip;
    }
    match sip.map(|a| a.ip()) {
        Some(ip) if !ip.is_unspecified() => ip,
        _ => {
            warn!("media.public_address is not set: SDP will say 127.0.0.1, which only local phones can reach");
            IpAddr::V4(Ipv4Addr::LOCALHOST)
        }
    }
}

/// The address RTP sockets bind to: `media.bind_address`, else the address put in SDP when
/// this host has it (so RTP is not open on every interface), else every interface.
fn media_bind(cfg: &Config, advertised: IpAddr) -> IpAddr {
    if let Ok(ip) = cfg.media.bind_address.parse::<IpAddr>() {
        return ip;
    }
    if std::net::UdpSocket::bind(SocketAddr::new(advertised, 0)).is_ok() {
        return advertised;
    }
    info!(%advertised, "the media address is not on this host (NAT): RTP binds every interface");
    match advertised {
        IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        IpAddr::V6(_) => IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED),
    }
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(test)]
mod media_bind_tests {
    use super::*;

    #[test]
    fn rtp_binds_the_configured_then_the_advertised_address_else_every_interface() {
        let mut cfg = Config::default();
        let loopback = IpAddr::V4(Ipv4Addr::LOCALHOST);
        // The SDP address is on this host: bind it, not 0.0.0.0.
        assert_eq!(media_bind(&cfg, loopback), loopback);
        // Not on this host (a NAT's public address; TEST-NET-1): every interface.
        let public: IpAddr = "192.0.2.1".parse().unwrap();
        assert_eq!(media_bind(&cfg, public), IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        // Configured: that, whatever is advertised.
        cfg.media.bind_address = "127.0.0.1".into();
        assert_eq!(media_bind(&cfg, public), loopback);
    }
}
