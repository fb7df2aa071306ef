#!/bin/sh
# summary: the --report aggregates (--report-json: the numbers behind each
# chart of the HTML page) for lab captures must be exactly
# tests/golden/report/NAME.json, and agree with the NDJSON of the same run
# (verdict counts of capture_stats, one ssh_teardown per connection).
# SM_UPDATE_GOLDEN=1 rewrites the .json files. The page itself: report-html
# checks below, and tests/browser/report.sh in a real browser.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
src=$(cd "$top_srcdir" && pwd)
bld=$(cd "$top_builddir" && pwd)
out="$bld/tests/golden/out/report"
mkdir -p "$out"
fail=0

# NDJSON vs report: verdict counts and connections.
agree() { # NAME
    python3 - "$out/$1.ndjson" "$out/$1.json" <<'PY'
import json, sys
events = [json.loads(l) for l in open(sys.argv[1])]
rep = json.load(open(sys.argv[2]))
stats = [e for e in events if e["event_type"] == "capture_stats"][-1]
teardowns = sum(1 for e in events if e["event_type"] == "ssh_teardown")
bad = []
nonzero = {v: n for v, n in rep["verdict_counts"].items() if n}
if stats["verdicts"] != nonzero:
    bad.append("verdicts %s != %s" % (stats["verdicts"], nonzero))
if teardowns != rep["connections"]:
    bad.append("connections %d events != %d in the report" % (teardowns, rep["connections"]))
failed = sum(n for v, n in rep["verdict_counts"].items() if v not in ("normal-close", "unfinished"))
if failed != rep["failed"]:
    bad.append("failed %d != %d" % (failed, rep["failed"]))
for row in rep["timeline"]["rows"][:1]:
    if sum(sum(b.values()) for b in row["buckets"]) != rep["connections"]:
        bad.append("timeline does not add up to the connections")
# Every ssh_pattern event is one report of its kind.
for kind, n in rep["patterns"]["reports"].items():
    got = sum(1 for e in events if e["event_type"] == "ssh_pattern" and e["pattern"] == kind)
    if got != n:
        bad.append("%s: %d ssh_pattern events != %d reports" % (kind, got, n))
for e in bad:
    print(e)
sys.exit(1 if bad else 0)
PY
}

run() { # NAME ARGS... (want=N: the exit status expected, else 0)
    name=$1
    shift
    # shellcheck disable=SC2086
    (cd "$src" && ${SM_VALGRIND:-} "$bld/sshmortem" --host golden --hash-seed 1 --stats \
        -o "$out/$name.ndjson.tmp" --report-json "$out/$name.json" \
        --report "$out/$name.html" "$@") 2>"$out/$name.stderr"
    rc=$?
    if [ "$rc" != "${want:-0}" ]; then
        echo "FAIL $name: exit status $rc"; cat "$out/$name.stderr"; fail=1; return
    fi
    mv "$out/$name.ndjson.tmp" "$out/$name.ndjson"
    if ! agree "$name"; then
        echo "FAIL $name: the report disagrees with the NDJSON of the same run"; fail=1
    fi
    if [ "${SM_UPDATE_GOLDEN:-0}" = 1 ]; then
        cp "$out/$name.json" "$src/tests/golden/report/$name.json"; echo "updated $name.json"
    elif diff -u "$src/tests/golden/report/$name.json" "$out/$name.json"; then
        echo "PASS $name"
    else
        echo "FAIL $name: differs (SM_UPDATE_GOLDEN=1 to re-bless)"; fail=1
    fi
}

rm -f "$out"/*.ndjson "$out"/*.ndjson.tmp
# Every lab capture of the client's side at once: one timeline, many servers.
lab=$(cd "$src" && LC_ALL=C ls pcaps/lab/*.cli.pcap | sed 's/^/-r /')
# shellcheck disable=SC2086
run lab $lab
run idle-timeout -r pcaps/lab/idle-timeout.cli.pcap
run ban -r pcaps/lab/ban.cli.pcap
run maxstartups -r pcaps/lab/maxstartups.cli.pcap
run alg-cbc -r pcaps/ssh-alg-cbc.pcap
run kex-mismatch -r pcaps/ssh-kex-mismatch-full.pcap
run hostile-banner-html -r pcaps/hostile/banner-html.pcap
# A client guessing passwords (5 connections, 2 wrong passwords each).
run password-guessing -r pcaps/auth/password-guessing.pcap --guess-failures 8
# An input that cannot be read (status 2) still leaves a page, with nothing.
want=2 run empty -r pcaps/hostile/empty.pcap

# The page: whole, and every string from the wire escaped (the hostile
# banners hold markup: none of it may come through as markup).
html=$out/hostile-banner-html.html
if grep -q '<script\|<img\|<b onmouseover\|<b>srv\|<i>users\|onmouseover="' "$html"; then
    echo "FAIL html escaping: markup from the wire in $html"; fail=1
elif grep -q '&lt;script&gt;alert(&quot;client&quot;)&lt;/script&gt;&amp;x' "$html" &&
    grep -q '&lt;/title&gt;&lt;b&gt;srv&lt;/b&gt;&#39;&amp;amp;' "$html" &&
    grep -q 'onmouseover=&quot;x()&quot;' "$html"; then
    echo "PASS html escaping"
else
    echo "FAIL html escaping: the hostile strings are not shown escaped"; fail=1
fi
for name in lab idle-timeout empty; do
    f=$out/$name.html
    if head -c 15 "$f" | grep -q '^<!DOCTYPE html>' && tail -c 8 "$f" | grep -q '</html>' &&
        ! grep -qi '<script\|<link\|@import\|url(http\|src=.http' "$f"; then
        echo "PASS html $name: one whole self-contained page"
    else
        echo "FAIL html $name: not one whole self-contained page"; fail=1
    fi
done

exit $fail
