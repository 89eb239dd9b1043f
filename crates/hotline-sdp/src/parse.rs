//! SDP text to [`SessionDescription`].
//!
//! Liberal where real phones differ — `\n` or `\r\n`, blank lines, trailing blanks, unknown
//! line types and attributes, an `a=rtpmap` we cannot read (kept raw, otherwise ignored) —
//! and strict where a mistake would send audio to the wrong place or echo garbage back: the
//! first line must be `v=0`, `o=` must be whole, `c=` must hold an IP address of its type,
//! `m=` must have a port, a profile and at least one format, and no line may carry control
//! characters. Size is bounded by [`MAX_SDP_BYTES`] and [`MAX_MEDIA`].

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::{
    Attribute, Direction, Fmtp, MediaDescription, Origin, RtpMap, SdpError, SessionDescription,
    MAX_MEDIA, MAX_SDP_BYTES,
};

impl SessionDescription {
    /// Parses an SDP body. Line numbers in errors count from 1, blank lines included.
    pub fn parse(text: &str) -> Result<SessionDescription, SdpError> {
        if text.len() > MAX_SDP_BYTES {
            return Err(SdpError::TooLarge(text.len()));
        }
        let mut lines = text
            .split('\n')
            .enumerate()
            .map(|(i, l)| (i + 1, l.strip_suffix('\r').unwrap_or(l).trim_end()))
            .filter(|(_, l)| !l.is_empty());
        let (n, first) = lines.next().ok_or(SdpError::Empty)?;
        if first != "v=0" {
            return Err(malformed(n, "the first line must be v=0"));
        }
        let mut origin = None;
        let mut sdp = SessionDescription {
            origin: Origin {
                username: String::new(),
                session_id: String::new(),
                session_version: String::new(),
                address: String::new(),
            },
            session_name: String::new(),
            connection: None,
            direction: None,
            attributes: Vec::new(),
            media: Vec::new(),
        };
        for (n, line) in lines {
            let (kind, value) = split_line(n, line)?;
            match kind {
                b'v' => return Err(malformed(n, "a second v= line")),
                b'o' if sdp.media.is_empty() => origin = Some(parse_origin(n, value)?),
                b's' if sdp.media.is_empty() => sdp.session_name = value.to_string(),
                b'c' => {
                    let addr = parse_connection(n, value)?;
                    let slot = match sdp.media.last_mut() {
                        Some(m) => &mut m.connection,
                        None => &mut sdp.connection,
                    };
                    slot.get_or_insert(addr);
                }
                b'm' => {
                    if sdp.media.len() == MAX_MEDIA {
                        return Err(SdpError::TooManyMedia);
                    }
                    sdp.media.push(parse_media(n, value)?);
                }
                b'a' => {
                    let attr = parse_attribute(n, value)?;
                    match sdp.media.last_mut() {
                        Some(m) => media_attribute(m, attr),
                        None => {
                            if let Some(d) = Direction::from_attribute(&attr.name) {
                                sdp.direction = Some(d);
                            }
                            sdp.attributes.push(attr);
                        }
                    }
                }
                // t=, b=, i=, u=, e=, p=, r=, z=, k=: nothing we act on.
                _ => {}
            }
        }
        sdp.origin = origin.ok_or(SdpError::Missing("o="))?;
        Ok(sdp)
    }
}

fn malformed(line: usize, reason: &'static str) -> SdpError {
    SdpError::Malformed { line, reason }
}

/// `<letter>=<value>`, with no control characters but tab.
fn split_line(n: usize, line: &str) -> Result<(u8, &str), SdpError> {
    let Some((&[kind], value)) = line.split_once('=').map(|(k, v)| (k.as_bytes(), v)) else {
        return Err(malformed(n, "not a <type>=<value> line"));
    };
    if !kind.is_ascii_lowercase() {
        return Err(malformed(n, "not a <type>=<value> line"));
    }
    if line.chars().any(|c| c.is_control() && c != '\t') {
        return Err(malformed(n, "control character"));
    }
    Ok((kind, value))
}

fn parse_origin(n: usize, value: &str) -> Result<Origin, SdpError> {
    let f: Vec<&str> = value.split_whitespace().collect();
    let [username, session_id, session_version, _nettype, _addrtype, address] = f.as_slice() else {
        return Err(malformed(n, "o= needs six fields"));
    };
    Ok(Origin {
        username: username.to_string(),
        session_id: session_id.to_string(),
        session_version: session_version.to_string(),
        address: address.to_string(),
    })
}

/// `IN IP4 <address>[/ttl[/count]]` or `IN IP6 <address>[/count]`.
fn parse_connection(n: usize, value: &str) -> Result<IpAddr, SdpError> {
    let f: Vec<&str> = value.split_whitespace().collect();
    let [nettype, addrtype, address] = f.as_slice() else {
        return Err(malformed(n, "c= needs three fields"));
    };
    if !nettype.eq_ignore_ascii_case("IN") {
        return Err(malformed(n, "c= network type is not IN"));
    }
    let address = address.split('/').next().unwrap_or(address);
    if addrtype.eq_ignore_ascii_case("IP4") {
        address
            .parse::<Ipv4Addr>()
            .map(IpAddr::V4)
            .map_err(|_| malformed(n, "c= address is not an IPv4 address"))
    } else if addrtype.eq_ignore_ascii_case("IP6") {
        address
            .parse::<Ipv6Addr>()
            .map(IpAddr::V6)
            .map_err(|_| malformed(n, "c= address is not an IPv6 address"))
    } else {
        Err(malformed(n, "c= address type is not IP4 or IP6"))
    }
}

/// `<media> <port>[/<count>] <proto> <fmt> ...`
fn parse_media(n: usize, value: &str) -> Result<MediaDescription, SdpError> {
    let f: Vec<&str> = value.split_whitespace().collect();
    let [media, port, proto, formats @ ..] = f.as_slice() else {
        return Err(malformed(n, "m= needs media, port, profile and formats"));
    };
    if formats.is_empty() {
        return Err(malformed(n, "m= needs media, port, profile and formats"));
    }
    if !f.iter().all(|t| t.bytes().all(|b| b.is_ascii_graphic())) {
        return Err(malformed(n, "m= has a non-ASCII token"));
    }
    let (port, count) = match port.split_once('/') {
        Some((p, c)) => (p, Some(c)),
        None => (*port, None),
    };
    let port = port
        .parse::<u16>()
        .map_err(|_| malformed(n, "m= port is not a number 0-65535"))?;
    let port_count = count
        .map(|c| c.parse::<u16>())
        .transpose()
        .map_err(|_| malformed(n, "m= port count is not a number"))?;
    Ok(MediaDescription {
        media: media.to_string(),
        port,
        port_count,
        proto: proto.to_string(),
        formats: formats.iter().map(|s| s.to_string()).collect(),
        connection: None,
        direction: None,
        ptime: None,
        rtpmaps: Vec::new(),
        fmtps: Vec::new(),
        attributes: Vec::new(),
    })
}

/// `<name>[:<value>]`.
fn parse_attribute(n: usize, value: &str) -> Result<Attribute, SdpError> {
    let (name, value) = match value.split_once(':') {
        Some((name, v)) => (name, Some(v.trim().to_string())),
        None => (value, None),
    };
    if name.is_empty() || name.contains(char::is_whitespace) {
        return Err(malformed(n, "a= has no attribute name"));
    }
    Ok(Attribute {
        name: name.to_string(),
        value,
    })
}

/// Files an m= level attribute, reading the ones negotiation needs.
fn media_attribute(m: &mut MediaDescription, attr: Attribute) {
    let value = attr.value.as_deref().unwrap_or("");
    match attr.name.to_ascii_lowercase().as_str() {
        "rtpmap" => m.rtpmaps.extend(parse_rtpmap(value)),
        "fmtp" => m.fmtps.extend(parse_fmtp(value)),
        "ptime" => m.ptime = value.parse().ok().or(m.ptime),
        name => {
            if let Some(d) = Direction::from_attribute(name) {
                m.direction = Some(d);
            }
        }
    }
    m.attributes.push(attr);
}

/// `<pt> <encoding>/<rate>[/<channels>]`; `None` if unreadable.
fn parse_rtpmap(value: &str) -> Option<RtpMap> {
    let (pt, rest) = value.split_once(char::is_whitespace)?;
    let mut parts = rest.trim().split('/');
    let encoding = parts.next().filter(|e| !e.is_empty())?;
    let clock_rate = parts.next()?.parse().ok()?;
    let channels = match parts.next() {
        Some(c) => Some(c.parse().ok()?),
        None => None,
    };
    if parts.next().is_some() {
        return None;
    }
    Some(RtpMap {
        payload_type: pt.parse().ok().filter(|&pt: &u8| pt <= 127)?,
        encoding: encoding.to_string(),
        clock_rate,
        channels,
    })
}

/// `<pt> <parameters>`; `None` if unreadable.
fn parse_fmtp(value: &str) -> Option<Fmtp> {
    let (pt, params) = value.split_once(char::is_whitespace)?;
    Some(Fmtp {
        payload_type: pt.parse().ok().filter(|&pt: &u8| pt <= 127)?,
        params: params.trim().to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    const LINPHONE: &str = "v=0\r\n\
        o=alice 2890 2891 IN IP4 192.168.1.20\r\n\
        s=Talk\r\n\
        c=IN IP4 192.168.1.20\r\n\
        t=0 0\r\n\
        a=rtcp-xr:rcvr-rtt=all:10000 stat-summary=loss,dup,jitter,TTL voip-metrics\r\n\
        m=audio 7078 RTP/AVP 96 97 0 8 101\r\n\
        a=rtpmap:96 opus/48000/2\r\n\
        a=fmtp:96 useinbandfec=1\r\n\
        a=rtpmap:97 speex/16000\r\n\
        a=rtpmap:101 telephone-event/8000\r\n\
        a=ptime:20\r\n\
        m=video 9078 RTP/AVP 96\r\n\
        c=IN IP4 192.168.1.21\r\n\
        a=rtpmap:96 VP8/90000\r\n\
        a=sendonly\r\n";

    #[test]
    fn a_full_offer() {
        let sdp = SessionDescription::parse(LINPHONE).expect("parses");
        assert_eq!(sdp.origin.username, "alice");
        assert_eq!(sdp.origin.session_version, "2891");
        assert_eq!(sdp.session_name, "Talk");
        assert_eq!(sdp.connection, Some("192.168.1.20".parse().expect("ip")));
        assert_eq!(sdp.attributes.len(), 1);
        assert_eq!(sdp.media.len(), 2);
        let audio = &sdp.media[0];
        assert_eq!((audio.media.as_str(), audio.port), ("audio", 7078));
        assert_eq!(audio.formats, ["96", "97", "0", "8", "101"]);
        assert_eq!(audio.rtpmaps.len(), 3);
        assert_eq!(audio.rtpmap(96).map(|m| m.channels), Some(Some(2)));
        assert_eq!(audio.ptime, Some(20));
        assert_eq!(sdp.connection_for(audio), sdp.connection);
        assert_eq!(sdp.direction_for(audio), Direction::SendRecv);
        let video = &sdp.media[1];
        assert_eq!(
            sdp.connection_for(video),
            Some("192.168.1.21".parse().expect("ip"))
        );
        assert_eq!(sdp.direction_for(video), Direction::SendOnly);
    }

    #[test]
    fn bare_newlines_blank_lines_and_trailing_blanks() {
        let text = LINPHONE.replace("\r\n", "  \n\n");
        assert_eq!(
            SessionDescription::parse(&text),
            SessionDescription::parse(LINPHONE)
        );
    }

    #[test]
    fn media_level_direction_overrides_session_level() {
        let sdp = SessionDescription::parse(
            "v=0\no=- 1 1 IN IP4 h\ns=-\nc=IN IP4 10.0.0.1\nt=0 0\na=sendonly\n\
             m=audio 4000 RTP/AVP 0\nm=audio 4002 RTP/AVP 0\na=inactive\n",
        )
        .expect("parses");
        assert_eq!(sdp.direction, Some(Direction::SendOnly));
        assert_eq!(sdp.direction_for(&sdp.media[0]), Direction::SendOnly);
        assert_eq!(sdp.direction_for(&sdp.media[1]), Direction::Inactive);
    }

    #[test]
    fn ipv6_multicast_suffixes_and_port_counts() {
        let sdp = SessionDescription::parse(
            "v=0\no=- 1 1 IN IP6 ::1\ns=-\nc=IN IP6 2001:db8::5\nt=0 0\n\
             m=audio 4000/2 RTP/AVP 0\nc=IN IP4 224.2.1.1/127/3\n",
        )
        .expect("parses");
        assert_eq!(sdp.connection, Some("2001:db8::5".parse().expect("ip")));
        assert_eq!(sdp.media[0].port_count, Some(2));
        assert_eq!(
            sdp.media[0].connection,
            Some("224.2.1.1".parse().expect("ip"))
        );
    }

    #[test]
    fn unreadable_rtpmap_fmtp_and_ptime_are_kept_raw_and_ignored() {
        let sdp = SessionDescription::parse(
            "v=0\no=- 1 1 IN IP4 h\ns=-\nt=0 0\nm=audio 4000 RTP/AVP 0 8\n\
             a=rtpmap:0 PCMU\na=rtpmap:200 PCMU/8000\na=rtpmap:8 PCMA/8000/1/9\n\
             a=fmtp:x 0-15\na=ptime:twenty\na=x-odd\n",
        )
        .expect("parses");
        let m = &sdp.media[0];
        assert!(m.rtpmaps.is_empty() && m.fmtps.is_empty() && m.ptime.is_none());
        assert_eq!(m.attributes.len(), 6);
        assert_eq!(m.attributes[5].value, None);
    }

    #[test]
    fn refusals_say_where_and_why() {
        let bad = |text: &str| SessionDescription::parse(text).expect_err(text);
        assert_eq!(bad(""), SdpError::Empty);
        assert_eq!(bad("\r\n\n"), SdpError::Empty);
        assert!(matches!(bad("hello"), SdpError::Malformed { line: 1, .. }));
        assert!(matches!(bad("v=1\n"), SdpError::Malformed { line: 1, .. }));
        assert_eq!(bad("v=0\ns=-\n"), SdpError::Missing("o="));
        let head = "v=0\no=- 1 1 IN IP4 h\n";
        for tail in [
            "o=- 1 IN IP4 h\n",
            "c=IN IP4 example.com\n",
            "c=IN IP4 ::1\n",
            "c=IN IP6 10.0.0.1\n",
            "c=ATM NSAP 1\n",
            "c=IN IP4\n",
            "m=audio 70000 RTP/AVP 0\n",
            "m=audio 4000 RTP/AVP\n",
            "m=audio x RTP/AVP 0\n",
            "m=audio 4000/x RTP/AVP 0\n",
            "m=audio 4000 RTP/AVP 0 \u{e9}\n",
            "a=\n",
            "a=:x\n",
            "x\n",
            "X=1\n",
            "s=a\u{0}b\n",
            "v=0\n",
        ] {
            let text = format!("{head}{tail}");
            assert!(
                matches!(bad(&text), SdpError::Malformed { line: 3, .. }),
                "{tail:?}"
            );
        }
    }

    #[test]
    fn bounded() {
        let head = "v=0\no=- 1 1 IN IP4 h\ns=-\nt=0 0\n";
        let big = format!("{head}{}", "a=x\n".repeat(MAX_SDP_BYTES / 4));
        assert_eq!(
            SessionDescription::parse(&big),
            Err(SdpError::TooLarge(big.len()))
        );
        let many = format!("{head}{}", "m=audio 0 RTP/AVP 0\n".repeat(MAX_MEDIA));
        assert_eq!(
            SessionDescription::parse(&many).map(|s| s.media.len()),
            Ok(MAX_MEDIA)
        );
        let too_many = format!("{many}m=audio 0 RTP/AVP 0\n");
        assert_eq!(
            SessionDescription::parse(&too_many),
            Err(SdpError::TooManyMedia)
        );
    }

    #[test]
    fn every_truncation_and_random_damage_is_handled() {
        for end in 0..=LINPHONE.len() {
            if let Some(prefix) = LINPHONE.get(..end) {
                let _ = SessionDescription::parse(prefix);
            }
        }
        // Cut inside an m= line: refused, not half-read.
        let cut = &LINPHONE[..LINPHONE.find("m=audio").expect("m=") + 18];
        assert!(matches!(
            SessionDescription::parse(cut),
            Err(SdpError::Malformed { .. })
        ));
        let mut rng = rand::rngs::StdRng::seed_from_u64(4566);
        for _ in 0..2000 {
            let mut bytes = LINPHONE.as_bytes().to_vec();
            for _ in 0..rng.random_range(1..8) {
                let i = rng.random_range(0..bytes.len());
                bytes[i] = rng.random();
            }
            let _ = SessionDescription::parse(&String::from_utf8_lossy(&bytes));
        }
    }
}
