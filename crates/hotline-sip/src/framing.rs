//! Cutting a TCP byte stream into SIP messages (RFC 3261 §18.3): headers end at CRLFCRLF and
//! Content-Length, mandatory on streams, says how long the body is. Keep-alive CRLFs
//! (RFC 5626 §3.5.1) are recognised. Size limits keep a hostile peer from making us buffer
//! without end.
//!
//! [`Framer`] is what a connection uses: it owns the bytes received and remembers how far it
//! has searched for the end of the headers, so each byte is looked at a bounded number of
//! times however slowly it trickles in (a peer sending one byte per read used to cost a scan
//! of the whole buffer per byte). [`next_frame`] is the stateless form, for a buffer held
//! elsewhere (tests, fuzzing).

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
    if let Some(f) = keepalive(buf) {
        return f;
    }
    match find_crlfcrlf(buf) {
        Some(end) => complete_head(buf, end + 4, max),
        None => headers_unfinished(buf, max),
    }
}

/// A keep-alive (or the start of one) at the front of `buf`. A ping split across reads is
/// still a ping: a lone CRLF waits to see whether another follows.
fn keepalive(buf: &[u8]) -> Option<Frame> {
    if buf.starts_with(b"\r\n\r\n") {
        Some(Frame::Ping(4))
    } else if keepalive_prefix(buf) {
        Some(Frame::Incomplete)
    } else if buf.starts_with(b"\r\n") {
        Some(Frame::Skip(2))
    } else {
        None
    }
}

/// `buf` is the beginning of a CRLFCRLF ping, and nothing else.
fn keepalive_prefix(buf: &[u8]) -> bool {
    !buf.is_empty() && buf.len() < 4 && b"\r\n\r\n".starts_with(buf)
}

/// No CRLFCRLF in `buf` yet: wait, unless the headers already exceed `max`.
fn headers_unfinished(buf: &[u8], max: usize) -> Frame {
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
    Frame::Incomplete
}

/// The headers end at `header_len` (just after CRLFCRLF): the message's fate from its
/// Content-Length and what of its body `buf` holds.
fn complete_head(buf: &[u8], header_len: usize, max: usize) -> Frame {
    let head = buf.get(..header_len.saturating_sub(4)).unwrap_or_default();
    match message_len(head, header_len, max) {
        Err((status, reason)) => Frame::Broken {
            status,
            reason,
            header_len,
        },
        Ok(total) if buf.len() < total => Frame::Incomplete,
        Ok(total) => Frame::Message(total),
    }
}

/// The whole message's length from its header block `head` (without the final CRLFCRLF), or
/// the status to refuse it with.
fn message_len(head: &[u8], header_len: usize, max: usize) -> Result<usize, (u16, &'static str)> {
    let mut content_length = None;
    for line in head.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let (name, value) = line.split_at_checked(colon).unwrap_or_default();
        let value = value.get(1..).unwrap_or_default();
        let name = name.trim_ascii();
        if name.eq_ignore_ascii_case(b"content-length") || name.eq_ignore_ascii_case(b"l") {
            let value = std::str::from_utf8(value.trim_ascii())
                .ok()
                .and_then(|v| v.parse::<usize>().ok());
            match value {
                Some(v) => content_length = Some(v),
                None => return Err((400, "Bad Content-Length")),
            }
        }
    }
    let Some(body_len) = content_length else {
        return Err((400, "Missing Content-Length"));
    };
    let total = header_len.saturating_add(body_len);
    if total > max {
        return Err((513, "Message Too Large"));
    }
    Ok(total)
}

/// Where the first CRLFCRLF (the end of the headers) starts in `hay`.
fn find_crlfcrlf(hay: &[u8]) -> Option<usize> {
    hay.windows(4)
        .position(|w| matches!(w, [b'\r', b'\n', b'\r', b'\n']))
}

/// What [`Framer::take`] took off the stream.
#[derive(Debug, PartialEq, Eq)]
pub enum Framed {
    /// One whole message.
    Message(Vec<u8>),
    /// A double-CRLF keep-alive ping: answer with a single CRLF.
    Ping,
    /// Nothing whole yet: read more.
    Incomplete,
    /// The stream cannot be framed any more: answer `status` using the header lines in
    /// `head` if they allow it, then close the connection.
    Broken {
        status: u16,
        reason: &'static str,
        head: Vec<u8>,
    },
}

/// One connection's receive buffer and framing state. Linear: the search for the end of the
/// headers resumes where it stopped, a known message length is kept until the body is in, and
/// consumed bytes are dropped in bulk, so the work per byte received is O(1).
#[derive(Debug)]
pub struct Framer {
    buf: Vec<u8>,
    /// Where the unconsumed bytes begin in `buf`.
    start: usize,
    /// Bytes after `start` already searched for CRLFCRLF without finding it.
    scanned: usize,
    /// The current message's total length, once its headers are complete.
    total: Option<usize>,
    max: usize,
    /// Bytes searched for CRLFCRLF so far, all messages together (what linearity bounds).
    searched: u64,
}

impl Framer {
    /// A framer accepting messages of at most `max` bytes (headers + body).
    pub fn new(max: usize) -> Framer {
        Framer {
            buf: Vec::new(),
            start: 0,
            scanned: 0,
            total: None,
            max,
            searched: 0,
        }
    }

    /// Appends bytes read from the stream.
    pub fn push(&mut self, bytes: &[u8]) {
        // Drop what was consumed once it is at least half of the buffer: each byte is moved
        // at most once on average.
        if self.start > 0 && self.start * 2 >= self.buf.len() {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        self.buf.extend_from_slice(bytes);
    }

    /// Bytes of an unfinished message are waiting (a lone CRLF, which may be a keep-alive or
    /// the start of a ping, is not a message).
    pub fn pending(&self) -> bool {
        let rest = self.rest();
        let only_keepalive = self.scanned == 0 && keepalive_prefix(rest);
        !rest.is_empty() && !only_keepalive
    }

    /// Takes the next message or keep-alive off the front of the stream.
    pub fn take(&mut self) -> Framed {
        loop {
            // A field borrow, not `self.rest()`: the counters below change while it is held.
            let rest = self.buf.get(self.start..).unwrap_or_default();
            if self.total.is_none() && self.scanned == 0 {
                match keepalive(rest) {
                    Some(Frame::Ping(n)) => {
                        self.consume(n);
                        return Framed::Ping;
                    }
                    Some(Frame::Skip(n)) => {
                        self.consume(n);
                        continue;
                    }
                    Some(_) => return Framed::Incomplete,
                    None if rest.is_empty() => return Framed::Incomplete,
                    None => {}
                }
            }
            let total = match self.total {
                Some(total) => total,
                None => {
                    // Resume three bytes back: a CRLFCRLF may straddle the last read.
                    let from = self.scanned.saturating_sub(3);
                    self.searched += (rest.len() - from) as u64;
                    let unsearched = rest.get(from..).unwrap_or_default();
                    let Some(at) = find_crlfcrlf(unsearched) else {
                        self.scanned = rest.len();
                        return match headers_unfinished(rest, self.max) {
                            Frame::Broken {
                                status,
                                reason,
                                header_len,
                            } => self.broken(status, reason, header_len),
                            _ => Framed::Incomplete,
                        };
                    };
                    let header_len = from + at + 4;
                    let head = rest.get(..from + at).unwrap_or_default();
                    match message_len(head, header_len, self.max) {
                        Ok(total) => {
                            self.total = Some(total);
                            total
                        }
                        Err((status, reason)) => return self.broken(status, reason, header_len),
                    }
                }
            };
            let Some(message) = rest.get(..total) else {
                return Framed::Incomplete;
            };
            let message = message.to_vec();
            self.consume(total);
            return Framed::Message(message);
        }
    }

    /// Bytes searched for the end of headers so far (for tests of the work per byte).
    pub fn searched(&self) -> u64 {
        self.searched
    }

    fn consume(&mut self, n: usize) {
        self.start += n;
        self.scanned = 0;
        self.total = None;
        if self.start == self.buf.len() {
            self.buf.clear();
            self.start = 0;
        }
    }

    /// The bytes not consumed yet (`start` never passes the end of `buf`).
    fn rest(&self) -> &[u8] {
        self.buf.get(self.start..).unwrap_or_default()
    }

    fn broken(&mut self, status: u16, reason: &'static str, header_len: usize) -> Framed {
        let rest = self.rest();
        let head = rest.get(..header_len).unwrap_or(rest).to_vec();
        // Nothing more can be framed on this stream.
        self.buf.clear();
        self.start = 0;
        self.scanned = 0;
        self.total = None;
        Framed::Broken {
            status,
            reason,
            head,
        }
    }
}
/// Frames `stream` arriving in pieces of `steps` bytes with a [`Framer`]: every message and
/// ping taken off, up to and including a `Broken` (the connection would close there). For
/// tests and fuzzing, which compare it with [`frame_stream_stateless`].
pub fn frame_stream(stream: &[u8], steps: &[usize], max: usize) -> Vec<Framed> {
    let (mut f, mut got, mut at) = (Framer::new(max), Vec::new(), 0usize);
    for &step in steps {
        let end = at.saturating_add(step).min(stream.len());
        f.push(stream.get(at..end).unwrap_or_default());
        at = end;
        loop {
            match f.take() {
                Framed::Incomplete => break,
                b @ Framed::Broken { .. } => {
                    got.push(b);
                    return got;
                }
                other => got.push(other),
            }
        }
    }
    got
}

/// The same with [`next_frame`] over a growing buffer, as connections framed before
/// [`Framer`]: the oracle the linear framer must agree with.
pub fn frame_stream_stateless(stream: &[u8], steps: &[usize], max: usize) -> Vec<Framed> {
    let (mut buf, mut got, mut at) = (Vec::new(), Vec::new(), 0usize);
    for &step in steps {
        let end = at.saturating_add(step).min(stream.len());
        buf.extend_from_slice(stream.get(at..end).unwrap_or_default());
        at = end;
        loop {
            match next_frame(&buf, max) {
                Frame::Incomplete => break,
                Frame::Skip(n) => {
                    buf.drain(..n);
                }
                Frame::Ping(n) => {
                    buf.drain(..n);
                    got.push(Framed::Ping);
                }
                Frame::Message(n) => got.push(Framed::Message(buf.drain(..n).collect())),
                Frame::Broken {
                    status,
                    reason,
                    header_len,
                } => {
                    let head = buf.get(..header_len).unwrap_or(&buf).to_vec();
                    got.push(Framed::Broken {
                        status,
                        reason,
                        head,
                    });
                    return got;
                }
            }
        }
    }
    got
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

    /// Feeds `stream` to a framer `step` bytes at a time; what it took off, in order.
    fn frame_in_steps(stream: &[u8], step: usize, max: usize) -> (Vec<Framed>, Framer) {
        let mut f = Framer::new(max);
        let mut got = Vec::new();
        for chunk in stream.chunks(step) {
            f.push(chunk);
            loop {
                match f.take() {
                    Framed::Incomplete => break,
                    other => got.push(other),
                }
            }
        }
        (got, f)
    }

    #[test]
    fn framer_cuts_a_stream_however_it_arrives() {
        let mut stream = b"\r\n\r\n".to_vec();
        stream.extend_from_slice(MSG);
        stream.extend_from_slice(b"\r\n");
        stream.extend_from_slice(MSG);
        let big = b"INVITE sip:x SIP/2.0\r\nContent-Length: 5\r\n\r\nhello";
        stream.extend_from_slice(big);
        let want = vec![
            Framed::Ping,
            Framed::Message(MSG.to_vec()),
            Framed::Message(MSG.to_vec()),
            Framed::Message(big.to_vec()),
        ];
        for step in [1, 2, 3, 5, 7, 64, stream.len()] {
            let (got, f) = frame_in_steps(&stream, step, 65535);
            assert_eq!(got, want, "step {step}");
            assert!(!f.pending(), "step {step}");
        }
        let mut f = Framer::new(65535);
        f.push(&MSG[..10]);
        assert_eq!(f.take(), Framed::Incomplete);
        assert!(f.pending());
        // A lone CRLF (a keep-alive some phones send) is not a message under way.
        let mut f = Framer::new(65535);
        f.push(b"\r\n");
        assert_eq!(f.take(), Framed::Incomplete);
        assert!(!f.pending());
        f.push(b"OPT");
        assert_eq!(f.take(), Framed::Incomplete);
        assert!(f.pending());
    }

    #[test]
    fn framer_refuses_what_cannot_be_framed() {
        let mut f = Framer::new(100);
        f.push(b"OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\n\r\n");
        assert!(matches!(
            f.take(),
            Framed::Broken { status: 400, reason: "Missing Content-Length", ref head } if head.len() == 61
        ));
        assert!(!f.pending());
        // Headers that never end, a byte at a time: refused once past the limit, with the
        // complete lines kept for the answer.
        let mut f = Framer::new(200);
        let mut long =
            b"OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\nSubject: ".to_vec();
        long.extend(vec![b'x'; 300]);
        let mut refused = None;
        for (i, b) in long.iter().enumerate() {
            f.push(std::slice::from_ref(b));
            if let Framed::Broken { status, head, .. } = f.take() {
                refused = Some((i, status, head.len()));
                break;
            }
        }
        assert_eq!(refused, Some((200, 513, 59)));
        let mut f = Framer::new(65535);
        f.push(b"OPTIONS sip:x SIP/2.0\r\nl: 99999999\r\n\r\n");
        assert!(matches!(f.take(), Framed::Broken { status: 513, .. }));
    }

    /// The trickle attack: a header sent one byte per read. Each byte is searched a bounded
    /// number of times (the old framer searched the whole buffer on every read: n²/2).
    #[test]
    fn framer_work_is_linear_in_the_bytes_received() {
        let mut head = b"OPTIONS sip:x SIP/2.0\r\n".to_vec();
        while head.len() < 60_000 {
            head.extend_from_slice(b"X-Pad: 0123456789\r\n");
        }
        head.extend_from_slice(b"Content-Length: 0\r\n\r\n");
        let mut f = Framer::new(65535);
        let mut messages = 0;
        for b in &head {
            f.push(std::slice::from_ref(b));
            if let Framed::Message(m) = f.take() {
                assert_eq!(m.len(), head.len());
                messages += 1;
            }
        }
        assert_eq!(messages, 1);
        assert!(
            f.searched() <= 4 * head.len() as u64,
            "searched {} bytes for a {}-byte message",
            f.searched(),
            head.len()
        );
    }

    /// Random streams of messages, pings, stray CRLFs and broken messages, cut at random:
    /// the linear framer takes off exactly what the stateless one does.
    #[test]
    fn framer_agrees_with_the_stateless_framer() {
        use rand::{rngs::StdRng, Rng, SeedableRng};
        let mut rng = StdRng::from_seed([42; 32]);
        let pieces: [&[u8]; 7] = [
            MSG,
            b"\r\n\r\n",
            b"\r\n",
            b"INVITE sip:x SIP/2.0\r\nContent-Length:  2\r\n\r\nab",
            b"BYE sip:x SIP/2.0\r\nl: 0\r\nX: \r\n\r\n",
            b"OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\n\r\n",
            b"OPTIONS sip:x SIP/2.0\r\nSubject: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        ];
        for round in 0..500 {
            let mut stream = Vec::new();
            for _ in 0..rng.random_range(1..12) {
                stream.extend_from_slice(pieces[rng.random_range(0..pieces.len())]);
            }
            let mut steps = Vec::new();
            let mut total = 0;
            while total < stream.len() {
                let step = rng.random_range(1..24);
                steps.push(step);
                total += step;
            }
            let max = rng.random_range(40..200);
            let oracle = frame_stream_stateless(&stream, &steps, max);
            let got = frame_stream(&stream, &steps, max);
            assert_eq!(got, oracle, "round {round}, max {max}, steps {steps:?}");
        }
    }
}
