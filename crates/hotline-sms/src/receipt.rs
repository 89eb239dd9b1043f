//! Delivery receipts: a `deliver_sm` whose esm_class says "SMSC delivery receipt". The
//! `receipted_message_id` and `message_state` TLVs win when present; otherwise the receipt
//! text (`id:... sub:... dlvrd:... submit date:... done date:... stat:DELIVRD err:...`,
//! SMPP 3.4 appendix B) is read.

use crate::pdu::{tag, ShortMessage};

/// esm_class message-type bits (2..5) and the value meaning "SMSC delivery receipt".
const ESM_TYPE_MASK: u8 = 0x3C;
const ESM_DELIVERY_RECEIPT: u8 = 0x04;

/// A message's final (or intermediate) state as the SMSC reports it (SMPP 3.4 5.2.28).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageState {
    Enroute,
    Delivered,
    Expired,
    Deleted,
    Undeliverable,
    Accepted,
    Unknown,
    Rejected,
}

impl MessageState {
    /// From the `message_state` TLV value.
    pub fn from_tlv(v: u8) -> Option<MessageState> {
        Some(match v {
            1 => MessageState::Enroute,
            2 => MessageState::Delivered,
            3 => MessageState::Expired,
            4 => MessageState::Deleted,
            5 => MessageState::Undeliverable,
            6 => MessageState::Accepted,
            7 => MessageState::Unknown,
            8 => MessageState::Rejected,
            _ => return None,
        })
    }

    /// From the receipt text's `stat:` word.
    pub fn from_stat(s: &str) -> Option<MessageState> {
        Some(match s {
            "ENROUTE" => MessageState::Enroute,
            "DELIVRD" => MessageState::Delivered,
            "EXPIRED" => MessageState::Expired,
            "DELETED" => MessageState::Deleted,
            "UNDELIV" => MessageState::Undeliverable,
            "ACCEPTD" => MessageState::Accepted,
            "UNKNOWN" => MessageState::Unknown,
            "REJECTD" => MessageState::Rejected,
            _ => return None,
        })
    }

    /// Whether the message reached the handset.
    pub fn is_delivered(self) -> bool {
        self == MessageState::Delivered
    }
}

/// A delivery receipt for one submitted message (one part of a long text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// The SMSC's message id, as `submit_sm_resp` gave it.
    pub message_id: String,
    pub state: MessageState,
    /// The receipt's `done date:` (YYMMDDhhmm, the SMSC's local time), when given.
    pub done_date: Option<String>,
    /// The receipt's `err:` code, when given.
    pub error: Option<String>,
}

/// Whether a `deliver_sm` is a delivery receipt (not a message from a handset).
pub fn is_receipt(m: &ShortMessage) -> bool {
    m.esm_class & ESM_TYPE_MASK == ESM_DELIVERY_RECEIPT
}

/// Reads a receipt; `None` if it names no message id or no state.
pub fn parse(m: &ShortMessage) -> Option<Receipt> {
    let text = String::from_utf8_lossy(&m.short_message);
    let fields = text_fields(&text);
    let tlv_id = m
        .tlv(tag::RECEIPTED_MESSAGE_ID)
        .map(|v| {
            String::from_utf8_lossy(v)
                .trim_end_matches('\0')
                .to_string()
        })
        .filter(|id| !id.is_empty());
    let tlv_state = m
        .tlv(tag::MESSAGE_STATE)
        .and_then(|v| v.first().copied())
        .and_then(MessageState::from_tlv);
    let message_id = tlv_id.or_else(|| field(&fields, "id").map(str::to_string))?;
    let state = tlv_state.or_else(|| field(&fields, "stat").and_then(MessageState::from_stat))?;
    Some(Receipt {
        message_id,
        state,
        done_date: field(&fields, "done date").map(str::to_string),
        error: field(&fields, "err").map(str::to_string),
    })
}

/// `key:value` pairs of the receipt text; keys may hold a space ("submit date").
fn text_fields(text: &str) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    let mut key_words: Vec<&str> = Vec::new();
    for word in text.split_whitespace() {
        match word.split_once(':') {
            Some((k, v)) => {
                key_words.push(k);
                fields.push((key_words.join(" ").to_ascii_lowercase(), v.to_string()));
                key_words.clear();
            }
            None => key_words.push(word),
        }
        if key_words.len() > 1 {
            key_words.remove(0);
        }
    }
    fields
}

fn field<'a>(fields: &'a [(String, String)], key: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pdu::Tlv;

    fn receipt_msg(text: &str, tlvs: Vec<Tlv>) -> ShortMessage {
        ShortMessage {
            esm_class: 0x04,
            short_message: text.as_bytes().to_vec(),
            tlvs,
            ..ShortMessage::default()
        }
    }

    #[test]
    fn reads_the_receipt_text() {
        let m = receipt_msg(
            "id:7f3a sub:001 dlvrd:001 submit date:2612071500 done date:2612071501 stat:DELIVRD err:000 text:hello",
            vec![],
        );
        assert!(is_receipt(&m));
        let r = parse(&m).unwrap();
        assert_eq!(r.message_id, "7f3a");
        assert_eq!(r.state, MessageState::Delivered);
        assert_eq!(r.done_date.as_deref(), Some("2612071501"));
        assert_eq!(r.error.as_deref(), Some("000"));
    }

    #[test]
    fn tlvs_win_over_the_text() {
        let m = receipt_msg(
            "id:wrong stat:DELIVRD",
            vec![
                Tlv {
                    tag: tag::RECEIPTED_MESSAGE_ID,
                    value: b"abc\0".to_vec(),
                },
                Tlv {
                    tag: tag::MESSAGE_STATE,
                    value: vec![5],
                },
            ],
        );
        let r = parse(&m).unwrap();
        assert_eq!(r.message_id, "abc");
        assert_eq!(r.state, MessageState::Undeliverable);
    }

    #[test]
    fn a_receipt_without_id_or_state_is_none() {
        assert_eq!(parse(&receipt_msg("stat:DELIVRD", vec![])), None);
        assert_eq!(parse(&receipt_msg("id:1 stat:WHATEVER", vec![])), None);
        let mo = ShortMessage {
            esm_class: 0,
            ..ShortMessage::default()
        };
        assert!(!is_receipt(&mo));
    }
}
