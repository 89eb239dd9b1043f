//! Reading a configuration: file (or defaults) → TOML tree → environment overrides →
//! [`Config`] → validation, with every error traced back to the file position or the
//! environment variable that supplied the bad value.

use std::ops::Range;
use std::path::Path;

use toml::de::{DeTable, DeValue};
use toml::{Spanned, Table};

use super::env::{self, Applied};
use super::{validate, Config, ConfigError, Issue, DEFAULT_FILE};

/// A loaded, valid configuration and how it came about.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub config: Config,
    /// Where it came from: the file name or "built-in defaults", and the overriding
    /// environment variables, e.g. `hotline.toml + HOTLINE_LOG_LEVEL`.
    pub source: String,
    /// Settings that work but are probably not what was meant.
    pub warnings: Vec<Issue>,
}

impl Config {
    /// Loads the configuration from `path` (which must exist) or, when `None`, from
    /// `hotline.toml` in the current directory if there is one, else from the built-in
    /// defaults; then applies the `HOTLINE_*` variables of `env` and validates the result.
    pub fn load(
        path: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        Self::load_from(path, env).map(|l| l.config)
    }

    /// [`Config::load`], also telling where the configuration came from and any warnings.
    pub fn load_from(
        path: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Loaded, ConfigError> {
        let path = match path {
            Some(p) => Some(p),
            None => Some(Path::new(DEFAULT_FILE)).filter(|p| p.exists()),
        };
        match path {
            Some(p) => {
                let name = p.display().to_string();
                let text = std::fs::read_to_string(p).map_err(|e| {
                    ConfigError::one(Some(name.clone()), None, format!("cannot read: {e}"))
                })?;
                Self::parse(&text, Some(&name), env)
            }
            None => Self::parse("", None, env),
        }
    }

    /// Loads from TOML text; `file` names it in errors (`None`: built-in defaults).
    pub fn parse(
        text: &str,
        file: Option<&str>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Loaded, ConfigError> {
        let spans =
            DeTable::parse(text).map_err(|e| syntax_error(text, file, e.span(), e.message()))?;
        let mut tree: Table =
            toml::from_str(text).map_err(|e| syntax_error(text, file, e.span(), e.message()))?;
        let applied = env::apply(&mut tree, env)?;
        let origins = Origins {
            text,
            file,
            spans: &spans,
            applied: &applied,
        };
        let config: Config =
            serde_path_to_error::deserialize(toml::Value::Table(tree)).map_err(|e| {
                let path = from_serde_path(e.path());
                let message = one_line(e.inner().message());
                ConfigError {
                    issues: vec![origins.issue(&path, message)],
                }
            })?;
        let findings = validate::check(&config);
        let located = |list: Vec<(String, String)>| -> Vec<Issue> {
            list.into_iter()
                .map(|(key, message)| origins.issue(&parse_path(&key), message))
                .collect()
        };
        let errors = located(findings.errors);
        if !errors.is_empty() {
            return Err(ConfigError { issues: errors });
        }
        let mut source = file.unwrap_or("built-in defaults").to_string();
        for a in &applied {
            source.push_str(" + ");
            source.push_str(&a.var);
        }
        Ok(Loaded {
            config,
            source,
            warnings: located(findings.warnings),
        })
    }
}

/// One step of a key path: a table key or an array index.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Seg {
    Key(String),
    Index(usize),
}

/// `sip.users[1].username` → `[sip, users, 1, username]`.
pub(super) fn parse_path(dotted: &str) -> Vec<Seg> {
    let mut out = Vec::new();
    for part in dotted.split('.') {
        let mut rest = part;
        if let Some(i) = rest.find('[') {
            out.push(Seg::Key(rest[..i].to_string()));
            rest = &rest[i..];
            while let Some(inner) = rest.strip_prefix('[') {
                let Some(end) = inner.find(']') else { break };
                if let Ok(n) = inner[..end].parse() {
                    out.push(Seg::Index(n));
                }
                rest = &inner[end + 1..];
            }
        } else {
            out.push(Seg::Key(rest.to_string()));
        }
    }
    out
}

fn from_serde_path(path: &serde_path_to_error::Path) -> Vec<Seg> {
    use serde_path_to_error::Segment;
    let mut out = Vec::new();
    for seg in path {
        match seg {
            Segment::Seq { index } => out.push(Seg::Index(*index)),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                out.push(Seg::Key(key.clone()))
            }
            Segment::Unknown => break,
        }
    }
    out
}

/// `[sip, users, 1, username]` → `sip.users[1].username`.
fn display_path(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Seg::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

fn one_line(message: &str) -> String {
    message.trim().replace('\n', "; ")
}

fn syntax_error(
    text: &str,
    file: Option<&str>,
    span: Option<Range<usize>>,
    message: &str,
) -> ConfigError {
    let file = file.unwrap_or(DEFAULT_FILE);
    let origin = match span {
        Some(span) => position(file, text, span.start),
        None => file.to_string(),
    };
    ConfigError::one(Some(origin), None, one_line(message))
}

/// `file:line:column` of a byte offset (both 1-based, column in characters).
fn position(file: &str, text: &str, offset: usize) -> String {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    format!("{file}:{line}:{column}")
}

/// What is needed to say where a key's value came from.
struct Origins<'a, 'i> {
    text: &'a str,
    file: Option<&'a str>,
    spans: &'a Spanned<DeTable<'i>>,
    applied: &'a [Applied],
}

impl Origins<'_, '_> {
    fn issue(&self, path: &[Seg], message: String) -> Issue {
        Issue {
            origin: self.origin(path),
            key: Some(display_path(path)).filter(|k| !k.is_empty()),
            message,
        }
    }

    /// The environment variable that set `path` (or a table or list containing it), else the
    /// file position of the deepest part of `path` the file has, else the file name; `None`
    /// when the value is a built-in default.
    fn origin(&self, path: &[Seg]) -> Option<String> {
        let keys: Vec<&str> = path
            .iter()
            .map_while(|s| match s {
                Seg::Key(k) => Some(k.as_str()),
                Seg::Index(_) => None,
            })
            .collect();
        let by_env = self
            .applied
            .iter()
            .filter(|a| a.path.len() <= keys.len() && a.path.iter().zip(&keys).all(|(a, b)| a == b))
            .max_by_key(|a| a.path.len());
        if let Some(a) = by_env {
            return Some(a.var.clone());
        }
        let file = self.file?;
        match find_span(self.spans.get_ref(), path) {
            Some(span) => Some(position(file, self.text, span.start)),
            None => Some(file.to_string()),
        }
    }
}

/// The span of the deepest part of `path` present in the file: a scalar's or array element's
/// value, or a table's key.
fn find_span(root: &DeTable<'_>, path: &[Seg]) -> Option<Range<usize>> {
    let mut best = None;
    let mut table = Some(root);
    let mut value: Option<&DeValue<'_>> = None;
    for seg in path {
        let next = match seg {
            Seg::Key(k) => table.and_then(|t| {
                t.iter()
                    .find(|(name, _)| name.get_ref().as_ref() == k.as_str())
                    .map(|(name, v)| match v.get_ref() {
                        DeValue::Table(_) | DeValue::Array(_) => (name.span(), v),
                        _ => (v.span(), v),
                    })
            }),
            Seg::Index(i) => match value {
                Some(DeValue::Array(items)) => items.get(*i).map(|v| (v.span(), v)),
                _ => None,
            },
        };
        let Some((span, v)) = next else { break };
        best = Some(span);
        value = Some(v.get_ref());
        table = match v.get_ref() {
            DeValue::Table(t) => Some(t),
            _ => None,
        };
    }
    best
}
