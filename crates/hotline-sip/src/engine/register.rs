//! REGISTER handling: authentication first (`auth.rs`; the credentials must be those of the
//! user whose bindings change), then the registrar's bindings.

use tracing::info;

use super::auth::Refusal;
use super::{Now, SipCore};
use crate::api::Peer;
use crate::headers;
use crate::registrar::{ContactUpdate, Flow, RegisterError, RegisterRequest};
use crate::wire::Request;

impl SipCore {
    pub(super) fn on_register(&mut self, now: Now, peer: Peer, req: Request) {
        let user = req.common.to_addr.user.clone();
        match self.authenticate(now, peer, &req, req.authorization.as_deref()) {
            Err(denial) => return self.deny(now, peer, &req, 401, denial),
            // Counted against the user whose bindings were aimed at, not the one who signed.
            Ok(name) if name != user => {
                return self.auth_failed(now, peer, &req, &user, Refusal::UserMismatch)
            }
            Ok(_) => {}
        }
        let mut contacts = Vec::new();
        for value in &req.common.contacts {
            if value.trim() == "*" {
                contacts.push(ContactUpdate::Star);
                continue;
            }
            let Ok(c) = headers::parse_name_addr(value) else {
                return self.reply_stateless(now, peer, &req, 400, &[]);
            };
            let expires = match c.param("expires").map(str::parse::<u32>) {
                Some(Ok(v)) => Some(v),
                Some(Err(_)) => return self.reply_stateless(now, peer, &req, 400, &[]),
                None => None,
            };
            let q = c.param("q").and_then(|v| v.parse::<f32>().ok());
            contacts.push(ContactUpdate::Contact {
                uri: c.uri,
                expires,
                q,
            });
        }
        let before = self.registrar.lookup(&user, now.mono).len();
        let flow = match peer.conn {
            Some(conn_id) => Flow::Tcp { conn_id },
            None => Flow::Udp,
        };
        let result = self.registrar.register(
            RegisterRequest {
                user: user.clone(),
                contacts,
                expires_header: req.expires,
                call_id: req.common.call_id.clone(),
                cseq: req.common.cseq,
                source: peer.addr,
                flow,
                user_agent: req.user_agent.clone(),
            },
            now.mono,
        );
        match result {
            Ok(current) => {
                let values: Vec<String> = current
                    .iter()
                    .map(|(uri, secs)| format!("<{uri}>;expires={secs}"))
                    .collect();
                let extra: Vec<(&str, &str)> =
                    values.iter().map(|v| ("Contact", v.as_str())).collect();
                self.reply_stateless(now, peer, &req, 200, &extra);
                if current.len() != before {
                    info!(user = %crate::mask(&user), contacts = current.len(), src = %peer.addr, "registration changed");
                    self.emit(crate::api::SipEvent::Registration {
                        user,
                        contacts: current.len(),
                    });
                }
            }
            Err(RegisterError::IntervalTooBrief { min_expires }) => {
                let min = min_expires.to_string();
                self.reply_stateless(now, peer, &req, 423, &[("Min-Expires", &min)]);
            }
            Err(RegisterError::StarWithOtherContacts)
            | Err(RegisterError::StarWithNonZeroExpires) => {
                self.reply_stateless(now, peer, &req, 400, &[])
            }
            Err(RegisterError::OutOfOrder) => self.reply_stateless(now, peer, &req, 500, &[]),
            Err(RegisterError::TooManyContacts) => self.reply_stateless(now, peer, &req, 403, &[]),
            Err(RegisterError::TooManyUsers) => {
                self.reply_stateless(now, peer, &req, 503, &[("Retry-After", "60")])
            }
        }
    }
}
