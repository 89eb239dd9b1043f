//! RFC 3550 appendix A statistics: sequence validation, loss, reorder, duplicates, wrap,
//! restart, and jitter against hand computations.

use std::time::{Duration, Instant};

use crate::rtp_session::stats::{ReceiveStats, SeqStatus};

/// Feed sequence numbers on a perfect 20 ms / 160-sample grid (timestamp from the sequence).
fn feed(s: &mut ReceiveStats, t0: Instant, seqs: &[u16]) -> Vec<SeqStatus> {
    seqs.iter()
        .map(|&q| {
            let n = u64::from(q);
            s.on_packet(q, q as u32 * 160, t0 + Duration::from_millis(20 * n))
        })
        .collect()
}

#[test]
fn in_order_after_probation() {
    let t0 = Instant::now();
    let mut s = ReceiveStats::default();
    let seqs: Vec<u16> = (1..=100).collect();
    let st = feed(&mut s, t0, &seqs);
    assert_eq!(st[0], SeqStatus::Probation);
    assert!(st[1..].iter().all(|&x| x == SeqStatus::InOrder));
    assert!(s.is_valid());
    // A.1: the probation packet is not counted; the base is the packet that ended it.
    assert_eq!((s.received(), s.expected(), s.lost()), (99, 99, 0));
    assert_eq!(s.extended_max(), 100);
    let r = s.report();
    assert_eq!(
        (r.fraction_lost, r.cumulative_lost, r.extended_highest_seq),
        (0, 0, 100)
    );
}

#[test]
fn probation_restarts_on_a_gap() {
    let t0 = Instant::now();
    let mut s = ReceiveStats::default();
    let st = feed(&mut s, t0, &[10, 20, 21, 22]);
    assert_eq!(
        st,
        vec![
            SeqStatus::Probation,
            SeqStatus::Probation,
            SeqStatus::InOrder,
            SeqStatus::InOrder
        ]
    );
    assert_eq!((s.received(), s.expected()), (2, 2));
    assert_eq!(ReceiveStats::default().expected(), 0);
}

#[test]
fn loss_and_fraction_per_interval() {
    let t0 = Instant::now();
    let mut s = ReceiveStats::default();
    // 1..=20 with 11..=15 missing: expected 19 (base 2), received 14.
    let seqs: Vec<u16> = (1..=20).filter(|q| !(11..=15).contains(q)).collect();
    feed(&mut s, t0, &seqs);
    assert_eq!((s.expected(), s.received(), s.lost()), (19, 14, 5));
    let r = s.report();
    assert_eq!(r.cumulative_lost, 5);
    assert_eq!(r.fraction_lost, (5 * 256 / 19) as u8);
    // Next interval: 21..=30 with one lost.
    let seqs: Vec<u16> = (21..=30).filter(|&q| q != 25).collect();
    feed(&mut s, t0, &seqs);
    let r = s.report();
    assert_eq!(r.cumulative_lost, 6);
    assert_eq!(r.fraction_lost, (256 / 10) as u8);
    // An empty interval reports 0.
    assert_eq!(s.report().fraction_lost, 0);
}

#[test]
fn reordered_packets_fill_gaps() {
    let t0 = Instant::now();
    let mut s = ReceiveStats::default();
    let st = feed(&mut s, t0, &[1, 2, 3, 5, 4, 6]);
    assert_eq!(st[3], SeqStatus::InOrder);
    assert_eq!(st[4], SeqStatus::Late);
    assert_eq!(st[5], SeqStatus::InOrder);
    assert_eq!((s.expected(), s.received(), s.lost()), (5, 5, 0));
    assert!(st.iter().all(|x| x.playable()));
}

#[test]
fn duplicates_are_flagged_and_counted_as_rfc_3550_does() {
    let t0 = Instant::now();
    let mut s = ReceiveStats::default();
    let st = feed(&mut s, t0, &[1, 2, 3, 3, 4, 2]);
    assert_eq!(st[3], SeqStatus::Duplicate);
    assert_eq!(st[5], SeqStatus::Duplicate);
    assert!(!st[3].playable() && st[3].counted());
    assert_eq!(s.duplicates(), 2);
    assert_eq!((s.expected(), s.received(), s.lost()), (3, 5, -2));
    let r = s.report();
    assert_eq!((r.cumulative_lost, r.fraction_lost), (-2, 0));
}

#[test]
fn too_late_is_a_jump_not_a_late_packet() {
    let t0 = Instant::now();
    let mut s = ReceiveStats::default();
    let seqs: Vec<u16> = (1..=300).collect();
    feed(&mut s, t0, &seqs);
    assert_eq!(feed(&mut s, t0, &[50]), vec![SeqStatus::Jump]);
    assert_eq!(feed(&mut s, t0, &[301]), vec![SeqStatus::InOrder]);
    assert_eq!((s.expected(), s.received()), (300, 300));
}

#[test]
fn sequence_wrap_counts_cycles() {
    let t0 = Instant::now();
    let mut s = ReceiveStats::default();
    let seqs: Vec<u16> = (65530..=65535).chain(0..=5).collect();
    let st = feed(&mut s, t0, &seqs);
    assert!(st[1..].iter().all(|&x| x == SeqStatus::InOrder));
    assert_eq!(s.extended_max(), 65536 + 5);
    assert_eq!((s.expected(), s.received(), s.lost()), (11, 11, 0));
    // A late packet from before the wrap is not a new cycle.
    assert_eq!(feed(&mut s, t0, &[65534]), vec![SeqStatus::Duplicate]);
    assert_eq!(s.extended_max(), 65536 + 5);
}

#[test]
fn probation_across_the_wrap() {
    let t0 = Instant::now();
    let mut s = ReceiveStats::default();
    let st = feed(&mut s, t0, &[65535, 0, 1]);
    assert_eq!(
        st,
        vec![SeqStatus::Probation, SeqStatus::InOrder, SeqStatus::InOrder]
    );
    assert_eq!((s.extended_max(), s.expected()), (1, 2));
}

#[test]
fn sequence_restart_after_two_packets_in_a_row() {
    let t0 = Instant::now();
    let mut s = ReceiveStats::default();
    feed(&mut s, t0, &(1..=50).collect::<Vec<_>>());
    // One stray far packet: remembered, not counted.
    assert_eq!(feed(&mut s, t0, &[40_000]), vec![SeqStatus::Jump]);
    assert_eq!(s.received(), 49);
    // Its successor: the sender restarted; statistics start over at 40_001.
    assert_eq!(feed(&mut s, t0, &[40_001]), vec![SeqStatus::Restarted]);
    assert_eq!(
        (s.received(), s.expected(), s.extended_max()),
        (1, 1, 40_001)
    );
    assert_eq!(feed(&mut s, t0, &[40_002]), vec![SeqStatus::InOrder]);
    assert_eq!((s.received(), s.expected(), s.lost()), (2, 2, 0));
}

#[test]
fn perfectly_paced_stream_has_zero_jitter_even_across_silence_and_wrap() {
    let t0 = Instant::now();
    let mut s = ReceiveStats::default();
    let base: u32 = u32::MAX - 160 * 100;
    let mut seq = 0u16;
    for frame in (0..200u32).chain(400..600) {
        let arrival = t0 + Duration::from_millis(20 * u64::from(frame));
        s.on_packet(seq, base.wrapping_add(160 * frame), arrival);
        seq = seq.wrapping_add(1);
    }
    assert_eq!(s.jitter(), 0.0);
    assert_eq!(s.report().jitter, 0);
}

#[test]
fn jittered_stream_matches_hand_computation() {
    let t0 = Instant::now();
    let mut s = ReceiveStats::default();
    // Sent every 160 samples; arrivals at 0, 20, 45, 60, 80 ms = 0, 160, 360, 480, 640 units.
    // D = 0, 40, -40, 0.  J: 0 → 0 → 40/16 = 2.5 → 2.5 + 37.5/16 = 4.84375 → × 15/16.
    for (i, ms) in [0u64, 20, 45, 60, 80].into_iter().enumerate() {
        s.on_packet(i as u16, 160 * i as u32, t0 + Duration::from_millis(ms));
    }
    let expected = 4.84375 * 15.0 / 16.0;
    assert_eq!(s.jitter(), expected);
    assert_eq!(s.jitter_ms(), expected / 8.0);
    assert_eq!(s.report().jitter, 4);
}

#[test]
fn jitter_uses_arrival_order_and_sub_millisecond_times() {
    let t0 = Instant::now();
    let mut s = ReceiveStats::default();
    s.on_packet(0, 0, t0);
    s.on_packet(1, 160, t0 + Duration::from_micros(20_125)); // 1 unit late: D = 1
    assert_eq!(s.jitter(), 1.0 / 16.0);
    // Packet 3 arrives before 2 (both on time): D = 0 - 1 then 0.
    s.on_packet(3, 480, t0 + Duration::from_millis(60));
    s.on_packet(2, 320, t0 + Duration::from_millis(40));
    let j = 1.0 / 16.0;
    let j = j + (1.0 - j) / 16.0;
    let j = j + (0.0 - j) / 16.0;
    assert_eq!(s.jitter(), j);
}

#[test]
fn untimed_packets_leave_jitter_alone() {
    let t0 = Instant::now();
    let mut s = ReceiveStats::default();
    s.on_packet(0, 0, t0);
    s.on_packet(1, 160, t0 + Duration::from_millis(20));
    // Telephone-events repeating timestamp 160 over 60 ms.
    for q in 2..5 {
        assert!(s.on_packet_untimed(q).counted());
    }
    s.on_packet(5, 800, t0 + Duration::from_millis(100));
    assert_eq!(s.jitter(), 0.0);
    assert_eq!((s.expected(), s.received()), (5, 5));
}

#[test]
fn other_clock_rates() {
    let t0 = Instant::now();
    let mut s = ReceiveStats::new(48_000);
    s.on_packet(0, 0, t0);
    s.on_packet(1, 960, t0 + Duration::from_millis(21)); // 48 units late
    assert_eq!(s.jitter(), 3.0);
    assert_eq!(s.jitter_ms(), 3.0 / 48.0);
}
