//! RTP packets on the wire (RFC 3550 §5.1): a strict, non-panicking parser that borrows the
//! datagram, and a fast writer for the packets we send.
//!
//! Every length is checked here before a byte is read, and each way a datagram can be broken has
//! its own [`RtpError`] variant so the shell can count drops per reason. The external `rtp` crate
//! is not handed raw datagrams: its `Unmarshal` for `Header` trusts RFC 8285 extension element
//! lengths and panics when one runs past the end of the packet (rtp 0.17.2). A packet that passed
//! [`RtpPacket::parse`] can be turned into an owned `rtp::packet::Packet` with
//! [`RtpPacket::to_rtp`].

use bytes::Bytes;
use thiserror::Error;

/// Length of the fixed RTP header.
pub const HEADER_LEN: usize = 12;
/// The only RTP version there is.
pub const RTP_VERSION: u8 = 2;

/// Why a datagram is not an RTP packet we accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum RtpError {
    /// Shorter than the 12-byte fixed header.
    #[error("datagram of {len} bytes is shorter than the 12-byte RTP header")]
    TooShort { len: usize },
    /// The version field is not 2 (often STUN, RTCP-on-the-wrong-port, or garbage).
    #[error("RTP version {version}, expected 2")]
    BadVersion { version: u8 },
    /// The CSRC list announced by the CC field runs past the end of the datagram.
    #[error("{count} CSRCs need {needed} bytes, datagram has {len}")]
    CsrcOverrun {
        count: u8,
        needed: usize,
        len: usize,
    },
    /// The X bit is set but the extension header, or the length it declares, runs past the end.
    #[error("header extension needs {needed} bytes, datagram has {len}")]
    ExtensionOverrun { needed: usize, len: usize },
    /// The P bit is set but the last byte (the padding count) is 0.
    #[error("padding flag set with a padding count of 0")]
    ZeroPadding,
    /// The P bit is set but the padding count is larger than what follows the header, or there
    /// is nothing after the header at all.
    #[error("padding of {padding} bytes, only {available} bytes follow the header")]
    PaddingOverrun { padding: usize, available: usize },
}

/// A validated RTP packet borrowing the datagram it was parsed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtpPacket<'a> {
    /// Always 2 for a parsed packet.
    pub version: u8,
    /// The P bit; the padding is already stripped from [`RtpPacket::payload`].
    pub padding: bool,
    pub marker: bool,
    pub payload_type: u8,
    pub sequence: u16,
    pub timestamp: u32,
    pub ssrc: u32,
    /// The CC field: number of CSRC identifiers.
    pub csrc_count: u8,
    /// The media payload, without header, CSRCs, extension or padding.
    pub payload: &'a [u8],
    csrc: &'a [u8],
    extension: Option<(u16, &'a [u8])>,
}

impl<'a> RtpPacket<'a> {
    /// Parse and validate one datagram. Never panics, never allocates.
    pub fn parse(buf: &'a [u8]) -> Result<Self, RtpError> {
        let len = buf.len();
        let Some(fixed) = buf.first_chunk::<HEADER_LEN>() else {
            return Err(RtpError::TooShort { len });
        };
        let version = fixed[0] >> 6;
        if version != RTP_VERSION {
            return Err(RtpError::BadVersion { version });
        }
        let padding = fixed[0] & 0x20 != 0;
        let has_extension = fixed[0] & 0x10 != 0;
        let csrc_count = fixed[0] & 0x0f;
        let marker = fixed[1] & 0x80 != 0;
        let payload_type = fixed[1] & 0x7f;
        let sequence = u16::from_be_bytes([fixed[2], fixed[3]]);
        let timestamp = u32::from_be_bytes([fixed[4], fixed[5], fixed[6], fixed[7]]);
        let ssrc = u32::from_be_bytes([fixed[8], fixed[9], fixed[10], fixed[11]]);

        let csrc_end = HEADER_LEN + 4 * usize::from(csrc_count);
        let Some(csrc) = buf.get(HEADER_LEN..csrc_end) else {
            return Err(RtpError::CsrcOverrun {
                count: csrc_count,
                needed: csrc_end,
                len,
            });
        };

        let mut body_start = csrc_end;
        let mut extension = None;
        if has_extension {
            let ext_header_end = csrc_end + 4;
            let Some(&[p0, p1, w0, w1]) = buf.get(csrc_end..ext_header_end) else {
                return Err(RtpError::ExtensionOverrun {
                    needed: ext_header_end,
                    len,
                });
            };
            let profile = u16::from_be_bytes([p0, p1]);
            let words = usize::from(u16::from_be_bytes([w0, w1]));
            let ext_end = ext_header_end + 4 * words;
            let Some(data) = buf.get(ext_header_end..ext_end) else {
                return Err(RtpError::ExtensionOverrun {
                    needed: ext_end,
                    len,
                });
            };
            extension = Some((profile, data));
            body_start = ext_end;
        }

        // In range: every branch above checked `body_start <= len`.
        let body = buf.get(body_start..).unwrap_or_default();
        let payload = if padding {
            let Some(&count) = body.last() else {
                return Err(RtpError::PaddingOverrun {
                    padding: 0,
                    available: 0,
                });
            };
            let count = usize::from(count);
            if count == 0 {
                return Err(RtpError::ZeroPadding);
            }
            match body.len().checked_sub(count) {
                Some(end) => body.get(..end).unwrap_or_default(),
                None => {
                    return Err(RtpError::PaddingOverrun {
                        padding: count,
                        available: body.len(),
                    })
                }
            }
        } else {
            body
        };

        Ok(RtpPacket {
            version,
            padding,
            marker,
            payload_type,
            sequence,
            timestamp,
            ssrc,
            csrc_count,
            payload,
            csrc,
            extension,
        })
    }

    /// The CSRC identifiers, in order.
    pub fn csrcs(&self) -> impl Iterator<Item = u32> + 'a {
        self.csrc
            .chunks_exact(4)
            .filter_map(|c| c.try_into().ok().map(u32::from_be_bytes))
    }

    /// The header extension, if the X bit was set: its profile and its raw data (whole 32-bit
    /// words, not interpreted).
    pub fn extension(&self) -> Option<(u16, &'a [u8])> {
        self.extension
    }

    /// The fixed-header fields as an [`RtpHeader`] (e.g. to forward the packet re-stamped).
    pub fn header(&self) -> RtpHeader {
        RtpHeader {
            marker: self.marker,
            payload_type: self.payload_type,
            sequence: self.sequence,
            timestamp: self.timestamp,
            ssrc: self.ssrc,
        }
    }

    /// An owned copy as the `rtp` crate's packet (copies the payload). The header extension is
    /// not carried over: we do not use extensions, and the `rtp` crate would reinterpret raw data
    /// under the RFC 8285 profiles.
    pub fn to_rtp(&self) -> rtp::packet::Packet {
        rtp::packet::Packet {
            header: rtp::header::Header {
                version: self.version,
                padding: false,
                extension: false,
                marker: self.marker,
                payload_type: self.payload_type,
                sequence_number: self.sequence,
                timestamp: self.timestamp,
                ssrc: self.ssrc,
                csrc: self.csrcs().collect(),
                ..Default::default()
            },
            payload: Bytes::copy_from_slice(self.payload),
        }
    }
}

/// The fixed header of a packet we send: version 2, no padding, no extension, no CSRCs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RtpHeader {
    pub marker: bool,
    /// Only the low 7 bits are written.
    pub payload_type: u8,
    pub sequence: u16,
    pub timestamp: u32,
    pub ssrc: u32,
}

impl RtpHeader {
    /// The 12 header bytes.
    pub fn to_bytes(&self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        out[0] = RTP_VERSION << 6;
        out[1] = (u8::from(self.marker) << 7) | (self.payload_type & 0x7f);
        out[2..4].copy_from_slice(&self.sequence.to_be_bytes());
        out[4..8].copy_from_slice(&self.timestamp.to_be_bytes());
        out[8..12].copy_from_slice(&self.ssrc.to_be_bytes());
        out
    }

    /// Replace the contents of `out` with this header followed by `payload`. Reuse one `Vec`
    /// per stream: once it has grown to a packet's size this does not allocate.
    pub fn write_packet(&self, payload: &[u8], out: &mut Vec<u8>) {
        out.clear();
        out.reserve(HEADER_LEN + payload.len());
        out.extend_from_slice(&self.to_bytes());
        out.extend_from_slice(payload);
    }
}
