//! The call core's simulation suite: whole calls and the races between the SIP layer, the
//! media legs, the router and the desktop, each staged exactly on a virtual clock (see
//! `sim/mod.rs`). Every scenario ends by checking that nothing leaked and that each call has
//! exactly one, correct record.

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

use std::time::Duration;

use hotline_call::control::{CallAction, ControlError};
use hotline_call::{Disposition, EndReason, Side};
use sim::{connect, queued, Dialog, Sim, Store, SEC};

#[test]
fn a_whole_call_from_the_menu_to_the_survey_and_its_record() {
    let mut sim = Sim::new();
    sim.agent_ready(1);
    let c = queued(&mut sim, "13900001111");
    let a = sim.ringing(1).expect("agent 1 rings at once");
    assert_eq!(sim.agent_state(1), "reserved");
    sim.advance(2 * SEC);
    sim.answer(a);
    // 工号 1023 为您服务, in the caller's language.
    let said = sim.playing_names(c);
    assert_eq!(
        said.first().map(String::as_str),
        Some("agent_intro"),
        "{said:?}"
    );
    assert_eq!(
        said.last().map(String::as_str),
        Some("agent_serving"),
        "{said:?}"
    );
    assert!(
        said.contains(&"digit_1".to_string()) && said.contains(&"digit_3".to_string()),
        "{said:?}"
    );
    sim.play_out(c);
    assert_eq!(sim.phase(c), "bridged");
    assert_eq!(sim.agent_state(1), "on_call");
    sim.advance(60 * SEC);
    // The agent hangs up first: the caller goes to the survey and rates 5.
    sim.hang_up(a);
    assert_eq!(sim.phase(c), "after_agent");
    assert_eq!(sim.playing_names(c), ["survey_scale"]);
    sim.press(c, '5');
    assert_eq!(sim.playing_names(c), ["survey_thanks"]);
    sim.play_out(c);
    assert_eq!(
        sim.state(c),
        Dialog::Ended,
        "the flow hung up after thanking"
    );
    let r = sim.record(c);
    assert_eq!(r.disposition, Disposition::Answered);
    assert_eq!(r.agent_id, Some(1));
    assert_eq!(r.queue.as_deref(), Some("general"));
    assert_eq!(r.wait_ms, Some(2000));
    assert_eq!(r.talk_ms, Some(60_000));
    assert_eq!(r.hangup_side, Side::Agent);
    assert!(sim
        .logs
        .iter()
        .any(|e| matches!(e, hotline_call::control::LogEvent::Survey { score: 5, .. })));
    assert!(sim.recorded.contains(&c));
    assert_eq!(sim.agent_state(1), "ready", "no wrap-up in this queue");
    sim.assert_clean();
}

#[test]
fn self_service_ends_served_without_the_router() {
    let mut sim = Sim::new();
    let c = sim.call("13900001112");
    sim.press(c, '2');
    assert_eq!(sim.playing_names(c), ["goodbye"]);
    sim.play_out(c);
    assert_eq!(sim.state(c), Dialog::Ended);
    assert_eq!(sim.record(c).disposition, Disposition::SelfServed);
    assert!(
        sim.router_outputs.is_empty(),
        "the router never heard of it"
    );
    sim.assert_clean();
}

#[test]
fn the_ring_timeout_in_the_same_instant_as_the_agents_answer() {
    // The router gives up on agent 1 (its ring time is over) and, in the same instant, agent
    // 1's 200 OK reaches the core: the router's word stands; the caller waits again and is
    // offered to agent 2; agent 1's answered leg is hung up; nobody is connected twice.
    let mut sim = Sim::with(
        vec![sim::general(5)],
        &[("main", sim::MAIN), ("survey", sim::SURVEY)],
    );
    sim.agent_ready(1);
    sim.agent_ready(2);
    let c = queued(&mut sim, "13900002222");
    let a1 = sim.ringing(1).expect("agent 1 rings");
    sim.hold_router();
    sim.advance(5 * SEC);
    sim.router_tick(); // the router's RingTimeout is now on its way to the core
    sim.answer_raw(a1); // the 200 OK reaches the core first
    sim.release_router(); // the core's Answered reaches the router after its timeout
    assert_eq!(
        sim.state(a1),
        Dialog::Ended,
        "agent 1's late answer is hung up"
    );
    let a2 = sim.ringing(2).expect("the caller is offered to agent 2");
    sim.answer(a2);
    sim.play_out(c);
    assert_eq!(sim.phase(c), "bridged");
    assert_eq!(sim.legs[&c].bridged, Some(a2));
    assert_eq!(sim.agent_state(1), "not_ready", "agent 1 missed the call");
    sim.hang_up(c);
    let r = sim.record(c);
    assert_eq!(
        r.agent_id,
        Some(2),
        "agent 1's answer was not taken: agent 2 served"
    );
    assert_eq!(r.wait_ms, Some(5000), "waiting until agent 2 answered");
    sim.assert_clean();
}

#[test]
fn the_answer_reaches_the_router_just_before_its_ring_timeout() {
    let mut sim = Sim::with(
        vec![sim::general(5)],
        &[("main", sim::MAIN), ("survey", sim::SURVEY)],
    );
    sim.agent_ready(1);
    let c = queued(&mut sim, "13900002223");
    let a = sim.ringing(1).unwrap();
    sim.advance(5 * SEC - Duration::from_millis(1));
    sim.answer(a);
    sim.advance(SEC);
    assert_eq!(sim.phase(c), "announcing", "no timeout after the answer");
    sim.play_out(c);
    sim.hang_up(c);
    assert_eq!(sim.state(a), Dialog::Ended);
    let r = sim.record(c);
    assert_eq!((r.agent_id, r.hangup_side), (Some(1), Side::Caller));
    sim.assert_clean();
}

#[test]
fn the_caller_hangs_up_during_the_staff_number() {
    let mut sim = Sim::new();
    sim.agent_ready(1);
    let c = queued(&mut sim, "13900003333");
    let a = sim.ringing(1).unwrap();
    sim.answer(a);
    assert_eq!(sim.phase(c), "announcing");
    sim.hang_up(c);
    assert_eq!(sim.state(a), Dialog::Ended, "the agent is hung up");
    let r = sim.record(c);
    assert_eq!(r.disposition, Disposition::Answered);
    assert_eq!(r.hangup_side, Side::Caller);
    assert_eq!(sim.agent_state(1), "ready");
    sim.assert_clean();
}

#[test]
fn the_caller_cancels_while_the_offer_rings() {
    let mut sim = Sim::new();
    sim.agent_ready(1);
    let c = queued(&mut sim, "13900004444");
    let a = sim.ringing(1).unwrap();
    sim.advance(3 * SEC);
    sim.hang_up(c);
    assert_eq!(
        sim.state(a),
        Dialog::Ended,
        "the agent's ringing is cancelled"
    );
    let r = sim.record(c);
    assert_eq!(r.disposition, Disposition::AbandonedInQueue);
    assert_eq!(r.agent_id, None);
    assert_eq!(r.wait_ms, Some(3000));
    assert_eq!(sim.agent_state(1), "ready", "back to ready, not missed");
    sim.assert_clean();
}

#[test]
fn the_agents_phone_is_busy_and_the_next_agent_takes_it() {
    let mut sim = Sim::new();
    sim.agent_ready(1);
    sim.agent_ready(2);
    let c = queued(&mut sim, "13900005555");
    let a1 = sim.ringing(1).unwrap();
    sim.fail(a1, 486);
    let a2 = sim.ringing(2).expect("offered on at once");
    sim.answer(a2);
    sim.play_out(c);
    sim.hang_up(a2);
    sim.hang_up(c);
    assert_eq!(sim.record(c).agent_id, Some(2));
    sim.assert_clean();
}

#[test]
fn an_agent_re_registering_from_another_address_while_offered_keeps_the_offer() {
    let mut sim = Sim::new();
    sim.agent_ready(1);
    let c = queued(&mut sim, "13900006666");
    let a = sim.ringing(1).unwrap();
    // The phone registers again from a new port: two contacts for a moment, then one.
    sim.input(hotline_call::control::Input::Registration {
        user: "1001".into(),
        contacts: 2,
    });
    sim.input(hotline_call::control::Input::Registration {
        user: "1001".into(),
        contacts: 1,
    });
    assert_eq!(sim.state(a), Dialog::Ringing, "the offer rings on");
    assert_eq!(sim.agent_state(1), "reserved");
    connect_answered(&mut sim, c, a);
    sim.hang_up(c);
    sim.assert_clean();
}

fn connect_answered(sim: &mut Sim, c: hotline_call::CallId, a: hotline_call::CallId) {
    sim.answer(a);
    sim.play_out(c);
    assert_eq!(sim.phase(c), "bridged");
}

#[test]
fn the_caller_hangs_up_in_the_same_tick_as_the_bridge() {
    let mut sim = Sim::new();
    sim.agent_ready(1);
    let c = queued(&mut sim, "13900007777");
    let a = sim.ringing(1).unwrap();
    sim.answer(a);
    // The staff number's end and the caller's BYE in the same instant, the BYE first.
    sim.hold_sip();
    sim.hang_up_raw(c);
    sim.play_out(c);
    sim.release_sip();
    assert_eq!(sim.state(a), Dialog::Ended);
    assert_eq!(sim.record(c).disposition, Disposition::Answered);
    sim.assert_clean();
}

#[test]
fn the_bridge_then_the_callers_hang_up_in_the_same_tick() {
    let mut sim = Sim::new();
    sim.agent_ready(1);
    let c = queued(&mut sim, "13900007778");
    let a = sim.ringing(1).unwrap();
    sim.answer(a);
    sim.play_out(c);
    sim.hang_up(c);
    assert_eq!(sim.state(a), Dialog::Ended);
    assert_eq!(sim.record(c).hangup_side, Side::Caller);
    sim.assert_clean();
}

#[test]
fn a_slow_store_lets_the_flow_time_out_and_a_late_answer_changes_nothing() {
    let mut sim = Sim::new();
    sim.store = Store::Slow;
    let c = sim.call("13900008888");
    sim.press(c, '2');
    assert_eq!(sim.lookups.len(), 1, "the lookup waits for the store");
    // The lookup's own timeout (the interpreter's) decides: the flow goes on (error branch).
    sim.advance(30 * SEC);
    assert_eq!(sim.state(c), Dialog::Ended, "the error branch hung up");
    // The store answers long after: nothing happens to a call that is gone.
    let (call, id, _) = sim.lookups.pop_front().unwrap();
    let before = sim.unexpected.len();
    sim.input(hotline_call::control::Input::Ivr {
        call,
        event: hotline_ivr::interp::Event::Lookup {
            id,
            result: hotline_ivr::interp::LookupResult::NotFound,
        },
    });
    assert_eq!(sim.unexpected.len(), before + 1, "counted as unexpected");
    assert_eq!(sim.record(c).disposition, Disposition::UnservedInIvr);
    sim.assert_clean();
}

#[test]
fn a_store_that_is_down_sends_the_flow_down_its_error_branch() {
    let mut sim = Sim::new();
    sim.store = Store::Down;
    let c = sim.call("13900008889");
    sim.press(c, '2');
    assert_eq!(sim.state(c), Dialog::Ended);
    assert_eq!(sim.record(c).disposition, Disposition::UnservedInIvr);
    sim.assert_clean();
}

#[test]
fn a_duplicate_end_and_a_duplicate_answer_change_nothing() {
    let mut sim = Sim::new();
    sim.agent_ready(1);
    let c = queued(&mut sim, "13900009999");
    let a = sim.ringing(1).unwrap();
    sim.answer(a);
    // The 200 OK reported twice.
    sim.input(hotline_call::control::Input::Answered {
        call: a,
        usable: true,
    });
    assert_eq!(sim.phase(c), "announcing");
    sim.play_out(c);
    sim.hang_up(c);
    // The caller's end reported a second time, long after.
    sim.input(hotline_call::control::Input::Ended {
        call: c,
        reason: EndReason::RemoteHangup,
    });
    assert!(sim.unexpected.contains(&"answered") && sim.unexpected.contains(&"ended"));
    sim.record(c); // exactly one record
    sim.assert_clean();
}

#[test]
fn events_for_calls_never_seen_are_counted_not_applied() {
    let mut sim = Sim::new();
    let ghost = hotline_call::CallId(424242);
    sim.input(hotline_call::control::Input::Answered {
        call: ghost,
        usable: true,
    });
    sim.input(hotline_call::control::Input::Leg {
        call: ghost,
        event: hotline_call::control::LegEvent::Digit('1'),
    });
    sim.input(hotline_call::control::Input::HoldChanged {
        call: ghost,
        on_hold: true,
    });
    sim.input(hotline_call::control::Input::Ended {
        call: ghost,
        reason: EndReason::RemoteHangup,
    });
    sim.input(hotline_call::control::Input::QueueTicket {
        call: ghost,
        number: None,
    });
    assert_eq!(sim.unexpected.len(), 5, "{:?}", sim.unexpected);
    assert!(sim.logs.is_empty(), "no record for a call never seen");
    sim.assert_clean();
}

#[test]
fn a_desktop_transfer_to_a_queue_puts_the_caller_back_in_line() {
    let mut sim = Sim::new();
    sim.agent_ready(1);
    let c = queued(&mut sim, "13900010000");
    let a = connect(&mut sim, c, 1);
    assert_eq!(
        sim.desk(1, CallAction::ToQueue("nowhere".into())),
        Err(ControlError::Invalid("queue", "no queue `nowhere`".into()))
    );
    assert_eq!(sim.desk(1, CallAction::ToQueue("general".into())), Ok(()));
    assert_eq!(sim.state(a), Dialog::Ended, "the agent's leg ends");
    // Back in line: agent 1 (no wrap-up in this queue) is free again and is offered it.
    assert_eq!(sim.phase(c), "offering");
    let a2 = sim.ringing(1).expect("offered again");
    connect_answered(&mut sim, c, a2);
    sim.hang_up(c);
    assert_eq!(
        sim.record(c).agent_id,
        Some(1),
        "the first agent who answered"
    );
    sim.assert_clean();
}

#[test]
fn desktop_hold_plays_music_and_takes_back() {
    let mut sim = Sim::new();
    sim.agent_ready(1);
    let c = queued(&mut sim, "13900010001");
    let a = connect(&mut sim, c, 1);
    assert_eq!(sim.desk(1, CallAction::Hold(true)), Ok(()));
    assert_eq!(sim.phase(c), "on_hold");
    assert_eq!(sim.legs[&c].bridged, None);
    assert!(sim.legs[&c].music.is_some());
    sim.advance(10 * SEC);
    assert_eq!(sim.desk(1, CallAction::Hold(false)), Ok(()));
    assert_eq!(sim.legs[&c].bridged, Some(a));
    sim.advance(5 * SEC);
    sim.hang_up(c);
    let r = sim.record(c);
    assert_eq!(r.hold_ms, Some(10_000));
    sim.assert_clean();
}

#[test]
fn desktop_requests_without_a_call_are_refused() {
    let mut sim = Sim::new();
    sim.agent_ready(1);
    assert_eq!(sim.desk(1, CallAction::Hangup), Err(ControlError::NoCall));
    assert_eq!(
        sim.desk(1, CallAction::Hold(true)),
        Err(ControlError::NoCall)
    );
    assert_eq!(
        sim.desk(1, CallAction::Dial("12".into())),
        Err(ControlError::Invalid(
            "phone",
            "`12` cannot be dialled".into()
        ))
    );
    assert_eq!(
        sim.desk(3, CallAction::Dial("13900000000".into())),
        Err(ControlError::PhoneOffline)
    );
    sim.assert_clean();
}

#[test]
fn a_desktop_transfer_during_a_callback_dial_is_refused_and_the_callback_goes_on() {
    let mut sim = Sim::new();
    let c = queued(&mut sim, "13900011111");
    // Nobody is free: the caller asks for a callback and leaves.
    sim.press(c, '1');
    assert_eq!(sim.phase(c), "leaving");
    sim.play_out(c);
    assert_eq!(sim.state(c), Dialog::Ended);
    assert_eq!(sim.record(c).disposition, Disposition::Callback);
    // Agent 1 comes: the callback rings her first.
    sim.agent_ready(1);
    let a = sim.ringing(1).expect("the callback rings the agent first");
    sim.answer(a);
    let customer = sim
        .last_placed_to("13900011111")
        .expect("the customer is dialled");
    // The desk tries to transfer while the customer's phone rings: there is no caller to move.
    assert_eq!(
        sim.desk(1, CallAction::ToQueue("general".into())),
        Err(ControlError::NoCall)
    );
    assert_eq!(sim.state(customer), Dialog::Ringing, "the dial goes on");
    assert!(
        !sim.recorded.contains(&a),
        "nothing recorded before the customer answers"
    );
    sim.answer(customer);
    assert_eq!(sim.legs[&a].bridged, Some(customer));
    assert!(
        sim.recorded.contains(&a),
        "the reached attempt is recorded under the agent's leg (its record's key)"
    );
    sim.advance(30 * SEC);
    sim.hang_up(customer);
    let attempts = sim.attempts();
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0].result, "reached");
    assert_eq!(attempts[0].talk_ms, Some(30_000));
    assert_eq!(attempts[0].hangup_side, Side::Caller);
    sim.assert_clean();
}

#[test]
fn the_router_gives_up_on_a_callback_as_the_customer_answers() {
    // The callback's ring time (agent ring + dial time) ends in the same instant as the
    // customer answers: the conversation goes on and the customer is not called again.
    let mut q = sim::general(5);
    q.callback.dial_secs = 5;
    let mut sim = Sim::with(vec![q], &[("main", sim::MAIN), ("survey", sim::SURVEY)]);
    let c = queued(&mut sim, "13900012222");
    sim.press(c, '1');
    sim.play_out(c);
    sim.agent_ready(1);
    let a = sim.ringing(1).unwrap();
    sim.answer(a);
    let customer = sim.last_placed_to("13900012222").unwrap();
    sim.hold_router();
    sim.advance(10 * SEC);
    sim.router_tick();
    sim.answer_raw(customer);
    sim.release_router();
    assert_eq!(
        sim.state(customer),
        Dialog::Answered,
        "the customer is not dropped"
    );
    assert_eq!(sim.legs[&a].bridged, Some(customer));
    sim.advance(20 * SEC);
    sim.hang_up(a);
    assert_eq!(sim.state(customer), Dialog::Ended);
    // No second callback later.
    sim.agent_ready(2);
    sim.advance(600 * SEC);
    assert!(
        sim.ringing(2).is_none() && sim.ringing(1).is_none(),
        "the customer is not called again"
    );
    assert_eq!(sim.attempts().len(), 1);
    sim.assert_clean();
}

#[test]
fn a_callback_customer_who_is_busy_is_told_to_the_agent_and_retried() {
    let mut q = sim::general(20);
    q.callback.retry_secs = 60;
    let mut sim = Sim::with(vec![q], &[("main", sim::MAIN), ("survey", sim::SURVEY)]);
    let c = queued(&mut sim, "13900013333");
    sim.press(c, '1');
    sim.play_out(c);
    sim.agent_ready(1);
    let a = sim.ringing(1).unwrap();
    sim.answer(a);
    let customer = sim.last_placed_to("13900013333").unwrap();
    sim.fail(customer, 486);
    assert_eq!(
        sim.playing_names(a),
        ["callback_customer_busy"],
        "the agent hears why"
    );
    sim.play_out(a);
    assert_eq!(
        sim.state(a),
        Dialog::Ended,
        "then the agent's leg is hung up"
    );
    assert_eq!(sim.attempts()[0].result, "busy");
    // Retried after a minute; reached this time.
    sim.advance(61 * SEC);
    let a2 = sim.ringing(1).expect("the retry rings the agent again");
    sim.answer(a2);
    let customer2 = sim.last_placed_to("13900013333").unwrap();
    sim.answer(customer2);
    sim.hang_up(a2);
    let results: Vec<&str> = sim.attempts().iter().map(|a| a.result).collect();
    assert_eq!(results, ["busy", "reached"]);
    sim.assert_clean();
}

#[test]
fn max_wait_with_the_hangup_exit_says_so_and_hangs_up() {
    let mut q = sim::general(20);
    q.max_wait_secs = Some(30);
    q.max_wait_exit = hotline_acd::Exit::Hangup;
    let mut sim = Sim::with(vec![q], &[("main", sim::MAIN), ("survey", sim::SURVEY)]);
    let c = queued(&mut sim, "13900014444");
    sim.advance(31 * SEC);
    assert_eq!(sim.phase(c), "leaving");
    assert_eq!(sim.playing_names(c), ["queue_all_busy", "goodbye"]);
    sim.play_out(c);
    assert_eq!(sim.state(c), Dialog::Ended);
    assert_eq!(sim.record(c).disposition, Disposition::Failed);
    sim.assert_clean();
}

#[test]
fn max_wait_with_the_ticket_exit_reads_the_ticket_number() {
    let mut q = sim::general(20);
    q.max_wait_secs = Some(30);
    q.max_wait_exit = hotline_acd::Exit::Ticket;
    let mut sim = Sim::with(vec![q], &[("main", sim::MAIN), ("survey", sim::SURVEY)]);
    let c = queued(&mut sim, "anonymous");
    sim.advance(31 * SEC);
    let said = sim.playing_names(c);
    assert_eq!(said.first().map(String::as_str), Some("queue_ticket_left"));
    assert!(said.contains(&"ticket_number".to_string()), "{said:?}");
    sim.play_out(c);
    assert_eq!(sim.record(c).disposition, Disposition::Transferred);
    sim.assert_clean();
}

#[test]
fn the_caller_hangs_up_while_the_queue_ticket_is_opened() {
    let mut q = sim::general(20);
    q.max_wait_secs = Some(30);
    q.max_wait_exit = hotline_acd::Exit::Ticket;
    let mut sim = Sim::with(vec![q], &[("main", sim::MAIN), ("survey", sim::SURVEY)]);
    sim.store = Store::Slow;
    let c = queued(&mut sim, "anonymous");
    sim.advance(31 * SEC);
    sim.hang_up(c);
    // The ticket's answer comes after the caller left.
    sim.input(hotline_call::control::Input::QueueTicket {
        call: c,
        number: Some("20260001".into()),
    });
    assert_eq!(sim.record(c).disposition, Disposition::Transferred);
    sim.assert_clean();
}

#[test]
fn queue_announcements_say_position_and_offer_a_callback() {
    let mut sim = Sim::new();
    let c1 = queued(&mut sim, "13900015555");
    let c2 = queued(&mut sim, "13900015556");
    sim.advance(31 * SEC);
    let said = sim.playing_names(c2);
    assert_eq!(
        said.first().map(String::as_str),
        Some("queue_position_before"),
        "{said:?}"
    );
    assert!(said.contains(&"queue_callback_offer".to_string()));
    sim.hang_up(c1);
    sim.hang_up(c2);
    assert_eq!(sim.record(c2).disposition, Disposition::AbandonedInQueue);
    sim.assert_clean();
}

#[test]
fn a_missing_staff_number_prompt_bridges_at_once() {
    let mut sim = Sim::new();
    {
        let mut w = sim.world.lock().unwrap();
        for p in [
            "agent_intro",
            "agent_serving",
            "digit_0",
            "digit_1",
            "digit_2",
            "digit_3",
        ] {
            w.missing_prompts.insert(("zh".into(), p.into()));
        }
    }
    sim.agent_ready(1);
    let c = queued(&mut sim, "13900016666");
    let a = sim.ringing(1).unwrap();
    sim.answer(a);
    assert_eq!(
        sim.phase(c),
        "bridged",
        "nothing to say: bridged at once, no silence"
    );
    sim.hang_up(a);
    sim.hang_up(c);
    sim.assert_clean();
}

#[test]
fn no_port_for_the_offer_fails_it_and_the_caller_waits_on() {
    let mut sim = Sim::new();
    let c = queued(&mut sim, "13900017777");
    sim.world.lock().unwrap().free_ports = 0;
    sim.agent_ready(1);
    assert!(sim.ringing(1).is_none(), "no port: not rung");
    assert_eq!(sim.phase(c), "queued");
    sim.world.lock().unwrap().free_ports = 10;
    sim.hang_up(c);
    sim.assert_clean();
}

#[test]
fn no_port_for_a_new_call_refuses_it_with_one_record() {
    let mut sim = Sim::new();
    sim.world.lock().unwrap().free_ports = 0;
    let c = sim.call("13900018888");
    assert_eq!(sim.state(c), Dialog::Ended);
    assert_eq!(sim.ended.get(&c), Some(&EndReason::Rejected(503)));
    assert!(sim
        .logs
        .iter()
        .any(|e| matches!(e, hotline_call::control::LogEvent::Refused { call, .. } if *call == c)));
    sim.assert_clean();
}

#[test]
fn the_media_stopping_releases_the_call() {
    let mut sim = Sim::new();
    sim.agent_ready(1);
    let c = queued(&mut sim, "13900019999");
    let a = connect(&mut sim, c, 1);
    sim.media_timeout(c);
    assert_eq!(sim.state(c), Dialog::Ended);
    assert_eq!(sim.state(a), Dialog::Ended);
    assert_eq!(sim.record(c).hangup_side, Side::System);
    sim.assert_clean();
}

#[test]
fn the_agents_media_stopping_sends_the_caller_to_the_survey() {
    let mut sim = Sim::new();
    sim.agent_ready(1);
    let c = queued(&mut sim, "13900020000");
    let a = connect(&mut sim, c, 1);
    sim.media_timeout(a);
    assert_eq!(sim.phase(c), "after_agent");
    sim.hang_up(c);
    assert_eq!(
        sim.record(c).hangup_side,
        Side::System,
        "the engine ended the agent's side"
    );
    sim.assert_clean();
}

#[test]
fn the_agent_puts_the_caller_on_hold_from_the_phone() {
    let mut sim = Sim::new();
    sim.agent_ready(1);
    let c = queued(&mut sim, "13900021111");
    let a = connect(&mut sim, c, 1);
    sim.input(hotline_call::control::Input::HoldChanged {
        call: a,
        on_hold: true,
    });
    assert_eq!(sim.phase(c), "on_hold");
    assert!(sim.legs[&c].music.is_some(), "the caller hears music");
    sim.advance(4 * SEC);
    sim.input(hotline_call::control::Input::HoldChanged {
        call: a,
        on_hold: false,
    });
    assert_eq!(sim.phase(c), "bridged");
    sim.hang_up(c);
    assert_eq!(sim.record(c).hold_ms, Some(4000));
    sim.assert_clean();
}

#[test]
fn the_wall_clock_stepping_an_hour_changes_no_wait_ring_wrap_up_or_record() {
    for step in [-3_600_000, 3_600_000] {
        let mut q = sim::general(10);
        q.wrap_up_secs = 10;
        let mut sim = Sim::with(vec![q], &[("main", sim::MAIN), ("survey", sim::SURVEY)]);
        sim.agent_ready(1);
        let c = queued(&mut sim, "13900022222");
        let a1 = sim.ringing(1).unwrap();
        sim.advance(4 * SEC);
        sim.step_wall_clock(step);
        // The ring timeout still strikes 10 s after the offer on the monotonic clock.
        sim.advance(5 * SEC);
        assert_eq!(
            sim.state(a1),
            Dialog::Ringing,
            "step {step}: not timed out early"
        );
        sim.advance(SEC);
        assert_eq!(
            sim.state(a1),
            Dialog::Ended,
            "step {step}: timed out on time"
        );
        sim.agent_ready(1);
        let a2 = sim.ringing(1).expect("offered again");
        sim.advance(2 * SEC);
        sim.answer(a2);
        sim.play_out(c);
        sim.advance(30 * SEC);
        sim.hang_up(c);
        let r = sim.record(c);
        assert_eq!(
            r.wait_ms,
            Some(12_000),
            "step {step}: the wait on the monotonic clock"
        );
        assert_eq!(r.talk_ms, Some(30_000), "step {step}");
        // Wrap-up: 10 s on the monotonic clock, the wall clock stepped again meanwhile.
        assert_eq!(sim.agent_state(1), "wrap_up", "step {step}");
        sim.advance(5 * SEC);
        sim.step_wall_clock(step);
        sim.advance(4 * SEC);
        assert_eq!(sim.agent_state(1), "wrap_up", "step {step}: not over early");
        sim.advance(SEC);
        assert_eq!(sim.agent_state(1), "ready", "step {step}: over on time");
        let wrap = sim.logs.iter().find_map(|e| match e {
            hotline_call::control::LogEvent::WrapUp { call, ms } if *call == c => Some(*ms),
            _ => None,
        });
        assert_eq!(
            wrap,
            Some(10_000),
            "step {step}: the wrap-up the record gets"
        );
        // The service level: answered after 12 s, within the 20 s target.
        let at = sim.router.clock(sim.now);
        let snap = sim.router.router().snapshot(at);
        let general = &snap.queues[0].counters;
        assert_eq!(
            (general.answered, general.answered_within_sl),
            (1, 1),
            "step {step}"
        );
        sim.assert_clean();
    }
}

#[test]
fn a_caller_in_the_survey_who_hangs_up_keeps_the_answered_record() {
    let mut sim = Sim::new();
    sim.agent_ready(1);
    let c = queued(&mut sim, "13900023333");
    let a = connect(&mut sim, c, 1);
    sim.hang_up(a);
    assert_eq!(sim.phase(c), "after_agent");
    sim.hang_up(c);
    let r = sim.record(c);
    assert_eq!(r.disposition, Disposition::Answered);
    assert_eq!(r.hangup_side, Side::Agent);
    sim.assert_clean();
}

#[test]
fn a_burst_of_calls_beyond_the_ports_leaks_nothing() {
    let mut sim = Sim::new();
    sim.world.lock().unwrap().free_ports = 10;
    sim.agent_ready(1);
    sim.agent_ready(2);
    let calls: Vec<_> = (0..30)
        .map(|i| sim.call(&format!("1390003{i:04}")))
        .collect();
    for &c in &calls {
        if sim.state(c) != Dialog::Ended {
            sim.press(c, '1');
        }
    }
    sim.advance(5 * SEC);
    for &c in &calls {
        sim.hang_up(c);
    }
    sim.advance(SEC);
    for &c in &calls {
        let _ = sim.state(c);
    }
    sim.assert_clean();
}

#[test]
fn a_queue_reload_during_an_offer_lets_the_offer_finish() {
    let mut sim = Sim::new();
    sim.agent_ready(1);
    let c = queued(&mut sim, "13900024444");
    let a = sim.ringing(1).unwrap();
    // SIGHUP: the queue stays with a shorter ring time; the offer rings on and is answered.
    let now = sim.now;
    sim.router.reconfigure(now, vec![sim::general(3)]);
    sim.settle();
    assert_eq!(sim.state(a), Dialog::Ringing);
    sim.answer(a);
    sim.play_out(c);
    assert_eq!(sim.phase(c), "bridged");
    sim.hang_up(c);
    assert_eq!(sim.record(c).agent_id, Some(1));
    sim.assert_clean();
}

#[test]
fn a_queue_removed_during_an_offer_sends_the_caller_out_by_its_exit_when_unanswered() {
    let mut q = sim::general(20);
    q.max_wait_exit = hotline_acd::Exit::Ticket;
    let mut sim = Sim::with(vec![q], &[("main", sim::MAIN), ("survey", sim::SURVEY)]);
    sim.agent_ready(1);
    let c = queued(&mut sim, "anonymous");
    let a = sim.ringing(1).unwrap();
    let now = sim.now;
    let other = hotline_acd::QueueConfig {
        name: "billing".into(),
        ..hotline_acd::QueueConfig::default()
    };
    sim.router.reconfigure(now, vec![other]);
    sim.settle();
    assert_eq!(sim.state(a), Dialog::Ringing, "the offer finishes normally");
    sim.fail(a, 486);
    assert_eq!(
        sim.phase(c),
        "leaving",
        "unanswered: out by the removed queue's exit"
    );
    let said = sim.playing_names(c);
    assert_eq!(
        said.first().map(String::as_str),
        Some("queue_ticket_left"),
        "{said:?}"
    );
    sim.play_out(c);
    assert_eq!(sim.record(c).disposition, Disposition::Transferred);
    sim.assert_clean();
}

#[test]
fn an_extension_call_rings_the_phone_and_bridges_on_answer() {
    let mut sim = Sim::new();
    // Agent 1's phone is registered (not ready: an extension rings whatever the state).
    sim.agent_ready(1);
    let caller = sim.call_to("1003", "1001");
    let phone = sim.ringing(1).expect("the extension rings");
    assert_eq!(
        sim.state(caller),
        Dialog::Ringing,
        "the caller is not answered before the phone"
    );
    sim.answer(phone);
    assert_eq!(sim.state(caller), Dialog::Answered);
    assert_eq!(sim.legs[&caller].bridged, Some(phone));
    assert_eq!(sim.phase(caller), "extension");
    sim.advance(7 * SEC);
    sim.hang_up(phone);
    assert_eq!(
        sim.state(caller),
        Dialog::Ended,
        "either side hanging up ends both"
    );
    let r = sim.record(caller);
    assert_eq!((r.agent_id, r.talk_ms), (Some(1), Some(7000)));
    sim.assert_clean();
}

#[test]
fn an_extension_that_is_busy_refuses_the_caller_with_its_reason() {
    let mut sim = Sim::new();
    sim.agent_ready(1);
    let caller = sim.call_to("1003", "1001");
    let phone = sim.ringing(1).unwrap();
    sim.fail(phone, 486);
    assert_eq!(
        sim.ended.get(&caller),
        Some(&EndReason::Rejected(486)),
        "refused with the phone's reason"
    );
    assert_eq!(sim.record(caller).disposition, Disposition::Failed);
    sim.assert_clean();
}

#[test]
fn click_to_call_rings_the_agent_then_the_customer() {
    let mut sim = Sim::new();
    sim.agent_ready(1);
    assert_eq!(sim.desk(1, CallAction::Dial("13900025555".into())), Ok(()));
    assert_eq!(
        sim.desk(1, CallAction::Dial("13900025556".into())),
        Err(ControlError::Busy),
        "one at a time"
    );
    let a = sim.ringing(1).expect("the agent's phone first");
    sim.answer(a);
    let customer = sim.last_placed_to("13900025555").unwrap();
    sim.answer(customer);
    assert_eq!(sim.legs[&a].bridged, Some(customer));
    sim.advance(12 * SEC);
    assert_eq!(
        sim.desk(1, CallAction::Hangup),
        Ok(()),
        "the desk hangs up its own call"
    );
    assert_eq!(sim.state(customer), Dialog::Ended);
    let attempts = sim.attempts();
    assert_eq!(attempts.len(), 1);
    assert_eq!(
        (attempts[0].result, attempts[0].hangup_side),
        ("reached", Side::Agent)
    );
    assert_eq!(attempts[0].parent_ref, None, "not a router callback");
    sim.agent_back_ready(1);
    sim.assert_clean();
}

#[test]
fn the_wire_of_a_whole_call_is_real_sip() {
    let mut sim = Sim::new();
    sim.agent_ready(1);
    let c = queued(&mut sim, "13900026666");
    let a = connect(&mut sim, c, 1);
    sim.hang_up(a);
    sim.hang_up(c);
    let lines: Vec<String> = sim
        .sip
        .wire
        .iter()
        .map(|(from, to, line)| format!("{from} -> {to}: {line}"))
        .collect();
    // The phone registered with a digest challenge; the caller came in through the trunk; the
    // agent was rung, answered and acknowledged; both hung up with BYE.
    let has = |needle: &str| lines.iter().any(|l| l.contains(needle));
    assert!(
        has("192.0.2.1:5062 -> 198.51.100.1: REGISTER"),
        "{lines:#?}"
    );
    assert!(
        has("198.51.100.1 -> 192.0.2.1:5062: SIP/2.0 401"),
        "{lines:#?}"
    );
    assert!(
        has("10.0.0.1:5060 -> 198.51.100.1: INVITE sip:95598@"),
        "{lines:#?}"
    );
    assert!(
        has("198.51.100.1 -> 192.0.2.1:5062: INVITE sip:1001@"),
        "{lines:#?}"
    );
    assert!(
        has("192.0.2.1:5062 -> 198.51.100.1: SIP/2.0 200 OK"),
        "{lines:#?}"
    );
    assert!(has("198.51.100.1 -> 192.0.2.1:5062: ACK"), "{lines:#?}");
    assert!(has("192.0.2.1:5062 -> 198.51.100.1: BYE"), "{lines:#?}");
    assert!(has("10.0.0.1:5060 -> 198.51.100.1: BYE"), "{lines:#?}");
    assert_eq!(sim.ended.get(&a), Some(&EndReason::RemoteHangup));
    assert_eq!(sim.ended.get(&c), Some(&EndReason::RemoteHangup));
    sim.assert_clean();
}

#[test]
fn the_agents_200_ok_crosses_the_engines_cancel_on_the_wire() {
    // The router's ring time ends; the engine CANCELs the INVITE; the phone, not having seen the
    // CANCEL, answers. The engine acknowledges the 200 and hangs the phone up; the caller goes
    // on to the next agent; nobody hears a half-connected call.
    let mut sim = Sim::with(
        vec![sim::general(5)],
        &[("main", sim::MAIN), ("survey", sim::SURVEY)],
    );
    sim.agent_ready(1);
    sim.agent_ready(2);
    let c = queued(&mut sim, "13900027777");
    let a1 = sim.ringing(1).unwrap();
    sim.delay_to(a1);
    sim.advance(5 * SEC); // the ring timeout: CANCEL on its way to phone 1
    sim.answer(a1); // phone 1 answers before the CANCEL arrives
    sim.arrive(a1);
    assert_eq!(sim.state(a1), Dialog::Ended, "phone 1 is hung up");
    let a2 = sim.ringing(2).expect("the caller is offered to agent 2");
    connect_answered(&mut sim, c, a2);
    assert_eq!(sim.legs[&c].bridged, Some(a2));
    sim.hang_up(c);
    let r = sim.record(c);
    assert_eq!(r.agent_id, Some(2));
    sim.assert_clean();
}

#[test]
fn a_retransmitted_200_ok_is_one_answer() {
    let mut sim = Sim::new();
    sim.agent_ready(1);
    let c = queued(&mut sim, "13900028888");
    let a = sim.ringing(1).unwrap();
    sim.answer(a);
    let said = sim.legs[&c].played.len();
    sim.retransmit(a);
    sim.retransmit(a);
    assert_eq!(
        sim.legs[&c].played.len(),
        said,
        "the staff number is not said again"
    );
    sim.play_out(c);
    assert_eq!(sim.phase(c), "bridged");
    sim.hang_up(c);
    sim.assert_clean();
}

#[test]
fn an_agent_phone_registering_again_from_a_new_port_while_offered() {
    let mut sim = Sim::new();
    sim.agent_ready(1);
    let c = queued(&mut sim, "13900029999");
    let a = sim.ringing(1).unwrap();
    sim.reregister_from(1, 5070);
    assert_eq!(sim.state(a), Dialog::Ringing, "the offer rings on");
    assert_eq!(
        sim.agent_state(1),
        "reserved",
        "still reserved for this caller"
    );
    connect_answered(&mut sim, c, a);
    sim.hang_up(a);
    sim.hang_up(c);
    assert_eq!(
        sim.agent_state(1),
        "ready",
        "registered, ready for the next"
    );
    sim.assert_clean();
}
