//! The uploaded target list: CSV text (RFC 4180: commas, fields in double quotes with `""`
//! for a quote, CRLF or LF line ends, a UTF-8 byte-order mark allowed) read into rows for
//! [`crate::numbers::import_targets`]. The header names the columns: `account` (or
//! `customer`, `户号`) and `number` (or `phone`, `电话`) are required; every other column is
//! kept as the target's data under its header. Rows are numbered by the line they start on,
//! as a spreadsheet shows them. A file that cannot be read as CSV (an unclosed quote, no
//! header, a required column missing) is refused whole, naming the line.

use std::collections::BTreeMap;

use crate::numbers::RawRow;

/// Why the file was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvError {
    pub line: usize,
    pub reason: String,
}

impl std::fmt::Display for CsvError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.reason)
    }
}

/// The records of `text`, each with the line it starts on; blank lines are skipped.
pub fn records(text: &str) -> Result<Vec<(usize, Vec<String>)>, CsvError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Vec::new();
    let mut line = 1;
    let mut chars = text.chars().peekable();
    while chars.peek().is_some() {
        let start = line;
        let mut fields = Vec::new();
        let mut field = String::new();
        let mut quoted_field = false;
        loop {
            match chars.next() {
                None => {
                    fields.push(std::mem::take(&mut field));
                    break;
                }
                Some('"') if field.is_empty() && !quoted_field => {
                    quoted_field = true;
                    // Inside quotes until the closing one.
                    loop {
                        match chars.next() {
                            None => {
                                return Err(CsvError {
                                    line: start,
                                    reason: "a quoted field is not closed".into(),
                                })
                            }
                            Some('"') if chars.peek() == Some(&'"') => {
                                chars.next();
                                field.push('"');
                            }
                            Some('"') => break,
                            Some(c) => {
                                if c == '\n' {
                                    line += 1;
                                }
                                field.push(c);
                            }
                        }
                    }
                }
                Some(',') => {
                    fields.push(std::mem::take(&mut field));
                    quoted_field = false;
                }
                Some('\r') if chars.peek() == Some(&'\n') => {}
                Some('\n') => {
                    line += 1;
                    fields.push(std::mem::take(&mut field));
                    break;
                }
                Some(c) => {
                    if quoted_field {
                        return Err(CsvError {
                            line,
                            reason: "text after a closing quote".into(),
                        });
                    }
                    field.push(c);
                }
            }
        }
        let blank = fields.len() == 1 && fields.first().is_some_and(|f| f.trim().is_empty());
        if !blank {
            out.push((start, fields));
        }
    }
    Ok(out)
}

const ACCOUNT: [&str; 4] = ["account", "customer", "户号", "account_no"];
const NUMBER: [&str; 4] = ["number", "phone", "电话", "mobile"];

/// The rows of a target list: the header's `account` and `number` columns, the others as data.
pub fn target_rows(text: &str) -> Result<Vec<RawRow>, CsvError> {
    let mut recs = records(text)?.into_iter();
    let Some((header_line, header)) = recs.next() else {
        return Err(CsvError {
            line: 1,
            reason: "empty: a header line (account,number,…) first".into(),
        });
    };
    let names: Vec<String> = header.iter().map(|h| h.trim().to_lowercase()).collect();
    let find = |options: &[&str]| names.iter().position(|n| options.contains(&n.as_str()));
    let missing = |what: &str| CsvError {
        line: header_line,
        reason: format!("the header has no {what} column"),
    };
    let account = find(&ACCOUNT).ok_or_else(|| missing("account"))?;
    let number = find(&NUMBER).ok_or_else(|| missing("number"))?;
    if let Some((i, n)) = names
        .iter()
        .enumerate()
        .find(|(i, n)| n.is_empty() || names.iter().take(*i).any(|earlier| earlier == *n))
    {
        return Err(CsvError {
            line: header_line,
            reason: format!("column {} has an empty or repeated name {n:?}", i + 1),
        });
    }
    Ok(recs
        .map(|(line, fields)| {
            let get = |i: usize| {
                fields
                    .get(i)
                    .map(|f| f.trim().to_string())
                    .unwrap_or_default()
            };
            let data: BTreeMap<String, String> = names
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != account && *i != number)
                .map(|(i, n)| (n.clone(), get(i)))
                .filter(|(_, v)| !v.is_empty())
                .collect();
            RawRow {
                row: line,
                customer: get(account),
                number: get(number),
                data,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_fields_line_ends_and_a_bom_are_read() {
        let text = "\u{feff}account,number,note\r\n1001,13800001111,\"a, b\"\r\n\r\n1002,\"139 0000 2222\",\"say \"\"hi\"\"\nthere\"\n1003,13700003333\n";
        let rows = target_rows(text).unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!((rows[0].row, rows[0].customer.as_str()), (2, "1001"));
        assert_eq!(rows[0].data["note"], "a, b");
        assert_eq!(rows[1].row, 4, "the line it starts on, after a blank line");
        assert_eq!(rows[1].number, "139 0000 2222");
        assert_eq!(rows[1].data["note"], "say \"hi\"\nthere");
        assert_eq!(rows[2].row, 6, "after a field spanning two lines");
        assert!(rows[2].data.is_empty(), "a missing column is no data");
    }

    #[test]
    fn chinese_headers_are_understood_and_extra_columns_kept() {
        let rows = target_rows("户号,电话,欠费\n1001,13800001111,207.00\n").unwrap();
        assert_eq!(rows[0].customer, "1001");
        assert_eq!(rows[0].data["欠费"], "207.00");
    }

    #[test]
    fn a_file_that_is_not_a_list_is_refused_with_its_line() {
        let e = |t: &str| target_rows(t).unwrap_err();
        assert_eq!(e("").line, 1);
        assert!(e("name,number\nx,1\n").reason.contains("account"));
        assert!(e("account,tel\n").reason.contains("number"));
        assert!(e("account,number,number\n").reason.contains("repeated"));
        assert!(e("account,number,\n").reason.contains("empty"));
        let open = e("account,number\n1,2\n3,\"4\n5,6\n");
        assert_eq!(
            (open.line, open.reason.as_str()),
            (3, "a quoted field is not closed")
        );
        let after = e("account,number\n1,\"2\"x\n");
        assert_eq!(after.line, 2);
    }

    #[test]
    fn any_text_reads_or_is_refused_without_panicking() {
        let pieces = [
            "\"", ",", "\n", "\r", "\r\n", "a", "户", "\"\"", " ", "\u{feff}",
        ];
        // Every sequence of up to four pieces.
        let mut stack: Vec<String> = vec![String::new()];
        for _ in 0..4 {
            let mut next = Vec::new();
            for s in &stack {
                for p in pieces {
                    let t = format!("{s}{p}");
                    let _ = records(&t);
                    let _ = target_rows(&format!("account,number\n{t}"));
                    next.push(t);
                }
            }
            stack = next;
        }
    }
}
