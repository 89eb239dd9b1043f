//! The fuzz targets' bodies, shared by the libFuzzer binaries (`fuzz_targets/`) and the
//! corpus replay test (`tests/corpus.rs`, plain `cargo test`): each feeds arbitrary bytes to
//! one entry point for outside input, which must answer with an error, never a panic.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;

use hotline_ivr::expr::{Expr, Scope, Template, Vars};
use hotline_ivr::load::load_files;
use hotline_ivr::value::Type;
use hotline_ivr::Value;
use hotline_sdp::{answer_with, offer, parse_answer, Direction, LocalMedia, SessionDescription};

/// SDP: parse, answer as the engine does (each direction), and read it as the answer to our
/// own offer; an answer we produce must parse again.
pub fn sdp(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(sd) = SessionDescription::parse(text) else {
        return;
    };
    let local = LocalMedia {
        addr: IpAddr::V4(Ipv4Addr::new(192, 0, 2, 10)),
        port: 40_000,
        session_id: 1,
        session_version: 1,
        ..LocalMedia::default()
    };
    for wanted in [
        Direction::SendRecv,
        Direction::SendOnly,
        Direction::RecvOnly,
        Direction::Inactive,
    ] {
        if let Ok(a) = answer_with(&sd, &local, wanted) {
            let again = SessionDescription::parse(&a.sdp);
            assert!(
                again.is_ok(),
                "our answer does not parse: {again:?}\n{}",
                a.sdp
            );
        }
    }
    let _ = parse_answer(&local, &sd);
    let ours = offer(&local, Direction::SendRecv);
    assert!(SessionDescription::parse(&ours).is_ok());
}

/// A prompt index that has every prompt (the loader's other checks still run).
fn any_prompt(_language: &str, _name: &str) -> bool {
    true
}

/// The smallest valid flow, for loading fuzzed calendars beside it.
const MINIMAL_FLOW: &str =
    "flow: main\nlanguages: [zh]\nstart: s\nnodes:\n  s:\n    schedule: { calendar: office, open: e, closed: e }\n  e:\n    hangup: {}\n";

/// The IVR flow loader: the bytes as a flow file (every check, with every prompt present),
/// then as `calendars.yaml` beside a minimal flow.
pub fn ivr_flow(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let files = [(PathBuf::from("main.yaml"), text.to_owned())];
    let _ = load_files(&files, None, &any_prompt);
    let files = [(PathBuf::from("main.yaml"), MINIMAL_FLOW.to_owned())];
    let calendars = Some((PathBuf::from("calendars.yaml"), text.to_owned()));
    if let Ok(set) = load_files(&files, calendars, &any_prompt) {
        for c in set.calendars.values() {
            for at in [0, 1_794_967_200_000, i64::MIN, i64::MAX] {
                let _ = hotline_ivr::interp::is_open(c, &set.zone, at);
            }
        }
    }
}

/// The variables the expression target checks and evaluates against.
fn scope_and_vars() -> (Scope, Vars) {
    let mut scope = Scope::new();
    let mut vars = Vars::new();
    let mut put = |name: &str, t: Type, v: Value| {
        scope.insert(name.to_owned(), t);
        vars.insert(name.to_owned(), v);
    };
    put("n", Type::Int, Value::Int(i64::MAX));
    put("m", Type::Money, Value::Money(-1));
    put("t", Type::Text, Value::text("13800000000"));
    put("b", Type::Bool, Value::Bool(true));
    put(
        "c",
        Type::Record(BTreeMap::from([
            ("name".to_owned(), Type::Text),
            ("arrears".to_owned(), Type::Money),
        ])),
        Value::Null,
    );
    put(
        "l",
        Type::List(Box::new(Type::Int)),
        Value::List(vec![Value::Int(1)]),
    );
    (scope, vars)
}

/// The expression language: parse, type-check and evaluate, as an expression and as a
/// template.
pub fn ivr_expr(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (scope, vars) = scope_and_vars();
    if let Ok(e) = Expr::parse(text) {
        let _ = e.check(&scope);
        let _ = e.eval(&vars);
    }
    if let Ok(t) = Template::parse(text) {
        let _ = t.check(&scope);
        let _ = t.render(&vars);
    }
}
