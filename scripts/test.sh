#!/usr/bin/env bash
# summary: the README's test command: installs what is missing, builds with
# -Werror, runs the whole suite (make check) and prints "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1
make -j"$(nproc)" check
rc=$?
bash scripts/count-results.sh .
exit $rc
