//! Callers from a trunk address for the ACD benchmarks: one SIP socket placing calls with a
//! PCMU offer (each call with its own RTP socket and calling number), ACKing the answers,
//! answering whatever BYE the engine sends, and hanging up.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hotline_e2e::{branch, reply, token};
use hotline_sip::wire::{self, Message};
use tokio::net::UdpSocket;
use tokio::sync::oneshot;

type Waiters = Arc<Mutex<HashMap<String, oneshot::Sender<String>>>>;

/// An answered call.
pub struct TrunkCall {
    /// The calling number.
    pub number: String,
    pub call_id: String,
    from_tag: String,
    to_tag: String,
    /// Where the engine's leg wants this call's RTP.
    pub engine_rtp: SocketAddr,
    pub rtp: Arc<UdpSocket>,
}

pub struct Trunk {
    sip: Arc<UdpSocket>,
    local: SocketAddr,
    engine: SocketAddr,
    waiters: Waiters,
}

impl Trunk {
    /// A trunk socket on loopback (within `HOTLINE_SIP_TRUNKS`), reading the engine's messages.
    pub async fn open(engine: SocketAddr) -> Trunk {
        let sip = Arc::new(
            UdpSocket::bind("127.0.0.1:0")
                .await
                .expect("trunk sip socket"),
        );
        let local = sip.local_addr().expect("trunk sip address");
        let waiters: Waiters = Arc::default();
        tokio::spawn(read(sip.clone(), waiters.clone()));
        Trunk {
            sip,
            local,
            engine,
            waiters,
        }
    }

    /// Calls `dialled` from each of `numbers`, `per_sec` INVITEs a second, and waits (up to
    /// `wait` after the last INVITE) for the answers. One entry per number: the call, or why
    /// it was not answered.
    pub async fn place(
        &self,
        numbers: &[String],
        dialled: &str,
        per_sec: u64,
        wait: Duration,
    ) -> Vec<Result<TrunkCall, String>> {
        let mut tick = tokio::time::interval(Duration::from_micros(1_000_000 / per_sec.max(1)));
        let mut pending = Vec::with_capacity(numbers.len());
        for number in numbers {
            tick.tick().await;
            let rtp = Arc::new(UdpSocket::bind("127.0.0.1:0").await.expect("rtp socket"));
            let port = rtp.local_addr().expect("rtp address").port();
            let (call_id, from_tag) = (format!("mix-{}", token()), token());
            let (tx, rx) = oneshot::channel();
            self.waiters
                .lock()
                .expect("waiters")
                .insert(call_id.clone(), tx);
            let sdp = format!(
                "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
                 m=audio {port} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n\
                 a=fmtp:101 0-16\r\na=ptime:20\r\na=sendrecv\r\n"
            );
            let (engine, local) = (self.engine, self.local);
            let invite = format!(
                "INVITE sip:{dialled}@{engine} SIP/2.0\r\nVia: SIP/2.0/UDP {local};branch={}\r\nMax-Forwards: 70\r\n\
                 From: <sip:{number}@{local}>;tag={from_tag}\r\nTo: <sip:{dialled}@{engine}>\r\nCall-ID: {call_id}\r\n\
                 CSeq: 1 INVITE\r\nContact: <sip:{number}@{local}>\r\nContent-Type: application/sdp\r\n\
                 Content-Length: {}\r\n\r\n{sdp}",
                branch(),
                sdp.len()
            );
            if let Err(e) = self.sip.send_to(invite.as_bytes(), engine).await {
                pending.push((number.clone(), call_id, from_tag, rtp, Err(e.to_string())));
                continue;
            }
            pending.push((number.clone(), call_id, from_tag, rtp, Ok(rx)));
        }
        let deadline = tokio::time::Instant::now() + wait;
        let mut calls = Vec::with_capacity(pending.len());
        for (number, call_id, from_tag, rtp, rx) in pending {
            let raw = match rx {
                Err(e) => {
                    calls.push(Err(format!("{number}: INVITE not sent: {e}")));
                    continue;
                }
                Ok(rx) => match tokio::time::timeout_at(deadline, rx).await {
                    Ok(Ok(raw)) => raw,
                    _ => {
                        calls.push(Err(format!("{number}: no final answer")));
                        continue;
                    }
                },
            };
            let Ok(Message::Response(resp)) = wire::parse(raw.as_bytes()) else {
                calls.push(Err(format!("{number}: unreadable answer")));
                continue;
            };
            if resp.code != 200 {
                calls.push(Err(format!("{number}: answered {}", resp.code)));
                continue;
            }
            let Some(engine_rtp) = super::rtp_target(&String::from_utf8_lossy(&resp.common.body))
            else {
                calls.push(Err(format!("{number}: no SDP answer")));
                continue;
            };
            let call = TrunkCall {
                number,
                call_id,
                from_tag,
                to_tag: resp.common.to_addr.tag.clone().unwrap_or_default(),
                engine_rtp,
                rtp,
            };
            let ack = self.in_dialog("ACK", 1, &call);
            let _ = self.sip.send_to(ack.as_bytes(), self.engine).await;
            calls.push(Ok(call));
        }
        calls
    }

    /// Hangs `call` up (BYE; the answer is not waited for).
    pub async fn hang_up(&self, call: &TrunkCall) {
        let bye = self.in_dialog("BYE", 2, call);
        let _ = self.sip.send_to(bye.as_bytes(), self.engine).await;
    }

    fn in_dialog(&self, method: &str, cseq: u32, call: &TrunkCall) -> String {
        let (engine, local) = (self.engine, self.local);
        format!(
            "{method} sip:hotline@{engine} SIP/2.0\r\nVia: SIP/2.0/UDP {local};branch={}\r\nMax-Forwards: 70\r\n\
             From: <sip:{}@{local}>;tag={}\r\nTo: <sip:hotline@{engine}>;tag={}\r\nCall-ID: {}\r\n\
             CSeq: {cseq} {method}\r\nContent-Length: 0\r\n\r\n",
            branch(),
            call.number,
            call.from_tag,
            call.to_tag,
            call.call_id
        )
    }
}

/// Hands final INVITE answers to their waiters by Call-ID; answers the engine's BYEs 200.
async fn read(sip: Arc<UdpSocket>, waiters: Waiters) {
    let mut buf = vec![0u8; 65536];
    while let Ok((n, from)) = sip.recv_from(&mut buf).await {
        let Some(bytes) = buf.get(..n) else {
            continue;
        };
        match wire::parse(bytes) {
            Ok(Message::Response(resp))
                if resp.code >= 200 && resp.common.cseq_method.as_str() == "INVITE" =>
            {
                let waiter = waiters
                    .lock()
                    .expect("waiters")
                    .remove(&resp.common.call_id);
                if let Some(tx) = waiter {
                    let _ = tx.send(String::from_utf8_lossy(bytes).to_string());
                }
            }
            Ok(Message::Request(req)) if req.method.as_str() == "BYE" => {
                let raw = String::from_utf8_lossy(bytes).to_string();
                let ok = reply(&raw, 200, "OK", "trunk", "<sip:trunk@127.0.0.1>", None);
                let _ = sip.send_to(ok.as_bytes(), from).await;
            }
            _ => {}
        }
    }
}
