#!/usr/bin/env python3
"""A small SMSC simulator for hotline-sms's integration tests.

PDUs are decoded and encoded with the `smpp34` package from PyPI (a codec written by others:
submit_sm is read by it and deliver_sm is built by it, so our codec is checked against an
independent one); the simulator only adds the header-only responses and the bind fields.

It listens on 127.0.0.1 (port 0 unless --port) and prints one JSON object a line on stdout:
  {"ev": "listening", "port": N}
  {"ev": "bind", "system_id": ..., "ok": bool}
  {"ev": "submit", "dest": ..., "dc": ..., "esm": ..., "udh": [ref, total, seq] | null,
   "text": <this part, decoded>, "answered": bool, "status": int, "message_id": ... | null}
  {"ev": "message", "dest": ..., "dc": ..., "parts": n, "text": <all parts joined>}
  {"ev": "receipt_sent", "message_id": ...}   {"ev": "mo_sent", "from": ..., "text": ...}
  {"ev": "deliver_resp", "seq": n, "status": n}   {"ev": "dropped", "connections": n}
Commands on stdin, one a line:
  hold            stop answering submit_sm (recorded with "answered": false) until `drop`
  throttle N      answer the next N submit_sm with ESME_RTHROTTLED (0x58)
  undeliver N     the receipts of the next N accepted submit_sm say UNDELIV (state 5)
  drop            close every connection at once, no unbind
  mo FROM TEXT    send an inbound deliver_sm from FROM (UCS-2 unless TEXT is plain ASCII)
Each command is acknowledged with {"ev": "done", "command": <its first word>} once in force.
A wrong password gets ESME_RBINDFAIL (0x0D).
"""

import argparse
import asyncio
import json
import struct
import sys
import threading

try:
    import smpp34
except ImportError:
    print("smsc_sim.py needs the PyPI package smpp34: python3 -m pip install smpp34==1.5.0",
          file=sys.stderr, flush=True)
    sys.exit(3)

BIND_TRANSCEIVER, BIND_TRANSCEIVER_RESP = 0x09, 0x80000009
SUBMIT_SM, SUBMIT_SM_RESP = 0x04, 0x80000004
DELIVER_SM_RESP = 0x80000005
UNBIND, UNBIND_RESP = 0x06, 0x80000006
ENQUIRE_LINK, ENQUIRE_LINK_RESP = 0x15, 0x80000015
GENERIC_NACK = 0x80000000
ESME_RBINDFAIL, ESME_RTHROTTLED, ESME_RINVCMDID = 0x0D, 0x58, 0x03


def emit(**fields):
    print(json.dumps(fields), flush=True)


def pdu(command_id, status, seq, body=b""):
    return struct.pack(">IIII", 16 + len(body), command_id, status, seq) + body


def cstrings(body, n):
    parts = body.split(b"\0")
    return [p.decode("ascii", "replace") for p in parts[:n]]


GSM = ("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
       "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM_EXT = {0x0A: "\f", 0x14: "^", 0x28: "{", 0x29: "}", 0x2F: "\\", 0x3C: "[", 0x3D: "~",
           0x3E: "]", 0x40: "|", 0x65: "€"}


def decode_text(dc, data):
    if dc == 0x08:
        return data.decode("utf-16-be", "replace")
    if dc == 0x00:
        out, esc = [], False
        for b in data:
            if esc:
                out.append(GSM_EXT.get(b, "?"))
                esc = False
            elif b == 0x1B:
                esc = True
            else:
                out.append(GSM[b] if b < len(GSM) else "?")
        return "".join(out)
    return data.decode("latin-1")


class Smsc:
    def __init__(self, system_id, password, receipt_delay):
        self.system_id, self.password, self.receipt_delay = system_id, password, receipt_delay
        self.writers = set()
        self.bound = []
        self.hold = False
        self.throttle = 0
        self.undeliver = 0
        self.next_id = 1
        self.seq = 1
        self.concat = {}

    def next_seq(self):
        self.seq += 1
        return self.seq

    async def serve(self, reader, writer):
        self.writers.add(writer)
        try:
            while True:
                head = await reader.readexactly(16)
                length, command_id, status, seq = struct.unpack(">IIII", head)
                body = await reader.readexactly(length - 16)
                if not await self.on_pdu(writer, head + body, command_id, status, seq, body):
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self.writers.discard(writer)
            if writer in self.bound:
                self.bound.remove(writer)
            writer.close()

    async def on_pdu(self, writer, frame, command_id, status, seq, body):
        if command_id == BIND_TRANSCEIVER:
            system_id, password = cstrings(body, 2)
            ok = system_id == self.system_id and password == self.password
            emit(ev="bind", system_id=system_id, ok=ok)
            if ok:
                writer.write(pdu(BIND_TRANSCEIVER_RESP, 0, seq, b"SIMSMSC\0"))
                self.bound.append(writer)
            else:
                writer.write(pdu(BIND_TRANSCEIVER_RESP, ESME_RBINDFAIL, seq))
            await writer.drain()
            return ok
        if command_id == SUBMIT_SM:
            self.on_submit(writer, smpp34.decode(frame), seq)
        elif command_id == ENQUIRE_LINK:
            writer.write(pdu(ENQUIRE_LINK_RESP, 0, seq))
        elif command_id == UNBIND:
            writer.write(pdu(UNBIND_RESP, 0, seq))
            await writer.drain()
            return False
        elif command_id == DELIVER_SM_RESP:
            emit(ev="deliver_resp", seq=seq, status=status)
        elif command_id == GENERIC_NACK:
            emit(ev="generic_nack", seq=seq, status=status)
        else:
            writer.write(pdu(GENERIC_NACK, ESME_RINVCMDID, seq))
        await writer.drain()
        return True

    def on_submit(self, writer, sm, seq):
        data, udh = sm.short_message, None
        if sm.esm_class & 0x40 and len(data) >= 6 and data[1] == 0x00:
            udh = [data[3], data[4], data[5]]
            data = data[data[0] + 1:]
        text = decode_text(sm.data_coding, data)
        record = dict(ev="submit", dest=sm.destination_addr, source=sm.source_addr,
                      dc=sm.data_coding, esm=sm.esm_class, udh=udh, text=text,
                      registered_delivery=sm.registered_delivery)
        if self.hold:
            emit(answered=False, status=None, message_id=None, **record)
            return
        if self.throttle > 0:
            self.throttle -= 1
            writer.write(pdu(SUBMIT_SM_RESP, ESME_RTHROTTLED, seq))
            emit(answered=True, status=ESME_RTHROTTLED, message_id=None, **record)
            return
        message_id = "SIM%06d" % self.next_id
        self.next_id += 1
        writer.write(pdu(SUBMIT_SM_RESP, 0, seq, message_id.encode() + b"\0"))
        emit(answered=True, status=0, message_id=message_id, **record)
        self.assemble(sm, udh, text)
        delivered = self.undeliver <= 0
        self.undeliver -= 0 if delivered else 1
        if sm.registered_delivery & 0x01:
            asyncio.get_running_loop().call_later(
                self.receipt_delay, self.send_receipt, writer, sm, message_id, delivered)

    def assemble(self, sm, udh, text):
        if udh is None:
            emit(ev="message", dest=sm.destination_addr, dc=sm.data_coding, parts=1, text=text)
            return
        ref, total, part = udh
        key = (sm.destination_addr, ref)
        parts = self.concat.setdefault(key, {})
        parts[part] = text
        if len(parts) == total:
            del self.concat[key]
            joined = "".join(parts[i] for i in range(1, total + 1))
            emit(ev="message", dest=sm.destination_addr, dc=sm.data_coding, parts=total,
                 text=joined)

    def send_receipt(self, writer, sm, message_id, delivered):
        if writer not in self.bound:
            return
        stat, state, dlvrd, err = (("DELIVRD", b"\x02", "001", "000") if delivered
                                   else ("UNDELIV", b"\x05", "000", "001"))
        text = ("id:%s sub:001 dlvrd:%s submit date:2612071500 done date:2612071501 "
                "stat:%s err:%s text:" % (message_id, dlvrd, stat, err)).encode()
        receipt = smpp34.DeliverSm(
            sm.destination_addr, sm.source_addr, text, esm_class=0x04,
            tlvs=[smpp34.Tlv(smpp34.TLV_RECEIPTED_MESSAGE_ID, message_id.encode() + b"\0"),
                  smpp34.Tlv(smpp34.TLV_MESSAGE_STATE, state)],
            sequence_number=self.next_seq())
        writer.write(receipt.encode())
        emit(ev="receipt_sent", message_id=message_id, stat=stat)

    def command(self, line):
        words = line.strip().split(" ", 2)
        if words[0] == "hold":
            self.hold = True
        elif words[0] == "throttle":
            self.throttle = int(words[1])
        elif words[0] == "undeliver":
            self.undeliver = int(words[1])
        elif words[0] == "drop":
            n = len(self.writers)
            for w in list(self.writers):
                w.transport.abort()
            self.hold = False
            emit(ev="dropped", connections=n)
        elif words[0] == "mo" and len(words) == 3:
            sender, text = words[1], words[2]
            ascii_only = all(ord(c) < 128 for c in text)
            dc, data = (0x00, text.encode()) if ascii_only else (0x08, text.encode("utf-16-be"))
            for w in self.bound:
                mo = smpp34.DeliverSm(sender, "95598", data, data_coding=dc,
                                      sequence_number=self.next_seq())
                w.write(mo.encode())
            emit(ev="mo_sent", **{"from": sender, "text": text, "bound": len(self.bound)})
        else:
            emit(ev="error", message="unknown command: " + line.strip())
            return
        emit(ev="done", command=words[0])


async def main():
    args = argparse.ArgumentParser()
    args.add_argument("--port", type=int, default=0)
    args.add_argument("--system-id", default="hotline")
    args.add_argument("--password", default="secret")
    args.add_argument("--receipt-delay-ms", type=int, default=50)
    a = args.parse_args()
    smsc = Smsc(a.system_id, a.password, a.receipt_delay_ms / 1000)
    server = await asyncio.start_server(smsc.serve, "127.0.0.1", a.port)
    emit(ev="listening", port=server.sockets[0].getsockname()[1])
    loop = asyncio.get_running_loop()
    done = asyncio.Event()

    def read_stdin():
        for line in sys.stdin:
            loop.call_soon_threadsafe(smsc.command, line)
        loop.call_soon_threadsafe(done.set)  # the test went away: stop

    threading.Thread(target=read_stdin, daemon=True).start()
    await done.wait()
    server.close()


if __name__ == "__main__":
    asyncio.run(main())
