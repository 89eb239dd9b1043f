//! Micro-benchmarks of the SIP hot path: parsing a message (`wire::parse`, folded and not)
//! and framing a TCP stream (`framing::Framer` and the stateless `next_frame`).
//!
//! Prints the median time per message of 7 rounds. Run: `cargo bench -p hotline-sip --bench
//! parse` (without `--bench`, as under `cargo test --benches`, a short smoke run).

use std::hint::black_box;

#[path = "../../../benches/common/micro.rs"]
mod micro;

use hotline_sip::framing::{next_frame, Framed, Framer};
use hotline_sip::wire;

const INVITE: &str = "INVITE sip:95598@198.51.100.1 SIP/2.0\r\n\
Via: SIP/2.0/UDP 203.0.113.7:5060;branch=z9hG4bK776asdhds;rport\r\n\
Max-Forwards: 70\r\n\
To: <sip:95598@198.51.100.1>\r\n\
From: \"Wang\" <sip:13800138000@203.0.113.7>;tag=1928301774\r\n\
Call-ID: a84b4c76e66710@203.0.113.7\r\n\
CSeq: 314159 INVITE\r\n\
Contact: <sip:13800138000@203.0.113.7:5060>\r\n\
Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, INFO\r\n\
User-Agent: Linphone/5.2.0\r\n\
Content-Type: application/sdp\r\n\
Content-Length: 188\r\n\
\r\n\
v=0\r\n\
o=wang 2890844526 2890844526 IN IP4 203.0.113.7\r\n\
s=-\r\n\
c=IN IP4 203.0.113.7\r\n\
t=0 0\r\n\
m=audio 49170 RTP/AVP 0 8 101\r\n\
a=rtpmap:0 PCMU/8000\r\n\
a=rtpmap:101 telephone-event/8000\r\n\
a=sendrecv\r\n";

fn main() {
    let smoke = micro::smoke();
    let invite = INVITE.as_bytes();
    assert!(wire::parse(invite).is_ok(), "the benchmark's INVITE parses");
    let folded = INVITE.replace("Max-Forwards: 70\r\n", "Max-Forwards:\r\n 70\r\n");
    assert!(
        wire::parse(folded.as_bytes()).is_ok(),
        "the folded INVITE parses"
    );

    micro::measure("wire::parse INVITE", 1, smoke, || {
        let _ = black_box(wire::parse(black_box(invite)));
    });
    micro::measure("wire::parse INVITE, one folded line", 1, smoke, || {
        let _ = black_box(wire::parse(black_box(folded.as_bytes())));
    });
    micro::measure("framing::next_frame INVITE", 1, smoke, || {
        black_box(next_frame(black_box(invite), 65_535));
    });
    // 100 INVITEs back to back, arriving in 1,400-byte reads.
    let stream = invite.repeat(100);
    micro::measure(
        "Framer: 100 INVITEs in 1,400-byte reads",
        100,
        smoke,
        || {
            let mut f = Framer::new(65_535);
            let mut got = 0;
            for chunk in stream.chunks(1400) {
                f.push(chunk);
                while let Framed::Message(m) = f.take() {
                    got += m.len();
                }
            }
            assert_eq!(got, stream.len());
        },
    );
}
