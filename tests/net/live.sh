#!/bin/bash
# summary: live capture end to end: the lab's namespaces, a real sshd and
# OpenSSH client, and sshmortem capturing live on the server's interface
# (dropping privileges with -Z) and with "-i any" on the router. Needs root
# and network namespaces; skips loudly (exit 77) without them.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
src=$(cd "$top_srcdir" && pwd)
bin="$(cd "$top_builddir" && pwd)/sshmortem"

skip() { echo "SKIP: live capture test: $*" >&2; echo "SKIP: live capture test: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "needs root"
ip netns add "sm-probe-$$" 2>/dev/null || skip "cannot create network namespaces"
ip netns del "sm-probe-$$"
[ -x /usr/sbin/sshd ] || skip "no /usr/sbin/sshd (scripts/setup.sh installs openssh-server)"

# shellcheck source=../lab/lab.sh
. "$src/tests/lab/lab.sh"
lab_setup
out="$LAB_TMP/live"
mkdir -p "$out"
chmod 777 "$out"
lab_sshd_start 22

# sshmortem live on the server's eth0, then as nobody; and on the router's
# "any" pseudo-interface (forwarded packets twice: counted once).
lab_bg "$LAB_SRV" "$bin" -i eth0 -p 22,2200 -Z nobody --host live \
    -o "$out/server.ndjson" 2>"$out/server.err"
srv_pid=$LAB_LAST_PID
lab_bg "$LAB_RTR" "$bin" -i any -p 22,2200 --host live -o "$out/router.ndjson" 2>"$out/router.err"
rtr_pid=$LAB_LAST_PID
sleep 1.5

lab_ssh "$LAB_SRV4" 22 'echo hi' >/dev/null || lab_die "ssh failed"
lab_ssh "$LAB_SRV4" 2200 true 2>/dev/null && lab_die "port 2200 unexpectedly open"
sleep 1

lab_kill "$srv_pid" INT
lab_kill "$rtr_pid" INT

fails=0
check() { # FILE VERDICT
    if grep -q "\"verdict\":\"$2\"" "$1"; then echo "PASS $(basename "$1"): $2"; else
        echo "FAIL $(basename "$1"): no $2 event"; cat "$1" "${1%.ndjson}.err"; fails=$((fails + 1)); fi
}
for f in "$out/server.ndjson" "$out/router.ndjson"; do
    [ -f "$f" ] || { echo "FAIL: $f missing"; cat "${f%.ndjson}.err"; fails=$((fails + 1)); continue; }
    check "$f" normal-close
    check "$f" refused
    n=$(grep -c '"event_type":"ssh_teardown"' "$f")
    [ "$n" = 2 ] && echo "PASS $(basename "$f"): 2 events" ||
        { echo "FAIL $(basename "$f"): $n events, expected 2"; fails=$((fails + 1)); }
    # Live capture always ends with its statistics.
    tail -n 1 "$f" | grep -q '"event_type":"capture_stats","host":"live","final":true' &&
        echo "PASS $(basename "$f"): final capture_stats" ||
        { echo "FAIL $(basename "$f"): no final capture_stats"; fails=$((fails + 1)); }
    /usr/bin/python3 "$src/tests/golden/validate.py" "$src/doc/schema/event.schema.json" "$f" ||
        fails=$((fails + 1))
done
# Forwarded packets seen twice on the router are counted once.
grep '"verdict":"normal-close"' "$out/router.ndjson" | grep -q '"duplicates":[1-9]' &&
    echo "PASS router: duplicates suppressed" ||
    { echo "FAIL router: no duplicates counted"; fails=$((fails + 1)); }
a=$(grep normal-close "$out/server.ndjson" | sed -n 's/.*"pkts_toserver":\([0-9]*\).*/\1/p')
b=$(grep normal-close "$out/router.ndjson" | sed -n 's/.*"pkts_toserver":\([0-9]*\).*/\1/p')
[ -n "$a" ] && [ "$a" = "$b" ] && echo "PASS router and server count the same packets ($a)" ||
    { echo "FAIL packet counts differ: server $a router $b"; fails=$((fails + 1)); }
echo "live: $fails failed"
[ "$fails" = 0 ]
