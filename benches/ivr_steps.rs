//! Interpreter speed: whole calls through the shipped flows `main` → `bills` (greeting,
//! language, identify by caller, water-quality lookup, menu, bills read out, more-menu,
//! back to the menu, then a person), driven with the answers a data source would give and a
//! fake clock, on one thread. Prints calls per second and interpreter steps per second (a
//! step = one event handled or one node entered; each call is 40-odd of both).
//!
//! Run: `cargo bench --bench ivr_steps` (without `--bench`, as under `cargo test --benches`,
//! a short smoke run).

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use hotline_ivr::interp::{Action, CallInfo, Event, LookupRequest, LookupResult, Session};
use hotline_ivr::load::{load_dir, SoundsDir};
use hotline_ivr::{Date, Value};

fn customer() -> Value {
    Value::record([
        ("account", Value::text("1000000001")),
        ("name", Value::text("张三")),
        ("address", Value::text("解放路12号")),
        ("district", Value::text("east")),
        ("district_name", Value::text("城东区")),
        ("language", Value::text("zh")),
        ("tier", Value::text("standard")),
        ("manager", Value::Null),
        ("credit_flag", Value::text("none")),
    ])
}

fn bills() -> Value {
    let items: Vec<Value> = (1..=12u8)
        .map(|m| {
            Value::record([
                (
                    "period",
                    Value::Date(Date {
                        year: 2026,
                        month: m,
                        day: 0,
                    }),
                ),
                ("volume", Value::Int(20)),
                ("amount", Value::Money(10_530 + i64::from(m) * 7)),
                ("paid", Value::Money(0)),
                ("unpaid", Value::Money(10_530)),
                (
                    "due",
                    Value::Date(Date {
                        year: 2026,
                        month: m,
                        day: 15,
                    }),
                ),
            ])
        })
        .collect();
    Value::record([
        ("count", Value::Int(12)),
        ("total", Value::Money(126_906)),
        ("items", Value::List(items)),
    ])
}

fn answer(req: &LookupRequest) -> LookupResult {
    match req {
        LookupRequest::CustomerByCaller { .. } | LookupRequest::CustomerByAccount { .. } => {
            LookupResult::Found(customer())
        }
        LookupRequest::Bills { .. } => LookupResult::Found(bills()),
        LookupRequest::Notices { .. } => LookupResult::Found(Value::record([
            ("count", Value::Int(0)),
            ("items", Value::List(Vec::new())),
        ])),
        _ => LookupResult::Failed("not in this bench".into()),
    }
}

/// One call; returns the steps taken.
fn call(set: &Arc<hotline_ivr::FlowSet>, main: usize) -> u64 {
    let info = CallInfo {
        caller: "13800000001".into(),
        dialled: "96655".into(),
        language: String::new(),
    };
    let now = 1_794_967_600_000i64; // Wednesday 2026-11-18 10:06 Beijing time: office hours
    let (mut s, mut pending) = Session::start(Arc::clone(set), main, info, now);
    let mut keys = ['1', '1', '0'].into_iter();
    let mut steps = 0u64;
    let mut clock = now;
    let mut timer = None;
    while !s.ended() {
        let mut next = None;
        let mut played = false;
        for a in pending.drain(..) {
            match a {
                Action::Enter { .. } => steps += 1,
                Action::Play { .. } => played = true,
                Action::Timer { id, at } => timer = Some((id, at)),
                Action::Lookup { id, request } => {
                    next = Some(Event::Lookup {
                        id,
                        result: answer(&request),
                    })
                }
                _ => {}
            }
        }
        let ev = match next {
            Some(ev) => ev,
            None if played => Event::PlayDone,
            None => match keys.next() {
                Some(k) => Event::Digit(k),
                None => match timer.take() {
                    Some((id, at)) => {
                        clock = clock.max(at);
                        Event::Timer(id)
                    }
                    None => break,
                },
            },
        };
        steps += 1;
        pending = s.handle(ev, clock);
    }
    steps
}

fn main() {
    let smoke = !std::env::args().any(|a| a == "--bench");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let sounds = SoundsDir::scan(&root.join("sounds")).expect("sounds");
    let set = Arc::new(load_dir(&root.join("ivr-flows"), &sounds).expect("shipped flows"));
    let main_flow = set.find("main").expect("main flow");
    let calls = if smoke { 200 } else { 50_000 };
    // Warm up, and check the path once.
    let steps_one = call(&set, main_flow);
    assert!(steps_one > 20, "a call took only {steps_one} steps");
    let started = Instant::now();
    let mut steps = 0u64;
    for _ in 0..calls {
        steps += call(&set, main_flow);
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "ivr interpreter, main → bills → menu → agent, one thread: {calls} calls in {secs:.2} s = {:.0} calls/s, {steps} steps = {:.0} steps/s ({} steps per call, {:.1} µs per step)",
        calls as f64 / secs,
        steps as f64 / secs,
        steps / calls as u64,
        secs * 1e6 / steps as f64
    );
}
