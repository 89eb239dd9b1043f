//! The interpreter on hand-built flows, a fake clock and a fake data source: every node type,
//! timeouts, retries, type-ahead, lookup failure, sub-flow return, and random keys.

use super::*;
use crate::expr::{Expr, Template};
use crate::flow::{
    Collect, Confirm, Flow, Lookup, Menu, Node, Pattern, PromptItem, TicketNode, Transfer,
};
use crate::say::SayAs;

mod outbound;
mod served;

fn e(s: &str) -> Expr {
    Expr::parse(s).expect("expression")
}

fn p(names: &[&str]) -> Vec<PromptItem> {
    names
        .iter()
        .map(|n| PromptItem::Prompt(n.to_string()))
        .collect()
}

fn node(id: &str, kind: NodeKind) -> Node {
    Node {
        id: id.into(),
        line: 1,
        kind,
        served: false,
        titles: Vec::new(),
        reason: None,
    }
}

fn flow(name: &str, nodes: Vec<Node>) -> Flow {
    Flow {
        name: name.into(),
        file: format!("{name}.yaml").into(),
        description: String::new(),
        languages: vec!["zh".into(), "en".into()],
        start: 0,
        nodes,
        target: Vec::new(),
    }
}

fn set(flows: Vec<Flow>) -> Arc<FlowSet> {
    Arc::new(FlowSet {
        flows,
        calendars: Default::default(),
        zone: Default::default(),
    })
}

fn hangup(id: &str, prompts: &[&str]) -> Node {
    node(
        id,
        NodeKind::Hangup {
            prompts: p(prompts),
        },
    )
}

fn menu(keys: &[(char, usize)], fallback: usize) -> NodeKind {
    NodeKind::Menu(Menu {
        prompts: p(&["main_menu"]),
        keys: keys.to_vec(),
        timeout_ms: 5_000,
        retries: 2,
        invalid: p(&["invalid_input"]),
        no_input: p(&["no_input"]),
        fallback,
    })
}

fn collect(next: usize, fallback: usize) -> Collect {
    Collect {
        prompts: p(&["enter_account"]),
        into: "account".into(),
        min: 4,
        max: 10,
        terminator: Some('#'),
        first_timeout_ms: 8_000,
        inter_timeout_ms: 4_000,
        pattern: None,
        retries: 2,
        invalid: p(&["invalid_input"]),
        no_input: p(&["no_input"]),
        confirm: None,
        next,
        fallback,
    }
}

fn call() -> CallInfo {
    CallInfo {
        caller: "13800001111".into(),
        dialled: "96655".into(),
        language: String::new(),
    }
}

/// A session and everything it asked for, with the clock.
struct Run {
    s: Session,
    now: Millis,
    actions: Vec<Action>,
}

impl Run {
    fn start(set: Arc<FlowSet>) -> Run {
        let (s, actions) = Session::start(set, 0, call(), 0);
        Run { s, now: 0, actions }
    }
    fn send(&mut self, ev: Event) -> Vec<Action> {
        let out = self.s.handle(ev, self.now);
        self.actions.extend(out.clone());
        out
    }
    fn key(&mut self, k: char) -> Vec<Action> {
        self.send(Event::Digit(k))
    }
    fn keys(&mut self, ks: &str) {
        for k in ks.chars() {
            self.key(k);
        }
    }
    fn done(&mut self) -> Vec<Action> {
        self.send(Event::PlayDone)
    }
    /// Fires the last timer asked for (advancing the clock to it).
    fn fire(&mut self) -> Vec<Action> {
        let (id, at) = self
            .actions
            .iter()
            .rev()
            .find_map(|a| match a {
                Action::Timer { id, at } => Some((*id, *at)),
                _ => None,
            })
            .expect("a timer");
        self.now = at;
        self.send(Event::Timer(id))
    }
    fn last_lookup(&self) -> (u64, LookupRequest) {
        self.actions
            .iter()
            .rev()
            .find_map(|a| match a {
                Action::Lookup { id, request } => Some((*id, request.clone())),
                _ => None,
            })
            .expect("a lookup")
    }
    /// The prompt names of every Play so far, one string per Play.
    fn plays(&self) -> Vec<String> {
        self.actions
            .iter()
            .filter_map(|a| match a {
                Action::Play { prompts, .. } => Some(
                    prompts
                        .iter()
                        .map(|p| p.name.clone())
                        .collect::<Vec<_>>()
                        .join(" "),
                ),
                _ => None,
            })
            .collect()
    }
    fn last_play(&self) -> String {
        self.plays().pop().unwrap_or_default()
    }
    fn exits(&self) -> Vec<Exit> {
        self.actions
            .iter()
            .filter_map(|a| match a {
                Action::Exit { exit, .. } => Some(*exit),
                _ => None,
            })
            .collect()
    }
    fn ended_with(&self) -> Option<&Action> {
        self.actions
            .iter()
            .rev()
            .find(|a| matches!(a, Action::Hangup | Action::Transfer(_)))
    }
}

/// 0 greet (play) → 1 menu: 1 → 2 bye_one, 2 → 3 bye_two, fallback → 4 fallback.
fn menu_flow() -> Arc<FlowSet> {
    set(vec![flow(
        "main",
        vec![
            node(
                "greet",
                NodeKind::Play {
                    prompts: p(&["welcome"]),
                    barge_in: true,
                    next: 1,
                },
            ),
            node("menu", menu(&[('1', 2), ('2', 3)], 4)),
            hangup("bye_one", &["goodbye"]),
            hangup("bye_two", &[]),
            hangup("fallback", &["too_many_errors"]),
        ],
    )])
}

#[test]
fn play_then_menu_key_then_hangup() {
    let mut r = Run::start(menu_flow());
    assert_eq!(r.plays(), ["welcome"]);
    r.done();
    assert_eq!(r.last_play(), "main_menu");
    r.done();
    assert!(matches!(r.actions.last(), Some(Action::Timer { .. })));
    r.key('1');
    assert_eq!(r.last_play(), "goodbye");
    assert!(!r.s.ended());
    r.done();
    assert!(r.s.ended());
    assert_eq!(r.ended_with(), Some(&Action::Hangup));
    assert_eq!(r.s.path(), "main/greet>main/menu>main/bye_one");
    assert_eq!(r.exits(), [Exit::Next, Exit::Key('1'), Exit::Hangup]);
    // Prompts are in the flow's first language.
    let Some(Action::Play { prompts, .. }) =
        r.actions.iter().find(|a| matches!(a, Action::Play { .. }))
    else {
        panic!("plays");
    };
    assert_eq!(prompts[0].to_string(), "zh/welcome");
}

#[test]
fn barge_in_and_type_ahead() {
    // A key during the greeting stops it and is kept: the menu takes it without playing.
    let mut r = Run::start(menu_flow());
    let out = r.key('2');
    assert_eq!(out.first(), Some(&Action::StopPlay));
    assert_eq!(r.plays(), ["welcome"], "the menu prompt was skipped");
    assert!(r.s.ended(), "bye_two has no prompts: hung up at once");
    assert_eq!(r.exits(), [Exit::Next, Exit::Key('2'), Exit::Hangup]);

    // A key during the menu prompt stops it.
    let mut r = Run::start(menu_flow());
    r.done();
    let out = r.key('1');
    assert_eq!(out.first(), Some(&Action::StopPlay));
    assert_eq!(r.last_play(), "goodbye");
}

#[test]
fn menu_retries_then_fallback() {
    let mut r = Run::start(menu_flow());
    r.done();
    r.done();
    r.key('9'); // invalid
    assert_eq!(r.last_play(), "invalid_input main_menu");
    r.done();
    r.fire(); // no input
    assert_eq!(r.last_play(), "no_input main_menu");
    r.done();
    r.fire(); // third failure: retries (2) used up
    assert_eq!(r.last_play(), "too_many_errors");
    assert_eq!(r.exits().last(), Some(&Exit::Hangup));
    assert_eq!(
        r.exits()[..2],
        [Exit::Next, Exit::Fallback],
        "left the menu by its fallback"
    );
}

#[test]
fn stale_timers_and_answers_are_ignored() {
    let mut r = Run::start(menu_flow());
    r.done();
    r.done();
    let timers: Vec<u64> = r
        .actions
        .iter()
        .filter_map(|a| match a {
            Action::Timer { id, .. } => Some(*id),
            _ => None,
        })
        .collect();
    assert!(r.send(Event::Timer(timers[0] + 100)).is_empty());
    assert!(r.send(Event::PlayDone).is_empty(), "nothing is playing");
    assert!(r
        .send(Event::Lookup {
            id: 77,
            result: LookupResult::NotFound
        })
        .is_empty());
    r.key('1');
    assert_eq!(r.last_play(), "goodbye");
}

/// 0 collect → 1 done (hangup) / 2 fallback.
fn collect_flow(c: impl FnOnce(&mut Collect)) -> Arc<FlowSet> {
    let mut col = collect(1, 2);
    c(&mut col);
    set(vec![flow(
        "main",
        vec![
            node("ask", NodeKind::Collect(col)),
            hangup("done", &["goodbye"]),
            hangup("fallback", &["too_many_errors"]),
        ],
    )])
}

#[test]
fn collect_with_terminator() {
    let mut r = Run::start(collect_flow(|_| {}));
    assert_eq!(r.last_play(), "enter_account");
    r.key('1'); // barges in
    assert!(r.actions.contains(&Action::StopPlay));
    r.keys("000000001#");
    assert_eq!(r.s.vars().get("account"), Some(&Value::text("1000000001")));
    assert_eq!(r.last_play(), "goodbye");
}

#[test]
fn collect_ends_at_max_length_and_on_inter_digit_timeout() {
    let mut r = Run::start(collect_flow(|c| c.max = 4));
    r.done();
    r.keys("1234");
    assert_eq!(r.s.vars().get("account"), Some(&Value::text("1234")));

    let mut r = Run::start(collect_flow(|_| {}));
    r.done();
    r.keys("12345");
    r.fire(); // the caller stopped keying
    assert_eq!(r.s.vars().get("account"), Some(&Value::text("12345")));
}

#[test]
fn collect_retries_bad_input_then_falls_back() {
    let mut r = Run::start(collect_flow(|c| {
        c.pattern = Some(Pattern {
            source: "1[0-9]*".into(),
            regex: regex::Regex::new("^(?:1[0-9]*)$").expect("regex"),
        })
    }));
    r.done();
    r.keys("12#"); // too short
    assert_eq!(r.last_play(), "invalid_input enter_account");
    r.keys("2345#"); // pattern: must start with 1
    assert_eq!(r.last_play(), "invalid_input enter_account");
    r.done();
    r.fire(); // nothing: third failure
    assert_eq!(r.last_play(), "too_many_errors");
    assert!(!r.s.vars().contains_key("account"));
    assert!(r.exits().contains(&Exit::Fallback));
}

#[test]
fn collect_type_ahead_and_no_input() {
    // Keys pressed during a prompt before the collect are its first digits.
    let mut col = collect(2, 3);
    col.max = 4;
    let set = set(vec![flow(
        "main",
        vec![
            node(
                "intro",
                NodeKind::Play {
                    prompts: p(&["welcome"]),
                    barge_in: false,
                    next: 1,
                },
            ),
            node("ask", NodeKind::Collect(col)),
            hangup("done", &[]),
            hangup("fallback", &[]),
        ],
    )]);
    let mut r = Run::start(set);
    r.keys("12"); // barge-in off: the welcome goes on, the keys are kept
    assert!(!r.actions.contains(&Action::StopPlay));
    r.done();
    assert_eq!(r.plays(), ["welcome"], "no account prompt: input under way");
    r.keys("34");
    assert_eq!(r.s.vars().get("account"), Some(&Value::text("1234")));
}

#[test]
fn collect_confirmation() {
    let confirm = |c: &mut Collect| {
        c.confirm = Some(Confirm {
            prompts: p(&["reading_confirm"]),
            say_as: SayAs::Digits,
            ask: p(&["press_1_confirm_2_retry"]),
        })
    };
    let mut r = Run::start(collect_flow(confirm));
    r.done();
    r.keys("1023#");
    assert_eq!(
        r.last_play(),
        "reading_confirm digit_1 digit_0 digit_2 digit_3 press_1_confirm_2_retry"
    );
    assert!(!r.s.vars().contains_key("account"));
    r.key('2'); // again
    assert_eq!(r.last_play(), "enter_account");
    r.keys("2048#");
    r.done();
    r.key('1');
    assert_eq!(r.s.vars().get("account"), Some(&Value::text("2048")));
    assert_eq!(r.last_play(), "goodbye");
}

/// 0 lookup customer_by_caller → 1 found / 2 not found / 3 error.
fn lookup_flow() -> Arc<FlowSet> {
    set(vec![flow(
        "main",
        vec![
            node(
                "find",
                NodeKind::Lookup(Lookup {
                    what: LookupWhat::CustomerByCaller,
                    into: "customer".into(),
                    timeout_ms: 3_000,
                    next: 1,
                    not_found: Some(2),
                    error: 3,
                }),
            ),
            hangup("found", &["goodbye"]),
            hangup("not_found", &["account_not_found"]),
            hangup("error", &["system_busy"]),
        ],
    )])
}

#[test]
fn lookups_found_not_found_failed_and_timed_out() {
    let customer = Value::record([("account", Value::text("1000000001"))]);
    let mut r = Run::start(lookup_flow());
    let (id, req) = r.last_lookup();
    assert_eq!(
        req,
        LookupRequest::CustomerByCaller {
            caller: "13800001111".into()
        }
    );
    r.key('5'); // kept while waiting
    r.send(Event::Lookup {
        id,
        result: LookupResult::Found(customer.clone()),
    });
    assert_eq!(r.s.vars().get("customer"), Some(&customer));
    assert_eq!(r.last_play(), "goodbye");

    let mut r = Run::start(lookup_flow());
    let (id, _) = r.last_lookup();
    r.send(Event::Lookup {
        id,
        result: LookupResult::NotFound,
    });
    assert_eq!(r.last_play(), "account_not_found");

    let mut r = Run::start(lookup_flow());
    let (id, _) = r.last_lookup();
    r.send(Event::Lookup {
        id,
        result: LookupResult::Failed("database down".into()),
    });
    assert_eq!(r.last_play(), "system_busy");
    assert!(r
        .actions
        .iter()
        .any(|a| matches!(a, Action::Warning(w) if w.contains("database down"))));

    // A slow source: the timeout takes the error branch; the late answer is ignored.
    let mut r = Run::start(lookup_flow());
    let (id, _) = r.last_lookup();
    r.fire();
    assert_eq!(r.now, 3_000);
    assert_eq!(r.last_play(), "system_busy");
    assert!(r
        .send(Event::Lookup {
            id,
            result: LookupResult::Found(customer)
        })
        .is_empty());
    assert_eq!(r.exits().first(), Some(&Exit::Error));
}

#[test]
fn sub_flow_returns_to_the_caller_and_return_at_top_hangs_up() {
    let main = flow(
        "main",
        vec![
            node("sub", NodeKind::Call { flow: 1, next: 1 }),
            node(
                "after",
                NodeKind::Play {
                    prompts: p(&["goodbye"]),
                    barge_in: true,
                    next: 2,
                },
            ),
            node("end", NodeKind::Return),
        ],
    );
    let helper = flow(
        "helper",
        vec![
            node(
                "hello",
                NodeKind::Play {
                    prompts: p(&["welcome"]),
                    barge_in: true,
                    next: 1,
                },
            ),
            node("back", NodeKind::Return),
        ],
    );
    let mut r = Run::start(set(vec![main, helper]));
    assert_eq!(r.s.position(), ("helper", "hello"));
    r.done();
    assert_eq!(r.s.position(), ("main", "after"));
    r.done();
    assert!(r.s.ended());
    assert_eq!(
        r.s.path(),
        "main/sub>helper/hello>helper/back>main/after>main/end"
    );
    assert_eq!(r.ended_with(), Some(&Action::Hangup));
}

#[test]
fn transfer_carries_what_the_flow_learned() {
    let set = set(vec![flow(
        "main",
        vec![
            node(
                "find",
                NodeKind::Lookup(Lookup {
                    what: LookupWhat::CustomerByCaller,
                    into: "customer".into(),
                    timeout_ms: 3_000,
                    next: 1,
                    not_found: Some(1),
                    error: 1,
                }),
            ),
            node(
                "to_agent",
                NodeKind::Transfer(Transfer {
                    queue: "key_accounts".into(),
                    skills: vec![("key_account".into(), 3)],
                    priority: 50,
                    reason: "billing".into(),
                    preferred_agent: Some(e("customer.manager")),
                }),
            ),
        ],
    )]);
    let mut r = Run::start(set);
    let (id, _) = r.last_lookup();
    let customer = Value::record([
        ("account", Value::text("1000000001")),
        ("tier", Value::text("key_account")),
        ("manager", Value::text("zhang.min")),
    ]);
    r.send(Event::Lookup {
        id,
        result: LookupResult::Found(customer),
    });
    assert!(r.s.ended());
    let Some(Action::Transfer(t)) = r.ended_with() else {
        panic!("transferred");
    };
    assert_eq!(t.queue, "key_accounts");
    assert_eq!(t.skills, [("key_account".to_string(), 3)]);
    assert_eq!(t.priority, 50);
    assert_eq!(t.preferred_agent.as_deref(), Some("zhang.min"));
    assert_eq!(t.customer_account.as_deref(), Some("1000000001"));
    assert_eq!(t.tier.as_deref(), Some("key_account"));
    assert_eq!(t.language, "zh");
}

#[test]
fn tickets_open_fail_and_time_out() {
    let ticket_flow = || {
        set(vec![flow(
            "main",
            vec![
                node(
                    "open",
                    NodeKind::Ticket(TicketNode {
                        kind: "leak".into(),
                        summary: Template::parse("IVR leak report").expect("template"),
                        summaries: Vec::new(),
                        customer: None,
                        address: None,
                        reporter_phone: None,
                        into: Some("ticket".into()),
                        next: 1,
                        error: 2,
                    }),
                ),
                hangup("ok", &["leak_dispatched"]),
                hangup("failed", &["system_busy"]),
            ],
        )])
    };
    let ticket_id = |r: &Run| {
        r.actions
            .iter()
            .find_map(|a| match a {
                Action::OpenTicket { id, request } => Some((*id, request.clone())),
                _ => None,
            })
            .expect("ticket asked for")
    };
    let mut r = Run::start(ticket_flow());
    let (id, req) = ticket_id(&r);
    assert_eq!(req.kind, "leak");
    assert_eq!(req.reporter_phone, "13800001111", "defaults to the caller");
    r.send(Event::Ticket {
        id,
        result: Ok(TicketInfo {
            id: 42,
            number: "42".into(),
            dispatched: false,
        }),
    });
    assert_eq!(
        r.s.vars().get("ticket").map(|t| t.field("id")),
        Some(&Value::Int(42))
    );
    assert_eq!(r.last_play(), "leak_dispatched");

    let mut r = Run::start(ticket_flow());
    let (id, _) = ticket_id(&r);
    r.send(Event::Ticket {
        id,
        result: Err("store down".into()),
    });
    assert_eq!(r.last_play(), "system_busy");

    let mut r = Run::start(ticket_flow());
    r.fire();
    assert_eq!(r.now, TICKET_TIMEOUT_MS);
    assert_eq!(r.last_play(), "system_busy");
}

#[test]
fn caller_hang_up_ends_the_session_where_it_is() {
    let mut r = Run::start(menu_flow());
    r.done();
    let out = r.send(Event::Hangup);
    assert_eq!(
        out,
        [Action::Exit {
            flow: 0,
            node: 1,
            exit: Exit::CallerHungUp
        }]
    );
    assert!(r.s.ended());
    assert!(r.key('1').is_empty(), "nothing after the end");
}

#[test]
fn each_says_list_items_up_to_a_limit() {
    let items = PromptItem::Each {
        list: e("bills.items"),
        var: "bill".into(),
        limit: Some(2),
        items: vec![
            PromptItem::Prompt("amount_due".into()),
            PromptItem::Say {
                value: e("bill.amount"),
                as_: SayAs::Money,
            },
        ],
    };
    let set = set(vec![flow(
        "main",
        vec![
            node(
                "tell",
                NodeKind::Play {
                    prompts: vec![items],
                    barge_in: true,
                    next: 1,
                },
            ),
            hangup("bye", &[]),
        ],
    )]);
    let (mut s, _) = Session::start(set, 0, call(), 0);
    // Put the bills in as a lookup would, then re-render by running the node again.
    let bill = |fen| Value::record([("amount", Value::Money(fen))]);
    s.vars.insert(
        "bills".into(),
        Value::record([(
            "items",
            Value::List(vec![bill(100_530), bill(1_000), bill(5)]),
        )]),
    );
    let mut out = Vec::new();
    s.enter(0, &mut out);
    let Some(Action::Play {
        prompts, script, ..
    }) = out.iter().find(|a| matches!(a, Action::Play { .. }))
    else {
        panic!("plays");
    };
    let names: Vec<&str> = prompts.iter().map(|p| p.name.as_str()).collect();
    // 1005.30 → 一千零五元三角; 10.00 → 十元整; the third bill is past the limit.
    assert_eq!(
        names,
        [
            "amount_due",
            "digit_1",
            "unit_qian",
            "digit_0",
            "digit_5",
            "unit_yuan",
            "digit_3",
            "unit_jiao",
            "amount_due",
            "unit_shi",
            "unit_yuan",
            "word_zheng"
        ]
    );
    assert!(script.iter().any(|s| s.contains("1005.30")));
    assert!(
        !s.vars.contains_key("bill"),
        "the loop variable is gone after"
    );
}

#[test]
fn when_plays_its_items_only_when_the_condition_is_true() {
    let items = PromptItem::Each {
        list: e("notices.items"),
        var: "n".into(),
        limit: None,
        items: vec![
            PromptItem::Prompt("notice_kind_other".into()),
            PromptItem::When {
                cond: e("n.cause != \"\""),
                items: vec![PromptItem::Prompt("notice_cause".into())],
            },
            PromptItem::When {
                cond: e("n.same_day"),
                items: vec![PromptItem::Say {
                    value: e("n.until"),
                    as_: SayAs::Clock,
                }],
            },
        ],
    };
    let set = set(vec![flow(
        "main",
        vec![
            node(
                "tell",
                NodeKind::Play {
                    prompts: vec![items],
                    barge_in: true,
                    next: 1,
                },
            ),
            hangup("bye", &[]),
        ],
    )]);
    let (mut s, _) = Session::start(set, 0, call(), 0);
    let until = Value::Time(crate::value::Moment {
        date: crate::value::Date {
            year: 2026,
            month: 12,
            day: 6,
        },
        minute: 18 * 60,
    });
    let notice = |cause: &str, same_day: Value| {
        Value::record([
            ("cause", Value::text(cause)),
            ("same_day", same_day),
            ("until", until.clone()),
        ])
    };
    s.vars.insert(
        "notices".into(),
        Value::record([(
            "items",
            Value::List(vec![
                notice("pipe_burst", Value::Bool(true)),
                // No cause, and a condition with no value: nothing but the kind.
                notice("", Value::Null),
            ]),
        )]),
    );
    let mut out = Vec::new();
    s.enter(0, &mut out);
    let Some(Action::Play { prompts, .. }) = out.iter().find(|a| matches!(a, Action::Play { .. }))
    else {
        panic!("plays");
    };
    let names: Vec<&str> = prompts.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "notice_kind_other",
            "notice_cause",
            "time_afternoon",
            "digit_6",
            "time_oclock",
            "notice_kind_other"
        ]
    );
    assert!(
        !out.iter().any(|a| matches!(a, Action::Warning(_))),
        "{out:?}"
    );
}

#[test]
fn set_branch_and_language() {
    let set = set(vec![flow(
        "main",
        vec![
            node(
                "vars",
                NodeKind::Set {
                    vars: vec![("owed".into(), e("arrears.total + 10"))],
                    next: 1,
                },
            ),
            node(
                "check",
                NodeKind::Branch {
                    cases: vec![(e("owed > 100"), 2), (e("owed > 0"), 3)],
                    otherwise: 4,
                },
            ),
            hangup("a_lot", &["arrears_total"]),
            node(
                "english",
                NodeKind::Language {
                    language: "en".into(),
                    next: 4,
                },
            ),
            hangup("none", &["no_arrears"]),
        ],
    )]);
    let (mut s, _) = Session::start(Arc::clone(&set), 0, call(), 0);
    s.vars.insert(
        "arrears".into(),
        Value::record([("total", Value::Money(2_050))]),
    );
    let mut out = Vec::new();
    s.enter(0, &mut out);
    // 20.50 + 10 yuan = 30.50: not over 100, over 0.
    assert_eq!(s.vars.get("owed"), Some(&Value::Money(3_050)));
    assert!(out.contains(&Action::SetLanguage("en".into())));
    let Some(Action::Play { prompts, .. }) = out.iter().find(|a| matches!(a, Action::Play { .. }))
    else {
        panic!("plays");
    };
    assert_eq!(prompts[0].to_string(), "en/no_arrears");
    assert_eq!(s.language(), "en");
    assert!(out.contains(&Action::Exit {
        flow: 0,
        node: 1,
        exit: Exit::Case(1)
    }));
}

#[test]
fn random_keys_for_minutes_end_in_the_fallback() {
    // main: menu (1 → account collect, 2 → sub-menu, fallback → transfer); the sub-menu's
    // 9 goes back to main. A caller pressing keys at random, letting timers run out and
    // prompts finish, for as long as it takes: the call always ends, never hangs.
    let nodes = vec![
        node("menu", menu(&[('1', 1), ('2', 2)], 3)),
        node("ask", NodeKind::Collect(collect(0, 3))),
        node("sub", menu(&[('9', 0)], 3)),
        node(
            "to_agent",
            NodeKind::Transfer(Transfer {
                queue: "general".into(),
                skills: vec![],
                priority: 0,
                reason: "fallback".into(),
                preferred_agent: None,
            }),
        ),
    ];
    let set = set(vec![flow("main", nodes)]);
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut rnd = move |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    for _ in 0..200 {
        let mut r = Run::start(Arc::clone(&set));
        let mut events = 0;
        while !r.s.ended() {
            events += 1;
            assert!(events < 20_000, "stuck at {:?}", r.s.position());
            match rnd(4) {
                0 | 1 => {
                    let k = b"0123456789*#"[rnd(12) as usize] as char;
                    r.key(k);
                }
                2 => {
                    r.done();
                }
                _ => {
                    if r.actions.iter().any(|a| matches!(a, Action::Timer { .. })) {
                        r.fire();
                    }
                }
            }
            r.now += 1_000;
            // Keep the action log short: only the last timer matters.
            if r.actions.len() > 64 {
                let keep = r.actions.split_off(r.actions.len() - 16);
                r.actions = keep;
            }
        }
        assert!(r.s.visited <= MAX_NODES_PER_CALL + 1);
    }
}

#[test]
fn schedule_follows_the_calendar_on_the_clock_given() {
    use crate::flow::Calendar;
    let mut set = FlowSet {
        flows: vec![flow(
            "main",
            vec![
                node(
                    "hours",
                    NodeKind::Schedule {
                        calendar: "office".into(),
                        open: 1,
                        closed: 2,
                    },
                ),
                hangup("open", &["welcome"]),
                hangup("closed", &["goodbye"]),
            ],
        )],
        calendars: Default::default(),
        zone: Default::default(),
    };
    let weekday = vec![(8 * 60 + 30, 17 * 60 + 30)];
    set.calendars.insert(
        "office".into(),
        Calendar {
            hours: [
                weekday.clone(),
                weekday.clone(),
                weekday.clone(),
                weekday.clone(),
                weekday,
                vec![],
                vec![],
            ],
            holidays: [crate::value::Date {
                year: 2026,
                month: 10,
                day: 1,
            }]
            .into(),
            workdays: Default::default(),
            workday_hours: Vec::new(),
        },
    );
    let set = Arc::new(set);
    let plays = |now: Millis| {
        let (_, out) = Session::start(Arc::clone(&set), 0, call(), now);
        out.iter()
            .find_map(|a| match a {
                Action::Play { prompts, .. } => Some(prompts[0].name.clone()),
                _ => None,
            })
            .expect("plays")
    };
    // Wednesday 2026-11-18, Beijing time.
    let wed_10h = 1_794_967_600_000 - 6 * 60_000;
    assert_eq!(plays(wed_10h), "welcome");
    assert_eq!(plays(wed_10h + 8 * 3_600_000), "goodbye", "18:00");
    assert_eq!(plays(wed_10h + 4 * 86_400_000), "goodbye", "Sunday");
    // Thursday 2026-10-01 10:00 Beijing: a holiday.
    assert_eq!(plays(wed_10h - 48 * 86_400_000), "goodbye", "National Day");
    assert_eq!(plays(wed_10h - 41 * 86_400_000), "welcome", "a week later");
    // The same flows in the centre zone Europe/Berlin (UTC+1 in November): 10:00 in Beijing
    // is 03:00 there, 17:00 in Beijing is 10:00 there.
    let berlin = Arc::new(
        (*set)
            .clone()
            .in_zone(hotline_time::Zone::named("Europe/Berlin").expect("bundled")),
    );
    let plays_in_berlin = |now: Millis| {
        let (_, out) = Session::start(Arc::clone(&berlin), 0, call(), now);
        out.iter()
            .any(|a| matches!(a, Action::Play { prompts, .. } if prompts[0].name == "welcome"))
    };
    assert!(!plays_in_berlin(wed_10h));
    assert!(plays_in_berlin(wed_10h + 7 * 3_600_000));
}
