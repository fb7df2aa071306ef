#!/usr/bin/env bash
# summary: make lab scenarios several times with varied timing and report
# how often each gives the same verdicts (issue 22, timing variation).
#
# Usage (root, network namespaces):
#   tests/lab/stability.sh [-n RUNS] [--jitter MS] [--keep] SCENARIO...
#
# Each scenario is made RUNS times (default 3), each run in its own
# namespaces, with the same retry-on-design-flake rule as make-lab.sh.
# Run 1 starts every client at once; runs 2.. start each client after a
# random pause of 0..MS ms (LAB_JITTER_MS, default 300), which moves it
# against the server's timers and the other clients. Each run's captures
# are scored with the truth of that run (score.py --rows), and the report
# gives per scenario: runs fully right, and per row (connection, vantage)
# the verdicts sshmortem gave across runs; "stable" when every run gave the
# same verdict for every row. Exit 77 without root.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
top="$(cd "$here/../.." && pwd)"
: "${top_builddir:=$top}"
: "${LAB_TRIES:=3}"
runs=3 jitter=300 keep=0 scen=()
while [ $# -gt 0 ]; do
    case $1 in
        -n) runs=$2; shift ;;
        --jitter) jitter=$2; shift ;;
        --keep) keep=1 ;;
        -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
        -*) echo "stability: unknown option $1" >&2; exit 2 ;;
        *) scen+=("$1") ;;
    esac
    shift
done
[ "$(id -u)" -eq 0 ] || { echo "SKIP: stability: needs root" >&2; exit 77; }
[ ${#scen[@]} -gt 0 ] || { echo "usage: stability.sh [-n RUNS] [--jitter MS] SCENARIO..." >&2; exit 2; }
out="$(mktemp -d /tmp/sm-stab.XXXXXX)"
chmod 755 "$out"
[ "$keep" = 1 ] || trap 'rm -rf -- "$out"' EXIT
for s in "${scen[@]}"; do
    for r in $(seq "$runs"); do
        d="$out/run$r"
        mkdir -p "$d"
        j=0
        [ "$r" -gt 1 ] && j=$jitter
        ok=0
        for try in $(seq "$LAB_TRIES"); do
            echo "== $s run $r (jitter ${j} ms, try $try)" >&2
            if LAB_JITTER_MS=$j "$here/lab.sh" corpus "$s" "$d/$s" >"$d/$s.log" 2>&1 &&
                /usr/bin/python3 "$here/truth.py" rows "$d" "$s" >"$d/$s.truth" 2>>"$d/$s.log"; then
                ok=1; break
            fi
            tail -n 2 "$d/$s.log" | sed 's/^/   | /' >&2
        done
        [ "$ok" = 1 ] || { echo "   $s run $r: could not be made as designed" >&2; rm -f "$d/$s".*; }
    done
done
for r in $(seq "$runs"); do
    d="$out/run$r"
    { /usr/bin/python3 "$here/truth.py" header; cat "$d"/*.truth 2>/dev/null; } >"$d/truth.tsv"
    /usr/bin/python3 "$here/score.py" --truth "$d/truth.tsv" \
        --sshmortem "${SSHMORTEM:-$top_builddir/sshmortem}" --rows "$d/rows.tsv" >"$d/score.out" 2>&1
done
/usr/bin/python3 - "$out" "$runs" "$jitter" "${scen[@]}" <<'PY'
import collections, os, sys
out, runs, jitter, scen = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
rows = collections.defaultdict(dict)   # scenario -> (conn, vantage) -> [run verdicts]
full = collections.Counter()
made = collections.Counter()
for r in range(1, runs + 1):
    f = os.path.join(out, "run%d" % r, "rows.tsv")
    per = collections.defaultdict(list)
    if os.path.exists(f):
        for line in open(f):
            s, fn, conn, van, exp, got, ok = line.rstrip("\n").split("\t")
            per[s].append(ok == "ok")
            rows[s].setdefault((conn, van), []).append("%s%s" % (got, "" if ok == "ok" else "!"))
    for s in per:
        made[s] += 1
        full[s] += all(per[s])
print("stability: %d runs per scenario (run 1 no jitter, runs 2-%d jitter 0-%s ms);"
      " '!' marks a verdict the truth does not accept" % (runs, runs, jitter))
print("%-26s %5s %6s %7s  %s" % ("scenario", "made", "right", "stable", "rows whose verdict changed"))
for s in scen:
    changed = []
    for (conn, van), vs in sorted(rows[s].items()):
        c = collections.Counter(vs)
        if len(c) > 1:
            changed.append("%s/%s %s" % (conn, van, " ".join("%s x%d" % kv for kv in c.most_common())))
    print("%-26s %2d/%-2d %3d/%-2d %7s  %s" % (s, made[s], runs, full[s], made[s],
                                          "yes" if not changed else "NO", "; ".join(changed)))
PY
[ "$keep" = 1 ] && echo "== kept $out" >&2
exit 0
