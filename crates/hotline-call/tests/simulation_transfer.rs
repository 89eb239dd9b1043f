//! Transfers and conferences in the simulation: agent 1 consults agent 2 (or an outside
//! number), then completes, cancels or makes a conference; blind transfers; mute; and every
//! way a consultation can go wrong (the target busy, the caller hanging up during the consult,
//! the agent hanging up, the target leaving the conference). Who hears whom is read off the
//! legs after each step; every scenario ends with nothing leaked and one right record.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[allow(dead_code)]
mod sim;

use std::collections::BTreeSet;

use hotline_call::control::{
    CallAction, ControlError, LiveOut, RecordingOf, SipOrder, TransferTarget,
};
use hotline_call::{CallId, Disposition};
use sim::{connect, queued, Sim, SEC};

fn set(ids: &[CallId]) -> BTreeSet<CallId> {
    ids.iter().copied().collect()
}

/// Agent 1 talks with a caller; agent 2's phone is registered (and ready).
fn talking(sim: &mut Sim) -> (CallId, CallId) {
    sim.agent_ready(1);
    let c = queued(sim, "13900030001");
    let a = connect(sim, c, 1);
    sim.agent_ready(2);
    (c, a)
}

/// Agent 1 consults agent 2, whose phone answers.
fn consulted(sim: &mut Sim, c: CallId, a: CallId) -> CallId {
    assert_eq!(
        sim.desk(1, CallAction::Consult(TransferTarget::Agent(2))),
        Ok(())
    );
    assert_eq!(sim.phase(c), "on_hold");
    assert!(sim.legs[&c].music.is_some(), "the caller hears music");
    assert!(sim.hears(c).is_empty());
    let t = sim
        .last_placed_to(&sim.user(2))
        .expect("agent 2's phone rings");
    assert_eq!(
        sim.agent_state(2),
        "on_call",
        "the target is on call with the consultation (not offered queue calls)"
    );
    sim.answer(t);
    assert_eq!(sim.hears(a), set(&[t]), "the agent talks with the target");
    assert_eq!(sim.hears(t), set(&[a]));
    assert!(
        sim.hears(c).is_empty(),
        "the caller does not hear the consultation"
    );
    // The consultation is recorded, kept with the caller's call: both legs feed it.
    assert!(sim.recordings.contains(&(t, RecordingOf::Consultation(c))));
    assert_eq!((sim.legs[&a].feeds, sim.legs[&t].feeds), (Some(t), Some(t)));
    t
}

#[test]
fn consult_then_complete_hands_the_caller_over_and_the_record_has_both_agents() {
    let mut sim = Sim::new();
    let (c, a) = talking(&mut sim);
    sim.advance(5 * SEC);
    let t = consulted(&mut sim, c, a);
    sim.advance(3 * SEC);
    assert_eq!(sim.desk(1, CallAction::CompleteTransfer), Ok(()));
    assert!(sim.released.contains(&a), "the first agent's leg ended");
    assert_eq!(
        sim.legs[&t].feeds, None,
        "the consultation's recording ends at the hand-over"
    );
    assert_eq!(sim.legs[&c].feeds, Some(c), "the caller's own goes on");
    assert_eq!(sim.hears(c), set(&[t]));
    assert_eq!(sim.hears(t), set(&[c]));
    assert_eq!(sim.legs[&c].music, None);
    assert_eq!(sim.phase(c), "bridged");
    assert_ne!(sim.agent_state(1), "on_call", "the first agent is released");
    assert_eq!(
        sim.agent_state(2),
        "on_call",
        "the target talks with the caller"
    );
    sim.advance(10 * SEC);
    // The target hangs up: the caller goes on to the survey, as after any agent; the target
    // is ready again, as before the consultation.
    sim.hang_up(t);
    assert_eq!(sim.agent_state(2), "ready");
    assert_eq!(sim.phase(c), "after_agent");
    sim.hang_up(c);
    let r = sim.record(c);
    assert_eq!(r.agent_id, Some(1));
    assert_eq!(r.transferred_to, Some(2));
    assert_eq!(r.disposition, Disposition::Answered);
    sim.assert_clean();
}

#[test]
fn cancel_gives_the_caller_back_to_the_agent() {
    let mut sim = Sim::new();
    let (c, a) = talking(&mut sim);
    let t = consulted(&mut sim, c, a);
    assert_eq!(sim.desk(1, CallAction::CancelConsult), Ok(()));
    assert!(sim.released.contains(&t));
    assert_eq!(
        sim.legs[&a].feeds, None,
        "the agent's leg no longer feeds the consultation's recording"
    );
    assert_eq!(sim.agent_state(2), "ready", "the target is ready again");
    assert_eq!(sim.legs[&c].bridged, Some(a));
    assert_eq!(sim.legs[&c].music, None);
    assert_eq!(sim.phase(c), "bridged");
    sim.hang_up(c);
    let r = sim.record(c);
    assert_eq!((r.agent_id, r.transferred_to), (Some(1), None));
    sim.assert_clean();
}

#[test]
fn conference_then_the_agent_leaves_and_the_other_two_stay() {
    let mut sim = Sim::new();
    let (c, a) = talking(&mut sim);
    let t = consulted(&mut sim, c, a);
    assert_eq!(sim.desk(1, CallAction::Conference), Ok(()));
    assert_eq!(sim.hears(c), set(&[a, t]));
    assert_eq!(sim.hears(a), set(&[c, t]));
    assert_eq!(sim.hears(t), set(&[c, a]));
    assert_eq!(sim.phase(c), "bridged");
    // Mute in a conference: nobody hears the agent.
    assert_eq!(sim.desk(1, CallAction::Mute(true)), Ok(()));
    assert_eq!(sim.hears(c), set(&[t]));
    assert_eq!(sim.desk(1, CallAction::Mute(false)), Ok(()));
    assert_eq!(sim.hears(c), set(&[a, t]));
    // The agent leaves from the desk: caller and target bridged.
    assert_eq!(sim.desk(1, CallAction::Hangup), Ok(()));
    assert!(sim.released.contains(&a));
    assert_eq!(sim.legs[&c].bridged, Some(t));
    assert_eq!(sim.legs[&c].mix, None);
    assert_eq!(sim.phase(c), "bridged");
    sim.hang_up(c);
    assert!(sim.released.contains(&t));
    let r = sim.record(c);
    assert_eq!((r.agent_id, r.transferred_to), (Some(1), Some(2)));
    sim.assert_clean();
}

#[test]
fn the_target_leaving_a_conference_leaves_caller_and_agent_talking() {
    let mut sim = Sim::new();
    let (c, a) = talking(&mut sim);
    let t = consulted(&mut sim, c, a);
    assert_eq!(sim.desk(1, CallAction::Conference), Ok(()));
    sim.hang_up(t);
    assert!(sim.live.iter().any(|l| matches!(
        l,
        LiveOut::Notice { agent: 1, notice, .. } if notice == "consult_ended"
    )));
    assert_eq!(sim.legs[&c].bridged, Some(a));
    assert_eq!(sim.legs[&c].mix, None);
    assert_eq!(sim.legs[&a].mix, None);
    sim.hang_up(c);
    sim.assert_clean();
}

#[test]
fn a_busy_target_gives_the_caller_back_with_a_notice_on_the_desk() {
    let mut sim = Sim::new();
    let (c, a) = talking(&mut sim);
    assert_eq!(
        sim.desk(1, CallAction::Consult(TransferTarget::Agent(2))),
        Ok(())
    );
    let t = sim.last_placed_to(&sim.user(2)).unwrap();
    sim.fail(t, 486);
    assert_eq!(sim.agent_state(2), "ready", "not reached: ready again");
    assert_eq!(sim.legs[&c].bridged, Some(a));
    assert_eq!(sim.phase(c), "bridged");
    assert!(sim.live.iter().any(|l| matches!(
        l,
        LiveOut::Notice { agent: 1, notice, .. } if notice == "consult_not_reached"
    )));
    sim.hang_up(c);
    sim.assert_clean();
}

#[test]
fn the_caller_hanging_up_during_the_consultation_ends_every_leg() {
    let mut sim = Sim::new();
    let (c, a) = talking(&mut sim);
    let t = consulted(&mut sim, c, a);
    sim.hang_up(c);
    assert!(sim.released.contains(&a) && sim.released.contains(&t));
    assert_eq!(
        sim.agent_state(2),
        "ready",
        "the consultation's end frees the target"
    );
    sim.assert_clean();
}

#[test]
fn the_agent_hanging_up_after_the_target_answered_completes_the_transfer() {
    let mut sim = Sim::new();
    let (c, a) = talking(&mut sim);
    let t = consulted(&mut sim, c, a);
    sim.hang_up(a);
    assert_eq!(sim.legs[&c].bridged, Some(t));
    assert_eq!(sim.phase(c), "bridged");
    sim.hang_up(c);
    assert_eq!(sim.record(c).transferred_to, Some(2));
    sim.assert_clean();
}

#[test]
fn the_agent_hanging_up_before_the_target_answered_ends_the_consultation() {
    let mut sim = Sim::new();
    let (c, a) = talking(&mut sim);
    assert_eq!(
        sim.desk(1, CallAction::Consult(TransferTarget::Agent(2))),
        Ok(())
    );
    let t = sim.last_placed_to(&sim.user(2)).unwrap();
    sim.hang_up(a);
    assert!(
        sim.released.contains(&t),
        "the target's ringing leg is ended"
    );
    assert_eq!(sim.phase(c), "after_agent");
    sim.hang_up(c);
    sim.assert_clean();
}

#[test]
fn blind_transfer_to_an_agent_and_to_a_number() {
    let mut sim = Sim::new();
    let (c, a) = talking(&mut sim);
    assert_eq!(
        sim.desk(1, CallAction::TransferTo(TransferTarget::Agent(2))),
        Ok(())
    );
    assert!(sim.released.contains(&a), "the agent is released at once");
    assert_eq!(sim.phase(c), "transferring");
    assert!(sim.legs[&c].music.is_some());
    let t = sim.last_placed_to(&sim.user(2)).unwrap();
    sim.answer(t);
    assert_eq!(sim.legs[&c].bridged, Some(t));
    assert_eq!(sim.phase(c), "bridged");
    sim.hang_up(c);
    let r = sim.record(c);
    assert_eq!((r.agent_id, r.transferred_to), (Some(1), Some(2)));
    sim.assert_clean();

    // To a number that is busy: the caller gets a ticket to call back, as for a queue's exit.
    let mut sim = Sim::new();
    let (c, _) = talking(&mut sim);
    assert_eq!(
        sim.desk(
            1,
            CallAction::TransferTo(TransferTarget::Number("13800001234".into()))
        ),
        Ok(())
    );
    let n = sim
        .last_placed_to("13800001234")
        .expect("the number is dialled");
    sim.fail(n, 486);
    assert_eq!(sim.phase(c), "leaving");
    sim.play_all(c);
    sim.assert_clean();
}

#[test]
fn blind_transfer_to_an_agent_who_does_not_answer_puts_the_caller_back_in_the_queue() {
    let mut sim = Sim::new();
    let (c, _) = talking(&mut sim);
    assert_eq!(
        sim.desk(1, CallAction::TransferTo(TransferTarget::Agent(2))),
        Ok(())
    );
    let t = sim.last_placed_to(&sim.user(2)).unwrap();
    sim.fail(t, 480);
    let phase = sim.phase(c);
    assert!(phase == "queued" || phase == "offering", "{phase}");
    sim.hang_up(c);
    sim.assert_clean();
}

#[test]
fn consult_an_outside_number_and_complete() {
    let mut sim = Sim::new();
    let (c, a) = talking(&mut sim);
    assert_eq!(
        sim.desk(
            1,
            CallAction::Consult(TransferTarget::Number("13800005678".into()))
        ),
        Ok(())
    );
    let n = sim.last_placed_to("13800005678").unwrap();
    sim.answer(n);
    assert_eq!(sim.hears(a), set(&[n]));
    assert_eq!(sim.desk(1, CallAction::CompleteTransfer), Ok(()));
    assert_eq!(sim.legs[&c].bridged, Some(n));
    assert_eq!(sim.phase(c), "outside");
    // The outside party hangs up: the call ends.
    sim.hang_up(n);
    assert!(sim.released.contains(&c));
    sim.assert_clean();
}

#[test]
fn mute_stops_the_agent_reaching_the_caller_only() {
    let mut sim = Sim::new();
    let (c, a) = talking(&mut sim);
    assert_eq!(sim.desk(1, CallAction::Mute(true)), Ok(()));
    assert_eq!(sim.legs[&a].bridged, None, "the agent's voice stops");
    assert_eq!(
        sim.legs[&c].bridged,
        Some(a),
        "the caller still reaches the agent"
    );
    assert_eq!(sim.desk(1, CallAction::Mute(false)), Ok(()));
    assert_eq!(sim.legs[&a].bridged, Some(c));
    sim.hang_up(c);
    sim.assert_clean();
}

#[test]
fn refusals() {
    let mut sim = Sim::new();
    sim.agent_ready(1);
    assert_eq!(
        sim.desk(1, CallAction::Consult(TransferTarget::Agent(2))),
        Err(ControlError::NoCall)
    );
    let c = queued(&mut sim, "13900030002");
    let a = connect(&mut sim, c, 1);
    // Agent 2's phone is not registered; oneself; a bad number.
    assert!(matches!(
        sim.desk(1, CallAction::Consult(TransferTarget::Agent(2))),
        Err(ControlError::Invalid("agent", _))
    ));
    assert!(matches!(
        sim.desk(1, CallAction::Consult(TransferTarget::Agent(1))),
        Err(ControlError::Invalid("agent", _))
    ));
    assert!(matches!(
        sim.desk(1, CallAction::Consult(TransferTarget::Number("12".into()))),
        Err(ControlError::Invalid("number", _))
    ));
    assert_eq!(
        sim.desk(1, CallAction::CompleteTransfer),
        Err(ControlError::NoCall)
    );
    assert_eq!(
        sim.desk(1, CallAction::Conference),
        Err(ControlError::NoCall)
    );
    // Nothing changed.
    assert_eq!(sim.legs[&c].bridged, Some(a));
    // While consulting: not answered yet → complete refused; hold and transfers refused.
    sim.agent_ready(2);
    assert_eq!(
        sim.desk(1, CallAction::Consult(TransferTarget::Agent(2))),
        Ok(())
    );
    assert!(matches!(
        sim.desk(1, CallAction::CompleteTransfer),
        Err(ControlError::Invalid("consult", _))
    ));
    assert_eq!(
        sim.desk(1, CallAction::Hold(false)),
        Err(ControlError::Busy)
    );
    assert_eq!(
        sim.desk(1, CallAction::Consult(TransferTarget::Agent(3))),
        Err(ControlError::Busy)
    );
    assert_eq!(sim.desk(1, CallAction::CancelConsult), Ok(()));
    assert_eq!(sim.legs[&c].bridged, Some(a));
    sim.hang_up(c);
    sim.assert_clean();
}

#[test]
fn a_blind_refer_from_the_agents_phone_transfers_like_the_desk() {
    let mut sim = Sim::new();
    let (c, a) = talking(&mut sim);
    let user2 = sim.user(2);
    sim.refer(a, &user2, None);
    assert_eq!(sim.refer_results, [(a, 200)]);
    // The NOTIFY went to the phone before its leg was hung up.
    let notify = sim
        .sip_orders
        .iter()
        .position(|o| matches!(o, SipOrder::NotifyRefer { call, .. } if *call == a))
        .unwrap();
    let bye = sim
        .sip_orders
        .iter()
        .position(|o| matches!(o, SipOrder::Hangup(x) if *x == a))
        .expect("the agent's leg is hung up");
    assert!(notify < bye);
    assert_eq!(sim.phase(c), "transferring");
    let t = sim.last_placed_to(&user2).unwrap();
    sim.answer(t);
    assert_eq!(sim.legs[&c].bridged, Some(t));
    sim.hang_up(c);
    assert_eq!(sim.record(c).transferred_to, Some(2));
    sim.assert_clean();
}

#[test]
fn an_attended_refer_hands_the_caller_to_the_phone_the_agent_called() {
    let mut sim = Sim::new();
    let (c, a) = talking(&mut sim);
    // The agent's phone calls agent 2's extension through the engine; agent 2 answers.
    let (user1, user2) = (sim.user(1), sim.user(2));
    let e = sim.call_to(&user1, &user2);
    let p = sim.last_placed_to(&user2).expect("agent 2's phone rings");
    sim.answer(p);
    assert_eq!(sim.legs[&e].bridged, Some(p));
    // REFER on the caller's leg, replacing that call.
    sim.refer(a, &user2, Some(Some(e)));
    assert_eq!(sim.refer_results, [(a, 200)]);
    assert!(sim.released.contains(&a) && sim.released.contains(&e));
    assert_eq!(sim.legs[&c].bridged, Some(p));
    assert_eq!(sim.legs[&p].bridged, Some(c));
    assert_eq!(sim.phase(c), "bridged");
    sim.hang_up(c);
    assert!(sim.released.contains(&p));
    let r = sim.record(c);
    assert_eq!((r.agent_id, r.transferred_to), (Some(1), Some(2)));
    sim.assert_clean();
}

#[test]
fn refused_refers_change_nothing() {
    let mut sim = Sim::new();
    let (c, a) = talking(&mut sim);
    // From the caller's phone; to something undialable; replacing an unknown dialog.
    sim.refer(c, "1002", None);
    sim.refer(a, "not-a-number", None);
    sim.refer(a, "1002", Some(None));
    // Replacing a call that is not the agent's call to a phone (the caller's own).
    sim.refer(a, "1002", Some(Some(c)));
    assert_eq!(sim.refer_results, [(c, 603), (a, 404), (a, 481), (a, 481)]);
    assert_eq!(sim.legs[&c].bridged, Some(a));
    assert_eq!(sim.phase(c), "bridged");
    sim.hang_up(c);
    sim.assert_clean();
}

#[test]
fn the_dial_rules_refuse_emergency_international_and_unlisted_numbers_everywhere() {
    let mut sim = Sim::new();
    let (c, a) = talking(&mut sim);
    for number in ["110", "0044201234567", "+442012345678", "95598"] {
        for action in [
            CallAction::Consult(TransferTarget::Number(number.into())),
            CallAction::TransferTo(TransferTarget::Number(number.into())),
        ] {
            assert!(
                matches!(
                    sim.desk(1, action.clone()),
                    Err(ControlError::NotAllowed(_))
                ),
                "{action:?}"
            );
        }
        sim.refer(a, number, None);
    }
    assert_eq!(sim.refer_results, [(a, 403), (a, 403), (a, 403), (a, 403)]);
    assert!(sim.placed_to("110").is_empty() && sim.placed_to("95598").is_empty());
    assert_eq!(sim.legs[&c].bridged, Some(a), "the call goes on");
    // A mobile is fine.
    assert_eq!(
        sim.desk(
            1,
            CallAction::Consult(TransferTarget::Number("13800001111".into()))
        ),
        Ok(())
    );
    assert_eq!(sim.desk(1, CallAction::CancelConsult), Ok(()));
    sim.hang_up(c);
    sim.assert_clean();
    // Click-to-call too.
    let mut sim = Sim::new();
    sim.agent_ready(1);
    assert!(matches!(
        sim.desk(1, CallAction::Dial("120".into())),
        Err(ControlError::NotAllowed(_))
    ));
    sim.assert_clean();
}
