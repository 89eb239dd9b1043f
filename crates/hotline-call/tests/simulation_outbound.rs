//! A flow's outbound nodes on a call in the core: their results are kept on the call (for the
//! campaign shell) and the call goes on; nothing else changes. Campaign calls' outcomes:
//! answered (with what the flow recorded), not reached, not placed. (Agents taking campaign
//! calls: `simulation_progressive.rs`.)

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

use hotline_ivr::outbound::{CallResult, Record};
use sim::{general, Dialog, Sim};

const FLOW: &str = r#"flow: main
languages: [zh, en]
start: reached
nodes:
  reached:
    result: { is: reached, next: stop }
  stop:
    opt_out: { next: wait }
  wait:
    menu:
      prompts: [main_menu]
      keys: { "1": bye }
      timeout: 5s
      retries: 0
      fallback: bye
  bye:
    hangup: { prompts: [goodbye] }
"#;

#[test]
fn outbound_results_are_kept_on_the_call_while_it_lasts() {
    let mut sim = Sim::with(vec![general(20)], &[("main", FLOW)]);
    let c = sim.call("13900001234");
    assert_eq!(
        sim.core.outbound(c),
        Some(Record {
            result: Some(CallResult::OptOut),
            promise: None,
            opted_out: true
        })
    );
    sim.play_out(c);
    sim.press(c, '1');
    sim.play_all(c);
    assert_eq!(sim.state(c), Dialog::Ended);
    assert_eq!(sim.core.outbound(c), None, "gone with the call");
    sim.assert_clean();
}

/// A campaign flow: 1 promises the amount due by today, 9 opts out, 0 asks for an agent.
const REMIND: &str = r#"flow: remind
languages: [zh, en]
target:
  account: text
  amount_due: money
start: ask
nodes:
  ask:
    menu:
      prompts: [main_menu]
      keys: { "1": pay, "9": out, "0": agent }
      timeout: 5s
      retries: 0
      fallback: bye
  pay:
    promise: { amount: target.amount_due, by: today, next: bye, error: bye }
  out:
    opt_out: { next: bye }
  agent:
    transfer: { queue: general }
  bye:
    hangup: { prompts: [goodbye] }
"#;

const SEC: std::time::Duration = std::time::Duration::from_secs(1);

fn campaign_sim() -> Sim {
    Sim::with(vec![general(20)], &[("main", FLOW), ("remind", REMIND)])
}

fn place(sim: &mut Sim, id: u64, number: &str, amount: &str) -> Option<hotline_call::CallId> {
    use hotline_call::control::{CampaignCall, Input};
    sim.input(Input::Campaign(CampaignCall {
        id,
        campaign_id: 42,
        number: number.into(),
        caller_id: Some("96655".into()),
        flow: "remind".into(),
        target: [("account", "1000000001"), ("amount_due", amount)]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ring: 30 * SEC,
        campaign: "reminders".into(),
        account: Some("1000000001".into()),
        progressive: None,
        preview: None,
    }));
    sim.last_placed_to(number)
}

#[test]
fn an_answered_campaign_call_runs_its_flow_with_the_target_and_reports_once() {
    use hotline_call::control::CampaignOutcome;
    let mut sim = campaign_sim();
    let c = place(&mut sim, 7, "13900007777", "207.50").expect("dialled");
    assert_eq!(sim.state(c), Dialog::Ringing);
    assert!(sim.campaigned.is_empty());
    sim.answer(c);
    assert_eq!(
        sim.recordings,
        vec![(c, hotline_call::control::RecordingOf::Attempt)],
        "recorded from the answer, as an inbound call is"
    );
    assert_eq!(sim.playing_names(c), ["main_menu"]);
    sim.play_out(c);
    sim.advance(3 * SEC);
    sim.press(c, '1');
    sim.play_all(c);
    assert_eq!(sim.state(c), Dialog::Ended, "the flow hangs up");
    let records = sim.attempts();
    assert_eq!(records.len(), 1, "an outbound call record: {records:?}");
    let r = &records[0];
    assert_eq!(
        (r.agent_id, r.number.as_str(), r.result, r.disposition),
        (
            None,
            "13900007777",
            "reached",
            hotline_call::record::Disposition::SelfServed
        )
    );
    assert!(r.talk_ms.unwrap_or(0) >= 3_000, "from the answer: {r:?}");
    assert!(r.answered_at.is_some(), "{r:?}");
    assert_eq!(sim.campaigned.len(), 1, "one outcome: {:?}", sim.campaigned);
    let (id, outcome) = &sim.campaigned[0];
    assert_eq!(*id, 7);
    let CampaignOutcome::Answered {
        keys,
        record,
        wanted_agent,
        ..
    } = outcome
    else {
        panic!("{outcome:?}");
    };
    assert_eq!((keys.as_str(), *wanted_agent), ("1", false));
    let (fen, _) = record.promise.expect("the promise");
    assert_eq!(fen, 20_750);
    assert!(!record.opted_out);
    sim.assert_clean();
}

#[test]
fn a_campaign_call_not_answered_or_not_placeable_says_why() {
    use hotline_call::control::CampaignOutcome;
    use hotline_call::EndReason;
    let mut sim = campaign_sim();
    let busy = place(&mut sim, 1, "13900000001", "1.00").unwrap();
    sim.fail(busy, 486);
    let _rang = place(&mut sim, 2, "13900000002", "1.00").unwrap();
    sim.advance(31 * SEC);
    // Data the flow cannot take is never dialled.
    assert_eq!(place(&mut sim, 3, "13900000003", "lots"), None);
    let out = place(&mut sim, 4, "13900000004", "1.00").unwrap();
    sim.answer(out);
    sim.play_out(out);
    sim.press(out, '9');
    sim.play_all(out);
    let agent = place(&mut sim, 5, "13900000005", "1.00").unwrap();
    sim.answer(agent);
    sim.play_out(agent);
    sim.press(agent, '0');
    assert_eq!(
        sim.phase(agent),
        "queued",
        "the customer waits for an agent (none ready here)"
    );
    sim.hang_up(agent);
    let got: Vec<(u64, String)> = sim
        .campaigned
        .iter()
        .map(|(id, o)| {
            let what = match o {
                CampaignOutcome::NotReached(EndReason::Failed(code)) => format!("failed {code}"),
                CampaignOutcome::NotReached(r) => format!("{:?}", r.class()),
                CampaignOutcome::NotPlaced(why) => format!("not placed: {why}"),
                CampaignOutcome::NoRoute(why) => format!("no route: {why}"),
                CampaignOutcome::AgentUnavailable(why) => format!("no agent: {why}"),
                CampaignOutcome::Answered {
                    record,
                    wanted_agent,
                    keys,
                    ..
                } => {
                    format!(
                        "answered {keys} opted_out={} agent={wanted_agent}",
                        record.opted_out
                    )
                }
            };
            (*id, what)
        })
        .collect();
    assert_eq!(got.len(), 5, "{got:?}");
    assert_eq!(got[0], (1, "failed 486".to_string()));
    assert_eq!(got[1].0, 2);
    assert!(
        got[1].1.contains("NoAnswer") || got[1].1.contains("failed 408"),
        "{got:?}"
    );
    assert_eq!(got[2].0, 3);
    assert!(
        got[2].1.starts_with("not placed: flow remind: target data")
            && got[2].1.contains("amount_due"),
        "{got:?}"
    );
    assert_eq!(
        got[3],
        (4, "answered 9 opted_out=true agent=false".to_string())
    );
    assert_eq!(
        got[4],
        (5, "answered 0 opted_out=false agent=true".to_string())
    );
    sim.assert_clean();
}
