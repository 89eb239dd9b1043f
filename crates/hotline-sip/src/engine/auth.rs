//! Digest authentication of out-of-dialog requests (REGISTER, and INVITE from outside the
//! trunks), and why each request that does not get through is refused:
//!
//! - no credentials, another scheme (`Basic`), or another realm: a fresh challenge (SHA-256 and
//!   MD5, RFC 8760), not a failure — the credentials were not meant for us;
//! - a malformed Digest header, or a `uri` that is not the Request-URI: 400 naming the fault
//!   (RFC 2617 §3.2.2.5 asks for 400 on a uri mismatch; a fresh challenge would only make a
//!   phone that signs another URI loop, and tells its operator nothing);
//! - a wrong password or unknown user (the same answer and cost, so users cannot be
//!   enumerated), or an algorithm we did not offer: 403, counted against the address and the
//!   account ([`crate::admission`], [`crate::account_throttle`]);
//! - a right password for an account throttled for guessing, from an address that account
//!   has not used: the same 403, so guessing during the throttle learns nothing;
//! - a right password with a nonce that is expired, unknown, replayed (an `nc` already seen)
//!   or from another address than it was issued to: a fresh challenge with `stale=true`
//!   ([`crate::nonces`]), so real phones retry on their own and replays get nowhere;
//! - an INVITE from a user with no live registration: `403 Not Registered`, logged, unless
//!   `allow_unregistered_calls`.
//!
//! The order matters: the password is checked before the nonce is used (nobody without it can
//! use up a phone's nonce counts), and the account throttle before the nonce (else a stale
//! challenge would tell a guesser the password was right).

use rand::Rng;
use tracing::{debug, info, warn};

use super::{Now, SipCore};
use crate::api::Peer;
use crate::digest::{self, Algorithm, Challenge, DigestError};
use crate::nonces::NonceUse;
use crate::wire::Request;

/// An HA1 no password hashes to, verified against when the user is unknown so that both
/// cases cost the same.
const DUMMY_HA1: &str = "00000000000000000000000000000000";

/// Why a request was refused (the `reason` label of `hotline_sip_refused_total`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Wrong password, unknown user, or an algorithm or qop we did not offer (403).
    AuthFailed,
    /// A right password for an account throttled for guessing, from an unknown address (403).
    AccountThrottled,
    /// REGISTER for another user than the one authenticated (403).
    UserMismatch,
    /// An authenticated INVITE from a user with no live registration (403 Not Registered).
    NotRegistered,
    /// Credentials whose `uri` is not the Request-URI (400).
    UriMismatch,
    /// A malformed Digest header (400).
    BadAuthorization,
}

impl Refusal {
    pub const ALL: [Refusal; 6] = [
        Refusal::AuthFailed,
        Refusal::AccountThrottled,
        Refusal::UserMismatch,
        Refusal::NotRegistered,
        Refusal::UriMismatch,
        Refusal::BadAuthorization,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Refusal::AuthFailed => "auth_failed",
            Refusal::AccountThrottled => "account_throttled",
            Refusal::UserMismatch => "user_mismatch",
            Refusal::NotRegistered => "not_registered",
            Refusal::UriMismatch => "uri_mismatch",
            Refusal::BadAuthorization => "bad_authorization",
        }
    }
}

/// Why a challenge was sent (the `reason` label of `hotline_sip_auth_challenges_total`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChallengeReason {
    NoCredentials,
    /// Credentials of another scheme than Digest (`Basic`, …).
    OtherScheme,
    /// Digest credentials for another realm.
    OtherRealm,
    /// The right password, but the nonce could not be used ([`NonceUse`]): `stale=true`.
    Nonce(NonceUse),
}

impl ChallengeReason {
    /// One of each label.
    pub const ALL: [ChallengeReason; 6] = [
        ChallengeReason::NoCredentials,
        ChallengeReason::OtherScheme,
        ChallengeReason::OtherRealm,
        ChallengeReason::Nonce(NonceUse::Expired),
        ChallengeReason::Nonce(NonceUse::Replayed),
        ChallengeReason::Nonce(NonceUse::OtherAddress),
    ];

    pub fn label(self) -> &'static str {
        match self {
            ChallengeReason::NoCredentials => "no_credentials",
            ChallengeReason::OtherScheme => "other_scheme",
            ChallengeReason::OtherRealm => "other_realm",
            ChallengeReason::Nonce(u) => u.label(),
        }
    }

    fn stale(self) -> bool {
        matches!(self, ChallengeReason::Nonce(_))
    }
}

/// A request that did not authenticate, and what to answer.
#[derive(Debug)]
pub(super) enum Denial {
    Challenge(ChallengeReason),
    /// 403, counted against the address and `account` (the user name presented).
    Failed {
        account: String,
    },
    /// Refused without counting a failure: the code and reason phrase.
    Refused(Refusal, u16, String),
}

impl SipCore {
    /// Checks the credentials in `value` (an Authorization or Proxy-Authorization header) for
    /// `req`; the authenticated user name, or why not. See the module documentation.
    pub(super) fn authenticate(
        &mut self,
        now: Now,
        peer: Peer,
        req: &Request,
        value: Option<&str>,
    ) -> Result<String, Denial> {
        let Some(value) = value else {
            return Err(Denial::Challenge(ChallengeReason::NoCredentials));
        };
        let creds = match digest::parse_authorization(value) {
            Ok(c) => c,
            Err(DigestError::NotDigest) => {
                return Err(Denial::Challenge(ChallengeReason::OtherScheme))
            }
            Err(DigestError::UnsupportedAlgorithm(_)) => {
                return Err(Denial::Failed {
                    account: String::new(),
                })
            }
            Err(e) => return Err(bad_authorization(&e)),
        };
        if creds.realm != self.cfg.realm {
            return Err(Denial::Challenge(ChallengeReason::OtherRealm));
        }
        let failed = || Denial::Failed {
            account: creds.username.clone(),
        };
        if !self.cfg.auth_algorithms.contains(&creds.algorithm) {
            return Err(failed());
        }
        let nc = match creds.nonce_count() {
            Ok(nc) => nc,
            Err(DigestError::UnsupportedQop(_)) => return Err(failed()),
            Err(e) => return Err(bad_authorization(&e)),
        };
        if !crate::uri::same_uri(&creds.uri, &req.raw_uri) {
            return Err(Denial::Refused(
                Refusal::UriMismatch,
                400,
                "Digest uri Does Not Match Request-URI".into(),
            ));
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
        if !ok {
            return Err(failed());
        }
        let ip = peer.addr.ip();
        let user = creds.username;
        if self.accounts.is_throttled_for(&user, ip, now.mono) {
            info!(user = %crate::mask(&user), src = %peer.addr, "credentials refused: the account is throttled for password guessing");
            return Err(Denial::Refused(
                Refusal::AccountThrottled,
                403,
                crate::build::reason_phrase(403).into(),
            ));
        }
        match self.nonces.use_nonce(&creds.nonce, nc, ip, now.mono) {
            NonceUse::Fresh => {}
            used => {
                if matches!(used, NonceUse::Replayed | NonceUse::OtherAddress) {
                    info!(user = %crate::mask(&user), src = %peer.addr, reason = used.label(), "digest nonce refused, challenged again");
                } else {
                    debug!(user = %crate::mask(&user), src = %peer.addr, reason = used.label(), "digest nonce refused, challenged again");
                }
                return Err(Denial::Challenge(ChallengeReason::Nonce(used)));
            }
        }
        self.admission.record_success(ip, &user);
        self.accounts.record_success(&user, ip, now.mono);
        Ok(user)
    }

    /// Answers a request that did not authenticate; `challenge_code` is 401 or 407.
    pub(super) fn deny(
        &mut self,
        now: Now,
        peer: Peer,
        req: &Request,
        challenge_code: u16,
        denial: Denial,
    ) {
        match denial {
            Denial::Challenge(why) => self.challenge(now, peer, req, challenge_code, why),
            Denial::Failed { account } => {
                self.auth_failed(now, peer, req, &account, Refusal::AuthFailed)
            }
            Denial::Refused(refusal, code, phrase) => {
                self.refuse(now, peer, req, refusal, code, &phrase)
            }
        }
    }

    /// Authenticates an out-of-dialog INVITE from outside the trunks: the caller must hold
    /// valid credentials and (unless configured otherwise) be registered. Answers the request
    /// itself when it cannot go on.
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
        let user = match self.authenticate(now, peer, req, creds) {
            Ok(user) => user,
            Err(denial) => {
                self.deny(now, peer, req, 407, denial);
                return None;
            }
        };
        if self.registrar.lookup(&user, now.mono).is_empty() {
            if self.cfg.allow_unregistered_calls {
                debug!(user = %crate::mask(&user), src = %peer.addr, "call from an unregistered user, allowed by sip.auth.allow_unregistered_calls");
                return Some(user);
            }
            info!(user = %crate::mask(&user), src = %peer.addr, "call refused: the user authenticated but has no live registration");
            self.refuse(
                now,
                peer,
                req,
                Refusal::NotRegistered,
                403,
                "Not Registered",
            );
            return None;
        }
        Some(user)
    }

    /// 401/407 with a challenge per configured algorithm, preferred first (RFC 8760 §2.4),
    /// with one fresh nonce remembered for the address that asked.
    fn challenge(&mut self, now: Now, peer: Peer, req: &Request, code: u16, why: ChallengeReason) {
        let value = self.rng.random::<u128>();
        let nonce = self.nonces.issue(value, peer.addr.ip(), now.mono);
        *self.stats.challenges.entry(why.label()).or_default() += 1;
        let header = if code == 407 {
            "Proxy-Authenticate"
        } else {
            "WWW-Authenticate"
        };
        let values: Vec<String> = self
            .cfg
            .auth_algorithms
            .iter()
            .map(|&algorithm| {
                Challenge {
                    realm: self.cfg.realm.clone(),
                    nonce: nonce.clone(),
                    algorithm,
                    opaque: None,
                    stale: why.stale(),
                }
                .header_value()
            })
            .collect();
        let extra: Vec<(&str, &str)> = values.iter().map(|v| (header, v.as_str())).collect();
        self.reply_stateless(now, peer, req, code, &extra);
    }

    /// 403, counted as an authentication failure against the address (and `account`'s
    /// failures from it) and, for a wrong password of an account that exists, the account.
    pub(super) fn auth_failed(
        &mut self,
        now: Now,
        peer: Peer,
        req: &Request,
        account: &str,
        refusal: Refusal,
    ) {
        self.stats.auth_failures += 1;
        *self.stats.refused.entry(refusal.label()).or_default() += 1;
        debug!(user = %crate::mask(account), src = %peer.addr, reason = refusal.label(), "authentication failed");
        if self
            .admission
            .record_failure(peer.addr.ip(), account, now.mono)
        {
            warn!(src = %peer.addr, "address blocked after repeated authentication failures");
        }
        if refusal == Refusal::AuthFailed && self.users.contains_key(account) {
            if let Some(block) = self.accounts.record_failure(account, now.mono) {
                warn!(user = %crate::mask(account), block_secs = block.as_secs(), "account throttled after repeated wrong passwords");
            }
        }
        self.reply_stateless(now, peer, req, 403, &[]);
    }

    /// Refuses without counting an authentication failure.
    fn refuse(
        &mut self,
        now: Now,
        peer: Peer,
        req: &Request,
        refusal: Refusal,
        code: u16,
        phrase: &str,
    ) {
        *self.stats.refused.entry(refusal.label()).or_default() += 1;
        self.reply_with_reason(now, peer, req, code, phrase);
    }
}

fn bad_authorization(e: &DigestError) -> Denial {
    Denial::Refused(
        Refusal::BadAuthorization,
        400,
        format!("Bad Authorization Header: {e}"),
    )
}
