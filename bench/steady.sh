#!/usr/bin/env bash
# summary: steady-state cost per packet against open sessions, in interleaved rounds.
# Usage: bench/steady.sh [-s SSHMORTEM] [-K "1000 1000000"] [-n ROUNDS]
# For each K, the 2x and 4x captures of bench/curve.sh (K sessions picked
# up mid-stream, one keystroke exchange every P seconds, the same files and
# names: gen_capture -q -n 0 -s 1 -K K -P P -R 60 -L 1200|2400 -m). Both
# create and end the same K sessions, so their difference is packets of
# open sessions only. Each round runs `sshmortem -F summary` on every file,
# all K, one after the other (default 5 rounds); the per-round marginal
# (CPU(4x) - CPU(2x)) / (packets(4x) - packets(2x)) then compares files
# measured seconds apart, which on a shared VM whose speed drifts by 30 %
# from minute to minute says more than best-of runs taken minutes apart.
# Prints each round's marginal ns/packet, their mean and standard error,
# the marginal of the least CPU times, and the ratio of each K's mean to
# the first K's. Files are kept (bench/curve.sh -k makes the same ones).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
sshmortem=${SSHMORTEM:-$root/sshmortem}
ks="1000 1000000"
rounds=5
bench_dir=${BENCH_DIR:-/tmp/sshmortem-bench}
target=6000000 # as bench/curve.sh: about this many packets in the 1x file
base_s=600
ramp_s=60

usage() {
    sed -n '2,16s/^# \{0,1\}//p' "$0" >&2
    exit 1
}
while getopts "s:K:n:h" opt; do
    case $opt in
    s) sshmortem=$OPTARG ;;
    K) ks=$OPTARG ;;
    n) rounds=$OPTARG ;;
    *) usage ;;
    esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || usage
[ -x "$sshmortem" ] || { echo "steady.sh: no sshmortem at $sshmortem" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "steady.sh: /usr/bin/time not found (apt-get install time)" >&2; exit 2; }
[ -x /usr/bin/python3 ] || { echo "steady.sh: /usr/bin/python3 not found" >&2; exit 2; }
gen_bin=${GEN_CAPTURE:-$here/gen_capture}
[ -n "${GEN_CAPTURE:-}" ] || make -s -C "$here" gen_capture >&2
mkdir -p "$bench_dir"
work=$(mktemp -d "$bench_dir/steady.XXXXXX")
trap 'rm -rf "$work"' EXIT

files=()
for k in $ks; do
    ex=$(awk -v t="$target" -v k="$k" 'BEGIN {e = t / (3 * k) - 1; if (e < 1) e = 1; print e}')
    period=$(awk -v e="$ex" -v b="$base_s" 'BEGIN {printf "%.3f", b / e}')
    for m in 2 4; do
        file=$bench_dir/curve-K$k-mid-x$m.pcap
        if [ ! -s "$file" ] || [ "$gen_bin" -nt "$file" ]; then
            gen=("$gen_bin" -q -n 0 -s 1 -K "$k" -P "$period" -R "$ramp_s" -L $((base_s * m)) -m)
            echo "steady.sh: ${gen[*]} -o $file" >&2
            "${gen[@]}" -o "$file.tmp"
            mv "$file.tmp" "$file"
        fi
        pkts=$(capinfos -M -c "$file" | awk -F': *' '/Number of packets/ {print $2}')
        files+=("$k $m $pkts $file")
    done
done

echo "sshmortem: $sshmortem ($(cd "$root" && git log --oneline -1 2>/dev/null || echo '?'))"
echo "host: $(nproc) CPUs, $(uname -sr); $rounds rounds; CPU = user + system of sshmortem -F summary"
: >"$work/times"
for ((r = 1; r <= rounds; r++)); do
    for entry in "${files[@]}"; do
        read -r k m pkts file <<<"$entry"
        /usr/bin/time -f "%U %S" -o "$work/t" "$sshmortem" -F summary -r "$file" >/dev/null 2>"$work/err" || {
            echo "steady.sh: failed: $sshmortem -F summary -r $file" >&2
            tail -5 "$work/err" >&2
            exit 1
        }
        echo "$r $k $m $pkts $(tail -1 "$work/t")" >>"$work/times"
    done
done
/usr/bin/python3 - "$work/times" <<'PY'
import statistics, sys
cpu, pkts, order = {}, {}, []
for line in open(sys.argv[1]):
    r, k, m, p, u, s = line.split()
    if k not in order:
        order.append(k)
    cpu.setdefault((k, m), []).append(float(u) + float(s))
    pkts[(k, m)] = int(p)
first = None
print()
print("%-8s %-42s %8s %6s %9s %6s" % ("K", "marginal ns/pkt per round (4x vs 2x)", "mean", "se", "least-CPU", "ratio"))
for k in order:
    extra = pkts[(k, "4")] - pkts[(k, "2")]
    per = [(b - a) * 1e9 / extra for a, b in zip(cpu[(k, "2")], cpu[(k, "4")])]
    mean = statistics.mean(per)
    se = statistics.stdev(per) / len(per) ** 0.5 if len(per) > 1 else 0.0
    least = (min(cpu[(k, "4")]) - min(cpu[(k, "2")])) * 1e9 / extra
    first = first or mean
    print("%-8s %-42s %8.0f %6.0f %9.0f %6.2f" % (k, " ".join("%.0f" % v for v in per), mean, se, least, mean / first))
    print("RESULT K=%s extra_packets=%d marginal_ns_mean=%.0f se=%.0f least_cpu_marginal_ns=%.0f ratio_to_first=%.2f" % (k, extra, mean, se, least, mean / first))
PY
