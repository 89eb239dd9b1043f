//! Phone numbers and target import: normalise and validate a number (digits with an optional
//! leading `+`, 3–20 digits; spaces, dashes, dots and brackets are dropped), optionally check
//! that it is plausible for mainland China, and turn rows (from a CSV upload or a store rule)
//! into targets, de-duplicated, with a report of the rows refused (row number and reason).

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use crate::model::{Target, TargetId};

/// Why a number is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NumberError {
    /// Nothing but separators.
    Empty,
    /// A character that is not a digit, a separator or a leading `+`.
    BadChar(char),
    /// Fewer than 3 digits.
    TooShort(usize),
    /// More than 20 digits.
    TooLong(usize),
    /// Not a mainland mobile (1[3-9] + 9 digits) or landline (0 + area code + number) number.
    NotMainland,
}

impl fmt::Display for NumberError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NumberError::Empty => f.write_str("no number"),
            NumberError::BadChar(c) => write!(f, "{c:?} is not allowed in a number"),
            NumberError::TooShort(n) => write!(f, "{n} digits, at least 3 needed"),
            NumberError::TooLong(n) => write!(f, "{n} digits, at most 20 allowed"),
            NumberError::NotMainland => {
                f.write_str("not a mainland China mobile or landline number")
            }
        }
    }
}

impl std::error::Error for NumberError {}

/// The number with separators (space, `-`, `.`, `(`, `)`) removed: digits, with a `+` kept
/// only at the start.
pub fn normalise(raw: &str) -> Result<String, NumberError> {
    let mut out = String::with_capacity(raw.len());
    let mut digits = 0usize;
    for (i, c) in raw.trim().chars().enumerate() {
        match c {
            '0'..='9' => {
                out.push(c);
                digits += 1;
            }
            '+' if i == 0 => out.push('+'),
            ' ' | '-' | '.' | '(' | ')' | '\u{3000}' => {}
            other => return Err(NumberError::BadChar(other)),
        }
    }
    match digits {
        0 => Err(NumberError::Empty),
        n if n < 3 => Err(NumberError::TooShort(n)),
        n if n > 20 => Err(NumberError::TooLong(n)),
        _ => Ok(out),
    }
}

/// Whether a normalised number is plausible in mainland China: a mobile (`1[3-9]` and 11
/// digits) or a landline (`0`, an area code and the number: 10–12 digits), optionally with
/// the country code `+86` / `0086` / `86` before a mobile or the landline without its `0`.
pub fn is_mainland_plausible(number: &str) -> bool {
    let national = if let Some(rest) = number.strip_prefix("+86") {
        rest
    } else if let Some(rest) = number.strip_prefix("0086") {
        rest
    } else if number.len() == 13 && number.starts_with("86") {
        number.get(2..).unwrap_or("")
    } else if number.starts_with('+') {
        return false;
    } else {
        number
    };
    let b = national.as_bytes();
    let mobile = b.len() == 11 && b.first() == Some(&b'1') && matches!(b.get(1), Some(b'3'..=b'9'));
    let landline =
        b.first() == Some(&b'0') && (10..=12).contains(&b.len()) && b.get(1) != Some(&b'0');
    // After a country code the landline's leading 0 is dropped.
    // (Beijing's area code is 10: the only one that starts with 1.)
    let intl_landline = national.len() != number.len()
        && ((b.first().is_some_and(|d| (b'2'..=b'9').contains(d)) && (9..=11).contains(&b.len()))
            || (national.starts_with("10") && b.len() == 10));
    mobile || landline || intl_landline
}

/// One row to import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRow {
    /// The row number reported back (e.g. the CSV line).
    pub row: usize,
    pub customer: String,
    pub number: String,
    /// Extra columns (amount due, months, district …), kept on the target.
    pub data: BTreeMap<String, String>,
}

impl RawRow {
    /// A row without extra columns.
    pub fn new(row: usize, customer: &str, number: &str) -> RawRow {
        RawRow {
            row,
            customer: customer.to_owned(),
            number: number.to_owned(),
            data: BTreeMap::new(),
        }
    }
}

/// Why a row was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowError {
    /// The customer column is empty.
    NoCustomer,
    /// The number is refused.
    Number(NumberError),
    /// The same number (normalised) is already on an earlier row.
    Duplicate { of_row: usize },
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RowError::NoCustomer => f.write_str("no customer"),
            RowError::Number(e) => write!(f, "bad number: {e}"),
            RowError::Duplicate { of_row } => write!(f, "duplicate of row {of_row}"),
        }
    }
}

/// A refused row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedRow {
    pub row: usize,
    pub reason: RowError,
}

/// Import options.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ImportOptions {
    /// Refuse numbers that are not plausible mainland numbers.
    pub mainland_only: bool,
    /// Id of the first target (then +1 for each accepted row).
    pub first_id: u64,
}

/// The import's outcome: the accepted targets (in row order) and the refused rows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImportReport {
    pub targets: Vec<Target>,
    pub rejected: Vec<RejectedRow>,
}

/// Validates and de-duplicates rows: each accepted row becomes a target with a normalised
/// number; a row whose number repeats an accepted row's is refused as a duplicate.
pub fn import_targets(rows: impl IntoIterator<Item = RawRow>, opts: ImportOptions) -> ImportReport {
    let mut report = ImportReport::default();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut next_id = opts.first_id;
    for row in rows {
        let customer = row.customer.trim();
        let refuse = |reason| RejectedRow {
            row: row.row,
            reason,
        };
        if customer.is_empty() {
            report.rejected.push(refuse(RowError::NoCustomer));
            continue;
        }
        let number = match normalise(&row.number) {
            Ok(n) => n,
            Err(e) => {
                report.rejected.push(refuse(RowError::Number(e)));
                continue;
            }
        };
        if opts.mainland_only && !is_mainland_plausible(&number) {
            report
                .rejected
                .push(refuse(RowError::Number(NumberError::NotMainland)));
            continue;
        }
        if let Some(first) = seen.get(&number) {
            report
                .rejected
                .push(refuse(RowError::Duplicate { of_row: *first }));
            continue;
        }
        seen.insert(number.clone(), row.row);
        report.targets.push(Target {
            id: TargetId(next_id),
            customer: customer.to_owned(),
            number,
            data: row.data,
        });
        next_id = next_id.saturating_add(1);
    }
    report
}
