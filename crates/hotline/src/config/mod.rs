//! The engine's configuration: one TOML file (`hotline.toml`), every key of which can be
//! overridden by a `HOTLINE_<SECTION>_<KEY>` environment variable, checked as a whole before
//! anything starts.
//!
//! Loading goes: read the file (or take the built-in defaults), parse it into a TOML tree,
//! apply the environment overrides to that tree ([`env`]), deserialize it into [`Config`]
//! (unknown keys refused), then validate the values ([`validate`]). Every error names where
//! the bad value came from — `file:line:column` or the environment variable — and the dotted
//! key, e.g. `hotline.toml:12:15: sip.registrar.min_expires: invalid type: string "x",
//! expected u32`.
//!
//! The list of keys is the [`Config`] struct itself: the environment variable names, the
//! commented default file ([`Config::default_toml`]) and the unknown-variable check are all
//! derived from it, so nothing has to be kept in step by hand except the one-line
//! descriptions in [`template`].

mod env;
mod load;
mod template;
mod validate;

#[cfg(test)]
mod tests;

use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use env::{process_env, ENV_ALLOWLIST, ENV_ALLOWLIST_PREFIXES, ENV_PREFIX};
pub use load::Loaded;

/// The file looked for in the current directory when no `--config` is given.
pub const DEFAULT_FILE: &str = "hotline.toml";

/// The whole configuration. Every section and key has a default, so an empty file is valid.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub centre: CentreConfig,
    pub sip: SipConfig,
    pub http: HttpConfig,
    pub media: MediaConfig,
    pub calls: CallsConfig,
    pub data: DataConfig,
    pub store: StoreConfig,
    pub tickets: TicketsConfig,
    pub billing: BillingConfig,
    pub ivr: IvrConfig,
    pub acd: AcdConfig,
    pub dialing: DialingConfig,
    pub qa: QaConfig,
    pub sms: SmsConfig,
    pub log: LogConfig,
}

/// `[sip]`: signalling, registrar, authentication and admission.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SipConfig {
    /// UDP listen address; empty = no UDP.
    pub listen_udp: String,
    /// TCP listen address; empty = no TCP.
    pub listen_tcp: String,
    /// Host written in Via/Contact; empty = the listen IP when specific, else 127.0.0.1.
    pub public_host: String,
    pub realm: String,
    /// Value of the Server and User-Agent headers; "" = none. The default names no version.
    pub user_agent: String,
    /// Carrier trunks, as IP addresses or CIDR blocks: their calls need no authentication.
    pub trunks: Vec<String>,
    pub max_message_bytes: usize,
    pub tcp_idle_timeout_secs: u64,
    /// A message begun on a TCP connection must be complete within this many seconds.
    pub tcp_message_timeout_secs: u64,
    /// Most TCP connections from one address (IPv6: one /64) at once.
    pub tcp_max_connections_per_address: usize,
    pub registrar: RegistrarSettings,
    pub auth: AuthSettings,
    pub rate_limit: RateLimitSettings,
    pub overload: OverloadSettings,
    pub users: Vec<UserConfig>,
}

impl Default for SipConfig {
    fn default() -> Self {
        SipConfig {
            listen_udp: "0.0.0.0:5060".into(),
            listen_tcp: "0.0.0.0:5060".into(),
            public_host: String::new(),
            realm: "hotline".into(),
            user_agent: "hotline".into(),
            trunks: Vec::new(),
            max_message_bytes: 65535,
            tcp_idle_timeout_secs: 3900,
            tcp_message_timeout_secs: 10,
            tcp_max_connections_per_address: 64,
            registrar: RegistrarSettings::default(),
            auth: AuthSettings::default(),
            rate_limit: RateLimitSettings::default(),
            overload: OverloadSettings::default(),
            users: Vec::new(),
        }
    }
}

/// `[sip.registrar]`: how long registrations last and how many a user may hold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RegistrarSettings {
    pub min_expires: u32,
    pub max_expires: u32,
    pub default_expires: u32,
    pub max_contacts_per_user: usize,
}

impl Default for RegistrarSettings {
    fn default() -> Self {
        RegistrarSettings {
            min_expires: 60,
            max_expires: 3600,
            default_expires: 3600,
            max_contacts_per_user: 5,
        }
    }
}

/// `[sip.auth]`: digest nonces, blocking of addresses that keep failing, throttling of
/// accounts being guessed, and whether unregistered users may call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthSettings {
    /// Digest algorithms offered, most preferred first (`SHA-256`, `MD5`).
    pub algorithms: Vec<String>,
    pub nonce_ttl_secs: u64,
    /// Most nonces remembered at once (each answered challenge's nonce is tracked so it
    /// cannot be replayed); beyond it the oldest are forgotten.
    pub max_nonces: usize,
    /// A nonce is only good from the IP address it was issued to.
    pub bind_nonce_to_address: bool,
    pub max_failures: u32,
    pub failure_window_secs: u64,
    pub block_secs: u64,
    /// Wrong passwords for one account within `failure_window_secs`, from any addresses,
    /// that throttle the account.
    pub account_max_failures: u32,
    /// The first throttle of an account; each next one doubles, up to `account_block_max_secs`.
    pub account_block_secs: u64,
    pub account_block_max_secs: u64,
    /// Accept calls from authenticated users who have no live registration.
    pub allow_unregistered_calls: bool,
}

impl Default for AuthSettings {
    fn default() -> Self {
        AuthSettings {
            algorithms: vec!["SHA-256".into(), "MD5".into()],
            nonce_ttl_secs: 300,
            max_nonces: 100_000,
            bind_nonce_to_address: true,
            max_failures: 5,
            failure_window_secs: 60,
            block_secs: 300,
            account_max_failures: 10,
            account_block_secs: 60,
            account_block_max_secs: 900,
            allow_unregistered_calls: false,
        }
    }
}

/// `[sip.rate_limit]`: per-source-address token bucket for requests from outside the trunks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RateLimitSettings {
    pub requests_per_sec: f64,
    pub burst: u32,
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        RateLimitSettings {
            requests_per_sec: 50.0,
            burst: 100,
        }
    }
}

/// `[sip.overload]`: ceilings on new inbound calls, trunks included (0 = no ceiling).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OverloadSettings {
    /// Most inbound calls held at once.
    pub max_calls: usize,
    /// New inbound calls accepted per second, on average (a second's worth at once).
    pub calls_per_sec: f64,
    /// `Retry-After` of the 503 when `max_calls` is reached.
    pub retry_after_secs: u64,
}

impl Default for OverloadSettings {
    fn default() -> Self {
        OverloadSettings {
            max_calls: 2000,
            calls_per_sec: 2000.0,
            retry_after_secs: 5,
        }
    }
}

/// `[[sip.users]]`: an account that may register (an agent's extension). Give either the
/// password or the HA1 hash(es) computed over `sip.realm`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UserConfig {
    pub username: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ha1_md5: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ha1_sha256: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

/// `[centre]`: the call centre itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CentreConfig {
    /// The centre's time zone, an IANA name: the wallboard's "today", the IVR calendars
    /// (office hours, holidays), billing periods and dates read to callers.
    pub time_zone: String,
}

impl Default for CentreConfig {
    fn default() -> Self {
        CentreConfig {
            time_zone: hotline_time::Zone::DEFAULT_NAME.into(),
        }
    }
}

impl CentreConfig {
    /// The configured zone (validated at start: [`Config::load`] refuses an unknown name).
    pub fn zone(&self) -> Result<hotline_time::Zone, String> {
        hotline_time::Zone::named(&self.time_zone).map_err(|e| format!("centre.time_zone: {e}"))
    }
}

/// `[http]`: the HTTP API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpConfig {
    /// Listen address; empty = no HTTP.
    pub listen: String,
    /// How long an API login token lasts.
    pub token_ttl_hours: u64,
    /// Retired (the centre's zone is `centre.time_zone`): any value is refused at start with
    /// that advice. Never written by `hotline config default`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub utc_offset_mins: Option<toml::Value>,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            listen: "127.0.0.1:8080".into(),
            token_ttl_hours: 12,
            utc_offset_mins: None,
        }
    }
}

/// `[media]`: RTP.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MediaConfig {
    /// `"start-end"`, inclusive.
    pub rtp_ports: String,
    /// IP address put in SDP; empty = derived from the SIP address.
    pub public_address: String,
    /// IP address RTP sockets bind to; empty = the address put in SDP when this host has it,
    /// else every interface.
    pub bind_address: String,
    /// Take RTP only from the SDP's address or, for a NATed caller, from one source learned
    /// in the first `strict_rtp_window_ms` of the call; drop (and count) everything else.
    pub strict_rtp: bool,
    /// The learning window of `strict_rtp`, in milliseconds after the leg starts.
    pub strict_rtp_window_ms: u64,
    /// Folder of prompts: `<sounds_dir>/<language>/<name>.wav` and `<sounds_dir>/common/`.
    pub sounds_dir: PathBuf,
    /// Language of the prompts played to callers (a folder under `sounds_dir`).
    pub language: String,
    /// End a call whose caller sends no RTP for this long (not while on hold); 0 = never.
    pub timeout_secs: u64,
    /// Record every answered call to `<data.dir>/recordings/`.
    pub record: bool,
    /// The call-handling threads (media, SIP, IVR, ACD) under `SCHED_RR` at this priority
    /// (1–99); 0 = the normal policy.
    pub realtime_priority: u8,
    /// Recordings of calls that waited in no queue are deleted this many days after the call;
    /// 0 = kept (queues have their own `recording_retention_days`).
    pub recording_retention_days: u32,
}

impl Default for MediaConfig {
    fn default() -> Self {
        MediaConfig {
            rtp_ports: "20000-30000".into(),
            public_address: String::new(),
            bind_address: String::new(),
            strict_rtp: true,
            strict_rtp_window_ms: 2000,
            sounds_dir: PathBuf::from("sounds"),
            language: "zh".into(),
            timeout_secs: 30,
            record: true,
            realtime_priority: 1,
            recording_retention_days: 0,
        }
    }
}

impl MediaConfig {
    /// The RTP port range, `(start, end)` inclusive, checked: `1024 <= start <= end`, and room
    /// for at least one RTP/RTCP pair (an even port and the odd one above it).
    pub fn port_range(&self) -> Result<(u16, u16), String> {
        let text = self.rtp_ports.trim();
        let Some((a, b)) = text.split_once('-') else {
            return Err(format!(
                "expected \"start-end\", e.g. \"20000-30000\", got {text:?}"
            ));
        };
        let port = |s: &str| {
            s.trim()
                .parse::<u16>()
                .map_err(|e| format!("{:?} is not a port number ({e})", s.trim()))
        };
        let (start, end) = (port(a)?, port(b)?);
        if start < 1024 {
            return Err(format!("start {start} is below 1024"));
        }
        if start > end {
            return Err(format!("start {start} is above end {end}"));
        }
        let first_even = u32::from(start) + u32::from(start % 2);
        if first_even + 1 > u32::from(end) {
            return Err(format!(
                "{start}-{end} holds no RTP/RTCP pair (an even port and the odd one above it)"
            ));
        }
        Ok((start, end))
    }
}

/// `[dialing]`: the outside numbers the engine dials for agents, by role (see
/// `hotline_call::dialing` for the pattern notation).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DialingConfig {
    pub agent: Vec<String>,
    pub qa: Vec<String>,
    pub supervisor: Vec<String>,
    pub admin: Vec<String>,
    pub emergency: Vec<String>,
    pub premium: Vec<String>,
    pub international: Vec<String>,
    pub emergency_roles: Vec<String>,
    pub premium_roles: Vec<String>,
    pub international_roles: Vec<String>,
}

impl Default for DialingConfig {
    fn default() -> Self {
        let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        // Mainland China: mobiles, landlines with their area code, local landlines, 400/800.
        let local = strings(&[
            "1[3-9]XXXXXXXXX",
            "0ZXXXXXXX.",
            "[2-8]XXXXXXX",
            "400XXXXXXX",
            "800XXXXXXX",
        ]);
        DialingConfig {
            agent: local.clone(),
            qa: Vec::new(),
            supervisor: local.clone(),
            admin: local,
            emergency: strings(&["110", "112", "119", "120", "122", "911", "999"]),
            premium: strings(&["168.", "160.", "1259Z.", "900."]),
            international: strings(&["00."]),
            emergency_roles: Vec::new(),
            premium_roles: Vec::new(),
            international_roles: Vec::new(),
        }
    }
}

impl DialingConfig {
    /// The rules for the call core; an unparsable pattern or an unknown role names its key.
    pub fn rules(&self) -> Result<hotline_call::dialing::DialRules, (String, String)> {
        use hotline_call::dialing::{Class, DialRules, Pattern};
        let parse = |key: &str, list: &[String]| -> Result<Vec<Pattern>, (String, String)> {
            list.iter()
                .map(|p| Pattern::parse(p).map_err(|e| (format!("dialing.{key}"), e)))
                .collect()
        };
        let mut rules = DialRules::default();
        for (role, list) in [
            ("agent", &self.agent),
            ("qa", &self.qa),
            ("supervisor", &self.supervisor),
            ("admin", &self.admin),
        ] {
            rules.allowed.insert(role.to_string(), parse(role, list)?);
        }
        for (class, key, list, roles) in [
            (
                Class::Emergency,
                "emergency",
                &self.emergency,
                &self.emergency_roles,
            ),
            (
                Class::Premium,
                "premium",
                &self.premium,
                &self.premium_roles,
            ),
            (
                Class::International,
                "international",
                &self.international,
                &self.international_roles,
            ),
        ] {
            rules.classes.insert(class, parse(key, list)?);
            for role in roles {
                if hotline_store::Role::parse(role).is_none() {
                    return Err((
                        format!("dialing.{key}_roles"),
                        format!("{role:?} is not agent, qa, supervisor, admin or crew"),
                    ));
                }
                rules
                    .allowed_classes
                    .entry(role.clone())
                    .or_default()
                    .push(class);
            }
        }
        Ok(rules)
    }
}

/// `[qa]`: quality assessment: the evaluation forms and the evaluators' weekly work list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct QaConfig {
    /// Folder of evaluation forms (`<id>.yaml`); "" = no quality assessment.
    pub forms_dir: PathBuf,
    /// The form a new evaluation uses when none is named.
    pub default_form: String,
    /// Calls drawn at random per agent per week for the work list; 0 = no work list.
    pub sample_per_agent: u64,
}

impl Default for QaConfig {
    fn default() -> Self {
        QaConfig {
            forms_dir: PathBuf::from("qa-forms"),
            default_form: "standard".into(),
            sample_per_agent: 3,
        }
    }
}

/// `[sms]`: the SMS gateway (an SMSC, over SMPP 3.4 bound as a transceiver) that SMS
/// campaigns send through, and whose STOP / 退订 replies go on the do-not-call list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmsConfig {
    /// The SMSC's host; "" = no gateway (SMS campaigns are paused saying so).
    pub host: String,
    pub port: u16,
    /// The SMPP account.
    pub system_id: String,
    /// Its password; better given as `HOTLINE_SMS_PASSWORD` than written in the file.
    pub password: String,
    /// The sender address the customers see (the hotline's number or short code).
    pub source: String,
    /// Most submissions a second (the account's limit at the SMSC).
    pub submits_per_sec: u32,
    /// Text a ticket's reporter when it is dispatched and when it is closed.
    pub ticket_texts: bool,
    /// The text on dispatch: placeholders `{ticket}`, `{ticket_kind}`, `{district}`.
    pub ticket_dispatched: String,
    /// The text on close.
    pub ticket_closed: String,
    /// When ticket texts may go, `HH:MM-HH:MM` in the centre's zone.
    pub ticket_window: String,
}

impl Default for SmsConfig {
    fn default() -> Self {
        SmsConfig {
            host: String::new(),
            port: 2775,
            system_id: "hotline".into(),
            password: String::new(),
            source: "95598".into(),
            submits_per_sec: 20,
            ticket_texts: false,
            ticket_dispatched:
                "您反映的问题（工单{ticket}）已派{district}处理，请保持电话畅通。回复TD退订".into(),
            ticket_closed: "您反映的问题（工单{ticket}）已处理完毕，感谢您的支持。回复TD退订"
                .into(),
            ticket_window: "08:00-21:00".into(),
        }
    }
}

/// Most calls drawn per agent per week.
pub const MAX_QA_SAMPLE: u64 = 100;

/// `[calls]`: what the call controller does with calls.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CallsConfig {
    /// Hang up answered calls after this many seconds; 0 = never.
    pub answer_hangup_secs: u64,
    /// Ring this long before answering; 0 = answer at once.
    pub ring_secs: u64,
    /// Hard upper bound on any call's length.
    pub max_call_secs: u64,
    /// Call record entries written to the store between saves of the spool's cursor.
    pub log_batch: u64,
    /// A call log spool segment's size in KiB before a new one starts.
    pub log_segment_kib: u64,
}

impl Default for CallsConfig {
    fn default() -> Self {
        CallsConfig {
            answer_hangup_secs: 30,
            ring_secs: 0,
            max_call_secs: 14400,
            log_batch: 256,
            log_segment_kib: 4096,
        }
    }
}

/// `[data]`: where the engine keeps its files.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DataConfig {
    pub dir: PathBuf,
}

impl Default for DataConfig {
    fn default() -> Self {
        DataConfig {
            dir: PathBuf::from("./data"),
        }
    }
}

/// `[store]`: the database.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreConfig {
    /// `sqlite:PATH` or `postgres://…`; empty = SQLite at `<data.dir>/hotline.db`.
    pub url: String,
    /// Connections in the pool (reads; on PostgreSQL writes too).
    pub connections: u32,
    /// Demo customers seeded when `serve` finds the store without customers; 0 = never.
    pub demo_customers: u64,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            url: String::new(),
            connections: 8,
            demo_customers: 500,
        }
    }
}

/// `[tickets]`: follow-ups, escalation and the kinds of ticket with their time limits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TicketsConfig {
    /// Follow-up call attempts before it is given up.
    pub follow_up_max_attempts: u32,
    /// Wait after a follow-up call that did not reach the customer.
    pub follow_up_retry_mins: u64,
    /// How often missed deadlines are looked for and escalated.
    pub escalation_check_secs: u64,
    /// A ticket goes to escalation level 2 once a deadline is missed by this many times its
    /// own limit (level 1 at the deadline); 1 = never level 2.
    pub escalation_multiple: u64,
    /// Webhook deliveries receivers took are forgotten after this many days (checked hourly;
    /// dead letters and pending ones are kept); 0 = kept for ever.
    pub webhook_keep_days: u64,
    /// The kinds, by name (a new table adds a kind).
    pub kinds: std::collections::BTreeMap<String, TicketKindConfig>,
    /// Calls to a district's dispatch phone (`districts.dispatch_phone`) for each ticket
    /// dispatched there, through the outbound route (`acd.callback_gateway`), "press 1 to
    /// acknowledge": this many calls at most (0 = none).
    pub dispatch_call_attempts: u32,
    /// How long such a call rings.
    pub dispatch_call_ring_secs: u64,
    /// The wait before calling again when not acknowledged.
    pub dispatch_call_retry_secs: u64,
    /// Leak reports (IVR reports of an auto-dispatched kind) of one district within
    /// `incident_window_mins` of each other that make an incident; the first of them is
    /// dispatched, the others are linked to it, not dispatched again; 0 = off.
    pub incident_threshold: u32,
    /// A report within this many minutes of its district's last one joins that one's cluster.
    pub incident_window_mins: u64,
    /// Receivers of ticket events (dispatch, return, reply, escalation, close), one
    /// `[[tickets.webhooks]]` table each; file only. None by default.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub webhooks: Vec<WebhookConfig>,
}

/// One receiver under `[[tickets.webhooks]]`: each event is POSTed to `url` as JSON, signed
/// with HMAC-SHA256 over the body with `secret` (`X-Hotline-Signature: sha256=<hex>`), its
/// event id in `X-Hotline-Event`; retried with backoff until a 2xx or `max_attempts`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// A unique name (kept with each delivery; renaming a receiver starts it afresh).
    pub name: String,
    /// `http://host:port/path` (TLS: through a local proxy).
    pub url: String,
    pub secret: String,
    /// A district's code: only that district's tickets; "" = centre-wide (every ticket).
    #[serde(default)]
    pub district: String,
    #[serde(default = "default_webhook_attempts")]
    pub max_attempts: u32,
    /// How long one attempt may take (connect, send, answer).
    #[serde(default = "default_webhook_timeout")]
    pub timeout_secs: u64,
}

fn default_webhook_attempts() -> u32 {
    12
}

fn default_webhook_timeout() -> u64 {
    5
}

impl fmt::Debug for WebhookConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookConfig")
            .field("name", &self.name)
            .field("url", &self.url)
            .field("secret", &"<hidden>")
            .field("district", &self.district)
            .field("max_attempts", &self.max_attempts)
            .field("timeout_secs", &self.timeout_secs)
            .finish()
    }
}

/// One kind of ticket under `[tickets.kinds]`. A limit of 0 is no limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TicketKindConfig {
    /// `low`, `normal`, `high` or `urgent`.
    pub priority: String,
    /// Crew on site within this many minutes of creation.
    #[serde(default)]
    pub on_site_mins: u64,
    /// Result reported within this many hours of creation.
    #[serde(default)]
    pub reply_hours: u64,
    /// Follow-up call within this many hours of closing; 0 = no follow-up for this kind.
    #[serde(default)]
    pub follow_up_hours: u64,
    /// Tickets of this kind the IVR opens with a known district are dispatched at once.
    #[serde(default)]
    pub auto_dispatch: bool,
}

impl Default for TicketsConfig {
    fn default() -> Self {
        let kind = |priority: &str, on_site_mins, reply_hours, follow_up_hours| TicketKindConfig {
            priority: priority.into(),
            on_site_mins,
            reply_hours,
            follow_up_hours,
            auto_dispatch: false,
        };
        TicketsConfig {
            follow_up_max_attempts: 3,
            follow_up_retry_mins: 240,
            escalation_check_secs: 60,
            escalation_multiple: 2,
            dispatch_call_attempts: 3,
            dispatch_call_ring_secs: 30,
            dispatch_call_retry_secs: 120,
            incident_threshold: 5,
            incident_window_mins: 10,
            webhook_keep_days: 30,
            kinds: [
                ("leak", kind("urgent", 45, 24, 72)),
                ("repair", kind("high", 240, 48, 72)),
                ("complaint", kind("normal", 0, 24, 72)),
                ("billing_dispute", kind("normal", 0, 72, 72)),
                ("meter", kind("normal", 4320, 120, 72)),
                ("inquiry", kind("low", 0, 24, 0)),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            // A leak is dispatched as soon as the IVR opens it (the flow tells the caller so).
            .map(|(k, mut v)| {
                v.auto_dispatch = k == "leak";
                (k, v)
            })
            .collect(),
            webhooks: Vec::new(),
        }
    }
}

/// `[billing]`: late fees and the plausibility check on self-reported meter readings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BillingConfig {
    /// Late fee per day overdue, in millionths of the unpaid amount (1000 = 0.1 %).
    pub late_fee_daily_ppm: u32,
    /// Days after the due date before late fees start.
    pub late_fee_grace_days: u32,
    /// Late fees never exceed this percentage of the unpaid amount.
    pub late_fee_cap_percent: u32,
    /// A reading implying more than this many times the usual consumption is queried.
    pub reading_query_factor: f64,
    /// Usual monthly consumption assumed for customers with little or no history.
    pub reading_min_usual: u32,
}

impl Default for BillingConfig {
    fn default() -> Self {
        BillingConfig {
            late_fee_daily_ppm: 1000,
            late_fee_grace_days: 0,
            late_fee_cap_percent: 100,
            reading_query_factor: 3.0,
            reading_min_usual: 10,
        }
    }
}

/// `[ivr]`: the IVR flows callers hear.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IvrConfig {
    /// Folder of flow files (`<name>.yaml`), their tests and `calendars.yaml`.
    pub flows_dir: PathBuf,
    /// The flow a call starts in; "" = the built-in answer flow (no IVR).
    pub entry_flow: String,
    /// Look for changed flow files this often and apply valid ones; 0 = never.
    pub reload_secs: u64,
}

impl Default for IvrConfig {
    fn default() -> Self {
        IvrConfig {
            flows_dir: PathBuf::from("ivr-flows"),
            entry_flow: "main".into(),
            reload_secs: 2,
        }
    }
}

/// `[acd]`: the queues a flow's `transfer` names (`[[acd.queues]]` tables, file only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AcdConfig {
    /// A logged-in agent whose phone registers goes ready (desk phones without the desktop);
    /// false: only the desktop (`PUT /api/acd/me/state`) makes agents ready.
    pub ready_on_register: bool,
    /// The outbound route callbacks are dialled through (`host:port`, UDP: a SIP trunk or
    /// gateway); empty = no callbacks (queued callers are not offered one, and a `callback`
    /// max-wait exit opens a ticket instead).
    pub callback_gateway: String,
    /// The number shown to customers called back.
    pub callback_caller_id: String,
    /// The flow a caller goes to when the agent hangs up first (phone or desktop): the
    /// satisfaction survey; empty = the caller is hung up too. Checked against the flows at
    /// start.
    pub after_agent_flow: String,
    /// After the staff number, callers hear an invitation to stay on the line after the call
    /// to rate it (the survey the agent's hang-up starts); off by default.
    pub survey_invite: bool,
    /// Agents see on their desk when a supervisor monitors their call.
    pub tell_monitored: bool,
    /// An agent must give the call's reasons (the tree in the store) before ending wrap-up
    /// from the desktop.
    pub wrapup_reasons_required: bool,
    pub queues: Vec<hotline_acd::QueueConfig>,
}

impl Default for AcdConfig {
    fn default() -> Self {
        AcdConfig {
            ready_on_register: true,
            callback_gateway: String::new(),
            callback_caller_id: "96655".into(),
            after_agent_flow: "survey".into(),
            survey_invite: false,
            tell_monitored: false,
            wrapup_reasons_required: false,
            queues: crate::acd::default_queues(),
        }
    }
}

/// `[log]`: what is logged (to stderr) and how.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// A `tracing` filter: `info`, `debug`, `hotline_sip=debug,info`, …; `RUST_LOG` wins.
    pub level: String,
    pub format: LogFormat,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            level: "info".into(),
            format: LogFormat::Text,
        }
    }
}

/// How log lines look.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// Why the configuration was refused: one or more problems, each naming where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigError {
    pub issues: Vec<Issue>,
}

/// One problem with the configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Issue {
    /// `file:line:column`, `file` or an environment variable name; `None` for a built-in
    /// default.
    pub origin: Option<String>,
    /// The dotted key, e.g. `sip.registrar.min_expires` or `sip.users[1].username`.
    pub key: Option<String>,
    pub message: String,
}

impl ConfigError {
    fn one(origin: Option<String>, key: Option<String>, message: impl Into<String>) -> Self {
        ConfigError {
            issues: vec![Issue {
                origin,
                key,
                message: message.into(),
            }],
        }
    }
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(origin) = &self.origin {
            write!(f, "{origin}: ")?;
        }
        if let Some(key) = &self.key {
            write!(f, "{key}: ")?;
        }
        f.write_str(&self.message)
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, issue) in self.issues.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{issue}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}
