#!/bin/bash
# summary: the last packets before a stop are analyzed (issue 17): on the
# router, with "-i nflog:5" (an iptables NFLOG rule, group 5) and with
# "-i any", a login and a refused connection end right before SIGINT, and
# both events must be there, with the packets that ended them (normal-close
# needs both FINs). With --report: SIGUSR1 writes the page while capturing,
# and the one written at the stop counts what the events say. Needs root, network namespaces and iptables' NFLOG
# target; skips loudly (exit 77) without them.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
src=$(cd "$top_srcdir" && pwd)
bin="$(cd "$top_builddir" && pwd)/sshmortem"

skip() { echo "SKIP: stop-flush test: $*" >&2; echo "SKIP: stop-flush test: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "needs root"
ip netns add "sm-probe-$$" 2>/dev/null || skip "cannot create network namespaces"
ip netns del "sm-probe-$$"
[ -x /usr/sbin/sshd ] || skip "no /usr/sbin/sshd (scripts/setup.sh installs openssh-server)"
command -v iptables >/dev/null || skip "no iptables"

# shellcheck source=../lab/lab.sh
. "$src/tests/lab/lab.sh"
lab_setup
out="$LAB_TMP/stop"
mkdir -p "$out"
lab_sshd_start 22
for p in 22 2200; do
    lab_rtr iptables -A FORWARD -p tcp --dport "$p" -j NFLOG --nflog-group 5 ||
        skip "no NFLOG target"
    lab_rtr iptables -A FORWARD -p tcp --sport "$p" -j NFLOG --nflog-group 5
done

fails=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# round NAME IFACE: connections that end just before SIGINT.
round() {
    local name=$1 ifc=$2 ev="$out/$1.ndjson" pid
    lab_bg "$LAB_RTR" "$bin" -i "$ifc" -p 22,2200 --host stop --stats-interval 1 \
        -o "$ev" --report "$out/$name.html" --report-json "$out/$name.json" 2>"$out/$name.err"
    pid=$LAB_LAST_PID
    # Capturing once the first periodic statistics are written.
    for _ in $(seq 60); do
        grep -q '"final":false' "$ev" 2>/dev/null && break
        sleep 0.1
    done
    grep -q '"final":false' "$ev" 2>/dev/null || { fail "$name: not capturing"; cat "$out/$name.err"; }
    kill -USR1 "$pid"
    for _ in $(seq 30); do
        [ -s "$out/$name.json" ] && break
        sleep 0.1
    done
    if [ -s "$out/$name.json" ] && grep -q '</html>' "$out/$name.html"; then
        pass "$name: SIGUSR1 wrote the report while capturing"
    else
        fail "$name: no report 3 s after SIGUSR1"
    fi
    lab_ssh "$LAB_SRV4" 22 true || fail "$name: ssh login failed"
    lab_ssh "$LAB_SRV4" 2200 true 2>/dev/null && fail "$name: port 2200 unexpectedly open"
    lab_kill "$pid" INT # at once: the last packets are a few ms old
    for v in normal-close refused; do
        grep -q "\"verdict\":\"$v\"" "$ev" && pass "$name: $v event after SIGINT" ||
            fail "$name: no $v event after SIGINT"
    done
    # Both FINs (history letters F and f, in either order: either side may
    # close first) were seen.
    local h
    h=$(grep '"verdict":"normal-close"' "$ev" | sed -n 's/.*"history":"\([A-Za-z]*\)".*/\1/p')
    case $h in
    *F*f* | *f*F*) pass "$name: the login's FINs were analyzed ($h)" ;;
    *) fail "$name: the login's FINs are missing (history '$h')" ;;
    esac
    tail -n 1 "$ev" | grep -q '"final":true' && pass "$name: final capture_stats" ||
        fail "$name: no final capture_stats"
    /usr/bin/python3 "$src/tests/golden/validate.py" "$src/doc/schema/event.schema.json" "$ev" ||
        fail "$name: schema"
    # The report written at the stop: the connections of the events.
    if /usr/bin/python3 -c '
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
rep = json.load(open(sys.argv[2]))
n = sum(1 for e in ev if e["event_type"] == "ssh_teardown")
sys.exit(0 if n == rep["connections"] and n >= 2 else 1)' "$ev" "$out/$name.json"; then
        pass "$name: the report at the stop counts the events' connections"
    else
        fail "$name: the report at the stop differs from the events"
    fi
    [ "$fails" = 0 ] || { grep -o '"verdict":"[a-z-]*"\|"history":"[A-Za-z]*"' "$ev"; cat "$out/$name.err"; }
}

for i in 1 2 3; do
    round "nflog$i" nflog:5
    round "any$i" any
done
echo "stop-flush: $fails failed"
[ "$fails" = 0 ]
