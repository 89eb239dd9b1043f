//! The form the project ships (`qa-forms/`) loads and a perfect call scores 100.

use crate::{load_forms, score, Answer, Answers, Kind};
use std::path::Path;

#[test]
fn the_shipped_forms_load_and_a_perfect_call_scores_100() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../qa-forms");
    let forms = load_forms(&dir).unwrap_or_else(|e| {
        panic!(
            "{}",
            e.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        )
    });
    let standard = forms.get("standard").expect("qa-forms/standard.yaml");
    let sections: Vec<&str> = standard.sections.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(sections, ["opening", "handling", "courtesy", "closing"]);
    let staff = standard.criterion("staff_number").unwrap();
    assert!(staff.critical, "报工号 is critical");
    let total: u32 = standard.criteria().map(|c| c.weight).sum();
    assert_eq!(total, 100, "the weights add up to 100");
    for form in forms.iter() {
        for c in form.criteria() {
            assert!(!c.guidance.is_empty(), "{}: guidance for evaluators", c.id);
        }
        let best: Answers = form
            .criteria()
            .map(|c| {
                let a = match c.kind {
                    Kind::YesNo => Answer::Yes,
                    Kind::Scale { max } => Answer::Scale(max),
                };
                (c.id.clone(), a)
            })
            .collect();
        let s = score(form, &best).unwrap();
        assert_eq!(s.percent, 100.0, "{}", form.id);
        assert!(s.passed);
        // Without the staff number the call fails whatever else was right.
        let mut no_staff_number = best.clone();
        no_staff_number.insert("staff_number".to_owned(), Answer::No);
        if form.criterion("staff_number").is_some() {
            let s = score(form, &no_staff_number).unwrap();
            assert_eq!((s.percent, s.passed), (0.0, false));
        }
    }
}

#[test]
fn the_readme_example_is_a_valid_form() {
    let readme = include_str!("../../../../qa-forms/README.md");
    let start = readme.find("```yaml\n").unwrap() + "```yaml\n".len();
    let end = start + readme[start..].find("```").unwrap();
    let form = crate::parse_form("example", "README.md", &readme[start..end]).unwrap();
    assert_eq!(form.pass_mark, 80);
    assert_eq!(form.criteria().count(), 3);
    assert_eq!(
        form.criterion("solution").unwrap().kind,
        Kind::Scale { max: 4 }
    );
    assert!(form.criterion("ticket").unwrap().allow_na);
}
