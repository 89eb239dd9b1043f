//! An agent's softphone for end-to-end ACD tests: registers, waits for the engine to ring it,
//! and then rings only (180), rejects (486, …), answers with a G.711 offer from its own RTP
//! socket, exchanges voice with a caller through the engine, and hangs up or takes the
//! engine's BYE. Built on [`Ua`], so the tests still see the bytes on the wire.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::UdpSocket;

use crate::wait::{Budget, PATIENCE};
use crate::{rtp_packet, tag_of, token, Caller, Engine, Got, Ua};

/// A softphone registered (or to be registered) as one agent's SIP user.
pub struct AgentPhone {
    pub ua: Ua,
    /// Where the phone sends and receives voice (the port in its SDP answers).
    pub rtp: UdpSocket,
    /// Call-IDs of the INVITEs already handed out (UDP retransmissions are skipped).
    seen: Vec<String>,
}

/// An INVITE the engine sent to the phone (an ACD offer), not answered yet.
pub struct Ringing {
    pub invite: Got,
    pub call_id: String,
    /// The engine's tag (From of the INVITE).
    pub engine_tag: String,
    /// The phone's tag for the dialog (To of its responses).
    pub tag: String,
    /// The caller's number as the engine presents it (From user of the INVITE).
    pub caller: String,
    /// Where the engine wants this phone's voice.
    pub engine_rtp: SocketAddr,
}

/// An answered offer: the dialog, seen from the phone.
pub struct Talking {
    pub call_id: String,
    pub engine_tag: String,
    pub tag: String,
    pub caller: String,
    pub engine_rtp: SocketAddr,
    pub cseq: u32,
}

impl AgentPhone {
    /// A phone for SIP user `user` on a fresh UDP socket (not registered yet).
    pub async fn new(engine: &Engine, user: &str) -> AgentPhone {
        let rtp = UdpSocket::bind("127.0.0.1:0").await.expect("bind RTP");
        crate::roomy(&rtp);
        let mut ua = Ua::udp(engine.udp, user).await;
        ua.rtp_port = rtp.local_addr().expect("RTP address").port();
        AgentPhone {
            ua,
            rtp,
            seen: Vec::new(),
        }
    }

    /// A phone for `user`, registered with `password`; panics unless the engine says 200.
    pub async fn registered(engine: &Engine, user: &str, password: &str) -> AgentPhone {
        let mut phone = AgentPhone::new(engine, user).await;
        let code = phone.register(password).await;
        assert_eq!(code, 200, "{user} registers");
        phone
    }

    /// Registers (digest auth, 600 s); the final status code.
    pub async fn register(&mut self, password: &str) -> u16 {
        self.ua.register(password, 600).await
    }

    /// The next new INVITE within `wait` of un-stalled time (everything else received
    /// meanwhile is dropped).
    pub async fn next_invite(&mut self, wait: Duration) -> Option<Ringing> {
        self.next_invite_within(&mut Budget::new(wait)).await
    }

    async fn next_invite_within(&mut self, budget: &mut Budget) -> Option<Ringing> {
        loop {
            let got = self.ua.recv_within(budget).await?;
            let Some(hotline_sip::wire::Message::Request(req)) = &got.msg else {
                continue;
            };
            if req.method.as_str() != "INVITE" || self.seen.contains(&req.common.call_id) {
                continue;
            }
            let call_id = req.common.call_id.clone();
            let engine_tag = tag_of(&req.common.from);
            let caller = user_of(&req.common.from);
            let body = String::from_utf8_lossy(&req.common.body).to_string();
            let port: u16 = body
                .lines()
                .find_map(|l| l.strip_prefix("m=audio ")?.split(' ').next()?.parse().ok())
                .unwrap_or_else(|| panic!("no m=audio in the offer: {}", got.raw));
            self.seen.push(call_id.clone());
            return Some(Ringing {
                invite: got,
                call_id,
                engine_tag,
                tag: token(),
                caller,
                engine_rtp: SocketAddr::from(([127, 0, 0, 1], port)),
            });
        }
    }

    /// The next new INVITE; panics when none comes within `wait`, at least [`PATIENCE`], of
    /// un-stalled time (a test about when it rings measures that itself).
    pub async fn rung(&mut self, wait: Duration) -> Ringing {
        let user = self.ua.user.clone();
        let mut budget = Budget::patient(wait);
        self.next_invite_within(&mut budget)
            .await
            .unwrap_or_else(|| {
                panic!(
                    "{user}'s phone did not ring within {:?}",
                    wait.max(PATIENCE)
                )
            })
    }

    /// 180 Ringing, and nothing more.
    pub async fn ring(&mut self, offer: &Ringing) {
        let r = self
            .ua
            .answer(&offer.invite, 180, "Ringing", &offer.tag, None);
        self.ua.send(&r).await;
    }

    /// A final refusal such as 486 Busy Here (the engine's ACK is left unread).
    pub async fn reject(&mut self, offer: &Ringing, code: u16, reason: &str) {
        let r = self
            .ua
            .answer(&offer.invite, code, reason, &offer.tag, None);
        self.ua.send(&r).await;
    }

    /// Waits for the engine's CANCEL of `offer` and accepts it as a phone should: 200 OK to the
    /// CANCEL, 487 Request Terminated to the INVITE. False when none came within `wait` (of
    /// un-stalled time).
    pub async fn take_cancel(&mut self, offer: &Ringing, wait: Duration) -> bool {
        let mut budget = Budget::new(wait);
        loop {
            let Some(got) = self.ua.recv_within(&mut budget).await else {
                return false;
            };
            let is_cancel = matches!(&got.msg, Some(hotline_sip::wire::Message::Request(r))
                if r.method.as_str() == "CANCEL" && r.common.call_id == offer.call_id);
            if is_cancel {
                let ok = self.ua.answer(&got, 200, "OK", &offer.tag, None);
                self.ua.send(&ok).await;
                self.reject(offer, 487, "Request Terminated").await;
                return true;
            }
        }
    }

    /// 200 OK with PCMU and telephone-event on the phone's RTP port.
    pub async fn answer(&mut self, offer: Ringing) -> Talking {
        let sdp = format!(
            "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
             m=audio {} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n",
            self.ua.rtp_port
        );
        let ok = self
            .ua
            .answer(&offer.invite, 200, "OK", &offer.tag, Some(&sdp));
        self.ua.send(&ok).await;
        Talking {
            call_id: offer.call_id,
            engine_tag: offer.engine_tag,
            tag: offer.tag,
            caller: offer.caller,
            engine_rtp: offer.engine_rtp,
            cseq: 0,
        }
    }

    /// Sends BYE in `call`; the engine's answer code (0: none within [`PATIENCE`]).
    pub async fn hang_up(&mut self, call: &mut Talking) -> u16 {
        call.cseq += 1;
        let bye = self.ua.in_dialog(
            "BYE",
            call.cseq,
            &call.call_id,
            &call.tag,
            &call.caller,
            &call.engine_tag,
        );
        self.ua.send(&bye).await;
        let mut budget = Budget::new(PATIENCE);
        loop {
            let Some(got) = self.ua.recv_within(&mut budget).await else {
                return 0;
            };
            let is_bye_answer = got.code() >= 200
                && got
                    .header("CSeq")
                    .is_some_and(|c| c.ends_with("BYE") && got.raw.contains(&call.call_id));
            if is_bye_answer {
                return got.code();
            }
        }
    }

    /// Waits for the engine's BYE in `call` and answers it 200; false when none came.
    pub async fn take_bye(&mut self, call: &Talking, wait: Duration) -> bool {
        self.ua.take_bye(&call.call_id, &call.tag, wait).await
    }

    /// Voice both ways through the engine: the caller hears what the phone sends, and the
    /// phone hears what the caller sends (both sending until both are heard, for at most
    /// [`PATIENCE`] of un-stalled time). Returns (caller heard the agent, agent heard the
    /// caller). `mark` tells this exchange's payloads apart.
    pub async fn voice_both_ways(
        &mut self,
        call: &Talking,
        caller: &mut Caller,
        mark: u8,
    ) -> (bool, bool) {
        let agent_voice = [mark; 160];
        let caller_voice = [mark ^ 0x40; 160];
        let mut buf = vec![0u8; 2048];
        let (mut heard_agent, mut heard_caller) = (false, false);
        let mut budget = Budget::new(PATIENCE);
        for seq in 0..u16::MAX {
            let pkt = rtp_packet(0, seq, u32::from(seq) * 160, seq == 0, &agent_voice);
            self.rtp.send_to(&pkt, call.engine_rtp).await.expect("RTP");
            caller.send_rtp(0, false, &caller_voice).await;
            tokio::time::sleep(Duration::from_millis(20)).await;
            heard_agent |= caller
                .heard
                .lock()
                .unwrap()
                .windows(160)
                .any(|w| w == agent_voice);
            while let Ok(Ok(n)) =
                tokio::time::timeout(Duration::from_millis(1), self.rtp.recv(&mut buf)).await
            {
                heard_caller |= n >= 172 && buf[12..n].iter().all(|b| *b == caller_voice[0]);
            }
            if (heard_agent && heard_caller) || !budget.alive() {
                break;
            }
        }
        (heard_agent, heard_caller)
    }
}

/// The user part of a From/To value: `<sip:13900000001@host>;tag=x` → `13900000001`.
fn user_of(value: &str) -> String {
    value
        .split("sip:")
        .nth(1)
        .and_then(|r| r.split(['@', '>', ';']).next())
        .unwrap_or("")
        .to_string()
}

/// An ACD call in progress: SIP user 1001 (password `secret`; zhangmin in the demo) answered a
/// caller from `number`, the staff number was said and voice goes both ways; then the phone
/// of 1002 (liqiang) registered, to be consulted or transferred to.
pub async fn acd_call_and_a_second_phone(
    engine: &Engine,
    number: &str,
) -> (Caller, AgentPhone, Talking, AgentPhone) {
    let mut agent = AgentPhone::registered(engine, "1001", "secret").await;
    let mut caller = Caller::place(engine, number).await;
    let offer = agent.rung(PATIENCE).await;
    let agent_call = agent.answer(offer).await;
    caller
        .expect(
            "the staff number",
            &crate::prompt_ulaw("zh", "agent_serving"),
            None,
        )
        .await;
    // Bridged once the staff number is said.
    let (both, _) = agent.voice_both_ways(&agent_call, &mut caller, 0x31).await;
    assert!(both, "bridged");
    let target = AgentPhone::registered(engine, "1002", "secret").await;
    (caller, agent, agent_call, target)
}
