//! Fuzzes the SIP message entry point: the parser, the TCP framer, and the whole core
//! (admission, transactions, dialogs, registrar) fed the same bytes over UDP and TCP. The
//! connection's linear framer ([`framing::Framer`]) is fed the bytes in pieces whose sizes
//! come from the input, and must take off exactly what the stateless framer finds.
#![no_main]

use std::time::Instant;

use hotline_sip::engine::{CoreConfig, Input, Now, SipCore};
use hotline_sip::{framing, wire, Peer};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = wire::parse(data);
    let _ = framing::next_frame(data, 65535);
    framers_agree(data);
    let cfg = CoreConfig {
        trunks: vec!["127.0.0.0/8".parse().expect("cidr")],
        ..CoreConfig::default()
    };
    let now = Now {
        mono: Instant::now(),
        unix: 1_700_000_000,
    };
    let mut core = SipCore::new(cfg, Default::default(), [1; 32], now);
    for peer in [
        Peer::udp("127.0.0.1:5060".parse().expect("addr")),
        Peer::tcp("192.0.2.1:5060".parse().expect("addr"), 1),
    ] {
        core.handle(
            now,
            Input::Received {
                peer,
                bytes: data.to_vec(),
            },
        );
        while core.poll_output().is_some() {}
    }
    core.handle_timeout(Now {
        mono: now.mono + std::time::Duration::from_secs(600),
        unix: now.unix + 600,
    });
    while core.poll_output().is_some() {}
});

/// The sizes of the pieces the stream arrives in (1–24 bytes), and the largest message, drawn
/// from the input itself.
fn pieces(data: &[u8]) -> (Vec<usize>, usize) {
    let mut steps = Vec::new();
    let (mut total, mut i) = (0, 0);
    while total < data.len() {
        let step = usize::from(data.get(i % data.len()).copied().unwrap_or(0) % 24) + 1;
        steps.push(step);
        total += step;
        i += 7;
    }
    let max = 64 + usize::from(data.first().copied().unwrap_or(0)) * 16;
    (steps, max)
}

fn framers_agree(data: &[u8]) {
    let (steps, max) = pieces(data);
    assert_eq!(
        framing::frame_stream(data, &steps, max),
        framing::frame_stream_stateless(data, &steps, max),
        "the linear framer and the stateless one disagree"
    );
}
