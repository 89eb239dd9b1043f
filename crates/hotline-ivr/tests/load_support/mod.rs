//! Helpers for the loader tests: load in-memory files with a fake prompt index, and look
//! for one exact `file:line:column: message` among the errors.
#![allow(dead_code)]

use hotline_ivr::load::{load_files, LoadErrors, PromptIndex};
use hotline_ivr::FlowSet;
use std::path::PathBuf;

/// Every prompt exists except those whose name starts with `missing` (and `zh_only` exists
/// only in Mandarin).
pub fn prompts(language: &str, name: &str) -> bool {
    !name.starts_with("missing") && (name != "zh_only" || language == "zh")
}

pub fn files(list: &[(&str, &str)]) -> Vec<(PathBuf, String)> {
    list.iter()
        .map(|(p, t)| (PathBuf::from(p), t.to_string()))
        .collect()
}

pub fn load(list: &[(&str, &str)]) -> Result<FlowSet, LoadErrors> {
    load_files(&files(list), None, &prompts)
}

pub fn load_cal(list: &[(&str, &str)], calendars: &str) -> Result<FlowSet, LoadErrors> {
    load_files(
        &files(list),
        Some((PathBuf::from("calendars.yaml"), calendars.to_string())),
        &prompts,
    )
}

pub fn load_with(list: &[(&str, &str)], index: &dyn PromptIndex) -> Result<FlowSet, LoadErrors> {
    load_files(&files(list), None, index)
}

/// The error lines of a load that must fail.
pub fn error_lines(result: Result<FlowSet, LoadErrors>) -> Vec<String> {
    match result {
        Ok(_) => panic!("the flows loaded, but an error was expected"),
        Err(e) => e.to_string().lines().map(str::to_owned).collect(),
    }
}

/// Asserts that one of the errors is exactly `expected`.
#[track_caller]
pub fn assert_error(result: Result<FlowSet, LoadErrors>, expected: &str) {
    let lines = error_lines(result);
    assert!(
        lines.iter().any(|l| l == expected),
        "expected the error\n  {expected}\namong\n  {}",
        lines.join("\n  ")
    );
}

/// A one-flow file `main.yaml` with these nodes (indented by 2, under `nodes:`), languages
/// zh and en, starting at `start`.
pub fn main_with(nodes: &str) -> String {
    format!("flow: main\nlanguages: [zh, en]\nstart: start\nnodes:\n{nodes}")
}

/// A good main flow: every node type, a call of `bills`, a schedule on `office`.
pub const MAIN: &str = r##"# yaml-language-server: $schema=./schema.json
flow: main
description: 主菜单 / main menu
languages: [zh, en]
start: hours
nodes:
  hours:
    schedule: { calendar: office, open: who, closed: closed_msg }
  closed_msg:
    hangup: { prompts: [office_closed, common/beep] }
  who:
    lookup:
      what: customer_by_caller
      into: customer
      next: greet
      not_found: ask_account
      error: sorry
  ask_account:
    collect:
      prompts: [enter_account]
      into: account
      min: 6
      max: 10
      pattern: "[0-9]{6,10}"
      first_timeout: 10s
      inter_timeout: 3000ms
      retries: 3
      confirm: { prompts: [you_entered], as: digits }
      next: by_account
      fallback: agent
  by_account:
    lookup: { what: customer_by_account, account: account, into: customer, next: greet, not_found: ask_account, error: sorry }
  greet:
    set:
      vars:
        is_key: customer.tier == "key_account"
        tries: 0
      next: route
  route:
    branch:
      cases:
        - when: is_key
          goto: key_agent
      otherwise: menu
  menu:
    menu:
      prompts: [main_menu]
      keys: { "1": bills, "2": english, "3": notices, "0": agent, "#": bye }
      timeout: 5s
      fallback: agent
  english:
    language: { set: en, next: menu }
  bills:
    call: { flow: bills, next: report }
  notices:
    lookup: { what: notices, district: customer.district, kind: outage, into: notices, next: tell_notices, error: sorry }
  tell_notices:
    play:
      prompts:
        - { each: notices.items, as: notice, play: [{ say: notice.starts, as: date }] }
      barge_in: false
      served: true
      next: menu
  report:
    ticket:
      kind: fault
      summary: "来电 {caller}"
      customer: customer.account
      into: ticket
      next: menu
      error: sorry
      served: true
  key_agent:
    transfer: { queue: key_accounts, skills: { billing: 3 }, priority: 80, reason: key account, preferred_agent: customer.manager }
  agent:
    transfer: { queue: general }
  sorry:
    hangup: { prompts: [system_busy] }
  bye:
    hangup: {}
"##;

pub const BILLS: &str = r#"# yaml-language-server: $schema=./schema.json
flow: bills
description: 账单查询 / bills of the last 12 months
languages: [zh, en]
start: find
nodes:
  find:
    lookup:
      what: bills
      account: customer.account
      into: bills
      next: tell
      error: sorry
  tell:
    play:
      prompts:
        - bill_for
        - each: bills.items
          as: bill
          limit: 3
          play: [{ say: bill.period, as: month }, amount_due, { say: bill.amount, as: money }]
      next: done
  done:
    return: {}
  sorry:
    hangup: { prompts: [system_busy] }
"#;

pub const CALENDARS: &str = r#"calendars:
  office:
    utc_offset: "+08:00"
    hours: { mon: "08:30-17:30", tue: "08:30-17:30", wed: "08:30-17:30", thu: "08:30-17:30", fri: "08:30-17:30", sat: "09:00-12:00" }
    holidays: ["2026-10-01", "2026-10-02", "2026-10-03"]
"#;
