//! Public-holiday files (`holidays/<region>-<year>.yaml`): the shipped one loads, and every
//! wrong entry is refused with its `file:line:column`: not a date, another year, listed
//! twice, a "working day" on a weekday, an unknown region named by a calendar; the opening
//! hours are read from the calendar (`{ hours: office }`), a calendar that does not exist
//! refused.

// A test crate: its helpers, like its tests, state what they expect with unwrap, expect,
// panic and indexing (clippy.toml's test allowances reach only #[test] functions).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod load_support;

use hotline_ivr::interp::is_open;
use hotline_ivr::load::{load_files_with_holidays, LoadErrors};
use hotline_ivr::FlowSet;
use load_support::*;
use std::path::PathBuf;

const CALENDARS: &str =
    "calendars:\n  office:\n    hours: { mon: \"08:30-17:30\", sat: \"09:00-12:00\" }\n    public_holidays: cn\n";

fn main_flow() -> String {
    main_with("  start:\n    hangup: { prompts: [a, { hours: office }] }\n")
}

fn with_holidays(holidays: &[(&str, &str)], calendars: &str) -> Result<FlowSet, LoadErrors> {
    load_files_with_holidays(
        &files(&[("main.yaml", &main_flow())]),
        Some((PathBuf::from("calendars.yaml"), calendars.to_string())),
        holidays
            .iter()
            .map(|(p, t)| (PathBuf::from(p), t.to_string()))
            .collect(),
        &prompts,
    )
}

#[test]
fn the_shipped_2026_file_loads_and_its_days_are_closed_or_open() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../ivr-flows/holidays/cn-2026.yaml"
    );
    let text = std::fs::read_to_string(path).expect("the shipped holiday file");
    let set = with_holidays(&[("holidays/cn-2026.yaml", &text)], CALENDARS).expect("loads");
    let office = &set.calendars["office"];
    let zone = hotline_time::Zone::default();
    let at = |m, d, hh| {
        zone.at_wall_time(
            hotline_time::CivilDate {
                year: 2026,
                month: m,
                day: d,
            },
            hh,
            0,
        )
        .expect("a time")
    };
    // 春节 Monday 2026-02-16: closed. The working Saturday 2026-02-14: open at 15:00 with
    // Monday's hours (the default). An ordinary Monday: open.
    assert!(!is_open(office, &zone, at(2, 16, 10)));
    assert!(is_open(office, &zone, at(2, 14, 15)));
    assert!(!is_open(office, &zone, at(2, 7, 15)));
    assert!(is_open(office, &zone, at(3, 2, 10)));
    assert_eq!(office.holidays.len(), 33);
    assert_eq!(office.workdays.len(), 6);
}

#[test]
fn bad_holiday_entries_are_refused_with_file_and_line() {
    let file = "region: cn\nyear: 2026\nholidays:\n  - { date: \"2026-02-30\" }\n  - { date: \"2027-01-01\" }\n  - { date: \"2026-10-01\" }\n  - { date: \"2026-10-01\" }\nworkdays:\n  - { date: \"2026-10-08\" }\n  - { date: \"2026-10-10\" }\n";
    let lines = error_lines(with_holidays(&[("holidays/cn-2026.yaml", file)], CALENDARS));
    assert_eq!(
        lines,
        [
            "holidays/cn-2026.yaml:4:13: `2026-02-30` is not a date (YYYY-MM-DD)",
            "holidays/cn-2026.yaml:5:13: `2027-01-01` is not in 2026, the file's year",
            "holidays/cn-2026.yaml:7:13: `2026-10-01` is already listed as a holiday",
            "holidays/cn-2026.yaml:9:13: `2026-10-08` is a weekday: an adjusted working day (调休) is a Saturday or Sunday",
        ]
    );
    // Not YAML of the right shape, a year out of range, the same year twice.
    assert_error(
        with_holidays(&[("holidays/cn-2026.yaml", "region: cn\nyear: 2026\ndays: []\n")], CALENDARS),
        "holidays/cn-2026.yaml:3:1: unknown field `days`, expected one of region, year, holidays, workdays",
    );
    assert_error(
        with_holidays(
            &[("holidays/cn-1900.yaml", "region: cn\nyear: 1900\n")],
            CALENDARS,
        ),
        "holidays/cn-1900.yaml:2:7: year 1900 is not in 2000..=2100",
    );
    let ok = "region: cn\nyear: 2026\n";
    assert_error(
        with_holidays(
            &[("holidays/a.yaml", ok), ("holidays/b.yaml", ok)],
            CALENDARS,
        ),
        "holidays/b.yaml:2:7: cn 2026 is already in holidays/a.yaml",
    );
    // A calendar naming a region with no file; `hours` of a calendar that does not exist.
    assert_error(
        with_holidays(&[], CALENDARS),
        "calendars.yaml:4:22: no holiday file for `cn` (holidays/cn-<year>.yaml beside the flows)",
    );
    let no_office = "calendars:\n  other:\n    hours: { mon: \"08:30-17:30\" }\n";
    assert_error(
        with_holidays(&[], no_office),
        "main.yaml:6:37: no calendar `office` in calendars.yaml",
    );
    // Bad working-day hours.
    let bad_hours = format!("{CALENDARS}    workday_hours: \"17:30-08:30\"\n");
    assert_error(
        with_holidays(&[("holidays/cn-2026.yaml", ok)], &bad_hours),
        "calendars.yaml:5:20: `17:30-08:30` ends before it starts",
    );
}

#[test]
fn a_flows_folder_without_holidays_uses_the_built_in_ones_and_its_own_file_replaces_them() {
    let dir = std::env::temp_dir().join(format!("hotline-holidays-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("main.yaml"), main_flow()).unwrap();
    std::fs::write(dir.join("calendars.yaml"), CALENDARS).unwrap();
    let set = hotline_ivr::load::load_dir(&dir, &prompts).expect("the built-in cn-2026 is used");
    assert_eq!(set.calendars["office"].workdays.len(), 6);
    // The folder's own cn-2026.yaml replaces the built-in one: here with one holiday only.
    std::fs::create_dir_all(dir.join("holidays")).unwrap();
    std::fs::write(
        dir.join("holidays/cn-2026.yaml"),
        "region: cn\nyear: 2026\nholidays:\n  - { date: \"2026-10-01\" }\n",
    )
    .unwrap();
    let set = hotline_ivr::load::load_dir(&dir, &prompts).expect("loads");
    assert_eq!(set.calendars["office"].holidays.len(), 1);
    assert!(set.calendars["office"].workdays.is_empty());
    // And a bad date in it is refused with its place.
    std::fs::write(
        dir.join("holidays/cn-2026.yaml"),
        "region: cn\nyear: 2026\nholidays:\n  - { date: \"2026-10-32\" }\n",
    )
    .unwrap();
    let lines = error_lines(hotline_ivr::load::load_dir(&dir, &prompts));
    assert!(
        lines
            .iter()
            .any(|l| l
                .ends_with("holidays/cn-2026.yaml:4:13: `2026-10-32` is not a date (YYYY-MM-DD)")),
        "{lines:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
