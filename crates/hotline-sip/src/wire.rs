//! Incoming SIP messages: parsed with rsipstack's codec, checked for what RFC 3261 makes
//! mandatory, and reduced to the owned fields the core needs. Nothing outside this crate sees
//! the codec's types; nothing here panics on input.

use rsipstack::sip::{self as codec, HasHeaders, Header, SipMessage};

use crate::headers::{self, NameAddr, TopVia};

/// A SIP method. `Other` keeps an extension method's name so that it can be refused with 501.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Method {
    Invite,
    Ack,
    Bye,
    Cancel,
    Options,
    Register,
    Info,
    Update,
    Prack,
    Subscribe,
    Notify,
    Refer,
    Message,
    Publish,
    Other(String),
}

impl Method {
    /// Parses a method token (case-sensitive, as RFC 3261 §7.1 says).
    pub fn parse(token: &str) -> Method {
        match token {
            "INVITE" => Method::Invite,
            "ACK" => Method::Ack,
            "BYE" => Method::Bye,
            "CANCEL" => Method::Cancel,
            "OPTIONS" => Method::Options,
            "REGISTER" => Method::Register,
            "INFO" => Method::Info,
            "UPDATE" => Method::Update,
            "PRACK" => Method::Prack,
            "SUBSCRIBE" => Method::Subscribe,
            "NOTIFY" => Method::Notify,
            "REFER" => Method::Refer,
            "MESSAGE" => Method::Message,
            "PUBLISH" => Method::Publish,
            other => Method::Other(other.to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Method::Invite => "INVITE",
            Method::Ack => "ACK",
            Method::Bye => "BYE",
            Method::Cancel => "CANCEL",
            Method::Options => "OPTIONS",
            Method::Register => "REGISTER",
            Method::Info => "INFO",
            Method::Update => "UPDATE",
            Method::Prack => "PRACK",
            Method::Subscribe => "SUBSCRIBE",
            Method::Notify => "NOTIFY",
            Method::Refer => "REFER",
            Method::Message => "MESSAGE",
            Method::Publish => "PUBLISH",
            Method::Other(s) => s,
        }
    }

    /// A bounded label for metrics: extension methods collapse into "OTHER".
    pub fn label(&self) -> &'static str {
        match self {
            Method::Invite => "INVITE",
            Method::Ack => "ACK",
            Method::Bye => "BYE",
            Method::Cancel => "CANCEL",
            Method::Options => "OPTIONS",
            Method::Register => "REGISTER",
            Method::Info => "INFO",
            Method::Update => "UPDATE",
            Method::Prack => "PRACK",
            Method::Subscribe => "SUBSCRIBE",
            Method::Notify => "NOTIFY",
            Method::Refer => "REFER",
            Method::Message => "MESSAGE",
            Method::Publish => "PUBLISH",
            Method::Other(_) => "OTHER",
        }
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The header fields shared by requests and responses that every message must carry.
#[derive(Debug, Clone)]
pub struct Common {
    /// Via header values in order, exactly as received (one entry may hold several hops).
    pub vias: Vec<String>,
    pub top_via: TopVia,
    pub from: String,
    pub from_addr: NameAddr,
    pub to: String,
    pub to_addr: NameAddr,
    pub call_id: String,
    pub cseq: u32,
    pub cseq_method: Method,
    /// Contact values, split at commas (one entry per contact).
    pub contacts: Vec<String>,
    pub record_routes: Vec<String>,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

/// An incoming request.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: Method,
    pub uri: String,
    /// The Request-URI as sent, for comparing with a digest `uri` (the codec's `uri`
    /// re-escapes a `%`).
    pub raw_uri: String,
    /// The user part of the Request-URI (or the number of a `tel:` URI), empty if none.
    pub uri_user: String,
    pub common: Common,
    pub expires: Option<u32>,
    pub authorization: Option<String>,
    pub proxy_authorization: Option<String>,
    /// Option tags of all Require headers.
    pub require: Vec<String>,
    /// Media ranges of all Accept headers (`application/sdp`, `*/*`…); None without any.
    pub accept: Option<Vec<String>>,
    pub user_agent: Option<String>,
    pub max_forwards: Option<u32>,
    /// Refer-To values (RFC 3515; also the compact `r`), one per header line, as received.
    pub refer_to: Vec<String>,
    /// The request asked for no implicit subscription (`Refer-Sub: false`, RFC 4488).
    pub refer_sub_false: bool,
}

/// An incoming response.
#[derive(Debug, Clone)]
pub struct Response {
    pub code: u16,
    pub reason: String,
    pub common: Common,
}

/// A parsed message. The variants differ in size (a request has more fields the core reads),
/// but a message lives only from parsing to handling, never in bulk: not boxed, to spare the
/// hot path an allocation per message.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Message {
    Request(Request),
    Response(Response),
}

/// The header values a 400 response needs, found even in a message the codec refused.
#[derive(Debug, Clone, Default)]
pub struct Echo {
    pub vias: Vec<String>,
    pub from: String,
    pub to: String,
    pub call_id: String,
    pub cseq: String,
}

impl Echo {
    /// The topmost Via (an echo is only made with one).
    pub fn top_via(&self) -> Option<&str> {
        self.vias.first().map(String::as_str)
    }
}

/// Why a message was refused.
#[derive(Debug, Clone)]
pub enum Invalid {
    /// Nothing can be answered (garbage, a broken response, no usable Via): drop it.
    Drop(String),
    /// A request we can answer with `<status> <reason>` (400, or 501 for a method the codec
    /// does not know).
    BadRequest {
        status: u16,
        reason: String,
        echo: Box<Echo>,
    },
}

impl Invalid {
    pub fn reason(&self) -> &str {
        match self {
            Invalid::Drop(r) => r,
            Invalid::BadRequest { reason, .. } => reason,
        }
    }
}

/// Is the request line `TOKEN SP uri SP SIP/2.0` with a method token the codec cannot
/// represent? Such a request is well-formed SIP that we do not implement (RFC 3261 §8.2.1).
fn unknown_method(bytes: &[u8]) -> bool {
    let line = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    let Ok(line) = std::str::from_utf8(line) else {
        return false;
    };
    let mut parts = line.trim_end_matches('\r').split(' ');
    let (Some(method), Some(uri), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let token = |c: char| c.is_ascii_alphanumeric() || "-.!%*_+`'~".contains(c);
    !method.is_empty()
        && method.chars().all(token)
        && matches!(Method::parse(method), Method::Other(_))
        && uri.contains(':')
        && version == "SIP/2.0"
}

/// The Request-URI of a request line as it was written.
fn request_line_uri(bytes: &[u8]) -> Option<String> {
    let line = bytes.split(|b| *b == b'\n').next()?;
    let line = std::str::from_utf8(line).ok()?;
    line.split_whitespace().nth(1).map(str::to_string)
}

/// A request line in a SIP version other than 2.0 (`OPTIONS sip:x SIP/7.0`): answered 505.
fn other_version(bytes: &[u8]) -> bool {
    let line = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let mut parts = line.split(|b| *b == b' ');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(_), Some(_), Some(version), None) => {
            version.starts_with(b"SIP/") && version != b"SIP/2.0"
        }
        _ => false,
    }
}

/// The message with folded header lines (CRLF then SP or HTAB) joined by one space, as RFC
/// 3261 §7.3.1 allows before interpretation; the body is left alone. Borrowed when nothing is
/// folded (nearly always). The codec loses a header whose name and colon are on different
/// lines (RFC 4475's wsinv: `Call-ID` CRLF SP `: …`).
fn unfold(bytes: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    let head_end = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(bytes.len());
    let (head, body) = bytes.split_at_checked(head_end).unwrap_or((bytes, &[]));
    let folded = |w: &[u8]| matches!(w, [b'\r', b'\n', b' ' | b'\t', ..]);
    if !head.windows(3).any(folded) {
        return std::borrow::Cow::Borrowed(bytes);
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut rest = head;
    while let Some((&b, tail)) = rest.split_first() {
        if let [b'\r', b'\n', after @ ..] = rest {
            if let [b' ' | b'\t', ..] = after {
                out.push(b' ');
                let blanks = after
                    .iter()
                    .take_while(|&&c| c == b' ' || c == b'\t')
                    .count();
                rest = after.get(blanks..).unwrap_or_default();
                continue;
            }
        }
        out.push(b);
        rest = tail;
    }
    out.extend_from_slice(body);
    std::borrow::Cow::Owned(out)
}

/// Parses and validates one complete message (a datagram, or one framed message from a stream).
pub fn parse(bytes: &[u8]) -> Result<Message, Invalid> {
    let unfolded = unfold(bytes);
    let bytes: &[u8] = &unfolded;
    if other_version(bytes) {
        return Err(match headers::scan_echo(bytes) {
            Some(echo) => Invalid::BadRequest {
                status: 505,
                reason: "Version Not Supported".into(),
                echo: Box::new(echo),
            },
            None => Invalid::Drop("another SIP version, no usable headers".into()),
        });
    }
    let msg = match SipMessage::try_from(bytes) {
        Ok(m) => m,
        Err(e) => {
            return Err(match headers::scan_echo(bytes) {
                Some(echo) if unknown_method(bytes) => Invalid::BadRequest {
                    status: 501,
                    reason: "Not Implemented".into(),
                    echo: Box::new(echo),
                },
                Some(echo) => Invalid::BadRequest {
                    status: 400,
                    reason: format!("Malformed message ({})", short(&e.to_string())),
                    echo: Box::new(echo),
                },
                None => Invalid::Drop(format!("unparseable: {}", short(&e.to_string()))),
            });
        }
    };
    let declared_len = declared_content_length(&msg);
    match msg {
        SipMessage::Request(req) => {
            let is_request = true;
            let common = common(&req.headers, &req.body, declared_len, is_request)
                .map_err(|reason| bad_request(reason, &req.headers))?;
            let method = Method::parse(&req.method.to_string());
            if common.cseq_method != method {
                return Err(bad_request(
                    "CSeq method does not match".into(),
                    &req.headers,
                ));
            }
            let uri = req.uri.to_string();
            let uri_user = uri_user(&req.uri);
            let raw_uri = request_line_uri(bytes).unwrap_or_else(|| uri.clone());
            let mut request = Request {
                method,
                uri,
                raw_uri,
                uri_user,
                common,
                expires: None,
                authorization: None,
                proxy_authorization: None,
                require: Vec::new(),
                accept: None,
                user_agent: None,
                max_forwards: None,
                refer_to: Vec::new(),
                refer_sub_false: false,
            };
            for h in req.headers.iter() {
                match h {
                    Header::Expires(v) => {
                        request.expires = Some(
                            v.value()
                                .trim()
                                .parse()
                                .map_err(|_| bad_request("Bad Expires".into(), &req.headers))?,
                        )
                    }
                    Header::Authorization(v) => request.authorization = Some(v.value().into()),
                    Header::ProxyAuthorization(v) => {
                        request.proxy_authorization = Some(v.value().into())
                    }
                    Header::Require(v) => request.require.extend(
                        v.value()
                            .split(',')
                            .map(|t| t.trim().to_string())
                            .filter(|t| !t.is_empty()),
                    ),
                    Header::Accept(v) => request.accept.get_or_insert_with(Vec::new).extend(
                        v.value()
                            .split(',')
                            .map(|t| t.trim().to_string())
                            .filter(|t| !t.is_empty()),
                    ),
                    Header::UserAgent(v) => request.user_agent = Some(v.value().into()),
                    Header::ReferTo(v) => request.refer_to.push(v.value().trim().to_string()),
                    Header::Other(name, v) if name.eq_ignore_ascii_case("Refer-Sub") => {
                        // `Refer-Sub: false` with any parameters; other values mean true.
                        let value = v.split(';').next().unwrap_or_default().trim();
                        request.refer_sub_false |= value.eq_ignore_ascii_case("false");
                    }
                    Header::MaxForwards(v) => {
                        request.max_forwards =
                            Some(v.value().trim().parse().map_err(|_| {
                                bad_request("Bad Max-Forwards".into(), &req.headers)
                            })?)
                    }
                    _ => {}
                }
            }
            Ok(Message::Request(request))
        }
        SipMessage::Response(resp) => {
            let common = common(&resp.headers, &resp.body, declared_len, false)
                .map_err(|r| Invalid::Drop(format!("bad response: {r}")))?;
            Ok(Message::Response(Response {
                code: u16::from(resp.status_code.clone()),
                reason: resp.status_code.to_string(),
                common,
            }))
        }
    }
}

fn short(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control())
        .take(80)
        .collect::<String>()
}

fn bad_request(reason: String, hs: &codec::Headers) -> Invalid {
    let mut echo = Echo::default();
    for h in hs.iter() {
        match h {
            Header::Via(v) => echo.vias.push(v.value().to_string()),
            Header::From(v) => echo.from = v.value().to_string(),
            Header::To(v) => echo.to = v.value().to_string(),
            Header::CallId(v) => echo.call_id = v.value().to_string(),
            Header::CSeq(v) => echo.cseq = v.value().to_string(),
            _ => {}
        }
    }
    if echo
        .top_via()
        .is_none_or(|v| headers::parse_top_via(v).is_err())
    {
        return Invalid::Drop(format!("no usable Via ({reason})"));
    }
    Invalid::BadRequest {
        status: 400,
        reason,
        echo: Box::new(echo),
    }
}

fn declared_content_length(msg: &SipMessage) -> Option<String> {
    msg.headers().iter().find_map(|h| match h {
        Header::ContentLength(v) => Some(v.value().trim().to_string()),
        _ => None,
    })
}

fn common(
    hs: &codec::Headers,
    body: &[u8],
    declared_len: Option<String>,
    is_request: bool,
) -> Result<Common, String> {
    let mut vias = Vec::new();
    let (mut from, mut to, mut call_id, mut cseq) = (None, None, None, None);
    let mut contacts = Vec::new();
    let mut record_routes = Vec::new();
    let mut content_type = None;
    for h in hs.iter() {
        if h.value().chars().any(|c| c.is_control() && c != '\t') {
            return Err(format!("Control character in {}", h.name()));
        }
        match h {
            Header::Via(v) => vias.push(v.value().to_string()),
            Header::From(v) => dup(&mut from, v.value(), "From")?,
            Header::To(v) => dup(&mut to, v.value(), "To")?,
            Header::CallId(v) => dup(&mut call_id, v.value(), "Call-ID")?,
            Header::CSeq(v) => dup(&mut cseq, v.value(), "CSeq")?,
            Header::Contact(v) => contacts.extend(headers::split_list(v.value())),
            Header::RecordRoute(v) => record_routes.extend(headers::split_list(v.value())),
            Header::ContentType(v) => content_type = Some(v.value().trim().to_string()),
            _ => {}
        }
    }
    let first_via = vias.first().ok_or("Missing Via")?;
    let top_via = headers::parse_top_via(first_via).map_err(|e| format!("Bad Via: {e}"))?;
    if is_request && top_via.branch.is_empty() {
        return Err("Missing Via branch".into());
    }
    let from = from.ok_or("Missing From")?;
    let to = to.ok_or("Missing To")?;
    let call_id = call_id.ok_or("Missing Call-ID")?;
    if call_id.is_empty() || call_id.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("Bad Call-ID".into());
    }
    let cseq = cseq.ok_or("Missing CSeq")?;
    let (cseq_num, cseq_method) = headers::parse_cseq(&cseq).ok_or("Bad CSeq")?;
    let from_addr = headers::parse_name_addr(&from).map_err(|e| format!("Bad From: {e}"))?;
    let to_addr = headers::parse_name_addr(&to).map_err(|e| format!("Bad To: {e}"))?;
    if let Some(declared) = declared_len {
        let n: usize = declared.parse().map_err(|_| "Bad Content-Length")?;
        if n > body.len() {
            return Err("Content-Length exceeds the message".into());
        }
    }
    Ok(Common {
        vias,
        top_via,
        from,
        from_addr,
        to,
        to_addr,
        call_id,
        cseq: cseq_num,
        cseq_method,
        contacts,
        record_routes,
        content_type,
        body: body.to_vec(),
    })
}

fn dup(slot: &mut Option<String>, value: &str, name: &str) -> Result<(), String> {
    if slot.is_some() {
        return Err(format!("Duplicate {name}"));
    }
    *slot = Some(value.trim().to_string());
    Ok(())
}

/// The user part of a URI; for `tel:` URIs the number itself.
fn uri_user(uri: &codec::Uri) -> String {
    if let Some(auth) = &uri.auth {
        return auth.user.clone();
    }
    match &uri.scheme {
        Some(codec::uri::Scheme::Other(s)) if s.eq_ignore_ascii_case("tel") => {
            uri.host_with_port.host.to_string()
        }
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INVITE: &str = "INVITE sip:100@127.0.0.1 SIP/2.0\r\n\
        Via: SIP/2.0/UDP 10.0.0.1:5070;branch=z9hG4bK776;rport\r\n\
        Max-Forwards: 70\r\n\
        From: \"Zhang San\" <sip:13800000000@10.0.0.1>;tag=abc\r\n\
        To: <sip:100@127.0.0.1>\r\n\
        Call-ID: call-1@10.0.0.1\r\n\
        CSeq: 1 INVITE\r\n\
        Contact: <sip:13800000000@10.0.0.1:5070>\r\n\
        Content-Type: application/sdp\r\n\
        Content-Length: 4\r\n\r\nv=0\n";

    #[test]
    fn parses_a_normal_invite() {
        let Ok(Message::Request(r)) = parse(INVITE.as_bytes()) else {
            panic!("not a request")
        };
        assert_eq!(r.method, Method::Invite);
        assert_eq!(r.uri_user, "100");
        assert_eq!(r.raw_uri, "sip:100@127.0.0.1");
        assert_eq!(r.common.top_via.branch, "z9hG4bK776");
        assert!(r.common.top_via.rport);
        assert_eq!(r.common.from_addr.user, "13800000000");
        assert_eq!(r.common.from_addr.display.as_deref(), Some("Zhang San"));
        assert_eq!(r.common.from_addr.tag.as_deref(), Some("abc"));
        assert_eq!(r.common.to_addr.tag, None);
        assert_eq!(r.common.cseq, 1);
        assert_eq!(r.common.body, b"v=0\n");
        assert_eq!(r.max_forwards, Some(70));
    }

    #[test]
    fn compact_headers_and_multi_value_via() {
        let raw = "OPTIONS sip:100@h SIP/2.0\r\nv: SIP/2.0/TCP [::1]:5061;branch=z9hG4bKa, SIP/2.0/UDP 10.0.0.2;branch=z9hG4bKb\r\n\
            f: <sip:a@b>;tag=1\r\nt: <tel:+8613800000000>\r\ni: x\r\nCSeq: 7 OPTIONS\r\nl: 0\r\n\r\n";
        let Ok(Message::Request(r)) = parse(raw.as_bytes()) else {
            panic!("not a request")
        };
        assert_eq!(r.common.top_via.branch, "z9hG4bKa");
        assert_eq!(r.common.top_via.transport, "TCP");
        assert_eq!(r.common.top_via.sent_by, "[::1]:5061");
        assert_eq!(r.common.vias.len(), 1);
        assert_eq!(r.common.to_addr.user, "+8613800000000");
    }

    #[test]
    fn missing_mandatory_headers_get_400() {
        for drop in ["From:", "To:", "Call-ID:", "CSeq:"] {
            let raw: String = INVITE
                .split("\r\n")
                .filter(|l| !l.starts_with(drop))
                .collect::<Vec<_>>()
                .join("\r\n");
            match parse(raw.as_bytes()) {
                Err(Invalid::BadRequest { reason, .. }) => assert!(reason.contains("Missing")),
                other => panic!("{drop}: {other:?}"),
            }
        }
    }

    #[test]
    fn missing_via_is_dropped() {
        let raw: String = INVITE
            .split("\r\n")
            .filter(|l| !l.starts_with("Via:"))
            .collect::<Vec<_>>()
            .join("\r\n");
        assert!(matches!(parse(raw.as_bytes()), Err(Invalid::Drop(_))));
    }

    #[test]
    fn cseq_mismatch_and_bad_numbers() {
        let raw = INVITE.replace("CSeq: 1 INVITE", "CSeq: 1 BYE");
        assert!(matches!(
            parse(raw.as_bytes()),
            Err(Invalid::BadRequest { .. })
        ));
        let raw = INVITE.replace("CSeq: 1 INVITE", "CSeq: x INVITE");
        assert!(matches!(
            parse(raw.as_bytes()),
            Err(Invalid::BadRequest { .. })
        ));
        let raw = INVITE.replace("Content-Length: 4", "Content-Length: 400");
        assert!(matches!(
            parse(raw.as_bytes()),
            Err(Invalid::BadRequest { .. })
        ));
    }

    #[test]
    fn refer_to_and_refer_sub() {
        let raw = "REFER sip:h SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.2;branch=z9hG4bKr\r\n\
            f: <sip:a@b>;tag=1\r\nt: <sip:h>;tag=2\r\ni: r1\r\nCSeq: 2 REFER\r\n\
            Refer-To: <sip:1002@h>\r\nr:  sip:1003@h \r\nRefer-Sub: FALSE;x=1\r\nl: 0\r\n\r\n";
        let Ok(Message::Request(r)) = parse(raw.as_bytes()) else {
            panic!("not a request")
        };
        assert_eq!(r.method, Method::Refer);
        assert_eq!(r.refer_to, vec!["<sip:1002@h>", "sip:1003@h"]);
        assert!(r.refer_sub_false);
        for (line, sub_false) in [("Refer-Sub: true\r\n", false), ("", false)] {
            let raw = raw.replace("Refer-Sub: FALSE;x=1\r\n", line);
            let Ok(Message::Request(r)) = parse(raw.as_bytes()) else {
                panic!("not a request")
            };
            assert_eq!(r.refer_sub_false, sub_false, "{line:?}");
        }
    }

    #[test]
    fn garbage_never_panics() {
        let samples: Vec<Vec<u8>> = vec![
            vec![],
            b"\r\n\r\n".to_vec(),
            b"GARBAGE".to_vec(),
            vec![0xff; 300],
            b"INVITE sip:x SIP/2.0\r\nVia: \r\n\r\n".to_vec(),
            b"SIP/2.0 200 OK\r\n\r\n".to_vec(),
            b"SIP/2.0 999999 Huge\r\nVia: SIP/2.0/UDP a;branch=1\r\n\r\n".to_vec(),
            INVITE.as_bytes()[..60].to_vec(),
        ];
        for s in samples {
            let _ = parse(&s);
        }
        for cut in 0..INVITE.len() {
            let _ = parse(&INVITE.as_bytes()[..cut]);
        }
    }

    #[test]
    fn folded_headers_are_joined_and_the_body_left_alone() {
        let raw = "OPTIONS sip:100@h SIP/2.0\r\nVia: SIP/2.0/UDP\r\n  10.0.0.2;branch=z9hG4bKf\r\n\
            From: <sip:a@b>\r\n\t;tag=1\r\nTo: <sip:100@h>\r\nCall-ID\r\n : fold-1\r\nCSeq: 7\r\n OPTIONS\r\n\
            Content-Length: 6\r\n\r\na\r\n  b";
        let Ok(Message::Request(r)) = parse(raw.as_bytes()) else {
            panic!("not a request")
        };
        assert_eq!(r.common.call_id, "fold-1");
        assert_eq!(r.common.cseq, 7);
        assert_eq!(r.common.top_via.sent_by, "10.0.0.2");
        assert_eq!(r.common.from_addr.tag.as_deref(), Some("1"));
        assert_eq!(r.common.body, b"a\r\n  b");
        assert!(matches!(
            unfold(INVITE.as_bytes()),
            std::borrow::Cow::Borrowed(_)
        ));
    }
}
