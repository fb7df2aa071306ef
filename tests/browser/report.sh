#!/bin/sh
# summary: the --report page in a real browser (headless Chromium, Debian's
# chromium package, driven over the DevTools protocol by check_report.py):
# the report of every lab client capture at once and of a large generated
# capture (bench/gen_capture: 100,000 connections and a SYN flood) must load
# without a console error, every chart must have marks, no text may overflow
# its box, and the numbers must be those of the NDJSON of the same run. A
# doctored page must fail each check (the test can fail). Screenshots stay
# in tests/browser/out/ of the build directory (CI keeps them).
# Loud SKIP (77) without chromium or python3-websocket.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
src=$(cd "$top_srcdir" && pwd)
bld=$(cd "$top_builddir" && pwd)
out="$bld/tests/browser/out"
mkdir -p "$out"
fail=0
chromium=$(command -v chromium || command -v chromium-browser || true)
py=/usr/bin/python3
if [ -n "${SM_VALGRIND:-}" ]; then
    # check-valgrind runs every test again; this one starts no program
    # under valgrind, and the plain make check pass ran it already.
    echo "SKIP: the browser test runs in make check, not again under valgrind" >&2
    exit 77
fi
if [ -z "$chromium" ]; then
    echo "SKIP: no chromium (scripts/setup.sh installs Debian's chromium): the report page is NOT checked in a browser" >&2
    exit 77
fi
if ! "$py" -c 'import websocket' 2>/dev/null; then
    echo "SKIP: no python3-websocket (scripts/setup.sh installs it): the report page is NOT checked in a browser" >&2
    exit 77
fi
check() { # NAME PAGE NDJSON|-
    if "$py" "$src/tests/browser/check_report.py" "$chromium" "$2" "$3" "$out/$1.png"; then
        echo "PASS $1"
    else
        echo "FAIL $1"; fail=1
    fi
}

# A lab run: every client-side capture, one timeline, several servers.
lab=$(cd "$src" && LC_ALL=C ls pcaps/lab/*.cli.pcap | sed 's/^/-r /')
# shellcheck disable=SC2086
if (cd "$src" && "$bld/sshmortem" --host browser --hash-seed 1 --stats $lab \
    -o "$out/lab.ndjson.tmp" --report "$out/lab.html") 2>"$out/lab.stderr"; then
    mv "$out/lab.ndjson.tmp" "$out/lab.ndjson"
    check lab "$out/lab.html" "$out/lab.ndjson"
else
    echo "FAIL lab: sshmortem failed"; cat "$out/lab.stderr"; fail=1
fi

# A large generated capture; its events are streamed to the checker, not kept.
big=${SM_BROWSER_BIG_DIR:-$out}/big.pcap
if [ ! -s "$big" ]; then
    cc -O2 -o "$out/gen_capture" "$src/bench/gen_capture.c" &&
        "$out/gen_capture" -q -n 100000 -s 1 -d 600 -F 3000 -A 100 -W 60 -o "$big.tmp" &&
        mv "$big.tmp" "$big"
fi
if [ -s "$big" ]; then
    start=$(date +%s)
    "$bld/sshmortem" --host browser --hash-seed 1 --stats -r "$big" --report "$out/big.html" |
        { check big "$out/big.html" -; }
    echo "big: $(wc -c <"$out/big.html") bytes of page, $(($(date +%s) - start)) s with the browser"
    [ -n "${SM_BROWSER_BIG_DIR:-}" ] || rm -f "$big"
else
    echo "FAIL big: could not generate the capture"; fail=1
fi

# The checks can fail: a doctored lab page (a number changed, a console
# error, an empty chart, a line that overflows its box) must fail each.
if [ -s "$out/lab.html" ]; then
    sed -e "s/id='kpi-connections' data-n='[0-9]*'/id='kpi-connections' data-n='1'/" \
        -e "s|</body>|<script>console.error('doctored')</script><svg class='chart' data-chart='doctored-empty' width='10' height='10' viewBox='0 0 10 10'></svg><p style='width:40px;white-space:nowrap'>doctored-text-far-too-long-for-its-box</p></body>|" \
        "$out/lab.html" >"$out/doctored.html"
    "$py" "$src/tests/browser/check_report.py" "$chromium" "$out/doctored.html" \
        "$out/lab.ndjson" "$out/doctored.png" >"$out/doctored.txt" 2>&1
    for want in "connections on the page 1" "console error" "doctored-empty has no marks" \
        "overflows its box: 'P: doctored-text"; do
        if grep -q "$want" "$out/doctored.txt"; then
            echo "PASS doctored page fails: $want"
        else
            echo "FAIL doctored page passes: $want"; cat "$out/doctored.txt"; fail=1
        fi
    done
fi
exit $fail
