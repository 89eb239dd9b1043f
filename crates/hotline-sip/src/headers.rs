//! Small, careful parsers for the header values the core reads (Via, name-addr, CSeq, Contact
//! lists) and the edits it makes when answering (received/rport, To tag). Pure string work:
//! every function takes untrusted text and returns an error instead of panicking.

use crate::wire::{Echo, Method};

/// The parts of the topmost Via the core needs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TopVia {
    /// "UDP", "TCP", … as written.
    pub transport: String,
    /// host[:port] as written.
    pub sent_by: String,
    pub branch: String,
    /// The client asked for `rport` (RFC 3581).
    pub rport: bool,
}

/// A parsed name-addr / addr-spec (From, To, Contact).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NameAddr {
    pub display: Option<String>,
    /// The URI as written, without angle brackets.
    pub uri: String,
    /// User part of the URI ("" if none; the number of a tel: URI).
    pub user: String,
    pub tag: Option<String>,
    /// Header parameters other than tag, lower-cased names, e.g. ("expires","60").
    pub params: Vec<(String, String)>,
}

impl NameAddr {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Splits a header value at top-level commas (not inside quotes or angle brackets).
pub fn split_list(value: &str) -> Vec<String> {
    let mut out = Vec::new();
    let (mut in_quote, mut in_angle, mut escaped) = (false, false, false);
    let mut start = 0;
    for (i, c) in value.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' if in_quote => escaped = true,
            '"' => in_quote = !in_quote,
            '<' if !in_quote => in_angle = true,
            '>' if !in_quote => in_angle = false,
            ',' if !in_quote && !in_angle => {
                let part = value[start..i].trim();
                if !part.is_empty() {
                    out.push(part.to_string());
                }
                start = i + 1;
            }
            _ => {}
        }
    }
    let part = value[start..].trim();
    if !part.is_empty() {
        out.push(part.to_string());
    }
    out
}

/// Parses the first hop of a Via header value: `SIP/2.0/UDP host:port;branch=…;rport`.
pub fn parse_top_via(value: &str) -> Result<TopVia, &'static str> {
    parse_via(value, false)
}

/// [`parse_top_via`], taking any SIP version when `any_version` (to answer 505 to a request
/// in another version, whose Via is in it too).
fn parse_via(value: &str, any_version: bool) -> Result<TopVia, &'static str> {
    let first = split_list(value).into_iter().next().ok_or("empty")?;
    // sent-protocol = name SLASH version SLASH transport, where SLASH may have LWS around it
    // (RFC 3261 §25.1; RFC 4475 §3.1.1.1).
    let mut s = first.trim_start();
    let mut proto = ["", "", ""];
    for (i, part) in proto.iter_mut().enumerate() {
        let end = s
            .find(|c: char| c.is_whitespace() || c == '/')
            .unwrap_or(s.len());
        *part = &s[..end];
        s = s[end..].trim_start();
        if i < 2 {
            s = s.strip_prefix('/').ok_or("bad protocol")?.trim_start();
        }
    }
    let [name, version, transport] = proto;
    let version_ok = version == "2.0" || (any_version && is_token(version));
    if !name.eq_ignore_ascii_case("SIP") || !version_ok || !is_token(transport) {
        return Err("bad protocol");
    }
    let rest = s;
    if rest.starts_with('/') {
        return Err("bad protocol");
    }
    let mut params = rest.split(';');
    let sent_by = params.next().unwrap_or("").trim();
    if sent_by.is_empty() || sent_by.contains(char::is_whitespace) {
        return Err("bad sent-by");
    }
    let mut via = TopVia {
        transport: transport.to_ascii_uppercase(),
        sent_by: sent_by.to_string(),
        ..TopVia::default()
    };
    for p in params {
        let (k, v) = p.split_once('=').unwrap_or((p, ""));
        match k.trim().to_ascii_lowercase().as_str() {
            "branch" => via.branch = v.trim().to_string(),
            "rport" => via.rport = true,
            _ => {}
        }
    }
    Ok(via)
}

/// A token (RFC 3261 §25.1): what a method, a Via transport or version may be made of.
pub fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-.!%*_+`'~".contains(c))
}

/// Parses `1 INVITE`.
pub fn parse_cseq(value: &str) -> Option<(u32, Method)> {
    let mut it = value.split_whitespace();
    let num = it.next()?.parse::<u32>().ok()?;
    let method = it.next()?;
    if it.next().is_some() || !is_token(method) {
        return None;
    }
    Some((num, Method::parse(method)))
}

/// Parses a name-addr or addr-spec with header parameters.
pub fn parse_name_addr(value: &str) -> Result<NameAddr, &'static str> {
    let value = value.trim();
    let mut out = NameAddr::default();
    let params_part;
    if let Some(lt) = find_unquoted(value, '<') {
        let display = unquote(value[..lt].trim());
        if !display.is_empty() {
            out.display = Some(display);
        }
        let rest = &value[lt + 1..];
        let gt = rest.find('>').ok_or("unclosed <")?;
        out.uri = rest[..gt].trim().to_string();
        params_part = &rest[gt + 1..];
    } else {
        // addr-spec: parameters after the first ';' belong to the header, not the URI.
        let (uri, params) = value.split_once(';').unwrap_or((value, ""));
        out.uri = uri.trim().to_string();
        params_part = params;
    }
    if out.uri.is_empty() || !out.uri.contains(':') {
        return Err("no URI");
    }
    out.user = user_of(&out.uri);
    for p in params_part.split(';') {
        let p = p.trim();
        if p.is_empty() {
            continue;
        }
        let (k, v) = p.split_once('=').unwrap_or((p, ""));
        let k = k.trim().to_ascii_lowercase();
        let v = v.trim().trim_matches('"').to_string();
        if k == "tag" {
            out.tag = Some(v);
        } else {
            out.params.push((k, v));
        }
    }
    Ok(out)
}

/// `"a \\"b\\""` → `a "b"`; an unquoted token is returned trimmed.
fn unquote(s: &str) -> String {
    let inner = match s.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
        Some(inner) => inner,
        None => return s.to_string(),
    };
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.extend(chars.next()),
            c => out.push(c),
        }
    }
    out.trim().to_string()
}

fn find_unquoted(s: &str, needle: char) -> Option<usize> {
    let mut in_quote = false;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' && in_quote {
            escaped = true;
        } else if c == '"' {
            in_quote = !in_quote;
        } else if c == needle && !in_quote {
            return Some(i);
        }
    }
    None
}

/// The user part of `sip:user@host`, `sips:…`, or the number of `tel:+86…`.
pub fn user_of(uri: &str) -> String {
    let (scheme, rest) = uri.split_once(':').unwrap_or(("", uri));
    if scheme.eq_ignore_ascii_case("tel") {
        return rest.split(';').next().unwrap_or("").to_string();
    }
    match rest.split_once('@') {
        Some((userinfo, _)) => userinfo.split([':', ';']).next().unwrap_or("").to_string(),
        None => String::new(),
    }
}

/// host:port of a sip URI (`sip:u@10.0.0.1:5070;transport=tcp` → `10.0.0.1:5070`).
pub fn hostport_of(uri: &str) -> &str {
    let rest = uri.split_once(':').map(|(_, r)| r).unwrap_or(uri);
    let rest = rest.rsplit_once('@').map(|(_, h)| h).unwrap_or(rest);
    rest.split([';', '?', '>']).next().unwrap_or("")
}

/// Adds `;received=` and fills `;rport=` on the first hop of a Via value (RFC 3261 §18.2.1,
/// RFC 3581), so the response finds its way back through NAT.
pub fn stamp_via(value: &str, source_ip: &str, source_port: u16, rport: bool) -> String {
    let (first, rest) = match split_first_hop(value) {
        Some(p) => p,
        None => return value.to_string(),
    };
    let mut hop = String::with_capacity(first.len() + 40);
    for (i, part) in first.split(';').enumerate() {
        let key = part.split('=').next().unwrap_or("").trim();
        if i > 0 && (key.eq_ignore_ascii_case("rport") || key.eq_ignore_ascii_case("received")) {
            continue;
        }
        if i > 0 {
            hop.push(';');
        }
        hop.push_str(part);
    }
    hop.push_str(";received=");
    hop.push_str(source_ip);
    if rport {
        hop.push_str(";rport=");
        hop.push_str(&source_port.to_string());
    }
    hop.push_str(rest);
    hop
}

/// Splits `hop1, hop2` into ("hop1", ", hop2") at the first top-level comma.
fn split_first_hop(value: &str) -> Option<(&str, &str)> {
    let mut in_quote = false;
    for (i, c) in value.char_indices() {
        match c {
            '"' => in_quote = !in_quote,
            ',' if !in_quote => return Some((value[..i].trim_end(), &value[i..])),
            _ => {}
        }
    }
    Some((value.trim_end(), ""))
}

/// Appends `;tag=` to a To value that has none.
pub fn with_tag(to: &str, tag: &str) -> String {
    format!("{to};tag={tag}")
}

/// Finds Via/From/To/Call-ID/CSeq in a request the codec refused, so it can still get a 400.
/// Returns None when the start line is not a request line or any of the five is missing.
pub fn scan_echo(bytes: &[u8]) -> Option<Echo> {
    let text = std::str::from_utf8(bytes).ok()?;
    let mut lines = text.split("\r\n");
    let start = lines.next()?;
    let mut parts = start.split(' ');
    let (method, uri, version) = (parts.next()?, parts.next()?, parts.next()?);
    // Any SIP version: a request in another one is answered 505 with these headers.
    if !version.starts_with("SIP/")
        || parts.next().is_some()
        || uri.is_empty()
        || !is_token(method)
        || method == "ACK"
    {
        return None;
    }
    let mut echo = Echo::default();
    for line in lines {
        if line.is_empty() {
            break;
        }
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim().to_string();
        match name.trim().to_ascii_lowercase().as_str() {
            "via" | "v" => echo.vias.push(value),
            "from" | "f" => echo.from = value,
            "to" | "t" => echo.to = value,
            "call-id" | "i" => echo.call_id = value,
            "cseq" => echo.cseq = value,
            _ => {}
        }
    }
    let usable = echo
        .top_via()
        .is_some_and(|v| parse_via(v, version != "SIP/2.0").is_ok())
        && !echo.from.is_empty()
        && !echo.to.is_empty()
        && !echo.call_id.is_empty()
        && parse_cseq(&echo.cseq).is_some();
    usable.then_some(echo)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn via_parsing() {
        let v = parse_top_via("SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1;rport").unwrap();
        assert_eq!(v.sent_by, "10.0.0.1:5060");
        assert!(v.rport);
        assert!(parse_top_via("SIP/3.0/UDP x;branch=1").is_err());
        assert!(parse_top_via("garbage").is_err());
        assert!(parse_top_via("").is_err());
        let v = parse_top_via("SIP/2.0/tcp [2001:db8::1]:5060 ;branch=z9hG4bKx").unwrap();
        assert_eq!(v.transport, "TCP");
        assert_eq!(v.branch, "z9hG4bKx");
    }

    /// RFC 4475 §3.1.1.1: LWS around the slashes of the sent-protocol (folded lines arrive
    /// unfolded from the codec).
    #[test]
    fn via_with_space_around_slashes() {
        for value in [
            "SIP / 2.0 / UDP 192.0.2.2;branch=390skdjuw",
            "SIP  /   2.0 /UDP    192.0.2.2;branch=390skdjuw",
            "SIP/ 2.0 /\tUDP 192.0.2.2:5060;branch=390skdjuw",
        ] {
            let v = parse_top_via(value).unwrap_or_else(|e| panic!("{value:?}: {e}"));
            assert_eq!(v.transport, "UDP", "{value:?}");
            assert_eq!(v.branch, "390skdjuw", "{value:?}");
            assert!(v.sent_by.starts_with("192.0.2.2"), "{value:?}");
        }
        for bad in [
            "SIP / 2.0 UDP 192.0.2.2;branch=1",
            "SIP/2.0/UDP/ 192.0.2.2;branch=1",
            "SIP/2.0/UDP",
            "SIP//UDP h;branch=1",
        ] {
            assert!(parse_top_via(bad).is_err(), "{bad:?}");
        }
        assert!(parse_via("SIP/7.0/UDP h;branch=1", true).is_ok());
        assert!(parse_top_via("SIP/7.0/UDP h;branch=1").is_err());
    }

    #[test]
    fn stamping_via_keeps_other_hops() {
        let s = stamp_via(
            "SIP/2.0/UDP a:1;branch=z9hG4bK1;rport, SIP/2.0/UDP b;branch=2",
            "1.2.3.4",
            999,
            true,
        );
        assert_eq!(
            s,
            "SIP/2.0/UDP a:1;branch=z9hG4bK1;received=1.2.3.4;rport=999, SIP/2.0/UDP b;branch=2"
        );
    }

    #[test]
    fn name_addr_forms() {
        let n = parse_name_addr("\"Li \\\"Si\\\"\" <sip:1001@h;transport=tcp>;tag=9;expires=60")
            .unwrap();
        assert_eq!(n.display.as_deref(), Some("Li \"Si\""));
        assert_eq!(n.uri, "sip:1001@h;transport=tcp");
        assert_eq!(n.user, "1001");
        assert_eq!(n.tag.as_deref(), Some("9"));
        assert_eq!(n.param("expires"), Some("60"));
        let n = parse_name_addr("sip:1002@h:5070;tag=x").unwrap();
        assert_eq!(n.uri, "sip:1002@h:5070");
        assert_eq!(n.tag.as_deref(), Some("x"));
        assert!(parse_name_addr("<sip:unclosed").is_err());
        assert!(parse_name_addr("").is_err());
        assert_eq!(
            hostport_of("sip:u@10.0.0.1:5070;transport=tcp"),
            "10.0.0.1:5070"
        );
        assert_eq!(hostport_of("sip:[::1]:5070"), "[::1]:5070");
    }

    #[test]
    fn list_splitting_respects_quotes_and_brackets() {
        let l = split_list("\"a, b\" <sip:x@y;p=1,2>, <sip:z@w>;expires=0 ,");
        assert_eq!(l.len(), 2);
        assert_eq!(l[1], "<sip:z@w>;expires=0");
    }

    #[test]
    fn echo_scan() {
        let raw = b"INVITE sip:x@y SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:x@y>\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\n";
        assert!(scan_echo(raw).is_some());
        assert!(scan_echo(b"SIP/2.0 200 OK\r\n").is_none());
        assert!(scan_echo(&[0xff, 0xfe]).is_none());
    }
}
