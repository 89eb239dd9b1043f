//! Decoding: bytes to [`Pdu`]s, reading each field within the declared length and the
//! spec's size limits; a short, long or malformed PDU is a [`DecodeError`], never a panic.

use super::{
    command, limit, Address, Bind, Body, DecodeError, Pdu, ShortMessage, Tlv, HEADER_LEN,
    MAX_PDU_LEN,
};

/// The length of the first PDU in `buf`: `Ok(None)` while its header is incomplete, an error
/// when the declared length is impossible (the stream cannot be resynchronised after that).
pub fn frame_len(buf: &[u8]) -> Result<Option<usize>, DecodeError> {
    let Some(head) = buf.get(0..4).and_then(|h| <[u8; 4]>::try_from(h).ok()) else {
        return Ok(None);
    };
    let len = u32::from_be_bytes(head);
    let n = len as usize;
    if !(HEADER_LEN..=MAX_PDU_LEN).contains(&n) {
        return Err(DecodeError::BadLength(len));
    }
    Ok(Some(n))
}

/// Decodes one whole PDU (`frame` is exactly command_length bytes).
pub fn decode(frame: &[u8]) -> Result<Pdu, DecodeError> {
    let declared = frame_len(frame)?.ok_or(DecodeError::Truncated {
        need: HEADER_LEN,
        have: frame.len(),
    })?;
    if frame.len() < declared {
        return Err(DecodeError::Truncated {
            need: declared,
            have: frame.len(),
        });
    }
    if frame.len() > declared {
        return Err(DecodeError::BadLength(declared as u32));
    }
    let mut r = Reader {
        buf: frame,
        pos: 4,
        command_id: 0,
        sequence: 0,
    };
    let command_id = r.u32("command_id")?;
    let status = r.u32("command_status")?;
    let sequence = r.u32("sequence_number")?;
    r.command_id = command_id;
    r.sequence = sequence;
    let body = match command_id {
        command::BIND_TRANSCEIVER => Body::BindTransceiver(Bind {
            system_id: r.cstr(limit::SYSTEM_ID, "system_id")?,
            password: r.cstr(limit::PASSWORD, "password")?,
            system_type: r.cstr(limit::SYSTEM_TYPE, "system_type")?,
            interface_version: r.u8("interface_version")?,
            addr_ton: r.u8("addr_ton")?,
            addr_npi: r.u8("addr_npi")?,
            address_range: r.cstr(limit::ADDRESS_RANGE, "address_range")?,
        }),
        // A failed bind or submit may come back with no body at all (SMPP 3.4 4.1.6, 4.4.2).
        command::BIND_TRANSCEIVER_RESP => {
            let system_id = r.cstr_or_empty(limit::SYSTEM_ID, "system_id")?;
            r.tlvs()?; // sc_interface_version: read for validity, not needed.
            Body::BindTransceiverResp { system_id }
        }
        command::SUBMIT_SM_RESP => Body::SubmitSmResp {
            message_id: r.cstr_or_empty(limit::MESSAGE_ID, "message_id")?,
        },
        command::DELIVER_SM_RESP => {
            r.cstr_or_empty(limit::MESSAGE_ID, "message_id")?;
            Body::DeliverSmResp
        }
        command::SUBMIT_SM => Body::SubmitSm(Box::new(r.short_message()?)),
        command::DELIVER_SM => Body::DeliverSm(Box::new(r.short_message()?)),
        command::UNBIND => Body::Unbind,
        command::UNBIND_RESP => Body::UnbindResp,
        command::ENQUIRE_LINK => Body::EnquireLink,
        command::ENQUIRE_LINK_RESP => Body::EnquireLinkResp,
        command::GENERIC_NACK => Body::GenericNack,
        _ => {
            return Err(DecodeError::UnknownCommand {
                command_id,
                sequence,
            })
        }
    };
    if r.pos != frame.len() {
        return Err(r.bad("trailing bytes"));
    }
    Ok(Pdu {
        status,
        sequence,
        body,
    })
}

/// A cursor over one PDU; knows the header for error reports.
struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    command_id: u32,
    sequence: u32,
}

impl Reader<'_> {
    fn bad(&self, field: &'static str) -> DecodeError {
        DecodeError::BadField {
            command_id: self.command_id,
            sequence: self.sequence,
            field,
        }
    }

    fn take(&mut self, n: usize, field: &'static str) -> Result<&[u8], DecodeError> {
        let end = self.pos.checked_add(n).ok_or(self.bad(field))?;
        let bytes = self.buf.get(self.pos..end).ok_or(self.bad(field))?;
        self.pos = end;
        Ok(bytes)
    }

    fn u8(&mut self, field: &'static str) -> Result<u8, DecodeError> {
        Ok(self.take(1, field)?.first().copied().unwrap_or(0))
    }

    fn u16(&mut self, field: &'static str) -> Result<u16, DecodeError> {
        let b = self.take(2, field)?;
        let mut a = [0u8; 2];
        a.copy_from_slice(b);
        Ok(u16::from_be_bytes(a))
    }

    fn u32(&mut self, field: &'static str) -> Result<u32, DecodeError> {
        let b = self.take(4, field)?;
        let mut a = [0u8; 4];
        a.copy_from_slice(b);
        Ok(u32::from_be_bytes(a))
    }

    /// A C-Octet string of at most `max` bytes, NUL included.
    fn cstr(&mut self, max: usize, field: &'static str) -> Result<String, DecodeError> {
        let rest = self.buf.get(self.pos..).unwrap_or(&[]);
        let nul = rest
            .iter()
            .take(max)
            .position(|b| *b == 0)
            .ok_or(self.bad(field))?;
        let s = rest.get(..nul).ok_or(self.bad(field))?;
        let s = String::from_utf8(s.to_vec()).map_err(|_| self.bad(field))?;
        self.pos += nul + 1;
        Ok(s)
    }

    fn cstr_or_empty(&mut self, max: usize, field: &'static str) -> Result<String, DecodeError> {
        if self.pos == self.buf.len() {
            return Ok(String::new());
        }
        self.cstr(max, field)
    }

    fn tlvs(&mut self) -> Result<Vec<Tlv>, DecodeError> {
        let mut tlvs = Vec::new();
        while self.pos < self.buf.len() {
            let bad = DecodeError::BadTlv {
                command_id: self.command_id,
                sequence: self.sequence,
            };
            let tag = self.u16("tlv tag").map_err(|_| bad.clone())?;
            let len = self.u16("tlv length").map_err(|_| bad.clone())?;
            let value = self.take(usize::from(len), "tlv").map_err(|_| bad)?;
            tlvs.push(Tlv {
                tag,
                value: value.to_vec(),
            });
        }
        Ok(tlvs)
    }

    fn short_message(&mut self) -> Result<ShortMessage, DecodeError> {
        let service_type = self.cstr(limit::SERVICE_TYPE, "service_type")?;
        let source = Address {
            ton: self.u8("source_addr_ton")?,
            npi: self.u8("source_addr_npi")?,
            addr: self.cstr(limit::ADDR, "source_addr")?,
        };
        let dest = Address {
            ton: self.u8("dest_addr_ton")?,
            npi: self.u8("dest_addr_npi")?,
            addr: self.cstr(limit::ADDR, "destination_addr")?,
        };
        let esm_class = self.u8("esm_class")?;
        let protocol_id = self.u8("protocol_id")?;
        let priority_flag = self.u8("priority_flag")?;
        let schedule_delivery_time = self.cstr(limit::TIME, "schedule_delivery_time")?;
        let validity_period = self.cstr(limit::TIME, "validity_period")?;
        let registered_delivery = self.u8("registered_delivery")?;
        let replace_if_present_flag = self.u8("replace_if_present_flag")?;
        let data_coding = self.u8("data_coding")?;
        let sm_default_msg_id = self.u8("sm_default_msg_id")?;
        let sm_length = self.u8("sm_length")?;
        let short_message = self.take(usize::from(sm_length), "short_message")?.to_vec();
        Ok(ShortMessage {
            service_type,
            source,
            dest,
            esm_class,
            protocol_id,
            priority_flag,
            schedule_delivery_time,
            validity_period,
            registered_delivery,
            replace_if_present_flag,
            data_coding,
            sm_default_msg_id,
            short_message,
            tlvs: self.tlvs()?,
        })
    }
}
