//! `/metrics` render time on a big floor: the ACD router with 100 queues and 5,000 agents
//! (logged in, ready, on calls, in wrap-up and not ready with several reasons, callers
//! waiting, 20,000 calls through the queues before), its outputs observed as the engine does,
//! and 50 IVR flows of 12 nodes with three exits each; then, as a scrape does, the router's
//! snapshot and the node counts read into the families and the whole text rendered. Prints
//! p50/p99/max of the scrape work (sync + render) and of the render alone, the size of the
//! text and the number of series.
//!
//! The ticket families hold 10 kinds in 20 districts (counted in the store every few seconds,
//! not at the scrape: that query is not in the figure); the engine's SIP counters are set as
//! a scrape sets them.
//!
//! Run: `cargo bench --bench metrics_render` (without `--bench`, a small smoke version).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use hotline_acd::{
    AgentId, AgentProfile, CallId, CallRequest, Input, Millis, NotReadyReason, QueueConfig, Router,
};
use hotline_metrics::Metrics;

const T0: Millis = 1_800_000_000_000;

fn pct(sorted: &[Duration], q: f64) -> f64 {
    let i = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i].as_secs_f64() * 1e3
}

fn main() {
    let smoke = !std::env::args().any(|a| a == "--bench");
    let (queues_n, agents_n, scrapes) = if smoke {
        (10, 200, 20)
    } else {
        (100, 5000, 300)
    };
    let queues: Vec<QueueConfig> = (0..queues_n)
        .map(|i| {
            let mut q = QueueConfig::new(format!("queue_{i:03}"));
            q.announce_secs = 0;
            q.wrap_up_secs = 30;
            q
        })
        .collect();
    let mut r = Router::new(queues.clone());
    let m = Metrics::new("bench").expect("metrics");
    let mut now = T0;
    let send = |r: &mut Router, input: Input, now: Millis| {
        for o in r.handle(input, now) {
            m.observe_acd(&o);
        }
    };
    for i in 0..agents_n {
        let id = AgentId(i as i64 + 1);
        let queues = vec![
            format!("queue_{:03}", i % queues_n),
            format!("queue_{:03}", (i * 7 + 3) % queues_n),
        ];
        send(
            &mut r,
            Input::AgentLogin(AgentProfile {
                id,
                skills: BTreeMap::new(),
                languages: vec![],
                queues,
            }),
            now,
        );
        send(
            &mut r,
            Input::AgentRegistered {
                agent: id,
                registered: true,
            },
            now,
        );
        send(&mut r, Input::AgentReady(id), now);
    }
    // Calls through the queues: offered, answered, ended (the agents go to wrap-up).
    let mut call = 0u64;
    let through = if smoke { 2000 } else { 20_000 };
    for k in 0..through {
        call += 1;
        let q = format!("queue_{:03}", k % queues_n);
        let out = r.handle(Input::CallArrived(CallRequest::new(CallId(call), &q)), now);
        for o in &out {
            m.observe_acd(o);
        }
        now += 50;
        let offered = out.iter().find_map(|o| match o {
            hotline_acd::Output::Offer { call, agent } => Some((*call, *agent)),
            _ => None,
        });
        match offered {
            Some((c, a)) if k % 10 != 0 => {
                send(&mut r, Input::Answered { call: c, agent: a }, now);
                send(&mut r, Input::CallEnded(c), now + 1000);
            }
            _ => send(&mut r, Input::CallAbandoned(CallId(call)), now),
        }
        if k % 500 == 0 {
            now += 31_000;
            send(&mut r, Input::Tick, now);
        }
    }
    // Some agents not ready with reasons, then callers waiting for the rest.
    for i in (0..agents_n).step_by(7) {
        let reason = match i % 4 {
            0 => NotReadyReason::Break,
            1 => NotReadyReason::Training,
            2 => NotReadyReason::Meeting,
            _ => NotReadyReason::Other("lunch".into()),
        };
        send(
            &mut r,
            Input::AgentNotReady {
                agent: AgentId(i as i64 + 1),
                reason,
            },
            now,
        );
    }
    let waiting = if smoke { 400 } else { 7000 };
    for k in 0..waiting {
        call += 1;
        let q = format!("queue_{:03}", k % queues_n);
        send(
            &mut r,
            Input::CallArrived(CallRequest::new(CallId(call), &q)),
            now,
        );
    }
    now += 5_000;
    send(&mut r, Input::Tick, now);

    // 50 flows of 12 nodes, each entered and left by three branches.
    let flows_n = if smoke { 5 } else { 50 };
    let mut nodes = Vec::new();
    let mut counts = Vec::new();
    for f in 0..flows_n {
        for n in 0..12 {
            let (flow, node) = (format!("flow_{f:02}"), format!("node_{n:02}"));
            counts.push(((flow.clone(), node.clone(), "entered".to_string()), 1000));
            for exit in ["next", "key_1", "timeout"] {
                counts.push(((flow.clone(), node.clone(), exit.to_string()), 333));
            }
            nodes.push((flow, node));
        }
    }
    for _ in 0..1000 {
        m.ivr_ended(hotline_metrics::IvrOutcome::SelfServed);
        m.ivr_lookup("bills", hotline_metrics::LookupOutcome::Found, 0.002);
    }

    let kinds: Vec<String> = (0..10).map(|k| format!("kind_{k}")).collect();
    let districts: Vec<String> = (0..20).map(|d| format!("district_{d:02}")).collect();
    let tickets = hotline_store::TicketFigures {
        created: kinds.iter().map(|k| (k.clone(), 1000)).collect(),
        open: kinds
            .iter()
            .flat_map(|k| districts.iter().map(move |d| (k.clone(), d.clone(), 5)))
            .collect(),
        overdue: districts.iter().map(|d| (d.clone(), 3)).collect(),
        followups_due: 40,
        followups: vec![("pending".into(), 100), ("reached".into(), 900)],
        ratings: vec![(3, 10), (4, 50), (5, 200)],
    };

    let sip = hotline_sip::engine::Stats {
        requests_in: [
            "INVITE", "ACK", "BYE", "CANCEL", "REGISTER", "OPTIONS", "INFO",
        ]
        .into_iter()
        .map(|m| (m, 100_000))
        .collect(),
        responses_out: [0, 1000, 2000, 30, 400, 50, 6],
        registered_users: 5000,
        ..Default::default()
    };

    let mut scrape = Vec::with_capacity(scrapes);
    let mut render_only = Vec::with_capacity(scrapes);
    let mut sync_acd = Vec::with_capacity(scrapes);
    let mut sync_ivr = Vec::with_capacity(scrapes);
    let mut bytes = 0;
    for _ in 0..scrapes {
        now += 1000;
        let snap = r.snapshot(now);
        let t = Instant::now();
        m.sync_acd(&snap, &queues);
        let t_ivr = Instant::now();
        m.sync_ivr(&nodes, &counts);
        m.sync_tickets(&tickets);
        m.sync_sip(&sip, 7000, 9000);
        let t_render = Instant::now();
        sync_acd.push(t_ivr - t);
        sync_ivr.push(t_render - t_ivr);
        let text = m.render();
        let done = Instant::now();
        scrape.push(done - t);
        render_only.push(done - t_render);
        bytes = text.len();
    }
    scrape.sort();
    render_only.sort();
    sync_acd.sort();
    sync_ivr.sort();
    let snap = r.snapshot(now);
    let waiting_now: u32 = snap.queues.iter().map(|q| q.waiting).sum();
    println!(
        "{queues_n} queues, {agents_n} agents, {waiting_now} callers waiting, {flows_n} flows, {} series, {:.0} KB of text, {scrapes} scrapes",
        m.series(),
        bytes as f64 / 1024.0
    );
    println!(
        "scrape (sync + render): p50 {:.2} ms  p99 {:.2} ms  max {:.2} ms",
        pct(&scrape, 0.5),
        pct(&scrape, 0.99),
        pct(&scrape, 1.0)
    );
    for (what, v) in [
        ("render alone", &render_only),
        ("ACD sync", &sync_acd),
        ("IVR, tickets, SIP sync", &sync_ivr),
    ] {
        println!(
            "{what:<23} p50 {:.2} ms  p99 {:.2} ms  max {:.2} ms",
            pct(v, 0.5),
            pct(v, 0.99),
            pct(v, 1.0)
        );
    }
}
