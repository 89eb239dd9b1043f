//! Supervision in the simulation: a supervisor (agent 3) monitors agent 1's call through their
//! own phone, listens, whispers, barges in and leaves; who hears whom is read off the legs'
//! bridges and mixes after every step. Whoever ends first (caller, agent, supervisor, a
//! supervisor's phone that never answers), nothing leaks and the record is the call's.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[allow(dead_code)]
mod sim;

use std::collections::BTreeSet;

use hotline_call::control::{CallAction, ControlError, LiveOut, MonitorMode};
use hotline_call::{CallId, Disposition};
use sim::{connect, queued, Sim, SEC};

const SUPERVISOR: i64 = 3;

fn set(ids: &[CallId]) -> BTreeSet<CallId> {
    ids.iter().copied().collect()
}

fn monitor(agent: i64, mode: MonitorMode) -> CallAction {
    CallAction::Monitor { agent, mode }
}

/// Agent 1 talks with a caller; the supervisor's phone is registered.
fn talking(sim: &mut Sim) -> (CallId, CallId) {
    sim.agent_ready(1);
    let c = queued(sim, "13900020001");
    let a = connect(sim, c, 1);
    sim.agent_ready(SUPERVISOR);
    (c, a)
}

/// The supervisor asks to monitor agent 1 in `mode`; their phone rings and answers.
fn supervisor_in(sim: &mut Sim, mode: MonitorMode) -> CallId {
    assert_eq!(sim.desk(SUPERVISOR, monitor(1, mode)), Ok(()));
    let m = sim
        .last_placed_to(&sim.user(SUPERVISOR))
        .expect("the supervisor's phone is rung");
    sim.answer(m);
    m
}

#[test]
fn listen_whisper_barge_and_leave_each_change_who_hears_whom() {
    let mut sim = Sim::new();
    let (c, a) = talking(&mut sim);
    let m = supervisor_in(&mut sim, MonitorMode::Listen);
    assert_eq!(
        sim.agent_state(SUPERVISOR),
        "on_call",
        "on call while monitoring: not offered calls"
    );
    // Listening: hears both, heard by neither.
    assert_eq!(sim.hears(m), set(&[c, a]));
    assert_eq!(sim.hears(c), set(&[a]));
    assert_eq!(sim.hears(a), set(&[c]));
    // Whispering: the agent hears the supervisor, the caller does not.
    assert_eq!(
        sim.desk(SUPERVISOR, monitor(1, MonitorMode::Whisper)),
        Ok(())
    );
    assert_eq!(sim.hears(a), set(&[c, m]));
    assert_eq!(sim.hears(c), set(&[a]));
    assert_eq!(sim.hears(m), set(&[c, a]));
    // Barging in: all three.
    assert_eq!(sim.desk(SUPERVISOR, monitor(1, MonitorMode::Barge)), Ok(()));
    assert_eq!(sim.hears(c), set(&[a, m]));
    assert_eq!(sim.hears(a), set(&[c, m]));
    // Back to listening, then leaving: caller and agent bridged again.
    assert_eq!(
        sim.desk(SUPERVISOR, monitor(1, MonitorMode::Listen)),
        Ok(())
    );
    assert_eq!(sim.hears(c), set(&[a]));
    assert_eq!(sim.desk(SUPERVISOR, CallAction::StopMonitor), Ok(()));
    assert!(sim.released.contains(&m), "the supervisor's leg ended");
    assert_eq!(
        sim.agent_state(SUPERVISOR),
        "ready",
        "the supervisor is back in the state they left"
    );
    assert_eq!(sim.legs[&c].bridged, Some(a));
    assert_eq!(sim.legs[&c].mix, None);
    assert_eq!(sim.legs[&a].mix, None);
    assert_eq!(
        sim.desk(SUPERVISOR, CallAction::StopMonitor),
        Err(ControlError::NoCall)
    );
    // The agent was told at each step (the simulation tells agents).
    let told: Vec<&str> = sim
        .live
        .iter()
        .filter_map(|l| match l {
            LiveOut::Notice {
                agent: 1, notice, ..
            } => Some(notice.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(
        told,
        [
            "monitoring_listen",
            "monitoring_whisper",
            "monitoring_barge",
            "monitoring_listen",
            "monitoring_ended"
        ]
    );
    sim.advance(5 * SEC);
    sim.hang_up(c);
    let r = sim.record(c);
    assert_eq!(r.agent_id, Some(1));
    assert_eq!(r.disposition, Disposition::Answered);
    sim.assert_clean();
}

#[test]
fn the_caller_hanging_up_ends_the_supervisors_leg_too() {
    let mut sim = Sim::new();
    let (c, a) = talking(&mut sim);
    let m = supervisor_in(&mut sim, MonitorMode::Barge);
    assert_eq!(sim.hears(c), set(&[a, m]));
    sim.hang_up(c);
    assert!(sim.released.contains(&m) && sim.released.contains(&a));
    sim.assert_clean();
}

#[test]
fn the_agent_hanging_up_sends_the_caller_to_the_survey_and_the_supervisor_away() {
    let mut sim = Sim::new();
    let (c, a) = talking(&mut sim);
    let m = supervisor_in(&mut sim, MonitorMode::Whisper);
    sim.hang_up(a);
    assert!(sim.released.contains(&m), "the supervisor's leg ended");
    assert_eq!(sim.phase(c), "after_agent");
    assert_eq!(sim.legs[&c].mix, None, "the caller left the mix");
    assert!(sim.hears(c).is_empty());
    assert_eq!(sim.playing_names(c), ["survey_scale"]);
    sim.hang_up(c);
    sim.assert_clean();
}

#[test]
fn hold_while_monitored_gives_the_caller_music_and_takes_it_back_into_the_mix() {
    let mut sim = Sim::new();
    let (c, a) = talking(&mut sim);
    let m = supervisor_in(&mut sim, MonitorMode::Whisper);
    assert_eq!(sim.desk(1, CallAction::Hold(true)), Ok(()));
    assert_eq!(sim.phase(c), "on_hold");
    assert!(sim.hears(c).is_empty() && sim.legs[&c].music.is_some());
    // Agent and supervisor still talk.
    assert_eq!(sim.hears(a), set(&[m]));
    assert_eq!(sim.desk(1, CallAction::Hold(false)), Ok(()));
    assert_eq!(sim.legs[&c].music, None);
    assert_eq!(sim.hears(a), set(&[c, m]));
    assert_eq!(sim.hears(c), set(&[a]));
    sim.advance(3 * SEC);
    sim.hang_up(c);
    sim.assert_clean();
}

#[test]
fn two_supervisors_and_the_first_one_leaving_keeps_the_mix_for_the_second() {
    let mut sim = Sim::new();
    let (c, a) = talking(&mut sim);
    let m3 = supervisor_in(&mut sim, MonitorMode::Listen);
    sim.agent_ready(2);
    assert_eq!(sim.desk(2, monitor(1, MonitorMode::Barge)), Ok(()));
    let m2 = sim.last_placed_to(&sim.user(2)).unwrap();
    sim.answer(m2);
    assert_eq!(sim.hears(c), set(&[a, m2]));
    assert_eq!(sim.hears(m3), set(&[c, a, m2]));
    sim.hang_up(m3);
    assert_eq!(sim.hears(c), set(&[a, m2]), "the mix stays for the second");
    sim.hang_up(m2);
    assert_eq!(sim.legs[&c].bridged, Some(a));
    sim.hang_up(c);
    sim.assert_clean();
}

#[test]
fn refusals_and_a_supervisor_who_never_answers_leave_the_call_as_it_was() {
    let mut sim = Sim::new();
    // No call yet.
    sim.agent_ready(SUPERVISOR);
    assert_eq!(
        sim.desk(SUPERVISOR, monitor(1, MonitorMode::Listen)),
        Err(ControlError::NoCall)
    );
    sim.agent_ready(1);
    let c = queued(&mut sim, "13900020002");
    let a = connect(&mut sim, c, 1);
    // One's own call; an unregistered supervisor's phone.
    assert!(matches!(
        sim.desk(1, monitor(1, MonitorMode::Listen)),
        Err(ControlError::Invalid("agent", _))
    ));
    assert_eq!(
        sim.desk(2, monitor(1, MonitorMode::Listen)),
        Err(ControlError::PhoneOffline)
    );
    // The supervisor's phone fails to answer: the call goes on as it was.
    assert_eq!(
        sim.desk(SUPERVISOR, monitor(1, MonitorMode::Listen)),
        Ok(())
    );
    let m = sim.last_placed_to(&sim.user(SUPERVISOR)).unwrap();
    sim.fail(m, 480);
    assert_eq!(sim.legs[&c].bridged, Some(a));
    assert_eq!(sim.hears(c), set(&[a]));
    // Answering after the call has ended: hung up at once.
    assert_eq!(
        sim.desk(SUPERVISOR, monitor(1, MonitorMode::Listen)),
        Ok(())
    );
    let late = sim.last_placed_to(&sim.user(SUPERVISOR)).unwrap();
    assert_ne!(late, m);
    sim.hang_up(c);
    assert!(
        sim.released.contains(&late),
        "the ringing supervisor's call is ended"
    );
    sim.assert_clean();
}
