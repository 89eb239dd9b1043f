//! Fuzzes the SIP message entry point: the parser, the TCP framer, and the whole core
//! (admission, transactions, dialogs, registrar) fed the same bytes over UDP and TCP.
#![no_main]

use std::time::Instant;

use hotline_sip::engine::{CoreConfig, Input, Now, SipCore};
use hotline_sip::{framing, wire, Peer};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = wire::parse(data);
    let _ = framing::next_frame(data, 65535);
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
