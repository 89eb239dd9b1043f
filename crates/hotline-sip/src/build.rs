//! Writing SIP messages. Responses echo the request's Via/From/To/Call-ID/CSeq as RFC 3261
//! §8.2.6 asks; requests are written from a small description. Output is wire bytes.

use std::fmt::Write;
use std::net::SocketAddr;

use crate::headers;
use crate::wire::{Echo, Request};

/// The standard reason phrase of a status code.
pub fn reason_phrase(code: u16) -> &'static str {
    known_reason(code).unwrap_or(match code / 100 {
        1 => "Progress",
        2 => "OK",
        3 => "Redirect",
        4 => "Request Failure",
        5 => "Server Failure",
        _ => "Global Failure",
    })
}

/// The reason phrase RFC 3261 (or the extension defining it) gives `code`, if we know it.
pub fn known_reason(code: u16) -> Option<&'static str> {
    Some(match code {
        100 => "Trying",
        180 => "Ringing",
        181 => "Call Is Being Forwarded",
        182 => "Queued",
        183 => "Session Progress",
        200 => "OK",
        202 => "Accepted",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        407 => "Proxy Authentication Required",
        408 => "Request Timeout",
        413 => "Request Entity Too Large",
        415 => "Unsupported Media Type",
        420 => "Bad Extension",
        423 => "Interval Too Brief",
        480 => "Temporarily Unavailable",
        481 => "Call/Transaction Does Not Exist",
        482 => "Loop Detected",
        483 => "Too Many Hops",
        486 => "Busy Here",
        487 => "Request Terminated",
        488 => "Not Acceptable Here",
        491 => "Request Pending",
        500 => "Server Internal Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        504 => "Server Time-out",
        513 => "Message Too Large",
        600 => "Busy Everywhere",
        603 => "Decline",
        _ => return None,
    })
}

/// The headers every response echoes, with the To tag we add (if any).
pub struct ResponseHead<'a> {
    pub vias: &'a [String],
    pub from: &'a str,
    pub to: &'a str,
    pub call_id: &'a str,
    pub cseq: &'a str,
}

impl<'a> ResponseHead<'a> {
    pub fn of_echo(echo: &'a Echo) -> Self {
        ResponseHead {
            vias: &echo.vias,
            from: &echo.from,
            to: &echo.to,
            call_id: &echo.call_id,
            cseq: &echo.cseq,
        }
    }
}

/// Writes a response. `to_tag` is added when the To header has none; `source` stamps the top Via
/// with received/rport. `reason` overrides the standard phrase (used by 400s to say what was wrong).
#[allow(clippy::too_many_arguments)]
pub fn response(
    head: &ResponseHead<'_>,
    source: SocketAddr,
    rport: bool,
    code: u16,
    reason: Option<&str>,
    to_tag: Option<&str>,
    extra: &[(&str, &str)],
    server: &str,
    body: Option<(&str, &[u8])>,
) -> Vec<u8> {
    let mut s = String::with_capacity(512);
    let phrase = reason
        .map(sanitize)
        .unwrap_or_else(|| reason_phrase(code).to_string());
    let _ = write!(s, "SIP/2.0 {code} {phrase}\r\n");
    for (i, via) in head.vias.iter().enumerate() {
        if i == 0 {
            let ip = source.ip().to_string();
            let _ = write!(
                s,
                "Via: {}\r\n",
                headers::stamp_via(via, &ip, source.port(), rport)
            );
        } else {
            let _ = write!(s, "Via: {via}\r\n");
        }
    }
    let _ = write!(s, "From: {}\r\n", head.from);
    let has_tag = headers::parse_name_addr(head.to)
        .map(|n| n.tag.is_some())
        .unwrap_or(true);
    match to_tag {
        Some(tag) if !has_tag && code > 100 => {
            let _ = write!(s, "To: {}\r\n", headers::with_tag(head.to, tag));
        }
        _ => {
            let _ = write!(s, "To: {}\r\n", head.to);
        }
    }
    let _ = write!(s, "Call-ID: {}\r\nCSeq: {}\r\n", head.call_id, head.cseq);
    for (name, value) in extra {
        let _ = write!(s, "{name}: {value}\r\n");
    }
    if !server.is_empty() {
        let _ = write!(s, "Server: {server}\r\n");
    }
    finish(s, body)
}

/// Writes a response to a parsed request.
#[allow(clippy::too_many_arguments)]
pub fn reply(
    req: &Request,
    source: SocketAddr,
    code: u16,
    reason: Option<&str>,
    to_tag: Option<&str>,
    extra: &[(&str, &str)],
    server: &str,
    body: Option<(&str, &[u8])>,
) -> Vec<u8> {
    let cseq = format!("{} {}", req.common.cseq, req.method);
    let head = ResponseHead {
        vias: &req.common.vias,
        from: &req.common.from,
        to: &req.common.to,
        call_id: &req.common.call_id,
        cseq: &cseq,
    };
    response(
        &head,
        source,
        req.common.top_via.rport,
        code,
        reason,
        to_tag,
        extra,
        server,
        body,
    )
}

/// A request we send.
pub struct RequestSpec<'a> {
    pub method: &'a str,
    pub uri: &'a str,
    pub via: &'a str,
    pub routes: &'a [String],
    pub from: &'a str,
    pub to: &'a str,
    pub call_id: &'a str,
    pub cseq: u32,
    pub contact: Option<&'a str>,
    pub extra: &'a [(String, String)],
    pub user_agent: &'a str,
    pub body: Option<(&'a str, &'a [u8])>,
}

pub fn request(spec: &RequestSpec<'_>) -> Vec<u8> {
    let mut s = String::with_capacity(512);
    let _ = write!(
        s,
        "{} {} SIP/2.0\r\nVia: {}\r\nMax-Forwards: 70\r\n",
        spec.method, spec.uri, spec.via
    );
    for r in spec.routes {
        let _ = write!(s, "Route: {r}\r\n");
    }
    let _ = write!(
        s,
        "From: {}\r\nTo: {}\r\nCall-ID: {}\r\nCSeq: {} {}\r\n",
        spec.from, spec.to, spec.call_id, spec.cseq, spec.method
    );
    if let Some(c) = spec.contact {
        let _ = write!(s, "Contact: {c}\r\n");
    }
    for (name, value) in spec.extra {
        let _ = write!(s, "{}: {}\r\n", sanitize(name), sanitize(value));
    }
    if !spec.user_agent.is_empty() {
        let _ = write!(s, "User-Agent: {}\r\n", spec.user_agent);
    }
    finish(s, spec.body)
}

fn finish(mut s: String, body: Option<(&str, &[u8])>) -> Vec<u8> {
    match body {
        Some((ctype, bytes)) => {
            let _ = write!(
                s,
                "Content-Type: {ctype}\r\nContent-Length: {}\r\n\r\n",
                bytes.len()
            );
            let mut out = s.into_bytes();
            out.extend_from_slice(bytes);
            out
        }
        None => {
            s.push_str("Content-Length: 0\r\n\r\n");
            s.into_bytes()
        }
    }
}

/// Keeps a header value or reason phrase on one line (no CR/LF injection).
pub fn sanitize(v: &str) -> String {
    v.chars().filter(|c| !c.is_control()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{parse, Message};

    #[test]
    fn reply_echoes_and_tags() {
        let raw = "BYE sip:100@h SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1;rport\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:100@h>\r\nCall-ID: c1\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n";
        let Ok(Message::Request(req)) = parse(raw.as_bytes()) else {
            panic!()
        };
        let out = reply(
            &req,
            "192.0.2.1:4000".parse().unwrap(),
            200,
            None,
            Some("xyz"),
            &[],
            "hotline",
            None,
        );
        let text = String::from_utf8(out.clone()).unwrap();
        assert!(text.starts_with("SIP/2.0 200 OK\r\n"));
        assert!(text.contains("received=192.0.2.1;rport=4000"));
        assert!(text.contains("To: <sip:100@h>;tag=xyz"));
        assert!(text.contains("CSeq: 2 BYE"));
        assert!(matches!(parse(&out), Ok(Message::Response(r)) if r.code == 200));
    }

    #[test]
    fn injection_is_stripped() {
        assert_eq!(sanitize("a\r\nVia: evil"), "aVia: evil");
    }
}
