#!/usr/bin/env python3
"""A real softphone against the engine: linphonec (Debian `linphone-cli`, liblinphone 5.1)
registers with digest authentication, dials a number the engine answers, records what it
hears and waits until the recording holds the engine's prompt (speech energy), presses a key
(RFC 4733), hangs up and unregisters on quit. linphonec is driven through its stdin; every
step waits for its own output line (registration and call states) or for the recording to
fill, within a bounded time; nothing is timed by sleeping.

linphonec 5.1 opens its database under ~/.local/share/linphone and sends nothing at all when
that folder is missing: the script runs it with a scratch HOME that has it.

Usage: linphonec_call.py HOST:PORT USER PASSWORD NUMBER [--transport udp|tcp] [--digit D]
       [--rtp-ports LOW-HIGH] [--keep DIR]
Exit status 0 when every step happened; it prints one line per step.
"""

import argparse
import array
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time

# How long one step may take (linphonec's start, with its plugins, takes a few seconds).
STEP_SECS = 20
# Mean absolute sample value above which a 20 ms frame counts as sound, and the frames of
# sound that make the prompt heard (0.5 s).
SOUND_LEVEL = 200
SOUND_FRAMES = 25
WAV_HEADER = 44

RC = """[sip]
sip_port=-1
sip_tcp_port=-1
sip_tls_port=0
default_proxy=0
[rtp]
audio_rtp_port={rtp}
[video]
enabled=0
[proxy_0]
reg_proxy=<sip:{engine};transport={transport}>
reg_identity=sip:{user}@{host}
reg_expires=600
reg_sendregister=1
[auth_info_0]
username={user}
passwd={password}
realm=hotline
"""


class Phone:
    def __init__(self, home, rc, transcript):
        env = dict(os.environ, HOME=home)
        self.p = subprocess.Popen(
            # Line-buffered: into a pipe, linphonec's stdout would hold lines back.
            ["stdbuf", "-oL", "-eL", "linphonec", "-c", rc, "-d", "3"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=env,
        )
        self.transcript = open(transcript, "w")
        # Bytes read from linphonec but not yet split into lines. Read from the raw pipe:
        # a buffered reader would keep lines select() no longer sees.
        self.pending = b""

    def send(self, command):
        self.transcript.write(f">>> {command}\n")
        self.p.stdin.write((command + "\n").encode())
        self.p.stdin.flush()

    def next_line(self, timeout):
        """linphonec's next output line, or None when none comes within `timeout` s."""
        while b"\n" not in self.pending:
            ready, _, _ = select.select([self.p.stdout], [], [], timeout)
            if not ready:
                return None
            chunk = os.read(self.p.stdout.fileno(), 65536)
            if not chunk:
                self.fail("linphonec exited")
            self.pending += chunk
        line, self.pending = self.pending.split(b"\n", 1)
        text = line.decode("utf-8", "replace")
        self.transcript.write(text + "\n")
        return text

    def wait_line(self, what, *patterns, fail_on=()):
        """Reads linphonec's output until a line holds one of `patterns`."""
        deadline = time.monotonic() + STEP_SECS
        while time.monotonic() < deadline:
            line = self.next_line(0.2)
            if line is None:
                continue
            if any(f in line for f in fail_on):
                self.fail(f"{what}: {line.strip()}")
            if any(p in line for p in patterns):
                return line
        self.fail(f"{what} (nothing within {STEP_SECS} s)")

    def wait_sound(self, wav):
        """Waits until the recording linphonec writes holds SOUND_FRAMES frames of sound."""
        deadline = time.monotonic() + STEP_SECS
        while time.monotonic() < deadline:
            loud = loud_frames(wav)
            if loud >= SOUND_FRAMES:
                return loud
            # Drain linphonec's output meanwhile (and let the recording grow).
            self.next_line(0.1)
        self.fail(f"hearing the prompt ({loud_frames(wav)} frames of sound in {STEP_SECS} s)")

    def fail(self, why):
        print(f"FAIL: {why}", flush=True)
        self.p.kill()
        sys.exit(1)


def loud_frames(wav):
    """Frames (20 ms at 8 kHz mono, 16-bit) of sound in a WAV being written."""
    try:
        with open(wav, "rb") as f:
            data = f.read()[WAV_HEADER:]
    except FileNotFoundError:
        return 0
    samples = array.array("h", data[: len(data) - len(data) % 2])
    n = 160
    return sum(
        1
        for i in range(0, len(samples) - n + 1, n)
        if sum(abs(s) for s in samples[i : i + n]) / n > SOUND_LEVEL
    )


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("engine")
    ap.add_argument("user")
    ap.add_argument("password")
    ap.add_argument("number")
    ap.add_argument("--transport", choices=["udp", "tcp"], default="udp")
    ap.add_argument("--digit", default="1")
    ap.add_argument("--rtp-ports", default="34000-34099")
    ap.add_argument("--keep", help="folder for linphonec's transcript and the recording")
    a = ap.parse_args()

    home = tempfile.mkdtemp(prefix="linphonec-")
    os.makedirs(os.path.join(home, ".local/share/linphone"))
    keep = a.keep or home
    os.makedirs(keep, exist_ok=True)
    rc = os.path.join(home, "linphonerc")
    host = a.engine.rsplit(":", 1)[0]
    with open(rc, "w") as f:
        f.write(
            RC.format(
                engine=a.engine,
                host=host,
                transport=a.transport,
                user=a.user,
                password=a.password,
                rtp=a.rtp_ports,
            )
        )
    wav = os.path.join(keep, f"heard-{a.transport}.wav")
    phone = Phone(home, rc, os.path.join(keep, f"linphonec-{a.transport}.log"))
    phone.wait_line(
        "registration",
        "to [LinphoneRegistrationOk]",
        fail_on=["to [LinphoneRegistrationFailed]"],
    )
    print("registered", flush=True)
    phone.send(f"call sip:{a.number}@{a.engine};transport={a.transport}")
    phone.wait_line("the call to be answered", "connected.", fail_on=["Call failed", "ended ("])
    phone.wait_line("the call's media", "Media streams established")
    print("answered", flush=True)
    phone.send(f"record {wav}")
    loud = phone.wait_sound(wav)
    print(f"heard the prompt ({loud} frames of sound)", flush=True)
    phone.send(a.digit)
    phone.wait_line("the digit to be sent", "Finished sending RFC2833 dtmf")
    print(f"pressed {a.digit}", flush=True)
    phone.send("terminate")
    phone.wait_line("the hang-up", "ended (")
    print("hung up", flush=True)
    phone.send("quit")
    phone.wait_line(
        "unregistration",
        "to [LinphoneRegistrationCleared]",
        fail_on=["to [LinphoneRegistrationFailed]"],
    )
    print("unregistered", flush=True)
    try:
        phone.p.wait(timeout=STEP_SECS)
    except subprocess.TimeoutExpired:
        phone.fail("linphonec did not exit after quit")
    shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
