#!/usr/bin/python3
"""summary: rewrite the link layer of a classic Ethernet pcap.

Usage:
  relink.py rawip IN OUT            strip Ethernet (and VLAN tags) -> LINKTYPE_RAW (101)
  relink.py null IN OUT             strip Ethernet -> LINKTYPE_NULL (0), 4-byte
                                    host-order (little-endian) AF header:
                                    AF_INET=2, AF_INET6=30 (Darwin lo0)
  relink.py push-tag TPID VID IN OUT
                                    insert an 802.1Q-style tag (e.g. 0x88a8 for
                                    an 802.1ad S-tag) right after the MACs;
                                    applied to an already 0x8100-tagged file
                                    this gives QinQ (0x88a8 outer, 0x8100 inner)
  relink.py geneve IN OUT           carry each Ethernet frame in Geneve (RFC 8926):
                                    outer Ethernet + IPv4 192.0.2.1 <-> 192.0.2.2
                                    + UDP to port 6081 + Geneve VNI 42, protocol
                                    0x6558, as a Linux geneve device would (UDP
                                    checksum 0); frames from the second MAC seen
                                    also carry one 8-byte option (experimental
                                    class 0xfff0, type 1), so both header lengths
                                    occur

Non-IP frames (ARP, ...) are dropped by rawip and null: they cannot be
represented there. Timestamps and capture lengths are kept; the output is
a little-endian microsecond pcap.
"""
import struct
import sys

LINKTYPE_NULL, LINKTYPE_ETHERNET, LINKTYPE_RAW = 0, 1, 101
VLAN_TPIDS = (0x8100, 0x88A8, 0x9100)


def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        sys.exit("relink: %s: not a classic pcap file" % path)
    nsec = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    _, _, _, _, snaplen, linktype = struct.unpack(e + "HHiIII", data[4:24])
    off, pkts = 24, []
    while off + 16 <= len(data):
        sec, frac, incl, orig = struct.unpack(e + "IIII", data[off:off + 16])
        off += 16
        if nsec:
            frac //= 1000
        pkts.append((sec, frac, data[off:off + incl], orig))
        off += incl
    return linktype, snaplen, pkts


def write_pcap(path, linktype, snaplen, pkts):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, linktype))
        for sec, usec, buf, orig in pkts:
            f.write(struct.pack("<IIII", sec, usec, len(buf), orig))
            f.write(buf)


def strip_ether(buf):
    """Return (ethertype, payload offset) after MACs and any VLAN tags."""
    off = 12
    etype = struct.unpack(">H", buf[off:off + 2])[0]
    while etype in VLAN_TPIDS and len(buf) >= off + 6:
        off += 4
        etype = struct.unpack(">H", buf[off:off + 2])[0]
    return etype, off + 2


def ip4_csum(hdr):
    s = sum(struct.unpack(">10H", hdr))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def geneve_wrap(pkts):
    macs = (b"\x02\x00\x00\x00\x00\x01", b"\x02\x00\x00\x00\x00\x02")
    vteps = (bytes([192, 0, 2, 1]), bytes([192, 0, 2, 2]))
    first_src, out = None, []
    for ipid, (sec, usec, buf, orig) in enumerate(pkts):
        if first_src is None:
            first_src = buf[6:12]
        a = 0 if buf[6:12] == first_src else 1  # which tunnel endpoint sent it
        opt = b"" if a == 0 else struct.pack(">HBBI", 0xFFF0, 0x01, 0x01, 0x5EED0001)
        gnv = struct.pack(">BBHI", len(opt) // 4, 0, 0x6558, 42 << 8) + opt
        udp_len = 8 + len(gnv) + orig
        udp = struct.pack(">HHHH", 49152 + 1111 * (a + 1), 6081, udp_len, 0)
        ip = bytearray(struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + udp_len, (ipid + 1) & 0xFFFF,
                                   0x4000, 64, 17, 0, vteps[a], vteps[1 - a]))
        ip[10:12] = struct.pack(">H", ip4_csum(bytes(ip)))
        eth = macs[1 - a] + macs[a] + b"\x08\x00"
        hdr = eth + bytes(ip) + udp + gnv
        out.append((sec, usec, hdr + buf, orig + len(hdr)))
    return out


def main(argv):
    if len(argv) < 4:
        sys.exit(__doc__)
    mode = argv[1]
    if mode == "push-tag":
        if len(argv) != 6:
            sys.exit(__doc__)
        tpid, vid, src, dst = int(argv[2], 0), int(argv[3], 0), argv[4], argv[5]
    else:
        if len(argv) != 4:
            sys.exit(__doc__)
        src, dst = argv[2], argv[3]
    linktype, snaplen, pkts = read_pcap(src)
    if mode == "geneve" and linktype == LINKTYPE_ETHERNET:
        write_pcap(dst, LINKTYPE_ETHERNET, snaplen + 58, geneve_wrap(pkts))
        return
    if linktype != LINKTYPE_ETHERNET:
        sys.exit("relink: %s: linktype %d, need Ethernet (1)" % (src, linktype))
    out = []
    for sec, usec, buf, orig in pkts:
        if len(buf) < 14:
            continue
        if mode == "push-tag":
            tag = struct.pack(">HH", tpid, vid & 0x0FFF)
            out.append((sec, usec, buf[:12] + tag + buf[12:], orig + 4))
            continue
        etype, off = strip_ether(buf)
        if etype not in (0x0800, 0x86DD):
            continue
        payload = buf[off:]
        if mode == "rawip":
            out.append((sec, usec, payload, orig - off))
        elif mode == "null":
            af = 2 if etype == 0x0800 else 30
            out.append((sec, usec, struct.pack("<I", af) + payload, orig - off + 4))
        else:
            sys.exit("relink: unknown mode %r" % mode)
    newlt = {"push-tag": LINKTYPE_ETHERNET, "rawip": LINKTYPE_RAW, "null": LINKTYPE_NULL}[mode]
    write_pcap(dst, newlt, snaplen + (4 if mode == "push-tag" else 0), out)


if __name__ == "__main__":
    main(sys.argv)
