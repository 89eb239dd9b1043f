//! Pieces the media benchmarks share: kernel receive timestamps, per-stream pacing and loss
//! statistics, percentiles, and a process's CPU and memory from /proc.

#![allow(dead_code)] // each benchmark uses its own subset

use std::time::Duration;

pub mod agents;
pub mod desks;
pub mod pg_copy;
pub mod store;
pub mod trunk;

/// Arrival times from the kernel (SO_TIMESTAMPNS), so the generator's own scheduling delays
/// do not count against the engine's pacing.
pub mod kernel_timestamps {
    use std::os::fd::AsRawFd;
    use std::time::Duration;

    use tokio::io::Interest;
    use tokio::net::UdpSocket;

    pub fn enable(sock: &UdpSocket) {
        let on: libc::c_int = 1;
        // SAFETY: a valid socket fd and a c_int option value of the right size.
        let rc = unsafe {
            libc::setsockopt(
                sock.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_TIMESTAMPNS,
                (&on as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            )
        };
        assert_eq!(rc, 0, "SO_TIMESTAMPNS");
    }

    /// Receives one datagram with its kernel arrival time (as a Duration since the epoch).
    pub async fn recv(sock: &UdpSocket, buf: &mut [u8]) -> std::io::Result<(usize, Duration)> {
        loop {
            sock.readable().await?;
            match sock.try_io(Interest::READABLE, || recvmsg(sock.as_raw_fd(), buf)) {
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
                other => return other,
            }
        }
    }

    fn recvmsg(fd: i32, buf: &mut [u8]) -> std::io::Result<(usize, Duration)> {
        let mut iov = libc::iovec {
            iov_base: buf.as_mut_ptr().cast(),
            iov_len: buf.len(),
        };
        let mut control = [0u64; 16];
        // SAFETY: msghdr is plain data; every pointer set below outlives the call.
        let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control.as_mut_ptr().cast();
        msg.msg_controllen = std::mem::size_of_val(&control);
        // SAFETY: fd is an open socket, msg points at live buffers.
        let n = unsafe { libc::recvmsg(fd, &mut msg, libc::MSG_DONTWAIT) };
        if n < 0 {
            return Err(std::io::Error::last_os_error());
        }
        let mut at = Duration::ZERO;
        // SAFETY: walking the control messages the kernel wrote into `control`.
        unsafe {
            let mut cmsg = libc::CMSG_FIRSTHDR(&msg);
            while !cmsg.is_null() {
                if (*cmsg).cmsg_level == libc::SOL_SOCKET
                    && (*cmsg).cmsg_type == libc::SCM_TIMESTAMPNS
                {
                    let ts =
                        std::ptr::read_unaligned(libc::CMSG_DATA(cmsg).cast::<libc::timespec>());
                    at = Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32);
                }
                cmsg = libc::CMSG_NXTHDR(&msg, cmsg);
            }
        }
        Ok((n as usize, at))
    }
}

/// What one call's receiver saw.
#[derive(Default)]
pub struct StreamStats {
    last: Option<(u16, Duration)>,
    first_seq: Option<u16>,
    highest: u32,
    cycles: u32,
    pub received: u64,
    /// |gap − 20 ms| in µs for each in-order consecutive pair.
    pub deviations_us: Vec<u32>,
}

impl StreamStats {
    pub fn on_packet(&mut self, seq: u16, at: Duration) {
        self.received += 1;
        if self.first_seq.is_none() {
            self.first_seq = Some(seq);
            self.highest = u32::from(seq);
        } else {
            let hi = self.highest as u16;
            let delta = seq.wrapping_sub(hi);
            if delta != 0 && delta < 0x8000 {
                if seq < hi {
                    self.cycles += 1;
                }
                self.highest = u32::from(seq);
            }
        }
        if let Some((prev_seq, prev_at)) = self.last {
            if seq == prev_seq.wrapping_add(1) {
                let gap = at.saturating_sub(prev_at).as_micros() as i64;
                self.deviations_us
                    .push((gap - 20_000).unsigned_abs() as u32);
            }
        }
        self.last = Some((seq, at));
    }

    pub fn expected(&self) -> u64 {
        match self.first_seq {
            None => 0,
            Some(first) => {
                let ext = u64::from(self.cycles) * 65536 + u64::from(self.highest);
                ext + 1 - u64::from(first)
            }
        }
    }

    pub fn reset(&mut self) {
        *self = StreamStats::default();
    }
}

pub fn percentile(sorted: &[u32], p: f64) -> u32 {
    if sorted.is_empty() {
        return 0;
    }
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)]
}

pub fn proc_cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = stat.rsplit_once(") ").map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = rest.split(' ').collect();
    let field = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    field(11) + field(12) // utime + stime (fields 14 and 15 of the full line)
}

pub fn proc_rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// A process's threads now (`Threads:` in /proc/PID/status); 0 if unreadable.
pub fn proc_threads(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

/// Every stream's figures together.
pub struct Summary {
    pub received: u64,
    pub lost: u64,
    pub lost_percent: f64,
    pub silent_streams: usize,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

/// Adds up the streams' packets, losses and pacing deviations.
pub fn summarize<'a>(streams: impl Iterator<Item = &'a std::sync::Mutex<StreamStats>>) -> Summary {
    let mut devs = Vec::new();
    let (mut received, mut expected, mut silent) = (0u64, 0u64, 0usize);
    for s in streams {
        let s = s.lock().expect("stats");
        received += s.received;
        expected += s.expected();
        if s.received == 0 {
            silent += 1;
        }
        devs.extend_from_slice(&s.deviations_us);
    }
    devs.sort_unstable();
    let lost = expected.saturating_sub(received);
    Summary {
        received,
        lost,
        lost_percent: if expected == 0 {
            0.0
        } else {
            lost as f64 * 100.0 / expected as f64
        },
        silent_streams: silent,
        p50_ms: f64::from(percentile(&devs, 0.5)) / 1000.0,
        p99_ms: f64::from(percentile(&devs, 0.99)) / 1000.0,
        max_ms: f64::from(devs.last().copied().unwrap_or(0)) / 1000.0,
    }
}

/// Sends a 20 ms PCMU frame filled with `fill` to every target every 20 ms, the targets spread
/// evenly over the 20 ms (as independent phones would be), not all in one burst. Runs forever.
pub async fn send_spread(
    targets: Vec<(std::sync::Arc<tokio::net::UdpSocket>, std::net::SocketAddr)>,
    fill: u8,
) {
    let mut tick = tokio::time::interval(Duration::from_millis(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut pkt = vec![fill; 172];
    pkt[0] = 0x80;
    pkt[1] = 0;
    pkt[8..12].copy_from_slice(&0x1234_5678u32.to_be_bytes());
    for n in 0u64.. {
        tick.tick().await;
        let (phase, frame) = ((n % 20) as usize, (n / 20) as u32);
        pkt[2..4].copy_from_slice(&(frame as u16).to_be_bytes());
        pkt[4..8].copy_from_slice(&frame.wrapping_mul(160).to_be_bytes());
        for (sock, to) in targets.iter().skip(phase).step_by(20) {
            let _ = sock.send_to(&pkt, *to).await;
        }
    }
}

/// Where a stream's packets go, once known.
pub type Destination = std::sync::Arc<std::sync::Mutex<Option<std::net::SocketAddr>>>;

/// As [`send_spread`], each target with its own fill byte and its destination read at each
/// send (none yet: skipped), so that phones answering later join the same tick. How late each
/// 1 ms tick's sends started (µs after it was due) goes into `late`.
pub async fn send_spread_each(
    targets: Vec<(std::sync::Arc<tokio::net::UdpSocket>, Destination, u8)>,
    late: std::sync::Arc<std::sync::Mutex<Vec<u32>>>,
) {
    let mut tick = tokio::time::interval(Duration::from_millis(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut pkt = [0u8; 172];
    pkt[0] = 0x80;
    pkt[8..12].copy_from_slice(&0x1234_5678u32.to_be_bytes());
    for n in 0u64.. {
        let due = tick.tick().await;
        let behind = tokio::time::Instant::now().saturating_duration_since(due);
        late.lock()
            .expect("lateness")
            .push(u32::try_from(behind.as_micros()).unwrap_or(u32::MAX));
        let (phase, frame) = ((n % 20) as usize, (n / 20) as u32);
        pkt[2..4].copy_from_slice(&(frame as u16).to_be_bytes());
        pkt[4..8].copy_from_slice(&frame.wrapping_mul(160).to_be_bytes());
        for (sock, to, fill) in targets.iter().skip(phase).step_by(20) {
            let Some(to) = *to.lock().expect("destination") else {
                continue;
            };
            pkt[12..].fill(*fill);
            let _ = sock.send_to(&pkt, to).await;
        }
    }
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "silent_streams={} packets={} lost={} ({:.3}%) dev_p50={:.2}ms dev_p99={:.2}ms dev_max={:.2}ms",
            self.silent_streams, self.received, self.lost, self.lost_percent, self.p50_ms, self.p99_ms, self.max_ms
        )
    }
}

/// The `m=audio` port and `c=` address of an SDP answer.
pub fn rtp_target(sdp: &str) -> Option<std::net::SocketAddr> {
    let ip = sdp
        .lines()
        .find_map(|l| l.strip_prefix("c=IN IP4 "))?
        .trim();
    let port = sdp
        .lines()
        .find_map(|l| l.strip_prefix("m=audio "))?
        .split(' ')
        .next()?;
    format!("{ip}:{port}").parse().ok()
}
