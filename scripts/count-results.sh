#!/usr/bin/env bash
# summary: counts real test results in one or more build trees and prints
# "N passed, N failed": CUnit's per-test summary for the unit tests, the
# PASS/FAIL lines of the shell tests, and one result per other test.
set -u
passed=0 failed=0 skipped=0
for dir in "$@"; do
    for trs in $(find "$dir" -name '*.trs' 2>/dev/null); do
        log=${trs%.trs}.log
        res=$(sed -n 's/^:test-result: //p' "$trs" | head -n 1)
        case "$(basename "$trs")" in
        unit_tests.trs)
            # CUnit: "tests   TOTAL   RAN   PASSED   FAILED   INACTIVE"
            read -r _ _ ran ok bad _ < <(grep -E '^ +tests +[0-9]' "$log" | tail -n 1) || true
            if [ -n "${ran:-}" ]; then
                passed=$((passed + ok)); failed=$((failed + bad))
                [ "$res" = PASS ] || [ "$bad" -gt 0 ] || failed=$((failed + 1))
                continue
            fi ;;
        cli.trs | live.trs | auth.trs | cli.sh.trs | live.sh.trs | auth.sh.trs)
            if [ "$res" != SKIP ] && grep -q '^PASS \|^FAIL ' "$log"; then
                # Not the harness's own trailer ("PASS name (exit status: 0)").
                p=$(grep '^PASS ' "$log" | grep -vc '(exit status:')
                f=$(grep '^FAIL ' "$log" | grep -vc '(exit status:')
                passed=$((passed + p)); failed=$((failed + f))
                [ "$res" = PASS ] || [ "$f" -gt 0 ] || failed=$((failed + 1))
                continue
            fi ;;
        esac
        case "$res" in
        PASS | XFAIL) passed=$((passed + 1)) ;;
        SKIP) skipped=$((skipped + 1)) ;;
        *) failed=$((failed + 1)) ;;
        esac
    done
done
[ "$skipped" -gt 0 ] && echo "($skipped skipped)"
echo "$passed passed, $failed failed"
