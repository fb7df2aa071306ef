#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# summary: writes a pcap of COUNT refused SSH connections (SYN, RST-ACK) to
# stdout, SPACING seconds of capture time apart, sleeping SLEEP seconds of
# wall time after each: a steady stream of events for the output tests
# (sshmortem -r - reads it as it comes). With --bigkex one more connection,
# first, carries KEXINITs of NAMES names each: an event far over 8 KB.
# Documentation addresses only. Standard library only.
#
#   gen-conns.py COUNT SPACING SLEEP [--bigkex NAMES]
import struct
import sys
import time

CLI = bytes([198, 51, 100, 2])
SRV = bytes([203, 0, 113, 2])
T0 = 1795316400.0  # 2026-11-22T03:00:00Z
SYN, RST, PSH, ACK, FIN = 0x02, 0x04, 0x08, 0x10, 0x01


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def frame(src, dst, sport, dport, seq, ack, flags, payload=b""):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0) + payload
    pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return b"\x02\x00\x5e\x00\x01\x01\x02\x00\x5e\x00\x01\x02\x08\x00" + ip + tcp


class Out:
    def __init__(self):
        self.f = sys.stdout.buffer
        self.f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))

    def pkt(self, ts, data):
        self.f.write(struct.pack("<IIII", int(ts), int(round((ts % 1) * 1e6)) % 1000000,
                                 len(data), len(data)) + data)


def sshstr(b):
    return struct.pack("!I", len(b)) + b


def kexinit(names):
    body = bytes([20]) + bytes(16)
    for lst in (names, b"ssh-ed25519", b"aes128-ctr", b"aes128-ctr", b"hmac-sha2-256",
                b"hmac-sha2-256", b"none", b"none", b"", b""):
        body += sshstr(lst)
    body += b"\0" + struct.pack("!I", 0)
    pad = 8 - (len(body) + 5) % 8
    pad += 8 if pad < 4 else 0
    return struct.pack("!IB", len(body) + pad + 1, pad) + body + bytes(pad)


def bigkex(out, ts, nnames):
    """A full session up to both KEXINITs, then FIN both ways: kex-failed."""
    c, s = 1000, 5000
    cp, sp = 39999, 22
    out.pkt(ts, frame(CLI, SRV, cp, sp, c, 0, SYN))
    out.pkt(ts + 0.001, frame(SRV, CLI, sp, cp, s, c + 1, SYN | ACK))
    out.pkt(ts + 0.002, frame(CLI, SRV, cp, sp, c + 1, s + 1, ACK))
    c += 1
    s += 1
    t = ts + 0.003
    names = b",".join(b"curve%d-sha256@example.org" % i for i in range(nnames))
    for side, data in ((0, b"SSH-2.0-OpenSSH_9.2p1\r\n"), (1, b"SSH-2.0-OpenSSH_9.2p1\r\n"),
                       (0, kexinit(names)), (1, kexinit(names))):
        for i in range(0, len(data), 1400):
            part = data[i:i + 1400]
            if side == 0:
                out.pkt(t, frame(CLI, SRV, cp, sp, c, s, PSH | ACK, part))
                c += len(part)
            else:
                out.pkt(t, frame(SRV, CLI, sp, cp, s, c, PSH | ACK, part))
                s += len(part)
            t += 0.0005
    out.pkt(t, frame(SRV, CLI, sp, cp, s, c, FIN | ACK))
    out.pkt(t + 0.001, frame(CLI, SRV, cp, sp, c, s + 1, FIN | ACK))
    out.pkt(t + 0.002, frame(SRV, CLI, sp, cp, s + 1, c + 1, ACK))


def main():
    count, spacing, sleep = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
    out = Out()
    ts = T0
    if len(sys.argv) > 5 and sys.argv[4] == "--bigkex":
        bigkex(out, ts, int(sys.argv[5]))
        ts += spacing
    for i in range(count):
        port = 40000 + i
        out.pkt(ts, frame(CLI, SRV, port, 22, 1000 + i, 0, SYN))
        out.pkt(ts + 0.0001, frame(SRV, CLI, 22, port, 0, 1001 + i, RST | ACK))
        out.f.flush()
        ts += spacing
        if sleep:
            time.sleep(sleep)
    out.f.flush()


if __name__ == "__main__":
    main()
