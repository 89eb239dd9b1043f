//! The call core's simulation suite, part two: where a caller goes besides an agent (a queue's
//! opening hours and after-hours routes, outside numbers), the survey invitation, and the
//! notification calls the core places (a district's dispatch phone). Same harness as
//! `simulation.rs` (`sim/mod.rs`), same end-of-scenario checks.

// A test crate: its helpers (the harness), like its tests, state what they expect with unwrap,
// expect, panic and indexing (clippy.toml's test allowances reach only #[test] functions).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[allow(dead_code)]
mod sim;

use hotline_call::Disposition;
use sim::{connect, queued, Dialog, Sim, SEC};

/// `general` keeping the hours of `calendar` and going by `after_hours` while closed, plus
/// `duty` (always open unless `duty_calendar`), every agent in both.
fn with_hours(calendar: &str, after_hours: hotline_acd::Exit, duty_calendar: Option<&str>) -> Sim {
    let mut general = sim::general(20);
    general.calendar = Some(calendar.into());
    general.after_hours = after_hours;
    let mut duty = sim::general(20);
    duty.name = "duty".into();
    duty.calendar = duty_calendar.map(str::to_string);
    duty.after_hours = hotline_acd::Exit::Queue("general".into());
    Sim::with(
        vec![general, duty],
        &[("main", sim::MAIN), ("survey", sim::SURVEY)],
    )
}

#[test]
fn a_closed_queue_sends_the_caller_to_the_duty_queue() {
    let mut sim = with_hours("evenings", hotline_acd::Exit::Queue("duty".into()), None);
    sim.agent_ready(1);
    let c = queued(&mut sim, "13900031111");
    let a = connect(&mut sim, c, 1);
    sim.hang_up(c);
    assert_eq!(sim.state(a), Dialog::Ended);
    let r = sim.record(c);
    assert_eq!(r.queue.as_deref(), Some("duty"), "{r:?}");
    assert_eq!(r.disposition, Disposition::Answered);
    let snap = sim.router.router().snapshot(sim.router.clock(sim.now));
    let offered = |name: &str| {
        snap.queues
            .iter()
            .find(|q| q.name == name)
            .map(|q| q.counters.offered)
    };
    assert_eq!((offered("general"), offered("duty")), (Some(0), Some(1)));
    sim.assert_clean();
}

#[test]
fn a_closed_queue_with_the_ticket_route_notes_the_call_and_reads_its_number() {
    let mut sim = with_hours("evenings", hotline_acd::Exit::Ticket, None);
    sim.agent_ready(1);
    let c = sim.call("13900032222");
    sim.press(c, '1');
    assert_eq!(sim.phase(c), "leaving");
    assert!(
        sim.ringing(1).is_none(),
        "no agent is rung for a closed queue"
    );
    let said = sim.playing_names(c);
    assert_eq!(
        said.first().map(String::as_str),
        Some("queue_closed_ticket"),
        "{said:?}"
    );
    assert!(said.contains(&"ticket_number".to_string()), "{said:?}");
    assert_eq!(said.last().map(String::as_str), Some("goodbye"));
    assert_eq!(
        sim.queue_tickets,
        [(
            c,
            "Called while queue general was closed: call back".to_string()
        )]
    );
    sim.play_out(c);
    assert_eq!(sim.state(c), Dialog::Ended);
    assert_eq!(sim.record(c).disposition, Disposition::Transferred);
    sim.assert_clean();
}

#[test]
fn a_closed_queue_with_the_hangup_route_reads_its_opening_hours() {
    let mut sim = with_hours("evenings", hotline_acd::Exit::Hangup, None);
    let c = sim.call("13900033333");
    sim.press(c, '1');
    let said = sim.playing_names(c);
    assert_eq!(said.first().map(String::as_str), Some("closed_hours"));
    assert_eq!(said.last().map(String::as_str), Some("goodbye"));
    assert!(said.len() > 4, "the hours are read: {said:?}");
    sim.play_out(c);
    assert_eq!(sim.state(c), Dialog::Ended);
    let r = sim.record(c);
    assert_eq!(r.disposition, Disposition::UnservedInIvr);
    assert!(sim.queue_tickets.is_empty());
    sim.assert_clean();
}

#[test]
fn a_queue_open_by_its_calendar_closes_when_the_clock_passes_its_hours() {
    let mut sim = with_hours("office", hotline_acd::Exit::Ticket, None);
    sim.agent_ready(1);
    // Monday 08:53: open.
    let c = queued(&mut sim, "13900034444");
    connect(&mut sim, c, 1);
    sim.hang_up(c);
    sim.advance(60 * SEC);
    // Monday 18:53: closed.
    sim.advance(10 * 3600 * SEC);
    let d = sim.call("13900034445");
    sim.press(d, '1');
    assert_eq!(sim.phase(d), "leaving");
    sim.play_out(d);
    assert_eq!(sim.record(d).disposition, Disposition::Transferred);
    sim.assert_clean();
}

#[test]
fn a_closed_duty_queue_too_ends_in_a_ticket_not_a_loop() {
    let mut sim = with_hours(
        "evenings",
        hotline_acd::Exit::Queue("duty".into()),
        Some("evenings"),
    );
    let c = sim.call("13900035555");
    sim.press(c, '1');
    assert_eq!(sim.phase(c), "leaving");
    assert_eq!(
        sim.queue_tickets,
        [(
            c,
            "Called while queue duty was closed: call back".to_string()
        )]
    );
    sim.play_out(c);
    assert_eq!(sim.record(c).disposition, Disposition::Transferred);
    sim.assert_clean();
}

#[test]
fn max_wait_hands_the_caller_to_an_outside_number_and_bridges_it() {
    let mut q = sim::general(20);
    q.max_wait_secs = Some(30);
    q.max_wait_exit = hotline_acd::Exit::Number("13700001111".into());
    let mut sim = Sim::with(vec![q], &[("main", sim::MAIN), ("survey", sim::SURVEY)]);
    let c = queued(&mut sim, "13900036666");
    sim.advance(31 * SEC);
    assert_eq!(sim.phase(c), "outside");
    let o = sim
        .last_placed_to("13700001111")
        .expect("the outside number is dialled");
    assert_eq!(sim.state(o), Dialog::Ringing);
    sim.answer(o);
    assert_eq!(sim.legs[&c].bridged, Some(o));
    sim.advance(20 * SEC);
    sim.hang_up(o);
    assert_eq!(sim.state(c), Dialog::Ended, "the caller is hung up with it");
    let r = sim.record(c);
    assert_eq!(r.disposition, Disposition::Transferred);
    assert_eq!(r.agent_id, None);
    assert!(sim.queue_tickets.is_empty());
    sim.assert_clean();
}

#[test]
fn an_outside_number_not_reached_gives_the_caller_a_ticket() {
    let mut sim = with_hours(
        "evenings",
        hotline_acd::Exit::Number("13700002222".into()),
        None,
    );
    let c = sim.call("13900037777");
    sim.press(c, '1');
    assert_eq!(sim.phase(c), "outside");
    let o = sim.last_placed_to("13700002222").expect("dialled");
    sim.fail(o, 486);
    assert_eq!(sim.phase(c), "leaving");
    let said = sim.playing_names(c);
    assert_eq!(
        said.first().map(String::as_str),
        Some("queue_closed_ticket"),
        "{said:?}"
    );
    assert_eq!(
        sim.queue_tickets,
        [(
            c,
            "Handed to 13700002222, which was not reached: call back".to_string()
        )]
    );
    sim.play_out(c);
    assert_eq!(sim.state(c), Dialog::Ended);
    assert_eq!(sim.record(c).disposition, Disposition::Transferred);
    sim.assert_clean();
}

#[test]
fn the_caller_hanging_up_while_the_outside_number_rings_cancels_it() {
    let mut sim = with_hours(
        "evenings",
        hotline_acd::Exit::Number("13700003333".into()),
        None,
    );
    let c = sim.call("13900038888");
    sim.press(c, '1');
    let o = sim.last_placed_to("13700003333").expect("dialled");
    sim.hang_up(c);
    assert_eq!(sim.state(o), Dialog::Ended, "the outside call is cancelled");
    assert!(sim.queue_tickets.is_empty());
    assert_eq!(sim.record(c).disposition, Disposition::Transferred);
    sim.assert_clean();
}

#[test]
fn an_outside_number_that_never_answers_ends_in_a_ticket_when_its_ring_time_is_up() {
    let mut sim = with_hours(
        "evenings",
        hotline_acd::Exit::Number("13700004444".into()),
        None,
    );
    let c = sim.call("13900039999");
    sim.press(c, '1');
    let o = sim.last_placed_to("13700004444").expect("dialled");
    sim.advance(35 * SEC);
    assert_eq!(sim.state(o), Dialog::Ringing, "rings past Timer B's 32 s");
    assert_eq!(sim.phase(c), "outside");
    sim.advance(6 * SEC);
    assert_eq!(sim.state(o), Dialog::Ended, "cancelled after its ring time");
    assert_eq!(sim.phase(c), "leaving");
    assert_eq!(sim.queue_tickets.len(), 1);
    for w in &sim.sip.wire {
        eprintln!("WIRE {w:?}");
    }
    sim.play_out(c);
    assert_eq!(sim.record(c).disposition, Disposition::Transferred);
    sim.assert_clean();
}

#[test]
fn the_survey_invitation_follows_the_staff_number_and_the_survey_is_counted() {
    let mut sim = Sim::with_survey_invite();
    sim.agent_ready(1);
    let c = queued(&mut sim, "13900040001");
    let a = sim.ringing(1).expect("rung");
    sim.answer(a);
    let said = sim.playing_names(c);
    assert_eq!(
        said.iter()
            .rev()
            .take(2)
            .map(String::as_str)
            .collect::<Vec<_>>(),
        ["survey_invite", "agent_serving"],
        "{said:?}"
    );
    sim.play_out(c);
    assert_eq!(sim.phase(c), "bridged");
    sim.hang_up(a);
    assert_eq!(sim.surveys, (1, 0), "offered when the agent hangs up");
    sim.press(c, '4');
    assert_eq!(sim.surveys, (1, 1), "answered with a score");
    sim.play_out(c);
    // A caller who hangs up first is not offered it.
    sim.agent_back_ready(1);
    let d = queued(&mut sim, "13900040002");
    let b = connect(&mut sim, d, 1);
    sim.hang_up(d);
    assert_eq!(sim.state(b), Dialog::Ended);
    assert_eq!(sim.surveys, (1, 1));
    sim.assert_clean();
}

#[test]
fn without_the_invitation_the_staff_number_ends_the_announcement() {
    let mut sim = Sim::new();
    sim.agent_ready(1);
    let c = queued(&mut sim, "13900040003");
    let a = sim.ringing(1).expect("rung");
    sim.answer(a);
    assert_eq!(
        sim.playing_names(c).last().map(String::as_str),
        Some("agent_serving")
    );
    sim.play_out(c);
    sim.hang_up(c);
    sim.assert_clean();
}

fn notify(sim: &mut Sim, id: u64, number: &str) -> hotline_call::CallId {
    sim.input(hotline_call::control::Input::Notify(
        hotline_call::control::Notify {
            id,
            number: number.into(),
            prompts: vec![
                "ticket_number".into(),
                "digit_4".into(),
                "district_east".into(),
            ],
            ring: 30 * SEC,
            listen: 5 * SEC,
            rounds: 2,
        },
    ));
    sim.last_placed_to(number).expect("the number is dialled")
}

#[test]
fn a_notification_is_said_and_acknowledged_with_1() {
    use hotline_call::control::NotifyOutcome;
    let mut sim = Sim::new();
    let n = notify(&mut sim, 7, "02088881001");
    assert_eq!(sim.state(n), Dialog::Ringing);
    sim.answer(n);
    assert_eq!(
        sim.playing_names(n),
        ["ticket_number", "digit_4", "district_east", "notify_ack"]
    );
    sim.press(n, '1');
    assert_eq!(sim.notified, [(7, NotifyOutcome::Acknowledged)]);
    assert_eq!(sim.playing_names(n), ["notify_thanks"]);
    sim.play_out(n);
    assert_eq!(
        sim.state(n),
        Dialog::Ended,
        "the engine hangs up after thanking"
    );
    assert_eq!(sim.notified.len(), 1, "one outcome");
    sim.assert_clean();
}

#[test]
fn a_notification_without_a_key_is_said_again_then_given_up() {
    use hotline_call::control::NotifyOutcome;
    let mut sim = Sim::new();
    let n = notify(&mut sim, 8, "02088881002");
    sim.answer(n);
    sim.play_out(n);
    sim.advance(5 * SEC);
    assert_eq!(
        sim.playing_names(n).last().map(String::as_str),
        Some("notify_ack"),
        "said again"
    );
    assert!(sim.notified.is_empty());
    sim.play_out(n);
    sim.advance(5 * SEC);
    assert_eq!(sim.notified, [(8, NotifyOutcome::NotAcknowledged)]);
    assert_eq!(sim.state(n), Dialog::Ended);
    sim.assert_clean();
}

#[test]
fn a_notification_not_answered_says_why() {
    use hotline_call::control::NotifyOutcome;
    use hotline_call::EndClass;
    let mut sim = Sim::new();
    let busy = notify(&mut sim, 9, "02088881003");
    sim.fail(busy, 486);
    let hung = notify(&mut sim, 10, "02088881004");
    sim.answer(hung);
    sim.hang_up(hung);
    let rang = notify(&mut sim, 11, "02088881005");
    sim.advance(31 * SEC);
    assert_eq!(
        sim.notified,
        [
            (9, NotifyOutcome::NotReached(EndClass::Busy)),
            (10, NotifyOutcome::NotAcknowledged),
            (11, NotifyOutcome::NotReached(EndClass::NoAnswer)),
        ]
    );
    assert_eq!(sim.state(rang), Dialog::Ended);
    sim.assert_clean();
}
