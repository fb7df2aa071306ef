#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# summary: writes the hostile-capture corpus pcaps/hostile/ (doc/hostile.md):
# hand-crafted packets for parser edge cases that no real stack sends on
# purpose. Deterministic (no randomness, fixed timestamps): running it again
# gives byte-identical files. Standard library only.
#
#   /usr/bin/python3 tests/hostile/make-hostile.py [OUTDIR]   (default pcaps/hostile)
#
# Every connection is client 198.51.100.2:40000+N -> server 203.0.113.2:22
# over Ethernet with a full TCP handshake and correct IP lengths and
# checksums, unless the case is about broken headers.
import os
import struct
import sys

CLI_IP = bytes([198, 51, 100, 2])
SRV_IP = bytes([203, 0, 113, 2])
RTR_IP = bytes([198, 51, 100, 1])
CLI_MAC = bytes.fromhex("02005e000102")
SRV_MAC = bytes.fromhex("02005e000101")  # the router's MAC, as seen by the client
T0 = 1795316400  # 2026-11-22T03:00:00Z
MSS = 1448

CLI_BANNER = b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\r\n"
SRV_BANNER = b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\r\n"


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def filler(n, seed):
    """Deterministic pseudo-random bytes (an LCG), for ciphertext and keys."""
    out = bytearray(n)
    x = seed & 0xFFFFFFFF
    for i in range(n):
        x = (x * 1103515245 + 12345) & 0xFFFFFFFF
        out[i] = (x >> 16) & 0xFF
    return bytes(out)


def eth(src_mac, dst_mac, ethertype, payload):
    return dst_mac + src_mac + struct.pack("!H", ethertype) + payload


def ipv4(src, dst, proto, payload, ttl=64, ident=0, ihl=5, total_len=None, df=True):
    """A 20-byte IPv4 header; ihl and total_len may lie (the checksum is
    still computed over the 20 bytes written)."""
    tl = 20 + len(payload) if total_len is None else total_len
    hdr = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, tl & 0xFFFF, ident & 0xFFFF,
                      0x4000 if df else 0, ttl, proto, 0, src, dst)
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + payload


FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10


def tcp(src, dst, sport, dport, seq, ack, flags, payload=b"", win=502, opts=b"", doff=None):
    if len(opts) % 4:
        opts += b"\0" * (4 - len(opts) % 4)
    off = 5 + len(opts) // 4 if doff is None else doff
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                      off << 4, flags, win, 0, 0) + opts
    pseudo = src + dst + struct.pack("!BBH", 0, 6, len(hdr) + len(payload))
    c = csum(pseudo + hdr + payload)
    return hdr[:16] + struct.pack("!H", c) + hdr[18:] + payload


SYN_OPTS = bytes([2, 4, 0x05, 0xB4, 1, 1, 4, 2, 1, 3, 3, 7])  # MSS 1460, SACK-perm, WS 7


class Pcap:
    """Records (ts_us, frame, caplen, origlen); caplen/origlen may lie."""

    def __init__(self):
        self.recs = []
        self.t = 0  # microseconds since T0

    def add(self, frame, dt=100, caplen=None, origlen=None):
        self.t += dt
        self.recs.append((self.t, frame, caplen, origlen))

    def write(self, path, snaplen=262144, linktype=1):
        with open(path, "wb") as f:
            f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, linktype))
            for t, frame, caplen, origlen in self.recs:
                cl = len(frame) if caplen is None else caplen
                ol = len(frame) if origlen is None else origlen
                f.write(struct.pack("<IIII", T0 + t // 1000000, t % 1000000, cl, ol))
                f.write(frame)


class Conn:
    """One TCP connection, client 198.51.100.2:cport -> 203.0.113.2:22,
    captured at the client (server TTL 63: one router between)."""

    def __init__(self, pcap, cport, cisn=0x1A2B3C4D, sisn=0x5E6F7081):
        self.p = pcap
        self.cport = cport
        self.seq = [cisn, sisn]  # next sequence number to send, per side
        self.ipid = [0x1000 + cport % 4096, 0x8000 + cport % 4096]

    def frame(self, side, flags, payload=b"", seq=None, ack=None, opts=b"", win=None,
              doff=None, ihl=5, total_len=None, extra=b""):
        """side 0 client, 1 server; does not advance the sequence numbers."""
        src, dst = (CLI_IP, SRV_IP) if side == 0 else (SRV_IP, CLI_IP)
        sp, dp = (self.cport, 22) if side == 0 else (22, self.cport)
        s = self.seq[side] if seq is None else seq
        a = self.seq[1 - side] if ack is None else ack
        w = (64240 if side == 0 else 65160) if flags & SYN else (win or (502 if side == 0 else 509))
        seg = tcp(src, dst, sp, dp, s, a, flags, payload, w, opts, doff)
        self.ipid[side] += 1
        ip = ipv4(src, dst, 6, seg, ttl=64 if side == 0 else 63, ident=self.ipid[side], ihl=ihl,
                  total_len=total_len)
        smac, dmac = (CLI_MAC, SRV_MAC) if side == 0 else (SRV_MAC, CLI_MAC)
        return eth(smac, dmac, 0x0800, ip + extra)

    def pkt(self, side, flags, payload=b"", dt=100, **kw):
        self.p.add(self.frame(side, flags, payload, **kw), dt)
        adv = len(payload) + (1 if flags & (SYN | FIN) else 0)
        if kw.get("seq") is None:
            self.seq[side] = (self.seq[side] + adv) & 0xFFFFFFFF

    def handshake(self, syn_opts=SYN_OPTS):
        self.pkt(0, SYN, opts=syn_opts, ack=0, dt=1000)
        self.pkt(1, SYN | ACK, opts=SYN_OPTS, dt=1000)
        self.pkt(0, ACK, dt=1000)

    def send(self, side, data, dt=1000, ack_every=8, ack=True):
        """data in MSS-sized PSH segments, the peer ACKs every ack_every
        segments and after the last."""
        n = 0
        for i in range(0, len(data), MSS):
            self.pkt(side, PSH | ACK, data[i:i + MSS], dt=dt if i == 0 else 20)
            n += 1
            if ack and n % ack_every == 0 and i + MSS < len(data):
                self.pkt(1 - side, ACK, dt=50)
        if ack:
            self.pkt(1 - side, ACK, dt=1000)

    def close(self, first=0):
        self.pkt(first, FIN | ACK, dt=2000)
        self.pkt(1 - first, FIN | ACK, dt=1000)
        self.pkt(first, ACK, dt=1000)


# ---- SSH ------------------------------------------------------------------


def sshstr(b):
    return struct.pack("!I", len(b)) + b


def ssh_packet(payload, padding=None, packet_length=None, padding_length=None):
    """RFC 4253 section 6 binary packet, block size 8, padding zeros."""
    if padding is None:
        padding = 4 + (-(4 + 1 + len(payload) + 4)) % 8
    pl = 1 + len(payload) + padding if packet_length is None else packet_length
    pd = padding if padding_length is None else padding_length
    return struct.pack("!IB", pl, pd) + payload + b"\0" * padding


KEX_C = (b"sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,"
         b"ecdh-sha2-nistp256,diffie-hellman-group14-sha256,ext-info-c,kex-strict-c-v00@openssh.com")
KEX_S = (b"sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,"
         b"ecdh-sha2-nistp256,diffie-hellman-group14-sha256,kex-strict-s-v00@openssh.com")
HOSTKEYS = b"ssh-ed25519,ecdsa-sha2-nistp256,rsa-sha2-512,rsa-sha2-256"
CIPHERS = b"chacha20-poly1305@openssh.com,aes128-ctr,aes256-ctr,aes128-gcm@openssh.com"
MACS = b"umac-64-etm@openssh.com,hmac-sha2-256-etm@openssh.com,hmac-sha2-256"
COMP = b"none,zlib@openssh.com"


def kexinit(kex, seed):
    body = bytes([20]) + filler(16, seed)
    for lst in (kex, HOSTKEYS, CIPHERS, CIPHERS, MACS, MACS, COMP, COMP, b"", b""):
        body += sshstr(lst)
    return ssh_packet(body + b"\0" + struct.pack("!I", 0))


def ecdh_init():
    return ssh_packet(bytes([30]) + sshstr(filler(32, 30)))


def ecdh_reply_newkeys():
    blob = sshstr(b"ssh-ed25519") + sshstr(filler(32, 25519))
    sig = sshstr(b"ssh-ed25519") + sshstr(filler(64, 64))
    reply = ssh_packet(bytes([31]) + sshstr(blob) + sshstr(filler(32, 31)) + sshstr(sig))
    return reply + ssh_packet(bytes([21]))


def ssh_session(c, hook=None):
    """Banners, KEXINITs, curve25519 exchange, NEWKEYS, a few encrypted
    (chacha20-poly1305: lengths hidden) segments each way, client FIN first:
    normal-close. hook(c, step) may inject packets at named steps."""
    hook = hook or (lambda c, step: False)
    c.handshake()
    hook(c, "established")
    c.send(0, CLI_BANNER)
    hook(c, "client-banner")
    if not hook(c, "send-server-banner"):
        c.send(1, SRV_BANNER)
    hook(c, "server-banner")
    c.send(0, kexinit(KEX_C, 1))
    c.send(1, kexinit(KEX_S, 2))
    c.send(0, ecdh_init())
    c.send(1, ecdh_reply_newkeys())
    c.send(0, ssh_packet(bytes([21])))
    hook(c, "newkeys")
    for i, (side, n) in enumerate([(0, 44), (1, 44), (0, 68), (1, 52), (0, 500), (1, 36),
                                   (0, 120), (1, 200)]):
        c.send(side, filler(n, 100 + i))
    hook(c, "session")
    c.close(0)


def banners_then(c, server_bytes, close_first=1):
    """Handshake, client banner, then whatever the server sends, server FIN."""
    c.handshake()
    c.send(0, CLI_BANNER)
    c.send(1, server_bytes)
    c.close(close_first)


# ---- the cases --------------------------------------------------------------

CASES = []


def case(fn):
    CASES.append(fn)
    return fn


@case
def banner_1mb(out):
    p = Pcap()
    c = Conn(p, 40001)
    banners_then(c, b"SSH-2.0-" + b"A" * (1024 * 1024 - 8))  # 1 MiB, no LF
    p.write(os.path.join(out, "banner-1mb.pcap"))


@case
def tarpit_100k(out):
    # endlessh sends one random line every 10 s; here 100,000 short lines
    # packed into full segments (1 s apart) keep the file small.
    p = Pcap()
    c = Conn(p, 40002)
    c.handshake()
    c.send(0, CLI_BANNER)
    lines = b"".join(b"%x\r\n" % (i % 0x1000) for i in range(100000))
    for i in range(0, len(lines), MSS):
        c.pkt(1, PSH | ACK, lines[i:i + MSS], dt=1000000)
        c.pkt(0, ACK, dt=200)
    c.close(1)
    p.write(os.path.join(out, "tarpit-100k-lines.pcap"))


@case
def kexinit_100k_names(out):
    # 100,000 names in kex_algorithms: the list is 630,095 bytes, over the 64 KiB
    # name-list cap, and the packet over the 256 KiB packet cap.
    p = Pcap()
    c = Conn(p, 40003)
    c.handshake()
    c.send(0, CLI_BANNER)
    c.send(1, SRV_BANNER)
    c.send(0, kexinit(KEX_C, 1))
    names = b",".join(b"k%x" % i for i in range(100000))
    c.send(1, kexinit(names, 2))
    c.close(1)
    p.write(os.path.join(out, "kexinit-100k-names.pcap"))


@case
def packet_length_ffffffff(out):
    p = Pcap()
    c = Conn(p, 40004)
    c.handshake()
    c.send(0, CLI_BANNER)
    c.send(1, SRV_BANNER)
    c.send(0, kexinit(KEX_C, 1))
    c.send(1, struct.pack("!IB", 0xFFFFFFFF, 4) + bytes([20]) + filler(200, 4))
    c.close(1)
    p.write(os.path.join(out, "packet-length-ffffffff.pcap"))


@case
def padding_gt_packet(out):
    # packet_length 12, padding_length 200: the padding cannot fit.
    p = Pcap()
    c = Conn(p, 40005)
    c.handshake()
    c.send(0, CLI_BANNER)
    c.send(1, SRV_BANNER)
    c.send(0, kexinit(KEX_C, 1))
    c.send(1, ssh_packet(bytes([20]) + filler(6, 5), padding=5, padding_length=200))
    c.close(1)
    p.write(os.path.join(out, "padding-gt-packet.pcap"))


# Header lies: a normal session, plus server packets whose headers lie,
# carrying junk at the server's next sequence number. If the decoder
# believed one, the junk would be first in the stream (first wins) and
# the server would not look like SSH.
JUNK = b"HTTP/1.1 400 Bad Request\r\n\r\n"


@case
def ipv4_ihl_15(out):
    p = Pcap()
    c = Conn(p, 40006)

    def hook(c, step):
        if step == "client-banner":  # IHL 15 (60 bytes) on a 20-byte header
            p.add(c.frame(1, PSH | ACK, JUNK, ihl=15))
            # The same lie, but the bytes at the claimed end of the IP header
            # (offset 60) start like a TCP header of this connection (ports
            # 22 -> 40006), so that libpcap's "port 22" filter passes it and
            # the decoder must see that only 8 of its 20 bytes are there.
            p.add(c.frame(1, PSH | ACK, JUNK[:20] + struct.pack("!HH", 22, 40006) + JUNK[24:],
                          ihl=15))

    ssh_session(c, hook)
    p.write(os.path.join(out, "ipv4-ihl-15.pcap"))


@case
def ipv4_total_length_long(out):
    p = Pcap()
    c = Conn(p, 40007)

    def hook(c, step):
        if step == "client-banner":  # total length 1500, frame holds 40 + 28
            p.add(c.frame(1, PSH | ACK, JUNK, total_len=1500))

    ssh_session(c, hook)
    p.write(os.path.join(out, "ipv4-total-length-long.pcap"))


@case
def ipv4_total_length_short(out):
    p = Pcap()
    c = Conn(p, 40008)

    def hook(c, step):
        if step == "client-banner":
            # total length 36: shorter than IP + TCP headers
            p.add(c.frame(1, PSH | ACK, JUNK, total_len=36))
            # total length 19: shorter than the IP header itself
            p.add(c.frame(1, PSH | ACK, JUNK, total_len=19))

    ssh_session(c, hook)
    p.write(os.path.join(out, "ipv4-total-length-short.pcap"))


@case
def ipv4_trailer(out):
    # Every packet of the server carries 16 bytes of trailer after the IP
    # total length (frame longer than the IP datagram, as Ethernet padding
    # or an FCS): they must not reach the stream.
    p = Pcap()
    c = Conn(p, 40009)
    orig = c.frame

    def frame(side, flags, payload=b"", **kw):
        if side == 1:
            kw["extra"] = b"\xde\xad\xbe\xef" * 4
        return orig(side, flags, payload, **kw)

    c.frame = frame
    ssh_session(c)
    p.write(os.path.join(out, "ipv4-trailer.pcap"))


@case
def tcp_doff_below_5(out):
    p = Pcap()
    c = Conn(p, 40010)

    def hook(c, step):
        if step == "client-banner":
            for off in (4, 0):  # data offset 16 bytes, 0 bytes
                p.add(c.frame(1, PSH | ACK, JUNK, doff=off))

    ssh_session(c, hook)
    p.write(os.path.join(out, "tcp-doff-below-5.pcap"))


@case
def tcp_options_overrun(out):
    # The SYN's options: MSS, then a window-scale option whose length (40)
    # runs past the 8 option bytes of the header; the server data segment
    # injected after the client banner ends its options with an MSS whose
    # length byte says 255. Options are cut, the segments still count.
    p = Pcap()
    c = Conn(p, 40011)

    def hook(c, step):
        if step == "client-banner":
            p.add(c.frame(1, ACK, opts=bytes([1, 1, 8, 10]) + b"\0" * 8 + bytes([1, 2, 255, 5])))

    c_handshake = c.handshake
    c.handshake = lambda: c_handshake(syn_opts=bytes([2, 4, 0x05, 0xB4, 3, 40, 7, 0]))
    ssh_session(c, hook)
    p.write(os.path.join(out, "tcp-options-overrun.pcap"))


def icmp_unreach(quoted, code=3, reporter=RTR_IP, ident=0x4242):
    body = struct.pack("!BBHI", 3, code, 0, 0) + quoted
    body = body[:2] + struct.pack("!H", csum(body)) + body[4:]
    return eth(SRV_MAC, CLI_MAC, 0x0800, ipv4(reporter, CLI_IP, 1, body, ttl=64, ident=ident,
                                              df=False))


def quoted_syn(cport, seq, ihl=5):
    seg = tcp(CLI_IP, SRV_IP, cport, 22, seq, 0, SYN, opts=SYN_OPTS)
    return ipv4(CLI_IP, SRV_IP, 6, seg, ttl=63, ident=0x1111, ihl=ihl)


@case
def icmp_quoting_garbage(out):
    # ICMP port unreachable messages during a normal session whose quoted
    # packet is garbage; none may be matched to the connection.
    p = Pcap()
    c = Conn(p, 40012)

    def hook(c, step):
        if step != "server-banner":
            return
        full = quoted_syn(40012, c.seq[0])
        p.add(icmp_unreach(full[:12]))            # quoted IP header cut at 12 bytes
        p.add(icmp_unreach(full[:20]))            # IP header only, no TCP bytes
        p.add(icmp_unreach(full[:24]))            # 4 TCP bytes: ports only
        p.add(icmp_unreach(quoted_syn(40012, c.seq[0], ihl=15)[:28]))  # IHL lies
        p.add(icmp_unreach(quoted_syn(40012, c.seq[0], ihl=2)[:28]))   # IHL < 5
        p.add(icmp_unreach(b"\x60" + full[1:28]))  # version 6 in an IPv4 quote
        p.add(icmp_unreach(b""))                  # nothing quoted
        # An ICMP header cut short inside the IP datagram.
        p.add(eth(SRV_MAC, CLI_MAC, 0x0800, ipv4(RTR_IP, CLI_IP, 1, b"\x03\x03", df=False)))

    ssh_session(c, hook)
    p.write(os.path.join(out, "icmp-quoting-garbage.pcap"))


@case
def icmp_quoting_other_flow(out):
    # A normal session on port 40013, and an ICMP port unreachable quoting
    # a SYN from port 40999, a connection that was never seen.
    p = Pcap()
    c = Conn(p, 40013)

    def hook(c, step):
        if step == "server-banner":
            p.add(icmp_unreach(quoted_syn(40999, 0x01020304)[:28]))
            # and one quoting the session's own ports but the server as source
            seg = tcp(SRV_IP, CLI_IP, 40013, 22, 0x0A0B0C0D, 0, SYN)
            p.add(icmp_unreach(ipv4(SRV_IP, CLI_IP, 6, seg, ttl=63)[:28]))
            # and one quoting this connection's own 4-tuple (client -> server)
            # with a sequence number 2^31 away from anything the client sent:
            # RFC 5927 section 4.1 says to ignore it (Linux does).
            p.add(icmp_unreach(quoted_syn(40013, c.seq[0] + 0x80000000)[:28]))

    ssh_session(c, hook)
    p.write(os.path.join(out, "icmp-quoting-other-flow.pcap"))


@case
def seq_wrap(out):
    # Both ISNs just below 2^32: the client's banner crosses 2^32 inside one
    # segment, the server's banner is split exactly at 2^32.
    p = Pcap()
    c = Conn(p, 40014, cisn=0xFFFFFFE0, sisn=0xFFFFFFF0)
    c.handshake()
    c.send(0, CLI_BANNER)
    first = (1 << 32) - c.seq[1]  # 15 bytes up to 2^32
    c.pkt(1, PSH | ACK, SRV_BANNER[:first], dt=1000)
    c.pkt(1, PSH | ACK, SRV_BANNER[first:], dt=20)
    c.pkt(0, ACK, dt=1000)
    c.send(0, kexinit(KEX_C, 1))
    c.send(1, kexinit(KEX_S, 2))
    c.send(0, ecdh_init())
    c.send(1, ecdh_reply_newkeys())
    c.send(0, ssh_packet(bytes([21])))
    c.send(0, filler(44, 7))
    c.send(1, filler(44, 8))
    c.close(0)
    p.write(os.path.join(out, "seq-wrap.pcap"))


@case
def overlap_conflict(out):
    # The server's banner, then 200 ms later a "retransmission" at the same
    # sequence number with the same length and different bytes: the first
    # copy wins.
    p = Pcap()
    c = Conn(p, 40015)

    def hook(c, step):
        if step != "send-server-banner":
            return False
        seq = c.seq[1]
        c.pkt(1, PSH | ACK, SRV_BANNER, dt=1000)
        evil = b"SSH-2.0-EvilSSH_6.6.6 Debian-2+deb12u10\r\n"
        assert len(evil) == len(SRV_BANNER)
        c.pkt(1, PSH | ACK, evil, dt=200000, seq=seq)
        c.pkt(0, ACK, dt=1000)
        return True

    ssh_session(c, hook)
    p.write(os.path.join(out, "overlap-conflict.pcap"))


@case
def overlap_conflict_held(out):
    # As overlap-conflict, but the first copy is an unfinished line still
    # buffered when the conflicting copy arrives; then the rest of the line.
    p = Pcap()
    c = Conn(p, 40019)

    def hook(c, step):
        if step != "send-server-banner":
            return False
        seq = c.seq[1]
        head, evil = SRV_BANNER[:22], b"SSH-2.0-EvilSSH_6.6.6 "
        assert len(head) == len(evil)
        c.pkt(1, PSH | ACK, head, dt=1000)
        c.pkt(1, PSH | ACK, evil, dt=200000, seq=seq)
        c.pkt(1, PSH | ACK, SRV_BANNER[22:], dt=20)
        c.pkt(0, ACK, dt=1000)
        return True

    ssh_session(c, hook)
    p.write(os.path.join(out, "overlap-conflict-held.pcap"))


@case
def caplen_gt_snaplen(out):
    # The file header says snaplen 96; every record is the whole frame
    # (up to ~1.5 KB): record lengths larger than the snaplen.
    p = Pcap()
    c = Conn(p, 40016)
    ssh_session(c)
    p.write(os.path.join(out, "caplen-gt-snaplen.pcap"), snaplen=96)


@case
def caplen_gt_len(out):
    # One record (the server's banner) claims an original length of 60
    # bytes while 95 bytes were captured: caplen > len.
    p = Pcap()
    c = Conn(p, 40017)

    ssh_session(c)
    for i, (t, frame, cl, ol) in enumerate(p.recs):
        if frame[12:14] == b"\x08\x00" and frame[34:36] == b"\x00\x16" and \
                frame[54:54 + 8] == SRV_BANNER[:8]:
            p.recs[i] = (t, frame, None, 60)
            break
    p.write(os.path.join(out, "caplen-gt-len.pcap"))


@case
def empty(out):
    open(os.path.join(out, "empty.pcap"), "wb").close()


def pcapng_block(btype, body):
    body += b"\0" * (-len(body) % 4)
    n = 12 + len(body)
    return struct.pack("<II", btype, n) + body + struct.pack("<I", n)


@case
def pcapng_unknown_blocks(out):
    p = Pcap()
    c = Conn(p, 40018)
    ssh_session(c)
    unknown = [
        pcapng_block(0x0BADC0DE, b"not a block type anyone defined"),
        pcapng_block(0x00000BAD, struct.pack("<I", 32473) + b"custom block, copyable"),
        pcapng_block(0x40000BAD, struct.pack("<I", 32473) + b"custom block, do not copy"),
        pcapng_block(0x80000001, b"local use"),
        pcapng_block(0x0000000A, b"\0" * 8),  # Decryption Secrets-like type, unknown here
    ]
    shb = pcapng_block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    idb = pcapng_block(0x00000001, struct.pack("<HHI", 1, 0, 262144))
    with open(os.path.join(out, "pcapng-unknown-blocks.pcapng"), "wb") as f:
        f.write(shb + unknown[0] + idb + unknown[1])
        for i, (t, frame, _, _) in enumerate(p.recs):
            ts = (T0 * 1000000 + t)
            body = struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(frame), len(frame))
            f.write(pcapng_block(0x00000006, body + frame))
            f.write(unknown[(i % 4) + 1] if i % 3 == 0 else b"")


@case
def banner_html(out):
    # Markup and quotes in both identification lines and a pre-banner
    # line: the --report page must show them as text, never as markup.
    p = Pcap()
    c = Conn(p, 40040)
    c.handshake()
    c.send(0, b'SSH-2.0-<script>alert("client")</script>&x\r\n')
    c.send(1, b"<img src=x onerror=alert(1)>\r\nSSH-2.0-</title><b>srv</b>'&amp;\r\n")
    c.close(1)
    c = Conn(p, 40041)  # refused in words, before any banner: quoted in the reason
    banners_then(c, b'<b onmouseover="x()">Too many</b> & <i>users</i>\r\n')
    p.write(os.path.join(out, "banner-html.pcap"))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "pcaps", "hostile")
    os.makedirs(out, exist_ok=True)
    for fn in CASES:
        fn(out)


if __name__ == "__main__":
    main()
