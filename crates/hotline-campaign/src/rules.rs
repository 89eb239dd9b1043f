//! The rules that keep a campaign lawful and polite, besides the window: how often and how
//! soon a target is tried again after each result, the do-not-call set (checked at dial
//! time), and the per-customer limit across campaigns (at most N calls a local day; the
//! counts of calls placed today are given to the core, never read from a database).

use std::collections::{BTreeMap, BTreeSet};

use hotline_time::{CivilDate, Millis};

use crate::model::CallResult;

const MINUTE: Millis = 60_000;

/// Attempts allowed and the wait before the next one, for one result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    /// The most attempts a target may have when its last attempt ended with this result
    /// (counting all its attempts, whatever their results). 1 = no retry.
    pub attempts: u32,
    /// The wait from the end of the attempt to the next one.
    pub interval: Millis,
}

/// What follows an attempt's end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryOutcome {
    /// The result is final (answered, rejected, opted out).
    Final,
    /// Try again at or after this time (the window may postpone it further).
    RetryAt(Millis),
    /// The attempts the rules allow for this result are used up.
    GiveUp,
}

/// Retries per result. Answered, rejected and opted out are always final.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryRules {
    pub busy: Retry,
    pub no_answer: Retry,
    pub failed: Retry,
    /// Progressive: answered with no agent free; the customer heard a short message and is
    /// called back.
    pub abandoned: Retry,
}

impl Default for RetryRules {
    /// Busy: 3 attempts 10 min apart; no answer: 3 attempts 60 min apart; failed: 2 attempts
    /// 5 min apart; abandoned: 2 attempts 15 min apart.
    fn default() -> RetryRules {
        RetryRules {
            busy: Retry {
                attempts: 3,
                interval: 10 * MINUTE,
            },
            no_answer: Retry {
                attempts: 3,
                interval: 60 * MINUTE,
            },
            failed: Retry {
                attempts: 2,
                interval: 5 * MINUTE,
            },
            abandoned: Retry {
                attempts: 2,
                interval: 15 * MINUTE,
            },
        }
    }
}

impl RetryRules {
    /// The rule for a result that may be retried; `None` for final results.
    pub fn rule(&self, result: CallResult) -> Option<Retry> {
        match result {
            CallResult::Busy => Some(self.busy),
            CallResult::NoAnswer => Some(self.no_answer),
            CallResult::Failed => Some(self.failed),
            CallResult::Abandoned => Some(self.abandoned),
            CallResult::Answered | CallResult::Rejected | CallResult::OptedOut => None,
        }
    }

    /// What follows attempt number `attempt` (1-based) ending with `result` at `ended`.
    pub fn after(&self, result: CallResult, attempt: u32, ended: Millis) -> RetryOutcome {
        match self.rule(result) {
            None => RetryOutcome::Final,
            Some(r) if attempt < r.attempts => {
                RetryOutcome::RetryAt(ended.saturating_add(r.interval.max(0)))
            }
            Some(_) => RetryOutcome::GiveUp,
        }
    }
}

/// The do-not-call list: numbers (normalised) and customers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DoNotCall {
    numbers: BTreeSet<String>,
    customers: BTreeSet<String>,
}

impl DoNotCall {
    /// An empty list.
    pub fn new() -> DoNotCall {
        DoNotCall::default()
    }

    /// Adds a number (compared as given; pass it normalised).
    pub fn add_number(&mut self, number: &str) {
        self.numbers.insert(number.to_owned());
    }

    /// Adds a customer: none of the customer's numbers are called.
    pub fn add_customer(&mut self, customer: &str) {
        self.customers.insert(customer.to_owned());
    }

    /// Takes a number off the list.
    pub fn remove_number(&mut self, number: &str) {
        self.numbers.remove(number);
    }

    /// Takes a customer off the list.
    pub fn remove_customer(&mut self, customer: &str) {
        self.customers.remove(customer);
    }

    /// Whether calling `number` of `customer` is forbidden.
    pub fn forbids(&self, customer: &str, number: &str) -> bool {
        self.numbers.contains(number) || self.customers.contains(customer)
    }

    /// Entries on the list (numbers + customers).
    pub fn len(&self) -> usize {
        self.numbers.len() + self.customers.len()
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The per-customer limit across campaigns: at most `max_per_day` calls placed to one
/// customer in one local day. `None` = no limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DailyLimit {
    pub max_per_day: Option<u32>,
}

/// Calls placed on one local date per customer (across campaigns): the shell loads it from
/// the store; the dialler adds its own dials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallsToday {
    pub date: CivilDate,
    pub counts: BTreeMap<String, u32>,
}

impl CallsToday {
    /// No calls yet on `date`.
    pub fn empty(date: CivilDate) -> CallsToday {
        CallsToday {
            date,
            counts: BTreeMap::new(),
        }
    }

    /// Calls placed to `customer` on the date.
    pub fn count(&self, customer: &str) -> u32 {
        self.counts.get(customer).copied().unwrap_or(0)
    }

    /// Records one more call to `customer`.
    pub fn add(&mut self, customer: &str) {
        let n = self.counts.entry(customer.to_owned()).or_insert(0);
        *n = n.saturating_add(1);
    }

    /// Takes back one call to `customer` (one counted that was never placed).
    pub fn remove_one(&mut self, customer: &str) {
        if let Some(n) = self.counts.get_mut(customer) {
            *n = n.saturating_sub(1);
        }
    }

    /// Whether `limit` allows another call to `customer` today.
    pub fn allows(&self, limit: DailyLimit, customer: &str) -> bool {
        match limit.max_per_day {
            None => true,
            Some(max) => self.count(customer) < max,
        }
    }
}
