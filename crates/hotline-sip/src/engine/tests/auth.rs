//! Authentication under attack, under a fake clock: replays of captured credentials (same
//! nonce and nc, from another address, to another destination), stale nonces, password
//! guessing interleaved with one's own successes, guessing one account from many addresses,
//! other schemes, and a flood of challenges.

use super::*;

const ATTACKER: &str = "203.0.113.66:5060";

/// A core with users 1001, 1002 and 1003 (password "secret"), `tune` applied to the config.
fn harness(tune: impl FnOnce(&mut CoreConfig)) -> H {
    let mut cfg = CoreConfig {
        trunks: vec!["10.0.0.0/24".parse().unwrap()],
        public_host: "198.51.100.1".into(),
        ..CoreConfig::default()
    };
    tune(&mut cfg);
    let users = ["1001", "1002", "1003"]
        .iter()
        .map(|u| {
            let creds = UserCredentials {
                ha1_md5: Some(digest::ha1(digest::Algorithm::Md5, u, "hotline", "secret")),
                ha1_sha256: Some(digest::ha1(
                    digest::Algorithm::Sha256,
                    u,
                    "hotline",
                    "secret",
                )),
            };
            (u.to_string(), creds)
        })
        .collect();
    let now = Now {
        mono: Instant::now(),
        unix: 1_700_000_000,
    };
    H {
        core: SipCore::new(cfg, users, [9; 32], now),
        now,
        sent: Vec::new(),
        events: Vec::new(),
    }
}

/// A REGISTER for `user` from `from` (bindings to `contact`, `*` for all).
fn reg(
    from: &str,
    user: &str,
    cseq: u32,
    contact: &str,
    expires: u32,
    auth: Option<&str>,
) -> String {
    let auth = auth
        .map(|a| format!("Authorization: {a}\r\n"))
        .unwrap_or_default();
    format!(
        "REGISTER sip:198.51.100.1 SIP/2.0\r\nVia: SIP/2.0/UDP {from};branch=z9hG4bK{}\r\n\
         From: <sip:{user}@198.51.100.1>;tag=r1\r\nTo: <sip:{user}@198.51.100.1>\r\nCall-ID: reg-{user}\r\n\
         CSeq: {cseq} REGISTER\r\nContact: {contact}\r\nExpires: {expires}\r\n{auth}Content-Length: 0\r\n\r\n",
        rand::random::<u64>()
    )
}

/// The first challenge of a 401/407 (SHA-256, offered first).
fn challenge_of(resp: &str) -> String {
    resp.lines()
        .find_map(|l| {
            l.strip_prefix("WWW-Authenticate:")
                .or_else(|| l.strip_prefix("Proxy-Authenticate:"))
        })
        .unwrap_or_else(|| panic!("no challenge in {resp}"))
        .trim()
        .to_string()
}

fn answer(challenge: &str, method: &str, uri: &str, user: &str, password: &str, nc: u32) -> String {
    digest::respond(challenge, method, uri, user, password, "0a4f113b", nc).unwrap()
}

/// Asks for a challenge for `user` from `from`; the challenge header value.
fn fresh_challenge(h: &mut H, from: &str, user: &str) -> String {
    h.recv(
        from,
        &reg(from, user, 1, &format!("<sip:{user}@{from}>"), 600, None),
    );
    let resp = h.take_sent().remove(0);
    assert!(resp.starts_with("SIP/2.0 401 "), "{resp}");
    challenge_of(&resp)
}

fn status(h: &mut H) -> String {
    h.status_lines().remove(0)
}

fn is_stale_challenge(resp: &str, code: &str) -> bool {
    resp.starts_with(&format!("SIP/2.0 {code} ")) && resp.contains("stale=true")
}

/// A phone registers and later unregisters with `Contact: *`; an eavesdropper replays both
/// captured REGISTERs, as they were, from the phone's own address and from its own: every
/// replay is challenged, and the phone's binding is never touched.
#[test]
fn replayed_register_is_challenged_from_any_address() {
    let mut h = harness(|_| {});
    let contact = format!("<sip:1001@{PHONE}>");
    let ch = fresh_challenge(&mut h, PHONE, "1001");
    let a1 = answer(&ch, "REGISTER", "sip:198.51.100.1", "1001", "secret", 1);
    let captured_register = reg(PHONE, "1001", 2, &contact, 600, Some(&a1));
    h.recv(PHONE, &captured_register);
    assert_eq!(status(&mut h), "SIP/2.0 200 OK");
    let a2 = answer(&ch, "REGISTER", "sip:198.51.100.1", "1001", "secret", 2);
    let captured_unregister = reg(PHONE, "1001", 3, "*", 0, Some(&a2));
    h.recv(PHONE, &captured_unregister);
    assert_eq!(status(&mut h), "SIP/2.0 200 OK");
    assert!(h.core.locate("1001", h.now.mono).is_empty());
    // The phone registers again, with the next count of the same nonce.
    let a3 = answer(&ch, "REGISTER", "sip:198.51.100.1", "1001", "secret", 3);
    h.recv(PHONE, &reg(PHONE, "1001", 4, &contact, 600, Some(&a3)));
    assert_eq!(status(&mut h), "SIP/2.0 200 OK");
    h.take_events();
    // Replays (new branches, the same credentials), from the phone's address and another.
    for from in [PHONE, ATTACKER] {
        for (cseq, contact, expires, auth) in [
            (10, "*", 0, &a2),
            (11, "<sip:1001@203.0.113.66:5060>", 600, &a1),
        ] {
            h.recv(from, &reg(from, "1001", cseq, contact, expires, Some(auth)));
            let resp = h.take_sent().remove(0);
            assert!(
                is_stale_challenge(&resp, "401"),
                "replay from {from}: {resp}"
            );
        }
    }
    let loc = h.core.locate("1001", h.now.mono);
    assert_eq!(loc.len(), 1, "the phone is still registered");
    assert_eq!(loc[0].source, addr(PHONE));
    assert!(h.take_events().is_empty());
    let s = h.core.stats();
    assert_eq!(s.challenges.get("replayed"), Some(&2));
    assert_eq!(s.challenges.get("other_address"), Some(&2));
    assert_eq!(s.auth_failures, 0, "a replay is not a password guess");
}

/// Without the address binding a nonce may be used from anywhere, but each nc still only once.
#[test]
fn unbound_nonce_still_refuses_nc_reuse_and_lower_nc() {
    let mut h = harness(|c| c.bind_nonce_to_address = false);
    let contact = format!("<sip:1001@{PHONE}>");
    let ch = fresh_challenge(&mut h, PHONE, "1001");
    let a5 = answer(&ch, "REGISTER", "sip:198.51.100.1", "1001", "secret", 5);
    h.recv(PHONE, &reg(PHONE, "1001", 2, &contact, 600, Some(&a5)));
    assert_eq!(status(&mut h), "SIP/2.0 200 OK");
    h.recv(ATTACKER, &reg(ATTACKER, "1001", 3, "*", 0, Some(&a5)));
    assert!(is_stale_challenge(&h.take_sent()[0], "401"), "nc 5 again");
    let a4 = answer(&ch, "REGISTER", "sip:198.51.100.1", "1001", "secret", 4);
    h.recv(PHONE, &reg(PHONE, "1001", 4, &contact, 600, Some(&a4)));
    assert!(is_stale_challenge(&h.take_sent()[0], "401"), "nc 4 after 5");
    // Another address with a count not used yet: allowed, the binding being off.
    let a6 = answer(&ch, "REGISTER", "sip:198.51.100.1", "1001", "secret", 6);
    h.recv(
        ATTACKER,
        &reg(ATTACKER, "1001", 5, &contact, 600, Some(&a6)),
    );
    assert_eq!(status(&mut h), "SIP/2.0 200 OK");
}

/// A captured INVITE's credentials: replayed as is from another address, challenged; sent to
/// another destination (signed for 95598), 400 — and neither counts as a wrong password.
#[test]
fn replayed_invite_is_challenged_and_other_destination_refused() {
    let mut h = harness(|_| {});
    register(&mut h, PHONE, "1001", Some("secret"), 600);
    h.take_events();
    let from_phone = |branch: &str, extra: &str, ruri: &str| {
        invite(branch, &format!("call-{branch}"), extra)
            .replace("10.0.0.1:5060", PHONE)
            .replacen(
                "INVITE sip:95598@198.51.100.1",
                &format!("INVITE {ruri}"),
                1,
            )
    };
    h.recv(PHONE, &from_phone("z9hG4bKa", "", "sip:95598@198.51.100.1"));
    let ch = challenge_of(&h.take_sent()[0]);
    let auth = answer(&ch, "INVITE", "sip:95598@198.51.100.1", "1001", "secret", 1);
    let header = format!("Proxy-Authorization: {auth}\r\n");
    h.recv(
        PHONE,
        &from_phone("z9hG4bKb", &header, "sip:95598@198.51.100.1"),
    );
    assert_eq!(status(&mut h), "SIP/2.0 100 Trying");
    assert_eq!(h.take_events().len(), 1);
    // The eavesdropper replays it from elsewhere, same destination: a fresh challenge.
    let replay = from_phone("z9hG4bKc", &header, "sip:95598@198.51.100.1").replace(PHONE, ATTACKER);
    h.recv(ATTACKER, &replay);
    assert!(is_stale_challenge(&h.take_sent()[0], "407"));
    // ... and to a premium number: the digest uri names 95598.
    for from in [PHONE, ATTACKER] {
        let toll =
            from_phone("z9hG4bKd", &header, "sip:16800000000@198.51.100.1").replace(PHONE, from);
        h.recv(from, &toll);
        assert_eq!(
            status(&mut h),
            "SIP/2.0 400 Digest uri Does Not Match Request-URI"
        );
    }
    assert!(h.take_events().is_empty(), "no call placed by a replay");
    let s = h.core.stats();
    assert_eq!(s.refused.get("uri_mismatch"), Some(&2));
    assert_eq!(s.auth_failures, 0);
}

/// An expired nonce, or one we never issued (a restart), with the right password: a challenge
/// with stale=true, which the phone answers; with a wrong password: 403 as always.
#[test]
fn stale_or_unknown_nonce_gets_stale_true_and_the_phone_recovers() {
    let mut h = harness(|c| c.nonce_ttl_secs = 300);
    let contact = format!("<sip:1001@{PHONE}>");
    let ch = fresh_challenge(&mut h, PHONE, "1001");
    let a1 = answer(&ch, "REGISTER", "sip:198.51.100.1", "1001", "secret", 1);
    h.recv(PHONE, &reg(PHONE, "1001", 2, &contact, 600, Some(&a1)));
    assert_eq!(status(&mut h), "SIP/2.0 200 OK");
    h.advance(Duration::from_secs(301));
    let a2 = answer(&ch, "REGISTER", "sip:198.51.100.1", "1001", "secret", 2);
    h.recv(PHONE, &reg(PHONE, "1001", 3, &contact, 600, Some(&a2)));
    let resp = h.take_sent().remove(0);
    assert!(is_stale_challenge(&resp, "401"), "{resp}");
    let fresh = challenge_of(&resp);
    assert_ne!(fresh, ch);
    let a = answer(&fresh, "REGISTER", "sip:198.51.100.1", "1001", "secret", 1);
    h.recv(PHONE, &reg(PHONE, "1001", 4, &contact, 600, Some(&a)));
    assert_eq!(status(&mut h), "SIP/2.0 200 OK");
    // A nonce we never issued.
    let forged = fresh.replace(
        fresh
            .split("nonce=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap(),
        "00000000000000000000000000000000",
    );
    let a = answer(&forged, "REGISTER", "sip:198.51.100.1", "1001", "secret", 1);
    h.recv(PHONE, &reg(PHONE, "1001", 5, &contact, 600, Some(&a)));
    assert!(is_stale_challenge(&h.take_sent()[0], "401"));
    let a = answer(&forged, "REGISTER", "sip:198.51.100.1", "1001", "wrong", 1);
    h.recv(PHONE, &reg(PHONE, "1001", 6, &contact, 600, Some(&a)));
    assert_eq!(status(&mut h), "SIP/2.0 403 Forbidden");
    let s = h.core.stats();
    assert_eq!(
        s.challenges.get("stale"),
        Some(&2),
        "expired, then never issued"
    );
    assert_eq!(s.auth_failures, 1);
}

/// The attack of issue 16: the owner of 1001 guesses 1002's password 30 times, registering
/// 1001 successfully between guesses. Blocked after the configured 5, and stays blocked.
#[test]
fn guesses_interleaved_with_own_successes_get_the_address_blocked() {
    let mut h = harness(|_| {});
    let mut answered = 0;
    for i in 0..30 {
        let own = register(&mut h, ATTACKER, "1001", Some("secret"), 600);
        if own.is_empty() {
            break;
        }
        assert!(
            own.starts_with("SIP/2.0 200"),
            "own registration {i}: {own}"
        );
        let guess = register(&mut h, ATTACKER, "1002", Some(&format!("guess{i}")), 600);
        assert!(guess.starts_with("SIP/2.0 403"), "{guess}");
        answered += 1;
    }
    assert_eq!(answered, 5, "blocked after the fifth wrong guess");
    assert_eq!(h.core.stats_at(h.now.mono).blocked_addresses, 1);
    // Blocked: nothing comes back, even for its own account.
    h.recv(
        ATTACKER,
        &reg(ATTACKER, "1001", 1, "<sip:1001@x>", 600, None),
    );
    assert!(h.take_sent().is_empty());
    assert_eq!(h.core.stats().auth_failures, 5);
}

/// `register` from tests.rs, but an empty answer when the address gets no answer at all.
fn register(h: &mut H, from: &str, user: &str, password: Option<&str>, expires: u32) -> String {
    let call_id = format!("Call-ID: reg-{user}-{}\r\n", rand::random::<u64>());
    let reg = |cseq, auth| {
        reg(
            from,
            user,
            cseq,
            &format!("<sip:{user}@{from}>"),
            expires,
            auth,
        )
        .replace(&format!("Call-ID: reg-{user}\r\n"), &call_id)
    };
    h.recv(from, &reg(1, None));
    let Some(resp) = h.take_sent().pop() else {
        return String::new();
    };
    let Some(password) = password else {
        return resp;
    };
    let ch = challenge_of(&resp);
    let a = answer(&ch, "REGISTER", "sip:198.51.100.1", user, password, 1);
    h.recv(from, &reg(2, Some(&a)));
    h.take_sent().pop().unwrap_or_default()
}

/// 1002 guessed from twelve addresses, a few guesses each (under the address block): the
/// account is throttled; the right password from a new address gets the very same 403 as a
/// wrong one; 1002's own phone is not affected; and the throttle ends.
#[test]
fn account_guessed_from_many_addresses_is_throttled_but_not_its_phone() {
    let mut h = harness(|c| {
        c.account_max_failures = 10;
        c.account_block = Duration::from_secs(60);
        c.account_block_max = Duration::from_secs(600);
    });
    let phone_ok = register(&mut h, PHONE, "1002", Some("secret"), 600);
    assert!(phone_ok.starts_with("SIP/2.0 200"));
    for i in 0..12u32 {
        let bot = format!("203.0.113.{}:5060", 10 + i);
        let r = register(&mut h, &bot, "1002", Some("wrong"), 600);
        assert!(r.starts_with("SIP/2.0 403"), "{r}");
    }
    assert_eq!(h.core.stats_at(h.now.mono).throttled_accounts, 1);
    assert_eq!(h.core.stats_at(h.now.mono).blocked_addresses, 0);
    let strip = |r: &str| {
        r.lines()
            .filter(|l| !["Via:", "To:", "Call-ID:"].iter().any(|h| l.starts_with(h)))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let wrong = register(&mut h, "198.51.100.200:5060", "1002", Some("wrong"), 600);
    let right = register(&mut h, "198.51.100.201:5060", "1002", Some("secret"), 600);
    assert!(right.starts_with("SIP/2.0 403 Forbidden"), "{right}");
    assert_eq!(strip(&wrong), strip(&right), "no way to tell a right guess");
    // The agent's phone keeps registering, and other accounts are untouched.
    let phone_ok = register(&mut h, PHONE, "1002", Some("secret"), 600);
    assert!(phone_ok.starts_with("SIP/2.0 200"), "{phone_ok}");
    let other = register(&mut h, "198.51.100.202:5060", "1003", Some("secret"), 600);
    assert!(other.starts_with("SIP/2.0 200"), "{other}");
    assert_eq!(h.core.stats().refused.get("account_throttled"), Some(&1));
    // A bounded backoff: a minute later the agent can log in from anywhere.
    h.advance(Duration::from_secs(61));
    let later = register(&mut h, "198.51.100.201:5060", "1002", Some("secret"), 600);
    assert!(later.starts_with("SIP/2.0 200"), "{later}");
    assert_eq!(h.core.stats_at(h.now.mono).throttled_accounts, 0);
}

/// `Authorization: Basic …` (or any other scheme) and Digest for another realm get a fresh
/// challenge, are not failures, and never block the address.
#[test]
fn other_scheme_or_realm_is_challenged_and_not_counted() {
    let mut h = harness(|c| c.max_auth_failures = 2);
    let contact = format!("<sip:1001@{PHONE}>");
    for i in 0..10 {
        let other = [
            "Basic MTAwMTpzZWNyZXQ=".to_string(),
            "Bearer abc".to_string(),
            answer(
                "Digest realm=\"elsewhere\", nonce=\"abc\", qop=\"auth\"",
                "REGISTER",
                "sip:198.51.100.1",
                "1001",
                "secret",
                1,
            ),
        ];
        for auth in &other {
            h.recv(PHONE, &reg(PHONE, "1001", i + 1, &contact, 600, Some(auth)));
            let resp = h.take_sent().remove(0);
            assert!(resp.starts_with("SIP/2.0 401 "), "{auth}: {resp}");
            assert!(resp.contains("WWW-Authenticate: Digest realm=\"hotline\""));
            assert!(!resp.contains("stale=true"));
        }
    }
    let s = h.core.stats_at(h.now.mono);
    assert_eq!(s.auth_failures, 0);
    assert_eq!(s.blocked_addresses, 0);
    assert_eq!(s.challenges.get("other_scheme"), Some(&20));
    assert_eq!(s.challenges.get("other_realm"), Some(&10));
    // An INVITE with another scheme gets a 407 challenge.
    let inv = invite(
        "z9hG4bKbasic",
        "cb",
        "Proxy-Authorization: Basic MTAwMTpzZWNyZXQ=\r\n",
    )
    .replace("10.0.0.1:5060", PHONE);
    h.recv(PHONE, &inv);
    assert!(h.take_sent()[0].starts_with("SIP/2.0 407 "));
}

/// A malformed Digest header: 400 naming the fault, not counted as a failure.
#[test]
fn malformed_digest_gets_400_naming_the_fault() {
    let mut h = harness(|c| c.max_auth_failures = 1);
    let contact = format!("<sip:1001@{PHONE}>");
    for (auth, phrase) in [
        ("Digest username=\"1001\", realm=\"hotline\", uri=\"sip:198.51.100.1\", response=\"00\"", "missing parameter nonce"),
        ("Digest", "malformed parameter list"),
        ("Digest username=\"1001\", realm=\"hotline\", nonce=\"n\", uri=\"sip:198.51.100.1\", response=\"00\", qop=auth, cnonce=\"c\", nc=0", "nc must be"),
    ] {
        h.recv(PHONE, &reg(PHONE, "1001", 1, &contact, 600, Some(auth)));
        let line = status(&mut h);
        assert!(line.starts_with("SIP/2.0 400 Bad Authorization Header: "), "{line}");
        assert!(line.contains(phrase), "{line}");
    }
    assert_eq!(h.core.stats().refused.get("bad_authorization"), Some(&3));
    assert_eq!(h.core.stats().auth_failures, 0);
}

/// With `allow_unregistered_calls`, an authenticated user may call without a registration.
#[test]
fn unregistered_calls_can_be_allowed() {
    let mut h = harness(|c| c.allow_unregistered_calls = true);
    let inv =
        |branch: &str, extra: &str| invite(branch, "cu", extra).replace("10.0.0.1:5060", PHONE);
    h.recv(PHONE, &inv("z9hG4bKu1", ""));
    let ch = challenge_of(&h.take_sent()[0]);
    let auth = answer(&ch, "INVITE", "sip:95598@198.51.100.1", "1003", "secret", 1);
    h.recv(
        PHONE,
        &inv("z9hG4bKu2", &format!("Proxy-Authorization: {auth}\r\n")),
    );
    assert_eq!(status(&mut h), "SIP/2.0 100 Trying");
    match h.take_events().as_slice() {
        [SipEvent::Incoming(i)] => assert_eq!(i.source, CallSource::User("1003".into())),
        other => panic!("{other:?}"),
    }
}

/// A flood of unauthenticated REGISTERs from many addresses: the nonces remembered stay under
/// the cap, the newest challenge still works, and the TTL empties the store.
#[test]
fn challenge_flood_memory_is_bounded() {
    let mut h = harness(|c| {
        c.max_nonces = 500;
        c.nonce_ttl_secs = 30;
    });
    for i in 0..5_000u32 {
        let from = format!("{}:5060", std::net::Ipv4Addr::from(0xC633_0000 + i));
        h.recv(&from, &reg(&from, "1001", 1, "<sip:1001@x>", 600, None));
        h.sent.clear();
        assert!(h.core.nonce_count() <= 500);
    }
    assert_eq!(h.core.nonce_count(), 500);
    let ok = register(&mut h, PHONE, "1001", Some("secret"), 600);
    assert!(ok.starts_with("SIP/2.0 200"), "{ok}");
    h.advance(Duration::from_secs(32));
    assert_eq!(h.core.nonce_count(), 0, "expired nonces are forgotten");
}

/// Phones sign the Request-URI they send, whatever its form: escapes, parameters, case.
#[test]
fn digest_uri_is_compared_as_a_uri_not_as_text() {
    let mut h = harness(|_| {});
    register(&mut h, PHONE, "1001", Some("secret"), 600);
    h.take_events();
    for (i, (ruri, signed)) in [
        ("sip:%39%35598@198.51.100.1", "sip:95598@198.51.100.1"),
        (
            "sip:95598@198.51.100.1:5060;transport=udp;user=phone",
            "sip:95598@198.51.100.1;user=phone;transport=UDP",
        ),
        ("sip:95598@198.51.100.1", "<SIP:95598@198.51.100.1:5060>"),
    ]
    .into_iter()
    .enumerate()
    {
        let inv = |branch: &str, extra: &str| {
            invite(branch, &format!("cu{i}"), extra)
                .replace("10.0.0.1:5060", PHONE)
                .replacen(
                    "INVITE sip:95598@198.51.100.1",
                    &format!("INVITE {ruri}"),
                    1,
                )
        };
        h.recv(PHONE, &inv(&format!("z9hG4bKq{i}"), ""));
        let ch = challenge_of(&h.take_sent()[0]);
        let auth = answer(&ch, "INVITE", signed, "1001", "secret", 1);
        h.recv(
            PHONE,
            &inv(
                &format!("z9hG4bKr{i}"),
                &format!("Proxy-Authorization: {auth}\r\n"),
            ),
        );
        assert_eq!(
            status(&mut h),
            "SIP/2.0 100 Trying",
            "{ruri} signed as {signed}"
        );
        assert_eq!(h.take_events().len(), 1);
    }
}
