#!/usr/bin/env bash
# summary: sshmortem under a SYN flood: peak RSS, wall time and output lines.
# Usage: bench/flood.sh [-s SSHMORTEM] [-N FLOOD_SYNS] [-n CONNECTIONS] [-V 4|6]
#                       [-M MAX_FLOWS] [-k] [FILE]
# Without FILE, generates (into $BENCH_DIR, default /tmp/sshmortem-bench) a capture
# of CONNECTIONS (default 10000) ordinary connections over 600 s with a flood of
# FLOOD_SYNS (default 1000000) bare SYNs from as many spoofed sources to one
# server, sent between 120 s and 180 s; the capture ends at 900 s, so every
# half-open connection has passed its 75 s handshake timeout. Runs sshmortem
# (with --stats) three ways: default options, --fold-floods, and
# --max-flows MAX_FLOWS (default 100000). -k keeps the capture and the outputs.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
sshmortem=${SSHMORTEM:-$root/sshmortem}
nflood=1000000
conns=10000
ipv=4
maxflows=100000
keep=0
bench_dir=${BENCH_DIR:-/tmp/sshmortem-bench}
limit_kb=$((1024 * 1024)) # the issue's target: under 1 GB

usage() {
    sed -n '2,11s/^# \{0,1\}//p' "$0" >&2
    exit 1
}
while getopts "s:N:n:V:M:kh" opt; do
    case $opt in
    s) sshmortem=$OPTARG ;;
    N) nflood=$OPTARG ;;
    n) conns=$OPTARG ;;
    V) ipv=$OPTARG ;;
    M) maxflows=$OPTARG ;;
    k) keep=1 ;;
    *) usage ;;
    esac
done
shift $((OPTIND - 1))
[ $# -le 1 ] || usage
[ -x "$sshmortem" ] || { echo "flood.sh: no sshmortem at $sshmortem" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "flood.sh: /usr/bin/time not found (apt-get install time)" >&2; exit 2; }

mkdir -p "$bench_dir"
work=$(mktemp -d "$bench_dir/flood.XXXXXX")
[ "$keep" = 1 ] || trap 'rm -rf "$work"' EXIT

if [ $# -eq 1 ]; then
    file=$1
else
    gen_bin=${GEN_CAPTURE:-$here/gen_capture}
[ -n "${GEN_CAPTURE:-}" ] || make -s -C "$here" gen_capture >&2
    file=$bench_dir/flood-F$nflood-V$ipv-n$conns.pcap
    gen=("$gen_bin" -n "$conns" -d 600 -s 1 -F "$nflood" -A 120 -W 60 -V "$ipv")
    if [ ! -s "$file" ] || [ "$gen_bin" -nt "$file" ]; then
        echo "flood.sh: ${gen[*]} -o $file" >&2
        "${gen[@]}" -o "$file.tmp"
        mv "$file.tmp" "$file"
    fi
    [ "$keep" = 1 ] || trap 'rm -rf "$work" "$file"' EXIT
fi
bytes=$(stat -c %s "$file")
pkts=$(capinfos -M -c "$file" | awk -F': *' '/Number of packets/ {print $2}')
cat "$file" >/dev/null

echo "capture: $file"
awk -v p="$pkts" -v b="$bytes" 'BEGIN {printf "         %d packets, %.1f MB\n", p, b / 1e6}'
echo "sshmortem: $sshmortem ($(cd "$root" && git log --oneline -1 2>/dev/null || echo '?'))"
echo

# run NAME ARGS...: one measured run, output to $work/NAME.ndjson
run() {
    local name=$1
    shift
    local out=$work/$name.ndjson
    rm -f "$out"
    if ! /usr/bin/time -f "%e %U %S %M" -o "$work/$name.rss" "$sshmortem" --stats "$@" -r "$file" -o "$out" \
        2>"$work/$name.err"; then
        echo "flood.sh: $name failed:" >&2
        tail -5 "$work/$name.err" >&2
        return 1
    fi
    local kb s cpu lines mb
    read -r s cpu kb < <(awk '{print $1, $2 + $3, $4}' "$work/$name.rss" | tail -1)
    lines=$(wc -l <"$out")
    mb=$(awk -v b="$(stat -c %s "$out")" 'BEGIN {printf "%.1f", b / 1e6}')
    echo "== $name: sshmortem --stats $* -r FILE -o OUT"
    awk -v kb="$kb" -v s="$s" -v cpu="$cpu" -v l="$limit_kb" -v p="$pkts" 'BEGIN {
        printf "wall %.2f s, CPU %.2f s (%.0f ns/packet), peak RSS %.1f MB: %s 1 GB\n", s, cpu,
            cpu * 1e9 / p, kb / 1024, kb < l ? "under" : "OVER" }'
    echo "$lines lines, $mb MB:"
    # one pass: event_type, syn-flood patterns, teardown verdicts and ends, evictions
    awk -v name="$name" -v s="$s" -v cpu="$cpu" -v kb="$kb" -v lines="$lines" '
    function field(re,   v) { if (match($0, re)) { v = substr($0, RSTART, RLENGTH); sub(/^"[a-z_]*":"?/, "", v); sub(/"$/, "", v); return v } return "" }
    {
        et = field("\"event_type\":\"[a-z_]*\""); n[et]++
        if (et == "ssh_teardown") {
            v["verdict " field("\"verdict\":\"[a-z-]*\"")]++
            v["end " field("\"end\":\"[a-z-]*\"")]++
            if (index($0, "\"evicted\":true")) ev++
        } else if (et == "ssh_pattern") {
            pat = field("\"pattern\":\"[a-z-]*\""); v["pattern " pat]++
            if (pat == "syn-flood")
                fl = fl sprintf("\n  syn-flood at %s: connections %s, sources %s", field("\"timestamp\":\"[^\"]*\""),
                                field("\"connections\":[0-9]*"), field("\"sources\":[0-9]*"))
        } else if (et == "capture_stats") {
            st = field("\"flows\":\\{[^}]*\\}")
        }
    }
    END {
        for (k in n) printf "  %8d %s\n", n[k], k | "sort -k2"
        close("sort -k2")
        for (k in v) printf "  %8d   %s\n", v[k], k | "sort -k2"
        close("sort -k2")
        printf "  %8d   evidence.evicted true\n", ev
        printf "syn-flood events:%s\n", fl == "" ? " none" : fl
        printf "capture_stats flows: %s\n", st
        printf "RESULT name=%s wall_s=%s cpu_s=%s rss_kb=%s lines=%s teardown=%d pattern=%d evicted=%d\n",
            name, s, cpu, kb, lines, n["ssh_teardown"], n["ssh_pattern"], ev
    }' "$out"
    echo
    [ "$keep" = 1 ] || rm -f "$out"
}

run default
run fold --fold-floods
run maxflows --max-flows "$maxflows"
