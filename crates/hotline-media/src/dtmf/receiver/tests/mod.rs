//! The receiver against what networks do to telephone-event packets. This file: the harness,
//! and a press with its packets lost, duplicated, late or overlapping the next;
//! [`streams`]: reordering, odd packets, long presses, wrapping and restarting streams;
//! [`random`]: random loss, duplication and reordering.

use super::*;

mod random;
mod streams;

/// A receiver on a fake clock, fed packets by milliseconds since the start.
struct Rx {
    rx: DtmfReceiver,
    t0: Instant,
}

impl Rx {
    fn new() -> Self {
        Rx {
            rx: DtmfReceiver::default(),
            t0: Instant::now(),
        }
    }

    fn at(&self, ms: u64) -> Instant {
        self.t0 + Duration::from_millis(ms)
    }

    /// Feeds one packet and returns everything it caused (polled at the same instant).
    fn feed(&mut self, ms: u64, p: P) -> Vec<DtmfEvent> {
        let payload = TelephoneEvent::new(p.event, p.end, 10, p.duration).encode();
        let packet = RtpEventPacket {
            timestamp: p.ts,
            sequence: p.seq,
            marker: p.marker,
            payload: &payload,
        };
        let now = self.at(ms);
        self.rx
            .handle_packet(packet, now)
            .expect("test packets are digits");
        self.poll(ms)
    }

    fn poll(&mut self, ms: u64) -> Vec<DtmfEvent> {
        let now = self.at(ms);
        std::iter::from_fn(|| self.rx.poll(now)).collect()
    }
}

/// One packet's fields.
#[derive(Clone, Copy, Debug)]
struct P {
    ts: u32,
    seq: u16,
    marker: bool,
    event: u8,
    end: bool,
    duration: u16,
}

/// An update packet: no marker, no E bit.
fn pkt(ts: u32, seq: u16, event: u8, duration: u16) -> P {
    P {
        ts,
        seq,
        marker: false,
        event,
        end: false,
        duration,
    }
}

impl P {
    /// With the marker bit: the first packet of an event.
    fn start(self) -> P {
        P {
            marker: true,
            ..self
        }
    }

    /// With the E bit: an end packet.
    fn end(self) -> P {
        P { end: true, ..self }
    }
}

/// The packets a typical phone sends for one press: start, updates every 50 ms, three ends
/// 20 ms apart, as (arrival ms, packet) pairs; the press starts at `start_ms`.
fn press(event: u8, ts: u32, first_seq: u16, start_ms: u64, length_ms: u16) -> Vec<(u64, P)> {
    let mut out = Vec::new();
    let mut seq = first_seq;
    let mut t = 0u16;
    while t == 0 || t < length_ms {
        let update = pkt(ts, seq, event, (t + 50).min(length_ms) * 8);
        out.push((
            start_ms + u64::from(t),
            if t == 0 { update.start() } else { update },
        ));
        seq = seq.wrapping_add(1);
        t += 50;
    }
    for i in 0..3u16 {
        let at = start_ms + u64::from(length_ms) + u64::from(i) * 20;
        out.push((at, pkt(ts, seq, event, length_ms * 8).end()));
        seq = seq.wrapping_add(1);
    }
    out
}

fn started(digit: char, timestamp: u32) -> DtmfEvent {
    DtmfEvent::DigitStarted { digit, timestamp }
}

fn digit(digit: char, ms: u32, timestamp: u32, ended_by: EndReason) -> DtmfEvent {
    DtmfEvent::Digit(DigitEvent {
        digit,
        duration_ms: ms,
        timestamp,
        volume: 10,
        ended_by,
    })
}

fn run(rx: &mut Rx, packets: &[(u64, P)]) -> Vec<DtmfEvent> {
    packets.iter().flat_map(|&(ms, p)| rx.feed(ms, p)).collect()
}

#[test]
fn one_press_is_one_start_at_the_first_packet_and_one_digit_at_the_end() {
    let mut rx = Rx::new();
    let packets = press(5, 8000, 100, 0, 120);
    let first = rx.feed(packets[0].0, packets[0].1);
    assert_eq!(
        first,
        vec![started('5', 8000)],
        "started at once, for barge-in"
    );
    assert!(rx.rx.key_down());
    let rest = run(&mut rx, &packets[1..]);
    assert_eq!(rest, vec![digit('5', 120, 8000, EndReason::EndPacket)]);
    assert!(!rx.rx.key_down());
    assert_eq!(rx.rx.next_timeout(), None);
    assert!(rx.poll(10_000).is_empty(), "no timeout after a proper end");
}

#[test]
fn every_packet_duplicated_still_gives_one_of_each() {
    let mut rx = Rx::new();
    let packets: Vec<_> = press(1, 0, 7, 0, 200)
        .into_iter()
        .flat_map(|p| [p, p, p])
        .collect();
    let events = run(&mut rx, &packets);
    assert_eq!(
        events,
        vec![started('1', 0), digit('1', 200, 0, EndReason::EndPacket)]
    );
}

#[test]
fn lost_start_packet_reports_at_the_first_update() {
    let mut rx = Rx::new();
    let packets = press(9, 1600, 1, 0, 150);
    let events = run(&mut rx, &packets[1..]);
    assert_eq!(
        events,
        vec![
            started('9', 1600),
            digit('9', 150, 1600, EndReason::EndPacket)
        ]
    );
}

#[test]
fn only_an_end_packet_arriving_is_still_a_press() {
    let mut rx = Rx::new();
    let packets = press(11, 4000, 1, 0, 100);
    let last = *packets.last().expect("packets");
    let events = rx.feed(last.0, last.1);
    assert_eq!(
        events,
        vec![
            started('#', 4000),
            digit('#', 100, 4000, EndReason::EndPacket)
        ]
    );
}

#[test]
fn all_end_packets_lost_ends_at_the_timeout() {
    let mut rx = Rx::new();
    let packets = press(0, 0, 1, 0, 150);
    let updates: Vec<_> = packets.iter().copied().filter(|(_, p)| !p.end).collect();
    let last_ms = updates.last().expect("updates").0;
    assert_eq!(run(&mut rx, &updates), vec![started('0', 0)]);
    assert_eq!(rx.rx.next_timeout(), Some(rx.at(last_ms + 200)));
    assert!(rx.poll(last_ms + 199).is_empty(), "not before the timeout");
    assert_eq!(
        rx.poll(last_ms + 200),
        vec![digit('0', 150, 0, EndReason::Timeout)]
    );
    assert_eq!(rx.rx.next_timeout(), None);
    // The end packets, very late: the press was reported already.
    let ends: Vec<_> = packets.iter().copied().filter(|(_, p)| p.end).collect();
    let late: Vec<_> = ends.iter().map(|&(ms, p)| (ms + 1000, p)).collect();
    assert!(run(&mut rx, &late).is_empty());
}

#[test]
fn all_end_packets_lost_ends_at_the_next_press() {
    let mut rx = Rx::new();
    let first: Vec<_> = press(2, 0, 1, 0, 100)
        .into_iter()
        .filter(|(_, p)| !p.end)
        .collect();
    let second = press(3, 1600, 10, 150, 100);
    let mut events = run(&mut rx, &first);
    events.extend(run(&mut rx, &second));
    assert_eq!(
        events,
        vec![
            started('2', 0),
            digit('2', 100, 0, EndReason::NextEvent),
            started('3', 1600),
            digit('3', 100, 1600, EndReason::EndPacket),
        ]
    );
}

#[test]
fn overlapping_presses_end_the_first_before_starting_the_second() {
    let mut rx = Rx::new();
    // '4' is still being updated (no end yet) when '6' starts.
    let mut events = rx.feed(0, pkt(0, 1, 4, 400).start());
    events.extend(rx.feed(50, pkt(0, 2, 4, 800)));
    events.extend(rx.feed(60, pkt(480, 3, 6, 160).start()));
    assert_eq!(
        events,
        vec![
            started('4', 0),
            digit('4', 100, 0, EndReason::NextEvent),
            started('6', 480)
        ]
    );
    // '4''s end packets now arrive, late: ignored.
    let late = pkt(0, 4, 4, 880).end();
    assert!(rx.feed(70, late).is_empty());
    let end6 = pkt(480, 5, 6, 800).end();
    assert_eq!(
        rx.feed(160, end6),
        vec![digit('6', 100, 480, EndReason::EndPacket)]
    );
}

#[test]
fn late_retransmitted_end_packets_of_a_reported_press_are_ignored() {
    let mut rx = Rx::new();
    let a = press(7, 0, 1, 0, 100);
    let b = press(8, 2000, 20, 400, 100);
    // The first end packet of '7' arrives in time, its two copies only after '8' started.
    let (early, late): (Vec<_>, Vec<_>) = a.iter().enumerate().partition(|(i, _)| *i < 3);
    let mut events = run(
        &mut rx,
        &early.into_iter().map(|(_, p)| *p).collect::<Vec<_>>(),
    );
    events.extend(rx.feed(b[0].0, b[0].1));
    let late: Vec<_> = late.into_iter().map(|(_, &(_, p))| (410, p)).collect();
    events.extend(run(&mut rx, &late));
    events.extend(run(&mut rx, &b[1..]));
    assert_eq!(
        events,
        vec![
            started('7', 0),
            digit('7', 100, 0, EndReason::EndPacket),
            started('8', 2000),
            digit('8', 100, 2000, EndReason::EndPacket),
        ]
    );
}

#[test]
fn the_same_key_twice_is_two_digits() {
    let mut rx = Rx::new();
    let mut packets = press(5, 0, 1, 0, 100);
    packets.extend(press(5, 1200, 10, 150, 100));
    let events = run(&mut rx, &packets);
    let digits: Vec<_> = events
        .iter()
        .filter(|e| matches!(e, DtmfEvent::Digit(_)))
        .collect();
    assert_eq!(digits.len(), 2);
    assert_eq!(events.len(), 4);
}

#[test]
fn the_same_key_twice_with_all_ends_lost_is_still_two_digits() {
    let mut rx = Rx::new();
    let mut packets: Vec<_> = press(5, 0, 1, 0, 100)
        .into_iter()
        .filter(|(_, p)| !p.end)
        .collect();
    packets.extend(
        press(5, 1200, 10, 150, 100)
            .into_iter()
            .filter(|(_, p)| !p.end),
    );
    let mut events = run(&mut rx, &packets);
    events.extend(rx.poll(1000));
    assert_eq!(
        events,
        vec![
            started('5', 0),
            digit('5', 100, 0, EndReason::NextEvent),
            started('5', 1200),
            digit('5', 100, 1200, EndReason::Timeout),
        ]
    );
}
