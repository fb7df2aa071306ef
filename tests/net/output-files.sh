#!/bin/bash
# summary: -o FILE when things go wrong. A full file system (a 64 KiB
# tmpfs in a private mount namespace): no torn line, the loss said once on
# stderr and counted, exit status 2 reading captures; live, the program
# keeps running, says when writing works again, and capture_stats counts
# the loss. Rotation under a steady stream of live events (logrotate's mv,
# then SIGHUP), without and with -Z: every connection's event is in
# exactly one of the two files, no line torn; with -Z and a directory the
# user may not create in, the failed reopen is said and events keep going
# to the old file; with the new file created for the user (logrotate's
# "create"), they go to the new one. Needs root, mount and network
# namespaces; skips loudly (exit 77) without.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
src=$(cd "$top_srcdir" && pwd)
bin="$(cd "$top_builddir" && pwd)/sshmortem"
py=/usr/bin/python3

skip() { echo "SKIP: output files test: $*" >&2; echo "SKIP: output files test: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "needs root"
# Everything below runs in a mount namespace of its own: the tmpfs
# disappears with it, whatever happens.
if [ -z "${SM_PRIVATE_MOUNTS:-}" ]; then
    SM_PRIVATE_MOUNTS=1 exec unshare -m --propagation private "$0" "$@" ||
        skip "cannot create a mount namespace"
fi
ns="sm-outf-$$"
ip netns add "$ns" 2>/dev/null || skip "cannot create network namespaces"
tmp=$(mktemp -d /tmp/sm-outf.XXXXXX)
chmod 755 "$tmp"
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
    umount "$tmp/full" 2>/dev/null
    ip netns del "$ns" 2>/dev/null
    rm -rf -- "$tmp"
}
trap cleanup EXIT
ip -n "$ns" link set lo up

fails=0
pass() { echo "PASS $*"; }
fail() { echo "FAIL $*"; fails=$((fails + 1)); }
valid() { # FILE: every line a whole event that validates
    $py "$src/tests/golden/validate.py" "$src/doc/schema/event.schema.json" "$1" >/dev/null
}
flow_ids() { # FILE...: the ssh_teardown flow ids, sorted
    cat "$@" 2>/dev/null | $py -c '
import json, sys
for l in sys.stdin:
    d = json.loads(l)
    if d["event_type"] == "ssh_teardown":
        print(d["flow_id"])' | sort -n
}
connect() { # N: refused connections to port 2222, 50 ms apart
    for _ in $(seq "$1"); do
        ip netns exec "$ns" bash -c 'echo >/dev/tcp/127.0.0.1/2222' 2>/dev/null
        sleep 0.05
    done
}
live() { # OUT ERR [ARGS]: sshmortem live on the namespace's loopback
    local out=$1 err=$2
    shift 2
    ip netns exec "$ns" "$bin" -i lo -p 2222 --linger 1 --hash-seed 1 --host t -o "$out" "$@" \
        2>"$err" &
    pids+=($!)
    LIVE_PID=$!
}

# 1. Reading captures into a full file system.
mkdir "$tmp/full"
mount -t tmpfs -o size=64k tmpfs "$tmp/full" || skip "cannot mount a tmpfs"
inputs=()
for f in "$src"/pcaps/lab/*.cli.pcap; do inputs+=(-r "$f"); done
"$bin" "${inputs[@]}" --stats --host t -o "$tmp/full/ev.ndjson" 2>"$tmp/err1"
rc=$?
[ "$rc" = 2 ] && pass "full fs: exit 2" || fail "full fs: exit $rc"
valid "$tmp/full/ev.ndjson" && pass "full fs: every line is a whole, valid event ($(wc -l <"$tmp/full/ev.ndjson"))" ||
    { fail "full fs: a torn line"; tail -c 300 "$tmp/full/ev.ndjson"; }
[ "$(grep -c 'cannot write events: No space left on device' "$tmp/err1")" = 1 ] &&
    pass "full fs: said once on stderr" || { fail "full fs: stderr"; cat "$tmp/err1"; }
want=$("$bin" "${inputs[@]}" --host t | wc -l)
got=$(wc -l <"$tmp/full/ev.ndjson")
lost=$(sed -n 's/.*: \([0-9]*\) of \([0-9]*\) events were not written.*/\1 \2/p' "$tmp/err1")
[ "$lost" = "$((want + 1 - got)) $((want + 1))" ] &&
    pass "full fs: the $((want + 1 - got)) lost of $((want + 1)) are counted" ||
    { fail "full fs: counted '$lost', want $((want + 1 - got)) $((want + 1))"; cat "$tmp/err1"; }

# 2. Live into a full file system: it keeps running, says when writing
# works again, and capture_stats (written after space was freed) counts.
rm -f "$tmp/full/ev.ndjson"
dd if=/dev/zero of="$tmp/full/filler" bs=1k count=60 2>/dev/null
live "$tmp/full/live.ndjson" "$tmp/err2" --stats
pid=$LIVE_PID
sleep 1
connect 40
sleep 2.5
grep -q 'cannot write events' "$tmp/err2" && pass "live full fs: the failure is said" ||
    { fail "live full fs: nothing said"; cat "$tmp/err2"; }
kill -0 "$pid" 2>/dev/null && pass "live full fs: still running" || fail "live full fs: it stopped"
rm -f "$tmp/full/filler"
connect 10
sleep 2.5
grep -q 'writing works again after [1-9][0-9]* events lost' "$tmp/err2" &&
    pass "live full fs: recovery is said" || { fail "live full fs: no recovery said"; cat "$tmp/err2"; }
kill -INT "$pid"
wait "$pid"
rc=$?
[ "$rc" = 2 ] && pass "live full fs: exit 2 (events were lost)" || fail "live full fs: exit $rc"
valid "$tmp/full/live.ndjson" && pass "live full fs: no torn line" ||
    { fail "live full fs: a torn line"; cat "$tmp/full/live.ndjson" | cut -c1-100; }
said=$(sed -n 's/.*writing works again after \([0-9]*\) events lost.*/\1/p' "$tmp/err2" | head -1)
$py - "$tmp/full/live.ndjson" "$said" <<'EOF' && pass "live full fs: capture_stats output.lost = $said" ||
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
o = [r for r in recs if r["event_type"] == "capture_stats"][0]["output"]
assert o["destination"] == "file", o
assert o["lost"] == o["lost_write_error"] == int(sys.argv[2]) > 0, o
assert o["written"] == len(recs) - 1, (o, len(recs))
EOF
    { fail "live full fs: capture_stats"; grep capture_stats "$tmp/full/live.ndjson"; }
umount "$tmp/full"

# 3. Rotation under a steady stream: mv, then SIGHUP, half way.
rotate() { # NAME DIR EXPECT [ARGS]: EXPECT is "split" or "old"
    local name=$1 dir=$2 expect=$3
    shift 3
    live "$dir/ev.ndjson" "$tmp/rot.err" "$@"
    local a=$LIVE_PID
    live "$tmp/ref.ndjson" "$tmp/ref.err"
    local b=$LIVE_PID
    sleep 1
    connect 40
    mv "$dir/ev.ndjson" "$dir/ev.ndjson.1"
    [ -n "${ROTATE_CREATE:-}" ] && install -m 640 -o nobody -g nogroup /dev/null "$dir/ev.ndjson"
    kill -HUP "$a"
    connect 40
    sleep 2.5
    kill -INT "$a" "$b"
    wait "$a" "$b"
    cat "$dir/ev.ndjson.1" "$dir/ev.ndjson" 2>/dev/null >"$tmp/both"
    valid "$tmp/both" && pass "$name: no torn line" || fail "$name: a torn line"
    if [ "$(flow_ids "$dir/ev.ndjson.1" "$dir/ev.ndjson")" = "$(flow_ids "$tmp/ref.ndjson")" ]; then
        pass "$name: all $(flow_ids "$tmp/ref.ndjson" | wc -l) connections, each in one file once"
    else
        fail "$name: the connections differ from the reference"
        diff <(flow_ids "$tmp/ref.ndjson") <(flow_ids "$dir/ev.ndjson.1" "$dir/ev.ndjson") | head
    fi
    local old new
    old=$(flow_ids "$dir/ev.ndjson.1" | wc -l)
    new=$(flow_ids "$dir/ev.ndjson" | wc -l)
    if [ "$expect" = split ]; then
        [ "$old" -gt 0 ] && [ "$new" -gt 0 ] && pass "$name: $old events before, $new after" ||
            fail "$name: $old before, $new after"
    else
        [ "$new" = 0 ] && [ "$old" -gt 0 ] && pass "$name: all $old events in the old file" ||
            fail "$name: $old in the old file, $new in the new"
        grep -q 'cannot reopen after SIGHUP: Permission denied; still writing to the file' \
            "$tmp/rot.err" && pass "$name: the failed reopen is said" ||
            { fail "$name: stderr"; cat "$tmp/rot.err"; }
    fi
    rm -f "$dir"/ev.ndjson* "$tmp/ref.ndjson"
}
mkdir -p "$tmp/logs"
rotate "rotation" "$tmp/logs" split
rotate "rotation -Z, root's directory" "$tmp/logs" old -Z nobody
ROTATE_CREATE=1 rotate "rotation -Z, logrotate's create" "$tmp/logs" split -Z nobody

echo "output files: $fails failed"
[ "$fails" = 0 ]
