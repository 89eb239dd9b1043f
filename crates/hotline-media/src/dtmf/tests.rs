//! The payload format, the sender's schedule, sender-to-receiver round trips and the
//! type-ahead buffer.

use super::*;
use std::time::{Duration, Instant};

#[test]
fn payload_fields_are_read_from_the_wire() {
    // Event 5, E set, R clear, volume 10, duration 800 (RFC 4733 §2.3 layout).
    let e = TelephoneEvent::parse(&[5, 0x8A, 0x03, 0x20]).expect("4 bytes");
    assert_eq!(
        e,
        TelephoneEvent {
            event: 5,
            end: true,
            reserved: false,
            volume: 10,
            duration: 800
        }
    );
    assert_eq!(e.digit(), Some('5'));
    let r = TelephoneEvent::parse(&[16, 0x7F, 0xFF, 0xFF]).expect("4 bytes");
    assert_eq!(
        r,
        TelephoneEvent {
            event: 16,
            end: false,
            reserved: true,
            volume: 63,
            duration: 0xFFFF
        }
    );
    assert_eq!(r.digit(), None, "flash is not a digit");
}

#[test]
fn short_payloads_are_errors_and_longer_ones_read_the_first_block() {
    for len in 0..4 {
        let bytes = vec![1u8; len];
        assert_eq!(
            TelephoneEvent::parse(&bytes),
            Err(DtmfError::TooShort { len })
        );
    }
    let two_blocks = [1, 0x80, 0, 160, 2, 0x00, 0, 80];
    let e = TelephoneEvent::parse(&two_blocks).expect("first block");
    assert_eq!((e.event, e.end, e.duration), (1, true, 160));
}

#[test]
fn every_payload_round_trips() {
    for event in [0u8, 9, 15, 16, 255] {
        for flags in 0..=255u8 {
            for duration in [0u16, 1, 800, 0xFFFF] {
                let [d_hi, d_lo] = duration.to_be_bytes();
                let bytes = [event, flags, d_hi, d_lo];
                let parsed = TelephoneEvent::parse(&bytes).expect("4 bytes");
                assert_eq!(parsed.encode(), bytes);
            }
        }
    }
}

#[test]
fn encoding_sets_the_bits_and_keeps_volume_in_six_bits() {
    assert_eq!(
        TelephoneEvent::new(11, true, 10, 1600).encode(),
        [11, 0x8A, 0x06, 0x40]
    );
    assert_eq!(
        TelephoneEvent::new(0, false, 200, 0).encode(),
        [0, 63, 0, 0]
    );
    let raw = TelephoneEvent {
        event: 1,
        end: false,
        reserved: false,
        volume: 0xFF,
        duration: 0,
    };
    assert_eq!(
        raw.encode()[1],
        63,
        "an out-of-range volume cannot spill into E and R"
    );
}

#[test]
fn events_0_to_15_are_the_sixteen_digits() {
    let digits = "0123456789*#ABCD";
    for (event, d) in digits.chars().enumerate() {
        let event = event as u8;
        assert_eq!(event_to_digit(event), Some(d));
        assert_eq!(digit_to_event(d), Some(event));
        assert_eq!(digit_to_event(d.to_ascii_lowercase()), Some(event));
    }
    assert!((16..=255).all(|e| event_to_digit(e).is_none()));
    for bad in ['E', 'e', 'x', ' ', '+', 'é', '\0'] {
        assert_eq!(digit_to_event(bad), None, "{bad:?}");
    }
}

fn decode(p: &ScheduledPacket) -> TelephoneEvent {
    TelephoneEvent::parse(&p.payload).expect("sender payloads parse")
}

#[test]
fn the_default_schedule_is_start_update_and_three_ends() {
    let packets: Vec<_> = DtmfSender::default()
        .schedule('7', 12345)
        .expect("digit")
        .collect();
    let summary: Vec<_> = packets
        .iter()
        .map(|p| {
            let e = decode(p);
            (
                p.send_at.as_millis(),
                p.marker,
                e.end,
                e.duration,
                e.event,
                e.volume,
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (0, true, false, 400, 7, 10),
            (50, false, false, 800, 7, 10),
            (100, false, true, 800, 7, 10),
            (150, false, true, 800, 7, 10),
            (200, false, true, 800, 7, 10),
        ]
    );
    assert!(packets.iter().all(|p| p.timestamp == 12345));
    assert_eq!(DtmfSender::default().tone_units(), 800);
    assert_eq!(
        DtmfSender::default().schedule_length(),
        Duration::from_millis(200)
    );
}

#[test]
fn schedules_follow_the_configuration() {
    let sender = DtmfSender::new(SenderConfig {
        duration: Duration::from_millis(130),
        update_interval: Duration::from_millis(20),
        end_packets: 2,
        volume: 6,
    });
    let schedule = sender.schedule('d', 0).expect("lowercase d");
    assert_eq!(schedule.len(), 7 + 2);
    let packets: Vec<_> = schedule.collect();
    let durations: Vec<u16> = packets.iter().map(|p| decode(p).duration).collect();
    assert_eq!(
        durations,
        vec![160, 320, 480, 640, 800, 960, 1040, 1040, 1040]
    );
    assert!(packets.windows(2).all(|w| w[0].send_at < w[1].send_at));
    assert_eq!(packets[7].send_at, Duration::from_millis(130));
    assert_eq!(packets[8].send_at, Duration::from_millis(150));
    assert!(packets
        .iter()
        .all(|p| decode(p).event == 15 && decode(p).volume == 6));
    assert_eq!(packets.iter().filter(|p| p.marker).count(), 1);
}

#[test]
fn out_of_range_configurations_are_clamped() {
    let tiny = DtmfSender::new(SenderConfig {
        duration: Duration::ZERO,
        update_interval: Duration::ZERO,
        end_packets: 0,
        volume: 99,
    });
    let packets: Vec<_> = tiny.schedule('1', 0).expect("digit").collect();
    assert_eq!(packets.len(), 2, "one 10 ms update and one end packet");
    assert_eq!(decode(&packets[0]).volume, 63);
    let huge = DtmfSender::new(SenderConfig {
        duration: Duration::from_secs(3600),
        update_interval: Duration::from_secs(3600),
        end_packets: 200,
        volume: 0,
    });
    assert_eq!(huge.tone_units(), 0xFFFF);
    let packets: Vec<_> = huge.schedule('1', 0).expect("digit").collect();
    assert_eq!(packets.len(), 9 + 10);
    assert!(packets
        .iter()
        .all(|p| !decode(p).end || decode(p).duration == 0xFFFF));
    assert_eq!(decode(&packets[18]).duration, 0xFFFF);
}

#[test]
fn a_non_digit_cannot_be_scheduled() {
    assert_eq!(
        DtmfSender::default().schedule('x', 0).err(),
        Some(DtmfError::NotADigit('x'))
    );
}

/// Sends `digits` through the sender and into a receiver, dropping and duplicating packets as
/// `channel` says for the i-th packet of each digit (how many copies arrive), and returns the
/// finished digits.
fn round_trip(
    digits: &str,
    channel: impl Fn(usize, usize) -> usize,
) -> Vec<(char, u32, EndReason)> {
    let sender = DtmfSender::default();
    let mut rx = DtmfReceiver::default();
    let t0 = Instant::now();
    let mut seq = 40_000u16;
    let mut ts = 160_000u32;
    let mut start = Duration::ZERO;
    let mut done = Vec::new();
    let mut collect = |rx: &mut DtmfReceiver, now| {
        while let Some(e) = rx.poll(now) {
            if let DtmfEvent::Digit(d) = e {
                done.push((d.digit, d.duration_ms, d.ended_by));
            }
        }
    };
    for d in digits.chars() {
        let packets = sender.schedule(d, ts).expect("digit");
        let count = packets.len();
        for (i, p) in packets.enumerate() {
            let now = t0 + start + p.send_at;
            for _ in 0..channel(i, count) {
                let packet = RtpEventPacket {
                    timestamp: p.timestamp,
                    sequence: seq,
                    marker: p.marker,
                    payload: &p.payload,
                };
                rx.handle_packet(packet, now).expect("valid packets");
            }
            seq = seq.wrapping_add(1);
            collect(&mut rx, now);
        }
        // A 300 ms gap of audio before the next key.
        start += sender.schedule_length() + Duration::from_millis(300);
        ts = ts.wrapping_add(sender.tone_units() + 8 * 300);
        seq = seq.wrapping_add(15);
        collect(&mut rx, t0 + start);
    }
    collect(&mut rx, t0 + start + Duration::from_secs(1));
    done
}

#[test]
fn round_trip_delivers_each_digit_with_its_duration() {
    let got = round_trip("0123456789*#ABCD", |_, _| 1);
    let expected: Vec<_> = "0123456789*#ABCD"
        .chars()
        .map(|d| (d, 100, EndReason::EndPacket))
        .collect();
    assert_eq!(got, expected);
}

#[test]
fn round_trip_without_the_first_packet() {
    let got = round_trip("55", |i, _| usize::from(i != 0));
    assert_eq!(got, vec![('5', 100, EndReason::EndPacket); 2]);
}

#[test]
fn round_trip_without_end_packets() {
    // Ends lost: the update at 50 ms already reports the full 100 ms; the timeout (or the next
    // digit) ends the press.
    let got = round_trip("19", |i, n| usize::from(i < n - 3));
    assert_eq!(
        got,
        vec![
            ('1', 100, EndReason::Timeout),
            ('9', 100, EndReason::Timeout)
        ]
    );
}

#[test]
fn round_trip_with_every_packet_duplicated() {
    let got = round_trip("#1#", |_, _| 2);
    assert_eq!(
        got,
        vec![
            ('#', 100, EndReason::EndPacket),
            ('1', 100, EndReason::EndPacket),
            ('#', 100, EndReason::EndPacket)
        ]
    );
}

#[test]
fn type_ahead_is_a_bounded_fifo() {
    let mut t = TypeAhead::new(4);
    assert!(t.is_empty());
    for d in "123".chars() {
        assert_eq!(t.push(d), None);
    }
    assert_eq!(t.len(), 3);
    assert_eq!(t.pop_front(), Some('1'));
    for d in "456".chars() {
        t.push(d);
    }
    assert_eq!(t.push('7'), Some('3'), "full: the oldest goes");
    assert_eq!(t.dropped(), 2);
    assert_eq!(t.drain_all(), "4567");
    assert!(t.is_empty());
    assert_eq!(t.pop_front(), None);
    assert_eq!(t.capacity(), 4);
    assert_eq!(TypeAhead::default().capacity(), 32);
    assert_eq!(TypeAhead::new(0).capacity(), 1);
}

#[test]
fn type_ahead_takes_up_to_a_terminator() {
    let mut t = TypeAhead::default();
    "1234#5#".chars().for_each(|d| {
        t.push(d);
    });
    assert_eq!(t.take_until('*'), None);
    assert_eq!(t.len(), 7, "no terminator: unchanged");
    assert_eq!(t.take_until('#').as_deref(), Some("1234"));
    assert_eq!(t.take_until('#').as_deref(), Some("5"));
    assert_eq!(t.take_until('#'), None);
    t.push('#');
    assert_eq!(t.take_until('#').as_deref(), Some(""));
    t.push('9');
    t.clear();
    assert!(t.is_empty());
    assert_eq!(t.dropped(), 0);
}
