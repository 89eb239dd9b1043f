//! Comparing two SIP URIs the way RFC 3261 §19.1.4 does, for checking that the `uri` of digest
//! credentials names the request's Request-URI (RFC 2617 §3.2.2.5): a phone signs the URI it
//! sends, so credentials captured on one request cannot be replayed to another destination.
//!
//! Liberal where the RFC allows it: scheme, host and parameters compare without case, escaped
//! and plain characters are the same (`%61lice` = `alice`), parameter order does not matter,
//! parameters other than `user`, `ttl`, `method` and `maddr` that only one side has are ignored.
//! One deliberate extension: an omitted port equals the scheme's default port (5060, 5061 for
//! `sips`), for intermediaries that add or strip it. The user part compares with case, as the
//! RFC says. URIs of other schemes (`tel:`) compare as text, without case, after unescaping.
//!
//! Pure: no I/O.

/// A SIP or SIPS URI taken apart, components unescaped, case folded where it does not count.
#[derive(Debug, PartialEq, Eq)]
struct SipUri {
    sips: bool,
    user: Option<String>,
    password: Option<String>,
    host: String,
    port: Option<u16>,
    params: Vec<(String, Option<String>)>,
    headers: Vec<(String, String)>,
}

/// Do `a` and `b` name the same resource (RFC 3261 §19.1.4, see the module documentation)?
/// Text that is not a URI at all matches nothing.
pub fn same_uri(a: &str, b: &str) -> bool {
    let (a, b) = (strip_angles(a), strip_angles(b));
    match (parse_sip(a), parse_sip(b)) {
        (Some(a), Some(b)) => same_sip(&a, &b),
        (None, None) => {
            let (sa, ra) = match a.split_once(':') {
                Some(p) => p,
                None => return false,
            };
            let (sb, rb) = match b.split_once(':') {
                Some(p) => p,
                None => return false,
            };
            sa.eq_ignore_ascii_case(sb)
                && !is_sip_scheme(sa)
                && unescape(ra).to_lowercase() == unescape(rb).to_lowercase()
        }
        _ => false,
    }
}

fn strip_angles(s: &str) -> &str {
    let s = s.trim();
    s.strip_prefix('<')
        .and_then(|s| s.strip_suffix('>'))
        .unwrap_or(s)
}

fn is_sip_scheme(s: &str) -> bool {
    s.eq_ignore_ascii_case("sip") || s.eq_ignore_ascii_case("sips")
}

fn same_sip(a: &SipUri, b: &SipUri) -> bool {
    let default = |u: &SipUri| if u.sips { 5061 } else { 5060 };
    if a.sips != b.sips
        || a.user != b.user
        || a.password != b.password
        || a.host != b.host
        || a.port.unwrap_or(default(a)) != b.port.unwrap_or(default(b))
    {
        return false;
    }
    // Parameters in both must match; user, ttl, method and maddr count even when only one has them.
    for (name, value) in &a.params {
        match b.params.iter().find(|(n, _)| n == name) {
            Some((_, other)) if other != value => return false,
            None if ["user", "ttl", "method", "maddr"].contains(&name.as_str()) => return false,
            _ => {}
        }
    }
    let only_in_b = b.params.iter().any(|(name, _)| {
        ["user", "ttl", "method", "maddr"].contains(&name.as_str())
            && !a.params.iter().any(|(n, _)| n == name)
    });
    if only_in_b {
        return false;
    }
    // Header components are never ignored: the same set on both sides.
    let mut ha = a.headers.clone();
    let mut hb = b.headers.clone();
    ha.sort();
    hb.sort();
    ha == hb
}

fn parse_sip(s: &str) -> Option<SipUri> {
    let (scheme, rest) = s.split_once(':')?;
    if !is_sip_scheme(scheme) {
        return None;
    }
    let sips = scheme.eq_ignore_ascii_case("sips");
    let (rest, headers) = match rest.split_once('?') {
        Some((r, h)) => (r, h),
        None => (rest, ""),
    };
    let (userinfo, hostpart) = match rest.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, rest),
    };
    let (user, password) = match userinfo {
        Some(u) => {
            let (user, password) = match u.split_once(':') {
                Some((user, pw)) => (user, Some(unescape(pw))),
                None => (u, None),
            };
            if user.is_empty() {
                return None;
            }
            (Some(unescape(user)), password)
        }
        None => (None, None),
    };
    let (hostport, params) = match hostpart.split_once(';') {
        Some((h, p)) => (h, p),
        None => (hostpart, ""),
    };
    let (host, port) = split_host_port(hostport)?;
    let params = params
        .split(';')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((n, v)) => (lower(n), Some(lower(v))),
            None => (lower(p), None),
        })
        .collect();
    let headers = headers
        .split('&')
        .filter(|h| !h.is_empty())
        .map(|h| match h.split_once('=') {
            Some((n, v)) => (lower(n), unescape(v)),
            None => (lower(h), String::new()),
        })
        .collect();
    Some(SipUri {
        sips,
        user,
        password,
        host,
        port,
        params,
        headers,
    })
}

fn lower(s: &str) -> String {
    unescape(s).to_lowercase()
}

/// `host`, `host:port`, `[v6]` or `[v6]:port`; the host lower-cased.
pub(crate) fn split_host_port(s: &str) -> Option<(String, Option<u16>)> {
    let (host, port) = if let Some(v6) = s.strip_prefix('[') {
        let (addr, after) = v6.split_once(']')?;
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':')?),
        };
        (format!("[{}]", addr.to_ascii_lowercase()), port)
    } else {
        match s.split_once(':') {
            Some((h, p)) => (h.to_ascii_lowercase(), Some(p)),
            None => (s.to_ascii_lowercase(), None),
        }
    };
    if host.is_empty() || host.contains(char::is_whitespace) {
        return None;
    }
    let port = match port {
        Some(p) => Some(p.parse::<u16>().ok()?),
        None => None,
    };
    Some((host, port))
}

/// The value of one hex digit (`0-9`, `a-f`, `A-F`; not a sign, as `from_str_radix` takes).
fn hex_digit(b: u8) -> Option<u8> {
    char::from(b)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

/// Decodes `%XX` escapes; a `%` not followed by two hex digits stays as it is.
pub(crate) fn unescape(s: &str) -> String {
    let mut rest = s.as_bytes();
    let mut out = Vec::with_capacity(rest.len());
    while let Some((&b, tail)) = rest.split_first() {
        if let [b'%', hi, lo, after @ ..] = rest {
            if let (Some(hi), Some(lo)) = (hex_digit(*hi), hex_digit(*lo)) {
                out.push(hi << 4 | lo);
                rest = after;
                continue;
            }
        }
        out.push(b);
        rest = tail;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::{same_uri, unescape};

    #[test]
    fn rfc3261_equivalent_uris_match() {
        // RFC 3261 §19.1.4's examples of equivalent URIs.
        for (a, b) in [
            (
                "sip:%61lice@atlanta.com;transport=TCP",
                "sip:alice@AtLanTa.CoM;Transport=tcp",
            ),
            ("sip:carol@chicago.com", "sip:carol@chicago.com;newparam=5"),
            ("sip:carol@chicago.com", "sip:carol@chicago.com;security=on"),
            (
                "sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com",
                "sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com",
            ),
            (
                "sip:alice@atlanta.com?subject=project%20x&priority=urgent",
                "sip:alice@atlanta.com?priority=urgent&subject=project%20x",
            ),
        ] {
            assert!(same_uri(a, b), "{a} = {b}");
            assert!(same_uri(b, a), "{b} = {a}");
        }
    }

    #[test]
    fn rfc3261_different_uris_do_not_match() {
        // RFC 3261 §19.1.4's examples of URIs that differ.
        for (a, b) in [
            (
                "SIP:ALICE@AtLanTa.CoM;Transport=udp",
                "sip:alice@AtLanTa.CoM;Transport=UDP",
            ),
            ("sip:bob@biloxi.com", "sip:bob@biloxi.com;user=phone"),
            (
                "sip:bob@biloxi.com",
                "sip:bob@biloxi.com;maddr=239.255.255.1",
            ),
            (
                "sip:carol@chicago.com",
                "sip:carol@chicago.com?Subject=next%20meeting",
            ),
            ("sip:bob@phone21.boxesbybob.com", "sip:bob@192.0.2.4"),
            (
                "sip:bob@biloxi.com;transport=udp",
                "sip:bob@biloxi.com;transport=tcp",
            ),
            ("sip:alice@atlanta.com", "sips:alice@atlanta.com"),
            ("sip:alice:secret@atlanta.com", "sip:alice@atlanta.com"),
        ] {
            assert!(!same_uri(a, b), "{a} != {b}");
            assert!(!same_uri(b, a), "{b} != {a}");
        }
    }

    #[test]
    fn destinations_must_be_the_same() {
        assert!(same_uri(
            "sip:95598@127.0.0.1:5060",
            "sip:95598@127.0.0.1:5060"
        ));
        assert!(!same_uri(
            "sip:95598@127.0.0.1:5060",
            "sip:13800000000@127.0.0.1:5060"
        ));
        assert!(!same_uri(
            "sip:95598@127.0.0.1:5060",
            "sip:95598@127.0.0.1:5070"
        ));
        assert!(!same_uri("sip:95598@127.0.0.1", "sip:95598"));
        assert!(!same_uri("sip:95598@127.0.0.1", "sip:95598@127.0.0.2"));
    }

    #[test]
    fn default_port_and_angle_brackets_are_liberal() {
        assert!(same_uri("sip:hotline", "sip:hotline:5060"));
        assert!(same_uri("sips:hotline:5061", "sips:hotline"));
        assert!(!same_uri("sips:hotline:5060", "sips:hotline"));
        assert!(same_uri(
            "<sip:1001@[2001:DB8::1]:5060>",
            "sip:1001@[2001:db8::1]"
        ));
        assert!(same_uri("sip:10.0.0.1;lr", "sip:10.0.0.1"));
    }

    #[test]
    fn other_schemes_and_garbage() {
        assert!(same_uri("tel:+8613800000000", "TEL:+8613800000000"));
        assert!(!same_uri("tel:+8613800000000", "tel:+8613800000001"));
        assert!(!same_uri("tel:95598", "sip:95598@h"));
        for junk in [
            "",
            "sip:",
            "sip:@h",
            "sip:h:99999",
            "sip:[::1",
            "nonsense",
            "sip:a b",
        ] {
            assert!(!same_uri(junk, "sip:h"), "{junk:?}");
            assert!(
                !same_uri(junk, junk),
                "garbage matches nothing, not even itself: {junk:?}"
            );
        }
        assert!(same_uri("sip:a%2", "sip:a%2"), "a stray % stays as it is");
    }

    #[test]
    fn escapes_are_two_hex_digits_only() {
        assert_eq!(unescape("%41%6a%4A"), "AjJ");
        // `from_str_radix` would read "+5" as 5: a sign is not a hex digit.
        assert_eq!(unescape("a%+5b"), "a%+5b");
        assert_eq!(unescape("%-1"), "%-1");
        assert_eq!(unescape("%4"), "%4");
        assert_eq!(unescape("%%41"), "%A");
        assert_eq!(unescape("%e4%b8%ad"), "中");
    }
}
