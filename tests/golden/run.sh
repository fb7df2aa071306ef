#!/bin/sh
# summary: golden test runner: one descriptor (NAME.golden) names a capture
# and the flags; the NDJSON output must equal NAME.ndjson byte for byte and
# every line must validate against doc/schema/event.schema.json.
# SM_UPDATE_GOLDEN=1 rewrites NAME.ndjson instead (commit it with the reason).
set -u
desc=$1
: "${top_srcdir:=.}" "${top_builddir:=.}"
src=$(cd "$top_srcdir" && pwd)
bld=$(cd "$top_builddir" && pwd)
name=$(basename "$desc" .golden)
dir=$(cd "$(dirname "$desc")" && pwd)
expected="$dir/$name.ndjson"
outdir="$bld/tests/golden/out"
mkdir -p "$outdir"
out="$outdir/$name.ndjson"
err="$outdir/$name.stderr"

field() { sed -n "s/^$1:[[:space:]]*//p" "$desc" | head -n 1; }
args=$(field args)
want_status=$(field status)
[ -n "$want_status" ] || want_status=0

# Run from the source tree so capture.source is the same relative path on
# every machine and in VPATH builds.
status=0
# shellcheck disable=SC2086
(cd "$src" && ${SM_VALGRIND:-} "$bld/sshmortem" --host golden --hash-seed 1 $args) \
    >"$out" 2>"$err" || status=$?
if [ "$status" = 99 ]; then
    echo "FAIL $name: valgrind reported errors"; cat "$err"; exit 1
fi
if [ "$status" != "$want_status" ]; then
    echo "FAIL $name: exit status $status, expected $want_status"; cat "$err"; exit 1
fi
want_stderr=$(field stderr)
if [ -n "$want_stderr" ] && ! grep -q -- "$want_stderr" "$err"; then
    echo "FAIL $name: stderr lacks '$want_stderr':"; cat "$err"; exit 1
fi

if ! /usr/bin/python3 -c 'import jsonschema' 2>/dev/null; then
    echo "ERROR $name: /usr/bin/python3 lacks jsonschema (run scripts/setup.sh)"; exit 99
fi
if ! /usr/bin/python3 "$src/tests/golden/validate.py" "$src/doc/schema/event.schema.json" "$out"; then
    echo "FAIL $name: output does not match the schema"; exit 1
fi

# Formats other than JSON (-F text, -F summary) are not JSON to judge.
case " $args " in
*" -F "*) ;;
*)
    if ! "$bld/tests/golden/json_roundtrip" "$out"; then
        echo "FAIL $name: jansson does not read the output back as the same bytes"; exit 1
    fi
    ;;
esac

if [ "${SM_UPDATE_GOLDEN:-0}" = 1 ]; then
    cp "$out" "$expected"; echo "updated $expected"; exit 0
fi
if ! diff -u "$expected" "$out"; then
    echo "FAIL $name: output differs from $expected (SM_UPDATE_GOLDEN=1 to re-bless)"; exit 1
fi
echo "PASS $name: $(wc -l <"$out") events"
