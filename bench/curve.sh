#!/usr/bin/env bash
# summary: sshmortem's cost per packet and peak RSS against the number of open flows.
# Usage: bench/curve.sh [-s SSHMORTEM] [-K "1000 100000 1000000"] [-p PACKETS]
#                       [-x "1 2 4"] [-f] [-r RUNS] [-k]
# For each K, generates captures holding about K SSH sessions open at once
# (gen_capture -n 0 -K K: they arrive in the first 60 s and stay open to the
# end, one keystroke exchange of 3 small packets every P seconds, P chosen so
# the 1x capture (600 s) has about PACKETS packets, default 6000000), and the
# same with the capture 2x and 4x as long (-x). Sessions are picked up
# mid-stream (-m: established before the capture, only small encrypted
# packets, so 1M sessions fit in a few GB); -f gives each one its handshake and
# full SSH setup instead (about 7 KB a session: only for K up to ~100k).
# Measures, on each file: tcpdump with run.sh's filter (the floor) and
# `sshmortem -F summary` (no per-event output), least CPU time of RUNS (default 1);
# on the 1x file also `sshmortem --stats -o FILE` (JSON). Prints ns/packet,
# peak RSS and, for the longer captures, the marginal ns/packet of the extra
# packets against the length before (the steady state: no flow creation),
# sshmortem's and tcpdump's. Files are deleted after use
# unless -k.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
sshmortem=${SSHMORTEM:-$root/sshmortem}
ks="1000 100000 1000000"
target=6000000
mults="1 2 4"
full=0
runs=1
keep=0
bench_dir=${BENCH_DIR:-/tmp/sshmortem-bench}
base_s=600
ramp_s=60

usage() {
    sed -n '2,19s/^# \{0,1\}//p' "$0" >&2
    exit 1
}
while getopts "s:K:p:x:fr:kh" opt; do
    case $opt in
    s) sshmortem=$OPTARG ;;
    K) ks=$OPTARG ;;
    p) target=$OPTARG ;;
    x) mults=$OPTARG ;;
    f) full=1 ;;
    r) runs=$OPTARG ;;
    k) keep=1 ;;
    *) usage ;;
    esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || usage
[ -x "$sshmortem" ] || { echo "curve.sh: no sshmortem at $sshmortem" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "curve.sh: /usr/bin/time not found (apt-get install time)" >&2; exit 2; }
gen_bin=${GEN_CAPTURE:-$here/gen_capture}
[ -n "${GEN_CAPTURE:-}" ] || make -s -C "$here" gen_capture >&2
mkdir -p "$bench_dir"
work=$(mktemp -d "$bench_dir/curve.XXXXXX")
trap 'rm -rf "$work"' EXIT

# What sshmortem's filter passes for a file without -p (-p auto since
# issue 21): all TCP, the ICMP errors, the same behind a VLAN tag.
floor_filter='tcp or icmp or icmp6 or (vlan and (tcp or icmp or icmp6))'

# measure RUNS CMD...: least CPU seconds (user + system; robust on a shared
# machine, unlike wall time), its wall seconds, and the largest peak RSS (kB)
# -> best_s, wall_s, peak_kb
measure() {
    local n=$1 i s w kb
    shift
    best_s="" wall_s="" peak_kb=0
    for ((i = 0; i < n; i++)); do
        if ! /usr/bin/time -f "%e %U %S %M" -o "$work/rss" "$@" >"$work/out" 2>"$work/err"; then
            echo "curve.sh: failed: $*" >&2
            tail -5 "$work/err" >&2
            return 1
        fi
        read -r w s kb < <(awk '{printf "%s %.2f %s\n", $1, $2 + $3, $4}' "$work/rss" | tail -1)
        [ "$kb" -gt "$peak_kb" ] && peak_kb=$kb
        if [ -z "$best_s" ] || awk -v a="$s" -v b="$best_s" 'BEGIN {exit !(a < b)}'; then
            best_s=$s wall_s=$w
        fi
    done
}

mode=$([ "$full" = 1 ] && echo full || echo mid)
echo "sshmortem: $sshmortem ($(cd "$root" && git log --oneline -1 2>/dev/null || echo '?'))"
echo "host: $(nproc) CPUs, $(uname -sr), $(tcpdump --version 2>&1 | head -1); best of $runs; sessions: $mode"
echo
echo "times are CPU seconds (user + system); ns/pkt = CPU time / packets"
printf "%-8s %-3s %10s %8s %8s | %8s %8s | %9s %8s %9s | %9s %8s %9s %9s\n" \
    K len packets MB period tcpd_s ns/pkt summ_s ns/pkt RSS_MB json_s ns/pkt RSS_MB max_act
results=()
for k in $ks; do
    # exchanges per session in the 1x capture, then the period that gives them
    ex=$(awk -v t="$target" -v k="$k" 'BEGIN {e = t / (3 * k) - 1; if (e < 1) e = 1; print e}')
    period=$(awk -v e="$ex" -v b="$base_s" 'BEGIN {printf "%.3f", b / e}')
    prev_m="" prev_s="" prev_td="" prev_pkts=""
    for m in $mults; do
        len=$((base_s * m))
        file=$bench_dir/curve-K$k-$mode-x$m.pcap
        gen=("$gen_bin" -q -n 0 -s 1 -K "$k" -P "$period" -R "$ramp_s" -L "$len")
        [ "$full" = 1 ] || gen+=(-m)
        if [ ! -s "$file" ] || [ "$gen_bin" -nt "$file" ]; then
            echo "curve.sh: ${gen[*]} -o $file" >&2
            "${gen[@]}" -o "$file.tmp"
            mv "$file.tmp" "$file"
        fi
        bytes=$(stat -c %s "$file")
        pkts=$(capinfos -M -c "$file" | awk -F': *' '/Number of packets/ {print $2}')
        cat "$file" >/dev/null

        measure "$runs" tcpdump -r "$file" -w /dev/null "$floor_filter"
        td_s=$best_s
        measure "$runs" "$sshmortem" -F summary -r "$file"
        sm_s=$best_s sm_kb=$peak_kb sm_wall=$wall_s
        js_s="-" js_kb=0 maxact="-" js_wall="-"
        if [ "$m" = 1 ]; then
            rm -f "$work/x.ndjson"
            measure 1 "$sshmortem" --stats -r "$file" -o "$work/x.ndjson"
            js_s=$best_s js_kb=$peak_kb js_wall=$wall_s
            maxact=$(grep '"event_type":"capture_stats"' "$work/x.ndjson" | grep -o '"max_active":[0-9]*' | cut -d: -f2)
            ev=$(grep -o '"evicted":[0-9]*' <(grep '"event_type":"capture_stats"' "$work/x.ndjson") | cut -d: -f2)
            echo "curve.sh: K=$k JSON: $(wc -l <"$work/x.ndjson") lines, $(($(stat -c %s "$work/x.ndjson") / 1000000)) MB, evicted $ev;" \
                "verdicts $(grep '"event_type":"capture_stats"' "$work/x.ndjson" | grep -o '"verdicts":{[^}]*}')" >&2
            rm -f "$work/x.ndjson"
        fi
        awk -v k="$k" -v m="$m" -v p="$pkts" -v b="$bytes" -v per="$period" -v td="$td_s" -v sm="$sm_s" \
            -v kb="$sm_kb" -v js="$js_s" -v jkb="$js_kb" -v ma="$maxact" 'BEGIN {
            printf "%-8s %-3s %10d %8.0f %8s | %8.2f %8.0f | %9.2f %8.0f %9.1f | %9s %8s %9s %9s\n",
                k, m "x", p, b / 1e6, per, td, td * 1e9 / p, sm, sm * 1e9 / p, kb / 1024,
                js, (js == "-" ? "-" : sprintf("%.0f", js * 1e9 / p)), (js == "-" ? "-" : sprintf("%.1f", jkb / 1024)), ma }'
        results+=("RESULT K=$k len=${m}x packets=$pkts bytes=$bytes period_s=$period tcpdump_cpu_s=$td_s summary_cpu_s=$sm_s summary_wall_s=$sm_wall summary_rss_kb=$sm_kb json_cpu_s=$js_s json_wall_s=${js_wall:--} json_rss_kb=$js_kb max_active=$maxact")
        # Against the length before (2x against 1x, 4x against 2x): both
        # files create and end the same K sessions, so the difference is
        # packets of open sessions only, and a noisy first-touch of the
        # table's memory in one run does not leak into the next figure.
        if [ -n "$prev_m" ]; then
            results+=("$(awk -v k="$k" -v m="$m" -v pm="$prev_m" -v s="$sm_s" -v s1="$prev_s" -v t="$td_s" -v t1="$prev_td" \
                -v p="$pkts" -v p1="$prev_pkts" 'BEGIN {
                printf "MARGINAL K=%s len=%sx against=%sx extra_packets=%d ns_per_extra_packet=%.0f tcpdump_ns_per_extra_packet=%.0f",
                    k, m, pm, p - p1, (s - s1) * 1e9 / (p - p1), (t - t1) * 1e9 / (p - p1) }')")
        fi
        prev_m=$m prev_s=$sm_s prev_td=$td_s prev_pkts=$pkts
        [ "$keep" = 1 ] || rm -f "$file"
    done
done
echo
printf '%s\n' "${results[@]}"
