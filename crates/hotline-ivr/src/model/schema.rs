//! Types that only describe, for the flows' JSON Schema, the values the model keeps as text
//! (names, expressions, durations, languages…).

use super::{Cow, JsonSchema};
use schemars::{json_schema, Schema, SchemaGenerator};

/// A node id, flow, variable or calendar name: lower_snake_case.
pub struct Name;
impl JsonSchema for Name {
    fn schema_name() -> Cow<'static, str> {
        "Name".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": "^[a-z][a-z0-9_]*$",
            "description": "A lower_snake_case name."
        })
    }
}

/// An expression: variable paths, literals, comparisons, `and`/`or`/`not`, `+`/`-`,
/// `len()`.
pub struct Expression;
impl JsonSchema for Expression {
    fn schema_name() -> Cow<'static, str> {
        "Expression".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": ["string", "number", "boolean"],
            "description": "An expression: variable paths (`customer.tier`), literals (`0`, `'text'`, `true`, `null`), `== != < <= > >=`, `and or not`, `+ -`, `len(LIST)`."
        })
    }
}

/// A skill level, 1–5.
pub struct SkillLevel;
impl JsonSchema for SkillLevel {
    fn schema_name() -> Cow<'static, str> {
        "SkillLevel".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "integer",
            "minimum": 1,
            "maximum": 5,
            "description": "The minimum skill level, 1–5."
        })
    }
}

/// A language of prompts.
#[derive(JsonSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum LanguageCode {
    /// Mandarin.
    Zh,
    /// English.
    En,
}

/// A key of the telephone keypad.
#[derive(JsonSchema)]
#[allow(dead_code)]
pub enum KeypadKey {
    #[serde(rename = "0")]
    K0,
    #[serde(rename = "1")]
    K1,
    #[serde(rename = "2")]
    K2,
    #[serde(rename = "3")]
    K3,
    #[serde(rename = "4")]
    K4,
    #[serde(rename = "5")]
    K5,
    #[serde(rename = "6")]
    K6,
    #[serde(rename = "7")]
    K7,
    #[serde(rename = "8")]
    K8,
    #[serde(rename = "9")]
    K9,
    #[serde(rename = "*")]
    Star,
    #[serde(rename = "#")]
    Hash,
}

/// The key ending a collected input.
#[derive(JsonSchema)]
#[allow(dead_code)]
pub enum Terminator {
    #[serde(rename = "#")]
    Hash,
    #[serde(rename = "*")]
    Star,
    /// No terminator: the input ends at `max` digits or after `inter_timeout`.
    #[serde(rename = "none")]
    None,
}

/// What a lookup asks for.
#[derive(JsonSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum LookupKind {
    /// The customer whose phone number is calling (needs `not_found`).
    CustomerByCaller,
    /// The customer of `account` (needs `not_found`).
    CustomerByAccount,
    /// The bills of `account`, last 12 months: `{count, total, items}`.
    Bills,
    /// The arrears of `account`: `{count, principal, late_fees, total, items}`.
    Arrears,
    /// Notices for `district` (optionally of `kind`), or in force in every district
    /// without one: `{count, items}`.
    Notices,
    /// Submits the meter reading `value` for `account`: `{status, reason, ticket}`.
    SubmitReading,
    /// Records the caller's rating `value` (1–5) on the call: `{score}`.
    SubmitSurvey,
}

/// How a value is read out.
#[derive(JsonSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum SayKind {
    /// One digit at a time (account and staff numbers).
    Digits,
    /// A number (一千零五 / one thousand and five).
    Number,
    /// Money in yuan and fen.
    Money,
    /// A date (2026年11月18号 / November 18, 2026).
    Date,
    /// A month (2026年10月 / October 2026).
    Month,
    /// A date and time of day, without the year (十二月六号上午八点 / December 6, 8 a.m.).
    Time,
    /// A time's time of day only (下午六点 / 6 p.m.).
    Clock,
    /// A decimal number, from text such as `0.35` (零点三五 / zero point three five).
    Decimal,
    /// A recording uploaded at run time, by its prompt name (a notice's `recording`,
    /// `rec_…`): played when the engine holds it in the caller's language, skipped
    /// otherwise. Its name cannot be checked when the flow loads.
    Recording,
}

/// How a collected value is read back.
#[derive(JsonSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum ConfirmAs {
    /// One digit at a time.
    Digits,
    /// As a number.
    Number,
}

/// A day of the week.
#[derive(JsonSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum Weekday {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

/// A prompt name: `sounds/<language>/<name>.wav`, or `common/<name>` for a
/// language-independent sound.
pub struct PromptName;
impl JsonSchema for PromptName {
    fn schema_name() -> Cow<'static, str> {
        "PromptName".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": "^(common/)?[A-Za-z0-9_-]+$",
            "description": "A prompt: `sounds/<language>/<name>.wav`, or `common/<name>` for a language-independent sound."
        })
    }
}

/// A value read out in the call's language.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct Say {
    /// The value (an expression).
    say: Expression,
    /// How it is read out.
    #[serde(rename = "as")]
    as_: SayKind,
}

/// Items played once per element of a list.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct Each {
    /// The list (an expression).
    each: Expression,
    /// The variable holding the element within `play`.
    #[serde(rename = "as")]
    as_: Name,
    /// At most this many elements.
    #[schemars(range(min = 1))]
    limit: Option<u32>,
    /// The items played per element.
    play: Vec<super::PromptItem>,
}

/// Items played only when a condition holds.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct When {
    /// The condition (an expression giving true or false; null counts as false).
    when: Expression,
    /// The items played when it is true.
    play: Vec<super::PromptItem>,
}

/// A calendar's opening hours read out (generated from the calendar).
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct Hours {
    /// A calendar of `calendars.yaml`.
    hours: Name,
}

/// One item of a prompt list.
#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum PromptItem {
    Name(PromptName),
    Say(Say),
    Each(Each),
    When(When),
    Hours(Hours),
}
