#!/usr/bin/env bash
# summary: memory per open SSH connection that finished its key exchange, and where it goes.
# Usage: bench/memory.sh [-s SSHMORTEM] [-K "0 20000 100000"] [-M MASSIF_K] [-r RUNS] [-i] [-k]
# For each K, generates a capture of K sessions with their handshake and full
# SSH setup (gen_capture -q -n 0 -s 1 -K K -P 30 -R 60 -L 120: they arrive in
# the first 60 s, exchange a keystroke about every 30 s and are all still open
# when the capture ends at 120 s; with -i, -P 300 -L 700: a keystroke every
# 5 minutes, so each session resumes after a silence past --idle-min once or
# twice and holds the idle evidence), runs `sshmortem -F summary -r FILE` under
# /usr/bin/time -f %M RUNS times (default 3) and prints the largest peak RSS
# and the bytes per open connection against the first K:
# (RSS(K) - RSS(K0)) / (K - K0), and from the third K on the marginal
# bytes against the K before it. The largest of the runs, because the
# read-ahead batches (a fixed 4 to 6 MB) are not always all filled on a
# small file, depending on thread timing, while they are on the larger
# ones: one run of K=1000 varies by 2 MB, which is 100 bytes a connection
# at K=20000.
# Then runs the same command under valgrind --tool=massif on MASSIF_K sessions
# (default 2000; 0 skips it) and on K0 sessions, and prints the heap of the
# peak snapshot per allocation site (the function that called malloc, with
# file and line), per connection: what each structure costs. Files are
# deleted after use unless -k. Never run by the tests.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
sshmortem=${SSHMORTEM:-$root/sshmortem}
ks="0 20000 100000"
massif_k=2000
runs=3
keep=0
period=30
length=120
bench_dir=${BENCH_DIR:-/tmp/sshmortem-bench}

usage() {
    sed -n '2,19s/^# \{0,1\}//p' "$0" >&2
    exit 1
}
while getopts "s:K:M:r:ikh" opt; do
    case $opt in
    s) sshmortem=$OPTARG ;;
    K) ks=$OPTARG ;;
    M) massif_k=$OPTARG ;;
    r) runs=$OPTARG ;;
    k) keep=1 ;;
    i) period=300 length=700 ;;
    *) usage ;;
    esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || usage
[ -x "$sshmortem" ] || { echo "memory.sh: no sshmortem at $sshmortem" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "memory.sh: /usr/bin/time not found (apt-get install time)" >&2; exit 2; }
if [ "$massif_k" != 0 ] && ! command -v valgrind >/dev/null; then
    echo "memory.sh: valgrind not found: no breakdown (-M 0 to skip it)" >&2
    exit 2
fi
gen_bin=${GEN_CAPTURE:-$here/gen_capture}
[ -n "${GEN_CAPTURE:-}" ] || make -s -C "$here" gen_capture >&2
mkdir -p "$bench_dir"
work=$(mktemp -d "$bench_dir/memory.XXXXXX")
trap 'rm -rf "$work"' EXIT

# capture K -> path of the capture of K sessions (generated when missing or
# older than gen_capture)
capture() {
    local k=$1 file=$bench_dir/memory-K$1-P$period.pcap
    if [ ! -s "$file" ] || [ "$gen_bin" -nt "$file" ]; then
        echo "memory.sh: $gen_bin -q -n 0 -s 1 -K $k -P $period -R 60 -L $length -o $file" >&2
        "$gen_bin" -q -n 0 -s 1 -K "$k" -P "$period" -R 60 -L "$length" -o "$file.tmp"
        mv "$file.tmp" "$file"
    fi
    echo "$file"
}

# the peak snapshot of a massif output file: "BYTES<TAB>SITE" per allocation
# site (first level of the tree), then "EXTRA<TAB>malloc overhead"
massif_sites() {
    awk '
        /^snapshot=/ { snap = 0 }
        /^mem_heap_extra_B=/ { extra = substr($0, 18) }
        /^heap_tree=peak/ { snap = 1; peak_extra = extra; next }
        /^heap_tree=/ { snap = 0 }
        snap && /^ n[0-9]+: / {
            bytes = $2
            site = $0
            sub(/^ n[0-9]+: [0-9]+ /, "", site)
            sub(/^0x[0-9A-F]+: /, "", site)
            sub(/^in [0-9]+ places?,/, "in several places,", site)
            print bytes "\t" site
        }
        END { print peak_extra "\tmalloc overhead (massif extra-heap)" }' "$1"
}

echo "sshmortem: $sshmortem ($(cd "$root" && git log --oneline -1 2>/dev/null || echo '?'))"
echo "host: $(nproc) CPUs, $(uname -sr)"
echo
printf "%-8s %10s %12s %14s %18s\n" K packets peak_RSS_kB bytes/conn marginal_B/conn
base_k="" base_kb="" prev_k="" prev_kb=""
results=()
for k in $ks; do
    file=$(capture "$k")
    pkts=$(capinfos -M -c "$file" 2>/dev/null | awk -F': *' '/Number of packets/ {print $2}')
    kb=0
    for ((run = 0; run < runs; run++)); do
        /usr/bin/time -f %M -o "$work/rss" "$sshmortem" -F summary -r "$file" >"$work/out" 2>"$work/err" || {
            echo "memory.sh: failed: $sshmortem -F summary -r $file" >&2
            tail -5 "$work/err" >&2
            exit 1
        }
        one=$(tail -1 "$work/rss")
        [ "$one" -gt "$kb" ] && kb=$one
    done
    per="-" marg="-"
    if [ -z "$base_k" ]; then
        base_k=$k base_kb=$kb
    elif [ "$k" -gt "$base_k" ]; then
        per=$(awk -v a="$kb" -v b="$base_kb" -v k="$k" -v k0="$base_k" \
            'BEGIN {printf "%.0f", (a - b) * 1024 / (k - k0)}')
    fi
    # Against the K before: both ends far from the fixed costs (batches,
    # buffers) whose filling varies on a small file.
    if [ -n "$prev_k" ] && [ "$prev_k" != "$base_k" ] && [ "$k" -gt "$prev_k" ]; then
        marg=$(awk -v a="$kb" -v b="$prev_kb" -v k="$k" -v k0="$prev_k" \
            'BEGIN {printf "%.0f", (a - b) * 1024 / (k - k0)}')
    fi
    prev_k=$k prev_kb=$kb
    printf "%-8s %10s %12s %14s %18s\n" "$k" "${pkts:-?}" "$kb" "$per" "$marg"
    results+=("RESULT K=$k packets=${pkts:-?} rss_kb=$kb bytes_per_conn=$per base_k=$base_k marginal_bytes_per_conn=$marg")
    [ "$keep" = 1 ] || [ "$k" = "$base_k" ] || rm -f "$file"
done

if [ "$massif_k" != 0 ]; then
    echo
    echo "heap at the peak per allocation site, valgrind --tool=massif, $massif_k sessions against $base_k:"
    for k in "$base_k" "$massif_k"; do
        file=$(capture "$k")
        valgrind --tool=massif --threshold=0.1 --massif-out-file="$work/massif.$k" \
            "$sshmortem" -F summary -r "$file" >/dev/null 2>"$work/err" || {
            echo "memory.sh: valgrind failed on $file" >&2
            tail -5 "$work/err" >&2
            exit 1
        }
        massif_sites "$work/massif.$k" >"$work/sites.$k"
        [ "$keep" = 1 ] || [ "$k" = "$base_k" ] || rm -f "$file"
    done
    # per site: (bytes at massif_k - bytes at base_k) / (massif_k - base_k)
    awk -F'\t' -v k="$massif_k" -v k0="$base_k" '
        FNR == NR { base[$2] += $1; next }
        { now[$2] += $1 }
        END {
            for (s in now) {
                d = (now[s] - base[s]) / (k - k0)
                if (d >= 1 || d <= -1) printf "%10.1f  %s\n", d, s
                total += d
            }
            printf "%10.1f  total heap per connection\n", total > "/dev/stderr"
        }' "$work/sites.$base_k" "$work/sites.$massif_k" 2>"$work/total" | sort -k1,1nr
    cat "$work/total"
fi
[ "$keep" = 1 ] || rm -f "$bench_dir/memory-K$base_k.pcap"
echo
printf '%s\n' "${results[@]}"
