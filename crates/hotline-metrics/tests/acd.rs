//! The queue and agent metrics against the real ACD router under a fake clock: a call answered
//! within the service level, a short and a long abandon, a handle time of talk plus wrap-up,
//! agents per state and the time spent in each; then a reload that renames the queue leaves
//! no series of the old name.

// A test crate: its helpers, like its tests, state what they expect with unwrap, expect, panic
// and indexing (the workspace lints deny them in the library; clippy.toml's test allowances
// reach only #[test] functions and #[cfg(test)] modules).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;

use hotline_acd::{
    AgentId, AgentProfile, CallId, CallRequest, Input, Millis, Output, QueueConfig, Router,
};
use hotline_metrics::text::sample;
use hotline_metrics::Metrics;

const T0: Millis = 1_800_000_000_000;

/// The router, the clock and the metrics that see every output.
struct Floor {
    r: Router,
    now: Millis,
    m: Metrics,
    queues: Vec<QueueConfig>,
}

impl Floor {
    fn new(queues: Vec<QueueConfig>) -> Floor {
        Floor {
            r: Router::new(queues.clone()),
            now: T0,
            m: Metrics::new("test").expect("metrics"),
            queues,
        }
    }

    fn send(&mut self, input: Input) -> Vec<Output> {
        let out = self.r.handle(input, self.now);
        for o in &out {
            self.m.observe_acd(o);
        }
        out
    }

    /// Moves the clock `secs` on, ticking at every deadline on the way.
    fn advance(&mut self, secs: i64) {
        let target = self.now + secs * 1000;
        while let Some(d) = self.r.next_deadline() {
            if d > target {
                break;
            }
            self.now = d.max(self.now);
            self.send(Input::Tick);
        }
        self.now = target;
        self.send(Input::Tick);
    }

    fn render(&self) -> String {
        self.m.sync_acd(&self.r.snapshot(self.now), &self.queues);
        self.m.render()
    }
}

fn queue(name: &str) -> QueueConfig {
    let mut q = QueueConfig::new(name);
    q.announce_secs = 0;
    q.wrap_up_secs = 30;
    q.short_abandon_secs = 5;
    q
}

fn agent(id: i64, queue: &str) -> AgentProfile {
    AgentProfile {
        id: AgentId(id),
        skills: BTreeMap::new(),
        languages: vec![],
        queues: vec![queue.into()],
    }
}

#[test]
fn queue_figures_waits_handle_times_and_agent_states() {
    let mut f = Floor::new(vec![queue("billing")]);
    f.send(Input::AgentLogin(agent(1, "billing")));
    f.send(Input::AgentRegistered {
        agent: AgentId(1),
        registered: true,
    });
    f.send(Input::AgentReady(AgentId(1)));
    f.advance(100);
    // Call 1 waits 8 s for the agent to answer, talks 60 s; the agent wraps up 30 s.
    let out = f.send(Input::CallArrived(CallRequest::new(CallId(1), "billing")));
    assert!(
        out.iter().any(|o| matches!(o, Output::Offer { .. })),
        "{out:?}"
    );
    f.advance(8);
    f.send(Input::Answered {
        call: CallId(1),
        agent: AgentId(1),
    });
    // Meanwhile call 2 hangs up after 3 s (short), call 3 after 40 s.
    f.send(Input::CallArrived(CallRequest::new(CallId(2), "billing")));
    f.advance(3);
    f.send(Input::CallAbandoned(CallId(2)));
    f.send(Input::CallArrived(CallRequest::new(CallId(3), "billing")));
    let text = f.render();
    let q = [("queue", "billing")];
    assert_eq!(
        sample(&text, "hotline_queue_waiting_calls", &q),
        Some(1.0),
        "{text}"
    );
    f.advance(40);
    let text = f.render();
    assert_eq!(
        sample(&text, "hotline_queue_longest_wait_seconds", &q),
        Some(40.0)
    );
    f.send(Input::CallAbandoned(CallId(3)));
    f.advance(17);
    f.send(Input::CallEnded(CallId(1)));
    f.advance(31);
    let text = f.render();
    let v = |name: &str, labels: &[(&str, &str)]| sample(&text, name, labels);
    assert_eq!(v("hotline_queue_calls_offered_total", &q), Some(3.0));
    assert_eq!(v("hotline_queue_calls_answered_total", &q), Some(1.0));
    assert_eq!(
        v("hotline_queue_calls_answered_within_sl_total", &q),
        Some(1.0)
    );
    assert_eq!(v("hotline_queue_calls_abandoned_total", &q), Some(2.0));
    assert_eq!(
        v("hotline_queue_calls_short_abandoned_total", &q),
        Some(1.0)
    );
    assert_eq!(v("hotline_queue_waiting_calls", &q), Some(0.0));
    assert_eq!(v("hotline_queue_service_level_target_ratio", &q), Some(0.8));
    assert_eq!(
        v("hotline_queue_service_level_threshold_seconds", &q),
        Some(20.0)
    );
    let answered = [("queue", "billing"), ("outcome", "answered")];
    let abandoned = [("queue", "billing"), ("outcome", "abandoned")];
    assert_eq!(v("hotline_queue_wait_seconds_count", &answered), Some(1.0));
    assert_eq!(v("hotline_queue_wait_seconds_sum", &answered), Some(8.0));
    assert_eq!(v("hotline_queue_wait_seconds_count", &abandoned), Some(2.0));
    assert_eq!(v("hotline_queue_wait_seconds_sum", &abandoned), Some(43.0));
    // Talk 60 s (8 → 68 after the answer) and 30 s of wrap-up.
    assert_eq!(v("hotline_queue_handle_seconds_count", &q), Some(1.0));
    assert_eq!(v("hotline_queue_handle_seconds_sum", &q), Some(90.0));
    assert_eq!(
        v("hotline_agents", &[("state", "ready"), ("reason", "")]),
        Some(1.0)
    );
    assert_eq!(
        v("hotline_agents", &[("state", "on_call"), ("reason", "")]),
        Some(0.0)
    );
    assert_eq!(
        v("hotline_agent_state_seconds_total", &[("state", "on_call")]),
        Some(60.0)
    );
    assert_eq!(
        v("hotline_agent_state_seconds_total", &[("state", "wrap_up")]),
        Some(30.0)
    );
    // Ready 100 s before the call, 8 s reserved, then ready again for the last second.
    assert_eq!(
        v("hotline_agent_state_seconds_total", &[("state", "ready")]),
        Some(101.0)
    );
    assert_eq!(
        v(
            "hotline_agent_state_seconds_total",
            &[("state", "reserved")]
        ),
        Some(8.0)
    );
    assert_eq!(v("hotline_build_info", &[("version", "test")]), Some(1.0));
}

#[test]
fn a_renamed_queue_leaves_no_series_behind() {
    let mut f = Floor::new(vec![queue("billing"), queue("repairs")]);
    f.send(Input::CallArrived(CallRequest::new(CallId(1), "billing")));
    f.advance(10);
    f.send(Input::CallAbandoned(CallId(1)));
    let before = f.render();
    assert!(before.contains("queue=\"billing\""));
    let series = f.m.series();
    // Renamed again and again: the series stay as many.
    for round in 0..20 {
        let name = format!("accounts_{round}");
        f.queues = vec![queue(&name), queue("repairs")];
        f.r.reconfigure(f.queues.clone(), f.now);
        f.send(Input::CallArrived(CallRequest::new(
            CallId(100 + round),
            &name,
        )));
        f.advance(2);
        f.send(Input::CallAbandoned(CallId(100 + round)));
        let text = f.render();
        assert!(!text.contains("queue=\"billing\""), "{text}");
        if round > 0 {
            assert!(!text.contains(&format!("queue=\"accounts_{}\"", round - 1)));
        }
        assert!(f.m.series() <= series, "{} > {series}", f.m.series());
    }
}

/// A call the router did not route (a consultation that rings the agent, an outbound call) is
/// time on call, and no queue's handling; from wrap-up it ends the handling of the call before.
#[test]
fn an_external_call_is_time_on_call_and_ends_a_wrap_up() {
    let mut f = Floor::new(vec![queue("billing")]);
    f.send(Input::AgentLogin(agent(1, "billing")));
    f.send(Input::AgentRegistered {
        agent: AgentId(1),
        registered: true,
    });
    f.send(Input::AgentReady(AgentId(1)));
    f.send(Input::CallArrived(CallRequest::new(CallId(1), "billing")));
    f.send(Input::Answered {
        call: CallId(1),
        agent: AgentId(1),
    });
    f.advance(60);
    f.send(Input::CallEnded(CallId(1)));
    // 10 s into the 30 s wrap-up, a colleague consults her.
    f.advance(10);
    f.send(Input::AgentOnCall {
        agent: AgentId(1),
        call: CallId(900),
    });
    f.advance(45);
    f.send(Input::CallEnded(CallId(900)));
    f.advance(5);
    let text = f.render();
    let v = |name: &str, labels: &[(&str, &str)]| sample(&text, name, labels);
    let q = [("queue", "billing")];
    // The queue's call: 60 s talk and 10 s of wrap-up; the consultation is nobody's handling.
    assert_eq!(v("hotline_queue_handle_seconds_count", &q), Some(1.0));
    assert_eq!(v("hotline_queue_handle_seconds_sum", &q), Some(70.0));
    assert_eq!(v("hotline_queue_calls_offered_total", &q), Some(1.0));
    assert_eq!(
        v("hotline_agent_state_seconds_total", &[("state", "on_call")]),
        Some(105.0)
    );
    assert_eq!(
        v("hotline_agent_state_seconds_total", &[("state", "wrap_up")]),
        Some(10.0)
    );
    assert_eq!(
        v("hotline_agents", &[("state", "ready"), ("reason", "")]),
        Some(1.0)
    );
}
