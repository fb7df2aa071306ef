#!/bin/bash
# summary: contrib/sshmortem.service is a valid unit, rated "OK" or better
# by systemd-analyze's offline security check, and its privilege model works:
# sshmortem run as an unprivileged user holding only the unit's two ambient
# capabilities (CAP_NET_RAW, CAP_NET_ADMIN), through setpriv, captures live
# in a network namespace and reports a refused connection while it runs.
# Skips loudly (exit 77) without root, namespaces, setpriv or systemd-analyze.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
src=$(cd "$top_srcdir" && pwd)
bin="$(cd "$top_builddir" && pwd)/sshmortem"
unit="$src/contrib/sshmortem.service"

skip() { echo "SKIP: systemd unit test: $*" >&2; echo "SKIP: systemd unit test: $*"; exit 77; }
command -v systemd-analyze >/dev/null || skip "no systemd-analyze (Debian package systemd)"
command -v setpriv >/dev/null || skip "no setpriv (Debian package util-linux)"
[ "$(id -u)" -eq 0 ] || skip "needs root"
ip netns add "sm-probe-$$" 2>/dev/null || skip "cannot create network namespaces"
ip netns del "sm-probe-$$"

fails=0
pass() { echo "PASS $*"; }
fail() { echo "FAIL $*"; fails=$((fails + 1)); }

# shellcheck source=../lab/lab.sh
. "$src/tests/lab/lab.sh"
lab_setup

# The unit as installed, but pointing at this build (verify checks that
# ExecStart is executable).
u="$LAB_TMP/sshmortem.service"
sed "s|/usr/local/bin/sshmortem|$bin|" "$unit" >"$u"
if out=$(systemd-analyze verify "$u" 2>&1) && [ -z "$out" ]; then
    pass "systemd-analyze verify: no complaint"
else
    fail "systemd-analyze verify: $out"
fi
# --threshold: exit non-zero when the exposure level (x10) is above it.
level=$(systemd-analyze security --offline=yes "$u" 2>/dev/null | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
if systemd-analyze security --offline=yes --threshold=25 "$u" >/dev/null 2>&1; then
    pass "systemd-analyze security: exposure $level (at most 2.5)"
else
    fail "systemd-analyze security: exposure $level, above 2.5"
fi
# The unit and this test agree on the capability set.
grep -qx 'AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN' "$unit" &&
    grep -qx 'CapabilityBoundingSet=CAP_NET_RAW CAP_NET_ADMIN' "$unit" &&
    grep -qx 'NoNewPrivileges=yes' "$unit" && pass "unit: two capabilities, no new privileges" ||
    fail "unit: capability lines changed; update this test"

# Live capture as nobody with only CAP_NET_RAW and CAP_NET_ADMIN.
out="$LAB_TMP/unit"
mkdir -p "$out"
chown nobody "$out"
lab_bg "$LAB_SRV" setpriv --reuid=nobody --regid=nogroup --clear-groups \
    --inh-caps=-all,+net_raw,+net_admin --ambient-caps=-all,+net_raw,+net_admin \
    --bounding-set=-all,+net_raw,+net_admin --no-new-privs \
    "$bin" -i eth0 -p 2200 --linger 1 --host unit -o "$out/events.ndjson"
pid=$LAB_LAST_PID
sleep 1.5
if kill -0 "$pid" 2>/dev/null; then
    st=$(cat "/proc/$pid/status")
    uid=$(awk '/^Uid:/ {print $2 $3 $4 $5}' <<<"$st")
    eff=$(awk '/^CapEff:/ {print $2}' <<<"$st")
    nobody=$(id -u nobody)
    [ "$uid" = "$nobody$nobody$nobody$nobody" ] && pass "runs as nobody (uid $nobody)" ||
        fail "uids $uid, expected nobody"
    # CAP_NET_ADMIN is bit 12, CAP_NET_RAW bit 13.
    [ "$eff" = "0000000000003000" ] && pass "effective capabilities: net_admin, net_raw only" ||
        fail "effective capabilities $eff"
else
    fail "sshmortem did not start as nobody"
fi
lab_cli bash -c "exec 3<>/dev/tcp/$LAB_SRV4/2200" 2>/dev/null && fail "port 2200 unexpectedly open"
# The event must arrive while sshmortem runs (linger 1 s, idle wire).
ok=0
for _ in $(seq 40); do
    grep -q '"verdict":"refused"' "$out/events.ndjson" 2>/dev/null && { ok=1; break; }
    sleep 0.25
done
[ "$ok" = 1 ] && pass "refused connection reported while running, unprivileged" ||
    fail "no refused event within 10 s of the connection"
lab_kill "$pid" TERM
[ -s "$out/events.ndjson" ] &&
    /usr/bin/python3 "$src/tests/golden/validate.py" "$src/doc/schema/event.schema.json" "$out/events.ndjson" ||
    fail "events do not validate"
echo "systemd-unit: $fails failed"
[ "$fails" = 0 ]
