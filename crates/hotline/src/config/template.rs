//! The commented default configuration that `hotline config default` prints (and
//! `deploy/hotline.toml` holds). Values and environment variable names come from
//! [`Config::default`]; only the one-line descriptions below are written by hand, and a test
//! checks they cover every key.

use toml::{Table, Value};

use super::env::{default_tree, var_name};
use super::Config;

/// Sections in the order they are printed, with what each is for.
pub(super) const SECTIONS: &[(&str, &str)] = &[
    ("centre", "The call centre itself."),
    ("sip", "SIP signalling."),
    (
        "sip.registrar",
        "How long registrations last (seconds) and how many a user may hold.",
    ),
    (
        "sip.auth",
        "Digest authentication: nonces, blocking of failing addresses and guessed accounts, unregistered callers.",
    ),
    (
        "sip.rate_limit",
        "Per-address token bucket for requests from outside the trunks.",
    ),
    ("http", "The HTTP API."),
    ("media", "RTP media."),
    ("calls", "What the engine does with calls."),
    ("data", "Files the engine keeps."),
    ("store", "The database: customers, calls, tickets, agents."),
    (
        "tickets",
        "Tickets (work orders): follow-up calls, escalation, kinds and their time limits.",
    ),
    (
        "billing",
        "Late fees on arrears, and the check on meter readings callers report.",
    ),
    (
        "ivr",
        "IVR flows: where they are and which one a call starts in.",
    ),
    ("acd", "The ACD: the queues flows transfer callers to."),
    (
        "dialing",
        "Outside numbers the engine dials for agents (dial pad, transfers, REFER), by role. Patterns: digits, X = any digit, Z = 1-9, N = 2-9, [1-5] a set; a final . = one or more further characters, ! = zero or more; a pattern matches the whole number.",
    ),
    (
        "qa",
        "Quality assessment: evaluation forms (qa-forms/README.md) and the evaluators' weekly work list.",
    ),
    (
        "sms",
        "The SMS gateway (an SMSC over SMPP 3.4, bound as a transceiver) that SMS campaigns send through; STOP / 退订 replies go on the do-not-call list.",
    ),
    ("log", "Logging, to stderr."),
];

/// Every key, in print order, with its description.
pub(super) const KEYS: &[(&str, &str)] = &[
    (
        "centre.time_zone",
        "The centre's time zone, an IANA name (\"Asia/Shanghai\", \"Europe/Berlin\", \"UTC\";\n\
         daylight saving is followed): the wallboard's \"today\" starts at its midnight, IVR\n\
         calendars (office hours, holidays) and billing periods are read in it. Replaces\n\
         http.utc_offset_mins, which is refused. The zone rules are built into the binary.",
    ),
    ("sip.listen_udp", "UDP address to listen on for SIP; \"\" = no UDP."),
    (
        "sip.listen_tcp",
        "TCP address to listen on for SIP; \"\" = no TCP. At least one of the two must be on.",
    ),
    (
        "sip.public_host",
        "Host or IP written in Via and Contact headers; \"\" = the listen IP when it is\n\
         specific, else 127.0.0.1. Set it to the address phones reach the engine at.",
    ),
    (
        "sip.realm",
        "Digest authentication realm. HA1 hashes of sip.users are computed over it.",
    ),
    (
        "sip.user_agent",
        "Value of the Server header (answers) and User-Agent header (our requests); \"\" = send neither. The default names no version.",
    ),
    (
        "sip.trunks",
        "Carrier trunks, as IP addresses or CIDR blocks (e.g. [\"203.0.113.0/24\"]): calls\n\
         from them need no authentication and are not rate-limited.",
    ),
    (
        "sip.max_message_bytes",
        "Largest SIP message accepted, in bytes (1024 to 1048576).",
    ),
    (
        "sip.tcp_idle_timeout_secs",
        "Close a TCP connection after this many seconds without traffic (its bindings go with it); keep it above sip.registrar.max_expires.",
    ),
    (
        "sip.tcp_message_timeout_secs",
        "A message begun on a TCP connection must be complete within this many seconds, or the connection is closed (a peer trickling bytes holds nothing for long).",
    ),
    (
        "sip.tcp_max_connections_per_address",
        "Most TCP connections one address (IPv6: one /64) may hold at once; more are refused. The listener holds 10,000 in all.",
    ),
    ("sip.registrar.min_expires", "Shortest registration accepted; shorter ones get 423 Interval Too Brief."),
    ("sip.registrar.max_expires", "Longer registrations are cut to this."),
    (
        "sip.registrar.default_expires",
        "Used when a REGISTER gives no expiry; between min_expires and max_expires.",
    ),
    (
        "sip.registrar.max_contacts_per_user",
        "Most contacts (devices) one user may register at once.",
    ),
    (
        "sip.auth.algorithms",
        "Digest challenges offered, preferred first: SHA-256 and/or MD5 (RFC 8760). Phones that only read the first challenge and only know MD5 (SIPp 3.6, some old desk phones) need MD5 first.",
    ),
    (
        "sip.auth.nonce_ttl_secs",
        "How long a digest nonce stays valid; a phone using an older one is challenged again\n\
         with stale=true and retries on its own.",
    ),
    (
        "sip.auth.max_nonces",
        "Most nonces remembered at once. Each is remembered so that credentials are accepted once\n\
         per nonce count (a captured request replayed gets a challenge); beyond this number the\n\
         oldest are forgotten (their phones are challenged again).",
    ),
    (
        "sip.auth.bind_nonce_to_address",
        "A nonce is only good from the IP address it was sent to. A phone whose address changed\n\
         in between is challenged again (stale=true) and retries, so this costs honest phones at\n\
         most one round trip.",
    ),
    (
        "sip.auth.max_failures",
        "Block an address after this many failed authentications within failure_window_secs.",
    ),
    ("sip.auth.failure_window_secs", "The window in which failures are counted."),
    ("sip.auth.block_secs", "How long a blocked address stays blocked."),
    (
        "sip.auth.account_max_failures",
        "Throttle an account after this many wrong passwords for it within failure_window_secs,\n\
         from any addresses. While throttled, its credentials are refused (like a wrong password)\n\
         except from addresses it authenticated from in the last day, so its own phones go on.",
    ),
    (
        "sip.auth.account_block_secs",
        "How long an account's first throttle lasts; each next one doubles.",
    ),
    (
        "sip.auth.account_block_max_secs",
        "The longest throttle (the doubling stops here, and starts again after this long without\n\
         one). At least account_block_secs.",
    ),
    (
        "sip.auth.allow_unregistered_calls",
        "Accept calls from users who authenticate but have no live registration. Off: they get\n\
         403 Not Registered (logged, counted in hotline_sip_refused_total).",
    ),
    (
        "sip.overload.max_calls",
        "Most inbound calls (trunk and phone) held at once; above it a new INVITE gets 503 Service Unavailable with Retry-After, before any RTP port is leased. 0 = no ceiling.",
    ),
    (
        "sip.overload.calls_per_sec",
        "New inbound calls accepted per second on average (a second's worth at once); above it 503 with Retry-After (the seconds until room). 0 = no ceiling.",
    ),
    (
        "sip.overload.retry_after_secs",
        "Retry-After of the 503 sent when sip.overload.max_calls is reached.",
    ),
    (
        "sip.rate_limit.requests_per_sec",
        "Sustained requests per second allowed from one address.",
    ),
    (
        "sip.rate_limit.burst",
        "Bucket size: most requests one address may send at once before the rate applies.",
    ),
    (
        "sip.users",
        "Accounts that may register (agents' extensions), one [[sip.users]] table each, with\n\
         username and either password or ha1_md5 and/or ha1_sha256 (hex MD5 / SHA-256 of\n\
         \"username:realm:password\"); display_name is optional. HOTLINE_SIP_USERS=\"1001:pw,1002:pw\"\n\
         replaces the whole list.",
    ),
    ("http.listen", "Address of the HTTP API; \"\" = no HTTP."),
    ("http.token_ttl_hours", "How long an API login token lasts."),
    (
        "media.rtp_ports",
        "RTP port range \"start-end\", inclusive, start >= 1024. Each call takes an even port\n\
         and the odd one above it, so start it on an even port.",
    ),
    (
        "media.public_address",
        "IP address put in SDP; \"\" = sip.public_host if it is an IP, else the SIP listen IP\n\
         when specific, else 127.0.0.1 (only local phones can reach that).",
    ),
    (
        "media.bind_address",
        "IP address the RTP sockets bind to; \"\" = the address put in SDP when this host has\n\
         it, else every interface (0.0.0.0).",
    ),
    (
        "media.strict_rtp",
        "Take a call's RTP only from the address its SDP gave or, for a caller behind NAT, from\n\
         one source learned in the first strict_rtp_window_ms; other packets are dropped and\n\
         counted (hotline_rtp_packets_dropped_wrong_source_total). false = the first source wins.",
    ),
    (
        "media.strict_rtp_window_ms",
        "How long after a call's media starts (or is re-negotiated) a NATed source may be learned.",
    ),
    (
        "media.sounds_dir",
        "Folder of the prompts: <sounds_dir>/<language>/<name>.wav, <sounds_dir>/common/moh.wav.\n\
         All must be 8 kHz mono 16-bit PCM; a missing or wrong one stops the engine at start.",
    ),
    ("media.language", "Language of the prompts callers hear (a folder under sounds_dir)."),
    (
        "media.timeout_secs",
        "End a call when no RTP arrives for this many seconds (not while on hold); 0 = never.",
    ),
    (
        "media.record",
        "Record every answered call as a WAV under <data.dir>/recordings/ (stereo: the caller\n\
         left; right, what the caller hears: prompts, music, the agent). Files are flushed every\n\
         second; a crash leaves a file the next start repairs.",
    ),
    (
        "media.realtime_priority",
        "Run the call-handling threads (media, SIP, IVR, ACD) under the real-time policy SCHED_RR\n\
         at this priority (1-99), ahead of everything else on the machine, as Asterisk's -p and\n\
         FreeSWITCH's -rp do: RTP stays on time when the store or other programs fill the cores.\n\
         Needs root, CAP_SYS_NICE or a LimitRTPRIO at least this high (the shipped systemd unit\n\
         sets it); without, the engine says so in the log and runs at normal priority. 0 = off.",
    ),
    (
        "media.recording_retention_days",
        "Delete the recordings of calls that waited in no queue (IVR only, extensions) this many\n\
         days after the call, hourly; calls on legal hold are kept. Each queue has its own\n\
         recording_retention_days (acd.queues). 0 = kept.",
    ),
    (
        "calls.answer_hangup_secs",
        "Without IVR (ivr.entry_flow = \"\"): hang up answered calls after this many seconds; 0 = never.",
    ),
    (
        "calls.ring_secs",
        "Let inbound calls ring this many seconds before answering (below 300); 0 = at once.",
    ),
    ("calls.max_call_secs", "Hard upper bound on any call's length."),
    (
        "calls.log_batch",
        "Call records: entries written to the store between saves of the spool's cursor\n\
         (<data.dir>/call-log/; a burst waits there, never dropped).",
    ),
    (
        "calls.log_segment_kib",
        "Call records: a spool segment's size in KiB (deleted once the store has it).",
    ),
    (
        "data.dir",
        "Directory for the engine's files, created if missing; relative to the working directory.",
    ),
    (
        "store.url",
        "\"sqlite:PATH\" or \"postgres://user@host/db\"; \"\" = SQLite at <data.dir>/hotline.db.\n\
         Created and migrated at start.",
    ),
    (
        "store.connections",
        "Database connections for reads (on PostgreSQL for writes too; SQLite has one writer).",
    ),
    (
        "store.demo_customers",
        "When serve finds no customers, it seeds this many demo customers (and demo agents,\n\
         whose passwords go to <data.dir>/demo-agents.txt); 0 = never.",
    ),
    ("tickets.follow_up_max_attempts", "Follow-up call attempts before it is given up (the ticket moves on)."),
    ("tickets.follow_up_retry_mins", "Wait after a follow-up call that did not reach the customer."),
    ("tickets.escalation_check_secs", "How often tickets past a time limit are looked for and escalated."),
    ("tickets.dispatch_call_attempts", "Each ticket dispatched to a district with a dispatch phone (districts.dispatch_phone) is announced to that phone by a call through the outbound route (acd.callback_gateway): 新工单, its number, 紧急 if urgent, the district, 确认收到请按1. 1 is noted on the ticket; otherwise it is called again, at most this many calls, then a dead letter and the ticket escalated (supervisors' banners). 0 = no calls; none without an outbound route."),
    ("tickets.dispatch_call_ring_secs", "How long a dispatch phone's call rings before it counts as not answered."),
    ("tickets.dispatch_call_retry_secs", "The wait before a dispatch phone is called again after a call without acknowledgement."),
    ("tickets.escalation_multiple", "A ticket goes to escalation level 2 (its own event and webhook) once a time limit is\nmissed by this many times the limit; level 1 is at the limit. 1 = never level 2."),
    ("tickets.incident_threshold", "Leak reports the IVR takes from one district within incident_window_mins of each other:\nthe first is dispatched, the next are linked to it (not dispatched again), and this many\nmake an incident (every reporter kept, the first marked for the reward). 0 = off, else 2 or more."),
    ("tickets.incident_window_mins", "A leak report within this many minutes of its district's last one joins its cluster."),
    ("tickets.webhook_keep_days", "Webhook deliveries the receivers took are forgotten after this many days (checked\nhourly); dead letters and deliveries still being tried are kept. 0 = kept for ever."),
    (
        "tickets.kinds",
        "One line per kind: priority (low, normal, high, urgent), crew on site within on_site_mins\n\
         of creation, result reported within reply_hours, follow-up call within follow_up_hours\n\
         of closing (0 = no limit; follow_up_hours = 0: no follow-up); auto_dispatch = true:\n\
         tickets the IVR opens with a known district are dispatched at once. Add a line to add a kind.\n\
         Set in the file only.",
    ),
    ("billing.late_fee_daily_ppm", "Late fee per day overdue, in millionths of the unpaid amount (1000 = 0.1 % a day)."),
    ("billing.late_fee_grace_days", "Days after the due date before late fees start."),
    ("billing.late_fee_cap_percent", "Late fees never exceed this percentage of the unpaid amount."),
    (
        "billing.reading_query_factor",
        "A self-reported meter reading implying more than this many times the customer's usual\n\
         monthly consumption (12-month average) is queried and opens a meter ticket.",
    ),
    ("billing.reading_min_usual", "Usual monthly consumption assumed for customers with little or no history."),
    ("ivr.flows_dir", "Folder of IVR flow files (<name>.yaml), their tests (*.test.yaml) and calendars.yaml."),
    ("ivr.entry_flow", "The flow every call starts in; \"\" = no IVR: the built-in answer flow (welcome, music, digits read back), for media tests."),
    ("ivr.reload_secs", "Look for changed flow files this often; a valid change applies to new calls (calls in progress keep their version), an invalid one is logged and refused; 0 = never."),
    ("acd.ready_on_register", "A logged-in agent whose phone registers goes ready (desk phones used without the desktop); false = only the desktop makes agents ready. Agents are logged in at start; the desktop logs them in and out, sets ready and not ready (with a reason) and ends wrap-up early."),
    ("acd.callback_gateway", "The outbound route for callbacks, host:port (UDP; a SIP trunk or gateway). Empty = no callbacks: queued callers are not offered one and a `callback` max-wait exit opens a ticket. With it, a queued caller pressing 1 keeps their place and is called back: the agent is rung first, then the customer dialled here."),
    ("acd.callback_caller_id", "The calling number customers see on a callback."),
    ("acd.survey_invite", "After the staff number (工号 … 为您服务), invite the caller to stay on the line after the call to rate it: the agent's hang-up then takes the caller to the survey (acd.after_agent_flow). Off by default; said only when that flow is loaded."),
    ("acd.tell_monitored", "Agents see on their desk when a supervisor listens to, whispers in or barges into their call (and when it ends); false = monitoring is silent (the whisper and barge are heard anyway)."),
    ("acd.after_agent_flow", "The flow a caller goes to when the agent hangs up first (from the phone or the desktop): the satisfaction survey. Empty = the caller is hung up too. A name other than survey must be a loaded flow (checked at start); a missing survey is warned about."),
    ("acd.wrapup_reasons_required", "An agent must pick the call's reasons (the tree of call reasons in the store; GET /api/call-reasons) before ending wrap-up from the desktop: ready, not ready or log out in wrap-up is refused (422, field reasons) until PUT /api/acd/me/wrapup has given them. When the queue's wrap-up time is over first, the agent stays in wrap-up (no next call) until the reasons are given, then is ready at once."),
    ("acd.queues", "The queues, one [[acd.queues]] table each (file only; giving any replaces the built-in ones): name, skills (skill = minimum level 0-10), service_level, wrap_up_secs, ring_secs, max_wait_secs, max_wait_exit (ticket | callback | hangup | queue:<name> | number:<digits>), announce_secs, strategy (longest_idle | most_skilled | round_robin), key_account_boost, ageing_per_min, short_abandon_secs, default_handle_secs, callback, steps (routing steps over the wait: preferred_only, skills, tier), relax (skill levels lowered over the wait), calendar (a calendar of the flows' calendars.yaml: the queue is closed outside its hours; leave out for always open, as for emergency queues), after_hours (ticket | hangup | queue:<name> | number:<digits>: where callers go while it is closed). See crates/hotline-acd."),
    ("dialing.agent", "What agents may dial: mobiles, landlines with their area code, local landlines, 400/800 numbers (mainland China)."),
    ("dialing.qa", "What quality evaluators may dial (nothing by default)."),
    ("dialing.supervisor", "What supervisors may dial."),
    ("dialing.admin", "What admins may dial."),
    ("dialing.emergency", "Emergency numbers: refused for every role not in dialing.emergency_roles (callers in need dial them from their own phone)."),
    ("dialing.premium", "Premium-rate numbers: refused for every role not in dialing.premium_roles."),
    ("dialing.international", "International numbers (and anything typed with a leading +): refused for every role not in dialing.international_roles."),
    ("dialing.emergency_roles", "Roles that may dial emergency numbers."),
    ("dialing.premium_roles", "Roles that may dial premium-rate numbers."),
    ("dialing.international_roles", "Roles that may dial international numbers."),
    ("qa.forms_dir", "Folder of evaluation forms (<id>.yaml: sections, criteria with weights, yes/no or scale, critical items); every form is checked at start and an error stops it with file:line: reason. \"\" = no quality assessment (the /api/qa endpoints answer 503)."),
    ("qa.default_form", "The form a new evaluation uses when none is named; must be one of the forms."),
    ("qa.sample_per_agent", "Calls drawn at random per agent per week for the evaluators' work list, once the week is over (the same calls when drawn again; agents cannot tell which); 0 = no work list."),
    ("sms.host", "The SMSC's host name or IP address; \"\" = no gateway (SMS campaigns are paused, saying so)."),
    ("sms.port", "The SMSC's SMPP port."),
    ("sms.system_id", "The SMPP account (system_id), at most 15 characters."),
    ("sms.password", "The account's password, at most 8 characters; better set as HOTLINE_SMS_PASSWORD than written here."),
    ("sms.source", "The sender address customers see (the hotline's number or short code)."),
    ("sms.submits_per_sec", "Most messages (parts) submitted a second: the account's limit at the SMSC."),
    ("sms.ticket_texts", "Text a ticket's reporter (a mobile number not on the do-not-call list) when the ticket is dispatched and when it is closed."),
    ("sms.ticket_dispatched", "The text on dispatch; placeholders {ticket}, {ticket_kind}, {district}."),
    ("sms.ticket_closed", "The text on close; the same placeholders."),
    ("sms.ticket_window", "When ticket texts may go (HH:MM-HH:MM in the centre's zone); one outside waits for it, one older than a day is not sent."),
    (
        "log.level",
        "Log filter: trace, debug, info, warn, error, off, or per module, e.g.\n\
         \"hotline_sip=debug,info\". RUST_LOG, when set, wins.",
    ),
    ("log.format", "\"text\" for people, \"json\" for one JSON object per line."),
];

const HEADER: &str = "\
# hotline configuration.
#
# Every key below is shown with its default value; delete or comment out what you do not
# change. Each key can also be set by an environment variable, named after its section and
# key (shown as `env` below), which wins over this file; a HOTLINE_* variable that names no
# key is an error. `hotline config check` validates a file, `hotline config default`
# prints this one.
";

const USERS_EXAMPLE: &str = "\
# [[sip.users]]
# username = \"1001\"
# password = \"change-me\"
# display_name = \"Agent 1001\"
#
# [[sip.users]]
# username = \"1002\"
# ha1_md5 = \"<32 hex digits>\"
";

impl Config {
    /// The default configuration as a commented TOML file.
    /// (Infallible in practice: the tests check that it parses back to the defaults.)
    pub fn default_toml() -> String {
        let tree = default_tree().unwrap_or_default();
        let mut out = String::from(HEADER);
        let mut section = "";
        for (key, doc) in KEYS {
            let (parent, name) = key.rsplit_once('.').unwrap_or(("", key));
            let path: Vec<String> = key.split('.').map(String::from).collect();
            if parent != section && name != "users" {
                section = parent;
                let about = SECTIONS
                    .iter()
                    .find(|(s, _)| *s == parent)
                    .map_or("", |(_, a)| *a);
                out.push_str(&format!("\n# {about}\n[{parent}]\n"));
            }
            out.push('\n');
            for line in doc.lines() {
                out.push_str(&format!("# {}\n", line.trim()));
            }
            if *key == "sip.users" {
                out.push_str(USERS_EXAMPLE);
                continue;
            }
            if *key == "acd.queues" {
                if let Some(Value::Array(queues)) = lookup(&tree, &path) {
                    for q in queues {
                        out.push_str("[[acd.queues]]\n");
                        if let Value::Table(t) = q {
                            for (k, v) in t {
                                out.push_str(&format!("{k} = {v}\n"));
                            }
                        }
                        out.push('\n');
                    }
                }
                continue;
            }
            if *key == "tickets.kinds" {
                out.push_str(&format!("[{key}]\n"));
                if let Some(Value::Table(kinds)) = lookup(&tree, &path) {
                    for (kind, limits) in kinds {
                        out.push_str(&format!("{kind} = {limits}\n"));
                    }
                }
                continue;
            }
            out.push_str(&format!("# env {}\n", var_name(&path)));
            if let Some(value) = lookup(&tree, &path) {
                out.push_str(&format!("{name} = {value}\n"));
            }
        }
        out
    }
}

fn lookup<'a>(tree: &'a Table, path: &[String]) -> Option<&'a Value> {
    let (first, rest) = path.split_first()?;
    let value = tree.get(first)?;
    match (rest.is_empty(), value) {
        (true, v) => Some(v),
        (false, Value::Table(t)) => lookup(t, rest),
        _ => None,
    }
}
