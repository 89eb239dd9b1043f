//! REGISTER handling and digest authentication of requests: challenges (SHA-256 and MD5,
//! RFC 8760), verification with the same answer for an unknown user and a wrong password (no
//! user enumeration), throttling of addresses that keep failing, and the registrar's bindings.

use tracing::{info, warn};

use super::{Now, SipCore};
use crate::api::Peer;
use crate::digest::{self, Algorithm, Challenge, NonceCheck};
use crate::headers;
use crate::registrar::{ContactUpdate, Flow, RegisterError, RegisterRequest};
use crate::wire::Request;

/// An HA1 no password hashes to, verified against when the user is unknown so that both
/// cases cost the same.
const DUMMY_HA1: &str = "00000000000000000000000000000000";

enum AuthOutcome {
    Ok(String),
    /// No credentials, or a stale nonce: challenge (again).
    Challenge {
        stale: bool,
    },
    Failed,
}

impl SipCore {
    pub(super) fn on_register(&mut self, now: Now, peer: Peer, req: Request) {
        let user = req.common.to_addr.user.clone();
        match self.authenticate(now, peer, &req, req.authorization.as_deref()) {
            AuthOutcome::Challenge { stale } => return self.challenge(now, peer, &req, 401, stale),
            AuthOutcome::Failed => return self.auth_failed(now, peer, &req),
            AuthOutcome::Ok(name) if name != user => return self.auth_failed(now, peer, &req),
            AuthOutcome::Ok(_) => {}
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

    /// Authenticates an out-of-dialog INVITE from outside the trunks: the caller must hold
    /// valid credentials and be registered. Answers the request itself when it cannot go on.
    pub(super) fn authorize_invite(
        &mut self,
        now: Now,
        peer: Peer,
        req: &Request,
    ) -> Option<String> {
        let creds = req
            .proxy_authorization
            .as_deref()
            .or(req.authorization.as_deref());
        match self.authenticate(now, peer, req, creds) {
            AuthOutcome::Challenge { stale } => {
                self.challenge(now, peer, req, 407, stale);
                None
            }
            AuthOutcome::Failed => {
                self.auth_failed(now, peer, req);
                None
            }
            AuthOutcome::Ok(user) => {
                if self.registrar.lookup(&user, now.mono).is_empty() {
                    self.reply_stateless(now, peer, req, 403, &[]);
                    return None;
                }
                Some(user)
            }
        }
    }

    fn authenticate(
        &mut self,
        now: Now,
        peer: Peer,
        req: &Request,
        value: Option<&str>,
    ) -> AuthOutcome {
        let Some(value) = value else {
            return AuthOutcome::Challenge { stale: false };
        };
        let Ok(creds) = digest::parse_authorization(value) else {
            return AuthOutcome::Failed;
        };
        if creds.realm != self.cfg.realm || !self.cfg.auth_algorithms.contains(&creds.algorithm) {
            return AuthOutcome::Failed;
        }
        match self.nonces.check(&creds.nonce, now.unix) {
            NonceCheck::Valid => {}
            NonceCheck::Stale => return AuthOutcome::Challenge { stale: true },
            NonceCheck::Invalid => return AuthOutcome::Failed,
        }
        let ha1 = self
            .users
            .get(&creds.username)
            .and_then(|u| match creds.algorithm {
                Algorithm::Md5 => u.ha1_md5.clone(),
                Algorithm::Sha256 => u.ha1_sha256.clone(),
            });
        let ok = match &ha1 {
            Some(h) => digest::verify(&creds, req.method.as_str(), h),
            None => {
                let _ = digest::verify(&creds, req.method.as_str(), DUMMY_HA1);
                false
            }
        };
        if ok {
            self.admission.record_success(peer.addr.ip());
            AuthOutcome::Ok(creds.username)
        } else {
            AuthOutcome::Failed
        }
    }

    /// 401/407 with a challenge per configured algorithm, preferred first (RFC 8760 §2.4).
    fn challenge(&mut self, now: Now, peer: Peer, req: &Request, code: u16, stale: bool) {
        let nonce = self.nonces.issue(now.unix);
        let header = if code == 407 {
            "Proxy-Authenticate"
        } else {
            "WWW-Authenticate"
        };
        let values: Vec<String> = self
            .cfg
            .auth_algorithms
            .clone()
            .into_iter()
            .map(|algorithm| {
                Challenge {
                    realm: self.cfg.realm.clone(),
                    nonce: nonce.clone(),
                    algorithm,
                    opaque: None,
                    stale,
                }
                .header_value()
            })
            .collect();
        let extra: Vec<(&str, &str)> = values.iter().map(|v| (header, v.as_str())).collect();
        self.reply_stateless(now, peer, req, code, &extra);
    }

    /// Wrong password and unknown user look the same: 403, counted against the address.
    fn auth_failed(&mut self, now: Now, peer: Peer, req: &Request) {
        self.stats.auth_failures += 1;
        let blocked = self.admission.record_failure(peer.addr.ip(), now.mono);
        if blocked {
            warn!(src = %peer.addr, "address blocked after repeated authentication failures");
        }
        self.reply_stateless(now, peer, req, 403, &[]);
    }
}
