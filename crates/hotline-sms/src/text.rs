//! Text to `short_message` bytes and back: choosing the data coding and splitting long text.
//!
//! The choice made here (one, documented):
//! - text whose every character is in the GSM 03.38 default alphabet (its extension table
//!   included) goes as data_coding 0x00, the SMSC default alphabet, one unpacked septet per
//!   byte (the SMSC packs them for the air); escape pairs (`{`, `€`, ...) count two;
//! - anything else (Chinese, for one) goes as UCS-2, data_coding 0x08, UTF-16 big-endian;
//! - text that fits one message (160 septets, 70 UCS-2 units) goes whole; longer text is split
//!   into concatenated parts, each prefixed by a 6-byte User Data Header (IEI 0x00, 8-bit
//!   reference), esm_class UDHI bit set: 153 septets or 67 UCS-2 units a part. An escape pair
//!   or a surrogate pair is never cut between parts. At most 255 parts.
//!
//! `message_payload` is not used: not every SMSC accepts it and UDH is what handsets see anyway.

use thiserror::Error;

/// The SMSC default alphabet (GSM 03.38 here), unpacked.
pub const DC_DEFAULT: u8 = 0x00;
/// IA5 (ASCII).
pub const DC_IA5: u8 = 0x01;
/// ISO-8859-1.
pub const DC_LATIN1: u8 = 0x03;
/// UCS-2, big-endian.
pub const DC_UCS2: u8 = 0x08;
/// The esm_class bit saying short_message starts with a User Data Header.
pub const ESM_UDHI: u8 = 0x40;

const GSM_SINGLE: usize = 160;
const GSM_PART: usize = 153;
const UCS2_SINGLE: usize = 70;
const UCS2_PART: usize = 67;
const ESCAPE: u8 = 0x1B;

/// The GSM 03.38 default alphabet, by septet value (0x1B, the escape, is never looked up).
const GSM_BASIC: [char; 128] = [
    '@', '£', '$', '¥', 'è', 'é', 'ù', 'ì', 'ò', 'Ç', '\n', 'Ø', 'ø', '\r', 'Å', 'å', //
    'Δ', '_', 'Φ', 'Γ', 'Λ', 'Ω', 'Π', 'Ψ', 'Σ', 'Θ', 'Ξ', '\u{1b}', 'Æ', 'æ', 'ß', 'É', //
    ' ', '!', '"', '#', '¤', '%', '&', '\'', '(', ')', '*', '+', ',', '-', '.', '/', //
    '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ':', ';', '<', '=', '>', '?', //
    '¡', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O', //
    'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z', 'Ä', 'Ö', 'Ñ', 'Ü', '§', //
    '¿', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', //
    'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 'ä', 'ö', 'ñ', 'ü', 'à', //
];

/// The GSM 03.38 extension table: (septet after the escape, character).
const GSM_EXTENSION: [(u8, char); 10] = [
    (0x0A, '\u{c}'),
    (0x14, '^'),
    (0x28, '{'),
    (0x29, '}'),
    (0x2F, '\\'),
    (0x3C, '['),
    (0x3D, '~'),
    (0x3E, ']'),
    (0x40, '|'),
    (0x65, '€'),
];

/// Why text cannot be sent.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TextError {
    #[error("text is empty")]
    Empty,
    #[error("text needs {0} parts, more than 255")]
    TooLong(usize),
}

/// Text ready for `submit_sm`: its data coding and one `short_message` per part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encoded {
    pub data_coding: u8,
    /// Whether the parts carry a UDH (set esm_class [`ESM_UDHI`]).
    pub udhi: bool,
    pub parts: Vec<Vec<u8>>,
}

fn gsm_septets(c: char) -> Option<Vec<u8>> {
    if c == '\u{1b}' {
        return None;
    }
    if let Some(i) = GSM_BASIC.iter().position(|g| *g == c) {
        return u8::try_from(i).ok().map(|s| vec![s]);
    }
    GSM_EXTENSION
        .iter()
        .find(|(_, g)| *g == c)
        .map(|(s, _)| vec![ESCAPE, *s])
}

/// Encodes `text`; `reference` is the concatenation reference shared by its parts.
pub fn encode(text: &str, reference: u8) -> Result<Encoded, TextError> {
    if text.is_empty() {
        return Err(TextError::Empty);
    }
    let gsm: Option<Vec<Vec<u8>>> = text.chars().map(gsm_septets).collect();
    let (data_coding, units, single, per_part) = match gsm {
        Some(units) => (DC_DEFAULT, units, GSM_SINGLE, GSM_PART),
        None => (DC_UCS2, ucs2_units(text), UCS2_SINGLE, UCS2_PART),
    };
    let total: usize = units.iter().map(Vec::len).sum();
    let unit_width = if data_coding == DC_UCS2 { 2 } else { 1 };
    if total / unit_width <= single {
        return Ok(Encoded {
            data_coding,
            udhi: false,
            parts: vec![units.concat()],
        });
    }
    let chunks = chunk(&units, per_part * unit_width);
    let count = u8::try_from(chunks.len()).map_err(|_| TextError::TooLong(chunks.len()))?;
    let parts = chunks
        .into_iter()
        .enumerate()
        .map(|(i, body)| {
            // i < count <= 255, so the part number fits.
            let seq = u8::try_from(i + 1).unwrap_or(u8::MAX);
            let mut part = vec![0x05, 0x00, 0x03, reference, count, seq];
            part.extend_from_slice(&body);
            part
        })
        .collect();
    Ok(Encoded {
        data_coding,
        udhi: true,
        parts,
    })
}

/// UTF-16BE bytes per character (a surrogate pair stays one unit of 4 bytes).
fn ucs2_units(text: &str) -> Vec<Vec<u8>> {
    let mut buf = [0u16; 2];
    text.chars()
        .map(|c| {
            c.encode_utf16(&mut buf)
                .iter()
                .flat_map(|u| u.to_be_bytes())
                .collect()
        })
        .collect()
}

/// Groups whole units into chunks of at most `max` bytes.
fn chunk(units: &[Vec<u8>], max: usize) -> Vec<Vec<u8>> {
    let mut chunks: Vec<Vec<u8>> = vec![Vec::new()];
    for unit in units {
        let fits = chunks
            .last()
            .is_some_and(|last| last.len() + unit.len() <= max);
        if !fits {
            chunks.push(Vec::new());
        }
        if let Some(last) = chunks.last_mut() {
            last.extend_from_slice(unit);
        }
    }
    chunks
}

/// Decodes a received `short_message` (its UDH skipped when `udhi`); bytes that do not decode
/// become U+FFFD or '?', never an error.
pub fn decode(data_coding: u8, bytes: &[u8], udhi: bool) -> String {
    let body = if udhi {
        let udh_len = bytes.first().map_or(0, |n| usize::from(*n) + 1);
        bytes.get(udh_len..).unwrap_or(&[])
    } else {
        bytes
    };
    match data_coding {
        DC_DEFAULT => decode_gsm(body),
        DC_IA5 | DC_LATIN1 => body.iter().map(|b| char::from(*b)).collect(),
        DC_UCS2 => {
            let units: Vec<u16> = body
                .chunks_exact(2)
                .map(|p| {
                    u16::from_be_bytes([
                        p.first().copied().unwrap_or(0),
                        p.get(1).copied().unwrap_or(0),
                    ])
                })
                .collect();
            String::from_utf16_lossy(&units)
        }
        _ => String::from_utf8_lossy(body).into_owned(),
    }
}

fn decode_gsm(septets: &[u8]) -> String {
    let mut out = String::with_capacity(septets.len());
    let mut it = septets.iter();
    while let Some(s) = it.next() {
        if *s == ESCAPE {
            let next = it.next().copied().unwrap_or(0);
            let c = GSM_EXTENSION
                .iter()
                .find(|(e, _)| *e == next)
                .map_or('?', |(_, c)| *c);
            out.push(c);
        } else {
            out.push(GSM_BASIC.get(usize::from(*s)).copied().unwrap_or('?'));
        }
    }
    out
}

#[cfg(test)]
#[path = "text_tests.rs"]
mod tests;
