//! Prompt lists: names that must exist for every language of the flow (a `common/…` name
//! once), values said `as` a kind their type fits, and `each` over a list with its element
//! in a variable seen only by its items, `when` with a true-or-false condition.

use super::compile::Ctx;
use super::errors::{pos, Pos};
use super::exprs::Want;
use crate::flow::PromptItem;
use crate::model::{self, Text};
use crate::say::SayAs;
use crate::value::Type;
use serde_saphyr::Spanned;

const MAX_EACH_LIMIT: i64 = 1_000;

/// Whether `s` can name a sound file: letters, digits, `_` and `-`.
fn is_sound_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 100
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn say_as(kind: &str) -> Option<(SayAs, Want)> {
    Some(match kind {
        "digits" => (SayAs::Digits, Want::Digits),
        "number" => (SayAs::Number, Want::Number),
        "money" => (SayAs::Money, Want::Money),
        "date" => (SayAs::Date, Want::Date),
        "month" => (SayAs::Month, Want::Date),
        "time" => (SayAs::Time, Want::Time),
        "clock" => (SayAs::Clock, Want::Time),
        "decimal" => (SayAs::Decimal, Want::Decimal),
        "recording" => (SayAs::Recording, Want::Text),
        _ => return None,
    })
}

impl Ctx<'_> {
    pub(crate) fn prompts(&mut self, items: &model::Prompts) -> Option<Vec<PromptItem>> {
        let mut out = Some(Vec::with_capacity(items.len()));
        for item in items {
            match (&mut out, self.prompt_item(item)) {
                (Some(list), Some(item)) => list.push(item),
                _ => out = None,
            }
        }
        out
    }

    fn prompt_item(&mut self, item: &Spanned<model::PromptItem>) -> Option<PromptItem> {
        let at = pos(&item.referenced);
        match &item.value {
            model::PromptItem::Name(name) => self
                .prompt_name(name, at)
                .then(|| PromptItem::Prompt(name.clone())),
            model::PromptItem::Say(s) => {
                let kind = say_as(&s.as_.value);
                if kind.is_none() {
                    self.err(
                        pos(&s.as_.referenced),
                        format!(
                            "`as` is digits, number, money, date, month, time, clock, decimal or recording, not `{}`",
                            s.as_.value
                        ),
                    );
                }
                let want = kind.map(|k| k.1).unwrap_or(Want::Any);
                let value = self.expr(&s.say, "say", want);
                Some(PromptItem::Say {
                    value: value?,
                    as_: kind?.0,
                })
            }
            model::PromptItem::Hours(h) => {
                let name = h.value.as_str();
                let known = match self.set.calendars {
                    Some(cals) => cals.contains_key(name),
                    None => true, // calendars.yaml is broken: reported there
                };
                if !known {
                    self.err(
                        pos(&h.referenced),
                        format!("no calendar `{name}` in {}", super::CALENDARS_FILE),
                    );
                }
                known.then(|| PromptItem::Hours {
                    calendar: name.to_owned(),
                })
            }
            model::PromptItem::When(w) => {
                let cond = self.expr(&w.when, "when", Want::Bool);
                let items = self.prompts(&w.play);
                Some(PromptItem::When {
                    cond: cond?,
                    items: items?,
                })
            }
            model::PromptItem::Each(e) => {
                let list = self.expr_typed(&e.each, "each", Want::List);
                let element = match &list {
                    Some((_, Type::List(t))) => (**t).clone(),
                    _ => Type::Any,
                };
                let var = self.var_name(&e.as_);
                let limit = match &e.limit {
                    None => Some(None),
                    Some(l) if (1..=MAX_EACH_LIMIT).contains(&l.value) => {
                        usize::try_from(l.value).ok().map(Some)
                    }
                    Some(l) => {
                        self.err(
                            pos(&l.referenced),
                            format!("`limit` must be 1–{MAX_EACH_LIMIT}, not {}", l.value),
                        );
                        None
                    }
                };
                let items = self.each_items(&e.as_, var.as_deref(), element, &e.play);
                Some(PromptItem::Each {
                    list: list?.0,
                    var: var?,
                    limit: limit?,
                    items: items?,
                })
            }
        }
    }

    /// The items of an `each`, with its variable in scope only for them.
    fn each_items(
        &mut self,
        as_: &Text,
        var: Option<&str>,
        element: Type,
        play: &model::Prompts,
    ) -> Option<Vec<PromptItem>> {
        let name = var.unwrap_or(as_.value.as_str()).to_owned();
        let previous = self.scope.insert(name.clone(), element);
        let items = self.prompts(play);
        match previous {
            Some(t) => self.scope.insert(name, t),
            None => self.scope.remove(&name),
        };
        items
    }

    /// Checks that a prompt exists; reports it when not.
    fn prompt_name(&mut self, name: &str, at: Pos) -> bool {
        if let Some(common) = name.strip_prefix("common/") {
            if !is_sound_name(common) {
                self.err(at, format!("`{name}` is not a prompt name"));
                return false;
            }
            if !self.set.prompts.has("common", common) {
                self.err(
                    at,
                    format!("prompt `{name}` is missing (sounds/common/{common}.wav)"),
                );
                return false;
            }
            return true;
        }
        if !is_sound_name(name) {
            self.err(
                at,
                format!("`{name}` is not a prompt name (letters, digits, `_`, `-`; `common/` for common sounds)"),
            );
            return false;
        }
        let missing = self.missing_languages(name);
        if missing.is_empty() {
            return true;
        }
        let example = missing.first().cloned().unwrap_or_default();
        self.err(
            at,
            format!(
                "prompt `{name}` is missing for {} (sounds/{example}/{name}.wav)",
                missing.join(", ")
            ),
        );
        false
    }

    fn missing_languages(&self, name: &str) -> Vec<String> {
        self.languages
            .iter()
            .filter(|l| !self.set.prompts.has(l, name))
            .cloned()
            .collect()
    }

    /// A default prompt list of one prompt (`invalid`, `no_input`, `ask`), reported once per
    /// flow when missing.
    pub(crate) fn default_prompt(
        &mut self,
        name: &str,
        field: &str,
        at: Pos,
    ) -> Option<Vec<PromptItem>> {
        let missing = self.missing_languages(name);
        if missing.is_empty() {
            return Some(vec![PromptItem::Prompt(name.to_owned())]);
        }
        if self.reported.insert(name.to_owned()) {
            let example = missing.first().cloned().unwrap_or_default();
            self.err(
                at,
                format!(
                    "prompt `{name}` (the default `{field}`) is missing for {} (sounds/{example}/{name}.wav); add it or set `{field}`",
                    missing.join(", ")
                ),
            );
        }
        None
    }
}
