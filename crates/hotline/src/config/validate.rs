//! Checks on the values once they have the right types: addresses parse, ranges are ordered,
//! users can authenticate, the log filter means something. Each finding names its dotted key;
//! the loader adds where the value came from.

use std::collections::HashSet;
use std::net::{IpAddr, SocketAddr};

use super::Config;

/// How long the SIP core lets an inbound call ring before it gives up (its `max_ring`).
const MAX_RING_SECS: u64 = 300;

/// Smallest and largest accepted `sip.max_message_bytes`.
const MESSAGE_BYTES: (usize, usize) = (1024, 1 << 20);

/// What [`check`] found: `(dotted key, message)` pairs.
#[derive(Debug, Default)]
pub(super) struct Findings {
    pub errors: Vec<(String, String)>,
    pub warnings: Vec<(String, String)>,
}

impl Findings {
    fn error(&mut self, key: impl Into<String>, message: impl Into<String>) {
        self.errors.push((key.into(), message.into()));
    }

    fn warn(&mut self, key: impl Into<String>, message: impl Into<String>) {
        self.warnings.push((key.into(), message.into()));
    }
}

/// Why `http.utc_offset_mins` is refused, and what to write instead.
pub(super) const RETIRED_UTC_OFFSET: &str = "no longer read: set centre.time_zone to an IANA \
     time zone name instead (480 = \"Asia/Shanghai\"; a zone with daylight saving, such as \
     \"Europe/Berlin\", follows its clock changes)";

/// The SMS gateway, when one is given: an account, a sender, a sane rate.
fn sms(cfg: &Config, f: &mut Findings) {
    let s = &cfg.sms;
    if let Err((key, e)) = crate::ticket_texts::Policy::new(s, hotline_time::Zone::utc()) {
        f.error(key, e);
    }
    if s.host.is_empty() {
        if s.ticket_texts {
            f.error("sms.ticket_texts", "texts need a gateway: set sms.host");
        }
        return;
    }
    if s.port == 0 {
        f.error("sms.port", "the SMSC's port (2775 is usual)");
    }
    if s.system_id.is_empty() || s.system_id.len() > 15 {
        f.error("sms.system_id", "1 to 15 characters (SMPP 3.4)");
    }
    if s.password.len() > 8 {
        f.error("sms.password", "at most 8 characters (SMPP 3.4)");
    }
    if s.source.is_empty() || s.source.len() > 20 {
        f.error("sms.source", "the sender address, 1 to 20 characters");
    }
    if !(1..=1000).contains(&s.submits_per_sec) {
        f.error("sms.submits_per_sec", "1 to 1000");
    }
}

pub(super) fn check(cfg: &Config) -> Findings {
    let mut f = Findings::default();
    if let Err((key, e)) = cfg.dialing.rules() {
        f.error(key, e);
    }
    if cfg.qa.sample_per_agent > super::MAX_QA_SAMPLE {
        f.error(
            "qa.sample_per_agent",
            format!("at most {} calls per agent per week", super::MAX_QA_SAMPLE),
        );
    }
    if !cfg.qa.forms_dir.as_os_str().is_empty() && cfg.qa.default_form.is_empty() {
        f.error("qa.default_form", "name one of the forms in qa.forms_dir");
    }
    sms(cfg, &mut f);
    sip(cfg, &mut f);
    users(cfg, &mut f);
    auth_algorithms(cfg, &mut f);
    listen(&mut f, "http.listen", &cfg.http.listen);
    match cfg.media.port_range() {
        Err(e) => f.error("media.rtp_ports", e),
        Ok((start, _)) if start % 2 == 1 => f.warn(
            "media.rtp_ports",
            format!("starts at odd port {start}: RTP uses even ports, so {start} is unused"),
        ),
        Ok(_) => {}
    }
    let public = &cfg.media.public_address;
    if !public.is_empty() && public.parse::<IpAddr>().is_err() {
        f.error(
            "media.public_address",
            format!("not an IP address: {public:?}"),
        );
    }
    let bind = &cfg.media.bind_address;
    if !bind.is_empty() && bind.parse::<IpAddr>().is_err() {
        f.error("media.bind_address", format!("not an IP address: {bind:?}"));
    }
    if cfg.media.strict_rtp && cfg.media.strict_rtp_window_ms > 60_000 {
        f.warn(
            "media.strict_rtp_window_ms",
            "above 60 s: a stranger's packets may take a call's audio for that long",
        );
    }
    if cfg.media.realtime_priority > 99 {
        f.error(
            "media.realtime_priority",
            format!(
                "{} is above 99, the highest real-time priority; 1 is enough, 0 turns it off",
                cfg.media.realtime_priority
            ),
        );
    }
    let lang = &cfg.media.language;
    if lang.is_empty()
        || !lang
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        f.error(
            "media.language",
            format!("{lang:?} must be a folder name such as zh or en"),
        );
    }
    if cfg.calls.ring_secs >= MAX_RING_SECS {
        f.error(
            "calls.ring_secs",
            format!(
                "must be below {MAX_RING_SECS}: the SIP core gives up on a call ringing that long"
            ),
        );
    }
    positive(&mut f, "calls.max_call_secs", cfg.calls.max_call_secs);
    positive(&mut f, "calls.log_batch", cfg.calls.log_batch);
    positive(&mut f, "calls.log_segment_kib", cfg.calls.log_segment_kib);
    if cfg.data.dir.as_os_str().is_empty() {
        f.error("data.dir", "must not be empty");
    }
    if let Err(e) = log_filter(&cfg.log.level) {
        f.error("log.level", e);
    }
    store(cfg, &mut f);
    f
}

fn store(cfg: &Config, f: &mut Findings) {
    let url = &cfg.store.url;
    if !url.is_empty()
        && !["sqlite:", "postgres://", "postgresql://"]
            .iter()
            .any(|p| url.starts_with(p))
    {
        f.error(
            "store.url",
            "must start with sqlite: or postgres:// (or be empty)",
        );
    }
    positive(f, "store.connections", u64::from(cfg.store.connections));
    positive(f, "http.token_ttl_hours", cfg.http.token_ttl_hours);
    let t = &cfg.tickets;
    positive(
        f,
        "tickets.follow_up_max_attempts",
        u64::from(t.follow_up_max_attempts),
    );
    positive(f, "tickets.escalation_check_secs", t.escalation_check_secs);
    positive(f, "tickets.escalation_multiple", t.escalation_multiple);
    positive(
        f,
        "tickets.dispatch_call_ring_secs",
        t.dispatch_call_ring_secs,
    );
    positive(
        f,
        "tickets.dispatch_call_retry_secs",
        t.dispatch_call_retry_secs,
    );
    if t.incident_threshold == 1 {
        f.error("tickets.incident_threshold", "0 (off) or 2 or more");
    }
    if t.incident_threshold > 0 {
        positive(f, "tickets.incident_window_mins", t.incident_window_mins);
    }
    if t.kinds.is_empty() {
        f.error("tickets.kinds", "at least one kind is needed");
    }
    for (i, w) in t.webhooks.iter().enumerate() {
        let key = |k: &str| format!("tickets.webhooks[{i}].{k}");
        if w.name.trim().is_empty() || t.webhooks.iter().take(i).any(|o| o.name == w.name) {
            f.error(key("name"), "a name of its own is needed");
        }
        if !w.url.starts_with("http://") || w.url.len() <= "http://".len() {
            f.error(
                key("url"),
                "must be an http:// URL (TLS through a local proxy)",
            );
        }
        if w.secret.len() < 16 {
            f.error(key("secret"), "at least 16 characters");
        }
        positive(f, &key("max_attempts"), u64::from(w.max_attempts));
        positive(f, &key("timeout_secs"), w.timeout_secs);
    }
    for (name, kind) in &t.kinds {
        let key = format!("tickets.kinds.{name}");
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            f.error(
                key.clone(),
                "kind names are lower-case letters, digits and _",
            );
        }
        if !["low", "normal", "high", "urgent"].contains(&kind.priority.as_str()) {
            f.error(
                format!("{key}.priority"),
                format!("{:?} is not low, normal, high or urgent", kind.priority),
            );
        }
        for (field, v, max) in [
            ("on_site_mins", kind.on_site_mins, 60 * 24 * 365),
            ("reply_hours", kind.reply_hours, 24 * 365),
            ("follow_up_hours", kind.follow_up_hours, 24 * 365),
        ] {
            if v > max {
                f.error(format!("{key}.{field}"), format!("{v} is above a year"));
            }
        }
    }
    if let Err(errors) = hotline_acd::validate(&cfg.acd.queues) {
        for e in errors {
            f.error("acd.queues", e);
        }
    }
    if let Err(e) = hotline_time::Zone::named(&cfg.centre.time_zone) {
        f.error("centre.time_zone", e.to_string());
    }
    if cfg.http.utc_offset_mins.is_some() {
        f.error("http.utc_offset_mins", RETIRED_UTC_OFFSET);
    }
    let gw = &cfg.acd.callback_gateway;
    if !gw.is_empty() && gw.parse::<std::net::SocketAddr>().is_err() {
        f.error(
            "acd.callback_gateway",
            format!("{gw:?} is not host:port with an IP address (e.g. 10.0.0.5:5060)"),
        );
    }
    let id = &cfg.acd.callback_caller_id;
    if !gw.is_empty() && (id.is_empty() || id.len() > 20 || !id.bytes().all(|b| b.is_ascii_digit()))
    {
        f.error("acd.callback_caller_id", format!("{id:?}: 1 to 20 digits"));
    }
    let name = &cfg.ivr.entry_flow;
    let well_formed = name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !name.is_empty() && !well_formed {
        f.error(
            "ivr.entry_flow",
            "a flow name: lower-case letters, digits and _",
        );
    }
    let after = &cfg.acd.after_agent_flow;
    let well_formed = after.starts_with(|c: char| c.is_ascii_lowercase())
        && after
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !after.is_empty() && !well_formed {
        f.error(
            "acd.after_agent_flow",
            "a flow name: lower-case letters, digits and _ (or empty)",
        );
    }
    let b = &cfg.billing;
    if b.late_fee_cap_percent > 1000 {
        f.error("billing.late_fee_cap_percent", "must be at most 1000");
    }
    if b.late_fee_daily_ppm > 100_000 {
        f.error(
            "billing.late_fee_daily_ppm",
            "must be at most 100000 (10 % a day)",
        );
    }
    if !(b.reading_query_factor.is_finite() && b.reading_query_factor >= 1.0) {
        f.error(
            "billing.reading_query_factor",
            "must be a number of at least 1",
        );
    }
}

fn sip(cfg: &Config, f: &mut Findings) {
    let sip = &cfg.sip;
    listen(f, "sip.listen_udp", &sip.listen_udp);
    listen(f, "sip.listen_tcp", &sip.listen_tcp);
    if sip.listen_udp.is_empty() && sip.listen_tcp.is_empty() {
        f.error(
            "sip.listen_udp",
            "SIP is off: set sip.listen_udp or sip.listen_tcp (or both)",
        );
    }
    if sip
        .public_host
        .chars()
        .any(|c| c.is_whitespace() || c.is_control())
    {
        f.error(
            "sip.public_host",
            "must not contain spaces or control characters",
        );
    }
    if sip.realm.trim().is_empty() {
        f.error("sip.realm", "must not be empty");
    }
    if sip
        .realm
        .chars()
        .any(|c| c == '"' || c == '\\' || c.is_control())
    {
        f.error(
            "sip.realm",
            "must not contain quotes, backslashes or control characters",
        );
    }
    if sip.user_agent.chars().any(char::is_control) {
        f.error("sip.user_agent", "must not contain control characters");
    }
    for (i, trunk) in sip.trunks.iter().enumerate() {
        if let Err(e) = cidr(trunk) {
            f.error(format!("sip.trunks[{i}]"), format!("{trunk:?}: {e}"));
        }
    }
    let (min, max) = MESSAGE_BYTES;
    if !(min..=max).contains(&sip.max_message_bytes) {
        f.error(
            "sip.max_message_bytes",
            format!("must be between {min} and {max}"),
        );
    }
    positive(f, "sip.tcp_idle_timeout_secs", sip.tcp_idle_timeout_secs);
    positive(
        f,
        "sip.tcp_message_timeout_secs",
        sip.tcp_message_timeout_secs,
    );
    positive(
        f,
        "sip.tcp_max_connections_per_address",
        sip.tcp_max_connections_per_address as u64,
    );

    let r = &sip.registrar;
    positive(f, "sip.registrar.min_expires", u64::from(r.min_expires));
    if r.min_expires > r.max_expires {
        f.error(
            "sip.registrar.min_expires",
            format!("{} is above max_expires {}", r.min_expires, r.max_expires),
        );
    } else if !(r.min_expires..=r.max_expires).contains(&r.default_expires) {
        f.error(
            "sip.registrar.default_expires",
            format!(
                "{} is outside min_expires..=max_expires ({}..={})",
                r.default_expires, r.min_expires, r.max_expires
            ),
        );
    }
    positive(
        f,
        "sip.registrar.max_contacts_per_user",
        r.max_contacts_per_user as u64,
    );

    let a = &sip.auth;
    positive(f, "sip.auth.nonce_ttl_secs", a.nonce_ttl_secs);
    positive(f, "sip.auth.max_failures", u64::from(a.max_failures));
    positive(f, "sip.auth.failure_window_secs", a.failure_window_secs);
    positive(f, "sip.auth.max_nonces", a.max_nonces as u64);
    positive(
        f,
        "sip.auth.account_max_failures",
        u64::from(a.account_max_failures),
    );
    positive(f, "sip.auth.account_block_secs", a.account_block_secs);
    if a.account_block_max_secs < a.account_block_secs {
        f.error(
            "sip.auth.account_block_max_secs",
            format!(
                "{} is below account_block_secs {}",
                a.account_block_max_secs, a.account_block_secs
            ),
        );
    }

    let o = &sip.overload;
    if !(o.calls_per_sec.is_finite() && o.calls_per_sec >= 0.0) {
        f.error(
            "sip.overload.calls_per_sec",
            "must be a number, 0 or above (0 = no ceiling)",
        );
    }
    positive(f, "sip.overload.retry_after_secs", o.retry_after_secs);

    let rl = &sip.rate_limit;
    if !(rl.requests_per_sec.is_finite() && rl.requests_per_sec > 0.0) {
        f.error(
            "sip.rate_limit.requests_per_sec",
            "must be a number above 0",
        );
    }
    positive(f, "sip.rate_limit.burst", u64::from(rl.burst));
}

fn auth_algorithms(cfg: &Config, f: &mut Findings) {
    let algs = &cfg.sip.auth.algorithms;
    if algs.is_empty() {
        f.error(
            "sip.auth.algorithms",
            "must name at least one of SHA-256, MD5",
        );
    }
    let mut seen = HashSet::new();
    for a in algs {
        if a != "SHA-256" && a != "MD5" {
            f.error(
                "sip.auth.algorithms",
                format!("{a:?} is not SHA-256 or MD5"),
            );
        } else if !seen.insert(a.as_str()) {
            f.error("sip.auth.algorithms", format!("{a:?} is listed twice"));
        }
    }
}

fn users(cfg: &Config, f: &mut Findings) {
    // No sip.users is normal: agents' extensions come from the store.
    let users = &cfg.sip.users;
    let mut seen = HashSet::new();
    for (i, u) in users.iter().enumerate() {
        let key = |field: &str| format!("sip.users[{i}].{field}");
        let name = &u.username;
        if name.is_empty() {
            f.error(key("username"), "must not be empty");
        } else if let Some(c) = name
            .chars()
            .find(|c| matches!(c, ':' | '@') || c.is_whitespace() || c.is_control())
        {
            f.error(key("username"), format!("{name:?} must not contain {c:?}"));
        } else if !seen.insert(name.as_str()) {
            f.error(key("username"), format!("{name:?} is listed twice"));
        }
        let has_hash = u.ha1_md5.is_some() || u.ha1_sha256.is_some();
        match (&u.password, has_hash) {
            (Some(_), true) => f.error(
                key("password"),
                "give either password or ha1_md5/ha1_sha256, not both",
            ),
            (None, false) => f.error(
                format!("sip.users[{i}]"),
                format!(
                    "user {name:?} has no credentials: set password, or ha1_md5 and/or ha1_sha256"
                ),
            ),
            (Some(p), false) if p.is_empty() => f.error(key("password"), "must not be empty"),
            _ => {}
        }
        for (alg, hash, field) in [
            ("SHA-256", &u.ha1_sha256, "ha1_sha256"),
            ("MD5", &u.ha1_md5, "ha1_md5"),
        ] {
            if u.password.is_none()
                && hash.is_none()
                && cfg.sip.auth.algorithms.iter().any(|a| a == alg)
            {
                f.warn(
                    key(field),
                    format!("user {name:?} cannot authenticate with {alg}, which is offered: set {field} too"),
                );
            }
        }
        for (field, value, len) in [
            ("ha1_md5", &u.ha1_md5, 32),
            ("ha1_sha256", &u.ha1_sha256, 64),
        ] {
            if let Some(h) = value {
                if h.len() != len || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
                    f.error(key(field), format!("must be {len} hex digits"));
                }
            }
        }
        if let Some(d) = &u.display_name {
            if d.chars().any(|c| c == '"' || c == '\\' || c.is_control()) {
                f.error(
                    key("display_name"),
                    "must not contain quotes, backslashes or control characters",
                );
            }
        }
    }
}

/// A listen address: empty (off) or `ip:port`, exactly (no spaces: `serve` parses it as is).
fn listen(f: &mut Findings, key: &str, value: &str) {
    if !value.is_empty() && value.parse::<SocketAddr>().is_err() {
        f.error(
            key,
            format!("not a socket address (ip:port, [ipv6]:port, or \"\" for off): {value:?}"),
        );
    }
}

fn positive(f: &mut Findings, key: &str, value: u64) {
    if value == 0 {
        f.error(key, "must be above 0");
    }
}

/// `10.0.0.1` or `10.0.0.0/8` or `2001:db8::/32`.
pub(super) fn cidr(text: &str) -> Result<(), String> {
    let text = text.trim();
    let (addr, prefix) = match text.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (text, None),
    };
    let addr: IpAddr = addr
        .parse()
        .map_err(|_| "not an IP address or CIDR block (e.g. 203.0.113.0/24)".to_string())?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    if let Some(p) = prefix {
        let ok = !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
        match p.parse::<u8>() {
            Ok(n) if ok && n <= max => {}
            _ => return Err(format!("prefix length must be 0..={max}")),
        }
    }
    Ok(())
}

/// A `tracing` filter, and no bare word that is not a level: `infoo` would be taken as a
/// target name and silence everything else.
pub(crate) fn log_filter(text: &str) -> Result<(), String> {
    const LEVELS: [&str; 6] = ["trace", "debug", "info", "warn", "error", "off"];
    if text.trim().is_empty() {
        return Err("must not be empty (e.g. \"info\")".into());
    }
    for directive in text.split(',').map(str::trim).filter(|d| !d.is_empty()) {
        let bare = !directive.contains(['=', '[', ':']);
        if bare && !LEVELS.contains(&directive.to_ascii_lowercase().as_str()) {
            return Err(format!(
                "{directive:?} is not a level (trace, debug, info, warn, error, off); \
                 for one module write e.g. \"{directive}=debug\""
            ));
        }
    }
    tracing_subscriber::EnvFilter::builder()
        .parse(text)
        .map(|_| ())
        .map_err(|e| format!("{text:?}: {e}"))
}
