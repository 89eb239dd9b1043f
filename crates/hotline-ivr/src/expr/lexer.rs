//! The lexer: turns an expression's characters into tokens, one at a time (so errors come
//! in source order), each with its start and end as character offsets.

use super::ExprError;

/// What a token is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    Ident(String),
    /// An integer literal: a plain number.
    Int(i64),
    /// A decimal literal: money in fen (`12.5` is 1250).
    Money(i64),
    Str(String),
    True,
    False,
    Null,
    And,
    Or,
    Not,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Plus,
    Minus,
    LParen,
    RParen,
    Comma,
    Dot,
    End,
}

/// A token and where it is: `start..end` in characters.
#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub tok: Tok,
    pub start: usize,
    pub end: usize,
}

pub(crate) struct Lexer<'a> {
    chars: &'a [char],
    pos: usize,
}

fn err(offset: usize, message: impl Into<String>) -> ExprError {
    ExprError {
        offset,
        message: message.into(),
    }
}

/// The error of a text whose opening `quote` at `start` is never closed.
pub(crate) fn unclosed(start: usize, quote: char) -> ExprError {
    err(
        start,
        format!("unclosed string: the text started here has no closing `{quote}`"),
    )
}

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

impl<'a> Lexer<'a> {
    pub fn new(chars: &'a [char]) -> Lexer<'a> {
        Lexer { chars, pos: 0 }
    }

    fn peek_at(&self, i: usize) -> Option<char> {
        self.chars.get(i).copied()
    }

    /// The next token; `Tok::End` at the end (and again after it).
    pub fn next_token(&mut self) -> Result<Token, ExprError> {
        while self.peek_at(self.pos).is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
        let start = self.pos;
        let Some(c) = self.peek_at(start) else {
            return Ok(Token {
                tok: Tok::End,
                start,
                end: start,
            });
        };
        let next = self.peek_at(start + 1);
        let (tok, len) = match (c, next) {
            _ if is_ident_start(c) => return Ok(self.word()),
            _ if c.is_ascii_digit() => return self.number(),
            ('"' | '\'', _) => return self.string(c),
            ('=', Some('=')) => (Tok::Eq, 2),
            ('!', Some('=')) => (Tok::Ne, 2),
            ('<', Some('=')) => (Tok::Le, 2),
            ('>', Some('=')) => (Tok::Ge, 2),
            ('&', Some('&')) => (Tok::And, 2),
            ('|', Some('|')) => (Tok::Or, 2),
            ('!', _) => (Tok::Not, 1),
            ('<', _) => (Tok::Lt, 1),
            ('>', _) => (Tok::Gt, 1),
            ('+', _) => (Tok::Plus, 1),
            ('-', _) => (Tok::Minus, 1),
            ('(', _) => (Tok::LParen, 1),
            (')', _) => (Tok::RParen, 1),
            (',', _) => (Tok::Comma, 1),
            ('.', _) => (Tok::Dot, 1),
            ('=', _) => return Err(err(start, "`=` alone is not a comparison: write `==`")),
            ('&', _) => return Err(err(start, "`&` alone means nothing: write `and` or `&&`")),
            ('|', _) => return Err(err(start, "`|` alone means nothing: write `or` or `||`")),
            _ => return Err(err(start, format!("unexpected character `{c}`"))),
        };
        self.pos += len;
        Ok(Token {
            tok,
            start,
            end: self.pos,
        })
    }

    /// An identifier or a keyword.
    fn word(&mut self) -> Token {
        let start = self.pos;
        while self.peek_at(self.pos).is_some_and(is_ident_char) {
            self.pos += 1;
        }
        let text: String = self
            .chars
            .get(start..self.pos)
            .unwrap_or_default()
            .iter()
            .collect();
        let tok = match text.as_str() {
            "true" => Tok::True,
            "false" => Tok::False,
            "null" => Tok::Null,
            "and" => Tok::And,
            "or" => Tok::Or,
            "not" => Tok::Not,
            _ => Tok::Ident(text),
        };
        Token {
            tok,
            start,
            end: self.pos,
        }
    }

    /// Consumes a run of ASCII digits, returning their value (`None` on overflow) and count.
    fn digits(&mut self) -> (Option<i64>, usize) {
        let mut value: Option<i64> = Some(0);
        let mut count = 0;
        while let Some(d) = self.peek_at(self.pos).and_then(|c| c.to_digit(10)) {
            value = value
                .and_then(|v| v.checked_mul(10))
                .and_then(|v| v.checked_add(i64::from(d)));
            self.pos += 1;
            count += 1;
        }
        (value, count)
    }

    /// `42` (a number) or `12.5` (money in yuan, at most two decimals).
    fn number(&mut self) -> Result<Token, ExprError> {
        let start = self.pos;
        let too_large = || err(start, "this number is too large");
        let (whole, _) = self.digits();
        let whole = whole.ok_or_else(too_large)?;
        let tok = if self.peek_at(self.pos) == Some('.') {
            let dot = self.pos;
            self.pos += 1;
            let frac_start = self.pos;
            let (frac, count) = self.digits();
            if count == 0 {
                return Err(err(
                    dot,
                    "expected digits after the decimal point (write `12.5` or `12`)",
                ));
            }
            if count > 2 {
                return Err(err(
                    frac_start,
                    "an amount of money has at most 2 decimals (fen)",
                ));
            }
            let frac = frac.ok_or_else(too_large)?;
            let fen = if count == 1 { frac * 10 } else { frac };
            let total = whole
                .checked_mul(100)
                .and_then(|v| v.checked_add(fen))
                .ok_or_else(too_large)?;
            Tok::Money(total)
        } else {
            Tok::Int(whole)
        };
        if let Some(c) = self
            .peek_at(self.pos)
            .filter(|c| is_ident_char(*c) || *c == '.')
        {
            return Err(err(
                self.pos,
                format!("unexpected `{c}` right after the number"),
            ));
        }
        Ok(Token {
            tok,
            start,
            end: self.pos,
        })
    }

    /// A text in `quote`s, with the escapes `\"`, `\'` and `\\`.
    fn string(&mut self, quote: char) -> Result<Token, ExprError> {
        let start = self.pos;
        self.pos += 1;
        let mut text = String::new();
        loop {
            let Some(c) = self.peek_at(self.pos) else {
                return Err(unclosed(start, quote));
            };
            self.pos += 1;
            if c == quote {
                break;
            }
            if c == '\\' {
                match self.peek_at(self.pos) {
                    Some(e @ ('"' | '\'' | '\\')) => {
                        text.push(e);
                        self.pos += 1;
                    }
                    Some(e) => {
                        return Err(err(
                            self.pos - 1,
                            format!(
                            "unknown escape `\\{e}` in a text: only \\\" \\' and \\\\ are allowed"
                        ),
                        ))
                    }
                    None => return Err(unclosed(start, quote)),
                }
            } else {
                text.push(c);
            }
        }
        Ok(Token {
            tok: Tok::Str(text),
            start,
            end: self.pos,
        })
    }
}
