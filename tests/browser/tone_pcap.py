#!/usr/bin/env python3
"""Writes an RTP stream of PCMU audio as a pcap for SIPp's play_pcap_audio: a tone in bursts
(0.6 s of tone, 0.3 s of silence), each burst louder than the one before, so that a recording
of it has a waveform one can see (calls.sh: the caller's side of a recorded call). One SSRC,
payload type 0, 20 ms packets. SIPp replaces the addresses and ports (placeholders on
loopback, as in dtmf_pcap.py).

Usage: tone_pcap.py OUT.pcap TOTAL_SECONDS [HZ]   (default 400 Hz)
"""
import math
import struct
import sys

sys.dont_write_bytecode = True  # no __pycache__ beside the tests
from dtmf_pcap import SAMPLES, ipv4_udp, rtp  # noqa: E402


def ulaw(sample):
    """G.711 mu-law of a 16-bit linear sample."""
    bias, clip = 0x84, 32635
    sign = 0x80 if sample < 0 else 0
    magnitude = min(clip, abs(sample)) + bias
    exponent = 7
    while exponent > 0 and not magnitude & (0x4000 >> (7 - exponent)):
        exponent -= 1
    mantissa = (magnitude >> (exponent + 3)) & 0x0F
    return ~(sign | (exponent << 4) | mantissa) & 0xFF


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    out, total = sys.argv[1], float(sys.argv[2])
    hz = float(sys.argv[3]) if len(sys.argv) > 3 else 400.0
    packets = int(round(total / 0.020))
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for n in range(packets):
            body = bytearray()
            for i in range(SAMPLES):
                t = (n * SAMPLES + i) / 8000.0
                burst, within = divmod(t, 0.9)
                level = min(1.0, 0.25 + 0.15 * burst) if within < 0.6 else 0.0
                body.append(ulaw(int(level * 20000 * math.sin(2 * math.pi * hz * t))))
            frame = ipv4_udp(rtp(0, n == 0, 2000 + n, n * SAMPLES, bytes(body)))
            at = n * 20_000
            sec, usec = divmod(at, 1_000_000)
            f.write(struct.pack("<IIII", 1_000_000 + sec, usec, len(frame), len(frame)))
            f.write(frame)


if __name__ == "__main__":
    main()
