//! HTTP digest authentication for SIP (RFC 3261 §22, RFC 2617, RFC 7616, RFC 8760): the
//! challenge we send, parsing the credentials a phone returns, checking them against a stored
//! HA1, and answering a challenge (for tests and outbound use). The nonces themselves, and who
//! may use them how often, are [`crate::nonces`]'s.
//!
//! Pure: no clock reads, no I/O.

use md5::Md5;
use sha2::{Digest, Sha256};

/// The hash a challenge names. `-sess` variants and `auth-int` are not offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    Md5,
    Sha256,
}

impl Algorithm {
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Md5 => "MD5",
            Algorithm::Sha256 => "SHA-256",
        }
    }

    /// `MD5` or `SHA-256`, in any case.
    pub fn parse(value: &str) -> Result<Self, DigestError> {
        if value.eq_ignore_ascii_case("MD5") {
            Ok(Algorithm::Md5)
        } else if value.eq_ignore_ascii_case("SHA-256") {
            Ok(Algorithm::Sha256)
        } else {
            Err(DigestError::UnsupportedAlgorithm(value.to_string()))
        }
    }

    fn hash(self, data: &str) -> String {
        match self {
            Algorithm::Md5 => hex(&Md5::digest(data.as_bytes())),
            Algorithm::Sha256 => hex(&Sha256::digest(data.as_bytes())),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DigestError {
    #[error("not a Digest header")]
    NotDigest,
    #[error("malformed parameter list")]
    Malformed,
    #[error("missing parameter {0}")]
    Missing(&'static str),
    #[error("unsupported algorithm {0}")]
    UnsupportedAlgorithm(String),
    #[error("unsupported qop {0}")]
    UnsupportedQop(String),
    #[error("nc must be 1 to 8 hex digits, not zero")]
    BadNonceCount,
}

/// One `WWW-Authenticate`/`Proxy-Authenticate` challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    pub realm: String,
    pub nonce: String,
    pub algorithm: Algorithm,
    pub opaque: Option<String>,
    pub stale: bool,
}

impl Challenge {
    /// The header value, always offering `qop="auth"`.
    pub fn header_value(&self) -> String {
        let mut v = format!(
            "Digest realm=\"{}\", nonce=\"{}\", algorithm={}, qop=\"auth\"",
            self.realm,
            self.nonce,
            self.algorithm.as_str()
        );
        if let Some(o) = &self.opaque {
            v.push_str(&format!(", opaque=\"{o}\""));
        }
        if self.stale {
            v.push_str(", stale=true");
        }
        v
    }
}

/// The credentials in an `Authorization`/`Proxy-Authorization` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub username: String,
    pub realm: String,
    pub nonce: String,
    pub uri: String,
    pub response: String,
    pub algorithm: Algorithm,
    pub cnonce: Option<String>,
    pub nc: Option<String>,
    pub qop: Option<String>,
    pub opaque: Option<String>,
}

impl Credentials {
    /// The nonce count as a number: `None` without `qop` (RFC 2069 style), else `nc` (1 to 8
    /// hex digits, not zero) and a `cnonce` must be there. `qop` other than `auth` is refused.
    pub fn nonce_count(&self) -> Result<Option<u32>, DigestError> {
        let Some(qop) = self.qop.as_deref() else {
            return Ok(None);
        };
        if !qop.eq_ignore_ascii_case("auth") {
            return Err(DigestError::UnsupportedQop(qop.to_string()));
        }
        let nc = self.nc.as_deref().ok_or(DigestError::Missing("nc"))?;
        if self.cnonce.as_deref().is_none_or(str::is_empty) {
            return Err(DigestError::Missing("cnonce"));
        }
        match u32::from_str_radix(nc, 16) {
            Ok(n) if n > 0 && (1..=8).contains(&nc.len()) && !nc.starts_with('+') => Ok(Some(n)),
            _ => Err(DigestError::BadNonceCount),
        }
    }
}

/// Splits `Digest k=v, k="v", ...` into lower-cased keys and unquoted values.
fn parse_params(value: &str) -> Result<Vec<(String, String)>, DigestError> {
    let value = value.trim();
    let (scheme, rest) = value.split_at(value.find(char::is_whitespace).unwrap_or(value.len()));
    if !scheme.eq_ignore_ascii_case("Digest") {
        return Err(DigestError::NotDigest);
    }
    if rest.trim().is_empty() {
        return Err(DigestError::Malformed);
    }
    let mut out = Vec::new();
    let mut chars = rest.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace() || *c == ',') {
            chars.next();
        }
        if chars.peek().is_none() {
            break;
        }
        let mut key = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' || c.is_whitespace() {
                break;
            }
            key.push(c);
            chars.next();
        }
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.next() != Some('=') || key.is_empty() {
            return Err(DigestError::Malformed);
        }
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let mut val = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            let mut closed = false;
            while let Some(c) = chars.next() {
                match c {
                    '\\' => val.push(chars.next().ok_or(DigestError::Malformed)?),
                    '"' => {
                        closed = true;
                        break;
                    }
                    c => val.push(c),
                }
            }
            if !closed {
                return Err(DigestError::Malformed);
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == ',' || c.is_whitespace() {
                    break;
                }
                val.push(c);
                chars.next();
            }
        }
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.peek().is_some_and(|c| *c != ',') {
            return Err(DigestError::Malformed);
        }
        out.push((key.to_ascii_lowercase(), val));
    }
    Ok(out)
}

fn take(params: &[(String, String)], key: &str) -> Option<String> {
    params
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.clone())
}

/// Parses an `Authorization` or `Proxy-Authorization` header value.
pub fn parse_authorization(value: &str) -> Result<Credentials, DigestError> {
    let p = parse_params(value)?;
    let algorithm = match take(&p, "algorithm") {
        Some(a) => Algorithm::parse(&a)?,
        None => Algorithm::Md5,
    };
    Ok(Credentials {
        username: take(&p, "username").ok_or(DigestError::Missing("username"))?,
        realm: take(&p, "realm").ok_or(DigestError::Missing("realm"))?,
        nonce: take(&p, "nonce").ok_or(DigestError::Missing("nonce"))?,
        uri: take(&p, "uri").ok_or(DigestError::Missing("uri"))?,
        response: take(&p, "response").ok_or(DigestError::Missing("response"))?,
        algorithm,
        cnonce: take(&p, "cnonce"),
        nc: take(&p, "nc"),
        qop: take(&p, "qop"),
        opaque: take(&p, "opaque"),
    })
}

/// Parses a `WWW-Authenticate` or `Proxy-Authenticate` header value.
pub fn parse_challenge(value: &str) -> Result<(Challenge, Vec<String>), DigestError> {
    let p = parse_params(value)?;
    let algorithm = match take(&p, "algorithm") {
        Some(a) => Algorithm::parse(&a)?,
        None => Algorithm::Md5,
    };
    let qops = take(&p, "qop")
        .map(|q| {
            q.split(',')
                .map(|s| s.trim().to_ascii_lowercase())
                .collect()
        })
        .unwrap_or_default();
    let challenge = Challenge {
        realm: take(&p, "realm").ok_or(DigestError::Missing("realm"))?,
        nonce: take(&p, "nonce").ok_or(DigestError::Missing("nonce"))?,
        algorithm,
        opaque: take(&p, "opaque"),
        stale: take(&p, "stale").is_some_and(|s| s.eq_ignore_ascii_case("true")),
    };
    Ok((challenge, qops))
}

/// `H(username:realm:password)`, hex, the form credentials are stored in.
pub fn ha1(algorithm: Algorithm, username: &str, realm: &str, password: &str) -> String {
    algorithm.hash(&format!("{username}:{realm}:{password}"))
}

fn expected_response(creds: &Credentials, method: &str, ha1: &str) -> Result<String, DigestError> {
    let alg = creds.algorithm;
    let ha2 = alg.hash(&format!("{method}:{}", creds.uri));
    match creds.qop.as_deref() {
        None => Ok(alg.hash(&format!("{ha1}:{}:{ha2}", creds.nonce))),
        Some(q) if q.eq_ignore_ascii_case("auth") => {
            let nc = creds.nc.as_deref().ok_or(DigestError::Missing("nc"))?;
            let cnonce = creds
                .cnonce
                .as_deref()
                .ok_or(DigestError::Missing("cnonce"))?;
            Ok(alg.hash(&format!("{ha1}:{}:{nc}:{cnonce}:auth:{ha2}", creds.nonce)))
        }
        Some(q) => Err(DigestError::UnsupportedQop(q.to_string())),
    }
}

/// Does `creds` prove knowledge of the password behind `ha1` for this request method?
/// Compares in constant time.
pub fn verify(creds: &Credentials, method: &str, ha1: &str) -> bool {
    match expected_response(creds, method, &ha1.to_ascii_lowercase()) {
        Ok(expected) => constant_time_eq(
            expected.as_bytes(),
            creds.response.to_ascii_lowercase().as_bytes(),
        ),
        Err(_) => false,
    }
}

/// Answers a challenge header value: returns the `Authorization` header value.
pub fn respond(
    challenge: &str,
    method: &str,
    uri: &str,
    username: &str,
    password: &str,
    cnonce: &str,
    nc: u32,
) -> Result<String, DigestError> {
    let (ch, qops) = parse_challenge(challenge)?;
    let use_qop = qops.iter().any(|q| q == "auth");
    let mut creds = Credentials {
        username: username.to_string(),
        realm: ch.realm.clone(),
        nonce: ch.nonce.clone(),
        uri: uri.to_string(),
        response: String::new(),
        algorithm: ch.algorithm,
        cnonce: use_qop.then(|| cnonce.to_string()),
        nc: use_qop.then(|| format!("{nc:08x}")),
        qop: use_qop.then(|| "auth".to_string()),
        opaque: ch.opaque.clone(),
    };
    let key = ha1(ch.algorithm, username, &ch.realm, password);
    creds.response = expected_response(&creds, method, &key)?;
    let mut v = format!(
        "Digest username=\"{}\", realm=\"{}\", nonce=\"{}\", uri=\"{}\", response=\"{}\", algorithm={}",
        creds.username,
        creds.realm,
        creds.nonce,
        creds.uri,
        creds.response,
        ch.algorithm.as_str()
    );
    if use_qop {
        v.push_str(&format!(", qop=auth, nc={:08x}, cnonce=\"{cnonce}\"", nc));
    }
    if let Some(o) = &ch.opaque {
        v.push_str(&format!(", opaque=\"{o}\""));
    }
    Ok(v)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        for nibble in [b >> 4, b & 0xf] {
            s.extend(char::from_digit(u32::from(nibble), 16));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 2617 §3.5's worked example.
    #[test]
    fn rfc2617_example() {
        let h = ha1(
            Algorithm::Md5,
            "Mufasa",
            "testrealm@host.com",
            "Circle Of Life",
        );
        let creds = Credentials {
            username: "Mufasa".into(),
            realm: "testrealm@host.com".into(),
            nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093".into(),
            uri: "/dir/index.html".into(),
            response: "6629fae49393a05397450978507c4ef1".into(),
            algorithm: Algorithm::Md5,
            cnonce: Some("0a4f113b".into()),
            nc: Some("00000001".into()),
            qop: Some("auth".into()),
            opaque: Some("5ccc069c403ebaf9f0171e9517f40e41".into()),
        };
        assert!(verify(&creds, "GET", &h));
        assert!(!verify(&creds, "POST", &h));
        let wrong = ha1(
            Algorithm::Md5,
            "Mufasa",
            "testrealm@host.com",
            "circle of life",
        );
        assert!(!verify(&creds, "GET", &wrong));
    }

    /// RFC 7616 §3.9.1's SHA-256 example.
    #[test]
    fn rfc7616_sha256_example() {
        let h = ha1(
            Algorithm::Sha256,
            "Mufasa",
            "http-auth@example.org",
            "Circle of Life",
        );
        let creds = Credentials {
            username: "Mufasa".into(),
            realm: "http-auth@example.org".into(),
            nonce: "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v".into(),
            uri: "/dir/index.html".into(),
            response: "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1".into(),
            algorithm: Algorithm::Sha256,
            cnonce: Some("f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ".into()),
            nc: Some("00000001".into()),
            qop: Some("auth".into()),
            opaque: None,
        };
        assert!(verify(&creds, "GET", &h));
    }

    #[test]
    fn respond_round_trips_through_verify() {
        for alg in [Algorithm::Md5, Algorithm::Sha256] {
            let ch = Challenge {
                realm: "hotline".into(),
                nonce: "abc.def".into(),
                algorithm: alg,
                opaque: Some("op".into()),
                stale: true,
            };
            let value = ch.header_value();
            let (parsed, qops) = parse_challenge(&value).unwrap();
            assert_eq!(parsed, ch);
            assert_eq!(qops, vec!["auth"]);
            let auth = respond(
                &value,
                "REGISTER",
                "sip:hotline",
                "1001",
                "s3cret",
                "xyz",
                7,
            )
            .unwrap();
            let creds = parse_authorization(&auth).unwrap();
            assert_eq!(creds.algorithm, alg);
            assert_eq!(creds.nc.as_deref(), Some("00000007"));
            assert!(verify(
                &creds,
                "REGISTER",
                &ha1(alg, "1001", "hotline", "s3cret")
            ));
            assert!(!verify(
                &creds,
                "REGISTER",
                &ha1(alg, "1001", "hotline", "other")
            ));
        }
    }

    #[test]
    fn no_qop_legacy_response() {
        let ch = "Digest realm=\"r\", nonce=\"n\"";
        let auth = respond(ch, "INVITE", "sip:x@y", "u", "p", "c", 1).unwrap();
        let creds = parse_authorization(&auth).unwrap();
        assert_eq!(creds.qop, None);
        assert!(verify(
            &creds,
            "INVITE",
            &ha1(Algorithm::Md5, "u", "r", "p")
        ));
    }

    #[test]
    fn parser_accepts_odd_spacing_and_escapes() {
        let v = "digest  username = \"a\\\"b\" ,realm=\"r\",nonce=\"n\", uri=\"sip:x\",response=\"00\",algorithm=sha-256";
        let c = parse_authorization(v).unwrap();
        assert_eq!(c.username, "a\"b");
        assert_eq!(c.algorithm, Algorithm::Sha256);
    }

    #[test]
    fn parser_rejects_garbage() {
        for bad in [
            "",
            "Basic dXNlcjpwYXNz",
            "Digest",
            "Digest username",
            "Digest username=\"unterminated",
            "Digest username=a b=c",
            "Digest realm=\"r\", nonce=\"n\", uri=\"u\", response=\"x\"",
            "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"u\", response=\"x\", algorithm=MD5-sess",
        ] {
            assert!(parse_authorization(bad).is_err(), "{bad:?}");
        }
        let c = parse_authorization(
            "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"u\", response=\"x\", qop=auth-int, nc=1, cnonce=\"c\"",
        )
        .unwrap();
        assert!(!verify(&c, "REGISTER", "00"));
    }

    #[test]
    fn scheme_other_than_digest_is_told_apart_from_bad_digest() {
        for other in ["Basic dXNlcjpwYXNz", "Bearer x", "NTLM", ""] {
            assert_eq!(
                parse_authorization(other),
                Err(DigestError::NotDigest),
                "{other:?}"
            );
        }
        for bad in ["Digest", "Digest   ", "digest username"] {
            assert_eq!(
                parse_authorization(bad),
                Err(DigestError::Malformed),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn nonce_count_is_checked() {
        let base = "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"sip:h\", response=\"x\"";
        let nc = |extra: &str| {
            parse_authorization(&format!("{base}{extra}"))
                .unwrap()
                .nonce_count()
        };
        assert_eq!(nc(""), Ok(None), "no qop: no count");
        assert_eq!(nc(", qop=auth, nc=00000001, cnonce=\"c\""), Ok(Some(1)));
        assert_eq!(nc(", qop=auth, nc=0000000A, cnonce=\"c\""), Ok(Some(10)));
        assert_eq!(nc(", qop=auth, nc=ff, cnonce=\"c\""), Ok(Some(255)));
        assert_eq!(
            nc(", qop=auth, cnonce=\"c\""),
            Err(DigestError::Missing("nc"))
        );
        assert_eq!(
            nc(", qop=auth, nc=00000001"),
            Err(DigestError::Missing("cnonce"))
        );
        assert_eq!(
            nc(", qop=auth, nc=00000001, cnonce=\"\""),
            Err(DigestError::Missing("cnonce"))
        );
        for bad in ["00000000", "000000001", "xyz", "+1", "-1", ""] {
            assert_eq!(
                nc(&format!(", qop=auth, nc=\"{bad}\", cnonce=\"c\"")),
                Err(DigestError::BadNonceCount),
                "{bad:?}"
            );
        }
        assert_eq!(
            nc(", qop=auth-int, nc=00000001, cnonce=\"c\""),
            Err(DigestError::UnsupportedQop("auth-int".into()))
        );
    }
}
