#!/bin/sh
# summary: --help and the man page describe the same program: every option
# --help lists is in the man page's OPTIONS and every option there is in
# --help; --help says that -o appends, the exit statuses and where the
# verdicts are explained; and no document says a part that exists is still
# missing (sentences once true of an older program).
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
src=$(cd "$top_srcdir" && pwd)
bld=$(cd "$top_builddir" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
pass() { echo "PASS $1"; }
bad() { echo "FAIL $1"; fail=1; }

"$bld/sshmortem" --help >"$tmp/help" || bad "--help exits 0"
# --help: the option column of each line that starts with an option (up to
# the first two spaces), every -x and --long-name in it.
sed -n 's/^  \(-[^ ].*\)$/\1/p' "$tmp/help" | sed 's/  .*//' |
    grep -o -- '--\?[A-Za-z][A-Za-z-]*' | grep -- '^-' | sort -u >"$tmp/help.opts"
# The man page: the OPTIONS section, the line after each .TP that names an
# option (nested lists of values, such as the formats, start with no dash).
sed -n '/^\.SH OPTIONS/,/^\.SH /p' "$src/doc/sshmortem.1" | sed 's/\\-/-/g' |
    awk 'prev == ".TP" { print } { prev = $0 }' | grep '^\.B[IR]\? -' |
    grep -o -- '--\?[A-Za-z][A-Za-z-]*' | grep -- '^-' | sort -u >"$tmp/man.opts"
[ "$(wc -l <"$tmp/help.opts")" -ge 20 ] && pass "--help lists options" ||
    bad "--help lists options (parsed $(wc -l <"$tmp/help.opts"))"
[ "$(wc -l <"$tmp/man.opts")" -ge 20 ] && pass "the man page lists options" ||
    bad "the man page lists options (parsed $(wc -l <"$tmp/man.opts"))"
only_help=$(comm -23 "$tmp/help.opts" "$tmp/man.opts" | tr '\n' ' ')
only_man=$(comm -13 "$tmp/help.opts" "$tmp/man.opts" | tr '\n' ' ')
[ -z "$only_help" ] && pass "every --help option is in the man page" ||
    bad "in --help, not in the man page's OPTIONS: $only_help"
[ -z "$only_man" ] && pass "every man page option is in --help" ||
    bad "in the man page's OPTIONS, not in --help: $only_man"

grep -A1 -- '^  -o ' "$tmp/help" | grep -q 'appended' && pass "--help: -o appends" ||
    bad "--help: what -o does to an existing file"
grep -q '^Exit status: 0 success; 1 bad usage; 2 ' "$tmp/help" && pass "--help: exit statuses" ||
    bad "--help: exit statuses"
grep -q 'doc/verdicts.md' "$tmp/help" && pass "--help: where verdicts are explained" ||
    bad "--help: where verdicts are explained"

# Sentences of an older program.
for phrase in 'until the SSH dissector lands' 'neither the SSH dissector nor loss' \
    'not emitted by this version'; do
    if grep -n -- "$phrase" "$src/doc/sshmortem.1" "$src/doc/events.md" "$src/README.md"; then
        bad "stale: '$phrase'"
    else
        pass "not stale: '$phrase'"
    fi
done
exit $fail
