//! The SMPP 3.4 wire codec for a transceiver client: the PDUs it sends and receives, encoded to
//! and decoded from bytes. Pure: no I/O. Every malformed input is a typed [`DecodeError`] that
//! names the command status a peer should get back in a `generic_nack`.

use thiserror::Error;

/// The header's size: command_length, command_id, command_status, sequence_number.
pub const HEADER_LEN: usize = 16;
/// The largest PDU accepted; a longer command_length means a broken or hostile stream.
pub const MAX_PDU_LEN: usize = 64 * 1024;

/// Command ids (SMPP 3.4 section 5.1.2.1).
pub mod command {
    pub const GENERIC_NACK: u32 = 0x8000_0000;
    pub const SUBMIT_SM: u32 = 0x0000_0004;
    pub const SUBMIT_SM_RESP: u32 = 0x8000_0004;
    pub const DELIVER_SM: u32 = 0x0000_0005;
    pub const DELIVER_SM_RESP: u32 = 0x8000_0005;
    pub const UNBIND: u32 = 0x0000_0006;
    pub const UNBIND_RESP: u32 = 0x8000_0006;
    pub const BIND_TRANSCEIVER: u32 = 0x0000_0009;
    pub const BIND_TRANSCEIVER_RESP: u32 = 0x8000_0009;
    pub const ENQUIRE_LINK: u32 = 0x0000_0015;
    pub const ENQUIRE_LINK_RESP: u32 = 0x8000_0015;
}

/// Command status values used here (SMPP 3.4 section 5.1.3).
pub mod status {
    pub const ESME_ROK: u32 = 0x0000_0000;
    pub const ESME_RINVMSGLEN: u32 = 0x0000_0001;
    pub const ESME_RINVCMDLEN: u32 = 0x0000_0002;
    pub const ESME_RINVCMDID: u32 = 0x0000_0003;
    pub const ESME_RINVBNDSTS: u32 = 0x0000_0004;
    pub const ESME_RSYSERR: u32 = 0x0000_0008;
    pub const ESME_RBINDFAIL: u32 = 0x0000_000D;
    pub const ESME_RINVPASWD: u32 = 0x0000_000E;
    pub const ESME_RINVSYSID: u32 = 0x0000_000F;
    pub const ESME_RMSGQFUL: u32 = 0x0000_0014;
    pub const ESME_RTHROTTLED: u32 = 0x0000_0058;
    pub const ESME_RINVOPTPARSTREAM: u32 = 0x0000_00C0;
}

/// Optional parameter tags used here (SMPP 3.4 section 5.3.2).
pub mod tag {
    pub const RECEIPTED_MESSAGE_ID: u16 = 0x001E;
    pub const SC_INTERFACE_VERSION: u16 = 0x0210;
    pub const MESSAGE_PAYLOAD: u16 = 0x0424;
    pub const MESSAGE_STATE: u16 = 0x0427;
}

/// Field size limits, NUL included (SMPP 3.4 section 4).
mod limit {
    pub const SYSTEM_ID: usize = 16;
    pub const PASSWORD: usize = 9;
    pub const SYSTEM_TYPE: usize = 13;
    pub const ADDRESS_RANGE: usize = 41;
    pub const SERVICE_TYPE: usize = 6;
    pub const ADDR: usize = 21;
    pub const TIME: usize = 17;
    pub const MESSAGE_ID: usize = 65;
    pub const SHORT_MESSAGE: usize = 254;
}

/// A decode failure. `status` is what to answer in a `generic_nack`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DecodeError {
    #[error("truncated PDU: need {need} bytes, have {have}")]
    Truncated { need: usize, have: usize },
    #[error("bad command_length {0}")]
    BadLength(u32),
    #[error("unknown command id {command_id:#010x}")]
    UnknownCommand { command_id: u32, sequence: u32 },
    #[error("malformed {field} in command {command_id:#010x}")]
    BadField {
        command_id: u32,
        sequence: u32,
        field: &'static str,
    },
    #[error("malformed optional parameter in command {command_id:#010x}")]
    BadTlv { command_id: u32, sequence: u32 },
}

impl DecodeError {
    /// The command status for the `generic_nack` answering this error.
    pub fn nack_status(&self) -> u32 {
        match self {
            DecodeError::Truncated { .. } | DecodeError::BadLength(_) => status::ESME_RINVCMDLEN,
            DecodeError::UnknownCommand { .. } => status::ESME_RINVCMDID,
            DecodeError::BadField { .. } => status::ESME_RINVMSGLEN,
            DecodeError::BadTlv { .. } => status::ESME_RINVOPTPARSTREAM,
        }
    }

    /// The sequence number of the offending PDU, when its header could be read.
    pub fn sequence(&self) -> Option<u32> {
        match self {
            DecodeError::UnknownCommand { sequence, .. }
            | DecodeError::BadField { sequence, .. }
            | DecodeError::BadTlv { sequence, .. } => Some(*sequence),
            DecodeError::Truncated { .. } | DecodeError::BadLength(_) => None,
        }
    }
}

/// An encode failure: a field that the wire format cannot carry.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EncodeError {
    #[error("{field} is longer than {max} bytes or holds a NUL")]
    BadField { field: &'static str, max: usize },
}

/// An optional parameter (tag, length, value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tlv {
    pub tag: u16,
    pub value: Vec<u8>,
}

/// A type-of-number, numbering-plan and address triple.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Address {
    pub ton: u8,
    pub npi: u8,
    pub addr: String,
}

/// The body shared by `submit_sm` and `deliver_sm`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ShortMessage {
    pub service_type: String,
    pub source: Address,
    pub dest: Address,
    pub esm_class: u8,
    pub protocol_id: u8,
    pub priority_flag: u8,
    pub schedule_delivery_time: String,
    pub validity_period: String,
    pub registered_delivery: u8,
    pub replace_if_present_flag: u8,
    pub data_coding: u8,
    pub sm_default_msg_id: u8,
    pub short_message: Vec<u8>,
    pub tlvs: Vec<Tlv>,
}

impl ShortMessage {
    /// The value of the first optional parameter with `tag`.
    pub fn tlv(&self, tag: u16) -> Option<&[u8]> {
        self.tlvs
            .iter()
            .find(|t| t.tag == tag)
            .map(|t| t.value.as_slice())
    }
}

/// The `bind_transceiver` body.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Bind {
    pub system_id: String,
    pub password: String,
    pub system_type: String,
    pub interface_version: u8,
    pub addr_ton: u8,
    pub addr_npi: u8,
    pub address_range: String,
}

/// A PDU's command and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    BindTransceiver(Bind),
    BindTransceiverResp { system_id: String },
    Unbind,
    UnbindResp,
    EnquireLink,
    EnquireLinkResp,
    GenericNack,
    SubmitSm(Box<ShortMessage>),
    SubmitSmResp { message_id: String },
    DeliverSm(Box<ShortMessage>),
    DeliverSmResp,
}

impl Body {
    /// The command id of this body.
    pub fn command_id(&self) -> u32 {
        match self {
            Body::BindTransceiver(_) => command::BIND_TRANSCEIVER,
            Body::BindTransceiverResp { .. } => command::BIND_TRANSCEIVER_RESP,
            Body::Unbind => command::UNBIND,
            Body::UnbindResp => command::UNBIND_RESP,
            Body::EnquireLink => command::ENQUIRE_LINK,
            Body::EnquireLinkResp => command::ENQUIRE_LINK_RESP,
            Body::GenericNack => command::GENERIC_NACK,
            Body::SubmitSm(_) => command::SUBMIT_SM,
            Body::SubmitSmResp { .. } => command::SUBMIT_SM_RESP,
            Body::DeliverSm(_) => command::DELIVER_SM,
            Body::DeliverSmResp => command::DELIVER_SM_RESP,
        }
    }
}

/// One PDU: status, sequence number and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pdu {
    pub status: u32,
    pub sequence: u32,
    pub body: Body,
}

impl Pdu {
    /// A request (status 0).
    pub fn request(sequence: u32, body: Body) -> Pdu {
        Pdu {
            status: status::ESME_ROK,
            sequence,
            body,
        }
    }

    /// The bytes of this PDU on the wire.
    pub fn encode(&self) -> Result<Vec<u8>, EncodeError> {
        let mut out = Vec::with_capacity(64);
        out.extend_from_slice(&[0; 4]);
        out.extend_from_slice(&self.body.command_id().to_be_bytes());
        out.extend_from_slice(&self.status.to_be_bytes());
        out.extend_from_slice(&self.sequence.to_be_bytes());
        match &self.body {
            Body::BindTransceiver(b) => {
                put_cstr(&mut out, &b.system_id, limit::SYSTEM_ID, "system_id")?;
                put_cstr(&mut out, &b.password, limit::PASSWORD, "password")?;
                put_cstr(&mut out, &b.system_type, limit::SYSTEM_TYPE, "system_type")?;
                out.extend_from_slice(&[b.interface_version, b.addr_ton, b.addr_npi]);
                put_cstr(
                    &mut out,
                    &b.address_range,
                    limit::ADDRESS_RANGE,
                    "address_range",
                )?;
            }
            Body::BindTransceiverResp { system_id } => {
                put_cstr(&mut out, system_id, limit::SYSTEM_ID, "system_id")?;
            }
            Body::SubmitSmResp { message_id } => {
                put_cstr(&mut out, message_id, limit::MESSAGE_ID, "message_id")?;
            }
            // deliver_sm_resp's message_id is unused and always empty (SMPP 3.4 4.6.2).
            Body::DeliverSmResp => out.push(0),
            Body::SubmitSm(m) | Body::DeliverSm(m) => put_short_message(&mut out, m)?,
            Body::Unbind
            | Body::UnbindResp
            | Body::EnquireLink
            | Body::EnquireLinkResp
            | Body::GenericNack => {}
        }
        let len = u32::try_from(out.len()).map_err(|_| EncodeError::BadField {
            field: "command_length",
            max: MAX_PDU_LEN,
        })?;
        if let Some(head) = out.get_mut(0..4) {
            head.copy_from_slice(&len.to_be_bytes());
        }
        Ok(out)
    }
}

fn put_cstr(
    out: &mut Vec<u8>,
    s: &str,
    max: usize,
    field: &'static str,
) -> Result<(), EncodeError> {
    if s.len() >= max || s.as_bytes().contains(&0) {
        return Err(EncodeError::BadField { field, max });
    }
    out.extend_from_slice(s.as_bytes());
    out.push(0);
    Ok(())
}

fn put_short_message(out: &mut Vec<u8>, m: &ShortMessage) -> Result<(), EncodeError> {
    put_cstr(out, &m.service_type, limit::SERVICE_TYPE, "service_type")?;
    out.extend_from_slice(&[m.source.ton, m.source.npi]);
    put_cstr(out, &m.source.addr, limit::ADDR, "source_addr")?;
    out.extend_from_slice(&[m.dest.ton, m.dest.npi]);
    put_cstr(out, &m.dest.addr, limit::ADDR, "destination_addr")?;
    out.extend_from_slice(&[m.esm_class, m.protocol_id, m.priority_flag]);
    put_cstr(
        out,
        &m.schedule_delivery_time,
        limit::TIME,
        "schedule_delivery_time",
    )?;
    put_cstr(out, &m.validity_period, limit::TIME, "validity_period")?;
    out.extend_from_slice(&[
        m.registered_delivery,
        m.replace_if_present_flag,
        m.data_coding,
        m.sm_default_msg_id,
    ]);
    let sm_length = u8::try_from(m.short_message.len())
        .ok()
        .filter(|n| usize::from(*n) <= limit::SHORT_MESSAGE)
        .ok_or(EncodeError::BadField {
            field: "short_message",
            max: limit::SHORT_MESSAGE,
        })?;
    out.push(sm_length);
    out.extend_from_slice(&m.short_message);
    for t in &m.tlvs {
        let len = u16::try_from(t.value.len()).map_err(|_| EncodeError::BadField {
            field: "tlv value",
            max: usize::from(u16::MAX),
        })?;
        out.extend_from_slice(&t.tag.to_be_bytes());
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(&t.value);
    }
    Ok(())
}

mod decode;
pub use decode::{decode, frame_len};

#[cfg(test)]
mod tests;
