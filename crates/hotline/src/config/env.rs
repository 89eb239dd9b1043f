//! Environment overrides: `HOTLINE_<PATH>` sets the key at `<PATH>` (the dotted key in upper
//! case, dots as `_`), e.g. `HOTLINE_SIP_REGISTRAR_MIN_EXPIRES=120`.
//!
//! The keys are not listed here: they are the leaves of the default configuration's TOML
//! tree, and an override is converted to the TOML type of the default at its path before it is
//! written into the parsed file's tree. Lists are comma-separated (`""` = empty list); the user
//! list is `HOTLINE_SIP_USERS="1001:secret,1002:pw2"`. A `HOTLINE_*` variable that names no
//! key is an error, unless it is in [`ENV_ALLOWLIST`] or starts with one of
//! [`ENV_ALLOWLIST_PREFIXES`].

use toml::{Table, Value};

use super::{Config, ConfigError, Issue};

/// Every override starts with this.
pub const ENV_PREFIX: &str = "HOTLINE_";

/// `HOTLINE_*` variables that are not configuration keys: `HOTLINE_CONFIG` (the `--config`
/// path, read by the CLI), `HOTLINE_BIN` (the binary the test harness starts),
/// `HOTLINE_AGENT_PASSWORD` (read by `hotline agent add`) and the recording keys
/// `HOTLINE_RECORDING_KEY` and `HOTLINE_RECORDING_KEYS_OLD`, or the files
/// `HOTLINE_RECORDING_KEY_FILE` and `HOTLINE_RECORDING_KEYS_OLD_FILE` holding them (read by
/// `serve`, `config check` and `recordings rekey` through [`crate::recording_keys`]; secrets,
/// kept out of the configuration).
pub const ENV_ALLOWLIST: &[&str] = &[
    "HOTLINE_CONFIG",
    "HOTLINE_BIN",
    "HOTLINE_AGENT_PASSWORD",
    crate::recording_keys::KEY_VAR,
    crate::recording_keys::OLD_KEYS_VAR,
    crate::recording_keys::KEY_FILE_VAR,
    crate::recording_keys::OLD_KEYS_FILE_VAR,
];

/// Prefixes of variables kept for the test, benchmark and interop tooling, which run the
/// engine in environments that carry them (e.g. `HOTLINE_TEST_PG`, `HOTLINE_BENCH_PORT`).
pub const ENV_ALLOWLIST_PREFIXES: &[&str] =
    &["HOTLINE_TEST_", "HOTLINE_BENCH_", "HOTLINE_INTEROP_"];

/// The path whose value is a list of tables, set from `user:password` pairs.
const USERS: [&str; 2] = ["sip", "users"];

/// The path whose value is a table of tables (ticket kinds), set in the file only.
pub(super) const KINDS: [&str; 2] = ["tickets", "kinds"];
/// The queues, an array of tables, set in the file only.
pub(super) const QUEUES: [&str; 2] = ["acd", "queues"];

/// One overridable key: a leaf of the default tree.
#[derive(Debug, Clone)]
pub(super) struct Key {
    pub path: Vec<String>,
    pub var: String,
    pub default: Value,
}

/// An override that was applied: which variable set which key.
#[derive(Debug, Clone)]
pub(super) struct Applied {
    pub path: Vec<String>,
    pub var: String,
}

/// The environment variable for a dotted key path.
pub(super) fn var_name(path: &[String]) -> String {
    format!("{ENV_PREFIX}{}", path.join("_").to_ascii_uppercase())
}

/// The default configuration as a TOML tree.
pub(super) fn default_tree() -> Result<Table, ConfigError> {
    Table::try_from(Config::default())
        .map_err(|e| ConfigError::one(None, None, format!("internal: default configuration: {e}")))
}

/// Every key of the configuration, in the default tree's (alphabetical) order.
pub(super) fn keys() -> Result<Vec<Key>, ConfigError> {
    fn walk(table: &Table, prefix: &mut Vec<String>, out: &mut Vec<Key>) {
        for (name, value) in table {
            prefix.push(name.clone());
            match value {
                // Ticket kinds are a table of tables, set in the file only.
                Value::Table(_) if prefix.as_slice() == KINDS => {}
                Value::Array(_) if prefix.as_slice() == QUEUES => {}
                Value::Table(t) => walk(t, prefix, out),
                leaf => out.push(Key {
                    path: prefix.clone(),
                    var: var_name(prefix),
                    default: leaf.clone(),
                }),
            }
            prefix.pop();
        }
    }
    let mut out = Vec::new();
    walk(&default_tree()?, &mut Vec::new(), &mut out);
    Ok(out)
}

/// Is this a variable the configuration ignores on purpose?
fn allowlisted(var: &str) -> bool {
    ENV_ALLOWLIST.contains(&var) || ENV_ALLOWLIST_PREFIXES.iter().any(|p| var.starts_with(p))
}

/// Writes the `HOTLINE_*` variables of `env` into `tree`. Returns what was applied, or every
/// bad or unknown variable.
pub(super) fn apply(
    tree: &mut Table,
    env: impl IntoIterator<Item = (String, String)>,
) -> Result<Vec<Applied>, ConfigError> {
    let keys = keys()?;
    let mut vars: Vec<(String, String)> = env
        .into_iter()
        .filter(|(name, _)| name.starts_with(ENV_PREFIX) && !allowlisted(name))
        .collect();
    vars.sort();
    let mut applied = Vec::new();
    let mut issues = Vec::new();
    for (var, raw) in vars {
        let Some(key) = keys.iter().find(|k| k.var == var) else {
            if var == "HOTLINE_HTTP_UTC_OFFSET_MINS" {
                issues.push(Issue {
                    origin: Some(var),
                    key: Some("http.utc_offset_mins".into()),
                    message: format!(
                        "{} (HOTLINE_CENTRE_TIME_ZONE)",
                        super::validate::RETIRED_UTC_OFFSET
                    ),
                });
                continue;
            }
            let mut message = "matches no configuration key".to_string();
            if let Some(close) = nearest(&var, &keys) {
                message.push_str(&format!(" (did you mean {close}?)"));
            }
            issues.push(Issue {
                origin: Some(var),
                key: None,
                message,
            });
            continue;
        };
        match convert(key, &raw) {
            Ok(value) => {
                set(tree, &key.path, value);
                applied.push(Applied {
                    path: key.path.clone(),
                    var,
                });
            }
            Err(message) => issues.push(Issue {
                origin: Some(var),
                key: Some(key.path.join(".")),
                message,
            }),
        }
    }
    if issues.is_empty() {
        Ok(applied)
    } else {
        Err(ConfigError { issues })
    }
}

/// The variable's text as a TOML value of the default's type. Range and meaning are checked
/// later, by deserializing and validating, like a value from the file.
fn convert(key: &Key, raw: &str) -> Result<Value, String> {
    if key.path == USERS {
        return users(raw);
    }
    match &key.default {
        Value::String(_) => Ok(Value::String(raw.to_string())),
        Value::Integer(_) => raw
            .trim()
            .parse::<i64>()
            .map(Value::Integer)
            .map_err(|e| format!("invalid integer {raw:?}: {e}")),
        Value::Float(_) => raw
            .trim()
            .parse::<f64>()
            .map(Value::Float)
            .map_err(|e| format!("invalid number {raw:?}: {e}")),
        Value::Boolean(_) => match raw.trim().to_ascii_lowercase().as_str() {
            "true" => Ok(Value::Boolean(true)),
            "false" => Ok(Value::Boolean(false)),
            _ => Err(format!("invalid boolean {raw:?}: expected true or false")),
        },
        Value::Array(_) => Ok(Value::Array(
            list(raw).map(|s| Value::String(s.to_string())).collect(),
        )),
        Value::Datetime(_) | Value::Table(_) => {
            Err("cannot be set from the environment".to_string())
        }
    }
}

/// Comma-separated items, trimmed, empty ones dropped (so `""` is the empty list).
fn list(raw: &str) -> impl Iterator<Item = &str> {
    raw.split(',').map(str::trim).filter(|s| !s.is_empty())
}

/// `"1001:secret,1002:pw2"` as `[[sip.users]]` tables. Passwords are never echoed.
fn users(raw: &str) -> Result<Value, String> {
    let mut out = Vec::new();
    for (i, item) in list(raw).enumerate() {
        let Some((name, password)) = item.split_once(':') else {
            return Err(format!(
                "entry {} is not username:password (entries are comma-separated)",
                i + 1
            ));
        };
        let mut user = Table::new();
        user.insert("username".into(), Value::String(name.trim().to_string()));
        user.insert("password".into(), Value::String(password.to_string()));
        out.push(Value::Table(user));
    }
    Ok(Value::Array(out))
}

/// Puts `value` at `path`, making the tables on the way. Where the file has a non-table in
/// the way, it is left alone: deserializing then reports the file's mistake.
fn set(tree: &mut Table, path: &[String], value: Value) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut table = tree;
    for name in parents {
        let entry = table
            .entry(name.clone())
            .or_insert_with(|| Value::Table(Table::new()));
        let Value::Table(inner) = entry else {
            return;
        };
        table = inner;
    }
    table.insert(last.clone(), value);
}

/// The known variable closest to a misspelt one, if any is close.
fn nearest<'a>(var: &str, keys: &'a [Key]) -> Option<&'a str> {
    keys.iter()
        .map(|k| {
            (
                hotline_core::spelling::edit_distance(var, &k.var),
                k.var.as_str(),
            )
        })
        .filter(|(d, _)| *d <= 3)
        .min_by_key(|(d, _)| *d)
        .map(|(_, v)| v)
}

/// This process's `HOTLINE_*` variables, for [`Config::load`]. Other variables are left out;
/// a `HOTLINE_*` variable whose name or value is not UTF-8 is an error.
pub fn process_env() -> Result<Vec<(String, String)>, ConfigError> {
    let mut out = Vec::new();
    let mut issues = Vec::new();
    for (name, value) in std::env::vars_os() {
        let name = match name.into_string() {
            Ok(n) => n,
            Err(raw) => {
                if raw.to_string_lossy().starts_with(ENV_PREFIX) {
                    issues.push(Issue {
                        origin: Some(raw.to_string_lossy().into_owned()),
                        key: None,
                        message: "variable name is not valid UTF-8".into(),
                    });
                }
                continue;
            }
        };
        if !name.starts_with(ENV_PREFIX) {
            continue;
        }
        match value.into_string() {
            Ok(v) => out.push((name, v)),
            Err(_) => issues.push(Issue {
                origin: Some(name),
                key: None,
                message: "value is not valid UTF-8".into(),
            }),
        }
    }
    if issues.is_empty() {
        Ok(out)
    } else {
        Err(ConfigError { issues })
    }
}
