#!/bin/sh
# summary: replays every fuzz corpus through its target (built with the
# replay driver unless configured with --enable-fuzzers), under the
# sanitizers or valgrind the build uses.
set -eu
: "${top_srcdir:=.}" "${top_builddir:=.}"
for target in decode pipeline ssh_stream ssh_wire conntrack; do
    corpus="$top_srcdir/tests/fuzz/corpus/$target"
    bin="$top_builddir/tests/fuzz/fuzz_$target"
    [ -d "$corpus" ] || { echo "FAIL: no corpus $corpus"; exit 1; }
    n=$(find "$corpus" -type f | wc -l)
    [ "$n" -gt 0 ] || { echo "FAIL: empty corpus $corpus"; exit 1; }
    # shellcheck disable=SC2086
    ${SM_VALGRIND:-} "$bin" "$corpus"
done
