#!/usr/bin/env bash
# summary: regenerate the whole lab corpus (every corpus scenario at every
# vantage point, plus VLAN-tagged copies) and its truth, then score it.
#
# Usage (root, network namespaces):
#   tests/lab/make-lab.sh [--install] [--keep] [--min-accuracy X]
#                         [--sample N [--seed S]] [SCENARIO...]
#
#   default     build in a fresh temp dir, score it, delete it (--keep: keep it)
#   --install   build in a temp dir, then replace pcaps/lab/ with it
#   SCENARIO... only these (with --install they replace only their own files)
#   --sample N [--seed S]
#               only N scenarios drawn at random (seed S, default the clock;
#               printed) from all of them or from SCENARIO...: a cheaper run
#               that still covers every scenario over many runs
#
# Scenarios run one after the other, each in its own namespaces (lab_setup per
# run). If a run fails its SETUP or its design (the client did not behave as
# designed, or the captures contradict the design: tests/lab/truth.py), it is
# run again, up to LAB_TRIES times (default 3). The verdicts are never looked
# at: sshmortem only runs afterwards, in the scorer.
# Exit: 77 when not root or namespaces are unavailable (automake SKIP),
# otherwise the scorer's status (1 when a scenario could not be made).
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
top="$(cd "$here/../.." && pwd)"
: "${top_builddir:=$top}"
: "${LAB_TRIES:=3}"
install=0 keep=0 minacc=() sample=0 seed=""
scen=()
while [ $# -gt 0 ]; do
    case $1 in
        --install) install=1 ;;
        --keep) keep=1 ;;
        --min-accuracy) minacc=(--min-accuracy "$2"); shift ;;
        --sample) sample=$2; shift ;;
        --seed) seed=$2; shift ;;
        -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
        -*) echo "make-lab: unknown option $1" >&2; exit 2 ;;
        *) scen+=("$1") ;;
    esac
    shift
done

skip() { echo "SKIP: make-lab: $* -- the lab corpus was NOT regenerated" >&2; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, iptables, tcpdump)"
probe="sm-probe-$$"
ip netns add "$probe" 2>/dev/null || skip "cannot create network namespaces"
ip netns del "$probe"
for t in ssh sshd tcpdump iptables ip6tables nft ethtool tcprewrite /usr/bin/python3 \
         dropbear dbclient dropbearkey dropbearconvert plink puttygen unshare ping; do
    command -v "$t" >/dev/null || skip "missing $t"
done
/usr/bin/python3 -c 'import paramiko' 2>/dev/null || skip "missing python3-paramiko"
[ -f /usr/include/libssh/libssh.h ] || skip "missing libssh-dev (the lab's libssh client)"

[ ${#scen[@]} -gt 0 ] || mapfile -t scen < <("$here/lab.sh" corpus-list)
if [ "$sample" -gt 0 ]; then
    [ "$install" = 0 ] || { echo "make-lab: --sample does not go with --install" >&2; exit 2; }
    [ -n "$seed" ] || seed=$(date +%s)
    mapfile -t scen < <(printf '%s\n' "${scen[@]}" | /usr/bin/python3 -c '
import random, sys
names = [l.strip() for l in sys.stdin if l.strip()]
random.Random(int(sys.argv[1])).shuffle(names)
print("\n".join(sorted(names[:int(sys.argv[2])])))' "$seed" "$sample")
    echo "== make-lab: --sample $sample --seed $seed: ${scen[*]}" >&2
fi
# VLAN-tagged copies (802.1Q VID 100) of these scenarios' client captures
vlan=(normal reject-icmp-port silent-drop router-reset)

out="$(mktemp -d /tmp/sm-corpus.XXXXXX)"
chmod 755 "$out"
cleanup() { [ "$keep" = 1 ] || rm -rf -- "$out"; }
trap cleanup EXIT
start=$(date +%s)
failed=()
for s in "${scen[@]}"; do
    ok=0
    for try in $(seq "$LAB_TRIES"); do
        echo "== $s (try $try)" >&2
        if "$here/lab.sh" corpus "$s" "$out/$s" >"$out/$s.log" 2>&1; then
            for v in "${vlan[@]}"; do
                [ "$v" = "$s" ] || continue
                tcprewrite --enet-vlan=add --enet-vlan-tag=100 --enet-vlan-cfi=0 --enet-vlan-pri=0 \
                    -i "$out/$s.cli.pcap" -o "$out/$s.cli-vlan.pcap" 2>>"$out/$s.log" &&
                    printf 'meta\tcopy\tcli\t%s\n' "$s.cli-vlan.pcap" >>"$out/$s.manifest"
            done
            if /usr/bin/python3 "$here/truth.py" rows "$out" "$s" >"$out/$s.truth" 2>>"$out/$s.log"; then
                ok=1; break
            fi
        fi
        echo "   setup flaked, running $s again:" >&2
        tail -n 3 "$out/$s.log" | sed 's/^/   | /' >&2
    done
    if [ "$ok" = 1 ]; then
        rm -f -- "$out/$s.log"
    else
        failed+=("$s")
        rm -f -- "$out/$s".*.pcap "$out/$s.manifest" "$out/$s.truth"
    fi
done
{
    echo "# sshmortem lab corpus truth: tests/lab/make-lab.sh $(date -u +%FT%TZ);" \
        "$(ssh -V 2>&1); kernel $(uname -r); $(tcpdump --version 2>&1 | head -1)"
    /usr/bin/python3 "$here/truth.py" header
    for s in "${scen[@]}"; do [ -f "$out/$s.truth" ] && cat "$out/$s.truth"; done
} >"$out/truth.tsv"
rm -f -- "$out"/*.truth "$out"/*.manifest
echo "== corpus: $(ls "$out"/*.pcap 2>/dev/null | wc -l) captures, $(du -sh "$out" | cut -f1)," \
    "$(( $(grep -vc '^#' "$out/truth.tsv") - 1 )) truth rows, $(( $(date +%s) - start )) s" >&2

if [ "$install" = 1 ]; then
    dest="$top/pcaps/lab"
    mkdir -p "$dest"
    if [ ${#scen[@]} -gt 0 ] && [ -f "$dest/truth.tsv" ] && [ -n "$(ls "$dest"/*.pcap 2>/dev/null)" ] &&
        [ "$(printf '%s\n' "${scen[@]}" | sort)" != "$("$here/lab.sh" corpus-list | sort)" ]; then
        # partial rebuild: replace only these scenarios' files and rows
        for s in "${scen[@]}"; do rm -f -- "$dest/$s".*.pcap; done
        /usr/bin/python3 - "$dest/truth.tsv" "$out/truth.tsv" "${scen[@]}" <<'PY'
import sys
old, new, scen = sys.argv[1], sys.argv[2], set(sys.argv[3:])
keep = [l for l in open(old) if not l.startswith("#") and l.split("\t")[1] not in scen]
add = [l for l in open(new) if not l.startswith("#")][1:]
with open(old, "w") as f:
    f.writelines([l for l in open(new) if l.startswith("#")] + keep + add)
PY
    else
        rm -f -- "$dest"/*.pcap "$dest/truth.tsv"
        cp "$out/truth.tsv" "$dest/"
    fi
    cp "$out"/*.pcap "$dest/"
    chmod 644 "$dest"/*
    echo "== installed into $dest" >&2
    truth="$dest/truth.tsv"
else
    truth="$out/truth.tsv"
fi

rc=0
/usr/bin/python3 "$here/score.py" --truth "$truth" --sshmortem "${SSHMORTEM:-$top_builddir/sshmortem}" \
    "${minacc[@]}" || rc=$?
if [ ${#failed[@]} -gt 0 ]; then
    echo "FAIL: make-lab: could not make scenario(s) as designed after $LAB_TRIES tries: ${failed[*]}" >&2
    [ "$keep" = 1 ] && echo "   logs kept in $out" >&2
    rc=1
fi
[ "$keep" = 1 ] && echo "== kept $out" >&2
exit "$rc"
