//! The nodes that wait for the caller: `menu` (keypad keys, not repeated) and `collect`
//! (digit counts, terminator, timeouts, retries, a digit pattern compiled with small limits,
//! read-back confirmation).

use super::compile::Ctx;
use super::errors::{pos, Pos};
use crate::flow::{Collect, Confirm, Menu, NodeIdx, Pattern};
use crate::model::{self, Key, Text};
use crate::say::SayAs;

const MAX_RETRIES: i64 = 10;
const MAX_DIGITS: i64 = 64;
const MAX_PATTERN_LEN: usize = 200;

impl Ctx<'_> {
    pub(crate) fn menu(&mut self, m: &model::Menu, at: Pos) -> Option<Menu> {
        let prompts = self.prompts(&m.prompts);
        if m.keys.is_empty() {
            self.err(at, "a menu needs at least one key in `keys`");
        }
        let mut keys: Option<Vec<(char, NodeIdx)>> = Some(Vec::new());
        let mut seen = Vec::new();
        for (key, to) in &m.keys {
            let k = self.key(key, &mut seen);
            let t = self.target(to);
            match (&mut keys, k, t) {
                (Some(list), Some(k), Some(t)) => list.push((k, t)),
                _ => keys = None,
            }
        }
        let timeout = self.duration(&m.timeout, "timeout", 5_000);
        let retries = self.number(&m.retries, "retries", 2, 0, MAX_RETRIES);
        let invalid = self.prompts_or_default(&m.invalid, "invalid", "invalid_input", at);
        let no_input = self.prompts_or_default(&m.no_input, "no_input", "no_input", at);
        let fallback = self.target(&m.fallback);
        Some(Menu {
            prompts: prompts?,
            keys: keys?,
            timeout_ms: timeout?,
            retries: u32::try_from(retries?).ok()?,
            invalid: invalid?,
            no_input: no_input?,
            fallback: fallback?,
        })
    }

    /// A keypad key of a menu, not repeated.
    fn key(&mut self, key: &Key, seen: &mut Vec<char>) -> Option<char> {
        let at = pos(&key.location());
        let s = key.as_str();
        let mut chars = s.chars();
        let c = match (chars.next(), chars.next()) {
            (Some(c), None) if c.is_ascii_digit() || c == '*' || c == '#' => c,
            _ => {
                self.err(at, format!("`{s}` is not a keypad key (0-9, *, #)"));
                return None;
            }
        };
        if seen.contains(&c) {
            self.err(at, format!("key `{c}` is listed twice"));
            return None;
        }
        seen.push(c);
        Some(c)
    }

    pub(crate) fn collect(&mut self, c: &model::Collect, at: Pos) -> Option<Collect> {
        let prompts = self.prompts(&c.prompts);
        let into = self.var_name(&c.into);
        let min = self.number(&c.min, "min", 1, 0, MAX_DIGITS);
        let max = self.number(&c.max, "max", 20, 1, MAX_DIGITS);
        if let (Some(lo), Some(hi)) = (min, max) {
            if lo > hi {
                let p = c.min.as_ref().map(|m| pos(&m.referenced)).unwrap_or(at);
                self.err(p, format!("`min` ({lo}) is more than `max` ({hi})"));
            }
        }
        let terminator = match &c.terminator {
            None => Some(Some('#')),
            Some(t) => match t.value.as_str() {
                "#" => Some(Some('#')),
                "*" => Some(Some('*')),
                "none" => Some(None),
                other => {
                    self.err(
                        pos(&t.referenced),
                        format!("`terminator` is `#`, `*` or `none`, not `{other}`"),
                    );
                    None
                }
            },
        };
        let first = self.duration(&c.first_timeout, "first_timeout", 8_000);
        let inter = self.duration(&c.inter_timeout, "inter_timeout", 4_000);
        let pattern = match &c.pattern {
            None => Some(None),
            Some(p) => self.pattern(p).map(Some),
        };
        let retries = self.number(&c.retries, "retries", 2, 0, MAX_RETRIES);
        let invalid = self.prompts_or_default(&c.invalid, "invalid", "invalid_input", at);
        let no_input = self.prompts_or_default(&c.no_input, "no_input", "no_input", at);
        let confirm = match &c.confirm {
            None => Some(None),
            Some(cf) => self.confirm(cf, at).map(Some),
        };
        let next = self.target(&c.next);
        let fallback = self.target(&c.fallback);
        let (min, max) = (usize::try_from(min?).ok()?, usize::try_from(max?).ok()?);
        if min > max {
            return None;
        }
        Some(Collect {
            prompts: prompts?,
            into: into?,
            min,
            max,
            terminator: terminator?,
            first_timeout_ms: first?,
            inter_timeout_ms: inter?,
            pattern: pattern?,
            retries: u32::try_from(retries?).ok()?,
            invalid: invalid?,
            no_input: no_input?,
            confirm: confirm?,
            next: next?,
            fallback: fallback?,
        })
    }

    fn confirm(&mut self, c: &model::Confirm, at: Pos) -> Option<Confirm> {
        let prompts = match &c.prompts {
            Some(p) => self.prompts(p),
            None => Some(Vec::new()),
        };
        let say_as = match &c.as_ {
            None => Some(SayAs::Digits),
            Some(t) => match t.value.as_str() {
                "digits" => Some(SayAs::Digits),
                "number" => Some(SayAs::Number),
                other => {
                    self.err(
                        pos(&t.referenced),
                        format!("`confirm.as` is `digits` or `number`, not `{other}`"),
                    );
                    None
                }
            },
        };
        let ask = self.prompts_or_default(&c.ask, "ask", "press_1_confirm_2_retry", at);
        Some(Confirm {
            prompts: prompts?,
            say_as: say_as?,
            ask: ask?,
        })
    }

    /// A digit pattern: only keypad characters and regular-expression operators, compiled
    /// anchored with small size and nesting limits.
    fn pattern(&mut self, p: &Text) -> Option<Pattern> {
        let at = pos(&p.referenced);
        let src = p.value.as_str();
        if src.is_empty() || src.len() > MAX_PATTERN_LEN {
            self.err(
                at,
                format!("`pattern` must have 1 to {MAX_PATTERN_LEN} characters"),
            );
            return None;
        }
        if let Some(bad) = pattern_stray_char(src) {
            self.err(
                at,
                format!("`pattern` may only match digits, `*` and `#` (found `{bad}`)"),
            );
            return None;
        }
        let regex = regex::RegexBuilder::new(&format!("^(?:{src})$"))
            .size_limit(64 * 1024)
            .dfa_size_limit(256 * 1024)
            .nest_limit(16)
            .build();
        match regex {
            Ok(regex) => Some(Pattern {
                source: src.to_owned(),
                regex,
            }),
            Err(e) => {
                let why = e.to_string();
                let why = why.lines().last().unwrap_or("").trim();
                self.err(
                    at,
                    format!("`pattern` is not a valid regular expression: {why}"),
                );
                None
            }
        }
    }
}

/// The first character of a digit pattern that is neither a keypad character nor a
/// regular-expression operator (letters only after `\` for `\d`).
fn pattern_stray_char(src: &str) -> Option<char> {
    let mut escaped = false;
    for c in src.chars() {
        let ok = if escaped {
            c == 'd' || "*#+?.()[]{}|^$-\\".contains(c)
        } else {
            c.is_ascii_digit() || "*#+?.()[]{}|^$-,:\\".contains(c)
        };
        if !ok {
            return Some(c);
        }
        escaped = !escaped && c == '\\';
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pattern_characters() {
        assert_eq!(pattern_stray_char(r"\d{6,10}"), None);
        assert_eq!(pattern_stray_char(r"(1|2)[0-9*#]+"), None);
        assert_eq!(pattern_stray_char(r"[a-z]"), Some('a'));
        assert_eq!(pattern_stray_char(r"\w"), Some('w'));
        assert_eq!(pattern_stray_char("(?i)1"), Some('i'));
    }
}
