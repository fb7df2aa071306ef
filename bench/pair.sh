#!/usr/bin/env bash
# summary: paired A/B timing of two sshmortem binaries on one capture.
# Usage: bench/pair.sh [-n RUNS] [-a "ARGS"] FILE BINARY_A BINARY_B
# Runs A and B back to back RUNS times (default 16), alternating which goes
# first, each with `-r FILE -o OUT` (OUT removed before every run: -o
# appends) plus ARGS, and prints each pair's wall times (ms), then the
# median and least of each and the mean difference B - A with its standard
# error. On a shared VM the same binary's time moves by 30 % or more from
# minute to minute (other guests share the CPUs' caches and memory); a
# difference taken within a pair, a few seconds apart, cancels most of that
# where comparing two separate runs cannot. A change is worth keeping when
# the mean difference is several standard errors from 0.
set -euo pipefail

runs=16
args=""
usage() {
    sed -n '2,3s/^# \{0,1\}//p' "$0" >&2
    exit 1
}
while getopts "n:a:h" opt; do
    case $opt in
    n) runs=$OPTARG ;;
    a) args=$OPTARG ;;
    *) usage ;;
    esac
done
shift $((OPTIND - 1))
[ $# -eq 3 ] || usage
file=$1 a=$2 b=$3
for x in "$a" "$b"; do [ -x "$x" ] || { echo "pair.sh: $x is not executable" >&2; exit 2; }; done
[ -r "$file" ] || { echo "pair.sh: cannot read $file" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat "$file" >/dev/null # from the page cache for both

run_ms() { # BINARY: wall ms of one run
    rm -f "$work/out"
    local t0 t1
    t0=$(date +%s%N)
    # shellcheck disable=SC2086 # ARGS are words
    "$1" -r "$file" -o "$work/out" $args 2>"$work/err" || { echo "pair.sh: $1 failed:" >&2; tail -3 "$work/err" >&2; exit 1; }
    t1=$(date +%s%N)
    echo $(((t1 - t0) / 1000000))
}

: >"$work/pairs"
for ((i = 0; i < runs; i++)); do
    if ((i % 2)); then
        tb=$(run_ms "$b")
        ta=$(run_ms "$a")
    else
        ta=$(run_ms "$a")
        tb=$(run_ms "$b")
    fi
    echo "$ta $tb" | tee -a "$work/pairs"
done
median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
ma=$(awk '{print $1}' "$work/pairs" | median)
mb=$(awk '{print $2}' "$work/pairs" | median)
awk -v A="$(basename "$a")" -v B="$(basename "$b")" -v ma="$ma" -v mb="$mb" '
    { d = $2 - $1; s += d; ss += d * d; if (NR == 1 || $1 < la) la = $1; if (NR == 1 || $2 < lb) lb = $2 }
    END {
        n = NR; m = s / n; sd = n > 1 ? sqrt((ss - n * m * m) / (n - 1)) : 0
        printf "A %s: median %s ms, least %d ms\n", A, ma, la
        printf "B %s: median %s ms, least %d ms\n", B, mb, lb
        printf "B - A: mean %+.0f ms, standard error %.0f ms, over %d pairs\n", m, sd / sqrt(n), n
    }' "$work/pairs"
