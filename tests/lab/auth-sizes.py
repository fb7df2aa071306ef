#!/usr/bin/env python3
# summary: print, for each SSH connection in a pcap, the TCP payload sizes
# per direction after each side's NEWKEYS (the encrypted part), and, when the
# negotiated cipher leaves the packet length in clear (AES-GCM, *-etm MACs),
# the SSH binary packets inside them. Used for doc/auth-heuristic.md.
# Standard library only; Ethernet/SLL2/raw IPv4/IPv6 pcap files.
#
# With --rule, print instead one line per connection: the verdict of the
# auth-success rule proposed in doc/auth-heuristic.md (a prototype of it).
#
# Usage: tests/lab/auth-sizes.py [--port 22] [--md | --rule] FILE.pcap...
import struct
import sys

AEAD_TAG = {"aes128-gcm@openssh.com": 16, "aes256-gcm@openssh.com": 16,
            "chacha20-poly1305@openssh.com": 16}
MAC_LEN = {"hmac-sha2-256-etm@openssh.com": 32, "hmac-sha2-512-etm@openssh.com": 64,
           "hmac-sha1-etm@openssh.com": 20, "umac-64-etm@openssh.com": 8,
           "umac-128-etm@openssh.com": 16}


def pcap_packets(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        raise SystemExit(f"{path}: not a pcap file")
    nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    linktype = struct.unpack(e + "I", data[20:24])[0] & 0x0FFFFFFF
    off = 24
    while off + 16 <= len(data):
        sec, frac, incl, _orig = struct.unpack(e + "IIII", data[off:off + 16])
        off += 16
        yield sec + frac / (1e9 if nano else 1e6), linktype, data[off:off + incl]
        off += incl


def ip_payload(linktype, frame):
    if linktype == 1:  # Ethernet, optional VLAN tags
        et, p = struct.unpack(">H", frame[12:14])[0], 14
        while et in (0x8100, 0x88A8):
            et, p = struct.unpack(">H", frame[p + 2:p + 4])[0], p + 4
        return et, frame[p:]
    if linktype == 276:  # SLL2
        return struct.unpack(">H", frame[0:2])[0], frame[20:]
    if linktype in (101, 12):
        return (0x86DD if frame[0] >> 4 == 6 else 0x800), frame
    return None, b""


def tcp_segments(path):
    for ts, lt, frame in pcap_packets(path):
        et, ip = ip_payload(lt, frame)
        if et == 0x800 and len(ip) >= 20 and ip[9] == 6:
            ihl = (ip[0] & 15) * 4
            tot = struct.unpack(">H", ip[2:4])[0]
            src, dst, tcp = ip[12:16], ip[16:20], ip[ihl:tot]
        elif et == 0x86DD and len(ip) >= 40 and ip[6] == 6:
            plen = struct.unpack(">H", ip[4:6])[0]
            src, dst, tcp = ip[8:24], ip[24:40], ip[40:40 + plen]
        else:
            continue
        sp, dp, seq = struct.unpack(">HHI", tcp[:8])
        doff = (tcp[12] >> 4) * 4
        flags = tcp[13]
        yield ts, (src, sp), (dst, dp), seq, flags, tcp[doff:]


def namelists(payload):
    # KEXINIT: byte type, 16 cookie, then 10 name-lists
    p, out = 17, []
    for _ in range(10):
        n = struct.unpack(">I", payload[p:p + 4])[0]
        out.append(payload[p + 4:p + 4 + n].decode("ascii", "replace").split(","))
        p += 4 + n
    return out


class Dir:
    def __init__(self):
        self.isn = None
        self.buf = bytearray()
        self.next = None       # next expected relative seq
        self.segs = []          # (ts, rel_seq, len) of new data, in arrival order
        self.banner_end = None
        self.newkeys_end = None
        self.kexinit = None
        self.msgs = []          # plaintext message types

    def add(self, ts, seq, flags, data):
        if flags & 0x02:
            self.isn = seq + 1
            self.next = 0
            return
        if self.isn is None or not data:
            return
        rel = (seq - self.isn) & 0xFFFFFFFF
        if rel + len(data) <= self.next:
            return  # retransmission
        if rel > self.next:
            return  # gap: lab captures have none
        data = data[self.next - rel:]
        self.segs.append((ts, self.next, len(data)))
        self.buf += data
        self.next += len(data)
        self.parse_plain()

    def parse_plain(self):
        if self.newkeys_end is not None:
            return
        if self.banner_end is None:
            p = 0
            while True:
                nl = self.buf.find(b"\n", p)
                if nl < 0:
                    return
                line = bytes(self.buf[p:nl])
                p = nl + 1
                if line.startswith(b"SSH-"):
                    self.banner_end = p
                    self.pos = p
                    break
        while self.pos + 6 <= len(self.buf):
            plen = struct.unpack(">I", self.buf[self.pos:self.pos + 4])[0]
            if self.pos + 4 + plen > len(self.buf):
                return
            padlen = self.buf[self.pos + 4]
            payload = bytes(self.buf[self.pos + 5:self.pos + 4 + plen - padlen])
            self.msgs.append(payload[0])
            if payload[0] == 20 and self.kexinit is None:
                self.kexinit = namelists(payload)
            self.pos += 4 + plen
            if payload[0] == 21:
                self.newkeys_end = self.pos
                return


def negotiate(client, server):
    return next((a for a in client if a in server), None)


def analyse(path, port):
    conns = {}
    order = []
    for ts, s, d, seq, flags, data in tcp_segments(path):
        if s[1] == port:
            key, dirn = (d, s), "s2c"
        elif d[1] == port:
            key, dirn = (s, d), "c2s"
        else:
            continue
        if key not in conns:
            conns[key] = {"c2s": Dir(), "s2c": Dir(), "events": []}
            order.append(key)
        c = conns[key]
        before = len(c[dirn].segs)
        c[dirn].add(ts, seq, flags, data)
        if len(c[dirn].segs) > before:
            c["events"].append((dirn, c[dirn].segs[-1]))
        if flags & 0x05:
            c["events"].append((dirn, ("FIN" if flags & 1 else "RST", ts)))
    for key in order:
        yield key, conns[key]


def report(path, port, md):
    for key, c in analyse(path, port):
        cl, sv = c["c2s"], c["s2c"]
        if not (cl.kexinit and sv.kexinit):
            print(f"{path}: no complete KEXINIT pair")
            continue
        cipher = {d: negotiate(cl.kexinit[i], sv.kexinit[i]) for d, i in (("c2s", 2), ("s2c", 3))}
        mac = {d: negotiate(cl.kexinit[i], sv.kexinit[i]) for d, i in (("c2s", 4), ("s2c", 5))}
        print(f"## {path}\n")
        print(f"cipher {cipher['c2s']}, mac {mac['c2s']}; client plaintext msgs {cl.msgs}, "
              f"server plaintext msgs {sv.msgs}\n")
        clear = {}
        for d in ("c2s", "s2c"):
            if cipher[d] in ("aes128-gcm@openssh.com", "aes256-gcm@openssh.com"):
                clear[d] = 16
            elif cipher[d] != "chacha20-poly1305@openssh.com" and mac[d] in MAC_LEN:
                clear[d] = MAC_LEN[mac[d]]
        if md:
            print("| # | dir | t (ms) | TCP payload | SSH packets (packet_length field) |")
            print("|---|-----|-------:|------------:|------------------------------|")
        pos = {"c2s": None, "s2c": None}
        t0, n = None, 0
        for dirn, ev in c["events"]:
            dd = c[dirn]
            if ev[0] in ("FIN", "RST"):
                if t0 is not None:
                    arrow = "C>S" if dirn == "c2s" else "S>C"
                    print(f"| | {arrow} | {1000 * (ev[1] - t0):.1f} | {ev[0]} | |" if md
                          else f"    {arrow} {ev[0]}")
                continue
            ts, rel, ln = ev
            if dd.newkeys_end is None or rel + ln <= dd.newkeys_end:
                continue
            start = max(rel, dd.newkeys_end)
            ln = rel + ln - start
            if pos[dirn] is None:
                pos[dirn] = dd.newkeys_end
            pk = []
            if dirn in clear:
                # whole SSH packets that END inside this segment
                while pos[dirn] + 4 <= len(dd.buf):
                    plen = struct.unpack(">I", dd.buf[pos[dirn]:pos[dirn] + 4])[0]
                    end = pos[dirn] + 4 + plen + clear[dirn]
                    if end > start + ln:
                        break
                    pk.append(plen)
                    pos[dirn] = end
            t0 = ts if t0 is None else t0
            n += 1
            arrow = "C>S" if dirn == "c2s" else "S>C"
            pks = ", ".join(str(p) for p in pk) if dirn in clear else "-"
            if md:
                print(f"| {n} | {arrow} | {1000 * (ts - t0):.1f} | {ln} | {pks} |")
            else:
                print(f"    {n:3d} {arrow} {1000 * (ts - t0):8.1f} ms {ln:6d}  {pks}")
        print()


def records(c, clear):
    """Encrypted records in capture order: (dir, wire_size, is_packet).
    A record is an SSH packet when its length is in clear, else a TCP
    segment's payload (the part after that direction's NEWKEYS)."""
    out, pos = [], {}
    for dirn, ev in c["events"]:
        dd = c[dirn]
        if ev[0] in ("FIN", "RST"):
            out.append((dirn, ev[0], False))
            continue
        ts, rel, ln = ev
        if dd.newkeys_end is None or rel + ln <= dd.newkeys_end:
            continue
        start = max(rel, dd.newkeys_end)
        if dirn not in clear:
            out.append((dirn, rel + ln - start, False))
            continue
        p = pos.setdefault(dirn, dd.newkeys_end)
        while p + 4 <= len(dd.buf):
            plen = struct.unpack(">I", dd.buf[p:p + 4])[0]
            end = p + 4 + plen + clear[dirn]
            if end > rel + ln:
                break
            out.append((dirn, 4 + plen + clear[dirn], True))
            p = end
        pos[dirn] = p
    return out


def rule(recs):
    """-> (auth_success, confidence, why). See doc/auth-heuristic.md."""
    data = [r for r in recs if r[1] not in ("FIN", "RST")]
    ci = next((i for i, r in enumerate(data) if r[0] == "c2s"), None)
    if ci is None:
        return None, None, "no encrypted client record"
    ai = next((i for i in range(ci + 1, len(data)) if data[i][0] == "s2c"), None)
    if ai is None:
        return None, None, "no SERVICE_ACCEPT"
    A = data[ai][1]
    creq = 0
    prev_dir = "s2c"
    for i in range(ai + 1, len(data)):
        d, n, _ = data[i]
        if d == "c2s":
            creq += 1
            prev_dir = d
            continue
        if n < A:
            if n == A - 16:
                return True, 0.9, f"server record {n} = SERVICE_ACCEPT {A} - 16 after {creq} client request(s): USERAUTH_SUCCESS"
            return None, None, f"server record {n} < SERVICE_ACCEPT {A} but not A-16"
        if prev_dir == "s2c" and creq >= 2:
            return True, 0.6, f"two server records in a row after {creq} client requests: server-initiated traffic, auth is over"
        prev_dir = d
    ended = any(r[1] in ("FIN", "RST") for r in recs)
    if ended and data[-1][0] == "s2c" and data[-1][1] >= A:
        return False, 0.8, f"connection closed after a server reply >= SERVICE_ACCEPT {A} (USERAUTH_FAILURE), {creq - 1} authentication attempt(s) after 'none'"
    return None, None, "undecided"


def verdict(path, port):
    for key, c in analyse(path, port):
        cl, sv = c["c2s"], c["s2c"]
        if not (cl.kexinit and sv.kexinit):
            print(f"{path}\tnull\t\tno complete KEXINIT pair")
            continue
        clear = {}
        for d, ic, im in (("c2s", 2, 4), ("s2c", 3, 5)):
            cipher = negotiate(cl.kexinit[ic], sv.kexinit[ic])
            mac = negotiate(cl.kexinit[im], sv.kexinit[im])
            if cipher in ("aes128-gcm@openssh.com", "aes256-gcm@openssh.com"):
                clear[d] = 16
            elif cipher != "chacha20-poly1305@openssh.com" and mac in MAC_LEN:
                clear[d] = MAC_LEN[mac]
        ok, conf, why = rule(records(c, clear))
        print(f"{path}\t{'null' if ok is None else str(ok).lower()}\t{conf or ''}\t{why}")


def main():
    args = sys.argv[1:]
    port, md, rl = 22, False, False
    while args and args[0].startswith("--"):
        if args[0] == "--port":
            port = int(args[1])
            args = args[2:]
        elif args[0] == "--md":
            md = True
            args = args[1:]
        elif args[0] == "--rule":
            rl = True
            args = args[1:]
        else:
            raise SystemExit(__doc__)
    for p in args:
        if rl:
            verdict(p, port)
        else:
            report(p, port, md)


if __name__ == "__main__":
    main()
