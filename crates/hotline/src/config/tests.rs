//! Unit tests of the configuration: defaults, environment overrides (with a fake environment,
//! never the process's), error positions, validation, and the shipped files staying in step.

use std::collections::HashSet;

use super::env::keys;
use super::template::KEYS;
use super::validate::{cidr, log_filter};
use super::*;

type Env = Vec<(String, String)>;

fn env(pairs: &[(&str, &str)]) -> Env {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn parse(text: &str, vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
    Config::parse(text, Some("hotline.toml"), env(vars)).map(|l| l.config)
}

/// The error's text, which must be a single issue.
fn error(text: &str, vars: &[(&str, &str)]) -> String {
    match parse(text, vars) {
        Ok(cfg) => panic!("accepted: {cfg:?}"),
        Err(e) => {
            assert_eq!(e.issues.len(), 1, "{e}");
            e.to_string()
        }
    }
}

/// All issues' text.
fn errors(text: &str, vars: &[(&str, &str)]) -> String {
    match parse(text, vars) {
        Ok(cfg) => panic!("accepted: {cfg:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn defaults() {
    let cfg = Config::default();
    assert_eq!(cfg.sip.listen_udp, "0.0.0.0:5060");
    assert_eq!(cfg.sip.listen_tcp, "0.0.0.0:5060");
    assert_eq!(cfg.sip.realm, "hotline");
    // The Server header gives no version away by default.
    assert_eq!(cfg.sip.user_agent, "hotline");
    assert_eq!(cfg.sip.max_message_bytes, 65535);
    assert_eq!(cfg.sip.registrar.min_expires, 60);
    assert_eq!(cfg.sip.registrar.max_contacts_per_user, 5);
    assert_eq!(cfg.sip.auth.block_secs, 300);
    assert_eq!(cfg.sip.rate_limit.requests_per_sec, 50.0);
    assert_eq!(cfg.http.listen, "127.0.0.1:8080");
    assert_eq!(cfg.media.port_range(), Ok((20000, 30000)));
    assert_eq!(cfg.calls.answer_hangup_secs, 30);
    assert_eq!(cfg.calls.max_call_secs, 14400);
    assert_eq!(cfg.data.dir, std::path::PathBuf::from("./data"));
    assert_eq!(cfg.log.format, LogFormat::Text);
    // An empty file and no file are the defaults, and they are valid.
    assert_eq!(parse("", &[]), Ok(Config::default()));
    let loaded = Config::parse("", None, Env::new()).expect("defaults are valid");
    assert_eq!(loaded.source, "built-in defaults");
}

#[test]
fn file_values_are_read() {
    let cfg = parse(
        "[sip]\nrealm = \"acme\"\ntrunks = [\"10.0.0.0/8\"]\n[sip.rate_limit]\nrequests_per_sec = 5\n\
         [log]\nformat = \"json\"\n[[sip.users]]\nusername = \"1001\"\npassword = \"pw\"\n",
        &[],
    )
    .expect("valid");
    assert_eq!(cfg.sip.realm, "acme");
    assert_eq!(cfg.sip.trunks, ["10.0.0.0/8"]);
    assert_eq!(cfg.sip.rate_limit.requests_per_sec, 5.0);
    assert_eq!(cfg.log.format, LogFormat::Json);
    assert_eq!(cfg.sip.users[0].username, "1001");
    assert_eq!(
        cfg.sip.listen_udp, "0.0.0.0:5060",
        "unset keys keep defaults"
    );
}

#[test]
fn env_overrides_every_kind_of_key() {
    let cfg = parse(
        "[sip]\nrealm = \"file\"\ntrunks = [\"10.0.0.1\"]\n[[sip.users]]\nusername = \"9\"\npassword = \"p\"\n",
        &[
            ("HOTLINE_SIP_LISTEN_UDP", "127.0.0.1:0"),
            ("HOTLINE_SIP_REALM", "env"),
            ("HOTLINE_SIP_REGISTRAR_MIN_EXPIRES", "120"),
            ("HOTLINE_SIP_RATE_LIMIT_REQUESTS_PER_SEC", "2.5"),
            ("HOTLINE_SIP_TRUNKS", "127.0.0.1/32, 10.0.0.0/8"),
            ("HOTLINE_SIP_USERS", "1001:secret,1002:pw:with:colons"),
            ("HOTLINE_HTTP_LISTEN", ""),
            ("HOTLINE_MEDIA_RTP_PORTS", "40000-40100"),
            ("HOTLINE_CALLS_ANSWER_HANGUP_SECS", "1"),
            ("HOTLINE_DATA_DIR", "/tmp/x"),
            ("HOTLINE_LOG_LEVEL", "hotline_sip=debug,info"),
            ("HOTLINE_LOG_FORMAT", "json"),
            // Not ours: ignored.
            ("PATH", "/bin"),
            ("HOTLINE_CONFIG", "elsewhere.toml"),
            ("HOTLINE_TEST_PG", "postgres://x"),
        ],
    )
    .expect("valid");
    assert_eq!(cfg.sip.listen_udp, "127.0.0.1:0");
    assert_eq!(cfg.sip.realm, "env", "the environment wins over the file");
    assert_eq!(cfg.sip.registrar.min_expires, 120);
    assert_eq!(cfg.sip.rate_limit.requests_per_sec, 2.5);
    assert_eq!(cfg.sip.trunks, ["127.0.0.1/32", "10.0.0.0/8"]);
    let users: Vec<_> = cfg
        .sip
        .users
        .iter()
        .map(|u| (u.username.as_str(), u.password.as_deref()))
        .collect();
    assert_eq!(
        users,
        [("1001", Some("secret")), ("1002", Some("pw:with:colons"))],
        "HOTLINE_SIP_USERS replaces the file's list"
    );
    assert_eq!(cfg.http.listen, "");
    assert_eq!(cfg.media.port_range(), Ok((40000, 40100)));
    assert_eq!(cfg.calls.answer_hangup_secs, 1);
    assert_eq!(cfg.data.dir, std::path::PathBuf::from("/tmp/x"));
    assert_eq!(cfg.log.level, "hotline_sip=debug,info");
    assert_eq!(cfg.log.format, LogFormat::Json);
}

#[test]
fn empty_env_list_is_an_empty_list() {
    let cfg = parse(
        "[sip]\ntrunks = [\"10.0.0.1\"]\n",
        &[("HOTLINE_SIP_TRUNKS", ""), ("HOTLINE_SIP_USERS", "")],
    )
    .expect("valid");
    assert!(cfg.sip.trunks.is_empty());
    assert!(cfg.sip.users.is_empty());
}

#[test]
fn source_names_file_and_overrides() {
    let loaded = Config::parse(
        "",
        Some("/etc/hotline.toml"),
        env(&[("HOTLINE_LOG_LEVEL", "warn")]),
    )
    .expect("valid");
    assert_eq!(loaded.source, "/etc/hotline.toml + HOTLINE_LOG_LEVEL");
}

#[test]
fn bad_env_values_name_the_variable() {
    assert_eq!(
        error("", &[("HOTLINE_SIP_AUTH_BLOCK_SECS", "abc")]),
        "HOTLINE_SIP_AUTH_BLOCK_SECS: sip.auth.block_secs: invalid integer \"abc\": invalid digit found in string"
    );
    // Right TOML type, wrong range: found when deserializing, still traced to the variable.
    let e = error("", &[("HOTLINE_SIP_AUTH_MAX_FAILURES", "-1")]);
    assert!(
        e.starts_with("HOTLINE_SIP_AUTH_MAX_FAILURES: sip.auth.max_failures: "),
        "{e}"
    );
    let e = error("", &[("HOTLINE_LOG_FORMAT", "xml")]);
    assert!(
        e.starts_with("HOTLINE_LOG_FORMAT: log.format: unknown variant `xml`"),
        "{e}"
    );
    // Failing validation, too.
    let e = error("", &[("HOTLINE_SIP_LISTEN_UDP", "localhost")]);
    assert!(
        e.starts_with("HOTLINE_SIP_LISTEN_UDP: sip.listen_udp: not a socket address"),
        "{e}"
    );
    let e = error("", &[("HOTLINE_SIP_LISTEN_TCP", " 127.0.0.1:5060")]);
    assert!(
        e.starts_with("HOTLINE_SIP_LISTEN_TCP: sip.listen_tcp: not a socket address"),
        "{e}"
    );
    let e = error("", &[("HOTLINE_SIP_USERS", "1001:a,bad")]);
    assert!(
        e.starts_with("HOTLINE_SIP_USERS: sip.users: entry 2 is not username:password"),
        "{e}"
    );
    let e = error("", &[("HOTLINE_SIP_USERS", "1001:a,1001:b")]);
    assert!(
        e.starts_with("HOTLINE_SIP_USERS: sip.users[1].username: \"1001\" is listed twice"),
        "{e}"
    );
    assert!(
        !e.contains(":a") && !e.contains(":b"),
        "passwords are not echoed: {e}"
    );
}

#[test]
fn unknown_env_variables_are_refused() {
    let e = error("", &[("HOTLINE_SIP_LISTN_UDP", "127.0.0.1:5060")]);
    assert_eq!(
        e,
        "HOTLINE_SIP_LISTN_UDP: matches no configuration key (did you mean HOTLINE_SIP_LISTEN_UDP?)"
    );
    // A section is not a key.
    let e = error("", &[("HOTLINE_SIP_REGISTRAR", "1")]);
    assert!(
        e.starts_with("HOTLINE_SIP_REGISTRAR: matches no configuration key"),
        "{e}"
    );
    // All of them are reported at once.
    let e = errors("", &[("HOTLINE_NOPE", "1"), ("HOTLINE_LOG", "debug")]);
    assert_eq!(e.lines().count(), 2, "{e}");
}

#[test]
fn env_names_are_unique_and_documented() {
    let keys = keys().expect("keys");
    let vars: HashSet<_> = keys.iter().map(|k| k.var.as_str()).collect();
    assert_eq!(vars.len(), keys.len(), "two keys map to one variable");
    for allowed in ENV_ALLOWLIST {
        assert!(!vars.contains(allowed), "{allowed} is a key");
    }
    // tickets.kinds is described but set in the file only (a table of tables, no variable).
    let documented: HashSet<String> = KEYS
        .iter()
        .map(|(k, _)| k.to_string())
        .filter(|k| k != "tickets.kinds" && k != "acd.queues")
        .collect();
    let actual: HashSet<String> = keys.iter().map(|k| k.path.join(".")).collect();
    assert_eq!(
        documented, actual,
        "template::KEYS must list exactly the keys"
    );
    assert!(vars.contains("HOTLINE_SIP_REGISTRAR_MIN_EXPIRES"));
    assert!(vars.contains("HOTLINE_CALLS_ANSWER_HANGUP_SECS"));
}

#[test]
fn errors_give_file_line_column_and_key() {
    let text = "[sip]\nrealm = \"x\"\n\n[sip.registrar]\nmin_expires = \"x\"\n";
    assert_eq!(
        error(text, &[]),
        "hotline.toml:5:15: sip.registrar.min_expires: invalid type: string \"x\", expected u32"
    );
    let e = error("[http]\nlisten = \"\"\n\n[sip]\nrelam = \"x\"\n", &[]);
    assert!(e.starts_with("hotline.toml:5:"), "{e}");
    assert!(e.contains("sip.relam: unknown field `relam`"), "{e}");
    let e = error("[sip]\n[sip.nope]\na = 1\n", &[]);
    assert!(
        e.starts_with("hotline.toml:2:") && e.contains("sip.nope: unknown field"),
        "{e}"
    );
    let e = error("[sip]\nrealm = \"x\"\nlisten_udp = \n", &[]);
    assert!(e.starts_with("hotline.toml:3:"), "syntax error: {e}");
    let e = error("[log]\nformat = \"text\"\nlevel = \"infoo\"\n", &[]);
    assert!(
        e.starts_with("hotline.toml:3:9: log.level: \"infoo\" is not a level"),
        "{e}"
    );
    let e = error("[[sip.users]]\nusername = \"1001\"\npassword = 5\n", &[]);
    assert!(
        e.starts_with("hotline.toml:3:12: sip.users[0].password: invalid type"),
        "{e}"
    );
}

#[test]
fn validation_reports_every_problem() {
    let e = errors(
        "[sip]\nlisten_udp = \"\"\nlisten_tcp = \"\"\ntrunks = [\"1.2.3.4/33\", \"x\"]\n\
         [sip.registrar]\nmin_expires = 10\ndefault_expires = 5\n\
         [media]\nrtp_ports = \"80-90\"\n[calls]\nring_secs = 300\n",
        &[],
    );
    for expected in [
        "hotline.toml:2:14: sip.listen_udp: SIP is off",
        "hotline.toml:4:11: sip.trunks[0]: \"1.2.3.4/33\": prefix length must be 0..=32",
        "hotline.toml:4:25: sip.trunks[1]: \"x\": not an IP address",
        "hotline.toml:7:19: sip.registrar.default_expires: 5 is outside",
        "hotline.toml:9:13: media.rtp_ports: start 80 is below 1024",
        "hotline.toml:11:13: calls.ring_secs: must be below 300",
    ] {
        assert!(e.contains(expected), "missing {expected:?} in\n{e}");
    }
    let e = error("[sip.registrar]\nmin_expires = 7200\n", &[]);
    assert!(
        e.contains("sip.registrar.min_expires: 7200 is above max_expires 3600"),
        "{e}"
    );
    let e = error("[sip.rate_limit]\nrequests_per_sec = 0\n", &[]);
    assert!(
        e.contains("requests_per_sec: must be a number above 0"),
        "{e}"
    );
}

#[test]
fn auth_hardening_keys_are_read_and_checked() {
    let d = Config::default().sip.auth;
    assert!(d.bind_nonce_to_address && !d.allow_unregistered_calls);
    assert_eq!(
        (
            d.max_nonces,
            d.account_max_failures,
            d.account_block_secs,
            d.account_block_max_secs
        ),
        (100_000, 10, 60, 900)
    );
    let cfg = parse(
        "[sip.auth]\nmax_nonces = 500\naccount_block_secs = 10\n",
        &[
            ("HOTLINE_SIP_AUTH_BIND_NONCE_TO_ADDRESS", "false"),
            ("HOTLINE_SIP_AUTH_ALLOW_UNREGISTERED_CALLS", "true"),
            ("HOTLINE_SIP_AUTH_ACCOUNT_MAX_FAILURES", "3"),
        ],
    )
    .unwrap();
    let a = cfg.sip.auth;
    assert!(!a.bind_nonce_to_address && a.allow_unregistered_calls);
    assert_eq!(
        (a.max_nonces, a.account_block_secs, a.account_max_failures),
        (500, 10, 3)
    );
    let e = error("[sip.auth]\naccount_block_max_secs = 30\n", &[]);
    assert!(
        e.contains("sip.auth.account_block_max_secs: 30 is below account_block_secs 60"),
        "{e}"
    );
    for key in ["max_nonces", "account_max_failures", "account_block_secs"] {
        let e = errors(&format!("[sip.auth]\n{key} = 0\n"), &[]);
        assert!(
            e.contains(&format!("sip.auth.{key}: must be above 0")),
            "{e}"
        );
    }
    let e = error("", &[("HOTLINE_SIP_AUTH_BIND_NONCE_TO_ADDRESS", "maybe")]);
    assert!(e.contains("HOTLINE_SIP_AUTH_BIND_NONCE_TO_ADDRESS"), "{e}");
}

#[test]
fn users_are_validated() {
    let user = |body: &str| format!("[[sip.users]]\n{body}\n");
    let ok = |body: &str| parse(&user(body), &[]).map(|c| c.sip.users.len());
    assert_eq!(
        ok("username = \"1001\"\npassword = \"pw\"\ndisplay_name = \"Ann\""),
        Ok(1)
    );
    let md5 = "0123456789abcdef0123456789ABCDEF";
    assert_eq!(
        ok(&format!("username = \"1001\"\nha1_md5 = \"{md5}\"")),
        Ok(1)
    );
    let sha = "ab".repeat(32);
    assert_eq!(
        ok(&format!(
            "username = \"1\"\nha1_md5 = \"{md5}\"\nha1_sha256 = \"{sha}\""
        )),
        Ok(1)
    );

    let bad = |body: &str| error(&user(body), &[]);
    assert!(bad("password = \"pw\"").contains("sip.users[0].username: must not be empty"));
    assert!(bad("username = \"a:b\"\npassword = \"pw\"").contains("must not contain ':'"));
    assert!(bad("username = \"a@b\"\npassword = \"pw\"").contains("must not contain '@'"));
    assert!(bad("username = \"a b\"\npassword = \"pw\"").contains("must not contain ' '"));
    assert!(bad("username = \"1001\"").contains("sip.users[0]: user \"1001\" has no credentials"));
    assert!(bad("username = \"1001\"\npassword = \"\"").contains("password: must not be empty"));
    assert!(bad(&format!(
        "username = \"1\"\npassword = \"pw\"\nha1_md5 = \"{md5}\""
    ))
    .contains("not both"));
    assert!(bad("username = \"1\"\nha1_md5 = \"abc\"").contains("ha1_md5: must be 32 hex digits"));
    assert!(bad(&format!(
        "username = \"1\"\nha1_sha256 = \"{}\"",
        "g".repeat(64)
    ))
    .contains("ha1_sha256: must be 64 hex digits"));
    assert!(bad("username = \"1\"\npassword = \"p\"\nrole = \"admin\"")
        .contains("sip.users[0].role: unknown field"));
    let dup = format!(
        "{}{}",
        user("username = \"1\"\npassword = \"p\""),
        user("username = \"1\"\npassword = \"q\"")
    );
    assert!(error(&dup, &[])
        .starts_with("hotline.toml:5:12: sip.users[1].username: \"1\" is listed twice"));
}

/// Agents' extensions come from the store: no `sip.users` is not worth a warning.
#[test]
fn no_users_is_fine() {
    let loaded = Config::parse("", None, Env::new()).expect("valid");
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
}

#[test]
fn port_ranges() {
    let range = |s: &str| {
        MediaConfig {
            rtp_ports: s.into(),
            ..MediaConfig::default()
        }
        .port_range()
    };
    assert_eq!(range("20000-30000"), Ok((20000, 30000)));
    assert_eq!(range(" 1024 - 1025 "), Ok((1024, 1025)));
    assert_eq!(range("1025-1027"), Ok((1025, 1027)));
    for bad in [
        "20000",
        "1023-2000",
        "3000-2000",
        "a-b",
        "1000-70000",
        "1025-1026",
        "2000-2000",
    ] {
        assert!(range(bad).is_err(), "{bad} accepted");
    }
}

#[test]
fn cidrs() {
    for good in [
        "10.0.0.1",
        "10.0.0.0/8",
        "0.0.0.0/0",
        "2001:db8::/32",
        "::1",
        " 1.2.3.4/32 ",
    ] {
        assert_eq!(cidr(good), Ok(()), "{good}");
    }
    for bad in [
        "",
        "10.0.0.0/33",
        "10.0.0.0/",
        "10.0.0.0/+8",
        "::/129",
        "example.com",
        "10.0.0/8",
    ] {
        assert!(cidr(bad).is_err(), "{bad} accepted");
    }
}

#[test]
fn log_filters() {
    for good in [
        "info",
        "WARN",
        "hotline_sip=debug,info",
        "hotline_sip::engine",
        "off",
    ] {
        assert_eq!(log_filter(good), Ok(()), "{good}");
    }
    for bad in ["", "infoo", "info,verbose", "hotline=loud"] {
        assert!(log_filter(bad).is_err(), "{bad} accepted");
    }
}

#[test]
fn default_toml_round_trips() {
    let text = Config::default_toml();
    assert_eq!(parse(&text, &[]), Ok(Config::default()));
    for key in keys().expect("keys") {
        assert!(
            text.contains(&key.var),
            "{} not in the default file",
            key.var
        );
    }
}

/// `deploy/hotline.toml` is `hotline config default`'s output: it loads, gives the defaults
/// (the version in `sip.user_agent` aside), and shows every key.
#[test]
fn deploy_file_is_the_default() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../deploy/hotline.toml");
    let text = std::fs::read_to_string(path).expect("deploy/hotline.toml");
    let mut cfg = parse(&text, &[]).expect("deploy/hotline.toml loads");
    cfg.sip.user_agent = Config::default().sip.user_agent;
    assert_eq!(
        cfg,
        Config::default(),
        "regenerate: hotline config default > deploy/hotline.toml"
    );
    let tree: toml::Table = toml::from_str(&text).expect("toml");
    for key in keys().expect("keys") {
        let dotted = key.path.join(".");
        if dotted == "sip.users" {
            assert!(text.contains("# [[sip.users]]"), "no example user");
            continue;
        }
        let (section, name) = key.path.split_at(key.path.len() - 1);
        let mut table = Some(&tree);
        for s in section {
            table = table.and_then(|t| t.get(s)).and_then(|v| v.as_table());
        }
        let shown = table.is_some_and(|t| t.contains_key(&name[0]));
        assert!(shown, "{dotted} missing from deploy/hotline.toml");
    }
}

/// docs/configuration.md names every key and its variable.
#[test]
fn docs_cover_every_key() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/configuration.md");
    let text = std::fs::read_to_string(path).expect("docs/configuration.md");
    for key in keys().expect("keys") {
        let dotted = format!("`{}`", key.path.join("."));
        assert!(
            text.contains(&dotted),
            "{dotted} not in docs/configuration.md"
        );
        assert!(
            text.contains(&key.var),
            "{} not in docs/configuration.md",
            key.var
        );
    }
}

#[test]
fn ticket_kinds_come_from_the_file() {
    let cfg = parse(
        "[tickets.kinds]\nleak = { priority = \"urgent\", on_site_mins = 30, reply_hours = 12, follow_up_hours = 48 }\ngas_smell = { priority = \"urgent\", on_site_mins = 20 }\n",
        &[],
    )
    .expect("valid");
    assert_eq!(
        cfg.tickets.kinds.len(),
        2,
        "the table replaces the defaults"
    );
    assert_eq!(cfg.tickets.kinds["gas_smell"].on_site_mins, 20);
    assert_eq!(cfg.tickets.kinds["gas_smell"].follow_up_hours, 0);
    let e = errors(
        "[tickets.kinds]\nleak = { priority = \"asap\" }\n\"Bad Name\" = { priority = \"low\" }\n",
        &[],
    );
    assert!(
        e.contains("tickets.kinds.leak.priority: \"asap\" is not low, normal, high or urgent"),
        "{e}"
    );
    assert!(
        e.contains("tickets.kinds.Bad Name: kind names are lower-case"),
        "{e}"
    );
    let e = error(
        "[tickets.kinds]\nleak = { priority = \"low\", colour = 1 }\n",
        &[],
    );
    assert!(e.contains("unknown field `colour`"), "{e}");
    let e = error("", &[("HOTLINE_TICKETS_KINDS", "x")]);
    assert!(
        e.contains("HOTLINE_TICKETS_KINDS: matches no configuration key"),
        "{e}"
    );
    let e = error("", &[("HOTLINE_STORE_URL", "mysql://x")]);
    assert!(
        e.contains("store.url: must start with sqlite: or postgres://"),
        "{e}"
    );
}

#[test]
fn queues_come_from_the_file_and_are_checked() {
    let cfg = parse(
        "[[acd.queues]]\nname = \"billing\"\nskills = { billing = 3 }\nring_secs = 15\n\n[[acd.queues]]\nname = \"vip\"\nmax_wait_secs = 120\nmax_wait_exit = \"queue:billing\"\nsteps = [{ after_secs = 0, preferred_only = true, tier = \"key_account\" }, { after_secs = 20 }]\n",
        &[],
    )
    .expect("queues load");
    assert_eq!(
        cfg.acd.queues.len(),
        2,
        "giving queues replaces the built-in ones"
    );
    assert_eq!(cfg.acd.queues[0].ring_secs, 15);
    assert_eq!(
        cfg.acd.queues[1].max_wait_exit,
        hotline_acd::Exit::Queue("billing".into())
    );
    let e = error(
        "[[acd.queues]]\nname = \"vip\"\nmax_wait_exit = \"queue:nowhere\"\n",
        &[],
    );
    assert!(e.contains("acd.queues"), "{e}");
    assert!(e.contains("nowhere"), "{e}");
    let e = error("[[acd.queues]]\nname = \"vip\"\ncolour = 1\n", &[]);
    assert!(e.contains("colour"), "{e}");
    let e = error("", &[("HOTLINE_ACD_QUEUES", "x")]);
    assert!(
        e.contains("HOTLINE_ACD_QUEUES: matches no configuration key"),
        "{e}"
    );
    // The built-in queues are the default.
    assert_eq!(Config::default().acd.queues.len(), 4);
}

#[test]
fn the_centre_time_zone_is_an_iana_name() {
    assert_eq!(Config::default().centre.time_zone, "Asia/Shanghai");
    let cfg = parse("[centre]\ntime_zone = \"Europe/Berlin\"\n", &[]).expect("valid");
    assert_eq!(
        cfg.centre.zone().map(|z| z.name().to_owned()),
        Ok("Europe/Berlin".into())
    );
    let cfg = parse("", &[("HOTLINE_CENTRE_TIME_ZONE", "America/New_York")]).expect("valid");
    assert_eq!(cfg.centre.time_zone, "America/New_York");
    let e = error("[centre]\ntime_zone = \"Asia/Shangai\"\n", &[]);
    assert!(
        e.contains("hotline.toml:2:13: centre.time_zone: \"Asia/Shangai\" is not a time zone of the IANA tz database"),
        "{e}"
    );
    let e = error("", &[("HOTLINE_CENTRE_TIME_ZONE", "+08:00")]);
    assert!(
        e.contains("HOTLINE_CENTRE_TIME_ZONE: centre.time_zone: \"+08:00\" is not"),
        "{e}"
    );
}

/// The fixed offset of earlier versions is refused, in the file and the environment, with
/// what to write instead.
#[test]
fn the_retired_utc_offset_says_what_to_use_instead() {
    let e = error("[http]\nutc_offset_mins = 480\n", &[]);
    assert!(
        e.contains("hotline.toml:2:19: http.utc_offset_mins: no longer read: set centre.time_zone to an IANA time zone name instead (480 = \"Asia/Shanghai\""),
        "{e}"
    );
    // Whatever its type.
    let e = error("[http]\nutc_offset_mins = \"+08:00\"\n", &[]);
    assert!(e.contains("http.utc_offset_mins: no longer read"), "{e}");
    let e = error("", &[("HOTLINE_HTTP_UTC_OFFSET_MINS", "480")]);
    assert!(
        e.contains("HOTLINE_HTTP_UTC_OFFSET_MINS: http.utc_offset_mins: no longer read")
            && e.contains("HOTLINE_CENTRE_TIME_ZONE"),
        "{e}"
    );
    // Not printed by `hotline config default`.
    assert!(!Config::default_toml().contains("utc_offset_mins ="));
}

#[test]
fn realtime_priority_is_on_by_default_and_checked() {
    assert_eq!(Config::default().media.realtime_priority, 1);
    let cfg = parse("[media]\nrealtime_priority = 0\n", &[]).unwrap();
    assert_eq!(cfg.media.realtime_priority, 0);
    let cfg = parse("", &[("HOTLINE_MEDIA_REALTIME_PRIORITY", "20")]).unwrap();
    assert_eq!(cfg.media.realtime_priority, 20);
    let e = error("[media]\nrealtime_priority = 100\n", &[]);
    assert!(
        e.contains("hotline.toml:2:21: media.realtime_priority: 100 is above 99"),
        "{e}"
    );
    let e = error("[media]\nrealtime_priority = -1\n", &[]);
    assert!(e.contains("media.realtime_priority"), "{e}");
}

#[test]
fn the_sms_gateway_is_optional_and_checked_when_given() {
    let cfg = parse("", &[]).unwrap();
    assert!(cfg.sms.host.is_empty(), "no gateway by default");
    let cfg = parse(
        "[sms]\nhost = \"smsc.example\"\nsystem_id = \"hotline\"\n",
        &[("HOTLINE_SMS_PASSWORD", "s3cret")],
    )
    .unwrap();
    assert_eq!(
        (cfg.sms.port, cfg.sms.password.as_str()),
        (2775, "s3cret"),
        "the password from the environment"
    );
    assert!(
        error("[sms]\nhost = \"x\"\nsubmits_per_sec = 0\n", &[]).contains("sms.submits_per_sec")
    );
    assert!(error("[sms]\nhost = \"x\"\nsystem_id = \"\"\n", &[]).contains("sms.system_id"));
    assert!(error("[sms]\nticket_texts = true\n", &[]).contains("sms.ticket_texts"));
    let e = error("[sms]\nticket_closed = \"工单{ticket_no}\"\n", &[]);
    assert!(
        e.contains("sms.ticket_closed") && e.contains("{ticket_no}"),
        "{e}"
    );
}
