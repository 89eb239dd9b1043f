//! Reading the Refer-To header of a REFER (RFC 3515 §2.1): exactly one value, a name-addr or
//! addr-spec with a SIP or SIPS URI that names a user, whose `Replaces` URI header (RFC 3891
//! §6.1, percent-escaped) names the dialog an attended transfer replaces. Other URI headers and
//! parameters are ignored. Every error is a short text fit for a 400's reason phrase.
//!
//! Pure string work on untrusted input: nothing here panics.

use crate::api::{ReferTo, Replaces};
use crate::headers;
use crate::uri::{split_host_port, unescape};

/// The transfer target of a REFER whose Refer-To header values (as received, one entry per
/// header line) are `values`; `Err` is the reason phrase of the 400 to answer.
pub fn parse(values: &[String]) -> Result<ReferTo, &'static str> {
    let value = match values {
        [] => return Err("Missing Refer-To"),
        [one] => one,
        _ => return Err("Several Refer-To"),
    };
    let value = match headers::split_list(value).as_slice() {
        [] => return Err("Bad Refer-To"),
        [one] => one.clone(),
        _ => return Err("Several Refer-To"),
    };
    let addr = headers::parse_name_addr(&value).map_err(|_| "Bad Refer-To")?;
    let uri = addr.uri.as_str();
    if uri.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("Bad Refer-To");
    }
    let (scheme, rest) = uri.split_once(':').ok_or("Bad Refer-To")?;
    if !scheme.eq_ignore_ascii_case("sip") && !scheme.eq_ignore_ascii_case("sips") {
        return Err("Refer-To Not a SIP URI");
    }
    let (rest, uri_headers) = rest.split_once('?').unwrap_or((rest, ""));
    let (userinfo, hostpart) = rest.rsplit_once('@').ok_or("Refer-To Without User")?;
    let user = unescape(userinfo.split(':').next().unwrap_or_default());
    if user.is_empty() {
        return Err("Refer-To Without User");
    }
    if user.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("Bad Refer-To User");
    }
    let hostport = hostpart.split(';').next().unwrap_or_default();
    if split_host_port(hostport).is_none() {
        return Err("Bad Refer-To Host");
    }
    let mut replaces = None;
    for header in uri_headers.split('&').filter(|h| !h.is_empty()) {
        let (name, value) = header.split_once('=').unwrap_or((header, ""));
        if !unescape(name).trim().eq_ignore_ascii_case("replaces") {
            continue;
        }
        if replaces.is_some() {
            return Err("Several Replaces");
        }
        replaces = Some(parse_replaces(&unescape(value))?);
    }
    Ok(ReferTo { user, replaces })
}

/// `call-id;to-tag=…;from-tag=…` (RFC 3891 §6.1, already unescaped), parameters in any order
/// and case, others (`early-only`) ignored.
fn parse_replaces(value: &str) -> Result<Replaces, &'static str> {
    let mut parts = value.split(';');
    let call_id = parts.next().unwrap_or_default().trim();
    if call_id.is_empty() {
        return Err("Replaces Without Call-ID");
    }
    let (mut to_tag, mut from_tag) = (None, None);
    for param in parts {
        let (name, value) = param.split_once('=').unwrap_or((param, ""));
        let slot = match name.trim().to_ascii_lowercase().as_str() {
            "to-tag" => &mut to_tag,
            "from-tag" => &mut from_tag,
            _ => continue,
        };
        if slot.is_some() {
            return Err("Bad Replaces");
        }
        let value = value.trim();
        if !value.is_empty() {
            *slot = Some(value.to_string());
        }
    }
    let bad = |s: &str| s.chars().any(|c| c.is_whitespace() || c.is_control());
    if bad(call_id) || to_tag.as_deref().is_some_and(bad) || from_tag.as_deref().is_some_and(bad) {
        return Err("Bad Replaces");
    }
    match (to_tag, from_tag) {
        (Some(to_tag), Some(from_tag)) => Ok(Replaces {
            call_id: call_id.to_string(),
            to_tag,
            from_tag,
        }),
        (None, None) => Err("Replaces Without Tags"),
        (None, Some(_)) => Err("Replaces Without To-Tag"),
        (Some(_), None) => Err("Replaces Without From-Tag"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(v: &str) -> Result<ReferTo, &'static str> {
        parse(&[v.to_string()])
    }

    fn user(u: &str) -> ReferTo {
        ReferTo {
            user: u.into(),
            replaces: None,
        }
    }

    #[test]
    fn blind_targets() {
        assert_eq!(one("<sip:1002@198.51.100.1>"), Ok(user("1002")));
        assert_eq!(one("sip:1002@198.51.100.1:5060"), Ok(user("1002")));
        assert_eq!(
            one("\"Li Si\" <sips:agent7@pbx.example.com;transport=tls>;foo=bar"),
            Ok(user("agent7"))
        );
        // addr-spec: what follows ';' belongs to the header, not the URI.
        assert_eq!(one("sip:1002@h;method=INVITE"), Ok(user("1002")));
        assert_eq!(
            one("<sip:%2B8613800000000@[2001:db8::1]:5070>"),
            Ok(user("+8613800000000"))
        );
        assert_eq!(one("<sip:1002:pw@h>"), Ok(user("1002")));
        // Other URI headers are ignored.
        assert_eq!(
            one("<sip:1002@h?Subject=hi&Priority=urgent>"),
            Ok(user("1002"))
        );
    }

    #[test]
    fn attended_targets() {
        let want = |call_id: &str| ReferTo {
            user: "1002".into(),
            replaces: Some(Replaces {
                call_id: call_id.into(),
                to_tag: "111".into(),
                from_tag: "222".into(),
            }),
        };
        assert_eq!(
            one("<sip:1002@host?Replaces=abc%40h%3Bto-tag%3D111%3Bfrom-tag%3D222>"),
            Ok(want("abc@h"))
        );
        // Names in any case, escapes in either case, parameters in any order, others ignored.
        assert_eq!(
            one(
                "<sip:1002@host?x=1&rEpLaCeS=abc%40h%3bFrom-Tag%3d222%3Bearly-only%3bTO-TAG%3D111>"
            ),
            Ok(want("abc@h"))
        );
        // Written without escapes (wrong, but seen): still understood.
        assert_eq!(
            one("<sip:1002@host?Replaces=x%2Cy;to-tag=111;from-tag=222>"),
            Ok(want("x,y"))
        );
    }

    #[test]
    fn refusals_name_the_fault() {
        assert_eq!(parse(&[]), Err("Missing Refer-To"));
        assert_eq!(
            parse(&["<sip:a@h>".into(), "<sip:b@h>".into()]),
            Err("Several Refer-To")
        );
        assert_eq!(one("<sip:a@h>, <sip:b@h>"), Err("Several Refer-To"));
        for bad in ["", " ", "garbage", "<sip:a@h", "<>", "<sip:a b@h>"] {
            assert_eq!(one(bad), Err("Bad Refer-To"), "{bad:?}");
        }
        assert_eq!(one("<tel:+8613800000000>"), Err("Refer-To Not a SIP URI"));
        assert_eq!(one("<http://x@h>"), Err("Refer-To Not a SIP URI"));
        for bad in [
            "sip:@host",
            "<sip:host>",
            "<sip::pw@host>",
            "<sip:host?a=b@c>",
        ] {
            assert_eq!(one(bad), Err("Refer-To Without User"), "{bad:?}");
        }
        assert_eq!(one("<sip:a%0d%0aVia@h>"), Err("Bad Refer-To User"));
        assert_eq!(one("<sip:a@>"), Err("Bad Refer-To Host"));
        assert_eq!(one("<sip:a@h:99999>"), Err("Bad Refer-To Host"));
        let replaces = |r: &str| one(&format!("<sip:1002@h?Replaces={r}>"));
        assert_eq!(replaces(""), Err("Replaces Without Call-ID"));
        assert_eq!(
            replaces("%3Bto-tag%3D1%3Bfrom-tag%3D2"),
            Err("Replaces Without Call-ID")
        );
        assert_eq!(replaces("abc"), Err("Replaces Without Tags"));
        assert_eq!(
            replaces("abc%3Bfrom-tag%3D2"),
            Err("Replaces Without To-Tag")
        );
        assert_eq!(
            replaces("abc%3Bto-tag%3D1"),
            Err("Replaces Without From-Tag")
        );
        assert_eq!(
            replaces("abc%3Bto-tag%3D%3Bfrom-tag%3D2"),
            Err("Replaces Without To-Tag")
        );
        assert_eq!(
            replaces("a%20b%3Bto-tag%3D1%3Bfrom-tag%3D2"),
            Err("Bad Replaces")
        );
        assert_eq!(
            replaces("abc%3Bto-tag%3D1%3Bto-tag%3D3%3Bfrom-tag%3D2"),
            Err("Bad Replaces")
        );
        assert_eq!(
            one("<sip:1002@h?Replaces=a%3Bto-tag%3D1%3Bfrom-tag%3D2&replaces=b%3Bto-tag%3D1%3Bfrom-tag%3D2>"),
            Err("Several Replaces")
        );
    }
}
