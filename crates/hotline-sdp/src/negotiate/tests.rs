//! Offer/answer against what real phones and tools send.

use super::*;
use std::net::Ipv6Addr;

fn local() -> LocalMedia {
    LocalMedia {
        addr: "203.0.113.5".parse().expect("ip"),
        port: 20000,
        session_id: 42,
        session_version: 1,
        ..LocalMedia::default()
    }
}

fn parse(text: &str) -> SessionDescription {
    SessionDescription::parse(text).expect("test SDP parses")
}

fn answer_to(text: &str) -> Answer {
    answer(&parse(text), &local()).expect("answerable")
}

/// Our answer, read back with our own parser.
fn reread(a: &Answer) -> SessionDescription {
    assert!(a.sdp.ends_with("\r\n") && !a.sdp.replace("\r\n", "").contains('\n'));
    parse(&a.sdp)
}

fn sock(s: &str) -> Option<SocketAddr> {
    Some(s.parse().expect("socket address"))
}

const SIPP: &str = "v=0\r\no=user1 53655765 2353687637 IN IP4 127.0.1.1\r\ns=-\r\n\
    c=IN IP4 127.0.1.1\r\nt=0 0\r\nm=audio 6000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";

const LINPHONE: &str = "v=0\r\no=alice 2890 2891 IN IP4 192.168.1.20\r\ns=Talk\r\n\
    c=IN IP4 192.168.1.20\r\nt=0 0\r\n\
    m=audio 7078 RTP/AVP 96 97 98 0 8 101 99 100\r\n\
    a=rtpmap:96 opus/48000/2\r\na=fmtp:96 useinbandfec=1\r\n\
    a=rtpmap:97 speex/16000\r\na=fmtp:97 vbr=on\r\na=rtpmap:98 speex/8000\r\n\
    a=rtpmap:101 telephone-event/48000\r\na=rtpmap:99 telephone-event/16000\r\n\
    a=rtpmap:100 telephone-event/8000\r\na=rtcp-fb:* trr-int 1000\r\n\
    m=video 9078 RTP/AVP 96 97\r\na=rtpmap:96 VP8/90000\r\na=rtpmap:97 H264/90000\r\n";

const BARESIP: &str = "v=0\no=- 1680166085 1680166086 IN IP4 10.0.0.5\ns=-\n\
    c=IN IP4 10.0.0.5\nt=0 0\nm=audio 10000 RTP/AVP 96 9 8 0 101\nb=AS:128\n\
    a=rtpmap:96 opus/48000/2\na=fmtp:96 stereo=1;sprop-stereo=1\na=rtpmap:9 G722/8000\n\
    a=rtpmap:8 PCMA/8000\na=rtpmap:0 PCMU/8000\na=rtpmap:101 telephone-event/8000\n\
    a=fmtp:101 0-15\na=ptime:20\na=sendrecv\na=label:1\n";

#[test]
fn sipp_offer() {
    let a = answer_to(SIPP);
    assert_eq!((a.codec, a.payload_type), (Codec::Pcmu, 0));
    assert_eq!(a.remote_rtp, sock("127.0.1.1:6000"));
    assert_eq!(a.dtmf_payload_type, None);
    assert_eq!(
        (a.direction, a.remote_direction),
        (Direction::SendRecv, Direction::SendRecv)
    );
    assert_eq!(
        a.sdp,
        "v=0\r\no=hotline 42 1 IN IP4 203.0.113.5\r\ns=hotline\r\nc=IN IP4 203.0.113.5\r\n\
         t=0 0\r\nm=audio 20000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=ptime:20\r\n\
         a=sendrecv\r\n"
    );
    // The same without the rtpmap: PT 0 is PCMU by RFC 3551.
    let bare = answer_to(&SIPP.replace("a=rtpmap:0 PCMU/8000\r\n", ""));
    assert_eq!(bare.sdp, a.sdp);
}

#[test]
fn linphone_offer_with_many_codecs_video_and_three_telephone_events() {
    let a = answer_to(LINPHONE);
    assert_eq!((a.codec, a.payload_type), (Codec::Pcmu, 0));
    assert_eq!(
        a.dtmf_payload_type,
        Some(100),
        "the 8000 Hz telephone-event"
    );
    let back = reread(&a);
    assert_eq!(back.media.len(), 2);
    let audio = &back.media[0];
    assert_eq!(
        (audio.port, audio.formats.clone()),
        (20000, vec!["0".into(), "100".into()])
    );
    assert_eq!(audio.fmtp(100).map(|f| f.params.as_str()), Some("0-16"));
    assert_eq!(audio.ptime, Some(20));
    let video = &back.media[1];
    assert_eq!((video.media.as_str(), video.port), ("video", 0));
    assert_eq!(video.formats, ["96", "97"]);
}

#[test]
fn baresip_offer_gets_the_offerers_first_g711() {
    let a = answer_to(BARESIP);
    assert_eq!((a.codec, a.payload_type), (Codec::Pcma, 8));
    assert_eq!(a.dtmf_payload_type, Some(101));
    assert_eq!(a.remote_rtp, sock("10.0.0.5:10000"));
    assert!(a
        .sdp
        .contains("m=audio 20000 RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\n"));
    assert!(a
        .sdp
        .contains("a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n"));
}

#[test]
fn our_codec_list_limits_but_does_not_reorder() {
    let offer = parse(BARESIP);
    let pcmu_only = LocalMedia {
        codecs: vec![Codec::Pcmu],
        ..local()
    };
    let a = answer(&offer, &pcmu_only).expect("answerable");
    assert_eq!((a.codec, a.payload_type), (Codec::Pcmu, 0));
    let reversed = LocalMedia {
        codecs: vec![Codec::Pcma, Codec::Pcmu],
        ..local()
    };
    assert_eq!(
        answer(&parse(LINPHONE), &reversed).map(|a| a.codec),
        Ok(Codec::Pcmu)
    );
}

#[test]
fn dynamic_payload_types_for_g711_and_telephone_event() {
    let a = answer_to(
        "v=0\no=- 1 1 IN IP4 h\ns=-\nc=IN IP4 10.1.1.1\nt=0 0\nm=audio 5004 RTP/AVP 112 96\n\
         a=rtpmap:112 pcmu/8000\na=rtpmap:96 telephone-event/8000\na=fmtp:96 0-15\n",
    );
    assert_eq!((a.codec, a.payload_type), (Codec::Pcmu, 112));
    assert_eq!(a.dtmf_payload_type, Some(96));
    assert!(a
        .sdp
        .contains("m=audio 20000 RTP/AVP 112 96\r\na=rtpmap:112 PCMU/8000\r\n"));
    assert!(a
        .sdp
        .contains("a=rtpmap:96 telephone-event/8000\r\na=fmtp:96 0-16\r\n"));
}

#[test]
fn telephone_event_on_96_next_to_static_pcmu() {
    let a = answer_to(
        "v=0\no=- 1 1 IN IP4 h\ns=-\nc=IN IP4 10.1.1.1\nt=0 0\nm=audio 5004 RTP/AVP 0 96\n\
         a=rtpmap:96 telephone-event/8000\n",
    );
    assert_eq!((a.payload_type, a.dtmf_payload_type), (0, Some(96)));
    assert!(a.sdp.contains("m=audio 20000 RTP/AVP 0 96\r\n"));
}

#[test]
fn hold_offers_are_mirrored() {
    let with = |dir: &str| SIPP.replace("a=rtpmap:0 PCMU/8000\r\n", &format!("a={dir}\r\n"));
    for (offered, ours) in [
        ("sendonly", Direction::RecvOnly),
        ("recvonly", Direction::SendOnly),
        ("inactive", Direction::Inactive),
        ("sendrecv", Direction::SendRecv),
    ] {
        let a = answer_to(&with(offered));
        assert_eq!(a.remote_direction.as_str(), offered);
        assert_eq!(a.direction, ours, "offer {offered}");
        assert_eq!(a.remote_rtp, sock("127.0.1.1:6000"));
        assert!(a.sdp.contains(&format!("a={ours}\r\n")));
        assert!(a.sdp.contains("c=IN IP4 203.0.113.5\r\n"));
    }
    // Session-level sendonly counts for the stream.
    let session_level = SIPP.replace("t=0 0\r\n", "t=0 0\r\na=sendonly\r\n");
    assert_eq!(answer_to(&session_level).direction, Direction::RecvOnly);
}

#[test]
fn old_style_hold_with_zero_address() {
    let held = SIPP.replace("c=IN IP4 127.0.1.1", "c=IN IP4 0.0.0.0");
    let a = answer_to(&held);
    assert_eq!(a.remote_rtp, None);
    assert_eq!(a.remote_direction, Direction::SendOnly);
    assert_eq!(a.direction, Direction::RecvOnly);
    assert!(a.sdp.contains("c=IN IP4 203.0.113.5\r\n") && !a.sdp.contains("0.0.0.0"));
    let inactive = answer_to(&format!("{held}a=inactive\r\n"));
    assert_eq!(
        (inactive.direction, inactive.remote_rtp),
        (Direction::Inactive, None)
    );
    // recvonly with nowhere to receive is inactive.
    let odd = answer_to(&format!("{held}a=recvonly\r\n"));
    assert_eq!(odd.direction, Direction::Inactive);
}

#[test]
fn our_own_wish_narrows_the_direction() {
    let offer = parse(SIPP);
    let a = answer_with(&offer, &local(), Direction::SendOnly).expect("answerable");
    assert_eq!(a.direction, Direction::SendOnly);
    assert!(a.sdp.contains("a=sendonly\r\n"));
    let sendonly_offer = parse(&format!("{SIPP}a=sendonly\r\n"));
    let a = answer_with(&sendonly_offer, &local(), Direction::SendOnly).expect("answerable");
    assert_eq!(a.direction, Direction::Inactive);
}

#[test]
fn streams_we_do_not_take_are_refused_in_place() {
    let a = answer_to(
        "v=0\no=- 1 1 IN IP4 h\ns=-\nc=IN IP4 10.1.1.1\nt=0 0\n\
         m=video 5000 RTP/AVP 96\na=rtpmap:96 H264/90000\n\
         m=audio 5002 RTP/SAVP 0\n\
         m=audio 5004 RTP/AVP 9 96\na=rtpmap:96 opus/48000/2\n\
         m=audio 5006 RTP/AVP 8\n\
         m=audio 5008 RTP/AVP 0\n\
         m=image 5010 udptl t38\n",
    );
    assert_eq!(
        (a.codec, a.remote_rtp),
        (Codec::Pcma, sock("10.1.1.1:5006"))
    );
    let ports: Vec<(String, u16)> = reread(&a)
        .media
        .iter()
        .map(|m| (m.media.clone(), m.port))
        .collect();
    let expected = [
        ("video", 0),
        ("audio", 0),
        ("audio", 0),
        ("audio", 20000),
        ("audio", 0),
        ("image", 0),
    ];
    assert_eq!(ports, expected.map(|(m, p)| (m.to_string(), p)));
    assert!(
        a.sdp.contains("m=audio 0 RTP/SAVP 0\r\n") && a.sdp.contains("m=image 0 udptl t38\r\n")
    );
}

#[test]
fn nothing_to_agree_on() {
    let no_common = parse(
        "v=0\no=- 1 1 IN IP4 h\ns=-\nc=IN IP4 10.1.1.1\nt=0 0\nm=audio 5000 RTP/AVP 9 18 96\n\
         a=rtpmap:96 opus/48000/2\na=rtpmap:9 G722/8000\n",
    );
    assert_eq!(answer(&no_common, &local()), Err(SdpError::NoCommonCodec));
    // PT 0 renamed to something else is not PCMU.
    let renamed = parse(&SIPP.replace("PCMU/8000", "opus/48000/2"));
    assert_eq!(answer(&renamed, &local()), Err(SdpError::NoCommonCodec));
    // PCMA offered, but we only speak PCMU.
    let pcmu_only = LocalMedia {
        codecs: vec![Codec::Pcmu],
        ..local()
    };
    let pcma = parse(
        &SIPP
            .replace("RTP/AVP 0", "RTP/AVP 8")
            .replace("0 PCMU", "8 PCMA"),
    );
    assert_eq!(answer(&pcma, &pcmu_only), Err(SdpError::NoCommonCodec));
    for no_audio in [
        "m=video 5000 RTP/AVP 96\n",
        "m=audio 5000 RTP/SAVP 0\n",
        "m=audio 0 RTP/AVP 0\n",
        "",
    ] {
        let offer = parse(&format!(
            "v=0\no=- 1 1 IN IP4 h\ns=-\nc=IN IP4 10.1.1.1\n{no_audio}"
        ));
        assert_eq!(
            answer(&offer, &local()),
            Err(SdpError::NoAudio),
            "{no_audio:?}"
        );
    }
    let no_address = parse("v=0\no=- 1 1 IN IP4 h\ns=-\nt=0 0\nm=audio 5000 RTP/AVP 0\n");
    assert_eq!(
        answer(&no_address, &local()),
        Err(SdpError::MissingConnection)
    );
}

#[test]
fn ipv6_both_ways() {
    let offer = parse(
        "v=0\no=- 7 7 IN IP6 2001:db8::1\ns=-\nc=IN IP6 2001:db8::1\nt=0 0\n\
         m=audio 6000 RTP/AVP 8 0\n",
    );
    let v6 = LocalMedia {
        addr: IpAddr::V6("2001:db8::10".parse::<Ipv6Addr>().expect("ip")),
        ..local()
    };
    let a = answer(&offer, &v6).expect("answerable");
    assert_eq!(a.remote_rtp, sock("[2001:db8::1]:6000"));
    assert_eq!(a.codec, Codec::Pcma);
    assert!(a.sdp.contains("o=hotline 42 1 IN IP6 2001:db8::10\r\n"));
    assert!(a.sdp.contains("c=IN IP6 2001:db8::10\r\n"));
    let held =
        parse("v=0\no=- 7 8 IN IP6 2001:db8::1\ns=-\nc=IN IP6 ::\nt=0 0\nm=audio 6000 RTP/AVP 0\n");
    let a = answer(&held, &v6).expect("answerable");
    assert_eq!((a.remote_rtp, a.direction), (None, Direction::RecvOnly));
}

#[test]
fn our_offer() {
    let sdp = offer(&local(), Direction::SendRecv);
    assert_eq!(
        sdp,
        "v=0\r\no=hotline 42 1 IN IP4 203.0.113.5\r\ns=hotline\r\nc=IN IP4 203.0.113.5\r\n\
         t=0 0\r\nm=audio 20000 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\n\
         a=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n\
         a=ptime:20\r\na=sendrecv\r\n"
    );
    let odd = LocalMedia {
        dtmf_payload_type: 8,
        codecs: vec![Codec::Pcma, Codec::Pcma],
        ..local()
    };
    let sdp = offer(&odd, Direction::SendOnly);
    assert!(sdp.contains("m=audio 20000 RTP/AVP 8 101\r\n") && sdp.contains("a=sendonly\r\n"));
    let empty = LocalMedia {
        dtmf_payload_type: 127,
        codecs: Vec::new(),
        ..local()
    };
    assert!(offer(&empty, Direction::SendRecv).contains("m=audio 20000 RTP/AVP 0 8 127\r\n"));
}

#[test]
fn far_end_answers_to_our_offer() {
    let ours = local();
    let typical = parse(
        "v=0\no=- 9 9 IN IP4 10.2.2.2\ns=-\nc=IN IP4 10.2.2.2\nt=0 0\n\
         m=audio 30000 RTP/AVP 8 101\na=rtpmap:8 PCMA/8000\n\
         a=rtpmap:101 telephone-event/8000\na=fmtp:101 0-15\na=sendrecv\n",
    );
    let n = parse_answer(&ours, &typical).expect("usable");
    assert_eq!(
        (n.codec, n.payload_type, n.dtmf_payload_type),
        (Codec::Pcma, 8, Some(101))
    );
    assert_eq!(n.remote_rtp, sock("10.2.2.2:30000"));
    assert_eq!(n.direction, Direction::SendRecv);

    let on_hold = parse(
        "v=0\no=- 9 10 IN IP4 h\ns=-\nc=IN IP4 10.2.2.2\nm=audio 30000 RTP/AVP 0\na=recvonly\n",
    );
    let n = parse_answer(&ours, &on_hold).expect("usable");
    assert_eq!(
        (n.direction, n.dtmf_payload_type),
        (Direction::SendOnly, None)
    );

    let rejected = parse("v=0\no=- 9 9 IN IP4 h\ns=-\nc=IN IP4 10.2.2.2\nm=audio 0 RTP/AVP 0\n");
    assert_eq!(parse_answer(&ours, &rejected), Err(SdpError::Rejected));
    let wrong = parse("v=0\no=- 9 9 IN IP4 h\ns=-\nc=IN IP4 10.2.2.2\nm=audio 4 RTP/AVP 9\n");
    assert_eq!(parse_answer(&ours, &wrong), Err(SdpError::NoCommonCodec));
    let none = parse("v=0\no=- 9 9 IN IP4 h\ns=-\n");
    assert_eq!(parse_answer(&ours, &none), Err(SdpError::NoAudio));
}

#[test]
fn we_agree_with_ourselves() {
    let caller = local();
    let callee = LocalMedia {
        addr: "198.51.100.7".parse().expect("ip"),
        port: 40000,
        codecs: vec![Codec::Pcma],
        ..LocalMedia::default()
    };
    let our_offer = parse(&offer(&caller, Direction::SendRecv));
    let a = answer(&our_offer, &callee).expect("answerable");
    assert_eq!(a.remote_rtp, sock("203.0.113.5:20000"));
    let n = parse_answer(&caller, &parse(&a.sdp)).expect("usable");
    assert_eq!(
        (n.codec, n.payload_type, n.dtmf_payload_type),
        (Codec::Pcma, 8, Some(101))
    );
    assert_eq!(n.remote_rtp, sock("198.51.100.7:40000"));
    assert_eq!(a.negotiated().codec, n.codec);
}

/// An offer just under the size limit whose other streams we echo (port 0, CRLF, our longer
/// session lines): the answer would grow past the limit, so it is refused as too large rather
/// than written as SDP that our own parser (and the far end's, by the same bound) refuses.
#[test]
fn an_answer_never_exceeds_what_we_would_read() {
    use crate::{MAX_MEDIA, MAX_SDP_BYTES};
    let head = "v=0\no=- 1 1 IN IP4 h\nc=IN IP4 10.0.0.1\nm=audio 4000 RTP/AVP 0\n";
    // The other 63 m= lines share what is left, each one long format.
    let each = (MAX_SDP_BYTES - head.len()) / (MAX_MEDIA - 1);
    let prefix = "m=video 9 RTP/AVP ";
    let line = format!("{prefix}{}\n", "9".repeat(each - prefix.len() - 1));
    let text = format!("{head}{}", line.repeat(MAX_MEDIA - 1));
    assert!(text.len() <= MAX_SDP_BYTES, "{}", text.len());
    let offer = parse(&text);
    assert_eq!(offer.media.len(), MAX_MEDIA);
    match answer(&offer, &local()) {
        Ok(a) => panic!("an answer of {} bytes", a.sdp.len()),
        Err(e) => assert!(
            matches!(e, SdpError::TooLarge(n) if n > MAX_SDP_BYTES),
            "{e}"
        ),
    }
    // The same shape, smaller, is answered, and the answer reads back.
    let small = format!("{head}{}", line.repeat(4));
    let a = answer(&parse(&small), &local()).expect("answerable");
    assert_eq!(reread(&a).media.len(), 5);
}
