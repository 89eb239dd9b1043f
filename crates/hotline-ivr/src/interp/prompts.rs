//! Turning a node's prompt items into what the shell plays: prompt names resolved to a
//! language folder, said values expanded with `say`, `each` items repeated per list element,
//! `when` items kept only when their condition is true.

use super::{Action, Session};
use crate::flow::PromptItem;
use crate::say::{say, SayAs};
use crate::value::Value;

/// Most prompts one `Play` may hold (a long list said item by item stops here).
const MAX_PROMPTS: usize = 1_000;
/// Deepest nesting of `each` and `when`.
const MAX_EACH_DEPTH: usize = 4;

/// One sound to play: `sounds/<folder>/<name>.wav`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PromptRef {
    /// A language (`zh`, `en`) or `common`.
    pub folder: String,
    pub name: String,
}

impl PromptRef {
    /// `name` in `language`, or in `common` for `common/<name>`.
    pub fn resolve(name: &str, language: &str) -> PromptRef {
        match name.strip_prefix("common/") {
            Some(n) => PromptRef {
                folder: "common".into(),
                name: n.into(),
            },
            None => PromptRef {
                folder: language.into(),
                name: name.into(),
            },
        }
    }
}

impl std::fmt::Display for PromptRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.folder, self.name)
    }
}

/// The prompts built so far.
#[derive(Default)]
pub(super) struct Rendered {
    pub prompts: Vec<super::PromptRef>,
    pub script: Vec<String>,
}

impl Session {
    /// A `Play` of `items` in the call's language, or `None` when they come to nothing.
    pub(super) fn render(
        &mut self,
        items: &[PromptItem],
        barge_in: bool,
        out: &mut Vec<Action>,
    ) -> Option<Action> {
        let mut r = Rendered::default();
        self.expand(items, &mut r, out, 0);
        if r.prompts.is_empty() {
            return None;
        }
        Some(Action::Play {
            prompts: r.prompts,
            barge_in,
            script: r.script,
        })
    }

    /// Adds `value` said `as_` (the collect read-back).
    pub(super) fn say_into(
        &self,
        value: &Value,
        as_: SayAs,
        r: &mut Rendered,
        out: &mut Vec<Action>,
    ) {
        match say(value, as_, &self.language) {
            Ok(names) => {
                r.script.push(format!("«{value} as {as_:?}»"));
                for n in names {
                    if r.prompts.len() < MAX_PROMPTS {
                        r.prompts.push(PromptRef::resolve(&n, &self.language));
                    }
                }
            }
            Err(e) => out.push(Action::Warning(e.to_string())),
        }
    }

    pub(super) fn expand(
        &mut self,
        items: &[PromptItem],
        r: &mut Rendered,
        out: &mut Vec<Action>,
        depth: usize,
    ) {
        for item in items {
            if r.prompts.len() >= MAX_PROMPTS {
                out.push(Action::Warning(format!(
                    "more than {MAX_PROMPTS} prompts in one play; the rest is cut"
                )));
                return;
            }
            match item {
                PromptItem::Prompt(name) => {
                    r.prompts.push(PromptRef::resolve(name, &self.language));
                    r.script.push(name.clone());
                }
                PromptItem::Say { value, as_ } => match value.eval(&self.vars) {
                    Ok(Value::Null) => out.push(Action::Warning(format!(
                        "say `{}`: no value",
                        value.source()
                    ))),
                    Ok(v) => self.say_into(&v, *as_, r, out),
                    Err(e) => out.push(Action::Warning(format!("say `{}`: {e}", value.source()))),
                },
                PromptItem::Hours { calendar } => {
                    let set = std::sync::Arc::clone(&self.set);
                    match set.calendars.get(calendar) {
                        Some(c) => match super::hours::hours_prompts(c, &self.language) {
                            Ok(names) => {
                                r.script.push(format!("«hours of {calendar}»"));
                                for n in names {
                                    if r.prompts.len() < MAX_PROMPTS {
                                        r.prompts.push(PromptRef::resolve(&n, &self.language));
                                    }
                                }
                            }
                            Err(e) => out.push(Action::Warning(e.to_string())),
                        },
                        None => out.push(Action::Warning(format!("no calendar {calendar}"))),
                    }
                }
                PromptItem::When { cond, items } => match cond.eval(&self.vars) {
                    Ok(Value::Bool(true)) => self.expand(items, r, out, depth + 1),
                    Ok(Value::Bool(false) | Value::Null) => {}
                    Ok(other) => out.push(Action::Warning(format!(
                        "when `{}`: {} is not true or false",
                        cond.source(),
                        other.type_name()
                    ))),
                    Err(e) => out.push(Action::Warning(format!("when `{}`: {e}", cond.source()))),
                },
                PromptItem::Each {
                    list,
                    var,
                    limit,
                    items,
                } => {
                    if depth >= MAX_EACH_DEPTH {
                        out.push(Action::Warning("each nested too deep".into()));
                        continue;
                    }
                    let elements = match list.eval(&self.vars) {
                        Ok(Value::List(v)) => v,
                        Ok(Value::Null) => Vec::new(),
                        Ok(other) => {
                            out.push(Action::Warning(format!(
                                "each `{}`: {} is not a list",
                                list.source(),
                                other.type_name()
                            )));
                            continue;
                        }
                        Err(e) => {
                            out.push(Action::Warning(format!("each `{}`: {e}", list.source())));
                            continue;
                        }
                    };
                    let saved = self.vars.remove(var);
                    for element in elements.into_iter().take(limit.unwrap_or(usize::MAX)) {
                        self.vars.insert(var.clone(), element);
                        self.expand(items, r, out, depth + 1);
                    }
                    match saved {
                        Some(v) => self.vars.insert(var.clone(), v),
                        None => self.vars.remove(var),
                    };
                }
            }
        }
    }
}
