#!/usr/bin/env python3
"""A real softphone against the engine: PJSIP's pjsua2 (PyPI `pjsua2-python`) registers with
digest authentication, dials a number the engine answers, hears the engine's audio (the
welcome prompt: speech energy in the decoded frames), presses a key (RFC 4733), hangs up and
unregisters. Every step waits for PJSIP's own event (registration state, call state, a
received frame) within a bounded time; nothing is timed by sleeping.

Usage: pjsua2_call.py HOST:PORT USER PASSWORD NUMBER [--transport udp|tcp] [--digit D]
       [--log FILE]
Exit status 0 when every step happened; it prints one line per step ("registered 200", ...).
"""

import argparse
import array
import gc
import os
import time

import pjsua2 as pj

# How long one step may take (the engine answers within milliseconds on loopback).
STEP_SECS = 15
# Mean absolute sample value above which a 20 ms frame counts as sound (speech is in the
# thousands; the engine's silence is 0).
SOUND_LEVEL = 200
# Frames of sound needed to say the prompt was heard (0.5 s).
SOUND_FRAMES = 25


class Listener(pj.AudioMediaPort):
    """Counts the frames of sound the engine sends."""

    def __init__(self):
        super().__init__()
        self.frames = 0
        self.loud = 0

    def onFrameReceived(self, frame):
        self.frames += 1
        data = bytes(frame.buf)
        if len(data) < 2:
            return
        samples = array.array("h", data[: len(data) - len(data) % 2])
        level = sum(abs(s) for s in samples) / len(samples)
        if level > SOUND_LEVEL:
            self.loud += 1


class Account(pj.Account):
    def __init__(self):
        super().__init__()
        self.reg_code = None
        self.expires = None

    def onRegState(self, prm):
        self.reg_code = prm.code
        self.expires = prm.expiration


class Call(pj.Call):
    def __init__(self, acc, listener):
        super().__init__(acc)
        self.listener = listener
        self.state = None
        self.media_ready = False

    def onCallState(self, prm):
        self.state = self.getInfo().state

    def onCallMediaState(self, prm):
        info = self.getInfo()
        for i, m in enumerate(info.media):
            if m.type == pj.PJMEDIA_TYPE_AUDIO and m.status == pj.PJSUA_CALL_MEDIA_ACTIVE:
                self.getAudioMedia(i).startTransmit(self.listener)
                self.media_ready = True


def fail(why):
    """Ends the script at once: PJSIP's objects are not torn down in order on this path."""
    print(f"FAIL: {why}", flush=True)
    os._exit(1)


def wait_for(ep, what, done):
    """Runs PJSIP's events until `done()` or STEP_SECS; fails the script on timeout."""
    deadline = time.monotonic() + STEP_SECS
    while not done():
        if time.monotonic() > deadline:
            fail(f"{what} (no event within {STEP_SECS} s)")
        ep.libHandleEvents(20)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("engine")
    ap.add_argument("user")
    ap.add_argument("password")
    ap.add_argument("number")
    ap.add_argument("--transport", choices=["udp", "tcp"], default="udp")
    ap.add_argument("--digit", default="1")
    ap.add_argument("--log-level", type=int, default=5, help="PJSIP's (5 shows messages)")
    ap.add_argument("--log", help="PJSIP's log file (default: none)")
    a = ap.parse_args()

    ep = pj.Endpoint()
    ep.libCreate()
    cfg = pj.EpConfig()
    cfg.uaConfig.threadCnt = 0  # events run only in libHandleEvents, on this thread
    cfg.uaConfig.mainThreadOnly = True
    cfg.logConfig.level = a.log_level if a.log else 0
    cfg.logConfig.consoleLevel = 0  # stdout carries only the steps
    if a.log:
        cfg.logConfig.filename = a.log
    cfg.medConfig.clockRate = 8000
    cfg.medConfig.sndClockRate = 8000
    cfg.medConfig.noVad = True
    ep.libInit(cfg)
    ep.audDevManager().setNullDev()  # no sound card: the conference bridge runs on a timer
    tcfg = pj.TransportConfig()
    tcfg.port = 0
    tcfg.boundAddress = "127.0.0.1"
    tcfg.publicAddress = "127.0.0.1"
    kind = pj.PJSIP_TRANSPORT_TCP if a.transport == "tcp" else pj.PJSIP_TRANSPORT_UDP
    ep.transportCreate(kind, tcfg)
    ep.libStart()

    suffix = ";transport=tcp" if a.transport == "tcp" else ""
    acfg = pj.AccountConfig()
    acfg.idUri = f"sip:{a.user}@{a.engine}"
    acfg.regConfig.registrarUri = f"sip:{a.engine}{suffix}"
    acfg.regConfig.timeoutSec = 300
    acfg.sipConfig.authCreds.append(pj.AuthCredInfo("digest", "*", a.user, 0, a.password))
    # RTP on loopback too (SDP's address is the bound one).
    acfg.mediaConfig.transportConfig.boundAddress = "127.0.0.1"
    acfg.mediaConfig.transportConfig.publicAddress = "127.0.0.1"
    acc = Account()
    acc.create(acfg)
    wait_for(ep, "registration", lambda: acc.reg_code is not None)
    print(f"registered {acc.reg_code}")
    if acc.reg_code != 200:
        fail("registration refused")

    listener = Listener()
    fmt = pj.MediaFormatAudio()
    fmt.init(pj.PJMEDIA_FORMAT_PCM, 8000, 1, 20000, 16)
    listener.createPort("listener", fmt)
    call = Call(acc, listener)
    call.makeCall(f"sip:{a.number}@{a.engine}{suffix}", pj.CallOpParam(True))
    wait_for(ep, "the call to be answered", lambda: call.state == pj.PJSIP_INV_STATE_CONFIRMED)
    print("answered")
    wait_for(ep, "audio from the engine", lambda: listener.loud >= SOUND_FRAMES)
    print(f"heard the prompt ({listener.loud} loud frames of {listener.frames})")
    call.dialDtmf(a.digit)  # RFC 4733 by default
    # The key's end packets go out with the next frames; the engine logs the digit.
    sent_at = listener.frames
    wait_for(ep, "the digit to be sent", lambda: listener.frames >= sent_at + 25)
    print(f"pressed {a.digit}")
    call.hangup(pj.CallOpParam(True))
    wait_for(ep, "the hang-up", lambda: call.state == pj.PJSIP_INV_STATE_DISCONNECTED)
    print("hung up")
    acc.reg_code = None
    acc.setRegistration(False)
    wait_for(ep, "unregistration", lambda: acc.reg_code is not None)
    print(f"unregistered {acc.reg_code}")
    if acc.reg_code != 200:
        fail("unregistration refused")
    # The media port goes before the conference bridge it is attached to.
    call = None
    listener = None
    gc.collect()
    acc.shutdown()
    ep.libDestroy()


if __name__ == "__main__":
    main()
