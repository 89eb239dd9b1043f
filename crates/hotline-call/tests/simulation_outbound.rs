//! A flow's outbound nodes on a call in the core: their results are kept on the call (for the
//! campaign shell to come) and the call goes on; nothing else changes.

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
