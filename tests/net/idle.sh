#!/bin/bash
# summary: a live sensor on an idle wire (issue 17): sessions end on the
# server's interface, which then stays quiet, and their events must appear
# while sshmortem is still running, within --linger + 1 s of their last
# packet (a silent half-open one within --handshake-timeout + 1 s), expired
# by the clock (evidence.end is not "capture-end"). Also on the idle wire: a
# periodic capture_stats, and a SIGHUP reopen that takes effect at once.
# Needs root and network namespaces; skips loudly (exit 77) without them.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
src=$(cd "$top_srcdir" && pwd)
bin="$(cd "$top_builddir" && pwd)/sshmortem"

skip() { echo "SKIP: idle-wire test: $*" >&2; echo "SKIP: idle-wire test: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "needs root"
ip netns add "sm-probe-$$" 2>/dev/null || skip "cannot create network namespaces"
ip netns del "sm-probe-$$"
[ -x /usr/sbin/sshd ] || skip "no /usr/sbin/sshd (scripts/setup.sh installs openssh-server)"
command -v iptables >/dev/null || skip "no iptables"

LINGER=2
HS_TIMEOUT=3
# One SYN retry (at 1 s): the silent half-open connection's last packet
# comes 1 s after its first, well inside --handshake-timeout.
LAB_SYN_RETRIES=1
# shellcheck source=../lab/lab.sh
. "$src/tests/lab/lab.sh"
lab_setup
out="$LAB_TMP/idle"
mkdir -p "$out"
ev="$out/events.ndjson"
lab_sshd_start 22
# Port 2222 is silently dropped on the server: SYNs seen, never answered.
lab_srv iptables -A INPUT -p tcp --dport 2222 -j DROP

fails=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
now() { date +%s.%N; }
# Arithmetic on fractional seconds.
calc() { awk "BEGIN { printf \"%.3f\", $* }"; }
before() { awk "BEGIN { exit !($1 < $2) }"; }

lab_bg "$LAB_SRV" "$bin" -i eth0 -p 22,2200,2222 --host idle --linger "$LINGER" \
    --handshake-timeout "$HS_TIMEOUT" --stats-interval 2 -o "$ev" 2>"$out/err"
pid=$LAB_LAST_PID

# wait_for FILE PATTERN SECONDS: until a line of FILE matches (grep -E).
wait_for() {
    local end
    end=$(calc "$(now) + $3")
    while before "$(now)" "$end"; do
        grep -Eq "$2" "$1" 2>/dev/null && return 0
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.05
    done
    return 1
}

# Ready, and periodic statistics on an idle wire: the first one comes after
# 2 s with no traffic at all.
if wait_for "$ev" '"event_type":"capture_stats".*"final":false' 6; then
    pass "periodic capture_stats on an idle wire"
else
    fail "no periodic capture_stats within 6 s"
    cat "$out/err"
fi
grep '"final":false' "$ev" | head -n 1 | grep -q '"kernel_received":[0-9]*.*"kernel_dropped_interval":0' &&
    pass "periodic capture_stats has the kernel counters" ||
    fail "periodic capture_stats without kernel counters: $(head -n 1 "$ev")"

# A normal login, a refused connection, a silent half-open one; then quiet.
lab_ssh "$LAB_SRV4" 22 true || fail "ssh login failed"
lab_ssh "$LAB_SRV4" 2200 true 2>/dev/null && fail "port 2200 unexpectedly open"
lab_ssh_bg "$LAB_SRV4" 2222 true 2>/dev/null
hs_pid=$LAB_LAST_PID

# Each event's arrival, seen while sshmortem runs, against its timestamp
# (the connection's last packet).
declare -A seen=()
deadline=$(calc "$(now) + $HS_TIMEOUT + 8")
while before "$(now)" "$deadline"; do
    t=$(now)
    for v in normal-close refused silent-drop; do
        [ -n "${seen[$v]:-}" ] && continue
        grep -q "\"verdict\":\"$v\"" "$ev" 2>/dev/null && seen[$v]=$t
    done
    [ "${#seen[@]}" = 3 ] && break
    sleep 0.05
done
kill -0 "$pid" 2>/dev/null && pass "sshmortem still running" || fail "sshmortem exited early"
epoch() { date -d "$1" +%s.%N; }
for v in normal-close refused silent-drop; do
    line=$(grep "\"verdict\":\"$v\"" "$ev" | head -n 1)
    if [ -z "${seen[$v]:-}" ] || [ -z "$line" ]; then
        fail "$v: no event while running"
        continue
    fi
    ts=$(printf '%s' "$line" | sed -n 's/^{"timestamp":"\([^"]*\)".*/\1/p')
    end=$(printf '%s' "$line" | sed -n 's/.*"evidence":{"end":"\([^"]*\)".*/\1/p')
    lat=$(calc "${seen[$v]} - $(epoch "$ts")")
    if [ "$v" = silent-drop ]; then bound=$((HS_TIMEOUT + 1)) want=handshake-timeout; else
        bound=$((LINGER + 1)) want=closed; fi
    if before "$lat" "$bound"; then
        pass "$v: event ${lat}s after its last packet (bound ${bound}s)"
    else
        fail "$v: event ${lat}s after its last packet, bound ${bound}s"
    fi
    [ "$end" = "$want" ] && pass "$v: evidence.end $end" || fail "$v: evidence.end '$end', expected $want"
done
lab_kill "$hs_pid" TERM

# SIGHUP on the idle wire: the file is reopened at once, and the next event
# goes to the new file.
mv "$ev" "$ev.1"
kill -HUP "$pid"
for _ in $(seq 20); do [ -e "$ev" ] && break; sleep 0.05; done
[ -e "$ev" ] && pass "SIGHUP: reopened within 1 s on an idle wire" ||
    fail "SIGHUP: no new file within 1 s"
lab_ssh "$LAB_SRV4" 2200 true 2>/dev/null
wait_for "$ev" '"verdict":"refused"' $((LINGER + 2)) && pass "after SIGHUP: event in the new file" ||
    fail "after SIGHUP: no event in the new file"
[ "$(grep -c '"verdict":"refused"' "$ev.1")" = 1 ] && pass "after SIGHUP: nothing more in the old file" ||
    fail "after SIGHUP: the old file got the new event"

lab_kill "$pid" INT
tail -n 1 "$ev" | grep -q '"event_type":"capture_stats".*"final":true' &&
    pass "final capture_stats at exit" || fail "no final capture_stats: $(tail -n 1 "$ev")"
[ -s "$out/err" ] && { echo "stderr:"; cat "$out/err"; }
for f in "$ev.1" "$ev"; do
    /usr/bin/python3 "$src/tests/golden/validate.py" "$src/doc/schema/event.schema.json" "$f" ||
        fail "schema: $f"
done
echo "idle: $fails failed"
[ "$fails" = 0 ]
