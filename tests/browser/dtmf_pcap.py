#!/usr/bin/env python3
"""Writes an RTP stream as a pcap for SIPp's play_pcap_audio: 20 ms of PCMU silence (payload
type 0) every 20 ms, with RFC 4733 telephone-events (payload type 101, as the scenarios' SDP
says) in place of the audio where keys are pressed. One SSRC, continuous sequence numbers; each
press has its own RTP timestamp (its start), so two presses of the same key are two presses
(the shipped dtmf_2833_N.pcap files all carry one fixed timestamp per digit, which a receiver
rightly takes for the same press when a key is sent twice).

Usage: dtmf_pcap.py OUT.pcap TOTAL_SECONDS KEY@SECONDS [KEY@SECONDS ...]
  e.g. dtmf_pcap.py keys.pcap 20 1@5 4@9 1@14
SIPp replaces the addresses and ports; those written here are placeholders on loopback.
"""
import struct
import sys

PTIME = 0.020
SAMPLES = 160
PRESS_PACKETS = 8  # 160 ms of tone, then the end packet sent three times
EVENTS = {str(d): d for d in range(10)}
EVENTS.update({"*": 10, "#": 11})
SSRC = 0x484F544C


def ipv4_udp(payload, src_port=6000, dst_port=7000):
    udp = struct.pack(">HHHH", src_port, dst_port, 8 + len(payload), 0) + payload
    header = struct.pack(
        ">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0,
        bytes([127, 0, 0, 1]), bytes([127, 0, 0, 1]))
    total = 0
    for i in range(0, 20, 2):
        total += (header[i] << 8) + header[i + 1]
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    header = header[:10] + struct.pack(">H", ~total & 0xFFFF) + header[12:]
    ethernet = b"\x00" * 12 + b"\x08\x00"
    return ethernet + header + udp


def rtp(pt, marker, seq, ts, payload):
    return struct.pack(">BBHII", 0x80, (0x80 if marker else 0) | pt, seq & 0xFFFF,
                       ts & 0xFFFFFFFF, SSRC) + payload


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    out, total = sys.argv[1], float(sys.argv[2])
    presses = {}
    for arg in sys.argv[3:]:
        key, at = arg.split("@")
        presses[int(round(float(at) / PTIME))] = EVENTS[key]
    packets = []  # (microseconds, rtp bytes)
    seq = 1000
    tick = 0
    ticks = int(round(total / PTIME))
    while tick < ticks:
        if tick in presses:
            event, start = presses[tick], tick * SAMPLES
            for n in range(PRESS_PACKETS):
                end = n == PRESS_PACKETS - 1
                duration = (n + 1) * SAMPLES
                body = struct.pack(">BBH", event, (0x80 if end else 0) | 10, duration)
                pkt = rtp(101, n == 0, seq, start, body)
                packets.append(((tick + n) * 20_000, pkt))
                if end:  # the end packet twice more, as RFC 4733 asks
                    packets.append(((tick + n) * 20_000, pkt))
                    packets.append(((tick + n) * 20_000, pkt))
                seq += 1
            tick += PRESS_PACKETS
            continue
        packets.append((tick * 20_000, rtp(0, False, seq, tick * SAMPLES, b"\xff" * SAMPLES)))
        seq += 1
        tick += 1
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for at, pkt in packets:
            frame = ipv4_udp(pkt)
            sec, usec = divmod(at, 1_000_000)
            f.write(struct.pack("<IIII", 1_000_000 + sec, usec, len(frame), len(frame)))
            f.write(frame)


if __name__ == "__main__":
    main()
