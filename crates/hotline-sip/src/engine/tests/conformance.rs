//! RFC 4475 torture messages and RFC 3261 §8.2 request checks, under a fake clock: wsinv
//! (folded lines, whitespace wherever legal) understood, LWS around the slashes of Via,
//! extension and escaped methods (501 with Allow, not dropped), another SIP version (505), an
//! unknown Request-URI scheme (416), an unknown Require (420 with Unsupported, every method but
//! ACK and CANCEL), an INVITE that accepts no SDP (406), and the Server header as configured.

use super::*;

/// An out-of-dialog request from the trunk with this request line, Via and extra headers.
fn request(line: &str, via: &str, extra: &str) -> String {
    let method = line.split(' ').next().unwrap_or_default();
    format!(
        "{line}\r\nVia: {via}\r\nMax-Forwards: 70\r\nFrom: <sip:a@10.0.0.1>;tag=x\r\n\
         To: <sip:b@198.51.100.1>\r\nCall-ID: {}\r\nCSeq: 1 {method}\r\n{extra}Content-Length: 0\r\n\r\n",
        rand::random::<u64>()
    )
}

/// The final answers `h` sent since last asked.
fn finals(h: &mut H) -> Vec<String> {
    h.take_sent()
        .into_iter()
        .filter(|s| !s.starts_with("SIP/2.0 100 "))
        .collect()
}

fn answer_to(h: &mut H, msg: &str) -> String {
    h.recv(TRUNK, msg);
    h.take_events();
    let mut got = finals(h);
    assert_eq!(got.len(), 1, "one final answer to:\n{msg}\ngot {got:?}");
    got.remove(0)
}

const VIA: &str = "SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKconf";

#[test]
fn lws_around_via_slashes_is_accepted() {
    let mut h = H::new();
    let ok = answer_to(
        &mut h,
        &request(
            "OPTIONS sip:b@198.51.100.1 SIP/2.0",
            "SIP / 2.0 / UDP 10.0.0.1:5060;branch=z9hG4bKlws1",
            "",
        ),
    );
    assert!(ok.starts_with("SIP/2.0 200 OK\r\n"), "{ok}");
    // Folded across lines, as RFC 4475's wsinv has it.
    let ok = answer_to(
        &mut h,
        &request(
            "OPTIONS sip:b@198.51.100.1 SIP/2.0",
            "SIP  /   2.0\r\n /UDP\r\n    10.0.0.1;branch=z9hG4bKlws2",
            "",
        ),
    );
    assert!(ok.starts_with("SIP/2.0 200 OK\r\n"), "{ok}");
    assert!(ok.contains("branch=z9hG4bKlws2"), "{ok}");
}

/// RFC 4475 §3.1.1.2 (intmeth), byte for byte.
const INTMETH: &[u8] = b"!interesting-Method0123456789_*+`.%indeed'~ sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@example.com SIP/2.0\r\n\
Via: SIP/2.0/TCP host1.example.com;branch=z9hG4bK-.!%66*_+`'~\r\n\
To: \"BEL:\\\x07 NUL:\\\x00 DEL:\\\x7F\" <sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*@example.com>\r\n\
From: token1~` token2'+_ token3*%!.- <sip:mundane@example.com>;fromParam''~+*_!.-%=\"\xD1\x80\xD0\xB0\xD0\xB1\xD0\xBE\xD1\x82\xD0\xB0\xD1\x8E\xD1\x89\xD0\xB8\xD0\xB9\";tag=_token~1'+`*%!-.\r\n\
Call-ID: intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{\r\n\
CSeq: 139122385 !interesting-Method0123456789_*+`.%indeed'~\r\n\
Max-Forwards: 255\r\n\
extensionHeader-!.%*+_`'~:\xEF\xBB\xBF\xE5\xA4\xA7\xE5\x81\x9C\xE9\x9B\xBB\r\n\
Content-Length: 0\r\n\r\n";

#[test]
fn token_and_escaped_methods_get_501_with_allow() {
    let mut h = H::new();
    h.core.handle(
        h.now,
        Input::Received {
            peer: Peer::udp(addr(TRUNK)),
            bytes: INTMETH.to_vec(),
        },
    );
    h.drain();
    let got = finals(&mut h);
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(
        got[0].starts_with("SIP/2.0 501 Not Implemented\r\n"),
        "{}",
        got[0]
    );
    assert!(
        got[0].contains(&format!("\r\nAllow: {ALLOW}\r\n")),
        "{}",
        got[0]
    );
    assert!(
        got[0].contains("CSeq: 139122385 !interesting-Method0123456789_*+`.%indeed'~\r\n"),
        "{}",
        got[0]
    );
    // RFC 4475 §3.1.1.8 (escruri's cousin): an escaped method is another method, not REGISTER.
    for line in [
        "RE%47IST%45R sip:registrar.example.com SIP/2.0",
        "NEWMETHOD sip:b@198.51.100.1 SIP/2.0",
    ] {
        let got = answer_to(&mut h, &request(line, VIA, ""));
        assert!(got.starts_with("SIP/2.0 501 "), "{line}: {got}");
        assert!(got.contains(&format!("\r\nAllow: {ALLOW}\r\n")), "{got}");
    }
}

#[test]
fn another_sip_version_gets_505() {
    let mut h = H::new();
    // RFC 4475 §3.3.14 (badvers): the Via is in that version too.
    let got = answer_to(
        &mut h,
        &request(
            "OPTIONS sip:t.watson@example.org SIP/7.0",
            "SIP/7.0/UDP c.example.com;branch=z9hG4bKkdjuw",
            "",
        ),
    );
    assert!(
        got.starts_with("SIP/2.0 505 Version Not Supported\r\n"),
        "{got}"
    );
    let got = answer_to(
        &mut h,
        &request("OPTIONS sip:t.watson@example.org SIP/1.0", VIA, ""),
    );
    assert!(got.starts_with("SIP/2.0 505 "), "{got}");
}

#[test]
fn unknown_request_uri_scheme_gets_416() {
    let mut h = H::new();
    // RFC 4475 §3.3.11 (unkscm).
    let got = answer_to(
        &mut h,
        &request(
            "OPTIONS nobodyKnowsThisScheme:totallyopaquecontent SIP/2.0",
            VIA,
            "",
        ),
    );
    assert!(got.starts_with("SIP/2.0 416 "), "{got}");
    let inv = invite("z9hG4bKsch", "sch1", "").replace(
        "INVITE sip:95598@198.51.100.1",
        "INVITE nobodyKnowsThisScheme:totallyopaquecontent",
    );
    let got = answer_to(&mut h, &inv);
    assert!(got.starts_with("SIP/2.0 416 "), "{got}");
    // sip:, sips: and tel: are served.
    for uri in ["sips:95598@198.51.100.1", "tel:95598"] {
        let inv = invite(&format!("z9hG4bK{}", uri.len()), uri, "")
            .replace("INVITE sip:95598@198.51.100.1", &format!("INVITE {uri}"));
        h.recv(TRUNK, &inv);
        assert_eq!(h.status_lines(), vec!["SIP/2.0 100 Trying"], "{uri}");
        assert!(
            matches!(h.take_events().as_slice(), [SipEvent::Incoming(_)]),
            "{uri}"
        );
    }
}

#[test]
fn unknown_require_gets_420_with_unsupported_for_every_method() {
    let mut h = H::new();
    let require = "Require: nothingSupportedHere, foo\r\n";
    for line in [
        "OPTIONS sip:b@198.51.100.1 SIP/2.0",
        "REGISTER sip:198.51.100.1 SIP/2.0",
        "INFO sip:b@198.51.100.1 SIP/2.0",
    ] {
        let got = answer_to(&mut h, &request(line, VIA, require));
        assert!(
            got.starts_with("SIP/2.0 420 Bad Extension\r\n"),
            "{line}: {got}"
        );
        assert!(
            got.contains("\r\nUnsupported: nothingSupportedHere, foo\r\n"),
            "{got}"
        );
    }
    let got = answer_to(&mut h, &invite("z9hG4bKreq", "req1", require));
    assert!(got.starts_with("SIP/2.0 420 "), "{got}");
    // Inside a call too (a BYE that requires an extension).
    h.recv(TRUNK, &invite("z9hG4bKreq2", "req2", ""));
    let call = incoming(&mut h);
    h.cmd(Command::Answer {
        call,
        answer: b"v=0\r\n".to_vec(),
    });
    let tag = to_tag(&h.take_sent()[1]);
    h.recv(TRUNK, &in_dialog("ACK", 1, "z9hG4bKreq3", "req2", &tag));
    let bye = in_dialog("BYE", 2, "z9hG4bKreq4", "req2", &tag)
        .replace("Content-Length: 0", "Require: foo\r\nContent-Length: 0");
    let got = answer_to(&mut h, &bye);
    assert!(got.starts_with("SIP/2.0 420 "), "{got}");
    // An ACK is never answered, whatever it requires.
    let ack = in_dialog("ACK", 1, "z9hG4bKreq5", "req2", &tag)
        .replace("Content-Length: 0", "Require: foo\r\nContent-Length: 0");
    h.recv(TRUNK, &ack);
    assert!(h.take_sent().is_empty());
}

#[test]
fn invite_that_accepts_no_sdp_gets_406() {
    let mut h = H::new();
    let got = answer_to(
        &mut h,
        &invite("z9hG4bKacc", "acc1", "Accept: text/nobodyKnowsThis\r\n"),
    );
    assert!(got.starts_with("SIP/2.0 406 "), "{got}");
    assert!(got.contains("\r\nAccept: application/sdp\r\n"), "{got}");
    for (n, accept) in [
        "application/sdp;level=1, text/x",
        "text/x, application/*",
        "*/*",
        "APPLICATION/SDP",
    ]
    .iter()
    .enumerate()
    {
        let extra = format!("Accept: {accept}\r\n");
        h.recv(
            TRUNK,
            &invite(&format!("z9hG4bKacc{n}"), &format!("acc-ok{n}"), &extra),
        );
        assert_eq!(h.status_lines(), vec!["SIP/2.0 100 Trying"], "{accept}");
        assert!(matches!(
            h.take_events().as_slice(),
            [SipEvent::Incoming(_)]
        ));
    }
}

#[test]
fn server_header_is_configurable_and_can_be_left_out() {
    let mut h = H::new();
    let got = answer_to(
        &mut h,
        &request("OPTIONS sip:b@198.51.100.1 SIP/2.0", VIA, ""),
    );
    assert!(got.contains("\r\nServer: hotline\r\n"), "{got}");
    let cfg = CoreConfig {
        user_agent: String::new(),
        ..CoreConfig::default()
    };
    let mut quiet = H {
        core: SipCore::new(cfg, HashMap::new(), [3; 32], h.now),
        now: h.now,
        sent: Vec::new(),
        events: Vec::new(),
    };
    quiet.recv(
        PHONE,
        &request("OPTIONS sip:b@198.51.100.1 SIP/2.0", VIA, ""),
    );
    let got = quiet.take_sent();
    assert_eq!(got.len(), 1);
    assert!(got[0].starts_with("SIP/2.0 200 "), "{}", got[0]);
    assert!(!got[0].contains("Server:"), "{}", got[0]);
}

/// RFC 4475 §3.1.1.1 (wsinv): whitespace everywhere it is legal, folded lines, compact forms.
/// It names a dialog we do not have (To has a tag): the answer is 481, not silence.
#[test]
fn wsinv_is_understood() {
    let body = "v=0\r\no=mhandley 29739 7272939 IN IP4 192.0.2.3\r\ns=-\r\nc=IN IP4 192.0.2.4\r\n\
                t=0 0\r\nm=audio 49217 RTP/AVP 0 12\r\nm=video 3227 RTP/AVP 31\r\na=rtpmap:31 LPC\r\n";
    assert_eq!(body.len(), 150);
    let msg = format!(
        "INVITE sip:vivekg@chair-dnrc.example.com;unknownparam SIP/2.0\r\n\
TO :\r\n sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n\r\n\
from   : \"J Rosenberg \\\\\\\"\"       <sip:jdrosen@example.com>\r\n  ;\r\n  tag = 98asjd8\r\n\
MaXfOrWaRdS: 0068\r\n\
Call-ID\r\n : wsinv.ndaksdj@192.0.2.1\r\n\
Content-Length   : 150\r\n\
cseq: 0009\r\n  INVITE\r\n\
Via  : SIP  /   2.0\r\n /UDP\r\n    192.0.2.2;branch=390skdjuw\r\n\
s :\r\n\
NewFangledHeader:   newfangled value\r\n continued newfangled value\r\n\
UnknownHeaderWithUnusualValue: ;;,,;;,;\r\n\
Content-Type: application/sdp\r\n\
Route:\r\n <sip:services.example.com;lr;unknownwith=value;unknown-no-value>\r\n\
v:  SIP  / 2.0  / TCP     spindle.example.com   ;\r\n  branch  =   z9hG4bK9ikj8  ,\r\n \
SIP  /    2.0   / UDP  192.168.255.111   ; branch=\r\n z9hG4bK30239\r\n\
m:\"Quoted string \\\"\\\"\" <sip:jdrosen@example.com> ; newparam =\r\n      newvalue ;\r\n  secondparam ; q = 0.33\r\n\
\r\n{body}"
    );
    let got = answer_to(&mut H::new(), &msg);
    assert!(got.starts_with("SIP/2.0 481 "), "{got}");
    assert!(got.contains("390skdjuw"), "{got}");
}

/// More of RFC 4475's valid messages (§3.1.1.6 lwsdisp, §3.1.1.9 semiuri, §3.1.1.10
/// transports, §3.1.1.3 esc01): each is answered as the well-formed request it is.
#[test]
fn valid_torture_messages_are_answered() {
    let lwsdisp = "OPTIONS sip:user@example.com SIP/2.0\r\nTo: sip:user@example.com\r\n\
From: caller<sip:caller@example.com>;tag=323\r\nMax-Forwards: 70\r\n\
Call-ID: lwsdisp.1234abcd@funky.example.com\r\nCSeq: 60 OPTIONS\r\n\
Via: SIP/2.0/UDP funky.example.com;branch=z9hG4bKkdjuw\r\nl: 0\r\n\r\n";
    let semiuri = "OPTIONS sip:user;par=u%40example.net@example.com SIP/2.0\r\n\
To: sip:j_user@example.com\r\nFrom: sip:caller@example.org;tag=33242\r\nMax-Forwards: 3\r\n\
Call-ID: semiuri.0ha0isndaksdj\r\nCSeq: 8 OPTIONS\r\n\
Accept: application/sdp, application/pkcs7-mime,\r\n        multipart/mixed, multipart/signed,\r\n        message/sip, message/sipfrag\r\n\
Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKkdjuw\r\nl: 0\r\n\r\n";
    let transports = "OPTIONS sip:user@example.com SIP/2.0\r\nTo: sip:user@example.com\r\n\
From: <sip:caller@example.com>;tag=323\r\nMax-Forwards: 70\r\n\
Call-ID:  transports.kijh4akdnaqjkwendsasfdj\r\nAccept: application/sdp\r\nCSeq: 60 OPTIONS\r\n\
Via: SIP/2.0/UDP t1.example.com;branch=z9hG4bKkdjuw\r\n\
Via: SIP/2.0/SCTP t2.example.com;branch=z9hG4bKklasjdhf\r\n\
Via: SIP/2.0/TLS t3.example.com;branch=z9hG4bK2980unddj\r\n\
Via: SIP/2.0/UNKNOWN t4.example.com;branch=z9hG4bKasd0f3en\r\n\
Via: SIP/2.0/TCP t5.example.com;branch=z9hG4bK0a9idfnee\r\nl: 0\r\n\r\n";
    for (name, msg) in [
        ("lwsdisp", lwsdisp),
        ("semiuri", semiuri),
        ("transports", transports),
    ] {
        let got = answer_to(&mut H::new(), msg);
        assert!(got.starts_with("SIP/2.0 200 OK\r\n"), "{name}: {got}");
    }
    let body = "v=0\r\no=mhandley 29739 7272939 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\n\
                t=0 0\r\nm=audio 49217 RTP/AVP 0 12\r\nm=video 3227 RTP/AVP 31\r\na=rtpmap:31 LPC\r\n";
    let esc01 = format!(
        "INVITE sip:sips%3Auser%40example.com@example.net SIP/2.0\r\nTo: sip:%75se%72@example.com\r\n\
From: <sip:I%20have%20spaces@example.net>;tag=938\r\nMax-Forwards: 87\r\n\
i: esc01.239409asdfakjkn23onasd0-3234\r\nCSeq: 234234 INVITE\r\n\
Via: SIP/2.0/UDP host5.example.net;branch=z9hG4bKkdjuw\r\nC: application/sdp\r\n\
Contact:\r\n  <sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31>\r\n\
Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let mut h = H::new();
    h.recv(TRUNK, &esc01);
    assert_eq!(h.status_lines(), vec!["SIP/2.0 100 Trying"]);
    assert!(matches!(
        h.take_events().as_slice(),
        [SipEvent::Incoming(_)]
    ));
}
