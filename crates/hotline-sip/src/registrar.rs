//! The registrar's bindings and location service (RFC 3261 §10.3): which contacts each user
//! (agent extension) has registered, until when, over which flow, and "where is 1001 now".
//! Pure: the caller authenticates first and passes the time.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// How a binding's requests reach the phone: back to its source over UDP, or down the TCP
/// connection it registered on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Udp,
    Tcp { conn_id: u64 },
}

/// One registered contact of a user.
#[derive(Debug, Clone, PartialEq)]
pub struct Binding {
    pub contact: String,
    /// Where the REGISTER came from (after NAT), where requests go.
    pub source: SocketAddr,
    pub flow: Flow,
    pub expires_at: Instant,
    pub call_id: String,
    pub cseq: u32,
    pub q: f32,
    pub user_agent: Option<String>,
    /// When this binding was last refreshed: among equal q, the freshest is tried first.
    pub updated_at: Instant,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrarConfig {
    pub min_expires: u32,
    pub max_expires: u32,
    pub default_expires: u32,
    pub max_contacts_per_user: usize,
    pub max_users: usize,
}

impl Default for RegistrarConfig {
    fn default() -> Self {
        RegistrarConfig {
            min_expires: 60,
            max_expires: 3600,
            default_expires: 3600,
            max_contacts_per_user: 5,
            max_users: 100_000,
        }
    }
}

/// One Contact header value of a REGISTER.
#[derive(Debug, Clone, PartialEq)]
pub enum ContactUpdate {
    /// `Contact: *` (remove all, only with `Expires: 0`).
    Star,
    Contact {
        uri: String,
        expires: Option<u32>,
        q: Option<f32>,
    },
}

/// An authenticated REGISTER, reduced to what the registrar needs.
#[derive(Debug, Clone)]
pub struct RegisterRequest {
    pub user: String,
    pub contacts: Vec<ContactUpdate>,
    pub expires_header: Option<u32>,
    pub call_id: String,
    pub cseq: u32,
    pub source: SocketAddr,
    pub flow: Flow,
    pub user_agent: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegisterError {
    #[error("interval too brief (minimum {min_expires}s)")]
    IntervalTooBrief { min_expires: u32 },
    #[error("Contact: * with other contacts")]
    StarWithOtherContacts,
    #[error("Contact: * needs Expires: 0")]
    StarWithNonZeroExpires,
    #[error("CSeq not higher than the binding's for the same Call-ID")]
    OutOfOrder,
    #[error("more contacts than allowed per user")]
    TooManyContacts,
    #[error("registrar full")]
    TooManyUsers,
}

/// All bindings, by user.
#[derive(Debug, Clone)]
pub struct Registrar {
    cfg: RegistrarConfig,
    users: HashMap<String, Vec<Binding>>,
}

impl Registrar {
    pub fn new(cfg: RegistrarConfig) -> Self {
        Registrar {
            cfg,
            users: HashMap::new(),
        }
    }

    /// Applies a REGISTER atomically (all its contacts or none) and returns the user's
    /// contacts afterwards with their remaining seconds, for the 200 OK.
    pub fn register(
        &mut self,
        req: RegisterRequest,
        now: Instant,
    ) -> Result<Vec<(String, u32)>, RegisterError> {
        let has_star = req
            .contacts
            .iter()
            .any(|c| matches!(c, ContactUpdate::Star));
        let mut bindings: Vec<Binding> = self
            .users
            .get(&req.user)
            .map(|b| b.iter().filter(|b| b.expires_at > now).cloned().collect())
            .unwrap_or_default();
        if has_star {
            if req.contacts.len() > 1 {
                return Err(RegisterError::StarWithOtherContacts);
            }
            if req.expires_header != Some(0) {
                return Err(RegisterError::StarWithNonZeroExpires);
            }
            if bindings
                .iter()
                .any(|b| b.call_id == req.call_id && req.cseq <= b.cseq)
            {
                return Err(RegisterError::OutOfOrder);
            }
            self.users.remove(&req.user);
            return Ok(Vec::new());
        }
        if req.contacts.len() > self.cfg.max_contacts_per_user {
            return Err(RegisterError::TooManyContacts);
        }
        for c in &req.contacts {
            let ContactUpdate::Contact { uri, expires, q } = c else {
                continue;
            };
            let secs = expires
                .or(req.expires_header)
                .unwrap_or(self.cfg.default_expires);
            if secs != 0 && secs < self.cfg.min_expires {
                return Err(RegisterError::IntervalTooBrief {
                    min_expires: self.cfg.min_expires,
                });
            }
            let secs = secs.min(self.cfg.max_expires);
            let existing = bindings.iter().position(|b| same_uri(&b.contact, uri));
            if let Some(i) = existing {
                if bindings
                    .get(i)
                    .is_some_and(|b| b.call_id == req.call_id && req.cseq <= b.cseq)
                {
                    return Err(RegisterError::OutOfOrder);
                }
                if secs == 0 {
                    bindings.remove(i);
                    continue;
                }
            } else if secs == 0 {
                continue;
            }
            let binding = Binding {
                contact: uri.clone(),
                source: req.source,
                flow: req.flow,
                expires_at: now + Duration::from_secs(u64::from(secs)),
                call_id: req.call_id.clone(),
                cseq: req.cseq,
                q: q.filter(|q| (0.0..=1.0).contains(q)).unwrap_or(1.0),
                user_agent: req.user_agent.clone(),
                updated_at: now,
            };
            match existing.and_then(|i| bindings.get_mut(i)) {
                Some(slot) => *slot = binding,
                None => {
                    if bindings.len() >= self.cfg.max_contacts_per_user {
                        // A phone that restarted re-registers with a new contact; the oldest
                        // binding is the one most likely dead, so it makes room.
                        if let Some((oldest, _)) = bindings
                            .iter()
                            .enumerate()
                            .min_by_key(|(_, b)| b.updated_at)
                        {
                            bindings.remove(oldest);
                        }
                    }
                    bindings.push(binding);
                }
            }
        }
        let current = bindings
            .iter()
            .map(|b| (b.contact.clone(), remaining_secs(b.expires_at, now)))
            .collect();
        if bindings.is_empty() {
            self.users.remove(&req.user);
        } else {
            if !self.users.contains_key(&req.user) && self.users.len() >= self.cfg.max_users {
                return Err(RegisterError::TooManyUsers);
            }
            self.users.insert(req.user, bindings);
        }
        Ok(current)
    }

    /// The user's live bindings, best first: highest q, then most recently refreshed.
    pub fn lookup(&self, user: &str, now: Instant) -> Vec<&Binding> {
        let mut live: Vec<&Binding> = self
            .users
            .get(user)
            .map(|b| b.iter().filter(|b| b.expires_at > now).collect())
            .unwrap_or_default();
        live.sort_by(|a, b| b.q.total_cmp(&a.q).then(b.updated_at.cmp(&a.updated_at)));
        live
    }

    /// Removes expired bindings, returning them with their user.
    pub fn expire(&mut self, now: Instant) -> Vec<(String, Binding)> {
        let mut gone = Vec::new();
        self.users.retain(|user, bindings| {
            let (dead, live): (Vec<Binding>, Vec<Binding>) =
                bindings.drain(..).partition(|b| b.expires_at <= now);
            gone.extend(dead.into_iter().map(|b| (user.clone(), b)));
            *bindings = live;
            !bindings.is_empty()
        });
        gone
    }

    /// Drops bindings that lived on a TCP connection that has closed; returns how many.
    pub fn remove_flow(&mut self, conn_id: u64) -> usize {
        let mut removed = 0;
        self.users.retain(|_, bindings| {
            let before = bindings.len();
            bindings.retain(|b| b.flow != Flow::Tcp { conn_id });
            removed += before - bindings.len();
            !bindings.is_empty()
        });
        removed
    }

    /// Users with at least one binding (expired ones included until `expire` runs).
    pub fn user_count(&self) -> usize {
        self.users.len()
    }
}

fn remaining_secs(at: Instant, now: Instant) -> u32 {
    let d = at.saturating_duration_since(now);
    u32::try_from(d.as_secs() + u64::from(d.subsec_nanos() > 0)).unwrap_or(u32::MAX)
}

/// RFC 3261 §19.1.4 lite: scheme and host compare without case, the user part with it.
fn same_uri(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    let split = |u: &str| -> (String, String) {
        match u.rsplit_once('@') {
            Some((user, host)) => {
                let (scheme, user) = user.split_once(':').unwrap_or(("", user));
                (
                    format!("{}:{user}", scheme.to_ascii_lowercase()),
                    host.to_ascii_lowercase(),
                )
            }
            None => (String::new(), u.to_ascii_lowercase()),
        }
    };
    split(a) == split(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(
        contacts: Vec<ContactUpdate>,
        expires: Option<u32>,
        call_id: &str,
        cseq: u32,
    ) -> RegisterRequest {
        RegisterRequest {
            user: "1001".into(),
            contacts,
            expires_header: expires,
            call_id: call_id.into(),
            cseq,
            source: "198.51.100.7:5062".parse().unwrap(),
            flow: Flow::Udp,
            user_agent: Some("baresip".into()),
        }
    }

    fn contact(uri: &str, expires: Option<u32>) -> ContactUpdate {
        ContactUpdate::Contact {
            uri: uri.into(),
            expires,
            q: None,
        }
    }

    fn registrar() -> Registrar {
        Registrar::new(RegistrarConfig {
            max_contacts_per_user: 3,
            max_users: 2,
            ..RegistrarConfig::default()
        })
    }

    #[test]
    fn register_refresh_expire() {
        let t0 = Instant::now();
        let mut r = registrar();
        let got = r
            .register(
                req(vec![contact("sip:1001@10.0.0.7", None)], Some(600), "a", 1),
                t0,
            )
            .unwrap();
        assert_eq!(got, vec![("sip:1001@10.0.0.7".to_string(), 600)]);
        assert_eq!(r.lookup("1001", t0).len(), 1);
        // Refresh with a higher CSeq extends; the per-contact expires wins over the header.
        let t1 = t0 + Duration::from_secs(500);
        let got = r
            .register(
                req(
                    vec![contact("sip:1001@10.0.0.7", Some(120))],
                    Some(600),
                    "a",
                    2,
                ),
                t1,
            )
            .unwrap();
        assert_eq!(got[0].1, 120);
        assert_eq!(r.lookup("1001", t1 + Duration::from_secs(119)).len(), 1);
        assert!(r.lookup("1001", t1 + Duration::from_secs(120)).is_empty());
        let gone = r.expire(t1 + Duration::from_secs(120));
        assert_eq!(gone.len(), 1);
        assert_eq!(r.user_count(), 0);
    }

    #[test]
    fn expiry_is_clamped_and_checked() {
        let t0 = Instant::now();
        let mut r = registrar();
        let e = r.register(req(vec![contact("sip:a@h", Some(30))], None, "a", 1), t0);
        assert_eq!(e, Err(RegisterError::IntervalTooBrief { min_expires: 60 }));
        let got = r
            .register(
                req(vec![contact("sip:a@h", None)], Some(100_000), "a", 2),
                t0,
            )
            .unwrap();
        assert_eq!(got[0].1, 3600);
        let got = r
            .register(req(vec![contact("sip:b@h", None)], None, "a", 3), t0)
            .unwrap();
        assert_eq!(got.len(), 2);
        assert!(got.iter().all(|(_, s)| *s == 3600), "default expiry");
    }

    #[test]
    fn unregister_one_and_all() {
        let t0 = Instant::now();
        let mut r = registrar();
        r.register(
            req(
                vec![contact("sip:a@h", None), contact("sip:b@h", None)],
                Some(600),
                "c",
                1,
            ),
            t0,
        )
        .unwrap();
        let got = r
            .register(req(vec![contact("sip:a@h", None)], Some(0), "c", 2), t0)
            .unwrap();
        assert_eq!(got, vec![("sip:b@h".to_string(), 600)]);
        assert_eq!(
            r.register(req(vec![ContactUpdate::Star], Some(600), "c", 3), t0),
            Err(RegisterError::StarWithNonZeroExpires)
        );
        assert_eq!(
            r.register(
                req(
                    vec![ContactUpdate::Star, contact("sip:x@h", None)],
                    Some(0),
                    "c",
                    3
                ),
                t0
            ),
            Err(RegisterError::StarWithOtherContacts)
        );
        assert_eq!(
            r.register(req(vec![ContactUpdate::Star], Some(0), "c", 4), t0),
            Ok(vec![])
        );
        assert!(r.lookup("1001", t0).is_empty());
        // Unregistering a contact that is not there is fine.
        assert_eq!(
            r.register(req(vec![contact("sip:z@h", None)], Some(0), "c", 5), t0),
            Ok(vec![])
        );
    }

    #[test]
    fn out_of_order_cseq_is_refused_without_changes() {
        let t0 = Instant::now();
        let mut r = registrar();
        r.register(req(vec![contact("sip:a@h", None)], Some(600), "c", 5), t0)
            .unwrap();
        assert_eq!(
            r.register(req(vec![contact("sip:a@h", None)], Some(0), "c", 5), t0),
            Err(RegisterError::OutOfOrder)
        );
        assert_eq!(r.lookup("1001", t0).len(), 1);
        // Another Call-ID (a restarted phone) may use any CSeq.
        assert!(r
            .register(req(vec![contact("sip:a@h", None)], Some(600), "d", 1), t0)
            .is_ok());
    }

    #[test]
    fn fetch_returns_bindings_unchanged() {
        let t0 = Instant::now();
        let mut r = registrar();
        r.register(req(vec![contact("sip:a@h", None)], Some(600), "c", 1), t0)
            .unwrap();
        let got = r
            .register(req(vec![], None, "q", 1), t0 + Duration::from_secs(100))
            .unwrap();
        assert_eq!(got, vec![("sip:a@h".to_string(), 500)]);
    }

    #[test]
    fn contact_limit_evicts_oldest_and_rejects_oversized_requests() {
        let t0 = Instant::now();
        let mut r = registrar();
        for (i, uri) in ["sip:a@h", "sip:b@h", "sip:c@h", "sip:d@h"]
            .iter()
            .enumerate()
        {
            r.register(
                req(vec![contact(uri, None)], Some(600), uri, 1),
                t0 + Duration::from_secs(i as u64),
            )
            .unwrap();
        }
        let now = t0 + Duration::from_secs(10);
        let live: Vec<&str> = r
            .lookup("1001", now)
            .iter()
            .map(|b| b.contact.as_str())
            .collect();
        assert_eq!(
            live,
            vec!["sip:d@h", "sip:c@h", "sip:b@h"],
            "freshest first, oldest evicted"
        );
        let four = (0..4)
            .map(|i| contact(&format!("sip:{i}@h"), None))
            .collect();
        assert_eq!(
            r.register(req(four, Some(600), "z", 1), now),
            Err(RegisterError::TooManyContacts)
        );
    }

    #[test]
    fn q_orders_lookup_and_uri_compare_ignores_host_case() {
        let t0 = Instant::now();
        let mut r = registrar();
        let low = ContactUpdate::Contact {
            uri: "sip:1001@desk".into(),
            expires: None,
            q: Some(0.1),
        };
        r.register(req(vec![low], Some(600), "a", 1), t0).unwrap();
        r.register(
            req(vec![contact("sip:1001@mobile", None)], Some(600), "b", 1),
            t0 - Duration::from_secs(5),
        )
        .unwrap();
        assert_eq!(r.lookup("1001", t0)[0].contact, "sip:1001@mobile");
        r.register(
            req(vec![contact("SIP:1001@MOBILE", None)], Some(0), "b", 2),
            t0,
        )
        .unwrap();
        assert_eq!(r.lookup("1001", t0).len(), 1);
        assert!(!same_uri("sip:Alice@h", "sip:alice@h"));
    }

    #[test]
    fn user_limit_and_tcp_flow_removal() {
        let t0 = Instant::now();
        let mut r = registrar();
        let mut tcp = req(vec![contact("sip:a@h", None)], Some(600), "a", 1);
        tcp.flow = Flow::Tcp { conn_id: 9 };
        r.register(tcp, t0).unwrap();
        let mut other = req(vec![contact("sip:b@h", None)], Some(600), "b", 1);
        other.user = "1002".into();
        r.register(other.clone(), t0).unwrap();
        other.user = "1003".into();
        assert_eq!(r.register(other, t0), Err(RegisterError::TooManyUsers));
        assert_eq!(r.remove_flow(9), 1);
        assert!(r.lookup("1001", t0).is_empty());
        assert_eq!(r.user_count(), 1);
    }
}
