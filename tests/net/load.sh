#!/bin/bash
# summary: a bounded replay load in namespaces (issue 17): tcpreplay sends a
# capture of SSH sessions, looped, at a modest rate for a few seconds into a
# veth pair; sshmortem captures the other end with -B and -s. Checks that
# capture_stats reports what the kernel did: received > 0, the drop counters
# present, the periodic *_interval counters adding up to the final totals,
# and the -s/-B in effect. Not a speed test (bench/live.sh is, by hand).
# Needs root, network namespaces and tcpreplay; skips loudly (exit 77).
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
src=$(cd "$top_srcdir" && pwd)
bin="$(cd "$top_builddir" && pwd)/sshmortem"

skip() { echo "SKIP: load test: $*" >&2; echo "SKIP: load test: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "needs root"
command -v tcpreplay >/dev/null || skip "no tcpreplay (scripts/setup.sh installs it)"
tx="sm-rtx-$$" rx="sm-rrx-$$"
ip netns add "$tx" 2>/dev/null || skip "cannot create network namespaces"
tmp=$(mktemp -d /tmp/sm-replay.XXXXXX)
pid=""
cleanup() {
    [ -n "$pid" ] && { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; }
    ip netns del "$tx" 2>/dev/null
    ip netns del "$rx" 2>/dev/null
    rm -rf -- "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
ip netns add "$rx" || exit 1
ip link add veth0 netns "$tx" type veth peer name veth0 netns "$rx" || exit 1
for ns in "$tx" "$rx"; do
    ip -n "$ns" link set lo up
    ip -n "$ns" link set veth0 up
done

fails=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

ev="$tmp/ev.ndjson"
ip netns exec "$rx" "$bin" -i veth0 -B 1024 -s 1600 --stats-interval 1 --host replay \
    -o "$ev" 2>"$tmp/err" &
pid=$!
for _ in $(seq 50); do
    grep -q '"final":false' "$ev" 2>/dev/null && break
    sleep 0.1
done
grep -q '"final":false' "$ev" 2>/dev/null || fail "not capturing: $(cat "$tmp/err")"

# About 6,000 packets in 3 s: a login session (about 50 packets) 120 times.
ip netns exec "$tx" tcpreplay -q -i veth0 --pps 2000 --loop 120 "$src/pcaps/ssh-normal-v4.pcap" \
    >"$tmp/replay" 2>&1 || fail "tcpreplay: $(cat "$tmp/replay")"
sent=$(sed -n 's/^Actual: \([0-9]*\) packets.*/\1/p' "$tmp/replay")
sleep 1.5 # at least one more periodic event
kill -INT "$pid"
wait "$pid"
rc=$?
pid=""
[ "$rc" = 0 ] && pass "exit status 0" || fail "exit status $rc"

python3_check() {
    /usr/bin/python3 - "$ev" "${sent:-0}" <<'EOF'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
sent = int(sys.argv[2])
st = [e for e in ev if e["event_type"] == "capture_stats"]
fails = 0
def check(ok, what):
    global fails
    print(("PASS: " if ok else "FAIL: ") + what)
    fails += not ok
final = st[-1]
check(final["final"] is True and all(not e["final"] for e in st[:-1]),
      "the last capture_stats is the only final one (%d periodic)" % (len(st) - 1))
c = final["capture"]
check(c["source"] == "veth0" and c["snaplen"] == 1600 and c["buffer_bytes"] == 1048576,
      "source, -s 1600 and -B 1024 in effect: %s %s %s" % (c["source"], c["snaplen"], c["buffer_bytes"]))
check(0 < c["kernel_received"] <= sent, "kernel_received %d of %d sent" % (c["kernel_received"], sent))
check(isinstance(c["kernel_dropped"], int) and isinstance(c["iface_dropped"], int),
      "kernel_dropped %s and iface_dropped %s reported" % (c["kernel_dropped"], c["iface_dropped"]))
for k in ("kernel_received", "kernel_dropped", "iface_dropped"):
    total = sum(e["capture"][k + "_interval"] for e in st)
    check(total == c[k], "%s: the intervals add up to the total (%d)" % (k, c[k]))
check(final["decoder"]["packets"] > 0 and sum(final["verdicts"].values()) > 0,
      "packets analyzed (%d), connections judged (%d)" % (final["decoder"]["packets"],
                                                        sum(final["verdicts"].values())))
check(all(e["capture"]["interval_s"] > 0 for e in st), "interval_s > 0")
sys.exit(1 if fails else 0)
EOF
}
python3_check || fails=$((fails + 1))
/usr/bin/python3 "$src/tests/golden/validate.py" "$src/doc/schema/event.schema.json" "$ev" ||
    fail "schema"
[ "$fails" = 0 ] || cat "$tmp/err"
echo "load: $fails failed"
[ "$fails" = 0 ]
