#!/bin/sh
# summary: the authentication guess against ground truth: every capture in
# pcaps/auth (real OpenSSH 9.2 sessions with accepted and rejected public
# keys and passwords, chacha20-poly1305 and AES-GCM) must get ssh.auth_success
# equal to what sshd logged (pcaps/auth/truth.tsv, column "accepted").
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
src=$(cd "$top_srcdir" && pwd)
bin="$(cd "$top_builddir" && pwd)/sshmortem"
fails=0 n=0
while IFS="$(printf '\t')" read -r file method accepted cipher _rest; do
    case "$file" in file | "#"*) continue ;; esac
    n=$((n + 1))
    got=$(${SM_VALGRIND:-} "$bin" --host t -r "$src/pcaps/auth/$file" |
        /usr/bin/python3 -c 'import json,sys; e=json.loads(sys.stdin.readline()); s=e["ssh"] or {}; print(str(s.get("auth_success")).lower(), e["phase"])')
    set -- $got
    if [ "$1" = "$accepted" ]; then
        echo "PASS $file ($method, $cipher): auth_success=$1 phase=$2"
    else
        echo "FAIL $file ($method, $cipher): auth_success=$1, sshd says accepted=$accepted"
        fails=$((fails + 1))
    fi
done <"$src/pcaps/auth/truth.tsv"
echo "auth: $n captures, $fails failed"
[ "$n" -gt 0 ] && [ "$fails" = 0 ]
