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
    print("decode: %d seeds, pipeline: %d seeds" % (len(os.listdir(dec)), len(os.listdir(pipe))))


if __name__ == "__main__":
    sys.exit(main())
