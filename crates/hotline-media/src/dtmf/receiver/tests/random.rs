//! Random loss, duplication and reordering: the exactly-once rule as an invariant.

use super::*;
use crate::dtmf::event_to_digit;
use rand::{Rng, SeedableRng};

/// Every press drawn from `rng`: digit, timestamps 200 ms apart, 20 sequence numbers apart.
fn random_presses(rng: &mut rand::rngs::StdRng, n: u32) -> Vec<(char, Vec<(u64, P)>)> {
    (0..n)
        .map(|k| {
            let event = rng.random_range(0..16u8);
            let length = rng.random_range(2..6u16) * 40;
            let ts = 1_000_000 + k * 3200;
            let p = press(event, ts, (k * 20) as u16, u64::from(k) * 400, length);
            (event_to_digit(event).unwrap_or('?'), p)
        })
        .collect()
}

#[test]
fn random_loss_and_duplication_report_every_press_with_a_surviving_packet_once() {
    for seed in 0..300 {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let presses = random_presses(&mut rng, 6);
        let mut rx = Rx::new();
        let mut expected = Vec::new();
        let mut events = Vec::new();
        for (d, packets) in &presses {
            let mut survived = false;
            for &(ms, p) in packets {
                for _ in 0..rng.random_range(0..3) {
                    events.extend(rx.feed(ms, p));
                    survived = true;
                }
            }
            if survived {
                expected.push(*d);
            }
        }
        events.extend(rx.poll(1_000_000));
        let starts: Vec<char> = events
            .iter()
            .filter_map(|e| match e {
                DtmfEvent::DigitStarted { digit, .. } => Some(*digit),
                _ => None,
            })
            .collect();
        let digits: Vec<char> = events
            .iter()
            .filter_map(|e| match e {
                DtmfEvent::Digit(d) => Some(d.digit),
                _ => None,
            })
            .collect();
        assert_eq!(digits, expected, "seed {seed}");
        assert_eq!(starts, expected, "seed {seed}");
    }
}

#[test]
fn random_reordering_never_duplicates_or_swaps_digits() {
    for seed in 0..300 {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let presses = random_presses(&mut rng, 6);
        let mut all: Vec<(u64, P)> = presses
            .iter()
            .flat_map(|(_, p)| p.iter().copied())
            .collect();
        for _ in 0..all.len() {
            let i = rng.random_range(0..all.len() - 1);
            if rng.random_bool(0.3) {
                all.swap(i, i + 1);
            }
        }
        let mut rx = Rx::new();
        let mut events: Vec<_> = all.iter().flat_map(|&(ms, p)| rx.feed(ms, p)).collect();
        events.extend(rx.poll(1_000_000));
        let ends: Vec<&DigitEvent> = events
            .iter()
            .filter_map(|e| match e {
                DtmfEvent::Digit(d) => Some(d),
                _ => None,
            })
            .collect();
        assert_eq!(
            events.len(),
            2 * ends.len(),
            "seed {seed}: one start per digit"
        );
        assert!(
            ends.windows(2).all(|w| w[0].timestamp < w[1].timestamp),
            "seed {seed}: in order, no repeats"
        );
        assert!(
            ends.len() >= presses.len() - 1,
            "seed {seed}: adjacent swaps lose at most a press"
        );
    }
}
