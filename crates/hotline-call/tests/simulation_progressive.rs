//! Campaign calls that reach agents: a progressive campaign's answered customer goes straight
//! to an agent of the campaign's queue (the agent's screen pop names the campaign and shows
//! the customer's number; the customer hears the staff number), or hears a short apology when
//! none answers within the wait; an IVR-only flow's transfer puts its customer in the queue
//! like any caller. The call an agent took is written as an outbound record of that agent.

// A test crate: its helpers, like its tests, state what they expect with unwrap, expect,
// panic and indexing (clippy.toml's test allowances reach only #[test] functions).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[allow(dead_code)]
mod sim;

use hotline_call::control::{CampaignCall, CampaignOutcome, Input, Progressive};
use hotline_call::CallId;
use sim::{general, Dialog, Sim, SEC};

/// A campaign flow: 1 says goodbye, 0 asks for an agent (queue `general`).
const REMIND: &str = r#"flow: remind
languages: [zh, en]
target:
  account: text
start: ask
nodes:
  ask:
    menu:
      prompts: [main_menu]
      keys: { "1": bye, "0": agent }
      timeout: 5s
      retries: 0
      fallback: bye
  agent:
    transfer: { queue: general, reason: dunning }
  bye:
    hangup: { prompts: [goodbye] }
"#;

/// Stands for the shipped entry flow (the sim needs one for system prompts).
const MAIN: &str = r#"flow: main
languages: [zh, en]
start: bye
nodes:
  bye:
    hangup: { prompts: [goodbye] }
"#;

fn sim() -> Sim {
    Sim::with(vec![general(20)], &[("main", MAIN), ("remind", REMIND)])
}

/// Places campaign call `id` to `number`; progressive (wait `wait`) when given.
fn place(sim: &mut Sim, id: u64, number: &str, wait: Option<u64>) -> CallId {
    sim.input(Input::Campaign(CampaignCall {
        id,
        campaign_id: 42,
        number: number.into(),
        caller_id: Some("96655".into()),
        flow: "remind".into(),
        target: [("account".to_string(), "1000000001".to_string())]
            .into_iter()
            .collect(),
        ring: 30 * SEC,
        campaign: "十二月欠费提醒".into(),
        account: Some("1000000001".into()),
        progressive: wait.map(|w| Progressive {
            queue: "general".into(),
            wait: std::time::Duration::from_secs(w),
        }),
        preview: None,
    }));
    sim.last_placed_to(number).expect("dialled")
}

/// The one outcome of campaign call `id`.
fn outcome(sim: &Sim, id: u64) -> CampaignOutcome {
    let got: Vec<&CampaignOutcome> = sim
        .campaigned
        .iter()
        .filter(|(i, _)| *i == id)
        .map(|(_, o)| o)
        .collect();
    assert_eq!(got.len(), 1, "one outcome: {:?}", sim.campaigned);
    got[0].clone()
}

/// The agent and no-agent flags of an answered outcome.
fn agent_of(o: &CampaignOutcome) -> (Option<i64>, bool, bool) {
    match o {
        CampaignOutcome::Answered {
            agent,
            no_agent,
            wanted_agent,
            ..
        } => (*agent, *no_agent, *wanted_agent),
        other => panic!("not answered: {other:?}"),
    }
}

#[test]
fn a_progressive_customer_is_connected_to_a_free_agent_with_a_screen_pop() {
    let mut sim = sim();
    sim.agent_ready(1);
    let c = place(&mut sim, 1, "13900001111", Some(5));
    assert!(
        sim.ringing(1).is_none(),
        "no agent rung before the customer answers"
    );
    assert!(sim.campaign_answered.is_empty(), "not answered yet");
    sim.answer(c);
    assert_eq!(
        sim.campaign_answered,
        vec![1],
        "the runner hears of the answer at once (the agent it was placed for is let go)"
    );
    assert!(sim.campaigned.is_empty(), "the outcome comes at the end");
    let a = sim
        .ringing(1)
        .expect("the agent's phone rings at the answer");
    let pop = sim.last_pop(1).expect("a screen pop");
    assert_eq!(pop.campaign.as_deref(), Some("十二月欠费提醒"));
    assert_eq!(pop.caller, "13900001111", "the customer's number, not ours");
    assert_eq!(pop.customer_account.as_deref(), Some("1000000001"));
    assert_eq!(
        (pop.queue.as_str(), pop.reason.as_str()),
        ("general", "campaign")
    );
    assert_eq!(pop.call_ref, None, "its record is written when it ends");
    assert!(
        sim.recordings.iter().all(|(r, _)| *r != c),
        "not recorded before an agent"
    );
    sim.answer(a);
    assert!(
        sim.recordings
            .contains(&(c, hotline_call::control::RecordingOf::Attempt)),
        "recorded from the agent's answer, with the call's record: {:?}",
        sim.recordings
    );
    // The staff number (工号 1023 为您服务), then the two talk.
    assert_eq!(sim.playing_names(c)[0], "agent_intro");
    sim.play_out(c);
    assert_eq!(sim.hears(c), [a].into_iter().collect());
    assert_eq!(sim.agent_state(1), "on_call");
    sim.advance(40 * SEC);
    sim.hang_up(c);
    assert_eq!(
        sim.state(a),
        Dialog::Ended,
        "the agent's leg ends with the customer's"
    );
    assert_eq!(agent_of(&outcome(&sim, 1)), (Some(1), false, false));
    let attempts = sim.attempts();
    assert_eq!(attempts.len(), 1, "one outbound record: {attempts:?}");
    let r = &attempts[0];
    assert_eq!((r.agent_id, r.number.as_str()), (Some(1), "13900001111"));
    assert!(r.talk_ms.unwrap_or(0) >= 40_000, "{r:?}");
    sim.assert_clean();
}

#[test]
fn a_progressive_customer_no_agent_takes_in_time_hears_the_apology_and_is_let_go() {
    let mut sim = sim();
    // Nobody ready: the customer waits, then hears the apology.
    let c = place(&mut sim, 2, "13900002222", Some(5));
    sim.answer(c);
    assert_eq!(sim.phase(c), "queued");
    sim.advance(4 * SEC);
    assert_eq!(sim.phase(c), "queued", "still within the wait");
    sim.advance(2 * SEC);
    assert_eq!(sim.playing_names(c), ["campaign_no_agent"]);
    sim.play_all(c);
    assert_eq!(sim.state(c), Dialog::Ended, "the engine hangs up");
    assert_eq!(agent_of(&outcome(&sim, 2)), (None, true, false));
    let records = sim.attempts();
    assert_eq!(records.len(), 1, "an outbound record of the answered call");
    assert_eq!(
        (
            records[0].agent_id,
            records[0].disposition,
            records[0].result
        ),
        (
            None,
            hotline_call::record::Disposition::AbandonedInQueue,
            "reached"
        )
    );
    assert!(
        sim.recordings.is_empty(),
        "a progressive call is recorded from an agent's answer: none"
    );
    sim.assert_clean();

    // An agent whose phone rings and who does not answer in time: the ring stops too.
    let mut sim = sim_with_agent();
    let c = place(&mut sim, 3, "13900003333", Some(5));
    sim.answer(c);
    let a = sim.ringing(1).expect("the agent is rung");
    sim.advance(6 * SEC);
    assert_eq!(
        sim.state(a),
        Dialog::Ended,
        "the agent's phone stops ringing"
    );
    assert_eq!(sim.playing_names(c), ["campaign_no_agent"]);
    sim.play_all(c);
    assert_eq!(agent_of(&outcome(&sim, 3)), (None, true, false));
    assert_eq!(
        sim.agent_state(1),
        "ready",
        "the agent is free for the next call"
    );
    sim.assert_clean();
}

fn sim_with_agent() -> Sim {
    let mut s = sim();
    s.agent_ready(1);
    s
}

#[test]
fn an_ivr_campaign_customer_who_asks_for_an_agent_waits_in_the_queue_and_talks_to_one() {
    let mut sim = sim();
    let c = place(&mut sim, 4, "13900004444", None);
    sim.answer(c);
    assert_eq!(sim.playing_names(c), ["main_menu"]);
    sim.play_out(c);
    sim.press(c, '0');
    assert_eq!(
        sim.phase(c),
        "queued",
        "waits like any caller (no agent ready yet)"
    );
    sim.advance(60 * SEC);
    assert_eq!(sim.phase(c), "queued", "no wait limit: the customer asked");
    sim.agent_ready(2);
    let a = sim.ringing(2).expect("the agent is rung");
    let pop = sim.last_pop(2).unwrap();
    assert_eq!(pop.reason, "dunning", "the flow's reason");
    assert_eq!(pop.campaign.as_deref(), Some("十二月欠费提醒"));
    sim.answer(a);
    sim.play_out(c);
    assert_eq!(sim.hears(c), [a].into_iter().collect());
    // The agent hangs up first: the customer is not taken to the survey; the call ends.
    sim.hang_up(a);
    assert_eq!(sim.state(c), Dialog::Ended);
    let (agent, no_agent, wanted) = agent_of(&outcome(&sim, 4));
    assert_eq!((agent, no_agent, wanted), (Some(2), false, true));
    assert_eq!(sim.attempts().len(), 1);
    sim.assert_clean();
}

#[test]
fn a_customer_hanging_up_while_waiting_or_ringing_an_agent_leaves_nothing_behind() {
    let mut sim = sim_with_agent();
    let c = place(&mut sim, 5, "13900005555", Some(5));
    sim.answer(c);
    let a = sim.ringing(1).expect("the agent is rung");
    sim.hang_up(c);
    assert_eq!(
        sim.state(a),
        Dialog::Ended,
        "the ring stops with the customer"
    );
    assert_eq!(agent_of(&outcome(&sim, 5)), (None, true, false));
    assert_eq!(sim.agent_state(1), "ready");
    sim.advance(10 * SEC);
    assert_eq!(
        sim.campaigned.len(),
        1,
        "the wait's end changes nothing once gone"
    );
    sim.assert_clean();
}
