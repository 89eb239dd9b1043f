//! The sender's schedule under a fake clock: exact steps, wraparound, markers, pauses,
//! catch-up bursts and resync.

use std::time::{Duration, Instant};

use crate::rtp_session::pacing::{Pacing, RtpSender, SenderInit};
use crate::rtp_session::packet::RtpHeader;

const INIT: SenderInit = SenderInit {
    ssrc: 0x1234_5678,
    sequence: 1000,
    timestamp: 50_000,
};

fn at(t0: Instant, ms: u64) -> Instant {
    t0 + Duration::from_millis(ms)
}

/// All headers due at `now`.
fn drain(s: &mut RtpSender, now: Instant) -> Vec<RtpHeader> {
    std::iter::from_fn(|| s.next_header(now)).collect()
}

#[test]
fn first_packet_is_due_at_once_and_marked() {
    let t0 = Instant::now();
    let mut s = RtpSender::new(0, INIT);
    assert_eq!(s.due(t0), Some(t0));
    let h = s.next_header(t0).unwrap();
    assert_eq!(
        h,
        RtpHeader {
            marker: true,
            payload_type: 0,
            sequence: 1000,
            timestamp: 50_000,
            ssrc: 0x1234_5678
        }
    );
    assert_eq!(s.due(t0), Some(at(t0, 20)));
    assert_eq!(s.next_header(at(t0, 19)), None);
}

#[test]
fn steady_stream_steps_160_and_1() {
    let t0 = Instant::now();
    let mut s = RtpSender::new(8, INIT);
    for k in 0..500u64 {
        let now = at(t0, 20 * k);
        assert_eq!(s.due(now), Some(now));
        let h = s.next_header(now).unwrap();
        assert_eq!(h.sequence, 1000u16.wrapping_add(k as u16));
        assert_eq!(h.timestamp, 50_000 + 160 * k as u32);
        assert_eq!(h.marker, k == 0);
        assert_eq!(h.payload_type, 8);
        assert_eq!(s.next_header(now), None);
    }
    assert_eq!(s.resyncs(), 0);
}

#[test]
fn schedule_does_not_drift_when_ticks_are_late() {
    let t0 = Instant::now();
    let mut s = RtpSender::new(0, INIT);
    // Each tick comes 0..=19 ms after its slot; the dues stay on the 20 ms grid.
    for k in 0..1000u64 {
        let now = at(t0, 20 * k + (k * 7) % 20);
        let slot = s.next_slot(now).unwrap();
        assert_eq!(slot.due, at(t0, 20 * k));
        assert_eq!(slot.timestamp, 50_000 + 160 * k as u32);
        assert_eq!(s.due(now), Some(at(t0, 20 * (k + 1))));
    }
}

#[test]
fn a_little_late_catches_up_without_marker() {
    let t0 = Instant::now();
    let mut s = RtpSender::new(0, INIT);
    s.next_header(t0).unwrap();
    // Slot 1 was due at 20 ms; at 80 ms it is 60 ms late: not more than 3 frames.
    let burst = drain(&mut s, at(t0, 80));
    assert_eq!(burst.len(), 4);
    for (i, h) in burst.iter().enumerate() {
        assert_eq!(h.sequence, 1001 + i as u16);
        assert_eq!(h.timestamp, 50_000 + 160 * (i as u32 + 1));
        assert!(!h.marker);
    }
    assert_eq!(s.resyncs(), 0);
}

#[test]
fn a_tick_200_ms_late_sends_every_owed_frame_with_consecutive_timestamps() {
    let t0 = Instant::now();
    let mut s = RtpSender::new(0, INIT);
    s.next_header(t0).unwrap();
    // Slot 1 was due at 20 ms; at 215 ms it is 195 ms late: all ten owed frames go out back to
    // back, no hole in the timestamps, no marker, no resync.
    let burst = drain(&mut s, at(t0, 215));
    assert_eq!(burst.len(), 10);
    for (i, h) in burst.iter().enumerate() {
        assert_eq!(h.sequence, 1001 + i as u16);
        assert_eq!(h.timestamp, 50_000 + 160 * (i as u32 + 1));
        assert!(!h.marker);
    }
    assert_eq!(
        (s.resyncs(), s.caught_up()),
        (0, 7),
        "slots 1-7 were over 60 ms late"
    );
    assert_eq!(s.due(at(t0, 215)), Some(at(t0, 220)));
    let next = s.next_header(at(t0, 220)).unwrap();
    assert_eq!(
        (next.sequence, next.timestamp, next.marker),
        (1011, 50_000 + 11 * 160, false)
    );
}

#[test]
fn very_late_bursts_200_ms_then_resynchronises_with_marker() {
    let t0 = Instant::now();
    let mut s = RtpSender::new(0, INIT);
    s.next_header(t0).unwrap();
    // 500 ms late: ten owed frames (200 ms) with consecutive timestamps, then a jump to the
    // current slot (26, due at 520 ms) with the marker.
    let burst = drain(&mut s, at(t0, 525));
    assert_eq!(burst.len(), 11);
    for (i, h) in burst[..10].iter().enumerate() {
        assert_eq!(h.timestamp, 50_000 + 160 * (i as u32 + 1));
        assert!(!h.marker);
    }
    let h = burst[10];
    assert_eq!(h.sequence, 1011, "sequence does not jump");
    assert_eq!(
        h.timestamp,
        50_000 + 26 * 160,
        "after the burst, timestamp follows media time"
    );
    assert!(h.marker);
    assert_eq!((s.resyncs(), s.caught_up()), (1, 10));
    assert_eq!(s.due(at(t0, 525)), Some(at(t0, 540)));
    let next = s.next_header(at(t0, 540)).unwrap();
    assert_eq!(
        (next.sequence, next.timestamp, next.marker),
        (1012, 50_000 + 27 * 160, false)
    );
}

#[test]
fn every_stall_gets_its_own_catch_up() {
    let t0 = Instant::now();
    let mut s = RtpSender::new(0, INIT);
    s.next_header(t0).unwrap();
    // A machine so busy that the sender wakes only every 100 ms: each wake sends the five
    // owed frames, and the timestamps never jump in a minute of it.
    let mut expected_ts = 50_000u32;
    for k in 1..=600u64 {
        for h in drain(&mut s, at(t0, 100 * k)) {
            expected_ts = expected_ts.wrapping_add(160);
            assert_eq!(h.timestamp, expected_ts);
            assert!(!h.marker);
        }
    }
    assert_eq!(expected_ts, 50_000 + 160 * 3000);
    assert_eq!(s.resyncs(), 0);
    // Two stalls of 400 ms, one after the other: each bursts 200 ms of owed frames, then
    // resynchronises once.
    let before = s.resyncs();
    drain(&mut s, at(t0, 60_400));
    drain(&mut s, at(t0, 60_800));
    assert_eq!(s.resyncs(), before + 2);
}

#[test]
fn no_catch_up_allowance_resynchronises_at_once() {
    let t0 = Instant::now();
    let pacing = Pacing {
        max_catch_up_frames: 0,
        ..Pacing::default()
    };
    let mut s = RtpSender::with_pacing(0, INIT, pacing);
    s.next_header(t0).unwrap();
    let burst = drain(&mut s, at(t0, 215));
    assert_eq!(burst.len(), 1);
    assert_eq!(
        (burst[0].sequence, burst[0].timestamp, burst[0].marker),
        (1001, 50_000 + 10 * 160, true)
    );
    assert_eq!((s.resyncs(), s.caught_up()), (1, 0));
}

#[test]
fn pause_keeps_media_time_and_resume_marks_a_talkspurt() {
    let t0 = Instant::now();
    let mut s = RtpSender::new(0, INIT);
    for k in 0..5 {
        s.next_header(at(t0, 20 * k)).unwrap();
    }
    s.pause();
    assert!(s.is_paused());
    assert_eq!(s.due(at(t0, 500)), None);
    assert_eq!(s.next_header(at(t0, 500)), None);
    s.resume();
    let now = at(t0, 1005);
    assert_eq!(s.due(now), Some(at(t0, 1000)));
    let h = s.next_header(now).unwrap();
    assert_eq!(h.sequence, 1005);
    assert_eq!(h.timestamp, 50_000 + 50 * 160);
    assert!(h.marker);
    assert_eq!(s.next_header(now), None);
    let h = s.next_header(at(t0, 1020)).unwrap();
    assert_eq!(
        (h.sequence, h.timestamp, h.marker),
        (1006, 50_000 + 51 * 160, false)
    );
    assert_eq!(s.resyncs(), 0);
}

#[test]
fn resume_within_the_same_slot_waits_for_the_next() {
    let t0 = Instant::now();
    let mut s = RtpSender::new(0, INIT);
    s.next_header(t0).unwrap();
    s.pause();
    s.resume();
    assert_eq!(s.next_header(at(t0, 5)), None);
    assert_eq!(s.due(at(t0, 5)), Some(at(t0, 20)));
    let h = s.next_header(at(t0, 20)).unwrap();
    assert_eq!((h.sequence, h.timestamp, h.marker), (1001, 50_160, true));
}

#[test]
fn resume_without_pause_changes_nothing() {
    let t0 = Instant::now();
    let mut s = RtpSender::new(0, INIT);
    s.next_header(t0).unwrap();
    s.resume();
    assert!(!s.next_header(at(t0, 20)).unwrap().marker);
}

#[test]
fn sequence_and_timestamp_wrap() {
    let t0 = Instant::now();
    let init = SenderInit {
        ssrc: 1,
        sequence: 65534,
        timestamp: u32::MAX - 159,
    };
    let mut s = RtpSender::new(0, init);
    let hs: Vec<_> = (0..4)
        .map(|k| s.next_header(at(t0, 20 * k)).unwrap())
        .collect();
    let seqs: Vec<_> = hs.iter().map(|h| h.sequence).collect();
    let tss: Vec<_> = hs.iter().map(|h| h.timestamp).collect();
    assert_eq!(seqs, vec![65534, 65535, 0, 1]);
    assert_eq!(tss, vec![u32::MAX - 159, 0, 160, 320]);
}

#[test]
fn an_hour_of_frames_stays_exact() {
    let t0 = Instant::now();
    let init = SenderInit::from_seed(7);
    let mut s = RtpSender::new(0, init);
    let frames = 3600 * 50u64;
    for k in 0..frames {
        s.next_slot(at(t0, 20 * k)).unwrap();
    }
    let h = s.header_for(0, false, None);
    assert_eq!(
        h.timestamp,
        init.timestamp
            .wrapping_add(((frames - 1) as u32).wrapping_mul(160))
    );
    assert_eq!(
        h.sequence, init.sequence,
        "next_slot alone uses no sequence numbers"
    );
    assert_eq!(s.due(t0), Some(at(t0, 20 * frames)));
}

#[test]
fn dtmf_event_reuses_one_timestamp_across_packets() {
    let t0 = Instant::now();
    let mut s = RtpSender::new(0, INIT);
    s.next_header(t0).unwrap();
    // Event starts in slot 1: first packet marked, with that slot's timestamp.
    let slot = s.next_slot(at(t0, 20)).unwrap();
    let first = s.header_for(101, true, Some(slot.timestamp));
    assert_eq!(
        (first.sequence, first.timestamp, first.marker),
        (1001, 50_160, true)
    );
    assert_eq!(first.payload_type, 101);
    // Updates in the next slots repeat the event timestamp.
    for k in 2..5u64 {
        s.next_slot(at(t0, 20 * k)).unwrap();
        let h = s.header_for(101, false, Some(slot.timestamp));
        assert_eq!(
            (h.sequence, h.timestamp, h.marker),
            (1000 + k as u16, 50_160, false)
        );
    }
    // Two more end packets back to back, off the schedule.
    for i in 0..2 {
        let h = s.header_for(101, false, Some(slot.timestamp));
        assert_eq!((h.sequence, h.timestamp), (1005 + i, 50_160));
    }
    // Audio resumes on the grid, sequence continuing.
    let h = s.next_header(at(t0, 100)).unwrap();
    assert_eq!(
        (h.sequence, h.timestamp, h.payload_type),
        (1007, 50_000 + 5 * 160, 0)
    );
}

#[test]
fn header_for_without_override_uses_the_latest_slot() {
    let t0 = Instant::now();
    let mut s = RtpSender::new(0, INIT);
    assert_eq!(s.header_for(13, false, None).timestamp, 50_000);
    s.next_slot(t0).unwrap();
    s.next_slot(at(t0, 20)).unwrap();
    assert_eq!(s.current_timestamp(), 50_160);
    let h = s.header_for(13, false, None);
    assert_eq!(
        (h.sequence, h.timestamp, h.payload_type),
        (1001, 50_160, 13)
    );
    assert_eq!(s.next_sequence(), 1002);
}

#[test]
fn random_init_from_seed_is_deterministic() {
    assert_eq!(SenderInit::from_seed(1), SenderInit::from_seed(1));
    assert_ne!(SenderInit::from_seed(1), SenderInit::from_seed(2));
    let mut rng = rand::rng();
    let a = SenderInit::random(&mut rng);
    let s = RtpSender::new(0, a);
    assert_eq!((s.ssrc(), s.next_sequence()), (a.ssrc, a.sequence));
}

#[test]
fn other_frame_sizes() {
    let t0 = Instant::now();
    let pacing = Pacing {
        frame: Duration::from_millis(30),
        samples_per_frame: 240,
        max_late_frames: 2,
        max_catch_up_frames: 0,
    };
    let mut s = RtpSender::with_pacing(0, INIT, pacing);
    s.next_header(t0).unwrap();
    let h = s.next_header(at(t0, 30)).unwrap();
    assert_eq!(h.timestamp, 50_240);
    // 61 ms late for the slot due at 60: more than 2 frames, resync to slot 4 (120 ms).
    let h = s.next_header(at(t0, 121)).unwrap();
    assert_eq!((h.timestamp, h.marker), (50_000 + 4 * 240, true));
}

#[test]
fn payload_type_can_change() {
    let t0 = Instant::now();
    let mut s = RtpSender::new(0, INIT);
    s.set_payload_type(8);
    assert_eq!(s.payload_type(), 8);
    assert_eq!(s.next_header(t0).unwrap().payload_type, 8);
}
