//! The flow files as designers write them (see `ivr-flows/README.md`): the YAML shape, read
//! with serde (unknown fields refused) and described as a JSON Schema for editors
//! (`schema_json`). Values whose errors need a position keep it (`Spanned`); everything else
//! (targets, expressions, ranges) is checked by `load`, which turns this model into `flow`.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_saphyr::{Location, Spanned};
use std::borrow::{Borrow, Cow};
use std::fmt;
use std::hash::{Hash, Hasher};

/// The most nodes a flow may have; the parser stops at the next one.
pub const MAX_NODES: usize = 2_000;

/// A mapping key (a node id, a keypad key, a variable, …) with where it is written. Keys are
/// equal and hashed by their text only, so maps of them are looked up by `&str`.
#[derive(Debug, Clone)]
pub struct Key(pub Spanned<String>);

impl Key {
    pub fn as_str(&self) -> &str {
        &self.0.value
    }
    pub fn location(&self) -> Location {
        self.0.referenced
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        self.0.value == other.0.value
    }
}
impl Eq for Key {}
impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.value.hash(state)
    }
}
impl Borrow<str> for Key {
    fn borrow(&self) -> &str {
        &self.0.value
    }
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Spanned::<String>::deserialize(d).map(Key)
    }
}

/// Text with its position (a node id, a target, an expression, a name).
pub type Text = Spanned<String>;
/// A node's titles: language code → text, in file order.
pub type Titles = Spanned<IndexMap<Key, String>>;
/// A prompt list.
pub type Prompts = Vec<Spanned<PromptItem>>;

/// An IVR flow: what a caller hears and which keys lead where. One flow per file; the file
/// `bills.yaml` holds the flow `bills`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "hotline IVR flow")]
pub struct FlowFile {
    /// The flow's name: the file's name without `.yaml`.
    #[schemars(with = "schema::Name")]
    pub flow: Text,
    /// What the flow is for (shown by the designer tools).
    #[serde(default)]
    pub description: Option<String>,
    /// The languages the flow's prompts exist in, the first the default; every prompt must
    /// exist as `sounds/<lang>/<name>.wav` for each of them.
    #[schemars(with = "Vec<schema::LanguageCode>", length(min = 1))]
    pub languages: Spanned<Vec<Text>>,
    /// The id of the first node.
    #[schemars(with = "schema::Name")]
    pub start: Text,
    /// Node id (lower_snake_case) → node, each a map with exactly one node type.
    #[serde(deserialize_with = "nodes")]
    #[schemars(with = "IndexMap<schema::Name, Node>")]
    pub nodes: IndexMap<Key, Spanned<Node>>,
    /// An outbound flow's call data: field name → `text`, `number`, `money` or `date`. A
    /// campaign's call starts with the variable `target` holding these fields.
    #[serde(default)]
    #[schemars(with = "Option<IndexMap<schema::Name, outbound::TargetType>>")]
    pub target: Option<outbound::TargetSpec>,
}

/// A node: exactly one of the node types.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Node {
    /// Plays prompts. Exit: `next`.
    Play(Play),
    /// Plays prompts and waits for one key. Exits: `keys`, `fallback`.
    Menu(Menu),
    /// Collects digits into a variable. Exits: `next`, `fallback`.
    Collect(Collect),
    /// Asks the customer data source. Exits: `next`, `not_found`, `error`.
    Lookup(Lookup),
    /// Sets variables. Exit: `next`.
    Set(SetNode),
    /// Goes to the first case whose condition is true. Exits: `goto`s, `otherwise`.
    Branch(Branch),
    /// Switches the language of the prompts. Exit: `next`.
    Language(LanguageNode),
    /// Runs another flow, then continues at `next`.
    Call(Call),
    /// Back to the calling flow (`return: {}`); ends the call in a flow that was not called.
    Return(Return),
    /// Opens a ticket. Exits: `next`, `error`.
    Ticket(Ticket),
    /// Hands the call to an agent queue; ends the flow.
    Transfer(Transfer),
    /// Plays prompts, then hangs up.
    Hangup(Hangup),
    /// Goes to `open` within a calendar's hours, to `closed` outside them.
    Schedule(Schedule),
    /// Records a promise to pay (outbound). Exits: `next`, `error`.
    Promise(outbound::PromiseNode),
    /// Records an opt-out from campaign calls (outbound). Exit: `next`.
    OptOut(outbound::OptOutNode),
    /// Sets the call's campaign result (outbound). Exit: `next`.
    Result(outbound::ResultNode),
}

impl Node {
    /// The node's titles, if the file gives them.
    pub fn title(&self) -> Option<&Titles> {
        match self {
            Node::Play(n) => n.title.as_ref(),
            Node::Menu(n) => n.title.as_ref(),
            Node::Collect(n) => n.title.as_ref(),
            Node::Lookup(n) => n.title.as_ref(),
            Node::Set(n) => n.title.as_ref(),
            Node::Branch(n) => n.title.as_ref(),
            Node::Language(n) => n.title.as_ref(),
            Node::Call(n) => n.title.as_ref(),
            Node::Return(n) => n.title.as_ref(),
            Node::Ticket(n) => n.title.as_ref(),
            Node::Transfer(n) => n.title.as_ref(),
            Node::Hangup(n) => n.title.as_ref(),
            Node::Schedule(n) => n.title.as_ref(),
            Node::Promise(n) => n.title.as_ref(),
            Node::OptOut(n) => n.title.as_ref(),
            Node::Result(n) => n.title.as_ref(),
        }
    }

    /// The node type as written in the file.
    pub fn type_name(&self) -> &'static str {
        match self {
            Node::Play(_) => "play",
            Node::Menu(_) => "menu",
            Node::Collect(_) => "collect",
            Node::Lookup(_) => "lookup",
            Node::Set(_) => "set",
            Node::Branch(_) => "branch",
            Node::Language(_) => "language",
            Node::Call(_) => "call",
            Node::Return(_) => "return",
            Node::Ticket(_) => "ticket",
            Node::Transfer(_) => "transfer",
            Node::Hangup(_) => "hangup",
            Node::Schedule(_) => "schedule",
            Node::Promise(_) => "promise",
            Node::OptOut(_) => "opt_out",
            Node::Result(_) => "result",
        }
    }
}

/// Plays prompts.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Play {
    /// What the desk shows for this node in the caller's IVR path, per language (`{ zh: 主菜单,
    /// en: Main menu }`); the node id where missing.
    #[serde(default)]
    #[schemars(with = "Option<IndexMap<schema::LanguageCode, String>>")]
    pub title: Option<Titles>,
    /// What to play.
    #[schemars(with = "Vec<PromptItem>")]
    pub prompts: Prompts,
    /// Whether a key stops the playing (the key is kept for the next menu or collect).
    /// Default `true`.
    #[serde(default)]
    pub barge_in: Option<bool>,
    /// A self-service action (e.g. the bills read out): a call that heard the prompts (to the
    /// end, or pressed a key over them) counts as self-served unless the flow transfers it
    /// later. Default `false`.
    #[serde(default)]
    pub served: Option<bool>,
    /// The call reason a call that reaches this node is given when no agent gives one: a
    /// reason code of the centre's tree (`billing/query`, `repair/leak`), `category/reason`
    /// in lowercase letters, digits and `_`.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub reason: Option<Text>,
    /// The node after.
    #[schemars(with = "schema::Name")]
    pub next: Text,
}

/// Plays prompts and waits for one key.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Menu {
    /// What the desk shows for this node in the caller's IVR path, per language (`{ zh: 主菜单,
    /// en: Main menu }`); the node id where missing.
    #[serde(default)]
    #[schemars(with = "Option<IndexMap<schema::LanguageCode, String>>")]
    pub title: Option<Titles>,
    /// What to play before waiting.
    #[schemars(with = "Vec<PromptItem>")]
    pub prompts: Prompts,
    /// Keypad key (quoted: `"1"`, `"*"`, `"#"`) → node.
    #[serde(deserialize_with = "entries")]
    #[schemars(with = "IndexMap<schema::KeypadKey, schema::Name>")]
    pub keys: Vec<(Key, Text)>,
    /// How long to wait for a key (`500ms`, `5s`, `2m` or seconds). Default `5s`.
    #[serde(default)]
    #[schemars(with = "Option<Duration>")]
    pub timeout: Option<Spanned<Duration>>,
    /// How many times the menu repeats after a wrong or missing key (0–10). Default 2.
    #[serde(default)]
    #[schemars(with = "Option<u32>", range(max = 10))]
    pub retries: Option<Spanned<i64>>,
    /// Played after a key not in `keys`. Default `[invalid_input]`.
    #[serde(default)]
    #[schemars(with = "Option<Vec<PromptItem>>")]
    pub invalid: Option<Prompts>,
    /// Played when no key comes within `timeout`. Default `[no_input]`.
    #[serde(default)]
    #[schemars(with = "Option<Vec<PromptItem>>")]
    pub no_input: Option<Prompts>,
    /// Where to go when the retries are used up.
    #[schemars(with = "schema::Name")]
    pub fallback: Text,
}

/// Collects digits into a variable (text).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Collect {
    /// What the desk shows for this node in the caller's IVR path, per language (`{ zh: 主菜单,
    /// en: Main menu }`); the node id where missing.
    #[serde(default)]
    #[schemars(with = "Option<IndexMap<schema::LanguageCode, String>>")]
    pub title: Option<Titles>,
    /// What to play before collecting.
    #[schemars(with = "Vec<PromptItem>")]
    pub prompts: Prompts,
    /// The variable that gets the digits (text).
    #[schemars(with = "schema::Name")]
    pub into: Text,
    /// Fewest digits (0–64). Default 1.
    #[serde(default)]
    #[schemars(with = "Option<u32>", range(max = 64))]
    pub min: Option<Spanned<i64>>,
    /// Most digits (1–64). Default 20.
    #[serde(default)]
    #[schemars(with = "Option<u32>", range(min = 1, max = 64))]
    pub max: Option<Spanned<i64>>,
    /// The key that ends the input: `#`, `*` or `none`. Default `#`.
    #[serde(default)]
    #[schemars(with = "Option<schema::Terminator>")]
    pub terminator: Option<Text>,
    /// How long to wait for the first digit. Default `8s`.
    #[serde(default)]
    #[schemars(with = "Option<Duration>")]
    pub first_timeout: Option<Spanned<Duration>>,
    /// How long to wait between digits. Default `4s`.
    #[serde(default)]
    #[schemars(with = "Option<Duration>")]
    pub inter_timeout: Option<Spanned<Duration>>,
    /// A regular expression over `0-9`, `*` and `#` the whole input must match.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub pattern: Option<Text>,
    /// How many times to ask again after a bad or missing input (0–10). Default 2.
    #[serde(default)]
    #[schemars(with = "Option<u32>", range(max = 10))]
    pub retries: Option<Spanned<i64>>,
    /// Played after a bad input. Default `[invalid_input]`.
    #[serde(default)]
    #[schemars(with = "Option<Vec<PromptItem>>")]
    pub invalid: Option<Prompts>,
    /// Played when nothing is keyed in. Default `[no_input]`.
    #[serde(default)]
    #[schemars(with = "Option<Vec<PromptItem>>")]
    pub no_input: Option<Prompts>,
    /// Read the input back and ask for confirmation (1 accepts, 2 asks again).
    #[serde(default)]
    pub confirm: Option<Confirm>,
    /// The node after a good input.
    #[schemars(with = "schema::Name")]
    pub next: Text,
    /// Where to go when the retries are used up.
    #[schemars(with = "schema::Name")]
    pub fallback: Text,
}

/// How a collected input is read back.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Confirm {
    /// Played before the value ("您输入的是"). Default: none.
    #[serde(default)]
    #[schemars(with = "Option<Vec<PromptItem>>")]
    pub prompts: Option<Prompts>,
    /// How the value is said: `digits` or `number`. Default `digits`.
    #[serde(default, rename = "as")]
    #[schemars(with = "Option<schema::ConfirmAs>")]
    pub as_: Option<Text>,
    /// Played after the value. Default `[press_1_confirm_2_retry]`.
    #[serde(default)]
    #[schemars(with = "Option<Vec<PromptItem>>")]
    pub ask: Option<Prompts>,
}

/// Asks the customer data source; the answer goes into `into`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Lookup {
    /// What the desk shows for this node in the caller's IVR path, per language (`{ zh: 主菜单,
    /// en: Main menu }`); the node id where missing.
    #[serde(default)]
    #[schemars(with = "Option<IndexMap<schema::LanguageCode, String>>")]
    pub title: Option<Titles>,
    /// What to look up.
    #[schemars(with = "schema::LookupKind")]
    pub what: Text,
    /// The account number (an expression): `customer_by_account`, `bills`, `arrears`,
    /// `submit_reading`.
    #[serde(default)]
    #[schemars(with = "Option<schema::Expression>")]
    pub account: Option<Text>,
    /// The district code (an expression): `notices`; without it, the notices in force in
    /// every district.
    #[serde(default)]
    #[schemars(with = "Option<schema::Expression>")]
    pub district: Option<Text>,
    /// The kind of notices (`outage`, `quality`, …): `notices`, optional.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub kind: Option<Text>,
    /// The meter reading (an expression giving digits): `submit_reading`; the rating 1–5:
    /// `submit_survey`.
    #[serde(default)]
    #[schemars(with = "Option<schema::Expression>")]
    pub value: Option<Text>,
    /// The variable that gets the answer.
    #[schemars(with = "schema::Name")]
    pub into: Text,
    /// How long to wait for the answer. Default `3s`.
    #[serde(default)]
    #[schemars(with = "Option<Duration>")]
    pub timeout: Option<Spanned<Duration>>,
    /// The node after an answer.
    #[schemars(with = "schema::Name")]
    pub next: Text,
    /// Where to go when nothing is found: required for `customer_by_caller` and
    /// `customer_by_account`, refused for the others.
    #[serde(default)]
    #[schemars(with = "Option<schema::Name>")]
    pub not_found: Option<Text>,
    /// Where to go on a failure or timeout.
    #[schemars(with = "schema::Name")]
    pub error: Text,
    /// A self-service action (e.g. `submit_reading`: a reading reported): a call whose lookup
    /// was answered counts as self-served unless the flow transfers it later. Default `false`.
    #[serde(default)]
    pub served: Option<bool>,
    /// The call reason a call that reaches this node is given when no agent gives one: a
    /// reason code of the centre's tree (`billing/query`, `repair/leak`), `category/reason`
    /// in lowercase letters, digits and `_`.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub reason: Option<Text>,
}

/// Sets variables, in order.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SetNode {
    /// What the desk shows for this node in the caller's IVR path, per language (`{ zh: 主菜单,
    /// en: Main menu }`); the node id where missing.
    #[serde(default)]
    #[schemars(with = "Option<IndexMap<schema::LanguageCode, String>>")]
    pub title: Option<Titles>,
    /// Variable name → expression.
    #[serde(deserialize_with = "unique")]
    #[schemars(with = "IndexMap<schema::Name, schema::Expression>")]
    pub vars: IndexMap<Key, Text>,
    /// The node after.
    #[schemars(with = "schema::Name")]
    pub next: Text,
}

/// Goes to the first case whose condition is true, else to `otherwise`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Branch {
    /// What the desk shows for this node in the caller's IVR path, per language (`{ zh: 主菜单,
    /// en: Main menu }`); the node id where missing.
    #[serde(default)]
    #[schemars(with = "Option<IndexMap<schema::LanguageCode, String>>")]
    pub title: Option<Titles>,
    /// The cases, tried in order.
    pub cases: Vec<Case>,
    /// Where to go when no case is true.
    #[schemars(with = "schema::Name")]
    pub otherwise: Text,
}

/// One case of a branch.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// A condition (an expression giving true or false).
    #[schemars(with = "schema::Expression")]
    pub when: Text,
    /// Where to go when it is true.
    #[schemars(with = "schema::Name")]
    pub goto: Text,
}

/// Switches the language prompts are played in.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LanguageNode {
    /// What the desk shows for this node in the caller's IVR path, per language (`{ zh: 主菜单,
    /// en: Main menu }`); the node id where missing.
    #[serde(default)]
    #[schemars(with = "Option<IndexMap<schema::LanguageCode, String>>")]
    pub title: Option<Titles>,
    /// `zh` or `en`; one of the flow's `languages`.
    #[schemars(with = "schema::LanguageCode")]
    pub set: Text,
    /// The node after.
    #[schemars(with = "schema::Name")]
    pub next: Text,
}

/// Runs another flow from its start; its `return` continues at `next`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Call {
    /// What the desk shows for this node in the caller's IVR path, per language (`{ zh: 主菜单,
    /// en: Main menu }`); the node id where missing.
    #[serde(default)]
    #[schemars(with = "Option<IndexMap<schema::LanguageCode, String>>")]
    pub title: Option<Titles>,
    /// The flow to run (its file's name without `.yaml`).
    #[schemars(with = "schema::Name")]
    pub flow: Text,
    /// The node after the called flow returns.
    #[schemars(with = "schema::Name")]
    pub next: Text,
}

/// `return: {}`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Return {
    /// What the desk shows for this node in the caller's IVR path, per language (`{ zh: 主菜单,
    /// en: Main menu }`); the node id where missing.
    #[serde(default)]
    #[schemars(with = "Option<IndexMap<schema::LanguageCode, String>>")]
    pub title: Option<Titles>,
}

/// Opens a ticket.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Ticket {
    /// What the desk shows for this node in the caller's IVR path, per language (`{ zh: 主菜单,
    /// en: Main menu }`); the node id where missing.
    #[serde(default)]
    #[schemars(with = "Option<IndexMap<schema::LanguageCode, String>>")]
    pub title: Option<Titles>,
    /// A ticket kind from the engine's config.
    #[schemars(with = "String")]
    pub kind: Text,
    /// The ticket's summary: text with `{expression}` parts.
    #[schemars(with = "String")]
    pub summary: Text,
    /// The summary in other languages, for desks in those languages: templates like
    /// `summary`, one per language of the flow (`{ en: "Leak at {customer.address}" }`).
    #[serde(default)]
    #[schemars(with = "Option<IndexMap<schema::LanguageCode, String>>")]
    pub summaries: Option<Spanned<IndexMap<Key, Text>>>,
    /// The customer's account number (an expression).
    #[serde(default)]
    #[schemars(with = "Option<schema::Expression>")]
    pub customer: Option<Text>,
    /// The address (an expression).
    #[serde(default)]
    #[schemars(with = "Option<schema::Expression>")]
    pub address: Option<Text>,
    /// The reporter's phone number (an expression). Default: the caller's number.
    #[serde(default)]
    #[schemars(with = "Option<schema::Expression>")]
    pub reporter_phone: Option<Text>,
    /// The variable that gets the ticket (`id`, `number`).
    #[serde(default)]
    #[schemars(with = "Option<schema::Name>")]
    pub into: Option<Text>,
    /// The node after.
    #[schemars(with = "schema::Name")]
    pub next: Text,
    /// Where to go when the ticket cannot be opened.
    #[schemars(with = "schema::Name")]
    pub error: Text,
    /// A self-service action (e.g. a leak reported): a call whose ticket was opened counts as
    /// self-served unless the flow transfers it later. Default `false`.
    #[serde(default)]
    pub served: Option<bool>,
    /// The call reason a call that reaches this node is given when no agent gives one: a
    /// reason code of the centre's tree (`billing/query`, `repair/leak`), `category/reason`
    /// in lowercase letters, digits and `_`.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub reason: Option<Text>,
}

/// Hands the call to an agent queue; ends the flow.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Transfer {
    /// What the desk shows for this node in the caller's IVR path, per language (`{ zh: 主菜单,
    /// en: Main menu }`); the node id where missing.
    #[serde(default)]
    #[schemars(with = "Option<IndexMap<schema::LanguageCode, String>>")]
    pub title: Option<Titles>,
    /// The agent queue.
    #[schemars(with = "String")]
    pub queue: Text,
    /// Skill → the minimum level (1–5) an agent needs.
    #[serde(default, deserialize_with = "unique")]
    #[schemars(with = "Option<IndexMap<String, schema::SkillLevel>>")]
    pub skills: IndexMap<Key, Spanned<i64>>,
    /// 0–100, higher first. Default 0.
    #[serde(default)]
    #[schemars(with = "Option<u8>", range(max = 100))]
    pub priority: Option<Spanned<i64>>,
    /// Why the caller is transferred (shown to the agent).
    #[serde(default)]
    pub reason: Option<String>,
    /// The extension (SIP user) of an agent to try first (an expression, e.g.
    /// `customer.manager`).
    #[serde(default)]
    #[schemars(with = "Option<schema::Expression>")]
    pub preferred_agent: Option<Text>,
}

/// Plays prompts (may be none), then hangs up.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Hangup {
    /// What the desk shows for this node in the caller's IVR path, per language (`{ zh: 主菜单,
    /// en: Main menu }`); the node id where missing.
    #[serde(default)]
    #[schemars(with = "Option<IndexMap<schema::LanguageCode, String>>")]
    pub title: Option<Titles>,
    /// What to play first.
    #[serde(default)]
    #[schemars(with = "Option<Vec<PromptItem>>")]
    pub prompts: Option<Prompts>,
}

/// Goes to `open` within a calendar's hours, to `closed` outside them or on a holiday.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    /// What the desk shows for this node in the caller's IVR path, per language (`{ zh: 主菜单,
    /// en: Main menu }`); the node id where missing.
    #[serde(default)]
    #[schemars(with = "Option<IndexMap<schema::LanguageCode, String>>")]
    pub title: Option<Titles>,
    /// A calendar of `calendars.yaml`.
    #[schemars(with = "schema::Name")]
    pub calendar: Text,
    /// Where to go within the hours.
    #[schemars(with = "schema::Name")]
    pub open: Text,
    /// Where to go outside them.
    #[schemars(with = "schema::Name")]
    pub closed: Text,
}

/// One item of a prompt list: a prompt name, `{ say, as }`, `{ each, as, limit, play }` or
/// `{ when, play }`.
#[derive(Debug)]
pub enum PromptItem {
    /// A prompt: `sounds/<language>/<name>.wav`, or `common/<name>`.
    Name(String),
    /// A value read out.
    Say(SayItem),
    /// Items played once per element of a list.
    Each(EachItem),
    /// Items played only when a condition holds.
    When(WhenItem),
    /// A calendar's opening hours read out: `{ hours: office }`.
    Hours(Text),
}

/// `{ when: EXPRESSION, play: [items] }`.
#[derive(Debug)]
pub struct WhenItem {
    pub when: Text,
    pub play: Prompts,
}

/// `{ say: EXPRESSION, as: KIND }`.
#[derive(Debug)]
pub struct SayItem {
    pub say: Text,
    pub as_: Text,
}

/// `{ each: EXPRESSION, as: NAME, limit: N, play: [items] }`.
#[derive(Debug)]
pub struct EachItem {
    pub each: Text,
    pub as_: Text,
    pub limit: Option<Spanned<i64>>,
    pub play: Prompts,
}

impl<'de> Deserialize<'de> for PromptItem {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(PromptItemVisitor)
    }
}

struct PromptItemVisitor;

const PROMPT_ITEM_FIELDS: &[&str] = &["say", "each", "when", "hours", "as", "limit", "play"];

impl<'de> Visitor<'de> for PromptItemVisitor {
    type Value = PromptItem;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a prompt name, `{ say, as }`, `{ each, as, play }` or `{ when, play }`")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<PromptItem, E> {
        Ok(PromptItem::Name(v.to_owned()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<PromptItem, E> {
        Ok(PromptItem::Name(v.to_string()))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<PromptItem, E> {
        Ok(PromptItem::Name(v.to_string()))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<PromptItem, A::Error> {
        let mut say: Option<Text> = None;
        let mut each: Option<Text> = None;
        let mut when: Option<Text> = None;
        let mut hours: Option<Text> = None;
        let mut as_: Option<Text> = None;
        let mut limit: Option<Spanned<i64>> = None;
        let mut play: Option<Prompts> = None;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "say" => put(&mut say, map.next_value()?, "say")?,
                "each" => put(&mut each, map.next_value()?, "each")?,
                "when" => put(&mut when, map.next_value()?, "when")?,
                "hours" => put(&mut hours, map.next_value()?, "hours")?,
                "as" => put(&mut as_, map.next_value()?, "as")?,
                "limit" => put(&mut limit, map.next_value()?, "limit")?,
                "play" => put(&mut play, map.next_value()?, "play")?,
                other => return Err(de::Error::unknown_field(other, PROMPT_ITEM_FIELDS)),
            }
        }
        if let Some(hours) = hours {
            if say.is_some() || each.is_some() || when.is_some() {
                return Err(de::Error::custom(
                    "a prompt item has one of `say`, `each`, `when` or `hours`, not two",
                ));
            }
            if as_.is_some() || limit.is_some() || play.is_some() {
                return Err(de::Error::custom("`hours` takes nothing else"));
            }
            return Ok(PromptItem::Hours(hours));
        }
        if let Some(when) = when {
            if say.is_some() || each.is_some() {
                return Err(de::Error::custom(
                    "a prompt item has one of `say`, `each` or `when`, not two",
                ));
            }
            if as_.is_some() || limit.is_some() {
                return Err(de::Error::custom(
                    "`as` and `limit` do not belong to `when` (only `play`)",
                ));
            }
            let play = play.ok_or_else(|| de::Error::missing_field("play"))?;
            return Ok(PromptItem::When(WhenItem { when, play }));
        }
        match (say, each) {
            (Some(_), Some(_)) => Err(de::Error::custom(
                "a prompt item has one of `say`, `each` or `when`, not two",
            )),
            (Some(say), None) => {
                if limit.is_some() || play.is_some() {
                    return Err(de::Error::custom(
                        "`limit` and `play` belong to `each`, not to `say`",
                    ));
                }
                let as_ = as_.ok_or_else(|| de::Error::missing_field("as"))?;
                Ok(PromptItem::Say(SayItem { say, as_ }))
            }
            (None, Some(each)) => {
                let as_ = as_.ok_or_else(|| de::Error::missing_field("as"))?;
                let play = play.ok_or_else(|| de::Error::missing_field("play"))?;
                Ok(PromptItem::Each(EachItem {
                    each,
                    as_,
                    limit,
                    play,
                }))
            }
            (None, None) => Err(de::Error::custom(
                "a prompt item is a prompt name, `{ say, as }`, `{ each, as, play }` or `{ when, play }`",
            )),
        }
    }
}

fn put<T, E: de::Error>(slot: &mut Option<T>, value: T, field: &'static str) -> Result<(), E> {
    if slot.is_some() {
        return Err(de::Error::duplicate_field(field));
    }
    *slot = Some(value);
    Ok(())
}

impl JsonSchema for PromptItem {
    fn schema_name() -> Cow<'static, str> {
        "PromptItem".into()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schema::PromptItem::json_schema(generator)
    }
}

/// A duration: `500ms`, `5s`, `2m`, or a number of seconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Duration {
    Text(String),
    Seconds(i64),
}

impl Duration {
    /// The duration in milliseconds, or why it is not one.
    pub fn millis(&self) -> Result<u64, String> {
        let bad = |s: &str| format!("`{s}` is not a duration (`500ms`, `5s`, `2m`)");
        match self {
            Duration::Seconds(s) => u64::try_from(*s)
                .ok()
                .and_then(|s| s.checked_mul(1000))
                .ok_or_else(|| bad(&s.to_string())),
            Duration::Text(t) => {
                let t = t.trim();
                let (digits, unit) = match t.find(|c: char| !c.is_ascii_digit()) {
                    Some(i) => t.split_at(i),
                    None => (t, "s"),
                };
                if digits.is_empty() || digits.len() > 9 {
                    return Err(bad(t));
                }
                let n: u64 = digits.parse().map_err(|_| bad(t))?;
                let factor = match unit {
                    "ms" => 1,
                    "s" => 1000,
                    "m" => 60_000,
                    _ => return Err(bad(t)),
                };
                Ok(n * factor)
            }
        }
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Duration;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a duration (`500ms`, `5s`, `2m`) or a number of seconds")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Duration, E> {
                Ok(Duration::Text(v.to_owned()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Duration, E> {
                Ok(Duration::Seconds(i64::try_from(v).unwrap_or(i64::MAX)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Duration, E> {
                Ok(Duration::Seconds(v))
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for Duration {
    fn schema_name() -> Cow<'static, str> {
        "Duration".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A duration: `500ms`, `5s`, `2m`, or a number of seconds.",
            "anyOf": [
                { "type": "string", "pattern": "^[0-9]+(ms|s|m)$" },
                { "type": "integer", "minimum": 0 }
            ]
        })
    }
}

/// Reads `nodes`, refusing more than `MAX_NODES` as soon as the next one starts.
fn nodes<'de, D: Deserializer<'de>>(d: D) -> Result<IndexMap<Key, Spanned<Node>>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = IndexMap<Key, Spanned<Node>>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a map of node id → node")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut nodes = IndexMap::new();
            while let Some(key) = map.next_key::<Key>()? {
                if nodes.len() >= MAX_NODES {
                    return Err(de::Error::custom(format!(
                        "a flow has at most {MAX_NODES} nodes"
                    )));
                }
                let node: Spanned<Node> = map.next_value()?;
                if nodes.contains_key(key.as_str()) {
                    return Err(de::Error::custom(format!(
                        "node `{}` is defined twice",
                        key.as_str()
                    )));
                }
                nodes.insert(key, node);
            }
            Ok(nodes)
        }
    }
    d.deserialize_map(V)
}

/// Reads a map's entries in file order; with `unique`, refuses a key repeated as text.
struct EntriesVisitor<V> {
    unique: bool,
    value: std::marker::PhantomData<V>,
}

impl<'de, V: Deserialize<'de>> Visitor<'de> for EntriesVisitor<V> {
    type Value = Vec<(Key, V)>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a map")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out: Vec<(Key, V)> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        while let Some(key) = map.next_key::<Key>()? {
            if self.unique && !seen.insert(key.as_str().to_owned()) {
                return Err(de::Error::custom(format!(
                    "`{}` is listed twice",
                    key.as_str()
                )));
            }
            let value = map.next_value::<V>()?;
            out.push((key, value));
        }
        Ok(out)
    }
}

/// A map's entries in file order, repeated keys kept (a menu reports them itself).
fn entries<'de, D, V>(d: D) -> Result<Vec<(Key, V)>, D::Error>
where
    D: Deserializer<'de>,
    V: Deserialize<'de>,
{
    d.deserialize_map(EntriesVisitor {
        unique: false,
        value: std::marker::PhantomData,
    })
}

/// A map whose keys must differ as text (YAML tells `1` from `"1"`; flows do not).
fn unique<'de, D, V>(d: D) -> Result<IndexMap<Key, V>, D::Error>
where
    D: Deserializer<'de>,
    V: Deserialize<'de>,
{
    let list = d.deserialize_map(EntriesVisitor {
        unique: true,
        value: std::marker::PhantomData,
    })?;
    Ok(list.into_iter().collect())
}

/// `calendars.yaml`: opening hours and holidays, used by `schedule` nodes.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "hotline IVR calendars")]
pub struct CalendarsFile {
    /// Calendar name → calendar.
    #[serde(deserialize_with = "unique")]
    #[schemars(with = "IndexMap<schema::Name, CalendarSpec>")]
    pub calendars: IndexMap<Key, Spanned<CalendarSpec>>,
}

/// A calendar.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarSpec {
    /// No longer read: calendars are in the centre's time zone (`centre.time_zone` in the
    /// engine's configuration). Kept in the model only to refuse it with that advice.
    #[serde(default)]
    #[schemars(skip)]
    pub utc_offset: Option<Text>,
    /// Weekday (`mon` … `sun`) → opening hours `HH:MM-HH:MM` (several separated by
    /// commas); a day not listed is closed.
    #[serde(default, deserialize_with = "unique")]
    #[schemars(with = "IndexMap<schema::Weekday, String>")]
    pub hours: IndexMap<Key, Text>,
    /// Closed days, `YYYY-MM-DD`.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub holidays: Vec<Text>,
    /// The public holidays of a region (`cn`): its days off are closed days, its adjusted
    /// working days (调休, a weekend worked) are open with `workday_hours`. From the yearly
    /// files `holidays/<region>-<year>.yaml` beside the flows.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub public_holidays: Option<Text>,
    /// Opening hours on an adjusted working day (default: Monday's).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub workday_hours: Option<Text>,
}

/// A yearly file of public holidays (`holidays/cn-2026.yaml`): the days off and the
/// adjusted working days (调休) of one region and year, as the government published them.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HolidayFile {
    /// The region's code (`cn`), as calendars name it in `public_holidays`.
    pub region: Text,
    pub year: Spanned<i64>,
    /// Days off.
    #[serde(default)]
    pub holidays: Vec<Spanned<HolidayDay>>,
    /// Weekend days that are working days (调休上班).
    #[serde(default)]
    pub workdays: Vec<Spanned<HolidayDay>>,
}

/// One day of a holiday file: `{ date: "2026-10-01", name: 国庆节 }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HolidayDay {
    pub date: Text,
    #[serde(default)]
    pub name: String,
}

/// The JSON Schema of a flow file, pretty-printed (no final newline), for
/// `ivr-flows/schema.json`.
pub fn schema_json() -> String {
    let generator = schemars::generate::SchemaSettings::draft07().into_generator();
    let schema = generator.into_root_schema_for::<FlowFile>();
    serde_json::to_string_pretty(&schema).unwrap_or_default()
}

/// The outbound flows' call data and nodes.
pub mod outbound;
/// Types that only describe the schema of values the model keeps as text.
mod schema;
