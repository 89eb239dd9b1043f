//! The outbound part of the flow file language (issue 21): the `target` a campaign's call
//! brings into its flow, and the nodes that record what the call achieved for its campaign
//! (`promise`, `opt_out`, `result`). The interpreter turns these nodes into actions; the
//! engine's campaign shell stores them.

use super::{schema, IndexMap, JsonSchema, Key, Spanned, Text, Titles};
use serde::Deserialize;

/// Field name → type of the data a campaign gives an outbound call's flow, as the variable
/// `target` (`target.amount_due`).
pub type TargetSpec = Spanned<IndexMap<Key, Text>>;

/// Records a promise to pay: the amount and the date by which the customer will pay. Also
/// sets the call's result to `promise`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PromiseNode {
    /// What the desk shows for this node in the caller's IVR path, per language.
    #[serde(default)]
    #[schemars(with = "Option<IndexMap<schema::LanguageCode, String>>")]
    pub title: Option<Titles>,
    /// The amount promised (an expression giving money, e.g. `target.amount_due`).
    #[schemars(with = "schema::Expression")]
    pub amount: Text,
    /// The date promised (an expression giving a date, e.g. `mmdd_date(pay_keys, today)`).
    #[schemars(with = "schema::Expression")]
    pub by: Text,
    /// The node after.
    #[schemars(with = "schema::Name")]
    pub next: Text,
    /// Where to go when the amount or the date has no value at run time.
    #[schemars(with = "schema::Name")]
    pub error: Text,
}

/// Records that the customer asked not to be called by campaigns again. Also sets the
/// call's result to `opt_out`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OptOutNode {
    /// What the desk shows for this node in the caller's IVR path, per language.
    #[serde(default)]
    #[schemars(with = "Option<IndexMap<schema::LanguageCode, String>>")]
    pub title: Option<Titles>,
    /// The node after.
    #[schemars(with = "schema::Name")]
    pub next: Text,
}

/// Sets the call's result for its campaign (the last one set counts).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResultNode {
    /// What the desk shows for this node in the caller's IVR path, per language.
    #[serde(default)]
    #[schemars(with = "Option<IndexMap<schema::LanguageCode, String>>")]
    pub title: Option<Titles>,
    /// The result.
    #[schemars(with = "ResultKind")]
    pub is: Text,
    /// The rating 1–5 (an expression giving digits or a number): required with `is: rating`,
    /// refused otherwise.
    #[serde(default)]
    #[schemars(with = "Option<schema::Expression>")]
    pub score: Option<Text>,
    /// The node after.
    #[schemars(with = "schema::Name")]
    pub next: Text,
}

/// A campaign call's result.
#[derive(JsonSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum ResultKind {
    /// The customer was reached and heard the message.
    Reached,
    /// The person who answered is not the account holder.
    WrongPerson,
    /// A promise to pay (set by `promise` too).
    Promise,
    /// The customer asked not to be called again (set by `opt_out` too).
    OptOut,
    /// The customer rated the work (`score`).
    Rating,
}

/// The type of a `target` field.
#[derive(JsonSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum TargetType {
    /// Text (an account number, a district code, a ticket kind).
    Text,
    /// A whole number (`"3"`).
    Number,
    /// Money, given in yuan (`"1234.50"`).
    Money,
    /// A date (`"2026-11-30"`).
    Date,
}
