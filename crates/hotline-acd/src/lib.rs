//! The ACD router: which call goes to which agent, now.
//!
//! A pure state machine in the sans-IO style: no tokio, no sockets, no clock, no database.
//! The shell (one router task fed by an event channel) calls [`Router::handle`] with each
//! [`Input`] and the current time in [`Millis`], carries out the returned [`Output`]s (ring a
//! phone, play an announcement, dial a callback), and calls `handle(Input::Tick, now)` at
//! [`Router::next_deadline`]. Only `Tick` runs timers. Nothing panics on any input sequence;
//! an input that is not legal now is answered with [`Output::Refused`] and changes nothing.
//!
//! # Routing
//! * A call arriving goes to the best ready, registered agent that serves its queue and
//!   qualifies (every required skill at or above its level, the call's language), by the
//!   queue's strategy: `longest_idle` (default), `most_skilled` (highest sum of the required
//!   skills' levels, ties to the longest idle) or `round_robin` (the agent offered a call of
//!   this queue least recently).
//! * An agent becoming ready takes the best waiting call it qualifies for across its queues:
//!   highest effective priority, then the longest wait. Effective priority is the base
//!   (0–100) plus `key_account_boost` for key accounts plus `ageing_per_min` × minutes
//!   waited, so a long wait is never starved by a stream of higher-priority calls.
//! * Offers: `Offer` reserves the agent. `Answered` connects (`Connected` with the wait).
//!   `NoAnswer`, or the router's own timeout after `ring_secs` (`RingTimeout`), makes the
//!   agent not ready (reason `missed`) and puts the call back in its place (its enqueue time
//!   and priority are kept, so it is first again among its equals) to be offered to the next
//!   agent. `Busy`/`Failed` skip that agent for the call for one ring time (the agent stays
//!   ready for other calls; after that it may be offered this call again).
//! * `CallEnded` puts the agent in wrap-up for `wrap_up_secs`, then ready on a tick (or
//!   earlier with `EndWrapUp` / `AgentReady`).
//! * Callbacks: `CallbackRequested` turns a waiting call into a callback entry with the same
//!   place; at its turn the agent is reserved and `DialCallback` asks the shell to connect the
//!   agent, then dial the customer. `CallbackResult { reached: false }` retries after
//!   `callback.retry_secs`, up to `callback.attempts`, then `CallbackGaveUp`. A callback offer
//!   not reported within ring time + `callback.dial_secs` times out like an unanswered ring.
//!   Callback entries get no announcements and no max wait.
//! * Max wait (on the line, counted from entry into the current queue): `MaxWait { exit }`
//!   and the call leaves, or with `queue:<name>` moves there keeping its enqueue time. With
//!   `callback` a call that has a `callback_number` becomes a callback entry keeping its place
//!   (`CallbackQueued`, counted as a callback request); without one the exit is `ticket`. A
//!   call being rung at that moment leaves only if that offer fails.
//! * `CallAbandoned` and `CallEnded` both mean the caller's leg is gone: for a connected call
//!   it is the end of the call (wrap-up), otherwise an abandon (`Abandoned`, short if under
//!   `short_abandon_secs`; for a callback entry a cancellation).
//! * Reconfigure: see [`Router::reconfigure`] (a removed queue's waiting calls leave by its
//!   exit, `QueueRemoved`).
//!
//! # Indexes (why a decision does not scan)
//! The priority key of a call is `(base + boost) × 60000 − ageing × enqueue_ms`; its
//! effective priority × 60000 at time `t` is `key + ageing × t`, so within a queue the order
//! never changes with time and needs no re-sorting. Each queue keeps its waiting calls in
//! buckets, one per distinct requirement (skills after step and relaxation, language,
//! preferred agent), each a B-tree ordered by that key: an agent becoming ready looks only at
//! the head of each bucket of its queues that it qualifies for (preferred-agent buckets only
//! for that agent). Ready agents are kept per queue in the strategy's order (ready time, or
//! last-offer sequence for round robin), so a call arriving stops at the first one that
//! qualifies. A per-queue rank index (a deque in the same order) gives positions by binary
//! search. Timers are one ordered set, so `next_deadline` is its first entry.
//!
//! # Configuration
//! [`QueueConfig`] is read from the engine's TOML (`[[acd.queues]]`); all but `name` is
//! optional. Check it with [`validate`] and [`validate_skills`].
//!
//! ```toml
//! [[acd.queues]]
//! name = "key_accounts"
//! skills = { billing = 2 }             # required skills, minimum levels 0–10
//! service_level = { percent = 80, within_secs = 20 }
//! wrap_up_secs = 30
//! ring_secs = 15
//! max_wait_secs = 600                  # leave out for no limit
//! max_wait_exit = "queue:billing"      # ticket | callback | hangup | queue:<name> | number:<digits>
//! announce_secs = 30                   # 0 = no announcements
//! strategy = "longest_idle"            # | most_skilled | round_robin
//! key_account_boost = 30               # priority points for Tier::KeyAccount
//! ageing_per_min = 2                   # priority points per minute waited
//! short_abandon_secs = 5
//! default_handle_secs = 240            # expected talk time before any is measured
//! callback = { attempts = 3, retry_secs = 300, dial_secs = 60 }
//! calendar = "office"                 # closed outside these hours (leave out: always open)
//! after_hours = "queue:duty"          # ticket | hangup | queue:<name> | number:<digits>
//! # Routing steps (bullseye rings): from `after_secs` of waiting until the next step.
//! steps = [
//!   { after_secs = 0, preferred_only = true, tier = "key_account" },  # the account manager
//!   { after_secs = 20, skills = { key_account = 1 }, tier = "key_account" },
//!   { after_secs = 60 },                                              # anyone with the base skills
//! ]
//! # Relaxation: from 30 s every required level is 1 lower, from 60 s 2 lower (never below 1).
//! relax = [{ after_secs = 30, by = 1 }, { after_secs = 60, by = 2 }]
//! ```
//!
//! Steps: the steps that apply to a call are those without `tier` or with its tier, minus
//! `preferred_only` steps when the call has no preferred agent. At a given wait the last
//! applicable step with `after_secs` ≤ wait is in force; before the first (or with none) the
//! call needs the queue's base skills plus its own. A `preferred_only` step needs exactly the
//! call's preferred agent (who must serve the queue), checking only the step's own `skills`;
//! any other step needs base skills + the call's skills + the step's `skills` (highest level
//! of each) and the call's language. Relaxation applies to all of them. Steps and relaxation
//! count from entry into the current queue; changes take effect on the `Tick` at that time.
//!
//! # Expected wait
//! Computed per call, from the current queues and agents (see `README.md` for a worked case):
//! * agents: the logged-in agents of the call's queue that qualify for its current
//!   requirement and are registered and ready, reserved, on a call or in wrap-up (`k` of
//!   them; none → `None`). Each has a time to free `f`, capped to one cycle `T` = average
//!   talk time of the queue (rolling mean of its last 32 talk times, `default_handle_secs`
//!   before data) + its wrap-up: ready 0, on a call `max(0, talk − talked so far) + wrap-up`,
//!   in wrap-up its remaining wrap-up, reserved `T`.
//! * calls ahead `n`: the waiting calls of the same queue ahead of it (higher effective
//!   priority, or equal and older), plus for every other queue served by some of these
//!   agents, its waiting calls with a higher effective priority now (or equal and older)
//!   times the share of that queue's available agents that are among ours (rounded down).
//! * agents free in order, each taking one call per cycle `T`: the call is taken at the
//!   `(n+1)`-th free, which (all `f` within one cycle) is
//!   `wait = f_sorted[n mod k] + (n div k) × T`.
//!
//! Position (1 = next) is the rank among the waiting calls of its own queue.

#![warn(unreachable_pub)]

mod agent;
mod call;
mod config;
mod consult;
mod hot;
mod ids;
mod model;
mod queue;
mod router;
mod rules;
mod timers;
mod validate;

pub use config::{CallbackConfig, Exit, QueueConfig, Relax, RouteStep, ServiceLevel, Strategy};
pub use consult::free_agent_for;
pub use ids::{AgentId, CallId, Millis, Tier};
pub use model::{AgentProfile, AgentState, CallRequest, Input, NotReadyReason, Output, Refusal};
pub use queue::QueueCounters;
pub use router::{AgentSnapshot, QueueSnapshot, Router, Snapshot};
pub use validate::{validate, validate_skills, MAX_AGEING, MAX_LEVEL};
