#!/bin/sh
# summary: the authentication guess against ground truth: every capture in
# pcaps/auth (real OpenSSH 9.2 sessions with accepted and rejected public
# keys and passwords, 0 to 3 wrong passwords before success or the client
# giving up, chacha20-poly1305 and AES-GCM) must get ssh.auth_success equal
# to what sshd logged (pcaps/auth/truth.tsv, column "accepted") and
# ssh.auth_attempts equal to the number of attempts sshd logged ("Failed
# <method>" and "Accepted <method>" lines in column "sshd_log"), and the
# symptom must say "Permission denied" exactly when sshd refused (the client
# printed "user@host: Permission denied (...)", column client_stderr).
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
src=$(cd "$top_srcdir" && pwd)
bin="$(cd "$top_builddir" && pwd)/sshmortem"
fails=0 n=0
# One line per capture: file, method, accepted, cipher, sshd's attempts (awk:
# read would merge the empty client_stderr fields' tabs).
rows=$(awk -F'\t' '$1 != "file" && $1 !~ /^#/ {
    k = 0; m = split($7, a, ";")
    for (i = 1; i <= m; i++) if (a[i] ~ /^(Failed|Accepted) /) k++
    print $1, $2, $3, $4, k }' "$src/pcaps/auth/truth.tsv")
while read -r file method accepted cipher want_attempts; do
    n=$((n + 1))
    got=$(${SM_VALGRIND:-} "$bin" --host t -r "$src/pcaps/auth/$file" |
        /usr/bin/python3 -c 'import json,sys; e=json.loads(sys.stdin.readline()); s=e["ssh"] or {}; print(str(s.get("auth_success")).lower(), e["phase"], s.get("auth_attempts"), s.get("auth_attempts_confidence"), "denied" if "Permission denied" in (e["symptom"] or "") else "no-denial")')
    set -- $got
    # The symptom says "Permission denied" exactly when sshd refused.
    want_symptom=denied
    [ "$accepted" = true ] && want_symptom=no-denial
    if [ "$1" = "$accepted" ] && [ "$3" = "$want_attempts" ] && [ "$5" = "$want_symptom" ]; then
        echo "PASS $file ($method, $cipher): auth_success=$1 phase=$2 auth_attempts=$3 ($4) symptom: $5"
    else
        echo "FAIL $file ($method, $cipher): auth_success=$1 auth_attempts=$3 symptom: $5, sshd says accepted=$accepted attempts=$want_attempts (symptom: $want_symptom)"
        fails=$((fails + 1))
    fi
done <<EOF
$rows
EOF
echo "auth: $n captures, $fails failed"
[ "$n" -gt 0 ] && [ "$fails" = 0 ]
