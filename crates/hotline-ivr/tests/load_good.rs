//! A good set of flows (every node type, a sub-flow call, calendars) loads into the runnable
//! form, with defaults filled in; and a folder loads the same way, skipping what is not a flow.

// A test crate: its helpers, like its tests, state what they expect with unwrap, expect,
// panic and indexing (clippy.toml's test allowances reach only #[test] functions).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod load_support;

use hotline_ivr::flow::{LookupWhat, NodeKind, PromptItem};
use hotline_ivr::load::{load_dir, load_files, SoundsDir};
use hotline_ivr::say::SayAs;
use load_support::{files, prompts, BILLS, CALENDARS, MAIN};
use std::path::PathBuf;

fn line_of(text: &str, needle: &str) -> u32 {
    text.lines()
        .position(|l| l.starts_with(needle))
        .map(|i| i as u32 + 1)
        .expect("needle")
}

#[test]
fn a_good_set_loads() {
    let set = load_files(
        &files(&[("flows/main.yaml", MAIN), ("flows/bills.yaml", BILLS)]),
        Some((PathBuf::from("flows/calendars.yaml"), CALENDARS.to_owned())),
        &prompts,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(set.flows.len(), 2);
    let main = &set.flows[set.find("main").expect("main")];
    let bills_idx = set.find("bills").expect("bills");
    assert_eq!(main.description, "主菜单 / main menu");
    assert_eq!(main.languages, ["zh", "en"]);
    assert_eq!(main.file, PathBuf::from("flows/main.yaml"));
    assert_eq!(main.nodes[main.start].id, "hours");
    let idx = |id: &str| main.nodes.iter().position(|n| n.id == id).expect(id);
    let node = |id: &str| &main.nodes[idx(id)].kind;
    assert_eq!(main.nodes[idx("menu")].line, line_of(MAIN, "  menu:"));
    assert_eq!(main.nodes[idx("hours")].line, 7);

    match node("hours") {
        NodeKind::Schedule {
            calendar,
            open,
            closed,
        } => {
            assert_eq!(calendar, "office");
            assert_eq!((*open, *closed), (idx("who"), idx("closed_msg")));
        }
        other => panic!("{other:?}"),
    }
    match node("closed_msg") {
        NodeKind::Hangup { prompts } => assert!(matches!(
            &prompts[..],
            [PromptItem::Prompt(a), PromptItem::Prompt(b)] if a == "office_closed" && b == "common/beep"
        )),
        other => panic!("{other:?}"),
    }
    match node("who") {
        NodeKind::Lookup(l) => {
            assert!(matches!(l.what, LookupWhat::CustomerByCaller));
            assert_eq!(l.into, "customer");
            assert_eq!(l.timeout_ms, 3000);
            assert_eq!(l.not_found, Some(idx("ask_account")));
            assert_eq!((l.next, l.error), (idx("greet"), idx("sorry")));
        }
        other => panic!("{other:?}"),
    }
    match node("ask_account") {
        NodeKind::Collect(c) => {
            assert_eq!((c.min, c.max, c.retries), (6, 10, 3));
            assert_eq!((c.first_timeout_ms, c.inter_timeout_ms), (10_000, 3_000));
            assert_eq!(c.terminator, Some('#'));
            assert_eq!(c.into, "account");
            let p = c.pattern.as_ref().expect("pattern");
            assert!(p.matches("123456") && p.matches("1234567890"));
            assert!(!p.matches("12345") && !p.matches("x123456") && !p.matches("1234567890123"));
            let confirm = c.confirm.as_ref().expect("confirm");
            assert_eq!(confirm.say_as, SayAs::Digits);
            assert!(
                matches!(&confirm.ask[..], [PromptItem::Prompt(p)] if p == "press_1_confirm_2_retry")
            );
            assert!(matches!(&c.invalid[..], [PromptItem::Prompt(p)] if p == "invalid_input"));
            assert!(matches!(&c.no_input[..], [PromptItem::Prompt(p)] if p == "no_input"));
            assert_eq!((c.next, c.fallback), (idx("by_account"), idx("agent")));
        }
        other => panic!("{other:?}"),
    }
    match node("by_account") {
        NodeKind::Lookup(l) => match &l.what {
            LookupWhat::CustomerByAccount { account } => assert_eq!(account.source(), "account"),
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
    match node("greet") {
        NodeKind::Set { vars, next } => {
            let names: Vec<&str> = vars.iter().map(|(v, _)| v.as_str()).collect();
            assert_eq!(names, ["is_key", "tries"]);
            assert_eq!(vars[0].1.source(), "customer.tier == \"key_account\"");
            assert_eq!(*next, idx("route"));
        }
        other => panic!("{other:?}"),
    }
    match node("route") {
        NodeKind::Branch { cases, otherwise } => {
            assert_eq!(cases.len(), 1);
            assert_eq!(cases[0].0.source(), "is_key");
            assert_eq!(cases[0].1, idx("key_agent"));
            assert_eq!(*otherwise, idx("menu"));
        }
        other => panic!("{other:?}"),
    }
    match node("menu") {
        NodeKind::Menu(m) => {
            assert_eq!(
                m.keys,
                [
                    ('1', idx("bills")),
                    ('2', idx("english")),
                    ('3', idx("notices")),
                    ('0', idx("agent")),
                    ('#', idx("bye"))
                ]
            );
            assert_eq!(
                (m.timeout_ms, m.retries, m.fallback),
                (5000, 2, idx("agent"))
            );
            assert!(matches!(&m.invalid[..], [PromptItem::Prompt(p)] if p == "invalid_input"));
        }
        other => panic!("{other:?}"),
    }
    match node("english") {
        NodeKind::Language { language, next } => {
            assert_eq!((language.as_str(), *next), ("en", idx("menu")))
        }
        other => panic!("{other:?}"),
    }
    match node("bills") {
        NodeKind::Call { flow, next } => assert_eq!((*flow, *next), (bills_idx, idx("report"))),
        other => panic!("{other:?}"),
    }
    match node("notices") {
        NodeKind::Lookup(l) => match &l.what {
            LookupWhat::Notices { district, kind } => {
                assert_eq!(
                    district.as_ref().map(|d| d.source()),
                    Some("customer.district")
                );
                assert_eq!(kind.as_deref(), Some("outage"));
            }
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
    // Self-service actions: marked where written, nowhere else.
    let served: Vec<&str> = main
        .nodes
        .iter()
        .filter(|n| n.served)
        .map(|n| n.id.as_str())
        .collect();
    assert_eq!(served, ["tell_notices", "report"]);
    match node("tell_notices") {
        NodeKind::Play {
            prompts, barge_in, ..
        } => {
            assert!(!barge_in);
            assert!(
                matches!(&prompts[..], [PromptItem::Each { var, limit: None, .. }] if var == "notice")
            );
        }
        other => panic!("{other:?}"),
    }
    match node("report") {
        NodeKind::Ticket(t) => {
            assert_eq!(t.kind, "fault");
            assert_eq!(t.summary.source(), "来电 {caller}");
            assert_eq!(t.into.as_deref(), Some("ticket"));
            assert!(t.reporter_phone.is_none());
        }
        other => panic!("{other:?}"),
    }
    match node("key_agent") {
        NodeKind::Transfer(t) => {
            assert_eq!(t.queue, "key_accounts");
            assert_eq!(t.skills, [("billing".to_owned(), 3)]);
            assert_eq!(t.priority, 80);
            assert_eq!(t.reason, "key account");
            assert_eq!(
                t.preferred_agent.as_ref().map(|e| e.source()),
                Some("customer.manager")
            );
        }
        other => panic!("{other:?}"),
    }
    match node("agent") {
        NodeKind::Transfer(t) => assert_eq!((t.priority, t.skills.len()), (0, 0)),
        other => panic!("{other:?}"),
    }
    assert!(matches!(node("bye"), NodeKind::Hangup { prompts } if prompts.is_empty()));

    let bills = &set.flows[bills_idx];
    assert!(matches!(bills.nodes[2].kind, NodeKind::Return));
    match &bills.nodes[1].kind {
        NodeKind::Play {
            prompts, barge_in, ..
        } => {
            assert!(barge_in);
            match &prompts[..] {
                [PromptItem::Prompt(p), PromptItem::Each {
                    list,
                    var,
                    limit,
                    items,
                }] => {
                    assert_eq!(p, "bill_for");
                    assert_eq!(
                        (list.source(), var.as_str(), *limit),
                        ("bills.items", "bill", Some(3))
                    );
                    assert!(matches!(
                        &items[..],
                        [
                            PromptItem::Say {
                                as_: SayAs::Month,
                                ..
                            },
                            PromptItem::Prompt(_),
                            PromptItem::Say {
                                as_: SayAs::Money,
                                ..
                            }
                        ]
                    ));
                }
                other => panic!("{other:?}"),
            }
        }
        other => panic!("{other:?}"),
    }

    let office = &set.calendars["office"];
    // Read in the centre's zone: the loader's default until the engine sets its own.
    assert_eq!(set.zone.name(), "Asia/Shanghai");
    assert_eq!(office.hours[0], [(510, 1050)]);
    assert_eq!(office.hours[5], [(540, 720)]);
    assert!(office.hours[6].is_empty());
    assert_eq!(office.holidays.len(), 3);
}

#[test]
fn a_folder_loads_and_skips_what_is_not_a_flow() {
    let dir = std::env::temp_dir().join(format!("hotline-load-dir-{}", std::process::id()));
    let flows = dir.join("ivr-flows");
    let sounds = dir.join("sounds");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&flows).unwrap();
    std::fs::write(flows.join("main.yaml"), MAIN).unwrap();
    std::fs::write(flows.join("bills.yaml"), BILLS).unwrap();
    std::fs::write(flows.join("calendars.yaml"), CALENDARS).unwrap();
    std::fs::write(flows.join("main.test.yaml"), "not: [a flow").unwrap();
    std::fs::write(flows.join("schema.json"), "{}").unwrap();
    std::fs::write(flows.join("README.md"), "# flows").unwrap();
    let names = [
        "office_closed",
        "enter_account",
        "you_entered",
        "main_menu",
        "system_busy",
        "bill_for",
        "amount_due",
        "invalid_input",
        "no_input",
        "press_1_confirm_2_retry",
    ];
    for lang in ["zh", "en"] {
        std::fs::create_dir_all(sounds.join(lang)).unwrap();
        for n in names {
            std::fs::write(sounds.join(lang).join(format!("{n}.wav")), b"RIFF").unwrap();
        }
    }
    std::fs::create_dir_all(sounds.join("common")).unwrap();
    std::fs::write(sounds.join("common").join("beep.wav"), b"RIFF").unwrap();

    let index = SoundsDir::scan(&sounds).unwrap();
    assert_eq!(index.len(), names.len() * 2 + 1);
    let set = load_dir(&flows, &index).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(set.flows.len(), 2);
    assert!(set.calendars.contains_key("office"));

    // A sound removed: the folder is refused, naming the file and the language.
    std::fs::remove_file(sounds.join("en").join("bill_for.wav")).unwrap();
    let index = SoundsDir::scan(&sounds).unwrap();
    let err = load_dir(&flows, &index).unwrap_err().to_string();
    let bills_file = flows.join("bills.yaml");
    assert_eq!(
        err,
        format!(
            "{}:{}:11: prompt `bill_for` is missing for en (sounds/en/bill_for.wav)",
            bills_file.display(),
            line_of(BILLS, "        - bill_for")
        )
    );
    let _ = std::fs::remove_dir_all(&dir);
}
