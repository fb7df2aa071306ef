#!/usr/bin/env bash
# summary: benchmark sshmortem against tcpdump (the floor) and tshark on one capture.
# Usage: bench/run.sh [-s SSHMORTEM] [-n CONNECTIONS] [-b BACKGROUND_PCT] [-S SEED]
#                     [-p TSHARK_PACKETS] [-r RUNS] [FILE]
# Without FILE, a capture of CONNECTIONS (default 100000) connections is generated
# with bench/gen_capture into $BENCH_DIR (default /tmp/sshmortem-bench) and reused.
# Environment: SSHMORTEM (binary, default ./sshmortem at the repo root),
# SSHMORTEM_ARGS (extra arguments), BENCH_DIR.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)

sshmortem=${SSHMORTEM:-$root/sshmortem}
conns=100000
bg=10
seed=1
tshark_pkts=200000
runs=3
bench_dir=${BENCH_DIR:-/tmp/sshmortem-bench}

usage() {
    sed -n '2,8s/^# \{0,1\}//p' "$0" >&2
    exit 1
}

while getopts "s:n:b:S:p:r:h" opt; do
    case $opt in
    s) sshmortem=$OPTARG ;;
    n) conns=$OPTARG ;;
    b) bg=$OPTARG ;;
    S) seed=$OPTARG ;;
    p) tshark_pkts=$OPTARG ;;
    r) runs=$OPTARG ;;
    *) usage ;;
    esac
done
shift $((OPTIND - 1))
[ $# -le 1 ] || usage

for tool in tcpdump tshark editcap capinfos; do
    command -v "$tool" >/dev/null || { echo "run.sh: $tool not found (scripts/setup.sh --deps-only)" >&2; exit 2; }
done
[ -x /usr/bin/time ] || { echo "run.sh: /usr/bin/time not found (apt-get install time)" >&2; exit 2; }

mkdir -p "$bench_dir"
work=$(mktemp -d "$bench_dir/run.XXXXXX")
trap 'rm -rf "$work"' EXIT

# ------------------------------------------------------------------ the capture
if [ $# -eq 1 ]; then
    file=$1
    [ -r "$file" ] || { echo "run.sh: cannot read $file" >&2; exit 2; }
else
    make -s -C "$here" gen_capture >&2
    file=$bench_dir/gen-n$conns-s$seed-b$bg.pcap
    if [ ! -s "$file" ] || [ "$here/gen_capture" -nt "$file" ]; then
        echo "run.sh: generating $file ($conns connections, seed $seed, $bg% background)" >&2
        "$here/gen_capture" -n "$conns" -s "$seed" -b "$bg" -o "$file.tmp" -t "${file%.pcap}.truth.tsv"
        mv "$file.tmp" "$file"
    fi
fi

bytes=$(stat -c %s "$file")
pkts=$(capinfos -M -c "$file" | awk -F': *' '/Number of packets/ {print $2}')
if [ -z "$pkts" ] || [ "$pkts" -eq 0 ]; then
    echo "run.sh: no packets in $file" >&2
    exit 2
fi
# read it once so every tool starts from the page cache
cat "$file" >/dev/null

# ------------------------------------------------------------------ timing
# CPU time the hypervisor gave to others while we wanted it (jiffies, all
# CPUs): on a shared VM a run with seconds of steal measures the neighbours.
steal_jiffies() { awk '/^cpu / {print $9 + 0}' /proc/stat; }

# measure NAME RUNS CMD...: best wall time (s) and the largest peak RSS (kB)
# over RUNS runs; sets best_s, best_cpu, best_steal (s of steal during the
# best run), peak_kb, and fails if the command does.
measure() {
    local name=$1 n=$2
    shift 2
    best_s=""
    best_cpu=""
    peak_kb=0
    local i t0 t1 s kb cpu st0 st1
    best_steal=""
    for ((i = 0; i < n; i++)); do
        rm -f "$work/x.ndjson" # sshmortem appends to an existing output file
        st0=$(steal_jiffies)
        t0=$(date +%s%N)
        if ! /usr/bin/time -f "%M %U %S" -o "$work/rss" "$@" >"$work/$name.out" 2>"$work/$name.err"; then
            echo "run.sh: $name failed:" >&2
            tail -5 "$work/$name.err" >&2
            return 1
        fi
        t1=$(date +%s%N)
        st1=$(steal_jiffies)
        s=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", (b - a) / 1e9}')
        kb=$(tail -1 "$work/rss" | awk '{print $1}')
        cpu=$(tail -1 "$work/rss" | awk '{printf "%.2f", $2 + $3}')
        [ "$kb" -gt "$peak_kb" ] && peak_kb=$kb
        if [ -z "$best_s" ] || awk -v a="$s" -v b="$best_s" 'BEGIN {exit !(a < b)}'; then
            best_s=$s
            best_cpu=$cpu # user + system of the run with the best wall time
            best_steal=$(awk -v a="$st0" -v b="$st1" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.2f", (b - a) / hz}')
        fi
    done
}

rows=()
row() { # name packets bytes seconds rss_kb cpu_s note [steal_s]
    rows+=("$(awk -v n="$1" -v p="$2" -v b="$3" -v s="$4" -v kb="$5" -v cpu="$6" -v note="$7" -v st="${8:-$best_steal}" 'BEGIN {
        printf "%s\t%d\t%.3f\t%s\t%s\t%.0f\t%.1f\t%.1f\t%s", n, p, s, cpu, st, p / s, b / 1e6 / s, kb / 1024, note }')")
}

# What sshmortem's filter must pass: for a file without -p (or with auto in
# it) all TCP, since SSH is then found by content on any port; with a -p
# list in SSHMORTEM_ARGS, TCP on those ports. libpcap's `vlan` shifts the
# offsets of everything after it, so the tagged alternative comes last and
# repeats all.
sm_ports=$(printf ' %s ' "${SSHMORTEM_ARGS:-}" | sed -n 's/.* -p \([^ ]*\) .*/\1/p')
case ",$sm_ports," in
,, | *,auto,*) floor_tcp='tcp' ;;
*) floor_tcp="tcp and ($(printf '%s' "$sm_ports" | sed 's/^/port /; s/,/ or port /g'))" ;;
esac
floor_filter="($floor_tcp) or icmp or icmp6 or (vlan and (($floor_tcp) or icmp or icmp6))"

echo "run.sh: tcpdump floor, best of $runs" >&2
measure tcpdump "$runs" tcpdump -r "$file" -w /dev/null "$floor_filter"
td_s=$best_s td_kb=$peak_kb td_cpu=$best_cpu td_steal=$best_steal
row tcpdump "$pkts" "$bytes" "$td_s" "$td_kb" "$td_cpu" "read + BPF filter ($floor_tcp), no output"

have_sm=0
sm_events="-"
if [ -x "$sshmortem" ]; then
    echo "run.sh: sshmortem ($sshmortem), best of $runs" >&2
    # shellcheck disable=SC2086 # SSHMORTEM_ARGS is a list of words
    measure sshmortem "$runs" "$sshmortem" ${SSHMORTEM_ARGS:-} -r "$file" -o "$work/x.ndjson"
    sm_s=$best_s sm_kb=$peak_kb sm_cpu=$best_cpu sm_steal=$best_steal
    [ -f "$work/x.ndjson" ] && sm_events=$(wc -l <"$work/x.ndjson")
    row sshmortem "$pkts" "$bytes" "$sm_s" "$sm_kb" "$sm_cpu" "$sm_events events"
    # The same without the file: what taking the NDJSON costs the kernel.
    # shellcheck disable=SC2086
    measure sshmortem-null "$runs" "$sshmortem" ${SSHMORTEM_ARGS:-} -r "$file" -o /dev/null
    sm_null_s=$best_s
    row "sshmortem>null" "$pkts" "$bytes" "$best_s" "$peak_kb" "$best_cpu" "-o /dev/null"
    have_sm=1
else
    echo "run.sh: no sshmortem binary at $sshmortem (build it, or use -s PATH / SSHMORTEM=)" >&2
fi

# tshark is far slower: one run on a prefix, its per-packet rate scaled to the file
n_prefix=$((tshark_pkts < pkts ? tshark_pkts : pkts))
editcap -r "$file" "$work/prefix.pcap" "1-$n_prefix"
prefix_bytes=$(stat -c %s "$work/prefix.pcap")
cat "$work/prefix.pcap" >/dev/null
echo "run.sh: tshark on the first $n_prefix packets" >&2
measure tshark 1 tshark -r "$work/prefix.pcap" -q -z conv,tcp
ts_prefix_s=$best_s ts_kb=$peak_kb ts_cpu=$best_cpu
ts_s_pkts=$(awk -v s="$ts_prefix_s" -v n="$n_prefix" -v p="$pkts" 'BEGIN {printf "%.3f", s * p / n}')
rows+=("$(awk -v n="$n_prefix" -v pb="$prefix_bytes" -v s="$ts_prefix_s" -v sp="$ts_s_pkts" -v kb="$ts_kb" -v cpu="$ts_cpu" 'BEGIN {
    printf "tshark\t%d\t%.3f\t%s\t-\t%.0f\t%.1f\t%.1f\tprefix; %.1f s scaled to the file", n, s, cpu, n / s, pb / 1e6 / s, kb / 1024, sp }')")

# ------------------------------------------------------------------ report
echo
echo "capture: $file"
awk -v p="$pkts" -v b="$bytes" 'BEGIN {printf "         %d packets, %.1f MB, %.0f bytes/packet\n", p, b / 1e6, b / p}'
echo "host:    $(nproc) CPUs, $(uname -sr), $(tcpdump --version 2>&1 | head -1), $(tshark --version 2>/dev/null | head -1 | sed 's/ (Git.*//')"
echo
{
    printf "tool\tpackets\twall_s\tcpu_s\tsteal_s\tpkts/s\tMB/s\tpeak_RSS_MB\tnote\n"
    printf '%s\n' "${rows[@]}"
} | column -t -s $'\t'
echo
if [ "$have_sm" = 1 ]; then
    awk -v sm="$sm_s" -v td="$td_s" -v ts="$ts_s_pkts" -v smkb="$sm_kb" -v tdkb="$td_kb" -v smc="$sm_cpu" -v tdc="$td_cpu" -v smn="$sm_null_s" 'BEGIN {
        printf "sshmortem/tcpdump time: %.2fx   (1.0 = as fast as reading and filtering the file)\n", sm / td
        printf "sshmortem/tcpdump rate: %.2f    (the issue-6 target is at least 0.8)\n", td / sm
        printf "sshmortem/tcpdump CPU:  %.2fx   (user + system; sshmortem reads, analyses, describes and writes on 4 threads)\n", smc / tdc
        printf "sshmortem -o /dev/null / tcpdump time: %.2fx\n", smn / td
        printf "sshmortem/tshark  time: %.3fx  (tshark %.1fx slower per packet)\n", sm / ts, ts / sm
        printf "sshmortem/tcpdump peak RSS: %.2fx\n", smkb / tdkb
    }'
    awk -v a="$td_steal" -v b="$sm_steal" -v ta="$td_s" -v tb="$sm_s" 'BEGIN {
        if (a > 0.05 * ta || b > 0.05 * tb)
            printf "WARNING: the hypervisor took %.2f s (tcpdump) and %.2f s (sshmortem) of CPU time during the best runs: the figures measure the neighbours too; run again when steal_s is near 0\n", a, b }'
    echo "RESULT packets=$pkts bytes=$bytes tcpdump_s=$td_s sshmortem_s=$sm_s tshark_scaled_s=$ts_s_pkts" \
        "sshmortem_rss_kb=$sm_kb tcpdump_rss_kb=$td_kb events=$sm_events tcpdump_cpu_s=$td_cpu sshmortem_cpu_s=$sm_cpu sshmortem_null_s=$sm_null_s tcpdump_steal_s=$td_steal sshmortem_steal_s=$sm_steal"
    exit 0
fi
echo "sshmortem not measured: no binary at $sshmortem"
exit 2
