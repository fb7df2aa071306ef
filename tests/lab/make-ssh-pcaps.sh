#!/usr/bin/env bash
# summary: regenerate the SSH dissector captures (pcaps/ssh-alg-*.pcap,
# ssh-compression.pcap, ssh-kex-mismatch-full.pcap) and the authentication
# ground truth (pcaps/auth/*.pcap + truth.tsv). Run as root.
# Usage: tests/lab/make-ssh-pcaps.sh [OUTDIR] [alg|auth]   (default: pcaps/, both)
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

if [ "$what" = all ] || [ "$what" = auth ]; then
    for c in chacha gcm; do
        for k in pubkey-ok pubkey-bad password-ok password-bad pubkey-session; do
            run "auth-$k-$c" "auth/$k-$c.pcap"
        done
    done
    {
        printf 'file\tauth_method\taccepted\tcipher\tclient_exit\tclient_stderr\tsshd_log\n'
        for c in chacha gcm; do
            for k in pubkey-ok pubkey-bad password-ok password-bad pubkey-session; do
                cat "$out/auth/$k-$c.truth"
            done
        done
    } >"$out/auth/truth.tsv"
    rm -f "$out"/auth/*.truth
fi
echo "== versions: $(ssh -V 2>&1); kernel $(uname -r); $(tcpdump --version 2>&1 | head -1); $(date -u +%F)" >&2
