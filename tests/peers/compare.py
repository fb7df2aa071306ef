#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# summary: compare sshmortem's facts with what Zeek and Suricata are tested to
# produce on the same real captures (pcaps/peers/, see doc/peers.md).
#
# Run from the repository root:  tests/peers/compare.py [-v]
# SSHMORTEM names the binary (default ./sshmortem). Prints one line per
# compared field: PASS, FAIL or DIFF (a documented difference, see DOCUMENTED
# below), then "peers: N compared, M mismatches". Exit status 1 on any FAIL.
import gzip
import json
import os
import re
import subprocess
import sys

try:
    import yaml  # python3-yaml
except ImportError:  # pragma: no cover
    yaml = None

PEERS = "pcaps/peers"
Z = PEERS + "/zeek/ssh"
SV = PEERS + "/suricata-verify/tests"
TD = PEERS + "/tcpdump/tests"

# ---------------------------------------------------------------------------
# Documented differences: (capture basename or "*", connection key or "*",
# field) -> reason. A mismatch listed here prints DIFF and does not fail.
# Connection key: "client_ip:port>server_ip:port" as printed in the report.
# Every entry is explained in doc/peers.md.
# ---------------------------------------------------------------------------
HALF = "Zeek splits a one-sided connection into two conn.log rows (S0 then SH/SHR, " \
       "the second starting without a SYN); sshmortem keeps one connection per 4-tuple, " \
       "so the conn.log row count and per-row history differ by design"
DOCUMENTED = {
    ("ssh.client-side-half-duplex.pcap", "*", "zeek.rows"): HALF,
    ("ssh.client-side-half-duplex.pcap", "*", "history"): HALF,
    ("ssh.server-side-half-duplex.pcap", "*", "history"):
        "Zeek saw no SYN and first heard the responder, so it prefixes the history with '^' "
        "(roles flipped by heuristic); sshmortem's history has no such marker, the letters "
        "are the same",
    ("ssh.client-side-half-duplex.pcap", "*", "zeek.version"):
        "Zeek logs the version only when it saw both identification lines; "
        "sshmortem reports each side's proto_version on its own (client banner only here)",
    ("ssh.server-side-half-duplex.pcap", "*", "zeek.version"):
        "Zeek logs the version only when it saw both identification lines; "
        "sshmortem reports each side's proto_version on its own (server banner only here)",
    ("ssh.server-side-half-duplex.pcap", "*", "host_key_fingerprint"):
        "Zeek's binpac SSH analyzer gives up on the first server-side KEX reply it cannot "
        "pair with a client message (analyzer_debug: 'invalid index for case: "
        "SSH_Key_Exchange: 3') and logs no fingerprint; sshmortem reads KEX_ECDH_REPLY / "
        "KEXDH_REPLY / KEX_DH_GEX_REPLY from the server side alone (same fingerprint as "
        "ssh.pcap)",
    ("*", "*", "auth_success"):
        "both guess from encrypted sizes, by different rules: sshmortem's rule "
        "(doc/auth-heuristic.md, proven on pcaps/auth against sshd's log) answers null "
        "when it cannot tell (e.g. a capture that ends during authentication) where "
        "Zeek's answers",
    ("*", "*", "negotiated.mac"):
        "with an AEAD cipher (chacha20-poly1305, AES-GCM) no MAC is used (RFC 5647 5.1); "
        "Zeek logs the RFC 4253 7.1 pick from the MAC lists anyway, sshmortem writes "
        "'<implicit>'",
    ("ssh-over-udp.pcap", "*", "zeek.row"):
        "the Zeek test forces its SSH analyzer onto a UDP flow (spicy "
        "protocol-analyzer-tcp-over-udp); SSH is TCP (RFC 4253 section 2) and sshmortem "
        "analyzes TCP only, so it reports nothing for this capture",
    ("ssh1-ssh2-fingerprints.pcap", "*", "host_key_fingerprint"):
        "the second connection (port 2222) speaks SSH-1; sshmortem does not dissect SSH-1 "
        "framing (dissectors/ssh.c: 'SSH-1.x' -> DONE) so it has no SSH-1 host key to "
        "fingerprint",
    ("kex-quadratic-1000.pcap.gz", "*", "history"):
        "Zeek's 'X' is not a TCP event: it marks that the analyzer was removed after the "
        "KEXINIT exceeded its configured name limits; the TCP history before it is the same",
}

NETWORK_DROPS = {"silent-drop", "handshake-incomplete", "state-table-timeout",
                 "retransmission-death", "mtu-blackhole", "rejected-icmp", "refused"}


class Report:
    def __init__(self, verbose):
        self.verbose = verbose
        self.n = 0
        self.bad = 0
        self.diff = 0
        self.capture = None

    def head(self, capture):
        self.capture = capture
        print("== %s" % capture)

    def check(self, cap_key, conn, field, ours, peer, ok, peer_name):
        self.n += 1
        if ok:
            print("PASS %s %s %s = %s" % (cap_key, conn, field, short(ours)))
            return True
        reason = None
        for k in ((cap_key, conn, field), (cap_key, "*", field), ("*", "*", field)):
            if k in DOCUMENTED:
                reason = DOCUMENTED[k]
                break
        if reason:
            self.diff += 1
            print("DIFF %s %s %s: ours %s, %s %s (documented: %s)" %
                  (cap_key, conn, field, short(ours), peer_name, short(peer), reason))
            return True
        self.bad += 1
        print("FAIL %s %s %s: ours %s, %s %s" %
              (cap_key, conn, field, short(ours), peer_name, short(peer)))
        return False


def short(v):
    s = json.dumps(v) if not isinstance(v, str) else v
    return s if len(s) <= 120 else s[:117] + "..."


# ---------------------------------------------------------------------------
# Running sshmortem
# ---------------------------------------------------------------------------
def run_sm(pcap, ports=None, extra=()):
    """The capture's ssh_teardown events and the exit status. ports None:
    sshmortem's default for a file (SSH found by content on any port, as
    Zeek's and Suricata's protocol detection find it); else -p PORTS."""
    events, rc = run_sm_all(pcap, ports, extra)
    return [e for e in events if e.get("event_type") == "ssh_teardown"], rc


def same_as_listed(rep, cap, pcap, ports, events):
    """The default run finds exactly the connections (and verdicts) of a run
    given the ports the peer's test uses: nothing lost, nothing extra."""
    listed, _ = run_sm(pcap, ports)
    ours = sorted((conn_key(e), e["verdict"]) for e in events)
    peer = sorted((conn_key(e), e["verdict"]) for e in listed)
    rep.check(cap, "-", "connections (default = -p %s)" % ",".join(str(p) for p in ports),
              ours, peer, ours == peer, "sshmortem -p")


def run_sm_all(pcap, ports=None, extra=()):
    binary = os.environ.get("SSHMORTEM", "./sshmortem")
    cmd = [binary, "--host", "t", "--hash-seed", "1"]
    if ports is not None:
        cmd += ["-p", ",".join(str(p) for p in ports)]
    cmd += list(extra)
    data = None
    if pcap.endswith(".gz"):
        with gzip.open(pcap, "rb") as f:
            data = f.read()
        cmd += ["-r", "-"]
    else:
        cmd += ["-r", pcap]
    wrap = os.environ.get("SM_VALGRIND", "").split()
    p = subprocess.run(wrap + cmd, input=data, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=300)
    if p.returncode != 0:
        sys.stderr.write("sshmortem exited %d on %s: %s\n" %
                         (p.returncode, pcap, p.stderr.decode(errors="replace")))
    events = [json.loads(l) for l in p.stdout.decode().splitlines() if l.strip()]
    return events, p.returncode


def conn_key(e):
    return "%s:%s>%s:%s" % (e["src_ip"], e["src_port"], e["dest_ip"], e["dest_port"])


def tuple_of(a, ap, b, bp):
    return frozenset([(a, int(ap)), (b, int(bp))])


def ev_tuple(e):
    return tuple_of(e["src_ip"], e["src_port"], e["dest_ip"], e["dest_port"])


def ssh(e):
    return e.get("ssh") or {}


def side(e, s):
    return ssh(e).get(s) or {}


def banner(e, s):
    x = side(e, s)
    if not x.get("proto_version"):
        return None
    b = "SSH-%s-%s" % (x["proto_version"], x.get("software_version") or "")
    if x.get("comments"):
        b += " " + x["comments"]
    return b


def zeek_version(e):
    """Zeek's ssh.log 'version': 2 or 1, only when both banners were seen."""
    c, s = side(e, "client").get("proto_version"), side(e, "server").get("proto_version")
    if not c or not s:
        return None
    if c.startswith("1.") and c != "1.99":
        return "1"
    if s.startswith("1.") and s != "1.99":
        return "1"
    return "2"


def bidir(e, what):
    n = ssh(e).get("negotiated") or {}
    a, b = n.get(what + "_client_to_server"), n.get(what + "_server_to_client")
    if a is None and b is None:
        return None
    return a if a == b else "To server: %s, to client: %s" % (a, b)


# ---------------------------------------------------------------------------
# Zeek logs
# ---------------------------------------------------------------------------
def read_zeek_log(path):
    rows, fields = [], None
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("#fields\t"):
                fields = line.split("\t")[1:]
                continue
            if line.startswith("#") or not line:
                continue
            parts = line.split("\t")
            if fields is None:  # a header line without "#fields" (zeek-cut style)
                fields = parts
                continue
            rows.append(dict(zip(fields, parts)))
    return rows


def zval(v):
    return None if v in (None, "-", "(empty)") else v


def row_tuple(r):
    return tuple_of(r["id.orig_h"], r["id.orig_p"], r["id.resp_h"], r["id.resp_p"])


def teardown_ok(states, e):
    """Is our verdict compatible with Zeek's conn_state(s) for this 4-tuple?"""
    v = e["verdict"]
    ev = e.get("evidence") or {}
    c, s = side(e, "client"), side(e, "server")
    v2 = lambda x: x.get("proto_version") in ("2.0", "1.99")
    protocol_ok = {
        # both SSH-2 identification lines, key exchange not finished both ways
        "kex-failed": bool(c and s and v2(c) and v2(s) and zeek_version(e) == "2"
                           and not (c.get("newkeys") and s.get("newkeys"))),
        "not-ssh": True,
        "closed-before-banner": not s.get("proto_version"),
        "rst-before-banner": not s.get("proto_version"),
        "no-banner": not s.get("proto_version"),
    }
    if any(st in ("SH", "SHR", "OTH") for st in states) or (e.get("tcp") or {}).get("one_sided"):
        # one direction only: never by itself proof of a drop (SPEC, Connections)
        return v not in NETWORK_DROPS
    st = states[-1]
    if st == "SF":
        return v == "normal-close" or protocol_ok.get(v, False)
    if st == "REJ":
        return v == "refused"
    if st == "S0":
        return v in ("silent-drop", "unfinished")
    if st == "S1":
        return v == "unfinished" or protocol_ok.get(v, False)
    if st in ("RSTO", "RSTR", "RSTOS0", "RSTRH"):
        if v == "normal-close":
            return bool(ev.get("first_fin_from"))
        return v == "reset" or protocol_ok.get(v, False)
    if st in ("S2", "S3"):
        return v in ("unfinished", "normal-close") or protocol_ok.get(v, False)
    return False


ZEEK_SSH_FIELDS = [
    # (zeek column, our-field name, getter)
    ("client", "client.banner", lambda e: banner(e, "client")),
    ("server", "server.banner", lambda e: banner(e, "server")),
    ("version", "zeek.version", zeek_version),
    ("kex_alg", "negotiated.kex", lambda e: (ssh(e).get("negotiated") or {}).get("kex")),
    ("host_key_alg", "negotiated.host_key",
     lambda e: (ssh(e).get("negotiated") or {}).get("host_key")),
    ("cipher_alg", "negotiated.cipher", lambda e: bidir(e, "cipher")),
    ("mac_alg", "negotiated.mac", lambda e: bidir(e, "mac")),
    ("compression_alg", "negotiated.compression", lambda e: bidir(e, "compression")),
]


# Risk flags (doc/events.md, ssh.risks) that a peer's own log lets one derive
# independently: the announced protocol versions from Zeek's client/server
# banners, the algorithm flags from Zeek's negotiated kex/host key/cipher/MAC.
# A second, Python statement of dissectors/ssh_risks.c's algorithm rows:
# nDPI's outputs would be the direct peer for these flags, but no capture in
# ../shared/external-pcaps carries nDPI output (doc/peers.md).
PEER_RISK_FAMILIES = ("ssh-1:", "ssh-1.99:", "kex-", "host-key-", "cipher-", "mac-")
AEAD = {"chacha20-poly1305@openssh.com", "aes128-gcm@openssh.com", "aes256-gcm@openssh.com"}


def split_bidir(v):
    """Zeek's 'A' or 'To server: A, to client: B' -> [c2s, s2c]."""
    m = re.match(r"^To server: (.*), to client: (.*)$", v or "")
    return [m.group(1), m.group(2)] if m else [v, v]


def risks_from_zeek(r):
    want = set()
    for who, col in (("client", "client"), ("server", "server")):
        b = zval(r.get(col)) or ""
        m = re.match(r"^SSH-([^-]*)-", b)
        if m and m.group(1) == "1.99":
            want.add("ssh-1.99:" + who)
        elif m and m.group(1).startswith("1."):
            want.add("ssh-1:" + who)
    kex = zval(r.get("kex_alg"))
    if kex is None:
        return want  # no negotiation logged: no algorithm flag
    if kex in ("diffie-hellman-group1-sha1", "diffie-hellman-group14-sha1",
               "diffie-hellman-group-exchange-sha1", "rsa1024-sha1") or \
            re.match(r"^gss-.+-sha1-.", kex):
        want.add("kex-sha1")
    hk = zval(r.get("host_key_alg"))
    if hk in ("ssh-rsa", "ssh-rsa-cert-v01@openssh.com"):
        want.add("host-key-ssh-rsa-sha1")
    if hk in ("ssh-dss", "ssh-dss-cert-v01@openssh.com"):
        want.add("host-key-dsa")
    ciphers = split_bidir(zval(r.get("cipher_alg")))
    macs = split_bidir(zval(r.get("mac_alg")))
    for c, mac in zip(ciphers, macs):
        if c and (c.endswith("-cbc") or c == "rijndael-cbc@lysator.liu.se"):
            want.add("cipher-cbc")
        if c in ("arcfour", "arcfour128", "arcfour256"):
            want.add("cipher-rc4")
        if c == "none":
            want.add("cipher-none")
        if c in AEAD or not mac:
            continue
        if mac.startswith("hmac-sha1") and mac in ("hmac-sha1", "hmac-sha1-96",
                                                    "hmac-sha1-etm@openssh.com",
                                                    "hmac-sha1-96-etm@openssh.com"):
            want.add("mac-sha1")
        if mac in ("hmac-md5", "hmac-md5-96", "hmac-md5-etm@openssh.com",
                   "hmac-md5-96-etm@openssh.com"):
            want.add("mac-md5")
    return want


def our_peer_risks(e):
    return sorted(f for f in (ssh(e).get("risks") or []) if f.startswith(PEER_RISK_FAMILIES))


def fingerprint(e):
    return (side(e, "server").get("host_key") or {}).get("fingerprint_sha256")


def zeek_ssh_log(rep, cap, path, events):
    rows = read_zeek_log(path)
    by_t = {ev_tuple(e): e for e in events}
    for r in rows:
        t = row_tuple(r)
        e = by_t.get(t)
        key = "%s:%s>%s:%s" % (r["id.orig_h"], r["id.orig_p"], r["id.resp_h"], r["id.resp_p"])
        if e is None:
            rep.check(cap, key, "zeek.row", None, "ssh.log row", False, "zeek")
            continue
        key = conn_key(e)
        for col, name, get in ZEEK_SSH_FIELDS:
            if col not in r:
                continue
            peer = zval(r[col])
            ours = get(e)
            rep.check(cap, key, name, ours, peer, ours == peer, "zeek")
        if "host_key_fingerprint" in r:
            peer = zval(r["host_key_fingerprint"])
            ours = fingerprint(e)
            if peer is None:
                rep.check(cap, key, "host_key_fingerprint", ours, None, ours is None, "zeek")
            else:
                rep.check(cap, key, "host_key_fingerprint", ours, peer + "*",
                          bool(ours) and ours.startswith(peer), "zeek")
        if "kex_alg" in r and "client" in r:
            peer = sorted(risks_from_zeek(r))
            ours = our_peer_risks(e)
            rep.check(cap, key, "risks", ours, peer, ours == peer, "zeek-derived")
        if zval(r.get("auth_success")) is not None:
            peer = r["auth_success"] == "T"
            ours = ssh(e).get("auth_success")
            rep.check(cap, key, "auth_success", ours, peer, ours == peer, "zeek")
            # Zeek's auth_attempts counts ssh_auth_attempted events, which it
            # raises only while guessing the outcome; where it decided one,
            # the counts must agree (doc/peers.md).
            if zval(r.get("auth_attempts")) is not None:
                peer = int(r["auth_attempts"])
                ours = ssh(e).get("auth_attempts")
                rep.check(cap, key, "auth_attempts", ours, peer, ours == peer, "zeek")
    return rows


def zeek_conn_log(rep, cap, path, events, ports):
    rows = read_zeek_log(path)
    if rows and "id.orig_h" not in rows[0]:
        # reduced log (uid service history): one connection
        if len(events) == 1 and len(rows) == 1 and "history" in rows[0]:
            e = events[0]
            h = (e.get("tcp") or {}).get("history")
            rep.check(cap, conn_key(e), "history", h, rows[0]["history"],
                      h == rows[0]["history"], "zeek")
        return
    groups = {}
    for r in rows:
        if r.get("proto") != "tcp":
            continue
        if int(r["id.resp_p"]) not in ports and r.get("service") != "ssh":
            continue
        groups.setdefault(row_tuple(r), []).append(r)
    by_t = {ev_tuple(e): e for e in events}
    for t, rs in groups.items():
        r0 = rs[0]
        key = "%s:%s>%s:%s" % (r0["id.orig_h"], r0["id.orig_p"], r0["id.resp_h"], r0["id.resp_p"])
        e = by_t.get(t)
        if e is None:
            rep.check(cap, key, "conn", None, "conn.log row", False, "zeek")
            continue
        key = conn_key(e)
        states = [r["conn_state"] for r in rs]
        if len(rs) > 1:
            rep.check(cap, key, "zeek.rows", 1, len(rs), False, "zeek")
        rep.check(cap, key, "teardown", e["verdict"], "/".join(states),
                  teardown_ok(states, e), "zeek conn_state")
        if len(rs) == 1:
            h = (e.get("tcp") or {}).get("history")
            rep.check(cap, key, "history", h, r0["history"], h == r0["history"], "zeek")
        # counters: Zeek orig = TCP initiator = our src (both follow the SYN)
        fl, ev = e.get("flow") or {}, e.get("evidence") or {}
        same_dir = r0["id.orig_h"] == e["src_ip"] and int(r0["id.orig_p"]) == e["src_port"]
        o, p = ("toserver", "toclient") if same_dir else ("toclient", "toserver")
        tot = lambda col: sum(int(r[col]) for r in rs if zval(r[col]) is not None)
        for col, ours in (("orig_pkts", fl.get("pkts_" + o)), ("resp_pkts", fl.get("pkts_" + p)),
                          ("orig_ip_bytes", fl.get("bytes_" + o)),
                          ("resp_ip_bytes", fl.get("bytes_" + p)),
                          ("orig_bytes", ev.get("payload_bytes_" + o)),
                          ("resp_bytes", ev.get("payload_bytes_" + p))):
            rep.check(cap, key, "conn." + col, ours, tot(col), ours == tot(col), "zeek")


def zeek_banner_output(rep, cap, path, events):
    """spicy test output: 'SSH banner, [orig_h=.., orig_p=../tcp, resp_h=.., resp_p=../tcp, ..],
    IS_ORIG, VERSION, SOFTWARE'."""
    pat = re.compile(r"^SSH banner, \[orig_h=([^,]+), orig_p=(\d+)/tcp, resp_h=([^,]+), "
                     r"resp_p=(\d+)/tcp.*\], ([TF]), ([^,]+), (.*)$")
    by_t = {ev_tuple(e): e for e in events}
    with open(path) as f:
        for line in f:
            m = pat.match(line.strip())
            if not m:
                continue
            t = tuple_of(m.group(1), m.group(2), m.group(3), m.group(4))
            e = by_t.get(t)
            if e is None:
                continue  # the test reads another capture too; matched there
            s = "client" if m.group(5) == "T" else "server"
            x = side(e, s)
            ours = (x.get("proto_version"),
                    " ".join(v for v in (x.get("software_version"), x.get("comments")) if v))
            peer = (m.group(6), m.group(7))
            rep.check(cap, conn_key(e), s + ".banner", list(ours), list(peer), ours == peer,
                      "zeek")


def zeek_cases(rep):
    base = lambda cap, test: "%s/%s.baselines/%s" % (Z, cap, test)
    std = [22, 2200, 41644]
    cases = [
        ("ssh.pcap", std, "scripts.base.protocols.ssh.basic", ["ssh.log", "conn.log"]),
        ("ssh.client-side-half-duplex.pcap", std, "scripts.base.protocols.ssh.half-duplex-client",
         ["ssh.log", "conn.log"]),
        ("ssh.server-side-half-duplex.pcap", std, "scripts.base.protocols.ssh.half-duplex-server",
         ["ssh.log", "conn.log"]),
        ("ssh_kex_curve25519.pcap", [22], "scripts.base.protocols.ssh.curve25519_kex", ["ssh.log"]),
        ("ssh_kex_dh_group18.pcap", [22], "scripts.base.protocols.ssh.dh_group18_kex",
         ["ssh.log", "conn.log"]),
        ("ssh_kex_mlkem.pcap", [2299], "scripts.base.protocols.ssh.mlkem_kex", ["ssh.log"]),
        ("ssh_version_199.pcap", [22], "scripts.base.protocols.ssh.ssh_version_199", ["ssh.log"]),
        ("server-pre-banner-data.pcap", [22], "scripts.base.protocols.ssh.pre-banner",
         ["ssh.log", "conn.log"]),
        ("single-conn.pcap", [22, 80], "spicy.replaces", ["output"]),
        ("ssh-on-port-80.pcap", [22, 80], "spicy.replaces", ["output", "conn.log"]),
        ("ssh-over-udp.pcap", [22, 1234], "spicy.protocol-analyzer-tcp-over-udp", ["ssh.log"]),
        ("kex-quadratic-1000.pcap.gz", [22], "scripts.base.protocols.ssh.max-kexinit-algorithms",
         ["conn.log", "weird.log"]),
        ("reverse-ssh.pcap", [22], "scripts.base.protocols.ssh.ssh-reverse-connection", ["out"]),
        ("ssh1-ssh2-fingerprints.pcap", [22, 2222], "scripts.base.protocols.ssh.fingerprints",
         ["out"]),
        ("ssh_client_sends_first_enc_pkt_with_newkeys.pcap", [22],
         "scripts.base.protocols.ssh.ssh_segmented_encryption_transition",
         ["client.out", "server.out"]),
        ("ssh_server_sends_first_enc_pkt_with_newkeys.pcap", [22],
         "scripts.base.protocols.ssh.ssh_segmented_encryption_transition",
         ["client.out", "server.out"]),
        ("sshguess.pcap", [22], None, []),
    ]
    for cap, ports, test, files in cases:
        pcap = "%s/%s" % (Z, cap)
        rep.head(pcap)
        events, rc = run_sm(pcap)
        rep.check(cap, "-", "exit-status", rc, 0, rc == 0, "expected")
        same_as_listed(rep, cap, pcap, ports, events)
        d = base(cap, test) if test else None
        for fn in files:
            path = "%s/%s" % (d, fn)
            if fn == "ssh.log":
                rows = zeek_ssh_log(rep, cap, path, events)
                if cap == "ssh-over-udp.pcap":
                    rep.check(cap, "-", "tcp-connections", len(events), 0, len(events) == 0,
                              "expected")
            elif fn == "conn.log":
                zeek_conn_log(rep, cap, path, events, ports)
            elif fn == "output":
                zeek_banner_output(rep, cap, path, events)
            elif fn == "weird.log":
                zeek_weird_kexinit(rep, cap, path, events)
            elif fn == "out" and cap == "reverse-ssh.pcap":
                txt = open(path).read()
                peer = "ECC INIT not from the TCP client" in txt
                for e in events:
                    rep.check(cap, conn_key(e), "ssh.reversed", ssh(e).get("reversed"), peer,
                              ssh(e).get("reversed") is peer, "zeek")
            elif fn == "out" and cap == "ssh1-ssh2-fingerprints.pcap":
                ours = [fingerprint(e) for e in events if fingerprint(e)]
                for line in open(path):
                    m = re.match(r"ssh server host key fingerprint, (SHA256:\S+)", line)
                    if not m:
                        continue
                    hit = [x for x in ours if x.startswith(m.group(1))]
                    rep.check(cap, "*", "host_key_fingerprint", hit[0] if hit else None,
                              m.group(1) + "*", bool(hit), "zeek")
            elif fn in ("client.out", "server.out"):
                # "N, IS_ORIG, LEN" per encrypted packet: both directions encrypted
                dirs = set()
                for line in open(path):
                    m = re.match(r"\d+, ([TF]), \d+", line)
                    if m:
                        dirs.add(m.group(1))
                for e in events:
                    for s, flag in (("client", "T"), ("server", "F")):
                        if flag in dirs:
                            ours = side(e, s).get("newkeys")
                            rep.check(cap, conn_key(e), fn + ":" + s + ".newkeys", ours, True,
                                      ours is True, "zeek")
        if cap == "sshguess.pcap":
            zeek_sshguess(rep, cap, events)


def zeek_weird_kexinit(rep, cap, path, events):
    """weird.log: SSH_max_kexinit_<list>_exceeded, addl 'N > LIMIT': the client's
    first KEXINIT list had N names."""
    lists = {"kex_algorithms": "kex_algorithms",
             "hostkey_algorithms": "server_host_key_algorithms",
             "encryption_algorithms": "encryption_algorithms_client_to_server",
             "mac_algorithms": "mac_algorithms_client_to_server",
             "compression_algorithms": "compression_algorithms_client_to_server",
             "languages": "languages_client_to_server"}
    for r in read_zeek_log(path):
        m = re.match(r"SSH_max_kexinit_(\w+)_exceeded", r.get("name", ""))
        if not m or m.group(1) not in lists:
            continue
        n = int(r["addl"].split()[0])
        for e in events:
            k = (side(e, "client").get("kexinit") or {}).get(lists[m.group(1)])
            ours = len(k) if isinstance(k, list) else None
            rep.check(cap, conn_key(e), "client.kexinit." + lists[m.group(1)] + ".count",
                      ours, n, ours == n, "zeek")


def zeek_sshguess(rep, cap, events):
    d = "%s/%s.baselines/" % (Z, cap)
    out = open(d + "scripts.base.protocols.ssh.one-auth-fail-only/output").read()
    results = re.findall(r"auth_result, (\w+), ([TF]), \d+", out)
    rep.check(cap, "*", "connections", len(events), len(results), len(events) == len(results),
              "zeek auth_result count")
    for e, (uid, res) in zip(sorted(events, key=lambda e: e["src_port"]), sorted(results)):
        ours = ssh(e).get("auth_success")
        rep.check(cap, conn_key(e), "auth_success", ours, res == "T", ours == (res == "T"),
                  "zeek (one of the %d auth_result lines)" % len(results))
    gex = open(d + "scripts.base.protocols.ssh.ssh_dh_gex_direction/out").read().count(
        "SSH2_DH_GEX_INIT")
    ours = sum(1 for e in events
               if ((ssh(e).get("negotiated") or {}).get("kex") or "").startswith(
                   "diffie-hellman-group-exchange"))
    rep.check(cap, "*", "negotiated.kex=dh-gex count", ours, gex, ours == gex, "zeek")
    # auth_result lines carry Zeek's auth_attempts per connection (uid order
    # is not time order): the multisets of counts must be equal.
    peer_n = sorted(int(n) for n in re.findall(r"auth_result, \w+, [TF], (\d+)", out))
    ours_n = sorted(ssh(e).get("auth_attempts") if ssh(e).get("auth_attempts") is not None
                    else -1 for e in events)
    rep.check(cap, "*", "auth_attempts (multiset)", ours_n, peer_n, ours_n == peer_n,
              "zeek auth_result")
    # detect-bruteforcing's notice: the Zeek test lowers password_guesses_limit
    # so that it fires ("seen in N connections"); sshmortem with the same
    # number as --guess-failures (it counts failed attempts, Zeek failed
    # connections, so it fires earlier) must name the same guessing client.
    notice = open(d + "scripts.policy.protocols.ssh.detect-bruteforcing/notice.log").read()
    rows = [l.split("\t") for l in notice.splitlines() if "SSH::Password_Guessing" in l]
    for row in rows:
        m = re.search(r"seen in (\d+) connections", row[11])
        client = row[13]
        allev, _ = run_sm_all("%s/%s" % (Z, cap), extra=["--guess-failures", m.group(1)])
        pats = [e for e in allev if e.get("event_type") == "ssh_pattern" and
                e.get("pattern") == "password-guessing"]
        ours = [e.get("src_ip") for e in pats]
        rep.check(cap, "*", "zeek.password_guessing (--guess-failures %s)" % m.group(1), ours,
                  [client], ours == [client], "zeek notice.log")


# ---------------------------------------------------------------------------
# Suricata-verify
# ---------------------------------------------------------------------------
def load_yaml(path):
    if yaml is None:
        sys.exit("compare.py: PyYAML (python3-yaml) is required for the suricata-verify part")
    with open(path) as f:
        return yaml.safe_load(f)


def sv_pcap(testdir, t):
    if t.get("pcap"):
        return os.path.normpath(os.path.join(testdir, t["pcap"]))
    pcaps = [f for f in os.listdir(testdir) if f.endswith(".pcap")]
    return os.path.join(testdir, pcaps[0]) if len(pcaps) == 1 else None


def ours_at(e, path):
    """EVE path -> our value: ssh.client.hassh.hash, flow.pkts_toserver, ..."""
    x = e
    for part in path.split("."):
        if not isinstance(x, dict):
            return None
        x = x.get(part)
    return x


def hassh_rules(testdir, t):
    """Content of ssh.hassh* rules whose sid the test expects to alert once."""
    path = os.path.join(testdir, "test.rules")
    if not os.path.exists(path):
        return []
    expect = set()
    for c in t.get("checks") or []:
        m = (c.get("filter") or {}).get("match") or {}
        if (c.get("filter") or {}).get("count", 0) >= 1 and "alert.signature_id" in m:
            expect.add(int(m["alert.signature_id"]))
    out = []
    for line in open(path):
        m = re.search(r'(ssh\.hassh(?:\.server)?(?:\.string)?); content:"([^"]*)";.*sid:(\d+);',
                      line)
        if m and int(m.group(3)) in expect:
            out.append((m.group(1), m.group(2)))
    return out


SV_CASES = [
    # (test dir, the ports the test looks at: its checks on other ports are
    # about other flows, and a run with -p PORTS must find what the default
    # run finds)
    ("bug-4903/bug-4903-01", [22]), ("bug-4903/bug-4903-02", [22]),
    ("bug-4903/bug-4903-03", [22]), ("bug-4903/bug-4903-04", [22]),
    ("bug-5633-gre-02", [22]), ("ssh-banner-only", [22]), ("ssh-hassh", [22]),
    ("ssh-hassh-only", [22]), ("ssh-hassh-reassembled", [22]), ("ssh-hassh-incomplete", [22]),
    ("ssh-newkeys", [22]), ("ssh-frames", [22]), ("output-eve-anomaly-02", [22]),
    ("proto-mismatch-http-ssh", [22]), ("vxlan-decoder-03", [22]),
    ("firewall/ruletype-firewall-32-proto-detect-ssh", [22]),
    ("firewall/ruletype-firewall-34-ssh-sw", [22]),
    ("firewall/app-layer-protocol-unknown-tls-boundary", [443]),
]


def sv_cases(rep):
    for test, ports in SV_CASES:
        testdir = "%s/%s" % (SV, test)
        t = load_yaml(testdir + "/test.yaml")
        pcap = sv_pcap(testdir, t)
        cap = "%s@%s" % (os.path.basename(pcap), test)
        rep.head("%s (suricata-verify %s)" % (pcap, test))
        events, rc = run_sm(pcap)
        rep.check(cap, "-", "exit-status", rc, 0, rc == 0, "expected")
        same_as_listed(rep, cap, pcap, ports, events)
        seen = set()
        for c in t.get("checks") or []:
            flt = c.get("filter")
            if not flt:
                continue
            m = flt.get("match") or {}
            et = m.get("event_type")
            if "dest_port" in m and int(m["dest_port"]) not in ports:
                continue  # another flow of the capture (DNS, NTP, the VXLAN carrier)
            keys = [k for k in m if k.startswith("ssh.") or k.startswith("app_proto")]
            # flow counters only from end-of-flow records of an SSH flow (an alert's
            # counters are a snapshot at alert time; UDP flows are not ours)
            if et == "flow" and (m.get("app_proto") == "ssh" or
                                 ("dest_port" not in m and len(events) == 1)):
                keys += [k for k in m if k.startswith("flow.pkts")]
            if et == "ssh" and not any(k.startswith("ssh.") for k in keys):
                # count of SSH transactions, e.g. vxlan: 4 ssh events on port 22
                cand = [e for e in events if side(e, "client").get("proto_version")
                        or side(e, "server").get("proto_version")]
                if "dest_port" in m:
                    cand = [e for e in cand if e["dest_port"] == int(m["dest_port"])]
                n = flt.get("count")
                rep.check(cap, "*", "ssh-connections", len(cand), n, len(cand) == n, "suricata")
                continue
            if not keys:
                continue
            cand = events
            if "src_ip" in m:
                tt = tuple_of(m["src_ip"], m["src_port"], m["dest_ip"], m["dest_port"])
                cand = [e for e in events if ev_tuple(e) == tt]
            if len(cand) != 1:
                rep.check(cap, "*", "connection", len(cand), 1, False, "suricata")
                continue
            e = cand[0]
            for k in keys:
                if (conn_key(e), k) in seen:
                    continue
                seen.add((conn_key(e), k))
                peer = m[k]
                if k.startswith("ssh.") or k.startswith("flow."):
                    ours = ours_at(e, k)
                    if isinstance(peer, (int, float)) or k.startswith("flow."):
                        peer = int(peer)
                    else:
                        peer = str(peer)
                    rep.check(cap, conn_key(e), k, ours, peer, ours == peer, "suricata")
                elif k == "app_proto" and m.get("app_proto_tc"):
                    # Suricata: client spoke app_proto, server app_proto_tc
                    ours = (e["verdict"], bool(side(e, "client").get("proto_version")),
                            bool(side(e, "server").get("proto_version")))
                    want = m["app_proto"] != "ssh" and m["app_proto_tc"] == "ssh"
                    ok = want and ours == ("not-ssh", False, True)
                    rep.check(cap, conn_key(e), "app_proto/app_proto_tc", list(ours),
                              [m["app_proto"], m["app_proto_tc"]], ok, "suricata")
                elif k == "app_proto":
                    ok = m[k] != "ssh" or bool(side(e, "server").get("proto_version"))
                    rep.check(cap, conn_key(e), "app_proto", banner(e, "server"), m[k], ok,
                              "suricata")
        # anomaly: protocol mismatch in both directions = HTTP client, SSH server
        for c in t.get("checks") or []:
            m = (c.get("filter") or {}).get("match") or {}
            if m.get("anomaly.event") == "APPLAYER_MISMATCH_PROTOCOL_BOTH_DIRECTIONS":
                for e in events:
                    rep.check(cap, conn_key(e), "verdict(anomaly proto mismatch)", e["verdict"],
                              "not-ssh", e["verdict"] == "not-ssh", "suricata")
        # hassh values and strings from the rules the test expects to fire
        for kw, content in hassh_rules(testdir, t):
            path = {"ssh.hassh": "ssh.client.hassh.hash",
                    "ssh.hassh.server": "ssh.server.hassh.hash",
                    "ssh.hassh.string": "ssh.client.hassh.string",
                    "ssh.hassh.server.string": "ssh.server.hassh.string"}[kw]
            for e in events:
                ours = ours_at(e, path)
                ok = ours == content if kw in ("ssh.hassh", "ssh.hassh.server") \
                    else bool(ours) and content in ours
                rep.check(cap, conn_key(e), path + " (rule " + kw + ")", ours, content, ok,
                          "suricata")
        # NEWKEYS expectations: ssh-newkeys sid 1300013 (client NEWKEYS bytes),
        # ssh-frames sid 2 (a 6-byte record header ending in NEWKEYS, to port 22)
        if test in ("ssh-newkeys", "ssh-frames"):
            for e in events:
                ours = side(e, "client").get("newkeys")
                rep.check(cap, conn_key(e), "ssh.client.newkeys", ours, True, ours is True,
                          "suricata (NEWKEYS rule alerts)")


# ---------------------------------------------------------------------------
# tcpdump: its test outputs print every inner packet of a tunnel
# ---------------------------------------------------------------------------
TD_LINE = re.compile(
    r"^\s*\d+\s+(\d\d:\d\d:\d\d\.\d{6}) IP \S+ > \S+: Geneve, .*?: "
    r"IP (\S+)\.(\d+) > (\S+)\.(\d+): Flags \[([^\]]*)\],(.*?)length (\d+)(?:: SSH: (.*))?$")


def td_inner(path):
    """The inner TCP packets of a tcpdump output: (time, src, sport, dst,
    dport, flags, options text, payload length, SSH banner or None)."""
    rows = []
    with open(path) as f:
        for line in f:
            m = TD_LINE.match(line.rstrip("\n"))
            if m:
                t, a, ap, b, bp, fl, rest, ln, ssh_line = m.groups()
                rows.append((t, a, int(ap), b, int(bp), fl, rest, int(ln), ssh_line))
    return rows


def tcpdump_geneve(rep):
    """tcpdump's tests/geneve.pcap: an OpenSSH session carried in Geneve
    (VNI 0xa and 0xb, one direction with an 8-byte option), as tcpdump's
    geneve-tcp test prints it (filter "geneve && tcp", TZ=GMT0)."""
    cap = "geneve.pcap"
    pcap = TD + "/geneve.pcap"
    rep.head("tcpdump " + cap)
    events, rc = run_sm(pcap)
    rep.check(cap, "-", "exit status", rc, 0, rc == 0, "expected")
    # Every frame is Geneve in tcpdump's -vv output; none is malformed.
    stats = [x for x in run_sm_all(pcap, None, ["--stats"])[0]
             if x.get("event_type") == "capture_stats"][-1]["decoder"]
    with open(TD + "/geneve-vv.out") as f:
        frames = sum(": Geneve, " in line or "[no cksum] Geneve" in line for line in f)
    rep.check(cap, "-", "decoder.tunneled", stats["tunneled"], frames,
              stats["tunneled"] == frames, "tcpdump -vv Geneve frames")
    rep.check(cap, "-", "decoder.malformed", stats["malformed"], 0, stats["malformed"] == 0,
              "expected")
    rows = td_inner(TD + "/geneve-tcp.out")
    conns = {tuple_of(r[1], r[2], r[3], r[4]) for r in rows}
    ours = {ev_tuple(e) for e in events}
    rep.check(cap, "-", "inner TCP connections", sorted(map(sorted, ours)),
              sorted(map(sorted, conns)), ours == conns, "tcpdump")
    for e in events:
        if ev_tuple(e) not in conns:
            continue
        key = conn_key(e)
        client = (e["src_ip"], e["src_port"])
        mine = [r for r in rows if tuple_of(r[1], r[2], r[3], r[4]) == ev_tuple(e)]
        up = [r for r in mine if (r[1], r[2]) == client]
        down = [r for r in mine if (r[1], r[2]) != client]
        fl, ev = e["flow"], e["evidence"]
        for field, ours_v, peer_v in (
                ("pkts_toserver", fl["pkts_toserver"], len(up)),
                ("pkts_toclient", fl["pkts_toclient"], len(down)),
                ("payload_bytes_toserver", ev["payload_bytes_toserver"], sum(r[7] for r in up)),
                ("payload_bytes_toclient", ev["payload_bytes_toclient"], sum(r[7] for r in down)),
                ("syn_count", ev["syn_count"], sum(r[5] == "S" for r in up)),
                ("synack_count", ev["synack_count"], sum(r[5] == "S." for r in down)),
                ("flow.start", fl["start"][11:26], mine[0][0]),
                ("flow.end", fl["end"][11:26], mine[-1][0])):
            rep.check(cap, key, field, ours_v, peer_v, ours_v == peer_v, "tcpdump")
        for s, rs in (("client", up), ("server", down)):
            peer_b = next((r[8] for r in rs if r[8]), None)
            rep.check(cap, key, s + " banner", banner(e, s), peer_b, banner(e, s) == peer_b,
                      "tcpdump")
            syn = next((r for r in rs if "S" in r[5]), None)
            m = re.search(r"mss (\d+).*wscale (\d+)", syn[6]) if syn else None
            tcp = e["tcp"]
            for field, idx in (("mss", 1), ("wscale", 2)):
                peer_v = int(m.group(idx)) if m else None
                ours_v = tcp.get("%s_%s" % (field, s))
                rep.check(cap, key, "%s_%s" % (field, s), ours_v, peer_v, ours_v == peer_v,
                          "tcpdump")


def tcpdump_cases(rep):
    tcpdump_geneve(rep)


def main():
    rep = Report("-v" in sys.argv)
    zeek_cases(rep)
    sv_cases(rep)
    tcpdump_cases(rep)
    print("peers: %d compared, %d mismatches (%d documented differences)" %
          (rep.n, rep.bad, rep.diff))
    return 1 if rep.bad else 0


if __name__ == "__main__":
    sys.exit(main())
