//! Dial rules: which outside numbers the engine dials for an agent (the desk's dial pad and
//! click-to-call, a consultation or transfer to a number, a softphone's REFER), by the
//! agent's role. Toll fraud and mistakes stop here: emergency, premium-rate and international
//! numbers are refused unless the role is allowed that class, and any other number must match
//! one of the role's patterns. Pure: a number and a role in, a verdict out.
//!
//! Patterns are written as dial plans are (Asterisk's notation): digits match themselves, `X`
//! any digit, `Z` 1–9, `N` 2–9, `[1-5]` or `[358]` a set, `+` a plus; a final `.` matches one
//! or more further characters and a final `!` zero or more. A pattern matches the whole
//! number.

use std::collections::BTreeMap;
use std::fmt;

/// One element of a pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Char(u8),
    /// A set of allowed bytes (digit classes and brackets).
    Set(Vec<u8>),
}

/// A dial pattern (see the module documentation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    text: String,
    toks: Vec<Tok>,
    /// `.`: at least one more character; `!`: any more.
    rest: Option<usize>,
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Pattern {
    /// Parses a pattern; the error says what is wrong.
    pub fn parse(text: &str) -> Result<Pattern, String> {
        let mut toks = Vec::new();
        let mut rest = None;
        let bytes = text.as_bytes();
        let mut i = 0;
        while let Some(&b) = bytes.get(i) {
            i += 1;
            let tok = match b {
                b'0'..=b'9' | b'+' | b'*' | b'#' => Tok::Char(b),
                b'X' | b'x' => Tok::Set((b'0'..=b'9').collect()),
                b'Z' | b'z' => Tok::Set((b'1'..=b'9').collect()),
                b'N' | b'n' => Tok::Set((b'2'..=b'9').collect()),
                b'.' | b'!' if i == bytes.len() => {
                    rest = Some(usize::from(b == b'.'));
                    continue;
                }
                b'.' | b'!' => return Err(format!("`{text}`: `.` and `!` only at the end")),
                b'[' => {
                    let close = bytes
                        .get(i..)
                        .and_then(|r| r.iter().position(|&c| c == b']'))
                        .ok_or_else(|| format!("`{text}`: `[` without `]`"))?;
                    let inner = bytes.get(i..i + close).unwrap_or_default();
                    i += close + 1;
                    Tok::Set(set_of(inner).map_err(|e| format!("`{text}`: {e}"))?)
                }
                other => {
                    return Err(format!(
                        "`{text}`: `{}` is not digits, X, Z, N, [..], . or !",
                        char::from(other)
                    ))
                }
            };
            toks.push(tok);
        }
        if toks.is_empty() {
            return Err(format!("`{text}`: an empty pattern"));
        }
        Ok(Pattern {
            text: text.to_string(),
            toks,
            rest,
        })
    }

    /// Whether the whole of `number` matches.
    pub fn matches(&self, number: &str) -> bool {
        let b = number.as_bytes();
        if b.len() < self.toks.len() {
            return false;
        }
        let head = self.toks.iter().zip(b).all(|(t, c)| match t {
            Tok::Char(x) => x == c,
            Tok::Set(s) => s.contains(c),
        });
        let extra = b.len() - self.toks.len();
        head && match self.rest {
            None => extra == 0,
            Some(min) => extra >= min,
        }
    }
}

/// The bytes of a bracket set: digits and ranges `a-b`.
fn set_of(inner: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&c) = inner.get(i) {
        if !c.is_ascii_digit() {
            return Err(format!("`{}` in a set", char::from(c)));
        }
        match (inner.get(i + 1), inner.get(i + 2)) {
            (Some(b'-'), Some(&end)) if end.is_ascii_digit() && end >= c => {
                out.extend(c..=end);
                i += 3;
            }
            (Some(b'-'), _) => return Err("a bad range in a set".into()),
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    if out.is_empty() {
        return Err("an empty set".into());
    }
    Ok(out)
}

/// The classes of number no role dials unless allowed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Class {
    Emergency,
    Premium,
    International,
}

impl Class {
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Emergency => "emergency",
            Class::Premium => "premium",
            Class::International => "international",
        }
    }

    pub fn parse(s: &str) -> Option<Class> {
        [Class::Emergency, Class::Premium, Class::International]
            .into_iter()
            .find(|c| c.as_str() == s)
    }
}

/// Why a number was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The number is of a class the role may not dial.
    Class(Class),
    /// No pattern of the role matches (`role` names it).
    NotAllowed { role: String },
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Class(c) => write!(f, "{} numbers may not be dialled", c.as_str()),
            Refusal::NotAllowed { role } => {
                write!(f, "the dial rules of role {role} do not allow this number")
            }
        }
    }
}

/// The rules in force.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DialRules {
    /// Per class, the patterns that make a number of that class.
    pub classes: BTreeMap<Class, Vec<Pattern>>,
    /// Per role, the patterns it may dial.
    pub allowed: BTreeMap<String, Vec<Pattern>>,
    /// Per role, the classes it may dial anyway.
    pub allowed_classes: BTreeMap<String, Vec<Class>>,
}

impl DialRules {
    /// Whether `role` may dial `number` (as typed: a leading `+` is international).
    pub fn check(&self, role: &str, number: &str) -> Result<(), Refusal> {
        let may = |c: Class| {
            self.allowed_classes
                .get(role)
                .is_some_and(|cs| cs.contains(&c))
        };
        let number = number.trim();
        for (class, patterns) in &self.classes {
            let of_class = patterns.iter().any(|p| p.matches(number))
                || (*class == Class::International && number.starts_with('+'));
            if of_class {
                return if may(*class) {
                    Ok(())
                } else {
                    Err(Refusal::Class(*class))
                };
            }
        }
        let allowed = self
            .allowed
            .get(role)
            .is_some_and(|ps| ps.iter().any(|p| p.matches(number)));
        if allowed {
            Ok(())
        } else {
            Err(Refusal::NotAllowed {
                role: role.to_string(),
            })
        }
    }
}

#[cfg(test)]
mod tests;
