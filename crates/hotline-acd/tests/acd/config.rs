//! The TOML shape of `[[acd.queues]]` and the validators.

use hotline_acd::{validate, validate_skills, Exit, QueueConfig, Strategy, Tier};

#[derive(serde::Deserialize)]
struct Engine {
    acd: Acd,
}

#[derive(serde::Deserialize)]
struct Acd {
    queues: Vec<QueueConfig>,
}

const EXAMPLE: &str = r#"
[[acd.queues]]
name = "billing"

[[acd.queues]]
name = "key_accounts"
skills = { billing = 2 }
service_level = { percent = 80, within_secs = 20 }
wrap_up_secs = 30
ring_secs = 15
max_wait_secs = 600
max_wait_exit = "queue:billing"
announce_secs = 30
strategy = "most_skilled"
key_account_boost = 30
ageing_per_min = 2
short_abandon_secs = 5
default_handle_secs = 240
callback = { attempts = 3, retry_secs = 300, dial_secs = 60 }
steps = [
  { after_secs = 0, preferred_only = true, tier = "key_account" },
  { after_secs = 20, skills = { key_account = 1 }, tier = "key_account" },
  { after_secs = 60 },
]
relax = [{ after_secs = 30, by = 1 }, { after_secs = 60, by = 2 }]
"#;

fn parse(text: &str) -> Result<Vec<QueueConfig>, toml::de::Error> {
    toml::from_str::<Engine>(text).map(|e| e.acd.queues)
}

#[test]
fn the_documented_example_parses_and_validates() {
    let queues = parse(EXAMPLE).unwrap();
    assert_eq!(queues[0], QueueConfig::new("billing"));
    let ka = &queues[1];
    assert_eq!(ka.max_wait_exit, Exit::Queue("billing".into()));
    assert_eq!(ka.strategy, Strategy::MostSkilled);
    assert_eq!(ka.steps.len(), 3);
    assert_eq!(ka.steps[1].tier, Some(Tier::KeyAccount));
    assert_eq!(ka.relax[1].by, 2);
    validate(&queues).unwrap();
    let known = ["billing".to_string(), "key_account".to_string()];
    validate_skills(&queues, &known).unwrap();
    let errors = validate_skills(&queues, &known[..1]).unwrap_err();
    assert_eq!(
        errors,
        vec!["queue `key_accounts`: unknown skill `key_account`"]
    );
}

#[test]
fn unknown_fields_and_exits_are_refused() {
    assert!(parse("[[acd.queues]]\nname = \"q\"\nring = 5\n").is_err());
    assert!(parse("[[acd.queues]]\nname = \"q\"\nmax_wait_exit = \"voicemail\"\n").is_err());
    assert!(parse("[[acd.queues]]\nname = \"q\"\nstrategy = \"random\"\n").is_err());
    assert!(parse("[[acd.queues]]\nskills = {}\n").is_err());
}

#[test]
fn validate_reports_every_problem() {
    let mut a = QueueConfig::new("a");
    a.ring_secs = 0;
    a.max_wait_exit = Exit::Queue("nowhere".into());
    a.skills = [("billing".to_string(), 11)].into();
    let b = QueueConfig::new("a");
    let mut c = QueueConfig::new("c");
    c.max_wait_exit = Exit::Queue("d".into());
    let mut d = QueueConfig::new("d");
    d.max_wait_exit = Exit::Queue("c".into());
    d.relax = vec![
        hotline_acd::Relax {
            after_secs: 30,
            by: 2,
        },
        hotline_acd::Relax {
            after_secs: 30,
            by: 1,
        },
    ];
    let errors = validate(&[a, b, c, d]).unwrap_err();
    let all = errors.join("\n");
    for needle in [
        "`a` is defined twice",
        "ring_secs must be at least 1",
        "unknown queue `nowhere`",
        "skills.billing = 11",
        "`c`: max_wait_exit chain comes back",
        "`d`: max_wait_exit chain comes back",
        "relax[1].after_secs",
        "relax[1].by",
    ] {
        assert!(all.contains(needle), "missing `{needle}` in:\n{all}");
    }
}

#[test]
fn after_hours_routes_name_a_queue_that_exists_and_calendars_are_not_empty() {
    let mut a = QueueConfig::new("a");
    a.calendar = Some("office".into());
    a.after_hours = Exit::Queue("nowhere".into());
    let mut b = QueueConfig::new("b");
    b.after_hours = Exit::Queue("b".into());
    let mut c = QueueConfig::new("c");
    c.calendar = Some(" ".into());
    let mut duty = QueueConfig::new("duty");
    duty.calendar = Some("office".into());
    duty.after_hours = Exit::Queue("a".into());
    let all = validate(&[a, b, c, duty.clone()]).unwrap_err().join("\n");
    for needle in [
        "queue `a`: after_hours names unknown queue `nowhere`",
        "queue `b`: after_hours points to itself",
        "queue `c`: calendar is empty",
    ] {
        assert!(all.contains(needle), "missing `{needle}` in:\n{all}");
    }
    assert!(!all.contains("`duty`"), "{all}");
    // A queue with hours and a duty queue that sends back to it are valid: the call core stops
    // at the second closed queue.
    let mut a = QueueConfig::new("a");
    a.calendar = Some("office".into());
    a.after_hours = Exit::Queue("duty".into());
    validate(&[a, duty]).unwrap();
}

#[test]
fn an_outside_number_exit_is_digits_with_an_optional_plus() {
    let ok = Exit::try_from("number:+8613700001111".to_string()).unwrap();
    assert_eq!(ok, Exit::Number("+8613700001111".into()));
    assert_eq!(ok.to_string(), "number:+8613700001111");
    for bad in [
        "number:",
        "number:12",
        "number:1370000a111",
        "number:+",
        "number:1 2345",
    ] {
        let e = Exit::try_from(bad.to_string()).unwrap_err();
        assert!(e.contains("3 to 20 digits"), "{bad}: {e}");
    }
    let e = Exit::try_from("phone:123".to_string()).unwrap_err();
    assert!(e.contains("number:<digits>"), "{e}");
}
