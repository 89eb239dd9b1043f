//! Queue configuration as the engine's TOML holds it (`[[acd.queues]]` tables): every field but
//! `name` is optional and has a documented default; unknown fields are refused.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ids::Tier;

/// One queue. See the crate documentation for a TOML example.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct QueueConfig {
    /// Unique name; calls name their queue, agents list the queues they serve.
    pub name: String,
    /// Required skills with their minimum level (0–10; 0 means "not required").
    #[serde(default)]
    pub skills: BTreeMap<String, u8>,
    /// Service-level target, e.g. 80 % answered within 20 s (default).
    #[serde(default)]
    pub service_level: ServiceLevel,
    /// Wrap-up after each call, seconds (default 30; 0 = ready at once).
    #[serde(default = "default_wrap_up")]
    pub wrap_up_secs: u32,
    /// How long an offered agent's phone rings before the offer times out (default 20).
    #[serde(default = "default_ring")]
    pub ring_secs: u32,
    /// Longest wait on the line in this queue; absent = no limit.
    #[serde(default)]
    pub max_wait_secs: Option<u32>,
    /// What happens at max wait: `ticket` (default), `callback`, `hangup`, `queue:<name>` or
    /// `number:<digits>` (handed to an outside number through the outbound route).
    #[serde(default)]
    pub max_wait_exit: Exit,
    /// Interval of position / expected-wait announcements, seconds (default 30; 0 = never).
    #[serde(default = "default_announce")]
    pub announce_secs: u32,
    /// How an arriving call picks among ready agents.
    #[serde(default)]
    pub strategy: Strategy,
    /// Priority points added for key accounts (default 20).
    #[serde(default = "default_boost")]
    pub key_account_boost: u8,
    /// Priority points gained per minute waited (default 1), so nobody starves.
    #[serde(default = "default_ageing")]
    pub ageing_per_min: u32,
    /// An abandon after less than this many seconds is "short" (default 5).
    #[serde(default = "default_short_abandon")]
    pub short_abandon_secs: u32,
    /// Expected handle (talk) time until the queue has measured its own, seconds (default 180).
    #[serde(default = "default_handle")]
    pub default_handle_secs: u32,
    /// Callbacks that keep the caller's place.
    #[serde(default)]
    pub callback: CallbackConfig,
    /// Routing steps over the wait (bullseye rings); empty = the base skills all along.
    #[serde(default)]
    pub steps: Vec<RouteStep>,
    /// Skill-level relaxation over the wait.
    #[serde(default)]
    pub relax: Vec<Relax>,
    /// The calendar (a name from the flows' `calendars.yaml`) outside whose hours the queue is
    /// closed; absent: always open (the emergency queues: leaks, burst mains, gas). The call
    /// core checks it when a flow transfers a caller here; the router does not read it.
    #[serde(default)]
    pub calendar: Option<String>,
    /// Where a caller sent here while the queue is closed goes: `ticket` (default; a ticket to
    /// call back, the caller hears its number; `callback` means the same here), `hangup` (the
    /// opening hours, then goodbye), `queue:<name>` (an on-call duty desk; its own calendar
    /// applies in turn) or `number:<digits>` (an emergency crew's number, through the outbound
    /// route; not reached: a ticket).
    #[serde(default)]
    pub after_hours: Exit,
    /// Recordings of this queue's calls are deleted this many days after the call ended,
    /// unless the call is on legal hold (the engine's purge job; the router does not read
    /// it). 0 (default) = kept.
    #[serde(default)]
    pub recording_retention_days: u32,
}

impl QueueConfig {
    /// A queue with every optional field at its default.
    pub fn new(name: impl Into<String>) -> Self {
        QueueConfig {
            name: name.into(),
            skills: BTreeMap::new(),
            service_level: ServiceLevel::default(),
            wrap_up_secs: default_wrap_up(),
            ring_secs: default_ring(),
            max_wait_secs: None,
            max_wait_exit: Exit::default(),
            announce_secs: default_announce(),
            strategy: Strategy::default(),
            key_account_boost: default_boost(),
            ageing_per_min: default_ageing(),
            short_abandon_secs: default_short_abandon(),
            default_handle_secs: default_handle(),
            callback: CallbackConfig::default(),
            steps: Vec::new(),
            relax: Vec::new(),
            calendar: None,
            after_hours: Exit::default(),
            recording_retention_days: 0,
        }
    }
}

impl Default for QueueConfig {
    fn default() -> Self {
        QueueConfig::new("")
    }
}

fn default_wrap_up() -> u32 {
    30
}
fn default_ring() -> u32 {
    20
}
fn default_announce() -> u32 {
    30
}
fn default_boost() -> u8 {
    20
}
fn default_ageing() -> u32 {
    1
}
fn default_short_abandon() -> u32 {
    5
}
fn default_handle() -> u32 {
    180
}

/// Service-level target: `percent` of calls answered within `within_secs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceLevel {
    pub percent: u8,
    pub within_secs: u32,
}

impl Default for ServiceLevel {
    fn default() -> Self {
        ServiceLevel {
            percent: 80,
            within_secs: 20,
        }
    }
}

/// Callback behaviour of a queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct CallbackConfig {
    /// Dial attempts before giving up (default 3).
    pub attempts: u32,
    /// Delay before the next attempt after the customer was not reached, seconds (default 300).
    pub retry_secs: u32,
    /// Time the shell gets, after the agent's ring time, to report the customer leg
    /// (`CallbackResult`) before the router times the offer out (default 60).
    pub dial_secs: u32,
}

impl Default for CallbackConfig {
    fn default() -> Self {
        CallbackConfig {
            attempts: 3,
            retry_secs: 300,
            dial_secs: 60,
        }
    }
}

/// How an arriving call picks among the ready agents that qualify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// The agent ready the longest.
    #[default]
    LongestIdle,
    /// The highest sum of the required skills' levels; ties go to the longest idle.
    MostSkilled,
    /// The agent offered a call of this queue least recently.
    RoundRobin,
}

/// A routing step: from `after_secs` of waiting in the queue (until the next step) the call
/// needs an agent matching this step.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RouteStep {
    pub after_secs: u32,
    /// Only the call's preferred agent (its account manager); skipped for calls without one.
    /// Base skills and language are not checked in such a step, only this step's `skills`.
    #[serde(default)]
    pub preferred_only: bool,
    /// Extra required skills for this step (added to the base skills, the higher level wins).
    #[serde(default)]
    pub skills: BTreeMap<String, u8>,
    /// The step applies only to calls of this tier; absent = every call.
    #[serde(default)]
    pub tier: Option<Tier>,
}

/// Skill relaxation: from `after_secs` every required level is lowered by `by` (not
/// cumulative with earlier entries; a required skill never drops below level 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Relax {
    pub after_secs: u32,
    pub by: u8,
}

/// Where a call goes when it reaches the queue's max wait (or its queue is removed).
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(try_from = "String", into = "String")]
pub enum Exit {
    /// A voicemail-style ticket (the shell records and files it).
    #[default]
    Ticket,
    /// The shell offers a callback (the call leaves the router).
    Callback,
    /// Moved to that queue, keeping its enqueue time (priority, ageing and reported wait).
    Queue(String),
    /// The shell plays a goodbye and hangs up.
    Hangup,
    /// The shell hands the caller to this outside number through the outbound route (an
    /// emergency crew, a duty officer's mobile); not reached: a ticket, as for `Ticket`.
    Number(String),
}

impl TryFrom<String> for Exit {
    type Error = String;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        match s.as_str() {
            "ticket" => Ok(Exit::Ticket),
            "callback" => Ok(Exit::Callback),
            "hangup" => Ok(Exit::Hangup),
            other => {
                if let Some(number) = other.strip_prefix("number:") {
                    let digits = number.strip_prefix('+').unwrap_or(number);
                    return if (3..=20).contains(&digits.len())
                        && digits.chars().all(|c| c.is_ascii_digit())
                    {
                        Ok(Exit::Number(number.to_string()))
                    } else {
                        Err(format!(
                            "exit `{other}`: a number is 3 to 20 digits, optionally after a +"
                        ))
                    };
                }
                match other.strip_prefix("queue:") {
                    Some(name) if !name.trim().is_empty() => {
                        Ok(Exit::Queue(name.trim().to_string()))
                    }
                    _ => Err(format!(
                        "unknown exit `{other}` (expected ticket, callback, hangup, queue:<name> or number:<digits>)"
                    )),
                }
            }
        }
    }
}

impl fmt::Display for Exit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Exit::Ticket => f.write_str("ticket"),
            Exit::Callback => f.write_str("callback"),
            Exit::Queue(q) => write!(f, "queue:{q}"),
            Exit::Hangup => f.write_str("hangup"),
            Exit::Number(n) => write!(f, "number:{n}"),
        }
    }
}

impl From<Exit> for String {
    fn from(e: Exit) -> String {
        e.to_string()
    }
}
