//! The room without sockets: its tick driven by hand on plain channels standing in for the legs
//! (exact sums, queues, drops, digits, bad input, the schedule), and the task through its
//! handle (errors, close, dropping the handles).

use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;

use super::*;
use crate::mix::MixError;

const A: PartyId = PartyId(1);
const B: PartyId = PartyId(2);
const C: PartyId = PartyId(3);
const D: PartyId = PartyId(4);

/// A stand-in for a leg in the room: what it hears, and where it says things.
struct FakeLeg {
    hears: mpsc::Receiver<BridgeFrame>,
    says: mpsc::Sender<BridgeFrame>,
}

impl FakeLeg {
    fn say(&self, level: i16) {
        self.says
            .try_send(BridgeFrame::Audio(Box::new([level; 160])))
            .unwrap();
    }

    fn key(&self, digit: char) {
        self.says.try_send(BridgeFrame::Digit(digit)).unwrap();
    }

    /// What arrived since the last look: a frame's first sample for audio, digits as digits.
    fn heard(&mut self) -> Vec<Heard> {
        let mut out = Vec::new();
        while let Ok(f) = self.hears.try_recv() {
            out.push(match f {
                BridgeFrame::Audio(pcm) => {
                    assert!(
                        pcm.iter().all(|&s| s == pcm[0]),
                        "a constant frame stays so"
                    );
                    Heard::Level(pcm[0])
                }
                BridgeFrame::Digit(d) => Heard::Digit(d),
            });
        }
        out
    }
}

#[derive(Debug, PartialEq)]
enum Heard {
    Level(i16),
    Digit(char),
}

fn join(room: &mut Room, id: PartyId, audience: Audience, inbox: usize) -> FakeLeg {
    let (tx, hears) = mpsc::channel(inbox);
    let says = room.add(id, tx, audience).unwrap();
    FakeLeg { hears, says }
}

fn party(room: &Room, id: PartyId) -> PartyReport {
    room.report()
        .parties
        .into_iter()
        .find(|p| p.party == id)
        .unwrap()
}

#[test]
fn a_conference_tick_gives_each_the_exact_sum_of_the_others() {
    let mut room = Room::default();
    let mut a = join(&mut room, A, Audience::Everyone, 8);
    let mut b = join(&mut room, B, Audience::Everyone, 8);
    let mut c = join(&mut room, C, Audience::Everyone, 8);
    a.say(100);
    b.say(1000);
    c.say(10000);
    room.tick();
    assert_eq!(a.heard(), [Heard::Level(11000)]);
    assert_eq!(b.heard(), [Heard::Level(10100)]);
    assert_eq!(c.heard(), [Heard::Level(1100)]);
    // Next tick only A speaks: A hears no one, so nothing is sent to it.
    a.say(7);
    room.tick();
    assert_eq!(a.heard(), []);
    assert_eq!(b.heard(), [Heard::Level(7)]);
    assert_eq!(c.heard(), [Heard::Level(7)]);
    let r = party(&room, A);
    assert_eq!((r.frames_in, r.frames_out), (2, 1));
    assert_eq!(room.report().ticks, 2);
}

#[test]
fn supervision_listen_whisper_barge_over_ticks() {
    let mut room = Room::default();
    let mut caller = join(&mut room, A, Audience::Everyone, 8);
    let mut agent = join(&mut room, B, Audience::Everyone, 8);
    let mut supervisor = join(&mut room, C, Audience::Nobody, 8);
    let mut tick = |room: &mut Room| {
        caller.say(1);
        agent.say(20);
        supervisor.say(300);
        room.tick();
        [caller.heard(), agent.heard(), supervisor.heard()]
    };
    let level = |l| vec![Heard::Level(l)];
    // Listening: heard by nobody, hears both.
    assert_eq!(tick(&mut room), [level(20), level(1), level(21)]);
    // Whispering to the agent: only the agent hears the supervisor.
    room.mixer.set_audience(C, Audience::Only(B)).unwrap();
    assert_eq!(tick(&mut room), [level(20), level(301), level(21)]);
    // Barging in: all three hear each other.
    room.mixer.set_audience(C, Audience::Everyone).unwrap();
    assert_eq!(tick(&mut room), [level(320), level(301), level(21)]);
}

#[test]
fn frames_wait_three_deep_and_the_oldest_is_dropped_and_counted() {
    let mut room = Room::default();
    let a = join(&mut room, A, Audience::Everyone, 8);
    let mut b = join(&mut room, B, Audience::Everyone, 8);
    for level in 1..=5 {
        a.say(level);
    }
    let mut got = Vec::new();
    for _ in 0..5 {
        room.tick();
        got.extend(b.heard());
    }
    // 1 and 2 were dropped; then one frame a tick; then nothing (B hears no one).
    assert_eq!(got, [Heard::Level(3), Heard::Level(4), Heard::Level(5)]);
    let r = party(&room, A);
    assert_eq!((r.frames_in, r.frames_in_dropped), (3, 2));
    assert_eq!(room.report().frames_in_dropped, 2);
    assert_eq!(party(&room, B).frames_out, 3);
}

#[test]
fn a_full_leg_inbox_is_a_counted_drop_and_a_stopped_leg_is_silent() {
    let mut room = Room::default();
    let a = join(&mut room, A, Audience::Everyone, 8);
    let mut b = join(&mut room, B, Audience::Everyone, 1);
    let c = join(&mut room, C, Audience::Everyone, 8);
    drop(c.hears); // C's leg has stopped.
    for level in 1..=3 {
        a.say(level);
        room.tick();
    }
    // B's inbox holds one frame and is never read here: the next two are dropped.
    assert_eq!(b.heard(), [Heard::Level(1)]);
    let rb = party(&room, B);
    assert_eq!((rb.frames_out, rb.frames_out_dropped), (1, 2));
    let rc = party(&room, C);
    assert!(rc.leg_stopped);
    assert_eq!((rc.frames_out, rc.frames_out_dropped), (0, 0));
    // C still speaks (its leg's sender is alive) and is still heard: only removal ends that.
    c.says
        .try_send(BridgeFrame::Audio(Box::new([9; 160])))
        .unwrap();
    room.tick();
    assert_eq!(b.heard(), [Heard::Level(9)]);
    // Removing B keeps its drops in the room's totals.
    let removed = room.remove(B).unwrap();
    assert_eq!(removed.frames_out_dropped, 2);
    assert_eq!(room.report().frames_out_dropped, 2);
    assert!(!a.says.is_closed());
}

#[test]
fn digits_go_to_the_parties_who_hear_the_one_who_keyed_them() {
    let mut room = Room::default();
    let mut legs = [
        join(&mut room, A, Audience::Everyone, 8),
        join(&mut room, B, Audience::Everyone, 8),
        join(&mut room, C, Audience::Nobody, 8),
        join(&mut room, D, Audience::Only(B), 8),
    ];
    let mut after = |room: &mut Room, who: usize, digit: char| {
        legs[who].key(digit);
        room.tick();
        legs.iter_mut().map(|l| l.heard()).collect::<Vec<_>>()
    };
    let five = || vec![Heard::Digit('5')];
    assert_eq!(after(&mut room, 0, '5'), [vec![], five(), five(), five()]);
    assert_eq!(after(&mut room, 2, '#'), [vec![], vec![], vec![], vec![]]);
    assert_eq!(
        after(&mut room, 3, '9'),
        [vec![], vec![Heard::Digit('9')], vec![], vec![]]
    );
    assert_eq!(party(&room, A).digits, 1);
    assert_eq!(party(&room, C).digits, 1);
}

#[test]
fn bad_changes_are_refused_and_change_nothing() {
    let mut room = Room::default();
    let mut a = join(&mut room, A, Audience::Everyone, 8);
    let b = join(&mut room, B, Audience::Only(A), 8);
    let before = room.report();
    let (tx, _rx) = mpsc::channel(8);
    assert_eq!(
        room.add(A, tx.clone(), Audience::Everyone).err(),
        Some(MixError::AlreadyPresent(A))
    );
    assert_eq!(
        room.add(C, tx, Audience::Only(D)).err(),
        Some(MixError::UnknownParty(D))
    );
    assert_eq!(room.remove(C).err(), Some(MixError::UnknownParty(C)));
    assert_eq!(
        room.mixer.set_audience(C, Audience::Nobody),
        Err(MixError::UnknownParty(C))
    );
    assert_eq!(
        room.mixer.set_audience(B, Audience::Only(D)),
        Err(MixError::UnknownParty(D))
    );
    assert_eq!(room.report(), before);
    assert_eq!(room.members.len(), room.mixer.len());
    // Still whispering to A.
    b.say(42);
    room.tick();
    assert_eq!(a.heard(), [Heard::Level(42)]);
}

#[test]
fn removing_the_whispered_to_party_leaves_the_whisperer_heard_by_nobody() {
    let mut room = Room::default();
    let mut a = join(&mut room, A, Audience::Everyone, 8);
    let b = join(&mut room, B, Audience::Everyone, 8);
    let c = join(&mut room, C, Audience::Only(B), 8);
    let removed = room.remove(B).unwrap();
    assert_eq!(removed.party, B);
    assert_eq!(removed.audience, Audience::Everyone);
    assert_eq!(party(&room, C).audience, Audience::Nobody);
    // B's sender no longer reaches the room: its leg's frames are refused (as after unbridge).
    assert!(b.says.is_closed());
    c.say(5);
    room.tick();
    assert_eq!(a.heard(), []);
}

#[test]
fn late_ticks_are_caught_up_to_three_then_skipped() {
    let mut room = Room::default();
    let t0 = Instant::now();
    // On time, and up to 60 ms late: the next tick is 20 ms after the one due.
    assert_eq!(room.after(t0, t0), t0 + TICK);
    assert_eq!(room.after(t0, t0 + TICK * 4), t0 + TICK);
    assert_eq!(room.ticks_skipped, 0);
    // 100 ms late: 20 ms after now, the 4 missed ticks counted.
    let now = t0 + Duration::from_millis(100);
    assert_eq!(room.after(t0, now), now + TICK);
    assert_eq!(room.ticks_skipped, 4);
}

#[tokio::test]
async fn the_handle_refuses_bad_input_reports_and_closes() {
    let room = spawn();
    let (a_tx, _a_rx) = mpsc::channel(8);
    let (b_tx, mut b_rx) = mpsc::channel(8);
    let a_says = room.add(A, a_tx.clone(), Audience::Everyone).await.unwrap();
    room.add(B, b_tx, Audience::Everyone).await.unwrap();
    assert_eq!(
        room.add(A, a_tx.clone(), Audience::Nobody).await.err(),
        Some(RoomError::Mix(MixError::AlreadyPresent(A)))
    );
    assert_eq!(
        room.set_audience(B, Audience::Only(C)).await,
        Err(RoomError::Mix(MixError::UnknownParty(C)))
    );
    assert_eq!(
        room.remove(C).await.err(),
        Some(RoomError::Mix(MixError::UnknownParty(C)))
    );
    // The room runs: what A says reaches B within a tick or two.
    a_says
        .try_send(BridgeFrame::Audio(Box::new([3; 160])))
        .unwrap();
    let heard = tokio::time::timeout(Duration::from_secs(5), b_rx.recv())
        .await
        .unwrap();
    assert!(matches!(heard, Some(BridgeFrame::Audio(pcm)) if pcm[0] == 3));
    let last = room.close().await.unwrap();
    assert_eq!(last.parties.len(), 2);
    assert!(last.ticks >= 1);
    assert_eq!(room.report().await, Err(RoomError::Stopped));
    assert_eq!(
        room.add(C, a_tx, Audience::Everyone).await.err(),
        Some(RoomError::Stopped)
    );
    // The room let go of the legs' inboxes and its own.
    while let Some(f) = b_rx.recv().await {
        assert!(matches!(f, BridgeFrame::Audio(_)));
    }
    assert!(a_says.is_closed());
}

#[tokio::test]
async fn dropping_every_handle_ends_the_room() {
    let room = spawn();
    let second = room.clone();
    let (tx, mut rx) = mpsc::channel(8);
    let says = room.add(A, tx, Audience::Everyone).await.unwrap();
    drop(room);
    assert!(second.report().await.is_ok(), "one handle still holds it");
    drop(second);
    // The task ends and drops its senders: the leg's inbox sees the end.
    let end = tokio::time::timeout(Duration::from_secs(5), rx.recv()).await;
    assert!(matches!(end, Ok(None)));
    assert!(says.is_closed());
}
