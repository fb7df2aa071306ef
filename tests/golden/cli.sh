#!/bin/sh
# summary: command-line contract of SPEC.md: exit statuses, damaged and
# unreadable inputs (named on stderr with the packet number, earlier packets
# still analyzed), rotated captures as one timeline, stdin, output forms.
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
check() { # NAME EXPECTED_STATUS ACTUAL_STATUS
    if [ "$2" = "$3" ]; then pass "$1"; else fail "$1 (status $3, expected $2)"; fi
}
pc="$src/pcaps/ssh-normal-v4.pcap"

run >/dev/null 2>&1; check "no input is bad usage" 1 $?
run -r "$pc" -F nope >/dev/null 2>&1; check "unknown format is bad usage" 1 $?
run -r "$pc" -p 0 >/dev/null 2>&1; check "port 0 is bad usage" 1 $?
run -r "$pc" -p 22,abc >/dev/null 2>&1; check "bad port list is bad usage" 1 $?
run -r "$pc" extra >/dev/null 2>&1; check "stray argument is bad usage" 1 $?
run -r "$pc" -f 'tcp and (' >/dev/null 2>&1; check "bad -f filter is bad usage" 1 $?
run --version >"$tmp/v" 2>&1; check "--version" 0 $?
grep -q '^sshmortem ' "$tmp/v" && pass "--version prints the name" || fail "--version output"
run -h >/dev/null 2>&1; check "-h" 0 $?

# Usage mistakes (issue 19 item 6): one line each, named "sshmortem:" (not
# the path getopt would print), status 1, no page of usage: --help is named.
one_line() { # NAME PATTERN ARGS...
    name=$1 pat=$2
    shift 2
    run "$@" >/dev/null 2>"$tmp/err" </dev/null
    st=$?
    if [ "$st" = 1 ] && [ "$(wc -l <"$tmp/err")" = 1 ] && grep -q '^sshmortem: ' "$tmp/err" &&
        grep -q -- "$pat" "$tmp/err"; then
        pass "$name: one line"
    else
        fail "$name: one line matching '$pat' (status $st)"
        cat "$tmp/err"
    fi
}
one_line "unknown short option" 'unknown option -x; see sshmortem --help' -r "$pc" -x
one_line "unknown long option" 'unknown option --bogus; see sshmortem --help' -r "$pc" --bogus
one_line "option without its argument" '^sshmortem: -r needs an argument' -r
one_line "long option without its argument" '^sshmortem: --idle-min needs an argument' -r "$pc" --idle-min
one_line "argument to a flag" '^sshmortem: --stats takes no argument' -r "$pc" --stats=1
one_line "-r and -i" 'not both' -r "$pc" -i lo
one_line "nine -i" '^sshmortem: too many -i sources (at most 8)$' -i lo -i lo -i lo -i lo -i lo -i lo -i lo -i lo -i lo
one_line "nothing to read" 'give -r FILE or -i IFACE; see sshmortem --help'
one_line "stray argument" "unexpected argument 'extra'" -r "$pc" extra
one_line "bad -f, several files" "$pc: filter: " -r "$pc" -r "$pc" -f 'tcp and ('
one_line "--local-nets: not an address" "^sshmortem: --local-nets: '300.0.0.0' is not an IPv4 or IPv6 address$" -r "$pc" --local-nets 192.0.2.0/24,300.0.0.0/8
one_line "--local-nets: prefix too long" "^sshmortem: --local-nets: '/129' is not a prefix length of 0 to 128$" -r "$pc" --local-nets 2001:db8::/129
one_line "--local-nets: host bits" "^sshmortem: --local-nets: '192.0.2.1/24' has host bits set" -r "$pc" --local-nets 192.0.2.1/24
one_line "--local-nets: empty" "^sshmortem: --local-nets: an empty entry in the list$" -r "$pc" --local-nets ''
one_line "--patterns-inbound-only alone" "^sshmortem: --patterns-inbound-only needs --local-nets" -r "$pc" --patterns-inbound-only
# shellcheck disable=SC2016
run -r "$pc" -x 2>&1 >/dev/null | grep -q '/sshmortem' && fail "getopt's path is not printed" ||
    pass "getopt's path is not printed"

# A missing file: named on stderr, status 2, the other inputs still read.
run -r "$tmp/missing.pcap" -r "$pc" >"$tmp/out" 2>"$tmp/err"; check "missing input" 2 $?
[ "$(grep -o "missing.pcap" "$tmp/err" | wc -l)" = 1 ] && [ "$(wc -l <"$tmp/err")" = 1 ] &&
    grep -q 'No such file' "$tmp/err" && pass "missing input is named once, on one line" ||
    { fail "missing input is named once, on one line"; cat "$tmp/err"; }
[ "$(wc -l <"$tmp/out")" = 1 ] && pass "inputs after a missing one are read" ||
    fail "inputs after a missing one are read"

# A zero-length file.
: >"$tmp/empty.pcap"
run -r "$tmp/empty.pcap" >/dev/null 2>"$tmp/err"; check "zero-length file" 2 $?
grep -q "empty.pcap: empty file$" "$tmp/err" && ! grep -q truncated "$tmp/err" &&
    pass "zero-length file: named, 'empty file'" ||
    { fail "zero-length file: named, 'empty file'"; cat "$tmp/err"; }
run -r - <"$tmp/empty.pcap" >/dev/null 2>"$tmp/err"; check "empty stdin" 2 $?
grep -q "empty file" "$tmp/err" && pass "empty stdin: 'empty file'" ||
    { fail "empty stdin: 'empty file'"; cat "$tmp/err"; }

# A capture cut in the middle of a record: everything before it is analyzed.
size=$(wc -c <"$pc")
head -c $((size / 2)) "$pc" >"$tmp/cut.pcap"
run -r "$tmp/cut.pcap" >"$tmp/out" 2>"$tmp/err"; check "truncated capture" 2 $?
grep -q "cut.pcap: packet [0-9][0-9]*:" "$tmp/err" && pass "truncated capture names file and packet" ||
    { fail "truncated capture message"; cat "$tmp/err"; }
grep -q '"verdict":"unfinished"' "$tmp/out" && pass "packets before the damage are analyzed" ||
    fail "packets before the damage are analyzed"

# An unsupported link type (802.11, 105): a clear error naming it.
printf '\324\303\262\241\002\000\004\000\000\000\000\000\000\000\000\000\377\377\000\000\151\000\000\000' >"$tmp/wifi.pcap"
run -r "$tmp/wifi.pcap" >/dev/null 2>"$tmp/err"; check "unsupported link type" 2 $?
grep -qi "unsupported link type IEEE802_11" "$tmp/err" && pass "unsupported link type is named" ||
    { fail "unsupported link type message"; cat "$tmp/err"; }

# stdin.
run -r - <"$pc" >"$tmp/out" 2>/dev/null; check "stdin" 0 $?
grep -q '"source":"-"' "$tmp/out" && grep -q normal-close "$tmp/out" && pass "stdin is analyzed" ||
    fail "stdin is analyzed"

# Rotated captures: one connection across two files is one event, same as
# the whole file; flow ids stay unique across files.
if command -v editcap >/dev/null 2>&1; then
    editcap -c 30 "$pc" "$tmp/rot.pcap" >/dev/null 2>&1
    set -- "$tmp"/rot_*.pcap
    if [ $# -ge 2 ]; then
        args=""
        for f in "$@"; do args="$args -r $f"; done
        # shellcheck disable=SC2086
        run $args >"$tmp/rot.out" 2>/dev/null; check "rotated captures" 0 $?
        run -r "$pc" >"$tmp/whole.out"
        strip() { sed 's/"source":"[^"]*"//' "$1"; }
        [ "$(strip "$tmp/rot.out")" = "$(strip "$tmp/whole.out")" ] &&
            pass "a connection continues into the next file" ||
            { fail "a connection continues into the next file"; diff "$tmp/rot.out" "$tmp/whole.out"; }
    else
        fail "editcap did not split the capture"
    fi
    run -r "$pc" -r "$src/pcaps/ssh-refused.pcap" -r "$src/pcaps/ssh-silent-drop.pcap" >"$tmp/ids"
    ids=$(sed -n 's/.*"flow_id":\([0-9]*\).*/\1/p' "$tmp/ids" | sort -n | uniq | wc -l)
    [ "$ids" = 3 ] && pass "flow ids unique across files" || fail "flow ids unique across files ($ids)"
else
    fail "editcap is missing (scripts/setup.sh installs it)"
fi

# Output forms and options.
run -r "$pc" -F text >"$tmp/t"; check "-F text" 0 $?
[ "$(wc -l <"$tmp/t")" = 1 ] && grep -q ' normal-close 0.90 ' "$tmp/t" &&
    pass "text: a normal close is one line" || fail "text: a normal close is one line"
run -r "$pc" -r "$src/pcaps/ssh-refused.pcap" -F summary >"$tmp/s"; check "-F summary" 0 $?
grep -q '^refused  *1$' "$tmp/s" && grep -q '^total  *2$' "$tmp/s" && pass "summary counts" ||
    { fail "summary counts"; cat "$tmp/s"; }
run -r "$pc" -r "$src/pcaps/ssh-refused.pcap" --failures-only >"$tmp/f"
[ "$(wc -l <"$tmp/f")" = 1 ] && grep -q refused "$tmp/f" && pass "--failures-only" ||
    fail "--failures-only"
run -r "$pc" -o "$tmp/o.ndjson"; check "-o FILE" 0 $?
[ "$(wc -l <"$tmp/o.ndjson")" = 1 ] && pass "-o writes the file" || fail "-o writes the file"
run -r "$pc" -p 2222 >"$tmp/p"
[ ! -s "$tmp/p" ] && pass "-p: other ports are ignored" || fail "-p: other ports are ignored"
run -r "$pc" -f 'host 192.0.2.99' >"$tmp/p"
[ ! -s "$tmp/p" ] && pass "-f is ANDed" || fail "-f is ANDed"
run -r "$pc" --stats >"$tmp/st"
tail -n 1 "$tmp/st" | grep -q '"event_type":"capture_stats"' && pass "--stats" || fail "--stats"

# Classifier thresholds are options (doc/verdicts.md "Thresholds").
run -r "$pc" --linger 0 >/dev/null 2>&1; check "--linger 0 is bad usage" 1 $?
run -r "$pc" --death-transmissions 1 >/dev/null 2>&1; check "--death-transmissions 1 is bad usage" 1 $?
run -r "$pc" --syn-rto-ms abc >/dev/null 2>&1; check "--syn-rto-ms abc is bad usage" 1 $?
# Live-capture options (issue 17) on files, and out of range.
run -r "$pc" -B 1024 >/dev/null 2>&1; check "-B with -r is bad usage" 1 $?
run -r "$pc" -s 1600 >/dev/null 2>&1; check "-s with -r is bad usage" 1 $?
run -r "$pc" --stats-interval 5 >/dev/null 2>&1; check "--stats-interval with -r is bad usage" 1 $?
run -i lo -s 10 >/dev/null 2>&1; check "-s 10 is bad usage" 1 $?
run -i lo -B 0 >/dev/null 2>&1; check "-B 0 is bad usage" 1 $?
run -i lo --stats-interval x >/dev/null 2>&1; check "--stats-interval x is bad usage" 1 $?
run -r "$src/pcaps/ssh-silent-drop.pcap" --handshake-timeout 2 >"$tmp/h"
grep -q '"end":"handshake-timeout"' "$tmp/h" && grep -q silent-drop "$tmp/h" &&
    pass "--handshake-timeout ends a silent half-open connection earlier" ||
    fail "--handshake-timeout"
run -r "$src/pcaps/lab/blackhole.cli.pcap" --idle-min 4 >"$tmp/b1"
run -r "$src/pcaps/lab/blackhole.cli.pcap" --idle-min 4 --death-transmissions 50 >"$tmp/b2"
grep -q retransmission-death "$tmp/b1" && ! grep -q retransmission-death "$tmp/b2" &&
    pass "--death-transmissions moves the retransmission-death threshold" ||
    fail "--death-transmissions"

# RFC 5424 syslog over UDP on loopback: one datagram per event.
cat >"$tmp/udp.py" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
s.settimeout(10)
print(s.getsockname()[1], flush=True)
data, _ = s.recvfrom(65535)
open(sys.argv[1], "wb").write(data)
PY
/usr/bin/python3 "$tmp/udp.py" "$tmp/syslog.msg" >"$tmp/port" &
lpid=$!
for _ in 1 2 3 4 5 6 7 8 9 10; do [ -s "$tmp/port" ] && break; sleep 0.2; done
run -r "$src/pcaps/ssh-refused.pcap" -o "syslog://127.0.0.1:$(cat "$tmp/port")"
check "-o syslog://" 0 $?
wait "$lpid"
grep -Eq '^<134>1 [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z t sshmortem [0-9]+ ssh_teardown - \{"timestamp".*"verdict":"refused"' "$tmp/syslog.msg" &&
    pass "syslog message is RFC 5424 with the event" || { fail "syslog message"; cat "$tmp/syslog.msg"; }

echo "cli: $fails failed"
[ "$fails" = 0 ]
