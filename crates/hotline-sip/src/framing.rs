//! Cutting a TCP byte stream into SIP messages (RFC 3261 §18.3): headers end at CRLFCRLF and
//! Content-Length, mandatory on streams, says how long the body is. Keep-alive CRLFs
//! (RFC 5626 §3.5.1) are recognised. Size limits keep a hostile peer from making us buffer
//! without end.

/// What the framer found at the head of the buffer.
#[derive(Debug, PartialEq, Eq)]
pub enum Frame {
    /// A whole message of this many bytes is at the front of the buffer.
    Message(usize),
    /// A double-CRLF keep-alive ping of this many bytes (answer with a single CRLF).
    Ping(usize),
    /// A lone CRLF (pong or stray line end) of this many bytes: skip it.
    Skip(usize),
    /// Not enough bytes yet.
    Incomplete,
    /// The stream cannot be framed any more: answer `status` if the headers allow it, then
    /// close the connection. `header_len` bytes of headers are available for the answer.
    Broken {
        status: u16,
        reason: &'static str,
        header_len: usize,
    },
}

/// Looks at the front of `buf`. `max` is the largest message accepted (headers + body).
pub fn next_frame(buf: &[u8], max: usize) -> Frame {
    if buf.starts_with(b"\r\n\r\n") {
        return Frame::Ping(4);
    }
    if buf.starts_with(b"\r\n") {
        return Frame::Skip(2);
    }
    if buf == b"\r" {
        return Frame::Incomplete;
    }
    let Some(end) = find(buf, b"\r\n\r\n") else {
        if buf.len() > max {
            // The complete header lines so far may still be enough to answer (Via, CSeq…).
            let complete = buf
                .windows(2)
                .rposition(|w| w == b"\r\n")
                .map_or(0, |i| i + 2);
            return Frame::Broken {
                status: 513,
                reason: "Message Too Large",
                header_len: complete,
            };
        }
        return Frame::Incomplete;
    };
    let header_len = end + 4;
    let mut content_length = None;
    let head = &buf[..end];
    for line in head.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let name = trim(&line[..colon]);
        if name.eq_ignore_ascii_case(b"content-length") || name.eq_ignore_ascii_case(b"l") {
            let value = std::str::from_utf8(trim(&line[colon + 1..]))
                .ok()
                .and_then(|v| v.parse::<usize>().ok());
            match value {
                Some(v) => content_length = Some(v),
                None => {
                    return Frame::Broken {
                        status: 400,
                        reason: "Bad Content-Length",
                        header_len,
                    }
                }
            }
        }
    }
    let Some(body_len) = content_length else {
        return Frame::Broken {
            status: 400,
            reason: "Missing Content-Length",
            header_len,
        };
    };
    let total = header_len.saturating_add(body_len);
    if total > max {
        return Frame::Broken {
            status: 513,
            reason: "Message Too Large",
            header_len,
        };
    }
    if buf.len() < total {
        return Frame::Incomplete;
    }
    Frame::Message(total)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn trim(b: &[u8]) -> &[u8] {
    let start = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    let end = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    &b[start..end.max(start)]
}

#[cfg(test)]
mod tests {
    use super::*;

    const MSG: &[u8] = b"OPTIONS sip:x SIP/2.0\r\nl: 3\r\n\r\nabc";

    #[test]
    fn frames_whole_messages_and_waits_for_more() {
        assert_eq!(next_frame(MSG, 65535), Frame::Message(MSG.len()));
        for cut in 1..MSG.len() {
            assert_eq!(next_frame(&MSG[..cut], 65535), Frame::Incomplete, "{cut}");
        }
        let mut two = MSG.to_vec();
        two.extend_from_slice(MSG);
        assert_eq!(next_frame(&two, 65535), Frame::Message(MSG.len()));
    }

    #[test]
    fn keepalives() {
        assert_eq!(next_frame(b"\r\n\r\nINVITE", 100), Frame::Ping(4));
        assert_eq!(next_frame(b"\r\nINVITE", 100), Frame::Skip(2));
    }

    #[test]
    fn refuses_what_cannot_be_framed() {
        assert!(matches!(
            next_frame(b"OPTIONS sip:x SIP/2.0\r\n\r\n", 100),
            Frame::Broken { status: 400, .. }
        ));
        assert!(matches!(
            next_frame(b"OPTIONS sip:x SIP/2.0\r\nContent-Length: -1\r\n\r\n", 100),
            Frame::Broken { status: 400, .. }
        ));
        assert!(matches!(
            next_frame(
                b"OPTIONS sip:x SIP/2.0\r\nContent-Length: 99999999\r\n\r\n",
                65535
            ),
            Frame::Broken { status: 513, .. }
        ));
        let endless = vec![b'a'; 70_000];
        assert!(matches!(
            next_frame(&endless, 65535),
            Frame::Broken {
                status: 513,
                header_len: 0,
                ..
            }
        ));
        // A huge header after the ones a response needs: they stay available for the 513.
        let mut long =
            b"OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\nSubject: ".to_vec();
        long.extend(vec![b'x'; 70_000]);
        assert!(matches!(
            next_frame(&long, 65535),
            Frame::Broken {
                status: 513,
                header_len: 59,
                ..
            }
        ));
    }
}
