#!/usr/bin/python3
# summary: seeds the fuzz corpora from the real captures in pcaps/: each
# frame (first byte: link-type selector of fuzz_decode.c, second: extra wire
# length) for fuzz_decode, and whole small captures for fuzz_pipeline.
# Crashes found later are added by hand and never removed.
import os
import shutil
import struct
import sys

top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Index into sm_fuzz_dlts[] of fuzz_decode.c, by DLT.
SELECTOR = {1: 0, 113: 1, 276: 2, 101: 3, 12: 3, 228: 4, 229: 5, 0: 6, 108: 7, 239: 8}


def frames(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    if magic not in (0xA1B2C3D4, 0xA1B23C4D):
        return None, []
    linktype = struct.unpack("<I", data[20:24])[0]
    off, out = 24, []
    while off + 16 <= len(data):
        incl = struct.unpack("<I", data[off + 8:off + 12])[0]
        out.append(data[off + 16:off + 16 + incl])
        off += 16 + incl
    return linktype, out


def tcp_streams(path):
    """Payload bytes per direction of the first TCP connection of an
    Ethernet/IPv4 or IPv6 capture, in capture order (lab captures are in order)."""
    lt, fr = frames(path)
    if lt != 1:
        return None
    streams, first = {}, None
    for f in fr:
        if len(f) < 14:
            continue
        et = struct.unpack(">H", f[12:14])[0]
        if et == 0x0800:
            ihl = (f[14] & 15) * 4
            total = struct.unpack(">H", f[16:18])[0]
            if f[23] != 6:
                continue
            ip_end = 14 + total
            tcp = 14 + ihl
            src = f[26:30] + f[tcp:tcp + 2]
        elif et == 0x86DD:
            if f[20] != 6:
                continue
            ip_end = 54 + struct.unpack(">H", f[18:20])[0]
            tcp = 54
            src = f[22:38] + f[tcp:tcp + 2]
        else:
            continue
        off = (f[tcp + 12] >> 4) * 4
        data = f[tcp + off:ip_end]
        if first is None:
            first = src
        streams.setdefault(src == first, bytearray()).extend(data)
    return streams.get(True, b""), streams.get(False, b"")


def main():
    dec = os.path.join(top, "tests/fuzz/corpus/decode")
    pipe = os.path.join(top, "tests/fuzz/corpus/pipeline")
    os.makedirs(dec, exist_ok=True)
    os.makedirs(pipe, exist_ok=True)
    pcaps = sorted(p for p in os.listdir(os.path.join(top, "pcaps")) if p.endswith(".pcap"))
    for name in pcaps:
        lt, fr = frames(os.path.join(top, "pcaps", name))
        if lt not in SELECTOR:
            continue
        # A handful of frames each: handshake, data, teardown.
        picks = sorted(set(list(range(min(4, len(fr)))) + list(range(max(0, len(fr) - 3), len(fr)))))
        for i in picks:
            with open(os.path.join(dec, "%s-%02d" % (name[:-5], i)), "wb") as f:
                f.write(bytes([SELECTOR[lt], 0]) + fr[i])
        if os.path.getsize(os.path.join(top, "pcaps", name)) < 8192:
            shutil.copy(os.path.join(top, "pcaps", name), os.path.join(pipe, name))
    # Hostile seeds: empty input, a header only, a record longer than the file.
    open(os.path.join(pipe, "empty"), "wb").close()
    hdr = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
    with open(os.path.join(pipe, "header-only.pcap"), "wb") as f:
        f.write(hdr)
    with open(os.path.join(pipe, "record-past-end.pcap"), "wb") as f:
        f.write(hdr + struct.pack("<IIII", 1, 0, 4000, 4000) + b"\0" * 20)
    with open(os.path.join(pipe, "caplen-over-snaplen.pcap"), "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 64, 1) +
                struct.pack("<IIII", 1, 0, 200, 200) + b"\0" * 200)
    open(os.path.join(dec, "empty"), "wb").close()
    # NFLOG TLVs around the payload (src/decode_link.c): hostile values of
    # the attributes the decoder keeps (hook, interfaces, prefix).
    def tlv(t, v):
        n = 4 + len(v)
        return struct.pack("=HH", n, t) + v + b"\0" * ((-n) % 4)
    ip = bytes.fromhex("4500002800014000400600000a0000010a000002c350001600000001000000015010ffff00000000")
    nfl = {
        "nflog-attrs": tlv(1, b"\x08\x00\x02\x00") + tlv(4, b"\0\0\0\x02") +
        tlv(5, b"\0\0\0\x03") + tlv(10, b"ssh-ban\0") + tlv(9, ip),
        "nflog-short-values": tlv(1, b"") + tlv(4, b"\0\x02") + tlv(10, b"") + tlv(9, ip),
        "nflog-prefix-no-nul": tlv(10, b"x" * 200) + tlv(9, ip),
        "nflog-prefix-cut": tlv(10, b"ssh-ban\0")[:9],
    }
    for name, body in nfl.items():
        with open(os.path.join(dec, name), "wb") as f:
            f.write(bytes([SELECTOR[239], 0, 2, 0, 0, 5]) + body)
    # SSH streams: client and server bytes (up to 6 KB each), cut into
    # alternating chunks at the separator fuzz_ssh_stream.c splits on.
    sep = b"\xffSM\xff"
    stream_dir = os.path.join(top, "tests/fuzz/corpus/ssh_stream")
    os.makedirs(stream_dir, exist_ok=True)
    for name in ("ssh-normal-v4.pcap", "ssh-normal-v6.pcap", "ssh-port2222.pcap"):
        st = tcp_streams(os.path.join(top, "pcaps", name))
        if not st:
            continue
        cli, srv = bytes(st[0][:6000]), bytes(st[1][:6000])
        cl_nl, sv_nl = cli.find(b"\n") + 1, srv.find(b"\n") + 1
        parts = [cli[:cl_nl], srv[:sv_nl], cli[cl_nl:], srv[sv_nl:]]
        with open(os.path.join(stream_dir, name[:-5]), "wb") as f:
            f.write(sep.join(parts))
        # The same, cut in small pieces: identical facts are expected.
        pieces = []
        for i in range(0, 1200, 7):
            pieces += [cli[i:i + 7], srv[i:i + 7]]
        with open(os.path.join(stream_dir, name[:-5] + "-chunked"), "wb") as f:
            f.write(sep.join(pieces))
    with open(os.path.join(stream_dir, "prebanner-tarpit"), "wb") as f:
        f.write(b"SSH-2.0-x\r\n" + sep + b"".join(b"line %d\r\n" % i for i in range(2000)))
    with open(os.path.join(stream_dir, "http"), "wb") as f:
        f.write(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" + sep + b"HTTP/1.1 400 Bad Request\r\n")
    print("decode: %d seeds, pipeline: %d seeds" % (len(os.listdir(dec)), len(os.listdir(pipe))))


if __name__ == "__main__":
    sys.exit(main())
