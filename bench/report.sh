#!/usr/bin/env bash
# summary: what --report costs: the same binary with and without
# `--report FILE.html --report-json FILE` on a generated capture, paired
# (bench/pair.sh) for wall time, and CPU (user+sys, least of 3) with
# /usr/bin/time. Usage: bench/report.sh [-n CONNECTIONS] [-r PAIRS] [SSHMORTEM]
# The capture (gen_capture -n N -s 1 -b 10, the benchmark's mix) is kept
# in $BENCH_DIR (default /tmp/sshmortem-bench) and reused.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
conns=100000 pairs=8
while getopts "n:r:h" opt; do
    case $opt in
    n) conns=$OPTARG ;;
    r) pairs=$OPTARG ;;
    *) sed -n '2,5s/^# \{0,1\}//p' "$0" >&2; exit 1 ;;
    esac
done
shift $((OPTIND - 1))
sm=$(cd "$(dirname "${1:-$here/../sshmortem}")" && pwd)/$(basename "${1:-sshmortem}")
dir=${BENCH_DIR:-/tmp/sshmortem-bench}
mkdir -p "$dir"
make -s -C "$here" gen_capture >&2
file=$dir/report-n$conns-s1-b10.pcap
if [ ! -s "$file" ] || [ "$here/gen_capture" -nt "$file" ]; then
    "$here/gen_capture" -q -n "$conns" -s 1 -b 10 -o "$file.tmp"
    mv "$file.tmp" "$file"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# B: the same binary, writing the page and its JSON too.
printf '#!/bin/sh\nexec %s --report %s/r.html --report-json %s/r.json "$@"\n' \
    "$sm" "$work" "$work" >"$work/with-report"
chmod +x "$work/with-report"
echo "capture: $file ($(du -h "$file" | cut -f1)), $conns connections"
bash "$here/pair.sh" -n "$pairs" "$file" "$sm" "$work/with-report"
for w in "" "--report $work/r.html --report-json $work/r.json"; do
    best=""
    for _ in 1 2 3; do
        # shellcheck disable=SC2086
        t=$(/usr/bin/time -f "%U %S %M" "$sm" -r "$file" -o /dev/null $w 2>&1 >/dev/null | tail -1)
        cpu=$(echo "$t" | awk '{printf "%.2f", $1 + $2}')
        if [ -z "$best" ] || awk -v a="$cpu" -v b="${best%% *}" 'BEGIN{exit !(a < b)}'; then
            best="$cpu s, peak RSS $(echo "$t" | awk '{print $3}') KB"
        fi
    done
    echo "CPU ${w:+with --report }${w:-without --report}: least of 3 $best" | sed "s|$work/||g"
done
echo "page: $(wc -c <"$work/r.html") bytes, JSON: $(wc -c <"$work/r.json") bytes"
