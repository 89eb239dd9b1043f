//! SMS campaigns: the text message each target gets, made from a template per language with
//! the target's data, and how a submission's outcome counts for the dialler (which paces,
//! windows, retries and checks the do-not-call list for texts as it does for calls).
//!
//! A template is text with placeholders in braces, `{amount_due}`; `{{` and `}}` are literal
//! braces. Only the names in [`PLACEHOLDERS`] are allowed (an unknown one is a settings error
//! naming it, at create time). A target's language (its `language` data, from the customer
//! record) picks the template; `zh` is the default, and the `zh` template (else the first)
//! serves a language without one.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use hotline_time::Millis;

use crate::dialler::Event;
use crate::model::{CallResult, TargetId};

/// The placeholders a template may use: the targets' data, as the lists make it.
pub const PLACEHOLDERS: [&str; 19] = [
    "account",
    "name",
    "tier",
    "district",
    // arrears lists
    "amount_due",
    "amount_due_fen",
    "principal_fen",
    "late_fee_fen",
    "months",
    // notice lists
    "notice",
    "notice_text",
    "notice_starts",
    "notice_ends",
    "notice_id",
    // follow-up lists
    "ticket",
    "ticket_id",
    "ticket_kind",
    "closed",
    "followup_id",
];

/// The languages templates are written in.
pub const LANGUAGES: [&str; 2] = ["zh", "en"];

/// Longest template, in characters (a text of up to 10 parts).
pub const MAX_TEMPLATE: usize = 670;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Value(String),
}

/// A template checked: literal text and placeholders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pieces: Vec<Piece>,
}

/// Why a template was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateError {
    Empty,
    TooLong,
    /// `{name}` is not one of [`PLACEHOLDERS`].
    Unknown(String),
    /// A `{` without its `}`, or a lone `}`.
    Unbalanced,
}

impl std::fmt::Display for TemplateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TemplateError::Empty => write!(f, "empty"),
            TemplateError::TooLong => write!(f, "longer than {MAX_TEMPLATE} characters"),
            TemplateError::Unknown(n) => write!(
                f,
                "unknown placeholder {{{n}}} (known: {})",
                PLACEHOLDERS.join(", ")
            ),
            TemplateError::Unbalanced => write!(
                f,
                "a brace without its pair (write {{{{ or }}}} for a brace)"
            ),
        }
    }
}

impl Template {
    /// `text` read and checked.
    pub fn parse(text: &str) -> Result<Template, TemplateError> {
        if text.trim().is_empty() {
            return Err(TemplateError::Empty);
        }
        if text.chars().count() > MAX_TEMPLATE {
            return Err(TemplateError::TooLong);
        }
        let mut pieces = Vec::new();
        let mut literal = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    literal.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    literal.push('}');
                }
                '}' => return Err(TemplateError::Unbalanced),
                '{' => {
                    let mut name = String::new();
                    loop {
                        match chars.next() {
                            Some('}') => break,
                            Some('{') | None => return Err(TemplateError::Unbalanced),
                            Some(ch) => name.push(ch),
                        }
                    }
                    let name = name.trim().to_string();
                    if !PLACEHOLDERS.contains(&name.as_str()) {
                        return Err(TemplateError::Unknown(name));
                    }
                    if !literal.is_empty() {
                        pieces.push(Piece::Text(std::mem::take(&mut literal)));
                    }
                    pieces.push(Piece::Value(name));
                }
                c => literal.push(c),
            }
        }
        if !literal.is_empty() {
            pieces.push(Piece::Text(literal));
        }
        Ok(Template { pieces })
    }

    /// The text for a target with `data`; `Err(name)` when the data has no value for a
    /// placeholder (the target's list did not make it: a CSV without that column, say).
    pub fn render(&self, data: &BTreeMap<String, String>) -> Result<String, String> {
        let mut out = String::new();
        for p in &self.pieces {
            match p {
                Piece::Text(t) => out.push_str(t),
                Piece::Value(name) => match data.get(name) {
                    Some(v) => out.push_str(v),
                    None => return Err(name.clone()),
                },
            }
        }
        Ok(out)
    }
}

/// The `sms` settings of an SMS campaign, as the operator writes them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct SmsSettings {
    /// Language (`zh`, `en`) → template.
    pub templates: BTreeMap<String, String>,
    /// How long after the SMSC accepted a text the campaign waits for its final receipt
    /// (one saying it was not delivered is retried by `retry.failed`): 0 to
    /// [`MAX_RECEIPT_WAIT_SECS`], 0 taking an accepted text as final;
    /// [`DEFAULT_RECEIPT_WAIT_SECS`] when not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt_wait_secs: Option<u32>,
}

/// The receipt wait when the settings give none: an hour.
pub const DEFAULT_RECEIPT_WAIT_SECS: u32 = 3_600;

/// The longest receipt wait: three days (an SMSC's usual longest validity period).
pub const MAX_RECEIPT_WAIT_SECS: u32 = 259_200;

impl SmsSettings {
    /// The receipt wait in force, in milliseconds (`None`: accepted is final).
    pub fn receipt_wait_ms(&self) -> Option<i64> {
        let secs = self.receipt_wait_secs.unwrap_or(DEFAULT_RECEIPT_WAIT_SECS);
        (secs > 0).then(|| i64::from(secs) * 1000)
    }
}

/// The checked templates of an SMS campaign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Texts {
    templates: BTreeMap<String, Template>,
}

impl Texts {
    /// The settings checked: `Err((field, reason))`, the field a dotted path under `sms`.
    pub fn new(s: &SmsSettings) -> Result<Texts, (String, String)> {
        if s.templates.is_empty() {
            return Err((
                "sms.templates".into(),
                "at least one template (zh, en)".into(),
            ));
        }
        if s.receipt_wait_secs
            .is_some_and(|n| n > MAX_RECEIPT_WAIT_SECS)
        {
            return Err((
                "sms.receipt_wait_secs".into(),
                format!("0 to {MAX_RECEIPT_WAIT_SECS} (0: an accepted text is final)"),
            ));
        }
        let mut templates = BTreeMap::new();
        for (lang, text) in &s.templates {
            let field = format!("sms.templates.{lang}");
            if !LANGUAGES.contains(&lang.as_str()) {
                return Err((field, format!("a language of {}", LANGUAGES.join(", "))));
            }
            let t = Template::parse(text).map_err(|e| (field, e.to_string()))?;
            templates.insert(lang.clone(), t);
        }
        Ok(Texts { templates })
    }

    /// The text for a target: its language's template (`zh` when it has none, else the
    /// first) with its data. `Err(name)`: no value for placeholder `name`.
    pub fn text_for(&self, data: &BTreeMap<String, String>) -> Result<(String, String), String> {
        let wanted = data.get("language").map(String::as_str).unwrap_or("zh");
        let (lang, t) = self
            .templates
            .get_key_value(wanted)
            .or_else(|| self.templates.get_key_value("zh"))
            .or_else(|| self.templates.iter().next())
            .ok_or_else(|| "language".to_string())?;
        Ok((lang.clone(), t.render(data)?))
    }
}

/// How a submission ended, as the shell reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Submission {
    /// Every part accepted by the SMSC; its ids in part order.
    Accepted { message_ids: Vec<String> },
    /// The SMSC refused it for good (a bad number, say): not tried again.
    Refused { status: u32 },
    /// The gateway throttled, timed out or was down: tried again as the rules say; counts
    /// towards pausing the campaign (the gateway is down).
    Failed { reason: String },
}

impl Submission {
    /// The result the dialler takes: accepted = answered (the target is done), refused =
    /// rejected (final), failed = failed (retried by `retry.failed`).
    pub fn result(&self) -> CallResult {
        match self {
            Submission::Accepted { .. } => CallResult::Answered,
            Submission::Refused { .. } => CallResult::Rejected,
            Submission::Failed { .. } => CallResult::Failed,
        }
    }

    /// The message's status as stored: `submitted`, `rejected` or `failed`.
    pub fn status(&self) -> &'static str {
        match self {
            Submission::Accepted { .. } => "submitted",
            Submission::Refused { .. } => "rejected",
            Submission::Failed { .. } => "failed",
        }
    }
}

/// What a text's final receipt said, as the store names the message's status after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Receipt {
    Delivered,
    /// Not delivered: the attempt counts as this result (failed: undeliverable or expired,
    /// retried by `retry.failed`; rejected: rejected or deleted by the SMSC, final).
    NotDelivered(CallResult),
}

impl Receipt {
    /// The receipt a message's `status` records (`None`: no final receipt: sending,
    /// submitted, failed, unknown).
    pub fn of_status(status: &str) -> Option<Receipt> {
        match status {
            "delivered" => Some(Receipt::Delivered),
            "expired" | "undeliverable" => Some(Receipt::NotDelivered(CallResult::Failed)),
            "rejected" | "deleted" => Some(Receipt::NotDelivered(CallResult::Rejected)),
            _ => None,
        }
    }

    /// The dialler's event for this receipt of `target`'s text of `attempt`, come at `at`.
    pub fn event(self, target: TargetId, attempt: u32, at: Millis) -> Event {
        match self {
            Receipt::Delivered => Event::ReceiptFinal { target, attempt },
            Receipt::NotDelivered(result) => Event::ReceiptFailed {
                target,
                attempt,
                result,
                at,
            },
        }
    }
}

/// Whether an inbound text asks to stop the messages: `STOP`, `TD`, `退订` (or `T`,
/// `UNSUBSCRIBE`, `取消`), alone, case and spaces and punctuation ignored.
pub fn is_opt_out(text: &str) -> bool {
    let word: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_ascii_punctuation() && !"。！，".contains(*c))
        .collect::<String>()
        .to_uppercase();
    matches!(
        word.as_str(),
        "STOP" | "TD" | "T" | "UNSUBSCRIBE" | "退订" | "取消" | "退订短信"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_template_takes_the_targets_data() {
        let t = Template::parse("尊敬的{name}：您欠费{amount_due}元（{months}个月）{{请缴费}}")
            .unwrap();
        let d = data(&[("name", "张三"), ("amount_due", "120.50"), ("months", "3")]);
        assert_eq!(
            t.render(&d).unwrap(),
            "尊敬的张三：您欠费120.50元（3个月）{请缴费}"
        );
        assert_eq!(t.render(&data(&[("name", "x")])), Err("amount_due".into()));
    }

    #[test]
    fn bad_templates_are_refused_naming_the_placeholder() {
        assert_eq!(
            Template::parse("您欠费{amount}元"),
            Err(TemplateError::Unknown("amount".into()))
        );
        assert!(Template::parse("x {amount_due").is_err());
        assert!(Template::parse("x } y").is_err());
        assert!(Template::parse("  ").is_err());
        assert!(Template::parse(&"长".repeat(MAX_TEMPLATE + 1)).is_err());
        let e = Template::parse("{bogus}").unwrap_err().to_string();
        assert!(e.contains("{bogus}"), "{e}");
    }

    #[test]
    fn the_targets_language_picks_the_template() {
        let mut s = SmsSettings::default();
        s.templates.insert("zh".into(), "您好{name}".into());
        s.templates.insert("en".into(), "Hello {name}".into());
        let texts = Texts::new(&s).unwrap();
        let en = data(&[("name", "Li"), ("language", "en")]);
        assert_eq!(
            texts.text_for(&en).unwrap(),
            ("en".into(), "Hello Li".into())
        );
        let fr = data(&[("name", "Li"), ("language", "fr")]);
        assert_eq!(texts.text_for(&fr).unwrap().0, "zh");
        assert_eq!(texts.text_for(&data(&[("name", "Li")])).unwrap().0, "zh");
        s.templates.insert("fr".into(), "x".into());
        assert_eq!(Texts::new(&s).unwrap_err().0, "sms.templates.fr");
        assert_eq!(
            Texts::new(&SmsSettings::default()).unwrap_err().0,
            "sms.templates"
        );
    }

    #[test]
    fn opt_out_words_are_recognised_and_nothing_else() {
        for w in ["STOP", "stop", " Stop. ", "退订", "退订。", "TD", "td"] {
            assert!(is_opt_out(w), "{w}");
        }
        for w in ["", "STOPPED", "please stop calling", "已缴费", "1"] {
            assert!(!is_opt_out(w), "{w}");
        }
    }

    #[test]
    fn submissions_count_for_the_dialler() {
        let ok = Submission::Accepted {
            message_ids: vec!["a".into()],
        };
        assert_eq!(
            (ok.result(), ok.status()),
            (CallResult::Answered, "submitted")
        );
        let no = Submission::Refused { status: 0x0B };
        assert_eq!(
            (no.result(), no.status()),
            (CallResult::Rejected, "rejected")
        );
        let later = Submission::Failed {
            reason: "down".into(),
        };
        assert_eq!(later.result(), CallResult::Failed);
    }
}
