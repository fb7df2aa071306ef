#!/bin/sh
# summary: SSH on any port (issue 19 item 2, issue 21): -p auto analyzes a
# TCP connection whose first payload is an SSH identification line whatever
# its ports, and nothing else; it is the default for files (-r without -p).
# Without auto (an explicit -p list), SSH seen on ports not selected is
# said on stderr (ports, connections, the option), never silently.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
src=$(cd "$top_srcdir" && pwd)
bin="$(cd "$top_builddir" && pwd)/sshmortem"
run() { ${SM_VALGRIND:-} "$bin" --host t --hash-seed 1 "$@"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1"; fails=$((fails + 1)); }

# An HTTP connection on port 8080 (SYN, SYN-ACK, ACK, request, response,
# FINs), written here: not SSH, so -p auto must leave it out.
/usr/bin/python3 - "$tmp/http.pcap" <<'PY'
import struct, sys
def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
cli, srv = bytes([192, 0, 2, 10]), bytes([192, 0, 2, 20])
def seg(src, dst, sp, dp, seq, ack, flags, data=b""):
    th = struct.pack("!HHIIBBHHH", sp, dp, seq, ack, 5 << 4, flags, 65535, 0, 0)
    ph = src + dst + struct.pack("!BBH", 0, 6, len(th) + len(data))
    th = th[:16] + struct.pack("!H", csum(ph + th + data)) + th[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(th) + len(data), 1, 0x4000, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00" + ip + th + data
req, resp = b"GET / HTTP/1.0\r\n\r\n", b"HTTP/1.0 200 OK\r\n\r\n"
S, A, P, F = 0x02, 0x10, 0x08, 0x01
pk = [seg(cli, srv, 40000, 8080, 100, 0, S), seg(srv, cli, 8080, 40000, 500, 101, S | A),
      seg(cli, srv, 40000, 8080, 101, 501, A), seg(cli, srv, 40000, 8080, 101, 501, P | A, req),
      seg(srv, cli, 8080, 40000, 501, 101 + len(req), P | A, resp),
      seg(srv, cli, 8080, 40000, 501 + len(resp), 101 + len(req), F | A),
      seg(cli, srv, 40000, 8080, 101 + len(req), 502 + len(resp), F | A),
      seg(srv, cli, 8080, 40000, 502 + len(resp), 102 + len(req), A)]
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for i, p in enumerate(pk):
        f.write(struct.pack("<IIII", 1700000000, 1000 * i, len(p), len(p)) + p)
PY
mergecap -F pcap -w "$tmp/mix.pcap" "$tmp/http.pcap" "$src/pcaps/ssh-port2222.pcap" \
    "$src/pcaps/ssh-normal-v4.pcap" || fail "mergecap"

# The HTTP connection is a real connection: -p 8080 reports it.
run -r "$tmp/http.pcap" -p 8080 >"$tmp/out" 2>"$tmp/err"
grep -q '"dest_port":8080' "$tmp/out" && pass "the HTTP connection is seen with -p 8080" ||
    { fail "the HTTP connection is seen with -p 8080"; cat "$tmp/err"; }

run -r "$tmp/mix.pcap" -p auto >"$tmp/out" 2>"$tmp/err"
ports=$(sed -n 's/.*"dest_port":\([0-9]*\).*"selected_by":"\([a-z]*\)".*/\1:\2/p' "$tmp/out" | sort | tr '\n' ' ')
[ "$ports" = "2222:content 22:port " ] && pass "-p auto: SSH on 22 and 2222, not HTTP on 8080" ||
    fail "-p auto: SSH on 22 and 2222, not HTTP on 8080 (got '$ports')"
[ ! -s "$tmp/err" ] && pass "-p auto: nothing on stderr" || { fail "-p auto: stderr"; cat "$tmp/err"; }
run -r "$tmp/mix.pcap" -p auto -F summary >"$tmp/out"
grep -q '^total  *2$' "$tmp/out" && pass "-p auto: the summary counts SSH only" ||
    { fail "-p auto: the summary counts SSH only"; cat "$tmp/out"; }
run -r "$tmp/mix.pcap" -p 2200,auto >"$tmp/out"
[ "$(grep -c '"selected_by":"content"' "$tmp/out")" = 2 ] &&
    pass "-p 2200,auto: listed ports and content" || fail "-p 2200,auto"

# Files without -p: -p auto is the default (issue 21), the same events
# byte for byte, and nothing to say on stderr.
run -r "$tmp/mix.pcap" -p auto >"$tmp/auto" 2>/dev/null
run -r "$tmp/mix.pcap" >"$tmp/out" 2>"$tmp/err"
st=$?
[ "$st" = 0 ] && [ -s "$tmp/out" ] && cmp -s "$tmp/auto" "$tmp/out" &&
    pass "files: without -p as with -p auto" || fail "files: without -p as with -p auto (status $st)"
[ ! -s "$tmp/err" ] && pass "files: without -p nothing on stderr" ||
    { fail "files: without -p nothing on stderr"; cat "$tmp/err"; }
# Reverse SSH (the TCP initiator is the SSH server) on 4444, no port 22
# anywhere: found by default, reversed.
run -r "$src/pcaps/ssh-reverse-port4444.pcap" >"$tmp/out" 2>"$tmp/err"
grep -q '"selected_by":"content"' "$tmp/out" && grep -q '"reversed":true' "$tmp/out" &&
    pass "files: reverse SSH on 4444 by default" || fail "files: reverse SSH on 4444 by default"

# An explicit list is that list alone: SSH on 2222 is said, HTTP on 8080 is not.
run -r "$tmp/mix.pcap" -p 22 >"$tmp/out" 2>"$tmp/err"
st=$?
[ "$st" = 0 ] && [ "$(wc -l <"$tmp/out")" = 1 ] && [ "$(wc -l <"$tmp/err")" = 1 ] &&
    ! grep -q selected_by "$tmp/out" &&
    grep -q '^sshmortem: warning: SSH seen on port not selected: 2222 (1 connection); add with -p 22,2222, or use -p auto (the default for files without -p)$' "$tmp/err" &&
    pass "-p 22: SSH on 2222 is said on one line" ||
    { fail "-p 22: SSH on 2222 is said on one line (status $st)"; cat "$tmp/err"; }
run -r "$tmp/mix.pcap" -p 22,2222 >"$tmp/out" 2>"$tmp/err"
[ ! -s "$tmp/err" ] && [ "$(wc -l <"$tmp/out")" = 2 ] && pass "-p 22,2222: nothing to say" ||
    { fail "-p 22,2222: nothing to say"; cat "$tmp/err"; }
# The same with -F summary and --failures-only: still said.
run -r "$tmp/mix.pcap" -p 22 -F summary --failures-only >/dev/null 2>"$tmp/err"
grep -q 'not selected: 2222' "$tmp/err" && pass "said whatever the output" || fail "said whatever the output"
# Two SSH servers on ports not listed, in rotated files.
run -p 22 -r "$src/pcaps/ssh-port2222.pcap" -r "$src/pcaps/peers/zeek/ssh/ssh_kex_mlkem.pcap" >/dev/null 2>"$tmp/err"
grep -q 'not selected: 2222 (1 connection), 2299 (1 connection); add with -p 22,2222,2299, or use -p auto (the default for files without -p)$' "$tmp/err" &&
    pass "two ports named" || { fail "two ports named"; cat "$tmp/err"; }
# The same two files without -p: both found by content, nothing said.
run -r "$src/pcaps/ssh-port2222.pcap" -r "$src/pcaps/peers/zeek/ssh/ssh_kex_mlkem.pcap" >"$tmp/out" 2>"$tmp/err"
[ ! -s "$tmp/err" ] && [ "$(grep -c '"selected_by":"content"' "$tmp/out")" = 2 ] &&
    pass "two ports found without -p" || { fail "two ports found without -p"; cat "$tmp/err"; }

echo "ports: $fails failed"
[ "$fails" = 0 ]
