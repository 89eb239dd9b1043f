use super::*;

fn p(s: &str) -> Pattern {
    Pattern::parse(s).unwrap()
}

fn rules() -> DialRules {
    let mut r = DialRules::default();
    r.classes.insert(
        Class::Emergency,
        vec![p("110"), p("119"), p("120"), p("122"), p("112")],
    );
    r.classes
        .insert(Class::Premium, vec![p("168."), p("160."), p("1259Z.")]);
    r.classes.insert(Class::International, vec![p("00.")]);
    let local = vec![p("1[3-9]XXXXXXXXX"), p("0ZXXXXXXX."), p("[2-8]XXXXXXX")];
    r.allowed.insert("agent".into(), local.clone());
    r.allowed.insert("admin".into(), local);
    r.allowed_classes
        .insert("admin".into(), vec![Class::International]);
    r
}

#[test]
fn patterns_match_the_whole_number() {
    assert!(p("1[3-9]XXXXXXXXX").matches("13812345678"));
    assert!(!p("1[3-9]XXXXXXXXX").matches("12812345678"));
    assert!(!p("1[3-9]XXXXXXXXX").matches("1381234567"));
    assert!(!p("1[3-9]XXXXXXXXX").matches("138123456789"));
    assert!(p("0ZXXXXXXX.").matches("02088881234"));
    assert!(!p("0ZXXXXXXX.").matches("020888812"), "`.` needs one more");
    assert!(p("0ZXXXXXXX!").matches("020888812"), "`!` needs none");
    assert!(p("N").matches("2") && !p("N").matches("1"));
    assert!(p("[358]").matches("5") && !p("[358]").matches("4"));
    assert!(p("+86X.").matches("+8613800000000"));
}

#[test]
fn bad_patterns_are_refused_with_the_reason() {
    for (text, why) in [
        ("", "empty"),
        ("1[3-", "without `]`"),
        ("1[]", "empty set"),
        ("1[9-3]", "bad range"),
        ("1.2", "only at the end"),
        ("1A", "not digits"),
        ("[a]", "in a set"),
    ] {
        let e = Pattern::parse(text).unwrap_err();
        assert!(e.contains(why), "{text}: {e}");
    }
}

#[test]
fn emergency_premium_and_international_are_refused_unless_the_role_may() {
    let r = rules();
    assert_eq!(r.check("agent", "13812345678"), Ok(()));
    assert_eq!(r.check("agent", "02088881234"), Ok(()));
    assert_eq!(r.check("agent", "88881234"), Ok(()));
    assert_eq!(
        r.check("agent", "110"),
        Err(Refusal::Class(Class::Emergency))
    );
    assert_eq!(
        r.check("admin", "120"),
        Err(Refusal::Class(Class::Emergency))
    );
    assert_eq!(
        r.check("agent", "16812345"),
        Err(Refusal::Class(Class::Premium))
    );
    assert_eq!(
        r.check("agent", "125911234"),
        Err(Refusal::Class(Class::Premium))
    );
    assert_eq!(
        r.check("agent", "0044201234567"),
        Err(Refusal::Class(Class::International))
    );
    assert_eq!(
        r.check("agent", "+442012345678"),
        Err(Refusal::Class(Class::International))
    );
    assert_eq!(r.check("admin", "0044201234567"), Ok(()));
    assert_eq!(r.check("admin", "+442012345678"), Ok(()));
    // Not matching any of the role's patterns, or a role without rules.
    assert_eq!(
        r.check("agent", "12345"),
        Err(Refusal::NotAllowed {
            role: "agent".into()
        })
    );
    assert!(matches!(
        r.check("crew", "13812345678"),
        Err(Refusal::NotAllowed { .. })
    ));
}

#[test]
fn arbitrary_input_never_panics() {
    let r = rules();
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    for _ in 0..2000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let len = (x % 24) as usize;
        let s: String = (0..len)
            .map(|i| {
                let b = ((x >> (i % 8 * 8)) & 0xFF) as u8;
                char::from(b"0123456789+*#.![]-XZNa "[usize::from(b) % 23])
            })
            .collect();
        let _ = Pattern::parse(&s).map(|p| p.matches(&s));
        let _ = r.check("agent", &s);
    }
}
