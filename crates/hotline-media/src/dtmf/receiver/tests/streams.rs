//! Reordering, odd packets, long presses, wrapping and restarting streams.

use super::*;

#[test]
fn reordered_packets_within_a_press_keep_the_longest_duration() {
    let mut rx = Rx::new();
    let p = press(12, 0, 1, 0, 150);
    // End first, then the start and the updates.
    let order = [4, 0, 1, 2, 3, 5];
    let shuffled: Vec<_> = order.iter().map(|&i| p[i]).collect();
    let events = run(&mut rx, &shuffled);
    assert_eq!(
        events,
        vec![started('A', 0), digit('A', 150, 0, EndReason::EndPacket)]
    );
}

#[test]
fn a_late_update_does_not_shorten_the_press() {
    let mut rx = Rx::new();
    let mut events = rx.feed(0, pkt(0, 1, 3, 400).start());
    events.extend(rx.feed(100, pkt(0, 3, 3, 1200)));
    events.extend(rx.feed(110, pkt(0, 2, 3, 800))); // overtaken on the way
    events.extend(rx.poll(400)); // the end packets are lost
    assert_eq!(
        events,
        vec![started('3', 0), digit('3', 150, 0, EndReason::Timeout)]
    );
}

#[test]
fn an_older_press_seen_only_after_a_newer_one_is_dropped_to_keep_the_order() {
    let mut rx = Rx::new();
    let old = press(1, 0, 1, 0, 100);
    let new = press(2, 1600, 10, 200, 100);
    let mut events = run(&mut rx, &new);
    events.extend(run(
        &mut rx,
        &old.iter().map(|&(ms, p)| (ms + 400, p)).collect::<Vec<_>>(),
    ));
    assert_eq!(
        events,
        vec![
            started('2', 1600),
            digit('2', 100, 1600, EndReason::EndPacket)
        ]
    );
}

#[test]
fn a_late_end_packet_many_presses_later_is_still_ignored() {
    let mut rx = Rx::new();
    let first = press(3, 0, 1, 0, 100);
    let mut events = run(&mut rx, &first);
    for k in 1..=(RECENT_EVENTS as u32 + 4) {
        let seq = (k * 10) as u16;
        events.extend(run(
            &mut rx,
            &press(4, k * 2400, seq, u64::from(k) * 300, 100),
        ));
    }
    let late = *first.last().expect("packets");
    assert!(
        rx.feed(5000, late.1).is_empty(),
        "out of the recent list, caught as stale"
    );
    assert_eq!(events.len(), 2 * (RECENT_EVENTS + 5));
}

#[test]
fn unsupported_events_are_reported_once_and_end_the_press_before_them() {
    let mut rx = Rx::new();
    let start = pkt(0, 1, 1, 400).start();
    assert_eq!(rx.feed(0, start), vec![started('1', 0)]);
    let flash = TelephoneEvent::new(16, false, 10, 160).encode();
    let packet = |seq| RtpEventPacket {
        timestamp: 800,
        sequence: seq,
        marker: true,
        payload: &flash,
    };
    assert_eq!(
        rx.rx.handle_packet(packet(2), rx.at(100)),
        Err(DtmfError::Unsupported { event: 16 })
    );
    assert_eq!(rx.poll(100), vec![digit('1', 50, 0, EndReason::NextEvent)]);
    assert_eq!(
        rx.rx.handle_packet(packet(3), rx.at(150)),
        Ok(()),
        "reported once"
    );
    assert!(rx.poll(1000).is_empty());
}

#[test]
fn short_payloads_are_errors_and_change_nothing() {
    let mut rx = Rx::new();
    let start = pkt(0, 1, 1, 400).start();
    rx.feed(0, start);
    for len in 0..4 {
        let payload = [0u8; 3];
        let packet = RtpEventPacket {
            timestamp: 999,
            sequence: 2,
            marker: false,
            payload: &payload[..len.min(3)],
        };
        assert_eq!(
            rx.rx.handle_packet(packet, rx.at(10)),
            Err(DtmfError::TooShort { len: len.min(3) })
        );
    }
    assert!(rx.rx.key_down(), "the press goes on");
    assert_eq!(rx.poll(10), vec![]);
}

#[test]
fn a_different_event_under_the_same_timestamp_is_ignored() {
    let mut rx = Rx::new();
    let mut events = rx.feed(0, pkt(0, 1, 1, 400).start());
    events.extend(rx.feed(10, pkt(0, 2, 2, 9000).end()));
    events.extend(rx.feed(50, pkt(0, 3, 1, 800).end()));
    assert_eq!(
        events,
        vec![started('1', 0), digit('1', 100, 0, EndReason::EndPacket)]
    );
}

/// A press of `segments` full segments plus `tail` units, updates every 50 ms (400 units).
fn long_press(
    event: u8,
    ts: u32,
    segments: u32,
    tail: u16,
    end_each_segment: bool,
) -> Vec<(u64, P)> {
    let mut out = Vec::new();
    let mut seq = 0u16;
    let mut ms = 0u64;
    for s in 0..=segments {
        let seg_ts = ts.wrapping_add(s * SEGMENT_SPAN);
        let last = s == segments;
        let length = if last { tail } else { u16::MAX };
        let mut d = 0u16;
        while d < length {
            d = d.saturating_add(400).min(length);
            let update = pkt(seg_ts, seq, event, d);
            out.push((
                ms,
                if s == 0 && d <= 400 {
                    update.start()
                } else {
                    update
                },
            ));
            seq = seq.wrapping_add(1);
            ms += 50;
        }
        if last || end_each_segment {
            out.push((ms, pkt(seg_ts, seq, event, length).end()));
            seq = seq.wrapping_add(1);
        }
    }
    out
}

#[test]
fn a_long_press_in_segments_is_one_digit_with_the_whole_duration() {
    let mut rx = Rx::new();
    let packets = long_press(0, u32::MAX - 1000, 2, 800, false);
    let events = run(&mut rx, &packets);
    let total = 2 * u64::from(SEGMENT_SPAN) + 800;
    let expected_ms = (total / 8) as u32;
    assert_eq!(
        events,
        vec![
            started('0', u32::MAX - 1000),
            digit('0', expected_ms, u32::MAX - 1000, EndReason::EndPacket)
        ]
    );
}

#[test]
fn a_long_press_whose_segments_end_with_the_e_bit_is_still_one_digit() {
    let mut rx = Rx::new();
    let events = run(&mut rx, &long_press(8, 0, 2, 800, true));
    assert_eq!(
        events,
        vec![started('8', 0), digit('8', 8191, 0, EndReason::EndPacket)]
    );
}

#[test]
fn timestamps_and_sequence_numbers_wrap() {
    let mut rx = Rx::new();
    let mut packets = press(1, u32::MAX - 100, u16::MAX - 2, 0, 100);
    packets.extend(press(2, 2000, 5, 300, 100));
    let events = run(&mut rx, &packets);
    assert_eq!(
        events,
        vec![
            started('1', u32::MAX - 100),
            digit('1', 100, u32::MAX - 100, EndReason::EndPacket),
            started('2', 2000),
            digit('2', 100, 2000, EndReason::EndPacket),
        ]
    );
}

#[test]
fn reset_ends_the_press_and_accepts_a_new_stream_that_goes_back_in_time() {
    let mut rx = Rx::new();
    let packets = press(6, 50_000, 500, 0, 100);
    assert_eq!(
        rx.feed(packets[0].0, packets[0].1),
        vec![started('6', 50_000)]
    );
    rx.rx.reset();
    assert_eq!(rx.poll(60), vec![digit('6', 50, 50_000, EndReason::Reset)]);
    // The new stream starts just below the old one in both numbering spaces.
    let events = run(&mut rx, &press(6, 49_000, 490, 100, 100));
    assert_eq!(
        events,
        vec![
            started('6', 49_000),
            digit('6', 100, 49_000, EndReason::EndPacket)
        ]
    );
}

#[test]
fn a_timeout_is_only_due_while_a_key_is_down() {
    let mut rx = Rx::new();
    assert_eq!(rx.rx.next_timeout(), None);
    assert!(rx.poll(u64::from(u32::MAX)).is_empty());
    let mut custom = DtmfReceiver::new(Duration::from_millis(500));
    let payload = TelephoneEvent::new(3, false, 10, 160).encode();
    let packet = RtpEventPacket {
        timestamp: 1,
        sequence: 1,
        marker: true,
        payload: &payload,
    };
    custom.handle_packet(packet, rx.t0).expect("digit");
    assert_eq!(
        custom.next_timeout(),
        Some(rx.t0 + Duration::from_millis(500))
    );
}
