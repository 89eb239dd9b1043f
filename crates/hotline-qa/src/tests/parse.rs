//! Form files: the shape, the defaults, the version, and every refusal with its line.

use crate::{load_forms, parse_form, FormError, Kind};

/// Five criteria of weight 10 (one a 0..4 scale, one critical, one n/a-able), pass mark 80.
pub(crate) const FORM: &str = "\
title: Test form
pass_mark: 80
sections:
  - id: opening
    title: Opening
    criteria:
      - id: greeting
        text: Greeted
        guidance: Names the company
        weight: 10
      - id: staff_number
        text: Staff number
        critical: true
        weight: 10
  - id: handling
    title: Handling
    criteria:
      - id: solution
        text: Solution
        scale: 4
        weight: 10
      - id: ticket
        text: Ticket
        weight: 10
        allow_na: true
      - id: farewell
        text: Farewell
        weight: 10
";

fn refused(text: &str) -> FormError {
    parse_form("t", "t.yaml", text).expect_err("the form should be refused")
}

/// `text` with `from` replaced by `to` (which must be there).
fn edit(from: &str, to: &str) -> String {
    assert!(FORM.contains(from), "{from}");
    FORM.replacen(from, to, 1)
}

#[test]
fn a_form_is_read_with_its_sections_and_criteria() {
    let f = parse_form("test", "test.yaml", FORM).unwrap();
    assert_eq!(f.id, "test");
    assert_eq!(f.title, "Test form");
    assert_eq!(f.pass_mark, 80);
    assert_eq!(f.sections.len(), 2);
    assert_eq!(f.sections[1].id, "handling");
    let ids: Vec<&str> = f.criteria().map(|c| c.id.as_str()).collect();
    assert_eq!(
        ids,
        ["greeting", "staff_number", "solution", "ticket", "farewell"]
    );
    let greeting = f.criterion("greeting").unwrap();
    assert_eq!(greeting.guidance, "Names the company");
    assert_eq!(greeting.kind, Kind::YesNo);
    assert!(!greeting.critical && !greeting.allow_na);
    assert!(f.criterion("staff_number").unwrap().critical);
    assert_eq!(f.criterion("staff_number").unwrap().guidance, "");
    assert_eq!(
        f.criterion("solution").unwrap().kind,
        Kind::Scale { max: 4 }
    );
    assert!(f.criterion("ticket").unwrap().allow_na);
}

#[test]
fn the_version_is_12_hex_digits_of_the_sha256_of_the_text() {
    let f = parse_form("t", "t.yaml", FORM).unwrap();
    assert_eq!(f.version.len(), 12);
    assert!(f
        .version
        .bytes()
        .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
    // The known answer for the empty text: SHA-256("") = e3b0c44298fc….
    assert_eq!(crate::parse::version_of(""), "e3b0c44298fc");
    let again = parse_form("t", "t.yaml", &format!("{FORM}# a comment\n")).unwrap();
    assert_ne!(again.version, f.version, "any edit changes the version");
}

#[test]
fn pass_mark_defaults_to_80_and_critical_items_may_weigh_0() {
    let text = edit("pass_mark: 80\n", "");
    assert_eq!(parse_form("t", "t.yaml", &text).unwrap().pass_mark, 80);
    let text = edit(
        "critical: true\n        weight: 10",
        "critical: true\n        weight: 0",
    );
    assert_eq!(
        parse_form("t", "t.yaml", &text)
            .unwrap()
            .criterion("staff_number")
            .unwrap()
            .weight,
        0
    );
}

#[test]
fn the_form_serialises_for_the_web_api() {
    let f = parse_form("t", "t.yaml", FORM).unwrap();
    let json = serde_json::to_value(&f).unwrap();
    assert_eq!(json["id"], "t");
    assert_eq!(json["pass_mark"], 80);
    let solution = &json["sections"][1]["criteria"][0];
    assert_eq!(
        solution["kind"],
        serde_json::json!({"type": "scale", "max": 4})
    );
    let greeting = &json["sections"][0]["criteria"][0];
    assert_eq!(greeting["kind"], serde_json::json!({"type": "yes_no"}));
    assert_eq!(greeting["allow_na"], false);
}

#[test]
fn errors_display_as_file_line_reason() {
    let e = refused(&edit("pass_mark: 80", "pass_mark: 101"));
    assert_eq!(e.to_string(), format!("t.yaml:2: {}", e.reason));
    let e = refused("");
    assert_eq!(e.line, 0);
    assert_eq!(e.to_string(), "t.yaml: the file is empty");
}

/// Each broken rule, the line it is reported on and words of its reason.
#[test]
fn every_broken_rule_is_refused_with_its_line() {
    let cases: &[(String, usize, &str)] = &[
        (edit("pass_mark: 80", "pass_mark: 101"), 2, "pass_mark"),
        (edit("pass_mark: 80", "pass_mark: -1"), 2, "pass_mark"),
        (edit("pass_mark: 80", "pass_mark: eighty"), 2, "whole number"),
        (edit("title: Test form", "title: Test form\ncolour: red"), 2, "colour"),
        (
            edit("        guidance: Names the company", "        hint: x"),
            9,
            "hint",
        ),
        (
            edit("      - id: solution", "      - id: greeting"),
            18,
            "used twice (first on line 7)",
        ),
        (
            edit("  - id: handling", "  - id: opening"),
            15,
            "used twice (first on line 4)",
        ),
        (edit("      - id: ticket", "      - id: Ticket"), 22, "lower-case"),
        (edit("  - id: handling", "  - id: hand ling"), 15, "lower-case"),
        (edit("scale: 4", "scale: 11"), 20, "criterion `solution`: scale is the highest answer, from 1 to 10, not 11"),
        (edit("scale: 4", "scale: 0"), 20, "scale"),
        (
            edit("critical: true\n        weight: 10", "critical: true\n        scale: 3\n        weight: 10"),
            13,
            "critical",
        ),
        (
            edit("        text: Greeted\n", "        text: Greeted\n        critical: false\n").replace("        weight: 10\n      - id: staff", "        weight: 0\n      - id: staff"),
            11,
            "weight 0",
        ),
        (edit("weight: 10\n      - id: staff", "weight: 0\n      - id: staff"), 10, "weight 0"),
        (edit("scale: 4\n        weight: 10", "scale: 4\n        weight: -2"), 21, "weight"),
        (edit("scale: 4\n        weight: 10", "scale: 4\n        weight: 1001"), 21, "criterion `solution`: weight is from 1 to 1000, not 1001"),
        (edit("        text: Farewell\n", ""), 26, "criterion `farewell` has no `text`"),
        (edit("        weight: 10\n        allow_na", "        allow_na"), 22, "criterion `ticket` has no `weight`"),
        (edit("      - id: ticket\n", "      - guidance: x\n"), 22, "a criterion has no `id`"),
        (edit("    title: Handling\n", ""), 15, "section `handling` has no `title`"),
        (edit("  - id: handling\n    title: Handling\n", "  - title: Handling\n"), 15, "a section has no `id`"),
        ("pass_mark: 80\n".to_owned(), 1, "no `title`"),
        ("title: x\n".to_owned(), 1, "no `sections`"),
        (edit("        text: Farewell", "        text: \"  \""), 27, "criterion `farewell` has an empty `text`"),
        (edit("    title: Opening", "    title: \"\""), 5, "section `opening` has an empty `title`"),
        (edit("title: Test form", "title: \"\""), 1, "the form has an empty `title`"),
        (
            edit("    criteria:\n      - id: solution", "    criteria: []\n  - id: spare\n    title: Spare\n    criteria:\n      - id: solution"),
            15,
            "section `handling` has no criteria",
        ),
        (FORM.split("sections:").next().unwrap().to_owned() + "sections: []\n", 3, "at least one section"),
        (edit("        weight: 10\n        allow_na", "        weight: 10\n        weight: 5\n        allow_na"), 25, "duplicate"),
        (edit("critical: true", "critical: maybe"), 13, "true or false"),
        (edit("allow_na: true", "allow_na: [x]"), 25, "single value"),
        ("- a list\n".to_owned(), 1, "map"),
        ("title: [unclosed\n".to_owned(), 1, ""),
        (format!("{FORM}---\ntitle: again\n"), 0, ""),
    ];
    for (text, line, words) in cases {
        let e = refused(text);
        assert!(
            e.reason.contains(words),
            "expected `{words}` in `{e}` for\n{text}"
        );
        if *line > 0 {
            assert_eq!(e.line, *line, "{e} for\n{text}");
        }
        assert_eq!(e.file, "t.yaml");
    }
}

#[test]
fn several_errors_come_back_in_line_order_from_the_folder() {
    let dir = temp_dir("several");
    let text = edit("pass_mark: 80", "pass_mark: 200").replace("scale: 4", "scale: 40");
    std::fs::write(dir.join("a.yaml"), &text).unwrap();
    let errors = load_forms(&dir).unwrap_err();
    let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, [2, 20], "{errors:?}");
    // parse_form returns the first.
    assert_eq!(parse_form("a", "a.yaml", &text).unwrap_err().line, 2);
}

#[test]
fn the_form_name_must_be_a_plain_name() {
    let e = parse_form("Standard Form", "x.yaml", FORM).unwrap_err();
    assert_eq!(e.line, 0);
    assert!(e.reason.contains("Standard Form"), "{e}");
    assert!(parse_form("night-shift_2", "x.yaml", FORM).is_ok());
}

#[test]
fn hostile_files_are_refused_not_expanded() {
    // 300 sections each replaying a list of 200 criteria: 60,000 items from a 10 KiB file.
    let replay = format!(
        "title: t\nsections:\n  - &s {{id: s, title: S, criteria: &c [{}]}}\n{}",
        vec!["{id: a, text: A, weight: 1}"; 200].join(", "),
        "  - {id: t, title: T, criteria: *c}\n".repeat(300)
    );
    assert!(refused(&replay).reason.contains("too complex"));
    assert!(refused(&"[".repeat(100)).reason.contains("nested"));
    // An alias error reads as the plain error, without the alias's position.
    let alias = format!("title: &t x\nsections: [{}]\n", ["*t"; 3].join(", "));
    let e = refused(&alias);
    assert_eq!((e.line, e.reason.as_str()), (2, "expected a map"));
    let big = format!("{FORM}# {}\n", "x".repeat(crate::MAX_FILE_BYTES));
    assert!(refused(&big).reason.contains("larger"));
}

/// A fresh folder under the system's temporary folder, removed when dropped.
pub(crate) struct TempDir(std::path::PathBuf);

impl std::ops::Deref for TempDir {
    type Target = std::path::Path;
    fn deref(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub(crate) fn temp_dir(name: &str) -> TempDir {
    let dir = std::env::temp_dir().join(format!("hotline-qa-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    TempDir(dir)
}

#[test]
fn a_folder_loads_every_yaml_file_by_name() {
    let dir = temp_dir("folder");
    std::fs::write(dir.join("b.yaml"), FORM).unwrap();
    std::fs::write(dir.join("a.yaml"), edit("Test form", "Another")).unwrap();
    std::fs::write(dir.join("README.md"), "not a form").unwrap();
    std::fs::write(dir.join("old.yml"), "not: read").unwrap();
    std::fs::create_dir(dir.join("sub.yaml")).unwrap();
    std::fs::create_dir(dir.join("drafts")).unwrap();
    std::fs::write(dir.join("drafts/c.yaml"), "broken: [").unwrap();
    let forms = load_forms(&dir).unwrap();
    assert_eq!(forms.len(), 2);
    assert!(!forms.is_empty());
    let ids: Vec<&str> = forms.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(ids, ["a", "b"]);
    assert_eq!(forms.get("a").unwrap().title, "Another");
    assert!(forms.get("c").is_none());
}

#[test]
fn a_bad_file_refuses_the_folder_naming_the_file() {
    let dir = temp_dir("bad");
    std::fs::write(dir.join("a.yaml"), FORM).unwrap();
    std::fs::write(dir.join("b.yaml"), edit("scale: 4", "scale: 11")).unwrap();
    std::fs::write(dir.join("c.yaml"), [0xff, 0xfe]).unwrap();
    let errors = load_forms(&dir).unwrap_err();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors[0].file.ends_with("b.yaml"));
    assert_eq!(errors[0].line, 20);
    assert!(errors[1].file.ends_with("c.yaml"));
    assert!(errors[1].reason.contains("UTF-8"), "{}", errors[1]);
}

#[test]
fn a_missing_folder_is_an_error_naming_it_and_an_empty_one_is_no_forms() {
    let dir = temp_dir("empty");
    assert!(load_forms(&dir).unwrap().is_empty());
    let missing = dir.join("nowhere");
    let errors = load_forms(&missing).unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].file, missing.display().to_string());
    assert!(
        errors[0].to_string().contains("does not exist"),
        "{}",
        errors[0]
    );
}
