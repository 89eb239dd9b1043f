//! A caller for end-to-end tests: places a call to the hotline, keeps every byte of audio the
//! engine sends, presses keys by RFC 4733, waits to hear given prompts in order, hangs up.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hotline_media::dtmf::{DtmfSender, SenderConfig};
use tokio::net::UdpSocket;

use crate::wait::{Budget, PATIENCE};
use crate::{rtp_packet, Engine, Ua};

/// The most audio a test listens through for one prompt (counted in audio received, 8 bytes a
/// millisecond, not in seconds waited: an engine that stalls sends none meanwhile).
pub const HEAR_WITHIN: Duration = Duration::from_secs(30);

/// How often `expect` looks at what was heard.
const LOOK_EVERY: Duration = Duration::from_millis(50);

/// A call in progress: what the engine sent so far, and a way to press keys.
pub struct Caller {
    pub ua: Ua,
    pub rtp: Arc<UdpSocket>,
    pub engine_rtp: SocketAddr,
    pub heard: Arc<Mutex<Vec<u8>>>,
    /// How far `expect` has read.
    cursor: usize,
    seq: u16,
    ts: u32,
    pub call_id: String,
    pub from_tag: String,
    pub to_tag: String,
}

impl Caller {
    /// Calls the hotline (96655) from `caller` and starts listening to what the engine sends.
    pub async fn place(engine: &Engine, caller: &str) -> Caller {
        let rtp = Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
        crate::roomy(&rtp);
        let mut ua = Ua::udp(engine.udp, caller).await;
        ua.rtp_port = rtp.local_addr().unwrap().port();
        let answered = ua.call_answered("96655").await;
        Caller::listening(ua, rtp, answered).await
    }

    /// Answers the engine's INVITE `inv` (a call the engine places: a dispatch phone, a
    /// customer called back) on `ua` with PCMU and telephone-event, and listens as a caller.
    pub async fn answering(mut ua: Ua, inv: &crate::Got, tag: &str) -> Caller {
        let rtp = Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
        crate::roomy(&rtp);
        ua.rtp_port = rtp.local_addr().unwrap().port();
        let offer = String::from_utf8_lossy(&inv.request().common.body).to_string();
        let port = offer
            .lines()
            .find_map(|l| l.strip_prefix("m=audio "))
            .and_then(|r| r.split(' ').next())
            .expect("the engine's offer has an m= line");
        let engine_rtp: SocketAddr = format!("127.0.0.1:{port}").parse().expect("RTP address");
        let sdp = format!(
            "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
             m=audio {} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n",
            ua.rtp_port
        );
        let ok = ua.answer(inv, 200, "OK", tag, Some(&sdp));
        ua.send(&ok).await;
        let common = &inv.request().common;
        let answered = crate::Answered {
            engine_rtp,
            call_id: common.call_id.clone(),
            from_tag: crate::tag_of(&common.from),
            to_tag: tag.to_string(),
        };
        Caller::listening(ua, rtp, answered).await
    }

    /// Listens on `rtp` to the call `answered`.
    async fn listening(ua: Ua, rtp: Arc<UdpSocket>, answered: crate::Answered) -> Caller {
        let crate::Answered {
            engine_rtp,
            call_id,
            from_tag,
            to_tag,
        } = answered;
        let heard = Arc::new(Mutex::new(Vec::new()));
        let (sock, sink) = (Arc::clone(&rtp), Arc::clone(&heard));
        tokio::spawn(async move {
            let mut buf = vec![0u8; 2048];
            while let Ok(n) = sock.recv(&mut buf).await {
                if n >= 12 && buf[0] >> 6 == 2 && buf[1] & 0x7f == 0 {
                    let cc = usize::from(buf[0] & 0x0f);
                    sink.lock().unwrap().extend_from_slice(&buf[12 + 4 * cc..n]);
                }
            }
        });
        let mut call = Caller {
            ua,
            rtp,
            engine_rtp,
            heard,
            cursor: 0,
            seq: 1,
            ts: 0,
            call_id,
            from_tag,
            to_tag,
        };
        // Our own RTP first, so the engine's latch sees a live caller.
        call.send_rtp(0, true, &[0xFF; 160]).await;
        call
    }

    pub async fn send_rtp(&mut self, pt: u8, marker: bool, payload: &[u8]) {
        let pkt = rtp_packet(pt, self.seq, self.ts, marker, payload);
        self.seq = self.seq.wrapping_add(1);
        self.ts = self.ts.wrapping_add(160);
        self.rtp.send_to(&pkt, self.engine_rtp).await.unwrap();
    }

    /// Presses keys one after the other (RFC 4733, each packet sent twice).
    pub async fn press(&mut self, keys: &str) {
        for k in keys.chars() {
            self.ts = self.ts.wrapping_add(8000);
            let schedule = DtmfSender::new(SenderConfig::default())
                .schedule(k, self.ts)
                .expect("a keypad key");
            for p in schedule {
                let pkt = rtp_packet(101, self.seq, p.timestamp, p.marker, &p.payload);
                self.seq = self.seq.wrapping_add(1);
                self.rtp.send_to(&pkt, self.engine_rtp).await.unwrap();
                self.rtp.send_to(&pkt, self.engine_rtp).await.unwrap();
            }
            tokio::time::sleep(Duration::from_millis(120)).await;
        }
    }

    /// Waits until `sound` has been received after what was expected before; the first
    /// `prefix` bytes are enough when only its start matters (to answer a menu early).
    ///
    /// Counts progress, not seconds: it fails after hearing [`HEAR_WITHIN`] of other audio,
    /// or when the engine sends nothing at all for [`PATIENCE`] of un-stalled time.
    pub async fn expect(&mut self, what: &str, sound: &[u8], prefix: Option<usize>) {
        let want = &sound[..prefix.unwrap_or(sound.len()).min(sound.len())];
        let most = HEAR_WITHIN.as_millis() as usize * 8;
        let started = self.heard.lock().unwrap().len();
        let mut last = started;
        let mut quiet = Budget::patient(Duration::ZERO);
        loop {
            let len = {
                let heard = self.heard.lock().unwrap();
                if let Some(at) = heard[self.cursor..]
                    .windows(want.len())
                    .position(|w| w == want)
                {
                    self.cursor += at + want.len();
                    return;
                }
                heard.len()
            };
            assert!(
                len - started <= most,
                "did not hear {what} in {HEAR_WITHIN:?} of audio (after byte {} of {len})",
                self.cursor
            );
            if len > last {
                last = len;
                quiet = Budget::patient(Duration::ZERO);
            }
            tokio::time::sleep(LOOK_EVERY).await;
            assert!(
                quiet.alive(),
                "did not hear {what}: no audio for {PATIENCE:?} (after byte {} of {len}; \
                 {:?} of stalls not counted)",
                self.cursor,
                quiet.skipped
            );
        }
    }

    /// In the shipped `main` flow: answers the language menu (1: Mandarin), keys `account`
    /// when asked, and waits for the main menu.
    pub async fn identify(&mut self, account: &str) {
        let ulaw = crate::prompt_ulaw;
        self.expect("the welcome", &ulaw("zh", "welcome"), None)
            .await;
        let menu = ulaw("zh", "language_menu");
        self.expect("the language menu", &menu, Some(1600)).await;
        self.press("1").await;
        let ask = ulaw("zh", "enter_account");
        self.expect("the account question", &ask, Some(1600)).await;
        self.press(&format!("{account}#")).await;
        let main = ulaw("zh", "main_menu");
        self.expect("the main menu", &main, Some(1600)).await;
    }

    /// Waits up to `wait` (un-stalled time) for the engine to end the call (its BYE, answered
    /// 200).
    pub async fn released(mut self, wait: Duration) -> bool {
        self.ua.take_bye(&self.call_id, &self.to_tag, wait).await
    }

    pub async fn hang_up(mut self) {
        let bye = self.ua.in_dialog(
            "BYE",
            2,
            &self.call_id,
            &self.from_tag,
            "96655",
            &self.to_tag,
        );
        self.ua.send(&bye).await;
        let _ = self.ua.recv_final(PATIENCE).await;
    }
}
