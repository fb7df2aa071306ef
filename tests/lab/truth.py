#!/usr/bin/python3
"""summary: turn a corpus scenario's manifest (its design and the client's
outcome) into truth rows, finding each connection's 4-tuple and first
packet in the captures themselves. Never looks at sshmortem's output.

Usage:
  truth.py rows DIR SCENARIO     print SCENARIO's rows (no header); exit 1 if
                                 the captures contradict the design (a setup
                                 flake: run the scenario again)
  truth.py header                print the header line
  truth.py conns FILE            debug: list TCP connections in FILE

Manifest format: see tests/lab/scenarios.sh. Connections are numbered by
their first client SYN in the client-side capture (PREFIX.cli.pcap).
"""
import datetime
import os
import struct
import sys

COLUMNS = ["file", "scenario", "vantage", "conn", "client", "server",
           "first_packet", "first_packet_utc", "verdict", "alternatives",
           "alt_reason", "absent", "ports", "idle_min", "ssh_exit",
           "ssh_stderr", "note"]
CLIENT_ADDRS = ("198.51.100.2", "2001:db8:1::2")
VANTAGE_FILE = {"cli": "cli", "srv": "srv", "rtr": "rtr", "rtr_nat": "rtr"}


def ip6str(b):
    import ipaddress
    return str(ipaddress.IPv6Address(b))


def parse_ip(buf, off):
    """-> (src, dst, proto, l4 offset) or None"""
    if len(buf) < off + 1:
        return None
    ver = buf[off] >> 4
    if ver == 4 and len(buf) >= off + 20:
        ihl = (buf[off] & 15) * 4
        proto = buf[off + 9]
        src = ".".join(str(x) for x in buf[off + 12:off + 16])
        dst = ".".join(str(x) for x in buf[off + 16:off + 20])
        return src, dst, proto, off + ihl
    if ver == 6 and len(buf) >= off + 40:
        nh = buf[off + 6]
        return ip6str(buf[off + 8:off + 24]), ip6str(buf[off + 24:off + 40]), nh, off + 40
    return None


def packets(path):
    """yield (ts, src, sport, dst, dport, flags) for every TCP packet"""
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        raise SystemExit("truth: %s: not a classic pcap" % path)
    div = 1e9 if magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d") else 1e6
    linktype = struct.unpack(e + "I", data[20:24])[0]
    off = 24
    while off + 16 <= len(data):
        sec, frac, incl, _ = struct.unpack(e + "IIII", data[off:off + 16])
        buf = data[off + 16:off + 16 + incl]
        off += 16 + incl
        ts = sec + frac / div
        if linktype == 1:
            p, etype = 12, None
            while len(buf) >= p + 2:
                etype = struct.unpack(">H", buf[p:p + 2])[0]
                if etype in (0x8100, 0x88A8, 0x9100):
                    p += 4
                    continue
                p += 2
                break
            if etype not in (0x0800, 0x86DD):
                continue
        elif linktype == 276:  # LINUX_SLL2
            if len(buf) < 20 or struct.unpack(">H", buf[0:2])[0] not in (0x0800, 0x86DD):
                continue
            p = 20
        elif linktype == 113:  # LINUX_SLL
            if len(buf) < 16 or struct.unpack(">H", buf[14:16])[0] not in (0x0800, 0x86DD):
                continue
            p = 16
        elif linktype == 101:
            p = 0
        else:
            raise SystemExit("truth: %s: link type %d unsupported" % (path, linktype))
        ip = parse_ip(buf, p)
        if not ip or ip[2] != 6 or len(buf) < ip[3] + 14:
            continue
        sport, dport = struct.unpack(">HH", buf[ip[3]:ip[3] + 4])
        flags = buf[ip[3] + 13]
        yield ts, ip[0], sport, ip[1], dport, flags


def conns(path, ports):
    """-> (first time per unordered tuple, [client tuples ordered by first SYN])"""
    first, syns, seen = {}, [], set()
    for ts, s, sp, d, dp, fl in packets(path):
        key = frozenset(((s, sp), (d, dp)))
        first.setdefault(key, ts)
        if fl & 0x02 and not fl & 0x10 and dp in ports and (s, sp, d, dp) not in seen:
            seen.add((s, sp, d, dp))
            syns.append((s, sp, d, dp))
    return first, syns


def utc(ts):
    return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%S.%fZ")


def clean(s):
    return " ".join(str(s).replace("\t", " ").split())


def rows(d, scen):
    meta, verdicts, alts, clients, copies = {}, {}, {}, {}, []
    with open(os.path.join(d, scen + ".manifest")) as f:
        for line in f:
            p = line.rstrip("\n").split("\t")
            if p[0] == "meta":
                if p[1] == "copy":
                    copies.append((p[2], p[3]))
                elif p[1] == "note" and "note" in meta:
                    meta["note"] += "; " + p[2]
                else:
                    meta[p[1]] = p[2] if len(p) > 2 else ""
            elif p[0] == "conn":
                verdicts.setdefault(int(p[1]), {})[p[2]] = p[3]
            elif p[0] == "alt":
                alts[(int(p[1]), p[2])] = (p[3], p[4])
            elif p[0] == "client":
                clients[int(p[1])] = (p[2], p[3] if len(p) > 3 else "")
    ports = [int(x) for x in meta.get("ports", "22").split(",")]
    nat = meta.get("nat")
    errors, out = [], []
    cache = {}

    def load(fn):
        if fn not in cache:
            cache[fn] = conns(os.path.join(d, fn), ports)
        return cache[fn]

    _, csyns = load(scen + ".cli.pcap")
    csyns = [t for t in csyns if t[0] in CLIENT_ADDRS]
    if len(csyns) != len(verdicts):
        errors.append("client capture has %d client connections, design has %d"
                      % (len(csyns), len(verdicts)))
    plan = [(v, scen + "." + VANTAGE_FILE[v] + ".pcap") for v in ("cli", "srv", "rtr", "rtr_nat")]
    plan += [("cli", fn) for vt, fn in copies if vt == "cli"]
    for idx in sorted(verdicts):
        ct = csyns[idx - 1] if idx - 1 < len(csyns) else None
        for vant, fn in plan:
            if vant not in verdicts[idx]:
                continue
            want = verdicts[idx][vant]
            first, syns = load(fn)
            tup = ct
            if ct and nat and vant in ("srv", "rtr_nat"):
                tup = (nat, ct[1], ct[2], ct[3])
                if frozenset(((tup[0], tup[1]), (tup[2], tup[3]))) not in first:
                    natsyns = [t for t in syns if t[0] == nat]
                    if len(natsyns) == len(verdicts):
                        tup = natsyns[idx - 1]
            ts = first.get(frozenset(((tup[0], tup[1]), (tup[2], tup[3])))) if tup else None
            absent = want == "absent"
            if absent and ts is not None:
                errors.append("%s conn %d: designed absent but present" % (fn, idx))
            if not absent and ts is None:
                errors.append("%s conn %d: designed %s but not in the capture" % (fn, idx, want))
            alt, why = alts.get((idx, vant), ("", ""))
            rc, err = clients.get(idx, ("", ""))
            fmt = (lambda a, p: "[%s]:%d" % (a, p) if ":" in a else "%s:%d" % (a, p))
            out.append({
                "file": fn, "scenario": scen,
                "vantage": vant if fn == scen + "." + VANTAGE_FILE[vant] + ".pcap" else
                fn[len(scen) + 1:-len(".pcap")],
                "conn": idx,
                "client": fmt(tup[0], tup[1]) if tup else "",
                "server": fmt(tup[2], tup[3]) if tup else "",
                "first_packet": "%.6f" % ts if ts is not None else "",
                "first_packet_utc": utc(ts) if ts is not None else "",
                "verdict": "" if absent else want, "alternatives": alt, "alt_reason": clean(why),
                "absent": "true" if absent else "false",
                "ports": meta.get("ports", "22"), "idle_min": meta.get("idle_min", "4"),
                "ssh_exit": rc, "ssh_stderr": clean(err), "note": clean(meta.get("note", "")),
            })
    if not verdicts:
        errors.append("no connections in the design")
    if errors:
        for e in errors:
            print("truth: %s: %s" % (scen, e), file=sys.stderr)
        return 1
    for r in out:
        print("\t".join(str(r[c]) for c in COLUMNS))
    return 0


def main(argv):
    if len(argv) >= 2 and argv[1] == "header":
        print("\t".join(COLUMNS))
        return 0
    if len(argv) == 4 and argv[1] == "rows":
        return rows(argv[2], argv[3])
    if len(argv) == 3 and argv[1] == "conns":
        first, syns = conns(argv[2], [22, 2222])
        for k, v in sorted(first.items(), key=lambda kv: kv[1]):
            print(utc(v), sorted(k))
        print("client SYNs:", syns)
        return 0
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
