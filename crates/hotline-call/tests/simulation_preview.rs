//! Preview campaign calls: the agent who saw the customer dials. The agent's phone rings
//! first (the screen pop names the campaign and the account), then the customer is dialled
//! with the campaign's caller id and header, and the two are bridged; the campaign hears one
//! outcome when the agent's leg ends: answered with the talk time and the agent, the
//! customer not reached (busy), or the agent unavailable (phone not registered, on another
//! call, not answering), in which case the customer is never dialled.

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

use hotline_call::control::{CampaignCall, CampaignOutcome, Input};
use hotline_call::{EndReason, Side};
use sim::{sip::header, Dialog, Sim, SEC};

/// Campaign call `id` to `number`, dialled by `agent` from a preview.
fn preview(sim: &mut Sim, id: u64, number: &str, agent: i64) {
    sim.input(Input::Campaign(CampaignCall {
        id,
        campaign_id: 42,
        number: number.into(),
        caller_id: Some("96655".into()),
        flow: String::new(),
        target: Default::default(),
        ring: 30 * SEC,
        campaign: "大客户电费提醒".into(),
        account: Some("1000000001".into()),
        progressive: None,
        preview: Some(agent),
    }));
}

/// The outcomes of campaign call `id`.
fn outcomes(sim: &Sim, id: u64) -> Vec<CampaignOutcome> {
    sim.campaigned
        .iter()
        .filter(|(i, _)| *i == id)
        .map(|(_, o)| o.clone())
        .collect()
}

/// The INVITE the core sent for `call`.
fn invite(sim: &Sim, call: hotline_call::CallId) -> String {
    let id = &sim.sip.sip_id[&call];
    sim.sip.dialogs[id].invite.clone()
}

#[test]
fn a_preview_call_rings_the_agent_then_the_customer_and_reports_the_talk() {
    let mut sim = Sim::new();
    sim.agent_ready(1);
    preview(&mut sim, 7, "13900001111", 1);
    let a = sim.ringing(1).expect("the agent's phone rings first");
    assert!(
        sim.last_placed_to("13900001111").is_none(),
        "the customer waits for the agent"
    );
    let pop = sim.last_pop(1).expect("a screen pop");
    assert_eq!(pop.campaign.as_deref(), Some("大客户电费提醒"));
    assert_eq!(pop.customer_account.as_deref(), Some("1000000001"));
    assert_eq!(
        (pop.caller.as_str(), pop.reason.as_str()),
        ("13900001111", "campaign")
    );
    sim.answer(a);
    let customer = sim
        .last_placed_to("13900001111")
        .expect("the customer is dialled once the agent answers");
    let inv = invite(&sim, customer);
    assert_eq!(
        header(&inv, "X-Hotline-Campaign"),
        Some("42"),
        "the campaign's id: {inv}"
    );
    assert!(
        header(&inv, "From").is_some_and(|f| f.contains("sip:96655@")),
        "the campaign's caller id: {inv}"
    );
    assert!(outcomes(&sim, 7).is_empty(), "no outcome while it goes on");
    sim.answer(customer);
    assert_eq!(sim.legs[&a].bridged, Some(customer));
    sim.advance(25 * SEC);
    sim.hang_up(customer);
    assert_eq!(
        sim.state(a),
        Dialog::Ended,
        "the agent's leg ends with the customer's"
    );
    match &outcomes(&sim, 7)[..] {
        [CampaignOutcome::Answered {
            talk_ms,
            agent,
            no_agent,
            ..
        }] => assert_eq!((*talk_ms, *agent, *no_agent), (25_000, Some(1), false)),
        other => panic!("one answered outcome: {other:?}"),
    }
    let attempts = sim.attempts();
    assert_eq!(attempts.len(), 1, "the agent's outbound call record");
    assert_eq!(
        (
            attempts[0].result,
            attempts[0].hangup_side,
            attempts[0].agent_id
        ),
        ("reached", Side::Caller, Some(1))
    );
    sim.agent_back_ready(1);
    assert_eq!(sim.agent_state(1), "ready");
    sim.assert_clean();
}

#[test]
fn a_busy_customer_is_reported_not_reached_and_the_agent_hears_why() {
    let mut sim = Sim::new();
    sim.agent_ready(1);
    preview(&mut sim, 8, "13900002222", 1);
    let a = sim.ringing(1).unwrap();
    sim.answer(a);
    let customer = sim.last_placed_to("13900002222").unwrap();
    sim.fail(customer, 486);
    assert_eq!(
        sim.playing_names(a),
        vec!["callback_customer_busy".to_string()],
        "the agent hears the customer is busy"
    );
    sim.play_out(a);
    assert_eq!(sim.state(a), Dialog::Ended);
    assert_eq!(
        outcomes(&sim, 8),
        vec![CampaignOutcome::NotReached(EndReason::Failed(486))]
    );
    sim.agent_back_ready(1);
    sim.assert_clean();
}

#[test]
fn an_agent_who_cannot_take_it_is_reported_and_the_customer_never_dialled() {
    let mut sim = Sim::new();
    // Agent 2 never registered a phone.
    preview(&mut sim, 9, "13900003333", 2);
    assert!(matches!(
        &outcomes(&sim, 9)[..],
        [CampaignOutcome::AgentUnavailable(why)] if why.contains("not registered")
    ));
    // Agent 1 does not answer her phone: her ring ends, the customer is never called.
    sim.agent_ready(1);
    preview(&mut sim, 10, "13900003333", 1);
    let a = sim.ringing(1).unwrap();
    // A second preview for her while the first rings: she is on that one.
    preview(&mut sim, 11, "13900004444", 1);
    assert!(matches!(
        &outcomes(&sim, 11)[..],
        [CampaignOutcome::AgentUnavailable(why)] if why.contains("another call")
    ));
    sim.fail(a, 480);
    assert!(matches!(
        &outcomes(&sim, 10)[..],
        [CampaignOutcome::AgentUnavailable(why)] if why.contains("agent_")
    ));
    assert!(sim.last_placed_to("13900003333").is_none());
    assert!(sim.last_placed_to("13900004444").is_none());
    // A number that cannot be dialled is the campaign's fault.
    sim.agent_back_ready(1);
    preview(&mut sim, 12, "12", 1);
    assert!(matches!(
        &outcomes(&sim, 12)[..],
        [CampaignOutcome::NotPlaced(_)]
    ));
    sim.assert_clean();
}
