#!/usr/bin/env bash
# summary: regenerate the SSH dissector captures (pcaps/ssh-alg-*.pcap,
# ssh-compression.pcap, ssh-kex-mismatch-full.pcap) and the authentication
# ground truth (pcaps/auth/*.pcap + truth.tsv). Run as root.
# Usage: tests/lab/make-ssh-pcaps.sh [OUTDIR] [alg|auth|attempts]   (default: pcaps/, alg+auth;
# attempts: only the password-failN-{ok,bad} captures, other rows kept)
# The lab log (host key fingerprints from ssh-keygen -lf, client and sshd
# outcome) goes to OUTDIR/.ssh-lab.log and stderr.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here/../../pcaps}"
what="${2:-all}"
mkdir -p "$out/auth"
out="$(cd "$out" && pwd)"
lab="$here/lab.sh"

run() { # SCENARIO FILE : up to 3 tries (a try dies if the client outcome is not the design)
    local i
    for i in 1 2 3; do
        echo "== $1 -> $2 (try $i)" >&2
        "$lab" "$1" "$out/$2" && return 0
    done
    echo "== $1 failed 3 times" >&2
    return 1
}

if [ "$what" = all ] || [ "$what" = alg ]; then
    run ssh-alg-kex            ssh-alg-kex.pcap
    run ssh-alg-gcm            ssh-alg-gcm.pcap
    run ssh-alg-ctr-etm        ssh-alg-ctr-etm.pcap
    run ssh-alg-cbc            ssh-alg-cbc.pcap
    run ssh-alg-hostkey-ecdsa  ssh-alg-hostkey-ecdsa.pcap
    run ssh-alg-rsa            ssh-alg-rsa.pcap
    run ssh-compression        ssh-compression.pcap
    run ssh-kex-mismatch-full  ssh-kex-mismatch-full.pcap
    rm -f "$out"/ssh-alg-*.truth "$out"/ssh-compression.truth "$out"/ssh-kex-mismatch-full.truth
fi

auth_kinds="pubkey-ok pubkey-bad password-ok password-bad pubkey-session"
attempt_kinds="password-fail1-ok password-fail2-ok password-fail3-ok password-fail1-bad password-fail2-bad password-fail3-bad"
kinds=""
case $what in
    all | auth) kinds="$auth_kinds $attempt_kinds" ;;
    attempts) kinds="$attempt_kinds" ;; # only the auth_attempts truth
esac
if [ -n "$kinds" ]; then
    for c in chacha gcm; do
        for k in $kinds; do
            run "auth-$k-$c" "auth/$k-$c.pcap"
        done
    done
    # A capture not made this time keeps its row.
    old_truth=""
    [ -f "$out/auth/truth.tsv" ] && old_truth=$(cat "$out/auth/truth.tsv")
    {
        printf 'file\tauth_method\taccepted\tcipher\tclient_exit\tclient_stderr\tsshd_log\n'
        for c in chacha gcm; do
            for k in $auth_kinds $attempt_kinds; do
                if [ -f "$out/auth/$k-$c.truth" ]; then
                    cat "$out/auth/$k-$c.truth"
                else
                    printf '%s\n' "$old_truth" | grep "^$k-$c.pcap	" || true
                fi
            done
        done
    } >"$out/auth/truth.tsv.new"
    mv "$out/auth/truth.tsv.new" "$out/auth/truth.tsv"
    rm -f "$out"/auth/*.truth
fi
if [ "$what" = all ] || [ "$what" = auth ] || [ "$what" = attempts ]; then
    # 5 connections from one client, 2 wrong passwords each: the truth of
    # the password-guessing pattern (tests/golden/guessing.sh); its row
    # (sshd's log of all 5) stays beside it
    run auth-password-guessing auth/password-guessing.pcap
    mv "$out/auth/password-guessing.truth" "$out/auth/password-guessing.tsv"
fi
echo "== versions: $(ssh -V 2>&1); kernel $(uname -r); $(tcpdump --version 2>&1 | head -1); $(date -u +%F)" >&2
