//! A flow as the interpreter runs it: what the loader (`load`) makes of the YAML files after
//! checking them. Node targets are indexes (every one exists), expressions are parsed and
//! type-checked, sub-flow calls point into the same `FlowSet`. Nothing here can be wrong in
//! a way the loader would have refused.

use crate::expr::{Expr, Template};
use crate::say::SayAs;
use crate::value::Date;
use hotline_time::Zone;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// A node's position in its flow's `nodes`.
pub type NodeIdx = usize;
/// A flow's position in `FlowSet::flows`.
pub type FlowIdx = usize;

/// Every flow of a folder, with the calendars they use. Immutable once loaded: a reload
/// builds a new set, and calls keep the set they started with.
#[derive(Debug, Clone, Default)]
pub struct FlowSet {
    pub flows: Vec<Flow>,
    pub calendars: BTreeMap<String, Calendar>,
    /// The centre's time zone: calendars' opening hours and holidays are read in it. The
    /// loader sets the default (`Asia/Shanghai`); the engine sets `centre.time_zone` with
    /// [`FlowSet::in_zone`].
    pub zone: Zone,
}

impl FlowSet {
    /// Every titled node's titles, by `flow/node` (as in a call's IVR path): language → text.
    pub fn titles(&self) -> BTreeMap<String, BTreeMap<String, String>> {
        self.flows
            .iter()
            .flat_map(|f| {
                f.nodes
                    .iter()
                    .filter(|n| !n.titles.is_empty())
                    .map(move |n| {
                        (
                            format!("{}/{}", f.name, n.id),
                            n.titles.iter().cloned().collect(),
                        )
                    })
            })
            .collect()
    }

    /// The same flows, with calendars read in `zone`.
    pub fn in_zone(mut self, zone: Zone) -> FlowSet {
        self.zone = zone;
        self
    }

    pub fn find(&self, name: &str) -> Option<FlowIdx> {
        self.flows.iter().position(|f| f.name == name)
    }
}

#[derive(Debug, Clone)]
pub struct Flow {
    pub name: String,
    pub file: PathBuf,
    pub description: String,
    /// Languages the flow's prompts exist in (the first is the default).
    pub languages: Vec<String>,
    pub start: NodeIdx,
    pub nodes: Vec<Node>,
    /// An outbound flow's call data (`target:`): field → type; empty for inbound flows.
    pub target: Vec<(String, crate::outbound::FieldType)>,
}

#[derive(Debug, Clone)]
pub struct Node {
    pub id: String,
    /// Where the node starts in its file (1-based), for messages.
    pub line: u32,
    pub kind: NodeKind,
    /// `served: true` in the file (on `play`, `lookup` or `ticket`): leaving the node the
    /// normal way (the prompts played to the end or a key pressed over them, the lookup
    /// answered, the ticket opened) is a self-service action, and a call that had one is
    /// self-served however it ends unless the flow transfers it.
    pub served: bool,
    /// The node's titles for the desk (language, text), as the file gives them.
    pub titles: Vec<(String, String)>,
    /// `reason: category/reason` in the file (on `play`, `lookup` or `ticket`): the call
    /// reason of a call that reaches the node, when no agent gives one.
    pub reason: Option<String>,
}

#[derive(Debug, Clone)]
pub enum NodeKind {
    Play {
        prompts: Vec<PromptItem>,
        barge_in: bool,
        next: NodeIdx,
    },
    Menu(Menu),
    Collect(Collect),
    Lookup(Lookup),
    Set {
        vars: Vec<(String, Expr)>,
        next: NodeIdx,
    },
    Branch {
        cases: Vec<(Expr, NodeIdx)>,
        otherwise: NodeIdx,
    },
    Language {
        language: String,
        next: NodeIdx,
    },
    Call {
        flow: FlowIdx,
        next: NodeIdx,
    },
    Return,
    Ticket(TicketNode),
    Transfer(Transfer),
    Hangup {
        prompts: Vec<PromptItem>,
    },
    Schedule {
        calendar: String,
        open: NodeIdx,
        closed: NodeIdx,
    },
    /// `promise`, `opt_out` or `result`: recorded for the call's campaign.
    Outbound {
        node: crate::outbound::RecordNode,
        next: NodeIdx,
    },
}

/// One item of a prompt list.
#[derive(Debug, Clone)]
pub enum PromptItem {
    /// `sounds/<language>/<name>.wav`, or `common/<name>` for a language-independent sound.
    Prompt(String),
    /// A value read out.
    Say { value: Expr, as_: SayAs },
    /// The items once per element of a list, the element in `var`.
    Each {
        list: Expr,
        var: String,
        limit: Option<usize>,
        items: Vec<PromptItem>,
    },
    /// The items only when `cond` is true (null or an error counts as false).
    When { cond: Expr, items: Vec<PromptItem> },
    /// A calendar's opening hours read out.
    Hours { calendar: String },
}

#[derive(Debug, Clone)]
pub struct Menu {
    pub prompts: Vec<PromptItem>,
    pub keys: Vec<(char, NodeIdx)>,
    pub timeout_ms: u64,
    /// Attempts after the first.
    pub retries: u32,
    pub invalid: Vec<PromptItem>,
    pub no_input: Vec<PromptItem>,
    pub fallback: NodeIdx,
}

#[derive(Debug, Clone)]
pub struct Collect {
    pub prompts: Vec<PromptItem>,
    pub into: String,
    pub min: usize,
    pub max: usize,
    pub terminator: Option<char>,
    pub first_timeout_ms: u64,
    pub inter_timeout_ms: u64,
    /// The whole input must match (anchored by the loader).
    pub pattern: Option<Pattern>,
    pub retries: u32,
    pub invalid: Vec<PromptItem>,
    pub no_input: Vec<PromptItem>,
    pub confirm: Option<Confirm>,
    pub next: NodeIdx,
    pub fallback: NodeIdx,
}

/// A digit pattern: a small regular expression over `0-9*#`, compiled by the loader.
#[derive(Debug, Clone)]
pub struct Pattern {
    pub source: String,
    pub regex: regex::Regex,
}

impl Pattern {
    pub fn matches(&self, input: &str) -> bool {
        self.regex.is_match(input)
    }
}

#[derive(Debug, Clone)]
pub struct Confirm {
    /// Played before the value ("您输入的是").
    pub prompts: Vec<PromptItem>,
    /// How the value is read back.
    pub say_as: SayAs,
    /// Played after it ("确认请按1，重新输入请按2").
    pub ask: Vec<PromptItem>,
}

#[derive(Debug, Clone)]
pub enum LookupWhat {
    CustomerByCaller,
    CustomerByAccount {
        account: Expr,
    },
    Bills {
        account: Expr,
    },
    Arrears {
        account: Expr,
    },
    /// Of `district`; without one, the notices in force in every district.
    Notices {
        district: Option<Expr>,
        kind: Option<String>,
    },
    SubmitReading {
        account: Expr,
        value: Expr,
    },
    /// The caller's rating (1–5) of the call, for the call record.
    SubmitSurvey {
        value: Expr,
    },
}

impl LookupWhat {
    /// The name used in flow files.
    pub fn name(&self) -> &'static str {
        match self {
            LookupWhat::CustomerByCaller => "customer_by_caller",
            LookupWhat::CustomerByAccount { .. } => "customer_by_account",
            LookupWhat::Bills { .. } => "bills",
            LookupWhat::Arrears { .. } => "arrears",
            LookupWhat::Notices { .. } => "notices",
            LookupWhat::SubmitReading { .. } => "submit_reading",
            LookupWhat::SubmitSurvey { .. } => "submit_survey",
        }
    }

    /// Whether the lookup can find nothing (and so needs a `not_found` exit).
    pub fn can_miss(&self) -> bool {
        matches!(
            self,
            LookupWhat::CustomerByCaller | LookupWhat::CustomerByAccount { .. }
        )
    }
}

#[derive(Debug, Clone)]
pub struct Lookup {
    pub what: LookupWhat,
    pub into: String,
    pub timeout_ms: u64,
    pub next: NodeIdx,
    pub not_found: Option<NodeIdx>,
    pub error: NodeIdx,
}

#[derive(Debug, Clone)]
pub struct TicketNode {
    pub kind: String,
    pub summary: Template,
    /// The summary in other languages: (language, template).
    pub summaries: Vec<(String, Template)>,
    /// The customer's account number.
    pub customer: Option<Expr>,
    pub address: Option<Expr>,
    /// Defaults to the caller's number.
    pub reporter_phone: Option<Expr>,
    pub into: Option<String>,
    pub next: NodeIdx,
    pub error: NodeIdx,
}

#[derive(Debug, Clone)]
pub struct Transfer {
    pub queue: String,
    /// Skill → minimum level (1–5).
    pub skills: Vec<(String, u8)>,
    /// 0–100.
    pub priority: u8,
    pub reason: String,
    /// An agent's extension (SIP user), e.g. the key account's manager.
    pub preferred_agent: Option<Expr>,
}

/// Opening hours and holidays, in the centre's time zone (the flow set's `zone`).
#[derive(Debug, Clone, PartialEq)]
pub struct Calendar {
    /// Per weekday (0 = Monday), opening spans in minutes of the wall clock since local
    /// midnight, end exclusive.
    pub hours: [Vec<(u16, u16)>; 7],
    /// Closed days: the calendar's own and its region's public holidays.
    pub holidays: BTreeSet<Date>,
    /// Adjusted working days (调休): open with `workday_hours` whatever the weekday.
    pub workdays: BTreeSet<Date>,
    pub workday_hours: Vec<(u16, u16)>,
}
