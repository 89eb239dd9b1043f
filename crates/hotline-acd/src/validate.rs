//! Checks of a queue configuration before it is used: `validate` for the queues on their own,
//! `validate_skills` against the skills the deployment knows. Both report every problem found.

use std::collections::{BTreeMap, BTreeSet};

use crate::config::{Exit, QueueConfig};

/// The highest skill level.
pub const MAX_LEVEL: u8 = 10;

/// The highest accepted `ageing_per_min` (higher values make the priority meaningless).
pub const MAX_AGEING: u32 = 6000;

/// Checks queues on their own: names, levels, times, exits (targets exist, no exit cycles),
/// steps and relaxation in increasing order.
pub fn validate(queues: &[QueueConfig]) -> Result<(), Vec<String>> {
    let mut errors = Vec::new();
    let mut names = BTreeSet::new();
    for q in queues {
        let name = q.name.trim();
        if name.is_empty() {
            errors.push("a queue has an empty name".to_string());
        } else if name != q.name {
            errors.push(format!("queue `{}`: name has surrounding spaces", q.name));
        }
        if !names.insert(q.name.as_str()) {
            errors.push(format!("queue `{}` is defined twice", q.name));
        }
    }
    for q in queues {
        check_queue(q, &names, &mut errors);
    }
    check_exit_cycles(queues, &mut errors);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

fn check_queue(q: &QueueConfig, names: &BTreeSet<&str>, errors: &mut Vec<String>) {
    let n = &q.name;
    check_levels(n, "skills", &q.skills, errors);
    if q.ring_secs == 0 {
        errors.push(format!("queue `{n}`: ring_secs must be at least 1"));
    }
    if q.max_wait_secs == Some(0) {
        errors.push(format!(
            "queue `{n}`: max_wait_secs = 0 (leave it out for no limit)"
        ));
    }
    if !(1..=100).contains(&q.service_level.percent) {
        errors.push(format!("queue `{n}`: service_level.percent must be 1–100"));
    }
    if q.service_level.within_secs == 0 {
        errors.push(format!(
            "queue `{n}`: service_level.within_secs must be at least 1"
        ));
    }
    if q.key_account_boost > 100 {
        errors.push(format!("queue `{n}`: key_account_boost must be 0–100"));
    }
    if q.ageing_per_min > MAX_AGEING {
        errors.push(format!(
            "queue `{n}`: ageing_per_min must be at most {MAX_AGEING}"
        ));
    }
    if q.default_handle_secs == 0 {
        errors.push(format!(
            "queue `{n}`: default_handle_secs must be at least 1"
        ));
    }
    if q.callback.attempts == 0 {
        errors.push(format!("queue `{n}`: callback.attempts must be at least 1"));
    }
    if let Exit::Queue(target) = &q.max_wait_exit {
        if target == n {
            errors.push(format!("queue `{n}`: max_wait_exit points to itself"));
        } else if !names.contains(target.as_str()) {
            errors.push(format!(
                "queue `{n}`: max_wait_exit names unknown queue `{target}`"
            ));
        }
    }
    if let Exit::Queue(target) = &q.after_hours {
        if target == n {
            errors.push(format!("queue `{n}`: after_hours points to itself"));
        } else if !names.contains(target.as_str()) {
            errors.push(format!(
                "queue `{n}`: after_hours names unknown queue `{target}`"
            ));
        }
    }
    if q.calendar.as_deref().is_some_and(|c| c.trim().is_empty()) {
        errors.push(format!(
            "queue `{n}`: calendar is empty (leave it out: always open)"
        ));
    }
    let mut last = None;
    for (i, s) in q.steps.iter().enumerate() {
        check_levels(n, &format!("steps[{i}].skills"), &s.skills, errors);
        if last.is_some_and(|l| s.after_secs <= l) {
            errors.push(format!(
                "queue `{n}`: steps[{i}].after_secs must be greater than the step before"
            ));
        }
        last = Some(s.after_secs);
    }
    let mut last: Option<(u32, u8)> = None;
    for (i, r) in q.relax.iter().enumerate() {
        if r.by == 0 || r.by > MAX_LEVEL {
            errors.push(format!("queue `{n}`: relax[{i}].by must be 1–{MAX_LEVEL}"));
        }
        if let Some((after, by)) = last {
            if r.after_secs <= after {
                errors.push(format!(
                    "queue `{n}`: relax[{i}].after_secs must be greater than the entry before"
                ));
            }
            if r.by < by {
                errors.push(format!(
                    "queue `{n}`: relax[{i}].by must not be lower than the entry before"
                ));
            }
        }
        last = Some((r.after_secs, r.by));
    }
}

fn check_levels(queue: &str, what: &str, skills: &BTreeMap<String, u8>, errors: &mut Vec<String>) {
    for (skill, level) in skills {
        if skill.trim().is_empty() {
            errors.push(format!("queue `{queue}`: {what} has an empty skill name"));
        }
        if *level > MAX_LEVEL {
            errors.push(format!(
                "queue `{queue}`: {what}.{skill} = {level}, levels are 0–{MAX_LEVEL}"
            ));
        }
    }
}

/// `a → queue:b → queue:a` would bounce a call for ever.
fn check_exit_cycles(queues: &[QueueConfig], errors: &mut Vec<String>) {
    let next: BTreeMap<&str, &str> = queues
        .iter()
        .filter_map(|q| match &q.max_wait_exit {
            Exit::Queue(t) if *t != q.name => Some((q.name.as_str(), t.as_str())),
            _ => None,
        })
        .collect();
    for start in next.keys() {
        let mut seen = BTreeSet::new();
        let mut at = *start;
        while let Some(t) = next.get(at) {
            if !seen.insert(at) {
                break;
            }
            if t == start {
                errors.push(format!(
                    "queue `{start}`: max_wait_exit chain comes back to it"
                ));
                break;
            }
            at = t;
        }
    }
}

/// Checks that every skill a queue or a step requires is in `known` (the skills agents can
/// be given), case-insensitively.
pub fn validate_skills(queues: &[QueueConfig], known: &[String]) -> Result<(), Vec<String>> {
    let known: BTreeSet<String> = known.iter().map(|s| s.trim().to_lowercase()).collect();
    let mut errors = Vec::new();
    for q in queues {
        let steps = q.steps.iter().flat_map(|s| s.skills.keys());
        for skill in q.skills.keys().chain(steps) {
            if !known.contains(&skill.trim().to_lowercase()) {
                errors.push(format!("queue `{}`: unknown skill `{skill}`", q.name));
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}
