#!/bin/bash
# summary: live capture under load, by hand (never a timed test): replays a
# generated SSH capture with tcpreplay into a veth pair between two network
# namespaces and reports what sshmortem's final capture_stats says the kernel
# received and dropped; with -P, a ladder of rates (tcpreplay --pps) to find
# where drops begin; with -T, tcpdump -s 1600 on the same replay to compare.
#
#   bash bench/live.sh [-s SSHMORTEM] [-f FILE.pcap] [-n CONNECTIONS]
#                      [-a "SSHMORTEM ARGS"] [-P "PPS PPS ..."] [-r RUNS] [-T]
#
# Default: ./sshmortem, a capture of -n 10000 connections (bench/gen_capture,
# about 450k packets), the default ring and snaplen, --topspeed, 3 runs.
# Needs root, tcpreplay, tcpdump. doc/performance.md "Live capture" has the
# figures and what they mean.
set -u
here=$(cd "$(dirname "$0")" && pwd)
bin=./sshmortem
file=""
conns=10000
args=""
ladder=""
runs=3
with_tcpdump=0
while getopts "s:f:n:a:P:r:T" o; do
    case $o in
    s) bin=$OPTARG ;;
    f) file=$OPTARG ;;
    n) conns=$OPTARG ;;
    a) args=$OPTARG ;;
    P) ladder=$OPTARG ;;
    r) runs=$OPTARG ;;
    T) with_tcpdump=1 ;;
    *) sed -n 2,16p "$0"; exit 1 ;;
    esac
done
[ "$(id -u)" -eq 0 ] || { echo "bench/live.sh: needs root" >&2; exit 1; }
command -v tcpreplay >/dev/null || { echo "bench/live.sh: needs tcpreplay" >&2; exit 1; }
bin=$(realpath "$bin")
dir=${BENCH_DIR:-/tmp/sshmortem-bench}
mkdir -p "$dir"
if [ -z "$file" ]; then
    file="$dir/live-n$conns.pcap"
    [ -s "$file" ] && [ "$file" -nt "$here/gen_capture" ] || {
        make -s -C "$here" gen_capture >/dev/null || exit 1
        "$here/gen_capture" -n "$conns" -s 1 -q -o "$file" || exit 1
    }
fi
pkts=$(capinfos -c -M "$file" 2>/dev/null | sed -n 's/^Number of packets: *//p')

tx="sm-bench-tx-$$" rx="sm-bench-rx-$$" tmp=$(mktemp -d /tmp/sm-live-bench.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    ip netns del "$tx" 2>/dev/null
    ip netns del "$rx" 2>/dev/null
    rm -rf -- "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
ip netns add "$tx" && ip netns add "$rx" || exit 1
ip link add veth0 netns "$tx" type veth peer name veth0 netns "$rx" || exit 1
for ns in "$tx" "$rx"; do
    ip -n "$ns" link set lo up
    ip -n "$ns" link set veth0 up
done

# sensor NAME CMD...: the capture in the receiving namespace.
start() { # ip netns exec execs CMD: $! is CMD's own PID
    ip netns exec "$rx" "$@" &
    pids+=($!)
    sleep 1.5 # capturing
}
stop() {
    local p=${pids[-1]}
    sleep 0.5
    kill -INT "$p"
    wait "$p" 2>/dev/null
    unset 'pids[-1]'
}
replay() { # RATE-ARGS...
    ip netns exec "$tx" tcpreplay -q -i veth0 "$@" "$file" 2>&1 |
        sed -n 's/.*Rated: *[0-9.]* Bps, *[0-9.]* Mbps, *\([0-9.]*\) pps.*/\1/p' | tail -n 1
}

# one LABEL RATE-ARGS...: a replay with sshmortem capturing; prints a row.
one() {
    local label=$1 ev="$tmp/ev.ndjson" pps cpu
    shift
    rm -f "$ev"
    # shellcheck disable=SC2086
    start "$bin" -i veth0 $args --stats -o "$ev" 2>"$tmp/err"
    pps=$(replay "$@")
    # CPU seconds (user + system) from /proc before the stop
    # (/usr/bin/time would ignore the SIGINT meant for sshmortem).
    cpu=$(awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' \
        "/proc/${pids[-1]}/stat")
    stop
    local st recv drop
    st=$(tail -n 1 "$ev")
    recv=$(printf '%s' "$st" | sed -n 's/.*"kernel_received":\([0-9]*\).*/\1/p')
    drop=$(printf '%s' "$st" | sed -n 's/.*"kernel_dropped":\([0-9]*\).*/\1/p')
    printf '%-18s %10s %9s %9s %7s %8s\n' "$label" "${pps:-?}" "${recv:-?}" "${drop:-?}" \
        "$(awk -v r="${recv:-0}" -v d="${drop:-0}" 'BEGIN { printf "%.2f", r ? 100 * d / r : 0 }')" \
        "$cpu"
}

one_tcpdump() {
    local label=$1 pps
    shift
    start tcpdump -i veth0 -s 1600 -n -w /dev/null 2>"$tmp/td.err"
    pps=$(replay "$@")
    stop
    local recv drop
    recv=$(sed -n 's/^\([0-9]*\) packets received by filter.*/\1/p' "$tmp/td.err")
    drop=$(sed -n 's/^\([0-9]*\) packets dropped by kernel.*/\1/p' "$tmp/td.err")
    printf '%-18s %10s %9s %9s %7s %8s\n' "$label" "${pps:-?}" "${recv:-?}" "${drop:-?}" \
        "$(awk -v r="${recv:-0}" -v d="${drop:-0}" 'BEGIN { printf "%.2f", r ? 100 * d / r : 0 }')" "-"
}

echo "capture: $file ($pkts packets); sshmortem args: ${args:-(defaults)}"
printf '%-18s %10s %9s %9s %7s %8s\n' run pps received dropped drop% cpu_s
for i in $(seq "$runs"); do
    one "topspeed#$i" --topspeed
    [ "$with_tcpdump" = 1 ] && one_tcpdump "tcpdump-s1600#$i" --topspeed
done
for r in $ladder; do
    one "pps=$r" --pps="$r"
done
