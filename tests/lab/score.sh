#!/bin/sh
# summary: automake test: score sshmortem on the committed lab corpus
# (pcaps/lab/truth.tsv). No root needed. Prints PASS/FAIL per scenario, the
# confusion matrix, precision/recall and "accuracy: C/T".
# Passes whenever the scorer ran (scoring is information until the classifier
# is complete); set SM_LAB_MIN_ACCURACY=0.9 (say) to make it a gate.
# SKIP (77) when the corpus is not there.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
src=$(cd "$top_srcdir" && pwd)
bld=$(cd "$top_builddir" && pwd)
truth="$src/pcaps/lab/truth.tsv"
if [ ! -f "$truth" ]; then
    echo "SKIP lab score: no $truth (make lab --install regenerates it)"
    exit 77
fi
set -- --truth "$truth" --sshmortem "${SSHMORTEM:-$bld/sshmortem}" -v
[ -n "${SM_LAB_MIN_ACCURACY:-}" ] && set -- "$@" --min-accuracy "$SM_LAB_MIN_ACCURACY"
exec /usr/bin/python3 "$src/tests/lab/score.py" "$@"
